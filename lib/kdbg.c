/* dmpkit — the kernel debugger data block (KDDEBUGGER_DATA64, "KDBG").
 *
 * Layout: WDBGEXTS.H of the Windows SDK (microsoft/win32metadata,
 * RecompiledIdlHeaders/um/WDBGEXTS.H), as tabulated in the team's notes
 * (kernel-dump-format.md §3, data/kdbg_offsets.txt, analysis.md §2.2):
 * offsets up to PteBase (0x360, sizeof 0x368) from the SDK header; the later
 * additions 0x368-0x39F (Retpoline fields, MmHotPatchContext, shadow stack,
 * PointerAuthMask, OffsetPrcbExceptionStack) from community headers cited
 * in analysis.md §2.2.  Header.Size tells which fields exist (notes §3).
 *
 * Encoded block (64-bit Windows 8 and later; notes §3.1-3.3): each 64-bit
 * word q is decoded as q ^= KiWaitNever; q = rotl(q, KiWaitNever & 0xFF);
 * q ^= &KdpDataBlockEncoded; q = bswap(q); q ^= KiWaitAlways — the
 * algorithm Volatility 2 (win8_kdbg.py decode_kdbg), QEMU elf2dmp and
 * MemProcFS implement.  The keys are found as Volatility 2's win8_kdbg.py
 * describes: in ntoskrnl's code, `cmp byte ptr [rip+disp32], 0` (80 3D ..
 * 00) on KdpDataBlockEncoded, followed (before a RET) by a BSWAP, a
 * `lea r64, [rip+disp32]` of KdDebuggerDataBlock, and `mov r64, [rip+disp32]`
 * of KiWaitNever then a `mov`/`xor r64, [rip+disp32]` of KiWaitAlways.
 * Those few RIP-relative forms are decoded here by hand; every candidate
 * pair of keys is confirmed by decoding the block and finding the tag.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/kdbg.h>
#include <dmpkit/kdump.h>

#include "internal.h"

#define F(n, o, s, t, d, fl) { n, o, s, t, d, fl }
#define U8(n, o) F(n, o, 1, DK_FT_UINT, DK_DEC_NONE, 0)
#define U16(n, o) F(n, o, 2, DK_FT_UINT, DK_DEC_NONE, 0)
#define U32(n, o) F(n, o, 4, DK_FT_UINT, DK_DEC_NONE, 0)
#define U64(n, o) F(n, o, 8, DK_FT_UINT, DK_DEC_NONE, 0)
#define A64(n, o) F(n, o, 8, DK_FT_UINT, DK_DEC_NONE, DK_FF_ADDRESS)
#define PAD(n, o, s) F(n, o, s, DK_FT_BYTES, DK_DEC_NONE, DK_FF_RESERVED)

static const dk_field kdbg_fields[] = {
	A64("Header.List.Flink", 0x000),
	A64("Header.List.Blink", 0x008),
	F("Header.OwnerTag", 0x010, 4, DK_FT_TAG, DK_DEC_NONE, 0),
	F("Header.Size", 0x014, 4, DK_FT_UINT, DK_DEC_DEC, 0),
	A64("KernBase", 0x018),
	A64("BreakpointWithStatus", 0x020),
	A64("SavedContext", 0x028),
	U16("ThCallbackStack", 0x030),
	U16("NextCallback", 0x032),
	U16("FramePointer", 0x034),
	/* bit 0 PaeEnabled, bit 1 KiBugCheckRecoveryActive, bits 2-5
	 * PagingLevels (newer WDBGEXTS.H) */
	U16("PaeEnabled", 0x036),
	A64("KiCallUserMode", 0x038),
	A64("KeUserCallbackDispatcher", 0x040),
	A64("PsLoadedModuleList", 0x048),
	A64("PsActiveProcessHead", 0x050),
	A64("PspCidTable", 0x058),
	A64("ExpSystemResourcesList", 0x060),
	A64("ExpPagedPoolDescriptor", 0x068),
	A64("ExpNumberOfPagedPools", 0x070),
	A64("KeTimeIncrement", 0x078),
	A64("KeBugCheckCallbackListHead", 0x080),
	A64("KiBugcheckData", 0x088),
	A64("IopErrorLogListHead", 0x090),
	A64("ObpRootDirectoryObject", 0x098),
	A64("ObpTypeObjectType", 0x0A0),
	A64("MmSystemCacheStart", 0x0A8),
	A64("MmSystemCacheEnd", 0x0B0),
	A64("MmSystemCacheWs", 0x0B8),
	A64("MmPfnDatabase", 0x0C0),
	A64("MmSystemPtesStart", 0x0C8),
	A64("MmSystemPtesEnd", 0x0D0),
	A64("MmSubsectionBase", 0x0D8),
	A64("MmNumberOfPagingFiles", 0x0E0),
	A64("MmLowestPhysicalPage", 0x0E8),
	A64("MmHighestPhysicalPage", 0x0F0),
	A64("MmNumberOfPhysicalPages", 0x0F8),
	A64("MmMaximumNonPagedPoolInBytes", 0x100),
	A64("MmNonPagedSystemStart", 0x108),
	A64("MmNonPagedPoolStart", 0x110),
	A64("MmNonPagedPoolEnd", 0x118),
	A64("MmPagedPoolStart", 0x120),
	A64("MmPagedPoolEnd", 0x128),
	A64("MmPagedPoolInformation", 0x130),
	A64("MmPageSize", 0x138),
	A64("MmSizeOfPagedPoolInBytes", 0x140),
	A64("MmTotalCommitLimit", 0x148),
	A64("MmTotalCommittedPages", 0x150),
	A64("MmSharedCommit", 0x158),
	A64("MmDriverCommit", 0x160),
	A64("MmProcessCommit", 0x168),
	A64("MmPagedPoolCommit", 0x170),
	A64("MmExtendedCommit", 0x178),
	A64("MmZeroedPageListHead", 0x180),
	A64("MmFreePageListHead", 0x188),
	A64("MmStandbyPageListHead", 0x190),
	A64("MmModifiedPageListHead", 0x198),
	A64("MmModifiedNoWritePageListHead", 0x1A0),
	A64("MmAvailablePages", 0x1A8),
	A64("MmResidentAvailablePages", 0x1B0),
	A64("PoolTrackTable", 0x1B8),
	A64("NonPagedPoolDescriptor", 0x1C0),
	A64("MmHighestUserAddress", 0x1C8),
	A64("MmSystemRangeStart", 0x1D0),
	A64("MmUserProbeAddress", 0x1D8),
	A64("KdPrintCircularBuffer", 0x1E0),
	A64("KdPrintCircularBufferEnd", 0x1E8),
	A64("KdPrintWritePointer", 0x1F0),
	A64("KdPrintRolloverCount", 0x1F8),
	A64("MmLoadedUserImageList", 0x200),
	/* Windows XP (Size 0x290 and later) */
	A64("NtBuildLab", 0x208),
	A64("KiNormalSystemCall", 0x210),
	A64("KiProcessorBlock", 0x218),
	A64("MmUnloadedDrivers", 0x220),
	A64("MmLastUnloadedDriver", 0x228),
	A64("MmTriageActionTaken", 0x230),
	A64("MmSpecialPoolTag", 0x238),
	A64("KernelVerifier", 0x240),
	A64("MmVerifierData", 0x248),
	A64("MmAllocatedNonPagedPool", 0x250),
	A64("MmPeakCommitment", 0x258),
	A64("MmTotalCommitLimitMaximum", 0x260),
	A64("CmNtCSDVersion", 0x268),
	A64("MmPhysicalMemoryBlock", 0x270),
	A64("MmSessionBase", 0x278),
	A64("MmSessionSize", 0x280),
	A64("MmSystemParentTablePage", 0x288),
	/* Server 2003 (Size 0x318 and later) */
	A64("MmVirtualTranslationBase", 0x290),
	U16("OffsetKThreadNextProcessor", 0x298),
	U16("OffsetKThreadTeb", 0x29A),
	U16("OffsetKThreadKernelStack", 0x29C),
	U16("OffsetKThreadInitialStack", 0x29E),
	U16("OffsetKThreadApcProcess", 0x2A0),
	U16("OffsetKThreadState", 0x2A2),
	U16("OffsetKThreadBStore", 0x2A4),
	U16("OffsetKThreadBStoreLimit", 0x2A6),
	U16("SizeEProcess", 0x2A8),
	U16("OffsetEprocessPeb", 0x2AA),
	U16("OffsetEprocessParentCID", 0x2AC),
	U16("OffsetEprocessDirectoryTableBase", 0x2AE),
	U16("SizePrcb", 0x2B0),
	U16("OffsetPrcbDpcRoutine", 0x2B2),
	U16("OffsetPrcbCurrentThread", 0x2B4),
	U16("OffsetPrcbMhz", 0x2B6),
	U16("OffsetPrcbCpuType", 0x2B8),
	U16("OffsetPrcbVendorString", 0x2BA),
	U16("OffsetPrcbProcStateContext", 0x2BC),
	U16("OffsetPrcbNumber", 0x2BE),
	U16("SizeEThread", 0x2C0),
	U8("L1tfHighPhysicalBitIndex", 0x2C2),
	U8("L1tfSwizzleBitIndex", 0x2C3),
	PAD("Padding0", 0x2C4, 4),
	A64("KdPrintCircularBufferPtr", 0x2C8),
	A64("KdPrintBufferSize", 0x2D0),
	A64("KeLoaderBlock", 0x2D8),
	U16("SizePcr", 0x2E0),
	U16("OffsetPcrSelfPcr", 0x2E2),
	U16("OffsetPcrCurrentPrcb", 0x2E4),
	U16("OffsetPcrContainedPrcb", 0x2E6),
	U16("OffsetPcrInitialBStore", 0x2E8),
	U16("OffsetPcrBStoreLimit", 0x2EA),
	U16("OffsetPcrInitialStack", 0x2EC),
	U16("OffsetPcrStackLimit", 0x2EE),
	U16("OffsetPrcbPcrPage", 0x2F0),
	U16("OffsetPrcbProcStateSpecialReg", 0x2F2),
	U16("GdtR0Code", 0x2F4),
	U16("GdtR0Data", 0x2F6),
	U16("GdtR0Pcr", 0x2F8),
	U16("GdtR3Code", 0x2FA),
	U16("GdtR3Data", 0x2FC),
	U16("GdtR3Teb", 0x2FE),
	U16("GdtLdt", 0x300),
	U16("GdtTss", 0x302),
	U16("Gdt64R3CmCode", 0x304),
	U16("Gdt64R3CmTeb", 0x306),
	A64("IopNumTriageDumpDataBlocks", 0x308),
	A64("IopTriageDumpDataBlocks", 0x310),
	/* Vista (0x328 / 0x330) */
	A64("VfCrashDataBlock", 0x318),
	A64("MmBadPagesDetected", 0x320),
	A64("MmZeroedPageSingleBitErrorsDetected", 0x328),
	/* Windows 7 (0x340) */
	A64("EtwpDebuggerData", 0x330),
	U16("OffsetPrcbContext", 0x338),
	/* Windows 8 (0x360) */
	U16("OffsetPrcbMaxBreakpoints", 0x33A),
	U16("OffsetPrcbMaxWatchpoints", 0x33C),
	PAD("Padding1", 0x33E, 2),
	U32("OffsetKThreadStackLimit", 0x340),
	U32("OffsetKThreadStackBase", 0x344),
	U32("OffsetKThreadQueueListEntry", 0x348),
	U32("OffsetEThreadIrpList", 0x34C),
	U16("OffsetPrcbIdleThread", 0x350),
	U16("OffsetPrcbNormalDpcState", 0x352),
	U16("OffsetPrcbDpcStack", 0x354),
	U16("OffsetPrcbIsrStack", 0x356),
	U16("SizeKDPC_STACK_FRAME", 0x358),
	/* Windows 8.1 */
	U16("OffsetKPriQueueThreadListHead", 0x35A),
	U16("OffsetKThreadWaitReason", 0x35C),
	PAD("Padding2", 0x35E, 2),
	/* Windows 10 1607 (0x368) */
	A64("PteBase", 0x360),
	/* Windows 10 1809 (0x380) */
	A64("RetpolineStubFunctionTable", 0x368),
	U32("RetpolineStubFunctionTableSize", 0x370),
	U32("RetpolineStubOffset", 0x374),
	U32("RetpolineStubSize", 0x378),
	U16("OffsetEProcessMmHotPatchContext", 0x37C),
	PAD("Padding3", 0x37E, 2),
	U32("OffsetKThreadShadowStackLimit", 0x380),
	U32("OffsetKThreadShadowStackBase", 0x384),
	U64("ShadowStackEnabled", 0x388),
	U64("PointerAuthMask", 0x390),
	U16("OffsetPrcbExceptionStack", 0x398),
	PAD("Padding4", 0x39A, 6),
};

