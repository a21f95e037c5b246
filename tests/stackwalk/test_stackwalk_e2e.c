/* dmpkit tests — walking the crashing thread of real minidumps and
 * comparing with the backtraces other tools printed (skips when the corpus
 * is absent).
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <dmpkit/minidump.h>
#include <dmpkit/stackwalk.h>
#include <dmpkit/symfile.h>

static int cmp_mod(const void *a, const void *b)
{
	const dk_module *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* Walks the exception thread of `file`; returns the frame count. */
static size_t walk_dump(const char *file, dk_frame *frames, size_t max, char *stop)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/user/%s", CORPUS_DIR, file);
	if (access(path, R_OK) != 0)
		return 0;
	dk_minidump *md = NULL;
	dk_error err;
	assert_int_equal(dk_minidump_open(path, &md, &err), DK_OK);
	const dk_minidump_system_info *si = dk_minidump_get_system_info(md);
	assert_non_null(si);
	size_t nm = 0, clen = 0;
	const dk_minidump_module *mm = dk_minidump_modules(md, &nm);
	dk_module *mods = calloc(nm ? nm : 1, sizeof *mods);
	for (size_t i = 0; i < nm; i++) {
		mods[i].base = mm[i].base;
		mods[i].size = mm[i].size;
		mods[i].name = mm[i].base_name;
	}
	qsort(mods, nm, sizeof *mods, cmp_mod);
	const uint8_t *ctx = dk_minidump_exception_context(md, &clen);
	assert_non_null(ctx);
	dk_vmem vm;
	dk_minidump_vmem(md, &vm);
	dk_walk_input in = { .arch = si->arch, .mem = &vm, .modules = mods, .nmodules = nm,
	                     .max_frames = max };
	assert_int_equal(dk_regs_from_context(si->arch, ctx, clen, &in.start), DK_OK);
	dk_walk_result res = { .frames = frames };
	assert_int_equal(dk_stackwalk(&in, &res, &err), DK_OK);
	for (size_t i = 0; i < res.count; i++)
		print_message("#%zu %016llx sp %llx %s %s\n", i, (unsigned long long)frames[i].pc,
		              (unsigned long long)frames[i].sp, dk_frame_trust_name(frames[i].trust),
		              frames[i].module >= 0 ? mods[frames[i].module].name : "?");
	print_message("stop: %s\n", res.stop_reason);
	snprintf(stop, 128, "%s", res.stop_reason);
	free(mods);
	dk_minidump_close(md);
	return res.count;
}

static void test_wine_x64(void **state)
{
	(void)state;
	dk_frame frames[64];
	char stop[128];
	size_t n = walk_dump("wine/wine-x64-av.dmp", frames, 64, stop);
	if (!n)
		skip();
	/* winedbg: 0x14000166d, 0x140001682, 0x140001696, 0x7b627e49, 0x17005dca8 */
	static const uint64_t want[] = { 0x14000166d, 0x140001682, 0x140001696, 0x7b627e49,
	                                 0x17005dca8 };
	assert_true(n >= 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(frames[i].pc, want[i]);
}

static void test_symbolic_x86(void **state)
{
	(void)state;
	dk_frame frames[64];
	char stop[128];
	size_t n = walk_dump("symbolic-mini-x86.dmp", frames, 64, stop);
	if (!n)
		skip();
	/* rust-minidump's walk without symbols (symbolic-mini-x86.process_state.snap,
	 * return addresses in decimal there): context, frame pointer, scans,
	 * then kernel32/ntdll by frame pointer */
	static const uint64_t want[] = { 0x2a2a3d, 0x2a28d0, 0x7584e9c0, 0x70b7ae40, 0x7584e9c0,
	                                 0x2a3435, 0x2a2d97, 0x750662c4, 0x771d0f79, 0x771d0f44 };
	assert_int_equal(n, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(frames[i].pc, want[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wine_x64),
		cmocka_unit_test(test_symbolic_x86),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
