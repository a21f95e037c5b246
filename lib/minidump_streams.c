/* dmpkit — minidump stream decoders: threads, modules, memory, exception,
 * system info, misc info.
 *
 * Layouts (minidumpapiset.h, pack(4)), restated by rust-minidump
 * minidump-common/src/format.rs: MINIDUMP_THREAD 48 bytes, _EX 64,
 * MINIDUMP_MODULE 108 (VS_FIXEDFILEINFO at 24, CvRecord at 76, MiscRecord
 * at 84), MINIDUMP_MEMORY_DESCRIPTOR 16, MINIDUMP_MEMORY64_LIST (u64 count,
 * u64 BaseRva), MINIDUMP_EXCEPTION_STREAM 168, MINIDUMP_SYSTEM_INFO 56,
 * MINIDUMP_MISC_INFO sizes 24/44/232/832/1364 for versions 1-5.
 * CodeView: "RSDS" (CV_INFO_PDB70: GUID at 4, age at 20, name at 24),
 * "NB10" (CV_INFO_PDB20: signature at 8, age at 12, name at 16), breakpad
 * "BpEL" (build id at 4).  Breakpad identifiers as breakpad's
 * minidump.cc MinidumpModule::debug_identifier / code_identifier form them.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "minidump_internal.h"

/* ---- threads ---- */
bool md_decode_threads(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	bool ex = md->streams[i].type == DK_MD_THREAD_EX_LIST;
	size_t esz = ex ? MD_THREAD_EX_SIZE : MD_THREAD_SIZE;
	if (md->threads) {
		md_problem(md, i, "a second thread list; only the first is used");
		return false;
	}
	uint32_t n;
	size_t start = md_counted_list(md, i, esz, "NumberOfThreads", &n);
	if (!start)
		return false;
	md->threads = md_alloc(md, (size_t)n * sizeof *md->threads);
	if (!md->threads) {
		*nomem = true;
		return false;
	}
	md->threads_ex = ex;
	md->nthreads = n;
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = p + start + (size_t)k * esz;
		dk_minidump_thread *t = &md->threads[k];
		t->thread_id = dk_le32(e);
		t->suspend_count = dk_le32(e + 4);
		t->priority_class = dk_le32(e + 8);
		t->priority = dk_le32(e + 12);
		t->teb = dk_le64(e + 16);
		t->stack_start = dk_le64(e + 24);
		t->stack_size = dk_le32(e + 32);
		t->stack_rva = dk_le32(e + 36);
		t->context_size = dk_le32(e + 40);
		t->context_rva = dk_le32(e + 44);
		if (ex) {
			t->backing_store_start = dk_le64(e + 48);
			t->backing_store_size = dk_le32(e + 56);
			t->backing_store_rva = dk_le32(e + 60);
		}
		t->record = md_record(ex ? &dk_md_thread_ex_desc : &dk_md_thread_desc, e, esz,
		                      md->streams[i].loc.rva + start + (uint64_t)k * esz);
	}
	return true;
}

/* ---- modules ---- */
static void version_string(uint32_t hi, uint32_t lo, char *out, size_t n)
{
	snprintf(out, n, "%u.%u.%u.%u", hi >> 16, hi & 0xFFFF, lo >> 16, lo & 0xFFFF);
}

static const char *base_name_of(const char *path)
{
	const char *b = path;
	for (const char *c = path; *c; c++)
		if (*c == '\\' || *c == '/')
			b = c + 1;
	return b;
}

/* A NUL-terminated 8-bit name inside a record, as UTF-8 (PDB names are
 * UTF-8 in practice; bytes < 0x20 become '?'). */
static const char *cv_name(dk_minidump *md, const uint8_t *p, size_t n)
{
	size_t k = 0;
	while (k < n && p[k])
		k++;
	char *s = md_strndup(md, (const char *)p, k);
	if (s)
		for (size_t j = 0; j < k; j++)
			if ((unsigned char)s[j] < 0x20)
				s[j] = '?';
	return s;
}

