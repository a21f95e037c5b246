/* dmpkit analyze on kernel dumps: the bugcheck explained, its exception and
 * context recovered (analysis.md §4.3), the faulting instruction, the
 * stack of the bugchecking thread and of every processor's current thread,
 * and the module that probably caused the crash.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dmpkit/bugcheck.h>
#include <dmpkit/disasm.h>
#include <dmpkit/kanalysis.h>
#include <dmpkit/status.h>

#include "kstack.h"

typedef struct kcpu_stack {
	dk_kcpu cpu;
	bool have;
	char from[120];
	dk_regs regs;
	dk_frame *frames;
	dk_walk_result r;
} kcpu_stack;

/* The culprit's module and symbol ("" when none). */
static void probable_cause(kstack *s, const dk_kexception *x, const dk_walk_result *crash,
                           const uint64_t p[4], const dk_bugcheck_explanation *e, char *buf,
                           size_t size)
{
	char mod[80], sym[300];
	uint64_t a;
	buf[0] = 0;
	if (kstack_fault_va(s, x, crash, p, e, &a) && kstack_module(s, a, mod, sizeof mod)[0])
		snprintf(buf, size, "%s (%s)", mod, kstack_sym(s, a, sym, sizeof sym));
}

static void walk_cpus(kcli *c, kstack *s, kcpu_stack **out, size_t *n)
{
	dk_kcpu *cpus = NULL;
	*out = NULL;
	*n = 0;
	if (dk_kernel_cpus(c->k, &cpus, n, NULL) != DK_OK || !*n) {
		free(cpus);
		*n = 0;
		return;
	}
	kcpu_stack *cs = calloc(*n, sizeof *cs);
	if (!cs) {
		free(cpus);
		*n = 0;
		return;
	}
	for (size_t i = 0; i < *n; i++) {
		const char *from = "";
		cs[i].cpu = cpus[i];
		cs[i].have = kstack_cpu_regs(s, c->dump, &cpus[i], &cs[i].regs, &from);
		snprintf(cs[i].from, sizeof cs[i].from, "%s", from);
		cs[i].frames = calloc(s->max_frames, sizeof *cs[i].frames);
		cs[i].r.frames = cs[i].frames;
		if (cs[i].have && cs[i].frames) {
			uint64_t lo = 0, hi = 0;
			if (!dk_kthread_stack(c->k, cpus[i].current_thread, &lo, &hi))
				lo = hi = 0;
			kstack_walk(s, &cs[i].regs, lo, hi, &cs[i].r);
		}
	}
	free(cpus);
	*out = cs;
}

static void json_opt_string(json *j, const char *key, const char *v)
{
	json_key(j, key);
	if (v && *v)
		json_string(j, v);
	else
		json_null(j);
}

