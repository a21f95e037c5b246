/* dmpkit tests — PE export parsing and the kernel lists (modules,
 * processes, threads, processors, user modules, symbols):
 *   - hand-built PE32 and PE32+ images, and bounded parsing of garbage;
 *   - the real ARM64 triage dump (skipped when the corpus is absent);
 *   - kgen images of every profile compared with kgen --print-layout, and
 *     corrupted copies (loops, wild pointers, huge lengths) that must stop.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <dmpkit/dmpkit.h>
#include <dmpkit/kernel.h>
#include <dmpkit/pe.h>

/* ------------------------------------------------------------------ */
/* helpers */

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Memory of one image at `base`; pages flagged in `holes` fail. */
typedef struct fakemem {
	uint64_t base;
	uint8_t *img;
	size_t size;
	uint32_t holes; /* bit i: page i unreadable */
	unsigned reads;
} fakemem;

static dk_status fm_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	fakemem *m = ctx;
	m->reads++;
	if (va < m->base || va - m->base > m->size || len > m->size - (va - m->base))
		return DK_E_RANGE;
	uint64_t off = va - m->base;
	for (uint64_t p = off / 4096; p <= (off + (len ? len - 1 : 0)) / 4096; p++)
		if (p < 32 && (m->holes >> p & 1))
			return DK_E_RANGE;
	memcpy(buf, m->img + off, len);
	return DK_OK;
}

/* A 0x4000-byte image: headers, export directory at 0x1000 (names and
 * arrays), code at 0x2000.  Exports: Alpha 0x2000, Beta 0x2100, Gamma a
 * forwarder, ordinal-only 0x2200, Alias = second name of Alpha. */
static uint8_t *build_pe(bool plus, size_t *size)
{
	size_t n = 0x4000;
	uint8_t *b = calloc(1, n);
	b[0] = 'M';
	b[1] = 'Z';
	w32(b + 0x3c, 0x80);
	uint8_t *nt = b + 0x80;
	memcpy(nt, "PE\0\0", 4);
	w16(nt + 4, plus ? 0x8664 : 0x14c);
	w16(nt + 6, 1);
	w32(nt + 8, 0x5e5e1234);
	w16(nt + 20, plus ? 0xf0 : 0xe0);
	uint8_t *opt = nt + 24;
	w16(opt, plus ? 0x20b : 0x10b);
	w32(opt + 16, 0x2000);              /* AddressOfEntryPoint */
	w32(opt + 56, (uint32_t)n);         /* SizeOfImage */
	w32(opt + 60, 0x400);               /* SizeOfHeaders */
	w32(opt + 64, 0xabcd);              /* CheckSum */
	size_t dd = plus ? 0x70 : 0x60;
	w32(opt + dd - 4, 16);
	w32(opt + dd, 0x1000);              /* export directory */
	w32(opt + dd + 4, 0x400);
	uint8_t *ed = b + 0x1000;
	w32(ed + 12, 0x1300);               /* Name */
	w32(ed + 16, 10);                   /* Base */
	w32(ed + 20, 4);                    /* NumberOfFunctions */
	w32(ed + 24, 4);                    /* NumberOfNames */
	w32(ed + 28, 0x1040);
	w32(ed + 32, 0x1080);
	w32(ed + 36, 0x10c0);
	w32(b + 0x1040, 0x2000);            /* 0 Alpha (and Alias) */
	w32(b + 0x1044, 0x2100);            /* 1 Beta */
	w32(b + 0x1048, 0x1200);            /* 2 Gamma: forwarder */
	w32(b + 0x104c, 0x2200);            /* 3 by ordinal only */
	const char *names[] = { "Alias", "Alpha", "Beta", "Gamma" };
	uint16_t ords[] = { 0, 0, 1, 2 };
	uint32_t at = 0x1100;
	for (int i = 0; i < 4; i++) {
		w32(b + 0x1080 + 4 * i, at);
		w16(b + 0x10c0 + 2 * i, ords[i]);
		strcpy((char *)b + at, names[i]);
		at += 0x20;
	}
	strcpy((char *)b + 0x1200, "OTHER.Gamma");
	strcpy((char *)b + 0x1300, "test.dll");
	*size = n;
	return b;
}

