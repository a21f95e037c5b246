/* dmpkit — finding a Windows kernel in a physical memory image that has no
 * trustworthy header: candidate page-table roots, kernel images, and the
 * virtual address of a physical page.
 *
 * Sources (team notes analysis.md §2.6 and §3; Volatility's x64 DTB scan by
 * the self-referencing PML4 entry): Windows maps its own top-level table
 * into the kernel half — x86 PDE 0x300 points at the page directory itself,
 * PAE PD3[0..3] point at the four page directories (PD3[3] at itself), x64
 * one PML4E in 256..511 (0x1ED before Windows 10 1607, randomised later)
 * points at the PML4 itself.  Every process has such a table; the kernel
 * half is the same in all of them.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "convert_internal.h"

#define BATCH 64u

static void add_cand(dk_kscan *s, dk_paging mode, uint64_t dtb)
{
	if (s->ndtb < DK_KSCAN_MAX_DTB) {
		s->dtb[s->ndtb].mode = mode;
		s->dtb[s->ndtb].dtb = dtb;
		s->ndtb++;
	}
}

static void check_page(dk_kscan *s, uint64_t pfn, const uint8_t *pg)
{
	/* x64: a present, non-large entry of the kernel half maps the page itself */
	const uint64_t mask52 = 0x000FFFFFFFFFF000ull;
	unsigned self64 = 0, present_k = 0;
	for (unsigned i = 256; i < 512; i++) {
		uint64_t e = dk_le64(pg + i * 8);
		if (!(e & 1))
			continue;
		present_k++;
		if ((e & mask52) >> 12 == pfn && !(e & 0x80))
			self64++;
	}
	if (self64 == 1 && present_k >= 2) {
		/* the user half must look like page-table entries too: no entry
		 * with reserved high bits (52..62) set */
		bool sane = true;
		for (unsigned i = 0; i < 256 && sane; i++) {
			uint64_t e = dk_le64(pg + i * 8);
			if ((e & 1) && (e & 0x7FF0000000000000ull))
				sane = false;
		}
		if (sane)
			add_cand(s, DK_PAGING_X64, pfn << 12);
	}
	/* x86: PDE 0x300 maps the directory itself */
	if (pfn < (1u << 20)) {
		uint32_t e = dk_le32(pg + 0x300 * 4);
		if ((e & 1) && (e >> 12) == pfn && !(e & 0x80)) {
			unsigned kern = 0;
			for (unsigned i = 0x200; i < 0x400; i++)
				kern += dk_le32(pg + i * 4) & 1;
			if (kern >= 2)
				add_cand(s, DK_PAGING_X86, pfn << 12);
		}
	}
	/* PAE: a page directory whose entries 0..3 are present and entry 3 is
	 * itself — the PD that maps 0xC0000000 */
	uint64_t e3 = dk_le64(pg + 3 * 8);
	if ((e3 & 1) && (e3 & mask52) >> 12 == pfn && !(e3 & 0x80) && s->npae < DK_KSCAN_MAX_PAE) {
		bool ok = true;
		uint64_t pds[4];
		for (unsigned i = 0; i < 4 && ok; i++) {
			uint64_t e = dk_le64(pg + i * 8);
			ok = (e & 1) && !(e & 0x80) && !(e & 0x7FF0000000000000ull);
			pds[i] = (e & mask52) >> 12;
		}
		if (ok)
			memcpy(s->pae_pds[s->npae++], pds, sizeof pds);
	}
	/* kernel images: MZ, PE, native subsystem, AMD64 or i386 */
	if (pg[0] == 'M' && pg[1] == 'Z' && s->nmz < DK_KSCAN_MAX_MZ) {
		uint32_t lfanew = dk_le32(pg + 0x3C);
		if (lfanew >= 0x40 && lfanew <= 0x800 && dk_le32(pg + lfanew) == 0x00004550) {
			uint16_t machine = dk_le16(pg + lfanew + 4);
			uint16_t opt = dk_le16(pg + lfanew + 24);
			uint16_t subsystem = dk_le16(pg + lfanew + 24 + 68);
			if ((machine == 0x8664 || machine == 0x14c) && (opt == 0x20B || opt == 0x10B) &&
			    subsystem == 1) {
				s->mz[s->nmz].pa = pfn << 12;
				s->mz[s->nmz].machine = machine;
				s->nmz++;
			}
		}
	}
}

