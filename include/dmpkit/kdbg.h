/* dmpkit — the kernel debugger data block (KDDEBUGGER_DATA64, "KDBG").
 *
 * Field offsets: WDBGEXTS.H (the block is the same size on 32- and 64-bit
 * systems; pointer fields are 64-bit addresses of kernel globals).  On
 * 64-bit Windows 8 and later the block is encoded in memory
 * (KdpDataBlockEncoded) and is decoded with KiWaitNever/KiWaitAlways.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_KDBG_H
#define DMPKIT_KDBG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dmpkit/error.h>
#include <dmpkit/fields.h>
#include <dmpkit/vas.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_KDBG_MAX 0x400u

typedef enum dk_kdbg_source {
	DK_KDBG_FROM_HEADER,  /* KdDebuggerDataBlock of the dump header */
	DK_KDBG_FROM_TRIAGE,  /* the decoded copy in a triage dump */
	DK_KDBG_FROM_SCAN,    /* found by scanning memory for the tag */
	DK_KDBG_FROM_USER     /* an address given by the caller */
} dk_kdbg_source;

typedef struct dk_kdbg {
	uint64_t va;            /* virtual address of the block */
	dk_kdbg_source source;
	bool was_encoded;       /* decoded from the Windows 8+ x64 encoding */
	uint64_t wait_never, wait_always, encoded_flag_va; /* the keys, when decoded */
	uint32_t size;          /* Header.Size */
	uint8_t data[DK_KDBG_MAX];
	size_t len;             /* bytes of data valid (<= size) */
} dk_kdbg;

/* Field table of KDDEBUGGER_DATA64 (names as in WDBGEXTS.H: "KernBase",
 * "PsLoadedModuleList", "OffsetPrcbContext", ...). */
const dk_struct_desc *dk_kdbg_desc(void);
/* A field's value; false when the field lies beyond the block's Size. */
bool dk_kdbg_get(const dk_kdbg *k, const char *field, uint64_t *value);
/* Checks a decoded block: tag "KDBG" at 0x10, plausible Size, KernBase and
 * list heads in kernel space. */
bool dk_kdbg_plausible(const uint8_t *block, size_t len, unsigned bits);
/* Reads and, when needed, decodes the block at `va`. */
dk_status dk_kdbg_read(dk_vas *vas, uint64_t va, unsigned bits, dk_kdbg *out, dk_error *err);

/* The Windows 8+ x64 decoding of one 64-bit word (WDBGEXTS/KdCopyDataBlock
 * as described by Volatility, Bin2Dmp and QEMU elf2dmp):
 * q ^= never; q = rotl(q, never & 0xFF); q ^= flag_va; q = bswap(q); q ^= always. */
uint64_t dk_kdbg_decode_word(uint64_t q, uint64_t never, uint64_t always, uint64_t flag_va);
uint64_t dk_kdbg_encode_word(uint64_t plain, uint64_t never, uint64_t always, uint64_t flag_va);

/* ---- additions ---- */
#define DK_KDBG_TAG 0x4742444Bu           /* "KDBG" as a little-endian u32 */
#define DK_KDBG_SIZE_MAX_KNOWN 0x3A0u     /* sizeof(KDDEBUGGER_DATA64), newest */

/* Whole blocks, in place, 8 bytes at a time (a tail shorter than 8 bytes
 * is left as is). */
void dk_kdbg_decode_block(uint8_t *data, size_t len, uint64_t never, uint64_t always,
                          uint64_t flag_va);
void dk_kdbg_encode_block(uint8_t *data, size_t len, uint64_t never, uint64_t always,
                          uint64_t flag_va);
/* dk_kdbg_read with the kernel image base known (0: walk down from `va` to
 * the image's "MZ"), where the decoding keys are searched. */
dk_status dk_kdbg_read_ex(dk_vas *vas, uint64_t va, unsigned bits, uint64_t kern_base,
                          dk_kdbg *out, dk_error *err);
/* The base of the PE image holding `va`: walks down page by page (at most
 * max_back bytes) to an "MZ" whose SizeOfImage covers va. */
bool dk_kdbg_find_image_base(dk_vas *vas, uint64_t va, uint64_t max_back, uint64_t *base);
/* Scans the data sections of the kernel image for the plain tag (a block
 * whose KernBase is kern_base).  source = DK_KDBG_FROM_SCAN. */
bool dk_kdbg_scan_image(dk_vas *vas, uint64_t kern_base, unsigned bits, dk_kdbg *out);
/* Scans physical memory (at most max_pages pages) for a plausible plain
 * block; its virtual address is unknown (out->va 0), *pa tells where. */
bool dk_kdbg_scan_physical(const dk_physmem *pm, unsigned bits, uint64_t max_pages,
                           dk_kdbg *out, uint64_t *pa);

/* Finds the encoded block (Windows 8+ x64) of the kernel image at
 * kern_base without knowing its address: the KdCopyDataBlock pattern's
 * lea names the block, its key loads the keys.  source = DK_KDBG_FROM_SCAN. */
bool dk_kdbg_find_encoded(dk_vas *vas, uint64_t kern_base, dk_kdbg *out);

#ifdef __cplusplus
}
#endif
#endif
