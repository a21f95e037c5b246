/* dmpkit — virtual address spaces over physical memory.
 *
 * Hardware walks (facts from the Intel SDM vol. 3A ch. 4 "Paging" and the
 * Arm ARM D8 "VMSAv8-64 translation", cross-checked with volatility3
 * framework/layers/intel.py and MemProcFS vmm/mm/mm_x86.c, mm_x86pae.c,
 * mm_x64.c, mm_arm64.c):
 *
 *   x86      CR3 & 0xFFFFF000 -> PD (1024 x u32, VA[31:22]) -> PT (VA[21:12]);
 *            PDE.PS (bit 7) maps 4 MiB: PA = PDE[31:22] | VA[21:0]
 *            (PSE-36 high bits are ignored, as volatility3 does).
 *   PAE      CR3 & 0xFFFFFFE0 -> PDPT (4 x u64, VA[31:30]) -> PD (VA[29:21])
 *            -> PT (VA[20:12]); PDE.PS maps 2 MiB.
 *   x64      CR3 & 0x000FFFFFFFFFF000 (PCID in bits 0-11 and the no-flush
 *            bit 63 masked) -> PML4 (VA[47:39]) -> PDPT (VA[38:30], PS: 1 GiB)
 *            -> PD (VA[29:21], PS: 2 MiB) -> PT (VA[20:12]).  Addresses must
 *            be canonical (bits 63:47 equal).  In a large-page entry bit 12
 *            is PAT, not an address bit, so it is masked.
 *   ARM64    4 KiB granule, 48-bit VA: L0 (VA[47:39]) -> L1 (VA[38:30]) ->
 *            L2 (VA[29:21]) -> L3 (VA[20:12]).  Descriptor bit 0 valid,
 *            bit 1 table (L0-L2) / page (L3); bit 1 clear at L1 and L2 is a
 *            block (1 GiB, 2 MiB); output address bits [47:12].  Windows
 *            on ARM64 points TTBR0 and TTBR1 at one table (user in the low
 *            L0 indices, kernel in the high), so the DTB is the root for
 *            both halves and the L0 index is VA[47:39] either way
 *            (MemProcFS mm_arm64.c walks it the same way).
 *
 * Windows software PTEs (entry with Valid = 0), from MemProcFS
 * vmm/mm/mm_win.c (MMWINX86_*, MMWINX86PAE_*, MMWINX64_* macros) and the
 * MMPTE_SOFTWARE / MMPTE_TRANSITION / MMPTE_PROTOTYPE layouts
 * (research notes analysis.md §3):
 *   transition  bit 11 set, bit 10 clear: the PFN is in the hardware bits,
 *               the page is in RAM (standby/modified list): readable.
 *   prototype   bit 10 set: x86 address 0x80000000 | ((pte >> 1) &
 *               0x7FFFFC00) | ((pte << 1) & 0x3FF); PAE pte >> 32; x64
 *               (pte >> 16) | 0xFFFF000000000000, where 0xFFFFFFFF0000
 *               before sign extension means "see the VAD".
 *   page file   number at bits 1-4 (bits 12-15 from build 17134), offset
 *               x86 pte >> 12, PAE/x64 pte >> 32; from 17134 the offset is
 *               XORed with InvalidPteMask >> 32 when SwizzleBit (bit 4) is
 *               clear.  Number and offset both 0: demand zero.
 *
 * Every walk is a fixed number of levels (no recursion); a prototype PTE is
 * followed at most once, with a walk that does not follow prototypes.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/vas.h>

#include "internal.h"

#define VAS_PAGE 4096u
#define TLB_SIZE 64u        /* direct-mapped translation cache entries */
#define TPAGE_CACHE 4u      /* table pages kept (round robin) */

/* x64/PAE hardware address mask: bits 12..51 (MAXPHYADDR 52, Intel SDM). */
#define PFN_MASK_64 0x000FFFFFFFFFF000ull
/* ARM64 output address [47:12] with a 4 KiB granule. */
#define OA_MASK_ARM64 0x0000FFFFFFFFF000ull
/* Transition PFNs: x86 bits 12..31; PAE bits 12..37 (MemProcFS
 * MMWINX86PAE_PTE_TRANSITION); x64 bits 12..44 — MemProcFS clears bit 45
 * (the L1TF swizzle bit) and volatility3 uses MAXPHYADDR 45 here. */
