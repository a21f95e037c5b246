/* dmpkit tests — the diskdump (kdump-compressed, plain and flattened) and
 * Xen dump-core readers, on the real samples and on damaged or synthetic
 * files.  Independent references: the raw pmemsave image of the same VM
 * (read with pread), python3-libkdumpfile (kdf_pages.py), the corpus'
 * probe.py, makedumpfile (fresh dumps), and libsnappy/libzstd (a converter
 * that recompresses a real dump).
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
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

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <dmpkit/image.h>

#define PS 4096u

/* ---------------------------------------------------------------- helpers */

static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static char pathbuf[8][1024];
static unsigned pathslot;

static const char *sample(const char *name)
{
	char *p = pathbuf[pathslot++ % 8];
	snprintf(p, 1024, "%s/%s", SAMPLES_DIR, name);
	return p;
}

static const char *tmpfile_path(const char *name)
{
	char *p = pathbuf[pathslot++ % 8];
	mkdir(TEST_TMPDIR, 0755);
	snprintf(p, 1024, "%s/%s", TEST_TMPDIR, name);
	return p;
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && st.st_size > 0;
}

#define NEED(path)                                                       \
	do {                                                             \
		if (!exists(path)) {                                     \
			printf("SKIP: %s is absent\n", path);            \
			skip();                                          \
		}                                                        \
	} while (0)

static dk_image *open_img(const char *path, const char *fmt)
{
	dk_image_options o = { 0 };
	o.format = fmt;
	dk_image *img = NULL;
	dk_error err = { 0 };
	dk_status st = dk_image_open(path, &o, &img, &err);
	if (st != DK_OK)
		print_error("open %s: %s\n", path, err.message);
	assert_int_equal(st, DK_OK);
	return img;
}

static dk_status open_mem(const void *data, size_t size, const char *fmt, dk_image **img,
                          dk_error *err)
{
	dk_image_options o = { 0 };
	o.format = fmt;
	memset(err, 0, sizeof *err);
	return dk_image_open_memory(data, size, "mem", &o, img, err);
}

static bool mem_has(const uint8_t *h, size_t hl, const char *needle)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; i + nl <= hl; i++)
		if (memcmp(h + i, needle, nl) == 0)
			return true;
	return false;
}

static bool has_note(const dk_image *img, const char *needle)
{
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		if (strstr(dk_image_note(img, i), needle))
			return true;
	return false;
}

typedef struct runs {
	dk_run v[4096];
	size_t n;
	uint64_t pages;
} runs;

static void get_runs(const dk_image *img, runs *r)
{
	const dk_physmem *pm = dk_image_physmem(img);
	r->n = 0;
	r->pages = 0;
	dk_run run;
	uint64_t pfn = 0;
	while (dk_physmem_next_run(pm, pfn, &run)) {
		assert_true(run.count > 0);
		assert_true(run.base_pfn >= pfn);
		if (r->n < 4096)
			r->v[r->n] = run;
		r->n++;
		r->pages += run.count;
		pfn = run.base_pfn + run.count;
	}
	assert_int_equal(r->pages, pm->present_pages);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A random present page (uniform over present pages). */
static uint64_t random_present(const runs *r)
{
	uint64_t k = rnd() % r->pages;
	for (size_t i = 0; i < r->n && i < 4096; i++) {
		if (k < r->v[i].count)
			return r->v[i].base_pfn + k;
		k -= r->v[i].count;
	}
	fail();
	return 0;
}

static void read_page(const dk_image *img, uint64_t pfn, uint8_t *buf)
{
	const dk_physmem *pm = dk_image_physmem(img);
	dk_error err = { 0 };
	dk_status st = pm->ops->read_pages(pm->ctx, pfn, 1, buf, &err);
	if (st != DK_OK)
		print_error("read pfn 0x%" PRIx64 ": %s\n", pfn, err.message);
	assert_int_equal(st, DK_OK);
}

/* ---- SHA-1 (FIPS 180-4), for comparing with the Python readers ---- */
static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }
static void sha1_hex(const uint8_t *msg, size_t len, char out[41])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	size_t total = ((len + 8) / 64 + 1) * 64;
	uint8_t *m = calloc(1, total);
	assert_non_null(m);
	memcpy(m, msg, len);
	m[len] = 0x80;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		m[total - 1 - i] = (uint8_t)(bits >> (8 * i));
	for (size_t c = 0; c < total; c += 64) {
		uint32_t w[80];
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)m[c + 4 * i] << 24 | (uint32_t)m[c + 4 * i + 1] << 16 |
			       (uint32_t)m[c + 4 * i + 2] << 8 | m[c + 4 * i + 3];
		for (int i = 16; i < 80; i++)
			w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
		uint32_t a = h[0], b = h[1], cc = h[2], d = h[3], e = h[4];
		for (int i = 0; i < 80; i++) {
			uint32_t f, k;
			if (i < 20) { f = (b & cc) | (~b & d); k = 0x5A827999; }
			else if (i < 40) { f = b ^ cc ^ d; k = 0x6ED9EBA1; }
			else if (i < 60) { f = (b & cc) | (b & d) | (cc & d); k = 0x8F1BBCDC; }
			else { f = b ^ cc ^ d; k = 0xCA62C1D6; }
			uint32_t t = rol(a, 5) + f + e + k + w[i];
			e = d; d = cc; cc = rol(b, 30); b = a; a = t;
		}
		h[0] += a; h[1] += b; h[2] += cc; h[3] += d; h[4] += e;
	}
	free(m);
	for (int i = 0; i < 5; i++)
		snprintf(out + 8 * i, 9, "%08x", h[i]);
}

