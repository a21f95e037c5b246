/* dmpkit — checking a Windows kernel dump, like dumpchk.
 *
 * The checks follow the validation list in the project's research notes
 * (docs/kernel-dump-format.md §5 in ../shared): signatures, machine type,
 * dump type, runs, bitmap, RDMP ranges, RequiredDumpSpace against the file,
 * DirectoryTableBase, kernel addresses, context and exception records,
 * triage parts.  Every finding names the structure, field, file offset,
 * and the expected and found values.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/bugcheck.h>
#include <dmpkit/check.h>

#include "check_internal.h"
#include "minidump_internal.h"
#include "kdump_internal.h"
#include "layouts.h"

typedef struct ck {
	dk_kdump *d;
	dk_findings *f;
	const dk_kdump_summary *s;
	const char *hs; /* header structure name */
	bool is64;
} ck;

#define HEX(buf, v) snprintf(buf, sizeof buf, "0x%" PRIx64, (uint64_t)(v))

static int64_t hoff(const ck *c, const char *field)
{
	const dk_field *f = dk_struct_field(c->d->hdr_desc, field);
	return f ? (int64_t)f->offset : -1;
}

static dk_field_state hstate(const ck *c, const char *field)
{
	const dk_field *f = dk_struct_field(c->d->hdr_desc, field);
	return f ? dk_field_get(f, c->d->hdr, c->d->hdr_avail, NULL) : DK_FIELD_MISSING;
}

static bool hset(const ck *c, const char *field)
{
	return hstate(c, field) == DK_FIELD_SET;
}

/* Kernel-half virtual address for the dump's width. */
static bool kernel_va(const ck *c, uint64_t va)
{
	if (!c->is64)
		return va >= 0x80000000u && va <= 0xFFFFFFFFu;
	return va >= 0xFFFF800000000000ull; /* canonical upper half */
}

static void check_address(ck *c, const char *field, bool required)
{
	uint64_t v = dk_getn(c->d->hdr, c->d->hdr_avail, (uint64_t)hoff(c, field), c->is64 ? 8 : 4);
	char found[40];
	HEX(found, v);
	const char *exp = c->is64 ? "canonical kernel address >= 0xffff800000000000"
	                          : "kernel address >= 0x80000000";
	dk_field_state st = hstate(c, field);
	if (st == DK_FIELD_MISSING)
		return; /* header.truncated already says so */
	if (st == DK_FIELD_NOT_SET) {
		dk_finding_add(c->f, required ? DK_SEV_WARNING : DK_SEV_INFO, "address.not_set",
		               c->hs, field, hoff(c, field), exp, "PAGE fill",
		               "%s is not set (still the PAGE fill pattern)", field);
		return;
	}
	if (v == 0) {
		dk_finding_add(c->f, required ? DK_SEV_WARNING : DK_SEV_INFO, "address.zero", c->hs,
		               field, hoff(c, field), exp, "0", "%s is zero", field);
		return;
	}
	if (!kernel_va(c, v))
		dk_finding_add(c->f, DK_SEV_ERROR, "address.not_kernel", c->hs, field, hoff(c, field),
		               exp, found, "%s is not a %s kernel virtual address", field,
		               c->is64 ? "canonical" : "32-bit");
}

static void check_basics(ck *c)
{
	const dk_kdump_summary *s = c->s;
	char exp[96], found[96];
	if (c->d->hdr_avail < s->header_size) {
		snprintf(exp, sizeof exp, "0x%x header bytes", s->header_size);
		snprintf(found, sizeof found, "0x%zx bytes", c->d->hdr_avail);
		dk_finding_add(c->f, DK_SEV_ERROR, "header.truncated", c->hs, "", (int64_t)c->d->hdr_avail,
		               exp, found,
		               "the file ends inside the %u-byte header; fields past offset 0x%zx "
		               "are missing",
		               s->header_size, c->d->hdr_avail);
	}
	if (s->major_version != 0xF && s->major_version != 0xC) {
		HEX(found, s->major_version);
		dk_finding_add(c->f, DK_SEV_WARNING, "version.major", c->hs, "MajorVersion",
		               hoff(c, "MajorVersion"), "0xf (free) or 0xc (checked)", found,
		               "MajorVersion is neither a free nor a checked build");
	}
	if (s->minor_version == 0 || s->minor_version > 0xFFFF) {
		HEX(found, s->minor_version);
		dk_finding_add(c->f, DK_SEV_WARNING, "version.minor", c->hs, "MinorVersion",
		               hoff(c, "MinorVersion"), "a Windows build number (e.g. 19045)", found,
		               "MinorVersion does not look like a build number");
	}
	uint32_t m = s->machine_image_type;
	bool ok = c->is64 ? (m == DK_MACHINE_AMD64 || m == DK_MACHINE_ARM64) : m == DK_MACHINE_I386;
	if (!ok) {
		HEX(found, m);
		dk_finding_add(c->f, DK_SEV_ERROR, "machine.mismatch", c->hs, "MachineImageType",
		               hoff(c, "MachineImageType"),
		               c->is64 ? "0x8664 (x64) or 0xaa64 (ARM64) for a PAGEDU64 dump"
		                       : "0x14c (x86) for a PAGEDUMP dump",
		               found, "MachineImageType %s does not fit a %u-bit header",
		               dk_machine_name(m), s->bits);
	}
	if (s->number_processors == 0 || s->number_processors > 2048) {
		snprintf(found, sizeof found, "%u", s->number_processors);
		dk_finding_add(c->f, DK_SEV_WARNING, "processors.count", c->hs, "NumberProcessors",
		               hoff(c, "NumberProcessors"), "1 to 2048", found,
		               "NumberProcessors is implausible");
	}
	uint32_t t = s->dump_type;
	if (t == 0 || t == 7 || t > 10) {
		HEX(found, t);
		dk_finding_add(c->f, DK_SEV_ERROR, "dump_type.unknown", c->hs, "DumpType",
		               hoff(c, "DumpType"), "1, 2, 3, 4, 5, 6, 8, 9 or 10", found,
		               "DumpType %s is not a type whose layout is known", found);
	}
	if (s->bugcheck_code == DK_PAGE32) { /* the field has no PAGE-fill flag */
		dk_finding_add(c->f, DK_SEV_WARNING, "bugcheck.not_set", c->hs, "BugCheckCode",
		               hoff(c, "BugCheckCode"), "a stop code", "PAGE fill",
		               "BugCheckCode is not set");
	} else if (!dk_bugcheck_name(s->bugcheck_code) && s->bugcheck_code != 0) {
		HEX(found, s->bugcheck_code);
		dk_finding_add(c->f, DK_SEV_INFO, "bugcheck.unknown", c->hs, "BugCheckCode",
		               hoff(c, "BugCheckCode"), "a documented stop code", found,
		               "BugCheckCode %s is not a documented stop code (converters such as "
		               "DumpIt write their own markers)", found);
	}
	if (s->attributes_set && (s->attributes & (1u << 8)) && !(s->attributes & (1u << 9))) {
		HEX(found, s->attributes);
		dk_finding_add(c->f, DK_SEV_ERROR, "attributes.encrypted", c->hs, "Attributes",
		               hoff(c, "Attributes"), "EncryptedDumpData clear", found,
		               "the dump's page data is encrypted; it cannot be read without the key");
	}
	if (s->attributes_set && (s->attributes & (1u << 2))) {
		HEX(found, s->attributes);
		dk_finding_add(c->f, DK_SEV_WARNING, "attributes.insufficient_space", c->hs,
		               "Attributes", hoff(c, "Attributes"), "InsufficientDumpfileSize clear",
		               found, "Windows recorded that the dump file was too small for the dump");
	}
}

