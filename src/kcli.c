/* dmpkit command line — helpers shared by the kernel list commands (lm, ps,
 * threads, cpus, ln): opening a dump's kernel, choosing a process, and
 * printing addresses, times and walk results.
 * SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* Opens `path` and its kernel into c->dump, c->k and c->ptr. */
static int open_kernel(const char *cmd, const char *path, kcli *c)
{
	dk_error e = { 0 };
	dk_status st = dk_kdump_open(path, &c->dump, &e);
	if (st != DK_OK) {
		fprintf(stderr, "dmpkit %s: %s\n", cmd, e.message);
		return st == DK_E_FORMAT ? EXIT_PROBLEMS : EXIT_USAGE;
	}
	st = dk_kernel_open(c->dump, &c->k, &e);
	if (st != DK_OK) {
		fprintf(stderr, "dmpkit %s: %s\n", cmd, e.message);
		dk_kdump_close(c->dump);
		c->dump = NULL;
		return st == DK_E_IO ? EXIT_USAGE : EXIT_PROBLEMS;
	}
	c->ptr = dk_kernel_bits(c->k) == 32 ? 4 : 8;
	return EXIT_GOOD;
}

int kcli_open(const char *cmd, const char *path, kcli *c)
{
	memset(c, 0, sizeof *c);
	return open_kernel(cmd, path, c);
}

int kcli_args(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts, int min_ops,
              int max_ops, const char *missing, kcli *c)
{
	memset(c, 0, sizeof *c);
	c->ops = cli_parse_ops(cmd, argc, argv, opts, nopts, &c->nops);
	if (!c->ops)
		return EXIT_USAGE;
	if (c->nops < min_ops || c->nops > max_ops) {
		cli_usage_error(cmd, "%s", c->nops > max_ops ? "too many operands" : missing);
		kcli_close(c);
		return EXIT_USAGE;
	}
	return EXIT_GOOD;
}

int kcli_load(const char *cmd, kcli *c)
{
	int rc = open_kernel(cmd, c->ops[0], c);
	if (rc != EXIT_GOOD)
		kcli_close(c);
	return rc;
}

int kcli_start(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts, int min_ops,
               int max_ops, const char *missing, kcli *c)
{
	int rc = kcli_args(cmd, argc, argv, opts, nopts, min_ops, max_ops, missing, c);
	return rc != EXIT_GOOD ? rc : kcli_load(cmd, c);
}

void kcli_close(kcli *c)
{
	if (c->k)
		dk_kernel_close(c->k);
	if (c->dump)
		dk_kdump_close(c->dump);
	free(c->ops);
	memset(c, 0, sizeof *c);
}

int kcli_fail(const char *cmd, kcli *c, const char *msg, int rc)
{
	kcli_notes(cmd, c);
	fprintf(stderr, "dmpkit %s: %s\n", cmd, msg);
	kcli_close(c);
	return rc;
}

void kcli_notes(const char *cmd, kcli *c)
{
	const char *n = dk_kernel_notes(c->k);
	while (n && *n) {
		const char *e = strchr(n, '\n');
		size_t len = e ? (size_t)(e - n) : strlen(n);
		if (len)
			fprintf(stderr, "dmpkit %s: note: %.*s\n", cmd, (int)len, n);
		n += len + (e ? 1 : 0);
	}
}

void kcli_json_notes(json *j, kcli *c)
{
	json_key(j, "notes");
	json_begin_array(j);
	const char *n = dk_kernel_notes(c->k);
	while (n && *n) {
		const char *e = strchr(n, '\n');
		size_t len = e ? (size_t)(e - n) : strlen(n);
		if (len) {
			char buf[512];
			snprintf(buf, sizeof buf, "%.*s", (int)(len < 500 ? len : 500), n);
			json_string(j, buf);
		}
		n += len + (e ? 1 : 0);
	}
	json_end_array(j);
}

void kcli_json_begin(json *j, const kcli *c)
{
	json_init(j, stdout);
	json_begin_object(j);
	json_key(j, "file");
	json_string(j, c->ops[0]);
}