static void test_sha1_known(void **state)
{
	(void)state;
	char hex[41];
	sha1_hex((const uint8_t *)"abc", 3, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

/* ------------------------------------------------ real diskdump samples */

static void compare_all_pages(const dk_image *a, const dk_image *b)
{
	runs *ra = malloc(sizeof *ra), *rb = malloc(sizeof *rb);
	assert_non_null(ra);
	assert_non_null(rb);
	get_runs(a, ra);
	get_runs(b, rb);
	assert_int_equal(ra->n, rb->n);
	assert_int_equal(ra->pages, rb->pages);
	for (size_t i = 0; i < ra->n && i < 4096; i++) {
		assert_int_equal(ra->v[i].base_pfn, rb->v[i].base_pfn);
		assert_int_equal(ra->v[i].count, rb->v[i].count);
	}
	uint8_t *pa = malloc(PS * 64), *pb = malloc(PS * 64);
	assert_non_null(pa);
	assert_non_null(pb);
	const dk_physmem *ma = dk_image_physmem(a), *mb = dk_image_physmem(b);
	for (size_t i = 0; i < ra->n && i < 4096; i++)
		for (uint64_t p = ra->v[i].base_pfn; p < ra->v[i].base_pfn + ra->v[i].count; p += 64) {
			uint64_t n = ra->v[i].base_pfn + ra->v[i].count - p;
			if (n > 64)
				n = 64;
			dk_error err = { 0 };
			assert_int_equal(ma->ops->read_pages(ma->ctx, p, n, pa, &err), DK_OK);
			assert_int_equal(mb->ops->read_pages(mb->ctx, p, n, pb, &err), DK_OK);
			assert_memory_equal(pa, pb, n * PS);
		}
	free(pa);
	free(pb);
	free(ra);
	free(rb);
}

static void test_flat_vs_reassembled(void **state)
{
	(void)state;
	const char *flat = sample("nodisk-64M.kdump-zlib.flat");
	const char *re = sample("nodisk-64M.kdump-zlib.reassembled");
	NEED(flat);
	NEED(re);
	dk_image *a = open_img(flat, NULL), *b = open_img(re, NULL);
	assert_string_equal(dk_image_format(a), "diskdump");
	assert_string_equal(dk_image_format(b), "diskdump");
	printf("  %s\n  %s\n", dk_image_describe(a), dk_image_describe(b));
	assert_non_null(strstr(dk_image_describe(a), "flattened"));
	assert_null(strstr(dk_image_describe(b), "flattened"));
	assert_non_null(strstr(dk_image_describe(a), "zlib"));
	assert_true(dk_image_physmem(a)->present_pages > 10000);
	compare_all_pages(a, b);
	/* QEMU's notes: one vCPU (i386 NT_PRSTATUS + QEMU state) */
	assert_int_equal(dk_image_cpu_count(a), 1);
	assert_true(dk_image_cpu_state(a, 0)->have & DK_CPU_HAVE_CRS);
	dk_image_close(a);
	dk_image_close(b);
}

/* Compares n random dumped pages with the raw pmemsave image of the VM. */
static void compare_with_raw(const dk_image *img, int n)
{
	const char *raw = sample("qemu-pmemsave-linux-96M.raw");
	NEED(raw);
	int fd = open(raw, O_RDONLY);
	assert_true(fd >= 0);
	runs *r = malloc(sizeof *r);
	assert_non_null(r);
	get_runs(img, r);
	uint8_t a[PS], b[PS];
	int zero = 0;
	for (int i = 0; i < n; i++) {
		uint64_t pfn = random_present(r);
		read_page(img, pfn, a);
		assert_int_equal(pread(fd, b, PS, (off_t)(pfn * PS)), PS);
		if (memcmp(a, b, PS) != 0)
			print_error("pfn 0x%" PRIx64 " differs from the raw image\n", pfn);
		assert_memory_equal(a, b, PS);
		static const uint8_t z[PS];
		zero += memcmp(a, z, PS) == 0;
	}
	assert_true(zero < n); /* not all zero pages */
	close(fd);
	free(r);
}

static void test_mkd_vs_raw(void **state)
{
	(void)state;
	const char *lzo = sample("linux-96M.mkd-lzo-d31.kdump");
	const char *nc = sample("linux-96M.mkd-nocomp-d31.kdump");
	NEED(lzo);
	NEED(nc);
	dk_image *a = open_img(lzo, NULL), *b = open_img(nc, NULL);
	printf("  %s\n  %s\n", dk_image_describe(a), dk_image_describe(b));
	assert_non_null(strstr(dk_image_describe(a), "lzo"));
	assert_non_null(strstr(dk_image_describe(b), "uncompressed"));
	assert_true(has_note(a, "excluded by the dump level"));
	assert_non_null(dk_image_vmcoreinfo(a, &(size_t){ 0 }));
	size_t vlen;
	const uint8_t *vi = dk_image_vmcoreinfo(a, &vlen);
	assert_true(vlen > 100 && mem_has(vi, vlen, "OSRELEASE="));
	assert_true(dk_image_cpu_count(a) >= 1);
	assert_true(dk_image_cpu_state(a, 0)->have & DK_CPU_HAVE_CR3);
	assert_int_equal(dk_image_cpu_state(a, 0)->bits, 64);
	compare_with_raw(a, 400);
	compare_with_raw(b, 400);
	compare_all_pages(a, b);
	/* locate: the uncompressed file's raw pages can be found in place */
	runs *r = malloc(sizeof *r);
	assert_non_null(r);
	get_runs(b, r);
	const dk_physmem *pm = dk_image_physmem(b);
	int fd;
	uint64_t off, contig;
	uint64_t pfn = random_present(r);
	assert_true(pm->ops->locate(pm->ctx, pfn, &fd, &off, &contig));
	uint8_t x[PS], y[PS];
	read_page(b, pfn, x);
	assert_int_equal(pread(fd, y, PS, (off_t)off), PS);
	assert_memory_equal(x, y, PS);
	/* absent pages are absent, not zero */
	uint64_t hole = 0;
	while (dk_physmem_present(pm, hole))
		hole++;
	dk_error err = { 0 };
	assert_int_equal(pm->ops->read_pages(pm->ctx, hole, 1, x, &err), DK_E_RANGE);
	free(r);
	dk_image_close(a);
	dk_image_close(b);
}

/* -------------------------------------------------------- Xen samples */

static void test_xen_pvh_paused(void **state)
{
	(void)state;
	const char *p = sample("xen-pvh-paused.core");
	NEED(p);
	dk_image *img = open_img(p, NULL);
	assert_string_equal(dk_image_format(img), "xen");
	printf("  %s\n", dk_image_describe(img));
	runs r;
	get_runs(img, &r);
	assert_int_equal(r.pages, 0x5FE0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].base_pfn, 0);
	assert_int_equal(r.v[0].count, 0xA0);
	assert_int_equal(r.v[1].base_pfn, 0xC0);
	assert_int_equal(r.v[1].count, 0x6000 - 0xC0);
	assert_non_null(strstr(dk_image_describe(img), "49 padding"));
	assert_non_null(strstr(dk_image_describe(img), "HVM/PVH (.xen_pfn)"));
	assert_true(has_note(img, "49 entries of .xen_pfn are ~0 padding"));
	assert_true(has_note(img, "no .xen_shared_info"));
	assert_int_equal(dk_image_cpu_count(img), 1);
	assert_true(dk_image_cpu_state(img, 0)->have & DK_CPU_HAVE_CR3);
	assert_false(dk_physmem_present(dk_image_physmem(img), 0xA0));
	dk_image_close(img);
}

static void test_xen_pv(void **state)
{
	(void)state;
	const char *p = sample("xen-pv-running.core");
	NEED(p);
	dk_image *img = open_img(p, NULL);
	printf("  %s\n", dk_image_describe(img));
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		printf("  note: %s\n", dk_image_note(img, i));
	runs r;
	get_runs(img, &r);
	assert_int_equal(r.pages, 24576);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].base_pfn, 0);
	assert_non_null(strstr(dk_image_describe(img), "PV (.xen_p2m)"));
	assert_true(has_note(img, "PV ctrlreg[3] names MFN"));
	assert_true(dk_image_cpu_count(img) >= 1);
	const dk_image_cpu *c = dk_image_cpu_state(img, 0);
	assert_true(c->have & DK_CPU_HAVE_GPRS);
	/* when translated, cr3 must be a present guest page */
	assert_true(c->have & DK_CPU_HAVE_CR3);
	assert_true(dk_physmem_present(dk_image_physmem(img), c->cr3 / PS));
	/* the translated page is the guest's PML4: a PV kernel maps it at its
	 * own MFN (Xen's linear page-table slot), so one entry names that MFN */
	uint64_t mfn = 0;
	for (size_t i = 0; i < dk_image_note_count(img); i++) {
		const char *m = strstr(dk_image_note(img, i), "names MFN 0x");
		if (m)
			mfn = strtoull(m + 12, NULL, 16);
	}
	assert_true(mfn != 0);
	uint8_t pg[PS];
	read_page(img, c->cr3 / PS, pg);
	int self = 0;
	for (int i = 0; i < 512; i++) {
		uint64_t e = rd64(pg + 8 * i);
		self += (e & 1) && ((e & 0x000ffffffffff000ull) >> 12) == mfn;
	}
	assert_int_equal(self, 1);
	dk_image_close(img);
}

