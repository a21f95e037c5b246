/* dmpkit — x64 unwinding from a module's .pdata and UNWIND_INFO, read from
 * the dump's memory.
 *
 * Facts from Microsoft's "x64 exception handling" documentation (learn.
 * microsoft.com/cpp/build/exception-handling-x64): PE optional header data
 * directory 3 (IMAGE_DIRECTORY_ENTRY_EXCEPTION) is an array of
 * RUNTIME_FUNCTION {BeginAddress, EndAddress, UnwindData} RVAs, 12 bytes,
 * sorted; UNWIND_INFO = Version:3|Flags:5, SizeOfProlog, CountOfCodes,
 * FrameRegister:4|FrameOffset:4, then UNWIND_CODE u16 {CodeOffset u8,
 * UnwindOp:4, OpInfo:4}; flags UNW_FLAG_EHANDLER 1, UHANDLER 2, CHAININFO 4
 * (a RUNTIME_FUNCTION follows the codes, padded to an even count); op slot
 * counts as in ReactOS sdk/lib/rtl/amd64/unwind.c UnwindOpSlotTable; the
 * SAVE_NONVOL offsets are from the frame base (the frame register minus
 * 16*FrameOffset once established, else rsp), as Wine's
 * dlls/ntdll/unwind.c does; epilog recognition (add rsp / lea rsp, pops,
 * ret or jmp) after ReactOS RtlpTryToUnwindEpilog and Wine's
 * is_inside_epilog.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "internal.h"
#include "stackwalk_internal.h"

enum { UWOP_PUSH_NONVOL, UWOP_ALLOC_LARGE, UWOP_ALLOC_SMALL, UWOP_SET_FPREG,
       UWOP_SAVE_NONVOL, UWOP_SAVE_NONVOL_FAR, UWOP_EPILOG, UWOP_SPARE,
       UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR, UWOP_PUSH_MACHFRAME };
#define UNW_FLAG_CHAININFO 4u
#define MAX_CHAIN 32
#define MAX_RUNTIME_FUNCTIONS (4u << 20)

static bool rd(const dk_vmem *m, uint64_t va, void *b, size_t n)
{
	uint64_t end;
	return dk_add_ok(va, n, &end) && m->read(m->ctx, va, b, n) == DK_OK;
}

static bool rd64(const dk_vmem *m, uint64_t va, uint64_t *v)
{
	uint8_t b[8];
	if (!rd(m, va, b, 8))
		return false;
	*v = dk_le64(b);
	return true;
}

/* The exception directory (RVA and size) of the PE32+ image at `base`. */
static bool exception_dir(const dk_vmem *m, uint64_t base, uint64_t size, uint32_t *rva,
                          uint32_t *len)
{
	uint8_t h[0x40];
	if (!rd(m, base, h, sizeof h) || h[0] != 'M' || h[1] != 'Z')
		return false;
	uint32_t lfanew = dk_le32(h + 0x3C);
	if (lfanew < 0x40 || lfanew > 0x10000000u || (size && lfanew >= size))
		return false;
	uint8_t nt[24 + 0x90];
	if (!rd(m, base + lfanew, nt, sizeof nt) || memcmp(nt, "PE\0\0", 4) != 0)
		return false;
	const uint8_t *opt = nt + 24;
	uint16_t optsize = dk_le16(nt + 20);
	/* PE32+ (0x20B): NumberOfRvaAndSizes at +0x6C, DataDirectory at +0x70 */
	if (dk_le16(opt) != 0x20B || optsize < 0x70 + 4 * 8 || dk_le32(opt + 0x6C) < 4)
		return false;
	*rva = dk_le32(opt + 0x70 + 3 * 8);
	*len = dk_le32(opt + 0x70 + 3 * 8 + 4);
	if (*rva == 0 || *len < 12 || (size && ((uint64_t)*rva + *len > size)))
		return false;
	return true;
}

