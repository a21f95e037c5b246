/* dmpkit kdbg — the kernel debugger data block (KDDEBUGGER_DATA64), every
 * field named and decoded, where it was found and whether it was encoded.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/kernel.h>

#include "cli.h"

void help_kdbg(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit kdbg FILE [--address VA] [--json]\n"
	        "\n"
	        "Show the kernel debugger data block (KDDEBUGGER_DATA64, tag \"KDBG\") of a\n"
	        "kernel dump: every field of WDBGEXTS.H by name with its offset and value.\n"
	        "Fields past the block's Header.Size do not exist in that Windows version\n"
	        "and are shown as absent.\n"
	        "\n"
	        "The block is taken from the header's KdDebuggerDataBlock; for a triage\n"
	        "(small memory) dump from the decoded copy the dump carries; failing those,\n"
	        "by scanning the kernel image and physical memory for the tag.  On 64-bit\n"
	        "Windows 8 and later the block is encoded in memory: it is decoded with\n"
	        "KiWaitNever, KiWaitAlways and the address of KdpDataBlockEncoded, found in\n"
	        "the kernel's code, and the keys are shown.\n"
	        "\n"
	        "Options:\n"
	        "  --address VA  read (and decode) the block at this virtual address\n"
	        "  --json        print one JSON object\n"
	        "\n"
	        "Numbers: decimal, 0x hex, or a debugger's fffff804`7c62a390.\n"
	        "\n"
	        "Exit status: 0 a block was found, 1 none was found, 2 usage or I/O error.\n");
}

static const char *source_name(dk_kdbg_source s)
{
	switch (s) {
	case DK_KDBG_FROM_HEADER: return "header";
	case DK_KDBG_FROM_TRIAGE: return "triage";
	case DK_KDBG_FROM_SCAN: return "scan";
	case DK_KDBG_FROM_USER: return "address";
	}
	return "unknown";
}

static const char *source_words(dk_kdbg_source s)
{
	switch (s) {
	case DK_KDBG_FROM_HEADER: return "at the header's KdDebuggerDataBlock";
	case DK_KDBG_FROM_TRIAGE: return "the triage dump's copy (DebuggerDataOffset)";
	case DK_KDBG_FROM_SCAN: return "by scanning memory for the tag";
	case DK_KDBG_FROM_USER: return "at the address given";
	}
	return "";
}

/* Bytes of the block that exist: the header always, the rest up to Size. */
static size_t kdbg_avail(const dk_kdbg *k)
{
	size_t n = k->len;
	if (k->size >= 0x18 && k->size < n)
		n = k->size;
	return n;
}

/* The NtBuildLab string the field points to, when readable. */
static bool build_lab(dk_kernel *kn, const dk_kdbg *k, char *buf, size_t size)
{
	uint64_t va;
	if (!kn || !dk_kdbg_get(k, "NtBuildLab", &va) || !va || size < 2)
		return false;
	if (dk_kernel_bits(kn) == 32)
		va = (uint32_t)va;
	char tmp[64] = { 0 };
	dk_error e;
	size_t n = sizeof tmp - 1 < size - 1 ? sizeof tmp - 1 : size - 1;
	if (dk_kernel_read(kn, va, tmp, n, &e) != DK_OK)
		return false;
	size_t i = 0;
	for (; i < n && tmp[i]; i++)
		buf[i] = tmp[i] >= 0x20 && tmp[i] < 0x7F ? tmp[i] : '?';
	buf[i] = '\0';
	return i > 0;
}

static void print_text(const char *path, dk_kernel *kn, const dk_kdbg *k)
{
	const dk_struct_desc *d = dk_kdbg_desc();
	size_t avail = kdbg_avail(k);
	printf("File:        %s\n", path);
	if (k->va)
		printf("Found:       0x%016" PRIx64 ", %s\n", k->va, source_words(k->source));
	else
		printf("Found:       %s (virtual address unknown)\n", source_words(k->source));
	if (k->was_encoded) {
		printf("Encoded:     yes (Windows 8+ x64), decoded with\n");
		printf("             KiWaitNever         0x%016" PRIx64 "\n", k->wait_never);
		printf("             KiWaitAlways        0x%016" PRIx64 "\n", k->wait_always);
		printf("             KdpDataBlockEncoded at 0x%016" PRIx64 "\n", k->encoded_flag_va);
	} else {
		printf("Encoded:     no\n");
	}
	printf("Size:        0x%x bytes (%zu of the 0x%x known bytes exist)\n", k->size, avail,
	       d->size);
	char lab[64];
	if (build_lab(kn, k, lab, sizeof lab))
		printf("NtBuildLab:  %s\n", lab);
	printf("\n");
	for (size_t i = 0; i < d->nfields; i++) {
		const dk_field *f = &d->fields[i];
		if (f->flags & DK_FF_RESERVED)
			continue;
		char val[128], mean[256];
		if ((uint64_t)f->offset + f->size > avail) {
			printf("  +0x%03x %-36s (absent: beyond Header.Size)\n", f->offset, f->name);
			continue;
		}
		dk_field_format(f, k->data, avail, val, sizeof val);
		dk_field_explain(f, k->data, avail, mean, sizeof mean);
		if (f->type == DK_FT_UINT && f->size == 2) {
			uint64_t v = 0;
			dk_field_get(f, k->data, avail, &v);
			snprintf(val, sizeof val, "0x%" PRIx64, v);
		}
		printf("  +0x%03x %-36s %s%s%s\n", f->offset, f->name, val, mean[0] ? "  " : "",
		       mean);
	}
}

