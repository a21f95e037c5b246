/* dmpkit tests — the x86, AMD64 and ARM64 stack walkers over synthetic
 * stacks in a fake memory: frame pointer chains, call-site-checked scans,
 * x64 .pdata/UNWIND_INFO in a hand-built PE image, ARM64 frame records,
 * ARM64 .pdata/.xdata (packed and unwind codes) in a hand-built PE image,
 * and termination on loops and wild pointers.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/stackwalk.h>
#include <dmpkit/symfile.h>

/* ---- fake memory: a few regions ---- */
typedef struct region { uint64_t base; size_t size; uint8_t *data; } region;
static region regs_[8];
static size_t nregs_;

static dk_status fm_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < nregs_; i++) {
		region *r = &regs_[i];
		if (va >= r->base && va - r->base <= r->size && len <= r->size - (va - r->base)) {
			memcpy(buf, r->data + (va - r->base), len);
			return DK_OK;
		}
	}
	return DK_E_RANGE;
}
static const dk_vmem fmem = { NULL, fm_read };

static uint8_t *fm_add(uint64_t base, size_t size, uint8_t fill)
{
	region *r = &regs_[nregs_++];
	r->base = base;
	r->size = size;
	r->data = malloc(size);
	memset(r->data, fill, size);
	return r->data;
}
static void fm_reset(void)
{
	for (size_t i = 0; i < nregs_; i++)
		free(regs_[i].data);
	nregs_ = 0;
}
static uint8_t *at(uint64_t va)
{
	for (size_t i = 0; i < nregs_; i++)
		if (va >= regs_[i].base && va - regs_[i].base < regs_[i].size)
			return regs_[i].data + (va - regs_[i].base);
	fail_msg("no region at 0x%llx", (unsigned long long)va);
	return NULL;
}
static void w8(uint64_t va, uint8_t v) { *at(va) = v; }
static void w16(uint64_t va, uint16_t v) { w8(va, (uint8_t)v); w8(va + 1, (uint8_t)(v >> 8)); }
static void w32(uint64_t va, uint32_t v) { w16(va, (uint16_t)v); w16(va + 2, (uint16_t)(v >> 16)); }
static void w64(uint64_t va, uint64_t v) { w32(va, (uint32_t)v); w32(va + 4, (uint32_t)(v >> 32)); }
static void wbytes(uint64_t va, const char *hex)
{
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned b;
		sscanf(hex, "%2x", &b);
		w8(va++, (uint8_t)b);
		if (*(hex + 2) == ' ')
			hex++;
	}
}

static dk_frame frames[300];

static size_t walk(dk_arch arch, const dk_module *mods, size_t nmods, const dk_regs *start,
                   size_t max, dk_walk_result *res)
{
	dk_walk_input in = { .arch = arch, .mem = &fmem, .modules = mods, .nmodules = nmods,
	                     .start = *start, .max_frames = max };
	memset(res, 0, sizeof *res);
	res->frames = frames;
	dk_error err;
	assert_int_equal(dk_stackwalk(&in, res, &err), DK_OK);
	assert_true(res->stop_reason[0] != '\0');
	return res->count;
}

/* ---- x86 ---- */
#define X_BASE 0x400000u
#define X_STACK 0x100000u
static dk_module xmod[1] = { { .base = X_BASE, .size = 0x10000, .name = "a.exe" } };

static void x86_setup(void)
{
	fm_reset();
	fm_add(X_BASE + 0x1000, 0x1000, 0x90); /* code: nops */
	fm_add(X_STACK, 0x1000, 0);
	/* call sites: E8 rel32 ending at 0x401105; FF 15 disp32 at 0x401206;
	 * FF D0 at 0x401302; FF 55 08 (call [ebp+8]) at 0x401403 */
	wbytes(X_BASE + 0x1100, "E800000000");
	wbytes(X_BASE + 0x1200, "FF1500104000");
	wbytes(X_BASE + 0x1300, "FFD0");
	wbytes(X_BASE + 0x1400, "FF5508");
	/* not calls: 0x401505 preceded by a jmp rel32, 0x401602 by "FF E0" (jmp eax) */
	wbytes(X_BASE + 0x1500, "E900000000");
	wbytes(X_BASE + 0x1600, "FFE0");
}

static dk_regs x86_regs(uint32_t eip, uint32_t esp, uint32_t ebp)
{
	dk_regs r = { .arch = DK_ARCH_X86 };
	r.r[DK_X86_EIP] = eip;
	r.r[DK_X86_ESP] = esp;
	r.r[DK_X86_EBP] = ebp;
	r.valid = 1u << DK_X86_EIP | 1u << DK_X86_ESP | 1u << DK_X86_EBP;
	return r;
}

