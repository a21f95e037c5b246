/* dmpkit — the ARM64 stack walker.
 *
 * Per frame: STACK CFI from the module's symbol file; the module's .pdata
 * and .xdata unwind data in memory (below); frame records
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

/* ---- .pdata / .xdata unwinding ----
 *
 * Facts from Microsoft's "ARM64 exception handling" (learn.microsoft.com/
 * cpp/build/arm64-exception-handling; MicrosoftDocs/cpp-docs
 * docs/build/arm64-exception-handling.md): data directory 3 is an array of
 * 8-byte records {Function Start RVA, word}; the word's low 2 bits (Flag)
 * are 0 for an .xdata RVA, 1 for packed unwind data with one prolog and one
 * epilog, 2 for packed data without either.  Packed: Function Length bits
 * 2-12 (/4), RegF 13-15, RegI 16-19, H 20, CR 21-22, Frame Size 23-31
 * (/16).  .xdata header: Function Length bits 0-17 (/4), Vers 18-19, X 20,
 * E 21, Epilog Count 22-26, Code Words 27-31 (both 0: a second word with
 * the extended counts in bits 0-15 and 16-23); then the epilog scopes
 * (Start Offset bits 0-17 (/4), Start Index bits 22-31) unless E; then the
 * unwind code bytes.  The codes undo the prolog in reverse order, one code
 * per instruction: unwinding from the body runs them from index 0 to
 * `end`; from inside the prolog the codes of the instructions not yet run
 * are skipped; from inside an epilog the codes of the epilog instructions
 * already run are skipped from the epilog's start index.  Packed data is
 * turned into the codes its canonical prolog (the document's steps 0-5)
 * would have.  The custom stack codes (trap frame, machine frame, context)
 * are not supported: the walk falls back to frame records there. */
#define A64_MAX_RF (4u << 20)
#define A64_MAX_CODES 1024
#define A64_MAX_SCOPES 4096

static bool a64_rd(const dk_vmem *m, uint64_t va, void *b, size_t n)
{
	uint64_t end;
	return dk_add_ok(va, n, &end) && m->read(m->ctx, va, b, n) == DK_OK;
}

/* The exception directory of the ARM64 PE32+ image at base. */
static bool a64_exception_dir(const dk_vmem *m, uint64_t base, uint64_t size, uint32_t *rva,
                              uint32_t *len)
{
	uint8_t h[0x40];
	if (!a64_rd(m, base, h, sizeof h) || h[0] != 'M' || h[1] != 'Z')
		return false;
	uint32_t lfanew = dk_le32(h + 0x3C);
	if (lfanew < 0x40 || lfanew > 0x10000000u || (size && lfanew >= size))
		return false;
	uint8_t nt[24 + 0x90];
	if (!a64_rd(m, base + lfanew, nt, sizeof nt) || memcmp(nt, "PE\0\0", 4) != 0 ||
	    dk_le16(nt + 4) != 0xAA64)
		return false;
	const uint8_t *opt = nt + 24;
	if (dk_le16(opt) != 0x20B || dk_le16(nt + 20) < 0x70 + 4 * 8 || dk_le32(opt + 0x6C) < 4)
		return false;
	*rva = dk_le32(opt + 0x70 + 3 * 8);
	*len = dk_le32(opt + 0x70 + 3 * 8 + 4);
	return *rva && *len >= 8 && (!size || (uint64_t)*rva + *len <= size);
}

/* Code length by first byte (the document's table). */
static unsigned a64_code_len(uint8_t b)
{
	if (b < 0xC0)
		return 1;
	if (b < 0xE0)
		return 2;
	if (b == 0xE0)
		return 4;
	if (b == 0xE2 || b == 0xE7)
		return 2;
	if (b >= 0xF8 && b <= 0xFB)
		return (unsigned)(b - 0xF8) + 2;
	return 1;
}

/* Instructions (codes) from index `at` up to end/end_c, counting the end
 * when `with_end` (an epilog's ret). */
static size_t a64_count(const uint8_t *c, size_t n, size_t at, bool with_end)
{
	size_t k = 0;
	while (at < n) {
		if (c[at] == 0xE4 || c[at] == 0xE5)
			return k + (with_end ? 1 : 0);
		at += a64_code_len(c[at]);
		k++;
	}
	return k;
}

