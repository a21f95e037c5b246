/* dmpkit — processor context and exception records.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_CONTEXT_H
#define DMPKIT_CONTEXT_H

#include <stdint.h>

#include <dmpkit/fields.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_arch {
	DK_ARCH_UNKNOWN = 0,
	DK_ARCH_X86,
	DK_ARCH_AMD64,
	DK_ARCH_ARM64
} dk_arch;

/* IMAGE_FILE_MACHINE_* values (winnt.h). */
#define DK_MACHINE_I386 0x014Cu
#define DK_MACHINE_AMD64 0x8664u
#define DK_MACHINE_ARM64 0xAA64u

/* CONTEXT_* architecture bits in ContextFlags (winnt.h). */
#define DK_CONTEXT_X86 0x00010000u
#define DK_CONTEXT_AMD64 0x00100000u
#define DK_CONTEXT_ARM64 0x00400000u

dk_arch dk_arch_from_machine(uint32_t machine);
const char *dk_arch_name(dk_arch arch);

/* The CONTEXT layout of an architecture (register fields by name), NULL for
 * DK_ARCH_UNKNOWN.  Sizes: x86 0x2CC, AMD64 0x4D0, ARM64 0x390. */
const dk_struct_desc *dk_context_desc(dk_arch arch);
/* ContextFlags bit that names the architecture. */
uint32_t dk_context_arch_flag(dk_arch arch);
/* Offsets of the program counter, stack and frame pointer registers. */
typedef struct dk_context_regs {
	uint32_t pc, sp, fp, width; /* width: 4 or 8 bytes */
} dk_context_regs;
dk_context_regs dk_context_main_regs(dk_arch arch);

/* EXCEPTION_RECORD32 (0x50 bytes) or EXCEPTION_RECORD64 (0x98 bytes). */
const dk_struct_desc *dk_exception_desc(unsigned bits);

#ifdef __cplusplus
}
#endif
#endif
