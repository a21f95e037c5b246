/* dmpkit tests — damaged minidumps made by mutating real files from
 * tests/data/ in memory: truncation at every offset, out-of-range and
 * overlapping RVAs, lying counts, a corrupt module table, bad contexts.
 * Each must give its specific finding and never crash.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dmpkit/minidump.h>

static uint8_t *load(const char *name, size_t *size)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", DATA_DIR, name);
	FILE *f = fopen(p, "rb");
	if (!f)
		fail_msg("cannot open %s", p);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return b;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Opens, decodes everything the API offers, checks; returns the findings
 * (caller frees) or count 0 when the open fails cleanly. */
static dk_findings run(const uint8_t *buf, size_t n, dk_status *open_st)
{
	dk_findings f;
	dk_findings_init(&f);
	dk_minidump *md = NULL;
	dk_error e;
	*open_st = dk_minidump_open_memory(buf, n, "damaged.dmp", &md, &e);
	if (*open_st != DK_OK) {
		assert_null(md);
		assert_true(*open_st == DK_E_TRUNCATED || *open_st == DK_E_FORMAT);
		return f;
	}
	size_t k;
	const dk_minidump_thread *t = dk_minidump_threads(md, &k);
	for (size_t i = 0; i < k; i++) {
		size_t cl;
		const uint8_t *c = dk_minidump_thread_context(md, i, &cl);
		if (c && cl)
			assert_true(c[cl - 1] == c[cl - 1]);
		uint8_t sb[64];
		dk_minidump_read_memory(md, t[i].stack_start, sb, sizeof sb);
	}
	const dk_minidump_module *m = dk_minidump_modules(md, &k);
	for (size_t i = 0; i < k; i++)
		assert_non_null(m[i].name);
	size_t cl;
	dk_minidump_exception_context(md, &cl);
	assert_int_equal(dk_minidump_check(md, DK_CHECK_DEEP, &f, NULL), DK_OK);
	dk_minidump_close(md);
	return f;
}

static const dk_finding *find(const dk_findings *f, const char *id)
{
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->items[i].id, id) == 0)
			return &f->items[i];
	return NULL;
}

static void expect(const uint8_t *buf, size_t n, const char *id, dk_severity sev,
                   const char *field_prefix)
{
	dk_status st;
	dk_findings f = run(buf, n, &st);
	assert_int_equal(st, DK_OK);
	const dk_finding *x = find(&f, id);
	if (!x) {
		for (size_t i = 0; i < f.count; i++)
			print_message("  have %s: %s\n", f.items[i].id, f.items[i].message);
		fail_msg("expected finding %s", id);
	}
	assert_int_equal(x->severity, sev);
	if (field_prefix && strncmp(x->field, field_prefix, strlen(field_prefix)) != 0)
		fail_msg("%s: field %s, expected %s...", id, x->field, field_prefix);
	assert_true(dk_findings_verdict(&f) == (sev == DK_SEV_ERROR ? DK_VERDICT_BAD
	                                                           : dk_findings_verdict(&f)));
	dk_findings_free(&f);
}

/* Locations of things in the original file, found through the API. */
typedef struct layout {
	uint32_t dir, nstreams;
	uint32_t mod_stream, thread_stream, mem_stream, exc_stream;
	uint64_t mod0, mod1;       /* file offsets of module entries 0 and 1 */
	uint64_t thread0;          /* file offset of thread entry 0 */
	uint64_t range0, range1;   /* file offsets of memory descriptors */
} layout;

