/* dmpkit — writing physical memory out: Windows full dumps (DumpType 1,
 * PhysicalMemoryBlock runs), full bitmap dumps (DumpType 5, "FDMP") and
 * raw images.
 *
 * Layout facts (see /work/shared/docs/kernel-dump-format.md §1-§2):
 *  - DUMP_HEADER64 is 0x2000 bytes; PHYSICAL_MEMORY_DESCRIPTOR64 at 0x88:
 *    NumberOfRuns u32, pad u32, NumberOfPages u64, Run[] {u64 BasePage,
 *    u64 PageCount} from 0x98.  The SDK's Buffer is 700 bytes (0x88..0x344),
 *    so 42 whole runs fit ((700 - 16) / 16; qemu contrib/elf2dmp/main.c caps
 *    at 42 too; rizin librz/bin/format/dmp/dmp64.c rejects runs reaching
 *    0x348).  DumpType u32 at 0xF98, RequiredDumpSpace u64 at 0xFA0.
 *  - DUMP_HEADER32 is 0x1000 bytes; PHYSICAL_MEMORY_DESCRIPTOR32 at 0x64:
 *    NumberOfRuns u32, NumberOfPages u32, Run[] {u32, u32} from 0x6C;
 *    Buffer 0x64..0x320 holds (700 - 8) / 8 = 86 runs.  DumpType at 0xF88,
 *    RequiredDumpSpace u64 at 0xFA0.
 *  - DumpType 1: the pages of every run back to back in run order from the
 *    end of the header (volatility3 volatility3/framework/layers/crash.py
 *    _load_segments, kdmp-parser src/lib/kdmp-parser.h BuildPhysmemFullDump).
 *  - DumpType 5: at the end of the header the _SUMMARY_DUMP ("FDMP",
 *    ValidDump "DUMP"); HeaderSize u64 @0x20 = file offset of the first
 *    page, Pages u64 @0x28 = set bits, BitmapSize u64 @0x30 = bits, bitmap
 *    @0x38 (bit i of byte j = PFN 8j+i); pages of the set bits follow in
 *    PFN order from HeaderSize (volatility3 layers/crash.py, which reads the
 *    summary header at 0x1000 * headerpages for both 32- and 64-bit dumps;
 *    kdmp-parser BuildPhysmemBMPDump; our lib/kdump_bitmap.c).
 *
 * Choices (documented in the header comments below):
 *  - The unused Run[] slots after the last run, up to the end of the SDK's
 *    700-byte Buffer, are zeroed (qemu's patch_header also zeroes the
 *    64-bit descriptor's padding at 0x8C; we do the same).
 *  - Bitmap dumps carry the run list in PhysicalMemoryBlock when it fits
 *    (Windows writes MmPhysicalMemoryBlock there); when it does not fit the
 *    whole descriptor is left as the "PAGE" fill, which is what
 *    kernel-written Windows 8+ bitmap dumps hold (Rekall's crashdump
 *    overlay notes it; our checker treats PAGE there as "not set").
 *  - HeaderSize is rounded up to 4096 so pages stay page-aligned; the
 *    bitmap is padded with zero bytes to a multiple of 8 (readers that load
 *    it as u32/u64 words stay inside it).
 *  - RequiredDumpSpace = the final file size in bytes.
 * SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <dmpkit/dumpwriter.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define WR_PAGE 4096u
#define WR_BUF_BYTES (1u << 20)         /* pread batch */
#define WR_COPY_CHUNK (16ull << 20)     /* bytes per copy_file_range call */
#define WR_PROGRESS_STEP (64ull << 20)  /* bytes of page data between reports */
#define WR_MIN_COPY 16u                 /* pages worth a copy_file_range */
#define WR_KICK_STEP (32ull << 20)      /* bytes between writeback starts */
#define WR_BITMAP_CHUNK 65536u          /* bitmap bytes built at a time */

#define SIG_FDMP DK_TAG('F', 'D', 'M', 'P')
#define SIG_DUMP DK_TAG('D', 'U', 'M', 'P')

/* ---- the run plan ---- */

static int run_cmp(const void *a, const void *b)
{
	const dk_run *x = a, *y = b;
	return x->base_pfn < y->base_pfn ? -1 : x->base_pfn > y->base_pfn;
}

