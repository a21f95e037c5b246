/* dmpkit — kdump-compressed ("diskdump") memory images, plain or in the
 * makedumpfile flattened stream.
 *
 * Layout facts (makedumpfile/makedumpfile diskdump_mod.h, makedumpfile.h;
 * qemu/qemu include/sysemu/dump.h; ptesarik/libkdumpfile
 * src/kdumpfile/diskdump.c), 64-bit form:
 *   block 0  disk_dump_header: "KDUMP   " @0, header_version u32 @0x8,
 *            utsname @0xC (machine @0x110), status u32 @0x1A8,
 *            block_size @0x1AC, sub_hdr_size (blocks) @0x1B0,
 *            bitmap_blocks @0x1B4, max_mapnr @0x1B8, nr_cpus @0x1CC
 *   block 1  kdump_sub_header: phys_base @0, dump_level u32 @8, split @12,
 *            start_pfn @16, end_pfn @24, offset_vmcoreinfo @32 (v3+),
 *            size_vmcoreinfo @40, offset_note @48 (v4+), note_size @56,
 *            offset_eraseinfo @64 (v5+), size_eraseinfo @72,
 *            start_pfn_64 @80 (v6+), end_pfn_64 @88, max_mapnr_64 @96
 *   block 1+sub_hdr_size: bitmap1 (RAM pages), then bitmap2 (dumped pages),
 *            each bitmap_blocks/2 blocks, LSB first
 *   then     page_desc[dumped pages] in PFN order: {u64 offset, u32 size,
 *            u32 flags, u64 page_flags}; flags 1 zlib, 2 lzo, 4 snappy,
 *            0x20 zstd, 0 raw.
 * Flattened stream (makedumpfile.h MAKEDUMPFILE_SIGNATURE,
 * makedumpfile_data_header): "makedumpfile" NUL-padded to 16 bytes, BE
 * i64 type = 1, BE i64 version = 1, records from 0x1000: {BE i64 offset,
 * BE i64 size, data}, ended by offset = size = -1.
 *
 * Memory stays bounded: bitmap2 is read in 64 KiB windows, a rank index
 * (dumped pages before every 4096 PFNs) finds a page's descriptor, and one
 * decompressed page plus one compressed input buffer are cached.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "image_internal.h"

#define DD_SIG "KDUMP   "
#define FLAT_SIG "makedumpfile"
#define FLAT_DATA_START 0x1000u

#define DD_ZLIB 0x1u
#define DD_LZO 0x2u
#define DD_SNAPPY 0x4u
#define DD_INCOMPLETE 0x8u
#define DD_ZSTD 0x20u
#define DD_COMPRESSION (DD_ZLIB | DD_LZO | DD_SNAPPY | DD_ZSTD)

#define PD_SIZE 24u                 /* sizeof(page_desc_t) */
#define RANK_PFNS 4096u             /* PFNs per rank index entry */
#define WIN_BYTES 65536u            /* bitmap window */
#define WIN_BITS ((uint64_t)WIN_BYTES * 8)
#define PD_CACHE 256u               /* page descriptors read at once */
#define MAX_NOTES_BYTES (16u << 20) /* notes / VMCOREINFO we are willing to read */

typedef struct flat_rec {
	uint64_t lo;   /* offset in the reassembled file */
	uint64_t size;
	uint64_t foff; /* where the data lies in the flattened file */
} flat_rec;

typedef struct dd_ctx {
	const dk_input *in;
	const char *name;
	bool flat;
	flat_rec *recs;
	size_t nrecs;
	uint64_t lsize; /* size of the (reassembled) diskdump file */

	uint32_t bs;
	uint32_t status;
	uint64_t max_mapnr;
	uint64_t bm1_off, bm2_off; /* logical offsets of the bitmaps */
	uint64_t pd_off;
	uint64_t ndumped;

	uint64_t *rank; /* rank[k] = dumped PFNs below k*RANK_PFNS; nrank+1 entries */
	size_t nrank;
	uint8_t *win;   /* bitmap2 window */
	uint64_t win_idx;
	bool win_ok;

	uint8_t *pdc;   /* cached page descriptors */
	uint64_t pdc_first, pdc_n;

	uint8_t *page;  /* last decompressed page */
	uint64_t page_off;
	uint32_t page_size_c, page_flags;
	bool page_ok;
	uint8_t *cbuf;  /* compressed input, 2 * bs */
} dd_ctx;

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void dd_free(void *p)
{
	dd_ctx *dd = p;
	if (!dd)
		return;
	free(dd->recs);
	free(dd->rank);
	free(dd->win);
	free(dd->pdc);
	free(dd->page);
	free(dd->cbuf);
	free(dd);
}

/* "file offset 0x..." or, for a flattened stream, the offset in the
 * reassembled file. */
static const char *where(const dd_ctx *dd)
{
	return dd->flat ? "offset (in the reassembled dump)" : "file offset";
}

/* ---- the logical diskdump file ---- */

