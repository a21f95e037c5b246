/* dmpkit — user-mode minidumps: open, directory, strings, memory, contexts.
 *
 * MINIDUMP_HEADER, MINIDUMP_DIRECTORY, MINIDUMP_STRING and the stream type
 * numbers: minidumpapiset.h; breakpad (0x4767xxxx) and crashpad
 * (0x43500001) types: breakpad src/google_breakpad/common/minidump_format.h
 * and rust-minidump minidump-common/src/format.rs.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minidump_internal.h"

/* ---- stream type names ---- */
const char *dk_md_stream_type_name(uint32_t type)
{
	static const char *const ms[] = {
		"UnusedStream", "ReservedStream0", "ReservedStream1", "ThreadListStream",
		"ModuleListStream", "MemoryListStream", "ExceptionStream", "SystemInfoStream",
		"ThreadExListStream", "Memory64ListStream", "CommentStreamA", "CommentStreamW",
		"HandleDataStream", "FunctionTableStream", "UnloadedModuleListStream",
		"MiscInfoStream", "MemoryInfoListStream", "ThreadInfoListStream",
		"HandleOperationListStream", "TokenStream", "JavaScriptDataStream",
		"SystemMemoryInfoStream", "ProcessVmCountersStream", "IptTraceStream",
		"ThreadNamesStream"
	};
	static const char *const ce[] = {
		"ceStreamNull", "ceStreamSystemInfo", "ceStreamException", "ceStreamModuleList",
		"ceStreamProcessList", "ceStreamThreadList", "ceStreamThreadContextList",
		"ceStreamThreadCallStackList", "ceStreamMemoryVirtualList",
		"ceStreamMemoryPhysicalList", "ceStreamBucketParameters",
		"ceStreamProcessModuleMap", "ceStreamDiagnosisList"
	};
	static const char *const gg[] = {
		NULL, "BreakpadInfoStream", "AssertionInfoStream", "LinuxCpuInfo",
		"LinuxProcStatus", "LinuxLsbRelease", "LinuxCmdLine", "LinuxEnviron",
		"LinuxAuxv", "LinuxMaps", "LinuxDsoDebug"
	};
	if (type < sizeof ms / sizeof ms[0])
		return ms[type];
	if (type >= 0x8000 && type < 0x8000 + sizeof ce / sizeof ce[0])
		return ce[type - 0x8000];
	if (type == 0xFFFF)
		return "LastReservedStream";
	if (type > 0x47670000 && type < 0x47670000 + sizeof gg / sizeof gg[0])
		return gg[type - 0x47670000];
	switch (type) {
	case 0x43500001: return "CrashpadInfoStream";
	case 0x4D7A0001: return "MozMacosCrashInfoStream";
	case 0x4D7A0002: return "MozMacosBootargsStream";
	case 0x4D7A0003: return "MozLinuxLimits";
	}
	return NULL;
}

const char *dk_md_processor_arch_name(uint16_t arch)
{
	switch (arch) {
	case 0: return "x86";
	case 1: return "mips";
	case 2: return "alpha";
	case 3: return "ppc";
	case 4: return "shx";
	case 5: return "arm";
	case 6: return "ia64";
	case 7: return "alpha64";
	case 8: return "msil";
	case 9: return "amd64";
	case 10: return "x86-on-win64";
	case 12: return "arm64";
	case 0x8001: return "sparc";
	case 0x8002: return "ppc64";
	case 0x8003: return "arm64-breakpad";
	case 0x8004: return "mips64";
	case 0xFFFF: return "unknown";
	}
	return "unknown";
}

const char *dk_md_platform_name(uint32_t id)
{
	switch (id) {
	case 0: return "Windows 3.1 (Win32s)";
	case 1: return "Windows 9x";
	case 2: return "Windows NT";
	case 3: return "Windows CE";
	case 0x8000: return "Unix";
	case 0x8101: return "Mac OS X";
	case 0x8102: return "iOS";
	case 0x8201: return "Linux";
	case 0x8202: return "Solaris";
	case 0x8203: return "Android";
	case 0x8204: return "PS3";
	case 0x8205: return "NaCl";
	case 0x8206: return "Fuchsia";
	}
	return "unknown";
}

