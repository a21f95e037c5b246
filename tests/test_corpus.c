/* dmpkit tests — real Windows kernel dumps from ../shared/corpus/kernel,
 * with the oracle values of its INDEX.md.  Skipped when the corpus is absent.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <dmpkit/dmpkit.h>

#ifndef CORPUS_DIR
#error "CORPUS_DIR must be defined"
#endif

static const char *corpus(const char *name)
{
	static char buf[1024];
	snprintf(buf, sizeof buf, "%s/kernel/%s", CORPUS_DIR, name);
	return buf;
}

static dk_kdump *open_or_skip(const char *name)
{
	const char *p = corpus(name);
	if (access(p, R_OK) != 0) {
		print_message("SKIP: %s is absent (the shared corpus is not mounted at %s)\n", p,
		              CORPUS_DIR);
		skip();
	}
	dk_kdump *d;
	dk_error e;
	if (dk_kdump_open(p, &d, &e) != DK_OK)
		fail_msg("%s", e.message);
	return d;
}

static uint64_t hdr_u(dk_kdump *d, const char *field, dk_field_state want)
{
	size_t avail;
	const uint8_t *h = dk_kdump_header_bytes(d, &avail);
	const dk_field *f = dk_struct_field(dk_kdump_header_desc(d), field);
	assert_non_null(f);
	uint64_t v;
	assert_int_equal(dk_field_get(f, h, avail, &v), want);
	return v;
}

static void hdr_explain(dk_kdump *d, const char *field, const char *want)
{
	size_t avail;
	char buf[160];
	const uint8_t *h = dk_kdump_header_bytes(d, &avail);
	dk_field_explain(dk_struct_field(dk_kdump_header_desc(d), field), h, avail, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void test_dumpit_full_header(void **state)
{
	(void)state;
	dk_kdump *d = open_or_skip("dumpit-win10-19045-full-header16k.dmp");
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	assert_int_equal(s->bits, 64);
	assert_int_equal(s->arch, DK_ARCH_AMD64);
	assert_int_equal(s->dump_type, 1);
	assert_int_equal(s->minor_version, 19045);
	assert_int_equal(s->major_version, 0xF);
	assert_int_equal(s->number_processors, 4);
	assert_int_equal(s->bugcheck_code, 0x5454414D);
	assert_int_equal(s->bugcheck_parameters[0], 0x4E4F4F4D);
	assert_int_equal(s->bugcheck_parameters[1], 0x534C4F53);
	assert_int_equal(s->bugcheck_parameters[2], 0x4E4F4F4D);
	assert_int_equal(s->bugcheck_parameters[3], 0x534C4F53);
	assert_null(dk_bugcheck_name(s->bugcheck_code));
	assert_int_equal(s->required_dump_space, 2145943552ull);
	assert_true(s->system_time_set);
	hdr_explain(d, "SystemTime", "2024-10-12 12:57:59 UTC");
	assert_int_equal(s->file_size, 16384);
	const dk_kdump_runs *r = dk_kdump_get_runs(d);
	assert_true(r->valid);
	assert_int_equal(r->number_of_runs, 5);
	assert_int_equal(r->count, 5);
	assert_int_equal(r->number_of_pages, 0x7FE86);
	uint64_t sum = 0;
	for (size_t i = 0; i < r->count; i++)
		sum += r->runs[i].count;
	assert_int_equal(sum, 0x7FE86);
	assert_int_equal(r->runs[0].base_pfn, 2);
	assert_int_equal(s->storage, DK_STORAGE_RUNS);
	assert_int_equal(s->stored_pages, 0x7FE86);
	assert_int_equal(s->available_pages, 2); /* 16 KiB: header + two pages */
	/* RequiredDumpSpace is exactly header + pages */
	assert_int_equal(s->required_dump_space, 0x2000 + 0x7FE86ull * 4096);
	/* the page data is missing: reading it says so */
	uint8_t page[DK_PAGE_SIZE];
	dk_error e;
	assert_int_equal(dk_kdump_read_page(d, 2, page, &e), DK_OK);
	assert_int_equal(dk_kdump_read_page(d, 4, page, &e), DK_E_RANGE);
	assert_int_equal(dk_kdump_read_page(d, 0x100, page, &e), DK_E_RANGE);
	dk_kdump_close(d);

	dk_findings f;
	dk_findings_init(&f);
	assert_int_equal(dk_check_file(corpus("dumpit-win10-19045-full-header16k.dmp"),
	                               DK_CHECK_DEEP, &f, NULL, &e), DK_OK);
	assert_int_equal(dk_findings_verdict(&f), DK_VERDICT_BAD);
	bool missing = false;
	for (size_t i = 0; i < f.count; i++)
		if (strcmp(f.items[i].id, "pages.missing") == 0) {
			assert_int_equal(f.items[i].severity, DK_SEV_ERROR);
			missing = true;
		}
	assert_true(missing);
	dk_findings_free(&f);
}

