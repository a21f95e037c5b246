/* dmpkit tests — raw, ELF, LiME and AVML readers on the real samples
 * (../shared/corpus/images, unpacked by the image_samples fixture): runs,
 * CPU state and VMCOREINFO as readelf shows them; pages cross-checked
 * between the ELF dump, the pmemsave raw image and the LiME image of the
 * same VM, against tools/probe.py (SHA-1 of a page), and through AVML
 * files, a raw --map file and a real makedumpfile -E file made from them.
 * Each test skips when its sample (or python3, makedumpfile) is absent.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "ia_util.h"
#include "image_internal.h"

#ifndef SAMPLES_DIR
#error "SAMPLES_DIR must be defined"
#endif

static const char *sample(const char *name)
{
	static char bufs[4][1024];
	static unsigned slot;
	char *b = bufs[slot++ % 4];
	snprintf(b, sizeof bufs[0], "%s/%s", SAMPLES_DIR, name);
	if (access(b, R_OK) != 0) {
		print_message("SKIP: sample %s is absent\n", b);
		return NULL;
	}
	return b;
}

static const char *tmp_path(const char *name)
{
	static char bufs[4][1024];
	static unsigned slot;
	if (mkdir(TEST_TMPDIR, 0777) != 0 && errno != EEXIST)
		fail_msg("cannot create %s", TEST_TMPDIR);
	char *b = bufs[slot++ % 4];
	snprintf(b, sizeof bufs[0], "%s/%s", TEST_TMPDIR, name);
	return b;
}

static dk_image *open_file(const char *path, const char *format, const char *map)
{
	dk_image_options o;
	memset(&o, 0, sizeof o);
	o.format = format;
	o.map = map;
	dk_image *img = NULL;
	dk_error err;
	if (dk_image_open(path, &o, &img, &err) != DK_OK)
		fail_msg("%s: %s", path, err.message);
	return img;
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool have_tool(const char *cmd)
{
	char buf[256];
	snprintf(buf, sizeof buf, "command -v %s >/dev/null 2>&1", cmd);
	return system(buf) == 0;
}

/* ---- single samples ---- */

static void test_raw_pmemsave(void **state)
{
	(void)state;
	const char *p = sample("qemu-pmemsave-linux-96M.raw");
	if (!p)
		skip();
	dk_image *img = open_file(p, NULL, NULL);
	assert_string_equal(dk_image_format(img), "raw");
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 1);
	assert_int_equal(r[0].base_pfn, 0);
	assert_int_equal(r[0].count, 0x6000);
	dk_image_close(img);
}

static void test_lime_sample(void **state)
{
	(void)state;
	const char *p = sample("linux-96M.lime");
	if (!p)
		skip();
	dk_image *img = open_file(p, NULL, NULL);
	assert_string_equal(dk_image_format(img), "lime");
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 2);
	/* 0x1000-0x9FBFF and 0x100000-0x5FDFFFF (inclusive) */
	assert_int_equal(r[0].base_pfn, 1);
	assert_int_equal(r[0].count, 0x9f);
	assert_int_equal(r[1].base_pfn, 0x100);
	assert_int_equal(r[1].count, 0x5ee0);
	/* page 0x9F: 0xC00 bytes from the file (right after the first header
	 * at 0x20 + 0x9E000), the rest zeros */
	uint8_t page[4096], file[0xc00];
	assert_int_equal(ia_page(img, 0x9f, page), DK_OK);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0x20 + 0x9e000, SEEK_SET), 0);
	assert_int_equal(fread(file, 1, sizeof file, f), sizeof file);
	fclose(f);
	assert_memory_equal(page, file, sizeof file);
	assert_true(is_zero(page + 0xc00, 0x400));
	assert_int_equal(ia_page(img, 0xa0, page), DK_E_RANGE);
	dk_image_close(img);
}

