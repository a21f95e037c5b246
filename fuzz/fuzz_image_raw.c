/* libFuzzer target: the raw image reader, with and without a physical map.
 *
 * The first byte chooses the map: < 0x40 none (padded raw); < 0x80 the
 * next (byte & 0x3f) bytes are the map text as given on the command line;
 * otherwise (byte & 7) + 1 ranges built from the next 8 bytes each, the
 * last one sized so the total matches the rest of the input.  The rest is
 * the image, opened with dk_image_open_memory and format "raw".
 * SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	fz_open_walk(data + used, size - used, "fuzz.raw", "raw", mapp);
	return 0;
}
