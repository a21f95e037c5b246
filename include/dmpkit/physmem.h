/* dmpkit — a physical memory source: page size plus runs of present pages.
 *
 * Every input reader produces one; every writer and analyzer consumes one.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_PHYSMEM_H
#define DMPKIT_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A run of present physical pages. */
typedef struct dk_run {
	uint64_t base_pfn;
	uint64_t count;
} dk_run;

typedef struct dk_physmem_ops {
	/* First run of present pages that ends after `pfn`: the run holding
	 * `pfn`, clipped to start at `pfn`, else the next run above it.
	 * Returns false when no present page lies at or above `pfn`. */
	bool (*next_run)(void *ctx, uint64_t pfn, dk_run *out);
	/* Read `count` present, consecutive pages starting at `pfn`. */
	dk_status (*read_pages)(void *ctx, uint64_t pfn, uint64_t count, void *buf,
	                        dk_error *err);
	/* Optional: where the page's bytes lie, uncompressed, in a file
	 * (for zero-copy writers).  Returns false when not applicable. */
	bool (*locate)(void *ctx, uint64_t pfn, int *fd, uint64_t *offset,
	               uint64_t *contiguous_pages);
	/* Optional: another cursor over the same source that may be used from
	 * another thread while `ctx` is used (its own caches, shared immutable
	 * tables), so that compressed pages decompress on several cores.
	 * NULL when out of memory.  Freed with clone_free. */
	void *(*clone)(void *ctx);
	void (*clone_free)(void *clone);
} dk_physmem_ops;

typedef struct dk_physmem {
	uint32_t page_size;      /* bytes, a power of two (4096 for Windows) */
	uint64_t present_pages;  /* number of present pages */
	uint64_t end_pfn;        /* one past the highest present page */
	const dk_physmem_ops *ops;
	void *ctx;
} dk_physmem;

/* True when physical page `pfn` is present. */
bool dk_physmem_present(const dk_physmem *pm, uint64_t pfn);
/* Iterate runs: start with pfn 0, then pass run.base_pfn + run.count. */
bool dk_physmem_next_run(const dk_physmem *pm, uint64_t pfn, dk_run *out);
/* Read `len` bytes at physical address `addr`; every page touched must be
 * present (DK_E_RANGE names the first missing page otherwise). */
dk_status dk_physmem_read(const dk_physmem *pm, uint64_t addr, void *buf,
                          size_t len, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
