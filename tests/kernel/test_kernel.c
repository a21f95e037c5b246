/* dmpkit tests — KDBG (field table, size gating, Windows 8+ encoding and
 * the key search in a fake x64 kernel image), version profiles, and
 * dk_kernel_open on the real Windows 11 ARM64 triage dump.
 * Expected offsets: WDBGEXTS.H as tabulated in the team's notes
 * (kernel-dump-format.md §3, data/kdbg_offsets.txt).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <dmpkit/kdbg.h>
#include <dmpkit/kernel.h>
#include <dmpkit/profile.h>
#include <dmpkit/triage.h>
#include <dmpkit/vas.h>

#include "fakemem.h"

/* fakemem.h helpers this file does not use */
static void (*const unused_fm[])(fakemem *, uint64_t, uint32_t) = { fm_put32 };
static void (*const unused_fm2[])(fakemem *, uint64_t) = { fm_data };

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- field table ---- */

static void test_field_offsets(void **state)
{
	(void)state;
	const dk_struct_desc *d = dk_kdbg_desc();
	static const struct { const char *name; uint32_t off, size; } want[] = {
		{ "Header.OwnerTag", 0x10, 4 }, { "Header.Size", 0x14, 4 },
		{ "KernBase", 0x18, 8 }, { "PsLoadedModuleList", 0x48, 8 },
		{ "PsActiveProcessHead", 0x50, 8 }, { "KiBugcheckData", 0x88, 8 },
		{ "MmPfnDatabase", 0xC0, 8 }, { "NtBuildLab", 0x208, 8 },
		{ "KiProcessorBlock", 0x218, 8 }, { "MmPhysicalMemoryBlock", 0x270, 8 },
		{ "OffsetKThreadTeb", 0x29A, 2 }, { "SizeEProcess", 0x2A8, 2 },
		{ "OffsetPrcbProcStateContext", 0x2BC, 2 }, { "OffsetPrcbNumber", 0x2BE, 2 },
		{ "OffsetPrcbContext", 0x338, 2 }, { "OffsetKThreadStackLimit", 0x340, 4 },
		{ "OffsetKThreadWaitReason", 0x35C, 2 }, { "PteBase", 0x360, 8 },
		{ "OffsetPrcbExceptionStack", 0x398, 2 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const dk_field *f = dk_struct_field(d, want[i].name);
		assert_non_null(f);
		assert_int_equal(f->offset, want[i].off);
		assert_int_equal(f->size, want[i].size);
	}
	assert_int_equal(d->size, 0x3A0);
	/* fields are in order, do not overlap and tile the structure */
	uint32_t end = 0;
	for (size_t i = 0; i < d->nfields; i++) {
		assert_int_equal(d->fields[i].offset, end);
		end = d->fields[i].offset + d->fields[i].size;
	}
	assert_int_equal(end, 0x3A0);
}

static void make_block(uint8_t *b, uint32_t size)
{
	memset(b, 0, DK_KDBG_MAX);
	put64(b + 0x00, 0xFFFFF80000512340ull);
	put64(b + 0x08, 0xFFFFF80000512340ull);
	put32(b + 0x10, DK_KDBG_TAG);
	put32(b + 0x14, size);
	put64(b + 0x18, 0xFFFFF80000400000ull);
	put64(b + 0x48, 0xFFFFF80000500000ull);
	put64(b + 0x50, 0xFFFFF80000500100ull);
	put64(b + 0x218, 0xFFFFF80000500200ull);
	b[0x338] = 0x80;
	b[0x339] = 0x62;
	put64(b + 0x360, 0xFFFFF68000000000ull);
}

static void test_get_size_gated(void **state)
{
	(void)state;
	dk_kdbg k;
	memset(&k, 0, sizeof k);
	make_block(k.data, 0x340);
	k.size = 0x340;
	k.len = 0x340;
	uint64_t v;
	assert_true(dk_kdbg_get(&k, "KernBase", &v));
	assert_int_equal(v, 0xFFFFF80000400000ull);
	assert_true(dk_kdbg_get(&k, "OffsetPrcbContext", &v));
	assert_int_equal(v, 0x6280);
	/* PteBase lies beyond a Windows 7 block's Size */
	assert_false(dk_kdbg_get(&k, "PteBase", &v));
	assert_false(dk_kdbg_get(&k, "NoSuchField", &v));
	k.size = 0x368;
	k.len = 0x368;
	assert_true(dk_kdbg_get(&k, "PteBase", &v));
	assert_int_equal(v, 0xFFFFF68000000000ull);
	assert_true(dk_kdbg_plausible(k.data, k.len, 64));
	k.data[0x10] = 'X';
	assert_false(dk_kdbg_plausible(k.data, k.len, 64));
}

static void test_plausible_32(void **state)
{
	(void)state;
	uint8_t b[DK_KDBG_MAX];
	memset(b, 0, sizeof b);
	put32(b + 0x10, DK_KDBG_TAG);
	put32(b + 0x14, 0x318);
	put64(b + 0x18, 0xFFFFFFFF80400000ull); /* sign-extended 0x80400000 */
	put64(b + 0x48, 0xFFFFFFFF8055A000ull);
	put64(b + 0x50, 0x80560000ull);         /* zero-extended also accepted */
	assert_true(dk_kdbg_plausible(b, 0x318, 32));
	put64(b + 0x18, 0x00400000ull);
	assert_false(dk_kdbg_plausible(b, 0x318, 32));
}

/* ---- encoding ---- */

static void test_word_round_trip(void **state)
{
	(void)state;
	uint64_t keys[][3] = {
		{ 0x1234567890ABCDEFull, 0x0FEDCBA987654321ull, 0xFFFFF80002A4B5C0ull },
		{ 0x00000000000000C0ull, 0xFFFFFFFFFFFFFFFFull, 0xFFFFF8000000003Eull },
		{ 0x8000000000000040ull, 0x0000000000000001ull, 0xFFFFF80312345678ull },
		{ 0x0ull, 0x0ull, 0x0ull },
	};
	uint64_t plain[] = { 0, 1, 0x4742444B00000380ull, 0xFFFFF80000400000ull, UINT64_MAX };
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 5; j++) {
			uint64_t e = dk_kdbg_encode_word(plain[j], keys[i][0], keys[i][1], keys[i][2]);
			assert_int_equal(dk_kdbg_decode_word(e, keys[i][0], keys[i][1], keys[i][2]),
			                 plain[j]);
		}
	/* the decode steps by hand: xor never, rotl by never&0xFF (mod 64),
	 * xor flag, bswap, xor always */
	uint64_t n = 0x0000000000000004ull, a = 0, f = 0;
	uint64_t q = 0x0100000000000000ull; /* ^n -> 0x0100000000000004, rotl 4 -> 0x0000000000000050 | 0x10<<56 */
	uint64_t r = dk_kdbg_decode_word(q, n, a, f);
	assert_int_equal(r, __builtin_bswap64(((q ^ n) << 4) | ((q ^ n) >> 60)));
}