static void decode_cv(dk_minidump *md, dk_minidump_module *m)
{
	uint32_t size = m->cv_record.data_size, rva = m->cv_record.rva;
	if (size == 0 && rva == 0) {
		m->cv_kind = DK_CV_NONE;
		return;
	}
	if (size < 4 || size > MD_MAX_STRING_BYTES || !md_inside(md, rva, size)) {
		m->cv_kind = DK_CV_BAD;
		return;
	}
	uint8_t *b = md_alloc(md, size);
	if (!b || !md_read(md, rva, b, size)) {
		m->cv_kind = DK_CV_BAD;
		return;
	}
	m->cv_signature = dk_le32(b);
	if (m->cv_signature == DK_TAG('R', 'S', 'D', 'S')) {
		if (size < 24) {
			m->cv_kind = DK_CV_BAD;
			return;
		}
		m->cv_kind = DK_CV_PDB70;
		memcpy(m->guid, b + 4, 16);
		m->age = dk_le32(b + 20);
		m->debug_file = cv_name(md, b + 24, size - 24);
		snprintf(m->debug_id, sizeof m->debug_id,
		         "%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X%X", dk_le32(b + 4),
		         dk_le16(b + 8), dk_le16(b + 10), b[12], b[13], b[14], b[15], b[16], b[17],
		         b[18], b[19], m->age);
	} else if (m->cv_signature == DK_TAG('N', 'B', '1', '0')) {
		if (size < 16) {
			m->cv_kind = DK_CV_BAD;
			return;
		}
		m->cv_kind = DK_CV_PDB20;
		m->pdb20_signature = dk_le32(b + 8);
		m->age = dk_le32(b + 12);
		m->debug_file = cv_name(md, b + 16, size - 16);
		snprintf(m->debug_id, sizeof m->debug_id, "%08X%X", m->pdb20_signature, m->age);
	} else if (m->cv_signature == DK_TAG('B', 'p', 'E', 'L')) {
		m->cv_kind = DK_CV_ELF;
		m->build_id = b + 4;
		m->build_id_len = size - 4;
		/* breakpad: the first 16 bytes of the build id as a GUID (its first
		 * three fields little-endian), age 0; the code id is the id in hex */
		uint8_t g[16] = { 0 };
		memcpy(g, b + 4, m->build_id_len < 16 ? m->build_id_len : 16);
		snprintf(m->debug_id, sizeof m->debug_id,
		         "%08X%04X%04X%02X%02X%02X%02X%02X%02X%02X%02X0", dk_le32(g), dk_le16(g + 4),
		         dk_le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
		size_t o = 0;
		for (size_t k = 0; k < m->build_id_len && o + 3 < sizeof m->code_id; k++)
			o += (size_t)snprintf(m->code_id + o, sizeof m->code_id - o, "%02x",
			                      m->build_id[k]);
		m->debug_file = m->base_name;
	} else {
		m->cv_kind = DK_CV_OTHER;
	}
}

static void decode_misc_record(dk_minidump *md, dk_minidump_module *m)
{
	/* IMAGE_DEBUG_MISC: DataType u32, Length u32, Unicode u8, 3 reserved,
	 * Data; DataType 1 = IMAGE_DEBUG_MISC_EXENAME */
	uint32_t size = m->misc_record.data_size, rva = m->misc_record.rva;
	if (size < 12 || size > MD_MAX_STRING_BYTES || !md_inside(md, rva, size))
		return;
	uint8_t *b = md_alloc(md, size + 2);
	if (!b || !md_read(md, rva, b, size))
		return;
	if (dk_le32(b) != 1)
		return;
	if (b[8]) {
		size_t osz = (size - 12) / 2 * 3 + 1;
		char *o = md_alloc(md, osz);
		if (o) {
			dk_utf16_to_utf8(b + 12, (size - 12) / 2, o, osz);
			m->misc_name = o;
		}
	} else {
		m->misc_name = cv_name(md, b + 12, size - 12);
	}
}

bool md_decode_modules(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	if (md->modules) {
		md_problem(md, i, "a second module list; only the first is used");
		return false;
	}
	uint32_t n;
	size_t start = md_counted_list(md, i, MD_MODULE_SIZE, "NumberOfModules", &n);
	if (!start)
		return false;
	md->modules = md_alloc(md, (size_t)n * sizeof *md->modules);
	if (!md->modules) {
		*nomem = true;
		return false;
	}
	md->nmodules = n;
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = p + start + (size_t)k * MD_MODULE_SIZE;
		dk_minidump_module *m = &md->modules[k];
		m->base = dk_le64(e);
		m->size = dk_le32(e + 8);
		m->checksum = dk_le32(e + 12);
		m->timestamp = dk_le32(e + 16);
		m->name_rva = dk_le32(e + 20);
		uint32_t *v = &m->version.signature;
		for (int f = 0; f < 13; f++)
			v[f] = dk_le32(e + 24 + 4 * f);
		m->has_version = m->version.signature == 0xFEEF04BDu;
		if (m->has_version) {
			version_string(m->version.file_version_hi, m->version.file_version_lo,
			               m->file_version, sizeof m->file_version);
			version_string(m->version.product_version_hi, m->version.product_version_lo,
			               m->product_version, sizeof m->product_version);
		}
		m->cv_record.data_size = dk_le32(e + 76);
		m->cv_record.rva = dk_le32(e + 80);
		m->misc_record.data_size = dk_le32(e + 84);
		m->misc_record.rva = dk_le32(e + 88);
		m->record = md_record(&dk_md_module_desc, e, MD_MODULE_SIZE,
		                      md->streams[i].loc.rva + start + (uint64_t)k * MD_MODULE_SIZE);
		const char *why;
		const char *nm = md_read_string(md, m->name_rva, &why);
		m->name_ok = nm != NULL;
		m->name = nm ? nm : "";
		m->base_name = base_name_of(m->name);
		snprintf(m->code_id, sizeof m->code_id, "%08X%x", m->timestamp, m->size);
		decode_cv(md, m);
		decode_misc_record(md, m);
	}
	return true;
}

