/* dmpkit tests — an in-memory physical memory with its own ops: pages are
 * created on first write; every other page is absent.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_TEST_FAKEMEM_H
#define DMPKIT_TEST_FAKEMEM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/physmem.h>

#define FM_MAX_PAGES 256

typedef struct fakemem {
	dk_physmem pm;
	size_t n;
	uint64_t pfn[FM_MAX_PAGES];
	uint8_t *data[FM_MAX_PAGES];
	unsigned reads; /* read_pages calls */
} fakemem;

static int fm_find(const fakemem *f, uint64_t pfn)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->pfn[i] == pfn)
			return (int)i;
	return -1;
}

static bool fm_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	const fakemem *f = ctx;
	bool found = false;
	uint64_t best = 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->pfn[i] >= pfn && (!found || f->pfn[i] < best)) {
			best = f->pfn[i];
			found = true;
		}
	if (!found)
		return false;
	uint64_t c = 1;
	while (fm_find(f, best + c) >= 0)
		c++;
	out->base_pfn = best;
	out->count = c;
	return true;
}

static dk_status fm_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf, dk_error *err)
{
	fakemem *f = ctx;
	(void)err;
	f->reads++;
	for (uint64_t k = 0; k < count; k++) {
		int i = fm_find(f, pfn + k);
		if (i < 0)
			return DK_E_RANGE;
		memcpy((uint8_t *)buf + k * 4096, f->data[i], 4096);
	}
	return DK_OK;
}

static const dk_physmem_ops fm_ops = { fm_next_run, fm_read_pages, NULL, NULL, NULL };

static fakemem *fm_new(void)
{
	fakemem *f = calloc(1, sizeof *f);
	f->pm.page_size = 4096;
	f->pm.ops = &fm_ops;
	f->pm.ctx = f;
	return f;
}

static void fm_free(fakemem *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->data[i]);
	free(f);
}

/* The page holding physical address `pa`, created (zeroed) if needed. */
static uint8_t *fm_page(fakemem *f, uint64_t pa)
{
	uint64_t pfn = pa / 4096;
	int i = fm_find(f, pfn);
	if (i >= 0)
		return f->data[i];
	if (f->n >= FM_MAX_PAGES)
		abort();
	f->pfn[f->n] = pfn;
	f->data[f->n] = calloc(1, 4096);
	f->pm.present_pages = ++f->n;
	if (pfn + 1 > f->pm.end_pfn)
		f->pm.end_pfn = pfn + 1;
	return f->data[f->n - 1];
}

static void fm_put64(fakemem *f, uint64_t pa, uint64_t v)
{
	uint8_t *p = fm_page(f, pa) + pa % 4096;
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fm_put32(fakemem *f, uint64_t pa, uint32_t v)
{
	uint8_t *p = fm_page(f, pa) + pa % 4096;
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A data page whose bytes are "PAGE" + pfn (u64) then (pfn + i) & 0xFF. */
static void fm_data(fakemem *f, uint64_t pfn)
{
	uint8_t *p = fm_page(f, pfn * 4096);
	for (int i = 0; i < 4096; i++)
		p[i] = (uint8_t)(pfn + (uint64_t)i);
	memcpy(p, "PAGE", 4);
	for (int i = 0; i < 8; i++)
		p[4 + i] = (uint8_t)(pfn >> (8 * i));
}

#endif
