/* dmpkit - what the most frequent bugcheck codes mean, and what their four
 * parameters hold.
 * SPDX-License-Identifier: MIT
 *
 * The summaries and parameter descriptions are our own words.  The facts
 * (which parameter holds what, the sub-code values) come from the Microsoft
 * bug-check reference, MicrosoftDocs/windows-driver-docs @825aa15f476f,
 * windows-driver-docs-pr/debugger/bug-check-0x*.md (text CC-BY-4.0; no
 * sentence was copied).  Each entry names its page in a comment
 * ("docs: <file>" below is relative to windows-driver-docs-pr/debugger/).
 *
 * Kept sorted by code (binary search and tests rely on it). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <dmpkit/bugcheck.h>
#include <dmpkit/status.h>

#define P(k, d) { DK_BCP_##k, DK_ACC_NONE, d }
#define PA(enc, d) { DK_BCP_ACCESS, DK_ACC_##enc, d }
#define R P(RESERVED, "reserved")
#define SAME { DK_BCP_VALUE, DK_ACC_NONE, NULL }
#define SUBS(a) a, sizeof a / sizeof a[0]

/* ---- shared parameter sets (a code and its 0x1000xxxx _M twin) ---- */
#define PARAMS_0x50                                                                   \
	{ P(ADDRESS, "virtual address that was referenced"),                          \
	  PA(PF, "kind of access"),                                                   \
	  P(CODE_ADDRESS, "instruction that made the reference, when known"),         \
	  P(SUBCODE, "why the page fault could not be resolved (Windows 10 and later)") }
#define PARAMS_0x7E                                                                   \
	{ P(STATUS, "exception code nobody handled"),                                 \
	  P(CODE_ADDRESS, "address where the exception was raised"),                  \
	  P(EXCEPTION_RECORD, "the exception record (use with .exr)"),                \
	  P(CONTEXT, "the processor context at the exception (use with .cxr)") }
#define PARAMS_0x7F                                                                   \
	{ P(SUBCODE, "processor trap (interrupt vector) number"),                     \
	  P(VALUE, "trap-specific detail, often unused"),                             \
	  P(VALUE, "trap-specific detail, often unused"),                             \
	  P(VALUE, "trap-specific detail, often unused") }
#define PARAMS_0x8E                                                                   \
	{ P(STATUS, "exception code nobody handled"),                                 \
	  P(CODE_ADDRESS, "address where the exception was raised"),                  \
	  P(TRAP_FRAME, "trap frame saved when the exception was taken (use with .trap)"), \
	  R }
#define PARAMS_DRIVER_FAULT                                                           \
	{ P(ADDRESS, "virtual address that was referenced"),                          \
	  PA(RW, "kind of access"),                                                   \
	  P(CODE_ADDRESS, "instruction that made the reference, when known"), R }
#define PARAMS_0xEA                                                                   \
	{ P(ADDRESS, "the thread (KTHREAD) that is stuck"),                           \
	  P(ADDRESS, "the watchdog object (DEFERRED_WATCHDOG)"),                      \
	  P(ADDRESS, "name of the driver at fault"),                                  \
	  P(VALUE, "how many times this stop was intercepted (1 on a blue screen)") }
/* file systems that stop from their exception filter */
#define PARAMS_FS(filter)                                                             \
	{ P(VALUE, "source file id (high 16 bits) and line (low 16 bits) in the driver"), \
	  P(EXCEPTION_RECORD, "exception record, when " filter " is on the stack"),   \
	  P(CONTEXT, "context record, when " filter " is on the stack"), R }

/* ---- sub-code tables ---- */

static const dk_bugcheck_subcode sub_0x1[] = {
	{ 0, "the mismatch was found on return from a system call", { SAME } },
	{ 1, "the mismatch was found after a worker routine returned", { SAME } },
};

/* docs: bug-check-0x19--bad-pool-header.md */
static const dk_bugcheck_subcode sub_0x19[] = {
	{ 0x2, "special pool fill pattern damaged: the owner likely wrote outside its block",
	  { SAME, P(POOL_ADDRESS, "pool entry being checked"), P(VALUE, "size of the block"), R } },
	{ 0x3, "pool free list damaged (flink/blink disagree)",
	  { SAME, P(POOL_ADDRESS, "pool entry being checked"), P(ADDRESS, "flink read back"),
	    P(ADDRESS, "blink read back") } },
	{ 0x5, "two neighbouring pool headers contradict each other",
	  { SAME, P(POOL_ADDRESS, "one pool entry"), R, P(POOL_ADDRESS, "the other pool entry") } },
	{ 0x6, "a pool header's previous-size field is too large",
	  { SAME, P(POOL_ADDRESS, "entry computed from the bad header"), R,
	    P(POOL_ADDRESS, "the bad pool entry") } },
	{ 0x7, "a pool header's size field is damaged",
	  { SAME, R, R, P(POOL_ADDRESS, "the bad pool entry") } },
	{ 0x8, "a pool header's size field is zero",
	  { SAME, R, R, P(POOL_ADDRESS, "the bad pool entry") } },
	{ 0x9, "a pool header's size field is too large",
	  { SAME, P(POOL_ADDRESS, "entry computed from the bad header"), R,
	    P(POOL_ADDRESS, "the bad pool entry") } },
	{ 0xA, "a pool header's size is wrong: the expected entry is missing",
	  { SAME, P(POOL_ADDRESS, "entry that should have been found"), R,
	    P(ADDRESS, "page that should hold it") } },
	{ 0xD, "header of a freed block changed after the free (often an overrun of the block before it)",
	  { SAME, R, R, R } },
	{ 0xE, "header of a freed block changed after the free", { SAME, R, R, R } },
	{ 0xF, "header of a freed block changed after the free", { SAME, R, R, R } },
	{ 0x20, "a pool header's size is wrong",
	  { SAME, P(POOL_ADDRESS, "entry that should have been found"),
	    P(POOL_ADDRESS, "next pool entry"), R } },
	{ 0x21, "the bytes after a block being freed were overwritten (overrun)",
	  { SAME, P(POOL_ADDRESS, "block being freed"), P(VALUE, "bytes allocated"),
	    P(VALUE, "damaged value found after the block") } },
	{ 0x22, "an address being freed has no tracking entry (double free or never allocated)",
	  { SAME, P(POOL_ADDRESS, "address being freed"), R, R } },
	{ 0x23, "header of a freed block changed after the free", { SAME, R, R, R } },
	{ 0x24, "header of a freed block changed after the free", { SAME, R, R, R } },
	{ 0x25, "header of a freed block changed after the free", { SAME, R, R, R } },
};