static void test_block_round_trip(void **state)
{
	(void)state;
	uint8_t b[DK_KDBG_MAX], c[DK_KDBG_MAX];
	make_block(b, 0x380);
	memcpy(c, b, sizeof b);
	dk_kdbg_encode_block(c, 0x380, 0xA5A5F00D12345678ull, 0x5A5A0FF0CAFEBABEull,
	                     0xFFFFF80000402010ull);
	assert_memory_not_equal(b, c, 0x380);
	assert_false(dk_kdbg_plausible(c, 0x380, 64));
	dk_kdbg_decode_block(c, 0x380, 0xA5A5F00D12345678ull, 0x5A5A0FF0CAFEBABEull,
	                     0xFFFFF80000402010ull);
	assert_memory_equal(b, c, 0x380);
	assert_true(dk_kdbg_plausible(c, 0x380, 64));
}

/* ---- a fake x64 kernel image ---- */

#define KB 0xFFFFF80000400000ull
#define KPA 0x400000ull       /* image pages at 0x400000.. physical */
#define DTB 0x1000ull
static uint64_t next_table = 0x2000;

static void map4k(fakemem *f, uint64_t va, uint64_t pa)
{
	uint64_t table = DTB;
	for (int level = 3; level > 0; level--) {
		unsigned idx = (unsigned)((va >> (12 + 9 * level)) & 0x1FF);
		uint8_t *pg = fm_page(f, table);
		uint64_t e = 0;
		for (int i = 7; i >= 0; i--)
			e = e << 8 | pg[idx * 8 + (unsigned)i];
		if (!(e & 1)) {
			e = next_table | 3;
			next_table += 0x1000;
			fm_put64(f, table + idx * 8, e);
			fm_page(f, e & ~0xFFFull);
		}
		table = e & 0x000FFFFFFFFFF000ull;
	}
	fm_put64(f, table + ((va >> 12) & 0x1FF) * 8, pa | 3);
}

