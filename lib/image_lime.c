/* dmpkit — LiME and AVML physical memory images.
 *
 * LiME (504ensicsLabs/LiME src/lime.h): per range a 32-byte header
 *   {u32 magic 0x4C694D45 "EMiL", u32 version 1, u64 s_addr, u64 e_addr
 *   (INCLUSIVE), u8 reserved[8]} then e_addr - s_addr + 1 bytes.  Ranges
 *   need not be page-aligned (0x1000-0x9FBFF on SeaBIOS guests).
 * AVML (microsoft/avml src/image.rs): the same header; version 1 is plain
 *   LiME (written with the LiME magic), version 2 has magic 0x4C4D5641
 *   "AVML" and its body is a snappy *framed* stream followed by a u64 (the
 *   stream's compressed length).  image.rs stores end - 1, i.e. the end is
 *   inclusive for both versions; volatility3 layers/avml.py reads
 *   end - start bytes, so an exclusive end is accepted too (noted).  AVML
 *   leaves out blocks (<= 16 MiB) that are all zeros.
 * Snappy framing (google/snappy framing_format.txt): chunks {u8 type, u24
 *   length}: 0xff stream identifier "sNaPpY", 0x00 compressed (u32 masked
 *   CRC-32C of the uncompressed data + snappy block), 0x01 uncompressed
 *   (CRC + data), 0x02-0x7f reserved unskippable, 0x80-0xfe skippable.
 *   Uncompressed data per chunk is at most 65536 bytes.
 * Random access into AVML v2: an index of every chunk (file offset ->
 * uncompressed offset) is built at open; a read decompresses only the
 * chunks it touches, keeping the last one.
 * LiME compress=1 (the whole stream as one zlib stream, windowBits 11) is
 * read through an index of deflate access points built at open (below).
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>
#include <zlib.h>

#include "image_internal.h"

#define LM_PAGE 4096u
#define LIME_MAGIC 0x4C694D45u
#define AVML_MAGIC 0x4C4D5641u
#define SNAP_MAX_CHUNK 65536u
#define LM_WINDOW 65536u
/* Table limits: real images have a few hundred ranges (AVML: one per 16 MiB)
 * and snappy chunks of up to 64 KiB holding at least a few hundred bytes. */
#define LM_MAX_RANGES (1u << 20)

typedef struct lm_chunk {
	uint64_t foff;    /* file offset of the chunk's data (after the CRC) */
	uint64_t uoff;    /* uncompressed offset inside its range */
	uint32_t clen;    /* bytes of data in the file */
	uint32_t ulen;    /* uncompressed bytes */
	uint32_t crc;     /* masked CRC-32C from the file */
	bool compressed;
} lm_chunk;

typedef struct lm_range {
	uint64_t start, len;     /* physical bytes [start, start + len) */
	uint64_t base_pfn, count;
	uint32_t head_zero;      /* start % page size */
	uint64_t hdr_off;        /* file offset of its header */
	uint64_t foff;           /* raw: file offset of its data */
	bool snappy;
	bool zlib;               /* LiME compress=1: foff is an uncompressed offset */
	size_t first_chunk, nchunks;
} lm_range;

typedef struct lm_ctx {
	const dk_input *in;
	lm_range *r;
	size_t n, cap;
	lm_chunk *c;
	size_t nc, ccap;
	dk_extents ex;            /* plain LiME: the shared extent source */
	/* AVML v2 reads */
	uint8_t *cache;           /* SNAP_MAX_CHUNK bytes: the last chunk */
	size_t cache_idx;         /* SIZE_MAX: none */
	uint8_t *cbuf;            /* compressed bytes of one chunk */
	size_t cbuf_size;
	uint32_t crc_table[256];
	/* sequential window for open */
	uint64_t wbase;
	size_t wlen;
	uint8_t *win;
	struct lz_state *lz;      /* LiME compress=1 */
} lm_ctx;

static void lz_free(struct lz_state *s);

static void lm_free(void *priv)
{
	lm_ctx *x = priv;
	if (!x)
		return;
	free(x->r);
	free(x->c);
	free(x->cache);
	free(x->cbuf);
	free(x->win);
	lz_free(x->lz);
	dk_extents_free(&x->ex);
	free(x);
}

/* ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) ---- */
static void crc_init(uint32_t *t)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		t[i] = c;
	}
}

static uint32_t crc32c_masked(const uint32_t *t, const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = t[(c ^ p[i]) & 0xff] ^ (c >> 8);
	c ^= 0xffffffffu;
	return ((c >> 15) | (c << 17)) + 0xa282ead8u; /* the framing format's mask */
}

/* `len` bytes at `off` from a sliding window; NULL when the file ends. */
static const uint8_t *peek(lm_ctx *x, uint64_t off, size_t len)
{
	if (len > LM_WINDOW)
		return NULL;
	if (off >= x->wbase && off - x->wbase <= x->wlen && len <= x->wlen - (off - x->wbase))
		return x->win + (off - x->wbase);
	x->wbase = off;
	x->wlen = dk_input_read_some(x->in, off, x->win, LM_WINDOW);
	return len <= x->wlen ? x->win : NULL;
}

