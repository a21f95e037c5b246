/* dmpkit — Windows kernel crash dumps ("PAGEDUMP" and "PAGEDU64").
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_KDUMP_H
#define DMPKIT_KDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/context.h>
#include <dmpkit/error.h>
#include <dmpkit/fields.h>
#include <dmpkit/physmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* DumpType values: mindumpdef.h for 1-7, dbgeng behaviour for 8-10. */
enum {
	DK_DUMP_FULL = 1,
	DK_DUMP_SUMMARY = 2,
	DK_DUMP_HEADER = 3,
	DK_DUMP_TRIAGE = 4,
	DK_DUMP_BITMAP_FULL = 5,
	DK_DUMP_BITMAP_KERNEL = 6,
	DK_DUMP_AUTOMATIC = 7,
	DK_DUMP_RDMP_KERNEL = 8,
	DK_DUMP_RDMP_KERNEL_USER = 9,
	DK_DUMP_RDMP_COMPLETE = 10
};

#define DK_PAGE_SIZE 4096u
#define DK_HEADER32_SIZE 0x1000u
#define DK_HEADER64_SIZE 0x2000u

/* How the dump stores its physical pages. */
typedef enum dk_storage {
	DK_STORAGE_NONE,   /* header only, triage */
	DK_STORAGE_RUNS,   /* full dump: PhysicalMemoryBlock runs, packed */
	DK_STORAGE_BITMAP, /* summary/bitmap dump: SDMP/FDMP header + bitmap */
	DK_STORAGE_RANGES  /* RDMP: range list in the metadata */
} dk_storage;

typedef struct dk_kdump dk_kdump;

/* The header, decoded and normalised over the 32- and 64-bit layouts.
 * Values are as stored; `*_set` says a field is not the "PAGE" fill. */
typedef struct dk_kdump_summary {
	unsigned bits;          /* 32 or 64 */
	uint32_t header_size;   /* 0x1000 or 0x2000 */
	uint64_t file_size;
	dk_arch arch;
	uint32_t major_version, minor_version;
	uint64_t directory_table_base, pfn_database;
	uint64_t ps_loaded_module_list, ps_active_process_head;
	uint32_t machine_image_type, number_processors;
	uint32_t bugcheck_code;
	uint64_t bugcheck_parameters[4];
	uint64_t kd_debugger_data_block;
	uint32_t dump_type;
	uint64_t required_dump_space;
	uint64_t system_time, system_up_time;
	bool system_time_set, system_up_time_set;
	bool pae_enabled;         /* 32-bit headers only */
	uint32_t attributes;
	bool attributes_set;
	/* physical memory */
	dk_storage storage;
	uint64_t first_page_offset;  /* file offset of the first stored page */
	uint64_t declared_pages;     /* pages the dump says it stores */
	uint64_t stored_pages;       /* pages actually present in the layout */
	uint64_t available_pages;    /* of those, pages wholly inside the file */
} dk_kdump_summary;

/* Runs as declared by the header's PhysicalMemoryBlock (may be garbage on a
 * damaged dump; dk_kdump_check says so). */
typedef struct dk_kdump_runs {
	bool valid;           /* NumberOfRuns is set and fits the buffer */
	uint32_t number_of_runs;
	uint64_t number_of_pages;
	size_t count;         /* entries decoded (<= capacity) */
	dk_run runs[86];      /* 86 for 32-bit, 42 (43 with padding) for 64 */
} dk_kdump_runs;

/* The SDMP/FDMP bitmap header of dump types 2, 5 and 6. */
typedef struct dk_kdump_bitmap {
	uint32_t offset;       /* file offset of the header (0x1000/0x2000) */
	uint32_t signature;    /* 'SDMP' or 'FDMP' as little-endian u32 */
	uint32_t valid_dump;
	uint64_t first_page;   /* file offset of the first stored page */
	uint64_t present_pages;
	uint64_t bits;         /* bits in the bitmap */
	uint64_t bitmap_bytes_in_file; /* bitmap bytes the file holds */
	uint32_t bits_offset;  /* file offset of the bitmap bits */
	bool legacy32;         /* pre-Vista SUMMARY_DUMP32 layout (32-bit
	                          fields, bits at +0x20) */
	uint64_t popcount;     /* set bits among the first `bits` */
} dk_kdump_bitmap;

