/* dmpkit info / check for user-mode minidumps: every stream decoded, as
 * text or JSON (docs/json.md, "Minidumps").  Text and JSON come from the
 * same code through a small emitter, so they always carry the same facts.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dmpkit/minidump.h>

#include "cli.h"

static uint32_t dk_le32_cli(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t dk_le64_cli(const uint8_t *p)
{
	return (uint64_t)dk_le32_cli(p) | (uint64_t)dk_le32_cli(p + 4) << 32;
}

typedef struct em {
	bool js, all;
	json j;
	int ind;
} em;

static void t_ind(em *e)
{
	printf("%*s", e->ind * 2, "");
}
static void k_str(em *e, const char *k, const char *v)
{
	if (e->js) {
		json_key(&e->j, k);
		if (v)
			json_string(&e->j, v);
		else
			json_null(&e->j);
		return;
	}
	t_ind(e);
	printf("%s: %s\n", k, v ? v : "(none)");
}
static void k_hex(em *e, const char *k, uint64_t v)
{
	if (e->js) {
		json_key(&e->j, k);
		json_hex(&e->j, v);
		return;
	}
	t_ind(e);
	printf("%s: 0x%" PRIx64 "\n", k, v);
}
static void k_u64(em *e, const char *k, uint64_t v)
{
	if (e->js) {
		json_key(&e->j, k);
		json_u64(&e->j, v);
		return;
	}
	t_ind(e);
	printf("%s: %" PRIu64 "\n", k, v);
}
static void k_bool(em *e, const char *k, bool v)
{
	if (e->js) {
		json_key(&e->j, k);
		json_bool(&e->j, v);
		return;
	}
	t_ind(e);
	printf("%s: %s\n", k, v ? "yes" : "no");
}
/* An object: in text a title line (when given) and indented members. */
static void o_begin(em *e, const char *key, const char *title)
{
	if (e->js) {
		if (key)
			json_key(&e->j, key);
		json_begin_object(&e->j);
		return;
	}
	if (title) {
		t_ind(e);
		printf("%s\n", title);
	}
	e->ind++;
}
static void o_end(em *e)
{
	if (e->js)
		json_end_object(&e->j);
	else
		e->ind--;
}
static void a_begin(em *e, const char *key, size_t n)
{
	if (e->js) {
		json_key(&e->j, key);
		json_begin_array(&e->j);
		return;
	}
	t_ind(e);
	printf("%s (%zu):\n", key, n);
	e->ind++;
}
static void a_end(em *e)
{
	if (e->js)
		json_end_array(&e->j);
	else
		e->ind--;
}
/* A field record: every field with offset, value and meaning. */
static void record(em *e, const dk_md_record *r)
{
	if (!r->desc)
		return;
	if (e->js) {
		json_key(&e->j, "structure");
		json_string(&e->j, r->desc->name);
		json_key(&e->j, "fields");
		json_begin_array(&e->j);
		for (size_t i = 0; i < r->desc->nfields; i++) {
			const dk_field *f = &r->desc->fields[i];
			uint64_t v;
			if ((!e->all && (f->flags & DK_FF_RESERVED)) ||
			    dk_field_get(f, r->data, r->avail, &v) == DK_FIELD_MISSING)
				continue;
			json_field(&e->j, f, r->data, r->avail, r->offset, NULL);
		}
		json_end_array(&e->j);
		return;
	}
	char val[512], mean[256];
	t_ind(e);
	printf("%s at 0x%" PRIx64 ":\n", r->desc->name, r->offset);
	for (size_t i = 0; i < r->desc->nfields; i++) {
		const dk_field *f = &r->desc->fields[i];
		uint64_t v;
		if ((!e->all && (f->flags & DK_FF_RESERVED)) ||
		    dk_field_get(f, r->data, r->avail, &v) == DK_FIELD_MISSING)
			continue;
		dk_field_format(f, r->data, r->avail, val, sizeof val);
		dk_field_explain(f, r->data, r->avail, mean, sizeof mean);
		t_ind(e);
		printf("  0x%04" PRIx64 " %-40s %s%s%s\n", r->offset + f->offset, f->name, val,
		       mean[0] ? "  " : "", mean);
	}
}

