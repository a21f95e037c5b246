/* dmpkit — the dump header of a conversion: where it comes from, and its
 * verification and repair against the image.
 *
 * Header offsets: lib/layouts.c (DUMP_HEADER32/64, team notes
 * kernel-dump-format.md §1).  What QEMU's win-dmp writer patches (team
 * notes input-formats.md §2.3: qemu dump/win_dump.c): KdDebuggerDataBlock
 * retried from BugcheckParameter1, PfnDataBase from KDBG MmPfnDatabase,
 * BugcheckData from KiBugcheckData, RequiredDumpSpace.  KUSER_SHARED_DATA
 * (0xFFFFF78000000000 x64, 0xFFDF0000 x86): InterruptTime at +0x08 and
 * SystemTime at +0x14 (KSYSTEM_TIME {LowPart, High1Time, High2Time}),
 * ntddk.h.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/kdbg.h>
#include <dmpkit/kdump.h>
#include <dmpkit/kernel.h>

#include "convert_internal.h"
#include "image_internal.h"
#include "layouts.h"

const char *dk_header_source_name(dk_header_source s)
{
	switch (s) {
	case DK_HDR_FILE: return "header file";
	case DK_HDR_DUMP_FILE: return "existing dump";
	case DK_HDR_VMCOREINFO: return "VMCOREINFO note";
	case DK_HDR_AT: return "image memory";
	case DK_HDR_IMAGE_DUMP: return "input dump";
	case DK_HDR_SYNTH: return "synthesized";
	default: return "none";
	}
}

void dk_convert_report_free(dk_convert_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->npatches; i++)
		free(rep->patches[i].bytes);
	free(rep->patches);
	rep->patches = NULL;
	rep->npatches = 0;
	free(rep->findings);
	rep->findings = NULL;
	rep->count = 0;
}

typedef struct hctx {
	dk_image *img;
	const dk_physmem *pm;
	const dk_convert_options *o;
	dk_convert_report *rep;
	uint8_t *h;
	size_t len;
	unsigned bits;
	const dk_struct_desc *desc;
	bool given;              /* the header came from the user or the guest */
	/* the kernel's address space under the header's current paging mode and
	 * DirectoryTableBase (hvas), remade when either changes */
	dk_vas *vas;
	dk_paging vas_mode;
	uint64_t vas_dtb;
} hctx;

static void finding(dk_convert_report *rep, dk_finding_kind kind, const char *field, bool vals,
                    uint64_t old, uint64_t nv, const char *fmt, ...) DK_PRINTF(7, 8);
static void finding(dk_convert_report *rep, dk_finding_kind kind, const char *field, bool vals,
                    uint64_t old, uint64_t nv, const char *fmt, ...)
{
	if (rep->count >= 256)
		return;
	dk_conv_finding *v = realloc(rep->findings, (rep->count + 1) * sizeof *v);
	if (!v)
		return;
	rep->findings = v;
	dk_conv_finding *f = &v[rep->count++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	dk_strlcpy(f->field, field ? field : "", sizeof f->field);
	f->has_values = vals;
	f->old_value = old;
	f->new_value = nv;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
	if (kind == DK_CONV_REPAIR)
		rep->repairs++;
}

static const dk_field *hfield(const hctx *c, const char *name)
{
	return dk_struct_field(c->desc, name);
}

static uint64_t hget(const hctx *c, const char *name)
{
	const dk_field *f = hfield(c, name);
	return f ? dk_getn(c->h, c->len, f->offset, f->size) : 0;
}

static bool hfill(const hctx *c, const char *name)
{
	const dk_field *f = hfield(c, name);
	return f && dk_is_page_fill(c->h, c->len, f->offset);
}

/* Stores v little-endian into the field `name` of structure d at base. */
static void put_named(const dk_struct_desc *d, uint8_t *base, const char *name, uint64_t v)
{
	const dk_field *f = dk_struct_field(d, name);
	if (!f)
		return;
	for (uint32_t i = 0; i < f->size && i < 8; i++)
		base[f->offset + i] = (uint8_t)(v >> (8 * i));
}

static void hput(hctx *c, const char *name, uint64_t v)
{
	put_named(c->desc, c->h, name, v);
}

/* Sets a field; a changed value that was set before is a repair (of a given
 * header) and otherwise a fill-in. */
static void hset(hctx *c, const char *name, uint64_t v, const char *why)
{
	uint64_t old = hget(c, name);
	const dk_field *f = hfield(c, name);
	if (!f)
		return;
	uint64_t mask = f->size >= 8 ? UINT64_MAX : (1ull << (8 * f->size)) - 1;
	v &= mask;
	bool was_set = !hfill(c, name);
	if (old == v && was_set && c->given)
		return; /* verified as given */
	hput(c, name, v);
	if (c->given && was_set && old != 0)
		finding(c->rep, DK_CONV_REPAIR, name, true, old, v, "%s: 0x%" PRIx64 " -> 0x%" PRIx64
		        " (%s)", name, old, v, why);
	else
		finding(c->rep, DK_CONV_SET, name, true, old, v, "%s = 0x%" PRIx64 " (%s)", name, v,
		        why);
}

/* ---- where the header comes from ---- */

static bool header_sig(const uint8_t *p, size_t n, unsigned *bits)
{
	if (n < 8 || memcmp(p, "PAGE", 4) != 0)
		return false;
	if (memcmp(p + 4, "DU64", 4) == 0) {
		*bits = 64;
		return n >= DK_HEADER64_SIZE;
	}
	if (memcmp(p + 4, "DUMP", 4) == 0) {
		*bits = 32;
		return n >= DK_HEADER32_SIZE;
	}
	return false;
}

static dk_status header_from_file(hctx *c, const char *path, dk_error *err)
{
	dk_input in;
	dk_status st = dk_input_open(&in, path, err);
	if (st != DK_OK)
		return st;
	uint8_t buf[0x2000];
	size_t n = dk_input_read_some(&in, 0, buf, sizeof buf);
	unsigned bits = 0;
	if (!header_sig(buf, n, &bits)) {
		bool text = n >= 8;
		for (size_t i = 0; i < 8 && i < n; i++)
			text = text && buf[i] >= 0x20 && buf[i] <= 0x7E;
		if (text)
			dk_set_error(err, DK_E_FORMAT,
			             "%s: not a dump header: expected \"PAGEDU64\" (0x2000 bytes) or "
			             "\"PAGEDUMP\" (0x1000 bytes) at offset 0, found \"%.8s\" and %zu bytes",
			             path, (const char *)buf, n);
		else
			dk_set_error(err, DK_E_FORMAT,
			             "%s: not a dump header: expected \"PAGEDU64\" (0x2000 bytes) or "
			             "\"PAGEDUMP\" (0x1000 bytes) at offset 0, found %zu bytes starting "
			             "%02x %02x %02x %02x",
			             path, n, n > 0 ? buf[0] : 0, n > 1 ? buf[1] : 0, n > 2 ? buf[2] : 0,
			             n > 3 ? buf[3] : 0);
		dk_input_close(&in);
		return DK_E_FORMAT;
	}
	c->bits = bits;
	c->len = bits == 64 ? DK_HEADER64_SIZE : DK_HEADER32_SIZE;
	memcpy(c->h, buf, c->len);
	bool dump = in.size > c->len;
	c->rep->source = dump ? DK_HDR_DUMP_FILE : DK_HDR_FILE;
	snprintf(c->rep->source_detail, sizeof c->rep->source_detail, "%s (%s, %s)", path,
	         bits == 64 ? "PAGEDU64" : "PAGEDUMP",
	         dump ? "the header of an existing dump" : "a captured header buffer");
	dk_input_close(&in);
	return DK_OK;
}

static bool header_from_memory(hctx *c, uint64_t pa, dk_error *err)
{
	uint8_t buf[0x2000];
	dk_status st = dk_physmem_read(c->pm, pa, buf, 8, err);
	if (st != DK_OK)
		return false;
	size_t want = memcmp(buf + 4, "DU64", 4) == 0 ? 0x2000 : 0x1000;
	if (dk_physmem_read(c->pm, pa, buf, want, err) != DK_OK)
		return false;
	unsigned bits;
	if (!header_sig(buf, want, &bits)) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: physical 0x%" PRIx64 " holds no dump header: expected \"PAGEDU64\" "
		             "or \"PAGEDUMP\", found %02x %02x %02x %02x %02x %02x %02x %02x",
		             c->img->in.name, pa, buf[0], buf[1], buf[2], buf[3], buf[4], buf[5],
		             buf[6], buf[7]);
		return false;
	}
	c->bits = bits;
	c->len = want;
	memcpy(c->h, buf, want);
	return true;
}

