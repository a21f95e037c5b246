/* libFuzzer target: triage ("small memory") dumps, DumpType 4.
 *
 * Input byte 0 (the selector):
 *   bit 0: the rest of the input is the whole file; otherwise the harness
 *          puts a fixed valid DUMP_HEADER64 (DumpType 4) in front of it, so
 *          the fuzzer's bytes start at the TRIAGE_DUMP64 header (0x2000)
 *   bit 1: the fixed header says ARM64 instead of AMD64
 * Triage offsets are absolute file offsets in both modes.
 * Exercises dk_kdump_get_triage, dk_triage_parts, dk_triage_read_virtual
 * (data blocks, call stack, debugger data, data page, addresses from the
 * input) and dk_kdump_check.
 * SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 0x2000u

static void read_va(dk_kdump *dump, uint64_t va, size_t len)
{
	static uint8_t buf[0x1000];
	dk_error err;
	if (len > sizeof buf)
		len = sizeof buf;
	if (dk_triage_read_virtual(dump, va, buf, len, &err) == DK_OK)
		fz_consume(buf, len);
	else
		fz_consume_str(err.message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (16u << 20))
		return 0;
	uint8_t sel = data[0];
	const uint8_t *body = data + 1;
	size_t nbody = size - 1;
	uint8_t *file;
	size_t total;
	if (sel & 1) {
		total = nbody;
		file = malloc(total ? total : 1);
		if (!file)
			return 0;
		memcpy(file, body, nbody);
	} else {
		total = HDR + nbody;
		file = malloc(total);
		if (!file)
			return 0;
		fz_make_header64(file, 4, (sel & 2) ? 0xAA64 : 0x8664, total);
		memcpy(file + HDR, body, nbody);
	}

	dk_kdump *dump = NULL;
	dk_error err;
	if (dk_kdump_open_memory(file, total, "fuzz-triage.dmp", &dump, &err) != DK_OK) {
		if (dump)
			abort();
		free(file);
		return 0;
	}
	const dk_kdump_summary *s = dk_kdump_get_summary(dump);
	const dk_triage *t = dk_kdump_get_triage(dump);
	if (t) {
		dk_triage_part parts[32];
		size_t n = dk_triage_parts(t, s->bits, parts, 32);
		if (n > 32)
			abort();
		for (size_t i = 0; i < n; i++) {
			fz_consume_str(parts[i].name);
			fz_sink += parts[i].offset + parts[i].size;
		}
		/* a short output buffer is honoured */
		if (dk_triage_parts(t, s->bits, parts, 2) > 2)
			abort();
		for (size_t i = 0; i < t->ndrivers; i++) {
			fz_consume(t->drivers[i].name, strlen(t->drivers[i].name));
			fz_sink += t->drivers[i].dll_base + t->drivers[i].size_of_image;
		}
		for (size_t i = 0; i < t->nunloaded; i++) {
			fz_consume(t->unloaded[i].name, strlen(t->unloaded[i].name));
			fz_sink += t->unloaded[i].start ^ t->unloaded[i].end;
		}
		for (size_t i = 0; i < t->nblocks && i < 64; i++) {
			const dk_triage_block *b = &t->blocks[i];
			read_va(dump, b->address, b->size);
			/* crossing the end of the block */
			read_va(dump, b->address + (b->size > 8 ? b->size - 8 : 0), 16);
		}
		read_va(dump, t->top_of_stack, t->call_stack_size);
		read_va(dump, t->top_of_stack + 8, 64);
		read_va(dump, s->kd_debugger_data_block, t->debugger_data_size);
		read_va(dump, t->data_page_address, t->data_page_size);
		/* addresses and lengths from the input */
		read_va(dump, fz_get64(data, size, size > 16 ? size - 16 : 0),
		        (size_t)(fz_get64(data, size, size > 8 ? size - 8 : 0) & 0x1FFF));
		read_va(dump, UINT64_MAX - 3, 8);
	} else {
		/* reading a non-triage dump must fail cleanly */
		uint8_t b[8];
		if (dk_triage_read_virtual(dump, 0, b, sizeof b, &err) == DK_OK &&
		    s->dump_type != 4)
			abort();
	}
	fz_all_fields(dump);
	fz_check(dump, 0);
	dk_kdump_close(dump);
	free(file);
	return 0;
}
