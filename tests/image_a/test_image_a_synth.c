/* dmpkit tests — raw, ELF, LiME and AVML readers on files the test builds:
 * ELF with PN_XNUM, a VirtualBox-shaped core, an ELF32 core with a
 * non-aligned p_paddr, makedumpfile -E-like p_filesz < p_memsz, AVML v1/v2
 * (snappy framed with libsnappy), raw with and without a map, LiME
 * compress=1, and damaged inputs (truncations, lying fields, overlaps).
 * SPDX-License-Identifier: MIT */
#include <zlib.h>

#include "ia_util.h"
#include "image_internal.h"

/* Page i of the synthetic memory: a recognisable pattern. */
static void fill_page(uint8_t *p, uint64_t pfn)
{
	for (unsigned i = 0; i < 4096; i += 8) {
		uint64_t v = (pfn << 20) ^ (i * 0x9E3779B97F4A7C15ull) ^ 0x5A5A;
		memcpy(p + i, &v, 8);
	}
}

static void expect_page(const dk_image *img, uint64_t pfn, const uint8_t *want)
{
	uint8_t got[4096];
	assert_int_equal(ia_page(img, pfn, got), DK_OK);
	assert_memory_equal(got, want, 4096);
}

/* ---- ELF ---- */

/* QEMU-like ELF64: ehdr, then a PT_NOTE (CORE 0x150 + QEMU 0x1b8 +
 * VMCOREINFO), phdrs at `phoff` (> 64 to mimic QEMU 7.2), PT_LOADs with
 * odd p_offsets.  xnum: e_phnum = PN_XNUM and the count in shdr[0]. */
static void build_qemu_elf(ia_buf *b, bool xnum)
{
	const unsigned nph = 3;
	ia_elf64_ehdr(b, 62, 0xC0, xnum ? 0xffff : (uint16_t)nph, 0x40, 1);
	ia_w16(b, 52, 8); /* QEMU 7.2's e_ehsize */
	size_t sh = ia_put(b, NULL, 0x80);            /* shdr[0] (+ room) at 0x40 */
	ia_w32(b, sh + 44, xnum ? nph : 0);             /* sh_info */
	size_t ph = ia_put(b, NULL, 56 * nph);          /* at 0xC0 */
	assert_int_equal(ph, 0xC0);
	size_t notes = b->n;
	uint8_t prs[0x150], qemu[0x1b8];
	memset(prs, 0, sizeof prs);
	memset(qemu, 0, sizeof qemu);
	for (int i = 0; i < 27; i++)
		for (int k = 0; k < 8; k++)
			prs[0x70 + 8 * i + k] = (uint8_t)((uint64_t)(0x1000 + i) >> (8 * k));
	ia_buf q = { qemu, 0, sizeof qemu };
	ia_w32(&q, 0, 1);
	ia_w32(&q, 4, 0x1b8);
	ia_w64(&q, 0x88, 0xfffff80000001234ull); /* rip */
	ia_w64(&q, 0x188, 0x80050033);          /* cr0 */
	ia_w64(&q, 0x1a0, 0x1ad000);            /* cr3 */
	ia_w64(&q, 0x1a8, 0x6f8);               /* cr4 */
	ia_w32(&q, 0x158 + 4, 0x7f);            /* gdt limit */
	ia_w64(&q, 0x158 + 16, 0xfffff80000a00000ull);
	ia_w64(&q, 0x1b0, 0xfffff80000b00000ull); /* kernel_gs_base */
	ia_note(b, "CORE", 5, 4, 1, prs, sizeof prs);
	ia_note(b, "QEMU", 5, 4, 0, qemu, sizeof qemu);
	ia_note(b, "VMCOREINFO", 11, 4, 0, "OSRELEASE=test\n", 15);
	size_t notes_len = b->n - notes;
	ia_put(b, NULL, 3); /* p_offset not aligned */
	uint8_t page[4096];
	size_t load1 = b->n;
	for (uint64_t pfn = 0; pfn < 4; pfn++) {
		fill_page(page, pfn);
		ia_put(b, page, 4096);
	}
	size_t load2 = b->n;
	fill_page(page, 0xfffc0);
	ia_put(b, page, 4096);
	ia_elf64_phdr(b, ph, 4, notes, 0, notes_len, notes_len);
	ia_elf64_phdr(b, ph + 56, 1, load1, 0, 4 * 4096, 4 * 4096);
	ia_elf64_phdr(b, ph + 112, 1, load2, 0xfffc0000, 4096, 4096);
}

