/* dmpkit — opening a Windows kernel dump and mapping its pages.
 *
 * Layouts: see layouts.c for the sources of every offset.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump_internal.h"
#include "layouts.h"

#define SIG_PAGE DK_TAG('P', 'A', 'G', 'E')
#define SIG_DUMP DK_TAG('D', 'U', 'M', 'P')
#define SIG_DU64 DK_TAG('D', 'U', '6', '4')
#define SIG_RDMP DK_TAG('R', 'D', 'M', 'P')

static uint64_t hfield(const dk_kdump *d, const char *name, bool *set)
{
	const dk_field *f = dk_struct_field(d->hdr_desc, name);
	uint64_t v = 0;
	dk_field_state st = f ? dk_field_get(f, d->hdr, d->hdr_avail, &v) : DK_FIELD_MISSING;
	if (set)
		*set = st == DK_FIELD_SET;
	return v;
}

static void describe_signature(const uint8_t *p, size_t n, char *buf, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7F)
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", p[i]);
	}
	buf[o] = 0;
}

/* ---- segment storage (full dumps and RDMP) ---- */

static int seg_cmp(const void *a, const void *b)
{
	const dk_seg *x = a, *y = b;
	if (x->base_pfn != y->base_pfn)
		return x->base_pfn < y->base_pfn ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Builds psegs: sorted, overlap-free, only pages wholly inside the file. */
static dk_status build_psegs(dk_kdump *d, dk_error *err)
{
	uint64_t avail = d->sum.available_pages;
	d->psegs = dk_calloc(d->nsegs, sizeof *d->psegs);
	if (!d->psegs) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < d->nsegs; i++) {
		dk_seg s = d->segs[i];
		if (s.index >= avail || s.count == 0)
			continue;
		if (s.count > avail - s.index)
			s.count = avail - s.index;
		d->psegs[n++] = s;
	}
	qsort(d->psegs, n, sizeof *d->psegs, seg_cmp);
	/* trim overlaps: the lower index (earlier in the file) was sorted first
	 * only for equal bases; otherwise keep the earlier-starting segment. */
	size_t m = 0;
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++) {
		dk_seg s = d->psegs[i];
		if (m && s.base_pfn < end) {
			uint64_t cut = end - s.base_pfn;
			if (cut >= s.count)
				continue;
			s.base_pfn += cut;
			s.index += cut;
			s.count -= cut;
		}
		d->psegs[m++] = s;
		end = s.base_pfn + s.count;
	}
	d->npsegs = m;
	return DK_OK;
}

