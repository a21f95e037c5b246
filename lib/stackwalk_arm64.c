/* dmpkit — the ARM64 stack walker.
 *
 * Per frame: STACK CFI from the module's symbol file; frame records
 * (AAPCS64: x29 points to {saved x29, saved x30}); a scan for return
 * addresses that follow a BL/BLR.  As in breakpad stackwalker_arm64.cc the
 * caller's pc is the callee's lr and the caller's lr comes from the frame
 * record, so a leaf context frame (lr not yet saved) is walked correctly;
 * after the first frame the record gives both.  Pointer authentication
 * bits are stripped from return addresses.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <dmpkit/symfile.h>

#include "internal.h"
#include "stackwalk_internal.h"
#include "symfile_internal.h"

bool dk_sw_step_arm64(dk_sw *w, size_t idx, dk_frame *caller)
{
	const dk_frame *f = &w->frames[idx];
	char acc[384] = "";
	uint64_t rva;
	int r;
	const dk_symfile *sym = dk_sw_symbols(w, dk_sw_lookup_pc(w, idx), &rva);
	if (sym) {
		memset(caller, 0, sizeof *caller);
		if (dk_symfile_unwind_cfi(sym, rva, &f->regs, w->in->mem, &caller->regs) == DK_OK) {
			if ((r = dk_sw_try(w, idx, caller, DK_TRUST_CFI, true)) != 0)
				return r > 0;
			dk_sw_note(w, "STACK CFI", acc, sizeof acc);
		}
	}

	uint64_t fp = f->regs.r[DK_ARM64_FP];
	bool fp_ok = (f->regs.valid >> DK_ARM64_FP & 1) && fp >= f->sp && (fp & 7) == 0 &&
	             fp - f->sp <= 16u * 1024u * 1024u;
	uint64_t saved_fp = 0, saved_lr = 0;
	bool rec = fp_ok && dk_sw_word(w, fp, &saved_fp) && dk_sw_word(w, fp + 8, &saved_lr);
	if (rec)
		saved_lr = dk_sw_strip_pac(w, saved_lr);
	bool lr_ok = (f->regs.valid >> DK_ARM64_LR & 1) != 0;
	uint64_t lr = lr_ok ? dk_sw_strip_pac(w, f->regs.r[DK_ARM64_LR]) : 0;

	/* context frame whose lr differs from the record's: a leaf function
	 * (breakpad uses lr for the first caller); the caller keeps sp/fp */
	bool same_function = false;
	if (sym && lr_ok && lr >= 4) {
		/* with symbols, an lr inside the context frame's own function is a
		 * stale value from a call that returned, not the caller */
		const char *a, *b;
		uint64_t fa, fb, lrva;
		const dk_symfile *s2 = dk_sw_symbols(w, lr - 4, &lrva);
		same_function = s2 == sym && dk_symfile_lookup(sym, rva, &a, &fa, NULL, NULL) &&
		                dk_symfile_lookup(sym, lrva, &b, &fb, NULL, NULL) && fa == fb;
	}
	if (idx == 0 && lr_ok && !same_function && (!rec || lr != saved_lr)) {
		memset(caller, 0, sizeof *caller);
		caller->regs = f->regs;
		caller->regs.valid &= dk_sf_callee_saved(DK_ARCH_ARM64) | 1ull << DK_ARM64_SP;
		caller->regs.r[DK_ARM64_PC] = lr;
		caller->regs.valid |= 1ull << DK_ARM64_PC;
		bool checked;
		if (dk_sw_return_address_ok(w, lr, &checked) &&
		    (r = dk_sw_try(w, idx, caller, DK_TRUST_FP, false)) != 0)
			return r > 0;
		dk_sw_note(w, "link register", acc, sizeof acc);
	}
	if (rec) {
		dk_sw_fp_caller(w, caller, saved_lr, fp + 16, saved_fp,
		                saved_fp == 0 || (saved_fp > fp && saved_fp - fp <= 16u * 1024u * 1024u));
		caller->regs.r[DK_ARM64_LR] = saved_lr;
		if ((r = dk_sw_try(w, idx, caller, DK_TRUST_FP, saved_fp == 0)) != 0)
			return r > 0;
		dk_sw_note(w, "frame record", acc, sizeof acc);
	} else if (f->regs.valid >> DK_ARM64_FP & 1) {
		snprintf(w->why, sizeof w->why, "fp 0x%llx is not a readable frame record",
		         (unsigned long long)fp);
		dk_sw_note(w, "frame record", acc, sizeof acc);
	}

	return dk_sw_scan_last(w, idx, caller, acc, sizeof acc);
}
