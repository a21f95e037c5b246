/* dmpkit read — display memory like db / dd / dq / da.
 * SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define READ_DEFAULT_LEN 128u
#define READ_MAX_LEN (16u << 20)

void help_read(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit read FILE ADDR [LEN] [--phys | --process P | --dtb X] [--paging MODE]\n"
	        "                   [--format b|d|q|a] [--json]\n"
	        "\n"
	        "Display LEN bytes (default 128, at most 16 MiB) of a kernel dump's memory at\n"
	        "ADDR, like db, dd, dq and da: virtual memory of the address space from the\n"
	        "header (or --dtb), or physical memory with --phys.  Transition pages are\n"
	        "read (they are in RAM) and demand-zero pages read as zeros.  Bytes that\n"
	        "cannot be read are shown as ?? and the reason is printed on stderr.\n"
	        "\n"
	        "Options:\n"
	        "  --format b   bytes and ASCII, 16 per line (db; the default)\n"
	        "  --format d   32-bit words, 4 per line (dd)\n"
	        "  --format q   64-bit words, 2 per line (dq)\n"
	        "  --format a   ASCII text, 64 characters per line (da)\n"
	        "  --phys       ADDR is a physical address\n"
	        "  --process P  the address space of process P (EPROCESS, PID or image name)\n"
	        "  --dtb X      directory table base of another address space\n"
	        "  --paging M   x86, pae, x64 or arm64 (default: from the header)\n"
	        "  --json       print one JSON object\n"
	        "\n"
	        "Exit status: 0 every byte was read, 1 some bytes are not readable from the\n"
	        "dump, 2 usage or I/O error.\n");
}

/* Reads [addr, addr+len) page by page; ok[i] says byte i was read.  The
 * first failure's message goes to *why.  Returns the count of unreadable
 * bytes. */
static size_t read_mem(const cli_vas *cv, bool phys, uint64_t addr, uint8_t *buf, bool *ok,
                       size_t len, char *why, size_t whysize)
{
	size_t bad = 0;
	why[0] = 0;
	size_t done = 0;
	while (done < len) {
		uint64_t a = addr + done;
		size_t n = 4096 - (size_t)(a % 4096);
		if (n > len - done)
			n = len - done;
		dk_error e = { DK_OK, "" };
		dk_status st = phys ? dk_physmem_read(cv->pm, a, buf + done, n, &e)
		                    : dk_vas_read(cv->vas, a, buf + done, n, &e);
		bool good = st == DK_OK;
		if (!good) {
			memset(buf + done, 0, n);
			bad += n;
			if (!why[0])
				snprintf(why, whysize, "%s", e.message);
		}
		for (size_t i = 0; i < n; i++)
			ok[done + i] = good;
		done += n;
		if (a + n < a) /* end of the address space */
			break;
	}
	return bad;
}

static unsigned unit_of(char fmt)
{
	return fmt == 'd' ? 4 : fmt == 'q' ? 8 : 1;
}

static bool unit_ok(const bool *ok, size_t off, unsigned unit)
{
	for (unsigned i = 0; i < unit; i++)
		if (!ok[off + i])
			return false;
	return true;
}

static uint64_t unit_val(const uint8_t *b, unsigned unit)
{
	uint64_t v = 0;
	for (unsigned i = unit; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static void print_addr(uint64_t a, bool wide)
{
	if (wide)
		printf("%08" PRIx64 "`%08" PRIx64, a >> 32, a & 0xFFFFFFFFu);
	else
		printf("%08" PRIx64, a);
}

static void print_text(uint64_t addr, const uint8_t *buf, const bool *ok, size_t len, char fmt,
                       bool wide)
{
	if (fmt == 'a') {
		for (size_t off = 0; off < len; off += 64) {
			print_addr(addr + off, wide);
			printf("  \"");
			for (size_t i = off; i < len && i < off + 64; i++)
				putchar(!ok[i] ? '?' : isprint(buf[i]) ? buf[i] : '.');
			printf("\"\n");
		}
		return;
	}
	unsigned unit = unit_of(fmt);
	for (size_t off = 0; off < len; off += 16) {
		print_addr(addr + off, wide);
		printf(" ");
		size_t end = off + 16 < len ? off + 16 : len;
		if (unit == 1) {
			for (size_t i = off; i < off + 16; i++) {
				if (i >= end)
					printf("   ");
				else if (!ok[i])
					printf("%c??", i == off + 8 ? '-' : ' ');
				else
					printf("%c%02x", i == off + 8 ? '-' : ' ', buf[i]);
			}
			printf("  ");
			for (size_t i = off; i < end; i++)
				putchar(!ok[i] ? '?' : isprint(buf[i]) ? buf[i] : '.');
		} else {
			for (size_t i = off; i + unit <= end; i += unit) {
				if (!unit_ok(ok, i, unit))
					printf(" %s", unit == 4 ? "????????" : "????????`????????");
				else if (unit == 4)
					printf(" %08" PRIx64, unit_val(buf + i, 4));
				else {
					uint64_t v = unit_val(buf + i, 8);
					printf(" %08" PRIx64 "`%08" PRIx64, v >> 32, v & 0xFFFFFFFFu);
				}
			}
		}
		printf("\n");
	}
}

static void print_json(uint64_t addr, const uint8_t *buf, const bool *ok, size_t len, char fmt,
                       bool phys, const char *why)
{
	json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "address");
	json_hex(&j, addr);
	json_key(&j, "length");
	json_u64(&j, len);
	json_key(&j, "physical");
	json_bool(&j, phys);
	char f[2] = { fmt, 0 };
	json_key(&j, "format");
	json_string(&j, f);
	unsigned unit = unit_of(fmt);
	if (fmt == 'a') {
		char *t = malloc(len + 1);
		if (t) {
			for (size_t i = 0; i < len; i++)
				t[i] = !ok[i] ? '?' : isprint(buf[i]) ? (char)buf[i] : '.';
			t[len] = 0;
			json_key(&j, "text");
			json_string(&j, t);
			free(t);
		}
	}
	json_key(&j, "values");
	json_begin_array(&j);
	for (size_t i = 0; i + unit <= len; i += unit) {
		if (unit_ok(ok, i, unit))
			json_hex(&j, unit_val(buf + i, unit));
		else
			json_null(&j);
	}
	json_end_array(&j);
	json_key(&j, "unreadable");
	json_begin_array(&j);
	for (size_t i = 0; i < len;) {
		if (ok[i]) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < len && !ok[i])
			i++;
		json_begin_object(&j);
		json_key(&j, "address");
		json_hex(&j, addr + s);
		json_key(&j, "length");
		json_u64(&j, i - s);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "reason");
	if (why[0])
		json_string(&j, why);
	else
		json_null(&j);
	json_end_object(&j);
	json_end(&j);
}

