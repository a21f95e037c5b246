/* dmpkit error — every plausible reading of a status value (like !error).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/status.h>

#include "cli.h"

void help_error(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit error CODE [--ntstatus|--win32|--hresult] [--json]\n"
	        "\n"
	        "Name a Windows status value the way the debugger's !error does: as a\n"
	        "Win32 error (values below 0x10000), an NTSTATUS or exception code, and an\n"
	        "HRESULT (including HRESULT_FROM_WIN32 and HRESULT_FROM_NT), with the bit\n"
	        "fields of each layout decoded.  No dump is needed.\n"
	        "\n"
	        "Options:\n"
	        "  --ntstatus  read CODE only as an NTSTATUS\n"
	        "  --win32     read CODE only as a Win32 error\n"
	        "  --hresult   read CODE only as an HRESULT\n"
	        "  --json      print one JSON object\n"
	        "\n"
	        "CODE is read like the debugger reads it: hex by default (c0000005,\n"
	        "80004003, 2), 0x hex, 0n decimal (0n1603), or a negative decimal as\n"
	        ".NET prints HRESULTs (-2147467261).\n"
	        "\n"
	        "Exit status: 0 at least one name is known, 1 none, 2 usage error.\n");
}

/* Facility names of HRESULTs (winerror.h FACILITY_*), the common ones. */
static const char *hr_facility(unsigned f)
{
	switch (f) {
	case 0: return "NULL";
	case 1: return "RPC";
	case 2: return "DISPATCH";
	case 3: return "STORAGE";
	case 4: return "ITF";
	case 7: return "WIN32";
	case 8: return "WINDOWS";
	case 9: return "SECURITY";
	case 10: return "CONTROL";
	case 11: return "CERT";
	case 12: return "INTERNET";
	case 13: return "MEDIASERVER";
	case 14: return "MSMQ";
	case 15: return "SETUPAPI";
	case 16: return "SCARD";
	case 17: return "COMPLUS";
	case 18: return "AAF";
	case 19: return "URT";
	case 20: return "ACS";
	case 21: return "DPLAY";
	case 22: return "UMI";
	case 23: return "SXS";
	case 24: return "WINDOWS_CE";
	case 25: return "HTTP";
	case 26: return "USERMODE_COMMONLOG";
	case 31: return "USERMODE_FILTER_MANAGER";
	case 32: return "BACKGROUNDCOPY";
	case 33: return "CONFIGURATION";
	case 34: return "STATE_MANAGEMENT";
	case 35: return "METADIRECTORY";
	case 36: return "WINDOWSUPDATE";
	case 37: return "DIRECTORYSERVICE";
	case 38: return "GRAPHICS";
	case 39: return "SHELL";
	case 40: return "TPM_SERVICES";
	case 41: return "TPM_SOFTWARE";
	case 48: return "PLA";
	case 49: return "FVE";
	case 50: return "FWP";
	case 51: return "WINRM";
	case 52: return "NDIS";
	case 53: return "USERMODE_HYPERVISOR";
	case 54: return "CMI";
	case 55: return "USERMODE_VIRTUALIZATION";
	case 56: return "USERMODE_VOLMGR";
	case 57: return "BCD";
	case 58: return "USERMODE_VHD";
	case 60: return "SDIAG";
	case 61: return "WEBSERVICES";
	case 80: return "WINDOWS_DEFENDER";
	case 81: return "OPC";
	case 0x877: return "DXGI"; /* 0x87A..: D3D etc. */
	case 0x878: return "DXGI_DDI";
	case 0x879: return "DIRECT3D11";
	case 0x889: return "DWRITE";
	case 0x898: return "D2D";
	default: return NULL;
	}
}

/* NTSTATUS facility names (ntstatus.h FACILITY_*), the common ones. */
static const char *nt_facility(unsigned f)
{
	switch (f) {
	case 0x0: return "NONE";
	case 0x1: return "DEBUGGER";
	case 0x2: return "RPC_RUNTIME";
	case 0x3: return "RPC_STUBS";
	case 0x4: return "IO_ERROR_CODE";
	case 0x5: return "CODCLASS";
	case 0x6: return "NTWIN32";
	case 0x7: return "NTCERT";
	case 0x8: return "NTSSPI";
	case 0x9: return "TERMINAL_SERVER";
	case 0xA: return "MUI";
	case 0x10: return "USB_ERROR_CODE";
	case 0x11: return "HID_ERROR_CODE";
	case 0x12: return "FIREWIRE_ERROR_CODE";
	case 0x13: return "CLUSTER";
	case 0x14: return "ACPI";
	case 0x15: return "SXS";
	case 0x19: return "TRANSACTION";
	case 0x1A: return "COMMONLOG";
	case 0x1B: return "VIDEO";
	case 0x1C: return "FILTER_MANAGER";
	case 0x1D: return "MONITOR";
	case 0x1E: return "GRAPHICS_KERNEL";
	case 0x20: return "DRIVER_FRAMEWORK";
	case 0x21: return "FVE";
	case 0x22: return "FWP";
	case 0x23: return "NDIS";
	case 0x35: return "HYPERVISOR";
	case 0x36: return "IPSEC";
	case 0x37: return "VIRTUALIZATION";
	case 0x38: return "VOLMGR";
	case 0x39: return "BCD";
	case 0x3A: return "VHD";
	case 0x3E: return "SDBUS";
	case 0x98: return "DEBUG";
	default: return NULL;
	}
}

