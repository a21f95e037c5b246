/* dmpkit tests — the dump writer (lib/dumpwriter.c) and page-by-page
 * verification (lib/verify.c).
 *
 * Sources: a memory-backed physical memory with holes and zero pages
 * (made here), a raw file read through a source with `locate` (so
 * copy_file_range is used), and dkgen Windows dumps opened with
 * dk_image_open.  Every output is read back with our reader (dk_kdump_open
 * / dk_image_open + dk_verify_pages) and with two independent stdlib-only
 * readers: tests/writer/readdmp.py (every page and header field of full
 * and bitmap dumps) and the corpus's tools/probe.py (header fields; page
 * SHA-1 of raw outputs).  `dmpkit check --deep` must call dumps good.
 * SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <dmpkit/dumpwriter.h>
#include <dmpkit/image.h>
#include <dmpkit/kdump.h>
#include <dmpkit/verify.h>

#include "testlib.h"

#define PS 4096u

/* ---- a memory-backed source: pages generated from the PFN ---- */

typedef struct memsrc {
	dk_run runs[128];
	size_t nruns;
	int mode;          /* 0: pattern with some zero pages, 1: mostly zero */
	uint64_t fail_pfn; /* read error at this page (UINT64_MAX: none) */
	uint64_t flip_pfn; /* one byte changed at this page (UINT64_MAX: none) */
	int fd;            /* file-backed (raw, offset == physical address) or -1 */
	dk_physmem pm;
} memsrc;

static void gen_page(const memsrc *m, uint64_t pfn, uint8_t *p)
{
	bool zero = m->mode == 1 ? (pfn % 64 != 5) : (pfn % 7 == 3);
	if (zero) {
		memset(p, 0, PS);
	} else {
		for (unsigned i = 0; i < PS; i++)
			p[i] = (uint8_t)(pfn * 131 + i * 7 + 1);
		memcpy(p, &pfn, sizeof pfn);
	}
	if (pfn == m->flip_pfn)
		p[100] ^= 0x5A;
}

static bool ms_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	const memsrc *m = ctx;
	for (size_t i = 0; i < m->nruns; i++) {
		uint64_t e = m->runs[i].base_pfn + m->runs[i].count;
		if (e <= pfn)
			continue;
		out->base_pfn = m->runs[i].base_pfn > pfn ? m->runs[i].base_pfn : pfn;
		out->count = e - out->base_pfn;
		return true;
	}
	return false;
}

static dk_status ms_read(void *ctx, uint64_t pfn, uint64_t count, void *buf, dk_error *err)
{
	const memsrc *m = ctx;
	uint8_t *p = buf;
	for (uint64_t i = 0; i < count; i++) {
		if (pfn + i == m->fail_pfn) {
			snprintf(err->message, sizeof err->message, "injected read error at page 0x%" PRIx64,
			         pfn + i);
			err->status = DK_E_IO;
			return DK_E_IO;
		}
		if (m->fd >= 0) {
			if (pread(m->fd, p + i * PS, PS, (off_t)((pfn + i) * PS)) != (ssize_t)PS)
				return DK_E_IO;
		} else {
			gen_page(m, pfn + i, p + i * PS);
		}
	}
	return DK_OK;
}

static bool ms_locate(void *ctx, uint64_t pfn, int *fd, uint64_t *off, uint64_t *contig)
{
	const memsrc *m = ctx;
	dk_run r;
	if (m->fd < 0 || !ms_next_run(ctx, pfn, &r) || r.base_pfn != pfn)
		return false;
	*fd = m->fd;
	*off = pfn * PS;
	*contig = r.count;
	return true;
}

static const dk_physmem_ops ms_ops = { ms_next_run, ms_read, ms_locate, NULL, NULL };

static void ms_init(memsrc *m, const dk_run *runs, size_t n, int mode)
{
	memset(m, 0, sizeof *m);
	memcpy(m->runs, runs, n * sizeof *runs);
	m->nruns = n;
	m->mode = mode;
	m->fail_pfn = m->flip_pfn = UINT64_MAX;
	m->fd = -1;
	m->pm.page_size = PS;
	m->pm.ops = &ms_ops;
	m->pm.ctx = m;
	for (size_t i = 0; i < n; i++)
		m->pm.present_pages += runs[i].count;
	m->pm.end_pfn = runs[n - 1].base_pfn + runs[n - 1].count;
}

/* Writes the source as a raw file (offset == physical address) with plain
 * pwrite: the reference image for the independent readers.  Zero pages
 * are left as holes (a sparse source, as cp would make it). */
static void write_raw_reference(const memsrc *m, const char *path)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0);
	uint8_t page[PS];
	for (size_t i = 0; i < m->nruns; i++)
		for (uint64_t p = m->runs[i].base_pfn; p < m->runs[i].base_pfn + m->runs[i].count; p++) {
			gen_page(m, p, page);
			bool zero = true;
			for (unsigned k = 0; k < PS && zero; k++)
				zero = page[k] == 0;
			if (!zero)
				assert_int_equal(pwrite(fd, page, PS, (off_t)(p * PS)), PS);
		}
	assert_int_equal(ftruncate(fd, (off_t)(m->pm.end_pfn * PS)), 0);
	close(fd);
}

/* A file-backed source over the raw reference. */
static void ms_open_file(memsrc *m, const char *path)
{
	m->fd = open(path, O_RDONLY);
	assert_true(m->fd >= 0);
}

