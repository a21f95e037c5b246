/* dmpkit tests — named fields, PAGE fill, formatting, bugcheck names.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/dmpkit.h>

#include "internal.h"
#include "layouts.h"

static void page_fill(uint8_t *p, size_t n, uint32_t phase)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)"PAGE"[(phase + i) & 3];
}

static void test_page_fill_phase(void **state)
{
	(void)state;
	uint8_t b[16];
	page_fill(b, sizeof b, 0);
	assert_true(dk_is_page_fill(b, 16, 0));
	assert_true(dk_is_page_fill(b, 4, 0));
	assert_false(dk_is_page_fill(b, 4, 1)); /* wrong phase */
	assert_false(dk_is_page_fill(b, 4, 2));
	assert_true(dk_is_page_fill(b, 4, 4)); /* phase is offset mod 4 */
	assert_true(dk_is_page_fill(b + 1, 3, 1)); /* "AGE" at offset 1 */
	assert_true(dk_is_page_fill(b + 2, 2, 0x104E)); /* "GE" at 0x104E */
	assert_false(dk_is_page_fill(b + 2, 2, 0x104C));
	assert_false(dk_is_page_fill(b, 0, 0)); /* nothing is not a fill */
	page_fill(b, sizeof b, 3); /* "EPAG..." */
	assert_true(dk_is_page_fill(b, 16, 3));
	assert_true(dk_is_page_fill(b, 16, 7));
	assert_false(dk_is_page_fill(b, 16, 0));
	b[9] ^= 1;
	assert_false(dk_is_page_fill(b, 16, 3));
	assert_true(dk_is_page_fill(b, 9, 3));
}

static void test_field_get_states(void **state)
{
	(void)state;
	static uint8_t h[0x2000];
	page_fill(h, sizeof h, 0);
	const dk_field *pfn = dk_struct_field(&dk_header64, "PfnDataBase");
	const dk_field *dtb = dk_struct_field(&dk_header64, "DirectoryTableBase");
	const dk_field *bid = dk_struct_field(&dk_header64, "BootId");
	assert_non_null(pfn);
	assert_non_null(dtb);
	assert_non_null(bid);
	assert_null(dk_struct_field(&dk_header64, "NoSuchField"));
	assert_null(dk_struct_field(&dk_header64, "pfndatabase")); /* case-sensitive */
	uint64_t v = 1;
	/* PAGE-fillable field holding the fill: not set, value still decoded */
	assert_int_equal(dk_field_get(pfn, h, sizeof h, &v), DK_FIELD_NOT_SET);
	assert_int_equal(v, 0x4547415045474150ull);
	/* not a PAGE-fillable field: the fill is a value */
	assert_int_equal(dk_field_get(dtb, h, sizeof h, &v), DK_FIELD_SET);
	/* missing: the buffer ends inside the field */
	assert_int_equal(dk_field_get(pfn, h, 0x1C, &v), DK_FIELD_MISSING);
	assert_int_equal(v, 0);
	assert_int_equal(dk_field_get(pfn, h, 0x20, NULL), DK_FIELD_NOT_SET);
	assert_int_equal(dk_field_get(bid, h, 0x1057, &v), DK_FIELD_MISSING);
	/* set */
	dk_put64(h + 0x18, 0xFFFFF80012345678ull);
	assert_int_equal(dk_field_get(pfn, h, sizeof h, &v), DK_FIELD_SET);
	assert_int_equal(v, 0xFFFFF80012345678ull);
	/* a partial fill is a value */
	h[0x18] = 'P';
	h[0x19] = 'A';
	assert_int_equal(dk_field_get(pfn, h, sizeof h, NULL), DK_FIELD_SET);
}

static void test_field_format(void **state)
{
	(void)state;
	static uint8_t h[0x2000];
	char buf[128];
	page_fill(h, sizeof h, 0);
	const dk_field *pfn = dk_struct_field(&dk_header64, "PfnDataBase");
	const dk_field *code = dk_struct_field(&dk_header64, "BugCheckCode");
	const dk_field *minor = dk_struct_field(&dk_header64, "MinorVersion");
	const dk_field *sig = dk_struct_field(&dk_header64, "Signature");
	const dk_field *comment = dk_struct_field(&dk_header64, "Comment");
	dk_field_format(pfn, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "(not set)");
	dk_field_format(pfn, h, 0x10, buf, sizeof buf);
	assert_string_equal(buf, "(missing)");
	dk_field_format(sig, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "PAGE");
	dk_put32(h + 0x38, 0x1E);
	dk_field_format(code, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "0x0000001e");
	dk_put32(h + 0xC, 22000);
	dk_field_format(minor, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "0x55f0 (22000)");
	dk_put64(h + 0x18, 0xFFFFF80012345678ull);
	dk_field_format(pfn, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "0xfffff80012345678");
	memset(h + 0xFB0, 0, 128);
	memcpy(h + 0xFB0, "hello\x01world", 11);
	dk_field_format(comment, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "hello.world");
	/* a tiny buffer is never overrun and stays terminated */
	char small[4];
	dk_field_format(pfn, h, sizeof h, small, sizeof small);
	assert_int_equal(strlen(small), 3);
}

