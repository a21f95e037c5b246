/* Tests of the convert header logic on kgen images (tests/gen/kgen.c, an
 * independent generator that knows every value it wrote):
 * - a header synthesized from the image alone, for every profile, plain and
 *   encoded KDBG, equals kgen's own facts;
 * - a given correct header is verified without repairs;
 * - a stale header (another process's DirectoryTableBase, a wrong
 *   KdDebuggerDataBlock, a wrong run list, garbage DTB) is detected and
 *   repaired, and --no-repair turns that into an error.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <dmpkit/convert.h>
#include <dmpkit/kdump.h>

#include "kgen_layout.h"

static uint32_t dk_le32_t(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t h64(const uint8_t *h, size_t off)
{
	return dk_le32_t(h + off) | (uint64_t)dk_le32_t(h + off + 4) << 32;
}
static void dk_put32_t(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static void dk_put64_t(uint8_t *p, uint64_t v)
{
	dk_put32_t(p, (uint32_t)v);
	dk_put32_t(p + 4, (uint32_t)(v >> 32));
}

static char tmpdir[512];

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

static const dk_conv_finding *find_kind(const dk_convert_report *r, dk_finding_kind k,
                                        const char *field)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->findings[i].kind == k && strcmp(r->findings[i].field, field) == 0)
			return &r->findings[i];
	return NULL;
}

static void print_report(const dk_convert_report *r)
{
	for (size_t i = 0; i < r->count; i++)
		fprintf(stderr, "    [%d] %s\n", r->findings[i].kind, r->findings[i].text);
}

/* Header fields by bits: offsets of DUMP_HEADER64 / DUMP_HEADER32. */
typedef struct hv {
	uint64_t dtb, kdbg, psl, psa, pfn;
	uint32_t nproc, minor, machine;
	uint8_t pae;
} hv;

static hv read_hdr(const uint8_t *h, size_t len)
{
	hv v;
	memset(&v, 0, sizeof v);
	if (len == 0x2000) {
		v.dtb = h64(h, 0x10);
		v.pfn = h64(h, 0x18);
		v.psl = h64(h, 0x20);
		v.psa = h64(h, 0x28);
		v.machine = dk_le32_t(h + 0x30);
		v.nproc = dk_le32_t(h + 0x34);
		v.kdbg = h64(h, 0x80);
	} else {
		v.dtb = dk_le32_t(h + 0x10);
		v.pfn = dk_le32_t(h + 0x14);
		v.psl = dk_le32_t(h + 0x18);
		v.psa = dk_le32_t(h + 0x1C);
		v.machine = dk_le32_t(h + 0x20);
		v.nproc = dk_le32_t(h + 0x24);
		v.pae = h[0x5C];
		v.kdbg = dk_le32_t(h + 0x60);
	}
	v.minor = dk_le32_t(h + 0xC);
	return v;
}

static uint64_t low(uint64_t v, bool is64) { return is64 ? v : v & 0xFFFFFFFFu; }

static void check_against_layout(const uint8_t *h, size_t len, const layout *l)
{
	bool is64 = len == 0x2000;
	hv v = read_hdr(h, len);
	assert_int_equal(v.dtb & ~0xFFFull & (is64 ? ~0ull : 0xFFFFFFFFull),
	                 lx(l, "dtb") & ~0xFFFull);
	if (!is64)
		assert_int_equal(v.dtb, lx(l, "dtb")); /* PAE: 32-byte aligned, exact */
	assert_int_equal(v.kdbg, low(lx(l, "kdbg_va"), is64));
	assert_int_equal(v.psl, low(lx(l, "ps_loaded_module_list"), is64));
	assert_int_equal(v.psa, low(lx(l, "ps_active_process_head"), is64));
	/* the value (as Windows writes it) or the address of nt!MmPfnDatabase */
	if (v.pfn != low(lx(l, "mm_pfn_database"), is64))
		assert_int_equal(v.pfn, low(lx(l, "mm_pfn_database_value"), is64));
	assert_int_equal(v.nproc, lx(l, "cpu_count"));
	assert_int_equal(v.minor, lx(l, "build"));
	assert_int_equal(v.machine, is64 ? 0x8664 : 0x14C);
	if (!is64)
		assert_int_equal(v.pae, strcmp(ls(l, "paging"), "pae") == 0);
}

