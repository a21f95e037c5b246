/* dmpkit — kernel crash analysis: EXCEPTION_RECORD, CONTEXT and KTRAP_FRAME
 * at kernel addresses, trap-frame scans, exception recovery from bugcheck
 * parameters.
 *
 * Layouts: EXCEPTION_RECORD32/64 and EXCEPTION_POINTERS (analysis.md §2.3,
 * tables_offsets.md); KTRAP_FRAME x86 before Windows 8.1 and from 8.1 (the
 * fields before ExceptionList moved down by 4, analysis.md §2.4, Volatility
 * vtypes via tables_offsets.md), x64 0x190 bytes in every build.  The ESP
 * of an x86 kernel-mode trap is &HardwareEsp (ReactOS KiEspFromTrapFrame).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/bugcheck.h>
#include <dmpkit/context.h>
#include <dmpkit/kanalysis.h>
#include <dmpkit/status.h>

#include "internal.h"

#define F(n, o, s) { n, o, s, DK_FT_UINT, DK_DEC_NONE, 0 }
#define FA(n, o, s) { n, o, s, DK_FT_UINT, DK_DEC_NONE, DK_FF_ADDRESS }
#define DESC(var, sname, size) \
	static const dk_struct_desc var = { sname, size, var##_fields, \
		                            sizeof var##_fields / sizeof var##_fields[0] }

/* x86 up to Windows 8 (NT 3.5 .. build 9200) */
static const dk_field trap_x86_old_fields[] = {
	FA("DbgEbp", 0x00, 4), FA("DbgEip", 0x04, 4), F("DbgArgMark", 0x08, 4),
	F("DbgArgPointer", 0x0C, 4), F("TempSegCs", 0x10, 4), FA("TempEsp", 0x14, 4),
	F("Dr0", 0x18, 4), F("Dr1", 0x1C, 4), F("Dr2", 0x20, 4), F("Dr3", 0x24, 4),
	F("Dr6", 0x28, 4), F("Dr7", 0x2C, 4), F("SegGs", 0x30, 4), F("SegEs", 0x34, 4),
	F("SegDs", 0x38, 4), F("Edx", 0x3C, 4), F("Ecx", 0x40, 4), F("Eax", 0x44, 4),
	F("PreviousPreviousMode", 0x48, 4), FA("ExceptionList", 0x4C, 4), F("SegFs", 0x50, 4),
	F("Edi", 0x54, 4), F("Esi", 0x58, 4), F("Ebx", 0x5C, 4), FA("Ebp", 0x60, 4),
	F("ErrCode", 0x64, 4), FA("Eip", 0x68, 4), F("SegCs", 0x6C, 4), F("EFlags", 0x70, 4),
	FA("HardwareEsp", 0x74, 4), F("HardwareSegSs", 0x78, 4), F("V86Es", 0x7C, 4),
	F("V86Ds", 0x80, 4), F("V86Fs", 0x84, 4), F("V86Gs", 0x88, 4),
};
DESC(trap_x86_old, "KTRAP_FRAME (x86, NT 3.5 - 8.0)", 0x8C);

/* x86 from Windows 8.1 (build 9600) */
static const dk_field trap_x86_new_fields[] = {
	FA("DbgEbp", 0x00, 4), FA("DbgEip", 0x04, 4), F("DbgArgMark", 0x08, 4),
	F("TempSegCs", 0x0C, 4), FA("TempEsp", 0x10, 4), F("Dr0", 0x14, 4), F("Dr1", 0x18, 4),
	F("Dr2", 0x1C, 4), F("Dr3", 0x20, 4), F("Dr6", 0x24, 4), F("Dr7", 0x28, 4),
	F("SegGs", 0x2C, 4), F("SegEs", 0x30, 4), F("SegDs", 0x34, 4), F("Edx", 0x38, 4),
	F("Ecx", 0x3C, 4), F("Eax", 0x40, 4), F("PreviousPreviousMode", 0x44, 4),
	F("MxCsr", 0x48, 4), FA("ExceptionList", 0x4C, 4), F("SegFs", 0x50, 4),
	F("Edi", 0x54, 4), F("Esi", 0x58, 4), F("Ebx", 0x5C, 4), FA("Ebp", 0x60, 4),
	F("ErrCode", 0x64, 4), FA("Eip", 0x68, 4), F("SegCs", 0x6C, 4), F("EFlags", 0x70, 4),
	FA("HardwareEsp", 0x74, 4), F("HardwareSegSs", 0x78, 4), F("V86Es", 0x7C, 4),
	F("V86Ds", 0x80, 4), F("V86Fs", 0x84, 4), F("V86Gs", 0x88, 4),
};
DESC(trap_x86_new, "KTRAP_FRAME (x86, 8.1 and later)", 0x8C);

