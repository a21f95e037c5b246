/* dmpkit command line — stacks and registers of kernel dumps (kb-like
 * output), shared by stack, exr, cxr, trap and analyze.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dmpkit/disasm.h>

#include "kstack.h"

static dk_status kread(void *ctx, uint64_t va, void *buf, size_t len)
{
	return dk_kernel_read(ctx, va, buf, len, NULL);
}

static int cmp_kmod(const void *a, const void *b)
{
	const dk_kmodule *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

void kstack_open(kstack *s, dk_kernel *k, size_t max_frames)
{
	memset(s, 0, sizeof *s);
	s->k = k;
	s->arch = dk_kernel_arch(k);
	s->ptr = dk_kernel_bits(k) == 32 ? 4 : 8;
	s->mem.ctx = k;
	s->mem.read = kread;
	s->max_frames = max_frames ? max_frames : 64;
	dk_walk_status ws;
	dk_error e;
	size_t n = 0;
	if (dk_kernel_modules(k, &s->kmods, &n, &ws, &e) == DK_OK && n) {
		qsort(s->kmods, n, sizeof *s->kmods, cmp_kmod);
		s->mods = calloc(n, sizeof *s->mods);
		if (s->mods) {
			for (size_t i = 0; i < n; i++) {
				s->mods[i].base = s->kmods[i].base;
				s->mods[i].size = s->kmods[i].size;
				s->mods[i].name = s->kmods[i].name;
				s->mods[i].path = s->kmods[i].path;
			}
			s->nmods = n;
		}
	}
	if (dk_ksyms_open(k, NULL, &s->syms, &e) != DK_OK)
		s->syms = NULL;
}

void kstack_close(kstack *s)
{
	if (s->syms)
		dk_ksyms_close(s->syms);
	free(s->mods);
	free(s->kmods);
	memset(s, 0, sizeof *s);
}

static const char *hex(const kstack *s, uint64_t v, char *buf, size_t size)
{
	if (s->ptr == 4)
		snprintf(buf, size, "%08" PRIx64, v & 0xFFFFFFFFu);
	else
		snprintf(buf, size, "%016" PRIx64, v);
	return buf;
}

const char *kstack_sym(kstack *s, uint64_t va, char *buf, size_t size)
{
	dk_ksym ks;
	if (s->syms && dk_ksyms_lookup(s->syms, va, &ks)) {
		snprintf(buf, size, "%s", ks.text);
		return buf;
	}
	int m = dk_module_find(s->mods, s->nmods, va);
	if (m >= 0) {
		snprintf(buf, size, "%s+0x%" PRIx64, s->mods[m].name, va - s->mods[m].base);
		return buf;
	}
	char h[24];
	snprintf(buf, size, "0x%s", hex(s, va, h, sizeof h));
	return buf;
}

const char *kstack_module(kstack *s, uint64_t va, char *buf, size_t size)
{
	int m = dk_module_find(s->mods, s->nmods, va);
	snprintf(buf, size, "%s", m >= 0 ? s->mods[m].name : "");
	return buf;
}

void kstack_walk(kstack *s, const dk_regs *start, uint64_t lo, uint64_t hi, dk_walk_result *r)
{
	dk_walk_input in;
	memset(&in, 0, sizeof in);
	in.arch = s->arch;
	in.mem = &s->mem;
	in.modules = s->mods;
	in.nmodules = s->nmods;
	in.start = *start;
	in.start.arch = s->arch;
	in.stack_limit = lo;
	in.stack_base = hi;
	in.max_frames = s->max_frames;
	r->count = 0;
	r->stop_reason[0] = 0;
	dk_error e;
	if (dk_stackwalk(&in, r, &e) != DK_OK && !r->stop_reason[0])
		snprintf(r->stop_reason, sizeof r->stop_reason, "%.120s", e.message);
}

void kstack_print(kstack *s, const dk_walk_result *r, const char *indent)
{
	const char *sp_h = s->ptr == 4 ? "ChildEBP" : "Child-SP        ";
	const char *ra_h = s->ptr == 4 ? "RetAddr " : "RetAddr         ";
	printf("%s # %s %s Args to Child%s Call Site\n", indent, sp_h, ra_h,
	       s->ptr == 4 ? "                        " : "                                    "
	                                                    "                    ");
	for (size_t i = 0; i < r->count; i++) {
		const dk_frame *f = &r->frames[i];
		char a[24], b[24], sym[300];
		uint64_t ret = i + 1 < r->count ? r->frames[i + 1].pc : 0;
		/* kb shows ChildEBP on x86, Child-SP on 64-bit */
		uint64_t child = s->arch == DK_ARCH_X86 && f->fp ? f->fp : f->sp;
		printf("%s%02zx %s %s", indent, i, hex(s, child, a, sizeof a), hex(s, ret, b, sizeof b));
		for (int k = 0; k < 4; k++) {
			char c[24];
			printf(" %s", hex(s, f->args[k], c, sizeof c));
		}
		printf(" %s (%s)\n", kstack_sym(s, f->pc, sym, sizeof sym), dk_frame_trust_name(f->trust));
	}
	if (r->stop_reason[0])
		printf("%s(stack walk stopped: %s)\n", indent, r->stop_reason);
}