static void synth_one(const char *profile, const char *extra)
{
	char out[600], args[256];
	snprintf(out, sizeof out, "%s/%s%s.dmp", tmpdir, profile, extra[0] ? "-enc" : "");
	snprintf(args, sizeof args, "--profile %s %s", profile, extra);
	layout l;
	assert_true(run_kgen(out, args, &l));
	dk_image *img = NULL;
	dk_error e;
	assert_int_equal(dk_image_open(out, NULL, &img, &e), DK_OK);
	assert_string_equal(dk_image_format(img), "windows-dump");
	dk_convert_options o;
	memset(&o, 0, sizeof o);
	o.synthesize = true; /* ignore the dump's own header */
	uint8_t h[0x2000];
	size_t len = 0;
	dk_convert_report r;
	dk_status st = dk_convert_header(img, &o, h, &len, &r, &e);
	if (st != DK_OK || !r.kernel_found)
		print_report(&r);
	assert_int_equal(st, DK_OK);
	assert_true(r.kernel_found);
	assert_int_equal(r.source, DK_HDR_SYNTH);
	assert_int_equal(len, strstr(profile, "x64") ? 0x2000u : 0x1000u);
	check_against_layout(h, len, &l);
	/* a synthesized header has no repairs: everything is "set" */
	assert_int_equal(r.repairs, 0);
	assert_non_null(find_kind(&r, DK_CONV_SET, "KdDebuggerDataBlock"));
	/* encoded KDBG: the output gets the decoded block */
	if (lx(&l, "kdbg_encoded")) {
		assert_true(r.npatches >= 1);
		assert_memory_equal(r.patches[0].bytes + 0x10, "KDBG", 4);
	} else {
		assert_int_equal(r.npatches, 0);
	}
	/* the bugcheck the kernel recorded in KiBugcheckData */
	assert_int_equal(dk_le32_t(h + (len == 0x2000 ? 0x38 : 0x28)), lx(&l, "bugcheck_code"));
	if (len == 0x2000)
		assert_int_equal(h64(h, 0x40), lx(&l, "bugcheck_p1"));
	else
		assert_int_equal(dk_le32_t(h + 0x2C), lx(&l, "bugcheck_p1"));
	assert_null(find_kind(&r, DK_CONV_GUESS, "BugCheckCode"));
	/* the Comment says what happened */
	const char *comment = (const char *)h + (len == 0x2000 ? 0xFB0 : 0x820);
	assert_non_null(strstr(comment, "dmpkit convert: synthesized"));
	dk_convert_report_free(&r);
	dk_image_close(img);
	lay_free(&l);
}

static void test_synthesize_every_profile(void **state)
{
	(void)state;
	synth_one("w2003_x86", "");
	synth_one("w7_x86_pae", "");
	synth_one("w7_x64", "");
	synth_one("w10_x64", "");
	synth_one("w7_x64", "--encoded-kdbg");
	synth_one("w10_x64", "--encoded-kdbg");
}

/* Writes the dump's header, changed by `mutate`, as a header file. */
static void write_header(const char *dump, const char *hfile, void (*mutate)(uint8_t *, size_t,
                                                                             const layout *),
                         const layout *l, size_t *len)
{
	dk_kdump *d = NULL;
	dk_error e;
	assert_int_equal(dk_kdump_open(dump, &d, &e), DK_OK);
	size_t avail;
	const uint8_t *hb = dk_kdump_header_bytes(d, &avail);
	*len = dk_kdump_get_summary(d)->header_size;
	uint8_t buf[0x2000];
	memcpy(buf, hb, *len);
	mutate(buf, *len, l);
	FILE *f = fopen(hfile, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, *len, f), *len);
	fclose(f);
	dk_kdump_close(d);
}

static void put_dtb(uint8_t *h, size_t len, uint64_t v)
{
	if (len == 0x2000)
		dk_put64_t(h + 0x10, v);
	else
		dk_put32_t(h + 0x10, (uint32_t)v);
}

static void mutate_stale(uint8_t *h, size_t len, const layout *l)
{
	/* another process's address space, and a run list of another machine */
	put_dtb(h, len, lx(l, "process1_dtb"));
	if (len == 0x2000) {
		dk_put32_t(h + 0x88, 1);
		dk_put64_t(h + 0x90, 0x100);
		dk_put64_t(h + 0x98, 0);
		dk_put64_t(h + 0xA0, 0x100);
	} else {
		dk_put32_t(h + 0x64, 1);
		dk_put32_t(h + 0x68, 0x100);
		dk_put32_t(h + 0x6C, 0);
		dk_put32_t(h + 0x70, 0x100);
	}
}

