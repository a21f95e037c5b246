/* dmpkit tests — damaged-file sweep.
 *
 * For dkgen dumps of several types: truncate at many points and set each
 * 4-byte word of the headers to 0xFFFFFFFF and to 0, and feed each result
 * to `dmpkit check`, `info`, `info --json` and `diff GOOD DAMAGED`.  The
 * commands run in this process (the CLI's main is linked in as
 * dmpkit_main) so thousands of variants take seconds, also under ASan; a
 * crash or a sanitizer report fails the test.  `check` must exit 1 or 2
 * with a specific message; exit 0 is accepted only when the verdict names
 * warnings, or when the word lies in a field that no reader can validate
 * (Comment, registers, bugcheck parameters, ...).
 * Set DMPKIT_SWEEP_VERBOSE=1 to print every variant before it runs.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dmpkit/dmpkit.h>

#include "testlib.h"

int dmpkit_main(int argc, char **argv);

static bool verbose;
static size_t variants, runs, failures, accepted_free, accepted_warn;
static char out_path[1024], good_path[1024], bad_path[1024];
static int saved_out = -1, saved_err = -1, out_fd = -1, null_fd = -1;

/* Run the CLI with stdout and stderr going to out_path. */
static int run_cli(int argc, const char **argv, char *out, size_t outsize)
{
	fflush(stdout);
	fflush(stderr);
	int fd = out ? out_fd : null_fd;
	if (out && (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)) {
		perror(out_path);
		exit(2);
	}
	dup2(fd, 1);
	dup2(fd, 2);
	int rc = dmpkit_main(argc, (char **)argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	runs++;
	if (out) {
		out[0] = 0;
		ssize_t n = pread(out_fd, out, outsize - 1, 0);
		out[n > 0 ? n : 0] = 0;
	}
	return rc;
}

/* Names of fields that hold values no check can judge. */
static const char *const free_fields[] = {
	"VersionUser", "BugCheckCode", "BugCheckCodePadding", "BugCheckParameter1",
	"BugCheckParameter2", "BugCheckParameter3", "BugCheckParameter4", "Comment",
	"SystemTime", "SystemUpTime", "MiniDumpFields", "SecondaryDataState", "ProductType",
	"SuiteMask", "WriterStatus", "Unused1", "KdSecondaryVersion", "Unused", "BootId",
	"Reserved0", "DumpTypePadding", "PhysicalMemoryBlockPadding",
	"PhysicalMemoryBlock.Padding", "PaeEnabled", "Spare3", "Attributes",
	/* a kernel address stays one when its low word changes */
	"KdDebuggerDataBlock", "PsLoadedModuleList", "PsActiveProcessHead", "PfnDataBase",
	/* registers and exception details are data, not structure */
	"ContextRecord", "Exception",
	/* secondary headers */
	"DumpOptions", "Reserved", "Unknown1", "Unknown2", "ServicePackBuild", "TopOfStack",
	"TriageOptions", "ArchitectureSpecific", "DataPageAddress", "DataPageSize",
	"BrokenDriverOffset",
};

static const dk_field *field_at(const dk_struct_desc *d, uint64_t off)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (off >= d->fields[i].offset && off < (uint64_t)d->fields[i].offset + d->fields[i].size)
			return &d->fields[i];
	return NULL;
}

typedef struct base {
	const char *name, *args;
	uint8_t *data;
	size_t size;
	unsigned bits, type;
	uint32_t header_size;
	const dk_struct_desc *hdesc, *sdesc;
	size_t sdesc_span; /* bytes of the secondary header */
	uint64_t first_page;
	uint32_t nruns;
} base;

