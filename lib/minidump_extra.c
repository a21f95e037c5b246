/* dmpkit — minidump stream decoders: the smaller streams.
 *
 * Windows (minidumpapiset.h): MINIDUMP_MEMORY_INFO_LIST (16-byte header,
 * 48-byte entries), MINIDUMP_HANDLE_DATA_STREAM (16-byte header, 32- or
 * 40-byte descriptors), MINIDUMP_THREAD_INFO_LIST (12-byte header, 64-byte
 * entries), MINIDUMP_THREAD_NAME_LIST (u32 count, 12-byte entries with an
 * RVA64), MINIDUMP_TOKEN_INFO_LIST (16-byte header, entries with a 16-byte
 * MINIDUMP_TOKEN_INFO_HEADER), MINIDUMP_FUNCTION_TABLE_STREAM (24-byte
 * header, 32-byte descriptors followed by the native descriptor and the
 * entries), MINIDUMP_SYSTEM_MEMORY_INFO_1, MINIDUMP_PROCESS_VM_COUNTERS_1/2.
 * Breakpad (minidump_format.h): MDRawBreakpadInfo (12 bytes),
 * MDRawAssertionInfo (3 x 128 UTF-16 units, line, type), MDRawDebug32/64.
 * Crashpad (minidump_extensions.h, via rust-minidump format.rs):
 * MinidumpCrashpadInfo (version, report id, client id, simple annotations,
 * module list), MinidumpModuleCrashpadInfoList/Link/Info, annotation lists.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "minidump_internal.h"

/* Reads and checks the `min_hs`-byte header "SizeOfHeader, SizeOfEntry,
 * count" of stream i (the count at offset 8, 64 bits wide when `wide`);
 * returns false and sets the problem when it does not fit. */
static bool sized_list(dk_minidump *md, size_t i, uint32_t min_hs, uint32_t min_es, bool wide,
                       uint32_t *hs_out, uint32_t *es_out, uint64_t *n_out)
{
	char what[32];
	snprintf(what, sizeof what, "%u-byte header", min_hs);
	if (!md_stream_min(md, i, min_hs, what))
		return false;
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	uint32_t hs = dk_le32(p), es = dk_le32(p + 4);
	uint64_t n = wide ? dk_le64(p + 8) : dk_le32(p + 8);
	*hs_out = hs;
	*es_out = es;
	*n_out = n;
	if (hs < min_hs || es < min_es || hs > len || (n && es && n > (len - hs) / es)) {
		md_problem(md, i, "header (SizeOfHeader %u, SizeOfEntry %u, entries %" PRIu64
		           ") does not fit the 0x%zx-byte stream", hs, es, n, len);
		return false;
	}
	return true;
}

bool md_decode_meminfo(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	uint32_t hs, es;
	uint64_t n;
	if (!sized_list(md, i, 16, MD_MEMORY_INFO_SIZE, true, &hs, &es, &n))
		return false;
	md->meminfo = md_alloc(md, (size_t)n * sizeof *md->meminfo);
	if (!md->meminfo) {
		*nomem = true;
		return false;
	}
	md->nmeminfo = (size_t)n;
	for (size_t k = 0; k < n; k++) {
		const uint8_t *e = p + hs + k * es;
		dk_minidump_memory_info *m = &md->meminfo[k];
		m->base_address = dk_le64(e);
		m->allocation_base = dk_le64(e + 8);
		m->allocation_protect = dk_le32(e + 16);
		m->region_size = dk_le64(e + 24);
		m->state = dk_le32(e + 32);
		m->protect = dk_le32(e + 36);
		m->type = dk_le32(e + 40);
		m->record = md_record(&dk_md_meminfo_desc, e, es, md->streams[i].loc.rva + hs + k * es);
	}
	return true;
}

static const char *opt_string(dk_minidump *md, uint32_t rva)
{
	const char *why;
	return rva ? md_read_string(md, rva, &why) : NULL;
}

