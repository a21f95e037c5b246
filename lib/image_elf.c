/* dmpkit — ELF core files as physical memory: QEMU dump-guest-memory,
 * VirtualBox dumpvmcore, makedumpfile -E, generic ELF32/ELF64 cores.
 *
 * Physical pages come from PT_LOAD p_paddr; notes give CPU state (CORE
 * NT_PRSTATUS, QEMU QEMUCPUState, VirtualBox VBCPU) and VMCOREINFO.
 * Layouts used (facts only):
 *   ELF: the System V gABI (Elf32/Elf64 Ehdr, Phdr, Shdr, Nhdr; PN_XNUM).
 *   NT_PRSTATUS: Linux struct elf_prstatus / user_regs_struct (x86_64 0x150
 *     bytes, pr_reg at 0x70; i386 0x90 bytes, pr_reg at 0x48).
 *   QEMUCPUState: qemu target/i386/arch_dump.c (version 1, size 0x1b8).
 *   VBCPU / VBCORE: VirtualBox include/VBox/vmm/dbgfcorefmt.h (DBGFCORECPU,
 *     DBGFCORE_MAGIC 0xc01ac0de), src/VBox/VMM/VMMR3/DBGFCoreWrite.cpp.
 * Quirks handled (shared/docs/input-formats.md §2.1, §5, §11): phdrs at any
 * e_phoff (QEMU 7.2: 0xC0, e_ehsize 8), EM_386 in ELF64, p_offset not
 * page-aligned, PN_XNUM, VirtualBox MMIO PT_LOADs with p_filesz 0 and
 * note names without their NUL, makedumpfile -E p_filesz < p_memsz.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

#define ELF_PAGE 4096u
#define PT_LOAD 1u
#define PT_NOTE 4u
#define ET_CORE 4u
#define PN_XNUM 0xffffu
#define EM_386 3u
#define EM_X86_64 62u
#define EM_AARCH64 183u
#define ELF_MAX_PHDRS (1u << 22)
#define ELF_MAX_NOTE_BYTES (64u << 20)

typedef struct elf_info {
	bool is64;
	uint16_t machine;
	uint64_t phoff, shoff;
	uint16_t phentsize, shentsize;
	uint64_t phnum;
	const char *ehdr, *phdr; /* "Elf64_Ehdr", "Elf64_Phdr" */
} elf_info;

/* What the notes say, gathered over two passes. */
typedef struct elf_notes {
	size_t nprs, nqemu, nvbcpu; /* counted (pass 1) / consumed (pass 2) */
	bool vbcore, have_vmcoreinfo;
	size_t skipped;             /* notes not understood or too short */
} elf_notes;

static void elf_free(void *priv)
{
	dk_extents *ex = priv;
	dk_extents_free(ex);
	free(ex);
}

static const char *machine_name(uint16_t m, char *buf, size_t n)
{
	switch (m) {
	case EM_386: return "EM_386";
	case EM_X86_64: return "EM_X86_64";
	case EM_AARCH64: return "EM_AARCH64";
	default: snprintf(buf, n, "e_machine %u", m); return buf;
	}
}

/* Name of a note: namesz bytes, less a trailing NUL (VirtualBox omits it). */
static bool note_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	size_t n = namesz;
	if (n && name[n - 1] == 0)
		n--;
	return n == strlen(want) && memcmp(name, want, n) == 0;
}

static dk_image_cpu *cpu_slot(dk_image *img, size_t i)
{
	return i < img->ncpus ? &img->cpus[i] : NULL;
}

/* DBGFCORECPU: rax rbx rcx rdx rsi rdi r8..r15 rip rsp rbp rflags (0x00..0x90);
 * DBGFCORESEL {u64 base; u32 limit, attr; u16 sel; ...} cs ds es fs gs ss
 * (24 bytes each, 0x90..0x120); cr0 cr2 cr3 cr4 (0x120); dr[8] (0x140);
 * gdtr, idtr {u64 addr; u32 cb; u32} (0x180, 0x190); ldtr, tr (0x1a0,
 * 0x1b8); sysenter cs eip esp (0x1d0); msrEFER 0x1e8, STAR, PAT, LSTAR,
 * CSTAR, SFMASK, KernelGSBase 0x218, ApicBase 0x220. */
