/* libFuzzer target: any bytes as a VMware checkpoint (.vmss/.vmsn).
 *
 * Opens the input with dk_image_open_memory and the reader forced to
 * "vmware" (so bytes without the magic take the .vmem path: linear, no
 * companion is looked for in memory).  With the magic, the group table,
 * the tag lists of the "memory" and "cpu" groups, the "Memory" block and
 * the regions are parsed.  Then: the description, notes and vCPU state,
 * the runs (bounded) and a bounded number of page reads spread over them.
 * Seeds: the small in-memory containers tests/image_vmware builds (see the
 * report / fuzz/make-seeds.sh).
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dk_image_options opts = { .format = "vmware" };
	dk_image *img = NULL;
	dk_error err;
	if (dk_image_open_memory(data, size, "fuzz.vmss", &opts, &img, &err) != DK_OK) {
		if (img)
			abort(); /* a failed open must not hand out a handle */
		fz_consume_str(err.message);
		return 0;
	}
	fz_consume_str(dk_image_describe(img));
	fz_consume_str(dk_image_format(img));
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		fz_consume_str(dk_image_note(img, i));
	for (size_t i = 0; i < dk_image_cpu_count(img); i++) {
		const dk_image_cpu *c = dk_image_cpu_state(img, i);
		fz_sink += c->cr3 ^ c->cr0 ^ c->cr4 ^ c->rip ^ c->have ^ c->bits;
	}
	const dk_physmem *pm = dk_image_physmem(img);
	if (pm->page_size != 4096)
		abort();
	static uint8_t page[4096];
	dk_run run;
	uint64_t present = 0;
	unsigned runs = 0, reads = 0;
	for (uint64_t pfn = 0; runs < 4096 && dk_physmem_next_run(pm, pfn, &run);
	     pfn = run.base_pfn + run.count, runs++) {
		if (run.count == 0 || run.base_pfn < pfn)
			abort(); /* runs must move forward */
		present += run.count;
		/* first and last page of each run, and its middle */
		uint64_t pick[3] = { run.base_pfn, run.base_pfn + run.count / 2,
			             run.base_pfn + run.count - 1 };
		for (unsigned k = 0; k < 3 && reads < 64; k++, reads++) {
			if (!dk_physmem_present(pm, pick[k]))
				abort();
			if (pm->ops->read_pages(pm->ctx, pick[k], 1, page, &err) == DK_OK)
				fz_consume(page, sizeof page);
			else
				fz_consume_str(err.message);
		}
	}
	if (runs < 4096 && present != pm->present_pages)
		abort(); /* the runs must add up to the page count */
	dk_image_close(img);
	return 0;
}
