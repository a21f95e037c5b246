/* dmpkit tests — dk_check_file on clean dkgen dumps (verdict good) and on
 * dumps damaged in one place (a specific finding).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/dmpkit.h>

#include "testlib.h"

static void dump_findings(const char *path, const dk_findings *f)
{
	for (size_t i = 0; i < f->count; i++)
		print_message("  %s: %s %s %s: %s\n", path, dk_severity_name(f->items[i].severity),
		              f->items[i].id, f->items[i].field, f->items[i].message);
}

static void run_check(const char *path, unsigned flags, dk_findings *f, dk_check_stats *st)
{
	dk_error e = { 0 };
	dk_findings_init(f);
	dk_status s = dk_check_file(path, flags, f, st, &e);
	if (s != DK_OK)
		fail_msg("check %s: %s", path, e.message);
}

/* ---- clean dumps ---- */

static const char *const clean[] = {
	"--type 1 --arch x86", "--type 1 --arch x64", "--type 1 --arch arm64",
	"--type 1 --arch x86 --pae 0",
	"--type 2", "--type 2 --arch x86", "--type 2 --arch arm64",
	"--type 3", "--type 3 --arch x86", "--type 3 --arch arm64",
	"--type 4", "--type 4 --arch x86", "--type 4 --arch arm64",
	"--type 4 --arch arm64 --triage-ctx-in-header --no-pmb --ldr-names-zero",
	"--type 4 --drivers 60 --datablocks 20 --unloaded 9",
	"--type 5", "--type 5 --arch x86", "--type 6", "--type 6 --arch arm64",
	"--type 8 --runs 1:16,0x100:32", "--type 9", "--type 10", "--type 10 --arch arm64",
	"--type 1 --runs 0:1,2:1,4:1,6:1,0x100:0x40", "--type 1 --fill zero",
	"--type 2 --bmp-unaligned", "--type 5 --bitmap-bits 0x10000",
};

static void test_clean(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
		char args[256], name[32];
		snprintf(args, sizeof args, "%s --dtb 0x101000", clean[i]);
		snprintf(name, sizeof name, "clean%zu.dmp", i);
		const char *path = tl_gen(name, args, NULL);
		assert_non_null(path);
		dk_findings f;
		dk_check_stats st;
		run_check(path, DK_CHECK_DEEP, &f, &st);
		dk_verdict v = dk_findings_verdict(&f);
		for (size_t k = 0; k < f.count; k++) {
			/* the only finding allowed on a clean dump: a packed
			 * bitmap, which WinDbg writes, is worth an info line */
			if (strcmp(f.items[k].id, "bitmap.first_page_unaligned") == 0 &&
			    f.items[k].severity == DK_SEV_INFO)
				continue;
			print_message("dkgen %s\n", args);
			dump_findings(path, &f);
			fail_msg("unexpected finding on a clean dump");
		}
		assert_int_equal(v, DK_VERDICT_GOOD);
		assert_int_equal(st.pages_unreadable, 0);
		if (strstr(clean[i], "--type 3") || strstr(clean[i], "--type 4"))
			assert_int_equal(st.pages_read, 0);
		else
			assert_true(st.pages_read > 0);
		if (strstr(clean[i], "--fill zero"))
			assert_int_equal(st.pages_zero, st.pages_read);
		dk_findings_free(&f);
	}
}

/* ---- damage ---- */

typedef struct damage {
	const char *id;      /* finding that must appear */
	dk_severity sev;     /* with this severity */
	const char *args;    /* dkgen arguments (with the damage) */
	const char *field;   /* substring of the finding's field, or NULL */
} damage;

#define E DK_SEV_ERROR
#define W DK_SEV_WARNING
#define I DK_SEV_INFO