bool md_decode_handles(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	uint32_t hs, es;
	uint64_t n;
	if (!sized_list(md, i, 16, MD_HANDLE_DESC_SIZE, false, &hs, &es, &n))
		return false;
	md->handles = md_alloc(md, (size_t)n * sizeof *md->handles);
	if (!md->handles) {
		*nomem = true;
		return false;
	}
	md->nhandles = (size_t)n;
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = p + hs + (size_t)k * es;
		dk_minidump_handle *h = &md->handles[k];
		h->handle = dk_le64(e);
		h->type_name_rva = dk_le32(e + 8);
		h->object_name_rva = dk_le32(e + 12);
		h->attributes = dk_le32(e + 16);
		h->granted_access = dk_le32(e + 20);
		h->handle_count = dk_le32(e + 24);
		h->pointer_count = dk_le32(e + 28);
		if (es >= MD_HANDLE_DESC2_SIZE)
			h->object_info_rva = dk_le32(e + 32);
		h->type_name = opt_string(md, h->type_name_rva);
		h->object_name = opt_string(md, h->object_name_rva);
		h->record = md_record(es >= MD_HANDLE_DESC2_SIZE ? &dk_md_handle2_desc
		                                                 : &dk_md_handle_desc,
		                      e, es, md->streams[i].loc.rva + hs + (uint64_t)k * es);
	}
	return true;
}

bool md_decode_thread_infos(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	uint32_t hs, es;
	uint64_t n;
	if (!sized_list(md, i, 12, MD_THREAD_INFO_SIZE, false, &hs, &es, &n))
		return false;
	md->thread_infos = md_alloc(md, (size_t)n * sizeof *md->thread_infos);
	if (!md->thread_infos) {
		*nomem = true;
		return false;
	}
	md->nthread_infos = (size_t)n;
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = p + hs + (size_t)k * es;
		dk_minidump_thread_info *t = &md->thread_infos[k];
		t->thread_id = dk_le32(e);
		t->dump_flags = dk_le32(e + 4);
		t->dump_error = dk_le32(e + 8);
		t->exit_status = dk_le32(e + 12);
		t->create_time = dk_le64(e + 16);
		t->exit_time = dk_le64(e + 24);
		t->kernel_time = dk_le64(e + 32);
		t->user_time = dk_le64(e + 40);
		t->start_address = dk_le64(e + 48);
		t->affinity = dk_le64(e + 56);
		t->record = md_record(&dk_md_thread_info_desc, e, es,
		                      md->streams[i].loc.rva + hs + (uint64_t)k * es);
	}
	return true;
}

bool md_decode_thread_names(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (!md_stream_min(md, i, 4, "4-byte count"))
		return false;
	uint32_t n = dk_le32(p);
	if (!md_list_start(len, 4, n, MD_THREAD_NAME_SIZE)) {
		md_problem(md, i, "NumberOfThreadNames %u does not fit the 0x%zx-byte stream", n, len);
		return false;
	}
	unsigned bad = 0;
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *e = p + 4 + (size_t)k * MD_THREAD_NAME_SIZE;
		uint32_t tid = dk_le32(e);
		uint64_t rva = dk_le64(e + 4);
		const char *why;
		const char *nm = md_read_string(md, rva, &why);
		if (!nm) {
			bad++;
			continue;
		}
		for (size_t t = 0; t < md->nthreads; t++)
			if (md->threads[t].thread_id == tid && !md->threads[t].name)
				md->threads[t].name = nm;
	}
	if (bad)
		md_problem(md, i, "%u of %u thread names are outside the file", bad, n);
	return bad == 0;
}