/* docs: bug-check-0x1a--memory-management.md (the frequent ones) */
static const dk_bugcheck_subcode sub_0x1a[] = {
	{ 0x31, "image relocation data or code damaged (likely hardware)", { SAME } },
	{ 0x3F, "a page read from the paging file failed its CRC check",
	  { SAME, P(VALUE, "offset in the paging file"), P(VALUE, "CRC of the page"),
	    P(VALUE, "CRC expected") } },
	{ 0x403, "page table and PFN database disagree (likely hardware if P3/P4 differ in one bit)",
	  { SAME } },
	{ 0x404, "PFN and PTE disagree while deleting a system page",
	  { SAME, P(ADDRESS, "PTE expected"), P(VALUE, "PTE contents"), P(ADDRESS, "the PFN's PTE") } },
	{ 0x411, "a page table entry is damaged", { SAME, P(ADDRESS, "the PTE"), SAME, SAME } },
	{ 0x1233, "a driver mapped a physical page that was not locked",
	  { SAME, P(PFN, "the physical page"), SAME, SAME } },
	{ 0x1236, "an MDL holds an unlocked or invalid physical page",
	  { SAME, P(ADDRESS, "the MDL"), P(ADDRESS, "the bad PFN entry"), P(PFN, "the bad PFN") } },
	{ 0x3300, "a write hit an address wrongly marked copy-on-write",
	  { SAME, P(ADDRESS, "faulting address"), P(VALUE, "PTE contents"),
	    P(VALUE, "kind of address space") } },
	{ 0x4477, "a driver wrote to unallocated user space of the System process",
	  { SAME, P(ADDRESS, "address written"), SAME, SAME } },
	{ 0x5003, "the working set free list is damaged (likely hardware)", { SAME } },
	{ 0x5305, "an invalid pool address is being freed",
	  { SAME, P(POOL_ADDRESS, "address being freed"), P(VALUE, "region size"), SAME } },
	{ 0x6001, "the memory store's private range is damaged",
	  { SAME, P(STATUS, "status returned"), P(ADDRESS, "address in the store's range"),
	    P(ADDRESS, "the MDL") } },
	{ 0x8884, "two standby pages with the same priority do not match", { SAME } },
	{ 0x8885, "two standby pages with the same priority do not match", { SAME } },
	{ 0x8886, "two standby pages with the same priority do not match", { SAME } },
	{ 0x8887, "two standby pages with the same priority do not match", { SAME } },
	{ 0x8888, "internal memory manager structures are damaged", { SAME } },
	{ 0x8889, "internal memory manager structures are damaged", { SAME } },
	{ 0x888A, "internal memory manager structures (PTE or PFN) are damaged", { SAME } },
	{ 0x41201, "PFN and PTE disagree while querying an address",
	  { SAME, P(ADDRESS, "the PTE"), P(VALUE, "PTE contents"), P(ADDRESS, "the VAD") } },
	{ 0x41202, "a non-zero PTE is damaged",
	  { SAME, P(ADDRESS, "the PTE"), P(VALUE, "PTE contents"), P(ADDRESS, "the VAD") } },
	{ 0x41283, "the working set index in a PTE is damaged", { SAME } },
	{ 0x41284, "a PTE or the working set list is damaged", { SAME } },
	{ 0x41286, "an invalid pool address is being freed", { SAME } },
	{ 0x41287, "illegal page fault while holding the working set lock",
	  { SAME, P(ADDRESS, "address referenced"), SAME, SAME } },
	{ 0x41785, "the working set list is damaged", { SAME } },
	{ 0x41790, "a page table page is damaged (its used-entry count is wrong)",
	  { SAME, P(ADDRESS, "PFN entry of the page table page (64-bit)"), SAME, SAME } },
	{ 0x41792, "a damaged PTE was found",
	  { SAME, P(ADDRESS, "the PTE"), P(VALUE, "PTE low part"), P(VALUE, "PTE high part") } },
	{ 0x41793, "a page table page is damaged (non-zero entry count wrong)",
	  { SAME, P(ADDRESS, "last PTE processed"), P(VALUE, "non-zero PTEs found"),
	    P(VALUE, "non-zero PTEs expected") } },
	{ 0x61941, "the paging hierarchy is damaged",
	  { SAME, P(ADDRESS, "address whose fault found it"), SAME, SAME } },
};

/* docs: bug-check-0x4e--pfn-list-corrupt.md */
static const dk_bugcheck_subcode sub_0x4e[] = {
	{ 0x1, "a PFN list head is damaged",
	  { SAME, P(ADDRESS, "the list head"), P(VALUE, "pages available"), R } },
	{ 0x2, "an entry being removed from a PFN list is damaged",
	  { SAME, P(PFN, "entry being removed"), P(PFN, "highest physical page"),
	    P(VALUE, "reference count of the entry") } },
	{ 0x6, "hardware or prototype PTE damaged (bit flips, broken DMA)",
	  { SAME, P(PFN, "page frame"), P(ADDRESS, "prototype PTE"), P(VALUE, "PTE contents") } },
};

/* docs: bug-check-0x50--page-fault-in-nonpaged-area.md */
static const dk_bugcheck_subcode sub_0x50[] = {
	{ 0x0, "the address maps to a PTE marked free", { SAME } },
	{ 0x2, "no valid page table covers the address", { SAME } },
	{ 0x3, "session address used from a process without a session", { SAME } },
	{ 0x4, "the address is not canonical", { SAME } },
	{ 0xF, "kernel code touched a user address where that is not allowed", { SAME } },
};

/* docs: bug-check-0x7f--unexpected-kernel-mode-trap.md */
static const dk_bugcheck_subcode sub_0x7f[] = {
	{ 0x0, "divide error (DIV by zero)", { SAME } },
	{ 0x1, "debug trap", { SAME } },
	{ 0x3, "breakpoint (INT 3)", { SAME } },
	{ 0x4, "overflow (INTO)", { SAME } },
	{ 0x5, "BOUND range exceeded", { SAME } },
	{ 0x6, "invalid opcode", { SAME } },
	{ 0x7, "no math coprocessor", { SAME } },
	{ 0x8, "double fault (often a kernel stack overflow, else hardware)", { SAME } },
	{ 0xA, "invalid TSS", { SAME } },
	{ 0xB, "segment not present", { SAME } },
	{ 0xC, "stack-segment fault", { SAME } },
	{ 0xD, "general protection fault", { SAME } },
	{ 0xF, "reserved trap", { SAME } },
	{ 0x10, "x87 floating-point error", { SAME } },
	{ 0x11, "alignment check", { SAME } },
};

/* docs: bug-check-0x9f--driver-power-state-failure.md */
static const dk_bugcheck_subcode sub_0x9f[] = {
	{ 0x1, "a device object being freed still has a power request pending",
	  { SAME, P(ADDRESS, "the device object"), R, R } },
	{ 0x2, "a system power IRP completed without PoStartNextPowerIrp",
	  { SAME, P(ADDRESS, "target device object, if known"), P(ADDRESS, "the device object"),
	    P(ADDRESS, "the driver object, if known") } },
	{ 0x3, "a device kept a power IRP blocked for too long",
	  { SAME, P(ADDRESS, "physical device object (PDO) of the stack"),
	    P(ADDRESS, "nt!_TRIAGE_9F_POWER"), P(ADDRESS, "the blocked IRP") } },
	{ 0x4, "a power transition timed out waiting for Plug and Play",
	  { SAME, P(VALUE, "time-out in seconds"), P(ADDRESS, "thread holding the PnP lock"),
	    P(ADDRESS, "nt!_TRIAGE_9F_PNP") } },
	{ 0x5, "a device did not finish a directed power transition in time",
	  { SAME, P(ADDRESS, "physical device object of the stack"),
	    P(ADDRESS, "the POP_FX_DEVICE"), R } },
};

/* docs: bug-check-0xc1--special-pool-detected-memory-corruption.md (P4 selects) */
static const dk_bugcheck_subcode sub_0xc1[] = {
	{ 0x20, "a driver freed pool that was never allocated", { SAME, SAME, R, SAME } },
	{ 0x21, "a driver freed a bad address",
	  { SAME, P(VALUE, "bytes requested"), P(VALUE, "bytes actually given"), SAME } },
	{ 0x22, "a driver freed a bad address",
	  { SAME, P(VALUE, "bytes requested"), P(VALUE, "bytes actually given"), SAME } },
	{ 0x23, "bytes near a freed block (same page) were overwritten",
	  { SAME, P(ADDRESS, "where the damage is"), R, SAME } },
	{ 0x24, "bytes near a freed block (same page) were overwritten",
	  { SAME, P(ADDRESS, "where the damage is"), R, SAME } },
};

