/* dmpkit verify — compare every physical page of a memory image with a
 * dump (or any two images).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dmpkit/image.h>
#include <dmpkit/verify.h>

#include "cli.h"

void help_verify(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit verify IMAGE DUMP [--exclude RANGES] [--image-format FMT]\n"
	        "                     [--map RANGES] [--json]\n"
	        "\n"
	        "Compare every physical page of IMAGE with DUMP, page by page: pages in both\n"
	        "with the same bytes, pages whose bytes differ, pages of IMAGE missing from\n"
	        "DUMP, and pages DUMP holds that IMAGE does not (\"extra\"; a dump whose run\n"
	        "list covers holes of the image holds them as zero pages, counted apart).\n"
	        "Both files are opened as memory images (any format 'dmpkit images' lists;\n"
	        "a Windows crash dump is one of them) and read in 1 MiB batches.\n"
	        "\n"
	        "Options:\n"
	        "  --exclude RANGES    physical ranges left out on both sides, e.g.\n"
	        "                      0xa0000-0xfffff,0x100000+0x1000 (START-END inclusive or\n"
	        "                      START+LENGTH; every page a range touches)\n"
	        "  --image-format FMT  reader for IMAGE (raw, elf, ...; default: by content)\n"
	        "  --map RANGES        raw IMAGE only: the physical ranges it holds back to back\n"
	        "  --json              print one JSON object\n"
	        "\n"
	        "Exit status: 0 every page of IMAGE is in DUMP with the same bytes, 1 some\n"
	        "page is missing or differs, 2 usage or I/O error.\n");
}

const char *verify_kind_name(dk_verify_kind k)
{
	switch (k) {
	case DK_VERIFY_DIFFERENT: return "different";
	case DK_VERIFY_MISSING: return "missing";
	default: return "extra";
	}
}

static bool show_progress(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	if (total)
		fprintf(stderr, "\rdmpkit verify: %3u%% (%" PRIu64 " of %" PRIu64 " MiB)",
		        (unsigned)(done * 100 / total), done >> 20, total >> 20);
	return true;
}

static void print_text(const char *ipath, const dk_image *img, const char *dpath,
                       const dk_image *dmp, const dk_verify_result *r)
{
	uint32_t ps = r->page_size;
	printf("image: %s: %s\n", ipath, dk_image_describe(img));
	printf("dump:  %s: %s\n", dpath, dk_image_describe(dmp));
	printf("page size %u bytes\n", ps);
	printf("pages of the image:  %" PRIu64 "%s", r->a_pages, r->excluded_a ? "" : "\n");
	if (r->excluded_a)
		printf(" (%" PRIu64 " more excluded)\n", r->excluded_a);
	printf("pages of the dump:   %" PRIu64 "\n", r->b_pages);
	printf("compared:            %" PRIu64 "\n", r->compared);
	printf("identical:           %" PRIu64 "\n", r->identical);
	printf("different:           %" PRIu64 "\n", r->different);
	printf("missing from dump:   %" PRIu64 "\n", r->missing);
	printf("extra in dump:       %" PRIu64 " (%" PRIu64 " all zero)\n", r->extra,
	       r->extra_zero);
	if (r->nrecorded) {
		printf("first mismatches:\n");
		for (size_t i = 0; i < r->nrecorded; i++) {
			const dk_verify_mismatch *m = &r->recorded[i];
			printf("  0x%012" PRIx64 "  page 0x%" PRIx64 "  %s", m->pfn * ps, m->pfn,
			       verify_kind_name(m->kind));
			if (m->kind == DK_VERIFY_DIFFERENT)
				printf(" (first at +0x%x, physical 0x%" PRIx64 ")", m->offset,
				       m->pfn * ps + m->offset);
			printf("\n");
		}
	}
	printf("verdict: %s\n", dk_verify_good(r) ? "good: every page of the image is in the dump "
	                                            "with the same bytes"
	                                          : "bad: pages are missing or differ");
}

static void print_json(const char *ipath, const dk_image *img, const char *dpath,
                       const dk_image *dmp, const dk_verify_result *r)
{
	json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "image");
	json_string(&j, ipath);
	json_key(&j, "image_format");
	json_string(&j, dk_image_format(img));
	json_key(&j, "dump");
	json_string(&j, dpath);
	json_key(&j, "dump_format");
	json_string(&j, dk_image_format(dmp));
	json_key(&j, "page_size");
	json_u64(&j, r->page_size);
	json_key(&j, "image_pages");
	json_u64(&j, r->a_pages);
	json_key(&j, "excluded_pages");
	json_u64(&j, r->excluded_a);
	json_key(&j, "dump_pages");
	json_u64(&j, r->b_pages);
	json_key(&j, "compared");
	json_u64(&j, r->compared);
	json_key(&j, "identical");
	json_u64(&j, r->identical);
	json_key(&j, "different");
	json_u64(&j, r->different);
	json_key(&j, "missing");
	json_u64(&j, r->missing);
	json_key(&j, "extra");
	json_u64(&j, r->extra);
	json_key(&j, "extra_zero");
	json_u64(&j, r->extra_zero);
	json_key(&j, "mismatches");
	json_begin_array(&j);
	for (size_t i = 0; i < r->nrecorded; i++) {
		const dk_verify_mismatch *m = &r->recorded[i];
		json_begin_object(&j);
		json_key(&j, "kind");
		json_string(&j, verify_kind_name(m->kind));
		json_key(&j, "pfn");
		json_hex(&j, m->pfn);
		json_key(&j, "address");
		json_hex(&j, m->pfn * r->page_size);
		if (m->kind == DK_VERIFY_DIFFERENT) {
			json_key(&j, "first_difference");
			json_hex(&j, m->pfn * r->page_size + m->offset);
		}
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "good");
	json_bool(&j, dk_verify_good(r));
	json_end_object(&j);
	json_end(&j);
}

int cmd_verify(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--exclude", true, false, NULL },
		{ "--image-format", true, false, NULL },
		{ "--map", true, false, NULL },
		{ "--json", false, false, NULL },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	int nops = 0;
	const char **ops = cli_parse_ops("verify", argc, argv, opts, nopts, &nops);
	if (!ops)
		return EXIT_USAGE;
	if (nops != 2) {
		cli_usage_error("verify", nops < 2 ? "expected IMAGE DUMP" : "too many operands");
		free(ops);
		return EXIT_USAGE;
	}
	const char *ipath = ops[0], *dpath = ops[1];
	free(ops);
	bool js = cli_has(opts, nopts, "--json");
	dk_image_options io = { 0 };
	io.format = cli_value(opts, nopts, "--image-format");
	io.map = cli_value(opts, nopts, "--map");
	dk_image *img = NULL, *dmp = NULL;
	dk_run *ex = NULL;
	size_t nex = 0;
	dk_error e = { 0 };
	int rc = EXIT_USAGE;
	if (dk_image_open(ipath, &io, &img, &e) != DK_OK ||
	    dk_image_open(dpath, NULL, &dmp, &e) != DK_OK) {
		fprintf(stderr, "dmpkit verify: %s\n", e.message);
		goto out;
	}
	const dk_physmem *a = dk_image_physmem(img), *b = dk_image_physmem(dmp);
	const char *exs = cli_value(opts, nopts, "--exclude");
	if (exs && dk_parse_page_ranges(exs, a->page_size, "--exclude", &ex, &nex, &e) != DK_OK) {
		cli_usage_error("verify", "%s", e.message);
		goto out;
	}
	dk_verify_options vo = { 0 };
	vo.exclude = ex;
	vo.nexclude = nex;
	vo.max_recorded = 16;
	bool tty = !js && isatty(STDERR_FILENO);
	if (tty)
		vo.progress = show_progress;
	dk_verify_result r;
	dk_status st = dk_verify_pages(a, b, &vo, &r, &e);
	if (tty)
		fprintf(stderr, "\r%60s\r", "");
	if (st != DK_OK) {
		fprintf(stderr, "dmpkit verify: %s\n", e.message);
		goto out;
	}
	if (js)
		print_json(ipath, img, dpath, dmp, &r);
	else
		print_text(ipath, img, dpath, dmp, &r);
	rc = dk_verify_good(&r) ? EXIT_GOOD : EXIT_PROBLEMS;
out:
	free(ex);
	if (img)
		dk_image_close(img);
	if (dmp)
		dk_image_close(dmp);
	return rc;
}
