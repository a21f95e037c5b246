/* libFuzzer target: PE headers and export directories of images in memory.
 *
 * Input: byte 0 is a hole pattern (bits 0-3: image pages whose number has
 * these bits set cannot be read, 0: none), byte 1 a size hint selector;
 * the rest is the image, mapped at a kernel-looking base.  Parsing must be
 * bounded (counts, names, RVAs), tolerate unreadable pages, and every
 * export returned must lie inside the image and have a short name.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

#include <dmpkit/pe.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE 0xFFFFF80000000000ull

static const uint8_t *fz_img;
static size_t fz_len;
static unsigned fz_holes;

static dk_status fz_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	(void)ctx;
	if (va < BASE || va - BASE > fz_len || len > fz_len - (va - BASE))
		return DK_E_RANGE;
	uint64_t off = va - BASE;
	if (fz_holes)
		for (uint64_t p = off / 4096; p <= (off + (len ? len - 1 : 0)) / 4096; p++)
			if ((p & fz_holes) == fz_holes)
				return DK_E_RANGE;
	memcpy(buf, fz_img + off, len);
	return DK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	fz_holes = data[0] & 0xF;
	uint64_t hint = (data[1] & 1) ? 0 : (uint64_t)(size - 2);
	fz_img = data + 2;
	fz_len = size - 2;
	dk_vmem vm = { NULL, fz_read };
	dk_pe pe;
	if (dk_pe_open(&vm, BASE, hint, &pe, NULL) != DK_OK)
		return 0;
	dk_pe_load_exports(&vm, &pe, NULL);
	for (size_t i = 0; i < pe.nexports; i++) {
		if (pe.exports[i].rva >= pe.size_of_image)
			abort();
		if (pe.exports[i].name) {
			if (strlen(pe.exports[i].name) >= DK_PE_MAX_NAME)
				abort();
			fz_consume_str(pe.exports[i].name);
		}
	}
	const dk_pe_export *nx;
	const dk_pe_export *e = dk_pe_nearest(&pe, pe.size_of_image / 2, &nx);
	if (e)
		fz_consume(&e->rva, sizeof e->rva);
	fz_consume_str(pe.dll_name);
	dk_pe_free(&pe);
	return 0;
}
