/* dmpkit — one-instruction disassembly and effective addresses, with Zydis
 * (Debian libzydis-dev 4.x, MIT).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include <dmpkit/disasm.h>

#include "internal.h"

/* Zydis lists the general registers of each width in the order rax rcx rdx
 * rbx rsp rbp rsi rdi r8..r15, the same order as dk_regs for x86 and AMD64. */
static void fill_context(dk_arch arch, const dk_regs *r, ZydisRegisterContext *c)
{
	memset(c, 0, sizeof *c);
	unsigned n = arch == DK_ARCH_AMD64 ? 16 : 8;
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = r->r[i];
		c->values[ZYDIS_REGISTER_RAX + i] = v;
		c->values[ZYDIS_REGISTER_EAX + i] = v & 0xFFFFFFFFu;
		c->values[ZYDIS_REGISTER_AX + i] = v & 0xFFFFu;
	}
	if (arch == DK_ARCH_AMD64) {
		c->values[ZYDIS_REGISTER_RIP] = r->r[DK_AMD64_RIP];
	} else {
		c->values[ZYDIS_REGISTER_EIP] = r->r[DK_X86_EIP] & 0xFFFFFFFFu;
	}
}

static bool reg_valid(const dk_regs *r, ZydisRegister reg, int *index)
{
	int i = -1;
	if (reg >= ZYDIS_REGISTER_RAX && reg <= ZYDIS_REGISTER_R15)
		i = reg - ZYDIS_REGISTER_RAX;
	else if (reg >= ZYDIS_REGISTER_EAX && reg <= ZYDIS_REGISTER_R15D)
		i = reg - ZYDIS_REGISTER_EAX;
	else if (reg >= ZYDIS_REGISTER_AX && reg <= ZYDIS_REGISTER_R15W)
		i = reg - ZYDIS_REGISTER_AX;
	else if (reg == ZYDIS_REGISTER_RIP || reg == ZYDIS_REGISTER_EIP || reg == ZYDIS_REGISTER_NONE)
		return true;
	if (index)
		*index = i;
	return i >= 0 && (r->valid & (1ull << i));
}

dk_status dk_disasm(dk_arch arch, const uint8_t *code, size_t len, uint64_t va,
                    const dk_regs *regs, dk_insn *out, dk_error *err)
{
	memset(out, 0, sizeof *out);
	out->va = va;
	out->memory_base = -1;
	if (arch != DK_ARCH_X86 && arch != DK_ARCH_AMD64) {
		dk_set_error(err, DK_E_UNSUPPORTED, "disassembly of %s code is not supported",
		             dk_arch_name(arch));
		return DK_E_UNSUPPORTED;
	}
	bool x64 = arch == DK_ARCH_AMD64;
	ZydisDecoder dec;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, x64 ? ZYDIS_MACHINE_MODE_LONG_64
	                                           : ZYDIS_MACHINE_MODE_LEGACY_32,
	                                 x64 ? ZYDIS_STACK_WIDTH_64 : ZYDIS_STACK_WIDTH_32))) {
		dk_set_error(err, DK_E_UNSUPPORTED, "the disassembler could not start");
		return DK_E_UNSUPPORTED;
	}
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (len > 15)
		len = 15;
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, code, len, &insn, ops))) {
		dk_set_error(err, DK_E_FORMAT, "the bytes at 0x%" PRIx64 " are not a valid %s instruction",
		             va, x64 ? "x64" : "x86");
		return DK_E_FORMAT;
	}
	out->length = insn.length;
	memcpy(out->bytes, code, insn.length);
	ZydisFormatter fmt;
	ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
	if (ZYAN_FAILED(ZydisFormatterFormatInstruction(&fmt, &insn, ops, insn.operand_count_visible,
	                                                out->text, sizeof out->text, va, NULL)))
		dk_strlcpy(out->text, "(unformattable)", sizeof out->text);
	for (unsigned i = 0; i < insn.operand_count_visible; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			continue;
		out->has_memory = true;
		out->memory_size = op->size / 8;
		out->memory_read = (op->actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
		out->memory_write = (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
		out->memory_displacement = op->mem.disp.has_displacement ? op->mem.disp.value : 0;
		int bi = -1;
		bool ok = regs && reg_valid(regs, op->mem.base, &bi) && reg_valid(regs, op->mem.index, NULL);
		out->memory_base = bi;
		if (ok) {
			ZydisRegisterContext ctx;
			ZyanU64 addr;
			fill_context(arch, regs, &ctx);
			if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddressEx(&insn, op, va, &ctx, &addr))) {
				out->memory_known = true;
				out->memory_address = x64 ? addr : addr & 0xFFFFFFFFu;
			}
		}
		break;
	}
	return DK_OK;
}