/* ---- headers ---- */

static void make_header(uint8_t *h, bool is64)
{
	size_t n = is64 ? 0x2000 : 0x1000;
	for (size_t i = 0; i < n; i++)
		h[i] = (uint8_t)"PAGE"[i % 4];
	memcpy(h + 4, is64 ? "DU64" : "DUMP", 4);
}

/* ---- helpers ---- */

static int run(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* First line of a command's output containing `needle` (static buffer). */
static const char *run_grep(const char *cmd, const char *needle)
{
	static char line[1024];
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	const char *found = NULL;
	while (fgets(line, sizeof line, p))
		if (!found && strstr(line, needle)) {
			found = line;
			break;
		}
	while (!found && fgetc(p) != EOF) {
	}
	char tmp[256];
	while (found && fgets(tmp, sizeof tmp, p)) {
	}
	pclose(p);
	return found;
}

static bool have_python(void)
{
	return run("python3 -c 'import hashlib' >/dev/null 2>&1") == 0;
}

static const char *probe_py(void)
{
	static char path[600];
	snprintf(path, sizeof path, "%s/images/tools/probe.py", CORPUS_DIR);
	return access(path, R_OK) == 0 ? path : NULL;
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

/* No ".NAME.XXXXXX" temp file of `name` left in the scratch dir. */
static void assert_no_temp(const char *name)
{
	DIR *d = opendir(tl_tmpdir());
	assert_non_null(d);
	char prefix[256];
	snprintf(prefix, sizeof prefix, ".%s.", name);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			fail_msg("temporary file %s left behind", e->d_name);
	}
	closedir(d);
}

static void runs_arg(const memsrc *m, const dk_run *ex, size_t nex, char *buf, size_t size)
{
	dk_run *r;
	size_t n;
	dk_error e;
	assert_int_equal(dk_dump_plan_runs(&m->pm, ex, nex, &r, &n, &e), DK_OK);
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s0x%" PRIx64 ":0x%" PRIx64, i ? "," : "",
		                      r[i].base_pfn, r[i].count);
	free(r);
}

/* Reads OUTPUT back with our readers and checks it against the source. */
static void check_with_our_reader(const memsrc *m, const char *out, dk_out_format fmt, bool is64,
                                  const dk_run *ex, size_t nex)
{
	dk_error e;
	if (fmt != DK_OUT_RAW) {
		dk_kdump *d;
		assert_int_equal(dk_kdump_open(out, &d, &e), DK_OK);
		const dk_kdump_summary *s = dk_kdump_get_summary(d);
		assert_int_equal(s->bits, is64 ? 64 : 32);
		assert_int_equal(s->dump_type, fmt == DK_OUT_RUNS ? 1 : 5);
		struct stat st;
		assert_int_equal(stat(out, &st), 0);
		assert_int_equal(s->required_dump_space, (uint64_t)st.st_size);
		assert_int_equal(s->storage, fmt == DK_OUT_RUNS ? DK_STORAGE_RUNS : DK_STORAGE_BITMAP);
		assert_int_equal(s->first_page_offset % PS, 0);
		dk_kdump_close(d);
	}
	/* every page, through the image reader, against the source */
	dk_image_options io = { 0 };
	io.format = fmt == DK_OUT_RAW ? "raw" : NULL;
	dk_image *img;
	dk_status st = dk_image_open(out, &io, &img, &e);
	if (fmt == DK_OUT_RAW && st != DK_OK) {
		/* the raw reader may not be built yet: read the file directly */
		int fd = open(out, O_RDONLY);
		assert_true(fd >= 0);
		uint8_t a[PS], b[PS];
		for (size_t i = 0; i < m->nruns; i++)
			for (uint64_t p = m->runs[i].base_pfn; p < m->runs[i].base_pfn + m->runs[i].count;
			     p++) {
				bool excluded = false;
				for (size_t k = 0; k < nex; k++)
					excluded |= p >= ex[k].base_pfn && p < ex[k].base_pfn + ex[k].count;
				assert_int_equal(pread(fd, a, PS, (off_t)(p * PS)), PS);
				if (excluded)
					memset(b, 0, PS);
				else
					gen_page(m, p, b);
				assert_memory_equal(a, b, PS);
			}
		close(fd);
		return;
	}
	assert_int_equal(st, DK_OK);
	dk_verify_options vo = { 0 };
	vo.exclude = ex;
	vo.nexclude = nex;
	dk_verify_result r;
	assert_int_equal(dk_verify_pages(&m->pm, dk_image_physmem(img), &vo, &r, &e), DK_OK);
	if (!dk_verify_good(&r))
		fail_msg("%s: %" PRIu64 " different, %" PRIu64 " missing", out, r.different, r.missing);
	assert_int_equal(r.missing, 0);
	if (fmt != DK_OUT_RAW)
		assert_int_equal(r.extra, 0);
	else
		assert_int_equal(r.extra, r.extra_zero); /* a raw image's holes read as zero pages */
	dk_image_close(img);
}

