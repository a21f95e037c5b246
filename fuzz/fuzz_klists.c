/* libFuzzer target: corrupted kernel lists (loops, wild pointers, huge
 * lengths) in a real-shaped kernel image.
 *
 * A kgen image (tests/gen/kgen.c) is written once at start-up: the path of
 * the kgen binary comes from the environment variable DMPKIT_FUZZ_KGEN
 * (without it every input is a no-op).  The image's list heads, loader
 * entries, EPROCESS and ETHREAD objects (kgen --print-layout) are
 * translated to file offsets through the library's own address space.  An
 * input is a list of patches: {u8 target, u16 offset, u8 length, bytes};
 * each overwrites bytes of one such object in the image, the kernel is
 * opened from memory and every list is walked, then the patches are undone.
 * Every walk must end (bounded, with a stop reason) without a fault.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/kernel.h>
#include <dmpkit/kdump.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TARGETS 256
static uint8_t *img;
static size_t img_len;
static uint64_t target_off[MAX_TARGETS];
static size_t ntargets;

static bool file_offset(dk_kdump *d, dk_vas *vas, uint64_t va, uint64_t *off)
{
	dk_xlate x;
	dk_vas_translate(vas, va, &x);
	if (x.state != DK_XL_VALID)
		return false;
	return dk_kdump_page_offset(d, x.pa / DK_PAGE_SIZE, off) &&
	       (*off += x.pa % DK_PAGE_SIZE, *off + 0x400 <= img_len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *kgen = getenv("DMPKIT_FUZZ_KGEN");
	if (!kgen)
		return 0;
	char path[256], cmd[768];
	snprintf(path, sizeof path, "/tmp/dmpkit-fuzz-klists-%d.dmp", (int)getpid());
	snprintf(cmd, sizeof cmd, "'%s' '%s' --force --profile w7_x64 --print-layout", kgen, path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return 0;
	uint64_t vas_list[MAX_TARGETS];
	size_t nva = 0;
	char line[256];
	while (fgets(line, sizeof line, p)) {
		char key[128];
		unsigned long long v;
		if (sscanf(line, "%127s %llx", key, &v) != 2 || nva >= MAX_TARGETS)
			continue;
		if (strstr(key, "_eprocess") || strstr(key, "_ethread") || strstr(key, "_ldr_entry") ||
		    !strcmp(key, "ps_loaded_module_list") || !strcmp(key, "ps_active_process_head") ||
		    !strcmp(key, "kdbg_va"))
			vas_list[nva++] = v;
	}
	if (pclose(p) != 0)
		return 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	img = n > 0 ? malloc((size_t)n) : NULL;
	if (img && fread(img, 1, (size_t)n, f) == (size_t)n)
		img_len = (size_t)n;
	fclose(f);
	remove(path);
	if (!img_len)
		return 0;
	dk_kdump *d;
	dk_error e;
	if (dk_kdump_open_memory(img, img_len, "kgen.dmp", &d, &e) != DK_OK)
		return 0;
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	dk_vas *vas;
	if (dk_vas_create(dk_kdump_physmem(d), DK_PAGING_X64, s->directory_table_base, &vas, &e) ==
	    DK_OK) {
		for (size_t i = 0; i < nva; i++)
			if (file_offset(d, vas, vas_list[i], &target_off[ntargets]))
				ntargets++;
		dk_vas_free(vas);
	}
	dk_kdump_close(d);
	return 0;
}

typedef struct undo {
	uint64_t off;
	uint8_t len;
	uint8_t old[255];
} undo;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static undo u[64];
	size_t nu = 0, i = 0;
	if (!ntargets)
		return 0;
	while (i + 4 <= size && nu < 64) {
		uint64_t off = target_off[data[i] % ntargets] + (uint64_t)(data[i + 1] | data[i + 2] << 8) % 0x400;
		uint8_t len = data[i + 3];
		i += 4;
		if (len > size - i)
			len = (uint8_t)(size - i);
		if (off + len > img_len)
			break;
		u[nu].off = off;
		u[nu].len = len;
		memcpy(u[nu].old, img + off, len);
		memcpy(img + off, data + i, len);
		nu++;
		i += len;
	}
	dk_kdump *d;
	dk_error e;
	if (dk_kdump_open_memory(img, img_len, "fuzz.dmp", &d, &e) == DK_OK) {
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
	while (nu--) /* undo in reverse order */
		memcpy(img + u[nu].off, u[nu].old, u[nu].len);
	return 0;
}
