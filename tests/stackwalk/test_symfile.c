/* dmpkit tests — breakpad .sym parsing, lookups, the postfix evaluator,
 * STACK WIN and STACK CFI unwinding, and the symbol store layout.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <dmpkit/stackwalk.h>
#include <dmpkit/symfile.h>

/* ---- a flat fake memory ---- */
#define MEM_BASE 0x10000u
#define MEM_SIZE 0x1000u
static uint8_t mem_bytes[MEM_SIZE];
static dk_status mem_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	(void)ctx;
	if (va < MEM_BASE || va - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (va - MEM_BASE))
		return DK_E_RANGE;
	memcpy(buf, mem_bytes + (va - MEM_BASE), len);
	return DK_OK;
}
static const dk_vmem fake_mem = { NULL, mem_read };
static void put32(uint64_t va, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		mem_bytes[va - MEM_BASE + i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint64_t va, uint64_t v)
{
	put32(va, (uint32_t)v);
	put32(va + 4, (uint32_t)(v >> 32));
}

static dk_symfile *load_text(const char *t)
{
	dk_symfile *s = NULL;
	dk_error err;
	assert_int_equal(dk_symfile_load_memory(t, strlen(t), &s, &err), DK_OK);
	assert_non_null(s);
	return s;
}

static void test_parse_basic(void **state)
{
	(void)state;
	const char *t =
		"MODULE windows x86 ABCDEF0123456789ABCDEF01234567891 test.pdb\r\n"
		"INFO CODE_ID 5AB380779000 test.exe\n"
		"FILE 1 c:\\src\\a.c\n"
		"FILE 2 c:\\src\\b.c\n"
		"FUNC 1000 20 8 alpha(int, int)\n"
		"1000 10 11 1\n"
		"1010 10 12 2\n"
		"FUNC m 1100 10 0 beta\n"
		"1100 10 40 1\n"
		"PUBLIC 1080 4 _gamma@4\n"
		"PUBLIC m 10f0 0 _delta\n"
		"PUBLIC 2000 0 _epsilon\n"
		"garbage line here\n"
		"FUNC zz 1 1 bad\n"
		"INLINE_ORIGIN 0 foo\n";
	dk_symfile *s = load_text(t);
	assert_string_equal(dk_symfile_os(s), "windows");
	assert_string_equal(dk_symfile_arch(s), "x86");
	assert_string_equal(dk_symfile_debug_id(s), "ABCDEF0123456789ABCDEF01234567891");
	assert_string_equal(dk_symfile_debug_file(s), "test.pdb");
	dk_symfile_stats st;
	dk_symfile_get_stats(s, &st);
	assert_int_equal(st.funcs, 2);
	assert_int_equal(st.publics, 3);
	assert_int_equal(st.lines, 3);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.bad_lines, 2);
	assert_int_equal(st.inline_records, 1);

	const char *fn, *file;
	uint64_t start;
	uint32_t line;
	assert_true(dk_symfile_lookup(s, 0x1005, &fn, &start, &file, &line));
	assert_string_equal(fn, "alpha(int, int)");
	assert_int_equal(start, 0x1000);
	assert_string_equal(file, "c:\\src\\a.c");
	assert_int_equal(line, 11);
	assert_true(dk_symfile_lookup(s, 0x101f, &fn, &start, &file, &line));
	assert_string_equal(file, "c:\\src\\b.c");
	assert_int_equal(line, 12);
	/* past alpha's end: the PUBLIC below it is older than alpha -> none */
	assert_false(dk_symfile_lookup(s, 0x1030, &fn, &start, NULL, NULL));
	/* PUBLIC after the FUNC */
	assert_true(dk_symfile_lookup(s, 0x1090, &fn, &start, &file, &line));
	assert_string_equal(fn, "_gamma@4");
	assert_null(file);
	assert_int_equal(line, 0);
	assert_true(dk_symfile_lookup(s, 0x10f5, &fn, &start, NULL, NULL));
	assert_string_equal(fn, "_delta");
	assert_true(dk_symfile_lookup(s, 0x1105, &fn, &start, NULL, &line));
	assert_string_equal(fn, "beta");
	assert_int_equal(line, 40);
	assert_true(dk_symfile_lookup(s, 0x5000, &fn, &start, NULL, NULL));
	assert_string_equal(fn, "_epsilon");
	assert_false(dk_symfile_lookup(s, 0x10, &fn, &start, NULL, NULL));
	dk_symfile_free(s);

	dk_error err;
	assert_int_equal(dk_symfile_load_memory("FUNC 1 2 3 x\n", 13, &s, &err), DK_E_FORMAT);
	assert_null(s);
	assert_int_equal(dk_symfile_load_memory("", 0, &s, &err), DK_E_FORMAT);
}