#define TPFN_MASK_X86 0xFFFFF000ull
#define TPFN_MASK_PAE 0x0000003FFFFFF000ull
#define TPFN_MASK_X64 0x00001FFFFFFFF000ull

typedef struct tlb_entry {
	uint64_t vpn;    /* va >> 12, with `used` set */
	uint64_t pa;     /* page-aligned physical address */
	uint8_t used;
	uint8_t zero;    /* demand-zero page: reads as zeros */
} tlb_entry;

struct dk_vas {
	const dk_physmem *pm;
	dk_paging mode;
	uint64_t dtb_raw, dtb;
	uint32_t build;
	uint32_t invalid_pte_mask_hi;
	bool demand_zero_reads;
	tlb_entry tlb[TLB_SIZE];
	uint64_t tpage_pfn[TPAGE_CACHE];
	bool tpage_used[TPAGE_CACHE];
	unsigned tpage_next;
	uint8_t tpage[TPAGE_CACHE][VAS_PAGE];
};

/* ------------------------------------------------------------------ */
/* names                                                                */

const char *dk_paging_name(dk_paging mode)
{
	switch (mode) {
	case DK_PAGING_X86: return "x86";
	case DK_PAGING_PAE: return "pae";
	case DK_PAGING_X64: return "x64";
	case DK_PAGING_ARM64: return "arm64";
	default: return "none";
	}
}

dk_paging dk_paging_from_name(const char *name)
{
	if (!name)
		return DK_PAGING_NONE;
	if (strcmp(name, "x86") == 0)
		return DK_PAGING_X86;
	if (strcmp(name, "pae") == 0)
		return DK_PAGING_PAE;
	if (strcmp(name, "x64") == 0 || strcmp(name, "amd64") == 0)
		return DK_PAGING_X64;
	if (strcmp(name, "arm64") == 0)
		return DK_PAGING_ARM64;
	return DK_PAGING_NONE;
}

const char *dk_xlate_state_id(dk_xlate_state s)
{
	switch (s) {
	case DK_XL_VALID: return "valid";
	case DK_XL_TRANSITION: return "transition";
	case DK_XL_NOT_IN_DUMP: return "not-in-dump";
	case DK_XL_NOT_MAPPED: return "not-mapped";
	case DK_XL_DEMAND_ZERO: return "demand-zero";
	case DK_XL_PAGEFILE: return "pagefile";
	case DK_XL_PROTOTYPE: return "prototype";
	case DK_XL_NONCANONICAL: return "non-canonical";
	case DK_XL_TABLE_MISSING: return "table-missing";
	}
	return "unknown";
}

const char *dk_xlate_state_name(dk_xlate_state s)
{
	switch (s) {
	case DK_XL_VALID: return "valid";
	case DK_XL_TRANSITION: return "transition";
	case DK_XL_NOT_IN_DUMP: return "not in dump";
	case DK_XL_NOT_MAPPED: return "not mapped";
	case DK_XL_DEMAND_ZERO: return "demand zero";
	case DK_XL_PAGEFILE: return "paged out";
	case DK_XL_PROTOTYPE: return "prototype";
	case DK_XL_NONCANONICAL: return "non-canonical";
	case DK_XL_TABLE_MISSING: return "table not in dump";
	}
	return "unknown";
}

/* ------------------------------------------------------------------ */
/* create / free / settings                                             */

static uint64_t mask_dtb(dk_paging mode, uint64_t dtb)
{
	switch (mode) {
	case DK_PAGING_X86: return dtb & 0xFFFFF000ull;
	case DK_PAGING_PAE: return dtb & 0xFFFFFFE0ull;           /* 32-byte aligned PDPT */
	case DK_PAGING_X64: return dtb & PFN_MASK_64;             /* PCID, bit 63 */
	case DK_PAGING_ARM64: return dtb & OA_MASK_ARM64;         /* ASID [63:48], CnP */
	default: return dtb;
	}
}

