/* dmpkit — EWF (Expert Witness / EnCase .E01) images of physical memory,
 * read through libewf (Debian libewf-dev): the media is a raw padded image,
 * file offset == physical address, as acquisition tools store memory.
 *
 * The signature "EVF" 09 0D 0A FF 00 opens every segment file (libewf
 * documentation, "Expert Witness Compression Format" specification by
 * Joachim Metz).  Segment files E01, E02, ... are found with libewf_glob.
 * libewf reads by file name, so images opened from memory are refused.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libewf.h>

#include "image_internal.h"

static const uint8_t ewf_sig[8] = { 'E', 'V', 'F', 0x09, 0x0D, 0x0A, 0xFF, 0x00 };

typedef struct ewf_ctx {
	libewf_handle_t *h;
	char **files;
	int nfiles;
	uint64_t media;   /* bytes */
	uint32_t ps;
	uint64_t npages;  /* pages, the last one maybe partial */
	const char *name;
	/* media ranges whose chunks failed their checksum: libewf caches the
	 * chunk, so a second read would not say so again */
	struct {
		uint64_t off, len;
	} bad[64];
	size_t nbad;
	bool bad_overflow; /* more than 64: every read fails */
} ewf_ctx;

static void ewf_message(libewf_error_t *e, char *buf, size_t n)
{
	buf[0] = 0;
	if (e) {
		if (libewf_error_sprint(e, buf, n) < 0)
			snprintf(buf, n, "(libewf gave no message)");
		libewf_error_free(&e);
	}
}

static void ewf_free(void *p)
{
	ewf_ctx *x = p;
	if (!x)
		return;
	libewf_error_t *e = NULL;
	if (x->h) {
		libewf_handle_close(x->h, &e);
		libewf_error_free(&e);
		libewf_handle_free(&x->h, &e);
		libewf_error_free(&e);
	}
	if (x->files) {
		libewf_glob_free(x->files, x->nfiles, &e);
		libewf_error_free(&e);
	}
	free(x);
}

static bool ewf_next_run(void *ctx, uint64_t pfn, dk_run *out)
{
	const ewf_ctx *x = ctx;
	if (pfn >= x->npages)
		return false;
	out->base_pfn = pfn;
	out->count = x->npages - pfn;
	return true;
}

static dk_status ewf_read_pages(void *ctx, uint64_t pfn, uint64_t count, void *buf, dk_error *err)
{
	ewf_ctx *x = ctx;
	if (pfn >= x->npages || count > x->npages - pfn) {
		dk_set_error(err, DK_E_RANGE, "%s: physical page 0x%" PRIx64 " is not in the image",
		             x->name, pfn >= x->npages ? pfn : x->npages);
		return DK_E_RANGE;
	}
	uint8_t *out = buf;
	uint64_t off = pfn * x->ps, want = count * x->ps;
	for (size_t i = 0; i < x->nbad || x->bad_overflow; i++) {
		if (x->bad_overflow || (x->bad[i].off < off + want && off < x->bad[i].off + x->bad[i].len)) {
			uint64_t b = x->bad_overflow ? off : x->bad[i].off;
			dk_set_error(err, DK_E_FORMAT,
			             "%s: EWF media bytes from 0x%" PRIx64 " (physical page 0x%" PRIx64
			             "): chunks fail their checksum", x->name, b, b / x->ps);
			return DK_E_FORMAT;
		}
	}
	while (want) {
		size_t n = want > (8u << 20) ? (8u << 20) : (size_t)want;
		size_t avail = off < x->media ? (x->media - off < n ? (size_t)(x->media - off) : n) : 0;
		if (avail) {
			libewf_error_t *e = NULL;
			uint32_t bad0 = 0, bad1 = 0;
			libewf_handle_get_number_of_checksum_errors(x->h, &bad0, &e);
			libewf_error_free(&e);
			ssize_t got = libewf_handle_read_random(x->h, out, avail, (off64_t)off, &e);
			if (got >= 0 && libewf_handle_get_number_of_checksum_errors(x->h, &bad1, NULL) == 1 &&
			    bad1 > bad0) {
				if (x->nbad < sizeof x->bad / sizeof x->bad[0]) {
					x->bad[x->nbad].off = off;
					x->bad[x->nbad].len = avail;
					x->nbad++;
				} else {
					x->bad_overflow = true;
				}
				dk_set_error(err, DK_E_FORMAT,
				             "%s: EWF media bytes 0x%" PRIx64 "+0x%zx (physical page 0x%" PRIx64
				             "): %u chunk(s) fail their checksum", x->name, off, avail,
				             off / x->ps, bad1 - bad0);
				return DK_E_FORMAT;
			}
			if (got < 0 || (size_t)got != avail) {
				char m[256];
				ewf_message(e, m, sizeof m);
				dk_set_error(err, DK_E_IO,
				             "%s: EWF media bytes 0x%" PRIx64 "+0x%zx (physical page 0x%" PRIx64
				             "): libewf read %zd bytes: %s",
				             x->name, off, avail, off / x->ps, got, m);
				return DK_E_IO;
			}
		}
		memset(out + avail, 0, n - avail); /* the last page's tail past the media */
		out += n;
		off += n;
		want -= n;
	}
	return DK_OK;
}