static void test_x86_ebp_chain(void **state)
{
	(void)state;
	x86_setup();
	uint32_t e0 = X_STACK + 0x100, e1 = X_STACK + 0x200;
	w32(e0, e1);
	w32(e0 + 4, X_BASE + 0x1105);
	w32(e0 + 8, 0xA1);
	w32(e0 + 12, 0xA2);
	w32(e1, 0);
	w32(e1 + 4, X_BASE + 0x1206);
	dk_regs r = x86_regs(X_BASE + 0x1050, X_STACK + 0x80, e0);
	dk_walk_result res;
	size_t n = walk(DK_ARCH_X86, xmod, 1, &r, 0, &res);
	assert_int_equal(n, 3);
	assert_int_equal(frames[0].trust, DK_TRUST_CONTEXT);
	assert_int_equal(frames[1].pc, X_BASE + 0x1105);
	assert_int_equal(frames[1].trust, DK_TRUST_FP);
	assert_int_equal(frames[1].sp, e0 + 8);
	assert_int_equal(frames[2].pc, X_BASE + 0x1206);
	assert_int_equal(frames[2].fp, 0);
	assert_int_equal(frames[0].args[0], 0xA1);
	assert_int_equal(frames[0].args[1], 0xA2);
	assert_int_equal(frames[0].module, 0);
	assert_string_equal(dk_frame_trust_name(frames[1].trust), "frame pointer");
	fm_reset();
}

static void test_x86_scan_callsite(void **state)
{
	(void)state;
	x86_setup();
	uint32_t esp = X_STACK + 0x100;
	/* candidates in order: a jmp-preceded address, a jmp eax one, a data
	 * word, then real returns after FF 15, FF D0 and FF 55 08 */
	w32(esp + 0, X_BASE + 0x1505);
	w32(esp + 4, X_BASE + 0x1602);
	w32(esp + 8, 0x12345678);
	w32(esp + 12, X_BASE + 0x1206);
	w32(esp + 16, X_BASE + 0x1302);
	w32(esp + 20, X_BASE + 0x1403);
	dk_regs r = x86_regs(X_BASE + 0x1050, esp, 0);
	dk_walk_result res;
	size_t n = walk(DK_ARCH_X86, xmod, 1, &r, 0, &res);
	assert_true(n >= 4);
	assert_int_equal(frames[1].pc, X_BASE + 0x1206);
	assert_int_equal(frames[1].trust, DK_TRUST_SCAN);
	assert_int_equal(frames[1].sp, esp + 16);
	assert_int_equal(frames[2].pc, X_BASE + 0x1302);
	assert_int_equal(frames[3].pc, X_BASE + 0x1403);
	assert_int_equal(n, 4);
	fm_reset();
}

static void test_x86_loops_and_wild(void **state)
{
	(void)state;
	x86_setup();
	/* ebp pointing to itself */
	uint32_t e0 = X_STACK + 0x100;
	w32(e0, e0);
	w32(e0 + 4, X_BASE + 0x1105);
	dk_regs r = x86_regs(X_BASE + 0x1050, X_STACK + 0x80, e0);
	dk_walk_result res;
	size_t n = walk(DK_ARCH_X86, xmod, 1, &r, 0, &res);
	assert_true(n >= 2 && n < 64);
	/* a stack full of return addresses: bounded by max_frames */
	for (uint32_t a = X_STACK; a < X_STACK + 0x1000; a += 4)
		w32(a, X_BASE + 0x1105);
	r = x86_regs(X_BASE + 0x1050, X_STACK, 0);
	n = walk(DK_ARCH_X86, xmod, 1, &r, 50, &res);
	assert_int_equal(n, 50);
	assert_non_null(strstr(res.stop_reason, "limit"));
	n = walk(DK_ARCH_X86, xmod, 1, &r, 0, &res);
	assert_true(n > 100 && n <= 256);
	/* wild ebp and esp */
	r = x86_regs(X_BASE + 0x1050, 0xDEAD0000u, 0xBEEF0000u);
	n = walk(DK_ARCH_X86, xmod, 1, &r, 0, &res);
	assert_int_equal(n, 1);
	/* no modules: anything goes but still bounded */
	r = x86_regs(0x1234, X_STACK, X_STACK);
	n = walk(DK_ARCH_X86, NULL, 0, &r, 0, &res);
	assert_true(n <= 256);
	fm_reset();
}