static void test_postfix(void **state)
{
	(void)state;
	uint64_t r = 0;
	assert_int_equal(dk_postfix_eval("1 2 + 3 *", 4, NULL, NULL, NULL, 0, &r), DK_OK);
	assert_int_equal(r, 9);
	assert_int_equal(dk_postfix_eval("100 7 % 3 /", 8, NULL, NULL, NULL, 0, &r), DK_OK);
	assert_int_equal(r, 0);
	assert_int_equal(dk_postfix_eval("0x1237 16 @", 8, NULL, NULL, NULL, 0, &r), DK_OK);
	assert_int_equal(r, 0x1230);
	assert_int_equal(dk_postfix_eval("5 -8 +", 4, NULL, NULL, NULL, 0, &r), DK_OK);
	assert_int_equal(r, 0xFFFFFFFDu);
	assert_int_equal(dk_postfix_eval("5 -8 +", 8, NULL, NULL, NULL, 0, &r), DK_OK);
	assert_int_equal(r, (uint64_t)-3);
	assert_int_equal(dk_postfix_eval("1 0 /", 4, NULL, NULL, NULL, 0, &r), DK_E_FORMAT);
	assert_int_equal(dk_postfix_eval("1 +", 4, NULL, NULL, NULL, 0, &r), DK_E_FORMAT);
	assert_int_equal(dk_postfix_eval("$nope 1 +", 4, NULL, NULL, NULL, 0, &r), DK_E_FORMAT);
	assert_int_equal(dk_postfix_eval("3 4 =", 4, NULL, NULL, NULL, 0, &r), DK_E_FORMAT);
	assert_int_equal(dk_postfix_eval("", 4, NULL, NULL, NULL, 0, &r), DK_E_RANGE);
	/* stack depth and token limits */
	char big[2048] = "";
	for (int i = 0; i < 40; i++)
		strcat(big, "1 ");
	assert_int_equal(dk_postfix_eval(big, 4, NULL, NULL, NULL, 0, &r), DK_E_FORMAT);
	big[0] = '\0';
	for (int i = 0; i < 300; i++)
		strcat(big, "1 ^ ");
	assert_int_equal(dk_postfix_eval(big, 4, NULL, NULL, NULL, 0, &r), DK_E_FORMAT);

	/* variables, assignment and dereference */
	memset(mem_bytes, 0, sizeof mem_bytes);
	put32(MEM_BASE + 0x104, 0x401234);
	put32(MEM_BASE + 0x100, MEM_BASE + 0x200);
	const char *vars[] = { "$ebp", "$eip", "$esp" };
	uint64_t vals[] = { MEM_BASE + 0x100, 0, 0 };
	assert_int_equal(dk_postfix_eval("$T0 $ebp = $eip $T0 4 + ^ = $esp $T0 8 + = "
	                                 "$ebp $T0 ^ =",
	                                 4, &fake_mem, vars, vals, 3, NULL),
	                 DK_OK);
	assert_int_equal(vals[0], MEM_BASE + 0x200);
	assert_int_equal(vals[1], 0x401234);
	assert_int_equal(vals[2], MEM_BASE + 0x108);
	/* unreadable memory */
	assert_int_equal(dk_postfix_eval("16 ^", 4, &fake_mem, NULL, NULL, 0, &r), DK_E_FORMAT);
}