static const dk_field trap_x64_fields[] = {
	F("P1Home", 0x00, 8), F("P2Home", 0x08, 8), F("P3Home", 0x10, 8), F("P4Home", 0x18, 8),
	F("P5", 0x20, 8), F("PreviousMode", 0x28, 1), F("PreviousIrql", 0x29, 1),
	F("FaultIndicator", 0x2A, 1), F("ExceptionActive", 0x2B, 1), F("MxCsr", 0x2C, 4),
	F("Rax", 0x30, 8), F("Rcx", 0x38, 8), F("Rdx", 0x40, 8), F("R8", 0x48, 8),
	F("R9", 0x50, 8), F("R10", 0x58, 8), F("R11", 0x60, 8), FA("FaultAddress", 0xD0, 8),
	F("Dr0", 0xD8, 8), F("Dr1", 0xE0, 8), F("Dr2", 0xE8, 8), F("Dr3", 0xF0, 8),
	F("Dr6", 0xF8, 8), F("Dr7", 0x100, 8), F("SegDs", 0x130, 2), F("SegEs", 0x132, 2),
	F("SegFs", 0x134, 2), F("SegGs", 0x136, 2), FA("TrapFrame", 0x138, 8),
	F("Rbx", 0x140, 8), F("Rdi", 0x148, 8), F("Rsi", 0x150, 8), FA("Rbp", 0x158, 8),
	F("ErrorCode", 0x160, 8), FA("Rip", 0x168, 8), F("SegCs", 0x170, 2),
	F("EFlags", 0x178, 4), FA("Rsp", 0x180, 8), F("SegSs", 0x188, 2),
};
DESC(trap_x64, "KTRAP_FRAME (x64)", 0x190);

const dk_struct_desc *dk_ktrap_desc(dk_arch arch, uint32_t build)
{
	if (arch == DK_ARCH_X86)
		return build >= 9600 ? &trap_x86_new : &trap_x86_old;
	if (arch == DK_ARCH_AMD64)
		return &trap_x64;
	return NULL;
}

static uint64_t fld(const dk_struct_desc *d, const uint8_t *raw, size_t len, const char *name)
{
	const dk_field *f = dk_struct_field(d, name);
	uint64_t v = 0;
	if (f)
		dk_field_get(f, raw, len, &v);
	return v;
}

dk_status dk_kread_exr(dk_kernel *k, uint64_t va, dk_kexr *out, dk_error *err)
{
	memset(out, 0, sizeof *out);
	out->va = va;
	out->bits = dk_kernel_bits(k) == 32 ? 32 : 64;
	out->len = out->bits == 32 ? 0x50 : 0x98;
	dk_status st = dk_kernel_read(k, va, out->raw, out->len, err);
	if (st != DK_OK)
		return st;
	const uint8_t *r = out->raw;
	out->code = dk_le32(r);
	out->flags = dk_le32(r + 4);
	if (out->bits == 32) {
		out->record = dk_le32(r + 8);
		out->address = dk_le32(r + 0xC);
		out->nparams = dk_le32(r + 0x10);
		for (unsigned i = 0; i < 15; i++)
			out->info[i] = dk_le32(r + 0x14 + 4 * i);
	} else {
		out->record = dk_le64(r + 8);
		out->address = dk_le64(r + 0x10);
		out->nparams = dk_le32(r + 0x18);
		for (unsigned i = 0; i < 15; i++)
			out->info[i] = dk_le64(r + 0x20 + 8 * i);
	}
	return DK_OK;
}

static size_t context_size(dk_arch a)
{
	return a == DK_ARCH_X86 ? 0x2CC : a == DK_ARCH_AMD64 ? 0x4D0 : a == DK_ARCH_ARM64 ? 0x390 : 0;
}