static void putrel(uint8_t *p, uint64_t insn_end_va, uint64_t target)
{
	put32(p, (uint32_t)(int32_t)(int64_t)(target - insn_end_va));
}

/* Builds the image; returns the fake memory.  KDBG at KB+0x2100, the
 * flag at KB+0x2010, KiWaitNever/Always at KB+0x2020/0x2028. */
static fakemem *fake_kernel(bool encoded, uint64_t never, uint64_t always)
{
	fakemem *f = fm_new();
	next_table = 0x2000;
	fm_page(f, DTB);
	for (uint64_t i = 0; i < 4; i++)
		map4k(f, KB + i * 0x1000, KPA + i * 0x1000);
	uint8_t *h = fm_page(f, KPA);
	h[0] = 'M';
	h[1] = 'Z';
	put32(h + 0x3C, 0x80);
	memcpy(h + 0x80, "PE\0\0", 4);
	uint8_t *fh = h + 0x84;
	fh[0] = 0x64; fh[1] = 0x86;
	fh[2] = 2;                /* NumberOfSections */
	fh[16] = 0xF0;            /* SizeOfOptionalHeader */
	uint8_t *oh = fh + 20;
	oh[0] = 0x0B; oh[1] = 0x02;
	put32(oh + 56, 0x4000);   /* SizeOfImage */
	uint8_t *sec = oh + 0xF0;
	memcpy(sec, ".text", 5);
	put32(sec + 8, 0x1000); put32(sec + 12, 0x1000); put32(sec + 36, 0x60000020);
	memcpy(sec + 40, ".data", 5);
	put32(sec + 48, 0x2000); put32(sec + 52, 0x2000); put32(sec + 76, 0xC0000040);

	uint8_t *text = fm_page(f, KPA + 0x1000);
	uint64_t tva = KB + 0x1000;
	size_t o = 0x40;
	/* decoy: a cmp on a zero byte elsewhere */
	text[o] = 0x80; text[o + 1] = 0x3D; putrel(text + o + 2, tva + o + 7, KB + 0x2008); text[o + 6] = 0;
	o += 7;
	text[o++] = 0xC3;
	o = 0x100;
	text[o] = 0x80; text[o + 1] = 0x3D; putrel(text + o + 2, tva + o + 7, KB + 0x2010); text[o + 6] = 0;
	o += 7;
	text[o++] = 0x74; text[o++] = 0x30;                       /* je */
	text[o++] = 0x48; text[o++] = 0x8D; text[o++] = 0x15;     /* lea rdx,[rip] */
	putrel(text + o, tva + o + 4, KB + 0x2100); o += 4;
	text[o++] = 0x4C; text[o++] = 0x8B; text[o++] = 0x05;     /* mov r8,[rip] */
	putrel(text + o, tva + o + 4, KB + 0x2020); o += 4;
	text[o++] = 0x49; text[o++] = 0x0F; text[o++] = 0xC8;     /* bswap r8 */
	text[o++] = 0x4C; text[o++] = 0x33; text[o++] = 0x05;     /* xor r8,[rip] */
	putrel(text + o, tva + o + 4, KB + 0x2028); o += 4;
	text[o++] = 0xC3;

	uint8_t *data = fm_page(f, KPA + 0x2000);
	data[0x10] = encoded ? 1 : 0;
	put64(data + 0x20, never);
	put64(data + 0x28, always);
	uint8_t blk[DK_KDBG_MAX];
	make_block(blk, 0x380);
	if (encoded)
		dk_kdbg_encode_block(blk, 0x380, never, always, KB + 0x2010);
	fm_page(f, KPA + 0x3000);
	memcpy(data + 0x100, blk, 0x380);
	return f;
}