dk_status dk_vas_create(const dk_physmem *pm, dk_paging mode, uint64_t dtb, dk_vas **out,
                        dk_error *err)
{
	*out = NULL;
	if (!pm || !pm->ops || !pm->ops->next_run || !pm->ops->read_pages) {
		dk_set_error(err, DK_E_ARG, "address space: no physical memory");
		return DK_E_ARG;
	}
	if (pm->page_size != VAS_PAGE) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "address space: physical page size %u is not 4096", pm->page_size);
		return DK_E_UNSUPPORTED;
	}
	if (mode != DK_PAGING_X86 && mode != DK_PAGING_PAE && mode != DK_PAGING_X64 &&
	    mode != DK_PAGING_ARM64) {
		dk_set_error(err, DK_E_ARG, "address space: unknown paging mode %d", (int)mode);
		return DK_E_ARG;
	}
	if ((mode == DK_PAGING_X86 || mode == DK_PAGING_PAE) && dtb > 0xFFFFFFFFull) {
		dk_set_error(err, DK_E_ARG,
		             "address space: %s directory table base 0x%" PRIx64
		             " does not fit in 32 bits",
		             dk_paging_name(mode), dtb);
		return DK_E_ARG;
	}
	dk_vas *v = dk_calloc(1, sizeof *v);
	if (!v) {
		dk_set_error(err, DK_E_NOMEM, "address space: out of memory");
		return DK_E_NOMEM;
	}
	v->pm = pm;
	v->mode = mode;
	v->dtb_raw = dtb;
	v->dtb = mask_dtb(mode, dtb);
	v->invalid_pte_mask_hi = mode == DK_PAGING_X64 ? 0x2000u : 0;
	v->demand_zero_reads = true;
	*out = v;
	return DK_OK;
}

void dk_vas_free(dk_vas *vas)
{
	free(vas);
}

dk_paging dk_vas_paging(const dk_vas *vas)
{
	return vas->mode;
}

uint64_t dk_vas_dtb(const dk_vas *vas)
{
	return vas->dtb;
}

void dk_vas_flush(dk_vas *vas)
{
	memset(vas->tlb, 0, sizeof vas->tlb);
	memset(vas->tpage_used, 0, sizeof vas->tpage_used);
}

void dk_vas_set_windows_build(dk_vas *vas, uint32_t build)
{
	vas->build = build;
	dk_vas_flush(vas);
}

void dk_vas_set_invalid_pte_mask(dk_vas *vas, uint32_t high32)
{
	vas->invalid_pte_mask_hi = high32;
	dk_vas_flush(vas);
}

void dk_vas_set_demand_zero_reads(dk_vas *vas, bool zeros)
{
	vas->demand_zero_reads = zeros;
	dk_vas_flush(vas);
}

/* ------------------------------------------------------------------ */
/* physical reads of table entries                                     */

static bool pm_present(const dk_vas *v, uint64_t pfn)
{
	return dk_physmem_present(v->pm, pfn);
}

/* Reads an `esize`-byte entry at physical `pa`; false when its page is not
 * in the dump (or cannot be read). */
static bool read_entry(dk_vas *v, uint64_t pa, unsigned esize, uint64_t *val)
{
	uint64_t pfn = pa / VAS_PAGE;
	unsigned off = (unsigned)(pa % VAS_PAGE);
	const uint8_t *page = NULL;
	for (unsigned i = 0; i < TPAGE_CACHE; i++)
		if (v->tpage_used[i] && v->tpage_pfn[i] == pfn) {
			page = v->tpage[i];
			break;
		}
	if (!page) {
		if (!pm_present(v, pfn))
			return false;
		unsigned slot = v->tpage_next++ % TPAGE_CACHE;
		v->tpage_used[slot] = false;
		if (v->pm->ops->read_pages(v->pm->ctx, pfn, 1, v->tpage[slot], NULL) != DK_OK)
			return false;
		v->tpage_used[slot] = true;
		v->tpage_pfn[slot] = pfn;
		page = v->tpage[slot];
	}
	if (off + esize > VAS_PAGE)
		return false;
	*val = esize == 4 ? dk_le32(page + off) : dk_le64(page + off);
	return true;
}

/* ------------------------------------------------------------------ */
/* the walk                                                             */

typedef struct level_desc {
	const char *name;
	unsigned shift, bits;
	uint64_t large_size; /* 0: no large page at this level */
} level_desc;

