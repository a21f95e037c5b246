/* dmpkit lm — the loaded kernel modules (PsLoadedModuleList, or a triage
 * dump's driver list), like the debugger's lm.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_lm(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit lm [--json] FILE\n"
	        "\n"
	        "List the loaded kernel modules of a Windows kernel dump: start, end, size,\n"
	        "timestamp, checksum, base name and full path.  The list is walked from\n"
	        "PsLoadedModuleList (KLDR_DATA_TABLE_ENTRY); for a triage dump it is the\n"
	        "dump's driver list.  The walk is bounded and says where it stopped when it\n"
	        "does not come back to the list head.\n"
	        "\n"
	        "Options:\n"
	        "  --json   print a JSON document\n"
	        "\n"
	        "Exit status: 0 listed, 1 the dump lacks what is needed (or the walk stopped\n"
	        "early), 2 usage or I/O error.\n");
}

int cmd_lm(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL } };
	kcli c;
	int rc = kcli_start("lm", argc, argv, opts, 1, 1, 1, "missing FILE", &c);
	if (rc != EXIT_GOOD)
		return rc;
	bool js = cli_has(opts, 1, "--json");
	dk_kmodule *m = NULL;
	size_t n = 0;
	dk_walk_status ws = { 0 };
	dk_error e = { 0 };
	dk_status st = dk_kernel_modules(c.k, &m, &n, &ws, &e);
	if (st != DK_OK)
		return kcli_fail("lm", &c, e.message, st == DK_E_IO ? EXIT_USAGE : EXIT_PROBLEMS);
	if (js) {
		json j;
		kcli_json_begin(&j, &c);
		json_key(&j, "source");
		json_string(&j, dk_kdump_get_triage(c.dump) ? "triage driver list" : "PsLoadedModuleList");
		json_key(&j, "count");
		json_u64(&j, n);
		kcli_json_walk(&j, &ws);
		kcli_json_notes(&j, &c);
		json_key(&j, "modules");
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++)
			kcli_json_module(&j, &m[i]);
		json_end_array(&j);
		json_end_object(&j);
		json_end(&j);
	} else {
		kcli_notes("lm", &c);
		int w = c.ptr == 4 ? 8 : 16;
		printf("%-*s %-*s %-8s %-8s %-8s %-20s %s\n", w, "start", w, "end", "size", "timestmp",
		       "checksum", "name", "path");
		for (size_t i = 0; i < n; i++)
			kcli_print_module(&c, &m[i]);
		printf("%zu modules; %s\n", n, ws.stop_reason);
	}
	rc = ws.complete ? EXIT_GOOD : EXIT_PROBLEMS;
	free(m);
	kcli_close(&c);
	return rc;
}