/* The CONTEXT registers, named by the CPU's CONTEXT layout. */
static void context(em *e, dk_minidump *md, const uint8_t *c, size_t len, uint32_t rva)
{
	const dk_minidump_system_info *si = dk_minidump_get_system_info(md);
	const dk_struct_desc *d = si ? dk_context_desc(si->arch) : NULL;
	if (!c || !d)
		return;
	dk_md_record r = { d, c, len < d->size ? len : d->size, rva };
	o_begin(e, "context", NULL);
	record(e, &r);
	o_end(e);
}

static const char *ctime_utc(uint32_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, n, "?");
	return buf;
}

static void annotations(em *e, const char *key, const dk_md_annotation *a, size_t n)
{
	a_begin(e, key, n);
	for (size_t i = 0; i < n; i++) {
		if (e->js) {
			json_begin_object(&e->j);
			k_str(e, "name", a[i].name);
			k_u64(e, "type", a[i].type);
			k_str(e, "value", a[i].value);
			json_end_object(&e->j);
		} else {
			t_ind(e);
			printf("%s = %s%s\n", a[i].name, a[i].value, a[i].type == 1 ? "" : " (bytes)");
		}
	}
	a_end(e);
}

static void s_threads(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_thread *t = dk_minidump_threads(md, &n);
	a_begin(e, "threads", n);
	for (size_t i = 0; i < n; i++) {
		char title[256];
		size_t cl;
		dk_minidump_thread_context(md, i, &cl);
		snprintf(title, sizeof title,
		         "[%zu] id %u%s%s%s suspend %u priority %u/%u teb 0x%" PRIx64 " stack 0x%" PRIx64
		         "+0x%x context 0x%x bytes at 0x%x%s", i, t[i].thread_id,
		         t[i].name ? " \"" : "", t[i].name ? t[i].name : "", t[i].name ? "\"" : "",
		         t[i].suspend_count, t[i].priority_class, t[i].priority, t[i].teb,
		         t[i].stack_start, t[i].stack_size, t[i].context_size, t[i].context_rva,
		         cl ? "" : " (unreadable)");
		if (!e->js && !e->all) {
			t_ind(e);
			printf("%s\n", title);
			continue;
		}
		o_begin(e, NULL, title);
		k_u64(e, "thread_id", t[i].thread_id);
		k_str(e, "name", t[i].name);
		k_u64(e, "suspend_count", t[i].suspend_count);
		k_hex(e, "priority_class", t[i].priority_class);
		k_hex(e, "priority", t[i].priority);
		k_hex(e, "teb", t[i].teb);
		k_hex(e, "stack_start", t[i].stack_start);
		k_hex(e, "stack_size", t[i].stack_size);
		k_hex(e, "stack_rva", t[i].stack_rva);
		k_hex(e, "context_size", t[i].context_size);
		k_hex(e, "context_rva", t[i].context_rva);
		if (dk_minidump_threads_ex(md)) {
			k_hex(e, "backing_store_start", t[i].backing_store_start);
			k_hex(e, "backing_store_size", t[i].backing_store_size);
		}
		k_bool(e, "context_readable", cl != 0);
		if (e->all) {
			record(e, &t[i].record);
			context(e, md, dk_minidump_thread_context(md, i, &cl), cl, t[i].context_rva);
		}
		o_end(e);
	}
	a_end(e);
}

