/*
 * kgen - generator of synthetic Windows kernel memory images for dmpkit
 * tests: page tables (x86 2-level, PAE, x64 4-level), a KDBG (plain or
 * encoded), ntoskrnl and driver PE images with export directories (and
 * .pdata on x64), PsLoadedModuleList, processes with their own address
 * spaces, PEB loader lists, threads, KPCR/KPRCB per processor, and paging
 * corner cases.  Output: a full crash dump (DumpType 1) or a raw image.
 *
 * INDEPENDENT implementation: it includes nothing from dmpkit's include/
 * or lib/.  Tests compare the library's results with what kgen wrote and
 * printed with --print-layout.  C17 + POSIX only.  See KGEN.md.
 *
 * Sources of the structure offsets (cited per field below):
 *   [T1] /work/shared/docs/data/tables_offsets.md (= analysis.md §2.6,
 *        from Volatility 2 vtypes @328a178); column names are given as
 *        win2003_sp2_x86 / win7_sp1_x86 / win7_sp1_x64 / win10_x64_19041.
 *   [KD] /work/shared/docs/data/kdbg_offsets.txt and
 *        kernel-dump-format.md §3 (KDDEBUGGER_DATA64 layout, sizes, encoding).
 *   [HD] kernel-dump-format.md §1 (DUMP_HEADER32/64, runs).
 *   [PG] analysis.md §3 (paging modes, self-map, software PTEs).
 *   [V2] Volatility 2 vtypes, same commit family as [T1], for the few
 *        fields the tables lack: KTHREAD.Priority, KLDR_DATA_TABLE_ENTRY
 *        on 19041, LDR CheckSum.  Noted where used.
 *   [PE] the PE/COFF format (winnt.h layouts: IMAGE_DOS_HEADER,
 *        IMAGE_NT_HEADERS32/64, IMAGE_EXPORT_DIRECTORY, RUNTIME_FUNCTION,
 *        UNWIND_INFO, IMAGE_DEBUG_DIRECTORY/RSDS).
 */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096u

/* ------------------------------------------------------------------ */
/* utilities                                                           */

static char *g_tmp;

_Noreturn static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("kgen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (g_tmp)
        unlink(g_tmp);
    exit(2);
}

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s ? s : 1);
    if (!p)
        die("out of memory");
    return p;
}

