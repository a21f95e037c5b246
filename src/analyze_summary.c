/* dmpkit analyze --summary DIR|FILE...: one JSON line per dump, for
 * grouping thousands of crashes.
 *
 * Each line says what crashed (a kernel dump's bugcheck, a minidump's
 * exception), where (faulting module and symbol) and gives a bucket id:
 * the FNV-1a 64 hash of
 *
 *     KIND "|" CODE ACCESS "|" MODULE "|" WHERE
 *
 * KIND "kernel" or "minidump"; CODE the bugcheck code (kernel) or the
 * exception code (minidump) as 8 lowercase hex digits, "none" when the
 * minidump has no exception; ACCESS ":read", ":write" or ":execute" when
 * the exception (of a minidump, or recovered from a kernel dump) is an
 * access violation or in-page error (ExceptionInformation[0] 0, 1, 8),
 * else empty, so that a read and a write at the same instruction differ;
 * MODULE the faulting module's file name in
 * lowercase ("" when no module holds the address); WHERE the function
 * name when a symbol is known, else "+0x" and the module offset rounded
 * down to 16 bytes in lowercase hex, else (no module) "@0x" and the address
 * rounded down to 16 bytes.  The id is printed as 16 lowercase hex digits.
 *
 * The faulting address is, for minidumps, the exception address; for
 * kernel dumps the one `analyze` blames in "Probably caused by": the
 * exception address when it is outside the kernel core, else the first
 * frame outside it on the bugchecking stack, else a code-address bugcheck
 * parameter, else the exception address or the first frame; raise helpers
 * (_CxxThrowException, RaiseException, ...: kstack_is_raise_helper) are
 * skipped.  A forced crash (0xE2, 0xDEADDEAD) with a user-mode exception
 * (a thread in UnhandledExceptionFilter or KiUserExceptionDispatcher) is
 * summarized by that exception and its culprit frame, as analyze does.
 *
 * Files are analyzed by min(2, nproc) worker processes (DMPKIT_SUMMARY_JOBS
 * overrides it, 1..64) that take the next file from a shared counter and
 * send "INDEX<TAB>LINE\n" records through a pipe each; the parent prints
 * the lines in input order.
 * SPDX-License-Identifier: MIT */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmpkit/bugcheck.h>
#include <dmpkit/disasm.h>
#include <dmpkit/kanalysis.h>
#include <dmpkit/minidump.h>
#include <dmpkit/status.h>
#include <dmpkit/symfile.h>

#include "analyze_summary.h"
#include "kstack.h"

/* What one dump says, filled by the per-kind analysis. */
typedef struct dump_summary {
	const char *kind;       /* "kernel_dump", "minidump", "unreadable" */
	char error[520];        /* "" when analyzed */
	bool triage;
	const dk_kdump_summary *kdump; /* kernel: header summary */
	uint64_t bc_params[4];  /* masked to the pointer size */
	bool have_exception;
	uint32_t exception_code;
	const char *access;     /* "read", "write", "execute" or NULL */
	char crash_reason[200];
	bool have_crash_address;
	uint64_t crash_address;
	bool have_fault;
	uint64_t fault_va;
	char module[96];        /* file name, "" when none */
	bool have_module;
	uint64_t module_offset;
	char function[160];     /* "" when no symbol */
	uint64_t function_offset;
	char symbol[320];       /* module!function+0xoff, module+0xoff, or "" */
	unsigned ptr;           /* 4 or 8 */
} dump_summary;

/* ---- bucket ---- */

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void bucket_id(const dump_summary *d, char out[17])
{
	char code[24], mod[96], where[200];
	bool kernel = strcmp(d->kind, "kernel_dump") == 0;
	uint32_t c = kernel ? d->kdump->bugcheck_code : d->exception_code;
	if (kernel || d->have_exception)
		snprintf(code, sizeof code, "%08" PRIx32, c);
	else
		snprintf(code, sizeof code, "none");
	if (d->access) {
		size_t cl = strlen(code);
		snprintf(code + cl, sizeof code - cl, ":%s", d->access);
	}
	size_t i = 0;
	for (; d->module[i] && i + 1 < sizeof mod; i++)
		mod[i] = (char)tolower((unsigned char)d->module[i]);
	mod[i] = 0;
	if (d->function[0])
		snprintf(where, sizeof where, "%s", d->function);
	else if (d->have_module)
		snprintf(where, sizeof where, "+0x%" PRIx64, d->module_offset & ~(uint64_t)0xF);
	else if (d->have_fault)
		snprintf(where, sizeof where, "@0x%" PRIx64, d->fault_va & ~(uint64_t)0xF);
	else
		where[0] = 0;
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv1a(h, kernel ? "kernel" : "minidump");
	h = fnv1a(h, "|");
	h = fnv1a(h, code);
	h = fnv1a(h, "|");
	h = fnv1a(h, mod);
	h = fnv1a(h, "|");
	h = fnv1a(h, where);
	snprintf(out, 17, "%016" PRIx64, h);
}

