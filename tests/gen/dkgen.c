/*
 * dkgen - deterministic generator of synthetic Windows kernel crash dumps
 * (PAGEDUMP / PAGEDU64) for dmpkit tests.
 *
 * This is an INDEPENDENT implementation written from
 * /work/shared/docs/kernel-dump-format.md and facts checked on a real ARM64
 * triage dump.  It deliberately shares no code with the dmpkit library.
 * Standalone: C17 + POSIX only.  See README.md in this directory.
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
#include <sys/types.h>
#include <unistd.h>

#define PAGE_SZ 4096u
#define CHUNK_BYTES (8u * 1024u * 1024u)

/* ------------------------------------------------------------------ */
/* small utilities                                                     */

static const char *g_prog = "dkgen";
static char *g_tmp_path; /* removed by die() if set */

_Noreturn static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", g_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (g_tmp_path)
        unlink(g_tmp_path);
    exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        die("out of memory");
    return p;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* "decimal or 0x hex" */
static int parse_num(const char *s, uint64_t *out)
{
    const char *p = s;
    int base = 10;
    uint64_t v = 0;
    if (!*p)
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!*p)
            return -1;
    }
    for (; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            return -1;
        v = v * (uint64_t)base + d;
    }
    *out = v;
    return 0;
}

/* hex with or without 0x prefix */
static int parse_hex(const char *s, uint64_t *out)
{
    char buf[80];
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_num(s, out);
    if (strlen(s) > 70)
        return -1;
    snprintf(buf, sizeof buf, "0x%s", s);
    return parse_num(buf, out);
}

static uint64_t need_num(const char *opt, const char *s)
{
    uint64_t v;
    if (parse_num(s, &v))
        die("%s: bad number '%s' (decimal or 0x-hex expected)", opt, s);
    return v;
}

static uint64_t need_hex(const char *opt, const char *s)
{
    uint64_t v;
    if (parse_hex(s, &v))
        die("%s: bad hex number '%s'", opt, s);
    return v;
}

/* little-endian stores into a bounded buffer */
typedef struct {
    uint8_t *p;
    size_t n;
} buf_t;

static void chk(const buf_t *b, uint64_t off, uint64_t len)
{
    if (off > b->n || len > b->n - off) {
        fprintf(stderr, "%s: internal error: store at 0x%" PRIx64 "+%" PRIu64
                        " outside buffer of %zu bytes\n",
                g_prog, off, len, b->n);
        abort();
    }
}
static void w8(buf_t *b, uint64_t off, uint64_t v)
{
    chk(b, off, 1);
    b->p[off] = (uint8_t)v;
}
static void w16(buf_t *b, uint64_t off, uint64_t v)
{
    chk(b, off, 2);
    for (int i = 0; i < 2; i++)
        b->p[off + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}
static void w32(buf_t *b, uint64_t off, uint64_t v)
{
    chk(b, off, 4);
    for (int i = 0; i < 4; i++)
        b->p[off + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}
static void w64(buf_t *b, uint64_t off, uint64_t v)
{
    chk(b, off, 8);
    for (int i = 0; i < 8; i++)
        b->p[off + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}
static void wbytes(buf_t *b, uint64_t off, const void *src, size_t len)
{
    chk(b, off, len);
    memcpy(b->p + off, src, len);
}
static void wzero(buf_t *b, uint64_t off, uint64_t len)
{
    chk(b, off, len);
    memset(b->p + off, 0, (size_t)len);
}
/* UTF-16LE of an ASCII string, no terminator */
static void wwstr(buf_t *b, uint64_t off, const char *s, size_t maxchars)
{
    for (size_t i = 0; s[i] && i < maxchars; i++)
        w16(b, off + 2 * i, (uint8_t)s[i]);
}
static void page_fill(buf_t *b, uint64_t off, uint64_t len)
{
    static const char pat[4] = {'P', 'A', 'G', 'E'};
    chk(b, off, len);
    for (uint64_t o = off; o < off + len; o++)
        b->p[o] = (uint8_t)pat[o % 4];
}

/* ------------------------------------------------------------------ */
/* layout report                                                       */

typedef struct {
    char key[48];
    uint64_t val;
} kv_t;
static kv_t *g_kv;
static size_t g_nkv, g_capkv;

static void lay(uint64_t val, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lay(uint64_t val, const char *fmt, ...)
{
    va_list ap;
    if (g_nkv == g_capkv) {
        g_capkv = g_capkv ? g_capkv * 2 : 256;
        g_kv = realloc(g_kv, g_capkv * sizeof *g_kv);
        if (!g_kv)
            die("out of memory");
    }
    va_start(ap, fmt);
    vsnprintf(g_kv[g_nkv].key, sizeof g_kv[g_nkv].key, fmt, ap);
    va_end(ap);
    g_kv[g_nkv].val = val;
    g_nkv++;
}

/* ------------------------------------------------------------------ */
/* options                                                             */

enum arch { ARCH_X86, ARCH_X64, ARCH_ARM64 };
enum fill { FILL_TAG, FILL_ZERO, FILL_NONE };

typedef struct {
    uint64_t base, count;
} run_t;

typedef struct {
    uint64_t off, val;
    unsigned size;
} setop_t;

typedef struct {
    const char *out;
    enum arch arch;
    unsigned type;
    run_t *runs;
    size_t nruns;
    int have_bitmap_bits;
    uint64_t bitmap_bits;
    enum fill fill;
    uint64_t build, cpus;
    uint64_t bc[5];
    uint64_t dtb, kdbg;
    int have_kdbg;
    const char *comment;
    uint64_t systime, uptime;
    uint64_t pae;
    int have_pae;
    int leave_page_fill;
    int force, force_runs;
    int have_truncate;
    uint64_t truncate_to;
    setop_t *sets;
    size_t nsets;
    int print_layout;
    /* triage */
    uint64_t unloaded, drivers, stack_bytes, datablocks, datablock_size;
    int triage_ctx_in_header;
    int ldr_names_zero;
    /* misc */
    int no_pmb;
    int bmp_sig; /* 0 default, 'S' or 'F' */
    int bmp_unaligned;
    int bmp_legacy32;
    uint64_t sp;
    int have_sp;
    uint64_t pfndb, psloaded, psactive, attributes;
    int have_pfndb, have_psloaded, have_psactive, have_attributes;
} opts_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: dkgen OUTPUT [options]\n"
            "  --arch x86|x64|arm64      (default x64)\n"
            "  --type N                  1 full,2 summary,3 header,4 triage,5 bitmap full,\n"
            "                            6 bitmap kernel,8/9 RDMP kernel,10 RDMP complete (default 1)\n"
            "  --runs B:C[,B:C...]       physical runs, base PFN:count (default 0:16,0x100:32)\n"
            "  --bitmap-bits N           bitmap bit count (bitmap types)\n"
            "  --fill tag|zero|none      page contents (default tag)\n"
            "  --build N --cpus N --bugcheck CODE[,P1,P2,P3,P4] --dtb HEX --kdbg HEX\n"
            "  --comment TEXT --system-time FILETIME --uptime N --pae 0|1 --leave-page-fill\n"
            "  --sp HEX --pfndb HEX --psloaded HEX --psactive HEX --attributes HEX\n"
            "  --no-pmb --bmp-sig SDMP|FDMP --bmp-unaligned --bmp-legacy32 --force-runs\n"
            "  triage: --unloaded N --drivers N --stack-bytes N --datablocks N\n"
            "          --datablock-size N --triage-ctx-in-header --ldr-names-zero\n"
            "  damage: --truncate N --set OFFSET=HEX[:SIZE] (repeatable)\n"
            "  --print-layout --force\n"
            "See tests/gen/README.md for the exact values written.\n");
}

static void parse_runs(opts_t *o, const char *s)
{
    char *dup = strdup(s), *save = NULL, *tok;
    size_t cap = 8;
    if (!dup)
        die("out of memory");
    free(o->runs);
    o->runs = xcalloc(cap, sizeof *o->runs);
    o->nruns = 0;
    for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (!colon)
            die("--runs: '%s' is not BASE:COUNT", tok);
        *colon = 0;
        if (o->nruns == cap) {
            cap *= 2;
            o->runs = realloc(o->runs, cap * sizeof *o->runs);
            if (!o->runs)
                die("out of memory");
        }
        o->runs[o->nruns].base = need_num("--runs", tok);
        o->runs[o->nruns].count = need_num("--runs", colon + 1);
        o->nruns++;
    }
    free(dup);
    if (o->nruns == 0)
        die("--runs: empty list");
}

static void parse_bugcheck(opts_t *o, const char *s)
{
    char *dup = strdup(s), *save = NULL, *tok;
    int i = 0;
    if (!dup)
        die("out of memory");
    for (int k = 1; k < 5; k++)
        o->bc[k] = 0;
    for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (i >= 5)
            die("--bugcheck: at most CODE and 4 parameters");
        o->bc[i++] = need_num("--bugcheck", tok);
    }
    free(dup);
    if (i == 0)
        die("--bugcheck: missing code");
}