static uint64_t alignup(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

static void put16(uint8_t *p, uint64_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* --print-layout: "key value" lines, kept until the file is written */
typedef struct {
    char key[64];
    char val[96];
} kv_t;
static kv_t *g_kv;
static size_t g_nkv, g_ckv;

static kv_t *kv_new(void)
{
    if (g_nkv == g_ckv) {
        g_ckv = g_ckv ? g_ckv * 2 : 512;
        g_kv = realloc(g_kv, g_ckv * sizeof *g_kv);
        if (!g_kv)
            die("out of memory");
    }
    return &g_kv[g_nkv++];
}
static void layx(uint64_t v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void layx(uint64_t v, const char *fmt, ...)
{
    kv_t *k = kv_new();
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->key, sizeof k->key, fmt, ap);
    va_end(ap);
    snprintf(k->val, sizeof k->val, "0x%" PRIx64, v);
}
static void lays(const char *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lays(const char *s, const char *fmt, ...)
{
    kv_t *k = kv_new();
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->key, sizeof k->key, fmt, ap);
    va_end(ap);
    snprintf(k->val, sizeof k->val, "%s", s);
}

/* ------------------------------------------------------------------ */
/* profiles                                                            */

enum paging { PG_X86, PG_PAE, PG_X64 };

typedef struct {
    const char *name;
    enum paging paging;
    int x64;
    unsigned build;
    unsigned osmaj, osmin;
    const char *buildlab;
    uint32_t kdbg_size; /* [KD] Header.Size per OS */
    /* virtual layout (kgen's choice, shaped like the real OS) */
    uint64_t nt_base, drv_base, pool_base, stack_base, large_va, corner_va, huge_va;
    uint64_t pcr0_va; /* 0: in pool */
    uint64_t exe_base, ntdll_base, peb_va, peb_step, teb_top, ustack_top, uheap;
    unsigned selfmap; /* self-map index: PDE (x86), PML4E (x64); PAE fixed */
    /* EPROCESS/KPROCESS [T1 "EPROCESS / KPROCESS"] */
    unsigned ep_size, ep_dtb, ep_kthreads, ep_pid, ep_links, ep_objtable, ep_ppid, ep_name,
        ep_threads, ep_peb, ep_ctime, ep_secbase;
    /* KTHREAD/ETHREAD [T1 "KTHREAD / ETHREAD"]; Priority [V2] */
    unsigned kt_size, kt_istack, kt_slimit, kt_sbase, kt_kstack, kt_state, kt_teb, kt_apcproc,
        kt_process, kt_tle, kt_wreason, kt_prio;
    unsigned et_size, et_cid, et_start, et_w32start, et_tle;
    /* LDR/PEB/TEB/HANDLE_TABLE [T1 "LDR / PEB / TEB / HANDLE_TABLE"] */
    unsigned ldr_size, ldr_inmem, ldr_ininit, ldr_base, ldr_entry, ldr_sizeimg, ldr_full,
        ldr_bname, ldr_csum, ldr_tds;
    unsigned kldr_size, kldr_tds; /* kernel list entry: [V2] differs on 19041 */
    unsigned pld_size, pld_load, pld_mem, pld_init, peb_imgbase, peb_ldr;
    unsigned teb_sbase, teb_slimit, teb_self, teb_cid, teb_peb, teb_size;
    unsigned ht_count; /* 0 = no HandleCount field */
    /* KPCR/KPRCB [T1 "KPCR / KPRCB"] */
    unsigned pcr_size, pcr_self, pcr_curprcb, pcr_prcb, prcb_size, prcb_cur, prcb_next,
        prcb_idle, prcb_number, prcb_ctxframe, prcb_context;
    unsigned ctx_size; /* [T1 "CONTEXT"] sizeof */
    unsigned kpstate_size;
} profile_t;

static const profile_t g_profiles[] = {
    {
        .name = "w2003_x86", .paging = PG_X86, .x64 = 0, .build = 3790, .osmaj = 5, .osmin = 2,
        .buildlab = "3790.srv03_sp2_rtm.070216-1710", .kdbg_size = 0x318,
        .nt_base = 0x80800000, .drv_base = 0xF7400000, .pool_base = 0x89000000,
        .stack_base = 0xF8A00000, .large_va = 0x81000000, .corner_va = 0x8C000000,
        .huge_va = 0, .pcr0_va = 0xFFDFF000, /* analysis.md §2.6: CPU0 PCR fixed VA on NT4-2003 */
        .exe_base = 0x48580000, .ntdll_base = 0x7C800000, .peb_va = 0x7FFDF000, .peb_step = 0,
        .teb_top = 0x7FFDE000, .ustack_top = 0x00800000, .uheap = 0x00140000, .selfmap = 0x300,
        /* [T1] column win2003_sp2_x86 */
        .ep_size = 0x278, .ep_dtb = 0x18, .ep_kthreads = 0x50, .ep_pid = 0x94, .ep_links = 0x98,
        .ep_objtable = 0xd4, .ep_ppid = 0x138, .ep_name = 0x164, .ep_threads = 0x180,
        .ep_peb = 0x1a0, .ep_ctime = 0x80, .ep_secbase = 0x128,
        .kt_size = 0x1b8, .kt_istack = 0x18, .kt_slimit = 0x1c, .kt_sbase = 0x158,
        .kt_kstack = 0x20, .kt_state = 0x4c, .kt_teb = 0x74, .kt_apcproc = 0x38,
        .kt_process = 0x128, .kt_tle = 0x1a8, .kt_wreason = 0x5a, .kt_prio = 0x5b /* [V2] */,
        .et_size = 0x250, .et_cid = 0x1e4, .et_start = 0x21c, .et_w32start = 0x220,
        .et_tle = 0x224,
        .ldr_size = 0x50, .ldr_inmem = 0x8, .ldr_ininit = 0x10, .ldr_base = 0x18,
        .ldr_entry = 0x1c, .ldr_sizeimg = 0x20, .ldr_full = 0x24, .ldr_bname = 0x2c,
        .ldr_csum = 0x40 /* [V2] */, .ldr_tds = 0x44, .kldr_size = 0x50, .kldr_tds = 0x44,
        .pld_size = 0x28, .pld_load = 0xc, .pld_mem = 0x14, .pld_init = 0x1c,
        .peb_imgbase = 0x8, .peb_ldr = 0xc,
        .teb_sbase = 0x4, .teb_slimit = 0x8, .teb_self = 0x18, .teb_cid = 0x20, .teb_peb = 0x30,
        .teb_size = 0x1000, .ht_count = 0x3c,
        .pcr_size = 0xfe0, .pcr_self = 0x1c, .pcr_curprcb = 0x20, .pcr_prcb = 0x120,
        .prcb_size = 0xec0, .prcb_cur = 0x4, .prcb_next = 0x8, .prcb_idle = 0xc,
        .prcb_number = 0x10, .prcb_ctxframe = 0x1c, .prcb_context = 0,
        .ctx_size = 0x2cc, .kpstate_size = 0x320,
    },
    {
        .name = "w7_x86_pae", .paging = PG_PAE, .x64 = 0, .build = 7601, .osmaj = 6, .osmin = 1,
        .buildlab = "7601.17514.x86fre.win7sp1_rtm.101119-1850", .kdbg_size = 0x340,
        .nt_base = 0x82A00000, .drv_base = 0x8B000000, .pool_base = 0x84C00000,
        .stack_base = 0x8D000000, .large_va = 0x83000000, .corner_va = 0x8E000000,
        .huge_va = 0, .pcr0_va = 0,
        .exe_base = 0x00A10000, .ntdll_base = 0x77A80000, .peb_va = 0x7FFDF000, .peb_step = 0,
        .teb_top = 0x7FFDE000, .ustack_top = 0x00800000, .uheap = 0x00140000, .selfmap = 0,
        /* [T1] column win7_sp1_x86 */
        .ep_size = 0x2c0, .ep_dtb = 0x18, .ep_kthreads = 0x2c, .ep_pid = 0xb4, .ep_links = 0xb8,
        .ep_objtable = 0xf4, .ep_ppid = 0x140, .ep_name = 0x16c, .ep_threads = 0x188,
        .ep_peb = 0x1a8, .ep_ctime = 0xa0, .ep_secbase = 0x12c,
        .kt_size = 0x200, .kt_istack = 0x28, .kt_slimit = 0x2c, .kt_sbase = 0x190,
        .kt_kstack = 0x30, .kt_state = 0x68, .kt_teb = 0x88, .kt_apcproc = 0x50,
        .kt_process = 0x150, .kt_tle = 0x1e0, .kt_wreason = 0x187, .kt_prio = 0x57 /* [V2] */,
        .et_size = 0x2b8, .et_cid = 0x22c, .et_start = 0x218, .et_w32start = 0x260,
        .et_tle = 0x268,
        .ldr_size = 0x78, .ldr_inmem = 0x8, .ldr_ininit = 0x10, .ldr_base = 0x18,
        .ldr_entry = 0x1c, .ldr_sizeimg = 0x20, .ldr_full = 0x24, .ldr_bname = 0x2c,
        .ldr_csum = 0x40 /* [V2] */, .ldr_tds = 0x44, .kldr_size = 0x78, .kldr_tds = 0x44,
        .pld_size = 0x30, .pld_load = 0xc, .pld_mem = 0x14, .pld_init = 0x1c,
        .peb_imgbase = 0x8, .peb_ldr = 0xc,
        .teb_sbase = 0x4, .teb_slimit = 0x8, .teb_self = 0x18, .teb_cid = 0x20, .teb_peb = 0x30,
        .teb_size = 0x1000, .ht_count = 0x30,
        .pcr_size = 0x3748, .pcr_self = 0x1c, .pcr_curprcb = 0x20, .pcr_prcb = 0x120,
        .prcb_size = 0x3628, .prcb_cur = 0x4, .prcb_next = 0x8, .prcb_idle = 0xc,
        .prcb_number = 0x3cc, .prcb_ctxframe = 0x18, .prcb_context = 0x3618,
        .ctx_size = 0x2cc, .kpstate_size = 0x320,
    },
    {
        .name = "w7_x64", .paging = PG_X64, .x64 = 1, .build = 7601, .osmaj = 6, .osmin = 1,
        .buildlab = "7601.17514.amd64fre.win7sp1_rtm.101119-1850", .kdbg_size = 0x340,
        .nt_base = 0xFFFFF80002A00000ull, .drv_base = 0xFFFFF88000C00000ull,
        .pool_base = 0xFFFFFA8000C00000ull, .stack_base = 0xFFFFF88002000000ull,
        .large_va = 0xFFFFF80003000000ull, .corner_va = 0xFFFFF88004000000ull,
        .huge_va = 0xFFFFF90000000000ull, .pcr0_va = 0,
        .exe_base = 0x00000000FF6A0000ull, .ntdll_base = 0x0000000077A50000ull,
        .peb_va = 0x000007FFFFFDF000ull, .peb_step = 0, .teb_top = 0x000007FFFFFDD000ull,
        .ustack_top = 0x0000000000800000ull, .uheap = 0x0000000000140000ull, .selfmap = 0x1ED,
        /* [T1] column win7_sp1_x64 */
        .ep_size = 0x4d0, .ep_dtb = 0x28, .ep_kthreads = 0x30, .ep_pid = 0x180,
        .ep_links = 0x188, .ep_objtable = 0x200, .ep_ppid = 0x290, .ep_name = 0x2e0,
        .ep_threads = 0x308, .ep_peb = 0x338, .ep_ctime = 0x168, .ep_secbase = 0x270,
        .kt_size = 0x360, .kt_istack = 0x28, .kt_slimit = 0x30, .kt_sbase = 0x278,
        .kt_kstack = 0x38, .kt_state = 0x164, .kt_teb = 0xb8, .kt_apcproc = 0x70,
        .kt_process = 0x210, .kt_tle = 0x2f8, .kt_wreason = 0x26b, .kt_prio = 0x7b /* [V2] */,
        .et_size = 0x498, .et_cid = 0x3b0, .et_start = 0x388, .et_w32start = 0x410,
        .et_tle = 0x420,
        .ldr_size = 0xe0, .ldr_inmem = 0x10, .ldr_ininit = 0x20, .ldr_base = 0x30,
        .ldr_entry = 0x38, .ldr_sizeimg = 0x40, .ldr_full = 0x48, .ldr_bname = 0x58,
        .ldr_csum = 0x78 /* [V2] */, .ldr_tds = 0x80, .kldr_size = 0xe0, .kldr_tds = 0x80,
        .pld_size = 0x58, .pld_load = 0x10, .pld_mem = 0x20, .pld_init = 0x30,
        .peb_imgbase = 0x10, .peb_ldr = 0x18,
        .teb_sbase = 0x8, .teb_slimit = 0x10, .teb_self = 0x30, .teb_cid = 0x40, .teb_peb = 0x60,
        .teb_size = 0x2000, .ht_count = 0x58,
        .pcr_size = 0x4e80, .pcr_self = 0x18, .pcr_curprcb = 0x20, .pcr_prcb = 0x180,
        .prcb_size = 0x4d00, .prcb_cur = 0x8, .prcb_next = 0x10, .prcb_idle = 0x18,
        .prcb_number = 0x24, .prcb_ctxframe = 0x120, .prcb_context = 0x4bd8,
        .ctx_size = 0x4d0, .kpstate_size = 0x5b0,
    },
    {
        .name = "w10_x64", .paging = PG_X64, .x64 = 1, .build = 19041, .osmaj = 10, .osmin = 0,
        .buildlab = "19041.1.amd64fre.vb_release.191206-1406", .kdbg_size = 0x380,
        .nt_base = 0xFFFFF80512A00000ull, .drv_base = 0xFFFFF80514000000ull,
        .pool_base = 0xFFFFB30D40000000ull, .stack_base = 0xFFFFF50A12000000ull,
        .large_va = 0xFFFFF80516000000ull, .corner_va = 0xFFFFB30D60000000ull,
        .huge_va = 0xFFFFC00000000000ull, .pcr0_va = 0,
        .exe_base = 0x00007FF6A1B20000ull, .ntdll_base = 0x00007FFB3C5A0000ull,
        .peb_va = 0x000000A1B2C41000ull, .peb_step = 0x100000, .teb_top = 0x000000A1B2C3F000ull,
        .ustack_top = 0x000000A1B0800000ull, .uheap = 0x000001E2F0000000ull, .selfmap = 0x1A3,
        /* [T1] column win10_x64_19041 */
        .ep_size = 0xa40, .ep_dtb = 0x28, .ep_kthreads = 0x30, .ep_pid = 0x440,
        .ep_links = 0x448, .ep_objtable = 0x570, .ep_ppid = 0x540, .ep_name = 0x5a8,
        .ep_threads = 0x5e0, .ep_peb = 0x550, .ep_ctime = 0x468, .ep_secbase = 0x520,
        .kt_size = 0x430, .kt_istack = 0x28, .kt_slimit = 0x30, .kt_sbase = 0x38,
        .kt_kstack = 0x58, .kt_state = 0x184, .kt_teb = 0xf0, .kt_apcproc = 0xb8,
        .kt_process = 0x220, .kt_tle = 0x2f8, .kt_wreason = 0x283, .kt_prio = 0xc3 /* [V2] */,
        .et_size = 0x898, .et_cid = 0x478, .et_start = 0x450, .et_w32start = 0x4d0,
        .et_tle = 0x4e8,
        .ldr_size = 0x120, .ldr_inmem = 0x10, .ldr_ininit = 0x20, .ldr_base = 0x30,
        .ldr_entry = 0x38, .ldr_sizeimg = 0x40, .ldr_full = 0x48, .ldr_bname = 0x58,
        .ldr_csum = 0x78 /* [V2] */, .ldr_tds = 0x80,
        .kldr_size = 0xa0, .kldr_tds = 0x9c, /* [V2] _KLDR_DATA_TABLE_ENTRY 19041 */
        .pld_size = 0x58, .pld_load = 0x10, .pld_mem = 0x20, .pld_init = 0x30,
        .peb_imgbase = 0x10, .peb_ldr = 0x18,
        .teb_sbase = 0x8, .teb_slimit = 0x10, .teb_self = 0x30, .teb_cid = 0x40, .teb_peb = 0x60,
        .teb_size = 0x2000, .ht_count = 0,
        .pcr_size = 0xb080, .pcr_self = 0x18, .pcr_curprcb = 0x20, .pcr_prcb = 0x180,
        .prcb_size = 0xaf00, .prcb_cur = 0x8, .prcb_next = 0x10, .prcb_idle = 0x18,
        .prcb_number = 0x24, .prcb_ctxframe = 0x1f0, .prcb_context = 0x85c0,
        .ctx_size = 0x4d0, .kpstate_size = 0x5c0,
    },
};

static const profile_t *P;
static unsigned PS; /* pointer size */

/* ------------------------------------------------------------------ */
/* physical memory                                                     */

static uint8_t *g_pm;
static uint64_t g_npages;     /* PFNs 0 .. g_npages-1 */
static uint8_t *g_used;       /* per PFN */
static uint64_t g_next_pfn = 1;
#define HOLE_FIRST 0xA00u     /* PFNs [0xA00, 0xA10) are absent from the dump */
#define HOLE_PAGES 0x10u
#define LARGE_PFN 0x400u      /* the large page's physical start (4 MiB) */
static uint64_t g_large_pages; /* 0x400 (4 MiB) on x86, 0x200 (2 MiB) otherwise */

static uint64_t alloc_pfn(void)
{
    while (g_next_pfn < g_npages) {
        uint64_t p = g_next_pfn++;
        if (p >= LARGE_PFN && p < LARGE_PFN + g_large_pages)
            continue;
        if (p >= HOLE_FIRST && p < HOLE_FIRST + HOLE_PAGES)
            continue;
        if (g_used[p])
            continue;
        g_used[p] = 1;
        return p;
    }
    die("physical memory exhausted (lower --processes/--threads-per-process)");
}
static uint64_t alloc_pa(void) { return alloc_pfn() * PG; }

static void tag_page(uint64_t pa)
{
    uint8_t *p = g_pm + pa;
    uint64_t pfn = pa / PG;
    for (unsigned i = 16; i < PG; i++)
        p[i] = (uint8_t)(pfn * 131 + i);
    memcpy(p, "KGENPAGE", 8);
    put64(p + 8, pa);
}

static void pm_check(uint64_t pa, uint64_t len)
{
    if (pa > g_npages * PG || len > g_npages * PG - pa)
        die("internal: physical write out of range 0x%" PRIx64, pa);
}
static uint64_t ent_rd(uint64_t pa)
{
    pm_check(pa, 8);
    return P->paging == PG_X86 ? get32(g_pm + pa) : get64(g_pm + pa);
}
static void ent_wr(uint64_t pa, uint64_t v)
{
    pm_check(pa, 8);
    if (P->paging == PG_X86)
        put32(g_pm + pa, v);
    else
        put64(g_pm + pa, v);
}

/* ------------------------------------------------------------------ */
/* page tables [PG]                                                    */

typedef struct {
    uint64_t dtb;    /* as stored in KPROCESS.DirectoryTableBase / CR3 */
    uint64_t pd[4];  /* PAE: the four page directories */
} space_t;

static unsigned nlevels(void) { return P->paging == PG_X86 ? 2 : P->paging == PG_PAE ? 3 : 4; }
static unsigned lvl_shift(unsigned l) /* l = 0 top */
{
    static const unsigned x86[] = {22, 12}, pae[] = {30, 21, 12}, x64[] = {39, 30, 21, 12};
    return P->paging == PG_X86 ? x86[l] : P->paging == PG_PAE ? pae[l] : x64[l];
}
static unsigned lvl_index(uint64_t va, unsigned l)
{
    unsigned bits = P->paging == PG_X86 ? 10 : (P->paging == PG_PAE && l == 0) ? 2 : 9;
    return (unsigned)((va >> lvl_shift(l)) & ((1u << bits) - 1));
}
static unsigned esz(void) { return P->paging == PG_X86 ? 4 : 8; }
static uint64_t pfn_mask(void) { return P->paging == PG_X86 ? 0xFFFFF000ull : 0x000FFFFFFFFFF000ull; }
static uint64_t top_pa(const space_t *s) { return P->paging == PG_PAE ? (s->dtb & ~0x1Full) : (s->dtb & ~0xFFFull); }
static int is_user(uint64_t va) { return P->x64 ? va < 0x800000000000ull : va < 0x80000000ull; }

/* PA of the entry at level `want` for va; intermediate tables created */
static uint64_t entry_pa(const space_t *s, uint64_t va, unsigned want)
{
    uint64_t table = top_pa(s);
    for (unsigned l = 0;; l++) {
        uint64_t epa = table + (uint64_t)lvl_index(va, l) * esz();
        if (l == want)
            return epa;
        uint64_t e = ent_rd(epa);
        if (!(e & 1)) {
            uint64_t t = alloc_pa();
            if (P->paging == PG_PAE && l == 0)
                e = t | 1; /* PAE PDPTE: only P is allowed */
            else
                e = t | (is_user(va) ? 0x67 : 0x63);
            ent_wr(epa, e);
        }
        if (e & 0x80)
            die("internal: large page in the way at 0x%" PRIx64, va);
        table = e & pfn_mask();
    }
}
static void set_leaf(const space_t *s, uint64_t va, uint64_t raw) { ent_wr(entry_pa(s, va, nlevels() - 1), raw); }

static uint64_t nx_bit(void) { return P->paging == PG_X86 ? 0 : 0x8000000000000000ull; }

static void map4k(const space_t *s, uint64_t va, uint64_t pa, int code)
{
    uint64_t f = is_user(va) ? 0x67 : (P->x64 ? 0x163 : 0x63);
    if (!code)
        f |= nx_bit();
    set_leaf(s, va, pa | f);
}

/* translation of what kgen itself mapped (valid 4K / large only) */
static uint64_t xlate(const space_t *s, uint64_t va, uint64_t *psize)
{
    uint64_t table = top_pa(s);
    unsigned n = nlevels();
    for (unsigned l = 0; l < n; l++) {
        uint64_t e = ent_rd(table + (uint64_t)lvl_index(va, l) * esz());
        if (!(e & 1))
            return UINT64_MAX;
        if (l == n - 1 || ((e & 0x80) && !(P->paging == PG_PAE && l == 0))) {
            uint64_t size = 1ull << lvl_shift(l);
            if (psize)
                *psize = size;
            uint64_t base = (e & pfn_mask()) & ~(size - 1);
            return base + (va & (size - 1));
        }
        table = e & pfn_mask();
    }
    return UINT64_MAX;
}

static void vwrite(const space_t *s, uint64_t va, const void *src, uint64_t len)
{
    const uint8_t *p = src;
    while (len) {
        uint64_t pa = xlate(s, va, NULL);
        if (pa == UINT64_MAX)
            die("internal: write to unmapped VA 0x%" PRIx64, va);
        uint64_t n = PG - (va & (PG - 1));
        if (n > len)
            n = len;
        pm_check(pa, n);
        memcpy(g_pm + pa, p, n);
        p += n, va += n, len -= n;
    }
}
static void vw8(const space_t *s, uint64_t va, uint64_t v) { uint8_t b = (uint8_t)v; vwrite(s, va, &b, 1); }
static void vw16(const space_t *s, uint64_t va, uint64_t v) { uint8_t b[2]; put16(b, v); vwrite(s, va, b, 2); }
static void vw32(const space_t *s, uint64_t va, uint64_t v) { uint8_t b[4]; put32(b, v); vwrite(s, va, b, 4); }
static void vw64(const space_t *s, uint64_t va, uint64_t v) { uint8_t b[8]; put64(b, v); vwrite(s, va, b, 8); }
static void vwp(const space_t *s, uint64_t va, uint64_t v) { if (PS == 8) vw64(s, va, v); else vw32(s, va, v); }

static void map_range(const space_t *s, uint64_t va, uint64_t size, int code)
{
    for (uint64_t o = 0; o < size; o += PG)
        map4k(s, va + o, alloc_pa(), code);
}

/* ------------------------------------------------------------------ */
/* address spaces                                                      */

static space_t g_sys;
static uint64_t g_pdpt_page, g_pdpt_used; /* PAE: PDPTs share pages, 32-byte slots */

static void space_init(space_t *s)
{
    memset(s, 0, sizeof *s);
    if (P->paging == PG_PAE) {
        /* [PG]: the PAE DTB is a 32-byte aligned PDPT, often not page aligned */
        if (!g_pdpt_page || g_pdpt_used >= PG / 0x20) {
            g_pdpt_page = alloc_pa();
            g_pdpt_used = 3; /* first slot at +0x60 */
        }
        s->dtb = g_pdpt_page + 0x20 * g_pdpt_used++;
        for (unsigned i = 0; i < 4; i++) {
            s->pd[i] = alloc_pa();
            ent_wr(s->dtb + 8 * i, s->pd[i] | 1);
        }
        /* self-map: PTE_BASE 0xC0000000, PDs at 0xC0600000 -> PD3[0..3] */
        for (unsigned i = 0; i < 4; i++)
            ent_wr(s->pd[3] + 8 * i, s->pd[i] | 0x63 | nx_bit());
    } else {
        s->dtb = alloc_pa();
        if (P->paging == PG_X86)
            ent_wr(s->dtb + 4 * P->selfmap, s->dtb | 0x63); /* PDE 0x300 self-ref */
        else
            ent_wr(s->dtb + 8 * P->selfmap, s->dtb | 0x63 | nx_bit());
    }
}

/* copy the kernel half of System's tables into s (done last) */
static void space_share_kernel(space_t *s)
{
    if (P->paging == PG_X86) {
        for (unsigned i = 0x200; i < 0x400; i++)
            if (i != P->selfmap)
                ent_wr(s->dtb + 4 * i, ent_rd(g_sys.dtb + 4 * i));
    } else if (P->paging == PG_PAE) {
        for (unsigned i = 0; i < 512; i++) {
            ent_wr(s->pd[2] + 8 * i, ent_rd(g_sys.pd[2] + 8 * i));
            if (i >= 4)
                ent_wr(s->pd[3] + 8 * i, ent_rd(g_sys.pd[3] + 8 * i));
        }
    } else {
        for (unsigned i = 256; i < 512; i++)
            if (i != P->selfmap)
                ent_wr(s->dtb + 8 * i, ent_rd(g_sys.dtb + 8 * i));
    }
}

/* bump allocators over mapped VA */
typedef struct {
    const space_t *s;
    uint64_t cur, mapped_end;
} heap_t;

static uint64_t halloc(heap_t *h, uint64_t size, uint64_t align)
{
    uint64_t va = alignup(h->cur, align);
    while (h->mapped_end < va + size) {
        map4k(h->s, h->mapped_end, alloc_pa(), 0);
        h->mapped_end += PG;
    }
    h->cur = va + size;
    return va;
}

static heap_t g_pool;

/* UNICODE_STRING {Length, MaximumLength, Buffer} at va (in space s) */
static void w_ustr(const space_t *s, uint64_t va, uint64_t buf, size_t chars)
{
    vw16(s, va, 2 * chars);
    vw16(s, va + 2, 2 * chars + 2);
    vwp(s, va + (PS == 8 ? 8 : 4), buf);
}
static uint64_t put_wstr(heap_t *h, const char *str)
{
    size_t n = strlen(str);
    uint64_t va = halloc(h, 2 * n + 2, 8);
    for (size_t i = 0; i <= n; i++)
        vw16(h->s, va + 2 * i, (uint8_t)str[i]);
    return va;
}
/* LIST_ENTRY helpers */
static void le_init(const space_t *s, uint64_t head) { vwp(s, head, head); vwp(s, head + PS, head); }
static uint64_t rdp(const space_t *s, uint64_t va)
{
    uint64_t pa = xlate(s, va, NULL);
    if (pa == UINT64_MAX)
        die("internal: read of unmapped 0x%" PRIx64, va);
    return PS == 8 ? get64(g_pm + pa) : get32(g_pm + pa);
}
static void le_append(const space_t *s, uint64_t head, uint64_t entry)
{
    uint64_t last = rdp(s, head + PS);
    vwp(s, entry, head);
    vwp(s, entry + PS, last);
    vwp(s, last, entry);
    vwp(s, head + PS, entry);
}

/* ------------------------------------------------------------------ */
/* PE images [PE]                                                      */

typedef struct {
    const char *name;
    int data;      /* data export: rva given */
    uint32_t rva;  /* filled for code */
} exp_t;

typedef struct {
    char name[32], path[96];
    uint64_t base, size, entry;
    uint32_t tds, csum;
    uint64_t ldr;   /* its loader entry */
    int user;
} mod_t;

#define MAXEXP 16
typedef struct {
    const char *mod;
    const char *name;
    uint64_t addr;
    int data, user;
} gexp_t;
static gexp_t g_exps[256];
static unsigned g_nexp;

#define TEXT_RVA 0x1000u
static unsigned g_modk;

/* layout: headers | .text (text_pages) | .rdata | .pdata (x64) | .data (data_pages) */
static void build_pe(const space_t *s, mod_t *m, exp_t *ex, unsigned nex, int dll, int nt,
                     unsigned text_pages, unsigned data_pages, uint32_t *data_rva_out)
{
    uint32_t rdata = TEXT_RVA + text_pages * PG;
    uint32_t pdata = rdata + PG;
    uint32_t data = pdata + (P->x64 ? PG : 0);
    uint32_t size = data + data_pages * PG;
    unsigned k = g_modk++;
    uint8_t *img = xcalloc(1, size);

    if (data_rva_out)
        *data_rva_out = data;
    m->size = size;
    m->tds = 0x4CE7951Au + k * 0x01010101u;
    m->csum = 0x00050000u + k * 0x1357u;
    m->entry = m->base + TEXT_RVA; /* first function */

    /* code: each export slot is 0x40 bytes; an image without code exports
       still gets one (unexported) function at its entry point */
    exp_t entry_fn = {"(entry)", 0, 0};
    int synth = 1;
    for (unsigned i = 0; i < nex; i++)
        if (!ex[i].data)
            synth = 0;
    unsigned nfun = nex + (unsigned)synth;
    exp_t *fx = xcalloc(nfun, sizeof *fx);
    for (unsigned i = 0; i < nex; i++)
        fx[i] = ex[i];
    if (synth)
        fx[nex] = entry_fn;
    unsigned nf = 0;
    for (unsigned i = 0; i < nfun; i++) {
        if (fx[i].data)
            continue;
        uint32_t rva = TEXT_RVA + 0x40 * nf++;
        uint8_t *c = img + rva;
        fx[i].rva = rva;
        if (i < nex)
            ex[i].rva = rva;
        memset(c, 0xCC, 0x40);
        if (P->x64) {
            static const uint8_t f64[] = {0x48, 0x83, 0xEC, 0x28, 0x48, 0x8B, 0xC1, 0x90,
                                          0x90, 0x90, 0x90, 0x48, 0x83, 0xC4, 0x28, 0xC3};
            memcpy(c, f64, sizeof f64);
        } else {
            static const uint8_t f32[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x8B, 0x45, 0x08,
                                          0x90, 0x90, 0x5D, 0xC2, 0x04, 0x00};
            memcpy(c, f32, sizeof f32);
        }
    }
    (void)nt;

    /* DOS + NT headers */
    img[0] = 'M', img[1] = 'Z';
    put16(img + 0x02, 0x90);
    put32(img + 0x3C, 0x80);
    memcpy(img + 0x40, "This program cannot be run in DOS mode.\r\r\n$", 44);
    uint8_t *nth = img + 0x80;
    memcpy(nth, "PE\0\0", 4);
    uint8_t *fh = nth + 4;
    unsigned nsec = P->x64 ? 4 : 3;
    put16(fh + 0, P->x64 ? 0x8664 : 0x14C);
    put16(fh + 2, nsec);
    put32(fh + 4, m->tds);
    put16(fh + 16, P->x64 ? 0xF0 : 0xE0);
    put16(fh + 18, (P->x64 ? 0x0022 : 0x0102) | (dll ? 0x2000 : 0));
    uint8_t *oh = fh + 20;
    put16(oh + 0, P->x64 ? 0x20B : 0x10B);
    oh[2] = 9;
    put32(oh + 4, text_pages * PG);                 /* SizeOfCode */
    put32(oh + 8, (data_pages + 1) * PG);           /* SizeOfInitializedData */
    put32(oh + 16, (uint32_t)(m->entry - m->base)); /* AddressOfEntryPoint */
    put32(oh + 20, TEXT_RVA);                       /* BaseOfCode */
    unsigned o;
    if (P->x64) {
        put64(oh + 24, m->base);
        o = 32;
    } else {
        put32(oh + 24, rdata); /* BaseOfData */
        put32(oh + 28, (uint32_t)m->base);
        o = 32;
    }
    put32(oh + o, PG);          /* SectionAlignment */
    put32(oh + o + 4, 0x200);   /* FileAlignment */
    put16(oh + o + 8, P->osmaj);
    put16(oh + o + 10, P->osmin);
    put16(oh + o + 12, P->osmaj);
    put16(oh + o + 14, P->osmin);
    put16(oh + o + 16, P->osmaj);
    put16(oh + o + 18, P->osmin);
    put32(oh + o + 24, size);   /* SizeOfImage */
    put32(oh + o + 28, 0x400);  /* SizeOfHeaders */
    put32(oh + o + 32, m->csum);
    put16(oh + o + 36, m->user ? 3 : 1); /* Subsystem: console / native */
    put16(oh + o + 38, 0x0140);
    unsigned dd;
    if (P->x64) {
        put64(oh + 72, 0x40000);
        put64(oh + 80, 0x1000);
        put64(oh + 88, 0x100000);
        put64(oh + 96, 0x1000);
        put32(oh + 108, 16);
        dd = 112;
    } else {
        put32(oh + 72, 0x40000);
        put32(oh + 76, 0x1000);
        put32(oh + 80, 0x100000);
        put32(oh + 84, 0x1000);
        put32(oh + 92, 16);
        dd = 96;
    }
    /* section table */
    uint8_t *sh = oh + (P->x64 ? 0xF0 : 0xE0);
    struct {
        const char *n;
        uint32_t rva, vs, ch;
    } secs[4] = {
        {".text", TEXT_RVA, text_pages * PG, 0x60000020},
        {".rdata", rdata, PG, 0x40000040},
        {".pdata", pdata, PG, 0x40000040},
        {".data", data, data_pages * PG, 0xC0000040},
    };
    unsigned si = 0;
    uint32_t fptr = 0x400;
    for (unsigned i = 0; i < 4; i++) {
        if (i == 2 && !P->x64)
            continue;
        uint8_t *e = sh + 40 * si++;
        memcpy(e, secs[i].n, strlen(secs[i].n));
        put32(e + 8, secs[i].vs);
        put32(e + 12, secs[i].rva);
        put32(e + 16, secs[i].vs);
        put32(e + 20, fptr);
        put32(e + 36, secs[i].ch);
        fptr += secs[i].vs;
    }

    /* export directory at .rdata+0 */
    uint8_t *ed = img + rdata;
    uint32_t p = rdata + 0x28;
    uint32_t eat = p, ent = eat + 4 * nex, eot = ent + 4 * nex, strs = eot + 2 * nex;
    uint32_t sp = alignup(strs, 4);
    uint32_t name_rva = sp;
    memcpy(img + sp, m->name, strlen(m->name) + 1);
    sp += (uint32_t)strlen(m->name) + 1;
    put32(ed + 4, m->tds);
    put32(ed + 12, name_rva);
    put32(ed + 16, 1);
    put32(ed + 20, nex);
    put32(ed + 24, nex);
    put32(ed + 28, eat);
    put32(ed + 32, ent);
    put32(ed + 36, eot);
    /* names sorted (loaders binary-search them) */
    unsigned ord[MAXEXP];
    for (unsigned i = 0; i < nex; i++)
        ord[i] = i;
    for (unsigned i = 1; i < nex; i++)
        for (unsigned j = i; j > 0 && strcmp(ex[ord[j - 1]].name, ex[ord[j]].name) > 0; j--) {
            unsigned t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (unsigned i = 0; i < nex; i++) {
        put32(img + eat + 4 * i, ex[i].rva);
        unsigned e = ord[i];
        put32(img + ent + 4 * i, sp);
        put16(img + eot + 2 * i, e);
        memcpy(img + sp, ex[e].name, strlen(ex[e].name) + 1);
        sp += (uint32_t)strlen(ex[e].name) + 1;
    }
    if (sp > rdata + 0x800)
        die("internal: export names overflow");
    put32(oh + dd + 0, rdata);
    put32(oh + dd + 4, sp - rdata);

    /* debug directory + CodeView RSDS at .rdata+0xC00 */
    uint32_t dbg = rdata + 0xC00, cv = dbg + 0x20;
    put32(img + dbg + 4, m->tds);
    put32(img + dbg + 12, 2); /* IMAGE_DEBUG_TYPE_CODEVIEW */
    char pdb[40];
    if (nt)
        snprintf(pdb, sizeof pdb, "ntkrnlmp.pdb");
    else {
        snprintf(pdb, sizeof pdb, "%s", m->name);
        char *dot = strrchr(pdb, '.');
        if (dot)
            snprintf(dot, sizeof pdb - (size_t)(dot - pdb), ".pdb");
    }
    uint32_t cvlen = 24 + (uint32_t)strlen(pdb) + 1;
    put32(img + dbg + 16, cvlen);
    put32(img + dbg + 20, cv);
    put32(img + dbg + 24, cv);
    memcpy(img + cv, "RSDS", 4);
    for (unsigned i = 0; i < 16; i++)
        img[cv + 4 + i] = (uint8_t)(0x10 * k + i * 7 + 1);
    put32(img + cv + 20, 1);
    memcpy(img + cv + 24, pdb, strlen(pdb) + 1);
    put32(oh + dd + 6 * 8, dbg);
    put32(oh + dd + 6 * 8 + 4, 0x1C);

    /* x64: .pdata RUNTIME_FUNCTION + UNWIND_INFO (.rdata+0x800) */
    if (P->x64) {
        static const uint8_t uw[8] = {0x01, 0x04, 0x01, 0x00, 0x04, 0x42, 0x00, 0x00};
        /* v1, prolog 4, 1 code, no frame reg; code: @4 UWOP_ALLOC_SMALL 0x28 */
        uint32_t uwi = rdata + 0x800;
        memcpy(img + uwi, uw, 8);
        unsigned n = 0;
        for (unsigned i = 0; i < nfun; i++) {
            if (fx[i].data)
                continue;
            put32(img + pdata + 12 * n, fx[i].rva);
            put32(img + pdata + 12 * n + 4, fx[i].rva + 16);
            put32(img + pdata + 12 * n + 8, uwi);
            n++;
        }
        put32(oh + dd + 3 * 8, pdata);
        put32(oh + dd + 3 * 8 + 4, 12 * n);
    }

    /* map and copy */
    for (uint32_t o2 = 0; o2 < size; o2 += PG) {
        int code = o2 >= TEXT_RVA && o2 < rdata;
        map4k(s, m->base + o2, alloc_pa(), code);
    }
    vwrite(s, m->base, img, size);
    free(img);
    free(fx);

    for (unsigned i = 0; i < nex; i++) {
        if (g_nexp >= sizeof g_exps / sizeof g_exps[0])
            die("too many exports");
        g_exps[g_nexp].mod = m->name;
        g_exps[g_nexp].name = ex[i].name;
        g_exps[g_nexp].addr = m->base + ex[i].rva;
        g_exps[g_nexp].data = ex[i].data;
        g_exps[g_nexp].user = m->user;
        g_nexp++;
    }
}

static uint64_t exp_addr(const char *mod, const char *name)
{
    for (unsigned i = 0; i < g_nexp; i++)
        if (!strcmp(g_exps[i].mod, mod) && !strcmp(g_exps[i].name, name))
            return g_exps[i].addr;
    die("internal: no export %s!%s", mod, name);
}

/* loader entry (kernel KLDR or user LDR); list heads given */
static uint64_t make_ldr(heap_t *h, mod_t *m, int kernel)
{
    const space_t *s = h->s;
    unsigned size = kernel ? P->kldr_size : P->ldr_size;
    uint64_t e = halloc(h, size, 16);
    uint64_t full = put_wstr(h, m->path);
    size_t fl = strlen(m->path), bl = strlen(m->name);
    vwp(s, e + P->ldr_base, m->base);
    vwp(s, e + P->ldr_entry, m->entry);
    vw32(s, e + P->ldr_sizeimg, m->size);
    w_ustr(s, e + P->ldr_full, full, fl);
    w_ustr(s, e + P->ldr_bname, full + 2 * (fl - bl), bl);
    vw32(s, e + P->ldr_csum, m->csum);
    vw32(s, e + (kernel ? P->kldr_tds : P->ldr_tds), m->tds);
    /* Flags (x86 0x34 / x64 0x68) and LoadCount: [V2] KLDR/LDR */
    vw32(s, e + (PS == 8 ? 0x68 : 0x34), kernel ? 0x49104000u : 0x000C4004u);
    vw16(s, e + (PS == 8 ? 0x6c : 0x38), 1);
    m->ldr = e;
    return e;
}

/* ------------------------------------------------------------------ */
/* options                                                             */

typedef struct {
    const char *out;
    int raw, encoded, layout, force;
    unsigned procs, tpp, mods, cpus;
    unsigned pad_mib; /* extra zero memory above the image, written sparse */
    int story;        /* STORY_* (KGEN.md "Stories") */
} opts_t;

/* dispatcher and service-scan are variants of service: the same crash,
 * found through ntdll!KiUserExceptionDispatcher's frame, or with the user
 * trap frame away from the InitialStack - sizeof(KTRAP_FRAME) slot */
enum { STORY_NONE, STORY_FILTER, STORY_TRAP, STORY_SERVICE, STORY_DISPATCHER, STORY_SERVICE_SCAN };
static const char *const g_story_names[] = {"none",    "filter",     "trap",
                                            "service", "dispatcher", "service-scan"};
#define IS_SERVICE(st) ((st) == STORY_SERVICE || (st) == STORY_DISPATCHER || (st) == STORY_SERVICE_SCAN)
#define STORY_FAULT_OFF 9          /* MyDrvInner+9: F6 47 1D 08 */
#define STORY_K32_BASE 0x77E40000u /* kernel32.dll on Windows Server 2003 */

static void usage(FILE *f)
{
    fputs("usage: kgen OUTPUT --profile NAME [--format dmp|raw] [--encoded-kdbg]\n"
          "            [--processes N] [--threads-per-process N] [--modules N] [--cpus N]\n"
          "            [--pad-mib N] [--story filter|trap|service|dispatcher|service-scan] [--print-layout] [--force]\n"
          "--story writes the stack contents of a crash story (w2003_x86 only, KGEN.md)\n"
          "--pad-mib N adds N MiB of zero physical memory (a third run, sparse in the\n"
          "file) above the populated pages, for multi-GiB benchmarks\n"
          "profiles: w2003_x86 (x86, 2-level, build 3790), w7_x86_pae (PAE, 7601),\n"
          "          w7_x64 (7601), w10_x64 (19041)\n",
          f);
}

static unsigned num_arg(const char *opt, const char *v, unsigned lo, unsigned hi)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 0);
    if (errno || !*v || *end || x < lo || x > hi)
        die("%s: expected a number in %u..%u, got '%s'", opt, lo, hi, v);
    return (unsigned)x;
}

static void parse(opts_t *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->procs = 4, o->tpp = 2, o->mods = 4, o->cpus = 2;
    const char *prof = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (die("%s needs a value", a), ""))
        if (!strcmp(a, "--profile"))
            prof = NEXT();
        else if (!strcmp(a, "--format")) {
            const char *v = NEXT();
            if (!strcmp(v, "raw"))
                o->raw = 1;
            else if (strcmp(v, "dmp"))
                die("--format: dmp or raw");
        } else if (!strcmp(a, "--encoded-kdbg"))
            o->encoded = 1;
        else if (!strcmp(a, "--processes"))
            o->procs = num_arg(a, NEXT(), 1, 64);
        else if (!strcmp(a, "--threads-per-process"))
            o->tpp = num_arg(a, NEXT(), 1, 16);
        else if (!strcmp(a, "--modules"))
            o->mods = num_arg(a, NEXT(), 1, 32);
        else if (!strcmp(a, "--cpus"))
            o->cpus = num_arg(a, NEXT(), 1, 32);
        else if (!strcmp(a, "--pad-mib"))
            o->pad_mib = num_arg(a, NEXT(), 0, 1u << 20);
        else if (!strcmp(a, "--story")) {
            const char *v = NEXT();
            o->story = !strcmp(v, "filter") ? STORY_FILTER : !strcmp(v, "trap") ? STORY_TRAP
                       : !strcmp(v, "service") ? STORY_SERVICE
                       : !strcmp(v, "dispatcher") ? STORY_DISPATCHER
                       : !strcmp(v, "service-scan") ? STORY_SERVICE_SCAN : -1;
            if (o->story < 0)
                die("--story: filter, trap, service, dispatcher or service-scan");
        } else if (!strcmp(a, "--print-layout"))
            o->layout = 1;
        else if (!strcmp(a, "--force"))
            o->force = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (a[0] == '-' && a[1])
            die("unknown option '%s'", a);
        else if (!o->out)
            o->out = a;
        else
            die("more than one OUTPUT");
#undef NEXT
    }
    if (!o->out || !prof) {
        usage(stderr);
        exit(2);
    }
    for (size_t i = 0; i < sizeof g_profiles / sizeof g_profiles[0]; i++)
        if (!strcmp(g_profiles[i].name, prof))
            P = &g_profiles[i];
    if (!P)
        die("unknown profile '%s'", prof);
    if (o->encoded && !P->x64)
        die("--encoded-kdbg needs an x64 profile");
    if (o->cpus > o->procs * o->tpp)
        die("--cpus must not exceed the number of threads");
    PS = P->x64 ? 8 : 4;
    if (o->story && strcmp(P->name, "w2003_x86"))
        die("--story needs the w2003_x86 profile");
    if ((o->story == STORY_FILTER || o->story == STORY_TRAP) && o->mods < 3)
        die("--story %s needs --modules 3 or more (mydrv.sys)", g_story_names[o->story]);
    if (IS_SERVICE(o->story) && o->procs < 2)
        die("--story %s needs --processes 2 or more", g_story_names[o->story]);
}

