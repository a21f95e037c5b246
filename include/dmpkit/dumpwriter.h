/* dmpkit — writing physical memory out: Windows full dumps (runs),
 * bitmap dumps, and raw images.
 *
 * The writer takes a physical memory source and a prepared dump header and
 * streams the pages out with bounded memory.  The output goes to a
 * temporary file in the target directory that is synced and renamed over
 * OUTPUT only when complete; on any error or abort it is removed.  An
 * existing OUTPUT is not replaced unless `force` is set.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_DUMPWRITER_H
#define DMPKIT_DUMPWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/physmem.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_out_format {
	DK_OUT_AUTO,   /* full dump with runs when they fit the header, else bitmap */
	DK_OUT_RUNS,   /* DumpType 1: PhysicalMemoryBlock runs, pages packed */
	DK_OUT_BITMAP, /* DumpType 5: FDMP summary header + bitmap, pages packed */
	DK_OUT_RAW     /* no header: file offset == physical address, holes sparse */
} dk_out_format;

/* Called now and then with bytes of page data done and the total; return
 * false to abort (the output is removed, the call fails with DK_E_IO and
 * the message "interrupted"). */
typedef bool (*dk_progress_fn)(void *arg, uint64_t done, uint64_t total);

typedef struct dk_dump_write_options {
	dk_out_format format;
	bool force;                /* replace an existing OUTPUT */
	const dk_run *exclude;     /* physical page ranges left out */
	size_t nexclude;
	dk_progress_fn progress;   /* may be NULL */
	void *progress_arg;
	bool no_sparse;            /* write zero pages as data */
	bool no_copy_range;        /* never use copy_file_range */
} dk_dump_write_options;

typedef struct dk_dump_write_result {
	dk_out_format format;      /* what was written (AUTO resolved) */
	uint64_t pages;            /* pages written */
	uint64_t zero_pages;       /* of those, all-zero pages left as holes */
	uint64_t copied_pages;     /* moved with copy_file_range */
	uint32_t runs;             /* runs in the output */
	uint64_t file_size;
} dk_dump_write_result;

/* Pages of `pm` minus `exclude`, as runs (malloc'd into *out). */
dk_status dk_dump_plan_runs(const dk_physmem *pm, const dk_run *exclude, size_t nexclude,
                            dk_run **out, size_t *count, dk_error *err);

/* Writes OUTPUT.  `header` is a complete DUMP_HEADER32 (0x1000 bytes,
 * "PAGEDUMP") or DUMP_HEADER64 (0x2000 bytes, "PAGEDU64") whose other
 * fields the caller has prepared; the writer sets from the pages actually
 * written: PhysicalMemoryBlock (NumberOfRuns, NumberOfPages, Run[]; for
 * bitmap dumps NumberOfRuns/NumberOfPages too), DumpType, RequiredDumpSpace.
 * `header` is ignored for DK_OUT_RAW (may be NULL). */
dk_status dk_dump_write(const dk_physmem *pm, const uint8_t *header, size_t header_len,
                        const char *output, const dk_dump_write_options *opts,
                        dk_dump_write_result *res, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