static void check_dtb(ck *c)
{
	const dk_kdump_summary *s = c->s;
	char found[40], exp[96];
	uint64_t dtb = s->directory_table_base;
	HEX(found, dtb);
	if (dtb == 0) {
		dk_finding_add(c->f, DK_SEV_ERROR, "dtb.zero", c->hs, "DirectoryTableBase",
		               hoff(c, "DirectoryTableBase"), "the kernel's page table base", "0",
		               "DirectoryTableBase is zero: no virtual address can be translated");
		return;
	}
	uint64_t align = 0xFFF;
	if (!c->is64 && s->pae_enabled)
		align = 0x1F; /* a PAE CR3 points at a 32-byte PDPT */
	if (c->is64 && s->arch == DK_ARCH_AMD64 && (dtb & 0xFFF)) {
		dk_finding_add(c->f, DK_SEV_INFO, "dtb.pcid", c->hs, "DirectoryTableBase",
		               hoff(c, "DirectoryTableBase"), "page-aligned", found,
		               "DirectoryTableBase carries low bits 0x%" PRIx64
		               " (a PCID); the table is at 0x%" PRIx64,
		               dtb & 0xFFF, dtb & ~(uint64_t)0xFFF);
	} else if (dtb & align) {
		snprintf(exp, sizeof exp, "aligned to 0x%" PRIx64, align + 1);
		dk_finding_add(c->f, DK_SEV_ERROR, "dtb.unaligned", c->hs, "DirectoryTableBase",
		               hoff(c, "DirectoryTableBase"), exp, found,
		               "DirectoryTableBase is not aligned");
	}
	uint64_t pfn = (dtb & ~0xFFFull) / DK_PAGE_SIZE;
	if (s->storage != DK_STORAGE_NONE) {
		dk_run r;
		uint64_t off;
		if (!dk_kdump_page_offset(c->d, pfn, &off)) {
			/* beyond all memory, or just not stored */
			uint64_t max = 0, p = 0;
			while (dk_kdump_next_stored_run(c->d, p, &r)) {
				max = r.base_pfn + r.count;
				p = max;
			}
			if (pfn >= max)
				snprintf(exp, sizeof exp, "a page below 0x%" PRIx64 " (end of physical memory)",
				         max * DK_PAGE_SIZE);
			else
				snprintf(exp, sizeof exp, "a page stored in the dump");
			dk_finding_add(c->f, pfn >= max ? DK_SEV_ERROR : DK_SEV_WARNING,
			               pfn >= max ? "dtb.outside_memory" : "dtb.not_stored", c->hs,
			               "DirectoryTableBase", hoff(c, "DirectoryTableBase"), exp, found,
			               pfn >= max ? "DirectoryTableBase lies outside physical memory"
			                          : "the page of DirectoryTableBase is not in the dump");
		}
	} else if (c->d->runs.valid && c->d->runs.count) {
		uint64_t max = 0;
		for (size_t i = 0; i < c->d->runs.count; i++) {
			uint64_t e = c->d->runs.runs[i].base_pfn + c->d->runs.runs[i].count;
			if (e > max)
				max = e;
		}
		if (pfn >= max) {
			snprintf(exp, sizeof exp, "below 0x%" PRIx64 " (end of the declared runs)",
			         max * DK_PAGE_SIZE);
			dk_finding_add(c->f, DK_SEV_WARNING, "dtb.outside_memory", c->hs,
			               "DirectoryTableBase", hoff(c, "DirectoryTableBase"), exp, found,
			               "DirectoryTableBase lies outside the physical memory the header "
			               "describes");
		}
	}
}

