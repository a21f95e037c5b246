/* Issue 5's two user stories on synthetic w2003_x86 images (kgen --story):
 *   filter:  0x1E c0000005 <mydrv!MyDrvInner+9> 0 1d with an exception
 *            filter (PspUnhandledExceptionInSystemThread) holding the
 *            EXCEPTION_POINTERS on the bugchecking thread's stack;
 *   trap:    the same bugcheck with only a KTRAP_FRAME on that stack;
 *   service: a manual crash (0xE2) with svc.exe's thread waiting in
 *            kernel32!UnhandledExceptionFilter after _com_raise_error(E_POINTER);
 *   dispatcher: the same, the exception found through the
 *            ntdll!KiUserExceptionDispatcher frame below the filter;
 *   service-scan: the same, the thread's user trap frame found by scanning
 *            the top of its kernel stack.
 * `dmpkit analyze` (text and --json) must find exactly the exception, the
 * context registers, the faulting instruction and the stack frames that
 * kgen --print-layout lists.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#ifdef KGEN_PATH

#include "capture.h"

typedef struct layout {
	char key[4096][64];
	char val[4096][128];
	size_t n;
} layout;

static const char *lv(const layout *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->key[i], key))
			return l->val[i];
	fail_msg("layout key %s missing", key);
	return NULL;
}

static uint64_t lx(const layout *l, const char *key)
{
	return strtoull(lv(l, key), NULL, 0);
}

static layout *gen(const char *story, char *out, size_t outsize)
{
	mkdir(TEST_TMPDIR, 0755);
	snprintf(out, outsize, "%s/story_%s.dmp", TEST_TMPDIR, story);
	int rc;
	char *txt = run(&rc, "'%s' '%s' --profile w2003_x86 --story %s --print-layout --force", KGEN_PATH,
	                out, story);
	assert_int_equal(rc, 0);
	layout *l = calloc(1, sizeof *l);
	assert_non_null(l);
	for (char *line = strtok(txt, "\n"); line && l->n < 4096; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = 0;
		snprintf(l->key[l->n], 64, "%.63s", line);
		snprintf(l->val[l->n], 128, "%.127s", sp + 1);
		l->n++;
	}
	free(txt);
	assert_string_equal(lv(l, "story"), story);
	return l;
}

/* The registers, frames and instruction of one recovered exception, in
 * the text output (after `from`) and in JSON (after `json_from`). */
static void check_exception(const layout *l, const char *text, const char *from, const char *json,
                            const char *json_from, const char *insn)
{
	char b[8][160];
	const char *t = strstr(text, from);
	if (!t)
		fail_msg("'%s' not found in:\n%s", from, text);
	snprintf(b[0], sizeof b[0], "eip=%08llx", (unsigned long long)lx(l, "story_context_eip"));
	snprintf(b[1], sizeof b[1], "esp=%08llx", (unsigned long long)lx(l, "story_context_esp"));
	snprintf(b[2], sizeof b[2], "ebp=%08llx", (unsigned long long)lx(l, "story_context_ebp"));
	snprintf(b[3], sizeof b[3], "edi=%08llx", (unsigned long long)lx(l, "story_context_edi"));
	for (int i = 0; i < 4; i++)
		expect_has(t, b[i]);
	snprintf(b[4], sizeof b[4], "%s: %s", lv(l, "story_frame0"), insn);
	expect_has(t, b[4]);
	const char *fr[8];
	size_t nf = (size_t)lx(l, "story_frame_count");
	assert_true(nf >= 2 && nf <= 8);
	char keys[8][32];
	for (size_t i = 0; i < nf; i++) {
		snprintf(keys[i], sizeof keys[i], "story_frame%zu", i);
		fr[i] = lv(l, keys[i]);
	}
	const char *st = strstr(t, "Stack from the exception context");
	assert_non_null(st);
	expect_in_order(st, fr, nf);

	const char *j = strstr(json, json_from);
	if (!j)
		fail_msg("'%s' not found in:\n%s", json_from, json);
	snprintf(b[0], sizeof b[0], "\"exception_address\":\"0x%llx\"",
	         (unsigned long long)lx(l, "story_exception_address"));
	snprintf(b[1], sizeof b[1], "\"eip\":\"0x%llx\"", (unsigned long long)lx(l, "story_context_eip"));
	snprintf(b[2], sizeof b[2], "\"esp\":\"0x%llx\"", (unsigned long long)lx(l, "story_context_esp"));
	snprintf(b[3], sizeof b[3], "\"ebp\":\"0x%llx\"", (unsigned long long)lx(l, "story_context_ebp"));
	snprintf(b[4], sizeof b[4], "\"edi\":\"0x%llx\"", (unsigned long long)lx(l, "story_context_edi"));
	snprintf(b[5], sizeof b[5], "\"text\":\"%s\"", insn);
	for (int i = 0; i < 6; i++)
		expect_has(j, b[i]);
	const char *js = strstr(j, "\"stack\":{\"frames\":[");
	assert_non_null(js);
	char q[8][128];
	const char *qs[8];
	for (size_t i = 0; i < nf; i++) {
		snprintf(q[i], sizeof q[i], "\"symbol\":\"%s\"", fr[i]);
		qs[i] = q[i];
	}
	expect_in_order(js, qs, nf);
	/* the walk ends there: no further frame before stop_reason */
	const char *stop = strstr(js, "\"stop_reason\"");
	assert_non_null(stop);
	const char *last = strstr(js, qs[nf - 1]);
	assert_true(last && last < stop);
	assert_null(memchr(last + strlen(qs[nf - 1]), '{', (size_t)(stop - last - strlen(qs[nf - 1]))));
}

