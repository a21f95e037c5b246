/* dmpkit command line — shared helpers.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_CLI_H
#define DMPKIT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <dmpkit/dmpkit.h>
#include <dmpkit/kernel.h>
#include <dmpkit/verify.h>

/* Exit codes (documented in --help and the man pages). */
enum { EXIT_GOOD = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2 };

typedef struct cli_opt {
	const char *name;  /* "--json" */
	bool takes_value;
	bool present;
	const char *value;
} cli_opt;

/* Splits argv (after the command name) into options, wherever they stand,
 * and operands.  Returns false and prints a message on an unknown option.
 * Operands are stored into `operands` (which has room for argc). */
bool cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts,
               const char **operands, int *noperands);
/* cli_parse into a new operand array, which the caller frees; NULL after
 * a usage error (already reported) or when out of memory. */
const char **cli_parse_ops(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts,
                           int *noperands);
bool cli_has(const cli_opt *opts, size_t n, const char *name);
const char *cli_value(const cli_opt *opts, size_t n, const char *name);
/* Number in decimal, 0x hex, or a debugger's 0x-less backtick form
 * "fffff804`7c62a390". */
bool cli_parse_u64(const char *s, uint64_t *out);
void cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- JSON writer ---- */
typedef struct json {
	FILE *f;
	int depth;
	bool need_comma[64];
	bool after_key;
} json;
void json_init(json *j, FILE *f);
void json_begin_object(json *j);
void json_end_object(json *j);
void json_begin_array(json *j);
void json_end_array(json *j);
void json_key(json *j, const char *key);
void json_string(json *j, const char *s);
void json_u64(json *j, uint64_t v);
void json_hex(json *j, uint64_t v); /* "0x..." string: exact for 64 bits */
void json_bool(json *j, bool v);
void json_null(json *j);
void json_end(json *j); /* final newline */
/* "bugcheck_code", "bugcheck_name" (null when unknown) and
 * "bugcheck_parameters" of a kernel dump's header. */
void json_bugcheck(json *j, const dk_kdump_summary *s);

/* Writes one field (name, offset, size, state, value, meaning) as a JSON
 * object; `base_offset` is added to report file offsets. */
void json_field(json *j, const dk_field *f, const uint8_t *base, size_t avail,
                uint64_t base_offset, const char *prefix);
void json_fields(json *j, const dk_struct_desc *d, const uint8_t *base, size_t avail,
                 uint64_t base_offset, const char *prefix, bool include_reserved);

/* Opens PATH as a memory image with the command's --image-format, --map
 * and --companion options (absent ones are NULL); prints the error and
 * returns the exit code (EXIT_GOOD when opened). */
int cli_image_open(const char *cmd, const char *path, const cli_opt *opts, size_t n,
                   dk_image **out);

/* "different", "missing" or "extra" (cmd_verify.c) */
const char *verify_kind_name(dk_verify_kind k);

/* minidumps (info_minidump.c) */
bool file_is_minidump(const char *path);
int info_minidump(const char *path, bool json, bool all);
void describe_minidump(const char *path, FILE *out);