static bool push_range(lm_ctx *x, const lm_range *r)
{
	if (x->n == x->cap) {
		if (x->cap >= LM_MAX_RANGES)
			return false;
		size_t nc = x->cap ? x->cap * 2 : 16;
		lm_range *nv = realloc(x->r, nc * sizeof *nv);
		if (!nv)
			return false;
		x->r = nv;
		x->cap = nc;
	}
	x->r[x->n++] = *r;
	return true;
}

static bool push_chunk(lm_ctx *x, const lm_chunk *c)
{
	if (x->nc == x->ccap) {
		size_t nc = x->ccap ? x->ccap * 2 : 256;
		lm_chunk *nv = realloc(x->c, nc * sizeof *nv);
		if (!nv)
			return false;
		x->c = nv;
		x->ccap = nc;
	}
	x->c[x->nc++] = *c;
	return true;
}

/* Indexes the snappy framed stream of range `r` starting at file offset
 * `off`; on success *next is the offset after the trailing u64. */
static dk_status index_snappy(dk_image *img, lm_ctx *x, lm_range *r, uint64_t off,
                              uint64_t *next, size_t *exclusive, uint64_t *got,
                              dk_error *err)
{
	const char *file = img->in.name;
	uint64_t begin = off, total = 0, size = img->in.size;
	r->first_chunk = x->nc;
	for (;;) {
		/* done?  the trailing u64 equals the bytes of framed stream */
		if (total == r->len || total + 1 == r->len) {
			const uint8_t *p = peek(x, off, 8);
			bool match = p && dk_le64(p) == off - begin;
			if (match && total + 1 == r->len) {
				r->len = total; /* the header's end was exclusive */
				(*exclusive)++;
			}
			if (match) {
				*next = off + 8;
				break;
			}
			if (total == r->len) {
				dk_set_error(err, DK_E_FORMAT, "%s: AVML range at file offset 0x%" PRIx64
				             ": after its 0x%" PRIx64 " bytes of snappy stream the trailing "
				             "u64 at file offset 0x%" PRIx64 " should be 0x%" PRIx64
				             ", found %s0x%" PRIx64, file, r->hdr_off, off - begin, off,
				             off - begin, p ? "" : "the file's end, ", p ? dk_le64(p) : size);
				return DK_E_FORMAT;
			}
		}
		*got = total;
		const uint8_t *h = peek(x, off, 4);
		if (!h) {
			dk_set_error(err, DK_E_TRUNCATED, "%s: AVML range at file offset 0x%" PRIx64
			             " (physical 0x%" PRIx64 "-0x%" PRIx64 "): the snappy stream ends "
			             "at the file's end (0x%" PRIx64 ") after 0x%" PRIx64 " of 0x%" PRIx64
			             " bytes, without its trailing length", file, r->hdr_off, r->start,
			             r->start + r->len - 1, size, total, r->len);
			return DK_E_TRUNCATED;
		}
		uint8_t type = h[0];
		uint32_t clen = (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16;
		uint64_t data = off + 4, end = data + clen;
		if (end > size) {
			dk_set_error(err, DK_E_TRUNCATED, "%s: snappy chunk (type 0x%02x) at file offset "
			             "0x%" PRIx64 " says it has 0x%x bytes, past the file's end (0x%"
			             PRIx64 ")", file, type, off, clen, size);
			return DK_E_TRUNCATED;
		}
		if (type == 0xff) {
			const uint8_t *p = peek(x, data, 6);
			if (clen != 6 || !p || memcmp(p, "sNaPpY", 6) != 0) {
				dk_set_error(err, DK_E_FORMAT, "%s: snappy stream identifier chunk at file "
				             "offset 0x%" PRIx64 " is not 6 bytes of \"sNaPpY\"", file, off);
				return DK_E_FORMAT;
			}
		} else if (type == 0x00 || type == 0x01) {
			lm_chunk c;
			memset(&c, 0, sizeof c);
			if (clen < 4 + (type == 0)) {
				dk_set_error(err, DK_E_FORMAT, "%s: snappy chunk at file offset 0x%" PRIx64
				             " has 0x%x bytes, too few for its CRC and data", file, off, clen);
				return DK_E_FORMAT;
			}
			const uint8_t *p = peek(x, data, clen - 4 < 16 ? clen : 16 + 4);
			if (!p) {
				dk_set_error(err, DK_E_TRUNCATED, "%s: snappy chunk at file offset 0x%"
				             PRIx64 " is cut by the file's end", file, off);
				return DK_E_TRUNCATED;
			}
			c.crc = dk_le32(p);
			c.foff = data + 4;
			c.clen = clen - 4;
			c.compressed = type == 0;
			size_t ulen = c.clen;
			if (c.compressed) {
				size_t avail = c.clen < 16 ? c.clen : 16;
				if (snappy_uncompressed_length((const char *)p + 4, avail, &ulen) != SNAPPY_OK ||
				    c.clen > snappy_max_compressed_length(SNAP_MAX_CHUNK)) {
					dk_set_error(err, DK_E_FORMAT, "%s: snappy compressed chunk at file "
					             "offset 0x%" PRIx64 " (0x%x bytes) has no valid length "
					             "preamble", file, off, clen);
					return DK_E_FORMAT;
				}
			}
			if (ulen > SNAP_MAX_CHUNK || ulen == 0) {
				dk_set_error(err, DK_E_FORMAT, "%s: snappy chunk at file offset 0x%" PRIx64
				             " holds 0x%zx uncompressed bytes; expected 1..0x%x", file, off,
				             ulen, SNAP_MAX_CHUNK);
				return DK_E_FORMAT;
			}
			c.ulen = (uint32_t)ulen;
			c.uoff = total;
			total += ulen;
			if (total > r->len) {
				dk_set_error(err, DK_E_FORMAT, "%s: AVML range at file offset 0x%" PRIx64
				             " (physical 0x%" PRIx64 "-0x%" PRIx64 ", 0x%" PRIx64 " bytes): "
				             "its snappy stream holds more (0x%" PRIx64 " bytes by the chunk "
				             "at file offset 0x%" PRIx64 ")", file, r->hdr_off, r->start,
				             r->start + r->len - 1, r->len, total, off);
				return DK_E_FORMAT;
			}
			uint64_t max_chunks = size / 256 > 65536 ? size / 256 : 65536;
			if (x->nc >= max_chunks) {
				dk_set_error(err, DK_E_UNSUPPORTED, "%s: more than %" PRIu64 " snappy chunks "
				             "in a 0x%" PRIx64 "-byte file (the chunk at file offset 0x%"
				             PRIx64 "): chunks this small are not indexed", file,
				             max_chunks, size, off);
				return DK_E_UNSUPPORTED;
			}
			if (!push_chunk(x, &c)) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
		} else if (type < 0x80) {
			dk_set_error(err, DK_E_FORMAT, "%s: snappy chunk at file offset 0x%" PRIx64
			             " has the reserved unskippable type 0x%02x", file, off, type);
			return DK_E_FORMAT;
		} /* 0x80..0xfe: skippable / padding */
		off = end;
	}
	r->nchunks = x->nc - r->first_chunk;
	return DK_OK;
}

/* Inflates the start of a zlib stream; true when it begins with a LiME
 * header (LiME compress=1: CMF 0x38 = deflate with a 2 KiB window). */
static bool zlib_lime(const uint8_t *head, size_t len)
{
	if (len < 2 || (head[0] & 0x0f) != 8 || (head[0] >> 4) > 7 ||
	    ((unsigned)head[0] << 8 | head[1]) % 31 != 0)
		return false;
	uint8_t out[8];
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return false;
	z.next_in = (Bytef *)(uintptr_t)head;
	z.avail_in = (uInt)(len > 65536 ? 65536 : len);
	z.next_out = out;
	z.avail_out = sizeof out;
	int rc = inflate(&z, Z_SYNC_FLUSH);
	bool ok = (rc == Z_OK || rc == Z_STREAM_END) && z.avail_out == 0 &&
	          dk_le32(out) == LIME_MAGIC && dk_le32(out + 4) == 1;
	inflateEnd(&z);
	return ok;
}

/* ---- LiME compress=1: the whole stream is one zlib stream ----
 * Random access the zran way (zlib examples/zran.c, facts only): one pass
 * at open inflates everything, parses the LiME headers from the output and
 * records access points at deflate block boundaries every `span` output
 * bytes (input offset, pending bits, the last 32 KiB of output).  A read
 * restarts inflation at the nearest point below it, or continues the live
 * stream when the read follows the last one. */
#define LZ_WIN 32768u
#define LZ_IN 65536u

typedef struct lz_point {
	uint64_t out, in; /* uncompressed offset; file offset of the next input byte */
	int bits;         /* bits of the byte before `in` still to use */
	uint8_t *window;  /* LZ_WIN bytes of output before `out` */
} lz_point;

typedef struct lz_state {
	lz_point *pt;
	size_t npt, cap;
	uint64_t span, total_out;
	z_stream z;
	bool live;        /* z is positioned at output offset `pos` */
	uint64_t pos, in_off;
	uint8_t *inbuf, *scratch;
} lz_state;

static void lz_free(lz_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npt; i++)
		free(s->pt[i].window);
	free(s->pt);
	if (s->live)
		inflateEnd(&s->z);
	free(s->inbuf);
	free(s->scratch);
	free(s);
}