bool md_decode_unloaded(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	/* MINIDUMP_UNLOADED_MODULE_LIST: SizeOfHeader, SizeOfEntry, NumberOfEntries */
	if (!md_stream_min(md, i, 12, "12-byte header"))
		return false;
	uint32_t hs = dk_le32(p), es = dk_le32(p + 4), n = dk_le32(p + 8);
	if (hs < 12 || es < MD_UNLOADED_SIZE || hs > len ||
	    (uint64_t)n * es > len - hs) {
		md_problem(md, i, "header (SizeOfHeader %u, SizeOfEntry %u, NumberOfEntries %u) "
		           "does not fit the 0x%zx-byte stream", hs, es, n, len);
		return false;
	}
	md->unloaded = md_alloc(md, (size_t)n * sizeof *md->unloaded);
	if (!md->unloaded && n) {
		*nomem = true;
		return false;
	}
	md->nunloaded = n;
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = p + hs + (size_t)k * es;
		dk_minidump_unloaded_module *u = &md->unloaded[k];
		u->base = dk_le64(e);
		u->size = dk_le32(e + 8);
		u->checksum = dk_le32(e + 12);
		u->timestamp = dk_le32(e + 16);
		u->name_rva = dk_le32(e + 20);
		u->record = md_record(&dk_md_unloaded_desc, e, es,
		                      md->streams[i].loc.rva + hs + (uint64_t)k * es);
		const char *why;
		const char *nm = md_read_string(md, u->name_rva, &why);
		u->name_ok = nm != NULL;
		u->name = nm ? nm : "";
	}
	return true;
}

/* ---- memory lists ---- */
static bool add_ranges(dk_minidump *md, size_t extra)
{
	dk_minidump_range *n = md_alloc(md, (md->nranges + extra) * sizeof *n);
	if (!n)
		return false;
	if (md->nranges)
		memcpy(n, md->ranges, md->nranges * sizeof *n);
	md->ranges = n;
	return true;
}

static void set_avail(dk_minidump *md, dk_minidump_range *r)
{
	r->avail = 0;
	if (r->rva < md->in.size)
		r->avail = md->in.size - r->rva < r->size ? md->in.size - r->rva : r->size;
}

bool md_decode_memory(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	uint32_t n;
	size_t start = md_counted_list(md, i, MD_MEMDESC_SIZE, "NumberOfMemoryRanges", &n);
	if (!start)
		return false;
	if (!add_ranges(md, n)) {
		*nomem = true;
		return false;
	}
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = p + start + (size_t)k * MD_MEMDESC_SIZE;
		dk_minidump_range *r = &md->ranges[md->nranges++];
		r->start = dk_le64(e);
		r->size = dk_le32(e + 8);
		r->rva = dk_le32(e + 12);
		r->entry_offset = md->streams[i].loc.rva + start + (uint64_t)k * MD_MEMDESC_SIZE;
		set_avail(md, r);
	}
	return true;
}