dk_status dk_kread_cxr(dk_kernel *k, uint64_t va, dk_kcxr *out, dk_error *err)
{
	memset(out, 0, sizeof *out);
	out->va = va;
	out->arch = dk_kernel_arch(k);
	size_t n = context_size(out->arch);
	if (!n) {
		dk_set_error(err, DK_E_UNSUPPORTED, "CONTEXT: unsupported architecture %s",
		             dk_arch_name(out->arch));
		return DK_E_UNSUPPORTED;
	}
	dk_status st = dk_kernel_read(k, va, out->raw, n, err);
	if (st != DK_OK && out->arch == DK_ARCH_X86) {
		n = 0xCC; /* NT4's CONTEXT stops before ExtendedRegisters */
		st = dk_kernel_read(k, va, out->raw, n, err);
	}
	if (st != DK_OK)
		return st;
	out->len = n;
	out->flags = dk_le32(out->raw + (out->arch == DK_ARCH_AMD64 ? 0x30 : 0));
	return dk_regs_from_context(out->arch, out->raw, n, &out->regs);
}

static void setreg(dk_regs *r, unsigned i, uint64_t v)
{
	r->r[i] = v;
	r->valid |= 1ull << i;
}

/* Decodes a trap frame already in out->raw. */
static void decode_trap(dk_ktrap *t, uint32_t build)
{
	const uint8_t *r = t->raw;
	t->desc = dk_ktrap_desc(t->arch, build);
	memset(&t->regs, 0, sizeof t->regs);
	t->regs.arch = t->arch;
	const dk_struct_desc *d = t->desc;
	if (t->arch == DK_ARCH_X86) {
		static const struct { const char *n; unsigned reg; } m[] = {
			{ "Eax", DK_X86_EAX }, { "Ecx", DK_X86_ECX }, { "Edx", DK_X86_EDX },
			{ "Ebx", DK_X86_EBX }, { "Esi", DK_X86_ESI }, { "Edi", DK_X86_EDI },
			{ "Ebp", DK_X86_EBP }, { "Eip", DK_X86_EIP }, { "EFlags", DK_X86_EFLAGS },
		};
		for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
			setreg(&t->regs, m[i].reg, fld(d, r, t->len, m[i].n));
		t->segcs = fld(d, r, t->len, "SegCs") & 0xFFFF;
		t->eflags = fld(d, r, t->len, "EFlags");
		t->user_mode = (t->segcs & 1) || (t->eflags & 0x20000);
		/* kernel-mode traps do not push ESP: it is &HardwareEsp */
		setreg(&t->regs, DK_X86_ESP,
		       t->user_mode ? fld(d, r, t->len, "HardwareEsp") : (t->va + 0x74) & 0xFFFFFFFFu);
	} else {
		static const struct { const char *n; unsigned reg; } m[] = {
			{ "Rax", DK_AMD64_RAX }, { "Rcx", DK_AMD64_RCX }, { "Rdx", DK_AMD64_RDX },
			{ "R8", DK_AMD64_R8 },   { "R9", DK_AMD64_R9 },   { "R10", DK_AMD64_R10 },
			{ "R11", DK_AMD64_R11 }, { "Rbx", DK_AMD64_RBX }, { "Rdi", DK_AMD64_RDI },
			{ "Rsi", DK_AMD64_RSI }, { "Rbp", DK_AMD64_RBP }, { "Rip", DK_AMD64_RIP },
			{ "Rsp", DK_AMD64_RSP }, { "EFlags", DK_AMD64_EFLAGS },
		};
		for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
			setreg(&t->regs, m[i].reg, fld(d, r, t->len, m[i].n));
		t->segcs = fld(d, r, t->len, "SegCs");
		t->eflags = fld(d, r, t->len, "EFlags");
		t->user_mode = (t->segcs & 3) == 3;
	}
}

dk_status dk_kread_trap(dk_kernel *k, uint64_t va, dk_ktrap *out, dk_error *err)
{
	memset(out, 0, sizeof *out);
	out->va = va;
	out->arch = dk_kernel_arch(k);
	const dk_struct_desc *d = dk_ktrap_desc(out->arch, dk_kernel_build(k));
	if (!d) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "KTRAP_FRAME: no layout for %s (x86 and x64 only)",
		             dk_arch_name(out->arch));
		return DK_E_UNSUPPORTED;
	}
	out->len = d->size;
	dk_status st = dk_kernel_read(k, va, out->raw, out->len, err);
	if (st != DK_OK)
		return st;
	decode_trap(out, dk_kernel_build(k));
	return DK_OK;
}

dk_status dk_kread_exception_pointers(dk_kernel *k, uint64_t va, uint64_t *record,
                                      uint64_t *context, dk_error *err)
{
	uint8_t b[16];
	unsigned w = dk_kernel_bits(k) == 32 ? 4 : 8;
	dk_status st = dk_kernel_read(k, va, b, 2 * w, err);
	if (st != DK_OK)
		return st;
	*record = w == 4 ? dk_le32(b) : dk_le64(b);
	*context = w == 4 ? dk_le32(b + 4) : dk_le64(b + 8);
	return DK_OK;
}