typedef struct scan_half {
	const dk_physmem *pm;
	void *ctx;             /* cursor */
	uint64_t from, to;
	unsigned parity, step; /* batches k with k % step == parity */
	dk_kscan s;
	uint8_t *buf;
} scan_half;

static void scan_work(scan_half *h)
{
	dk_run r;
	uint64_t pfn = h->from, k = 0;
	while (pfn < h->to && dk_physmem_next_run(h->pm, pfn, &r) && r.base_pfn < h->to) {
		uint64_t n = r.count < BATCH ? r.count : BATCH;
		if (n > h->to - r.base_pfn)
			n = h->to - r.base_pfn;
		if (k++ % h->step == h->parity) {
			dk_error e;
			if (h->pm->ops->read_pages(h->ctx, r.base_pfn, n, h->buf, &e) == DK_OK)
				for (uint64_t i = 0; i < n; i++)
					check_page(&h->s, r.base_pfn + i, h->buf + i * 4096);
			h->s.scanned += n;
		}
		pfn = r.base_pfn + n;
	}
}

static void *scan_thread(void *arg)
{
	scan_work(arg);
	return NULL;
}

static int dtb_cmp(const void *a, const void *b)
{
	const dk_kscan_root *x = a, *y = b;
	return x->dtb < y->dtb ? -1 : x->dtb > y->dtb;
}

