/* dmpkit tests — the VMware reader on synthetic checkpoints built from the
 * real QEMU pmemsave image (96 MiB, PA == offset).
 *
 * Every page the reader returns is compared with the raw image's page at
 * the same physical address, read with pread (not through dmpkit), and the
 * pages the regions leave out must be absent.  The containers come from
 * ckpt_writer.h: our reading of the layout, checked against itself (see
 * there).  crash (Debian 8.0.2, built with VMware's vmware_vmss.c) is used
 * as an independent parser when installed: `crash -d1` prints the tags it
 * reads from the .vmss before it needs a kernel, and the regions it prints
 * must be the ones written.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
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

#include <dmpkit/image.h>

#include "ckpt_writer.h"

#define PAGE 4096u
#define RAW_PAGES 0x6000u /* 96 MiB */

static const char *raw_path(void) { return SAMPLES_DIR "/qemu-pmemsave-linux-96M.raw"; }

static char tmp_path_buf[8][512];
static const char *tmp(int slot, const char *name)
{
	snprintf(tmp_path_buf[slot], sizeof tmp_path_buf[slot], "%s/%s", TEST_TMPDIR, name);
	return tmp_path_buf[slot];
}

static int raw_fd = -1;

static void need_raw(void)
{
	if (raw_fd < 0)
		raw_fd = open(raw_path(), O_RDONLY);
	if (raw_fd < 0) {
		print_message("skipping: %s is absent\n", raw_path());
		skip();
	}
}

static void raw_page(uint64_t pfn, uint8_t *buf)
{
	assert_int_equal(pread(raw_fd, buf, PAGE, (off_t)(pfn * PAGE)), PAGE);
}

/* The typical split: below-1MiB RAM minus the last page, the rest from 1 MiB. */
static const ck_region split[2] = { { 0, 0, 0x9F }, { 0x100, 0x9F, 0x5F00 } };

/* Writes the RAM bytes the regions describe (pages squeezed together) to fd. */
static void write_squeezed(int fd, const ck_region *r, size_t n)
{
	uint8_t *buf = malloc(256 * PAGE);
	assert_non_null(buf);
	for (size_t i = 0; i < n; i++) {
		for (uint64_t done = 0; done < r[i].size;) {
			uint64_t k = r[i].size - done < 256 ? r[i].size - done : 256;
			assert_int_equal(pread(raw_fd, buf, k * PAGE, (off_t)((r[i].ppn + done) * PAGE)),
			                 (ssize_t)(k * PAGE));
			assert_int_equal(pwrite(fd, buf, k * PAGE, (off_t)((r[i].pagenum + done) * PAGE)),
			                 (ssize_t)(k * PAGE));
			done += k;
		}
	}
	free(buf);
}

static uint64_t squeezed_bytes(const ck_region *r, size_t n)
{
	uint64_t end = 0;
	for (size_t i = 0; i < n; i++)
		if ((uint64_t)r[i].pagenum + r[i].size > end)
			end = (uint64_t)r[i].pagenum + r[i].size;
	return end * PAGE;
}

/* Writes a checkpoint; when embedded, the RAM comes from the regions (or,
 * with no regions, the raw image's first mem_nbytes bytes). */
static void write_checkpoint(const char *path, const ck_spec *s)
{
	ck_buf pre = { 0 }, post = { 0 };
	ck_build(s, &pre, &post);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pre.p, pre.n), (ssize_t)pre.n);
	if (s->embed) {
		/* squeezed pages written at offsets relative to the block data */
		int dfd = fd;
		off_t base = (off_t)pre.n;
		uint8_t *buf = malloc(256 * PAGE);
		assert_non_null(buf);
		if (s->nregions) {
			for (size_t i = 0; i < s->nregions; i++)
				for (uint64_t done = 0; done < s->regions[i].size;) {
					uint64_t k = s->regions[i].size - done < 256 ? s->regions[i].size - done : 256;
					uint64_t src = (s->regions[i].ppn + done) * PAGE;
					uint64_t dst = (s->regions[i].pagenum + done) * PAGE;
					assert_int_equal(pread(raw_fd, buf, k * PAGE, (off_t)src), (ssize_t)(k * PAGE));
					assert_int_equal(pwrite(dfd, buf, k * PAGE, base + (off_t)dst),
					                 (ssize_t)(k * PAGE));
					done += k;
				}
		} else {
			for (uint64_t done = 0; done < s->mem_nbytes;) {
				uint64_t k = s->mem_nbytes - done < 256 * PAGE ? s->mem_nbytes - done : 256 * PAGE;
				assert_int_equal(pread(raw_fd, buf, k, (off_t)done), (ssize_t)k);
				assert_int_equal(pwrite(dfd, buf, k, base + (off_t)done), (ssize_t)k);
				done += k;
			}
		}
		free(buf);
		assert_int_equal(pwrite(fd, post.p, post.n, base + (off_t)s->mem_nbytes),
		                 (ssize_t)post.n);
	}
	close(fd);
	free(pre.p);
	free(post.p);
}

