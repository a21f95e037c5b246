/* dmpkit — PE images as they lie in memory: headers and the export
 * directory, read through a dk_vmem so that missing pages are tolerated.
 *
 * Layouts: the PE/COFF specification (IMAGE_DOS_HEADER.e_lfanew at 0x3C,
 * "PE\0\0", IMAGE_FILE_HEADER, IMAGE_OPTIONAL_HEADER32/64 with magic
 * 0x10B/0x20B, data directories at +0x60/+0x70, IMAGE_EXPORT_DIRECTORY).
 * Every count, RVA and string is bounded: at most DK_PE_MAX_EXPORTS
 * entries, names of at most DK_PE_MAX_NAME bytes, RVAs below SizeOfImage.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_PE_H
#define DMPKIT_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/stackwalk.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_PE_MAX_EXPORTS 65536u
#define DK_PE_MAX_NAME 512u
#define DK_PE_MAX_IMAGE (1ull << 31) /* SizeOfImage above this is refused */

enum { DK_PE_DIR_EXPORT = 0, DK_PE_DIR_IMPORT = 1, DK_PE_DIR_EXCEPTION = 3,
       DK_PE_DIR_DEBUG = 6 };

typedef struct dk_pe_export {
	uint32_t rva;
	uint32_t ordinal;     /* Base + index into AddressOfFunctions */
	const char *name;     /* NULL for an export by ordinal only */
} dk_pe_export;

typedef struct dk_pe {
	uint64_t base;
	uint32_t e_lfanew;
	uint16_t machine, nsections, characteristics;
	bool pe32plus;        /* optional header magic 0x20B */
	uint32_t timestamp, checksum, size_of_image, size_of_headers, entry_rva;
	uint64_t image_base;  /* ImageBase as linked */
	uint32_t ndirs;       /* NumberOfRvaAndSizes, capped at 16 */
	struct { uint32_t rva, size; } dirs[16];
	/* the export directory (dk_pe_load_exports) */
	bool exports_loaded;
	char dll_name[64];    /* the directory's Name, "" if unreadable */
	uint32_t ordinal_base;
	uint32_t declared_functions, declared_names;
	size_t nexports;      /* sorted by rva, then named before unnamed */
	dk_pe_export *exports;
	size_t skipped_forwarders, unreadable; /* entries left out */
	bool truncated;       /* a count was capped */
	char *pool;           /* names */
} dk_pe;

/* Reads and checks the headers of the image at `base`.  `size_hint` (0 if
 * unknown) bounds SizeOfImage when it is known from a loader entry.  Fails
 * with DK_E_RANGE when the header page cannot be read and DK_E_FORMAT when
 * it is not a PE image. */
dk_status dk_pe_open(const dk_vmem *mem, uint64_t base, uint64_t size_hint, dk_pe *out,
                     dk_error *err);
/* Reads the export directory into a sorted table.  Entries whose memory
 * cannot be read are skipped (counted in `unreadable`); forwarders are
 * skipped.  DK_OK with nexports 0 when the image exports nothing. */
dk_status dk_pe_load_exports(const dk_vmem *mem, dk_pe *pe, dk_error *err);
void dk_pe_free(dk_pe *pe);
/* The export with the largest rva <= `rva` (NULL if none); `next`, when
 * given, receives the following export with a larger rva (or NULL). */
const dk_pe_export *dk_pe_nearest(const dk_pe *pe, uint32_t rva, const dk_pe_export **next);
/* The export named `name` (exact match), or NULL. */
const dk_pe_export *dk_pe_find_export(const dk_pe *pe, const char *name);

#ifdef __cplusplus
}
#endif
#endif
