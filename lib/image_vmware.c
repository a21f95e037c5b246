/* dmpkit — VMware memory images: the checkpoint container (.vmss suspend
 * state, .vmsn snapshot state) and the raw .vmem beside it.
 *
 * Layout facts used here (no code taken) come from:
 *   crash-utility/crash vmware_vmss.c, vmware_vmss.h (written by VMware)
 *   volatilityfoundation/volatility volatility/plugins/addrspaces/vmware.py
 *   volatilityfoundation/volatility3 volatility3/framework/layers/vmware.py
 *   ufrisk/LeechCore leechcore/device_file.c
 *
 * Container: u32 magic, u32 version (unused by every reference), u32
 * numgroups at offset 0; the group table follows at offset 12, 80 bytes a
 * group {char name[64]; u64 position; u64 size} (all four).  A group's tags
 * start at `position`: u16 tag = namelen << 8 | nindx << 6 | valsize, the
 * name, nindx u32 indices, then either valsize bytes of little-endian value
 * or, for valsize 63 (block) and 62 (compressed block), {nbytes on disk,
 * nbytes in memory, u16 padsize, pad, data}.  A u16 0 ends the list.
 * The two block sizes are u64, or u32 when the magic's low nibble (the
 * format version in volatility) is 0 (volatility 2 and 3).  volatility3
 * skips the u16 padsize but not the pad bytes themselves; crash and
 * volatility2 skip both, and so do we.
 *
 * Magics: 0xBED2BED2, 0xBED3BED3, 0xBAD1BAD1 (all four references),
 * 0xBAD2BAD2 (crash only), 0xBED2BED0 (volatility 2/3: version 0, 32-bit
 * block sizes; LeechCore leaves it commented out), 0xBED0BED0 (crash's
 * "old" magic, which it recognises and then refuses as a 32-bit
 * checkpoint).  We accept all six; the two with low nibble 0 use 32-bit
 * block sizes.
 *
 * RAM: the "memory" group's regionsCount, regionPPN[i], regionPageNum[i],
 * regionSize[i] (in 4 KiB pages; crash and LeechCore read them as u32):
 * physical pages [PPN, PPN + size) are at page PageNum of the RAM bytes.
 * The RAM bytes are the block "Memory" (indices 0,0) inside the container
 * when it is there (crash, volatility2), else the .vmem file beside it
 * (same name, suffix .vmem: crash; and .vmem -> .vmss, then .vmsn:
 * volatility3, LeechCore).  regionsCount 0 or missing: linear.
 * crash holds 3 regions, LeechCore 0x40; we hold VMW_MAX_REGIONS.
 * Compressed "Memory" blocks (valsize 62) are refused by crash too.
 *
 * CPU state, "cpu" group (crash): cpu:numVCPUs; rax..r15, rip, eflags or
 * EFLAGS indexed [cpu]; CR64 [cpu][n] scalars or a 72-byte CR64 [cpu]
 * block holding cr0..cr8; volatility2 reads CR [cpu][3] as u32 on 32-bit
 * guests; GDTR/IDTR [cpu][0..2] = limit, base low, base high (crash, and
 * the vmwareinfo listing of a real ESX .vmss in the volatility wiki).  The
 * illumos mdb vmss backend (Delphix, 2013) finds CR3 as CR64 [0][3] and
 * the RAM as "Memory" with no indices (regionsCount 0) or [0][0].  No
 * reference names an EFER tag, so EFER is not read.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image_internal.h"

#define VMW_PAGE 4096u
#define VMW_HEADER_BYTES 12u
#define VMW_GROUP_BYTES 80u
#define VMW_GROUP_NAME 64u
#define VMW_MAX_GROUPS 4096u
#define VMW_MAX_REGIONS 1024u
#define VMW_MAX_TAGS_PER_GROUP 4000000u
#define VMW_VALSIZE_BLOCK 63u
#define VMW_VALSIZE_COMPRESSED 62u
#define VMW_CR64_BLOCK_BYTES 72u /* crash vmware_vmss.h VMW_CR64_SIZE */
/* A .vmem without its metadata file is read as linear only up to here:
 * larger guests have the PCI hole squeezed out at 3 GiB. */
#define VMW_LINEAR_GUESS_LIMIT (3ull << 30)

static bool vmw_known_magic(uint32_t m)
{
	return m == 0xBED2BED2u || m == 0xBED3BED3u || m == 0xBAD1BAD1u || m == 0xBAD2BAD2u ||
	       m == 0xBED2BED0u || m == 0xBED0BED0u;
}

typedef struct vmw_region {
	bool have_ppn, have_pagenum, have_size;
	uint64_t ppn, pagenum, size;
} vmw_region;

typedef struct vmw_block {
	bool found, compressed;
	uint64_t tag_offset; /* file offset of the tag */
	uint64_t data_offset, nbytes, nbytes_mem;
} vmw_block;

