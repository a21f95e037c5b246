/* Fuzzing helpers: a kgen image (tests/gen/kgen.c) in memory, whose chosen
 * objects are corrupted by patches from the fuzzer's input and restored
 * after each run.
 *
 * The kgen binary comes from the environment variable DMPKIT_FUZZ_KGEN;
 * without it no image is loaded and every input is a no-op.  Targets are
 * the --print-layout values whose keys the caller's predicate accepts,
 * translated to file offsets through the library's own address space.
 * An input is a list of patches {u8 target, u16 offset, u8 length, bytes};
 * the offset is taken modulo the caller's span.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_FUZZ_KGEN_H
#define DMPKIT_FUZZ_KGEN_H

#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dmpkit/kdump.h>
#include <dmpkit/kernel.h>

#define KG_MAX_TARGETS 256
#define KG_MAX_PATCHES 64

static uint8_t *kg_img;
static size_t kg_len;
static uint64_t kg_off[KG_MAX_TARGETS];
static size_t kg_ntargets;
static uint64_t kg_span;
static struct {
	uint64_t off;
	uint8_t len;
	uint8_t old[255];
} kg_undo[KG_MAX_PATCHES];
static size_t kg_nundo;

/* Writes the image with `kgen_args` (e.g. "--profile w7_x64") and makes
 * the virtual addresses of the layout keys `want` accepts patch targets,
 * each `span` bytes long. */
static void kg_load(const char *kgen_args, bool (*want)(const char *key), uint64_t span)
{
	const char *kgen = getenv("DMPKIT_FUZZ_KGEN");
	if (!kgen)
		return;
	kg_span = span;
	char path[256], cmd[768], line[256];
	snprintf(path, sizeof path, "/tmp/dmpkit-fuzz-kgen-%d.dmp", (int)getpid());
	snprintf(cmd, sizeof cmd, "'%s' '%s' --force %s --print-layout", kgen, path, kgen_args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	uint64_t vals[KG_MAX_TARGETS];
	size_t nva = 0;
	while (fgets(line, sizeof line, p)) {
		char key[128];
		unsigned long long v;
		if (sscanf(line, "%127s %llx", key, &v) == 2 && nva < KG_MAX_TARGETS && want(key))
			vals[nva++] = v;
	}
	if (pclose(p) != 0)
		return;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	kg_img = n > 0 ? malloc((size_t)n) : NULL;
	if (kg_img && fread(kg_img, 1, (size_t)n, f) == (size_t)n)
		kg_len = (size_t)n;
	fclose(f);
	remove(path);
	dk_kdump *d;
	dk_kernel *k;
	dk_error e;
	if (!kg_len || dk_kdump_open_memory(kg_img, kg_len, "kgen.dmp", &d, &e) != DK_OK)
		return;
	if (dk_kernel_open(d, &k, &e) == DK_OK) {
		dk_vas *vas = dk_kernel_vas(k);
		for (size_t i = 0; vas && i < nva; i++) {
			dk_xlate x;
			uint64_t off;
			dk_vas_translate(vas, vals[i], &x);
			if (x.state == DK_XL_VALID &&
			    dk_kdump_page_offset(d, x.pa / DK_PAGE_SIZE, &off) &&
			    off + x.pa % DK_PAGE_SIZE + span <= kg_len)
				kg_off[kg_ntargets++] = off + x.pa % DK_PAGE_SIZE;
		}
		dk_kernel_close(k);
	}
	dk_kdump_close(d);
}

/* Applies the input's patches; returns false when there is no image. */
static bool kg_patch(const uint8_t *data, size_t size)
{
	size_t i = 0;
	kg_nundo = 0;
	if (!kg_ntargets)
		return false;
	while (i + 4 <= size && kg_nundo < KG_MAX_PATCHES) {
		uint64_t off = kg_off[data[i] % kg_ntargets] +
		               (uint64_t)(data[i + 1] | data[i + 2] << 8) % kg_span;
		uint8_t len = data[i + 3];
		i += 4;
		if (len > size - i)
			len = (uint8_t)(size - i);
		if (off + len > kg_len)
			break;
		kg_undo[kg_nundo].off = off;
		kg_undo[kg_nundo].len = len;
		memcpy(kg_undo[kg_nundo].old, kg_img + off, len);
		memcpy(kg_img + off, data + i, len);
		kg_nundo++;
		i += len;
	}
	return true;
}

static void kg_restore(void)
{
	while (kg_nundo--) /* in reverse order */
		memcpy(kg_img + kg_undo[kg_nundo].off, kg_undo[kg_nundo].old, kg_undo[kg_nundo].len);
	kg_nundo = 0;
}

#endif