/* The access kind of an access violation or in-page error. */
static const char *access_kind(uint32_t code, uint32_t nparams, const uint64_t *info)
{
	if ((code != 0xC0000005u && code != 0xC0000006u) || nparams < 1)
		return NULL;
	return info[0] == 0 ? "read" : info[0] == 1 ? "write" : info[0] == 8 ? "execute" : NULL;
}

/* ---- kernel dumps ---- */


static void summarize_kernel(const char *path, size_t max_frames, dump_summary *d, kcli *c)
{
	dk_error e = { 0 };
	d->kind = "kernel_dump";
	dk_status st = dk_kdump_open(path, &c->dump, &e);
	if (st != DK_OK) {
		d->kind = "unreadable";
		snprintf(d->error, sizeof d->error, "%s", e.message[0] ? e.message : "not a dump");
		return;
	}
	d->kdump = dk_kdump_get_summary(c->dump);
	d->triage = dk_kdump_get_triage(c->dump) != NULL;
	st = dk_kernel_open(c->dump, &c->k, &e);
	if (st != DK_OK) {
		snprintf(d->error, sizeof d->error, "%s", e.message);
		return;
	}
	c->ptr = dk_kernel_bits(c->k) == 32 ? 4 : 8;
	d->ptr = c->ptr;
	uint64_t mask = c->ptr == 4 ? 0xFFFFFFFFu : ~0ull;
	for (int i = 0; i < 4; i++)
		d->bc_params[i] = d->kdump->bugcheck_parameters[i] & mask;
	uint32_t code = d->kdump->bugcheck_code;
	const dk_bugcheck_explanation *ex = dk_bugcheck_explain(code);

	kstack s;
	kstack_open(&s, c->k, max_frames);
	/* the bugchecking thread: CPU 0's current thread, as analyze */
	dk_kcpu *cpus = NULL;
	size_t ncpu = 0;
	uint64_t thread = 0;
	dk_frame *cframes = calloc(s.max_frames ? s.max_frames : 1, sizeof *cframes);
	dk_frame *xframes = calloc(s.max_frames ? s.max_frames : 1, sizeof *xframes);
	dk_walk_result cr = { cframes, 0, "" }, xr = { xframes, 0, "" };
	bool have_cr = false;
	if (dk_kernel_cpus(c->k, &cpus, &ncpu, NULL) == DK_OK && ncpu) {
		dk_regs regs;
		const char *from = "";
		thread = cpus[0].current_thread;
		if (cframes && kstack_cpu_regs(&s, c->dump, &cpus[0], &regs, &from)) {
			uint64_t lo = 0, hi = 0;
			if (!dk_kthread_stack(c->k, thread, &lo, &hi))
				lo = hi = 0;
			kstack_walk(&s, &regs, lo, hi, &cr);
			have_cr = true;
		}
	}
	free(cpus);

	dk_kexception x;
	dk_kernel_recover_exception(c->k, code, d->bc_params, thread, &x);
	if (x.have_context && xframes) {
		uint64_t lo = 0, hi = 0;
		if (!dk_kthread_stack(c->k, thread, &lo, &hi))
			lo = hi = 0;
		kstack_walk(&s, &x.regs, lo, hi, &xr);
	}
	if (x.have_record) {
		d->have_exception = true;
		d->exception_code = x.record.code;
		uint32_t np = x.record.nparams < 15 ? x.record.nparams : 15;
		d->access = access_kind(x.record.code, np, x.record.info);
		dk_crash_reason(x.record.code, np, x.record.info, d->crash_reason,
		                sizeof d->crash_reason);
		d->have_crash_address = true;
		d->crash_address =
			dk_crash_address(x.record.code, np, x.record.info, x.record.address) & mask;
	}
	const dk_walk_result *crash = x.have_context && xr.count ? &xr : have_cr ? &cr : NULL;
	d->have_fault = kstack_fault_va(&s, &x, crash, d->bc_params, ex, &d->fault_va);
	dk_ksym ks;
	kstack_user_cause uc;
	/* a forced crash: the user-mode exception analyze finds, if any */
	if ((code == 0xE2 || code == 0xDEADDEAD) && !x.have_record &&
	    kstack_user_culprit(c, &s, NULL, &uc)) {
		uint32_t np = uc.record.nparams < 15 ? uc.record.nparams : 15;
		d->have_exception = true;
		d->exception_code = uc.record.code;
		d->access = access_kind(uc.record.code, np, uc.record.info);
		dk_crash_reason(uc.record.code, np, uc.record.info, d->crash_reason,
		                sizeof d->crash_reason);
		d->have_crash_address = true;
		d->crash_address =
			dk_crash_address(uc.record.code, np, uc.record.info, uc.record.address) & mask;
		if (uc.va) {
			d->have_fault = true;
			d->fault_va = uc.va;
			d->have_module = uc.module[0] != 0;
			snprintf(d->module, sizeof d->module, "%s", uc.module);
			d->module_offset = uc.va - uc.sym.module_base;
			if (uc.have_sym) {
				if (uc.sym.symbol[0]) {
					snprintf(d->function, sizeof d->function, "%s", uc.sym.symbol);
					d->function_offset = uc.sym.offset;
				}
			}
			snprintf(d->symbol, sizeof d->symbol, "%s", uc.sym.text);
		}
	} else if (d->have_fault && s.syms && dk_ksyms_lookup(s.syms, d->fault_va, &ks)) {
		d->have_module = true;
		snprintf(d->module, sizeof d->module, "%s", ks.module_file);
		d->module_offset = d->fault_va - ks.module_base;
		if (ks.symbol[0]) {
			snprintf(d->function, sizeof d->function, "%s", ks.symbol);
			d->function_offset = ks.offset;
		}
		snprintf(d->symbol, sizeof d->symbol, "%s", ks.text);
	}
	free(cframes);
	free(xframes);
	kstack_close(&s);
}