/* ------------------------------------------------------------------ */
/* the image                                                           */

typedef struct {
    uint64_t eproc, pid, ppid, peb, objtable, ctime, handles;
    char name[24];
    space_t sp;
    heap_t uheap;
    mod_t exe, ntdll, k32; /* k32: kernel32.dll, --story service's svc.exe only */
    int svc;
    unsigned nthreads;
} proc_t;

typedef struct {
    uint64_t ethread, tid, teb, start, w32start, sbase, slimit, istack, kstack, ustack_base,
        ustack_limit;
    unsigned proc, state, wreason, prio;
} thr_t;

typedef struct {
    uint64_t pcr, prcb, cur, ctx, pc, sp;
} cpu_t;

typedef struct {
    const char *what;
    uint64_t va, dtb, pa, size, pf_num, pf_off, proto;
    const char *state;
} xl_t;

static proc_t *g_procs;
static thr_t *g_thr;
static unsigned g_nthr;
static cpu_t *g_cpu;
static mod_t *g_mods;
static xl_t g_xl[32];
static unsigned g_nxl;

static void add_xl(const char *what, uint64_t va, const space_t *s, const char *state, uint64_t pa,
                   uint64_t size)
{
    xl_t *x = &g_xl[g_nxl++];
    memset(x, 0, sizeof *x);
    x->what = what, x->va = va, x->dtb = s->dtb, x->state = state, x->pa = pa, x->size = size;
}
static void add_valid(const char *what, uint64_t va, const space_t *s)
{
    uint64_t size = 0, pa = xlate(s, va, &size);
    if (pa == UINT64_MAX)
        die("internal: %s not mapped", what);
    add_xl(what, va, s, size > PG ? "large" : "valid", pa, size);
}