/* What the container says about memory. */
typedef struct vmw_meta {
	const dk_input *in;
	uint32_t magic;
	bool size32;
	uint32_t ngroups;
	bool have_memory_group, have_regions_count;
	uint64_t regions_count;
	uint64_t regions_count_offset;
	vmw_region *regions; /* VMW_MAX_REGIONS entries */
	vmw_block memory;
	/* cpu group */
	bool have_ncpus;
	uint64_t ncpus_declared;
	uint64_t cpu_tags_ignored;
} vmw_meta;

typedef struct vmw_priv {
	dk_extents ex;
} vmw_priv;

static void vmw_free(void *p)
{
	vmw_priv *priv = p;
	dk_extents_free(&priv->ex);
	free(priv);
}

static int vmw_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	if (len < VMW_HEADER_BYTES || !vmw_known_magic(dk_le32(head)))
		return 0;
	uint64_t ngroups = dk_le32(head + 8);
	/* magic plus a group table that fits: sure; magic alone: still ours,
	 * so that open() reports what is wrong */
	if (ngroups >= 1 && ngroups <= VMW_MAX_GROUPS &&
	    VMW_HEADER_BYTES + ngroups * VMW_GROUP_BYTES <= file_size)
		return 90;
	return 60;
}

/* ---- per-vCPU registers ---- */

/* CONTEXT order of dk_image_cpu.gpr[]. */
static const char *const vmw_gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

typedef struct vmw_cpu_seen {
	uint32_t gprs;     /* bit per gpr[] */
	bool rip, rflags;
	bool cr64[5], cr32[5];
	bool dtr[2][3];    /* GDTR, IDTR: limit, base low, base high */
	uint64_t dtr_base[2][2];
} vmw_cpu_seen;

/* CR64 (8 bytes) wins over CR (4 bytes): a 64-bit guest's checkpoint
 * holds both, CR truncated (the vmwareinfo listing of a Win7 x64 ESX
 * snapshot in the volatility wiki shows CR[0][3] as a 4-byte tag). */
static void vmw_set_cr(dk_image_cpu *c, vmw_cpu_seen *s, uint64_t n, uint64_t v, bool wide)
{
	if (n > 4 || n == 1 || (!wide && s->cr64[n]))
		return;
	if (!wide)
		v &= 0xFFFFFFFFu;
	switch (n) {
	case 0: c->cr0 = v; break;
	case 2: c->cr2 = v; break;
	case 3: c->cr3 = v; break;
	default: c->cr4 = v; break;
	}
	if (wide)
		s->cr64[n] = true;
	else
		s->cr32[n] = true;
}

/* A scalar or block tag of the "cpu" group.  `value` holds the first (up
 * to 8) bytes of a scalar; blocks are read here. */
static dk_status vmw_cpu_tag(dk_image *img, vmw_meta *m, vmw_cpu_seen *seen, const char *name,
                             unsigned nindx, const uint32_t idx[3], bool is_block,
                             uint64_t value, const vmw_block *blk, dk_error *err)
{
	if (strcmp(name, "cpu:numVCPUs") == 0 && !is_block) {
		if (m->have_ncpus)
			return DK_OK; /* crash treats a second one as an error; keep the first */
		m->have_ncpus = true;
		m->ncpus_declared = value;
		if (value == 0 || value > 4096) {
			dk_image_add_note(img, "cpu:numVCPUs is %" PRIu64 " (outside 1..4096): "
			                  "CPU state ignored", value);
			return DK_OK;
		}
		if (!dk_image_alloc_cpus(img, (size_t)value)) {
			dk_set_error(err, DK_E_NOMEM, "out of memory");
			return DK_E_NOMEM;
		}
		return DK_OK;
	}
	if (nindx == 0)
		return DK_OK;
	if (!img->cpus || idx[0] >= img->ncpus) {
		m->cpu_tags_ignored++;
		return DK_OK;
	}
	dk_image_cpu *c = &img->cpus[idx[0]];
	vmw_cpu_seen *s = &seen[idx[0]];
	if (is_block) {
		if (strcmp(name, "CR64") == 0 && nindx == 1 && !blk->compressed &&
		    blk->nbytes == VMW_CR64_BLOCK_BYTES) {
			uint8_t b[VMW_CR64_BLOCK_BYTES];
			dk_status st = dk_input_read(m->in, blk->data_offset, b, sizeof b,
			                             "cpu group CR64 block", err);
			if (st != DK_OK)
				return st;
			for (unsigned n = 0; n <= 4; n++)
				vmw_set_cr(c, s, n, dk_le64(b + 8 * n), true);
		}
		return DK_OK;
	}
	for (unsigned g = 0; g < 16; g++)
		if (nindx == 1 && strcmp(name, vmw_gpr_names[g]) == 0) {
			c->gpr[g] = value;
			s->gprs |= 1u << g;
			return DK_OK;
		}
	if (nindx == 1 && strcmp(name, "rip") == 0) {
		c->rip = value;
		s->rip = true;
	} else if (nindx == 1 && (strcmp(name, "eflags") == 0 || strcmp(name, "EFLAGS") == 0)) {
		c->rflags = value;
		s->rflags = true;
	} else if (nindx == 2 && strcmp(name, "CR64") == 0) {
		vmw_set_cr(c, s, idx[1], value, true);
	} else if (nindx == 2 && strcmp(name, "CR") == 0) {
		vmw_set_cr(c, s, idx[1], value, false);
	} else if (nindx == 2 && idx[1] <= 2 &&
	           (strcmp(name, "GDTR") == 0 || strcmp(name, "IDTR") == 0)) {
		/* [cpu][0] limit, [1] base bits 0-31, [2] base bits 32-63 (crash
		 * vmware_vmss.c for IDTR; the volatility wiki listing shows both) */
		unsigned t = name[0] == 'I';
		if (idx[1] == 0) {
			if (t)
				c->idt_limit = (uint32_t)(value & 0xFFFFu);
			else
				c->gdt_limit = (uint32_t)(value & 0xFFFFu);
		} else {
			s->dtr_base[t][idx[1] - 1] = value & 0xFFFFFFFFu;
		}
		s->dtr[t][idx[1]] = true;
	}
	return DK_OK;
}

