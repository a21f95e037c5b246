/* dmpkit — bitmap dumps (DumpType 2, 5, 6): the "SDMP"/"FDMP" header,
 * followed by one bit per physical page, LSB first; set pages are stored
 * in ascending PFN order from FirstPage (kdmp-parser BuildPhysmemBMPDump,
 * volatility3 crash.py).  Current layout: FirstPage u64 @0x20,
 * TotalPresentPages u64 @0x28, Pages (bit count) u64 @0x30, bits @0x38.
 * Older 32-bit dumps use SUMMARY_DUMP32 from the DDK's ntiodump.h:
 * HeaderSize @0xC (first page), BitmapSize @0x10 (bits), Pages @0x14
 * (set bits), an RTL_BITMAP {SizeOfBitMap @0x18, reserved} and bits @0x20;
 * which one a 32-bit dump uses is decided by which is self-consistent.
 *
 * Memory stays bounded: the bitmap is read in 64 KiB windows, and a rank
 * index (set bits before each window) locates any page's file offset.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kdump_internal.h"
#include "layouts.h"

#define SIG_SDMP DK_TAG('S', 'D', 'M', 'P')
#define SIG_FDMP DK_TAG('F', 'D', 'M', 'P')

/* Bits of a window that belong to the usable bitmap. */
static uint64_t chunk_bits(const dk_kdump *d, size_t c)
{
	uint64_t start = (uint64_t)c * DK_BMP_CHUNK * 8;
	uint64_t left = d->bmp_bits - start;
	return left < (uint64_t)DK_BMP_CHUNK * 8 ? left : (uint64_t)DK_BMP_CHUNK * 8;
}

/* Loads window c into the cache with the bits past bmp_bits cleared. */
static const uint8_t *get_chunk(dk_kdump *d, size_t c)
{
	if (d->cached == c)
		return d->chunk;
	uint64_t bits = chunk_bits(d, c);
	size_t bytes = (size_t)((bits + 7) / 8);
	uint64_t off = d->bmp.bits_offset + (uint64_t)c * DK_BMP_CHUNK;
	memset(d->chunk, 0, DK_BMP_CHUNK);
	if (dk_input_read_some(&d->in, off, d->chunk, bytes) != bytes) {
		d->cached = SIZE_MAX;
		memset(d->chunk, 0, DK_BMP_CHUNK);
		return d->chunk; /* read error: treat as no pages */
	}
	if (bits % 8)
		d->chunk[bytes - 1] &= (uint8_t)((1u << (bits % 8)) - 1);
	d->cached = c;
	return d->chunk;
}

static uint64_t popcount_bytes(const uint8_t *p, size_t n)
{
	uint64_t c = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		c += (uint64_t)__builtin_popcountll(w);
	}
	for (; i < n; i++)
		c += (uint64_t)__builtin_popcount(p[i]);
	return c;
}

dk_status dk_bitmap_load(dk_kdump *d, dk_error *err)
{
	dk_kdump_bitmap *b = &d->bmp;
	const uint8_t *s = d->secondary;
	size_t n = d->secondary_avail;
	d->has_bitmap = false;
	b->offset = d->sum.header_size;
	b->signature = dk_get32(s, n, 0);
	b->valid_dump = dk_get32(s, n, 4);
	b->first_page = dk_get64(s, n, 0x20);
	b->present_pages = dk_get64(s, n, 0x28);
	b->bits = dk_get64(s, n, 0x30);
	b->bits_offset = b->offset + 0x38;
	if (d->sum.bits == 32 && n >= 0x20) {
		uint64_t fsize = d->in.size;
		uint64_t mbits = b->bits, lbits = dk_get32(s, n, 0x10);
		uint64_t lfirst = dk_get32(s, n, 0xC), lpresent = dk_get32(s, n, 0x14);
		bool modern_ok = mbits && b->present_pages <= mbits && mbits < (1ull << 40) &&
		                 b->first_page >= b->offset + 0x38 + (mbits + 7) / 8 &&
		                 b->first_page <= fsize;
		bool legacy_ok = lbits && dk_get32(s, n, 0x18) == lbits && lpresent <= lbits &&
		                 lfirst >= b->offset + 0x20 + (lbits + 7) / 8 && lfirst <= fsize;
		if (!modern_ok && legacy_ok) {
			b->legacy32 = true;
			b->first_page = lfirst;
			b->present_pages = lpresent;
			b->bits = lbits;
			b->bits_offset = b->offset + 0x20;
			d->secondary_desc = &dk_summary32_legacy;
		}
	}
	if (n < 0x38 || (b->signature != SIG_SDMP && b->signature != SIG_FDMP)) {
		/* no usable bitmap; still expose the header for check/info */
		d->has_bitmap = true;
		d->bmp_bits = 0;
		d->avail_limit_pfn = 0;
		d->sum.storage = DK_STORAGE_NONE;
		return DK_OK;
	}
	uint64_t bm_off = b->bits_offset;
	uint64_t in_file = d->in.size > bm_off ? d->in.size - bm_off : 0;
	uint64_t want = b->bits / 8 + (b->bits % 8 != 0);
	b->bitmap_bytes_in_file = want < in_file ? want : in_file;
	d->bmp_bits = b->bits;
	if (d->bmp_bits > b->bitmap_bytes_in_file * 8)
		d->bmp_bits = b->bitmap_bytes_in_file * 8;

	uint64_t nch = (d->bmp_bits + (uint64_t)DK_BMP_CHUNK * 8 - 1) / ((uint64_t)DK_BMP_CHUNK * 8);
	d->nchunks = (size_t)nch;
	d->rank = dk_calloc(d->nchunks + 1, sizeof *d->rank);
	d->chunk = malloc(DK_BMP_CHUNK);
	if (!d->rank || !d->chunk) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	d->has_bitmap = true;
	d->cached = SIZE_MAX;

	/* Pages are stored in ascending order: only the first `avail` set
	 * bits have their bytes in the file. */
	d->sum.storage = DK_STORAGE_BITMAP;
	d->sum.first_page_offset = b->first_page;
	d->sum.declared_pages = b->present_pages;
	uint64_t avail_bytes = d->in.size > b->first_page ? d->in.size - b->first_page : 0;
	uint64_t avail = avail_bytes / DK_PAGE_SIZE;

	uint64_t total = 0;
	d->avail_limit_pfn = d->bmp_bits;
	bool limit_found = false;
	for (size_t c = 0; c < d->nchunks; c++) {
		d->rank[c] = total;
		const uint8_t *p = get_chunk(d, c);
		uint64_t bits = chunk_bits(d, c);
		uint64_t cnt = popcount_bytes(p, (size_t)((bits + 7) / 8));
		if (!limit_found && total + cnt > avail) {
			/* find the pfn of the (avail+1)-th set bit: the first page
			 * whose bytes are not in the file */
			uint64_t need = avail - total;
			for (uint64_t i = 0; i < bits; i++)
				if (p[i / 8] & (1u << (i % 8))) {
					if (need == 0) {
						d->avail_limit_pfn = (uint64_t)c * DK_BMP_CHUNK * 8 + i;
						break;
					}
					need--;
				}
			limit_found = true;
		}
		total += cnt;
	}
	d->rank[d->nchunks] = total;
	b->popcount = total;
	d->sum.stored_pages = total;
	d->sum.available_pages = total < avail ? total : avail;
	return DK_OK;
}