static const char *trust_json(dk_frame_trust t)
{
	switch (t) {
	case DK_TRUST_CONTEXT: return "context";
	case DK_TRUST_CFI: return "cfi";
	case DK_TRUST_TRAP: return "trap_frame";
	case DK_TRUST_FP: return "frame_pointer";
	default: return "scan";
	}
}

void kstack_json(json *j, kstack *s, const dk_walk_result *r)
{
	json_begin_object(j);
	json_key(j, "frames");
	json_begin_array(j);
	for (size_t i = 0; i < r->count; i++) {
		const dk_frame *f = &r->frames[i];
		char sym[300], mod[80];
		json_begin_object(j);
		json_key(j, "frame");
		json_u64(j, i);
		json_key(j, "child_sp");
		json_hex(j, f->sp);
		json_key(j, "frame_pointer");
		json_hex(j, f->fp);
		json_key(j, "pc");
		json_hex(j, f->pc);
		json_key(j, "return_address");
		if (i + 1 < r->count)
			json_hex(j, r->frames[i + 1].pc);
		else
			json_null(j);
		json_key(j, "args");
		json_begin_array(j);
		for (int k = 0; k < 4; k++)
			json_hex(j, f->args[k]);
		json_end_array(j);
		json_key(j, "module");
		kstack_module(s, f->pc, mod, sizeof mod);
		if (mod[0])
			json_string(j, mod);
		else
			json_null(j);
		json_key(j, "symbol");
		json_string(j, kstack_sym(s, f->pc, sym, sizeof sym));
		json_key(j, "trust");
		json_string(j, trust_json(f->trust));
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "stop_reason");
	json_string(j, r->stop_reason);
	json_end_object(j);
}

const char *kstack_reg_name(dk_arch arch, unsigned i)
{
	static const char *const x86[] = { "eax", "ecx", "edx", "ebx", "esp",
	                                   "ebp", "esi", "edi", "eip", "efl" };
	static const char *const x64[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
	                                   "rsi", "rdi", "r8",  "r9",  "r10", "r11",
	                                   "r12", "r13", "r14", "r15", "rip", "efl" };
	static const char *const a64[] = { "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",
	                                   "x7",  "x8",  "x9",  "x10", "x11", "x12", "x13",
	                                   "x14", "x15", "x16", "x17", "x18", "x19", "x20",
	                                   "x21", "x22", "x23", "x24", "x25", "x26", "x27",
	                                   "x28", "fp",  "lr",  "sp",  "pc",  "cpsr" };
	if (arch == DK_ARCH_X86)
		return i < 10 ? x86[i] : NULL;
	if (arch == DK_ARCH_AMD64)
		return i < 18 ? x64[i] : NULL;
	if (arch == DK_ARCH_ARM64)
		return i < 34 ? a64[i] : NULL;
	return NULL;
}

void kstack_print_regs(const kstack *s, const dk_regs *r, const char *indent)
{
	unsigned col = 0;
	for (unsigned k = 0; k < DK_MAX_REGS; k++) {
		const char *n = kstack_reg_name(s->arch, k);
		if (!n || !(r->valid >> k & 1))
			continue;
		char v[24];
		printf("%s%4s=%s", col % 4 == 0 ? indent : " ", n, hex(s, r->r[k], v, sizeof v));
		if (++col % 4 == 0)
			printf("\n");
	}
	if (col % 4)
		printf("\n");
}

void kstack_json_regs(json *j, const kstack *s, const dk_regs *r)
{
	json_begin_object(j);
	for (unsigned k = 0; k < DK_MAX_REGS; k++) {
		const char *n = kstack_reg_name(s->arch, k);
		if (!n || !(r->valid >> k & 1))
			continue;
		json_key(j, n);
		json_hex(j, r->r[k]);
	}
	json_end_object(j);
}

bool kstack_insn(kstack *s, uint64_t pc, const dk_regs *regs, dk_insn *out)
{
	if (s->arch != DK_ARCH_X86 && s->arch != DK_ARCH_AMD64)
		return false;
	uint8_t code[15];
	for (size_t n = sizeof code; n > 0; n--) {
		if (dk_kernel_read(s->k, pc, code, n, NULL) != DK_OK)
			continue;
		dk_error e;
		return dk_disasm(s->arch, code, n, pc, regs, out, &e) == DK_OK;
	}
	return false;
}