/* Why a word may legitimately change without an error, or NULL. */
static const char *free_reason(const base *b, uint64_t off, uint32_t val, char *name, size_t n)
{
	const dk_field *f;
	snprintf(name, n, "?");
	if (off < b->header_size) {
		f = field_at(b->hdesc, off);
		if (!f)
			return "padding between fields";
		snprintf(name, n, "%s", f->name);
		if (strcmp(f->name, "ContextRecord") == 0) {
			uint32_t rel = (uint32_t)(off - f->offset);
			uint32_t flags_at = b->bits == 32 ? 0 : dk_struct_field(b->hdesc, "MachineImageType") &&
			                    b->data[0x30] == 0x64 && b->data[0x31] == 0x86 ? 0x30 : 0;
			if (rel == flags_at && val == 0xFFFFFFFF)
				return NULL; /* names another architecture */
			snprintf(name, n, "ContextRecord+0x%x", rel);
			return "a register value";
		}
		if (strcmp(f->name, "Exception") == 0) {
			uint32_t rel = (uint32_t)(off - f->offset);
			snprintf(name, n, "Exception+0x%x", rel);
			if (rel == (b->bits == 64 ? 0x18u : 0x10u) && val == 0xFFFFFFFF)
				return NULL;
			return "an exception record value";
		}
		if (f->flags & DK_FF_RESERVED)
			return "a reserved field";
		if (strcmp(f->name, "PhysicalMemoryBlock.Run") == 0) {
			uint64_t idx = (off - f->offset) / (b->bits == 64 ? 16 : 8);
			if (idx >= b->nruns)
				return "a run entry past NumberOfRuns";
			if (b->type != DK_DUMP_FULL && (off - f->offset) % (b->bits == 64 ? 16 : 8) <
			    (b->bits == 64 ? 8u : 4u))
				return "a base of a run list only full dumps use, still ordered";
			return NULL;
		}
		if (strcmp(f->name, "RequiredDumpSpace") == 0 &&
		    (b->type == DK_DUMP_TRIAGE || b->type == DK_DUMP_HEADER))
			return "RequiredDumpSpace of a dump without page data";
		for (size_t i = 0; i < sizeof free_fields / sizeof free_fields[0]; i++)
			if (strcmp(f->name, free_fields[i]) == 0)
				return "a field no reader can validate";
		return NULL;
	}
	if (off >= b->first_page && b->first_page)
		return "page data";
	if (!b->sdesc)
		return "bytes after the header";
	uint64_t rel = off - b->header_size;
	f = field_at(b->sdesc, rel);
	if (f) {
		snprintf(name, n, "%s.%s", b->sdesc->name, f->name);
		for (size_t i = 0; i < sizeof free_fields / sizeof free_fields[0]; i++)
			if (strcmp(f->name, free_fields[i]) == 0)
				return "a field no reader can validate";
		/* a triage part that is absent (offset 0) is legal */
		if (b->type == DK_DUMP_TRIAGE && val == 0 && strstr(f->name, "Offset") &&
		    strcmp(f->name, "ValidOffset") != 0)
			return "a triage part marked absent";
		if (b->type == DK_DUMP_TRIAGE && val == 0 &&
		    (strcmp(f->name, "DriverCount") == 0 || strcmp(f->name, "DataBlocksCount") == 0 ||
		     strcmp(f->name, "SizeOfCallStack") == 0 || strcmp(f->name, "DebuggerDataSize") == 0 ||
		     strcmp(f->name, "SizeOfDump") == 0))
			return "an empty triage part";
		return NULL;
	}
	snprintf(name, n, "secondary+0x%" PRIx64, rel);
	if (b->type == DK_DUMP_TRIAGE)
		return "triage part contents";
	if (rel >= b->sdesc_span)
		return "padding before the page data";
	if (b->type >= DK_DUMP_RDMP_KERNEL && rel >= 0x30 && (rel - 0x30) % 16 < 8)
		return "an RDMP range base that stays ordered";
	return NULL;
}

