/* dmpkit — internal helpers shared by the library's modules.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_INTERNAL_H
#define DMPKIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>

#if defined(__GNUC__) || defined(__clang__)
#define DK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DK_PRINTF(a, b)
#endif

/* ---- bounds-checked little-endian readers ----
 * Each reads from `p` + `off` only when [off, off+n) lies inside `len`;
 * otherwise it returns 0 and leaves *ok false when `ok` is given. */
static inline uint16_t dk_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t dk_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t dk_le64(const uint8_t *p)
{
	return (uint64_t)dk_le32(p) | (uint64_t)dk_le32(p + 4) << 32;
}
static inline bool dk_in_bounds(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}
static inline uint32_t dk_get32(const uint8_t *p, size_t len, uint64_t off)
{
	return dk_in_bounds(len, off, 4) ? dk_le32(p + off) : 0;
}
static inline uint64_t dk_get64(const uint8_t *p, size_t len, uint64_t off)
{
	return dk_in_bounds(len, off, 8) ? dk_le64(p + off) : 0;
}
static inline uint16_t dk_get16(const uint8_t *p, size_t len, uint64_t off)
{
	return dk_in_bounds(len, off, 2) ? dk_le16(p + off) : 0;
}
static inline uint64_t dk_getn(const uint8_t *p, size_t len, uint64_t off, unsigned n)
{
	switch (n) {
	case 1: return dk_in_bounds(len, off, 1) ? p[off] : 0;
	case 2: return dk_get16(p, len, off);
	case 4: return dk_get32(p, len, off);
	default: return dk_get64(p, len, off);
	}
}
static inline void dk_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void dk_put64(uint8_t *p, uint64_t v)
{
	dk_put32(p, (uint32_t)v);
	dk_put32(p + 4, (uint32_t)(v >> 32));
}

/* ---- overflow-checked arithmetic ---- */
static inline bool dk_add_ok(uint64_t a, uint64_t b, uint64_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}
static inline bool dk_mul_ok(uint64_t a, uint64_t b, uint64_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

/* ---- errors ---- */
void dk_set_error(dk_error *err, dk_status st, const char *fmt, ...) DK_PRINTF(3, 4);

/* ---- a read-only input: a file descriptor or a memory buffer ---- */
typedef struct dk_input {
	int fd;              /* -1 for memory inputs */
	const uint8_t *mem;
	uint64_t size;
	char *name;
} dk_input;

dk_status dk_input_open(dk_input *in, const char *path, dk_error *err);
void dk_input_open_memory(dk_input *in, const void *data, size_t size, const char *name);
void dk_input_close(dk_input *in);
/* Read exactly `len` bytes at `off`; DK_E_TRUNCATED when the input ends
 * first (the message names the input, `what` and the offsets). */
dk_status dk_input_read(const dk_input *in, uint64_t off, void *buf, size_t len,
                        const char *what, dk_error *err);
/* Read up to `len` bytes; returns the count actually read (0 at EOF or on
 * error). */
size_t dk_input_read_some(const dk_input *in, uint64_t off, void *buf, size_t len);

/* ---- misc ---- */
void *dk_calloc(size_t n, size_t size);
size_t dk_strlcpy(char *dst, const char *src, size_t size);
/* UTF-16LE (n code units) to UTF-8 into buf; replaces invalid units with
 * '?'.  Returns false if the output was cut. */
bool dk_utf16_to_utf8(const uint8_t *src, size_t units, char *buf, size_t bufsize);
/* "PAGE" as a little-endian u32 and u64. */
#define DK_PAGE32 0x45474150u
#define DK_PAGE64 0x4547415045474150ull
#define DK_TAG(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

#endif