static const level_desc lv_x86[] = {
	{ "PDE", 22, 10, 1ull << 22 }, { "PTE", 12, 10, 0 } };
static const level_desc lv_pae[] = {
	{ "PDPTE", 30, 2, 0 }, { "PDE", 21, 9, 1ull << 21 }, { "PTE", 12, 9, 0 } };
static const level_desc lv_x64[] = {
	{ "PML4E", 39, 9, 0 }, { "PDPTE", 30, 9, 1ull << 30 }, { "PDE", 21, 9, 1ull << 21 },
	{ "PTE", 12, 9, 0 } };
static const level_desc lv_arm64[] = {
	{ "L0", 39, 9, 0 }, { "L1", 30, 9, 1ull << 30 }, { "L2", 21, 9, 1ull << 21 },
	{ "L3", 12, 9, 0 } };

static void set_state(dk_xlate *x, dk_xlate_state st, const char *fmt, ...) DK_PRINTF(3, 4);
static void set_state(dk_xlate *x, dk_xlate_state st, const char *fmt, ...)
{
	x->state = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof x->reason, fmt, ap);
	va_end(ap);
}

static bool new_layout(const dk_vas *v)
{
	return v->build == 0 || v->build >= 17134;
}

static uint64_t tpfn_mask(dk_paging m)
{
	return m == DK_PAGING_X86 ? TPFN_MASK_X86 : m == DK_PAGING_PAE ? TPFN_MASK_PAE
	                                                               : TPFN_MASK_X64;
}

/* Decodes the flags of an x86/PAE/x64 entry. */
static unsigned intel_flags(dk_paging m, uint64_t e, bool leaf_level, uint64_t large)
{
	unsigned f = 0;
	if (e & 1) {
		f |= DK_XLF_PRESENT;
		if (e & 2)
			f |= DK_XLF_WRITE;
		if (e & 4)
			f |= DK_XLF_USER;
		if (m != DK_PAGING_X86 && (e >> 63))
			f |= DK_XLF_NX;
		if (!leaf_level && large && (e & 0x80))
			f |= DK_XLF_LARGE;
		else if (!leaf_level)
			f |= DK_XLF_TABLE;
	} else if (e) {
		f |= DK_XLF_SOFTWARE;
		if (e & 0x400)
			f |= DK_XLF_PROTOTYPE;
		else if (e & 0x800)
			f |= DK_XLF_TRANSITION;
	}
	return f;
}

static unsigned arm64_flags(uint64_t e, unsigned lvl)
{
	unsigned f = 0;
	if (!(e & 1))
		return e ? DK_XLF_SOFTWARE : 0;
	f |= DK_XLF_PRESENT;
	bool table = lvl < 3 && (e & 2);
	if (table) {
		f |= DK_XLF_TABLE;
		return f;
	}
	if (lvl < 3)
		f |= DK_XLF_LARGE;
	/* stage 1 AP[2:1] at bits 7:6, PXN bit 53, UXN bit 54 */
	if (!(e & (1ull << 7)))
		f |= DK_XLF_WRITE;
	if (e & (1ull << 6))
		f |= DK_XLF_USER;
	if (e & (3ull << 53))
		f |= DK_XLF_NX;
	return f;
}

/* Page file number and offset of a software PTE (x86/PAE/x64). */
static void pagefile_fields(const dk_vas *v, uint64_t e, unsigned *num, uint64_t *off,
                            bool *swizzled)
{
	*swizzled = false;
	if (v->mode == DK_PAGING_X86) {
		*num = (unsigned)((e >> 1) & 0xF);
		*off = (e >> 12) & 0xFFFFF;
		return;
	}
	bool nl = new_layout(v);
	*num = (unsigned)((e >> (nl ? 12 : 1)) & 0xF);
	uint64_t o = e >> 32;
	/* Swizzled (L1TF mitigation, builds >= 17134): SwizzleBit clear and
	 * the InvalidPteMask bits present in the raw value.  Without those
	 * bits the system did not swizzle (e.g. an AMD CPU, mask 0), so the
	 * raw offset is taken as it is; this also keeps a zero PTE with only
	 * protection bits demand-zero on both kinds of system. */
	uint32_t m = v->invalid_pte_mask_hi;
	if (nl && !(e & 0x10) && m && ((uint32_t)o & m) == m) {
		o ^= m;
		*swizzled = true;
	}
	*off = o;
}

