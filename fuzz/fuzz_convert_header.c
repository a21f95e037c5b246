/* libFuzzer target: the convert header logic on hostile memory and hostile
 * headers.
 *
 * A kgen w10_x64 image with an encoded KDBG is loaded once (fuzz_kgen.h;
 * set DMPKIT_FUZZ_KGEN to the kgen binary).  The first input byte picks a
 * mode: even — the input patches the kernel's objects (KDBG, the
 * KdCopyDataBlock code, the kernel image header, list heads, processor
 * block, processes) and a header is synthesized from the image (self-map
 * scan, reverse translation, KDBG search and decoding); odd — the rest of
 * the input overwrites the dump header's fields (after the signature) and
 * that header is verified and repaired.  Nothing is written.
 * SPDX-License-Identifier: MIT */
#include "fuzz_kgen.h"

#include <dmpkit/convert.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want(const char *key)
{
	return !strcmp(key, "kdbg_va") || !strcmp(key, "kernbase") ||
	       !strcmp(key, "kd_copy_data_block") || !strcmp(key, "ps_loaded_module_list") ||
	       !strcmp(key, "ps_active_process_head") || !strcmp(key, "ki_processor_block") ||
	       !strcmp(key, "nt_build_lab_va") || strstr(key, "_eprocess");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kg_load("--profile w10_x64 --encoded-kdbg", want, 0x800);
	return 0;
}

static void run(bool synthesize)
{
	dk_image *img = NULL;
	dk_error e;
	if (dk_image_open_memory(kg_img, kg_len, "fuzz.dmp", NULL, &img, &e) != DK_OK)
		return;
	dk_convert_options o;
	memset(&o, 0, sizeof o);
	o.synthesize = synthesize;
	uint8_t h[0x2000];
	size_t len = 0;
	dk_convert_report r;
	if (dk_convert_header(img, &o, h, &len, &r, &e) == DK_OK) {
		fz_consume(h, len);
		for (size_t i = 0; i < r.count; i++)
			fz_consume_str(r.findings[i].text);
	}
	dk_convert_report_free(&r);
	dk_image_close(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!kg_img || size < 1)
		return 0;
	if (data[0] & 1) {
		/* header mode: bytes after the 8-byte signature, up to the runs */
		size_t n = size - 1 < 0x200 ? size - 1 : 0x200;
		uint8_t old[0x200];
		memcpy(old, kg_img + 8, n);
		memcpy(kg_img + 8, data + 1, n);
		run(false);
		memcpy(kg_img + 8, old, n);
		return 0;
	}
	if (!kg_patch(data + 1, size - 1))
		return 0;
	run(true);
	kg_restore();
	return 0;
}
