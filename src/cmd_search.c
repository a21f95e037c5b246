/* dmpkit search — search memory for a byte pattern, like s.
 * SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SEARCH_MAX_PATTERN 256u
#define SEARCH_MAX_HITS 10000u

void help_search(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit search FILE START END PATTERN [--phys | --process P | --dtb X] [--paging MODE]\n"
	        "                     [--max-hits N] [--json]\n"
	        "       dmpkit search FILE START L?LENGTH PATTERN ...\n"
	        "\n"
	        "Search a kernel dump's memory for PATTERN, like s, and print the address of\n"
	        "every hit.  The range is START to END (END excluded) or START and a length\n"
	        "written LLENGTH or L?LENGTH.  PATTERN is hex bytes (\"48 8b 05\" as one operand\n"
	        "or several) or a string in double quotes ('\"MZ\"'); a hit may cross a page\n"
	        "boundary.  Virtual memory comes from the header's address space (or --dtb);\n"
	        "with --phys the range is physical.  Pages that cannot be read are skipped\n"
	        "(unmapped regions a whole table entry at a time) and counted.\n"
	        "\n"
	        "Options:\n"
	        "  --phys        the range is physical\n"
	        "  --process P   the address space of process P (EPROCESS, PID or image name)\n"
	        "  --dtb X       directory table base of another address space\n"
	        "  --paging M    x86, pae, x64 or arm64 (default: from the header)\n"
	        "  --max-hits N  stop after N hits (default 10000)\n"
	        "  --json        print one JSON object\n"
	        "\n"
	        "Exit status: 0 the pattern was found, 1 it was not, 2 usage or I/O error.\n");
}

/* Parses the pattern operands into bytes; false on a malformed pattern. */
static bool parse_pattern(const char **ops, int n, uint8_t *pat, size_t *plen)
{
	*plen = 0;
	if (n == 1) {
		const char *s = ops[0];
		size_t l = strlen(s);
		if (l >= 2 && s[0] == '"' && s[l - 1] == '"') {
			if (l - 2 == 0 || l - 2 > SEARCH_MAX_PATTERN)
				return false;
			memcpy(pat, s + 1, l - 2);
			*plen = l - 2;
			return true;
		}
	}
	for (int k = 0; k < n; k++) {
		const char *s = ops[k];
		while (*s) {
			while (*s == ' ' || *s == '\t' || *s == ',')
				s++;
			if (!*s)
				break;
			const char *t = s;
			if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
				t += 2;
			size_t d = 0;
			unsigned v = 0;
			while (isxdigit((unsigned char)t[d]) && d < 3) {
				v = v * 16 + (unsigned)(isdigit((unsigned char)t[d])
				                            ? t[d] - '0'
				                            : (tolower((unsigned char)t[d]) - 'a' + 10));
				d++;
			}
			if (d == 0 || d > 2 || (t[d] && t[d] != ' ' && t[d] != '\t' && t[d] != ','))
				return false;
			if (*plen >= SEARCH_MAX_PATTERN)
				return false;
			pat[(*plen)++] = (uint8_t)v;
			s = t + d;
		}
	}
	return *plen > 0;
}

typedef struct search_state {
	uint64_t *hits;
	size_t nhits, max_hits;
	bool truncated;
	uint64_t pages_read, pages_skipped;
	uint64_t bytes_skipped;
} search_state;

/* Reports hits of `pat` in `buf` (carry bytes first, then the page) whose
 * start lies at or after `from`. */
static void scan(search_state *ss, const uint8_t *buf, size_t blen, uint64_t buf_addr,
                 const uint8_t *pat, size_t plen, uint64_t lo, uint64_t hi)
{
	if (blen < plen)
		return;
	for (size_t i = 0; i + plen <= blen; i++) {
		if (buf[i] != pat[0] || memcmp(buf + i, pat, plen) != 0)
			continue;
		uint64_t a = buf_addr + i;
		if (a < lo || a + plen - 1 >= hi || a + plen - 1 < a)
			continue;
		if (ss->nhits >= ss->max_hits) {
			ss->truncated = true;
			return;
		}
		ss->hits[ss->nhits++] = a;
	}
}

static void search_range(const cli_vas *cv, bool phys, uint64_t lo, uint64_t hi,
                         const uint8_t *pat, size_t plen, search_state *ss)
{
	uint8_t buf[SEARCH_MAX_PATTERN + 4096];
	size_t carry = 0;           /* bytes kept from the previous page */
	uint64_t a = lo & ~0xFFFull;
	while (a < hi && !ss->truncated) {
		uint64_t next = a + 4096;
		bool good = false;
		if (phys) {
			dk_run r;
			if (!dk_physmem_next_run(cv->pm, a / 4096, &r))
				break; /* nothing present above */
			if (r.base_pfn > a / 4096) {
				uint64_t to = r.base_pfn * 4096;
				if (to / 4096 != r.base_pfn || to > hi)
					to = hi;
				ss->bytes_skipped += to - a;
				carry = 0;
				a = to & ~0xFFFull;
				continue;
			}
			good = dk_physmem_read(cv->pm, a, buf + carry, 4096, NULL) == DK_OK;
		} else {
			dk_xlate x;
			dk_vas_translate(cv->vas, a, &x);
			if (dk_xlate_readable(cv->vas, &x)) {
				good = dk_vas_read(cv->vas, a, buf + carry, 4096, NULL) == DK_OK;
			} else {
				uint64_t span = dk_vas_span(cv->vas, &x);
				if (x.state == DK_XL_NONCANONICAL) {
					if (cv->paging == DK_PAGING_X86 || cv->paging == DK_PAGING_PAE)
						break; /* above 4 GiB */
					/* x64/ARM64: jump over the hole to the kernel half */
					next = cv->paging == DK_PAGING_ARM64 ? 0xFFFF000000000000ull
					                                     : 0xFFFF800000000000ull;
					if (next <= a)
						break;
				} else if (span > 4096) {
					next = (a & ~(span - 1)) + span;
				}
			}
		}
		if (good) {
			ss->pages_read++;
			scan(ss, buf, carry + 4096, a - carry, pat, plen, lo, hi);
			/* keep the last plen-1 bytes for a hit across the boundary */
			size_t keep = plen - 1;
			memmove(buf, buf + carry + 4096 - keep, keep);
			carry = keep;
		} else {
			ss->pages_skipped++;
			uint64_t end = next < a ? hi : next;
			ss->bytes_skipped += (end > hi ? hi : end) - a;
			carry = 0;
		}
		if (next <= a) /* wrapped at the top of the address space */
			break;
		a = next;
	}
}