static const dk_struct_desc kdbg_desc = {
	"KDDEBUGGER_DATA64", DK_KDBG_SIZE_MAX_KNOWN, kdbg_fields,
	sizeof kdbg_fields / sizeof kdbg_fields[0]
};

const dk_struct_desc *dk_kdbg_desc(void)
{
	return &kdbg_desc;
}

bool dk_kdbg_get(const dk_kdbg *k, const char *field, uint64_t *value)
{
	if (value)
		*value = 0;
	if (!k || !field)
		return false;
	const dk_field *f = dk_struct_field(&kdbg_desc, field);
	if (!f || f->type != DK_FT_UINT)
		return false;
	/* the header itself always exists; everything else must lie inside
	 * Header.Size and the bytes read */
	uint64_t limit = k->len;
	if (f->offset >= 0x18 && k->size < limit)
		limit = k->size;
	if ((uint64_t)f->offset + f->size > limit)
		return false;
	uint64_t v = dk_getn(k->data, k->len, f->offset, f->size);
	if (value)
		*value = v;
	return true;
}

/* ---- plausibility ---- */

static bool kernel_address(uint64_t va, unsigned bits)
{
	if (bits == 32) {
		/* stored sign-extended (WDBGEXTS); accept the zero-extended
		 * form some producers write */
		uint32_t hi = (uint32_t)(va >> 32);
		return (hi == 0 || hi == 0xFFFFFFFFu) && (uint32_t)va >= 0x80000000u;
	}
	return va >= 0xFFFF800000000000ull;
}