static void test_pe_exports(void **state)
{
	(void)state;
	for (int plus = 0; plus < 2; plus++) {
		size_t n;
		uint8_t *img = build_pe(plus, &n);
		fakemem fm = { 0x10000000, img, n, 0, 0 };
		dk_vmem vm = { &fm, fm_read };
		dk_pe pe;
		dk_error e;
		assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, &e), DK_OK);
		assert_int_equal(pe.pe32plus, plus);
		assert_int_equal(pe.size_of_image, n);
		assert_int_equal(pe.timestamp, 0x5e5e1234);
		assert_int_equal(pe.checksum, 0xabcd);
		assert_int_equal(dk_pe_load_exports(&vm, &pe, &e), DK_OK);
		assert_string_equal(pe.dll_name, "test.dll");
		assert_int_equal(pe.nexports, 4); /* Alias, Alpha, Beta, #13 */
		assert_int_equal(pe.skipped_forwarders, 1);
		const dk_pe_export *nx;
		const dk_pe_export *x = dk_pe_nearest(&pe, 0x2050, &nx);
		assert_non_null(x);
		assert_string_equal(x->name, "Alias"); /* named, sorted by name at one rva */
		assert_string_equal(nx->name, "Beta");
		x = dk_pe_nearest(&pe, 0x2100, NULL);
		assert_string_equal(x->name, "Beta");
		x = dk_pe_nearest(&pe, 0x3000, &nx);
		assert_null(x->name);
		assert_int_equal(x->ordinal, 13);
		assert_null(nx);
		assert_null(dk_pe_nearest(&pe, 0x1fff, NULL));
		assert_null(dk_pe_find_export(&pe, "Gamma"));
		assert_non_null(dk_pe_find_export(&pe, "Alpha"));
		dk_pe_free(&pe);
		free(img);
	}
}

/* A page of the names missing: those names are skipped, not fatal. */
static void test_pe_holes(void **state)
{
	(void)state;
	size_t n;
	uint8_t *img = build_pe(true, &n);
	/* move Beta's name to page 3 and make that page unreadable */
	w32(img + 0x1080 + 8, 0x3010);
	strcpy((char *)img + 0x3010, "Beta");
	fakemem fm = { 0x20000000, img, n, 1u << 3, 0 };
	dk_vmem vm = { &fm, fm_read };
	dk_pe pe;
	assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, NULL), DK_OK);
	assert_int_equal(dk_pe_load_exports(&vm, &pe, NULL), DK_OK);
	assert_int_equal(pe.unreadable, 1);
	/* Beta's function is still there, by ordinal */
	const dk_pe_export *x = dk_pe_nearest(&pe, 0x2100, NULL);
	assert_null(x->name);
	assert_int_equal(x->ordinal, 11);
	dk_pe_free(&pe);
	/* header page missing: DK_E_RANGE */
	fm.holes = 1;
	assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, NULL), DK_E_RANGE);
	free(img);
}

