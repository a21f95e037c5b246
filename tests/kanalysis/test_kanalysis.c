/* Tests of kernel crash analysis:
 *   - kgen images of every profile, with an EXCEPTION_RECORD, a CONTEXT, an
 *     EXCEPTION_POINTERS and a KTRAP_FRAME written into a copy (at file
 *     offsets found through the library's address space) on the stack of
 *     processor 0's thread: the readers, the trap-frame scan, exception
 *     recovery from bugcheck parameters, and the exr, cxr, trap, stack and
 *     analyze commands;
 *   - analyze on the real ARM64 triage dump (skipped without the corpus).
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <dmpkit/dmpkit.h>
#include <dmpkit/kanalysis.h>
#include <dmpkit/kernel.h>
#include <dmpkit/vas.h>

/* Runs a command and returns its standard output (caller frees), with the
 * exit status in *rc. */
#include "capture.h"

static void test_triage_arm64(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof path, "%s/kernel/triage-arm64-22000.dmp", CORPUS_DIR);
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_message("skipped: %s is absent\n", path);
		skip();
	}
	fclose(f);
	int rc;
	char *out = run(&rc, "'%s' analyze '%s' 2>/dev/null", DMPKIT_PATH, path);
	assert_int_equal(rc, 0);
	static const char *const text[] = {
		"MANUALLY_INITIATED_POWER_BUTTON_HOLD",
		"P2  fffff803f3a20860", "(in ntoskrnl.exe: nt+0xc20860)",
		/* kb lines: child SP, return address, args, call site; pc
		 * 0xFFFFF803F32DE014 is nt!KeBugCheck2+452 */
		"Processor 0", "pc=fffff803f32de014",
		"00 ", "fffff803f33442a0", "nt+0x4de014",
		"01 ", "fffff803f309ff1c", "nt+0x5442a0",
		"02 ", "fffff803f3173340", "nt+0x29ff1c",
		"03 ", "fffff803f3007de4", "nt+0x373340",
		"04 ", "nt+0x207de4",
		"Probably caused by: ntoskrnl.exe",
	};
	expect_in_order(out, text, sizeof text / sizeof text[0]);
	free(out);

	out = run(&rc, "'%s' analyze --json '%s' 2>/dev/null", DMPKIT_PATH, path);
	assert_int_equal(rc, 0);
	static const char *const js[] = {
		"\"bugcheck_name\":\"MANUALLY_INITIATED_POWER_BUTTON_HOLD\"",
		"\"value\":\"0xfffff803f3a20860\"", "\"module\":\"ntoskrnl.exe\"",
		"\"processors\"",
		"\"pc\":\"0xfffff803f32de014\"", "\"pc\":\"0xfffff803f33442a0\"",
		"\"pc\":\"0xfffff803f309ff1c\"", "\"pc\":\"0xfffff803f3173340\"",
		"\"pc\":\"0xfffff803f3007de4\"", "\"probably_caused_by\"",
	};
	expect_in_order(out, js, sizeof js / sizeof js[0]);
	free(out);

	/* stack: processor 0 by default, the same frames */
	out = run(&rc, "'%s' stack --json '%s' 2>/dev/null", DMPKIT_PATH, path);
	assert_int_equal(rc, 0);
	expect_in_order(out, js + 4, 5);
	free(out);
}

/* ------------------------------------------------------------------ */
/* kgen images */

#ifdef KGEN_PATH
#include "kgen_layout.h"

static uint64_t export_va(const layout *l, const char *name)
{
	uint64_t n = lx(l, "export_count");
	for (uint64_t i = 0; i < n; i++) {
		const char *v = ls(l, "export%u_name", (unsigned)i);
		if (v && strcmp(v, name) == 0)
			return lx(l, "export%u_address", (unsigned)i);
	}
	fail_msg("export %s missing", name);
	return 0;
}