static void check_context(ck *c)
{
	size_t len;
	const dk_struct_desc *desc;
	const uint8_t *ctx = dk_kdump_context(c->d, &len, &desc);
	int64_t base = hoff(c, "ContextRecord");
	char found[40], exp[64], fname[64];
	if (!desc || len < 4)
		return;
	if (dk_is_page_fill(ctx, desc->size < len ? desc->size : len, (uint32_t)base)) {
		dk_finding_add(c->f, DK_SEV_WARNING, "context.not_set", c->hs, "ContextRecord", base,
		               "a CONTEXT record", "PAGE fill",
		               "the header holds no context record; the debugger starts without "
		               "registers");
		return;
	}
	uint32_t flags = dk_le32(ctx + (c->s->arch == DK_ARCH_AMD64 ? 0x30 : 0));
	int64_t foff = base + (c->s->arch == DK_ARCH_AMD64 ? 0x30 : 0);
	uint32_t want = dk_context_arch_flag(c->s->arch);
	HEX(found, flags);
	snprintf(fname, sizeof fname, "ContextRecord.ContextFlags");
	if (flags == 0) {
		dk_finding_add(c->f, DK_SEV_WARNING, "context.empty", c->hs, fname, foff,
		               "architecture bit and CONTROL", "0",
		               "ContextFlags is zero: the context record is empty");
		return;
	}
	if ((flags & (DK_CONTEXT_X86 | DK_CONTEXT_AMD64 | DK_CONTEXT_ARM64)) != want) {
		snprintf(exp, sizeof exp, "architecture bit 0x%x (%s)", want, dk_arch_name(c->s->arch));
		dk_finding_add(c->f, DK_SEV_ERROR, "context.arch", c->hs, fname, foff, exp, found,
		               "ContextFlags names another architecture than MachineImageType");
	}
	uint32_t known = want | 0x7Fu | 0x80000000u | 0x40000000u | 0x20000000u | 0x08000000u;
	if (flags & ~known)
		dk_finding_add(c->f, DK_SEV_WARNING, "context.flags_unknown", c->hs, fname, foff,
		               "only CONTEXT_* bits", found, "ContextFlags has unknown bits 0x%x",
		               flags & ~known);
	if (!(flags & 1))
		dk_finding_add(c->f, DK_SEV_WARNING, "context.no_control", c->hs, fname, foff,
		               "CONTEXT_CONTROL (bit 0) set", found,
		               "the context has no control registers (no instruction or stack "
		               "pointer)");
	if (c->s->arch == DK_ARCH_AMD64 && len >= 0x120 && (flags & 8)) {
		uint32_t a = dk_le32(ctx + 0x34), b = dk_le32(ctx + 0x118);
		if (a != b) {
			HEX(exp, a);
			HEX(found, b);
			dk_finding_add(c->f, DK_SEV_WARNING, "context.mxcsr", c->hs,
			               "ContextRecord.FltSave.MxCsr", base + 0x118, exp, found,
			               "MxCsr and FltSave.MxCsr differ");
		}
	}
	if ((flags & 1) && (c->s->arch == DK_ARCH_AMD64 || c->s->arch == DK_ARCH_X86)) {
		bool x64 = c->s->arch == DK_ARCH_AMD64;
		uint32_t cs = x64 ? dk_le16(ctx + 0x38) : dk_le32(ctx + 0xBC);
		if (cs != (x64 ? 0x10u : 0x08u) && (cs & 3) == 0) {
			HEX(found, cs);
			dk_finding_add(c->f, DK_SEV_WARNING, "context.cs", c->hs, "ContextRecord.SegCs",
			               base + (x64 ? 0x38 : 0xBC), x64 ? "0x10" : "0x8", found,
			               "SegCs is neither the kernel code selector nor a user one");
		}
	}
}

static void check_exception(ck *c)
{
	size_t len;
	const dk_struct_desc *desc;
	const uint8_t *e = dk_kdump_exception(c->d, &len, &desc);
	int64_t base = hoff(c, "Exception");
	char found[40];
	if (len < 0x14)
		return;
	uint32_t code = dk_le32(e);
	if (code == DK_PAGE32) {
		dk_finding_add(c->f, DK_SEV_INFO, "exception.not_set", c->hs, "Exception.ExceptionCode",
		               base, "an exception code or 0", "PAGE fill",
		               "the exception record is not set (the debugger shows \"Unknown "
		               "exception - code 45474150\")");
		return;
	}
	uint32_t np = dk_le32(e + (c->is64 ? 0x18 : 0x10));
	if (np > 15) {
		snprintf(found, sizeof found, "%u", np);
		dk_finding_add(c->f, DK_SEV_ERROR, "exception.parameters", c->hs,
		               "Exception.NumberParameters", base + (c->is64 ? 0x18 : 0x10),
		               "0 to 15 (EXCEPTION_MAXIMUM_PARAMETERS)", found,
		               "NumberParameters exceeds the record's 15 slots");
	}
}

