/* dmpkit — PE headers and export directories of images in memory.
 * Layouts from the PE/COFF specification; see include/dmpkit/pe.h.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <dmpkit/pe.h>

#include "internal.h"

#define PG 4096u
#define NCACHE 16u

/* A small direct-mapped cache of the image's pages: exports read names
 * and arrays a few bytes at a time. */
typedef struct pe_reader {
	const dk_vmem *mem;
	uint64_t base, limit; /* RVAs must stay below limit */
	uint64_t tag[NCACHE];
	bool valid[NCACHE], bad[NCACHE];
	uint8_t page[NCACHE][PG];
} pe_reader;

static const uint8_t *rd_page(pe_reader *r, uint64_t va)
{
	uint64_t pva = va & ~(uint64_t)(PG - 1);
	unsigned i = (unsigned)((pva / PG) % NCACHE);
	if (!r->valid[i] || r->tag[i] != pva) {
		r->valid[i] = true;
		r->tag[i] = pva;
		r->bad[i] = r->mem->read(r->mem->ctx, pva, r->page[i], PG) != DK_OK;
	}
	return r->bad[i] ? NULL : r->page[i];
}

/* Reads `len` bytes at `rva`; false when out of the image or unreadable. */
static bool rd(pe_reader *r, uint64_t rva, void *buf, size_t len)
{
	uint64_t end;
	if (!dk_add_ok(rva, len, &end) || end > r->limit)
		return false;
	uint8_t *o = buf;
	uint64_t va = r->base + rva;
	while (len) {
		const uint8_t *p = rd_page(r, va);
		if (!p)
			return false;
		size_t in = (size_t)(va & (PG - 1));
		size_t n = PG - in < len ? PG - in : len;
		memcpy(o, p + in, n);
		o += n;
		va += n;
		len -= n;
	}
	return true;
}

static bool rd32(pe_reader *r, uint64_t rva, uint32_t *v)
{
	uint8_t b[4];
	if (!rd(r, rva, b, 4))
		return false;
	*v = dk_le32(b);
	return true;
}

/* A NUL-terminated ASCII string of at most DK_PE_MAX_NAME - 1 bytes;
 * returns its length, or -1 when unreadable, unterminated or not text. */
static int rd_str(pe_reader *r, uint64_t rva, char *out, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		char c;
		if (!rd(r, rva + n, &c, 1))
			return -1;
		if (c == 0) {
			out[n] = 0;
			return (int)n;
		}
		if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
			return -1;
		out[n++] = c;
	}
	return -1;
}

static pe_reader *reader_new(const dk_vmem *mem, uint64_t base, uint64_t limit)
{
	pe_reader *r = calloc(1, sizeof *r);
	if (r) {
		r->mem = mem;
		r->base = base;
		r->limit = limit;
	}
	return r;
}

dk_status dk_pe_open(const dk_vmem *mem, uint64_t base, uint64_t size_hint, dk_pe *out,
                     dk_error *err)
{
	memset(out, 0, sizeof *out);
	out->base = base;
	if (!mem || !mem->read) {
		dk_set_error(err, DK_E_ARG, "no memory to read the image from");
		return DK_E_ARG;
	}
	uint8_t h[PG];
	if (mem->read(mem->ctx, base, h, sizeof h) != DK_OK) {
		/* the first page may be readable only in part (a short image) */
		if (mem->read(mem->ctx, base, h, 0x400) != DK_OK) {
			dk_set_error(err, DK_E_RANGE,
			             "PE header at 0x%llx is not in the dump",
			             (unsigned long long)base);
			return DK_E_RANGE;
		}
		memset(h + 0x400, 0, sizeof h - 0x400);
	}
	if (h[0] != 'M' || h[1] != 'Z') {
		dk_set_error(err, DK_E_FORMAT, "no MZ signature at 0x%llx",
		             (unsigned long long)base);
		return DK_E_FORMAT;
	}
	uint32_t lfanew = dk_le32(h + 0x3c);
	/* NT headers must fit the header page: signature, file header (20),
	 * the optional header's fixed part */
	if (lfanew < 0x40 || lfanew > PG - 24 - 0x70 || (lfanew & 3)) {
		dk_set_error(err, DK_E_FORMAT, "e_lfanew 0x%x at 0x%llx is out of range", lfanew,
		             (unsigned long long)base);
		return DK_E_FORMAT;
	}
	const uint8_t *nt = h + lfanew;
	if (dk_le32(nt) != DK_TAG('P', 'E', 0, 0)) {
		dk_set_error(err, DK_E_FORMAT, "no PE signature at 0x%llx+0x%x",
		             (unsigned long long)base, lfanew);
		return DK_E_FORMAT;
	}
	out->e_lfanew = lfanew;
	out->machine = dk_le16(nt + 4);
	out->nsections = dk_le16(nt + 6);
	out->timestamp = dk_le32(nt + 8);
	uint16_t opt_size = dk_le16(nt + 20);
	out->characteristics = dk_le16(nt + 22);
	const uint8_t *opt = nt + 24;
	size_t opt_avail = PG - (lfanew + 24);
	uint16_t magic = dk_le16(opt);
	size_t dir_off;
	if (magic == 0x20b) {
		out->pe32plus = true;
		out->image_base = dk_le64(opt + 24);
		dir_off = 0x70;
	} else if (magic == 0x10b) {
		out->image_base = dk_le32(opt + 28);
		dir_off = 0x60;
	} else {
		dk_set_error(err, DK_E_FORMAT, "optional header magic 0x%x at 0x%llx is neither "
		             "PE32 (0x10b) nor PE32+ (0x20b)", magic, (unsigned long long)base);
		return DK_E_FORMAT;
	}
	out->entry_rva = dk_le32(opt + 16);
	out->size_of_image = dk_le32(opt + 56);
	out->size_of_headers = dk_le32(opt + 60);
	out->checksum = dk_le32(opt + 64);
	uint32_t ndirs = dk_le32(opt + dir_off - 4);
	if (ndirs > 16)
		ndirs = 16;
	/* directories must lie inside both the declared optional header and
	 * the page */
	size_t lim = opt_size < opt_avail ? opt_size : opt_avail;
	while (ndirs && dir_off + ndirs * 8 > lim)
		ndirs--;
	out->ndirs = ndirs;
	for (uint32_t i = 0; i < ndirs; i++) {
		out->dirs[i].rva = dk_le32(opt + dir_off + i * 8);
		out->dirs[i].size = dk_le32(opt + dir_off + i * 8 + 4);
	}
	if (out->size_of_image == 0 || out->size_of_image > DK_PE_MAX_IMAGE) {
		if (size_hint && size_hint <= DK_PE_MAX_IMAGE)
			out->size_of_image = (uint32_t)size_hint;
		else {
			dk_set_error(err, DK_E_FORMAT, "SizeOfImage 0x%x at 0x%llx is implausible",
			             out->size_of_image, (unsigned long long)base);
			return DK_E_FORMAT;
		}
	}
	if (size_hint && size_hint < out->size_of_image)
		out->size_of_image = (uint32_t)size_hint;
	return DK_OK;
}

