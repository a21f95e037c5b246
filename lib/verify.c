/* dmpkit — comparing two physical memory sources page by page.
 *
 * Both sources' runs (minus the exclusions) are planned with
 * dk_dump_plan_runs and swept together: stretches both hold are read in
 * ~1 MiB batches from each and compared, stretches only A holds are
 * missing, stretches only B holds are read to tell zero from non-zero.
 * SPDX-License-Identifier: MIT */
#include <dmpkit/verify.h>

#include <dmpkit/dumpwriter.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define VF_BATCH_BYTES (1u << 20)
#define VF_PROGRESS_STEP (64ull << 20)

typedef struct vf {
	const dk_physmem *a, *b;
	const dk_verify_options *o;
	dk_verify_result *r;
	size_t max_rec;
	uint8_t *ba, *bb;
	uint64_t batch_pages;
	uint64_t total, done, next_report;
} vf;

static void record(vf *v, uint64_t pfn, dk_verify_kind kind, uint32_t offset)
{
	if (v->r->nrecorded < v->max_rec)
		v->r->recorded[v->r->nrecorded++] = (dk_verify_mismatch){ pfn, kind, offset };
}

static dk_status progress(vf *v, uint64_t pages, dk_error *err)
{
	v->done += pages * v->a->page_size;
	if (!v->o->progress || (v->done < v->next_report && v->done != v->total))
		return DK_OK;
	v->next_report = v->done + VF_PROGRESS_STEP;
	if (!v->o->progress(v->o->progress_arg, v->done, v->total)) {
		dk_set_error(err, DK_E_IO, "interrupted");
		return DK_E_IO;
	}
	return DK_OK;
}

static bool page_zero(const uint8_t *p, size_t n)
{
	return p[0] == 0 && memcmp(p, p + 1, n - 1) == 0;
}

static dk_status compare(vf *v, uint64_t pfn, uint64_t count, dk_error *err)
{
	uint32_t ps = v->a->page_size;
	while (count) {
		uint64_t n = count < v->batch_pages ? count : v->batch_pages;
		dk_status st = v->a->ops->read_pages(v->a->ctx, pfn, n, v->ba, err);
		if (st == DK_OK)
			st = v->b->ops->read_pages(v->b->ctx, pfn, n, v->bb, err);
		if (st != DK_OK)
			return st;
		v->r->compared += n;
		if (memcmp(v->ba, v->bb, (size_t)(n * ps)) == 0) {
			v->r->identical += n;
		} else {
			for (uint64_t i = 0; i < n; i++) {
				const uint8_t *x = v->ba + i * ps, *y = v->bb + i * ps;
				if (memcmp(x, y, ps) == 0) {
					v->r->identical++;
					continue;
				}
				uint32_t off = 0;
				while (off < ps && x[off] == y[off])
					off++;
				v->r->different++;
				record(v, pfn + i, DK_VERIFY_DIFFERENT, off);
			}
		}
		st = progress(v, n, err);
		if (st != DK_OK)
			return st;
		pfn += n;
		count -= n;
	}
	return DK_OK;
}

static dk_status missing(vf *v, uint64_t pfn, uint64_t count, dk_error *err)
{
	v->r->missing += count;
	for (uint64_t i = 0; i < count && v->r->nrecorded < v->max_rec; i++)
		record(v, pfn + i, DK_VERIFY_MISSING, 0);
	return progress(v, count, err);
}

static dk_status extra(vf *v, uint64_t pfn, uint64_t count, dk_error *err)
{
	uint32_t ps = v->a->page_size;
	v->r->extra += count;
	while (count) {
		uint64_t n = count < v->batch_pages ? count : v->batch_pages;
		dk_status st = v->b->ops->read_pages(v->b->ctx, pfn, n, v->bb, err);
		if (st != DK_OK)
			return st;
		for (uint64_t i = 0; i < n; i++) {
			if (page_zero(v->bb + i * ps, ps))
				v->r->extra_zero++;
			else
				record(v, pfn + i, DK_VERIFY_EXTRA, 0);
		}
		st = progress(v, n, err);
		if (st != DK_OK)
			return st;
		pfn += n;
		count -= n;
	}
	return DK_OK;
}