/* Garbage: huge counts, wild RVAs, random mutations — bounded, no crash. */
static void test_pe_garbage(void **state)
{
	(void)state;
	size_t n;
	uint8_t *img = build_pe(true, &n);
	uint8_t *orig = malloc(n);
	memcpy(orig, img, n);
	fakemem fm = { 0x30000000, img, n, 0, 0 };
	dk_vmem vm = { &fm, fm_read };
	dk_pe pe;
	/* NumberOfFunctions / Names = 0xFFFFFFFF */
	w32(img + 0x1000 + 20, 0xFFFFFFFFu);
	w32(img + 0x1000 + 24, 0xFFFFFFFFu);
	assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, NULL), DK_OK);
	fm.reads = 0;
	assert_int_equal(dk_pe_load_exports(&vm, &pe, NULL), DK_OK);
	assert_true(pe.truncated);
	assert_true(pe.nexports <= DK_PE_MAX_EXPORTS);
	dk_pe_free(&pe);
	/* a name without a terminating NUL up to the end of the image */
	memcpy(img, orig, n);
	memset(img + 0x1100, 'A', n - 0x1100);
	assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, NULL), DK_OK);
	assert_int_equal(dk_pe_load_exports(&vm, &pe, NULL), DK_OK);
	for (size_t i = 0; i < pe.nexports; i++)
		assert_true(!pe.exports[i].name || strlen(pe.exports[i].name) < DK_PE_MAX_NAME);
	dk_pe_free(&pe);
	/* e_lfanew, magic, SizeOfImage out of range */
	memcpy(img, orig, n);
	w32(img + 0x3c, 0xFFFFFFF0u);
	assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, NULL), DK_E_FORMAT);
	memcpy(img, orig, n);
	w16(img + 0x80 + 24, 0x1234);
	assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, NULL), DK_E_FORMAT);
	memcpy(img, orig, n);
	w32(img + 0x80 + 24 + 56, 0xFFFFFFFFu);
	assert_int_equal(dk_pe_open(&vm, fm.base, 0, &pe, NULL), DK_E_FORMAT);
	/* random mutations of the headers and the export directory */
	srand(1234);
	for (int it = 0; it < 3000; it++) {
		memcpy(img, orig, n);
		int k = 1 + rand() % 8;
		for (int j = 0; j < k; j++) {
			size_t at = (rand() & 1) ? 0x80 + (size_t)rand() % 0x100 : 0x1000 + (size_t)rand() % 0x100;
			img[at] = (uint8_t)rand();
		}
		if (dk_pe_open(&vm, fm.base, 0, &pe, NULL) == DK_OK) {
			dk_pe_load_exports(&vm, &pe, NULL);
			for (size_t i = 0; i < pe.nexports; i++)
				assert_true(pe.exports[i].rva < pe.size_of_image);
			dk_pe_nearest(&pe, (uint32_t)rand(), NULL);
			dk_pe_free(&pe);
		}
	}
	free(orig);
	free(img);
}

static void test_names(void **state)
{
	(void)state;
	char b[64];
	dk_module_short_name("\\SystemRoot\\system32\\ntoskrnl.exe", false, b, sizeof b);
	assert_string_equal(b, "nt");
	dk_module_short_name("ntkrnlpa.exe", false, b, sizeof b);
	assert_string_equal(b, "nt");
	dk_module_short_name("hal.dll", false, b, sizeof b);
	assert_string_equal(b, "hal");
	dk_module_short_name("C:\\Windows\\System32\\KERNEL32.DLL", false, b, sizeof b);
	assert_string_equal(b, "KERNEL32");
	assert_string_equal(dk_thread_state_name(5), "Waiting");
	assert_string_equal(dk_wait_reason_name(6), "UserRequest");
	assert_string_equal(dk_wait_reason_name(200), "unknown");
}

/* ------------------------------------------------------------------ */
/* the real ARM64 triage dump */

#define TRIAGE CORPUS_DIR "/kernel/triage-arm64-22000.dmp"