bool md_decode_memory64(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (!md_stream_min(md, i, 16, "16-byte header"))
		return false;
	uint64_t n = dk_le64(p), rva = dk_le64(p + 8);
	if (n > (len - 16) / MD_MEMDESC64_SIZE) {
		md_problem(md, i, "NumberOfMemoryRanges %" PRIu64 " does not fit the 0x%zx-byte "
		           "stream", n, len);
		return false;
	}
	if (!add_ranges(md, (size_t)n)) {
		*nomem = true;
		return false;
	}
	md->ranges64 = true;
	for (uint64_t k = 0; k < n; k++) {
		const uint8_t *e = p + 16 + k * MD_MEMDESC64_SIZE;
		dk_minidump_range *r = &md->ranges[md->nranges++];
		r->start = dk_le64(e);
		r->size = dk_le64(e + 8);
		r->rva = rva;
		r->entry_offset = md->streams[i].loc.rva + 16 + k * MD_MEMDESC64_SIZE;
		set_avail(md, r);
		if (!dk_add_ok(rva, r->size, &rva))
			rva = UINT64_MAX;
	}
	return true;
}

/* ---- exception ---- */
bool md_decode_exception(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (md->has_exception) {
		md_problem(md, i, "a second exception stream; only the first is used");
		return false;
	}
	if (len < MD_EXCEPTION_STREAM_SIZE) {
		md_problem(md, i, "the stream has 0x%zx bytes; MINIDUMP_EXCEPTION_STREAM needs 0x%x",
		           len, MD_EXCEPTION_STREAM_SIZE);
		return false;
	}
	dk_minidump_exception *x = &md->exception;
	x->thread_id = dk_le32(p);
	x->code = dk_le32(p + 8);
	x->flags = dk_le32(p + 12);
	x->record_address = dk_le64(p + 16);
	x->address = dk_le64(p + 24);
	x->number_parameters = dk_le32(p + 32);
	for (int k = 0; k < 15; k++)
		x->parameters[k] = dk_le64(p + 40 + 8 * k);
	x->context_size = dk_le32(p + 160);
	x->context_rva = dk_le32(p + 164);
	x->record = md_record(&dk_md_exception_desc, p, len, md->streams[i].loc.rva);
	md->has_exception = true;
	return true;
}

/* ---- system info ---- */
bool md_decode_sysinfo(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (md->has_sysinfo) {
		md_problem(md, i, "a second system info stream; only the first is used");
		return false;
	}
	if (len < MD_SYSTEM_INFO_SIZE) {
		md_problem(md, i, "the stream has 0x%zx bytes; MINIDUMP_SYSTEM_INFO needs 0x%x", len,
		           MD_SYSTEM_INFO_SIZE);
		return false;
	}
	dk_minidump_system_info *s = &md->sysinfo;
	s->processor_architecture = dk_le16(p);
	s->processor_level = dk_le16(p + 2);
	s->processor_revision = dk_le16(p + 4);
	s->number_of_processors = p[6];
	s->product_type = p[7];
	s->major_version = dk_le32(p + 8);
	s->minor_version = dk_le32(p + 12);
	s->build_number = dk_le32(p + 16);
	s->platform_id = dk_le32(p + 20);
	s->csd_version_rva = dk_le32(p + 24);
	s->suite_mask = dk_le16(p + 28);
	s->arch_name = dk_md_processor_arch_name(s->processor_architecture);
	s->os_name = dk_md_platform_name(s->platform_id);
	switch (s->processor_architecture) {
	case 0:
	case 10: s->arch = DK_ARCH_X86; break;
	case 9: s->arch = DK_ARCH_AMD64; break;
	case 12: s->arch = DK_ARCH_ARM64; break;
	default: s->arch = DK_ARCH_UNKNOWN; break;
	}
	/* CPU_INFORMATION is a union: X86CpuInfo (vendor id, cpuid words) for
	 * x86; Windows writes OtherCpuInfo (ProcessorFeatures) for the others,
	 * breakpad's Linux writers X86CpuInfo for AMD64 too: take the vendor id
	 * when it is printable ASCII. */
	bool printable = true;
	for (int k = 0; k < 12; k++)
		printable &= p[32 + k] >= 0x20 && p[32 + k] <= 0x7E;
	if (s->processor_architecture == 0 || s->processor_architecture == 10 ||
	    (s->processor_architecture == 9 && printable)) {
		for (int k = 0; k < 12; k++)
			s->vendor_id[k] = printable ? (char)p[32 + k] : '?';
		s->vendor_id[12] = 0;
		s->cpu_version_information = dk_le32(p + 44);
		s->cpu_feature_information = dk_le32(p + 48);
		s->cpu_amd_extended_features = dk_le32(p + 52);
	} else {
		s->processor_features[0] = dk_le64(p + 32);
		s->processor_features[1] = dk_le64(p + 40);
	}
	s->csd_version = "";
	if (s->csd_version_rva) {
		const char *why;
		const char *c = md_read_string(md, s->csd_version_rva, &why);
		if (c)
			s->csd_version = c;
	}
	s->record = md_record(&dk_md_sysinfo_desc, p, len, md->streams[i].loc.rva);
	md->has_sysinfo = true;
	return true;
}