static bool bit_at(dk_kdump *d, uint64_t pfn)
{
	size_t c = (size_t)(pfn / ((uint64_t)DK_BMP_CHUNK * 8));
	uint64_t i = pfn % ((uint64_t)DK_BMP_CHUNK * 8);
	const uint8_t *p = get_chunk(d, c);
	return (p[i / 8] >> (i % 8)) & 1;
}

/* First pfn >= from (and < limit) whose bit equals `want`; limit if none. */
static uint64_t find_bit(dk_kdump *d, uint64_t from, uint64_t limit, bool want)
{
	const uint64_t per = (uint64_t)DK_BMP_CHUNK * 8;
	while (from < limit) {
		size_t c = (size_t)(from / per);
		const uint8_t *p = get_chunk(d, c);
		uint64_t i = from % per;
		uint64_t end = per;
		if ((uint64_t)c * per + end > limit)
			end = limit - (uint64_t)c * per;
		while (i < end) {
			if (i % 64 == 0 && i + 64 <= end) {
				uint64_t w;
				memcpy(&w, p + i / 8, 8);
				if (w == (want ? 0 : UINT64_MAX)) {
					i += 64;
					continue;
				}
			}
			if ((bool)((p[i / 8] >> (i % 8)) & 1) == want)
				return (uint64_t)c * per + i;
			i++;
		}
		from = (uint64_t)c * per + end;
	}
	return limit;
}

bool dk_bitmap_next_run(dk_kdump *d, uint64_t pfn, uint64_t limit, dk_run *out)
{
	if (limit > d->bmp_bits)
		limit = d->bmp_bits;
	if (pfn >= limit)
		return false;
	uint64_t start = find_bit(d, pfn, limit, true);
	if (start >= limit)
		return false;
	uint64_t end = find_bit(d, start, limit, false);
	out->base_pfn = start;
	out->count = end - start;
	return true;
}

bool dk_bitmap_rank(dk_kdump *d, uint64_t pfn, uint64_t *rank)
{
	if (pfn >= d->bmp_bits || !bit_at(d, pfn))
		return false;
	const uint64_t per = (uint64_t)DK_BMP_CHUNK * 8;
	size_t c = (size_t)(pfn / per);
	uint64_t i = pfn % per;
	const uint8_t *p = get_chunk(d, c);
	uint64_t r = d->rank[c] + popcount_bytes(p, (size_t)(i / 8));
	r += (uint64_t)__builtin_popcount(p[i / 8] & ((1u << (i % 8)) - 1));
	*rank = r;
	return true;
}

uint64_t dk_bitmap_end_pfn(dk_kdump *d)
{
	/* the rank index says which windows hold set bits: look only at the
	 * last one that does below the limit of available pages */
	const uint64_t per = (uint64_t)DK_BMP_CHUNK * 8;
	uint64_t limit = d->avail_limit_pfn < d->bmp_bits ? d->avail_limit_pfn : d->bmp_bits;
	if (limit == 0)
		return 0;
	for (size_t c = (size_t)((limit - 1) / per) + 1; c-- > 0;) {
		if (d->rank[c + 1] == d->rank[c])
			continue; /* no page in this window */
		const uint8_t *p = get_chunk(d, c);
		uint64_t hi = limit - (uint64_t)c * per;
		if (hi > per)
			hi = per;
		for (uint64_t i = hi; i-- > 0;)
			if ((p[i / 8] >> (i % 8)) & 1)
				return (uint64_t)c * per + i + 1;
	}
	return 0;
}