static void test_elf_linux(void **state)
{
	(void)state;
	const char *p = sample("linux-96M.elf");
	if (!p)
		skip();
	dk_image *img = open_file(p, NULL, NULL);
	assert_string_equal(dk_image_format(img), "elf");
	const char *d = dk_image_describe(img);
	assert_non_null(strstr(d, "ELF64 core (QEMU dump-guest-memory, EM_X86_64), 2 PT_LOAD"));
	assert_non_null(strstr(d, "VMCOREINFO 0xcd1 bytes"));
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 2);
	assert_int_equal(r[0].base_pfn, 0);
	assert_int_equal(r[0].count, 0x6000);
	assert_int_equal(r[1].base_pfn, 0xfffc0);
	assert_int_equal(r[1].count, 0x40);
	assert_int_equal(dk_image_cpu_count(img), 1);
	const dk_image_cpu *c = dk_image_cpu_state(img, 0);
	/* readelf -n: QEMU note rip at +0x88 = ffffffffaf0592eb, cr[3] at
	 * +0x1a0 = 0x1f1e000, cr0 0x80050033, cr4 0x751ef0; NT_PRSTATUS
	 * rsp ffffffffb0003e98 */
	assert_int_equal(c->rip, 0xffffffffaf0592ebull);
	assert_int_equal(c->cr3, 0x1f1e000);
	assert_int_equal(c->cr0, 0x80050033);
	assert_int_equal(c->cr4, 0x751ef0);
	assert_int_equal(c->gpr[4], 0xffffffffb0003e98ull);
	assert_int_equal(c->cs, 0x10);
	assert_int_equal(c->bits, 64);
	size_t vl;
	const uint8_t *v = dk_image_vmcoreinfo(img, &vl);
	assert_int_equal(vl, 0xcd1);
	assert_memory_equal(v, "OSRELEASE=6.1.0-56-amd64\n", 25);
	dk_image_close(img);
}

static void test_elf_nodisk(void **state)
{
	(void)state;
	const char *p = sample("nodisk-64M.elf");
	if (!p)
		skip();
	dk_image *img = open_file(p, NULL, NULL);
	assert_non_null(strstr(dk_image_describe(img), "ELF64 core (QEMU dump-guest-memory, EM_386)"));
	dk_run r[4];
	assert_int_equal(ia_runs(img, r, 4), 2);
	assert_int_equal(r[0].count, 0x4000);
	assert_int_equal(r[1].base_pfn, 0xfffc0);
	assert_int_equal(dk_image_cpu_count(img), 1);
	const dk_image_cpu *c = dk_image_cpu_state(img, 0);
	assert_int_equal(c->bits, 32); /* NT_PRSTATUS 0x90, i386 layout */
	assert_int_equal(c->cs, 0xf000); /* SeaBIOS */
	assert_true(c->have & DK_CPU_HAVE_CR3);
	size_t vl;
	assert_null(dk_image_vmcoreinfo(img, &vl));
	/* the reset vector page of the BIOS ROM is readable at 0xFFFFF000 */
	uint8_t page[4096];
	assert_int_equal(ia_page(img, 0xfffff, page), DK_OK);
	assert_false(is_zero(page, 4096));
	dk_image_close(img);
}

static void test_elf_fakewin(void **state)
{
	(void)state;
	const char *p64 = sample("fakewin64-64M.elf"), *p32 = sample("fakewin32-64M.elf");
	if (!p64 && !p32)
		skip();
	size_t vl;
	if (p64) {
		dk_image *img = open_file(p64, "elf", NULL);
		const uint8_t *v = dk_image_vmcoreinfo(img, &vl);
		assert_non_null(v);
		assert_int_equal(vl, 0x2000);
		assert_memory_equal(v, "PAGEDU64", 8);
		assert_non_null(strstr(dk_image_describe(img), "VMCOREINFO 0x2000 bytes"));
		dk_image_close(img);
	}
	if (p32) {
		dk_image *img = open_file(p32, NULL, NULL);
		const uint8_t *v = dk_image_vmcoreinfo(img, &vl);
		assert_non_null(v);
		assert_int_equal(vl, 0x1000);
		assert_memory_equal(v, "PAGEDUMP", 8);
		dk_image_close(img);
	}
}