static int rec_cmp(const void *a, const void *b)
{
	const flat_rec *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static dk_status flat_index(dd_ctx *dd, dk_image *img, dk_error *err)
{
	const dk_input *in = dd->in;
	uint64_t pos = FLAT_DATA_START;
	size_t cap = 0;
	bool ended = false;
	while (pos < in->size) {
		uint8_t h[16];
		if (in->size - pos < 16) {
			dk_set_error(err, DK_E_TRUNCATED,
			             "%s: flattened record header at file offset 0x%" PRIx64
			             " needs 16 bytes, the file has 0x%" PRIx64 " left",
			             dd->name, pos, in->size - pos);
			return DK_E_TRUNCATED;
		}
		dk_status st = dk_input_read(in, pos, h, 16, "flattened record header", err);
		if (st != DK_OK)
			return st;
		uint64_t off = be64(h), sz = be64(h + 8);
		if (off == UINT64_MAX && sz == UINT64_MAX) {
			ended = true;
			break;
		}
		if ((int64_t)off < 0 || (int64_t)sz < 0) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: flattened record at file offset 0x%" PRIx64
			             " has offset %" PRId64 " and size %" PRId64
			             " (expected both >= 0, or both -1 for the end marker)",
			             dd->name, pos, (int64_t)off, (int64_t)sz);
			return DK_E_FORMAT;
		}
		if (sz > in->size - pos - 16) {
			dk_set_error(err, DK_E_TRUNCATED,
			             "%s: flattened record at file offset 0x%" PRIx64 " says it holds 0x%" PRIx64
			             " bytes, but the file ends 0x%" PRIx64 " bytes after its header",
			             dd->name, pos, sz, in->size - pos - 16);
			return DK_E_TRUNCATED;
		}
		if (sz) {
			if (dd->nrecs == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				flat_rec *nv = realloc(dd->recs, ncap * sizeof *nv);
				if (!nv) {
					dk_set_error(err, DK_E_NOMEM, "out of memory");
					return DK_E_NOMEM;
				}
				dd->recs = nv;
				cap = ncap;
			}
			dd->recs[dd->nrecs++] = (flat_rec){ off, sz, pos + 16 };
		}
		pos += 16 + sz;
	}
	if (!ended)
		dk_image_add_note(img, "the flattened stream has no end marker (offset -1, size -1): "
		                       "it may be cut short");
	if (dd->nrecs > 1)
		qsort(dd->recs, dd->nrecs, sizeof *dd->recs, rec_cmp);
	uint64_t end = 0;
	for (size_t i = 0; i < dd->nrecs; i++) {
		const flat_rec *r = &dd->recs[i];
		if (i > 0 && r->lo < end) {
			const flat_rec *p = &dd->recs[i - 1];
			dk_set_error(err, DK_E_FORMAT,
			             "%s: flattened record at file offset 0x%" PRIx64 " (dump bytes 0x%" PRIx64
			             "+0x%" PRIx64 ") overlaps the record at file offset 0x%" PRIx64
			             " (dump bytes 0x%" PRIx64 "+0x%" PRIx64 ")",
			             dd->name, r->foff - 16, r->lo, r->size, p->foff - 16, p->lo, p->size);
			return DK_E_FORMAT;
		}
		if (!dk_add_ok(r->lo, r->size, &end)) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: flattened record at file offset 0x%" PRIx64 " ends beyond 2^64",
			             dd->name, r->foff - 16);
			return DK_E_FORMAT;
		}
	}
	dd->lsize = end;
	dk_image_add_note(img, "flattened stream: %zu data records, reassembled size 0x%" PRIx64,
	                  dd->nrecs, end);
	return DK_OK;
}

/* Reads [off, off+len) of the diskdump file; gaps between flattened
 * records read as zeros (as `makedumpfile -R` leaves them). */