static void mutate_garbage(uint8_t *h, size_t len, const layout *l)
{
	(void)l;
	put_dtb(h, len, 0x7777000); /* not a page table at all */
	/* and a KdDebuggerDataBlock that points nowhere */
	if (len == 0x2000)
		dk_put64_t(h + 0x80, 0xFFFFF80000001000ull);
	else
		dk_put32_t(h + 0x60, 0x80001000u);
}

static void mutate_none(uint8_t *h, size_t len, const layout *l)
{
	(void)h; (void)len; (void)l;
}

static void repair_one(const char *profile, void (*mutate)(uint8_t *, size_t, const layout *),
                       bool expect_repair, const char *repaired_field)
{
	char out[600], hfile[600], args[128];
	snprintf(out, sizeof out, "%s/rep-%s.dmp", tmpdir, profile);
	snprintf(hfile, sizeof hfile, "%s/rep-%s.hdr", tmpdir, profile);
	snprintf(args, sizeof args, "--profile %s", profile);
	layout l;
	assert_true(run_kgen(out, args, &l));
	size_t hlen;
	write_header(out, hfile, mutate, &l, &hlen);
	dk_image *img = NULL;
	dk_error e;
	assert_int_equal(dk_image_open(out, NULL, &img, &e), DK_OK);
	dk_convert_options o;
	memset(&o, 0, sizeof o);
	o.header_file = hfile;
	uint8_t h[0x2000];
	size_t len = 0;
	dk_convert_report r;
	dk_status st = dk_convert_header(img, &o, h, &len, &r, &e);
	if (st != DK_OK)
		fprintf(stderr, "%s\n", e.message);
	assert_int_equal(st, DK_OK);
	assert_int_equal(r.source, DK_HDR_FILE);
	assert_int_equal(len, hlen);
	assert_true(r.kernel_found);
	check_against_layout(h, len, &l);
	if (expect_repair) {
		if (!find_kind(&r, DK_CONV_REPAIR, repaired_field))
			print_report(&r);
		assert_non_null(find_kind(&r, DK_CONV_REPAIR, repaired_field));
		const char *comment = (const char *)h + (len == 0x2000 ? 0xFB0 : 0x820);
		assert_non_null(strstr(comment, "repaired"));
		assert_non_null(strstr(comment, repaired_field));
	} else {
		if (r.repairs)
			print_report(&r);
		assert_int_equal(r.repairs, 0);
	}
	dk_convert_report_free(&r);
	/* --no-repair: the same header is refused when it needed a repair */
	o.no_repair = true;
	st = dk_convert_header(img, &o, h, &len, &r, &e);
	assert_int_equal(st, expect_repair ? DK_E_FORMAT : DK_OK);
	if (expect_repair)
		assert_non_null(strstr(e.message, "--no-repair"));
	dk_convert_report_free(&r);
	dk_image_close(img);
	lay_free(&l);
}

static void test_verified_header(void **state)
{
	(void)state;
	repair_one("w7_x64", mutate_none, false, "");
	repair_one("w2003_x86", mutate_none, false, "");
}

static void test_stale_dtb(void **state)
{
	(void)state;
	repair_one("w10_x64", mutate_stale, true, "DirectoryTableBase");
	repair_one("w7_x86_pae", mutate_stale, true, "DirectoryTableBase");
	repair_one("w7_x64", mutate_stale, true, "PhysicalMemoryBlock");
}

static void test_garbage_dtb(void **state)
{
	(void)state;
	repair_one("w7_x64", mutate_garbage, true, "DirectoryTableBase");
	repair_one("w2003_x86", mutate_garbage, true, "KdDebuggerDataBlock");
}