/* Runs of the PhysicalMemoryBlock. */
static void check_runs(ck *c)
{
	const dk_kdump_runs *r = &c->d->runs;
	bool full = c->s->dump_type == DK_DUMP_FULL;
	dk_severity sev = full ? DK_SEV_ERROR : DK_SEV_WARNING;
	int64_t nr_off = hoff(c, "PhysicalMemoryBlock.NumberOfRuns");
	int64_t first = hoff(c, "PhysicalMemoryBlock.Run");
	uint32_t esize = c->is64 ? 16 : 8;
	unsigned cap = c->is64 ? 43 : 86;
	char exp[96], found[96], field[64];
	if (r->number_of_runs == DK_PAGE32) {
		/* Windows leaves the block as PAGE fill in bitmap, triage and
		 * RDMP dumps: only a full dump needs it */
		if (full)
			dk_finding_add(c->f, DK_SEV_ERROR, "runs.not_set", c->hs,
			               "PhysicalMemoryBlock.NumberOfRuns", nr_off, "a run count",
			               "PAGE fill", "a full dump needs its run list, but it is not set");
		return;
	}
	if (r->number_of_runs > cap) {
		snprintf(exp, sizeof exp, "at most %u runs (what the header can hold)", cap);
		snprintf(found, sizeof found, "%u", r->number_of_runs);
		dk_finding_add(c->f, sev, "runs.too_many", c->hs, "PhysicalMemoryBlock.NumberOfRuns",
		               nr_off, exp, found, "NumberOfRuns exceeds the room in the header");
	}
	if (full && r->number_of_runs == 0)
		dk_finding_add(c->f, DK_SEV_ERROR, "runs.none", c->hs,
		               "PhysicalMemoryBlock.NumberOfRuns", nr_off, "at least 1", "0",
		               "a full dump with no runs holds no memory");
	uint64_t sum = 0, prev_end = 0;
	bool overflow = false;
	for (size_t i = 0; i < r->count; i++) {
		const dk_run *x = &r->runs[i];
		int64_t off = first + (int64_t)(i * esize);
		uint64_t end;
		if (!dk_add_ok(x->base_pfn, x->count, &end) ||
		    (!c->is64 && end > 0xFFFFFFFFull + 1) || end > (1ull << 40)) {
			snprintf(field, sizeof field, "PhysicalMemoryBlock.Run[%zu].PageCount", i);
			snprintf(found, sizeof found, "BasePage 0x%" PRIx64 " + PageCount 0x%" PRIx64,
			         x->base_pfn, x->count);
			dk_finding_add(c->f, sev, "runs.overflow", c->hs, field, off + esize / 2,
			               "a run inside the 52-bit physical address space", found,
			               "run %zu extends past the largest physical address", i);
			overflow = true;
			continue;
		}
		if (x->count == 0) {
			snprintf(field, sizeof field, "PhysicalMemoryBlock.Run[%zu].PageCount", i);
			dk_finding_add(c->f, DK_SEV_WARNING, "runs.empty", c->hs, field, off + esize / 2,
			               "at least 1 page", "0", "run %zu is empty", i);
		}
		if (i > 0 && x->base_pfn < prev_end) {
			snprintf(field, sizeof field, "PhysicalMemoryBlock.Run[%zu].BasePage", i);
			snprintf(exp, sizeof exp, ">= 0x%" PRIx64 " (end of run %zu)", prev_end, i - 1);
			HEX(found, x->base_pfn);
			dk_finding_add(c->f, sev, "runs.order", c->hs, field, off, exp, found,
			               "run %zu %s run %zu", i,
			               end > r->runs[i - 1].base_pfn ? "overlaps" : "is out of order after",
			               i - 1);
		}
		if (end > prev_end)
			prev_end = end;
		sum += x->count;
	}
	if (!overflow && sum != r->number_of_pages &&
	    !(c->is64 && r->number_of_pages == DK_PAGE64) &&
	    !(!c->is64 && r->number_of_pages == DK_PAGE32)) {
		snprintf(exp, sizeof exp, "0x%" PRIx64 " (sum of the runs)", sum);
		HEX(found, r->number_of_pages);
		dk_finding_add(c->f, sev, "runs.page_count", c->hs, "PhysicalMemoryBlock.NumberOfPages",
		               hoff(c, "PhysicalMemoryBlock.NumberOfPages"), exp, found,
		               "NumberOfPages differs from the sum of the runs' page counts");
	}
}

static void check_bitmap(ck *c)
{
	const dk_kdump_bitmap *b = dk_kdump_get_bitmap(c->d);
	const char *st = "SUMMARY_DUMP";
	char exp[96], found[96];
	if (!b)
		return;
	int64_t o = b->offset;
	/* field names and offsets of the two layouts */
	const char *f_bits = "Pages", *f_present = "TotalPresentPages", *f_first = "FirstPage";
	int64_t o_bits = o + 0x30, o_present = o + 0x28, o_first = o + 0x20;
	if (b->legacy32) {
		st = "SUMMARY_DUMP32";
		f_bits = "BitmapSize";
		f_present = "Pages";
		f_first = "HeaderSize";
		o_bits = o + 0x10;
		o_present = o + 0x14;
		o_first = o + 0xC;
	}
	if (c->d->secondary_avail < 0x38) {
		snprintf(found, sizeof found, "%zu bytes", c->d->secondary_avail);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.header_truncated", st, "", o,
		               "0x38 header bytes", found, "the file ends inside the bitmap header");
		return;
	}
	if (b->signature != DK_TAG('S', 'D', 'M', 'P') && b->signature != DK_TAG('F', 'D', 'M', 'P')) {
		HEX(found, b->signature);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.signature", st, "Signature", o,
		               "\"SDMP\" or \"FDMP\"", found,
		               "the bitmap header signature is wrong; no page can be located");
		return;
	}
	if (b->valid_dump != DK_TAG('D', 'U', 'M', 'P')) {
		HEX(found, b->valid_dump);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.valid_dump", st, "ValidDump", o + 4,
		               "\"DUMP\"", found, "the bitmap header's ValidDump is wrong");
	}
	uint64_t want = b->bits / 8 + (b->bits % 8 != 0);
	if (b->bits == 0 || b->bits > (1ull << 40)) {
		HEX(found, b->bits);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.bits", st, f_bits, o_bits,
		               "1 to 2^40 bits (4 PiB of memory)", found,
		               "the bitmap size is implausible");
	}
	if (b->bitmap_bytes_in_file < want) {
		snprintf(exp, sizeof exp, "0x%" PRIx64 " bitmap bytes", want);
		snprintf(found, sizeof found, "0x%" PRIx64 " bytes before the end of the file",
		         b->bitmap_bytes_in_file);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.truncated", st, "Bitmap", b->bits_offset, exp,
		               found, "the file ends inside the bitmap");
	}
	if (b->present_pages > b->bits) {
		snprintf(exp, sizeof exp, "<= 0x%" PRIx64 " (Pages, the bitmap size)", b->bits);
		HEX(found, b->present_pages);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.present_gt_bits", st, f_present,
		               o_present, exp, found, "more pages are present than the bitmap has bits");
	}
	if (b->popcount != b->present_pages) {
		snprintf(exp, sizeof exp, "0x%" PRIx64 " (bits set in the bitmap)", b->popcount);
		HEX(found, b->present_pages);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.popcount", st, f_present,
		               o_present, exp, found,
		               "the number of set bits differs from the present-page count");
	}
	uint64_t min_first = (uint64_t)b->bits_offset + want;
	if (b->first_page < min_first) {
		snprintf(exp, sizeof exp, ">= 0x%" PRIx64 " (end of the bitmap)", min_first);
		HEX(found, b->first_page);
		dk_finding_add(c->f, DK_SEV_ERROR, "bitmap.first_page", st, f_first, o_first,
		               exp, found, "page data would overlap the bitmap");
	} else if (b->first_page & 0xFFF) {
		HEX(found, b->first_page);
		dk_finding_add(c->f, DK_SEV_INFO, "bitmap.first_page_unaligned", st, f_first,
		               o_first, "page-aligned", found,
		               "FirstPage is not page-aligned (WinDbg-written bitmap dumps do this; "
		               "some readers refuse it)");
	}
}