static void test_elf_probe_rejects_xen(void **state)
{
	(void)state;
	const char *p = sample("xen-pvh-paused.core");
	if (!p)
		p = sample("xen-pv-running.core");
	if (!p)
		skip();
	uint8_t head[DK_IMAGE_PROBE_BYTES];
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	size_t n = fread(head, 1, sizeof head, f);
	fclose(f);
	assert_int_equal(dk_reader_elf.probe(head, n, n), 0);
}

/* ---- cross-checks ---- */

static void test_cross_elf_raw_lime(void **state)
{
	(void)state;
	const char *pe = sample("linux-96M.elf"), *pr = sample("qemu-pmemsave-linux-96M.raw");
	const char *pl = sample("linux-96M.lime");
	if (!pe || !pr)
		skip();
	dk_image *elf = open_file(pe, NULL, NULL), *raw = open_file(pr, NULL, NULL);
	dk_image *lime = pl ? open_file(pl, NULL, NULL) : NULL;
	uint8_t a[4096], b[4096], c[4096];
	uint64_t seed = 42;
	unsigned lime_same = 0, lime_total = 0;
	for (int i = 0; i < 256; i++) {
		uint64_t pfn = lcg(&seed) % 0x6000;
		assert_int_equal(ia_page(elf, pfn, a), DK_OK);
		assert_int_equal(ia_page(raw, pfn, b), DK_OK);
		if (memcmp(a, b, 4096) != 0)
			fail_msg("page 0x%" PRIx64 " differs between the ELF and the raw image", pfn);
		if (lime && dk_physmem_present(dk_image_physmem(lime), pfn)) {
			assert_int_equal(ia_page(lime, pfn, c), DK_OK);
			lime_total++;
			lime_same += memcmp(a, c, 4096) == 0;
		}
	}
	if (lime) {
		/* LiME ran inside the guest shortly before the VM was stopped:
		 * most pages are unchanged, a misplaced offset would match none */
		print_message("LiME vs ELF: %u of %u pages identical\n", lime_same, lime_total);
		assert_true(lime_total > 200);
		assert_true(lime_same * 10 >= lime_total * 7);
		dk_image_close(lime);
	}
	dk_image_close(elf);
	dk_image_close(raw);
}

/* SHA-1 of our page (sha1sum on a temp file) against probe.py --page. */
static void sha_check(const dk_image *img, const char *path, uint64_t pa)
{
	uint8_t page[4096];
	assert_int_equal(ia_page(img, pa >> 12, page), DK_OK);
	const char *tmp = tmp_path("page.bin");
	FILE *f = fopen(tmp, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(page, 1, 4096, f), 4096);
	fclose(f);
	char cmd[2048], ours[128] = "", theirs[256] = "";
	snprintf(cmd, sizeof cmd, "sha1sum '%s'", tmp);
	FILE *pp = popen(cmd, "r");
	assert_non_null(pp);
	assert_non_null(fgets(ours, sizeof ours, pp));
	pclose(pp);
	ours[40] = 0;
	snprintf(cmd, sizeof cmd, "python3 '%s' '%s' --page 0x%" PRIx64 " | tail -n 1", PROBE_PY,
	         path, pa);
	pp = popen(cmd, "r");
	assert_non_null(pp);
	assert_non_null(fgets(theirs, sizeof theirs, pp));
	pclose(pp);
	if (!strstr(theirs, ours))
		fail_msg("%s page 0x%" PRIx64 ": ours %s, probe.py says %s", path, pa, ours, theirs);
}