typedef struct a64_state {
	const dk_vmem *m;
	dk_regs *r;
	uint64_t sp;
	unsigned pending;       /* save_next codes seen before their pair */
} a64_state;

static bool a64_restore(a64_state *st, unsigned reg, uint64_t va)
{
	uint8_t b[8];
	if (reg > 30 || !a64_rd(st->m, va, b, 8))
		return false;
	st->r->r[reg] = dk_le64(b);
	st->r->valid |= 1ull << reg;
	return true;
}

/* Restores `count` registers from reg at va, 8 bytes apart (the FP
 * registers d8-d15 are not tracked: only their slots are counted). */
static bool a64_restore_run(a64_state *st, unsigned reg, unsigned count, uint64_t va, bool fp)
{
	for (unsigned i = 0; i < count && !fp; i++)
		if (!a64_restore(st, reg + i, va + 8ull * i))
			return false;
	return true;
}

/* Runs codes from `at` after skipping `skip` of them.  Returns DK_OK,
 * DK_E_FORMAT on unsupported or reserved codes. */
static dk_status a64_exec(a64_state *st, const uint8_t *c, size_t n, size_t at, size_t skip)
{
	for (; skip > 0 && at < n; skip--)
		at += a64_code_len(c[at]);
	for (size_t guard = 0; at < n && guard < n; guard++) {
		uint8_t b = c[at];
		unsigned len = a64_code_len(b);
		if (at + len > n)
			return DK_E_FORMAT;
		uint32_t v = 0;
		for (unsigned i = 0; i < len; i++)
			v = v << 8 | c[at + i];
		at += len;
		unsigned pairs = 2 + 2 * st->pending;
		if (b < 0x20) {                                   /* alloc_s */
			st->sp += 16ull * (b & 0x1F);
		} else if (b < 0x40) {                            /* save_r19r20_x */
			if (!a64_restore_run(st, 19, pairs, st->sp, false))
				return DK_E_RANGE;
			st->sp += 8ull * (b & 0x1F);
			st->pending = 0;
		} else if (b < 0x80) {                            /* save_fplr */
			if (!a64_restore_run(st, 29, 2, st->sp + 8ull * (b & 0x3F), false))
				return DK_E_RANGE;
		} else if (b < 0xC0) {                            /* save_fplr_x */
			if (!a64_restore_run(st, 29, 2, st->sp, false))
				return DK_E_RANGE;
			st->sp += 8ull * ((b & 0x3F) + 1);
		} else if (b < 0xC8) {                            /* alloc_m */
			st->sp += 16ull * (v & 0x7FF);
		} else if (b < 0xD0) {                            /* save_regp, save_regp_x */
			unsigned x = (v >> 6) & 0xF, z = v & 0x3F;
			bool pre = (b & 4) != 0;
			if (!a64_restore_run(st, 19 + x, pairs, st->sp + (pre ? 0 : 8ull * z), false))
				return DK_E_RANGE;
			if (pre)
				st->sp += 8ull * (z + 1);
			st->pending = 0;
		} else if (b < 0xD4) {                            /* save_reg */
			if (!a64_restore(st, 19 + ((v >> 6) & 0xF), st->sp + 8ull * (v & 0x3F)))
				return DK_E_RANGE;
		} else if (b < 0xD6) {                            /* save_reg_x */
			if (!a64_restore(st, 19 + ((v >> 5) & 0xF), st->sp))
				return DK_E_RANGE;
			st->sp += 8ull * ((v & 0x1F) + 1);
		} else if (b < 0xD8) {                            /* save_lrpair */
			uint64_t va = st->sp + 8ull * (v & 0x3F);
			if (!a64_restore(st, 19 + 2 * ((v >> 6) & 0x7), va) || !a64_restore(st, 30, va + 8))
				return DK_E_RANGE;
		} else if (b < 0xDA) {                            /* save_fregp */
			st->pending = 0;
		} else if (b < 0xDC) {                            /* save_fregp_x */
			st->sp += 8ull * ((v & 0x3F) + 1);
			st->pending = 0;
		} else if (b < 0xDE) {                            /* save_freg */
		} else if (b == 0xDE) {                           /* save_freg_x */
			st->sp += 8ull * ((v & 0x1F) + 1);
		} else if (b == 0xE0) {                           /* alloc_l */
			st->sp += 16ull * (v & 0xFFFFFF);
		} else if (b == 0xE1) {                           /* set_fp: mov fp, sp */
			if (!(st->r->valid >> DK_ARM64_FP & 1))
				return DK_E_FORMAT;
			st->sp = st->r->r[DK_ARM64_FP];
		} else if (b == 0xE2) {                           /* add_fp */
			if (!(st->r->valid >> DK_ARM64_FP & 1))
				return DK_E_FORMAT;
			st->sp = st->r->r[DK_ARM64_FP] - 8ull * (v & 0xFF);
		} else if (b == 0xE4) {                           /* end */
			return DK_OK;
		} else if (b == 0xE6) {                           /* save_next */
			st->pending++;
		} else if (b == 0xE3 || b == 0xE5 || b == 0xE7 || b == 0xFC) {
			/* nop, end_c (the parent's prolog follows), the return
			 * address arithmetic and pac_sign_lr: pointer
			 * authentication bits are stripped from lr anyway */
		} else {
			return DK_E_FORMAT;
		}
	}
	return DK_OK; /* ran off the codes: as if `end` */
}

