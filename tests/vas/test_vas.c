/* dmpkit tests — virtual address translation over hand-built page tables
 * in a fake physical memory, for x86, PAE, x64 and ARM64, with Windows
 * software PTEs.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/vas.h>

#include "fakemem.h"

static dk_vas *mk(fakemem *f, dk_paging m, uint64_t dtb)
{
	dk_vas *v = NULL;
	dk_error e;
	assert_int_equal(dk_vas_create(&f->pm, m, dtb, &v, &e), DK_OK);
	return v;
}

static uint64_t pfn_of_read(dk_vas *v, uint64_t va)
{
	uint8_t b[12];
	dk_error e;
	assert_int_equal(dk_vas_read(v, va & ~0xFFFull, b, sizeof b, &e), DK_OK);
	assert_memory_equal(b, "PAGE", 4);
	uint64_t p = 0;
	for (int i = 7; i >= 0; i--)
		p = p << 8 | b[4 + i];
	return p;
}

/* ---------------- x64 ---------------- */

#define X64_VA 0xFFFFF80012345000ull
#define IDX(va, s) ((unsigned)(((va) >> (s)) & 0x1FF))

/* PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000 for X64_VA. */
static void x64_tables(fakemem *f, uint64_t va)
{
	fm_put64(f, 0x1000 + 8ull * IDX(va, 39), 0x2000 | 0x63);
	fm_put64(f, 0x2000 + 8ull * IDX(va, 30), 0x3000 | 0x63);
	fm_put64(f, 0x3000 + 8ull * IDX(va, 21), 0x4000 | 0x63);
	fm_page(f, 0x4000);
}

static void pte64(fakemem *f, uint64_t va, uint64_t e)
{
	fm_put64(f, 0x4000 + 8ull * IDX(va, 12), e);
}

static void test_x64_valid_and_pcid(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	x64_tables(f, X64_VA);
	pte64(f, X64_VA, 0x8000000000010063ull); /* NX, pfn 0x10 */
	fm_data(f, 0x10);
	/* PCID 0x123 in the low bits and the no-flush bit 63 are masked */
	dk_vas *v = mk(f, DK_PAGING_X64, 0x8000000000001123ull);
	assert_int_equal(dk_vas_dtb(v), 0x1000);
	dk_xlate x;
	dk_vas_translate(v, X64_VA + 0x678, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x10678);
	assert_int_equal(x.page_size, 4096);
	assert_int_equal(x.nlevels, 4);
	assert_string_equal(x.levels[0].name, "PML4E");
	assert_string_equal(x.levels[3].name, "PTE");
	assert_int_equal(x.levels[0].table_pa, 0x1000);
	assert_int_equal(x.levels[0].index, IDX(X64_VA, 39));
	assert_int_equal(x.levels[0].entry_pa, 0x1000 + 8ull * IDX(X64_VA, 39));
	assert_int_equal(x.levels[3].entry, 0x8000000000010063ull);
	assert_true(x.levels[3].flags & DK_XLF_PRESENT);
	assert_true(x.levels[3].flags & DK_XLF_NX);
	assert_true(x.levels[0].flags & DK_XLF_TABLE);
	assert_int_equal(x.levels[3].next_pa, 0x10000);
	assert_int_equal(pfn_of_read(v, X64_VA), 0x10);
	dk_vas_free(v);
	fm_free(f);
}

