/* dmpkit exr, cxr, trap, stack — the debugger's .exr, .cxr, .trap and kb on
 * kernel dumps.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/disasm.h>
#include <dmpkit/kanalysis.h>
#include <dmpkit/status.h>

#include "kstack.h"

void help_exr(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit exr [--json] FILE ADDR\n"
	        "\n"
	        "Display the EXCEPTION_RECORD at kernel address ADDR of a kernel dump (like\n"
	        "the debugger's .exr): the exception address with its module and symbol,\n"
	        "the code named, the flags, the chained record and the parameters, and the\n"
	        "crash reason (access violation read/write/execute of an address ...).\n"
	        "EXCEPTION_RECORD32 on 32-bit dumps, EXCEPTION_RECORD64 otherwise.\n"
	        "\n"
	        "Options:\n"
	        "  --json  print JSON\n"
	        "\n"
	        "Exit status: 0 displayed, 1 the record is not in the dump or the dump is\n"
	        "damaged, 2 usage or I/O error.\n");
}

void help_cxr(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit cxr [--json] [--max-frames N] FILE ADDR\n"
	        "\n"
	        "Display the CONTEXT record at kernel address ADDR of a kernel dump (like\n"
	        "the debugger's .cxr): its registers, the instruction at the program\n"
	        "counter (x86 and x64), and the stack walked from those registers.\n"
	        "\n"
	        "Options:\n"
	        "  --json          print JSON\n"
	        "  --max-frames N  at most N frames (default 64)\n"
	        "\n"
	        "Exit status: 0 displayed, 1 the record is not in the dump or the dump is\n"
	        "damaged, 2 usage or I/O error.\n");
}

void help_trap(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit trap [--json] [--max-frames N] FILE ADDR\n"
	        "\n"
	        "Display the KTRAP_FRAME at kernel address ADDR of a kernel dump (like the\n"
	        "debugger's .trap): every field with the layout of the dump's build (x86\n"
	        "before and from Windows 8.1, x64), the registers it saves, the\n"
	        "instruction at the trapping address and the stack walked from there.\n"
	        "\n"
	        "Options:\n"
	        "  --json          print JSON\n"
	        "  --max-frames N  at most N frames (default 64)\n"
	        "\n"
	        "Exit status: 0 displayed, 1 the frame is not in the dump, the architecture\n"
	        "has no trap frame layout or the dump is damaged, 2 usage or I/O error.\n");
}

void help_stack(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit stack [--json] [--max-frames N] FILE [THREAD]\n"
	        "       dmpkit stack [--json] FILE --cpu N\n"
	        "       dmpkit stack [--json] FILE --context ADDR | --trap ADDR\n"
	        "       dmpkit stack [--json] FILE --regs sp=V,fp=V,ip=V\n"
	        "\n"
	        "Walk a kernel stack and print it like kb: child SP (ChildEBP on x86),\n"
	        "return address, the first four arguments and module!symbol+0xoff (from\n"
	        "the PE exports of the modules in memory), each frame marked by how it\n"
	        "was found (context, cfi, trap_frame, frame_pointer, scan).\n"
	        "\n"
	        "The walk starts from: the current thread of processor 0 (no THREAD);\n"
	        "THREAD, a KTHREAD/ETHREAD address (a running thread's processor context,\n"
	        "else its switch frame at KernelStack); a processor's context (--cpu);\n"
	        "a CONTEXT or KTRAP_FRAME in memory (--context, --trap); or registers\n"
	        "given by hand (--regs, like kb = ebp esp eip).\n"
	        "\n"
	        "Options:\n"
	        "  --json            print JSON\n"
	        "  --cpu N           start from processor N's context\n"
	        "  --context ADDR    start from the CONTEXT at ADDR\n"
	        "  --trap ADDR       start from the KTRAP_FRAME at ADDR\n"
	        "  --regs LIST       sp=,fp=,ip= (also pc=, lr= on ARM64), comma separated\n"
	        "  --max-frames N    at most N frames (default 64)\n"
	        "\n"
	        "Exit status: 0 walked, 1 no starting registers could be found or the dump\n"
	        "is damaged, 2 usage or I/O error.\n");
}

static bool parse_max(const char *cmd, const cli_opt *opts, size_t no, size_t *out)
{
	uint64_t v = 64;
	const char *s = cli_value(opts, no, "--max-frames");
	if (s && (!cli_parse_u64(s, &v) || v == 0 || v > 100000)) {
		cli_usage_error(cmd, "--max-frames takes a number from 1 to 100000");
		return false;
	}
	*out = (size_t)v;
	return true;
}

static bool parse_addr(const char *cmd, const char *s, uint64_t *v)
{
	if (!cli_parse_u64(s, v)) {
		cli_usage_error(cmd, "'%s' is not an address", s);
		return false;
	}
	return true;
}

/* Prints (or writes as JSON) the stack walked from regs, and the
 * instruction at its pc. */
