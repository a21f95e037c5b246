/* dmpkit command line — a small streaming JSON writer.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

void json_init(json *j, FILE *f)
{
	memset(j, 0, sizeof *j);
	j->f = f;
}

static void sep(json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->need_comma[j->depth])
		fputc(',', j->f);
	if (j->depth > 0)
		j->need_comma[j->depth] = true;
}

static void open_(json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < 63)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->f);
}

void json_begin_object(json *j) { open_(j, '{'); }
void json_end_object(json *j) { close_(j, '}'); }
void json_begin_array(json *j) { open_(j, '['); }
void json_end_array(json *j) { close_(j, ']'); }

static void str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_key(json *j, const char *key)
{
	sep(j);
	str(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_string(json *j, const char *s) { sep(j); str(j->f, s ? s : ""); }
void json_u64(json *j, uint64_t v) { sep(j); fprintf(j->f, "%" PRIu64, v); }
void json_hex(json *j, uint64_t v) { sep(j); fprintf(j->f, "\"0x%" PRIx64 "\"", v); }
void json_bool(json *j, bool v) { sep(j); fputs(v ? "true" : "false", j->f); }
void json_null(json *j) { sep(j); fputs("null", j->f); }
void json_end(json *j) { fputc('\n', j->f); }

void json_field(json *j, const dk_field *f, const uint8_t *base, size_t avail,
                uint64_t base_offset, const char *prefix)
{
	char name[128], text[1024], meaning[256];
	uint64_t v;
	dk_field_state st = dk_field_get(f, base, avail, &v);
	snprintf(name, sizeof name, "%s%s", prefix ? prefix : "", f->name);
	json_begin_object(j);
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "offset");
	json_u64(j, base_offset + f->offset);
	json_key(j, "size");
	json_u64(j, f->size);
	json_key(j, "state");
	json_string(j, st == DK_FIELD_SET ? "set" : st == DK_FIELD_NOT_SET ? "not_set" : "missing");
	json_key(j, "value");
	if (st != DK_FIELD_SET) {
		json_null(j);
	} else if (f->type == DK_FT_UINT) {
		json_hex(j, v);
	} else {
		dk_field_format(f, base, avail, text, sizeof text);
		json_string(j, text);
	}
	dk_field_explain(f, base, avail, meaning, sizeof meaning);
	if (meaning[0]) {
		json_key(j, "meaning");
		json_string(j, meaning);
	}
	json_end_object(j);
}

void json_fields(json *j, const dk_struct_desc *d, const uint8_t *base, size_t avail,
                 uint64_t base_offset, const char *prefix, bool include_reserved)
{
	json_begin_array(j);
	for (size_t i = 0; i < d->nfields; i++) {
		const dk_field *f = &d->fields[i];
		if ((f->flags & DK_FF_SUBSTRUCT) || (!include_reserved && (f->flags & DK_FF_RESERVED)))
			continue;
		json_field(j, f, base, avail, base_offset, prefix);
	}
	json_end_array(j);
}

void json_bugcheck(json *j, const dk_kdump_summary *s)
{
	const char *bn = dk_bugcheck_name(s->bugcheck_code);
	json_key(j, "bugcheck_code");
	json_hex(j, s->bugcheck_code);
	json_key(j, "bugcheck_name");
	if (bn)
		json_string(j, bn);
	else
		json_null(j);
	json_key(j, "bugcheck_parameters");
	json_begin_array(j);
	for (int i = 0; i < 4; i++)
		json_hex(j, s->bugcheck_parameters[i]);
	json_end_array(j);
}