dk_status dk_pe_find_function(const dk_vmem *mem, uint64_t image_base, uint64_t image_size,
                              uint64_t rva, uint32_t rf[3], bool *found)
{
	*found = false;
	uint32_t drva, dlen;
	if (!mem || !mem->read || !exception_dir(mem, image_base, image_size, &drva, &dlen))
		return DK_E_RANGE;
	size_t n = dlen / 12;
	if (n > MAX_RUNTIME_FUNCTIONS)
		n = MAX_RUNTIME_FUNCTIONS;
	/* a read of the first entry tells whether the table is in the dump */
	uint8_t e[12];
	if (!rd(mem, image_base + drva, e, 12))
		return DK_E_RANGE;
	size_t lo = 0, hi = n;
	for (unsigned guard = 0; lo < hi && guard < 64; guard++) {
		size_t mid = lo + (hi - lo) / 2;
		if (!rd(mem, image_base + drva + 12u * (uint64_t)mid, e, 12))
			return DK_E_RANGE;
		uint32_t b = dk_le32(e), en = dk_le32(e + 4);
		if (rva < b) {
			hi = mid;
		} else if (rva >= en) {
			lo = mid + 1;
		} else {
			*found = true;
			rf[0] = b;
			rf[1] = en;
			rf[2] = dk_le32(e + 8);
			/* an UnwindData with the low bit set names another
			 * RUNTIME_FUNCTION (shared unwind data) */
			for (int k = 0; k < MAX_CHAIN && (rf[2] & 1); k++) {
				if (!rd(mem, image_base + (rf[2] & ~1u), e, 12))
					return DK_E_FORMAT;
				rf[2] = dk_le32(e + 8);
			}
			return (rf[2] & 1) ? DK_E_FORMAT : DK_OK;
		}
	}
	return DK_OK; /* no entry: a leaf function */
}

static bool is_ret_or_jmp(const uint8_t *c, size_t n, size_t i, uint64_t pc, uint64_t begin,
                          uint64_t end, uint64_t base)
{
	if (i >= n)
		return false;
	if (c[i] == 0xC3 || c[i] == 0xC2)
		return true;
	if (c[i] == 0xF3 && i + 1 < n && c[i + 1] == 0xC3)
		return true;
	if (c[i] == 0xE9 && i + 5 <= n) { /* jmp rel32: a tail call leaves the function */
		uint64_t t = pc + i + 5 + (uint64_t)(int64_t)(int32_t)dk_le32(c + i + 1);
		return t < base + begin || t >= base + end;
	}
	if (c[i] == 0xEB && i + 2 <= n) {
		uint64_t t = pc + i + 2 + (uint64_t)(int64_t)(int8_t)c[i + 1];
		return t < base + begin || t >= base + end;
	}
	if (c[i] == 0x48 && i + 1 < n && c[i + 1] == 0xFF)
		i++;
	return c[i] == 0xFF && i + 1 < n && c[i + 1] == 0x25; /* jmp [rip+disp32] */
}

/* 1: pc lies in an epilog and `r` was unwound through it; 0: not an epilog. */
static int try_epilog(const dk_vmem *m, uint64_t base, const uint32_t rf[3], unsigned frame_reg,
                      dk_regs *r)
{
	uint64_t pc = r->r[DK_AMD64_RIP];
	uint8_t c[32];
	size_t n = 0;
	for (size_t want = sizeof c; want >= 8 && !n; want /= 2)
		if (rd(m, pc, c, want))
			n = want;
	if (!n)
		return 0;
	size_t i = 0;
	uint64_t rsp = r->r[DK_AMD64_RSP];
	/* add rsp, imm8 / imm32 */
	if (n >= 4 && c[0] == 0x48 && c[1] == 0x83 && c[2] == 0xC4) {
		rsp += (uint64_t)(int64_t)(int8_t)c[3];
		i = 4;
	} else if (n >= 7 && c[0] == 0x48 && c[1] == 0x81 && c[2] == 0xC4) {
		rsp += (uint64_t)(int64_t)(int32_t)dk_le32(c + 3);
		i = 7;
	} else if (n >= 4 && (c[0] & 0xFE) == 0x48 && c[1] == 0x8D && ((c[2] >> 3) & 7) == 4 &&
	           (c[2] >> 6) != 0 && (c[2] >> 6) != 3 && (c[2] & 7) != 4) {
		/* lea rsp, [frame register + disp8/disp32] */
		unsigned reg = (c[2] & 7) | (c[0] & 1) << 3;
		if (!frame_reg || reg != frame_reg || !(r->valid >> reg & 1))
			return 0;
		int64_t disp;
		if ((c[2] >> 6) == 1) {
			disp = (int8_t)c[3];
			i = 4;
		} else {
			if (n < 7)
				return 0;
			disp = (int32_t)dk_le32(c + 3);
			i = 7;
		}
		rsp = r->r[reg] + (uint64_t)disp;
	}
	/* pops, then ret or a tail jump */
	unsigned pops[16], npops = 0;
	while (i < n && npops < 16) {
		if (c[i] >= 0x58 && c[i] <= 0x5F) {
			pops[npops++] = c[i] - 0x58u;
			i++;
		} else if (c[i] == 0x41 && i + 1 < n && c[i + 1] >= 0x58 && c[i + 1] <= 0x5F) {
			pops[npops++] = 8u + c[i + 1] - 0x58u;
			i += 2;
		} else {
			break;
		}
	}
	if (!is_ret_or_jmp(c, n, i, pc, rf[0], rf[1], base))
		return 0;
	dk_regs out = *r;
	for (unsigned k = 0; k < npops; k++) {
		uint64_t v;
		if (!rd64(m, rsp, &v))
			return 0;
		out.r[pops[k]] = v;
		out.valid |= 1ull << pops[k];
		rsp += 8;
	}
	uint64_t ret;
	if (!rd64(m, rsp, &ret))
		return 0;
	out.r[DK_AMD64_RIP] = ret;
	out.r[DK_AMD64_RSP] = rsp + 8;
	*r = out;
	return 1;
}