static void check_qemu_elf(const ia_buf *b)
{
	dk_image *img = ia_open_mem(b, NULL, NULL);
	assert_string_equal(dk_image_format(img), "elf");
	assert_non_null(strstr(dk_image_describe(img), "QEMU dump-guest-memory"));
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 2);
	assert_int_equal(r[0].base_pfn, 0);
	assert_int_equal(r[0].count, 4);
	assert_int_equal(r[1].base_pfn, 0xfffc0);
	uint8_t want[4096];
	for (uint64_t pfn = 0; pfn < 4; pfn++) {
		fill_page(want, pfn);
		expect_page(img, pfn, want);
	}
	fill_page(want, 0xfffc0);
	expect_page(img, 0xfffc0, want);
	assert_int_equal(dk_image_cpu_count(img), 1);
	const dk_image_cpu *c = dk_image_cpu_state(img, 0);
	assert_int_equal(c->bits, 64);
	assert_int_equal(c->gpr[0], 0x1000 + 10); /* rax is user_regs_struct slot 10 */
	assert_int_equal(c->gpr[15], 0x1000 + 0);  /* r15 slot 0 */
	assert_int_equal(c->gpr[4], 0x1000 + 19);  /* rsp slot 19 */
	assert_int_equal(c->rip, 0x1000 + 16);     /* NT_PRSTATUS wins for GPRs */
	assert_int_equal(c->cr3, 0x1ad000);
	assert_int_equal(c->cr0, 0x80050033);
	assert_int_equal(c->cr4, 0x6f8);
	assert_int_equal(c->gdt_limit, 0x7f);
	assert_int_equal(c->gdt_base, 0xfffff80000a00000ull);
	assert_int_equal(c->kernel_gs_base, 0xfffff80000b00000ull);
	assert_true(c->have & DK_CPU_HAVE_CR3);
	size_t vl;
	const uint8_t *v = dk_image_vmcoreinfo(img, &vl);
	assert_int_equal(vl, 15);
	assert_memory_equal(v, "OSRELEASE=test\n", 15);
	dk_image_close(img);
}

static void test_elf_qemu_like(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	build_qemu_elf(&b, false);
	check_qemu_elf(&b);
	free(b.p);
}

static void test_elf_pn_xnum(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	build_qemu_elf(&b, true);
	check_qemu_elf(&b);
	dk_image *img = ia_open_mem(&b, "elf", NULL);
	assert_true(ia_has_note(img, "PN_XNUM"));
	dk_image_close(img);
	/* PN_XNUM with no section header table */
	ia_w64(&b, 40, 0);
	ia_open_fails(b.p, b.n, "elf", NULL, DK_E_FORMAT, "PN_XNUM");
	/* a count in sh_info that does not fit the file */
	ia_w64(&b, 40, 0x40);
	ia_w32(&b, 0x40 + 44, 0x40000000);
	ia_open_fails(b.p, b.n, "elf", NULL, DK_E_FORMAT, "past the file's end");
	free(b.p);
}

/* Two vCPUs as QEMU writes them: every NT_PRSTATUS first, then every
 * QEMU note; they pair in order. */
static void test_elf_two_cpus(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	ia_elf64_ehdr(&b, 62, 64, 2, 0, 0);
	size_t ph = ia_put(&b, NULL, 2 * 56);
	size_t notes = b.n;
	uint8_t prs[0x150], qemu[0x1b8];
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		memset(prs, 0, sizeof prs);
		ia_buf p = { prs, 0, sizeof prs };
		ia_w64(&p, 0x70 + 8 * 16, 0xaa00 + cpu); /* rip */
		ia_note(&b, "CORE", 5, 4, 1, prs, sizeof prs);
	}
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		memset(qemu, 0, sizeof qemu);
		ia_buf q = { qemu, 0, sizeof qemu };
		ia_w32(&q, 0, 1);
		ia_w32(&q, 4, 0x1b8);
		ia_w64(&q, 0x1a0, 0x100000 * (cpu + 1)); /* cr3 */
		ia_note(&b, "QEMU", 5, 4, 0, qemu, sizeof qemu);
	}
	size_t notes_len = b.n - notes;
	size_t load = ia_put(&b, NULL, 4096);
	ia_elf64_phdr(&b, ph, 4, notes, 0, notes_len, notes_len);
	ia_elf64_phdr(&b, ph + 56, 1, load, 0, 4096, 4096);
	dk_image *img = ia_open_mem(&b, "elf", NULL);
	assert_int_equal(dk_image_cpu_count(img), 2);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		const dk_image_cpu *c = dk_image_cpu_state(img, cpu);
		assert_int_equal(c->rip, 0xaa00 + cpu);
		assert_int_equal(c->cr3, 0x100000 * (cpu + 1));
	}
	assert_null(dk_image_cpu_state(img, 2));
	assert_non_null(strstr(dk_image_describe(img), "2 vCPUs"));
	dk_image_close(img);
	free(b.p);
}