static dk_status dd_read(dd_ctx *dd, uint64_t off, void *buf, size_t len, const char *what,
                         dk_error *err)
{
	if (!dd->flat)
		return dk_input_read(dd->in, off, buf, len, what, err);
	uint64_t end;
	if (!dk_add_ok(off, len, &end) || end > dd->lsize) {
		dk_set_error(err, DK_E_TRUNCATED,
		             "%s: %s at offset 0x%" PRIx64 " (0x%zx bytes) lies beyond the end of the "
		             "reassembled dump (0x%" PRIx64 ")",
		             dd->name, what, off, len, dd->lsize);
		return DK_E_TRUNCATED;
	}
	size_t lo = 0, hi = dd->nrecs;
	while (lo < hi) { /* first record ending after off */
		size_t mid = lo + (hi - lo) / 2;
		if (dd->recs[mid].lo + dd->recs[mid].size <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint8_t *out = buf;
	uint64_t pos = off;
	for (size_t i = lo; pos < end; i++) {
		if (i >= dd->nrecs || dd->recs[i].lo >= end) {
			memset(out + (pos - off), 0, end - pos);
			break;
		}
		const flat_rec *r = &dd->recs[i];
		if (r->lo > pos) {
			memset(out + (pos - off), 0, r->lo - pos);
			pos = r->lo;
		}
		uint64_t rend = r->lo + r->size;
		uint64_t n = (rend < end ? rend : end) - pos;
		dk_status st = dk_input_read(dd->in, r->foff + (pos - r->lo), out + (pos - off),
		                             (size_t)n, what, err);
		if (st != DK_OK)
			return st;
		pos += n;
	}
	return DK_OK;
}

/* ---- bitmap2 ---- */

static const uint8_t *dd_window(dd_ctx *dd, uint64_t w)
{
	if (dd->win_ok && dd->win_idx == w)
		return dd->win;
	uint64_t first = w * WIN_BITS;
	uint64_t bits = dd->max_mapnr - first;
	if (bits > WIN_BITS)
		bits = WIN_BITS;
	size_t bytes = (size_t)((bits + 7) / 8);
	memset(dd->win, 0, WIN_BYTES);
	dk_error e;
	if (dd_read(dd, dd->bm2_off + first / 8, dd->win, bytes, "bitmap2", &e) != DK_OK) {
		/* checked at open; a later failure reads as no pages */
		memset(dd->win, 0, WIN_BYTES);
		dd->win_ok = false;
		return dd->win;
	}
	if (bits % 8)
		dd->win[bytes - 1] &= (uint8_t)((1u << (bits % 8)) - 1);
	dd->win_idx = w;
	dd->win_ok = true;
	return dd->win;
}

static bool dd_dumped(dd_ctx *dd, uint64_t pfn)
{
	if (pfn >= dd->max_mapnr)
		return false;
	const uint8_t *win = dd_window(dd, pfn / WIN_BITS);
	uint64_t b = pfn % WIN_BITS;
	return (win[b / 8] >> (b % 8)) & 1;
}

/* Index of pfn's page descriptor: dumped pages below pfn. */
static uint64_t dd_rank(dd_ctx *dd, uint64_t pfn)
{
	uint64_t k = pfn / RANK_PFNS;
	uint64_t r = dd->rank[k];
	const uint8_t *win = dd_window(dd, pfn / WIN_BITS);
	uint64_t b = (k * RANK_PFNS) % WIN_BITS, stop = pfn % WIN_BITS;
	for (; b + 64 <= stop; b += 64)
		r += (uint64_t)__builtin_popcountll(dk_le64(win + b / 8));
	if (b < stop)
		r += (uint64_t)__builtin_popcountll(dk_le64(win + b / 8) &
		                                    ((1ull << (stop - b)) - 1));
	return r;
}

/* First PFN >= from whose dumped bit equals `set`; max_mapnr if none. */
static uint64_t dd_find(dd_ctx *dd, uint64_t from, bool set)
{
	uint64_t p = from;
	while (p < dd->max_mapnr) {
		uint64_t k = p / RANK_PFNS;
		if (set && dd->rank[k + 1] == dd->rank[k]) {
			p = (k + 1) * RANK_PFNS;
			continue;
		}
		if (!set && dd->rank[k + 1] - dd->rank[k] == RANK_PFNS) {
			p = (k + 1) * RANK_PFNS;
			continue;
		}
		const uint8_t *win = dd_window(dd, p / WIN_BITS);
		uint64_t b = p % WIN_BITS;
		uint64_t w = dk_le64(win + (b / 64) * 8);
		if (!set)
			w = ~w;
		w &= ~0ull << (b % 64);
		if (w) {
			uint64_t r = p - p % 64 + (uint64_t)__builtin_ctzll(w);
			return r < dd->max_mapnr ? r : dd->max_mapnr;
		}
		p = p - p % 64 + 64;
	}
	return dd->max_mapnr;
}

static bool dd_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	dd_ctx *dd = ctx;
	uint64_t s = dd_find(dd, pfn, true);
	if (s >= dd->max_mapnr)
		return false;
	uint64_t e = dd_find(dd, s, false);
	out->base_pfn = s;
	out->count = e - s;
	return true;
}

/* ---- pages ---- */

static dk_status dd_desc(dd_ctx *dd, uint64_t idx, const uint8_t **pd, dk_error *err)
{
	if (!(idx >= dd->pdc_first && idx < dd->pdc_first + dd->pdc_n)) {
		uint64_t n = dd->ndumped - idx;
		if (n > PD_CACHE)
			n = PD_CACHE;
		dd->pdc_n = 0;
		dk_status st = dd_read(dd, dd->pd_off + idx * PD_SIZE, dd->pdc, (size_t)(n * PD_SIZE),
		                       "page_desc table", err);
		if (st != DK_OK)
			return st;
		dd->pdc_first = idx;
		dd->pdc_n = n;
	}
	*pd = dd->pdc + (idx - dd->pdc_first) * PD_SIZE;
	return DK_OK;
}

static const char *method_name(uint32_t flags)
{
	switch (flags & DD_COMPRESSION) {
	case DD_ZLIB: return "zlib";
	case DD_LZO: return "lzo";
	case DD_SNAPPY: return "snappy";
	case DD_ZSTD: return "zstd";
	case 0: return "raw";
	default: return "mixed";
	}
}

/* Decompresses cbuf[0..csize) into out; returns the size produced, or
 * SIZE_MAX when the data is not valid for the method. */
static size_t dd_decompress(dd_ctx *dd, uint32_t method, uint32_t csize, uint8_t *out)
{
	switch (method) {
	case DD_ZLIB: {
		uLongf n = dd->bs;
		if (uncompress(out, &n, dd->cbuf, csize) != Z_OK)
			return SIZE_MAX;
		return n;
	}
	case DD_LZO: {
		lzo_uint n = dd->bs;
		if (lzo1x_decompress_safe(dd->cbuf, csize, out, &n, NULL) != LZO_E_OK)
			return SIZE_MAX;
		return n;
	}
	case DD_SNAPPY: {
		size_t n;
		if (snappy_uncompressed_length((const char *)dd->cbuf, csize, &n) != SNAPPY_OK)
			return SIZE_MAX;
		if (n != dd->bs)
			return n;
		if (snappy_uncompress((const char *)dd->cbuf, csize, (char *)out, &n) != SNAPPY_OK)
			return SIZE_MAX;
		return n;
	}
	case DD_ZSTD: {
		size_t n = ZSTD_decompress(out, dd->bs, dd->cbuf, csize);
		return ZSTD_isError(n) ? SIZE_MAX : n;
	}
	default:
		return SIZE_MAX;
	}
}

static dk_status dd_page(dd_ctx *dd, uint64_t pfn, uint64_t idx, uint8_t *out, dk_error *err)
{
	const uint8_t *pd;
	dk_status st = dd_desc(dd, idx, &pd, err);
	if (st != DK_OK)
		return st;
	uint64_t off = dk_le64(pd);
	uint32_t size = dk_le32(pd + 8), flags = dk_le32(pd + 12);
	uint64_t pd_at = dd->pd_off + idx * PD_SIZE;
	if (dd->page_ok && dd->page_off == off && dd->page_size_c == size && dd->page_flags == flags) {
		memcpy(out, dd->page, dd->bs);
		return DK_OK;
	}
	uint32_t method = flags & DD_COMPRESSION;
	uint64_t end;
	if (off == 0 && size == 0) {
		dk_set_error(err, DK_E_RANGE,
		             "%s: PFN 0x%" PRIx64 ": page_desc[%" PRIu64 "] at %s 0x%" PRIx64
		             " is empty (offset 0, size 0): the page was never written%s",
		             dd->name, pfn, idx, where(dd), pd_at,
		             dd->status & DD_INCOMPLETE ? " (the dump is marked incomplete)" : "");
		return DK_E_RANGE;
	}
	if (method & (method - 1)) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: PFN 0x%" PRIx64 ": page_desc[%" PRIu64 "] at %s 0x%" PRIx64
		             " has flags 0x%x: more than one compression method",
		             dd->name, pfn, idx, where(dd), pd_at, flags);
		return DK_E_FORMAT;
	}
	if ((method == 0 && size != dd->bs) || size == 0 || size > 2u * dd->bs) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: PFN 0x%" PRIx64 ": page_desc[%" PRIu64 "] at %s 0x%" PRIx64
		             " says the %s page holds %u bytes (expected %s%u)",
		             dd->name, pfn, idx, where(dd), pd_at, method_name(flags), size,
		             method == 0 ? "exactly " : "1..", method == 0 ? dd->bs : 2u * dd->bs);
		return DK_E_FORMAT;
	}
	if (!dk_add_ok(off, size, &end) || end > dd->lsize) {
		dk_set_error(err, DK_E_TRUNCATED,
		             "%s: PFN 0x%" PRIx64 ": page_desc[%" PRIu64 "] at %s 0x%" PRIx64
		             " puts the page's %u bytes at 0x%" PRIx64 ", beyond the dump's end (0x%" PRIx64
		             ")",
		             dd->name, pfn, idx, where(dd), pd_at, size, off, dd->lsize);
		return DK_E_TRUNCATED;
	}
	dd->page_ok = false;
	if (method == 0) {
		st = dd_read(dd, off, out, dd->bs, "page data", err);
		if (st != DK_OK)
			return st;
	} else {
		st = dd_read(dd, off, dd->cbuf, size, "compressed page data", err);
		if (st != DK_OK)
			return st;
		size_t got = dd_decompress(dd, method, size, out);
		if (got != dd->bs) {
			if (got == SIZE_MAX)
				dk_set_error(err, DK_E_FORMAT,
				             "%s: PFN 0x%" PRIx64 ": page_desc[%" PRIu64 "] at %s 0x%" PRIx64
				             ": the %u bytes of %s data at 0x%" PRIx64
				             " do not decompress to a %u-byte page (invalid data)",
				             dd->name, pfn, idx, where(dd), pd_at, size, method_name(flags), off,
				             dd->bs);
			else
				dk_set_error(err, DK_E_FORMAT,
				             "%s: PFN 0x%" PRIx64 ": page_desc[%" PRIu64 "] at %s 0x%" PRIx64
				             ": the %u bytes of %s data at 0x%" PRIx64
				             " decompress to %zu bytes, expected %u",
				             dd->name, pfn, idx, where(dd), pd_at, size, method_name(flags), off,
				             got, dd->bs);
			return DK_E_FORMAT;
		}
	}
	memcpy(dd->page, out, dd->bs);
	dd->page_off = off;
	dd->page_size_c = size;
	dd->page_flags = flags;
	dd->page_ok = true;
	return DK_OK;
}

