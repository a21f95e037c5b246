/* dmpkit — checking a minidump: findings (ids in docs/minidump-checks.md).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "minidump_internal.h"

#define E DK_SEV_ERROR
#define W DK_SEV_WARNING
#define I DK_SEV_INFO

static void hex(char *b, size_t n, uint64_t v)
{
	snprintf(b, n, "0x%" PRIx64, v);
}

static const char *sname(const dk_minidump_stream *s)
{
	return s->type_name ? s->type_name : "unknown stream";
}

/* Fixed sizes and list shapes of the streams, for md.stream_size/md.count. */
static void check_stream_shape(dk_minidump *md, size_t i, dk_findings *out)
{
	const dk_minidump_stream *s = &md->streams[i];
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	char fld[64], exp[128], fnd[128];
	snprintf(fld, sizeof fld, "Stream[%zu].DataSize", i);
	size_t fixed = 0, entry = 0;
	switch (s->type) {
	case DK_MD_EXCEPTION: fixed = MD_EXCEPTION_STREAM_SIZE; break;
	case DK_MD_SYSTEM_INFO: fixed = MD_SYSTEM_INFO_SIZE; break;
	case DK_MD_MISC_INFO: fixed = 24; break;
	case DK_MD_ASSERTION_INFO: fixed = MD_ASSERTION_SIZE; break;
	case DK_MD_BREAKPAD_INFO: fixed = 12; break;
	case DK_MD_CRASHPAD_INFO: fixed = 52; break;
	case DK_MD_THREAD_LIST: entry = MD_THREAD_SIZE; break;
	case DK_MD_THREAD_EX_LIST: entry = MD_THREAD_EX_SIZE; break;
	case DK_MD_MODULE_LIST: entry = MD_MODULE_SIZE; break;
	case DK_MD_MEMORY_LIST: entry = MD_MEMDESC_SIZE; break;
	case DK_MD_THREAD_NAMES: entry = MD_THREAD_NAME_SIZE; break;
	default: break;
	}
	if (fixed && len < fixed) {
		snprintf(exp, sizeof exp, "at least 0x%zx", fixed);
		hex(fnd, sizeof fnd, len);
		dk_finding_add(out, E, "md.stream_size", "MINIDUMP_DIRECTORY", fld,
		               (int64_t)md->hdr.stream_directory_rva + (int64_t)i * 12 + 4, exp, fnd,
		               "the %s is 0x%zx bytes, shorter than its structure (0x%zx)", sname(s),
		               len, fixed);
		return;
	}
	if (s->type == DK_MD_MISC_INFO) {
		uint32_t soi = dk_le32(p);
		if (soi != 24 && soi != 44 && soi != 232 && soi != 832 && soi != 1364) {
			hex(fnd, sizeof fnd, soi);
			dk_finding_add(out, W, "md.misc.size", "MINIDUMP_MISC_INFO", "SizeOfInfo",
			               (int64_t)s->loc.rva, "24, 44, 232, 832 or 1364", fnd,
			               "SizeOfInfo is not the size of any known MINIDUMP_MISC_INFO version");
		} else if (soi > len) {
			hex(fnd, sizeof fnd, len);
			hex(exp, sizeof exp, soi);
			dk_finding_add(out, E, "md.stream_size", "MINIDUMP_DIRECTORY", fld,
			               (int64_t)md->hdr.stream_directory_rva + (int64_t)i * 12 + 4, exp,
			               fnd, "MiscInfoStream is shorter than its SizeOfInfo");
		}
	}
	if (entry) {
		if (len < 4) {
			dk_finding_add(out, E, "md.stream_size", "MINIDUMP_DIRECTORY", fld,
			               (int64_t)md->hdr.stream_directory_rva + (int64_t)i * 12 + 4,
			               "at least 4", "", "the %s cannot hold its entry count", sname(s));
			return;
		}
		uint32_t n = dk_le32(p);
		uint64_t need = 4 + (uint64_t)n * entry;
		snprintf(fld, sizeof fld, "%s.NumberOf", sname(s));
		if (need > len) {
			snprintf(exp, sizeof exp, "at most %" PRIu64, (uint64_t)(len - 4) / entry);
			snprintf(fnd, sizeof fnd, "%u", n);
			dk_finding_add(out, E, "md.count", sname(s), "NumberOfEntries",
			               (int64_t)s->loc.rva, exp, fnd,
			               "the count says %u entries of 0x%zx bytes (0x%" PRIx64
			               " bytes) but the stream is 0x%zx bytes", n, entry, need, len);
		} else if (len != need && len != need + 4) {
			snprintf(exp, sizeof exp, "0x%" PRIx64, need);
			hex(fnd, sizeof fnd, len);
			dk_finding_add(out, W, "md.count", sname(s), "NumberOfEntries",
			               (int64_t)s->loc.rva, exp, fnd,
			               "the stream has 0x%" PRIx64 " bytes more than its %u entries need",
			               (uint64_t)len - need, n);
		}
		return;
	}
	if (!s->decoded && s->problem[0])
		dk_finding_add(out, E, "md.stream", sname(s), "", (int64_t)s->loc.rva, "", "",
		               "%s", s->problem);
}

