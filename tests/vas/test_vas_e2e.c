/* dmpkit tests — page tables written into a dkgen dump (whose pages are
 * tagged "DKGENPFN" + PFN) are walked by the library and by the vtop, read
 * and search commands.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include <dmpkit/kdump.h>
#include <dmpkit/vas.h>

/* x64: runs 0:16 and 0x100:32, header 0x2000 bytes, so PFN p >= 0x100 is
 * at file offset 0x2000 + 4096 * (16 + p - 0x100). */
static uint64_t x64_off(uint64_t pa)
{
	return 0x2000 + 4096 * (16 + pa / 4096 - 0x100) + pa % 4096;
}
/* x86 PAE: same runs, header 0x1000 bytes. */
static uint64_t x86_off(uint64_t pa)
{
	return 0x1000 + 4096 * (16 + pa / 4096 - 0x100) + pa % 4096;
}

#define VA 0xFFFFF80012000000ull
static char x64_path[512], x86_path[512];

static int run(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs `cmd`, captures stdout into buf; returns the exit status. */
static int capture(const char *cmd, char *buf, size_t size)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(buf, 1, size - 1, p);
	buf[n] = 0;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
	(void)state;
	mkdir(TEST_TMPDIR, 0755);
	snprintf(x64_path, sizeof x64_path, "%s/x64.dmp", TEST_TMPDIR);
	snprintf(x86_path, sizeof x86_path, "%s/pae.dmp", TEST_TMPDIR);
	char cmd[4096];
	/* PML4 0x105000 (PCID 2 in the DTB), PDPT 0x106000, PD 0x107000,
	 * PT 0x108000; PT[0] valid -> 0x10A, PT[1] transition -> 0x10B,
	 * PT[2] -> 0x50 (not in the dump), PT[3] zero, PT[4] page file 2;
	 * PD[0x91] a 2 MiB page at 0. */
	snprintf(cmd, sizeof cmd,
	         "%s %s --force --arch x64 --runs 0:16,0x100:32 --dtb 0x105002"
	         " --set 0x%llx=0x106063:8 --set 0x%llx=0x107063:8"
	         " --set 0x%llx=0x108063:8 --set 0x%llx=0xE3:8"
	         " --set 0x%llx=0x10A063:8 --set 0x%llx=0x10B880:8"
	         " --set 0x%llx=0x50063:8 --set 0x%llx=0:8"
	         " --set 0x%llx=0x0000123400002090:8 >/dev/null",
	         DKGEN_PATH, x64_path, (unsigned long long)x64_off(0x105000 + 8 * 0x1F0),
	         (unsigned long long)x64_off(0x106000 + 0),
	         (unsigned long long)x64_off(0x107000 + 8 * 0x90),
	         (unsigned long long)x64_off(0x107000 + 8 * 0x91),
	         (unsigned long long)x64_off(0x108000 + 0), (unsigned long long)x64_off(0x108008),
	         (unsigned long long)x64_off(0x108010), (unsigned long long)x64_off(0x108018),
	         (unsigned long long)x64_off(0x108020));
	if (run(cmd) != 0)
		return -1;
	/* PAE: PDPT at 0x105020, PD 0x106000, PT 0x107000; 0x80123000 ->
	 * 0x10A; a 2 MiB page at 0 for 0x80400000. */
	snprintf(cmd, sizeof cmd,
	         "%s %s --force --arch x86 --pae 1 --runs 0:16,0x100:32 --dtb 0x105020"
	         " --set 0x%llx=0x106001:8 --set 0x%llx=0x107063:8 --set 0x%llx=0x80000000000000E3:8"
	         " --set 0x%llx=0x10A063:8 >/dev/null",
	         DKGEN_PATH, x86_path, (unsigned long long)x86_off(0x105020 + 8 * 2),
	         (unsigned long long)x86_off(0x106000 + 0),
	         (unsigned long long)x86_off(0x106000 + 8 * 2),
	         (unsigned long long)x86_off(0x107000 + 8 * 0x123));
	return run(cmd) == 0 ? 0 : -1;
}

static void check_tag(const uint8_t *b, uint64_t pfn)
{
	assert_memory_equal(b, "DKGENPFN", 8);
	uint64_t p = 0;
	for (int i = 7; i >= 0; i--)
		p = p << 8 | b[8 + i];
	assert_int_equal(p, pfn);
}

static void test_library_x64(void **state)
{
	(void)state;
	dk_kdump *d;
	dk_error e;
	assert_int_equal(dk_kdump_open(x64_path, &d, &e), DK_OK);
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	dk_vas *v;
	assert_int_equal(dk_vas_create(dk_kdump_physmem(d), DK_PAGING_X64,
	                               s->directory_table_base, &v, &e),
	                 DK_OK);
	dk_vas_set_windows_build(v, s->minor_version);
	uint8_t b[16];
	dk_xlate x;
	dk_vas_translate(v, VA, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.pa, 0x10A000);
	assert_int_equal(dk_vas_read(v, VA, b, 16, &e), DK_OK);
	check_tag(b, 0x10A);
	dk_vas_translate(v, VA + 0x1000, &x);
	assert_int_equal(x.state, DK_XL_TRANSITION);
	assert_int_equal(dk_vas_read(v, VA + 0x1000, b, 16, &e), DK_OK);
	check_tag(b, 0x10B);
	dk_vas_translate(v, VA + 0x2000, &x);
	assert_int_equal(x.state, DK_XL_NOT_IN_DUMP);
	dk_vas_translate(v, VA + 0x3000, &x);
	assert_int_equal(x.state, DK_XL_NOT_MAPPED);
	dk_vas_translate(v, VA + 0x4000, &x);
	assert_int_equal(x.state, DK_XL_PAGEFILE);
	assert_int_equal(x.pagefile_number, 2);
	assert_int_equal(x.pagefile_offset, 0x1234000);
	dk_vas_translate(v, VA + 0x205000, &x);
	assert_int_equal(x.state, DK_XL_VALID);
	assert_int_equal(x.page_size, 2u << 20);
	assert_int_equal(dk_vas_read(v, VA + 0x205000, b, 16, &e), DK_OK);
	check_tag(b, 5);
	dk_vas_free(v);
	dk_kdump_close(d);
}

