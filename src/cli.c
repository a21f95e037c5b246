/* dmpkit command line — option parsing and numbers.
 * SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "dmpkit %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'dmpkit help %s'.\n", cmd);
}

bool cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts,
               const char **operands, int *noperands)
{
	bool only_operands = false;
	*noperands = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_operands || a[0] != '-' || a[1] == 0) {
			operands[(*noperands)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_operands = true;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		size_t k;
		for (k = 0; k < nopts; k++)
			if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, a, nlen) == 0)
				break;
		if (k == nopts) {
			cli_usage_error(cmd, "unknown option '%s'", a);
			return false;
		}
		opts[k].present = true;
		if (opts[k].takes_value) {
			if (eq)
				opts[k].value = eq + 1;
			else if (i + 1 < argc)
				opts[k].value = argv[++i];
			else {
				cli_usage_error(cmd, "option '%s' needs a value", opts[k].name);
				return false;
			}
		} else if (eq) {
			cli_usage_error(cmd, "option '%.*s' takes no value", (int)nlen, a);
			return false;
		}
	}
	return true;
}

const char **cli_parse_ops(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts,
                           int *noperands)
{
	const char **ops = calloc((size_t)argc + 1, sizeof *ops);
	if (!ops)
		return NULL;
	if (!cli_parse(cmd, argc, argv, opts, nopts, ops, noperands)) {
		free(ops);
		return NULL;
	}
	return ops;
}

bool cli_has(const cli_opt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return opts[i].present;
	return false;
}

const char *cli_value(const cli_opt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return opts[i].present ? opts[i].value : NULL;
	return NULL;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
	char buf[64];
	size_t o = 0;
	bool hex = false, tick = false;
	if (!s || !*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = true;
		s += 2;
	}
	for (; *s; s++) {
		if (*s == '`') {
			tick = true;
			continue;
		}
		if (o + 1 >= sizeof buf || !isxdigit((unsigned char)*s))
			return false;
		buf[o++] = *s;
	}
	buf[o] = 0;
	if (o == 0)
		return false;
	if (!hex && !tick)
		for (size_t i = 0; i < o; i++)
			if (!isdigit((unsigned char)buf[i]))
				hex = true; /* "fffff804..." without 0x: a debugger's hex */
	errno = 0;
	char *end;
	unsigned long long v = strtoull(buf, &end, (hex || tick) ? 16 : 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int cli_image_open(const char *cmd, const char *path, const cli_opt *opts, size_t n,
                   dk_image **out)
{
	dk_image_options io = { cli_value(opts, n, "--image-format"), cli_value(opts, n, "--map"),
		                cli_value(opts, n, "--companion") };
	dk_error err;
	memset(&err, 0, sizeof err);
	dk_status st = dk_image_open(path, &io, out, &err);
	if (st == DK_OK)
		return EXIT_GOOD;
	fprintf(stderr, "dmpkit %s: %s\n", cmd, err.message);
	return st == DK_E_IO || st == DK_E_ARG ? EXIT_USAGE : EXIT_PROBLEMS;
}