static uint64_t prototype_address(const dk_vas *v, uint64_t e, bool *vad)
{
	*vad = false;
	switch (v->mode) {
	case DK_PAGING_X86:
		return 0x80000000ull | ((e >> 1) & 0x7FFFFC00ull) | ((e << 1) & 0x3FFull);
	case DK_PAGING_PAE:
		return e >> 32;
	default:
		if ((e >> 16) == 0xFFFFFFFF0000ull) {
			*vad = true;
			return 0;
		}
		return (e >> 16) | 0xFFFF000000000000ull;
	}
}

static void hw_walk(dk_vas *v, uint64_t va, dk_xlate *x, bool follow_proto);

/* A final-level software PTE: transition, prototype, page file, demand zero. */
static void software_pte(dk_vas *v, uint64_t va, uint64_t e, dk_xlate *x, bool follow_proto)
{
	const char *nm = x->nlevels ? x->levels[x->nlevels - 1].name : "PTE";
	if (e & 0x400) {
		bool vad;
		uint64_t pva = prototype_address(v, e, &vad);
		if (vad) {
			set_state(x, DK_XL_PROTOTYPE,
			          "%s 0x%" PRIx64 " is a prototype PTE described by the VAD"
			          " (not resolved)",
			          nm, e);
			return;
		}
		x->prototype_va = pva;
		if (!follow_proto) {
			set_state(x, DK_XL_PROTOTYPE,
			          "prototype PTE 0x%" PRIx64 " met while following a prototype"
			          " (followed only once)",
			          pva);
			return;
		}
		/* Follow it once, through this address space (the prototype
		 * PTE lives in kernel memory, mapped in every process). */
		dk_xlate px;
		hw_walk(v, pva, &px, false);
		if (px.state != DK_XL_VALID && px.state != DK_XL_TRANSITION) {
			set_state(x, DK_XL_PROTOTYPE,
			          "prototype PTE at 0x%" PRIx64 " cannot be read (%s)", pva,
			          px.reason);
			return;
		}
		unsigned es = v->mode == DK_PAGING_X86 ? 4 : 8;
		uint64_t pe;
		if (!read_entry(v, px.pa, es, &pe)) {
			set_state(x, DK_XL_PROTOTYPE,
			          "prototype PTE at 0x%" PRIx64 " (PA 0x%" PRIx64
			          ") is not in the dump",
			          pva, px.pa);
			return;
		}
		if (x->nlevels < 5) {
			dk_xlate_level *l = &x->levels[x->nlevels++];
			memset(l, 0, sizeof *l);
			l->name = "ProtoPTE";
			l->table_pa = px.pa & ~(uint64_t)(VAS_PAGE - 1);
			l->index = (unsigned)((px.pa % VAS_PAGE) / es);
			l->entry_pa = px.pa;
			l->entry = pe;
			l->flags = intel_flags(v->mode, pe, true, 0);
		}
		if (pe & 1) {
			uint64_t pfnm = v->mode == DK_PAGING_X86 ? 0xFFFFF000ull : PFN_MASK_64;
			x->pa = (pe & pfnm) | (va & 0xFFF);
			x->levels[x->nlevels - 1].next_pa = pe & pfnm;
			set_state(x, DK_XL_VALID, "valid prototype PTE at 0x%" PRIx64, pva);
			return;
		}
		if (pe == 0) {
			set_state(x, DK_XL_NOT_MAPPED, "prototype PTE at 0x%" PRIx64 " is zero", pva);
			return;
		}
		if (pe & 0x400) {
			set_state(x, DK_XL_PROTOTYPE,
			          "prototype PTE at 0x%" PRIx64 " is a subsection PTE 0x%" PRIx64
			          ": file-backed page, not in a memory dump",
			          pva, pe);
			return;
		}
		e = pe; /* transition, page file or demand zero: decoded below */
		nm = "prototype PTE";
	}
	if (e & 0x800) {
		uint64_t pfn_pa = e & tpfn_mask(v->mode);
		x->pa = pfn_pa | (va & 0xFFF);
		if (x->nlevels)
			x->levels[x->nlevels - 1].next_pa = pfn_pa;
		set_state(x, DK_XL_TRANSITION,
		          "%s 0x%" PRIx64 " is in transition: page 0x%" PRIx64
		          " is in RAM (standby or modified list)",
		          nm, e, pfn_pa);
		return;
	}
	unsigned num;
	uint64_t off;
	bool sw;
	pagefile_fields(v, e, &num, &off, &sw);
	if (num == 0 && off == 0) {
		set_state(x, DK_XL_DEMAND_ZERO,
		          "%s 0x%" PRIx64 " is demand zero: a zero page not yet materialised", nm,
		          e);
		return;
	}
	x->pagefile_number = num;
	x->pagefile_offset = off * VAS_PAGE;
	set_state(x, DK_XL_PAGEFILE,
	          "%s 0x%" PRIx64 ": paged out to page file %u at offset 0x%" PRIx64 "%s", nm, e,
	          num, off * VAS_PAGE, sw ? " (unswizzled)" : "");
}