static void check_thread_frames(const layout *l, const char *text)
{
	char keys[8][40];
	const char *fr[8];
	size_t n = (size_t)lx(l, "story_thread_frame_count");
	assert_true(n >= 1 && n <= 8);
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[i], sizeof keys[i], "story_thread_frame%zu", i);
		fr[i] = lv(l, keys[i]);
	}
	expect_in_order(text, fr, n);
}

static void kernel_story(const char *story, const char *source)
{
	char path[512];
	layout *l = gen(story, path, sizeof path);
	int rc;
	char *text = run(&rc, "'%s' analyze '%s' 2>/dev/null", DMPKIT_PATH, path);
	assert_int_equal(rc, 0);
	char *json = run(&rc, "'%s' analyze --json '%s' 2>/dev/null", DMPKIT_PATH, path);
	assert_int_equal(rc, 0);
	char b[200];
	snprintf(b, sizeof b, "Bugcheck 0x0000001E (KMODE_EXCEPTION_NOT_HANDLED): 0xc0000005 0x%llx 0x0 0x1d",
	         (unsigned long long)lx(l, "story_exception_address"));
	expect_has(text, b);
	expect_has(text, source);
	snprintf(b, sizeof b, "Exception address: %08llx (%s)",
	         (unsigned long long)lx(l, "story_exception_address"), lv(l, "story_frame0"));
	expect_has(text, b);
	if (!strcmp(story, "filter")) {
		snprintf(b, sizeof b, "EXCEPTION_POINTERS at 0x%llx",
		         (unsigned long long)lx(l, "story_exception_pointers"));
		expect_has(text, b);
		snprintf(b, sizeof b, "Context record at %08llx", (unsigned long long)lx(l, "story_context"));
		expect_has(text, b);
		expect_has(text, "ExceptionCode: c0000005 (EXCEPTION_ACCESS_VIOLATION)");
		expect_has(text, "Parameter[1]: 0000001d");
		expect_has(json, "\"exception_code\":\"0xc0000005\"");
		snprintf(b, sizeof b, "\"context_address\":\"0x%llx\"", (unsigned long long)lx(l, "story_context"));
		expect_has(json, b);
	} else {
		snprintf(b, sizeof b, "trap frame at 0x%llx", (unsigned long long)lx(l, "story_trap_frame"));
		expect_has(text, b);
		snprintf(b, sizeof b, "\"trap_frame_address\":\"0x%llx\"",
		         (unsigned long long)lx(l, "story_trap_frame"));
		expect_has(json, b);
	}
	check_exception(l, text, "\nException:", json, "\"exception\":{",
	                "test byte ptr [edi+0x1D], 0x08");
	check_thread_frames(l, strstr(text, "Processor 0:"));
	expect_has(text, "Probably caused by: mydrv.sys (mydrv!MyDrvInner+0x9)");
	free(text);
	free(json);
	free(l);
}

static void test_story_filter(void **state)
{
	(void)state;
	kernel_story("filter", "exception filter argument: first argument of "
	                       "nt!PspUnhandledExceptionInSystemThread+0x1c");
}

static void test_story_trap(void **state)
{
	(void)state;
	kernel_story("trap", "found by scanning the stack of thread");
}

/* service and its variants: dispatcher (the exception found through
 * ntdll!KiUserExceptionDispatcher's frame, the filter's argument being
 * useless) and service-scan (the user trap frame away from the
 * InitialStack slot: found by scanning the top of the kernel stack). */