/* commands */
int cmd_check(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
void help_check(FILE *f);
void help_info(FILE *f);
void help_diff(FILE *f);
void help_analyze(FILE *f);
/* status codes and bugchecks without a dump (cmd_error.c, cmd_bugcheck.c) */
int cmd_error(int argc, char **argv);
int cmd_bugcheck(int argc, char **argv);
void help_error(FILE *f);
void help_bugcheck(FILE *f);
/* A number as the debugger reads it: hex by default, 0x hex, 0n decimal,
 * fffff804`7c62a390 (cmd_error.c). */
bool cli_parse_code(const char *s, uint64_t *out);

/* address spaces for vtop, read and search (cmd_vtop.c) */
#include <dmpkit/vas.h>
typedef struct cli_vas {
	dk_kdump *dump;
	const dk_physmem *pm;
	dk_paging paging;
	uint64_t dtb;
	dk_vas *vas; /* NULL when need_vas was false */
} cli_vas;
/* Opens FILE, its physical memory and (need_vas) its address space from
 * the header or --dtb/--paging/--process (an EPROCESS address, PID or
 * image name: that process's DirectoryTableBase); prints the error and
 * returns EXIT_USAGE (EXIT_PROBLEMS when the process is not found). */
int cli_vas_open(const char *cmd, const char *path, const char *dtb_opt, const char *paging_opt,
                 const char *process_opt, bool need_vas, cli_vas *cv);
void cli_vas_close(cli_vas *cv);
int cmd_vtop(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_search(int argc, char **argv);
void help_vtop(FILE *f);
void help_read(FILE *f);
void help_search(FILE *f);
/* the debugger data block (cmd_kdbg.c) */
int cmd_kdbg(int argc, char **argv);
void help_kdbg(FILE *f);

/* kernel list commands (kcli.c): a dump and its kernel */
typedef struct kcli {
	dk_kdump *dump;
	dk_kernel *k;
	unsigned ptr; /* 4 or 8 */
	const char **ops; /* operands from kcli_args: FILE first */
	int nops;
} kcli;
/* Opens FILE and its kernel; prints the error and returns the exit code
 * (EXIT_GOOD on success). */
int kcli_open(const char *cmd, const char *path, kcli *c);
/* Parses argv into `opts` and min_ops..max_ops operands (c->ops, FILE
 * first); otherwise reports "too many operands" or `missing` and returns
 * EXIT_USAGE. */
int kcli_args(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts, int min_ops,
              int max_ops, const char *missing, kcli *c);
/* Opens c->ops[0] and its kernel after kcli_args; closes c on failure. */
int kcli_load(const char *cmd, kcli *c);
/* kcli_args, then kcli_load: EXIT_GOOD or the exit code. */
int kcli_start(const char *cmd, int argc, char **argv, cli_opt *opts, size_t nopts, int min_ops,
               int max_ops, const char *missing, kcli *c);
void kcli_close(kcli *c); /* also frees c->ops */
/* Prints the notes and "dmpkit CMD: MSG", closes c and returns rc. */
int kcli_fail(const char *cmd, kcli *c, const char *msg, int rc);
/* json_init on stdout, then opens the document with "file": c->ops[0]. */
void kcli_json_begin(json *j, const kcli *c);
void kcli_notes(const char *cmd, kcli *c);          /* to stderr */
void kcli_json_notes(json *j, kcli *c);            /* "notes": [...] */
void kcli_json_walk(json *j, const dk_walk_status *ws);
const char *kcli_addr(const kcli *c, uint64_t v, char *buf, size_t size);
const char *kcli_time(uint64_t filetime, char *buf, size_t size);
/* Processes matching an EPROCESS address, a PID or an image name; the
 * caller frees *out.  0 with `why` filled when none. */
size_t kcli_find_processes(kcli *c, const char *spec, dk_kprocess **out, char *why,
                           size_t whysize);
void kcli_print_module(const kcli *c, const dk_kmodule *m);
void kcli_json_module(json *j, const dk_kmodule *m);

int cmd_lm(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_threads(int argc, char **argv);
int cmd_cpus(int argc, char **argv);
int cmd_ln(int argc, char **argv);
void help_lm(FILE *f);
void help_ps(FILE *f);
void help_threads(FILE *f);
void help_cpus(FILE *f);
void help_ln(FILE *f);
/* .exr, .cxr, .trap and kb on kernel dumps (cmd_kanalysis.c) */
int cmd_exr(int argc, char **argv);
int cmd_cxr(int argc, char **argv);
int cmd_trap(int argc, char **argv);
int cmd_stack(int argc, char **argv);
void help_exr(FILE *f);
void help_cxr(FILE *f);
void help_trap(FILE *f);
void help_stack(FILE *f);
/* memory images: convert, verify, image */
int cmd_convert(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_images(int argc, char **argv);
void help_convert(FILE *f);
void help_verify(FILE *f);
void help_images(FILE *f);

#endif