static void show_insn_and_stack(kstack *s, json *j, const dk_regs *regs)
{
	dk_insn insn;
	uint64_t pc = dk_regs_pc(regs);
	bool have = kstack_insn(s, pc, regs, &insn);
	dk_frame *frames = calloc(s->max_frames, sizeof *frames);
	dk_walk_result r = { frames, 0, "" };
	if (frames)
		kstack_walk(s, regs, 0, 0, &r);
	else
		snprintf(r.stop_reason, sizeof r.stop_reason, "out of memory");
	char sym[300];
	if (j) {
		json_key(j, "instruction");
		if (have) {
			json_begin_object(j);
			json_key(j, "address");
			json_hex(j, insn.va);
			json_key(j, "text");
			json_string(j, insn.text);
			json_key(j, "symbol");
			json_string(j, kstack_sym(s, pc, sym, sizeof sym));
			json_end_object(j);
		} else {
			json_null(j);
		}
		json_key(j, "stack");
		kstack_json(j, s, &r);
	} else {
		if (have)
			printf("%s:\n  %0*" PRIx64 " %s\n", kstack_sym(s, pc, sym, sizeof sym),
			       (int)s->ptr * 2, insn.va, insn.text);
		printf("\n");
		kstack_print(s, &r, "");
	}
	free(frames);
}

/* exr, cxr and trap: FILE ADDR [--json] (cxr/trap: [--max-frames N]); the
 * handler reads the record at `va` and prints it. */
typedef int (*record_fn)(kcli *c, kstack *s, uint64_t va, bool js, dk_error *e);

static int record_cmd(const char *cmd, int argc, char **argv, bool frames, record_fn show)
{
	cli_opt opts[] = { { "--json", false, false, NULL }, { "--max-frames", true, false, NULL } };
	size_t nopts = frames ? 2 : 1, maxf = 64;
	kcli c;
	uint64_t va;
	int rc = kcli_args(cmd, argc, argv, opts, nopts, 2, 2, "expected FILE ADDR", &c);
	if (rc != EXIT_GOOD)
		return rc;
	if (!parse_addr(cmd, c.ops[1], &va) || (frames && !parse_max(cmd, opts, 2, &maxf))) {
		kcli_close(&c);
		return EXIT_USAGE;
	}
	if ((rc = kcli_load(cmd, &c)) != EXIT_GOOD)
		return rc;
	kstack s;
	dk_error e;
	kstack_open(&s, c.k, maxf);
	rc = show(&c, &s, va, cli_has(opts, nopts, "--json"), &e);
	kstack_close(&s);
	if (rc != EXIT_GOOD)
		return kcli_fail(cmd, &c, e.message, rc);
	kcli_close(&c);
	return EXIT_GOOD;
}

