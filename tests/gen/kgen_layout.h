/* Test helper: run tests/gen/kgen with --print-layout and read its
 * "key value" lines.  Needs KGEN_PATH, cmocka (fail_msg) and <stdarg.h>,
 * <stdio.h>, <stdlib.h>, <string.h> included before it.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_TESTS_KGEN_LAYOUT_H
#define DMPKIT_TESTS_KGEN_LAYOUT_H

typedef struct layout {
	size_t n;
	char (*key)[64];
	char (*val)[300];
} layout;

static inline bool run_kgen(const char *out, const char *args, layout *lay)
{
	char cmd[2400], lp[700];
	snprintf(lp, sizeof lp, "%s.layout", out);
	snprintf(cmd, sizeof cmd, "'%s' '%s' %s --print-layout --force > '%s'", KGEN_PATH, out, args,
	         lp);
	if (system(cmd) != 0)
		return false;
	FILE *f = fopen(lp, "r");
	if (!f)
		return false;
	lay->n = 0;
	lay->key = calloc(4096, sizeof *lay->key);
	lay->val = calloc(4096, sizeof *lay->val);
	char line[512];
	while (lay->n < 4096 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = 0;
		snprintf(lay->key[lay->n], 64, "%.63s", line);
		snprintf(lay->val[lay->n], 300, "%.299s", sp + 1);
		lay->n++;
	}
	fclose(f);
	return true;
}

static inline void lay_free(layout *l)
{
	free(l->key);
	free(l->val);
}

/* The value of the key that fmt and ap spell, NULL when absent. */
static const char *lfindv(const layout *l, const char *fmt, va_list ap, char *k, size_t ksize)
	__attribute__((format(printf, 2, 0)));
static inline const char *lfindv(const layout *l, const char *fmt, va_list ap, char *k,
                                 size_t ksize)
{
	vsnprintf(k, ksize, fmt, ap);
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->key[i], k) == 0)
			return l->val[i];
	return NULL;
}

static const char *ls(const layout *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline const char *ls(const layout *l, const char *fmt, ...)
{
	char k[64];
	va_list ap;
	va_start(ap, fmt);
	const char *v = lfindv(l, fmt, ap, k, sizeof k);
	va_end(ap);
	return v;
}

/* The value as a number; a missing key fails the test. */
static uint64_t lx(const layout *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline uint64_t lx(const layout *l, const char *fmt, ...)
{
	char k[64];
	va_list ap;
	va_start(ap, fmt);
	const char *v = lfindv(l, fmt, ap, k, sizeof k);
	va_end(ap);
	if (!v)
		fail_msg("layout key %s missing", k);
	return v ? strtoull(v, NULL, 0) : 0;
}

static bool lhas(const layout *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool lhas(const layout *l, const char *fmt, ...)
{
	char k[64];
	va_list ap;
	va_start(ap, fmt);
	const char *v = lfindv(l, fmt, ap, k, sizeof k);
	va_end(ap);
	return v != NULL;
}

#endif