bool md_decode_token(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (!md_stream_min(md, i, 16, "16-byte header"))
		return false;
	/* TokenListSize, TokenListEntries, ListHeaderSize, ElementHeaderSize */
	uint32_t n = dk_le32(p + 4), hs = dk_le32(p + 8), es = dk_le32(p + 12);
	if (hs < 16 || hs > len || es < 16 || n > (len - hs) / es) {
		md_problem(md, i, "header (ListHeaderSize %u, ElementHeaderSize %u, "
		           "TokenListEntries %u) does not fit the 0x%zx-byte stream", hs, es, n, len);
		return false;
	}
	md->tokens = md_alloc(md, (size_t)n * sizeof *md->tokens);
	if (!md->tokens && n) {
		*nomem = true;
		return false;
	}
	size_t off = hs;
	for (uint32_t k = 0; k < n; k++) {
		if (!dk_in_bounds(len, off, 16)) {
			md_problem(md, i, "token %u at stream offset 0x%zx runs past the stream", k, off);
			return false;
		}
		dk_minidump_token *t = &md->tokens[md->ntokens++];
		t->token_size = dk_le32(p + off);
		t->token_id = dk_le32(p + off + 4);
		t->token_handle = dk_le64(p + off + 8);
		t->offset = md->streams[i].loc.rva + off;
		/* TokenSize counts the whole entry, header included */
		if (t->token_size < es || t->token_size > len - off) {
			md_problem(md, i, "token %u: TokenSize %u does not fit the stream", k,
			           t->token_size);
			return false;
		}
		off += t->token_size;
	}
	return true;
}

bool md_decode_ftable(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (!md_stream_min(md, i, 24, "24-byte header"))
		return false;
	/* SizeOfHeader, SizeOfDescriptor, SizeOfNativeDescriptor,
	 * SizeOfFunctionEntry, NumberOfDescriptors, SizeOfAlignPad */
	uint32_t hs = dk_le32(p), ds = dk_le32(p + 4), ns = dk_le32(p + 8);
	uint32_t fs = dk_le32(p + 12), n = dk_le32(p + 16), pad = dk_le32(p + 20);
	if (hs < 24 || hs > len || ds < MD_FUNCTION_DESC_SIZE || n > (len - hs) / ds) {
		md_problem(md, i, "header (SizeOfHeader %u, SizeOfDescriptor %u, "
		           "NumberOfDescriptors %u) does not fit the 0x%zx-byte stream", hs, ds, n, len);
		return false;
	}
	md->ftables = md_alloc(md, (size_t)n * sizeof *md->ftables);
	if (!md->ftables && n) {
		*nomem = true;
		return false;
	}
	uint64_t off = (uint64_t)hs + pad;
	for (uint32_t k = 0; k < n; k++) {
		if (!dk_in_bounds(len, off, ds)) {
			md_problem(md, i, "descriptor %u at stream offset 0x%" PRIx64
			           " runs past the stream", k, off);
			return false;
		}
		const uint8_t *e = p + off;
		dk_minidump_function_table *f = &md->ftables[md->nftables++];
		f->minimum_address = dk_le64(e);
		f->maximum_address = dk_le64(e + 8);
		f->base_address = dk_le64(e + 16);
		f->entry_count = dk_le32(e + 24);
		uint32_t epad = dk_le32(e + 28);
		f->record = md_record(&dk_md_ftable_desc, e, ds, md->streams[i].loc.rva + off);
		uint64_t step = (uint64_t)ds + ns + (uint64_t)f->entry_count * fs + epad;
		if (!dk_add_ok(off, step, &off))
			off = UINT64_MAX;
	}
	return true;
}

bool md_decode_comment(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	bool wide = md->streams[i].type == DK_MD_COMMENT_W;
	size_t osz = wide ? len / 2 * 3 + 1 : len + 1;
	char *o = md_alloc(md, osz);
	if (!o) {
		*nomem = true;
		return false;
	}
	if (wide) {
		dk_utf16_to_utf8(p, len / 2, o, osz);
	} else {
		size_t k = 0;
		for (; k < len && p[k]; k++)
			o[k] = p[k] < 0x20 && p[k] != '\n' && p[k] != '\t' ? '?' : (char)p[k];
		o[k] = 0;
	}
	if (wide)
		md->comment_w = o;
	else
		md->comment_a = o;
	return true;
}

