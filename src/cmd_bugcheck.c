/* dmpkit bugcheck — explain a stop code and its parameters without a dump.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/bugcheck.h>

#include "cli.h"

void help_bugcheck(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit bugcheck CODE [P1 [P2 [P3 [P4]]]] [--json]\n"
	        "\n"
	        "Explain a bugcheck (stop) code: its name, what it means, and what each of\n"
	        "its four parameters holds.  Given parameter values, each is interpreted by\n"
	        "its kind: status codes named, IRQLs named, access types in words, sub-codes\n"
	        "explained.  No dump is needed; paste the numbers of a line like\n"
	        "  Bugcheck 0000001e : c0000005 80112bf0 00000000 0000001d\n"
	        "as: dmpkit bugcheck 1e c0000005 80112bf0 0 1d\n"
	        "\n"
	        "Numbers are read like the debugger reads them: hex by default, 0x hex,\n"
	        "0n decimal, and fffff804`7c62a390.\n"
	        "\n"
	        "Options:\n"
	        "  --json  print one JSON object\n"
	        "\n"
	        "Exit status: 0 the code has a name, 1 unknown code, 2 usage error.\n");
}

/* "read of address 0x1d by the instruction at 0x80112bf0" when the code has
 * an access-type parameter with a known meaning. */
static bool in_short(const dk_bugcheck_explanation *e, const uint64_t p[4], char *buf, size_t n)
{
	int acc = -1, addr = -1, code = -1;
	char m[128];
	for (unsigned i = 0; i < 4; i++) {
		dk_bugcheck_param q = dk_bugcheck_param_of(e, p, i);
		if (q.kind == DK_BCP_ACCESS && acc < 0)
			acc = (int)i;
		else if ((q.kind == DK_BCP_ADDRESS || q.kind == DK_BCP_POOL_ADDRESS) && addr < 0)
			addr = (int)i;
		else if (q.kind == DK_BCP_CODE_ADDRESS && code < 0)
			code = (int)i;
	}
	if (acc < 0 || addr < 0)
		return false;
	dk_bugcheck_param_meaning(e, p, (unsigned)acc, m, sizeof m);
	if (!m[0])
		return false;
	int k = snprintf(buf, n, "%s (%" PRIu64 ") of address 0x%" PRIx64, m, p[acc], p[addr]);
	if (code >= 0 && k > 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, " by the instruction at 0x%" PRIx64, p[code]);
	return true;
}

static void print_subcodes(const dk_bugcheck_explanation *e)
{
	if (!e->nsubcodes)
		return;
	printf("\nSub-codes (parameter %u):\n", e->subcode_param);
	for (size_t i = 0; i < e->nsubcodes; i++)
		printf("  0x%-7" PRIx64 " %s\n", e->subcodes[i].value, e->subcodes[i].summary);
}

static void json_param(json *j, const dk_bugcheck_explanation *e, const uint64_t p[4],
                       unsigned i, bool have)
{
	char m[160];
	dk_bugcheck_param q = dk_bugcheck_param_of(e, p, i);
	json_begin_object(j);
	json_key(j, "index");
	json_u64(j, i + 1);
	json_key(j, "kind");
	json_string(j, dk_bcparam_kind_name(q.kind));
	json_key(j, "description");
	json_string(j, q.desc);
	if (have) {
		json_key(j, "value");
		json_hex(j, p[i]);
		dk_bugcheck_param_meaning(e, p, i, m, sizeof m);
		if (m[0]) {
			json_key(j, "meaning");
			json_string(j, m);
		}
	}
	json_end_object(j);
}

