/* dmpkit — physical memory images: the reader table, probing, and the
 * extent-table physical memory source most readers share.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

/* Probe order matters only between equal scores: magic-bearing formats
 * first, raw (which matches anything) last. */
static const dk_image_reader *const readers[] = {
	&dk_reader_windows_dump, &dk_reader_xen,  &dk_reader_elf,
	&dk_reader_diskdump,     &dk_reader_lime, &dk_reader_avml,
	&dk_reader_vmware,       &dk_reader_ewf,  &dk_reader_raw,
};
#define NREADERS (sizeof readers / sizeof readers[0])

const dk_image_format_info *dk_image_formats(size_t *count)
{
	static dk_image_format_info info[NREADERS];
	for (size_t i = 0; i < NREADERS; i++) {
		info[i].id = readers[i]->id;
		info[i].description = readers[i]->description;
	}
	*count = NREADERS;
	return info;
}

void dk_image_add_note(dk_image *img, const char *fmt, ...)
{
	if (img->nnotes >= 64)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **nv = realloc(img->notes, (img->nnotes + 1) * sizeof *nv);
	if (!nv)
		return;
	img->notes = nv;
	char *s = strdup(buf);
	if (!s)
		return;
	img->notes[img->nnotes++] = s;
}

bool dk_image_alloc_cpus(dk_image *img, size_t n)
{
	if (n == 0 || n > 4096)
		return false;
	free(img->cpus);
	img->cpus = dk_calloc(n, sizeof *img->cpus);
	img->ncpus = img->cpus ? n : 0;
	return img->cpus != NULL;
}

static const dk_image_reader *find_reader(const char *id)
{
	for (size_t i = 0; i < NREADERS; i++)
		if (strcmp(readers[i]->id, id) == 0)
			return readers[i];
	return NULL;
}

static dk_status image_open_input(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	static const dk_image_options none;
	if (!opts)
		opts = &none;
	uint8_t head[DK_IMAGE_PROBE_BYTES];
	size_t n = dk_input_read_some(&img->in, 0, head, sizeof head);
	const dk_image_reader *r = NULL;
	if (opts->format && *opts->format && strcmp(opts->format, "auto") != 0) {
		r = find_reader(opts->format);
		if (!r) {
			dk_set_error(err, DK_E_ARG, "%s: unknown image format \"%s\"",
			             img->in.name, opts->format);
			return DK_E_ARG;
		}
	} else {
		int best = 0;
		for (size_t i = 0; i < NREADERS; i++) {
			int s = readers[i]->probe(head, n, img->in.size);
			if (s > best) {
				best = s;
				r = readers[i];
			}
		}
		if (!r) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: not a memory image dmpkit can read (%" PRIu64
			             " bytes; no reader recognised its first bytes)",
			             img->in.name, img->in.size);
			return DK_E_FORMAT;
		}
		/* a VMware .vmem has no magic: its layout is in the .vmss/.vmsn
		 * beside it (or named with --companion), which the vmware reader
		 * finds; raw bytes alone would put pages at wrong addresses */
		size_t nl = strlen(img->in.name);
		if (r == &dk_reader_raw &&
		    (opts->companion || (nl > 5 && strcmp(img->in.name + nl - 5, ".vmem") == 0)))
			r = &dk_reader_vmware;
	}
	img->reader = r;
	snprintf(img->describe, sizeof img->describe, "%s", r->description);
	return r->open(img, opts, err);
}

static dk_image *image_new(void)
{
	dk_image *img = dk_calloc(1, sizeof *img);
	if (img) {
		img->in.fd = -1;
		img->extra.fd = -1;
	}
	return img;
}

dk_status dk_image_open(const char *path, const dk_image_options *opts, dk_image **out,
                        dk_error *err)
{
	*out = NULL;
	dk_image *img = image_new();
	if (!img) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	dk_status st = dk_input_open(&img->in, path, err);
	if (st == DK_OK)
		st = image_open_input(img, opts, err);
	if (st != DK_OK) {
		dk_image_close(img);
		return st;
	}
	*out = img;
	return DK_OK;
}

