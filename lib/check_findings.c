/* dmpkit — findings lists and verdicts.
 * SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/check.h>

#include "check_internal.h"
#include "internal.h"

#define MAX_FINDINGS 10000u

void dk_findings_init(dk_findings *f)
{
	memset(f, 0, sizeof *f);
}

void dk_findings_free(dk_findings *f)
{
	free(f->items);
	memset(f, 0, sizeof *f);
}

dk_verdict dk_findings_verdict(const dk_findings *f)
{
	dk_verdict v = DK_VERDICT_GOOD;
	for (size_t i = 0; i < f->count; i++) {
		if (f->items[i].severity == DK_SEV_ERROR)
			return DK_VERDICT_BAD;
		if (f->items[i].severity == DK_SEV_WARNING)
			v = DK_VERDICT_WARNINGS;
	}
	return v;
}

const char *dk_verdict_name(dk_verdict v)
{
	switch (v) {
	case DK_VERDICT_GOOD: return "good";
	case DK_VERDICT_WARNINGS: return "good with warnings";
	default: return "bad";
	}
}

const char *dk_severity_name(dk_severity s)
{
	switch (s) {
	case DK_SEV_INFO: return "info";
	case DK_SEV_WARNING: return "warning";
	default: return "error";
	}
}

void dk_finding_add(dk_findings *f, dk_severity sev, const char *id, const char *structure,
                    const char *field, int64_t offset, const char *expected,
                    const char *found, const char *fmt, ...)
{
	if (f->count >= MAX_FINDINGS) {
		f->dropped++;
		return;
	}
	if (f->count == f->capacity) {
		size_t cap = f->capacity ? f->capacity * 2 : 32;
		dk_finding *n = realloc(f->items, cap * sizeof *n);
		if (!n) {
			f->dropped++;
			return;
		}
		f->items = n;
		f->capacity = cap;
	}
	dk_finding *x = &f->items[f->count++];
	memset(x, 0, sizeof *x);
	x->severity = sev;
	dk_strlcpy(x->id, id ? id : "", sizeof x->id);
	dk_strlcpy(x->structure, structure ? structure : "", sizeof x->structure);
	dk_strlcpy(x->field, field ? field : "", sizeof x->field);
	x->has_offset = offset >= 0;
	x->offset = offset >= 0 ? (uint64_t)offset : 0;
	dk_strlcpy(x->expected, expected ? expected : "", sizeof x->expected);
	dk_strlcpy(x->found, found ? found : "", sizeof x->found);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->message, sizeof x->message, fmt, ap);
	va_end(ap);
}