static void test_cfi(void **state)
{
	(void)state;
	dk_symfile *s = load_text(
		"MODULE Linux x86_64 0123 t\n"
		"FUNC 1000 100 0 f\n"
		"STACK CFI INIT 1000 100 .cfa: $rsp 8 + .ra: .cfa -8 + ^\n"
		"STACK CFI 1001 $rbp: .cfa -16 + ^ .cfa: $rsp 16 +\n"
		"STACK CFI 1004 .cfa: $rbp 16 +\n"
		"STACK CFI 1080 .cfa: $rsp 8 +\n"
		"STACK CFI INIT 2000 10 .cfa: sp 0 + .ra: x30\n"
		"STACK CFI 2004 .cfa: x29 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^\n");
	memset(mem_bytes, 0, sizeof mem_bytes);
	uint64_t rsp = MEM_BASE + 0x100, rbp = MEM_BASE + 0x140;
	put64(rbp + 8, 0x7000123);       /* return address at cfa-8 */
	put64(rbp, MEM_BASE + 0x400);    /* saved rbp at cfa-16 */
	put64(rsp, 0x7000999);           /* [rsp] for the entry rule */
	dk_regs callee = { .arch = DK_ARCH_AMD64 };
	callee.r[DK_AMD64_RSP] = rsp;
	callee.r[DK_AMD64_RBP] = rbp;
	callee.r[DK_AMD64_RIP] = 0x401050;
	callee.r[DK_AMD64_RBX] = 77;
	callee.r[DK_AMD64_RAX] = 5;
	callee.valid = 1u << DK_AMD64_RSP | 1u << DK_AMD64_RBP | 1u << DK_AMD64_RIP |
	               1u << DK_AMD64_RBX | 1u << DK_AMD64_RAX;
	dk_regs caller;
	/* at 0x1050: the INIT, 1001 and 1004 rules apply */
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x1050, &callee, &fake_mem, &caller), DK_OK);
	assert_int_equal(caller.r[DK_AMD64_RSP], rbp + 16);
	assert_int_equal(caller.r[DK_AMD64_RIP], 0x7000123);
	assert_int_equal(caller.r[DK_AMD64_RBP], MEM_BASE + 0x400);
	assert_int_equal(caller.r[DK_AMD64_RBX], 77);          /* callee-saved, kept */
	assert_false(caller.valid >> DK_AMD64_RAX & 1);         /* scratch: unknown */
	/* at 0x1000: only the INIT rules */
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x1000, &callee, &fake_mem, &caller), DK_OK);
	assert_int_equal(caller.r[DK_AMD64_RSP], rsp + 8);
	assert_int_equal(caller.r[DK_AMD64_RIP], 0x7000999);
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x1100, &callee, &fake_mem, &caller), DK_E_RANGE);

	/* ARM64 names without '$' */
	dk_regs a = { .arch = DK_ARCH_ARM64 };
	a.r[DK_ARM64_SP] = MEM_BASE + 0x100;
	a.r[DK_ARM64_FP] = MEM_BASE + 0x140;
	a.r[DK_ARM64_LR] = 0x5550;
	a.valid = 1ull << DK_ARM64_SP | 1ull << DK_ARM64_FP | 1ull << DK_ARM64_LR;
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x2000, &a, &fake_mem, &caller), DK_OK);
	assert_int_equal(caller.r[DK_ARM64_PC], 0x5550);
	assert_int_equal(caller.r[DK_ARM64_SP], MEM_BASE + 0x100);
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x2008, &a, &fake_mem, &caller), DK_OK);
	assert_int_equal(caller.r[DK_ARM64_SP], MEM_BASE + 0x150);
	assert_int_equal(caller.r[DK_ARM64_PC], 0x7000123);
	assert_int_equal(caller.r[DK_ARM64_FP], MEM_BASE + 0x400);
	dk_symfile_free(s);

	/* rules that do not evaluate */
	s = load_text("MODULE Linux x86_64 0 t\nSTACK CFI INIT 10 10 .cfa: $rsp 8 + .ra: $nope\n"
	              "STACK CFI INIT 30 10 .ra: .cfa\n");
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x10, &callee, &fake_mem, &caller), DK_E_FORMAT);
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x30, &callee, &fake_mem, &caller), DK_E_FORMAT);
	dk_symfile_free(s);
}