static void write_vmem(const char *path, const ck_region *r, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	write_squeezed(fd, r, n);
	close(fd);
}

static dk_image *open_ok(const char *path, const char *companion)
{
	dk_image_options o = { 0 };
	o.companion = companion;
	dk_image *img = NULL;
	dk_error err;
	dk_status st = dk_image_open(path, &o, &img, &err);
	if (st != DK_OK)
		fail_msg("%s: %s", path, err.message);
	assert_string_equal(dk_image_format(img), "vmware");
	return img;
}

/* Every present page equals the raw page at its address; exactly the
 * pages of the regions (PPN-based) are present. */
static void check_pages(dk_image *img, const ck_region *r, size_t n, uint64_t linear_pages)
{
	const dk_physmem *pm = dk_image_physmem(img);
	assert_int_equal(pm->page_size, PAGE);
	uint64_t want_present = linear_pages;
	for (size_t i = 0; i < n; i++)
		want_present += r[i].size;
	assert_int_equal(pm->present_pages, want_present);
	uint8_t a[PAGE], b[PAGE];
	uint64_t seen = 0;
	dk_run run;
	for (uint64_t pfn = 0; dk_physmem_next_run(pm, pfn, &run); pfn = run.base_pfn + run.count) {
		for (uint64_t p = run.base_pfn; p < run.base_pfn + run.count; p++) {
			bool inside = p < linear_pages;
			for (size_t i = 0; i < n; i++)
				inside = inside || (p >= r[i].ppn && p < (uint64_t)r[i].ppn + r[i].size);
			if (!inside)
				fail_msg("page 0x%llx is present but no region maps it", (unsigned long long)p);
			dk_error err;
			if (pm->ops->read_pages(pm->ctx, p, 1, a, &err) != DK_OK)
				fail_msg("page 0x%llx: %s", (unsigned long long)p, err.message);
			raw_page(p, b);
			if (memcmp(a, b, PAGE) != 0)
				fail_msg("page 0x%llx differs from the raw image", (unsigned long long)p);
			seen++;
		}
	}
	assert_int_equal(seen, want_present);
}

static void check_cpus(dk_image *img)
{
	assert_int_equal(dk_image_cpu_count(img), 2);
	const dk_image_cpu *c0 = dk_image_cpu_state(img, 0), *c1 = dk_image_cpu_state(img, 1);
	assert_int_equal(c0->cr3, CK_CR3(0));
	assert_int_equal(c0->cr0, CK_CR0);
	assert_int_equal(c0->cr4, CK_CR4);
	assert_true(c0->have & DK_CPU_HAVE_CR3);
	assert_true(c0->have & DK_CPU_HAVE_CRS);
	assert_true(c0->have & DK_CPU_HAVE_GPRS);
	assert_int_equal(c0->bits, 0); /* the checkpoint does not say */
	assert_true(c0->have & DK_CPU_HAVE_DTRS);
	assert_int_equal(c0->gdt_base, 0xfffff80003cd5000ull);
	assert_int_equal(c0->idt_base, 0xfffff80003cd5080ull);
	assert_int_equal(c0->gdt_limit, 127);
	assert_int_equal(c0->idt_limit, 4095);
	for (unsigned g = 0; g < 16; g++)
		assert_int_equal(c0->gpr[g], CK_GPR(g));
	assert_int_equal(c0->rip, CK_RIP);
	assert_int_equal(c0->rflags, 0x246);
	assert_int_equal(c1->cr3, CK_CR3(1));
	assert_int_equal(c1->cr0, CK_CR0);
	assert_int_equal(c1->cr4, CK_CR4);
	assert_true(c1->have & DK_CPU_HAVE_CR3);
	assert_false(c1->have & DK_CPU_HAVE_GPRS);
	assert_false(c1->have & DK_CPU_HAVE_DTRS);
}