static void check_directory(dk_minidump *md, dk_findings *out)
{
	const dk_minidump_header *h = &md->hdr;
	char exp[128], fnd[128];
	if ((h->version & 0xFFFF) != DK_MD_VERSION) {
		hex(fnd, sizeof fnd, h->version & 0xFFFF);
		dk_finding_add(out, W, "md.version", "MINIDUMP_HEADER", "Version", 4, "0xa793", fnd,
		               "the low 16 bits of Version are not MINIDUMP_VERSION");
	}
	uint64_t need = (uint64_t)h->number_of_streams * MD_DIRENT_SIZE;
	if (!md_inside(md, h->stream_directory_rva, need)) {
		snprintf(exp, sizeof exp, "directory end <= file size 0x%" PRIx64, h->file_size);
		snprintf(fnd, sizeof fnd, "0x%x + %u x 12", h->stream_directory_rva,
		         h->number_of_streams);
		dk_finding_add(out, E, "md.directory_outside", "MINIDUMP_HEADER", "StreamDirectoryRva",
		               12, exp, fnd,
		               "the stream directory (%u entries at 0x%x) runs past the end of the "
		               "file; %zu entries are readable", h->number_of_streams,
		               h->stream_directory_rva, md->nstreams);
	}
	if (h->number_of_streams == 0)
		dk_finding_add(out, E, "md.no_streams", "MINIDUMP_HEADER", "NumberOfStreams", 8, ">0",
		               "0", "the dump has no streams");
	bool seen_types[32] = { false };
	for (size_t i = 0; i < md->nstreams; i++) {
		const dk_minidump_stream *s = &md->streams[i];
		char fld[64];
		int64_t eoff = (int64_t)h->stream_directory_rva + (int64_t)i * 12;
		snprintf(fld, sizeof fld, "Stream[%zu].Location", i);
		if (s->type == DK_MD_UNUSED)
			continue;
		if (!s->type_name)
			dk_finding_add(out, I, "md.unknown_stream", "MINIDUMP_DIRECTORY", fld, eoff, "",
			               "", "stream type 0x%x is not known to dmpkit; it is listed, not "
			               "decoded", s->type);
		if (!s->inside) {
			snprintf(exp, sizeof exp, "end <= 0x%" PRIx64, h->file_size);
			snprintf(fnd, sizeof fnd, "0x%x + 0x%x", s->loc.rva, s->loc.data_size);
			dk_finding_add(out, E, "md.stream_outside", "MINIDUMP_DIRECTORY", fld, eoff + 4,
			               exp, fnd, "the %s lies outside the file", sname(s));
			continue;
		}
		if (s->type < 32) {
			if (seen_types[s->type] && md_decoder_for(s->type))
				dk_finding_add(out, W, "md.stream_duplicate", "MINIDUMP_DIRECTORY", fld, eoff,
				               "", "", "a second %s; readers use the first", sname(s));
			seen_types[s->type] = true;
		}
		if (md_decoder_for(s->type) && md->sdata[i])
			check_stream_shape(md, i, out);
		else if (!md->sdata[i] && md_decoder_for(s->type) && s->problem[0])
			dk_finding_add(out, E, "md.stream", sname(s), "", (int64_t)s->loc.rva, "", "",
			               "%s", s->problem);
	}
}