static bool canonical(uint64_t v)
{
	return v < 0x0000800000000000ull || v >= 0xFFFF800000000000ull;
}

size_t dk_ktrap_scan(dk_kernel *k, uint64_t lo, uint64_t hi, uint64_t expect_pc,
                     dk_ktrap *out, size_t max)
{
	dk_arch a = dk_kernel_arch(k);
	uint32_t build = dk_kernel_build(k);
	const dk_struct_desc *d = dk_ktrap_desc(a, build);
	if (!d || hi <= lo)
		return 0;
	if (hi - lo > 1024 * 1024)
		lo = hi - 1024 * 1024;
	size_t n = (size_t)(hi - lo);
	uint8_t *buf = calloc(1, n);
	if (!buf)
		return 0;
	/* read page by page: unreadable pages stay zero */
	for (uint64_t p = lo; p < hi;) {
		uint64_t next = (p | 0xFFF) + 1;
		if (next > hi)
			next = hi;
		dk_kernel_read(k, p, buf + (p - lo), (size_t)(next - p), NULL);
		p = next;
	}
	size_t found = 0;
	if (a == DK_ARCH_X86) {
		uint32_t es_off = build >= 9600 ? 0x30 : 0x34;
		for (size_t off = es_off; off + 8 <= n; off += 4) {
			if (dk_le32(buf + off) != 0x23 || dk_le32(buf + off + 4) != 0x23)
				continue;
			size_t base = off - es_off;
			if (base + 0x8C > n)
				break;
			uint32_t cs = dk_le32(buf + base + 0x6C) & 0xFFFF;
			uint32_t fl = dk_le32(buf + base + 0x70);
			uint32_t eip = dk_le32(buf + base + 0x68);
			if ((cs != 0x08 && cs != 0x1B) || !(fl & 2) || !eip)
				continue;
			if (expect_pc && eip != (expect_pc & 0xFFFFFFFFu))
				continue;
			if (found < max) {
				dk_ktrap *t = &out[found];
				memset(t, 0, sizeof *t);
				t->va = lo + base;
				t->arch = a;
				t->len = 0x8C;
				memcpy(t->raw, buf + base, 0x8C);
				decode_trap(t, build);
			}
			found++;
		}
	} else {
		for (size_t base = 0; base + 0x190 <= n; base += 8) {
			uint64_t cs = dk_le16(buf + base + 0x170);
			uint64_t ss = dk_le16(buf + base + 0x188);
			uint64_t rip = dk_le64(buf + base + 0x168);
			uint64_t rsp = dk_le64(buf + base + 0x180);
			uint32_t fl = dk_le32(buf + base + 0x178);
			if (cs != 0x10 && cs != 0x33)
				continue;
			if (ss != 0x18 && ss != 0x2B && ss != 0)
				continue;
			if (!rip || !rsp || !canonical(rip) || !canonical(rsp) || !(fl & 2))
				continue;
			/* a kernel-mode trap's Rip and Rsp are kernel addresses */
			if (cs == 0x10 && (rip < 0xFFFF800000000000ull || rsp < 0xFFFF800000000000ull))
				continue;
			if (expect_pc && rip != expect_pc)
				continue;
			if (found < max) {
				dk_ktrap *t = &out[found];
				memset(t, 0, sizeof *t);
				t->va = lo + base;
				t->arch = a;
				t->len = 0x190;
				memcpy(t->raw, buf + base, 0x190);
				decode_trap(t, build);
			}
			found++;
		}
	}
	free(buf);
	return found;
}

bool dk_kthread_stack(dk_kernel *k, uint64_t kthread, uint64_t *limit, uint64_t *top)
{
	const dk_profile *p = dk_kernel_profile(k);
	if (!p || !kthread || p->kthread.stack_limit == DK_OFF_NONE ||
	    p->kthread.initial_stack == DK_OFF_NONE)
		return false;
	uint8_t b[8] = { 0 };
	unsigned w = p->ptr;
	if (dk_kernel_read(k, kthread + p->kthread.stack_limit, b, w, NULL) != DK_OK)
		return false;
	*limit = w == 4 ? dk_le32(b) : dk_le64(b);
	if (dk_kernel_read(k, kthread + p->kthread.initial_stack, b, w, NULL) != DK_OK)
		return false;
	*top = w == 4 ? dk_le32(b) : dk_le64(b);
	return *limit && *top > *limit && *top - *limit <= 1024 * 1024;
}

