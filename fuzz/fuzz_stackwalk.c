/* libFuzzer target: the stack walkers.
 *
 * Input: byte 0 selects the architecture (0 x86, 1 AMD64, 2 ARM64) and
 * whether a module covers the memory; the next 34*8 bytes are the start
 * registers (all marked valid); the rest is memory mapped at MEM_BASE (a
 * stack, code and, for AMD64, possibly a PE image with .pdata when the
 * module base is MEM_BASE).  Every walk must end with a bounded frame count
 * and a stop reason.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

#include <dmpkit/stackwalk.h>
#include <dmpkit/symfile.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_BASE 0x10000ull
#define REGS_BYTES (DK_MAX_REGS * 8)
static const uint8_t *fz_mem;
static size_t fz_memsize;

static dk_status mem_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	(void)ctx;
	if (va < MEM_BASE || va - MEM_BASE > fz_memsize || len > fz_memsize - (va - MEM_BASE))
		return DK_E_RANGE;
	memcpy(buf, fz_mem + (va - MEM_BASE), len);
	return DK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 + REGS_BYTES || size > (1u << 20))
		return 0;
	uint8_t sel = data[0];
	static const dk_arch arches[] = { DK_ARCH_X86, DK_ARCH_AMD64, DK_ARCH_ARM64, DK_ARCH_AMD64 };
	dk_arch arch = arches[sel & 3];
	fz_mem = data + 1 + REGS_BYTES;
	fz_memsize = size - 1 - REGS_BYTES;
	const dk_vmem mem = { NULL, mem_read };
	dk_walk_input in = { .arch = arch, .mem = &mem, .max_frames = (sel & 0x40) ? 0 : 64 };
	in.start.arch = arch;
	for (int i = 0; i < DK_MAX_REGS; i++) {
		uint64_t v = fz_get64(data, size, 1 + 8u * (unsigned)i);
		/* registers near the memory half the time, so the walk has work */
		if (sel & 0x10)
			v = MEM_BASE + (v % (fz_memsize + 16));
		in.start.r[i] = v;
	}
	in.start.valid = ~0ull >> (64 - DK_MAX_REGS);
	dk_module mods[2] = {
		{ .base = MEM_BASE, .size = fz_memsize ? fz_memsize : 1, .name = "fuzz.exe" },
		{ .base = MEM_BASE + 0x100000, .size = 0x1000, .name = "other.dll" },
	};
	if (sel & 4) {
		in.modules = mods;
		in.nmodules = 2;
	}
	if (sel & 8) {
		in.stack_limit = MEM_BASE;
		in.stack_base = MEM_BASE + fz_memsize;
	}
	static dk_frame frames[256];
	dk_walk_result res = { .frames = frames };
	dk_error err;
	if (dk_stackwalk(&in, &res, &err) == DK_OK) {
		size_t max = in.max_frames ? in.max_frames : 256;
		if (res.count == 0 || res.count > max || !res.stop_reason[0])
			abort();
		for (size_t i = 1; i < res.count; i++)
			if (frames[i].sp < frames[i - 1].sp)
				abort(); /* the stack pointer never goes down */
		for (size_t i = 0; i < res.count; i++) {
			fz_consume_str(frames[i].function);
			fz_consume_str(dk_frame_trust_name(frames[i].trust));
			fz_sink += frames[i].pc + frames[i].args[0];
		}
		fz_consume_str(res.stop_reason);
	}
	dk_regs r;
	fz_sink += (uint64_t)dk_regs_from_context(arch, fz_mem, fz_memsize, &r);
	fz_sink += dk_regs_pc(&r) + dk_regs_sp(&r);
	return 0;
}
