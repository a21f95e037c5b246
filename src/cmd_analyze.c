/* dmpkit analyze — what crashed, where, and the stacks.
 *
 * Minidumps: crash reason and address, crashing thread, the stack of every
 * thread (walked with dk_stackwalk: context, unwind data, frame pointers,
 * scanning), modules with versions and debug identifiers, thread names.
 * --json follows rust-minidump's JSON field names (minidump-processor
 * json-schema.md) where the concepts match.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/disasm.h>
#include <dmpkit/minidump.h>
#include <dmpkit/stackwalk.h>
#include <dmpkit/status.h>
#include <dmpkit/symfile.h>

#include "analyze_summary.h"
#include "cli.h"
#include "kstack.h"

void help_analyze(FILE *f)
{
	fprintf(f,
	        "Usage: dmpkit analyze [--json] [--symbols DIR]... [--brief] [--max-frames N]\n"
	        "                      [--process P] FILE\n"
	        "       dmpkit analyze --summary [--symbols DIR]... DIR|FILE...\n"
	        "\n"
	        "Explain a crash.  For a user-mode minidump (MDMP): the crash reason\n"
	        "(exception code named: access violation read/write/execute with the\n"
	        "address, C++ exceptions, fast-fail codes, stack overflow ...), the crashing\n"
	        "thread and module, the stack of every thread with each frame marked by how\n"
	        "it was found (context, cfi, frame_pointer, scan), the modules with their\n"
	        "versions and debug identifiers, and thread names.\n"
	        "\n"
	        "For a kernel dump: the bugcheck named and explained parameter by parameter\n"
	        "(status codes named, modules and symbols of addresses), the exception\n"
	        "record and context recovered from the parameters or a trap-frame scan of\n"
	        "the bugchecking thread's stack, the faulting instruction, the stack from\n"
	        "that context, every processor's stack and a \"Probably caused by\" line.\n"
	        "\n"
	        "Options:\n"
	        "  --json          print JSON using rust-minidump's field names\n"
	        "  --symbols DIR   breakpad .sym files in DIR/<debug file>/<debug id>/<name>.sym\n"
	        "                  (repeatable)\n"
	        "  --brief         only the crashing thread's stack (text output)\n"
	        "  --max-frames N  at most N frames per thread (default 256)\n"
	        "  --summary       one JSON line per dump (every regular file below each DIR),\n"
	        "                  in input order: bugcheck or exception, faulting module and\n"
	        "                  symbol, and a bucket id shared by crashes at the same place;\n"
	        "                  two worker processes when there are two CPUs\n"
	        "  --process P     kernel dumps: also recover a user-mode exception in process\n"
	        "                  P (PID, EPROCESS address or image name) from the\n"
	        "                  UnhandledExceptionFilter or KiUserExceptionDispatcher frame\n"
	        "                  of one of its threads (done by itself for manually\n"
	        "                  initiated crashes)\n"
	        "\n"
	        "Exit status: 0 analyzed, 1 the file is damaged or not a dump dmpkit can\n"
	        "analyze (--summary: some file was not analyzed), 2 usage or I/O error.\n");
}

typedef struct analysis {
	dk_minidump *md;
	const dk_minidump_system_info *si;
	dk_arch arch;
	unsigned ptr_width; /* 4 or 8 */
	dk_module *mods;     /* sorted by base */
	size_t nmods;
	size_t *mod_index;   /* dk_module index -> minidump module index */
	dk_symfile **syms;
	dk_vmem mem;
	size_t max_frames;
} analysis;

