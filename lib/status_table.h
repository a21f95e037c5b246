/* dmpkit — internal: sorted code/name tables (status_names.c).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_STATUS_TABLE_H
#define DMPKIT_STATUS_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct dk_code_name {
	uint32_t code;
	const char *name;
} dk_code_name;

typedef struct dk_code_table {
	const dk_code_name *rows;
	size_t count;
} dk_code_table;

extern const dk_code_table dk_ntstatus_codes, dk_win32_codes, dk_exception_codes,
	dk_fastfail_codes;
/* hresult_names.c */
extern const dk_code_table dk_hresult_codes;

const char *dk_code_table_find(const dk_code_table *t, uint32_t code);

#endif
