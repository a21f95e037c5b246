/* dmpkit — disassembling one instruction (x86 and x64, with Zydis).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_DISASM_H
#define DMPKIT_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/context.h>
#include <dmpkit/error.h>
#include <dmpkit/stackwalk.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_insn {
	uint64_t va;
	uint8_t length;
	uint8_t bytes[15];
	char text[128];        /* Intel syntax, e.g. "mov byte ptr [rax+0x1D], 0x1" */
	bool has_memory;       /* it accesses memory through an explicit operand */
	bool memory_known;     /* the address could be computed from registers */
	uint64_t memory_address;
	uint32_t memory_size;  /* bytes */
	bool memory_read, memory_write;
	int memory_base;       /* dk_regs index of the base register, -1 if none */
	int64_t memory_displacement;
} dk_insn;

/* Decodes the instruction at `va` from `code` (up to `len` bytes).  When
 * `regs` is given, the effective address of its memory operand is computed.
 * DK_E_UNSUPPORTED for architectures other than x86 and AMD64; DK_E_FORMAT
 * when the bytes are not a valid instruction. */
dk_status dk_disasm(dk_arch arch, const uint8_t *code, size_t len, uint64_t va,
                    const dk_regs *regs, dk_insn *out, dk_error *err);

#ifdef __cplusplus
}
#endif
#endif
