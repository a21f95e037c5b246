/* dmpkit — stack walking over any memory source (minidumps, kernel dumps).
 *
 * A walker needs three things: a way to read virtual memory, the modules
 * that are loaded (with optional symbols), and a starting register set.
 * It returns frames, each marked with how it was found, and why it stopped.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_STACKWALK_H
#define DMPKIT_STACKWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/context.h>
#include <dmpkit/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Virtual memory of one address space. read() must fill all `len` bytes or
 * fail (DK_E_RANGE when the memory is not in the dump). */
typedef struct dk_vmem {
	void *ctx;
	dk_status (*read)(void *ctx, uint64_t va, void *buf, size_t len);
} dk_vmem;

typedef struct dk_symfile dk_symfile; /* breakpad .sym (symfile.h) */

/* A loaded module, as the walker and symbolizer see it. */
typedef struct dk_module {
	uint64_t base, size;
	const char *name;       /* file name without directory, e.g. "ntdll.dll" */
	const char *path;       /* full path as recorded, or NULL */
	const char *debug_file; /* e.g. "ntdll.pdb", or NULL */
	const char *debug_id;   /* breakpad style: GUID+age in hex, or NULL */
	const char *code_id;    /* timestamp+size in hex, or NULL */
	const dk_symfile *symbols; /* NULL when none were loaded */
} dk_module;

/* Registers by number.  x86: eax ecx edx ebx esp ebp esi edi eip eflags;
 * AMD64: rax rcx rdx rbx rsp rbp rsi rdi r8-r15 rip; ARM64: x0-x28, fp
 * (x29), lr (x30), sp, pc.  See dk_reg_* below. */
#define DK_MAX_REGS 34
typedef struct dk_regs {
	dk_arch arch;
	uint64_t r[DK_MAX_REGS];
	uint64_t valid; /* bit i set: r[i] is known */
} dk_regs;

enum { /* x86 */
	DK_X86_EAX, DK_X86_ECX, DK_X86_EDX, DK_X86_EBX, DK_X86_ESP, DK_X86_EBP,
	DK_X86_ESI, DK_X86_EDI, DK_X86_EIP, DK_X86_EFLAGS
};
enum { /* AMD64, in the order of the x64 unwind codes' register numbers */
	DK_AMD64_RAX, DK_AMD64_RCX, DK_AMD64_RDX, DK_AMD64_RBX, DK_AMD64_RSP,
	DK_AMD64_RBP, DK_AMD64_RSI, DK_AMD64_RDI, DK_AMD64_R8, DK_AMD64_R9,
	DK_AMD64_R10, DK_AMD64_R11, DK_AMD64_R12, DK_AMD64_R13, DK_AMD64_R14,
	DK_AMD64_R15, DK_AMD64_RIP, DK_AMD64_EFLAGS
};
enum { /* ARM64 */
	DK_ARM64_X0 = 0, DK_ARM64_FP = 29, DK_ARM64_LR = 30, DK_ARM64_SP = 31,
	DK_ARM64_PC = 32, DK_ARM64_CPSR = 33
};

/* Fills a register set from a CONTEXT record of `arch` (as stored in
 * dumps; x86 0x2CC, AMD64 0x4D0, ARM64 0x390 bytes, shorter is allowed
 * and leaves missing registers invalid). */
dk_status dk_regs_from_context(dk_arch arch, const uint8_t *ctx, size_t len, dk_regs *out);
uint64_t dk_regs_pc(const dk_regs *r);
uint64_t dk_regs_sp(const dk_regs *r);

/* How a frame was found, from most to least trustworthy. */
typedef enum dk_frame_trust {
	DK_TRUST_CONTEXT,   /* the starting registers */
	DK_TRUST_CFI,       /* call frame info from symbols or .pdata unwind data */
	DK_TRUST_TRAP,      /* a trap frame or machine frame */
	DK_TRUST_FP,        /* frame pointer chain */
	DK_TRUST_SCAN       /* stack scanning (call-site checked) */
} dk_frame_trust;

typedef struct dk_frame {
	uint64_t pc;          /* instruction pointer (return address for callers) */
	uint64_t sp, fp;      /* stack and frame pointer at this frame */
	dk_frame_trust trust;
	int module;           /* index into the modules, -1 if none */
	char function[160];   /* "" when unknown */
	uint64_t function_offset; /* pc - function start, when function known */
	char file[192];       /* source file, "" when unknown */
	uint32_t line;        /* 0 when unknown */
	uint64_t args[4];     /* first stack/register arguments, as kb shows */
	dk_regs regs;         /* registers recovered for this frame */
} dk_frame;

typedef struct dk_walk_input {
	dk_arch arch;
	const dk_vmem *mem;
	const dk_module *modules; /* sorted by base */
	size_t nmodules;
	dk_regs start;
	uint64_t stack_base, stack_limit; /* bounds of the thread's stack if known (0 = unknown) */
	size_t max_frames;       /* at most this many frames (default 256 when 0) */
} dk_walk_input;

typedef struct dk_walk_result {
	dk_frame *frames;        /* caller-provided array of max_frames */
	size_t count;
	char stop_reason[128];   /* why the walk ended, in words */
} dk_walk_result;

/* Walks the stack.  Never recurses without bound; every loop is capped. */
dk_status dk_stackwalk(const dk_walk_input *in, dk_walk_result *out, dk_error *err);
const char *dk_frame_trust_name(dk_frame_trust t);
/* Index of the module containing `va`, or -1. */
int dk_module_find(const dk_module *mods, size_t n, uint64_t va);

#ifdef __cplusplus
}
#endif
#endif