static int show_exr(kcli *c, kstack *s, uint64_t va, bool js, dk_error *e)
{
	dk_kexr x;
	if (dk_kread_exr(c->k, va, &x, e) != DK_OK)
		return EXIT_PROBLEMS;
	char sym[300], reason[200];
	uint32_t np = x.nparams < 15 ? x.nparams : 15;
	dk_crash_reason(x.code, np, x.info, reason, sizeof reason);
	const char *cn = dk_exception_code_name(x.code);
	if (js) {
		json j;
		kcli_json_begin(&j, c);
		json_key(&j, "address");
		json_hex(&j, va);
		json_key(&j, "exception_address");
		json_hex(&j, x.address);
		json_key(&j, "exception_symbol");
		json_string(&j, kstack_sym(s, x.address, sym, sizeof sym));
		json_key(&j, "exception_code");
		json_hex(&j, x.code);
		json_key(&j, "exception_name");
		if (cn)
			json_string(&j, cn);
		else
			json_null(&j);
		json_key(&j, "exception_flags");
		json_hex(&j, x.flags);
		json_key(&j, "exception_record");
		json_hex(&j, x.record);
		json_key(&j, "number_parameters");
		json_u64(&j, x.nparams);
		json_key(&j, "parameters");
		json_begin_array(&j);
		for (uint32_t i = 0; i < np; i++)
			json_hex(&j, x.info[i]);
		json_end_array(&j);
		json_key(&j, "crash_reason");
		json_string(&j, reason);
		json_end_object(&j);
		json_end(&j);
	} else {
		char a[24];
		printf("ExceptionAddress: %s (%s)\n", kcli_addr(c, x.address, a, sizeof a),
		       kstack_sym(s, x.address, sym, sizeof sym));
		printf("   ExceptionCode: %08x (%s)\n", x.code, cn ? cn : "unknown");
		printf("  ExceptionFlags: %08x\n", x.flags);
		printf(" ExceptionRecord: %s\n", kcli_addr(c, x.record, a, sizeof a));
		printf("NumberParameters: %u%s\n", x.nparams, x.nparams > 15 ? " (more than 15)" : "");
		for (uint32_t i = 0; i < np; i++)
			printf("   Parameter[%u]: %s\n", i, kcli_addr(c, x.info[i], a, sizeof a));
		printf("Crash reason: %s\n", reason);
	}
	return EXIT_GOOD;
}

static int show_cxr(kcli *c, kstack *s, uint64_t va, bool js, dk_error *e)
{
	dk_kcxr x;
	if (dk_kread_cxr(c->k, va, &x, e) != DK_OK)
		return EXIT_PROBLEMS;
	if (js) {
		json j;
		kcli_json_begin(&j, c);
		json_key(&j, "address");
		json_hex(&j, va);
		json_key(&j, "context_flags");
		json_hex(&j, x.flags);
		json_key(&j, "registers");
		kstack_json_regs(&j, s, &x.regs);
		show_insn_and_stack(s, &j, &x.regs);
		json_end_object(&j);
		json_end(&j);
	} else {
		printf("CONTEXT at 0x%" PRIx64 " (%s, %zu bytes), ContextFlags %08x\n", va,
		       dk_arch_name(x.arch), x.len, x.flags);
		kstack_print_regs(s, &x.regs, "");
		show_insn_and_stack(s, NULL, &x.regs);
	}
	return EXIT_GOOD;
}