#define VBCPU_MIN 0x228u
static void parse_vbcpu(dk_image_cpu *c, const uint8_t *d)
{
	static const uint8_t gpr_slot[16] = { 0, 2, 3, 1, 15, 16, 4, 5,
	                                      6, 7, 8, 9, 10, 11, 12, 13 };
	for (int i = 0; i < 16; i++)
		c->gpr[i] = dk_le64(d + 8 * gpr_slot[i]);
	c->rip = dk_le64(d + 0x70);
	c->rflags = dk_le64(d + 0x88);
	const uint8_t *s = d + 0x90;
	c->cs = dk_le16(s + 0 * 24 + 16);
	c->ds = dk_le16(s + 1 * 24 + 16);
	c->es = dk_le16(s + 2 * 24 + 16);
	c->fs = dk_le16(s + 3 * 24 + 16);
	c->gs = dk_le16(s + 4 * 24 + 16);
	c->ss = dk_le16(s + 5 * 24 + 16);
	c->fs_base = dk_le64(s + 3 * 24);
	c->gs_base = dk_le64(s + 4 * 24);
	c->cr0 = dk_le64(d + 0x120);
	c->cr2 = dk_le64(d + 0x128);
	c->cr3 = dk_le64(d + 0x130);
	c->cr4 = dk_le64(d + 0x138);
	c->gdt_base = dk_le64(d + 0x180);
	c->gdt_limit = dk_le32(d + 0x188);
	c->idt_base = dk_le64(d + 0x190);
	c->idt_limit = dk_le32(d + 0x198);
	c->efer = dk_le64(d + 0x1e8);
	c->kernel_gs_base = dk_le64(d + 0x218);
	c->bits = (c->efer & 0x400) ? 64 : 32; /* EFER.LMA */
	c->have |= DK_CPU_HAVE_GPRS | DK_CPU_HAVE_SEGS | DK_CPU_HAVE_CR3 | DK_CPU_HAVE_CRS |
	           DK_CPU_HAVE_DTRS | DK_CPU_HAVE_EFER | DK_CPU_HAVE_KGS;
}

/* Walks the notes of one PT_NOTE segment (buf = its bytes, at file offset
 * `foff`).  pass 1 counts and copies VMCOREINFO, pass 2 fills img->cpus. */