static void check_independent(const memsrc *m, const char *out, const char *rawref,
                              dk_out_format fmt, bool is64, const dk_run *ex, size_t nex)
{
	if (!have_python()) {
		print_message("python3 absent: independent readers skipped\n");
		return;
	}
	char cmd[8192], runs[6000];
	runs_arg(m, ex, nex, runs, sizeof runs);
	if (fmt != DK_OUT_RAW) {
		snprintf(cmd, sizeof cmd, "python3 %s/readdmp.py %s --raw %s --runs %s", SRC_DIR, out,
		         rawref, runs);
		const char *l = run_grep(cmd, "readdmp:");
		assert_non_null(l);
		if (strncmp(l, "readdmp: ok", 11) != 0)
			fail_msg("%s", l);
	}
	const char *probe = probe_py();
	if (!probe) {
		print_message("corpus probe.py absent: skipped\n");
		return;
	}
	char want[128];
	if (fmt == DK_OUT_RUNS && is64) {
		dk_run *r;
		size_t n;
		dk_error e;
		assert_int_equal(dk_dump_plan_runs(&m->pm, ex, nex, &r, &n, &e), DK_OK);
		uint64_t pages = 0;
		for (size_t i = 0; i < n; i++)
			pages += r[i].count;
		free(r);
		snprintf(want, sizeof want, "runs=%zu pages=0x%" PRIx64 " DumpType=1", n, pages);
		snprintf(cmd, sizeof cmd, "python3 %s %s", probe, out);
		assert_non_null(run_grep(cmd, want));
	} else if (fmt != DK_OUT_RAW) {
		snprintf(want, sizeof want, "DumpType=%d", fmt == DK_OUT_RUNS ? 1 : 5);
		snprintf(cmd, sizeof cmd, "python3 %s %s", probe, out);
		assert_non_null(run_grep(cmd, want));
	} else {
		/* raw output: probe.py treats it as raw; every page's SHA-1 must
		 * equal the reference's (a few pages of each run, and a hole) */
		for (size_t i = 0; i < m->nruns; i++) {
			uint64_t ps[3] = { m->runs[i].base_pfn, m->runs[i].base_pfn + m->runs[i].count / 2,
			                   m->runs[i].base_pfn + m->runs[i].count - 1 };
			for (int k = 0; k < 3; k++) {
				bool excluded = false;
				for (size_t x = 0; x < nex; x++)
					excluded |= ps[k] >= ex[x].base_pfn &&
					            ps[k] < ex[x].base_pfn + ex[x].count;
				if (excluded)
					continue;
				char a[256] = "", b[256] = "";
				snprintf(cmd, sizeof cmd, "python3 %s %s --page 0x%" PRIx64, probe, out,
				         ps[k] * PS);
				const char *l = run_grep(cmd, "page 0x");
				assert_non_null(l);
				snprintf(a, sizeof a, "%s", l);
				snprintf(cmd, sizeof cmd, "python3 %s %s --page 0x%" PRIx64, probe, rawref,
				         ps[k] * PS);
				l = run_grep(cmd, "page 0x");
				assert_non_null(l);
				snprintf(b, sizeof b, "%s", l);
				assert_string_equal(a, b);
			}
		}
	}
}

static void write_ok(const memsrc *m, const char *name, dk_out_format fmt, bool is64,
                     dk_dump_write_options *o, dk_dump_write_result *res)
{
	uint8_t hdr[0x2000];
	make_header(hdr, is64);
	dk_error e = { 0 };
	o->format = fmt;
	o->force = true;
	dk_status st = dk_dump_write(&m->pm, hdr, is64 ? 0x2000 : 0x1000, tl_path(name), o, res, &e);
	if (st != DK_OK)
		fail_msg("%s: %s", name, e.message);
	assert_no_temp(name);
}

/* ---- tests ---- */

static const dk_run holes_runs[] = { { 0x1, 0x9F }, { 0x100, 0x300 }, { 0x1000, 7 }, { 0x2345, 1 } };

/* RUNS, BITMAP, RAW x 32/64 from a memory source with holes. */
static void test_formats_memory(void **state)
{
	(void)state;
	memsrc m;
	ms_init(&m, holes_runs, 4, 0);
	char ref[600];
	snprintf(ref, sizeof ref, "%s", tl_path("holes.raw"));
	write_raw_reference(&m, ref);
	dk_out_format fmts[] = { DK_OUT_RUNS, DK_OUT_BITMAP, DK_OUT_RAW };
	for (int f = 0; f < 3; f++)
		for (int bits = 0; bits < 2; bits++) {
			bool is64 = bits == 1;
			if (fmts[f] == DK_OUT_RAW && !is64)
				continue;
			char name[64];
			snprintf(name, sizeof name, "mem-%d-%d.out", f, is64 ? 64 : 32);
			dk_dump_write_options o = { 0 };
			dk_dump_write_result r;
			write_ok(&m, name, fmts[f], is64, &o, &r);
			assert_int_equal(r.format, fmts[f]);
			assert_int_equal(r.pages, m.pm.present_pages);
			assert_int_equal(r.runs, 4);
			assert_int_equal(r.copied_pages, 0);
			/* pfn % 7 == 3 pages are zero */
			uint64_t zeros = 0;
			for (size_t i = 0; i < m.nruns; i++)
				for (uint64_t p = m.runs[i].base_pfn;
				     p < m.runs[i].base_pfn + m.runs[i].count; p++)
					zeros += p % 7 == 3;
			assert_int_equal(r.zero_pages, zeros);
			struct stat st;
			assert_int_equal(stat(tl_path(name), &st), 0);
			assert_int_equal((uint64_t)st.st_size, r.file_size);
			char out[600];
			snprintf(out, sizeof out, "%s", tl_path(name));
			check_with_our_reader(&m, out, fmts[f], is64, NULL, 0);
			check_independent(&m, out, ref, fmts[f], is64, NULL, 0);
		}
}

