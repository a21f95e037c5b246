/* dmpkit diff — two dumps compared field by field, by name.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void help_diff(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit diff [--json] [--all] A B\n"
	        "\n"
	        "Compare the headers of two Windows kernel dumps field by field and print\n"
	        "only what differs, by name, with both values: header fields, registers of\n"
	        "the context record, exception record fields, the secondary (bitmap, RDMP,\n"
	        "triage) header, physical memory runs added, removed or changed, and any\n"
	        "byte range of the header that no named field covers.\n"
	        "\n"
	        "Options:\n"
	        "  --json   print a JSON document\n"
	        "  --all    also compare reserved fields by name (they are otherwise\n"
	        "           reported as byte ranges)\n"
	        "\n"
	        "Exit status: 0 the headers are the same, 1 they differ, 2 a file could not\n"
	        "be read, is not a kernel dump, or the command line is wrong.\n");
}

typedef struct differ {
	bool js;
	json j;
	size_t count;
	size_t shown;
} differ;

#define MAX_SHOWN 2000

static void report(differ *df, const char *kind, const char *name, int64_t off_a,
                   const char *a, const char *b)
{
	df->count++;
	if (df->shown++ >= MAX_SHOWN)
		return;
	if (df->js) {
		json_begin_object(&df->j);
		json_key(&df->j, "kind");
		json_string(&df->j, kind);
		json_key(&df->j, "name");
		json_string(&df->j, name);
		json_key(&df->j, "offset");
		if (off_a >= 0)
			json_u64(&df->j, (uint64_t)off_a);
		else
			json_null(&df->j);
		json_key(&df->j, "a");
		if (a)
			json_string(&df->j, a);
		else
			json_null(&df->j);
		json_key(&df->j, "b");
		if (b)
			json_string(&df->j, b);
		else
			json_null(&df->j);
		json_end_object(&df->j);
	} else {
		if (off_a >= 0)
			printf("%-46s @0x%-5" PRIx64 " %s -> %s\n", name, (uint64_t)off_a,
			       a ? a : "(absent)", b ? b : "(absent)");
		else
			printf("%-54s %s -> %s\n", name, a ? a : "(absent)", b ? b : "(absent)");
	}
}

static void value_text(const dk_field *f, const uint8_t *p, size_t n, char *buf, size_t size)
{
	char v[512], m[160];
	dk_field_format(f, p, n, v, sizeof v);
	dk_field_explain(f, p, n, m, sizeof m);
	if (m[0])
		snprintf(buf, size, "%s (%s)", v, m);
	else
		snprintf(buf, size, "%s", v);
}

/* Compares the fields of a structure present at `off` in both. */
static void diff_struct(differ *df, const dk_struct_desc *da, const uint8_t *a, size_t na,
                        const dk_struct_desc *db, const uint8_t *b, size_t nb,
                        uint64_t off, const char *prefix, bool all, uint8_t *covered,
                        size_t covsize)
{
	char name[160], va[700], vb[700];
	for (size_t i = 0; i < da->nfields; i++) {
		const dk_field *fa = &da->fields[i];
		if (fa->flags & DK_FF_SUBSTRUCT)
			continue;
		if ((fa->flags & DK_FF_RESERVED) && !all)
			continue;
		const dk_field *fb = dk_struct_field(db, fa->name);
		if (covered && fa->offset + off + fa->size <= covsize)
			memset(covered + off + fa->offset, 1, fa->size);
		snprintf(name, sizeof name, "%s%s", prefix, fa->name);
		if (!fb) {
			value_text(fa, a, na, va, sizeof va);
			report(df, "field", name, (int64_t)(off + fa->offset), va, NULL);
			continue;
		}
		bool ina = fa->offset + fa->size <= na, inb = fb->offset + fb->size <= nb;
		if (ina && inb && fa->size == fb->size &&
		    memcmp(a + fa->offset, b + fb->offset, fa->size) == 0)
			continue;
		if (!ina && !inb)
			continue;
		if (fa->type == DK_FT_UINT && fb->type == DK_FT_UINT && fa->size != fb->size) {
			/* same field at another width (32- vs 64-bit header) */
			uint64_t x, y;
			dk_field_state sx = dk_field_get(fa, a, na, &x), sy = dk_field_get(fb, b, nb, &y);
			if (sx == sy && x == y)
				continue;
		}
		value_text(fa, a, na, va, sizeof va);
		value_text(fb, b, nb, vb, sizeof vb);
		report(df, "field", name, (int64_t)(off + fa->offset), va, vb);
	}
	for (size_t i = 0; i < db->nfields; i++) {
		const dk_field *fb = &db->fields[i];
		if ((fb->flags & DK_FF_SUBSTRUCT) || ((fb->flags & DK_FF_RESERVED) && !all))
			continue;
		if (dk_struct_field(da, fb->name))
			continue;
		snprintf(name, sizeof name, "%s%s", prefix, fb->name);
		value_text(fb, b, nb, vb, sizeof vb);
		report(df, "field", name, (int64_t)(off + fb->offset), NULL, vb);
	}
}