static void vmw_cpu_finish(dk_image *img, const vmw_cpu_seen *seen)
{
	for (size_t i = 0; i < img->ncpus; i++) {
		dk_image_cpu *c = &img->cpus[i];
		const vmw_cpu_seen *s = &seen[i];
		bool cr[5];
		for (unsigned n = 0; n < 5; n++)
			cr[n] = s->cr64[n] || s->cr32[n];
		if (cr[3])
			c->have |= DK_CPU_HAVE_CR3;
		if (cr[0] && cr[2] && cr[4])
			c->have |= DK_CPU_HAVE_CRS;
		if (s->gprs == 0xFFFFu && s->rip && s->rflags)
			c->have |= DK_CPU_HAVE_GPRS;
		bool dtrs = true;
		for (unsigned t = 0; t < 2; t++)
			for (unsigned k = 0; k < 3; k++)
				dtrs = dtrs && s->dtr[t][k];
		if (dtrs) {
			c->gdt_base = s->dtr_base[0][0] | s->dtr_base[0][1] << 32;
			c->idt_base = s->dtr_base[1][0] | s->dtr_base[1][1] << 32;
			c->have |= DK_CPU_HAVE_DTRS;
		}
		/* The checkpoint does not say the guest's mode (CR64 tags exist
		 * for 32-bit guests too), so bits stays 0 (unknown). */
	}
}

/* ---- the container ---- */

/* Reads a group name (NUL-padded, maybe unterminated) into out[65]. */
static void vmw_group_name(const uint8_t *g, char out[VMW_GROUP_NAME + 1])
{
	size_t n = 0;
	while (n < VMW_GROUP_NAME && g[n])
		n++;
	memcpy(out, g, n);
	out[n] = 0;
}

static void vmw_printable(const char *s, char *out, size_t outsz)
{
	size_t k = 0;
	for (; *s && k + 1 < outsz; s++)
		out[k++] = (*s >= 0x20 && *s < 0x7F) ? *s : '?';
	out[k] = 0;
}

static dk_status vmw_memory_tag(dk_image *img, vmw_meta *m, const char *name, unsigned nindx,
                                const uint32_t idx[3], bool is_block, uint64_t value,
                                uint64_t tag_off, const vmw_block *blk, dk_error *err)
{
	const char *file = m->in->name;
	if (is_block) {
		if (strcmp(name, "Memory") != 0)
			return DK_OK;
		bool zero_idx = true;
		for (unsigned j = 0; j < nindx; j++)
			zero_idx = zero_idx && idx[j] == 0;
		if (!zero_idx || m->memory.found) {
			dk_set_error(err, DK_E_UNSUPPORTED,
			             "%s: a second \"Memory\" block (tag at file offset 0x%" PRIx64
			             ", %u indices, first %u): only one RAM block (indices 0,0) is "
			             "supported",
			             file, tag_off, nindx, nindx ? idx[0] : 0u);
			return DK_E_UNSUPPORTED;
		}
		m->memory = *blk;
		m->memory.found = true;
		return DK_OK;
	}
	(void)img;
	if (strcmp(name, "regionsCount") == 0 && nindx == 0) {
		m->have_regions_count = true;
		m->regions_count = value;
		m->regions_count_offset = tag_off;
		return DK_OK;
	}
	int which = strcmp(name, "regionPPN") == 0       ? 0
	            : strcmp(name, "regionPageNum") == 0 ? 1
	            : strcmp(name, "regionSize") == 0    ? 2
	                                                 : -1;
	if (which < 0)
		return DK_OK;
	if (nindx != 1) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: memory group tag %s at file offset 0x%" PRIx64
		             " has %u indices, expected 1 (the region number)",
		             file, name, tag_off, nindx);
		return DK_E_FORMAT;
	}
	if (idx[0] >= VMW_MAX_REGIONS) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "%s: memory group tag %s[%u] at file offset 0x%" PRIx64
		             ": region numbers up to %u are supported",
		             file, name, idx[0], tag_off, VMW_MAX_REGIONS - 1);
		return DK_E_UNSUPPORTED;
	}
	vmw_region *r = &m->regions[idx[0]];
	if (which == 0) {
		r->ppn = value;
		r->have_ppn = true;
	} else if (which == 1) {
		r->pagenum = value;
		r->have_pagenum = true;
	} else {
		r->size = value;
		r->have_size = true;
	}
	return DK_OK;
}