/* The RDMP header of dump types 8, 9 and 10. */
typedef struct dk_kdump_rdmp {
	uint32_t marker, signature, valid_dump;
	uint64_t metadata_size, first_page_offset;
	uint32_t number_of_ranges;    /* type 10 only */
	uint64_t total_number_of_pages;
	size_t count;                 /* ranges decoded */
	const dk_run *ranges;
} dk_kdump_rdmp;

/* Open a dump read-only.  The file is validated only as far as needed to
 * describe it; dk_kdump_check() reports everything else.  Fails with
 * DK_E_FORMAT when the file is not a kernel dump at all. */
dk_status dk_kdump_open(const char *path, dk_kdump **out, dk_error *err);
/* Same over a memory buffer, which must outlive the handle. */
dk_status dk_kdump_open_memory(const void *data, size_t size, const char *name,
                               dk_kdump **out, dk_error *err);
void dk_kdump_close(dk_kdump *dump);
/* A dump made of a header (0x1000/0x2000 bytes, which must outlive the
 * handle) over another physical memory source (an image being converted):
 * the kernel layer can then open it like any dump.  `pm` is copied; its
 * context must outlive the handle. */
dk_status dk_kdump_open_overlay(const void *header, size_t size, const dk_physmem *pm,
                                const char *name, dk_kdump **out, dk_error *err);

const char *dk_kdump_name(const dk_kdump *dump);
const dk_kdump_summary *dk_kdump_get_summary(const dk_kdump *dump);
/* The header bytes (header_size of them; bytes past the end of a truncated
 * file read as absent: *avail tells how many are real). */
const uint8_t *dk_kdump_header_bytes(const dk_kdump *dump, size_t *avail);
/* The table of DUMP_HEADER32 or DUMP_HEADER64 fields. */
const dk_struct_desc *dk_kdump_header_desc(const dk_kdump *dump);
const dk_kdump_runs *dk_kdump_get_runs(const dk_kdump *dump);
/* NULL unless the dump type uses that layout. */
const dk_kdump_bitmap *dk_kdump_get_bitmap(const dk_kdump *dump);
const dk_kdump_rdmp *dk_kdump_get_rdmp(const dk_kdump *dump);
/* Bytes of the secondary header (bitmap, RDMP or triage) at header_size,
 * with its description; NULL when the dump has none. */
const uint8_t *dk_kdump_secondary_bytes(const dk_kdump *dump, size_t *avail,
                                        const dk_struct_desc **desc);

/* The CONTEXT record in the header (arch from MachineImageType). */
const uint8_t *dk_kdump_context(const dk_kdump *dump, size_t *len,
                                const dk_struct_desc **desc);
/* The EXCEPTION_RECORD in the header. */
const uint8_t *dk_kdump_exception(const dk_kdump *dump, size_t *len,
                                  const dk_struct_desc **desc);

/* Physical memory, or NULL for dumps that hold none (header-only, triage).
 * Only pages wholly inside the file are present. */
const dk_physmem *dk_kdump_physmem(const dk_kdump *dump);
/* Where a stored page is in the file, whether or not the file still holds
 * it; false when the layout does not store the page. */
bool dk_kdump_page_offset(const dk_kdump *dump, uint64_t pfn, uint64_t *offset);
/* Iterate the pages the layout stores (including pages cut off by
 * truncation), like dk_physmem_next_run. */
bool dk_kdump_next_stored_run(const dk_kdump *dump, uint64_t pfn, dk_run *out);
/* Read `len` bytes at file offset `offset` (for triage parts such as the
 * PRCB, process and thread copies, whose offsets dk_triage_parts gives). */
dk_status dk_kdump_read_bytes(dk_kdump *dump, uint64_t offset, void *buf, size_t len,
                              dk_error *err);
/* Read one page (DK_PAGE_SIZE bytes). */
dk_status dk_kdump_read_page(dk_kdump *dump, uint64_t pfn, void *buf, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