static void test_xen_fakewin_tags(void **state)
{
	(void)state;
	const char *p = sample("xen-pvh-fakewin.core");
	NEED(p);
	dk_image *img = open_img(p, NULL);
	printf("  %s\n", dk_image_describe(img));
	runs *r = malloc(sizeof *r);
	assert_non_null(r);
	get_runs(img, r);
	assert_true(strstr(dk_image_describe(img), "49 padding") != NULL);
	uint64_t tagged = 0;
	uint8_t *buf = malloc(PS * 64);
	assert_non_null(buf);
	const dk_physmem *pm = dk_image_physmem(img);
	for (size_t i = 0; i < r->n; i++)
		for (uint64_t pfn = r->v[i].base_pfn; pfn < r->v[i].base_pfn + r->v[i].count; pfn += 64) {
			uint64_t n = r->v[i].base_pfn + r->v[i].count - pfn;
			if (n > 64)
				n = 64;
			dk_error err;
			assert_int_equal(pm->ops->read_pages(pm->ctx, pfn, n, buf, &err), DK_OK);
			for (uint64_t k = 0; k < n; k++) {
				uint64_t q = pfn + k;
				if (q < 0x400 || q >= 0x4000)
					continue;
				const uint8_t *pg = buf + k * PS;
				uint64_t v;
				memcpy(&v, pg + 8, 8);
				if (memcmp(pg, "XCPGTAG!", 8) != 0 || v != q)
					print_error("pfn 0x%" PRIx64 " has a wrong tag\n", q);
				assert_memory_equal(pg, "XCPGTAG!", 8);
				assert_int_equal(v, q);
				tagged++;
			}
		}
	assert_int_equal(tagged, 15360);
	uint8_t pg[PS];
	read_page(img, 0x202, pg);
	assert_memory_equal(pg, "FAKEWIN-PVH-DONE", 16);
	free(buf);
	free(r);
	dk_image_close(img);
}

/* ------------------------------------------- independent Python readers */

static const char *python_with_kdumpfile(void)
{
	static const char *const cands[] = { "/usr/bin/python3", "python3" };
	for (size_t i = 0; i < 2; i++) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "%s -c 'import kdumpfile' >/dev/null 2>&1", cands[i]);
		int st = system(cmd);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			return cands[i];
	}
	return NULL;
}

static void kdf_compare(const char *file, const char *space, int n)
{
	const char *py = python_with_kdumpfile();
	if (!py) {
		printf("SKIP: no python3 with the kdumpfile module\n");
		skip();
	}
	NEED(file);
	dk_image *img = open_img(file, NULL);
	runs *r = malloc(sizeof *r);
	assert_non_null(r);
	get_runs(img, r);
	uint64_t *pfns = malloc(sizeof *pfns * (size_t)n);
	assert_non_null(pfns);
	size_t cl = 256 + 20 * (size_t)n;
	char *cmd = malloc(cl);
	assert_non_null(cmd);
	size_t o = (size_t)snprintf(cmd, cl, "%s %s %s %s %u", py, KDF_PY, file, space, PS);
	for (int i = 0; i < n; i++) {
		pfns[i] = random_present(r);
		o += (size_t)snprintf(cmd + o, cl - o, " %" PRIx64, pfns[i]);
	}
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char line[256];
	int i = 0;
	uint8_t pg[PS];
	while (fgets(line, sizeof line, f) && i < n) {
		uint64_t pfn;
		char hex[64];
		assert_int_equal(sscanf(line, "%" SCNx64 " %63s", &pfn, hex), 2);
		assert_int_equal(pfn, pfns[i]);
		char mine[41];
		read_page(img, pfn, pg);
		sha1_hex(pg, PS, mine);
		if (strcmp(mine, hex) != 0)
			print_error("%s pfn 0x%" PRIx64 ": dmpkit %s, libkdumpfile %s\n", file, pfn, mine,
			            hex);
		assert_string_equal(mine, hex);
		i++;
	}
	int st = pclose(f);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(i, n);
	free(cmd);
	free(pfns);
	free(r);
	dk_image_close(img);
}

static void test_kdf_lzo(void **s) { (void)s; kdf_compare(sample("linux-96M.mkd-lzo-d31.kdump"), "m", 100); }
static void test_kdf_nocomp(void **s) { (void)s; kdf_compare(sample("linux-96M.mkd-nocomp-d31.kdump"), "m", 100); }
static void test_kdf_qemu(void **s) { (void)s; kdf_compare(sample("nodisk-64M.kdump-zlib.reassembled"), "m", 100); }
static void test_kdf_xen_pv(void **s) { (void)s; kdf_compare(sample("xen-pv-running.core"), "k", 100); }
static void test_kdf_xen_pvh(void **s) { (void)s; kdf_compare(sample("xen-pvh-paused.core"), "k", 100); }
static void test_kdf_xen_fakewin(void **s) { (void)s; kdf_compare(sample("xen-pvh-fakewin.core"), "k", 100); }

