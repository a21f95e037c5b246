/* dmpkit — generic operations on a physical memory source.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <string.h>

#include <dmpkit/physmem.h>

#include "internal.h"

bool dk_physmem_next_run(const dk_physmem *pm, uint64_t pfn, dk_run *out)
{
	return pm->ops->next_run(pm->ctx, pfn, out);
}

bool dk_physmem_present(const dk_physmem *pm, uint64_t pfn)
{
	dk_run r;
	return pm->ops->next_run(pm->ctx, pfn, &r) && r.base_pfn == pfn;
}

dk_status dk_physmem_read(const dk_physmem *pm, uint64_t addr, void *buf, size_t len,
                          dk_error *err)
{
	uint8_t page[65536];
	uint8_t *out = buf;
	uint32_t ps = pm->page_size;
	if (ps == 0 || ps > sizeof page || (ps & (ps - 1))) {
		dk_set_error(err, DK_E_ARG, "physical memory source has page size %u", ps);
		return DK_E_ARG;
	}
	while (len) {
		uint64_t pfn = addr / ps;
		size_t in_page = (size_t)(addr % ps);
		size_t n = ps - in_page;
		if (n > len)
			n = len;
		if (!dk_physmem_present(pm, pfn)) {
			dk_set_error(err, DK_E_RANGE,
			             "physical address 0x%" PRIx64 " (page 0x%" PRIx64
			             ") is not present",
			             addr, pfn);
			return DK_E_RANGE;
		}
		dk_status st = pm->ops->read_pages(pm->ctx, pfn, 1, page, err);
		if (st != DK_OK)
			return st;
		memcpy(out, page + in_page, n);
		out += n;
		len -= n;
		addr += n;
	}
	return DK_OK;
}