static int cmp_u64pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void check_modules(dk_minidump *md, dk_findings *out)
{
	char fld[64], fnd[128];
	for (size_t k = 0; k < md->nmodules; k++) {
		const dk_minidump_module *m = &md->modules[k];
		int64_t off = (int64_t)m->record.offset;
		if (!m->name_ok) {
			snprintf(fld, sizeof fld, "Module[%zu].ModuleNameRva", k);
			hex(fnd, sizeof fnd, m->name_rva);
			dk_finding_add(out, E, "md.module.name", "MINIDUMP_MODULE", fld, off + 20,
			               "a MINIDUMP_STRING inside the file", fnd,
			               "module %zu (base 0x%" PRIx64 "): its name cannot be read", k,
			               m->base);
		}
		if (m->size == 0) {
			snprintf(fld, sizeof fld, "Module[%zu].SizeOfImage", k);
			dk_finding_add(out, E, "md.module.size_zero", "MINIDUMP_MODULE", fld, off + 8,
			               ">0", "0", "module %zu (%s) has SizeOfImage 0", k, m->base_name);
		}
		if (m->cv_kind == DK_CV_BAD) {
			snprintf(fld, sizeof fld, "Module[%zu].CvRecord", k);
			snprintf(fnd, sizeof fnd, "0x%x bytes at 0x%x", m->cv_record.data_size,
			         m->cv_record.rva);
			dk_finding_add(out, E, "md.module.cv", "MINIDUMP_MODULE", fld, off + 76,
			               "a CodeView record inside the file", fnd,
			               "module %zu (%s): the CodeView record lies outside the file or is "
			               "too short for its signature", k, m->base_name);
		} else if ((m->cv_kind == DK_CV_PDB70 || m->cv_kind == DK_CV_PDB20) &&
		           (!m->debug_file || !m->debug_file[0])) {
			snprintf(fld, sizeof fld, "Module[%zu].CvRecord", k);
			dk_finding_add(out, W, "md.module.cv", "MINIDUMP_MODULE", fld, off + 76,
			               "a PDB file name", "", "module %zu (%s): the CodeView record "
			               "names no PDB file", k, m->base_name);
		} else if (m->cv_kind == DK_CV_OTHER) {
			snprintf(fld, sizeof fld, "Module[%zu].CvRecord", k);
			hex(fnd, sizeof fnd, m->cv_signature);
			dk_finding_add(out, I, "md.module.cv_unknown", "MINIDUMP_MODULE", fld, off + 76,
			               "RSDS, NB10 or BpEL", fnd, "module %zu (%s): CodeView signature "
			               "not decoded", k, m->base_name);
		}
		if ((m->misc_record.data_size || m->misc_record.rva) &&
		    !md_inside(md, m->misc_record.rva, m->misc_record.data_size)) {
			snprintf(fld, sizeof fld, "Module[%zu].MiscRecord", k);
			dk_finding_add(out, W, "md.module.misc", "MINIDUMP_MODULE", fld, off + 84, "", "",
			               "module %zu (%s): the misc debug record lies outside the file", k,
			               m->base_name);
		}
	}
	if (md->nmodules < 2)
		return;
	uint64_t(*v)[2] = malloc(md->nmodules * sizeof *v);
	if (!v)
		return;
	for (size_t k = 0; k < md->nmodules; k++) {
		v[k][0] = md->modules[k].base;
		v[k][1] = k;
	}
	qsort(v, md->nmodules, sizeof *v, cmp_u64pair);
	for (size_t k = 1; k < md->nmodules; k++) {
		const dk_minidump_module *a = &md->modules[v[k - 1][1]], *b = &md->modules[v[k][1]];
		if (a->size && b->size && a->base + a->size > b->base) {
			snprintf(fld, sizeof fld, "Module[%" PRIu64 "].BaseOfImage", v[k][1]);
			char exp[128];
			snprintf(exp, sizeof exp, ">= 0x%" PRIx64, a->base + a->size);
			hex(fnd, sizeof fnd, b->base);
			dk_finding_add(out, E, "md.module.overlap", "MINIDUMP_MODULE", fld,
			               (int64_t)b->record.offset, exp, fnd,
			               "module %" PRIu64 " (%s, 0x%" PRIx64 "-0x%" PRIx64 ") overlaps "
			               "module %" PRIu64 " (%s, 0x%" PRIx64 "-0x%" PRIx64 ")", v[k][1],
			               b->base_name, b->base, b->base + b->size, v[k - 1][1], a->base_name,
			               a->base, a->base + a->size);
		}
	}
	free(v);
}

/* True when ranges a and b hold the same bytes for [from, to) (compares
 * at most 1 MiB; both must be inside the file). */