static void parse_set(opts_t *o, const char *s)
{
    char *dup = strdup(s);
    char *eq, *colon;
    setop_t st;
    if (!dup)
        die("out of memory");
    eq = strchr(dup, '=');
    if (!eq)
        die("--set: expected OFFSET=HEX[:SIZE]");
    *eq = 0;
    colon = strchr(eq + 1, ':');
    st.size = 4;
    if (colon) {
        uint64_t sz;
        *colon = 0;
        sz = need_num("--set size", colon + 1);
        if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
            die("--set: SIZE must be 1, 2, 4 or 8");
        st.size = (unsigned)sz;
    }
    st.off = need_num("--set offset", dup);
    st.val = need_hex("--set value", eq + 1);
    if (st.size < 8 && (st.val >> (8 * st.size)) != 0)
        die("--set: value 0x%" PRIx64 " does not fit in %u bytes", st.val, st.size);
    o->sets = realloc(o->sets, (o->nsets + 1) * sizeof *o->sets);
    if (!o->sets)
        die("out of memory");
    o->sets[o->nsets++] = st;
    free(dup);
}

static void parse_args(opts_t *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->arch = ARCH_X64;
    o->type = 1;
    o->fill = FILL_TAG;
    o->build = 19041;
    o->cpus = 4;
    o->bc[0] = 0x1E;
    o->bc[1] = 0xC0000005;
    o->bc[2] = 0xFFFFF80012345678ull;
    o->bc[3] = 0;
    o->bc[4] = 0x1D;
    o->dtb = 0x1AD000;
    o->systime = 0x01DB1C9A5B8C3000ull;
    o->uptime = 36000000000ull;
    o->pae = 1;
    o->unloaded = 2;
    o->drivers = 3;
    o->stack_bytes = 0x200;
    o->datablocks = 2;
    o->datablock_size = 0x100;
    parse_runs(o, "0:16,0x100:32");

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (die("%s needs an argument", a), (char *)NULL))
        if (a[0] != '-' || a[1] != '-') {
            if (o->out)
                die("more than one OUTPUT given ('%s', '%s')", o->out, a);
            o->out = a;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--arch")) {
            const char *v = ARG();
            if (!strcmp(v, "x86"))
                o->arch = ARCH_X86;
            else if (!strcmp(v, "x64"))
                o->arch = ARCH_X64;
            else if (!strcmp(v, "arm64"))
                o->arch = ARCH_ARM64;
            else
                die("--arch: expected x86, x64 or arm64");
        } else if (!strcmp(a, "--type")) {
            uint64_t t = need_num(a, ARG());
            if (!(t >= 1 && t <= 6) && !(t >= 8 && t <= 10))
                die("--type: supported values are 1-6, 8, 9, 10");
            o->type = (unsigned)t;
        } else if (!strcmp(a, "--runs")) {
            parse_runs(o, ARG());
        } else if (!strcmp(a, "--bitmap-bits")) {
            o->bitmap_bits = need_num(a, ARG());
            o->have_bitmap_bits = 1;
        } else if (!strcmp(a, "--fill")) {
            const char *v = ARG();
            if (!strcmp(v, "tag"))
                o->fill = FILL_TAG;
            else if (!strcmp(v, "zero"))
                o->fill = FILL_ZERO;
            else if (!strcmp(v, "none"))
                o->fill = FILL_NONE;
            else
                die("--fill: expected tag, zero or none");
        } else if (!strcmp(a, "--build")) {
            o->build = need_num(a, ARG());
        } else if (!strcmp(a, "--cpus")) {
            o->cpus = need_num(a, ARG());
        } else if (!strcmp(a, "--bugcheck")) {
            parse_bugcheck(o, ARG());
        } else if (!strcmp(a, "--dtb")) {
            o->dtb = need_hex(a, ARG());
        } else if (!strcmp(a, "--kdbg")) {
            o->kdbg = need_hex(a, ARG());
            o->have_kdbg = 1;
        } else if (!strcmp(a, "--comment")) {
            o->comment = ARG();
        } else if (!strcmp(a, "--system-time")) {
            o->systime = need_num(a, ARG());
        } else if (!strcmp(a, "--uptime")) {
            o->uptime = need_num(a, ARG());
        } else if (!strcmp(a, "--pae")) {
            o->pae = need_num(a, ARG());
            if (o->pae > 1)
                die("--pae: 0 or 1");
            o->have_pae = 1;
        } else if (!strcmp(a, "--leave-page-fill")) {
            o->leave_page_fill = 1;
        } else if (!strcmp(a, "--force")) {
            o->force = 1;
        } else if (!strcmp(a, "--force-runs")) {
            o->force_runs = 1;
        } else if (!strcmp(a, "--truncate")) {
            o->truncate_to = need_num(a, ARG());
            o->have_truncate = 1;
        } else if (!strcmp(a, "--set")) {
            parse_set(o, ARG());
        } else if (!strcmp(a, "--print-layout")) {
            o->print_layout = 1;
        } else if (!strcmp(a, "--unloaded")) {
            o->unloaded = need_num(a, ARG());
        } else if (!strcmp(a, "--drivers")) {
            o->drivers = need_num(a, ARG());
        } else if (!strcmp(a, "--stack-bytes")) {
            o->stack_bytes = need_num(a, ARG());
        } else if (!strcmp(a, "--datablocks")) {
            o->datablocks = need_num(a, ARG());
        } else if (!strcmp(a, "--datablock-size")) {
            o->datablock_size = need_num(a, ARG());
        } else if (!strcmp(a, "--triage-ctx-in-header")) {
            o->triage_ctx_in_header = 1;
        } else if (!strcmp(a, "--ldr-names-zero")) {
            o->ldr_names_zero = 1;
        } else if (!strcmp(a, "--no-pmb")) {
            o->no_pmb = 1;
        } else if (!strcmp(a, "--bmp-sig")) {
            const char *v = ARG();
            if (!strcmp(v, "SDMP"))
                o->bmp_sig = 'S';
            else if (!strcmp(v, "FDMP"))
                o->bmp_sig = 'F';
            else
                die("--bmp-sig: SDMP or FDMP");
        } else if (!strcmp(a, "--bmp-unaligned")) {
            o->bmp_unaligned = 1;
        } else if (!strcmp(a, "--bmp-legacy32")) {
            o->bmp_legacy32 = 1;
        } else if (!strcmp(a, "--sp")) {
            o->sp = need_hex(a, ARG());
            o->have_sp = 1;
        } else if (!strcmp(a, "--pfndb")) {
            o->pfndb = need_hex(a, ARG());
            o->have_pfndb = 1;
        } else if (!strcmp(a, "--psloaded")) {
            o->psloaded = need_hex(a, ARG());
            o->have_psloaded = 1;
        } else if (!strcmp(a, "--psactive")) {
            o->psactive = need_hex(a, ARG());
            o->have_psactive = 1;
        } else if (!strcmp(a, "--attributes")) {
            o->attributes = need_hex(a, ARG());
            o->have_attributes = 1;
        } else {
            usage(stderr);
            die("unknown option '%s'", a);
        }
