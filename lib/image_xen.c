/* dmpkit — Xen dump-core (`xl dump-core`) memory images.
 *
 * Layout facts (xen-project/xen docs/misc/dump-core-format.txt,
 * tools/libs/guest/xg_core.c, xg_core.h, xen/include/public/elfnote.h,
 * xen/include/public/arch-x86/xen-x86_64.h; checked on Xen 4.17 output):
 * an ELF64 ET_CORE file with no program headers whose sections are found by
 * name through .shstrtab:
 *   .note.Xen        notes named "Xen": 0x2000001 header {u64 xch_magic
 *                    (0xF00FEBED PV, 0xF00FEBEE HVM/PVH), nr_vcpus, nr_pages,
 *                    page_size}, 0x2000003 format version {u64 version = 1}
 *   .xen_prstatus    vcpu_guest_context_any_t[nr_vcpus] (5168 bytes each
 *                    with the x86_64 layout)
 *   .xen_pages       page i of the dump at sh_offset + i * page_size
 *   .xen_p2m         {u64 pfn, u64 gmfn}[i] (PV)   or
 *   .xen_pfn         u64 pfn[i] (HVM/PVH)
 * Entries equal to ~0 (XC_CORE_INVALID_PFN) are padding; the table order
 * is not guaranteed.  The pre-ELF dump-core of Xen <= 3.0.4 starts with
 * the u32 0xF00FEBED and is only recognised.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

#define XEN_MAGIC_PV 0xF00FEBEDull
#define XEN_MAGIC_HVM 0xF00FEBEEull
#define NOTE_HEADER 0x2000001u
#define NOTE_FORMAT_VERSION 0x2000003u
#define INVALID_PFN UINT64_MAX
#define SHT_NOTE 7u
#define MAX_SHNUM 4096u
#define MAX_SMALL_SECTION (1u << 20) /* .note.Xen, .shstrtab read whole */
#define TABLE_WINDOW 4096u            /* table entries read at once */

/* vcpu_guest_context, x86_64 layout (xen-x86_64.h), field offsets. */
#define VGC64_SIZE 5168u
#define VGC_USER_REGS 0x208u  /* cpu_user_regs: r15..rdi, then rip @+128 */
#define VGC_CTRLREG 0x1378u   /* unsigned long ctrlreg[8] */
#define VGC_FS_BASE 0x1418u
#define VGC_GS_BASE_KERNEL 0x1420u
#define VGC_GS_BASE_USER 0x1428u

typedef struct xen_ctx {
	dk_extents ex;
} xen_ctx;

typedef struct shdr {
	uint32_t name, type;
	uint64_t offset, size, entsize;
	const char *sname;
	size_t index;
} shdr;

static void xen_free(void *p)
{
	xen_ctx *x = p;
	if (!x)
		return;
	dk_extents_free(&x->ex);
	free(x);
}

static int xen_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)file_size;
	if (len >= 24 && dk_le32(head) == XEN_MAGIC_PV) {
		/* pre-ELF dump-core: {magic, nr_vcpus, nr_pages, ctxt_offset,
		 * index_offset, pages_offset} (crash-utility xendump.c) */
		uint32_t nv = dk_le32(head + 4);
		return nv && nv <= 4096 ? 80 : 30;
	}
	if (len < 64 || memcmp(head, "\177ELF\2\1", 6) != 0 || dk_le16(head + 16) != 4 ||
	    dk_le16(head + 56) != 0 || dk_le16(head + 60) == 0)
		return 0;
	/* look for a "Xen" note section inside the head */
	uint64_t shoff = dk_le64(head + 40);
	uint16_t shnum = dk_le16(head + 60), shentsize = dk_le16(head + 58);
	if (shentsize == 64)
		for (uint16_t i = 0; i < shnum; i++) {
			uint64_t o = shoff + (uint64_t)i * 64;
			if (!dk_in_bounds(len, o, 64))
				break;
			if (dk_le32(head + o + 4) != SHT_NOTE)
				continue;
			uint64_t no = dk_le64(head + o + 24);
			if (dk_in_bounds(len, no, 16) && dk_le32(head + no) == 4 &&
			    memcmp(head + no + 12, "Xen", 4) == 0 &&
			    (dk_le32(head + no + 8) & 0xfffffff0u) == 0x2000000u)
				return 96;
		}
	return 40;
}

