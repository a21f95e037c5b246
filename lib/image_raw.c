/* dmpkit — raw physical memory images.
 *
 * Padded raw (dd of /dev/mem, QEMU pmemsave, LiME format=padded, winpmem
 * raw, ...): file offset == physical address, no header.  Unpadded raw
 * (LiME format=raw): the file holds a list of physical ranges back to
 * back, which the caller supplies as a map ("START-END" inclusive like
 * /proc/iomem, or "START+LEN", comma separated).
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

#define RAW_PAGE 4096u
#define RAW_MAX_RANGES 65536u

typedef struct raw_range {
	uint64_t start, len; /* physical bytes [start, start+len) */
	uint64_t offset;     /* file offset */
	size_t index;        /* position in the map, for messages */
} raw_range;

static void raw_free(void *priv)
{
	dk_extents *ex = priv;
	dk_extents_free(ex);
	free(ex);
}

/* One number (0x.. hex or decimal) at *p; advances *p. */
static bool parse_num(const char **p, uint64_t *out)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long v;
	const char *digits = s;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
		bool hex = (*digits >= '0' && *digits <= '9') || (*digits >= 'a' && *digits <= 'f') ||
		           (*digits >= 'A' && *digits <= 'F');
		if (!hex)
			return false;
	}
	v = strtoull(digits, &end, base);
	if (end == digits || errno == ERANGE)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	*out = v;
	*p = end;
	return true;
}

static int range_cmp(const void *a, const void *b)
{
	const raw_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Parses opts->map into ranges (file order).  On success *out is malloc'd. */
static dk_status parse_map(const char *file, const char *map, raw_range **out, size_t *nout,
                           dk_error *err)
{
	size_t cap = 0, n = 0;
	raw_range *v = NULL;
	const char *p = map;
	uint64_t off = 0;
	for (;;) {
		const char *item = p;
		uint64_t a = 0, b = 0, len = 0;
		bool ok = parse_num(&p, &a);
		char sep = ok ? *p : 0;
		if (ok && (sep == '-' || sep == '+')) {
			p++;
			ok = parse_num(&p, &b);
		} else {
			ok = false;
		}
		if (ok && sep == '-') {
			ok = b >= a && b - a < UINT64_MAX;
			len = b - a + 1;
		} else {
			len = b;
			uint64_t e;
			ok = ok && len > 0 && dk_add_ok(a, len - 1, &e);
		}
		if (!ok || (*p != ',' && *p != 0)) {
			size_t k = 0;
			while (item[k] && item[k] != ',' && k < 40)
				k++;
			dk_set_error(err, DK_E_ARG,
			             "%s: physical map item %zu \"%.*s\" is not START-END (inclusive, "
			             "END >= START) or START+LEN (LEN > 0), numbers 0x hex or decimal",
			             file, n + 1, (int)k, item);
			free(v);
			return DK_E_ARG;
		}
		if (n == cap) {
			if (cap >= RAW_MAX_RANGES) {
				dk_set_error(err, DK_E_ARG, "%s: physical map has more than %u ranges", file,
				             RAW_MAX_RANGES);
				free(v);
				return DK_E_ARG;
			}
			size_t nc = cap ? cap * 2 : 16;
			raw_range *nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				free(v);
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
			v = nv;
			cap = nc;
		}
		if (!dk_add_ok(off, len, &v[n].offset)) {
			free(v);
			dk_set_error(err, DK_E_ARG, "%s: physical map sizes add up beyond 2^64", file);
			return DK_E_ARG;
		}
		v[n].start = a;
		v[n].len = len;
		v[n].offset = off;
		v[n].index = n;
		off += len;
		n++;
		if (*p == 0)
			break;
		p++;
	}
	*out = v;
	*nout = n;
	return DK_OK;
}

static dk_status raw_open_map(dk_image *img, dk_extents *ex, const char *map, dk_error *err)
{
	const char *file = img->in.name;
	raw_range *r = NULL;
	size_t n = 0;
	dk_status st = parse_map(file, map, &r, &n, err);
	if (st != DK_OK)
		return st;
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += r[i].len; /* cannot overflow: parse_map checked the sum */
	if (total != img->in.size) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: the physical map's %zu ranges add up to 0x%" PRIx64
		             " bytes but the file holds 0x%" PRIx64 " bytes",
		             file, n, total, img->in.size);
		free(r);
		return DK_E_FORMAT;
	}
	ex->v = dk_calloc(n, sizeof *ex->v);
	if (!ex->v) {
		free(r);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		dk_extent *e = &ex->v[i];
		uint32_t head = (uint32_t)(r[i].start % RAW_PAGE);
		e->base_pfn = r[i].start / RAW_PAGE;
		/* head + len - 1 < 2^64 was checked; pages = ceil((head+len)/page) */
		uint64_t last = (r[i].start + r[i].len - 1) / RAW_PAGE;
		e->count = last - e->base_pfn + 1;
		e->offset = r[i].offset;
		e->head_zero = head;
		e->file_bytes = r[i].len;
		e->in = &img->in;
	}
	ex->n = n;
	/* overlap check with the user's own numbers (byte-exact) */
	qsort(r, n, sizeof *r, range_cmp);
	for (size_t i = 1; i < n; i++) {
		if (r[i].start < r[i - 1].start + r[i - 1].len) {
			dk_set_error(err, DK_E_ARG,
			             "%s: physical map range %zu (0x%" PRIx64 "-0x%" PRIx64
			             ") overlaps range %zu (0x%" PRIx64 "-0x%" PRIx64 ")",
			             file, r[i].index + 1, r[i].start, r[i].start + r[i].len - 1,
			             r[i - 1].index + 1, r[i - 1].start,
			             r[i - 1].start + r[i - 1].len - 1);
			free(r);
			return DK_E_ARG;
		}
	}
	size_t unaligned = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].start % RAW_PAGE || (r[i].start + r[i].len) % RAW_PAGE)
			unaligned++;
	free(r);
	st = dk_extents_finish(ex, &img->pm, file, "physical map range", err);
	if (st != DK_OK)
		return st;
	if (unaligned)
		dk_image_add_note(img,
		                  "%zu map range(s) do not start or end on a page boundary: the rest "
		                  "of those pages reads as zeros",
		                  unaligned);
	snprintf(img->describe, sizeof img->describe,
	         "raw, unpadded (%zu physical ranges back to back, from the map), 0x%" PRIx64
	         " bytes, %" PRIu64 " pages",
	         n, img->in.size, img->pm.present_pages);
	return DK_OK;
}