int cmd_bugcheck(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL } };
	size_t nopts = sizeof opts / sizeof opts[0];
	int nops = 0;
	const char **ops = cli_parse_ops("bugcheck", argc, argv, opts, nopts, &nops);
	if (!ops)
		return EXIT_USAGE;
	uint64_t v[5] = { 0 };
	int rc = EXIT_GOOD;
	if (nops < 1 || nops > 5) {
		cli_usage_error("bugcheck", nops ? "too many operands" : "missing CODE");
		rc = EXIT_USAGE;
	}
	for (int i = 0; rc == EXIT_GOOD && i < nops; i++)
		if (!cli_parse_code(ops[i], &v[i])) {
			cli_usage_error("bugcheck", "'%s' is not a number", ops[i]);
			rc = EXIT_USAGE;
		}
	free(ops);
	if (rc != EXIT_GOOD)
		return rc;
	if (v[0] > UINT32_MAX) {
		cli_usage_error("bugcheck", "a bugcheck code has 32 bits");
		return EXIT_USAGE;
	}
	uint32_t code = (uint32_t)v[0];
	int nparams = nops - 1;
	const uint64_t *p = v + 1;
	const char *name = dk_bugcheck_name(code);
	const dk_bugcheck_explanation *e = dk_bugcheck_explain(code);
	const dk_bugcheck_subcode *sc = nparams > 0 ? dk_bugcheck_subcode_of(e, p) : NULL;
	char sh[256];
	bool have_short = e && nparams == 4 && in_short(e, p, sh, sizeof sh);
	rc = name ? EXIT_GOOD : EXIT_PROBLEMS;

	if (cli_has(opts, nopts, "--json")) {
		json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "code");
		json_hex(&j, code);
		json_key(&j, "name");
		name ? json_string(&j, name) : json_null(&j);
		json_key(&j, "summary");
		e ? json_string(&j, e->summary) : json_null(&j);
		if (e && e->subcode_param) {
			json_key(&j, "subcode_parameter");
			json_u64(&j, e->subcode_param);
		}
		if (sc) {
			json_key(&j, "subcode");
			json_begin_object(&j);
			json_key(&j, "value");
			json_hex(&j, sc->value);
			json_key(&j, "summary");
			json_string(&j, sc->summary);
			json_end_object(&j);
		}
		if (have_short) {
			json_key(&j, "in_short");
			json_string(&j, sh);
		}
		json_key(&j, "parameters");
		json_begin_array(&j);
		for (unsigned i = 0; i < 4; i++) {
			if (e) {
				json_param(&j, e, p, i, (int)i < nparams);
			} else if ((int)i < nparams) {
				json_begin_object(&j);
				json_key(&j, "index");
				json_u64(&j, i + 1);
				json_key(&j, "value");
				json_hex(&j, p[i]);
				json_end_object(&j);
			}
		}
		json_end_array(&j);
		if (e && nparams == 0 && e->nsubcodes) {
			json_key(&j, "subcodes");
			json_begin_array(&j);
			for (size_t i = 0; i < e->nsubcodes; i++) {
				json_begin_object(&j);
				json_key(&j, "value");
				json_hex(&j, e->subcodes[i].value);
				json_key(&j, "summary");
				json_string(&j, e->subcodes[i].summary);
				json_end_object(&j);
			}
			json_end_array(&j);
		}
		json_end_object(&j);
		json_end(&j);
		return rc;
	}

	printf("Bugcheck 0x%08X %s\n", code, name ? name : "(unknown code)");
	if (!e) {
		if (name)
			printf("No explanation of this code's parameters yet.\n");
		for (int i = 0; i < nparams; i++)
			printf("  P%d  0x%" PRIx64 "\n", i + 1, p[i]);
		return rc;
	}
	printf("%s\n", e->summary);
	if (sc)
		printf("Sub-code (parameter %u = 0x%" PRIx64 "): %s\n", e->subcode_param, sc->value,
		       sc->summary);
	else if (e->subcode_param && nparams >= (int)e->subcode_param)
		printf("Sub-code (parameter %u = 0x%" PRIx64 "): not in our table\n", e->subcode_param,
		       p[e->subcode_param - 1]);
	if (have_short)
		printf("In short: %s\n", sh);
	printf("\n");
	for (unsigned i = 0; i < 4; i++) {
		dk_bugcheck_param q = dk_bugcheck_param_of(e, p, i);
		char m[160];
		if ((int)i < nparams) {
			dk_bugcheck_param_meaning(e, p, i, m, sizeof m);
			printf("  P%u  0x%-16" PRIx64 " %s [%s]%s%s\n", i + 1, p[i], q.desc,
			       dk_bcparam_kind_name(q.kind), m[0] ? ": " : "", m);
		} else {
			printf("  P%u  %s [%s]\n", i + 1, q.desc, dk_bcparam_kind_name(q.kind));
		}
	}
	if (nparams == 0)
		print_subcodes(e);
	return rc;
}
