/* dmpkit tests — real minidumps from ../shared/corpus/user with the oracle
 * values of its INDEX.md and the winedbg output next to the Wine dumps.
 * Skipped when the corpus is absent.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <dmpkit/minidump.h>

static const char *const files[] = {
	"breakpad-ascii_read_av.dmp", "breakpad-ascii_write_av.dmp", "breakpad-null_read_av.dmp",
	"breakpad-thread_name_list.dmp", "breakpad-tiny-exe-fastfail.dmp",
	"breakpad-tiny-exe-with-cet-xsave-x86.dmp", "breakpad-tiny-exe-with-cet-xsave.dmp",
	"breakpad-write_av_non_canonical.dmp", "electron-crashpad-x64.dmp",
	"electron-node-minidump.dmp", "invalid-parameter.dmp", "symbol-heavy.dmp",
	"symbolic-mini-x86.dmp", "wine/wine-x64-av.dmp", "wine/wine-x64-div.dmp"
};

static dk_minidump *open_or_skip(const char *name)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/user/%s", CORPUS_DIR, name);
	if (access(p, R_OK) != 0) {
		print_message("SKIP: %s is absent (the shared corpus is not mounted at %s)\n", p,
		              CORPUS_DIR);
		skip();
	}
	dk_minidump *md;
	dk_error e;
	if (dk_minidump_open(p, &md, &e) != DK_OK)
		fail_msg("%s", e.message);
	return md;
}

/* Every known stream decodes, every thread context is readable and the
 * checker finds no error. */
static void test_all_streams(void **state)
{
	(void)state;
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		dk_minidump *md = open_or_skip(files[f]);
		size_t n;
		const dk_minidump_stream *s = dk_minidump_streams(md, &n);
		for (size_t i = 0; i < n; i++) {
			if (s[i].type == DK_MD_UNUSED || !s[i].type_name)
				continue;
			if (!s[i].decoded)
				fail_msg("%s: stream %zu (%s) not decoded: %s", files[f], i, s[i].type_name,
				         s[i].problem);
		}
		size_t nt;
		dk_minidump_threads(md, &nt);
		assert_true(nt > 0);
		for (size_t t = 0; t < nt; t++) {
			size_t cl;
			assert_non_null(dk_minidump_thread_context(md, t, &cl));
			assert_true(cl >= dk_minidump_context_size(dk_minidump_get_system_info(md)->arch));
		}
		dk_findings fi;
		dk_findings_init(&fi);
		assert_int_equal(dk_minidump_check(md, DK_CHECK_DEEP, &fi, NULL), DK_OK);
		for (size_t k = 0; k < fi.count; k++)
			if (fi.items[k].severity == DK_SEV_ERROR)
				fail_msg("%s: %s: %s", files[f], fi.items[k].id, fi.items[k].message);
		dk_findings_free(&fi);
		dk_minidump_close(md);
	}
}

static void expect_sys(const char *file, dk_arch arch, uint32_t major, uint32_t minor,
                       uint32_t build, unsigned cpus, size_t threads)
{
	dk_minidump *md = open_or_skip(file);
	const dk_minidump_system_info *s = dk_minidump_get_system_info(md);
	assert_non_null(s);
	assert_int_equal(s->arch, arch);
	assert_int_equal(s->major_version, major);
	assert_int_equal(s->minor_version, minor);
	assert_int_equal(s->build_number, build);
	if (cpus)
		assert_int_equal(s->number_of_processors, cpus);
	size_t n;
	dk_minidump_threads(md, &n);
	if (threads)
		assert_int_equal(n, threads);
	dk_minidump_close(md);
}

