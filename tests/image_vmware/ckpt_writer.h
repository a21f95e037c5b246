/* dmpkit tests — a writer for synthetic VMware checkpoints (.vmss/.vmsn).
 *
 * No genuine VMware file can be made here (that needs VMware Workstation
 * or ESXi), so the tests build containers from the layout described in
 * /work/shared/docs/input-formats.md §4 (from crash vmware_vmss.c/.h,
 * volatility 2/3 vmware.py and LeechCore device_file.c).  This writer is
 * our reading of that spec and the reader is checked against it: it tests
 * the mapping logic, not our reading of the spec.
 *
 * Layout written: u32 magic, u32 version 0, u32 numgroups; the group table
 * (name[64], u64 position, u64 size) at offset 12; a "cpu" group (optional)
 * and a "memory" group, in that order; the "Memory" block, when embedded,
 * is the memory group's last tag.
 * SPDX-License-Identifier: MIT */
#ifndef CKPT_WRITER_H
#define CKPT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct ck_buf {
	uint8_t *p;
	size_t n, cap;
} ck_buf;

static void ck_put(ck_buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void ck_le(ck_buf *b, uint64_t v, unsigned n)
{
	uint8_t t[8];
	for (unsigned i = 0; i < n; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	ck_put(b, t, n);
}

/* Tag word, name, indices. */
static void ck_tag_head(ck_buf *b, const char *name, unsigned nindx, const uint32_t *idx,
                        unsigned valsize)
{
	size_t nl = strlen(name);
	ck_le(b, (uint64_t)(nl << 8 | nindx << 6 | valsize), 2);
	ck_put(b, name, nl);
	for (unsigned i = 0; i < nindx; i++)
		ck_le(b, idx[i], 4);
}

static void ck_scalar(ck_buf *b, const char *name, unsigned nindx, const uint32_t *idx,
                      unsigned valsize, uint64_t v)
{
	ck_tag_head(b, name, nindx, idx, valsize);
	ck_le(b, v, valsize);
}

/* A block tag's head: sizes (u64, or u32 for size32), padsize, pad bytes;
 * the caller appends nbytes of data. */
static void ck_block_head(ck_buf *b, const char *name, unsigned nindx, const uint32_t *idx,
                          bool compressed, bool size32, uint64_t nbytes, uint64_t nbytes_mem,
                          uint16_t padsize)
{
	ck_tag_head(b, name, nindx, idx, compressed ? 62 : 63);
	ck_le(b, nbytes, size32 ? 4 : 8);
	ck_le(b, nbytes_mem, size32 ? 4 : 8);
	ck_le(b, padsize, 2);
	for (unsigned i = 0; i < padsize; i++)
		ck_le(b, 0xAA, 1);
}

typedef struct ck_region {
	uint32_t ppn, pagenum, size;
} ck_region;

typedef struct ck_spec {
	uint32_t magic;
	const ck_region *regions;
	size_t nregions;
	bool write_count;       /* emit regionsCount */
	uint64_t count;         /* its value (normally nregions) */
	bool embed;             /* a "Memory" block holds the RAM */
	bool compressed;        /* ... as valsize 62 */
	uint64_t mem_nbytes;    /* its size */
	uint16_t padsize;
	bool cpus;              /* a "cpu" group with two vCPUs */
} ck_spec;

/* Expected CPU values written by ck_build. */
#define CK_CR3(cpu) (0x1aa000ull + 0x1000ull * (cpu))
#define CK_CR0 0x80050033ull
#define CK_CR4 0x370678ull
#define CK_GPR(g) (0x1111111100000000ull + (g))
#define CK_RIP 0xfffff80012345678ull

static void ck_cpu_group(ck_buf *c, bool size32)
{
	static const char *const gprs[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
		                              "rsi", "rdi", "r8",  "r9",  "r10", "r11",
		                              "r12", "r13", "r14", "r15" };
	ck_scalar(c, "cpu:numVCPUs", 0, NULL, 4, 2);
	uint32_t i0[2] = { 0, 0 };
	/* vCPU 0: scalars CR64[0][n], GPRs, rip, eflags */
	for (uint32_t n = 0; n <= 4; n++) {
		i0[1] = n;
		uint64_t v = n == 0 ? CK_CR0 : n == 3 ? CK_CR3(0) : n == 4 ? CK_CR4 : 0x1234;
		ck_scalar(c, "CR64", 2, i0, 8, v);
	}
	/* the truncated 32-bit copy a 64-bit guest's checkpoint also holds
	 * (must not override CR64) */
	i0[1] = 3;
	ck_scalar(c, "CR", 2, i0, 4, 0xdead3000u);
	/* GDTR/IDTR [cpu][0..2]: limit (2 bytes), base low, base high */
	i0[1] = 0;
	ck_scalar(c, "GDTR", 2, i0, 2, 127);
	ck_scalar(c, "IDTR", 2, i0, 2, 4095);
	i0[1] = 1;
	ck_scalar(c, "GDTR", 2, i0, 4, 0x3cd5000u);
	ck_scalar(c, "IDTR", 2, i0, 4, 0x3cd5080u);
	i0[1] = 2;
	ck_scalar(c, "GDTR", 2, i0, 4, 0xfffff800u);
	ck_scalar(c, "IDTR", 2, i0, 4, 0xfffff800u);
	uint32_t one = 0;
	for (unsigned g = 0; g < 16; g++)
		ck_scalar(c, gprs[g], 1, &one, 8, CK_GPR(g));
	ck_scalar(c, "rip", 1, &one, 8, CK_RIP);
	ck_scalar(c, "eflags", 1, &one, 4, 0x246);
	/* an unrelated block, skipped by readers */
	ck_block_head(c, "FPUState", 1, &one, false, size32, 5, 5, 3);
	ck_put(c, "abcde", 5);
	/* vCPU 1: a 72-byte CR64 block (cr0..cr8, crash's VMW_CR64_SIZE) */
	uint32_t cpu1 = 1;
	uint32_t i1[2] = { 1, 3 };
	ck_scalar(c, "CR", 2, i1, 4, 0xbeef000u); /* overridden by the block */
	ck_block_head(c, "CR64", 1, &cpu1, false, size32, 72, 72, 0);
	for (unsigned n = 0; n < 9; n++)
		ck_le(c, n == 0 ? CK_CR0 : n == 3 ? CK_CR3(1) : n == 4 ? CK_CR4 : 0, 8);
	/* a tag for a vCPU that does not exist */
	uint32_t cpu7 = 7;
	ck_scalar(c, "rip", 1, &cpu7, 8, 1);
	ck_le(c, 0, 2);
}

/* Builds the container: `pre` gets everything up to the Memory block's
 * data (or the whole file when not embedded), `post` what follows the
 * data.  The caller writes pre, mem_nbytes bytes of RAM, post. */
static void ck_build(const ck_spec *s, ck_buf *pre, ck_buf *post)
{
	bool size32 = (s->magic & 0xF) == 0;
	ck_buf cpu = { 0 }, mem = { 0 };
	if (s->cpus)
		ck_cpu_group(&cpu, size32);
	ck_scalar(&mem, "align_mask", 0, NULL, 4, 0xffff);
	if (s->write_count)
		ck_scalar(&mem, "regionsCount", 0, NULL, 4, s->count);
	for (size_t i = 0; i < s->nregions; i++) {
		uint32_t ix = (uint32_t)i;
		ck_scalar(&mem, "regionPageNum", 1, &ix, 4, s->regions[i].pagenum);
		ck_scalar(&mem, "regionPPN", 1, &ix, 4, s->regions[i].ppn);
		ck_scalar(&mem, "regionSize", 1, &ix, 4, s->regions[i].size);
	}
	if (s->embed) {
		uint32_t idx[2] = { 0, 0 };
		ck_block_head(&mem, "Memory", 2, idx, s->compressed, size32, s->mem_nbytes,
		              s->mem_nbytes, s->padsize);
	}
	uint32_t ngroups = s->cpus ? 2 : 1;
	uint64_t cpu_at = 12 + 80ull * ngroups, mem_at = cpu_at + cpu.n;
	uint64_t mem_size = mem.n + (s->embed ? s->mem_nbytes : 0) + 2;
	ck_le(pre, s->magic, 4);
	ck_le(pre, 0, 4);
	ck_le(pre, ngroups, 4);
	char name[64];
	if (s->cpus) {
		memset(name, 0, sizeof name);
		strcpy(name, "cpu");
		ck_put(pre, name, 64);
		ck_le(pre, cpu_at, 8);
		ck_le(pre, cpu.n, 8);
	}
	memset(name, 0, sizeof name);
	strcpy(name, "memory");
	ck_put(pre, name, 64);
	ck_le(pre, mem_at, 8);
	ck_le(pre, mem_size, 8);
	ck_put(pre, cpu.p, cpu.n);
	ck_put(pre, mem.p, mem.n);
	if (s->embed)
		ck_le(post, 0, 2);
	else
		ck_le(pre, 0, 2);
	free(cpu.p);
	free(mem.p);
}

#endif
