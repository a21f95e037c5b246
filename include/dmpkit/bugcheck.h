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

/* ---- Explanations of the most frequent codes and their parameters ----
 * (lib/bugcheck_explain.c: summaries in our own words; facts about what
 * each parameter holds from the Microsoft bug-check reference pages.) */

/* What a bugcheck parameter holds. */
typedef enum dk_bcparam_kind {
	DK_BCP_VALUE = 0,          /* a plain number: count, size, index, time */
	DK_BCP_RESERVED,           /* not used, or meaning undocumented */
	DK_BCP_ADDRESS,            /* a virtual address (data, object, structure) */
	DK_BCP_CODE_ADDRESS,       /* the address of an instruction (faulting / caller) */
	DK_BCP_STATUS,             /* an NTSTATUS or exception code */
	DK_BCP_IRQL,               /* an interrupt request level */
	DK_BCP_ACCESS,             /* read/write/execute; see `access` */
	DK_BCP_EXCEPTION_RECORD,   /* pointer to an EXCEPTION_RECORD (.exr) */
	DK_BCP_CONTEXT,            /* pointer to a CONTEXT (.cxr) */
	DK_BCP_TRAP_FRAME,         /* pointer to a KTRAP_FRAME (.trap) */
	DK_BCP_EXCEPTION_POINTERS, /* pointer to an EXCEPTION_POINTERS */
	DK_BCP_POOL_ADDRESS,       /* an address in (or header of) a pool block */
	DK_BCP_PFN,                /* a physical page frame number */
	DK_BCP_SUBCODE,            /* selects one of the code's sub-codes */
	DK_BCP_FAST_FAIL,          /* a FAST_FAIL_* code (0x139) */
	DK_BCP_KIND_COUNT
} dk_bcparam_kind;

/* How an access-type parameter encodes the access (each code its own). */
typedef enum dk_access_encoding {
	DK_ACC_NONE = 0,
	DK_ACC_RW,        /* 0 read, 1 write */
	DK_ACC_EXCEPTION, /* ExceptionInformation[0] of an access violation or
	                   * in-page error: 0 read, 1 write, 8 execute */
	DK_ACC_BITS,      /* 0x0A: bit 0 set = write, bit 3 set = execute */
	DK_ACC_D1,        /* 0xD1: 0 read, 1 write, 2 or 8 execute */
	DK_ACC_PF         /* 0x50: 0 read; 2 write, 0x10 execute (x86/x64 since
	                   * Windows 10 1507); 1 write, 8 execute (ARM, older) */
} dk_access_encoding;

typedef struct dk_bugcheck_param {
	dk_bcparam_kind kind;
	dk_access_encoding access; /* for DK_BCP_ACCESS */
	const char *desc;          /* short description; NULL in a sub-code: as the code says */
} dk_bugcheck_param;

/* A sub-code: one value of the selecting parameter, with what the other
 * parameters hold for it (entries with desc NULL keep the code's own). */
typedef struct dk_bugcheck_subcode {
	uint64_t value;
	const char *summary;
	dk_bugcheck_param params[4];
} dk_bugcheck_subcode;

typedef struct dk_bugcheck_explanation {
	uint32_t code;
	const char *summary;        /* one sentence */
	dk_bugcheck_param params[4];
	unsigned subcode_param;     /* 1..4: the parameter selecting a sub-code; 0 none */
	const dk_bugcheck_subcode *subcodes; /* sorted by value */
	size_t nsubcodes;
} dk_bugcheck_explanation;

/* The explanation of `code`, or NULL when it has none. */
const dk_bugcheck_explanation *dk_bugcheck_explain(uint32_t code);
/* All explanations, sorted by code ascending. */
const dk_bugcheck_explanation *dk_bugcheck_explain_table(size_t *count);
/* The sub-code selected by `params`, or NULL. */
const dk_bugcheck_subcode *dk_bugcheck_subcode_of(const dk_bugcheck_explanation *e,
                                                  const uint64_t params[4]);
/* Parameter i (0..3) as it applies to these values: the sub-code's entry
 * when it has one, else the code's. */
dk_bugcheck_param dk_bugcheck_param_of(const dk_bugcheck_explanation *e, const uint64_t params[4],
                                       unsigned i);
/* "exception_record", "irql", ... (stable names for JSON). */
const char *dk_bcparam_kind_name(dk_bcparam_kind k);
/* The value of parameter i interpreted by its kind ("STATUS_ACCESS_VIOLATION",
 * "DISPATCH_LEVEL", "read", "sub-code: ...", "FAST_FAIL_..."); an empty
 * string when there is nothing to add.  Returns buf. */
char *dk_bugcheck_param_meaning(const dk_bugcheck_explanation *e, const uint64_t params[4],
                                unsigned i, char *buf, size_t bufsize);
/* Name of an IRQL value (x64 and x86 levels differ above 2), or NULL. */
const char *dk_irql_name(uint64_t irql);

#ifdef __cplusplus
}
#endif
#endif
