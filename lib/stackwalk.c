/* dmpkit — stack walking: register sets, the walk loop, validation, stack
 * scanning and symbolization shared by the x86, AMD64 and ARM64 walkers.
 *
 * The order of methods per frame follows breakpad
 * (src/processor/stackwalker.cc and stackwalker_{x86,amd64,arm64}.cc) and
 * rust-minidump (minidump-unwind/src/{x86,amd64,arm64}.rs): call frame
 * information, then frame pointers, then a scan of the stack for return
 * addresses.  Termination rules (breakpad Stackwalker::TerminateWalk): a
 * return address below 4 KiB ends the walk; the caller's stack pointer must
 * grow, except that it may stay the same on the first unwind (a leaf
 * function).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <dmpkit/stackwalk.h>
#include <dmpkit/symfile.h>

#include "internal.h"
#include "stackwalk_internal.h"
#include "symfile_internal.h"

/* ---- register sets from CONTEXT records (offsets: lib/layouts.c) ---- */
dk_status dk_regs_from_context(dk_arch arch, const uint8_t *ctx, size_t len, dk_regs *out)
{
	if (!out)
		return DK_E_ARG;
	memset(out, 0, sizeof *out);
	out->arch = arch;
	if (!ctx && len)
		return DK_E_ARG;
	switch (arch) {
	case DK_ARCH_X86: {
		static const struct { int reg; uint32_t off; } m[] = {
			{ DK_X86_EDI, 0x9C }, { DK_X86_ESI, 0xA0 }, { DK_X86_EBX, 0xA4 },
			{ DK_X86_EDX, 0xA8 }, { DK_X86_ECX, 0xAC }, { DK_X86_EAX, 0xB0 },
			{ DK_X86_EBP, 0xB4 }, { DK_X86_EIP, 0xB8 }, { DK_X86_EFLAGS, 0xC0 },
			{ DK_X86_ESP, 0xC4 },
		};
		for (size_t i = 0; i < sizeof m / sizeof *m; i++)
			if (dk_in_bounds(len, m[i].off, 4)) {
				out->r[m[i].reg] = dk_le32(ctx + m[i].off);
				out->valid |= 1ull << m[i].reg;
			}
		break;
	}
	case DK_ARCH_AMD64:
		for (int i = 0; i <= DK_AMD64_RIP; i++) /* Rax 0x78 ... R15 0xF0, Rip 0xF8 */
			if (dk_in_bounds(len, 0x78u + 8u * (unsigned)i, 8)) {
				out->r[i] = dk_le64(ctx + 0x78 + 8 * i);
				out->valid |= 1ull << i;
			}
		if (dk_in_bounds(len, 0x44, 4)) {
			out->r[DK_AMD64_EFLAGS] = dk_le32(ctx + 0x44);
			out->valid |= 1ull << DK_AMD64_EFLAGS;
		}
		break;
	case DK_ARCH_ARM64:
		for (int i = 0; i <= DK_ARM64_PC; i++) /* X0 0x08 ... Lr 0xF8, Sp 0x100, Pc 0x108 */
			if (dk_in_bounds(len, 8u + 8u * (unsigned)i, 8)) {
				out->r[i] = dk_le64(ctx + 8 + 8 * i);
				out->valid |= 1ull << i;
			}
		if (dk_in_bounds(len, 0x04, 4)) {
			out->r[DK_ARM64_CPSR] = dk_le32(ctx + 4);
			out->valid |= 1ull << DK_ARM64_CPSR;
		}
		break;
	default:
		return DK_E_UNSUPPORTED;
	}
	return DK_OK;
}

static int pc_reg_of(dk_arch a)
{
	return a == DK_ARCH_X86 ? DK_X86_EIP : a == DK_ARCH_AMD64 ? DK_AMD64_RIP : DK_ARM64_PC;
}
static int sp_reg_of(dk_arch a)
{
	return a == DK_ARCH_X86 ? DK_X86_ESP : a == DK_ARCH_AMD64 ? DK_AMD64_RSP : DK_ARM64_SP;
}
static int fp_reg_of(dk_arch a)
{
	return a == DK_ARCH_X86 ? DK_X86_EBP : a == DK_ARCH_AMD64 ? DK_AMD64_RBP : DK_ARM64_FP;
}