static void test_read_plain(void **state)
{
	(void)state;
	fakemem *f = fake_kernel(false, 0, 0);
	dk_vas *v = NULL;
	dk_error e;
	assert_int_equal(dk_vas_create(&f->pm, DK_PAGING_X64, DTB, &v, &e), DK_OK);
	dk_kdbg k;
	assert_int_equal(dk_kdbg_read(v, KB + 0x2100, 64, &k, &e), DK_OK);
	assert_false(k.was_encoded);
	assert_int_equal(k.size, 0x380);
	uint64_t x;
	assert_true(dk_kdbg_get(&k, "KernBase", &x));
	assert_int_equal(x, KB);
	/* the image scan finds it too */
	dk_kdbg s;
	assert_true(dk_kdbg_scan_image(v, KB, 64, &s));
	assert_int_equal(s.va, KB + 0x2100);
	assert_int_equal(s.source, DK_KDBG_FROM_SCAN);
	uint64_t pa = 0;
	assert_true(dk_kdbg_scan_physical(&f->pm, 64, 1000, &s, &pa));
	assert_int_equal(pa, KPA + 0x2100);
	dk_vas_free(v);
	fm_free(f);
}

static void test_read_encoded(void **state)
{
	(void)state;
	const uint64_t never = 0x3B8D2C1F00A5E377ull, always = 0x91E2C3D4A5B6C7D8ull;
	fakemem *f = fake_kernel(true, never, always);
	dk_vas *v = NULL;
	dk_error e;
	assert_int_equal(dk_vas_create(&f->pm, DK_PAGING_X64, DTB, &v, &e), DK_OK);
	dk_kdbg k;
	dk_status st = dk_kdbg_read(v, KB + 0x2100, 64, &k, &e);
	if (st != DK_OK)
		fprintf(stderr, "%s\n", e.message);
	assert_int_equal(st, DK_OK);
	assert_true(k.was_encoded);
	assert_int_equal(k.wait_never, never);
	assert_int_equal(k.wait_always, always);
	assert_int_equal(k.encoded_flag_va, KB + 0x2010);
	uint64_t x;
	assert_true(dk_kdbg_get(&k, "PsActiveProcessHead", &x));
	assert_int_equal(x, 0xFFFFF80000500100ull);
	assert_true(dk_kdbg_get(&k, "OffsetPrcbContext", &x));
	assert_int_equal(x, 0x6280);
	/* found with the base given, too; the plain tag is not in memory */
	assert_int_equal(dk_kdbg_read_ex(v, KB + 0x2100, 64, KB, &k, &e), DK_OK);
	dk_kdbg s;
	assert_false(dk_kdbg_scan_image(v, KB, 64, &s));
	/* a 32-bit kernel is never decoded */
	assert_int_not_equal(dk_kdbg_read(v, KB + 0x2100, 32, &k, &e), DK_OK);
	dk_vas_free(v);
	fm_free(f);
}

/* ---- profiles ---- */