/* sign extension of 32-bit kernel pointers in KDBG [KD §2.2] */
static uint64_t kx(uint64_t v) { return P->x64 ? v : (uint64_t)(int64_t)(int32_t)(uint32_t)v; }

static const char *const g_pnames[] = {"System", "smss.exe", "csrss.exe", "wininit.exe",
                                       "services.exe", "lsass.exe", "svchost.exe",
                                       "explorer.exe"};


/* ------------------------------------------------------------------ */
/* crash stories (--story, KGEN.md "Stories"): the stack contents that   */
/* issue 5's two user stories leave behind, x86 NT 5.2 layouts          */

#define STORY_MAXF 8
static struct {
    int kind;
    uint64_t exc_addr, code, record, context, pointers, trap;
    uint64_t eip, esp, ebp, edi;
    char insn_bytes[32];
    char frames[STORY_MAXF][96]; /* the walk from the recovered context */
    unsigned nframes;
    char cpu0[STORY_MAXF][96];   /* the first frames of CPU 0's walk */
    unsigned ncpu0;
    /* service */
    uint64_t pid, tid, ethread, status, uef_frame, dispatcher_esp;
    const char *process;
} g_story;

static void wcall(const space_t *s, uint64_t at, uint64_t target)
{
    uint8_t b[5] = {0xE8};
    put32(b + 1, (uint32_t)(target - (at + 5)));
    vwrite(s, at, b, 5);
}

static void sframe(char *buf, const char *mod, const char *fn, uint64_t off)
{
    snprintf(buf, 96, "%s!%s+0x%llx", mod, fn, (unsigned long long)off);
}

/* an x86 CONTEXT (0x2CC, [T1 "CONTEXT"]) */
static void ctx86(uint8_t *c, uint32_t flags, uint64_t eip, uint64_t esp, uint64_t ebp, uint64_t eax,
                  uint64_t esi, uint64_t edi, int user)
{
    memset(c, 0, 0x2CC);
    put32(c + 0x00, flags);
    put32(c + 0x8C, user ? 0 : 0);
    put32(c + 0x90, user ? 0x3B : 0x30);
    put32(c + 0x94, 0x23);
    put32(c + 0x98, 0x23);
    put32(c + 0x9C, edi);
    put32(c + 0xA0, esi);
    put32(c + 0xB0, eax);
    put32(c + 0xB4, ebp);
    put32(c + 0xB8, eip);
    put32(c + 0xBC, user ? 0x1B : 0x08);
    put32(c + 0xC0, user ? 0x246 : 0x10246);
    put32(c + 0xC4, esp);
    put32(c + 0xC8, user ? 0x23 : 0x10);
}

#define STORY_DEVOBJ 0x89A3C0E8u /* the DEVICE_OBJECT MyDrvDispatch got (never read) */

/* filter and trap: mydrv!MyDrvDispatch -> MyDrvOuter -> MyDrvInner, which
 * faults on `test byte ptr [edi+1Dh],8` with edi = 0 (analysis.md §1.1).
 * Returns CPU 0's pc/sp/ebp: nt!KeBugCheckEx after its prologue. */
static void story_kernel(int story, uint64_t *cpc, uint64_t *csp, uint64_t *cebp)
{
    const space_t *S = &g_sys;
    uint64_t inner = exp_addr("mydrv.sys", "MyDrvInner"), outer = exp_addr("mydrv.sys", "MyDrvOuter"),
             disp = exp_addr("mydrv.sys", "MyDrvDispatch"), kbe = exp_addr("ntoskrnl.exe", "KeBugCheckEx");
    /* mov edi,edi; push ebp; mov ebp,esp; push edi; mov edi,[ebp+8];
       test byte ptr [edi+1Dh],8; je +2; xor eax,eax; pop edi; pop ebp; ret 4 */
    static const uint8_t ci[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x57, 0x8B, 0x7D, 0x08, 0xF6, 0x47,
                                 0x1D, 0x08, 0x74, 0x02, 0x33, 0xC0, 0x5F, 0x5D, 0xC2, 0x04, 0x00};
    /* ...; push [ebp+8] / [ebp+0Ch]; call; pop ebp; ret */
    static const uint8_t co[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0xFF, 0x75, 0x08, 0xE8, 0, 0, 0, 0,
                                 0x5D, 0xC2, 0x04, 0x00};
    static const uint8_t cd[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0xFF, 0x75, 0x0C, 0xE8, 0, 0, 0, 0,
                                 0x5D, 0xC2, 0x08, 0x00};
    vwrite(S, inner, ci, sizeof ci);
    vwrite(S, outer, co, sizeof co);
    wcall(S, outer + 8, inner);
    vwrite(S, disp, cd, sizeof cd);
    wcall(S, disp + 8, outer);
    uint64_t fault = inner + STORY_FAULT_OFF;
    snprintf(g_story.insn_bytes, sizeof g_story.insn_bytes, "f6471d08");

    /* the driver's frames, at the top of CPU 0's thread's kernel stack */
    thr_t *t = &g_thr[0];
    uint64_t T = t->istack - 0x20;
    uint64_t d = T - 0x40, ob = d - 0xC, ib = ob - 0xC;
    vw32(S, d, 0);               /* end of the EBP chain */
    vw32(S, d + 4, 0);
    vw32(S, d + 8, STORY_DEVOBJ);
    vw32(S, d + 0xC, 0);         /* the NULL that travels down */
    vw32(S, d - 4, 0);           /* MyDrvOuter's argument */
    vw32(S, d - 8, disp + 13);
    vw32(S, ob, d);
    vw32(S, ob - 4, 0);          /* MyDrvInner's argument */
    vw32(S, ob - 8, outer + 13);
    vw32(S, ib, ob);
    vw32(S, ib - 4, 1);          /* MyDrvInner's saved edi */
    g_story.exc_addr = fault;
    g_story.code = 0xC0000005u;
    g_story.eip = fault;
    g_story.esp = ib - 4;
    g_story.ebp = ib;
    g_story.edi = 0;
    sframe(g_story.frames[0], "mydrv", "MyDrvInner", STORY_FAULT_OFF);
    sframe(g_story.frames[1], "mydrv", "MyDrvOuter", 13);
    sframe(g_story.frames[2], "mydrv", "MyDrvDispatch", 13);
    g_story.nframes = 3;

    uint64_t kb;
    if (story == STORY_FILTER) {
        uint64_t psp = exp_addr("ntoskrnl.exe", "PspUnhandledExceptionInSystemThread"),
                 sts = exp_addr("ntoskrnl.exe", "PspSystemThreadStartup");
        /* mov eax,[ebp+8]; mov ecx,[eax]; push [ecx+18h]; push [ecx+14h];
           push [ecx+0Ch]; push [ecx]; push 1Eh; call KeBugCheckEx */
        static const uint8_t cp[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x8B, 0x45, 0x08, 0x8B, 0x08, 0xFF,
                                     0x71, 0x18, 0xFF, 0x71, 0x14, 0xFF, 0x71, 0x0C, 0xFF, 0x31, 0x6A,
                                     0x1E, 0xE8, 0, 0, 0, 0, 0x5D, 0xC2, 0x04, 0x00};
        vwrite(S, psp, cp, sizeof cp);
        wcall(S, psp + 23, kbe);
        /* the __except filter: push [ebp+8] (GetExceptionInformation()); call */
        vwrite(S, sts, co, sizeof co);
        wcall(S, sts + 8, psp);
        uint64_t R = T - 0x100, C = T - 0x400, EP = T - 0x420, sb = T - 0x440, pb = sb - 0xC;
        kb = pb - 0x1C;
        uint8_t er[0x50] = {0};
        put32(er + 0x00, 0xC0000005u);
        put32(er + 0x0C, fault);
        put32(er + 0x10, 2);
        put32(er + 0x14, 0);    /* read */
        put32(er + 0x18, 0x1D); /* the address read: edi + 1Dh */
        vwrite(S, R, er, sizeof er);
        uint8_t cx[0x2CC];
        ctx86(cx, 0x10017, fault, ib - 4, ib, 0, STORY_DEVOBJ, 0, 0);
        vwrite(S, C, cx, sizeof cx);
        vw32(S, EP, R);
        vw32(S, EP + 4, C);
        vw32(S, sb, 0);
        vw32(S, sb + 4, 0);
        vw32(S, sb + 8, EP);
        vw32(S, sb - 4, EP);
        vw32(S, sb - 8, sts + 13);
        vw32(S, pb, sb);
        vw32(S, pb - 4, 0x1D);
        vw32(S, pb - 8, 0);
        vw32(S, pb - 0xC, fault);
        vw32(S, pb - 0x10, 0xC0000005u);
        vw32(S, pb - 0x14, 0x1E);
        vw32(S, pb - 0x18, psp + 28);
        vw32(S, kb, pb);
        g_story.record = R;
        g_story.context = C;
        g_story.pointers = EP;
        sframe(g_story.cpu0[1], "nt", "PspUnhandledExceptionInSystemThread", 28);
        sframe(g_story.cpu0[2], "nt", "PspSystemThreadStartup", 13);
    } else {
        uint64_t kde = exp_addr("ntoskrnl.exe", "KiDispatchException"),
                 kt = exp_addr("ntoskrnl.exe", "KiTrap0E");
        /* sub esp,44h; push 1Dh; push 0; push [ebp+10h]; push C0000005h;
           push 1Eh; call KeBugCheckEx; leave; ret 14h */
        static const uint8_t ck[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x83, 0xEC, 0x44, 0x6A, 0x1D,
                                     0x6A, 0x00, 0xFF, 0x75, 0x10, 0x68, 0x05, 0x00, 0x00, 0xC0,
                                     0x6A, 0x1E, 0xE8, 0, 0, 0, 0, 0xC9, 0xC2, 0x14, 0x00};
        vwrite(S, kde, ck, sizeof ck);
        wcall(S, kde + 22, kbe);
        /* mov ebp,esp (the trap frame); push 0; push 0; push ebp; call; mov esp,ebp; ret */
        static const uint8_t ct[] = {0x8B, 0xEC, 0x6A, 0x00, 0x6A, 0x00, 0x55, 0xE8, 0, 0, 0, 0,
                                     0x8B, 0xE5, 0xC3};
        vwrite(S, kt, ct, sizeof ct);
        wcall(S, kt + 7, kde);
        /* KTRAP_FRAME (x86 NT 5.2, 0x8C) of the kernel-mode page fault: the
           CPU pushed no ESP/SS, so HardwareEsp (+0x74) and above are the
           interrupted stack (analysis.md §2.4, §4.3: 0x23 0x23 - 0x34) */
        uint64_t TF = ib - 0x78;
        uint8_t tf[0x74] = {0};
        put32(tf + 0x00, ib);     /* DbgEbp */
        put32(tf + 0x04, fault);  /* DbgEip */
        put32(tf + 0x34, 0x23);   /* SegEs */
        put32(tf + 0x38, 0x23);   /* SegDs */
        put32(tf + 0x3C, 0x1);    /* Edx */
        put32(tf + 0x40, 0x2);    /* Ecx */
        put32(tf + 0x4C, 0xFFFFFFFFu); /* ExceptionList */
        put32(tf + 0x50, 0x30);   /* SegFs */
        put32(tf + 0x54, 0);      /* Edi */
        put32(tf + 0x58, STORY_DEVOBJ); /* Esi */
        put32(tf + 0x60, ib);     /* Ebp */
        put32(tf + 0x64, 0);      /* ErrCode: read, page not present */
        put32(tf + 0x68, fault);  /* Eip */
        put32(tf + 0x6C, 0x08);   /* SegCs */
        put32(tf + 0x70, 0x10246); /* EFlags */
        vwrite(S, TF, tf, sizeof tf);
        uint64_t x = TF - 0x14;
        vw32(S, TF - 4, 0);
        vw32(S, TF - 8, 0);
        vw32(S, TF - 0xC, TF);
        vw32(S, TF - 0x10, kt + 12);
        vw32(S, x, TF);
        vw32(S, x - 0x48, 0x1D);
        vw32(S, x - 0x4C, 0);
        vw32(S, x - 0x50, fault);
        vw32(S, x - 0x54, 0xC0000005u);
        vw32(S, x - 0x58, 0x1E);
        vw32(S, x - 0x5C, kde + 27);
        kb = x - 0x60;
        vw32(S, kb, x);
        g_story.trap = TF;
        sframe(g_story.cpu0[1], "nt", "KiDispatchException", 27);
        sframe(g_story.cpu0[2], "nt", "KiTrap0E", 12);
    }
    sframe(g_story.cpu0[0], "nt", "KeBugCheckEx", 5);
    g_story.ncpu0 = 3;
    *cpc = kbe + 5;
    *csp = kb;
    *cebp = kb;
}

/* service: svc.exe's first thread.  svc!SvcWorker called
 * _com_raise_error(E_POINTER), which threw a _com_error (C++ exception
 * 0xE06D7363 through kernel32!RaiseException); nothing caught it, so
 * kernel32!BaseThreadStart's filter called UnhandledExceptionFilter, which
 * waits (the "Runtime Error!" box) in ntdll!NtWaitForSingleObject. */