static bool ranges_agree(dk_minidump *md, const dk_minidump_range *a,
                         const dk_minidump_range *b, uint64_t from, uint64_t to)
{
	uint8_t x[512], y[512];
	if (to - from > (1u << 20) || from < a->start || from < b->start ||
	    to > a->start + a->avail || to > b->start + b->avail)
		return false;
	for (uint64_t v = from; v < to; v += sizeof x) {
		size_t n = to - v < sizeof x ? (size_t)(to - v) : sizeof x;
		if (!md_read(md, a->rva + (v - a->start), x, n) ||
		    !md_read(md, b->rva + (v - b->start), y, n) || memcmp(x, y, n) != 0)
			return false;
	}
	return true;
}

static void check_memory(dk_minidump *md, unsigned flags, dk_findings *out)
{
	char fld[64], exp[128], fnd[128];
	for (size_t k = 0; k < md->nranges; k++) {
		const dk_minidump_range *r = &md->ranges[k];
		if (r->avail < r->size) {
			snprintf(fld, sizeof fld, "MemoryRange[%zu]", k);
			snprintf(exp, sizeof exp, "end <= 0x%" PRIx64, md->in.size);
			snprintf(fnd, sizeof fnd, "0x%" PRIx64 " + 0x%" PRIx64, r->rva, r->size);
			dk_finding_add(out, E, "md.memory.outside",
			               md->ranges64 ? "MINIDUMP_MEMORY_DESCRIPTOR64"
			                            : "MINIDUMP_MEMORY_DESCRIPTOR",
			               fld, (int64_t)r->entry_offset, exp, fnd,
			               "memory 0x%" PRIx64 "-0x%" PRIx64 ": 0x%" PRIx64 " of its 0x%" PRIx64
			               " bytes lie outside the file", r->start, r->start + r->size,
			               r->size - r->avail, r->size);
		}
		if (flags & DK_CHECK_DEEP && r->avail) {
			uint8_t buf[4096];
			for (uint64_t o = 0; o < r->avail; o += sizeof buf) {
				size_t n = r->avail - o < sizeof buf ? (size_t)(r->avail - o) : sizeof buf;
				if (!md_read(md, r->rva + o, buf, n)) {
					dk_finding_add(out, E, "md.memory.unreadable", "MINIDUMP_MEMORY_DESCRIPTOR",
					               "", (int64_t)(r->rva + o), "", "",
					               "reading memory range %zu failed", k);
					break;
				}
			}
		}
	}
	if (md->nranges < 2)
		return;
	uint64_t(*v)[2] = malloc(md->nranges * sizeof *v);
	if (!v)
		return;
	for (size_t k = 0; k < md->nranges; k++) {
		v[k][0] = md->ranges[k].start;
		v[k][1] = k;
	}
	qsort(v, md->nranges, sizeof *v, cmp_u64pair);
	uint64_t reach = 0;
	size_t reach_idx = 0;
	for (size_t k = 0; k < md->nranges; k++) {
		const dk_minidump_range *r = &md->ranges[v[k][1]];
		if (k && r->start < reach) {
			/* writers such as Wine store some bytes twice; that is only a
			 * problem when the two copies differ */
			const dk_minidump_range *o = &md->ranges[reach_idx];
			uint64_t from = r->start, to = reach < r->start + r->size ? reach : r->start + r->size;
			bool same = ranges_agree(md, o, r, from, to);
			dk_severity sev = same ? W : E;
			snprintf(fld, sizeof fld, "MemoryRange[%" PRIu64 "].StartOfMemoryRange", v[k][1]);
			snprintf(exp, sizeof exp, ">= 0x%" PRIx64, reach);
			hex(fnd, sizeof fnd, r->start);
			dk_finding_add(out, sev, "md.memory.overlap", "MINIDUMP_MEMORY_DESCRIPTOR", fld,
			               (int64_t)r->entry_offset, exp, fnd,
			               "memory range %" PRIu64 " (0x%" PRIx64 "-0x%" PRIx64
			               ") overlaps range %zu, which ends at 0x%" PRIx64 "; the bytes of "
			               "the two copies %s", v[k][1], r->start, r->start + r->size,
			               reach_idx, reach, same ? "agree" : "differ");
		}
		uint64_t end = r->start + r->size < r->start ? UINT64_MAX : r->start + r->size;
		if (end > reach) {
			reach = end;
			reach_idx = (size_t)v[k][1];
		}
	}
	free(v);
}