#undef ARG
    }
    if (!o->out) {
        usage(stderr);
        die("missing OUTPUT");
    }
}

/* ------------------------------------------------------------------ */
/* derived parameters                                                  */

typedef struct {
    int is64;
    uint64_t hdr;         /* header size 0x1000/0x2000 */
    uint32_t machine;
    uint64_t vamask;      /* 0xFFFFFFFF on x86 */
    uint64_t bc[5];
    uint64_t kdbg, pfndb, psloaded, psactive, sp, ntbase, ntsize;
    uint64_t ctx_size;    /* used CONTEXT bytes */
    uint64_t total_pages; /* sum of run counts */
} env_t;

static void derive(const opts_t *o, env_t *e)
{
    memset(e, 0, sizeof *e);
    e->is64 = o->arch != ARCH_X86;
    e->hdr = e->is64 ? 0x2000 : 0x1000;
    e->machine = o->arch == ARCH_X86 ? 0x14C : o->arch == ARCH_X64 ? 0x8664 : 0xAA64;
    e->vamask = e->is64 ? UINT64_MAX : 0xFFFFFFFFull;
    for (int i = 0; i < 5; i++)
        e->bc[i] = o->bc[i] & e->vamask;
    e->bc[0] &= 0xFFFFFFFFull; /* BugCheckCode is 32-bit on both */
    if (e->is64) {
        e->kdbg = o->have_kdbg ? o->kdbg : 0xFFFFF80012000000ull;
        e->pfndb = 0xFFFFFA8000000000ull;
        e->psloaded = 0xFFFFF800122F12D0ull;
        e->psactive = 0xFFFFF800122E2E70ull;
        e->sp = 0xFFFFF80012FF0000ull;
        e->ntbase = 0xFFFFF80012000000ull;
        e->ntsize = 0x1000000;
        e->ctx_size = o->arch == ARCH_X64 ? 0x4D0 : 0x390;
    } else {
        e->kdbg = o->have_kdbg ? o->kdbg : 0x80545CE0ull;
        e->pfndb = 0x805620F0ull;
        e->psloaded = 0x8055A620ull;
        e->psactive = 0x8055A358ull;
        e->sp = 0x8FF00000ull;
        e->ntbase = 0x80400000ull;
        e->ntsize = 0x400000;
        e->ctx_size = 0x2CC;
    }
    if (o->have_pfndb)
        e->pfndb = o->pfndb;
    if (o->have_psloaded)
        e->psloaded = o->psloaded;
    if (o->have_psactive)
        e->psactive = o->psactive;
    if (o->have_sp)
        e->sp = o->sp;
    e->kdbg &= e->vamask;
    e->pfndb &= e->vamask;
    e->psloaded &= e->vamask;
    e->psactive &= e->vamask;
    e->sp &= e->vamask;
}

static void validate(const opts_t *o, env_t *e)
{
    uint64_t total = 0;
    for (size_t i = 0; i < o->nruns; i++) {
        const run_t *r = &o->runs[i];
        if (r->base > UINT64_MAX - r->count)
            die("--runs: run %zu overflows (base 0x%" PRIx64 " + count 0x%" PRIx64 ")", i,
                r->base, r->count);
        if (r->count == 0 && !o->force_runs)
            die("--runs: run %zu has count 0 (use --force-runs)", i);
        if (!e->is64 && (r->base > 0xFFFFFFFFull || r->count > 0xFFFFFFFFull))
            die("--runs: run %zu does not fit the 32-bit descriptor", i);
        if (i > 0 && !o->force_runs) {
            const run_t *p = &o->runs[i - 1];
            if (r->base < p->base + p->count)
                die("--runs: runs must be ascending and non-overlapping (use --force-runs)");
        }
        if (total > UINT64_MAX / PAGE_SZ - r->count)
            die("--runs: too many pages");
        total += r->count;
    }
    if (!e->is64 && total > 0xFFFFFFFFull)
        die("--runs: NumberOfPages does not fit the 32-bit descriptor");
    e->total_pages = total;
    if (o->type == 1) {
        size_t cap = e->is64 ? 42 : 86;
        if (o->nruns > cap && !o->force_runs)
            die("--runs: %zu runs do not fit a %s full-dump header (max %zu; --force-runs)",
                o->nruns, e->is64 ? "64-bit" : "32-bit", cap);
    }
    if (!e->is64 && o->type >= 8)
        die("--type %u (RDMP) exists only for 64-bit dumps", o->type);
    if (o->arch != ARCH_X86 && o->have_pae)
        die("--pae applies only to --arch x86");
    if (o->type == 4) {
        if (o->drivers > 100000 || o->unloaded > 100000 || o->datablocks > 100000)
            die("triage counts too large");
        if (o->stack_bytes > 0x4000000 || o->datablock_size > 0x1000000)
            die("triage sizes too large");
    }
}

/* ------------------------------------------------------------------ */
/* CONTEXT / exception                                                 */