static bool push_run(dk_run **v, size_t *n, size_t *cap, uint64_t base, uint64_t count)
{
	if (count == 0)
		return true;
	if (*n && (*v)[*n - 1].base_pfn + (*v)[*n - 1].count == base) {
		(*v)[*n - 1].count += count;
		return true;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		if (nc > SIZE_MAX / sizeof **v)
			return false;
		dk_run *nv = realloc(*v, nc * sizeof **v);
		if (!nv)
			return false;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = (dk_run){ base, count };
	return true;
}

dk_status dk_dump_plan_runs(const dk_physmem *pm, const dk_run *exclude, size_t nexclude,
                            dk_run **out, size_t *count, dk_error *err)
{
	*out = NULL;
	*count = 0;
	if (!pm || !pm->ops || !pm->ops->next_run || (nexclude && !exclude)) {
		dk_set_error(err, DK_E_ARG, "dk_dump_plan_runs: no source or no exclude list");
		return DK_E_ARG;
	}
	/* exclusions sorted and merged, empty ones dropped */
	dk_run *ex = NULL;
	size_t nex = 0;
	if (nexclude) {
		ex = malloc(nexclude * sizeof *ex);
		if (!ex)
			goto nomem;
		for (size_t i = 0; i < nexclude; i++)
			if (exclude[i].count)
				ex[nex++] = exclude[i];
		qsort(ex, nex, sizeof *ex, run_cmp);
		size_t m = 0;
		for (size_t i = 0; i < nex; i++) {
			uint64_t end = ex[i].base_pfn + ex[i].count;
			if (end < ex[i].base_pfn)
				end = UINT64_MAX; /* to the top of the PFN space */
			if (m && ex[m - 1].base_pfn + ex[m - 1].count >= ex[i].base_pfn) {
				uint64_t pend = ex[m - 1].base_pfn + ex[m - 1].count;
				if (end > pend)
					ex[m - 1].count = end - ex[m - 1].base_pfn;
			} else {
				ex[m++] = (dk_run){ ex[i].base_pfn, end - ex[i].base_pfn };
			}
		}
		nex = m;
	}

	dk_run *v = NULL;
	size_t n = 0, cap = 0, xi = 0;
	uint64_t pfn = 0;
	dk_run r;
	while (pm->ops->next_run(pm->ctx, pfn, &r)) {
		if (r.count == 0 || r.base_pfn < pfn)
			break; /* a source that does not advance: stop rather than loop */
		uint64_t end = r.base_pfn + r.count;
		if (end < r.base_pfn)
			end = UINT64_MAX;
		uint64_t cur = r.base_pfn;
		while (cur < end) {
			while (xi < nex && ex[xi].base_pfn + ex[xi].count <= cur)
				xi++;
			if (xi < nex && ex[xi].base_pfn <= cur) {
				cur = ex[xi].base_pfn + ex[xi].count; /* skip the excluded part */
				continue;
			}
			uint64_t stop = end;
			if (xi < nex && ex[xi].base_pfn < stop)
				stop = ex[xi].base_pfn;
			if (!push_run(&v, &n, &cap, cur, stop - cur)) {
				free(v);
				goto nomem;
			}
			cur = stop;
		}
		if (end == UINT64_MAX)
			break;
		pfn = end;
	}
	free(ex);
	*out = v;
	*count = n;
	return DK_OK;
nomem:
	free(ex);
	dk_set_error(err, DK_E_NOMEM, "out of memory planning the output's runs");
	return DK_E_NOMEM;
}

/* ---- output file handling ---- */

typedef struct writer {
	const dk_physmem *pm;
	const dk_dump_write_options *o;
	dk_dump_write_result *res;
	const char *output;
	int fd;
	char *tmp;            /* temp file path, NULL once renamed */
	uint8_t *buf;         /* WR_BUF_BYTES */
	uint64_t total_bytes; /* page data to do */
	uint64_t done_bytes;
	uint64_t next_report;
	uint64_t next_kick;   /* next sync_file_range */
	bool copy_ok;         /* copy_file_range still worth trying */
	/* SEEK_DATA/SEEK_HOLE cache for the source fd */
	int hole_fd;
	uint64_t data_lo, data_hi; /* [lo,hi) known data, or hole when lo==hi==hole_end */
	uint64_t hole_lo, hole_hi;
} writer;

static dk_status sys_error(dk_error *err, const char *what, const char *path)
{
	dk_set_error(err, DK_E_IO, "%s: %s: %s", path, what, strerror(errno));
	return DK_E_IO;
}

static dk_status report(writer *w, dk_error *err)
{
	if (w->done_bytes >= w->next_kick) {
		/* start writeback of what is written so far, so that the final
		 * fsync does not wait for the whole file and dirty pages stay
		 * bounded (does not wait; errors surface at fsync) */
		w->next_kick = w->done_bytes + WR_KICK_STEP;
		(void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	}
	if (!w->o->progress)
		return DK_OK;
	if (w->done_bytes < w->next_report && w->done_bytes != w->total_bytes)
		return DK_OK;
	w->next_report = w->done_bytes + WR_PROGRESS_STEP;
	if (!w->o->progress(w->o->progress_arg, w->done_bytes, w->total_bytes)) {
		dk_set_error(err, DK_E_IO, "interrupted");
		return DK_E_IO;
	}
	return DK_OK;
}

static dk_status pwrite_all(writer *w, const void *p, size_t len, uint64_t off, dk_error *err)
{
	const uint8_t *b = p;
	while (len) {
		ssize_t k = pwrite(w->fd, b, len, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			dk_set_error(err, DK_E_IO, "%s: writing 0x%zx bytes at offset 0x%" PRIx64 ": %s",
			             w->tmp, len, off, strerror(errno));
			return DK_E_IO;
		}
		b += k;
		len -= (size_t)k;
		off += (uint64_t)k;
	}
	return DK_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	static const uint8_t zero[256];
	while (n >= sizeof zero) {
		if (memcmp(p, zero, sizeof zero) != 0)
			return false;
		p += sizeof zero;
		n -= sizeof zero;
	}
	return memcmp(p, zero, n) == 0;
}

/* Writes `count` pages read from the source in `buf` to `dst`, leaving
 * all-zero pages as holes unless no_sparse. */
static dk_status write_pages_buf(writer *w, const uint8_t *buf, uint64_t count, uint64_t dst,
                                 uint64_t *zero_pages, dk_error *err)
{
	uint32_t ps = w->pm->page_size;
	uint64_t i = 0;
	while (i < count) {
		if (!w->o->no_sparse && all_zero(buf + i * ps, ps)) {
			(*zero_pages)++;
			i++;
			continue;
		}
		uint64_t j = i + 1;
		while (j < count && (w->o->no_sparse || !all_zero(buf + j * ps, ps)))
			j++;
		dk_status st = pwrite_all(w, buf + i * ps, (size_t)((j - i) * ps), dst + i * ps, err);
		if (st != DK_OK)
			return st;
		i = j;
	}
	return DK_OK;
}

/* Where the source fd has data at or after `off` (cp's SEEK_DATA use):
 * sets *data_end to the end of that data extent.  Returns false when the
 * rest of the file from `off` is a hole (or past EOF). */
static bool next_data(writer *w, int fd, uint64_t off, uint64_t *data_start, uint64_t *data_end)
{
	if (w->hole_fd == fd && off >= w->data_lo && off < w->data_hi) {
		*data_start = off;
		*data_end = w->data_hi;
		return true;
	}
	off_t d = lseek(fd, (off_t)off, SEEK_DATA);
	if (d < 0) {
		if (errno == ENXIO)
			return false;
		/* no SEEK_DATA support: all data */
		*data_start = off;
		*data_end = UINT64_MAX;
		return true;
	}
	off_t h = lseek(fd, d, SEEK_HOLE);
	uint64_t he = h < 0 ? UINT64_MAX : (uint64_t)h;
	w->hole_fd = fd;
	w->data_lo = (uint64_t)d;
	w->data_hi = he;
	*data_start = (uint64_t)d;
	*data_end = he;
	return true;
}

/* Moves `count` pages at source offset `src` to `dst` with
 * copy_file_range, skipping whole pages that lie in holes of the source.
 * *fallback is set (and nothing more is done) when the kernel refuses;
 * *read_instead when the stretch runs past the source's end (the read
 * path then reports it).  *moved = pages dealt with (copied or holes). */
static dk_status copy_pages(writer *w, int sfd, uint64_t src, uint64_t count, uint64_t dst,
                            bool *fallback, bool *read_instead, uint64_t *moved, dk_error *err)
{
	uint32_t ps = w->pm->page_size;
	uint64_t done = 0; /* pages */
	*moved = 0;
	while (done < count) {
		uint64_t s = src + done * ps, ds, de;
		uint64_t n; /* pages in this piece */
		if (w->o->no_sparse) {
			ds = s;
			de = UINT64_MAX;
		} else if (!next_data(w, sfd, s, &ds, &de)) {
			ds = UINT64_MAX;
		}
		if (ds == UINT64_MAX) {
			/* no data from s on: a hole to the end, or s is past the end
			 * (then the read path reports the truncation) */
			struct stat st_src;
			if (fstat(sfd, &st_src) != 0 ||
			    (uint64_t)st_src.st_size < s + (count - done) * ps) {
				*read_instead = done == 0;
				*moved = done;
				return DK_OK;
			}
		}
		if (ds > s) {
			/* pages fully inside a hole: leave them as holes */
			uint64_t hole_pages = ds == UINT64_MAX ? count - done : (ds - s) / ps;
			if (hole_pages > count - done)
				hole_pages = count - done;
			if (hole_pages) {
				w->res->zero_pages += hole_pages;
				done += hole_pages;
				w->done_bytes += hole_pages * ps;
				dk_status st = report(w, err);
				if (st != DK_OK)
					return st;
				continue;
			}
		}
		/* data from s (or a page straddling a hole start) to de, rounded
		 * up to whole pages */
		uint64_t span = de == UINT64_MAX ? UINT64_MAX : de - s;
		n = span == UINT64_MAX ? count - done : (span + ps - 1) / ps;
		if (n == 0)
			n = 1;
		if (n > count - done)
			n = count - done;
		if (n * ps > WR_COPY_CHUNK)
			n = WR_COPY_CHUNK / ps;
		uint64_t left = n * ps;
		loff_t in = (loff_t)s, outo = (loff_t)(dst + done * ps);
		while (left) {
			ssize_t k = copy_file_range(sfd, &in, w->fd, &outo, (size_t)left, 0);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				if ((errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
				     errno == EOPNOTSUPP || errno == EBADF || errno == ETXTBSY) &&
				    left == n * ps) {
					*fallback = true;
					*moved = done;
					return DK_OK;
				}
				dk_set_error(err, DK_E_IO,
				             "%s: copy_file_range of 0x%" PRIx64 " bytes to offset 0x%llx: %s",
				             w->tmp, left, (unsigned long long)outo, strerror(errno));
				return DK_E_IO;
			}
			if (k == 0) {
				dk_set_error(err, DK_E_TRUNCATED,
				             "source file ends at offset 0x%llx, before the page data it "
				             "should hold",
				             (unsigned long long)in);
				return DK_E_TRUNCATED;
			}
			left -= (uint64_t)k;
		}
		done += n;
		w->res->copied_pages += n;
		w->done_bytes += n * ps;
		dk_status st = report(w, err);
		if (st != DK_OK)
			return st;
	}
	*moved = done;
	return DK_OK;
}

/* ---- two cursors for sources that must be read (decompressed) ----
 * A source with a clone op (kdump-compressed) is read by two threads at
 * once: the batches of a run alternate between them, each reading into its
 * own buffer with its own cursor and writing with pwrite at the batch's
 * place.  The calling thread reports progress; an error or an abort stops
 * both. */

typedef struct par_half {
	writer *w;
	void *ctx;              /* cursor */
	uint8_t *buf;
	uint64_t pfn0, count, dst0, batch;
	unsigned parity;        /* batches k with k % 2 == parity */
	uint64_t zero_pages;
	_Atomic uint64_t done;  /* bytes of page data finished */
	_Atomic bool *stop;
	struct par_half *other; /* set on the calling thread's half: it reports */
	uint64_t base;          /* done_bytes before the run (reporting half) */
	dk_status st;
	dk_error err;
} par_half;

static void par_work(par_half *h)
{
	writer *w = h->w;
	uint32_t ps = w->pm->page_size;
	uint64_t nb = (h->count + h->batch - 1) / h->batch;
	for (uint64_t k = h->parity; k < nb; k += 2) {
		if (atomic_load(h->stop))
			return;
		uint64_t first = k * h->batch;
		uint64_t n = h->count - first < h->batch ? h->count - first : h->batch;
		h->st = w->pm->ops->read_pages(h->ctx, h->pfn0 + first, n, h->buf, &h->err);
		if (h->st == DK_OK)
			h->st = write_pages_buf(w, h->buf, n, h->dst0 + first * ps, &h->zero_pages,
			                        &h->err);
		if (h->st == DK_OK)
			atomic_fetch_add(&h->done, n * ps);
		if (h->st == DK_OK && h->other) {
			w->done_bytes = h->base + atomic_load(&h->done) + atomic_load(&h->other->done);
			h->st = report(w, &h->err); /* progress, and the caller's abort */
		}
		if (h->st != DK_OK) {
			atomic_store(h->stop, true);
			return;
		}
	}
}

static void *par_thread(void *arg)
{
	par_work(arg);
	return NULL;
}

/* Returns false (nothing done) when the second thread cannot be had. */
static bool write_run_parallel(writer *w, uint64_t pfn, uint64_t count, uint64_t dst,
                               dk_status *st, dk_error *err)
{
	uint32_t ps = w->pm->page_size;
	uint64_t batch = WR_BUF_BYTES / ps ? WR_BUF_BYTES / ps : 1;
	void *c2 = w->pm->ops->clone(w->pm->ctx);
	if (!c2)
		return false;
	uint8_t *buf2 = malloc(WR_BUF_BYTES < ps ? ps : WR_BUF_BYTES);
	_Atomic bool stop = false;
	par_half a = { .w = w, .ctx = w->pm->ctx, .buf = w->buf, .pfn0 = pfn, .count = count,
		       .dst0 = dst, .batch = batch, .parity = 0, .stop = &stop, .st = DK_OK };
	par_half b = a;
	b.ctx = c2;
	b.buf = buf2;
	b.parity = 1;
	a.other = &b;
	a.base = w->done_bytes;
	atomic_init(&a.done, 0);
	atomic_init(&b.done, 0);
	pthread_t t;
	if (!buf2 || pthread_create(&t, NULL, par_thread, &b) != 0) {
		free(buf2);
		w->pm->ops->clone_free(c2);
		return false;
	}
	par_work(&a); /* this thread: the even batches, and the progress */
	pthread_join(t, NULL);
	w->done_bytes = a.base + atomic_load(&a.done) + atomic_load(&b.done);
	w->res->zero_pages += a.zero_pages + b.zero_pages;
	free(buf2);
	w->pm->ops->clone_free(c2);
	if (a.st != DK_OK) {
		*st = a.st;
		*err = a.err;
	} else if (b.st != DK_OK) {
		*st = b.st;
		*err = b.err;
	} else {
		*st = report(w, err);
	}
	return true;
}

/* Writes the run [pfn, pfn+count) of the source to `dst`. */
static dk_status write_run(writer *w, uint64_t pfn, uint64_t count, uint64_t dst, dk_error *err)
{
	int lfd;
	uint64_t loff, lcontig;
	if (w->pm->ops->clone && w->pm->ops->clone_free &&
	    count >= 4 * (WR_BUF_BYTES / w->pm->page_size) &&
	    !(w->pm->ops->locate && w->pm->ops->locate(w->pm->ctx, pfn, &lfd, &loff, &lcontig))) {
		dk_status st;
		if (write_run_parallel(w, pfn, count, dst, &st, err))
			return st;
	}
	uint32_t ps = w->pm->page_size;
	uint64_t batch_pages = WR_BUF_BYTES / ps;
	if (batch_pages == 0)
		batch_pages = 1;
	while (count) {
		if (w->copy_ok && w->pm->ops->locate) {
			int sfd = -1;
			uint64_t soff = 0, contig = 0;
			/* A source that locates only a few pages at a time (a bitmap
			 * dump says 1) is cheaper to read: copy_file_range pays off
			 * for stretches of WR_MIN_COPY pages or more. */
			if (w->pm->ops->locate(w->pm->ctx, pfn, &sfd, &soff, &contig) && sfd >= 0 &&
			    (contig >= WR_MIN_COPY || contig >= count)) {
				/* extend while the next extents continue in the same file */
				while (contig < count && contig < (1ull << 20)) {
					int f2;
					uint64_t o2, c2;
					if (!w->pm->ops->locate(w->pm->ctx, pfn + contig, &f2, &o2, &c2) ||
					    f2 != sfd || o2 != soff + contig * ps || c2 < WR_MIN_COPY)
						break;
					contig += c2;
				}
				if (contig > count)
					contig = count;
				bool fallback = false, read_instead = false;
				uint64_t moved = 0;
				dk_status st = copy_pages(w, sfd, soff, contig, dst, &fallback,
				                          &read_instead, &moved, err);
				if (st != DK_OK)
					return st;
				pfn += moved;
				dst += moved * ps;
				count -= moved;
				if (fallback)
					w->copy_ok = false;
				else if (!read_instead || moved)
					continue;
			}
		}
		uint64_t n = count < batch_pages ? count : batch_pages;
		dk_status st = w->pm->ops->read_pages(w->pm->ctx, pfn, n, w->buf, err);
		if (st != DK_OK)
			return st;
		st = write_pages_buf(w, w->buf, n, dst, &w->res->zero_pages, err);
		if (st != DK_OK)
			return st;
		w->done_bytes += n * ps;
		st = report(w, err);
		if (st != DK_OK)
			return st;
		pfn += n;
		dst += n * ps;
		count -= n;
	}
	return DK_OK;
}

/* Fills the bitmap bytes [byte0, byte0+len) from the sorted runs; *ri is
 * the first run that may touch them (advanced as runs are used up). */
static void bitmap_bytes(const dk_run *runs, size_t nruns, size_t *ri, uint64_t byte0,
                         uint8_t *out, size_t len)
{
	memset(out, 0, len);
	uint64_t lo = byte0 * 8, hi = (byte0 + len) * 8;
	size_t i = *ri;
	while (i < nruns && runs[i].base_pfn + runs[i].count <= lo)
		i++;
	*ri = i;
	for (; i < nruns && runs[i].base_pfn < hi; i++) {
		uint64_t a = runs[i].base_pfn > lo ? runs[i].base_pfn : lo;
		uint64_t b = runs[i].base_pfn + runs[i].count;
		if (b > hi)
			b = hi;
		for (uint64_t p = a; p < b;) {
			uint64_t bit = p - lo;
			if (bit % 8 == 0 && b - p >= 8) {
				uint64_t whole = (b - p) / 8;
				memset(out + bit / 8, 0xFF, (size_t)whole);
				p += whole * 8;
			} else {
				out[bit / 8] |= (uint8_t)(1u << (bit % 8));
				p++;
			}
		}
	}
}

/* Where the temp file goes: DIR/.BASE.XXXXXX */
static char *temp_template(const char *output)
{
	char *a = strdup(output), *b = strdup(output);
	char *r = NULL;
	if (a && b) {
		const char *dir = dirname(a), *base = basename(b);
		size_t n = strlen(dir) + strlen(base) + 16;
		r = malloc(n);
		if (r)
			snprintf(r, n, "%s/.%s.XXXXXX", dir, base);
	}
	free(a);
	free(b);
	return r;
}

static void sync_dir(const char *output)
{
	char *a = strdup(output);
	if (!a)
		return;
	int dfd = open(dirname(a), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(a);
}

/* The process's umask, read without changing it where /proc tells it
 * (Linux 4.7+); else with the umask(2) round trip. */
static mode_t current_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (f) {
		char line[128];
		unsigned v;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "Umask: %o", &v) == 1) {
				fclose(f);
				return (mode_t)v;
			}
		fclose(f);
	}
	mode_t um = umask(022);
	umask(um);
	return um;
}