static bool has_note(dk_image *img, const char *needle)
{
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		if (strstr(dk_image_note(img, i), needle))
			return true;
	return false;
}

/* (1) .vmss + .vmem with the PCI-style hole squeezed out: opened as the
 * .vmss (finds the .vmem), as the .vmem (finds the .vmss) and as a .vmem
 * named differently with --companion pointing at a .vmsn. */
static void test_vmss_with_vmem(void **state)
{
	(void)state;
	need_raw();
	ck_spec s = { .magic = 0xBED2BED2u, .regions = split, .nregions = 2, .write_count = true,
		      .count = 2, .cpus = true };
	const char *vmss = tmp(0, "guest.vmss"), *vmem = tmp(1, "guest.vmem");
	write_checkpoint(vmss, &s);
	write_vmem(vmem, split, 2);

	dk_image *img = open_ok(vmss, NULL);
	check_pages(img, split, 2, 0);
	check_cpus(img);
	assert_true(strstr(dk_image_describe(img), "2 regions") != NULL);
	dk_image_close(img);

	/* the .vmem: format forced (raw bytes cannot be probed) */
	dk_image_options o = { .format = "vmware" };
	dk_error err;
	img = NULL;
	assert_int_equal(dk_image_open(vmem, &o, &img, &err), DK_OK);
	check_pages(img, split, 2, 0);
	check_cpus(img);
	dk_image_close(img);

	/* a .vmem with a different name and an explicit companion .vmsn */
	const char *vmsn = tmp(2, "other-Snapshot1.vmsn"), *mem2 = tmp(3, "ram.bin");
	s.magic = 0xBAD1BAD1u;
	write_checkpoint(vmsn, &s);
	assert_int_equal(rename(vmem, mem2), 0);
	o.companion = vmsn;
	assert_int_equal(dk_image_open(mem2, &o, &img, &err), DK_OK);
	check_pages(img, split, 2, 0);
	dk_image_close(img);

	/* the .vmss alone, its .vmem gone: a clear error naming the file */
	img = NULL;
	assert_int_not_equal(dk_image_open(vmss, NULL, &img, &err), DK_OK);
	assert_null(img);
	assert_non_null(strstr(err.message, "guest.vmem"));

	/* the .vmss with --companion naming the RAM file */
	o.format = NULL;
	o.companion = mem2;
	assert_int_equal(dk_image_open(vmss, &o, &img, &err), DK_OK);
	check_pages(img, split, 2, 0);
	dk_image_close(img);

	/* a .vmem shorter than its last region: that region is cut, noted */
	assert_int_equal(truncate(mem2, (off_t)(squeezed_bytes(split, 2) - 5 * PAGE - 100)), 0);
	assert_int_equal(dk_image_open(vmss, &o, &img, &err), DK_OK);
	ck_region cut[2] = { split[0], split[1] };
	cut[1].size -= 6;
	check_pages(img, cut, 2, 0);
	assert_true(has_note(img, "truncated"));
	dk_image_close(img);
	/* ... and shorter than the first region needs: an error naming it */
	assert_int_equal(truncate(mem2, 0x50 * PAGE), 0);
	assert_int_not_equal(dk_image_open(vmss, &o, &img, &err), DK_OK);
	assert_non_null(strstr(err.message, "region 1"));
	unlink(vmss);
	unlink(vmsn);
	unlink(mem2);
}

/* (2) RAM embedded in the "Memory" block with padding; (3) the same with
 * the 32-bit-era magic and u32 block sizes. */