static const uint8_t op_slots[11] = { 1, 2, 1, 1, 2, 3, 2, 3, 2, 3, 1 };

/* Applies one UNWIND_INFO.  `off` is the pc's offset in the function
 * (codes past it are skipped) or UINT64_MAX for chained infos.  Returns
 * DK_OK with *next set to the chained function's unwind RVA (0 when the
 * chain ends) or *machframe true. */
static dk_status apply_info(const dk_vmem *m, uint64_t base, uint32_t unwind_rva, uint64_t off,
                            dk_regs *r, uint32_t *next, bool *machframe)
{
	uint8_t h[4];
	*next = 0;
	*machframe = false;
	if (!rd(m, base + unwind_rva, h, 4))
		return DK_E_RANGE;
	unsigned version = h[0] & 7, flags = h[0] >> 3, count = h[2];
	unsigned fr = h[3] & 15, fo = h[3] >> 4;
	if (version != 1 && version != 2)
		return DK_E_FORMAT;
	uint8_t codes[2 * 256 + 12];
	size_t clen = 2u * ((count + 1u) & ~1u);
	size_t need = clen + ((flags & UNW_FLAG_CHAININFO) ? 12u : 0u);
	if (need && !rd(m, base + unwind_rva + 4, codes, need))
		return DK_E_RANGE;
	uint64_t rsp = r->r[DK_AMD64_RSP];
	uint64_t frame = rsp;
	if (fr) {
		for (unsigned i = 0; i < count;) {
			unsigned op = codes[2 * i + 1] & 15;
			if (op > UWOP_PUSH_MACHFRAME)
				return DK_E_FORMAT;
			unsigned sl = op == UWOP_ALLOC_LARGE && (codes[2 * i + 1] >> 4) ? 3 : op_slots[op];
			if (op == UWOP_SET_FPREG && codes[2 * i] <= off) {
				if (!(r->valid >> fr & 1))
					return DK_E_FORMAT;
				frame = r->r[fr] - 16u * fo;
				break;
			}
			i += sl;
		}
	}
	for (unsigned i = 0; i < count;) {
		uint8_t co = codes[2 * i];
		unsigned op = codes[2 * i + 1] & 15, info = codes[2 * i + 1] >> 4;
		if (op > UWOP_PUSH_MACHFRAME)
			return DK_E_FORMAT;
		unsigned sl = (op == UWOP_ALLOC_LARGE && info) ? 3 : op_slots[op];
		if (i + sl > count)
			return DK_E_FORMAT;
		const uint8_t *arg = codes + 2 * (i + 1);
		i += sl;
		if (co > off && !(version == 2 && op == UWOP_EPILOG))
			continue; /* not yet executed by the prolog */
		uint64_t v;
		switch (op) {
		case UWOP_PUSH_NONVOL:
			if (!rd64(m, rsp, &v))
				return DK_E_RANGE;
			r->r[info] = v;
			r->valid |= 1ull << info;
			rsp += 8;
			break;
		case UWOP_ALLOC_LARGE:
			if (info > 1)
				return DK_E_FORMAT;
			rsp += info ? dk_le32(arg) : 8u * (uint64_t)dk_le16(arg);
			break;
		case UWOP_ALLOC_SMALL:
			rsp += 8u * info + 8u;
			break;
		case UWOP_SET_FPREG:
			if (!fr)
				return DK_E_FORMAT;
			rsp = frame;
			break;
		case UWOP_SAVE_NONVOL:
		case UWOP_SAVE_NONVOL_FAR: {
			uint64_t o = op == UWOP_SAVE_NONVOL ? 8u * (uint64_t)dk_le16(arg) : dk_le32(arg);
			if (!rd64(m, frame + o, &v))
				return DK_E_RANGE;
			r->r[info] = v;
			r->valid |= 1ull << info;
			break;
		}
		case UWOP_PUSH_MACHFRAME: {
			/* the CPU pushed SS, RSP, EFLAGS, CS, RIP (and an error
			 * code when OpInfo is 1) */
			uint64_t rip, nrsp;
			if (info > 1)
				return DK_E_FORMAT;
			rsp += 8u * info;
			if (!rd64(m, rsp, &rip) || !rd64(m, rsp + 24, &nrsp))
				return DK_E_RANGE;
			r->r[DK_AMD64_RIP] = rip;
			r->r[DK_AMD64_RSP] = nrsp;
			*machframe = true;
			return DK_OK;
		}
		default: /* XMM saves and version 2 epilog descriptions */
			break;
		}
	}
	r->r[DK_AMD64_RSP] = rsp;
	if (flags & UNW_FLAG_CHAININFO) {
		*next = dk_le32(codes + clen + 8);
		if (!*next)
			return DK_E_FORMAT;
	}
	return DK_OK;
}

