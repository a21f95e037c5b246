/* libFuzzer target: the raw image reader, with and without a physical map.
 *
 * The first byte chooses the map: < 0x40 none (padded raw); < 0x80 the
 * next (byte & 0x3f) bytes are the map text as given on the command line;
 * otherwise (byte & 7) + 1 ranges built from the next 8 bytes each, the
 * last one sized so the total matches the rest of the input.  The rest is
 * the image, opened with dk_image_open_memory and format "raw".
 * SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads what the image says about itself, walks its runs (bounded) and
 * reads the first and last page of each, plus a read across a page end. */
static void walk_image(dk_image *img)
{
	static uint8_t buf[2 * 65536];
	fz_consume_str(dk_image_format(img));
	fz_consume_str(dk_image_describe(img));
	fz_consume_str(dk_image_name(img));
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		fz_consume_str(dk_image_note(img, i));
	for (size_t i = 0; i < dk_image_cpu_count(img); i++) {
		const dk_image_cpu *c = dk_image_cpu_state(img, i);
		if (!c)
			abort();
		fz_consume(c, sizeof *c);
	}
	size_t vl = 0;
	const uint8_t *v = dk_image_vmcoreinfo(img, &vl);
	if (v)
		fz_consume(v, vl);
	const dk_physmem *pm = dk_image_physmem(img);
	uint32_t ps = pm->page_size;
	if (ps == 0 || ps > 65536 || (ps & (ps - 1)))
		abort(); /* an open image must have a sane page size */
	dk_error err;
	dk_run r;
	uint64_t pfn = 0, present = 0;
	unsigned reads = 0;
	for (unsigned i = 0; i < 256 && dk_physmem_next_run(pm, pfn, &r); i++) {
		if (r.count == 0 || r.base_pfn < pfn || r.base_pfn + r.count > pm->end_pfn)
			abort(); /* runs must progress and stay below end_pfn */
		present += r.count;
		if (reads < 32) {
			uint64_t last = r.base_pfn + r.count - 1;
			fz_sink += (uint64_t)pm->ops->read_pages(pm->ctx, r.base_pfn, 1, buf, &err);
			fz_sink += (uint64_t)pm->ops->read_pages(pm->ctx, last, 1, buf, &err);
			if (r.count > 1)
				fz_sink += (uint64_t)pm->ops->read_pages(pm->ctx, r.base_pfn, 2, buf, &err);
			fz_sink += (uint64_t)dk_physmem_read(pm, r.base_pfn * ps + ps - 8, buf, 16, &err);
			reads += 4;
			fz_consume(buf, 64);
		}
		pfn = r.base_pfn + r.count;
		if (pfn <= r.base_pfn)
			break;
	}
	if (present > pm->present_pages)
		abort();
	fz_sink += dk_physmem_present(pm, 0) + dk_physmem_present(pm, pm->end_pfn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char map[1024];
	const char *mapp = NULL;
	uint8_t mode = data[0];
	size_t used = 1;
	if (mode >= 0x40 && mode < 0x80) {
		size_t n = mode & 0x3f;
		if (n > size - 1)
			n = size - 1;
		memcpy(map, data + 1, n);
		map[n] = 0;
		mapp = map;
		used += n;
	} else if (mode >= 0x80) {
		unsigned k = (mode & 7) + 1;
		if (size - 1 < 8 * k)
			return 0;
		used += 8 * k;
		uint64_t rest = size - used, total = 0;
		size_t at = 0;
		for (unsigned i = 0; i < k; i++) {
			const uint8_t *p = data + 1 + 8 * i;
			uint64_t start = (uint64_t)(p[0] | p[1] << 8 | p[2] << 16) * 0x400 + p[3];
			uint64_t len = (uint64_t)(p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24);
			if (i + 1 == k)
				len = rest > total ? rest - total : 1;
			total += len;
			at += (size_t)snprintf(map + at, sizeof map - at, "%s0x%llx%c%llu",
			                       i ? "," : "", (unsigned long long)start,
			                       (p[7] & 1) ? '+' : '-',
			                       (unsigned long long)((p[7] & 1) ? len : start + len - 1));
			if (at >= sizeof map)
				return 0;
		}
		mapp = map;
	}
	dk_image_options o;
	memset(&o, 0, sizeof o);
	o.format = "raw";
	o.map = mapp;
	dk_image *img = NULL;
	dk_error err;
	if (dk_image_open_memory(data + used, size - used, "fuzz.raw", &o, &img, &err) != DK_OK) {
		if (img)
			abort();
		fz_consume_str(err.message);
		return 0;
	}
	walk_image(img);
	dk_image_close(img);
	return 0;
}