static dk_status dd_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf, dk_error *err)
{
	dd_ctx *dd = ctx;
	uint8_t *out = buf;
	uint64_t idx = 0;
	bool have_idx = false;
	for (uint64_t i = 0; i < count; i++, pfn++, out += dd->bs) {
		if (!dd_dumped(dd, pfn)) {
			dk_set_error(err, DK_E_RANGE,
			             "%s: physical page 0x%" PRIx64 " is not present (not in bitmap2)",
			             dd->name, pfn);
			return DK_E_RANGE;
		}
		if (!have_idx) {
			idx = dd_rank(dd, pfn);
			have_idx = true;
		}
		dk_status st = dd_page(dd, pfn, idx, out, err);
		if (st != DK_OK)
			return st;
		idx++;
	}
	return DK_OK;
}

static bool dd_locate(void *ctx, uint64_t pfn, int *fd, uint64_t *offset, uint64_t *contig)
{
	dd_ctx *dd = ctx;
	if (dd->flat || dd->in->fd < 0 || !dd_dumped(dd, pfn))
		return false;
	const uint8_t *pd;
	dk_error e;
	if (dd_desc(dd, dd_rank(dd, pfn), &pd, &e) != DK_OK)
		return false;
	uint64_t off = dk_le64(pd), end;
	if ((dk_le32(pd + 12) & DD_COMPRESSION) || dk_le32(pd + 8) != dd->bs ||
	    !dk_add_ok(off, dd->bs, &end) || end > dd->lsize)
		return false;
	*fd = dd->in->fd;
	*offset = off;
	*contig = 1;
	return true;
}

