/* dmpkit image — describe a physical memory image: format, physical ranges,
 * vCPU state, notes.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/image.h>

#include "cli.h"

void help_images(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit image FILE [--runs] [--json] [--image-format FMT] [--map RANGES]\n"
	        "                         [--companion FILE]\n"
	        "       dmpkit image --formats\n"
	        "\n"
	        "Describe a physical memory image the way 'dmpkit convert' reads it: the\n"
	        "format recognised by content, the physical ranges present (holes are\n"
	        "absent, never invented), the vCPU state the format records (CR3, RIP, ...),\n"
	        "the guest's VMCOREINFO note, and what the reader noticed (padding entries,\n"
	        "filtered pages, truncation).\n"
	        "\n"
	        "Options:\n"
	        "  --runs               list every run (default: the first 16)\n"
	        "  --image-format FMT   force a reader instead of probing the content\n"
	        "  --map RANGES         raw input without holes: the physical ranges it holds\n"
	        "  --companion FILE     VMware: the .vmss/.vmsn that describes a .vmem\n"
	        "  --formats            list the readers\n"
	        "  --json               print one JSON object\n"
	        "\n"
	        "Exit status: 0 the image was read, 1 it is damaged or not an image,\n"
	        "2 usage or I/O error.\n");
}

static void print_formats(bool js)
{
	size_t n;
	const dk_image_format_info *f = dk_image_formats(&n);
	if (js) {
		json j;
		json_init(&j, stdout);
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++) {
			json_begin_object(&j);
			json_key(&j, "id");
			json_string(&j, f[i].id);
			json_key(&j, "description");
			json_string(&j, f[i].description);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end(&j);
		return;
	}
	for (size_t i = 0; i < n; i++)
		printf("%-14s %s\n", f[i].id, f[i].description);
}

static void vmcoreinfo_text(const uint8_t *v, size_t len, char *buf, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < size && i < 48; i++)
		buf[o++] = v[i] >= 0x20 && v[i] < 0x7F ? (char)v[i] : v[i] == '\n' ? ' ' : '.';
	buf[o] = 0;
}

int cmd_images(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--runs", false, false, NULL },      { "--json", false, false, NULL },
		{ "--image-format", true, false, NULL }, { "--map", true, false, NULL },
		{ "--companion", true, false, NULL },  { "--formats", false, false, NULL },
	};
	const size_t no = sizeof opts / sizeof opts[0];
	int nops = 0;
	const char **ops = cli_parse_ops("image", argc, argv, opts, no, &nops);
	if (!ops)
		return EXIT_USAGE;
	bool js = cli_has(opts, no, "--json");
	int rc = EXIT_USAGE;
	dk_image *img = NULL;
	if (cli_has(opts, no, "--formats")) {
		print_formats(js);
		rc = EXIT_GOOD;
		goto out;
	}
	if (nops != 1) {
		cli_usage_error("image", "expected one FILE, got %d operand(s)", nops);
		goto out;
	}
	rc = cli_image_open("image", ops[0], opts, no, &img);
	if (rc != EXIT_GOOD)
		goto out;
	const dk_physmem *pm = dk_image_physmem(img);
	bool all = cli_has(opts, no, "--runs");
	size_t vlen = 0;
	const uint8_t *vmci = dk_image_vmcoreinfo(img, &vlen);
	char vtext[64] = "";
	if (vmci)
		vmcoreinfo_text(vmci, vlen, vtext, sizeof vtext);
	if (js) {
		json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "file");
		json_string(&j, dk_image_name(img));
		json_key(&j, "format");
		json_string(&j, dk_image_format(img));
		json_key(&j, "description");
		json_string(&j, dk_image_describe(img));
		json_key(&j, "page_size");
		json_u64(&j, pm->page_size);
		json_key(&j, "present_pages");
		json_u64(&j, pm->present_pages);
		json_key(&j, "end_pfn");
		json_hex(&j, pm->end_pfn);
		json_key(&j, "runs");
		json_begin_array(&j);
		dk_run r;
		uint64_t pfn = 0;
		while (dk_physmem_next_run(pm, pfn, &r)) {
			json_begin_object(&j);
			json_key(&j, "base_pfn");
			json_hex(&j, r.base_pfn);
			json_key(&j, "count");
			json_hex(&j, r.count);
			json_end_object(&j);
			pfn = r.base_pfn + r.count;
		}
		json_end_array(&j);
		json_key(&j, "cpus");
		json_begin_array(&j);
		for (size_t i = 0; i < dk_image_cpu_count(img); i++) {
			const dk_image_cpu *c = dk_image_cpu_state(img, i);
			json_begin_object(&j);
			json_key(&j, "bits");
			json_u64(&j, c->bits);
			if (c->have & DK_CPU_HAVE_CR3) {
				json_key(&j, "cr3");
				json_hex(&j, c->cr3);
			}
			if (c->have & DK_CPU_HAVE_CRS) {
				json_key(&j, "cr0");
				json_hex(&j, c->cr0);
				json_key(&j, "cr4");
				json_hex(&j, c->cr4);
			}
			if (c->have & DK_CPU_HAVE_EFER) {
				json_key(&j, "efer");
				json_hex(&j, c->efer);
			}
			if (c->have & DK_CPU_HAVE_GPRS) {
				json_key(&j, "rip");
				json_hex(&j, c->rip);
				json_key(&j, "rsp");
				json_hex(&j, c->gpr[4]);
			}
			if (c->have & DK_CPU_HAVE_KGS) {
				json_key(&j, "kernel_gs_base");
				json_hex(&j, c->kernel_gs_base);
			}
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "vmcoreinfo_size");
		json_u64(&j, vmci ? vlen : 0);
		json_key(&j, "vmcoreinfo_start");
		if (vmci)
			json_string(&j, vtext);
		else
			json_null(&j);
		json_key(&j, "notes");
		json_begin_array(&j);
		for (size_t i = 0; i < dk_image_note_count(img); i++)
			json_string(&j, dk_image_note(img, i));
		json_end_array(&j);
		json_end_object(&j);
		json_end(&j);
	} else {
		printf("%s: %s\n", dk_image_name(img), dk_image_describe(img));
		printf("format          %s\n", dk_image_format(img));
		printf("page size       %u\n", pm->page_size);
		printf("present pages   %" PRIu64 " (%" PRIu64 " MiB), highest page 0x%" PRIx64 "\n",
		       pm->present_pages, pm->present_pages * pm->page_size >> 20,
		       pm->end_pfn ? pm->end_pfn - 1 : 0);
		dk_run r;
		uint64_t pfn = 0;
		size_t n = 0;
		while (dk_physmem_next_run(pm, pfn, &r)) {
			if (all || n < 16)
				printf("run %-4zu       physical 0x%010" PRIx64 "-0x%010" PRIx64
				       "  pfn 0x%" PRIx64 " +0x%" PRIx64 "\n",
				       n, r.base_pfn * pm->page_size,
				       (r.base_pfn + r.count) * pm->page_size - 1, r.base_pfn, r.count);
			n++;
			pfn = r.base_pfn + r.count;
		}
		if (!all && n > 16)
			printf("                ... %zu runs in all (--runs lists them)\n", n);
		for (size_t i = 0; i < dk_image_cpu_count(img); i++) {
			const dk_image_cpu *c = dk_image_cpu_state(img, i);
			printf("vcpu %-3zu        %u-bit", i, c->bits);
			if (c->have & DK_CPU_HAVE_CR3)
				printf(" cr3 0x%" PRIx64, c->cr3);
			if (c->have & DK_CPU_HAVE_CRS)
				printf(" cr0 0x%" PRIx64 " cr4 0x%" PRIx64, c->cr0, c->cr4);
			if (c->have & DK_CPU_HAVE_EFER)
				printf(" efer 0x%" PRIx64, c->efer);
			if (c->have & DK_CPU_HAVE_GPRS)
				printf(" rip 0x%" PRIx64 " rsp 0x%" PRIx64, c->rip, c->gpr[4]);
			printf("\n");
		}
		if (vmci)
			printf("VMCOREINFO      %zu bytes: \"%s\"\n", vlen, vtext);
		for (size_t i = 0; i < dk_image_note_count(img); i++)
			printf("note            %s\n", dk_image_note(img, i));
	}
	rc = EXIT_GOOD;
out:
	dk_image_close(img);
	free(ops);
	return rc;
}