static void build_context(const opts_t *o, const env_t *e, buf_t *b, uint64_t at)
{
    wzero(b, at, e->ctx_size);
    if (o->arch == ARCH_X64) {
        w32(b, at + 0x30, 0x0010001F);   /* ContextFlags */
        w32(b, at + 0x34, 0x1F80);       /* MxCsr */
        w16(b, at + 0x38, 0x10);         /* SegCs */
        w16(b, at + 0x3A, 0x2B);         /* SegDs */
        w16(b, at + 0x3C, 0x2B);         /* SegEs */
        w16(b, at + 0x3E, 0x53);         /* SegFs */
        w16(b, at + 0x40, 0x2B);         /* SegGs */
        w16(b, at + 0x42, 0x18);         /* SegSs */
        w32(b, at + 0x44, 0x00000246);   /* EFlags */
        w64(b, at + 0x78, e->bc[0]);     /* Rax = code */
        w64(b, at + 0x80, e->bc[1]);     /* Rcx = P1 */
        w64(b, at + 0x88, e->bc[2]);     /* Rdx = P2 */
        w64(b, at + 0x98, e->sp);        /* Rsp */
        w64(b, at + 0xA0, e->sp + 0x80); /* Rbp */
        w64(b, at + 0xB8, e->bc[3]);     /* R8 = P3 */
        w64(b, at + 0xC0, e->bc[4]);     /* R9 = P4 */
        w64(b, at + 0xF8, e->bc[2]);     /* Rip = P2 */
        w16(b, at + 0x100, 0x027F);      /* FltSave.ControlWord */
        w32(b, at + 0x118, 0x1F80);      /* FltSave.MxCsr */
        w32(b, at + 0x11C, 0xFFFF);      /* FltSave.MxCsr_Mask */
    } else if (o->arch == ARCH_ARM64) {
        w32(b, at + 0x00, 0x00400007);   /* ContextFlags */
        w32(b, at + 0x04, 0x80000144);   /* Cpsr */
        w64(b, at + 0x08, e->bc[0]);     /* X0 = code */
        w64(b, at + 0x10, e->bc[1]);     /* X1..X4 = P1..P4 */
        w64(b, at + 0x18, e->bc[2]);
        w64(b, at + 0x20, e->bc[3]);
        w64(b, at + 0x28, e->bc[4]);
        w64(b, at + 0xF0, e->sp + 0x80);       /* Fp */
        w64(b, at + 0xF8, e->ntbase + 0x1000); /* Lr */
        w64(b, at + 0x100, e->sp);             /* Sp */
        w64(b, at + 0x108, e->bc[2]);          /* Pc = P2 */
    } else {
        w32(b, at + 0x00, 0x00010017);   /* ContextFlags */
        w32(b, at + 0x90, 0x30);         /* SegFs */
        w32(b, at + 0x94, 0x23);         /* SegEs */
        w32(b, at + 0x98, 0x23);         /* SegDs */
        w32(b, at + 0xA8, e->bc[2]);     /* Edx = P2 */
        w32(b, at + 0xAC, e->bc[1]);     /* Ecx = P1 */
        w32(b, at + 0xB0, e->bc[0]);     /* Eax = code */
        w32(b, at + 0xB4, (e->sp + 0x40) & 0xFFFFFFFFu); /* Ebp */
        w32(b, at + 0xB8, e->bc[2]);     /* Eip = P2 */
        w32(b, at + 0xBC, 0x08);         /* SegCs */
        w32(b, at + 0xC0, 0x00000246);   /* EFlags */
        w32(b, at + 0xC4, e->sp);        /* Esp */
        w32(b, at + 0xC8, 0x10);         /* SegSs */
    }
}

static uint64_t exc_size(const env_t *e) { return e->is64 ? 0x98 : 0x50; }

static void build_exception(const env_t *e, buf_t *b, uint64_t at)
{
    wzero(b, at, exc_size(e));
    w32(b, at + 0x0, e->bc[1] & 0xFFFFFFFFu); /* ExceptionCode = P1 */
    w32(b, at + 0x4, 1);                      /* ExceptionFlags = NONCONTINUABLE */
    if (e->is64) {
        w64(b, at + 0x10, e->bc[2]); /* ExceptionAddress = P2 */
        w32(b, at + 0x18, 2);        /* NumberParameters */
        w64(b, at + 0x20, e->bc[3]); /* Information[0] = P3 */
        w64(b, at + 0x28, e->bc[4]); /* Information[1] = P4 */
    } else {
        w32(b, at + 0x0C, e->bc[2]);
        w32(b, at + 0x10, 2);
        w32(b, at + 0x14, e->bc[3]);
        w32(b, at + 0x18, e->bc[4]);
    }
}

/* ------------------------------------------------------------------ */
/* main header                                                         */

static void build_header(const opts_t *o, const env_t *e, buf_t *b, uint64_t file_size)
{
    int lp = o->leave_page_fill;
    const char *comment = o->comment ? o->comment : (lp ? NULL : "dkgen synthetic dump");
    size_t cap = e->is64 ? 43 : 86; /* runs that physically fit in the 700(+4)-byte buffer */
    size_t nstore = o->nruns < cap ? o->nruns : cap;
    uint64_t nruns_field, npages_field = 0;
    uint64_t pmb = e->is64 ? 0x88 : 0x64;
    uint64_t ctx = e->is64 ? 0x348 : 0x320;
    uint64_t exc = e->is64 ? 0xF00 : 0x7D0;
    uint64_t cmt = e->is64 ? 0xFB0 : 0x820;

    page_fill(b, 0, e->hdr);
    wbytes(b, 0, "PAGE", 4);
    wbytes(b, 4, e->is64 ? "DU64" : "DUMP", 4);
    w32(b, 0x08, 0xF);
    w32(b, 0x0C, o->build);

    if (o->type == 1 && o->nruns > cap)
        nruns_field = o->nruns; /* --force-runs: lie about the count, store what fits */
    else
        nruns_field = nstore;
    if (nruns_field == o->nruns)
        npages_field = e->total_pages;
    else
        for (size_t i = 0; i < nstore; i++)
            npages_field += o->runs[i].count;

    if (e->is64) {
        w64(b, 0x10, o->dtb);
        w64(b, 0x18, e->pfndb);
        w64(b, 0x20, e->psloaded);
        w64(b, 0x28, e->psactive);
        w32(b, 0x30, e->machine);
        w32(b, 0x34, o->cpus);
        w32(b, 0x38, e->bc[0]);
        /* 0x3C padding keeps PAGE like kernel-written dumps */
        for (int i = 0; i < 4; i++)
            w64(b, 0x40 + 8 * (uint64_t)i, e->bc[1 + i]);
        /* 0x60 VersionUser stays PAGE (real dumps) */
        w64(b, 0x80, e->kdbg);
        if (!o->no_pmb) {
            w32(b, pmb + 0, nruns_field);
            /* pmb+4 padding stays PAGE (as seen in a real kernel full dump) */
            w64(b, pmb + 8, npages_field);
            for (size_t i = 0; i < nstore; i++) {
                w64(b, pmb + 0x10 + 16 * i, o->runs[i].base);
                w64(b, pmb + 0x18 + 16 * i, o->runs[i].count);
            }
        }
    } else {
        w32(b, 0x10, o->dtb);
        w32(b, 0x14, e->pfndb);
        w32(b, 0x18, e->psloaded);
        w32(b, 0x1C, e->psactive);
        w32(b, 0x20, e->machine);
        w32(b, 0x24, o->cpus);
        w32(b, 0x28, e->bc[0]);
        for (int i = 0; i < 4; i++)
            w32(b, 0x2C + 4 * (uint64_t)i, e->bc[1 + i]);
        w8(b, 0x5C, o->pae);
        if (!lp)
            w8(b, 0x5D, 0); /* KdSecondaryVersion */
        w32(b, 0x60, e->kdbg);
        if (!o->no_pmb) {
            w32(b, pmb + 0, nruns_field);
            w32(b, pmb + 4, npages_field);
            for (size_t i = 0; i < nstore; i++) {
                w32(b, pmb + 8 + 8 * i, o->runs[i].base);
                w32(b, pmb + 12 + 8 * i, o->runs[i].count);
            }
        }
    }

    if (!lp) /* kernel-written dumps zero the whole ContextRecord area */
        wzero(b, ctx, exc - ctx);
    build_context(o, e, b, ctx);
    build_exception(e, b, exc);

    if (comment) {
        size_t n = strlen(comment);
        if (n > 127)
            n = 127;
        wzero(b, cmt, 128);
        wbytes(b, cmt, comment, n);
    }

    if (e->is64) {
        w32(b, 0xF98, o->type);
        /* 0xF9C padding keeps PAGE (real kernel-written dumps) */
        w64(b, 0xFA0, file_size);
        w64(b, 0xFA8, o->systime);
        w64(b, 0x1030, o->uptime);
        w32(b, 0x1038, 0xCFF); /* MiniDumpFields as seen in real dumps */
        if (!lp) {
            w32(b, 0x103C, 0);     /* SecondaryDataState */
            w32(b, 0x1040, 1);     /* ProductType: VER_NT_WORKSTATION */
            w32(b, 0x1044, 0x110); /* SuiteMask */
            w32(b, 0x1048, 0);     /* WriterStatus */
            w8(b, 0x104D, 0);      /* KdSecondaryVersion */
            w32(b, 0x1050, o->have_attributes ? o->attributes : 0);
            w32(b, 0x1054, 1); /* BootId */
        } else if (o->have_attributes) {
            w32(b, 0x1050, o->attributes);
        }
    } else {
        if (!lp) {
            w32(b, 0x8A0, o->have_attributes ? o->attributes : 0);
            w32(b, 0x8A4, 1);
        } else if (o->have_attributes) {
            w32(b, 0x8A0, o->attributes);
        }
        w32(b, 0xF88, o->type);
        w32(b, 0xF8C, 0xCFF);
        if (!lp) {
            w32(b, 0xF90, 0);
            w32(b, 0xF94, 1);
            w32(b, 0xF98, 0x110);
            w32(b, 0xF9C, 0);
        }
        w64(b, 0xFA0, file_size);
        w64(b, 0xFB8, o->uptime);
        w64(b, 0xFC0, o->systime);
    }

    lay(e->hdr, "header_size");
    lay(e->machine, "machine");
    lay(o->type, "dump_type");
    lay(o->build, "minor_version");
    lay(o->dtb, "dtb");
    lay(e->kdbg, "kdbg_va");
    lay(e->pfndb, "pfn_database");
    lay(e->psloaded, "ps_loaded_module_list");
    lay(e->psactive, "ps_active_process_head");
    lay(o->cpus, "number_processors");
    lay(e->bc[0], "bugcheck_code");
    for (int i = 1; i <= 4; i++)
        lay(e->bc[i], "bugcheck_p%d", i);
    lay(pmb, "pmb_offset");
    lay(o->no_pmb ? 0x45474150 : nruns_field, "pmb_number_of_runs");
    lay(o->no_pmb ? 0 : npages_field, "pmb_number_of_pages");
    lay(o->no_pmb ? 0 : nstore, "pmb_runs_stored");
    lay(ctx, "header_context_offset");
    lay(e->ctx_size, "context_size");
    lay(exc, "header_exception_offset");
    lay(exc_size(e), "exception_size");
    lay(e->sp, "context_sp");
    lay(e->bc[2], "context_pc");
    lay(o->systime, "system_time");
    lay(o->uptime, "system_uptime");
    lay(file_size, "required_dump_space");
}