static void test_profiles(void **state)
{
	(void)state;
	bool exact = false;
	const dk_profile *p = dk_profile_find(DK_ARCH_AMD64, 7601, &exact);
	assert_non_null(p);
	assert_true(exact);
	assert_string_equal(p->name, "win7_sp1_x64");
	/* tables_offsets.md, Windows 7 SP1 x64 */
	assert_int_equal(p->eprocess.unique_pid, 0x180);
	assert_int_equal(p->eprocess.active_links, 0x188);
	assert_int_equal(p->eprocess.image_name, 0x2e0);
	assert_int_equal(p->kprcb.context, 0x4bd8);
	assert_int_equal(p->ldr.dll_base, 0x30);

	p = dk_profile_find(DK_ARCH_AMD64, 19044, &exact);
	assert_true(exact);
	assert_string_equal(p->name, "win10_x64_19041");
	assert_int_equal(p->eprocess.unique_pid, 0x440);
	assert_int_equal(p->ethread.cid, 0x478);

	/* Windows 11 22000: closest lower */
	p = dk_profile_find(DK_ARCH_AMD64, 22000, &exact);
	assert_false(exact);
	assert_string_equal(p->name, "win10_x64_19041");
	p = dk_profile_find(DK_ARCH_AMD64, 14393, &exact);
	assert_false(exact);
	assert_string_equal(p->name, "win10_x64_10240");
	p = dk_profile_find(DK_ARCH_X86, 2600, &exact);
	assert_true(exact);
	assert_int_equal(p->eprocess.image_name, 0x174);
	assert_int_equal(p->kthread.process, DK_OFF_NONE);
	assert_int_equal(p->eprocess.wow64, DK_OFF_NONE);
	p = dk_profile_find(DK_ARCH_X86, 3790, &exact);
	assert_string_equal(p->name, "win2003_sp2_x86");
	p = dk_profile_find(DK_ARCH_X86, 1381, &exact); /* NT 4: none, lowest */
	assert_false(exact);
	assert_int_equal(p->build_min, 2600);
	assert_null(dk_profile_find(DK_ARCH_ARM64, 22000, &exact));
	assert_false(exact);
	unsigned n = 0;
	const dk_profile *all = dk_profiles(&n);
	assert_true(n >= 20);
	for (unsigned i = 0; i < n; i++) {
		assert_true(all[i].build_min <= all[i].build_max);
		assert_int_equal(all[i].ptr, all[i].arch == DK_ARCH_X86 ? 4 : 8);
		assert_true(all[i].eprocess.active_links == all[i].eprocess.unique_pid + all[i].ptr);
		assert_ptr_equal(dk_profile_by_name(all[i].name), &all[i]);
	}
}

/* ---- the real triage dump ---- */

static void test_triage_arm64(void **state)
{
	(void)state;
	const char *path = CORPUS_DIR "/kernel/triage-arm64-22000.dmp";
	if (access(path, R_OK) != 0) {
		skip();
		return;
	}
	dk_kdump *d = NULL;
	dk_error e;
	assert_int_equal(dk_kdump_open(path, &d, &e), DK_OK);
	dk_kernel *k = NULL;
	assert_int_equal(dk_kernel_open(d, &k, &e), DK_OK);
	assert_int_equal(dk_kernel_arch(k), DK_ARCH_ARM64);
	assert_int_equal(dk_kernel_build(k), 22000);
	assert_null(dk_kernel_vas(k));
	const dk_kdbg *kd = dk_kernel_kdbg(k);
	assert_non_null(kd);
	assert_int_equal(kd->source, DK_KDBG_FROM_TRIAGE);
	assert_false(kd->was_encoded);
	uint64_t v;
	assert_true(dk_kdbg_get(kd, "KernBase", &v));
	assert_int_equal(v, 0xFFFFF803F2E00000ull);
	const dk_triage *t = dk_kdump_get_triage(d);
	bool in_list = false;
	for (size_t i = 0; i < t->ndrivers; i++)
		if (t->drivers[i].dll_base == v && strstr(t->drivers[i].name, "ntoskrnl"))
			in_list = true;
	assert_true(in_list);
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	assert_true(dk_kdbg_get(kd, "PsLoadedModuleList", &v));
	assert_int_equal(v, 0xFFFFF803F3A2AA20ull);
	assert_int_equal(v, s->ps_loaded_module_list);
	assert_true(dk_kdbg_get(kd, "PsActiveProcessHead", &v));
	assert_int_equal(v, 0xFFFFF803F3A1D1C0ull);
	assert_int_equal(v, s->ps_active_process_head);
	/* no ARM64 profile exists: said so */
	assert_null(dk_kernel_profile(k));
	assert_non_null(strstr(dk_kernel_notes(k), "profile"));
	/* the KDBG copy is readable as virtual memory */
	uint8_t tag[4];
	assert_int_equal(dk_kernel_read(k, kd->va + 0x10, tag, 4, &e), DK_OK);
	assert_memory_equal(tag, "KDBG", 4);
	dk_kernel_close(k);
	dk_kdump_close(d);
}

int main(void)
{
	(void)unused_fm;
	(void)unused_fm2;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_offsets),
		cmocka_unit_test(test_get_size_gated),
		cmocka_unit_test(test_plausible_32),
		cmocka_unit_test(test_word_round_trip),
		cmocka_unit_test(test_block_round_trip),
		cmocka_unit_test(test_read_plain),
		cmocka_unit_test(test_read_encoded),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_triage_arm64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
