/* dmpkit — triage ("small memory") dumps: DumpType 4.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_TRIAGE_H
#define DMPKIT_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/kdump.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A part of the triage dump: file offset and size (size 0 when unknown). */
typedef struct dk_triage_part {
	const char *name;  /* "Context", "Prcb", "DriverList", ... */
	uint64_t offset;
	uint64_t size;
} dk_triage_part;

typedef struct dk_triage_driver {
	uint32_t name_offset;      /* file offset of the string pool entry */
	char name[128];            /* UTF-8, from the string pool ("" if bad) */
	bool name_ok;
	uint64_t dll_base, entry_point;
	uint32_t size_of_image, checksum, timestamp, flags;
	uint16_t load_count;
} dk_triage_driver;

typedef struct dk_triage_unloaded {
	char name[32];
	uint64_t start, end;
} dk_triage_unloaded;

typedef struct dk_triage_block {
	uint64_t address;  /* virtual address of the copied memory */
	uint32_t offset, size;
} dk_triage_block;

typedef struct dk_triage {
	uint32_t offset;             /* file offset of TRIAGE_DUMP32/64 */
	uint32_t size_of_dump, valid_offset, context_offset, exception_offset;
	uint32_t mm_offset, unloaded_drivers_offset, prcb_offset, process_offset;
	uint32_t thread_offset, call_stack_offset, size_of_call_stack;
	uint32_t driver_list_offset, driver_count, string_pool_offset;
	uint32_t string_pool_size, broken_driver_offset, triage_options;
	uint64_t top_of_stack;
	uint64_t data_page_address;
	uint32_t data_page_offset, data_page_size;
	uint32_t debugger_data_offset, debugger_data_size;
	uint32_t data_blocks_offset, data_blocks_count;
	bool valid_marker;           /* 'TRGD' at ValidOffset */
	/* decoded parts (bounded by the file and by sane limits) */
	size_t ndrivers;
	dk_triage_driver *drivers;
	size_t nunloaded;
	dk_triage_unloaded *unloaded;
	size_t nblocks;
	dk_triage_block *blocks;
	/* bytes of the call stack; stack_base is TopOfStack */
	uint64_t call_stack_size;
	uint32_t context_size; /* CONTEXT size for the dump's architecture */
} dk_triage;

/* The triage header and parts of a DumpType 4 dump, or NULL. */
const dk_triage *dk_kdump_get_triage(const dk_kdump *dump);
/* The parts with their offsets and sizes, in header order. */
size_t dk_triage_parts(const dk_triage *t, unsigned bits, dk_triage_part *out,
                       size_t max);
/* Read `len` bytes of the copied virtual memory at `va` from the triage data
 * blocks, the call stack (TopOfStack up) and the debugger data copy. */
dk_status dk_triage_read_virtual(dk_kdump *dump, uint64_t va, void *buf,
                                 size_t len, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