static int cmp_export(const void *a, const void *b)
{
	const dk_pe_export *x = a, *y = b;
	if (x->rva != y->rva)
		return x->rva < y->rva ? -1 : 1;
	if (!x->name != !y->name)
		return x->name ? -1 : 1;
	if (x->name && y->name) {
		int c = strcmp(x->name, y->name);
		if (c)
			return c;
	}
	return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

typedef struct pool {
	char *buf;
	size_t len, cap;
} pool;

static bool pool_add(pool *p, const char *s, size_t n, size_t *at)
{
	if (p->len + n + 1 > p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 4096;
		while (nc < p->len + n + 1)
			nc *= 2;
		char *nb = realloc(p->buf, nc);
		if (!nb)
			return false;
		p->buf = nb;
		p->cap = nc;
	}
	*at = p->len;
	memcpy(p->buf + p->len, s, n + 1);
	p->len += n + 1;
	return true;
}

dk_status dk_pe_load_exports(const dk_vmem *mem, dk_pe *pe, dk_error *err)
{
	if (pe->exports_loaded)
		return DK_OK;
	pe->exports_loaded = true;
	if (pe->ndirs <= DK_PE_DIR_EXPORT || pe->dirs[0].rva == 0 || pe->dirs[0].size < 40)
		return DK_OK;
	uint32_t drva = pe->dirs[0].rva, dsize = pe->dirs[0].size;
	uint64_t dend = (uint64_t)drva + dsize;
	pe_reader *r = reader_new(mem, pe->base, pe->size_of_image);
	if (!r) {
		dk_set_error(err, DK_E_NOMEM, "out of memory for the export reader");
		return DK_E_NOMEM;
	}
	uint8_t d[40];
	if (!rd(r, drva, d, sizeof d)) {
		free(r);
		dk_set_error(err, DK_E_RANGE, "export directory at %llx+0x%x is not readable",
		             (unsigned long long)pe->base, drva);
		return DK_E_RANGE;
	}
	uint32_t name_rva = dk_le32(d + 12);
	pe->ordinal_base = dk_le32(d + 16);
	uint32_t nfunc = dk_le32(d + 20), nnames = dk_le32(d + 24);
	uint32_t afunc = dk_le32(d + 28), anames = dk_le32(d + 32), aords = dk_le32(d + 36);
	pe->declared_functions = nfunc;
	pe->declared_names = nnames;
	if (nfunc > DK_PE_MAX_EXPORTS) {
		nfunc = DK_PE_MAX_EXPORTS;
		pe->truncated = true;
	}
	if (nnames > DK_PE_MAX_EXPORTS) {
		nnames = DK_PE_MAX_EXPORTS;
		pe->truncated = true;
	}
	if (nnames > nfunc)
		nnames = nfunc; /* each name needs a function */
	char tmp[DK_PE_MAX_NAME];
	if (rd_str(r, name_rva, tmp, sizeof pe->dll_name) >= 0)
		dk_strlcpy(pe->dll_name, tmp, sizeof pe->dll_name);

	dk_status st = DK_OK;
	uint32_t *frva = NULL;
	size_t *fname = NULL;   /* pool offset + 1 of the function's name, 0 none */
	pool pl = { 0 };
	dk_pe_export *ex = NULL;
	if (nfunc) {
		frva = malloc(nfunc * sizeof *frva);
		fname = calloc(nfunc, sizeof *fname);
		if (!frva || !fname) {
			st = DK_E_NOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < nfunc; i++)
		if (!rd32(r, (uint64_t)afunc + 4ull * i, &frva[i])) {
			frva[i] = 0;
			pe->unreadable++;
		}
	size_t extra = 0; /* names beyond the first for one function */
	size_t *xoff = NULL;
	uint32_t *xidx = NULL;
	if (nnames) {
		xoff = malloc(nnames * sizeof *xoff);
		xidx = malloc(nnames * sizeof *xidx);
		if (!xoff || !xidx) {
			free(xoff);
			free(xidx);
			st = DK_E_NOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < nnames; i++) {
		uint32_t nrva;
		uint8_t ob[2];
		if (!rd32(r, (uint64_t)anames + 4ull * i, &nrva) ||
		    !rd(r, (uint64_t)aords + 2ull * i, ob, 2)) {
			pe->unreadable++;
			continue;
		}
		uint16_t idx = dk_le16(ob);
		if (idx >= nfunc)
			continue;
		int n = rd_str(r, nrva, tmp, sizeof tmp);
		if (n < 0) {
			pe->unreadable++;
			continue;
		}
		size_t at;
		if (!pool_add(&pl, tmp, (size_t)n, &at)) {
			free(xoff);
			free(xidx);
			st = DK_E_NOMEM;
			goto out;
		}
		if (!fname[idx])
			fname[idx] = at + 1;
		else {
			xoff[extra] = at;
			xidx[extra++] = idx;
		}
	}
	size_t cap = (size_t)nfunc + extra;
	ex = cap ? calloc(cap, sizeof *ex) : NULL;
	if (cap && !ex) {
		free(xoff);
		free(xidx);
		st = DK_E_NOMEM;
		goto out;
	}
	size_t n = 0;
	for (uint32_t i = 0; i < nfunc + extra; i++) {
		uint32_t idx = i < nfunc ? i : xidx[i - nfunc];
		uint32_t rva = frva[idx];
		if (rva == 0 || rva >= pe->size_of_image)
			continue; /* unused slot or outside the image */
		if (rva >= drva && rva < dend) {
			if (i < nfunc)
				pe->skipped_forwarders++;
			continue;
		}
		ex[n].rva = rva;
		ex[n].ordinal = pe->ordinal_base + idx;
		/* names are resolved after the pool stops moving */
		ex[n].name = (const char *)(uintptr_t)(i < nfunc ? fname[idx] : xoff[i - nfunc] + 1);
		n++;
	}
	free(xoff);
	free(xidx);
	for (size_t i = 0; i < n; i++) {
		size_t o = (size_t)(uintptr_t)ex[i].name;
		ex[i].name = o ? pl.buf + (o - 1) : NULL;
	}
	if (n > 1)
		qsort(ex, n, sizeof *ex, cmp_export);
	pe->exports = ex;
	pe->nexports = n;
	pe->pool = pl.buf;
	ex = NULL;
	pl.buf = NULL;
out:
	free(ex);
	free(pl.buf);
	free(frva);
	free(fname);
	free(r);
	if (st == DK_E_NOMEM)
		dk_set_error(err, st, "out of memory for %u exports", nfunc);
	return st;
}

void dk_pe_free(dk_pe *pe)
{
	if (!pe)
		return;
	free(pe->exports);
	free(pe->pool);
	pe->exports = NULL;
	pe->pool = NULL;
	pe->nexports = 0;
	pe->exports_loaded = false;
}

const dk_pe_export *dk_pe_nearest(const dk_pe *pe, uint32_t rva, const dk_pe_export **next)
{
	if (next)
		*next = NULL;
	size_t lo = 0, hi = pe->nexports; /* first index with exports[i].rva > rva */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pe->exports[mid].rva <= rva)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (next && lo < pe->nexports)
		*next = &pe->exports[lo];
	if (lo == 0)
		return NULL;
	/* the first entry of that rva: named ones sort first */
	uint32_t at = pe->exports[lo - 1].rva;
	size_t i = lo - 1;
	while (i > 0 && pe->exports[i - 1].rva == at)
		i--;
	return &pe->exports[i];
}

const dk_pe_export *dk_pe_find_export(const dk_pe *pe, const char *name)
{
	for (size_t i = 0; i < pe->nexports; i++)
		if (pe->exports[i].name && strcmp(pe->exports[i].name, name) == 0)
			return &pe->exports[i];
	return NULL;
}