bool md_decode_assertion(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	const uint8_t *p = md->sdata[i];
	if (md->slen[i] < MD_ASSERTION_SIZE) {
		md_problem(md, i, "the stream has 0x%zx bytes; MDRawAssertionInfo needs 0x%x",
		           md->slen[i], MD_ASSERTION_SIZE);
		return false;
	}
	dk_minidump_assertion *a = &md->assertion;
	md_utf16_field(p, 256, a->expression, sizeof a->expression);
	md_utf16_field(p + 256, 256, a->function, sizeof a->function);
	md_utf16_field(p + 512, 256, a->file, sizeof a->file);
	a->line = dk_le32(p + 768);
	a->type = dk_le32(p + 772);
	static const char *const names[] = { "unknown", "invalid parameter", "pure virtual call" };
	a->type_name = a->type < 3 ? names[a->type] : "unknown";
	md->has_assertion = true;
	return true;
}

bool md_decode_bpinfo(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	const uint8_t *p = md->sdata[i];
	if (md->slen[i] < 12) {
		md_problem(md, i, "the stream has 0x%zx bytes; MDRawBreakpadInfo needs 0xc",
		           md->slen[i]);
		return false;
	}
	md->bpinfo.validity = dk_le32(p);
	md->bpinfo.dump_thread_id = dk_le32(p + 4);
	md->bpinfo.requesting_thread_id = dk_le32(p + 8);
	md->has_bpinfo = true;
	return true;
}

/* ---- crashpad ---- */
static void guid_string(const uint8_t *g, char *out, size_t n)
{
	snprintf(out, n, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", dk_le32(g),
	         dk_le16(g + 4), dk_le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14],
	         g[15]);
}

/* A location descriptor's bytes, bounded; NULL when empty or outside. */
static uint8_t *read_loc(dk_minidump *md, const uint8_t *loc, uint32_t *size)
{
	*size = dk_le32(loc);
	uint32_t rva = dk_le32(loc + 4);
	if (*size == 0 || *size > MD_MAX_STRING_BYTES * 16 || !md_inside(md, rva, *size))
		return NULL;
	uint8_t *b = md_alloc(md, *size);
	if (b && !md_read(md, rva, b, *size))
		return NULL;
	return b;
}

/* MinidumpSimpleStringDictionary: u32 count, {key rva, value rva}... */
static bool read_dict(dk_minidump *md, const uint8_t *loc, dk_md_annotation **out, size_t *n)
{
	uint32_t size;
	*n = 0;
	uint8_t *b = read_loc(md, loc, &size);
	if (!b)
		return dk_le32(loc) == 0; /* empty is fine */
	uint32_t c = dk_get32(b, size, 0);
	if (size < 4 || c > (size - 4) / 8)
		return false;
	*out = md_alloc(md, (size_t)c * sizeof **out);
	if (!*out && c)
		return false;
	for (uint32_t k = 0; k < c; k++) {
		dk_md_annotation *a = &(*out)[(*n)++];
		a->name = md_read_utf8(md, dk_le32(b + 4 + 8 * k));
		a->value = md_read_utf8(md, dk_le32(b + 8 + 8 * k));
		a->type = 1;
		if (!a->name)
			a->name = "(unreadable)";
		if (!a->value)
			a->value = "(unreadable)";
	}
	return true;
}

