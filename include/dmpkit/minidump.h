/* dmpkit — user-mode minidumps ("MDMP").
 *
 * A minidump is a header, a directory of typed streams and the data those
 * streams point to by file offset ("RVA").  dk_minidump_open() reads the
 * header and directory and decodes every stream it knows; a stream that
 * cannot be decoded is still listed, with the problem in words, and never
 * makes the open fail.  dk_minidump_check() reports everything else.
 *
 * Layouts: minidumpapiset.h (Windows SDK), breakpad's minidump_format.h and
 * crashpad's minidump_extensions.h, as restated by rust-minidump
 * (minidump-common/src/format.rs).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_MINIDUMP_H
#define DMPKIT_MINIDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/check.h>
#include <dmpkit/context.h>
#include <dmpkit/error.h>
#include <dmpkit/fields.h>
#include <dmpkit/stackwalk.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_MD_SIGNATURE 0x504D444Du /* "MDMP" */
#define DK_MD_VERSION 0xA793u       /* low 16 bits of Version */

/* Stream types (MINIDUMP_STREAM_TYPE and the breakpad/crashpad ones). */
enum {
	DK_MD_UNUSED = 0,
	DK_MD_THREAD_LIST = 3,
	DK_MD_MODULE_LIST = 4,
	DK_MD_MEMORY_LIST = 5,
	DK_MD_EXCEPTION = 6,
	DK_MD_SYSTEM_INFO = 7,
	DK_MD_THREAD_EX_LIST = 8,
	DK_MD_MEMORY64_LIST = 9,
	DK_MD_COMMENT_A = 10,
	DK_MD_COMMENT_W = 11,
	DK_MD_HANDLE_DATA = 12,
	DK_MD_FUNCTION_TABLE = 13,
	DK_MD_UNLOADED_MODULE_LIST = 14,
	DK_MD_MISC_INFO = 15,
	DK_MD_MEMORY_INFO_LIST = 16,
	DK_MD_THREAD_INFO_LIST = 17,
	DK_MD_HANDLE_OPERATION_LIST = 18,
	DK_MD_TOKEN = 19,
	DK_MD_JAVASCRIPT_DATA = 20,
	DK_MD_SYSTEM_MEMORY_INFO = 21,
	DK_MD_PROCESS_VM_COUNTERS = 22,
	DK_MD_IPT_TRACE = 23,
	DK_MD_THREAD_NAMES = 24,
	DK_MD_BREAKPAD_INFO = 0x47670001,
	DK_MD_ASSERTION_INFO = 0x47670002,
	DK_MD_LINUX_CPU_INFO = 0x47670003,
	DK_MD_LINUX_PROC_STATUS = 0x47670004,
	DK_MD_LINUX_LSB_RELEASE = 0x47670005,
	DK_MD_LINUX_CMD_LINE = 0x47670006,
	DK_MD_LINUX_ENVIRON = 0x47670007,
	DK_MD_LINUX_AUXV = 0x47670008,
	DK_MD_LINUX_MAPS = 0x47670009,
	DK_MD_LINUX_DSO_DEBUG = 0x4767000A,
	DK_MD_CRASHPAD_INFO = 0x43500001
};

/* Name of a stream type ("ThreadListStream"), or NULL when unknown. */
const char *dk_md_stream_type_name(uint32_t type);

typedef struct dk_minidump dk_minidump;

/* A fixed-size structure in the file with its field table: `avail` bytes of
 * it are present (fewer than desc->size when the stream is short). */
typedef struct dk_md_record {
	const dk_struct_desc *desc;
	const uint8_t *data;
	size_t avail;
	uint64_t offset; /* file offset */
} dk_md_record;

typedef struct dk_md_location {
	uint32_t data_size, rva;
} dk_md_location;

typedef struct dk_minidump_header {
	uint32_t signature, version, number_of_streams, stream_directory_rva;
	uint32_t checksum, time_date_stamp;
	uint64_t flags;
	uint64_t file_size;
	dk_md_record record; /* MINIDUMP_HEADER */
} dk_minidump_header;

/* One directory entry. */
typedef struct dk_minidump_stream {
	uint32_t type;
	dk_md_location loc;
	const char *type_name; /* NULL for unknown types */
	bool inside;           /* the data lies wholly inside the file */
	bool decoded;          /* a decoder understood it */
	char problem[192];     /* why not, or "" */
} dk_minidump_stream;

