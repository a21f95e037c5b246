/* dmpkit info — every header field, named and decoded (like .dumpdebug).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_info(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit info [--json] [--all] [--max-runs N] FILE\n"
	        "\n"
	        "Print every field of a Windows kernel dump's header, named and decoded:\n"
	        "build, machine, processors, bugcheck code and name, parameters, dump type,\n"
	        "system time (UTC), uptime, PAE, attributes, comment, the run list or bitmap\n"
	        "summary, the secondary header (bitmap, RDMP or triage), the triage parts\n"
	        "and driver list, the context registers and the exception record.\n"
	        "Fields Windows leaves filled with the \"PAGE\" pattern print as (not set).\n"
	        "For a user-mode minidump (\"MDMP\") print the header, the stream directory\n"
	        "and every stream decoded: threads, modules (versions, debug ids), memory,\n"
	        "exception, system and misc info, handles, crashpad annotations, ...\n"
	        "\n"
	        "Options:\n"
	        "  --json        print a JSON document (see docs/json.md)\n"
	        "  --all         include reserved fields and vector/FP registers\n"
	        "  --max-runs N  list at most N physical memory runs (default 64)\n"
	        "\n"
	        "Exit status: 0 printed, 1 the file is not a dump, 2 usage or I/O error.\n");
}

static void text_fields(const dk_struct_desc *d, const uint8_t *base, size_t avail,
                        uint64_t file_off, const char *prefix, bool all)
{
	char val[1024], mean[256];
	for (size_t i = 0; i < d->nfields; i++) {
		const dk_field *f = &d->fields[i];
		if (f->flags & DK_FF_SUBSTRUCT)
			continue;
		if (!all && ((f->flags & DK_FF_RESERVED) || (f->type == DK_FT_BYTES && f->size > 8)))
			continue;
		dk_field_format(f, base, avail, val, sizeof val);
		dk_field_explain(f, base, avail, mean, sizeof mean);
		if (f->type == DK_FT_TAG || f->type == DK_FT_ASCII) {
			if (strcmp(val, "(not set)") != 0 && strcmp(val, "(missing)") != 0) {
				char q[1040];
				snprintf(q, sizeof q, "\"%s\"", val);
				memcpy(val, q, strlen(q) + 1 < sizeof val ? strlen(q) + 1 : sizeof val - 1);
				val[sizeof val - 1] = 0;
			}
		}
		printf("  0x%04" PRIx64 " %s%-*s %s%s%s\n", file_off + f->offset, prefix,
		       (int)(34 - strlen(prefix)), f->name, val, mean[0] ? "  " : "", mean);
	}
}

static void print_runs_text(dk_kdump *d, uint64_t max_runs)
{
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	static const char *const st[] = { "none", "run list", "bitmap", "RDMP ranges" };
	printf("\nPhysical memory: %s\n", st[s->storage]);
	if (s->storage == DK_STORAGE_NONE) {
		printf("  this dump type stores no physical pages\n");
		return;
	}
	printf("  first page at file offset 0x%" PRIx64 "\n", s->first_page_offset);
	printf("  pages declared %" PRIu64 ", stored %" PRIu64 ", inside the file %" PRIu64 "\n",
	       s->declared_pages, s->stored_pages, s->available_pages);
	dk_run r;
	uint64_t p = 0, n = 0, hi = 0;
	while (dk_kdump_next_stored_run(d, p, &r)) {
		if (n < max_runs)
			printf("  run %-4" PRIu64 " pages 0x%-10" PRIx64 "+0x%-8" PRIx64
			       " physical 0x%" PRIx64 "-0x%" PRIx64 "\n",
			       n, r.base_pfn, r.count, r.base_pfn * DK_PAGE_SIZE,
			       (r.base_pfn + r.count) * DK_PAGE_SIZE - 1);
		n++;
		hi = r.base_pfn + r.count;
		p = hi;
	}
	if (n > max_runs)
		printf("  ... %" PRIu64 " runs in all\n", n);
	printf("  highest physical address 0x%" PRIx64 "\n", hi ? hi * DK_PAGE_SIZE - 1 : 0);
}

static void print_triage_text(const dk_triage *t, unsigned bits)
{
	dk_triage_part parts[16];
	size_t np = dk_triage_parts(t, bits, parts, 16);
	printf("\nTriage parts:\n");
	for (size_t i = 0; i < np; i++)
		printf("  %-16s offset 0x%-8" PRIx64 " size 0x%" PRIx64 "\n", parts[i].name,
		       parts[i].offset, parts[i].size);
	printf("  valid marker \"TRGD\": %s\n", t->valid_marker ? "present" : "ABSENT");
	printf("\nDrivers (%zu):\n", t->ndrivers);
	for (size_t i = 0; i < t->ndrivers; i++) {
		const dk_triage_driver *d = &t->drivers[i];
		printf("  %016" PRIx64 " %016" PRIx64 " %08x %08x %s\n", d->dll_base,
		       d->dll_base + d->size_of_image, d->timestamp, d->checksum,
		       d->name_ok ? d->name : "(name outside the string pool)");
	}
	printf("\nUnloaded drivers (%zu):\n", t->nunloaded);
	for (size_t i = 0; i < t->nunloaded; i++)
		printf("  %016" PRIx64 " %016" PRIx64 " %s\n", t->unloaded[i].start,
		       t->unloaded[i].end, t->unloaded[i].name);
	printf("\nData blocks: %zu\n", t->nblocks);
}

static void info_text(dk_kdump *d, bool all, uint64_t max_runs)
{
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	size_t avail;
	const uint8_t *h = dk_kdump_header_bytes(d, &avail);
	const dk_struct_desc *hd = dk_kdump_header_desc(d);
	printf("File: %s (%" PRIu64 " bytes)\n", dk_kdump_name(d), s->file_size);
	printf("Kind: %u-bit Windows kernel dump, %s, DumpType %u: %s\n", s->bits,
	       dk_arch_name(s->arch), s->dump_type, dk_dump_type_name(s->dump_type));
	const char *bn = dk_bugcheck_name(s->bugcheck_code);
	printf("Bugcheck: 0x%08x (%s) parameters 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
	       " 0x%" PRIx64 "\n",
	       s->bugcheck_code, bn ? bn : "unknown", s->bugcheck_parameters[0],
	       s->bugcheck_parameters[1], s->bugcheck_parameters[2], s->bugcheck_parameters[3]);
	printf("\n%s (0x%x bytes at file offset 0)\n", hd->name, s->header_size);
	text_fields(hd, h, avail, 0, "", all);
	const dk_kdump_runs *r = dk_kdump_get_runs(d);
	if (r->count) {
		printf("\nPhysicalMemoryBlock runs in the header (%zu):\n", r->count);
		for (size_t i = 0; i < r->count; i++)
			printf("  Run[%zu] BasePage 0x%" PRIx64 " PageCount 0x%" PRIx64 "\n", i,
			       r->runs[i].base_pfn, r->runs[i].count);
	}
	const dk_struct_desc *sd;
	size_t sa;
	const uint8_t *sec = dk_kdump_secondary_bytes(d, &sa, &sd);
	if (sec) {
		printf("\n%s (at file offset 0x%x)\n", sd->name, s->header_size);
		text_fields(sd, sec, sa, s->header_size, "", all);
	}
	print_runs_text(d, max_runs);
	const dk_triage *t = dk_kdump_get_triage(d);
	if (t)
		print_triage_text(t, s->bits);
	size_t cl;
	const dk_struct_desc *cd;
	const uint8_t *ctx = dk_kdump_context(d, &cl, &cd);
	const dk_field *cf = dk_struct_field(hd, "ContextRecord");
	if (cd) {
		printf("\nContextRecord (%s at file offset 0x%x)\n", cd->name, cf->offset);
		if (dk_is_page_fill(ctx, cl < cd->size ? cl : cd->size, cf->offset))
			printf("  (not set)\n");
		else
			text_fields(cd, ctx, cl, cf->offset, "", all);
	}
	const dk_struct_desc *ed;
	const uint8_t *exc = dk_kdump_exception(d, &cl, &ed);
	const dk_field *ef = dk_struct_field(hd, "Exception");
	printf("\nException (%s at file offset 0x%x)\n", ed->name, ef->offset);
	/* pass a view starting at the record; PAGE-fill phase follows the
	 * record's 4-aligned file offset */
	text_fields(ed, exc, cl, ef->offset, "", all);
}