static void test_index_values(void **state)
{
	(void)state;
	expect_sys("breakpad-ascii_read_av.dmp", DK_ARCH_X86, 6, 1, 7600, 16, 0);
	expect_sys("breakpad-ascii_write_av.dmp", DK_ARCH_X86, 6, 1, 7600, 16, 0);
	expect_sys("breakpad-null_read_av.dmp", DK_ARCH_X86, 6, 1, 7600, 16, 0);
	expect_sys("breakpad-thread_name_list.dmp", DK_ARCH_X86, 10, 0, 17763, 0, 0);
	expect_sys("breakpad-tiny-exe-fastfail.dmp", DK_ARCH_AMD64, 10, 0, 19042, 0, 4);
	expect_sys("breakpad-tiny-exe-with-cet-xsave.dmp", DK_ARCH_AMD64, 10, 0, 22000, 0, 1);
	expect_sys("breakpad-tiny-exe-with-cet-xsave-x86.dmp", DK_ARCH_X86, 10, 0, 22631, 0, 3);
	expect_sys("breakpad-write_av_non_canonical.dmp", DK_ARCH_AMD64, 10, 0, 19042, 0, 0);
	expect_sys("symbolic-mini-x86.dmp", DK_ARCH_X86, 10, 0, 14393, 0, 0);

	dk_minidump *md = open_or_skip("breakpad-tiny-exe-with-cet-xsave.dmp");
	const dk_minidump_system_info *s = dk_minidump_get_system_info(md);
	assert_string_equal(s->os_name, "Windows NT");
	assert_string_equal(s->csd_version, "282");
	assert_null(dk_minidump_get_exception(md)); /* not crashed */
	dk_minidump_close(md);

	md = open_or_skip("breakpad-tiny-exe-with-cet-xsave-x86.dmp");
	assert_null(dk_minidump_get_exception(md));
	dk_minidump_close(md);

	md = open_or_skip("breakpad-tiny-exe-fastfail.dmp");
	assert_int_equal(dk_minidump_get_exception(md)->code, 0xC0000409u); /* fast fail */
	dk_minidump_close(md);

	md = open_or_skip("breakpad-write_av_non_canonical.dmp");
	const dk_minidump_exception *x = dk_minidump_get_exception(md);
	assert_non_null(x);
	assert_int_equal(x->code, 0xC0000005u);
	assert_true(x->number_parameters >= 2);
	/* breakpad and rust-minidump report the non-canonical address as the
	 * crash address; the record's second parameter carries 0xFFFF... */
	size_t cl;
	const uint8_t *c = dk_minidump_exception_context(md, &cl);
	assert_non_null(c);
	uint64_t rax = 0;
	for (int k = 0; k < 8; k++) /* CONTEXT_AMD64 Rax at 0x78 */
		rax |= (uint64_t)c[0x78 + k] << (8 * k);
	assert_true(rax == 0xFEFEFEFEFEFEFEFEull || x->parameters[1] == 0xFFFFFFFFFFFFFFFFull);
	dk_minidump_close(md);
}

static void test_assertion(void **state)
{
	(void)state;
	dk_minidump *md = open_or_skip("invalid-parameter.dmp");
	const dk_minidump_assertion *a = dk_minidump_get_assertion(md);
	assert_non_null(a);
	assert_string_equal(a->expression, "format != nullptr");
	assert_string_equal(a->function, "common_vfprintf");
	assert_string_equal(a->file, "minkernel\\crts\\ucrt\\src\\appcrt\\stdio\\output.cpp");
	assert_int_equal(a->line, 32);
	assert_int_equal(a->type, 1);
	assert_string_equal(a->type_name, "invalid parameter");
	assert_int_equal(dk_minidump_get_system_info(md)->major_version, 10);
	dk_minidump_close(md);
}

static void test_modules(void **state)
{
	(void)state;
	dk_minidump *md = open_or_skip("electron-node-minidump.dmp");
	size_t n;
	const dk_minidump_module *m = dk_minidump_modules(md, &n);
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(m[i].name);
		found |= l >= 13 && strcmp(m[i].name + l - 13, "\\electron.exe") == 0;
	}
	assert_true(found);
	dk_minidump_close(md);

	/* breakpad form of the debug id, as symbolic's processed state has it */
	md = open_or_skip("symbolic-mini-x86.dmp");
	m = dk_minidump_modules(md, &n);
	assert_string_equal(m[0].debug_id, "3249D99D0C4049318610F4E4FB0B69361");
	assert_string_equal(m[0].code_id, "5AB380779000");
	assert_string_equal(m[0].debug_file, "C:\\projects\\breakpad-tools\\windows\\Release\\crash.pdb");
	assert_string_equal(m[0].base_name, "crash.exe");
	dk_minidump_close(md);
}