bool dk_kdbg_plausible(const uint8_t *block, size_t len, unsigned bits)
{
	if (!block || len < 0x58)
		return false;
	if (dk_le32(block + 0x10) != DK_KDBG_TAG)
		return false;
	uint32_t size = dk_le32(block + 0x14);
	/* Windows 2000's block is 0x208 bytes, the largest known 0x3A0
	 * (notes §3); allow some growth, never below the list heads */
	if (size < 0x58 || size > DK_KDBG_MAX)
		return false;
	uint64_t kb = dk_le64(block + 0x18);
	if (!kernel_address(kb, bits) || (kb & 0xFFF))
		return false;
	if (!kernel_address(dk_le64(block + 0x48), bits) ||
	    !kernel_address(dk_le64(block + 0x50), bits))
		return false;
	return true;
}

/* ---- the encoding ---- */

static uint64_t rotl64(uint64_t v, unsigned n)
{
	n &= 63;
	return n ? (v << n) | (v >> (64 - n)) : v;
}
static uint64_t rotr64(uint64_t v, unsigned n)
{
	n &= 63;
	return n ? (v >> n) | (v << (64 - n)) : v;
}

uint64_t dk_kdbg_decode_word(uint64_t q, uint64_t never, uint64_t always, uint64_t flag_va)
{
	q ^= never;
	q = rotl64(q, (unsigned)(never & 0xFF));
	q ^= flag_va;
	q = __builtin_bswap64(q);
	q ^= always;
	return q;
}