static void test_x64_large_pages(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	uint64_t va2m = 0xFFFFF80012400000ull + 0x5000; /* same PDPT/PD as X64_VA */
	x64_tables(f, X64_VA);
	/* 2 MiB at 0x600000, with the PAT bit 12 set (must be masked) */
	fm_put64(f, 0x3000 + 8ull * IDX(va2m, 21), 0x600000 | 0x1000 | 0xE3);
	fm_data(f, 0x605);
	/* 1 GiB at 0x40000000 through another PDPT entry */
	uint64_t va1g = 0xFFFFF80040000000ull + 0x123456;
	assert_int_not_equal(IDX(va1g, 30), IDX(X64_VA, 30));
	fm_put64(f, 0x2000 + 8ull * IDX(va1g, 30), 0x40000000 | 0x1000 | 0xE3);
	fm_data(f, 0x40123);
	dk_vas *v = mk(f, DK_PAGING_X64, 0x1000);
	dk_xlate x;
	dk_vas_translate(v, va2m + 0x10, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.page_size, 2u << 20);
	assert_int_equal(x.pa, 0x605010);
	assert_int_equal(x.nlevels, 3);
	assert_true(x.levels[2].flags & DK_XLF_LARGE);
	assert_int_equal(pfn_of_read(v, va2m), 0x605);
	dk_vas_translate(v, va1g, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.page_size, 1u << 30);
	assert_int_equal(x.pa, 0x40123456);
	assert_int_equal(x.nlevels, 2);
	assert_int_equal(pfn_of_read(v, va1g), 0x40123);
	/* another page of the same 2 MiB page is not in the dump */
	dk_vas_translate(v, va2m + 0x10000, &x);
	assert_int_equal(x.state, DK_XL_NOT_IN_DUMP);
	assert_int_equal(x.pa, 0x615000);
	dk_vas_free(v);
	fm_free(f);
}

