/* dmpkit — breakpad text symbol files (.sym).
 *
 * Records: MODULE, INFO, FILE, FUNC (+ line records), PUBLIC, STACK WIN,
 * STACK CFI INIT / STACK CFI.  Files are looked up as
 * DIR/<debug_file>/<debug_id>/<debug_file without .pdb>.sym, the layout
 * breakpad's symbol stores use.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_SYMFILE_H
#define DMPKIT_SYMFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/stackwalk.h>

#ifdef __cplusplus
extern "C" {
#endif

dk_status dk_symfile_load(const char *path, dk_symfile **out, dk_error *err);
dk_status dk_symfile_load_memory(const char *text, size_t len, dk_symfile **out,
                                 dk_error *err);
void dk_symfile_free(dk_symfile *s);

/* MODULE line values */
const char *dk_symfile_os(const dk_symfile *s);
const char *dk_symfile_arch(const dk_symfile *s);
const char *dk_symfile_debug_id(const dk_symfile *s);
const char *dk_symfile_debug_file(const dk_symfile *s);

/* Function (FUNC, else nearest PUBLIC) at module-relative address `rva`.
 * Returns false when none.  *file and *line come from the line records (NULL, 0 when none). */
bool dk_symfile_lookup(const dk_symfile *s, uint64_t rva, const char **function,
                       uint64_t *function_rva, const char **file, uint32_t *line);

/* Counts of the records read (lines that could not be parsed are counted
 * in `bad_lines` and otherwise ignored, as breakpad does). */
typedef struct dk_symfile_stats {
	size_t files, funcs, lines, publics, stack_win, cfi_init, cfi_delta, inline_records;
	size_t bad_lines;
} dk_symfile_stats;
void dk_symfile_get_stats(const dk_symfile *s, dk_symfile_stats *out);

/* A STACK WIN record (all fields as in the file). */
typedef struct dk_win_record {
	unsigned type;           /* 0 FPO, 4 FrameData (others are not used for walking) */
	uint32_t rva, code_size, prolog_size, epilog_size, param_size;
	uint32_t saved_regs_size, locals_size, max_stack_size;
	bool has_program;
	bool allocates_base_pointer; /* when !has_program */
	const char *program;     /* "" when none */
} dk_win_record;
/* The STACK WIN record covering `rva` (type 4 preferred over type 0). */
bool dk_symfile_win_info(const dk_symfile *s, uint64_t rva, dk_win_record *out);

/* Unwinding with the symbol file's stack records.  `callee` holds the
 * registers of the frame whose pc lies at module-relative `rva`; on success
 * `caller` receives the registers of its caller (pc and sp at least; the
 * callee-saved registers the records do not mention are carried over).
 * DK_E_RANGE when the file has no record for `rva`; DK_E_FORMAT when the
 * rules do not evaluate (unknown variable, stack underflow, unreadable
 * memory...). */
dk_status dk_symfile_unwind_cfi(const dk_symfile *s, uint64_t rva, const dk_regs *callee,
                                const dk_vmem *mem, dk_regs *caller);

/* x86 STACK WIN: `callee_param_size` is .cbCalleeParams (the parameter size
 * of the frame called by this one, 0 for the context frame); `valid_ra`,
 * when given, says whether a value looks like a return address and enables
 * breakpad's short .raSearchStart scan and its rescue scan. */
typedef struct dk_win_params {
	uint32_t callee_param_size;
	bool context_frame;
	bool (*valid_ra)(void *arg, uint64_t va);
	void *arg;
} dk_win_params;
dk_status dk_symfile_unwind_win(const dk_symfile *s, uint64_t rva, const dk_regs *callee,
                                const dk_vmem *mem, const dk_win_params *p, dk_regs *caller);

/* Evaluates a postfix program as STACK WIN and STACK CFI write them
 * ("$T0 $ebp = $eip $T0 4 + ^ = ...", ".cfa -8 + ^"): numbers, variables,
 * + - * / % @ (align down), ^ (read a `width`-byte word from `mem`) and =.
 * vars[i]/values[i] (n entries) are the variables; an assignment to one of
 * them updates values[i], other names become temporaries.  *result, when
 * given, receives the value left on the top of the stack (DK_E_RANGE when
 * none is left).  Bounded: at most 256 tokens, 32 stack entries, 32
 * temporaries.  For tests and tools; the walkers use it internally. */
dk_status dk_postfix_eval(const char *program, unsigned width, const dk_vmem *mem,
                          const char **vars, uint64_t *values, size_t n, uint64_t *result);

/* Finds DIR/<debug_file>/<debug_id>/<name>.sym for a module and loads it;
 * DK_E_RANGE when there is no such file. */
dk_status dk_symfile_find(const char *dir, const dk_module *m, dk_symfile **out,
                          dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