static int cmp_mod(const void *a, const void *b)
{
	const dk_module *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

static void load_modules(analysis *an, const char **symdirs, size_t nsymdirs)
{
	size_t n;
	const dk_minidump_module *mm = dk_minidump_modules(an->md, &n);
	an->mods = calloc(n ? n : 1, sizeof *an->mods);
	an->syms = calloc(n ? n : 1, sizeof *an->syms);
	if (!an->mods || !an->syms)
		return;
	for (size_t i = 0; i < n; i++) {
		dk_module *m = &an->mods[an->nmods++];
		m->base = mm[i].base;
		m->size = mm[i].size;
		m->name = mm[i].base_name ? mm[i].base_name : mm[i].name;
		m->path = mm[i].name;
		m->debug_file = mm[i].debug_file;
		m->debug_id = mm[i].debug_id[0] ? mm[i].debug_id : NULL;
		m->code_id = mm[i].code_id[0] ? mm[i].code_id : NULL;
	}
	/* remember the original order before sorting: by base+name lookup */
	qsort(an->mods, an->nmods, sizeof *an->mods, cmp_mod);
	for (size_t i = 0; i < an->nmods; i++) {
		dk_module *m = &an->mods[i];
		for (size_t d = 0; d < nsymdirs && !m->symbols; d++) {
			dk_symfile *s;
			dk_error e;
			if (dk_symfile_find(symdirs[d], m, &s, &e) == DK_OK) {
				an->syms[i] = s;
				m->symbols = s;
			}
		}
	}
}

static void free_modules(analysis *an)
{
	for (size_t i = 0; i < an->nmods; i++)
		if (an->syms && an->syms[i])
			dk_symfile_free(an->syms[i]);
	free(an->syms);
	free(an->mods);
}

/* The thread's GetLastError() value from its TEB (LastErrorValue at
 * TEB+0x34 on x86, +0x68 on x64; winternl.h TEB layouts). */
static bool last_error(analysis *an, uint64_t teb, uint32_t *out)
{
	uint64_t off = an->arch == DK_ARCH_X86 ? 0x34 : an->arch == DK_ARCH_AMD64 ? 0x68 : 0;
	uint8_t b[4];
	if (!off || !teb || an->mem.read(an->mem.ctx, teb + off, b, 4) != DK_OK)
		return false;
	*out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return true;
}

static void walk(analysis *an, const uint8_t *ctx, size_t ctxlen, const dk_minidump_thread *t,
                 dk_walk_result *res)
{
	dk_walk_input in;
	memset(&in, 0, sizeof in);
	in.arch = an->arch;
	in.mem = &an->mem;
	in.modules = an->mods;
	in.nmodules = an->nmods;
	in.max_frames = an->max_frames;
	if (t && t->stack_size) {
		in.stack_limit = t->stack_start;
		in.stack_base = t->stack_start + t->stack_size;
	}
	res->count = 0;
	res->stop_reason[0] = 0;
	dk_error e;
	if (!ctx || dk_regs_from_context(an->arch, ctx, ctxlen, &in.start) != DK_OK) {
		snprintf(res->stop_reason, sizeof res->stop_reason, "no usable context");
		return;
	}
	if (dk_stackwalk(&in, res, &e) != DK_OK)
		snprintf(res->stop_reason, sizeof res->stop_reason, "%.120s", e.message);
}

static void addr_text(const analysis *an, uint64_t a, char *buf, size_t size)
{
	if (an->ptr_width == 4)
		snprintf(buf, size, "0x%08" PRIx64, a & 0xFFFFFFFFu);
	else
		snprintf(buf, size, "0x%016" PRIx64, a);
}

static void frame_text(const analysis *an, const dk_frame *f, char *buf, size_t size)
{
	const dk_module *m = f->module >= 0 ? &an->mods[f->module] : NULL;
	if (m && f->function[0]) {
		int n = snprintf(buf, size, "%s!%s", m->name, f->function);
		if (f->file[0] && n > 0 && (size_t)n < size)
			n += snprintf(buf + n, size - (size_t)n, " [%s : %u + 0x%" PRIx64 "]", f->file,
			              f->line, f->function_offset);
		else if (n > 0 && (size_t)n < size)
			snprintf(buf + n, size - (size_t)n, " + 0x%" PRIx64, f->function_offset);
	} else if (m) {
		snprintf(buf, size, "%s + 0x%" PRIx64, m->name, f->pc - m->base);
	} else {
		addr_text(an, f->pc, buf, size);
	}
}

static const char *trust_json(dk_frame_trust t)
{
	switch (t) {
	case DK_TRUST_CONTEXT: return "context";
	case DK_TRUST_CFI: return "cfi";
	case DK_TRUST_TRAP: return "trap_frame";
	case DK_TRUST_FP: return "frame_pointer";
	default: return "scan";
	}
}

/* register names for output, by dk_regs index */
static const char *reg_name(dk_arch arch, unsigned i)
{
	static const char *const x86[] = { "eax", "ecx", "edx", "ebx", "esp", "ebp",
	                                   "esi", "edi", "eip", "eflags" };
	static const char *const x64[] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
	                                   "rdi", "r8",  "r9",  "r10", "r11", "r12", "r13",
	                                   "r14", "r15", "rip", "rflags" };
	static const char *const a64[] = { "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",
	                                   "x7",  "x8",  "x9",  "x10", "x11", "x12", "x13",
	                                   "x14", "x15", "x16", "x17", "x18", "x19", "x20",
	                                   "x21", "x22", "x23", "x24", "x25", "x26", "x27",
	                                   "x28", "fp",  "lr",  "sp",  "pc",  "cpsr" };
	if (arch == DK_ARCH_X86)
		return i < 10 ? x86[i] : NULL;
	if (arch == DK_ARCH_AMD64)
		return i < 18 ? x64[i] : NULL;
	if (arch == DK_ARCH_ARM64)
		return i < 34 ? a64[i] : NULL;
	return NULL;
}