/* Header fields the writer sets, byte for byte. */
static void test_header_fields(void **state)
{
	(void)state;
	memsrc m;
	ms_init(&m, holes_runs, 4, 0);
	dk_dump_write_options o = { 0 };
	dk_dump_write_result r;
	write_ok(&m, "hdr64.dmp", DK_OUT_RUNS, true, &o, &r);
	size_t n;
	uint8_t *f = tl_read_file(tl_path("hdr64.dmp"), &n);
	assert_non_null(f);
	assert_int_equal(n, 0x2000 + m.pm.present_pages * PS);
	uint32_t v32;
	uint64_t v64;
	memcpy(&v32, f + 0x88, 4);
	assert_int_equal(v32, 4);
	memcpy(&v32, f + 0x8C, 4);
	assert_int_equal(v32, 0);
	memcpy(&v64, f + 0x90, 8);
	assert_int_equal(v64, m.pm.present_pages);
	for (size_t i = 0; i < 4; i++) {
		memcpy(&v64, f + 0x98 + 16 * i, 8);
		assert_int_equal(v64, holes_runs[i].base_pfn);
		memcpy(&v64, f + 0xA0 + 16 * i, 8);
		assert_int_equal(v64, holes_runs[i].count);
	}
	for (size_t o2 = 0x98 + 16 * 4; o2 < 0x88 + 700; o2++)
		assert_int_equal(f[o2], 0); /* unused run slots cleared */
	assert_int_equal(f[0x344], 'P'); /* past the Buffer: the caller's bytes */
	memcpy(&v32, f + 0xF98, 4);
	assert_int_equal(v32, 1);
	memcpy(&v64, f + 0xFA0, 8);
	assert_int_equal(v64, n);
	/* first page of run 0 right after the header */
	uint64_t pfn;
	memcpy(&pfn, f + 0x2000, 8);
	assert_int_equal(pfn, 1);
	free(f);

	write_ok(&m, "hdr32.dmp", DK_OUT_BITMAP, false, &o, &r);
	f = tl_read_file(tl_path("hdr32.dmp"), &n);
	assert_non_null(f);
	memcpy(&v32, f + 0xF88, 4);
	assert_int_equal(v32, 5);
	memcpy(&v32, f + 0x64, 4);
	assert_int_equal(v32, 4);
	memcpy(&v32, f + 0x68, 4);
	assert_int_equal(v32, m.pm.present_pages);
	assert_memory_equal(f + 0x1000, "FDMPDUMP", 8);
	uint64_t first, pages, bits;
	memcpy(&first, f + 0x1020, 8);
	memcpy(&pages, f + 0x1028, 8);
	memcpy(&bits, f + 0x1030, 8);
	assert_int_equal(bits, 0x2346);
	assert_int_equal(pages, m.pm.present_pages);
	assert_int_equal(first % PS, 0);
	assert_true(first >= 0x1038 + (bits + 7) / 8);
	assert_int_equal(n, first + pages * PS);
	/* bit of PFN 0 clear, PFN 1 set, PFN 0x2345 set */
	assert_int_equal(f[0x1038] & 1, 0);
	assert_int_equal(f[0x1038] & 2, 2);
	assert_int_equal(f[0x1038 + 0x2345 / 8] >> (0x2345 % 8) & 1, 1);
	memcpy(&v64, f + 0xFA0, 8);
	assert_int_equal(v64, n);
	free(f);
}

/* A file-backed source: copy_file_range moves the bytes; the source's
 * holes stay holes; the result equals the pread path's. */
