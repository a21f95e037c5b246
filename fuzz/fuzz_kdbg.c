/* libFuzzer target: the KDBG reader and decoder over corrupted memory.
 *
 * Input: bytes 0-7 the KDBG virtual address, 8-15 a kernel base hint (0:
 * walk down to "MZ"); the rest is physical memory from address 0, page by
 * page (at most 32 pages), read as an x64 address space whose PML4 is page
 * 0.  The block (plain or encoded) is read, every field of the table is
 * fetched, the image and physical scans run, and the words are decoded
 * and re-encoded: everything must end in bounded time without a fault.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

#include <string.h>

#include <dmpkit/kdbg.h>
#include <dmpkit/vas.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 16u
#define MAX_PAGES 32u

static const uint8_t *fz_phys;
static size_t fz_npages;

static bool fz_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	(void)ctx;
	if (pfn >= fz_npages)
		return false;
	out->base_pfn = pfn;
	out->count = fz_npages - pfn;
	return true;
}

static dk_status fz_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf, dk_error *err)
{
	(void)ctx;
	if (pfn >= fz_npages || count > fz_npages - pfn) {
		if (err)
			err->status = DK_E_RANGE;
		return DK_E_RANGE;
	}
	memcpy(buf, fz_phys + pfn * 4096, (size_t)count * 4096);
	return DK_OK;
}

static const dk_physmem_ops fz_ops = { fz_next_run, fz_read_pages, NULL, NULL, NULL };

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR + 4096)
		return 0;
	uint64_t va = le64(data), hint = le64(data + 8);
	size_t n = (size - HDR) / 4096;
	if (n > MAX_PAGES)
		n = MAX_PAGES;
	fz_phys = data + HDR;
	fz_npages = n;
	dk_physmem pm = { 4096, n, n, &fz_ops, NULL };
	dk_vas *vas = NULL;
	dk_error e;
	if (dk_vas_create(&pm, DK_PAGING_X64, 0, &vas, &e) != DK_OK)
		return 0;
	static dk_kdbg k;
	if (dk_kdbg_read_ex(vas, va, 64, hint, &k, &e) == DK_OK) {
		const dk_struct_desc *d = dk_kdbg_desc();
		for (size_t i = 0; i < d->nfields; i++) {
			uint64_t v;
			(void)dk_kdbg_get(&k, d->fields[i].name, &v);
		}
		uint8_t copy[DK_KDBG_MAX];
		memcpy(copy, k.data, sizeof copy);
		dk_kdbg_encode_block(copy, k.len, k.wait_never, k.wait_always, k.encoded_flag_va);
		dk_kdbg_decode_block(copy, k.len, k.wait_never, k.wait_always, k.encoded_flag_va);
		if (memcmp(copy, k.data, k.len & ~(size_t)7) != 0)
			__builtin_trap();
	}
	if (hint)
		(void)dk_kdbg_scan_image(vas, hint, 64, &k);
	uint64_t pa;
	(void)dk_kdbg_scan_physical(&pm, (data[0] & 1) ? 32 : 64, 64, &k, &pa);
	(void)dk_kdbg_plausible(data + HDR, size - HDR, 64);
	dk_vas_free(vas);
	return 0;
}