static const damage damages[] = {
	/* PhysicalMemoryBlock of a full dump (x64: 0x88 runs, 0x90 pages, 0x98 Run[]) */
	{ "runs.order", E, "--type 1 --set 0xA8=5:8", "Run[1].BasePage" },
	{ "runs.order", E, "--type 1 --runs 0x100:32,0:16 --force-runs", "Run[1].BasePage" },
	{ "runs.order", E, "--type 1 --arch x86 --set 0x74=5", "Run[1].BasePage" },
	{ "runs.page_count", E, "--type 1 --set 0x90=0x31:8", "NumberOfPages" },
	{ "runs.page_count", E, "--type 1 --arch x86 --set 0x68=0x31", "NumberOfPages" },
	{ "runs.page_count", E, "--type 1 --set 0xA0=0xFFFFFFFF", "NumberOfPages" },
	{ "runs.too_many", E, "--type 1 --set 0x88=44", "NumberOfRuns" },
	{ "runs.too_many", E, "--type 1 --arch x86 --set 0x64=87", "NumberOfRuns" },
	{ "runs.too_many", E, "--type 1 --runs-many", "NumberOfRuns" },
	{ "runs.overflow", E, "--type 1 --set 0xA8=0xFFFFFFFFFFFFFF00:8", "Run[1]" },
	{ "runs.overflow", E, "--type 1 --arch x86 --set 0x74=0xFFFFFFF0", "Run[1]" },
	{ "runs.overflow", W, "--type 2 --set 0xA8=0xFFFFFFFFFFFFFF00:8", "Run[1]" },
	{ "runs.not_set", E, "--type 1 --no-pmb", "NumberOfRuns" },
	/* truncated page data */
	{ "pages.missing", E, "--type 1 --truncate 0x20000", NULL },
	{ "pages.missing", E, "--type 1 --arch x86 --truncate 0x1800", NULL },
	{ "pages.missing", E, "--type 2 --truncate 0x5000", NULL },
	{ "pages.missing", E, "--type 6 --arch arm64 --truncate 0x10000", NULL },
	{ "pages.missing", E, "--type 10 --truncate 0x10000", NULL },
	{ "pages.missing", E, "--type 8 --runs 1:16,0x100:32 --truncate 0x4000", NULL },
	/* bitmap header at 0x2000 (x86: 0x1000) */
	{ "bitmap.popcount", E, "--type 2 --set 0x2028=0x31:8", "TotalPresentPages" },
	{ "bitmap.popcount", E, "--type 5 --arch x86 --set 0x1028=0x2F:8", "TotalPresentPages" },
	{ "bitmap.popcount", E, "--type 6 --set 0x2038=0xFFFFFFFF", "TotalPresentPages" },
	{ "bitmap.first_page", E, "--type 2 --set 0x2020=0x2010:8", "FirstPage" },
	{ "bitmap.first_page", E, "--type 2 --arch x86 --set 0x1020=0:8", "FirstPage" },
	{ "bitmap.signature", E, "--type 2 --set 0x2000=0x41414141", "Signature" },
	{ "bitmap.signature", E, "--type 5 --arch x86 --set 0x1000=0", "Signature" },
	{ "bitmap.signature", E, "--type 6 --bmp-sig SDMP --set 0x2000=0x504d4452", "Signature" },
	{ "bitmap.valid_dump", E, "--type 2 --set 0x2004=0", "ValidDump" },
	{ "bitmap.bits", E, "--type 2 --set 0x2030=0:8", "Pages" },
	{ "bitmap.truncated", E, "--type 2 --set 0x2030=0x10000000:8", "Bitmap" },
	{ "bitmap.header_truncated", E, "--type 2 --truncate 0x2010", NULL },
	/* RDMP header at 0x2000 */
	{ "rdmp.signature", E, "--type 8 --runs 1:16,0x100:32 --set 0x2004=0x504d4441", "Signature" },
	{ "rdmp.signature", E, "--type 10 --set 0x2004=0", "Signature" },
	{ "rdmp.page_count", E, "--type 10 --set 0x2028=0x99:8", "TotalNumberOfPages" },
	{ "rdmp.range_count", W, "--type 10 --set 0x2020=0xFFFFFFFF", "NumberOfRanges" },
	{ "rdmp.valid_dump", E, "--type 9 --set 0x2008=0", "ValidDump" },
	{ "rdmp.metadata_size", E, "--type 9 --set 0x2010=0x31:8", "MetadataSize" },
	{ "rdmp.range_order", E, "--type 10 --set 0x2040=5:8", "Range[1]" },
	{ "rdmp.header_truncated", E, "--type 10 --truncate 0x2020", NULL },
	/* triage */
	{ "triage.valid", E, "--type 4 --set 0x2008=0", "ValidOffset" },
	{ "triage.valid", E, "--type 4 --arch x86 --set 0x1008=0x1100", "ValidOffset" },
	{ "triage.valid", E, "--type 4 --arch arm64 --truncate 0x32A0", "ValidOffset" },
	{ "triage.part_outside", E, "--type 4 --set 0x2014=0x7FFFFFF0", "MmOffset" },
	{ "triage.part_outside", E, "--type 4 --arch x86 --set 0x1028=0x7FFFFFF0", "CallStackOffset" },
	{ "triage.part_outside", E, "--type 4 --set 0x2034=0xFFFF", "DriverListOffset" },
	{ "triage.size", E, "--type 4 --set 0x2004=0x7FFFFFF0", "SizeOfDump" },
	{ "triage.drivers_truncated", E, "--type 4 --set 0x2034=0x1000", "DriverCount" },
	{ "triage.part_in_header", E, "--type 4 --set 0x2014=0x2010", "MmOffset" },
	{ "triage.block_outside", E, "--type 4 --datablocks 1 --datablock-size 0x10 --leave-page-fill "
	  "--set-block-outside", "DataBlocks[0]" },
	{ "triage.kdbg_tag", W, "--type 4 --set-kdbg-tag", "OwnerTag" },
	/* dkgen's 32-bit triage */
	{ "triage.header_truncated", E, "--type 4 --arch x86 --truncate 0x1040", NULL },
	/* header fields */
	{ "dtb.unaligned", E, "--type 1 --arch arm64 --dtb 0x101008", "DirectoryTableBase" },
	{ "dtb.unaligned", E, "--type 1 --arch x86 --pae 0 --dtb 0x101020", "DirectoryTableBase" },
	{ "dtb.unaligned", E, "--type 1 --arch x86 --pae 1 --dtb 0x101010", "DirectoryTableBase" },
	{ "dtb.pcid", I, "--type 1 --dtb 0x101002", "DirectoryTableBase" },
	{ "dtb.outside_memory", E, "--type 1 --dtb 0x10000000", "DirectoryTableBase" },
	{ "dtb.outside_memory", E, "--type 5 --arch x86 --dtb 0x7FFFF000", "DirectoryTableBase" },
	{ "dtb.outside_memory", E, "--type 10 --dtb 0x200000", "DirectoryTableBase" },
	{ "dtb.outside_memory", W, "--type 3 --dtb 0x200000", "DirectoryTableBase" },
	{ "dtb.not_stored", W, "--type 1 --dtb 0x20000", "DirectoryTableBase" },
	{ "dtb.zero", E, "--type 1 --dtb 0", "DirectoryTableBase" },
	{ "machine.mismatch", E, "--type 1 --set 0x30=0x14C", "MachineImageType" },
	{ "machine.mismatch", E, "--type 4 --arch x86 --set 0x20=0x8664", "MachineImageType" },
	{ "machine.mismatch", E, "--type 3 --set 0x30=0", "MachineImageType" },
	{ "dump_type.unknown", E, "--type 1 --set 0xF98=7", "DumpType" },
	{ "dump_type.unknown", E, "--type 1 --set 0xF98=0", "DumpType" },
	{ "dump_type.unknown", E, "--type 2 --arch x86 --set 0xF88=11", "DumpType" },
	{ "context.arch", E, "--type 1 --set 0x378=0x0040001F", "ContextFlags" },
	{ "context.arch", E, "--type 1 --arch arm64 --set 0x348=0x00100007", "ContextFlags" },
	{ "context.arch", E, "--type 4 --arch x86 --set 0x320=0x0010001F", "ContextFlags" },
	{ "context.empty", W, "--type 1 --set 0x378=0", "ContextFlags" },
	{ "context.mxcsr", W, "--type 1 --set 0x460=0x1F81", "MxCsr" },
	{ "context.not_set", W, "--type 1 --context-page-fill", "ContextRecord" },
	{ "exception.parameters", E, "--type 1 --set 0xF18=16", "NumberParameters" },
	{ "exception.parameters", E, "--type 4 --arch x86 --set 0x7E0=0xFFFFFFFF", "NumberParameters" },
	{ "address.not_kernel", E, "--type 1 --psloaded 0x12345678", "PsLoadedModuleList" },
	{ "address.not_kernel", E, "--type 2 --kdbg 0x00007FF612340000", "KdDebuggerDataBlock" },
	{ "address.not_kernel", E, "--type 1 --arch x86 --psactive 0x7FFE0000", "PsActiveProcessHead" },
	{ "address.zero", W, "--type 1 --kdbg 0", "KdDebuggerDataBlock" },
	{ "address.not_set", W, "--type 1 --set 0x80=0x45474150 --set 0x84=0x45474150",
	  "KdDebuggerDataBlock" },
	{ "header.truncated", E, "--type 1 --truncate 0x1800", NULL },
	{ "header.truncated", E, "--type 4 --arch x86 --truncate 0x800", NULL },
	{ "header.truncated", E, "--type 3 --truncate 0x40", NULL },
	{ "required_space.mismatch", W, "--type 1 --set 0xFA0=0x123:8", "RequiredDumpSpace" },
	{ "required_space.mismatch", W, "--type 2 --arch x86 --set 0xFA0=0x1:8", "RequiredDumpSpace" },
	{ "required_space.file_smaller", E, "--type 3 --set 0xFA0=0x4000:8", "RequiredDumpSpace" },
	{ "required_space.triage_reserve", I, "--type 4 --set 0xFA0=0x100000:8", "RequiredDumpSpace" },
	{ "required_space.not_set", W, "--type 1 --set 0xFA0=0x4547415045474150:8", "RequiredDumpSpace" },
	{ "version.major", W, "--type 1 --set 0x8=0x10", "MajorVersion" },
	{ "version.minor", W, "--type 1 --build 0", "MinorVersion" },
	{ "processors.count", W, "--type 1 --cpus 0", "NumberProcessors" },
	{ "bugcheck.unknown", I, "--type 1 --bugcheck 0x5454414D", "BugCheckCode" },
	{ "bugcheck.not_set", W, "--type 1 --set 0x38=0x45474150", "BugCheckCode" },
	{ "attributes.encrypted", E, "--type 1 --attributes 0x100", "Attributes" },
	{ "attributes.insufficient_space", W, "--type 1 --attributes 0x4", "Attributes" },
	{ "signature", E, "--type 1 --set 0=0", "Signature" },
	{ "signature", E, "--type 1 --set 4=0x34365544 --truncate 7", "Signature" },
};