static void variant(const base *b, const char *what, uint64_t off, uint32_t val, bool is_flip)
{
	char out[8192], name[96];
	variants++;
	if (verbose)
		fprintf(stderr, "%s: %s\n", b->name, what);
	const char *chk[] = { "dmpkit", "check", bad_path };
	int rc = run_cli(3, chk, out, sizeof out);
	bool ok = true;
	if (rc == 1 || rc == 2) {
		/* a specific message: a finding with its id, or an error line */
		if (strlen(out) < 20 || (!strstr(out, "error") && !strstr(out, "dmpkit check:")))
			ok = false;
	} else if (rc == 0 && is_flip) {
		if (strstr(out, "good with warnings"))
			accepted_warn++;
		else if (free_reason(b, off, val, name, sizeof name))
			accepted_free++;
		else
			ok = false;
	} else {
		ok = false;
	}
	if (!ok) {
		failures++;
		if (is_flip)
			(void)free_reason(b, off, val, name, sizeof name);
		else
			snprintf(name, sizeof name, "-");
		fprintf(stderr, "FAIL %s: %s (field %s): check exited %d:\n%.600s\n", b->name, what,
		        name, rc, out);
	}
	const char *info[] = { "dmpkit", "info", bad_path };
	const char *infoj[] = { "dmpkit", "info", "--json", bad_path };
	const char *dif[] = { "dmpkit", "diff", good_path, bad_path };
	int r1 = run_cli(3, info, NULL, 0);
	int r2 = run_cli(4, infoj, NULL, 0);
	int r3 = run_cli(4, dif, NULL, 0);
	if (r1 < 0 || r1 > 2 || r2 < 0 || r2 > 2 || r3 < 0 || r3 > 2) {
		failures++;
		fprintf(stderr, "FAIL %s: %s: info %d, info --json %d, diff %d\n", b->name, what, r1,
		        r2, r3);
	}
}

static void write_bad(const uint8_t *d, size_t n)
{
	if (!tl_write_file(bad_path, d, n)) {
		perror(bad_path);
		exit(2);
	}
}

static void sweep(base *b)
{
	char args[256];
	static tl_layout lay;
	snprintf(args, sizeof args, "%s --dtb 0x101000", b->args);
	const char *p = tl_gen(b->name, args, &lay);
	if (!p) {
		failures++;
		return;
	}
	snprintf(good_path, sizeof good_path, "%s", p);
	b->data = tl_read_file(p, &b->size);
	dk_kdump *d;
	dk_error e;
	if (!b->data || dk_kdump_open(p, &d, &e) != DK_OK) {
		fprintf(stderr, "FAIL cannot open %s\n", p);
		failures++;
		return;
	}
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	b->bits = s->bits;
	b->type = s->dump_type;
	b->header_size = s->header_size;
	b->hdesc = dk_kdump_header_desc(d);
	b->first_page = s->storage != DK_STORAGE_NONE ? s->first_page_offset : 0;
	b->nruns = (uint32_t)dk_kdump_get_runs(d)->count;
	size_t sa;
	b->sdesc = NULL;
	if (!dk_kdump_secondary_bytes(d, &sa, &b->sdesc))
		b->sdesc = NULL;
	b->sdesc_span = b->sdesc ? b->sdesc->size : 0;
	if (s->storage == DK_STORAGE_BITMAP) /* the bitmap follows its header */
		b->sdesc_span = 0x38 + (size_t)((dk_kdump_get_bitmap(d)->bits + 7) / 8);
	if (s->storage == DK_STORAGE_RANGES)
		b->sdesc_span = 0x30 + 16 * dk_kdump_get_rdmp(d)->count;
	dk_kdump_close(d);
	const char *chk[] = { "dmpkit", "check", good_path };
	char out[4096];
	if (run_cli(3, chk, out, sizeof out) != 0) {
		fprintf(stderr, "FAIL the undamaged %s is not good:\n%s\n", b->name, out);
		failures++;
	}

	char what[96];
	/* truncations: every 512 bytes through the headers, then inside the
	 * page data (or the triage parts) */
	uint64_t hdr_end = b->header_size + 0x1000;
	for (uint64_t n = 0; n < b->size && n <= hdr_end; n += 512) {
		write_bad(b->data, (size_t)n);
		snprintf(what, sizeof what, "truncated to 0x%" PRIx64, n);
		variant(b, what, 0, 0, false);
	}
	uint64_t pts[] = { hdr_end + 1, b->size / 3, b->size / 2 + 7, b->size - 4096 - 1,
	                   b->size - 4096, b->size - 1 };
	for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
		if (pts[i] <= hdr_end || pts[i] >= b->size)
			continue;
		write_bad(b->data, (size_t)pts[i]);
		snprintf(what, sizeof what, "truncated to 0x%" PRIx64, pts[i]);
		variant(b, what, 0, 0, false);
	}
	/* word flips: the good file once, then patch and restore in place */
	write_bad(b->data, b->size);
	int fd = open(bad_path, O_WRONLY);
	if (fd < 0) {
		perror(bad_path);
		exit(2);
	}
	uint64_t span = b->bits == 64 ? 0x2100 : 0x1100;
	for (uint64_t off = 0; off + 4 <= span && off + 4 <= b->size; off += 4) {
		static const uint32_t vals[2] = { 0xFFFFFFFFu, 0 };
		for (int k = 0; k < 2; k++) {
			uint8_t w[4];
			for (int i = 0; i < 4; i++)
				w[i] = (uint8_t)(vals[k] >> (8 * i));
			if (memcmp(w, b->data + off, 4) == 0)
				continue; /* no change */
			if (pwrite(fd, w, 4, (off_t)off) != 4)
				exit(2);
			snprintf(what, sizeof what, "word at 0x%" PRIx64 " set to 0x%08x", off, vals[k]);
			variant(b, what, off, vals[k], true);
			if (pwrite(fd, b->data + off, 4, (off_t)off) != 4)
				exit(2);
		}
	}
	close(fd);
	free(b->data);
}

