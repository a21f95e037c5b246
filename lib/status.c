/* dmpkit — status code lookups.
 *
 * HRESULT layout (winerror.h): S[31] R[30] C[29] N[28] X[27]
 * Facility[26:16] Code[15:0]; facility 7 is FACILITY_WIN32, and N set means
 * HRESULT_FROM_NT.  NTSTATUS layout (ntstatus.h): Sev[31:30] C[29] N[28]
 * Facility[27:16] Code[15:0].
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <dmpkit/status.h>

#include "internal.h"
#include "status_table.h"

const char *dk_code_table_find(const dk_code_table *t, uint32_t code)
{
	size_t lo = 0, hi = t->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->rows[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->count && t->rows[lo].code == code ? t->rows[lo].name : NULL;
}

const char *dk_ntstatus_name(uint32_t s) { return dk_code_table_find(&dk_ntstatus_codes, s); }
const char *dk_win32_error_name(uint32_t c) { return dk_code_table_find(&dk_win32_codes, c); }

const char *dk_exception_code_name(uint32_t c)
{
	const char *n = dk_code_table_find(&dk_exception_codes, c);
	return n ? n : dk_ntstatus_name(c);
}

const char *dk_fast_fail_name(uint64_t c)
{
	return c > UINT32_MAX ? NULL : dk_code_table_find(&dk_fastfail_codes, (uint32_t)c);
}

/* HRESULT names: the generated table (hresult_names.c, from mingw-w64's
 * public-domain winerror.h) plus S_OK and S_FALSE, which that header defines
 * without _HRESULT_TYPEDEF_.  The facility WIN32 and NT readings without a
 * name of their own are derived in dk_code_meanings. */
const char *dk_hresult_name(uint32_t hr)
{
	if (hr == 0)
		return "S_OK";
	if (hr == 1)
		return "S_FALSE";
	return dk_code_table_find(&dk_hresult_codes, hr);
}

size_t dk_code_meanings(uint32_t v, dk_code_meaning *out, size_t max)
{
	size_t n = 0;
	const char *s;
#define ADD(k, ...)                                                        \
	do {                                                               \
		if (n < max) {                                             \
			out[n].kind = k;                                   \
			snprintf(out[n].name, sizeof out[n].name, __VA_ARGS__); \
			n++;                                               \
		}                                                          \
	} while (0)
	if (v < 0x10000u && (s = dk_win32_error_name(v)))
		ADD("Win32", "%s", s);
	if ((s = dk_ntstatus_name(v)))
		ADD("NTSTATUS", "%s", s);
	if ((s = dk_hresult_name(v)))
		ADD("HRESULT", "%s", s);
	/* the derived readings, also when the value has a name of its own
	 * (0x80070005 is E_ACCESSDENIED and HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)) */
	if ((v & 0xFFFF0000u) == 0x80070000u && (s = dk_win32_error_name(v & 0xFFFF)))
		ADD("HRESULT", "HRESULT_FROM_WIN32(%s)", s);
	else if ((v & 0x10000000u) && (s = dk_ntstatus_name(v & ~0x10000000u)))
		ADD("HRESULT", "HRESULT_FROM_NT(%s)", s);
#undef ADD
	return n;
}

/* Exception codes (winnt.h) whose parameters refine the reason. */
#define CODE_ACCESS_VIOLATION 0xC0000005u
#define CODE_IN_PAGE_ERROR 0xC0000006u
#define CODE_STACK_BUFFER_OVERRUN 0xC0000409u /* fast fail: info[0] = code */
#define CODE_CPP 0xE06D7363u
#define CODE_OOM 0xE0000008u
#define CODE_SIMULATED 0x0517A7EDu

static const char *access_type(uint64_t t)
{
	/* ExceptionInformation[0] of an access violation: 0 read, 1 write,
	 * 8 execute (DEP) */
	return t == 0 ? "READ" : t == 1 ? "WRITE" : t == 8 ? "EXEC" : NULL;
}

void dk_crash_reason(uint32_t code, uint32_t nparams, const uint64_t *info, char *buf,
                     size_t bufsize)
{
	const char *n;
	if (code == CODE_OOM) {
		snprintf(buf, bufsize, "Out of Memory");
		return;
	}
	if (code == CODE_CPP) {
		snprintf(buf, bufsize, "Unhandled C++ Exception");
		return;
	}
	if (code == CODE_SIMULATED) {
		snprintf(buf, bufsize, "Simulated Exception");
		return;
	}
	if (code == CODE_ACCESS_VIOLATION && nparams >= 1 && (n = access_type(info[0]))) {
		snprintf(buf, bufsize, "EXCEPTION_ACCESS_VIOLATION_%s", n);
		return;
	}
	if (code == CODE_IN_PAGE_ERROR && nparams >= 3 && (n = access_type(info[0]))) {
		const char *st = dk_ntstatus_name((uint32_t)info[2]);
		if (st)
			snprintf(buf, bufsize, "EXCEPTION_IN_PAGE_ERROR_%s / %s", n, st);
		else
			snprintf(buf, bufsize, "EXCEPTION_IN_PAGE_ERROR_%s / 0x%08x", n,
			         (uint32_t)info[2]);
		return;
	}
	if (code == CODE_STACK_BUFFER_OVERRUN && nparams >= 1) {
		const char *ff = dk_fast_fail_name(info[0]);
		if (ff)
			snprintf(buf, bufsize, "EXCEPTION_STACK_BUFFER_OVERRUN / %s", ff);
		else
			snprintf(buf, bufsize, "EXCEPTION_STACK_BUFFER_OVERRUN / 0x%08llx",
			         (unsigned long long)info[0]);
		return;
	}
	if ((n = dk_code_table_find(&dk_exception_codes, code)) ||
	    (n = dk_win32_error_name(code)) || (n = dk_ntstatus_name(code))) {
		snprintf(buf, bufsize, "%s", n);
		return;
	}
	snprintf(buf, bufsize, "unknown 0x%08x", code);
}

uint64_t dk_crash_address(uint32_t code, uint32_t nparams, const uint64_t *info,
                          uint64_t exception_address)
{
	if ((code == CODE_ACCESS_VIOLATION || code == CODE_IN_PAGE_ERROR) && nparams >= 2)
		return info[1];
	return exception_address;
}