static void run_text(const dk_run *r, char *buf, size_t size)
{
	snprintf(buf, size, "0x%" PRIx64 " pages (physical 0x%" PRIx64 "-0x%" PRIx64 ")", r->count,
	         r->base_pfn * DK_PAGE_SIZE, (r->base_pfn + r->count) * DK_PAGE_SIZE - 1);
}

/* Merge-walks the stored runs of both dumps. */
static void diff_runs(differ *df, dk_kdump *a, dk_kdump *b)
{
	dk_run ra, rb;
	uint64_t pa = 0, pb = 0;
	bool ha = dk_kdump_next_stored_run(a, pa, &ra), hb = dk_kdump_next_stored_run(b, pb, &rb);
	char name[64], va[96], vb[96];
	while (ha || hb) {
		bool take_a = ha && (!hb || ra.base_pfn <= rb.base_pfn);
		bool take_b = hb && (!ha || rb.base_pfn <= ra.base_pfn);
		const dk_run *r = take_a ? &ra : &rb;
		snprintf(name, sizeof name, "run at page 0x%" PRIx64, r->base_pfn);
		if (take_a && take_b) {
			if (ra.count != rb.count) {
				snprintf(va, sizeof va, "0x%" PRIx64 " pages", ra.count);
				snprintf(vb, sizeof vb, "0x%" PRIx64 " pages", rb.count);
				report(df, "run_changed", name, -1, va, vb);
			}
		} else if (take_a) {
			run_text(&ra, va, sizeof va);
			report(df, "run_removed", name, -1, va, NULL);
		} else {
			run_text(&rb, vb, sizeof vb);
			report(df, "run_added", name, -1, NULL, vb);
		}
		if (take_a) {
			pa = ra.base_pfn + ra.count;
			ha = dk_kdump_next_stored_run(a, pa, &ra);
		}
		if (take_b) {
			pb = rb.base_pfn + rb.count;
			hb = dk_kdump_next_stored_run(b, pb, &rb);
		}
	}
}

static void diff_uncovered(differ *df, const uint8_t *a, size_t na, const uint8_t *b,
                           size_t nb, const uint8_t *covered, size_t size,
                           const dk_struct_desc *hd)
{
	size_t n = na < nb ? na : nb;
	if (n > size)
		n = size;
	for (size_t i = 0; i < n;) {
		if (covered[i] || a[i] == b[i]) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && !covered[j] && (a[j] != b[j] || (j + 1 < n && j + 8 < n &&
		                                                  memcmp(a + j, b + j, 8) != 0)))
			j++;
		/* name the enclosing field, if any, to say where this is */
		const char *in = "header";
		uint32_t in_off = 0;
		for (size_t k = 0; k < hd->nfields; k++)
			if (i >= hd->fields[k].offset && i < hd->fields[k].offset + hd->fields[k].size) {
				in = hd->fields[k].name;
				in_off = hd->fields[k].offset;
			}
		char name[128], va[80], vb[80];
		snprintf(name, sizeof name, "bytes 0x%zx-0x%zx (%s+0x%zx, no named field)", i, j - 1,
		         in, i - in_off);
		size_t show = j - i < 16 ? j - i : 16;
		size_t o = 0;
		for (size_t k = 0; k < show; k++)
			o += (size_t)snprintf(va + o, sizeof va - o, "%02x", a[i + k]);
		if (j - i > show)
			snprintf(va + o, sizeof va - o, "...");
		o = 0;
		for (size_t k = 0; k < show; k++)
			o += (size_t)snprintf(vb + o, sizeof vb - o, "%02x", b[i + k]);
		if (j - i > show)
			snprintf(vb + o, sizeof vb - o, "...");
		report(df, "bytes", name, (int64_t)i, va, vb);
		i = j;
	}
}