static void finish_frame(dk_vas *v, dk_xlate *x)
{
	if ((x->state == DK_XL_VALID || x->state == DK_XL_TRANSITION) &&
	    !pm_present(v, x->pa / VAS_PAGE)) {
		char prev[sizeof x->reason];
		dk_strlcpy(prev, x->reason, sizeof prev);
		set_state(x, DK_XL_NOT_IN_DUMP,
		          "%s page 0x%" PRIx64 " (%s) is not in the dump",
		          x->state == DK_XL_TRANSITION ? "transition" : "physical",
		          x->pa & ~(uint64_t)(VAS_PAGE - 1), prev);
	}
}

static bool canonical(const dk_vas *v, uint64_t *va, dk_xlate *x)
{
	uint64_t a = *va;
	switch (v->mode) {
	case DK_PAGING_X86:
	case DK_PAGING_PAE:
		/* a sign-extended 32-bit address (KDBG's 64-bit fields) is accepted */
		if ((a >> 32) == 0xFFFFFFFFull && (a & 0x80000000ull))
			a &= 0xFFFFFFFFull;
		if (a >> 32) {
			set_state(x, DK_XL_NONCANONICAL,
			          "0x%" PRIx64 " is not a 32-bit address", *va);
			return false;
		}
		break;
	case DK_PAGING_X64: {
		uint64_t top = a >> 47;
		if (top != 0 && top != 0x1FFFF) {
			set_state(x, DK_XL_NONCANONICAL,
			          "0x%" PRIx64 " is not canonical (bits 63:47 differ)", a);
			return false;
		}
		break;
	}
	case DK_PAGING_ARM64: {
		uint64_t top = a >> 48;
		if (top != 0 && top != 0xFFFF) {
			set_state(x, DK_XL_NONCANONICAL,
			          "0x%" PRIx64 " is outside both 48-bit halves (bits 63:48 must be"
			          " all 0 or all 1)",
			          a);
			return false;
		}
		break;
	}
	default:
		set_state(x, DK_XL_NOT_MAPPED, "no paging mode");
		return false;
	}
	*va = a;
	return true;
}