static void page_fill(uint8_t *h, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i += 4)
		memcpy(h + i, "PAGE", 4);
}

/* ---- the kernel seen through a candidate header ---- */

typedef struct kinfo {
	bool ok;               /* KDBG found at a known address and modules listed */
	bool kdbg_at_header;   /* at the header's KdDebuggerDataBlock */
	dk_kdbg kdbg;
	uint64_t kern_base;
	size_t nmodules;
	uint64_t system_dtb;
	unsigned ncpus;
	uint8_t ctx0[0x4D0];     /* CPU 0's CONTEXT from its PRCB */
	size_t ctx0_len;
	uint64_t ctx0_va;
	char first_module[64];
	char notes[512];
} kinfo;

static void probe_kernel(hctx *c, kinfo *ki)
{
	memset(ki, 0, sizeof *ki);
	/* the overlay must not see a bitmap/triage layout */
	uint8_t *tmp = malloc(c->len);
	if (!tmp)
		return;
	memcpy(tmp, c->h, c->len);
	hctx t = *c;
	t.h = tmp;
	hput(&t, "DumpType", DK_DUMP_FULL);
	hput(&t, "PhysicalMemoryBlock.NumberOfRuns", 0);
	dk_kdump *d = NULL;
	dk_kernel *k = NULL;
	dk_error e;
	if (dk_kdump_open_overlay(tmp, c->len, c->pm, c->img->in.name, &d, &e) != DK_OK)
		goto out;
	if (dk_kernel_open_ex(d, DK_KERNEL_NO_PHYSICAL_SCAN, &k, &e) != DK_OK)
		goto out;
	const dk_kdbg *kd = dk_kernel_kdbg(k);
	if (!kd || !kd->va || !dk_kernel_vas(k))
		goto out;
	ki->kdbg = *kd;
	ki->kdbg_at_header = kd->source == DK_KDBG_FROM_HEADER;
	uint64_t v;
	if (dk_kdbg_get(kd, "KernBase", &v))
		ki->kern_base = v;
	dk_kmodule *mods = NULL;
	size_t nm = 0;
	dk_walk_status ws;
	if (dk_kernel_modules(k, &mods, &nm, &ws, &e) == DK_OK && nm > 0) {
		ki->nmodules = nm;
		dk_strlcpy(ki->first_module, mods[0].name, sizeof ki->first_module);
	}
	free(mods);
	dk_kprocess *procs = NULL;
	size_t np = 0;
	if (dk_kernel_processes(k, &procs, &np, &ws, &e) == DK_OK && np > 0) {
		size_t sys = 0;
		for (size_t i = 0; i < np; i++)
			if (procs[i].pid == 4 || procs[i].pid == 8) {
				sys = i;
				break;
			}
		ki->system_dtb = procs[sys].dtb;
	}
	free(procs);
	/* processors: the non-empty leading entries of KiProcessorBlock (the
	 * kernel layer's own count trusts the header) */
	uint64_t kpb;
	if (dk_kdbg_get(kd, "KiProcessorBlock", &kpb) && kpb) {
		unsigned ptr = c->bits / 8;
		if (c->bits == 32)
			kpb &= 0xFFFFFFFFu;
		for (unsigned i = 0; i < 256; i++) {
			uint8_t b[8] = { 0 };
			if (dk_kernel_read(k, kpb + (uint64_t)i * ptr, b, ptr, &e) != DK_OK)
				break;
			uint64_t p = ptr == 8 ? dk_le64(b) : dk_le32(b);
			if (!p)
				break;
			ki->ncpus = i + 1;
		}
	}
	/* CPU 0's saved CONTEXT (KPRCB.Context, else ProcessorState.ContextFrame) */
	dk_kcpu *cpus = NULL;
	size_t nc = 0;
	if (dk_kernel_cpus(k, &cpus, &nc, &e) == DK_OK && nc > 0) {
		uint64_t va = cpus[0].context ? cpus[0].context : cpus[0].state_context;
		size_t n = c->bits == 64 ? 0x4D0 : 0x2CC;
		if (va && dk_kernel_read(k, va, ki->ctx0, n, &e) == DK_OK) {
			ki->ctx0_len = n;
			ki->ctx0_va = va;
		}
	}
	free(cpus);
	dk_strlcpy(ki->notes, dk_kernel_notes(k), sizeof ki->notes);
	ki->ok = ki->nmodules > 0;
out:
	dk_kernel_close(k);
	dk_kdump_close(d);
	free(tmp);
}