static void test_x64_software_ptes(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	x64_tables(f, X64_VA);
	uint64_t t = X64_VA, p = X64_VA + 0x1000, dz = X64_VA + 0x2000, pf = X64_VA + 0x3000,
	         sw = X64_VA + 0x4000, old = X64_VA + 0x5000;
	pte64(f, t, 0x11000 | 0x800 | (4u << 5)); /* transition, pfn 0x11 */
	fm_data(f, 0x11);
	/* prototype: its PTE is at t2 + 0x18, itself mapped (pfn 0x12) */
	uint64_t t2 = X64_VA + 0x6000;
	pte64(f, t2, 0x12063);
	uint64_t proto_va = t2 + 0x18;
	pte64(f, p, ((proto_va & 0xFFFFFFFFFFFFull) << 16) | 0x400);
	fm_put64(f, 0x12018, 0x13063); /* the prototype PTE: valid, pfn 0x13 */
	fm_data(f, 0x13);
	fm_put64(f, 0x12000, 0x13063);
	pte64(f, dz, 4u << 5);                                   /* demand zero */
	pte64(f, pf, (0x1234ull << 32) | (2u << 12) | 0x10 | (4u << 5)); /* page file 2 */
	pte64(f, sw, ((0x1234ull ^ 0x2000) << 32) | (3u << 12) | (4u << 5)); /* swizzled */
	pte64(f, old, (0x99ull << 32) | (5u << 1) | (4u << 5)); /* pre-17134 layout */
	dk_vas *v = mk(f, DK_PAGING_X64, 0x1000);
	dk_vas_set_windows_build(v, 19041);
	dk_xlate x;

	dk_vas_translate(v, t + 8, &x);
	assert_int_equal(x.state, DK_XL_TRANSITION);
	assert_int_equal(x.pa, 0x11008);
	assert_true(x.levels[3].flags & DK_XLF_TRANSITION);
	assert_true(dk_xlate_readable(v, &x));
	assert_int_equal(pfn_of_read(v, t), 0x11);

	dk_vas_translate(v, p + 4, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x13004);
	assert_int_equal(x.prototype_va, proto_va);
	assert_int_equal(x.nlevels, 5);
	assert_string_equal(x.levels[4].name, "ProtoPTE");
	assert_int_equal(x.levels[4].entry_pa, 0x12018);
	assert_int_equal(pfn_of_read(v, p), 0x13);

	/* the prototype PTE in a page file: reported with the state */
	fm_put64(f, 0x12018, (0x77ull << 32) | (1u << 12) | 0x10 | (4u << 5));
	dk_vas_flush(v);
	dk_vas_translate(v, p, &x);
	assert_int_equal(x.state, DK_XL_PAGEFILE);
	assert_int_equal(x.pagefile_number, 1);
	assert_int_equal(x.pagefile_offset, 0x77000);
	/* a subsection PTE (file-backed) */
	fm_put64(f, 0x12018, 0xFFFFA00012340400ull);
	dk_vas_flush(v);
	dk_vas_translate(v, p, &x);
	assert_int_equal(x.state, DK_XL_PROTOTYPE);
	/* the VAD marker */
	pte64(f, p, (0xFFFFFFFF0000ull << 16) | 0x400);
	dk_vas_flush(v);
	dk_vas_translate(v, p, &x);
	assert_int_equal(x.state, DK_XL_PROTOTYPE);
	assert_non_null(strstr(x.reason, "VAD"));
	/* a prototype whose PTE is not mapped */
	pte64(f, p, ((0xFFFFF80099990000ull & 0xFFFFFFFFFFFFull) << 16) | 0x400);
	dk_vas_flush(v);
	dk_vas_translate(v, p, &x);
	assert_int_equal(x.state, DK_XL_PROTOTYPE);
	assert_int_equal(x.prototype_va, 0xFFFFF80099990000ull);
	dk_error e;
	uint8_t b[8];
	assert_int_equal(dk_vas_read(v, p, b, 8, &e), DK_E_RANGE);
	assert_non_null(strstr(e.message, "prototype"));

	dk_vas_translate(v, dz, &x);
	assert_int_equal(x.state, DK_XL_DEMAND_ZERO);
	/* the same on a system that swizzles: InvalidPteMask bits in the raw PTE */
	pte64(f, dz, (0x2000ull << 32) | (4u << 5));
	dk_vas_flush(v);
	dk_vas_translate(v, dz, &x);
	assert_int_equal(x.state, DK_XL_DEMAND_ZERO);
	memset(b, 0xAA, sizeof b);
	assert_int_equal(dk_vas_read(v, dz + 0x10, b, 8, &e), DK_OK);
	assert_int_equal(b[0] | b[7], 0);
	dk_vas_set_demand_zero_reads(v, false);
	assert_int_equal(dk_vas_read(v, dz, b, 8, &e), DK_E_RANGE);

	dk_vas_translate(v, pf, &x);
	assert_int_equal(x.state, DK_XL_PAGEFILE);
	assert_int_equal(x.pagefile_number, 2);
	assert_int_equal(x.pagefile_offset, 0x1234000);
	assert_int_equal(dk_vas_read(v, pf, b, 8, &e), DK_E_RANGE);
	assert_non_null(strstr(e.message, "page file 2"));
	assert_non_null(strstr(e.message, "fffff80012348000"));

	dk_vas_translate(v, sw, &x);
	assert_int_equal(x.state, DK_XL_PAGEFILE);
	assert_int_equal(x.pagefile_number, 3);
	assert_int_equal(x.pagefile_offset, 0x1234000);

	dk_vas_set_windows_build(v, 7601);
	dk_vas_translate(v, old, &x);
	assert_int_equal(x.state, DK_XL_PAGEFILE);
	assert_int_equal(x.pagefile_number, 5);
	assert_int_equal(x.pagefile_offset, 0x99000);
	dk_vas_free(v);
	fm_free(f);
}

