/* dmpkit — triage ("small memory") dumps, DumpType 4.
 *
 * TRIAGE_DUMP32/64 layout as in rizin (librz/bin/format/dmp/dmp_specs.h);
 * the driver list entry (DUMP_DRIVER_ENTRY: name offset + KLDR entry, 0x90
 * bytes on 64-bit), the string pool entries (u32 length in UTF-16 units,
 * the characters, a NUL, 8-byte aligned) and the unloaded driver entries
 * (UNICODE_STRING, 12 inline WCHARs, start and end address) were confirmed
 * on a real Windows 11 ARM64 triage dump.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kdump_internal.h"
#include "layouts.h"

#define TRIAGE_VALID DK_TAG('T', 'R', 'G', 'D')
#define MAX_DRIVERS 65536u
#define MAX_UNLOADED 4096u
#define MAX_BLOCKS 65536u

void dk_triage_free(dk_triage *t)
{
	if (!t)
		return;
	free(t->drivers);
	free(t->unloaded);
	free(t->blocks);
	free(t);
}

const dk_triage *dk_kdump_get_triage(const dk_kdump *d)
{
	return d->triage;
}

static uint64_t cap_count(uint64_t count, uint64_t off, uint64_t fsize, uint64_t esize,
                          uint64_t max)
{
	uint64_t room = off < fsize ? (fsize - off) / esize : 0;
	if (count > room)
		count = room;
	return count > max ? max : count;
}

/* Decode a string pool entry at file offset `off` into buf. */
static bool pool_string(dk_kdump *d, const dk_triage *t, uint64_t off, char *buf,
                        size_t bufsize)
{
	buf[0] = 0;
	uint64_t pool_end = (uint64_t)t->string_pool_offset + t->string_pool_size;
	if (off < t->string_pool_offset || off + 4 > pool_end || off + 4 > d->in.size)
		return false;
	uint8_t lenb[4];
	if (dk_input_read_some(&d->in, off, lenb, 4) != 4)
		return false;
	uint64_t units = dk_le32(lenb);
	if (units > (pool_end - off - 4) / 2 || units > 1024)
		return false;
	uint8_t raw[2048];
	size_t n = (size_t)units * 2;
	if (dk_input_read_some(&d->in, off + 4, raw, n) != n)
		return false;
	dk_utf16_to_utf8(raw, (size_t)units, buf, bufsize);
	return true;
}