static void set_bits(hctx *c, unsigned bits)
{
	c->bits = bits;
	c->len = bits == 64 ? DK_HEADER64_SIZE : DK_HEADER32_SIZE;
	c->desc = bits == 64 ? &dk_header64 : &dk_header32;
}

static void put_dtb_mode(hctx *c, dk_paging mode, uint64_t dtb)
{
	hput(c, "DirectoryTableBase", dtb);
	if (c->bits == 32)
		c->h[0x5C] = mode == DK_PAGING_PAE ? 1 : 0;
}

/* A fresh header for `bits` (PAGE fill, signature, machine type). */
static void fresh_header(hctx *c, unsigned bits)
{
	set_bits(c, bits);
	page_fill(c->h, 0x2000);
	memcpy(c->h, bits == 64 ? "PAGEDU64" : "PAGEDUMP", 8);
	hput(c, "MajorVersion", 0xF);
	hput(c, "MachineImageType", bits == 64 ? 0x8664 : 0x14C);
	hput(c, "NumberProcessors", 1);
	hput(c, "BugCheckCode", 0);
	for (int i = 1; i <= 4; i++) {
		char n[32];
		snprintf(n, sizeof n, "BugCheckParameter%d", i);
		hput(c, n, 0);
	}
	/* context and exception records start zeroed */
	const dk_field *ctx = hfield(c, "ContextRecord"), *exc = hfield(c, "Exception");
	memset(c->h + ctx->offset, 0, ctx->size);
	memset(c->h + exc->offset, 0, exc->size);
	if (bits == 32)
		c->h[0x5C] = 0;
}