static uint64_t sum_pages(const dk_run *r, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += r[i].count;
	return s;
}

/* Sweeps the sorted, disjoint run lists ra (A) and rb (B) together. */
static dk_status sweep(vf *v, const dk_run *ra, size_t na, const dk_run *rb, size_t nb,
                       dk_error *err)
{
	size_t i = 0, j = 0;
	uint64_t pos = 0;
	while (i < na || j < nb) {
		uint64_t ea = i < na ? ra[i].base_pfn + ra[i].count : 0;
		uint64_t eb = j < nb ? rb[j].base_pfn + rb[j].count : 0;
		if (i < na && ea <= pos) {
			i++;
			continue;
		}
		if (j < nb && eb <= pos) {
			j++;
			continue;
		}
		uint64_t sa = i < na ? (ra[i].base_pfn > pos ? ra[i].base_pfn : pos) : UINT64_MAX;
		uint64_t sb = j < nb ? (rb[j].base_pfn > pos ? rb[j].base_pfn : pos) : UINT64_MAX;
		dk_status st;
		if (sa == sb) {
			uint64_t end = ea < eb ? ea : eb;
			st = compare(v, sa, end - sa, err);
			pos = end;
		} else if (sa < sb) {
			uint64_t end = ea < sb ? ea : sb;
			st = missing(v, sa, end - sa, err);
			pos = end;
		} else {
			uint64_t end = eb < sa ? eb : sa;
			st = extra(v, sb, end - sb, err);
			pos = end;
		}
		if (st != DK_OK)
			return st;
	}
	return DK_OK;
}

dk_status dk_verify_pages(const dk_physmem *a, const dk_physmem *b, const dk_verify_options *opts,
                          dk_verify_result *res, dk_error *err)
{
	static const dk_verify_options defaults;
	if (!opts)
		opts = &defaults;
	memset(res, 0, sizeof *res);
	if (!a || !b || !a->ops || !b->ops || !a->ops->read_pages || !b->ops->read_pages) {
		dk_set_error(err, DK_E_ARG, "dk_verify_pages: a source is missing");
		return DK_E_ARG;
	}
	if (a->page_size != b->page_size || a->page_size == 0 ||
	    (a->page_size & (a->page_size - 1)) || a->page_size > VF_BATCH_BYTES) {
		dk_set_error(err, DK_E_ARG,
		             "the sources' page sizes differ or are unusable: %u and %u bytes",
		             a->page_size, b->page_size);
		return DK_E_ARG;
	}
	res->page_size = a->page_size;
	dk_run *ra = NULL, *rb = NULL, *rall = NULL;
	size_t na = 0, nb = 0, nall = 0;
	dk_status st = dk_dump_plan_runs(a, opts->exclude, opts->nexclude, &ra, &na, err);
	if (st == DK_OK)
		st = dk_dump_plan_runs(b, opts->exclude, opts->nexclude, &rb, &nb, err);
	if (st == DK_OK && opts->nexclude)
		st = dk_dump_plan_runs(a, NULL, 0, &rall, &nall, err);
	if (st != DK_OK)
		goto out;
	res->a_pages = sum_pages(ra, na);
	res->b_pages = sum_pages(rb, nb);
	if (opts->nexclude)
		res->excluded_a = sum_pages(rall, nall) - res->a_pages;

	vf v = { 0 };
	v.a = a;
	v.b = b;
	v.o = opts;
	v.r = res;
	v.max_rec = opts->max_recorded ? opts->max_recorded : 16;
	if (v.max_rec > DK_VERIFY_MAX_RECORDED)
		v.max_rec = DK_VERIFY_MAX_RECORDED;
	v.batch_pages = VF_BATCH_BYTES / a->page_size;
	v.next_report = VF_PROGRESS_STEP;
	v.ba = malloc(VF_BATCH_BYTES);
	v.bb = malloc(VF_BATCH_BYTES);
	if (!v.ba || !v.bb) {
		st = DK_E_NOMEM;
		dk_set_error(err, st, "out of memory");
	} else {
		/* every page of A, plus B's extra ones, is one unit of work */
		uint64_t extra_pages = 0;
		size_t i = 0;
		for (size_t j = 0; j < nb; j++) {
			/* pages of rb[j] not covered by A */
			uint64_t s = rb[j].base_pfn, e = s + rb[j].count, covered = 0;
			while (i < na && ra[i].base_pfn + ra[i].count <= s)
				i++;
			for (size_t k = i; k < na && ra[k].base_pfn < e; k++) {
				uint64_t lo = ra[k].base_pfn > s ? ra[k].base_pfn : s;
				uint64_t hi = ra[k].base_pfn + ra[k].count < e ? ra[k].base_pfn + ra[k].count : e;
				covered += hi - lo;
			}
			extra_pages += rb[j].count - covered;
		}
		v.total = (res->a_pages + extra_pages) * a->page_size;
		st = sweep(&v, ra, na, rb, nb, err);
		if (st == DK_OK && opts->progress && v.total == 0 &&
		    !opts->progress(opts->progress_arg, 0, 0)) {
			st = DK_E_IO;
			dk_set_error(err, st, "interrupted");
		}
	}
	free(v.ba);
	free(v.bb);
out:
	free(ra);
	free(rb);
	free(rall);
	return st;
}