/* Appends one encoded code. */
static void a64_put(uint8_t *c, size_t *n, uint32_t v, unsigned len)
{
	for (unsigned i = len; i-- > 0;)
		if (*n < A64_MAX_CODES)
			c[(*n)++] = (uint8_t)(v >> (8 * i));
}

static void a64_alloc(uint8_t *c, size_t *n, uint32_t bytes)
{
	uint32_t x = bytes / 16;
	if (!x)
		return;
	if (x < 32)
		a64_put(c, n, x, 1);
	else if (x < 2048)
		a64_put(c, n, 0xC000u | x, 2);
	else
		a64_put(c, n, 0xE0000000u | x, 4);
}

/* The unwind codes (unwind order, then `end`) of a packed record: the
 * prolog's, and (epi) the epilog's, which lacks set_fp and the homing
 * nops.  false for reserved or inconsistent values. */
static bool a64_packed_codes(uint32_t w, bool epi, uint8_t *c, size_t *n)
{
	unsigned regf = (w >> 13) & 7, regi = (w >> 16) & 0xF, h = (w >> 20) & 1, cr = (w >> 21) & 3;
	uint32_t famsz = ((w >> 23) & 0x1FF) * 16u;
	if (cr == 2 || regi > 10)
		return false;
	uint32_t intsz = regi * 8 + (cr == 1 ? 8 : 0);
	uint32_t fpsz = regf ? (regf + 1) * 8 : 0;
	uint32_t savsz = (intsz + fpsz + 8 * h + 0xF) & ~0xFu;
	if (famsz < savsz)
		return false;
	uint32_t locsz = famsz - savsz;
	if (cr == 3 && locsz < 16)
		return false; /* no room for <fp, lr> */
	/* the prolog in execution order, one code per instruction */
	uint8_t p[64];
	size_t np = 0;
	bool first = true; /* the first save pre-decrements sp by savsz */
	unsigned nfp = regf ? regf + 1 : 0;
	for (unsigned i = 0; i + 1 < regi || (i + 1 == regi && cr != 1); i += 2) {
		if (i + 1 == regi) { /* an odd last register alone */
			if (first)
				a64_put(p, &np, 0xD400u | i << 5 | (savsz / 8 - 1), 2);
			else
				a64_put(p, &np, 0xD000u | i << 6 | i, 2);
		} else if (first) {
			a64_put(p, &np, 0xCC00u | i << 6 | (savsz / 8 - 1), 2);
		} else {
			a64_put(p, &np, 0xC800u | i << 6 | i, 2);
		}
		first = false;
	}
	if (cr == 1) {
		if ((regi & 1) && first) /* sub sp, sp, #savsz; stp x19, lr, [sp] */
			a64_alloc(p, &np, savsz);
		if (regi & 1) /* stp x(19+RegI-1), lr */
			a64_put(p, &np, 0xD600u | ((regi - 1) / 2) << 6 | (regi - 1), 2);
		else if (first)
			a64_put(p, &np, 0xD400u | 11u << 5 | (savsz / 8 - 1), 2);
		else
			a64_put(p, &np, 0xD000u | 11u << 6 | (intsz / 8 - 1), 2);
		first = false;
	}
	for (unsigned k = 0; k < nfp; k += 2) {
		uint32_t off = (intsz + 8 * k) / 8;
		if (k + 1 == nfp)
			a64_put(p, &np, 0xDC00u | (k & 7) << 6 | off, 2);
		else if (first)
			a64_put(p, &np, 0xDA00u | (k & 7) << 6 | (savsz / 8 - 1), 2);
		else
			a64_put(p, &np, 0xD800u | (k & 7) << 6 | off, 2);
		first = false;
	}
	if (first && savsz) /* only homed registers: the area is allocated first */
		a64_alloc(p, &np, savsz);
	for (unsigned k = 0; h && !epi && k < 4; k++)
		a64_put(p, &np, 0xE3, 1);
	if (cr == 3) {
		if (locsz <= 512) {
			a64_put(p, &np, 0x80u | (locsz / 8 - 1), 1);
		} else {
			if (locsz > 4088) {
				a64_alloc(p, &np, 4080);
				a64_alloc(p, &np, locsz - 4080);
			} else {
				a64_alloc(p, &np, locsz);
			}
			a64_put(p, &np, 0x40, 1);
		}
		if (!epi)
			a64_put(p, &np, 0xE1, 1);
	} else if (locsz > 4088) {
		a64_alloc(p, &np, 4080);
		a64_alloc(p, &np, locsz - 4080);
	} else {
		a64_alloc(p, &np, locsz);
	}
	/* reverse the instructions into unwind order */
	*n = 0;
	size_t starts[64], ns = 0;
	for (size_t at = 0; at < np && ns < 64; at += a64_code_len(p[at]))
		starts[ns++] = at;
	for (size_t k = ns; k-- > 0;)
		for (unsigned i = 0; i < a64_code_len(p[starts[k]]); i++)
			if (*n < A64_MAX_CODES)
				c[(*n)++] = p[starts[k] + i];
	a64_put(c, n, 0xE4, 1);
	return true;
}