/* Walks the tag list of one group ("memory" or "cpu"). */
static dk_status vmw_walk_group(dk_image *img, vmw_meta *m, const char *gname, uint64_t gi,
                                uint64_t start, uint64_t end, vmw_cpu_seen **seen,
                                dk_error *err)
{
	const char *file = m->in->name;
	bool is_cpu = strcmp(gname, "cpu") == 0;
	const unsigned szw = m->size32 ? 4 : 8;
	uint64_t pos = start;
	/* tag word + name + indices + the largest scalar or block header */
	uint8_t b[2 + 255 + 12 + 64];
	for (uint64_t ntags = 0;; ntags++) {
		if (ntags >= VMW_MAX_TAGS_PER_GROUP) {
			dk_set_error(err, DK_E_UNSUPPORTED,
			             "%s: group[%" PRIu64 "] \"%s\" has more than %u tags", file, gi,
			             gname, VMW_MAX_TAGS_PER_GROUP);
			return DK_E_UNSUPPORTED;
		}
		uint64_t avail = end - pos;
		size_t len = avail < sizeof b ? (size_t)avail : sizeof b;
		if (len < 2 || dk_input_read_some(m->in, pos, b, len) != len) {
			dk_set_error(err, DK_E_TRUNCATED,
			             "%s: group[%" PRIu64 "] \"%s\": the tag list ends at file offset "
			             "0x%" PRIx64 " (group end 0x%" PRIx64
			             ") without the terminating 0 tag",
			             file, gi, gname, pos, end);
			return DK_E_TRUNCATED;
		}
		uint16_t tag = dk_le16(b);
		if (tag == 0)
			return DK_OK;
		unsigned namelen = tag >> 8, nindx = (tag >> 6) & 3u, valsize = tag & 0x3Fu;
		if (namelen == 0) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: group[%" PRIu64 "] \"%s\": tag 0x%04x at file offset 0x%" PRIx64
			             " has an empty name",
			             file, gi, gname, tag, pos);
			return DK_E_FORMAT;
		}
		bool is_block = valsize == VMW_VALSIZE_BLOCK || valsize == VMW_VALSIZE_COMPRESSED;
		size_t hdr = 2 + namelen + 4u * nindx;
		size_t need = hdr + (is_block ? 2u * szw + 2u : valsize);
		if (need > len) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: group[%" PRIu64 "] \"%s\": tag 0x%04x at file offset 0x%" PRIx64
			             " needs %zu bytes, but only 0x%" PRIx64
			             " remain before the group's end (0x%" PRIx64 ")",
			             file, gi, gname, tag, pos, need, avail, end);
			return DK_E_FORMAT;
		}
		char name[256];
		memcpy(name, b + 2, namelen);
		name[namelen] = 0;
		if (strlen(name) != namelen) /* an embedded NUL: compare on the whole name */
			name[0] = '\x01';
		uint32_t idx[3] = { 0, 0, 0 };
		for (unsigned j = 0; j < nindx; j++)
			idx[j] = dk_le32(b + 2 + namelen + 4 * j);
		uint64_t next, value = 0;
		vmw_block blk = { 0 };
		if (is_block) {
			const uint8_t *p = b + hdr;
			blk.found = true;
			blk.compressed = valsize == VMW_VALSIZE_COMPRESSED;
			blk.tag_offset = pos;
			blk.nbytes = szw == 8 ? dk_le64(p) : dk_le32(p);
			blk.nbytes_mem = szw == 8 ? dk_le64(p + 8) : dk_le32(p + 4);
			uint16_t pad = dk_le16(p + 2 * szw);
			blk.data_offset = pos + need + pad;
			if (!dk_add_ok(blk.data_offset, blk.nbytes, &next) || next > end) {
				char pn[64];
				vmw_printable(name, pn, sizeof pn);
				dk_set_error(err, DK_E_FORMAT,
				             "%s: group[%" PRIu64 "] \"%s\": block tag %s at file offset 0x%" PRIx64
				             ": padsize %u and nbytes 0x%" PRIx64 " put its data at 0x%" PRIx64
				             "+0x%" PRIx64 ", beyond the group's end (0x%" PRIx64
				             ", file size 0x%" PRIx64 ")",
				             file, gi, gname, pn, pos, pad, blk.nbytes, blk.data_offset,
				             blk.nbytes, end, m->in->size);
				return DK_E_FORMAT;
			}
		} else {
			value = dk_getn(b, len, hdr, valsize < 8 ? valsize : 8);
			next = pos + need;
		}
		dk_status st;
		if (is_cpu)
			st = vmw_cpu_tag(img, m, *seen, name, nindx, idx, is_block, value, &blk, err);
		else
			st = vmw_memory_tag(img, m, name, nindx, idx, is_block, value, pos, &blk, err);
		if (st != DK_OK)
			return st;
		if (is_cpu && img->cpus && !*seen) {
			*seen = dk_calloc(img->ncpus, sizeof **seen);
			if (!*seen) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
		}
		pos = next;
	}
}

