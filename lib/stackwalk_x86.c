/* dmpkit — the x86 stack walker.
 *
 * Per frame (breakpad src/processor/stackwalker_x86.cc, rust-minidump
 * minidump-unwind/src/x86.rs): STACK WIN, then STACK CFI from the module's
 * symbol file; for the context frame without symbols a leaf test ([esp] is a
 * call-checked return address); the EBP chain (eip = [ebp+4], esp = ebp+8,
 * ebp = [ebp]); a call-site-checked scan of the stack.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <dmpkit/symfile.h>

#include "internal.h"
#include "stackwalk_internal.h"
#include "symfile_internal.h"

static bool valid_ra(void *arg, uint64_t va)
{
	return dk_sw_return_address_ok(arg, va, NULL);
}

/* .cbCalleeParams: the STACK WIN parameter size of the frame below. */
static uint32_t callee_params(const dk_sw *w, size_t idx)
{
	if (idx == 0)
		return 0;
	uint64_t rva;
	const dk_symfile *s = dk_sw_symbols(w, dk_sw_lookup_pc(w, idx - 1), &rva);
	dk_win_record r;
	if (s && dk_symfile_win_info(s, rva, &r))
		return r.param_size;
	return 0;
}

bool dk_sw_step_x86(dk_sw *w, size_t idx, dk_frame *caller)
{
	const dk_frame *f = &w->frames[idx];
	char acc[384] = "";
	uint64_t rva;
	const dk_symfile *sym = dk_sw_symbols(w, dk_sw_lookup_pc(w, idx), &rva);
	int r;
	if (sym) {
		dk_win_params p = { callee_params(w, idx), idx == 0, valid_ra, w };
		memset(caller, 0, sizeof *caller);
		if (dk_symfile_unwind_win(sym, rva, &f->regs, w->in->mem, &p, &caller->regs) == DK_OK) {
			if ((r = dk_sw_try(w, idx, caller, DK_TRUST_CFI, true)) != 0)
				return r > 0;
			dk_sw_note(w, "STACK WIN", acc, sizeof acc);
		}
		memset(caller, 0, sizeof *caller);
		if (dk_symfile_unwind_cfi(sym, rva, &f->regs, w->in->mem, &caller->regs) == DK_OK) {
			if ((r = dk_sw_try(w, idx, caller, DK_TRUST_CFI, true)) != 0)
				return r > 0;
			dk_sw_note(w, "STACK CFI", acc, sizeof acc);
		}
	}
	if (!sym && dk_sw_leaf(w, idx, caller))
		return true;
	w->why[0] = '\0';

	/* EBP chain */
	uint64_t ebp = f->regs.r[DK_X86_EBP];
	if ((f->regs.valid >> DK_X86_EBP & 1) && ebp >= f->sp && (ebp & 3) == 0 &&
	    ebp - f->sp <= 16u * 1024u * 1024u) {
		uint64_t ret, next;
		if (dk_sw_word(w, ebp + 4, &ret) && dk_sw_word(w, ebp, &next)) {
			/* a chain that does not go up is broken: leave ebp unknown
			 * so that the next frame is scanned for */
			dk_sw_fp_caller(w, caller, ret, ebp + 8, next, next == 0 || next > ebp);
			if ((r = dk_sw_try(w, idx, caller, DK_TRUST_FP, next == 0)) != 0)
				return r > 0;
		} else {
			snprintf(w->why, sizeof w->why, "ebp 0x%llx points to unreadable memory",
			         (unsigned long long)ebp);
		}
		dk_sw_note(w, "frame pointer", acc, sizeof acc);
	}

	return dk_sw_scan_last(w, idx, caller, acc, sizeof acc);
}