static void test_triage(void **state)
{
	(void)state;
	struct stat st;
	if (stat(TRIAGE, &st) != 0) {
		print_message("skipped: %s is absent\n", TRIAGE);
		skip();
	}
	dk_kdump *d;
	dk_kernel *k;
	dk_error e;
	assert_int_equal(dk_kdump_open(TRIAGE, &d, &e), DK_OK);
	assert_int_equal(dk_kernel_open(d, &k, &e), DK_OK);
	/* the driver list: 245 drivers, ntoskrnl first */
	dk_kmodule *m;
	size_t n;
	dk_walk_status ws;
	assert_int_equal(dk_kernel_modules(k, &m, &n, &ws, &e), DK_OK);
	assert_int_equal(n, 245);
	assert_true(ws.complete);
	assert_int_equal(m[0].base, 0xFFFFF803F2E00000ull);
	assert_int_equal(m[0].size, 0x103e000);
	assert_string_equal(m[0].name, "ntoskrnl.exe");
	assert_int_equal(m[0].timestamp, 0xdf291b09);
	assert_string_equal(m[1].name, "hal.dll");
	free(m);
	/* the PRCB copy's current thread */
	dk_kcpu *c;
	assert_int_equal(dk_kernel_cpus(k, &c, &n, &e), DK_OK);
	assert_int_equal(n, 1);
	assert_true(c[0].from_triage);
	assert_int_equal(c[0].number, 0);
	assert_int_equal(c[0].current_thread, 0xFFFFBB8EB1719180ull);
	free(c);
	/* the current thread: Cid 4.0x848, owned by System */
	dk_kthread *t;
	assert_int_equal(dk_kernel_threads(k, 0, &t, &n, &ws, &e), DK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].ethread, 0xFFFFBB8EB1719180ull);
	assert_int_equal(t[0].process, 0xFFFFBB8EB1690080ull);
	assert_int_equal(t[0].pid, 4);
	assert_int_equal(t[0].tid, 0x848);
	assert_int_equal(t[0].state, 2); /* Running */
	assert_int_equal(t[0].stack_base, 0xFFFFE00E0E4BD000ull);
	assert_int_equal(t[0].stack_limit, 0xFFFFE00E0E4B5000ull);
	assert_int_equal(t[0].kernel_stack, 0xFFFFE00E0E4BA360ull);
	free(t);
	/* the current process: System, PID 4 */
	dk_kprocess *p;
	assert_int_equal(dk_kernel_processes(k, &p, &n, &ws, &e), DK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].eprocess, 0xFFFFBB8EB1690080ull);
	assert_string_equal(p[0].image_name, "System");
	assert_int_equal(p[0].pid, 4);
	assert_int_equal(p[0].dtb, 0x946aa000);
	assert_int_equal(p[0].peb, 0);
	free(p);
	/* ln of the bugcheck's parameter 2: inside ntoskrnl */
	char buf[256];
	assert_true(dk_kernel_symbolize(k, NULL, 0xFFFFF803F3A20860ull, buf, sizeof buf));
	assert_string_equal(buf, "nt+0xc20860");
	assert_false(dk_kernel_symbolize(k, NULL, 0x1234, buf, sizeof buf));
	dk_kernel_close(k);
	dk_kdump_close(d);
}

/* ------------------------------------------------------------------ */
/* kgen images */

#ifdef KGEN_PATH
#include "kgen_layout.h"

static const char *const profiles[] = { "w2003_x86", "w7_x86_pae", "w7_x64", "w10_x64" };