/* A patch list: bytes at virtual addresses of the kernel. */
typedef struct patcher {
	dk_kdump *dump;
	dk_vas *vas;
	FILE *out;
	unsigned w;
} patcher;

static void poke(patcher *p, uint64_t va, const void *data, size_t len)
{
	const uint8_t *b = data;
	for (size_t i = 0; i < len; i++) {
		dk_xlate x;
		dk_vas_translate(p->vas, va + i, &x);
		assert_int_equal(x.state, DK_XL_VALID);
		uint64_t off;
		assert_true(dk_kdump_page_offset(p->dump, x.pa >> 12, &off));
		assert_int_equal(fseek(p->out, (long)(off + (x.pa & 0xFFF)), SEEK_SET), 0);
		assert_int_equal(fputc(b[i], p->out), b[i]);
	}
}

static void poke_n(patcher *p, uint64_t va, uint64_t v, unsigned n)
{
	uint8_t b[8];
	for (unsigned i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	poke(p, va, b, n);
}

static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	assert_non_null(a);
	assert_non_null(b);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	assert_int_equal(fclose(b), 0);
}

static void check_profile(const char *profile)
{
	char orig[600], copy[600], nofilter[600];
	mkdir(TEST_TMPDIR, 0755);
	snprintf(orig, sizeof orig, "%s/%s.dmp", TEST_TMPDIR, profile);
	snprintf(copy, sizeof copy, "%s/%s-exc.dmp", TEST_TMPDIR, profile);
	snprintf(nofilter, sizeof nofilter, "%s/%s-trap.dmp", TEST_TMPDIR, profile);
	layout l = { 0, NULL, NULL };
	char args[128];
	snprintf(args, sizeof args, "--profile %s", profile);
	assert_true(run_kgen(orig, args, &l));
	bool x86 = strcmp(ls(&l, "arch"), "x86") == 0;
	unsigned w = x86 ? 4 : 8;
	uint64_t p2 = lx(&l, "bugcheck_p2");
	assert_int_equal(p2, export_va(&l, "MyDrvDispatch") + 7);
	uint64_t ret = export_va(&l, "PsGetCurrentProcess") + 7;
	/* processor 0's thread and its stack */
	uint64_t cur = lx(&l, "cpu0_current_thread");
	uint64_t nthreads = lx(&l, "thread_count"), limit = 0, initial = 0;
	for (uint64_t i = 0; i < nthreads; i++)
		if (lx(&l, "thread%u_ethread", (unsigned)i) == cur) {
			limit = lx(&l, "thread%u_stack_limit", (unsigned)i);
			initial = lx(&l, "thread%u_initial_stack", (unsigned)i);
		}
	assert_true(limit && initial > limit + 0x1000);
	uint64_t ep = limit + 0x80, exr = limit + 0x100, cxr = limit + 0x200;
	uint64_t trap = initial - 0x300, sp = initial - 0x700, fp = initial - 0x200;

	/* write the structures into a copy */
	copy_file(orig, copy);
	dk_error e;
	dk_kdump *d;
	dk_kernel *k;
	assert_int_equal(dk_kdump_open(orig, &d, &e), DK_OK);
	assert_int_equal(dk_kernel_open(d, &k, &e), DK_OK);
	patcher pt = { d, dk_kernel_vas(k), fopen(copy, "r+b"), w };
	assert_non_null(pt.vas);
	assert_non_null(pt.out);
	poke_n(&pt, ep, exr, w);
	poke_n(&pt, ep + w, cxr, w);
	poke_n(&pt, exr, 0xC0000005u, 4);
	poke_n(&pt, exr + (x86 ? 0xC : 0x10), p2, w);
	poke_n(&pt, exr + (x86 ? 0x10 : 0x18), 2, 4);
	poke_n(&pt, exr + (x86 ? 0x14 : 0x20), 1, w);
	poke_n(&pt, exr + (x86 ? 0x18 : 0x28), 0x1D, w);
	if (x86) {
		poke_n(&pt, cxr, 0x10017, 4);
		poke_n(&pt, cxr + 0xB0, 0x1234, 4); /* Eax */
		poke_n(&pt, cxr + 0xB4, fp, 4);     /* Ebp */
		poke_n(&pt, cxr + 0xB8, p2, 4);     /* Eip */
		poke_n(&pt, cxr + 0xBC, 8, 4);      /* SegCs */
		poke_n(&pt, cxr + 0xC0, 0x246, 4);  /* EFlags */
		poke_n(&pt, cxr + 0xC4, sp, 4);     /* Esp */
		poke_n(&pt, trap + 0x34, 0x23, 4);  /* SegEs, SegDs (builds before 9600) */
		poke_n(&pt, trap + 0x38, 0x23, 4);
		poke_n(&pt, trap + 0x44, 0x1234, 4); /* Eax */
		poke_n(&pt, trap + 0x60, fp, 4);     /* Ebp */
		poke_n(&pt, trap + 0x68, p2, 4);     /* Eip */
		poke_n(&pt, trap + 0x6C, 8, 4);      /* SegCs */
		poke_n(&pt, trap + 0x70, 0x246, 4);  /* EFlags */
		/* the caller's frame: saved ebp 0, return address */
		poke_n(&pt, fp, 0, 4);
		poke_n(&pt, fp + 4, ret, 4);
	} else {
		poke_n(&pt, cxr + 0x30, 0x10001F, 4);
		poke_n(&pt, cxr + 0x38, 0x10, 2);
		poke_n(&pt, cxr + 0x44, 0x246, 4);
		poke_n(&pt, cxr + 0x78, 0x1234, 8); /* Rax */
		poke_n(&pt, cxr + 0x98, sp, 8);     /* Rsp */
		poke_n(&pt, cxr + 0xA0, fp, 8);     /* Rbp */
		poke_n(&pt, cxr + 0xF8, p2, 8);     /* Rip */
		poke_n(&pt, trap + 0x30, 0x1234, 8); /* Rax */
		poke_n(&pt, trap + 0x158, fp, 8);    /* Rbp */
		poke_n(&pt, trap + 0x168, p2, 8);    /* Rip */
		poke_n(&pt, trap + 0x170, 0x10, 2);  /* SegCs */
		poke_n(&pt, trap + 0x178, 0x246, 4); /* EFlags */
		poke_n(&pt, trap + 0x180, sp, 8);    /* Rsp */
		poke_n(&pt, trap + 0x188, 0x18, 2);  /* SegSs */
		/* MyDrvDispatch+7 has allocated 0x28 bytes: its return address */
		poke_n(&pt, sp + 0x28, ret, 8);
	}
	/* KiUserExceptionDispatcher's arguments: x86 the pair {&record,
	 * &context} at its entry esp; x64 the CONTEXT at rsp and the record at
	 * rsp + 0x4F0 */
	uint64_t dsp = limit + 0x800;
	if (x86) {
		poke_n(&pt, dsp, exr, 4);
		poke_n(&pt, dsp + 4, cxr, 4);
	} else {
		poke_n(&pt, dsp + 0x30, 0x10001F, 4);
		poke_n(&pt, dsp + 0x98, sp, 8);
		poke_n(&pt, dsp + 0xA0, fp, 8);
		poke_n(&pt, dsp + 0xF8, p2, 8);
		poke_n(&pt, dsp + 0x4F0, 0xC0000005u, 4);
		poke_n(&pt, dsp + 0x4F0 + 0x10, p2, 8);
	}
	/* a user-mode trap frame near the top of the stack (0x40 below the
	 * InitialStack slot) and a lower decoy: the scan keeps the highest */
	uint64_t tsz = x86 ? 0x8C : 0x190, utrap = initial - tsz - 0x40, decoy = initial - 0x600;
	uint64_t upc = x86 ? 0x401234 : 0x7FF612341234ull, usp = x86 ? 0x12FF00 : 0x5FF800;
	for (int i = 0; i < 2; i++) {
		uint64_t at = i ? decoy : utrap;
		if (x86) {
			poke_n(&pt, at + 0x34, 0x23, 4); /* SegEs, SegDs (builds before 9600) */
			poke_n(&pt, at + 0x38, 0x23, 4);
			poke_n(&pt, at + 0x68, upc + (uint64_t)i, 4); /* Eip */
			poke_n(&pt, at + 0x6C, 0x1B, 4);               /* SegCs */
			poke_n(&pt, at + 0x70, 0x246, 4);              /* EFlags */
			poke_n(&pt, at + 0x74, usp, 4);                /* HardwareEsp */
			poke_n(&pt, at + 0x78, 0x23, 4);               /* HardwareSegSs */
		} else {
			poke_n(&pt, at + 0x168, upc + (uint64_t)i, 8); /* Rip */
			poke_n(&pt, at + 0x170, 0x33, 2);              /* SegCs */
			poke_n(&pt, at + 0x178, 0x246, 4);             /* EFlags */
			poke_n(&pt, at + 0x180, usp, 8);               /* Rsp */
			poke_n(&pt, at + 0x188, 0x2B, 2);              /* SegSs */
		}
	}
	assert_int_equal(fclose(pt.out), 0);
	/* the original image has no user trap frame */
	{
		dk_kdump *od;
		dk_kernel *ok_;
		dk_ktrap ut;
		assert_int_equal(dk_kdump_open(orig, &od, &e), DK_OK);
		assert_int_equal(dk_kernel_open(od, &ok_, &e), DK_OK);
		assert_false(dk_ktrap_scan_user(ok_, initial, 0x1000, &ut));
		dk_kernel_close(ok_);
		dk_kdump_close(od);
	}
	/* a second copy without the filter's EXCEPTION_POINTERS: only the
	 * trap frame is left to find */
	copy_file(copy, nofilter);
	pt.out = fopen(nofilter, "r+b");
	assert_non_null(pt.out);
	poke_n(&pt, ep, 0, w);
	poke_n(&pt, ep + w, 0, w);
	if (x86) { /* the dispatcher's pair is an EXCEPTION_POINTERS lookalike */
		poke_n(&pt, dsp, 0, w);
		poke_n(&pt, dsp + w, 0, w);
	}
	assert_int_equal(fclose(pt.out), 0);
	dk_kernel_close(k);
	dk_kdump_close(d);

	/* the library on the copy */
	assert_int_equal(dk_kdump_open(copy, &d, &e), DK_OK);
	assert_int_equal(dk_kernel_open(d, &k, &e), DK_OK);
	dk_kexr xr;
	assert_int_equal(dk_kread_exr(k, exr, &xr, &e), DK_OK);
	assert_int_equal(xr.code, 0xC0000005u);
	assert_int_equal(xr.address, p2);
	assert_int_equal(xr.nparams, 2);
	assert_int_equal(xr.info[0], 1);
	assert_int_equal(xr.info[1], 0x1D);
	dk_kcxr cx;
	assert_int_equal(dk_kread_cxr(k, cxr, &cx, &e), DK_OK);
	assert_int_equal(dk_regs_pc(&cx.regs), p2);
	assert_int_equal(dk_regs_sp(&cx.regs), sp);
	dk_ktrap t;
	assert_int_equal(dk_kread_trap(k, trap, &t, &e), DK_OK);
	assert_false(t.user_mode);
	assert_int_equal(dk_regs_pc(&t.regs), p2);
	assert_int_equal(dk_regs_sp(&t.regs), x86 ? trap + 0x74 : sp);
	assert_int_equal(t.regs.r[x86 ? DK_X86_EAX : DK_AMD64_RAX], 0x1234);
	assert_int_equal(t.regs.r[x86 ? DK_X86_EBP : DK_AMD64_RBP], fp);
	assert_non_null(dk_struct_field(t.desc, "SegCs"));
	uint64_t rp, rc_;
	assert_int_equal(dk_kread_exception_pointers(k, ep, &rp, &rc_, &e), DK_OK);
	assert_int_equal(rp, exr);
	assert_int_equal(rc_, cxr);

	/* the scan finds the frame, and only it with the exception address */
	dk_ktrap found[4];
	assert_int_equal(dk_ktrap_scan(k, limit, initial, p2, found, 4), 1);
	assert_int_equal(found[0].va, trap);
	assert_int_equal(dk_ktrap_scan(k, limit, initial, p2 + 1, found, 4), 0);
	/* the user-mode trap frame by scan: the highest one, not the kernel
	 * trap frame, not when the span misses it */
	dk_ktrap ut;
	assert_true(dk_ktrap_scan_user(k, initial, 0x1000, &ut));
	assert_int_equal(ut.va, utrap);
	assert_true(ut.user_mode);
	assert_int_equal(dk_regs_pc(&ut.regs), upc);
	assert_int_equal(dk_regs_sp(&ut.regs), usp);
	assert_true(dk_ktrap_scan_user(k, utrap, 0x1000, &ut));
	assert_int_equal(ut.va, decoy);
	assert_false(dk_ktrap_scan_user(k, initial, 0x40 + tsz - 1, &ut));
	assert_false(dk_ktrap_scan_user(k, 0, 0x1000, &ut));
	/* the dispatcher's arguments, from the frame's sp up to 0x40 below the
	 * entry stack pointer */
	dk_kexception dx;
	for (uint64_t below = 0; below <= 0x40; below += w) {
		assert_true(dk_exception_from_dispatcher(k, NULL, dsp - below, "test", &dx));
		assert_int_equal(dx.context_va, x86 ? cxr : dsp);
		assert_int_equal(dx.record_va, x86 ? exr : dsp + 0x4F0);
		assert_int_equal(dx.record.code, 0xC0000005u);
		assert_int_equal(dk_regs_pc(&dx.regs), p2);
		assert_int_equal(dk_regs_sp(&dx.regs), sp);
		expect_has(dx.source, "test: ");
	}
	assert_false(dk_exception_from_dispatcher(k, NULL, dsp - 0x40 - w, "test", &dx));
	assert_false(dk_exception_from_dispatcher(k, NULL, 0, "test", &dx));
	uint64_t lo, hi;
	assert_true(dk_kthread_stack(k, cur, &lo, &hi));
	assert_int_equal(lo, limit);
	assert_int_equal(hi, initial);

	/* recovery: 0x1E by the filter's EXCEPTION_POINTERS on the stack, 0x7E
	 * by pointers, 0x8E by trap frame, 0x24 */
	dk_kexception x;
	uint64_t p1e[4] = { 0xC0000005u, p2, 0, x86 ? 0xFFFFFFFFu : ~0ull };
	assert_true(dk_kernel_recover_exception(k, 0x1E, p1e, 0, &x));
	assert_true(x.have_context && x.have_record);
	assert_int_equal(x.pointers_va, ep);
	assert_int_equal(x.context_va, cxr);
	assert_int_equal(x.record_va, exr);
	assert_int_equal(dk_regs_pc(&x.regs), p2);
	uint64_t p7e[4] = { 0xC0000005u, p2, exr, cxr };
	assert_true(dk_kernel_recover_exception(k, 0x7E, p7e, 0, &x));
	assert_true(x.have_record && x.have_context);
	assert_int_equal(x.record_va, exr);
	assert_int_equal(x.context_va, cxr);
	assert_int_equal(x.exception_address, p2);
	uint64_t p8e[4] = { 0xC0000005u, p2, trap, 0 };
	assert_true(dk_kernel_recover_exception(k, 0x8E, p8e, 0, &x));
	assert_int_equal(x.trap_va, trap);
	uint64_t p24[4] = { 0x1234, exr, cxr, 0 };
	assert_true(dk_kernel_recover_exception(k, 0x24, p24, 0, &x));
	assert_true(x.have_record && x.have_context);
	assert_int_equal(dk_regs_pc(&x.regs), p2);
	dk_kernel_close(k);
	dk_kdump_close(d);
	/* without the filter's argument: the trap frame by scan */
	assert_int_equal(dk_kdump_open(nofilter, &d, &e), DK_OK);
	assert_int_equal(dk_kernel_open(d, &k, &e), DK_OK);
	assert_true(dk_kernel_recover_exception(k, 0x1E, p1e, 0, &x));
	assert_true(x.have_context);
	assert_false(x.have_record);
	assert_int_equal(x.trap_va, trap);
	assert_int_equal(dk_regs_pc(&x.regs), p2);
	dk_kernel_close(k);
	dk_kdump_close(d);

	/* the commands */
	int rc;
	char *out = run(&rc, "'%s' exr '%s' 0x%llx 2>&1", DMPKIT_PATH, copy, (unsigned long long)exr);
	assert_int_equal(rc, 0);
	expect_has(out, "c0000005 (EXCEPTION_ACCESS_VIOLATION)");
	expect_has(out, "mydrv!MyDrvDispatch+0x7");
	expect_has(out, "EXCEPTION_ACCESS_VIOLATION_WRITE");
	free(out);
	out = run(&rc, "'%s' exr --json '%s' 0x%llx 2>&1", DMPKIT_PATH, copy, (unsigned long long)exr);
	assert_int_equal(rc, 0);
	expect_has(out, "\"exception_code\":\"0xc0000005\"");
	free(out);
	out = run(&rc, "'%s' cxr '%s' 0x%llx 2>&1", DMPKIT_PATH, copy, (unsigned long long)cxr);
	assert_int_equal(rc, 0);
	static const char *const stack[] = { "mydrv!MyDrvDispatch+0x7", "nt!PsGetCurrentProcess+0x7" };
	expect_in_order(out, stack, 2);
	free(out);
	out = run(&rc, "'%s' trap '%s' 0x%llx 2>&1", DMPKIT_PATH, copy, (unsigned long long)trap);
	assert_int_equal(rc, 0);
	expect_has(out, "KTRAP_FRAME");
	expect_has(out, "kernel mode");
	expect_in_order(out, stack, 2);
	free(out);
	out = run(&rc, "'%s' trap --json '%s' 0x%llx 2>&1", DMPKIT_PATH, copy,
	          (unsigned long long)trap);
	assert_int_equal(rc, 0);
	expect_has(out, "\"user_mode\":false");
	free(out);
	out = run(&rc, "'%s' stack '%s' --regs sp=0x%llx,fp=0x%llx,ip=0x%llx 2>&1", DMPKIT_PATH, copy,
	          (unsigned long long)sp, (unsigned long long)fp, (unsigned long long)p2);
	assert_int_equal(rc, 0);
	expect_in_order(out, stack, 2);
	free(out);
	out = run(&rc, "'%s' stack '%s' --trap 0x%llx 2>&1", DMPKIT_PATH, copy,
	          (unsigned long long)trap);
	assert_int_equal(rc, 0);
	expect_in_order(out, stack, 2);
	free(out);
	out = run(&rc, "'%s' stack '%s' 2>&1", DMPKIT_PATH, copy);
	assert_int_equal(rc, 0);
	expect_has(out, "nt!KeBugCheckEx+0x4");
	free(out);
	out = run(&rc, "'%s' stack --json '%s' 0x%llx 2>&1", DMPKIT_PATH, copy,
	          (unsigned long long)lx(&l, "cpu1_current_thread"));
	assert_int_equal(rc, 0);
	expect_has(out, "nt!ExAllocatePoolWithTag+0x7");
	free(out);
	out = run(&rc, "'%s' analyze '%s' 2>&1", DMPKIT_PATH, copy);
	assert_int_equal(rc, 0);
	static const char *const an_filter[] = {
		"KMODE_EXCEPTION_NOT_HANDLED", "EXCEPTION_POINTERS at", "exception filter",
		"Exception record at", "EXCEPTION_ACCESS_VIOLATION_WRITE", "Context record at",
		"Faulting instruction:", "mydrv!MyDrvDispatch+0x7",
		"Stack from the exception context:", "mydrv!MyDrvDispatch+0x7",
		"nt!PsGetCurrentProcess+0x7", "Probably caused by: mydrv.sys",
	};
	expect_in_order(out, an_filter, sizeof an_filter / sizeof an_filter[0]);
	free(out);
	out = run(&rc, "'%s' analyze '%s' 2>&1", DMPKIT_PATH, nofilter);
	assert_int_equal(rc, 0);
	static const char *const an[] = {
		"KMODE_EXCEPTION_NOT_HANDLED", "STATUS_ACCESS_VIOLATION",
		"(in mydrv.sys: mydrv!MyDrvDispatch+0x7)", "trap frame at", "found by scanning",
		"Faulting instruction:", "mydrv!MyDrvDispatch+0x7",
		"Stack from the exception context:", "mydrv!MyDrvDispatch+0x7",
		"nt!PsGetCurrentProcess+0x7", "Processor 0", "nt!KeBugCheckEx+0x4", "Processor 1",
		"Probably caused by: mydrv.sys (mydrv!MyDrvDispatch+0x7)",
	};
	expect_in_order(out, an, sizeof an / sizeof an[0]);
	free(out);
	out = run(&rc, "'%s' analyze --json '%s' 2>/dev/null", DMPKIT_PATH, nofilter);
	assert_int_equal(rc, 0);
	static const char *const aj[] = {
		"\"bugcheck_name\":\"KMODE_EXCEPTION_NOT_HANDLED\"", "\"symbol\":\"mydrv!MyDrvDispatch+0x7\"",
		"\"trap_frame_address\"", "\"processors\"", "\"probably_caused_by\":\"mydrv.sys",
	};
	expect_in_order(out, aj, sizeof aj / sizeof aj[0]);
	free(out);
	/* the original image: no trap frame, still the exception address */
	out = run(&rc, "'%s' analyze '%s' 2>&1", DMPKIT_PATH, orig);
	assert_int_equal(rc, 0);
	expect_has(out, "no trap frame with the exception address");
	expect_has(out, "Probably caused by: mydrv.sys");
	free(out);
	free(l.key);
	free(l.val);
}

static void test_kgen_profiles(void **state)
{
	(void)state;
	static const char *const profiles[] = { "w2003_x86", "w7_x86_pae", "w7_x64", "w10_x64" };
	for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
		check_profile(profiles[i]);
}
#else
static void test_kgen_profiles(void **state)
{
	(void)state;
	print_message("skipped: kgen is not built\n");
	skip();
}
#endif

static void test_usage(void **state)
{
	(void)state;
	static const char *const cmds[] = { "exr", "cxr", "trap", "stack" };
	for (size_t i = 0; i < 4; i++) {
		int rc;
		char *out = run(&rc, "'%s' %s --help", DMPKIT_PATH, cmds[i]);
		assert_int_equal(rc, 0);
		expect_has(out, "Usage: dmpkit");
		free(out);
		out = run(&rc, "'%s' %s 2>&1", DMPKIT_PATH, cmds[i]);
		assert_int_equal(rc, 2);
		free(out);
	}
	int rc;
	char *out = run(&rc, "'%s' exr /nonexistent.dmp 0x1000 2>&1", DMPKIT_PATH);
	assert_int_equal(rc, 2);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triage_arm64),
		cmocka_unit_test(test_kgen_profiles),
		cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