static void test_copy_range_and_sparse(void **state)
{
	(void)state;
	dk_run runs[] = { { 0, 0x800 }, { 0x1000, 0x800 } }; /* 16 MiB, mostly zero */
	memsrc m;
	ms_init(&m, runs, 2, 1);
	char ref[600];
	snprintf(ref, sizeof ref, "%s", tl_path("sparse.raw"));
	write_raw_reference(&m, ref);
	ms_open_file(&m, ref);
	dk_out_format fmts[] = { DK_OUT_RUNS, DK_OUT_BITMAP, DK_OUT_RAW };
	for (int f = 0; f < 3; f++) {
		char a[64], b[64];
		snprintf(a, sizeof a, "cfr-%d.out", f);
		snprintf(b, sizeof b, "nocfr-%d.out", f);
		dk_dump_write_options o = { 0 };
		dk_dump_write_result r1, r2;
		write_ok(&m, a, fmts[f], true, &o, &r1);
		assert_true(r1.copied_pages > 0);
		o.no_copy_range = true;
		write_ok(&m, b, fmts[f], true, &o, &r2);
		assert_int_equal(r2.copied_pages, 0);
		/* zero pages: 63 of every 64 (holes of the source on the copy path) */
		assert_int_equal(r2.zero_pages, 0x1000 - 0x1000 / 64);
		assert_int_equal(r1.zero_pages, r2.zero_pages);
		assert_int_equal(r1.copied_pages, 0x1000 / 64);
		size_t na, nb;
		uint8_t *da = tl_read_file(tl_path(a), &na), *db = tl_read_file(tl_path(b), &nb);
		assert_non_null(da);
		assert_non_null(db);
		assert_int_equal(na, nb);
		assert_memory_equal(da, db, na);
		free(da);
		free(db);
		struct stat st;
		assert_int_equal(stat(tl_path(a), &st), 0);
		assert_true((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size / 4);
		assert_int_equal(stat(tl_path(b), &st), 0);
		assert_true((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size / 4);
		char out[600];
		snprintf(out, sizeof out, "%s", tl_path(a));
		check_with_our_reader(&m, out, fmts[f], true, NULL, 0);
		check_independent(&m, out, ref, fmts[f], true, NULL, 0);
	}
	/* no_sparse: every page is data */
	dk_dump_write_options o = { 0 };
	o.no_sparse = true;
	o.no_copy_range = true;
	dk_dump_write_result r;
	write_ok(&m, "dense.dmp", DK_OUT_RUNS, true, &o, &r);
	assert_int_equal(r.zero_pages, 0);
	struct stat st;
	assert_int_equal(stat(tl_path("dense.dmp"), &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 >= (uint64_t)st.st_size);
	close(m.fd);
}

static void test_exclude(void **state)
{
	(void)state;
	memsrc m;
	ms_init(&m, holes_runs, 4, 0);
	char ref[600];
	snprintf(ref, sizeof ref, "%s", tl_path("excl.raw"));
	write_raw_reference(&m, ref);
	ms_open_file(&m, ref);
	/* overlapping and unsorted, one covering a whole run, one a hole */
	dk_run ex[] = { { 0x150, 0x10 }, { 0x10, 0x20 }, { 0x155, 0x20 }, { 0x1000, 7 },
	                { 0x500, 0x100 } };
	dk_run *plan;
	size_t n;
	dk_error e;
	assert_int_equal(dk_dump_plan_runs(&m.pm, ex, 5, &plan, &n, &e), DK_OK);
	dk_run want[] = { { 1, 0xF }, { 0x30, 0x70 }, { 0x100, 0x50 }, { 0x175, 0x28B },
	                  { 0x2345, 1 } };
	assert_int_equal(n, 5);
	assert_memory_equal(plan, want, sizeof want);
	free(plan);
	dk_out_format fmts[] = { DK_OUT_RUNS, DK_OUT_BITMAP, DK_OUT_RAW };
	for (int f = 0; f < 3; f++) {
		char name[64], out[600];
		snprintf(name, sizeof name, "excl-%d.out", f);
		dk_dump_write_options o = { 0 };
		o.exclude = ex;
		o.nexclude = 5;
		dk_dump_write_result r;
		write_ok(&m, name, fmts[f], true, &o, &r);
		assert_int_equal(r.runs, 5);
		assert_int_equal(r.pages, 0xF + 0x70 + 0x50 + 0x28B + 1);
		snprintf(out, sizeof out, "%s", tl_path(name));
		check_with_our_reader(&m, out, fmts[f], true, ex, 5);
		check_independent(&m, out, ref, fmts[f], true, ex, 5);
	}
	close(m.fd);
}

static void test_auto_and_limits(void **state)
{
	(void)state;
	dk_run many[43];
	for (size_t i = 0; i < 43; i++)
		many[i] = (dk_run){ i * 4, 2 };
	memsrc m;
	uint8_t hdr[0x2000];
	dk_error e;
	dk_dump_write_result r;
	dk_dump_write_options o = { 0 };
	o.force = true;
	/* 42 runs fit a 64-bit header, 43 do not */
	ms_init(&m, many, 42, 0);
	make_header(hdr, true);
	o.format = DK_OUT_AUTO;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, tl_path("auto42.dmp"), &o, &r, &e), DK_OK);
	assert_int_equal(r.format, DK_OUT_RUNS);
	ms_init(&m, many, 43, 0);
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, tl_path("auto43.dmp"), &o, &r, &e), DK_OK);
	assert_int_equal(r.format, DK_OUT_BITMAP);
	char out[600];
	snprintf(out, sizeof out, "%s", tl_path("auto43.dmp"));
	check_with_our_reader(&m, out, DK_OUT_BITMAP, true, NULL, 0);
	/* the run list did not fit: PhysicalMemoryBlock stays PAGE fill */
	size_t n;
	uint8_t *f = tl_read_file(out, &n);
	assert_non_null(f);
	assert_memory_equal(f + 0x88, "PAGE", 4);
	free(f);
	o.format = DK_OUT_RUNS;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, tl_path("runs43.dmp"), &o, &r, &e),
	                 DK_E_UNSUPPORTED);
	assert_non_null(strstr(e.message, "43 runs"));
	assert_false(exists(tl_path("runs43.dmp")));
	assert_no_temp("runs43.dmp");

	/* 32-bit: 86 runs fit, PFNs must fit u32 */
	dk_run big[] = { { 0x10, 4 }, { 0x100000000ull, 2 } };
	ms_init(&m, big, 2, 0);
	make_header(hdr, false);
	o.format = DK_OUT_RUNS;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x1000, tl_path("big32.dmp"), &o, &r, &e),
	                 DK_E_UNSUPPORTED);
	assert_non_null(strstr(e.message, "32-bit"));
	o.format = DK_OUT_AUTO;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x1000, tl_path("big32.dmp"), &o, &r, &e), DK_OK);
	assert_int_equal(r.format, DK_OUT_BITMAP);
	snprintf(out, sizeof out, "%s", tl_path("big32.dmp"));
	check_with_our_reader(&m, out, DK_OUT_BITMAP, false, NULL, 0);

	/* page size and header checks */
	ms_init(&m, holes_runs, 4, 0);
	m.pm.page_size = 8192;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x1000, tl_path("ps.dmp"), &o, &r, &e), DK_E_ARG);
	assert_non_null(strstr(e.message, "4096"));
	m.pm.page_size = PS;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, tl_path("bad.dmp"), &o, &r, &e), DK_E_ARG);
	assert_non_null(strstr(e.message, "PAGEDUMP"));
	/* nothing left after exclusions */
	dk_run all = { 0, UINT64_MAX };
	o.exclude = &all;
	o.nexclude = 1;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x1000, tl_path("none.dmp"), &o, &r, &e), DK_E_ARG);
	assert_false(exists(tl_path("none.dmp")));
}