/* Tries DTB candidates (CPU state, then a scan) until the kernel appears. */
static bool find_kernel(hctx *c, kinfo *ki, bool bits_known)
{
	uint64_t orig_dtb = hget(c, "DirectoryTableBase");
	uint8_t orig_pae = c->bits == 32 ? c->h[0x5C] : 0;
	/* 1. the vCPUs' CR3 */
	for (size_t i = 0; i < dk_image_cpu_count(c->img); i++) {
		const dk_image_cpu *cpu = dk_image_cpu_state(c->img, i);
		if (!(cpu->have & DK_CPU_HAVE_CR3) || !cpu->cr3)
			continue;
		bool lma = (cpu->have & DK_CPU_HAVE_EFER) ? (cpu->efer & 0x400) != 0 : cpu->bits == 64;
		bool pae = (cpu->have & DK_CPU_HAVE_CRS) ? (cpu->cr4 & 0x20) != 0 : true;
		unsigned bits = lma ? 64 : 32;
		if (bits_known && bits != c->bits)
			continue;
		if (!bits_known)
			fresh_header(c, bits);
		dk_paging mode = bits == 64 ? DK_PAGING_X64 : pae ? DK_PAGING_PAE : DK_PAGING_X86;
		uint64_t dtb = bits == 64 ? cpu->cr3 & 0x000FFFFFFFFFF000ull : cpu->cr3 & 0xFFFFFFE0u;
		put_dtb_mode(c, mode, dtb);
		probe_kernel(c, ki);
		if (ki->ok) {
			finding(c->rep, DK_CONV_INFO, "DirectoryTableBase", true, orig_dtb, dtb,
			        "the kernel was found through vCPU %zu's CR3 0x%" PRIx64, i, cpu->cr3);
			return true;
		}
	}
	/* a guest that registered a Linux VMCOREINFO (QEMU -device vmcoreinfo,
	 * kdump notes) runs Linux: no Windows kernel to search the image for */
	size_t vlen = 0;
	const uint8_t *vi = dk_image_vmcoreinfo(c->img, &vlen);
	if (vi && vlen >= 10) {
		for (size_t i = 0; i + 10 <= vlen && i < 4096; i++)
			if (memcmp(vi + i, "OSRELEASE=", 10) == 0) {
				char rel[48] = "";
				size_t j = i + 10, k = 0;
				while (j < vlen && vi[j] != '\n' && k + 1 < sizeof rel)
					rel[k++] = vi[j] >= 0x20 && vi[j] < 0x7F ? (char)vi[j] : '?', j++;
				rel[k] = 0;
				finding(c->rep, DK_CONV_INFO, "", false, 0, 0,
				        "the image's VMCOREINFO note is Linux's (OSRELEASE=%s): no Windows "
				        "kernel was searched for", rel);
				goto none;
			}
	}
	/* 2. page-table roots found by their self-map, in growing windows of
	 * physical memory: Windows allocates the System process's tables and
	 * loads the kernel early, low in memory, so a Windows image is usually
	 * proven after the first window; an image without Windows is read
	 * once in full */
	static const uint64_t stages[] = { 1u << 14, 1u << 18, 1u << 20, 1u << 22 };
	dk_kscan *s = calloc(1, sizeof *s);
	if (!s)
		return false;
	dk_error e;
	uint64_t from = 0;
	size_t pae_done = 0;
	bool found = false;
	dk_paging found_mode = DK_PAGING_NONE;
	uint64_t found_dtb = 0;
	for (size_t st = 0; st < sizeof stages / sizeof stages[0] && !found; st++) {
		uint64_t to = stages[st];
		if (st + 1 == sizeof stages / sizeof stages[0] || to > c->pm->end_pfn)
			to = c->pm->end_pfn > to ? to : c->pm->end_pfn;
		if (from >= to && st > 0)
			break;
		size_t ndtb0 = s->ndtb, nmz0 = s->nmz;
		if (dk_kscan_run(c->pm, from, to, s, &e) != DK_OK)
			break;
		for (; pae_done < s->npae && s->ndtb < DK_KSCAN_MAX_DTB; pae_done++) {
			uint64_t dtb;
			if (dk_kscan_find_pdpt(c->pm, s->pae_pds[pae_done], to, &dtb))
				s->dtb[s->ndtb].mode = DK_PAGING_PAE, s->dtb[s->ndtb++].dtb = dtb;
		}
		from = to;
		/* new roots, or new kernel images for the old roots */
		size_t first = s->nmz > nmz0 ? 0 : ndtb0;
		for (size_t i = first; i < s->ndtb && !found; i++) {
			dk_paging mode = s->dtb[i].mode;
			unsigned bits = mode == DK_PAGING_X64 ? 64 : 32;
			if (bits_known && bits != c->bits)
				continue;
			if (!bits_known)
				fresh_header(c, bits);
			put_dtb_mode(c, mode, s->dtb[i].dtb);
			probe_kernel(c, ki);
			if (!ki->ok) {
				/* anchors unknown: find the kernel image and its KDBG */
				uint16_t want = bits == 64 ? 0x8664 : 0x14C;
				uint64_t pas[DK_KSCAN_MAX_MZ], vas[DK_KSCAN_MAX_MZ];
				size_t n = 0;
				for (size_t m = 0; m < s->nmz; m++)
					if (s->mz[m].machine == want)
						pas[n++] = s->mz[m].pa;
				if (!n)
					continue;
				dk_kscan_reverse(c->pm, mode, s->dtb[i].dtb, pas, n, vas);
				dk_vas *vas_ = NULL;
				if (dk_vas_create(c->pm, mode, s->dtb[i].dtb, &vas_, &e) != DK_OK)
					continue;
				for (size_t m = 0; m < n && !ki->ok; m++) {
					if (!vas[m])
						continue;
					dk_kdbg kd;
					bool got = dk_kdbg_scan_image(vas_, vas[m], bits, &kd) ||
					           (bits == 64 && dk_kdbg_find_encoded(vas_, vas[m], &kd));
					if (!got)
						continue;
					hput(c, "KdDebuggerDataBlock", kd.va);
					probe_kernel(c, ki);
					if (ki->ok && kd.was_encoded)
						ki->kdbg = kd; /* keep the keys */
				}
				dk_vas_free(vas_);
			}
			if (ki->ok) {
				found = true;
				found_mode = mode;
				found_dtb = s->dtb[i].dtb;
			}
		}
	}
	finding(c->rep, DK_CONV_INFO, "", false, 0, 0,
	        "searched %" PRIu64 " of %" PRIu64 " pages for Windows: %zu page-table roots with a "
	        "self-map, %zu native PE images", s->scanned, c->pm->present_pages, s->ndtb, s->nmz);
	free(s);
	if (found) {
		finding(c->rep, DK_CONV_INFO, "DirectoryTableBase", true, orig_dtb, found_dtb,
		        "the kernel was found through the %s page-table root at 0x%" PRIx64
		        " (found by its self-map)", dk_paging_name(found_mode), found_dtb);
		return true;
	}
none:
	hput(c, "DirectoryTableBase", orig_dtb);
	if (c->bits == 32)
		c->h[0x5C] = orig_pae;
	return false;
}

static dk_paging header_mode(const hctx *c)
{
	if (c->bits == 64)
		return hget(c, "MachineImageType") == 0xAA64 ? DK_PAGING_ARM64 : DK_PAGING_X64;
	return c->h[0x5C] ? DK_PAGING_PAE : DK_PAGING_X86;
}

/* The address space the header describes, NULL when it cannot be made. */
static dk_vas *hvas(hctx *c)
{
	dk_paging mode = header_mode(c);
	uint64_t dtb = hget(c, "DirectoryTableBase");
	if (mode == DK_PAGING_X64)
		dtb &= ~0xFFFull; /* PCID bits */
	if (c->vas && c->vas_mode == mode && c->vas_dtb == dtb)
		return c->vas;
	dk_vas_free(c->vas);
	c->vas = NULL;
	dk_error e;
	if (dk_vas_create(c->pm, mode, dtb, &c->vas, &e) != DK_OK)
		return NULL;
	c->vas_mode = mode;
	c->vas_dtb = dtb;
	return c->vas;
}

