/* dmpkit — physical memory images: any file that holds a machine's
 * physical memory (raw, ELF cores, Xen dump-core, kdump-compressed, LiME,
 * AVML, VMware, Windows crash dumps), opened as one physical memory source.
 *
 * Readers register behind one interface and are chosen by content (a probe
 * of the file's first bytes), never by file name.  Each maps guest physical
 * addresses to file data exactly, holes included: a page the file does not
 * hold is absent from the source, never invented.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_IMAGE_H
#define DMPKIT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/physmem.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_image dk_image;

typedef struct dk_image_options {
	/* Reader to use ("raw", "elf", ...); NULL or "auto": probe the content. */
	const char *format;
	/* Raw images only: physical ranges the file holds back to back, e.g.
	 * "0x1000-0x9ffff,0x100000-0x5ffffff" (inclusive ends, like
	 * /proc/iomem) or "START+LEN,..."; NULL: file offset == physical address. */
	const char *map;
	/* VMware: the .vmss/.vmsn beside a .vmem (NULL: look for FILE.vmss,
	 * FILE.vmsn with the .vmem suffix replaced). */
	const char *companion;
} dk_image_options;

/* What a format tells about one virtual CPU at capture time. */
#define DK_CPU_HAVE_CR3   0x01u /* cr3 */
#define DK_CPU_HAVE_CRS   0x02u /* cr0, cr2, cr4 */
#define DK_CPU_HAVE_GPRS  0x04u /* gpr[], rip, rflags */
#define DK_CPU_HAVE_SEGS  0x08u /* selectors and fs/gs bases */
#define DK_CPU_HAVE_EFER  0x10u
#define DK_CPU_HAVE_KGS   0x20u /* kernel_gs_base */
#define DK_CPU_HAVE_DTRS  0x40u /* gdt/idt base and limit */

typedef struct dk_image_cpu {
	uint32_t have;      /* DK_CPU_HAVE_* */
	unsigned bits;      /* 32 or 64 when the format says; 0 unknown */
	/* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 (CONTEXT order) */
	uint64_t gpr[16];
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint16_t cs, ds, es, fs, gs, ss;
	uint64_t fs_base, gs_base, kernel_gs_base;
	uint64_t gdt_base, idt_base;
	uint32_t gdt_limit, idt_limit;
} dk_image_cpu;

/* Opens FILE read-only.  Errors name the file, the structure, the field and
 * offset, what was expected and what was found. */
dk_status dk_image_open(const char *path, const dk_image_options *opts, dk_image **out,
                        dk_error *err);
/* The same on bytes in memory (tests, fuzzing); `data` must outlive it.
 * Companion files are not looked for. */
dk_status dk_image_open_memory(const void *data, size_t size, const char *name,
                               const dk_image_options *opts, dk_image **out, dk_error *err);
void dk_image_close(dk_image *img);

const dk_physmem *dk_image_physmem(const dk_image *img);
/* Reader id ("raw", "elf", "xen", "diskdump", "lime", "avml", "vmware",
 * "windows-dump") and a one-line description ("Xen dump-core, HVM/PVH
 * (.xen_pfn), 24593 entries"). */
const char *dk_image_format(const dk_image *img);
const char *dk_image_describe(const dk_image *img);
const char *dk_image_name(const dk_image *img);

size_t dk_image_cpu_count(const dk_image *img);
const dk_image_cpu *dk_image_cpu_state(const dk_image *img, size_t i);
/* The guest's VMCOREINFO (QEMU ELF/kdump note, diskdump sub-header), raw
 * bytes as the guest registered them; NULL when absent. */
const uint8_t *dk_image_vmcoreinfo(const dk_image *img, size_t *len);
/* Facts and warnings the reader gathered ("32 entries of .xen_pfn are
 * ~0 padding and were skipped"). */
size_t dk_image_note_count(const dk_image *img);
const char *dk_image_note(const dk_image *img, size_t i);

/* The registered readers, in probe order. */
typedef struct dk_image_format_info {
	const char *id;
	const char *description;
} dk_image_format_info;
const dk_image_format_info *dk_image_formats(size_t *count);

#ifdef __cplusplus
}
#endif
#endif