static void print_json(const char *path, dk_kernel *kn, const dk_kdbg *k)
{
	json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "file");
	json_string(&j, path);
	json_key(&j, "found");
	json_begin_object(&j);
	json_key(&j, "source");
	json_string(&j, source_name(k->source));
	json_key(&j, "va");
	if (k->va)
		json_hex(&j, k->va);
	else
		json_null(&j);
	json_end_object(&j);
	json_key(&j, "encoded");
	json_bool(&j, k->was_encoded);
	if (k->was_encoded) {
		json_key(&j, "keys");
		json_begin_object(&j);
		json_key(&j, "KiWaitNever");
		json_hex(&j, k->wait_never);
		json_key(&j, "KiWaitAlways");
		json_hex(&j, k->wait_always);
		json_key(&j, "KdpDataBlockEncoded");
		json_hex(&j, k->encoded_flag_va);
		json_end_object(&j);
	}
	json_key(&j, "size");
	json_u64(&j, k->size);
	char lab[64];
	if (build_lab(kn, k, lab, sizeof lab)) {
		json_key(&j, "NtBuildLab");
		json_string(&j, lab);
	}
	json_key(&j, "fields");
	json_fields(&j, dk_kdbg_desc(), k->data, kdbg_avail(k), 0, NULL, false);
	json_key(&j, "notes");
	json_begin_array(&j);
	const char *n = kn ? dk_kernel_notes(kn) : "";
	while (*n) {
		const char *e = strchr(n, '\n');
		size_t len = e ? (size_t)(e - n) : strlen(n);
		char line[512];
		if (len >= sizeof line)
			len = sizeof line - 1;
		memcpy(line, n, len);
		line[len] = '\0';
		json_string(&j, line);
		n += len + (e ? 1 : 0);
		if (!e)
			break;
	}
	json_end_array(&j);
	json_end_object(&j);
	json_end(&j);
}

int cmd_kdbg(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--json", false, false, NULL },
		{ "--address", true, false, NULL },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	int nops = 0;
	const char **operands = cli_parse_ops("kdbg", argc, argv, opts, nopts, &nops);
	if (!operands)
		return EXIT_USAGE;
	if (nops != 1) {
		cli_usage_error("kdbg", nops ? "too many operands" : "missing FILE");
		free(operands);
		return EXIT_USAGE;
	}
	const char *path = operands[0];
	free(operands);
	bool as_json = cli_has(opts, nopts, "--json");
	const char *addr_s = cli_value(opts, nopts, "--address");
	uint64_t addr = 0;
	if (addr_s && !cli_parse_u64(addr_s, &addr)) {
		cli_usage_error("kdbg", "bad --address value '%s'", addr_s);
		return EXIT_USAGE;
	}

	dk_error e;
	dk_kdump *dump = NULL;
	if (dk_kdump_open(path, &dump, &e) != DK_OK) {
		fprintf(stderr, "dmpkit kdbg: %s\n", e.message);
		return EXIT_USAGE;
	}
	dk_kernel *kn = NULL;
	if (dk_kernel_open(dump, &kn, &e) != DK_OK) {
		fprintf(stderr, "dmpkit kdbg: %s\n", e.message);
		dk_kdump_close(dump);
		return EXIT_USAGE;
	}
	int rc = EXIT_GOOD;
	dk_kdbg *user = NULL;
	const dk_kdbg *k = dk_kernel_kdbg(kn);
	if (addr_s) {
		dk_vas *vas = dk_kernel_vas(kn);
		user = calloc(1, sizeof *user);
		if (!user) {
			rc = EXIT_USAGE;
			goto out;
		}
		if (!vas) {
			fprintf(stderr, "dmpkit kdbg: %s: the dump holds no address space to read "
			        "0x%" PRIx64 " from\n", path, addr);
			rc = EXIT_PROBLEMS;
			goto out;
		}
		uint64_t kb = 0;
		if (k)
			dk_kdbg_get(k, "KernBase", &kb);
		if (dk_kdbg_read_ex(vas, addr, dk_kernel_bits(kn), kb, user, &e) != DK_OK) {
			fprintf(stderr, "dmpkit kdbg: %s: %s\n", path, e.message);
			rc = EXIT_PROBLEMS;
			goto out;
		}
		user->source = DK_KDBG_FROM_USER;
		k = user;
	}
	if (!k) {
		fprintf(stderr, "dmpkit kdbg: %s: no debugger data block found\n", path);
		const char *notes = dk_kernel_notes(kn);
		if (*notes)
			fprintf(stderr, "%s", notes);
		rc = EXIT_PROBLEMS;
		goto out;
	}
	if (as_json) {
		print_json(path, kn, k);
	} else {
		print_text(path, kn, k);
		const char *notes = dk_kernel_notes(kn);
		if (*notes) {
			printf("\nNotes:\n");
			const char *n = notes;
			while (*n) {
				const char *end = strchr(n, '\n');
				size_t len = end ? (size_t)(end - n) : strlen(n);
				printf("  %.*s\n", (int)len, n);
				n += len + (end ? 1 : 0);
			}
		}
	}
out:
	free(user);
	dk_kernel_close(kn);
	dk_kdump_close(dump);
	return rc;
}