/* probe.py (the corpus' stdlib reader) on a few pages of each format */
static void probe_compare(const char *file, int n)
{
	if (!exists(PROBE_PY) || system("python3 -c 1 >/dev/null 2>&1") != 0) {
		printf("SKIP: python3 or %s missing\n", PROBE_PY);
		skip();
	}
	NEED(file);
	dk_image *img = open_img(file, NULL);
	runs *r = malloc(sizeof *r);
	assert_non_null(r);
	get_runs(img, r);
	for (int i = 0; i < n; i++) {
		uint64_t pfn = random_present(r);
		char cmd[2048], line[512], want[64] = "";
		snprintf(cmd, sizeof cmd, "python3 %s %s --page 0x%" PRIx64, PROBE_PY, file, pfn * PS);
		FILE *f = popen(cmd, "r");
		assert_non_null(f);
		while (fgets(line, sizeof line, f)) {
			const char *k = strstr(line, "page 0x");
			const char *c = k ? strstr(k, ": ") : NULL;
			if (c)
				sscanf(c + 2, "%63s", want);
		}
		pclose(f);
		char mine[41];
		uint8_t pg[PS];
		read_page(img, pfn, pg);
		sha1_hex(pg, PS, mine);
		assert_string_equal(mine, want);
	}
	free(r);
	dk_image_close(img);
}

static void test_probe_py(void **s)
{
	(void)s;
	/* probe.py decodes raw and zlib pages, not lzo, nor flattened pages */
	probe_compare(sample("linux-96M.mkd-nocomp-d31.kdump"), 4);
	probe_compare(sample("nodisk-64M.kdump-zlib.reassembled"), 4);
	probe_compare(sample("xen-pvh-paused.core"), 4);
	probe_compare(sample("xen-pv-running.core"), 4);
}

/* ------------------------------------- fresh dumps from makedumpfile */

static bool copy_elf_phdrs_at_64(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	if (!in || !out) {
		if (in) fclose(in);
		if (out) fclose(out);
		return false;
	}
	static uint8_t buf[1 << 20];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(out);
	/* QEMU 7.2 puts the section headers at 64 and the phdrs at 0xC0;
	 * makedumpfile 1.7.2 wants the phdrs at 64 (input-formats.md 11.1) */
	uint8_t eh[64];
	fseek(in, 0, SEEK_SET);
	if (fread(eh, 1, 64, in) != 64) {
		fclose(in);
		return false;
	}
	uint64_t phoff;
	uint16_t phentsize, phnum;
	memcpy(&phoff, eh + 32, 8);
	memcpy(&phentsize, eh + 54, 2);
	memcpy(&phnum, eh + 56, 2);
	size_t len = (size_t)phentsize * phnum;
	uint8_t *ph = malloc(len);
	fseek(in, (long)phoff, SEEK_SET);
	bool ok = ph && fread(ph, 1, len, in) == len;
	fclose(in);
	if (!ok) {
		free(ph);
		return false;
	}
	uint64_t v64 = 64, zero = 0;
	uint16_t z16 = 0;
	memcpy(eh + 32, &v64, 8);
	memcpy(eh + 40, &zero, 8);
	memcpy(eh + 58, &z16, 2);
	memcpy(eh + 60, &z16, 2);
	memcpy(eh + 62, &z16, 2);
	int fd = open(dst, O_WRONLY);
	ok = fd >= 0 && pwrite(fd, eh, 64, 0) == 64 && pwrite(fd, ph, len, 64) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	free(ph);
	return ok;
}

static void test_makedumpfile_fresh(void **s)
{
	(void)s;
	if (system("command -v makedumpfile >/dev/null 2>&1") != 0) {
		printf("SKIP: makedumpfile is not installed\n");
		skip();
	}
	const char *elf = sample("linux-96M.elf");
	NEED(elf);
	NEED(sample("qemu-pmemsave-linux-96M.raw"));
	const char *e64 = tmpfile_path("l96-phdr64.elf");
	assert_true(copy_elf_phdrs_at_64(elf, e64));
	static const struct { const char *name, *args, *want; bool flat; } v[] = {
		{ "mk-zlib-d31.kdump", "-c -d 31", "zlib", false },
		{ "mk-lzo-d31.flat", "-F -l -d 31", "lzo", true },
		{ "mk-d0.kdump", "-d 0", "uncompressed", false },
	};
	for (size_t i = 0; i < 3; i++) {
		const char *out = tmpfile_path(v[i].name);
		char cmd[4096];
		unlink(out);
		if (v[i].flat)
			snprintf(cmd, sizeof cmd, "makedumpfile %s %s > %s 2>/dev/null", v[i].args, e64, out);
		else
			snprintf(cmd, sizeof cmd, "makedumpfile %s %s %s >/dev/null 2>&1", v[i].args, e64, out);
		assert_int_equal(system(cmd), 0);
		dk_image *img = open_img(out, NULL);
		printf("  %s: %s\n", v[i].name, dk_image_describe(img));
		assert_non_null(strstr(dk_image_describe(img), v[i].want));
		assert_true((strstr(dk_image_describe(img), "flattened") != NULL) == v[i].flat);
		compare_with_raw(img, 300);
		if (i == 2) /* -d 0 keeps every RAM page: no exclusion note */
			assert_false(has_note(img, "excluded by the dump level"));
		dk_image_close(img);
		unlink(out);
	}
	unlink(e64);
}

/* ------------------- snappy and zstd: recompress a real dump's pages */


/* Rewrites the uncompressed dump `src` (bytes, len) with every page
 * compressed by `method` (4 snappy, 0x20 zstd); returns the new file. */
static uint8_t *recompress(const uint8_t *src, size_t len, uint32_t method, size_t *outlen)
{
	uint32_t bs = rd32(src + 0x1ac), sub = rd32(src + 0x1b0), bmb = rd32(src + 0x1b4);
	uint64_t bm2 = (1 + (uint64_t)sub) * bs + (uint64_t)bmb / 2 * bs;
	uint64_t pd = (1 + (uint64_t)sub + bmb) * bs;
	uint64_t nd = 0;
	for (uint64_t i = 0; i < (uint64_t)bmb / 2 * bs; i++)
		nd += (uint64_t)__builtin_popcount(src[bm2 + i]);
	uint64_t data0 = pd + nd * 24;
	size_t cap = data0 + nd * (bs * 2 + 64) + 16;
	uint8_t *o = calloc(1, cap);
	assert_non_null(o);
	memcpy(o, src, pd);
	wr32(o + 0x1a8, (rd32(o + 0x1a8) & ~0x27u) | method);
	uint64_t w = data0;
	size_t zbound = ZSTD_compressBound(bs), sbound = snappy_max_compressed_length(bs);
	uint8_t *tmp = malloc(zbound > sbound ? zbound : sbound);
	assert_non_null(tmp);
	for (uint64_t i = 0; i < nd; i++) {
		const uint8_t *d = src + pd + i * 24;
		assert_int_equal(rd32(d + 12), 0);
		assert_true(rd64(d) + bs <= len);
		const uint8_t *page = src + rd64(d);
		size_t clen;
		if (method == 4) {
			clen = sbound;
			assert_int_equal(snappy_compress((const char *)page, bs, (char *)tmp, &clen), SNAPPY_OK);
		} else {
			clen = ZSTD_compress(tmp, zbound, page, bs, 1);
			assert_false(ZSTD_isError(clen));
		}
		uint8_t *nd_ = o + pd + i * 24;
		wr64(nd_, w);
		wr32(nd_ + 8, (uint32_t)clen);
		wr32(nd_ + 12, method);
		wr64(nd_ + 16, rd64(d + 16));
		memcpy(o + w, tmp, clen);
		w += clen;
	}
	free(tmp);
	*outlen = w;
	(void)len;
	return o;
}