static void special(const char *what, const void *data, size_t n)
{
	static base none = { "special", "", NULL, 0, 64, 0, 0x2000, NULL, NULL, 0, 0, 0 };
	write_bad(data, n);
	variant(&none, what, 0, 0, false);
}

int main(void)
{
	verbose = getenv("DMPKIT_SWEEP_VERBOSE") != NULL;
	saved_out = dup(1);
	saved_err = dup(2);
	snprintf(out_path, sizeof out_path, "%s", tl_path("sweep-output.txt"));
	out_fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	null_fd = open("/dev/null", O_WRONLY);
	if (out_fd < 0 || null_fd < 0) {
		perror("sweep");
		return 2;
	}
	snprintf(bad_path, sizeof bad_path, "%s", tl_path("damaged.dmp"));
	static base bases[] = {
		{ "sw_full_x64.dmp", "--type 1", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
		{ "sw_full_x86.dmp", "--type 1 --arch x86", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
		{ "sw_bitmap_x64.dmp", "--type 5", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
		{ "sw_bitmap_x86.dmp", "--type 2 --arch x86", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
		{ "sw_triage_x64.dmp", "--type 4", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
		{ "sw_triage_arm64.dmp", "--type 4 --arch arm64", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
		{ "sw_triage_x86.dmp", "--type 4 --arch x86", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
		{ "sw_rdmp_x64.dmp", "--type 10", NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		sweep(&bases[i]);
	/* not dumps at all (diff against the last good dump) */
	special("an empty file", "", 0);
	special("a file of 7 bytes", "PAGEDU6", 7);
	special("a minidump", "MDMP\x93\xa7\0\0\3\0\0\0\x20\0\0\0", 16);
	special("an ELF header", "\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\4\0\x3e\0\1\0\0\0", 24);
	printf("sweep: %zu variants, %zu command runs, %zu accepted as free fields, %zu as "
	       "warnings, %zu failures\n",
	       variants, runs, accepted_free, accepted_warn, failures);
	return failures ? 1 : 0;
}
