/* dmpkit ps — the processes of a kernel dump, like !process 0 0.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_ps(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit ps [--json] FILE\n"
	        "\n"
	        "List the processes of a Windows kernel dump, like the debugger's\n"
	        "'!process 0 0': EPROCESS address, PID (Cid), parent PID, session, DirBase,\n"
	        "PEB, ObjectTable, handle count (up to Windows 7 only), image name, create\n"
	        "and exit time (UTC) and the number of threads on the process's thread list.\n"
	        "The list is walked from PsActiveProcessHead; a triage dump holds only the\n"
	        "current process.  The walk is bounded and says where it stopped.\n"
	        "\n"
	        "Options:\n"
	        "  --json   print a JSON document\n"
	        "\n"
	        "Exit status: 0 listed, 1 the dump lacks what is needed (or the walk stopped\n"
	        "early), 2 usage or I/O error.\n");
}

static void json_process(json *j, const dk_kprocess *p, bool hc)
{
	char t[64];
	json_begin_object(j);
	json_key(j, "eprocess");
	json_hex(j, p->eprocess);
	json_key(j, "pid");
	json_u64(j, p->pid);
	json_key(j, "parent_pid");
	json_u64(j, p->parent_pid);
	json_key(j, "session_id");
	json_u64(j, p->session_id);
	json_key(j, "dtb");
	json_hex(j, p->dtb);
	json_key(j, "peb");
	json_hex(j, p->peb);
	json_key(j, "object_table");
	json_hex(j, p->object_table);
	json_key(j, "handle_count");
	if (hc)
		json_u64(j, p->handle_count);
	else
		json_null(j);
	json_key(j, "image_name");
	json_string(j, p->image_name);
	json_key(j, "create_time");
	json_hex(j, p->create_time);
	json_key(j, "create_time_utc");
	json_string(j, p->create_time ? kcli_time(p->create_time, t, sizeof t) : "");
	json_key(j, "exit_time");
	json_hex(j, p->exit_time);
	json_key(j, "exit_time_utc");
	json_string(j, p->exit_time ? kcli_time(p->exit_time, t, sizeof t) : "");
	json_key(j, "thread_count");
	json_u64(j, p->thread_count);
	json_end_object(j);
}

int cmd_ps(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL } };
	kcli c;
	int rc = kcli_start("ps", argc, argv, opts, 1, 1, 1, "missing FILE", &c);
	if (rc != EXIT_GOOD)
		return rc;
	bool js = cli_has(opts, 1, "--json");
	dk_kprocess *p = NULL;
	size_t n = 0;
	dk_walk_status ws = { 0 };
	dk_error e = { 0 };
	dk_status st = dk_kernel_processes(c.k, &p, &n, &ws, &e);
	if (st != DK_OK)
		return kcli_fail("ps", &c, e.message, st == DK_E_IO ? EXIT_USAGE : EXIT_PROBLEMS);
	bool triage = dk_kdump_get_triage(c.dump) != NULL;
	/* HANDLE_TABLE.HandleCount exists up to Windows 7 */
	bool hc = dk_kernel_build(c.k) < 9200 && dk_kernel_profile(c.k) &&
	          dk_kernel_profile(c.k)->eprocess_ext.handle_count != DK_OFF_NONE;
	if (js) {
		json j;
		kcli_json_begin(&j, &c);
		json_key(&j, "source");
		json_string(&j, triage ? "triage process copy" : "PsActiveProcessHead");
		json_key(&j, "count");
		json_u64(&j, n);
		kcli_json_walk(&j, &ws);
		kcli_json_notes(&j, &c);
		json_key(&j, "processes");
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++)
			json_process(&j, &p[i], hc);
		json_end_array(&j);
		json_end_object(&j);
		json_end(&j);
	} else {
		kcli_notes("ps", &c);
		printf("**** NT ACTIVE PROCESS DUMP ****\n");
		for (size_t i = 0; i < n; i++) {
			char a[24], b[24], t1[64], t2[64], hcs[16];
			const dk_kprocess *x = &p[i];
			if (hc)
				snprintf(hcs, sizeof hcs, "%u", x->handle_count);
			else
				snprintf(hcs, sizeof hcs, "n/a");
			printf("PROCESS %s\n", kcli_addr(&c, x->eprocess, a, sizeof a));
			printf("    SessionId: %u  Cid: %04" PRIx64 "    Peb: %s  ParentCid: %04" PRIx64 "\n",
			       x->session_id, x->pid, kcli_addr(&c, x->peb, b, sizeof b), x->parent_pid);
			printf("    DirBase: %08" PRIx64 "  ObjectTable: %s  HandleCount: %s\n", x->dtb,
			       kcli_addr(&c, x->object_table, a, sizeof a), hcs);
			printf("    Image: %s\n", x->image_name);
			printf("    Created: %s  Exited: %s  Threads: %u\n",
			       kcli_time(x->create_time, t1, sizeof t1),
			       kcli_time(x->exit_time, t2, sizeof t2), x->thread_count);
			printf("\n");
		}
		printf("%zu processes; %s\n", n, ws.stop_reason);
	}
	rc = (ws.complete || (triage && n)) ? EXIT_GOOD : EXIT_PROBLEMS;
	free(p);
	kcli_close(&c);
	return rc;
}
