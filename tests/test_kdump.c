/* dmpkit tests — opening dkgen dumps of every type and architecture and
 * comparing what the library decodes with what dkgen was told to write.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/dmpkit.h>

#include "testlib.h"

typedef struct spec {
	const char *name;   /* scratch file name */
	const char *args;   /* dkgen arguments */
	unsigned type, bits;
	dk_arch arch;
	dk_storage storage;
	const char *runs;   /* "B:C,..." the runs given (NULL: dkgen default) */
} spec;

#define DEF_RUNS "0:16,0x100:32"

static const spec specs[] = {
	{ "t1_x86.dmp", "--type 1 --arch x86", 1, 32, DK_ARCH_X86, DK_STORAGE_RUNS, NULL },
	{ "t1_x64.dmp", "--type 1 --arch x64", 1, 64, DK_ARCH_AMD64, DK_STORAGE_RUNS, NULL },
	{ "t1_arm64.dmp", "--type 1 --arch arm64", 1, 64, DK_ARCH_ARM64, DK_STORAGE_RUNS, NULL },
	{ "t1_x64_runs.dmp", "--type 1 --runs 1:3,5:2,0x40:17,0x101:1,0x200:40", 1, 64,
	  DK_ARCH_AMD64, DK_STORAGE_RUNS, "1:3,5:2,0x40:17,0x101:1,0x200:40" },
	{ "t1_x86_runs.dmp", "--type 1 --arch x86 --runs 1:3,5:2,0x40:17,0x101:1,0x200:40", 1, 32,
	  DK_ARCH_X86, DK_STORAGE_RUNS, "1:3,5:2,0x40:17,0x101:1,0x200:40" },
	{ "t2_x64.dmp", "--type 2", 2, 64, DK_ARCH_AMD64, DK_STORAGE_BITMAP, NULL },
	{ "t2_x86.dmp", "--type 2 --arch x86", 2, 32, DK_ARCH_X86, DK_STORAGE_BITMAP, NULL },
	{ "t2_unal.dmp", "--type 2 --bmp-unaligned --runs 0:3,9:7,0x100:32,0x1f0:9", 2, 64,
	  DK_ARCH_AMD64, DK_STORAGE_BITMAP, "0:3,9:7,0x100:32,0x1f0:9" },
	{ "t2_unal_x86.dmp", "--type 2 --arch x86 --bmp-unaligned --runs 0:3,9:7,0x100:32,0x1f0:9",
	  2, 32, DK_ARCH_X86, DK_STORAGE_BITMAP, "0:3,9:7,0x100:32,0x1f0:9" },
	{ "t3_x64.dmp", "--type 3", 3, 64, DK_ARCH_AMD64, DK_STORAGE_NONE, NULL },
	{ "t3_x86.dmp", "--type 3 --arch x86", 3, 32, DK_ARCH_X86, DK_STORAGE_NONE, NULL },
	{ "t4_x64.dmp", "--type 4", 4, 64, DK_ARCH_AMD64, DK_STORAGE_NONE, NULL },
	{ "t4_x86.dmp", "--type 4 --arch x86", 4, 32, DK_ARCH_X86, DK_STORAGE_NONE, NULL },
	{ "t4_arm64.dmp", "--type 4 --arch arm64", 4, 64, DK_ARCH_ARM64, DK_STORAGE_NONE, NULL },
	{ "t5_x64.dmp", "--type 5", 5, 64, DK_ARCH_AMD64, DK_STORAGE_BITMAP, NULL },
	{ "t5_x86.dmp", "--type 5 --arch x86 --bitmap-bits 0x400", 5, 32, DK_ARCH_X86,
	  DK_STORAGE_BITMAP, NULL },
	{ "t6_x64.dmp", "--type 6 --runs 0x7:1,0x8:8,0x41:0x3f", 6, 64, DK_ARCH_AMD64,
	  DK_STORAGE_BITMAP, "0x7:1,0x8:8,0x41:0x3f" },
	{ "t6_arm64.dmp", "--type 6 --arch arm64", 6, 64, DK_ARCH_ARM64, DK_STORAGE_BITMAP, NULL },
	{ "t8_x64.dmp", "--type 8 --runs 1:16,0x100:32", 8, 64, DK_ARCH_AMD64, DK_STORAGE_RANGES,
	  "1:16,0x100:32" },
	{ "t9_x64.dmp", "--type 9 --runs 1:5,0x10:3,0x100:32", 9, 64, DK_ARCH_AMD64,
	  DK_STORAGE_RANGES, "1:5,0x10:3,0x100:32" },
	{ "t10_x64.dmp", "--type 10", 10, 64, DK_ARCH_AMD64, DK_STORAGE_RANGES, NULL },
	{ "t10_arm64.dmp", "--type 10 --arch arm64 --runs 0:1,2:1,4:1,0x100:32", 10, 64,
	  DK_ARCH_ARM64, DK_STORAGE_RANGES, "0:1,2:1,4:1,0x100:32" },
};
#define NSPECS (sizeof specs / sizeof specs[0])