static void check_rdmp(ck *c)
{
	const dk_kdump_rdmp *h = dk_kdump_get_rdmp(c->d);
	const char *st = c->s->dump_type == DK_DUMP_RDMP_COMPLETE ? "FULL_RDMP_HEADER64"
	                                                          : "KERNEL_RDMP_HEADER64";
	char exp[96], found[96];
	if (!h)
		return;
	int64_t o = c->s->header_size;
	if (c->d->secondary_avail < 0x30) {
		dk_finding_add(c->f, DK_SEV_ERROR, "rdmp.header_truncated", st, "", o, "0x30 bytes",
		               "fewer", "the file ends inside the RDMP header");
		return;
	}
	if (h->signature != DK_TAG('R', 'D', 'M', 'P')) {
		HEX(found, h->signature);
		dk_finding_add(c->f, DK_SEV_ERROR, "rdmp.signature", st, "Signature", o + 4,
		               "\"RDMP\"", found, "the RDMP signature is wrong; no page can be located");
		return;
	}
	if (h->marker != 0x40) {
		HEX(found, h->marker);
		dk_finding_add(c->f, DK_SEV_WARNING, "rdmp.marker", st, "Marker", o, "0x40", found,
		               "unexpected RDMP marker");
	}
	if (h->valid_dump != DK_TAG('D', 'U', 'M', 'P')) {
		HEX(found, h->valid_dump);
		dk_finding_add(c->f, DK_SEV_ERROR, "rdmp.valid_dump", st, "ValidDump", o + 8,
		               "\"DUMP\"", found, "the RDMP ValidDump is wrong");
	}
	if (h->metadata_size % 16) {
		HEX(found, h->metadata_size);
		dk_finding_add(c->f, DK_SEV_ERROR, "rdmp.metadata_size", st, "MetadataSize", o + 0x10,
		               "a multiple of 16", found, "MetadataSize is not a whole number of ranges");
	}
	uint64_t want = (uint64_t)o + 0x20 + h->metadata_size;
	if (h->first_page_offset != want) {
		snprintf(exp, sizeof exp, "0x%" PRIx64 " (0x2020 + MetadataSize)", want);
		HEX(found, h->first_page_offset);
		dk_finding_add(c->f, DK_SEV_WARNING, "rdmp.first_page", st, "FirstPageOffset",
		               o + 0x18, exp, found, "page data does not follow the metadata");
	}
	if (c->s->dump_type == DK_DUMP_RDMP_COMPLETE && h->metadata_size >= 0x10 &&
	    h->number_of_ranges != (h->metadata_size - 0x10) / 16) {
		/* the reader uses the smaller of the two counts */
		snprintf(exp, sizeof exp, "%" PRIu64 " (the ranges MetadataSize holds)",
		         (h->metadata_size - 0x10) / 16);
		snprintf(found, sizeof found, "%u", h->number_of_ranges);
		dk_finding_add(c->f, DK_SEV_WARNING, "rdmp.range_count", st, "NumberOfRanges",
		               o + 0x20, exp, found, "NumberOfRanges differs from MetadataSize");
	}
	uint64_t prev_end = 0;
	for (size_t i = 0; i < h->count; i++) {
		uint64_t end;
		char field[48];
		snprintf(field, sizeof field, "Range[%zu]", i);
		if (!dk_add_ok(h->ranges[i].base_pfn, h->ranges[i].count, &end) || end > (1ull << 40)) {
			dk_finding_add(c->f, DK_SEV_ERROR, "rdmp.range_overflow", st, field,
			               o + 0x30 + (int64_t)i * 16, "a range inside physical memory",
			               "overflow", "range %zu extends past the largest physical address", i);
			break;
		}
		if (i && h->ranges[i].base_pfn < prev_end) {
			snprintf(exp, sizeof exp, ">= 0x%" PRIx64, prev_end);
			HEX(found, h->ranges[i].base_pfn);
			dk_finding_add(c->f, DK_SEV_ERROR, "rdmp.range_order", st, field,
			               o + 0x30 + (int64_t)i * 16, exp, found,
			               "range %zu overlaps or precedes range %zu", i, i - 1);
		}
		prev_end = end > prev_end ? end : prev_end;
	}
	if (c->s->dump_type == DK_DUMP_RDMP_COMPLETE && c->s->stored_pages != h->total_number_of_pages) {
		snprintf(exp, sizeof exp, "0x%" PRIx64 " (sum of the ranges)", c->s->stored_pages);
		HEX(found, h->total_number_of_pages);
		dk_finding_add(c->f, DK_SEV_ERROR, "rdmp.page_count", st, "TotalNumberOfPages",
		               o + 0x28, exp, found, "TotalNumberOfPages differs from the ranges");
	}
}