bool kstack_cpu_regs(kstack *s, dk_kdump *dump, const dk_kcpu *cpu, dk_regs *r,
                     const char **from)
{
	dk_kcxr c;
	if (cpu->context && dk_kread_cxr(s->k, cpu->context, &c, NULL) == DK_OK && c.regs.valid &&
	    dk_regs_pc(&c.regs)) {
		*r = c.regs;
		*from = "the processor's saved CONTEXT";
		return true;
	}
	if (cpu->from_triage || cpu->number == 0) {
		size_t len;
		const dk_struct_desc *d;
		const uint8_t *ctx = dk_kdump_context(dump, &len, &d);
		if (ctx && dk_regs_from_context(s->arch, ctx, len, r) == DK_OK && r->valid &&
		    dk_regs_pc(r)) {
			*from = "the dump header's context record";
			return true;
		}
	}
	return false;
}

bool kstack_is_kernel_core(const char *file)
{
	static const char *const core[] = { "ntoskrnl.exe", "ntkrnlmp.exe", "ntkrnlpa.exe",
		                            "ntkrpamp.exe", "hal.dll", "halmacpi.dll",
		                            "halacpi.dll" };
	for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
		if (!strcasecmp(file, core[i]))
			return true;
	return false;
}

/* Functions that only raise or dispatch an exception for their caller:
 * "Probably caused by" names the first frame after them.  `module` NULL:
 * any module (the C++ runtime's _CxxThrowException is often linked
 * statically into the program).  Names are compared without leading
 * underscores and without an x86 stdcall "@N" suffix. */
static const struct {
	const char *module;
	const char *symbol;
} raise_helpers[] = {
	{ NULL, "CxxThrowException" },
	{ "kernel32.dll", "RaiseException" },
	{ "kernelbase.dll", "RaiseException" },
	{ "ntdll.dll", "RtlRaiseException" },
	{ "ntdll.dll", "RtlRaiseStatus" },
	{ "ntdll.dll", "KiUserExceptionDispatcher" },
	{ "ntdll.dll", "RtlDispatchException" },
	{ "ntdll.dll", "ZwRaiseException" },
	{ "ntdll.dll", "NtRaiseException" },
};

/* "_CxxThrowException@8" -> "CxxThrowException" */
static void bare_symbol(const char *sym, char *out, size_t size)
{
	while (*sym == '_')
		sym++;
	snprintf(out, size, "%s", sym);
	char *at = strrchr(out, '@');
	if (at && at[1]) {
		char *d = at + 1;
		while (*d >= '0' && *d <= '9')
			d++;
		if (!*d)
			*at = 0;
	}
}

bool kstack_is_raise_helper(const char *module, const char *symbol)
{
	if (!symbol || !*symbol)
		return false;
	char bare[160];
	bare_symbol(symbol, bare, sizeof bare);
	for (size_t i = 0; i < sizeof raise_helpers / sizeof raise_helpers[0]; i++) {
		if (strcmp(bare, raise_helpers[i].symbol))
			continue;
		if (!raise_helpers[i].module ||
		    (module && !strcasecmp(module, raise_helpers[i].module)))
			return true;
	}
	return false;
}

bool kstack_is_user_system(const char *module)
{
	static const char *const sys[] = { "ntdll.dll",   "kernel32.dll",     "kernelbase.dll",
		                           "msvcrt.dll",  "user32.dll",       "ucrtbase.dll",
		                           "vcruntime140.dll", "vcruntime140_1.dll" };
	for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
		if (!strcasecmp(module, sys[i]))
			return true;
	return false;
}

/* Whether "Probably caused by" may name va: it is in a module that is
 * neither the kernel core (kernel stacks) nor a user-mode system DLL
 * (user stacks), and not in a raise helper. */
static bool blamable(kstack *s, uint64_t va, bool user)
{
	char mod[80];
	if (!kstack_module(s, va, mod, sizeof mod)[0])
		return false;
	if (user ? kstack_is_user_system(mod) : kstack_is_kernel_core(mod))
		return false;
	dk_ksym ks;
	if (s->syms && dk_ksyms_lookup(s->syms, va, &ks) && kstack_is_raise_helper(mod, ks.symbol))
		return false;
	return true;
}

long kstack_culprit_frame(kstack *s, const dk_walk_result *r, bool user)
{
	for (size_t i = 0; r && i < r->count; i++)
		if (blamable(s, r->frames[i].pc, user))
			return (long)i;
	return -1;
}

bool kstack_fault_va(kstack *s, const dk_kexception *x, const dk_walk_result *crash,
                     const uint64_t p[4], const dk_bugcheck_explanation *e, uint64_t *out)
{
	char mod[80];
	if (x->exception_address && blamable(s, x->exception_address, false)) {
		*out = x->exception_address;
		return true;
	}
	long f = kstack_culprit_frame(s, crash, false);
	if (f >= 0) {
		*out = crash->frames[f].pc;
		return true;
	}
	for (unsigned i = 0; e && i < 4; i++) {
		dk_bugcheck_param bp = dk_bugcheck_param_of(e, p, i);
		if (bp.kind == DK_BCP_CODE_ADDRESS && kstack_module(s, p[i], mod, sizeof mod)[0]) {
			*out = p[i];
			return true;
		}
	}
	*out = x->exception_address ? x->exception_address
	       : crash && crash->count ? crash->frames[0].pc : 0;
	return *out != 0;
}
