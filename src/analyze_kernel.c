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

static bool is_kernel_core(const char *file)
{
	static const char *const core[] = { "ntoskrnl.exe", "ntkrnlmp.exe", "ntkrnlpa.exe",
		                            "ntkrpamp.exe", "hal.dll", "halmacpi.dll",
		                            "halacpi.dll" };
	for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
		if (!strcasecmp(file, core[i]))
			return true;
	return false;
}

/* The culprit: the exception address's module when it is not the kernel,
 * else the first driver on the bugchecking stack, else a code-address
 * parameter's module, else the module of the exception or nt. */
static void probable_cause(kstack *s, const dk_kexception *x, const dk_walk_result *crash,
                           const uint64_t p[4], const dk_bugcheck_explanation *e, char *buf,
                           size_t size)
{
	char mod[80], sym[300];
	buf[0] = 0;
	if (x->exception_address && kstack_module(s, x->exception_address, mod, sizeof mod)[0] &&
	    !is_kernel_core(mod)) {
		snprintf(buf, size, "%s (%s)", mod, kstack_sym(s, x->exception_address, sym, sizeof sym));
		return;
	}
	for (size_t i = 0; crash && i < crash->count; i++)
		if (kstack_module(s, crash->frames[i].pc, mod, sizeof mod)[0] && !is_kernel_core(mod)) {
			snprintf(buf, size, "%s (%s)", mod,
			         kstack_sym(s, crash->frames[i].pc, sym, sizeof sym));
			return;
		}
	for (unsigned i = 0; e && i < 4; i++) {
		dk_bugcheck_param bp = dk_bugcheck_param_of(e, p, i);
		if (bp.kind == DK_BCP_CODE_ADDRESS && kstack_module(s, p[i], mod, sizeof mod)[0]) {
			snprintf(buf, size, "%s (%s)", mod, kstack_sym(s, p[i], sym, sizeof sym));
			return;
		}
	}
	uint64_t a = x->exception_address ? x->exception_address
	             : crash && crash->count ? crash->frames[0].pc : 0;
	if (a && kstack_module(s, a, mod, sizeof mod)[0])
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

int analyze_kernel_dump(const char *path, bool js, size_t max_frames)
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
		printf("\nProbably caused by: %s\n", cause[0] ? cause : "unknown");
		kcli_notes("analyze", &c);
	}
	for (size_t i = 0; i < ncs; i++)
		free(cs[i].frames);
	free(cs);
	free(xframes);
	kstack_close(&s);
	kcli_close(&c);
	return EXIT_GOOD;
}