/* ---- threads (ThreadListStream / ThreadExListStream) ---- */
typedef struct dk_minidump_thread {
	uint32_t thread_id, suspend_count, priority_class, priority;
	uint64_t teb;
	uint64_t stack_start;
	uint32_t stack_size, stack_rva;
	uint32_t context_size, context_rva;
	uint64_t backing_store_start; /* ThreadEx only */
	uint32_t backing_store_size, backing_store_rva;
	const char *name; /* from ThreadNamesStream, or NULL */
	dk_md_record record;
} dk_minidump_thread;

/* ---- modules (ModuleListStream) ---- */
typedef enum dk_md_cv_kind {
	DK_CV_NONE,  /* no CodeView record */
	DK_CV_PDB70, /* "RSDS" */
	DK_CV_PDB20, /* "NB10" */
	DK_CV_ELF,   /* breakpad "BpEL" build id */
	DK_CV_OTHER, /* a signature dmpkit does not decode */
	DK_CV_BAD    /* present but outside the file or too short */
} dk_md_cv_kind;

typedef struct dk_md_version_info { /* VS_FIXEDFILEINFO */
	uint32_t signature, struct_version;
	uint32_t file_version_hi, file_version_lo;
	uint32_t product_version_hi, product_version_lo;
	uint32_t file_flags_mask, file_flags, file_os, file_type, file_subtype;
	uint32_t file_date_hi, file_date_lo;
} dk_md_version_info;

typedef struct dk_minidump_module {
	uint64_t base;
	uint32_t size, checksum, timestamp, name_rva;
	const char *name;      /* full path, UTF-8 ("" when unreadable) */
	const char *base_name; /* after the last '\\' or '/' */
	bool name_ok;
	dk_md_version_info version;
	bool has_version;       /* signature is 0xFEEF04BD */
	char file_version[48];  /* "10.0.19041.1" or "" */
	char product_version[48];
	dk_md_location cv_record, misc_record;
	dk_md_cv_kind cv_kind;
	uint32_t cv_signature;
	uint8_t guid[16];        /* PDB70: GUID as stored */
	uint32_t age;            /* PDB70/PDB20 */
	uint32_t pdb20_signature;
	const uint8_t *build_id; /* ELF: build id bytes */
	size_t build_id_len;
	const char *debug_file;  /* PDB name, or NULL */
	char debug_id[80];       /* breakpad form, "" when none */
	char code_id[80];        /* "%08X%x" timestamp+size, or ELF build id */
	const char *misc_name;   /* IMAGE_DEBUG_MISC image name, or NULL */
	dk_md_record record;
} dk_minidump_module;

typedef struct dk_minidump_unloaded_module {
	uint64_t base;
	uint32_t size, checksum, timestamp, name_rva;
	const char *name;
	bool name_ok;
	dk_md_record record;
} dk_minidump_unloaded_module;

/* ---- memory ---- */
typedef struct dk_minidump_range {
	uint64_t start, size;
	uint64_t rva;    /* file offset of the bytes */
	uint64_t avail;  /* bytes of it inside the file */
	uint64_t entry_offset; /* file offset of the descriptor */
} dk_minidump_range;

typedef struct dk_minidump_memory_info { /* MINIDUMP_MEMORY_INFO */
	uint64_t base_address, allocation_base;
	uint32_t allocation_protect;
	uint64_t region_size;
	uint32_t state, protect, type;
	dk_md_record record;
} dk_minidump_memory_info;

/* ---- exception ---- */
typedef struct dk_minidump_exception {
	uint32_t thread_id;
	uint32_t code, flags;
	uint64_t record_address, address;
	uint32_t number_parameters;
	uint64_t parameters[15];
	uint32_t context_size, context_rva;
	dk_md_record record; /* MINIDUMP_EXCEPTION_STREAM */
} dk_minidump_exception;

/* ---- system info ---- */
typedef struct dk_minidump_system_info {
	uint16_t processor_architecture, processor_level, processor_revision;
	uint8_t number_of_processors, product_type;
	uint32_t major_version, minor_version, build_number, platform_id;
	uint32_t csd_version_rva;
	uint16_t suite_mask;
	const char *csd_version; /* "" when none */
	dk_arch arch;
	const char *arch_name;   /* "x86", "amd64", "arm64", "arm", ... */
	const char *os_name;     /* "Windows NT", "Linux", ... */
	char vendor_id[13];      /* x86/AMD64 only, "" otherwise */
	uint32_t cpu_version_information, cpu_feature_information, cpu_amd_extended_features;
	uint64_t processor_features[2]; /* other CPUs */
	dk_md_record record;
} dk_minidump_system_info;