static layout find_layout(const uint8_t *buf, size_t n)
{
	layout l = { 0 };
	dk_minidump *md;
	dk_error e;
	assert_int_equal(dk_minidump_open_memory(buf, n, "orig", &md, &e), DK_OK);
	l.dir = dk_minidump_get_header(md)->stream_directory_rva;
	size_t ns;
	const dk_minidump_stream *s = dk_minidump_streams(md, &ns);
	l.nstreams = (uint32_t)ns;
	for (size_t i = 0; i < ns; i++) {
		if (s[i].type == DK_MD_MODULE_LIST) l.mod_stream = (uint32_t)i;
		if (s[i].type == DK_MD_THREAD_LIST) l.thread_stream = (uint32_t)i;
		if (s[i].type == DK_MD_MEMORY_LIST) l.mem_stream = (uint32_t)i;
		if (s[i].type == DK_MD_EXCEPTION) l.exc_stream = (uint32_t)i;
	}
	size_t k;
	const dk_minidump_module *m = dk_minidump_modules(md, &k);
	assert_true(k >= 2);
	l.mod0 = m[0].record.offset;
	l.mod1 = m[1].record.offset;
	l.thread0 = dk_minidump_threads(md, &k)[0].record.offset;
	bool is64;
	const dk_minidump_range *r = dk_minidump_memory_ranges(md, &k, &is64);
	assert_true(k >= 2);
	l.range0 = r[0].entry_offset;
	l.range1 = r[1].entry_offset;
	dk_findings f;
	dk_findings_init(&f);
	dk_minidump_check(md, 0, &f, NULL);
	assert_int_equal(dk_findings_verdict(&f), DK_VERDICT_GOOD);
	dk_findings_free(&f);
	dk_minidump_close(md);
	return l;
}

static const char *const bases[] = { "md-breakpad-null_read_av.dmp", "md-invalid-parameter.dmp" };

static void test_truncated(void **state)
{
	(void)state;
	for (size_t b = 0; b < 2; b++) {
		size_t n;
		uint8_t *orig = load(bases[b], &n);
		for (size_t cut = 0; cut < n; cut += b ? 3 : 1) {
			uint8_t *c = malloc(cut ? cut : 1); /* exact size so ASan sees overreads */
			memcpy(c, orig, cut);
			dk_status st;
			dk_findings f = run(c, cut, &st);
			/* the last stream ends near the end of the file; any shorter file
			 * must be called bad */
			if (st == DK_OK && cut < n - 0x200 && dk_findings_verdict(&f) != DK_VERDICT_BAD)
				fail_msg("%s cut at 0x%zx: verdict not bad", bases[b], cut);
			dk_findings_free(&f);
			free(c);
		}
		free(orig);
	}
}

static void test_rvas(void **state)
{
	(void)state;
	size_t n;
	uint8_t *orig = load(bases[0], &n);
	layout l = find_layout(orig, n);
	uint8_t *c = malloc(n);

	memcpy(c, orig, n); /* directory beyond the file */
	put32(c + 12, (uint32_t)n - 8);
	expect(c, n, "md.directory_outside", DK_SEV_ERROR, "StreamDirectoryRva");

	memcpy(c, orig, n); /* a lying stream count */
	put32(c + 8, 5000);
	expect(c, n, "md.directory_outside", DK_SEV_ERROR, NULL);

	memcpy(c, orig, n); /* module list RVA outside */
	put32(c + l.dir + 12 * l.mod_stream + 8, (uint32_t)n + 100);
	expect(c, n, "md.stream_outside", DK_SEV_ERROR, "Stream[");

	memcpy(c, orig, n); /* size running past the end */
	put32(c + l.dir + 12 * l.thread_stream + 4, 0x7FFFFFF0);
	expect(c, n, "md.stream_outside", DK_SEV_ERROR, NULL);

	memcpy(c, orig, n); /* exception stream too short */
	put32(c + l.dir + 12 * l.exc_stream + 4, 0x20);
	expect(c, n, "md.stream_size", DK_SEV_ERROR, NULL);

	memcpy(c, orig, n); /* memory descriptor pointing outside */
	put32(c + l.range0 + 12, (uint32_t)n - 4);
	expect(c, n, "md.memory.outside", DK_SEV_ERROR, "MemoryRange[0]");

	memcpy(c, orig, n); /* overlapping memory with different bytes */
	put64(c + l.range1, 0);
	put64(c + l.range0, 8);
	put32(c + l.range0 + 8, 0x40);
	put32(c + l.range1 + 8, 0x40);
	put32(c + l.range1 + 12, 0x100);
	expect(c, n, "md.memory.overlap", DK_SEV_ERROR, "MemoryRange[");

	memcpy(c, orig, n); /* thread context outside */
	put32(c + l.thread0 + 44, (uint32_t)n - 16);
	expect(c, n, "md.thread.context_outside", DK_SEV_ERROR, "Thread[0]");

	memcpy(c, orig, n); /* context too small for x86 (0xCC without extended registers) */
	put32(c + l.thread0 + 40, 0x80);
	expect(c, n, "md.thread.context_size", DK_SEV_ERROR, "Thread[0]");

	memcpy(c, orig, n); /* no context */
	put32(c + l.thread0 + 40, 0);
	expect(c, n, "md.thread.context_missing", DK_SEV_ERROR, "Thread[0]");

	memcpy(c, orig, n); /* the exception names a thread that is not there */
	dk_minidump *md;
	dk_error e;
	assert_int_equal(dk_minidump_open_memory(orig, n, "o", &md, &e), DK_OK);
	uint64_t exc = dk_minidump_get_exception(md)->record.offset;
	dk_minidump_close(md);
	put32(c + exc, 0xDEAD);
	expect(c, n, "md.exception.thread", DK_SEV_ERROR, "ThreadId");
	free(c);
	free(orig);
}