static dk_status walk_notes(dk_image *img, const elf_info *ei, const uint8_t *buf, size_t len,
                            uint64_t foff, int pass, elf_notes *nt, dk_error *err)
{
	uint64_t off = 0;
	while (off < len) {
		if (len - off < 12) {
			if (pass == 1)
				dk_image_add_note(img, "PT_NOTE at file offset 0x%" PRIx64 ": 0x%" PRIx64
				                       " trailing bytes after the last note ignored",
				                  foff, (uint64_t)(len - off));
			break;
		}
		uint32_t namesz = dk_le32(buf + off), descsz = dk_le32(buf + off + 4);
		uint32_t type = dk_le32(buf + off + 8);
		uint64_t name_off = off + 12;
		uint64_t desc_off = name_off + (((uint64_t)namesz + 3) & ~(uint64_t)3);
		uint64_t next = desc_off + (((uint64_t)descsz + 3) & ~(uint64_t)3);
		if (desc_off > len || descsz > len - desc_off) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: ELF note at file offset 0x%" PRIx64 " (n_namesz 0x%x, n_descsz "
			             "0x%x) runs past the end of its PT_NOTE segment (0x%zx bytes at "
			             "file offset 0x%" PRIx64 ")",
			             img->in.name, foff + off, namesz, descsz, len, foff);
			return DK_E_FORMAT;
		}
		const uint8_t *name = buf + name_off, *desc = buf + desc_off;
		if (note_is(name, namesz, "CORE") && type == 1) {
			bool ok = descsz == 0x150 || descsz == 0x90 ||
			          (ei->machine == EM_X86_64 && descsz >= 0x148);
			if (!ok) {
				if (pass == 1) {
					nt->skipped++;
					dk_image_add_note(img, "NT_PRSTATUS at file offset 0x%" PRIx64
					                       " has 0x%x bytes, not the x86_64 (0x150) or "
					                       "i386 (0x90) layout: ignored",
					                  foff + off, descsz);
				}
			} else if (pass == 1) {
				nt->nprs++;
			} else {
				dk_image_cpu *c = cpu_slot(img, nt->nprs++);
				if (c) {
					if (descsz == 0x90)
						dk_image_cpu_prstatus32(c, desc);
					else
						dk_image_cpu_prstatus64(c, desc);
				}
			}
		} else if (note_is(name, namesz, "QEMU") && type == 0) {
			bool ok = descsz >= 0x1b8 && dk_le32(desc) == 1;
			if (!ok) {
				if (pass == 1) {
					nt->skipped++;
					dk_image_add_note(img, "QEMU CPU note at file offset 0x%" PRIx64
					                       ": version %u, 0x%x bytes; expected version 1, "
					                       "0x1b8 bytes: ignored",
					                  foff + off, descsz >= 4 ? dk_le32(desc) : 0,
					                  descsz);
				}
			} else if (pass == 1) {
				nt->nqemu++;
			} else {
				dk_image_cpu *c = cpu_slot(img, nt->nqemu++);
				if (c)
					dk_image_cpu_qemu(c, desc);
			}
		} else if (note_is(name, namesz, "VBCORE") && type == 0xb00) {
			if (pass == 1) {
				if (descsz >= 24 && dk_le32(desc) == 0xc01ac0deu) {
					nt->vbcore = true;
					uint32_t v = dk_le32(desc + 12);
					dk_image_add_note(img, "VirtualBox %u.%u.%u r%u core, format 0x%08x, "
					                       "%u vCPU(s)",
					                  v >> 24, (v >> 16) & 0xff, v & 0xffff,
					                  dk_le32(desc + 16), dk_le32(desc + 4),
					                  dk_le32(desc + 20));
				} else {
					nt->skipped++;
					dk_image_add_note(img, "VBCORE note at file offset 0x%" PRIx64
					                       " lacks the magic 0xc01ac0de: ignored",
					                  foff + off);
				}
			}
		} else if (note_is(name, namesz, "VBCPU") && type == 0xb01) {
			if (descsz < VBCPU_MIN) {
				if (pass == 1) {
					nt->skipped++;
					dk_image_add_note(img, "VBCPU note at file offset 0x%" PRIx64
					                       " has 0x%x bytes, fewer than 0x%x: ignored",
					                  foff + off, descsz, VBCPU_MIN);
				}
			} else if (pass == 1) {
				nt->nvbcpu++;
			} else {
				dk_image_cpu *c = cpu_slot(img, nt->nvbcpu++);
				if (c)
					parse_vbcpu(c, desc);
			}
		} else if (note_is(name, namesz, "VMCOREINFO") && pass == 1) {
			if (nt->have_vmcoreinfo) {
				dk_image_add_note(img, "a second VMCOREINFO note at file offset 0x%" PRIx64
				                       " was ignored", foff + off);
			} else if (descsz > 0) {
				img->vmcoreinfo = malloc(descsz);
				if (!img->vmcoreinfo) {
					dk_set_error(err, DK_E_NOMEM, "out of memory");
					return DK_E_NOMEM;
				}
				memcpy(img->vmcoreinfo, desc, descsz);
				img->vmcoreinfo_len = descsz;
				nt->have_vmcoreinfo = true;
			}
		}
		off = next;
	}
	return DK_OK;
}