void kcli_json_walk(json *j, const dk_walk_status *ws)
{
	json_key(j, "complete");
	json_bool(j, ws->complete);
	json_key(j, "stop_reason");
	json_string(j, ws->stop_reason);
}

const char *kcli_addr(const kcli *c, uint64_t v, char *buf, size_t size)
{
	if (c->ptr == 4)
		snprintf(buf, size, "%08" PRIx64, v & 0xFFFFFFFFu);
	else
		snprintf(buf, size, "%016" PRIx64, v);
	return buf;
}

const char *kcli_time(uint64_t filetime, char *buf, size_t size)
{
	if (!filetime)
		snprintf(buf, size, "-");
	else
		dk_format_filetime(filetime, buf, size);
	return buf;
}

size_t kcli_find_processes(kcli *c, const char *spec, dk_kprocess **out, char *why,
                           size_t whysize)
{
	dk_kprocess *ps = NULL;
	size_t np = 0;
	dk_error e = { 0 };
	dk_walk_status ws;
	*out = NULL;
	if (dk_kernel_processes(c->k, &ps, &np, &ws, &e) != DK_OK) {
		snprintf(why, whysize, "cannot list the processes: %s", e.message);
		return 0;
	}
	dk_kprocess *m = calloc(np ? np : 1, sizeof *m);
	size_t nm = 0;
	if (!m) {
		free(ps);
		snprintf(why, whysize, "out of memory");
		return 0;
	}
	uint64_t v;
	bool num = cli_parse_u64(spec, &v);
	/* a kernel-space number is an EPROCESS address, a smaller one a PID */
	bool addr = num && (c->ptr == 4 ? v >= 0x80000000u : v >= 0xFFFF800000000000ull);
	for (size_t i = 0; i < np; i++) {
		bool hit;
		if (num && addr)
			hit = ps[i].eprocess == v;
		else if (num)
			hit = ps[i].pid == v;
		else
			hit = strcasecmp(ps[i].image_name, spec) == 0;
		/* ImageFileName holds 15 characters: match a longer name's prefix */
		if (!hit && !num && strlen(spec) > 15 && strlen(ps[i].image_name) == 15)
			hit = strncasecmp(ps[i].image_name, spec, 15) == 0;
		if (hit)
			m[nm++] = ps[i];
	}
	/* decimal digits also read as a hex PID (WinDbg's default radix) */
	if (!nm && num && !addr && !strchr(spec, 'x') && !strchr(spec, 'X')) {
		char *end;
		uint64_t h = strtoull(spec, &end, 16);
		if (!*end)
			for (size_t i = 0; i < np; i++)
				if (ps[i].pid == h)
					m[nm++] = ps[i];
	}
	free(ps);
	if (!nm) {
		free(m);
		snprintf(why, whysize, "no process matches '%s' (EPROCESS address, PID or image name)",
		         spec);
		return 0;
	}
	*out = m;
	return nm;
}

void kcli_print_module(const kcli *c, const dk_kmodule *m)
{
	char a[24], b[24];
	printf("%s %s %08" PRIx64 " %08x %08x %-20s %s\n", kcli_addr(c, m->base, a, sizeof a),
	       kcli_addr(c, m->base + m->size, b, sizeof b), m->size, m->timestamp, m->checksum,
	       m->name[0] ? m->name : "?", m->path);
}

void kcli_json_module(json *j, const dk_kmodule *m)
{
	json_begin_object(j);
	json_key(j, "base");
	json_hex(j, m->base);
	json_key(j, "end");
	json_hex(j, m->base + m->size);
	json_key(j, "size");
	json_hex(j, m->size);
	json_key(j, "name");
	json_string(j, m->name);
	json_key(j, "path");
	json_string(j, m->path);
	json_key(j, "timestamp");
	json_hex(j, m->timestamp);
	json_key(j, "checksum");
	json_hex(j, m->checksum);
	json_key(j, "entry_point");
	json_hex(j, m->entry_point);
	json_key(j, "ldr_entry");
	json_hex(j, m->ldr_entry);
	json_end_object(j);
}