static void test_triage_arm64(void **state)
{
	(void)state;
	dk_kdump *d = open_or_skip("triage-arm64-22000.dmp");
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	assert_int_equal(s->bits, 64);
	assert_int_equal(s->arch, DK_ARCH_ARM64);
	assert_int_equal(s->dump_type, 4);
	assert_int_equal(s->major_version, 0xF);
	assert_int_equal(s->minor_version, 0x55F0);
	assert_int_equal(s->directory_table_base, 0x946AA000);
	assert_int_equal(s->pfn_database, 0xFFFFF803F3B19960ull);
	assert_int_equal(s->ps_loaded_module_list, 0xFFFFF803F3A2AA20ull);
	assert_int_equal(s->ps_active_process_head, 0xFFFFF803F3A1D1C0ull);
	assert_int_equal(s->machine_image_type, 0xAA64);
	assert_int_equal(s->number_processors, 8);
	assert_int_equal(s->bugcheck_code, 0x1C8);
	assert_string_equal(dk_bugcheck_name(s->bugcheck_code), "MANUALLY_INITIATED_POWER_BUTTON_HOLD");
	hdr_explain(d, "BugCheckCode", "MANUALLY_INITIATED_POWER_BUTTON_HOLD");
	assert_int_equal(s->bugcheck_parameters[0], 0x1B58);
	assert_int_equal(s->bugcheck_parameters[1], 0xFFFFF803F3A20860ull);
	assert_int_equal(s->bugcheck_parameters[2], 0);
	assert_int_equal(s->bugcheck_parameters[3], 0);
	assert_int_equal(s->kd_debugger_data_block, 0xFFFFF803F3A00D00ull);
	hdr_u(d, "SecondaryDataState", DK_FIELD_NOT_SET);
	size_t avail;
	char buf[64];
	const uint8_t *h = dk_kdump_header_bytes(d, &avail);
	dk_field_format(dk_struct_field(dk_kdump_header_desc(d), "SecondaryDataState"), h, avail,
	                buf, sizeof buf);
	assert_string_equal(buf, "(not set)");
	assert_int_equal(hdr_u(d, "ProductType", DK_FIELD_SET), 1);
	assert_int_equal(hdr_u(d, "SuiteMask", DK_FIELD_SET), 0x110);
	assert_int_equal(s->storage, DK_STORAGE_NONE);
	assert_null(dk_kdump_physmem(d));

	const dk_triage *t = dk_kdump_get_triage(d);
	assert_non_null(t);
	assert_int_equal(t->offset, 0x2000);
	assert_int_equal(t->size_of_dump, 0xAC46C);
	assert_int_equal(t->valid_offset, 0xAC468);
	assert_true(t->valid_marker);
	assert_int_equal(t->context_offset, 0x348);
	assert_int_equal(t->exception_offset, 0xF00);
	assert_int_equal(t->mm_offset, 0x2080);
	assert_int_equal(t->unloaded_drivers_offset, 0x20D0);
	assert_int_equal(t->prcb_offset, 0x2340);
	assert_int_equal(t->process_offset, 0xB9C0);
	assert_int_equal(t->thread_offset, 0xC640);
	assert_int_equal(t->call_stack_offset, 0xCF50);
	assert_int_equal(t->size_of_call_stack, 0xB60);
	assert_int_equal(t->driver_list_offset, 0xDE30);
	assert_int_equal(t->driver_count, 0xF5);
	assert_int_equal(t->string_pool_offset, 0x16800);
	assert_int_equal(t->string_pool_size, 0x6EB0);
	assert_int_equal(t->broken_driver_offset, 0);
	assert_int_equal(t->triage_options, 0xFFFFFFFFu);
	assert_int_equal(t->top_of_stack, 0xFFFFE00E0E4BC4A0ull);
	assert_int_equal(t->debugger_data_offset, 0xDAB0);
	assert_int_equal(t->debugger_data_size, 0x380);
	assert_int_equal(t->data_blocks_offset, 0x1D6B0);
	assert_int_equal(t->data_blocks_count, 0x2A7);
	assert_int_equal(t->ndrivers, 0xF5);
	assert_int_equal(t->nblocks, 0x2A7);
	assert_string_equal(t->drivers[0].name, "\\SystemRoot\\system32\\ntoskrnl.exe");
	assert_true(t->drivers[0].name_ok);
	assert_int_equal(t->drivers[0].dll_base, 0xFFFFF803F2E00000ull);
	for (size_t i = 0; i < t->ndrivers; i++)
		assert_true(t->drivers[i].name_ok);

	/* context registers */
	size_t len;
	const dk_struct_desc *cd;
	const uint8_t *ctx = dk_kdump_context(d, &len, &cd);
	assert_non_null(cd);
	static const struct { const char *reg; uint64_t v; } regs[] = {
		{ "Cpsr", 0x80000144 }, { "X19", 0xFFFFF803EFD00980ull }, { "X25", 0x1B58 },
		{ "X26", 0xFFFFF803F3A20860ull }, { "Fp", 0xFFFFE00E0E4BC4A0ull }, { "Lr", 0 },
		{ "Sp", 0xFFFFE00E0E4BC4A0ull }, { "Pc", 0xFFFFF803F32DE014ull }, { "Fpsr", 0x10 },
	};
	for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
		const dk_field *f = dk_struct_field(cd, regs[i].reg);
		assert_non_null(f);
		uint64_t v;
		assert_int_equal(dk_field_get(f, ctx, len, &v), DK_FIELD_SET);
		if (v != regs[i].v)
			fail_msg("%s: 0x%llx, expected 0x%llx", regs[i].reg, (unsigned long long)v,
			         (unsigned long long)regs[i].v);
	}
	/* the stack copy holds the first return address above SP */
	dk_error e;
	uint8_t w[8];
	assert_int_equal(dk_triage_read_virtual(d, t->top_of_stack, w, 8, &e), DK_OK);
	assert_int_equal(dk_triage_read_virtual(d, s->kd_debugger_data_block + 0x10, w, 4, &e), DK_OK);
	assert_memory_equal(w, "KDBG", 4);
	dk_kdump_close(d);

	dk_findings f;
	dk_findings_init(&f);
	assert_int_equal(dk_check_file(corpus("triage-arm64-22000.dmp"), DK_CHECK_DEEP, &f, NULL, &e),
	                 DK_OK);
	assert_int_not_equal(dk_findings_verdict(&f), DK_VERDICT_BAD);
	for (size_t i = 0; i < f.count; i++)
		assert_int_not_equal(f.items[i].severity, DK_SEV_ERROR);
	dk_findings_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dumpit_full_header),
		cmocka_unit_test(test_triage_arm64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