static void story_service(unsigned kproc, int variant)
{
    proc_t *pr = &g_procs[kproc];
    const space_t *U = &pr->sp;
    thr_t *t = NULL;
    for (unsigned i = 0; i < g_nthr && !t; i++)
        if (g_thr[i].proc == kproc)
            t = &g_thr[i];
    if (!t)
        die("internal: svc.exe has no thread");
    uint64_t bts = exp_addr("kernel32.dll", "BaseThreadStart"),
             rex = exp_addr("kernel32.dll", "RaiseException"),
             uef = exp_addr("kernel32.dll", "UnhandledExceptionFilter"),
             work = exp_addr("svc.exe", "SvcWorker"), cre = exp_addr("svc.exe", "_com_raise_error"),
             cxx = exp_addr("svc.exe", "_CxxThrowException"),
             ntw = exp_addr("ntdll.dll", "NtWaitForSingleObject"),
             rtlr = exp_addr("ntdll.dll", "RtlRaiseException");
    uint64_t sbase = pr->exe.base, kbase = pr->k32.base;
    uint64_t svc_iat = sbase + 0x3000, k32_iat = kbase + 0x3000;
    uint64_t vtbl = sbase + 0x2400, ti = sbase + 0x2500;
    vw32(U, svc_iat, rex);
    vw32(U, k32_iat, rtlr);
    vw32(U, k32_iat + 4, ntw);
    /* BaseThreadStart: push [ebp+0Ch]; call [ebp+8]; ...; its filter at +0x20:
       push eax; call UnhandledExceptionFilter; ret */
    static const uint8_t cb[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0xFF, 0x75, 0x0C, 0xFF, 0x55, 0x08, 0x50};
    vwrite(U, bts, cb, sizeof cb);
    vw8(U, bts + 0x20, 0x50);
    wcall(U, bts + 0x21, uef);
    vw8(U, bts + 0x26, 0xC3);
    /* SvcWorker: push 0; push 80004003h; call _com_raise_error */
    static const uint8_t cw[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x6A, 0x00, 0x68, 0x03, 0x40, 0x00, 0x80,
                                 0xE8, 0, 0, 0, 0, 0x5D, 0xC2, 0x04, 0x00};
    vwrite(U, work, cw, sizeof cw);
    wcall(U, work + 12, cre);
    /* _com_raise_error: sub esp,10h; lea eax,[ebp-10h]; push ThrowInfo; push eax; call _CxxThrowException */
    uint8_t cc[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x83, 0xEC, 0x10, 0x8D, 0x45, 0xF0, 0x68, 0, 0, 0, 0,
                    0x50, 0xE8, 0, 0, 0, 0, 0xC9, 0xC3};
    put32(cc + 12, ti);
    vwrite(U, cre, cc, sizeof cc);
    wcall(U, cre + 17, cxx);
    /* _CxxThrowException: sub esp,20h; lea eax,[ebp-0Ch]; push eax; push 3; push 1;
       push E06D7363h; call [__imp__RaiseException] */
    uint8_t cx_[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x83, 0xEC, 0x20, 0x8D, 0x45, 0xF4, 0x50, 0x6A, 0x03,
                     0x6A, 0x01, 0x68, 0x63, 0x73, 0x6D, 0xE0, 0xFF, 0x15, 0, 0, 0, 0, 0xC9, 0xC2, 0x08, 0x00};
    put32(cx_ + 23, svc_iat);
    vwrite(U, cxx, cx_, sizeof cx_);
    /* RaiseException: sub esp,50h; lea eax,[ebp-50h]; push eax; call [__imp__RtlRaiseException]; leave */
    uint8_t cr[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x83, 0xEC, 0x50, 0x8D, 0x45, 0xB0, 0x50, 0xFF, 0x15,
                    0, 0, 0, 0, 0xC9, 0xC2, 0x10, 0x00};
    put32(cr + 14, k32_iat);
    vwrite(U, rex, cr, sizeof cr);
    /* UnhandledExceptionFilter: sub esp,100h; push -1; push eax; call [__imp__NtWaitForSingleObject] */
    uint8_t cu[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x81, 0xEC, 0x00, 0x01, 0x00, 0x00, 0x6A, 0xFF, 0x50,
                    0xFF, 0x15, 0, 0, 0, 0, 0xC9, 0xC2, 0x04, 0x00};
    put32(cu + 16, k32_iat + 4);
    vwrite(U, uef, cu, sizeof cu);
    /* NtWaitForSingleObject: mov eax,10Fh; mov edx,7FFE0300h; call [edx]; ret 0Ch */
    static const uint8_t cn[] = {0xB8, 0x0F, 0x01, 0x00, 0x00, 0xBA, 0x00, 0x03, 0xFE, 0x7F, 0xFF, 0x12,
                                 0xC2, 0x0C, 0x00};
    vwrite(U, ntw, cn, sizeof cn);

    uint64_t top = t->ustack_base - 0x10;
    uint64_t b = top - 0x20, w = b - 0xC, c = w - 0x10, obj = c - 0x10, tt = c - 0x20, r = tt - 0x38;
    uint64_t ER = r - 0x50, CX = r - 0x400, EP = CX - 0x20, U2 = CX - 0x40, u = U2 - 8;
    vw32(U, b, 0);
    vw32(U, b + 4, 0);
    vw32(U, b + 8, work);
    vw32(U, b + 0xC, 0);
    vw32(U, b - 4, 0);
    vw32(U, b - 8, bts + 11);
    vw32(U, w, b);
    vw32(U, w - 4, 0);
    vw32(U, w - 8, 0x80004003u);
    vw32(U, w - 0xC, work + 17);
    vw32(U, c, w);
    vw32(U, obj, vtbl); /* _com_error {vftable, m_hresult, m_perrinfo, m_pszMsg} */
    vw32(U, obj + 4, 0x80004003u);
    vw32(U, c - 0x14, ti);
    vw32(U, c - 0x18, obj);
    vw32(U, c - 0x1C, cre + 22);
    vw32(U, tt, c);
    vw32(U, tt - 0xC, 0x19930520u); /* the C++ exception's parameters */
    vw32(U, tt - 8, obj);
    vw32(U, tt - 4, ti);
    vw32(U, tt - 0x24, tt - 0xC);
    vw32(U, tt - 0x28, 3);
    vw32(U, tt - 0x2C, 1);
    vw32(U, tt - 0x30, 0xE06D7363u);
    vw32(U, tt - 0x34, cxx + 27);
    vw32(U, r, tt);
    uint8_t er[0x50] = {0};
    put32(er + 0x00, 0xE06D7363u);
    put32(er + 0x04, 1); /* EXCEPTION_NONCONTINUABLE */
    put32(er + 0x0C, rex + 18);
    put32(er + 0x10, 3);
    put32(er + 0x14, 0x19930520u);
    put32(er + 0x18, obj);
    put32(er + 0x1C, ti);
    vwrite(U, ER, er, sizeof er);
    vw32(U, r - 0x54, ER);
    vw32(U, r - 0x58, rex + 18);
    vw32(U, r - 0x5C, r);
    uint8_t cx[0x2CC];
    ctx86(cx, 0x1003F, rex + 18, r - 0x54, r, ER, 0, 0, 1);
    uint64_t disp_esp = 0;
    if (variant != STORY_DISPATCHER) {
        vwrite(U, CX, cx, sizeof cx);
        vw32(U, EP, ER);
        vw32(U, EP + 4, CX);
        vw32(U, U2, EP);
        vw32(U, U2 - 4, bts + 0x26);
        vw32(U, u, b);
    } else {
        /* dispatcher: RtlRaiseException went to the kernel (ZwRaiseException),
           whose exception dispatch copied the CONTEXT and the record below the
           interrupted esp and resumed at ntdll!KiUserExceptionDispatcher with
           esp at the pair {&record, &context} (ReactOS
           dll/ntdll/dispatch/i386/dispatch.S).  The dispatcher pushed the pair
           again and called RtlDispatchException, which called
           UnhandledExceptionFilter with an argument that is not the pointers
           (0 here), so only the dispatcher frame leads to the exception. */
        uint64_t kud = exp_addr("ntdll.dll", "KiUserExceptionDispatcher"),
                 rde = exp_addr("ntdll.dll", "RtlDispatchException");
        /* cld; mov ecx,[esp+4]; mov ebx,[esp]; push ecx; push ebx; call RtlDispatchException;
           or al,al; int3 */
        uint8_t ck[] = {0xFC, 0x8B, 0x4C, 0x24, 0x04, 0x8B, 0x1C, 0x24, 0x51, 0x53,
                        0xE8, 0, 0, 0, 0, 0x0A, 0xC0, 0xCC};
        vwrite(U, kud, ck, sizeof ck);
        wcall(U, kud + 10, rde);
        /* RtlDispatchException: sub esp,40h; push 0; call UnhandledExceptionFilter; leave; ret 8 */
        uint8_t cd[] = {0x8B, 0xFF, 0x55, 0x8B, 0xEC, 0x83, 0xEC, 0x40, 0x6A, 0x00,
                        0xE8, 0, 0, 0, 0, 0xC9, 0xC2, 0x08, 0x00};
        vwrite(U, rde, cd, sizeof cd);
        wcall(U, rde + 10, uef);
        uint64_t CXd = (r - 0x54 - 0x2CC) & ~3ull, ERd = CXd - 0x50;
        disp_esp = ERd - 8;
        vwrite(U, CXd, cx, sizeof cx);
        vwrite(U, ERd, er, sizeof er);
        vw32(U, disp_esp, ERd);
        vw32(U, disp_esp + 4, CXd);
        vw32(U, disp_esp - 4, CXd);
        vw32(U, disp_esp - 8, ERd);
        vw32(U, disp_esp - 12, kud + 15);
        uint64_t D = disp_esp - 16; /* RtlDispatchException's ebp */
        vw32(U, D, r);
        vw32(U, D - 0x44, 0);
        vw32(U, D - 0x48, rde + 15);
        u = D - 0x4C;
        vw32(U, u, D);
        CX = CXd;
        ER = ERd;
        EP = 0;
    }
    vw32(U, u - 0x104, 0xFFFFFFFFu);
    vw32(U, u - 0x108, 0x7E8);
    vw32(U, u - 0x10C, uef + 20);
    /* the thread's user-mode KTRAP_FRAME, at InitialStack - 0x8C; service-scan
       puts it 0x40 lower (a kernel stack whose top holds more than kgen's
       slot assumes), so that only a scan of the stack's top finds it */
    uint64_t TF = t->istack - 0x8C - (variant == STORY_SERVICE_SCAN ? 0x40 : 0);
    uint8_t tf[0x8C] = {0};
    put32(tf + 0x00, u);
    put32(tf + 0x04, ntw + 12);
    put32(tf + 0x34, 0x23);
    put32(tf + 0x38, 0x23);
    put32(tf + 0x4C, 0xFFFFFFFFu);
    put32(tf + 0x50, 0x3B);
    put32(tf + 0x60, u);
    put32(tf + 0x68, ntw + 12);
    put32(tf + 0x6C, 0x1B);
    put32(tf + 0x70, 0x246);
    put32(tf + 0x74, u - 0x10C);
    put32(tf + 0x78, 0x23);
    vwrite(&g_sys, TF, tf, sizeof tf);
    /* service: KTHREAD.TrapFrame (2003 SP2: +0x110, analysis.md §2.6 from the
       Volatility 2 vtypes) points to it; the variants leave it 0, so that
       dispatcher finds the frame at the InitialStack slot and service-scan
       only by a scan */
    if (variant == STORY_SERVICE)
        vw32(&g_sys, t->ethread + 0x110, TF);

    g_story.exc_addr = rex + 18;
    g_story.code = 0xE06D7363u;
    g_story.record = ER;
    g_story.context = CX;
    g_story.pointers = EP;
    g_story.trap = TF;
    g_story.eip = rex + 18;
    g_story.esp = r - 0x54;
    g_story.ebp = r;
    g_story.edi = 0;
    g_story.status = 0x80004003u;
    g_story.pid = pr->pid;
    g_story.tid = t->tid;
    g_story.ethread = t->ethread;
    g_story.process = pr->name;
    g_story.uef_frame = u;
    g_story.dispatcher_esp = disp_esp;
    snprintf(g_story.insn_bytes, sizeof g_story.insn_bytes, "c9");
    sframe(g_story.frames[0], "kernel32", "RaiseException", 18);
    sframe(g_story.frames[1], "svc", "_CxxThrowException", 27);
    sframe(g_story.frames[2], "svc", "_com_raise_error", 22);
    sframe(g_story.frames[3], "svc", "SvcWorker", 17);
    sframe(g_story.frames[4], "kernel32", "BaseThreadStart", 11);
    g_story.nframes = 5;
    /* the thread's own walk, from its trap frame */
    sframe(g_story.cpu0[0], "ntdll", "NtWaitForSingleObject", 12);
    sframe(g_story.cpu0[1], "kernel32", "UnhandledExceptionFilter", 20);
    sframe(g_story.cpu0[2], "kernel32", "BaseThreadStart", 0x26);
    g_story.ncpu0 = 3;
    if (variant == STORY_DISPATCHER) {
        sframe(g_story.cpu0[2], "ntdll", "RtlDispatchException", 15);
        sframe(g_story.cpu0[3], "ntdll", "KiUserExceptionDispatcher", 15);
        g_story.ncpu0 = 4;
    }
}

static void story_layout(void)
{
    if (!g_story.kind)
        return;
    lays(g_story_names[g_story.kind], "story");
    layx(g_story.exc_addr, "story_exception_address");
    layx(g_story.code, "story_exception_code");
    if (g_story.record)
        layx(g_story.record, "story_exception_record");
    if (g_story.context)
        layx(g_story.context, "story_context");
    if (g_story.pointers)
        layx(g_story.pointers, "story_exception_pointers");
    if (g_story.trap)
        layx(g_story.trap, "story_trap_frame");
    layx(g_story.eip, "story_context_eip");
    layx(g_story.esp, "story_context_esp");
    layx(g_story.ebp, "story_context_ebp");
    layx(g_story.edi, "story_context_edi");
    lays(g_story.insn_bytes, "story_instruction_bytes");
    layx(g_story.nframes, "story_frame_count");
    for (unsigned i = 0; i < g_story.nframes; i++)
        lays(g_story.frames[i], "story_frame%u", i);
    layx(g_story.ncpu0, "story_thread_frame_count");
    for (unsigned i = 0; i < g_story.ncpu0; i++)
        lays(g_story.cpu0[i], "story_thread_frame%u", i);
    if (IS_SERVICE(g_story.kind)) {
        lays(g_story.process, "story_process");
        layx(g_story.pid, "story_pid");
        layx(g_story.tid, "story_tid");
        layx(g_story.ethread, "story_thread");
        layx(g_story.uef_frame, "story_filter_frame");
        if (g_story.dispatcher_esp)
            layx(g_story.dispatcher_esp, "story_dispatcher_esp");
        layx(g_story.status, "story_status");
    }
}

/* CONTEXT for CPUs: [T1 "CONTEXT"] offsets; flags [HD §1.5] */
static void fill_context(uint8_t *c, uint64_t pc, uint64_t sp)
{
    memset(c, 0, P->ctx_size);
    if (P->x64) {
        put32(c + 0x30, 0x0010001F);
        put32(c + 0x34, 0x1F80);
        put16(c + 0x38, 0x10);
        put16(c + 0x3a, 0x2b);
        put16(c + 0x3c, 0x2b);
        put16(c + 0x3e, 0x53);
        put16(c + 0x40, 0x2b);
        put16(c + 0x42, 0x18);
        put32(c + 0x44, 0x246);
        put64(c + 0x98, sp);
        put64(c + 0xa0, sp + 0x80);
        put64(c + 0xf8, pc);
    } else {
        put32(c + 0x00, 0x00010017);
        put32(c + 0x90, 0x30);
        put32(c + 0x94, 0x23);
        put32(c + 0x98, 0x23);
        put32(c + 0xb4, sp + 0x40);
        put32(c + 0xb8, pc);
        put32(c + 0xbc, 0x08);
        put32(c + 0xc0, 0x246);
        put32(c + 0xc4, sp);
        put32(c + 0xc8, 0x10);
    }
}

/* nt .data layout (offsets from the start of .data) */
enum {
    D_DBGLIST = 0x000,   /* KdpDebuggerDataListHead */
    D_PSLOADED = 0x020,  /* PsLoadedModuleList */
    D_PSACTIVE = 0x040,  /* PsActiveProcessHead */
    D_VERSION = 0x100,   /* KdVersionBlock (DBGKD_GET_VERSION64, 0x28) */
    D_KDBG = 0x1F0,      /* KdDebuggerDataBlock */
    D_KIPB = 0x600,      /* KiProcessorBlock[64] */
    D_WAITNEVER = 0x800,
    D_WAITALWAYS = 0x808,
    D_ENCODED = 0x810,   /* KdpDataBlockEncoded (byte) */
    D_PFNDB = 0x818,     /* MmPfnDatabase */
    D_INITPROC = 0x820,  /* PsInitialSystemProcess */
    D_BUILDNUM = 0x828,  /* NtBuildNumber */
    D_BUGCHECK = 0x830,  /* KiBugcheckData[5] */
    D_RANGESTART = 0x860,
    D_HIGHUSER = 0x868,
    D_PROBE = 0x870,
    D_PMB = 0x878,       /* MmPhysicalMemoryBlock */
    D_CIDTABLE = 0x880,
    D_CSD = 0x888,
    D_NPROC = 0x890,     /* KeNumberProcessors */
    D_BUILDLAB = 0x900,  /* NtBuildLab string */
    D_PROTO = 0xA00,     /* prototype PTE used by the prototype corner case */
};

static const uint64_t KI_WAIT_NEVER = 0x1F2E3D4C6B7A895Bull;  /* low byte 0x5B: rotate 91 = 27 */
static const uint64_t KI_WAIT_ALWAYS = 0x0123456789ABCDEFull ^ 0x5A5A5A5AA5A5A5A5ull;

static uint64_t rotr64(uint64_t v, unsigned n)
{
    n &= 63;
    return n ? (v >> n) | (v << (64 - n)) : v;
}
static uint64_t bswap64(uint64_t v)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++)
        r = (r << 8) | ((v >> (8 * i)) & 0xFF);
    return r;
}

/* ------------------------------------------------------------------ */
/* dump header [HD]                                                    */

static void page_fill(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)"PAGE"[i % 4];
}

typedef struct {
    uint64_t base, count;
} run_t;

