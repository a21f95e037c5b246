/* dmpkit convert — a physical memory image into a crash dump the Windows
 * debugger opens (or a raw image).
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dmpkit/convert.h>
#include <dmpkit/verify.h>

#include "cli.h"

void help_convert(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit convert INPUT OUTPUT [options]\n"
	        "\n"
	        "Turn a physical memory image into a Windows crash dump (.dmp) the debugger\n"
	        "opens, or into a raw image.  The input format is recognised by content:\n"
	        "raw/padded images, Windows dumps (full, bitmap), ELF cores (QEMU\n"
	        "dump-guest-memory, VirtualBox dumpvmcore, makedumpfile -E), Xen dump-core\n"
	        "(PV and HVM/PVH), kdump-compressed files (plain or flattened; zlib, lzo,\n"
	        "snappy, zstd), LiME, AVML, EWF/E01, VMware .vmss/.vmsn (+ .vmem).\n"
	        "\n"
	        "The dump header comes from, in this order: --header FILE (a buffer captured\n"
	        "with KeInitializeCrashDumpHeader, or an existing .dmp); --header-at PHYSADDR;\n"
	        "the image's VMCOREINFO note (QEMU + virtio-win fwcfg); the input dump's own\n"
	        "header; or it is synthesized from the kernel found in the image (KDBG plain or\n"
	        "encoded, DirectoryTableBase from the vCPU state or found by its self-map,\n"
	        "PsLoadedModuleList, PsActiveProcessHead, PfnDataBase, processors, build,\n"
	        "times).  Whatever the source, DirectoryTableBase must translate\n"
	        "KdDebuggerDataBlock to a block tagged KDBG and PsLoadedModuleList to a sane\n"
	        "list; wrong values are found, repaired and reported (and summarised in the\n"
	        "dump's Comment).  The run list, page count, RequiredDumpSpace and DumpType\n"
	        "always describe the pages actually written.  When no Windows kernel can be\n"
	        "proven, the given values are kept, a warning says so, and the dump is written.\n"
	        "\n"
	        "Options:\n"
	        "  --header FILE        header buffer (0x1000/0x2000 bytes) or a .dmp to reuse\n"
	        "  --header-at PHYSADDR the header lies in the image at this physical address\n"
	        "  --bugcheck CODE[,P1,P2,P3,P4]  stop code and parameters (default: what the\n"
	        "                       header or KiBugcheckData says, else 0xE2\n"
	        "                       MANUALLY_INITIATED_CRASH)\n"
	        "  --no-repair          a header that needs a repair is an error\n"
	        "  --synthesize         ignore the header the image carries (VMCOREINFO note,\n"
	        "                       input dump) and build one from the kernel\n"
	        "  --format auto|runs|bitmap  full dump with runs (auto: when they fit the\n"
	        "                       header) or a full bitmap dump (DumpType 5)\n"
	        "  --to dmp|raw         raw: file offset == physical address, holes sparse\n"
	        "  --exclude RANGES     leave out physical ranges: START-END (inclusive) or\n"
	        "                       START+LENGTH, comma separated\n"
	        "  --comment TEXT       put TEXT at the start of the dump's Comment\n"
	        "  --image-format FMT   force the input reader (raw, elf, xen, diskdump, lime,\n"
	        "                       avml, vmware, ewf, windows-dump); see 'dmpkit image\n"
	        "                       --formats'\n"
	        "  --map RANGES         raw input without holes: the physical ranges it holds\n"
	        "  --companion FILE     VMware: the .vmss/.vmsn that describes a .vmem\n"
	        "  --verify             compare every page of the input with the output after\n"
	        "                       writing (like 'dmpkit verify')\n"
	        "  --force              replace an existing OUTPUT\n"
	        "  --quiet              no progress bar (shown on a terminal otherwise)\n"
	        "  --no-sparse          write zero pages as data\n"
	        "  --no-copy-range      never move pages with copy_file_range\n"
	        "  --json               print the report as one JSON object on stdout\n"
	        "\n"
	        "OUTPUT is written to a temporary file in its directory, synced, and renamed\n"
	        "when complete; an error or an interrupt (Ctrl-C) leaves nothing behind.\n"
	        "Inputs are opened read-only.\n"
	        "\n"
	        "Exit status: 0 the output was written; 1 it was not, because the input or the\n"
	        "header has problems (damaged image, --no-repair with repairs needed, --verify\n"
	        "found differences); 2 usage or I/O error.\n");
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

typedef struct progress {
	bool show;
	struct timespec start;
	double last;
	const char *what;
} progress;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool on_progress(void *arg, uint64_t done, uint64_t total)
{
	progress *p = arg;
	if (interrupted)
		return false;
	if (!p->show)
		return true;
	double t = now_s(), el = t - p->last;
	if (el < 0.2 && done < total)
		return true;
	p->last = t;
	double since = t - ((double)p->start.tv_sec + (double)p->start.tv_nsec / 1e9);
	double rate = since > 0 ? (double)done / since : 0;
	double pct = total ? 100.0 * (double)done / (double)total : 100.0;
	double eta = rate > 0 && total > done ? (double)(total - done) / rate : 0;
	int bar = (int)(pct / 5);
	char b[21];
	for (int i = 0; i < 20; i++)
		b[i] = i < bar ? '#' : '.';
	b[20] = 0;
	fprintf(stderr, "\r%s [%s] %5.1f%% %8.1f MiB/s  ETA %3.0fs ", p->what, b, pct,
	        rate / 1048576.0, eta);
	if (done >= total)
		fputc('\n', stderr);
	return true;
}

static const char *kind_name(dk_finding_kind k)
{
	switch (k) {
	case DK_CONV_REPAIR: return "repair";
	case DK_CONV_SET: return "set";
	case DK_CONV_GUESS: return "guess";
	case DK_CONV_WARNING: return "warning";
	default: return "info";
	}
}

static const char *format_name(dk_out_format f)
{
	switch (f) {
	case DK_OUT_RUNS: return "runs";
	case DK_OUT_BITMAP: return "bitmap";
	case DK_OUT_RAW: return "raw";
	default: return "auto";
	}
}

static void print_report(FILE *o, const dk_image *img, const dk_convert_report *rep,
                         const dk_dump_write_result *res, const char *output, bool wrote)
{
	fprintf(o, "input:  %s: %s\n", dk_image_name(img), dk_image_describe(img));
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		fprintf(o, "        note: %s\n", dk_image_note(img, i));
	if (rep->source != DK_HDR_NONE)
		fprintf(o, "header: %s\n", rep->source_detail);
	for (size_t i = 0; i < rep->count; i++)
		fprintf(o, "  %-7s %s\n", kind_name(rep->findings[i].kind), rep->findings[i].text);
	if (wrote)
		fprintf(o,
		        "output: %s: %s, %" PRIu64 " pages in %u runs (%" PRIu64
		        " zero pages left sparse, %" PRIu64 " moved with copy_file_range), %" PRIu64
		        " bytes\n",
		        output, format_name(res->format), res->pages, res->runs, res->zero_pages,
		        res->copied_pages, res->file_size);
}

static void print_json(const dk_image *img, const dk_convert_report *rep,
                       const dk_dump_write_result *res, const char *output, bool wrote,
                       const char *error)
{
	json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "input");
	json_begin_object(&j);
	json_key(&j, "file");
	json_string(&j, dk_image_name(img));
	json_key(&j, "format");
	json_string(&j, dk_image_format(img));
	json_key(&j, "description");
	json_string(&j, dk_image_describe(img));
	json_key(&j, "notes");
	json_begin_array(&j);
	for (size_t i = 0; i < dk_image_note_count(img); i++)
		json_string(&j, dk_image_note(img, i));
	json_end_array(&j);
	json_end_object(&j);
	json_key(&j, "header_source");
	json_string(&j, dk_header_source_name(rep->source));
	json_key(&j, "header_detail");
	json_string(&j, rep->source_detail);
	json_key(&j, "kernel_verified");
	json_bool(&j, rep->kernel_found);
	json_key(&j, "findings");
	json_begin_array(&j);
	for (size_t i = 0; i < rep->count; i++) {
		const dk_conv_finding *f = &rep->findings[i];
		json_begin_object(&j);
		json_key(&j, "kind");
		json_string(&j, kind_name(f->kind));
		json_key(&j, "field");
		if (f->field[0])
			json_string(&j, f->field);
		else
			json_null(&j);
		if (f->has_values) {
			json_key(&j, "old");
			json_hex(&j, f->old_value);
			json_key(&j, "new");
			json_hex(&j, f->new_value);
		}
		json_key(&j, "text");
		json_string(&j, f->text);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "output");
	if (wrote) {
		json_begin_object(&j);
		json_key(&j, "file");
		json_string(&j, output);
		json_key(&j, "format");
		json_string(&j, format_name(res->format));
		json_key(&j, "pages");
		json_u64(&j, res->pages);
		json_key(&j, "runs");
		json_u64(&j, res->runs);
		json_key(&j, "zero_pages");
		json_u64(&j, res->zero_pages);
		json_key(&j, "copied_pages");
		json_u64(&j, res->copied_pages);
		json_key(&j, "file_size");
		json_u64(&j, res->file_size);
		json_end_object(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "error");
	if (error)
		json_string(&j, error);
	else
		json_null(&j);
	json_end_object(&j);
	json_end(&j);
}

/* "CODE[,P1,P2,P3,P4]" */
static bool parse_bugcheck(const char *s, dk_convert_options *o)
{
	char buf[256];
	if (strlen(s) >= sizeof buf)
		return false;
	strcpy(buf, s);
	char *save = NULL;
	int i = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), i++) {
		uint64_t v;
		if (i > 4 || !cli_parse_u64(t, &v))
			return false;
		if (i == 0) {
			if (v > 0xFFFFFFFFu)
				return false;
			o->bugcheck_code = (uint32_t)v;
		} else {
			o->bugcheck_params[i - 1] = v;
		}
	}
	o->bugcheck_set = i > 0;
	return i > 0;
}