static dk_status read_header(dk_image *img, elf_info *ei, dk_error *err)
{
	const char *file = img->in.name;
	uint8_t h[64];
	memset(h, 0, sizeof h);
	size_t got = dk_input_read_some(&img->in, 0, h, sizeof h);
	if (got < 52 || memcmp(h, "\177ELF", 4) != 0 || (h[4] != 1 && h[4] != 2)) {
		dk_set_error(err, DK_E_FORMAT, "%s: not an ELF file (bad e_ident or shorter than "
		             "an ELF header: 0x%zx bytes)", file, got);
		return DK_E_FORMAT;
	}
	ei->is64 = h[4] == 2;
	ei->ehdr = ei->is64 ? "Elf64_Ehdr" : "Elf32_Ehdr";
	ei->phdr = ei->is64 ? "Elf64_Phdr" : "Elf32_Phdr";
	if (ei->is64 && got < 64) {
		dk_set_error(err, DK_E_TRUNCATED, "%s: Elf64_Ehdr needs 0x40 bytes, the file has 0x%zx",
		             file, got);
		return DK_E_TRUNCATED;
	}
	if (h[5] != 1) {
		dk_set_error(err, DK_E_UNSUPPORTED, "%s: %s.e_ident[EI_DATA] at file offset 0x5 is %u; "
		             "only little-endian (1) cores are supported", file, ei->ehdr, h[5]);
		return DK_E_UNSUPPORTED;
	}
	uint16_t type = dk_le16(h + 16);
	if (type != ET_CORE) {
		dk_set_error(err, DK_E_FORMAT, "%s: %s.e_type at file offset 0x10 is %u, expected "
		             "ET_CORE (4)", file, ei->ehdr, type);
		return DK_E_FORMAT;
	}
	ei->machine = dk_le16(h + 18);
	uint16_t phnum;
	if (ei->is64) {
		ei->phoff = dk_le64(h + 32);
		ei->shoff = dk_le64(h + 40);
		ei->phentsize = dk_le16(h + 54);
		phnum = dk_le16(h + 56);
		ei->shentsize = dk_le16(h + 58);
	} else {
		ei->phoff = dk_le32(h + 28);
		ei->shoff = dk_le32(h + 32);
		ei->phentsize = dk_le16(h + 42);
		phnum = dk_le16(h + 44);
		ei->shentsize = dk_le16(h + 46);
	}
	unsigned want_ph = ei->is64 ? 56 : 32, want_sh = ei->is64 ? 64 : 40;
	ei->phnum = phnum;
	if (phnum == PN_XNUM) {
		/* the real count is in section header 0's sh_info */
		uint8_t sh[64];
		if (ei->shoff == 0 || ei->shentsize < want_sh) {
			dk_set_error(err, DK_E_FORMAT, "%s: %s.e_phnum is PN_XNUM (0xffff) but e_shoff is "
			             "0x%" PRIx64 " and e_shentsize %u (expected %u): no section header 0 "
			             "to hold the real count", file, ei->ehdr, ei->shoff, ei->shentsize,
			             want_sh);
			return DK_E_FORMAT;
		}
		dk_status st = dk_input_read(&img->in, ei->shoff, sh, want_sh,
		                             "section header 0 (PN_XNUM count)", err);
		if (st != DK_OK)
			return st;
		ei->phnum = dk_le32(sh + (ei->is64 ? 44 : 28));
		dk_image_add_note(img, "e_phnum is PN_XNUM: %" PRIu64 " program headers (from "
		                  "section header 0's sh_info)", ei->phnum);
	}
	if (ei->phnum == 0 || ei->phoff == 0) {
		dk_set_error(err, DK_E_FORMAT, "%s: %s has no program headers (e_phnum %" PRIu64
		             ", e_phoff 0x%" PRIx64 "): no PT_LOAD to map physical memory (a Xen "
		             "dump-core has none either: open it with the xen reader)",
		             file, ei->ehdr, ei->phnum, ei->phoff);
		return DK_E_FORMAT;
	}
	if (ei->phentsize < want_ph) {
		dk_set_error(err, DK_E_FORMAT, "%s: %s.e_phentsize is %u, expected at least %u",
		             file, ei->ehdr, ei->phentsize, want_ph);
		return DK_E_FORMAT;
	}
	uint64_t bytes, end;
	if (ei->phnum > ELF_MAX_PHDRS || !dk_mul_ok(ei->phnum, ei->phentsize, &bytes) ||
	    !dk_add_ok(ei->phoff, bytes, &end) || end > img->in.size) {
		dk_set_error(err, DK_E_FORMAT, "%s: %s table (e_phoff 0x%" PRIx64 ", %" PRIu64
		             " entries of %u bytes) runs past the file's end (0x%" PRIx64 ")",
		             file, ei->phdr, ei->phoff, ei->phnum, ei->phentsize, img->in.size);
		return DK_E_FORMAT;
	}
	return DK_OK;
}