/* VirtualBox dumpvmcore: phdrs at 64, EI_VERSION 0, VBCORE/VBCPU notes
 * with n_namesz lacking the NUL and names padded to 8, RAM PT_LOAD and an
 * MMIO PT_LOAD with p_filesz 0. */
static void test_elf_virtualbox(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	ia_elf64_ehdr(&b, 62, 64, 3, 0, 0);
	b.p[6] = 0;
	size_t ph = ia_put(&b, NULL, 3 * 56);
	size_t notes = b.n;
	uint8_t core[24];
	ia_buf c = { core, 0, sizeof core };
	memset(core, 0, sizeof core);
	ia_w32(&c, 0, 0xc01ac0de);
	ia_w32(&c, 4, 0x00010005);
	ia_w32(&c, 8, 24);
	ia_w32(&c, 12, 7u << 24 | 0u << 16 | 12);
	ia_w32(&c, 16, 159000);
	ia_w32(&c, 20, 1);
	ia_note(&b, "VBCORE", 6, 8, 0xb00, core, sizeof core);
	uint8_t cpu[0x240];
	memset(cpu, 0, sizeof cpu);
	ia_buf u = { cpu, 0, sizeof cpu };
	for (int i = 0; i < 18; i++)
		ia_w64(&u, 8 * i, 0x2000 + i); /* rax rbx rcx rdx rsi rdi r8..r15 rip rsp rbp rflags */
	ia_w16(&u, 0x90 + 16, 0x10);        /* cs.uSel */
	ia_w64(&u, 0xf0, 0xfffff78000000000ull); /* gs.uBase */
	ia_w64(&u, 0x130, 0x7aa000);        /* cr3 */
	ia_w64(&u, 0x180, 0xfffff80001000000ull); /* gdtr.uAddr */
	ia_w32(&u, 0x188, 0x57);
	ia_w64(&u, 0x1e8, 0xd01);           /* EFER: LME|LMA|NXE|SCE */
	ia_w64(&u, 0x218, 0xfffff80002000000ull); /* KernelGSBase */
	ia_note(&b, "VBCPU", 5, 8, 0xb01, cpu, sizeof cpu);
	size_t notes_len = b.n - notes;
	size_t load = b.n; /* right after the notes, not page-aligned */
	uint8_t page[4096];
	for (uint64_t pfn = 0; pfn < 3; pfn++) {
		fill_page(page, pfn);
		ia_put(&b, page, 4096);
	}
	ia_elf64_phdr(&b, ph, 4, notes, 0, notes_len, notes_len);
	ia_elf64_phdr(&b, ph + 56, 1, load, 0, 3 * 4096, 3 * 4096);
	ia_elf64_phdr(&b, ph + 112, 1, 0x7fffffff0, 0xe0000000, 0, 0x1000000); /* MMIO */
	ia_w64(&b, ph + 16, 0); /* p_vaddr 0 */

	dk_image *img = ia_open_mem(&b, NULL, NULL);
	assert_non_null(strstr(dk_image_describe(img), "VirtualBox"));
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 1);
	assert_int_equal(r[0].count, 3);
	assert_true(ia_has_note(img, "MMIO"));
	for (uint64_t pfn = 0; pfn < 3; pfn++) {
		fill_page(page, pfn);
		expect_page(img, pfn, page);
	}
	assert_int_equal(dk_image_cpu_count(img), 1);
	const dk_image_cpu *cp = dk_image_cpu_state(img, 0);
	assert_int_equal(cp->gpr[0], 0x2000);      /* rax */
	assert_int_equal(cp->gpr[1], 0x2002);      /* rcx */
	assert_int_equal(cp->gpr[3], 0x2001);      /* rbx */
	assert_int_equal(cp->gpr[4], 0x2000 + 15); /* rsp */
	assert_int_equal(cp->gpr[15], 0x2000 + 13); /* r15 */
	assert_int_equal(cp->rip, 0x2000 + 14);
	assert_int_equal(cp->rflags, 0x2000 + 17);
	assert_int_equal(cp->cs, 0x10);
	assert_int_equal(cp->gs_base, 0xfffff78000000000ull);
	assert_int_equal(cp->cr3, 0x7aa000);
	assert_int_equal(cp->efer, 0xd01);
	assert_int_equal(cp->bits, 64);
	assert_int_equal(cp->gdt_base, 0xfffff80001000000ull);
	assert_int_equal(cp->gdt_limit, 0x57);
	assert_int_equal(cp->kernel_gs_base, 0xfffff80002000000ull);
	assert_true(cp->have & DK_CPU_HAVE_EFER);
	dk_image_close(img);
	ia_truncation_sweep(b.p, b.n, "elf", 61);
	free(b.p);
}