/* --verify: every page of the input against the output just written */
static int verify_after(dk_image *in, const char *output, const dk_run *exclude, size_t nexclude,
                        bool json_out)
{
	dk_image *out = NULL;
	dk_error e;
	if (dk_image_open(output, NULL, &out, &e) != DK_OK) {
		fprintf(stderr, "dmpkit convert: --verify: %s\n", e.message);
		return EXIT_PROBLEMS;
	}
	dk_verify_options vo;
	memset(&vo, 0, sizeof vo);
	vo.exclude = exclude;
	vo.nexclude = nexclude;
	dk_verify_result r;
	int rc = EXIT_GOOD;
	if (dk_verify_pages(dk_image_physmem(in), dk_image_physmem(out), &vo, &r, &e) != DK_OK) {
		fprintf(stderr, "dmpkit convert: --verify: %s\n", e.message);
		rc = EXIT_PROBLEMS;
	} else {
		FILE *o = json_out ? stderr : stdout;
		fprintf(o, "verify: %" PRIu64 " pages compared, %" PRIu64 " identical, %" PRIu64
		        " different, %" PRIu64 " missing from the output\n",
		        r.compared, r.identical, r.different, r.missing);
		for (size_t i = 0; i < r.nrecorded && i < 8; i++)
			fprintf(o, "  %-9s physical 0x%" PRIx64 "\n", verify_kind_name(r.recorded[i].kind),
			        r.recorded[i].pfn * r.page_size);
		if (!dk_verify_good(&r))
			rc = EXIT_PROBLEMS;
	}
	dk_image_close(out);
	return rc;
}