static int mz_cmp(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends what `h` found to `s`, keeping each list sorted by address (the
 * same result whatever thread found what). */
static void merge(dk_kscan *s, const dk_kscan *h)
{
	size_t d0 = s->ndtb, m0 = s->nmz;
	for (size_t i = 0; i < h->ndtb && s->ndtb < DK_KSCAN_MAX_DTB; i++)
		s->dtb[s->ndtb++] = h->dtb[i];
	for (size_t i = 0; i < h->npae && s->npae < DK_KSCAN_MAX_PAE; i++)
		memcpy(s->pae_pds[s->npae++], h->pae_pds[i], sizeof h->pae_pds[i]);
	for (size_t i = 0; i < h->nmz && s->nmz < DK_KSCAN_MAX_MZ; i++)
		s->mz[s->nmz++] = h->mz[i];
	s->scanned += h->scanned;
	/* only the entries of this window are sorted: earlier windows' order
	 * (and which of them were tested) stays */
	qsort(&s->dtb[d0], s->ndtb - d0, sizeof s->dtb[0], dtb_cmp);
	qsort(&s->mz[m0], s->nmz - m0, sizeof s->mz[0], mz_cmp);
}

dk_status dk_kscan_run(const dk_physmem *pm, uint64_t from_pfn, uint64_t to_pfn, dk_kscan *s,
                       dk_error *err)
{
	if (pm->page_size != 4096) {
		dk_set_error(err, DK_E_UNSUPPORTED, "page size %u: only 4 KiB pages are scanned",
		             pm->page_size);
		return DK_E_UNSUPPORTED;
	}
	/* a source that decompresses (clone op) is read on two threads */
	void *c2 = pm->ops->clone && pm->ops->clone_free ? pm->ops->clone(pm->ctx) : NULL;
	scan_half *h = calloc(c2 ? 2 : 1, sizeof *h);
	bool ok = h != NULL;
	for (unsigned i = 0; ok && i < (c2 ? 2u : 1u); i++) {
		h[i].pm = pm;
		h[i].ctx = i ? c2 : pm->ctx;
		h[i].from = from_pfn;
		h[i].to = to_pfn;
		h[i].parity = i;
		h[i].step = c2 ? 2 : 1;
		h[i].buf = malloc((size_t)BATCH * 4096);
		ok = h[i].buf != NULL;
	}
	pthread_t t;
	bool threaded = ok && c2 && pthread_create(&t, NULL, scan_thread, &h[1]) == 0;
	if (ok && c2 && !threaded)
		h[0].step = 1; /* no second thread: do it all here */
	if (ok)
		scan_work(&h[0]);
	if (threaded)
		pthread_join(t, NULL);
	if (ok) {
		merge(s, &h[0].s);
		if (threaded)
			merge(s, &h[1].s);
	}
	if (h) {
		free(h[0].buf);
		if (c2)
			free(h[1].buf);
	}
	free(h);
	if (c2)
		pm->ops->clone_free(c2);
	if (!ok) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	return DK_OK;
}

/* PAE: the PDPT (32 bytes, 32-byte aligned) whose four entries are the
 * candidate's page directories. */
bool dk_kscan_find_pdpt(const dk_physmem *pm, const uint64_t pds[4], uint64_t max_pages,
                        uint64_t *dtb)
{
	uint8_t *buf = malloc((size_t)BATCH * 4096);
	if (!buf)
		return false;
	dk_run r;
	uint64_t pfn = 0, done = 0;
	bool found = false;
	while (!found && done < max_pages && dk_physmem_next_run(pm, pfn, &r)) {
		uint64_t n = r.count < BATCH ? r.count : BATCH;
		dk_error e;
		if (pm->ops->read_pages(pm->ctx, r.base_pfn, n, buf, &e) == DK_OK) {
			for (uint64_t off = 0; off + 32 <= n * 4096 && !found; off += 32) {
				bool ok = true;
				for (unsigned i = 0; i < 4 && ok; i++) {
					uint64_t e4 = dk_le64(buf + off + i * 8);
					ok = (e4 & 1) && ((e4 & 0x000FFFFFFFFFF000ull) >> 12) == pds[i] &&
					     !(e4 & 0x1E6); /* PDPTE reserved bits 1,2,5..8 */
				}
				if (ok) {
					*dtb = (r.base_pfn << 12) + off;
					found = true;
				}
			}
		}
		done += n;
		pfn = r.base_pfn + n;
	}
	free(buf);
	return found;
}

/* ---- reverse translation ---- */

typedef struct rev {
	const dk_physmem *pm;
	const uint64_t *targets; /* physical page addresses */
	uint64_t *found;         /* VA per target, 0 = none */
	size_t n, left;
	unsigned reads, max_reads;
	uint8_t tbl[4096];
} rev;

static bool read_table(rev *r, uint64_t pa, uint8_t *out)
{
	if (r->reads >= r->max_reads)
		return false;
	r->reads++;
	dk_error e;
	return dk_physmem_read(r->pm, pa, out, 4096, &e) == DK_OK;
}

/* A leaf maps [pa, pa+size) at va: record every target inside. */
static void leaf(rev *r, uint64_t va, uint64_t pa, uint64_t size)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->found[i] && r->targets[i] >= pa && r->targets[i] - pa < size) {
			r->found[i] = va + (r->targets[i] - pa);
			r->left--;
		}
}

static uint64_t canon48(uint64_t va)
{
	return va & 0x0000800000000000ull ? va | 0xFFFF000000000000ull : va;
}

static void walk64(rev *r, uint64_t table_pa, unsigned level, uint64_t va, unsigned lo,
                   unsigned hi, unsigned skip)
{
	uint8_t *t = malloc(4096);
	if (!t)
		return;
	if (!read_table(r, table_pa, t)) {
		free(t);
		return;
	}
	const uint64_t m = 0x000FFFFFFFFFF000ull;
	unsigned shift = 12 + 9 * (level - 1);
	for (unsigned i = lo; i < hi && r->left; i++) {
		if (i == skip)
			continue;
		uint64_t e = dk_le64(t + i * 8);
		if (!(e & 1))
			continue;
		uint64_t v = va | (uint64_t)i << shift;
		if (level == 1) {
			leaf(r, canon48(v), e & m, 4096);
		} else if ((level == 2 || level == 3) && (e & 0x80)) {
			uint64_t size = 1ull << shift;
			leaf(r, canon48(v), (e & m) & ~(size - 1), size);
		} else if (level > 1) {
			walk64(r, e & m, level - 1, v, 0, 512, 512);
		}
	}
	free(t);
}