static void test_module_table(void **state)
{
	(void)state;
	size_t n;
	uint8_t *orig = load(bases[0], &n);
	layout l = find_layout(orig, n);
	uint8_t *c = malloc(n);
	uint32_t modrva = (uint32_t)(l.mod0 - 4);

	memcpy(c, orig, n); /* a count larger than the stream */
	put32(c + modrva, 1000);
	expect(c, n, "md.count", DK_SEV_ERROR, "NumberOfEntries");

	memcpy(c, orig, n); /* a count smaller than the stream: extra bytes */
	put32(c + modrva, 3);
	expect(c, n, "md.count", DK_SEV_WARNING, NULL);

	memcpy(c, orig, n); /* unreadable name */
	put32(c + l.mod1 + 20, 0xFFFFFFF0);
	expect(c, n, "md.module.name", DK_SEV_ERROR, "Module[1].ModuleNameRva");

	memcpy(c, orig, n); /* a name whose length runs past the file */
	{
		dk_minidump *md;
		dk_error e;
		assert_int_equal(dk_minidump_open_memory(orig, n, "o", &md, &e), DK_OK);
		size_t k;
		uint32_t rva = dk_minidump_modules(md, &k)[1].name_rva;
		dk_minidump_close(md);
		put32(c + rva, 0x00FFFFFF);
	}
	expect(c, n, "md.module.name", DK_SEV_ERROR, "Module[1]");

	memcpy(c, orig, n); /* overlapping modules */
	memcpy(c + l.mod1, c + l.mod0, 8);
	expect(c, n, "md.module.overlap", DK_SEV_ERROR, "Module[");

	memcpy(c, orig, n); /* size zero */
	put32(c + l.mod1 + 8, 0);
	expect(c, n, "md.module.size_zero", DK_SEV_ERROR, "Module[1].SizeOfImage");

	memcpy(c, orig, n); /* CodeView outside */
	put32(c + l.mod1 + 80, (uint32_t)n - 2);
	expect(c, n, "md.module.cv", DK_SEV_ERROR, "Module[1].CvRecord");

	memcpy(c, orig, n); /* CodeView too short for RSDS */
	put32(c + l.mod1 + 76, 8);
	expect(c, n, "md.module.cv", DK_SEV_ERROR, "Module[1].CvRecord");
	free(c);
	free(orig);
}

/* Random damage (fixed seed): bytes flipped in the header, directory and
 * stream areas; only "no crash, no leak" is asserted. */
static void test_random(void **state)
{
	(void)state;
	for (size_t b = 0; b < 2; b++) {
		size_t n;
		uint8_t *orig = load(bases[b], &n);
		uint8_t *c = malloc(n);
		uint32_t seed = 12345;
		for (int it = 0; it < 3000; it++) {
			memcpy(c, orig, n);
			int flips = 1 + it % 8;
			for (int k = 0; k < flips; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 8) % (it % 2 ? 0x1000 : n);
				seed = seed * 1103515245u + 12345u;
				c[at] = (uint8_t)(seed >> 16);
			}
			dk_status st;
			dk_findings f = run(c, n, &st);
			dk_findings_free(&f);
		}
		free(c);
		free(orig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rvas),
		cmocka_unit_test(test_module_table),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