/* Parses the container `in` (magic already checked by the caller). */
static dk_status vmw_parse(dk_image *img, vmw_meta *m, dk_error *err)
{
	const char *file = m->in->name;
	uint8_t h[VMW_HEADER_BYTES];
	dk_status st = dk_input_read(m->in, 0, h, sizeof h, "checkpoint header", err);
	if (st != DK_OK)
		return st;
	m->magic = dk_le32(h);
	if (!vmw_known_magic(m->magic)) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: checkpoint header magic at file offset 0 is 0x%08" PRIx32
		             ", expected 0xBED2BED2, 0xBED3BED3, 0xBAD1BAD1, 0xBAD2BAD2, 0xBED2BED0 or "
		             "0xBED0BED0 (VMware .vmss/.vmsn)",
		             file, m->magic);
		return DK_E_FORMAT;
	}
	m->size32 = (m->magic & 0xFu) == 0;
	m->ngroups = dk_le32(h + 8);
	uint64_t table_end = VMW_HEADER_BYTES + (uint64_t)m->ngroups * VMW_GROUP_BYTES;
	if (m->ngroups == 0 || m->ngroups > VMW_MAX_GROUPS || table_end > m->in->size) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: checkpoint header numgroups at file offset 0x8 is %" PRIu32
		             ": expected 1..%u groups of %u bytes inside the file (size 0x%" PRIx64 ")",
		             file, m->ngroups, VMW_MAX_GROUPS, VMW_GROUP_BYTES, m->in->size);
		return DK_E_FORMAT;
	}
	vmw_cpu_seen *seen = NULL;
	for (uint32_t gi = 0; gi < m->ngroups && st == DK_OK; gi++) {
		uint64_t goff = VMW_HEADER_BYTES + (uint64_t)gi * VMW_GROUP_BYTES;
		uint8_t g[VMW_GROUP_BYTES];
		st = dk_input_read(m->in, goff, g, sizeof g, "checkpoint group table", err);
		if (st != DK_OK)
			break;
		char gname[VMW_GROUP_NAME + 1];
		vmw_group_name(g, gname);
		bool is_memory = strcmp(gname, "memory") == 0, is_cpu = strcmp(gname, "cpu") == 0;
		if (!is_memory && !is_cpu)
			continue;
		if ((is_memory && m->have_memory_group) || (is_cpu && img->cpus)) {
			dk_image_add_note(img, "%s: a second \"%s\" group (group[%" PRIu32 "]) was ignored",
			                  file, gname, gi);
			continue;
		}
		uint64_t position = dk_le64(g + 64), size = dk_le64(g + 72), end;
		if (!dk_add_ok(position, size, &end) || position < table_end || end > m->in->size ||
		    size < 2) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: group[%" PRIu32 "] \"%s\" (table entry at file offset 0x%" PRIx64
			             ") says its tags lie at 0x%" PRIx64 "+0x%" PRIx64
			             ": expected a range after the group table (0x%" PRIx64
			             ") inside the file (size 0x%" PRIx64 ")",
			             file, gi, gname, goff, position, size, table_end, m->in->size);
			st = DK_E_FORMAT;
			break;
		}
		if (is_memory)
			m->have_memory_group = true;
		st = vmw_walk_group(img, m, gname, gi, position, end, &seen, err);
	}
	if (st == DK_OK && seen)
		vmw_cpu_finish(img, seen);
	free(seen);
	if (st == DK_OK && m->cpu_tags_ignored)
		dk_image_add_note(img, "%" PRIu64 " per-vCPU tags of the cpu group were ignored "
		                  "(vCPU index beyond cpu:numVCPUs, or no usable cpu:numVCPUs "
		                  "before them)", m->cpu_tags_ignored);
	return st;
}

/* ---- mapping RAM bytes through the regions ---- */

