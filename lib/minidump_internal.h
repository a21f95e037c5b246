/* dmpkit — internal: the minidump handle and helpers shared by the
 * minidump_*.c modules.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_MINIDUMP_INTERNAL_H
#define DMPKIT_MINIDUMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/minidump.h>

#include "internal.h"

/* Sizes of the fixed structures (minidumpapiset.h, pack(4)). */
#define MD_HEADER_SIZE 32u
#define MD_DIRENT_SIZE 12u
#define MD_THREAD_SIZE 48u
#define MD_THREAD_EX_SIZE 64u
#define MD_MODULE_SIZE 108u
#define MD_MEMDESC_SIZE 16u
#define MD_MEMDESC64_SIZE 16u
#define MD_EXCEPTION_STREAM_SIZE 168u
#define MD_SYSTEM_INFO_SIZE 56u
#define MD_UNLOADED_SIZE 24u
#define MD_MEMORY_INFO_SIZE 48u
#define MD_THREAD_INFO_SIZE 64u
#define MD_HANDLE_DESC_SIZE 32u
#define MD_HANDLE_DESC2_SIZE 40u
#define MD_FUNCTION_DESC_SIZE 32u
#define MD_ASSERTION_SIZE 776u
#define MD_THREAD_NAME_SIZE 12u
/* Upper bounds that keep a hostile file from making us allocate much. */
#define MD_MAX_STRING_BYTES 0x10000u   /* one MINIDUMP_STRING */
#define MD_MAX_STREAM_BYTES 0x10000000u /* one non-memory stream held in memory */
#define MD_MAX_CONTEXT_BYTES 0x100000u  /* one CONTEXT record (XSAVE included) */

/* A chunk of the arena that holds the decoded strings and arrays. */
typedef struct md_chunk {
	struct md_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
} md_chunk;

typedef struct md_index_entry { /* sorted memory index */
	uint64_t start, end; /* [start, end) of bytes inside the file */
	uint64_t rva;
} md_index_entry;

struct dk_minidump {
	dk_input in;
	md_chunk *arena;
	dk_minidump_header hdr;
	uint8_t hdr_bytes[MD_HEADER_SIZE];
	size_t hdr_avail;

	dk_minidump_stream *streams;
	size_t nstreams;
	uint8_t **sdata;     /* stream bytes (NULL when outside the file) */
	size_t *slen;
	bool *sowned;        /* sdata[i] was allocated */

	dk_minidump_thread *threads;
	size_t nthreads;
	bool threads_ex;
	uint8_t **ctx_cache; /* per thread, read on demand */
	size_t *ctx_len;
	bool *ctx_tried;
	uint8_t *exc_ctx;
	size_t exc_ctx_len;
	bool exc_ctx_tried;

	dk_minidump_module *modules;
	size_t nmodules;
	dk_minidump_unloaded_module *unloaded;
	size_t nunloaded;
	dk_minidump_range *ranges;
	size_t nranges;
	bool ranges64;
	md_index_entry *index;
	size_t nindex;
	dk_minidump_memory_info *meminfo;
	size_t nmeminfo;
	dk_minidump_exception exception;
	bool has_exception;
	dk_minidump_system_info sysinfo;
	bool has_sysinfo;
	dk_minidump_misc_info misc;
	bool has_misc;
	dk_minidump_handle *handles;
	size_t nhandles;
	dk_minidump_thread_info *thread_infos;
	size_t nthread_infos;
	dk_minidump_token *tokens;
	size_t ntokens;
	dk_minidump_function_table *ftables;
	size_t nftables;
	dk_minidump_assertion assertion;
	bool has_assertion;
	dk_minidump_breakpad_info bpinfo;
	bool has_bpinfo;
	dk_minidump_crashpad_info crashpad;
	bool has_crashpad;
	dk_minidump_dso_debug dso;
	bool has_dso;
	const char *comment_a, *comment_w;
	dk_md_record sysmem, vmcounters;
	bool has_sysmem, has_vmcounters;
};

/* ---- arena ---- */
void *md_alloc(dk_minidump *md, size_t size); /* zeroed; NULL on failure */
char *md_strndup(dk_minidump *md, const char *s, size_t n);