static void add_text(dk_kexception *x, const char *t)
{
	size_t l = strlen(x->source);
	if (l && l + 2 < sizeof x->source) {
		x->source[l++] = ';';
		x->source[l++] = ' ';
		x->source[l] = 0;
	}
	if (l < sizeof x->source)
		dk_strlcpy(x->source + l, t, sizeof x->source - l);
}

static void add_source(dk_kexception *x, const char *what, uint64_t v, unsigned param)
{
	char tmp[120];
	snprintf(tmp, sizeof tmp, "parameter %u: %s at 0x%llx", param, what, (unsigned long long)v);
	add_text(x, tmp);
}

static bool use_context(dk_kernel *k, dk_kexception *x, uint64_t va)
{
	dk_kcxr c;
	if (!va || dk_kread_cxr(k, va, &c, NULL) != DK_OK)
		return false;
	if (!dk_regs_pc(&c.regs) && !dk_regs_sp(&c.regs))
		return false;
	x->have_context = true;
	x->context_va = va;
	x->regs = c.regs;
	return true;
}

static bool use_record(dk_kernel *k, dk_kexception *x, uint64_t va)
{
	if (!va || dk_kread_exr(k, va, &x->record, NULL) != DK_OK)
		return false;
	x->have_record = true;
	x->record_va = va;
	x->exception_address = x->record.address;
	return true;
}

static bool use_trap(dk_kernel *k, dk_kexception *x, uint64_t va)
{
	dk_ktrap t;
	if (!va || dk_kread_trap(k, va, &t, NULL) != DK_OK)
		return false;
	x->have_context = true;
	x->trap_va = va;
	x->regs = t.regs;
	return true;
}

/* An exception filter's argument: an EXCEPTION_POINTERS on the stack
 * whose record's ExceptionAddress and context's pc are the exception
 * address (analysis.md §4.3 (a) 3). */
static bool find_pointer_pair(dk_kernel *k, uint64_t lo, uint64_t hi, dk_kexception *x)
{
	unsigned w = dk_kernel_bits(k) == 32 ? 4 : 8;
	uint64_t mask = w == 4 ? 0xFFFFFFFFu : ~0ull;
	uint64_t want = x->exception_address & mask;
	if (hi - lo > 1024 * 1024)
		lo = hi - 1024 * 1024;
	size_t n = (size_t)(hi - lo);
	uint8_t *buf = calloc(1, n);
	if (!buf)
		return false;
	for (uint64_t p = lo; p < hi;) {
		uint64_t next = (p | 0xFFF) + 1;
		if (next > hi)
			next = hi;
		dk_kernel_read(k, p, buf + (p - lo), (size_t)(next - p), NULL);
		p = next;
	}
	bool found = false;
	for (size_t off = 0; off + 2 * w <= n && !found; off += w) {
		uint64_t er = w == 4 ? dk_le32(buf + off) : dk_le64(buf + off);
		uint64_t cx = w == 4 ? dk_le32(buf + off + w) : dk_le64(buf + off + 8);
		/* both kernel pointers, the record below the context or apart */
		if (!er || !cx || er == cx || (w == 8 && (er < 0xFFFF800000000000ull ||
		                                          cx < 0xFFFF800000000000ull)) ||
		    (w == 4 && (er < 0x80000000u || cx < 0x80000000u)))
			continue;
		dk_kexr r;
		dk_kcxr c;
		if (dk_kread_exr(k, er, &r, NULL) != DK_OK || (r.address & mask) != want)
			continue;
		if (dk_kread_cxr(k, cx, &c, NULL) != DK_OK || (dk_regs_pc(&c.regs) & mask) != want)
			continue;
		x->record = r;
		x->have_record = true;
		x->record_va = er;
		x->have_context = true;
		x->context_va = cx;
		x->regs = c.regs;
		x->pointers_va = lo + off;
		char tmp[160];
		snprintf(tmp, sizeof tmp,
		         "EXCEPTION_POINTERS at 0x%llx found on the bugchecking thread's stack "
		         "(an exception filter's argument)",
		         (unsigned long long)(lo + off));
		add_text(x, tmp);
		found = true;
	}
	free(buf);
	return found;
}