static void test_probe_py(void **state)
{
	(void)state;
	const char *pe = sample("linux-96M.elf"), *pl = sample("linux-96M.lime");
	if ((!pe && !pl) || access(PROBE_PY, R_OK) != 0 || !have_tool("python3") ||
	    !have_tool("sha1sum")) {
		print_message("SKIP: needs the samples, %s, python3 and sha1sum\n", PROBE_PY);
		skip();
	}
	if (pe) {
		dk_image *img = open_file(pe, NULL, NULL);
		sha_check(img, pe, 0x1000);
		sha_check(img, pe, 0x1f1e000); /* the page directory */
		sha_check(img, pe, 0x5fff000);
		sha_check(img, pe, 0xfffff000);
		dk_image_close(img);
	}
	if (pl) {
		dk_image *img = open_file(pl, NULL, NULL);
		sha_check(img, pl, 0x1000);
		sha_check(img, pl, 0x100000);
		sha_check(img, pl, 0x3000000);
		dk_image_close(img);
	}
}

/* Reads the LiME sample's ranges (header offsets by hand, for building
 * derived files). */
typedef struct lime_rng {
	uint64_t s, e, off;
} lime_rng;

static size_t lime_ranges(const char *path, lime_rng *v, size_t max)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = 0;
	uint64_t off = 0;
	uint8_t h[32];
	while (n < max && fseek(f, (long)off, SEEK_SET) == 0 && fread(h, 1, 32, f) == 32) {
		uint64_t s = 0, e = 0;
		for (int i = 0; i < 8; i++) {
			s |= (uint64_t)h[8 + i] << (8 * i);
			e |= (uint64_t)h[16 + i] << (8 * i);
		}
		v[n].s = s;
		v[n].e = e;
		v[n].off = off + 32;
		n++;
		off += 32 + (e - s + 1);
	}
	fclose(f);
	return n;
}

static uint8_t *read_at(const char *path, uint64_t off, size_t n)
{
	uint8_t *p = malloc(n);
	assert_non_null(p);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
	assert_int_equal(fread(p, 1, n, f), n);
	fclose(f);
	return p;
}

static void write_file(const char *path, const ia_buf *b)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->p, 1, b->n, f), b->n);
	assert_int_equal(fclose(f), 0);
}

/* Every present page of `a` equals the same page of `b`, runs equal. */
static void same_pages(dk_image *a, dk_image *b)
{
	dk_run ra[16], rb[16];
	size_t na = ia_runs(a, ra, 16);
	assert_int_equal(na, ia_runs(b, rb, 16));
	assert_memory_equal(ra, rb, na * sizeof *ra);
	uint8_t *x = malloc(64 * 4096), *y = malloc(64 * 4096);
	assert_non_null(x);
	assert_non_null(y);
	dk_error err;
	for (size_t i = 0; i < na; i++) {
		for (uint64_t pfn = ra[i].base_pfn; pfn < ra[i].base_pfn + ra[i].count; pfn += 64) {
			uint64_t n = ra[i].base_pfn + ra[i].count - pfn;
			if (n > 64)
				n = 64;
			assert_int_equal(dk_physmem_read(dk_image_physmem(a), pfn * 4096, x, n * 4096, &err),
			                 DK_OK);
			assert_int_equal(dk_physmem_read(dk_image_physmem(b), pfn * 4096, y, n * 4096, &err),
			                 DK_OK);
			if (memcmp(x, y, n * 4096) != 0)
				fail_msg("pages 0x%" PRIx64 "+0x%" PRIx64 " differ", pfn, n);
		}
	}
	free(x);
	free(y);
}

/* AVML v1 and v2 files made from the LiME sample, v2 split into 16 MiB
 * blocks as AVML writes them; every page must equal the LiME reader's. */
