/* dmpkit — field tables of the on-disk structures of kernel dumps.
 *
 * Offsets: DUMP_HEADER32/64, PHYSICAL_MEMORY_DESCRIPTOR, EXCEPTION_RECORD,
 * DUMP_FILE_ATTRIBUTES from the Windows SDK header mindumpdef.h
 * (microsoft/win32metadata, RecompiledIdlHeaders/um/mindumpdef.h), cross-
 * checked with volatility3 crash.json/crash64.json and kdmp-parser's
 * static_asserts; CONTEXT layouts from winnt.h (AMD64 0x4D0, x86 0x2CC,
 * ARM64 0x390); the bitmap ("SDMP"/"FDMP") and RDMP headers as described by
 * kdmp-parser (src/lib/kdmp-parser-structs.h) and volatility3; the triage
 * header as laid out by rizin (librz/bin/format/dmp/dmp_specs.h) and
 * confirmed on a real Windows 11 ARM64 triage dump.
 * SPDX-License-Identifier: MIT */
#include <stddef.h>

#include <dmpkit/context.h>
#include <dmpkit/fields.h>

#include "layouts.h"

#define F(n, o, s, t, d, fl) { n, o, s, t, d, fl }
#define U8(n, o, d, fl) F(n, o, 1, DK_FT_UINT, d, fl)
#define U16(n, o, d, fl) F(n, o, 2, DK_FT_UINT, d, fl)
#define U32(n, o, d, fl) F(n, o, 4, DK_FT_UINT, d, fl)
#define U64(n, o, d, fl) F(n, o, 8, DK_FT_UINT, d, fl)
#define TAG(n, o) F(n, o, 4, DK_FT_TAG, DK_DEC_NONE, 0)
#define STR(n, o, s, fl) F(n, o, s, DK_FT_ASCII, DK_DEC_NONE, fl)
#define BYTES(n, o, s, fl) F(n, o, s, DK_FT_BYTES, DK_DEC_NONE, fl)
#define PF DK_FF_PAGE_FILL
#define AD DK_FF_ADDRESS
#define RS DK_FF_RESERVED
#define SUB DK_FF_SUBSTRUCT
#define N DK_DEC_NONE
#define DESC(var, sname, size) \
	const dk_struct_desc var = { sname, size, var##_fields, sizeof var##_fields / sizeof var##_fields[0] }

/* ---- DUMP_HEADER64: 0x2000 bytes, "PAGE" "DU64" ---- */
static const dk_field dk_header64_fields[] = {
	TAG("Signature", 0x0),
	TAG("ValidDump", 0x4),
	U32("MajorVersion", 0x8, DK_DEC_BUILD, 0),
	U32("MinorVersion", 0xC, DK_DEC_DEC, 0),
	U64("DirectoryTableBase", 0x10, N, 0),
	U64("PfnDataBase", 0x18, N, AD | PF),
	U64("PsLoadedModuleList", 0x20, N, AD | PF),
	U64("PsActiveProcessHead", 0x28, N, AD | PF),
	U32("MachineImageType", 0x30, DK_DEC_MACHINE, 0),
	U32("NumberProcessors", 0x34, DK_DEC_DEC, 0),
	U32("BugCheckCode", 0x38, DK_DEC_BUGCHECK, 0),
	U32("BugCheckCodePadding", 0x3C, N, RS | PF),
	U64("BugCheckParameter1", 0x40, N, 0),
	U64("BugCheckParameter2", 0x48, N, 0),
	U64("BugCheckParameter3", 0x50, N, 0),
	U64("BugCheckParameter4", 0x58, N, 0),
	STR("VersionUser", 0x60, 32, PF),
	U64("KdDebuggerDataBlock", 0x80, N, AD | PF),
	U32("PhysicalMemoryBlock.NumberOfRuns", 0x88, DK_DEC_DEC, PF),
	U32("PhysicalMemoryBlock.Padding", 0x8C, N, RS | PF),
	U64("PhysicalMemoryBlock.NumberOfPages", 0x90, DK_DEC_PAGES, PF),
	BYTES("PhysicalMemoryBlock.Run", 0x98, 0x344 - 0x98, SUB | PF),
	BYTES("PhysicalMemoryBlockPadding", 0x344, 4, RS | PF),
	BYTES("ContextRecord", 0x348, 3000, SUB),
	BYTES("Exception", 0xF00, 0x98, SUB),
	U32("DumpType", 0xF98, DK_DEC_DUMP_TYPE, 0),
	U32("DumpTypePadding", 0xF9C, N, RS | PF),
	U64("RequiredDumpSpace", 0xFA0, DK_DEC_BYTES, PF),
	U64("SystemTime", 0xFA8, DK_DEC_FILETIME, PF),
	STR("Comment", 0xFB0, 128, PF),
	U64("SystemUpTime", 0x1030, DK_DEC_DURATION, PF),
	U32("MiniDumpFields", 0x1038, N, PF),
	U32("SecondaryDataState", 0x103C, N, PF),
	U32("ProductType", 0x1040, DK_DEC_PRODUCT_TYPE, PF),
	U32("SuiteMask", 0x1044, DK_DEC_SUITE_MASK, PF),
	U32("WriterStatus", 0x1048, N, PF),
	U8("Unused1", 0x104C, N, RS | PF),
	U8("KdSecondaryVersion", 0x104D, N, PF),
	U16("Unused", 0x104E, N, RS | PF),
	U32("Attributes", 0x1050, DK_DEC_ATTRIBUTES, PF),
	U32("BootId", 0x1054, N, PF),
	BYTES("Reserved0", 0x1058, 0x2000 - 0x1058, RS | PF),
};
DESC(dk_header64, "DUMP_HEADER64", 0x2000);

/* ---- DUMP_HEADER32: 0x1000 bytes, "PAGE" "DUMP" ---- */
static const dk_field dk_header32_fields[] = {
	TAG("Signature", 0x0),
	TAG("ValidDump", 0x4),
	U32("MajorVersion", 0x8, DK_DEC_BUILD, 0),
	U32("MinorVersion", 0xC, DK_DEC_DEC, 0),
	U32("DirectoryTableBase", 0x10, N, 0),
	U32("PfnDataBase", 0x14, N, AD | PF),
	U32("PsLoadedModuleList", 0x18, N, AD | PF),
	U32("PsActiveProcessHead", 0x1C, N, AD | PF),
	U32("MachineImageType", 0x20, DK_DEC_MACHINE, 0),
	U32("NumberProcessors", 0x24, DK_DEC_DEC, 0),
	U32("BugCheckCode", 0x28, DK_DEC_BUGCHECK, 0),
	U32("BugCheckParameter1", 0x2C, N, 0),
	U32("BugCheckParameter2", 0x30, N, 0),
	U32("BugCheckParameter3", 0x34, N, 0),
	U32("BugCheckParameter4", 0x38, N, 0),
	STR("VersionUser", 0x3C, 32, PF),
	U8("PaeEnabled", 0x5C, DK_DEC_BOOL, PF),
	U8("KdSecondaryVersion", 0x5D, N, PF),
	U16("Spare3", 0x5E, N, RS | PF),
	U32("KdDebuggerDataBlock", 0x60, N, AD | PF),
	U32("PhysicalMemoryBlock.NumberOfRuns", 0x64, DK_DEC_DEC, PF),
	U32("PhysicalMemoryBlock.NumberOfPages", 0x68, DK_DEC_PAGES, PF),
	BYTES("PhysicalMemoryBlock.Run", 0x6C, 0x320 - 0x6C, SUB | PF),
	BYTES("ContextRecord", 0x320, 1200, SUB),
	BYTES("Exception", 0x7D0, 0x50, SUB),
	STR("Comment", 0x820, 128, PF),
	U32("Attributes", 0x8A0, DK_DEC_ATTRIBUTES, PF),
	U32("BootId", 0x8A4, N, PF),
	BYTES("Reserved0", 0x8A8, 0xF88 - 0x8A8, RS | PF),
	U32("DumpType", 0xF88, DK_DEC_DUMP_TYPE, 0),
	U32("MiniDumpFields", 0xF8C, N, PF),
	U32("SecondaryDataState", 0xF90, N, PF),
	U32("ProductType", 0xF94, DK_DEC_PRODUCT_TYPE, PF),
	U32("SuiteMask", 0xF98, DK_DEC_SUITE_MASK, PF),
	U32("WriterStatus", 0xF9C, N, PF),
	U64("RequiredDumpSpace", 0xFA0, DK_DEC_BYTES, PF),
	BYTES("Reserved2", 0xFA8, 16, RS | PF),
	U64("SystemUpTime", 0xFB8, DK_DEC_DURATION, PF),
	U64("SystemTime", 0xFC0, DK_DEC_FILETIME, PF),
	BYTES("Reserved3", 0xFC8, 56, RS | PF),
};
DESC(dk_header32, "DUMP_HEADER32", 0x1000);

/* ---- AMD64 CONTEXT (winnt.h), 0x4D0 bytes ---- */
#define R64(n, o) U64(n, o, N, 0)
#define X16(n, o) BYTES(n, o, 16, 0)
static const dk_field dk_ctx_amd64_fields[] = {
	R64("P1Home", 0x00), R64("P2Home", 0x08), R64("P3Home", 0x10),
	R64("P4Home", 0x18), R64("P5Home", 0x20), R64("P6Home", 0x28),
	U32("ContextFlags", 0x30, DK_DEC_CONTEXT_FLAGS, 0),
	U32("MxCsr", 0x34, N, 0),
	U16("SegCs", 0x38, N, 0), U16("SegDs", 0x3A, N, 0), U16("SegEs", 0x3C, N, 0),
	U16("SegFs", 0x3E, N, 0), U16("SegGs", 0x40, N, 0), U16("SegSs", 0x42, N, 0),
	U32("EFlags", 0x44, N, 0),
	R64("Dr0", 0x48), R64("Dr1", 0x50), R64("Dr2", 0x58), R64("Dr3", 0x60),
	R64("Dr6", 0x68), R64("Dr7", 0x70),
	R64("Rax", 0x78), R64("Rcx", 0x80), R64("Rdx", 0x88), R64("Rbx", 0x90),
	R64("Rsp", 0x98), R64("Rbp", 0xA0), R64("Rsi", 0xA8), R64("Rdi", 0xB0),
	R64("R8", 0xB8), R64("R9", 0xC0), R64("R10", 0xC8), R64("R11", 0xD0),
	R64("R12", 0xD8), R64("R13", 0xE0), R64("R14", 0xE8), R64("R15", 0xF0),
	R64("Rip", 0xF8),
	U16("FltSave.ControlWord", 0x100, N, 0), U16("FltSave.StatusWord", 0x102, N, 0),
	U8("FltSave.TagWord", 0x104, N, 0), U8("FltSave.Reserved1", 0x105, N, RS),
	U16("FltSave.ErrorOpcode", 0x106, N, 0), U32("FltSave.ErrorOffset", 0x108, N, 0),
	U16("FltSave.ErrorSelector", 0x10C, N, 0), U16("FltSave.Reserved2", 0x10E, N, RS),
	U32("FltSave.DataOffset", 0x110, N, 0), U16("FltSave.DataSelector", 0x114, N, 0),
	U16("FltSave.Reserved3", 0x116, N, RS), U32("FltSave.MxCsr", 0x118, N, 0),
	U32("FltSave.MxCsr_Mask", 0x11C, N, 0),
	X16("St0", 0x120), X16("St1", 0x130), X16("St2", 0x140), X16("St3", 0x150),
	X16("St4", 0x160), X16("St5", 0x170), X16("St6", 0x180), X16("St7", 0x190),
	X16("Xmm0", 0x1A0), X16("Xmm1", 0x1B0), X16("Xmm2", 0x1C0), X16("Xmm3", 0x1D0),
	X16("Xmm4", 0x1E0), X16("Xmm5", 0x1F0), X16("Xmm6", 0x200), X16("Xmm7", 0x210),
	X16("Xmm8", 0x220), X16("Xmm9", 0x230), X16("Xmm10", 0x240), X16("Xmm11", 0x250),
	X16("Xmm12", 0x260), X16("Xmm13", 0x270), X16("Xmm14", 0x280), X16("Xmm15", 0x290),
	BYTES("FltSave.Reserved4", 0x2A0, 96, RS),
	BYTES("VectorRegister", 0x300, 26 * 16, 0),
	R64("VectorControl", 0x4A0), R64("DebugControl", 0x4A8),
	R64("LastBranchToRip", 0x4B0), R64("LastBranchFromRip", 0x4B8),
	R64("LastExceptionToRip", 0x4C0), R64("LastExceptionFromRip", 0x4C8),
};
DESC(dk_ctx_amd64, "CONTEXT_AMD64", 0x4D0);

/* ---- x86 CONTEXT (winnt.h), 0x2CC bytes ---- */
#define R32(n, o) U32(n, o, N, 0)
static const dk_field dk_ctx_x86_fields[] = {
	U32("ContextFlags", 0x00, DK_DEC_CONTEXT_FLAGS, 0),
	R32("Dr0", 0x04), R32("Dr1", 0x08), R32("Dr2", 0x0C), R32("Dr3", 0x10),
	R32("Dr6", 0x14), R32("Dr7", 0x18),
	R32("FloatSave.ControlWord", 0x1C), R32("FloatSave.StatusWord", 0x20),
	R32("FloatSave.TagWord", 0x24), R32("FloatSave.ErrorOffset", 0x28),
	R32("FloatSave.ErrorSelector", 0x2C), R32("FloatSave.DataOffset", 0x30),
	R32("FloatSave.DataSelector", 0x34),
	BYTES("FloatSave.RegisterArea", 0x38, 80, 0),
	R32("FloatSave.Cr0NpxState", 0x88),
	R32("SegGs", 0x8C), R32("SegFs", 0x90), R32("SegEs", 0x94), R32("SegDs", 0x98),
	R32("Edi", 0x9C), R32("Esi", 0xA0), R32("Ebx", 0xA4), R32("Edx", 0xA8),
	R32("Ecx", 0xAC), R32("Eax", 0xB0), R32("Ebp", 0xB4), R32("Eip", 0xB8),
	R32("SegCs", 0xBC), R32("EFlags", 0xC0), R32("Esp", 0xC4), R32("SegSs", 0xC8),
	BYTES("ExtendedRegisters", 0xCC, 512, 0),
};
DESC(dk_ctx_x86, "CONTEXT_X86", 0x2CC);

/* ---- ARM64 CONTEXT (winnt.h), 0x390 bytes ---- */
#define V(i) X16("V" #i, 0x110 + 16 * (i))
static const dk_field dk_ctx_arm64_fields[] = {
	U32("ContextFlags", 0x00, DK_DEC_CONTEXT_FLAGS, 0),
	U32("Cpsr", 0x04, N, 0),
	R64("X0", 0x08), R64("X1", 0x10), R64("X2", 0x18), R64("X3", 0x20),
	R64("X4", 0x28), R64("X5", 0x30), R64("X6", 0x38), R64("X7", 0x40),
	R64("X8", 0x48), R64("X9", 0x50), R64("X10", 0x58), R64("X11", 0x60),
	R64("X12", 0x68), R64("X13", 0x70), R64("X14", 0x78), R64("X15", 0x80),
	R64("X16", 0x88), R64("X17", 0x90), R64("X18", 0x98), R64("X19", 0xA0),
	R64("X20", 0xA8), R64("X21", 0xB0), R64("X22", 0xB8), R64("X23", 0xC0),
	R64("X24", 0xC8), R64("X25", 0xD0), R64("X26", 0xD8), R64("X27", 0xE0),
	R64("X28", 0xE8), R64("Fp", 0xF0), R64("Lr", 0xF8), R64("Sp", 0x100),
	R64("Pc", 0x108),
	V(0), V(1), V(2), V(3), V(4), V(5), V(6), V(7), V(8), V(9), V(10), V(11),
	V(12), V(13), V(14), V(15), V(16), V(17), V(18), V(19), V(20), V(21), V(22),
	V(23), V(24), V(25), V(26), V(27), V(28), V(29), V(30), V(31),
	U32("Fpcr", 0x310, N, 0), U32("Fpsr", 0x314, N, 0),
	R32("Bcr0", 0x318), R32("Bcr1", 0x31C), R32("Bcr2", 0x320), R32("Bcr3", 0x324),
	R32("Bcr4", 0x328), R32("Bcr5", 0x32C), R32("Bcr6", 0x330), R32("Bcr7", 0x334),
	R64("Bvr0", 0x338), R64("Bvr1", 0x340), R64("Bvr2", 0x348), R64("Bvr3", 0x350),
	R64("Bvr4", 0x358), R64("Bvr5", 0x360), R64("Bvr6", 0x368), R64("Bvr7", 0x370),
	R32("Wcr0", 0x378), R32("Wcr1", 0x37C), R64("Wvr0", 0x380), R64("Wvr1", 0x388),
};
DESC(dk_ctx_arm64, "CONTEXT_ARM64", 0x390);

/* ---- EXCEPTION_RECORD64 (0x98) and EXCEPTION_RECORD32 (0x50) ---- */
#define EI64(i) U64("ExceptionInformation[" #i "]", 0x20 + 8 * (i), N, 0)
static const dk_field dk_exc64_fields[] = {
	U32("ExceptionCode", 0x00, N, PF),
	U32("ExceptionFlags", 0x04, DK_DEC_EXCEPTION_FLAGS, PF),
	U64("ExceptionRecord", 0x08, N, PF),
	U64("ExceptionAddress", 0x10, N, PF),
	U32("NumberParameters", 0x18, DK_DEC_DEC, PF),
	U32("UnusedAlignment", 0x1C, N, RS | PF),
	EI64(0), EI64(1), EI64(2), EI64(3), EI64(4), EI64(5), EI64(6), EI64(7),
	EI64(8), EI64(9), EI64(10), EI64(11), EI64(12), EI64(13), EI64(14),
};
DESC(dk_exc64, "EXCEPTION_RECORD64", 0x98);

#define EI32(i) U32("ExceptionInformation[" #i "]", 0x14 + 4 * (i), N, 0)
static const dk_field dk_exc32_fields[] = {
	U32("ExceptionCode", 0x00, N, PF),
	U32("ExceptionFlags", 0x04, DK_DEC_EXCEPTION_FLAGS, PF),
	U32("ExceptionRecord", 0x08, N, PF),
	U32("ExceptionAddress", 0x0C, N, PF),
	U32("NumberParameters", 0x10, DK_DEC_DEC, PF),
	EI32(0), EI32(1), EI32(2), EI32(3), EI32(4), EI32(5), EI32(6), EI32(7),
	EI32(8), EI32(9), EI32(10), EI32(11), EI32(12), EI32(13), EI32(14),
};
DESC(dk_exc32, "EXCEPTION_RECORD32", 0x50);

/* ---- bitmap ("summary") header at 0x1000/0x2000, DumpType 2, 5, 6 ---- */
static const dk_field dk_bitmap_hdr_fields[] = {
	TAG("Signature", 0x00),
	TAG("ValidDump", 0x04),
	U32("DumpOptions", 0x08, N, 0),
	BYTES("Reserved", 0x0C, 0x14, RS),
	U64("FirstPage", 0x20, N, 0),
	U64("TotalPresentPages", 0x28, DK_DEC_PAGES, 0),
	U64("Pages", 0x30, DK_DEC_DEC, 0),
};
DESC(dk_bitmap_hdr, "SUMMARY_DUMP", 0x38);

/* ---- pre-Vista SUMMARY_DUMP32 (DDK ntiodump.h), 32-bit dumps ---- */
static const dk_field dk_summary32_legacy_fields[] = {
	TAG("Signature", 0x00),
	TAG("ValidDump", 0x04),
	U32("DumpOptions", 0x08, N, 0),
	U32("HeaderSize", 0x0C, N, 0),
	U32("BitmapSize", 0x10, DK_DEC_DEC, 0),
	U32("Pages", 0x14, DK_DEC_PAGES, 0),
	U32("Bitmap.SizeOfBitMap", 0x18, DK_DEC_DEC, 0),
	U32("Bitmap.Reserved", 0x1C, N, RS),
};
DESC(dk_summary32_legacy, "SUMMARY_DUMP32", 0x20);

/* ---- RDMP headers at 0x2000, DumpType 8, 9 (kernel) and 10 (complete) ---- */
static const dk_field dk_rdmp_kernel_fields[] = {
	U32("Marker", 0x00, N, 0),
	TAG("Signature", 0x04),
	TAG("ValidDump", 0x08),
	U32("Reserved", 0x0C, N, RS),
	U64("MetadataSize", 0x10, DK_DEC_BYTES, 0),
	U64("FirstPageOffset", 0x18, N, 0),
	U64("Unknown1", 0x20, N, 0),
	U64("Unknown2", 0x28, N, 0),
};
DESC(dk_rdmp_kernel, "KERNEL_RDMP_HEADER64", 0x30);

static const dk_field dk_rdmp_full_fields[] = {
	U32("Marker", 0x00, N, 0),
	TAG("Signature", 0x04),
	TAG("ValidDump", 0x08),
	U32("Reserved", 0x0C, N, RS),
	U64("MetadataSize", 0x10, DK_DEC_BYTES, 0),
	U64("FirstPageOffset", 0x18, N, 0),
	U32("NumberOfRanges", 0x20, DK_DEC_DEC, 0),
	U16("Unknown1", 0x24, N, 0),
	U16("Unknown2", 0x26, N, 0),
	U64("TotalNumberOfPages", 0x28, DK_DEC_PAGES, 0),
};
DESC(dk_rdmp_full, "FULL_RDMP_HEADER64", 0x30);

/* ---- TRIAGE_DUMP64 (0x80) and TRIAGE_DUMP32 (0x68) ---- */
#define TU(n, o) U32(n, o, N, 0)
#define TRIAGE_COMMON                                                          \
	TU("ServicePackBuild", 0x00), TU("SizeOfDump", 0x04), TU("ValidOffset", 0x08), \
	TU("ContextOffset", 0x0C), TU("ExceptionOffset", 0x10), TU("MmOffset", 0x14),  \
	TU("UnloadedDriversOffset", 0x18), TU("PrcbOffset", 0x1C),                     \
	TU("ProcessOffset", 0x20), TU("ThreadOffset", 0x24),                           \
	TU("CallStackOffset", 0x28), TU("SizeOfCallStack", 0x2C),                      \
	TU("DriverListOffset", 0x30), U32("DriverCount", 0x34, DK_DEC_DEC, 0),         \
	TU("StringPoolOffset", 0x38), TU("StringPoolSize", 0x3C),                      \
	TU("BrokenDriverOffset", 0x40),                                                \
	U32("TriageOptions", 0x44, DK_DEC_TRIAGE_OPTIONS, 0)
static const dk_field dk_triage64_fields[] = {
	TRIAGE_COMMON,
	U64("TopOfStack", 0x48, N, 0),
	BYTES("ArchitectureSpecific", 0x50, 16, 0),
	U64("DataPageAddress", 0x60, N, 0),
	TU("DataPageOffset", 0x68), TU("DataPageSize", 0x6C),
	TU("DebuggerDataOffset", 0x70), TU("DebuggerDataSize", 0x74),
	TU("DataBlocksOffset", 0x78), U32("DataBlocksCount", 0x7C, DK_DEC_DEC, 0),
};
DESC(dk_triage64, "TRIAGE_DUMP64", 0x80);

static const dk_field dk_triage32_fields[] = {
	TRIAGE_COMMON,
	U32("TopOfStack", 0x48, N, 0),
	U32("DataPageAddress", 0x4C, N, 0),
	TU("DataPageOffset", 0x50), TU("DataPageSize", 0x54),
	TU("DebuggerDataOffset", 0x58), TU("DebuggerDataSize", 0x5C),
	TU("DataBlocksOffset", 0x60), U32("DataBlocksCount", 0x64, DK_DEC_DEC, 0),
};
DESC(dk_triage32, "TRIAGE_DUMP32", 0x68);

const dk_struct_desc *dk_context_desc(dk_arch arch)
{
	switch (arch) {
	case DK_ARCH_X86: return &dk_ctx_x86;
	case DK_ARCH_AMD64: return &dk_ctx_amd64;
	case DK_ARCH_ARM64: return &dk_ctx_arm64;
	default: return NULL;
	}
}

const dk_struct_desc *dk_exception_desc(unsigned bits)
{
	return bits == 32 ? &dk_exc32 : &dk_exc64;
}