static void test_x86_stack_win_symbols(void **state)
{
	(void)state;
	x86_setup();
	dk_symfile *s = NULL;
	dk_error err;
	const char *t = "MODULE windows x86 0 a.pdb\n"
	                "FUNC 1000 100 8 leaf_fpo\n"
	                "FUNC 1100 100 0 caller\n"
	                "1100 10 42 1\n"
	                "FILE 1 a.c\n"
	                "FUNC 1200 100 0 outer\n"
	                "STACK WIN 4 1000 100 0 0 8 0 c 0 1 $T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =\n";
	assert_int_equal(dk_symfile_load_memory(t, strlen(t), &s, &err), DK_OK);
	dk_module m = xmod[0];
	m.symbols = s;
	uint32_t esp = X_STACK + 0x100, e1 = X_STACK + 0x300;
	/* leaf_fpo: 0xc bytes of locals, then the return address */
	w32(esp + 0xc, X_BASE + 0x1105);
	w32(e1, 0);
	w32(e1 + 4, X_BASE + 0x1206);
	dk_regs r = x86_regs(X_BASE + 0x1050, esp, e1);
	dk_walk_result res;
	size_t n = walk(DK_ARCH_X86, &m, 1, &r, 0, &res);
	assert_true(n >= 3);
	assert_int_equal(frames[1].pc, X_BASE + 0x1105);
	assert_int_equal(frames[1].trust, DK_TRUST_CFI);
	assert_int_equal(frames[1].sp, esp + 0x10);
	assert_string_equal(frames[0].function, "leaf_fpo");
	assert_int_equal(frames[0].function_offset, 0x50);
	assert_string_equal(frames[1].function, "caller");
	assert_int_equal(frames[1].function_offset, 4); /* pc-1 for callers */
	assert_string_equal(frames[1].file, "a.c");
	assert_int_equal(frames[1].line, 42);
	assert_int_equal(frames[2].pc, X_BASE + 0x1206);
	assert_int_equal(frames[2].trust, DK_TRUST_FP);
	assert_string_equal(frames[2].function, "outer");
	dk_symfile_free(s);
	fm_reset();
}

/* ---- AMD64 with a hand-built PE image ---- */
#define P_BASE 0x140000000ull
#define P_STACK 0x7FF000ull
static dk_module pmod[1] = { { .base = P_BASE, .size = 0x10000, .name = "p.exe" } };

enum { PUSH_NONVOL, ALLOC_LARGE, ALLOC_SMALL, SET_FPREG, SAVE_NONVOL, SAVE_NONVOL_FAR,
       EPILOG, SPARE, SAVE_XMM128, SAVE_XMM128_FAR, PUSH_MACHFRAME };
#define UC(off, op, info) ((uint16_t)((off) | (op) << 8 | (info) << 12))

static uint32_t next_unwind;
static size_t nrf;
static void add_rf(uint32_t begin, uint32_t end, uint32_t unwind)
{
	uint64_t a = P_BASE + 0x3000 + 12 * nrf++;
	w32(a, begin);
	w32(a + 4, end);
	w32(a + 8, unwind);
}
/* writes an UNWIND_INFO; returns its RVA */
static uint32_t add_ui(uint8_t flags, uint8_t prolog, uint8_t fr, uint8_t fo, const uint16_t *codes,
                       unsigned n, const uint32_t *chain)
{
	uint32_t rva = next_unwind;
	uint64_t a = P_BASE + rva;
	w8(a, (uint8_t)(1 | flags << 3));
	w8(a + 1, prolog);
	w8(a + 2, (uint8_t)n);
	w8(a + 3, (uint8_t)(fr | fo << 4));
	for (unsigned i = 0; i < n; i++)
		w16(a + 4 + 2 * i, codes[i]);
	unsigned padded = (n + 1) & ~1u;
	if (chain)
		for (int i = 0; i < 3; i++)
			w32(a + 4 + 2 * padded + 4 * i, chain[i]);
	next_unwind += 4 + 2 * padded + (chain ? 12 : 0);
	next_unwind = (next_unwind + 3) & ~3u;
	return rva;
}

static void pe_setup(unsigned nfuncs_hint)
{
	(void)nfuncs_hint;
	fm_reset();
	fm_add(P_BASE, 0x5000, 0x90); /* headers, code (0x1000-0x2fff), .pdata, .xdata */
	fm_add(P_STACK, 0x2000, 0);
	memset(at(P_BASE), 0, 0x400);
	memset(at(P_BASE + 0x3000), 0, 0x2000);
	w8(P_BASE, 'M');
	w8(P_BASE + 1, 'Z');
	w32(P_BASE + 0x3C, 0x80);
	wbytes(P_BASE + 0x80, "50450000");
	w16(P_BASE + 0x84, 0x8664);
	w16(P_BASE + 0x94, 0xF0);        /* SizeOfOptionalHeader */
	w16(P_BASE + 0x98, 0x20B);       /* PE32+ */
	w32(P_BASE + 0x98 + 0x6C, 16);   /* NumberOfRvaAndSizes */
	nrf = 0;
	next_unwind = 0x4000;
}
static void pe_finish(void)
{
	w32(P_BASE + 0x98 + 0x70 + 3 * 8, 0x3000);
	w32(P_BASE + 0x98 + 0x70 + 3 * 8 + 4, (uint32_t)(12 * nrf));
}

static dk_regs amd64_regs(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
	dk_regs r = { .arch = DK_ARCH_AMD64 };
	r.r[DK_AMD64_RIP] = rip;
	r.r[DK_AMD64_RSP] = rsp;
	r.r[DK_AMD64_RBP] = rbp;
	r.valid = 1u << DK_AMD64_RIP | 1u << DK_AMD64_RSP | 1u << DK_AMD64_RBP;
	return r;
}