/* docs: bug-check-0xc2--bad-pool-caller.md */
static const dk_bugcheck_subcode sub_0xc2[] = {
	{ 0x00, "a zero-byte pool allocation was requested",
	  { SAME, R, P(VALUE, "pool type"), P(VALUE, "pool tag") } },
	{ 0x01, "a pool header is damaged",
	  { SAME, P(POOL_ADDRESS, "the pool header"), P(VALUE, "first part of the header"), R } },
	{ 0x02, "a pool header is damaged",
	  { SAME, P(POOL_ADDRESS, "the pool header"), P(VALUE, "first part of the header"), R } },
	{ 0x04, "a pool header is damaged",
	  { SAME, P(POOL_ADDRESS, "the pool header"), P(VALUE, "first part of the header"), R } },
	{ 0x06, "pool already freed is being freed again",
	  { SAME, R, P(POOL_ADDRESS, "the pool header"), P(VALUE, "header contents") } },
	{ 0x07, "pool already freed is being freed again",
	  { SAME, R, P(VALUE, "header contents"), P(POOL_ADDRESS, "block being freed") } },
	{ 0x08, "pool was allocated at an IRQL where that is not allowed",
	  { SAME, P(IRQL, "current IRQL"), P(VALUE, "pool type"), P(VALUE, "bytes requested") } },
	{ 0x09, "pool was freed at an IRQL where that is not allowed",
	  { SAME, P(IRQL, "current IRQL"), P(VALUE, "pool type"), P(POOL_ADDRESS, "the pool") } },
	{ 0x0A, "pool was freed with a tag other than its own",
	  { SAME, P(POOL_ADDRESS, "the pool"), P(VALUE, "tag it was allocated with"),
	    P(VALUE, "tag given to the free") } },
	{ 0x0B, "quota release on a damaged pool allocation",
	  { SAME, P(POOL_ADDRESS, "the pool"), P(VALUE, "pool tag"), P(ADDRESS, "bad quota process") } },
	{ 0x0C, "quota release on a damaged pool allocation",
	  { SAME, P(POOL_ADDRESS, "the pool"), P(VALUE, "pool tag"), P(ADDRESS, "bad quota process") } },
	{ 0x0D, "quota release on a damaged pool allocation",
	  { SAME, P(POOL_ADDRESS, "the pool"), P(VALUE, "pool tag"), P(ADDRESS, "bad quota process") } },
	{ 0x40, "kernel pool free of a user-mode address",
	  { SAME, P(ADDRESS, "address freed"), P(ADDRESS, "start of system space"), R } },
	{ 0x41, "free of a nonpaged pool address that is not allocated",
	  { SAME, P(ADDRESS, "address freed"), P(PFN, "its page frame"), P(PFN, "highest page frame") } },
	{ 0x42, "free of an address that was never in any pool",
	  { SAME, P(ADDRESS, "address freed"), R, R } },
	{ 0x43, "free of an address that was never in any pool",
	  { SAME, P(ADDRESS, "address freed"), R, R } },
	{ 0x44, "free of a nonpaged pool address that is not allocated",
	  { SAME, P(ADDRESS, "address freed"), R, R } },
	{ 0x46, "free of an invalid pool address", { SAME, P(ADDRESS, "address freed"), R, R } },
	{ 0x47, "free of a nonpaged pool address that is not allocated",
	  { SAME, P(ADDRESS, "address freed"), P(PFN, "its page frame"), P(PFN, "highest page frame") } },
	{ 0x48, "free of a paged pool address that is not allocated",
	  { SAME, P(ADDRESS, "address freed"), R, R } },
	{ 0x50, "free of a paged pool address that is not allocated",
	  { SAME, P(ADDRESS, "address freed"), P(VALUE, "offset in pages into paged pool"),
	    P(VALUE, "paged pool size in bytes") } },
	{ 0x60, "MmFreeContiguousMemory was given a bad address",
	  { SAME, P(ADDRESS, "address freed"), R, R } },
	{ 0x99, "free of an invalid pool address (or a damaged header)",
	  { SAME, P(POOL_ADDRESS, "address freed"), R, R } },
	{ 0x9A, "a MUST_SUCCEED allocation was requested (no longer supported)",
	  { SAME, P(VALUE, "pool type"), P(VALUE, "bytes requested"), P(VALUE, "pool tag") } },
	{ 0x9B, "an allocation with tag 0 was requested",
	  { SAME, P(VALUE, "pool type"), P(VALUE, "bytes requested"), P(CODE_ADDRESS, "caller") } },
	{ 0x9C, "an allocation with the reserved tag \"BIG\" was requested",
	  { SAME, P(VALUE, "pool type"), P(VALUE, "bytes requested"), P(CODE_ADDRESS, "caller") } },
	{ 0x9D, "an allocation with a tag that holds no letter was requested",
	  { SAME, P(VALUE, "the bad tag"), P(VALUE, "pool type"), P(CODE_ADDRESS, "caller") } },
};

/* docs: bug-check-0xc7--timer-or-dpc-invalid.md */
static const dk_bugcheck_subcode sub_0xc7[] = {
	{ 0x0, "a live timer object lies in memory being freed or unloaded",
	  { SAME, P(ADDRESS, "the timer"), SAME, SAME } },
	{ 0x1, "a live DPC object lies in memory being freed or unloaded",
	  { SAME, P(ADDRESS, "the DPC"), SAME, SAME } },
	{ 0x2, "a DPC routine lies in memory being freed or unloaded",
	  { SAME, P(CODE_ADDRESS, "the DPC routine"), SAME, SAME } },
};

/* docs: bug-check-0xef--critical-process-died.md (P2 selects) */
static const dk_bugcheck_subcode sub_0xef[] = {
	{ 0, "the process itself ended", { SAME } },
	{ 1, "a thread of the process ended", { SAME } },
};

/* docs: bug-check-0xf4--critical-object-termination.md */
static const dk_bugcheck_subcode sub_0xf4[] = {
	{ 3, "a critical process ended", { SAME, P(ADDRESS, "the process (EPROCESS)"), SAME, SAME } },
	{ 6, "a critical thread ended", { SAME, P(ADDRESS, "the thread (ETHREAD)"), SAME, SAME } },
};

/* docs: bug-check-0xfe--bugcode-usb-driver.md */
static const dk_bugcheck_subcode sub_0xfe[] = {
	{ 0x1, "internal error in the USB stack", { SAME, R, R, R } },
	{ 0x2, "a URB still attached to another pending IRP was submitted",
	  { SAME, P(ADDRESS, "the pending IRP"), P(ADDRESS, "the IRP passed in"),
	    P(ADDRESS, "the URB") } },
};