/* Some damage needs offsets from the layout: expand the pseudo options. */
static void expand(const char *args, char *out, size_t n, const char *scratch)
{
	static tl_layout lay;
	char base[256];
	const char *p;
	if ((p = strstr(args, "--set-block-outside"))) {
		snprintf(base, sizeof base, "%.*s", (int)(p - args), args);
		assert_non_null(tl_gen(scratch, base, &lay));
		snprintf(out, n, "%s --set 0x%llx=0x7FFFFF00", base,
		         (unsigned long long)tl_lay(&lay, "datablock0_desc") + 8);
	} else if ((p = strstr(args, "--set-kdbg-tag"))) {
		snprintf(base, sizeof base, "%.*s", (int)(p - args), args);
		assert_non_null(tl_gen(scratch, base, &lay));
		snprintf(out, n, "%s --set 0x%llx=0x41414141", base,
		         (unsigned long long)tl_lay(&lay, "triage_debugger_data_offset") + 0x10);
	} else if ((p = strstr(args, "--context-page-fill"))) {
		/* ContextRecord 0x348..0xF00 back to "PAGE" (phase 0 at 0x348) */
		size_t o = (size_t)snprintf(out, n, "%.*s", (int)(p - args), args);
		for (unsigned off = 0x348; off < 0xF00 && o + 40 < n; off += 8)
			o += (size_t)snprintf(out + o, n - o, " --set 0x%x=0x4547415045474150:8", off);
	} else if ((p = strstr(args, "--runs-many"))) {
		/* 50 runs: more than a 64-bit header holds (NumberOfRuns says 50) */
		size_t o = (size_t)snprintf(out, n, "%.*s --force-runs --runs ", (int)(p - args), args);
		for (unsigned r = 0; r < 50 && o + 16 < n; r++)
			o += (size_t)snprintf(out + o, n - o, "%s0x%x:1", r ? "," : "", r * 2);
	} else {
		snprintf(out, n, "%s", args);
	}
}