static int calls;
static bool stop_at(void *arg, uint64_t done, uint64_t total)
{
	(void)done;
	(void)total;
	return ++calls < *(int *)arg;
}

static void test_output_safety(void **state)
{
	(void)state;
	memsrc m;
	ms_init(&m, holes_runs, 4, 0);
	uint8_t hdr[0x2000];
	make_header(hdr, true);
	dk_error e;
	dk_dump_write_result r;
	dk_dump_write_options o = { 0 };
	o.format = DK_OUT_RUNS;
	const char *keep = tl_path("exists.dmp");
	char path[600];
	snprintf(path, sizeof path, "%s", keep);
	assert_true(tl_write_file(path, "keep me", 7));
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, path, &o, &r, &e), DK_E_ARG);
	assert_non_null(strstr(e.message, path));
	assert_non_null(strstr(e.message, "--force"));
	size_t n;
	uint8_t *f = tl_read_file(path, &n);
	assert_int_equal(n, 7);
	free(f);
	assert_no_temp("exists.dmp");
	/* with force it is replaced, mode 0644 & ~umask */
	o.force = true;
	mode_t um = umask(022);
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, path, &o, &r, &e), DK_OK);
	umask(um);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal((uint64_t)st.st_size, r.file_size);

	/* abort at the start and in the middle (a 96 MiB source: > 1 report) */
	dk_run bigr[] = { { 0, 96 * 256 } };
	memsrc big;
	ms_init(&big, bigr, 1, 1);
	int limits[] = { 1, 2 };
	for (int i = 0; i < 2; i++) {
		calls = 0;
		o.progress = stop_at;
		o.progress_arg = &limits[i];
		snprintf(path, sizeof path, "%s", tl_path("abort.dmp"));
		unlink(path);
		assert_int_equal(dk_dump_write(&big.pm, hdr, 0x2000, path, &o, &r, &e), DK_E_IO);
		assert_non_null(strstr(e.message, "interrupted"));
		assert_int_equal(calls, limits[i]);
		assert_false(exists(path));
		assert_no_temp("abort.dmp");
	}
	o.progress = NULL;

	/* a read error in the middle */
	m.fail_pfn = 0x200;
	snprintf(path, sizeof path, "%s", tl_path("readerr.dmp"));
	unlink(path);
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, path, &o, &r, &e), DK_E_IO);
	assert_non_null(strstr(e.message, "0x200"));
	assert_false(exists(path));
	assert_no_temp("readerr.dmp");
	m.fail_pfn = UINT64_MAX;

	/* a target directory that does not exist / is not writable */
	snprintf(path, sizeof path, "%s/no-such-dir/x.dmp", tl_tmpdir());
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, path, &o, &r, &e), DK_E_IO);
	assert_non_null(strstr(e.message, "no-such-dir"));
	if (geteuid() != 0) {
		snprintf(path, sizeof path, "%s/ro", tl_tmpdir());
		mkdir(path, 0755);
		chmod(path, 0555);
		snprintf(path, sizeof path, "%s/ro/x.dmp", tl_tmpdir());
		assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, path, &o, &r, &e), DK_E_IO);
		assert_false(exists(path));
	}

	/* the output is the source itself */
	char ref[600];
	snprintf(ref, sizeof ref, "%s", tl_path("self.raw"));
	write_raw_reference(&m, ref);
	ms_open_file(&m, ref);
	o.format = DK_OUT_RAW;
	assert_int_equal(dk_dump_write(&m.pm, NULL, 0, ref, &o, &r, &e), DK_E_ARG);
	assert_non_null(strstr(e.message, "source"));
	assert_int_equal(stat(ref, &st), 0);
	assert_int_equal((uint64_t)st.st_size, m.pm.end_pfn * PS);
	close(m.fd);
}

static bool record_progress(void *arg, uint64_t done, uint64_t total)
{
	uint64_t *v = arg;
	if (done < v[0] || (v[1] != UINT64_MAX && total != v[1]))
		v[2] = 1; /* went backwards or total changed */
	v[0] = done;
	v[1] = total;
	v[3]++;
	return true;
}

static void test_progress(void **state)
{
	(void)state;
	dk_run r1[] = { { 0, 80 * 256 } }; /* 80 MiB */
	memsrc m;
	ms_init(&m, r1, 1, 1);
	uint8_t hdr[0x2000];
	make_header(hdr, true);
	dk_error e;
	dk_dump_write_result r;
	dk_dump_write_options o = { 0 };
	uint64_t v[4] = { 0, UINT64_MAX, 0, 0 };
	o.format = DK_OUT_BITMAP;
	o.force = true;
	o.progress = record_progress;
	o.progress_arg = v;
	assert_int_equal(dk_dump_write(&m.pm, hdr, 0x2000, tl_path("prog.dmp"), &o, &r, &e), DK_OK);
	assert_int_equal(v[2], 0);
	assert_int_equal(v[0], 80ull << 20);
	assert_int_equal(v[1], 80ull << 20);
	assert_true(v[3] >= 3); /* start, at 64 MiB, end */
}