/* docs: bug-check-0x109---critical-structure-corruption.md (P4 selects) */
static const dk_bugcheck_subcode sub_0x109[] = {
	{ 0x0, "a generic data region", { SAME } },
	{ 0x1, "a function was modified", { SAME } },
	{ 0x2, "a processor IDT", { SAME } },
	{ 0x3, "a processor GDT", { SAME } },
	{ 0x4, "process list (type 1)", { SAME } },
	{ 0x5, "process list (type 2)", { SAME } },
	{ 0x6, "a debug routine was modified", { SAME } },
	{ 0x7, "a critical MSR was modified", { SAME } },
	{ 0x8, "an object type", { SAME } },
	{ 0x9, "a processor IVT", { SAME } },
};

/* docs: bug-check-0x119---video-scheduler-internal-error.md */
static const dk_bugcheck_subcode sub_0x119[] = {
	{ 0x1, "the driver reported a fence id that is not valid", { SAME } },
	{ 0x2, "the driver failed to submit a command", { SAME } },
	{ 0x3, "the driver failed to patch a command buffer", { SAME } },
	{ 0x4, "the driver reported a flip queue length that is not valid", { SAME } },
	{ 0x5, "the driver failed a system or paging command", { SAME } },
};

/* docs: bug-check-0x124---whea-uncorrectable-error.md */
#define WHEA_SUB(v, what) { v, what, { SAME, SAME, R, R } }
static const dk_bugcheck_subcode sub_0x124[] = {
	{ 0x0, "machine check exception",
	  { SAME, SAME, P(VALUE, "high 32 bits of the bank's MCi_STATUS"),
	    P(VALUE, "low 32 bits of the bank's MCi_STATUS") } },
	WHEA_SUB(0x1, "corrected machine check"),
	WHEA_SUB(0x2, "corrected platform error"),
	WHEA_SUB(0x3, "non-maskable interrupt (NMI) error"),
	WHEA_SUB(0x4, "uncorrectable PCI Express error"),
	WHEA_SUB(0x5, "generic hardware error"),
	WHEA_SUB(0x6, "initialization error"),
	WHEA_SUB(0x7, "boot error"),
	WHEA_SUB(0x8, "SCI generic error"),
	{ 0x9, "Itanium machine check abort",
	  { SAME, SAME, P(VALUE, "length of the SAL log"), P(ADDRESS, "the SAL log") } },
	WHEA_SUB(0xA, "corrected Itanium machine check"),
	WHEA_SUB(0xB, "corrected Itanium platform error"),
	WHEA_SUB(0xC, "other error source (v2)"),
	WHEA_SUB(0xD, "SCI-based GHESv2 error"),
	WHEA_SUB(0xE, "BMC error"),
	WHEA_SUB(0xF, "persistent memory address range scrub error"),
	WHEA_SUB(0x10, "device driver error source"),
	WHEA_SUB(0x11, "Arm synchronous external abort"),
	WHEA_SUB(0x12, "Arm SError interrupt"),
};

/* docs: bug-check-0x133-dpc-watchdog-violation.md */
static const dk_bugcheck_subcode sub_0x133[] = {
	{ 0, "one DPC or ISR ran longer than allowed",
	  { SAME, P(VALUE, "ticks the DPC ran"), P(VALUE, "ticks allowed"),
	    P(ADDRESS, "nt!DPC_WATCHDOG_GLOBAL_TRIAGE_BLOCK") } },
	{ 1, "the processor stayed at DISPATCH_LEVEL or above too long in total",
	  { SAME, P(VALUE, "watchdog period"), P(ADDRESS, "nt!DPC_WATCHDOG_GLOBAL_TRIAGE_BLOCK"), R } },
};

/* docs: bug-check-0x13a--kernel-mode-heap-corruption.md */
static const dk_bugcheck_subcode sub_0x13a[] = {
	{ 0x3, "a damaged heap entry header", { SAME } },
	{ 0x4, "several damaged heap entry headers", { SAME } },
	{ 0x5, "a damaged header of a large allocation", { SAME } },
	{ 0x6, "damage that looks like a buffer overrun", { SAME } },
	{ 0x7, "damage that looks like a buffer underrun", { SAME } },
	{ 0x8, "a free block given to an operation that needs a busy one", { SAME } },
	{ 0x9, "an invalid argument to a heap operation", { SAME } },
	{ 0xA, "internal heap error about the allocation type", { SAME } },
	{ 0xB, "damage that looks like use after free", { SAME } },
	{ 0xC, "the wrong heap was given to the operation", { SAME } },
	{ 0xD, "a damaged free list", { SAME } },
};

/* docs: bug-check-0x1d3--wfp-invalid-operation.md */
static const dk_bugcheck_subcode sub_0x1d3[] = {
	{ 0x1, "a callout injected an inbound NBL holding several NET_BUFFERs",
	  { SAME, R, P(ADDRESS, "the NBL"), R } },
};

/* ---- the table ---- */