/* ELF32 core, i386 NT_PRSTATUS (0x90), a PT_LOAD at a non-aligned p_paddr. */
static void test_elf32(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	ia_put(&b, NULL, 52);
	memcpy(b.p, "\177ELF\1\1\1", 7);
	ia_w16(&b, 16, 4);
	ia_w16(&b, 18, 3);
	ia_w32(&b, 20, 1);
	ia_w32(&b, 28, 52); /* e_phoff */
	ia_w16(&b, 40, 52);
	ia_w16(&b, 42, 32);
	ia_w16(&b, 44, 2);
	size_t ph = ia_put(&b, NULL, 64);
	size_t notes = b.n;
	uint8_t prs[0x90];
	memset(prs, 0, sizeof prs);
	ia_buf p = { prs, 0, sizeof prs };
	for (int i = 0; i < 17; i++)
		ia_w32(&p, 0x48 + 4 * i, 0x300 + i); /* ebx ecx edx esi edi ebp eax ds es fs gs orig eip cs eflags esp ss */
	ia_note(&b, "CORE", 5, 4, 1, prs, sizeof prs);
	size_t notes_len = b.n - notes;
	size_t load = b.n;
	uint8_t data[0x1000];
	for (unsigned i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	ia_put(&b, data, sizeof data);
	ia_w32(&b, ph, 4);
	ia_w32(&b, ph + 4, (uint32_t)notes);
	ia_w32(&b, ph + 16, (uint32_t)notes_len);
	ia_w32(&b, ph + 20, (uint32_t)notes_len);
	ia_w32(&b, ph + 32, 1);
	ia_w32(&b, ph + 32 + 4, (uint32_t)load);
	ia_w32(&b, ph + 32 + 12, 0x2800); /* p_paddr inside page 2 */
	ia_w32(&b, ph + 32 + 16, 0x1000);
	ia_w32(&b, ph + 32 + 20, 0x1000);

	dk_image *img = ia_open_mem(&b, NULL, NULL);
	assert_non_null(strstr(dk_image_describe(img), "ELF32"));
	dk_run r[2];
	assert_int_equal(ia_runs(img, r, 2), 1);
	assert_int_equal(r[0].base_pfn, 2);
	assert_int_equal(r[0].count, 2);
	uint8_t pg[8192];
	dk_error err;
	assert_int_equal(dk_physmem_read(dk_image_physmem(img), 0x2000, pg, 8192, &err), DK_OK);
	uint8_t zero[0x800];
	memset(zero, 0, sizeof zero);
	assert_memory_equal(pg, zero, 0x800);
	assert_memory_equal(pg + 0x800, data, 0x1000);
	assert_memory_equal(pg + 0x1800, zero, 0x800);
	const dk_image_cpu *c = dk_image_cpu_state(img, 0);
	assert_non_null(c);
	assert_int_equal(c->bits, 32);
	assert_int_equal(c->gpr[0], 0x306); /* eax */
	assert_int_equal(c->gpr[3], 0x300); /* ebx */
	assert_int_equal(c->gpr[4], 0x30f); /* esp */
	assert_int_equal(c->rip, 0x30c);
	assert_int_equal(c->cs, 0x30d);
	assert_int_equal(c->ss, 0x310);
	dk_image_close(img);
	ia_truncation_sweep(b.p, b.n, "elf", 7);
	free(b.p);
}

/* makedumpfile -E-like: p_filesz < p_memsz, the tail reads as zeros. */
static void test_elf_filtered(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	ia_elf64_ehdr(&b, 62, 64, 2, 0, 0);
	size_t ph = ia_put(&b, NULL, 2 * 56);
	ia_align(&b, 4096);
	uint8_t page[4096];
	size_t l1 = b.n;
	fill_page(page, 0x10);
	ia_put(&b, page, 4096);
	ia_put(&b, page, 0x800); /* half of page 0x11 */
	size_t l2 = b.n;
	fill_page(page, 0x20);
	ia_put(&b, page, 4096);
	ia_elf64_phdr(&b, ph, 1, l1, 0x10000, 0x1800, 0x4000);
	ia_elf64_phdr(&b, ph + 56, 1, l2, 0x20000, 0x1000, 0x1000);
	dk_image *img = ia_open_mem(&b, "elf", NULL);
	assert_non_null(strstr(dk_image_describe(img), "makedumpfile -E"));
	assert_true(ia_has_note(img, "p_filesz < p_memsz"));
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 2);
	assert_int_equal(r[0].base_pfn, 0x10);
	assert_int_equal(r[0].count, 4);
	fill_page(page, 0x10);
	expect_page(img, 0x10, page);
	uint8_t want[4096];
	memcpy(want, page, 0x800);
	memset(want + 0x800, 0, 0x800);
	expect_page(img, 0x11, want);
	memset(want, 0, sizeof want);
	expect_page(img, 0x12, want);
	expect_page(img, 0x13, want);
	fill_page(page, 0x20);
	expect_page(img, 0x20, page);
	assert_int_equal(ia_page(img, 0x14, page), DK_E_RANGE);
	dk_image_close(img);

	/* p_filesz > p_memsz is a lie */
	ia_w64(&b, ph + 32, 0x8000);
	ia_open_fails(b.p, b.n, "elf", NULL, DK_E_FORMAT, "larger than p_memsz");
	/* overlapping PT_LOADs */
	ia_elf64_phdr(&b, ph, 1, l1, 0x10000, 0x1800, 0x4000);
	ia_elf64_phdr(&b, ph + 56, 1, l2, 0x12000, 0x1000, 0x1000);
	ia_open_fails(b.p, b.n, "elf", NULL, DK_E_FORMAT, "overlaps");
	free(b.p);
}