static void test_amd64_pdata(void **state)
{
	(void)state;
	pe_setup(0);
	/* F1 [1000,1100): push rbx; push rbp; sub rsp,28h */
	uint16_t c1[] = { UC(6, ALLOC_SMALL, 4), UC(2, PUSH_NONVOL, 5), UC(1, PUSH_NONVOL, 3) };
	add_rf(0x1000, 0x1100, add_ui(0, 6, 0, 0, c1, 3, NULL));
	/* F2 [1100,1200): push rbp; sub rsp,40h; lea rbp,[rsp+20h]; mov [rbp-10h],rsi
	 * (rsi saved at frame base + 10h) */
	uint16_t c2[] = { UC(12, SAVE_NONVOL, 6), 2, UC(8, SET_FPREG, 0), UC(5, ALLOC_SMALL, 7),
	                  UC(1, PUSH_NONVOL, 5) };
	add_rf(0x1100, 0x1200, add_ui(0, 12, 5, 2, c2, 5, NULL));
	/* F3 [1200,1280): sub rsp,18h (ALLOC_LARGE /8), chained to [1280,1300):
	 * push rdi */
	uint16_t c3p[] = { UC(1, PUSH_NONVOL, 7) };
	uint32_t parent = add_ui(0, 1, 0, 0, c3p, 1, NULL);
	uint16_t c3[] = { UC(4, ALLOC_LARGE, 0), 3 };
	uint32_t chain[3] = { 0x1280, 0x1300, parent };
	add_rf(0x1200, 0x1280, add_ui(4, 4, 0, 0, c3, 2, chain));
	add_rf(0x1280, 0x1300, parent);
	/* F4 [1300,1400): an interrupt handler: PUSH_MACHFRAME */
	uint16_t c4[] = { UC(0, PUSH_MACHFRAME, 0) };
	add_rf(0x1300, 0x1400, add_ui(0, 0, 0, 0, c4, 1, NULL));
	/* F5 [1500,1600): push rbx; sub rsp,28h; interrupted in its epilog */
	uint16_t c5[] = { UC(5, ALLOC_SMALL, 4), UC(1, PUSH_NONVOL, 3) };
	add_rf(0x1500, 0x1600, add_ui(0, 5, 0, 0, c5, 2, NULL));
	wbytes(P_BASE + 0x1510, "4883C4285BC3");
	/* 0x1700...: no RUNTIME_FUNCTION: a leaf */
	pe_finish();
	/* call sites before each return address */
	uint64_t R1 = P_BASE + 0x1150, R2 = P_BASE + 0x1250, R3 = P_BASE + 0x1350;
	uint64_t R4 = P_BASE + 0x1510, R5 = P_BASE + 0x1750, R6 = P_BASE + 0x1850;
	wbytes(R1 - 5, "E800000000");
	wbytes(R2 - 5, "E800000000");
	wbytes(R3 - 6, "FF1500000000");
	wbytes(R5 - 2, "FFD0");
	wbytes(R6 - 5, "E800000000");

	uint64_t S = P_STACK + 0x100;
	/* frame 0 in F1's body */
	w64(S + 0x28, 0xBB01);       /* saved rbp (F2's frame register value) */
	w64(S + 0x30, 0xB0B0);       /* saved rbx */
	w64(S + 0x38, R1);
	uint64_t S1 = S + 0x40;      /* F2: frame base = rbp - 0x20 */
	uint64_t rbp2 = S1 + 0x20;
	w64(S + 0x28, rbp2);
	w64(S1 + 0x10, 0x5151);      /* saved rsi */
	w64(S1 + 0x40, 0xBB02);      /* F2's pushed rbp */
	w64(S1 + 0x48, R2);
	uint64_t S2 = S1 + 0x50;     /* F3: 0x18 alloc, then rdi */
	w64(S2 + 0x18, 0xD1D1);
	w64(S2 + 0x20, R3);
	uint64_t S3 = S2 + 0x28;     /* F4: machine frame */
	uint64_t S4 = S3 + 0x100;
	w64(S3, R4);
	w64(S3 + 8, 0x33);
	w64(S3 + 16, 0x246);
	w64(S3 + 24, S4);
	w64(S3 + 32, 0x2b);
	w64(S4 + 0x28, 0xB5B5);      /* F5 epilog: add rsp,28h; pop rbx; ret */
	w64(S4 + 0x30, R5);
	uint64_t S5 = S4 + 0x38;     /* leaf at 0x1750: return address at [rsp] */
	w64(S5, R6);
	uint64_t S6 = S5 + 8;        /* 0x1850: also a leaf; then zero = end */
	(void)S6;

	dk_regs r = amd64_regs(P_BASE + 0x1050, S, 0);
	r.r[DK_AMD64_RCX] = 0xC1;
	r.valid |= 1u << DK_AMD64_RCX;
	dk_walk_result res;
	size_t n = walk(DK_ARCH_AMD64, pmod, 1, &r, 0, &res);
	for (size_t i = 0; i < n; i++)
		print_message("#%zu pc %llx sp %llx %s\n", i, (unsigned long long)frames[i].pc,
		              (unsigned long long)frames[i].sp, dk_frame_trust_name(frames[i].trust));
	print_message("stop: %s\n", res.stop_reason);
	assert_true(n >= 7);
	assert_int_equal(frames[1].pc, R1);
	assert_int_equal(frames[1].sp, S1);
	assert_int_equal(frames[1].trust, DK_TRUST_CFI);
	assert_int_equal(frames[1].regs.r[DK_AMD64_RBX], 0xB0B0);
	assert_int_equal(frames[1].fp, rbp2);
	assert_int_equal(frames[2].pc, R2);
	assert_int_equal(frames[2].sp, S2);
	assert_int_equal(frames[2].regs.r[DK_AMD64_RSI], 0x5151);
	assert_int_equal(frames[2].fp, 0xBB02);
	assert_int_equal(frames[3].pc, R3);
	assert_int_equal(frames[3].sp, S3);
	assert_int_equal(frames[3].regs.r[DK_AMD64_RDI], 0xD1D1);
	assert_int_equal(frames[4].pc, R4);
	assert_int_equal(frames[4].sp, S4);
	assert_int_equal(frames[4].trust, DK_TRUST_TRAP);
	assert_int_equal(frames[5].pc, R5);
	assert_int_equal(frames[5].regs.r[DK_AMD64_RBX], 0xB5B5);
	assert_int_equal(frames[6].pc, R6);
	assert_int_equal(frames[6].sp, S6);
	assert_int_equal(n, 7);
	assert_non_null(strstr(res.stop_reason, "end of stack"));
	assert_int_equal(frames[0].args[0], 0xC1);
	fm_reset();
}

