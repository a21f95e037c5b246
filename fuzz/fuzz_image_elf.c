/* libFuzzer target: any bytes as an ELF core (QEMU, VirtualBox,
 * makedumpfile -E), opened with dk_image_open_memory and format "elf";
 * also asks the probe.  Reads notes, CPUs, VMCOREINFO and a bounded number
 * of pages.
 * SPDX-License-Identifier: MIT */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_open_walk(data, size, "fuzz.elf", "elf", NULL);
	dk_image_options o;
	memset(&o, 0, sizeof o);
	dk_image *img = NULL;
	dk_error err;
	/* auto-detection must agree or pick another reader, never crash */
	o.format = NULL;
	if (dk_image_open_memory(data, size, "fuzz.elf", &o, &img, &err) == DK_OK) {
		fz_consume_str(dk_image_format(img));
		dk_image_close(img);
	}
	return 0;
}