static void check_context(dk_minidump *md, const char *structure, const char *what, size_t k,
                          int64_t off, uint32_t size, uint32_t rva, dk_findings *out)
{
	char fld[64], exp[128], fnd[128];
	snprintf(fld, sizeof fld, "%s[%zu].ThreadContext", what, k);
	if (size == 0) {
		dk_finding_add(out, E, "md.thread.context_missing", structure, fld, off, "a CONTEXT",
		               "DataSize 0", "%s %zu has no CONTEXT record", what, k);
		return;
	}
	if (!md_inside(md, rva, size)) {
		snprintf(exp, sizeof exp, "end <= 0x%" PRIx64, md->in.size);
		snprintf(fnd, sizeof fnd, "0x%x + 0x%x", rva, size);
		dk_finding_add(out, E, "md.thread.context_outside", structure, fld, off, exp, fnd,
		               "%s %zu: the CONTEXT lies outside the file", what, k);
		return;
	}
	if (!md->has_sysinfo)
		return;
	size_t want = dk_minidump_context_size(md->sysinfo.arch);
	/* an x86 CONTEXT may end before ExtendedRegisters (0xCC bytes) when
	 * CONTEXT_EXTENDED_REGISTERS is not set (winnt.h); dbghelp writes both */
	if (md->sysinfo.arch == DK_ARCH_X86)
		want = 0xCC;
	if (want && size < want) {
		snprintf(exp, sizeof exp, "at least 0x%zx (%s)", want, dk_arch_name(md->sysinfo.arch));
		hex(fnd, sizeof fnd, size);
		dk_finding_add(out, E, "md.thread.context_size", structure, fld, off, exp, fnd,
		               "%s %zu: the CONTEXT is too small for a %s CPU", what, k,
		               dk_arch_name(md->sysinfo.arch));
		return;
	}
	uint8_t fb[4];
	uint32_t flag = dk_context_arch_flag(md->sysinfo.arch);
	uint32_t foff = md->sysinfo.arch == DK_ARCH_AMD64 ? 0x30 : 0;
	if (want && md_read(md, (uint64_t)rva + foff, fb, 4) && !(dk_le32(fb) & flag)) {
		snprintf(exp, sizeof exp, "bit 0x%x set", flag);
		hex(fnd, sizeof fnd, dk_le32(fb));
		dk_finding_add(out, W, "md.thread.context_flags", structure, fld,
		               (int64_t)rva + foff, exp, fnd,
		               "%s %zu: ContextFlags does not name the %s CPU", what, k,
		               dk_arch_name(md->sysinfo.arch));
	}
}

static void check_threads(dk_minidump *md, dk_findings *out)
{
	const char *st = md->threads_ex ? "MINIDUMP_THREAD_EX" : "MINIDUMP_THREAD";
	char fld[64], fnd[128];
	for (size_t k = 0; k < md->nthreads; k++) {
		const dk_minidump_thread *t = &md->threads[k];
		int64_t off = (int64_t)t->record.offset;
		check_context(md, st, "Thread", k, off + 40, t->context_size, t->context_rva, out);
		if (t->stack_size && !md_inside(md, t->stack_rva, t->stack_size)) {
			snprintf(fld, sizeof fld, "Thread[%zu].Stack.Memory", k);
			snprintf(fnd, sizeof fnd, "0x%x + 0x%x", t->stack_rva, t->stack_size);
			dk_finding_add(out, E, "md.thread.stack_outside", st, fld, off + 32, "", fnd,
			               "thread %zu (id %u): its stack memory lies outside the file", k,
			               t->thread_id);
		}
		for (size_t j = 0; j < k; j++)
			if (md->threads[j].thread_id == t->thread_id) {
				snprintf(fld, sizeof fld, "Thread[%zu].ThreadId", k);
				snprintf(fnd, sizeof fnd, "%u", t->thread_id);
				dk_finding_add(out, W, "md.thread.duplicate_id", st, fld, off, "", fnd,
				               "threads %zu and %zu have the same id %u", j, k, t->thread_id);
				break;
			}
	}
}