/* ---- header preparation ---- */

typedef struct layout {
	bool is64;
	uint32_t hdr;        /* header bytes */
	uint32_t pmb;        /* PhysicalMemoryBlock */
	uint32_t run0;       /* Run[0] */
	uint32_t run_end;    /* end of the 700-byte Buffer */
	uint32_t esize;      /* bytes per run */
	uint32_t cap;        /* runs that fit */
	uint32_t dump_type;  /* DumpType field */
} layout;

static dk_status check_header(const uint8_t *h, size_t len, layout *l, dk_error *err)
{
	if (!h) {
		dk_set_error(err, DK_E_ARG, "no dump header given (needed for Windows dump output)");
		return DK_E_ARG;
	}
	if (len >= 8 && memcmp(h, "PAGEDU64", 8) == 0 && len == 0x2000) {
		*l = (layout){ true, 0x2000, 0x88, 0x98, 0x88 + 700, 16, 42, 0xF98 };
		return DK_OK;
	}
	if (len >= 8 && memcmp(h, "PAGEDUMP", 8) == 0 && len == 0x1000) {
		*l = (layout){ false, 0x1000, 0x64, 0x6C, 0x64 + 700, 8, 86, 0xF88 };
		return DK_OK;
	}
	char sig[9] = { 0 };
	for (size_t i = 0; i < 8 && i < len; i++)
		sig[i] = h[i] >= 0x20 && h[i] < 0x7F ? (char)h[i] : '.';
	dk_set_error(err, DK_E_ARG,
	             "dump header: expected \"PAGEDU64\" with 0x2000 bytes or \"PAGEDUMP\" with "
	             "0x1000 bytes, found \"%s\" with 0x%zx bytes",
	             sig, len);
	return DK_E_ARG;
}