/* Missing pages of a truncated dump, as physical ranges. */
static void check_truncation(ck *c)
{
	const dk_kdump_summary *s = c->s;
	char exp[128], found[128];
	if (s->storage == DK_STORAGE_NONE || s->available_pages >= s->stored_pages)
		return;
	uint64_t missing = s->stored_pages - s->available_pages;
	/* stored pages lie in file order; with sorted layouts the missing
	 * ones are the highest.  Walk stored runs and skip the available. */
	char ranges[256] = "";
	size_t o = 0, nr = 0;
	uint64_t skip = s->available_pages, p = 0;
	dk_run r;
	while (dk_kdump_next_stored_run(c->d, p, &r)) {
		p = r.base_pfn + r.count;
		uint64_t off;
		/* first page of this run beyond the file? */
		uint64_t a = r.base_pfn;
		if (dk_kdump_page_offset(c->d, a, &off) && off + DK_PAGE_SIZE <= s->file_size) {
			/* part of the run may still be present */
			uint64_t avail_in_run = (s->file_size - off) / DK_PAGE_SIZE;
			if (avail_in_run >= r.count)
				continue;
			a += avail_in_run;
		}
		(void)skip;
		if (nr < 6 && o < sizeof ranges - 48)
			o += (size_t)snprintf(ranges + o, sizeof ranges - o, "%s0x%" PRIx64 "-0x%" PRIx64,
			                      nr ? ", " : "", a * DK_PAGE_SIZE,
			                      (r.base_pfn + r.count) * DK_PAGE_SIZE - 1);
		nr++;
	}
	if (nr > 6)
		snprintf(ranges + o, sizeof ranges - o, " and %zu more ranges", nr - 6);
	uint64_t need = s->first_page_offset + s->stored_pages * DK_PAGE_SIZE;
	snprintf(exp, sizeof exp, "file size >= 0x%" PRIx64 " (%" PRIu64 " pages)", need,
	         s->stored_pages);
	snprintf(found, sizeof found, "0x%" PRIx64 " (%" PRIu64 " pages)", s->file_size,
	         s->available_pages);
	dk_finding_add(c->f, DK_SEV_ERROR, "pages.missing", "file", "page data",
	               (int64_t)s->file_size, exp, found,
	               "the file is truncated: %" PRIu64 " of %" PRIu64
	               " pages are missing, physical %s",
	               missing, s->stored_pages, ranges);
}

static void check_required_space(ck *c)
{
	const dk_kdump_summary *s = c->s;
	char exp[128], found[128];
	int64_t off = hoff(c, "RequiredDumpSpace");
	if (hstate(c, "RequiredDumpSpace") == DK_FIELD_MISSING)
		return;
	if (!hset(c, "RequiredDumpSpace")) {
		dk_finding_add(c->f, DK_SEV_WARNING, "required_space.not_set", c->hs,
		               "RequiredDumpSpace", off, "the dump's size in bytes", "PAGE fill",
		               "RequiredDumpSpace is not set");
		return;
	}
	uint64_t req = s->required_dump_space;
	if (s->storage != DK_STORAGE_NONE) {
		uint64_t expect = s->first_page_offset + s->stored_pages * DK_PAGE_SIZE;
		if (req > expect && s->file_size >= req) {
			/* ntiodump.h: secondary dump data (DUMP_BLOB_FILE_HEADER,
			 * "DumpBlob") may follow the pages */
			snprintf(exp, sizeof exp, "0x%" PRIx64 " (end of the page data)", expect);
			HEX(found, req);
			dk_finding_add(c->f, DK_SEV_INFO, "required_space.secondary_data", c->hs,
			               "RequiredDumpSpace", off, exp, found,
			               "0x%" PRIx64 " bytes follow the page data (secondary dump data)",
			               req - expect);
		} else if (req != expect) {
			snprintf(exp, sizeof exp, "0x%" PRIx64 " (first page at 0x%" PRIx64 " + %" PRIu64
			         " pages)", expect, s->first_page_offset, s->stored_pages);
			HEX(found, req);
			const char *why = "";
			if (req == expect / DK_PAGE_SIZE)
				why = " (it counts pages, not bytes, as Rekall's raw2dmp wrote)";
			else if (req == expect + DK_PAGE_SIZE)
				why = " (one page too many, as some converters write)";
			dk_finding_add(c->f, DK_SEV_WARNING, "required_space.mismatch", c->hs,
			               "RequiredDumpSpace", off, exp, found,
			               "RequiredDumpSpace differs from the size the page layout needs%s",
			               why);
		}
	}
	if (req > s->file_size && s->available_pages >= s->stored_pages) {
		HEX(exp, req);
		HEX(found, s->file_size);
		if (s->dump_type == DK_DUMP_TRIAGE)
			dk_finding_add(c->f, DK_SEV_INFO, "required_space.triage_reserve", c->hs,
			               "RequiredDumpSpace", off, exp, found,
			               "the file is smaller than RequiredDumpSpace: Windows reserves "
			               "room for secondary data in small dumps, so this is usual");
		else
			dk_finding_add(c->f, s->storage == DK_STORAGE_NONE ? DK_SEV_ERROR : DK_SEV_WARNING,
			               "required_space.file_smaller", c->hs, "RequiredDumpSpace", off,
			               exp, found, "the file is smaller than RequiredDumpSpace says");
	}
}