/* ---- arena ---- */
void *md_alloc(dk_minidump *md, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	md_chunk *c = md->arena;
	if (!c || c->cap - c->used < size) {
		size_t cap = size > 65536 ? size : 65536;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->next = md->arena;
		c->used = 0;
		c->cap = cap;
		md->arena = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *md_strndup(dk_minidump *md, const char *s, size_t n)
{
	char *p = md_alloc(md, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

/* ---- reading ---- */
bool md_read(const dk_minidump *md, uint64_t off, void *buf, size_t len)
{
	if (!md_inside(md, off, len))
		return false;
	return dk_input_read_some(&md->in, off, buf, len) == len;
}

void md_utf16_field(const uint8_t *p, size_t bytes, char *out, size_t outsize)
{
	dk_utf16_to_utf8(p, bytes / 2, out, outsize);
}

const char *md_string_len(dk_minidump *md, uint64_t rva, uint32_t *n)
{
	uint8_t lb[4];
	if (!md_read(md, rva, lb, 4))
		return "the string's length lies outside the file";
	*n = dk_le32(lb);
	if (*n > MD_MAX_STRING_BYTES)
		return "the string's length is implausible (over 64 KiB)";
	if (!md_inside(md, rva + 4, *n))
		return "the string runs past the end of the file";
	return NULL;
}

const char *md_read_string(dk_minidump *md, uint64_t rva, const char **why)
{
	uint32_t n;
	if ((*why = md_string_len(md, rva, &n)))
		return NULL;
	uint8_t *u = malloc(n ? n : 1);
	size_t osz = (size_t)n / 2 * 3 + 1;
	char *o = md_alloc(md, osz);
	if (!u || !o) {
		free(u);
		*why = "out of memory";
		return NULL;
	}
	if (!md_read(md, rva + 4, u, n)) {
		free(u);
		*why = "the string cannot be read";
		return NULL;
	}
	dk_utf16_to_utf8(u, n / 2, o, osz);
	free(u);
	*why = NULL;
	return o;
}

const char *md_read_utf8(dk_minidump *md, uint64_t rva)
{
	uint32_t n;
	if (md_string_len(md, rva, &n))
		return NULL;
	char *o = md_alloc(md, (size_t)n + 1);
	if (!o || !md_read(md, rva + 4, o, n))
		return NULL;
	for (uint32_t k = 0; k < n; k++) /* keep it printable in one line */
		if ((unsigned char)o[k] < 0x20 && o[k] != '\n' && o[k] != '\t')
			o[k] = '?';
	return o;
}

void md_problem(dk_minidump *md, size_t i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(md->streams[i].problem, sizeof md->streams[i].problem, fmt, ap);
	va_end(ap);
}

bool md_stream_min(dk_minidump *md, size_t i, size_t need, const char *what)
{
	if (md->slen[i] >= need)
		return true;
	md_problem(md, i, "the stream is shorter than its %s", what);
	return false;
}

size_t md_counted_list(dk_minidump *md, size_t i, size_t entry, const char *count_name,
                       uint32_t *n)
{
	size_t len = md->slen[i];
	if (!md_stream_min(md, i, 4, "4-byte count"))
		return 0;
	*n = dk_le32(md->sdata[i]);
	size_t start = md_list_start(len, 4, *n, entry);
	if (!start)
		md_problem(md, i, "%s %u needs 0x%" PRIx64 " bytes; the stream has 0x%zx", count_name,
		           *n, (uint64_t)4 + (uint64_t)*n * entry, len);
	return start;
}

size_t md_list_start(size_t len, size_t hdr, uint64_t count, size_t entry)
{
	uint64_t need;
	if (!dk_mul_ok(count, entry, &need) || !dk_add_ok(need, hdr, &need))
		return 0;
	if (len == need)
		return hdr;
	if (len == need + 4) /* breakpad: 4 bytes of padding after the count */
		return hdr + 4;
	if (len > need)      /* trailing bytes: tolerated, the checker says so */
		return hdr;
	return 0;
}

/* ---- decoders by type ---- */
md_decoder md_decoder_for(uint32_t type)
{
	switch (type) {
	case DK_MD_THREAD_LIST:
	case DK_MD_THREAD_EX_LIST: return md_decode_threads;
	case DK_MD_MODULE_LIST: return md_decode_modules;
	case DK_MD_MEMORY_LIST: return md_decode_memory;
	case DK_MD_MEMORY64_LIST: return md_decode_memory64;
	case DK_MD_EXCEPTION: return md_decode_exception;
	case DK_MD_SYSTEM_INFO: return md_decode_sysinfo;
	case DK_MD_COMMENT_A:
	case DK_MD_COMMENT_W: return md_decode_comment;
	case DK_MD_HANDLE_DATA: return md_decode_handles;
	case DK_MD_FUNCTION_TABLE: return md_decode_ftable;
	case DK_MD_UNLOADED_MODULE_LIST: return md_decode_unloaded;
	case DK_MD_MISC_INFO: return md_decode_misc;
	case DK_MD_MEMORY_INFO_LIST: return md_decode_meminfo;
	case DK_MD_THREAD_INFO_LIST: return md_decode_thread_infos;
	case DK_MD_TOKEN: return md_decode_token;
	case DK_MD_SYSTEM_MEMORY_INFO: return md_decode_sysmem;
	case DK_MD_PROCESS_VM_COUNTERS: return md_decode_vmcounters;
	case DK_MD_THREAD_NAMES: return md_decode_thread_names;
	case DK_MD_BREAKPAD_INFO: return md_decode_bpinfo;
	case DK_MD_ASSERTION_INFO: return md_decode_assertion;
	case DK_MD_LINUX_CPU_INFO:
	case DK_MD_LINUX_PROC_STATUS:
	case DK_MD_LINUX_LSB_RELEASE:
	case DK_MD_LINUX_CMD_LINE:
	case DK_MD_LINUX_ENVIRON:
	case DK_MD_LINUX_AUXV:
	case DK_MD_LINUX_MAPS: return md_decode_text;
	case DK_MD_LINUX_DSO_DEBUG: return md_decode_dso;
	case DK_MD_CRASHPAD_INFO: return md_decode_crashpad;
	}
	return NULL;
}

/* Order of decoding: system info first (the contexts need the CPU), thread
 * names after the thread list. */
static int decode_rank(uint32_t type)
{
	switch (type) {
	case DK_MD_SYSTEM_INFO: return 0;
	case DK_MD_MODULE_LIST: return 1;
	case DK_MD_THREAD_LIST:
	case DK_MD_THREAD_EX_LIST: return 2;
	case DK_MD_THREAD_NAMES:
	case DK_MD_CRASHPAD_INFO: return 4;
	}
	return 3;
}

static dk_status load_streams(dk_minidump *md, dk_error *err)
{
	const dk_minidump_header *h = &md->hdr;
	size_t n = h->number_of_streams;
	/* never more entries than the file can hold */
	uint64_t fit = md->in.size > h->stream_directory_rva
		? (md->in.size - h->stream_directory_rva) / MD_DIRENT_SIZE : 0;
	if (n > fit)
		n = (size_t)fit;
	md->streams = calloc(n ? n : 1, sizeof *md->streams);
	md->sdata = calloc(n ? n : 1, sizeof *md->sdata);
	md->slen = calloc(n ? n : 1, sizeof *md->slen);
	md->sowned = calloc(n ? n : 1, sizeof *md->sowned);
	uint8_t *dir = malloc(n * MD_DIRENT_SIZE + 1);
	if (!md->streams || !md->sdata || !md->slen || !md->sowned || !dir) {
		free(dir);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	if (n && !md_read(md, h->stream_directory_rva, dir, n * MD_DIRENT_SIZE)) {
		free(dir);
		dk_set_error(err, DK_E_IO, "%s: cannot read the stream directory", md->in.name);
		return DK_E_IO;
	}
	md->nstreams = n;
	for (size_t i = 0; i < n; i++) {
		dk_minidump_stream *s = &md->streams[i];
		const uint8_t *e = dir + i * MD_DIRENT_SIZE;
		s->type = dk_le32(e);
		s->loc.data_size = dk_le32(e + 4);
		s->loc.rva = dk_le32(e + 8);
		s->type_name = dk_md_stream_type_name(s->type);
		s->inside = md_inside(md, s->loc.rva, s->loc.data_size);
	}
	free(dir);
	/* stream bytes */
	for (size_t i = 0; i < n; i++) {
		dk_minidump_stream *s = &md->streams[i];
		if (!s->inside) {
			md_problem(md, i, "the stream (0x%x bytes at 0x%x) lies outside the file",
			           s->loc.data_size, s->loc.rva);
			continue;
		}
		if (!md_decoder_for(s->type) || s->type == DK_MD_UNUSED)
			continue;
		if (s->loc.data_size > MD_MAX_STREAM_BYTES) {
			md_problem(md, i, "the stream is too large to decode (0x%x bytes)",
			           s->loc.data_size);
			continue;
		}
		if (md->in.mem) {
			md->sdata[i] = (uint8_t *)(md->in.mem + s->loc.rva);
		} else {
			md->sdata[i] = malloc(s->loc.data_size ? s->loc.data_size : 1);
			if (!md->sdata[i]) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
			md->sowned[i] = true;
			if (!md_read(md, s->loc.rva, md->sdata[i], s->loc.data_size)) {
				dk_set_error(err, DK_E_IO, "%s: cannot read stream %zu", md->in.name, i);
				return DK_E_IO;
			}
		}
		md->slen[i] = s->loc.data_size;
	}
	for (int rank = 0; rank <= 4; rank++) {
		for (size_t i = 0; i < n; i++) {
			dk_minidump_stream *s = &md->streams[i];
			md_decoder fn = md_decoder_for(s->type);
			if (decode_rank(s->type) != rank || !fn || !md->sdata[i])
				continue;
			bool nomem = false;
			s->decoded = fn(md, i, &nomem);
			if (nomem) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
		}
	}
	if (!md_build_index(md)) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	return DK_OK;
}

bool dk_minidump_is_minidump(const void *first, size_t len)
{
	return len >= 4 && dk_le32(first) == DK_MD_SIGNATURE;
}

static dk_status open_common(dk_minidump *md, dk_minidump **out, dk_error *err)
{
	md->hdr_avail = dk_input_read_some(&md->in, 0, md->hdr_bytes, MD_HEADER_SIZE);
	if (md->hdr_avail < 4 || dk_le32(md->hdr_bytes) != DK_MD_SIGNATURE) {
		dk_set_error(err, DK_E_FORMAT, "%s: not a minidump: the file does not start "
		             "with \"MDMP\"", md->in.name);
		dk_minidump_close(md);
		return DK_E_FORMAT;
	}
	if (md->hdr_avail < MD_HEADER_SIZE) {
		dk_set_error(err, DK_E_TRUNCATED, "%s: MINIDUMP_HEADER: the file ends at 0x%zx, "
		             "inside the 0x%x-byte header", md->in.name, md->hdr_avail,
		             MD_HEADER_SIZE);
		dk_minidump_close(md);
		return DK_E_TRUNCATED;
	}
	const uint8_t *b = md->hdr_bytes;
	dk_minidump_header *h = &md->hdr;
	h->signature = dk_le32(b);
	h->version = dk_le32(b + 4);
	h->number_of_streams = dk_le32(b + 8);
	h->stream_directory_rva = dk_le32(b + 12);
	h->checksum = dk_le32(b + 16);
	h->time_date_stamp = dk_le32(b + 20);
	h->flags = dk_le64(b + 24);
	h->file_size = md->in.size;
	h->record = md_record(&dk_md_header_desc, md->hdr_bytes, md->hdr_avail, 0);
	dk_status st = load_streams(md, err);
	if (st != DK_OK) {
		dk_minidump_close(md);
		return st;
	}
	*out = md;
	return DK_OK;
}

static dk_minidump *md_new(dk_error *err)
{
	dk_minidump *md = calloc(1, sizeof *md);
	if (!md)
		dk_set_error(err, DK_E_NOMEM, "out of memory");
	return md;
}

dk_status dk_minidump_open(const char *path, dk_minidump **out, dk_error *err)
{
	*out = NULL;
	dk_minidump *md = md_new(err);
	if (!md)
		return DK_E_NOMEM;
	dk_status st = dk_input_open(&md->in, path, err);
	if (st != DK_OK) {
		free(md);
		return st;
	}
	return open_common(md, out, err);
}

dk_status dk_minidump_open_memory(const void *buf, size_t len, const char *name,
                                  dk_minidump **out, dk_error *err)
{
	*out = NULL;
	dk_minidump *md = md_new(err);
	if (!md)
		return DK_E_NOMEM;
	dk_input_open_memory(&md->in, buf ? buf : "", buf ? len : 0, name);
	if (!md->in.name) {
		free(md);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	return open_common(md, out, err);
}

void dk_minidump_close(dk_minidump *md)
{
	if (!md)
		return;
	for (size_t i = 0; i < md->nstreams; i++)
		if (md->sowned && md->sowned[i])
			free(md->sdata[i]);
	if (md->ctx_cache)
		for (size_t i = 0; i < md->nthreads; i++)
			free(md->ctx_cache[i]);
	free(md->ctx_cache);
	free(md->ctx_len);
	free(md->ctx_tried);
	free(md->exc_ctx);
	free(md->sdata);
	free(md->slen);
	free(md->sowned);
	free(md->streams);
	free(md->index);
	while (md->arena) {
		md_chunk *n = md->arena->next;
		free(md->arena);
		md->arena = n;
	}
	dk_input_close(&md->in);
	free(md);
}

/* ---- accessors ---- */
const char *dk_minidump_name(const dk_minidump *md) { return md->in.name; }
const dk_minidump_header *dk_minidump_get_header(const dk_minidump *md) { return &md->hdr; }

const dk_minidump_stream *dk_minidump_streams(const dk_minidump *md, size_t *count)
{
	*count = md->nstreams;
	return md->streams;
}

const uint8_t *dk_minidump_stream_data(const dk_minidump *md, size_t index, size_t *len)
{
	*len = 0;
	if (index >= md->nstreams)
		return NULL;
	if (md->sdata[index]) {
		*len = md->slen[index];
		return md->sdata[index];
	}
	return NULL;
}

#define LIST_GETTER(fn, type, arr, n) \
	const type *fn(const dk_minidump *md, size_t *count) \
	{ \
		*count = md->n; \
		return md->arr; \
	}
LIST_GETTER(dk_minidump_threads, dk_minidump_thread, threads, nthreads)
LIST_GETTER(dk_minidump_modules, dk_minidump_module, modules, nmodules)
LIST_GETTER(dk_minidump_unloaded_modules, dk_minidump_unloaded_module, unloaded, nunloaded)
LIST_GETTER(dk_minidump_get_memory_info, dk_minidump_memory_info, meminfo, nmeminfo)
LIST_GETTER(dk_minidump_handles, dk_minidump_handle, handles, nhandles)
LIST_GETTER(dk_minidump_thread_infos, dk_minidump_thread_info, thread_infos, nthread_infos)
LIST_GETTER(dk_minidump_tokens, dk_minidump_token, tokens, ntokens)
LIST_GETTER(dk_minidump_function_tables, dk_minidump_function_table, ftables, nftables)

bool dk_minidump_threads_ex(const dk_minidump *md) { return md->threads_ex; }

const dk_minidump_range *dk_minidump_memory_ranges(const dk_minidump *md, size_t *count,
                                                   bool *is64)
{
	*count = md->nranges;
	if (is64)
		*is64 = md->ranges64;
	return md->ranges;
}

#define ONE_GETTER(fn, type, field, flag) \
	const type *fn(const dk_minidump *md) { return md->flag ? &md->field : NULL; }
ONE_GETTER(dk_minidump_get_exception, dk_minidump_exception, exception, has_exception)
ONE_GETTER(dk_minidump_get_system_info, dk_minidump_system_info, sysinfo, has_sysinfo)
ONE_GETTER(dk_minidump_get_misc_info, dk_minidump_misc_info, misc, has_misc)
ONE_GETTER(dk_minidump_get_assertion, dk_minidump_assertion, assertion, has_assertion)
ONE_GETTER(dk_minidump_get_breakpad_info, dk_minidump_breakpad_info, bpinfo, has_bpinfo)
ONE_GETTER(dk_minidump_get_crashpad_info, dk_minidump_crashpad_info, crashpad, has_crashpad)
ONE_GETTER(dk_minidump_get_dso_debug, dk_minidump_dso_debug, dso, has_dso)
ONE_GETTER(dk_minidump_system_memory_info, dk_md_record, sysmem, has_sysmem)
ONE_GETTER(dk_minidump_vm_counters, dk_md_record, vmcounters, has_vmcounters)

const char *dk_minidump_comment(const dk_minidump *md, bool wide)
{
	return wide ? md->comment_w : md->comment_a;
}

/* ---- contexts ---- */
size_t dk_minidump_context_size(dk_arch arch)
{
	const dk_struct_desc *d = dk_context_desc(arch);
	return d ? d->size : 0;
}

static uint8_t *read_context(dk_minidump *md, uint32_t rva, uint32_t size, size_t *len)
{
	*len = 0;
	if (size == 0 || size > MD_MAX_CONTEXT_BYTES || !md_inside(md, rva, size))
		return NULL;
	uint8_t *p = malloc(size);
	if (!p)
		return NULL;
	if (!md_read(md, rva, p, size)) {
		free(p);
		return NULL;
	}
	*len = size;
	return p;
}

const uint8_t *dk_minidump_thread_context(dk_minidump *md, size_t idx, size_t *len)
{
	*len = 0;
	if (idx >= md->nthreads)
		return NULL;
	if (!md->ctx_cache) {
		md->ctx_cache = calloc(md->nthreads, sizeof *md->ctx_cache);
		md->ctx_len = calloc(md->nthreads, sizeof *md->ctx_len);
		md->ctx_tried = calloc(md->nthreads, sizeof *md->ctx_tried);
		if (!md->ctx_cache || !md->ctx_len || !md->ctx_tried) {
			free(md->ctx_cache);
			free(md->ctx_len);
			free(md->ctx_tried);
			md->ctx_cache = NULL;
			md->ctx_len = NULL;
			md->ctx_tried = NULL;
			return NULL;
		}
	}
	if (!md->ctx_tried[idx]) {
		md->ctx_tried[idx] = true;
		const dk_minidump_thread *t = &md->threads[idx];
		md->ctx_cache[idx] = read_context(md, t->context_rva, t->context_size,
		                                  &md->ctx_len[idx]);
	}
	*len = md->ctx_len[idx];
	return md->ctx_cache[idx];
}

const uint8_t *dk_minidump_exception_context(dk_minidump *md, size_t *len)
{
	*len = 0;
	if (!md->has_exception)
		return NULL;
	if (!md->exc_ctx_tried) {
		md->exc_ctx_tried = true;
		md->exc_ctx = read_context(md, md->exception.context_rva,
		                           md->exception.context_size, &md->exc_ctx_len);
	}
	*len = md->exc_ctx_len;
	return md->exc_ctx;
}

/* ---- memory ---- */
static int cmp_index(const void *a, const void *b)
{
	const md_index_entry *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

bool md_build_index(dk_minidump *md)
{
	md->nindex = 0;
	if (!md->nranges)
		return true;
	md->index = malloc(md->nranges * sizeof *md->index);
	if (!md->index)
		return false;
	for (size_t i = 0; i < md->nranges; i++) {
		const dk_minidump_range *r = &md->ranges[i];
		uint64_t end;
		if (!r->avail || !dk_add_ok(r->start, r->avail, &end))
			continue;
		md_index_entry *e = &md->index[md->nindex++];
		e->start = r->start;
		e->end = end;
		e->rva = r->rva;
	}
	qsort(md->index, md->nindex, sizeof *md->index, cmp_index);
	return true;
}

/* The last entry whose start is <= va, or -1. */
static ptrdiff_t index_find(const dk_minidump *md, uint64_t va)
{
	size_t lo = 0, hi = md->nindex;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (md->index[mid].start <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

dk_status dk_minidump_read_memory(dk_minidump *md, uint64_t va, void *buf, size_t len)
{
	uint8_t *o = buf;
	while (len) {
		ptrdiff_t k = index_find(md, va);
		/* overlapping ranges: an earlier entry may still cover va (looked
		 * for a bounded number of entries back) */
		for (int back = 0; k > 0 && md->index[k].end <= va && back < 64; back++)
			k--;
		if (k < 0 || md->index[k].end <= va)
			return DK_E_RANGE;
		const md_index_entry *e = &md->index[k];
		uint64_t n = e->end - va;
		if (n > len)
			n = len;
		if (!md_read(md, e->rva + (va - e->start), o, (size_t)n))
			return DK_E_IO;
		o += n;
		va += n;
		len -= (size_t)n;
		if (len && va == 0) /* wrapped around */
			return DK_E_RANGE;
	}
	return DK_OK;
}

static dk_status vmem_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	return dk_minidump_read_memory(ctx, va, buf, len);
}

void dk_minidump_vmem(dk_minidump *md, dk_vmem *out)
{
	out->ctx = md;
	out->read = vmem_read;
}