/* dkgen dumps (real-looking headers) opened as images, rewritten, then
 * `dmpkit check --deep` and `dmpkit verify`. */
static void test_dkgen_roundtrip(void **state)
{
	(void)state;
	const char *arch[] = { "x64", "x86" };
	for (int a = 0; a < 2; a++) {
		char args[256], src[600];
		snprintf(args, sizeof args, "--arch %s --type 1 --runs 1:0x9f,0x100:0x300,0x800:0x40 --force",
		         arch[a]);
		char sname[32];
		snprintf(sname, sizeof sname, "gen-%s.dmp", arch[a]);
		const char *p = tl_gen(sname, args, NULL);
		assert_non_null(p);
		snprintf(src, sizeof src, "%s", p);
		dk_image *img;
		dk_error e;
		assert_int_equal(dk_image_open(src, NULL, &img, &e), DK_OK);
		assert_string_equal(dk_image_format(img), "windows-dump");
		size_t hlen = a == 0 ? 0x2000 : 0x1000, n;
		uint8_t *hdr = tl_read_file(src, &n);
		assert_non_null(hdr);
		dk_out_format fmts[] = { DK_OUT_RUNS, DK_OUT_BITMAP };
		for (int f = 0; f < 2; f++) {
			char name[64], out[600], cmd[2048];
			snprintf(name, sizeof name, "gen-%s-%d.out", arch[a], f);
			snprintf(out, sizeof out, "%s", tl_path(name));
			dk_dump_write_options o = { 0 };
			o.format = fmts[f];
			o.force = true;
			dk_dump_write_result r;
			if (dk_dump_write(dk_image_physmem(img), hdr, hlen, out, &o, &r, &e) != DK_OK)
				fail_msg("%s", e.message);
			assert_true(r.copied_pages > 0); /* the dump file is located */
			snprintf(cmd, sizeof cmd, "%s check --deep --quiet %s", DMPKIT_PATH, out);
			const char *l = run_grep(cmd, "good");
			if (!l)
				fail_msg("dmpkit check --deep %s is not good", out);
			assert_non_null(strstr(l, "good (0 errors, 0 warnings)"));
			strcat(cmd, " >/dev/null");
			assert_int_equal(run(cmd), 0);
			snprintf(cmd, sizeof cmd, "%s verify %s %s >/dev/null", DMPKIT_PATH, src, out);
			assert_int_equal(run(cmd), 0);
			snprintf(cmd, sizeof cmd, "%s verify --json %s %s", DMPKIT_PATH, src, out);
			assert_non_null(run_grep(cmd, "\"good\":true"));
			if (have_python() && probe_py()) {
				snprintf(cmd, sizeof cmd, "python3 %s %s", probe_py(), out);
				char want[64];
				snprintf(want, sizeof want, "DumpType=%d", f == 0 ? 1 : 5);
				assert_non_null(run_grep(cmd, want));
			}
		}
		/* a damaged copy: exit 1 and the page named; a missing file: 2 */
		char out[600], cmd[2048];
		snprintf(out, sizeof out, "%s", tl_path(a == 0 ? "gen-x64-0.out" : "gen-x86-0.out"));
		size_t n2;
		uint8_t *d = tl_read_file(out, &n2);
		assert_non_null(d);
		d[hlen + 5 * PS + 0x10] ^= 0xFF; /* 6th stored page: PFN 6 */
		char bad[600];
		snprintf(bad, sizeof bad, "%s", tl_path("damaged.out"));
		assert_true(tl_write_file(bad, d, n2));
		free(d);
		snprintf(cmd, sizeof cmd, "%s verify %s %s >/dev/null", DMPKIT_PATH, src, bad);
		assert_int_equal(run(cmd), 1);
		snprintf(cmd, sizeof cmd, "%s verify --json %s %s", DMPKIT_PATH, src, bad);
		assert_non_null(run_grep(cmd, "\"kind\":\"different\",\"pfn\":\"0x6\",\"address\":"
		                              "\"0x6000\",\"first_difference\":\"0x6010\""));
		snprintf(cmd, sizeof cmd, "%s verify %s %s/nonexistent 2>/dev/null", DMPKIT_PATH, src,
		         tl_tmpdir());
		assert_int_equal(run(cmd), 2);
		snprintf(cmd, sizeof cmd, "%s verify %s %s --exclude 5-1 2>/dev/null", DMPKIT_PATH, src,
		         bad);
		assert_int_equal(run(cmd), 2);
		snprintf(cmd, sizeof cmd, "%s verify %s %s --exclude 0x6000+1 >/dev/null", DMPKIT_PATH,
		         src, bad);
		assert_int_equal(run(cmd), 0);
		free(hdr);
		dk_image_close(img);
	}
}