/* ---- misc info (all versions: 1..5 by SizeOfInfo) ---- */
typedef struct dk_minidump_misc_info {
	unsigned version;  /* 1..5, 0 when the size is not one of the known */
	uint32_t size_of_info, flags1;
	uint32_t process_id, process_create_time, process_user_time, process_kernel_time;
	uint32_t processor_max_mhz, processor_current_mhz, processor_mhz_limit;
	uint32_t processor_max_idle_state, processor_current_idle_state;
	uint32_t process_integrity_level, process_execute_flags, protected_process;
	uint32_t time_zone_id;
	int32_t tz_bias, tz_standard_bias, tz_daylight_bias;
	char tz_standard_name[100], tz_daylight_name[100];
	char build_string[800], dbg_build_string[128];
	uint32_t xstate_size_of_info, xstate_context_size;
	uint64_t xstate_enabled_features;
	uint32_t xstate_offset[64], xstate_size[64];
	uint32_t process_cookie;
	dk_md_record record;
} dk_minidump_misc_info;

/* ---- others ---- */
typedef struct dk_minidump_handle {
	uint64_t handle;
	uint32_t type_name_rva, object_name_rva, attributes, granted_access;
	uint32_t handle_count, pointer_count, object_info_rva;
	const char *type_name, *object_name; /* NULL when none */
	dk_md_record record;
} dk_minidump_handle;

typedef struct dk_minidump_thread_info {
	uint32_t thread_id, dump_flags, dump_error, exit_status;
	uint64_t create_time, exit_time, kernel_time, user_time;
	uint64_t start_address, affinity;
	dk_md_record record;
} dk_minidump_thread_info;

typedef struct dk_minidump_token {
	uint32_t token_size, token_id;
	uint64_t token_handle;
	uint64_t offset; /* file offset of the entry */
} dk_minidump_token;

typedef struct dk_minidump_function_table {
	uint64_t minimum_address, maximum_address, base_address;
	uint32_t entry_count;
	dk_md_record record;
} dk_minidump_function_table;

typedef struct dk_minidump_assertion {
	char expression[400], function[400], file[400];
	uint32_t line, type;
	const char *type_name;
} dk_minidump_assertion;

typedef struct dk_minidump_breakpad_info {
	uint32_t validity, dump_thread_id, requesting_thread_id;
} dk_minidump_breakpad_info;

typedef struct dk_md_annotation {
	const char *name;
	uint16_t type;          /* 1 = string */
	const char *value;      /* UTF-8 text, or hex of the bytes */
} dk_md_annotation;

typedef struct dk_md_crashpad_module {
	uint32_t module_index, version;
	const char **list_annotations;
	size_t nlist;
	dk_md_annotation *simple_annotations; /* type 1, name = key */
	size_t nsimple;
	dk_md_annotation *annotation_objects;
	size_t nobjects;
} dk_md_crashpad_module;

typedef struct dk_minidump_crashpad_info {
	uint32_t version;
	uint8_t report_id[16], client_id[16];
	char report_id_str[40], client_id_str[40]; /* 8-4-4-4-12 lowercase */
	dk_md_annotation *simple_annotations;
	size_t nsimple;
	dk_md_crashpad_module *modules;
	size_t nmodules;
} dk_minidump_crashpad_info;

typedef struct dk_md_dso {
	uint64_t addr, ld;
	uint32_t name_rva;
	const char *name;
} dk_md_dso;

typedef struct dk_minidump_dso_debug {
	unsigned bits; /* 32 or 64 */
	uint32_t version, map_rva, dso_count;
	uint64_t brk, ldbase, dynamic;
	dk_md_dso *dsos;
	size_t ndsos;
} dk_minidump_dso_debug;

/* ---- open / close ---- */
dk_status dk_minidump_open(const char *path, dk_minidump **out, dk_error *err);
/* Over a buffer that must outlive the handle. */
dk_status dk_minidump_open_memory(const void *buf, size_t len, const char *name,
                                  dk_minidump **out, dk_error *err);
void dk_minidump_close(dk_minidump *md);
/* True when the first bytes are "MDMP". */
bool dk_minidump_is_minidump(const void *first, size_t len);