/* ---- minidumps ---- */

static void summarize_minidump(const char *path, const char **symdirs, size_t nsymdirs,
                               dump_summary *d, dk_minidump **mdp)
{
	dk_error e = { 0 };
	d->kind = "minidump";
	if (dk_minidump_open(path, mdp, &e) != DK_OK) {
		d->kind = "unreadable";
		snprintf(d->error, sizeof d->error, "%s", e.message);
		return;
	}
	dk_minidump *md = *mdp;
	const dk_minidump_system_info *si = dk_minidump_get_system_info(md);
	d->ptr = si && si->arch == DK_ARCH_X86 ? 4 : 8;
	uint64_t mask = d->ptr == 4 ? 0xFFFFFFFFu : ~0ull;
	const dk_minidump_exception *ex = dk_minidump_get_exception(md);
	if (!ex)
		return; /* no crash: bucket by "none" */
	d->have_exception = true;
	d->exception_code = ex->code;
	uint32_t np = ex->number_parameters < 15 ? ex->number_parameters : 15;
	d->access = access_kind(ex->code, np, ex->parameters);
	dk_crash_reason(ex->code, np, ex->parameters, d->crash_reason, sizeof d->crash_reason);
	d->have_crash_address = true;
	d->crash_address = dk_crash_address(ex->code, np, ex->parameters, ex->address) & mask;
	d->have_fault = true;
	d->fault_va = ex->address & mask;

	size_t n;
	const dk_minidump_module *mm = dk_minidump_modules(md, &n);
	const dk_minidump_module *m = NULL;
	for (size_t i = 0; i < n && !m; i++)
		if (d->fault_va >= mm[i].base && d->fault_va - mm[i].base < mm[i].size)
			m = &mm[i];
	if (!m)
		return;
	const char *name = m->base_name ? m->base_name : m->name ? m->name : "";
	d->have_module = true;
	snprintf(d->module, sizeof d->module, "%s", name);
	d->module_offset = d->fault_va - m->base;
	dk_module dm = { m->base, m->size, name, m->name, m->debug_file,
		         m->debug_id[0] ? m->debug_id : NULL, m->code_id[0] ? m->code_id : NULL,
		         NULL };
	for (size_t i = 0; i < nsymdirs && !d->function[0]; i++) {
		dk_symfile *sf;
		if (dk_symfile_find(symdirs[i], &dm, &sf, &e) != DK_OK)
			continue;
		const char *fn = NULL, *file = NULL;
		uint64_t frva = 0;
		uint32_t line = 0;
		if (dk_symfile_lookup(sf, d->module_offset, &fn, &frva, &file, &line) && fn && fn[0]) {
			snprintf(d->function, sizeof d->function, "%s", fn);
			d->function_offset = d->module_offset - frva;
		}
		dk_symfile_free(sf);
	}
	if (d->function[0])
		snprintf(d->symbol, sizeof d->symbol, "%s!%s+0x%" PRIx64, name, d->function,
		         d->function_offset);
	else
		snprintf(d->symbol, sizeof d->symbol, "%s+0x%" PRIx64, name, d->module_offset);
}