static void test_damage(void **state)
{
	(void)state;
	static char args[16384];
	char with_dtb[16640];
	size_t failures = 0;
	for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
		const damage *dm = &damages[i];
		char name[32];
		snprintf(name, sizeof name, "dmg%zu.dmp", i);
		expand(dm->args, args, sizeof args, name);
		/* a DTB inside the default runs unless the case sets one */
		snprintf(with_dtb, sizeof with_dtb, "%s%s", strstr(args, "--dtb") ? "" : "--dtb 0x101000 ",
		         args);
		const char *path = tl_gen(name, with_dtb, NULL);
		if (!path)
			fail_msg("dkgen refused: %s", with_dtb);
		dk_findings f;
		dk_check_stats st;
		run_check(path, DK_CHECK_DEEP, &f, &st);
		bool found = false;
		for (size_t k = 0; k < f.count; k++) {
			const dk_finding *x = &f.items[k];
			if (strcmp(x->id, dm->id) != 0 || x->severity != dm->sev)
				continue;
			if (dm->field && !strstr(x->field, dm->field))
				continue;
			assert_true(strlen(x->message) > 0);
			assert_true(strlen(x->structure) > 0);
			found = true;
		}
		if (dm->sev == DK_SEV_ERROR && dk_findings_verdict(&f) != DK_VERDICT_BAD) {
			print_message("verdict not bad for: dkgen %s\n", dm->args);
			failures++;
		}
		if (!found) {
			print_message("MISSING %s (%s, field %s) for: dkgen %s\n", dm->id,
			              dk_severity_name(dm->sev), dm->field ? dm->field : "-", dm->args);
			dump_findings(path, &f);
			failures++;
		}
		/* whatever the damage, the other entry points must not crash */
		dk_kdump *d;
		dk_error e;
		if (dk_kdump_open(path, &d, &e) == DK_OK) {
			const dk_physmem *pm = dk_kdump_physmem(d);
			uint8_t page[DK_PAGE_SIZE];
			dk_run r;
			if (pm && dk_physmem_next_run(pm, 0, &r))
				(void)dk_kdump_read_page(d, r.base_pfn, page, &e);
			if (dk_kdump_get_triage(d))
				(void)dk_triage_read_virtual(d, 0xFFFFF80012800000ull, page, 64, &e);
			dk_kdump_close(d);
		}
		dk_findings_free(&f);
	}
	assert_int_equal(failures, 0);
}