/* The caller of pc (lookup address) through the image's unwind data.
 * DK_E_RANGE: no usable exception directory or no record for pc. */
static dk_status a64_unwind(const dk_vmem *m, uint64_t base, uint64_t size, uint64_t lookup_pc,
                            dk_regs *regs)
{
	uint32_t drva, dlen;
	if (!m || !m->read || lookup_pc < base || !a64_exception_dir(m, base, size, &drva, &dlen))
		return DK_E_RANGE;
	uint64_t rva = (lookup_pc & ~3ull) - base;
	size_t lo = 0, hi = dlen / 8 < A64_MAX_RF ? dlen / 8 : A64_MAX_RF;
	uint32_t begin = 0, word = 0;
	bool found = false;
	while (lo < hi) { /* the last record with begin <= rva */
		size_t mid = lo + (hi - lo) / 2;
		uint8_t e[8];
		if (!a64_rd(m, base + drva + 8ull * mid, e, 8))
			return DK_E_RANGE;
		if (dk_le32(e) <= rva) {
			begin = dk_le32(e);
			word = dk_le32(e + 4);
			found = true;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (!found)
		return DK_E_RANGE;
	uint64_t off = rva - begin;
	uint8_t c[A64_MAX_CODES];
	size_t n = 0, start = 0, skip = 0;
	unsigned flag = word & 3;
	if (flag == 3)
		return DK_E_FORMAT;
	if (flag) {
		uint64_t flen = ((word >> 2) & 0x7FF) * 4ull;
		if (off >= flen)
			return DK_E_RANGE;
		uint8_t e[A64_MAX_CODES];
		size_t ne = 0;
		if (!a64_packed_codes(word, false, c, &n) || !a64_packed_codes(word, true, e, &ne))
			return DK_E_FORMAT;
		size_t plen = a64_count(c, n, 0, false), elen = a64_count(e, ne, 0, true);
		if (flag == 1 && off < 4 * plen) {
			skip = plen - (size_t)(off / 4);
		} else if (flag == 1 && off + 4 * elen >= flen) {
			memcpy(c, e, ne);
			n = ne;
			skip = (size_t)((off - (flen - 4 * elen)) / 4);
		} else if (flag == 2) {
			/* a fragment without prolog or epilog: the frame is the
			 * parent's, described the same way */
		}
	} else {
		uint8_t h[8];
		uint64_t x = base + (word & ~3u);
		if (!a64_rd(m, x, h, 8))
			return DK_E_RANGE;
		uint32_t w0 = dk_le32(h);
		uint64_t flen = (w0 & 0x3FFFF) * 4ull;
		if ((w0 >> 18 & 3) != 0)
			return DK_E_FORMAT;
		bool e1 = (w0 >> 21 & 1) != 0;
		uint32_t epi = w0 >> 22 & 0x1F, cw = w0 >> 27 & 0x1F, hdr = 4;
		if (!epi && !cw) {
			uint32_t w1 = dk_le32(h + 4);
			epi = w1 & 0xFFFF;
			cw = w1 >> 16 & 0xFF;
			hdr = 8;
		}
		if (off >= flen)
			return DK_E_RANGE;
		uint32_t nscopes = e1 ? 0 : epi;
		if (nscopes > A64_MAX_SCOPES || cw * 4u > A64_MAX_CODES)
			return DK_E_FORMAT;
		n = cw * 4u;
		if (n && !a64_rd(m, x + hdr + 4ull * nscopes, c, n))
			return DK_E_RANGE;
		size_t plen = a64_count(c, n, 0, false);
		bool in_epilog = false;
		if (e1) {
			size_t elen = epi < n ? a64_count(c, n, epi, true) : 0;
			if (elen && off + 4 * elen >= flen) {
				start = epi;
				skip = (size_t)((off - (flen - 4 * elen)) / 4);
				in_epilog = true;
			}
		}
		for (uint32_t i = 0; i < nscopes && !in_epilog; i++) {
			uint8_t sb[4];
			if (!a64_rd(m, x + hdr + 4ull * i, sb, 4))
				return DK_E_RANGE;
			uint32_t sw = dk_le32(sb), sidx = sw >> 22;
			uint64_t soff = (sw & 0x3FFFF) * 4ull;
			if (sidx >= n || off < soff)
				continue;
			size_t elen = a64_count(c, n, sidx, true);
			if (off < soff + 4 * elen) {
				start = sidx;
				skip = (size_t)((off - soff) / 4);
				in_epilog = true;
			}
		}
		if (!in_epilog && off < 4 * plen)
			skip = plen - (size_t)(off / 4);
	}
	a64_state st = { m, regs, regs->r[DK_ARM64_SP], 0 };
	dk_regs saved = *regs;
	dk_status s = a64_exec(&st, c, n, start, skip);
	if (s != DK_OK) {
		*regs = saved;
		return s;
	}
	if (!(regs->valid >> DK_ARM64_LR & 1)) {
		*regs = saved;
		return DK_E_FORMAT;
	}
	regs->r[DK_ARM64_SP] = st.sp;
	regs->r[DK_ARM64_PC] = regs->r[DK_ARM64_LR];
	regs->valid |= 1ull << DK_ARM64_SP | 1ull << DK_ARM64_PC;
	return DK_OK;
}

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

	/* the module's .pdata/.xdata */
	int m = dk_sw_module(w, dk_sw_lookup_pc(w, idx));
	if (m >= 0) {
		const dk_module *mod = &w->in->modules[m];
		memset(caller, 0, sizeof *caller);
		caller->regs = f->regs;
		/* lr is the frame's own only in the context frame: a caller's
		 * codes must restore it */
		caller->regs.valid &= dk_sf_callee_saved(DK_ARCH_ARM64) | 1ull << DK_ARM64_SP |
		                      (idx ? 0 : 1ull << DK_ARM64_LR);
		dk_status st = a64_unwind(w->in->mem, mod->base, mod->size,
		                          idx ? f->pc - 4 : f->pc, &caller->regs);
		if (st == DK_OK) {
			caller->regs.r[DK_ARM64_PC] = dk_sw_strip_pac(w, caller->regs.r[DK_ARM64_PC]);
			/* the caller's lr is unknown unless its own codes restore it */
			if ((r = dk_sw_try(w, idx, caller, DK_TRUST_CFI, true)) != 0)
				return r > 0;
			dk_sw_note(w, "unwind data", acc, sizeof acc);
		} else if (st == DK_E_FORMAT) {
			snprintf(w->why, sizeof w->why, "unwind data of %s unusable",
			         mod->name ? mod->name : "module");
			dk_sw_note(w, "unwind data", acc, sizeof acc);
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