/* Feeds the inflated bytes to the LiME header parser. */
typedef struct lz_parse {
	uint8_t hdr[32];
	unsigned have;
	uint64_t remaining; /* data bytes of the current range still to come */
	uint64_t hdr_out;
} lz_parse;

static dk_status lz_parse_bytes(dk_image *img, lm_ctx *x, lz_parse *ps, const uint8_t *p,
                                size_t n, uint64_t out, dk_error *err)
{
	const char *file = img->in.name;
	while (n) {
		if (ps->remaining) {
			size_t take = ps->remaining < n ? (size_t)ps->remaining : n;
			ps->remaining -= take;
			p += take;
			n -= take;
			out += take;
			continue;
		}
		if (ps->have == 0)
			ps->hdr_out = out;
		size_t take = 32 - ps->have < n ? 32 - ps->have : n;
		memcpy(ps->hdr + ps->have, p, take);
		ps->have += (unsigned)take;
		p += take;
		n -= take;
		out += take;
		if (ps->have < 32)
			continue;
		ps->have = 0;
		lm_range r;
		memset(&r, 0, sizeof r);
		r.hdr_off = ps->hdr_out;
		r.start = dk_le64(ps->hdr + 8);
		uint64_t e = dk_le64(ps->hdr + 16);
		if (dk_le32(ps->hdr) != LIME_MAGIC || dk_le32(ps->hdr + 4) != 1 || e < r.start ||
		    e - r.start == UINT64_MAX || e > UINT64_MAX - LM_PAGE) {
			dk_set_error(err, DK_E_FORMAT, "%s: LiME header at uncompressed offset 0x%" PRIx64
			             " of the zlib stream: magic 0x%08x version %u s_addr 0x%" PRIx64
			             " e_addr 0x%" PRIx64 "; expected magic 0x%08x, version 1, e_addr >= "
			             "s_addr", file, r.hdr_off, dk_le32(ps->hdr), dk_le32(ps->hdr + 4),
			             r.start, e, LIME_MAGIC);
			return DK_E_FORMAT;
		}
		r.len = e - r.start + 1;
		r.foff = out; /* uncompressed offset of the data */
		r.zlib = true;
		r.base_pfn = r.start / LM_PAGE;
		r.head_zero = (uint32_t)(r.start % LM_PAGE);
		r.count = (e / LM_PAGE) - r.base_pfn + 1;
		if (!push_range(x, &r)) {
			dk_set_error(err, DK_E_UNSUPPORTED, "%s: too many LiME ranges in the zlib stream",
			             file);
			return DK_E_UNSUPPORTED;
		}
		ps->remaining = r.len;
	}
	return DK_OK;
}

