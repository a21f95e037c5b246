/* dmpkit ln — the nearest symbol of an address, from the PE export
 * directories of the modules in memory (kernel, and a process's user
 * modules with --process).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_ln(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit ln [--json] [--process P] FILE ADDR\n"
	        "\n"
	        "Name the module and nearest exported function of ADDR in a Windows kernel\n"
	        "dump, as module!export+0xoff, or module+0xoff when the module's export\n"
	        "directory is not in the dump or ADDR lies before the first export.  Module\n"
	        "names are the debugger's: nt for the kernel, hal, then the file name\n"
	        "without extension.  Names come from exports only (no PDBs): a function\n"
	        "that is not exported shows as the preceding export plus an offset.\n"
	        "ADDR is decimal, 0x hex or a debugger's form (fffff804`7c62a390).\n"
	        "\n"
	        "Options:\n"
	        "  --process P  also search the user modules of process P (EPROCESS\n"
	        "               address, PID or image name) in its address space\n"
	        "  --json       print a JSON document\n"
	        "\n"
	        "Exit status: 0 a module holds ADDR, 1 none does (or the dump lacks what is\n"
	        "needed), 2 usage or I/O error.\n");
}

int cmd_ln(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL }, { "--process", true, false, NULL } };
	kcli c;
	int rc = kcli_args("ln", argc, argv, opts, 2, 2, 2, "missing FILE or ADDR", &c);
	if (rc != EXIT_GOOD)
		return rc;
	uint64_t va;
	if (!cli_parse_u64(c.ops[1], &va)) {
		cli_usage_error("ln", "'%s' is not an address", c.ops[1]);
		kcli_close(&c);
		return EXIT_USAGE;
	}
	bool js = cli_has(opts, 2, "--json");
	const char *pspec = cli_value(opts, 2, "--process");
	rc = kcli_load("ln", &c);
	if (rc != EXIT_GOOD)
		return rc;
	dk_kprocess *ps = NULL;
	if (pspec) {
		char why[512];
		size_t np = kcli_find_processes(&c, pspec, &ps, why, sizeof why);
		if (!np)
			return kcli_fail("ln", &c, why, EXIT_PROBLEMS);
		if (np > 1 && !js)
			fprintf(stderr, "dmpkit ln: note: %zu processes match '%s'; using PID %" PRIu64 "\n",
			        np, pspec, ps[0].pid);
	}
	dk_ksyms *s = NULL;
	dk_error e = { 0 };
	if (dk_ksyms_open(c.k, ps, &s, &e) != DK_OK) {
		free(ps);
		return kcli_fail("ln", &c, e.message, EXIT_PROBLEMS);
	}
	dk_ksym r;
	bool found = dk_ksyms_lookup(s, va, &r);
	char a[24], b[24];
	if (js) {
		json j;
		kcli_json_begin(&j, &c);
		json_key(&j, "address");
		json_hex(&j, va);
		json_key(&j, "found");
		json_bool(&j, found);
		kcli_json_notes(&j, &c);
		if (found) {
			json_key(&j, "text");
			json_string(&j, r.text);
			json_key(&j, "module");
			json_string(&j, r.module);
			json_key(&j, "module_file");
			json_string(&j, r.module_file);
			json_key(&j, "module_base");
			json_hex(&j, r.module_base);
			json_key(&j, "module_size");
			json_hex(&j, r.module_size);
			json_key(&j, "user");
			json_bool(&j, r.user);
			json_key(&j, "symbol");
			json_string(&j, r.symbol);
			json_key(&j, "symbol_address");
			json_hex(&j, r.symbol_va);
			json_key(&j, "offset");
			json_hex(&j, r.offset);
			json_key(&j, "next_symbol");
			json_string(&j, r.next_symbol);
			json_key(&j, "next_address");
			json_hex(&j, r.next_va);
			json_key(&j, "note");
			json_string(&j, r.note);
		}
		json_end_object(&j);
		json_end(&j);
	} else {
		kcli_notes("ln", &c);
		if (!found) {
			printf("%s  no module holds this address\n", kcli_addr(&c, va, a, sizeof a));
		} else {
			printf("%s  %s\n", kcli_addr(&c, va, a, sizeof a), r.text);
			if (r.symbol[0]) {
				printf("    (%s) %s!%s", kcli_addr(&c, r.symbol_va, a, sizeof a), r.module,
				       r.symbol);
				if (r.next_symbol[0])
					printf("  |  (%s) %s!%s", kcli_addr(&c, r.next_va, b, sizeof b), r.module,
					       r.next_symbol);
				printf("\n    names from the export directory (no PDB)\n");
			}
			printf("    module %s (%s) %s-%s%s\n", r.module, r.module_file,
			       kcli_addr(&c, r.module_base, a, sizeof a),
			       kcli_addr(&c, r.module_base + r.module_size, b, sizeof b),
			       r.user ? ", user mode" : "");
			if (r.note[0])
				printf("    %s\n", r.note);
		}
	}
	dk_ksyms_close(s);
	free(ps);
	kcli_close(&c);
	return found ? EXIT_GOOD : EXIT_PROBLEMS;
}
