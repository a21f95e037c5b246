/* The "Probably caused by" rule shared by analyze and analyze --summary
 * (src/kstack.c): raise helpers (_CxxThrowException, RaiseException,
 * RtlRaiseException, KiUserExceptionDispatcher, ...) known by module and
 * symbol are skipped, as are the kernel core and the user-mode system
 * DLLs; the first frame after them is blamed.  The end-to-end check (the
 * service story's _com_raise_error) is in test_stories.c and
 * tests/summary/summary_test.sh.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kstack.h"

static void test_raise_helpers(void **state)
{
	(void)state;
	/* the C++ runtime's throw, statically linked or not, decorated or not */
	assert_true(kstack_is_raise_helper("svc.exe", "_CxxThrowException"));
	assert_true(kstack_is_raise_helper("svc.exe", "_CxxThrowException@8"));
	assert_true(kstack_is_raise_helper("vcruntime140.dll", "_CxxThrowException"));
	assert_true(kstack_is_raise_helper("msvcrt.dll", "CxxThrowException"));
	assert_true(kstack_is_raise_helper("UCRTBASE.DLL", "__CxxThrowException@8"));
	assert_true(kstack_is_raise_helper(NULL, "_CxxThrowException"));
	/* the system's raise and dispatch functions, in their own modules only */
	assert_true(kstack_is_raise_helper("kernel32.dll", "RaiseException"));
	assert_true(kstack_is_raise_helper("KERNELBASE.dll", "_RaiseException@16"));
	assert_true(kstack_is_raise_helper("ntdll.dll", "RtlRaiseException"));
	assert_true(kstack_is_raise_helper("ntdll.dll", "_RtlRaiseException@4"));
	assert_true(kstack_is_raise_helper("ntdll.dll", "KiUserExceptionDispatcher"));
	assert_true(kstack_is_raise_helper("ntdll.dll", "_KiUserExceptionDispatcher@8"));
	assert_false(kstack_is_raise_helper("svc.exe", "RaiseException"));
	assert_false(kstack_is_raise_helper(NULL, "RtlRaiseException"));
	assert_false(kstack_is_raise_helper("mydll.dll", "KiUserExceptionDispatcher"));
	/* the function that raised is not a helper */
	assert_false(kstack_is_raise_helper("svc.exe", "_com_raise_error"));
	assert_false(kstack_is_raise_helper("kernel32.dll", "RaiseExceptionEx"));
	assert_false(kstack_is_raise_helper("kernel32.dll", "Raise"));
	assert_false(kstack_is_raise_helper("svc.exe", "CxxThrowException@x"));
	assert_false(kstack_is_raise_helper("svc.exe", ""));
	assert_false(kstack_is_raise_helper("svc.exe", NULL));
}

static void test_system_modules(void **state)
{
	(void)state;
	assert_true(kstack_is_user_system("NTDLL.DLL"));
	assert_true(kstack_is_user_system("kernelbase.dll"));
	assert_false(kstack_is_user_system("svc.exe"));
	assert_true(kstack_is_kernel_core("ntkrnlpa.exe"));
	assert_false(kstack_is_kernel_core("mydrv.sys"));
}

/* Module-only decisions (no symbols): the first frame outside the system
 * modules of the stack's mode. */
static void test_culprit_frame_modules(void **state)
{
	(void)state;
	dk_module mods[] = {
		{ .base = 0x10000000, .size = 0x10000, .name = "mydrv.sys" },
		{ .base = 0x48580000, .size = 0x10000, .name = "svc.exe" },
		{ .base = 0x77e40000, .size = 0x10000, .name = "kernel32.dll" },
		{ .base = 0x80800000, .size = 0x10000, .name = "ntoskrnl.exe" },
	};
	kstack s;
	memset(&s, 0, sizeof s);
	s.mods = mods;
	s.nmods = 4;
	dk_frame f[4];
	memset(f, 0, sizeof f);
	dk_walk_result r = { f, 4, "" };
	f[0].pc = 0x77e41052; /* kernel32 */
	f[1].pc = 0x80801044; /* nt */
	f[2].pc = 0x48581056; /* svc */
	f[3].pc = 0x10001009; /* mydrv */
	assert_int_equal(kstack_culprit_frame(&s, &r, true), 1);  /* nt is not a user DLL */
	assert_int_equal(kstack_culprit_frame(&s, &r, false), 0); /* kernel32 is not core */
	f[0].pc = 0x80801000;
	assert_int_equal(kstack_culprit_frame(&s, &r, false), 2);
	f[1].pc = 0x90000000; /* no module: never blamed */
	f[2].pc = 0x80801000;
	assert_int_equal(kstack_culprit_frame(&s, &r, false), 3);
	r.count = 3;
	assert_int_equal(kstack_culprit_frame(&s, &r, false), -1);
	assert_int_equal(kstack_culprit_frame(&s, NULL, false), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raise_helpers),
		cmocka_unit_test(test_system_modules),
		cmocka_unit_test(test_culprit_frame_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
