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
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_open_walk(data, size, "fuzz.core", "xen", NULL);
	return 0;
}