/* ------------------------------------------------------------------ */
/* page data                                                           */

static uint8_t *g_chunk;
static uint8_t g_ramp[PAGE_SZ + 512];

static void xpwrite(int fd, const void *p, size_t n, uint64_t off)
{
    const uint8_t *c = p;
    while (n) {
        ssize_t w = pwrite(fd, c, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("write failed at 0x%" PRIx64 ": %s", off, strerror(errno));
        }
        c += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
}

static void make_page(uint8_t *pg, uint64_t pfn)
{
    unsigned base = (unsigned)((pfn * 131u) & 0xFF);
    memcpy(pg, "DKGENPFN", 8);
    for (int i = 0; i < 8; i++)
        pg[8 + i] = (uint8_t)(pfn >> (8 * i));
    memcpy(pg + 16, g_ramp + base + 16, PAGE_SZ - 16);
}

/* write `count` consecutive PFNs starting at `pfn` to file offset `off` */
static void write_pages(const opts_t *o, int fd, uint64_t off, uint64_t pfn, uint64_t count)
{
    if (o->fill != FILL_TAG || count == 0)
        return; /* holes: file is pre-sized with ftruncate */
    if (!g_chunk) {
        g_chunk = xcalloc(1, CHUNK_BYTES);
        for (size_t i = 0; i < sizeof g_ramp; i++)
            g_ramp[i] = (uint8_t)i;
    }
    while (count) {
        uint64_t n = count < CHUNK_BYTES / PAGE_SZ ? count : CHUNK_BYTES / PAGE_SZ;
        for (uint64_t k = 0; k < n; k++)
            make_page(g_chunk + k * PAGE_SZ, pfn + k);
        xpwrite(fd, g_chunk, (size_t)(n * PAGE_SZ), off);
        off += n * PAGE_SZ;
        pfn += n;
        count -= n;
    }
}

/* ------------------------------------------------------------------ */
/* triage                                                              */

static const char *drv_base_name(uint64_t k, char *tmp, size_t n)
{
    if (k == 0)
        return "ntoskrnl.exe";
    if (k == 1)
        return "hal.dll";
    if (k == 2)
        return "mydrv.sys";
    snprintf(tmp, n, "drv%" PRIu64 ".sys", k);
    return tmp;
}

static void drv_full_name(uint64_t k, char *out, size_t n)
{
    char tmp[48];
    const char *b = drv_base_name(k, tmp, sizeof tmp);
    if (k < 2)
        snprintf(out, n, "\\SystemRoot\\system32\\%s", b);
    else
        snprintf(out, n, "\\SystemRoot\\system32\\drivers\\%s", b);
}

static uint64_t drv_base(const env_t *e, uint64_t k)
{
    if (k == 0)
        return e->ntbase;
    return e->ntbase + e->ntsize + (k - 1) * 0x10000;
}

static uint64_t drv_size(const env_t *e, uint64_t k) { return k == 0 ? e->ntsize : 0x10000; }

/* returns malloc'ed image of the whole file (header + triage), size in *out_size */
static uint8_t *build_triage(const opts_t *o, const env_t *e, uint64_t *out_size)
{
    int is64 = e->is64;
    uint64_t T = e->hdr;
    uint64_t th_size = is64 ? 0x80 : 0x68;
    uint64_t drv_ent = is64 ? 0x90 : 0x4C;
    uint64_t unl_ent = is64 ? 0x38 : 0x28;
    uint64_t unl_hdr = is64 ? 8 : 4;
    uint64_t db_ent = is64 ? 16 : 12;
    uint64_t kdbg_size = 0x380;
    uint64_t prcb_size = 0x100, proc_size = 0x100, thr_size = 0x100;
    uint64_t mm_size = 0x50;
    uint64_t cur, off_ctx, off_exc, off_mm, off_unl, off_prcb, off_proc, off_thr, off_stack,
        off_kdbg, off_drv, off_pool, pool_size, off_dbd, off_dbdata, off_valid, total;
    uint64_t *name_off;
    buf_t b;

    cur = T + th_size;
    if (o->triage_ctx_in_header) {
        off_ctx = is64 ? 0x348 : 0x320;
        off_exc = is64 ? 0xF00 : 0x7D0;
    } else {
        off_ctx = align_up(cur, 8);
        cur = off_ctx + e->ctx_size;
        off_exc = align_up(cur, 8);
        cur = off_exc + exc_size(e);
    }
    off_mm = align_up(cur, 8);
    cur = off_mm + mm_size;
    off_unl = align_up(cur, 8);
    cur = off_unl + unl_hdr + o->unloaded * unl_ent;
    off_prcb = align_up(cur, 8);
    cur = off_prcb + prcb_size;
    off_proc = align_up(cur, 8);
    cur = off_proc + proc_size;
    off_thr = align_up(cur, 8);
    cur = off_thr + thr_size;
    off_stack = align_up(cur, 8);
    cur = off_stack + o->stack_bytes;
    off_kdbg = align_up(cur, 8);
    cur = off_kdbg + kdbg_size;
    off_drv = align_up(cur, 8);
    cur = off_drv + o->drivers * drv_ent;
    off_pool = align_up(cur, 8);
    name_off = xcalloc((size_t)o->drivers + 1, sizeof *name_off);
    cur = off_pool;
    for (uint64_t k = 0; k < o->drivers; k++) {
        char full[96];
        drv_full_name(k, full, sizeof full);
        name_off[k] = cur;
        cur = align_up(cur + 4 + 2 * strlen(full) + 2, 8);
    }
    pool_size = cur - off_pool;
    off_dbd = align_up(cur, 8);
    cur = off_dbd + o->datablocks * db_ent;
    off_dbdata = align_up(cur, 8);
    cur = off_dbdata + o->datablocks * align_up(o->datablock_size, 8);
    off_valid = align_up(cur, 8);
    total = off_valid + 4;
    if (!is64 && total > 0xFFFFFFFFull)
        die("triage too large");

    b.n = (size_t)total;
    b.p = xcalloc(1, b.n);
    build_header(o, e, &b, total);

    /* TRIAGE_DUMP header */
    w32(&b, T + 0x00, 0);            /* ServicePackBuild */
    w32(&b, T + 0x04, total);        /* SizeOfDump = absolute end of 'TRGD' */
    w32(&b, T + 0x08, off_valid);    /* ValidOffset */
    w32(&b, T + 0x0C, off_ctx);
    w32(&b, T + 0x10, off_exc);
    w32(&b, T + 0x14, off_mm);
    w32(&b, T + 0x18, off_unl);
    w32(&b, T + 0x1C, off_prcb);
    w32(&b, T + 0x20, off_proc);
    w32(&b, T + 0x24, off_thr);
    w32(&b, T + 0x28, off_stack);
    w32(&b, T + 0x2C, o->stack_bytes);
    w32(&b, T + 0x30, off_drv);
    w32(&b, T + 0x34, o->drivers);
    w32(&b, T + 0x38, off_pool);
    w32(&b, T + 0x3C, pool_size);
    w32(&b, T + 0x40, 0);            /* BrokenDriverOffset */
    w32(&b, T + 0x44, 0xFFFFFFFFu);  /* TriageOptions (as in the real ARM64 dump) */
    if (is64) {
        w64(&b, T + 0x48, e->sp);    /* TopOfStack */
        /* 0x50 ArchitectureSpecific (16 B), 0x60 DataPageAddress, 0x68/0x6C: zero */
        w32(&b, T + 0x70, off_kdbg);
        w32(&b, T + 0x74, kdbg_size);
        w32(&b, T + 0x78, off_dbd);
        w32(&b, T + 0x7C, o->datablocks);
    } else {
        w32(&b, T + 0x48, e->sp);
        w32(&b, T + 0x58, off_kdbg);
        w32(&b, T + 0x5C, kdbg_size);
        w32(&b, T + 0x60, off_dbd);
        w32(&b, T + 0x64, o->datablocks);
    }

    if (!o->triage_ctx_in_header) {
        build_context(o, e, &b, off_ctx);
        build_exception(e, &b, off_exc);
    }

    /* Mm triage block */
    w32(&b, off_mm + 0, 1);
    w32(&b, off_mm + 4, mm_size);

    /* unloaded drivers */
    w32(&b, off_unl, o->unloaded);
    for (uint64_t k = 0; k < o->unloaded; k++) {
        uint64_t at = off_unl + unl_hdr + k * unl_ent;
        char nm[40];
        size_t len;
        uint64_t start = is64 ? 0xFFFFF80014000000ull + k * 0x10000
                              : 0x80A00000ull + k * 0x10000;
        snprintf(nm, sizeof nm, "old%" PRIu64 ".sys", k);
        len = strlen(nm);
        if (len > 12)
            len = 12;
        w16(&b, at + 0, 2 * len); /* Length */
        w16(&b, at + 2, 2 * len); /* MaximumLength */
        /* Buffer = 0 */
        if (is64) {
            wwstr(&b, at + 0x10, nm, 12);
            w64(&b, at + 0x28, start);
            w64(&b, at + 0x30, start + 0x8000);
        } else {
            wwstr(&b, at + 0x08, nm, 12);
            w32(&b, at + 0x20, start);
            w32(&b, at + 0x24, start + 0x8000);
        }
    }

    /* opaque blobs */
    for (uint64_t i = 0; i < prcb_size; i++)
        w8(&b, off_prcb + i, (0x11 + 7 * i) & 0xFF);
    for (uint64_t i = 0; i < proc_size; i++)
        w8(&b, off_proc + i, (0x22 + 7 * i) & 0xFF);
    for (uint64_t i = 0; i < thr_size; i++)
        w8(&b, off_thr + i, (0x33 + 7 * i) & 0xFF);

    /* call stack: pointer-sized words TopOfStack + k*ptrsize */
    {
        uint64_t ps = is64 ? 8 : 4;
        for (uint64_t i = 0; i + ps <= o->stack_bytes; i += ps) {
            if (is64)
                w64(&b, off_stack + i, e->sp + i);
            else
                w32(&b, off_stack + i, (e->sp + i) & 0xFFFFFFFFu);
        }
    }

    /* KDDEBUGGER_DATA64 copy (pointers sign-extended on x86) */
    {
#define SX(v) (is64 ? (v) : (uint64_t)(int64_t)(int32_t)(uint32_t)(v))
        uint64_t k = off_kdbg;
        w64(&b, k + 0x00, SX(e->kdbg + 0x4000)); /* List.Flink */
        w64(&b, k + 0x08, SX(e->kdbg + 0x4000)); /* List.Blink */
        wbytes(&b, k + 0x10, "KDBG", 4);
        w32(&b, k + 0x14, kdbg_size);
        w64(&b, k + 0x18, SX(e->ntbase));        /* KernBase */
        w64(&b, k + 0x48, SX(e->psloaded));
        w64(&b, k + 0x50, SX(e->psactive));
        w64(&b, k + 0xC0, SX(e->pfndb));         /* MmPfnDatabase */
#undef SX
    }

    /* driver list + string pool */
    for (uint64_t k = 0; k < o->drivers; k++) {
        uint64_t at = off_drv + k * drv_ent;
        char full[96], tmp[48];
        const char *base = drv_base_name(k, tmp, sizeof tmp);
        uint64_t dll = drv_base(e, k), sz = drv_size(e, k);
        uint64_t flen = 0, blen = 0, fbuf = 0, bbuf = 0;
        drv_full_name(k, full, sizeof full);
        if (!o->ldr_names_zero) {
            flen = 2 * strlen(full);
            blen = 2 * strlen(base);
            fbuf = (is64 ? 0xFFFFC00000000000ull : 0xE1000000ull) + k * 0x100;
            bbuf = fbuf + (flen - blen);
        }
        /* pool entry */
        w32(&b, name_off[k], strlen(full));
        wwstr(&b, name_off[k] + 4, full, 96);
        /* NUL and padding already zero */
        w32(&b, at + 0, name_off[k]);
        if (is64) {
            w64(&b, at + 0x38, dll);
            w64(&b, at + 0x40, dll + 0x1000);
            w32(&b, at + 0x48, sz);
            w16(&b, at + 0x50, flen);
            w16(&b, at + 0x52, flen ? flen + 2 : 0);
            w64(&b, at + 0x58, fbuf);
            w16(&b, at + 0x60, blen);
            w16(&b, at + 0x62, blen ? blen + 2 : 0);
            w64(&b, at + 0x68, bbuf);
            w32(&b, at + 0x70, 0);           /* Flags */
            w16(&b, at + 0x74, 1);           /* LoadCount */
            w32(&b, at + 0x80, 0x10000 + k); /* CheckSum */
            w32(&b, at + 0x88, 0x5F000000u + k); /* TimeDateStamp */
        } else {
            w32(&b, at + 0x1C, dll);
            w32(&b, at + 0x20, dll + 0x1000);
            w32(&b, at + 0x24, sz);
            w16(&b, at + 0x28, flen);
            w16(&b, at + 0x2A, flen ? flen + 2 : 0);
            w32(&b, at + 0x2C, fbuf);
            w16(&b, at + 0x30, blen);
            w16(&b, at + 0x32, blen ? blen + 2 : 0);
            w32(&b, at + 0x34, bbuf);
            w32(&b, at + 0x38, 0);
            w16(&b, at + 0x3C, 1);
            w32(&b, at + 0x44, 0x10000 + k);
            w32(&b, at + 0x48, 0x5F000000u + k);
        }
        lay(at, "driver%" PRIu64 "_entry", k);
        lay(name_off[k], "driver%" PRIu64 "_name_offset", k);
        lay(strlen(full), "driver%" PRIu64 "_name_chars", k);
        lay(dll, "driver%" PRIu64 "_base", k);
        lay(sz, "driver%" PRIu64 "_size", k);
    }

    /* data blocks */
    for (uint64_t k = 0; k < o->datablocks; k++) {
        uint64_t at = off_dbd + k * db_ent;
        uint64_t data = off_dbdata + k * align_up(o->datablock_size, 8);
        uint64_t va = (is64 ? 0xFFFFF80012800000ull : 0x80600000ull) + k * 0x1000;
        if (is64) {
            w64(&b, at, va);
            w32(&b, at + 8, data);
            w32(&b, at + 12, o->datablock_size);
        } else {
            w32(&b, at, va);
            w32(&b, at + 4, data);
            w32(&b, at + 8, o->datablock_size);
        }
        for (uint64_t i = 0; i < o->datablock_size; i++)
            w8(&b, data + i, (k * 37 + i) & 0xFF);
        if (o->datablock_size >= 16) {
            wbytes(&b, data, "DKGENBLK", 8);
            w64(&b, data + 8, va);
        }
        lay(at, "datablock%" PRIu64 "_desc", k);
        lay(va, "datablock%" PRIu64 "_va", k);
        lay(data, "datablock%" PRIu64 "_offset", k);
        lay(o->datablock_size, "datablock%" PRIu64 "_size", k);
    }

    wbytes(&b, off_valid, "TRGD", 4);

    lay(T, "triage_offset");
    lay(th_size, "triage_header_size");
    lay(total, "triage_size_of_dump");
    lay(off_valid, "triage_valid_offset");
    lay(off_ctx, "triage_context_offset");
    lay(off_exc, "triage_exception_offset");
    lay(off_mm, "triage_mm_offset");
    lay(off_unl, "triage_unloaded_offset");
    lay(o->unloaded, "triage_unloaded_count");
    lay(unl_ent, "triage_unloaded_entry_size");
    lay(off_prcb, "triage_prcb_offset");
    lay(off_proc, "triage_process_offset");
    lay(off_thr, "triage_thread_offset");
    lay(off_stack, "triage_callstack_offset");
    lay(o->stack_bytes, "triage_callstack_size");
    lay(e->sp, "triage_top_of_stack");
    lay(off_drv, "triage_driver_list_offset");
    lay(o->drivers, "triage_driver_count");
    lay(drv_ent, "triage_driver_entry_size");
    lay(off_pool, "triage_string_pool_offset");
    lay(pool_size, "triage_string_pool_size");
    lay(off_kdbg, "triage_debugger_data_offset");
    lay(kdbg_size, "triage_debugger_data_size");
    lay(off_dbd, "triage_datablocks_offset");
    lay(o->datablocks, "triage_datablocks_count");

    free(name_off);
    *out_size = total;
    return b.p;
}

/* ------------------------------------------------------------------ */
/* file assembly                                                       */

static uint64_t g_final_size;

static void generate(const opts_t *o, const env_t *e, int fd)
{
    uint64_t H = e->hdr;
    buf_t hb;
    uint64_t file_size = 0;

    if (o->type == 4) {
        uint64_t sz;
        uint8_t *img = build_triage(o, e, &sz);
        if (ftruncate(fd, (off_t)sz))
            die("ftruncate: %s", strerror(errno));
        xpwrite(fd, img, (size_t)sz, 0);
        free(img);
        g_final_size = sz;
        lay(sz, "file_size");
        return;
    }

    hb.n = (size_t)H;
    hb.p = xcalloc(1, hb.n);

    if (o->type == 3) {
        file_size = H;
        build_header(o, e, &hb, file_size);
        if (ftruncate(fd, (off_t)file_size))
            die("ftruncate: %s", strerror(errno));
        xpwrite(fd, hb.p, hb.n, 0);
    } else if (o->type == 1) {
        uint64_t off = H;
        file_size = H + e->total_pages * PAGE_SZ;
        build_header(o, e, &hb, file_size);
        if (ftruncate(fd, (off_t)file_size))
            die("ftruncate: %s", strerror(errno));
        xpwrite(fd, hb.p, hb.n, 0);
        lay(H, "data_offset");
        for (size_t i = 0; i < o->nruns; i++) {
            lay(o->runs[i].base, "run%zu_base", i);
            lay(o->runs[i].count, "run%zu_count", i);
            lay(off, "run%zu_file_offset", i);
            write_pages(o, fd, off, o->runs[i].base, o->runs[i].count);
            off += o->runs[i].count * PAGE_SZ;
        }
    } else if (o->type == 2 || o->type == 5 || o->type == 6) {
        uint64_t maxpfn = 0, bits, bmbytes, first, present = 0, off;
        uint8_t *bm;
        buf_t sb;
        int sig = o->bmp_sig ? o->bmp_sig : (o->type == 5 ? 'F' : 'S');
        for (size_t i = 0; i < o->nruns; i++)
            if (o->runs[i].count && o->runs[i].base + o->runs[i].count > maxpfn)
                maxpfn = o->runs[i].base + o->runs[i].count;
        bits = o->have_bitmap_bits ? o->bitmap_bits : align_up(maxpfn, 8);
        if (bits < maxpfn)
            die("--bitmap-bits %" PRIu64 " is smaller than highest PFN+1 (%" PRIu64 ")", bits,
                maxpfn);
        if (bits > ((uint64_t)1 << 36))
            die("bitmap too large");
        bmbytes = (bits + 7) / 8;
        bm = xcalloc(1, (size_t)bmbytes);
        for (size_t i = 0; i < o->nruns; i++)
            for (uint64_t p = o->runs[i].base; p < o->runs[i].base + o->runs[i].count; p++)
                bm[p >> 3] |= (uint8_t)(1u << (p & 7));
        for (uint64_t j = 0; j < bmbytes; j++)
            for (uint8_t v = bm[j]; v; v &= (uint8_t)(v - 1))
                present++;
        /* pre-Vista SUMMARY_DUMP32 (DDK ntiodump.h): 32-bit fields,
         * HeaderSize 0xC, BitmapSize 0x10, Pages 0x14, SizeOfBitMap 0x18,
         * bits at 0x20 */
        uint64_t bits_at = o->bmp_legacy32 ? 0x20 : 0x38;
        if (o->bmp_legacy32 && (H != 0x1000 || bits > 0xFFFFFFFFu))
            die("--bmp-legacy32 needs --arch x86 and a 32-bit bitmap");
        first = H + bits_at + bmbytes;
        if (!o->bmp_unaligned)
            first = align_up(first, PAGE_SZ);
        file_size = first + present * PAGE_SZ;
        build_header(o, e, &hb, file_size);

        sb.n = (size_t)(first - H);
        sb.p = xcalloc(1, sb.n);
        wbytes(&sb, 0, sig == 'F' ? "FDMP" : "SDMP", 4);
        wbytes(&sb, 4, "DUMP", 4);
        if (o->bmp_legacy32) {
            w32(&sb, 0x0C, (uint32_t)first);
            w32(&sb, 0x10, (uint32_t)bits);
            w32(&sb, 0x14, (uint32_t)present);
            w32(&sb, 0x18, (uint32_t)bits);
        } else {
            w64(&sb, 0x20, first);
            w64(&sb, 0x28, present);
            w64(&sb, 0x30, bits);
        }
        wbytes(&sb, bits_at, bm, (size_t)bmbytes);

        if (ftruncate(fd, (off_t)file_size))
            die("ftruncate: %s", strerror(errno));
        xpwrite(fd, hb.p, hb.n, 0);
        xpwrite(fd, sb.p, sb.n, H);
        free(sb.p);

        /* pages in ascending PFN order of set bits */
        off = first;
        if (o->fill == FILL_TAG) {
            uint64_t p = 0;
            while (p < bits) {
                uint64_t s, n;
                if (!(bm[p >> 3] & (1u << (p & 7)))) {
                    if ((p & 7) == 0 && bm[p >> 3] == 0)
                        p += 8;
                    else
                        p++;
                    continue;
                }
                s = p;
                while (p < bits && (bm[p >> 3] & (1u << (p & 7)))) {
                    if ((p & 7) == 0 && bm[p >> 3] == 0xFF && p + 8 <= bits)
                        p += 8;
                    else
                        p++;
                }
                n = p - s;
                write_pages(o, fd, off, s, n);
                off += n * PAGE_SZ;
            }
        }
        free(bm);
        lay(H, "bitmap_header_offset");
        lay(sig == 'F' ? 0x504D4446 : 0x504D4453, "bitmap_signature");
        lay(first, "bitmap_first_page");
        lay(present, "bitmap_present_pages");
        lay(bits, "bitmap_bits");
        lay(H + bits_at, "bitmap_offset");
        lay(bmbytes, "bitmap_bytes");
    } else { /* 8, 9, 10 RDMP */
        uint64_t meta = 0x10 + 16 * (uint64_t)o->nruns;
        uint64_t first = H + 0x20 + meta, off;
        buf_t rb;
        file_size = first + e->total_pages * PAGE_SZ;
        build_header(o, e, &hb, file_size);
        rb.n = (size_t)(first - H);
        rb.p = xcalloc(1, rb.n);
        w32(&rb, 0x00, 0x40);
        wbytes(&rb, 0x04, "RDMP", 4);
        wbytes(&rb, 0x08, "DUMP", 4);
        w64(&rb, 0x10, meta);
        w64(&rb, 0x18, first);
        if (o->type == 10) {
            w32(&rb, 0x20, o->nruns);
            w64(&rb, 0x28, e->total_pages);
        }
        for (size_t i = 0; i < o->nruns; i++) {
            w64(&rb, 0x30 + 16 * i, o->runs[i].base);
            w64(&rb, 0x38 + 16 * i, o->runs[i].count);
        }
        if (ftruncate(fd, (off_t)file_size))
            die("ftruncate: %s", strerror(errno));
        xpwrite(fd, hb.p, hb.n, 0);
        xpwrite(fd, rb.p, rb.n, H);
        free(rb.p);
        off = first;
        lay(H, "rdmp_header_offset");
        lay(meta, "rdmp_metadata_size");
        lay(first, "rdmp_first_page_offset");
        lay(o->nruns, "rdmp_ranges");
        lay(H + 0x30, "rdmp_range_array_offset");
        for (size_t i = 0; i < o->nruns; i++) {
            lay(o->runs[i].base, "run%zu_base", i);
            lay(o->runs[i].count, "run%zu_count", i);
            lay(off, "run%zu_file_offset", i);
            write_pages(o, fd, off, o->runs[i].base, o->runs[i].count);
            off += o->runs[i].count * PAGE_SZ;
        }
    }
    free(hb.p);
    g_final_size = file_size;
    lay(file_size, "file_size");
}

static void apply_damage(const opts_t *o, int fd)
{
    for (size_t i = 0; i < o->nsets; i++) {
        const setop_t *s = &o->sets[i];
        uint8_t v[8];
        if (s->off > g_final_size || s->size > g_final_size - s->off)
            die("--set: offset 0x%" PRIx64 "+%u beyond file size 0x%" PRIx64, s->off, s->size,
                g_final_size);
        for (unsigned k = 0; k < s->size; k++)
            v[k] = (uint8_t)(s->val >> (8 * k));
        xpwrite(fd, v, s->size, s->off);
    }
    if (o->have_truncate) {
        if (ftruncate(fd, (off_t)o->truncate_to))
            die("ftruncate: %s", strerror(errno));
        g_final_size = o->truncate_to;
    }
}

int main(int argc, char **argv)
{
    opts_t o;
    env_t e;
    char *tmp;
    size_t tl;
    int fd;
    struct stat st;

    parse_args(&o, argc, argv);
    derive(&o, &e);
    validate(&o, &e);

    if (!o.force && lstat(o.out, &st) == 0)
        die("'%s' exists (use --force to overwrite)", o.out);
    tl = strlen(o.out) + 5;
    tmp = xcalloc(1, tl);
    snprintf(tmp, tl, "%s.tmp", o.out);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("cannot create '%s': %s", tmp, strerror(errno));
    g_tmp_path = tmp;

    lay(o.arch == ARCH_X86 ? 32 : 64, "bits");
    generate(&o, &e, fd);
    apply_damage(&o, fd);
    if (o.have_truncate || o.nsets)
        lay(g_final_size, "final_file_size");

    if (close(fd))
        die("close: %s", strerror(errno));
    if (rename(tmp, o.out)) {
        int err = errno;
        die("rename to '%s': %s", o.out, strerror(err));
    }
    g_tmp_path = NULL;
    if (o.print_layout)
        for (size_t i = 0; i < g_nkv; i++)
            printf("%s 0x%" PRIx64 "\n", g_kv[i].key, g_kv[i].val);

    free(tmp);
    free(o.runs);
    free(o.sets);
    free(g_kv);
    free(g_chunk);
    return 0;
}