int cmd_search(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--dtb", true, false, NULL },
		{ "--process", true, false, NULL },
		{ "--paging", true, false, NULL },
		{ "--phys", false, false, NULL },
		{ "--max-hits", true, false, NULL },
		{ "--json", false, false, NULL },
	};
	const size_t nopts = sizeof opts / sizeof opts[0];
	int nops = 0;
	int rc = EXIT_USAGE;
	const char **ops = cli_parse_ops("search", argc, argv, opts, nopts, &nops);
	if (!ops)
		return EXIT_USAGE;
	search_state ss = { .max_hits = SEARCH_MAX_HITS };
	if (nops < 4) {
		cli_usage_error("search", "expected FILE START END|L?LENGTH PATTERN");
		goto out;
	}
	uint64_t lo, hi, n;
	if (!cli_parse_u64(ops[1], &lo)) {
		cli_usage_error("search", "bad start address '%s'", ops[1]);
		goto out;
	}
	const char *e = ops[2];
	if (e[0] == 'L' || e[0] == 'l') {
		e += e[1] == '?' ? 2 : 1;
		if (!cli_parse_u64(e, &n) || n == 0) {
			cli_usage_error("search", "bad length '%s'", ops[2]);
			goto out;
		}
		hi = lo + n;
		if (hi < lo)
			hi = UINT64_MAX; /* up to the top */
	} else if (!cli_parse_u64(e, &hi) || hi <= lo) {
		cli_usage_error("search", "bad end address '%s' (must be above the start)", ops[2]);
		goto out;
	}
	const char *mh = cli_value(opts, nopts, "--max-hits");
	uint64_t mhv;
	if (mh) {
		if (!cli_parse_u64(mh, &mhv) || mhv == 0 || mhv > 1000000) {
			cli_usage_error("search", "--max-hits must be 1 to 1000000");
			goto out;
		}
		ss.max_hits = (size_t)mhv;
	}
	uint8_t pat[SEARCH_MAX_PATTERN];
	size_t plen;
	if (!parse_pattern(ops + 3, nops - 3, pat, &plen)) {
		cli_usage_error("search",
		                "bad pattern: give hex bytes (\"48 8b 05\") or a \"quoted string\""
		                " of 1 to %u bytes",
		                SEARCH_MAX_PATTERN);
		goto out;
	}
	ss.hits = calloc(ss.max_hits, sizeof *ss.hits);
	if (!ss.hits) {
		fprintf(stderr, "dmpkit search: out of memory\n");
		goto out;
	}
	bool phys = cli_has(opts, nopts, "--phys");
	cli_vas cv;
	rc = cli_vas_open("search", ops[0], cli_value(opts, nopts, "--dtb"),
	                  cli_value(opts, nopts, "--paging"),
	                  cli_value(opts, nopts, "--process"), !phys, &cv);
	if (rc != EXIT_GOOD)
		goto out;
	search_range(&cv, phys, lo, hi, pat, plen, &ss);
	bool wide = phys ? hi > 0x100000000ull
	                 : cv.paging == DK_PAGING_X64 || cv.paging == DK_PAGING_ARM64;
	if (cli_has(opts, nopts, "--json")) {
		json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "start");
		json_hex(&j, lo);
		json_key(&j, "end");
		json_hex(&j, hi);
		json_key(&j, "physical");
		json_bool(&j, phys);
		json_key(&j, "pattern_length");
		json_u64(&j, plen);
		json_key(&j, "hits");
		json_begin_array(&j);
		for (size_t i = 0; i < ss.nhits; i++)
			json_hex(&j, ss.hits[i]);
		json_end_array(&j);
		json_key(&j, "truncated");
		json_bool(&j, ss.truncated);
		json_key(&j, "pages_read");
		json_u64(&j, ss.pages_read);
		json_key(&j, "bytes_unreadable");
		json_u64(&j, ss.bytes_skipped);
		json_end_object(&j);
		json_end(&j);
	} else {
		for (size_t i = 0; i < ss.nhits; i++) {
			uint64_t a = ss.hits[i];
			if (wide)
				printf("%08" PRIx64 "`%08" PRIx64 "\n", a >> 32, a & 0xFFFFFFFFu);
			else
				printf("%08" PRIx64 "\n", a);
		}
		fprintf(stderr,
		        "dmpkit search: %zu hit%s%s; %" PRIu64 " pages read, 0x%" PRIx64
		        " bytes not readable\n",
		        ss.nhits, ss.nhits == 1 ? "" : "s",
		        ss.truncated ? " (stopped at --max-hits)" : "", ss.pages_read,
		        ss.bytes_skipped);
	}
	rc = ss.nhits ? EXIT_GOOD : EXIT_PROBLEMS;
	cli_vas_close(&cv);
out:
	free(ss.hits);
	free(ops);
	return rc;
}