static void check_recompressed(uint32_t method, const char *want)
{
	const char *nc = sample("linux-96M.mkd-nocomp-d31.kdump");
	NEED(nc);
	FILE *f = fopen(nc, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size_t len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *src = malloc(len);
	assert_non_null(src);
	assert_int_equal(fread(src, 1, len, f), len);
	fclose(f);
	size_t olen;
	uint8_t *out = recompress(src, len, method, &olen);
	dk_image *a = NULL, *b = NULL;
	dk_error err;
	assert_int_equal(open_mem(src, len, NULL, &a, &err), DK_OK);
	assert_int_equal(open_mem(out, olen, NULL, &b, &err), DK_OK);
	printf("  %s (%zu bytes from %zu)\n", dk_image_describe(b), olen, len);
	assert_non_null(strstr(dk_image_describe(b), want));
	compare_all_pages(a, b); /* every page */
	dk_image_close(a);
	dk_image_close(b);
	/* a damaged stream names the PFN, page_desc index and offset */
	uint32_t bs = rd32(out + 0x1ac), sub = rd32(out + 0x1b0), bmb = rd32(out + 0x1b4);
	uint64_t pd = (1 + (uint64_t)sub + bmb) * bs;
	uint64_t off = rd64(out + pd + 5 * 24);
	uint32_t csz = rd32(out + pd + 5 * 24 + 8);
	memset(out + off, 0xA5, csz);
	assert_int_equal(open_mem(out, olen, NULL, &b, &err), DK_OK);
	runs r;
	get_runs(b, &r);
	uint64_t pfn5 = 0, k = 5;
	for (size_t i = 0; i < r.n; i++) {
		if (k < r.v[i].count) {
			pfn5 = r.v[i].base_pfn + k;
			break;
		}
		k -= r.v[i].count;
	}
	uint8_t pg[PS];
	const dk_physmem *pm = dk_image_physmem(b);
	assert_int_equal(pm->ops->read_pages(pm->ctx, pfn5, 1, pg, &err), DK_E_FORMAT);
	printf("  damaged: %s\n", err.message);
	assert_non_null(strstr(err.message, "page_desc[5]"));
	char pfnhex[32];
	snprintf(pfnhex, sizeof pfnhex, "PFN 0x%" PRIx64, pfn5);
	assert_non_null(strstr(err.message, pfnhex));
	dk_image_close(b);
	free(out);
	free(src);
}

static void test_snappy(void **s) { (void)s; check_recompressed(4, "snappy"); }
static void test_zstd(void **s) { (void)s; check_recompressed(0x20, "zstd"); }


/* A sparse bitmap over 2^24 PFNs: runs across 64 KiB bitmap windows and
 * 4096-PFN rank blocks, the last PFN, and page tags checked. */
static void test_sparse_bitmap(void **s)
{
	(void)s;
	const uint64_t mapnr = 1ull << 24, win = 524288;
	const uint64_t pfns[] = { 3, 4096 * 5 + 7, 4096 * 5 + 8, 4096 * 5 + 9, 4096 * 6 - 1, 4096 * 6,
		                  win * 3 - 1, win * 3, win * 3 + 1, mapnr - 1 };
	const size_t np = sizeof pfns / sizeof *pfns;
	const uint32_t bs = PS;
	uint64_t half = mapnr / 8, pd = (1 + 1) * (uint64_t)bs + 2 * half;
	uint64_t data = pd + np * 24;
	size_t len = (size_t)(data + np * bs);
	uint8_t *b = calloc(1, len);
	assert_non_null(b);
	memcpy(b, "KDUMP   ", 8);
	wr32(b + 8, 6);
	wr32(b + 0x1ac, bs);
	wr32(b + 0x1b0, 1);
	wr32(b + 0x1b4, (uint32_t)(2 * half / bs));
	wr64(b + bs + 96, mapnr);
	for (size_t i = 0; i < np; i++) {
		b[2 * bs + pfns[i] / 8] |= (uint8_t)(1u << (pfns[i] % 8));         /* bitmap1 */
		b[2 * bs + half + pfns[i] / 8] |= (uint8_t)(1u << (pfns[i] % 8));  /* bitmap2 */
		wr64(b + pd + i * 24, data + i * bs);
		wr32(b + pd + i * 24 + 8, bs);
		memcpy(b + data + i * bs, "SPARSEPG", 8);
		wr64(b + data + i * bs + 8, pfns[i]);
	}
	dk_image *img;
	dk_error err;
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_OK);
	const dk_physmem *pm = dk_image_physmem(img);
	assert_int_equal(pm->present_pages, np);
	assert_int_equal(pm->end_pfn, mapnr);
	runs r;
	get_runs(img, &r);
	assert_int_equal(r.n, 5);
	static const uint64_t want[5][2] = { { 3, 1 }, { 4096 * 5 + 7, 3 }, { 4096 * 6 - 1, 2 },
		                             { 524288 * 3 - 1, 3 }, { (1ull << 24) - 1, 1 } };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(r.v[i].base_pfn, want[i][0]);
		assert_int_equal(r.v[i].count, want[i][1]);
	}
	/* a run asked for from its middle is clipped */
	dk_run one;
	assert_true(dk_physmem_next_run(pm, 4096 * 5 + 8, &one));
	assert_int_equal(one.base_pfn, 4096 * 5 + 8);
	assert_int_equal(one.count, 2);
	assert_false(dk_physmem_next_run(pm, mapnr, &one));
	uint8_t pg[4 * PS];
	for (size_t i = 0; i < np; i++) {
		read_page(img, pfns[i], pg);
		assert_memory_equal(pg, "SPARSEPG", 8);
		assert_int_equal(rd64(pg + 8), pfns[i]);
	}
	static const uint64_t absent[] = { 0, 2, 4, 4096 * 5 + 6, 4096 * 5 + 10, 524288 * 3 + 2,
		                           (1ull << 24) - 2, 1ull << 24 };
	for (size_t i = 0; i < sizeof absent / sizeof *absent; i++)
		assert_false(dk_physmem_present(pm, absent[i]));
	/* three consecutive pages across a bitmap window in one call */
	assert_int_equal(pm->ops->read_pages(pm->ctx, win * 3 - 1, 3, pg, &err), DK_OK);
	for (int k = 0; k < 3; k++)
		assert_int_equal(rd64(pg + k * PS + 8), win * 3 - 1 + (uint64_t)k);
	assert_int_equal(pm->ops->read_pages(pm->ctx, win * 3 - 1, 4, pg, &err), DK_E_RANGE);
	dk_image_close(img);
	free(b);
}