/* A second cursor for another thread: the index tables (flattened
 * records, rank) are shared and never written after open; the caches are
 * its own. */
static void *dd_clone(void *ctx)
{
	const dd_ctx *dd = ctx;
	dd_ctx *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	*c = *dd;
	c->win = malloc(WIN_BYTES);
	c->pdc = malloc((size_t)PD_CACHE * PD_SIZE);
	c->page = malloc(dd->bs);
	c->cbuf = malloc(2 * (size_t)dd->bs);
	c->win_ok = c->page_ok = false;
	c->pdc_n = 0;
	if (!c->win || !c->pdc || !c->page || !c->cbuf) {
		free(c->win);
		free(c->pdc);
		free(c->page);
		free(c->cbuf);
		free(c);
		return NULL;
	}
	return c;
}

static void dd_clone_free(void *p)
{
	dd_ctx *c = p;
	if (!c)
		return;
	free(c->win);
	free(c->pdc);
	free(c->page);
	free(c->cbuf);
	free(c);
}

static const dk_physmem_ops dd_ops = { dd_next_run, dd_read_pages, dd_locate, dd_clone,
	                               dd_clone_free };

/* ---- notes: CPU state and VMCOREINFO ---- */

typedef struct note_view {
	const uint8_t *name;
	uint32_t namesz, descsz, type;
	const uint8_t *desc;
} note_view;

/* Next ELF note in buf[*pos..n); false at the end or on a malformed one. */
static bool next_note(const uint8_t *buf, size_t n, size_t *pos, note_view *v)
{
	size_t p = *pos;
	if (p > n || n - p < 12)
		return false;
	v->namesz = dk_le32(buf + p);
	v->descsz = dk_le32(buf + p + 4);
	v->type = dk_le32(buf + p + 8);
	uint64_t name_end = (uint64_t)p + 12 + (((uint64_t)v->namesz + 3) & ~3ull);
	uint64_t desc_end = name_end + (((uint64_t)v->descsz + 3) & ~3ull);
	if (name_end > n || (uint64_t)p + 12 + v->descsz > n || name_end + v->descsz > n)
		return false;
	v->name = buf + p + 12;
	v->desc = buf + name_end;
	*pos = desc_end > n ? n : (size_t)desc_end;
	return true;
}

static bool note_is(const note_view *v, const char *name)
{
	size_t l = strlen(name);
	return (v->namesz == l + 1 || v->namesz == l) && memcmp(v->name, name, l) == 0;
}