static void embedded(uint32_t magic, uint16_t pad, const char *name)
{
	need_raw();
	ck_spec s = { .magic = magic, .regions = split, .nregions = 2, .write_count = true,
		      .count = 2, .embed = true, .mem_nbytes = squeezed_bytes(split, 2),
		      .padsize = pad, .cpus = true };
	const char *p = tmp(0, name);
	write_checkpoint(p, &s);
	dk_image *img = open_ok(p, NULL);
	check_pages(img, split, 2, 0);
	check_cpus(img);
	assert_non_null(strstr(dk_image_describe(img), "Memory"));
	dk_image_close(img);
	unlink(p);
}

static void test_embedded_padded(void **state)
{
	(void)state;
	embedded(0xBED2BED2u, 0x123, "esx.vmss");
}

static void test_embedded_32bit_magic(void **state)
{
	(void)state;
	embedded(0xBED2BED0u, 7, "old.vmsn");
	embedded(0xBED0BED0u, 0, "older.vmsn");
}

/* (4) regionsCount 0: linear, both embedded and as a .vmem pair; and a
 * .vmem with no checkpoint at all. */
static void test_linear(void **state)
{
	(void)state;
	need_raw();
	const uint64_t pages = 0x1000; /* 16 MiB */
	ck_spec s = { .magic = 0xBED3BED3u, .write_count = true, .count = 0, .embed = true,
		      .mem_nbytes = pages * PAGE, .padsize = 1 };
	const char *p = tmp(0, "lin.vmss");
	write_checkpoint(p, &s);
	dk_image *img = open_ok(p, NULL);
	check_pages(img, NULL, 0, pages);
	assert_true(has_note(img, "regionsCount is 0"));
	dk_image_close(img);

	/* .vmss without a Memory block + .vmem, no regionsCount tag at all */
	ck_spec t = { .magic = 0xBAD2BAD2u };
	write_checkpoint(p, &t);
	ck_region whole = { 0, 0, (uint32_t)pages };
	const char *vmem = tmp(1, "lin.vmem");
	write_vmem(vmem, &whole, 1);
	img = open_ok(p, NULL);
	check_pages(img, NULL, 0, pages);
	assert_true(has_note(img, "no regionsCount"));
	dk_image_close(img);
	unlink(p);

	/* the .vmem alone: linear, said so */
	dk_image_options o = { .format = "vmware" };
	dk_error err;
	assert_int_equal(dk_image_open(vmem, &o, &img, &err), DK_OK);
	check_pages(img, NULL, 0, pages);
	assert_non_null(strstr(dk_image_describe(img), "without its checkpoint"));
	dk_image_close(img);
	/* a companion that is no checkpoint */
	o.companion = raw_path();
	img = NULL;
	assert_int_equal(dk_image_open(vmem, &o, &img, &err), DK_E_FORMAT);
	assert_null(img);
	assert_non_null(strstr(err.message, "not a VMware checkpoint"));
	unlink(vmem);
	/* over 3 GiB without a checkpoint: the layout is unknown (sparse file) */
	const char *big = tmp(2, "big.vmem");
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(truncate(big, (off_t)(3ull << 30) + PAGE), 0);
	o.companion = NULL;
	assert_int_equal(dk_image_open(big, &o, &img, &err), DK_E_FORMAT);
	assert_non_null(strstr(err.message, "--companion"));
	unlink(big);
}

/* ---- damaged and unsupported containers, in memory ---- */

static uint8_t small_ram[8 * PAGE];

static uint8_t *build_small(const ck_spec *s, size_t *size)
{
	ck_buf pre = { 0 }, post = { 0 };
	ck_build(s, &pre, &post);
	if (s->embed)
		ck_put(&pre, small_ram, (size_t)s->mem_nbytes);
	ck_put(&pre, post.p, post.n);
	free(post.p);
	*size = pre.n;
	return pre.p;
}

