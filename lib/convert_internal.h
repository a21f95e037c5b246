/* dmpkit — internals of convert: kernel discovery in raw physical memory.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_CONVERT_INTERNAL_H
#define DMPKIT_CONVERT_INTERNAL_H

#include <dmpkit/convert.h>
#include <dmpkit/vas.h>

#include "internal.h"

#define DK_KSCAN_MAX_DTB 64
#define DK_KSCAN_MAX_PAE 16
#define DK_KSCAN_MAX_MZ 256

typedef struct dk_kscan_root {
	dk_paging mode;
	uint64_t dtb;
} dk_kscan_root;

typedef struct dk_kscan {
	dk_kscan_root dtb[DK_KSCAN_MAX_DTB];
	size_t ndtb;
	uint64_t pae_pds[DK_KSCAN_MAX_PAE][4]; /* PD0..PD3 page numbers */
	size_t npae;
	struct {
		uint64_t pa;
		uint16_t machine;
	} mz[DK_KSCAN_MAX_MZ];
	size_t nmz;
	uint64_t scanned;
} dk_kscan;

/* One pass over the present pages in [from_pfn, to_pfn), adding to `s`
 * (zero it first): page-table roots with a self-map, PAE page
 * directories, native PE images. */
dk_status dk_kscan_run(const dk_physmem *pm, uint64_t from_pfn, uint64_t to_pfn, dk_kscan *s,
                       dk_error *err);
/* The PAE PDPT that points at pds[0..3]. */
bool dk_kscan_find_pdpt(const dk_physmem *pm, const uint64_t pds[4], uint64_t max_pages,
                        uint64_t *dtb);
/* Kernel-half virtual addresses of physical addresses pas[0..n) under
 * (mode, dtb); vas[i] = 0 when not mapped.  Bounded table reads. */
void dk_kscan_reverse(const dk_physmem *pm, dk_paging mode, uint64_t dtb, const uint64_t *pas,
                      size_t n, uint64_t *vas);

/* Reports how the header's PhysicalMemoryBlock differs from the runs
 * written (a REPAIR finding) or that it matches (INFO). */
void dk_convert_compare_runs(const uint8_t *hdr, size_t len, const dk_run *out, size_t nout,
                             dk_convert_report *rep);

#endif