static void s_modules(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_module *m = dk_minidump_modules(md, &n);
	static const char *const cv[] = { "none", "RSDS", "NB10", "BpEL", "other", "bad" };
	a_begin(e, "modules", n);
	for (size_t i = 0; i < n; i++) {
		char title[1400], tb[64];
		snprintf(title, sizeof title,
		         "[%zu] 0x%016" PRIx64 "-0x%016" PRIx64 " %s  version %s  debug %s %s  code %s",
		         i, m[i].base, m[i].base + m[i].size, m[i].name_ok ? m[i].name : "(unreadable)",
		         m[i].file_version[0] ? m[i].file_version : "-",
		         m[i].debug_file ? m[i].debug_file : "-",
		         m[i].debug_id[0] ? m[i].debug_id : "-", m[i].code_id);
		if (!e->js && !e->all) {
			t_ind(e);
			printf("%s\n", title);
			continue;
		}
		o_begin(e, NULL, title);
		k_hex(e, "base", m[i].base);
		k_hex(e, "size", m[i].size);
		k_str(e, "name", m[i].name_ok ? m[i].name : NULL);
		k_hex(e, "checksum", m[i].checksum);
		k_hex(e, "timestamp", m[i].timestamp);
		k_str(e, "time", ctime_utc(m[i].timestamp, tb, sizeof tb));
		k_str(e, "file_version", m[i].file_version[0] ? m[i].file_version : NULL);
		k_str(e, "product_version", m[i].product_version[0] ? m[i].product_version : NULL);
		k_str(e, "codeview", cv[m[i].cv_kind]);
		k_str(e, "debug_file", m[i].debug_file);
		k_str(e, "debug_id", m[i].debug_id[0] ? m[i].debug_id : NULL);
		k_str(e, "code_id", m[i].code_id);
		k_str(e, "misc_name", m[i].misc_name);
		if (e->all)
			record(e, &m[i].record);
		o_end(e);
	}
	a_end(e);
}

static void s_unloaded(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_unloaded_module *u = dk_minidump_unloaded_modules(md, &n);
	a_begin(e, "unloaded_modules", n);
	for (size_t i = 0; i < n; i++) {
		if (!e->js) {
			t_ind(e);
			printf("[%zu] 0x%016" PRIx64 "-0x%016" PRIx64 " %s timestamp 0x%08x checksum 0x%08x\n",
			       i, u[i].base, u[i].base + u[i].size, u[i].name_ok ? u[i].name : "(unreadable)",
			       u[i].timestamp, u[i].checksum);
			continue;
		}
		o_begin(e, NULL, NULL);
		k_hex(e, "base", u[i].base);
		k_hex(e, "size", u[i].size);
		k_str(e, "name", u[i].name_ok ? u[i].name : NULL);
		k_hex(e, "timestamp", u[i].timestamp);
		k_hex(e, "checksum", u[i].checksum);
		o_end(e);
	}
	a_end(e);
}

static void s_memory(em *e, dk_minidump *md, bool want64)
{
	size_t n;
	bool is64;
	const dk_minidump_range *r = dk_minidump_memory_ranges(md, &n, &is64);
	/* MemoryList and Memory64List share the list; show the ranges once */
	if (want64 != is64 && is64)
		return;
	a_begin(e, "ranges", n);
	for (size_t i = 0; i < n; i++) {
		if (!e->js) {
			t_ind(e);
			printf("[%zu] 0x%016" PRIx64 "-0x%016" PRIx64 " (0x%" PRIx64 " bytes) at file 0x%"
			       PRIx64 "%s\n", i, r[i].start, r[i].start + r[i].size, r[i].size, r[i].rva,
			       r[i].avail < r[i].size ? " (cut off by the end of the file)" : "");
			continue;
		}
		o_begin(e, NULL, NULL);
		k_hex(e, "start", r[i].start);
		k_hex(e, "size", r[i].size);
		k_hex(e, "rva", r[i].rva);
		k_hex(e, "bytes_in_file", r[i].avail);
		o_end(e);
	}
	a_end(e);
}

static void s_meminfo(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_memory_info *m = dk_minidump_get_memory_info(md, &n);
	a_begin(e, "regions", n);
	for (size_t i = 0; i < n; i++) {
		if (!e->js) {
			t_ind(e);
			printf("[%zu] 0x%016" PRIx64 " size 0x%" PRIx64 " allocation 0x%" PRIx64
			       " (protect 0x%x) state 0x%x protect 0x%x type 0x%x\n", i,
			       m[i].base_address, m[i].region_size, m[i].allocation_base,
			       m[i].allocation_protect, m[i].state, m[i].protect, m[i].type);
			continue;
		}
		o_begin(e, NULL, NULL);
		k_hex(e, "base_address", m[i].base_address);
		k_hex(e, "allocation_base", m[i].allocation_base);
		k_hex(e, "allocation_protect", m[i].allocation_protect);
		k_hex(e, "region_size", m[i].region_size);
		k_hex(e, "state", m[i].state);
		k_hex(e, "protect", m[i].protect);
		k_hex(e, "type", m[i].type);
		o_end(e);
	}
	a_end(e);
}