static void test_bad_header_file(void **state)
{
	(void)state;
	char out[600], hfile[600];
	path_of(out, sizeof out, "bad.dmp");
	path_of(hfile, sizeof hfile, "bad.hdr");
	layout l;
	assert_true(run_kgen(out, "--profile w7_x64", &l));
	FILE *f = fopen(hfile, "wb");
	assert_non_null(f);
	fputs("not a header", f);
	fclose(f);
	dk_image *img = NULL;
	dk_error e;
	assert_int_equal(dk_image_open(out, NULL, &img, &e), DK_OK);
	dk_convert_options o;
	memset(&o, 0, sizeof o);
	o.header_file = hfile;
	uint8_t h[0x2000];
	size_t len;
	dk_convert_report r;
	assert_int_equal(dk_convert_header(img, &o, h, &len, &r, &e), DK_E_FORMAT);
	assert_non_null(strstr(e.message, "bad.hdr"));
	assert_non_null(strstr(e.message, "PAGEDU64"));
	dk_convert_report_free(&r);
	/* --bugcheck overrides */
	o.header_file = NULL;
	o.bugcheck_set = true;
	o.bugcheck_code = 0x1E;
	o.bugcheck_params[0] = 0xC0000005;
	assert_int_equal(dk_convert_header(img, &o, h, &len, &r, &e), DK_OK);
	assert_int_equal(dk_le32_t(h + 0x38), 0x1E);
	assert_int_equal(h64(h, 0x40), 0xC0000005);
	dk_convert_report_free(&r);
	dk_image_close(img);
	lay_free(&l);
}

/* The Xen PVH guest that wrote its own PAGEDU64 header at 0x200000 and a
 * tag ("XCPGTAG!" + u64 PFN) at the start of every RAM page >= 4 MiB: the
 * dump converted with that header holds every tagged page at its PFN. */
static void test_xen_fakewin_tags(void **state)
{
	(void)state;
	char in[600], out[600];
	snprintf(in, sizeof in, "%s/xen-pvh-fakewin.core", SAMPLES_DIR);
	path_of(out, sizeof out, "xen-fakewin.dmp");
	struct stat sb;
	if (stat(in, &sb) != 0) {
		fprintf(stderr, "SKIP: %s is absent (no ../shared corpus)\n", in);
		skip();
	}
	dk_image *img = NULL;
	dk_error e;
	assert_int_equal(dk_image_open(in, NULL, &img, &e), DK_OK);
	assert_string_equal(dk_image_format(img), "xen");
	dk_convert_options o;
	memset(&o, 0, sizeof o);
	o.header_at_set = true;
	o.header_at = 0x200000;
	o.write.force = true;
	dk_convert_report r;
	dk_dump_write_result res;
	dk_status st = dk_convert(img, out, &o, &r, &res, &e);
	if (st != DK_OK)
		fprintf(stderr, "%s\n", e.message);
	assert_int_equal(st, DK_OK);
	assert_int_equal(r.source, DK_HDR_AT);
	/* the run list: the header's {0,0x4000} lacks 0xA0-0xBF in the image */
	const dk_conv_finding *f = find_kind(&r, DK_CONV_REPAIR, "PhysicalMemoryBlock");
	assert_non_null(f);
	assert_non_null(strstr(f->text, "32 listed pages are not in the image (pfn 0xa0-0xbf)"));
	dk_convert_report_free(&r);
	dk_image_close(img);

	dk_kdump *d = NULL;
	assert_int_equal(dk_kdump_open(out, &d, &e), DK_OK);
	const dk_physmem *pm = dk_kdump_physmem(d);
	assert_non_null(pm);
	uint64_t tagged = 0, pfn = 0;
	dk_run run;
	uint8_t page[4096];
	while (dk_physmem_next_run(pm, pfn, &run)) {
		for (uint64_t p = run.base_pfn; p < run.base_pfn + run.count; p++) {
			if (p < 0x400)
				continue;
			assert_int_equal(dk_kdump_read_page(d, p, page, &e), DK_OK);
			assert_memory_equal(page, "XCPGTAG!", 8);
			assert_int_equal(h64(page, 8), p);
			tagged++;
		}
		pfn = run.base_pfn + run.count;
	}
	assert_int_equal(tagged, 15360);
	assert_false(dk_physmem_present(pm, 0xA0));
	assert_true(dk_physmem_present(pm, 0x9F));
	dk_kdump_close(d);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s", TEST_TMPDIR);
	mkdir(tmpdir, 0755);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthesize_every_profile),
		cmocka_unit_test(test_verified_header),
		cmocka_unit_test(test_stale_dtb),
		cmocka_unit_test(test_garbage_dtb),
		cmocka_unit_test(test_bad_header_file),
		cmocka_unit_test(test_xen_fakewin_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
