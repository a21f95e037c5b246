/* dmpkit — the dk_kernel handle, shared by lib/kernel.c (opening: paging,
 * DTB, KDBG, profile) and the list walkers (modules, processes, threads,
 * processors, exports).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_KERNEL_INTERNAL_H
#define DMPKIT_KERNEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/kdbg.h>
#include <dmpkit/kdump.h>
#include <dmpkit/kernel.h>
#include <dmpkit/profile.h>
#include <dmpkit/triage.h>
#include <dmpkit/vas.h>

#define DK_KERNEL_NOTES_MAX 4096u

struct dk_kernel {
	dk_kdump *dump;               /* not owned */
	unsigned flags;               /* DK_KERNEL_* of dk_kernel_open_ex */
	const dk_kdump_summary *sum;  /* the dump's header, decoded */
	const dk_triage *triage;      /* non-NULL for triage dumps (DumpType 4) */
	dk_vas *vas;                  /* owned; NULL for triage / header-only dumps */
	dk_paging paging;             /* DK_PAGING_NONE without a vas */
	uint64_t dtb;                 /* DirectoryTableBase as used (PCID masked) */
	bool have_kdbg;
	dk_kdbg kdbg;                 /* valid when have_kdbg */
	const dk_profile *profile;    /* NULL when none fits the architecture */
	bool profile_exact;           /* build within the profile's range */
	bool profile_confirmed;       /* a sanity check on the image passed */
	dk_arch arch;
	unsigned bits;                /* 32 or 64 */
	unsigned ptr;                 /* pointer size in bytes: 4 or 8 */
	uint32_t build;               /* the header's MinorVersion */
	/* values taken from the KDBG when present, else from the header */
	uint64_t kern_base;
	uint64_t ps_loaded_module_list;
	uint64_t ps_active_process_head;
	uint64_t ki_processor_block;  /* 0 when unknown */
	char notes[DK_KERNEL_NOTES_MAX]; /* one message per line, NUL-terminated */
	size_t notes_len;
};

/* Appends one line to k->notes (cut silently when full). */
void dk_kernel_note(dk_kernel *k, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Reads a pointer (k->ptr bytes) at va; false when unreadable. */
bool dk_kernel_read_ptr(dk_kernel *k, uint64_t va, uint64_t *out);

#endif