static void test_elf_damaged(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	build_qemu_elf(&b, false);
	ia_buf c = { malloc(b.n), b.n, b.n };
	assert_non_null(c.p);
#define RESET() memcpy(c.p, b.p, b.n)
	RESET();
	ia_w16(&c, 56, 0x7000); /* e_phnum far too large */
	ia_open_fails(c.p, c.n, "elf", NULL, DK_E_FORMAT, "past the file's end");
	RESET();
	ia_w64(&c, 32, 0xfffffffffffffff0ull); /* e_phoff */
	ia_open_fails(c.p, c.n, "elf", NULL, DK_E_FORMAT, "e_phoff");
	RESET();
	ia_w64(&c, 0xC0 + 56 + 32, 0x100000000ull); /* PT_LOAD p_filesz/p_memsz */
	ia_w64(&c, 0xC0 + 56 + 40, 0x100000000ull);
	ia_open_fails(c.p, c.n, "elf", NULL, DK_E_FORMAT, "Elf64_Phdr[1] (PT_LOAD");
	RESET();
	ia_w64(&c, 0xC0 + 56 + 24, 0xfffffffffffff000ull); /* p_paddr near 2^64 */
	ia_open_fails(c.p, c.n, "elf", NULL, DK_E_FORMAT, "2^64");
	RESET();
	ia_w32(&c, 0x168 + 4, 0x7fffffff); /* first note's n_descsz */
	ia_open_fails(c.p, c.n, "elf", NULL, DK_E_FORMAT, "n_descsz");
	RESET();
	ia_w16(&c, 16, 2); /* ET_EXEC */
	ia_open_fails(c.p, c.n, "elf", NULL, DK_E_FORMAT, "ET_CORE");
	RESET();
	ia_w16(&c, 56, 0); /* no program headers, like a Xen dump-core */
	ia_w64(&c, 32, 0);
	assert_int_equal(dk_reader_elf.probe(c.p, c.n, c.n), 0);
	ia_open_fails(c.p, c.n, "elf", NULL, DK_E_FORMAT, "no program headers");
#undef RESET
	ia_truncation_sweep(b.p, b.n, "elf", 97);
	free(c.p);
	free(b.p);
}

/* ---- raw ---- */