/* Reads kernel memory through the header's address space (a 32-bit
 * header's addresses are the low 32 bits of KDBG's sign-extended ones). */
static bool hread(hctx *c, uint64_t va, void *buf, size_t len)
{
	dk_vas *v = hvas(c);
	dk_error e;
	if (c->bits == 32)
		va &= 0xFFFFFFFFu;
	return v && dk_vas_read(v, va, buf, len, &e) == DK_OK;
}

/* Reads a kernel global whose address the KDBG holds. */
static bool kdbg_global(hctx *c, const kinfo *ki, const char *field, unsigned size,
                        uint64_t *out)
{
	uint64_t addr;
	if (!dk_kdbg_get(&ki->kdbg, field, &addr) || !addr)
		return false;
	uint8_t b[8] = { 0 };
	if (!hread(c, addr, b, size))
		return false;
	*out = size == 8 ? dk_le64(b) : size == 4 ? dk_le32(b) : size == 2 ? dk_le16(b) : b[0];
	return true;
}

/* An encoded KDBG is written decoded: one patch per page it spans. */
static void add_kdbg_patch(hctx *c, const kinfo *ki)
{
	if (!ki->kdbg.was_encoded || !ki->kdbg.len)
		return;
	dk_vas *v = hvas(c);
	if (!v)
		return;
	size_t done = 0;
	while (done < ki->kdbg.len) {
		uint64_t va = ki->kdbg.va + done;
		size_t n = 4096 - (size_t)(va & 0xFFF);
		if (n > ki->kdbg.len - done)
			n = ki->kdbg.len - done;
		dk_xlate x;
		dk_vas_translate(v, va, &x);
		if (x.state != DK_XL_VALID)
			break;
		dk_conv_patch *p = realloc(c->rep->patches, (c->rep->npatches + 1) * sizeof *p);
		if (!p)
			break;
		c->rep->patches = p;
		uint8_t *b = malloc(n);
		if (!b)
			break;
		memcpy(b, ki->kdbg.data + done, n);
		p[c->rep->npatches].pa = x.pa;
		p[c->rep->npatches].bytes = b;
		p[c->rep->npatches].len = n;
		c->rep->npatches++;
		done += n;
	}
	if (done == ki->kdbg.len)
		finding(c->rep, DK_CONV_SET, "", false, 0, 0,
		        "the KDBG block at 0x%" PRIx64 " is encoded in the image (KdpDataBlockEncoded "
		        "set); the output holds it decoded (%zu bytes), so the debugger finds its tag",
		        ki->kdbg.va, ki->kdbg.len);
}

/* Fill in / repair every field the kernel can prove. */
static void apply_kernel(hctx *c, kinfo *ki)
{
	uint64_t v;
	add_kdbg_patch(c, ki);
	hset(c, "KdDebuggerDataBlock", ki->kdbg.va,
	     ki->kdbg.was_encoded ? "the KDBG block (stored encoded; the output holds it decoded)"
	                          : "the address of the block tagged KDBG");
	if (dk_kdbg_get(&ki->kdbg, "PsLoadedModuleList", &v))
		hset(c, "PsLoadedModuleList", v, "KDBG.PsLoadedModuleList");
	if (dk_kdbg_get(&ki->kdbg, "PsActiveProcessHead", &v))
		hset(c, "PsActiveProcessHead", v, "KDBG.PsActiveProcessHead");
	/* kernel-written dumps hold the value of nt!MmPfnDatabase, converters
	 * (QEMU, Volatility raw2dmp) its address, KDBG.MmPfnDatabase; the
	 * debugger opens both (kernel-dump-format.md §1.6): either is kept */
	uint64_t addr = 0;
	if (kdbg_global(c, ki, "MmPfnDatabase", c->bits / 8, &v) &&
	    dk_kdbg_get(&ki->kdbg, "MmPfnDatabase", &addr)) {
		uint64_t cur = hget(c, "PfnDataBase");
		uint64_t m = c->bits == 64 ? UINT64_MAX : 0xFFFFFFFFu;
		if (hfill(c, "PfnDataBase") || (cur != (v & m) && cur != (addr & m)))
			hset(c, "PfnDataBase", v, "the value of nt!MmPfnDatabase (KDBG.MmPfnDatabase)");
	}
	if (!c->given)
		hset(c, "DirectoryTableBase", hget(c, "DirectoryTableBase"),
		     "the page-table root that translates the kernel");
	if (ki->system_dtb) {
		uint64_t cur = hget(c, "DirectoryTableBase");
		uint64_t mask = c->bits == 64 ? ~0xFFFull : (c->h[0x5C] ? ~0x1Full : ~0xFFFull);
		if ((cur & mask) != (ki->system_dtb & mask))
			hset(c, "DirectoryTableBase", ki->system_dtb,
			     "the System process's DirectoryTableBase (KPROCESS)");
	}
	if (ki->ncpus && ki->ncpus != hget(c, "NumberProcessors"))
		hset(c, "NumberProcessors", ki->ncpus, "non-empty KiProcessorBlock entries");
	uint64_t lab;
	if (dk_kdbg_get(&ki->kdbg, "NtBuildLab", &lab) && lab) {
		char s[32] = { 0 };
		if (hread(c, lab, s, sizeof s - 1)) {
			unsigned long build = strtoul(s, NULL, 10);
			if (build >= 1000 && build < 100000 && build != hget(c, "MinorVersion"))
				hset(c, "MinorVersion", build, "the build number of NtBuildLab");
		}
	}
}

