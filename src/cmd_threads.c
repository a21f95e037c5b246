/* dmpkit threads — the threads of a kernel dump (all, or of one process),
 * like !thread, with a process's user modules from its PEB.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_threads(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit threads [--json] FILE [PROCESS]\n"
	        "\n"
	        "List the threads of a Windows kernel dump: ETHREAD address, Cid\n"
	        "(process.thread), TEB, state and wait reason in words, priority and base\n"
	        "priority, start and Win32 start addresses (named from the PE exports of the\n"
	        "modules in memory), kernel stack base, limit, current and initial stack\n"
	        "pointer, and the owning process.  Without PROCESS every process's threads\n"
	        "are listed; PROCESS is an EPROCESS address, a PID or an image name, and\n"
	        "then the process's user modules (PEB loader list) are listed too.  A\n"
	        "triage dump holds only the current thread.\n"
	        "\n"
	        "Options:\n"
	        "  --json   print a JSON document\n"
	        "\n"
	        "Exit status: 0 listed, 1 the dump lacks what is needed (or a walk stopped\n"
	        "early, or no process matches), 2 usage or I/O error.\n");
}

static void sym(dk_ksyms *s, uint64_t va, char *buf, size_t size)
{
	dk_ksym r;
	buf[0] = 0;
	if (s && va && dk_ksyms_lookup(s, va, &r))
		snprintf(buf, size, "%s", r.text);
}

static void print_thread(const kcli *c, dk_ksyms *s, const dk_kthread *t, const char *pname)
{
	char a[24], b[24], d[24], e[24], s1[256], s2[256];
	printf("THREAD %s  Cid %04" PRIx64 ".%04" PRIx64 "  Teb: %s  Process %s%s%s%s\n",
	       kcli_addr(c, t->ethread, a, sizeof a), t->pid, t->tid,
	       kcli_addr(c, t->teb, b, sizeof b), kcli_addr(c, t->process, d, sizeof d),
	       pname ? " (" : "", pname ? pname : "", pname ? ")" : "");
	printf("    State: %s (%u)  WaitReason: %s (%u)  Priority: %d  BasePriority: %d\n",
	       dk_thread_state_name(t->state), t->state, dk_wait_reason_name(t->wait_reason),
	       t->wait_reason, t->priority, t->base_priority);
	sym(s, t->start_address, s1, sizeof s1);
	sym(s, t->win32_start_address, s2, sizeof s2);
	printf("    StartAddress: %s%s%s\n", kcli_addr(c, t->start_address, a, sizeof a),
	       s1[0] ? " " : "", s1);
	printf("    Win32StartAddress: %s%s%s\n", kcli_addr(c, t->win32_start_address, a, sizeof a),
	       s2[0] ? " " : "", s2);
	printf("    Stack: base %s  limit %s  current %s  initial %s\n",
	       kcli_addr(c, t->stack_base, a, sizeof a), kcli_addr(c, t->stack_limit, b, sizeof b),
	       kcli_addr(c, t->kernel_stack, d, sizeof d), kcli_addr(c, t->initial_stack, e, sizeof e));
	printf("\n");
}

static void json_thread(json *j, dk_ksyms *s, const dk_kthread *t)
{
	char s1[256];
	json_begin_object(j);
	json_key(j, "ethread");
	json_hex(j, t->ethread);
	json_key(j, "pid");
	json_u64(j, t->pid);
	json_key(j, "tid");
	json_u64(j, t->tid);
	json_key(j, "teb");
	json_hex(j, t->teb);
	json_key(j, "process");
	json_hex(j, t->process);
	json_key(j, "state");
	json_u64(j, t->state);
	json_key(j, "state_name");
	json_string(j, dk_thread_state_name(t->state));
	json_key(j, "wait_reason");
	json_u64(j, t->wait_reason);
	json_key(j, "wait_reason_name");
	json_string(j, dk_wait_reason_name(t->wait_reason));
	/* KPRIORITY values are 0..31; a negative byte is not a priority */
	json_key(j, "priority");
	if (t->priority >= 0)
		json_u64(j, (uint64_t)t->priority);
	else
		json_null(j);
	json_key(j, "base_priority");
	if (t->base_priority >= 0)
		json_u64(j, (uint64_t)t->base_priority);
	else
		json_null(j);
	json_key(j, "start_address");
	json_hex(j, t->start_address);
	sym(s, t->start_address, s1, sizeof s1);
	json_key(j, "start_symbol");
	json_string(j, s1);
	json_key(j, "win32_start_address");
	json_hex(j, t->win32_start_address);
	sym(s, t->win32_start_address, s1, sizeof s1);
	json_key(j, "win32_start_symbol");
	json_string(j, s1);
	json_key(j, "stack_base");
	json_hex(j, t->stack_base);
	json_key(j, "stack_limit");
	json_hex(j, t->stack_limit);
	json_key(j, "kernel_stack");
	json_hex(j, t->kernel_stack);
	json_key(j, "initial_stack");
	json_hex(j, t->initial_stack);
	json_end_object(j);
}

/* The symbolizer for a thread: with the owning process's user modules
 * when listing every thread (threads come grouped by process). */
