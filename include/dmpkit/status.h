/* dmpkit — names of Windows status codes: NTSTATUS, Win32 errors,
 * HRESULTs, exception codes and fast-fail codes (like the debugger's !error).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_STATUS_H
#define DMPKIT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Each returns NULL when the value is not known. */
const char *dk_ntstatus_name(uint32_t status);
const char *dk_win32_error_name(uint32_t code);
const char *dk_hresult_name(uint32_t hr);
/* EXCEPTION_* names (winnt.h, plus C++ 0xE06D7363 and friends), else the
 * NTSTATUS name. */
const char *dk_exception_code_name(uint32_t code);
/* FAST_FAIL_* code in ExceptionInformation[0] of STATUS_STACK_BUFFER_OVERRUN. */
const char *dk_fast_fail_name(uint64_t code);

/* The crash reason of a Windows exception, in the words crash pipelines
 * use (the strings rust-minidump prints): "EXCEPTION_ACCESS_VIOLATION_WRITE",
 * "EXCEPTION_STACK_BUFFER_OVERRUN / FAST_FAIL_FATAL_APP_EXIT",
 * "Unhandled C++ Exception", "STATUS_...", "unknown 0x...".  `info` holds
 * `nparams` ExceptionInformation values. */
void dk_crash_reason(uint32_t code, uint32_t nparams, const uint64_t *info, char *buf,
                     size_t bufsize);
/* The address a crash implicates: ExceptionInformation[1] for access
 * violations and in-page errors, else the exception address. */
uint64_t dk_crash_address(uint32_t code, uint32_t nparams, const uint64_t *info,
                          uint64_t exception_address);

/* One reading of a 32-bit value, as !error prints them. */
typedef struct dk_code_meaning {
	const char *kind; /* "Win32", "NTSTATUS", "HRESULT" */
	char name[96];    /* e.g. "ERROR_FILE_NOT_FOUND", "HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)" */
} dk_code_meaning;

/* Every plausible reading of `value`; returns how many were written. */
size_t dk_code_meanings(uint32_t value, dk_code_meaning *out, size_t max);

#ifdef __cplusplus
}
#endif
#endif