/* MinidumpByteArray (u32 length + bytes) as text or hex. */
static const char *read_bytes_value(dk_minidump *md, uint32_t rva, uint16_t type)
{
	uint32_t n;
	if (md_string_len(md, rva, &n))
		return NULL;
	uint8_t *b = md_alloc(md, (size_t)n * 2 + 1);
	if (!b || !md_read(md, rva + 4, b, n))
		return NULL;
	if (type == 1) { /* string */
		for (uint32_t k = 0; k < n; k++)
			if (b[k] < 0x20 && b[k] != '\n' && b[k] != '\t')
				b[k] = b[k] ? '?' : 0;
		b[n] = 0;
		return (const char *)b;
	}
	char *h = md_alloc(md, (size_t)n * 2 + 1);
	if (!h)
		return NULL;
	for (uint32_t k = 0; k < n; k++)
		snprintf(h + 2 * k, 3, "%02x", b[k]);
	return h;
}

static bool read_module_info(dk_minidump *md, dk_md_crashpad_module *m, const uint8_t *loc)
{
	uint32_t size;
	uint8_t *b = read_loc(md, loc, &size);
	if (!b || size < 4)
		return false;
	m->version = dk_le32(b);
	if (size >= 12) { /* list_annotations: MinidumpRVAList */
		uint32_t ls;
		uint8_t *l = read_loc(md, b + 4, &ls);
		uint32_t c = l ? dk_get32(l, ls, 0) : 0;
		if (l && ls >= 4 && c <= (ls - 4) / 4) {
			m->list_annotations = md_alloc(md, (size_t)c * sizeof *m->list_annotations);
			for (uint32_t k = 0; m->list_annotations && k < c; k++) {
				const char *s = md_read_utf8(md, dk_le32(l + 4 + 4 * k));
				m->list_annotations[m->nlist++] = s ? s : "(unreadable)";
			}
		}
	}
	if (size >= 20)
		read_dict(md, b + 12, &m->simple_annotations, &m->nsimple);
	if (size >= 28) { /* annotation_objects: u32 count, {name, type, reserved, value} */
		uint32_t as;
		uint8_t *a = read_loc(md, b + 20, &as);
		uint32_t c = a ? dk_get32(a, as, 0) : 0;
		if (a && as >= 4 && c <= (as - 4) / 12) {
			m->annotation_objects = md_alloc(md, (size_t)c * sizeof *m->annotation_objects);
			for (uint32_t k = 0; m->annotation_objects && k < c; k++) {
				const uint8_t *e = a + 4 + 12 * k;
				dk_md_annotation *o = &m->annotation_objects[m->nobjects++];
				o->name = md_read_utf8(md, dk_le32(e));
				o->type = dk_le16(e + 4);
				o->value = read_bytes_value(md, dk_le32(e + 8), o->type);
				if (!o->name)
					o->name = "(unreadable)";
				if (!o->value)
					o->value = "(unreadable)";
			}
		}
	}
	return true;
}

bool md_decode_crashpad(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	if (len < 52) {
		md_problem(md, i, "the stream has 0x%zx bytes; MinidumpCrashpadInfo needs 0x34", len);
		return false;
	}
	dk_minidump_crashpad_info *c = &md->crashpad;
	c->version = dk_le32(p);
	memcpy(c->report_id, p + 4, 16);
	memcpy(c->client_id, p + 20, 16);
	guid_string(c->report_id, c->report_id_str, sizeof c->report_id_str);
	guid_string(c->client_id, c->client_id_str, sizeof c->client_id_str);
	md->has_crashpad = true;
	bool ok = read_dict(md, p + 36, &c->simple_annotations, &c->nsimple);
	uint32_t ls;
	uint8_t *l = read_loc(md, p + 44, &ls);
	if (l) { /* MinidumpModuleCrashpadInfoList: count, {index, location} */
		uint32_t n = dk_get32(l, ls, 0);
		if (ls < 4 || n > (ls - 4) / 12) {
			md_problem(md, i, "the module info list count %u does not fit its 0x%x bytes", n,
			           ls);
			return false;
		}
		c->modules = md_alloc(md, (size_t)n * sizeof *c->modules);
		if (!c->modules && n) {
			*nomem = true;
			return false;
		}
		for (uint32_t k = 0; k < n; k++) {
			dk_md_crashpad_module *m = &c->modules[c->nmodules++];
			m->module_index = dk_le32(l + 4 + 12 * k);
			if (!read_module_info(md, m, l + 8 + 12 * k))
				ok = false;
		}
	} else if (dk_le32(p + 44)) {
		ok = false;
	}
	if (!ok)
		md_problem(md, i, "some annotations lie outside the file or do not fit their size");
	return ok;
}