typedef struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
} elf_phdr;

static elf_phdr get_phdr(const elf_info *ei, const uint8_t *p)
{
	elf_phdr r;
	r.type = dk_le32(p);
	if (ei->is64) {
		r.offset = dk_le64(p + 8);
		r.paddr = dk_le64(p + 24);
		r.filesz = dk_le64(p + 32);
		r.memsz = dk_le64(p + 40);
	} else {
		r.offset = dk_le32(p + 4);
		r.paddr = dk_le32(p + 12);
		r.filesz = dk_le32(p + 16);
		r.memsz = dk_le32(p + 20);
	}
	return r;
}

/* Both passes over every PT_NOTE. */
static dk_status read_notes(dk_image *img, const elf_info *ei, const uint8_t *ph,
                            elf_notes *nt, dk_error *err)
{
	const char *file = img->in.name;
	uint64_t total = 0;
	for (int pass = 1; pass <= 2; pass++) {
		nt->nprs = nt->nqemu = nt->nvbcpu = 0;
		for (uint64_t i = 0; i < ei->phnum; i++) {
			elf_phdr p = get_phdr(ei, ph + i * ei->phentsize);
			if (p.type != PT_NOTE || p.filesz == 0)
				continue;
			uint64_t end;
			if (!dk_add_ok(p.offset, p.filesz, &end) || end > img->in.size) {
				dk_set_error(err, DK_E_FORMAT, "%s: %s[%" PRIu64 "] (PT_NOTE) p_offset 0x%"
				             PRIx64 " + p_filesz 0x%" PRIx64 " runs past the file's end "
				             "(0x%" PRIx64 ")", file, ei->phdr, i, p.offset, p.filesz,
				             img->in.size);
				return DK_E_FORMAT;
			}
			if (pass == 1) {
				total += p.filesz;
				if (total > ELF_MAX_NOTE_BYTES) {
					dk_set_error(err, DK_E_UNSUPPORTED, "%s: the PT_NOTE segments hold "
					             "more than %u MiB; refusing to load them",
					             file, ELF_MAX_NOTE_BYTES >> 20);
					return DK_E_UNSUPPORTED;
				}
			}
			uint8_t *buf = malloc((size_t)p.filesz);
			if (!buf) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
			dk_status st = dk_input_read(&img->in, p.offset, buf, (size_t)p.filesz,
			                             "PT_NOTE segment", err);
			if (st == DK_OK)
				st = walk_notes(img, ei, buf, (size_t)p.filesz, p.offset, pass, nt, err);
			free(buf);
			if (st != DK_OK)
				return st;
		}
		if (pass == 1) {
			size_t n = nt->nprs;
			if (nt->nqemu > n)
				n = nt->nqemu;
			if (nt->nvbcpu > n)
				n = nt->nvbcpu;
			if (n > 4096) {
				dk_image_add_note(img, "%zu CPU notes; only the first 4096 are kept", n);
				n = 4096;
			}
			if (n && !dk_image_alloc_cpus(img, n)) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
			if (nt->nprs && nt->nqemu && nt->nprs != nt->nqemu)
				dk_image_add_note(img, "%zu NT_PRSTATUS notes but %zu QEMU notes: paired "
				                  "in order", nt->nprs, nt->nqemu);
			if (n == 0)
				break;
		}
	}
	return DK_OK;
}