uint64_t dk_kdbg_encode_word(uint64_t plain, uint64_t never, uint64_t always, uint64_t flag_va)
{
	uint64_t q = plain ^ always;
	q = __builtin_bswap64(q);
	q ^= flag_va;
	q = rotr64(q, (unsigned)(never & 0xFF));
	return q ^ never;
}

void dk_kdbg_decode_block(uint8_t *data, size_t len, uint64_t never, uint64_t always,
                          uint64_t flag_va)
{
	for (size_t i = 0; i + 8 <= len; i += 8)
		dk_put64(data + i, dk_kdbg_decode_word(dk_le64(data + i), never, always, flag_va));
}

void dk_kdbg_encode_block(uint8_t *data, size_t len, uint64_t never, uint64_t always,
                          uint64_t flag_va)
{
	for (size_t i = 0; i + 8 <= len; i += 8)
		dk_put64(data + i, dk_kdbg_encode_word(dk_le64(data + i), never, always, flag_va));
}

/* ---- reading kernel images through a vas ---- */

/* Reads `len` bytes at va page by page; unreadable pages read as zeros.
 * Returns the number of pages that could be read. */
static size_t read_sparse(dk_vas *vas, uint64_t va, uint8_t *buf, size_t len)
{
	size_t good = 0;
	size_t done = 0;
	while (done < len) {
		uint64_t cur = va + done;
		size_t chunk = DK_PAGE_SIZE - (size_t)(cur & (DK_PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		dk_error e;
		if (dk_vas_read(vas, cur, buf + done, chunk, &e) == DK_OK)
			good++;
		else
			memset(buf + done, 0, chunk);
		done += chunk;
	}
	return good;
}

/* A PE image at `base`: SizeOfImage and the section table. */
typedef struct pe_section {
	uint32_t rva, vsize, characteristics;
} pe_section;

static bool pe_sections(dk_vas *vas, uint64_t base, uint32_t *size_of_image, pe_section *secs,
                        unsigned *nsecs, unsigned max)
{
	uint8_t hdr[DK_PAGE_SIZE];
	dk_error e;
	if (dk_vas_read(vas, base, hdr, sizeof hdr, &e) != DK_OK)
		return false;
	if (hdr[0] != 'M' || hdr[1] != 'Z')
		return false;
	uint32_t lfanew = dk_le32(hdr + 0x3C);
	if (lfanew > sizeof hdr - 0x108 || dk_le32(hdr + lfanew) != 0x00004550u)
		return false;
	const uint8_t *fh = hdr + lfanew + 4;
	unsigned n = dk_le16(fh + 2);
	unsigned opt = dk_le16(fh + 16);
	const uint8_t *oh = fh + 20;
	*size_of_image = dk_le32(oh + 56); /* same offset in PE32 and PE32+ */
	size_t sec_off = (size_t)(oh - hdr) + opt;
	*nsecs = 0;
	for (unsigned i = 0; i < n && *nsecs < max; i++) {
		size_t o = sec_off + (size_t)i * 40;
		if (o + 40 > sizeof hdr)
			break;
		secs[*nsecs].vsize = dk_le32(hdr + o + 8);
		secs[*nsecs].rva = dk_le32(hdr + o + 12);
		secs[*nsecs].characteristics = dk_le32(hdr + o + 36);
		(*nsecs)++;
	}
	return true;
}

bool dk_kdbg_find_image_base(dk_vas *vas, uint64_t va, uint64_t max_back, uint64_t *base)
{
	uint64_t p = va & ~(uint64_t)(DK_PAGE_SIZE - 1);
	for (uint64_t walked = 0; walked <= max_back; walked += DK_PAGE_SIZE, p -= DK_PAGE_SIZE) {
		uint8_t mz[2];
		dk_error e;
		if (dk_vas_read(vas, p, mz, 2, &e) == DK_OK && mz[0] == 'M' && mz[1] == 'Z') {
			uint32_t soi = 0;
			pe_section secs[1];
			unsigned n = 0;
			if (pe_sections(vas, p, &soi, secs, &n, 1) && va - p < soi) {
				*base = p;
				return true;
			}
		}
		if (p < DK_PAGE_SIZE)
			break;
	}
	return false;
}

/* ---- the key search (Volatility 2 win8_kdbg.py's pattern) ---- */

#define IMAGE_SCN_MEM_EXECUTE 0x20000000u
#define KDBG_MAX_SECTION (32u << 20)
#define KDBG_WINDOW 0x180u

typedef struct rip_ref {
	uint8_t op;      /* 0x8D lea, 0x8B mov, 0x33 xor */
	uint64_t target;
} rip_ref;

/* Tries every pair of RIP-relative loads in a window as (never, always):
 * the block at kdbg_va decodes to a plausible KDBG. */
static bool try_keys(dk_vas *vas, uint64_t kdbg_va, uint64_t flag_va, const rip_ref *refs,
                     size_t nrefs, const uint8_t *enc, size_t enclen, dk_kdbg *out)
{
	for (size_t i = 0; i < nrefs; i++) {
		if (refs[i].op != 0x8B)
			continue; /* KiWaitNever is loaded with a mov */
		for (size_t j = i + 1; j < nrefs; j++) {
			if (refs[j].op != 0x8B && refs[j].op != 0x33)
				continue;
			uint64_t never, always;
			dk_error e;
			if (dk_vas_read(vas, refs[i].target, &never, 8, &e) != DK_OK ||
			    dk_vas_read(vas, refs[j].target, &always, 8, &e) != DK_OK)
				continue;
			uint8_t head[0x58];
			if (enclen < sizeof head)
				return false;
			memcpy(head, enc, sizeof head);
			dk_kdbg_decode_block(head, sizeof head, never, always, flag_va);
			if (!dk_kdbg_plausible(head, sizeof head, 64))
				continue;
			memset(out->data, 0, sizeof out->data);
			size_t n = enclen < DK_KDBG_MAX ? enclen : DK_KDBG_MAX;
			memcpy(out->data, enc, n);
			dk_kdbg_decode_block(out->data, n & ~(size_t)7, never, always, flag_va);
			out->size = dk_le32(out->data + 0x14);
			out->len = out->size < n ? out->size : n;
			out->was_encoded = true;
			out->wait_never = never;
			out->wait_always = always;
			out->encoded_flag_va = flag_va;
			out->va = kdbg_va;
			return true;
		}
	}
	return false;
}

/* Scans the executable sections of the image at `base` for the pattern and
 * decodes the block at kdbg_va (whose raw bytes are `enc`). */
static bool find_keys(dk_vas *vas, uint64_t base, uint64_t kdbg_va, const uint8_t *enc,
                      size_t enclen, dk_kdbg *out)
{
	uint32_t soi = 0;
	pe_section secs[96];
	unsigned nsecs = 0;
	if (!pe_sections(vas, base, &soi, secs, &nsecs, 96))
		return false;
	bool found = false;
	for (unsigned s = 0; s < nsecs && !found; s++) {
		if (!(secs[s].characteristics & IMAGE_SCN_MEM_EXECUTE) || !secs[s].vsize)
			continue;
		size_t len = secs[s].vsize > KDBG_MAX_SECTION ? KDBG_MAX_SECTION : secs[s].vsize;
		uint8_t *buf = malloc(len + KDBG_WINDOW);
		if (!buf)
			return false;
		memset(buf + len, 0, KDBG_WINDOW);
		uint64_t sva = base + secs[s].rva;
		if (read_sparse(vas, sva, buf, len) == 0) {
			free(buf);
			continue;
		}
		for (size_t i = 0; i + 7 <= len && !found; i++) {
			/* cmp byte ptr [rip+disp32], 0 */
			if (buf[i] != 0x80 || buf[i + 1] != 0x3D || buf[i + 6] != 0x00)
				continue;
			int32_t d = (int32_t)dk_le32(buf + i + 2);
			uint64_t flag_va = sva + i + 7 + (uint64_t)(int64_t)d;
			if (flag_va < base || flag_va - base >= soi)
				continue;
			/* the byte must be set for the block to be encoded */
			uint8_t flag = 0;
			dk_error e;
			if (dk_vas_read(vas, flag_va, &flag, 1, &e) != DK_OK || !flag)
				continue;
			rip_ref refs[16];
			size_t nrefs = 0;
			bool lea_ok = false, bswap = false;
			uint64_t lea_target = 0;
			size_t end = i + 7 + KDBG_WINDOW;
			for (size_t p = i + 7; p + 7 <= end && nrefs < 16; p++) {
				uint8_t b0 = buf[p], b1 = buf[p + 1], b2 = buf[p + 2];
				if (b0 == 0xC3)
					break; /* ret: end of the function (only from an opcode
					          position; a false stop just loses this hit) */
				if (b0 == 0x0F && b1 >= 0xC8 && b1 <= 0xCF)
					bswap = true;
				if ((b0 & 0xF8) == 0x48 && (b0 & 0x08) && (b1 == 0x8D || b1 == 0x8B ||
				    b1 == 0x33) && (b2 & 0xC7) == 0x05) {
					int32_t rd = (int32_t)dk_le32(buf + p + 3);
					uint64_t t = sva + p + 7 + (uint64_t)(int64_t)rd;
					if (b1 == 0x8D) {
						if (t == kdbg_va) {
							lea_ok = true;
						} else if (!kdbg_va && !lea_ok && t >= base &&
						           t - base < soi) {
							lea_ok = true; /* the block's address */
							lea_target = t;
						}
					} else if (t >= base && t - base < soi) {
						refs[nrefs].op = b1;
						refs[nrefs].target = t;
						nrefs++;
					}
					p += 6;
				}
			}
			if (!lea_ok || !bswap)
				continue;
			if (!kdbg_va) {
				/* searching: the lea names the block; read it */
				uint8_t blk[DK_KDBG_MAX];
				memset(blk, 0, sizeof blk);
				if (read_sparse(vas, lea_target, blk, DK_KDBG_SIZE_MAX_KNOWN) == 0)
					continue;
				found = try_keys(vas, lea_target, flag_va, refs, nrefs, blk,
				                 DK_KDBG_SIZE_MAX_KNOWN, out);
				continue;
			}
			found = try_keys(vas, kdbg_va, flag_va, refs, nrefs, enc, enclen, out);
		}
		free(buf);
	}
	return found;
}

dk_status dk_kdbg_read_ex(dk_vas *vas, uint64_t va, unsigned bits, uint64_t kern_base,
                          dk_kdbg *out, dk_error *err)
{
	if (!vas || !out) {
		dk_set_error(err, DK_E_ARG, "dk_kdbg_read: no address space");
		return DK_E_ARG;
	}
	memset(out, 0, sizeof *out);
	out->va = va;
	out->source = DK_KDBG_FROM_HEADER;
	uint8_t head[0x18];
	dk_status st = dk_vas_read(vas, va, head, sizeof head, err);
	if (st != DK_OK)
		return st;
	if (dk_le32(head + 0x10) == DK_KDBG_TAG) {
		uint32_t size = dk_le32(head + 0x14);
		if (size < 0x58 || size > DK_KDBG_MAX) {
			dk_set_error(err, DK_E_FORMAT,
			             "KDBG at 0x%" PRIx64 ": Header.Size 0x%x is not plausible", va,
			             size);
			return DK_E_FORMAT;
		}
		st = dk_vas_read(vas, va, out->data, size, err);
		if (st != DK_OK)
			return st;
		out->size = size;
		out->len = size;
		if (!dk_kdbg_plausible(out->data, out->len, bits)) {
			dk_set_error(err, DK_E_FORMAT,
			             "KDBG at 0x%" PRIx64 ": tag found but KernBase or list heads "
			             "are not kernel addresses", va);
			return DK_E_FORMAT;
		}
		return DK_OK;
	}
	if (bits != 64) {
		dk_set_error(err, DK_E_FORMAT,
		             "KDBG at 0x%" PRIx64 ": no \"KDBG\" tag (found 0x%08x)", va,
		             dk_le32(head + 0x10));
		return DK_E_FORMAT;
	}
	/* encoded: read the largest known size (as Volatility does) */
	uint8_t enc[DK_KDBG_MAX];
	memset(enc, 0, sizeof enc);
	dk_error e2;
	if (dk_vas_read(vas, va, enc, DK_KDBG_SIZE_MAX_KNOWN, &e2) != DK_OK &&
	    dk_vas_read(vas, va, enc, 0x340, &e2) != DK_OK) {
		dk_set_error(err, DK_E_RANGE, "KDBG at 0x%" PRIx64 ": encoded block unreadable: %s",
		             va, e2.message);
		return DK_E_RANGE;
	}
	uint64_t base = kern_base;
	if (!base && !dk_kdbg_find_image_base(vas, va, 64u << 20, &base)) {
		dk_set_error(err, DK_E_FORMAT,
		             "KDBG at 0x%" PRIx64 ": no tag, and no kernel image (MZ) found below "
		             "it to search for the decoding keys", va);
		return DK_E_FORMAT;
	}
	if (!find_keys(vas, base, va, enc, DK_KDBG_SIZE_MAX_KNOWN, out)) {
		dk_set_error(err, DK_E_FORMAT,
		             "KDBG at 0x%" PRIx64 ": no tag, and the KdCopyDataBlock code pattern "
		             "(cmp [KdpDataBlockEncoded],0 ... bswap) was not found in the kernel "
		             "image at 0x%" PRIx64, va, base);
		return DK_E_FORMAT;
	}
	out->source = DK_KDBG_FROM_HEADER;
	return DK_OK;
}

bool dk_kdbg_find_encoded(dk_vas *vas, uint64_t kern_base, dk_kdbg *out)
{
	memset(out, 0, sizeof *out);
	if (!find_keys(vas, kern_base, 0, NULL, 0, out))
		return false;
	out->source = DK_KDBG_FROM_SCAN;
	return true;
}

dk_status dk_kdbg_read(dk_vas *vas, uint64_t va, unsigned bits, dk_kdbg *out, dk_error *err)
{
	return dk_kdbg_read_ex(vas, va, bits, 0, out, err);
}

/* ---- scans for the plain tag ---- */

static bool block_at(const uint8_t *buf, size_t len, size_t i, unsigned bits, uint64_t kern_base)
{
	if (i + 0x58 > len || dk_le32(buf + i + 0x10) != DK_KDBG_TAG)
		return false;
	if (!dk_kdbg_plausible(buf + i, len - i, bits))
		return false;
	return !kern_base || dk_le64(buf + i + 0x18) == kern_base ||
	       (bits == 32 && (uint32_t)dk_le64(buf + i + 0x18) == (uint32_t)kern_base);
}

bool dk_kdbg_scan_image(dk_vas *vas, uint64_t kern_base, unsigned bits, dk_kdbg *out)
{
	uint32_t soi = 0;
	pe_section secs[96];
	unsigned nsecs = 0;
	if (!pe_sections(vas, kern_base, &soi, secs, &nsecs, 96))
		return false;
	for (unsigned s = 0; s < nsecs; s++) {
		if ((secs[s].characteristics & IMAGE_SCN_MEM_EXECUTE) || !secs[s].vsize)
			continue;
		size_t len = secs[s].vsize > KDBG_MAX_SECTION ? KDBG_MAX_SECTION : secs[s].vsize;
		uint8_t *buf = malloc(len);
		if (!buf)
			return false;
		uint64_t sva = kern_base + secs[s].rva;
		if (read_sparse(vas, sva, buf, len) == 0) {
			free(buf);
			continue;
		}
		for (size_t i = 0; i + 0x58 <= len; i += 8) {
			if (!block_at(buf, len, i, bits, kern_base))
				continue;
			dk_error e;
			memset(out, 0, sizeof *out);
			uint32_t size = dk_le32(buf + i + 0x14);
			if (dk_vas_read(vas, sva + i, out->data, size, &e) != DK_OK)
				continue;
			out->va = sva + i;
			out->size = size;
			out->len = size;
			out->source = DK_KDBG_FROM_SCAN;
			free(buf);
			return true;
		}
		free(buf);
	}
	return false;
}

bool dk_kdbg_scan_physical(const dk_physmem *pm, unsigned bits, uint64_t max_pages,
                           dk_kdbg *out, uint64_t *pa)
{
	if (!pm)
		return false;
	uint8_t *page = malloc(2 * DK_PAGE_SIZE);
	if (!page)
		return false;
	dk_run run;
	uint64_t seen = 0;
	bool found = false;
	for (uint64_t pfn = 0; !found && dk_physmem_next_run(pm, pfn, &run);
	     pfn = run.base_pfn + run.count) {
		for (uint64_t i = 0; i < run.count && !found && seen < max_pages; i++, seen++) {
			dk_error e;
			uint64_t addr = (run.base_pfn + i) * DK_PAGE_SIZE;
			if (dk_physmem_read(pm, addr, page, DK_PAGE_SIZE, &e) != DK_OK)
				continue;
			/* the block may straddle into the next page */
			size_t have = DK_PAGE_SIZE;
			if (i + 1 < run.count &&
			    dk_physmem_read(pm, addr + DK_PAGE_SIZE, page + DK_PAGE_SIZE, DK_PAGE_SIZE,
			                    &e) == DK_OK)
				have = 2 * DK_PAGE_SIZE;
			for (size_t o = 0; o < DK_PAGE_SIZE; o += 8) {
				if (o + 0x58 > have || dk_le32(page + o + 0x10) != DK_KDBG_TAG)
					continue;
				if (!block_at(page, have, o, bits, 0))
					continue;
				uint32_t size = dk_le32(page + o + 0x14);
				memset(out, 0, sizeof *out);
				size_t n = size;
				if (n > have - o)
					n = have - o;
				memcpy(out->data, page + o, n);
				out->size = size;
				out->len = n;
				out->va = 0;
				out->source = DK_KDBG_FROM_SCAN;
				if (pa)
					*pa = addr + o;
				found = true;
				break;
			}
		}
		if (seen >= max_pages)
			break;
	}
	free(page);
	return found;
}