static void check_triage(ck *c)
{
	const dk_triage *t = dk_kdump_get_triage(c->d);
	const char *st = c->is64 ? "TRIAGE_DUMP64" : "TRIAGE_DUMP32";
	char exp[128], found[128], field[64];
	if (!t)
		return;
	int64_t o = t->offset;
	uint64_t fsize = c->s->file_size;
	size_t need = c->is64 ? 0x80 : 0x68;
	if (c->d->secondary_avail < need) {
		dk_finding_add(c->f, DK_SEV_ERROR, "triage.header_truncated", st, "", o,
		               "a complete triage header", "file ends inside it",
		               "the file ends inside the triage header");
		return;
	}
	if (!t->valid_marker) {
		snprintf(exp, sizeof exp, "\"TRGD\" at ValidOffset 0x%x", t->valid_offset);
		dk_finding_add(c->f, DK_SEV_ERROR, "triage.valid", st, "ValidOffset", o + 8, exp,
		               "absent", "the triage dump's validity marker is missing: the dump "
		               "was not completely written");
	}
	if (t->size_of_dump > fsize) {
		HEX(exp, fsize);
		HEX(found, t->size_of_dump);
		dk_finding_add(c->f, DK_SEV_ERROR, "triage.size", st, "SizeOfDump", o + 4,
		               exp, found, "SizeOfDump is larger than the file");
	}
	dk_triage_part parts[16];
	size_t np = dk_triage_parts(t, c->s->bits, parts, 16);
	for (size_t i = 0; i < np; i++) {
		const dk_triage_part *p = &parts[i];
		if (!p->offset)
			continue;
		uint64_t end = p->offset + (p->size ? p->size : 1);
		if (end > fsize) {
			snprintf(exp, sizeof exp, "inside the file (size 0x%" PRIx64 ")", fsize);
			snprintf(found, sizeof found, "0x%" PRIx64 "-0x%" PRIx64, p->offset, end);
			snprintf(field, sizeof field, "%sOffset", p->name);
			dk_finding_add(c->f, DK_SEV_ERROR, "triage.part_outside", st, field, (int64_t)p->offset,
			               exp, found, "triage part %s lies outside the file", p->name);
			continue;
		}
		/* Windows points Context and Exception at the dump header's own
		 * ContextRecord and Exception (seen in a real Windows 11 triage
		 * dump); any other part must follow the triage header. */
		bool hdr_ctx = strcmp(p->name, "Context") == 0 &&
		               p->offset == (uint64_t)hoff(c, "ContextRecord");
		bool hdr_exc = strcmp(p->name, "Exception") == 0 &&
		               p->offset == (uint64_t)hoff(c, "Exception");
		if (!hdr_ctx && !hdr_exc && p->offset < (uint64_t)o + need) {
			snprintf(exp, sizeof exp, ">= 0x%" PRIx64 " (after the triage header)", (uint64_t)o + need);
			HEX(found, p->offset);
			snprintf(field, sizeof field, "%sOffset", p->name);
			dk_finding_add(c->f, DK_SEV_ERROR, "triage.part_in_header", st, field, o, exp, found,
			               "triage part %s overlaps the headers", p->name);
		}
		for (size_t j = 0; j < i; j++) {
			const dk_triage_part *q = &parts[j];
			if (!q->offset || !p->size || !q->size)
				continue;
			if (p->offset < q->offset + q->size && q->offset < p->offset + p->size) {
				snprintf(exp, sizeof exp, "%s and %s disjoint", p->name, q->name);
				snprintf(found, sizeof found, "0x%" PRIx64 "+0x%" PRIx64 " and 0x%" PRIx64 "+0x%" PRIx64,
				         p->offset, p->size, q->offset, q->size);
				dk_finding_add(c->f, DK_SEV_ERROR, "triage.overlap", st, p->name, (int64_t)p->offset,
				               exp, found, "triage parts %s and %s overlap", p->name, q->name);
			}
		}
	}
	if (t->ndrivers < t->driver_count) {
		snprintf(exp, sizeof exp, "%u entries", t->driver_count);
		snprintf(found, sizeof found, "%zu entries inside the file", t->ndrivers);
		dk_finding_add(c->f, DK_SEV_ERROR, "triage.drivers_truncated", st, "DriverCount",
		               o + 0x34, exp, found, "the driver list runs past the end of the file");
	}
	uint32_t esize = c->is64 ? 0x90 : 0x4C;
	size_t bad_names = 0;
	for (size_t i = 0; i < t->ndrivers; i++) {
		const dk_triage_driver *dr = &t->drivers[i];
		if (dr->name_ok)
			continue;
		if (bad_names++ >= 5)
			continue;
		snprintf(field, sizeof field, "DriverList[%zu].DriverNameOffset", i);
		snprintf(exp, sizeof exp, "a string inside the pool 0x%x-0x%" PRIx64,
		         t->string_pool_offset, (uint64_t)t->string_pool_offset + t->string_pool_size);
		HEX(found, dr->name_offset);
		dk_finding_add(c->f, DK_SEV_ERROR, "triage.driver_name", st, field,
		               (int64_t)t->driver_list_offset + (int64_t)(i * esize), exp, found,
		               "driver %zu's name is not a valid string of the string pool", i);
	}
	if (bad_names > 5)
		dk_finding_add(c->f, DK_SEV_ERROR, "triage.driver_name", st, "DriverList", o + 0x30,
		               "", "", "%zu more driver names are outside the string pool",
		               bad_names - 5);
	for (size_t i = 0; i < t->nblocks; i++) {
		const dk_triage_block *b = &t->blocks[i];
		if ((uint64_t)b->offset + b->size > fsize || b->offset == 0) {
			snprintf(field, sizeof field, "DataBlocks[%zu].Offset", i);
			snprintf(exp, sizeof exp, "inside the file (size 0x%" PRIx64 ")", fsize);
			snprintf(found, sizeof found, "0x%x+0x%x", b->offset, b->size);
			dk_finding_add(c->f, DK_SEV_ERROR, "triage.block_outside", st, field,
			               (int64_t)t->data_blocks_offset + (int64_t)i * (c->is64 ? 16 : 12),
			               exp, found, "data block %zu lies outside the file", i);
		}
	}
	if (t->debugger_data_offset && t->debugger_data_size >= 0x18 &&
	    (uint64_t)t->debugger_data_offset + 0x18 <= fsize) {
		uint8_t tag[4];
		if (dk_input_read_some(&c->d->in, t->debugger_data_offset + 0x10, tag, 4) == 4 &&
		    dk_le32(tag) != DK_TAG('K', 'D', 'B', 'G')) {
			HEX(found, dk_le32(tag));
			dk_finding_add(c->f, DK_SEV_WARNING, "triage.kdbg_tag", "KDDEBUGGER_DATA64",
			               "Header.OwnerTag", (int64_t)t->debugger_data_offset + 0x10,
			               "\"KDBG\"", found, "the debugger data copy has no KDBG tag");
		}
	}
}

