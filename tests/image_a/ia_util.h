/* dmpkit tests — helpers for the raw/ELF/LiME/AVML image reader tests:
 * a growable byte buffer to build files, ELF/note/snappy-framing writers
 * and page reading.  Header-only (static functions), one copy per test.
 * SPDX-License-Identifier: MIT */
#ifndef IA_UTIL_H
#define IA_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <snappy-c.h>

#include <dmpkit/image.h>

typedef struct ia_buf {
	uint8_t *p;
	size_t n, cap;
} ia_buf;

static inline void ia_reserve(ia_buf *b, size_t n)
{
	if (b->n + n <= b->cap)
		return;
	size_t nc = b->cap ? b->cap : 4096;
	while (nc < b->n + n)
		nc *= 2;
	b->p = realloc(b->p, nc);
	assert_non_null(b->p);
	b->cap = nc;
}

/* Appends n bytes (zeros when d is NULL); returns their offset. */
static inline size_t ia_put(ia_buf *b, const void *d, size_t n)
{
	ia_reserve(b, n);
	size_t at = b->n;
	if (d)
		memcpy(b->p + at, d, n);
	else
		memset(b->p + at, 0, n);
	b->n += n;
	return at;
}

static inline void ia_align(ia_buf *b, size_t a)
{
	while (b->n % a)
		ia_put(b, NULL, 1);
}

static inline void ia_w16(ia_buf *b, size_t at, uint16_t v)
{
	b->p[at] = (uint8_t)v;
	b->p[at + 1] = (uint8_t)(v >> 8);
}
static inline void ia_w32(ia_buf *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[at + i] = (uint8_t)(v >> (8 * i));
}
static inline void ia_w64(ia_buf *b, size_t at, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b->p[at + i] = (uint8_t)(v >> (8 * i));
}
static inline void ia_put32(ia_buf *b, uint32_t v)
{
	ia_w32(b, ia_put(b, NULL, 4), v);
}
static inline void ia_put64(ia_buf *b, uint64_t v)
{
	ia_w64(b, ia_put(b, NULL, 8), v);
}

/* An Elf64_Ehdr (64 bytes, ET_CORE) at offset 0 of an empty buffer. */
static inline void ia_elf64_ehdr(ia_buf *b, uint16_t machine, uint64_t phoff, uint16_t phnum,
                          uint64_t shoff, uint16_t shnum)
{
	size_t at = ia_put(b, NULL, 64);
	memcpy(b->p + at, "\177ELF\2\1\1", 7);
	ia_w16(b, 16, 4);
	ia_w16(b, 18, machine);
	ia_w32(b, 20, 1);
	ia_w64(b, 32, phoff);
	ia_w64(b, 40, shoff);
	ia_w16(b, 52, 64);
	ia_w16(b, 54, 56);
	ia_w16(b, 56, phnum);
	ia_w16(b, 58, 64);
	ia_w16(b, 60, shnum);
}

static inline void ia_elf64_phdr(ia_buf *b, size_t at, uint32_t type, uint64_t off, uint64_t paddr,
                          uint64_t filesz, uint64_t memsz)
{
	ia_w32(b, at, type);
	ia_w64(b, at + 8, off);
	ia_w64(b, at + 16, paddr);
	ia_w64(b, at + 24, paddr);
	ia_w64(b, at + 32, filesz);
	ia_w64(b, at + 40, memsz);
}

/* One note: name written with namesz (the caller says whether the NUL is
 * counted) padded to name_align, desc padded to 4. */
static inline void ia_note(ia_buf *b, const char *name, uint32_t namesz, size_t name_align,
                    uint32_t type, const void *desc, uint32_t descsz)
{
	ia_put32(b, namesz);
	ia_put32(b, descsz);
	ia_put32(b, type);
	size_t at = ia_put(b, NULL, (namesz + name_align - 1) / name_align * name_align);
	memcpy(b->p + at, name, strlen(name));
	ia_put(b, desc, descsz);
	ia_align(b, 4);
}

/* CRC-32C bit by bit (not the table form the reader uses), masked as the
 * snappy framing format says. */
static inline uint32_t ia_crc32c_masked(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
	}
	c = ~c;
	return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

/* Appends a snappy framed stream of data[0..n) (64 KiB chunks, compressed
 * with libsnappy; every 7th chunk stored uncompressed, a padding chunk
 * after the identifier) and returns its length in bytes. */
