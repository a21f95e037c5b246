/* dmpkit — a Windows kernel crash dump as a physical memory image: full,
 * bitmap and RDMP dumps hold pages; header-only and triage dumps hold none.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <dmpkit/kdump.h>

#include "image_internal.h"

static int windump_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)file_size;
	if (len < 8 || memcmp(head, "PAGE", 4) != 0)
		return 0;
	return memcmp(head + 4, "DU64", 4) == 0 || memcmp(head + 4, "DUMP", 4) == 0 ? 95 : 0;
}

static void windump_free(void *priv) { dk_kdump_close(priv); }

static dk_status windump_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	(void)opts;
	dk_kdump *d = NULL;
	dk_status st = img->in.fd >= 0 ? dk_kdump_open(img->in.name, &d, err)
	                               : dk_kdump_open_memory(img->in.mem, (size_t)img->in.size,
	                                                      img->in.name, &d, err);
	if (st != DK_OK)
		return st;
	img->priv = d;
	img->free_priv = windump_free;
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	const dk_physmem *pm = dk_kdump_physmem(d);
	if (!pm) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: DUMP_HEADER%u.DumpType (offset 0x%x) is %u: this dump type holds "
		             "no physical memory pages (header-only or triage dump)",
		             img->in.name, s->bits, s->bits == 64 ? 0xF98u : 0xF88u, s->dump_type);
		return DK_E_FORMAT;
	}
	img->pm = *pm;
	snprintf(img->describe, sizeof img->describe,
	         "Windows crash dump (%s, DumpType %u, %s), %" PRIu64 " pages",
	         s->bits == 64 ? "PAGEDU64" : "PAGEDUMP", s->dump_type,
	         s->storage == DK_STORAGE_RUNS     ? "runs"
	         : s->storage == DK_STORAGE_BITMAP ? "bitmap"
	                                           : "ranges",
	         pm->present_pages);
	if (s->available_pages < s->stored_pages)
		dk_image_add_note(img,
		                  "the dump is truncated: %" PRIu64 " of the %" PRIu64
		                  " pages its layout stores lie inside the file",
		                  s->available_pages, s->stored_pages);
	return DK_OK;
}

const dk_image_reader dk_reader_windows_dump = {
	"windows-dump", "Windows crash dump (PAGEDUMP/PAGEDU64: full, bitmap, RDMP)",
	windump_probe, windump_open,
};
