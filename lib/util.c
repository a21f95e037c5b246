/* dmpkit — errors, inputs and small utilities.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dmpkit/version.h>

#include "internal.h"

const char *dk_version(void)
{
	return DMPKIT_VERSION_STRING;
}

const char *dk_status_name(dk_status st)
{
	switch (st) {
	case DK_OK: return "ok";
	case DK_E_IO: return "I/O error";
	case DK_E_FORMAT: return "format error";
	case DK_E_TRUNCATED: return "truncated input";
	case DK_E_NOMEM: return "out of memory";
	case DK_E_RANGE: return "not present";
	case DK_E_UNSUPPORTED: return "unsupported";
	case DK_E_ARG: return "invalid argument";
	}
	return "unknown status";
}

void dk_set_error(dk_error *err, dk_status st, const char *fmt, ...)
{
	if (!err)
		return;
	err->status = st;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

dk_status dk_input_open(dk_input *in, const char *path, dk_error *err)
{
	memset(in, 0, sizeof *in);
	in->fd = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		dk_set_error(err, DK_E_IO, "%s: cannot open: %s", path, strerror(errno));
		return DK_E_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		dk_set_error(err, DK_E_IO, "%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		return DK_E_IO;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		dk_set_error(err, DK_E_IO, "%s: not a regular file", path);
		close(fd);
		return DK_E_IO;
	}
	uint64_t size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);
		size = end > 0 ? (uint64_t)end : 0;
	}
	in->name = strdup(path);
	if (!in->name) {
		close(fd);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	in->fd = fd;
	in->size = size;
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	return DK_OK;
}

void dk_input_open_memory(dk_input *in, const void *data, size_t size, const char *name)
{
	memset(in, 0, sizeof *in);
	in->fd = -1;
	in->mem = data;
	in->size = size;
	in->name = strdup(name ? name : "(memory)");
}

void dk_input_close(dk_input *in)
{
	if (in->fd >= 0)
		close(in->fd);
	free(in->name);
	memset(in, 0, sizeof *in);
	in->fd = -1;
}

size_t dk_input_read_some(const dk_input *in, uint64_t off, void *buf, size_t len)
{
	if (off >= in->size)
		return 0;
	if (len > in->size - off)
		len = (size_t)(in->size - off);
	if (in->mem) {
		memcpy(buf, in->mem + off, len);
		return len;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t r = pread(in->fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return done;
}

dk_status dk_input_read(const dk_input *in, uint64_t off, void *buf, size_t len,
                        const char *what, dk_error *err)
{
	uint64_t end;
	if (!dk_add_ok(off, len, &end) || end > in->size) {
		dk_set_error(err, DK_E_TRUNCATED,
		             "%s: %s at file offset 0x%llx (0x%zx bytes) lies beyond the end "
		             "of the file (size 0x%llx)",
		             in->name, what, (unsigned long long)off, len,
		             (unsigned long long)in->size);
		return DK_E_TRUNCATED;
	}
	size_t got = dk_input_read_some(in, off, buf, len);
	if (got != len) {
		dk_set_error(err, DK_E_IO, "%s: reading %s at file offset 0x%llx failed: %s",
		             in->name, what, (unsigned long long)off,
		             errno ? strerror(errno) : "short read");
		return DK_E_IO;
	}
	return DK_OK;
}

void *dk_calloc(size_t n, size_t size)
{
	if (n == 0 || size == 0)
		return calloc(1, 1);
	return calloc(n, size);
}

size_t dk_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

bool dk_utf16_to_utf8(const uint8_t *src, size_t units, char *buf, size_t bufsize)
{
	size_t o = 0;
	bool cut = false;
	if (bufsize == 0)
		return false;
	for (size_t i = 0; i < units; i++) {
		uint32_t c = dk_le16(src + 2 * i);
		if (c == 0)
			break;
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
			uint32_t lo = dk_le16(src + 2 * (i + 1));
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				c = '?';
			}
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = '?';
		}
		uint8_t tmp[4];
		size_t n;
		if (c < 0x20 || c == 0x7F) {
			tmp[0] = '?';
			n = 1;
		} else if (c < 0x80) {
			tmp[0] = (uint8_t)c;
			n = 1;
		} else if (c < 0x800) {
			tmp[0] = (uint8_t)(0xC0 | c >> 6);
			tmp[1] = (uint8_t)(0x80 | (c & 0x3F));
			n = 2;
		} else if (c < 0x10000) {
			tmp[0] = (uint8_t)(0xE0 | c >> 12);
			tmp[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
			tmp[2] = (uint8_t)(0x80 | (c & 0x3F));
			n = 3;
		} else {
			tmp[0] = (uint8_t)(0xF0 | c >> 18);
			tmp[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
			tmp[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
			tmp[3] = (uint8_t)(0x80 | (c & 0x3F));
			n = 4;
		}
		if (o + n >= bufsize) {
			cut = true;
			break;
		}
		memcpy(buf + o, tmp, n);
		o += n;
	}
	buf[o] = 0;
	return !cut;
}