int cmd_convert(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--header", true, false, NULL },     { "--header-at", true, false, NULL },
		{ "--bugcheck", true, false, NULL },   { "--no-repair", false, false, NULL },
		{ "--format", true, false, NULL },     { "--to", true, false, NULL },
		{ "--exclude", true, false, NULL },    { "--comment", true, false, NULL },
		{ "--image-format", true, false, NULL }, { "--map", true, false, NULL },
		{ "--companion", true, false, NULL },  { "--verify", false, false, NULL },
		{ "--force", false, false, NULL },     { "--quiet", false, false, NULL },
		{ "--no-sparse", false, false, NULL }, { "--no-copy-range", false, false, NULL },
		{ "--json", false, false, NULL },      { "--synthesize", false, false, NULL },
	};
	const size_t no = sizeof opts / sizeof opts[0];
	int nops = 0;
	const char **ops = cli_parse_ops("convert", argc, argv, opts, no, &nops);
	if (!ops)
		return EXIT_USAGE;
	int rc = EXIT_USAGE;
	dk_image *img = NULL;
	dk_run *excl = NULL;
	dk_convert_report rep;
	memset(&rep, 0, sizeof rep);
	if (nops != 2) {
		cli_usage_error("convert", "expected INPUT OUTPUT, got %d operand(s)", nops);
		goto out;
	}
	bool json_out = cli_has(opts, no, "--json");
	dk_convert_options co;
	memset(&co, 0, sizeof co);
	co.header_file = cli_value(opts, no, "--header");
	co.no_repair = cli_has(opts, no, "--no-repair");
	co.synthesize = cli_has(opts, no, "--synthesize");
	co.comment = cli_value(opts, no, "--comment");
	const char *v;
	if ((v = cli_value(opts, no, "--header-at"))) {
		if (!cli_parse_u64(v, &co.header_at)) {
			cli_usage_error("convert", "--header-at: \"%s\" is not a number", v);
			goto out;
		}
		co.header_at_set = true;
	}
	if (co.header_file && co.header_at_set) {
		cli_usage_error("convert", "--header and --header-at exclude each other");
		goto out;
	}
	if ((v = cli_value(opts, no, "--bugcheck")) && !parse_bugcheck(v, &co)) {
		cli_usage_error("convert", "--bugcheck: expected CODE[,P1,P2,P3,P4], got \"%s\"", v);
		goto out;
	}
	co.write.format = DK_OUT_AUTO;
	if ((v = cli_value(opts, no, "--format"))) {
		if (strcmp(v, "runs") == 0 || strcmp(v, "full") == 0)
			co.write.format = DK_OUT_RUNS;
		else if (strcmp(v, "bitmap") == 0)
			co.write.format = DK_OUT_BITMAP;
		else if (strcmp(v, "auto") != 0) {
			cli_usage_error("convert", "--format: expected auto, runs or bitmap, got \"%s\"", v);
			goto out;
		}
	}
	if ((v = cli_value(opts, no, "--to"))) {
		if (strcmp(v, "raw") == 0)
			co.write.format = DK_OUT_RAW;
		else if (strcmp(v, "dmp") != 0) {
			cli_usage_error("convert", "--to: expected dmp or raw, got \"%s\"", v);
			goto out;
		}
	}
	co.write.force = cli_has(opts, no, "--force");
	co.write.no_sparse = cli_has(opts, no, "--no-sparse");
	co.write.no_copy_range = cli_has(opts, no, "--no-copy-range");
	rc = cli_image_open("convert", ops[0], opts, no, &img);
	if (rc != EXIT_GOOD)
		goto out;
	rc = EXIT_USAGE;
	dk_error err;
	memset(&err, 0, sizeof err);
	dk_status st;
	size_t nexcl = 0;
	if ((v = cli_value(opts, no, "--exclude"))) {
		if (dk_parse_page_ranges(v, dk_image_physmem(img)->page_size, "--exclude", &excl,
		                         &nexcl, &err) != DK_OK) {
			cli_usage_error("convert", "%s", err.message);
			goto out;
		}
		co.write.exclude = excl;
		co.write.nexclude = nexcl;
	}
	progress pg = { .show = !cli_has(opts, no, "--quiet") && !json_out && isatty(2),
		        .what = "converting" };
	clock_gettime(CLOCK_MONOTONIC, &pg.start);
	co.write.progress = on_progress;
	co.write.progress_arg = &pg;
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	dk_dump_write_result res;
	memset(&res, 0, sizeof res);
	st = dk_convert(img, ops[1], &co, &rep, &res, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	bool wrote = st == DK_OK;
	if (json_out)
		print_json(img, &rep, &res, ops[1], wrote, wrote ? NULL : err.message);
	else
		print_report(wrote ? stdout : stderr, img, &rep, &res, ops[1], wrote);
	if (!wrote) {
		fprintf(stderr, "dmpkit convert: %s%s\n", interrupted ? "interrupted: " : "",
		        err.message);
		rc = interrupted || st == DK_E_IO || st == DK_E_ARG ? EXIT_USAGE : EXIT_PROBLEMS;
		goto out;
	}
	rc = EXIT_GOOD;
	if (cli_has(opts, no, "--verify")) {
		int vr = verify_after(img, ops[1], excl, nexcl, json_out);
		if (vr != EXIT_GOOD)
			rc = vr;
	}
out:
	dk_convert_report_free(&rep);
	free(excl);
	dk_image_close(img);
	free(ops);
	return rc;
}