static void fill_page_pattern(uint8_t *p, size_t from, size_t to)
{
	static const char pat[4] = { 'P', 'A', 'G', 'E' };
	for (size_t i = from; i < to; i++)
		p[i] = (uint8_t)pat[i % 4];
}

/* Sets PhysicalMemoryBlock; false when the runs do not fit. */
static bool put_runs(uint8_t *h, const layout *l, const dk_run *runs, size_t n, uint64_t pages)
{
	if (n > l->cap)
		return false;
	if (!l->is64) {
		if (pages > UINT32_MAX)
			return false;
		for (size_t i = 0; i < n; i++)
			if (runs[i].base_pfn > UINT32_MAX || runs[i].count > UINT32_MAX ||
			    runs[i].base_pfn + runs[i].count > (1ull << 32))
				return false;
	}
	dk_put32(h + l->pmb, (uint32_t)n);
	if (l->is64) {
		dk_put32(h + l->pmb + 4, 0);
		dk_put64(h + l->pmb + 8, pages);
	} else {
		dk_put32(h + l->pmb + 4, (uint32_t)pages);
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = h + l->run0 + i * l->esize;
		if (l->is64) {
			dk_put64(r, runs[i].base_pfn);
			dk_put64(r + 8, runs[i].count);
		} else {
			dk_put32(r, (uint32_t)runs[i].base_pfn);
			dk_put32(r + 4, (uint32_t)runs[i].count);
		}
	}
	memset(h + l->run0 + n * l->esize, 0, l->run_end - (l->run0 + n * l->esize));
	return true;
}

