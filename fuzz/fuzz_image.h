/* Fuzzing helpers for the memory-image readers: open an input with a
 * forced reader and walk everything the image says about itself.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_FUZZ_IMAGE_H
#define DMPKIT_FUZZ_IMAGE_H

#include <stdio.h>

#include "fuzz_common.h"

/* Reads the description, notes, vCPU state and VMCOREINFO, walks the runs
 * (at most 4096) checking that they move forward, stay below end_pfn and
 * add up to present_pages, and reads a bounded number of pages: the first,
 * middle and last of each run, two pages at once, and bytes across a page
 * end. */
static inline void fz_walk_image(dk_image *img)
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
	unsigned runs = 0, reads = 0;
	for (; runs < 4096 && dk_physmem_next_run(pm, pfn, &r); runs++) {
		if (r.count == 0 || r.base_pfn < pfn || r.base_pfn + r.count > pm->end_pfn)
			abort(); /* runs must move forward and stay below end_pfn */
		present += r.count;
		uint64_t pick[3] = { r.base_pfn, r.base_pfn + r.count / 2, r.base_pfn + r.count - 1 };
		for (unsigned k = 0; k < 3 && reads < 64; k++, reads++) {
			if (!dk_physmem_present(pm, pick[k]))
				abort();
			if (pm->ops->read_pages(pm->ctx, pick[k], 1, buf, &err) == DK_OK)
				fz_consume(buf, 64);
			else
				fz_consume_str(err.message);
		}
		if (reads < 64 && r.count > 1) {
			fz_sink += (uint64_t)pm->ops->read_pages(pm->ctx, r.base_pfn, 2, buf, &err);
			fz_sink += (uint64_t)dk_physmem_read(pm, r.base_pfn * ps + ps - 8, buf, 16, &err);
			reads += 2;
		}
		pfn = r.base_pfn + r.count;
	}
	if (runs < 4096 && present != pm->present_pages)
		abort(); /* the runs must add up to the page count */
	fz_sink += dk_physmem_present(pm, 0) + dk_physmem_present(pm, pm->end_pfn);
}

/* Opens data with the reader `format` and walks it; false when it did not
 * open (the message is consumed). */
static inline bool fz_open_walk(const uint8_t *data, size_t size, const char *name,
                                const char *format, const char *map)
{
	dk_image_options o;
	memset(&o, 0, sizeof o);
	o.format = format;
	o.map = map;
	dk_image *img = NULL;
	dk_error err;
	if (dk_image_open_memory(data, size, name, &o, &img, &err) != DK_OK) {
		if (img)
			abort(); /* a failed open must not hand out a handle */
		fz_consume_str(err.message);
		return false;
	}
	fz_walk_image(img);
	dk_image_close(img);
	return true;
}

#endif