/* RAM bytes [base, base + len) of `ram` as physical memory from 0. */
static dk_status vmw_linear(dk_image *img, vmw_priv *priv, const dk_input *ram, uint64_t base,
                            uint64_t len, const char *ram_what, dk_error *err)
{
	dk_extents *ex = &priv->ex;
	ex->page_size = VMW_PAGE;
	uint64_t pages = len / VMW_PAGE;
	if (len % VMW_PAGE)
		dk_image_add_note(img, "%s ends with a partial page (0x%" PRIx64 " bytes), left out",
		                  ram_what, len % VMW_PAGE);
	ex->v = dk_calloc(1, sizeof *ex->v);
	if (!ex->v) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	ex->v[0] = (dk_extent){ .base_pfn = 0, .count = pages, .offset = base,
		                 .file_bytes = pages * VMW_PAGE, .in = ram };
	ex->n = 1;
	return dk_extents_finish(ex, &img->pm, img->in.name, "VMware linear memory", err);
}

/* RAM bytes [base, base + len) of `ram` hold the guest's memory. */
static dk_status vmw_map(dk_image *img, vmw_meta *m, vmw_priv *priv, const dk_input *ram,
                         uint64_t base, uint64_t len, const char *ram_what, dk_error *err)
{
	dk_extents *ex = &priv->ex;
	ex->page_size = VMW_PAGE;
	uint64_t count = m->have_regions_count ? m->regions_count : 0;
	if (count > VMW_MAX_REGIONS) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "%s: memory group regionsCount (tag at file offset 0x%" PRIx64
		             ") is %" PRIu64 ": at most %u regions are supported",
		             m->in->name, m->regions_count_offset, count, VMW_MAX_REGIONS);
		return DK_E_UNSUPPORTED;
	}
	if (count == 0) {
		dk_image_add_note(img, "%s: %s; %s is read linearly (physical address == offset)",
		                  m->in->name,
		                  m->have_regions_count ? "regionsCount is 0"
		                                        : "no regionsCount tag in the memory group",
		                  ram_what);
		return vmw_linear(img, priv, ram, base, len, ram_what, err);
	}
	ex->v = dk_calloc((size_t)count, sizeof *ex->v);
	if (!ex->v) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	uint64_t last_off = 0; /* the region that reaches furthest into the RAM bytes */
	size_t last = 0;
	for (size_t i = 0; i < count; i++) {
		const vmw_region *r = &m->regions[i];
		if (!r->have_ppn || !r->have_pagenum || !r->have_size) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: memory group regionsCount is %" PRIu64
			             " but region %zu lacks its %s tag",
			             m->in->name, count, i,
			             !r->have_ppn ? "regionPPN" : !r->have_pagenum ? "regionPageNum"
			                                                           : "regionSize");
			return DK_E_FORMAT;
		}
		uint64_t off, bytes, rend;
		if (!dk_mul_ok(r->pagenum, VMW_PAGE, &off) || !dk_mul_ok(r->size, VMW_PAGE, &bytes) ||
		    !dk_add_ok(off, bytes, &rend) || r->ppn > (UINT64_MAX >> 12)) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: region %zu (PPN 0x%" PRIx64 ", PageNum 0x%" PRIx64
			             ", size 0x%" PRIx64 " pages) overflows 64 bits",
			             m->in->name, i, r->ppn, r->pagenum, r->size);
			return DK_E_FORMAT;
		}
		ex->v[i] = (dk_extent){ .base_pfn = r->ppn, .count = r->size, .offset = base + off,
		                         .file_bytes = bytes, .in = ram };
		if (r->size && rend >= last_off) {
			last_off = rend;
			last = i;
		}
		if (r->size && off >= len) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: region %zu (physical 0x%" PRIx64 "+0x%" PRIx64
			             ") starts at byte 0x%" PRIx64 " of %s, which holds only 0x%" PRIx64
			             " bytes",
			             m->in->name, i, r->ppn * VMW_PAGE, bytes, off, ram_what, len);
			return DK_E_FORMAT;
		}
	}
	ex->n = (size_t)count;
	for (size_t i = 0; i < count; i++) {
		dk_extent *e = &ex->v[i];
		uint64_t off = e->offset - base;
		if (e->count == 0 || off + e->file_bytes <= len)
			continue;
		if (i != last) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: region %zu (physical 0x%" PRIx64 "+0x%" PRIx64
			             ") needs bytes 0x%" PRIx64 "-0x%" PRIx64 " of %s, which holds only "
			             "0x%" PRIx64 " bytes",
			             m->in->name, i, e->base_pfn * VMW_PAGE, e->file_bytes, off,
			             off + e->file_bytes - 1, ram_what, len);
			return DK_E_FORMAT;
		}
		uint64_t keep = (len - off) / VMW_PAGE;
		dk_image_add_note(img,
		                  "%s is truncated: region %zu (physical 0x%" PRIx64
		                  ") has %" PRIu64 " of its %" PRIu64 " pages; the rest is absent",
		                  ram_what, i, e->base_pfn * VMW_PAGE, keep, e->count);
		e->count = keep;
		e->file_bytes = keep * VMW_PAGE;
	}
	return dk_extents_finish(ex, &img->pm, m->in->name, "VMware memory region", err);
}

/* ---- companion files ---- */