static void hw_walk(dk_vas *v, uint64_t va, dk_xlate *x, bool follow_proto)
{
	memset(x, 0, sizeof *x);
	x->va = va;
	x->state = DK_XL_NOT_MAPPED;
	if (!canonical(v, &va, x))
		return;
	const level_desc *lv;
	unsigned n, esize = 8;
	bool arm = v->mode == DK_PAGING_ARM64;
	switch (v->mode) {
	case DK_PAGING_X86: lv = lv_x86; n = 2; esize = 4; break;
	case DK_PAGING_PAE: lv = lv_pae; n = 3; break;
	case DK_PAGING_X64: lv = lv_x64; n = 4; break;
	default: lv = lv_arm64; n = 4; break;
	}
	uint64_t pfnm = v->mode == DK_PAGING_X86 ? 0xFFFFF000ull
	                : arm                    ? OA_MASK_ARM64
	                                         : PFN_MASK_64;
	uint64_t table = v->dtb;
	for (unsigned i = 0; i < n; i++) {
		const level_desc *d = &lv[i];
		bool last = i + 1 == n;
		unsigned idx = (unsigned)((va >> d->shift) & ((1ull << d->bits) - 1));
		dk_xlate_level *l = &x->levels[x->nlevels++];
		l->name = d->name;
		l->table_pa = table;
		l->index = idx;
		l->entry_pa = table + (uint64_t)idx * esize;
		uint64_t e;
		if (!read_entry(v, l->entry_pa, esize, &e)) {
			l->flags = DK_XLF_FAULT;
			set_state(x, DK_XL_TABLE_MISSING,
			          "the %s table page 0x%" PRIx64 " is not in the dump", d->name,
			          table & ~(uint64_t)(VAS_PAGE - 1));
			return;
		}
		l->entry = e;
		l->flags = arm ? arm64_flags(e, i) : intel_flags(v->mode, e, last, d->large_size);
		if (arm) {
			if (!(e & 1)) {
				if (e == 0)
					set_state(x, DK_XL_NOT_MAPPED, "%s entry %u is zero", d->name, idx);
				else
					set_state(x, DK_XL_NOT_MAPPED,
					          "%s entry %u 0x%" PRIx64 " is invalid (bit 0 clear;"
					          " Windows ARM64 software PTEs are not decoded)",
					          d->name, idx, e);
				return;
			}
			if (!last && (e & 2)) {
				table = e & OA_MASK_ARM64;
				l->next_pa = table;
				continue;
			}
			if (last && !(e & 2)) {
				set_state(x, DK_XL_NOT_MAPPED,
				          "L3 entry %u 0x%" PRIx64 " is reserved (bit 1 clear)", idx, e);
				return;
			}
			if (!last && !d->large_size) {
				set_state(x, DK_XL_NOT_MAPPED,
				          "%s entry %u 0x%" PRIx64
				          " is a block descriptor, not allowed at L0 with a 4 KiB granule",
				          d->name, idx, e);
				return;
			}
			uint64_t size = last ? VAS_PAGE : d->large_size;
			uint64_t base = e & OA_MASK_ARM64 & ~(size - 1);
			l->next_pa = base;
			x->page_size = size;
			x->pa = base | (va & (size - 1));
			set_state(x, DK_XL_VALID, "%s", last ? "valid page" : "valid block");
			finish_frame(v, x);
			return;
		}
		if (!(e & 1)) {
			if (e == 0) {
				set_state(x, DK_XL_NOT_MAPPED, "%s entry %u is zero", d->name, idx);
				return;
			}
			if (last) {
				x->page_size = VAS_PAGE;
				software_pte(v, va, e, x, follow_proto);
				finish_frame(v, x);
				return;
			}
			/* a not-valid table entry */
			if (v->mode != DK_PAGING_PAE || i > 0) {
				if (!(e & 0x400) && (e & 0x800)) {
					/* the page table is in transition: still in RAM */
					table = e & tpfn_mask(v->mode);
					l->next_pa = table;
					continue;
				}
				if (!(e & 0x400)) {
					unsigned num;
					uint64_t off;
					bool sw;
					pagefile_fields(v, e, &num, &off, &sw);
					if (num || off) {
						x->pagefile_number = num;
						x->pagefile_offset = off * VAS_PAGE;
						set_state(x, DK_XL_PAGEFILE,
						          "the page table under %s 0x%" PRIx64
						          " is paged out to page file %u at offset 0x%" PRIx64,
						          d->name, e, num, off * VAS_PAGE);
						return;
					}
				}
			}
			set_state(x, DK_XL_NOT_MAPPED,
			          "%s entry %u 0x%" PRIx64 " is not valid (no page table)", d->name,
			          idx, e);
			return;
		}
		if (last) {
			x->page_size = VAS_PAGE;
			x->pa = (e & pfnm) | (va & 0xFFF);
			l->next_pa = e & pfnm;
			set_state(x, DK_XL_VALID, "valid page");
			finish_frame(v, x);
			return;
		}
		if (d->large_size && (e & 0x80)) {
			uint64_t size = d->large_size;
			/* bit 12 is PAT in a large-page entry; x86 keeps PA[31:22] */
			uint64_t base = e & pfnm & ~(size - 1);
			l->next_pa = base;
			x->page_size = size;
			x->pa = base | (va & (size - 1));
			set_state(x, DK_XL_VALID, "valid large page (%" PRIu64 " KiB)", size / 1024);
			finish_frame(v, x);
			return;
		}
		table = e & pfnm;
		l->next_pa = table;
	}
}