static void test_raw_padded_partial(void **state)
{
	(void)state;
	ia_buf b = { 0 };
	uint8_t page[4096];
	fill_page(page, 0);
	ia_put(&b, page, 4096);
	fill_page(page, 1);
	ia_put(&b, page, 0x800);
	dk_image *img = ia_open_mem(&b, NULL, NULL);
	assert_string_equal(dk_image_format(img), "raw");
	assert_non_null(strstr(dk_image_describe(img), "cannot be told from zero pages"));
	assert_true(ia_has_note(img, "not a multiple of the page size"));
	assert_int_equal(dk_image_physmem(img)->present_pages, 2);
	uint8_t want[4096];
	memcpy(want, page, 0x800);
	memset(want + 0x800, 0, 0x800);
	expect_page(img, 1, want);
	dk_image_close(img);
	ia_open_fails(b.p, 0, "raw", NULL, DK_E_FORMAT, "empty");
	free(b.p);
}

static void test_raw_map(void **state)
{
	(void)state;
	/* physical 0x1000-0x2bff (0x1c00 bytes) then 0x10000+0x2000, stored
	 * in the opposite order: the map order is the file order */
	ia_buf b = { 0 };
	uint8_t mem[0x4000];
	for (unsigned i = 0; i < sizeof mem; i++)
		mem[i] = (uint8_t)(i * 13 + 5);
	ia_put(&b, mem + 0x1c00, 0x2000);
	ia_put(&b, mem, 0x1c00);
	const char *map = "0x10000+0x2000, 4096-0x2BFF";
	dk_image *img = ia_open_mem(&b, "raw", map);
	assert_non_null(strstr(dk_image_describe(img), "unpadded"));
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 2);
	assert_int_equal(r[0].base_pfn, 1);
	assert_int_equal(r[0].count, 2);
	assert_int_equal(r[1].base_pfn, 0x10);
	assert_int_equal(r[1].count, 2);
	uint8_t want[4096];
	expect_page(img, 1, mem);
	memcpy(want, mem + 0x1000, 0xc00);
	memset(want + 0xc00, 0, 0x400);
	expect_page(img, 2, want);
	expect_page(img, 0x10, mem + 0x1c00);
	expect_page(img, 0x11, mem + 0x2c00);
	assert_true(ia_has_note(img, "page boundary"));
	dk_image_close(img);

	ia_open_fails(b.p, b.n, "raw", "0x10000+0x2000", DK_E_FORMAT, "0x3c00");
	ia_open_fails(b.p, b.n, "raw", "0x10000+0x2000,0x11000+0x1c00", DK_E_ARG, "overlaps");
	ia_open_fails(b.p, b.n, "raw", "0x10000+0x2000,0x2000-0x1000", DK_E_ARG, "START-END");
	ia_open_fails(b.p, b.n, "raw", "0x10000+0x2000,zz", DK_E_ARG, "zz");
	ia_open_fails(b.p, b.n, "raw", "0x10000+0,0x0+0x3c00", DK_E_ARG, "LEN > 0");
	ia_open_fails(b.p, b.n, "raw", "0xffffffffffffffff+2", DK_E_ARG, "map item 1");
	ia_open_fails(b.p, b.n, "raw", "0x1000-0x2bff,", DK_E_ARG, "map item 2");
	free(b.p);
}

/* ---- LiME / AVML ---- */

/* Synthetic memory: ranges 0x1000-0x9fbff-like (not page aligned at the
 * end) and 0x100000 + 0x30000. */
static uint8_t *synth_mem(size_t *n)
{
	*n = 0x130000;
	uint8_t *m = malloc(*n);
	assert_non_null(m);
	for (size_t pfn = 0; pfn < *n / 4096; pfn++)
		fill_page(m + pfn * 4096, pfn);
	return m;
}

static void build_lime(ia_buf *b, const uint8_t *m, uint32_t magic, uint32_t version,
                       bool exclusive)
{
	static const uint64_t rs[2][2] = { { 0x1000, 0x1fbff }, { 0x100000, 0x12ffff } };
	for (int i = 0; i < 2; i++) {
		uint64_t s = rs[i][0], e = rs[i][1];
		ia_lime_hdr(b, magic, version, s, exclusive ? e + 1 : e);
		if (version == 1) {
			ia_put(b, m + s, e - s + 1);
		} else {
			size_t len = ia_snappy_frame(b, m + s, e - s + 1);
			ia_put64(b, len);
		}
	}
}