static void test_required_space_pages(void **state)
{
	(void)state;
	/* RequiredDumpSpace holding the page count (as Rekall's raw2dmp wrote) */
	static tl_layout lay;
	const char *path = tl_gen("rds.dmp", "--dtb 0x101000", &lay);
	assert_non_null(path);
	char args[128];
	snprintf(args, sizeof args, "--dtb 0x101000 --set 0xFA0=0x%llx:8",
	         (unsigned long long)(tl_lay(&lay, "file_size") / 4096));
	path = tl_gen("rds.dmp", args, NULL);
	dk_findings f;
	run_check(path, 0, &f, NULL);
	bool found = false;
	for (size_t k = 0; k < f.count; k++)
		if (strcmp(f.items[k].id, "required_space.mismatch") == 0) {
			assert_non_null(strstr(f.items[k].message, "counts pages"));
			assert_true(f.items[k].has_offset);
			assert_int_equal(f.items[k].offset, 0xFA0);
			found = true;
		}
	assert_true(found);
	dk_findings_free(&f);
}

static void test_findings_cap(void **state)
{
	(void)state;
	/* every driver name broken: findings stay bounded */
	const char *path = tl_gen("cap.dmp", "--dtb 0x101000 --type 4 --drivers 200 --set 0x203C=0", NULL);
	assert_non_null(path);
	dk_findings f;
	run_check(path, 0, &f, NULL);
	size_t names = 0;
	for (size_t k = 0; k < f.count; k++)
		names += strcmp(f.items[k].id, "triage.driver_name") == 0;
	assert_true(names >= 5 && names <= 6);
	assert_int_equal(dk_findings_verdict(&f), DK_VERDICT_BAD);
	dk_findings_free(&f);
}

static void test_non_dumps(void **state)
{
	(void)state;
	static const struct { const char *name; const char *data; size_t len; } files[] = {
		{ "empty.bin", "", 0 },
		{ "seven.bin", "PAGEDU6", 7 },
		{ "mdmp.bin", "MDMP\x93\xa7\0\0\0\0\0\0\0\0\0\0", 16 },
		{ "elf.bin", "\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0\x3e\0", 20 },
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *p = tl_path(files[i].name);
		assert_true(tl_write_file(p, files[i].data, files[i].len));
		dk_findings f;
		run_check(p, DK_CHECK_DEEP, &f, NULL);
		assert_int_equal(f.count, 1);
		assert_string_equal(f.items[0].id, "signature");
		assert_int_equal(f.items[0].severity, DK_SEV_ERROR);
		assert_true(strlen(f.items[0].message) > 10);
		dk_findings_free(&f);
	}
	dk_findings f;
	dk_error e;
	dk_findings_init(&f);
	assert_int_equal(dk_check_file(tl_path("no-such-file"), 0, &f, NULL, &e), DK_E_IO);
	assert_true(strlen(e.message) > 0);
	dk_findings_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_required_space_pages),
		cmocka_unit_test(test_findings_cap),
		cmocka_unit_test(test_non_dumps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