bool dk_kernel_recover_exception(dk_kernel *k, uint32_t code, const uint64_t params[4],
                                 uint64_t thread, dk_kexception *out)
{
	memset(out, 0, sizeof *out);
	const dk_bugcheck_explanation *e = dk_bugcheck_explain(code);
	uint64_t mask = dk_kernel_bits(k) == 32 ? 0xFFFFFFFFu : ~0ull;
	if (e) {
		for (unsigned i = 0; i < 4; i++) {
			dk_bugcheck_param p = dk_bugcheck_param_of(e, params, i);
			uint64_t v = params[i] & mask;
			switch (p.kind) {
			case DK_BCP_CODE_ADDRESS:
				if (!out->exception_address)
					out->exception_address = v;
				break;
			case DK_BCP_EXCEPTION_RECORD:
				if (!out->have_record && use_record(k, out, v))
					add_source(out, "EXCEPTION_RECORD", v, i + 1);
				break;
			case DK_BCP_CONTEXT:
				if (!out->have_context && use_context(k, out, v))
					add_source(out, "CONTEXT", v, i + 1);
				break;
			case DK_BCP_TRAP_FRAME:
				if (!out->have_context && use_trap(k, out, v))
					add_source(out, "KTRAP_FRAME", v, i + 1);
				break;
			case DK_BCP_EXCEPTION_POINTERS: {
				uint64_t er, cx;
				if (v && dk_kread_exception_pointers(k, v, &er, &cx, NULL) == DK_OK) {
					out->pointers_va = v;
					bool a = !out->have_record && use_record(k, out, er);
					bool b = !out->have_context && use_context(k, out, cx);
					if (a || b)
						add_source(out, "EXCEPTION_POINTERS", v,
						           i + 1);
				}
				break;
			}
			default:
				break;
			}
		}
	}
	if (out->have_record && out->record.address)
		out->exception_address = out->record.address;
	if (out->have_context)
		return true;
	/* no context in the parameters: scan the thread's stack for a trap
	 * frame whose pc is the exception address */
	if (!thread) {
		dk_kcpu *cpus = NULL;
		size_t nc = 0;
		if (dk_kernel_cpus(k, &cpus, &nc, NULL) == DK_OK && nc)
			thread = cpus[0].current_thread;
		free(cpus);
	}
	uint64_t lo, hi;
	if (!out->exception_address) {
		add_text(out, "no exception address to look for");
		return out->have_record;
	}
	if (!dk_kthread_stack(k, thread, &lo, &hi)) {
		add_text(out, "the bugchecking thread's stack bounds are unknown");
		return out->have_record;
	}
	if (find_pointer_pair(k, lo, hi, out))
		return true;
	dk_ktrap t;
	if (dk_ktrap_scan(k, lo, hi, out->exception_address, &t, 1)) {
		out->have_context = true;
		out->trap_va = t.va;
		out->regs = t.regs;
		char tmp[160];
		snprintf(tmp, sizeof tmp,
		         "trap frame at 0x%llx found by scanning the stack of thread 0x%llx",
		         (unsigned long long)t.va, (unsigned long long)thread);
		add_text(out, tmp);
		return true;
	}
	add_text(out, "no trap frame with the exception address on the thread's stack");
	return out->have_record;
}

static dk_status mread(dk_kernel *k, const dk_vmem *mem, uint64_t va, void *buf, size_t len)
{
	if (mem)
		return mem->read(mem->ctx, va, buf, len);
	return dk_kernel_read(k, va, buf, len, NULL);
}

/* The record at er and the context at cx (through mem), decoded into out
 * (record, regs); false when either is unreadable or the context has no pc. */
static bool read_records(dk_kernel *k, const dk_vmem *mem, uint64_t er, uint64_t cx,
                         dk_kexception *out)
{
	unsigned w = dk_kernel_bits(k) == 32 ? 4 : 8;
	if (!er || !cx)
		return false;
	/* the record, decoded like dk_kread_exr */
	dk_kexr *r = &out->record;
	r->va = er;
	r->bits = w * 8;
	r->len = w == 4 ? 0x50 : 0x98;
	if (mread(k, mem, er, r->raw, r->len) != DK_OK)
		return false;
	r->code = dk_le32(r->raw);
	r->flags = dk_le32(r->raw + 4);
	r->record = w == 4 ? dk_le32(r->raw + 8) : dk_le64(r->raw + 8);
	r->address = w == 4 ? dk_le32(r->raw + 0xC) : dk_le64(r->raw + 0x10);
	r->nparams = dk_le32(r->raw + (w == 4 ? 0x10 : 0x18));
	for (unsigned i = 0; i < 15; i++)
		r->info[i] = w == 4 ? dk_le32(r->raw + 0x14 + 4 * i) : dk_le64(r->raw + 0x20 + 8 * i);
	dk_arch a = dk_kernel_arch(k);
	size_t n = context_size(a);
	uint8_t *c = calloc(1, n ? n : 1);
	if (!n || !c) {
		free(c);
		return false;
	}
	dk_status st = mread(k, mem, cx, c, n);
	if (st != DK_OK && a == DK_ARCH_X86 && mread(k, mem, cx, c, 0xCC) == DK_OK) {
		n = 0xCC;
		st = DK_OK;
	}
	out->context_flags = dk_le32(c + (a == DK_ARCH_AMD64 ? 0x30 : 0));
	if (st == DK_OK)
		st = dk_regs_from_context(a, c, n, &out->regs);
	free(c);
	return st == DK_OK && dk_regs_pc(&out->regs);
}

