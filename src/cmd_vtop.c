/* dmpkit vtop — translate a virtual address like !vtop / !pte, and the
 * address space opening shared by read and search.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/vas.h>

#include "cli.h"

void help_vtop(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit vtop FILE ADDR [--process P | --dtb X] [--paging x86|pae|x64|arm64]\n"
	        "                   [--json]\n"
	        "\n"
	        "Translate the virtual address ADDR of a kernel dump's address space to a\n"
	        "physical address, like !vtop and !pte: every level of the page-table walk\n"
	        "(table address, index, entry address, entry value and its decoded bits) and\n"
	        "the result: valid, transition (readable: the page is in RAM), not in dump,\n"
	        "not mapped, demand zero, paged out (page file number and offset), prototype,\n"
	        "non-canonical, or a page table missing from the dump -- with the reason.\n"
	        "\n"
	        "The paging mode and the directory table base come from the dump header\n"
	        "(x86 with PaeEnabled: pae; AMD64: x64; ARM64: arm64) unless given.\n"
	        "\n"
	        "Options:\n"
	        "  --process P     the address space of process P: EPROCESS address, PID or\n"
	        "                  image name (as 'dmpkit ps' lists them)\n"
	        "  --dtb X         directory table base (CR3 / TTBR) of another address space,\n"
	        "                  e.g. a process's DirBase from 'dmpkit ps'\n"
	        "  --paging MODE   x86, pae, x64 or arm64\n"
	        "  --json          print one JSON object\n"
	        "\n"
	        "Numbers: decimal, 0x hex, or a debugger's fffff804`7c62a390.\n"
	        "\n"
	        "Exit status: 0 the address is readable (valid, transition or demand zero),\n"
	        "1 it is not, 2 usage or I/O error.\n");
}

static dk_paging paging_from_header(const dk_kdump_summary *s)
{
	switch (s->arch) {
	case DK_ARCH_X86: return s->pae_enabled ? DK_PAGING_PAE : DK_PAGING_X86;
	case DK_ARCH_AMD64: return DK_PAGING_X64;
	case DK_ARCH_ARM64: return DK_PAGING_ARM64;
	default: return DK_PAGING_NONE;
	}
}

/* The DirectoryTableBase of the process `spec` names. */
static int process_dtb(const char *cmd, const char *path, const char *spec, uint64_t *dtb)
{
	kcli kc;
	int rc = kcli_open(cmd, path, &kc);
	if (rc != EXIT_GOOD)
		return rc;
	dk_kprocess *ps = NULL;
	char why[256];
	size_t n = kcli_find_processes(&kc, spec, &ps, why, sizeof why);
	if (n == 0) {
		fprintf(stderr, "dmpkit %s: %s: %s\n", cmd, path, why);
		kcli_close(&kc);
		free(ps);
		return EXIT_PROBLEMS;
	}
	if (n > 1)
		fprintf(stderr, "dmpkit %s: note: %zu processes match '%s'; using EPROCESS 0x%" PRIx64
		        " (PID %" PRIu64 ")\n", cmd, n, spec, ps[0].eprocess, ps[0].pid);
	*dtb = ps[0].dtb;
	free(ps);
	kcli_close(&kc);
	return EXIT_GOOD;
}

int cli_vas_open(const char *cmd, const char *path, const char *dtb_opt, const char *paging_opt,
                 const char *process_opt, bool need_vas, cli_vas *cv)
{
	dk_error e;
	memset(cv, 0, sizeof *cv);
	if (dk_kdump_open(path, &cv->dump, &e) != DK_OK) {
		fprintf(stderr, "dmpkit %s: %s\n", cmd, e.message);
		return EXIT_USAGE;
	}
	const dk_kdump_summary *s = dk_kdump_get_summary(cv->dump);
	cv->pm = dk_kdump_physmem(cv->dump);
	if (!cv->pm) {
		fprintf(stderr, "dmpkit %s: %s: the dump holds no physical memory (DumpType %u)\n",
		        cmd, path, s->dump_type);
		cli_vas_close(cv);
		return EXIT_USAGE;
	}
	cv->paging = paging_from_header(s);
	cv->dtb = s->directory_table_base;
	if (paging_opt) {
		cv->paging = dk_paging_from_name(paging_opt);
		if (cv->paging == DK_PAGING_NONE) {
			cli_usage_error(cmd, "unknown paging mode '%s' (x86, pae, x64 or arm64)",
			                paging_opt);
			cli_vas_close(cv);
			return EXIT_USAGE;
		}
	}
	if (dtb_opt && !cli_parse_u64(dtb_opt, &cv->dtb)) {
		cli_usage_error(cmd, "bad --dtb value '%s'", dtb_opt);
		cli_vas_close(cv);
		return EXIT_USAGE;
	}
	if (process_opt) {
		if (dtb_opt) {
			cli_usage_error(cmd, "--dtb and --process exclude each other");
			cli_vas_close(cv);
			return EXIT_USAGE;
		}
		int rc = process_dtb(cmd, path, process_opt, &cv->dtb);
		if (rc != EXIT_GOOD) {
			cli_vas_close(cv);
			return rc;
		}
	}
	if (!need_vas)
		return EXIT_GOOD;
	if (cv->paging == DK_PAGING_NONE) {
		fprintf(stderr,
		        "dmpkit %s: %s: unknown architecture (machine 0x%x); give --paging\n", cmd,
		        path, s->machine_image_type);
		cli_vas_close(cv);
		return EXIT_USAGE;
	}
	if (dk_vas_create(cv->pm, cv->paging, cv->dtb, &cv->vas, &e) != DK_OK) {
		fprintf(stderr, "dmpkit %s: %s: %s\n", cmd, path, e.message);
		cli_vas_close(cv);
		return EXIT_USAGE;
	}
	dk_vas_set_windows_build(cv->vas, s->minor_version);
	return EXIT_GOOD;
}

