/* dmpkit — comparing two physical memory sources page by page (a memory
 * image and the dump made from it).
 *
 * Every page of A (the image) is looked up in B (the dump): identical,
 * differing, or missing from B.  Pages B holds but A does not are counted
 * separately as "extra" (a dump whose header lists runs the image lacks
 * holds them as zero pages: extra_zero counts those).  Memory stays
 * bounded: both sources are read in ~1 MiB batches.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_VERIFY_H
#define DMPKIT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/physmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* At most this many mismatching pages are recorded. */
#define DK_VERIFY_MAX_RECORDED 64

typedef enum dk_verify_kind {
	DK_VERIFY_DIFFERENT, /* in both, bytes differ */
	DK_VERIFY_MISSING,   /* in A, not in B */
	DK_VERIFY_EXTRA      /* in B, not in A, and not all zero */
} dk_verify_kind;

typedef struct dk_verify_mismatch {
	uint64_t pfn;
	dk_verify_kind kind;
	uint32_t offset;     /* DIFFERENT: first differing byte in the page */
} dk_verify_mismatch;

/* Called now and then with bytes of pages done and the total; return
 * false to stop (the call fails with DK_E_IO, message "interrupted"). */
typedef bool (*dk_verify_progress_fn)(void *arg, uint64_t done, uint64_t total);

typedef struct dk_verify_options {
	const dk_run *exclude;   /* page ranges left out on both sides */
	size_t nexclude;
	size_t max_recorded;     /* 0: 16; at most DK_VERIFY_MAX_RECORDED */
	dk_verify_progress_fn progress; /* may be NULL */
	void *progress_arg;
} dk_verify_options;

typedef struct dk_verify_result {
	uint32_t page_size;
	uint64_t a_pages;      /* pages of A compared or looked for (after exclusions) */
	uint64_t b_pages;      /* pages of B (after exclusions) */
	uint64_t compared;     /* in both */
	uint64_t identical;
	uint64_t different;
	uint64_t missing;      /* in A, not in B */
	uint64_t extra;        /* in B, not in A */
	uint64_t extra_zero;   /* of those, all-zero pages */
	uint64_t excluded_a;   /* pages of A left out by the exclude list */
	dk_verify_mismatch recorded[DK_VERIFY_MAX_RECORDED]; /* first mismatches, by PFN */
	size_t nrecorded;
} dk_verify_result;

/* Compares A with B.  Fails (DK_E_ARG) when the page sizes differ; read
 * errors of either source are returned with their message. */
dk_status dk_verify_pages(const dk_physmem *a, const dk_physmem *b, const dk_verify_options *opts,
                          dk_verify_result *res, dk_error *err);

/* True when every page of A is in B with the same bytes. */
bool dk_verify_good(const dk_verify_result *res);

/* Parses physical address ranges "START-END" (inclusive end, like
 * /proc/iomem) or "START+LEN", comma-separated, numbers decimal or 0x hex,
 * into page runs (malloc'd, sorted, merged).  A range covers every page it
 * touches.  `what` names the option in error messages ("--exclude"). */
dk_status dk_parse_page_ranges(const char *spec, uint32_t page_size, const char *what,
                               dk_run **out, size_t *count, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
