/* dmpkit — the conversion: header (convert_header.c), the run list checked
 * against the image, patched pages (a decoded KDBG), then the writer.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/kdump.h>

#include "convert_internal.h"

/* ---- a physical memory source with a few bytes changed ---- */

typedef struct patched {
	const dk_physmem_ops *ops; /* the source's */
	void *ctx;
	uint32_t page_size;
	const dk_conv_patch *p;
	size_t n;
	bool cloned;               /* ctx is a clone of the source's cursor */
} patched;

static bool pt_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	const patched *t = ctx;
	return t->ops->next_run(t->ctx, pfn, out);
}

static dk_status pt_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf, dk_error *err)
{
	const patched *t = ctx;
	dk_status st = t->ops->read_pages(t->ctx, pfn, count, buf, err);
	if (st != DK_OK)
		return st;
	uint64_t ps = t->page_size, lo = pfn * ps, hi = (pfn + count) * ps;
	for (size_t i = 0; i < t->n; i++) {
		const dk_conv_patch *p = &t->p[i];
		if (p->pa >= lo && p->pa + p->len <= hi)
			memcpy((uint8_t *)buf + (p->pa - lo), p->bytes, p->len);
	}
	return DK_OK;
}

static bool pt_locate(void *ctx, uint64_t pfn, int *fd, uint64_t *offset, uint64_t *contig)
{
	const patched *t = ctx;
	if (!t->ops->locate || !t->ops->locate(t->ctx, pfn, fd, offset, contig))
		return false;
	uint64_t ps = t->page_size;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t ppfn = t->p[i].pa / ps;
		if (ppfn == pfn)
			return false; /* this page must be read and patched */
		if (ppfn > pfn && ppfn - pfn < *contig)
			*contig = ppfn - pfn;
	}
	return true;
}

static void *pt_clone(void *ctx)
{
	const patched *t = ctx;
	if (!t->ops->clone || !t->ops->clone_free)
		return NULL;
	patched *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	*c = *t;
	c->ctx = t->ops->clone(t->ctx);
	c->cloned = true;
	if (!c->ctx) {
		free(c);
		return NULL;
	}
	return c;
}

static void pt_clone_free(void *p)
{
	patched *c = p;
	if (!c)
		return;
	c->ops->clone_free(c->ctx);
	free(c);
}

static const dk_physmem_ops patched_ops = { pt_next_run, pt_read_pages, pt_locate, pt_clone,
	                                    pt_clone_free };

/* ---- the header's run list against the pages written ---- */

/* Pages of `want` that `have` lacks; the first few stretches are described
 * in `desc` ("pfn 0xa0-0xbf, 0x100-0x1ff, ..."). */
static uint64_t count_missing(const dk_run *want, size_t nwant, const dk_run *have, size_t nhave,
                              char *desc, size_t descsize)
{
	uint64_t missing = 0;
	size_t shown = 0, o = 0;
	desc[0] = 0;
	for (size_t i = 0; i < nwant; i++) {
		uint64_t a = want[i].base_pfn, end = a + want[i].count;
		if (end < a)
			end = UINT64_MAX;
		for (uint64_t p = a; p < end;) {
			/* the have-run holding p or the next above */
			uint64_t next = end;
			bool in = false;
			for (size_t j = 0; j < nhave; j++) {
				uint64_t b = have[j].base_pfn, e = b + have[j].count;
				if (p >= b && p < e) {
					in = true;
					next = e < end ? e : end;
					break;
				}
				if (b > p && b < next)
					next = b;
			}
			if (!in) {
				missing += next - p;
				int w = 0;
				if (shown < 3)
					w = snprintf(desc + o, descsize - o, "%s0x%" PRIx64 "-0x%" PRIx64,
					             shown ? ", " : "pfn ", p, next - 1);
				else if (shown == 3)
					w = snprintf(desc + o, descsize - o, ", ...");
				if (w > 0 && (size_t)w < descsize - o)
					o += (size_t)w;
				shown++;
			}
			p = next;
		}
	}
	return missing;
}