bool dk_exception_from_pointers(dk_kernel *k, const dk_vmem *mem, uint64_t pointers_va,
                                uint64_t expect_pc, const char *what, dk_kexception *out)
{
	memset(out, 0, sizeof *out);
	unsigned w = dk_kernel_bits(k) == 32 ? 4 : 8;
	uint64_t mask = w == 4 ? 0xFFFFFFFFu : ~0ull;
	uint8_t b[16];
	if (!pointers_va || mread(k, mem, pointers_va, b, 2 * w) != DK_OK)
		return false;
	uint64_t er = w == 4 ? dk_le32(b) : dk_le64(b);
	uint64_t cx = w == 4 ? dk_le32(b + 4) : dk_le64(b + 8);
	if (!read_records(k, mem, er, cx, out))
		return false;
	const dk_kexr *r = &out->record;
	if (expect_pc && (r->address & mask) != (expect_pc & mask) &&
	    (dk_regs_pc(&out->regs) & mask) != (expect_pc & mask))
		return false;
	out->have_record = out->have_context = true;
	out->record_va = er;
	out->context_va = cx;
	out->pointers_va = pointers_va;
	out->exception_address = r->address;
	snprintf(out->source, sizeof out->source, "%s: EXCEPTION_POINTERS at 0x%llx",
	         what ? what : "exception filter argument", (unsigned long long)pointers_va);
	return true;
}

/* KiUserExceptionDispatcher's arguments at its entry stack pointer:
 *   x86: [esp] = EXCEPTION_RECORD *, [esp+4] = CONTEXT * (ReactOS
 *        dll/ntdll/dispatch/i386/dispatch.S, _KiUserExceptionDispatcher@8:
 *        "mov ecx, [esp+4]" Context, "mov ebx, [esp]" ExceptionRecord);
 *   x64: the CONTEXT itself at rsp and the EXCEPTION_RECORD at rsp + 0x4F0,
 *        after the 0x4D0-byte CONTEXT and 0x20 bytes (Wine
 *        dlls/ntdll/signal_x86_64.c, KiUserExceptionDispatcher: "mov
 *        %rsp,%rdx /" context, "lea 0x4f0(%rsp),%rcx /" rec).
 * A walk gives the dispatcher frame's sp, which is the entry rsp on x64
 * (the dispatcher allocates nothing before its calls) and at most a few
 * pushes below the entry esp on x86 (the pointers it pushes for
 * RtlDispatchException are a copy of the same pair), so [sp, sp + 0x40] is
 * searched.  A candidate is accepted when the CONTEXT's ContextFlags has
 * the architecture's bit (CONTEXT_i386 0x10000, CONTEXT_AMD64 0x100000) and
 * the record's ExceptionAddress equals the context's pc. */
#define DISPATCHER_WINDOW 0x40
#define DISPATCHER_X64_RECORD 0x4F0

