/* libFuzzer target: any bytes as a kdump-compressed (diskdump) image, both
 * as they are and wrapped in a makedumpfile flattened stream.
 *
 * Opens the input with dk_image_open_memory and the reader forced to
 * "diskdump": the header, sub-header, notes (CPU state, VMCOREINFO), both
 * bitmaps and the rank index are parsed, then the runs are walked (bounded)
 * and a bounded number of pages decoded (zlib, lzo, snappy, zstd, raw).
 * Inputs that are not already flattened are also wrapped into a flattened
 * stream of 4 KiB records in reverse order and opened again, so the record
 * index and the logical reads are exercised on every input.
 * Seeds: the small samples nodisk-64M.kdump-zlib.{flat,reassembled}, the first
 * 64 KiB of linux-96M.mkd-{lzo,nocomp}-d31.kdump (header, bitmaps, part of
 * page_desc[]), see the report / fuzz/make-seeds.sh.
 * SPDX-License-Identifier: MIT */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const uint8_t *data, size_t size, const char *name)
{
	fz_open_walk(data, size, name, "diskdump", NULL);
}

/* data as a flattened stream: 4 KiB records, last piece first. */
static uint8_t *flatten(const uint8_t *data, size_t size, size_t *out_size)
{
	const size_t rec = 4096;
	size_t nrec = (size + rec - 1) / rec;
	size_t total = 0x1000 + nrec * 16 + size + 16;
	uint8_t *o = calloc(1, total);
	if (!o)
		return NULL;
	memcpy(o, "makedumpfile", 12);
	o[23] = 1; /* type 1, version 1 (big-endian) */
	o[31] = 1;
	size_t w = 0x1000;
	for (size_t i = nrec; i-- > 0;) {
		uint64_t off = (uint64_t)i * rec, sz = size - off < rec ? size - off : rec;
		for (int k = 0; k < 8; k++) {
			o[w + k] = (uint8_t)(off >> (56 - 8 * k));
			o[w + 8 + k] = (uint8_t)(sz >> (56 - 8 * k));
		}
		memcpy(o + w + 16, data + off, sz);
		w += 16 + sz;
	}
	memset(o + w, 0xff, 16);
	*out_size = total;
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exercise(data, size, "fuzz.kdump");
	if (size >= 12 && memcmp(data, "makedumpfile", 12) == 0)
		return 0;
	if (size > (4u << 20))
		return 0;
	size_t fsize;
	uint8_t *flat = flatten(data, size, &fsize);
	if (flat) {
		exercise(flat, fsize, "fuzz.flat");
		free(flat);
	}
	return 0;
}