static void test_amd64_no_pdata(void **state)
{
	(void)state;
	/* module memory without headers (like Wine's minidumps): leaf test for
	 * the context frame, then the RBP chain, then a scan */
	fm_reset();
	fm_add(P_BASE + 0x1000, 0x1000, 0x90);
	fm_add(P_STACK, 0x2000, 0);
	uint64_t R1 = P_BASE + 0x1682, R2 = P_BASE + 0x1696, R3 = P_BASE + 0x1800;
	wbytes(R1 - 5, "E800000000");
	wbytes(R2 - 5, "E800000000");
	wbytes(R3 - 5, "E800000000");
	uint64_t S = P_STACK + 0x100, rbp = S + 0x28;
	w64(S, R1);
	w64(rbp, rbp + 0x30);
	w64(rbp + 8, R2);
	w64(rbp + 0x30, 0);
	w64(rbp + 0x38, R3);
	dk_regs r = amd64_regs(P_BASE + 0x166d, S, rbp);
	dk_walk_result res;
	size_t n = walk(DK_ARCH_AMD64, pmod, 1, &r, 0, &res);
	assert_int_equal(n, 4);
	assert_int_equal(frames[1].pc, R1);
	assert_int_equal(frames[1].trust, DK_TRUST_SCAN);
	assert_int_equal(frames[2].pc, R2);
	assert_int_equal(frames[2].trust, DK_TRUST_FP);
	assert_int_equal(frames[3].pc, R3);
	/* non-canonical rbp target: rejected */
	w64(rbp + 8, 0x0000900000000000ull);
	n = walk(DK_ARCH_AMD64, pmod, 1, &r, 0, &res);
	assert_true(n >= 2);
	assert_true(frames[2].pc != 0x0000900000000000ull);
	fm_reset();
}

static void test_amd64_bad_unwind(void **state)
{
	(void)state;
	pe_setup(0);
	/* a chain that loops to itself and codes that overrun */
	uint32_t self = next_unwind;
	uint16_t c[] = { UC(1, PUSH_NONVOL, 3) };
	uint32_t chain[3] = { 0x1000, 0x1100, self };
	add_ui(4, 1, 0, 0, c, 1, chain);
	add_rf(0x1000, 0x1100, self);
	uint16_t bad[] = { UC(0, ALLOC_LARGE, 1), 0 }; /* needs 3 slots, has 2 */
	add_rf(0x1100, 0x1200, add_ui(0, 0, 0, 0, bad, 2, NULL));
	uint16_t bogus[] = { UC(0, 15, 0) };
	add_rf(0x1200, 0x1300, add_ui(0, 0, 0, 0, bogus, 1, NULL));
	pe_finish();
	dk_walk_result res;
	for (uint64_t pc = P_BASE + 0x1010; pc < P_BASE + 0x1300; pc += 0x100) {
		dk_regs r = amd64_regs(pc, P_STACK + 0x100, 0);
		size_t n = walk(DK_ARCH_AMD64, pmod, 1, &r, 0, &res);
		assert_true(n >= 1 && n <= 256);
	}
	fm_reset();
}

/* ---- ARM64 ---- */
#define A_BASE 0x10000000ull
#define A_STACK 0x20000000ull
static dk_module amod[1] = { { .base = A_BASE, .size = 0x10000, .name = "a.so" } };
#define BL 0x94000010u
#define BLR_X8 0xD63F0100u

