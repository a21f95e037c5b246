/* dmpkit — helpers shared by the libFuzzer targets.
 *
 * The targets only use the public API over memory buffers
 * (dk_kdump_open_memory): they do no file I/O.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_FUZZ_COMMON_H
#define DMPKIT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/dmpkit.h>

/* Keeps the compiler from dropping work whose result is unused. */
static volatile uint64_t fz_sink;

static inline void fz_consume(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0;
	for (size_t i = 0; i < n; i++)
		h = h * 31 + b[i];
	fz_sink += h;
}

static inline void fz_consume_str(const char *s)
{
	if (s)
		fz_consume(s, strlen(s));
}

static inline void fz_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void fz_put64(uint8_t *p, uint64_t v)
{
	fz_put32(p, (uint32_t)v);
	fz_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t fz_get64(const uint8_t *p, size_t n, size_t off)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8 && off + i < n; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

/* A valid DUMP_HEADER64 (0x2000 bytes) of the given DumpType and machine,
 * laid out as tests/gen/README.md describes: "PAGE" fill, then the fixed
 * fields.  PhysicalMemoryBlock is left "PAGE"-filled (as in the real triage
 * file); the storage comes from the secondary header the fuzzer supplies. */
static inline void fz_make_header64(uint8_t *h, uint32_t dump_type, uint32_t machine,
                                    uint64_t file_size)
{
	static const char fill[4] = { 'P', 'A', 'G', 'E' };
	for (size_t i = 0; i < 0x2000; i++)
		h[i] = (uint8_t)fill[i % 4];
	memcpy(h, "PAGEDU64", 8);
	fz_put32(h + 0x08, 0xF);
	fz_put32(h + 0x0C, 19041);
	fz_put64(h + 0x10, 0x1AD000);
	fz_put64(h + 0x18, 0xFFFFFA8000000000ull);
	fz_put64(h + 0x20, 0xFFFFF800122F12D0ull);
	fz_put64(h + 0x28, 0xFFFFF800122E2E70ull);
	fz_put32(h + 0x30, machine);
	fz_put32(h + 0x34, 4);
	fz_put32(h + 0x38, 0x1E);
	fz_put64(h + 0x40, 0xC0000005);
	fz_put64(h + 0x48, 0xFFFFF80012345678ull);
	fz_put64(h + 0x50, 0);
	fz_put64(h + 0x58, 0x1D);
	fz_put64(h + 0x80, 0xFFFFF80012000000ull);
	memset(h + 0x348, 0, 0xF00 - 0x348);
	if (machine == 0xAA64) {
		fz_put32(h + 0x348, 0x00400007);
		fz_put64(h + 0x348 + 0x100, 0xFFFFF80012FF0000ull);
	} else {
		fz_put32(h + 0x348 + 0x30, 0x0010001F);
		fz_put64(h + 0x348 + 0x98, 0xFFFFF80012FF0000ull);
	}
	memset(h + 0xF00, 0, 0x98);
	fz_put32(h + 0xF00, 0xC0000005);
	fz_put32(h + 0xF04, 1);
	fz_put32(h + 0xF98, dump_type);
	fz_put64(h + 0xFA0, file_size);
	fz_put64(h + 0xFA8, 0x01DB1C9A5B8C3000ull);
	memset(h + 0xFB0, 0, 128);
	memcpy(h + 0xFB0, "dmpkit fuzz", 11);
	fz_put64(h + 0x1030, 36000000000ull);
	fz_put32(h + 0x1038, 0xCFF);
	fz_put32(h + 0x103C, 0);
	fz_put32(h + 0x1040, 1);
	fz_put32(h + 0x1044, 0x110);
	fz_put32(h + 0x1048, 0);
	fz_put32(h + 0x1050, 0);
	fz_put32(h + 0x1054, 1);
}

/* Formats, explains and reads every field of a structure description. */
static inline void fz_fields(const dk_struct_desc *desc, const uint8_t *base, size_t avail)
{
	char buf[512];
	if (!desc || !base)
		return;
	fz_consume_str(desc->name);
	for (size_t i = 0; i < desc->nfields; i++) {
		const dk_field *f = &desc->fields[i];
		uint64_t v = 0;
		fz_sink += (uint64_t)dk_field_get(f, base, avail, &v) + v;
		dk_field_format(f, base, avail, buf, sizeof buf);
		fz_consume_str(buf);
		dk_field_explain(f, base, avail, buf, sizeof buf);
		fz_consume_str(buf);
		/* small buffers must be cut, not overrun */
		dk_field_format(f, base, avail, buf, 5);
		dk_field_explain(f, base, avail, buf, 7);
		fz_sink += dk_is_page_fill(base, avail < 16 ? avail : 16, 0);
		if (f->name && dk_struct_field(desc, f->name) == NULL)
			abort(); /* every field must be found by its own name */
	}
}

/* Every header, secondary header, CONTEXT and exception record field. */
static inline void fz_all_fields(dk_kdump *dump)
{
	size_t avail = 0;
	const uint8_t *h = dk_kdump_header_bytes(dump, &avail);
	fz_fields(dk_kdump_header_desc(dump), h, avail);

	const dk_struct_desc *desc = NULL;
	const uint8_t *p = dk_kdump_secondary_bytes(dump, &avail, &desc);
	fz_fields(desc, p, avail);
	p = dk_kdump_context(dump, &avail, &desc);
	fz_fields(desc, p, avail);
	p = dk_kdump_exception(dump, &avail, &desc);
	fz_fields(desc, p, avail);

	const dk_kdump_summary *s = dk_kdump_get_summary(dump);
	char buf[128];
	fz_consume_str(dk_bugcheck_name(s->bugcheck_code));
	fz_consume_str(dk_machine_name(s->machine_image_type));
	fz_consume_str(dk_dump_type_name(s->dump_type));
	fz_consume_str(dk_arch_name(s->arch));
	dk_format_filetime(s->system_time, buf, sizeof buf);
	fz_consume_str(buf);
	dk_format_duration(s->system_up_time, buf, sizeof buf);
	fz_consume_str(buf);
	dk_format_filetime(s->system_time, buf, 3);
	dk_format_duration(s->system_up_time, buf, 3);
	fz_sink += s->stored_pages + s->available_pages + s->declared_pages;
}

/* Walks the stored runs a bounded number of times, locating and reading a
 * few pages (first and last of each run). */
static inline void fz_walk_pages(dk_kdump *dump, unsigned max_runs, unsigned max_reads)
{
	static uint8_t page[DK_PAGE_SIZE];
	dk_error err;
	dk_run r;
	uint64_t pfn = 0, off;
	unsigned reads = 0;
	for (unsigned i = 0; i < max_runs && dk_kdump_next_stored_run(dump, pfn, &r); i++) {
		if (r.count == 0 || r.base_pfn < pfn)
			abort(); /* the iterator must make progress */
		uint64_t last = r.base_pfn + r.count - 1;
		fz_sink += dk_kdump_page_offset(dump, r.base_pfn, &off) ? off : 0;
		fz_sink += dk_kdump_page_offset(dump, last, &off) ? off : 0;
		if (reads < max_reads) {
			fz_sink += (uint64_t)dk_kdump_read_page(dump, r.base_pfn, page, &err);
			fz_sink += (uint64_t)dk_kdump_read_page(dump, last, page, &err);
			reads += 2;
		}
		if (last == UINT64_MAX)
			break;
		pfn = last + 1;
	}

	const dk_physmem *pm = dk_kdump_physmem(dump);
	if (!pm)
		return;
	pfn = 0;
	for (unsigned i = 0; i < max_runs && dk_physmem_next_run(pm, pfn, &r); i++) {
		if (r.count == 0 || r.base_pfn < pfn)
			abort();
		fz_sink += dk_physmem_present(pm, r.base_pfn);
		if (i < max_reads) {
			/* a read that crosses into the next page when possible */
			uint64_t addr = r.base_pfn * DK_PAGE_SIZE + DK_PAGE_SIZE - 8;
			fz_sink += (uint64_t)dk_physmem_read(pm, addr, page, 16, &err);
		}
		uint64_t end = r.base_pfn + r.count;
		if (end < r.base_pfn)
			break;
		pfn = end;
	}
}

/* Runs the checker (flags 0, and deep when asked) and reads the verdict. */
static inline void fz_check(dk_kdump *dump, unsigned flags)
{
	dk_findings f;
	dk_check_stats stats;
	dk_error err;
	memset(&stats, 0, sizeof stats);
	dk_findings_init(&f);
	fz_sink += (uint64_t)dk_kdump_check(dump, flags, &f, &stats, &err);
	fz_consume_str(dk_verdict_name(dk_findings_verdict(&f)));
	for (size_t i = 0; i < f.count; i++) {
		fz_consume_str(dk_severity_name(f.items[i].severity));
		fz_consume_str(f.items[i].message);
		fz_consume_str(f.items[i].field);
	}
	dk_findings_free(&f);
	fz_sink += stats.pages_read + stats.bytes_read;
}

#endif