#define LZ_MAX_POINTS 1024u /* 32 MiB of windows at most */

static bool lz_add_point(lz_state *s, const z_stream *z, uint64_t in, const uint8_t *window)
{
	if (s->npt == LZ_MAX_POINTS) {
		/* keep every other point (the first stays) and double the span */
		size_t k = 0;
		for (size_t i = 0; i < s->npt; i++) {
			if (i % 2 == 0)
				s->pt[k++] = s->pt[i];
			else
				free(s->pt[i].window);
		}
		s->npt = k;
		s->span *= 2;
	}
	if (s->npt == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		lz_point *nv = realloc(s->pt, nc * sizeof *nv);
		if (!nv)
			return false;
		s->pt = nv;
		s->cap = nc;
	}
	lz_point *p = &s->pt[s->npt];
	p->window = dk_calloc(1, LZ_WIN);
	if (!p->window)
		return false;
	if (z) {
		/* the circular output window, oldest byte first */
		unsigned left = z->avail_out;
		memcpy(p->window, window + LZ_WIN - left, left);
		memcpy(p->window + left, window, LZ_WIN - left);
		p->out = z->total_out;
		p->bits = z->data_type & 7;
	} else {
		p->out = 0; /* the stream's start */
		p->bits = 0;
	}
	p->in = in;
	s->npt++;
	return true;
}