static void test_x64_missing_noncanonical_notindump(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	x64_tables(f, X64_VA);
	pte64(f, X64_VA, 0x999063); /* page 0x999 is not in the dump */
	/* a PML4 entry whose PDPT page is absent */
	fm_put64(f, 0x1000 + 8 * 5, 0x777063);
	dk_vas *v = mk(f, DK_PAGING_X64, 0x1000);
	dk_xlate x;
	dk_error e;
	uint8_t b[4];
	dk_vas_translate(v, X64_VA, &x);
	assert_int_equal(x.state, DK_XL_NOT_IN_DUMP);
	assert_int_equal(x.pa, 0x999000);
	assert_int_equal(dk_vas_read(v, X64_VA + 2, b, 4, &e), DK_E_RANGE);
	assert_non_null(strstr(e.message, "fffff80012345002"));
	assert_non_null(strstr(e.message, "not in dump"));

	dk_vas_translate(v, 5ull << 39, &x);
	assert_int_equal(x.state, DK_XL_TABLE_MISSING);
	assert_int_equal(x.nlevels, 2);
	assert_true(x.levels[1].flags & DK_XLF_FAULT);

	dk_vas_translate(v, 0x0000800000000000ull, &x);
	assert_int_equal(x.state, DK_XL_NONCANONICAL);
	assert_int_equal(x.nlevels, 0);
	assert_int_equal(dk_vas_read(v, 0x0000800000000000ull, b, 1, &e), DK_E_RANGE);
	assert_non_null(strstr(e.message, "canonical"));

	dk_vas_translate(v, 7ull << 39, &x);
	assert_int_equal(x.state, DK_XL_NOT_MAPPED);
	assert_int_equal(dk_vas_span(v, &x), 1ull << 39);
	/* a read that wraps the address space */
	assert_int_equal(dk_vas_read(v, 0xFFFFFFFFFFFFFFF8ull, b, 16, &e), DK_E_RANGE);
	/* the whole DTB page missing */
	dk_vas *v2 = mk(f, DK_PAGING_X64, 0x55000);
	dk_vas_translate(v2, X64_VA, &x);
	assert_int_equal(x.state, DK_XL_TABLE_MISSING);
	dk_vas_free(v2);
	dk_vas_free(v);
	fm_free(f);
}

static void test_x64_cross_page_and_cache(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	x64_tables(f, X64_VA);
	pte64(f, X64_VA, 0x20063);
	pte64(f, X64_VA + 0x1000, 0x30063); /* not contiguous physically */
	fm_data(f, 0x20);
	fm_data(f, 0x30);
	fm_data(f, 0x40);
	dk_vas *v = mk(f, DK_PAGING_X64, 0x1000);
	uint8_t b[16];
	dk_error e;
	assert_int_equal(dk_vas_read(v, X64_VA + 0xFF8, b, 16, &e), DK_OK);
	for (int i = 0; i < 8; i++)
		assert_int_equal(b[i], (uint8_t)(0x20 + 0xFF8 + i));
	assert_memory_equal(b + 8, "PAGE", 4);
	assert_int_equal(b[12], 0x30);
	/* the cache keeps the old translation until flushed */
	pte64(f, X64_VA + 0x1000, 0x40063);
	assert_int_equal(pfn_of_read(v, X64_VA + 0x1000), 0x30);
	dk_vas_flush(v);
	assert_int_equal(pfn_of_read(v, X64_VA + 0x1000), 0x40);
	/* reading the next page fails: the message names the first bad byte */
	assert_int_equal(dk_vas_read(v, X64_VA + 0x1FFE, b, 4, &e), DK_E_RANGE);
	assert_non_null(strstr(e.message, "0xfffff80012347000"));
	/* dk_vmem */
	dk_vmem vm;
	dk_vas_vmem(v, &vm);
	assert_int_equal(vm.read(vm.ctx, X64_VA, b, 4), DK_OK);
	assert_memory_equal(b, "PAGE", 4);
	assert_int_equal(vm.read(vm.ctx, X64_VA + 0x2000, b, 4), DK_E_RANGE);
	dk_vas_free(v);
	fm_free(f);
}

static void test_x64_loop(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	/* every entry of the only table points at the table itself */
	for (unsigned i = 0; i < 512; i++)
		fm_put64(f, 0x1000 + 8ull * i, 0x1063);
	dk_vas *v = mk(f, DK_PAGING_X64, 0x1000);
	dk_xlate x;
	dk_vas_translate(v, 0xFFFFF6FB7DBED000ull, &x);
	assert_int_equal(x.nlevels, 4);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x1000);
	uint8_t buf[3 * 4096];
	dk_error e;
	assert_int_equal(dk_vas_read(v, 0x1234000, buf, sizeof buf, &e), DK_OK);
	/* large-page bits everywhere: still bounded */
	for (unsigned i = 0; i < 512; i++)
		fm_put64(f, 0x1000 + 8ull * i, 0x10E3);
	dk_vas_flush(v);
	dk_vas_translate(v, 0xFFFFF6FB7DBED000ull, &x);
	assert_true(x.nlevels <= 4);
	dk_vas_free(v);
	fm_free(f);
}