static int cmp_kmod_base(const void *a, const void *b)
{
	const dk_kmodule *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* ---- the user-mode pass (issue 5, story 2): a process whose thread
 * called UnhandledExceptionFilter; its first argument is the
 * EXCEPTION_POINTERS (analysis.md §4.3) ---- */

typedef struct upass {
	bool found;
	char why[200];             /* when not found */
	dk_kprocess proc;
	dk_kthread thr;
	dk_vas *vas;
	dk_vmem mem;
	dk_kmodule *umods;
	dk_module *mods;
	size_t nmods;
	dk_ksyms *syms;
	uint64_t trap_va;
	const char *trap_how;      /* how the user-mode trap frame was found */
	dk_walk_result tr;         /* the thread's own walk, from its trap frame */
	dk_frame *tframes;
	size_t filter_index;
	dk_kexception x;
	dk_walk_result xr;         /* the walk from the recovered context */
	dk_frame *xframes;
	dk_insn insn;
	bool have_insn;
} upass;

static const char *u_sym(upass *u, kstack *s, uint64_t va, char *buf, size_t size)
{
	dk_ksym ks;
	if (u->syms && dk_ksyms_lookup(u->syms, va, &ks)) {
		snprintf(buf, size, "%s", ks.text);
		return buf;
	}
	return kstack_sym(s, va, buf, size);
}

/* The frame's symbol without leading underscores and "@N" ("" when none). */
static bool u_symbol_is(upass *u, uint64_t pc, const char *name)
{
	dk_ksym ks;
	if (!u->syms || !dk_ksyms_lookup(u->syms, pc, &ks))
		return false;
	const char *n = ks.symbol;
	while (*n == '_')
		n++;
	size_t l = strlen(name);
	return !strncmp(n, name, l) && (!n[l] || n[l] == '@');
}

static bool u_is_filter(upass *u, uint64_t pc)
{
	return u_symbol_is(u, pc, "UnhandledExceptionFilter");
}

static bool u_is_dispatcher(upass *u, uint64_t pc)
{
	dk_ksym ks;
	return u_symbol_is(u, pc, "KiUserExceptionDispatcher") &&
	       dk_ksyms_lookup(u->syms, pc, &ks) && !strcasecmp(ks.module_file, "ntdll.dll");
}

static void u_free(upass *u)
{
	if (u->syms)
		dk_ksyms_close(u->syms);
	if (u->vas)
		dk_vas_free(u->vas);
	free(u->umods);
	free(u->mods);
	free(u->tframes);
	free(u->xframes);
	u->syms = NULL;
	u->vas = NULL;
	u->umods = NULL;
	u->mods = NULL;
	u->tframes = u->xframes = NULL;
}

static void u_walk(upass *u, kstack *s, const dk_regs *start, dk_walk_result *r)
{
	dk_walk_input in;
	memset(&in, 0, sizeof in);
	in.arch = s->arch;
	in.mem = &u->mem;
	in.modules = u->mods;
	in.nmodules = u->nmods;
	in.start = *start;
	in.start.arch = s->arch;
	in.max_frames = s->max_frames;
	r->count = 0;
	r->stop_reason[0] = 0;
	dk_error e;
	if (dk_stackwalk(&in, r, &e) != DK_OK && !r->stop_reason[0])
		snprintf(r->stop_reason, sizeof r->stop_reason, "%.120s", e.message);
}

static bool user_address(unsigned ptr, uint64_t va)
{
	return va && va < (ptr == 4 ? 0x80000000ull : 0x0000800000000000ull);
}

/* A thread's user-mode trap frame (issue 5 story 2): KTHREAD.TrapFrame,
 * else the InitialStack - sizeof(KTRAP_FRAME) slot, else a scan of the top
 * of its kernel stack (dk_ktrap_scan_user).  *how says which. */
static bool u_user_trap(kcli *c, kstack *s, const dk_kthread *th, dk_ktrap *t, const char **how)
{
	const dk_profile *p = dk_kernel_profile(c->k);
	uint64_t tsize = s->arch == DK_ARCH_X86 ? 0x8C : 0x190;
	if (p && p->kthread.trap_frame != DK_OFF_NONE) {
		uint8_t b[8] = { 0 };
		if (dk_kernel_read(c->k, th->ethread + p->kthread.trap_frame, b, s->ptr, NULL) == DK_OK) {
			uint64_t va = 0;
			for (unsigned i = s->ptr; i-- > 0;)
				va = va << 8 | b[i];
			if (va && dk_kread_trap(c->k, va, t, NULL) == DK_OK && t->user_mode &&
			    user_address(s->ptr, dk_regs_pc(&t->regs)) &&
			    user_address(s->ptr, dk_regs_sp(&t->regs))) {
				*how = "KTHREAD.TrapFrame";
				return true;
			}
		}
	}
	if (dk_kread_trap(c->k, th->initial_stack - tsize, t, NULL) == DK_OK && t->user_mode &&
	    user_address(s->ptr, dk_regs_pc(&t->regs)) && user_address(s->ptr, dk_regs_sp(&t->regs))) {
		*how = "at InitialStack - sizeof(KTRAP_FRAME)";
		return true;
	}
	uint64_t span = 0x1000;
	if (th->stack_limit && th->initial_stack > th->stack_limit &&
	    th->initial_stack - th->stack_limit < span)
		span = th->initial_stack - th->stack_limit;
	if (dk_ktrap_scan_user(c->k, th->initial_stack, span, t)) {
		*how = "found by scanning the top of the kernel stack";
		return true;
	}
	return false;
}

/* Tries one process; true when a thread with an exception filter or dispatcher frame was found. */
static bool u_try_process(kcli *c, kstack *s, const dk_kprocess *p, upass *u)
{
	memset(u, 0, sizeof *u);
	u->proc = *p;
	if (!p->peb || dk_kernel_process_vas(c->k, p, &u->vas, NULL) != DK_OK)
		return false;
	dk_vas_vmem(u->vas, &u->mem);
	dk_walk_status ws;
	size_t n = 0;
	if (dk_kernel_user_modules(c->k, p, &u->umods, &n, &ws, NULL) != DK_OK || !n) {
		u_free(u);
		return false;
	}
	qsort(u->umods, n, sizeof *u->umods, cmp_kmod_base);
	u->mods = calloc(n, sizeof *u->mods);
	if (!u->mods) {
		u_free(u);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		u->mods[i].base = u->umods[i].base;
		u->mods[i].size = u->umods[i].size;
		u->mods[i].name = u->umods[i].name;
		u->mods[i].path = u->umods[i].path;
	}
	u->nmods = n;
	if (dk_ksyms_open(c->k, p, &u->syms, NULL) != DK_OK)
		u->syms = NULL;
	u->tframes = calloc(s->max_frames, sizeof *u->tframes);
	u->xframes = calloc(s->max_frames, sizeof *u->xframes);
	if (!u->tframes || !u->xframes) {
		u_free(u);
		return false;
	}
	u->tr.frames = u->tframes;
	u->xr.frames = u->xframes;
	dk_kthread *th = NULL;
	size_t nt = 0;
	if (dk_kernel_threads(c->k, p->eprocess, &th, &nt, &ws, NULL) != DK_OK)
		nt = 0;
	for (size_t i = 0; i < nt; i++) {
		if (!th[i].teb || !th[i].initial_stack)
			continue;
		dk_ktrap t;
		if (!u_user_trap(c, s, &th[i], &t, &u->trap_how))
			continue;
		u_walk(u, s, &t.regs, &u->tr);
		for (size_t f = 0; f < u->tr.count; f++) {
			const dk_frame *fr = &u->tr.frames[f];
			bool filter = u_is_filter(u, fr->pc);
			if (!filter && !u_is_dispatcher(u, fr->pc))
				continue;
			char sym[300], what[400];
			snprintf(what, sizeof what,
			         "user-mode %s: %s of %s (frame %zu of thread 0x%llx)",
			         filter ? "exception filter argument" : "exception dispatcher frame",
			         filter ? "first argument" : "arguments", u_sym(u, s, fr->pc, sym, sizeof sym),
			         f, (unsigned long long)th[i].tid);
			if (filter ? !dk_exception_from_pointers(c->k, &u->mem, fr->args[0], 0, what, &u->x)
			           : !dk_exception_from_dispatcher(c->k, &u->mem, fr->sp, what, &u->x))
				continue;
			u->thr = th[i];
			u->trap_va = t.va;
			u->filter_index = f;
			u->found = true;
			u_walk(u, s, &u->x.regs, &u->xr);
			uint64_t pc = dk_regs_pc(&u->x.regs);
			uint8_t code[15];
			for (size_t len = sizeof code; len > 0 && !u->have_insn; len--) {
				dk_error e;
				if (u->mem.read(u->mem.ctx, pc, code, len) != DK_OK)
					continue;
				u->have_insn = dk_disasm(s->arch, code, len, pc, &u->x.regs, &u->insn,
				                         &e) == DK_OK;
				break;
			}
			free(th);
			return true;
		}
	}
	free(th);
	u_free(u);
	return false;
}

static bool u_process_matches(const dk_kprocess *p, const char *want)
{
	char *end;
	unsigned long long v = strtoull(want, &end, 0);
	if (*want && !*end)
		return p->pid == v || p->eprocess == v;
	return !strcasecmp(p->image_name, want);
}

/* --process P (pid, EPROCESS or image name), or else every process. */
static void user_pass(kcli *c, kstack *s, const char *want, upass *u)
{
	memset(u, 0, sizeof *u);
	dk_kprocess *ps = NULL;
	size_t np = 0;
	dk_walk_status ws;
	if (dk_kernel_processes(c->k, &ps, &np, &ws, NULL) != DK_OK) {
		snprintf(u->why, sizeof u->why, "the process list cannot be read");
		return;
	}
	bool any = false;
	for (size_t i = 0; i < np; i++) {
		if (want && !u_process_matches(&ps[i], want))
			continue;
		any = true;
		if (u_try_process(c, s, &ps[i], u))
			break;
	}
	if (!u->found)
		snprintf(u->why, sizeof u->why, "%s",
		         want && !any ? "no such process"
		                      : "no thread with UnhandledExceptionFilter or "
		                        "KiUserExceptionDispatcher on its user stack");
	free(ps);
}

static bool u_cause(upass *u, kstack *s, kstack_user_cause *out);

bool kstack_user_culprit(kcli *c, kstack *s, const char *process, kstack_user_cause *out)
{
	upass u;
	memset(out, 0, sizeof *out);
	user_pass(c, s, process, &u);
	bool found = u.found;
	if (found)
		u_cause(&u, s, out); /* out->va stays 0 without a culprit frame */
	u_free(&u);
	return found;
}

/* Values on the recovered stack that are named status codes. */
static void u_codes(upass *u, kstack *s, json *j)
{
	for (size_t f = 0; f < u->xr.count; f++)
		for (int a = 0; a < 4; a++) {
			uint64_t v = u->xr.frames[f].args[a];
			if (v < 0x80000000u || v > 0xFFFFFFFFu)
				continue;
			dk_code_meaning m[6];
			size_t n = dk_code_meanings((uint32_t)v, m, 6);
			if (!n || (!dk_hresult_name((uint32_t)v) && !dk_ntstatus_name((uint32_t)v)))
				continue;
			char sym[300];
			u_sym(u, s, u->xr.frames[f].pc, sym, sizeof sym);
			if (j) {
				json_begin_object(j);
				json_key(j, "value");
				json_hex(j, v);
				json_key(j, "frame");
				json_u64(j, f);
				json_key(j, "argument");
				json_u64(j, (uint64_t)a + 1);
				json_key(j, "function");
				json_string(j, sym);
				json_key(j, "names");
				json_begin_array(j);
				for (size_t k = 0; k < n; k++) {
					char t[160];
					snprintf(t, sizeof t, "%s %s", m[k].kind, m[k].name);
					json_string(j, t);
				}
				json_end_array(j);
				json_end_object(j);
			} else {
				printf("  %08llx = ", (unsigned long long)v);
				for (size_t k = 0; k < n; k++)
					printf("%s%s %s", k ? ", " : "", m[k].kind, m[k].name);
				printf("  (argument %d of %s, frame %zu)\n", a + 1, sym, f);
			}
		}
}

/* kstack's symbolizer switched to the process's modules and back */
typedef struct u_saved {
	dk_ksyms *syms;
	dk_module *mods;
	size_t nmods;
} u_saved;

static u_saved u_enter(upass *u, kstack *s)
{
	u_saved v = { s->syms, s->mods, s->nmods };
	s->syms = u->syms ? u->syms : v.syms;
	s->mods = u->mods;
	s->nmods = u->nmods;
	return v;
}

static void u_leave(kstack *s, u_saved v)
{
	s->syms = v.syms;
	s->mods = v.mods;
	s->nmods = v.nmods;
}

/* The frame of the recovered stack "Probably caused by" names: the first
 * one in the process's own code after the raise helpers
 * (kstack_culprit_frame). */
static bool u_cause(upass *u, kstack *s, kstack_user_cause *out)
{
	memset(out, 0, sizeof *out);
	if (!u->found)
		return false;
	snprintf(out->process, sizeof out->process, "%s", u->proc.image_name);
	out->pid = u->proc.pid;
	out->record = u->x.record;
	u_saved v = u_enter(u, s);
	long f = kstack_culprit_frame(s, &u->xr, true);
	if (f >= 0) {
		out->va = u->xr.frames[f].pc;
		kstack_module(s, out->va, out->module, sizeof out->module);
		out->have_sym = s->syms && dk_ksyms_lookup(s->syms, out->va, &out->sym);
		if (!out->have_sym) {
			memset(&out->sym, 0, sizeof out->sym);
			kstack_sym(s, out->va, out->sym.text, sizeof out->sym.text);
			int m = dk_module_find(s->mods, s->nmods, out->va);
			if (m >= 0)
				out->sym.module_base = s->mods[m].base;
		}
	}
	u_leave(s, v);
	return f >= 0;
}

static void u_print_stack(upass *u, kstack *s, const dk_walk_result *r)
{
	u_saved v = u_enter(u, s);
	kstack_print(s, r, "  ");
	u_leave(s, v);
}

static void u_json_stack(json *j, upass *u, kstack *s, const dk_walk_result *r)
{
	u_saved v = u_enter(u, s);
	kstack_json(j, s, r);
	u_leave(s, v);
}

static void u_text(upass *u, kstack *s, kcli *c)
{
	char a[24], sym[300];
	printf("\nUser-mode exception: process %s (pid %llu), thread 0x%llx (tid 0x%llx)\n",
	       u->proc.image_name, (unsigned long long)u->proc.pid,
	       (unsigned long long)u->thr.ethread, (unsigned long long)u->thr.tid);
	printf("  Found via the %s\n", u->x.source);
	printf("  Thread's stack from its user-mode trap frame at %s (%s):\n",
	       kcli_addr(c, u->trap_va, a, sizeof a), u->trap_how);
	u_print_stack(u, s, &u->tr);
	const char *cn = dk_exception_code_name(u->x.record.code);
	char reason[200];
	dk_crash_reason(u->x.record.code, u->x.record.nparams < 15 ? u->x.record.nparams : 15,
	                u->x.record.info, reason, sizeof reason);
	printf("  Exception record at %s:\n", kcli_addr(c, u->x.record_va, a, sizeof a));
	printf("    ExceptionAddress: %s (%s)\n", kcli_addr(c, u->x.record.address, a, sizeof a),
	       u_sym(u, s, u->x.record.address, sym, sizeof sym));
	printf("    ExceptionCode: %08x (%s)  Flags: %08x  Parameters: %u\n", u->x.record.code,
	       cn ? cn : "unknown", u->x.record.flags, u->x.record.nparams);
	for (uint32_t i = 0; i < u->x.record.nparams && i < 15; i++)
		printf("    Parameter[%u]: %s\n", i, kcli_addr(c, u->x.record.info[i], a, sizeof a));
	printf("    Crash reason: %s\n", reason);
	printf("  Context record at %s:\n", kcli_addr(c, u->x.context_va, a, sizeof a));
	kstack_print_regs(s, &u->x.regs, "    ");
	if (u->have_insn)
		printf("\n  Instruction at the context's pc:\n    %s: %s\n",
		       u_sym(u, s, u->insn.va, sym, sizeof sym), u->insn.text);
	printf("\n  Stack from the exception context:\n");
	u_print_stack(u, s, &u->xr);
	printf("\n  Status codes on that stack:\n");
	u_codes(u, s, NULL);
}

static void u_json(json *j, upass *u, kstack *s)
{
	char sym[300];
	json_key(j, "user_exception");
	if (!u->found) {
		json_null(j);
		return;
	}
	json_begin_object(j);
	json_key(j, "process");
	json_string(j, u->proc.image_name);
	json_key(j, "pid");
	json_u64(j, u->proc.pid);
	json_key(j, "eprocess");
	json_hex(j, u->proc.eprocess);
	json_key(j, "thread");
	json_hex(j, u->thr.ethread);
	json_key(j, "tid");
	json_u64(j, u->thr.tid);
	json_key(j, "source");
	json_string(j, u->x.source);
	json_key(j, "trap_frame_address");
	json_hex(j, u->trap_va);
	json_key(j, "trap_frame_found_by");
	json_string(j, u->trap_how);
	json_key(j, "thread_stack");
	u_json_stack(j, u, s, &u->tr);
	json_key(j, "exception_pointers");
	if (u->x.pointers_va)
		json_hex(j, u->x.pointers_va);
	else
		json_null(j);
	json_key(j, "exception_address");
	json_hex(j, u->x.record.address);
	json_key(j, "exception_symbol");
	json_string(j, u_sym(u, s, u->x.record.address, sym, sizeof sym));
	json_key(j, "record");
	json_begin_object(j);
	json_key(j, "address");
	json_hex(j, u->x.record_va);
	json_key(j, "exception_code");
	json_hex(j, u->x.record.code);
	const char *cn = dk_exception_code_name(u->x.record.code);
	json_opt_string(j, "exception_name", cn);
	json_key(j, "exception_flags");
	json_hex(j, u->x.record.flags);
	json_key(j, "parameters");
	json_begin_array(j);
	for (uint32_t i = 0; i < u->x.record.nparams && i < 15; i++)
		json_hex(j, u->x.record.info[i]);
	json_end_array(j);
	json_end_object(j);
	json_key(j, "context_address");
	json_hex(j, u->x.context_va);
	json_key(j, "registers");
	kstack_json_regs(j, s, &u->x.regs);
	json_key(j, "instruction");
	if (u->have_insn) {
		json_begin_object(j);
		json_key(j, "address");
		json_hex(j, u->insn.va);
		json_key(j, "text");
		json_string(j, u->insn.text);
		json_key(j, "symbol");
		json_string(j, u_sym(u, s, u->insn.va, sym, sizeof sym));
		json_end_object(j);
	} else {
		json_null(j);
	}
	json_key(j, "stack");
	u_json_stack(j, u, s, &u->xr);
	json_key(j, "status_codes");
	json_begin_array(j);
	u_codes(u, s, j);
	json_end_array(j);
	json_end_object(j);
}

/* The exception filter frames of the bugchecking thread whose first
 * argument is an EXCEPTION_POINTERS (analysis.md §4.3 (a)). */
static bool filter_frame(kcli *c, kstack *s, const dk_walk_result *r, uint64_t expect,
                         dk_kexception *out)
{
	static const char *const filters[] = { "PspUnhandledExceptionInSystemThread" };
	for (size_t i = 0; r && i < r->count; i++) {
		dk_ksym ks;
		if (!s->syms || !dk_ksyms_lookup(s->syms, r->frames[i].pc, &ks))
			continue;
		for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
			if (!strstr(ks.symbol, filters[f]))
				continue;
			char what[400];
			snprintf(what, sizeof what,
			         "exception filter argument: first argument of %s (frame %zu of the "
			         "bugchecking thread)",
			         ks.text, i);
			if (dk_exception_from_pointers(c->k, NULL, r->frames[i].args[0], expect, what, out))
				return true;
		}
	}
	return false;
}

