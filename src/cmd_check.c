/* dmpkit check — the dumpchk of dmpkit.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_check(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit check [--deep] [--json] [--quiet] FILE...\n"
	        "\n"
	        "Check Windows kernel dumps (PAGEDUMP, PAGEDU64: full, kernel, bitmap, triage,\n"
	        "RDMP) and user-mode minidumps (MDMP: directory, stream sizes and counts,\n"
	        "module table, memory ranges, thread contexts) and print a verdict -- good,\n"
	        "good with warnings, or bad -- with every\n"
	        "finding: severity, structure, field, file offset, expected and found values.\n"
	        "Without --deep only the header, run list, bitmap and triage parts are read.\n"
	        "\n"
	        "Options:\n"
	        "  --deep    also read every stored page once\n"
	        "  --json    print one JSON document (an array with one object per file)\n"
	        "  --quiet   print only the verdict line of each file\n"
	        "\n"
	        "Exit status: 0 every dump is good (warnings allowed), 1 a dump is bad,\n"
	        "2 a file could not be read or the command line is wrong.\n");
}

static void describe(const char *path, FILE *out)
{
	dk_kdump *d;
	dk_error e;
	if (file_is_minidump(path)) {
		describe_minidump(path, out);
		return;
	}
	if (dk_kdump_open(path, &d, &e) != DK_OK)
		return;
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	const char *bc = dk_bugcheck_name(s->bugcheck_code);
	fprintf(out, "  %u-bit %s dump, DumpType %u: %s\n", s->bits, dk_arch_name(s->arch),
	        s->dump_type, dk_dump_type_name(s->dump_type));
	fprintf(out, "  build %u, %u processors, bugcheck 0x%08x%s%s%s\n", s->minor_version,
	        s->number_processors, s->bugcheck_code, bc ? " (" : "", bc ? bc : "", bc ? ")" : "");
	if (s->storage != DK_STORAGE_NONE)
		fprintf(out, "  pages: %" PRIu64 " stored, %" PRIu64 " in the file, first at 0x%" PRIx64
		        "; file size %" PRIu64 " bytes\n",
		        s->stored_pages, s->available_pages, s->first_page_offset, s->file_size);
	else
		fprintf(out, "  no physical memory pages; file size %" PRIu64 " bytes\n", s->file_size);
	dk_kdump_close(d);
}

static void print_text(const char *path, const dk_findings *f, const dk_check_stats *st,
                       bool deep, bool quiet)
{
	dk_verdict v = dk_findings_verdict(f);
	size_t ne = 0, nw = 0;
	for (size_t i = 0; i < f->count; i++) {
		ne += f->items[i].severity == DK_SEV_ERROR;
		nw += f->items[i].severity == DK_SEV_WARNING;
	}
	printf("%s: %s (%zu errors, %zu warnings)\n", path, dk_verdict_name(v), ne, nw);
	if (quiet)
		return;
	describe(path, stdout);
	if (deep)
		printf("  deep: %" PRIu64 " pages read, %" PRIu64 " unreadable, %" PRIu64
		       " zero, %" PRIu64 " 0xDEADFEED\n",
		       st->pages_read, st->pages_unreadable, st->pages_zero, st->pages_deadfeed);
	for (size_t i = 0; i < f->count; i++) {
		const dk_finding *x = &f->items[i];
		printf("  %-7s %s", dk_severity_name(x->severity), x->structure);
		if (x->field[0])
			printf(".%s", x->field);
		if (x->has_offset)
			printf(" @0x%" PRIx64, x->offset);
		printf(": %s", x->message);
		if (x->expected[0] || x->found[0])
			printf(" [expected %s, found %s]", x->expected[0] ? x->expected : "-",
			       x->found[0] ? x->found : "-");
		printf(" (%s)\n", x->id);
	}
	if (f->dropped)
		printf("  ... %zu more findings not shown\n", f->dropped);
}

static void print_json(json *j, const char *path, const dk_findings *f,
                       const dk_check_stats *st, bool deep, const char *io_error)
{
	json_begin_object(j);
	json_key(j, "file");
	json_string(j, path);
	if (io_error) {
		json_key(j, "verdict");
		json_string(j, "unreadable");
		json_key(j, "error");
		json_string(j, io_error);
		json_end_object(j);
		return;
	}
	json_key(j, "verdict");
	json_string(j, dk_verdict_name(dk_findings_verdict(f)));
	if (deep) {
		json_key(j, "deep");
		json_begin_object(j);
		json_key(j, "pages_read");
		json_u64(j, st->pages_read);
		json_key(j, "pages_unreadable");
		json_u64(j, st->pages_unreadable);
		json_key(j, "pages_zero");
		json_u64(j, st->pages_zero);
		json_key(j, "pages_deadfeed");
		json_u64(j, st->pages_deadfeed);
		json_end_object(j);
	}
	json_key(j, "findings");
	json_begin_array(j);
	for (size_t i = 0; i < f->count; i++) {
		const dk_finding *x = &f->items[i];
		json_begin_object(j);
		json_key(j, "severity");
		json_string(j, dk_severity_name(x->severity));
		json_key(j, "id");
		json_string(j, x->id);
		json_key(j, "structure");
		json_string(j, x->structure);
		json_key(j, "field");
		json_string(j, x->field);
		json_key(j, "offset");
		if (x->has_offset)
			json_u64(j, x->offset);
		else
			json_null(j);
		json_key(j, "expected");
		json_string(j, x->expected);
		json_key(j, "found");
		json_string(j, x->found);
		json_key(j, "message");
		json_string(j, x->message);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

int cmd_check(int argc, char **argv)
{
	cli_opt opts[] = { { "--deep", false, false, NULL }, { "--json", false, false, NULL },
	                   { "--quiet", false, false, NULL } };
	const size_t no = sizeof opts / sizeof opts[0];
	const char **files = calloc((size_t)argc + 1, sizeof *files);
	int nf;
	if (!files)
		return EXIT_USAGE;
	if (!cli_parse("check", argc, argv, opts, no, files, &nf)) {
		free(files);
		return EXIT_USAGE;
	}
	if (nf == 0) {
		cli_usage_error("check", "no dump file given");
		free(files);
		return EXIT_USAGE;
	}
	bool deep = cli_has(opts, no, "--deep"), js = cli_has(opts, no, "--json");
	bool quiet = cli_has(opts, no, "--quiet");
	int rc = EXIT_GOOD;
	json j;
	json_init(&j, stdout);
	if (js)
		json_begin_array(&j);
	for (int i = 0; i < nf; i++) {
		dk_findings f;
		dk_check_stats st;
		dk_error e = { 0 };
		memset(&st, 0, sizeof st);
		dk_findings_init(&f);
		dk_status s = dk_check_file(files[i], deep ? DK_CHECK_DEEP : 0, &f, &st, &e);
		if (s != DK_OK) {
			fprintf(stderr, "dmpkit check: %s\n", e.message);
			if (js)
				print_json(&j, files[i], &f, &st, deep, e.message);
			rc = EXIT_USAGE;
		} else {
			if (js)
				print_json(&j, files[i], &f, &st, deep, NULL);
			else
				print_text(files[i], &f, &st, deep, quiet);
			if (dk_findings_verdict(&f) == DK_VERDICT_BAD && rc == EXIT_GOOD)
				rc = EXIT_PROBLEMS;
		}
		dk_findings_free(&f);
	}
	if (js) {
		json_end_array(&j);
		json_end(&j);
	}
	free(files);
	return rc;
}