static int show_trap(kcli *c, kstack *s, uint64_t va, bool js, dk_error *e)
{
	dk_ktrap t;
	if (dk_kread_trap(c->k, va, &t, e) != DK_OK)
		return EXIT_PROBLEMS;
	if (js) {
		json j;
		kcli_json_begin(&j, c);
		json_key(&j, "address");
		json_hex(&j, va);
		json_key(&j, "layout");
		json_string(&j, t.desc->name);
		json_key(&j, "user_mode");
		json_bool(&j, t.user_mode);
		json_key(&j, "fields");
		json_fields(&j, t.desc, t.raw, t.len, 0, "", true);
		json_key(&j, "registers");
		kstack_json_regs(&j, s, &t.regs);
		show_insn_and_stack(s, &j, &t.regs);
		json_end_object(&j);
		json_end(&j);
	} else {
		printf("%s at 0x%" PRIx64 " (%s mode)\n", t.desc->name, va,
		       t.user_mode ? "user" : "kernel");
		for (size_t i = 0; i < t.desc->nfields; i++) {
			char v[64];
			dk_field_format(&t.desc->fields[i], t.raw, t.len, v, sizeof v);
			printf("  +0x%03x %-22s %s\n", t.desc->fields[i].offset, t.desc->fields[i].name, v);
		}
		printf("Registers:\n");
		kstack_print_regs(s, &t.regs, "  ");
		show_insn_and_stack(s, NULL, &t.regs);
	}
	return EXIT_GOOD;
}

int cmd_exr(int argc, char **argv) { return record_cmd("exr", argc, argv, false, show_exr); }
int cmd_cxr(int argc, char **argv) { return record_cmd("cxr", argc, argv, true, show_cxr); }
int cmd_trap(int argc, char **argv) { return record_cmd("trap", argc, argv, true, show_trap); }

/* "sp=0x..,fp=..,ip=.." into registers of the dump's architecture. */
static bool parse_regs(const char *spec, dk_arch a, dk_regs *r)
{
	memset(r, 0, sizeof *r);
	r->arch = a;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *tok = buf, *next; tok; tok = next) {
		char *comma = strchr(tok, ',');
		next = comma ? comma + 1 : NULL;
		if (comma)
			*comma = 0;
		char *eq = strchr(tok, '=');
		uint64_t v;
		if (!eq)
			return false;
		*eq = 0;
		if (!cli_parse_u64(eq + 1, &v))
			return false;
		int reg = -1;
		bool sp = !strcmp(tok, "sp") || !strcmp(tok, "esp") || !strcmp(tok, "rsp");
		bool fp = !strcmp(tok, "fp") || !strcmp(tok, "ebp") || !strcmp(tok, "rbp");
		bool ip = !strcmp(tok, "ip") || !strcmp(tok, "pc") || !strcmp(tok, "eip") ||
		          !strcmp(tok, "rip");
		if (a == DK_ARCH_X86)
			reg = sp ? DK_X86_ESP : fp ? DK_X86_EBP : ip ? DK_X86_EIP : -1;
		else if (a == DK_ARCH_AMD64)
			reg = sp ? DK_AMD64_RSP : fp ? DK_AMD64_RBP : ip ? DK_AMD64_RIP : -1;
		else if (a == DK_ARCH_ARM64)
			reg = sp ? DK_ARM64_SP : fp ? DK_ARM64_FP : ip ? DK_ARM64_PC
			      : !strcmp(tok, "lr") ? DK_ARM64_LR : -1;
		if (reg < 0)
			return false;
		r->r[reg] = v;
		r->valid |= 1ull << reg;
	}
	return dk_regs_pc(r) || dk_regs_sp(r);
}

/* A thread's starting registers: a running thread's processor context,
 * else its switch frame (analysis.md §2.5). */