/* KUSER_SHARED_DATA times for a synthesized header. */
static void apply_times(hctx *c)
{
	uint64_t usd = c->bits == 64 ? 0xFFFFF78000000000ull : 0xFFDF0000u;
	uint8_t b[0x20];
	if (!hread(c, usd, b, sizeof b))
		return;
	uint64_t it = (uint64_t)dk_le32(b + 0x08) | (uint64_t)dk_le32(b + 0x0C) << 32;
	uint64_t st = (uint64_t)dk_le32(b + 0x14) | (uint64_t)dk_le32(b + 0x18) << 32;
	if (st && hfill(c, "SystemTime"))
		hset(c, "SystemTime", st, "KUSER_SHARED_DATA.SystemTime at capture");
	if (it && hfill(c, "SystemUpTime"))
		hset(c, "SystemUpTime", it, "KUSER_SHARED_DATA.InterruptTime at capture");
}

/* The CONTEXT of vCPU 0 from the image's CPU state, else the one CPU 0's
 * PRCB holds. */
static void apply_context(hctx *c, const kinfo *ki)
{
	const dk_image_cpu *cpu = dk_image_cpu_state(c->img, 0);
	if (!cpu || !(cpu->have & DK_CPU_HAVE_GPRS)) {
		const dk_field *f = hfield(c, "ContextRecord");
		if (c->rep->source == DK_HDR_SYNTH && ki->ctx0_len && ki->ctx0_len <= f->size) {
			memcpy(c->h + f->offset, ki->ctx0, ki->ctx0_len);
			finding(c->rep, DK_CONV_SET, "ContextRecord", true, 0, ki->ctx0_va,
			        "ContextRecord: CPU 0's CONTEXT saved in its PRCB at 0x%" PRIx64
			        " (the image records no vCPU registers)", ki->ctx0_va);
		}
		return;
	}
	const dk_field *ctxf = hfield(c, "ContextRecord");
	uint8_t *ctx = c->h + ctxf->offset;
	const dk_struct_desc *d;
	if (c->bits == 64 && hget(c, "MachineImageType") == 0x8664) {
		d = &dk_ctx_amd64;
		memset(ctx, 0, d->size);
		/* CONTEXT_AMD64 | CONTROL | INTEGER | SEGMENTS | FLOATING_POINT | DEBUG_REGISTERS,
		 * as QEMU writes it (the floating-point area stays zero) */
		put_named(d, ctx, "ContextFlags", 0x0010001Fu);
		static const char *const gpr[16] = { "Rax", "Rcx", "Rdx", "Rbx", "Rsp", "Rbp",
			                             "Rsi", "Rdi", "R8",  "R9",  "R10", "R11",
			                             "R12", "R13", "R14", "R15" };
		for (int i = 0; i < 16; i++)
			put_named(d, ctx, gpr[i], cpu->gpr[i]);
		put_named(d, ctx, "Rip", cpu->rip);
	} else if (c->bits == 32) {
		d = &dk_ctx_x86;
		memset(ctx, 0, d->size);
		/* CONTEXT_i386 | CONTROL | INTEGER | SEGMENTS */
		put_named(d, ctx, "ContextFlags", 0x00010007u);
		static const char *const gpr[8] = { "Eax", "Ecx", "Edx", "Ebx", "Esp", "Ebp", "Esi",
			                            "Edi" };
		for (int i = 0; i < 8; i++)
			put_named(d, ctx, gpr[i], cpu->gpr[i]);
		put_named(d, ctx, "Eip", cpu->rip);
	} else {
		return;
	}
	put_named(d, ctx, "SegCs", cpu->cs);
	put_named(d, ctx, "SegDs", cpu->ds);
	put_named(d, ctx, "SegEs", cpu->es);
	put_named(d, ctx, "SegFs", cpu->fs);
	put_named(d, ctx, "SegGs", cpu->gs);
	put_named(d, ctx, "SegSs", cpu->ss);
	put_named(d, ctx, "EFlags", cpu->rflags);
	finding(c->rep, DK_CONV_SET, "ContextRecord", true, 0, cpu->rip,
	        "ContextRecord: vCPU 0's registers as the image recorded them (rip 0x%" PRIx64 ")",
	        cpu->rip);
}

static void apply_bugcheck(hctx *c, const kinfo *ki)
{
	const dk_convert_options *o = c->o;
	if (o->bugcheck_set) {
		hset(c, "BugCheckCode", o->bugcheck_code, "--bugcheck");
		for (int i = 0; i < 4; i++) {
			char n[32];
			snprintf(n, sizeof n, "BugCheckParameter%d", i + 1);
			hset(c, n, o->bugcheck_params[i], "--bugcheck");
		}
		return;
	}
	uint64_t code = hget(c, "BugCheckCode");
	if (code && !hfill(c, "BugCheckCode"))
		return;
	/* a machine that was bugchecking has KiBugcheckData filled (QEMU reads it too) */
	if (ki && ki->ok) {
		uint64_t addr;
		if (dk_kdbg_get(&ki->kdbg, "KiBugcheckData", &addr) && addr) {
			unsigned ps = c->bits / 8;
			uint8_t b[40] = { 0 };
			if (hread(c, addr, b, 5 * ps)) {
				uint64_t kc = ps == 8 ? dk_le64(b) : dk_le32(b);
				if (kc && kc <= 0xFFFFFFFFu) {
					hset(c, "BugCheckCode", kc, "KiBugcheckData: the machine was bugchecking");
					for (unsigned i = 0; i < 4; i++) {
						char n[32];
						snprintf(n, sizeof n, "BugCheckParameter%u", i + 1);
						uint64_t p = ps == 8 ? dk_le64(b + 8 * (i + 1)) : dk_le32(b + 4 * (i + 1));
						hset(c, n, p, "KiBugcheckData");
					}
					return;
				}
			}
		}
	}
	hset(c, "BugCheckCode", DK_CONVERT_DEFAULT_BUGCHECK,
	     "no bugcheck recorded: MANUALLY_INITIATED_CRASH; set another with --bugcheck");
	finding(c->rep, DK_CONV_GUESS, "BugCheckCode", false, 0, 0,
	        "BugCheckCode 0xE2 (MANUALLY_INITIATED_CRASH) is a default, not what the machine "
	        "reported");
}