dk_status dk_image_open_memory(const void *data, size_t size, const char *name,
                               const dk_image_options *opts, dk_image **out, dk_error *err)
{
	*out = NULL;
	dk_image *img = image_new();
	if (!img) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	dk_input_open_memory(&img->in, data, size, name ? name : "(memory)");
	dk_status st = image_open_input(img, opts, err);
	if (st != DK_OK) {
		dk_image_close(img);
		return st;
	}
	*out = img;
	return DK_OK;
}

void dk_image_close(dk_image *img)
{
	if (!img)
		return;
	if (img->priv && img->free_priv)
		img->free_priv(img->priv);
	free(img->cpus);
	free(img->vmcoreinfo);
	for (size_t i = 0; i < img->nnotes; i++)
		free(img->notes[i]);
	free(img->notes);
	if (img->has_extra)
		dk_input_close(&img->extra);
	dk_input_close(&img->in);
	free(img);
}

const dk_physmem *dk_image_physmem(const dk_image *img) { return &img->pm; }
const char *dk_image_format(const dk_image *img) { return img->reader->id; }
const char *dk_image_describe(const dk_image *img) { return img->describe; }
const char *dk_image_name(const dk_image *img) { return img->in.name; }
size_t dk_image_cpu_count(const dk_image *img) { return img->ncpus; }
const dk_image_cpu *dk_image_cpu_state(const dk_image *img, size_t i)
{
	return i < img->ncpus ? &img->cpus[i] : NULL;
}
const uint8_t *dk_image_vmcoreinfo(const dk_image *img, size_t *len)
{
	*len = img->vmcoreinfo_len;
	return img->vmcoreinfo;
}
size_t dk_image_note_count(const dk_image *img) { return img->nnotes; }
const char *dk_image_note(const dk_image *img, size_t i)
{
	return i < img->nnotes ? img->notes[i] : NULL;
}

/* ---- extent tables ---- */

static int extent_cmp(const void *a, const void *b)
{
	const dk_extent *x = a, *y = b;
	return x->base_pfn < y->base_pfn ? -1 : x->base_pfn > y->base_pfn;
}

dk_status dk_extents_finish(dk_extents *ex, dk_physmem *pm, const char *file,
                            const char *what, dk_error *err)
{
	uint32_t ps = ex->page_size;
	if (ps < 512 || ps > 65536 || (ps & (ps - 1))) {
		dk_set_error(err, DK_E_FORMAT, "%s: page size %u is not a power of two in 512..65536",
		             file, ps);
		return DK_E_FORMAT;
	}
	size_t k = 0;
	for (size_t i = 0; i < ex->n; i++)
		if (ex->v[i].count)
			ex->v[k++] = ex->v[i];
	ex->n = k;
	if (ex->n > 1)
		qsort(ex->v, ex->n, sizeof *ex->v, extent_cmp);
	uint64_t present = 0, end = 0;
	for (size_t i = 0; i < ex->n; i++) {
		const dk_extent *e = &ex->v[i];
		uint64_t e_end, bytes, lim;
		if (!dk_add_ok(e->base_pfn, e->count, &e_end) || !dk_mul_ok(e->count, ps, &bytes) ||
		    e->head_zero >= ps || e->file_bytes > bytes - e->head_zero ||
		    !dk_add_ok(e->offset, e->file_bytes, &lim) || (!e->read && lim > e->in->size)) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: %s for physical pages 0x%" PRIx64 "+0x%" PRIx64
			             " says its %" PRIu64 " bytes lie at file offset 0x%" PRIx64
			             ", beyond the file's end (0x%" PRIx64 ") or its own size",
			             file, what, e->base_pfn, e->count, e->file_bytes, e->offset,
			             e->in->size);
			return DK_E_FORMAT;
		}
		if (i > 0 && e->base_pfn < end) {
			const dk_extent *p = &ex->v[i - 1];
			dk_set_error(err, DK_E_FORMAT,
			             "%s: %s for physical 0x%" PRIx64 "-0x%" PRIx64
			             " overlaps the %s for physical 0x%" PRIx64 "-0x%" PRIx64,
			             file, what, e->base_pfn * (uint64_t)ps,
			             e_end * (uint64_t)ps - 1, what, p->base_pfn * (uint64_t)ps,
			             end * (uint64_t)ps - 1);
			return DK_E_FORMAT;
		}
		present += e->count;
		end = e_end;
	}
	if (end > UINT64_MAX / ps) {
		dk_set_error(err, DK_E_FORMAT, "%s: physical addresses beyond 2^64", file);
		return DK_E_FORMAT;
	}
	pm->page_size = ps;
	pm->present_pages = present;
	pm->end_pfn = end;
	pm->ops = &dk_extents_ops;
	pm->ctx = ex;
	return DK_OK;
}