static void info_json(dk_kdump *d, bool all)
{
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	size_t avail;
	const uint8_t *h = dk_kdump_header_bytes(d, &avail);
	const dk_struct_desc *hd = dk_kdump_header_desc(d);
	json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "dmpkit_info_version");
	json_u64(&j, 1);
	json_key(&j, "file");
	json_string(&j, dk_kdump_name(d));
	json_key(&j, "file_size");
	json_u64(&j, s->file_size);
	json_key(&j, "format");
	json_string(&j, "kernel_dump");
	json_key(&j, "summary");
	json_begin_object(&j);
	json_key(&j, "bits");
	json_u64(&j, s->bits);
	json_key(&j, "arch");
	json_string(&j, dk_arch_name(s->arch));
	json_key(&j, "build");
	json_u64(&j, s->minor_version);
	json_key(&j, "processors");
	json_u64(&j, s->number_processors);
	json_key(&j, "dump_type");
	json_u64(&j, s->dump_type);
	json_key(&j, "dump_type_name");
	json_string(&j, dk_dump_type_name(s->dump_type));
	json_bugcheck(&j, s);
	char tbuf[64];
	json_key(&j, "system_time");
	if (s->system_time_set) {
		dk_format_filetime(s->system_time, tbuf, sizeof tbuf);
		json_string(&j, tbuf);
	} else {
		json_null(&j);
	}
	json_key(&j, "storage");
	static const char *const st[] = { "none", "runs", "bitmap", "ranges" };
	json_string(&j, st[s->storage]);
	json_key(&j, "first_page_offset");
	json_hex(&j, s->first_page_offset);
	json_key(&j, "declared_pages");
	json_hex(&j, s->declared_pages);
	json_key(&j, "stored_pages");
	json_hex(&j, s->stored_pages);
	json_key(&j, "available_pages");
	json_hex(&j, s->available_pages);
	json_end_object(&j);

	json_key(&j, "header");
	json_begin_object(&j);
	json_key(&j, "structure");
	json_string(&j, hd->name);
	json_key(&j, "fields");
	json_fields(&j, hd, h, avail, 0, NULL, all);
	json_key(&j, "runs");
	const dk_kdump_runs *r = dk_kdump_get_runs(d);
	json_begin_array(&j);
	for (size_t i = 0; i < r->count; i++) {
		json_begin_object(&j);
		json_key(&j, "base_page");
		json_hex(&j, r->runs[i].base_pfn);
		json_key(&j, "page_count");
		json_hex(&j, r->runs[i].count);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);

	const dk_struct_desc *sd;
	size_t sa;
	const uint8_t *sec = dk_kdump_secondary_bytes(d, &sa, &sd);
	json_key(&j, "secondary_header");
	if (sec) {
		json_begin_object(&j);
		json_key(&j, "structure");
		json_string(&j, sd->name);
		json_key(&j, "fields");
		json_fields(&j, sd, sec, sa, s->header_size, NULL, all);
		json_end_object(&j);
	} else {
		json_null(&j);
	}

	json_key(&j, "physical_memory_runs");
	json_begin_array(&j);
	dk_run run;
	uint64_t p = 0;
	while (dk_kdump_next_stored_run(d, p, &run)) {
		json_begin_object(&j);
		json_key(&j, "base_page");
		json_hex(&j, run.base_pfn);
		json_key(&j, "page_count");
		json_hex(&j, run.count);
		json_end_object(&j);
		p = run.base_pfn + run.count;
	}
	json_end_array(&j);

	size_t cl;
	const dk_struct_desc *cd;
	const uint8_t *ctx = dk_kdump_context(d, &cl, &cd);
	const dk_field *cf = dk_struct_field(hd, "ContextRecord");
	json_key(&j, "context");
	if (cd) {
		json_begin_object(&j);
		json_key(&j, "structure");
		json_string(&j, cd->name);
		json_key(&j, "set");
		json_bool(&j, !dk_is_page_fill(ctx, cl < cd->size ? cl : cd->size, cf->offset));
		json_key(&j, "registers");
		json_begin_object(&j);
		for (size_t i = 0; i < cd->nfields; i++) {
			const dk_field *f = &cd->fields[i];
			uint64_t v;
			if (f->type != DK_FT_UINT || (f->flags & DK_FF_RESERVED))
				continue;
			json_key(&j, f->name);
			if (dk_field_get(f, ctx, cl, &v) == DK_FIELD_MISSING)
				json_null(&j);
			else
				json_hex(&j, v);
		}
		json_end_object(&j);
		json_end_object(&j);
	} else {
		json_null(&j);
	}
	const dk_struct_desc *ed;
	const uint8_t *exc = dk_kdump_exception(d, &cl, &ed);
	const dk_field *ef = dk_struct_field(hd, "Exception");
	json_key(&j, "exception");
	json_begin_object(&j);
	json_key(&j, "structure");
	json_string(&j, ed->name);
	json_key(&j, "fields");
	json_fields(&j, ed, exc, cl, ef->offset, NULL, all);
	json_end_object(&j);

	const dk_triage *t = dk_kdump_get_triage(d);
	json_key(&j, "triage");
	if (t) {
		json_begin_object(&j);
		json_key(&j, "valid_marker");
		json_bool(&j, t->valid_marker);
		json_key(&j, "parts");
		json_begin_array(&j);
		dk_triage_part parts[16];
		size_t np = dk_triage_parts(t, s->bits, parts, 16);
		for (size_t i = 0; i < np; i++) {
			json_begin_object(&j);
			json_key(&j, "name");
			json_string(&j, parts[i].name);
			json_key(&j, "offset");
			json_u64(&j, parts[i].offset);
			json_key(&j, "size");
			json_u64(&j, parts[i].size);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "drivers");
		json_begin_array(&j);
		for (size_t i = 0; i < t->ndrivers; i++) {
			const dk_triage_driver *dr = &t->drivers[i];
			json_begin_object(&j);
			json_key(&j, "name");
			if (dr->name_ok)
				json_string(&j, dr->name);
			else
				json_null(&j);
			json_key(&j, "base");
			json_hex(&j, dr->dll_base);
			json_key(&j, "size");
			json_hex(&j, dr->size_of_image);
			json_key(&j, "timestamp");
			json_hex(&j, dr->timestamp);
			json_key(&j, "checksum");
			json_hex(&j, dr->checksum);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "unloaded_drivers");
		json_begin_array(&j);
		for (size_t i = 0; i < t->nunloaded; i++) {
			json_begin_object(&j);
			json_key(&j, "name");
			json_string(&j, t->unloaded[i].name);
			json_key(&j, "start");
			json_hex(&j, t->unloaded[i].start);
			json_key(&j, "end");
			json_hex(&j, t->unloaded[i].end);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "data_blocks");
		json_begin_array(&j);
		for (size_t i = 0; i < t->nblocks; i++) {
			json_begin_object(&j);
			json_key(&j, "address");
			json_hex(&j, t->blocks[i].address);
			json_key(&j, "offset");
			json_u64(&j, t->blocks[i].offset);
			json_key(&j, "size");
			json_u64(&j, t->blocks[i].size);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	} else {
		json_null(&j);
	}
	json_end_object(&j);
	json_end(&j);
}

