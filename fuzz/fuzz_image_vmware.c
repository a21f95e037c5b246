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
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_open_walk(data, size, "fuzz.vmss", "vmware", NULL);
	return 0;
}