static void walk_pae(rev *r, uint64_t pd_pa, uint64_t va, bool self_pd)
{
	uint8_t *t = malloc(4096);
	if (!t)
		return;
	if (!read_table(r, pd_pa, t)) {
		free(t);
		return;
	}
	const uint64_t m = 0x000FFFFFFFFFF000ull;
	uint8_t *pt = malloc(4096);
	for (unsigned i = 0; i < 512 && r->left && pt; i++) {
		if (self_pd && i < 4)
			continue; /* the self-map */
		uint64_t e = dk_le64(t + i * 8);
		if (!(e & 1))
			continue;
		uint64_t v = va | (uint64_t)i << 21;
		if (e & 0x80) {
			leaf(r, v, (e & m) & ~0x1FFFFFull, 2u << 20);
			continue;
		}
		if (!read_table(r, e & m, pt))
			continue;
		for (unsigned j = 0; j < 512; j++) {
			uint64_t p = dk_le64(pt + j * 8);
			if (p & 1)
				leaf(r, v | (uint64_t)j << 12, p & m, 4096);
		}
	}
	free(pt);
	free(t);
}

static void walk_x86(rev *r, uint64_t pd_pa)
{
	uint8_t *t = malloc(4096), *pt = malloc(4096);
	if (t && pt && read_table(r, pd_pa, t)) {
		for (unsigned i = 0x200; i < 0x400 && r->left; i++) {
			if (i == 0x300)
				continue;
			uint32_t e = dk_le32(t + i * 4);
			if (!(e & 1))
				continue;
			uint64_t v = (uint64_t)i << 22;
			if (e & 0x80) {
				leaf(r, v, e & 0xFFC00000u, 4u << 20);
				continue;
			}
			if (!read_table(r, e & 0xFFFFF000u, pt))
				continue;
			for (unsigned j = 0; j < 1024; j++) {
				uint32_t p = dk_le32(pt + j * 4);
				if (p & 1)
					leaf(r, v | (uint64_t)j << 12, p & 0xFFFFF000u, 4096);
			}
		}
	}
	free(t);
	free(pt);
}

void dk_kscan_reverse(const dk_physmem *pm, dk_paging mode, uint64_t dtb, const uint64_t *pas,
                      size_t n, uint64_t *vas)
{
	rev *r = calloc(1, sizeof *r);
	if (!r)
		return;
	r->pm = pm;
	r->targets = pas;
	r->found = vas;
	r->n = r->left = n;
	r->max_reads = 1u << 16;
	for (size_t i = 0; i < n; i++)
		vas[i] = 0;
	if (mode == DK_PAGING_X64) {
		/* the self-map entry is skipped (it would map every table) */
		uint8_t *top = malloc(4096);
		unsigned self = 512;
		if (top && dk_physmem_read(pm, dtb & ~0xFFFull, top, 4096, &(dk_error){0}) == DK_OK)
			for (unsigned i = 256; i < 512; i++) {
				uint64_t e = dk_le64(top + i * 8);
				if ((e & 1) && (e & 0x000FFFFFFFFFF000ull) == (dtb & ~0xFFFull))
					self = i;
			}
		free(top);
		walk64(r, dtb & ~0xFFFull, 4, 0, 256, 512, self);
	} else if (mode == DK_PAGING_PAE) {
		uint8_t pdpt[32];
		dk_error e;
		if (dk_physmem_read(pm, dtb & ~0x1Full, pdpt, 32, &e) == DK_OK)
			for (unsigned i = 2; i < 4 && r->left; i++) {
				uint64_t p = dk_le64(pdpt + i * 8);
				if (p & 1)
					walk_pae(r, p & 0x000FFFFFFFFFF000ull, (uint64_t)i << 30, i == 3);
			}
	} else if (mode == DK_PAGING_X86) {
		walk_x86(r, dtb & ~0xFFFull);
	}
	free(r);
}
