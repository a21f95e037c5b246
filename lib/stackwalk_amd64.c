/* dmpkit — the AMD64 stack walker.
 *
 * Per frame: STACK CFI from the module's symbol file (breakpad
 * stackwalker_amd64.cc); the module's own .pdata/UNWIND_INFO read from the
 * dump (pe_unwind.c; no RUNTIME_FUNCTION = a leaf, return address at
 * [rsp]); for the context frame without unwind data a leaf test; the RBP
 * chain when RBP is plausible (rust-minidump amd64.rs: above rsp, aligned,
 * within reach; the caller's pc canonical); a call-site-checked scan.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <dmpkit/symfile.h>

#include "internal.h"
#include "stackwalk_internal.h"
#include "symfile_internal.h"

bool dk_sw_step_amd64(dk_sw *w, size_t idx, dk_frame *caller)
{
	const dk_frame *f = &w->frames[idx];
	char acc[384] = "";
	uint64_t lpc = dk_sw_lookup_pc(w, idx), rva;
	int r;
	const dk_symfile *sym = dk_sw_symbols(w, lpc, &rva);
	if (sym) {
		memset(caller, 0, sizeof *caller);
		if (dk_symfile_unwind_cfi(sym, rva, &f->regs, w->in->mem, &caller->regs) == DK_OK) {
			if ((r = dk_sw_try(w, idx, caller, DK_TRUST_CFI, true)) != 0)
				return r > 0;
			dk_sw_note(w, "STACK CFI", acc, sizeof acc);
		}
	}
	bool have_pdata = false;
	int m = dk_sw_module(w, lpc);
	if (m >= 0) {
		const dk_module *mod = &w->in->modules[m];
		memset(caller, 0, sizeof *caller);
		caller->regs = f->regs;
		int how = 0;
		dk_status st = dk_pe_unwind_amd64(w->in->mem, mod->base, mod->size, lpc, &caller->regs,
		                                  &how);
		if (st == DK_OK) {
			have_pdata = true;
			if ((r = dk_sw_try(w, idx, caller, how == 3 ? DK_TRUST_TRAP : DK_TRUST_CFI,
			                   true)) != 0)
				return r > 0;
			dk_sw_note(w, "unwind data", acc, sizeof acc);
		} else if (st == DK_E_FORMAT) {
			have_pdata = true;
			snprintf(w->why, sizeof w->why, "unwind data of %s unusable",
			         mod->name ? mod->name : "module");
			dk_sw_note(w, "unwind data", acc, sizeof acc);
		}
	}
	if (!sym && !have_pdata && dk_sw_leaf(w, idx, caller))
		return true;
	w->why[0] = '\0';

	/* RBP chain: [rbp] = caller's rbp, [rbp+8] = return address */
	uint64_t rbp = f->regs.r[DK_AMD64_RBP];
	if ((f->regs.valid >> DK_AMD64_RBP & 1) && rbp >= f->sp && (rbp & 7) == 0 &&
	    rbp - f->sp <= 16u * 1024u * 1024u) {
		uint64_t ret, next;
		if (dk_sw_word(w, rbp + 8, &ret) && dk_sw_word(w, rbp, &next)) {
			dk_sw_fp_caller(w, caller, ret, rbp + 16, next,
			                next == 0 || (next > rbp && next - rbp <= 16u * 1024u * 1024u));
			if ((r = dk_sw_try(w, idx, caller, DK_TRUST_FP, next == 0)) != 0)
				return r > 0;
		} else {
			snprintf(w->why, sizeof w->why, "rbp 0x%llx points to unreadable memory",
			         (unsigned long long)rbp);
		}
		dk_sw_note(w, "frame pointer", acc, sizeof acc);
	}

	return dk_sw_scan_last(w, idx, caller, acc, sizeof acc);
}
