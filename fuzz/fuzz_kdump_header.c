/* libFuzzer target: any bytes as a whole kernel dump file.
 *
 * Opens the input with dk_kdump_open_memory, formats and explains every
 * header field (and the secondary header, CONTEXT and exception record),
 * walks the stored runs a bounded number of times, reads a few pages and
 * runs dk_kdump_check, shallow and deep.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dk_kdump *dump = NULL;
	dk_error err;
	if (dk_kdump_open_memory(data, size, "fuzz.dmp", &dump, &err) != DK_OK) {
		if (dump)
			abort(); /* a failed open must not hand out a handle */
		fz_consume_str(err.message);
		return 0;
	}
	fz_consume_str(dk_kdump_name(dump));
	const dk_kdump_runs *runs = dk_kdump_get_runs(dump);
	for (size_t i = 0; i < runs->count && i < 86; i++)
		fz_sink += runs->runs[i].base_pfn ^ runs->runs[i].count;
	const dk_kdump_bitmap *bmp = dk_kdump_get_bitmap(dump);
	if (bmp)
		fz_sink += bmp->popcount + bmp->bits;
	const dk_kdump_rdmp *rdmp = dk_kdump_get_rdmp(dump);
	if (rdmp)
		for (size_t i = 0; i < rdmp->count; i++)
			fz_sink += rdmp->ranges[i].base_pfn + rdmp->ranges[i].count;
	const dk_triage *t = dk_kdump_get_triage(dump);
	if (t) {
		dk_triage_part parts[32];
		size_t n = dk_triage_parts(t, dk_kdump_get_summary(dump)->bits, parts, 32);
		for (size_t i = 0; i < n; i++)
			fz_sink += parts[i].offset + parts[i].size;
	}

	fz_all_fields(dump);
	fz_walk_pages(dump, 256, 16);
	fz_check(dump, 0);
	/* deep reads every stored page once; the pages are in the input, so
	 * the work is bounded by its size */
	fz_check(dump, DK_CHECK_DEEP);
	dk_kdump_close(dump);
	return 0;
}
