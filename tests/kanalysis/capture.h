/* Test helpers shared by the kanalysis tests: run a command and capture its
 * output, and look for strings in it.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_TEST_CAPTURE_H
#define DMPKIT_TEST_CAPTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

static inline char *run(int *rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline char *run(int *rc, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += got;
		if (cap - n < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[n] = 0;
	int st = pclose(p);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return buf;
}

/* Every needle appears in `hay`, in this order. */
static inline void expect_in_order(const char *hay, const char *const *needles, size_t n)
{
	const char *at = hay;
	for (size_t i = 0; i < n; i++) {
		const char *f = strstr(at, needles[i]);
		if (!f)
			fail_msg("'%s' not found (in order) in:\n%s", needles[i], hay);
		at = f + strlen(needles[i]);
	}
}

static inline void expect_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in:\n%s", needle, hay);
}

/* ------------------------------------------------------------------ */
/* the real ARM64 triage dump */

#endif