dk_status dk_triage_load(dk_kdump *d, dk_error *err)
{
	const uint8_t *s = d->secondary;
	size_t n = d->secondary_avail;
	bool is64 = d->sum.bits == 64;
	dk_triage *t = calloc(1, sizeof *t);
	if (!t) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	d->triage = t;
	t->offset = d->sum.header_size;
	t->size_of_dump = dk_get32(s, n, 0x04);
	t->valid_offset = dk_get32(s, n, 0x08);
	t->context_offset = dk_get32(s, n, 0x0C);
	t->exception_offset = dk_get32(s, n, 0x10);
	t->mm_offset = dk_get32(s, n, 0x14);
	t->unloaded_drivers_offset = dk_get32(s, n, 0x18);
	t->prcb_offset = dk_get32(s, n, 0x1C);
	t->process_offset = dk_get32(s, n, 0x20);
	t->thread_offset = dk_get32(s, n, 0x24);
	t->call_stack_offset = dk_get32(s, n, 0x28);
	t->size_of_call_stack = dk_get32(s, n, 0x2C);
	t->driver_list_offset = dk_get32(s, n, 0x30);
	t->driver_count = dk_get32(s, n, 0x34);
	t->string_pool_offset = dk_get32(s, n, 0x38);
	t->string_pool_size = dk_get32(s, n, 0x3C);
	t->broken_driver_offset = dk_get32(s, n, 0x40);
	t->triage_options = dk_get32(s, n, 0x44);
	if (is64) {
		t->top_of_stack = dk_get64(s, n, 0x48);
		t->data_page_address = dk_get64(s, n, 0x60);
		t->data_page_offset = dk_get32(s, n, 0x68);
		t->data_page_size = dk_get32(s, n, 0x6C);
		t->debugger_data_offset = dk_get32(s, n, 0x70);
		t->debugger_data_size = dk_get32(s, n, 0x74);
		t->data_blocks_offset = dk_get32(s, n, 0x78);
		t->data_blocks_count = dk_get32(s, n, 0x7C);
	} else {
		t->top_of_stack = dk_get32(s, n, 0x48);
		t->data_page_address = dk_get32(s, n, 0x4C);
		t->data_page_offset = dk_get32(s, n, 0x50);
		t->data_page_size = dk_get32(s, n, 0x54);
		t->debugger_data_offset = dk_get32(s, n, 0x58);
		t->debugger_data_size = dk_get32(s, n, 0x5C);
		t->data_blocks_offset = dk_get32(s, n, 0x60);
		t->data_blocks_count = dk_get32(s, n, 0x64);
	}
	t->call_stack_size = t->size_of_call_stack;
	const dk_struct_desc *cd = dk_context_desc(d->sum.arch);
	t->context_size = cd ? cd->size : 0;
	uint8_t v[4];
	t->valid_marker = t->valid_offset &&
	                  dk_input_read_some(&d->in, t->valid_offset, v, 4) == 4 &&
	                  dk_le32(v) == TRIAGE_VALID;

	uint64_t fsize = d->in.size;
	/* drivers */
	uint32_t esize = is64 ? 0x90 : 0x4C;
	uint64_t cnt = t->driver_list_offset ? cap_count(t->driver_count, t->driver_list_offset,
	                                                 fsize, esize, MAX_DRIVERS) : 0;
	t->drivers = dk_calloc((size_t)cnt, sizeof *t->drivers);
	if (!t->drivers)
		goto nomem;
	for (uint64_t i = 0; i < cnt; i++) {
		uint8_t e[0x90];
		uint64_t off = t->driver_list_offset + i * esize;
		if (dk_input_read_some(&d->in, off, e, esize) != esize)
			break;
		dk_triage_driver *dr = &t->drivers[t->ndrivers++];
		dr->name_offset = dk_le32(e);
		if (is64) {
			dr->dll_base = dk_le64(e + 0x38);
			dr->entry_point = dk_le64(e + 0x40);
			dr->size_of_image = dk_le32(e + 0x48);
			dr->flags = dk_le32(e + 0x70);
			dr->load_count = dk_le16(e + 0x74);
			dr->checksum = dk_le32(e + 0x80);
			dr->timestamp = dk_le32(e + 0x88);
		} else {
			/* u32 name offset, then KLDR_DATA_TABLE_ENTRY32 at +4 */
			dr->dll_base = dk_le32(e + 0x1C);
			dr->entry_point = dk_le32(e + 0x20);
			dr->size_of_image = dk_le32(e + 0x24);
			dr->flags = dk_le32(e + 0x38);
			dr->load_count = dk_le16(e + 0x3C);
			dr->checksum = dk_le32(e + 0x44);
			dr->timestamp = dk_le32(e + 0x48);
		}
		dr->name_ok = pool_string(d, t, dr->name_offset, dr->name, sizeof dr->name);
	}
	/* unloaded drivers: u32 count (+4 padding on 64-bit), then entries */
	if (t->unloaded_drivers_offset) {
		uint8_t c4[4];
		uint32_t hdr = is64 ? 8 : 4, us = is64 ? 0x38 : 0x28;
		if (dk_input_read_some(&d->in, t->unloaded_drivers_offset, c4, 4) == 4) {
			uint64_t uc = cap_count(dk_le32(c4), (uint64_t)t->unloaded_drivers_offset + hdr,
			                        fsize, us, MAX_UNLOADED);
			t->unloaded = dk_calloc((size_t)uc, sizeof *t->unloaded);
			if (!t->unloaded)
				goto nomem;
			for (uint64_t i = 0; i < uc; i++) {
				uint8_t e[0x38];
				uint64_t off = t->unloaded_drivers_offset + hdr + i * us;
				if (dk_input_read_some(&d->in, off, e, us) != us)
					break;
				dk_triage_unloaded *u = &t->unloaded[t->nunloaded++];
				uint32_t nameoff = is64 ? 16 : 8;
				uint32_t len = dk_le16(e) / 2;
				if (len > 12)
					len = 12;
				dk_utf16_to_utf8(e + nameoff, len, u->name, sizeof u->name);
				u->start = is64 ? dk_le64(e + 0x28) : dk_le32(e + 0x20);
				u->end = is64 ? dk_le64(e + 0x30) : dk_le32(e + 0x24);
			}
		}
	}
	/* data blocks: {VA, u32 offset, u32 size} */
	if (t->data_blocks_offset && t->data_blocks_count) {
		uint32_t bs = is64 ? 16 : 12;
		uint64_t bc = cap_count(t->data_blocks_count, t->data_blocks_offset, fsize, bs,
		                        MAX_BLOCKS);
		t->blocks = dk_calloc((size_t)bc, sizeof *t->blocks);
		if (!t->blocks)
			goto nomem;
		for (uint64_t i = 0; i < bc; i++) {
			uint8_t e[16];
			if (dk_input_read_some(&d->in, t->data_blocks_offset + i * bs, e, bs) != bs)
				break;
			dk_triage_block *b = &t->blocks[t->nblocks++];
			b->address = is64 ? dk_le64(e) : dk_le32(e);
			b->offset = dk_le32(e + (is64 ? 8 : 4));
			b->size = dk_le32(e + (is64 ? 12 : 8));
		}
	}
	return DK_OK;
nomem:
	dk_set_error(err, DK_E_NOMEM, "out of memory");
	return DK_E_NOMEM;
}

