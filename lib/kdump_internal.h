/* dmpkit — internal state of an open kernel dump.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_KDUMP_INTERNAL_H
#define DMPKIT_KDUMP_INTERNAL_H

#include <dmpkit/kdump.h>
#include <dmpkit/triage.h>

#include "internal.h"

/* A stretch of consecutive pages stored consecutively in the file. */
typedef struct dk_seg {
	uint64_t base_pfn, count;
	uint64_t index; /* page index in the file's page area */
} dk_seg;

/* Bitmap window: 64 KiB of bitmap (524288 pages) per rank entry. */
#define DK_BMP_CHUNK 65536u

struct dk_kdump {
	dk_input in;
	uint8_t *hdr;           /* header_size bytes, zero past hdr_avail */
	size_t hdr_avail;
	const dk_struct_desc *hdr_desc;
	dk_kdump_summary sum;
	dk_kdump_runs runs;

	/* RUNS and RANGES storage: segments in file order, and the same
	 * sorted by PFN, trimmed of overlaps and cut to available pages. */
	dk_seg *segs;
	size_t nsegs;
	dk_seg *psegs;
	size_t npsegs;

	/* BITMAP storage */
	bool has_bitmap;
	dk_kdump_bitmap bmp;
	uint64_t bmp_bits;      /* usable bits: min(declared, held by file) */
	uint64_t *rank;         /* set bits before each chunk */
	size_t nchunks;
	uint8_t *chunk;         /* cache of one chunk */
	size_t cached;          /* index of cached chunk, SIZE_MAX if none */
	uint64_t avail_limit_pfn; /* pages >= this are cut off by the file end */

	/* RANGES storage */
	bool has_rdmp;
	dk_kdump_rdmp rdmp;
	dk_run *ranges;

	/* secondary header bytes */
	uint8_t secondary[0x80];
	size_t secondary_avail;
	const dk_struct_desc *secondary_desc;

	dk_triage *triage;
	dk_physmem pm;
	bool has_pm;
};

dk_status dk_triage_load(dk_kdump *d, dk_error *err);
void dk_triage_free(dk_triage *t);
/* Bitmap helpers (kdump_bitmap.c). */
dk_status dk_bitmap_load(dk_kdump *d, dk_error *err);
bool dk_bitmap_next_run(dk_kdump *d, uint64_t pfn, uint64_t limit, dk_run *out);
bool dk_bitmap_rank(dk_kdump *d, uint64_t pfn, uint64_t *rank);
/* One past the highest present page below avail_limit_pfn (0 if none). */
uint64_t dk_bitmap_end_pfn(dk_kdump *d);

#endif