dk_status dk_pe_unwind_amd64(const dk_vmem *mem, uint64_t image_base, uint64_t image_size,
                             uint64_t lookup_pc, dk_regs *regs, int *how)
{
	if (!mem || !mem->read || !regs || lookup_pc < image_base)
		return DK_E_ARG;
	const uint64_t need = 1ull << DK_AMD64_RSP | 1ull << DK_AMD64_RIP;
	if ((regs->valid & need) != need)
		return DK_E_ARG;
	uint32_t rf[3];
	bool found;
	dk_status st = dk_pe_find_function(mem, image_base, image_size, lookup_pc - image_base, rf,
	                                   &found);
	if (st != DK_OK)
		return st;
	dk_regs r = *regs;
	/* scratch registers are unknown in the caller */
	static const int volat[] = { DK_AMD64_RAX, DK_AMD64_RCX, DK_AMD64_RDX, DK_AMD64_R8,
	                             DK_AMD64_R9, DK_AMD64_R10, DK_AMD64_R11, DK_AMD64_EFLAGS };
	for (size_t i = 0; i < sizeof volat / sizeof *volat; i++)
		r.valid &= ~(1ull << volat[i]);
	uint64_t v;
	if (!found) { /* leaf: the return address is on top of the stack */
		if (!rd64(mem, r.r[DK_AMD64_RSP], &v))
			return DK_E_RANGE;
		r.r[DK_AMD64_RIP] = v;
		r.r[DK_AMD64_RSP] += 8;
		*how = 1;
		*regs = r;
		return DK_OK;
	}
	uint64_t pc = regs->r[DK_AMD64_RIP];
	uint64_t off = pc - image_base - rf[0];
	uint8_t h[4];
	if (!rd(mem, image_base + rf[2], h, 4))
		return DK_E_RANGE;
	if (off >= h[1] && pc < image_base + rf[1]) {
		dk_regs e = r;
		if (try_epilog(mem, image_base, rf, h[3] & 15u, &e)) {
			*how = 2;
			*regs = e;
			return DK_OK;
		}
	}
	uint32_t unwind = rf[2];
	for (int depth = 0; depth < MAX_CHAIN; depth++) {
		uint32_t next;
		bool mf;
		st = apply_info(mem, image_base, unwind, depth == 0 ? off : UINT64_MAX, &r, &next, &mf);
		if (st != DK_OK)
			return st == DK_E_RANGE ? DK_E_FORMAT : st;
		if (mf) {
			*how = 3;
			*regs = r;
			return DK_OK;
		}
		if (!next) {
			if (!rd64(mem, r.r[DK_AMD64_RSP], &v))
				return DK_E_FORMAT;
			r.r[DK_AMD64_RIP] = v;
			r.r[DK_AMD64_RSP] += 8;
			*how = 0;
			*regs = r;
			return DK_OK;
		}
		/* the chained RUNTIME_FUNCTION's UnwindData (read by apply_info) */
		unwind = next;
	}
	return DK_E_FORMAT; /* chain too long or a cycle */
}