static dk_ksyms *syms_for(kcli *c, const dk_kprocess *p, const dk_kthread *t, dk_ksyms **s,
                          uint64_t *cur, const dk_kprocess *all, size_t nall)
{
	if (p || !nall || t->process == *cur)
		return *s;
	*cur = t->process;
	for (size_t k = 0; k < nall; k++)
		if (all[k].eprocess == t->process) {
			dk_ksyms *ns = NULL;
			if (dk_ksyms_open(c->k, &all[k], &ns, NULL) == DK_OK) {
				dk_ksyms_close(*s);
				*s = ns;
			}
			break;
		}
	return *s;
}

/* One process's threads (and user modules), or every thread (p NULL). */
static bool run_one(kcli *c, const dk_kprocess *p, json *j, bool js)
{
	dk_kthread *t = NULL;
	size_t n = 0;
	dk_walk_status ws = { 0 }, mws = { 0 };
	dk_error e = { 0 };
	dk_ksyms *s = NULL;
	uint64_t cur = p ? p->eprocess : 0;
	dk_kprocess *all = NULL;
	size_t nall = 0;
	dk_ksyms_open(c->k, p, &s, NULL);
	if (!p) {
		dk_walk_status pws;
		if (dk_kernel_processes(c->k, &all, &nall, &pws, NULL) != DK_OK) {
			all = NULL;
			nall = 0;
		}
	}
	dk_status st = dk_kernel_threads(c->k, p ? p->eprocess : 0, &t, &n, &ws, &e);
	dk_kmodule *um = NULL;
	size_t nu = 0;
	bool have_um = false;
	char uerr[512] = "";
	if (p && !dk_kdump_get_triage(c->dump)) {
		dk_error ue = { 0 };
		have_um = dk_kernel_user_modules(c->k, p, &um, &nu, &mws, &ue) == DK_OK;
		if (!have_um)
			snprintf(uerr, sizeof uerr, "%s", ue.message);
	}
	bool triage = dk_kdump_get_triage(c->dump) != NULL;
	if (js) {
		json_begin_object(j);
		if (p) {
			json_key(j, "eprocess");
			json_hex(j, p->eprocess);
			json_key(j, "pid");
			json_u64(j, p->pid);
			json_key(j, "image_name");
			json_string(j, p->image_name);
		}
		json_key(j, "error");
		json_string(j, st == DK_OK ? "" : e.message);
		kcli_json_walk(j, &ws);
		json_key(j, "threads");
		json_begin_array(j);
		for (size_t i = 0; i < n; i++)
			json_thread(j, syms_for(c, p, &t[i], &s, &cur, all, nall), &t[i]);
		json_end_array(j);
		if (p) {
			json_key(j, "user_modules");
			json_begin_object(j);
			json_key(j, "error");
			json_string(j, uerr);
			kcli_json_walk(j, &mws);
			json_key(j, "modules");
			json_begin_array(j);
			for (size_t i = 0; i < nu; i++)
				kcli_json_module(j, &um[i]);
			json_end_array(j);
			json_end_object(j);
		}
		json_end_object(j);
	} else {
		if (st != DK_OK)
			fprintf(stderr, "dmpkit threads: %s\n", e.message);
		for (size_t i = 0; i < n; i++) {
			dk_ksyms *ts = syms_for(c, p, &t[i], &s, &cur, all, nall);
			const char *pn = p ? p->image_name : NULL;
			for (size_t k = 0; !pn && k < nall; k++)
				if (all[k].eprocess == t[i].process)
					pn = all[k].image_name;
			print_thread(c, ts, &t[i], pn);
		}
		printf("%zu threads; %s\n", n, ws.stop_reason);
		if (p && !triage) {
			printf("\nUser modules of %s (PID %" PRIu64 "):\n", p->image_name, p->pid);
			if (!have_um)
				printf("  (not available: %s)\n", uerr);
			for (size_t i = 0; i < nu; i++)
				kcli_print_module(c, &um[i]);
			if (have_um)
				printf("%zu user modules; %s\n", nu, mws.stop_reason);
		}
		printf("\n");
	}
	free(t);
	free(um);
	free(all);
	dk_ksyms_close(s);
	return st == DK_OK && (ws.complete || (triage && n));
}

int cmd_threads(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL } };
	kcli c;
	int rc = kcli_start("threads", argc, argv, opts, 1, 1, 2, "missing FILE", &c);
	if (rc != EXIT_GOOD)
		return rc;
	bool js = cli_has(opts, 1, "--json");
	dk_kprocess *ps = NULL;
	size_t np = 0;
	if (c.nops == 2) {
		char why[512];
		np = kcli_find_processes(&c, c.ops[1], &ps, why, sizeof why);
		if (!np)
			return kcli_fail("threads", &c, why, EXIT_PROBLEMS);
	}
	json j;
	bool ok = true;
	json_init(&j, stdout);
	if (js) {
		kcli_json_begin(&j, &c);
		json_key(&j, "processes");
		json_begin_array(&j);
	}
	if (c.nops == 2)
		for (size_t i = 0; i < np; i++)
			ok &= run_one(&c, &ps[i], &j, js);
	else
		ok = run_one(&c, NULL, &j, js);
	if (js) {
		json_end_array(&j);
		kcli_json_notes(&j, &c);
		json_end_object(&j);
		json_end(&j);
	} else {
		kcli_notes("threads", &c);
	}
	free(ps);
	kcli_close(&c);
	return ok ? EXIT_GOOD : EXIT_PROBLEMS;
}