static dk_status open_mem(const uint8_t *d, size_t n, dk_error *err)
{
	dk_image_options o = { .format = "vmware" };
	dk_image *img = NULL;
	dk_status st = dk_image_open_memory(d, n, "bad.vmss", &o, &img, err);
	if (st == DK_OK) {
		/* read what is there; must not crash */
		const dk_physmem *pm = dk_image_physmem(img);
		uint8_t page[PAGE];
		dk_run run;
		for (uint64_t pfn = 0; dk_physmem_next_run(pm, pfn, &run); pfn = run.base_pfn + run.count)
			for (uint64_t k = 0; k < run.count && k < 16; k++)
				pm->ops->read_pages(pm->ctx, run.base_pfn + k, 1, page, err);
		dk_image_close(img);
	} else {
		assert_null(img);
	}
	return st;
}

static void expect_err(const uint8_t *d, size_t n, dk_status want, const char *needle)
{
	dk_error err;
	dk_status st = open_mem(d, n, &err);
	if (st != want)
		fail_msg("status %d, expected %d (%s)", st, want, st ? err.message : "opened");
	if (needle && !strstr(err.message, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

/* With DMPKIT_VMW_SEED_DIR set, writes the fuzz seeds (small containers
 * of every shape) there: fuzz/fuzz_image_vmware. */
static void write_seeds(void)
{
	const char *dir = getenv("DMPKIT_VMW_SEED_DIR");
	if (!dir || !*dir)
		return;
	static const ck_region r[2] = { { 0x10, 2, 3 }, { 0, 0, 2 } };
	const ck_spec specs[] = {
		{ .magic = 0xBED2BED2u, .regions = r, .nregions = 2, .write_count = true, .count = 2,
		  .embed = true, .mem_nbytes = 5 * PAGE, .padsize = 4, .cpus = true },
		{ .magic = 0xBED2BED0u, .regions = r, .nregions = 2, .write_count = true, .count = 2,
		  .embed = true, .mem_nbytes = 5 * PAGE, .padsize = 1, .cpus = true },
		{ .magic = 0xBAD1BAD1u, .write_count = true, .count = 0, .embed = true,
		  .mem_nbytes = 3 * PAGE },
		{ .magic = 0xBED3BED3u, .regions = r, .nregions = 2, .write_count = true, .count = 2,
		  .embed = true, .compressed = true, .mem_nbytes = 2 * PAGE },
		{ .magic = 0xBED2BED2u, .regions = r, .nregions = 2, .write_count = true, .count = 2,
		  .cpus = true },
	};
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		size_t n;
		uint8_t *d = build_small(&specs[i], &n);
		char path[1024];
		snprintf(path, sizeof path, "%s/vmware-%zu.vmss", dir, i);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(d, 1, n, f), n);
		fclose(f);
		free(d);
	}
}

static void test_small_ok_and_probe(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof small_ram; i++)
		small_ram[i] = (uint8_t)(i * 7 + i / PAGE);
	static const ck_region r[2] = { { 0x10, 2, 3 }, { 0, 0, 2 } };
	ck_spec s = { .magic = 0xBED2BED2u, .regions = r, .nregions = 2, .write_count = true,
		      .count = 2, .embed = true, .mem_nbytes = 5 * PAGE, .padsize = 9 };
	size_t n;
	uint8_t *d = build_small(&s, &n);
	write_seeds();
	dk_image *img = NULL;
	dk_error err;
	/* probed by content */
	assert_int_equal(dk_image_open_memory(d, n, "x", NULL, &img, &err), DK_OK);
	assert_string_equal(dk_image_format(img), "vmware");
	const dk_physmem *pm = dk_image_physmem(img);
	assert_int_equal(pm->present_pages, 5);
	assert_int_equal(pm->end_pfn, 0x13);
	uint8_t page[PAGE];
	assert_int_equal(dk_physmem_read(pm, 0x11 * PAGE, page, PAGE, &err), DK_OK);
	assert_memory_equal(page, small_ram + 3 * PAGE, PAGE);
	assert_int_equal(dk_physmem_read(pm, 1 * PAGE, page, PAGE, &err), DK_OK);
	assert_memory_equal(page, small_ram + 1 * PAGE, PAGE);
	assert_false(dk_physmem_present(pm, 2));
	dk_image_close(img);
	free(d);
}

