/* dmpkit — a Windows kernel seen through its memory: address space, KDBG,
 * version profile, and the lists of modules, processes, threads and
 * processors.  Every list walk is bounded and says where it stopped.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_KERNEL_H
#define DMPKIT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/kdbg.h>
#include <dmpkit/kdump.h>
#include <dmpkit/profile.h>
#include <dmpkit/vas.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_kernel dk_kernel;

/* Opens the kernel of a kernel dump: paging mode from the machine type and
 * PaeEnabled, DirectoryTableBase, KDBG (header, triage copy or scan),
 * profile from the build (confirmed on the image).  Notes says what was
 * guessed.  A triage dump gives a kernel without an address space: its
 * lists come from the triage parts. */
dk_status dk_kernel_open(dk_kdump *dump, dk_kernel **out, dk_error *err);
/* With flags: DK_KERNEL_NO_PHYSICAL_SCAN skips the last resort of the KDBG
 * search, a scan of all physical memory for the tag (whose virtual
 * address stays unknown): for callers that try many candidate headers. */
#define DK_KERNEL_NO_PHYSICAL_SCAN 0x1u
dk_status dk_kernel_open_ex(dk_kdump *dump, unsigned flags, dk_kernel **out, dk_error *err);
void dk_kernel_close(dk_kernel *k);

dk_arch dk_kernel_arch(const dk_kernel *k);
unsigned dk_kernel_bits(const dk_kernel *k);
uint32_t dk_kernel_build(const dk_kernel *k);
dk_vas *dk_kernel_vas(dk_kernel *k);           /* NULL for triage dumps */
const dk_kdbg *dk_kernel_kdbg(const dk_kernel *k); /* NULL when not found */
const dk_profile *dk_kernel_profile(const dk_kernel *k);
/* Messages about guesses and fallbacks, one per line ("" when none). */
const char *dk_kernel_notes(const dk_kernel *k);
/* Reads kernel virtual memory (or, for triage dumps, the copied blocks). */
dk_status dk_kernel_read(dk_kernel *k, uint64_t va, void *buf, size_t len, dk_error *err);

/* ---- lists; each returns an array the caller frees with free() ---- */
typedef struct dk_walk_status {
	bool complete;        /* reached the list head again */
	char stop_reason[160];
} dk_walk_status;

typedef struct dk_kmodule {
	uint64_t ldr_entry;   /* address of the loader entry (0 for triage) */
	uint64_t base, size, entry_point;
	uint32_t timestamp, checksum;
	char name[64];        /* base name, UTF-8 */
	char path[260];       /* full path, UTF-8 */
} dk_kmodule;

typedef struct dk_kprocess {
	uint64_t eprocess;
	uint64_t pid, parent_pid;
	uint32_t session_id;
	uint64_t dtb, peb, object_table;
	uint32_t handle_count;
	uint32_t thread_count;
	char image_name[16];
	uint64_t create_time, exit_time; /* FILETIME */
} dk_kprocess;

typedef struct dk_kthread {
	uint64_t ethread, process;
	uint64_t pid, tid;
	uint64_t teb;
	uint8_t state, wait_reason;
	int8_t priority, base_priority;
	uint64_t start_address, win32_start_address;
	uint64_t stack_base, stack_limit, kernel_stack, initial_stack;
} dk_kthread;

typedef struct dk_kcpu {
	unsigned number;
	uint64_t prcb;
	uint64_t current_thread;
	uint64_t context;     /* address of the saved CONTEXT, 0 if unknown */
	/* additions */
	uint64_t idle_thread;    /* KPRCB.IdleThread, 0 if unknown */
	uint64_t state_context;  /* address of KPRCB.ProcessorState.ContextFrame, 0 if unknown */
	bool from_triage;        /* decoded from a triage dump's PRCB copy */
} dk_kcpu;

dk_status dk_kernel_modules(dk_kernel *k, dk_kmodule **out, size_t *count,
                            dk_walk_status *ws, dk_error *err);
dk_status dk_kernel_processes(dk_kernel *k, dk_kprocess **out, size_t *count,
                              dk_walk_status *ws, dk_error *err);
dk_status dk_kernel_threads(dk_kernel *k, uint64_t eprocess, dk_kthread **out, size_t *count,
                            dk_walk_status *ws, dk_error *err);
dk_status dk_kernel_cpus(dk_kernel *k, dk_kcpu **out, size_t *count, dk_error *err);
/* The user-mode modules of a process from its PEB loader list. */
dk_status dk_kernel_user_modules(dk_kernel *k, const dk_kprocess *p, dk_kmodule **out,
                                 size_t *count, dk_walk_status *ws, dk_error *err);
/* A process's own address space (its DirectoryTableBase). */
dk_status dk_kernel_process_vas(dk_kernel *k, const dk_kprocess *p, dk_vas **out,
                                dk_error *err);

/* Nearest symbol, "module!export+0xoff" (or "module+0xoff"), from the PE
 * export directories of the modules in memory.  `process` selects a user
 * address space (NULL: kernel).  Returns false when no module holds va. */
bool dk_kernel_symbolize(dk_kernel *k, const dk_kprocess *process, uint64_t va, char *buf,
                         size_t size);

/* ---- additions: a reusable symbolizer (modules listed once, each
 * module's exports read on first use and kept) ---- */
typedef struct dk_ksyms dk_ksyms;

typedef struct dk_ksym {
	bool user;             /* the module is a user module of the process */
	char module[64];       /* WinDbg-style name: "nt", "hal", "ntdll", "ACPI" */
	char module_file[64];  /* base file name as listed */
	uint64_t module_base, module_size;
	char symbol[128];      /* export name ("#12" for an ordinal), "" if none */
	uint64_t symbol_va;    /* the export's address */
	uint64_t offset;       /* va - symbol_va, or va - module_base */
	char next_symbol[128]; /* the following export, "" if none */
	uint64_t next_va;
	char note[160];        /* why exports were not used, "" otherwise */
	char text[256];        /* "module!export+0xoff" or "module+0xoff" */
} dk_ksym;

/* Lists the kernel modules (and, for `process`, its user modules). */
dk_status dk_ksyms_open(dk_kernel *k, const dk_kprocess *process, dk_ksyms **out,
                        dk_error *err);
void dk_ksyms_close(dk_ksyms *s);
/* False when no module holds va. */
bool dk_ksyms_lookup(dk_ksyms *s, uint64_t va, dk_ksym *out);
/* The WinDbg-style short name of a module file ("ntoskrnl.exe" -> "nt"). */
void dk_module_short_name(const char *file, bool first_kernel_module, char *buf, size_t size);
/* "Running", "Waiting", ... for KTHREAD_STATE; "Executive", ... for
 * KWAIT_REASON ("unknown" otherwise). */
const char *dk_thread_state_name(unsigned state);
const char *dk_wait_reason_name(unsigned reason);

#ifdef __cplusplus
}
#endif
#endif