static const char *nt_severity(unsigned s)
{
	static const char *const n[4] = { "success", "informational", "warning", "error" };
	return n[s & 3];
}

typedef struct reading {
	const char *kind; /* "Win32", "NTSTATUS", "HRESULT" */
	char name[112];
} reading;

enum { ONLY_ALL, ONLY_NT, ONLY_WIN32, ONLY_HR };

static size_t collect(uint32_t v, int only, reading *out, size_t max)
{
	size_t n = 0;
	if (only == ONLY_ALL) {
		dk_code_meaning m[8];
		size_t k = dk_code_meanings(v, m, 8);
		for (size_t i = 0; i < k && n < max; i++, n++) {
			out[n].kind = m[i].kind;
			snprintf(out[n].name, sizeof out[n].name, "%s", m[i].name);
		}
		/* an exception code with its own (winnt.h) name, e.g. 0xE06D7363 */
		const char *x = dk_exception_code_name(v);
		if (x && !dk_ntstatus_name(v) && n < max) {
			out[n].kind = "exception";
			snprintf(out[n].name, sizeof out[n].name, "%s", x);
			n++;
		}
		return n;
	}
	const char *s = NULL;
	if (only == ONLY_WIN32 && (s = dk_win32_error_name(v))) {
		out[n].kind = "Win32";
		snprintf(out[n].name, sizeof out[n].name, "%s", s);
		n++;
	} else if (only == ONLY_NT && (s = dk_exception_code_name(v))) {
		out[n].kind = "NTSTATUS";
		snprintf(out[n].name, sizeof out[n].name, "%s", s);
		n++;
	} else if (only == ONLY_HR) {
		if ((s = dk_hresult_name(v)) && n < max) {
			out[n].kind = "HRESULT";
			snprintf(out[n].name, sizeof out[n].name, "%s", s);
			n++;
		}
		if ((v & 0xFFFF0000u) == 0x80070000u && (s = dk_win32_error_name(v & 0xFFFF)) && n < max) {
			out[n].kind = "HRESULT";
			snprintf(out[n].name, sizeof out[n].name, "HRESULT_FROM_WIN32(%s)", s);
			n++;
		} else if ((v & 0x10000000u) && (s = dk_ntstatus_name(v & ~0x10000000u)) && n < max) {
			out[n].kind = "HRESULT";
			snprintf(out[n].name, sizeof out[n].name, "HRESULT_FROM_NT(%s)", s);
			n++;
		}
	}
	return n;
}

bool cli_parse_code(const char *s, uint64_t *out)
{
	char buf[80];
	if (!s || !*s)
		return false;
	if (s[0] == '0' && (s[1] == 'n' || s[1] == 'N')) { /* 0n: decimal */
		if (!s[2])
			return false;
		for (const char *p = s + 2; *p; p++)
			if (*p < '0' || *p > '9')
				return false;
		return cli_parse_u64(s + 2, out);
	}
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) || strchr(s, '`'))
		return cli_parse_u64(s, out);
	/* the debugger's default radix: hex */
	if (strlen(s) + 3 > sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "0x%s", s);
	return cli_parse_u64(buf, out);
}

