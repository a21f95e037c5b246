/* libFuzzer target: LiME and AVML (v1 plain, v2 snappy framed) images.
 * The first byte chooses the reader forced with opts.format ("lime" when
 * even, "avml" when odd); the rest is the image, opened with
 * dk_image_open_memory.  A bounded number of pages is read (AVML v2 pages
 * decompress their snappy chunks and check the CRC).
 * SPDX-License-Identifier: MIT */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fz_open_walk(data + 1, size - 1, "fuzz.lime", (data[0] & 1) ? "avml" : "lime", NULL);
	return 0;
}