/* ---------------- x86 ---------------- */

static void test_x86(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	uint32_t va = 0x80123000u;
	fm_put32(f, 0x1000 + 4u * (va >> 22), 0x2000 | 0x63);
	fm_put32(f, 0x2000 + 4u * ((va >> 12) & 0x3FF), 0x10063);
	fm_data(f, 0x10);
	/* 4 MiB page at 0x00800000 (PAT bit 12 set) */
	uint32_t va4m = 0x80800000u;
	fm_put32(f, 0x1000 + 4u * (va4m >> 22), 0x00800000 | 0x1000 | 0xE3);
	fm_data(f, 0x800 + 0x45);
	dk_vas *v = mk(f, DK_PAGING_X86, 0x1018);
	assert_int_equal(dk_vas_dtb(v), 0x1000);
	dk_xlate x;
	dk_vas_translate(v, va + 0x10, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x10010);
	assert_int_equal(x.nlevels, 2);
	assert_string_equal(x.levels[0].name, "PDE");
	assert_int_equal(pfn_of_read(v, va), 0x10);
	/* a sign-extended 32-bit address is the same address */
	dk_vas_translate(v, 0xFFFFFFFF80123010ull, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x10010);
	dk_vas_translate(v, 0x100000000ull, &x);
	assert_int_equal(x.state, DK_XL_NONCANONICAL);

	dk_vas_translate(v, va4m + 0x45678, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.page_size, 4u << 20);
	assert_int_equal(x.pa, 0x845678);
	assert_int_equal(pfn_of_read(v, va4m + 0x45000), 0x845);

	/* software PTEs */
	uint32_t pt = 0x2000;
	uint32_t base = va & ~0x3FFFFFu;
	fm_put32(f, pt + 4u * 0x130, 0x11000 | 0x800 | (4u << 5)); /* transition */
	fm_data(f, 0x11);
	/* prototype at 0x80123200 (in the valid page, pfn 0x10) */
	uint32_t proto = 0x80123200u;
	uint32_t enc = ((proto & 0x7FFFFC00u) << 1) | ((proto & 0x3FCu) >> 1) | 0x400;
	fm_put32(f, pt + 4u * 0x131, enc);
	fm_put32(f, 0x10200, 0x12063);
	fm_data(f, 0x12);
	fm_put32(f, 0x10200, 0x12063); /* fm_data(0x12) does not touch pfn 0x10 */
	fm_put32(f, pt + 4u * 0x132, (0x345u << 12) | (1u << 1) | (4u << 5)); /* page file 1 */
	fm_put32(f, pt + 4u * 0x133, 4u << 5); /* demand zero */
	dk_vas_flush(v);
	dk_vas_translate(v, base + 0x130000, &x);
	assert_int_equal(x.state, DK_XL_TRANSITION);
	assert_int_equal(pfn_of_read(v, base + 0x130000), 0x11);
	dk_vas_translate(v, base + 0x131000, &x);
	assert_int_equal(x.prototype_va, proto);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x12000);
	dk_vas_translate(v, base + 0x132000, &x);
	assert_int_equal(x.state, DK_XL_PAGEFILE);
	assert_int_equal(x.pagefile_number, 1);
	assert_int_equal(x.pagefile_offset, 0x345000);
	dk_vas_translate(v, base + 0x133000, &x);
	assert_int_equal(x.state, DK_XL_DEMAND_ZERO);
	dk_vas_translate(v, base + 0x134000, &x);
	assert_int_equal(x.state, DK_XL_NOT_MAPPED);
	/* a PDE pointing to itself (the self-map) terminates */
	fm_put32(f, 0x1000 + 4u * 0x300, 0x1063);
	dk_vas_flush(v); /* the tables changed */
	dk_vas_translate(v, 0xC0300000u + 4u * 0x300, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x1000 + 4u * 0x300);
	dk_vas_free(v);
	fm_free(f);
}

/* ---------------- PAE ---------------- */