const char *dk_minidump_name(const dk_minidump *md);
const dk_minidump_header *dk_minidump_get_header(const dk_minidump *md);
const dk_minidump_stream *dk_minidump_streams(const dk_minidump *md, size_t *count);
/* The raw bytes of stream `index` (NULL when outside the file). */
const uint8_t *dk_minidump_stream_data(const dk_minidump *md, size_t index, size_t *len);

/* Decoded streams; NULL / count 0 when the dump has none. */
const dk_minidump_thread *dk_minidump_threads(const dk_minidump *md, size_t *count);
bool dk_minidump_threads_ex(const dk_minidump *md);
const dk_minidump_module *dk_minidump_modules(const dk_minidump *md, size_t *count);
const dk_minidump_unloaded_module *dk_minidump_unloaded_modules(const dk_minidump *md,
                                                                size_t *count);
/* Memory ranges as listed (MemoryList then Memory64List entries). */
const dk_minidump_range *dk_minidump_memory_ranges(const dk_minidump *md, size_t *count,
                                                   bool *is64);
const dk_minidump_memory_info *dk_minidump_get_memory_info(const dk_minidump *md, size_t *count);
const dk_minidump_exception *dk_minidump_get_exception(const dk_minidump *md);
const dk_minidump_system_info *dk_minidump_get_system_info(const dk_minidump *md);
const dk_minidump_misc_info *dk_minidump_get_misc_info(const dk_minidump *md);
const dk_minidump_handle *dk_minidump_handles(const dk_minidump *md, size_t *count);
const dk_minidump_thread_info *dk_minidump_thread_infos(const dk_minidump *md, size_t *count);
const dk_minidump_token *dk_minidump_tokens(const dk_minidump *md, size_t *count);
const dk_minidump_function_table *dk_minidump_function_tables(const dk_minidump *md,
                                                             size_t *count);
const dk_minidump_assertion *dk_minidump_get_assertion(const dk_minidump *md);
const dk_minidump_breakpad_info *dk_minidump_get_breakpad_info(const dk_minidump *md);
const dk_minidump_crashpad_info *dk_minidump_get_crashpad_info(const dk_minidump *md);
const dk_minidump_dso_debug *dk_minidump_get_dso_debug(const dk_minidump *md);
/* CommentStreamA/W as UTF-8, NULL when absent. */
const char *dk_minidump_comment(const dk_minidump *md, bool wide);
/* SystemMemoryInfo (MINIDUMP_SYSTEM_MEMORY_INFO_1: revision, flags, basic
 * info, file cache and basic performance info) and ProcessVmCounters
 * (_1 or _2 by Revision) as field records; NULL when absent. */
const dk_md_record *dk_minidump_system_memory_info(const dk_minidump *md);
const dk_md_record *dk_minidump_vm_counters(const dk_minidump *md);

/* Thread `index`'s CONTEXT bytes (the whole record as stored, which may be
 * longer than the architecture's CONTEXT when it carries XSAVE data), or
 * NULL when the context is absent or outside the file. */
const uint8_t *dk_minidump_thread_context(dk_minidump *md, size_t thread_index, size_t *len);
/* The exception stream's CONTEXT bytes, or NULL. */
const uint8_t *dk_minidump_exception_context(dk_minidump *md, size_t *len);
/* The CONTEXT size of an architecture (0 for unknown). */
size_t dk_minidump_context_size(dk_arch arch);

/* Reads process memory from MemoryList / Memory64List.  DK_E_RANGE when any
 * byte is not in the dump. */
dk_status dk_minidump_read_memory(dk_minidump *md, uint64_t va, void *buf, size_t len);
/* A dk_vmem over dk_minidump_read_memory (valid while md is open). */
void dk_minidump_vmem(dk_minidump *md, dk_vmem *out);

/* Check an open minidump: directory, every RVA/size, counts against
 * stream sizes, module table, memory ranges, thread contexts, the
 * exception's thread.  Findings are appended (ids in
 * docs/minidump-checks.md); flags as for dk_kdump_check (DK_CHECK_DEEP
 * also reads every memory range once). */
dk_status dk_minidump_check(dk_minidump *md, unsigned flags, dk_findings *out, dk_error *err);

/* Words for codes (never NULL). */
const char *dk_md_processor_arch_name(uint16_t arch);
const char *dk_md_platform_name(uint32_t platform_id);

#ifdef __cplusplus
}
#endif
#endif