static void test_field_explain(void **state)
{
	(void)state;
	static uint8_t h[0x2000];
	char buf[160];
	page_fill(h, sizeof h, 0);
	const dk_field *code = dk_struct_field(&dk_header64, "BugCheckCode");
	const dk_field *st = dk_struct_field(&dk_header64, "SystemTime");
	const dk_field *mach = dk_struct_field(&dk_header64, "MachineImageType");
	const dk_field *dt = dk_struct_field(&dk_header64, "DumpType");
	const dk_field *pfn = dk_struct_field(&dk_header64, "PfnDataBase");
	/* not set: no explanation */
	dk_field_explain(st, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "");
	dk_field_explain(st, h, 0x100, buf, sizeof buf);
	assert_string_equal(buf, "");
	dk_put32(h + 0x38, 0x1E);
	dk_field_explain(code, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "KMODE_EXCEPTION_NOT_HANDLED");
	dk_put32(h + 0x38, 0x5454414D);
	dk_field_explain(code, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "unknown bugcheck code");
	/* the real DumpIt file's SystemTime */
	dk_put64(h + 0xFA8, 0x01DB1CA65D8B2600ull);
	dk_field_explain(st, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "2024-10-12 12:57:59 UTC");
	dk_put32(h + 0x30, 0x8664);
	dk_field_explain(mach, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "x64 (AMD64)");
	dk_put32(h + 0x30, 0xAA64);
	dk_field_explain(mach, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "ARM64");
	dk_put32(h + 0xF98, 4);
	dk_field_explain(dt, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "triage (small memory dump)");
	dk_put64(h + 0x18, 0xFFFFF80000000000ull);
	dk_field_explain(pfn, h, sizeof h, buf, sizeof buf);
	assert_string_equal(buf, "");
}

static void test_names(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(dk_machine_name(0x14C), "x86 (i386)");
	assert_string_equal(dk_machine_name(0x8664), "x64 (AMD64)");
	assert_string_equal(dk_machine_name(0xAA64), "ARM64");
	assert_string_equal(dk_machine_name(0x1234), "unknown");
	assert_string_equal(dk_dump_type_name(1), "full (complete memory dump with run list)");
	assert_string_equal(dk_dump_type_name(77), "unknown");
	assert_int_equal(dk_arch_from_machine(0x14C), DK_ARCH_X86);
	assert_int_equal(dk_arch_from_machine(0x8664), DK_ARCH_AMD64);
	assert_int_equal(dk_arch_from_machine(0xAA64), DK_ARCH_ARM64);
	assert_int_equal(dk_arch_from_machine(0), DK_ARCH_UNKNOWN);
	dk_format_filetime(0, buf, sizeof buf);
	assert_string_equal(buf, "zero");
	dk_format_filetime(116444736000000000ull, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01 00:00:00 UTC");
	dk_format_filetime(0xFFFFFFFFFFFFFFFFull, buf, sizeof buf);
	assert_string_equal(buf, "out of range");
	dk_format_filetime(0x4547415045474150ull, buf, sizeof buf); /* never crashes */
	dk_format_duration(0x861C46800ull, buf, sizeof buf); /* 3600 s */
	assert_string_equal(buf, "0d 01:00:00.000");
	dk_format_duration(0x00000001DADF9678ull, buf, sizeof buf);
	assert_string_equal(buf, "0d 00:13:16.705");
	/* context and exception tables have the documented sizes */
	assert_int_equal(dk_context_desc(DK_ARCH_X86)->size, 0x2CC);
	assert_int_equal(dk_context_desc(DK_ARCH_AMD64)->size, 0x4D0);
	assert_int_equal(dk_context_desc(DK_ARCH_ARM64)->size, 0x390);
	assert_null(dk_context_desc(DK_ARCH_UNKNOWN));
	assert_int_equal(dk_exception_desc(64)->size, 0x98);
	assert_int_equal(dk_exception_desc(32)->size, 0x50);
}

static void test_bugcheck_table(void **state)
{
	(void)state;
	size_t n = 0;
	const dk_bugcheck_info *t = dk_bugcheck_table(&n);
	assert_non_null(t);
	assert_true(n > 300);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].name);
		assert_true(t[i].name[0] != 0);
		if (i)
			assert_true(t[i - 1].code < t[i].code); /* sorted and unique */
		assert_ptr_equal(dk_bugcheck_name(t[i].code), t[i].name);
	}
	assert_string_equal(dk_bugcheck_name(0x1E), "KMODE_EXCEPTION_NOT_HANDLED");
	assert_string_equal(dk_bugcheck_name(0x1C8), "MANUALLY_INITIATED_POWER_BUTTON_HOLD");
	assert_string_equal(dk_bugcheck_name(0x161), "LIVE_SYSTEM_DUMP");
	assert_string_equal(dk_bugcheck_name(0xE2), "MANUALLY_INITIATED_CRASH");
	assert_string_equal(dk_bugcheck_name(0xDEADDEAD), "MANUALLY_INITIATED_CRASH1");
	assert_string_equal(dk_bugcheck_name(0x1000007E), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M");
	assert_string_equal(dk_bugcheck_name(0x7E), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED");
	assert_null(dk_bugcheck_name(0x5454414D));
	assert_null(dk_bugcheck_name(0));
	assert_null(dk_bugcheck_name(0xFFFFFFFF));
}

static void test_status_and_verdict_names(void **state)
{
	(void)state;
	for (int s = DK_OK; s <= DK_E_ARG; s++)
		assert_non_null(dk_status_name((dk_status)s));
	assert_non_null(dk_verdict_name(DK_VERDICT_GOOD));
	assert_non_null(dk_verdict_name(DK_VERDICT_BAD));
	assert_non_null(dk_severity_name(DK_SEV_ERROR));
	dk_findings f;
	dk_findings_init(&f);
	assert_int_equal(dk_findings_verdict(&f), DK_VERDICT_GOOD);
	dk_findings_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_fill_phase),
		cmocka_unit_test(test_field_get_states),
		cmocka_unit_test(test_field_format),
		cmocka_unit_test(test_field_explain),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bugcheck_table),
		cmocka_unit_test(test_status_and_verdict_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