void cli_vas_close(cli_vas *cv)
{
	if (cv->vas)
		dk_vas_free(cv->vas);
	if (cv->dump)
		dk_kdump_close(cv->dump);
	memset(cv, 0, sizeof *cv);
}

static void flags_text(unsigned f, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ DK_XLF_PRESENT, "present" }, { DK_XLF_TABLE, "table" },
		{ DK_XLF_LARGE, "large" },     { DK_XLF_WRITE, "write" },
		{ DK_XLF_USER, "user" },       { DK_XLF_NX, "nx" },
		{ DK_XLF_SOFTWARE, "software" }, { DK_XLF_TRANSITION, "transition" },
		{ DK_XLF_PROTOTYPE, "prototype" }, { DK_XLF_FAULT, "table-not-in-dump" },
	};
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(f & names[i].bit))
			continue;
		int n = snprintf(buf + o, size - o, "%s%s", o ? " " : "", names[i].name);
		if (n < 0 || (size_t)n >= size - o)
			break;
		o += (size_t)n;
	}
	if (!o)
		snprintf(buf, size, "%s", (f & DK_XLF_FAULT) ? "table-not-in-dump" : "zero");
}

static void print_text(const char *path, const cli_vas *cv, const dk_xlate *x, bool readable)
{
	printf("%s: %s paging, DTB 0x%" PRIx64 " (masked 0x%" PRIx64 ")\n", path,
	       dk_paging_name(cv->paging), cv->dtb, dk_vas_dtb(cv->vas));
	printf("VA 0x%016" PRIx64 "\n", x->va);
	unsigned ew = cv->paging == DK_PAGING_X86 ? 8 : 16;
	for (unsigned i = 0; i < x->nlevels; i++) {
		const dk_xlate_level *l = &x->levels[i];
		char fl[160];
		flags_text(l->flags, fl, sizeof fl);
		printf("  %-8s table 0x%09" PRIx64 " index 0x%03x entry at 0x%09" PRIx64,
		       l->name, l->table_pa, l->index, l->entry_pa);
		if (l->flags & DK_XLF_FAULT) {
			printf("  (not in dump)\n");
			continue;
		}
		printf(" = 0x%0*" PRIx64 "  %s", (int)ew, l->entry, fl);
		if (l->next_pa)
			printf(" -> 0x%" PRIx64 " (pfn 0x%" PRIx64 ")", l->next_pa, l->next_pa >> 12);
		printf("\n");
	}
	printf("=> %s", dk_xlate_state_name(x->state));
	if (x->state == DK_XL_VALID || x->state == DK_XL_TRANSITION ||
	    x->state == DK_XL_NOT_IN_DUMP)
		printf(": PA 0x%" PRIx64 ", %" PRIu64 " KiB page", x->pa, x->page_size / 1024);
	if (x->state == DK_XL_PAGEFILE)
		printf(": page file %u offset 0x%" PRIx64, x->pagefile_number, x->pagefile_offset);
	if (x->prototype_va)
		printf(" (prototype PTE at 0x%" PRIx64 ")", x->prototype_va);
	printf("\n   %s\n", x->reason);
	printf("   %s\n", readable ? "readable" : "not readable from this dump");
}

