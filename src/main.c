/* dmpkit — the command.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *f);
	const char *summary;
} command;

static const command commands[] = {
	{ "check", cmd_check, help_check, "check dumps for damage and inconsistencies (like dumpchk)" },
	{ "info", cmd_info, help_info, "print every header field, named and decoded (like .dumpdebug)" },
	{ "diff", cmd_diff, help_diff, "compare two dumps field by field, by name" },
	{ "analyze", cmd_analyze, help_analyze, "explain a crash: reason, thread, stacks, modules" },
	{ "error", cmd_error, help_error, "name a status value: Win32, NTSTATUS, HRESULT (!error)" },
	{ "bugcheck", cmd_bugcheck, help_bugcheck, "explain a stop code and its parameters" },
	{ "vtop", cmd_vtop, help_vtop, "translate a virtual address, every level of the walk (!vtop)" },
	{ "read", cmd_read, help_read, "display memory, virtual or physical (db, dd, dq, da)" },
	{ "search", cmd_search, help_search, "search memory for bytes or a string (s)" },
	{ "kdbg", cmd_kdbg, help_kdbg, "show the kernel debugger data block, every field decoded" },
	{ "lm", cmd_lm, help_lm, "loaded kernel modules (like lm)" },
	{ "ps", cmd_ps, help_ps, "processes (like !process 0 0)" },
	{ "threads", cmd_threads, help_threads, "threads, of all or one process (like !thread)" },
	{ "cpus", cmd_cpus, help_cpus, "per processor: PRCB, current thread, context" },
	{ "ln", cmd_ln, help_ln, "nearest symbol of an address from PE exports (like ln)" },
	{ "exr", cmd_exr, help_exr, "display an exception record in kernel memory (.exr)" },
	{ "cxr", cmd_cxr, help_cxr, "display a context record and walk its stack (.cxr)" },
	{ "trap", cmd_trap, help_trap, "display a trap frame and walk its stack (.trap)" },
	{ "stack", cmd_stack, help_stack, "walk a kernel stack like kb (thread, cpu, regs)" },
	{ "convert", cmd_convert, help_convert, "turn a physical memory image into a .dmp (or raw)" },
	{ "verify", cmd_verify, help_verify, "compare every physical page of an image with a dump" },
	{ "image", cmd_images, help_images, "describe a memory image: format, ranges, CPUs, notes" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit COMMAND [OPTIONS] FILE [ARGS]\n"
	        "\n"
	        "Make, check, explain and analyze Windows crash dumps.\n"
	        "\n"
	        "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	        "  help     show help for a command: dmpkit help COMMAND\n"
	        "\n"
	        "Options:\n"
	        "  --help     show this help\n"
	        "  --version  print the version\n"
	        "\n"
	        "Options may stand before or after operands.  Numbers are accepted in\n"
	        "decimal, 0x hex, or a debugger's form (fffff804`7c62a390).\n"
	        "\n"
	        "Exit status: 0 ok, 1 the dump has problems (or a diff found differences),\n"
	        "2 usage or I/O error.\n");
}

static const command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *c = argv[1];
	if (strcmp(c, "--version") == 0 || strcmp(c, "version") == 0) {
		printf("dmpkit %s\n", dk_version());
		return EXIT_GOOD;
	}
	if (strcmp(c, "--help") == 0 || strcmp(c, "-h") == 0) {
		usage(stdout);
		return EXIT_GOOD;
	}
	if (strcmp(c, "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return EXIT_GOOD;
		}
		const command *cmd = find(argv[2]);
		if (!cmd) {
			fprintf(stderr, "dmpkit: unknown command '%s'\n", argv[2]);
			return EXIT_USAGE;
		}
		cmd->help(stdout);
		return EXIT_GOOD;
	}
	const command *cmd = find(c);
	if (!cmd) {
		fprintf(stderr, "dmpkit: unknown command '%s'\nTry 'dmpkit --help'.\n", c);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cmd->help(stdout);
			return EXIT_GOOD;
		}
	}
	return cmd->run(argc - 2, argv + 2);
}
