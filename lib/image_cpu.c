/* dmpkit — vCPU state from the ELF notes that QEMU, the Linux kernel and
 * makedumpfile write (ELF cores and kdump-compressed files share them).
 *
 * elf_prstatus: Linux include/uapi/linux/elfcore.h, pr_reg at 0x70 (x86_64,
 * user_regs_struct) or 0x48 (i386).  QEMUCPUState: qemu
 * target/i386/arch_dump.c (version 1, size 0x1b8).
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "image_internal.h"

/* Linux elf_prstatus.pr_reg, x86_64 user_regs_struct order. */
void dk_image_cpu_prstatus64(dk_image_cpu *c, const uint8_t *d)
{
	const uint8_t *r = d + 0x70;
	static const uint8_t gpr_slot[16] = { 10, 11, 12, 5, 19, 4, 13, 14, /* rax rcx rdx rbx rsp rbp rsi rdi */
	                                      9, 8, 7, 6, 3, 2, 1, 0 };     /* r8..r15 */
	for (int i = 0; i < 16; i++)
		c->gpr[i] = dk_le64(r + 8 * gpr_slot[i]);
	c->rip = dk_le64(r + 8 * 16);
	c->cs = (uint16_t)dk_le64(r + 8 * 17);
	c->rflags = dk_le64(r + 8 * 18);
	c->ss = (uint16_t)dk_le64(r + 8 * 20);
	c->fs_base = dk_le64(r + 8 * 21);
	c->gs_base = dk_le64(r + 8 * 22);
	c->ds = (uint16_t)dk_le64(r + 8 * 23);
	c->es = (uint16_t)dk_le64(r + 8 * 24);
	c->fs = (uint16_t)dk_le64(r + 8 * 25);
	c->gs = (uint16_t)dk_le64(r + 8 * 26);
	c->have |= DK_CPU_HAVE_GPRS | DK_CPU_HAVE_SEGS;
	c->bits = 64;
}

/* i386 user_regs_struct: ebx ecx edx esi edi ebp eax ds es fs gs orig_eax
 * eip cs eflags esp ss (u32 each) at pr_reg = 0x48. */
void dk_image_cpu_prstatus32(dk_image_cpu *c, const uint8_t *d)
{
	const uint8_t *r = d + 0x48;
	static const uint8_t gpr_slot[8] = { 6, 1, 2, 0, 15, 5, 3, 4 };
	memset(c->gpr, 0, sizeof c->gpr);
	for (int i = 0; i < 8; i++)
		c->gpr[i] = dk_le32(r + 4 * gpr_slot[i]);
	c->ds = (uint16_t)dk_le32(r + 4 * 7);
	c->es = (uint16_t)dk_le32(r + 4 * 8);
	c->fs = (uint16_t)dk_le32(r + 4 * 9);
	c->gs = (uint16_t)dk_le32(r + 4 * 10);
	c->rip = dk_le32(r + 4 * 12);
	c->cs = (uint16_t)dk_le32(r + 4 * 13);
	c->rflags = dk_le32(r + 4 * 14);
	c->ss = (uint16_t)dk_le32(r + 4 * 16);
	c->have |= DK_CPU_HAVE_GPRS | DK_CPU_HAVE_SEGS;
	c->bits = 32;
}

/* QEMUCPUState v1: u32 version, size; u64 rax rbx rcx rdx rsi rdi rsp rbp
 * r8..r15 rip rflags (0x08..0x98); segments cs ds es fs gs ss ldt tr gdt idt
 * of {u32 selector, limit, flags, pad; u64 base} (0x98..0x188); u64 cr[5]
 * (0x188); u64 kernel_gs_base (0x1b0). */
void dk_image_cpu_qemu(dk_image_cpu *c, const uint8_t *d)
{
	if (!(c->have & DK_CPU_HAVE_GPRS)) {
		static const uint8_t gpr_slot[16] = { 0, 2, 3, 1, 6, 7, 4, 5,
		                                      8, 9, 10, 11, 12, 13, 14, 15 };
		for (int i = 0; i < 16; i++)
			c->gpr[i] = dk_le64(d + 8 + 8 * gpr_slot[i]);
		c->rip = dk_le64(d + 0x88);
		c->rflags = dk_le64(d + 0x90);
		c->have |= DK_CPU_HAVE_GPRS;
	}
	const uint8_t *s = d + 0x98;
	c->cs = (uint16_t)dk_le32(s + 0 * 24);
	c->ds = (uint16_t)dk_le32(s + 1 * 24);
	c->es = (uint16_t)dk_le32(s + 2 * 24);
	c->fs = (uint16_t)dk_le32(s + 3 * 24);
	c->gs = (uint16_t)dk_le32(s + 4 * 24);
	c->ss = (uint16_t)dk_le32(s + 5 * 24);
	c->fs_base = dk_le64(s + 3 * 24 + 16);
	c->gs_base = dk_le64(s + 4 * 24 + 16);
	c->gdt_limit = dk_le32(s + 8 * 24 + 4);
	c->gdt_base = dk_le64(s + 8 * 24 + 16);
	c->idt_limit = dk_le32(s + 9 * 24 + 4);
	c->idt_base = dk_le64(s + 9 * 24 + 16);
	c->cr0 = dk_le64(d + 0x188);
	c->cr2 = dk_le64(d + 0x188 + 16);
	c->cr3 = dk_le64(d + 0x188 + 24);
	c->cr4 = dk_le64(d + 0x188 + 32);
	c->kernel_gs_base = dk_le64(d + 0x1b0);
	c->have |= DK_CPU_HAVE_CR3 | DK_CPU_HAVE_CRS | DK_CPU_HAVE_SEGS | DK_CPU_HAVE_DTRS |
	           DK_CPU_HAVE_KGS;
}