static void test_damaged(void **state)
{
	(void)state;
	static const ck_region r[2] = { { 0x10, 2, 3 }, { 0, 0, 2 } };
	ck_spec s = { .magic = 0xBED2BED2u, .regions = r, .nregions = 2, .write_count = true,
		      .count = 2, .embed = true, .mem_nbytes = 5 * PAGE, .padsize = 4, .cpus = true };
	size_t n;
	uint8_t *d = build_small(&s, &n);
	assert_int_equal(open_mem(d, n, &(dk_error){ 0 }), DK_OK);

	/* every truncation that keeps the magic fails cleanly (the memory
	 * group, last in the file, then ends past the file's end); fewer than
	 * 4 bytes are no checkpoint, so the forced reader takes them as a
	 * (tiny, linear) .vmem */
	for (size_t cut = 4; cut < n; cut += (cut < 2000 ? 1 : 997)) {
		dk_error err;
		assert_int_not_equal(open_mem(d, cut, &err), DK_OK);
	}
	/* truncated tag list: the memory group's size says less than its tags;
	 * a tag name running past the group's end */
	{
		uint8_t *c = malloc(n);
		memcpy(c, d, n);
		/* group table entry 1 (memory): position at 12 + 80 + 64, size at + 72 */
		uint64_t pos = 0, sz = 40;
		memcpy(&pos, c + 12 + 80 + 64, 8);
		memcpy(c + 12 + 80 + 72, &sz, 8);
		expect_err(c, n, DK_E_FORMAT, "group's end");
		sz = 30;
		memcpy(c + 12 + 80 + 72, &sz, 8);
		c[pos + 1] = 0xFF;
		expect_err(c, n, DK_E_FORMAT, "group's end");
		/* no terminating tag before the group's end */
		memcpy(c, d, n);
		sz = 16; /* exactly the first tag (align_mask) */
		memcpy(c + 12 + 80 + 72, &sz, 8);
		expect_err(c, n, DK_E_TRUNCATED, "terminating");
		free(c);
	}
	/* huge regionsCount */
	{
		ck_spec t = s;
		t.count = 5000;
		size_t m;
		uint8_t *e = build_small(&t, &m);
		expect_err(e, m, DK_E_UNSUPPORTED, "regionsCount");
		free(e);
		t.count = 3; /* region 2 has no tags */
		e = build_small(&t, &m);
		expect_err(e, m, DK_E_FORMAT, "region 2");
		free(e);
	}
	/* a Memory block whose nbytes runs past the end of the file */
	{
		ck_spec t = s;
		t.cpus = false;
		t.mem_nbytes = 5 * PAGE;
		size_t m;
		uint8_t *e = build_small(&t, &m);
		/* the nbytes field sits right after the tag head "Memory"+2 indices */
		static const uint8_t memtag[] = { 0x3F | 2 << 6, 6, 'M', 'e', 'm', 'o', 'r', 'y' };
		uint8_t *at = NULL;
		for (size_t i = 0; i + sizeof memtag <= m && !at; i++)
			if (memcmp(e + i, memtag, sizeof memtag) == 0)
				at = e + i;
		assert_non_null(at);
		uint64_t big = 0x7000000000ull;
		memcpy(at + sizeof memtag + 8, &big, 8);
		expect_err(e, m, DK_E_FORMAT, "nbytes");
		/* compressed: recognised and refused */
		at[0] = 0x3E | 2 << 6;
		big = 5 * PAGE;
		memcpy(at + sizeof memtag + 8, &big, 8);
		expect_err(e, m, DK_E_UNSUPPORTED, "compressed");
		free(e);
	}
	/* overlapping regions */
	{
		static const ck_region ov[2] = { { 0, 0, 3 }, { 2, 3, 2 } };
		ck_spec t = s;
		t.regions = ov;
		size_t m;
		uint8_t *e = build_small(&t, &m);
		expect_err(e, m, DK_E_FORMAT, "overlaps");
		free(e);
	}
	/* a region past the block that is not the last one */
	{
		static const ck_region past[2] = { { 0, 4, 3 }, { 0x10, 0, 2 } };
		ck_spec t = s;
		t.regions = past;
		size_t m;
		uint8_t *e = build_small(&t, &m);
		dk_error err;
		/* region 0 reaches furthest: cut, noted, opens */
		assert_int_equal(open_mem(e, m, &err), DK_OK);
		free(e);
		static const ck_region past2[3] = { { 0, 3, 3 }, { 0x10, 0, 2 }, { 0x20, 4, 3 } };
		t.regions = past2;
		t.nregions = 3;
		t.count = 3;
		e = build_small(&t, &m);
		expect_err(e, m, DK_E_FORMAT, "region 0");
		free(e);
	}
	/* a checkpoint with no RAM, in memory: no .vmem can be looked for */
	{
		ck_spec t = s;
		t.embed = false;
		size_t m;
		uint8_t *e = build_small(&t, &m);
		expect_err(e, m, DK_E_FORMAT, "--companion");
		free(e);
	}
	/* bad group count, unknown magic */
	{
		uint8_t *c = malloc(n);
		memcpy(c, d, n);
		c[8] = 0xFF;
		c[9] = 0xFF;
		expect_err(c, n, DK_E_FORMAT, "numgroups");
		free(c);
	}
	free(d);
}