/* -------------------------------------------- damaged diskdump files */

static uint8_t *load(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

/* Opens and reads every page; returns how many reads failed (or -1 if the
 * open failed).  Errors must carry a message. */
static long exercise(const uint8_t *data, size_t len, const char *fmt)
{
	dk_image *img = NULL;
	dk_error err;
	dk_status st = open_mem(data, len, fmt, &img, &err);
	if (st != DK_OK) {
		assert_null(img);
		assert_true(strlen(err.message) > 10);
		return -1;
	}
	const dk_physmem *pm = dk_image_physmem(img);
	long bad = 0;
	uint8_t pg[PS];
	dk_run r;
	uint64_t pfn = 0, reads = 0;
	while (dk_physmem_next_run(pm, pfn, &r) && reads < 40000) {
		for (uint64_t p = r.base_pfn; p < r.base_pfn + r.count && reads < 40000; p++, reads++)
			if (pm->ops->read_pages(pm->ctx, p, 1, pg, &err) != DK_OK) {
				assert_true(strlen(err.message) > 10);
				bad++;
			}
		pfn = r.base_pfn + r.count;
	}
	dk_image_close(img);
	return bad;
}

static void test_damaged_diskdump(void **s)
{
	(void)s;
	const char *p = sample("nodisk-64M.kdump-zlib.reassembled");
	NEED(p);
	size_t len;
	uint8_t *orig = load(p, &len);
	uint8_t *b = malloc(len);
	assert_non_null(b);
	assert_int_equal(exercise(orig, len, NULL), 0);
	/* truncations */
	static const size_t cuts[] = { 0, 8, 0x100, 0x1d0, 0x1000, 0x1800, 0x2000, 0x3000 };
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
		assert_int_equal(exercise(orig, cuts[i], "diskdump"), -1);
	for (size_t cut = 0x4000; cut < len; cut += len / 13)
		(void)exercise(orig, cut, "diskdump");
	assert_true(exercise(orig, len - 1, "diskdump") != 0);

	uint32_t bs = rd32(orig + 0x1ac), sub = rd32(orig + 0x1b0), bmb = rd32(orig + 0x1b4);
	uint64_t pd = (1 + (uint64_t)sub + bmb) * bs;
	dk_image *img;
	dk_error err;
	uint8_t pg[PS];
	/* page_desc[0] offset past EOF */
	memcpy(b, orig, len);
	wr64(b + pd, (uint64_t)len + 0x1000);
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_OK);
	dk_run r;
	const dk_physmem *pm = dk_image_physmem(img);
	assert_true(dk_physmem_next_run(pm, 0, &r));
	assert_int_equal(pm->ops->read_pages(pm->ctx, r.base_pfn, 1, pg, &err), DK_E_TRUNCATED);
	printf("  %s\n", err.message);
	assert_non_null(strstr(err.message, "page_desc[0]"));
	dk_image_close(img);
	/* page 0 decompressing to a short page (zlib of 100 bytes appended) */
	uint8_t *big = malloc(len + 4096);
	assert_non_null(big);
	memcpy(big, orig, len);
	uint8_t src[100] = { 1, 2, 3 };
	uLongf zl = 4096;
	assert_int_equal(compress(big + len, &zl, src, sizeof src), Z_OK);
	wr64(big + pd, len);
	wr32(big + pd + 8, (uint32_t)zl);
	wr32(big + pd + 12, 1);
	assert_int_equal(open_mem(big, len + zl, NULL, &img, &err), DK_OK);
	pm = dk_image_physmem(img);
	assert_int_equal(pm->ops->read_pages(pm->ctx, r.base_pfn, 1, pg, &err), DK_E_FORMAT);
	printf("  %s\n", err.message);
	assert_non_null(strstr(err.message, "decompress to 100 bytes, expected 4096"));
	dk_image_close(img);
	free(big);
	/* lying size and method fields */
	memcpy(b, orig, len);
	wr32(b + pd + 8, 3 * bs);
	assert_true(exercise(b, len, NULL) > 0);
	memcpy(b, orig, len);
	wr32(b + pd + 12, 3);
	assert_true(exercise(b, len, NULL) > 0);
	/* lying header counts */
	memcpy(b, orig, len);
	wr64(b + bs + 96, UINT64_MAX / 2); /* max_mapnr_64 */
	assert_int_equal(exercise(b, len, NULL), -1);
	memcpy(b, orig, len);
	wr32(b + 0x1b4, 0x7ffffffe); /* bitmap_blocks */
	assert_int_equal(exercise(b, len, NULL), -1);
	memcpy(b, orig, len);
	wr32(b + 0x1ac, 3); /* block_size */
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_E_FORMAT);
	printf("  %s\n", err.message);
	assert_non_null(strstr(err.message, "block_size"));
	/* bitmap2 claims every page: page_desc[] would run past the end */
	memcpy(b, orig, len);
	memset(b + pd - (uint64_t)bmb / 2 * bs, 0xff, (size_t)bmb / 2 * bs);
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_E_TRUNCATED);
	printf("  %s\n", err.message);
	/* random byte damage in the metadata and the data: never a crash */
	for (int i = 0; i < 300; i++) {
		memcpy(b, orig, len);
		size_t lim = i % 2 ? len : (size_t)pd + 4096;
		for (int k = 0; k < 8; k++)
			b[rnd() % lim] = (uint8_t)rnd();
		(void)exercise(b, len, NULL);
	}
	free(b);
	free(orig);
}

/* A flattened stream of `data` in records of `rec` bytes, in reverse order. */
static uint8_t *flatten(const uint8_t *data, size_t len, size_t rec, size_t *outlen)
{
	size_t nrec = (len + rec - 1) / rec;
	size_t cap = 0x1000 + nrec * (16 + rec) + 16;
	uint8_t *o = calloc(1, cap);
	assert_non_null(o);
	memcpy(o, "makedumpfile", 12);
	o[23] = 1;
	o[31] = 1;
	size_t w = 0x1000;
	for (size_t i = nrec; i-- > 0;) {
		uint64_t off = i * rec, sz = len - off < rec ? len - off : rec;
		for (int k = 0; k < 8; k++) {
			o[w + k] = (uint8_t)(off >> (56 - 8 * k));
			o[w + 8 + k] = (uint8_t)(sz >> (56 - 8 * k));
		}
		memcpy(o + w + 16, data + off, sz);
		w += 16 + sz;
	}
	memset(o + w, 0xff, 16);
	*outlen = w + 16;
	return o;
}

