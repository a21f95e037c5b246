/* dmpkit — converting a physical memory image into a Windows crash dump:
 * where the dump header comes from, how it is verified against the image
 * and repaired, and the conversion itself.
 *
 * Header sources, in order of preference: a header file (a buffer captured
 * with KeInitializeCrashDumpHeader, or an existing .dmp); a header the
 * guest left in the image (the VMCOREINFO note, or a physical address);
 * the header of a Windows dump given as the image; a header synthesized
 * from the image's kernel (KDBG, DirectoryTableBase, lists).  Whatever the
 * source, the header is checked against the image: DirectoryTableBase must
 * translate KdDebuggerDataBlock to a block tagged KDBG and
 * PsLoadedModuleList to a sane list.  Every repair and guess is reported
 * and summarised in the dump's Comment field.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_CONVERT_H
#define DMPKIT_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/dumpwriter.h>
#include <dmpkit/error.h>
#include <dmpkit/image.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The documented "manually initiated" stop code used when the image
 * holds no bugcheck: 0xE2 MANUALLY_INITIATED_CRASH (bug check reference). */
#define DK_CONVERT_DEFAULT_BUGCHECK 0xE2u

typedef enum dk_header_source {
	DK_HDR_NONE,
	DK_HDR_FILE,       /* --header: a captured 0x1000/0x2000-byte buffer */
	DK_HDR_DUMP_FILE,  /* --header: an existing .dmp whose header is reused */
	DK_HDR_VMCOREINFO, /* the image's VMCOREINFO note */
	DK_HDR_AT,         /* --header-at PHYSADDR */
	DK_HDR_IMAGE_DUMP, /* the image is itself a Windows dump */
	DK_HDR_SYNTH       /* synthesized from the kernel found in the image */
} dk_header_source;

const char *dk_header_source_name(dk_header_source s);

typedef enum dk_finding_kind {
	DK_CONV_INFO,     /* a fact: where the header came from, what was proven */
	DK_CONV_REPAIR,   /* a field's value was wrong and was replaced */
	DK_CONV_SET,      /* a field was filled in (synthesized or missing) */
	DK_CONV_GUESS,    /* a value that could not be proven */
	DK_CONV_WARNING   /* something the user must know (nothing proven, pages missing) */
} dk_finding_kind;

typedef struct dk_conv_finding {
	dk_finding_kind kind;
	char field[48];    /* "DirectoryTableBase", "" when not about a field */
	uint64_t old_value, new_value;
	bool has_values;
	char text[320];
} dk_conv_finding;

/* Bytes of physical memory the output holds changed: a KDBG stored encoded
 * in the image is written decoded (as QEMU's elf2dmp does), so that the
 * debugger finds the tag. */
typedef struct dk_conv_patch {
	uint64_t pa;
	uint8_t *bytes;
	size_t len;
} dk_conv_patch;

typedef struct dk_convert_report {
	dk_header_source source;
	char source_detail[256];
	bool kernel_found;     /* a Windows kernel was proven in the image */
	unsigned bits;         /* 32 or 64 */
	dk_conv_finding *findings;
	size_t count;
	size_t repairs;        /* findings of kind REPAIR */
	dk_conv_patch *patches;
	size_t npatches;
} dk_convert_report;

typedef struct dk_convert_options {
	const char *header_file;       /* --header FILE */
	bool header_at_set;
	uint64_t header_at;            /* --header-at PHYSADDR */
	bool bugcheck_set;             /* --bugcheck CODE[,P1,P2,P3,P4] */
	uint32_t bugcheck_code;
	uint64_t bugcheck_params[4];
	bool no_repair;                /* repairs become errors */
	bool no_synthesize;            /* never synthesize (fail without a header) */
	bool synthesize;               /* ignore the image's own header (VMCOREINFO,
	                                  input dump) and synthesize one */
	const char *comment;           /* extra text for the Comment field */
	dk_dump_write_options write;   /* format, force, exclude, progress */
} dk_convert_options;

/* Builds, verifies and repairs the header for `img`.  `hdr` receives 0x2000
 * bytes (64-bit) or 0x1000 (32-bit, *len says).  Fails with DK_E_FORMAT
 * when --no-repair is set and a repair was needed (the report lists it).
 * The report's findings are malloc'd: free with dk_convert_report_free. */
dk_status dk_convert_header(dk_image *img, const dk_convert_options *opts, uint8_t hdr[0x2000],
                            size_t *len, dk_convert_report *rep, dk_error *err);
void dk_convert_report_free(dk_convert_report *rep);

/* The whole conversion: header, then dk_dump_write.  For opts->write.format
 * DK_OUT_RAW no header is built. */
dk_status dk_convert(dk_image *img, const char *output, const dk_convert_options *opts,
                     dk_convert_report *rep, dk_dump_write_result *res, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