static void print_json(const char *path, const cli_vas *cv, const dk_xlate *x, bool readable)
{
	json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "file");
	json_string(&j, path);
	json_key(&j, "paging");
	json_string(&j, dk_paging_name(cv->paging));
	json_key(&j, "dtb");
	json_hex(&j, cv->dtb);
	json_key(&j, "dtb_masked");
	json_hex(&j, dk_vas_dtb(cv->vas));
	json_key(&j, "va");
	json_hex(&j, x->va);
	json_key(&j, "levels");
	json_begin_array(&j);
	for (unsigned i = 0; i < x->nlevels; i++) {
		const dk_xlate_level *l = &x->levels[i];
		json_begin_object(&j);
		json_key(&j, "name");
		json_string(&j, l->name);
		json_key(&j, "table_pa");
		json_hex(&j, l->table_pa);
		json_key(&j, "index");
		json_u64(&j, l->index);
		json_key(&j, "entry_pa");
		json_hex(&j, l->entry_pa);
		json_key(&j, "in_dump");
		json_bool(&j, !(l->flags & DK_XLF_FAULT));
		json_key(&j, "entry");
		if (l->flags & DK_XLF_FAULT)
			json_null(&j);
		else
			json_hex(&j, l->entry);
		json_key(&j, "present");
		json_bool(&j, l->flags & DK_XLF_PRESENT);
		json_key(&j, "table");
		json_bool(&j, l->flags & DK_XLF_TABLE);
		json_key(&j, "large");
		json_bool(&j, l->flags & DK_XLF_LARGE);
		json_key(&j, "write");
		json_bool(&j, l->flags & DK_XLF_WRITE);
		json_key(&j, "user");
		json_bool(&j, l->flags & DK_XLF_USER);
		json_key(&j, "nx");
		json_bool(&j, l->flags & DK_XLF_NX);
		json_key(&j, "software");
		json_bool(&j, l->flags & DK_XLF_SOFTWARE);
		json_key(&j, "transition");
		json_bool(&j, l->flags & DK_XLF_TRANSITION);
		json_key(&j, "prototype");
		json_bool(&j, l->flags & DK_XLF_PROTOTYPE);
		json_key(&j, "next_pa");
		if (l->next_pa)
			json_hex(&j, l->next_pa);
		else
			json_null(&j);
		json_key(&j, "pfn");
		if (l->next_pa)
			json_hex(&j, l->next_pa >> 12);
		else
			json_null(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "state");
	json_string(&j, dk_xlate_state_id(x->state));
	json_key(&j, "state_text");
	json_string(&j, dk_xlate_state_name(x->state));
	json_key(&j, "readable");
	json_bool(&j, readable);
	json_key(&j, "pa");
	if (x->state == DK_XL_VALID || x->state == DK_XL_TRANSITION ||
	    x->state == DK_XL_NOT_IN_DUMP)
		json_hex(&j, x->pa);
	else
		json_null(&j);
	json_key(&j, "page_size");
	json_u64(&j, x->page_size);
	if (x->state == DK_XL_PAGEFILE) {
		json_key(&j, "pagefile_number");
		json_u64(&j, x->pagefile_number);
		json_key(&j, "pagefile_offset");
		json_hex(&j, x->pagefile_offset);
	}
	json_key(&j, "prototype_va");
	if (x->prototype_va)
		json_hex(&j, x->prototype_va);
	else
		json_null(&j);
	json_key(&j, "reason");
	json_string(&j, x->reason);
	json_end_object(&j);
	json_end(&j);
}

int cmd_vtop(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--dtb", true, false, NULL },
		{ "--process", true, false, NULL },
		{ "--paging", true, false, NULL },
		{ "--json", false, false, NULL },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	int nops = 0;
	const char **ops = cli_parse_ops("vtop", argc, argv, opts, nopts, &nops);
	if (!ops)
		return EXIT_USAGE;
	if (nops != 2) {
		cli_usage_error("vtop", "expected FILE ADDR");
		free(ops);
		return EXIT_USAGE;
	}
	const char *path = ops[0];
	uint64_t va;
	if (!cli_parse_u64(ops[1], &va)) {
		cli_usage_error("vtop", "bad address '%s'", ops[1]);
		free(ops);
		return EXIT_USAGE;
	}
	free(ops);
	cli_vas cv;
	int rc = cli_vas_open("vtop", path, cli_value(opts, nopts, "--dtb"),
	                      cli_value(opts, nopts, "--paging"), cli_value(opts, nopts, "--process"),
	                      true, &cv);
	if (rc != EXIT_GOOD)
		return rc;
	dk_xlate x;
	dk_vas_translate(cv.vas, va, &x);
	bool readable = dk_xlate_readable(cv.vas, &x);
	if (cli_has(opts, nopts, "--json"))
		print_json(path, &cv, &x, readable);
	else
		print_text(path, &cv, &x, readable);
	cli_vas_close(&cv);
	return readable ? EXIT_GOOD : EXIT_PROBLEMS;
}
