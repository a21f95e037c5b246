/* Tests of status code names and crash reasons.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/status.h>

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dk_ntstatus_name(0xC0000005u), "STATUS_ACCESS_VIOLATION");
	assert_string_equal(dk_win32_error_name(2), "ERROR_FILE_NOT_FOUND");
	assert_string_equal(dk_exception_code_name(0xC0000005u), "EXCEPTION_ACCESS_VIOLATION");
	assert_string_equal(dk_exception_code_name(0xC0000409u), "STATUS_STACK_BUFFER_OVERRUN");
	assert_string_equal(dk_fast_fail_name(7), "FAST_FAIL_FATAL_APP_EXIT");
	assert_string_equal(dk_hresult_name(0x80004003u), "E_POINTER");
	assert_null(dk_ntstatus_name(0x12345678u));
	assert_null(dk_fast_fail_name(1ull << 40));
}

static void test_meanings(void **state)
{
	(void)state;
	dk_code_meaning m[4];
	size_t n = dk_code_meanings(0x80070005u, m, 4);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].kind, "HRESULT");
	assert_string_equal(m[0].name, "E_ACCESSDENIED");
	assert_string_equal(m[1].name, "HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)");
	n = dk_code_meanings(0x80070002u, m, 4);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].name, "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)");
	n = dk_code_meanings(2, m, 4);
	assert_true(n >= 2);
	assert_string_equal(m[0].kind, "Win32");
	assert_string_equal(m[1].kind, "NTSTATUS");
	assert_string_equal(m[1].name, "STATUS_WAIT_2");
	n = dk_code_meanings(0xD0000022u, m, 4); /* HRESULT_FROM_NT(STATUS_ACCESS_DENIED) */
	assert_int_equal(n, 1);
	assert_string_equal(m[0].name, "HRESULT_FROM_NT(STATUS_ACCESS_DENIED)");
}

static void test_reasons(void **state)
{
	(void)state;
	char b[128];
	uint64_t av_w[2] = { 1, 0x45 }, av_x[2] = { 8, 0x1000 }, ff[1] = { 7 }, ip[3] = { 0, 0x10, 0xC000009C };
	dk_crash_reason(0xC0000005u, 2, av_w, b, sizeof b);
	assert_string_equal(b, "EXCEPTION_ACCESS_VIOLATION_WRITE");
	assert_int_equal(dk_crash_address(0xC0000005u, 2, av_w, 0x401000), 0x45);
	dk_crash_reason(0xC0000005u, 2, av_x, b, sizeof b);
	assert_string_equal(b, "EXCEPTION_ACCESS_VIOLATION_EXEC");
	dk_crash_reason(0xC0000409u, 1, ff, b, sizeof b);
	assert_string_equal(b, "EXCEPTION_STACK_BUFFER_OVERRUN / FAST_FAIL_FATAL_APP_EXIT");
	assert_int_equal(dk_crash_address(0xC0000409u, 1, ff, 0x401000), 0x401000);
	dk_crash_reason(0xC0000006u, 3, ip, b, sizeof b);
	assert_string_equal(b, "EXCEPTION_IN_PAGE_ERROR_READ / STATUS_DEVICE_DATA_ERROR");
	dk_crash_reason(0xE06D7363u, 0, NULL, b, sizeof b);
	assert_string_equal(b, "Unhandled C++ Exception");
	dk_crash_reason(0xC0000094u, 0, NULL, b, sizeof b);
	assert_string_equal(b, "EXCEPTION_INT_DIVIDE_BY_ZERO");
	dk_crash_reason(0x12345678u, 0, NULL, b, sizeof b);
	assert_string_equal(b, "unknown 0x12345678");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_meanings),
		cmocka_unit_test(test_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