static size_t build_header(uint8_t *h, const run_t *runs, unsigned nruns, uint64_t npages,
                           uint64_t kdbg, uint64_t psl, uint64_t psa, uint64_t pfndb, unsigned cpus,
                           const uint64_t bc[5], const uint8_t *ctx, uint64_t hdr_dtb)
{
    const char *comment = "kgen synthetic kernel image";
    if (P->x64) {
        page_fill(h, 0x2000);
        memcpy(h, "PAGEDU64", 8);
        put32(h + 0x08, 0xF);
        put32(h + 0x0C, P->build);
        put64(h + 0x10, hdr_dtb);
        put64(h + 0x18, pfndb);
        put64(h + 0x20, psl);
        put64(h + 0x28, psa);
        put32(h + 0x30, 0x8664);
        put32(h + 0x34, cpus);
        put32(h + 0x38, bc[0]);
        for (int i = 0; i < 4; i++)
            put64(h + 0x40 + 8 * i, bc[1 + i]);
        put64(h + 0x80, kdbg);
        put32(h + 0x88, nruns);
        put64(h + 0x90, npages);
        for (unsigned r = 0; r < nruns; r++) {
            put64(h + 0x98 + 16 * r, runs[r].base);
            put64(h + 0xA0 + 16 * r, runs[r].count);
        }
        memset(h + 0x348, 0, 0xF00 - 0x348);
        memcpy(h + 0x348, ctx, P->ctx_size);
        memset(h + 0xF00, 0, 0x98);
        put32(h + 0xF00, 0x80000003);
        put64(h + 0xF10, bc[2]);
        put32(h + 0xF98, 1); /* DumpType FULL */
        put64(h + 0xFA0, 0x2000 + npages * PG);
        put64(h + 0xFA8, 0x01D6F2A35B8C3000ull);
        memset(h + 0xFB0, 0, 128);
        memcpy(h + 0xFB0, comment, strlen(comment));
        put64(h + 0x1030, 36000000000ull);
        put32(h + 0x1040, 1);
        put32(h + 0x1044, 0x110);
        return 0x2000;
    }
    page_fill(h, 0x1000);
    memcpy(h, "PAGEDUMP", 8);
    put32(h + 0x08, 0xF);
    put32(h + 0x0C, P->build);
    put32(h + 0x10, hdr_dtb);
    put32(h + 0x14, pfndb);
    put32(h + 0x18, psl);
    put32(h + 0x1C, psa);
    put32(h + 0x20, 0x14C);
    put32(h + 0x24, cpus);
    put32(h + 0x28, bc[0]);
    for (int i = 0; i < 4; i++)
        put32(h + 0x2C + 4 * i, bc[1 + i]);
    h[0x5C] = P->paging == PG_PAE;
    h[0x5D] = 0;
    put32(h + 0x60, kdbg);
    put32(h + 0x64, nruns);
    put32(h + 0x68, npages);
    for (unsigned r = 0; r < nruns; r++) {
        put32(h + 0x6C + 8 * r, runs[r].base);
        put32(h + 0x70 + 8 * r, runs[r].count);
    }
    memset(h + 0x320, 0, 0x7D0 - 0x320);
    memcpy(h + 0x320, ctx, P->ctx_size);
    memset(h + 0x7D0, 0, 0x50);
    put32(h + 0x7D0, 0x80000003);
    put32(h + 0x7DC, bc[2]);
    memset(h + 0x820, 0, 128);
    memcpy(h + 0x820, comment, strlen(comment));
    put32(h + 0xF88, 1);
    put32(h + 0xF94, 1);
    put32(h + 0xF98, 0x110);
    put64(h + 0xFA0, 0x1000 + npages * PG);
    put64(h + 0xFB8, 36000000000ull);
    put64(h + 0xFC0, 0x01D6F2A35B8C3000ull);
    return 0x1000;
}

