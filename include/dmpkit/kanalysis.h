/* dmpkit — kernel crash analysis: exception records, CONTEXT records and
 * KTRAP_FRAMEs read at kernel addresses, trap-frame scanning of a kernel
 * stack, and recovery of the exception and context of a bugcheck from its
 * parameters (analysis.md §2.3, §2.4, §4.3).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_KANALYSIS_H
#define DMPKIT_KANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/fields.h>
#include <dmpkit/kernel.h>
#include <dmpkit/stackwalk.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An EXCEPTION_RECORD32 (0x50 bytes) or EXCEPTION_RECORD64 (0x98 bytes). */
typedef struct dk_kexr {
	uint64_t va;
	unsigned bits;          /* 32 or 64 */
	uint8_t raw[0x98];
	size_t len;
	uint32_t code, flags;
	uint64_t record;        /* chained ExceptionRecord */
	uint64_t address;       /* ExceptionAddress */
	uint32_t nparams;       /* NumberParameters as stored */
	uint64_t info[15];      /* ExceptionInformation (min(nparams, 15) used) */
} dk_kexr;

/* A CONTEXT record of the dump's architecture. */
typedef struct dk_kcxr {
	uint64_t va;
	dk_arch arch;
	uint8_t raw[0x4D0];
	size_t len;             /* bytes read (x86 NT4-style 0xCC is accepted) */
	uint32_t flags;         /* ContextFlags */
	dk_regs regs;
} dk_kcxr;

/* A KTRAP_FRAME: x86 (0x8C, two layouts: before and from Windows 8.1,
 * build 9600), x64 (0x190). */
typedef struct dk_ktrap {
	uint64_t va;
	dk_arch arch;
	const dk_struct_desc *desc;
	uint8_t raw[0x190];
	size_t len;
	bool user_mode;         /* SegCs RPL 3 (or V86 on x86) */
	uint64_t segcs, eflags;
	dk_regs regs;           /* pc, sp, fp and what the frame saves */
} dk_ktrap;

/* Field tables of the KTRAP_FRAME layouts; NULL for other architectures. */
const dk_struct_desc *dk_ktrap_desc(dk_arch arch, uint32_t build);

/* Each reads kernel memory at `va` through dk_kernel_read. */
dk_status dk_kread_exr(dk_kernel *k, uint64_t va, dk_kexr *out, dk_error *err);
dk_status dk_kread_cxr(dk_kernel *k, uint64_t va, dk_kcxr *out, dk_error *err);
dk_status dk_kread_trap(dk_kernel *k, uint64_t va, dk_ktrap *out, dk_error *err);
/* EXCEPTION_POINTERS {ExceptionRecord, ContextRecord}. */
dk_status dk_kread_exception_pointers(dk_kernel *k, uint64_t va, uint64_t *record,
                                      uint64_t *context, dk_error *err);

/* Scans [lo, hi) of a kernel stack for trap frames: x86 the SegEs/SegDs
 * pair 0x23 0x23 (base = pair - 0x34, or - 0x30 from build 9600) with
 * SegCs 0x08/0x1B and EFlags bit 1; x64 SegCs 0x10/0x33 and SegSs
 * 0x18/0x2B/0 with a canonical Rip and Rsp.  When expect_pc is not 0 only
 * frames whose pc equals it are kept.  Returns how many were found (at most
 * max are stored), bounded by 1 MiB of stack. */
size_t dk_ktrap_scan(dk_kernel *k, uint64_t lo, uint64_t hi, uint64_t expect_pc,
                     dk_ktrap *out, size_t max);

/* The exception and context of a bugcheck, as far as they could be found. */
typedef struct dk_kexception {
	bool have_record, have_context;
	dk_kexr record;
	dk_regs regs;              /* registers at the exception (have_context) */
	uint64_t record_va, context_va, trap_va, pointers_va;
	uint64_t exception_address; /* from the record, else a code-address parameter */
	uint32_t context_flags;    /* the CONTEXT's ContextFlags (context_va) */
	char source[200];          /* how they were found, in words */
} dk_kexception;

/* Recovers them from the bugcheck parameters (EXCEPTION_RECORD, CONTEXT,
 * KTRAP_FRAME, EXCEPTION_POINTERS kinds of dk_bugcheck_explain), else from
 * the bugchecking thread's stack (`thread` a KTHREAD address, 0 for CPU 0's
 * current thread): an EXCEPTION_POINTERS pair (an exception filter's
 * argument) whose record and context both hold the exception address,
 * then a trap frame whose pc is the exception address.  Returns false when nothing was found (source says why). */
bool dk_kernel_recover_exception(dk_kernel *k, uint32_t code, const uint64_t params[4],
                                 uint64_t thread, dk_kexception *out);

/* The exception and context an EXCEPTION_POINTERS at `pointers_va` points
 * to (an exception filter's first argument, e.g. PspUnhandledExceptionInSystemThread
 * or UnhandledExceptionFilter).  `mem` reads the address space (NULL: the
 * kernel's); when expect_pc is not 0 the record's ExceptionAddress or the
 * context's pc must equal it.  `what` goes into out->source. */
bool dk_exception_from_pointers(dk_kernel *k, const dk_vmem *mem, uint64_t pointers_va,
                                uint64_t expect_pc, const char *what, dk_kexception *out);

/* The exception record and context ntdll!KiUserExceptionDispatcher was
 * given, from its frame's stack pointer `sp` in a walk: x86 the pointer
 * pair [esp] EXCEPTION_RECORD *, [esp+4] CONTEXT *; x64 the CONTEXT at rsp
 * and the EXCEPTION_RECORD at rsp + 0x4F0.  The entry esp/rsp is looked for
 * in [sp, sp + 0x40]; a candidate must have the architecture's ContextFlags
 * bit and a record whose ExceptionAddress is the context's pc.  `mem`
 * reads the address space (NULL: the kernel's); `what` goes into
 * out->source.  x86 and x64 only. */
bool dk_exception_from_dispatcher(dk_kernel *k, const dk_vmem *mem, uint64_t sp,
                                  const char *what, dk_kexception *out);

/* A thread's user-mode KTRAP_FRAME, found by scanning the `span` bytes
 * (at most 16 KiB) below `top` (its InitialStack) from the top down: x86
 * SegEs/SegDs 0x23 at the build's offsets, SegCs 0x1B, HardwareSegSs 0x23;
 * x64 SegCs 0x33 and SegSs 0x2B; EFlags bits 1 and 9 (IF) set; pc and sp
 * non-zero user addresses.  The highest match is returned. */
bool dk_ktrap_scan_user(dk_kernel *k, uint64_t top, uint64_t span, dk_ktrap *out);

/* The kernel stack bounds of a KTHREAD from the profile's offsets
 * (limit, initial stack); false when unknown. */
bool dk_kthread_stack(dk_kernel *k, uint64_t kthread, uint64_t *limit, uint64_t *top);

#ifdef __cplusplus
}
#endif
#endif
