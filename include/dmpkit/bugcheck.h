/* dmpkit — bugcheck (stop) code names.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_BUGCHECK_H
#define DMPKIT_BUGCHECK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One known bugcheck code. */
typedef struct dk_bugcheck_info {
	uint32_t code;
	const char *name; /* e.g. "KMODE_EXCEPTION_NOT_HANDLED" */
} dk_bugcheck_info;

/* Name of a bugcheck code, or NULL when the code is not in the table.
 * 0x1000xxxx "_M" variants are in the table under their own names. */
const char *dk_bugcheck_name(uint32_t code);

/* The whole table, sorted by code ascending; *count receives its length. */
const dk_bugcheck_info *dk_bugcheck_table(size_t *count);

#ifdef __cplusplus
}
#endif
#endif