static void check_image(const char *path, const layout *l)
{
	dk_kdump *d;
	dk_kernel *k;
	dk_error e;
	assert_int_equal(dk_kdump_open(path, &d, &e), DK_OK);
	if (dk_kernel_open(d, &k, &e) != DK_OK)
		fail_msg("%s: %s", path, e.message);
	dk_walk_status ws;
	size_t n;
	/* modules */
	dk_kmodule *m;
	assert_int_equal(dk_kernel_modules(k, &m, &n, &ws, &e), DK_OK);
	assert_true(ws.complete);
	assert_int_equal(n, lx(l, "module_count"));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(m[i].name, ls(l, "module%zu_name", i));
		assert_string_equal(m[i].path, ls(l, "module%zu_path", i));
		assert_int_equal(m[i].base, lx(l, "module%zu_base", i));
		assert_int_equal(m[i].size, lx(l, "module%zu_size", i));
		assert_int_equal(m[i].entry_point, lx(l, "module%zu_entry", i));
		assert_int_equal(m[i].timestamp, lx(l, "module%zu_timestamp", i));
		assert_int_equal(m[i].checksum, lx(l, "module%zu_checksum", i));
		assert_int_equal(m[i].ldr_entry, lx(l, "module%zu_ldr_entry", i));
	}
	free(m);
	/* processes and their user modules */
	dk_kprocess *p;
	assert_int_equal(dk_kernel_processes(k, &p, &n, &ws, &e), DK_OK);
	assert_true(ws.complete);
	size_t np = n;
	assert_int_equal(np, lx(l, "process_count"));
	for (size_t i = 0; i < np; i++) {
		assert_int_equal(p[i].eprocess, lx(l, "process%zu_eprocess", i));
		assert_int_equal(p[i].pid, lx(l, "process%zu_pid", i));
		assert_int_equal(p[i].parent_pid, lx(l, "process%zu_ppid", i));
		assert_string_equal(p[i].image_name, ls(l, "process%zu_name", i));
		assert_int_equal(p[i].dtb, lx(l, "process%zu_dtb", i));
		assert_int_equal(p[i].peb, lx(l, "process%zu_peb", i));
		assert_int_equal(p[i].object_table, lx(l, "process%zu_object_table", i));
		if (lhas(l, "process%zu_handle_count", i))
			assert_int_equal(p[i].handle_count, lx(l, "process%zu_handle_count", i));
		assert_int_equal(p[i].create_time, lx(l, "process%zu_create_time", i));
		assert_int_equal(p[i].thread_count, lx(l, "process%zu_thread_count", i));
		dk_kmodule *um;
		size_t nu;
		assert_int_equal(dk_kernel_user_modules(k, &p[i], &um, &nu, &ws, &e), DK_OK);
		assert_int_equal(nu, lx(l, "process%zu_umodule_count", i));
		for (size_t j = 0; j < nu; j++) {
			assert_string_equal(um[j].name, ls(l, "process%zu_umodule%zu_name", i, j));
			assert_string_equal(um[j].path, ls(l, "process%zu_umodule%zu_path", i, j));
			assert_int_equal(um[j].base, lx(l, "process%zu_umodule%zu_base", i, j));
			assert_int_equal(um[j].size, lx(l, "process%zu_umodule%zu_size", i, j));
			assert_int_equal(um[j].ldr_entry, lx(l, "process%zu_umodule%zu_ldr_entry", i, j));
		}
		free(um);
	}
	/* threads, all at once */
	dk_kthread *t;
	assert_int_equal(dk_kernel_threads(k, 0, &t, &n, &ws, &e), DK_OK);
	assert_true(ws.complete);
	assert_int_equal(n, lx(l, "thread_count"));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(t[i].ethread, lx(l, "thread%zu_ethread", i));
		assert_int_equal(t[i].tid, lx(l, "thread%zu_tid", i));
		assert_int_equal(t[i].pid, lx(l, "thread%zu_pid", i));
		assert_int_equal(t[i].process, lx(l, "thread%zu_process", i));
		assert_int_equal(t[i].teb, lx(l, "thread%zu_teb", i));
		assert_int_equal(t[i].start_address, lx(l, "thread%zu_start_address", i));
		assert_int_equal(t[i].win32_start_address, lx(l, "thread%zu_win32_start_address", i));
		assert_int_equal(t[i].state, lx(l, "thread%zu_state", i));
		assert_int_equal(t[i].wait_reason, lx(l, "thread%zu_wait_reason", i));
		assert_int_equal((uint8_t)t[i].priority, lx(l, "thread%zu_priority", i));
		assert_int_equal(t[i].stack_base, lx(l, "thread%zu_stack_base", i));
		assert_int_equal(t[i].stack_limit, lx(l, "thread%zu_stack_limit", i));
		assert_int_equal(t[i].initial_stack, lx(l, "thread%zu_initial_stack", i));
		assert_int_equal(t[i].kernel_stack, lx(l, "thread%zu_kernel_stack", i));
	}
	free(t);
	/* processors */
	dk_kcpu *c;
	assert_int_equal(dk_kernel_cpus(k, &c, &n, &e), DK_OK);
	assert_int_equal(n, lx(l, "cpu_count"));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].number, i);
		assert_int_equal(c[i].prcb, lx(l, "cpu%zu_prcb", i));
		assert_int_equal(c[i].current_thread, lx(l, "cpu%zu_current_thread", i));
		assert_true(c[i].context == lx(l, "cpu%zu_context", i) ||
		            c[i].context == lx(l, "cpu%zu_context_frame", i));
	}
	free(c);
	/* ln of every export: module!export */
	dk_ksyms *ks, *us = NULL;
	assert_int_equal(dk_ksyms_open(k, NULL, &ks, &e), DK_OK);
	if (np > 1)
		assert_int_equal(dk_ksyms_open(k, &p[1], &us, &e), DK_OK);
	size_t nexp = lx(l, "export_count");
	for (size_t i = 0; i < nexp; i++) {
		const char *mod = ls(l, "export%zu_module", i);
		const char *name = ls(l, "export%zu_name", i);
		bool user = strcmp(ls(l, "export%zu_space", i), "user") == 0;
		uint64_t va = lx(l, "export%zu_address", i);
		char sn[64], want[256];
		dk_module_short_name(mod, false, sn, sizeof sn);
		snprintf(want, sizeof want, "%s!%s", sn, name);
		dk_ksym r;
		dk_ksyms *s = user ? us : ks;
		if (!s)
			continue;
		assert_true(dk_ksyms_lookup(s, va, &r));
		if (strcmp(r.text, want) != 0)
			fail_msg("%s: ln 0x%llx gave %s, want %s", path, (unsigned long long)va, r.text,
			         want);
		/* one byte further: +0x1 unless another export starts there */
		assert_true(dk_ksyms_lookup(s, va + 1, &r));
		assert_string_equal(r.module, sn);
	}
	dk_ksyms_close(ks);
	dk_ksyms_close(us);
	free(p);
	dk_kernel_close(k);
	dk_kdump_close(d);
}

