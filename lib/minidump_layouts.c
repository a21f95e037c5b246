/* dmpkit — field tables of minidump structures.
 *
 * Offsets from minidumpapiset.h (pack(4)) as restated by rust-minidump
 * minidump-common/src/format.rs; MINIDUMP_SYSTEM_MEMORY_INFO_1 and
 * MINIDUMP_PROCESS_VM_COUNTERS_1/2 from minidumpapiset.h.  Names are the
 * Windows SDK's so that `info` output can be compared with other tools.
 * SPDX-License-Identifier: MIT */
#include <stddef.h>

#include <dmpkit/fields.h>

#include "minidump_internal.h"

#define F(n, o, s, t, d, fl) { n, o, s, t, d, fl }
#define U8(n, o, d) F(n, o, 1, DK_FT_UINT, d, 0)
#define U16(n, o, d) F(n, o, 2, DK_FT_UINT, d, 0)
#define U32(n, o, d) F(n, o, 4, DK_FT_UINT, d, 0)
#define U64(n, o, d) F(n, o, 8, DK_FT_UINT, d, 0)
#define A64(n, o) F(n, o, 8, DK_FT_UINT, DK_DEC_NONE, DK_FF_ADDRESS)
#define RSV(n, o, s) F(n, o, s, DK_FT_BYTES, DK_DEC_NONE, DK_FF_RESERVED)
#define N DK_DEC_NONE
#define D DK_DEC_DEC
#define B DK_DEC_BYTES
#define DESC(var, sname, size) \
	const dk_struct_desc var = { sname, size, var##_fields, \
	                             sizeof var##_fields / sizeof var##_fields[0] }

static const dk_field dk_md_header_desc_fields[] = {
	F("Signature", 0, 4, DK_FT_TAG, N, 0),
	U32("Version", 4, N),
	U32("NumberOfStreams", 8, D),
	U32("StreamDirectoryRva", 12, N),
	U32("CheckSum", 16, N),
	U32("TimeDateStamp", 20, N),
	U64("Flags", 24, N),
};
DESC(dk_md_header_desc, "MINIDUMP_HEADER", 32);

#define THREAD_FIELDS \
	U32("ThreadId", 0, D), U32("SuspendCount", 4, D), U32("PriorityClass", 8, N), \
	U32("Priority", 12, N), A64("Teb", 16), A64("Stack.StartOfMemoryRange", 24), \
	U32("Stack.Memory.DataSize", 32, B), U32("Stack.Memory.Rva", 36, N), \
	U32("ThreadContext.DataSize", 40, B), U32("ThreadContext.Rva", 44, N)
static const dk_field dk_md_thread_desc_fields[] = { THREAD_FIELDS };
DESC(dk_md_thread_desc, "MINIDUMP_THREAD", 48);
static const dk_field dk_md_thread_ex_desc_fields[] = {
	THREAD_FIELDS,
	A64("BackingStore.StartOfMemoryRange", 48),
	U32("BackingStore.Memory.DataSize", 56, B),
	U32("BackingStore.Memory.Rva", 60, N),
};
DESC(dk_md_thread_ex_desc, "MINIDUMP_THREAD_EX", 64);

static const dk_field dk_md_module_desc_fields[] = {
	A64("BaseOfImage", 0), U32("SizeOfImage", 8, B), U32("CheckSum", 12, N),
	U32("TimeDateStamp", 16, N), U32("ModuleNameRva", 20, N),
	U32("VersionInfo.dwSignature", 24, N), U32("VersionInfo.dwStrucVersion", 28, N),
	U32("VersionInfo.dwFileVersionMS", 32, N), U32("VersionInfo.dwFileVersionLS", 36, N),
	U32("VersionInfo.dwProductVersionMS", 40, N),
	U32("VersionInfo.dwProductVersionLS", 44, N),
	U32("VersionInfo.dwFileFlagsMask", 48, N), U32("VersionInfo.dwFileFlags", 52, N),
	U32("VersionInfo.dwFileOS", 56, N), U32("VersionInfo.dwFileType", 60, N),
	U32("VersionInfo.dwFileSubtype", 64, N), U32("VersionInfo.dwFileDateMS", 68, N),
	U32("VersionInfo.dwFileDateLS", 72, N),
	U32("CvRecord.DataSize", 76, B), U32("CvRecord.Rva", 80, N),
	U32("MiscRecord.DataSize", 84, B), U32("MiscRecord.Rva", 88, N),
	RSV("Reserved0", 92, 8), RSV("Reserved1", 100, 8),
};
DESC(dk_md_module_desc, "MINIDUMP_MODULE", 108);

static const dk_field dk_md_unloaded_desc_fields[] = {
	A64("BaseOfImage", 0), U32("SizeOfImage", 8, B), U32("CheckSum", 12, N),
	U32("TimeDateStamp", 16, N), U32("ModuleNameRva", 20, N),
};
DESC(dk_md_unloaded_desc, "MINIDUMP_UNLOADED_MODULE", 24);

static const dk_field dk_md_exception_desc_fields[] = {
	U32("ThreadId", 0, D), RSV("__alignment", 4, 4),
	U32("ExceptionRecord.ExceptionCode", 8, N),
	U32("ExceptionRecord.ExceptionFlags", 12, DK_DEC_EXCEPTION_FLAGS),
	A64("ExceptionRecord.ExceptionRecord", 16),
	A64("ExceptionRecord.ExceptionAddress", 24),
	U32("ExceptionRecord.NumberParameters", 32, D),
	RSV("ExceptionRecord.__unusedAlignment", 36, 4),
	U64("ExceptionRecord.ExceptionInformation[0]", 40, N),
	U64("ExceptionRecord.ExceptionInformation[1]", 48, N),
	U64("ExceptionRecord.ExceptionInformation[2]", 56, N),
	U64("ExceptionRecord.ExceptionInformation[3]", 64, N),
	U64("ExceptionRecord.ExceptionInformation[4]", 72, N),
	U64("ExceptionRecord.ExceptionInformation[5]", 80, N),
	U64("ExceptionRecord.ExceptionInformation[6]", 88, N),
	U64("ExceptionRecord.ExceptionInformation[7]", 96, N),
	U64("ExceptionRecord.ExceptionInformation[8]", 104, N),
	U64("ExceptionRecord.ExceptionInformation[9]", 112, N),
	U64("ExceptionRecord.ExceptionInformation[10]", 120, N),
	U64("ExceptionRecord.ExceptionInformation[11]", 128, N),
	U64("ExceptionRecord.ExceptionInformation[12]", 136, N),
	U64("ExceptionRecord.ExceptionInformation[13]", 144, N),
	U64("ExceptionRecord.ExceptionInformation[14]", 152, N),
	U32("ThreadContext.DataSize", 160, B), U32("ThreadContext.Rva", 164, N),
};
DESC(dk_md_exception_desc, "MINIDUMP_EXCEPTION_STREAM", 168);

static const dk_field dk_md_sysinfo_desc_fields[] = {
	U16("ProcessorArchitecture", 0, D), U16("ProcessorLevel", 2, D),
	U16("ProcessorRevision", 4, N), U8("NumberOfProcessors", 6, D),
	U8("ProductType", 7, DK_DEC_PRODUCT_TYPE), U32("MajorVersion", 8, D),
	U32("MinorVersion", 12, D), U32("BuildNumber", 16, D), U32("PlatformId", 20, N),
	U32("CSDVersionRva", 24, N), U16("SuiteMask", 28, DK_DEC_SUITE_MASK),
	RSV("Reserved2", 30, 2),
	F("Cpu.X86CpuInfo.VendorId", 32, 12, DK_FT_ASCII, N, 0),
	U32("Cpu.X86CpuInfo.VersionInformation", 44, N),
	U32("Cpu.X86CpuInfo.FeatureInformation", 48, N),
	U32("Cpu.X86CpuInfo.AMDExtendedCpuFeatures", 52, N),
};
DESC(dk_md_sysinfo_desc, "MINIDUMP_SYSTEM_INFO", 56);

static const dk_field dk_md_misc_desc_fields[] = {
	U32("SizeOfInfo", 0, D), U32("Flags1", 4, N), U32("ProcessId", 8, D),
	U32("ProcessCreateTime", 12, N), U32("ProcessUserTime", 16, D),
	U32("ProcessKernelTime", 20, D),
	U32("ProcessorMaxMhz", 24, D), U32("ProcessorCurrentMhz", 28, D),
	U32("ProcessorMhzLimit", 32, D), U32("ProcessorMaxIdleState", 36, D),
	U32("ProcessorCurrentIdleState", 40, D),
	U32("ProcessIntegrityLevel", 44, N), U32("ProcessExecuteFlags", 48, N),
	U32("ProtectedProcess", 52, D), U32("TimeZoneId", 56, D),
	U32("TimeZone.Bias", 60, N), U32("TimeZone.StandardBias", 144, N),
	U32("TimeZone.DaylightBias", 228, N),
	U32("XStateData.SizeOfInfo", 832, D), U32("XStateData.ContextSize", 836, B),
	U64("XStateData.EnabledFeatures", 840, N),
	U32("ProcessCookie", 1360, N),
};
DESC(dk_md_misc_desc, "MINIDUMP_MISC_INFO_5", 1364);

static const dk_field dk_md_meminfo_desc_fields[] = {
	A64("BaseAddress", 0), A64("AllocationBase", 8), U32("AllocationProtect", 16, N),
	RSV("__alignment1", 20, 4), U64("RegionSize", 24, B), U32("State", 32, N),
	U32("Protect", 36, N), U32("Type", 40, N), RSV("__alignment2", 44, 4),
};
DESC(dk_md_meminfo_desc, "MINIDUMP_MEMORY_INFO", 48);

static const dk_field dk_md_thread_info_desc_fields[] = {
	U32("ThreadId", 0, D), U32("DumpFlags", 4, N), U32("DumpError", 8, N),
	U32("ExitStatus", 12, N), U64("CreateTime", 16, DK_DEC_FILETIME),
	U64("ExitTime", 24, DK_DEC_FILETIME), U64("KernelTime", 32, DK_DEC_DURATION),
	U64("UserTime", 40, DK_DEC_DURATION), A64("StartAddress", 48), U64("Affinity", 56, N),
};
DESC(dk_md_thread_info_desc, "MINIDUMP_THREAD_INFO", 64);

#define HANDLE_FIELDS \
	U64("Handle", 0, N), U32("TypeNameRva", 8, N), U32("ObjectNameRva", 12, N), \
	U32("Attributes", 16, N), U32("GrantedAccess", 20, N), U32("HandleCount", 24, D), \
	U32("PointerCount", 28, D)
static const dk_field dk_md_handle_desc_fields[] = { HANDLE_FIELDS };
DESC(dk_md_handle_desc, "MINIDUMP_HANDLE_DESCRIPTOR", 32);
static const dk_field dk_md_handle2_desc_fields[] = {
	HANDLE_FIELDS, U32("ObjectInfoRva", 32, N), RSV("Reserved0", 36, 4),
};
DESC(dk_md_handle2_desc, "MINIDUMP_HANDLE_DESCRIPTOR_2", 40);

static const dk_field dk_md_ftable_desc_fields[] = {
	A64("MinimumAddress", 0), A64("MaximumAddress", 8), A64("BaseAddress", 16),
	U32("EntryCount", 24, D), U32("SizeOfAlignPad", 28, N),
};
DESC(dk_md_ftable_desc, "MINIDUMP_FUNCTION_TABLE_DESCRIPTOR", 32);

/* BasicInfo at 4 (52 bytes), FileCacheInfo at 56 (60), BasicPerfInfo at 116 */
static const dk_field dk_md_sysmem_desc_fields[] = {
	U16("Revision", 0, D), U16("Flags", 2, N),
	U32("BasicInfo.TimerResolution", 4, D), U32("BasicInfo.PageSize", 8, B),
	U32("BasicInfo.NumberOfPhysicalPages", 12, DK_DEC_PAGES),
	U32("BasicInfo.LowestPhysicalPageNumber", 16, N),
	U32("BasicInfo.HighestPhysicalPageNumber", 20, N),
	U32("BasicInfo.AllocationGranularity", 24, B),
	A64("BasicInfo.MinimumUserModeAddress", 28), A64("BasicInfo.MaximumUserModeAddress", 36),
	U64("BasicInfo.ActiveProcessorsAffinityMask", 44, N),
	U32("BasicInfo.NumberOfProcessors", 52, D),
	U64("FileCacheInfo.CurrentSize", 56, B), U64("FileCacheInfo.PeakSize", 64, B),
	U32("FileCacheInfo.PageFaultCount", 72, D),
	U64("FileCacheInfo.MinimumWorkingSet", 76, B),
	U64("FileCacheInfo.MaximumWorkingSet", 84, B),
	U64("FileCacheInfo.CurrentSizeIncludingTransitionInPages", 92, D),
	U64("FileCacheInfo.PeakSizeIncludingTransitionInPages", 100, D),
	U32("FileCacheInfo.TransitionRePurposeCount", 108, D),
	U32("FileCacheInfo.Flags", 112, N),
	U64("BasicPerfInfo.AvailablePages", 116, DK_DEC_PAGES),
	U64("BasicPerfInfo.CommittedPages", 124, DK_DEC_PAGES),
	U64("BasicPerfInfo.CommitLimit", 132, DK_DEC_PAGES),
	U64("BasicPerfInfo.PeakCommitment", 140, DK_DEC_PAGES),
	U64("PerfInfo.IdleProcessTime", 148, DK_DEC_DURATION),
};
DESC(dk_md_sysmem_desc, "MINIDUMP_SYSTEM_MEMORY_INFO_1", 156);

static const dk_field dk_md_vm1_desc_fields[] = {
	U16("Revision", 0, D), U32("PageFaultCount", 4, D),
	U64("PeakWorkingSetSize", 8, B), U64("WorkingSetSize", 16, B),
	U64("QuotaPeakPagedPoolUsage", 24, B), U64("QuotaPagedPoolUsage", 32, B),
	U64("QuotaPeakNonPagedPoolUsage", 40, B), U64("QuotaNonPagedPoolUsage", 48, B),
	U64("PagefileUsage", 56, B), U64("PeakPagefileUsage", 64, B),
	U64("PrivateUsage", 72, B),
};
DESC(dk_md_vm1_desc, "MINIDUMP_PROCESS_VM_COUNTERS_1", 80);

static const dk_field dk_md_vm2_desc_fields[] = {
	U16("Revision", 0, D), U16("Flags", 2, N), U32("PageFaultCount", 4, D),
	U64("PeakWorkingSetSize", 8, B), U64("WorkingSetSize", 16, B),
	U64("QuotaPeakPagedPoolUsage", 24, B), U64("QuotaPagedPoolUsage", 32, B),
	U64("QuotaPeakNonPagedPoolUsage", 40, B), U64("QuotaNonPagedPoolUsage", 48, B),
	U64("PagefileUsage", 56, B), U64("PeakPagefileUsage", 64, B),
	U64("PeakVirtualSize", 72, B), U64("VirtualSize", 80, B), U64("PrivateUsage", 88, B),
	U64("PrivateWorkingSetSize", 96, B), U64("SharedCommitUsage", 104, B),
	U64("JobSharedCommitUsage", 112, B), U64("JobPrivateCommitUsage", 120, B),
	U64("JobPeakPrivateCommitUsage", 128, B), U64("JobPrivateCommitLimit", 136, B),
	U64("JobTotalCommitLimit", 144, B),
};
DESC(dk_md_vm2_desc, "MINIDUMP_PROCESS_VM_COUNTERS_2", 152);
