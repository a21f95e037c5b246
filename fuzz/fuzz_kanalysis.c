/* libFuzzer target: damaged exception records, contexts, trap frames and
 * kernel stacks.
 *
 * A kgen w2003_x86 image of the "filter" story is loaded once
 * (fuzz_kgen.h; set DMPKIT_FUZZ_KGEN to the kgen binary): a 0x1E bugcheck
 * whose thread's kernel stack holds an exception filter frame with
 * EXCEPTION_POINTERS.  The input patches the exception record, the
 * context, the pointers and the stack pages; then the exception is
 * recovered (parameters, filter arguments, trap-frame scan), the records
 * are read and the stack is walked from the recovered context.  Every step
 * must end, bounded, without a fault.
 * SPDX-License-Identifier: MIT */
#include "fuzz_kgen.h" /* first: it sets _POSIX_C_SOURCE */

#include <dmpkit/kanalysis.h>
#include <dmpkit/stackwalk.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want(const char *key)
{
	return !strcmp(key, "story_exception_record") || !strcmp(key, "story_context") ||
	       !strcmp(key, "story_exception_pointers") || !strcmp(key, "thread0_stack_limit") ||
	       !strcmp(key, "thread0_kernel_stack") || !strcmp(key, "cpu0_context_frame");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kg_load("--profile w2003_x86 --story filter", want, 0x1000);
	return 0;
}

static dk_status kread(void *ctx, uint64_t va, void *buf, size_t len)
{
	dk_error e;
	return dk_kernel_read(ctx, va, buf, len, &e);
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
			const dk_kdump_summary *s = dk_kdump_get_summary(d);
			dk_kexception x;
			if (dk_kernel_recover_exception(k, s->bugcheck_code, s->bugcheck_parameters, 0, &x)) {
				fz_consume_str(x.source);
				dk_kexr r;
				dk_kcxr c;
				dk_ktrap t;
				if (x.record_va)
					dk_kread_exr(k, x.record_va, &r, &e);
				if (x.context_va)
					dk_kread_cxr(k, x.context_va, &c, &e);
				if (x.trap_va)
					dk_kread_trap(k, x.trap_va, &t, &e);
				if (x.have_context) {
					static dk_frame frames[64];
					dk_vmem mem = { k, kread };
					dk_walk_input in;
					memset(&in, 0, sizeof in);
					in.arch = dk_kernel_arch(k);
					in.mem = &mem;
					in.start = x.regs;
					in.max_frames = 64;
					dk_walk_result res = { frames, 0, "" };
					if (dk_stackwalk(&in, &res, &e) == DK_OK)
						fz_consume_str(res.stop_reason);
				}
			}
			dk_ktrap traps[8];
			uint64_t lo = 0xf8a01000u, hi = 0xf8a04000u; /* thread 0's stack in kgen */
			dk_ktrap_scan(k, lo, hi, s->bugcheck_parameters[1], traps, 8);
			dk_ktrap_scan(k, lo, hi, 0, traps, 8);
			/* the user-mode pass: a trap frame found by scan at the top of
			 * the stack, and a KiUserExceptionDispatcher frame's arguments
			 * at the stack pointer it recovered */
			dk_ktrap ut;
			if (dk_ktrap_scan_user(k, hi, 0x1000, &ut)) {
				dk_kexception ux;
				uint64_t usp = ut.arch == DK_ARCH_X86 ? ut.regs.r[DK_X86_ESP]
				                                      : ut.regs.r[DK_AMD64_RSP];
				if (dk_exception_from_dispatcher(k, NULL, usp, "f", &ux))
					fz_consume(&ux, sizeof ux);
			}
			dk_kernel_close(k);
		}
		dk_kdump_close(d);
	}
	kg_restore();
	return 0;
}
