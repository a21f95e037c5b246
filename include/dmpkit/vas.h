/* dmpkit — virtual address spaces over physical memory: x86 (4 KiB and
 * 4 MiB pages), x86 PAE, x64 4-level (2 MiB and 1 GiB pages) and ARM64
 * (4 KiB granule, 48-bit), with Windows' software PTEs understood.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_VAS_H
#define DMPKIT_VAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/physmem.h>
#include <dmpkit/stackwalk.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_paging {
	DK_PAGING_NONE = 0,
	DK_PAGING_X86,   /* 2-level, 32-bit entries */
	DK_PAGING_PAE,   /* 3-level, 64-bit entries */
	DK_PAGING_X64,   /* 4-level */
	DK_PAGING_ARM64  /* 4-level, 4 KiB granule */
} dk_paging;

/* What a translation found. */
typedef enum dk_xlate_state {
	DK_XL_VALID,        /* mapped; `pa` is the physical address */
	DK_XL_TRANSITION,   /* not valid, but the page is in RAM (standby or modified list): readable */
	DK_XL_NOT_IN_DUMP,  /* mapped to a physical page the dump does not hold */
	DK_XL_NOT_MAPPED,   /* an entry on the way is zero */
	DK_XL_DEMAND_ZERO,  /* software PTE: a zero page not yet materialised */
	DK_XL_PAGEFILE,     /* software PTE: paged out to a page file */
	DK_XL_PROTOTYPE,    /* software PTE: a prototype PTE (shared or file-backed) */
	DK_XL_NONCANONICAL, /* not a canonical address */
	DK_XL_TABLE_MISSING /* a page table's page is not in the dump */
} dk_xlate_state;

/* Bits of dk_xlate_level.flags: the entry decoded. */
enum {
	DK_XLF_PRESENT    = 1u << 0, /* hardware Valid / ARM64 valid bit */
	DK_XLF_LARGE      = 1u << 1, /* maps a large page / ARM64 block */
	DK_XLF_NX         = 1u << 2, /* no-execute (x64/PAE bit 63; ARM64 UXN|PXN) */
	DK_XLF_WRITE      = 1u << 3, /* writable (x86 R/W; ARM64 AP[2] clear) */
	DK_XLF_USER       = 1u << 4, /* user accessible (x86 U/S; ARM64 AP[1]) */
	DK_XLF_TRANSITION = 1u << 5, /* Windows software PTE: transition */
	DK_XLF_PROTOTYPE  = 1u << 6, /* Windows software PTE: prototype bit */
	DK_XLF_SOFTWARE   = 1u << 7, /* not valid and not zero: a software PTE */
	DK_XLF_TABLE      = 1u << 8, /* points to a next-level table */
	DK_XLF_FAULT      = 1u << 9  /* the table page holding it is not in the dump */
};

typedef struct dk_xlate_level {
	const char *name;   /* "PML4E", "PDPTE", "PDE", "PTE" (ARM64: "L0".."L3");
	                       "ProtoPTE" for a prototype PTE that was followed */
	uint64_t table_pa;  /* physical address of the table */
	unsigned index;
	uint64_t entry_pa;  /* physical address of the entry */
	uint64_t entry;     /* its value */
	/* additions */
	unsigned flags;     /* DK_XLF_* */
	uint64_t next_pa;   /* next table, or the frame/large page it maps */
} dk_xlate_level;

typedef struct dk_xlate {
	dk_xlate_state state;
	uint64_t va;
	uint64_t pa;         /* for VALID and TRANSITION (and NOT_IN_DUMP: where it would be) */
	uint64_t page_size;  /* 4 KiB, 2/4 MiB or 1 GiB */
	unsigned nlevels;
	dk_xlate_level levels[5];
	uint64_t pagefile_offset; /* for PAGEFILE */
	unsigned pagefile_number;
	char reason[160];    /* in words */
	/* additions */
	uint64_t prototype_va; /* for PROTOTYPE (and pages reached through one):
	                          the prototype PTE's kernel address, else 0 */
} dk_xlate;

typedef struct dk_vas dk_vas;

/* An address space rooted at `dtb` (CR3 / TTBR: low bits such as a PCID
 * are masked) over `pm`, which must outlive it. */
dk_status dk_vas_create(const dk_physmem *pm, dk_paging mode, uint64_t dtb, dk_vas **out,
                        dk_error *err);
void dk_vas_free(dk_vas *vas);
dk_paging dk_vas_paging(const dk_vas *vas);
uint64_t dk_vas_dtb(const dk_vas *vas);
const char *dk_paging_name(dk_paging mode);

/* Translates one address; always fills `out` (the walk and its state). */
void dk_vas_translate(dk_vas *vas, uint64_t va, dk_xlate *out);
/* Reads `len` bytes of virtual memory (valid and transition pages); on a
 * page that cannot be read, DK_E_RANGE with the address and the reason. */
dk_status dk_vas_read(dk_vas *vas, uint64_t va, void *buf, size_t len, dk_error *err);
/* The address space as a dk_vmem for the stack walkers. */
void dk_vas_vmem(dk_vas *vas, dk_vmem *out);

/* ---- additions ---- */
/* "valid", "transition", "not in dump", ... */
const char *dk_xlate_state_name(dk_xlate_state s);
/* The state as a stable identifier for JSON: "valid", "transition",
 * "not-in-dump", "not-mapped", "demand-zero", "pagefile", "prototype",
 * "non-canonical", "table-missing". */
const char *dk_xlate_state_id(dk_xlate_state s);
/* Parses "x86", "pae", "x64" (or "amd64"), "arm64"; DK_PAGING_NONE if unknown. */
dk_paging dk_paging_from_name(const char *name);
/* The Windows build (dump header MinorVersion) selects the software-PTE
 * layout: from 17134 the page file number is at bits 12-15 instead of 1-4
 * and the page file offset may be swizzled.  0 (the default) means unknown,
 * taken as a current build. */
void dk_vas_set_windows_build(dk_vas *vas, uint32_t build);
/* High 32 bits of MiState.Hardware.InvalidPteMask, XORed into the page
 * file offset of software PTEs whose SwizzleBit (bit 4) is clear (builds
 * >= 17134) when the raw offset holds all of the mask's bits (a system that
 * does not swizzle leaves them clear).  Default: 0x2000 for x64
 * (MemProcFS's default), 0 otherwise. */
void dk_vas_set_invalid_pte_mask(dk_vas *vas, uint32_t high32);
/* Whether dk_vas_read returns zeros for demand-zero pages (default true:
 * the page reads as zeros once touched); false makes them unreadable. */
void dk_vas_set_demand_zero_reads(dk_vas *vas, bool zeros);
/* Forgets cached translations (call after the page tables changed). */
void dk_vas_flush(dk_vas *vas);
/* Bytes from x->va's region start that share x's outcome: the page size
 * for a mapped page, or what the entry where the walk stopped covers (so a
 * scan can skip an unmapped 512 GiB at once).  Scans continue at
 * (va & ~(span - 1)) + span. */
uint64_t dk_vas_span(const dk_vas *vas, const dk_xlate *x);
/* True when translate's state can be read by dk_vas_read. */
bool dk_xlate_readable(const dk_vas *vas, const dk_xlate *x);

#ifdef __cplusplus
}
#endif
#endif