static void parse_notes(dk_image *img, const uint8_t *buf, size_t n)
{
	size_t pos = 0, ncore = 0, nqemu = 0;
	note_view v;
	while (next_note(buf, n, &pos, &v)) {
		if (note_is(&v, "CORE") && v.type == 1)
			ncore++;
		else if (note_is(&v, "QEMU") && v.type == 0)
			nqemu++;
		else if (note_is(&v, "VMCOREINFO") && !img->vmcoreinfo && v.descsz) {
			img->vmcoreinfo = malloc(v.descsz);
			if (img->vmcoreinfo) {
				memcpy(img->vmcoreinfo, v.desc, v.descsz);
				img->vmcoreinfo_len = v.descsz;
			}
		}
	}
	if (pos < n && n - pos >= 12)
		dk_image_add_note(img, "the note area stops parsing at byte 0x%zx of 0x%zx (malformed note)",
		                  pos, n);
	size_t ncpu = ncore > nqemu ? ncore : nqemu;
	if (!ncpu || !dk_image_alloc_cpus(img, ncpu))
		return;
	pos = 0;
	size_t ic = 0, iq = 0;
	while (next_note(buf, n, &pos, &v)) {
		if (note_is(&v, "CORE") && v.type == 1) {
			dk_image_cpu *c = &img->cpus[ic++];
			if (v.descsz == 0x90)
				dk_image_cpu_prstatus32(c, v.desc);
			else if (v.descsz == 0x150)
				dk_image_cpu_prstatus64(c, v.desc);
		} else if (note_is(&v, "QEMU") && v.type == 0) {
			dk_image_cpu *c = &img->cpus[iq++];
			if (v.descsz >= 0x1b8 && dk_le32(v.desc) == 1)
				dk_image_cpu_qemu(c, v.desc);
		}
	}
	dk_image_add_note(img, "%zu NT_PRSTATUS and %zu QEMU CPU-state notes", ncore, nqemu);
}

/* ---- open ---- */

typedef struct bm_counts {
	uint64_t valid, dumped, valid_not_dumped, dumped_not_valid;
	uint64_t last; /* one past the highest dumped PFN */
} bm_counts;

/* Reads both bitmaps once (in windows): fills the rank index over bitmap2
 * and counts RAM and dumped pages. */
static dk_status dd_scan_bitmaps(dd_ctx *dd, bm_counts *c, dk_error *err)
{
	memset(c, 0, sizeof *c);
	uint64_t bm_bytes = (dd->max_mapnr + 7) / 8;
	dk_status st;
	uint8_t *w1 = malloc(WIN_BYTES);
	if (!w1) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	for (uint64_t off = 0; off < bm_bytes; off += WIN_BYTES) {
		size_t n = (size_t)(bm_bytes - off < WIN_BYTES ? bm_bytes - off : WIN_BYTES);
		memset(dd->win, 0, WIN_BYTES);
		memset(w1, 0, WIN_BYTES);
		if ((st = dd_read(dd, dd->bm2_off + off, dd->win, n, "bitmap2 (dumped pages)", err)) != DK_OK ||
		    (st = dd_read(dd, dd->bm1_off + off, w1, n, "bitmap1 (RAM pages)", err)) != DK_OK) {
			free(w1);
			return st;
		}
		uint64_t bits = dd->max_mapnr - off * 8;
		if (bits < (uint64_t)n * 8) { /* clear the bits past max_mapnr */
			dd->win[n - 1] &= (uint8_t)((1u << (bits % 8)) - 1);
			w1[n - 1] &= (uint8_t)((1u << (bits % 8)) - 1);
		}
		for (size_t i = 0; i < WIN_BYTES; i += 8) {
			uint64_t a = dk_le64(dd->win + i), b = dk_le64(w1 + i);
			uint64_t pfn0 = off * 8 + (uint64_t)i * 8;
			if (pfn0 % RANK_PFNS == 0 && pfn0 / RANK_PFNS <= dd->nrank)
				dd->rank[pfn0 / RANK_PFNS] = c->dumped;
			c->dumped += (uint64_t)__builtin_popcountll(a);
			c->valid += (uint64_t)__builtin_popcountll(b);
			c->valid_not_dumped += (uint64_t)__builtin_popcountll(b & ~a);
			c->dumped_not_valid += (uint64_t)__builtin_popcountll(a & ~b);
			if (a)
				c->last = pfn0 + 64 - (uint64_t)__builtin_clzll(a);
		}
	}
	free(w1);
	dd->rank[dd->nrank] = dd->rank[dd->nrank + 1] = c->dumped;
	dd->win_ok = false;
	return DK_OK;
}

/* Copies VMCOREINFO (sub-header v3+) and parses the ELF notes (v4+);
 * problems only add notes. */
static void dd_read_notes(dd_ctx *dd, dk_image *img, uint32_t version, const uint8_t *sh,
                          uint64_t sub_len)
{
	dk_error e;
	if (version >= 3 && sub_len >= 48) {
		uint64_t voff = dk_le64(sh + 32), vsize = dk_le64(sh + 40), vend;
		if (vsize && vsize <= MAX_NOTES_BYTES && dk_add_ok(voff, vsize, &vend) &&
		    vend <= dd->lsize) {
			uint8_t *v = malloc((size_t)vsize);
			if (v && dd_read(dd, voff, v, (size_t)vsize, "VMCOREINFO", &e) == DK_OK) {
				img->vmcoreinfo = v;
				img->vmcoreinfo_len = (size_t)vsize;
			} else {
				free(v);
			}
		} else if (vsize) {
			dk_image_add_note(img, "kdump_sub_header VMCOREINFO (0x%" PRIx64 " bytes at 0x%" PRIx64
			                       ") lies outside the dump; ignored", vsize, voff);
		}
	}
	if (version >= 4 && sub_len >= 64) {
		uint64_t noff = dk_le64(sh + 48), nsize = dk_le64(sh + 56), nend;
		if (nsize && nsize <= MAX_NOTES_BYTES && dk_add_ok(noff, nsize, &nend) &&
		    nend <= dd->lsize) {
			uint8_t *nb = malloc((size_t)nsize);
			if (nb && dd_read(dd, noff, nb, (size_t)nsize, "ELF notes", &e) == DK_OK)
				parse_notes(img, nb, (size_t)nsize);
			free(nb);
		} else if (nsize) {
			dk_image_add_note(img, "kdump_sub_header notes (0x%" PRIx64 " bytes at 0x%" PRIx64
			                       ") lie outside the dump; ignored", nsize, noff);
		}
	}
}