uint64_t dk_regs_pc(const dk_regs *r)
{
	return r ? r->r[pc_reg_of(r->arch)] : 0;
}

uint64_t dk_regs_sp(const dk_regs *r)
{
	return r ? r->r[sp_reg_of(r->arch)] : 0;
}

const char *dk_frame_trust_name(dk_frame_trust t)
{
	switch (t) {
	case DK_TRUST_CONTEXT: return "context";
	case DK_TRUST_CFI: return "call frame info";
	case DK_TRUST_TRAP: return "trap frame";
	case DK_TRUST_FP: return "frame pointer";
	case DK_TRUST_SCAN: return "stack scanning";
	}
	return "unknown";
}

int dk_module_find(const dk_module *mods, size_t n, uint64_t va)
{
	if (!mods)
		return -1;
	size_t lo = 0, hi = n;
	while (lo < hi) { /* last module with base <= va */
		size_t mid = lo + (hi - lo) / 2;
		if (mods[mid].base <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && va - mods[lo - 1].base < mods[lo - 1].size)
		return (int)(lo - 1);
	/* callers may pass an unsorted list: fall back to a linear search */
	for (size_t i = 0; i < n; i++)
		if (va >= mods[i].base && va - mods[i].base < mods[i].size)
			return (int)i;
	return -1;
}

/* ---- helpers ---- */
bool dk_sw_read(const dk_sw *w, uint64_t va, void *buf, size_t len)
{
	const dk_vmem *m = w->in->mem;
	uint64_t end;
	if (!m || !m->read || !dk_add_ok(va, len, &end))
		return false;
	if (w->width == 4 && end > 0x100000000ull)
		return false;
	return m->read(m->ctx, va, buf, len) == DK_OK;
}

bool dk_sw_word(const dk_sw *w, uint64_t va, uint64_t *v)
{
	uint8_t b[8];
	if (!dk_sw_read(w, va, b, w->width))
		return false;
	*v = w->width == 4 ? dk_le32(b) : dk_le64(b);
	return true;
}

uint64_t dk_sw_lookup_pc(const dk_sw *w, size_t idx)
{
	uint64_t pc = w->frames[idx].pc;
	return (idx > 0 && w->frames[idx].trust != DK_TRUST_TRAP && pc > 0) ? pc - 1 : pc;
}

int dk_sw_module(const dk_sw *w, uint64_t va)
{
	return dk_module_find(w->in->modules, w->in->nmodules, va);
}

const dk_symfile *dk_sw_symbols(const dk_sw *w, uint64_t va, uint64_t *rva)
{
	int m = dk_sw_module(w, va);
	if (m < 0 || !w->in->modules[m].symbols)
		return NULL;
	*rva = va - w->in->modules[m].base;
	return w->in->modules[m].symbols;
}

uint64_t dk_sw_strip_pac(const dk_sw *w, uint64_t pc)
{
	if (w->in->arch != DK_ARCH_ARM64)
		return pc;
	uint64_t top = pc >> 48;
	if (top == 0 || top == 0xFFFF)
		return pc;
	/* bit 55 selects the upper (kernel) or lower half (ARM ARM, "Pointer
	 * authentication": the PAC occupies the unused upper bits) */
	return (pc >> 55 & 1) ? pc | 0xFFFF000000000000ull : pc & 0x0000FFFFFFFFFFFFull;
}

static bool pc_plausible(const dk_sw *w, uint64_t pc)
{
	if (pc < 0x1000)
		return false;
	switch (w->in->arch) {
	case DK_ARCH_X86: return pc <= 0xFFFFFFFFull;
	case DK_ARCH_AMD64: /* canonical (rust-minidump amd64.rs) */
		return pc < 0x0000800000000000ull || pc >= 0xFFFF800000000000ull;
	case DK_ARCH_ARM64: return (pc & 3) == 0;
	default: return false;
	}
}

bool dk_sw_accept(dk_sw *w, size_t idx, dk_frame *cand, dk_frame_trust trust)
{
	const dk_frame *callee = &w->frames[idx];
	dk_regs *r = &cand->regs;
	if (!(r->valid >> w->pc_reg & 1) || !(r->valid >> w->sp_reg & 1)) {
		snprintf(w->why, sizeof w->why, "no return address or stack pointer for the caller");
		return false;
	}
	r->r[w->pc_reg] = dk_sw_strip_pac(w, r->r[w->pc_reg]);
	uint64_t pc = r->r[w->pc_reg], sp = r->r[w->sp_reg];
	if (pc < 0x1000) {
		w->end_of_stack = true;
		snprintf(w->why, sizeof w->why, "end of stack: return address 0x%llx",
		         (unsigned long long)pc);
		return false;
	}
	if (!pc_plausible(w, pc)) {
		snprintf(w->why, sizeof w->why, "return address 0x%llx is not a code address",
		         (unsigned long long)pc);
		return false;
	}
	if (w->width == 4 && sp > 0xFFFFFFFFull) {
		snprintf(w->why, sizeof w->why, "stack pointer 0x%llx out of range",
		         (unsigned long long)sp);
		return false;
	}
	if (sp < callee->sp || (sp == callee->sp && idx > 0)) {
		snprintf(w->why, sizeof w->why, "stack pointer did not grow (0x%llx -> 0x%llx)",
		         (unsigned long long)callee->sp, (unsigned long long)sp);
		return false;
	}
	uint64_t lo = w->in->stack_limit, hi = w->in->stack_base;
	if (lo > hi) {
		uint64_t t = lo; lo = hi; hi = t;
	}
	if (hi && (sp < lo || sp > hi)) {
		snprintf(w->why, sizeof w->why, "stack pointer 0x%llx outside the stack [0x%llx, 0x%llx]",
		         (unsigned long long)sp, (unsigned long long)lo, (unsigned long long)hi);
		return false;
	}
	if (w->in->nmodules && dk_sw_module(w, trust == DK_TRUST_TRAP ? pc : pc - 1) < 0 &&
	    dk_sw_module(w, pc) < 0) {
		snprintf(w->why, sizeof w->why, "return address 0x%llx is not in any module",
		         (unsigned long long)pc);
		return false;
	}
	cand->pc = pc;
	cand->sp = sp;
	cand->fp = (r->valid >> w->fp_reg & 1) ? r->r[w->fp_reg] : 0;
	cand->trust = trust;
	return true;
}

int dk_sw_try(dk_sw *w, size_t idx, dk_frame *cand, dk_frame_trust trust, bool end_ok)
{
	w->end_of_stack = false;
	if (dk_sw_accept(w, idx, cand, trust))
		return 1;
	return (w->end_of_stack && end_ok) ? -1 : 0;
}

bool dk_sw_leaf(dk_sw *w, size_t idx, dk_frame *cand)
{
	const dk_frame *f = &w->frames[idx];
	uint64_t ra;
	bool checked;
	if (idx != 0 || !dk_sw_word(w, f->sp, &ra) || !dk_sw_return_address_ok(w, ra, &checked) ||
	    !checked)
		return false;
	memset(cand, 0, sizeof *cand);
	cand->regs = f->regs;
	/* registers a leaf does not touch are the caller's, except the
	 * scratch ones which we cannot know */
	cand->regs.valid &= dk_sf_callee_saved(w->in->arch);
	cand->regs.r[w->pc_reg] = ra;
	cand->regs.r[w->sp_reg] = f->sp + w->width;
	cand->regs.valid |= 1ull << w->pc_reg | 1ull << w->sp_reg;
	return dk_sw_accept(w, idx, cand, DK_TRUST_SCAN);
}

void dk_sw_note(dk_sw *w, const char *method, char *acc, size_t accsize)
{
	size_t n = strlen(acc);
	if (!w->why[0] || n + 4 >= accsize)
		return;
	snprintf(acc + n, accsize - n, "%s%s: %s", n ? "; " : "", method, w->why);
	w->why[0] = '\0';
}

void dk_sw_fp_caller(const dk_sw *w, dk_frame *caller, uint64_t pc, uint64_t sp, uint64_t fp,
                     bool fp_ok)
{
	memset(caller, 0, sizeof *caller);
	caller->regs.arch = w->in->arch;
	caller->regs.r[w->pc_reg] = pc;
	caller->regs.r[w->sp_reg] = sp;
	caller->regs.valid = 1ull << w->pc_reg | 1ull << w->sp_reg;
	if (fp_ok) {
		caller->regs.r[w->fp_reg] = fp;
		caller->regs.valid |= 1ull << w->fp_reg;
	}
}

bool dk_sw_scan_last(dk_sw *w, size_t idx, dk_frame *caller, char *acc, size_t accsize)
{
	if (dk_sw_scan(w, idx, w->frames[idx].sp, caller))
		return true;
	dk_sw_note(w, "scan", acc, accsize);
	if (acc[0])
		snprintf(w->why, sizeof w->why, "no caller found (%.100s)", acc);
	return false;
}

/* x86/x64 call forms ending at the return address (Intel SDM vol. 2,
 * CALL: E8 cd; FF /2 with ModR/M, SIB and displacement):
 *   E8 rel32 (5)        FF /2 mod=3 (2)      FF /2 mod=0 (2; rm=4: +SIB;
 *   rm=5: disp32 -> 6; SIB base=5: +disp32)  mod=1: +disp8   mod=2: +disp32 */
static unsigned ff2_length(uint8_t modrm, uint8_t sib)
{
	unsigned mod = modrm >> 6, rm = modrm & 7;
	unsigned len = 2;
	if (mod == 3)
		return 2;
	if (rm == 4) {
		len++;
		if (mod == 0 && (sib & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4;
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

bool dk_x86_is_call_before(const uint8_t *code, size_t n)
{
	if (n >= 5 && code[n - 5] == 0xE8)
		return true;
	for (unsigned l = 2; l <= 7 && l <= n; l++) {
		const uint8_t *p = code + n - l;
		if (p[0] != 0xFF || ((p[1] >> 3) & 7) != 2)
			continue;
		uint8_t sib = l >= 3 ? p[2] : 0;
		if (ff2_length(p[1], sib) == l)
			return true;
	}
	return false;
}

/* A64: BL imm26 (100101 imm26), BLR Xn (1101011 0 0 01 11111 0000 0 0 Rn
 * 00000), and the pointer-authenticated BLRAA/BLRAB/BLRAAZ/BLRABZ forms
 * (ARM ARM C6.2). */
bool dk_arm64_is_call_before(uint32_t insn)
{
	if ((insn & 0xFC000000u) == 0x94000000u)
		return true;
	if ((insn & 0xFFFFFC1Fu) == 0xD63F0000u)
		return true;
	if ((insn & 0xFEFFF800u) == 0xD63F0800u)
		return true;
	return false;
}

bool dk_sw_return_address_ok(const dk_sw *w, uint64_t ra, bool *checked)
{
	if (checked)
		*checked = false;
	if (!pc_plausible(w, ra))
		return false;
	int m = dk_sw_module(w, ra - 1);
	if (w->in->nmodules && m < 0)
		return false;
	if (m >= 0 && w->in->modules[m].symbols) {
		const char *fn;
		if (!dk_symfile_lookup(w->in->modules[m].symbols, ra - 1 - w->in->modules[m].base,
		                       &fn, NULL, NULL, NULL))
			return false; /* rust-minidump: symbols must place it in a function */
	}
	if (w->in->arch == DK_ARCH_ARM64) {
		uint8_t b[4];
		if ((ra & 3) || !dk_sw_read(w, ra - 4, b, 4))
			return m >= 0 || !w->in->nmodules;
		if (checked)
			*checked = true;
		return dk_arm64_is_call_before(dk_le32(b));
	}
	uint8_t code[7];
	if (ra >= 7 && dk_sw_read(w, ra - 7, code, 7)) {
		if (checked)
			*checked = true;
		return dk_x86_is_call_before(code, 7);
	}
	if (ra >= 5 && dk_sw_read(w, ra - 5, code, 5)) { /* a page edge before ra-7 */
		if (checked)
			*checked = true;
		return dk_x86_is_call_before(code, 5);
	}
	/* code not in the dump: the module test is all we can do (breakpad
	 * InstructionAddressSeemsValid) */
	return m >= 0 || !w->in->nmodules;
}

bool dk_sw_scan(dk_sw *w, size_t idx, uint64_t start, dk_frame *cand)
{
	unsigned words = idx == 0 ? DK_SCAN_WORDS_CONTEXT : DK_SCAN_WORDS;
	const dk_frame *callee = &w->frames[idx];
	for (unsigned i = 0; i < words; i++) {
		uint64_t a = start + (uint64_t)i * w->width, v;
		if (a < start)
			break;
		if (!dk_sw_word(w, a, &v))
			continue; /* a hole: keep looking inside the window */
		v = dk_sw_strip_pac(w, v);
		if (!dk_sw_return_address_ok(w, v, NULL))
			continue;
		memset(cand, 0, sizeof *cand);
		cand->regs.arch = w->in->arch;
		cand->regs.valid = callee->regs.valid & dk_sf_callee_saved(w->in->arch);
		for (int r = 0; r < DK_MAX_REGS; r++)
			if (cand->regs.valid >> r & 1)
				cand->regs.r[r] = callee->regs.r[r];
		cand->regs.r[w->pc_reg] = v;
		cand->regs.r[w->sp_reg] = a + w->width;
		cand->regs.valid |= 1ull << w->pc_reg | 1ull << w->sp_reg;
		/* the slot below a return address holds the saved frame pointer
		 * when the callee made a frame; use it only if it points upward
		 * by a reasonable amount (rust-minidump amd64.rs/x86.rs) */
		uint64_t fp;
		if (a >= w->width && dk_sw_word(w, a - w->width, &fp) && fp > a &&
		    fp - a <= DK_MAX_FRAME_GAP) {
			cand->regs.r[w->fp_reg] = fp;
			cand->regs.valid |= 1ull << w->fp_reg;
		}
		if (dk_sw_accept(w, idx, cand, DK_TRUST_SCAN))
			return true;
	}
	if (!w->why[0])
		snprintf(w->why, sizeof w->why, "no return address in %u words above 0x%llx", words,
		         (unsigned long long)start);
	return false;
}

/* ---- symbolization ---- */
static void symbolize(const dk_sw *w, size_t idx)
{
	dk_frame *f = &w->frames[idx];
	uint64_t va = dk_sw_lookup_pc(w, idx);
	f->module = dk_sw_module(w, va);
	if (f->module < 0)
		f->module = dk_sw_module(w, f->pc);
	f->function[0] = f->file[0] = '\0';
	f->function_offset = 0;
	f->line = 0;
	if (f->module < 0)
		return;
	const dk_module *m = &w->in->modules[f->module];
	if (!m->symbols || va < m->base)
		return;
	const char *fn, *file;
	uint64_t start;
	uint32_t line;
	if (dk_symfile_lookup(m->symbols, va - m->base, &fn, &start, &file, &line)) {
		dk_strlcpy(f->function, fn ? fn : "", sizeof f->function);
		f->function_offset = va - m->base - start;
		if (file)
			dk_strlcpy(f->file, file, sizeof f->file);
		f->line = line;
	}
}

/* kb-style arguments: the words just above the return address slot, which
 * is the caller's stack pointer on x86 and the home space on x64. */
static void fill_args(const dk_sw *w, size_t idx, const dk_frame *caller)
{
	dk_frame *f = &w->frames[idx];
	if (w->in->arch == DK_ARCH_ARM64) {
		if (idx == 0)
			for (int i = 0; i < 4; i++)
				f->args[i] = (f->regs.valid >> i & 1) ? f->regs.r[i] : 0;
		return;
	}
	if (w->in->arch == DK_ARCH_AMD64 && idx == 0) {
		static const int ar[4] = { DK_AMD64_RCX, DK_AMD64_RDX, DK_AMD64_R8, DK_AMD64_R9 };
		for (int i = 0; i < 4; i++)
			f->args[i] = (f->regs.valid >> ar[i] & 1) ? f->regs.r[ar[i]] : 0;
		return; /* the registers are exact; the home space may be unused */
	}
	if (!caller)
		return;
	uint64_t base = caller->sp;
	if (w->in->arch == DK_ARCH_X86 && f->fp && f->fp + 8 <= caller->sp && caller->trust == DK_TRUST_FP)
		base = f->fp + 8; /* [ebp+8...] */
	for (int i = 0; i < 4; i++) {
		uint64_t v;
		if (dk_sw_word(w, base + (uint64_t)i * w->width, &v))
			f->args[i] = v;
	}
}

dk_status dk_stackwalk(const dk_walk_input *in, dk_walk_result *out, dk_error *err)
{
	if (!in || !out || !out->frames) {
		dk_set_error(err, DK_E_ARG, "stack walk: missing input or frame array");
		return DK_E_ARG;
	}
	out->count = 0;
	out->stop_reason[0] = '\0';
	if (in->arch != DK_ARCH_X86 && in->arch != DK_ARCH_AMD64 && in->arch != DK_ARCH_ARM64) {
		dk_set_error(err, DK_E_UNSUPPORTED, "stack walk: unsupported architecture %s",
		             dk_arch_name(in->arch));
		return DK_E_UNSUPPORTED;
	}
	if (!in->mem || !in->mem->read) {
		dk_set_error(err, DK_E_ARG, "stack walk: no memory reader");
		return DK_E_ARG;
	}
	dk_sw w;
	memset(&w, 0, sizeof w);
	w.in = in;
	w.frames = out->frames;
	w.max = in->max_frames ? in->max_frames : 256;
	w.width = in->arch == DK_ARCH_X86 ? 4 : 8;
	w.pc_reg = pc_reg_of(in->arch);
	w.sp_reg = sp_reg_of(in->arch);
	w.fp_reg = fp_reg_of(in->arch);

	dk_frame *f0 = &w.frames[0];
	memset(f0, 0, sizeof *f0);
	f0->regs = in->start;
	f0->regs.arch = in->arch;
	if (!(f0->regs.valid >> w.pc_reg & 1) || !(f0->regs.valid >> w.sp_reg & 1)) {
		dk_strlcpy(out->stop_reason, "the starting registers lack pc or sp",
		           sizeof out->stop_reason);
		dk_set_error(err, DK_E_ARG, "stack walk: the starting registers lack pc or sp");
		return DK_E_ARG;
	}
	if (w.width == 4)
		for (int i = 0; i < DK_MAX_REGS; i++)
			f0->regs.r[i] &= 0xFFFFFFFFu;
	f0->pc = f0->regs.r[w.pc_reg];
	f0->sp = f0->regs.r[w.sp_reg];
	f0->fp = (f0->regs.valid >> w.fp_reg & 1) ? f0->regs.r[w.fp_reg] : 0;
	f0->trust = DK_TRUST_CONTEXT;
	w.count = 1;
	symbolize(&w, 0);

	for (;;) {
		size_t idx = w.count - 1;
		if (w.count >= w.max) {
			fill_args(&w, idx, NULL);
			snprintf(out->stop_reason, sizeof out->stop_reason,
			         "reached the limit of %zu frames", w.max);
			break;
		}
		dk_frame cand;
		memset(&cand, 0, sizeof cand);
		w.why[0] = '\0';
		bool ok;
		switch (in->arch) {
		case DK_ARCH_X86: ok = dk_sw_step_x86(&w, idx, &cand); break;
		case DK_ARCH_AMD64: ok = dk_sw_step_amd64(&w, idx, &cand); break;
		default: ok = dk_sw_step_arm64(&w, idx, &cand); break;
		}
		if (!ok) {
			fill_args(&w, idx, NULL);
			dk_strlcpy(out->stop_reason, w.why[0] ? w.why : "no caller found",
			           sizeof out->stop_reason);
			break;
		}
		cand.regs.arch = in->arch;
		fill_args(&w, idx, &cand);
		w.frames[w.count] = cand;
		w.count++;
		symbolize(&w, w.count - 1);
	}
	out->count = w.count;
	return DK_OK;
}