/* Reads a whole small section into a malloc'd buffer. */
static dk_status read_section(dk_image *img, const shdr *s, uint8_t **out, dk_error *err)
{
	*out = NULL;
	if (s->size > MAX_SMALL_SECTION) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: Elf64_Shdr[%zu] (%s).sh_size is 0x%" PRIx64 ", more than the 0x%x "
		             "bytes expected",
		             img->in.name, s->index, s->sname ? s->sname : "?", s->size, MAX_SMALL_SECTION);
		return DK_E_FORMAT;
	}
	*out = malloc(s->size ? (size_t)s->size : 1);
	if (!*out) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	dk_status st = dk_input_read(&img->in, s->offset, *out, (size_t)s->size, "section data", err);
	if (st != DK_OK) {
		free(*out);
		*out = NULL;
	}
	return st;
}

typedef struct xen_hdr {
	bool have_header, have_version;
	uint64_t magic, nr_vcpus, nr_pages, page_size, version;
} xen_hdr;

static void parse_xen_notes(const uint8_t *b, size_t n, xen_hdr *h)
{
	size_t p = 0;
	while (p <= n && n - p >= 12) {
		uint32_t namesz = dk_le32(b + p), descsz = dk_le32(b + p + 4), type = dk_le32(b + p + 8);
		uint64_t name_end = (uint64_t)p + 12 + (((uint64_t)namesz + 3) & ~3ull);
		uint64_t desc_end = name_end + (((uint64_t)descsz + 3) & ~3ull);
		if (name_end > n || name_end + descsz > n)
			break;
		const uint8_t *d = b + name_end;
		if (namesz == 4 && memcmp(b + p + 12, "Xen", 4) == 0) {
			if (type == NOTE_HEADER && descsz >= 32) {
				h->have_header = true;
				h->magic = dk_le64(d);
				h->nr_vcpus = dk_le64(d + 8);
				h->nr_pages = dk_le64(d + 16);
				h->page_size = dk_le64(d + 24);
			} else if (type == NOTE_FORMAT_VERSION && descsz >= 8) {
				h->have_version = true;
				h->version = dk_le64(d);
			}
		}
		if (desc_end > n)
			break;
		p = (size_t)desc_end;
	}
}

/* CONTEXT-order GPR -> index in cpu_user_regs (r15 r14 r13 r12 rbp rbx r11
 * r10 r9 r8 rax rcx rdx rsi rdi); rsp (index 4) is separate. */
static const int8_t user_regs_gpr[16] = { 10, 11, 12, 5, -1, 4, 13, 14, 9, 8, 7, 6, 3, 2, 1, 0 };

static void cpu_from_vgc(dk_image_cpu *c, const uint8_t *v, bool pv)
{
	const uint8_t *r = v + VGC_USER_REGS;
	for (int i = 0; i < 16; i++)
		c->gpr[i] = user_regs_gpr[i] < 0 ? dk_le64(r + 152) : dk_le64(r + 8 * user_regs_gpr[i]);
	c->rip = dk_le64(r + 128);
	c->cs = dk_le16(r + 136);
	c->rflags = dk_le64(r + 144);
	c->ss = dk_le16(r + 160);
	c->es = dk_le16(r + 168);
	c->ds = dk_le16(r + 176);
	c->fs = dk_le16(r + 184);
	c->gs = dk_le16(r + 192);
	c->cr0 = dk_le64(v + VGC_CTRLREG);
	c->cr2 = dk_le64(v + VGC_CTRLREG + 16);
	c->cr4 = dk_le64(v + VGC_CTRLREG + 32);
	c->fs_base = dk_le64(v + VGC_FS_BASE);
	c->gs_base = dk_le64(v + VGC_GS_BASE_KERNEL);
	c->kernel_gs_base = dk_le64(v + VGC_GS_BASE_USER);
	c->have = DK_CPU_HAVE_GPRS | DK_CPU_HAVE_SEGS | DK_CPU_HAVE_CRS | DK_CPU_HAVE_KGS;
	if (!pv) {
		c->cr3 = dk_le64(v + VGC_CTRLREG + 24);
		c->have |= DK_CPU_HAVE_CR3;
	}
	c->bits = 64;
}