/* ---- misc info ---- */
bool md_decode_misc(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (md->has_misc) {
		md_problem(md, i, "a second misc info stream; only the first is used");
		return false;
	}
	if (len < 24) {
		md_problem(md, i, "the stream has 0x%zx bytes; MINIDUMP_MISC_INFO needs 0x18", len);
		return false;
	}
	dk_minidump_misc_info *m = &md->misc;
	m->size_of_info = dk_le32(p);
	/* decode as far as both SizeOfInfo and the stream go */
	size_t n = m->size_of_info < len ? m->size_of_info : len;
	switch (m->size_of_info) {
	case 24: m->version = 1; break;
	case 44: m->version = 2; break;
	case 232: m->version = 3; break;
	case 832: m->version = 4; break;
	case 1364: m->version = 5; break;
	default: m->version = 0; break;
	}
	m->flags1 = dk_get32(p, n, 4);
	m->process_id = dk_get32(p, n, 8);
	m->process_create_time = dk_get32(p, n, 12);
	m->process_user_time = dk_get32(p, n, 16);
	m->process_kernel_time = dk_get32(p, n, 20);
	m->processor_max_mhz = dk_get32(p, n, 24);
	m->processor_current_mhz = dk_get32(p, n, 28);
	m->processor_mhz_limit = dk_get32(p, n, 32);
	m->processor_max_idle_state = dk_get32(p, n, 36);
	m->processor_current_idle_state = dk_get32(p, n, 40);
	m->process_integrity_level = dk_get32(p, n, 44);
	m->process_execute_flags = dk_get32(p, n, 48);
	m->protected_process = dk_get32(p, n, 52);
	m->time_zone_id = dk_get32(p, n, 56);
	if (n >= 232) { /* TIME_ZONE_INFORMATION at 60 (172 bytes) */
		m->tz_bias = (int32_t)dk_le32(p + 60);
		md_utf16_field(p + 64, 64, m->tz_standard_name, sizeof m->tz_standard_name);
		m->tz_standard_bias = (int32_t)dk_le32(p + 144);
		md_utf16_field(p + 148, 64, m->tz_daylight_name, sizeof m->tz_daylight_name);
		m->tz_daylight_bias = (int32_t)dk_le32(p + 228);
	}
	if (n >= 832) { /* BuildString[260] at 232, DbgBldStr[40] at 752 */
		md_utf16_field(p + 232, 520, m->build_string, sizeof m->build_string);
		md_utf16_field(p + 752, 80, m->dbg_build_string, sizeof m->dbg_build_string);
	}
	if (n >= 1364) { /* XSTATE_CONFIG_FEATURE_MSC_INFO at 832, ProcessCookie at 1360 */
		m->xstate_size_of_info = dk_le32(p + 832);
		m->xstate_context_size = dk_le32(p + 836);
		m->xstate_enabled_features = dk_le64(p + 840);
		for (int k = 0; k < 64; k++) {
			m->xstate_offset[k] = dk_le32(p + 848 + 8 * k);
			m->xstate_size[k] = dk_le32(p + 852 + 8 * k);
		}
		m->process_cookie = dk_le32(p + 1360);
	}
	m->record = md_record(&dk_md_misc_desc, p, n, md->streams[i].loc.rva);
	md->has_misc = true;
	return true;
}