static void check_exception(dk_minidump *md, dk_findings *out)
{
	if (!md->has_exception)
		return;
	const dk_minidump_exception *x = &md->exception;
	int64_t off = (int64_t)x->record.offset;
	bool found = false;
	for (size_t k = 0; k < md->nthreads; k++)
		found |= md->threads[k].thread_id == x->thread_id;
	if (!found) {
		char fnd[64];
		snprintf(fnd, sizeof fnd, "%u", x->thread_id);
		dk_finding_add(out, md->threads ? E : W, "md.exception.thread",
		               "MINIDUMP_EXCEPTION_STREAM", "ThreadId", off, "a thread of the thread list",
		               fnd, "the exception's thread %u is not in the thread list", x->thread_id);
	}
	if (x->number_parameters > 15) {
		char fnd[64];
		snprintf(fnd, sizeof fnd, "%u", x->number_parameters);
		dk_finding_add(out, W, "md.exception.parameters", "MINIDUMP_EXCEPTION_STREAM",
		               "ExceptionRecord.NumberParameters", off + 32, "<= 15", fnd,
		               "NumberParameters exceeds EXCEPTION_MAXIMUM_PARAMETERS");
	}
	check_context(md, "MINIDUMP_EXCEPTION_STREAM", "Exception", 0, off + 160, x->context_size,
	              x->context_rva, out);
}

static void check_strings(dk_minidump *md, dk_findings *out)
{
	char fld[64];
	if (md->has_sysinfo && md->sysinfo.csd_version_rva && !md->sysinfo.csd_version[0]) {
		const char *why;
		if (!md_read_string(md, md->sysinfo.csd_version_rva, &why))
			dk_finding_add(out, W, "md.string", "MINIDUMP_SYSTEM_INFO", "CSDVersionRva",
			               (int64_t)md->sysinfo.record.offset + 24, "", "",
			               "the service pack string cannot be read: %s", why);
	}
	for (size_t k = 0; k < md->nunloaded; k++)
		if (!md->unloaded[k].name_ok) {
			snprintf(fld, sizeof fld, "UnloadedModule[%zu].ModuleNameRva", k);
			dk_finding_add(out, W, "md.string", "MINIDUMP_UNLOADED_MODULE", fld,
			               (int64_t)md->unloaded[k].record.offset + 20, "", "",
			               "unloaded module %zu: its name cannot be read", k);
		}
	for (size_t i = 0; i < md->nstreams; i++)
		if (md->streams[i].type == DK_MD_THREAD_NAMES && md->streams[i].problem[0] &&
		    md->sdata[i] && md->slen[i] >= 4 &&
		    md_list_start(md->slen[i], 4, dk_le32(md->sdata[i]), MD_THREAD_NAME_SIZE))
			dk_finding_add(out, W, "md.string", "MINIDUMP_THREAD_NAME_LIST", "",
			               (int64_t)md->streams[i].loc.rva, "", "", "%s",
			               md->streams[i].problem);
}

dk_status dk_minidump_check(dk_minidump *md, unsigned flags, dk_findings *out, dk_error *err)
{
	(void)err;
	check_directory(md, out);
	if (!md->has_sysinfo)
		dk_finding_add(out, W, "md.no_system_info", "MINIDUMP_DIRECTORY", "", -1, "", "",
		               "the dump has no usable SystemInfoStream: the CPU is unknown");
	if (!md->threads)
		dk_finding_add(out, W, "md.no_threads", "MINIDUMP_DIRECTORY", "", -1, "", "",
		               "the dump has no usable thread list");
	check_modules(md, out);
	check_memory(md, flags, out);
	check_threads(md, out);
	check_exception(md, out);
	check_strings(md, out);
	return DK_OK;
}

bool dk_minidump_check_path(const char *path, unsigned flags, dk_findings *out,
                            dk_status *st, dk_error *err)
{
	dk_input in;
	dk_error e;
	if (dk_input_open(&in, path, &e) != DK_OK)
		return false; /* the kernel path reports it */
	uint8_t sig[4];
	size_t got = dk_input_read_some(&in, 0, sig, 4);
	dk_input_close(&in);
	if (got < 4 || !dk_minidump_is_minidump(sig, 4))
		return false;
	dk_minidump *md;
	*st = dk_minidump_open(path, &md, &e);
	if (*st == DK_E_TRUNCATED || *st == DK_E_FORMAT) {
		/* the id kernel dumps use for an unusable header ("signature"),
		 * so scripts see one id for "not a dump dmpkit can read" */
		dk_finding_add(out, E, "signature", "MINIDUMP_HEADER", "Signature", 0,
		               "a 32-byte MINIDUMP_HEADER", "", "a user-mode minidump (\"MDMP\") "
		               "too short for its header: %s", e.message);
		*st = DK_OK;
		return true;
	}
	if (*st != DK_OK) {
		if (err)
			*err = e;
		return true;
	}
	*st = dk_minidump_check(md, flags, out, err);
	dk_minidump_close(md);
	return true;
}