static void s_exception(em *e, dk_minidump *md)
{
	const dk_minidump_exception *x = dk_minidump_get_exception(md);
	if (!x)
		return;
	k_u64(e, "thread_id", x->thread_id);
	k_hex(e, "code", x->code);
	k_hex(e, "flags", x->flags);
	k_hex(e, "address", x->address);
	k_u64(e, "number_parameters", x->number_parameters);
	a_begin(e, "parameters", x->number_parameters < 15 ? x->number_parameters : 15);
	for (uint32_t i = 0; i < x->number_parameters && i < 15; i++) {
		if (e->js) {
			json_hex(&e->j, x->parameters[i]);
		} else {
			t_ind(e);
			printf("[%u] 0x%" PRIx64 "\n", i, x->parameters[i]);
		}
	}
	a_end(e);
	k_hex(e, "context_size", x->context_size);
	k_hex(e, "context_rva", x->context_rva);
	record(e, &x->record);
	size_t cl;
	const uint8_t *c = dk_minidump_exception_context(md, &cl);
	context(e, md, c, cl, x->context_rva);
}

static void s_sysinfo(em *e, dk_minidump *md)
{
	const dk_minidump_system_info *s = dk_minidump_get_system_info(md);
	if (!s)
		return;
	char os[256];
	snprintf(os, sizeof os, "%s %u.%u.%u%s%s", s->os_name, s->major_version, s->minor_version,
	         s->build_number, s->csd_version[0] ? " " : "", s->csd_version);
	k_str(e, "cpu_arch", s->arch_name);
	k_u64(e, "cpu_count", s->number_of_processors);
	k_str(e, "os", os);
	k_str(e, "csd_version", s->csd_version);
	k_str(e, "cpu_vendor", s->vendor_id[0] ? s->vendor_id : NULL);
	if (s->vendor_id[0]) {
		k_hex(e, "cpu_version_information", s->cpu_version_information);
		k_hex(e, "cpu_feature_information", s->cpu_feature_information);
		k_hex(e, "cpu_amd_extended_features", s->cpu_amd_extended_features);
	} else {
		k_hex(e, "processor_features_0", s->processor_features[0]);
		k_hex(e, "processor_features_1", s->processor_features[1]);
	}
	record(e, &s->record);
}

static void s_misc(em *e, dk_minidump *md)
{
	const dk_minidump_misc_info *m = dk_minidump_get_misc_info(md);
	if (!m)
		return;
	char tb[64];
	k_u64(e, "version", m->version);
	k_hex(e, "flags1", m->flags1);
	if (m->flags1 & 1)
		k_u64(e, "process_id", m->process_id);
	if (m->flags1 & 2) {
		k_str(e, "process_create_time", ctime_utc(m->process_create_time, tb, sizeof tb));
		k_u64(e, "process_user_time", m->process_user_time);
		k_u64(e, "process_kernel_time", m->process_kernel_time);
	}
	if (m->version >= 2 && (m->flags1 & 4)) {
		k_u64(e, "processor_max_mhz", m->processor_max_mhz);
		k_u64(e, "processor_current_mhz", m->processor_current_mhz);
		k_u64(e, "processor_mhz_limit", m->processor_mhz_limit);
	}
	if (m->version >= 3 && (m->flags1 & 0x40)) {
		k_u64(e, "time_zone_id", m->time_zone_id);
		k_str(e, "time_zone_standard_name", m->tz_standard_name);
		k_str(e, "time_zone_daylight_name", m->tz_daylight_name);
		if (e->js) {
			json_key(&e->j, "time_zone_bias");
			fprintf(stdout, "%d", m->tz_bias);
			e->j.after_key = false;
		} else {
			t_ind(e);
			printf("time_zone_bias: %d\n", m->tz_bias);
		}
	}
	if (m->version >= 4) {
		k_str(e, "build_string", m->build_string);
		k_str(e, "dbg_build_string", m->dbg_build_string);
	}
	if (m->version >= 5) {
		k_hex(e, "xstate_enabled_features", m->xstate_enabled_features);
		k_hex(e, "xstate_context_size", m->xstate_context_size);
		a_begin(e, "xstate_features", (size_t)__builtin_popcountll(m->xstate_enabled_features));
		for (int k = 0; k < 64; k++) {
			if (!(m->xstate_enabled_features >> k & 1))
				continue;
			if (!e->js) {
				t_ind(e);
				printf("feature %d: offset 0x%x size 0x%x\n", k, m->xstate_offset[k],
				       m->xstate_size[k]);
				continue;
			}
			o_begin(e, NULL, NULL);
			k_u64(e, "index", (uint64_t)k);
			k_hex(e, "offset", m->xstate_offset[k]);
			k_hex(e, "size", m->xstate_size[k]);
			o_end(e);
		}
		a_end(e);
		if (m->flags1 & 0x200)
			k_hex(e, "process_cookie", m->process_cookie);
	}
	record(e, &m->record);
}

