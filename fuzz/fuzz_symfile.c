/* libFuzzer target: breakpad .sym text.
 *
 * The input is the symbol file.  Exercises dk_symfile_load_memory, the
 * lookups, dk_symfile_win_info, STACK CFI / STACK WIN evaluation (over a
 * memory made of the input itself) and dk_postfix_eval on each line.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

#include <dmpkit/stackwalk.h>
#include <dmpkit/symfile.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *fz_data;
static size_t fz_size;
#define MEM_BASE 0x10000u

static dk_status mem_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	(void)ctx;
	if (va < MEM_BASE || va - MEM_BASE > fz_size || len > fz_size - (va - MEM_BASE))
		return DK_E_RANGE;
	memcpy(buf, fz_data + (va - MEM_BASE), len);
	return DK_OK;
}

static bool any_ra(void *arg, uint64_t va)
{
	(void)arg;
	return (va & 0xF) == 5;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	fz_data = data;
	fz_size = size;
	dk_symfile *s = NULL;
	dk_error err;
	if (dk_symfile_load_memory((const char *)data, size, &s, &err) != DK_OK) {
		if (s)
			abort();
		fz_consume_str(err.message);
		return 0;
	}
	fz_consume_str(dk_symfile_os(s));
	fz_consume_str(dk_symfile_arch(s));
	fz_consume_str(dk_symfile_debug_id(s));
	fz_consume_str(dk_symfile_debug_file(s));
	dk_symfile_stats st;
	dk_symfile_get_stats(s, &st);
	fz_sink += st.funcs + st.lines + st.bad_lines;
	const dk_vmem mem = { NULL, mem_read };
	static const dk_arch arches[] = { DK_ARCH_X86, DK_ARCH_AMD64, DK_ARCH_ARM64 };
	for (unsigned i = 0; i < 64; i++) {
		uint64_t rva = fz_get64(data, size, (i * 37u) % (size ? size : 1)) & 0xFFFFF;
		if (i < 8)
			rva = 0x1000u * i + i;
		const char *fn, *file;
		uint64_t start;
		uint32_t line;
		if (dk_symfile_lookup(s, rva, &fn, &start, &file, &line)) {
			fz_consume_str(fn);
			fz_consume_str(file);
			if (start > rva)
				abort();
		}
		dk_win_record w;
		if (dk_symfile_win_info(s, rva, &w))
			fz_consume_str(w.program);
		dk_regs callee = { .arch = arches[i % 3] }, caller;
		for (int r = 0; r < DK_MAX_REGS; r++)
			callee.r[r] = MEM_BASE + 8u * (unsigned)r;
		callee.valid = (i & 1) ? ~0ull >> (64 - DK_MAX_REGS) : 0x3F0;
		fz_sink += (uint64_t)dk_symfile_unwind_cfi(s, rva, &callee, &mem, &caller);
		if (callee.arch == DK_ARCH_X86) {
			dk_win_params p = { (uint32_t)i, i == 0, (i & 2) ? any_ra : NULL, NULL };
			fz_sink += (uint64_t)dk_symfile_unwind_win(s, rva, &callee, &mem, &p, &caller);
		}
	}
	/* each line as a program */
	char line[512];
	size_t pos = 0;
	for (unsigned n = 0; n < 32 && pos < size; n++) {
		size_t k = 0;
		while (pos < size && data[pos] != '\n' && k + 1 < sizeof line)
			line[k++] = (char)data[pos++];
		line[k] = '\0';
		pos++;
		const char *vars[] = { "$esp", "$ebp", ".cfa" };
		uint64_t vals[] = { MEM_BASE, MEM_BASE + 16, MEM_BASE + 32 }, r;
		fz_sink += (uint64_t)dk_postfix_eval(line, (n & 1) ? 4 : 8, &mem, vars, vals, 3, &r);
	}
	dk_symfile_free(s);
	return 0;
}