static void test_library_pae(void **state)
{
	(void)state;
	dk_kdump *d;
	dk_error e;
	assert_int_equal(dk_kdump_open(x86_path, &d, &e), DK_OK);
	const dk_kdump_summary *s = dk_kdump_get_summary(d);
	assert_true(s->pae_enabled);
	dk_vas *v;
	assert_int_equal(dk_vas_create(dk_kdump_physmem(d), DK_PAGING_PAE,
	                               s->directory_table_base, &v, &e),
	                 DK_OK);
	uint8_t b[16];
	assert_int_equal(dk_vas_read(v, 0x80123000u, b, 16, &e), DK_OK);
	check_tag(b, 0x10A);
	assert_int_equal(dk_vas_read(v, 0x80405000u, b, 16, &e), DK_OK);
	check_tag(b, 5);
	dk_vas_free(v);
	dk_kdump_close(d);
}

static void test_cli(void **state)
{
	(void)state;
	char cmd[1024], out[16384];
	snprintf(cmd, sizeof cmd, "%s vtop %s 0xfffff80012000010", DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "PML4E"));
	assert_non_null(strstr(out, "=> valid: PA 0x10a010"));
	snprintf(cmd, sizeof cmd, "%s vtop %s 'fffff800`12001000' --json", DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "\"transition\""));
	snprintf(cmd, sizeof cmd, "%s vtop %s 0xfffff80012002000", DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, "not in dump"));
	snprintf(cmd, sizeof cmd, "%s vtop %s 0xfffff80012004000", DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, "page file 2"));
	snprintf(cmd, sizeof cmd, "%s vtop %s 0x0000800000000000", DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, "non-canonical"));
	snprintf(cmd, sizeof cmd, "%s vtop %s 0x1000 --paging bogus 2>/dev/null", DMPKIT_PATH,
	         x64_path);
	assert_int_equal(run(cmd), 2);
	snprintf(cmd, sizeof cmd, "%s vtop %s 2>/dev/null", DMPKIT_PATH, x64_path);
	assert_int_equal(run(cmd), 2);

	snprintf(cmd, sizeof cmd, "%s read %s 0xfffff80012000000 8 --format a", DMPKIT_PATH,
	         x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "\"DKGENPFN\""));
	snprintf(cmd, sizeof cmd, "%s read %s 0xfffff80012000ff8 16 --format q", DMPKIT_PATH,
	         x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "4e46504e`45474b44")); /* "DKGENPFN" of 0x10B */
	snprintf(cmd, sizeof cmd, "%s read %s 0xfffff80012001ff8 16 2>/dev/null", DMPKIT_PATH,
	         x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 1);
	assert_non_null(strstr(out, "??"));
	snprintf(cmd, sizeof cmd, "%s read %s 0x10a000 8 --phys --format d --json", DMPKIT_PATH,
	         x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "0x45474b44")); /* "DKGE" */
	snprintf(cmd, sizeof cmd, "%s read %s 0x80405000 16 --format b", DMPKIT_PATH, x86_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "80405000  44 4b 47 45 4e 50 46 4e-05 00"));

	snprintf(cmd, sizeof cmd, "%s search %s 0xfffff80012000000 'L?0x5000' '\"DKGENPFN\"'",
	         DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_string_equal(out, "fffff800`12000000\nfffff800`12001000\n");
	snprintf(cmd, sizeof cmd, "%s search %s 0xfffff80012000000 0xfffff80012002000 --json"
	         " 44 4b 47 45 4e 50 46 4e 0b",
	         DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "0xfffff80012001000"));
	/* a hit across a page boundary: the last 2 bytes of 0x10A, "DK" of 0x10B */
	snprintf(cmd, sizeof cmd, "%s search %s 0xfffff80012000000 L0x2000 \"%02x %02x 44 4b\"",
	         DMPKIT_PATH, x64_path, (0x10A * 131 + 4094) & 0xFF, (0x10A * 131 + 4095) & 0xFF);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "fffff800`12000ffe\n"));
	snprintf(cmd, sizeof cmd, "%s search %s 0 0x100000000 '\"no such bytes\"' 2>/dev/null",
	         DMPKIT_PATH, x86_path);
	assert_int_equal(run(cmd), 1);
	snprintf(cmd, sizeof cmd, "%s search %s 0 0xffffffffffffffff '\"DKGENPFN\"' --phys"
	         " --max-hits 100 2>/dev/null | wc -l",
	         DMPKIT_PATH, x64_path);
	assert_int_equal(capture(cmd, out, sizeof out), 0);
	assert_int_equal(atoi(out), 46); /* 48 pages, 2 tags overwritten */
	/* the whole 64-bit space: bounded by the unmapped regions skipped */
	snprintf(cmd, sizeof cmd, "%s search %s 0 0xffffffffffffffff '\"DKGENPFN\"' 2>/dev/null",
	         DMPKIT_PATH, x64_path);
	assert_int_equal(run(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s search %s 0 L10 'zz' 2>/dev/null", DMPKIT_PATH, x64_path);
	assert_int_equal(run(cmd), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_library_x64),
		cmocka_unit_test(test_library_pae),
		cmocka_unit_test(test_cli),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