static void write_comment(hctx *c)
{
	char s[128];
	size_t n = 0;
	int w = snprintf(s, sizeof s, "%s%sdmpkit convert: %s hdr",
	                 c->o->comment ? c->o->comment : "", c->o->comment ? "; " : "",
	                 dk_header_source_name(c->rep->source));
	n = w < 0 ? 0 : (size_t)w < sizeof s ? (size_t)w : sizeof s - 1;
	const char *kinds[] = { "repaired", "set", "guessed" };
	dk_finding_kind kk[] = { DK_CONV_REPAIR, DK_CONV_SET, DK_CONV_GUESS };
	for (int k = 0; k < 3; k++) {
		bool first = true;
		for (size_t i = 0; i < c->rep->count; i++) {
			const dk_conv_finding *f = &c->rep->findings[i];
			if (f->kind != kk[k] || !f->field[0])
				continue;
			w = snprintf(s + n, sizeof s - n, "%s%s", first ? "; " : ",",
			             first ? kinds[k] : "");
			if (w > 0)
				n += (size_t)w < sizeof s - n ? (size_t)w : sizeof s - n - 1;
			if (first && n < sizeof s - 1) {
				s[n++] = ' ';
				s[n] = '\0';
			}
			first = false;
			w = snprintf(s + n, sizeof s - n, "%s", f->field);
			if (w > 0)
				n += (size_t)w < sizeof s - n ? (size_t)w : sizeof s - n - 1;
		}
	}
	if (!c->rep->kernel_found) {
		w = snprintf(s + n, sizeof s - n, "; kernel not verified");
		if (w > 0)
			n += (size_t)w < sizeof s - n ? (size_t)w : sizeof s - n - 1;
	}
	const dk_field *f = hfield(c, "Comment");
	memset(c->h + f->offset, 0, f->size);
	memcpy(c->h + f->offset, s, n < f->size ? n : f->size - 1);
}

