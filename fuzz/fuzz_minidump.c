/* libFuzzer target: any bytes as a whole minidump file.
 *
 * Opens the input with dk_minidump_open_memory and touches everything the
 * API decodes: streams, threads and their contexts (named registers),
 * modules, memory reads at range ends and fuzzer-chosen addresses, the
 * exception context, and dk_minidump_check shallow and deep.
 * SPDX-License-Identifier: MIT */
#include <dmpkit/minidump.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void consume_record(const dk_md_record *r)
{
	char buf[512];
	if (!r->desc)
		return;
	for (size_t i = 0; i < r->desc->nfields; i++) {
		dk_field_format(&r->desc->fields[i], r->data, r->avail, buf, sizeof buf);
		fz_consume_str(buf);
		dk_field_explain(&r->desc->fields[i], r->data, r->avail, buf, sizeof buf);
		fz_consume_str(buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dk_minidump *md = NULL;
	dk_error err;
	if (dk_minidump_open_memory(data, size, "fuzz.dmp", &md, &err) != DK_OK) {
		if (md)
			abort();
		fz_consume_str(err.message);
		return 0;
	}
	size_t n;
	const dk_minidump_stream *s = dk_minidump_streams(md, &n);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const uint8_t *p = dk_minidump_stream_data(md, i, &len);
		if (p && len)
			fz_sink += p[len - 1];
		fz_consume_str(s[i].problem);
	}
	const dk_minidump_system_info *si = dk_minidump_get_system_info(md);
	const dk_struct_desc *cd = si ? dk_context_desc(si->arch) : NULL;
	const dk_minidump_thread *t = dk_minidump_threads(md, &n);
	for (size_t i = 0; i < n && i < 256; i++) {
		size_t cl;
		const uint8_t *c = dk_minidump_thread_context(md, i, &cl);
		if (c && cd) {
			dk_md_record r = { cd, c, cl < cd->size ? cl : cd->size, 0 };
			consume_record(&r);
		}
		fz_consume_str(t[i].name);
		uint8_t b[32];
		dk_minidump_read_memory(md, t[i].stack_start, b, sizeof b);
		dk_minidump_read_memory(md, t[i].stack_start + t[i].stack_size - 8, b, 16);
	}
	const dk_minidump_module *m = dk_minidump_modules(md, &n);
	for (size_t i = 0; i < n; i++) {
		fz_consume_str(m[i].name);
		fz_consume_str(m[i].debug_file);
		fz_consume_str(m[i].debug_id);
		fz_consume_str(m[i].code_id);
		fz_consume_str(m[i].misc_name);
		if (i < 64)
			consume_record(&m[i].record);
	}
	const dk_minidump_range *r = dk_minidump_memory_ranges(md, &n, NULL);
	dk_vmem vm;
	dk_minidump_vmem(md, &vm);
	for (size_t i = 0; i < n && i < 256; i++) {
		uint8_t b[16];
		vm.read(vm.ctx, r[i].start, b, 1);
		vm.read(vm.ctx, r[i].start + r[i].size - 1, b, 16);
	}
	if (size >= 8) {
		uint8_t b[64];
		dk_minidump_read_memory(md, fz_get64(data, size, size - 8), b, sizeof b);
	}
	const dk_minidump_exception *x = dk_minidump_get_exception(md);
	if (x) {
		size_t cl;
		dk_minidump_exception_context(md, &cl);
		consume_record(&x->record);
	}
	if (si)
		consume_record(&si->record);
	const dk_minidump_misc_info *mi = dk_minidump_get_misc_info(md);
	if (mi) {
		consume_record(&mi->record);
		fz_consume_str(mi->build_string);
	}
	const dk_minidump_crashpad_info *cp = dk_minidump_get_crashpad_info(md);
	if (cp)
		for (size_t i = 0; i < cp->nsimple; i++)
			fz_consume_str(cp->simple_annotations[i].value);
	const dk_md_record *sm = dk_minidump_system_memory_info(md);
	if (sm)
		consume_record(sm);
	sm = dk_minidump_vm_counters(md);
	if (sm)
		consume_record(sm);
	for (int deep = 0; deep < 2; deep++) {
		dk_findings f;
		dk_findings_init(&f);
		dk_minidump_check(md, deep ? DK_CHECK_DEEP : 0, &f, &err);
		for (size_t i = 0; i < f.count; i++)
			fz_consume_str(f.items[i].message);
		dk_findings_free(&f);
	}
	dk_minidump_close(md);
	return 0;
}
