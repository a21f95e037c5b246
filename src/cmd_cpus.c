/* dmpkit cpus — per processor: KPRCB, current thread, saved context.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_cpus(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit cpus [--json] FILE\n"
	        "\n"
	        "For each processor of a Windows kernel dump: the KPRCB address (from\n"
	        "KDBG.KiProcessorBlock), the current and idle thread, the address of the\n"
	        "saved CONTEXT (KPRCB.Context, Windows 7 and later, else\n"
	        "ProcessorState.ContextFrame) and its registers when the memory is in the\n"
	        "dump.  A triage dump holds one PRCB copy: its current thread is shown with\n"
	        "the dump's context record.\n"
	        "\n"
	        "Options:\n"
	        "  --json   print a JSON document\n"
	        "\n"
	        "Exit status: 0 listed, 1 the dump lacks what is needed, 2 usage or I/O\n"
	        "error.\n");
}

static const char *reg_name(dk_arch a, unsigned i, char *buf, size_t size)
{
	static const char *const x86[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	                                   "eip", "eflags" };
	static const char *const x64[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	                                   "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	                                   "rip", "eflags" };
	if (a == DK_ARCH_X86)
		return i < 10 ? x86[i] : NULL;
	if (a == DK_ARCH_AMD64)
		return i < 18 ? x64[i] : NULL;
	if (a == DK_ARCH_ARM64) {
		if (i < 29)
			snprintf(buf, size, "x%u", i);
		else if (i < 34)
			snprintf(buf, size, "%s", (const char *[]){ "fp", "lr", "sp", "pc", "cpsr" }[i - 29]);
		else
			return NULL;
		return buf;
	}
	return NULL;
}

static size_t context_size(dk_arch a)
{
	return a == DK_ARCH_X86 ? 0x2CC : a == DK_ARCH_AMD64 ? 0x4D0 : a == DK_ARCH_ARM64 ? 0x390 : 0;
}

/* The registers of the CONTEXT at `va`, or the dump's context record for a
 * triage dump; false when neither can be read. */
static bool cpu_regs(kcli *c, const dk_kcpu *cpu, dk_regs *r, const char **from)
{
	dk_arch a = dk_kernel_arch(c->k);
	size_t n = context_size(a);
	if (!n)
		return false;
	if (cpu->context) {
		uint8_t *b = malloc(n);
		if (b && dk_kernel_read(c->k, cpu->context, b, n, NULL) == DK_OK &&
		    dk_regs_from_context(a, b, n, r) == DK_OK && r->valid) {
			free(b);
			*from = "memory";
			return true;
		}
		free(b);
	}
	if (cpu->from_triage) {
		size_t len;
		const dk_struct_desc *d;
		const uint8_t *ctx = dk_kdump_context(c->dump, &len, &d);
		if (ctx && dk_regs_from_context(a, ctx, len, r) == DK_OK && r->valid) {
			*from = "the dump's context record";
			return true;
		}
	}
	return false;
}

int cmd_cpus(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL } };
	kcli c;
	int rc = kcli_start("cpus", argc, argv, opts, 1, 1, 1, "missing FILE", &c);
	if (rc != EXIT_GOOD)
		return rc;
	bool js = cli_has(opts, 1, "--json");
	dk_kcpu *cp = NULL;
	size_t n = 0;
	dk_error e = { 0 };
	dk_status st = dk_kernel_cpus(c.k, &cp, &n, &e);
	if (st != DK_OK)
		return kcli_fail("cpus", &c, e.message, st == DK_E_IO ? EXIT_USAGE : EXIT_PROBLEMS);
	dk_arch arch = dk_kernel_arch(c.k);
	json j;
	json_init(&j, stdout);
	if (js) {
		kcli_json_begin(&j, &c);
		json_key(&j, "count");
		json_u64(&j, n);
		json_key(&j, "declared_processors");
		json_u64(&j, dk_kdump_get_summary(c.dump)->number_processors);
		kcli_json_notes(&j, &c);
		json_key(&j, "cpus");
		json_begin_array(&j);
	} else {
		kcli_notes("cpus", &c);
	}
	for (size_t i = 0; i < n; i++) {
		const dk_kcpu *x = &cp[i];
		dk_regs r;
		const char *from = "";
		bool have = cpu_regs(&c, x, &r, &from);
		char a[24], b[24], d[24], nb[16];
		if (js) {
			json_begin_object(&j);
			json_key(&j, "number");
			json_u64(&j, x->number);
			json_key(&j, "prcb");
			json_hex(&j, x->prcb);
			json_key(&j, "current_thread");
			json_hex(&j, x->current_thread);
			json_key(&j, "idle_thread");
			json_hex(&j, x->idle_thread);
			json_key(&j, "context");
			json_hex(&j, x->context);
			json_key(&j, "from_triage");
			json_bool(&j, x->from_triage);
			json_key(&j, "registers");
			if (have) {
				json_begin_object(&j);
				for (unsigned k = 0; k < DK_MAX_REGS; k++) {
					const char *rn = reg_name(arch, k, nb, sizeof nb);
					if (rn && (r.valid >> k & 1)) {
						json_key(&j, rn);
						json_hex(&j, r.r[k]);
					}
				}
				json_end_object(&j);
			} else {
				json_null(&j);
			}
			json_key(&j, "registers_from");
			json_string(&j, from);
			json_end_object(&j);
			continue;
		}
		printf("CPU %u%s\n", x->number, x->from_triage ? " (triage PRCB copy)" : "");
		printf("    PRCB: %s  CurrentThread: %s  IdleThread: %s\n",
		       x->prcb ? kcli_addr(&c, x->prcb, a, sizeof a) : "unknown",
		       kcli_addr(&c, x->current_thread, b, sizeof b),
		       kcli_addr(&c, x->idle_thread, d, sizeof d));
		printf("    Context: %s", x->context ? kcli_addr(&c, x->context, a, sizeof a) : "unknown");
		if (!have) {
			printf("  (registers not readable)\n\n");
			continue;
		}
		printf("  (registers from %s)\n", from);
		unsigned col = 0;
		for (unsigned k = 0; k < DK_MAX_REGS; k++) {
			const char *rn = reg_name(arch, k, nb, sizeof nb);
			if (!rn || !(r.valid >> k & 1))
				continue;
			printf("%s%6s=%s", col == 0 ? "   " : " ", rn, kcli_addr(&c, r.r[k], a, sizeof a));
			if (++col == 4) {
				printf("\n");
				col = 0;
			}
		}
		printf("%s\n", col ? "\n" : "");
	}
	if (js) {
		json_end_array(&j);
		json_end_object(&j);
		json_end(&j);
	} else {
		printf("%zu processors (the dump declares %u)\n", n,
		       dk_kdump_get_summary(c.dump)->number_processors);
	}
	free(cp);
	kcli_close(&c);
	return EXIT_GOOD;
}