static void s_handles(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_handle *h = dk_minidump_handles(md, &n);
	a_begin(e, "handles", n);
	for (size_t i = 0; i < n; i++) {
		if (!e->js) {
			t_ind(e);
			printf("[%zu] handle 0x%" PRIx64 " type %s name %s attributes 0x%x access 0x%x "
			       "handles %u pointers %u\n", i, h[i].handle,
			       h[i].type_name ? h[i].type_name : "-",
			       h[i].object_name ? h[i].object_name : "-", h[i].attributes,
			       h[i].granted_access, h[i].handle_count, h[i].pointer_count);
			continue;
		}
		o_begin(e, NULL, NULL);
		k_hex(e, "handle", h[i].handle);
		k_str(e, "type_name", h[i].type_name);
		k_str(e, "object_name", h[i].object_name);
		k_hex(e, "attributes", h[i].attributes);
		k_hex(e, "granted_access", h[i].granted_access);
		k_u64(e, "handle_count", h[i].handle_count);
		k_u64(e, "pointer_count", h[i].pointer_count);
		o_end(e);
	}
	a_end(e);
}

static void s_thread_infos(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_thread_info *t = dk_minidump_thread_infos(md, &n);
	a_begin(e, "thread_infos", n);
	for (size_t i = 0; i < n; i++) {
		o_begin(e, NULL, NULL);
		record(e, &t[i].record);
		o_end(e);
	}
	a_end(e);
}

static void s_tokens(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_token *t = dk_minidump_tokens(md, &n);
	a_begin(e, "tokens", n);
	for (size_t i = 0; i < n; i++) {
		o_begin(e, NULL, "token");
		k_u64(e, "token_id", t[i].token_id);
		k_hex(e, "token_handle", t[i].token_handle);
		k_hex(e, "token_size", t[i].token_size);
		k_hex(e, "offset", t[i].offset);
		o_end(e);
	}
	a_end(e);
}

static void s_ftables(em *e, dk_minidump *md)
{
	size_t n;
	const dk_minidump_function_table *f = dk_minidump_function_tables(md, &n);
	a_begin(e, "function_tables", n);
	for (size_t i = 0; i < n; i++) {
		o_begin(e, NULL, NULL);
		record(e, &f[i].record);
		o_end(e);
	}
	a_end(e);
}

static void s_crashpad(em *e, dk_minidump *md)
{
	const dk_minidump_crashpad_info *c = dk_minidump_get_crashpad_info(md);
	if (!c)
		return;
	k_u64(e, "version", c->version);
	k_str(e, "report_id", c->report_id_str);
	k_str(e, "client_id", c->client_id_str);
	annotations(e, "simple_annotations", c->simple_annotations, c->nsimple);
	a_begin(e, "module_list", c->nmodules);
	size_t nm;
	const dk_minidump_module *mods = dk_minidump_modules(md, &nm);
	for (size_t i = 0; i < c->nmodules; i++) {
		const dk_md_crashpad_module *m = &c->modules[i];
		char title[600];
		snprintf(title, sizeof title, "module %u (%s)", m->module_index,
		         m->module_index < nm ? mods[m->module_index].name : "not in the module list");
		o_begin(e, NULL, title);
		k_u64(e, "module_index", m->module_index);
		k_u64(e, "version", m->version);
		a_begin(e, "list_annotations", m->nlist);
		for (size_t k = 0; k < m->nlist; k++) {
			if (e->js) {
				json_string(&e->j, m->list_annotations[k]);
			} else {
				t_ind(e);
				printf("%s\n", m->list_annotations[k]);
			}
		}
		a_end(e);
		annotations(e, "simple_annotations", m->simple_annotations, m->nsimple);
		annotations(e, "annotation_objects", m->annotation_objects, m->nobjects);
		o_end(e);
	}
	a_end(e);
}