bool dk_exception_from_dispatcher(dk_kernel *k, const dk_vmem *mem, uint64_t sp,
                                  const char *what, dk_kexception *out)
{
	memset(out, 0, sizeof *out);
	dk_arch a = dk_kernel_arch(k);
	if ((a != DK_ARCH_X86 && a != DK_ARCH_AMD64) || !sp)
		return false;
	unsigned w = a == DK_ARCH_X86 ? 4 : 8;
	uint64_t mask = w == 4 ? 0xFFFFFFFFu : ~0ull;
	uint32_t flag = a == DK_ARCH_X86 ? 0x10000u : 0x100000u;
	for (uint64_t off = 0; off <= DISPATCHER_WINDOW; off += w) {
		uint64_t at, er, cx;
		if (!dk_add_ok(sp, off, &at) || (w == 4 && at > 0xFFFFFFFFu - 8))
			break;
		if (a == DK_ARCH_X86) {
			uint8_t b[8];
			if (mread(k, mem, at, b, 8) != DK_OK)
				continue;
			er = dk_le32(b);
			cx = dk_le32(b + 4);
		} else {
			cx = at;
			if (!dk_add_ok(at, DISPATCHER_X64_RECORD, &er))
				break;
		}
		dk_kexception x;
		memset(&x, 0, sizeof x);
		if (!read_records(k, mem, er, cx, &x) || !(x.context_flags & flag) ||
		    (x.record.address & mask) != (dk_regs_pc(&x.regs) & mask))
			continue;
		*out = x;
		out->have_record = out->have_context = true;
		out->record_va = er;
		out->context_va = cx;
		out->pointers_va = a == DK_ARCH_X86 ? at : 0;
		out->exception_address = x.record.address;
		if (a == DK_ARCH_X86)
			snprintf(out->source, sizeof out->source,
			         "%s: EXCEPTION_RECORD at 0x%llx and CONTEXT at 0x%llx, the pointer "
			         "pair at 0x%llx",
			         what ? what : "KiUserExceptionDispatcher frame", (unsigned long long)er,
			         (unsigned long long)cx, (unsigned long long)at);
		else
			snprintf(out->source, sizeof out->source,
			         "%s: CONTEXT at 0x%llx (the entry rsp), EXCEPTION_RECORD at 0x%llx "
			         "(rsp+0x4f0)",
			         what ? what : "KiUserExceptionDispatcher frame", (unsigned long long)cx,
			         (unsigned long long)er);
		return true;
	}
	return false;
}

/* The user-mode KTRAP_FRAME near the top of a kernel stack (see the
 * header).  User space ends at 0x80000000 (x86; 3 GiB user space is not
 * considered) or 0x800000000000 (x64). */
bool dk_ktrap_scan_user(dk_kernel *k, uint64_t top, uint64_t span, dk_ktrap *out)
{
	memset(out, 0, sizeof *out);
	dk_arch a = dk_kernel_arch(k);
	uint32_t build = dk_kernel_build(k);
	const dk_struct_desc *d = dk_ktrap_desc(a, build);
	if (!d || !top || span < d->size)
		return false;
	if (span > 0x4000)
		span = 0x4000;
	if (span > top)
		span = top;
	uint64_t lo = top - span;
	size_t n = (size_t)span;
	uint8_t *buf = calloc(1, n);
	if (!buf)
		return false;
	for (uint64_t p = lo; p < top;) {
		uint64_t next = (p | 0xFFF) + 1;
		if (next > top)
			next = top;
		dk_kernel_read(k, p, buf + (p - lo), (size_t)(next - p), NULL);
		p = next;
	}
	bool found = false;
	unsigned step = a == DK_ARCH_X86 ? 4 : 8;
	/* from the top down: the user trap frame is the first one pushed */
	for (size_t base = (n - d->size) / step * step;; base -= step) {
		const uint8_t *f = buf + base;
		bool ok;
		if (a == DK_ARCH_X86) {
			size_t es = build >= 9600 ? 0x30 : 0x34;
			uint32_t eip = dk_le32(f + 0x68), esp = dk_le32(f + 0x74);
			ok = dk_le32(f + es) == 0x23 && dk_le32(f + es + 4) == 0x23 &&
			     (dk_le32(f + 0x6C) & 0xFFFF) == 0x1B && (dk_le32(f + 0x78) & 0xFFFF) == 0x23 &&
			     (dk_le32(f + 0x70) & 0x202) == 0x202 && eip && eip < 0x80000000u && esp &&
			     esp < 0x80000000u;
		} else {
			uint64_t rip = dk_le64(f + 0x168), rsp = dk_le64(f + 0x180);
			ok = dk_le16(f + 0x170) == 0x33 && dk_le16(f + 0x188) == 0x2B &&
			     (dk_le32(f + 0x178) & 0x202) == 0x202 && rip && rip < 0x0000800000000000ull &&
			     rsp && rsp < 0x0000800000000000ull;
		}
		if (ok) {
			out->va = lo + base;
			out->arch = a;
			out->len = d->size;
			memcpy(out->raw, f, d->size);
			decode_trap(out, build);
			found = true;
			break;
		}
		if (base < step)
			break;
	}
	free(buf);
	return found;
}