/* Index of the pseg holding pfn or the first one above it. */
static size_t pseg_find(const dk_kdump *d, uint64_t pfn)
{
	size_t lo = 0, hi = d->npsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const dk_seg *s = &d->psegs[mid];
		if (s->base_pfn + s->count <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- physmem ops ---- */

static bool kd_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	dk_kdump *d = ctx;
	if (d->has_bitmap)
		return dk_bitmap_next_run(d, pfn, d->avail_limit_pfn, out);
	size_t i = pseg_find(d, pfn);
	if (i >= d->npsegs)
		return false;
	const dk_seg *s = &d->psegs[i];
	uint64_t start = pfn > s->base_pfn ? pfn : s->base_pfn;
	out->base_pfn = start;
	out->count = s->base_pfn + s->count - start;
	return true;
}

static bool stored_offset(const dk_kdump *d, uint64_t pfn, uint64_t *off, uint64_t *contig)
{
	uint64_t index;
	if (d->has_bitmap) {
		if (!dk_bitmap_rank((dk_kdump *)d, pfn, &index))
			return false;
		if (contig)
			*contig = 1;
	} else {
		/* file order, first segment holding the page */
		size_t i;
		for (i = 0; i < d->nsegs; i++) {
			const dk_seg *s = &d->segs[i];
			if (pfn >= s->base_pfn && pfn - s->base_pfn < s->count)
				break;
		}
		if (i == d->nsegs)
			return false;
		index = d->segs[i].index + (pfn - d->segs[i].base_pfn);
		if (contig)
			*contig = d->segs[i].count - (pfn - d->segs[i].base_pfn);
	}
	uint64_t rel;
	if (!dk_mul_ok(index, DK_PAGE_SIZE, &rel) ||
	    !dk_add_ok(d->sum.first_page_offset, rel, off))
		return false;
	return true;
}

static dk_status kd_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf,
                               dk_error *err)
{
	dk_kdump *d = ctx;
	uint8_t *out = buf;
	while (count) {
		uint64_t off, contig = 1;
		if (!d->has_bitmap) {
			/* fast path through the sorted segments */
			size_t i = pseg_find(d, pfn);
			if (i >= d->npsegs || d->psegs[i].base_pfn > pfn)
				goto absent;
			const dk_seg *s = &d->psegs[i];
			off = d->sum.first_page_offset + (s->index + (pfn - s->base_pfn)) * DK_PAGE_SIZE;
			contig = s->base_pfn + s->count - pfn;
		} else {
			if (pfn >= d->avail_limit_pfn || !stored_offset(d, pfn, &off, NULL))
				goto absent;
			/* extend while the next pages are also stored */
			dk_run r;
			if (dk_bitmap_next_run(d, pfn, d->avail_limit_pfn, &r) && r.base_pfn == pfn)
				contig = r.count;
		}
		if (contig > count)
			contig = count;
		if (contig > SIZE_MAX / DK_PAGE_SIZE)
			contig = SIZE_MAX / DK_PAGE_SIZE;
		dk_status st = dk_input_read(&d->in, off, out, (size_t)(contig * DK_PAGE_SIZE),
		                             "page data", err);
		if (st != DK_OK)
			return st;
		out += contig * DK_PAGE_SIZE;
		pfn += contig;
		count -= contig;
	}
	return DK_OK;
absent:
	dk_set_error(err, DK_E_RANGE, "%s: physical page 0x%" PRIx64 " is not in the dump",
	             d->in.name, pfn);
	return DK_E_RANGE;
}

static bool kd_locate(void *ctx, uint64_t pfn, int *fd, uint64_t *offset, uint64_t *contig)
{
	dk_kdump *d = ctx;
	if (d->in.fd < 0)
		return false;
	dk_run r;
	if (!kd_next_run(d, pfn, &r) || r.base_pfn != pfn)
		return false;
	uint64_t c;
	if (!stored_offset(d, pfn, offset, &c))
		return false;
	*fd = d->in.fd;
	/* a bitmap dump stores a run of set bits back to back, in PFN order */
	*contig = d->has_bitmap ? r.count : c < r.count ? c : r.count;
	return true;
}

static const dk_physmem_ops kd_ops = { kd_next_run, kd_read_pages, kd_locate, NULL, NULL };

/* ---- layouts ---- */

static void set_available(dk_kdump *d)
{
	dk_kdump_summary *s = &d->sum;
	if (s->first_page_offset >= s->file_size)
		s->available_pages = 0;
	else
		s->available_pages = (s->file_size - s->first_page_offset) / DK_PAGE_SIZE;
	if (s->available_pages > s->stored_pages)
		s->available_pages = s->stored_pages;
}

