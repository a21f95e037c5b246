/* dmpkit — checking a dump: findings and a verdict.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_CHECK_H
#define DMPKIT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/kdump.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_severity {
	DK_SEV_INFO,    /* worth knowing; not a problem */
	DK_SEV_WARNING, /* unusual; the debugger may still open the dump */
	DK_SEV_ERROR    /* wrong: data is missing or cannot be trusted */
} dk_severity;

typedef struct dk_finding {
	dk_severity severity;
	char id[40];         /* stable identifier, e.g. "runs.overlap" */
	char structure[40];  /* e.g. "DUMP_HEADER64" */
	char field[64];      /* e.g. "PhysicalMemoryBlock.Run[2].BasePage" */
	bool has_offset;
	uint64_t offset;     /* file offset of the field */
	char expected[128];
	char found[128];
	char message[384];   /* one sentence in words */
} dk_finding;

typedef struct dk_findings {
	dk_finding *items;
	size_t count, capacity;
	size_t dropped; /* findings not kept because of the cap */
} dk_findings;

typedef enum dk_verdict {
	DK_VERDICT_GOOD,
	DK_VERDICT_WARNINGS,
	DK_VERDICT_BAD
} dk_verdict;

enum {
	DK_CHECK_DEEP = 1u << 0 /* read every stored page once */
};

/* Statistics gathered by a deep check. */
typedef struct dk_check_stats {
	uint64_t pages_read;
	uint64_t pages_unreadable;
	uint64_t pages_deadfeed; /* filled with 0xDEADFEED by the debugger */
	uint64_t pages_zero;
	uint64_t bytes_read;
} dk_check_stats;

void dk_findings_init(dk_findings *f);
void dk_findings_free(dk_findings *f);
dk_verdict dk_findings_verdict(const dk_findings *f);
const char *dk_verdict_name(dk_verdict v);
const char *dk_severity_name(dk_severity s);

/* Check an open kernel dump; findings are appended. */
dk_status dk_kdump_check(dk_kdump *dump, unsigned flags, dk_findings *out,
                         dk_check_stats *stats, dk_error *err);
/* Check a file of any supported kind.  When the file cannot be recognised
 * or its header cannot be read, that is reported as findings and the call
 * still returns DK_OK; only I/O and memory errors fail. */
dk_status dk_check_file(const char *path, unsigned flags, dk_findings *out,
                        dk_check_stats *stats, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