static void check_lime_like(const dk_image *img, const uint8_t *m)
{
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 2);
	assert_int_equal(r[0].base_pfn, 1);
	assert_int_equal(r[0].count, 0x1f);
	assert_int_equal(r[1].base_pfn, 0x100);
	assert_int_equal(r[1].count, 0x30);
	for (uint64_t pfn = 1; pfn < 0x1f; pfn++)
		expect_page(img, pfn, m + pfn * 4096);
	uint8_t want[4096];
	memcpy(want, m + 0x1f000, 0xc00);
	memset(want + 0xc00, 0, 0x400);
	expect_page(img, 0x1f, want);
	/* a multi-page read across chunk boundaries, backwards then forwards */
	for (uint64_t pfn = 0x12f; pfn >= 0x100; pfn -= 5)
		expect_page(img, pfn, m + pfn * 4096);
	uint8_t *big = malloc(0x30 * 4096);
	assert_non_null(big);
	dk_error err;
	assert_int_equal(dk_physmem_read(dk_image_physmem(img), 0x100000, big, 0x30 * 4096, &err),
	                 DK_OK);
	assert_memory_equal(big, m + 0x100000, 0x30 * 4096);
	free(big);
	assert_int_equal(ia_page(img, 0x20, want), DK_E_RANGE);
}

static void test_lime_synthetic(void **state)
{
	(void)state;
	dk_image *img;
	size_t n;
	uint8_t *m = synth_mem(&n);
	ia_buf b = { 0 };
	build_lime(&b, m, 0x4C694D45, 1, false);
	img = ia_open_mem(&b, NULL, NULL);
	assert_string_equal(dk_image_format(img), "lime");
	check_lime_like(img, m);
	assert_true(ia_has_note(img, "inside a page"));
	dk_image_close(img);

	ia_truncation_sweep(b.p, b.n, "lime", 4093);
	ia_truncation_sweep(b.p, 200, "lime", 1);
	/* lying e_addr: more data than the file holds */
	ia_buf c = { malloc(b.n), b.n, b.n };
	memcpy(c.p, b.p, b.n);
	ia_w64(&c, 16, 0x7fffffff);
	ia_open_fails(c.p, c.n, "lime", NULL, DK_E_TRUNCATED, "needs 0x7ffff000 bytes");
	memcpy(c.p, b.p, b.n);
	ia_w64(&c, 16, 0x10); /* e_addr below s_addr */
	ia_open_fails(c.p, c.n, "lime", NULL, DK_E_FORMAT, "below s_addr");
	memcpy(c.p, b.p, b.n);
	ia_w32(&c, 32 + 0x1ec00, 0x12345678); /* second header's magic */
	ia_open_fails(c.p, c.n, "lime", NULL, DK_E_FORMAT, "file offset 0x1ec20");
	/* overlapping ranges */
	memcpy(c.p, b.p, b.n);
	ia_w64(&c, 32 + 0x1ec00 + 8, 0x10000);
	ia_w64(&c, 32 + 0x1ec00 + 16, 0x10000 + 0x30000 - 1);
	ia_open_fails(c.p, c.n, "lime", NULL, DK_E_FORMAT, "overlaps");
	free(c.p);

	/* compress=1: the whole stream deflated (windowBits 11 as LiME's
	 * kernel zlib writes it); small blocks so there are several points */
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 11, 8, Z_DEFAULT_STRATEGY), Z_OK);
	ia_buf z = { 0 };
	ia_reserve(&z, deflateBound(&zs, b.n) + 4096);
	zs.next_in = b.p;
	zs.avail_in = (uInt)b.n;
	zs.next_out = z.p;
	zs.avail_out = (uInt)z.cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	z.n = zs.total_out;
	deflateEnd(&zs);
	assert_int_equal(z.p[0], 0x38);
	img = ia_open_mem(&z, NULL, NULL);
	assert_string_equal(dk_image_format(img), "lime");
	assert_non_null(strstr(dk_image_describe(img), "compress=1"));
	check_lime_like(img, m);
	dk_image_close(img);
	ia_truncation_sweep(z.p, z.n, "lime", 1031);
	/* a damaged stream: a clear error at open, no crash */
	z.p[z.n / 2] ^= 0xff;
	z.p[z.n / 2 + 1] ^= 0x3c;
	dk_image_options o;
	memset(&o, 0, sizeof o);
	dk_image *zi = NULL;
	dk_error err;
	dk_status zst = dk_image_open_memory(z.p, z.n, "x.lime.zlib", &o, &zi, &err);
	if (zst == DK_OK)
		dk_image_close(zi);
	else
		assert_non_null(strstr(err.message, "x.lime.zlib"));
	free(z.p);
	free(b.p);
	free(m);
}