static dk_status load_runs(dk_kdump *d, dk_error *err)
{
	dk_kdump_runs *r = &d->runs;
	bool is64 = d->sum.bits == 64;
	uint32_t base = is64 ? 0x88 : 0x64;
	uint32_t first = is64 ? 0x98 : 0x6C;
	uint32_t esize = is64 ? 16 : 8;
	/* 64-bit: 43 runs fit when the 4 padding bytes after the buffer are
	 * used, as QEMU declares; 32-bit: (700 - 8) / 8 = 86. */
	uint32_t cap = is64 ? 43 : 86;
	r->number_of_runs = dk_get32(d->hdr, d->hdr_avail, base);
	r->number_of_pages = is64 ? dk_get64(d->hdr, d->hdr_avail, base + 8)
	                          : dk_get32(d->hdr, d->hdr_avail, base + 4);
	r->valid = d->hdr_avail >= first && r->number_of_runs != DK_PAGE32 &&
	           r->number_of_runs <= cap;
	size_t n = r->number_of_runs < cap ? r->number_of_runs : cap;
	if (r->number_of_runs == DK_PAGE32)
		n = 0;
	r->count = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t off = first + (uint64_t)i * esize;
		if (is64) {
			r->runs[i].base_pfn = dk_get64(d->hdr, d->hdr_avail, off);
			r->runs[i].count = dk_get64(d->hdr, d->hdr_avail, off + 8);
		} else {
			r->runs[i].base_pfn = dk_get32(d->hdr, d->hdr_avail, off);
			r->runs[i].count = dk_get32(d->hdr, d->hdr_avail, off + 4);
		}
	}
	if (d->sum.dump_type != DK_DUMP_FULL)
		return DK_OK;

	d->sum.storage = DK_STORAGE_RUNS;
	d->sum.first_page_offset = d->sum.header_size;
	d->sum.declared_pages = r->number_of_pages;
	d->segs = dk_calloc(n, sizeof *d->segs);
	if (!d->segs) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	uint64_t index = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t end, c = r->runs[i].count;
		/* a run whose pages overflow the PFN space or whose index
		 * overflows is cut: nothing after it can be located */
		if (!dk_add_ok(r->runs[i].base_pfn, c, &end) || !dk_add_ok(index, c, &end) ||
		    index + c > (UINT64_MAX - d->sum.header_size) / DK_PAGE_SIZE)
			break;
		d->segs[d->nsegs++] = (dk_seg){ r->runs[i].base_pfn, c, index };
		index += c;
	}
	d->sum.stored_pages = index;
	set_available(d);
	return build_psegs(d, err);
}