int analyze_kernel_dump(const char *path, bool js, size_t max_frames)
{
	return analyze_kernel_dump_ex(path, js, max_frames, NULL);
}

int analyze_kernel_dump_ex(const char *path, bool js, size_t max_frames, const char *process)
{
	kcli c;
	int rc = kcli_open("analyze", path, &c);
	if (rc != EXIT_GOOD)
		return rc;
	const dk_kdump_summary *sum = dk_kdump_get_summary(c.dump);
	uint32_t code = sum->bugcheck_code;
	uint64_t p[4];
	uint64_t mask = c.ptr == 4 ? 0xFFFFFFFFu : ~0ull;
	for (int i = 0; i < 4; i++)
		p[i] = sum->bugcheck_parameters[i] & mask;
	const char *bn = dk_bugcheck_name(code);
	const dk_bugcheck_explanation *e = dk_bugcheck_explain(code);
	const dk_bugcheck_subcode *sc = e ? dk_bugcheck_subcode_of(e, p) : NULL;

	kstack s;
	kstack_open(&s, c.k, max_frames);
	kcpu_stack *cs;
	size_t ncs;
	walk_cpus(&c, &s, &cs, &ncs);
	uint64_t thread = ncs ? cs[0].cpu.current_thread : 0;

	dk_kexception x;
	dk_kernel_recover_exception(c.k, code, p, thread, &x);
	/* an exception filter on the bugchecking thread's stack names the
	 * EXCEPTION_POINTERS better than a scan does */
	if (strncmp(x.source, "parameter", 9) != 0 && ncs && cs[0].have) {
		dk_kexception fx;
		if (filter_frame(&c, &s, &cs[0].r, x.exception_address, &fx))
			x = fx;
	}
	/* the user-mode pass: asked for, or a manual crash (story 2) */
	upass u;
	memset(&u, 0, sizeof u);
	bool want_user = process || code == 0xE2 || code == 0xDEADDEAD;
	if (want_user)
		user_pass(&c, &s, process, &u);
	dk_frame *xframes = NULL;
	dk_walk_result xr = { NULL, 0, "" };
	dk_insn insn;
	bool have_insn = false;
	uint64_t insn_pc = 0;
	if (x.have_context) {
		xframes = calloc(s.max_frames, sizeof *xframes);
		xr.frames = xframes;
		if (xframes) {
			uint64_t lo = 0, hi = 0;
			if (!dk_kthread_stack(c.k, thread, &lo, &hi))
				lo = hi = 0;
			kstack_walk(&s, &x.regs, lo, hi, &xr);
		}
		insn_pc = dk_regs_pc(&x.regs);
	} else if (x.exception_address) {
		insn_pc = x.exception_address;
	}
	if (insn_pc)
		have_insn = kstack_insn(&s, insn_pc, x.have_context ? &x.regs : NULL, &insn);
	const dk_walk_result *crash = x.have_context && xr.count ? &xr : ncs && cs[0].have ? &cs[0].r
	                                                                                 : NULL;
	char cause[400];
	probable_cause(&s, &x, crash, p, e, cause, sizeof cause);
	if (want_user && u.found && (code == 0xE2 || code == 0xDEADDEAD)) {
		/* a forced crash: the culprit is the process's own code */
		kstack_user_cause uc;
		if (u_cause(&u, &s, &uc))
			snprintf(cause, sizeof cause, "%s (%s)", uc.module, uc.sym.text);
	}
	char reason[200] = "";
	if (x.have_record)
		dk_crash_reason(x.record.code, x.record.nparams < 15 ? x.record.nparams : 15,
		                x.record.info, reason, sizeof reason);

	char sym[300], mod[80], meaning[256], a[24];
	if (js) {
		json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "file");
		json_string(&j, path);
		json_key(&j, "kind");
		json_string(&j, dk_kdump_get_triage(c.dump) ? "kernel_triage_dump" : "kernel_dump");
		json_key(&j, "arch");
		json_string(&j, dk_arch_name(s.arch));
		json_key(&j, "build");
		json_u64(&j, dk_kernel_build(c.k));
		json_bugcheck(&j, sum);
		json_opt_string(&j, "summary", sc && sc->summary ? sc->summary : e ? e->summary : NULL);
		json_key(&j, "parameters");
		json_begin_array(&j);
		for (unsigned i = 0; i < 4; i++) {
			dk_bugcheck_param bp = e ? dk_bugcheck_param_of(e, p, i)
			                         : (dk_bugcheck_param){ DK_BCP_VALUE, DK_ACC_NONE, NULL };
			json_begin_object(&j);
			json_key(&j, "index");
			json_u64(&j, i + 1);
			json_key(&j, "value");
			json_hex(&j, p[i]);
			json_key(&j, "kind");
			json_string(&j, dk_bcparam_kind_name(bp.kind));
			json_opt_string(&j, "description", bp.desc);
			json_opt_string(&j, "meaning",
			                e ? dk_bugcheck_param_meaning(e, p, i, meaning, sizeof meaning) : NULL);
			kstack_module(&s, p[i], mod, sizeof mod);
			json_opt_string(&j, "module", mod);
			json_opt_string(&j, "symbol", mod[0] ? kstack_sym(&s, p[i], sym, sizeof sym) : NULL);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "exception");
		json_begin_object(&j);
		json_key(&j, "source");
		json_string(&j, x.source);
		json_key(&j, "exception_address");
		if (x.exception_address)
			json_hex(&j, x.exception_address);
		else
			json_null(&j);
		json_opt_string(&j, "exception_symbol",
		                x.exception_address ? kstack_sym(&s, x.exception_address, sym, sizeof sym)
		                                    : NULL);
		json_key(&j, "record");
		if (x.have_record) {
			const char *cn = dk_exception_code_name(x.record.code);
			json_begin_object(&j);
			json_key(&j, "address");
			json_hex(&j, x.record_va);
			json_key(&j, "exception_code");
			json_hex(&j, x.record.code);
			json_opt_string(&j, "exception_name", cn);
			json_key(&j, "exception_flags");
			json_hex(&j, x.record.flags);
			json_key(&j, "parameters");
			json_begin_array(&j);
			for (uint32_t i = 0; i < x.record.nparams && i < 15; i++)
				json_hex(&j, x.record.info[i]);
			json_end_array(&j);
			json_key(&j, "crash_reason");
			json_string(&j, reason);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "context_address");
		if (x.context_va)
			json_hex(&j, x.context_va);
		else
			json_null(&j);
		json_key(&j, "trap_frame_address");
		if (x.trap_va)
			json_hex(&j, x.trap_va);
		else
			json_null(&j);
		json_key(&j, "registers");
		if (x.have_context)
			kstack_json_regs(&j, &s, &x.regs);
		else
			json_null(&j);
		json_key(&j, "instruction");
		if (have_insn) {
			json_begin_object(&j);
			json_key(&j, "address");
			json_hex(&j, insn.va);
			json_key(&j, "text");
			json_string(&j, insn.text);
			json_key(&j, "symbol");
			json_string(&j, kstack_sym(&s, insn.va, sym, sizeof sym));
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "stack");
		if (x.have_context && xframes)
			kstack_json(&j, &s, &xr);
		else
			json_null(&j);
		json_end_object(&j);
		json_key(&j, "processors");
		json_begin_array(&j);
		for (size_t i = 0; i < ncs; i++) {
			json_begin_object(&j);
			json_key(&j, "number");
			json_u64(&j, cs[i].cpu.number);
			json_key(&j, "prcb");
			json_hex(&j, cs[i].cpu.prcb);
			json_key(&j, "current_thread");
			json_hex(&j, cs[i].cpu.current_thread);
			json_opt_string(&j, "context_from", cs[i].from);
			json_key(&j, "registers");
			if (cs[i].have)
				kstack_json_regs(&j, &s, &cs[i].regs);
			else
				json_null(&j);
			json_key(&j, "stack");
			if (cs[i].have && cs[i].frames)
				kstack_json(&j, &s, &cs[i].r);
			else
				json_null(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		if (want_user)
			u_json(&j, &u, &s);
		json_opt_string(&j, "probably_caused_by", cause);
		kcli_json_notes(&j, &c);
		json_end_object(&j);
		json_end(&j);
	} else {
		printf("File: %s\n", path);
		printf("Windows build %u, %s, %u processors%s\n", dk_kernel_build(c.k),
		       dk_arch_name(s.arch), sum->number_processors,
		       dk_kdump_get_triage(c.dump) ? " (triage dump)" : "");
		printf("\nBugcheck 0x%08X (%s): 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
		       code, bn ? bn : "unknown", p[0], p[1], p[2], p[3]);
		if (e)
			printf("%s\n", sc && sc->summary ? sc->summary : e->summary);
		for (unsigned i = 0; i < 4; i++) {
			dk_bugcheck_param bp = e ? dk_bugcheck_param_of(e, p, i)
			                         : (dk_bugcheck_param){ DK_BCP_VALUE, DK_ACC_NONE, NULL };
			printf("  P%u  %s  %s [%s]", i + 1, kcli_addr(&c, p[i], a, sizeof a),
			       bp.desc ? bp.desc : "(not explained)", dk_bcparam_kind_name(bp.kind));
			if (e && dk_bugcheck_param_meaning(e, p, i, meaning, sizeof meaning)[0])
				printf(": %s", meaning);
			if (kstack_module(&s, p[i], mod, sizeof mod)[0])
				printf("  (in %s: %s)", mod, kstack_sym(&s, p[i], sym, sizeof sym));
			printf("\n");
		}
		printf("\nException: %s\n", x.source[0] ? x.source : "none found");
		if (x.exception_address)
			printf("  Exception address: %s (%s)\n", kcli_addr(&c, x.exception_address, a, sizeof a),
			       kstack_sym(&s, x.exception_address, sym, sizeof sym));
		if (x.have_record) {
			const char *cn = dk_exception_code_name(x.record.code);
			printf("  Exception record at %s:\n", kcli_addr(&c, x.record_va, a, sizeof a));
			printf("    ExceptionCode: %08x (%s)  Flags: %08x  Parameters: %u\n", x.record.code,
			       cn ? cn : "unknown", x.record.flags, x.record.nparams);
			for (uint32_t i = 0; i < x.record.nparams && i < 15; i++)
				printf("    Parameter[%u]: %s\n", i, kcli_addr(&c, x.record.info[i], a, sizeof a));
			printf("    Crash reason: %s\n", reason);
		}
		if (x.have_context) {
			if (x.context_va)
				printf("  Context record at %s:\n", kcli_addr(&c, x.context_va, a, sizeof a));
			else
				printf("  Trap frame at %s:\n", kcli_addr(&c, x.trap_va, a, sizeof a));
			kstack_print_regs(&s, &x.regs, "    ");
		}
		if (have_insn)
			printf("\nFaulting instruction:\n  %s: %s\n", kstack_sym(&s, insn.va, sym, sizeof sym),
			       insn.text);
		if (x.have_context && xframes) {
			printf("\nStack from the exception context:\n");
			kstack_print(&s, &xr, "  ");
		}
		for (size_t i = 0; i < ncs; i++) {
			printf("\nProcessor %u: thread %s", cs[i].cpu.number,
			       kcli_addr(&c, cs[i].cpu.current_thread, a, sizeof a));
			if (!cs[i].have) {
				printf(" (no readable context)\n");
				continue;
			}
			printf(", from %s\n", cs[i].from);
			kstack_print_regs(&s, &cs[i].regs, "  ");
			kstack_print(&s, &cs[i].r, "  ");
		}
		if (want_user && u.found)
			u_text(&u, &s, &c);
		else if (want_user)
			printf("\nUser-mode exception: none found (%s)\n", u.why);
		printf("\nProbably caused by: %s\n", cause[0] ? cause : "unknown");
		kcli_notes("analyze", &c);
	}
	for (size_t i = 0; i < ncs; i++)
		free(cs[i].frames);
	free(cs);
	free(xframes);
	u_free(&u);
	kstack_close(&s);
	kcli_close(&c);
	return EXIT_GOOD;
}