static void test_thread_names_crashpad_token(void **state)
{
	(void)state;
	dk_minidump *md = open_or_skip("breakpad-thread_name_list.dmp");
	size_t n, named = 0;
	const dk_minidump_thread *t = dk_minidump_threads(md, &n);
	for (size_t i = 0; i < n; i++)
		named += t[i].name != NULL;
	assert_true(named > 0);
	assert_string_equal(t[0].name, "main thread");
	dk_minidump_close(md);

	md = open_or_skip("electron-crashpad-x64.dmp");
	t = dk_minidump_threads(md, &n);
	assert_string_equal(t[0].name, "CrBrowserMain");
	const dk_minidump_crashpad_info *c = dk_minidump_get_crashpad_info(md);
	assert_non_null(c);
	assert_true(c->nsimple > 0);
	bool prod = false;
	for (size_t i = 0; i < c->nsimple; i++)
		prod |= strcmp(c->simple_annotations[i].name, "_productName") == 0;
	assert_true(prod);
	dk_minidump_close(md);

	md = open_or_skip("symbol-heavy.dmp");
	size_t ns;
	const dk_minidump_stream *s = dk_minidump_streams(md, &ns);
	bool token = false;
	for (size_t i = 0; i < ns; i++)
		token |= s[i].type == DK_MD_TOKEN && s[i].decoded;
	assert_true(token);
	dk_minidump_close(md);
}

/* winedbg's "info reg" and "info share" for the same file. */
static void test_wine(void **state)
{
	(void)state;
	dk_minidump *md = open_or_skip("wine/wine-x64-av.dmp");
	const dk_minidump_exception *x = dk_minidump_get_exception(md);
	assert_non_null(x);
	assert_int_equal(x->code, 0xC0000005u);
	assert_int_equal(x->parameters[0], 1); /* write */
	assert_int_equal(x->parameters[1], 0x1D);
	size_t cl;
	const uint8_t *c = dk_minidump_exception_context(md, &cl);
	assert_non_null(c);
	const dk_struct_desc *d = dk_context_desc(DK_ARCH_AMD64);
	struct { const char *reg; uint64_t v; } want[] = {
		{ "Rip", 0x14000166d }, { "Rsp", 0x169fdd8 }, { "Rbp", 0x169fe00 },
		{ "EFlags", 0x10202 }, { "Rax", 0x170086050 }, { "Rbx", 0 }, { "Rcx", 0 },
		{ "Rdx", 0x140001689 }, { "R15", 0 }
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		uint64_t v;
		assert_int_equal(dk_field_get(dk_struct_field(d, want[i].reg), c, cl, &v), DK_FIELD_SET);
		assert_int_equal(v, want[i].v);
	}
	/* the stack bytes winedbg dumps */
	uint64_t w[2];
	dk_vmem vm;
	dk_minidump_vmem(md, &vm);
	assert_int_equal(vm.read(vm.ctx, 0x169fdd8, w, sizeof w), DK_OK);
	assert_int_equal(w[0], 0x140001682);
	assert_int_equal(w[1], 0);
	assert_int_equal(dk_minidump_read_memory(md, 0x169fe08, w, 8), DK_OK);
	assert_int_equal(w[0], 0x140001696);
	assert_int_equal(dk_minidump_read_memory(md, 0x10, w, 8), DK_E_RANGE);

	struct { const char *name; uint64_t lo, hi; } mods[] = {
		{ "kernelbase.dll", 0x7b000000, 0x7b5e5000 }, { "kernel32.dll", 0x7b600000, 0x7b795000 },
		{ "crash64.exe", 0x140000000, 0x140040000 }, { "ntdll.dll", 0x170000000, 0x170361000 },
		{ "msvcrt.dll", 0x228280000, 0x2285b7000 }, { "dbghelp.dll", 0x23ecb0000, 0x23ef77000 },
		{ "zlib1.dll", 0x241b90000, 0x241bba000 }, { "ucrtbase.dll", 0x2c7470000, 0x2c781a000 }
	};
	size_t n;
	const dk_minidump_module *m = dk_minidump_modules(md, &n);
	assert_int_equal(n, 8);
	for (size_t i = 0; i < 8; i++) {
		bool ok = false;
		for (size_t k = 0; k < n; k++)
			ok |= strcmp(m[k].base_name, mods[i].name) == 0 && m[k].base == mods[i].lo &&
			      m[k].base + m[k].size == mods[i].hi;
		if (!ok)
			fail_msg("module %s 0x%llx-0x%llx not found", mods[i].name,
			         (unsigned long long)mods[i].lo, (unsigned long long)mods[i].hi);
	}
	assert_int_equal(dk_minidump_get_system_info(md)->number_of_processors, 2);
	assert_int_equal(dk_minidump_get_system_info(md)->build_number, 7601);
	dk_minidump_close(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_streams),
		cmocka_unit_test(test_index_values),
		cmocka_unit_test(test_assertion),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_thread_names_crashpad_token),
		cmocka_unit_test(test_wine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