static void s_text(em *e, dk_minidump *md, size_t i, uint32_t type)
{
	size_t len;
	const uint8_t *p = dk_minidump_stream_data(md, i, &len);
	if (!p)
		return;
	if (type == DK_MD_LINUX_AUXV) { /* pairs of native words; assume 64-bit when even */
		size_t w = len % 16 == 0 ? 8 : 4;
		a_begin(e, "auxv", len / (2 * w));
		for (size_t k = 0; k + 2 * w <= len; k += 2 * w) {
			uint64_t a = w == 8 ? dk_le64_cli(p + k) : (uint64_t)dk_le32_cli(p + k);
			uint64_t b = w == 8 ? dk_le64_cli(p + k + w) : (uint64_t)dk_le32_cli(p + k + w);
			if (e->js) {
				json_begin_array(&e->j);
				json_hex(&e->j, a);
				json_hex(&e->j, b);
				json_end_array(&e->j);
			} else {
				t_ind(e);
				printf("AT %" PRIu64 " = 0x%" PRIx64 "\n", a, b);
			}
		}
		a_end(e);
		return;
	}
	char *s = malloc(len + 1);
	if (!s)
		return;
	for (size_t k = 0; k < len; k++) /* cmdline and environ are NUL-separated */
		s[k] = p[k] == 0 ? (type == DK_MD_LINUX_ENVIRON ? '\n' : ' ')
		                 : (p[k] < 0x20 && p[k] != '\n' && p[k] != '\t' ? '?' : (char)p[k]);
	s[len] = 0;
	if (e->js) {
		k_str(e, "text", s);
	} else {
		printf("%s%s", s, len && s[len - 1] == '\n' ? "" : "\n");
	}
	free(s);
}

static void s_dso(em *e, dk_minidump *md)
{
	const dk_minidump_dso_debug *d = dk_minidump_get_dso_debug(md);
	if (!d)
		return;
	k_u64(e, "bits", d->bits);
	k_u64(e, "version", d->version);
	k_hex(e, "map_rva", d->map_rva);
	k_u64(e, "dso_count", d->dso_count);
	k_hex(e, "brk", d->brk);
	k_hex(e, "ldbase", d->ldbase);
	k_hex(e, "dynamic", d->dynamic);
	a_begin(e, "dsos", d->ndsos);
	for (size_t i = 0; i < d->ndsos; i++) {
		o_begin(e, NULL, d->dsos[i].name ? d->dsos[i].name : "(unreadable)");
		k_hex(e, "addr", d->dsos[i].addr);
		k_hex(e, "ld", d->dsos[i].ld);
		k_str(e, "name", d->dsos[i].name);
		o_end(e);
	}
	a_end(e);
}

