/* dmpkit — internal: state and helpers shared by the stack walkers.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_STACKWALK_INTERNAL_H
#define DMPKIT_STACKWALK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/stackwalk.h>
#include <dmpkit/symfile.h>

/* Scan windows (rust-minidump minidump-unwind: 40 words, more for the
 * context frame). */
#define DK_SCAN_WORDS 40
#define DK_SCAN_WORDS_CONTEXT 160
/* rust-minidump MAX_REASONABLE_GAP_BETWEEN_FRAMES: a recovered frame
 * pointer must point upward by at most this much. */
#define DK_MAX_FRAME_GAP (128u * 1024u)

typedef struct dk_sw {
	const dk_walk_input *in;
	dk_frame *frames;
	size_t count, max;
	unsigned width;            /* 4 or 8 */
	int pc_reg, sp_reg, fp_reg;
	uint32_t win_param[2];     /* STACK WIN parameter size of the last two frames */
	char why[128];             /* the last rejected candidate, in words */
	bool end_of_stack;         /* dk_sw_accept saw a return address below 4 KiB */
} dk_sw;

bool dk_sw_read(const dk_sw *w, uint64_t va, void *buf, size_t len);
bool dk_sw_word(const dk_sw *w, uint64_t va, uint64_t *v);
/* Address used to find the function of frame `idx` (pc, or pc-1 for callers). */
uint64_t dk_sw_lookup_pc(const dk_sw *w, size_t idx);
/* Symbols of the module holding `va` (and the module-relative address). */
const dk_symfile *dk_sw_symbols(const dk_sw *w, uint64_t va, uint64_t *rva);
int dk_sw_module(const dk_sw *w, uint64_t va);
/* Strips ARM64 pointer authentication bits. */
uint64_t dk_sw_strip_pac(const dk_sw *w, uint64_t pc);

/* Checks a candidate caller of frame `idx` (regs filled in cand->regs):
 * pc present and plausible, sp increasing, inside the stack.  On failure
 * records the reason in w->why. */
bool dk_sw_accept(dk_sw *w, size_t idx, dk_frame *cand, dk_frame_trust trust);
/* Looks like a return address: in a module (or any address when no modules
 * are known), inside a function when the module has symbols, and preceded
 * by a call when the code is readable.  *checked says the call was seen. */
bool dk_sw_return_address_ok(const dk_sw *w, uint64_t ra, bool *checked);
/* Stack scan from `start` for a return address; fills cand (pc, sp, and the
 * frame pointer recovered as rust-minidump does). */
bool dk_sw_scan(dk_sw *w, size_t idx, uint64_t start, dk_frame *cand);

/* Tries a candidate from a trusted method; returns 1 accepted, 0 rejected
 * (try the next method), -1 the walk ends here (end of stack). */
int dk_sw_try(dk_sw *w, size_t idx, dk_frame *cand, dk_frame_trust trust, bool end_ok);
/* The leaf test for the context frame: [sp] is a call-checked return
 * address (used only when no unwind data describes the function). */
bool dk_sw_leaf(dk_sw *w, size_t idx, dk_frame *cand);
/* Combines the reasons of the failed methods into w->why. */
void dk_sw_note(dk_sw *w, const char *method, char *acc, size_t accsize);
/* Fills a frame-pointer candidate: pc, sp, and the saved frame pointer
 * when `fp_ok` (otherwise unknown, so that the next frame is scanned for). */
void dk_sw_fp_caller(const dk_sw *w, dk_frame *caller, uint64_t pc, uint64_t sp, uint64_t fp,
                     bool fp_ok);
/* The last method: a stack scan from frame `idx`'s sp.  When it fails,
 * w->why says what every method found (the reasons gathered in `acc`). */
bool dk_sw_scan_last(dk_sw *w, size_t idx, dk_frame *caller, char *acc, size_t accsize);

/* Call-site checks: the instruction ending at `ra` is a call. */
bool dk_x86_is_call_before(const uint8_t *code, size_t n); /* code = bytes [ra-n, ra) */
bool dk_arm64_is_call_before(uint32_t insn);

/* Per-architecture: the caller of frame `idx`, or false (w->why says why). */
bool dk_sw_step_x86(dk_sw *w, size_t idx, dk_frame *caller);
bool dk_sw_step_amd64(dk_sw *w, size_t idx, dk_frame *caller);
bool dk_sw_step_arm64(dk_sw *w, size_t idx, dk_frame *caller);

/* x64 unwinding from the module's .pdata/UNWIND_INFO in memory (pe_unwind.c).
 * DK_E_RANGE: no readable exception directory; DK_OK: `regs` now holds the
 * caller (*how: 0 unwind codes, 1 leaf, 2 epilog, 3 machine frame). */
dk_status dk_pe_unwind_amd64(const dk_vmem *mem, uint64_t image_base, uint64_t image_size,
                             uint64_t lookup_pc, dk_regs *regs, int *how);
/* The RUNTIME_FUNCTION covering `rva`: begin/end/unwind RVAs (*found false
 * and DK_OK: the table was read and has no entry, i.e. a leaf). */
dk_status dk_pe_find_function(const dk_vmem *mem, uint64_t image_base, uint64_t image_size,
                              uint64_t rva, uint32_t rf[3], bool *found);

#endif