static dk_regs arm_regs(uint64_t pc, uint64_t sp, uint64_t fp, uint64_t lr)
{
	dk_regs r = { .arch = DK_ARCH_ARM64 };
	r.r[DK_ARM64_PC] = pc;
	r.r[DK_ARM64_SP] = sp;
	r.r[DK_ARM64_FP] = fp;
	r.r[DK_ARM64_LR] = lr;
	r.valid = 1ull << DK_ARM64_PC | 1ull << DK_ARM64_SP | 1ull << DK_ARM64_FP |
	          1ull << DK_ARM64_LR;
	return r;
}

static void test_arm64_frame_records(void **state)
{
	(void)state;
	fm_reset();
	fm_add(A_BASE + 0x1000, 0x4000, 0);
	fm_add(A_STACK, 0x1000, 0);
	uint64_t L1 = A_BASE + 0x2004, L2 = A_BASE + 0x3004, L3 = A_BASE + 0x4004;
	w32(L1 - 4, BL);
	w32(L2 - 4, BLR_X8);
	w32(L3 - 4, BL);
	uint64_t S = A_STACK + 0x100, fp0 = S + 0x20, fp1 = S + 0x40;
	w64(fp0, fp1);
	w64(fp0 + 8, L2 | 0x002A000000000000ull); /* signed return address */
	w64(fp1, 0);
	w64(fp1 + 8, L3);
	/* leaf context frame: lr holds the return address */
	dk_regs r = arm_regs(A_BASE + 0x1000, S, fp0, L1);
	dk_walk_result res;
	size_t n = walk(DK_ARCH_ARM64, amod, 1, &r, 0, &res);
	assert_int_equal(n, 4);
	assert_int_equal(frames[1].pc, L1);
	assert_int_equal(frames[1].sp, S);
	assert_int_equal(frames[2].pc, L2);
	assert_int_equal(frames[2].sp, fp0 + 16);
	assert_int_equal(frames[3].pc, L3);
	assert_int_equal(frames[3].trust, DK_TRUST_FP);
	/* non-leaf: lr equals the record's saved lr */
	w64(fp0 + 8, L2);
	r = arm_regs(A_BASE + 0x1000, S, fp0, L2);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 0, &res);
	assert_int_equal(n, 3);
	assert_int_equal(frames[1].pc, L2);
	assert_int_equal(frames[2].pc, L3);
	/* scan: a value not preceded by BL/BLR is skipped */
	memset(at(A_STACK), 0, 0x1000);
	w32(A_BASE + 0x2100, 0xD503201Fu); /* nop */
	w64(S, A_BASE + 0x2104);
	w64(S + 8, L1);
	r = arm_regs(A_BASE + 0x1000, S, 0, 0);
	r.valid &= ~(1ull << DK_ARM64_LR | 1ull << DK_ARM64_FP);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 0, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].pc, L1);
	assert_int_equal(frames[1].trust, DK_TRUST_SCAN);
	/* self-referencing frame record terminates */
	w64(fp0, fp0);
	w64(fp0 + 8, L2);
	r = arm_regs(A_BASE + 0x1000, S, fp0, L2);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 0, &res);
	assert_true(n >= 2 && n < 100);
	fm_reset();
}

/* ARM64 .pdata/.xdata (Microsoft "ARM64 exception handling") in a
 * hand-built ARM64 PE image:
 *   F1 [0x1000,0x1100) packed (Flag 1, CR 3, RegI 2, FrameSize 0x40):
 *      stp x19,x20,[sp,#-16]!; stp fp,lr,[sp,#-0x30]!; mov fp,sp
 *   F2 [0x2000,0x2100) .xdata with the document's Example 2 codes
 *      (set_fp, save_fplr_x 0x90, save_r19r20_x 16, end: the word
 *      0xe42291e1), one epilog (E=1) at the end;
 *   F3 [0x3000,0x3100) .xdata with a custom-stack code (machine frame);
 *   F4 [0x4800,0x49ec) the document's Example 1 packed record. */