/* ---- the writer ---- */

static dk_status write_body(writer *w, const dk_run *runs, size_t nruns, const uint8_t *hdr,
                            const layout *l, dk_error *err)
{
	dk_status st;
	uint32_t ps = w->pm->page_size;
	uint64_t dst;
	if (w->res->format == DK_OUT_RAW) {
		for (size_t i = 0; i < nruns; i++) {
			st = write_run(w, runs[i].base_pfn, runs[i].count, runs[i].base_pfn * ps, err);
			if (st != DK_OK)
				return st;
		}
		return DK_OK;
	}
	st = pwrite_all(w, hdr, l->hdr, 0, err);
	if (st != DK_OK)
		return st;
	dst = l->hdr;
	if (w->res->format == DK_OUT_BITMAP) {
		uint64_t bits = runs[nruns - 1].base_pfn + runs[nruns - 1].count;
		uint64_t bytes = (bits + 63) / 64 * 8;
		uint8_t sum[0x38] = { 0 };
		uint64_t pages = 0;
		for (size_t i = 0; i < nruns; i++)
			pages += runs[i].count;
		uint64_t first_page = (l->hdr + 0x38 + bytes + WR_PAGE - 1) / WR_PAGE * WR_PAGE;
		dk_put32(sum, SIG_FDMP);
		dk_put32(sum + 4, SIG_DUMP);
		dk_put64(sum + 0x20, first_page);
		dk_put64(sum + 0x28, pages);
		dk_put64(sum + 0x30, bits);
		st = pwrite_all(w, sum, sizeof sum, l->hdr, err);
		if (st != DK_OK)
			return st;
		size_t ri = 0;
		for (uint64_t b = 0; b < bytes; b += WR_BITMAP_CHUNK) {
			size_t len = bytes - b < WR_BITMAP_CHUNK ? (size_t)(bytes - b) : WR_BITMAP_CHUNK;
			while (ri < nruns && runs[ri].base_pfn + runs[ri].count <= b * 8)
				ri++;
			if (ri < nruns && runs[ri].base_pfn / 8 >= b + len && !w->o->no_sparse)
				continue; /* no page here: leave the hole */
			bitmap_bytes(runs, nruns, &ri, b, w->buf, len);
			if (all_zero(w->buf, len) && !w->o->no_sparse)
				continue;
			st = pwrite_all(w, w->buf, len, l->hdr + 0x38 + b, err);
			if (st != DK_OK)
				return st;
		}
		dst = first_page;
	}
	for (size_t i = 0; i < nruns; i++) {
		st = write_run(w, runs[i].base_pfn, runs[i].count, dst, err);
		if (st != DK_OK)
			return st;
		dst += runs[i].count * ps;
	}
	return DK_OK;
}