bool dk_verify_good(const dk_verify_result *res)
{
	return res->missing == 0 && res->different == 0;
}

/* ---- range lists ---- */

static bool parse_num(const char **p, uint64_t *out)
{
	const char *s = *p;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	*out = v;
	*p = end;
	return true;
}

static int run_cmp(const void *x, const void *y)
{
	const dk_run *a = x, *b = y;
	return a->base_pfn < b->base_pfn ? -1 : a->base_pfn > b->base_pfn;
}

dk_status dk_parse_page_ranges(const char *spec, uint32_t page_size, const char *what,
                               dk_run **out, size_t *count, dk_error *err)
{
	*out = NULL;
	*count = 0;
	if (!what)
		what = "range list";
	if (!spec || page_size == 0 || (page_size & (page_size - 1))) {
		dk_set_error(err, DK_E_ARG, "%s: no ranges or bad page size", what);
		return DK_E_ARG;
	}
	size_t cap = 1;
	for (const char *c = spec; *c; c++)
		cap += *c == ',';
	dk_run *v = calloc(cap, sizeof *v);
	if (!v) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	size_t n = 0;
	const char *p = spec;
	for (;;) {
		const char *item = p;
		uint64_t start, x, last;
		if (!parse_num(&p, &start) || (*p != '-' && *p != '+'))
			goto bad;
		char sep = *p++;
		if (!parse_num(&p, &x))
			goto bad;
		if (sep == '-') {
			if (x < start)
				goto bad;
			last = x;
		} else {
			if (x == 0 || !dk_add_ok(start, x - 1, &last))
				goto bad;
		}
		v[n].base_pfn = start / page_size;
		v[n].count = last / page_size - start / page_size + 1;
		n++;
		if (*p == '\0')
			break;
		if (*p != ',')
			goto bad;
		p++;
		continue;
	bad:;
		size_t len = strcspn(item, ",");
		dk_set_error(err, DK_E_ARG,
		             "%s: \"%.*s\" is not a range: expected START-END (inclusive) or "
		             "START+LENGTH, numbers decimal or 0x hex, END >= START, LENGTH > 0",
		             what, (int)(len > 80 ? 80 : len), item);
		free(v);
		return DK_E_ARG;
	}
	qsort(v, n, sizeof *v, run_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && v[m - 1].base_pfn + v[m - 1].count >= v[i].base_pfn) {
			uint64_t e = v[i].base_pfn + v[i].count;
			if (e > v[m - 1].base_pfn + v[m - 1].count)
				v[m - 1].count = e - v[m - 1].base_pfn;
		} else {
			v[m++] = v[i];
		}
	}
	*out = v;
	*count = m;
	return DK_OK;
}