static void stream(em *e, dk_minidump *md, size_t i, const dk_minidump_stream *s)
{
	switch (s->type) {
	case DK_MD_THREAD_LIST:
	case DK_MD_THREAD_EX_LIST: s_threads(e, md); break;
	case DK_MD_MODULE_LIST: s_modules(e, md); break;
	case DK_MD_UNLOADED_MODULE_LIST: s_unloaded(e, md); break;
	case DK_MD_MEMORY_LIST: s_memory(e, md, false); break;
	case DK_MD_MEMORY64_LIST: s_memory(e, md, true); break;
	case DK_MD_MEMORY_INFO_LIST: s_meminfo(e, md); break;
	case DK_MD_EXCEPTION: s_exception(e, md); break;
	case DK_MD_SYSTEM_INFO: s_sysinfo(e, md); break;
	case DK_MD_MISC_INFO: s_misc(e, md); break;
	case DK_MD_HANDLE_DATA: s_handles(e, md); break;
	case DK_MD_THREAD_INFO_LIST: s_thread_infos(e, md); break;
	case DK_MD_TOKEN: s_tokens(e, md); break;
	case DK_MD_FUNCTION_TABLE: s_ftables(e, md); break;
	case DK_MD_CRASHPAD_INFO: s_crashpad(e, md); break;
	case DK_MD_LINUX_DSO_DEBUG: s_dso(e, md); break;
	case DK_MD_THREAD_NAMES: {
		size_t n;
		const dk_minidump_thread *t = dk_minidump_threads(md, &n);
		a_begin(e, "thread_names", n);
		for (size_t k = 0; k < n; k++) {
			if (!t[k].name)
				continue;
			if (e->js) {
				o_begin(e, NULL, NULL);
				k_u64(e, "thread_id", t[k].thread_id);
				k_str(e, "name", t[k].name);
				o_end(e);
			} else {
				t_ind(e);
				printf("thread %u: \"%s\"\n", t[k].thread_id, t[k].name);
			}
		}
		a_end(e);
		break;
	}
	case DK_MD_COMMENT_A:
	case DK_MD_COMMENT_W:
		k_str(e, "comment", dk_minidump_comment(md, s->type == DK_MD_COMMENT_W));
		break;
	case DK_MD_ASSERTION_INFO: {
		const dk_minidump_assertion *a = dk_minidump_get_assertion(md);
		if (a) {
			k_str(e, "expression", a->expression);
			k_str(e, "function", a->function);
			k_str(e, "file", a->file);
			k_u64(e, "line", a->line);
			k_u64(e, "type", a->type);
			k_str(e, "type_name", a->type_name);
		}
		break;
	}
	case DK_MD_BREAKPAD_INFO: {
		const dk_minidump_breakpad_info *b = dk_minidump_get_breakpad_info(md);
		if (b) {
			k_hex(e, "validity", b->validity);
			if (b->validity & 1)
				k_u64(e, "dump_thread_id", b->dump_thread_id);
			if (b->validity & 2)
				k_u64(e, "requesting_thread_id", b->requesting_thread_id);
		}
		break;
	}
	case DK_MD_SYSTEM_MEMORY_INFO: {
		const dk_md_record *r = dk_minidump_system_memory_info(md);
		if (r)
			record(e, r);
		break;
	}
	case DK_MD_PROCESS_VM_COUNTERS: {
		const dk_md_record *r = dk_minidump_vm_counters(md);
		if (r)
			record(e, r);
		break;
	}
	case DK_MD_LINUX_CPU_INFO:
	case DK_MD_LINUX_PROC_STATUS:
	case DK_MD_LINUX_LSB_RELEASE:
	case DK_MD_LINUX_CMD_LINE:
	case DK_MD_LINUX_ENVIRON:
	case DK_MD_LINUX_AUXV:
	case DK_MD_LINUX_MAPS: s_text(e, md, i, s->type); break;
	default: break;
	}
}