/* Refuses when OUTPUT is the source file (the fd from locate). */
static dk_status check_not_source(const dk_physmem *pm, const dk_run *runs, size_t nruns,
                                  const char *output, dk_error *err)
{
	struct stat so, ss;
	if (stat(output, &so) != 0 || !pm->ops->locate || nruns == 0)
		return DK_OK;
	int fd;
	uint64_t off, c;
	if (!pm->ops->locate(pm->ctx, runs[0].base_pfn, &fd, &off, &c) || fd < 0)
		return DK_OK;
	if (fstat(fd, &ss) == 0 && ss.st_dev == so.st_dev && ss.st_ino == so.st_ino) {
		dk_set_error(err, DK_E_ARG, "%s: the output is the source file itself; refusing to "
		             "overwrite it", output);
		return DK_E_ARG;
	}
	return DK_OK;
}

dk_status dk_dump_write(const dk_physmem *pm, const uint8_t *header, size_t header_len,
                        const char *output, const dk_dump_write_options *opts,
                        dk_dump_write_result *res, dk_error *err)
{
	static const dk_dump_write_options defaults;
	dk_dump_write_result dummy;
	if (!opts)
		opts = &defaults;
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof *res);
	if (!pm || !pm->ops || !pm->ops->next_run || !pm->ops->read_pages || !output || !*output) {
		dk_set_error(err, DK_E_ARG, "dk_dump_write: no source or no output path");
		return DK_E_ARG;
	}
	uint32_t ps = pm->page_size;
	if (ps == 0 || (ps & (ps - 1)) || ps > (1u << 20)) {
		dk_set_error(err, DK_E_ARG, "the source's page size %u is not a power of two up to "
		             "1 MiB", ps);
		return DK_E_ARG;
	}
	dk_out_format fmt = opts->format;
	if (fmt > DK_OUT_RAW) {
		dk_set_error(err, DK_E_ARG, "unknown output format %d", (int)fmt);
		return DK_E_ARG;
	}
	layout l = { 0 };
	uint8_t *hdr = NULL;
	dk_status st;
	if (fmt != DK_OUT_RAW) {
		if (ps != WR_PAGE) {
			dk_set_error(err, DK_E_ARG, "a Windows dump holds 4096-byte pages, but the "
			             "source's page size is %u", ps);
			return DK_E_ARG;
		}
		st = check_header(header, header_len, &l, err);
		if (st != DK_OK)
			return st;
	}

	/* OUTPUT must not be replaced unless asked: checked before anything */
	struct stat so;
	if (stat(output, &so) == 0) {
		if (S_ISDIR(so.st_mode)) {
			dk_set_error(err, DK_E_ARG, "%s: is a directory", output);
			return DK_E_ARG;
		}
		if (!opts->force) {
			dk_set_error(err, DK_E_ARG, "%s: the file exists; use --force to replace it",
			             output);
			return DK_E_ARG;
		}
	}

	dk_run *runs = NULL;
	size_t nruns = 0;
	st = dk_dump_plan_runs(pm, opts->exclude, opts->nexclude, &runs, &nruns, err);
	if (st != DK_OK)
		return st;
	st = check_not_source(pm, runs, nruns, output, err);
	if (st != DK_OK)
		goto out_runs;

	uint64_t pages = 0;
	for (size_t i = 0; i < nruns; i++)
		pages += runs[i].count;
	uint64_t end_pfn = nruns ? runs[nruns - 1].base_pfn + runs[nruns - 1].count : 0;

	uint64_t file_size = 0;
	if (fmt == DK_OUT_RAW) {
		if (end_pfn > UINT64_MAX / ps || end_pfn * ps > (uint64_t)INT64_MAX) {
			dk_set_error(err, DK_E_ARG, "a raw image up to page 0x%" PRIx64 " would be larger "
			             "than a file can be", end_pfn);
			st = DK_E_ARG;
			goto out_runs;
		}
		file_size = end_pfn * ps;
	} else {
		if (nruns == 0) {
			dk_set_error(err, DK_E_ARG, "nothing to write: the source has no pages%s",
			             opts->nexclude ? " outside the excluded ranges" : "");
			st = DK_E_ARG;
			goto out_runs;
		}
		if (end_pfn > (1ull << 40)) {
			dk_set_error(err, DK_E_ARG, "the source has pages up to PFN 0x%" PRIx64 ", beyond "
			             "the 52-bit physical address space a dump describes", end_pfn - 1);
			st = DK_E_ARG;
			goto out_runs;
		}
		hdr = malloc(l.hdr);
		if (!hdr) {
			st = DK_E_NOMEM;
			dk_set_error(err, st, "out of memory");
			goto out_runs;
		}
		memcpy(hdr, header, l.hdr);
		bool fit = put_runs(hdr, &l, runs, nruns, pages);
		if (fmt == DK_OUT_AUTO)
			fmt = fit ? DK_OUT_RUNS : DK_OUT_BITMAP;
		if (fmt == DK_OUT_RUNS && !fit) {
			if (nruns > l.cap)
				dk_set_error(err, DK_E_UNSUPPORTED,
				             "the source has %zu runs of pages but a DUMP_HEADER%s "
				             "PhysicalMemoryBlock holds at most %u; write a bitmap dump "
				             "instead",
				             nruns, l.is64 ? "64" : "32", l.cap);
			else
				dk_set_error(err, DK_E_UNSUPPORTED,
				             "a DUMP_HEADER32 run list stores 32-bit page numbers and "
				             "counts, but the source reaches page 0x%" PRIx64 " (%" PRIu64
				             " pages); write a 64-bit header or a bitmap dump",
				             end_pfn, pages);
			st = DK_E_UNSUPPORTED;
			goto out_hdr;
		}
		if (fmt == DK_OUT_BITMAP && !fit)
			fill_page_pattern(hdr, l.pmb, l.run_end);
		uint64_t data_off = l.hdr;
		if (fmt == DK_OUT_BITMAP) {
			uint64_t bytes = (end_pfn + 63) / 64 * 8;
			data_off = (l.hdr + 0x38 + bytes + WR_PAGE - 1) / WR_PAGE * WR_PAGE;
		}
		if (data_off > (uint64_t)INT64_MAX || pages > ((uint64_t)INT64_MAX - data_off) / WR_PAGE) {
			dk_set_error(err, DK_E_ARG, "the output would be larger than a file can be");
			st = DK_E_ARG;
			goto out_hdr;
		}
		file_size = data_off + pages * WR_PAGE;
		dk_put32(hdr + l.dump_type, fmt == DK_OUT_RUNS ? 1u : 5u);
		dk_put64(hdr + 0xFA0, file_size);
	}
	res->format = fmt;
	res->file_size = file_size;
	res->runs = nruns > UINT32_MAX ? UINT32_MAX : (uint32_t)nruns;

	writer w = { 0 };
	w.pm = pm;
	w.o = opts;
	w.res = res;
	w.output = output;
	w.fd = -1;
	w.total_bytes = pages * ps;
	w.next_report = WR_PROGRESS_STEP;
	w.next_kick = WR_KICK_STEP;
	w.copy_ok = !opts->no_copy_range;
	w.hole_fd = -1;
	w.buf = malloc(WR_BUF_BYTES > ps ? WR_BUF_BYTES : ps);
	w.tmp = temp_template(output);
	if (!w.buf || !w.tmp) {
		st = DK_E_NOMEM;
		dk_set_error(err, st, "out of memory");
		goto out_w;
	}
	w.fd = mkostemp(w.tmp, O_CLOEXEC);
	if (w.fd < 0) {
		st = sys_error(err, "cannot create a temporary file beside the output", w.tmp);
		free(w.tmp);
		w.tmp = NULL;
		goto out_w;
	}
	if (fchmod(w.fd, 0644 & ~current_umask()) != 0) {
		st = sys_error(err, "fchmod", w.tmp);
		goto out_fail;
	}
	if (opts->progress && !opts->progress(opts->progress_arg, 0, w.total_bytes)) {
		dk_set_error(err, DK_E_IO, "interrupted");
		st = DK_E_IO;
		goto out_fail;
	}
	st = write_body(&w, runs, nruns, hdr, &l, err);
	if (st != DK_OK)
		goto out_fail;
	if (ftruncate(w.fd, (off_t)file_size) != 0) {
		st = sys_error(err, "setting the file size", w.tmp);
		goto out_fail;
	}
	w.done_bytes = w.total_bytes;
	st = report(&w, err);
	if (st != DK_OK)
		goto out_fail;
	if (fsync(w.fd) != 0) {
		st = sys_error(err, "fsync", w.tmp);
		goto out_fail;
	}
	if (close(w.fd) != 0) {
		w.fd = -1;
		st = sys_error(err, "close", w.tmp);
		goto out_fail;
	}
	w.fd = -1;
	if (rename(w.tmp, output) != 0) {
		st = sys_error(err, "renaming the finished temporary file over the output", output);
		goto out_fail;
	}
	sync_dir(output);
	res->pages = pages;
	st = DK_OK;
	goto out_w;

out_fail:
	if (w.fd >= 0)
		close(w.fd);
	w.fd = -1;
	unlink(w.tmp);
	res->pages = 0;
out_w:
	free(w.buf);
	free(w.tmp);
out_hdr:
	free(hdr);
out_runs:
	free(runs);
	return st;
}
