/* dmpkit command line — shared helpers.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_CLI_H
#define DMPKIT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <dmpkit/dmpkit.h>

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

/* Writes one field (name, offset, size, state, value, meaning) as a JSON
 * object; `base_offset` is added to report file offsets. */
void json_field(json *j, const dk_field *f, const uint8_t *base, size_t avail,
                uint64_t base_offset, const char *prefix);
void json_fields(json *j, const dk_struct_desc *d, const uint8_t *base, size_t avail,
                 uint64_t base_offset, const char *prefix, bool include_reserved);

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

#endif