static void test_kgen_profiles(void **state)
{
	(void)state;
	mkdir(TEST_TMPDIR, 0755);
	for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
		char out[512];
		layout l;
		snprintf(out, sizeof out, "%s/%s.dmp", TEST_TMPDIR, profiles[i]);
		char args[128];
		snprintf(args, sizeof args, "--profile %s --processes 5 --threads-per-process 3 "
		         "--modules 6 --cpus 3", profiles[i]);
		if (!run_kgen(out, args, &l))
			fail_msg("kgen failed for %s", profiles[i]);
		check_image(out, &l);
		lay_free(&l);
	}
	/* the encoded KDBG of Windows 8+ x64 */
	char out[512];
	layout l;
	snprintf(out, sizeof out, "%s/w10_enc.dmp", TEST_TMPDIR);
	assert_true(run_kgen(out, "--profile w10_x64 --encoded-kdbg", &l));
	check_image(out, &l);
	lay_free(&l);
}

/* ---- corrupted lists ---- */

typedef struct img {
	uint8_t *data;
	size_t size;
	dk_kdump *d;
	dk_kernel *k;
} img;

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return b;
}

static void img_open(img *im)
{
	dk_error e;
	assert_int_equal(dk_kdump_open_memory(im->data, im->size, "corrupt", &im->d, &e), DK_OK);
	assert_int_equal(dk_kernel_open(im->d, &im->k, &e), DK_OK);
}

static void img_close(img *im)
{
	dk_kernel_close(im->k);
	dk_kdump_close(im->d);
	im->k = NULL;
	im->d = NULL;
}

/* Writes `n` bytes of `v` at kernel virtual address va (through the
 * image's own page tables and the dump's page map). */