static size_t parse_runs(const char *s, dk_run *out, size_t max)
{
	size_t n = 0;
	while (s && *s && n < max) {
		char *end;
		out[n].base_pfn = strtoull(s, &end, 0);
		assert_true(*end == ':');
		out[n].count = strtoull(end + 1, &end, 0);
		n++;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static dk_kdump *open_spec(const spec *sp, tl_layout *lay)
{
	char args[512];
	snprintf(args, sizeof args, "%s --dtb 0x101000", sp->args);
	const char *path = tl_gen(sp->name, args, lay);
	assert_non_null(path);
	dk_kdump *d = NULL;
	dk_error e;
	dk_status st = dk_kdump_open(path, &d, &e);
	if (st != DK_OK)
		fail_msg("open %s: %s", path, e.message);
	return d;
}

static void check_summary(const spec *sp, dk_kdump *d, const tl_layout *lay)
{
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	assert_int_equal(s->bits, sp->bits);
	assert_int_equal(tl_lay(lay, "bits"), sp->bits);
	assert_int_equal(s->header_size, tl_lay(lay, "header_size"));
	assert_int_equal(s->header_size, sp->bits == 64 ? 0x2000 : 0x1000);
	assert_int_equal(s->arch, sp->arch);
	assert_int_equal(s->machine_image_type, tl_lay(lay, "machine"));
	assert_int_equal(s->dump_type, sp->type);
	assert_int_equal(s->dump_type, tl_lay(lay, "dump_type"));
	assert_int_equal(s->major_version, 0xF);
	assert_int_equal(s->minor_version, tl_lay(lay, "minor_version"));
	assert_int_equal(s->minor_version, 19041);
	assert_int_equal(s->directory_table_base, 0x101000);
	assert_int_equal(s->directory_table_base, tl_lay(lay, "dtb"));
	assert_int_equal(s->kd_debugger_data_block, tl_lay(lay, "kdbg_va"));
	assert_int_equal(s->pfn_database, tl_lay(lay, "pfn_database"));
	assert_int_equal(s->ps_loaded_module_list, tl_lay(lay, "ps_loaded_module_list"));
	assert_int_equal(s->ps_active_process_head, tl_lay(lay, "ps_active_process_head"));
	assert_int_equal(s->number_processors, tl_lay(lay, "number_processors"));
	assert_int_equal(s->number_processors, 4);
	assert_int_equal(s->bugcheck_code, 0x1E);
	assert_int_equal(s->bugcheck_code, tl_lay(lay, "bugcheck_code"));
	assert_int_equal(s->bugcheck_parameters[0], tl_lay(lay, "bugcheck_p1"));
	assert_int_equal(s->bugcheck_parameters[1], tl_lay(lay, "bugcheck_p2"));
	assert_int_equal(s->bugcheck_parameters[2], tl_lay(lay, "bugcheck_p3"));
	assert_int_equal(s->bugcheck_parameters[3], tl_lay(lay, "bugcheck_p4"));
	assert_int_equal(s->bugcheck_parameters[0], 0xC0000005);
	assert_int_equal(s->bugcheck_parameters[1],
	                 sp->bits == 64 ? 0xFFFFF80012345678ull : 0x12345678ull);
	assert_int_equal(s->bugcheck_parameters[3], 0x1D);
	assert_true(s->system_time_set);
	assert_int_equal(s->system_time, tl_lay(lay, "system_time"));
	assert_int_equal(s->system_time, 0x01DB1C9A5B8C3000ull);
	assert_true(s->system_up_time_set);
	assert_int_equal(s->system_up_time, tl_lay(lay, "system_uptime"));
	assert_int_equal(s->required_dump_space, tl_lay(lay, "required_dump_space"));
	assert_int_equal(s->file_size, tl_lay(lay, "file_size"));
	assert_int_equal(s->required_dump_space, s->file_size);
	assert_true(s->attributes_set);
	assert_int_equal(s->attributes, 0);
	if (sp->bits == 32)
		assert_true(s->pae_enabled);
	assert_int_equal(s->storage, sp->storage);

	/* header bytes and descriptions */
	size_t avail;
	const uint8_t *h = dk_kdump_header_bytes(d, &avail);
	assert_int_equal(avail, s->header_size);
	assert_memory_equal(h, sp->bits == 64 ? "PAGEDU64" : "PAGEDUMP", 8);
	const dk_struct_desc *hd = dk_kdump_header_desc(d);
	assert_string_equal(hd->name, sp->bits == 64 ? "DUMP_HEADER64" : "DUMP_HEADER32");
	const dk_field *c = dk_struct_field(hd, "Comment");
	char buf[160];
	dk_field_format(c, h, avail, buf, sizeof buf);
	assert_string_equal(buf, "dkgen synthetic dump");

	/* context and exception record */
	size_t len;
	const dk_struct_desc *cd;
	const uint8_t *ctx = dk_kdump_context(d, &len, &cd);
	assert_non_null(cd);
	assert_int_equal(cd->size, sp->arch == DK_ARCH_X86 ? 0x2CC : sp->arch == DK_ARCH_AMD64 ? 0x4D0 : 0x390);
	dk_context_regs r = dk_context_main_regs(sp->arch);
	uint64_t sp_v = 0, pc_v = 0;
	memcpy(&sp_v, ctx + r.sp, r.width);
	memcpy(&pc_v, ctx + r.pc, r.width);
	assert_int_equal(sp_v, tl_lay(lay, "context_sp"));
	assert_int_equal(pc_v, tl_lay(lay, "context_pc"));
	assert_int_equal(tl_lay(lay, "header_context_offset"), sp->bits == 64 ? 0x348 : 0x320);
	const uint8_t *exc = dk_kdump_exception(d, &len, &cd);
	assert_int_equal(cd->size, tl_lay(lay, "exception_size"));
	assert_true(len >= cd->size);
	uint64_t v;
	assert_int_equal(dk_field_get(dk_struct_field(cd, "ExceptionCode"), exc, len, &v), DK_FIELD_SET);
	assert_int_equal(v, 0xC0000005);
	assert_int_equal(dk_field_get(dk_struct_field(cd, "NumberParameters"), exc, len, &v),
	                 DK_FIELD_SET);
	assert_int_equal(v, 2);

	/* PhysicalMemoryBlock: always filled by dkgen */
	const dk_kdump_runs *runs = dk_kdump_get_runs(d);
	assert_true(runs->valid);
	assert_int_equal(runs->number_of_runs, tl_lay(lay, "pmb_number_of_runs"));
	assert_int_equal(runs->number_of_pages, tl_lay(lay, "pmb_number_of_pages"));
	assert_int_equal(runs->count, tl_lay(lay, "pmb_runs_stored"));
}

static void check_pages(const spec *sp, dk_kdump *d, const tl_layout *lay)
{
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	const dk_physmem *pm = dk_kdump_physmem(d);
	uint8_t page[DK_PAGE_SIZE];
	dk_error e;
	if (sp->storage == DK_STORAGE_NONE) {
		assert_null(pm);
		assert_int_equal(dk_kdump_read_page(d, 0, page, &e), DK_E_RANGE);
		uint64_t off;
		assert_false(dk_kdump_page_offset(d, 0, &off));
		return;
	}
	assert_non_null(pm);
	assert_int_equal(pm->page_size, DK_PAGE_SIZE);
	dk_run want[64];
	size_t nw = parse_runs(sp->runs ? sp->runs : DEF_RUNS, want, 64);
	uint64_t total = 0;
	for (size_t i = 0; i < nw; i++)
		total += want[i].count;
	assert_int_equal(pm->present_pages, total);
	assert_int_equal(s->stored_pages, total);
	assert_int_equal(s->available_pages, total);
	assert_int_equal(pm->end_pfn, want[nw - 1].base_pfn + want[nw - 1].count);
	/* runs: adjacent runs given separately may be merged by a bitmap */
	dk_run r;
	uint64_t p = 0, seen = 0;
	size_t wi = 0;
	uint64_t wpos = want[0].base_pfn;
	while (dk_physmem_next_run(pm, p, &r)) {
		assert_true(r.count > 0);
		for (uint64_t k = 0; k < r.count; k++) {
			assert_true(wi < nw);
			assert_int_equal(r.base_pfn + k, wpos);
			if (++wpos == want[wi].base_pfn + want[wi].count && ++wi < nw)
				wpos = want[wi].base_pfn;
		}
		seen += r.count;
		p = r.base_pfn + r.count;
	}
	assert_int_equal(seen, total);
	assert_int_equal(wi, nw);
	/* where the first page lies */
	if (sp->storage == DK_STORAGE_RUNS)
		assert_int_equal(s->first_page_offset, tl_lay(lay, "data_offset"));
	else if (sp->storage == DK_STORAGE_BITMAP) {
		assert_int_equal(s->first_page_offset, tl_lay(lay, "bitmap_first_page"));
		const dk_kdump_bitmap *b = dk_kdump_get_bitmap(d);
		assert_non_null(b);
		assert_int_equal(b->first_page, tl_lay(lay, "bitmap_first_page"));
		assert_int_equal(b->present_pages, tl_lay(lay, "bitmap_present_pages"));
		assert_int_equal(b->bits, tl_lay(lay, "bitmap_bits"));
		assert_int_equal(b->popcount, total);
		assert_int_equal(b->signature, tl_lay(lay, "bitmap_signature"));
		assert_int_equal(b->offset, tl_lay(lay, "bitmap_header_offset"));
		assert_null(dk_kdump_get_rdmp(d));
	} else {
		assert_int_equal(s->first_page_offset, tl_lay(lay, "rdmp_first_page_offset"));
		const dk_kdump_rdmp *h = dk_kdump_get_rdmp(d);
		assert_non_null(h);
		assert_int_equal(h->metadata_size, tl_lay(lay, "rdmp_metadata_size"));
		assert_int_equal(h->count, tl_lay(lay, "rdmp_ranges"));
		assert_int_equal(h->count, nw);
		for (size_t i = 0; i < nw; i++) {
			assert_int_equal(h->ranges[i].base_pfn, want[i].base_pfn);
			assert_int_equal(h->ranges[i].count, want[i].count);
		}
		if (sp->type == 10)
			assert_int_equal(h->total_number_of_pages, total);
		assert_null(dk_kdump_get_bitmap(d));
	}
	/* every present page holds its tag; file offsets match dkgen's */
	for (size_t i = 0; i < nw; i++) {
		char key[48];
		snprintf(key, sizeof key, "run%zu_file_offset", i);
		uint64_t off;
		if (tl_lay_has(lay, key)) {
			assert_true(dk_kdump_page_offset(d, want[i].base_pfn, &off));
			assert_int_equal(off, tl_lay(lay, key));
		}
		for (uint64_t k = 0; k < want[i].count; k++) {
			uint64_t pfn = want[i].base_pfn + k;
			assert_true(dk_physmem_present(pm, pfn));
			dk_status st = dk_kdump_read_page(d, pfn, page, &e);
			if (st != DK_OK)
				fail_msg("page 0x%llx: %s", (unsigned long long)pfn, e.message);
			assert_memory_equal(page, "DKGENPFN", 8);
			uint64_t tag;
			memcpy(&tag, page + 8, 8);
			assert_int_equal(tag, pfn);
			assert_int_equal(page[16], (uint8_t)(pfn * 131 + 16));
			assert_int_equal(page[4095], (uint8_t)(pfn * 131 + 4095));
		}
	}
	/* absent pages: between the runs and past the end */
	uint64_t end = pm->end_pfn;
	for (uint64_t pfn = 0; pfn < end + 8; pfn++) {
		if (dk_physmem_present(pm, pfn))
			continue;
		assert_int_equal(dk_kdump_read_page(d, pfn, page, &e), DK_E_RANGE);
		assert_int_equal(e.status, DK_E_RANGE);
		assert_true(strlen(e.message) > 0);
	}
	assert_int_equal(dk_kdump_read_page(d, UINT64_MAX, page, &e), DK_E_RANGE);
	assert_int_equal(dk_kdump_read_page(d, UINT64_MAX / DK_PAGE_SIZE, page, &e), DK_E_RANGE);
	/* a physical read across two pages of one run */
	uint8_t two[32];
	uint64_t pfn0 = want[nw - 1].base_pfn;
	if (want[nw - 1].count >= 2) {
		assert_int_equal(dk_physmem_read(pm, pfn0 * DK_PAGE_SIZE + 4096 - 8, two, 24, &e), DK_OK);
		assert_int_equal(two[7], (uint8_t)(pfn0 * 131 + 4095));
		assert_memory_equal(two + 8, "DKGENPFN", 8);
	}
	assert_int_equal(dk_physmem_read(pm, end * DK_PAGE_SIZE, two, 8, &e), DK_E_RANGE);
}

static void test_spec(void **state)
{
	const spec *sp = *state;
	static tl_layout lay;
	dk_kdump *d = open_spec(sp, &lay);
	check_summary(sp, d, &lay);
	check_pages(sp, d, &lay);
	/* the same bytes through the memory interface decode the same */
	size_t n;
	uint8_t *buf = tl_read_file(tl_path(sp->name), &n);
	assert_non_null(buf);
	dk_kdump *m;
	dk_error e;
	assert_int_equal(dk_kdump_open_memory(buf, n, "mem", &m, &e), DK_OK);
	assert_memory_equal(dk_kdump_get_summary(m), dk_kdump_get_summary(d), sizeof(dk_kdump_summary));
	assert_string_equal(dk_kdump_name(m), "mem");
	if (sp->storage != DK_STORAGE_NONE) {
		uint8_t a[DK_PAGE_SIZE], b[DK_PAGE_SIZE];
		dk_run r;
		assert_true(dk_physmem_next_run(dk_kdump_physmem(m), 0, &r));
		assert_int_equal(dk_kdump_read_page(m, r.base_pfn, a, &e), DK_OK);
		assert_int_equal(dk_kdump_read_page(d, r.base_pfn, b, &e), DK_OK);
		assert_memory_equal(a, b, DK_PAGE_SIZE);
	}
	dk_kdump_close(m);
	free(buf);
	dk_kdump_close(d);
}

/* ---- triage ---- */

typedef struct tspec {
	const char *name, *args;
	unsigned bits;
	dk_arch arch;
} tspec;

static const tspec tspecs[] = {
	{ "tri_x64.dmp", "--type 4", 64, DK_ARCH_AMD64 },
	{ "tri_x86.dmp", "--type 4 --arch x86", 32, DK_ARCH_X86 },
	{ "tri_arm64.dmp", "--type 4 --arch arm64", 64, DK_ARCH_ARM64 },
	{ "tri_x64_many.dmp", "--type 4 --drivers 40 --unloaded 7 --datablocks 9 --datablock-size 0x230 "
	  "--stack-bytes 0x333", 64, DK_ARCH_AMD64 },
	{ "tri_x86_many.dmp", "--type 4 --arch x86 --drivers 40 --unloaded 7 --datablocks 9 "
	  "--datablock-size 0x230 --stack-bytes 0x333", 32, DK_ARCH_X86 },
	{ "tri_arm64_real.dmp", "--type 4 --arch arm64 --triage-ctx-in-header --no-pmb "
	  "--ldr-names-zero --leave-page-fill", 64, DK_ARCH_ARM64 },
};

static void expect_driver_name(unsigned k, char *buf, size_t n)
{
	if (k == 0)
		snprintf(buf, n, "\\SystemRoot\\system32\\ntoskrnl.exe");
	else if (k == 1)
		snprintf(buf, n, "\\SystemRoot\\system32\\hal.dll");
	else if (k == 2)
		snprintf(buf, n, "\\SystemRoot\\system32\\drivers\\mydrv.sys");
	else
		snprintf(buf, n, "\\SystemRoot\\system32\\drivers\\drv%u.sys", k);
}

static void test_triage(void **state)
{
	const tspec *ts = *state;
	static tl_layout lay;
	char args[512];
	snprintf(args, sizeof args, "%s --dtb 0x101000", ts->args);
	const char *path = tl_gen(ts->name, args, &lay);
	assert_non_null(path);
	dk_kdump *d;
	dk_error e;
	assert_int_equal(dk_kdump_open(path, &d, &e), DK_OK);
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	bool is64 = ts->bits == 64;
	assert_int_equal(s->dump_type, 4);
	assert_int_equal(s->arch, ts->arch);
	assert_int_equal(s->storage, DK_STORAGE_NONE);
	assert_null(dk_kdump_physmem(d));
	const dk_triage *t = dk_kdump_get_triage(d);
	assert_non_null(t);
	size_t sa;
	const dk_struct_desc *sd;
	assert_non_null(dk_kdump_secondary_bytes(d, &sa, &sd));
	assert_string_equal(sd->name, is64 ? "TRIAGE_DUMP64" : "TRIAGE_DUMP32");
	assert_int_equal(t->offset, tl_lay(&lay, "triage_offset"));
	assert_int_equal(t->size_of_dump, tl_lay(&lay, "triage_size_of_dump"));
	assert_int_equal(t->size_of_dump, s->file_size);
	assert_int_equal(t->valid_offset, tl_lay(&lay, "triage_valid_offset"));
	assert_int_equal(t->valid_offset + 4, t->size_of_dump);
	assert_true(t->valid_marker);
	assert_int_equal(t->context_offset, tl_lay(&lay, "triage_context_offset"));
	assert_int_equal(t->exception_offset, tl_lay(&lay, "triage_exception_offset"));
	assert_int_equal(t->mm_offset, tl_lay(&lay, "triage_mm_offset"));
	assert_int_equal(t->unloaded_drivers_offset, tl_lay(&lay, "triage_unloaded_offset"));
	assert_int_equal(t->prcb_offset, tl_lay(&lay, "triage_prcb_offset"));
	assert_int_equal(t->process_offset, tl_lay(&lay, "triage_process_offset"));
	assert_int_equal(t->thread_offset, tl_lay(&lay, "triage_thread_offset"));
	assert_int_equal(t->call_stack_offset, tl_lay(&lay, "triage_callstack_offset"));
	assert_int_equal(t->size_of_call_stack, tl_lay(&lay, "triage_callstack_size"));
	assert_int_equal(t->top_of_stack, tl_lay(&lay, "triage_top_of_stack"));
	assert_int_equal(t->driver_list_offset, tl_lay(&lay, "triage_driver_list_offset"));
	assert_int_equal(t->driver_count, tl_lay(&lay, "triage_driver_count"));
	assert_int_equal(t->string_pool_offset, tl_lay(&lay, "triage_string_pool_offset"));
	assert_int_equal(t->string_pool_size, tl_lay(&lay, "triage_string_pool_size"));
	assert_int_equal(t->debugger_data_offset, tl_lay(&lay, "triage_debugger_data_offset"));
	assert_int_equal(t->debugger_data_size, tl_lay(&lay, "triage_debugger_data_size"));
	assert_int_equal(t->data_blocks_offset, tl_lay(&lay, "triage_datablocks_offset"));
	assert_int_equal(t->data_blocks_count, tl_lay(&lay, "triage_datablocks_count"));
	assert_int_equal(t->triage_options, 0xFFFFFFFFu);
	assert_int_equal(t->broken_driver_offset, 0);
	if (strstr(ts->args, "--triage-ctx-in-header")) {
		assert_int_equal(t->context_offset, is64 ? 0x348 : 0x320);
		assert_int_equal(t->exception_offset, is64 ? 0xF00 : 0x7D0);
	}

	/* drivers */
	assert_int_equal(t->ndrivers, t->driver_count);
	uint64_t ntbase = is64 ? 0xFFFFF80012000000ull : 0x80400000ull;
	uint64_t ntsize = is64 ? 0x1000000u : 0x400000u;
	for (unsigned k = 0; k < t->ndrivers; k++) {
		const dk_triage_driver *dr = &t->drivers[k];
		char key[48], want[128];
		expect_driver_name(k, want, sizeof want);
		assert_true(dr->name_ok);
		assert_string_equal(dr->name, want);
		snprintf(key, sizeof key, "driver%u_name_offset", k);
		assert_int_equal(dr->name_offset, tl_lay(&lay, key));
		snprintf(key, sizeof key, "driver%u_base", k);
		assert_int_equal(dr->dll_base, tl_lay(&lay, key));
		assert_int_equal(dr->dll_base, k == 0 ? ntbase : ntbase + ntsize + (k - 1) * 0x10000ull);
		snprintf(key, sizeof key, "driver%u_size", k);
		assert_int_equal(dr->size_of_image, tl_lay(&lay, key));
		assert_int_equal(dr->size_of_image, k == 0 ? ntsize : 0x10000u);
		assert_int_equal(dr->entry_point, dr->dll_base + 0x1000);
		assert_int_equal(dr->checksum, 0x10000u + k);
		assert_int_equal(dr->timestamp, 0x5F000000u + k);
		assert_int_equal(dr->load_count, 1);
		assert_int_equal(dr->flags, 0);
	}
	/* unloaded drivers */
	unsigned nu = strstr(ts->args, "--unloaded 7") ? 7 : 2;
	assert_int_equal(tl_lay(&lay, "triage_unloaded_count"), nu);
	assert_int_equal(t->nunloaded, nu);
	for (unsigned k = 0; k < nu; k++) {
		char want[32];
		snprintf(want, sizeof want, "old%u.sys", k);
		assert_string_equal(t->unloaded[k].name, want);
		uint64_t start = (is64 ? 0xFFFFF80014000000ull : 0x80A00000ull) + k * 0x10000ull;
		assert_int_equal(t->unloaded[k].start, start);
		assert_int_equal(t->unloaded[k].end, start + 0x8000);
	}
	/* data blocks, read back through the virtual reader */
	assert_int_equal(t->nblocks, t->data_blocks_count);
	uint32_t bsize = strstr(ts->args, "--datablock-size 0x230") ? 0x230 : 0x100;
	for (unsigned k = 0; k < t->nblocks; k++) {
		const dk_triage_block *b = &t->blocks[k];
		char key[48];
		uint64_t va = (is64 ? 0xFFFFF80012800000ull : 0x80600000ull) + k * 0x1000ull;
		snprintf(key, sizeof key, "datablock%u_va", k);
		assert_int_equal(b->address, tl_lay(&lay, key));
		assert_int_equal(b->address, va);
		snprintf(key, sizeof key, "datablock%u_offset", k);
		assert_int_equal(b->offset, tl_lay(&lay, key));
		snprintf(key, sizeof key, "datablock%u_size", k);
		assert_int_equal(b->size, tl_lay(&lay, key));
		assert_int_equal(b->size, bsize);
		uint8_t buf[0x400];
		assert_int_equal(dk_triage_read_virtual(d, va, buf, bsize, &e), DK_OK);
		assert_memory_equal(buf, "DKGENBLK", 8);
		uint64_t tag;
		memcpy(&tag, buf + 8, 8);
		assert_int_equal(tag, va);
		for (uint32_t i = 16; i < bsize; i++)
			assert_int_equal(buf[i], (uint8_t)(37 * k + i));
		/* an inner range, and one running past the block */
		assert_int_equal(dk_triage_read_virtual(d, va + 0x20, buf, 0x10, &e), DK_OK);
		assert_int_equal(buf[0], (uint8_t)(37 * k + 0x20));
		assert_int_equal(dk_triage_read_virtual(d, va + bsize - 4, buf, 8, &e), DK_E_RANGE);
	}
	/* the call stack: the word at TopOfStack + i holds SP + i */
	uint64_t sp = t->top_of_stack;
	uint8_t w[8];
	unsigned ps = is64 ? 8 : 4;
	for (uint64_t i = 0; i + ps <= t->size_of_call_stack; i += ps * 7) {
		uint64_t v = 0;
		assert_int_equal(dk_triage_read_virtual(d, sp + i, w, ps, &e), DK_OK);
		memcpy(&v, w, ps);
		assert_int_equal(v, is64 ? sp + i : (uint32_t)(sp + i));
	}
	/* the debugger data copy at KdDebuggerDataBlock */
	uint8_t kd[0x20];
	assert_int_equal(dk_triage_read_virtual(d, s->kd_debugger_data_block, kd, sizeof kd, &e), DK_OK);
	assert_memory_equal(kd + 0x10, "KDBG", 4);
	uint32_t ksz;
	memcpy(&ksz, kd + 0x14, 4);
	assert_int_equal(ksz, 0x380);
	/* unmapped addresses */
	assert_int_equal(dk_triage_read_virtual(d, 0x1000, w, 4, &e), DK_E_RANGE);
	assert_true(strlen(e.message) > 0);
	/* parts and raw bytes: PRCB bytes follow (0x11 + 7i) */
	dk_triage_part parts[16];
	size_t np = dk_triage_parts(t, ts->bits, parts, 16);
	assert_true(np >= 13);
	bool saw_prcb = false;
	for (size_t i = 0; i < np; i++) {
		if (strcmp(parts[i].name, "Prcb") != 0)
			continue;
		saw_prcb = true;
		uint8_t pr[0x100];
		assert_int_equal(dk_kdump_read_bytes(d, parts[i].offset, pr, sizeof pr, &e), DK_OK);
		for (unsigned k = 0; k < sizeof pr; k++)
			assert_int_equal(pr[k], (uint8_t)(0x11 + 7 * k));
	}
	assert_true(saw_prcb);
	assert_int_equal(dk_kdump_read_bytes(d, s->file_size - 2, w, 4, &e), DK_E_TRUNCATED);
	dk_kdump_close(d);
}

static void test_triage_virtual_not_triage(void **state)
{
	(void)state;
	const spec *sp = &specs[1];
	static tl_layout lay;
	dk_kdump *d = open_spec(sp, &lay);
	uint8_t b[4];
	dk_error e;
	assert_null(dk_kdump_get_triage(d));
	assert_int_equal(dk_triage_read_virtual(d, 0xFFFFF80012800000ull, b, 4, &e), DK_E_ARG);
	dk_kdump_close(d);
}

static void test_not_a_dump(void **state)
{
	(void)state;
	dk_kdump *d = (dk_kdump *)(uintptr_t)1;
	dk_error e;
	assert_int_equal(dk_kdump_open_memory("MDMP\x93\xa7\0\0", 8, "m", &d, &e), DK_E_FORMAT);
	assert_null(d);
	assert_non_null(strstr(e.message, "minidump"));
	assert_int_equal(dk_kdump_open_memory("\x7f" "ELF\2\1\1\0", 8, "e", &d, &e), DK_E_FORMAT);
	assert_non_null(strstr(e.message, "ELF"));
	assert_int_equal(dk_kdump_open_memory("PAGEDU6", 7, "s", &d, &e), DK_E_FORMAT);
	assert_int_equal(dk_kdump_open_memory("", 0, "z", &d, &e), DK_E_FORMAT);
	assert_int_equal(dk_kdump_open_memory("PAGEDUMX", 8, "x", &d, &e), DK_E_FORMAT);
	assert_non_null(strstr(e.message, "ValidDump"));
	assert_int_not_equal(dk_kdump_open(tl_path("does-not-exist.dmp"), &d, &e), DK_OK);
	/* a bare signature opens: everything else is missing */
	assert_int_equal(dk_kdump_open_memory("PAGEDU64", 8, "sig", &d, &e), DK_OK);
	size_t avail;
	dk_kdump_header_bytes(d, &avail);
	assert_int_equal(avail, 8);
	dk_kdump_close(d);
}

int main(void)
{
	struct CMUnitTest tests[NSPECS + 8];
	size_t n = 0;
	static char names[NSPECS + 8][64];
	for (size_t i = 0; i < NSPECS; i++) {
		snprintf(names[n], sizeof names[n], "kdump %s", specs[i].name);
		tests[n] = (struct CMUnitTest){ names[n], test_spec, NULL, NULL, (void *)&specs[i] };
		n++;
	}
	for (size_t i = 0; i < sizeof tspecs / sizeof tspecs[0]; i++) {
		snprintf(names[n], sizeof names[n], "triage %s", tspecs[i].name);
		tests[n] = (struct CMUnitTest){ names[n], test_triage, NULL, NULL, (void *)&tspecs[i] };
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_triage_virtual_not_triage);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_not_a_dump);
	return _cmocka_run_group_tests("kdump", tests, n, NULL, NULL);
}