dk_status dk_convert_header(dk_image *img, const dk_convert_options *opts, uint8_t hdr[0x2000],
                            size_t *len, dk_convert_report *rep, dk_error *err)
{
	static const dk_convert_options none;
	if (!opts)
		opts = &none;
	memset(rep, 0, sizeof *rep);
	hctx c = { .img = img, .pm = dk_image_physmem(img), .o = opts, .rep = rep, .h = hdr };
	memset(hdr, 0, 0x2000);
	dk_status st = DK_OK;
	size_t vlen = 0;
	const uint8_t *vmci = dk_image_vmcoreinfo(img, &vlen);
	unsigned vbits = 0;
	if (opts->header_file) {
		st = header_from_file(&c, opts->header_file, err);
		if (st != DK_OK)
			return st;
	} else if (opts->header_at_set) {
		if (!header_from_memory(&c, opts->header_at, err))
			return DK_E_FORMAT;
		rep->source = DK_HDR_AT;
		snprintf(rep->source_detail, sizeof rep->source_detail,
		         "physical address 0x%" PRIx64 " of the image (%s)", opts->header_at,
		         c.bits == 64 ? "PAGEDU64" : "PAGEDUMP");
	} else if (!opts->synthesize && vmci && header_sig(vmci, vlen, &vbits)) {
		c.bits = vbits;
		c.len = vbits == 64 ? DK_HEADER64_SIZE : DK_HEADER32_SIZE;
		memcpy(hdr, vmci, c.len);
		rep->source = DK_HDR_VMCOREINFO;
		snprintf(rep->source_detail, sizeof rep->source_detail,
		         "the image's VMCOREINFO note (%zu bytes, %s): a header the guest registered "
		         "(virtio-win fwcfg)", vlen, vbits == 64 ? "PAGEDU64" : "PAGEDUMP");
	} else if (!opts->synthesize && strcmp(dk_image_format(img), "windows-dump") == 0) {
		size_t avail = 0;
		const uint8_t *hb = dk_kdump_header_bytes(img->priv, &avail);
		const dk_kdump_summary *s = dk_kdump_get_summary(img->priv);
		c.bits = s->bits;
		c.len = s->header_size;
		memcpy(hdr, hb, avail < c.len ? avail : c.len);
		rep->source = DK_HDR_IMAGE_DUMP;
		snprintf(rep->source_detail, sizeof rep->source_detail, "the input dump's own header");
	} else if (opts->no_synthesize) {
		dk_set_error(err, DK_E_ARG,
		             "%s: no dump header: give --header FILE or --header-at PHYSADDR (the image "
		             "has no VMCOREINFO header)", img->in.name);
		return DK_E_ARG;
	} else {
		rep->source = DK_HDR_SYNTH;
		snprintf(rep->source_detail, sizeof rep->source_detail,
		         "synthesized from the kernel found in the image");
	}
	c.given = rep->source != DK_HDR_SYNTH;
	kinfo *ki = calloc(1, sizeof *ki);
	if (!ki) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	bool found = false;
	if (c.given) {
		set_bits(&c, c.bits);
		uint32_t mt = (uint32_t)hget(&c, "MachineImageType");
		if (c.bits == 64 && mt != 0x8664 && mt != 0xAA64)
			finding(rep, DK_CONV_WARNING, "MachineImageType", true, mt, mt,
			        "MachineImageType 0x%x is neither AMD64 (0x8664) nor ARM64 (0xAA64)", mt);
		probe_kernel(&c, ki);
		if (ki->ok && ki->kdbg_at_header) {
			found = true;
			finding(rep, DK_CONV_INFO, "DirectoryTableBase", false, 0, 0,
			        "verified: DirectoryTableBase 0x%" PRIx64 " translates KdDebuggerDataBlock "
			        "0x%" PRIx64 " to a block tagged KDBG%s, and PsLoadedModuleList lists %zu "
			        "modules (the first is %s)", hget(&c, "DirectoryTableBase"), ki->kdbg.va,
			        ki->kdbg.was_encoded ? " (encoded)" : "", ki->nmodules, ki->first_module);
		} else if (ki->ok) {
			found = true;
			finding(rep, DK_CONV_WARNING, "KdDebuggerDataBlock", false, 0, 0,
			        "KdDebuggerDataBlock 0x%" PRIx64 " holds no KDBG block; the block was "
			        "found at 0x%" PRIx64, hget(&c, "KdDebuggerDataBlock"), ki->kdbg.va);
		} else if (hget(&c, "MachineImageType") != 0xAA64) {
			uint64_t before = hget(&c, "DirectoryTableBase");
			uint8_t pae_before = c.bits == 32 ? hdr[0x5C] : 0;
			found = find_kernel(&c, ki, true);
			if (found) {
				uint64_t good = hget(&c, "DirectoryTableBase");
				uint8_t pae_good = c.bits == 32 ? hdr[0x5C] : 0;
				/* report the change as a repair of the given value */
				hput(&c, "DirectoryTableBase", before);
				hset(&c, "DirectoryTableBase", good,
				     "the given value does not translate KdDebuggerDataBlock to a KDBG "
				     "block; this one does");
				if (c.bits == 32 && pae_good != pae_before) {
					hdr[0x5C] = pae_before;
					hset(&c, "PaeEnabled", pae_good, "the paging mode that translates");
				}
			}
		}
	} else {
		fresh_header(&c, 64);
		found = find_kernel(&c, ki, false);
		if (!found) {
			/* nothing proven: a minimal header from the CPU state */
			const dk_image_cpu *cpu = dk_image_cpu_state(img, 0);
			unsigned bits = cpu && cpu->bits == 32 ? 32 : 64;
			fresh_header(&c, bits);
			if (cpu && (cpu->have & DK_CPU_HAVE_CR3)) {
				bool pae = (cpu->have & DK_CPU_HAVE_CRS) && (cpu->cr4 & 0x20);
				put_dtb_mode(&c, pae ? DK_PAGING_PAE : DK_PAGING_X86, cpu->cr3);
				finding(rep, DK_CONV_GUESS, "DirectoryTableBase", true, 0, cpu->cr3,
				        "DirectoryTableBase = vCPU 0's CR3 0x%" PRIx64 ", unverified",
				        cpu->cr3);
			} else {
				hput(&c, "DirectoryTableBase", 0);
				finding(rep, DK_CONV_WARNING, "DirectoryTableBase", false, 0, 0,
				        "DirectoryTableBase is unknown (0): the image records no vCPU "
				        "page-table base and no Windows page tables were found; give "
				        "--header or --header-at");
			}
		}
	}
	rep->kernel_found = found;
	rep->bits = c.bits;
	if (found) {
		apply_kernel(&c, ki);
		if (rep->source == DK_HDR_SYNTH)
			apply_times(&c);
		/* a captured header's context is from capture time (boot, for a
		 * KeInitializeCrashDumpHeader buffer): the vCPU registers the image
		 * recorded are the machine's state; a reused dump header keeps its
		 * crash context */
		if (rep->source != DK_HDR_DUMP_FILE && rep->source != DK_HDR_IMAGE_DUMP)
			apply_context(&c, ki);
	} else {
		finding(rep, DK_CONV_WARNING, "", false, 0, 0,
		        "no Windows kernel could be proven in the image (no DirectoryTableBase "
		        "translates to a KDBG block and a module list): the header's values are kept "
		        "unverified; the debugger may not be able to use the dump");
	}
	apply_bugcheck(&c, found ? ki : NULL);
	if (hfill(&c, "DumpType") || hget(&c, "DumpType") != DK_DUMP_FULL)
		hput(&c, "DumpType", DK_DUMP_FULL);
	if (c.given) {
		dk_run *runs = NULL;
		size_t nruns = 0;
		dk_error e;
		if (dk_dump_plan_runs(c.pm, opts->write.exclude, opts->write.nexclude, &runs, &nruns,
		                      &e) == DK_OK)
			dk_convert_compare_runs(hdr, c.len, runs, nruns, rep);
		free(runs);
	}
	write_comment(&c);
	*len = c.len;
	free(ki);
	dk_vas_free(c.vas);
	if (opts->no_repair && rep->repairs) {
		char list[256] = "";
		size_t n = 0;
		for (size_t i = 0; i < rep->count && n < sizeof list - 40; i++)
			if (rep->findings[i].kind == DK_CONV_REPAIR) {
				int w = snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "",
				                 rep->findings[i].field);
				if (w > 0)
					n += (size_t)w;
			}
		dk_set_error(err, DK_E_FORMAT,
		             "%s: the header needs %zu repair(s) (%s) and --no-repair was given",
		             img->in.name, rep->repairs, list);
		return DK_E_FORMAT;
	}
	return DK_OK;
}