void dk_extents_free(dk_extents *ex)
{
	free(ex->v);
	ex->v = NULL;
	ex->n = 0;
}

/* Index of the extent holding pfn, or of the first one above it; n if none. */
static size_t extent_find(const dk_extents *ex, uint64_t pfn)
{
	size_t lo = 0, hi = ex->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const dk_extent *e = &ex->v[mid];
		if (e->base_pfn + e->count <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool ext_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	const dk_extents *ex = ctx;
	size_t i = extent_find(ex, pfn);
	if (i >= ex->n)
		return false;
	/* adjacent extents form one run */
	uint64_t start = ex->v[i].base_pfn > pfn ? ex->v[i].base_pfn : pfn;
	uint64_t end = ex->v[i].base_pfn + ex->v[i].count;
	while (i + 1 < ex->n && ex->v[i + 1].base_pfn == end) {
		i++;
		end += ex->v[i].count;
	}
	out->base_pfn = start;
	out->count = end - start;
	return true;
}

static dk_status ext_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf,
                                dk_error *err)
{
	const dk_extents *ex = ctx;
	uint8_t *out = buf;
	uint64_t ps = ex->page_size;
	while (count) {
		size_t i = extent_find(ex, pfn);
		if (i >= ex->n || ex->v[i].base_pfn > pfn) {
			dk_set_error(err, DK_E_RANGE, "physical page 0x%" PRIx64 " is not present", pfn);
			return DK_E_RANGE;
		}
		const dk_extent *e = &ex->v[i];
		uint64_t n = e->base_pfn + e->count - pfn;
		if (n > count)
			n = count;
		/* bytes [lo, hi) of this extent's span are wanted; the file holds
		 * span bytes [head_zero, head_zero + file_bytes) */
		uint64_t lo = (pfn - e->base_pfn) * ps, hi = lo + n * ps;
		uint64_t flo = e->head_zero, fhi = e->head_zero + e->file_bytes;
		uint64_t a = lo > flo ? lo : flo, b = hi < fhi ? hi : fhi;
		if (a >= b) {
			memset(out, 0, n * ps);
		} else {
			memset(out, 0, a - lo);
			dk_status st = e->read ? e->read(e->src, e, e->offset + (a - flo), out + (a - lo),
			                                 b - a, err)
			                       : dk_input_read(e->in, e->offset + (a - flo), out + (a - lo),
			                                       b - a, "page data", err);
			if (st != DK_OK)
				return st;
			memset(out + (b - lo), 0, hi - b);
		}
		out += n * ps;
		pfn += n;
		count -= n;
	}
	return DK_OK;
}

static bool ext_locate(void *ctx, uint64_t pfn, int *fd, uint64_t *offset, uint64_t *contig)
{
	const dk_extents *ex = ctx;
	size_t i = extent_find(ex, pfn);
	if (i >= ex->n || ex->v[i].base_pfn > pfn)
		return false;
	const dk_extent *e = &ex->v[i];
	uint64_t ps = ex->page_size;
	uint64_t lo = (pfn - e->base_pfn) * ps;
	if (e->read || e->in->fd < 0 || e->head_zero != 0 || lo + ps > e->file_bytes)
		return false;
	*fd = e->in->fd;
	*offset = e->offset + lo;
	*contig = (e->file_bytes - lo) / ps;
	return true;
}

/* Reads are preads with no cache: the same cursor serves every thread,
 * unless the extents decode through a shared cache. */
static void *ext_clone(void *ctx)
{
	const dk_extents *ex = ctx;
	return ex->stateful ? NULL : ctx;
}
static void ext_clone_free(void *ctx) { (void)ctx; }

const dk_physmem_ops dk_extents_ops = { ext_next_run, ext_read_pages, ext_locate, ext_clone,
	                                ext_clone_free };