/* One pass over the whole stream: ranges and access points. */
static dk_status lz_index(dk_image *img, lm_ctx *x, dk_error *err)
{
	const char *file = img->in.name;
	lz_state *s = dk_calloc(1, sizeof *s);
	uint8_t *window = malloc(LZ_WIN);
	if (s) {
		s->inbuf = malloc(LZ_IN);
		s->scratch = malloc(LZ_WIN);
	}
	x->lz = s;
	if (!s || !window || !s->inbuf || !s->scratch) {
		free(window);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	s->span = img->in.size / 128 > (1u << 20) ? img->in.size / 128 : (1u << 20);
	uint8_t h[2];
	dk_status st = dk_input_read(&img->in, 0, h, 2, "zlib header", err);
	if (st != DK_OK) {
		free(window);
		return st;
	}
	if (h[1] & 0x20) {
		free(window);
		dk_set_error(err, DK_E_UNSUPPORTED, "%s: zlib header asks for a preset dictionary "
		             "(FDICT): not a LiME compress=1 stream", file);
		return DK_E_UNSUPPORTED;
	}
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, -15) != Z_OK) {
		free(window);
		dk_set_error(err, DK_E_NOMEM, "out of memory (inflateInit2)");
		return DK_E_NOMEM;
	}
	lz_parse ps;
	memset(&ps, 0, sizeof ps);
	uint64_t in_off = 2, last = 0;
	if (!lz_add_point(s, NULL, 2, NULL)) {
		inflateEnd(&z);
		free(window);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	int ret = Z_OK;
	z.avail_out = 0;
	st = DK_OK;
	do {
		if (z.avail_in == 0) {
			size_t got = dk_input_read_some(&img->in, in_off, s->inbuf, LZ_IN);
			if (got == 0) {
				st = DK_E_TRUNCATED;
				dk_set_error(err, st, "%s: the zlib stream ends at file offset 0x%" PRIx64
				             " before its end marker (0x%" PRIx64 " bytes inflated)", file,
				             in_off, (uint64_t)z.total_out);
				break;
			}
			in_off += got;
			z.next_in = s->inbuf;
			z.avail_in = (uInt)got;
		}
		do {
			if (z.avail_out == 0) {
				z.avail_out = LZ_WIN;
				z.next_out = window;
			}
			uint8_t *before = z.next_out;
			uint64_t out_before = z.total_out;
			ret = inflate(&z, Z_BLOCK);
			if (ret == Z_NEED_DICT || ret == Z_DATA_ERROR || ret == Z_MEM_ERROR) {
				st = ret == Z_MEM_ERROR ? DK_E_NOMEM : DK_E_FORMAT;
				dk_set_error(err, st, "%s: the zlib stream is damaged near file offset 0x%"
				             PRIx64 " (%s)", file, in_off - z.avail_in,
				             z.msg ? z.msg : "inflate failed");
				break;
			}
			st = lz_parse_bytes(img, x, &ps, before, (size_t)(z.next_out - before),
			                    out_before, err);
			if (st != DK_OK)
				break;
			if (ret == Z_STREAM_END)
				break;
			if ((z.data_type & 128) && !(z.data_type & 64) &&
			    z.total_out - last > s->span) {
				if (!lz_add_point(s, &z, in_off - z.avail_in, window)) {
					st = DK_E_NOMEM;
					dk_set_error(err, st, "out of memory");
					break;
				}
				last = z.total_out;
			}
		} while (z.avail_in != 0);
	} while (st == DK_OK && ret != Z_STREAM_END);
	s->total_out = z.total_out;
	inflateEnd(&z);
	free(window);
	if (st != DK_OK)
		return st;
	if (ps.have || ps.remaining) {
		dk_set_error(err, DK_E_TRUNCATED, "%s: the inflated LiME stream (0x%" PRIx64 " bytes) "
		             "ends inside the range whose header is at uncompressed offset 0x%" PRIx64,
		             file, s->total_out, ps.hdr_out);
		return DK_E_TRUNCATED;
	}
	return DK_OK;
}

/* (Re)starts the live inflater at access point i. */
static dk_status lz_start(lm_ctx *x, size_t i, dk_error *err)
{
	lz_state *s = x->lz;
	const lz_point *p = &s->pt[i];
	if (s->live)
		inflateEnd(&s->z);
	s->live = false;
	memset(&s->z, 0, sizeof s->z);
	if (inflateInit2(&s->z, -15) != Z_OK) {
		dk_set_error(err, DK_E_NOMEM, "out of memory (inflateInit2)");
		return DK_E_NOMEM;
	}
	s->in_off = p->in;
	if (p->bits) {
		uint8_t c;
		dk_status st = dk_input_read(x->in, p->in - 1, &c, 1, "zlib stream", err);
		if (st != DK_OK) {
			inflateEnd(&s->z);
			return st;
		}
		inflatePrime(&s->z, p->bits, c >> (8 - p->bits));
	}
	if (p->out)
		inflateSetDictionary(&s->z, p->window, LZ_WIN);
	s->pos = p->out;
	s->live = true;
	return DK_OK;
}

/* Inflates into out (NULL: discard) until n bytes were produced. */
static dk_status lz_pull(lm_ctx *x, uint8_t *out, uint64_t n, dk_error *err)
{
	lz_state *s = x->lz;
	while (n) {
		if (s->z.avail_in == 0) {
			size_t got = dk_input_read_some(x->in, s->in_off, s->inbuf, LZ_IN);
			if (got == 0)
				break;
			s->in_off += got;
			s->z.next_in = s->inbuf;
			s->z.avail_in = (uInt)got;
		}
		uInt want = (uInt)(n < LZ_WIN ? n : LZ_WIN);
		s->z.next_out = out ? out : s->scratch;
		s->z.avail_out = want;
		int ret = inflate(&s->z, Z_NO_FLUSH);
		uInt made = want - s->z.avail_out;
		s->pos += made;
		n -= made;
		if (out)
			out += made;
		if (ret != Z_OK && ret != Z_STREAM_END && !(ret == Z_BUF_ERROR && made)) {
			s->live = false;
			inflateEnd(&s->z);
			dk_set_error(err, DK_E_FORMAT, "%s: the zlib stream is damaged near file offset "
			             "0x%" PRIx64, x->in->name, s->in_off - s->z.avail_in);
			return DK_E_FORMAT;
		}
		if (ret == Z_STREAM_END)
			break;
	}
	if (n) {
		dk_set_error(err, DK_E_TRUNCATED, "%s: the zlib stream ended before uncompressed "
		             "offset 0x%" PRIx64, x->in->name, s->pos + n);
		return DK_E_TRUNCATED;
	}
	return DK_OK;
}