/* Decodes the instruction at the exception address with the crashing
 * thread's registers; false when its bytes are not in the dump. */
static bool faulting_insn(analysis *an, uint64_t pc, const dk_regs *regs, dk_insn *out)
{
	uint8_t code[15];
	for (size_t n = sizeof code; n > 0; n--) {
		if (an->mem.read(an->mem.ctx, pc, code, n) != DK_OK)
			continue;
		dk_error e;
		return dk_disasm(an->arch, code, n, pc, regs, out, &e) == DK_OK;
	}
	return false;
}

/* ---- text ---- */

static void print_stack_text(const analysis *an, const dk_walk_result *r, bool regs)
{
	char where[512];
	for (size_t i = 0; i < r->count; i++) {
		const dk_frame *f = &r->frames[i];
		frame_text(an, f, where, sizeof where);
		printf(" %2zu  %s\n", i, where);
		if (regs && i == 0) {
			unsigned col = 0;
			for (unsigned k = 0; k < DK_MAX_REGS; k++) {
				const char *n = reg_name(an->arch, k);
				if (!n || !(f->regs.valid & (1ull << k)))
					continue;
				char v[24];
				addr_text(an, f->regs.r[k], v, sizeof v);
				printf("%s%6s = %s", col % 4 == 0 ? "     " : "  ", n, v);
				if (++col % 4 == 0)
					printf("\n");
			}
			if (col % 4)
				printf("\n");
		}
		printf("     Found by: %s", dk_frame_trust_name(f->trust));
		if (i > 0 || !regs) {
			char sp[24];
			addr_text(an, f->sp, sp, sizeof sp);
			printf("  (sp %s)", sp);
		}
		printf("\n");
	}
	if (r->stop_reason[0])
		printf("     (stack walk stopped: %s)\n", r->stop_reason);
}

/* ---- json ---- */

static void json_frames(json *j, const analysis *an, const dk_walk_result *r, bool regs)
{
	char buf[32];
	json_begin_array(j);
	for (size_t i = 0; i < r->count; i++) {
		const dk_frame *f = &r->frames[i];
		const dk_module *m = f->module >= 0 ? &an->mods[f->module] : NULL;
		json_begin_object(j);
		json_key(j, "frame");
		json_u64(j, i);
		json_key(j, "trust");
		json_string(j, trust_json(f->trust));
		if (regs && i == 0) {
			json_key(j, "registers");
			json_begin_object(j);
			for (unsigned k = 0; k < DK_MAX_REGS; k++) {
				const char *n = reg_name(an->arch, k);
				if (!n || !(f->regs.valid & (1ull << k)))
					continue;
				json_key(j, n);
				addr_text(an, f->regs.r[k], buf, sizeof buf);
				json_string(j, buf);
			}
			json_end_object(j);
		}
		json_key(j, "offset");
		addr_text(an, f->pc, buf, sizeof buf);
		json_string(j, buf);
		json_key(j, "module");
		if (m)
			json_string(j, m->name);
		else
			json_null(j);
		json_key(j, "module_offset");
		if (m) {
			addr_text(an, f->pc - m->base, buf, sizeof buf);
			json_string(j, buf);
		} else {
			json_null(j);
		}
		json_key(j, "function");
		if (f->function[0])
			json_string(j, f->function);
		else
			json_null(j);
		json_key(j, "function_offset");
		if (f->function[0]) {
			addr_text(an, f->function_offset, buf, sizeof buf);
			json_string(j, buf);
		} else {
			json_null(j);
		}
		json_key(j, "file");
		if (f->file[0])
			json_string(j, f->file);
		else
			json_null(j);
		json_key(j, "line");
		if (f->line)
			json_u64(j, f->line);
		else
			json_null(j);
		json_key(j, "missing_symbols"); /* as rust-minidump: no function found */
		json_bool(j, f->function[0] == 0);
		json_end_object(j);
	}
	json_end_array(j);
}