static void service_story(const char *story)
{
	char path[512];
	layout *l = gen(story, path, sizeof path);
	bool dispatcher = !strcmp(story, "dispatcher"), scan = !strcmp(story, "service-scan");
	int rc;
	for (int pass = 0; pass < 2; pass++) {
		/* automatic (manual crash), then asked for with --process (pid) */
		char opt[64] = "";
		if (pass) {
			snprintf(opt, sizeof opt, "--process %llu", (unsigned long long)lx(l, "story_pid"));
			char *usage = run(&rc, "'%s' analyze %s --json '%s' >/dev/null 2>&1; echo", DMPKIT_PATH,
			                  opt, path);
			free(usage);
			if (rc != 0)
				break;
			/* cmd_analyze.c may not pass --process on yet */
			char *probe = run(&rc, "'%s' analyze %s '%s' 2>&1", DMPKIT_PATH, opt, path);
			bool known = !strstr(probe, "unknown option");
			free(probe);
			if (!known)
				break;
		}
		char *text = run(&rc, "'%s' analyze %s '%s' 2>/dev/null", DMPKIT_PATH, opt, path);
		assert_int_equal(rc, 0);
		char *json = run(&rc, "'%s' analyze %s --json '%s' 2>/dev/null", DMPKIT_PATH, opt, path);
		assert_int_equal(rc, 0);
		expect_has(text, "Bugcheck 0x000000E2 (MANUALLY_INITIATED_CRASH)");
		char b[200];
		snprintf(b, sizeof b, "User-mode exception: process %s (pid %llu)", lv(l, "story_process"),
		         (unsigned long long)lx(l, "story_pid"));
		expect_has(text, b);
		snprintf(b, sizeof b, "(tid 0x%llx)", (unsigned long long)lx(l, "story_tid"));
		expect_has(text, b);
		if (dispatcher)
			snprintf(b, sizeof b,
			         "user-mode exception dispatcher frame: arguments of "
			         "ntdll!KiUserExceptionDispatcher+0xf (frame 3 of thread 0x%llx): "
			         "EXCEPTION_RECORD at 0x%llx and CONTEXT at 0x%llx",
			         (unsigned long long)lx(l, "story_tid"),
			         (unsigned long long)lx(l, "story_exception_record"),
			         (unsigned long long)lx(l, "story_context"));
		else
			snprintf(b, sizeof b,
			         "first argument of kernel32!UnhandledExceptionFilter+0x14 (frame 1 of "
			         "thread 0x%llx): EXCEPTION_POINTERS at 0x%llx",
			         (unsigned long long)lx(l, "story_tid"),
			         (unsigned long long)lx(l, "story_exception_pointers"));
		expect_has(text, b);
		/* service: KTHREAD.TrapFrame; dispatcher: the InitialStack slot;
		 * service-scan: neither */
		const char *how = scan         ? "found by scanning the top of the kernel stack"
		                  : dispatcher ? "at InitialStack - sizeof(KTRAP_FRAME)"
		                               : "KTHREAD.TrapFrame";
		snprintf(b, sizeof b, "user-mode trap frame at %08llx (%s)",
		         (unsigned long long)lx(l, "story_trap_frame"), how);
		expect_has(text, b);
		snprintf(b, sizeof b, "\"trap_frame_address\":\"0x%llx\",\"trap_frame_found_by\":\"%s\"",
		         (unsigned long long)lx(l, "story_trap_frame"), how);
		expect_has(json, b);
		snprintf(b, sizeof b, "\"context_address\":\"0x%llx\"",
		         (unsigned long long)lx(l, "story_context"));
		expect_has(json, b);
		check_thread_frames(l, strstr(text, "User-mode exception:"));
		snprintf(b, sizeof b, "ExceptionAddress: %08llx (%s)",
		         (unsigned long long)lx(l, "story_exception_address"), lv(l, "story_frame0"));
		expect_has(text, b);
		expect_has(text, "ExceptionCode: e06d7363");
		snprintf(b, sizeof b, "Context record at %08llx", (unsigned long long)lx(l, "story_context"));
		expect_has(text, b);
		check_exception(l, text, "User-mode exception:", json, "\"user_exception\":{", "leave");
		/* _com_raise_error(80004003): !error 80004003 */
		expect_has(text, "80004003 = HRESULT E_POINTER  (argument 1 of svc!_com_raise_error+0x16");
		expect_has(json, "\"value\":\"0x80004003\",\"frame\":2,\"argument\":1,"
		                 "\"function\":\"svc!_com_raise_error+0x16\",\"names\":[\"HRESULT E_POINTER\"]");
		expect_has(json, "\"exception_code\":\"0xe06d7363\"");
		/* the raise helpers (kernel32!RaiseException, _CxxThrowException)
		 * are skipped: the function that raised is blamed */
		expect_has(text, "Probably caused by: svc.exe (svc!_com_raise_error+0x16)");
		expect_has(json, "\"probably_caused_by\":\"svc.exe (svc!_com_raise_error+0x16)\"");
		snprintf(b, sizeof b, "\"pid\":%llu", (unsigned long long)lx(l, "story_pid"));
		expect_has(json, b);
		free(text);
		free(json);
	}
	free(l);
}

static void test_story_service(void **state)
{
	(void)state;
	service_story("service");
}

static void test_story_dispatcher(void **state)
{
	(void)state;
	service_story("dispatcher");
}

static void test_story_service_scan(void **state)
{
	(void)state;
	service_story("service-scan");
}

static void test_story_usage(void **state)
{
	(void)state;
	int rc;
	char *o = run(&rc, "'%s' %s/x.dmp --profile w7_x64 --story trap --force 2>&1", KGEN_PATH,
	              TEST_TMPDIR);
	assert_int_equal(rc, 2);
	expect_has(o, "w2003_x86");
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_story_filter),
		cmocka_unit_test(test_story_trap),
		cmocka_unit_test(test_story_service),
		cmocka_unit_test(test_story_dispatcher),
		cmocka_unit_test(test_story_service_scan),
		cmocka_unit_test(test_story_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
static void test_skipped(void **state)
{
	(void)state;
	print_message("skipped: kgen is not built\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_skipped) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
