/* libFuzzer target: any bytes as a Xen dump-core.
 *
 * Opens the input with dk_image_open_memory and the reader forced to "xen":
 * the ELF header, the section table, .shstrtab (sections by name), the
 * .note.Xen notes, the vCPU contexts of .xen_prstatus and the .xen_pfn /
 * .xen_p2m table are parsed.  Then: the description, notes, vCPU state, the
 * runs (bounded) and a bounded number of page reads spread over them.
 * Seeds: the synthetic cores of tests/image_b (build_xen) and the first
 * 64 KiB of xen-pvh-paused.core with its section table, see the report.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dk_image_options opts = { .format = "xen" };
	dk_image *img = NULL;
	dk_error err;
	if (dk_image_open_memory(data, size, "fuzz.core", &opts, &img, &err) != DK_OK) {
		if (img)
			abort(); /* a failed open must not hand out a handle */
		fz_consume_str(err.message);
		return 0;
	}
	fz_consume_str(dk_image_describe(img));
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		fz_consume_str(dk_image_note(img, i));
	for (size_t i = 0; i < dk_image_cpu_count(img); i++) {
		const dk_image_cpu *c = dk_image_cpu_state(img, i);
		fz_sink += c->cr3 ^ c->rip ^ c->have ^ c->gpr[0];
	}
	const dk_physmem *pm = dk_image_physmem(img);
	uint8_t *page = malloc(pm->page_size ? pm->page_size : 1);
	if (!page)
		abort();
	dk_run run;
	uint64_t present = 0;
	unsigned runs = 0, reads = 0;
	for (uint64_t pfn = 0; runs < 4096 && dk_physmem_next_run(pm, pfn, &run);
	     pfn = run.base_pfn + run.count, runs++) {
		if (run.count == 0 || run.base_pfn < pfn)
			abort(); /* runs must move forward */
		present += run.count;
		uint64_t pick[3] = { run.base_pfn, run.base_pfn + run.count / 2,
			             run.base_pfn + run.count - 1 };
		for (unsigned k = 0; k < 3 && reads < 64; k++, reads++) {
			if (!dk_physmem_present(pm, pick[k]))
				abort();
			if (pm->ops->read_pages(pm->ctx, pick[k], 1, page, &err) == DK_OK)
				fz_consume(page, pm->page_size);
			else
				fz_consume_str(err.message);
		}
	}
	if (runs < 4096 && present != pm->present_pages)
		abort(); /* the runs must add up to the page count */
	free(page);
	dk_image_close(img);
	return 0;
}