/* verify: different, missing and extra pages are found and reported. */
static void test_verify(void **state)
{
	(void)state;
	memsrc a, b;
	ms_init(&a, holes_runs, 4, 0);
	dk_run br[] = { { 0x1, 0x9F }, { 0x100, 0x280 }, { 0x1000, 7 }, { 0x2345, 2 }, { 0x3000, 4 } };
	ms_init(&b, br, 5, 0);
	b.flip_pfn = 0x123;
	dk_verify_result r;
	dk_error e;
	dk_verify_options o = { 0 };
	assert_int_equal(dk_verify_pages(&a.pm, &b.pm, &o, &r, &e), DK_OK);
	assert_false(dk_verify_good(&r));
	assert_int_equal(r.a_pages, a.pm.present_pages);
	assert_int_equal(r.different, 1);
	assert_int_equal(r.missing, 0x80);
	assert_int_equal(r.extra, 5);
	assert_int_equal(r.compared, a.pm.present_pages - 0x80);
	assert_int_equal(r.identical, r.compared - 1);
	assert_int_equal(r.recorded[0].pfn, 0x123);
	assert_int_equal(r.recorded[0].kind, DK_VERIFY_DIFFERENT);
	assert_int_equal(r.recorded[0].offset, 100);
	assert_int_equal(r.recorded[1].pfn, 0x380);
	assert_int_equal(r.recorded[1].kind, DK_VERIFY_MISSING);
	uint64_t zero_extra = 0;
	for (uint64_t p = 0x3000; p < 0x3004; p++)
		zero_extra += p % 7 == 3;
	zero_extra += 0x2346 % 7 == 3;
	assert_int_equal(r.extra_zero, zero_extra);
	/* excluding the bad parts makes it good */
	dk_run *ex;
	size_t nex;
	assert_int_equal(dk_parse_page_ranges("0x123000-0x123fff,0x380000+0x80000", PS, "--exclude",
	                                      &ex, &nex, &e), DK_OK);
	assert_int_equal(nex, 2);
	o.exclude = ex;
	o.nexclude = nex;
	assert_int_equal(dk_verify_pages(&a.pm, &b.pm, &o, &r, &e), DK_OK);
	assert_true(dk_verify_good(&r));
	assert_int_equal(r.excluded_a, 0x81);
	free(ex);
	/* range parsing errors name the option and the item */
	assert_int_equal(dk_parse_page_ranges("0x10-0x5,1", PS, "--exclude", &ex, &nex, &e), DK_E_ARG);
	assert_non_null(strstr(e.message, "--exclude"));
	assert_non_null(strstr(e.message, "0x10-0x5"));
	assert_int_equal(dk_parse_page_ranges("5+0", PS, "--exclude", &ex, &nex, &e), DK_E_ARG);
	/* a range touching part of a page covers it */
	assert_int_equal(dk_parse_page_ranges("0x1fff-0x2000", PS, "x", &ex, &nex, &e), DK_OK);
	assert_int_equal(nex, 1);
	assert_int_equal(ex[0].base_pfn, 1);
	assert_int_equal(ex[0].count, 2);
	free(ex);
	/* page sizes must agree */
	b.pm.page_size = 8192;
	assert_int_equal(dk_verify_pages(&a.pm, &b.pm, NULL, &r, &e), DK_E_ARG);
}

/* The real sample dumps (fakewin*.win-dmp), when unpacked. */
static void test_samples(void **state)
{
	(void)state;
	const char *names[] = { "fakewin64-64M.win-dmp", "fakewin32-64M.win-dmp" };
	bool any = false;
	for (int i = 0; i < 2; i++) {
		char src[600], out[600], cmd[2048];
		snprintf(src, sizeof src, "%s/%s", SAMPLES_DIR, names[i]);
		if (!exists(src))
			continue;
		any = true;
		dk_image *img;
		dk_error e;
		assert_int_equal(dk_image_open(src, NULL, &img, &e), DK_OK);
		size_t hlen = i == 0 ? 0x2000 : 0x1000;
		uint8_t hdr[0x2000];
		FILE *f = fopen(src, "rb");
		assert_non_null(f);
		assert_int_equal(fread(hdr, 1, hlen, f), hlen);
		fclose(f);
		for (int fm = 0; fm < 2; fm++) {
			snprintf(out, sizeof out, "%s", tl_path(fm ? "sample.bmp" : "sample.dmp"));
			dk_dump_write_options o = { 0 };
			o.format = fm ? DK_OUT_BITMAP : DK_OUT_RUNS;
			o.force = true;
			dk_dump_write_result r;
			if (dk_dump_write(dk_image_physmem(img), hdr, hlen, out, &o, &r, &e) != DK_OK)
				fail_msg("%s", e.message);
			assert_int_equal(r.pages, dk_image_physmem(img)->present_pages);
			snprintf(cmd, sizeof cmd, "%s verify %s %s >/dev/null", DMPKIT_PATH, src, out);
			assert_int_equal(run(cmd), 0);
			if (fm == 0) {
				/* a full dump from a full dump: the same bytes */
				size_t na, nb;
				uint8_t *da = tl_read_file(src, &na), *db = tl_read_file(out, &nb);
				assert_int_equal(na, nb);
				assert_memory_equal(da, db, na);
				free(da);
				free(db);
			}
		}
		dk_image_close(img);
	}
	if (!any)
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats_memory),  cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_copy_range_and_sparse), cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_auto_and_limits), cmocka_unit_test(test_output_safety),
		cmocka_unit_test(test_progress),        cmocka_unit_test(test_dkgen_roundtrip),
		cmocka_unit_test(test_verify),          cmocka_unit_test(test_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