static void test_pae(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	uint32_t va = 0x80123000u;
	/* PDPT at 0x1020: 32-byte aligned, not page aligned */
	fm_put64(f, 0x1020 + 8u * (va >> 30), 0x2001);
	fm_put64(f, 0x2000 + 8u * ((va >> 21) & 0x1FF), 0x3063);
	fm_put64(f, 0x3000 + 8u * ((va >> 12) & 0x1FF), 0x8000000000010063ull);
	fm_data(f, 0x10);
	uint32_t va2m = 0x80400000u;
	fm_put64(f, 0x2000 + 8u * ((va2m >> 21) & 0x1FF), 0x00600000 | 0x1000 | 0xE3);
	fm_data(f, 0x601);
	dk_vas *v = mk(f, DK_PAGING_PAE, 0x1020);
	assert_int_equal(dk_vas_dtb(v), 0x1020);
	dk_xlate x;
	dk_vas_translate(v, va + 0xABC, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x10ABC);
	assert_int_equal(x.nlevels, 3);
	assert_string_equal(x.levels[0].name, "PDPTE");
	assert_int_equal(x.levels[0].table_pa, 0x1020);
	assert_int_equal(x.levels[0].entry_pa, 0x1020 + 8u * 2);
	assert_true(x.levels[2].flags & DK_XLF_NX);
	assert_int_equal(pfn_of_read(v, va), 0x10);
	dk_vas_translate(v, va2m + 0x1234, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.page_size, 2u << 20);
	assert_int_equal(x.pa, 0x601234);
	/* software PTEs: transition, prototype (address in the high half) */
	fm_put64(f, 0x3000 + 8u * 0x124, 0x11000 | 0x800 | (4u << 5));
	fm_data(f, 0x11);
	uint32_t proto = 0x80123100u;
	fm_put64(f, 0x3000 + 8u * 0x125, ((uint64_t)proto << 32) | 0x400);
	fm_put64(f, 0x10100, 0x12063);
	fm_data(f, 0x12);
	fm_put64(f, 0x10100, 0x12063);
	fm_put64(f, 0x3000 + 8u * 0x126, (0x55ull << 32) | (1u << 12) | 0x10 | (4u << 5));
	dk_vas_flush(v);
	dk_vas_translate(v, 0x80124000u, &x);
	assert_int_equal(x.state, DK_XL_TRANSITION);
	assert_int_equal(x.pa, 0x11000);
	dk_vas_translate(v, 0x80125000u, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.prototype_va, proto);
	assert_int_equal(x.pa, 0x12000);
	dk_vas_translate(v, 0x80126000u, &x);
	assert_int_equal(x.state, DK_XL_PAGEFILE);
	assert_int_equal(x.pagefile_offset, 0x55000);
	/* a PDPTE that is not present */
	dk_vas_translate(v, 0x00001000u, &x);
	assert_int_equal(x.state, DK_XL_NOT_MAPPED);
	assert_int_equal(x.nlevels, 1);
	dk_vas_free(v);
	fm_free(f);
}

/* ---------------- ARM64 ---------------- */

