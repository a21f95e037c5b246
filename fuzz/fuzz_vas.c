/* libFuzzer target: virtual address translation over corrupted page tables.
 *
 * Input: byte 0 selects the paging mode (bits 0-1: x86, PAE, x64, ARM64),
 * whether the build is old (bit 2, pre-17134 software PTEs), whether
 * demand-zero pages read as zeros (bit 3) and a hole pattern (bits 4-7:
 * physical pages whose number has these bits set are absent); bytes 1-8
 * the DTB; bytes 9-40 four virtual addresses; bytes 41-42 a read length;
 * the rest is physical memory from address 0, page by page (at most 64
 * pages).  Every translation must end in bounded time with a state and a
 * reason, and reads must fill or fail cleanly.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

#include <dmpkit/vas.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 43u
#define MAX_PAGES 64u

static const uint8_t *fz_phys;
static size_t fz_npages;
static unsigned fz_holes;

static bool page_ok(uint64_t pfn)
{
	return pfn < fz_npages && (fz_holes == 0 || (pfn & fz_holes) != fz_holes);
}

static bool fz_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	(void)ctx;
	while (pfn < fz_npages && !page_ok(pfn))
		pfn++;
	if (pfn >= fz_npages)
		return false;
	uint64_t c = 1;
	while (page_ok(pfn + c))
		c++;
	out->base_pfn = pfn;
	out->count = c;
	return true;
}

static dk_status fz_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf,
                               dk_error *err)
{
	(void)ctx;
	(void)err;
	for (uint64_t k = 0; k < count; k++) {
		if (!page_ok(pfn + k))
			return DK_E_RANGE;
		memcpy((uint8_t *)buf + k * 4096, fz_phys + (pfn + k) * 4096, 4096);
	}
	return DK_OK;
}

static const dk_physmem_ops fz_ops = { fz_next_run, fz_read_pages, NULL, NULL, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR + 4096)
		return 0;
	uint8_t sel = data[0];
	static const dk_paging modes[] = { DK_PAGING_X86, DK_PAGING_PAE, DK_PAGING_X64,
	                                   DK_PAGING_ARM64 };
	dk_paging mode = modes[sel & 3];
	fz_phys = data + HDR;
	fz_npages = (size - HDR) / 4096;
	if (fz_npages > MAX_PAGES)
		fz_npages = MAX_PAGES;
	fz_holes = sel >> 4;
	dk_physmem pm = { .page_size = 4096, .present_pages = fz_npages, .end_pfn = fz_npages,
	                  .ops = &fz_ops, .ctx = NULL };
	uint64_t dtb = fz_get64(data, size, 1);
	if (mode == DK_PAGING_X86 || mode == DK_PAGING_PAE)
		dtb &= 0xFFFFFFFFull;
	/* keep the root inside the pages most of the time */
	if (!(dtb & 0x8000))
		dtb = (dtb & 0xFFF) | ((dtb >> 16) % fz_npages) * 4096;
	dk_vas *v = NULL;
	dk_error err = { DK_OK, "" };
	if (dk_vas_create(&pm, mode, dtb, &v, &err) != DK_OK)
		return 0;
	dk_vas_set_windows_build(v, (sel & 4) ? 7601 : 19041);
	dk_vas_set_demand_zero_reads(v, sel & 8);
	size_t len = (size_t)(data[41] | (unsigned)data[42] << 8) % 20000;
	uint8_t *buf = malloc(len ? len : 1);
	for (int i = 0; i < 4; i++) {
		uint64_t va = fz_get64(data, size, 9 + 8u * (unsigned)i);
		dk_xlate x;
		dk_vas_translate(v, va, &x);
		if (x.nlevels > 5 || !x.reason[0])
			abort();
		fz_consume(&x.state, sizeof x.state);
		fz_consume_str(x.reason);
		fz_consume_str(dk_xlate_state_name(x.state));
		uint64_t span = dk_vas_span(v, &x);
		if (span == 0 || (span & (span - 1)))
			abort();
		if (buf && dk_vas_read(v, va, buf, len, &err) == DK_OK)
			fz_consume(buf, len);
		else
			fz_consume_str(err.message);
	}
	dk_vmem vm;
	dk_vas_vmem(v, &vm);
	uint8_t w[8];
	if (vm.read(vm.ctx, fz_get64(data, size, 9), w, sizeof w) == DK_OK)
		fz_consume(w, sizeof w);
	free(buf);
	dk_vas_free(v);
	return 0;
}