static void test_damaged_flat(void **s)
{
	(void)s;
	const char *p = sample("nodisk-64M.kdump-zlib.reassembled");
	NEED(p);
	size_t len, flen;
	uint8_t *orig = load(p, &len);
	uint8_t *f = flatten(orig, len, 1000, &flen);
	dk_image *a, *b;
	dk_error err;
	/* reversed, odd-sized records read the same as the plain file */
	assert_int_equal(open_mem(orig, len, NULL, &a, &err), DK_OK);
	assert_int_equal(open_mem(f, flen, NULL, &b, &err), DK_OK);
	assert_non_null(strstr(dk_image_describe(b), "flattened"));
	compare_all_pages(a, b);
	dk_image_close(a);
	dk_image_close(b);
	/* no end marker: opens, with a note */
	assert_int_equal(open_mem(f, flen - 16, NULL, &b, &err), DK_OK);
	assert_true(has_note(b, "no end marker"));
	dk_image_close(b);
	/* a record cut short */
	assert_int_equal(open_mem(f, flen - 100, NULL, &b, &err), DK_E_TRUNCATED);
	printf("  %s\n", err.message);
	/* overlapping records: the second record's offset moved back by 1 */
	uint8_t *g = malloc(flen);
	assert_non_null(g);
	memcpy(g, f, flen);
	/* the first record written is the last 1000-byte piece */
	uint64_t first_sz = len - ((len + 999) / 1000 - 1) * 1000;
	size_t r2 = 0x1000 + 16 + (size_t)first_sz; /* second record header */
	g[r2 + 7] = (uint8_t)(g[r2 + 7] + 1);
	assert_int_equal(open_mem(g, flen, NULL, &b, &err), DK_E_FORMAT);
	printf("  %s\n", err.message);
	assert_non_null(strstr(err.message, "overlaps"));
	/* negative size, size past the end */
	memcpy(g, f, flen);
	g[0x1000 + 8] = 0x80;
	assert_int_equal(open_mem(g, flen, NULL, &b, &err), DK_E_FORMAT);
	memcpy(g, f, flen);
	g[0x1000 + 10] = 0x7f;
	assert_int_equal(open_mem(g, flen, NULL, &b, &err), DK_E_TRUNCATED);
	/* wrong type / version */
	memcpy(g, f, flen);
	g[23] = 2;
	assert_int_equal(open_mem(g, flen, "diskdump", &b, &err), DK_E_UNSUPPORTED);
	/* random damage in record headers: never a crash */
	for (int i = 0; i < 200; i++) {
		memcpy(g, f, flen);
		for (int k = 0; k < 4; k++) {
			size_t rec = rnd() % 50;
			size_t at = 0x1000 + rec * 1016 + rnd() % 16;
			if (at < flen)
				g[at] = (uint8_t)rnd();
		}
		(void)exercise(g, flen, "diskdump");
	}
	free(g);
	free(f);
	free(orig);
}

/* ---------------------------------------------------- synthetic Xen */

typedef struct xen_spec {
	uint64_t magic;
	const uint64_t *pfns;
	size_t n;
	bool p2m;
	bool swap_sections;  /* put .xen_pfn before .xen_pages in the table */
	bool no_header_note;
	uint64_t version;
} xen_spec;

/* Builds a small xc_core: each page i is filled with the byte (i+1) and
 * starts with its table entry. */
static uint8_t *build_xen(const xen_spec *s, size_t *outlen)
{
	static const char strtab[] = "\0.shstrtab\0.note.Xen\0.xen_prstatus\0.xen_pages\0.xen_p2m\0.xen_pfn";
	const uint32_t n_shstr = 1, n_note = 11, n_prs = 21, n_pages = 35, n_p2m = 46, n_pfn = 55;
	size_t shnum = 6, esz = s->p2m ? 16 : 8;
	size_t note_len = 3 * (12 + 4) + 32 + 8, prs_len = 5168;
	size_t off_shdr = 64, off_str = off_shdr + shnum * 64, off_note = off_str + sizeof strtab;
	off_note = (off_note + 7) & ~(size_t)7;
	size_t off_prs = off_note + note_len, off_pages = (off_prs + prs_len + 4095) & ~(size_t)4095;
	size_t off_tab = off_pages + s->n * PS, total = off_tab + s->n * esz;
	uint8_t *b = calloc(1, total);
	assert_non_null(b);
	memcpy(b, "\177ELF\2\1\1", 7);
	b[16] = 4;
	b[18] = 62;
	b[20] = 1;
	wr64(b + 40, off_shdr);
	b[52] = 64;
	b[58] = 64;
	b[60] = (uint8_t)shnum;
	b[62] = 1;
	memcpy(b + off_str, strtab, sizeof strtab);
	struct { uint32_t name, type; size_t off, size; } sec[6] = {
		{ 0, 0, 0, 0 },
		{ n_shstr, 3, off_str, sizeof strtab },
		{ n_note, 7, off_note, note_len },
		{ n_prs, 1, off_prs, prs_len },
		{ n_pages, 1, off_pages, s->n * PS },
		{ s->p2m ? n_p2m : n_pfn, 1, off_tab, s->n * esz },
	};
	if (s->swap_sections) {
		__typeof__(sec[0]) t = sec[4];
		sec[4] = sec[5];
		sec[5] = t;
	}
	for (size_t i = 0; i < shnum; i++) {
		uint8_t *h = b + off_shdr + i * 64;
		wr32(h, sec[i].name);
		wr32(h + 4, sec[i].type);
		wr64(h + 24, sec[i].off);
		wr64(h + 32, sec[i].size);
	}
	uint8_t *nt = b + off_note;
	/* NONE, HEADER, FORMAT_VERSION */
	wr32(nt, 4); wr32(nt + 4, 0); wr32(nt + 8, 0x2000000); memcpy(nt + 12, "Xen", 4);
	nt += 16;
	wr32(nt, 4); wr32(nt + 4, 32); wr32(nt + 8, s->no_header_note ? 0x2000009 : 0x2000001);
	memcpy(nt + 12, "Xen", 4);
	wr64(nt + 16, s->magic); wr64(nt + 24, 1); wr64(nt + 32, s->n); wr64(nt + 40, PS);
	nt += 48;
	wr32(nt, 4); wr32(nt + 4, 8); wr32(nt + 8, 0x2000003); memcpy(nt + 12, "Xen", 4);
	wr64(nt + 16, s->version);
	/* vCPU 0: rip, cr3 */
	wr64(b + off_prs + 0x208 + 128, 0xfffff80012345678ull);
	wr64(b + off_prs + 0x1378 + 24, 0x1ab000);
	for (size_t i = 0; i < s->n; i++) {
		memset(b + off_pages + i * PS, (int)(i + 1), PS);
		wr64(b + off_pages + i * PS, s->pfns[i]);
		wr64(b + off_tab + i * esz, s->pfns[i]);
		if (s->p2m)
			wr64(b + off_tab + i * esz + 8, s->pfns[i] + 0x1000);
	}
	*outlen = total;
	return b;
}

