/* libFuzzer target: LiME and AVML (v1 plain, v2 snappy framed) images.
 * The first byte chooses the reader forced with opts.format ("lime" when
 * even, "avml" when odd); the rest is the image, opened with
 * dk_image_open_memory.  A bounded number of pages is read (AVML v2 pages
 * decompress their snappy chunks and check the CRC).
 * SPDX-License-Identifier: MIT */
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
	dk_image_options o;
	memset(&o, 0, sizeof o);
	o.format = (data[0] & 1) ? "avml" : "lime";
	dk_image *img = NULL;
	dk_error err;
	if (dk_image_open_memory(data + 1, size - 1, "fuzz.lime", &o, &img, &err) != DK_OK) {
		if (img)
			abort();
		fz_consume_str(err.message);
		return 0;
	}
	walk_image(img);
	dk_image_close(img);
	return 0;
}