int cmd_read(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--dtb", true, false, NULL },
		{ "--process", true, false, NULL },
		{ "--paging", true, false, NULL },
		{ "--format", true, false, NULL },
		{ "--phys", false, false, NULL },
		{ "--json", false, false, NULL },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	int nops = 0;
	const char **ops = cli_parse_ops("read", argc, argv, opts, nopts, &nops);
	if (!ops)
		return EXIT_USAGE;
	int rc = EXIT_USAGE;
	uint64_t addr, len = READ_DEFAULT_LEN;
	const char *path = nops > 0 ? ops[0] : NULL;
	const char *fs = cli_value(opts, nopts, "--format");
	char fmt = fs ? fs[0] : 'b';
	bool phys = cli_has(opts, nopts, "--phys");
	if (nops < 2 || nops > 3) {
		cli_usage_error("read", "expected FILE ADDR [LEN]");
		goto out;
	}
	if (!cli_parse_u64(ops[1], &addr)) {
		cli_usage_error("read", "bad address '%s'", ops[1]);
		goto out;
	}
	if (nops == 3) {
		const char *l = ops[2];
		if ((l[0] == 'L' || l[0] == 'l')) /* a debugger's L count */
			l += (l[1] == '?') ? 2 : 1;
		if (!cli_parse_u64(l, &len)) {
			cli_usage_error("read", "bad length '%s'", ops[2]);
			goto out;
		}
	}
	if (len == 0 || len > READ_MAX_LEN) {
		cli_usage_error("read", "length must be 1 to %u bytes", READ_MAX_LEN);
		goto out;
	}
	if (fs && (!fs[0] || fs[1] || !strchr("bdqa", fmt))) {
		cli_usage_error("read", "--format must be b, d, q or a");
		goto out;
	}
	if (addr + len - 1 < addr) {
		cli_usage_error("read", "the range wraps around the address space");
		goto out;
	}
	cli_vas cv;
	rc = cli_vas_open("read", path, cli_value(opts, nopts, "--dtb"),
	                  cli_value(opts, nopts, "--paging"),
	                  cli_value(opts, nopts, "--process"), !phys, &cv);
	if (rc != EXIT_GOOD)
		goto out;
	uint8_t *buf = malloc((size_t)len);
	bool *ok = malloc((size_t)len * sizeof *ok);
	if (!buf || !ok) {
		fprintf(stderr, "dmpkit read: out of memory\n");
		free(buf);
		free(ok);
		cli_vas_close(&cv);
		rc = EXIT_USAGE;
		goto out;
	}
	char why[600];
	size_t bad = read_mem(&cv, phys, addr, buf, ok, (size_t)len, why, sizeof why);
	bool wide = phys ? addr + len > 0xFFFFFFFFull
	                 : cv.paging == DK_PAGING_X64 || cv.paging == DK_PAGING_ARM64;
	if (cli_has(opts, nopts, "--json"))
		print_json(addr, buf, ok, (size_t)len, fmt, phys, why);
	else
		print_text(addr, buf, ok, (size_t)len, fmt, wide);
	if (bad && !cli_has(opts, nopts, "--json"))
		fprintf(stderr, "dmpkit read: %zu of %" PRIu64 " bytes not readable: %s\n", bad, len,
		        why);
	rc = bad ? EXIT_PROBLEMS : EXIT_GOOD;
	free(buf);
	free(ok);
	cli_vas_close(&cv);
out:
	free(ops);
	return rc;
}