static const dk_bugcheck_explanation k_explain[] = {
	/* docs: bug-check-0x1--apc-index-mismatch.md */
	{ 0x1, "A thread went back to user mode (or a worker routine returned) with its "
	       "APC state or kernel APC disabling unbalanced.",
	  { P(CODE_ADDRESS, "system call or worker routine that returned"),
	    P(VALUE, "thread's ApcStateIndex"),
	    P(VALUE, "thread's CombinedApcDisable (special and kernel APC disable counts)"),
	    P(SUBCODE, "where it was found: 0 system call, 1 worker routine") },
	  4, SUBS(sub_0x1) },
	/* docs: bug-check-0xa--irql-not-less-or-equal.md */
	{ 0xA, "Kernel code touched pageable or invalid memory while running at too high an IRQL.",
	  { P(ADDRESS, "virtual address that was referenced"),
	    P(IRQL, "IRQL at the time of the fault"),
	    PA(BITS, "kind of access (bit 0 write, bit 3 execute)"),
	    P(CODE_ADDRESS, "instruction that made the reference") },
	  0, NULL, 0 },
	/* docs: bug-check-0x19--bad-pool-header.md */
	{ 0x19, "The pool allocator found a damaged pool block header.",
	  { P(SUBCODE, "kind of damage"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0x19) },
	/* docs: bug-check-0x1a--memory-management.md */
	{ 0x1A, "The memory manager found its own structures in an inconsistent state.",
	  { P(SUBCODE, "which check failed"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0x1a) },
	/* docs: bug-check-0x1e--kmode-exception-not-handled.md */
	{ 0x1E, "An exception raised in kernel mode reached the end of the handler chain "
	        "without being handled.",
	  { P(STATUS, "exception code nobody handled"),
	    P(CODE_ADDRESS, "address where the exception was raised"),
	    PA(EXCEPTION, "ExceptionInformation[0]: for an access violation, the kind of access"),
	    P(ADDRESS, "ExceptionInformation[1]: for an access violation, the address referenced") },
	  0, NULL, 0 },
	/* docs: bug-check-0x20--kernel-apc-pending-during-exit.md */
	{ 0x20, "A thread ended while a kernel APC was still queued or APCs were still disabled.",
	  { P(ADDRESS, "the pending APC"), P(VALUE, "thread's APC disable count"),
	    P(IRQL, "current IRQL"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x23--fat-file-system.md */
	{ 0x23, "The FAT file system driver hit a problem it could not recover from.",
	  PARAMS_FS("FatExceptionFilter"), 0, NULL, 0 },
	/* docs: bug-check-0x24--ntfs-file-system.md */
	{ 0x24, "The NTFS file system driver hit a problem it could not recover from.",
	  PARAMS_FS("NtfsExceptionFilter"), 0, NULL, 0 },
	/* docs: bug-check-0x26--cdfs-file-system.md */
	{ 0x26, "The CD-ROM file system driver hit a problem it could not recover from.",
	  PARAMS_FS("CdExceptionFilter"), 0, NULL, 0 },
	/* docs: bug-check-0x27--rdr-file-system.md */
	{ 0x27, "The SMB redirector (RDBSS) hit a problem it could not recover from.",
	  { P(VALUE, "high 16 bits: where in RDBSS (e.g. 0xBAAD0000 = exception)"),
	    P(EXCEPTION_RECORD, "exception record, when RxExceptionFilter is on the stack"),
	    P(CONTEXT, "context record, when RxExceptionFilter is on the stack"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x2b--panic-stack-switch.md */
	{ 0x2B, "The kernel stack overflowed: the kernel ran out of stack while switching to a "
	        "handler.",
	  { P(TRAP_FRAME, "the trap frame"), R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0x2e--data-bus-error.md */
	{ 0x2E, "A parity or bus error was reported for memory access, usually bad hardware.",
	  { P(ADDRESS, "virtual address of the fault"), P(VALUE, "physical address of the fault"),
	    P(VALUE, "processor status register"), P(CODE_ADDRESS, "faulting instruction register") },
	  0, NULL, 0 },
	/* docs: bug-check-0x30--set-of-invalid-context.md */
	{ 0x30, "A thread context being set would have put an invalid stack pointer in place.",
	  { P(ADDRESS, "new stack pointer"), P(ADDRESS, "old stack pointer"),
	    P(TRAP_FRAME, "the trap frame"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x35--no-more-irp-stack-locations.md */
	{ 0x35, "A driver passed an IRP down to a driver below with no stack location left.",
	  { P(ADDRESS, "the IRP"), R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0x3b--system-service-exception.md */
	{ 0x3B, "An exception was raised while a system call was being serviced, on the way "
	        "from user-mode to kernel code.",
	  { P(STATUS, "the exception code"), P(CODE_ADDRESS, "faulting instruction"),
	    P(CONTEXT, "context record of the exception (use with .cxr)"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x3d--interrupt-exception-not-handled.md */
	{ 0x3D, "An exception raised during interrupt handling was not handled.",
	  { P(EXCEPTION_RECORD, "exception record, when available"),
	    P(CONTEXT, "context record, when available"), R, R },
	  0, NULL, 0 },
	/* docs: bug-check-0x3f--no-more-system-ptes.md */
	{ 0x3F, "The system ran out of page table entries for mapping system space.",
	  { P(VALUE, "PTE type: 0 system expansion, 1 nonpaged pool expansion"),
	    P(VALUE, "size of the request"), P(VALUE, "free system PTEs"),
	    P(VALUE, "total system PTEs") },
	  0, NULL, 0 },
	/* docs: bug-check-0x44--multiple-irp-complete-requests.md */
	{ 0x44, "A driver completed an IRP that had already been completed.",
	  { P(ADDRESS, "the IRP"), R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0x4a--irql-gt-zero-at-system-service.md */
	{ 0x4A, "A system call returned to user mode with the IRQL still above PASSIVE_LEVEL.",
	  { P(CODE_ADDRESS, "the system call routine"), P(IRQL, "IRQL on return"), R, R },
	  0, NULL, 0 },
	/* docs: bug-check-0x4e--pfn-list-corrupt.md */
	{ 0x4E, "The page frame number (PFN) database is damaged.",
	  { P(SUBCODE, "kind of damage"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0x4e) },
	/* docs: bug-check-0x50--page-fault-in-nonpaged-area.md */
	{ 0x50, "Kernel code referenced memory that is not valid (freed, never mapped, or "
	        "not canonical).",
	  PARAMS_0x50, 4, SUBS(sub_0x50) },
	/* docs: bug-check-0x51--registry-error.md */
	{ 0x51, "The registry hit a severe error, such as a hive it could not read or write.",
	  { R, R, P(ADDRESS, "the hive, when known"),
	    P(STATUS, "result of the hive check, when the hive is damaged") },
	  0, NULL, 0 },
	/* docs: bug-check-0x6b--process1-initialization-failed.md */
	{ 0x6B, "Initialization of the first user-mode process failed during boot.",
	  { P(STATUS, "status that made it fail"), R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0x74--bad-system-config-info.md */
	{ 0x74, "The SYSTEM registry hive is damaged or could not be loaded.",
	  { R, R, R, P(STATUS, "status, when known") }, 0, NULL, 0 },
	/* docs: bug-check-0x77--kernel-stack-inpage-error.md */
	{ 0x77, "A page of a kernel stack could not be read back from the paging file.",
	  { P(VALUE, "0, 1 or 2: where the page came from; otherwise the I/O status code"),
	    P(VALUE, "value found where the stack signature should be, or an I/O status"),
	    P(VALUE, "0, or the PFN / paging file offset"),
	    P(ADDRESS, "address of the signature on the stack, or the paging file offset") },
	  0, NULL, 0 },
	/* docs: bug-check-0x7a--kernel-data-inpage-error.md */
	{ 0x7A, "A page of kernel data could not be read back from the paging file or image "
	        "(disk, controller or memory trouble).",
	  { P(VALUE, "lock type held, or the address of the PTE"),
	    P(STATUS, "the I/O status"),
	    P(VALUE, "current process or PTE contents, depending on parameter 1"),
	    P(ADDRESS, "virtual address that could not be paged in") },
	  0, NULL, 0 },
	/* docs: bug-check-0x7b--inaccessible-boot-device.md */
	{ 0x7B, "Windows lost access to the boot volume while starting.",
	  { P(ADDRESS, "a UNICODE_STRING naming the device, or the device object that failed"),
	    R, R, R },
	  0, NULL, 0 },
	/* docs: bug-check-0x7e--system-thread-exception-not-handled.md */
	{ 0x7E, "A system thread raised an exception that no handler took.",
	  PARAMS_0x7E, 0, NULL, 0 },
	/* docs: bug-check-0x7f--unexpected-kernel-mode-trap.md */
	{ 0x7F, "The processor raised a trap in kernel mode that the kernel could not handle "
	        "(double fault, divide error, ...).",
	  PARAMS_0x7F, 1, SUBS(sub_0x7f) },
	/* docs: bug-check-0x8e--kernel-mode-exception-not-handled.md */
	{ 0x8E, "An exception raised in kernel mode was not handled (the older companion of 0x1E).",
	  PARAMS_0x8E, 0, NULL, 0 },
	/* docs: bug-check-0x9b--udfs-file-system.md */
	{ 0x9B, "The UDF file system driver hit a problem it could not recover from.",
	  PARAMS_FS("UdfExceptionFilter"), 0, NULL, 0 },
	/* docs: bug-check-0x9c--machine-check-exception.md */
	{ 0x9C, "The processor reported an uncorrectable hardware error (legacy machine check).",
	  { P(VALUE, "processor-dependent (bank number or MSR)"),
	    P(ADDRESS, "the MCA_EXCEPTION structure, on most processors"),
	    P(VALUE, "processor-dependent (MSR high part)"),
	    P(VALUE, "processor-dependent (MSR low part)") },
	  0, NULL, 0 },
	/* docs: bug-check-0x9f--driver-power-state-failure.md */
	{ 0x9F, "A driver left a power request unfinished or inconsistent.",
	  { P(SUBCODE, "kind of failure"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0x9f) },
	/* docs: bug-check-0xa0--internal-power-error.md */
	{ 0xA0, "The power policy manager hit a fatal error.",
	  { P(SUBCODE, "kind of failure"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  0, NULL, 0 },
	/* docs: bug-check-0xbe--attempted-write-to-readonly-memory.md */
	{ 0xBE, "A driver wrote to memory that is mapped read-only.",
	  { P(ADDRESS, "address written"), P(VALUE, "PTE contents"), R, R }, 0, NULL, 0 },
	/* docs: bug-check-0xc1--special-pool-detected-memory-corruption.md */
	{ 0xC1, "Special pool caught a driver writing outside its allocation or freeing a bad "
	        "address.",
	  { P(POOL_ADDRESS, "address the driver freed"), P(VALUE, "depends on parameter 4"),
	    P(VALUE, "depends on parameter 4"), P(SUBCODE, "kind of violation") },
	  4, SUBS(sub_0xc1) },
	/* docs: bug-check-0xc2--bad-pool-caller.md */
	{ 0xC2, "A thread made a pool request that is not allowed (bad IRQL, double free, bad tag, "
	        "...).",
	  { P(SUBCODE, "kind of violation"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0xc2) },
	/* docs: bug-check-0xc4--driver-verifier-detected-violation.md */
	{ 0xC4, "Driver Verifier caught a driver breaking a rule.",
	  { P(SUBCODE, "verifier rule that was broken"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  0, NULL, 0 },
	/* docs: bug-check-0xc5--driver-corrupted-expool.md */
	{ 0xC5, "Kernel code touched bad memory at too high an IRQL, typically because the pool "
	        "is damaged.",
	  { P(ADDRESS, "address referenced"), P(IRQL, "IRQL at the time"),
	    PA(RW, "kind of access"), P(CODE_ADDRESS, "instruction that made the reference") },
	  0, NULL, 0 },
	/* docs: bug-check-0xc7--timer-or-dpc-invalid.md */
	{ 0xC7, "A kernel timer or DPC still queued was found in memory being freed or unloaded.",
	  { P(SUBCODE, "what was found"), P(ADDRESS, "depends on parameter 1"),
	    P(ADDRESS, "start of the range being checked"), P(ADDRESS, "end of the range") },
	  1, SUBS(sub_0xc7) },
	/* docs: bug-check-0xce--driver-unloaded-without-cancelling-pending-operations.md */
	{ 0xCE, "A driver unloaded without cancelling its timers, DPCs or threads, and one of "
	        "them ran.",
	  PARAMS_DRIVER_FAULT, 0, NULL, 0 },
	/* docs: bug-check-0xd1--driver-irql-not-less-or-equal.md */
	{ 0xD1, "A driver touched pageable or invalid memory while running at too high an IRQL.",
	  { P(ADDRESS, "address referenced"), P(IRQL, "IRQL at the time"),
	    PA(D1, "kind of access"), P(CODE_ADDRESS, "instruction that made the reference") },
	  0, NULL, 0 },
	/* docs: bug-check-0xd5--driver-page-fault-in-freed-special-pool.md */
	{ 0xD5, "A driver used special pool memory it had already freed.",
	  PARAMS_DRIVER_FAULT, 0, NULL, 0 },
	/* docs: bug-check-0xd6--driver-page-fault-beyond-end-of-allocation.md */
	{ 0xD6, "A driver read or wrote past the end of its special pool allocation.",
	  PARAMS_DRIVER_FAULT, 0, NULL, 0 },
	/* docs: bug-check-0xd8--driver-used-excessive-ptes.md */
	{ 0xD8, "A driver used up the system page table entries.",
	  { P(ADDRESS, "name of the driver (UNICODE_STRING), or 0"),
	    P(VALUE, "PTEs the driver uses"), P(VALUE, "free system PTEs"),
	    P(VALUE, "total system PTEs") },
	  0, NULL, 0 },
	/* docs: bug-check-0xe2--manually-initiated-crash.md */
	{ 0xE2, "Someone crashed the machine on purpose (keyboard or debugger request).",
	  { R, R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0xea--thread-stuck-in-device-driver.md */
	{ 0xEA, "A thread spun forever in a display driver waiting for the hardware.",
	  PARAMS_0xEA, 0, NULL, 0 },
	/* docs: bug-check-0xed--unmountable-boot-volume.md */
	{ 0xED, "The file system could not mount the boot volume.",
	  { P(ADDRESS, "device object of the boot volume"),
	    P(STATUS, "why the mount failed"), R, R },
	  0, NULL, 0 },
	/* docs: bug-check-0xef--critical-process-died.md */
	{ 0xEF, "A process (or a thread of it) that Windows cannot run without ended.",
	  { P(ADDRESS, "the process object"), P(SUBCODE, "0 the process ended, 1 a thread ended"),
	    R, R },
	  2, SUBS(sub_0xef) },
	/* docs: bug-check-0xf4--critical-object-termination.md */
	{ 0xF4, "A process or thread that the system depends on ended unexpectedly.",
	  { P(SUBCODE, "kind of object: 3 process, 6 thread"),
	    P(ADDRESS, "the object that ended"), P(ADDRESS, "image file name of the process"),
	    P(ADDRESS, "ASCII message explaining the stop") },
	  1, SUBS(sub_0xf4) },
	/* docs: bug-check-0xf7--driver-overran-stack-buffer.md */
	{ 0xF7, "A driver overran a stack buffer: the /GS security cookie was overwritten.",
	  { P(VALUE, "cookie found on the stack"), P(VALUE, "cookie expected"),
	    P(VALUE, "bit complement of the expected cookie"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0xfc---attempted-execute-of-noexecute-memory.md */
	{ 0xFC, "Code tried to execute from memory marked no-execute.",
	  { P(CODE_ADDRESS, "address whose execution was attempted"), P(VALUE, "PTE contents"),
	    R, R },
	  0, NULL, 0 },
	/* docs: bug-check-0xfe--bugcode-usb-driver.md */
	{ 0xFE, "The USB stack found a fatal error, usually a client driver's misuse.",
	  { P(SUBCODE, "kind of error"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0xfe) },
	/* docs: bug-check-0x101---clock-watchdog-timeout.md */
	{ 0x101, "A processor stopped answering clock interrupts for too long.",
	  { P(VALUE, "time-out in clock ticks"), R,
	    P(ADDRESS, "processor control block (PRCB) of the hung processor"),
	    P(VALUE, "index of the hung processor") },
	  0, NULL, 0 },
	/* docs: bug-check-0x108--third-party-file-system-failure.md */
	{ 0x108, "A third-party file system driver hit a problem it could not recover from.",
	  { P(VALUE, "which file system (1: Polyserve)"),
	    P(EXCEPTION_RECORD, "the exception record"), P(CONTEXT, "the context record"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x109---critical-structure-corruption.md */
	{ 0x109, "Kernel patch protection found critical kernel code or data modified.",
	  { R, R, R, P(SUBCODE, "kind of region that was modified") }, 4, SUBS(sub_0x109) },
	/* docs: bug-check-0x10d---wdf-violation.md */
	{ 0x10D, "The Kernel-Mode Driver Framework found a driver breaking its rules.",
	  { P(SUBCODE, "kind of violation"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x116---video-tdr-failure.md */
	{ 0x116, "The display driver did not recover after the GPU stopped responding.",
	  { P(ADDRESS, "TDR recovery context, when available"),
	    P(CODE_ADDRESS, "address inside the display driver at fault"),
	    P(STATUS, "last failed operation's status, when available"),
	    P(VALUE, "internal detail, when available") },
	  0, NULL, 0 },
	/* docs: bug-check-0x117---video-tdr-timeout-detected.md */
	{ 0x117, "The GPU stopped responding and the display driver was reset (live dump).",
	  { P(ADDRESS, "TDR recovery context, when available"),
	    P(CODE_ADDRESS, "address inside the display driver at fault"),
	    P(VALUE, "driver-specific bucketing key"), P(VALUE, "internal detail, when available") },
	  0, NULL, 0 },
	/* docs: bug-check-0x119---video-scheduler-internal-error.md */
	{ 0x119, "The GPU scheduler caught the display driver misbehaving.",
	  { P(SUBCODE, "kind of violation"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0x119) },
	/* docs: bug-check-0x124---whea-uncorrectable-error.md */
	{ 0x124, "The hardware reported an error it could not correct (WHEA).",
	  { P(SUBCODE, "kind of error source"), P(ADDRESS, "the WHEA_ERROR_RECORD (use !errrec)"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0x124) },
	/* docs: bug-check-0x12b---faulty-hardware-corrupted-page.md */
	{ 0x12B, "A bit error was found in physical memory (a page expected to be zero, or a "
	         "compressed page).",
	  { P(VALUE, "depends on the scenario (address or page)"),
	    P(VALUE, "depends on the scenario"), P(VALUE, "0, or store detail"),
	    P(VALUE, "0, or store detail") },
	  0, NULL, 0 },
	/* docs: bug-check-0x12c---exfat-file-system.md */
	{ 0x12C, "The exFAT file system driver hit a problem it could not recover from.",
	  PARAMS_FS("FppExceptionFilter"), 0, NULL, 0 },
	/* docs: bug-check-0x133-dpc-watchdog-violation.md */
	{ 0x133, "A processor spent too long at DISPATCH_LEVEL or above (one DPC, or in total).",
	  { P(SUBCODE, "which watchdog fired"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  1, SUBS(sub_0x133) },
	/* docs: bug-check-0x135--registry-filter-driver-exception.md */
	{ 0x135, "A registry filter driver's callback raised an exception it did not handle.",
	  { P(STATUS, "the exception code"), P(CONTEXT, "context record of the exception"),
	    P(CODE_ADDRESS, "the driver's callback routine"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x139--kernel-security-check-failure.md */
	{ 0x139, "A kernel integrity check failed (fast fail): a buffer overrun, a damaged list "
	         "entry, or similar.",
	  { P(FAST_FAIL, "kind of check that failed (FAST_FAIL_* code)"),
	    P(TRAP_FRAME, "trap frame of the failure (use with .trap)"),
	    P(EXCEPTION_RECORD, "exception record of the failure (use with .exr)"), R },
	  0, NULL, 0 },
	/* docs: bug-check-0x13a--kernel-mode-heap-corruption.md */
	{ 0x13A, "The kernel-mode heap found itself damaged.",
	  { P(SUBCODE, "kind of damage"), P(ADDRESS, "the heap that reported it"),
	    P(ADDRESS, "where the damage was found"), R },
	  1, SUBS(sub_0x13a) },
	/* docs: bug-check-0x141---video-engine-timeout-detected.md */
	{ 0x141, "A GPU engine stopped responding and was reset (live dump).",
	  { P(ADDRESS, "TDR recovery context, optional"),
	    P(CODE_ADDRESS, "address inside the display driver at fault"),
	    P(VALUE, "driver-specific bucketing key"), P(VALUE, "internal detail, optional") },
	  0, NULL, 0 },
	/* docs: bug-check-0x144--bugcode-usb3-driver.md */
	{ 0x144, "The USB 3 stack found a fatal error, usually a client driver's misuse.",
	  { P(SUBCODE, "kind of error"), P(VALUE, "depends on parameter 1"),
	    P(VALUE, "depends on parameter 1"), P(VALUE, "depends on parameter 1") },
	  0, NULL, 0 },
	/* docs: bug-check-0x149--refs-file-system.md */
	{ 0x149, "The ReFS file system driver hit a problem it could not recover from.",
	  { P(VALUE, "source line in the driver"), P(EXCEPTION_RECORD, "the exception record"),
	    P(CONTEXT, "the context record"), P(CODE_ADDRESS, "the exception address") },
	  0, NULL, 0 },
	/* docs: bug-check-0x154--unexpected-store-exception.md */
	{ 0x154, "The memory store component (compression) raised an unexpected exception.",
	  { P(ADDRESS, "store context or data manager"), P(VALUE, "exception information"), R, R },
	  0, NULL, 0 },
	/* docs: bug-check-0x161--live-system-dump.md */
	{ 0x161, "Not a crash: a live kernel dump was taken on request (e.g. from Task Manager).",
	  { P(VALUE, "who asked (0x005461736b6d6772 spells 'Taskmgr')"), R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0x18b--secure-kernel-error.md */
	{ 0x18B, "The secure kernel (VBS) hit a fatal error.", { R, R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0x1c8--manually-initiated-power-button-hold.md */
	{ 0x1C8, "The user held the power button and the system was set to dump before the hard "
	         "reset.",
	  { R, R, R, R }, 0, NULL, 0 },
	/* docs: bug-check-0x1ca--synthetic-watchdog-timeout.md */
	{ 0x1CA, "A virtual machine's synthetic watchdog was not reset in time.",
	  { P(VALUE, "time since the watchdog was last reset (interrupt time)"),
	    P(VALUE, "current interrupt time"), P(VALUE, "current QPC time stamp"),
	    P(VALUE, "index of the clock processor") },
	  0, NULL, 0 },
	/* docs: bug-check-0x1d3--wfp-invalid-operation.md */
	{ 0x1D3, "A Windows Filtering Platform callout driver did something not allowed.",
	  { P(SUBCODE, "kind of violation"), R, R, R }, 1, SUBS(sub_0x1d3) },
	/* docs: bug-check-0x50--page-fault-in-nonpaged-area.md (_M variant) */
	{ 0x10000050, "Kernel code referenced memory that is not valid (variant of 0x50).",
	  PARAMS_0x50, 4, SUBS(sub_0x50) },
	/* docs: bug-check-0x7e--system-thread-exception-not-handled.md (_M variant) */
	{ 0x1000007E, "A system thread raised an exception that no handler took (variant of 0x7E).",
	  PARAMS_0x7E, 0, NULL, 0 },
	/* docs: bug-check-0x7f--unexpected-kernel-mode-trap.md (_M variant) */
	{ 0x1000007F, "The processor raised a kernel-mode trap the kernel could not handle "
	              "(variant of 0x7F).",
	  PARAMS_0x7F, 1, SUBS(sub_0x7f) },
	/* docs: bug-check-0x8e--kernel-mode-exception-not-handled.md (_M variant) */
	{ 0x1000008E, "An exception raised in kernel mode was not handled (variant of 0x8E).",
	  PARAMS_0x8E, 0, NULL, 0 },
	/* docs: bug-check-0xd6--driver-page-fault-beyond-end-of-allocation.md (_M variant) */
	{ 0x100000D6, "A driver read or wrote past the end of its special pool allocation "
	              "(variant of 0xD6).",
	  PARAMS_DRIVER_FAULT, 0, NULL, 0 },
	/* docs: bug-check-0xea--thread-stuck-in-device-driver.md (_M variant) */
	{ 0x100000EA, "A thread spun forever in a display driver (variant of 0xEA).",
	  PARAMS_0xEA, 0, NULL, 0 },
	/* docs: bug-check-0xc000021a--winlogin-fatal-error.md */
	{ 0xC000021A, "A critical user-mode process (Winlogon or CSRSS) failed, so Windows "
	              "stopped.",
	  { P(ADDRESS, "string naming the failure"), P(STATUS, "the error status"), R, R },
	  0, NULL, 0 },
	/* docs: bug-check-0xdeaddead--manually-initiated-crash1.md */
	{ 0xDEADDEAD, "Someone crashed the machine on purpose (manual crash).",
	  { R, R, R, R }, 0, NULL, 0 },
};

#define K_EXPLAIN_COUNT (sizeof k_explain / sizeof k_explain[0])

const dk_bugcheck_explanation *dk_bugcheck_explain(uint32_t code)
{
	size_t lo = 0, hi = K_EXPLAIN_COUNT;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k_explain[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < K_EXPLAIN_COUNT && k_explain[lo].code == code ? &k_explain[lo] : NULL;
}

const dk_bugcheck_explanation *dk_bugcheck_explain_table(size_t *count)
{
	if (count)
		*count = K_EXPLAIN_COUNT;
	return k_explain;
}

const dk_bugcheck_subcode *dk_bugcheck_subcode_of(const dk_bugcheck_explanation *e,
                                                  const uint64_t params[4])
{
	if (!e || !params || e->subcode_param < 1 || e->subcode_param > 4)
		return NULL;
	uint64_t v = params[e->subcode_param - 1];
	for (size_t i = 0; i < e->nsubcodes; i++)
		if (e->subcodes[i].value == v)
			return &e->subcodes[i];
	return NULL;
}

dk_bugcheck_param dk_bugcheck_param_of(const dk_bugcheck_explanation *e, const uint64_t params[4],
                                       unsigned i)
{
	dk_bugcheck_param none = { DK_BCP_VALUE, DK_ACC_NONE, NULL };
	if (!e || i > 3)
		return none;
	const dk_bugcheck_subcode *s = dk_bugcheck_subcode_of(e, params);
	if (s && i != e->subcode_param - 1 && s->params[i].desc)
		return s->params[i];
	return e->params[i];
}

const char *dk_bcparam_kind_name(dk_bcparam_kind k)
{
	static const char *const names[DK_BCP_KIND_COUNT] = {
		[DK_BCP_VALUE] = "value",
		[DK_BCP_RESERVED] = "reserved",
		[DK_BCP_ADDRESS] = "address",
		[DK_BCP_CODE_ADDRESS] = "code_address",
		[DK_BCP_STATUS] = "status",
		[DK_BCP_IRQL] = "irql",
		[DK_BCP_ACCESS] = "access",
		[DK_BCP_EXCEPTION_RECORD] = "exception_record",
		[DK_BCP_CONTEXT] = "context",
		[DK_BCP_TRAP_FRAME] = "trap_frame",
		[DK_BCP_EXCEPTION_POINTERS] = "exception_pointers",
		[DK_BCP_POOL_ADDRESS] = "pool_address",
		[DK_BCP_PFN] = "pfn",
		[DK_BCP_SUBCODE] = "subcode",
		[DK_BCP_FAST_FAIL] = "fast_fail",
	};
	return (unsigned)k < DK_BCP_KIND_COUNT ? names[k] : "value";
}

const char *dk_irql_name(uint64_t q)
{
	switch (q) {
	case 0: return "PASSIVE_LEVEL";
	case 1: return "APC_LEVEL";
	case 2: return "DISPATCH_LEVEL";
	case 13: return "CLOCK_LEVEL (x64)";
	case 14: return "IPI_LEVEL / POWER_LEVEL (x64)";
	case 15: return "HIGH_LEVEL (x64)";
	case 27: return "PROFILE_LEVEL (x86)";
	case 28: return "CLOCK_LEVEL (x86)";
	case 29: return "IPI_LEVEL (x86)";
	case 30: return "POWER_LEVEL (x86)";
	case 31: return "HIGH_LEVEL (x86)";
	default: return q >= 3 && q <= 12 ? "device IRQL (DIRQL)" : NULL;
	}
}

static const char *access_words(dk_access_encoding enc, uint64_t v, const uint64_t p[4])
{
	switch (enc) {
	case DK_ACC_RW:
		return v == 0 ? "read" : v == 1 ? "write" : NULL;
	case DK_ACC_EXCEPTION:
		/* only an access violation or in-page error defines [0] so */
		if ((uint32_t)p[0] != 0xC0000005u && (uint32_t)p[0] != 0xC0000006u)
			return NULL;
		return v == 0 ? "read" : v == 1 ? "write" : v == 8 ? "execute (DEP)" : NULL;
	case DK_ACC_BITS:
		if (v & ~(uint64_t)9)
			return NULL;
		return v == 0 ? "read" : v == 1 ? "write" : v == 8 ? "execute" : "write and execute";
	case DK_ACC_D1:
		return v == 0 ? "read" : v == 1 ? "write" : (v == 2 || v == 8) ? "execute" : NULL;
	case DK_ACC_PF:
		return v == 0 ? "read"
		       : v == 2 ? "write"
		       : v == 0x10 ? "execute"
		       : v == 1 ? "write (ARM, or before Windows 10)"
		       : v == 8 ? "execute (ARM)"
		       : NULL;
	case DK_ACC_NONE:
	default:
		return NULL;
	}
}

char *dk_bugcheck_param_meaning(const dk_bugcheck_explanation *e, const uint64_t params[4],
                                unsigned i, char *buf, size_t bufsize)
{
	if (!buf || bufsize == 0)
		return buf;
	buf[0] = 0;
	if (!e || !params || i > 3)
		return buf;
	dk_bugcheck_param p = dk_bugcheck_param_of(e, params, i);
	uint64_t v = params[i];
	const char *s = NULL;
	switch (p.kind) {
	case DK_BCP_STATUS:
		/* NTSTATUS name first (STATUS_ACCESS_VIOLATION), else winnt.h's */
		if (v <= UINT32_MAX && ((s = dk_ntstatus_name((uint32_t)v)) ||
		                        (s = dk_exception_code_name((uint32_t)v))))
			snprintf(buf, bufsize, "%s", s);
		break;
	case DK_BCP_IRQL:
		if ((s = dk_irql_name(v)))
			snprintf(buf, bufsize, "%s", s);
		break;
	case DK_BCP_ACCESS:
		if ((s = access_words(p.access, v, params)))
			snprintf(buf, bufsize, "%s", s);
		break;
	case DK_BCP_FAST_FAIL:
		if ((s = dk_fast_fail_name(v)))
			snprintf(buf, bufsize, "%s", s);
		break;
	case DK_BCP_SUBCODE:
		if (e->subcode_param == i + 1) {
			const dk_bugcheck_subcode *sc = dk_bugcheck_subcode_of(e, params);
			if (sc)
				snprintf(buf, bufsize, "%s", sc->summary);
		}
		break;
	case DK_BCP_PFN:
		if (v < (UINT64_MAX >> 12))
			snprintf(buf, bufsize, "physical address 0x%" PRIx64, v << 12);
		break;
	case DK_BCP_EXCEPTION_RECORD:
	case DK_BCP_CONTEXT:
	case DK_BCP_TRAP_FRAME:
	case DK_BCP_EXCEPTION_POINTERS:
		if (v == 0)
			snprintf(buf, bufsize, "not available");
		break;
	default:
		break;
	}
	return buf;
}