int info_minidump(const char *path, bool js, bool all)
{
	dk_minidump *md;
	dk_error err;
	dk_status st = dk_minidump_open(path, &md, &err);
	if (st != DK_OK) {
		fprintf(stderr, "dmpkit info: %s\n", err.message);
		return st == DK_E_FORMAT || st == DK_E_TRUNCATED ? EXIT_PROBLEMS : EXIT_USAGE;
	}
	em e = { .js = js, .all = all };
	const dk_minidump_header *h = dk_minidump_get_header(md);
	size_t n;
	const dk_minidump_stream *s = dk_minidump_streams(md, &n);
	char tb[64];
	if (js) {
		json_init(&e.j, stdout);
		json_begin_object(&e.j);
		k_u64(&e, "dmpkit_info_version", 1);
		k_str(&e, "file", dk_minidump_name(md));
		k_u64(&e, "file_size", h->file_size);
		k_str(&e, "format", "minidump");
		o_begin(&e, "header", NULL);
		k_hex(&e, "version", h->version);
		k_u64(&e, "number_of_streams", h->number_of_streams);
		k_hex(&e, "stream_directory_rva", h->stream_directory_rva);
		k_hex(&e, "checksum", h->checksum);
		k_hex(&e, "time_date_stamp", h->time_date_stamp);
		k_str(&e, "time", ctime_utc(h->time_date_stamp, tb, sizeof tb));
		k_hex(&e, "flags", h->flags);
		record(&e, &h->record);
		o_end(&e);
		json_key(&e.j, "streams");
		json_begin_array(&e.j);
	} else {
		printf("File: %s (%" PRIu64 " bytes)\n", dk_minidump_name(md), h->file_size);
		printf("Kind: user-mode minidump, %u streams, written %s\n", h->number_of_streams,
		       ctime_utc(h->time_date_stamp, tb, sizeof tb));
		printf("\n");
		record(&e, &h->record);
		printf("\nStream directory (%zu entries at 0x%x):\n", n, h->stream_directory_rva);
		for (size_t i = 0; i < n; i++)
			printf("  [%2zu] 0x%08x %-28s 0x%08x bytes at 0x%08x%s%s\n", i, s[i].type,
			       s[i].type_name ? s[i].type_name : "(unknown type)", s[i].loc.data_size,
			       s[i].loc.rva, s[i].problem[0] ? "  PROBLEM: " : "", s[i].problem);
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i].type == DK_MD_UNUSED && !all)
			continue;
		if (js) {
			json_begin_object(&e.j);
			k_u64(&e, "index", i);
			k_hex(&e, "type", s[i].type);
			k_str(&e, "type_name", s[i].type_name);
			k_hex(&e, "data_size", s[i].loc.data_size);
			k_hex(&e, "rva", s[i].loc.rva);
			k_bool(&e, "inside_file", s[i].inside);
			k_bool(&e, "decoded", s[i].decoded);
			k_str(&e, "problem", s[i].problem[0] ? s[i].problem : NULL);
			json_key(&e.j, "data");
			json_begin_object(&e.j);
			if (s[i].decoded || s[i].problem[0] == 0)
				stream(&e, md, i, &s[i]);
			json_end_object(&e.j);
			json_end_object(&e.j);
		} else {
			printf("\nStream %zu: %s (0x%x), 0x%x bytes at 0x%x\n", i,
			       s[i].type_name ? s[i].type_name : "unknown type", s[i].type,
			       s[i].loc.data_size, s[i].loc.rva);
			if (s[i].problem[0])
				printf("  PROBLEM: %s\n", s[i].problem);
			e.ind = 1;
			if (s[i].decoded || s[i].problem[0] == 0)
				stream(&e, md, i, &s[i]);
			e.ind = 0;
		}
	}
	if (js) {
		json_end_array(&e.j);
		json_end_object(&e.j);
		json_end(&e.j);
	}
	dk_minidump_close(md);
	return EXIT_GOOD;
}

void describe_minidump(const char *path, FILE *out)
{
	dk_minidump *md;
	dk_error err;
	if (dk_minidump_open(path, &md, &err) != DK_OK)
		return;
	size_t nt, nm, ns;
	dk_minidump_threads(md, &nt);
	dk_minidump_modules(md, &nm);
	dk_minidump_streams(md, &ns);
	const dk_minidump_system_info *s = dk_minidump_get_system_info(md);
	fprintf(out, "  user-mode minidump, %zu streams, %zu threads, %zu modules", ns, nt, nm);
	if (s)
		fprintf(out, "; %s, %u CPUs, %s %u.%u.%u", s->arch_name, s->number_of_processors,
		        s->os_name, s->major_version, s->minor_version, s->build_number);
	fprintf(out, "\n");
	const dk_minidump_exception *x = dk_minidump_get_exception(md);
	if (x)
		fprintf(out, "  exception 0x%08x at 0x%" PRIx64 " on thread %u\n", x->code, x->address,
		        x->thread_id);
	dk_minidump_close(md);
}

bool file_is_minidump(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	unsigned char b[4];
	size_t n = fread(b, 1, 4, f);
	fclose(f);
	return dk_minidump_is_minidump(b, n);
}
