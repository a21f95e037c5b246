/* dmpkit — the interface every physical memory image reader implements.
 *
 * A reader is a probe (does this content look like my format?) and an
 * open (fill the image's physical memory source).  lib/image.c keeps the
 * table; a reader never knows about writers or other readers.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_IMAGE_INTERNAL_H
#define DMPKIT_IMAGE_INTERNAL_H

#include <dmpkit/image.h>

#include "internal.h"

/* Bytes of the file's start handed to probes (less when the file is
 * smaller). */
#define DK_IMAGE_PROBE_BYTES 8192u

typedef struct dk_image_reader {
	const char *id;          /* "elf" */
	const char *description; /* "ELF core (QEMU dump-guest-memory, VirtualBox, makedumpfile -E)" */
	/* 0: not this format; 1..100: how sure (a magic plus consistent header
	 * fields: 90+; raw, which matches anything: 1).  Must not read outside
	 * head[0..len). */
	int (*probe)(const uint8_t *head, size_t len, uint64_t file_size);
	/* Opens img->in (already open, read-only).  Must set img->pm (page_size,
	 * present_pages, end_pfn, ops, ctx), may set priv/free_priv, cpus,
	 * vmcoreinfo, describe, notes.  On failure it frees what it allocated
	 * (dk_image_close also calls free_priv when priv is set). */
	dk_status (*open)(dk_image *img, const dk_image_options *opts, dk_error *err);
} dk_image_reader;

struct dk_image {
	dk_input in;              /* the file, opened read-only */
	const dk_image_reader *reader;
	dk_physmem pm;
	void *priv;
	void (*free_priv)(void *priv);
	dk_image_cpu *cpus;       /* malloc'd, ncpus entries */
	size_t ncpus;
	uint8_t *vmcoreinfo;      /* malloc'd */
	size_t vmcoreinfo_len;
	char describe[256];
	char **notes;             /* malloc'd strings */
	size_t nnotes;
	/* Companion files a reader opened (VMware .vmem); closed with the image. */
	dk_input extra;
	bool has_extra;
};

/* Adds a note (printf-style); silently drops it when out of memory or
 * when more than 64 notes exist. */
void dk_image_add_note(dk_image *img, const char *fmt, ...) DK_PRINTF(2, 3);
/* Allocates img->cpus (n entries, zeroed); false when out of memory or
 * n > 4096. */
bool dk_image_alloc_cpus(dk_image *img, size_t n);

/* ---- helpers for readers built on a sorted table of extents ---- */

/* One stretch of present pages and where its bytes are.  A reader that
 * maps pages linearly from a file (raw, ELF, LiME, Xen after sorting,
 * VMware) builds an array of these and uses dk_extents_ops. */
typedef struct dk_extent {
	uint64_t base_pfn;  /* first page */
	uint64_t count;     /* pages */
	uint64_t offset;    /* file offset of the first byte held */
	uint32_t head_zero; /* bytes of implied zeros before the first byte held
	                       (a range that starts inside a page) */
	uint64_t file_bytes;/* bytes held in the file from `offset`; the rest of
	                       the extent's pages reads as zeros (ELF p_filesz <
	                       p_memsz, a LiME range that ends inside a page) */
	const dk_input *in; /* file holding the bytes */
	/* Optional, for bytes that must be decoded first (AVML snappy chunks,
	 * LiME compress=1): reads `len` bytes at `off` (counted like `offset`)
	 * from the reader's own source `src`; `tag` is the reader's index of
	 * the extent.  Such bytes need not lie in `in`, and are never located
	 * for zero-copy writers. */
	dk_status (*read)(void *src, const struct dk_extent *e, uint64_t off, void *buf,
	                  size_t len, dk_error *err);
	void *src;
	size_t tag;
} dk_extent;

typedef struct dk_extents {
	dk_extent *v;
	size_t n;
	uint32_t page_size;
	bool stateful;      /* the extents' read callbacks share a cache: one
	                       cursor only (no clone for a second thread) */
} dk_extents;

/* Sorts by base_pfn, drops empty extents and checks that no two overlap;
 * on overlap fails with DK_E_FORMAT naming both (`what` is the reader's
 * name for an extent: "PT_LOAD", "LiME range").  Checks that every
 * extent's bytes lie inside its input.  Then fills pm (page_size,
 * present_pages, end_pfn, ops = dk_extents_ops, ctx = ex).  `ex` must stay
 * at the same address while pm is used. */
dk_status dk_extents_finish(dk_extents *ex, dk_physmem *pm, const char *file,
                            const char *what, dk_error *err);
extern const dk_physmem_ops dk_extents_ops;
void dk_extents_free(dk_extents *ex);

/* vCPU state from ELF notes (lib/image_cpu.c); the caller has checked the
 * sizes: elf_prstatus 0x150 (x86_64) or 0x90 (i386), QEMUCPUState version
 * 1 with at least 0x1b8 bytes.  QEMU's note keeps GPRs a PRSTATUS set. */
void dk_image_cpu_prstatus64(dk_image_cpu *c, const uint8_t *d);
void dk_image_cpu_prstatus32(dk_image_cpu *c, const uint8_t *d);
void dk_image_cpu_qemu(dk_image_cpu *c, const uint8_t *d);

/* The readers. */
extern const dk_image_reader dk_reader_windows_dump;
extern const dk_image_reader dk_reader_elf;
extern const dk_image_reader dk_reader_xen;
extern const dk_image_reader dk_reader_diskdump;
extern const dk_image_reader dk_reader_lime;
extern const dk_image_reader dk_reader_avml;
extern const dk_image_reader dk_reader_vmware;
extern const dk_image_reader dk_reader_ewf;
extern const dk_image_reader dk_reader_raw;

#endif