/* Uncompressed bytes [off, off + n). */
static dk_status lz_read(lm_ctx *x, uint64_t off, uint8_t *out, uint64_t n, dk_error *err)
{
	lz_state *s = x->lz;
	if (!s->live || off < s->pos || off - s->pos > s->span) {
		size_t lo = 0, hi = s->npt;
		while (hi - lo > 1) { /* last point with out <= off */
			size_t mid = lo + (hi - lo) / 2;
			if (s->pt[mid].out <= off)
				lo = mid;
			else
				hi = mid;
		}
		dk_status st = lz_start(x, lo, err);
		if (st != DK_OK)
			return st;
	}
	dk_status st = lz_pull(x, NULL, off - s->pos, err);
	if (st == DK_OK)
		st = lz_pull(x, out, n, err);
	return st;
}

/* ---- the AVML v2 / zlib LiME physical memory source ---- */

static dk_status load_chunk(lm_ctx *x, size_t ci, dk_error *err)
{
	if (x->cache_idx == ci)
		return DK_OK;
	const lm_chunk *c = &x->c[ci];
	x->cache_idx = SIZE_MAX;
	const char *file = x->in->name;
	dk_status st;
	if (c->compressed) {
		st = dk_input_read(x->in, c->foff, x->cbuf, c->clen, "snappy chunk", err);
		if (st != DK_OK)
			return st;
		size_t ulen = SNAP_MAX_CHUNK;
		if (snappy_uncompress((const char *)x->cbuf, c->clen, (char *)x->cache, &ulen) !=
		        SNAPPY_OK || ulen != c->ulen) {
			dk_set_error(err, DK_E_FORMAT, "%s: snappy chunk at file offset 0x%" PRIx64
			             " (0x%x bytes) does not decompress to its 0x%x bytes",
			             file, c->foff - 8, c->clen, c->ulen);
			return DK_E_FORMAT;
		}
	} else {
		st = dk_input_read(x->in, c->foff, x->cache, c->ulen, "snappy chunk", err);
		if (st != DK_OK)
			return st;
	}
	uint32_t crc = crc32c_masked(x->crc_table, x->cache, c->ulen);
	if (crc != c->crc) {
		dk_set_error(err, DK_E_FORMAT, "%s: snappy chunk at file offset 0x%" PRIx64
		             ": masked CRC-32C of its data is 0x%08x, the chunk says 0x%08x",
		             file, c->foff - 8, crc, c->crc);
		return DK_E_FORMAT;
	}
	x->cache_idx = ci;
	return DK_OK;
}

/* Copies range bytes [a, b) (data offsets) to out. */
static dk_status copy_data(lm_ctx *x, const lm_range *r, uint64_t a, uint64_t b, uint8_t *out,
                           dk_error *err)
{
	if (r->zlib)
		return lz_read(x, r->foff + a, out, b - a, err);
	if (!r->snappy)
		return dk_input_read(x->in, r->foff + a, out, (size_t)(b - a), "LiME range data", err);
	/* first chunk ending after a */
	size_t lo = r->first_chunk, hi = r->first_chunk + r->nchunks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->c[mid].uoff + x->c[mid].ulen <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t ci = lo; a < b && ci < r->first_chunk + r->nchunks; ci++) {
		dk_status st = load_chunk(x, ci, err);
		if (st != DK_OK)
			return st;
		const lm_chunk *c = &x->c[ci];
		uint64_t s = a - c->uoff, e = c->uoff + c->ulen < b ? c->ulen : b - c->uoff;
		memcpy(out, x->cache + s, (size_t)(e - s));
		out += e - s;
		a = c->uoff + e;
	}
	return DK_OK;
}

/* The extent source's read for ranges whose bytes must be decoded: `off`
 * counts from the range's first data byte. */
static dk_status lm_ext_read(void *src, const dk_extent *e, uint64_t off, void *buf, size_t len,
                             dk_error *err)
{
	lm_ctx *x = src;
	return copy_data(x, &x->r[e->tag], off, off + len, buf, err);
}