static dk_status elf_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	(void)opts;
	const char *file = img->in.name;
	elf_info ei;
	memset(&ei, 0, sizeof ei);
	dk_status st = read_header(img, &ei, err);
	if (st != DK_OK)
		return st;
	uint64_t ph_bytes = ei.phnum * ei.phentsize; /* checked against the file size */
	uint8_t *ph = malloc((size_t)ph_bytes);
	if (!ph) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	st = dk_input_read(&img->in, ei.phoff, ph, (size_t)ph_bytes, "program header table", err);
	if (st != DK_OK) {
		free(ph);
		return st;
	}
	elf_notes nt;
	memset(&nt, 0, sizeof nt);
	st = read_notes(img, &ei, ph, &nt, err);
	if (st != DK_OK) {
		free(ph);
		return st;
	}

	dk_extents *ex = dk_calloc(1, sizeof *ex);
	size_t nload = 0;
	for (uint64_t i = 0; i < ei.phnum; i++)
		nload += get_phdr(&ei, ph + i * ei.phentsize).type == PT_LOAD;
	if (ex)
		ex->v = dk_calloc(nload ? nload : 1, sizeof *ex->v);
	if (!ex || !ex->v) {
		free(ex);
		free(ph);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	ex->page_size = ELF_PAGE;
	img->priv = ex;
	img->free_priv = elf_free;

	size_t mmio = 0, filtered = 0, unaligned = 0, empty = 0;
	uint64_t zero_bytes = 0;
	for (uint64_t i = 0; i < ei.phnum; i++) {
		elf_phdr p = get_phdr(&ei, ph + i * ei.phentsize);
		if (p.type != PT_LOAD)
			continue;
		uint64_t fend, pend;
		if (p.memsz == 0) {
			empty++;
			continue;
		}
		if (p.filesz == 0 && nt.vbcore) {
			mmio++; /* VirtualBox: an MMIO range, no data */
			continue;
		}
		if (p.filesz > p.memsz) {
			dk_set_error(err, DK_E_FORMAT, "%s: %s[%" PRIu64 "] (PT_LOAD, paddr 0x%" PRIx64
			             ") has p_filesz 0x%" PRIx64 " larger than p_memsz 0x%" PRIx64,
			             file, ei.phdr, i, p.paddr, p.filesz, p.memsz);
			free(ph);
			return DK_E_FORMAT;
		}
		if (!dk_add_ok(p.offset, p.filesz, &fend) || fend > img->in.size) {
			dk_set_error(err, DK_E_FORMAT, "%s: %s[%" PRIu64 "] (PT_LOAD, paddr 0x%" PRIx64
			             ") p_offset 0x%" PRIx64 " + p_filesz 0x%" PRIx64 " runs past the "
			             "file's end (0x%" PRIx64 ")", file, ei.phdr, i, p.paddr, p.offset,
			             p.filesz, img->in.size);
			free(ph);
			return DK_E_FORMAT;
		}
		if (!dk_add_ok(p.paddr, p.memsz - 1, &pend) || pend > UINT64_MAX - ELF_PAGE) {
			dk_set_error(err, DK_E_FORMAT, "%s: %s[%" PRIu64 "] (PT_LOAD) p_paddr 0x%" PRIx64
			             " + p_memsz 0x%" PRIx64 " goes beyond 2^64", file, ei.phdr, i,
			             p.paddr, p.memsz);
			free(ph);
			return DK_E_FORMAT;
		}
		if (p.filesz < p.memsz) {
			filtered++;
			zero_bytes += p.memsz - p.filesz;
		}
		if (p.paddr % ELF_PAGE)
			unaligned++;
		dk_extent *e = &ex->v[ex->n++];
		e->base_pfn = p.paddr / ELF_PAGE;
		e->count = pend / ELF_PAGE - e->base_pfn + 1;
		e->head_zero = (uint32_t)(p.paddr % ELF_PAGE);
		e->offset = p.offset;
		e->file_bytes = p.filesz;
		e->in = &img->in;
	}
	free(ph);
	st = dk_extents_finish(ex, &img->pm, file, "PT_LOAD", err);
	if (st != DK_OK) {
		if (strstr(err->message, "overlaps")) {
			char inner[sizeof err->message];
			snprintf(inner, sizeof inner, "%s", err->message);
			dk_set_error(err, st, "%s (p_paddr ranges must not overlap; a QEMU dump made with "
			             "paging=true maps virtual ranges: dump again with paging=false)",
			             inner);
		}
		return st;
	}
	if (ex->n == 0) {
		dk_set_error(err, DK_E_FORMAT, "%s: the ELF core has no PT_LOAD with memory "
		             "(%zu empty, %zu MMIO): no physical memory", file, empty, mmio);
		return DK_E_FORMAT;
	}
	if (mmio)
		dk_image_add_note(img, "%zu PT_LOAD(s) with p_filesz 0 (VirtualBox MMIO ranges) "
		                  "skipped: their pages are absent", mmio);
	if (filtered)
		dk_image_add_note(img, "%zu PT_LOAD(s) have p_filesz < p_memsz (filtered, e.g. "
		                  "makedumpfile -E): 0x%" PRIx64 " bytes read as zeros",
		                  filtered, zero_bytes);
	if (unaligned)
		dk_image_add_note(img, "%zu PT_LOAD(s) start inside a page: the bytes before them "
		                  "read as zeros", unaligned);
	if (nt.skipped)
		dk_image_add_note(img, "%zu CPU note(s) were not understood", nt.skipped);

	const char *producer = nt.vbcore ? "VirtualBox dumpvmcore"
	                       : filtered ? "filtered, e.g. makedumpfile -E"
	                       : nt.nqemu ? "QEMU dump-guest-memory"
	                                  : "generic";
	char mbuf[32], vbuf[64] = "";
	if (img->vmcoreinfo)
		snprintf(vbuf, sizeof vbuf, ", VMCOREINFO 0x%zx bytes", img->vmcoreinfo_len);
	snprintf(img->describe, sizeof img->describe,
	         "ELF%d core (%s, %s), %zu PT_LOAD, %zu vCPU%s%s", ei.is64 ? 64 : 32, producer,
	         machine_name(ei.machine, mbuf, sizeof mbuf), nload, img->ncpus,
	         img->ncpus == 1 ? "" : "s", vbuf);
	return DK_OK;
}

static int elf_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)file_size;
	if (len < 52 || memcmp(head, "\177ELF", 4) != 0 || (head[4] != 1 && head[4] != 2))
		return 0;
	bool le = head[5] == 1;
	uint16_t type = le ? dk_le16(head + 16) : (uint16_t)(head[16] << 8 | head[17]);
	if (type != ET_CORE)
		return 0;
	if (head[4] == 2 && len < 64)
		return 0;
	uint16_t phnum = le ? dk_le16(head + (head[4] == 2 ? 56 : 44)) : 1;
	uint64_t phoff = head[4] == 2 ? dk_get64(head, len, 32) : dk_get32(head, len, 28);
	if (phnum == 0 || (le && phoff == 0))
		return 0; /* no program headers: Xen dump-core and the like */
	return le ? 90 : 50;
}

const dk_image_reader dk_reader_elf = {
	"elf", "ELF core (QEMU dump-guest-memory, VirtualBox, makedumpfile -E)",
	elf_probe, elf_open,
};