static int dd_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)file_size;
	if (len >= 0x1b0 + 4 && memcmp(head, DD_SIG, 8) == 0) {
		uint32_t bs = dk_le32(head + 0x1ac);
		return bs >= 512 && !(bs & (bs - 1)) ? 95 : 70;
	}
	if (len >= 32 && memcmp(head, FLAT_SIG, 12) == 0 && !head[12] && !head[13] && !head[14] &&
	    !head[15])
		return be64(head + 16) == 1 && be64(head + 24) == 1 ? 95 : 60;
	return 0;
}

static dk_status dd_fail(dd_ctx *dd, dk_status st)
{
	dd_free(dd);
	return st;
}

static dk_status dd_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	(void)opts;
	dd_ctx *dd = dk_calloc(1, sizeof *dd);
	if (!dd) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	dd->in = &img->in;
	dd->name = img->in.name;
	dd->lsize = img->in.size;
	const char *name = dd->name;
	uint8_t sig[32] = { 0 };
	dk_input_read_some(dd->in, 0, sig, sizeof sig);
	dk_status st;
	if (memcmp(sig, FLAT_SIG, 12) == 0) {
		uint64_t type = be64(sig + 16), ver = be64(sig + 24);
		if (type != 1 || ver != 1) {
			dk_set_error(err, DK_E_UNSUPPORTED,
			             "%s: makedumpfile flattened header at file offset 0x10 has type %" PRIu64
			             " and version %" PRIu64 " (expected type 1, version 1)",
			             name, type, ver);
			return dd_fail(dd, DK_E_UNSUPPORTED);
		}
		dd->flat = true;
		if ((st = flat_index(dd, img, err)) != DK_OK)
			return dd_fail(dd, st);
	}
	uint8_t h[0x1d0];
	if ((st = dd_read(dd, 0, h, sizeof h, "disk_dump_header", err)) != DK_OK)
		return dd_fail(dd, st);
	if (memcmp(h, DD_SIG, 8) != 0) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: disk_dump_header.signature at %s 0x0 is \"%.8s\", expected \"KDUMP   \"",
		             name, where(dd), (const char *)h);
		return dd_fail(dd, DK_E_FORMAT);
	}
	uint32_t version = dk_le32(h + 0x8);
	dd->status = dk_le32(h + 0x1a8);
	dd->bs = dk_le32(h + 0x1ac);
	uint32_t sub_blocks = dk_le32(h + 0x1b0), bitmap_blocks = dk_le32(h + 0x1b4);
	uint32_t max_mapnr32 = dk_le32(h + 0x1b8), nr_cpus = dk_le32(h + 0x1cc);
	uint32_t bs = dd->bs;
	if (bs < 512 || bs > 65536 || (bs & (bs - 1))) {
		uint32_t bs32 = dk_le32(h + 0x1a4);
		bool layout32 = bs32 >= 512 && bs32 <= 65536 && !(bs32 & (bs32 - 1));
		dk_set_error(err, layout32 ? DK_E_UNSUPPORTED : DK_E_FORMAT,
		             "%s: disk_dump_header.block_size at %s 0x1ac is %u, expected a power of two "
		             "in 512..65536%s",
		             name, where(dd), bs,
		             layout32 ? " (the 32-bit header layout, which dmpkit does not read)" : "");
		return dd_fail(dd, layout32 ? DK_E_UNSUPPORTED : DK_E_FORMAT);
	}
	if (version == 0 || version > 64) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: disk_dump_header.header_version at %s 0x8 is %u, expected 1..64", name,
		             where(dd), version);
		return dd_fail(dd, DK_E_FORMAT);
	}
	if (bitmap_blocks == 0 || bitmap_blocks % 2) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: disk_dump_header.bitmap_blocks at %s 0x1b4 is %u, expected an even "
		             "number > 0 (two bitmaps)",
		             name, where(dd), bitmap_blocks);
		return dd_fail(dd, DK_E_FORMAT);
	}
	/* sub-header */
	uint8_t sh[104] = { 0 };
	uint64_t sub_off = bs;
	uint64_t sub_len = (uint64_t)sub_blocks * bs;
	if (sub_blocks && (st = dd_read(dd, sub_off, sh, sub_len < sizeof sh ? (size_t)sub_len : sizeof sh,
	                                "kdump_sub_header", err)) != DK_OK)
		return dd_fail(dd, st);
	uint32_t dump_level = dk_le32(sh + 8), split = dk_le32(sh + 12);
	dd->max_mapnr = max_mapnr32;
	if (version >= 6 && sub_len >= 104 && dk_le64(sh + 96))
		dd->max_mapnr = dk_le64(sh + 96);
	uint64_t half = (uint64_t)bitmap_blocks / 2 * bs;
	dd->bm1_off = (1 + (uint64_t)sub_blocks) * bs;
	dd->bm2_off = dd->bm1_off + half;
	dd->pd_off = dd->bm1_off + 2 * half;
	if (dd->max_mapnr > half * 8) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: max_mapnr (%s) is 0x%" PRIx64 " PFNs, but each bitmap has only %" PRIu64
		             " bits (bitmap_blocks %u of %u bytes)",
		             name, version >= 6 ? "kdump_sub_header.max_mapnr_64" : "disk_dump_header.max_mapnr",
		             dd->max_mapnr, half * 8, bitmap_blocks, bs);
		return dd_fail(dd, DK_E_FORMAT);
	}
	if (dd->pd_off > dd->lsize || 2 * half > img->in.size) {
		dk_set_error(err, DK_E_TRUNCATED,
		             "%s: the bitmaps (%u blocks of %u bytes at %s 0x%" PRIx64
		             ") end beyond the dump's end (0x%" PRIx64 ")",
		             name, bitmap_blocks, bs, where(dd), dd->bm1_off, dd->lsize);
		return dd_fail(dd, DK_E_TRUNCATED);
	}
	/* rank index over bitmap2, and counts of bitmap1 */
	dd->nrank = (size_t)((dd->max_mapnr + RANK_PFNS - 1) / RANK_PFNS);
	dd->rank = dk_calloc(dd->nrank + 2, sizeof *dd->rank);
	dd->win = malloc(WIN_BYTES);
	dd->pdc = malloc((size_t)PD_CACHE * PD_SIZE);
	dd->page = malloc(bs);
	dd->cbuf = malloc(2 * (size_t)bs);
	if (!dd->rank || !dd->win || !dd->pdc || !dd->page || !dd->cbuf) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return dd_fail(dd, DK_E_NOMEM);
	}
	bm_counts bc;
	if ((st = dd_scan_bitmaps(dd, &bc, err)) != DK_OK)
		return dd_fail(dd, st);
	uint64_t dumped = bc.dumped, valid = bc.valid;
	dd->ndumped = dumped;
	uint64_t pd_bytes, pd_end;
	if (!dk_mul_ok(dumped, PD_SIZE, &pd_bytes) || !dk_add_ok(dd->pd_off, pd_bytes, &pd_end) ||
	    pd_end > dd->lsize) {
		dk_set_error(err, DK_E_TRUNCATED,
		             "%s: bitmap2 marks %" PRIu64 " pages dumped, so page_desc[] at %s 0x%" PRIx64
		             " needs 0x%" PRIx64 " bytes, beyond the dump's end (0x%" PRIx64 ")",
		             name, dumped, where(dd), dd->pd_off, pd_bytes, dd->lsize);
		return dd_fail(dd, DK_E_TRUNCATED);
	}
	dd_read_notes(dd, img, version, sh, sub_len);
	dd->pdc_first = dd->pdc_n = 0;
	char machine[66] = { 0 };
	memcpy(machine, h + 0xc + 4 * 65, 65);
	dk_image_add_note(img, "diskdump header_version %u, block_size %u, max_mapnr 0x%" PRIx64
	                       ", dump_level %u, nr_cpus %u, machine \"%s\"",
	                  version, bs, dd->max_mapnr, dump_level, nr_cpus, machine);
	if (bc.valid_not_dumped)
		dk_image_add_note(img, "%" PRIu64 " RAM pages (bitmap1) were excluded by the dump level "
		                       "and are absent, not zero", bc.valid_not_dumped);
	if (bc.dumped_not_valid)
		dk_image_add_note(img, "%" PRIu64 " dumped pages (bitmap2) are not marked RAM in bitmap1",
		                  bc.dumped_not_valid);
	if (dd->status & DD_INCOMPLETE)
		dk_image_add_note(img, "the dump is marked incomplete (status 0x%x): some pages may be "
		                       "missing", dd->status);
	if (split)
		dk_image_add_note(img, "this is one file of a split dump (start_pfn 0x%" PRIx64
		                       ", end_pfn 0x%" PRIx64 ")",
		                  dk_le64(sh + 16), dk_le64(sh + 24));
	const char *comp = (dd->status & DD_COMPRESSION) ? method_name(dd->status) : "uncompressed";
	snprintf(img->describe, sizeof img->describe,
	         "kdump-compressed (diskdump v%u%s, %s), %" PRIu64 " pages dumped of %" PRIu64, version,
	         dd->flat ? ", flattened" : "", comp, dumped, valid > dumped ? valid : dumped);
	img->pm.page_size = bs;
	img->pm.present_pages = dumped;
	img->pm.end_pfn = bc.last;
	img->pm.ops = &dd_ops;
	img->pm.ctx = dd;
	img->priv = dd;
	img->free_priv = dd_free;
	(void)lzo_init();
	return DK_OK;
}

const dk_image_reader dk_reader_diskdump = {
	"diskdump", "kdump-compressed (diskdump, makedumpfile flattened)", dd_probe, dd_open
};