static inline size_t ia_snappy_frame(ia_buf *b, const uint8_t *data, size_t n)
{
	size_t begin = b->n;
	static const uint8_t ident[10] = { 0xff, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y' };
	ia_put(b, ident, sizeof ident);
	static const uint8_t pad[7] = { 0xfe, 3, 0, 0, 1, 2, 3 };
	ia_put(b, pad, sizeof pad);
	size_t maxc = snappy_max_compressed_length(65536);
	char *tmp = malloc(maxc);
	assert_non_null(tmp);
	unsigned k = 0;
	for (size_t off = 0; off < n; off += 65536, k++) {
		size_t len = n - off < 65536 ? n - off : 65536;
		size_t clen = maxc;
		bool raw = k % 7 == 6;
		if (!raw)
			assert_int_equal(snappy_compress((const char *)data + off, len, tmp, &clen),
			                 SNAPPY_OK);
		size_t body = 4 + (raw ? len : clen);
		uint8_t h[8] = { raw ? 0x01 : 0x00, (uint8_t)body, (uint8_t)(body >> 8),
		                 (uint8_t)(body >> 16) };
		uint32_t crc = ia_crc32c_masked(data + off, len);
		for (int i = 0; i < 4; i++)
			h[4 + i] = (uint8_t)(crc >> (8 * i));
		ia_put(b, h, 8);
		ia_put(b, raw ? (const void *)(data + off) : (const void *)tmp, raw ? len : clen);
	}
	free(tmp);
	return b->n - begin;
}

/* A LiME/AVML range header. */
static inline void ia_lime_hdr(ia_buf *b, uint32_t magic, uint32_t version, uint64_t s, uint64_t e)
{
	ia_put32(b, magic);
	ia_put32(b, version);
	ia_put64(b, s);
	ia_put64(b, e);
	ia_put64(b, 0);
}

static inline dk_image *ia_open_mem(const ia_buf *b, const char *format, const char *map)
{
	dk_image_options o;
	memset(&o, 0, sizeof o);
	o.format = format;
	o.map = map;
	dk_image *img = NULL;
	dk_error err;
	dk_status st = dk_image_open_memory(b->p, b->n, "synthetic", &o, &img, &err);
	if (st != DK_OK)
		fail_msg("open failed: %s", err.message);
	return img;
}

/* Opening must fail with `want`; the message must contain `needle`. */
static inline void ia_open_fails(const void *p, size_t n, const char *format, const char *map,
                          dk_status want, const char *needle)
{
	dk_image_options o;
	memset(&o, 0, sizeof o);
	o.format = format;
	o.map = map;
	dk_image *img = NULL;
	dk_error err;
	memset(&err, 0, sizeof err);
	dk_status st = dk_image_open_memory(p, n, "bad.img", &o, &img, &err);
	if (st == DK_OK) {
		dk_image_close(img);
		fail_msg("open of a damaged %s input succeeded (wanted \"%s\")", format, needle);
	}
	assert_null(img);
	if (st != want || !strstr(err.message, needle))
		fail_msg("status %d (want %d), message \"%s\" lacks \"%s\"", st, want, err.message,
		         needle);
}

static inline bool ia_has_note(const dk_image *img, const char *needle)
{
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		if (strstr(dk_image_note(img, i), needle))
			return true;
	return false;
}

/* Runs into v (at most max); returns the count. */
static inline size_t ia_runs(const dk_image *img, dk_run *v, size_t max)
{
	const dk_physmem *pm = dk_image_physmem(img);
	size_t n = 0;
	uint64_t pfn = 0;
	dk_run r;
	while (dk_physmem_next_run(pm, pfn, &r)) {
		if (n < max)
			v[n] = r;
		n++;
		pfn = r.base_pfn + r.count;
	}
	return n;
}

static inline dk_status ia_page(const dk_image *img, uint64_t pfn, uint8_t *page)
{
	dk_error err;
	return dk_physmem_read(dk_image_physmem(img), pfn * 4096, page, 4096, &err);
}

/* Opening, probing every run and reading its first and last page must
 * not crash on any prefix of a file (truncation sweep). */
static inline void ia_truncation_sweep(const uint8_t *p, size_t n, const char *format, size_t step)
{
	static uint8_t page[4096];
	for (size_t len = 0; len < n; len += step) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, p, len);
		dk_image_options o;
		memset(&o, 0, sizeof o);
		o.format = format;
		dk_image *img = NULL;
		dk_error err;
		if (dk_image_open_memory(copy, len, "cut", &o, &img, &err) == DK_OK) {
			dk_run r[64];
			size_t nr = ia_runs(img, r, 64);
			for (size_t i = 0; i < nr && i < 64; i++) {
				(void)ia_page(img, r[i].base_pfn, page);
				(void)ia_page(img, r[i].base_pfn + r[i].count - 1, page);
			}
			dk_image_close(img);
		} else {
			assert_null(img);
			assert_true(err.message[0] != 0);
		}
		free(copy);
	}
}

#endif