static void test_avml_from_lime(void **state)
{
	(void)state;
	const char *pl = sample("linux-96M.lime");
	if (!pl)
		skip();
	lime_rng rg[8];
	size_t nr = lime_ranges(pl, rg, 8);
	assert_int_equal(nr, 2);
	ia_buf v2 = { 0 }, v1 = { 0 };
	for (size_t i = 0; i < nr; i++) {
		size_t len = (size_t)(rg[i].e - rg[i].s + 1);
		uint8_t *data = read_at(pl, rg[i].off, len);
		ia_lime_hdr(&v1, 0x4C4D5641, 1, rg[i].s, rg[i].e);
		ia_put(&v1, data, len);
		for (size_t off = 0; off < len; off += 16u << 20) {
			size_t n = len - off < (16u << 20) ? len - off : (16u << 20);
			ia_lime_hdr(&v2, 0x4C4D5641, 2, rg[i].s + off, rg[i].s + off + n - 1);
			size_t slen = ia_snappy_frame(&v2, data + off, n);
			ia_put64(&v2, slen);
		}
		free(data);
	}
	const char *f1 = tmp_path("linux-96M.avml1"), *f2 = tmp_path("linux-96M.avml2");
	write_file(f1, &v1);
	write_file(f2, &v2);
	print_message("AVML v2 made from the LiME sample: 0x%zx bytes\n", v2.n);
	free(v1.p);
	free(v2.p);
	dk_image *lime = open_file(pl, NULL, NULL);
	dk_image *a1 = open_file(f1, NULL, NULL), *a2 = open_file(f2, NULL, NULL);
	assert_string_equal(dk_image_format(a2), "avml");
	assert_non_null(strstr(dk_image_describe(a2), "AVML v2"));
	same_pages(lime, a1);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	same_pages(lime, a2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("read and compared all %" PRIu64 " AVML v2 pages in %.2f s\n",
	              dk_image_physmem(a2)->present_pages,
	              (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* random access, backwards */
	uint8_t x[4096], y[4096];
	for (uint64_t pfn = 0x5fdf; pfn >= 0x100; pfn -= 0x1f3) {
		assert_int_equal(ia_page(lime, pfn, x), DK_OK);
		assert_int_equal(ia_page(a2, pfn, y), DK_OK);
		assert_memory_equal(x, y, 4096);
	}
	dk_image_close(a1);
	dk_image_close(a2);
	dk_image_close(lime);
	unlink(f1);
	unlink(f2);
}

/* LiME compress=1 made from the LiME sample (zlib, windowBits 11 as the
 * kernel module writes it): every page equals the plain LiME's. */
static void test_lime_zlib_from_lime(void **state)
{
	(void)state;
	const char *pl = sample("linux-96M.lime");
	if (!pl)
		skip();
	struct stat sb;
	assert_int_equal(stat(pl, &sb), 0);
	uint8_t *d = read_at(pl, 0, (size_t)sb.st_size);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	assert_int_equal(deflateInit2(&zs, 1, Z_DEFLATED, 11, 8, Z_DEFAULT_STRATEGY), Z_OK);
	ia_buf z = { 0 };
	ia_reserve(&z, deflateBound(&zs, (uLong)sb.st_size));
	zs.next_in = d;
	zs.avail_in = (uInt)sb.st_size;
	zs.next_out = z.p;
	zs.avail_out = (uInt)z.cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	z.n = zs.total_out;
	deflateEnd(&zs);
	free(d);
	const char *fz = tmp_path("linux-96M.lime.zlib");
	write_file(fz, &z);
	free(z.p);
	dk_image *lime = open_file(pl, NULL, NULL), *zl = open_file(fz, NULL, NULL);
	assert_non_null(strstr(dk_image_describe(zl), "compress=1"));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	same_pages(lime, zl);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("LiME compress=1: all pages compared in %.2f s\n",
	              (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	uint8_t x[4096], y[4096];
	uint64_t seed = 7;
	for (int i = 0; i < 64; i++) { /* random access */
		uint64_t pfn = 0x100 + lcg(&seed) % 0x5ee0;
		assert_int_equal(ia_page(lime, pfn, x), DK_OK);
		assert_int_equal(ia_page(zl, pfn, y), DK_OK);
		assert_memory_equal(x, y, 4096);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	print_message("64 random pages in %.2f s\n",
	              (double)(t0.tv_sec - t1.tv_sec) + (double)(t0.tv_nsec - t1.tv_nsec) / 1e9);
	dk_image_close(zl);
	dk_image_close(lime);
	unlink(fz);
}

/* LiME format=raw equivalent (ranges back to back) opened with a map. */
static void test_raw_map_from_lime(void **state)
{
	(void)state;
	const char *pl = sample("linux-96M.lime");
	if (!pl)
		skip();
	lime_rng rg[8];
	size_t nr = lime_ranges(pl, rg, 8);
	assert_int_equal(nr, 2);
	ia_buf b = { 0 };
	for (size_t i = 0; i < nr; i++) {
		size_t len = (size_t)(rg[i].e - rg[i].s + 1);
		uint8_t *data = read_at(pl, rg[i].off, len);
		ia_put(&b, data, len);
		free(data);
	}
	const char *fr = tmp_path("linux-96M.lime-raw");
	write_file(fr, &b);
	free(b.p);
	dk_image *lime = open_file(pl, NULL, NULL);
	dk_image *raw = open_file(fr, "raw", "0x1000-0x9FBFF,0x100000-0x5fdffff");
	same_pages(lime, raw);
	/* the same with START+LEN */
	dk_image_close(raw);
	raw = open_file(fr, "raw", "0x1000+0x9ec00, 0x100000+0x5ee0000");
	same_pages(lime, raw);
	dk_image_close(raw);
	dk_image_options o;
	memset(&o, 0, sizeof o);
	o.format = "raw";
	o.map = "0x1000-0x9FBFF,0x100000-0x5ffffff";
	dk_error err;
	dk_image *bad = NULL;
	assert_int_equal(dk_image_open(fr, &o, &bad, &err), DK_E_FORMAT);
	assert_non_null(strstr(err.message, "0x5f7ec00")); /* the file's size */
	assert_non_null(strstr(err.message, "0x5f9ec00")); /* the map's total */
	dk_image_close(lime);
	unlink(fr);
}

/* A real makedumpfile -E -d 31 file made from the QEMU ELF (phdrs moved
 * to offset 64 first, input-formats.md §11.1): every page equals the
 * ELF's page or is zeros (filtered), and some pages are filtered. */
static void test_makedumpfile_E(void **state)
{
	(void)state;
	const char *pe = sample("linux-96M.elf");
	if (!pe || !have_tool("makedumpfile")) {
		print_message("SKIP: needs linux-96M.elf and makedumpfile\n");
		skip();
	}
	const char *in = tmp_path("mkd-in.elf"), *out = tmp_path("mkd-out.elf");
	/* copy with the phdr table moved to 64 and the section table dropped */
	FILE *src = fopen(pe, "rb"), *dst = fopen(in, "wb");
	assert_non_null(src);
	assert_non_null(dst);
	uint8_t *buf = malloc(1 << 20);
	assert_non_null(buf);
	size_t got, total = 0;
	while ((got = fread(buf, 1, 1 << 20, src)) > 0) {
		if (total == 0) {
			ia_buf h = { buf, got, 1 << 20 };
			uint64_t phoff = 0;
			for (int i = 0; i < 8; i++)
				phoff |= (uint64_t)buf[32 + i] << (8 * i);
			uint16_t phnum = (uint16_t)(buf[56] | buf[57] << 8);
			assert_true(phoff + phnum * 56u <= 0x168);
			memmove(buf + 64, buf + phoff, phnum * 56u);
			ia_w64(&h, 32, 64);
			ia_w64(&h, 40, 0);
			ia_w16(&h, 52, 64);
			ia_w16(&h, 60, 0);
			ia_w16(&h, 62, 0);
		}
		assert_int_equal(fwrite(buf, 1, got, dst), got);
		total += got;
	}
	fclose(src);
	assert_int_equal(fclose(dst), 0);
	free(buf);
	char cmd[4096];
	unlink(out);
	snprintf(cmd, sizeof cmd, "makedumpfile -E -d 31 '%s' '%s' >/dev/null 2>&1", in, out);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	unlink(in);
	dk_image *elf = open_file(pe, NULL, NULL), *mkd = open_file(out, NULL, NULL);
	assert_non_null(strstr(dk_image_describe(mkd), "makedumpfile -E"));
	assert_true(ia_has_note(mkd, "p_filesz < p_memsz"));
	assert_int_equal(dk_image_cpu_state(mkd, 0)->cr3, dk_image_cpu_state(elf, 0)->cr3);
	dk_run r[4];
	assert_int_equal(ia_runs(mkd, r, 4), 2);
	assert_int_equal(r[0].count, 0x6000);
	unsigned same = 0, zeroed = 0;
	uint8_t a[4096], b[4096];
	for (uint64_t pfn = 0; pfn < 0x6000; pfn++) {
		assert_int_equal(ia_page(elf, pfn, a), DK_OK);
		assert_int_equal(ia_page(mkd, pfn, b), DK_OK);
		if (memcmp(a, b, 4096) == 0)
			same++;
		else if (is_zero(b, 4096))
			zeroed++;
		else
			fail_msg("page 0x%" PRIx64 " of the makedumpfile -E file is neither the "
			         "original nor zeros", pfn);
	}
	print_message("makedumpfile -E: %u pages as in the ELF, %u filtered to zeros\n", same,
	              zeroed);
	assert_true(zeroed > 100);
	assert_true(same > 1000);
	dk_image_close(elf);
	dk_image_close(mkd);
	unlink(out);
}

/* The real samples cut short: the error names the structure and sizes. */
static void test_truncated_samples(void **state)
{
	(void)state;
	const char *pe = sample("linux-96M.elf"), *pl = sample("linux-96M.lime");
	if (!pe && !pl)
		skip();
	if (pe) {
		uint8_t *d = read_at(pe, 0, 0x10000);
		ia_open_fails(d, 0x10000, "elf", NULL, DK_E_FORMAT,
		              "Elf64_Phdr[1] (PT_LOAD, paddr 0x0) p_offset 0x1184 + p_filesz "
		              "0x6000000 runs past the file's end (0x10000)");
		ia_open_fails(d, 0x200, "elf", NULL, DK_E_FORMAT, "PT_NOTE");
		ia_open_fails(d, 0x100, "elf", NULL, DK_E_FORMAT, "Elf64_Phdr table");
		free(d);
	}
	if (pl) {
		uint8_t *d = read_at(pl, 0, 0x100000);
		ia_open_fails(d, 0x100000, "lime", NULL, DK_E_TRUNCATED,
		              "LiME range at file offset 0x9ec20 (physical 0x100000-0x5fdffff)");
		ia_open_fails(d, 0x9ec30, "lime", NULL, DK_E_TRUNCATED,
		              "range header at file offset 0x9ec20 is cut");
		free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_pmemsave),
		cmocka_unit_test(test_lime_sample),
		cmocka_unit_test(test_elf_linux),
		cmocka_unit_test(test_elf_nodisk),
		cmocka_unit_test(test_elf_fakewin),
		cmocka_unit_test(test_elf_probe_rejects_xen),
		cmocka_unit_test(test_cross_elf_raw_lime),
		cmocka_unit_test(test_probe_py),
		cmocka_unit_test(test_avml_from_lime),
		cmocka_unit_test(test_raw_map_from_lime),
		cmocka_unit_test(test_lime_zlib_from_lime),
		cmocka_unit_test(test_makedumpfile_E),
		cmocka_unit_test(test_truncated_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