/* libewf's handle caches chunks: one cursor, no clone */
static const dk_physmem_ops ewf_ops = { ewf_next_run, ewf_read_pages, NULL, NULL, NULL };

static int ewf_probe(const uint8_t *head, size_t len, uint64_t file_size)
{
	(void)file_size;
	return len >= sizeof ewf_sig && memcmp(head, ewf_sig, sizeof ewf_sig) == 0 ? 95 : 0;
}

static dk_status ewf_open(dk_image *img, const dk_image_options *opts, dk_error *err)
{
	(void)opts;
	if (img->in.fd < 0) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "%s: EWF images are read by libewf from their segment files, not from "
		             "memory", img->in.name);
		return DK_E_UNSUPPORTED;
	}
	ewf_ctx *x = dk_calloc(1, sizeof *x);
	if (!x) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	x->name = img->in.name;
	x->ps = 4096;
	img->priv = x;
	img->free_priv = ewf_free;
	libewf_error_t *e = NULL;
	char m[256];
	if (libewf_glob(img->in.name, strlen(img->in.name), LIBEWF_FORMAT_UNKNOWN, &x->files,
	                &x->nfiles, &e) != 1 ||
	    x->nfiles < 1) {
		ewf_message(e, m, sizeof m);
		dk_set_error(err, DK_E_FORMAT, "%s: the EWF segment files (.E01, .E02, ...) could "
		             "not be listed: %s", img->in.name, m);
		return DK_E_FORMAT;
	}
	if (libewf_handle_initialize(&x->h, &e) != 1 ||
	    libewf_handle_open(x->h, x->files, x->nfiles, libewf_get_access_flags_read(), &e) != 1) {
		ewf_message(e, m, sizeof m);
		dk_set_error(err, DK_E_FORMAT, "%s: libewf cannot open the EWF image (%d segment "
		             "file(s)): %s", img->in.name, x->nfiles, m);
		return DK_E_FORMAT;
	}
	/* a missing or cut segment file: libewf would read zeros for the
	 * chunks it lacks; refuse instead of inventing pages */
	int corrupted = libewf_handle_segment_files_corrupted(x->h, &e);
	libewf_error_free(&e);
	if (corrupted != 0) {
		dk_set_error(err, DK_E_FORMAT,
		             "%s: the EWF segment files are incomplete or corrupted (%d found; a "
		             "segment file is missing, cut short or damaged: no \"done\" section "
		             "ends the set)", img->in.name, x->nfiles);
		return DK_E_FORMAT;
	}
	if (libewf_handle_set_read_zero_chunk_on_error(x->h, 0, &e) != 1)
		libewf_error_free(&e);
	size64_t media = 0;
	if (libewf_handle_get_media_size(x->h, &media, &e) != 1 || media == 0) {
		ewf_message(e, m, sizeof m);
		dk_set_error(err, DK_E_FORMAT, "%s: the EWF image reports no media size (%" PRIu64
		             " bytes)%s%s", img->in.name, (uint64_t)media, m[0] ? ": " : "", m);
		return DK_E_FORMAT;
	}
	x->media = media;
	x->npages = media / x->ps + (media % x->ps != 0);
	img->pm.page_size = x->ps;
	img->pm.present_pages = x->npages;
	img->pm.end_pfn = x->npages;
	img->pm.ops = &ewf_ops;
	img->pm.ctx = x;
	snprintf(img->describe, sizeof img->describe,
	         "EWF image (%d segment file%s), media 0x%" PRIx64 " bytes, %" PRIu64
	         " pages; padded: file offset = physical address", x->nfiles,
	         x->nfiles == 1 ? "" : "s", x->media, x->npages);
	if (media % x->ps)
		dk_image_add_note(img, "the media ends inside page 0x%" PRIx64 ": its tail reads as "
		                  "zeros", x->npages - 1);
	dk_image_add_note(img, "EWF holds the media as a raw image: holes (MMIO, reserved ranges) "
	                  "read as whatever the acquisition tool wrote, usually zeros");
	return DK_OK;
}

const dk_image_reader dk_reader_ewf = {
	"ewf", "EWF/E01 (EnCase, FTK, ewfacquire) holding a raw memory image, via libewf",
	ewf_probe, ewf_open,
};
