/* dmpkit — named fields of on-disk structures.
 *
 * Every structure dmpkit decodes (dump headers, CONTEXT records, exception
 * records, bitmap/RDMP/triage headers) is described by a table of named
 * fields.  `info` prints them, `diff` compares them, and JSON output uses
 * the same names, so a field has one name everywhere.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_FIELDS_H
#define DMPKIT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_field_type {
	DK_FT_UINT,  /* little-endian unsigned integer of 1, 2, 4 or 8 bytes */
	DK_FT_TAG,   /* four ASCII characters such as "PAGE" */
	DK_FT_ASCII, /* fixed-size character array, NUL-padded */
	DK_FT_BYTES  /* opaque bytes */
} dk_field_type;

/* How a value is explained beyond its number. */
typedef enum dk_field_decode {
	DK_DEC_NONE,
	DK_DEC_DEC,            /* print in decimal as well */
	DK_DEC_MACHINE,        /* IMAGE_FILE_MACHINE_* */
	DK_DEC_DUMP_TYPE,      /* DUMP_TYPE_* */
	DK_DEC_BUGCHECK,       /* stop code name */
	DK_DEC_FILETIME,       /* 100 ns since 1601-01-01 UTC */
	DK_DEC_DURATION,       /* 100 ns units */
	DK_DEC_ATTRIBUTES,     /* DUMP_FILE_ATTRIBUTES bits */
	DK_DEC_PRODUCT_TYPE,   /* VER_NT_* */
	DK_DEC_SUITE_MASK,     /* VER_SUITE_* bits */
	DK_DEC_CONTEXT_FLAGS,  /* CONTEXT_* bits */
	DK_DEC_BOOL,
	DK_DEC_BYTES,          /* a size in bytes */
	DK_DEC_PAGES,          /* a count of 4 KiB pages */
	DK_DEC_EXCEPTION_FLAGS,
	DK_DEC_BUILD,          /* MajorVersion: free/checked */
	DK_DEC_TRIAGE_OPTIONS
} dk_field_decode;

enum {
	DK_FF_PAGE_FILL = 1u << 0, /* Windows may leave it filled with "PAGE" */
	DK_FF_ADDRESS = 1u << 1,   /* a virtual address */
	DK_FF_SUBSTRUCT = 1u << 2, /* a buffer described by its own table */
	DK_FF_RESERVED = 1u << 3   /* reserved or padding */
};

typedef struct dk_field {
	const char *name;
	uint32_t offset; /* from the start of the structure */
	uint32_t size;   /* bytes */
	uint8_t type;    /* dk_field_type */
	uint8_t decode;  /* dk_field_decode */
	uint16_t flags;  /* DK_FF_* */
} dk_field;

typedef struct dk_struct_desc {
	const char *name; /* e.g. "DUMP_HEADER64" */
	uint32_t size;    /* bytes the fields span */
	const dk_field *fields;
	size_t nfields;
} dk_struct_desc;

/* State of one field in a buffer. */
typedef enum dk_field_state {
	DK_FIELD_SET,
	DK_FIELD_NOT_SET, /* still holds the "PAGE" fill */
	DK_FIELD_MISSING  /* beyond the end of the data */
} dk_field_state;

/* State and integer value of a field of `base` (which has `avail` bytes).
 * For DK_FT_UINT the value is returned in *value (others: 0). */
dk_field_state dk_field_get(const dk_field *f, const uint8_t *base, size_t avail,
                            uint64_t *value);
/* The value as text: "0xfffff80412345678", "PAGE", a string, or
 * "(not set)" / "(missing)". */
void dk_field_format(const dk_field *f, const uint8_t *base, size_t avail,
                     char *buf, size_t bufsize);
/* A words explanation ("KMODE_EXCEPTION_NOT_HANDLED", "2024-10-12 12:57:59
 * UTC"), or "" when the field has none. */
void dk_field_explain(const dk_field *f, const uint8_t *base, size_t avail,
                      char *buf, size_t bufsize);
/* Find a field by name (case-sensitive), or NULL. */
const dk_field *dk_struct_field(const dk_struct_desc *s, const char *name);

/* True when `len` bytes at `base`, which lie at `offset` in a structure
 * pre-filled with the repeating "PAGE" pattern, still hold that pattern. */
bool dk_is_page_fill(const uint8_t *base, size_t len, uint32_t offset);

/* Words for codes (never NULL; "unknown" when the value is not known). */
const char *dk_machine_name(uint32_t machine);
const char *dk_dump_type_name(uint32_t dump_type);
/* Format a Windows FILETIME as "YYYY-MM-DD HH:MM:SS UTC". */
void dk_format_filetime(uint64_t filetime, char *buf, size_t bufsize);
/* Format 100 ns units as "Nd HH:MM:SS.mmm". */
void dk_format_duration(uint64_t units100ns, char *buf, size_t bufsize);

#ifdef __cplusplus
}
#endif
#endif