/* ---- reading the file ---- */
/* Reads exactly len bytes at off; false when outside the file or on error. */
bool md_read(const dk_minidump *md, uint64_t off, void *buf, size_t len);
/* True when [off, off+len) lies inside the file. */
static inline bool md_inside(const dk_minidump *md, uint64_t off, uint64_t len)
{
	uint64_t end;
	return dk_add_ok(off, len, &end) && end <= md->in.size;
}
/* A MINIDUMP_STRING (u32 byte length + UTF-16LE) at rva as UTF-8 in the
 * arena; NULL (and *why set) when it is outside the file or too long. */
const char *md_read_string(dk_minidump *md, uint64_t rva, const char **why);
/* Reads the u32 byte length *n of the string (or byte array) at `rva` and
 * checks that it is plausible and inside the file: NULL, or the reason. */
const char *md_string_len(dk_minidump *md, uint64_t rva, uint32_t *n);
/* A crashpad MinidumpUTF8String (u32 length + bytes + NUL). */
const char *md_read_utf8(dk_minidump *md, uint64_t rva);
/* UTF-16 bytes of a fixed-size field as UTF-8. */
void md_utf16_field(const uint8_t *p, size_t bytes, char *out, size_t outsize);

/* ---- stream decoders (minidump_streams.c, minidump_extra.c) ----
 * Each decodes stream `i` (whose bytes are md->sdata[i], md->slen[i]) and
 * returns false with st->problem set when it cannot.  Only a failed
 * allocation is fatal (*nomem set). */
typedef bool (*md_decoder)(dk_minidump *md, size_t i, bool *nomem);
md_decoder md_decoder_for(uint32_t type);
bool md_decode_threads(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_modules(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_unloaded(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_memory(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_memory64(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_exception(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_sysinfo(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_misc(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_meminfo(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_handles(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_thread_infos(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_thread_names(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_token(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_ftable(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_comment(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_assertion(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_bpinfo(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_crashpad(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_dso(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_sysmem(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_vmcounters(dk_minidump *md, size_t i, bool *nomem);
bool md_decode_text(dk_minidump *md, size_t i, bool *nomem);

void md_problem(dk_minidump *md, size_t i, const char *fmt, ...) DK_PRINTF(3, 4);
/* Entry count of a list stream whose header is `hdr` bytes: breakpad's
 * writers sometimes pad the header by 4 bytes (minidump.cc accepts
 * size == hdr + 4 + n * entry). Returns the offset of the first entry, or
 * 0 when the size does not fit the count. */
size_t md_list_start(size_t len, size_t hdr, uint64_t count, size_t entry);
/* False, with the problem "the stream is shorter than its WHAT", when
 * stream i has fewer than `need` bytes. */
bool md_stream_min(dk_minidump *md, size_t i, size_t need, const char *what);
/* A list stream headed by a u32 count (`count_name`) of `entry`-byte
 * entries: *n and the offset of the first entry, or 0 with the problem set. */
size_t md_counted_list(dk_minidump *md, size_t i, size_t entry, const char *count_name,
                       uint32_t *n);
/* Build the sorted memory index after the lists are decoded. */
bool md_build_index(dk_minidump *md);

/* dk_check_file's minidump branch: true when the file starts with "MDMP"
 * (then *st is the result and the findings are appended). */
bool dk_minidump_check_path(const char *path, unsigned flags, dk_findings *out,
                            dk_status *st, dk_error *err);

/* ---- field tables (minidump_layouts.c) ---- */
extern const dk_struct_desc dk_md_header_desc, dk_md_thread_desc, dk_md_thread_ex_desc,
	dk_md_module_desc, dk_md_unloaded_desc, dk_md_exception_desc, dk_md_sysinfo_desc,
	dk_md_misc_desc, dk_md_meminfo_desc, dk_md_thread_info_desc, dk_md_handle_desc,
	dk_md_handle2_desc, dk_md_ftable_desc, dk_md_sysmem_desc, dk_md_vm1_desc,
	dk_md_vm2_desc;

static inline dk_md_record md_record(const dk_struct_desc *d, const uint8_t *p, size_t avail,
                                     uint64_t off)
{
	dk_md_record r = { d, p, avail < d->size ? avail : d->size, off };
	return r;
}

#endif