static dk_status raw_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	const char *file = img->in.name;
	if (img->in.size == 0) {
		dk_set_error(err, DK_E_FORMAT, "%s: the file is empty: no physical memory", file);
		return DK_E_FORMAT;
	}
	dk_extents *ex = dk_calloc(1, sizeof *ex);
	if (!ex) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	ex->page_size = RAW_PAGE;
	img->priv = ex;
	img->free_priv = raw_free;
	if (opts && opts->map && *opts->map)
		return raw_open_map(img, ex, opts->map, err);

	ex->v = dk_calloc(1, sizeof *ex->v);
	if (!ex->v) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	uint64_t size = img->in.size;
	ex->v[0].base_pfn = 0;
	ex->v[0].count = size / RAW_PAGE + (size % RAW_PAGE != 0);
	ex->v[0].offset = 0;
	ex->v[0].file_bytes = size;
	ex->v[0].in = &img->in;
	ex->n = 1;
	dk_status st = dk_extents_finish(ex, &img->pm, file, "file", err);
	if (st != DK_OK)
		return st;
	if (size % RAW_PAGE)
		dk_image_add_note(img,
		                  "the file's size 0x%" PRIx64 " is not a multiple of the page size "
		                  "0x%x: the last page (0x%" PRIx64 ") holds 0x%" PRIx64
		                  " bytes and its rest reads as zeros",
		                  size, RAW_PAGE, ex->v[0].count - 1, size % RAW_PAGE);
	dk_image_add_note(img, "a padded raw image has no map: holes (MMIO, reserved ranges) read "
	                       "as whatever the producer wrote, usually zeros");
	snprintf(img->describe, sizeof img->describe,
	         "raw, padded (file offset = physical address), 0x%" PRIx64 " bytes, %" PRIu64
	         " pages; holes cannot be told from zero pages",
	         size, img->pm.present_pages);
	return DK_OK;
}

static int raw_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)head;
	(void)len;
	return file_size > 0 ? 1 : 0;
}

const dk_image_reader dk_reader_raw = {
	"raw", "raw physical memory (padded: file offset = physical address; or a --map)",
	raw_probe, raw_open,
};
