/* dmpkit tests — shared helpers.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "testlib.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef DKGEN_PATH
#error "DKGEN_PATH must be defined"
#endif
#ifndef TEST_TMPDIR
#error "TEST_TMPDIR must be defined"
#endif

const char *tl_dkgen(void)
{
	return DKGEN_PATH;
}

const char *tl_tmpdir(void)
{
	static bool made;
	if (!made) {
		if (mkdir(TEST_TMPDIR, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "cannot create %s: %s\n", TEST_TMPDIR, strerror(errno));
			abort();
		}
		made = true;
	}
	return TEST_TMPDIR;
}

const char *tl_path(const char *name)
{
	static char bufs[8][1024];
	static unsigned slot;
	char *b = bufs[slot++ % 8];
	snprintf(b, sizeof bufs[0], "%s/%s", tl_tmpdir(), name);
	return b;
}

const char *tl_gen(const char *name, const char *args, tl_layout *lay)
{
	static char out[8][1024];
	static unsigned slot;
	char *path = out[slot++ % 8];
	snprintf(path, sizeof out[0], "%s/%s", tl_tmpdir(), name);
	size_t cl = strlen(path) * 2 + strlen(args) + strlen(tl_dkgen()) + 64;
	char *cmd = malloc(cl);
	if (!cmd)
		abort();
	snprintf(cmd, cl, "'%s' '%s' --force --print-layout %s", tl_dkgen(), path, args);
	FILE *p = popen(cmd, "r");
	if (!p) {
		free(cmd);
		return NULL;
	}
	if (lay)
		lay->n = 0;
	char line[256];
	while (fgets(line, sizeof line, p)) {
		char k[48];
		uint64_t v;
		if (lay && lay->n < 512 && sscanf(line, "%47s %" SCNx64, k, &v) == 2) {
			snprintf(lay->keys[lay->n], sizeof lay->keys[0], "%s", k);
			lay->vals[lay->n++] = v;
		}
	}
	int rc = pclose(p);
	if (rc != 0) {
		fprintf(stderr, "dkgen failed (%d): %s\n", rc, cmd);
		free(cmd);
		return NULL;
	}
	free(cmd);
	return path;
}

bool tl_lay_has(const tl_layout *lay, const char *key)
{
	for (size_t i = 0; i < lay->n; i++)
		if (strcmp(lay->keys[i], key) == 0)
			return true;
	return false;
}

uint64_t tl_lay(const tl_layout *lay, const char *key)
{
	for (size_t i = 0; i < lay->n; i++)
		if (strcmp(lay->keys[i], key) == 0)
			return lay->vals[i];
	fprintf(stderr, "dkgen layout has no key '%s'\n", key);
	abort();
}

uint8_t *tl_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	*size = n;
	return buf;
}

bool tl_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok;
}