static bool parse_code(const char *s, uint32_t *out)
{
	uint64_t v;
	if (s[0] == '-') { /* a signed decimal, as .NET prints HRESULTs */
		for (const char *p = s + 1; *p; p++)
			if (*p < '0' || *p > '9')
				return false;
		if (!cli_parse_u64(s + 1, &v) || v == 0 || v > 0x80000000u)
			return false;
		*out = (uint32_t)(0x100000000ull - v);
		return true;
	}
	if (!cli_parse_code(s, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

int cmd_error(int argc, char **argv)
{
	cli_opt opts[] = {
		{ "--json", false, false, NULL },
		{ "--ntstatus", false, false, NULL },
		{ "--win32", false, false, NULL },
		{ "--hresult", false, false, NULL },
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	const char **ops = calloc((size_t)argc + 1, sizeof *ops);
	int nops = 0;
	if (!ops)
		return EXIT_USAGE;
	/* "-2147467261" is a number here, not an option */
	char **args = calloc((size_t)argc + 1, sizeof *args);
	const char *negative = NULL;
	int nargs = 0;
	if (!args) {
		free(ops);
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9' && !negative)
			negative = argv[i];
		else
			args[nargs++] = argv[i];
	}
	bool ok = cli_parse("error", nargs, args, opts, nopts, ops, &nops);
	free(args);
	if (!ok) {
		free(ops);
		return EXIT_USAGE;
	}
	if (negative)
		ops[nops++] = negative;
	const char *arg = nops == 1 ? ops[0] : NULL;
	free(ops);
	if (!arg) {
		cli_usage_error("error", nops ? "too many operands" : "missing CODE");
		return EXIT_USAGE;
	}
	int nonly = cli_has(opts, nopts, "--ntstatus") + cli_has(opts, nopts, "--win32") +
	            cli_has(opts, nopts, "--hresult");
	if (nonly > 1) {
		cli_usage_error("error", "--ntstatus, --win32 and --hresult exclude each other");
		return EXIT_USAGE;
	}
	int only = cli_has(opts, nopts, "--ntstatus") ? ONLY_NT
	           : cli_has(opts, nopts, "--win32") ? ONLY_WIN32
	           : cli_has(opts, nopts, "--hresult") ? ONLY_HR
	                                              : ONLY_ALL;
	uint32_t v;
	if (!parse_code(arg, &v)) {
		cli_usage_error("error", "'%s' is not a 32-bit number", arg);
		return EXIT_USAGE;
	}
	reading r[8];
	size_t n = collect(v, only, r, 8);
	bool json_out = cli_has(opts, nopts, "--json");

	/* bit fields of both layouts */
	unsigned nt_sev = v >> 30, nt_fac = (v >> 16) & 0xFFF;
	unsigned hr_fac = (v >> 16) & 0x7FF;
	bool cust = (v >> 29) & 1, nbit = (v >> 28) & 1;
	bool hr_fail = v >> 31, hr_r = (v >> 30) & 1, hr_x = (v >> 27) & 1;
	bool show_nt = only == ONLY_ALL ? v >= 0x10000u : only == ONLY_NT;
	bool show_hr = only == ONLY_ALL ? v >= 0x10000u : only == ONLY_HR;
	const char *ntf = nt_facility(nt_fac), *hrf = hr_facility(hr_fac);

	if (json_out) {
		json j;
		json_init(&j, stdout);
		json_begin_object(&j);
		json_key(&j, "value");
		json_hex(&j, v);
		json_key(&j, "decimal");
		json_u64(&j, v);
		json_key(&j, "signed");
		fprintf(stdout, "%" PRId32, (int32_t)v); /* no signed writer in json.c */
		j.after_key = false;
		json_key(&j, "meanings");
		json_begin_array(&j);
		for (size_t i = 0; i < n; i++) {
			json_begin_object(&j);
			json_key(&j, "kind");
			json_string(&j, r[i].kind);
			json_key(&j, "name");
			json_string(&j, r[i].name);
			json_end_object(&j);
		}
		json_end_array(&j);
		if (show_nt) {
			json_key(&j, "ntstatus_fields");
			json_begin_object(&j);
			json_key(&j, "severity");
			json_string(&j, nt_severity(nt_sev));
			json_key(&j, "customer");
			json_bool(&j, cust);
			json_key(&j, "facility");
			json_hex(&j, nt_fac);
			json_key(&j, "facility_name");
			ntf ? json_string(&j, ntf) : json_null(&j);
			json_key(&j, "code");
			json_hex(&j, v & 0xFFFF);
			json_end_object(&j);
		}
		if (show_hr) {
			json_key(&j, "hresult_fields");
			json_begin_object(&j);
			json_key(&j, "failure");
			json_bool(&j, hr_fail);
			json_key(&j, "reserved");
			json_bool(&j, hr_r);
			json_key(&j, "customer");
			json_bool(&j, cust);
			json_key(&j, "nt");
			json_bool(&j, nbit);
			json_key(&j, "x");
			json_bool(&j, hr_x);
			json_key(&j, "facility");
			json_hex(&j, hr_fac);
			json_key(&j, "facility_name");
			hrf ? json_string(&j, hrf) : json_null(&j);
			json_key(&j, "code");
			json_hex(&j, v & 0xFFFF);
			json_end_object(&j);
		}
		json_end_object(&j);
		json_end(&j);
		return n ? EXIT_GOOD : EXIT_PROBLEMS;
	}

	for (size_t i = 0; i < n; i++)
		printf("(%s) 0x%x (%" PRIu32 ") - %s\n", r[i].kind, v, v, r[i].name);
	if (n == 0)
		printf("0x%x (%" PRIu32 ") - no known name\n", v, v);
	if (show_nt)
		printf("  as NTSTATUS: severity %s, customer %u, facility 0x%x%s%s%s, code 0x%x (%u)\n",
		       nt_severity(nt_sev), (unsigned)cust, nt_fac, ntf ? " (FACILITY_" : "", ntf ? ntf : "",
		       ntf ? ")" : "", v & 0xFFFF, v & 0xFFFF);
	if (show_hr)
		printf("  as HRESULT:  %s, customer %u, N (from NT) %u, facility 0x%x%s%s%s, code 0x%x (%u)\n",
		       hr_fail ? "failure" : "success", (unsigned)cust, (unsigned)nbit, hr_fac, hrf ? " (FACILITY_" : "",
		       hrf ? hrf : "", hrf ? ")" : "", v & 0xFFFF, v & 0xFFFF);
	return n ? EXIT_GOOD : EXIT_PROBLEMS;
}