int cmd_diff(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL }, { "--all", false, false, NULL } };
	const size_t no = sizeof opts / sizeof opts[0];
	const char *ops[8];
	int n;
	if (argc > 8) {
		cli_usage_error("diff", "too many arguments");
		return EXIT_USAGE;
	}
	if (!cli_parse("diff", argc, argv, opts, no, ops, &n))
		return EXIT_USAGE;
	if (n != 2) {
		cli_usage_error("diff", "expected two dump files");
		return EXIT_USAGE;
	}
	bool all = cli_has(opts, no, "--all");
	dk_kdump *a, *b;
	dk_error e;
	if (dk_kdump_open(ops[0], &a, &e) != DK_OK) {
		fprintf(stderr, "dmpkit diff: %s\n", e.message);
		return EXIT_USAGE;
	}
	if (dk_kdump_open(ops[1], &b, &e) != DK_OK) {
		fprintf(stderr, "dmpkit diff: %s\n", e.message);
		dk_kdump_close(a);
		return EXIT_USAGE;
	}
	differ df = { .js = cli_has(opts, no, "--json") };
	json_init(&df.j, stdout);
	if (df.js) {
		json_begin_object(&df.j);
		json_key(&df.j, "a");
		json_string(&df.j, ops[0]);
		json_key(&df.j, "b");
		json_string(&df.j, ops[1]);
		json_key(&df.j, "differences");
		json_begin_array(&df.j);
	} else {
		printf("--- %s\n+++ %s\n", ops[0], ops[1]);
	}
	size_t na, nb;
	const uint8_t *ha = dk_kdump_header_bytes(a, &na), *hb = dk_kdump_header_bytes(b, &nb);
	const dk_struct_desc *hda = dk_kdump_header_desc(a), *hdb = dk_kdump_header_desc(b);
	size_t hsize = hda->size;
	uint8_t *covered = calloc(1, hsize);
	if (!covered) {
		dk_kdump_close(a);
		dk_kdump_close(b);
		return EXIT_USAGE;
	}
	diff_struct(&df, hda, ha, na, hdb, hb, nb, 0, "", all, covered, hsize);

	/* context registers */
	size_t ca, cb;
	const dk_struct_desc *cda, *cdb;
	const uint8_t *xa = dk_kdump_context(a, &ca, &cda), *xb = dk_kdump_context(b, &cb, &cdb);
	const dk_field *cfa = dk_struct_field(hda, "ContextRecord");
	if (cda && cdb)
		diff_struct(&df, cda, xa, ca, cdb, xb, cb, cfa->offset, "ContextRecord.", true,
		            hda == hdb ? covered : NULL, hsize);
	/* exception record */
	const dk_struct_desc *eda, *edb;
	const uint8_t *ea = dk_kdump_exception(a, &ca, &eda), *eb = dk_kdump_exception(b, &cb, &edb);
	const dk_field *efa = dk_struct_field(hda, "Exception");
	diff_struct(&df, eda, ea, ca, edb, eb, cb, efa->offset, "Exception.", true,
	            hda == hdb ? covered : NULL, hsize);
	/* header run entries in use are compared as runs below */
	const dk_kdump_runs *rua = dk_kdump_get_runs(a), *rub = dk_kdump_get_runs(b);
	size_t used = rua->count > rub->count ? rua->count : rub->count;
	const dk_field *runf = dk_struct_field(hda, "PhysicalMemoryBlock.Run");
	size_t esz = dk_kdump_get_summary(a)->bits == 64 ? 16 : 8;
	for (size_t i = 0; i < used; i++) {
		size_t o = runf->offset + i * esz;
		if (o + esz <= hsize)
			memset(covered + o, 1, esz);
	}
	for (size_t i = 0; i < used; i++) {
		bool ia = i < rua->count, ib = i < rub->count;
		if (ia && ib && rua->runs[i].base_pfn == rub->runs[i].base_pfn &&
		    rua->runs[i].count == rub->runs[i].count)
			continue;
		char name[64], va[96], vb[96];
		snprintf(name, sizeof name, "PhysicalMemoryBlock.Run[%zu]", i);
		snprintf(va, sizeof va, "BasePage 0x%" PRIx64 " PageCount 0x%" PRIx64,
		         ia ? rua->runs[i].base_pfn : 0, ia ? rua->runs[i].count : 0);
		snprintf(vb, sizeof vb, "BasePage 0x%" PRIx64 " PageCount 0x%" PRIx64,
		         ib ? rub->runs[i].base_pfn : 0, ib ? rub->runs[i].count : 0);
		report(&df, "field", name, (int64_t)(runf->offset + i * esz), ia ? va : NULL,
		       ib ? vb : NULL);
	}
	/* secondary header */
	const dk_struct_desc *sda = NULL, *sdb = NULL;
	size_t sa = 0, sb = 0;
	const uint8_t *s1 = dk_kdump_secondary_bytes(a, &sa, &sda);
	const uint8_t *s2 = dk_kdump_secondary_bytes(b, &sb, &sdb);
	if (s1 && s2) {
		char prefix[48];
		snprintf(prefix, sizeof prefix, "%s.", sda->name);
		diff_struct(&df, sda, s1, sa, sdb, s2, sb, dk_kdump_get_summary(a)->header_size,
		            prefix, all, NULL, 0);
	} else if (s1 || s2) {
		report(&df, "structure", "secondary header", -1, s1 ? sda->name : NULL,
		       s2 ? sdb->name : NULL);
	}
	if (hda == hdb && !all)
		diff_uncovered(&df, ha, na, hb, nb, covered, hsize, hda);
	diff_runs(&df, a, b);
	free(covered);
	if (df.js) {
		json_end_array(&df.j);
		json_key(&df.j, "count");
		json_u64(&df.j, df.count);
		json_end_object(&df.j);
		json_end(&df.j);
	} else {
		if (df.shown > MAX_SHOWN)
			printf("... %zu more differences not shown\n", df.shown - MAX_SHOWN);
		printf("%zu difference%s\n", df.count, df.count == 1 ? "" : "s");
	}
	dk_kdump_close(a);
	dk_kdump_close(b);
	return df.count ? EXIT_PROBLEMS : EXIT_GOOD;
}