static void test_avml(void **state)
{
	(void)state;
	size_t n;
	uint8_t *m = synth_mem(&n);
	/* version 2, inclusive ends (microsoft/avml image.rs) */
	ia_buf b = { 0 };
	build_lime(&b, m, 0x4C4D5641, 2, false);
	dk_image *img = ia_open_mem(&b, NULL, NULL);
	assert_string_equal(dk_image_format(img), "avml");
	assert_non_null(strstr(dk_image_describe(img), "AVML v2"));
	check_lime_like(img, m);
	dk_image_close(img);
	ia_truncation_sweep(b.p, b.n, "avml", 1021);

	/* damaged: a flipped data byte fails its CRC when read */
	ia_buf c = { malloc(b.n), b.n, b.n };
	memcpy(c.p, b.p, b.n);
	size_t first_chunk = 32 + 10 + 7; /* header, identifier, padding */
	assert_int_equal(c.p[first_chunk], 0x00);
	c.p[first_chunk + 4] ^= 0x55; /* the CRC */
	img = ia_open_mem(&c, "avml", NULL);
	uint8_t page[4096];
	dk_error err;
	assert_int_equal(dk_physmem_read(dk_image_physmem(img), 0x1000, page, 4096, &err),
	                 DK_E_FORMAT);
	assert_non_null(strstr(err.message, "CRC-32C"));
	dk_image_close(img);
	/* reserved unskippable chunk type */
	memcpy(c.p, b.p, b.n);
	c.p[32 + 10] = 0x02;
	ia_open_fails(c.p, c.n, "avml", NULL, DK_E_FORMAT, "unskippable");
	/* chunk length past the end of the file */
	memcpy(c.p, b.p, b.n);
	c.p[first_chunk + 3] = 0xff;
	ia_open_fails(c.p, c.n, "avml", NULL, DK_E_TRUNCATED, "past the file's end");
	/* wrong trailing length */
	memcpy(c.p, b.p, b.n);
	size_t len1 = 0;
	{
		/* locate the first range's trailing u64: it equals its stream length */
		for (size_t off = 32; off + 8 <= c.n; off++) {
			uint64_t v = 0;
			for (int i = 0; i < 8; i++)
				v |= (uint64_t)c.p[off + i] << (8 * i);
			if (v == off - 32 && v > 100) {
				len1 = off;
				break;
			}
		}
	}
	assert_true(len1 > 0);
	c.p[len1] ^= 1;
	ia_open_fails(c.p, c.n, "avml", NULL, DK_E_FORMAT, "trailing u64");
	/* a header claiming more than the stream holds */
	memcpy(c.p, b.p, b.n);
	ia_w64(&c, 16, 0x1fbff + 0x1000);
	ia_open_fails(c.p, c.n, "avml", NULL, DK_E_TRUNCATED, "0x1ec00 of 0x1fc00 bytes so far");
	free(c.p);
	free(b.p);

	/* version 2 written with exclusive ends (how volatility3 reads them) */
	ia_buf x = { 0 };
	build_lime(&x, m, 0x4C4D5641, 2, true);
	img = ia_open_mem(&x, "avml", NULL);
	check_lime_like(img, m);
	assert_true(ia_has_note(img, "exclusive"));
	dk_image_close(img);
	free(x.p);

	/* version 1: a LiME body */
	ia_buf v1 = { 0 };
	build_lime(&v1, m, 0x4C4D5641, 1, false);
	img = ia_open_mem(&v1, NULL, NULL);
	assert_string_equal(dk_image_format(img), "avml");
	check_lime_like(img, m);
	dk_image_close(img);
	free(v1.p);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_qemu_like),
		cmocka_unit_test(test_elf_pn_xnum),
		cmocka_unit_test(test_elf_two_cpus),
		cmocka_unit_test(test_elf_virtualbox),
		cmocka_unit_test(test_elf32),
		cmocka_unit_test(test_elf_filtered),
		cmocka_unit_test(test_elf_damaged),
		cmocka_unit_test(test_raw_padded_partial),
		cmocka_unit_test(test_raw_map),
		cmocka_unit_test(test_lime_synthetic),
		cmocka_unit_test(test_avml),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