size_t dk_triage_parts(const dk_triage *t, unsigned bits, dk_triage_part *out, size_t max)
{
	bool is64 = bits == 64;
	dk_triage_part p[16];
	size_t n = 0;
#define PART(nm, o, sz) p[n++] = (dk_triage_part){ nm, o, sz }
	PART("Context", t->context_offset, t->context_size);
	PART("Exception", t->exception_offset, is64 ? 0x98 : 0x50);
	PART("Mm", t->mm_offset, 0);
	PART("UnloadedDrivers", t->unloaded_drivers_offset, 0);
	PART("Prcb", t->prcb_offset, 0);
	PART("Process", t->process_offset, 0);
	PART("Thread", t->thread_offset, 0);
	PART("CallStack", t->call_stack_offset, t->size_of_call_stack);
	PART("DriverList", t->driver_list_offset, (uint64_t)t->driver_count * (is64 ? 0x90 : 0x4C));
	PART("StringPool", t->string_pool_offset, t->string_pool_size);
	PART("BrokenDriver", t->broken_driver_offset, 0);
	PART("DebuggerData", t->debugger_data_offset, t->debugger_data_size);
	PART("DataBlocks", t->data_blocks_offset, (uint64_t)t->data_blocks_count * (is64 ? 16 : 12));
	PART("DataPage", t->data_page_offset, t->data_page_size);
	PART("ValidOffset", t->valid_offset, 4);
#undef PART
	if (t->unloaded_drivers_offset)
		p[3].size = (is64 ? 8 : 4) + (uint64_t)t->nunloaded * (is64 ? 0x38 : 0x28);
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++)
		out[k++] = p[i];
	return k;
}

dk_status dk_triage_read_virtual(dk_kdump *d, uint64_t va, void *buf, size_t len,
                                 dk_error *err)
{
	const dk_triage *t = d->triage;
	uint8_t *out = buf;
	if (!t) {
		dk_set_error(err, DK_E_ARG, "%s: not a triage dump", d->in.name);
		return DK_E_ARG;
	}
	while (len) {
		/* regions: data blocks, call stack from TopOfStack, KDBG copy,
		 * data page */
		uint64_t best_off = 0, best_avail = 0;
		bool found = false;
		for (size_t i = 0; i <= t->nblocks + 2 && !found; i++) {
			uint64_t rva, roff, rsize;
			if (i < t->nblocks) {
				rva = t->blocks[i].address;
				roff = t->blocks[i].offset;
				rsize = t->blocks[i].size;
			} else if (i == t->nblocks) {
				rva = t->top_of_stack;
				roff = t->call_stack_offset;
				rsize = t->size_of_call_stack;
			} else if (i == t->nblocks + 1) {
				rva = d->sum.kd_debugger_data_block;
				roff = t->debugger_data_offset;
				rsize = t->debugger_data_size;
			} else {
				rva = t->data_page_address;
				roff = t->data_page_offset;
				rsize = t->data_page_size;
			}
			if (!roff || !rsize || va < rva || va - rva >= rsize)
				continue;
			best_off = roff + (va - rva);
			best_avail = rsize - (va - rva);
			found = true;
		}
		if (!found) {
			dk_set_error(err, DK_E_RANGE,
			             "%s: virtual address 0x%" PRIx64 " is not in the triage dump",
			             d->in.name, va);
			return DK_E_RANGE;
		}
		size_t n = best_avail < len ? (size_t)best_avail : len;
		dk_status st = dk_input_read(&d->in, best_off, out, n, "triage data block", err);
		if (st != DK_OK)
			return st;
		out += n;
		va += n;
		len -= n;
	}
	return DK_OK;
}