int cmd_info(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL }, { "--all", false, false, NULL },
	                   { "--max-runs", true, false, NULL } };
	const size_t no = sizeof opts / sizeof opts[0];
	const char *ops[8];
	int n;
	if (argc > 8) {
		cli_usage_error("info", "too many arguments");
		return EXIT_USAGE;
	}
	if (!cli_parse("info", argc, argv, opts, no, ops, &n))
		return EXIT_USAGE;
	if (n != 1) {
		cli_usage_error("info", "expected one dump file");
		return EXIT_USAGE;
	}
	uint64_t max_runs = 64;
	const char *mr = cli_value(opts, no, "--max-runs");
	if (mr && !cli_parse_u64(mr, &max_runs)) {
		cli_usage_error("info", "--max-runs takes a number, not '%s'", mr);
		return EXIT_USAGE;
	}
	if (file_is_minidump(ops[0]))
		return info_minidump(ops[0], cli_has(opts, no, "--json"), cli_has(opts, no, "--all"));
	dk_kdump *d;
	dk_error e;
	dk_status st = dk_kdump_open(ops[0], &d, &e);
	if (st != DK_OK) {
		fprintf(stderr, "dmpkit info: %s\n", e.message);
		return st == DK_E_FORMAT || st == DK_E_TRUNCATED ? EXIT_PROBLEMS : EXIT_USAGE;
	}
	if (cli_has(opts, no, "--json"))
		info_json(d, cli_has(opts, no, "--all"));
	else
		info_text(d, cli_has(opts, no, "--all"), max_runs);
	/* a header cut short is described as far as it goes, but is a problem */
	size_t avail;
	dk_kdump_header_bytes(d, &avail);
	int rc = EXIT_GOOD;
	if (avail < dk_kdump_get_summary(d)->header_size) {
		fprintf(stderr, "dmpkit info: %s: the file ends at 0x%zx, inside the 0x%x-byte "
		        "header; missing fields are shown as (missing)\n",
		        ops[0], avail, dk_kdump_get_summary(d)->header_size);
		rc = EXIT_PROBLEMS;
	}
	dk_kdump_close(d);
	return rc;
}