static int range_cmp(const void *a, const void *b)
{
	const lm_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The ranges as the shared extent source; `decode`: their bytes come
 * through lm_ext_read (AVML v2 chunks, the inflated LiME stream). */
static dk_status lm_extents(lm_ctx *x, dk_image *img, bool decode, dk_error *err)
{
	x->ex.page_size = LM_PAGE;
	x->ex.stateful = decode; /* one chunk cache / inflate stream */
	x->ex.v = dk_calloc(x->n, sizeof *x->ex.v);
	if (!x->ex.v) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	for (size_t i = 0; i < x->n; i++) {
		dk_extent *ext = &x->ex.v[i];
		ext->base_pfn = x->r[i].base_pfn;
		ext->count = x->r[i].count;
		ext->offset = decode ? 0 : x->r[i].foff;
		ext->head_zero = x->r[i].head_zero;
		ext->file_bytes = x->r[i].len;
		ext->in = &img->in;
		if (decode) {
			ext->read = lm_ext_read;
			ext->src = x;
			ext->tag = i;
		}
	}
	x->ex.n = x->n;
	return dk_extents_finish(&x->ex, &img->pm, img->in.name, "LiME range", err);
}

/* ---- open ---- */

static dk_status lm_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	(void)opts;
	const char *file = img->in.name;
	uint64_t size = img->in.size;
	lm_ctx *x = dk_calloc(1, sizeof *x);
	if (!x || !(x->win = malloc(LM_WINDOW))) {
		free(x);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	x->in = &img->in;
	x->cache_idx = SIZE_MAX;
	img->priv = x;
	img->free_priv = lm_free;

	const uint8_t *p = peek(x, 0, 32);
	bool zlib = p && dk_le32(p) != LIME_MAGIC && dk_le32(p) != AVML_MAGIC &&
	            zlib_lime(x->win, x->wlen);
	if (zlib) {
		dk_status st = lz_index(img, x, err);
		if (st != DK_OK)
			return st;
	}
	size_t v1 = 0, v2 = 0, exclusive = 0, unaligned = 0;
	uint64_t off = 0;
	while (!zlib && off < size) {
		p = peek(x, off, 32);
		if (!p) {
			dk_set_error(err, DK_E_TRUNCATED, "%s: LiME/AVML range header at file offset 0x%"
			             PRIx64 " is cut by the file's end (0x%" PRIx64 "): 0x%" PRIx64
			             " bytes left, a header has 32", file, off, size, size - off);
			return DK_E_TRUNCATED;
		}
		uint32_t magic = dk_le32(p), version = dk_le32(p + 4);
		lm_range r;
		memset(&r, 0, sizeof r);
		r.hdr_off = off;
		r.start = dk_le64(p + 8);
		uint64_t e = dk_le64(p + 16);
		bool lime1 = (magic == LIME_MAGIC || magic == AVML_MAGIC) && version == 1;
		bool avml2 = magic == AVML_MAGIC && version == 2;
		if (!lime1 && !avml2) {
			dk_set_error(err, DK_E_FORMAT, "%s: range header at file offset 0x%" PRIx64
			             ": magic 0x%08x version %u; expected LiME 0x%08x version 1 or "
			             "AVML 0x%08x version 1 or 2", file, off, magic, version, LIME_MAGIC,
			             AVML_MAGIC);
			return DK_E_FORMAT;
		}
		if (e < r.start || e - r.start == UINT64_MAX || e > UINT64_MAX - LM_PAGE) {
			dk_set_error(err, DK_E_FORMAT, "%s: range header at file offset 0x%" PRIx64
			             ": e_addr 0x%" PRIx64 " (inclusive) is below s_addr 0x%" PRIx64
			             " or too large", file, off, e, r.start);
			return DK_E_FORMAT;
		}
		r.len = e - r.start + 1;
		if (lime1) {
			v1++;
			r.foff = off + 32;
			if (r.len > size - r.foff) {
				dk_set_error(err, DK_E_TRUNCATED, "%s: LiME range at file offset 0x%" PRIx64
				             " (physical 0x%" PRIx64 "-0x%" PRIx64 ") needs 0x%" PRIx64
				             " bytes of data but the file ends 0x%" PRIx64 " bytes after "
				             "its header", file, off, r.start, e, r.len, size - r.foff);
				return DK_E_TRUNCATED;
			}
			off = r.foff + r.len;
		} else {
			v2++;
			r.snappy = true;
			uint64_t got = 0;
			dk_status st = index_snappy(img, x, &r, off + 32, &off, &exclusive, &got, err);
			if (st != DK_OK) {
				char inner[sizeof err->message];
				snprintf(inner, sizeof inner, "%s", err->message);
				dk_set_error(err, st, "%s (in the AVML range whose header is at file offset "
				             "0x%" PRIx64 ", physical 0x%" PRIx64 "-0x%" PRIx64 ": 0x%" PRIx64
				             " of 0x%" PRIx64 " bytes so far)", inner, r.hdr_off, r.start,
				             e, got, r.len);
				return st;
			}
		}
		r.base_pfn = r.start / LM_PAGE;
		r.head_zero = (uint32_t)(r.start % LM_PAGE);
		r.count = r.len ? (r.start + r.len - 1) / LM_PAGE - r.base_pfn + 1 : 0;
		if (r.head_zero || (r.start + r.len) % LM_PAGE)
			unaligned++;
		if (r.len && !push_range(x, &r)) {
			bool many = x->n >= LM_MAX_RANGES;
			dk_set_error(err, many ? DK_E_UNSUPPORTED : DK_E_NOMEM,
			             many ? "%s: more than %u ranges (at file offset 0x%" PRIx64 ")"
			                  : "%s: out of memory (%u ranges, file offset 0x%" PRIx64 ")",
			             file, LM_MAX_RANGES, r.hdr_off);
			return many ? DK_E_UNSUPPORTED : DK_E_NOMEM;
		}
	}
	if (x->n == 0) {
		dk_set_error(err, DK_E_FORMAT, "%s: no LiME/AVML range holds any memory", file);
		return DK_E_FORMAT;
	}
	free(x->win);
	x->win = NULL;

	if (unaligned)
		dk_image_add_note(img, "%zu range(s) start or end inside a page (e.g. an e_addr of "
		                  "0x...bff): the rest of those pages reads as zeros", unaligned);
	if (exclusive)
		dk_image_add_note(img, "%zu AVML range header(s) gave an exclusive end (the snappy "
		                  "stream held e_addr - s_addr bytes)", exclusive);

	if (v2 == 0 && !zlib) {
		/* plain LiME: file bytes (zero-copy capable) */
		dk_status st = lm_extents(x, img, false, err);
		if (st != DK_OK)
			return st;
		snprintf(img->describe, sizeof img->describe,
		         "%s, %zu range%s, %" PRIu64 " pages",
		         img->reader == &dk_reader_avml ? "AVML v1 (LiME body)" : "LiME v1", x->n,
		         x->n == 1 ? "" : "s", img->pm.present_pages);
		return DK_OK;
	}

	/* AVML v2 (possibly mixed with v1 ranges) */
	qsort(x->r, x->n, sizeof *x->r, range_cmp);
	for (size_t i = 0; i < x->n; i++) {
		if (i > 0 && x->r[i].base_pfn < x->r[i - 1].base_pfn + x->r[i - 1].count) {
			const lm_range *a = &x->r[i - 1], *b = &x->r[i];
			const char *where = zlib ? "inflated-stream offset" : "file offset";
			dk_set_error(err, DK_E_FORMAT, "%s: range at %s 0x%" PRIx64 " (physical 0x%"
			             PRIx64 "-0x%" PRIx64 ") overlaps (or shares a page with) the range "
			             "at %s 0x%" PRIx64 " (physical 0x%" PRIx64 "-0x%" PRIx64 ")", file,
			             where, b->hdr_off, b->start, b->start + b->len - 1, where,
			             a->hdr_off, a->start, a->start + a->len - 1);
			return DK_E_FORMAT;
		}
	}
	x->cache = malloc(SNAP_MAX_CHUNK);
	x->cbuf_size = snappy_max_compressed_length(SNAP_MAX_CHUNK);
	x->cbuf = malloc(x->cbuf_size);
	if (!x->cache || !x->cbuf) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	crc_init(x->crc_table);
	dk_status st = lm_extents(x, img, true, err);
	if (st != DK_OK)
		return st;
	uint64_t present = img->pm.present_pages;
	if (zlib) {
		dk_image_add_note(img, "LiME compress=1: one zlib stream of 0x%" PRIx64 " bytes, %zu "
		                  "access points every 0x%" PRIx64 " bytes or more; reads far from "
		                  "the previous one inflate up to that much again",
		                  x->lz->total_out, x->lz->npt, x->lz->span);
		snprintf(img->describe, sizeof img->describe,
		         "LiME v1, compress=1 (zlib), %zu range%s, %" PRIu64 " pages", x->n,
		         x->n == 1 ? "" : "s", present);
		return DK_OK;
	}
	dk_image_add_note(img, "AVML leaves out blocks that are all zeros: their pages are absent");
	dk_image_add_note(img, "snappy chunks are checked against their CRC-32C when read");
	snprintf(img->describe, sizeof img->describe,
	         "AVML v2 (snappy framed), %zu range%s (%zu uncompressed), %zu snappy chunks, "
	         "%" PRIu64 " pages", x->n, x->n == 1 ? "" : "s", v1, x->nc, present);
	return DK_OK;
}

static int lime_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)file_size;
	if (len >= 32 && dk_le32(head) == LIME_MAGIC && dk_le32(head + 4) == 1 &&
	    dk_le64(head + 16) >= dk_le64(head + 8))
		return 95;
	if (zlib_lime(head, len))
		return 60; /* compress=1: a zlib stream whose output starts with a LiME header */
	return 0;
}

static int avml_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)file_size;
	if (len >= 32 && dk_le32(head) == AVML_MAGIC &&
	    (dk_le32(head + 4) == 1 || dk_le32(head + 4) == 2) &&
	    dk_le64(head + 16) >= dk_le64(head + 8))
		return 95;
	return 0;
}

const dk_image_reader dk_reader_lime = {
	"lime", "LiME (Linux Memory Extractor, format=lime)", lime_probe, lm_open,
};
const dk_image_reader dk_reader_avml = {
	"avml", "AVML (Microsoft; version 2: snappy framed)", avml_probe, lm_open,
};