void dk_convert_compare_runs(const uint8_t *hdr, size_t len, const dk_run *out, size_t nout,
                             dk_convert_report *rep)
{
	bool h64 = len == DK_HEADER64_SIZE;
	uint32_t nruns = dk_le32(hdr + (h64 ? 0x88 : 0x64));
	if (nruns == DK_PAGE32 || nruns == 0) {
		return;
	}
	size_t cap = h64 ? (0x348 - 0x98) / 16 : (0x320 - 0x6C) / 8;
	size_t n = nruns < cap ? nruns : cap;
	dk_run *want = calloc(n ? n : 1, sizeof *want);
	if (!want)
		return;
	uint64_t declared = 0;
	for (size_t i = 0; i < n; i++) {
		if (h64) {
			want[i].base_pfn = dk_le64(hdr + 0x98 + 16 * i);
			want[i].count = dk_le64(hdr + 0xA0 + 16 * i);
		} else {
			want[i].base_pfn = dk_le32(hdr + 0x6C + 8 * i);
			want[i].count = dk_le32(hdr + 0x70 + 8 * i);
		}
		declared += want[i].count;
	}
	uint64_t written = 0;
	for (size_t i = 0; i < nout; i++)
		written += out[i].count;
	char d1[96], d2[96];
	uint64_t lack = count_missing(want, n, out, nout, d1, sizeof d1);
	uint64_t extra = count_missing(out, nout, want, n, d2, sizeof d2);
	bool same = lack == 0 && extra == 0;
	dk_conv_finding *v = realloc(rep->findings, (rep->count + 1) * sizeof *v);
	if (!v)
		goto out;
	rep->findings = v;
	dk_conv_finding *f = &v[rep->count++];
	memset(f, 0, sizeof *f);
	dk_strlcpy(f->field, "PhysicalMemoryBlock", sizeof f->field);
	f->has_values = true;
	f->old_value = declared;
	f->new_value = written;
	if (same) {
		f->kind = DK_CONV_INFO;
		snprintf(f->text, sizeof f->text,
		         "PhysicalMemoryBlock: the header's %u runs (%" PRIu64 " pages) match the "
		         "pages written", nruns, declared);
	} else {
		f->kind = DK_CONV_REPAIR;
		rep->repairs++;
		int w = snprintf(f->text, sizeof f->text,
		                 "PhysicalMemoryBlock: the header lists %u runs / %" PRIu64
		                 " pages, the output holds %zu runs / %" PRIu64
		                 " pages (the run list is rebuilt from the image)",
		                 nruns, declared, nout, written);
		if (lack && w > 0 && (size_t)w < sizeof f->text)
			w += snprintf(f->text + w, sizeof f->text - (size_t)w,
			              "; %" PRIu64 " listed pages are not in the image (%s)", lack, d1);
		if (extra && w > 0 && (size_t)w < sizeof f->text)
			snprintf(f->text + w, sizeof f->text - (size_t)w,
			         "; %" PRIu64 " image pages were not listed (%s)", extra, d2);
	}
out:
	free(want);
}

dk_status dk_convert(dk_image *img, const char *output, const dk_convert_options *opts,
                     dk_convert_report *rep, dk_dump_write_result *res, dk_error *err)
{
	static const dk_convert_options none;
	if (!opts)
		opts = &none;
	memset(rep, 0, sizeof *rep);
	const dk_physmem *pm = dk_image_physmem(img);
	if (opts->write.format == DK_OUT_RAW)
		return dk_dump_write(pm, NULL, 0, output, &opts->write, res, err);
	uint8_t *hdr = calloc(1, 0x2000);
	if (!hdr) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	size_t len = 0;
	/* the header's own run list is compared before the writer replaces it */
	dk_status st = dk_convert_header(img, opts, hdr, &len, rep, err);
	if (st != DK_OK)
		goto out;
	if (opts->no_repair && rep->repairs) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: the header needs %zu repair(s) and --no-repair was given (see the "
		             "report)", dk_image_name(img), rep->repairs);
		st = DK_E_FORMAT;
		goto out;
	}
	patched t = { pm->ops, pm->ctx, pm->page_size, rep->patches, rep->npatches, false };
	dk_physmem view = *pm;
	if (rep->npatches) {
		view.ops = &patched_ops;
		view.ctx = &t;
	}
	st = dk_dump_write(&view, hdr, len, output, &opts->write, res, err);
out:
	free(hdr);
	return st;
}
