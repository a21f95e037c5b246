/* dmpkit command line — stacks and registers of kernel dumps, shared by
 * stack, exr, cxr, trap and analyze (kstack.c).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_KSTACK_H
#define DMPKIT_KSTACK_H

#include <dmpkit/disasm.h>
#include <dmpkit/kanalysis.h>
#include <dmpkit/stackwalk.h>

#include "cli.h"

typedef struct kstack {
	dk_kernel *k;
	dk_arch arch;
	unsigned ptr;         /* 4 or 8 */
	dk_vmem mem;          /* over dk_kernel_read */
	dk_kmodule *kmods;    /* sorted by base */
	dk_module *mods;      /* the same, as the walker sees them */
	size_t nmods;
	dk_ksyms *syms;       /* NULL when the modules could not be listed */
	size_t max_frames;
} kstack;

void kstack_open(kstack *s, dk_kernel *k, size_t max_frames);
void kstack_close(kstack *s);
/* "nt!KeBugCheckEx+0x7", "mydrv+0x1047" or the bare address. */
const char *kstack_sym(kstack *s, uint64_t va, char *buf, size_t size);
/* The module file name holding va ("" when none). */
const char *kstack_module(kstack *s, uint64_t va, char *buf, size_t size);
/* Walks from `start`; lo/hi bound the stack when known (0 otherwise).
 * r->frames must hold s->max_frames frames. */
void kstack_walk(kstack *s, const dk_regs *start, uint64_t lo, uint64_t hi, dk_walk_result *r);
/* kb-like text: # Child-SP RetAddr Args Call Site (found by). */
void kstack_print(kstack *s, const dk_walk_result *r, const char *indent);
void kstack_json(json *j, kstack *s, const dk_walk_result *r);
/* Registers, four a line / as a JSON object. */
void kstack_print_regs(const kstack *s, const dk_regs *r, const char *indent);
void kstack_json_regs(json *j, const kstack *s, const dk_regs *r);
const char *kstack_reg_name(dk_arch arch, unsigned i);
/* Disassembles the instruction at pc with regs; false when not readable
 * or the architecture has no disassembler. */
bool kstack_insn(kstack *s, uint64_t pc, const dk_regs *regs, dk_insn *out);
/* The registers of a processor: its saved CONTEXT, else (CPU 0 or a
 * triage dump) the dump's context record; `from` says which. */
bool kstack_cpu_regs(kstack *s, dk_kdump *dump, const dk_kcpu *cpu, dk_regs *r,
                     const char **from);
/* dmpkit analyze on a kernel dump (analyze_kernel.c). */
int analyze_kernel_dump(const char *path, bool js, size_t max_frames);
/* The same, with `process` (pid, EPROCESS or image name; NULL: none) for
 * the user-mode pass (analyze --process P). */
int analyze_kernel_dump_ex(const char *path, bool js, size_t max_frames, const char *process);

/* ntoskrnl/ntkrnl*.exe and the HAL: modules a crash is rarely blamed on. */
bool kstack_is_kernel_core(const char *file);
/* A function that only raises or dispatches an exception for its caller
 * (_CxxThrowException in any module; RaiseException in kernel32/KernelBase;
 * RtlRaiseException, RtlRaiseStatus, RtlDispatchException,
 * KiUserExceptionDispatcher, Nt/ZwRaiseException in ntdll).  `symbol` may
 * carry leading underscores and an x86 "@N" suffix. */
bool kstack_is_raise_helper(const char *module, const char *symbol);
/* ntdll, kernel32, KernelBase, the C runtimes, user32. */
bool kstack_is_user_system(const char *module);
/* The frame "Probably caused by" names: the first one in a module that is
 * not the kernel core (user: not a user-mode system DLL) and not a raise
 * helper, as s->syms and s->mods symbolize it; -1 when none. */
long kstack_culprit_frame(kstack *s, const dk_walk_result *r, bool user);
/* The culprit of a user-mode exception found by analyze's user-mode pass
 * (a process thread in UnhandledExceptionFilter or KiUserExceptionDispatcher,
 * analyze_kernel.c); for analyze --summary. */
typedef struct kstack_user_cause {
	char process[32];
	uint64_t pid;
	dk_kexr record;           /* the exception record */
	uint64_t va;              /* the culprit frame's pc */
	bool have_sym;
	dk_ksym sym;              /* its module and symbol (have_sym) */
	char module[80];          /* its module ("" when none) */
} kstack_user_cause;
/* Runs the user-mode pass (process: as --process, NULL: every process);
 * false when no user-mode exception was found. */
bool kstack_user_culprit(kcli *c, kstack *s, const char *process, kstack_user_cause *out);
/* The address "Probably caused by" blames: the exception address's module
 * when it is not the kernel or a raise helper, else the kstack_culprit_frame
 * of the bugchecking stack, else a code-address bugcheck parameter's module, else
 * the exception address or the top frame. */
bool kstack_fault_va(kstack *s, const dk_kexception *x, const dk_walk_result *crash,
                     const uint64_t p[4], const dk_bugcheck_explanation *e, uint64_t *out);

#endif