/* Section by name; NULL when absent.  Fails on two of the same name. */
static const shdr *find_sec(const shdr *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].sname && strcmp(s[i].sname, name) == 0)
			return &s[i];
	return NULL;
}

static dk_status xen_fail(xen_ctx *x, shdr *sh, uint8_t *a, uint8_t *b, uint8_t *c, dk_status st)
{
	xen_free(x);
	free(sh);
	free(a);
	free(b);
	free(c);
	return st;
}

static dk_status xen_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	(void)opts;
	const char *name = img->in.name;
	uint64_t fsize = img->in.size;
	uint8_t eh[64];
	size_t got = dk_input_read_some(&img->in, 0, eh, sizeof eh);
	if (got >= 4 && dk_le32(eh) == XEN_MAGIC_PV) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "%s: this is the pre-ELF Xen dump-core format (u32 magic 0xF00FEBED at file "
		             "offset 0, Xen <= 3.0.4), which dmpkit does not read",
		             name);
		return DK_E_UNSUPPORTED;
	}
	if (got < 64 || memcmp(eh, "\177ELF\2\1", 6) != 0) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: not a Xen dump-core: expected an ELF64 little-endian header at file offset 0",
		             name);
		return DK_E_FORMAT;
	}
	uint16_t e_type = dk_le16(eh + 16), phnum = dk_le16(eh + 56);
	uint64_t shoff = dk_le64(eh + 40);
	uint16_t shentsize = dk_le16(eh + 58), shnum = dk_le16(eh + 60), shstrndx = dk_le16(eh + 62);
	if (e_type != 4 || phnum != 0) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: Elf64_Ehdr has e_type %u and e_phnum %u, a Xen dump-core has e_type 4 "
		             "(ET_CORE) and no program headers",
		             name, e_type, phnum);
		return DK_E_FORMAT;
	}
	if (shentsize != 64 || shnum == 0 || shnum > MAX_SHNUM || shstrndx >= shnum) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: Elf64_Ehdr has e_shentsize %u, e_shnum %u, e_shstrndx %u (expected 64, "
		             "1..%u, below e_shnum)",
		             name, shentsize, shnum, shstrndx, MAX_SHNUM);
		return DK_E_FORMAT;
	}
	uint64_t sh_end;
	if (!dk_add_ok(shoff, (uint64_t)shnum * 64, &sh_end) || sh_end > fsize) {
		dk_set_error(err, DK_E_TRUNCATED,
		             "%s: Elf64_Ehdr.e_shoff 0x%" PRIx64 " with %u section headers ends beyond the "
		             "file's end (0x%" PRIx64 ")",
		             name, shoff, shnum, fsize);
		return DK_E_TRUNCATED;
	}
	xen_ctx *x = dk_calloc(1, sizeof *x);
	shdr *sh = dk_calloc(shnum, sizeof *sh);
	uint8_t *raw = malloc((size_t)shnum * 64);
	uint8_t *strtab = NULL, *notes = NULL;
	if (!x || !sh || !raw) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return xen_fail(x, sh, raw, NULL, NULL, DK_E_NOMEM);
	}
	dk_status st = dk_input_read(&img->in, shoff, raw, (size_t)shnum * 64, "Elf64_Shdr table", err);
	if (st != DK_OK)
		return xen_fail(x, sh, raw, NULL, NULL, st);
	for (size_t i = 0; i < shnum; i++) {
		const uint8_t *r = raw + i * 64;
		sh[i] = (shdr){ dk_le32(r), dk_le32(r + 4), dk_le64(r + 24), dk_le64(r + 32),
		                dk_le64(r + 56), NULL, i };
		uint64_t e;
		if (sh[i].type != 8 /* SHT_NOBITS */ && sh[i].type != 0 &&
		    (!dk_add_ok(sh[i].offset, sh[i].size, &e) || e > fsize)) {
			dk_set_error(err, DK_E_TRUNCATED,
			             "%s: Elf64_Shdr[%zu] at file offset 0x%" PRIx64 ": sh_offset 0x%" PRIx64
			             " + sh_size 0x%" PRIx64 " is beyond the file's end (0x%" PRIx64 ")",
			             name, i, shoff + i * 64, sh[i].offset, sh[i].size, fsize);
			return xen_fail(x, sh, raw, NULL, NULL, DK_E_TRUNCATED);
		}
	}
	free(raw);
	raw = NULL;
	sh[shstrndx].sname = ".shstrtab";
	st = read_section(img, &sh[shstrndx], &strtab, err);
	if (st != DK_OK)
		return xen_fail(x, sh, NULL, NULL, NULL, st);
	size_t strsz = (size_t)sh[shstrndx].size;
	for (size_t i = 0; i < shnum; i++) {
		uint32_t o = sh[i].name;
		sh[i].sname = NULL;
		if (o < strsz && memchr(strtab + o, 0, strsz - o))
			sh[i].sname = (const char *)strtab + o;
	}
	static const char *const known[] = { ".note.Xen", ".xen_prstatus", ".xen_pages", ".xen_p2m",
		                             ".xen_pfn", ".xen_shared_info" };
	for (size_t k = 0; k < sizeof known / sizeof *known; k++) {
		const shdr *a = find_sec(sh, shnum, known[k]);
		if (a && find_sec(a + 1, shnum - (size_t)(a - sh) - 1, known[k])) {
			dk_set_error(err, DK_E_FORMAT, "%s: two sections are named %s", name, known[k]);
			return xen_fail(x, sh, strtab, NULL, NULL, DK_E_FORMAT);
		}
	}
	const shdr *s_note = find_sec(sh, shnum, ".note.Xen");
	const shdr *s_prs = find_sec(sh, shnum, ".xen_prstatus");
	const shdr *s_pages = find_sec(sh, shnum, ".xen_pages");
	const shdr *s_p2m = find_sec(sh, shnum, ".xen_p2m");
	const shdr *s_pfn = find_sec(sh, shnum, ".xen_pfn");
	if (!s_note || !s_pages || (!s_p2m && !s_pfn)) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: ELF core without the sections of a Xen dump-core (.note.Xen: %s, "
		             ".xen_pages: %s, .xen_p2m or .xen_pfn: %s)",
		             name, s_note ? "yes" : "missing", s_pages ? "yes" : "missing",
		             s_p2m || s_pfn ? "yes" : "missing");
		return xen_fail(x, sh, strtab, NULL, NULL, DK_E_FORMAT);
	}
	if (s_p2m && s_pfn) {
		dk_set_error(err, DK_E_FORMAT, "%s: both .xen_p2m and .xen_pfn are present", name);
		return xen_fail(x, sh, strtab, NULL, NULL, DK_E_FORMAT);
	}
	st = read_section(img, s_note, &notes, err);
	if (st != DK_OK)
		return xen_fail(x, sh, strtab, NULL, NULL, st);
	xen_hdr h = { 0 };
	parse_xen_notes(notes, (size_t)s_note->size, &h);
	free(notes);
	notes = NULL;
	if (!h.have_header) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: .note.Xen (Elf64_Shdr[%zu], file offset 0x%" PRIx64 ") has no "
		             "XEN_ELFNOTE_DUMPCORE_HEADER (type 0x2000001) note",
		             name, s_note->index, s_note->offset);
		return xen_fail(x, sh, strtab, NULL, NULL, DK_E_FORMAT);
	}
	if (h.magic != XEN_MAGIC_PV && h.magic != XEN_MAGIC_HVM) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: .note.Xen header xch_magic is 0x%" PRIx64 ", expected 0xF00FEBED (PV) or "
		             "0xF00FEBEE (HVM)",
		             name, h.magic);
		return xen_fail(x, sh, strtab, NULL, NULL, DK_E_FORMAT);
	}
	if (!h.have_version)
		dk_image_add_note(img, ".note.Xen has no format-version note (type 0x2000003)");
	else if (h.version >> 32) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "%s: .note.Xen format version is 0x%" PRIx64 " (major %" PRIu64
		             "); dmpkit reads major version 0",
		             name, h.version, h.version >> 32);
		return xen_fail(x, sh, strtab, NULL, NULL, DK_E_UNSUPPORTED);
	}
	uint64_t ps = h.page_size;
	if (ps < 512 || ps > 65536 || (ps & (ps - 1))) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: .note.Xen header xch_page_size is %" PRIu64
		             ", expected a power of two in 512..65536",
		             name, ps);
		return xen_fail(x, sh, strtab, NULL, NULL, DK_E_FORMAT);
	}
	bool pv = h.magic == XEN_MAGIC_PV;
	const shdr *s_tab = s_pfn ? s_pfn : s_p2m;
	unsigned esz = s_pfn ? 8 : 16;
	if (pv != (s_p2m != NULL))
		dk_image_add_note(img, "the header says %s but the table is %s", pv ? "PV" : "HVM",
		                  s_tab->sname);
	uint64_t npages = s_pages->size / ps, nent = s_tab->size / esz;
	if (s_pages->size % ps)
		dk_image_add_note(img, ".xen_pages size 0x%" PRIx64 " is not a multiple of the page size",
		                  s_pages->size);
	if (nent != npages)
		dk_image_add_note(img, "%s has %" PRIu64 " entries but .xen_pages holds %" PRIu64
		                       " pages; using the first %" PRIu64,
		                  s_tab->sname, nent, npages, nent < npages ? nent : npages);
	uint64_t n = nent < npages ? nent : npages;
	if (h.nr_pages != nent)
		dk_image_add_note(img, "the header's nr_pages (%" PRIu64 ") differs from %s's %" PRIu64
		                       " entries",
		                  h.nr_pages, s_tab->sname, nent);

	/* vCPU contexts */
	uint64_t want_mfn[64];
	size_t ncr3 = 0;
	uint64_t nv = h.nr_vcpus;
	if (s_prs && s_prs->entsize && s_prs->entsize != VGC64_SIZE) {
		dk_image_add_note(img, ".xen_prstatus sh_entsize is %" PRIu64 ", not the %u bytes of the "
		                       "x86_64 vcpu_guest_context: vCPU state not decoded",
		                  s_prs->entsize, VGC64_SIZE);
	} else if (s_prs && nv) {
		uint64_t have = s_prs->size / VGC64_SIZE;
		if (have < nv)
			dk_image_add_note(img, ".xen_prstatus holds %" PRIu64 " contexts of %u bytes, the "
			                       "header says %" PRIu64 " vCPUs",
			                  have, VGC64_SIZE, nv);
		if (nv > have)
			nv = have;
		if (nv && dk_image_alloc_cpus(img, (size_t)nv)) {
			uint8_t *v = malloc(VGC64_SIZE);
			if (!v) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return xen_fail(x, sh, strtab, NULL, NULL, DK_E_NOMEM);
			}
			for (uint64_t i = 0; i < nv; i++) {
				st = dk_input_read(&img->in, s_prs->offset + i * VGC64_SIZE, v, VGC64_SIZE,
				                   ".xen_prstatus vcpu_guest_context", err);
				if (st != DK_OK) {
					free(v);
					return xen_fail(x, sh, strtab, NULL, NULL, st);
				}
				cpu_from_vgc(&img->cpus[i], v, pv);
				if (pv) {
					uint64_t cr3 = dk_le64(v + VGC_CTRLREG + 24);
					/* xen_cr3_to_pfn (x86_64): cr3 >> 12 is the MFN */
					if (i < 64)
						want_mfn[ncr3++] = cr3 >> 12;
				}
			}
			free(v);
			dk_image_add_note(img, "vCPU state decoded with the x86_64 vcpu_guest_context "
			                       "layout (%u bytes each)", VGC64_SIZE);
		}
	} else if (!s_prs) {
		dk_image_add_note(img, "no .xen_prstatus section: no vCPU state");
	}

	/* the pfn table, in windows */
	x->ex.page_size = (uint32_t)ps;
	size_t cap = 0;
	uint64_t padding = 0, found_pfn[64];
	bool found[64] = { false };
	uint8_t *tab = malloc((size_t)TABLE_WINDOW * esz);
	if (!tab) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return xen_fail(x, sh, strtab, NULL, NULL, DK_E_NOMEM);
	}
	dk_extent *cur = NULL;
	for (uint64_t i0 = 0; i0 < n; i0 += TABLE_WINDOW) {
		uint64_t k = n - i0 < TABLE_WINDOW ? n - i0 : TABLE_WINDOW;
		st = dk_input_read(&img->in, s_tab->offset + i0 * esz, tab, (size_t)(k * esz),
		                   s_pfn ? ".xen_pfn" : ".xen_p2m", err);
		if (st != DK_OK) {
			free(tab);
			return xen_fail(x, sh, strtab, NULL, NULL, st);
		}
		for (uint64_t j = 0; j < k; j++) {
			uint64_t i = i0 + j, pfn = dk_le64(tab + j * esz);
			if (pfn == INVALID_PFN) {
				padding++;
				cur = NULL;
				continue;
			}
			if (!s_pfn)
				for (size_t c = 0; c < ncr3; c++)
					if (!found[c] && dk_le64(tab + j * esz + 8) == want_mfn[c]) {
						found[c] = true;
						found_pfn[c] = pfn;
					}
			if (cur && cur->base_pfn + cur->count == pfn &&
			    cur->offset + cur->count * ps == s_pages->offset + i * ps) {
				cur->count++;
				continue;
			}
			if (x->ex.n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				dk_extent *nvx = realloc(x->ex.v, ncap * sizeof *nvx);
				if (!nvx) {
					free(tab);
					dk_set_error(err, DK_E_NOMEM, "out of memory");
					return xen_fail(x, sh, strtab, NULL, NULL, DK_E_NOMEM);
				}
				x->ex.v = nvx;
				cap = ncap;
			}
			cur = &x->ex.v[x->ex.n++];
			*cur = (dk_extent){ .base_pfn = pfn, .count = 1, .offset = s_pages->offset + i * ps,
			                    .in = &img->in };
		}
	}
	free(tab);
	for (size_t i = 0; i < x->ex.n; i++)
		if (!dk_mul_ok(x->ex.v[i].count, ps, &x->ex.v[i].file_bytes)) {
			dk_set_error(err, DK_E_FORMAT, "%s: page run too large", name);
			return xen_fail(x, sh, strtab, NULL, NULL, DK_E_FORMAT);
		}
	char what[64];
	snprintf(what, sizeof what, "run of .xen_pages listed in %s", s_tab->sname);
	st = dk_extents_finish(&x->ex, &img->pm, name, what, err);
	if (st != DK_OK) {
		if (err && st == DK_E_FORMAT && strstr(err->message, "overlaps")) {
			char msg[sizeof err->message];
			snprintf(msg, sizeof msg, "%s", err->message);
			dk_set_error(err, DK_E_FORMAT, "%s (a PFN is listed twice in %s)", msg,
			             s_tab->sname);
		}
		return xen_fail(x, sh, strtab, NULL, NULL, st);
	}
	if (padding)
		dk_image_add_note(img, "%" PRIu64 " entries of %s are ~0 padding and were skipped", padding,
		                  s_tab->sname);
	for (size_t c = 0; c < ncr3; c++) {
		if (found[c]) {
			img->cpus[c].cr3 = found_pfn[c] * ps;
			img->cpus[c].have |= DK_CPU_HAVE_CR3;
			dk_image_add_note(img, "vCPU %zu: PV ctrlreg[3] names MFN 0x%" PRIx64
			                       ", which the p2m maps to PFN 0x%" PRIx64 " (cr3 0x%" PRIx64 ")",
			                  c, want_mfn[c], found_pfn[c], found_pfn[c] * ps);
		} else {
			dk_image_add_note(img, "vCPU %zu: PV ctrlreg[3] names MFN 0x%" PRIx64
			                       ", which no .xen_p2m entry maps; cr3 not set",
			                  c, want_mfn[c]);
		}
	}
	if (!find_sec(sh, shnum, ".xen_shared_info"))
		dk_image_add_note(img, "no .xen_shared_info section");
	snprintf(img->describe, sizeof img->describe,
	         "Xen dump-core, %s (%s), %" PRIu64 " entries, %" PRIu64 " padding, %zu vCPU%s",
	         pv ? "PV" : "HVM/PVH", s_tab->sname, n, padding, img->ncpus,
	         img->ncpus == 1 ? "" : "s");
	free(sh);
	free(strtab);
	img->priv = x;
	img->free_priv = xen_free;
	img->pm.ctx = &x->ex;
	return DK_OK;
}

const dk_image_reader dk_reader_xen = { "xen", "Xen dump-core (xl dump-core, ELF)", xen_probe,
	                                xen_open };