static bool ra_in_text(void *arg, uint64_t va)
{
	(void)arg;
	return va >= 0x401000 && va < 0x402000;
}

static void test_stack_win(void **state)
{
	(void)state;
	dk_symfile *s = load_text(
		"MODULE windows x86 0 t.pdb\n"
		"STACK WIN 4 1000 100 5 0 8 4 10 0 1 $T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + = "
		"$ebx $T0 20 - ^ =\n"
		"STACK WIN 0 1000 100 0 0 c 0 8 0 0 0\n"
		"STACK WIN 0 2000 100 0 0 4 8 0 0 0 1\n"
		"STACK WIN 4 3000 100 0 0 0 0 0 0 1 $T0 $ebp = $eip $T0 4 + ^ = $esp $T0 8 + = "
		"$ebp $T0 ^ =\n");
	dk_win_record w;
	assert_true(dk_symfile_win_info(s, 0x1010, &w));
	assert_int_equal(w.type, 4); /* FrameData preferred over FPO */
	assert_int_equal(w.param_size, 8);
	assert_int_equal(w.locals_size, 0x10);
	assert_true(w.has_program);
	assert_true(dk_symfile_win_info(s, 0x2010, &w));
	assert_int_equal(w.type, 0);
	assert_true(w.allocates_base_pointer);
	assert_false(dk_symfile_win_info(s, 0x2100, &w));

	memset(mem_bytes, 0, sizeof mem_bytes);
	uint32_t esp = MEM_BASE + 0x100;
	dk_regs callee = { .arch = DK_ARCH_X86 };
	callee.r[DK_X86_ESP] = esp;
	callee.r[DK_X86_EIP] = 0x401010;
	callee.r[DK_X86_EBP] = MEM_BASE + 0x300;
	callee.r[DK_X86_EBX] = 0x1111;
	callee.valid = 1u << DK_X86_ESP | 1u << DK_X86_EIP | 1u << DK_X86_EBP | 1u << DK_X86_EBX;
	/* .raSearch = esp + callee params (4) + locals 0x10 + saved regs 4 */
	uint32_t ra = esp + 4 + 0x10 + 4;
	put32(ra, 0x401777);
	put32(ra - 20, 0x2222);
	dk_win_params p = { 4, false, NULL, NULL };
	dk_regs caller;
	assert_int_equal(dk_symfile_unwind_win(s, 0x1010, &callee, &fake_mem, &p, &caller), DK_OK);
	assert_int_equal(caller.r[DK_X86_EIP], 0x401777);
	assert_int_equal(caller.r[DK_X86_ESP], ra + 4);
	assert_int_equal(caller.r[DK_X86_EBX], 0x2222);
	assert_int_equal(caller.r[DK_X86_EBP], MEM_BASE + 0x300); /* unchanged */

	/* the 3-word adjustment: the return address is two words higher */
	memset(mem_bytes, 0, sizeof mem_bytes);
	put32(ra + 8, 0x401888);
	p.valid_ra = ra_in_text;
	assert_int_equal(dk_symfile_unwind_win(s, 0x1010, &callee, &fake_mem, &p, &caller), DK_OK);
	assert_int_equal(caller.r[DK_X86_EIP], 0x401888);
	assert_int_equal(caller.r[DK_X86_ESP], ra + 12);

	/* FPO without a program, allocating ebp:
	 * eip = [raSearchStart], ebp = [esp + callee + saved - 8] */
	memset(mem_bytes, 0, sizeof mem_bytes);
	p = (dk_win_params){ 0, false, NULL, NULL };
	put32(esp + 8, 0x401999);            /* saved regs 8, locals 0 */
	put32(esp + 0, MEM_BASE + 0x500);    /* esp + 0 + 8 - 8 */
	assert_int_equal(dk_symfile_unwind_win(s, 0x2010, &callee, &fake_mem, &p, &caller), DK_OK);
	assert_int_equal(caller.r[DK_X86_EIP], 0x401999);
	assert_int_equal(caller.r[DK_X86_ESP], esp + 12);
	assert_int_equal(caller.r[DK_X86_EBP], MEM_BASE + 0x500);

	/* a standard ebp frame written as a program */
	memset(mem_bytes, 0, sizeof mem_bytes);
	put32(MEM_BASE + 0x300, MEM_BASE + 0x380);
	put32(MEM_BASE + 0x304, 0x401aaa);
	assert_int_equal(dk_symfile_unwind_win(s, 0x3000, &callee, &fake_mem, &p, &caller), DK_OK);
	assert_int_equal(caller.r[DK_X86_EIP], 0x401aaa);
	assert_int_equal(caller.r[DK_X86_ESP], MEM_BASE + 0x308);
	assert_int_equal(caller.r[DK_X86_EBP], MEM_BASE + 0x380);
	assert_int_equal(dk_symfile_unwind_win(s, 0x9000, &callee, &fake_mem, &p, &caller), DK_E_RANGE);
	dk_symfile_free(s);
}

