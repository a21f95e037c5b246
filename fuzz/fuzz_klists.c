/* libFuzzer target: corrupted kernel lists (loops, wild pointers, huge
 * lengths) in a real-shaped kernel image.
 *
 * A kgen w7_x64 image is loaded once (fuzz_kgen.h; set DMPKIT_FUZZ_KGEN to
 * the kgen binary); the input patches its list heads, loader entries,
 * EPROCESS and ETHREAD objects and the KDBG.  The kernel is opened from
 * memory and every list is walked: every walk must end, bounded and with
 * a stop reason, without a fault.
 * SPDX-License-Identifier: MIT */
#include "fuzz_kgen.h"

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want(const char *key)
{
	return strstr(key, "_eprocess") || strstr(key, "_ethread") || strstr(key, "_ldr_entry") ||
	       !strcmp(key, "ps_loaded_module_list") || !strcmp(key, "ps_active_process_head") ||
	       !strcmp(key, "kdbg_va");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kg_load("--profile w7_x64", want, 0x400);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!kg_patch(data, size))
		return 0;
	dk_kdump *d;
	dk_error e;
	if (dk_kdump_open_memory(kg_img, kg_len, "fuzz.dmp", &d, &e) == DK_OK) {
		dk_kernel *k;
		if (dk_kernel_open(d, &k, &e) == DK_OK) {
			dk_walk_status ws;
			dk_kmodule *m = NULL;
			dk_kprocess *ps = NULL;
			dk_kcpu *c = NULL;
			size_t n = 0, np = 0;
			if (dk_kernel_modules(k, &m, &n, &ws, &e) == DK_OK)
				fz_consume_str(ws.stop_reason);
			free(m);
			if (dk_kernel_processes(k, &ps, &np, &ws, &e) == DK_OK) {
				for (size_t j = 0; j < np && j < 8; j++) {
					dk_kthread *t = NULL;
					size_t nt = 0;
					if (dk_kernel_threads(k, ps[j].eprocess, &t, &nt, &ws, &e) == DK_OK)
						fz_consume_str(ws.stop_reason);
					free(t);
					dk_kmodule *um = NULL;
					size_t num = 0;
					if (dk_kernel_user_modules(k, &ps[j], &um, &num, &ws, &e) == DK_OK)
						fz_consume_str(ws.stop_reason);
					free(um);
				}
			}
			free(ps);
			if (dk_kernel_cpus(k, &c, &n, &e) == DK_OK)
				free(c);
			char sym[256];
			dk_kernel_symbolize(k, NULL, 0xfffff80002a01000ull, sym, sizeof sym);
			dk_kernel_close(k);
		}
		dk_kdump_close(d);
	}
	kg_restore();
	return 0;
}