static void a64_pe_setup(void)
{
	fm_reset();
	fm_add(A_BASE, 0x6000, 0);
	fm_add(A_STACK, 0x1000, 0);
	w8(A_BASE, 'M');
	w8(A_BASE + 1, 'Z');
	w32(A_BASE + 0x3C, 0x80);
	wbytes(A_BASE + 0x80, "50450000");
	w16(A_BASE + 0x84, 0xAA64);
	w16(A_BASE + 0x94, 0xF0);
	w16(A_BASE + 0x98, 0x20B);
	w32(A_BASE + 0x98 + 0x6C, 16);
	w32(A_BASE + 0x98 + 0x70 + 3 * 8, 0x5000);
	w32(A_BASE + 0x98 + 0x70 + 3 * 8 + 4, 4 * 8);
	/* F1: packed */
	uint32_t packed = 1u | (0x100u / 4) << 2 | 0u << 13 | 2u << 16 | 0u << 20 | 3u << 21 |
	                  (0x40u / 16) << 23;
	w32(A_BASE + 0x5000, 0x1000);
	w32(A_BASE + 0x5004, packed);
	/* F2: .xdata at 0x5800: FunctionLength 0x40 words, E=1, epilog index 0,
	 * one code word */
	w32(A_BASE + 0x5008, 0x2000);
	w32(A_BASE + 0x500C, 0x5800);
	w32(A_BASE + 0x5800, 0x40u | 1u << 21 | 0u << 22 | 1u << 27);
	w32(A_BASE + 0x5804, 0xE42291E1u);
	/* F3: .xdata at 0x5810: machine frame */
	w32(A_BASE + 0x5010, 0x3000);
	w32(A_BASE + 0x5014, 0x5810);
	w32(A_BASE + 0x5810, 0x40u | 1u << 21 | 1u << 27);
	w32(A_BASE + 0x5814, 0xE4E4E4EAu);
	/* F4 at 0x4800: the document's Example 1, packed word 0x416101ed
	 * (RegI 1, CR 3, FrameSize 2080): str x19,[sp,#-16]!; sub sp,sp,#0x810;
	 * stp fp,lr,[sp]; mov fp,sp */
	w32(A_BASE + 0x5018, 0x4800);
	w32(A_BASE + 0x501C, 0x416101EDu);
	/* call sites */
	w32(A_BASE + 0x1040, BL);
	w32(A_BASE + 0x4000, BL);
}

static void test_arm64_pdata(void **state)
{
	(void)state;
	a64_pe_setup();
	uint64_t S1 = A_STACK + 0x400, S2 = S1 - 0xA0, L3 = A_BASE + 0x4004;
	/* F1's frame: <fp 0, lr L3> at S1, x19 x20 at S1+0x30 */
	w64(S1, 0);
	w64(S1 + 8, L3);
	w64(S1 + 0x30, 0x1919);
	w64(S1 + 0x38, 0x2020);
	/* F2's frame: <fp S1, lr F1+0x44> at S2, x19 x20 at S1-0x10 */
	w64(S2, S1);
	w64(S2 + 8, A_BASE + 0x1044);
	w64(S1 - 0x10, 0x19);
	w64(S1 - 8, 0x20);
	dk_regs r = arm_regs(A_BASE + 0x2040, S2, S2, A_BASE + 0x2080);
	r.r[19] = 0xAAAA;
	r.valid |= 1ull << 19;
	dk_walk_result res;
	size_t n = walk(DK_ARCH_ARM64, amod, 1, &r, 0, &res);
	assert_true(n >= 3);
	assert_int_equal(frames[1].pc, A_BASE + 0x1044);
	assert_int_equal(frames[1].sp, S1); /* a frame record walk would say S2+16 */
	assert_int_equal(frames[1].trust, DK_TRUST_CFI);
	assert_int_equal(frames[1].regs.r[19], 0x19);
	assert_int_equal(frames[1].regs.r[20], 0x20);
	assert_int_equal(frames[2].pc, L3);
	assert_int_equal(frames[2].sp, S1 + 0x40);
	assert_int_equal(frames[2].trust, DK_TRUST_CFI);
	assert_int_equal(frames[2].regs.r[19], 0x1919);
	assert_int_equal(frames[2].regs.r[DK_ARM64_FP], 0);

	/* inside F2's prolog, after its first instruction: only
	 * save_r19r20_x is undone, lr is still live */
	r = arm_regs(A_BASE + 0x2004, S1 - 0x10, S1, A_BASE + 0x1044);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 2, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].pc, A_BASE + 0x1044);
	assert_int_equal(frames[1].sp, S1);
	assert_int_equal(frames[1].regs.r[19], 0x19);
	/* in F2's epilog (0x20f0: mov sp,fp; ldp fp,lr; ldp x19,x20; ret),
	 * at its third instruction */
	r = arm_regs(A_BASE + 0x20F8, S1 - 0x10, S1, A_BASE + 0x1044);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 2, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].pc, A_BASE + 0x1044);
	assert_int_equal(frames[1].sp, S1);
	/* at F2's ret: nothing left to undo */
	r = arm_regs(A_BASE + 0x20FC, S1, S1, A_BASE + 0x1044);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 2, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].sp, S1);
	/* at F1's first instruction (packed): nothing done yet */
	r = arm_regs(A_BASE + 0x1000, S1 + 0x40, 0, L3);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 2, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].pc, L3);
	assert_int_equal(frames[1].sp, S1 + 0x40);
	/* after F1's second instruction (stp fp,lr pre-decrement): x19/x20 and
	 * <fp,lr> are undone */
	r = arm_regs(A_BASE + 0x1008, S1, 0x777, 0x12345678);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 2, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].pc, L3);
	assert_int_equal(frames[1].sp, S1 + 0x40);
	assert_int_equal(frames[1].regs.r[19], 0x1919);

	/* F4 (Example 1) from its body, and after its first two instructions */
	uint64_t E4 = A_STACK + 0xF00, B4 = E4 - 0x820;
	w64(B4, 0);
	w64(B4 + 8, L3);
	w64(E4 - 16, 0x4919);
	r = arm_regs(A_BASE + 0x4840, B4, B4, 0);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 2, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].pc, L3);
	assert_int_equal(frames[1].sp, E4);
	assert_int_equal(frames[1].regs.r[19], 0x4919);
	r = arm_regs(A_BASE + 0x4808, B4, 0x777, L3);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 2, &res);
	assert_int_equal(n, 2);
	assert_int_equal(frames[1].pc, L3);
	assert_int_equal(frames[1].sp, E4);
	assert_int_equal(frames[1].regs.r[19], 0x4919);
	assert_int_equal(frames[1].regs.r[DK_ARM64_FP], 0x777); /* not yet saved */

	/* F3's machine frame code is not supported: the frame record is used */
	uint64_t S3 = A_STACK + 0x800;
	w64(S3, 0);
	w64(S3 + 8, L3);
	r = arm_regs(A_BASE + 0x3040, S3, S3, L3);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 0, &res);
	assert_true(n >= 2);
	assert_int_equal(frames[1].pc, L3);
	assert_int_equal(frames[1].trust, DK_TRUST_FP);

	/* damaged directory: a huge size and a bogus .xdata RVA terminate */
	w32(A_BASE + 0x98 + 0x70 + 3 * 8 + 4, 0xFFFFFFF0u);
	w32(A_BASE + 0x500C, 0xFFFFFFFCu);
	r = arm_regs(A_BASE + 0x2040, S2, S2, A_BASE + 0x2080);
	n = walk(DK_ARCH_ARM64, amod, 1, &r, 0, &res);
	assert_true(n >= 1 && n < 300);
	fm_reset();
}

