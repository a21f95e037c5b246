/* libFuzzer target: bitmap dumps (DumpType 2, 5 and 6).
 *
 * The harness builds a valid 64-bit DUMP_HEADER64; the fuzzer's bytes
 * become everything from 0x2000 on: the SDMP/FDMP header, the bitmap and
 * the pages.
 *
 * Input byte 0 (the selector):
 *   bits 0-1: DumpType 5 (0, 3), 2 (1) or 6 (2)
 *   bit 2:    keep the fuzzer's signature words; otherwise the harness
 *             writes "SDMP"/"FDMP" + "DUMP" over the first 8 bytes
 *   bit 3:    machine ARM64 instead of AMD64
 * Bytes 1..: placed at file offset 0x2000.
 * Seeds: fuzz/make-seeds.sh turns dkgen bitmap dumps into this form.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 0x2000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (64u << 20))
		return 0;
	uint8_t sel = data[0];
	static const uint32_t types[4] = { 5, 2, 6, 5 };
	uint32_t type = types[sel & 3];
	size_t body = size - 1;
	size_t total = HDR + body;
	uint8_t *file = malloc(total);
	if (!file)
		return 0;
	fz_make_header64(file, type, (sel & 8) ? 0xAA64 : 0x8664, total);
	memcpy(file + HDR, data + 1, body);
	if (!(sel & 4) && body >= 8)
		memcpy(file + HDR, type == 5 ? "FDMPDUMP" : "SDMPDUMP", 8);

	dk_kdump *dump = NULL;
	dk_error err;
	if (dk_kdump_open_memory(file, total, "fuzz-bitmap.dmp", &dump, &err) != DK_OK) {
		if (dump)
			abort();
		free(file);
		return 0;
	}
	const dk_kdump_summary *s = dk_kdump_get_summary(dump);
	if (s->available_pages > s->stored_pages)
		abort(); /* available pages are a subset of the stored ones */
	uint64_t off;
	if (s->available_pages && s->first_page_offset + s->available_pages * DK_PAGE_SIZE > total)
		abort(); /* available pages must be inside the file */
	const dk_kdump_bitmap *b = dk_kdump_get_bitmap(dump);
	if (b) {
		fz_sink += b->popcount + b->bits + b->bitmap_bytes_in_file;
		/* pfns taken from the fuzzer's bytes, and around the ends */
		static uint8_t page[DK_PAGE_SIZE];
		uint64_t probes[6] = { 0, b->bits ? b->bits - 1 : 0, b->bits,
		                       b->bits ? fz_get64(data, size, 1 + 0x38) % b->bits : 0,
		                       fz_get64(data, size, 1 + 0x40), UINT64_MAX };
		for (size_t i = 0; i < 6; i++) {
			if (dk_kdump_page_offset(dump, probes[i], &off))
				fz_sink += off;
			fz_sink += (uint64_t)dk_kdump_read_page(dump, probes[i], page, &err);
			dk_run r;
			if (dk_kdump_next_stored_run(dump, probes[i], &r))
				fz_sink += r.base_pfn + r.count;
		}
	}
	fz_walk_pages(dump, 1024, 32);
	fz_all_fields(dump);
	fz_check(dump, DK_CHECK_DEEP);
	dk_kdump_close(dump);
	free(file);
	return 0;
}