/* Random byte flips: never a crash (ASan/UBSan builds catch the rest). */
static void test_flips(void **state)
{
	(void)state;
	static const ck_region r[2] = { { 0x10, 2, 3 }, { 0, 0, 2 } };
	ck_spec s = { .magic = 0xBED2BED2u, .regions = r, .nregions = 2, .write_count = true,
		      .count = 2, .embed = true, .mem_nbytes = 5 * PAGE, .padsize = 4, .cpus = true };
	size_t n;
	uint8_t *d = build_small(&s, &n);
	uint8_t *c = malloc(n);
	uint32_t x = 12345;
	size_t head = n - 5 * PAGE; /* flip only the metadata */
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(c, d, n);
		for (int k = 0; k < 3; k++) {
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % head;
			x = x * 1103515245u + 12345u;
			c[at] ^= (uint8_t)(1u << ((x >> 16) & 7));
		}
		dk_error err;
		open_mem(c, n, &err);
	}
	free(c);
	free(d);
}

/* Runs crash -d1 on `path`; fills out.  crash reads numgroups * 80 group
 * entries of 80 bytes (vmware_vmss.c sizes its read by bytes, not
 * entries), so the files given to it are padded with zeros to 1 MiB. */
static bool crash_parse(const char *path, char *out, size_t size)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "timeout 120 crash -s -d1 /bin/true %s </dev/null 2>&1", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t k = fread(out, 1, size - 1, p);
	out[k] = 0;
	pclose(p);
	return strstr(out, "vmw: Group: memory") != NULL;
}

static void expect_in(const char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("crash output lacks \"%s\":\n%s", want, out);
}

/* The line of crash's output for item `item` ends with `value`. */
static void expect_item(const char *out, const char *item, const char *value)
{
	char key[64];
	snprintf(key, sizeof key, " %s\t=>", item);
	const char *at = strstr(out, key);
	if (!at)
		fail_msg("crash output lacks item %s:\n%s", item, out);
	const char *eol = strchr(at, '\n');
	size_t len = eol ? (size_t)(eol - at) : strlen(at), vl = strlen(value);
	if (len < vl || memcmp(at + len - vl, value, vl) != 0)
		fail_msg("crash prints %.*s, expected the value %s", (int)len, at, value);
}

/* crash as an independent parser of our containers: with -d1 it prints
 * each tag of the memory and cpu groups as it reads them, and the position
 * of the "Memory" block's data after skipping padsize and the pad. */
