/* libFuzzer target: one minidump stream parser at a time.
 *
 * The first input byte picks a stream type from the list below (every
 * decoder dmpkit has); the rest becomes that stream's data, wrapped in a
 * minimal, valid minidump (header, a one-entry directory, a SystemInfo
 * stream so that architecture-dependent decoders run, then the data).
 * This reaches each parser directly instead of through whole-file
 * mutations.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <dmpkit/minidump.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* MINIDUMP_STREAM_TYPE values (minidumpapiset.h; breakpad/crashpad ones from
 * breakpad's minidump_format.h and crashpad's minidump_extensions.h). */
static const uint32_t types[] = {
	3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 21, 22, 24,
	0x47670001u, 0x47670002u, 0x47670003u, 0x47670004u, 0x47670005u, 0x47670006u,
	0x47670007u, 0x47670008u, 0x47670009u, 0x4767000Au, 0x43500001u,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > (1u << 20))
		return 0;
	uint32_t type = types[data[0] % (sizeof types / sizeof types[0])];
	uint16_t arch = (data[0] & 0x80) ? 9 : 0; /* AMD64 or x86 */
	const uint8_t *sdata = data + 1;
	size_t slen = size - 1;
	/* header 32, directory 2*12, SystemInfo 56, then the stream */
	size_t off_dir = 32, off_si = off_dir + 24, off_data = off_si + 56;
	size_t total = off_data + slen;
	uint8_t *buf = calloc(1, total);
	if (!buf)
		return 0;
	memcpy(buf, "MDMP", 4);
	fz_put32(buf + 4, 0xA793);      /* MINIDUMP_VERSION */
	fz_put32(buf + 8, 2);           /* NumberOfStreams */
	fz_put32(buf + 12, (uint32_t)off_dir);
	fz_put32(buf + off_dir, 7);     /* SystemInfoStream */
	fz_put32(buf + off_dir + 4, 56);
	fz_put32(buf + off_dir + 8, (uint32_t)off_si);
	fz_put32(buf + off_dir + 12, type);
	fz_put32(buf + off_dir + 16, (uint32_t)slen);
	fz_put32(buf + off_dir + 20, (uint32_t)off_data);
	buf[off_si] = (uint8_t)arch;  /* ProcessorArchitecture */
	buf[off_si + 6] = 2;          /* NumberOfProcessors */
	fz_put32(buf + off_si + 8, 10);  /* MajorVersion */
	fz_put32(buf + off_si + 20, 2);  /* PlatformId: VER_PLATFORM_WIN32_NT */
	memcpy(buf + off_data, sdata, slen);

	dk_minidump *md = NULL;
	dk_error err;
	if (dk_minidump_open_memory(buf, total, "stream.dmp", &md, &err) == DK_OK) {
		size_t n;
		const dk_minidump_thread *t = dk_minidump_threads(md, &n);
		for (size_t i = 0; i < n && i < 64; i++) {
			size_t cl;
			dk_minidump_thread_context(md, i, &cl);
			fz_consume_str(t[i].name);
		}
		const dk_minidump_module *m = dk_minidump_modules(md, &n);
		for (size_t i = 0; i < n; i++) {
			fz_consume_str(m[i].name);
			fz_consume_str(m[i].debug_id);
		}
		dk_minidump_unloaded_modules(md, &n);
		dk_minidump_handles(md, &n);
		dk_minidump_thread_infos(md, &n);
		dk_minidump_tokens(md, &n);
		dk_minidump_get_memory_info(md, &n);
		dk_minidump_function_tables(md, &n);
		const dk_minidump_range *r = dk_minidump_memory_ranges(md, &n, NULL);
		for (size_t i = 0; i < n && i < 64; i++) {
			uint8_t b[8];
			dk_minidump_read_memory(md, r[i].start, b, sizeof b);
		}
		const dk_minidump_exception *x = dk_minidump_get_exception(md);
		if (x) {
			size_t cl;
			dk_minidump_exception_context(md, &cl);
		}
		const dk_minidump_assertion *a = dk_minidump_get_assertion(md);
		if (a)
			fz_consume_str(a->expression);
		dk_minidump_get_misc_info(md);
		dk_minidump_get_breakpad_info(md);
		dk_minidump_get_crashpad_info(md);
		dk_minidump_get_dso_debug(md);
		fz_consume_str(dk_minidump_comment(md, false));
		fz_consume_str(dk_minidump_comment(md, true));
		dk_findings f;
		dk_findings_init(&f);
		dk_minidump_check(md, DK_CHECK_DEEP, &f, &err);
		for (size_t i = 0; i < f.count; i++)
			fz_consume_str(f.items[i].message);
		dk_findings_free(&f);
		dk_minidump_close(md);
	}
	free(buf);
	return 0;
}