static void deep_read(ck *c, dk_check_stats *stats)
{
	const dk_physmem *pm = dk_kdump_physmem(c->d);
	if (!pm)
		return;
	enum { BATCH = 256 };
	uint8_t *buf = malloc((size_t)BATCH * DK_PAGE_SIZE);
	if (!buf)
		return;
	dk_run r;
	uint64_t p = 0, bad_first = UINT64_MAX;
	dk_error e;
	while (dk_physmem_next_run(pm, p, &r)) {
		uint64_t pfn = r.base_pfn, left = r.count;
		while (left) {
			uint64_t n = left < BATCH ? left : BATCH;
			if (pm->ops->read_pages(pm->ctx, pfn, n, buf, &e) != DK_OK) {
				if (bad_first == UINT64_MAX)
					bad_first = pfn;
				stats->pages_unreadable += n;
			} else {
				stats->pages_read += n;
				stats->bytes_read += n * DK_PAGE_SIZE;
				for (uint64_t i = 0; i < n; i++) {
					const uint8_t *pg = buf + i * DK_PAGE_SIZE;
					uint64_t w0;
					memcpy(&w0, pg, 8);
					if (w0 != 0 && w0 != 0xDEADFEEDDEADFEEDull)
						continue;
					if (memcmp(pg, pg + 8, DK_PAGE_SIZE - 8) != 0)
						continue;
					if (w0 == 0)
						stats->pages_zero++;
					else
						stats->pages_deadfeed++;
				}
			}
			pfn += n;
			left -= n;
		}
		p = r.base_pfn + r.count;
	}
	free(buf);
	char found[96];
	if (stats->pages_unreadable) {
		snprintf(found, sizeof found, "%" PRIu64 " unreadable pages", stats->pages_unreadable);
		dk_finding_add(c->f, DK_SEV_ERROR, "deep.unreadable", "file", "page data", -1,
		               "every page readable", found,
		               "reading pages failed, first at physical 0x%" PRIx64 ": %s",
		               bad_first * DK_PAGE_SIZE, e.message);
	}
	if (stats->pages_deadfeed) {
		snprintf(found, sizeof found, "%" PRIu64 " pages", stats->pages_deadfeed);
		dk_finding_add(c->f, DK_SEV_WARNING, "deep.deadfeed", "file", "page data", -1,
		               "real memory contents", found,
		               "pages filled with 0xDEADFEED: the dump writer could not read them");
	}
}

dk_status dk_kdump_check(dk_kdump *d, unsigned flags, dk_findings *out, dk_check_stats *stats,
                         dk_error *err)
{
	(void)err;
	ck c = { d, out, &d->sum, d->hdr_desc->name, d->sum.bits == 64 };
	dk_check_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	check_basics(&c);
	check_runs(&c);
	check_bitmap(&c);
	check_rdmp(&c);
	check_truncation(&c);
	check_required_space(&c);
	check_dtb(&c);
	check_address(&c, "KdDebuggerDataBlock", true);
	check_address(&c, "PsLoadedModuleList", true);
	check_address(&c, "PsActiveProcessHead", true);
	check_address(&c, "PfnDataBase", false);
	check_context(&c);
	check_exception(&c);
	check_triage(&c);
	if (flags & DK_CHECK_DEEP)
		deep_read(&c, stats);
	return DK_OK;
}

dk_status dk_check_file(const char *path, unsigned flags, dk_findings *out,
                        dk_check_stats *stats, dk_error *err)
{
	dk_kdump *d;
	dk_error e;
	dk_status st;
	if (dk_minidump_check_path(path, flags, out, &st, err)) /* "MDMP" */
		return st;
	st = dk_kdump_open(path, &d, &e);
	if (st == DK_E_FORMAT || st == DK_E_TRUNCATED) {
		dk_finding_add(out, DK_SEV_ERROR, "signature", "DUMP_HEADER", "Signature", 0,
		               "\"PAGEDUMP\" or \"PAGEDU64\"", "", "%s", e.message);
		return DK_OK;
	}
	if (st != DK_OK) {
		if (err)
			*err = e;
		return st;
	}
	st = dk_kdump_check(d, flags, out, stats, err);
	dk_kdump_close(d);
	return st;
}