/* ---- one file -> one line ---- */

static void json_hex_or_null(json *j, const char *key, bool have, uint64_t v)
{
	json_key(j, key);
	if (have)
		json_hex(j, v);
	else
		json_null(j);
}

static void json_str_or_null(json *j, const char *key, const char *v)
{
	json_key(j, key);
	if (v && v[0])
		json_string(j, v);
	else
		json_null(j);
}

/* Writes the JSON line of `path` (with its newline) to f; false when the
 * file was not analyzed. */
static bool summarize_file(const char *path, const char **symdirs, size_t nsymdirs,
                           size_t max_frames, FILE *f)
{
	dump_summary d;
	memset(&d, 0, sizeof d);
	d.kind = "unreadable";
	kcli c;
	memset(&c, 0, sizeof c);
	dk_minidump *md = NULL;

	struct stat sb;
	uint8_t sig[8] = { 0 };
	size_t got = 0;
	FILE *in = NULL;
	if (stat(path, &sb) != 0)
		snprintf(d.error, sizeof d.error, "%s", strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		snprintf(d.error, sizeof d.error, "not a regular file");
	else if (!(in = fopen(path, "rb")))
		snprintf(d.error, sizeof d.error, "cannot open: %s", strerror(errno));
	if (in) {
		got = fread(sig, 1, sizeof sig, in);
		fclose(in);
		if (got >= 4 && dk_minidump_is_minidump(sig, 4))
			summarize_minidump(path, symdirs, nsymdirs, &d, &md);
		else if (got >= 4 && (memcmp(sig, "PAGE", 4) == 0 || memcmp(sig, "PAGEDU64", 8) == 0))
			summarize_kernel(path, max_frames, &d, &c);
		else
			snprintf(d.error, sizeof d.error, "not a kernel dump or minidump");
	}

	bool kernel = strcmp(d.kind, "kernel_dump") == 0;
	bool ok = strcmp(d.kind, "unreadable") != 0 && !d.error[0];
	json j;
	json_init(&j, f);
	json_begin_object(&j);
	json_key(&j, "file");
	json_string(&j, path);
	json_key(&j, "kind");
	json_string(&j, d.kind);
	if (kernel) {
		json_key(&j, "triage");
		json_bool(&j, d.triage);
		json_bugcheck(&j, d.kdump);
	}
	if (strcmp(d.kind, "unreadable") != 0) {
		json_str_or_null(&j, "crash_reason", d.crash_reason);
		json_hex_or_null(&j, "crash_address", d.have_crash_address, d.crash_address);
		json_hex_or_null(&j, "exception_code", d.have_exception, d.exception_code);
		json_str_or_null(&j, "exception_name",
		                 d.have_exception ? dk_exception_code_name(d.exception_code) : NULL);
		json_str_or_null(&j, "access", d.access);
		json_hex_or_null(&j, "faulting_address", d.have_fault, d.fault_va);
		json_str_or_null(&j, "module", d.module);
		json_hex_or_null(&j, "module_offset", d.have_module, d.module_offset);
		json_str_or_null(&j, "function", d.function);
		json_str_or_null(&j, "symbol", d.symbol);
		char b[17];
		bucket_id(&d, b);
		json_key(&j, "bucket");
		json_string(&j, b);
	} else {
		json_key(&j, "bucket");
		json_null(&j);
	}
	json_str_or_null(&j, "error", d.error);
	json_end_object(&j);
	json_end(&j);

	if (md)
		dk_minidump_close(md);
	kcli_close(&c);
	return ok;
}

/* ---- the file list ---- */

typedef struct flist {
	char **v;
	size_t n, cap;
} flist;

static bool flist_add(flist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return false;
	l->n++;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files below dir, sorted by name at each level; symbolic links
 * and other file types are skipped.  Depth is bounded. */
static bool add_dir(flist *l, const char *dir, unsigned depth)
{
	if (depth > 64)
		return true;
	DIR *dp = opendir(dir);
	if (!dp)
		return flist_add(l, dir); /* reported as unreadable */
	flist names = { 0 };
	bool ok = true;
	struct dirent *de;
	while (ok && (de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ok = flist_add(&names, de->d_name);
	}
	closedir(dp);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	size_t dl = strlen(dir);
	bool slash = dl && dir[dl - 1] == '/';
	for (size_t i = 0; ok && i < names.n; i++) {
		size_t len = dl + 1 + strlen(names.v[i]) + 1;
		char *p = malloc(len);
		if (!p) {
			ok = false;
			break;
		}
		snprintf(p, len, "%s%s%s", dir, slash ? "" : "/", names.v[i]);
		struct stat sb;
		if (lstat(p, &sb) == 0) {
			if (S_ISREG(sb.st_mode))
				ok = flist_add(l, p);
			else if (S_ISDIR(sb.st_mode))
				ok = add_dir(l, p, depth + 1);
		}
		free(p);
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	return ok;
}

static void flist_free(flist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* ---- the worker pool ---- */

static unsigned summary_jobs(size_t nfiles)
{
	long np = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned jobs = np >= 2 ? 2 : 1;
	const char *env = getenv("DMPKIT_SUMMARY_JOBS");
	if (env && *env) {
		char *end;
		unsigned long v = strtoul(env, &end, 10);
		if (!*end && v >= 1 && v <= 64)
			jobs = (unsigned)v;
	}
	if (jobs > nfiles)
		jobs = nfiles ? (unsigned)nfiles : 1;
	return jobs;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

typedef struct summary_args {
	const char **symdirs;
	size_t nsymdirs, max_frames;
} summary_args;

/* One worker: takes indices from the shared counter until none is left;
 * each record is "INDEX\tOK\tLINE" (LINE ends with its newline). */
static void worker(const flist *l, const summary_args *a, size_t *next, int fd)
{
	for (;;) {
		size_t i = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED);
		if (i >= l->n)
			break;
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (!m)
			_exit(3);
		fprintf(m, "%zu\t", i);
		long at = ftell(m);
		fputs("0\t", m);
		bool ok = summarize_file(l->v[i], a->symdirs, a->nsymdirs, a->max_frames, m);
		if (fclose(m) != 0)
			_exit(3);
		buf[at] = ok ? '1' : '0';
		if (!write_all(fd, buf, len))
			_exit(3);
		free(buf);
	}
}

/* A line for a file whose worker died before answering. */
static void lost_line(const char *path)
{
	json j;
	json_init(&j, stdout);
	json_begin_object(&j);
	json_key(&j, "file");
	json_string(&j, path);
	json_key(&j, "kind");
	json_string(&j, "unreadable");
	json_key(&j, "bucket");
	json_null(&j);
	json_key(&j, "error");
	json_string(&j, "the worker analyzing this file stopped");
	json_end_object(&j);
	json_end(&j);
}

/* Reads records from the workers and prints them in order.  Returns how
 * many files were not analyzed. */
static size_t collect(const flist *l, int *fds, unsigned jobs)
{
	char **lines = calloc(l->n, sizeof *lines);
	bool *good = calloc(l->n, sizeof *good);
	char **buf = calloc(jobs, sizeof *buf);
	size_t *blen = calloc(jobs, sizeof *blen), *bcap = calloc(jobs, sizeof *bcap);
	struct pollfd *pf = calloc(jobs, sizeof *pf);
	size_t bad = 0, printed = 0;
	if (!lines || !good || !buf || !blen || !bcap || !pf) {
		bad = l->n;
		goto out;
	}
	unsigned open_fds = jobs;
	for (;;) {
		while (printed < l->n && lines[printed]) {
			fputs(lines[printed], stdout);
			bad += !good[printed];
			free(lines[printed]);
			lines[printed] = NULL;
			printed++;
		}
		fflush(stdout);
		if (!open_fds)
			break;
		for (unsigned w = 0; w < jobs; w++) {
			pf[w].fd = fds[w];
			pf[w].events = POLLIN;
			pf[w].revents = 0;
		}
		if (poll(pf, jobs, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned w = 0; w < jobs; w++) {
			if (fds[w] < 0 || !(pf[w].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (bcap[w] - blen[w] < 65536) {
				size_t cap = bcap[w] ? bcap[w] * 2 : 131072;
				char *nb = realloc(buf[w], cap);
				if (!nb) {
					close(fds[w]);
					fds[w] = -1;
					open_fds--;
					continue;
				}
				buf[w] = nb;
				bcap[w] = cap;
			}
			ssize_t r = read(fds[w], buf[w] + blen[w], bcap[w] - blen[w]);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(fds[w]);
				fds[w] = -1;
				open_fds--;
				continue;
			}
			blen[w] += (size_t)r;
			/* complete records */
			size_t start = 0;
			for (;;) {
				char *nl = memchr(buf[w] + start, '\n', blen[w] - start);
				if (!nl)
					break;
				size_t end = (size_t)(nl - buf[w]) + 1;
				char *rec = buf[w] + start, *tab = NULL;
				unsigned long long idx = strtoull(rec, &tab, 10);
				if (tab && tab[0] == '\t' && idx < l->n && !lines[idx] &&
				    (tab[1] == '0' || tab[1] == '1') && tab[2] == '\t') {
					size_t n = (size_t)(buf[w] + end - (tab + 3));
					lines[idx] = malloc(n + 1);
					if (lines[idx]) {
						memcpy(lines[idx], tab + 3, n);
						lines[idx][n] = 0;
						good[idx] = tab[1] == '1';
					}
				}
				start = end;
			}
			memmove(buf[w], buf[w] + start, blen[w] - start);
			blen[w] -= start;
		}
	}
	/* files whose worker died (or whose record was lost) */
	for (; printed < l->n; printed++) {
		if (lines[printed]) {
			fputs(lines[printed], stdout);
			bad += !good[printed];
			free(lines[printed]);
		} else {
			lost_line(l->v[printed]);
			bad++;
		}
	}
	fflush(stdout);
out:
	for (unsigned w = 0; buf && w < jobs; w++)
		free(buf[w]);
	free(buf);
	free(blen);
	free(bcap);
	free(pf);
	free(lines);
	free(good);
	return bad;
}

int analyze_summary(const char **ops, int nops, const char **symdirs, size_t nsymdirs,
                    size_t max_frames)
{
	flist l = { 0 };
	int rc = EXIT_USAGE;
	for (int i = 0; i < nops; i++) {
		struct stat sb;
		bool ok = stat(ops[i], &sb) == 0 && S_ISDIR(sb.st_mode) ? add_dir(&l, ops[i], 0)
		                                                         : flist_add(&l, ops[i]);
		if (!ok) {
			fprintf(stderr, "dmpkit analyze: out of memory\n");
			goto out;
		}
	}
	summary_args a = { symdirs, nsymdirs, max_frames };
	unsigned jobs = summary_jobs(l.n);
	size_t bad = 0;
	if (jobs <= 1) {
		for (size_t i = 0; i < l.n; i++) {
			bad += !summarize_file(l.v[i], symdirs, nsymdirs, max_frames, stdout);
			fflush(stdout);
		}
		rc = bad ? EXIT_PROBLEMS : EXIT_GOOD;
		goto out;
	}

	size_t *next = mmap(NULL, sizeof *next, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	                    -1, 0);
	if (next == MAP_FAILED) {
		fprintf(stderr, "dmpkit analyze: mmap: %s\n", strerror(errno));
		goto out;
	}
	*next = 0;
	int fds[64];
	pid_t pids[64];
	unsigned started = 0;
	fflush(stdout);
	fflush(stderr);
	for (; started < jobs; started++) {
		int p[2];
		if (pipe(p) != 0)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pid == 0) {
			close(p[0]);
			for (unsigned w = 0; w < started; w++)
				close(fds[w]);
			worker(&l, &a, next, p[1]);
			close(p[1]);
			_exit(0);
		}
		close(p[1]);
		fds[started] = p[0];
		pids[started] = pid;
	}
	if (!started) {
		fprintf(stderr, "dmpkit analyze: cannot start workers: %s\n", strerror(errno));
		munmap(next, sizeof *next);
		goto out;
	}
	bad = collect(&l, fds, started);
	for (unsigned w = 0; w < started; w++) {
		if (fds[w] >= 0)
			close(fds[w]);
		int st;
		while (waitpid(pids[w], &st, 0) < 0 && errno == EINTR)
			;
	}
	munmap(next, sizeof *next);
	rc = bad ? EXIT_PROBLEMS : EXIT_GOOD;
out:
	flist_free(&l);
	return rc;
}