static void test_xen_synthetic(void **s)
{
	(void)s;
	const uint64_t INV = UINT64_MAX;
	const uint64_t pfns[] = { 0x10, 0x11, 0x12, INV, 0x5, 0x6, 0x13, 0x100, INV, 0x0 };
	xen_spec sp = { 0xF00FEBEE, pfns, 10, false, false, false, 1 };
	size_t len;
	uint8_t *b = build_xen(&sp, &len);
	dk_image *img;
	dk_error err;
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_OK);
	assert_string_equal(dk_image_format(img), "xen");
	printf("  %s\n", dk_image_describe(img));
	assert_non_null(strstr(dk_image_describe(img), "10 entries, 2 padding, 1 vCPU"));
	runs r;
	get_runs(img, &r);
	assert_int_equal(r.pages, 8);
	/* runs {0}, {5,6}, {0x10..0x13}, {0x100} */
	assert_int_equal(r.n, 4);
	assert_int_equal(r.v[0].base_pfn, 0);
	assert_int_equal(r.v[1].base_pfn, 5);
	assert_int_equal(r.v[1].count, 2);
	assert_int_equal(r.v[2].base_pfn, 0x10);
	assert_int_equal(r.v[2].count, 4);
	assert_int_equal(r.v[3].base_pfn, 0x100);
	for (size_t i = 0; i < 10; i++) {
		if (pfns[i] == INV)
			continue;
		uint8_t pg[PS];
		read_page(img, pfns[i], pg);
		assert_int_equal(rd64(pg), pfns[i]);
		assert_int_equal(pg[100], (uint8_t)(i + 1));
	}
	assert_int_equal(dk_image_cpu_state(img, 0)->cr3, 0x1ab000);
	assert_int_equal(dk_image_cpu_state(img, 0)->rip, 0xfffff80012345678ull);
	dk_image_close(img);
	free(b);

	/* sections in another order, PV p2m: found by name; cr3 translated */
	/* (build_xen sets gmfn = pfn + 0x1000) */
	const uint64_t pv2[4] = { 0, 1, 2, 3 };
	xen_spec sp2 = { 0xF00FEBED, pv2, 4, true, true, false, 1 };
	b = build_xen(&sp2, &len);
	/* point vCPU 0's cr3 at MFN 0x1002 (PFN 2) */
	uint64_t prs = 0;
	for (size_t i = 0; i < 6; i++)
		if (rd32(b + 64 + i * 64) == 21)
			prs = rd64(b + 64 + i * 64 + 24);
	wr64(b + prs + 0x1378 + 24, 0x1002000);
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_OK);
	printf("  %s\n", dk_image_describe(img));
	assert_non_null(strstr(dk_image_describe(img), "PV (.xen_p2m)"));
	assert_int_equal(dk_image_cpu_state(img, 0)->cr3, 2 * PS);
	assert_true(has_note(img, "MFN 0x1002"));
	dk_image_close(img);
	free(b);

	/* duplicate PFN */
	const uint64_t dup[] = { 1, 2, 3, 2 };
	xen_spec sp3 = { 0xF00FEBEE, dup, 4, false, false, false, 1 };
	b = build_xen(&sp3, &len);
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_E_FORMAT);
	printf("  %s\n", err.message);
	assert_non_null(strstr(err.message, "listed twice"));
	free(b);

	/* no header note; unsupported format version */
	xen_spec sp4 = { 0xF00FEBEE, pv2, 4, false, false, true, 1 };
	b = build_xen(&sp4, &len);
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_E_FORMAT);
	assert_non_null(strstr(err.message, "0x2000001"));
	free(b);
	xen_spec sp5 = { 0xF00FEBEE, pv2, 4, false, false, false, 0x200000001ull };
	b = build_xen(&sp5, &len);
	assert_int_equal(open_mem(b, len, NULL, &img, &err), DK_E_UNSUPPORTED);
	free(b);

	/* truncated and damaged: errors, never crashes */
	b = build_xen(&sp, &len);
	assert_int_equal(open_mem(b, len - 1, NULL, &img, &err), DK_E_TRUNCATED);
	printf("  %s\n", err.message);
	uint8_t *c = malloc(len);
	assert_non_null(c);
	for (int i = 0; i < 2000; i++) {
		memcpy(c, b, len);
		for (int k = 0; k < 4; k++) {
			size_t at = i % 2 ? rnd() % 0x300 : rnd() % len;
			c[at] = (uint8_t)rnd();
		}
		(void)exercise(c, len, "xen");
	}
	for (size_t cut = 0; cut < len; cut += 97)
		(void)exercise(b, cut, "xen");
	free(c);
	free(b);

	/* the pre-ELF dump-core */
	uint8_t old[64] = { 0 };
	wr32(old, 0xF00FEBED);
	wr32(old + 4, 1);
	assert_int_equal(open_mem(old, sizeof old, NULL, &img, &err), DK_E_UNSUPPORTED);
	printf("  %s\n", err.message);
	assert_non_null(strstr(err.message, "pre-ELF"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_known),
		cmocka_unit_test(test_flat_vs_reassembled),
		cmocka_unit_test(test_mkd_vs_raw),
		cmocka_unit_test(test_xen_pvh_paused),
		cmocka_unit_test(test_xen_pv),
		cmocka_unit_test(test_xen_fakewin_tags),
		cmocka_unit_test(test_kdf_lzo),
		cmocka_unit_test(test_kdf_nocomp),
		cmocka_unit_test(test_kdf_qemu),
		cmocka_unit_test(test_kdf_xen_pv),
		cmocka_unit_test(test_kdf_xen_pvh),
		cmocka_unit_test(test_kdf_xen_fakewin),
		cmocka_unit_test(test_probe_py),
		cmocka_unit_test(test_makedumpfile_fresh),
		cmocka_unit_test(test_snappy),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_sparse_bitmap),
		cmocka_unit_test(test_damaged_diskdump),
		cmocka_unit_test(test_damaged_flat),
		cmocka_unit_test(test_xen_synthetic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
