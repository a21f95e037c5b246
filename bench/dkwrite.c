/* dkwrite — a tiny driver of the dump writer alone: dk_image_open on
 * IMAGE, then dk_dump_write to OUTPUT.  It isolates the writer's speed
 * from the rest of `dmpkit convert` (header building, KDBG search) and
 * serves as a smoke test.
 *
 *   dkwrite IMAGE OUTPUT [--format auto|runs|bitmap|raw] [--bits 32|64]
 *           [--image-format FMT] [--force] [--no-sparse] [--no-copy-range]
 *
 * The header is the source's own when IMAGE is a Windows dump, else a
 * minimal one: the "PAGE" fill with the signature, MajorVersion 0xF and
 * MachineImageType set (no kernel facts: good for timing, not for WinDbg).
 * --builtin-raw reads IMAGE as a raw image (file offset == physical
 * address, one run) through a source defined here, with `locate`, for
 * when the library's raw reader is not available.
 * Prints the result counters and peak RSS.
 * SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmpkit/dumpwriter.h>
#include <dmpkit/image.h>

/* ---- a raw file as a physical memory source ---- */
typedef struct rawsrc {
	int fd;
	uint64_t pages;
} rawsrc;

static bool raw_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	const rawsrc *r = ctx;
	if (pfn >= r->pages)
		return false;
	out->base_pfn = pfn;
	out->count = r->pages - pfn;
	return true;
}

static dk_status raw_read(void *ctx, uint64_t pfn, uint64_t count, void *buf, dk_error *err)
{
	const rawsrc *r = ctx;
	size_t len = (size_t)count * 4096;
	if (pread(r->fd, buf, len, (off_t)(pfn * 4096)) != (ssize_t)len) {
		snprintf(err->message, sizeof err->message, "read error at page 0x%llx",
		         (unsigned long long)pfn);
		err->status = DK_E_IO;
		return DK_E_IO;
	}
	return DK_OK;
}

static bool raw_locate(void *ctx, uint64_t pfn, int *fd, uint64_t *off, uint64_t *contig)
{
	const rawsrc *r = ctx;
	if (pfn >= r->pages)
		return false;
	*fd = r->fd;
	*off = pfn * 4096;
	*contig = r->pages - pfn;
	return true;
}

static const dk_physmem_ops raw_ops = { raw_next_run, raw_read, raw_locate, NULL, NULL };

static void put32(unsigned char *p, unsigned v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *fmt = "auto", *ifmt = NULL;
	int bits = 64;
	bool builtin = false;
	dk_dump_write_options o = { 0 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc)
			fmt = argv[++i];
		else if (!strcmp(argv[i], "--bits") && i + 1 < argc)
			bits = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--image-format") && i + 1 < argc)
			ifmt = argv[++i];
		else if (!strcmp(argv[i], "--builtin-raw"))
			builtin = true;
		else if (!strcmp(argv[i], "--force"))
			o.force = true;
		else if (!strcmp(argv[i], "--no-sparse"))
			o.no_sparse = true;
		else if (!strcmp(argv[i], "--no-copy-range"))
			o.no_copy_range = true;
		else if (!in)
			in = argv[i];
		else if (!out)
			out = argv[i];
		else {
			fprintf(stderr, "dkwrite: unexpected '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!in || !out || (bits != 32 && bits != 64)) {
		fprintf(stderr, "usage: dkwrite IMAGE OUTPUT [--format auto|runs|bitmap|raw] "
		                "[--bits 32|64] [--image-format FMT] [--force] [--no-sparse] "
		                "[--no-copy-range]\n");
		return 2;
	}
	o.format = !strcmp(fmt, "runs")     ? DK_OUT_RUNS
	           : !strcmp(fmt, "bitmap") ? DK_OUT_BITMAP
	           : !strcmp(fmt, "raw")    ? DK_OUT_RAW
	                                    : DK_OUT_AUTO;
	dk_image_options io = { 0 };
	io.format = ifmt;
	dk_image *img = NULL;
	dk_error e;
	rawsrc rs = { -1, 0 };
	dk_physmem rpm = { 0 };
	const dk_physmem *pm;
	if (builtin) {
		struct stat st;
		rs.fd = open(in, O_RDONLY);
		if (rs.fd < 0 || fstat(rs.fd, &st) != 0) {
			perror(in);
			return 2;
		}
		rs.pages = (uint64_t)st.st_size / 4096;
		rpm = (dk_physmem){ 4096, rs.pages, rs.pages, &raw_ops, &rs };
		pm = &rpm;
	} else {
		if (dk_image_open(in, &io, &img, &e) != DK_OK) {
			fprintf(stderr, "dkwrite: %s\n", e.message);
			return 2;
		}
		pm = dk_image_physmem(img);
	}
	size_t hlen = bits == 64 ? 0x2000 : 0x1000;
	unsigned char *hdr = malloc(hlen);
	if (!hdr)
		return 2;
	FILE *f = NULL;
	if (img && !strcmp(dk_image_format(img), "windows-dump") && (f = fopen(in, "rb")) != NULL &&
	    fread(hdr, 1, hlen, f) == hlen &&
	    !memcmp(hdr, bits == 64 ? "PAGEDU64" : "PAGEDUMP", 8)) {
		/* the source's own header */
	} else {
		for (size_t i = 0; i < hlen; i++)
			hdr[i] = (unsigned char)"PAGE"[i % 4];
		memcpy(hdr + 4, bits == 64 ? "DU64" : "DUMP", 4);
		put32(hdr + 8, 0xF);
		put32(hdr + (bits == 64 ? 0x30 : 0x20), bits == 64 ? 0x8664 : 0x14C);
	}
	if (f)
		fclose(f);
	dk_dump_write_result r;
	dk_status st = dk_dump_write(pm, hdr, hlen, out, &o, &r, &e);
	free(hdr);
	if (img)
		dk_image_close(img);
	if (rs.fd >= 0)
		close(rs.fd);
	if (st != DK_OK) {
		fprintf(stderr, "dkwrite: %s\n", e.message);
		return 1;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("format %d pages %llu zero %llu copied %llu runs %u size %llu maxrss_kib %ld\n",
	       (int)r.format, (unsigned long long)r.pages, (unsigned long long)r.zero_pages,
	       (unsigned long long)r.copied_pages, r.runs, (unsigned long long)r.file_size,
	       ru.ru_maxrss);
	return 0;
}
