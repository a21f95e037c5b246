/* Bugcheck explanations and status code readings.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/bugcheck.h>
#include <dmpkit/status.h>

static void test_table_sorted_named(void **state)
{
	(void)state;
	size_t n = 0;
	const dk_bugcheck_explanation *t = dk_bugcheck_explain_table(&n);
	assert_true(n >= 60);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(t[i - 1].code < t[i].code); /* sorted, unique */
		if (!dk_bugcheck_name(t[i].code))
			fail_msg("explained code 0x%x has no name", t[i].code);
		assert_non_null(t[i].summary);
		assert_true(strlen(t[i].summary) > 10);
		assert_ptr_equal(dk_bugcheck_explain(t[i].code), &t[i]);
		for (int k = 0; k < 4; k++) {
			assert_non_null(t[i].params[k].desc);
			assert_true(t[i].params[k].kind < DK_BCP_KIND_COUNT);
			if (t[i].params[k].kind == DK_BCP_ACCESS)
				assert_int_not_equal(t[i].params[k].access, DK_ACC_NONE);
		}
		assert_true(t[i].subcode_param <= 4);
		if (t[i].nsubcodes) {
			assert_true(t[i].subcode_param >= 1);
			assert_int_equal(t[i].params[t[i].subcode_param - 1].kind, DK_BCP_SUBCODE);
		}
		for (size_t s = 0; s < t[i].nsubcodes; s++) {
			assert_non_null(t[i].subcodes[s].summary);
			if (s > 0 && t[i].subcodes[s - 1].value >= t[i].subcodes[s].value)
				fail_msg("0x%x: sub-codes not sorted at %zu", t[i].code, s);
		}
	}
	assert_null(dk_bugcheck_explain(0x12345));
}

static void test_required_codes(void **state)
{
	(void)state;
	static const uint32_t need[] = {
		0x1, 0xA, 0x19, 0x1A, 0x1E, 0x23, 0x24, 0x26, 0x3B, 0x3D, 0x50, 0x7E, 0x7F, 0x8E,
		0x9F, 0xC2, 0xC5, 0xD1, 0xE2, 0xEF, 0xF4, 0x101, 0x116, 0x117, 0x119, 0x124,
		0x133, 0x139, 0x13A, 0x161, 0x18B, 0x1C8, 0x1D3, 0x10000050, 0x1000007E,
		0x1000008E, 0xDEADDEAD,
	};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!dk_bugcheck_explain(need[i]))
			fail_msg("0x%x not explained", need[i]);
	/* parameters that point to records */
	assert_int_equal(dk_bugcheck_explain(0x7E)->params[2].kind, DK_BCP_EXCEPTION_RECORD);
	assert_int_equal(dk_bugcheck_explain(0x7E)->params[3].kind, DK_BCP_CONTEXT);
	assert_int_equal(dk_bugcheck_explain(0x1000007E)->params[3].kind, DK_BCP_CONTEXT);
	assert_int_equal(dk_bugcheck_explain(0x8E)->params[2].kind, DK_BCP_TRAP_FRAME);
	assert_int_equal(dk_bugcheck_explain(0x3B)->params[2].kind, DK_BCP_CONTEXT);
	assert_int_equal(dk_bugcheck_explain(0x24)->params[1].kind, DK_BCP_EXCEPTION_RECORD);
	assert_int_equal(dk_bugcheck_explain(0x139)->params[1].kind, DK_BCP_TRAP_FRAME);
}

static void test_story_decode(void **state)
{
	(void)state;
	const uint64_t p[4] = { 0xc0000005, 0x80112bf0, 0, 0x1d };
	const dk_bugcheck_explanation *e = dk_bugcheck_explain(0x1E);
	char m[160];
	assert_non_null(e);
	assert_string_equal(dk_bugcheck_name(0x1E), "KMODE_EXCEPTION_NOT_HANDLED");
	assert_int_equal(e->params[0].kind, DK_BCP_STATUS);
	assert_string_equal(dk_bugcheck_param_meaning(e, p, 0, m, sizeof m), "STATUS_ACCESS_VIOLATION");
	assert_int_equal(e->params[1].kind, DK_BCP_CODE_ADDRESS);
	assert_int_equal(e->params[2].kind, DK_BCP_ACCESS);
	assert_string_equal(dk_bugcheck_param_meaning(e, p, 2, m, sizeof m), "read");
	assert_int_equal(e->params[3].kind, DK_BCP_ADDRESS);
	/* a write */
	const uint64_t w[4] = { 0xc0000005, 0x80112bf0, 1, 0x1d };
	assert_string_equal(dk_bugcheck_param_meaning(e, w, 2, m, sizeof m), "write");
	/* not an access violation: [0] means nothing in particular */
	const uint64_t b[4] = { 0x80000003, 0x80112bf0, 0, 0 };
	assert_string_equal(dk_bugcheck_param_meaning(e, b, 2, m, sizeof m), "");
	assert_string_equal(dk_bugcheck_param_meaning(e, b, 0, m, sizeof m), "STATUS_BREAKPOINT");
}