static bool vmw_has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n > k && strcmp(s + n - k, suf) == 0;
}

static bool vmw_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* `name` with its 5-character suffix replaced by `suf`; NULL if none. */
static char *vmw_sibling(const char *name, const char *suf)
{
	size_t n = strlen(name);
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, name, n - 5);
	memcpy(s + n - 5, suf, 6);
	return s;
}

static dk_status vmw_open_extra(dk_image *img, const char *path, dk_error *err)
{
	dk_status st = dk_input_open(&img->extra, path, err);
	if (st == DK_OK)
		img->has_extra = true;
	return st;
}

static bool vmw_input_is_checkpoint(const dk_input *in)
{
	uint8_t h[4];
	return dk_input_read_some(in, 0, h, 4) == 4 && vmw_known_magic(dk_le32(h));
}

static const char *vmw_magic_name(uint32_t m)
{
	switch (m) {
	case 0xBED2BED2u: return "0xBED2BED2";
	case 0xBED3BED3u: return "0xBED3BED3 partial";
	case 0xBAD1BAD1u: return "0xBAD1BAD1 restored";
	case 0xBAD2BAD2u: return "0xBAD2BAD2 norestore";
	case 0xBED2BED0u: return "0xBED2BED0 old, 32-bit sizes";
	default: return "0xBED0BED0 old, 32-bit sizes";
	}
}

static void vmw_describe(dk_image *img, const vmw_meta *m, const char *how)
{
	uint64_t n = m->have_regions_count ? m->regions_count : 0;
	snprintf(img->describe, sizeof img->describe,
	         "VMware checkpoint (magic %s), %s, %" PRIu64 " region%s, %" PRIu64
	         " pages, %zu vCPU%s",
	         vmw_magic_name(m->magic), how, n, n == 1 ? "" : "s", img->pm.present_pages,
	         img->ncpus, img->ncpus == 1 ? "" : "s");
}

static dk_status vmw_open_checkpoint(dk_image *img, const dk_image_options *opts,
                                     vmw_meta *m, vmw_priv *priv, dk_error *err)
{
	m->in = &img->in;
	dk_status st = vmw_parse(img, m, err);
	if (st != DK_OK)
		return st;
	if (!m->have_memory_group) {
		dk_set_error(err, DK_E_FORMAT, "%s: the checkpoint has no \"memory\" group",
		             img->in.name);
		return DK_E_FORMAT;
	}
	if (m->memory.found) {
		if (m->memory.compressed) {
			dk_set_error(err, DK_E_UNSUPPORTED,
			             "%s: the \"Memory\" block (tag at file offset 0x%" PRIx64
			             ", 0x%" PRIx64 " bytes on disk, 0x%" PRIx64
			             " in memory) is compressed (valsize 62): compressed checkpoints "
			             "are not supported (crash and volatility refuse them too; VMware's "
			             "vmss2core reads them)",
			             img->in.name, m->memory.tag_offset, m->memory.nbytes,
			             m->memory.nbytes_mem);
			return DK_E_UNSUPPORTED;
		}
		if (m->memory.nbytes != m->memory.nbytes_mem)
			dk_image_add_note(img, "\"Memory\" block: 0x%" PRIx64 " bytes on disk but 0x%" PRIx64
			                  " in memory; the bytes on disk are used",
			                  m->memory.nbytes, m->memory.nbytes_mem);
		st = vmw_map(img, m, priv, &img->in, m->memory.data_offset, m->memory.nbytes,
		             "the \"Memory\" block", err);
		if (st == DK_OK)
			vmw_describe(img, m, "RAM in its \"Memory\" block");
		return st;
	}
	/* The RAM is in the .vmem beside it. */
	char *vmem = NULL;
	if (opts->companion && *opts->companion) {
		vmem = strdup(opts->companion);
	} else if (img->in.fd >= 0 &&
	           (vmw_has_suffix(img->in.name, ".vmss") || vmw_has_suffix(img->in.name, ".vmsn"))) {
		vmem = vmw_sibling(img->in.name, ".vmem");
	} else {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: the checkpoint holds no RAM (no \"Memory\" block) and its name does "
		             "not end in .vmss or .vmsn, so the .vmem cannot be found: pass it with "
		             "--companion FILE.vmem",
		             img->in.name);
		return DK_E_FORMAT;
	}
	if (!vmem) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	st = vmw_open_extra(img, vmem, err);
	if (st != DK_OK) {
		char inner[sizeof err->message];
		snprintf(inner, sizeof inner, "%s", err->message);
		dk_set_error(err, st,
		             "%s: the checkpoint holds no RAM (no \"Memory\" block); its memory file "
		             "%s cannot be opened: %s",
		             img->in.name, vmem, inner);
		free(vmem);
		return st;
	}
	free(vmem);
	st = vmw_map(img, m, priv, &img->extra, 0, img->extra.size, img->extra.name, err);
	if (st == DK_OK) {
		char how[200];
		snprintf(how, sizeof how, "RAM in %s", img->extra.name);
		vmw_describe(img, m, how);
	}
	return st;
}