static void test_arm64(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	uint64_t va = 0xFFFF800012345000ull;
	assert_int_equal(IDX(va, 39), 0x100);
	fm_put64(f, 0x1000 + 8ull * IDX(va, 39), 0x2003);
	fm_put64(f, 0x2000 + 8ull * IDX(va, 30), 0x3003);
	fm_put64(f, 0x3000 + 8ull * IDX(va, 21), 0x4003);
	fm_put64(f, 0x4000 + 8ull * IDX(va, 12), 0x0060000000010703ull); /* UXN|PXN, AF */
	fm_data(f, 0x10);
	/* user half through the same root */
	uint64_t uva = 0x00007FF612340000ull;
	fm_put64(f, 0x1000 + 8ull * IDX(uva, 39), 0x5003);
	fm_put64(f, 0x5000 + 8ull * IDX(uva, 30), 0x80000000ull | 0x401); /* 1 GiB block */
	fm_data(f, 0x80000 + ((uva >> 12) & 0x3FFFF));
	/* 2 MiB block in the kernel L2 */
	uint64_t va2m = 0xFFFF800012600000ull;
	fm_put64(f, 0x3000 + 8ull * IDX(va2m, 21), 0x00A00000 | 0x401);
	fm_data(f, 0xA07);
	/* a reserved L3 entry and an L0 block */
	fm_put64(f, 0x4000 + 8ull * IDX(va + 0x1000, 12), 0x11001);
	uint64_t l0blk = 0xFFFF880000000000ull;
	fm_put64(f, 0x1000 + 8ull * IDX(l0blk, 39), 0x40000001);
	/* ASID in TTBR bits 63:48 and CnP bit 0 are masked */
	dk_vas *v = mk(f, DK_PAGING_ARM64, 0x0055000000001001ull);
	assert_int_equal(dk_vas_dtb(v), 0x1000);
	dk_xlate x;
	dk_vas_translate(v, va + 0x44, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x10044);
	assert_int_equal(x.nlevels, 4);
	assert_string_equal(x.levels[0].name, "L0");
	assert_int_equal(x.levels[0].index, 0x100);
	assert_true(x.levels[3].flags & DK_XLF_NX);
	assert_int_equal(pfn_of_read(v, va), 0x10);
	dk_vas_translate(v, uva + 0x10, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.page_size, 1u << 30);
	assert_int_equal(x.pa, 0x80000000ull + (uva & 0x3FFFFFFF) + 0x10);
	assert_true(x.levels[1].flags & DK_XLF_LARGE);
	assert_int_equal(pfn_of_read(v, uva), 0x80000 + ((uva >> 12) & 0x3FFFF));
	dk_vas_translate(v, va2m + 0x7123, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.page_size, 2u << 20);
	assert_int_equal(x.pa, 0xA07123);
	dk_vas_translate(v, va + 0x1000, &x);
	assert_int_equal(x.state, DK_XL_NOT_MAPPED);
	assert_non_null(strstr(x.reason, "reserved"));
	dk_vas_translate(v, l0blk, &x);
	assert_int_equal(x.state, DK_XL_NOT_MAPPED);
	assert_non_null(strstr(x.reason, "L0"));
	dk_vas_translate(v, 0x0001000000000000ull, &x);
	assert_int_equal(x.state, DK_XL_NONCANONICAL);
	dk_vas_translate(v, va + 0x2000, &x);
	assert_int_equal(x.state, DK_XL_NOT_MAPPED);
	dk_vas_free(v);
	fm_free(f);
}

static void test_create_errors(void **state)
{
	(void)state;
	fakemem *f = fm_new();
	dk_vas *v = NULL;
	dk_error e;
	assert_int_equal(dk_vas_create(&f->pm, DK_PAGING_NONE, 0, &v, &e), DK_E_ARG);
	assert_null(v);
	assert_int_equal(dk_vas_create(&f->pm, DK_PAGING_X86, 0x100000000ull, &v, &e), DK_E_ARG);
	assert_int_equal(dk_vas_create(NULL, DK_PAGING_X64, 0, &v, &e), DK_E_ARG);
	f->pm.page_size = 8192;
	assert_int_equal(dk_vas_create(&f->pm, DK_PAGING_X64, 0, &v, &e), DK_E_UNSUPPORTED);
	assert_int_equal(dk_paging_from_name("pae"), DK_PAGING_PAE);
	assert_int_equal(dk_paging_from_name("amd64"), DK_PAGING_X64);
	assert_int_equal(dk_paging_from_name("mips"), DK_PAGING_NONE);
	assert_string_equal(dk_paging_name(DK_PAGING_ARM64), "arm64");
	assert_string_equal(dk_xlate_state_name(DK_XL_TRANSITION), "transition");
	fm_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x64_valid_and_pcid),
		cmocka_unit_test(test_x64_large_pages),
		cmocka_unit_test(test_x64_software_ptes),
		cmocka_unit_test(test_x64_missing_noncanonical_notindump),
		cmocka_unit_test(test_x64_cross_page_and_cache),
		cmocka_unit_test(test_x64_loop),
		cmocka_unit_test(test_x86),
		cmocka_unit_test(test_pae),
		cmocka_unit_test(test_arm64),
		cmocka_unit_test(test_create_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
