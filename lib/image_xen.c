/* dmpkit — xen memory image reader (placeholder until it lands).
 * SPDX-License-Identifier: MIT */
#include "image_internal.h"

static int stub_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)head; (void)len; (void)file_size;
	return 0;
}

static dk_status stub_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	(void)opts;
	dk_set_error(err, DK_E_UNSUPPORTED, "%s: the xen reader is not built yet", img->in.name);
	return DK_E_UNSUPPORTED;
}

const dk_image_reader dk_reader_xen = { "xen", "xen (not built yet)", stub_probe, stub_open };