void dk_vas_translate(dk_vas *vas, uint64_t va, dk_xlate *out)
{
	hw_walk(vas, va, out, true);
}

uint64_t dk_vas_span(const dk_vas *vas, const dk_xlate *x)
{
	if (x->page_size && (x->state == DK_XL_VALID || x->state == DK_XL_TRANSITION ||
	                     x->state == DK_XL_NOT_IN_DUMP))
		return x->page_size;
	if (x->nlevels == 0 || x->nlevels > 4)
		return VAS_PAGE;
	const dk_xlate_level *l = &x->levels[x->nlevels - 1];
	if (strcmp(l->name, "ProtoPTE") == 0)
		return VAS_PAGE;
	const level_desc *lv = vas->mode == DK_PAGING_X86   ? lv_x86
	                       : vas->mode == DK_PAGING_PAE ? lv_pae
	                       : vas->mode == DK_PAGING_X64 ? lv_x64
	                                                    : lv_arm64;
	unsigned n = vas->mode == DK_PAGING_X86 ? 2 : vas->mode == DK_PAGING_PAE ? 3 : 4;
	unsigned i = x->nlevels - 1;
	if (i >= n)
		return VAS_PAGE;
	return 1ull << lv[i].shift;
}

bool dk_xlate_readable(const dk_vas *vas, const dk_xlate *x)
{
	return x->state == DK_XL_VALID || x->state == DK_XL_TRANSITION ||
	       (x->state == DK_XL_DEMAND_ZERO && vas->demand_zero_reads);
}

/* ------------------------------------------------------------------ */
/* reads                                                                */

dk_status dk_vas_read(dk_vas *vas, uint64_t va, void *buf, size_t len, dk_error *err)
{
	uint8_t *out = buf;
	uint64_t end;
	if (len && !dk_add_ok(va, (uint64_t)len - 1, &end)) {
		dk_set_error(err, DK_E_RANGE,
		             "virtual address 0x%" PRIx64 " + %zu bytes wraps around the address"
		             " space",
		             va, len);
		return DK_E_RANGE;
	}
	while (len) {
		size_t in_page = (size_t)(va % VAS_PAGE);
		size_t n = VAS_PAGE - in_page;
		if (n > len)
			n = len;
		uint64_t vpn = va / VAS_PAGE;
		tlb_entry *t = &vas->tlb[vpn % TLB_SIZE];
		if (!t->used || t->vpn != vpn) {
			dk_xlate x;
			hw_walk(vas, va, &x, true);
			if (!dk_xlate_readable(vas, &x)) {
				dk_set_error(err, DK_E_RANGE,
				             "virtual address 0x%" PRIx64 " is not readable: %s: %s",
				             va, dk_xlate_state_name(x.state), x.reason);
				return DK_E_RANGE;
			}
			t->used = 1;
			t->vpn = vpn;
			t->zero = x.state == DK_XL_DEMAND_ZERO;
			t->pa = x.pa & ~(uint64_t)(VAS_PAGE - 1);
		}
		if (t->zero) {
			memset(out, 0, n);
		} else {
			uint8_t page[VAS_PAGE];
			dk_error e2 = { DK_OK, "" };
			if (vas->pm->ops->read_pages(vas->pm->ctx, t->pa / VAS_PAGE, 1, page, &e2) !=
			    DK_OK) {
				t->used = 0;
				dk_set_error(err, DK_E_RANGE,
				             "virtual address 0x%" PRIx64 " (physical 0x%" PRIx64
				             ") could not be read: %s",
				             va, t->pa + in_page, e2.message);
				return DK_E_RANGE;
			}
			memcpy(out, page + in_page, n);
		}
		out += n;
		len -= n;
		va += n;
	}
	return DK_OK;
}

static dk_status vmem_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	return dk_vas_read(ctx, va, buf, len, NULL);
}

void dk_vas_vmem(dk_vas *vas, dk_vmem *out)
{
	out->ctx = vas;
	out->read = vmem_read;
}