bool md_decode_dso(dk_minidump *md, size_t i, bool *nomem)
{
	const uint8_t *p = md->sdata[i];
	size_t len = md->slen[i];
	dk_minidump_dso_debug *d = &md->dso;
	/* MDRawDebug32 is 24 bytes, MDRawDebug64 36 (packed, as rust-minidump
	 * reads DSO_DEBUG_64) */
	if (len >= 36) {
		d->bits = 64;
		d->brk = dk_le64(p + 12);
		d->ldbase = dk_le64(p + 20);
		d->dynamic = dk_le64(p + 28);
	} else if (len >= 24) {
		d->bits = 32;
		d->brk = dk_le32(p + 12);
		d->ldbase = dk_le32(p + 16);
		d->dynamic = dk_le32(p + 20);
	} else {
		md_problem(md, i, "the stream has 0x%zx bytes; MDRawDebug needs 0x18 or 0x24", len);
		return false;
	}
	d->version = dk_le32(p);
	d->map_rva = dk_le32(p + 4);
	d->dso_count = dk_le32(p + 8);
	md->has_dso = true;
	size_t es = d->bits == 64 ? 20 : 12; /* MDRawLinkMap64: addr, name, ld (pack 4) */
	uint64_t need;
	if (!dk_mul_ok(d->dso_count, es, &need) || !md_inside(md, d->map_rva, need)) {
		md_problem(md, i, "the link map (%u entries at 0x%x) lies outside the file",
		           d->dso_count, d->map_rva);
		return false;
	}
	d->dsos = md_alloc(md, (size_t)d->dso_count * sizeof *d->dsos);
	if (!d->dsos && d->dso_count) {
		*nomem = true;
		return false;
	}
	for (uint32_t k = 0; k < d->dso_count; k++) {
		uint8_t e[20];
		if (!md_read(md, d->map_rva + (uint64_t)k * es, e, es))
			break;
		dk_md_dso *o = &d->dsos[d->ndsos++];
		if (d->bits == 64) {
			o->addr = dk_le64(e);
			o->name_rva = dk_le32(e + 8);
			o->ld = dk_le64(e + 12);
		} else {
			o->addr = dk_le32(e);
			o->name_rva = dk_le32(e + 4);
			o->ld = dk_le32(e + 8);
		}
		const char *why;
		o->name = md_read_string(md, o->name_rva, &why);
	}
	return true;
}

bool md_decode_sysmem(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	if (!md_stream_min(md, i, 4, "revision and flags"))
		return false;
	md->sysmem = md_record(&dk_md_sysmem_desc, md->sdata[i], md->slen[i],
	                       md->streams[i].loc.rva);
	md->has_sysmem = true;
	return true;
}

bool md_decode_vmcounters(dk_minidump *md, size_t i, bool *nomem)
{
	(void)nomem;
	if (!md_stream_min(md, i, 2, "revision"))
		return false;
	uint16_t rev = dk_le16(md->sdata[i]);
	md->vmcounters = md_record(rev >= 2 ? &dk_md_vm2_desc : &dk_md_vm1_desc, md->sdata[i],
	                           md->slen[i], md->streams[i].loc.rva);
	md->has_vmcounters = true;
	return true;
}

bool md_decode_text(dk_minidump *md, size_t i, bool *nomem)
{
	/* Linux /proc files: the bytes are the content; nothing to decode
	 * beyond their presence (dk_minidump_stream_data gives them). */
	(void)md;
	(void)i;
	(void)nomem;
	return true;
}