static bool thread_regs(kcli *c, kstack *s, uint64_t thread, dk_regs *r, char *from,
                        size_t fromsize)
{
	dk_kcpu *cpus = NULL;
	size_t nc = 0;
	if (dk_kernel_cpus(c->k, &cpus, &nc, NULL) == DK_OK) {
		for (size_t i = 0; i < nc; i++) {
			const char *f;
			if (cpus[i].current_thread == thread &&
			    kstack_cpu_regs(s, c->dump, &cpus[i], r, &f)) {
				snprintf(from, fromsize, "processor %u's context (%s)", cpus[i].number, f);
				free(cpus);
				return true;
			}
		}
	}
	free(cpus);
	const dk_profile *p = dk_kernel_profile(c->k);
	if (!p || p->kthread.kernel_stack == DK_OFF_NONE)
		return false;
	uint8_t b[0x40];
	unsigned w = s->ptr;
	if (dk_kernel_read(c->k, thread + p->kthread.kernel_stack, b, w, NULL) != DK_OK)
		return false;
	uint64_t ks = w == 4 ? (uint64_t)(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24)
	                     : (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
	                               (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32 |
	                               (uint64_t)b[5] << 40 | (uint64_t)b[6] << 48 |
	                               (uint64_t)b[7] << 56;
	memset(r, 0, sizeof *r);
	r->arch = s->arch;
	if (s->arch == DK_ARCH_X86 && dk_kernel_read(c->k, ks, b, 0x10, NULL) == DK_OK) {
		r->r[DK_X86_EIP] = (uint32_t)(b[8] | b[9] << 8 | b[10] << 16 | (uint32_t)b[11] << 24);
		r->r[DK_X86_EBP] = (uint32_t)(b[12] | b[13] << 8 | b[14] << 16 | (uint32_t)b[15] << 24);
		r->r[DK_X86_ESP] = ks + 0xC;
		r->valid = 1u << DK_X86_EIP | 1u << DK_X86_EBP | 1u << DK_X86_ESP;
	} else if (s->arch == DK_ARCH_AMD64 && dk_kernel_read(c->k, ks, b, 0x40, NULL) == DK_OK) {
		uint64_t rbp = 0, rip = 0;
		for (int i = 7; i >= 0; i--) {
			rbp = rbp << 8 | b[0x30 + i];
			rip = rip << 8 | b[0x38 + i];
		}
		r->r[DK_AMD64_RIP] = rip;
		r->r[DK_AMD64_RBP] = rbp;
		r->r[DK_AMD64_RSP] = ks + 0x40;
		r->valid = 1u << DK_AMD64_RIP | 1u << DK_AMD64_RBP | 1u << DK_AMD64_RSP;
	} else {
		return false;
	}
	snprintf(from, fromsize, "the switch frame at KernelStack 0x%" PRIx64, ks);
	return true;
}

int cmd_stack(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL },     { "--max-frames", true, false, NULL },
	                   { "--context", true, false, NULL },   { "--trap", true, false, NULL },
	                   { "--regs", true, false, NULL },      { "--cpu", true, false, NULL } };
	const size_t no = sizeof opts / sizeof opts[0];
	kcli c;
	size_t maxf;
	int rc = kcli_args("stack", argc, argv, opts, no, 1, 2, "missing FILE", &c);
	if (rc != EXIT_GOOD)
		return rc;
	int starts = (c.nops == 2) + cli_has(opts, no, "--context") + cli_has(opts, no, "--trap") +
	             cli_has(opts, no, "--regs") + cli_has(opts, no, "--cpu");
	uint64_t addr = 0, cpu = 0;
	bool ok = parse_max("stack", opts, no, &maxf);
	if (ok && starts > 1) {
		cli_usage_error("stack", "give one of THREAD, --cpu, --context, --trap, --regs");
		ok = false;
	}
	if (ok && c.nops == 2)
		ok = parse_addr("stack", c.ops[1], &addr);
	if (ok && cli_has(opts, no, "--context"))
		ok = parse_addr("stack", cli_value(opts, no, "--context"), &addr);
	if (ok && cli_has(opts, no, "--trap"))
		ok = parse_addr("stack", cli_value(opts, no, "--trap"), &addr);
	if (ok && cli_has(opts, no, "--cpu") && !cli_parse_u64(cli_value(opts, no, "--cpu"), &cpu)) {
		cli_usage_error("stack", "--cpu takes a processor number");
		ok = false;
	}
	if (!ok) {
		kcli_close(&c);
		return EXIT_USAGE;
	}
	if ((rc = kcli_load("stack", &c)) != EXIT_GOOD)
		return rc;
	kstack s;
	kstack_open(&s, c.k, maxf);
	dk_regs regs;
	char from[200] = "";
	uint64_t thread = 0;
	dk_error e = { 0 };
	bool have = false;
	if (cli_has(opts, no, "--regs")) {
		have = parse_regs(cli_value(opts, no, "--regs"), s.arch, &regs);
		if (!have) {
			kstack_close(&s);
			kcli_close(&c);
			cli_usage_error("stack", "--regs takes sp=V,fp=V,ip=V (comma separated)");
			return EXIT_USAGE;
		}
		snprintf(from, sizeof from, "registers given with --regs");
	} else if (cli_has(opts, no, "--context")) {
		dk_kcxr x;
		have = dk_kread_cxr(c.k, addr, &x, &e) == DK_OK;
		regs = x.regs;
		snprintf(from, sizeof from, "the CONTEXT at 0x%" PRIx64, addr);
	} else if (cli_has(opts, no, "--trap")) {
		dk_ktrap t;
		have = dk_kread_trap(c.k, addr, &t, &e) == DK_OK;
		regs = t.regs;
		snprintf(from, sizeof from, "the KTRAP_FRAME at 0x%" PRIx64, addr);
	} else if (c.nops == 2) {
		thread = addr;
		have = thread_regs(&c, &s, thread, &regs, from, sizeof from);
		if (!have)
			snprintf(e.message, sizeof e.message,
			         "no starting registers for thread 0x%" PRIx64
			         " (not running, and its switch frame is not readable)", thread);
	} else {
		dk_kcpu *cpus = NULL;
		size_t nc = 0;
		if (dk_kernel_cpus(c.k, &cpus, &nc, &e) == DK_OK) {
			for (size_t i = 0; i < nc && !have; i++) {
				const char *f;
				if (cpus[i].number != cpu)
					continue;
				thread = cpus[i].current_thread;
				have = kstack_cpu_regs(&s, c.dump, &cpus[i], &regs, &f);
				snprintf(from, sizeof from, "processor %u's context (%s)", cpus[i].number, f);
				if (!have)
					snprintf(e.message, sizeof e.message,
					         "processor %u's context is not readable", cpus[i].number);
			}
			if (!nc || (!have && !e.message[0]))
				snprintf(e.message, sizeof e.message, "no processor %" PRIu64, cpu);
		}
		free(cpus);
	}
	if (!have) {
		kstack_close(&s);
		return kcli_fail("stack", &c, e.message[0] ? e.message : "no starting registers",
		                 EXIT_PROBLEMS);
	}
	uint64_t lo = 0, hi = 0;
	if (thread && !dk_kthread_stack(c.k, thread, &lo, &hi))
		lo = hi = 0;
	dk_frame *frames = calloc(maxf, sizeof *frames);
	dk_walk_result r = { frames, 0, "" };
	if (!frames) {
		kstack_close(&s);
		return kcli_fail("stack", &c, "out of memory", EXIT_USAGE);
	}
	kstack_walk(&s, &regs, lo, hi, &r);
	if (cli_has(opts, no, "--json")) {
		json j;
		kcli_json_begin(&j, &c);
		json_key(&j, "start");
		json_string(&j, from);
		json_key(&j, "thread");
		if (thread)
			json_hex(&j, thread);
		else
			json_null(&j);
		json_key(&j, "registers");
		kstack_json_regs(&j, &s, &regs);
		json_key(&j, "stack");
		kstack_json(&j, &s, &r);
		json_end_object(&j);
		json_end(&j);
	} else {
		if (thread)
			printf("Thread 0x%" PRIx64 ", from %s\n", thread, from);
		else
			printf("From %s\n", from);
		kstack_print(&s, &r, "");
	}
	free(frames);
	kstack_close(&s);
	kcli_close(&c);
	return EXIT_GOOD;
}