/* img->in is a .vmem (raw RAM): the container comes from --companion or a
 * sibling .vmss/.vmsn. */
static dk_status vmw_open_vmem(dk_image *img, const dk_image_options *opts, vmw_meta *m,
                               vmw_priv *priv, dk_error *err)
{
	char *meta = NULL;
	if (opts->companion && *opts->companion) {
		meta = strdup(opts->companion);
		if (!meta) {
			dk_set_error(err, DK_E_NOMEM, "out of memory");
			return DK_E_NOMEM;
		}
	} else if (img->in.fd >= 0 && vmw_has_suffix(img->in.name, ".vmem")) {
		static const char *const sufs[] = { ".vmss", ".vmsn" };
		for (size_t i = 0; i < 2 && !meta; i++) {
			char *s = vmw_sibling(img->in.name, sufs[i]);
			if (!s) {
				dk_set_error(err, DK_E_NOMEM, "out of memory");
				return DK_E_NOMEM;
			}
			if (vmw_exists(s))
				meta = s;
			else
				free(s);
		}
	}
	if (!meta) {
		/* No metadata: linear is right only below the 3 GiB PCI hole. */
		if (img->in.size > VMW_LINEAR_GUESS_LIMIT) {
			dk_set_error(err, DK_E_FORMAT,
			             "%s: no VMware magic and no .vmss/.vmsn beside it; a .vmem of 0x%" PRIx64
			             " bytes (over 3 GiB) has the PCI hole squeezed out, so its layout "
			             "needs the checkpoint: pass --companion FILE.vmss (or read it as raw "
			             "with --map)",
			             img->in.name, img->in.size);
			return DK_E_FORMAT;
		}
		dk_image_add_note(img, "%s: no VMware magic and no .vmss/.vmsn beside it: read "
		                  "linearly (physical address == offset), right for guests up to "
		                  "3 GiB; pass --companion FILE.vmss if there is one",
		                  img->in.name);
		dk_status st = vmw_linear(img, priv, &img->in, 0, img->in.size, img->in.name, err);
		if (st == DK_OK)
			snprintf(img->describe, sizeof img->describe,
			         "VMware .vmem without its checkpoint, linear, %" PRIu64 " pages",
			         img->pm.present_pages);
		return st;
	}
	dk_status st = vmw_open_extra(img, meta, err);
	free(meta);
	if (st != DK_OK)
		return st;
	if (!vmw_input_is_checkpoint(&img->extra)) {
		uint8_t h[4] = { 0 };
		dk_input_read_some(&img->extra, 0, h, 4);
		dk_set_error(err, DK_E_FORMAT,
		             "%s: companion %s: magic at file offset 0 is 0x%08" PRIx32
		             ", not a VMware checkpoint (.vmss/.vmsn)",
		             img->in.name, img->extra.name, dk_le32(h));
		return DK_E_FORMAT;
	}
	m->in = &img->extra;
	st = vmw_parse(img, m, err);
	if (st != DK_OK)
		return st;
	if (!m->have_memory_group) {
		dk_set_error(err, DK_E_FORMAT, "%s: the checkpoint has no \"memory\" group",
		             img->extra.name);
		return DK_E_FORMAT;
	}
	if (m->memory.found)
		dk_image_add_note(img, "%s also holds the RAM in a \"Memory\" block; %s is read instead",
		                  img->extra.name, img->in.name);
	char what[300];
	snprintf(what, sizeof what, "%s", img->in.name);
	st = vmw_map(img, m, priv, &img->in, 0, img->in.size, what, err);
	if (st == DK_OK) {
		char how[300];
		snprintf(how, sizeof how, "RAM in %s, layout from %s", img->in.name, img->extra.name);
		vmw_describe(img, m, how);
	}
	return st;
}

static dk_status vmw_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	static const dk_image_options none;
	if (!opts)
		opts = &none;
	vmw_priv *priv = dk_calloc(1, sizeof *priv);
	vmw_meta m = { 0 };
	m.regions = dk_calloc(VMW_MAX_REGIONS, sizeof *m.regions);
	if (!priv || !m.regions) {
		free(priv);
		free(m.regions);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	img->priv = priv;
	img->free_priv = vmw_free;
	dk_status st = vmw_input_is_checkpoint(&img->in)
	                       ? vmw_open_checkpoint(img, opts, &m, priv, err)
	                       : vmw_open_vmem(img, opts, &m, priv, err);
	free(m.regions);
	if (st == DK_OK && img->pm.present_pages == 0)
		dk_image_add_note(img, "the image holds no memory pages");
	return st;
}

const dk_image_reader dk_reader_vmware = {
	"vmware", "VMware checkpoint (.vmss/.vmsn) with its RAM inside or in the .vmem beside it",
	vmw_probe, vmw_open,
};