static void test_regs_from_context(void **state)
{
	(void)state;
	uint8_t ctx[0x4D0];
	memset(ctx, 0, sizeof ctx);
	ctx[0xB8] = 0x78; /* x86 Eip */
	ctx[0xC4] = 0x44; /* x86 Esp */
	dk_regs r;
	assert_int_equal(dk_regs_from_context(DK_ARCH_X86, ctx, 0x2CC, &r), DK_OK);
	assert_int_equal(dk_regs_pc(&r), 0x78);
	assert_int_equal(dk_regs_sp(&r), 0x44);
	/* a short context leaves the missing registers invalid */
	assert_int_equal(dk_regs_from_context(DK_ARCH_X86, ctx, 0xC0, &r), DK_OK);
	assert_false(r.valid >> DK_X86_ESP & 1);
	assert_true(r.valid >> DK_X86_EIP & 1);
	memset(ctx, 0, sizeof ctx);
	ctx[0xF8] = 0x11; /* Rip */
	ctx[0x98] = 0x22; /* Rsp */
	ctx[0xF0] = 0x33; /* R15 */
	assert_int_equal(dk_regs_from_context(DK_ARCH_AMD64, ctx, 0x4D0, &r), DK_OK);
	assert_int_equal(dk_regs_pc(&r), 0x11);
	assert_int_equal(dk_regs_sp(&r), 0x22);
	assert_int_equal(r.r[DK_AMD64_R15], 0x33);
	memset(ctx, 0, sizeof ctx);
	ctx[0x108] = 0x55; /* Pc */
	ctx[0x100] = 0x66; /* Sp */
	ctx[0xF0] = 0x77;  /* Fp */
	assert_int_equal(dk_regs_from_context(DK_ARCH_ARM64, ctx, 0x390, &r), DK_OK);
	assert_int_equal(dk_regs_pc(&r), 0x55);
	assert_int_equal(dk_regs_sp(&r), 0x66);
	assert_int_equal(r.r[DK_ARM64_FP], 0x77);
	assert_int_equal(dk_regs_from_context(DK_ARCH_UNKNOWN, ctx, 0x390, &r), DK_E_UNSUPPORTED);
	/* a walk without pc/sp fails cleanly */
	dk_regs empty = { .arch = DK_ARCH_AMD64 };
	dk_walk_input in = { .arch = DK_ARCH_AMD64, .mem = &fmem, .start = empty };
	dk_walk_result res = { .frames = frames };
	dk_error err;
	assert_int_equal(dk_stackwalk(&in, &res, &err), DK_E_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regs_from_context),
		cmocka_unit_test(test_x86_ebp_chain),
		cmocka_unit_test(test_x86_scan_callsite),
		cmocka_unit_test(test_x86_loops_and_wild),
		cmocka_unit_test(test_x86_stack_win_symbols),
		cmocka_unit_test(test_amd64_pdata),
		cmocka_unit_test(test_amd64_no_pdata),
		cmocka_unit_test(test_amd64_bad_unwind),
		cmocka_unit_test(test_arm64_frame_records),
		cmocka_unit_test(test_arm64_pdata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