static char *corpus(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof path, "%s/user/%s", CORPUS_DIR, name);
	return access(path, R_OK) == 0 ? path : NULL;
}

static void test_corpus_breakpad(void **state)
{
	(void)state;
	const char *p = corpus("breakpad-null_read_av.sym");
	if (!p)
		skip();
	dk_symfile *s = NULL;
	dk_error err;
	assert_int_equal(dk_symfile_load(p, &s, &err), DK_OK);
	assert_string_equal(dk_symfile_os(s), "Linux");
	assert_string_equal(dk_symfile_arch(s), "x86_64");
	assert_string_equal(dk_symfile_debug_id(s), "7B7D1968FF0D47AE4366E9C3A7E1B6750");
	assert_string_equal(dk_symfile_debug_file(s), "null_read_av");
	dk_symfile_stats st;
	dk_symfile_get_stats(s, &st);
	assert_int_equal(st.bad_lines, 0);
	assert_true(st.cfi_init > 0 && st.funcs > 0);
	const char *fn, *file;
	uint64_t start;
	uint32_t line;
	/* FUNC 1f40 f3 0 main; 1f41 5 22 0; FILE 0 .../null_read_av.cc */
	assert_true(dk_symfile_lookup(s, 0x1f42, &fn, &start, &file, &line));
	assert_string_equal(fn, "main");
	assert_int_equal(start, 0x1f40);
	assert_int_equal(line, 22);
	assert_string_equal(file, "/home/mattdr/crashing-programs/null_read_av.cc");
	assert_true(dk_symfile_lookup(s, 0x1c44, &fn, &start, NULL, NULL));
	assert_string_equal(fn, "sys_close");
	/* STACK CFI INIT 1f40 f3 .cfa: $rsp 8 + ...; 1f41 $rbx: .cfa -16 + ^
	 * .cfa: $rsp 16 +; 1f4d .cfa: $rsp 240 + */
	memset(mem_bytes, 0, sizeof mem_bytes);
	uint64_t rsp = MEM_BASE + 0x100;
	put64(rsp + 240 - 8, 0x400123);
	put64(rsp + 240 - 16, 0x4242);
	dk_regs callee = { .arch = DK_ARCH_AMD64 };
	callee.r[DK_AMD64_RSP] = rsp;
	callee.r[DK_AMD64_RIP] = 0x1f60;
	callee.valid = 1u << DK_AMD64_RSP | 1u << DK_AMD64_RIP;
	dk_regs caller;
	assert_int_equal(dk_symfile_unwind_cfi(s, 0x1f60, &callee, &fake_mem, &caller), DK_OK);
	assert_int_equal(caller.r[DK_AMD64_RSP], rsp + 240);
	assert_int_equal(caller.r[DK_AMD64_RIP], 0x400123);
	assert_int_equal(caller.r[DK_AMD64_RBX], 0x4242);
	dk_symfile_free(s);
}