static dk_status load_rdmp(dk_kdump *d, dk_error *err)
{
	dk_kdump_rdmp *h = &d->rdmp;
	const uint8_t *s = d->secondary;
	size_t n = d->secondary_avail;
	uint64_t base = d->sum.header_size;
	bool full = d->sum.dump_type == DK_DUMP_RDMP_COMPLETE;
	d->secondary_desc = full ? &dk_rdmp_full : &dk_rdmp_kernel;
	h->marker = dk_get32(s, n, 0);
	h->signature = dk_get32(s, n, 4);
	h->valid_dump = dk_get32(s, n, 8);
	h->metadata_size = dk_get64(s, n, 0x10);
	h->first_page_offset = dk_get64(s, n, 0x18);
	if (full) {
		h->number_of_ranges = dk_get32(s, n, 0x20);
		h->total_number_of_pages = dk_get64(s, n, 0x28);
	}
	d->has_rdmp = true;
	if (n < 0x30 || h->signature != SIG_RDMP)
		return DK_OK; /* check reports it; no pages can be located */

	/* Ranges of {u64 PFN, u64 count} start at +0x30; the metadata that
	 * holds them begins at +0x20 and is MetadataSize bytes (kdmp-parser). */
	uint64_t avail_meta = d->in.size > base + 0x30 ? d->in.size - base - 0x30 : 0;
	uint64_t meta = h->metadata_size > 0x10 ? h->metadata_size - 0x10 : 0;
	if (meta > avail_meta)
		meta = avail_meta;
	uint64_t max = meta / 16;
	if (full && h->number_of_ranges < max)
		max = h->number_of_ranges;
	/* every range holds at least one 4 KiB page of the file */
	if (max > d->in.size / DK_PAGE_SIZE + 1)
		max = d->in.size / DK_PAGE_SIZE + 1;
	size_t bytes = (size_t)max * 16;
	uint8_t *buf = malloc(bytes ? bytes : 1);
	d->ranges = dk_calloc((size_t)max, sizeof *d->ranges);
	d->segs = dk_calloc((size_t)max, sizeof *d->segs);
	if (!buf || !d->ranges || !d->segs) {
		free(buf);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	dk_status st = dk_input_read(&d->in, base + 0x30, buf, bytes, "RDMP range list", err);
	if (st != DK_OK) {
		free(buf);
		return st;
	}
	uint64_t index = 0;
	size_t count = 0;
	for (size_t i = 0; i < max; i++) {
		uint64_t pfn = dk_le64(buf + 16 * i), c = dk_le64(buf + 16 * i + 8), end;
		if (!full && pfn == 0 && c == 0)
			break; /* end of the kernel range list */
		if (full && h->total_number_of_pages && index >= h->total_number_of_pages)
			break;
		d->ranges[count] = (dk_run){ pfn, c };
		count++;
		if (!dk_add_ok(pfn, c, &end) || !dk_add_ok(index, c, &end) ||
		    index + c > (UINT64_MAX - h->first_page_offset) / DK_PAGE_SIZE)
			break;
		d->segs[d->nsegs++] = (dk_seg){ pfn, c, index };
		index += c;
	}
	free(buf);
	h->count = count;
	h->ranges = d->ranges;
	d->sum.storage = DK_STORAGE_RANGES;
	d->sum.first_page_offset = h->first_page_offset;
	d->sum.declared_pages = full ? h->total_number_of_pages : index;
	d->sum.stored_pages = index;
	set_available(d);
	return build_psegs(d, err);
}

static void summarise(dk_kdump *d)
{
	dk_kdump_summary *s = &d->sum;
	bool set;
	s->major_version = (uint32_t)hfield(d, "MajorVersion", NULL);
	s->minor_version = (uint32_t)hfield(d, "MinorVersion", NULL);
	s->directory_table_base = hfield(d, "DirectoryTableBase", NULL);
	s->pfn_database = hfield(d, "PfnDataBase", NULL);
	s->ps_loaded_module_list = hfield(d, "PsLoadedModuleList", NULL);
	s->ps_active_process_head = hfield(d, "PsActiveProcessHead", NULL);
	s->machine_image_type = (uint32_t)hfield(d, "MachineImageType", NULL);
	s->number_processors = (uint32_t)hfield(d, "NumberProcessors", NULL);
	s->bugcheck_code = (uint32_t)hfield(d, "BugCheckCode", NULL);
	s->bugcheck_parameters[0] = hfield(d, "BugCheckParameter1", NULL);
	s->bugcheck_parameters[1] = hfield(d, "BugCheckParameter2", NULL);
	s->bugcheck_parameters[2] = hfield(d, "BugCheckParameter3", NULL);
	s->bugcheck_parameters[3] = hfield(d, "BugCheckParameter4", NULL);
	s->kd_debugger_data_block = hfield(d, "KdDebuggerDataBlock", NULL);
	s->dump_type = (uint32_t)hfield(d, "DumpType", NULL);
	s->required_dump_space = hfield(d, "RequiredDumpSpace", NULL);
	s->system_time = hfield(d, "SystemTime", &set);
	s->system_time_set = set;
	s->system_up_time = hfield(d, "SystemUpTime", &set);
	s->system_up_time_set = set;
	s->attributes = (uint32_t)hfield(d, "Attributes", &set);
	s->attributes_set = set;
	if (s->bits == 32)
		s->pae_enabled = hfield(d, "PaeEnabled", &set) != 0 && set;
	s->arch = dk_arch_from_machine(s->machine_image_type);
	if (s->arch == DK_ARCH_UNKNOWN) /* guess from the header width */
		s->arch = s->bits == 32 ? DK_ARCH_X86 : DK_ARCH_AMD64;
}

static dk_status kd_open(dk_kdump *d, dk_error *err)
{
	uint8_t sig[8] = { 0 };
	size_t got = dk_input_read_some(&d->in, 0, sig, 8);
	uint32_t s0 = dk_le32(sig), s1 = dk_le32(sig + 4);
	if (got < 8 || s0 != SIG_PAGE || (s1 != SIG_DUMP && s1 != SIG_DU64)) {
		char found[48];
		describe_signature(sig, got, found, sizeof found);
		const char *hint = "";
		if (got >= 4 && s0 == DK_TAG('M', 'D', 'M', 'P'))
			hint = " (a user-mode minidump)";
		else if (got >= 4 && s0 == DK_TAG(0x7F, 'E', 'L', 'F'))
			hint = " (an ELF file, e.g. a QEMU memory dump: convert it)";
		if (got < 8)
			dk_set_error(err, DK_E_FORMAT,
			             "%s: DUMP_HEADER.Signature at offset 0x0: expected \"PAGEDUMP\" "
			             "or \"PAGEDU64\", found a file of %zu bytes",
			             d->in.name, got);
		else if (s0 != SIG_PAGE)
			dk_set_error(err, DK_E_FORMAT,
			             "%s: DUMP_HEADER.Signature at offset 0x0: expected \"PAGE\", "
			             "found \"%s\"%s: not a Windows kernel dump",
			             d->in.name, found, hint);
		else
			dk_set_error(err, DK_E_FORMAT,
			             "%s: DUMP_HEADER.ValidDump at offset 0x4: expected \"DUMP\" or "
			             "\"DU64\", found \"%s\"",
			             d->in.name, found + 4);
		return DK_E_FORMAT;
	}
	dk_kdump_summary *s = &d->sum;
	s->bits = s1 == SIG_DU64 ? 64 : 32;
	s->header_size = s->bits == 64 ? DK_HEADER64_SIZE : DK_HEADER32_SIZE;
	s->file_size = d->in.size;
	d->hdr_desc = s->bits == 64 ? &dk_header64 : &dk_header32;
	d->hdr = calloc(1, s->header_size);
	if (!d->hdr) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	d->hdr_avail = dk_input_read_some(&d->in, 0, d->hdr, s->header_size);
	summarise(d);
	d->secondary_avail = dk_input_read_some(&d->in, s->header_size, d->secondary,
	                                        sizeof d->secondary);
	d->cached = SIZE_MAX;

	dk_status st = load_runs(d, err);
	if (st != DK_OK)
		return st;
	switch (s->dump_type) {
	case DK_DUMP_SUMMARY:
	case DK_DUMP_BITMAP_FULL:
	case DK_DUMP_BITMAP_KERNEL:
		d->secondary_desc = &dk_bitmap_hdr;
		st = dk_bitmap_load(d, err);
		break;
	case DK_DUMP_RDMP_KERNEL:
	case DK_DUMP_RDMP_KERNEL_USER:
	case DK_DUMP_RDMP_COMPLETE:
		st = load_rdmp(d, err);
		break;
	case DK_DUMP_TRIAGE:
		d->secondary_desc = s->bits == 64 ? &dk_triage64 : &dk_triage32;
		st = dk_triage_load(d, err);
		break;
	default:
		break;
	}
	if (st != DK_OK)
		return st;
	if (s->storage != DK_STORAGE_NONE) {
		d->has_pm = true;
		d->pm.page_size = DK_PAGE_SIZE;
		d->pm.present_pages = s->available_pages;
		d->pm.ops = &kd_ops;
		d->pm.ctx = d;
		d->pm.end_pfn = 0;
		if (d->has_bitmap) {
			d->pm.end_pfn = dk_bitmap_end_pfn(d);
		} else if (d->npsegs) {
			const dk_seg *l = &d->psegs[d->npsegs - 1];
			d->pm.end_pfn = l->base_pfn + l->count;
		}
	}
	return DK_OK;
}

static dk_status finish_open(dk_kdump *d, dk_kdump **out, dk_error *err)
{
	dk_status st = kd_open(d, err);
	if (st != DK_OK) {
		dk_kdump_close(d);
		*out = NULL;
		return st;
	}
	*out = d;
	return DK_OK;
}

dk_status dk_kdump_open(const char *path, dk_kdump **out, dk_error *err)
{
	dk_kdump *d = calloc(1, sizeof *d);
	*out = NULL;
	if (!d) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	dk_status st = dk_input_open(&d->in, path, err);
	if (st != DK_OK) {
		free(d);
		return st;
	}
	return finish_open(d, out, err);
}

dk_status dk_kdump_open_memory(const void *data, size_t size, const char *name,
                               dk_kdump **out, dk_error *err)
{
	dk_kdump *d = calloc(1, sizeof *d);
	*out = NULL;
	if (!d) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	dk_input_open_memory(&d->in, data, size, name);
	if (!d->in.name) {
		free(d);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	return finish_open(d, out, err);
}

dk_status dk_kdump_open_overlay(const void *header, size_t size, const dk_physmem *pm,
                                const char *name, dk_kdump **out, dk_error *err)
{
	dk_status st = dk_kdump_open_memory(header, size, name, out, err);
	if (st != DK_OK)
		return st;
	dk_kdump *d = *out;
	if (pm) {
		d->pm = *pm;
		d->has_pm = true;
	} else {
		d->has_pm = false;
	}
	/* the pages are the image's, not the header's layout */
	d->sum.stored_pages = d->sum.available_pages = pm ? pm->present_pages : 0;
	return DK_OK;
}

void dk_kdump_close(dk_kdump *d)
{
	if (!d)
		return;
	dk_input_close(&d->in);
	free(d->hdr);
	free(d->segs);
	free(d->psegs);
	free(d->rank);
	free(d->chunk);
	free(d->ranges);
	dk_triage_free(d->triage);
	free(d);
}

const char *dk_kdump_name(const dk_kdump *d) { return d->in.name; }
const dk_kdump_summary *dk_kdump_get_summary(const dk_kdump *d) { return &d->sum; }
const dk_struct_desc *dk_kdump_header_desc(const dk_kdump *d) { return d->hdr_desc; }
const dk_kdump_runs *dk_kdump_get_runs(const dk_kdump *d) { return &d->runs; }
const dk_kdump_bitmap *dk_kdump_get_bitmap(const dk_kdump *d)
{
	return d->has_bitmap ? &d->bmp : NULL;
}
const dk_kdump_rdmp *dk_kdump_get_rdmp(const dk_kdump *d)
{
	return d->has_rdmp ? &d->rdmp : NULL;
}
const dk_physmem *dk_kdump_physmem(const dk_kdump *d)
{
	return d->has_pm ? &d->pm : NULL;
}

const uint8_t *dk_kdump_header_bytes(const dk_kdump *d, size_t *avail)
{
	*avail = d->hdr_avail;
	return d->hdr;
}

const uint8_t *dk_kdump_secondary_bytes(const dk_kdump *d, size_t *avail,
                                        const dk_struct_desc **desc)
{
	if (!d->secondary_desc)
		return NULL;
	*avail = d->secondary_avail;
	*desc = d->secondary_desc;
	return d->secondary;
}

const uint8_t *dk_kdump_context(const dk_kdump *d, size_t *len, const dk_struct_desc **desc)
{
	const dk_field *f = dk_struct_field(d->hdr_desc, "ContextRecord");
	*desc = dk_context_desc(d->sum.arch);
	*len = d->hdr_avail > f->offset ? d->hdr_avail - f->offset : 0;
	if (*len > f->size)
		*len = f->size;
	return d->hdr + f->offset;
}

const uint8_t *dk_kdump_exception(const dk_kdump *d, size_t *len, const dk_struct_desc **desc)
{
	const dk_field *f = dk_struct_field(d->hdr_desc, "Exception");
	*desc = dk_exception_desc(d->sum.bits);
	*len = d->hdr_avail > f->offset ? d->hdr_avail - f->offset : 0;
	if (*len > f->size)
		*len = f->size;
	return d->hdr + f->offset;
}

bool dk_kdump_page_offset(const dk_kdump *d, uint64_t pfn, uint64_t *offset)
{
	if (d->sum.storage == DK_STORAGE_NONE)
		return false;
	return stored_offset(d, pfn, offset, NULL);
}

bool dk_kdump_next_stored_run(const dk_kdump *d, uint64_t pfn, dk_run *out)
{
	if (d->has_bitmap)
		return dk_bitmap_next_run((dk_kdump *)d, pfn, UINT64_MAX, out);
	/* segments in file order may be unsorted: take the lowest start >= pfn */
	bool found = false;
	for (size_t i = 0; i < d->nsegs; i++) {
		const dk_seg *s = &d->segs[i];
		if (s->count == 0 || s->base_pfn + s->count <= pfn)
			continue;
		uint64_t start = s->base_pfn > pfn ? s->base_pfn : pfn;
		if (!found || start < out->base_pfn) {
			out->base_pfn = start;
			out->count = s->base_pfn + s->count - start;
			found = true;
		}
	}
	return found;
}

dk_status dk_kdump_read_page(dk_kdump *d, uint64_t pfn, void *buf, dk_error *err)
{
	if (!d->has_pm) {
		dk_set_error(err, DK_E_RANGE, "%s: a %s dump holds no physical pages", d->in.name,
		             dk_dump_type_name(d->sum.dump_type));
		return DK_E_RANGE;
	}
	return kd_read_pages(d, pfn, 1, buf, err);
}

dk_status dk_kdump_read_bytes(dk_kdump *d, uint64_t offset, void *buf, size_t len,
                              dk_error *err)
{
	return dk_input_read(&d->in, offset, buf, len, "requested bytes", err);
}