static void test_subcodes_and_kinds(void **state)
{
	(void)state;
	char m[160];
	const dk_bugcheck_explanation *e = dk_bugcheck_explain(0x139);
	const uint64_t ff[4] = { 3, 0, 0, 0 };
	assert_string_equal(dk_bugcheck_param_meaning(e, ff, 0, m, sizeof m),
	                    "FAST_FAIL_CORRUPT_LIST_ENTRY");
	e = dk_bugcheck_explain(0xC2);
	const uint64_t irql[4] = { 8, 2, 0, 0x40 };
	assert_non_null(dk_bugcheck_subcode_of(e, irql));
	assert_int_equal(dk_bugcheck_param_of(e, irql, 1).kind, DK_BCP_IRQL);
	assert_string_equal(dk_bugcheck_param_meaning(e, irql, 1, m, sizeof m), "DISPATCH_LEVEL");
	e = dk_bugcheck_explain(0xA);
	const uint64_t a[4] = { 0x10, 2, 1, 0xfffff80000001000 };
	assert_string_equal(dk_bugcheck_param_meaning(e, a, 2, m, sizeof m), "write");
	const uint64_t x[4] = { 0x10, 2, 8, 0 };
	assert_string_equal(dk_bugcheck_param_meaning(e, x, 2, m, sizeof m), "execute");
	e = dk_bugcheck_explain(0x50);
	const uint64_t pf[4] = { 0x10, 2, 0, 4 };
	assert_string_equal(dk_bugcheck_param_meaning(e, pf, 1, m, sizeof m), "write");
	assert_non_null(dk_bugcheck_subcode_of(e, pf)); /* P4 = 4: non-canonical */
	e = dk_bugcheck_explain(0x1A);
	const uint64_t mm[4] = { 0x41790, 0xfffffa8000001230, 0xffff, 0 };
	assert_int_equal(dk_bugcheck_param_of(e, mm, 1).kind, DK_BCP_ADDRESS);
	const uint64_t unk[4] = { 0x99999, 0, 0, 0 };
	assert_null(dk_bugcheck_subcode_of(e, unk));
	assert_string_equal(dk_bugcheck_param_meaning(e, unk, 0, m, sizeof m), "");
	assert_string_equal(dk_irql_name(0), "PASSIVE_LEVEL");
	assert_string_equal(dk_bcparam_kind_name(DK_BCP_EXCEPTION_RECORD), "exception_record");
}

static bool has(const dk_code_meaning *m, size_t n, const char *kind, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].kind, kind) == 0 && strcmp(m[i].name, name) == 0)
			return true;
	return false;
}

static void test_error_readings(void **state)
{
	(void)state;
	dk_code_meaning m[8];
	size_t n = dk_code_meanings(2, m, 8);
	assert_true(has(m, n, "Win32", "ERROR_FILE_NOT_FOUND"));
	assert_string_equal(m[0].name, "ERROR_FILE_NOT_FOUND"); /* Win32 first below 0x10000 */
	n = dk_code_meanings(0x80004003u, m, 8);
	assert_true(has(m, n, "HRESULT", "E_POINTER"));
	n = dk_code_meanings(0xC0000005u, m, 8);
	assert_true(has(m, n, "NTSTATUS", "STATUS_ACCESS_VIOLATION"));
	n = dk_code_meanings(0x80070005u, m, 8);
	assert_true(has(m, n, "HRESULT", "E_ACCESSDENIED"));
	assert_true(has(m, n, "HRESULT", "HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)"));
	n = dk_code_meanings(0xD0000022u, m, 8);
	assert_true(has(m, n, "HRESULT", "HRESULT_FROM_NT(STATUS_ACCESS_DENIED)"));
	n = dk_code_meanings(0x12345678u, m, 8);
	assert_int_equal(n, 0);
	/* the generated table: beyond the old hand-written list */
	assert_string_equal(dk_hresult_name(0), "S_OK");
	assert_string_equal(dk_hresult_name(0x8000FFFFu), "E_UNEXPECTED");
	assert_string_equal(dk_hresult_name(0x8007000Eu), "E_OUTOFMEMORY");
	assert_string_equal(dk_hresult_name(0x80040154u), "REGDB_E_CLASSNOTREG");
	assert_string_equal(dk_hresult_name(0x800401F0u), "CO_E_NOTINITIALIZED");
	assert_string_equal(dk_hresult_name(0x8001010Eu), "RPC_E_WRONG_THREAD");
	assert_null(dk_hresult_name(0x80071234u + 0x10000000u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted_named),
		cmocka_unit_test(test_required_codes),
		cmocka_unit_test(test_story_decode),
		cmocka_unit_test(test_subcodes_and_kinds),
		cmocka_unit_test(test_error_readings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