static void test_crash_cross_check(void **state)
{
	(void)state;
	if (system("command -v crash >/dev/null 2>&1") != 0) {
		print_message("skipping: crash is not installed\n");
		skip();
	}
	static char out[1 << 16];
	/* (a) regions, RAM in a .vmem beside it */
	ck_spec s = { .magic = 0xBED2BED2u, .regions = split, .nregions = 2, .write_count = true,
		      .count = 2 };
	const char *vmss = tmp(0, "crash.vmss"), *vmem = tmp(1, "crash.vmem");
	ck_buf pre = { 0 }, post = { 0 };
	ck_build(&s, &pre, &post);
	static uint8_t zeros[1 << 20];
	ck_put(&pre, zeros, sizeof zeros - pre.n);
	assert_true(pre.n == sizeof zeros);
	FILE *f = fopen(vmss, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pre.p, 1, pre.n, f), pre.n);
	fclose(f);
	f = fopen(vmem, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(zeros, 1, 16 * PAGE, f), 16 * PAGE);
	fclose(f);
	free(pre.p);
	free(post.p);
	if (!crash_parse(vmss, out, sizeof out)) {
		unlink(vmss);
		unlink(vmem);
		print_message("skipping: crash did not parse the container:\n%.800s\n", out);
		skip();
	}
	/* crash prints values as hex, most significant byte first */
	expect_item(out, "regionsCount", ": 00000002");
	expect_item(out, "regionPageNum[0]", ": 00000000");
	expect_item(out, "regionPPN[0]", ": 00000000");
	expect_item(out, "regionSize[0]", ": 0000009F");
	expect_item(out, "regionPageNum[1]", ": 0000009F");
	expect_item(out, "regionPPN[1]", ": 00000100");
	expect_item(out, "regionSize[1]", ": 00005F00");
	/* ... and our reader on the same padded file sees the same regions */
	dk_image_options o = { .format = "vmware" };
	dk_image *img = NULL;
	dk_error err;
	/* the .vmem is only 16 pages: region 1 starts beyond it */
	assert_int_not_equal(dk_image_open(vmss, &o, &img, &err), DK_OK);
	assert_non_null(strstr(err.message, "region 1 (physical 0x100000+0x5f00000)"));
	unlink(vmss);
	unlink(vmem);

	/* (b) RAM embedded behind a 0x123-byte pad, CPU state */
	for (size_t i = 0; i < sizeof small_ram; i++)
		small_ram[i] = (uint8_t)(i * 13 + i / PAGE);
	static const ck_region r[2] = { { 0x10, 2, 3 }, { 0, 0, 2 } };
	ck_spec t = { .magic = 0xBED2BED2u, .regions = r, .nregions = 2, .write_count = true,
		      .count = 2, .embed = true, .mem_nbytes = 5 * PAGE, .padsize = 0x123,
		      .cpus = true };
	ck_buf p2 = { 0 }, q2 = { 0 };
	ck_build(&t, &p2, &q2);
	uint64_t data_at = p2.n;
	ck_put(&p2, small_ram, 5 * PAGE);
	ck_put(&p2, q2.p, q2.n);
	ck_put(&p2, zeros, sizeof zeros - p2.n);
	f = fopen(vmss, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p2.p, 1, p2.n, f), p2.n);
	fclose(f);
	assert_true(crash_parse(vmss, out, sizeof out));
	char want[128];
	snprintf(want, sizeof want, "BLOCK: position=%#llx size=0x5000 memsize=0x5000",
	         (unsigned long long)data_at);
	expect_in(out, want);
	expect_item(out, "CR64[0][3]", ": 00000000001AA000");
	expect_item(out, "rip[0]", ": FFFFF80012345678");
	/* our reader: pages from that same data offset */
	assert_int_equal(dk_image_open(vmss, &o, &img, &err), DK_OK);
	const dk_physmem *pm = dk_image_physmem(img);
	uint8_t page[PAGE];
	assert_int_equal(dk_physmem_read(pm, 0x12 * PAGE, page, PAGE, &err), DK_OK);
	assert_memory_equal(page, p2.p + data_at + 4 * PAGE, PAGE);
	assert_int_equal(dk_image_cpu_state(img, 0)->cr3, CK_CR3(0));
	dk_image_close(img);
	unlink(vmss);
	free(p2.p);
	free(q2.p);
}

int main(void)
{
	mkdir(TEST_TMPDIR, 0755);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_ok_and_probe),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_flips),
		cmocka_unit_test(test_vmss_with_vmem),
		cmocka_unit_test(test_embedded_padded),
		cmocka_unit_test(test_embedded_32bit_magic),
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_crash_cross_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