static void cpu_info(const dk_minidump_system_info *si, char *buf, size_t size)
{
	buf[0] = 0;
	if (!si)
		return;
	if (si->arch == DK_ARCH_X86 || si->arch == DK_ARCH_AMD64)
		/* breakpad: family = ProcessorLevel, model/stepping from
		 * ProcessorRevision's high and low bytes */
		snprintf(buf, size, "%s%sfamily %u model %u stepping %u", si->vendor_id,
		         si->vendor_id[0] ? " " : "", si->processor_level,
		         si->processor_revision >> 8, si->processor_revision & 0xFF);
}

static void assertion_text(const dk_minidump_assertion *a, char *buf, size_t size)
{
	/* MD_ASSERTION_INFO_TYPE_*: 1 invalid parameter, 2 pure virtual call */
	const char *what = a->type == 1 ? "Invalid parameter passed to library function"
	                   : a->type == 2 ? "Pure virtual function called"
	                                  : "Assertion failed";
	int n = snprintf(buf, size, "%s", what);
	if (a->expression[0] && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " %s", a->expression);
	if (a->function[0] && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " in function %s", a->function);
	if (a->file[0] && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ", in file %s", a->file);
	if (a->line && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " at line %u", a->line);
}

static int analyze_minidump(const char *path, bool js, bool brief, const char **symdirs,
                            size_t nsymdirs, size_t max_frames)
{
	dk_minidump *md;
	dk_error e;
	dk_status st = dk_minidump_open(path, &md, &e);
	if (st != DK_OK) {
		fprintf(stderr, "dmpkit analyze: %s\n", e.message);
		return st == DK_E_IO || st == DK_E_NOMEM ? EXIT_USAGE : EXIT_PROBLEMS;
	}
	analysis an;
	memset(&an, 0, sizeof an);
	an.md = md;
	an.si = dk_minidump_get_system_info(md);
	an.arch = an.si ? an.si->arch : DK_ARCH_UNKNOWN;
	an.ptr_width = an.arch == DK_ARCH_X86 ? 4 : 8;
	an.max_frames = max_frames;
	dk_minidump_vmem(md, &an.mem);
	load_modules(&an, symdirs, nsymdirs);

	size_t nthreads;
	const dk_minidump_thread *threads = dk_minidump_threads(md, &nthreads);
	const dk_minidump_exception *ex = dk_minidump_get_exception(md);
	const dk_minidump_breakpad_info *bp = dk_minidump_get_breakpad_info(md);
	const dk_minidump_misc_info *mi = dk_minidump_get_misc_info(md);
	const dk_minidump_assertion *as = dk_minidump_get_assertion(md);
	const dk_minidump_header *hdr = dk_minidump_get_header(md);
	uint32_t crash_tid = 0;
	bool have_crash_tid = false;
	if (ex) {
		crash_tid = ex->thread_id;
		have_crash_tid = true;
	} else if (bp && (bp->validity & 2)) { /* requesting thread id valid */
		crash_tid = bp->requesting_thread_id;
		have_crash_tid = true;
	}
	size_t crash_index = SIZE_MAX;
	for (size_t i = 0; i < nthreads && have_crash_tid; i++)
		if (threads[i].thread_id == crash_tid) {
			crash_index = i;
			break;
		}

	char reason[160] = "", addr[32] = "", cpu[96], astext[1400] = "";
	uint64_t crash_addr = 0;
	if (ex) {
		dk_crash_reason(ex->code, ex->number_parameters, ex->parameters, reason,
		                sizeof reason);
		crash_addr = dk_crash_address(ex->code, ex->number_parameters, ex->parameters,
		                              ex->address);
		if (an.ptr_width == 4)
			crash_addr &= 0xFFFFFFFFu;
		addr_text(&an, crash_addr, addr, sizeof addr);
	}
	cpu_info(an.si, cpu, sizeof cpu);
	if (as)
		assertion_text(as, astext, sizeof astext);

	/* the faulting instruction, and the address it really used when Windows
	 * reports a non-canonical access as 0xffffffffffffffff (as breakpad and
	 * rust-minidump recover it) */
	dk_insn insn;
	bool have_insn = false;
	const char *adj_kind = NULL;
	uint64_t adj_value = 0;
	if (ex) {
		size_t clen = 0;
		const uint8_t *ectx = dk_minidump_exception_context(md, &clen);
		dk_regs eregs;
		if (ectx && dk_regs_from_context(an.arch, ectx, clen, &eregs) == DK_OK)
			have_insn = faulting_insn(&an, ex->address, &eregs, &insn);
		if (have_insn && insn.memory_known && ex->code == 0xC0000005u) {
			if (an.arch == DK_ARCH_AMD64 && crash_addr == UINT64_MAX &&
			    insn.memory_address != UINT64_MAX) {
				adj_kind = "non-canonical";
				adj_value = insn.memory_address;
			} else if (insn.memory_base >= 0 && eregs.r[insn.memory_base] == 0 &&
			           insn.memory_address < 0x10000) {
				adj_kind = "null-pointer";
				adj_value = insn.memory_address;
			}
		}
	}

	size_t fcap = max_frames ? max_frames : 256;
	dk_frame *frames = calloc(fcap, sizeof *frames);
	if (!frames) {
		free_modules(&an);
		dk_minidump_close(md);
		return EXIT_USAGE;
	}
	dk_walk_result res = { frames, 0, "" };
	json j;
	json_init(&j, stdout);
	char os_ver[64] = "";
	if (an.si)
		snprintf(os_ver, sizeof os_ver, "%u.%u.%u", an.si->major_version,
		         an.si->minor_version, an.si->build_number);

	if (js) {
		json_begin_object(&j);
		json_key(&j, "status");
		json_string(&j, "OK");
		json_key(&j, "pid");
		if (mi && (mi->flags1 & 1))
			json_u64(&j, mi->process_id);
		else
			json_null(&j);
		json_key(&j, "process_uptime");
		if (mi && (mi->flags1 & 2) && hdr->time_date_stamp >= mi->process_create_time)
			json_u64(&j, hdr->time_date_stamp - mi->process_create_time);
		else
			json_null(&j);
		json_key(&j, "crash_info");
		json_begin_object(&j);
		json_key(&j, "type");
		if (ex)
			json_string(&j, reason);
		else
			json_null(&j);
		json_key(&j, "address");
		if (ex)
			json_string(&j, addr);
		else
			json_null(&j);
		json_key(&j, "adjusted_address");
		if (adj_kind) {
			char b[32];
			json_begin_object(&j);
			json_key(&j, "kind");
			json_string(&j, adj_kind);
			json_key(&j, strcmp(adj_kind, "null-pointer") == 0 ? "offset" : "address");
			addr_text(&an, adj_value, b, sizeof b);
			json_string(&j, b);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "instruction");
		if (have_insn)
			json_string(&j, insn.text);
		else
			json_null(&j);
		json_key(&j, "memory_accesses");
		if (have_insn && insn.has_memory && insn.memory_known) {
			char b[32];
			json_begin_array(&j);
			json_begin_object(&j);
			json_key(&j, "address");
			addr_text(&an, insn.memory_address, b, sizeof b);
			json_string(&j, b);
			json_key(&j, "size");
			json_u64(&j, insn.memory_size);
			json_key(&j, "access_type");
			json_string(&j, insn.memory_read && insn.memory_write ? "readwrite"
			                : insn.memory_write ? "write" : "read");
			json_end_object(&j);
			json_end_array(&j);
		} else {
			json_null(&j);
		}
		/* rust-minidump's json-schema.md calls this the thread id, but its
		 * process_state.rs writes the index into "threads"
		 * (requesting_thread); pipelines read what it writes */
		json_key(&j, "crashing_thread");
		if (crash_index != SIZE_MAX)
			json_u64(&j, crash_index);
		else
			json_null(&j);
		json_key(&j, "assertion");
		if (as)
			json_string(&j, astext);
		else
			json_null(&j);
		json_end_object(&j);
		json_key(&j, "system_info");
		json_begin_object(&j);
		json_key(&j, "os");
		json_string(&j, an.si && an.si->os_name ? an.si->os_name : "unknown");
		json_key(&j, "os_ver");
		json_string(&j, os_ver);
		json_key(&j, "cpu_arch");
		json_string(&j, an.si && an.si->arch_name ? an.si->arch_name : "unknown");
		json_key(&j, "cpu_info");
		json_string(&j, cpu);
		json_key(&j, "cpu_count");
		if (an.si)
			json_u64(&j, an.si->number_of_processors);
		else
			json_null(&j);
		json_end_object(&j);
		json_key(&j, "thread_count");
		json_u64(&j, nthreads);
		json_key(&j, "threads");
		json_begin_array(&j);
	} else {
		printf("File: %s\n", path);
		if (an.si)
			printf("Operating system: %s %s %s\n", an.si->os_name ? an.si->os_name : "",
			       os_ver, an.si->csd_version ? an.si->csd_version : "");
		if (an.si)
			printf("CPU: %s, %s, %u CPUs\n", an.si->arch_name ? an.si->arch_name : "?", cpu,
			       an.si->number_of_processors);
		printf("\n");
		if (ex) {
			const char *cn = dk_exception_code_name(ex->code);
			printf("Crash reason:  %s\n", reason);
			if (adj_kind && strcmp(adj_kind, "non-canonical") == 0) {
				char b[32];
				addr_text(&an, adj_value, b, sizeof b);
				printf("Crash address: %s (Windows reported %s: the instruction used a "
				       "non-canonical address)\n", b, addr);
			} else if (adj_kind) {
				printf("Crash address: %s (a NULL pointer plus 0x%" PRIx64 ")\n", addr,
				       adj_value);
			} else {
				printf("Crash address: %s\n", addr);
			}
			printf("Exception:     code 0x%08x%s%s%s, flags 0x%x, at ", ex->code,
			       cn ? " (" : "", cn ? cn : "", cn ? ")" : "", ex->flags);
			int mi2 = dk_module_find(an.mods, an.nmods, ex->address);
			char a2[32];
			addr_text(&an, ex->address, a2, sizeof a2);
			if (mi2 >= 0)
				printf("%s (%s + 0x%" PRIx64 ")\n", a2, an.mods[mi2].name,
				       ex->address - an.mods[mi2].base);
			else
				printf("%s\n", a2);
			if (have_insn) {
				char hex[48];
				size_t o = 0;
				for (unsigned k = 0; k < insn.length && o + 3 < sizeof hex; k++)
					o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x", insn.bytes[k]);
				printf("Instruction:   %s  (%s)\n", insn.text, hex);
			}
		} else {
			printf("No crash (no exception stream)\n");
		}
		if (as)
			printf("Assertion:     %s\n", astext);
		if (crash_index != SIZE_MAX)
			printf("Crashing thread: %zu (id %u%s%s)\n", crash_index, crash_tid,
			       threads[crash_index].name ? ", " : "",
			       threads[crash_index].name ? threads[crash_index].name : "");
		printf("\n");
	}

	/* threads: crashing thread first in text mode */
	dk_walk_result crash_res = { NULL, 0, "" };
	dk_frame *crash_frames = NULL;
	char crash_last_error[96] = "";
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nthreads; i++) {
			bool crashed = i == crash_index;
			if (!js && (pass == 0) != crashed)
				continue;
			if (js && pass == 1)
				break;
			if (brief && !crashed && !js) /* JSON always lists every thread */
				continue;
			const dk_minidump_thread *t = &threads[i];
			size_t clen = 0;
			const uint8_t *ctx;
			if (crashed && ex)
				ctx = dk_minidump_exception_context(md, &clen);
			else
				ctx = dk_minidump_thread_context(md, i, &clen);
			walk(&an, ctx, clen, t, &res);
			uint32_t le = 0;
			bool has_le = last_error(&an, t->teb, &le);
			const char *len = has_le ? dk_exception_code_name(le) : NULL;
			if (has_le && le < 0x10000 && dk_win32_error_name(le))
				len = dk_win32_error_name(le);
			if (js) {
				json_begin_object(&j);
				json_key(&j, "thread_id");
				json_u64(&j, t->thread_id);
				json_key(&j, "thread_name");
				if (t->name)
					json_string(&j, t->name);
				else
					json_null(&j);
				char lev[96] = "";
				if (has_le && len)
					snprintf(lev, sizeof lev, "%s", len);
				else if (has_le)
					snprintf(lev, sizeof lev, "0x%08x", le);
				json_key(&j, "last_error_value");
				if (lev[0])
					json_string(&j, lev);
				else
					json_null(&j);
				if (crashed)
					memcpy(crash_last_error, lev, sizeof lev);
				json_key(&j, "frame_count");
				json_u64(&j, res.count);
				json_key(&j, "frames");
				json_frames(&j, &an, &res, false);
				json_end_object(&j);
				if (crashed) {
					crash_frames = malloc(res.count * sizeof *crash_frames + 1);
					if (crash_frames) {
						memcpy(crash_frames, res.frames, res.count * sizeof *crash_frames);
						crash_res = (dk_walk_result){ crash_frames, res.count, "" };
						memcpy(crash_res.stop_reason, res.stop_reason,
						       sizeof crash_res.stop_reason);
					}
				}
			} else {
				printf("Thread %zu (id %u)%s%s%s\n", i, t->thread_id, t->name ? " \"" : "",
				       t->name ? t->name : "", t->name ? "\"" : "");
				if (crashed)
					printf("  (crashed)\n");
				if (has_le && le)
					printf("  last error: 0x%x%s%s%s\n", le, len ? " (" : "", len ? len : "",
					       len ? ")" : "");
				print_stack_text(&an, &res, crashed);
				printf("\n");
			}
		}
	}
	if (js) {
		json_end_array(&j);
		json_key(&j, "crashing_thread");
		if (crash_index != SIZE_MAX && crash_frames) {
			json_begin_object(&j);
			json_key(&j, "threads_index");
			json_u64(&j, crash_index);
			json_key(&j, "thread_id");
			json_u64(&j, crash_tid);
			json_key(&j, "thread_name");
			if (threads[crash_index].name)
				json_string(&j, threads[crash_index].name);
			else
				json_null(&j);
			json_key(&j, "last_error_value");
			if (crash_last_error[0])
				json_string(&j, crash_last_error);
			else
				json_null(&j);
			json_key(&j, "frame_count");
			json_u64(&j, crash_res.count);
			json_key(&j, "frames");
			json_frames(&j, &an, &crash_res, true);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
		json_key(&j, "main_module");
		if (an.nmods)
			json_u64(&j, 0);
		else
			json_null(&j);
		json_key(&j, "modules");
		json_begin_array(&j);
	} else {
		printf("Loaded modules:\n");
	}
	size_t nmm;
	const dk_minidump_module *mm = dk_minidump_modules(md, &nmm);
	for (size_t i = 0; i < nmm; i++) {
		const dk_minidump_module *m = &mm[i];
		int si = dk_module_find(an.mods, an.nmods, m->base);
		bool loaded = si >= 0 && an.mods[si].symbols;
		char b1[32], b2[32];
		addr_text(&an, m->base, b1, sizeof b1);
		addr_text(&an, m->base + m->size, b2, sizeof b2);
		if (js) {
			json_begin_object(&j);
			json_key(&j, "base_addr");
			json_string(&j, b1);
			json_key(&j, "end_addr");
			json_string(&j, b2);
			/* base name of the PDB, "" when none (rust-minidump) */
			json_key(&j, "debug_file");
			const char *df = m->debug_file ? m->debug_file : "";
			for (const char *q = df; *q; q++)
				if (*q == '\\' || *q == '/')
					df = q + 1;
			json_string(&j, df);
			json_key(&j, "debug_id");
			json_string(&j, m->debug_id);
			json_key(&j, "filename");
			json_string(&j, m->base_name ? m->base_name : m->name);
			json_key(&j, "code_id");
			json_string(&j, m->code_id);
			json_key(&j, "version");
			if (m->file_version[0])
				json_string(&j, m->file_version);
			else
				json_null(&j);
			/* true only when symbols were looked for and not found */
			json_key(&j, "missing_symbols");
			json_bool(&j, nsymdirs > 0 && !loaded);
			json_key(&j, "loaded_symbols");
			json_bool(&j, loaded);
			json_key(&j, "corrupt_symbols");
			json_bool(&j, false);
			json_end_object(&j);
		} else {
			printf("  %s - %s  %-24s %-16s %s %s%s\n", b1, b2,
			       m->base_name ? m->base_name : m->name, m->file_version[0] ? m->file_version : "-",
			       m->debug_file ? m->debug_file : "-", m->debug_id[0] ? m->debug_id : "-",
			       loaded ? "  (symbols loaded)" : "");
		}
	}
	size_t nun;
	const dk_minidump_unloaded_module *um = dk_minidump_unloaded_modules(md, &nun);
	if (js) {
		json_end_array(&j);
		json_key(&j, "unloaded_modules");
		json_begin_array(&j);
		for (size_t i = 0; i < nun; i++) {
			char b1[32], b2[32], cid[32];
			addr_text(&an, um[i].base, b1, sizeof b1);
			addr_text(&an, um[i].base + um[i].size, b2, sizeof b2);
			snprintf(cid, sizeof cid, "%08X%x", um[i].timestamp, um[i].size);
			json_begin_object(&j);
			json_key(&j, "base_addr");
			json_string(&j, b1);
			json_key(&j, "end_addr");
			json_string(&j, b2);
			json_key(&j, "code_id");
			json_string(&j, cid);
			json_key(&j, "filename");
			json_string(&j, um[i].name ? um[i].name : "");
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		json_end(&j);
	} else if (nun) {
		printf("\nUnloaded modules:\n");
		for (size_t i = 0; i < nun; i++) {
			char b1[32], b2[32];
			addr_text(&an, um[i].base, b1, sizeof b1);
			addr_text(&an, um[i].base + um[i].size, b2, sizeof b2);
			printf("  %s - %s  %s\n", b1, b2, um[i].name ? um[i].name : "");
		}
	}
	free(crash_frames);
	free(frames);
	free_modules(&an);
	dk_minidump_close(md);
	return EXIT_GOOD;
}

int cmd_analyze(int argc, char **argv)
{
	cli_opt opts[] = { { "--json", false, false, NULL },
	                   { "--brief", false, false, NULL },
	                   { "--max-frames", true, false, NULL },
	                   { "--summary", false, false, NULL },
	                   { "--process", true, false, NULL } };
	const size_t no = sizeof opts / sizeof opts[0];
	/* --symbols may repeat: collect it before the generic parser */
	const char **symdirs = calloc((size_t)argc + 1, sizeof *symdirs);
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	const char **ops = calloc((size_t)argc + 1, sizeof *ops);
	size_t nsym = 0;
	int nrest = 0, n;
	int rc = EXIT_USAGE;
	if (!symdirs || !rest || !ops)
		goto out;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--symbols") == 0) {
			if (i + 1 >= argc) {
				cli_usage_error("analyze", "option '--symbols' needs a value");
				goto out;
			}
			symdirs[nsym++] = argv[++i];
		} else if (strncmp(argv[i], "--symbols=", 10) == 0) {
			symdirs[nsym++] = argv[i] + 10;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (!cli_parse("analyze", nrest, rest, opts, no, ops, &n))
		goto out;
	bool summary = cli_has(opts, no, "--summary");
	if (summary ? n < 1 : n != 1) {
		cli_usage_error("analyze", summary ? "expected dump files or directories"
		                                   : "expected one dump file");
		goto out;
	}
	uint64_t maxf = 256;
	const char *mf = cli_value(opts, no, "--max-frames");
	if (mf && (!cli_parse_u64(mf, &maxf) || maxf == 0 || maxf > 100000)) {
		cli_usage_error("analyze", "--max-frames takes a number from 1 to 100000");
		goto out;
	}
	if (summary) {
		rc = analyze_summary(ops, n, symdirs, nsym, (size_t)maxf);
		goto out;
	}
	FILE *f = fopen(ops[0], "rb");
	if (!f) {
		fprintf(stderr, "dmpkit analyze: %s: cannot open\n", ops[0]);
		goto out;
	}
	uint8_t sig[4] = { 0 };
	size_t got = fread(sig, 1, 4, f);
	fclose(f);
	if (got == 4 && dk_minidump_is_minidump(sig, 4))
		rc = analyze_minidump(ops[0], cli_has(opts, no, "--json"), cli_has(opts, no, "--brief"),
		                      symdirs, nsym, (size_t)maxf);
	else
		rc = analyze_kernel_dump_ex(ops[0], cli_has(opts, no, "--json"), (size_t)maxf,
		                            cli_value(opts, no, "--process"));
out:
	free(symdirs);
	free(rest);
	free(ops);
	return rc;
}