static void xwrite(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write: %s", strerror(errno));
        }
        b += w, n -= (size_t)w;
    }
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    opts_t o;
    parse(&o, argc, argv);

    struct stat st;
    if (!o.force && lstat(o.out, &st) == 0)
        die("'%s' exists (use --force to overwrite)", o.out);

    /* physical memory: 12 MiB + room for the requested objects */
    g_large_pages = P->paging == PG_X86 ? 0x400 : 0x200;
    uint64_t per_thread = (P->x64 ? 6 : 3) + 6 + (P->x64 ? 2 : 1);
    uint64_t extra = o.procs * (24 + o.tpp * per_thread) + o.mods * 12 +
                     o.cpus * (alignup(P->pcr_size, PG) / PG + 2) + 64;
    g_npages = 0xC00 + alignup(extra, 256);
    g_pm = xcalloc(g_npages, PG);
    g_used = xcalloc(g_npages, 1);

    space_init(&g_sys);
    g_pool.s = &g_sys;
    g_pool.cur = g_pool.mapped_end = P->pool_base;

    /* ---- modules: nt first ---- */
    g_mods = xcalloc(o.mods, sizeof *g_mods);
    mod_t *nt = &g_mods[0];
    snprintf(nt->name, sizeof nt->name, "ntoskrnl.exe");
    snprintf(nt->path, sizeof nt->path, "\\SystemRoot\\system32\\ntoskrnl.exe");
    nt->base = P->nt_base;
    exp_t ntex[] = {
        {"KiSystemStartup", 0, 0},      {"KeBugCheckEx", 0, 0},
        {"PsGetCurrentProcess", 0, 0},  {"ExAllocatePoolWithTag", 0, 0},
        {"RtlpBreakWithStatusInstruction", 0, 0},
        {"PsLoadedModuleList", 1, 0},   {"PsInitialSystemProcess", 1, 0},
        {"NtBuildNumber", 1, 0},        {"KeNumberProcessors", 1, 0},
        /* --story filter|trap only: code at 0x1140, 0x1180, 0x11C0, 0x1200 */
        {"PspUnhandledExceptionInSystemThread", 0, 0}, {"PspSystemThreadStartup", 0, 0},
        {"KiDispatchException", 0, 0},  {"KiTrap0E", 0, 0},
    };
    unsigned nntex = sizeof ntex / sizeof ntex[0];
    if (o.story != STORY_FILTER && o.story != STORY_TRAP)
        nntex -= 4;
    /* data exports need the .data RVA: text 3 pages, rdata, [pdata], data 2 pages */
    uint32_t nt_data = TEXT_RVA + 3 * PG + PG + (P->x64 ? PG : 0);
    ntex[5].rva = nt_data + D_PSLOADED;
    ntex[6].rva = nt_data + D_INITPROC;
    ntex[7].rva = nt_data + D_BUILDNUM;
    ntex[8].rva = nt_data + D_NPROC;
    uint32_t got;
    build_pe(&g_sys, nt, ntex, nntex, 0, 1, 3, 2, &got);
    if (got != nt_data)
        die("internal: nt .data");
    uint64_t D = nt->base + nt_data;

    /* drivers */
    static const char *hal_ex[] = {"HalReturnToFirmware", "HalQueryRealTimeClock",
                                   "KeGetCurrentIrql"};
    static const char *my_ex[] = {"MyDrvDispatch", "MyDrvUnload", "MyDrvOuter", "MyDrvInner"};
    static char dnames[32][2][24];
    for (unsigned k = 1; k < o.mods; k++) {
        mod_t *m = &g_mods[k];
        exp_t ex[4];
        unsigned n;
        if (k == 1) {
            snprintf(m->name, sizeof m->name, "hal.dll");
            for (n = 0; n < 3; n++)
                ex[n] = (exp_t){hal_ex[n], 0, 0};
        } else if (k == 2) {
            snprintf(m->name, sizeof m->name, "mydrv.sys");
            unsigned nmy = o.story == STORY_FILTER || o.story == STORY_TRAP ? 4 : 2;
            for (n = 0; n < nmy; n++)
                ex[n] = (exp_t){my_ex[n], 0, 0};
        } else {
            snprintf(m->name, sizeof m->name, "drv%u.sys", k);
            for (n = 0; n < 2; n++) {
                snprintf(dnames[k][n], sizeof dnames[k][n], "Drv%uFunc%u", k, n);
                ex[n] = (exp_t){dnames[k][n], 0, 0};
            }
        }
        if (k < 2)
            snprintf(m->path, sizeof m->path, "\\SystemRoot\\system32\\%s", m->name);
        else
            snprintf(m->path, sizeof m->path, "\\SystemRoot\\system32\\drivers\\%s", m->name);
        m->base = P->drv_base + (uint64_t)(k - 1) * 0x20000;
        build_pe(&g_sys, m, ex, n, 1, 0, 1, 1, NULL);
    }

    /* ---- nt globals ---- */
    le_init(&g_sys, D + D_PSLOADED);
    le_init(&g_sys, D + D_PSACTIVE);
    for (unsigned k = 0; k < o.mods; k++)
        le_append(&g_sys, D + D_PSLOADED, make_ldr(&g_pool, &g_mods[k], 1));
    vwrite(&g_sys, D + D_BUILDLAB, P->buildlab, strlen(P->buildlab) + 1);
    vw32(&g_sys, D + D_BUILDNUM, 0xF0000000u | P->build);
    vw8(&g_sys, D + D_NPROC, o.cpus);
    /* value of nt!MmPfnDatabase; kgen does not build (or map) a PFN database */
    uint64_t pfndb_value = P->paging == PG_X86 ? 0x8A000000u
                           : P->paging == PG_PAE ? 0x88000000u
                           : P->build >= 10000 ? 0xFFFFDE8000000000ull : 0xFFFFFA8000000000ull;
    vwp(&g_sys, D + D_PFNDB, pfndb_value);
    vwp(&g_sys, D + D_RANGESTART, P->x64 ? 0xFFFF080000000000ull : 0x80000000u);
    vwp(&g_sys, D + D_HIGHUSER, P->x64 ? 0x000007FFFFFEFFFFull : 0x7FFEFFFFu);
    vwp(&g_sys, D + D_PROBE, P->x64 ? 0x000007FFFFFF0000ull : 0x7FFF0000u);
    if (P->build >= 10000) {
        vwp(&g_sys, D + D_RANGESTART, 0xFFFF800000000000ull);
        vwp(&g_sys, D + D_HIGHUSER, 0x00007FFFFFFEFFFFull);
        vwp(&g_sys, D + D_PROBE, 0x00007FFFFFFF0000ull);
    }
    vwrite(&g_sys, D + D_CSD, "\0", 1);

    /* ---- bugcheck: parameter 2 inside mydrv (or hal) ---- */
    uint64_t bc[5] = {0x1E, 0xC0000005u,
                      exp_addr(o.mods > 2 ? "mydrv.sys" : "ntoskrnl.exe",
                               o.mods > 2 ? "MyDrvDispatch" : "KeBugCheckEx") + 0x7,
                      0, P->x64 ? 0xFFFFFFFFFFFFFFFFull : 0xFFFFFFFFu};
    if (o.story == STORY_FILTER || o.story == STORY_TRAP) {
        /* analysis.md §1.1: 0x1E c0000005 <test byte ptr [edi+1Dh],8> 0 1d */
        bc[2] = exp_addr("mydrv.sys", "MyDrvInner") + STORY_FAULT_OFF;
        bc[3] = 0;
        bc[4] = 0x1D;
    } else if (IS_SERVICE(o.story)) {
        bc[0] = 0xE2; /* MANUALLY_INITIATED_CRASH: the engineer forced the dump */
        bc[1] = bc[2] = bc[3] = bc[4] = 0;
    }
    for (int i = 0; i < 5; i++)
        vwp(&g_sys, D + D_BUGCHECK + PS * i, bc[i]);

    /* ---- processes ---- */
    g_procs = xcalloc(o.procs, sizeof *g_procs);
    g_thr = xcalloc((size_t)o.procs * o.tpp, sizeof *g_thr);
    uint64_t stack_size = P->x64 ? 0x6000 : 0x3000;
    uint64_t ntdll_pages[8];
    int have_ntdll = 0;
    unsigned ntdll_npages = 0;
    exp_t ntdll_ex[] = {{"RtlUserThreadStart", 0, 0}, {"LdrInitializeThunk", 0, 0},
                        {"NtWaitForSingleObject", 0, 0}, {"RtlAllocateHeap", 0, 0},
                        {"RtlRaiseException", 0, 0} /* --story service */,
                        {"KiUserExceptionDispatcher", 0, 0}, /* --story dispatcher */
                        {"RtlDispatchException", 0, 0}};
    unsigned nntdll_ex = o.story == STORY_DISPATCHER ? 7 : IS_SERVICE(o.story) ? 5 : 4;
    exp_t svc_ex[] = {{"SvcWorker", 0, 0}, {"_com_raise_error", 0, 0}, {"_CxxThrowException", 0, 0}};
    exp_t k32_ex[] = {{"BaseThreadStart", 0, 0}, {"RaiseException", 0, 0},
                      {"UnhandledExceptionFilter", 0, 0}};

    for (unsigned k = 0; k < o.procs; k++) {
        proc_t *pr = &g_procs[k];
        if (k == 0)
            pr->sp = g_sys;
        else
            space_init(&pr->sp);
        pr->svc = IS_SERVICE(o.story) && k == o.procs - 1;
        if (pr->svc)
            snprintf(pr->name, sizeof pr->name, "svc.exe");
        else if (k < sizeof g_pnames / sizeof g_pnames[0])
            snprintf(pr->name, sizeof pr->name, "%s", g_pnames[k]);
        else
            snprintf(pr->name, sizeof pr->name, "proc%u.exe", k);
        pr->pid = k == 0 ? 4 : 200 + 52 * (uint64_t)k;
        pr->ppid = k == 0 ? 0 : g_procs[k - 1].pid;
        pr->ctime = 0x01D6F2A000000000ull + (uint64_t)k * 0x10000000ull;
        pr->handles = 100 + 17 * k;
        uint64_t ep = halloc(&g_pool, P->ep_size + 0x40, 64) + 0x40; /* 0x40: room for a fake object header */
        pr->eproc = ep;
        vw8(&g_sys, ep, 3); /* DISPATCHER_HEADER.Type = ProcessObject */
        vwp(&g_sys, ep + P->ep_dtb, pr->sp.dtb);
        le_init(&g_sys, ep + P->ep_kthreads);
        le_init(&g_sys, ep + P->ep_threads);
        vwp(&g_sys, ep + P->ep_pid, pr->pid);
        le_append(&g_sys, D + D_PSACTIVE, ep + P->ep_links);
        vwp(&g_sys, ep + P->ep_ppid, pr->ppid);
        vwrite(&g_sys, ep + P->ep_name, pr->name, strlen(pr->name));
        vw64(&g_sys, ep + P->ep_ctime, pr->ctime);
        /* ObjectTable -> HANDLE_TABLE in pool */
        pr->objtable = halloc(&g_pool, 0x80, 16);
        if (P->ht_count)
            vw32(&g_sys, pr->objtable + P->ht_count, pr->handles);
        vwp(&g_sys, ep + P->ep_objtable, pr->objtable);
        if (k == 0) {
            vwp(&g_sys, D + D_INITPROC, ep);
        } else {
            /* user space: exe, ntdll (shared pages), PEB, loader lists */
            pr->uheap.s = &pr->sp;
            pr->uheap.cur = pr->uheap.mapped_end = P->uheap;
            mod_t *x = &pr->exe, *n = &pr->ntdll;
            x->user = n->user = 1;
            snprintf(x->name, sizeof x->name, "%s", pr->name);
            snprintf(x->path, sizeof x->path, "C:\\Windows\\system32\\%s", pr->name);
            x->base = P->exe_base + (P->peb_step ? (uint64_t)k * 0x10000 : 0);
            if (pr->svc)
                build_pe(&pr->sp, x, svc_ex, 3, 0, 0, 1, 1, NULL);
            else
                build_pe(&pr->sp, x, NULL, 0, 0, 0, 1, 1, NULL);
            snprintf(n->name, sizeof n->name, "ntdll.dll");
            snprintf(n->path, sizeof n->path, "C:\\Windows\\SYSTEM32\\ntdll.dll");
            n->base = P->ntdll_base;
            if (!have_ntdll) {
                build_pe(&pr->sp, n, ntdll_ex, nntdll_ex, 1, 0, 1, 1, NULL);
                ntdll_npages = (unsigned)(n->size / PG);
                for (unsigned i = 0; i < ntdll_npages; i++)
                    ntdll_pages[i] = xlate(&pr->sp, n->base + i * PG, NULL);
                have_ntdll = 1;
            } else {
                *n = g_procs[1].ntdll;
                for (unsigned i = 0; i < ntdll_npages; i++)
                    map4k(&pr->sp, n->base + i * PG, ntdll_pages[i], i == 1);
            }
            if (pr->svc) {
                mod_t *k3 = &pr->k32;
                k3->user = 1;
                snprintf(k3->name, sizeof k3->name, "kernel32.dll");
                snprintf(k3->path, sizeof k3->path, "C:\\WINDOWS\\system32\\kernel32.dll");
                k3->base = STORY_K32_BASE;
                build_pe(&pr->sp, k3, k32_ex, 3, 1, 0, 1, 1, NULL);
            }
            pr->peb = P->peb_va + (uint64_t)k * P->peb_step;
            map4k(&pr->sp, pr->peb, alloc_pa(), 0);
            vwp(&pr->sp, pr->peb + P->peb_imgbase, x->base);
            uint64_t ldr = halloc(&pr->uheap, P->pld_size, 16);
            vw32(&pr->sp, ldr, P->pld_size);
            vw8(&pr->sp, ldr + 4, 1);
            vwp(&pr->sp, pr->peb + P->peb_ldr, ldr);
            le_init(&pr->sp, ldr + P->pld_load);
            le_init(&pr->sp, ldr + P->pld_mem);
            le_init(&pr->sp, ldr + P->pld_init);
            uint64_t lx = make_ldr(&pr->uheap, x, 0), ln = make_ldr(&pr->uheap, n, 0);
            le_append(&pr->sp, ldr + P->pld_load, lx);
            le_append(&pr->sp, ldr + P->pld_load, ln);
            le_append(&pr->sp, ldr + P->pld_mem, lx + P->ldr_inmem);
            le_append(&pr->sp, ldr + P->pld_mem, ln + P->ldr_inmem);
            le_append(&pr->sp, ldr + P->pld_init, ln + P->ldr_ininit);
            if (pr->svc) {
                uint64_t lk = make_ldr(&pr->uheap, &pr->k32, 0);
                le_append(&pr->sp, ldr + P->pld_load, lk);
                le_append(&pr->sp, ldr + P->pld_mem, lk + P->ldr_inmem);
                le_append(&pr->sp, ldr + P->pld_init, lk + P->ldr_ininit);
            }
            vwp(&g_sys, ep + P->ep_peb, pr->peb);
            vwp(&g_sys, ep + P->ep_secbase, x->base);
        }
        /* threads */
        for (unsigned j = 0; j < o.tpp; j++) {
            thr_t *t = &g_thr[g_nthr];
            t->proc = k;
            t->tid = 0x800 + 4 * (uint64_t)g_nthr;
            g_nthr++;
            pr->nthreads++;
            uint64_t et = halloc(&g_pool, P->et_size + 0x40, 64) + 0x40;
            t->ethread = et;
            uint64_t slot = P->stack_base + (uint64_t)(g_nthr - 1) * (stack_size + PG);
            t->slimit = slot + PG; /* one unmapped guard page below */
            t->sbase = t->slimit + stack_size;
            map_range(&g_sys, t->slimit, stack_size, 0);
            t->istack = t->sbase - (P->x64 ? 0x1D0 : 0x210);
            t->kstack = t->istack - 0x400;
            t->state = 5;   /* Waiting */
            t->wreason = k == 0 ? 0 : 6; /* Executive / UserRequest */
            t->prio = k == 0 ? 13 : 8 + (j & 3);
            if (k == 0) {
                t->start = exp_addr("ntoskrnl.exe", j == 0 ? "KiSystemStartup" : "PsGetCurrentProcess");
                t->w32start = t->start;
            } else {
                t->start = exp_addr("ntdll.dll", "RtlUserThreadStart");
                t->w32start = pr->exe.entry;
                /* TEBs go down from teb_top, the PEB sits just above */
                t->teb = P->teb_top - (uint64_t)j * alignup(P->teb_size, PG) +
                         (uint64_t)k * P->peb_step;
                for (uint64_t o2 = 0; o2 < P->teb_size; o2 += PG)
                    map4k(&pr->sp, t->teb + o2, alloc_pa(), 0);
                t->ustack_base = P->ustack_top - (uint64_t)j * 0x40000;
                t->ustack_limit = t->ustack_base - 0x2000;
                map_range(&pr->sp, t->ustack_limit, 0x2000, 0);
                vwp(&pr->sp, t->teb + P->teb_sbase, t->ustack_base);
                vwp(&pr->sp, t->teb + P->teb_slimit, t->ustack_limit);
                vwp(&pr->sp, t->teb + P->teb_self, t->teb);
                vwp(&pr->sp, t->teb + P->teb_cid, pr->pid);
                vwp(&pr->sp, t->teb + P->teb_cid + PS, t->tid);
                vwp(&pr->sp, t->teb + P->teb_peb, pr->peb);
            }
            vw8(&g_sys, et, 6); /* DISPATCHER_HEADER.Type = ThreadObject */
            vwp(&g_sys, et + P->kt_istack, t->istack);
            vwp(&g_sys, et + P->kt_slimit, t->slimit);
            vwp(&g_sys, et + P->kt_sbase, t->sbase);
            vwp(&g_sys, et + P->kt_kstack, t->kstack);
            vwp(&g_sys, et + P->kt_teb, t->teb);
            vwp(&g_sys, et + P->kt_apcproc, ep);
            vwp(&g_sys, et + P->kt_process, ep);
            vw8(&g_sys, et + P->kt_wreason, t->wreason);
            vw8(&g_sys, et + P->kt_prio, t->prio);
            le_append(&g_sys, ep + P->ep_kthreads, et + P->kt_tle);
            vwp(&g_sys, et + P->et_cid, pr->pid);
            vwp(&g_sys, et + P->et_cid + PS, t->tid);
            vwp(&g_sys, et + P->et_start, t->start);
            vwp(&g_sys, et + P->et_w32start, t->w32start);
            le_append(&g_sys, ep + P->ep_threads, et + P->et_tle);
        }
    }

    /* ---- crash stories ---- */
    uint64_t story_pc = 0, story_sp = 0, story_ebp = 0;
    g_story.kind = o.story;
    if (o.story == STORY_FILTER || o.story == STORY_TRAP)
        story_kernel(o.story, &story_pc, &story_sp, &story_ebp);
    else if (IS_SERVICE(o.story))
        story_service(o.procs - 1, o.story);

    /* ---- processors ---- */
    g_cpu = xcalloc(o.cpus, sizeof *g_cpu);
    uint8_t ctxbuf[0x4d0], ctx0[0x4d0];
    for (unsigned i = 0; i < o.cpus; i++) {
        cpu_t *c = &g_cpu[i];
        if (i == 0 && P->pcr0_va) {
            c->pcr = P->pcr0_va;
            map_range(&g_sys, c->pcr, alignup(P->pcr_size, PG), 0);
        } else
            c->pcr = halloc(&g_pool, P->pcr_size, PG);
        c->prcb = c->pcr + P->pcr_prcb;
        /* CPU i runs thread (i * stride) so several processes are current */
        unsigned ti = (unsigned)(((uint64_t)i * g_nthr) / o.cpus);
        thr_t *t = &g_thr[ti];
        t->state = 2; /* Running */
        t->wreason = 0;
        c->cur = t->ethread;
        c->pc = i == 0 ? exp_addr("ntoskrnl.exe", "KeBugCheckEx") + 4
                       : exp_addr("ntoskrnl.exe", "ExAllocatePoolWithTag") + 7;
        c->sp = t->kstack;
        if (i == 0 && story_pc) {
            c->pc = story_pc;
            c->sp = story_sp;
        }
        vwp(&g_sys, c->pcr + P->pcr_self, c->pcr);
        vwp(&g_sys, c->pcr + P->pcr_curprcb, c->prcb);
        vwp(&g_sys, c->prcb + P->prcb_cur, c->cur);
        vw16(&g_sys, c->prcb + P->prcb_number, i);
        fill_context(ctxbuf, c->pc, c->sp);
        if (i == 0 && story_pc)
            put32(ctxbuf + 0xb4, story_ebp); /* Ebp: KeBugCheckEx's frame */
        if (i == 0)
            memcpy(ctx0, ctxbuf, sizeof ctx0);
        vwrite(&g_sys, c->prcb + P->prcb_ctxframe, ctxbuf, P->ctx_size);
        if (P->prcb_context) {
            c->ctx = halloc(&g_pool, P->ctx_size, 16);
            vwrite(&g_sys, c->ctx, ctxbuf, P->ctx_size);
            vwp(&g_sys, c->prcb + P->prcb_context, c->ctx);
        }
        vwp(&g_sys, D + D_KIPB + PS * i, c->prcb);
    }
    for (unsigned i = 0; i < g_nthr; i++) {
        vw8(&g_sys, g_thr[i].ethread + P->kt_state, g_thr[i].state);
        vw8(&g_sys, g_thr[i].ethread + P->kt_wreason, g_thr[i].wreason);
    }

    /* ---- runs ---- */
    /* with --pad-mib: a third run of zero pages after a 16-page gap */
    run_t runs[3] = {{1, HOLE_FIRST - 1}, {HOLE_FIRST + HOLE_PAGES, g_npages - HOLE_FIRST - HOLE_PAGES},
                     {g_npages + 16, (uint64_t)o.pad_mib * 256}};
    unsigned nruns = o.pad_mib ? 3 : 2;
    if (P->paging != PG_X64 && runs[2].base + runs[2].count > (1ull << 20))
        die("--pad-mib: a 32-bit image stays below 4 GiB here");
    uint64_t npages = runs[0].count + runs[1].count + (nruns == 3 ? runs[2].count : 0);
    /* MmPhysicalMemoryBlock -> PHYSICAL_MEMORY_DESCRIPTOR [HD §1.3] */
    {
        uint64_t pmd = halloc(&g_pool, 0x40, 16);
        vw32(&g_sys, pmd, nruns);
        vwp(&g_sys, pmd + PS, npages);
        for (unsigned r = 0; r < nruns; r++) {
            vwp(&g_sys, pmd + 2 * PS + 2 * PS * r, runs[r].base);
            vwp(&g_sys, pmd + 3 * PS + 2 * PS * r, runs[r].count);
        }
        vwp(&g_sys, D + D_PMB, pmd);
    }

    /* ---- KdCopyDataBlock-like code (x64, Win8+ or --encoded-kdbg) ---- */
    uint64_t kdcopy = 0;
    if (P->x64 && (o.encoded || P->build >= 9200)) {
        uint8_t c[0x80];
        size_t n = 0;
        kdcopy = nt->base + TEXT_RVA + 0x800;
        uint64_t kdbgva = D + D_KDBG, enc = D + D_ENCODED;
#define B(...) do { const uint8_t b_[] = {__VA_ARGS__}; memcpy(c + n, b_, sizeof b_); n += sizeof b_; } while (0)
#define REL(target, after) put32(c + n, (uint32_t)((target) - (kdcopy + n + (after)))), n += 4
        B(0x80, 0x3D); REL(enc, 5); B(0x00);            /* cmp byte [rip+KdpDataBlockEncoded],0 */
        B(0x4C, 0x8B, 0xC9);                             /* mov r9, rcx */
        size_t je = n;
        B(0x74, 0x00);                                   /* je .plain */
        B(0x48, 0x8D, 0x15); REL(kdbgva, 4);             /* lea rdx,[KdDebuggerDataBlock] */
        B(0x4C, 0x8B, 0x15); REL(D + D_WAITNEVER, 4);    /* mov r10,[KiWaitNever] */
        B(0x4C, 0x8B, 0x1D); REL(D + D_WAITALWAYS, 4);   /* mov r11,[KiWaitAlways] */
        B(0x41, 0xB8); put32(c + n, P->kdbg_size / 8); n += 4; /* mov r8d, size/8 */
        size_t loop = n;
        B(0x48, 0x8B, 0x02);                             /* mov rax,[rdx] */
        B(0x49, 0x33, 0xC2);                             /* xor rax,r10 */
        B(0x44, 0x89, 0xD1);                             /* mov ecx,r10d */
        B(0x48, 0xD3, 0xC0);                             /* rol rax,cl */
        B(0x48, 0x8D, 0x0D); REL(enc, 4);                /* lea rcx,[KdpDataBlockEncoded] */
        B(0x48, 0x33, 0xC1);                             /* xor rax,rcx */
        B(0x48, 0x0F, 0xC8);                             /* bswap rax */
        B(0x49, 0x33, 0xC3);                             /* xor rax,r11 */
        B(0x49, 0x89, 0x01);                             /* mov [r9],rax */
        B(0x48, 0x83, 0xC2, 0x08);                       /* add rdx,8 */
        B(0x49, 0x83, 0xC1, 0x08);                       /* add r9,8 */
        B(0x41, 0xFF, 0xC8);                             /* dec r8d */
        B(0x75, (uint8_t)(loop - (n + 2)));              /* jne loop */
        B(0xC3);                                         /* ret */
        c[je + 1] = (uint8_t)(n - (je + 2));
        B(0x48, 0x8D, 0x35); REL(kdbgva, 4);             /* .plain: lea rsi,[KdDebuggerDataBlock] */
        B(0x49, 0x8B, 0xF9);                             /* mov rdi,r9 */
        B(0xB9); put32(c + n, P->kdbg_size); n += 4;     /* mov ecx,size */
        B(0xF3, 0xA4);                                   /* rep movsb */
        B(0xC3);
#undef B
#undef REL
        vwrite(&g_sys, kdcopy, c, n);
        vw64(&g_sys, D + D_WAITNEVER, KI_WAIT_NEVER);
        vw64(&g_sys, D + D_WAITALWAYS, KI_WAIT_ALWAYS);
        vw8(&g_sys, D + D_ENCODED, o.encoded ? 1 : 0);
    }

    /* ---- KdVersionBlock (DBGKD_GET_VERSION64) [KD §3] ---- */
    {
        uint8_t v[0x28] = {0};
        put16(v + 0, 0xF);
        put16(v + 2, P->build);
        v[4] = 6;
        v[5] = 2;
        put16(v + 6, 0x1 | 0x2 | (P->x64 ? 0x4 : 0)); /* MP, DATA, PTR64 */
        put16(v + 8, P->x64 ? 0x8664 : 0x14C);
        put64(v + 0x10, kx(nt->base));
        put64(v + 0x18, kx(D + D_PSLOADED));
        put64(v + 0x20, kx(D + D_DBGLIST));
        vwrite(&g_sys, D + D_VERSION, v, sizeof v);
    }

    /* ---- KDBG [KD] ---- */
    uint64_t kdbg = D + D_KDBG;
    {
        uint8_t k[0x400] = {0};
        put64(k + 0x00, kx(D + D_DBGLIST));
        put64(k + 0x08, kx(D + D_DBGLIST));
        memcpy(k + 0x10, "KDBG", 4);
        put32(k + 0x14, P->kdbg_size);
        put64(k + 0x18, kx(nt->base));
        put64(k + 0x20, kx(exp_addr("ntoskrnl.exe", "RtlpBreakWithStatusInstruction")));
        put16(k + 0x30, P->x64 ? 0x1E0 : 0x12C); /* ThCallbackStack */
        put16(k + 0x32, P->x64 ? 0x8 : 0x4);
        put16(k + 0x34, P->x64 ? 0 : 0x8);
        put64(k + 0x48, kx(D + D_PSLOADED));
        put64(k + 0x50, kx(D + D_PSACTIVE));
        put64(k + 0x58, kx(D + D_CIDTABLE));
        put64(k + 0x88, kx(D + D_BUGCHECK));
        put64(k + 0xC0, kx(D + D_PFNDB));
        put64(k + 0x1C8, kx(D + D_HIGHUSER));
        put64(k + 0x1D0, kx(D + D_RANGESTART));
        put64(k + 0x1D8, kx(D + D_PROBE));
        put64(k + 0x208, kx(D + D_BUILDLAB));
        put64(k + 0x218, kx(D + D_KIPB));
        put64(k + 0x268, kx(D + D_CSD));
        put64(k + 0x270, kx(D + D_PMB));
        /* Offset* fields (Size >= 0x318) from the profile tables */
        put16(k + 0x29A, P->kt_teb);
        put16(k + 0x29C, P->kt_kstack);
        put16(k + 0x29E, P->kt_istack);
        put16(k + 0x2A0, P->kt_apcproc);
        put16(k + 0x2A2, P->kt_state);
        put16(k + 0x2A8, P->ep_size);
        put16(k + 0x2AA, P->ep_peb);
        put16(k + 0x2AC, P->ep_ppid);
        put16(k + 0x2AE, P->ep_dtb);
        put16(k + 0x2B0, P->prcb_size);
        put16(k + 0x2B4, P->prcb_cur);
        put16(k + 0x2BC, P->prcb_ctxframe);
        put16(k + 0x2BE, P->prcb_number);
        put16(k + 0x2C0, P->et_size);
        put16(k + 0x2E0, P->pcr_size);
        put16(k + 0x2E2, P->pcr_self);
        put16(k + 0x2E4, P->pcr_curprcb);
        put16(k + 0x2E6, P->pcr_prcb);
        /* GDT selectors [HD §1.5] */
        static const uint16_t g64[] = {0x10, 0x18, 0x00, 0x33, 0x2B, 0x53, 0x00, 0x40, 0x23, 0x53};
        static const uint16_t g32[] = {0x08, 0x10, 0x30, 0x1B, 0x23, 0x3B, 0x48, 0x28, 0x00, 0x00};
        for (int i = 0; i < 10; i++)
            put16(k + 0x2F4 + 2 * i, P->x64 ? g64[i] : g32[i]);
        if (P->kdbg_size >= 0x340)
            put16(k + 0x338, P->prcb_context);
        if (P->kdbg_size >= 0x368) {
            put32(k + 0x340, P->kt_slimit);
            put32(k + 0x344, P->kt_sbase);
            put16(k + 0x350, P->prcb_idle);
            put16(k + 0x35C, P->kt_wreason);
            put64(k + 0x360, 0xFFFF000000000000ull | ((uint64_t)P->selfmap << 39)); /* PteBase */
        }
        if (o.encoded) {
            uint64_t enc = D + D_ENCODED;
            for (unsigned i = 0; i < P->kdbg_size; i += 8) {
                uint64_t q = get64(k + i);
                /* [KD §3.1] inverse: q = N ^ rotr64(E ^ bswap64(A ^ plain), N & 63) */
                q = KI_WAIT_NEVER ^ rotr64(enc ^ bswap64(KI_WAIT_ALWAYS ^ q), KI_WAIT_NEVER & 63);
                put64(k + i, q);
            }
        }
        vwrite(&g_sys, kdbg, k, P->kdbg_size);
        le_init(&g_sys, D + D_DBGLIST);
        vwp(&g_sys, D + D_DBGLIST, kdbg);
        vwp(&g_sys, D + D_DBGLIST + PS, kdbg);
    }

    /* ---- paging corner cases ---- */
    space_t *S = &g_sys;
    add_valid("kdbg", kdbg, S);
    add_valid("kernbase", nt->base, S);
    add_valid("system_eprocess", g_procs[0].eproc, S);
    /* large page */
    {
        uint64_t lsz = g_large_pages * PG;
        ent_wr(entry_pa(S, P->large_va, nlevels() - 2), (uint64_t)LARGE_PFN * PG | 0xE3 | (P->x64 ? 0x100 : 0));
        for (uint64_t i = 0; i < g_large_pages; i++)
            tag_page((LARGE_PFN + i) * PG);
        add_xl("large_page", P->large_va, S, "large", (uint64_t)LARGE_PFN * PG, lsz);
        add_xl("large_page_inner", P->large_va + lsz / 2 + 0x1234, S, "large",
               (uint64_t)LARGE_PFN * PG + lsz / 2 + 0x1234, lsz);
    }
    uint64_t cv = P->corner_va;
    uint64_t prot = 4 << 5; /* MM_READWRITE in Protection bits 5-9 */
    {
        uint64_t pa = alloc_pa();
        tag_page(pa);
        map4k(S, cv, pa, 0);
        add_xl("corner_valid", cv + 0x10, S, "valid", pa + 0x10, PG);
        pa = alloc_pa();
        tag_page(pa);
        set_leaf(S, cv + PG, pa | 0x800 | prot); /* Transition=1, Prototype=0 */
        add_xl("corner_transition", cv + PG + 0x20, S, "transition", pa + 0x20, PG);
        /* pagefile: file 2, page 0x1234 */
        uint64_t pf;
        if (P->paging == PG_X86)
            pf = (0x1234ull << 12) | (2 << 1) | prot;
        else if (P->x64 && P->build >= 17134)
            pf = (0x1234ull << 32) | (2ull << 12) | 0x10 /* SwizzleBit set: no swizzle */ | prot;
        else
            pf = (0x1234ull << 32) | (2 << 1) | prot;
        set_leaf(S, cv + 2 * PG, pf);
        add_xl("corner_pagefile", cv + 2 * PG, S, "pagefile", 0, PG);
        g_xl[g_nxl - 1].pf_num = 2, g_xl[g_nxl - 1].pf_off = 0x1234ull * PG;
        /* prototype: points to a prototype PTE (in nt .data) that is itself a pagefile PTE */
        uint64_t proto = D + D_PROTO, pp;
        if (P->paging == PG_X86)
            pp = ((proto & 0x7FFFFC00ull) << 1) | ((proto & 0x3FCull) >> 1) | 0x400;
        else if (P->paging == PG_PAE)
            pp = (proto << 32) | 0x400;
        else
            pp = (proto << 16) | 0x400;
        if (P->x64 && P->build >= 17134)
            pp |= 0x10;
        set_leaf(S, cv + 3 * PG, pp);
        if (P->paging == PG_X86)
            vw32(S, proto, (0x4321ull << 12) | prot);
        else
            vw64(S, proto, (0x4321ull << 32) | prot | (P->x64 && P->build >= 17134 ? 0x10 : 0));
        add_xl("corner_prototype", cv + 3 * PG, S, "prototype", 0, PG);
        g_xl[g_nxl - 1].proto = proto;
        set_leaf(S, cv + 4 * PG, prot); /* demand zero */
        add_xl("corner_demand_zero", cv + 4 * PG, S, "demand-zero", 0, PG);
        uint64_t hole_pa = (uint64_t)(HOLE_FIRST + 5) * PG;
        map4k(S, cv + 5 * PG, hole_pa, 0);
        add_xl("corner_not_in_dump", cv + 5 * PG + 0x30, S, o.raw ? "valid" : "not-in-dump",
               hole_pa + 0x30, PG);
        /* cv + 6 pages: PTE left zero */
        add_xl("corner_not_mapped_pte", cv + 6 * PG, S, "not-mapped", 0, PG);
        /* next page table: its page is in the hole */
        uint64_t span = 1ull << lvl_shift(nlevels() - 2);
        uint64_t tm_pa = (uint64_t)(HOLE_FIRST + 8) * PG;
        ent_wr(entry_pa(S, cv + span, nlevels() - 2), tm_pa | 0x63);
        add_xl("corner_table_missing", cv + span + 0x5000, S, o.raw ? "not-mapped" : "table-missing",
               0, PG);
        add_xl("corner_not_mapped_pde", cv + 2 * span, S, "not-mapped", 0, PG);
        if (P->huge_va) {
            ent_wr(entry_pa(S, P->huge_va, 1), 0x40000000ull | 0xE3);
            add_xl("huge_page_absent", P->huge_va + 0x123456, S, "not-in-dump",
                   0x40000000ull + 0x123456, 1ull << 30);
        }
    }
    /* ---- share the kernel half, last ---- */
    for (unsigned k = 1; k < o.procs; k++)
        space_share_kernel(&g_procs[k].sp);
    if (o.procs > 1) {
        proc_t *p1 = &g_procs[1];
        add_valid("process1_peb", p1->peb, &p1->sp);
        add_valid("process1_kdbg", kdbg, &p1->sp);
        add_valid("process1_exe", p1->exe.base, &p1->sp);
        add_xl("system_peb_of_process1", p1->peb, S, "not-mapped", 0, PG);
        if (o.procs > 2)
            add_valid("process2_ntdll", g_procs[2].ntdll.base + 0x1000, &g_procs[2].sp);
    }

    /* ---- layout ---- */
    lays(P->name, "profile");
    lays(P->x64 ? "x64" : "x86", "arch");
    lays(P->paging == PG_X86 ? "x86" : P->paging == PG_PAE ? "pae" : "x64", "paging");
    layx(P->build, "build");
    lays(o.raw ? "raw" : "dmp", "format");
    layx(g_npages * PG, "phys_size");
    for (unsigned r = 0; r < nruns; r++) {
        layx(runs[r].base, "run%u_base_page", r);
        layx(runs[r].count, "run%u_page_count", r);
    }
    layx(g_sys.dtb, "dtb");
    uint64_t hdr_dtb = g_sys.dtb | (P->build >= 17134 ? 0x2 : 0); /* PCID-like low bits [HD §1.2] */
    if (!o.raw)
        layx(hdr_dtb, "header_dtb");
    layx(kdbg, "kdbg_va");
    layx(P->kdbg_size, "kdbg_size");
    layx(o.encoded, "kdbg_encoded");
    layx(D + D_VERSION, "kd_version_block");
    if (kdcopy) {
        layx(kdcopy, "kd_copy_data_block");
        layx(D + D_ENCODED, "kdp_data_block_encoded");
        layx(D + D_WAITNEVER, "ki_wait_never_va");
        layx(D + D_WAITALWAYS, "ki_wait_always_va");
        layx(KI_WAIT_NEVER, "ki_wait_never");
        layx(KI_WAIT_ALWAYS, "ki_wait_always");
    }
    layx(nt->base, "kernbase");
    layx(D + D_PSLOADED, "ps_loaded_module_list");
    layx(D + D_PSACTIVE, "ps_active_process_head");
    layx(D + D_KIPB, "ki_processor_block");
    layx(D + D_PFNDB, "mm_pfn_database");
    layx(pfndb_value, "mm_pfn_database_value");
    layx(D + D_BUILDLAB, "nt_build_lab_va");
    lays(P->buildlab, "nt_build_lab");
    layx(D + D_INITPROC, "ps_initial_system_process");
    layx(D + D_PMB, "mm_physical_memory_block");
    if (P->kdbg_size >= 0x368)
        layx(0xFFFF000000000000ull | ((uint64_t)P->selfmap << 39), "pte_base");
    layx(bc[0], "bugcheck_code");
    for (int i = 1; i < 5; i++)
        layx(bc[i], "bugcheck_p%d", i);
    layx(o.mods, "module_count");
    for (unsigned k = 0; k < o.mods; k++) {
        mod_t *m = &g_mods[k];
        lays(m->name, "module%u_name", k);
        lays(m->path, "module%u_path", k);
        layx(m->base, "module%u_base", k);
        layx(m->size, "module%u_size", k);
        layx(m->entry, "module%u_entry", k);
        layx(m->tds, "module%u_timestamp", k);
        layx(m->csum, "module%u_checksum", k);
        layx(m->ldr, "module%u_ldr_entry", k);
    }
    layx(g_nexp, "export_count");
    for (unsigned i = 0; i < g_nexp; i++) {
        lays(g_exps[i].mod, "export%u_module", i);
        lays(g_exps[i].name, "export%u_name", i);
        layx(g_exps[i].addr, "export%u_address", i);
        lays(g_exps[i].data ? "data" : "code", "export%u_kind", i);
        lays(g_exps[i].user ? "user" : "kernel", "export%u_space", i);
    }
    layx(o.procs, "process_count");
    for (unsigned k = 0; k < o.procs; k++) {
        proc_t *p = &g_procs[k];
        layx(p->eproc, "process%u_eprocess", k);
        layx(p->pid, "process%u_pid", k);
        layx(p->ppid, "process%u_ppid", k);
        lays(p->name, "process%u_name", k);
        layx(p->sp.dtb, "process%u_dtb", k);
        layx(p->peb, "process%u_peb", k);
        layx(p->objtable, "process%u_object_table", k);
        if (P->ht_count)
            layx(p->handles, "process%u_handle_count", k);
        layx(p->ctime, "process%u_create_time", k);
        layx(p->nthreads, "process%u_thread_count", k);
        if (k) {
            unsigned num = p->svc ? 3 : 2;
            layx(num, "process%u_umodule_count", k);
            mod_t *um[3] = {&p->exe, &p->ntdll, &p->k32};
            for (unsigned j = 0; j < num; j++) {
                lays(um[j]->name, "process%u_umodule%u_name", k, j);
                lays(um[j]->path, "process%u_umodule%u_path", k, j);
                layx(um[j]->base, "process%u_umodule%u_base", k, j);
                layx(um[j]->size, "process%u_umodule%u_size", k, j);
                layx(um[j]->ldr, "process%u_umodule%u_ldr_entry", k, j);
            }
        } else
            layx(0, "process%u_umodule_count", k);
    }
    layx(g_nthr, "thread_count");
    for (unsigned i = 0; i < g_nthr; i++) {
        thr_t *t = &g_thr[i];
        layx(t->ethread, "thread%u_ethread", i);
        layx(t->tid, "thread%u_tid", i);
        layx(g_procs[t->proc].pid, "thread%u_pid", i);
        layx(g_procs[t->proc].eproc, "thread%u_process", i);
        layx(t->teb, "thread%u_teb", i);
        layx(t->start, "thread%u_start_address", i);
        layx(t->w32start, "thread%u_win32_start_address", i);
        layx(t->state, "thread%u_state", i);
        layx(t->wreason, "thread%u_wait_reason", i);
        layx(t->prio, "thread%u_priority", i);
        layx(t->sbase, "thread%u_stack_base", i);
        layx(t->slimit, "thread%u_stack_limit", i);
        layx(t->istack, "thread%u_initial_stack", i);
        layx(t->kstack, "thread%u_kernel_stack", i);
        if (t->teb) {
            layx(t->ustack_base, "thread%u_user_stack_base", i);
            layx(t->ustack_limit, "thread%u_user_stack_limit", i);
        }
    }
    layx(o.cpus, "cpu_count");
    for (unsigned i = 0; i < o.cpus; i++) {
        layx(g_cpu[i].pcr, "cpu%u_pcr", i);
        layx(g_cpu[i].prcb, "cpu%u_prcb", i);
        layx(g_cpu[i].cur, "cpu%u_current_thread", i);
        layx(g_cpu[i].prcb + P->prcb_ctxframe, "cpu%u_context_frame", i);
        layx(g_cpu[i].ctx, "cpu%u_context", i);
        layx(g_cpu[i].pc, "cpu%u_pc", i);
        layx(g_cpu[i].sp, "cpu%u_sp", i);
    }
    layx(g_nxl, "xlate_count");
    for (unsigned i = 0; i < g_nxl; i++) {
        xl_t *x = &g_xl[i];
        lays(x->what, "xlate%u_what", i);
        layx(x->va, "xlate%u_va", i);
        layx(x->dtb, "xlate%u_dtb", i);
        lays(x->state, "xlate%u_state", i);
        if (!strcmp(x->state, "valid") || !strcmp(x->state, "large") ||
            !strcmp(x->state, "transition") || !strcmp(x->state, "not-in-dump"))
            layx(x->pa, "xlate%u_pa", i);
        layx(x->size, "xlate%u_page_size", i);
        if (x->pf_off) {
            layx(x->pf_num, "xlate%u_pagefile_number", i);
            layx(x->pf_off, "xlate%u_pagefile_offset", i);
        }
        if (x->proto)
            layx(x->proto, "xlate%u_proto_pte_va", i);
    }

    story_layout();

    /* ---- write ---- */
    size_t tl = strlen(o.out) + 5;
    g_tmp = xcalloc(1, tl);
    snprintf(g_tmp, tl, "%s.tmp", o.out);
    int fd = open(g_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        char *t = g_tmp;
        g_tmp = NULL;
        die("cannot create '%s': %s", t, strerror(errno));
    }
    uint64_t fsize;
    if (o.raw) {
        /* flat physical memory; PFN 0 and the hole stay zero */
        memset(g_pm, 0, PG);
        memset(g_pm + (uint64_t)HOLE_FIRST * PG, 0, (uint64_t)HOLE_PAGES * PG);
        xwrite(fd, g_pm, g_npages * PG);
        fsize = g_npages * PG;
        if (nruns == 3) {
            fsize = (runs[2].base + runs[2].count) * PG;
            if (ftruncate(fd, (off_t)fsize))
                die("ftruncate: %s", strerror(errno));
        }
    } else {
        uint8_t hdr[0x2000];
        size_t hs = build_header(hdr, runs, nruns, npages, kdbg, D + D_PSLOADED, D + D_PSACTIVE,
                                 D + D_PFNDB, o.cpus, bc, ctx0, hdr_dtb);
        xwrite(fd, hdr, hs);
        for (unsigned r = 0; r < 2; r++)
            xwrite(fd, g_pm + runs[r].base * PG, runs[r].count * PG);
        fsize = hs + npages * PG;
        if (nruns == 3 && ftruncate(fd, (off_t)fsize)) /* zero pages, sparse */
            die("ftruncate: %s", strerror(errno));
        layx(hs, "header_size");
        for (unsigned r = 0; r < nruns; r++)
            layx(hs + (r ? runs[0].count * PG : 0), "run%u_file_offset", r);
    }
    layx(fsize, "file_size");
    if (close(fd))
        die("close: %s", strerror(errno));
    if (rename(g_tmp, o.out))
        die("rename to '%s': %s", o.out, strerror(errno));
    free(g_tmp);
    g_tmp = NULL;
    if (o.layout)
        for (size_t i = 0; i < g_nkv; i++)
            printf("%s %s\n", g_kv[i].key, g_kv[i].val);
    free(g_kv);
    free(g_pm);
    free(g_used);
    free(g_mods);
    free(g_procs);
    free(g_thr);
    free(g_cpu);
    return 0;
}