static void poke(img *im, uint64_t va, uint64_t v, unsigned n)
{
	dk_xlate x;
	dk_vas_translate(dk_kernel_vas(im->k), va, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	uint64_t off;
	assert_true(dk_kdump_page_offset(im->d, x.pa / 4096, &off));
	off += x.pa % 4096;
	assert_true(off + n <= im->size);
	for (unsigned i = 0; i < n; i++)
		im->data[off + i] = (uint8_t)(v >> (8 * i));
}

static void expect_stop(img *im, const char *what, const char *needle)
{
	dk_walk_status ws;
	dk_error e;
	size_t n = 0;
	void *arr = NULL;
	img_open(im);
	if (strcmp(what, "modules") == 0)
		dk_kernel_modules(im->k, (dk_kmodule **)&arr, &n, &ws, &e);
	else if (strcmp(what, "processes") == 0)
		dk_kernel_processes(im->k, (dk_kprocess **)&arr, &n, &ws, &e);
	else
		dk_kernel_threads(im->k, 0, (dk_kthread **)&arr, &n, &ws, &e);
	print_message("  %s: %zu entries, stopped: %s\n", what, n, ws.stop_reason);
	assert_false(ws.complete);
	if (!strstr(ws.stop_reason, needle))
		fail_msg("%s: stop reason '%s' lacks '%s'", what, ws.stop_reason, needle);
	assert_true(n <= 65536);
	free(arr);
	img_close(im);
}

static void test_kgen_corrupt(void **state)
{
	(void)state;
	for (size_t pi = 0; pi < sizeof profiles / sizeof profiles[0]; pi++) {
		char out[512];
		layout l;
		snprintf(out, sizeof out, "%s/c_%s.dmp", TEST_TMPDIR, profiles[pi]);
		mkdir(TEST_TMPDIR, 0755);
		char args[64];
		snprintf(args, sizeof args, "--profile %s", profiles[pi]);
		assert_true(run_kgen(out, args, &l));
		img im = { 0 };
		uint8_t *orig = slurp(out, &im.size);
		assert_non_null(orig);
		im.data = malloc(im.size);
		unsigned ptr = strstr(profiles[pi], "x64") ? 8 : 4;
		uint64_t wild = ptr == 8 ? 0x4141414141414140ull : 0x41414140u;
		uint64_t m0 = lx(&l, "module0_ldr_entry"), m1 = lx(&l, "module1_ldr_entry");

		/* a module's Flink back to an earlier entry: a loop (the Blink
		 * check or the visited set stops it) */
		memcpy(im.data, orig, im.size);
		img_open(&im);
		poke(&im, m1, m0, ptr);
		img_close(&im);
		expect_stop(&im, "modules", "0x");

		/* a loop that keeps Blinks consistent: m1 <-> m1 */
		memcpy(im.data, orig, im.size);
		img_open(&im);
		poke(&im, m1, m1, ptr);
		poke(&im, m1 + ptr, m1, ptr);
		img_close(&im);
		expect_stop(&im, "modules", "");

		/* a wild Flink */
		memcpy(im.data, orig, im.size);
		img_open(&im);
		poke(&im, m0, wild, ptr);
		img_close(&im);
		expect_stop(&im, "modules", "outside kernel space");

		/* a huge UNICODE_STRING length: the name stays bounded */
		memcpy(im.data, orig, im.size);
		img_open(&im);
		const dk_profile *pr = dk_kernel_profile(im.k);
		assert_non_null(pr);
		poke(&im, m0 + (pr->ldr.base_name != DK_OFF_NONE ? pr->ldr.base_name : (ptr == 8 ? 0x58 : 0x2c)),
		     0xFFFF, 2);
		img_close(&im);
		img_open(&im);
		{
			dk_kmodule *m;
			size_t n;
			dk_walk_status ws;
			assert_int_equal(dk_kernel_modules(im.k, &m, &n, &ws, NULL), DK_OK);
			assert_true(ws.complete);
			assert_true(strlen(m[0].name) < sizeof m[0].name);
			free(m);
		}
		uint16_t links = pr->eprocess.active_links;
		img_close(&im);

		/* a process pointing to itself */
		uint64_t e1 = lx(&l, "process1_eprocess");
		memcpy(im.data, orig, im.size);
		img_open(&im);
		poke(&im, e1 + links, e1 + links, ptr);
		img_close(&im);
		expect_stop(&im, "processes", "");

		/* a process Flink into user space */
		memcpy(im.data, orig, im.size);
		img_open(&im);
		poke(&im, e1 + links, 0x10000, ptr);
		img_close(&im);
		expect_stop(&im, "processes", "outside kernel space");

		/* the thread list of the first process: a loop */
		uint64_t t0 = lx(&l, "thread0_ethread");
		memcpy(im.data, orig, im.size);
		img_open(&im);
		pr = dk_kernel_profile(im.k);
		uint16_t tle = pr->ethread.thread_list_entry;
		poke(&im, t0 + tle, t0 + tle, ptr);
		img_close(&im);
		expect_stop(&im, "threads", "");

		free(im.data);
		free(orig);
		lay_free(&l);
	}
}
#else
/* KGEN_PATH is defined by tests/klists/CMakeLists.txt when
 * tests/gen/kgen.c exists; without it these tests skip. */
static void test_kgen_profiles(void **state)
{
	(void)state;
	print_message("skipped: kgen is not built\n");
	skip();
}
static void test_kgen_corrupt(void **state)
{
	(void)state;
	print_message("skipped: kgen is not built\n");
	skip();
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pe_exports),
		cmocka_unit_test(test_pe_holes),
		cmocka_unit_test(test_pe_garbage),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_triage),
		cmocka_unit_test(test_kgen_profiles),
		cmocka_unit_test(test_kgen_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