static void test_corpus_x86(void **state)
{
	(void)state;
	const char *p = corpus("symbolic-mini-x86.crash.sym");
	if (!p)
		skip();
	dk_symfile *s = NULL;
	dk_error err;
	assert_int_equal(dk_symfile_load(p, &s, &err), DK_OK);
	assert_string_equal(dk_symfile_os(s), "windows");
	assert_string_equal(dk_symfile_debug_file(s), "crash.pdb");
	dk_symfile_stats st;
	dk_symfile_get_stats(s, &st);
	assert_int_equal(st.stack_win, 154);
	assert_int_equal(st.bad_lines, 0);
	const char *fn, *file;
	uint64_t start;
	uint32_t line;
	/* FUNC 1000 114 0 ...RequestDump...; 1011 6 324 80; FILE 80 ...client.cc */
	assert_true(dk_symfile_lookup(s, 0x1012, &fn, &start, &file, &line));
	assert_non_null(strstr(fn, "CrashGenerationClient::RequestDump"));
	assert_int_equal(line, 324);
	assert_non_null(strstr(file, "crash_generation_client.cc"));
	assert_true(dk_symfile_lookup(s, 0x1371, &fn, &start, NULL, NULL));
	assert_string_equal(fn, "swprintf_s");
	/* PUBLIC 3726 0 __CxxFrameHandler3 */
	assert_true(dk_symfile_lookup(s, 0x3727, &fn, &start, NULL, NULL));
	assert_string_equal(fn, "__CxxFrameHandler3");
	assert_int_equal(start, 0x3726);
	dk_win_record w;
	/* STACK WIN 4 100f f5 2 0 8 4 c 0 1 ... */
	assert_true(dk_symfile_win_info(s, 0x1010, &w));
	assert_int_equal(w.type, 4);
	assert_int_equal(w.rva, 0x100f);
	assert_int_equal(w.saved_regs_size, 4);
	assert_int_equal(w.locals_size, 0xc);
	dk_symfile_free(s);
}

static void test_find(void **state)
{
	(void)state;
	char dir[512], path[1024];
	snprintf(dir, sizeof dir, "%s", TEST_TMPDIR);
	mkdir(dir, 0755);
	snprintf(path, sizeof path, "%s/foo.pdb", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/foo.pdb/ABC1", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/foo.pdb/ABC1/foo.sym", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("MODULE windows x86 ABC1 foo.pdb\nPUBLIC 10 0 bar\n", f);
	fclose(f);
	dk_module m = { .base = 0x400000, .size = 0x1000, .name = "foo.exe",
	                .debug_file = "C:\\build\\foo.pdb", .debug_id = "abc1" };
	dk_symfile *s = NULL;
	dk_error err;
	assert_int_equal(dk_symfile_find(dir, &m, &s, &err), DK_OK); /* upper-cased id */
	const char *fn;
	assert_true(dk_symfile_lookup(s, 0x20, &fn, NULL, NULL, NULL));
	assert_string_equal(fn, "bar");
	dk_symfile_free(s);
	m.debug_id = "ABC2";
	assert_int_equal(dk_symfile_find(dir, &m, &s, &err), DK_E_RANGE);
	m.debug_id = "../x";
	assert_int_equal(dk_symfile_find(dir, &m, &s, &err), DK_E_RANGE);
	m.debug_id = NULL;
	assert_int_equal(dk_symfile_find(dir, &m, &s, &err), DK_E_RANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_postfix),
		cmocka_unit_test(test_cfi),
		cmocka_unit_test(test_stack_win),
		cmocka_unit_test(test_corpus_breakpad),
		cmocka_unit_test(test_corpus_x86),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
