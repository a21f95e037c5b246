/* dmpkit — the kernel's lists: loaded modules (PsLoadedModuleList),
 * processes (PsActiveProcessHead), threads, processors (KiProcessorBlock),
 * a process's user modules (PEB.Ldr), and symbols from PE exports.
 *
 * Offsets come from the KDBG's Offset* fields when the block has them (the
 * kernel's own numbers) and otherwise from the version profile.  Every
 * walk is bounded (DK_LIST_MAX entries, a visited set, Flink/Blink and
 * address checks) and says in words where it stopped.  For triage dumps
 * the lists come from the triage parts (driver list, PRCB, process and
 * thread copies).
 * SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/pe.h>

#include "internal.h"
#include "kernel_internal.h"

#define DK_LIST_MAX 65536u
#define NONE 0xFFFFFFFFu
#define MAX_CPUS 4096u
#define DK_THREADS_MAX (1u << 20) /* threads of all processes together */

/* ---------------------------------------------------------------- */
/* offsets */

typedef struct offs {
	unsigned ptr;
	uint32_t ep_dtb, ep_pid, ep_links, ep_objtab, ep_ppid, ep_name, ep_tlh, ep_ktlh, ep_peb,
		ep_ctime, ep_etime, ep_nthreads, ep_session, ep_size, ep_sess_ptr, mm_sess_id;
	uint32_t kt_initial, kt_limit, kt_base, kt_kstack, kt_state, kt_teb, kt_apcproc, kt_proc,
		kt_tle, kt_wait, kt_prio, kt_bprio;
	uint32_t et_cid, et_start, et_w32start, et_tle, et_size;
	uint32_t pr_cur, pr_idle, pr_num, pr_ctx, pr_state_ctx, pr_size;
	uint32_t ldr_base, ldr_entry, ldr_size, ldr_full, ldr_name, ldr_sum, ldr_time;
	uint32_t peb_ldr, pebldr_load;
	uint32_t ht_count; /* HANDLE_TABLE.HandleCount (up to Windows 7) */
	bool derived;      /* EPROCESS offsets from derive_without_profile */
} offs;

static uint32_t p16(uint16_t v)
{
	return v == DK_OFF_NONE ? NONE : v;
}

/* The KDBG's value when present and non-zero, else the profile's. */
static uint32_t kd(const dk_kernel *k, const char *field, uint32_t fallback)
{
	uint64_t v;
	if (k->have_kdbg && dk_kdbg_get(&k->kdbg, field, &v) && v != 0 && v < 0x10000)
		return (uint32_t)v;
	return fallback;
}

static void derive_without_profile(dk_kernel *k, offs *o);

static void get_offs(dk_kernel *k, offs *o)
{
	const dk_profile *p = k->profile;
	memset(o, 0xFF, sizeof *o);
	o->derived = false;
	o->ptr = k->ptr ? k->ptr : (k->bits == 32 ? 4 : 8);
	if (p) {
		o->ep_dtb = p16(p->eprocess.dtb);
		o->ep_pid = p16(p->eprocess.unique_pid);
		o->ep_links = p16(p->eprocess.active_links);
		o->ep_objtab = p16(p->eprocess.object_table);
		o->ep_ppid = p16(p->eprocess.parent_pid);
		o->ep_name = p16(p->eprocess.image_name);
		o->ep_tlh = p16(p->eprocess.thread_list_head);
		o->ep_ktlh = p16(p->eprocess.thread_list_head_k);
		o->ep_peb = p16(p->eprocess.peb);
		o->ep_ctime = p16(p->eprocess.create_time);
		o->ep_etime = p16(p->eprocess.exit_time);
		o->ep_nthreads = p16(p->eprocess.active_threads);
		o->ep_session = p16(p->eprocess.session_id);
		o->ep_size = p16(p->eprocess.size);
		o->ep_sess_ptr = p16(p->eprocess_ext.session);
		o->mm_sess_id = p16(p->eprocess_ext.mm_session_id);
		o->ht_count = p16(p->eprocess_ext.handle_count);
		o->kt_initial = p16(p->kthread.initial_stack);
		o->kt_limit = p16(p->kthread.stack_limit);
		o->kt_base = p16(p->kthread.stack_base);
		o->kt_kstack = p16(p->kthread.kernel_stack);
		o->kt_state = p16(p->kthread.state);
		o->kt_teb = p16(p->kthread.teb);
		o->kt_apcproc = p16(p->kthread.apc_process);
		o->kt_proc = p16(p->kthread.process);
		o->kt_tle = p16(p->kthread.thread_list_entry);
		o->kt_wait = p16(p->kthread.wait_reason);
		o->kt_prio = p16(p->kthread.priority);
		o->kt_bprio = p16(p->kthread.base_priority);
		o->et_cid = p16(p->ethread.cid);
		o->et_start = p16(p->ethread.start_address);
		o->et_w32start = p16(p->ethread.win32_start_address);
		o->et_tle = p16(p->ethread.thread_list_entry);
		o->et_size = p16(p->ethread.size);
		o->pr_cur = p16(p->kprcb.current_thread);
		o->pr_idle = p16(p->kprcb.idle_thread);
		o->pr_num = p16(p->kprcb.number);
		o->pr_ctx = p16(p->kprcb.context);
		/* KPRCB.ProcessorState.ContextFrame: at ProcessorState on x86,
		 * +0xE0 on x64 up to 1607 and +0xF0 from 1709 (analysis §2.6) */
		o->pr_state_ctx = p16(p->kprcb.processor_state);
		if (o->pr_state_ctx != NONE && p->ptr == 8 && p->arch == DK_ARCH_AMD64)
			o->pr_state_ctx += k->build >= 16299 ? 0xF0 : 0xE0;
		else if (p->ptr == 8)
			o->pr_state_ctx = NONE;
		o->ldr_base = p16(p->ldr.dll_base);
		o->ldr_entry = p16(p->ldr.entry_point);
		o->ldr_size = p16(p->ldr.size_of_image);
		o->ldr_full = p16(p->ldr.full_name);
		o->ldr_name = p16(p->ldr.base_name);
		o->ldr_sum = p16(p->ldr.checksum);
		o->ldr_time = p16(p->ldr.timestamp);
		o->peb_ldr = p16(p->peb.ldr);
		o->pebldr_load = p16(p->peb_ldr.in_load_order);
	}
	/* LDR_DATA_TABLE_ENTRY is the same from XP to Windows 11 (analysis
	 * §2.6); the loader lists work without a profile */
	bool w = o->ptr == 8;
	if (o->ldr_base == NONE) o->ldr_base = w ? 0x30 : 0x18;
	if (o->ldr_entry == NONE) o->ldr_entry = w ? 0x38 : 0x1c;
	if (o->ldr_size == NONE) o->ldr_size = w ? 0x40 : 0x20;
	if (o->ldr_full == NONE) o->ldr_full = w ? 0x48 : 0x24;
	if (o->ldr_name == NONE) o->ldr_name = w ? 0x58 : 0x2c;
	if (o->ldr_time == NONE) o->ldr_time = w ? 0x80 : 0x44;
	if (o->peb_ldr == NONE) o->peb_ldr = w ? 0x18 : 0x0c;
	if (o->pebldr_load == NONE) o->pebldr_load = w ? 0x10 : 0x0c;
	/* the kernel's own numbers (KDDEBUGGER_DATA64, Server 2003 and later) */
	o->kt_teb = kd(k, "OffsetKThreadTeb", o->kt_teb);
	o->kt_kstack = kd(k, "OffsetKThreadKernelStack", o->kt_kstack);
	o->kt_initial = kd(k, "OffsetKThreadInitialStack", o->kt_initial);
	o->kt_apcproc = kd(k, "OffsetKThreadApcProcess", o->kt_apcproc);
	o->kt_state = kd(k, "OffsetKThreadState", o->kt_state);
	o->kt_limit = kd(k, "OffsetKThreadStackLimit", o->kt_limit);
	o->kt_base = kd(k, "OffsetKThreadStackBase", o->kt_base);
	o->kt_wait = kd(k, "OffsetKThreadWaitReason", o->kt_wait);
	o->ep_peb = kd(k, "OffsetEprocessPeb", o->ep_peb);
	o->ep_ppid = kd(k, "OffsetEprocessParentCID", o->ep_ppid);
	o->ep_dtb = kd(k, "OffsetEprocessDirectoryTableBase", o->ep_dtb);
	o->ep_size = kd(k, "SizeEProcess", o->ep_size);
	o->et_size = kd(k, "SizeEThread", o->et_size);
	o->pr_size = kd(k, "SizePrcb", NONE);
	o->pr_cur = kd(k, "OffsetPrcbCurrentThread", o->pr_cur);
	o->pr_num = kd(k, "OffsetPrcbNumber", o->pr_num);
	o->pr_ctx = kd(k, "OffsetPrcbContext", o->pr_ctx);
	o->pr_state_ctx = kd(k, "OffsetPrcbProcStateContext", o->pr_state_ctx);
	o->pr_idle = kd(k, "OffsetPrcbIdleThread", o->pr_idle);
	if (!p)
		derive_without_profile(k, o);
	/* ActiveProcessLinks always follows UniqueProcessId (analysis §2.6) */
	if (o->ep_pid == NONE && o->ep_links != NONE && o->ep_links >= o->ptr)
		o->ep_pid = o->ep_links - o->ptr;
}

static void note_once(dk_kernel *k, const char *msg)
{
	if (!strstr(k->notes, msg))
		dk_kernel_note(k, "%s", msg);
}

/* Without a profile (ARM64: no public type tables), the EPROCESS fields
 * beyond KPROCESS are taken from the x64 table of the same build, shifted
 * so that Peb and InheritedFromUniqueProcessId land where the KDBG's
 * OffsetEprocessPeb and OffsetEprocessParentCID say.  Both must agree on
 * the shift; the result is a heuristic, said so in the notes, and the
 * callers check it on the image (printable name, list pointers). */
static void derive_without_profile(dk_kernel *k, offs *o)
{
	if (o->ep_peb == NONE || o->ep_ppid == NONE)
		return;
	bool exact;
	const dk_profile *t = dk_profile_find(DK_ARCH_AMD64, k->build, &exact);
	if (!t || t->ptr != o->ptr || t->eprocess.peb == DK_OFF_NONE ||
	    t->eprocess.parent_pid == DK_OFF_NONE)
		return;
	int64_t d = (int64_t)o->ep_peb - t->eprocess.peb;
	if ((int64_t)o->ep_ppid - t->eprocess.parent_pid != d)
		return;
#define SH(dst, f) \
	do { \
		if (t->f != DK_OFF_NONE && (int64_t)t->f + d > 0) \
			dst = (uint32_t)((int64_t)t->f + d); \
	} while (0)
	SH(o->ep_pid, eprocess.unique_pid);
	SH(o->ep_links, eprocess.active_links);
	SH(o->ep_objtab, eprocess.object_table);
	SH(o->ep_name, eprocess.image_name);
	SH(o->ep_tlh, eprocess.thread_list_head);
	SH(o->ep_ctime, eprocess.create_time);
	SH(o->ep_etime, eprocess.exit_time);
	SH(o->ep_nthreads, eprocess.active_threads);
#undef SH
	o->derived = true;
	char msg[200];
	snprintf(msg, sizeof msg, "lists: EPROCESS offsets are %s's shifted by %s0x%llx to match "
	         "the KDBG's Peb and ParentCID offsets (a heuristic, checked on the image)",
	         t->name, d < 0 ? "-" : "+", (unsigned long long)(d < 0 ? -d : d));
	note_once(k, msg);
}

/* ---------------------------------------------------------------- */
/* reading */

typedef struct rdr {
	dk_kernel *k;
	dk_vas *vas;     /* a process's address space, NULL: the kernel's */
	bool user;       /* list entries are user addresses */
	/* triage copies: objects at these addresses read from the file */
	uint64_t cp_va[2];
	const uint8_t *cp_buf[2];
	size_t cp_len[2];
} rdr;

static bool R(const rdr *r, uint64_t va, void *buf, size_t len)
{
	for (int i = 0; i < 2; i++)
		if (r->cp_buf[i] && va >= r->cp_va[i] && va - r->cp_va[i] <= r->cp_len[i] &&
		    len <= r->cp_len[i] - (va - r->cp_va[i])) {
			memcpy(buf, r->cp_buf[i] + (va - r->cp_va[i]), len);
			return true;
		}
	if (r->vas)
		return dk_vas_read(r->vas, va, buf, len, NULL) == DK_OK;
	return dk_kernel_read(r->k, va, buf, len, NULL) == DK_OK;
}

static bool Rptr(const rdr *r, unsigned ptr, uint64_t va, uint64_t *out)
{
	uint8_t b[8];
	if (!R(r, va, b, ptr))
		return false;
	*out = ptr == 8 ? dk_le64(b) : dk_le32(b);
	return true;
}

static uint64_t fix_ptr(const dk_kernel *k, uint64_t v)
{
	return k->ptr == 4 ? (v & 0xFFFFFFFFu) : v;
}

static bool is_kva(const dk_kernel *k, uint64_t va)
{
	if (k->ptr == 4)
		return va >= 0x80000000u && va <= 0xFFFFFFFFu;
	return va >= 0xFFFF800000000000ull;
}

static bool is_uva(const dk_kernel *k, uint64_t va)
{
	if (va == 0)
		return false;
	if (k->ptr == 4)
		return va < 0xC0000000u; /* /3GB user space reaches 0xBFFFFFFF */
	return va < 0x0000800000000000ull;
}

/* A structure read into a buffer: whole when possible, else page by page
 * with the unreadable pages marked. */
typedef struct obj {
	uint64_t va;
	size_t len;
	uint8_t buf[0x2000];
	bool ok_page[4];
	bool any;
} obj;

static void obj_fetch(const rdr *r, uint64_t va, size_t len, obj *o)
{
	if (len > sizeof o->buf)
		len = sizeof o->buf;
	o->va = va;
	o->len = len;
	o->any = false;
	memset(o->ok_page, 0, sizeof o->ok_page);
	if (R(r, va, o->buf, len)) {
		memset(o->ok_page, 1, sizeof o->ok_page);
		o->any = true;
		return;
	}
	memset(o->buf, 0, len);
	size_t done = 0;
	unsigned pi = 0;
	while (done < len && pi < 4) {
		uint64_t a = va + done;
		size_t n = 4096 - (size_t)(a & 4095);
		if (n > len - done)
			n = len - done;
		if (R(r, a, o->buf + done, n)) {
			o->ok_page[pi] = true;
			o->any = true;
		}
		done += n;
		pi++;
	}
}

static bool obj_has(const obj *o, uint32_t off, unsigned n)
{
	if (off == NONE || !dk_in_bounds(o->len, off, n))
		return false;
	uint64_t first = 4096 - (o->va & 4095);
	unsigned a = off < first ? 0 : (unsigned)(1 + (off - first) / 4096);
	unsigned b = off + n - 1 < first ? 0 : (unsigned)(1 + (off + n - 1 - first) / 4096);
	return a < 4 && b < 4 && o->ok_page[a] && o->ok_page[b];
}

static uint64_t og(const obj *o, uint32_t off, unsigned n)
{
	return obj_has(o, off, n) ? dk_getn(o->buf, o->len, off, n) : 0;
}

static uint32_t need(uint32_t cur, uint32_t off, unsigned n)
{
	if (off == NONE)
		return cur;
	return off + n > cur ? off + n : cur;
}

/* A UNICODE_STRING at `va` (Length u16, Buffer at +4 or +8) as UTF-8. */
static void read_ustr(const rdr *r, unsigned ptr, const obj *o, uint32_t off, char *out,
                      size_t size)
{
	out[0] = 0;
	if (!obj_has(o, off, ptr * 2))
		return;
	uint16_t len = (uint16_t)og(o, off, 2);
	uint16_t max = (uint16_t)og(o, off + 2, 2);
	uint64_t buf = og(o, off + ptr, ptr);
	if (!buf || len == 0)
		return;
	len &= (uint16_t)~1u;
	if (max && max >= 2 && len > max)
		len = max & (uint16_t)~1u;
	if (len > 1024)
		len = 1024;
	uint8_t tmp[1024];
	if (!R(r, buf, tmp, len))
		return;
	dk_utf16_to_utf8(tmp, len / 2, out, size);
}

/* ---------------------------------------------------------------- */
/* the list walker */

typedef struct vset {
	uint64_t *slot;
	size_t cap, n;
} vset;

static bool vset_add(vset *s, uint64_t v) /* false: already there (or no memory) */
{
	if (v == 0)
		v = 1; /* 0 marks a free slot; a list entry is never at 1 */
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		uint64_t *ns = calloc(nc, sizeof *ns);
		if (!ns)
			return false;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				size_t h = (size_t)((s->slot[i] * 0x9E3779B97F4A7C15ull) >> 17) & (nc - 1);
				while (ns[h])
					h = (h + 1) & (nc - 1);
				ns[h] = s->slot[i];
			}
		free(s->slot);
		s->slot = ns;
		s->cap = nc;
	}
	size_t h = (size_t)((v * 0x9E3779B97F4A7C15ull) >> 17) & (s->cap - 1);
	while (s->slot[h]) {
		if (s->slot[h] == v)
			return false;
		h = (h + 1) & (s->cap - 1);
	}
	s->slot[h] = v;
	s->n++;
	return true;
}

static void ws_set(dk_walk_status *ws, bool complete, const char *fmt, ...)
	DK_PRINTF(3, 4);
static void ws_set(dk_walk_status *ws, bool complete, const char *fmt, ...)
{
	if (!ws)
		return;
	ws->complete = complete;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ws->stop_reason, sizeof ws->stop_reason, fmt, ap);
	va_end(ap);
}

/* Called with the address of each LIST_ENTRY; false stops the walk (and
 * the callback has filled ws). */
typedef bool (*visit_fn)(void *ctx, uint64_t link, dk_walk_status *ws);

static void walk_list(const rdr *r, uint64_t head, const char *what, visit_fn fn, void *ctx,
                      size_t max, dk_walk_status *ws)
{
	dk_kernel *k = r->k;
	unsigned ptr = k->ptr;
	uint64_t flink;
	ws_set(ws, false, "not walked");
	if (!head) {
		ws_set(ws, false, "%s: the list head's address is not known", what);
		return;
	}
	if (!Rptr(r, ptr, head, &flink)) {
		ws_set(ws, false, "%s: the list head at 0x%" PRIx64 " cannot be read", what, head);
		return;
	}
	vset seen = { 0 };
	vset_add(&seen, head);
	uint64_t prev = head, cur = flink;
	size_t n = 0;
	for (;;) {
		if (cur == head) {
			ws_set(ws, true, "%s: back at the head after %zu entries", what, n);
			break;
		}
		if (cur == 0) {
			ws_set(ws, false, "%s: entry 0x%" PRIx64 " has a null Flink (after %zu entries)",
			       what, prev, n);
			break;
		}
		if (r->user ? !is_uva(k, cur) : !is_kva(k, cur)) {
			ws_set(ws, false, "%s: Flink of 0x%" PRIx64 " is 0x%" PRIx64 ", outside %s space "
			       "(after %zu entries)", what, prev, cur, r->user ? "user" : "kernel", n);
			break;
		}
		if (cur % ptr) {
			ws_set(ws, false, "%s: Flink of 0x%" PRIx64 " is 0x%" PRIx64 ", misaligned "
			       "(after %zu entries)", what, prev, cur, n);
			break;
		}
		if (n >= max) {
			ws_set(ws, false, "%s: stopped after %zu entries (the limit)", what, n);
			break;
		}
		if (!vset_add(&seen, cur)) {
			ws_set(ws, false, "%s: loop: Flink of 0x%" PRIx64 " goes back to 0x%" PRIx64
			       " (after %zu entries)", what, prev, cur, n);
			break;
		}
		uint64_t next, blink;
		if (!Rptr(r, ptr, cur, &next) || !Rptr(r, ptr, cur + ptr, &blink)) {
			ws_set(ws, false, "%s: entry 0x%" PRIx64 " cannot be read (after %zu entries)",
			       what, cur, n);
			break;
		}
		if (blink != prev) {
			ws_set(ws, false, "%s: Blink of 0x%" PRIx64 " is 0x%" PRIx64 ", expected 0x%" PRIx64
			       " (after %zu entries)", what, cur, blink, prev, n);
			break;
		}
		if (!fn(ctx, cur, ws))
			break;
		n++;
		prev = cur;
		cur = next;
	}
	free(seen.slot);
}

/* A growing array. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 16;
	void *na = realloc(*arr, nc * elem);
	if (!na)
		return false;
	*arr = na;
	*cap = nc;
	return true;
}

/* ---------------------------------------------------------------- */
/* triage copies */

typedef struct tri {
	uint8_t *prcb, *proc, *thr;
	size_t prcb_len, proc_len, thr_len;
	uint64_t thread_va, process_va;
} tri;

static size_t part_len(const dk_triage *t, uint32_t off, uint32_t kdbg_size, uint64_t fsize)
{
	if (!off)
		return 0;
	if (kdbg_size != NONE && kdbg_size)
		return kdbg_size < 0x20000 ? kdbg_size : 0x20000;
	/* the distance to the next part */
	uint32_t parts[] = { t->context_offset, t->exception_offset, t->mm_offset,
	                     t->unloaded_drivers_offset, t->prcb_offset, t->process_offset,
	                     t->thread_offset, t->call_stack_offset, t->driver_list_offset,
	                     t->string_pool_offset, t->debugger_data_offset,
	                     t->data_blocks_offset, t->size_of_dump };
	uint64_t best = fsize > off ? fsize - off : 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (parts[i] > off && parts[i] - off < best)
			best = parts[i] - off;
	return best > 0x20000 ? 0x20000 : (size_t)best;
}

static uint8_t *read_part(dk_kernel *k, uint32_t off, size_t *len)
{
	if (!off || !*len)
		return NULL;
	uint8_t *b = malloc(*len);
	if (!b)
		return NULL;
	uint64_t at = off; /* triage part offsets are file offsets */
	if (dk_kdump_read_bytes(k->dump, at, b, *len, NULL) != DK_OK) {
		/* a shorter copy, up to the end of the file */
		uint64_t fs = k->sum->file_size;
		if (at >= fs) {
			free(b);
			return NULL;
		}
		*len = (size_t)(fs - at < *len ? fs - at : *len);
		if (dk_kdump_read_bytes(k->dump, at, b, *len, NULL) != DK_OK) {
			free(b);
			return NULL;
		}
	}
	return b;
}

static void tri_free(tri *t)
{
	free(t->prcb);
	free(t->proc);
	free(t->thr);
}

static void tri_load(dk_kernel *k, const offs *o, tri *tr)
{
	memset(tr, 0, sizeof *tr);
	const dk_triage *t = k->triage;
	uint64_t fs = k->sum->file_size;
	tr->prcb_len = part_len(t, t->prcb_offset, o->pr_size, fs);
	tr->proc_len = part_len(t, t->process_offset, o->ep_size, fs);
	tr->thr_len = part_len(t, t->thread_offset, o->et_size, fs);
	tr->prcb = read_part(k, t->prcb_offset, &tr->prcb_len);
	tr->proc = read_part(k, t->process_offset, &tr->proc_len);
	tr->thr = read_part(k, t->thread_offset, &tr->thr_len);
	if (!tr->prcb) tr->prcb_len = 0;
	if (!tr->proc) tr->proc_len = 0;
	if (!tr->thr) tr->thr_len = 0;
	if (tr->prcb && o->pr_cur != NONE)
		tr->thread_va = fix_ptr(k, dk_getn(tr->prcb, tr->prcb_len, o->pr_cur, o->ptr));
	if (tr->thr) {
		uint32_t po = o->kt_proc != NONE ? o->kt_proc : o->kt_apcproc;
		uint64_t pv = po != NONE ? dk_getn(tr->thr, tr->thr_len, po, o->ptr) : 0;
		if (!pv && o->kt_apcproc != NONE)
			pv = dk_getn(tr->thr, tr->thr_len, o->kt_apcproc, o->ptr);
		tr->process_va = fix_ptr(k, pv);
	}
}

static void tri_rdr(dk_kernel *k, const tri *tr, rdr *r)
{
	memset(r, 0, sizeof *r);
	r->k = k;
	if (tr->thr && tr->thread_va) {
		r->cp_va[0] = tr->thread_va;
		r->cp_buf[0] = tr->thr;
		r->cp_len[0] = tr->thr_len;
	}
	if (tr->proc && tr->process_va) {
		r->cp_va[1] = tr->process_va;
		r->cp_buf[1] = tr->proc;
		r->cp_len[1] = tr->proc_len;
	}
}

/* ---------------------------------------------------------------- */
/* modules */

static void base_of(const char *path, char *out, size_t size)
{
	const char *s = path;
	for (const char *p = path; *p; p++)
		if (*p == '\\' || *p == '/')
			s = p + 1;
	dk_strlcpy(out, s, size);
}

typedef struct mod_ctx {
	const rdr *r;
	const offs *o;
	dk_kmodule *arr;
	size_t n, cap;
	bool pe_fill;  /* fill timestamp/checksum from the PE header if missing */
} mod_ctx;

static dk_status vmem_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	return R(ctx, va, buf, len) ? DK_OK : DK_E_RANGE;
}

static bool visit_module(void *ctx, uint64_t link, dk_walk_status *ws)
{
	mod_ctx *m = ctx;
	const offs *o = m->o;
	if (!grow((void **)&m->arr, &m->cap, m->n, sizeof *m->arr)) {
		ws_set(ws, false, "out of memory after %zu modules", m->n);
		return false;
	}
	obj ob;
	obj *e = &ob;
	uint32_t len = 0;
	len = need(len, o->ldr_base, o->ptr);
	len = need(len, o->ldr_entry, o->ptr);
	len = need(len, o->ldr_size, 4);
	len = need(len, o->ldr_full, 2 * o->ptr);
	len = need(len, o->ldr_name, 2 * o->ptr);
	len = need(len, o->ldr_sum, 4);
	len = need(len, o->ldr_time, 4);
	obj_fetch(m->r, link, len, e); /* InLoadOrderLinks is at offset 0 */
	dk_kmodule *d = &m->arr[m->n];
	memset(d, 0, sizeof *d);
	d->ldr_entry = link;
	d->base = og(e, o->ldr_base, o->ptr);
	d->entry_point = og(e, o->ldr_entry, o->ptr);
	d->size = og(e, o->ldr_size, 4);
	d->checksum = (uint32_t)og(e, o->ldr_sum, 4);
	d->timestamp = (uint32_t)og(e, o->ldr_time, 4);
	read_ustr(m->r, o->ptr, e, o->ldr_full, d->path, sizeof d->path);
	read_ustr(m->r, o->ptr, e, o->ldr_name, d->name, sizeof d->name);
	if (!d->name[0] && d->path[0])
		base_of(d->path, d->name, sizeof d->name);
	if (m->pe_fill && d->base && (o->ldr_sum == NONE || (!d->timestamp && !d->checksum))) {
		dk_vmem vm = { (void *)m->r, vmem_read };
		dk_pe pe;
		if (dk_pe_open(&vm, d->base, d->size, &pe, NULL) == DK_OK) {
			if (o->ldr_sum == NONE || !d->checksum)
				d->checksum = pe.checksum;
			if (!d->timestamp)
				d->timestamp = pe.timestamp;
		}
	}
	m->n++;
	return true;
}

static dk_status modules_triage(dk_kernel *k, dk_kmodule **out, size_t *count,
                                dk_walk_status *ws, dk_error *err)
{
	const dk_triage *t = k->triage;
	size_t n = t->ndrivers;
	dk_kmodule *a = calloc(n ? n : 1, sizeof *a);
	if (!a) {
		dk_set_error(err, DK_E_NOMEM, "out of memory for %zu modules", n);
		return DK_E_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const dk_triage_driver *d = &t->drivers[i];
		a[i].base = d->dll_base;
		a[i].size = d->size_of_image;
		a[i].entry_point = d->entry_point;
		a[i].timestamp = d->timestamp;
		a[i].checksum = d->checksum;
		if (d->name_ok) {
			dk_strlcpy(a[i].path, d->name, sizeof a[i].path);
			base_of(d->name, a[i].name, sizeof a[i].name);
		}
	}
	*out = a;
	*count = n;
	if (n == t->driver_count)
		ws_set(ws, true, "triage driver list: %zu drivers", n);
	else
		ws_set(ws, false, "triage driver list: %zu of the %u declared drivers decoded", n,
		       t->driver_count);
	return DK_OK;
}

dk_status dk_kernel_modules(dk_kernel *k, dk_kmodule **out, size_t *count,
                            dk_walk_status *ws, dk_error *err)
{
	*out = NULL;
	*count = 0;
	dk_walk_status tmp;
	if (!ws)
		ws = &tmp;
	if (k->triage)
		return modules_triage(k, out, count, ws, err);
	offs o;
	get_offs(k, &o);
	rdr r = { .k = k };
	mod_ctx m = { .r = &r, .o = &o, .pe_fill = true };
	walk_list(&r, fix_ptr(k, k->ps_loaded_module_list), "PsLoadedModuleList", visit_module, &m,
	          DK_LIST_MAX, ws);
	if (!m.n && !ws->complete) {
		free(m.arr);
		dk_set_error(err, DK_E_RANGE, "no modules: %s", ws->stop_reason);
		return DK_E_RANGE;
	}
	*out = m.arr;
	*count = m.n;
	return DK_OK;
}

/* ---------------------------------------------------------------- */
/* processes */

typedef struct cnt_ctx {
	size_t n;
} cnt_ctx;

static bool visit_count(void *ctx, uint64_t link, dk_walk_status *ws)
{
	(void)link;
	(void)ws;
	((cnt_ctx *)ctx)->n++;
	return true;
}

static uint32_t eprocess_len(const offs *o)
{
	uint32_t l = 0;
	l = need(l, o->ep_dtb, o->ptr);
	l = need(l, o->ep_pid, o->ptr);
	l = need(l, o->ep_links, 2 * o->ptr);
	l = need(l, o->ep_objtab, o->ptr);
	l = need(l, o->ep_ppid, o->ptr);
	l = need(l, o->ep_name, 16);
	l = need(l, o->ep_tlh, 2 * o->ptr);
	l = need(l, o->ep_ktlh, 2 * o->ptr);
	l = need(l, o->ep_peb, o->ptr);
	l = need(l, o->ep_ctime, 8);
	l = need(l, o->ep_etime, 8);
	l = need(l, o->ep_nthreads, 4);
	l = need(l, o->ep_session, o->ptr);
	l = need(l, o->ep_sess_ptr, o->ptr);
	return l;
}

static void decode_process(const rdr *r, const offs *o, uint64_t ep, const obj *e,
                           dk_kprocess *p, bool count_threads)
{
	dk_kernel *k = r->k;
	memset(p, 0, sizeof *p);
	p->eprocess = ep;
	p->pid = og(e, o->ep_pid, o->ptr);
	p->parent_pid = og(e, o->ep_ppid, o->ptr);
	/* KPROCESS.DirectoryTableBase: ULONG on x86 (PAE: the PDPT, 32-byte
	 * aligned), u64 on x64 and ARM64 */
	p->dtb = og(e, o->ep_dtb, o->ptr);
	p->peb = fix_ptr(k, og(e, o->ep_peb, o->ptr));
	p->object_table = fix_ptr(k, og(e, o->ep_objtab, o->ptr));
	if (o->ep_objtab != NONE && o->ptr == 8)
		p->object_table &= ~(uint64_t)0xF; /* EX_FAST_REF-style low bits */
	p->create_time = og(e, o->ep_ctime, 8);
	p->exit_time = og(e, o->ep_etime, 8);
	if (obj_has(e, o->ep_name, 15)) {
		memcpy(p->image_name, e->buf + o->ep_name, 15);
		p->image_name[15] = 0;
		for (int i = 0; i < 15 && p->image_name[i]; i++)
			if ((unsigned char)p->image_name[i] < 0x20 || (unsigned char)p->image_name[i] > 0x7e)
				p->image_name[i] = '?';
	}
	if (o->derived && p->image_name[0] && strchr(p->image_name, '?'))
		p->image_name[0] = 0; /* the heuristic offsets do not fit this image */
	/* EPROCESS.SessionId where the build has one, else
	 * EPROCESS.Session -> MM_SESSION_SPACE.SessionId */
	if (o->ep_session != NONE) {
		p->session_id = (uint32_t)og(e, o->ep_session, 4);
	} else if (o->ep_sess_ptr != NONE && o->mm_sess_id != NONE) {
		uint64_t sp = fix_ptr(k, og(e, o->ep_sess_ptr, o->ptr));
		uint8_t b[4];
		if (sp && is_kva(k, sp) && R(r, sp + o->mm_sess_id, b, 4))
			p->session_id = dk_le32(b);
	}
	if (o->ht_count != NONE && p->object_table && is_kva(k, p->object_table)) {
		uint8_t b[4];
		if (R(r, p->object_table + o->ht_count, b, 4))
			p->handle_count = dk_le32(b);
	}
	if (count_threads) {
		cnt_ctx c = { 0 };
		dk_walk_status tw;
		if (o->ep_tlh != NONE && o->et_tle != NONE)
			walk_list(r, ep + o->ep_tlh, "ThreadListHead", visit_count, &c, DK_LIST_MAX, &tw);
		else if (o->ep_ktlh != NONE && o->kt_tle != NONE)
			walk_list(r, ep + o->ep_ktlh, "ThreadListHead", visit_count, &c, DK_LIST_MAX, &tw);
		p->thread_count = (uint32_t)c.n;
	} else if (o->ep_nthreads != NONE) {
		p->thread_count = (uint32_t)og(e, o->ep_nthreads, 4);
	}
}

typedef struct proc_ctx {
	const rdr *r;
	const offs *o;
	dk_kprocess *arr;
	size_t n, cap;
} proc_ctx;

static bool visit_process(void *ctx, uint64_t link, dk_walk_status *ws)
{
	proc_ctx *m = ctx;
	const offs *o = m->o;
	if (!grow((void **)&m->arr, &m->cap, m->n, sizeof *m->arr)) {
		ws_set(ws, false, "out of memory after %zu processes", m->n);
		return false;
	}
	obj ob;
	uint64_t ep = link - o->ep_links;
	obj_fetch(m->r, ep, eprocess_len(o), &ob);
	decode_process(m->r, o, ep, &ob, &m->arr[m->n], true);
	m->n++;
	return true;
}

static dk_status no_profile(dk_kernel *k, const char *what, dk_error *err)
{
	dk_set_error(err, DK_E_UNSUPPORTED, "%s: no version profile for build %u (%s)", what,
	             k->build, dk_arch_name(k->arch));
	return DK_E_UNSUPPORTED;
}

dk_status dk_kernel_processes(dk_kernel *k, dk_kprocess **out, size_t *count,
                              dk_walk_status *ws, dk_error *err)
{
	*out = NULL;
	*count = 0;
	dk_walk_status tmp;
	if (!ws)
		ws = &tmp;
	offs o;
	get_offs(k, &o);
	if (o.ep_links == NONE || o.ep_pid == NONE)
		return no_profile(k, "processes", err);
	if (k->triage) {
		tri tr;
		tri_load(k, &o, &tr);
		if (!tr.proc || !tr.process_va) {
			tri_free(&tr);
			dk_set_error(err, DK_E_RANGE, "the triage dump holds no process copy%s",
			             tr.proc ? " whose address is known" : "");
			return DK_E_RANGE;
		}
		rdr r;
		tri_rdr(k, &tr, &r);
		dk_kprocess *p = calloc(1, sizeof *p);
		obj ob;
		if (!p) {
			tri_free(&tr);
			dk_set_error(err, DK_E_NOMEM, "out of memory");
			return DK_E_NOMEM;
		}
		obj_fetch(&r, tr.process_va, eprocess_len(&o), &ob);
		decode_process(&r, &o, tr.process_va, &ob, p, false);
		if (!p->thread_count && tr.thr)
			p->thread_count = 0;
		tri_free(&tr);
		*out = p;
		*count = 1;
		ws_set(ws, false, "a triage dump holds only the current process");
		return DK_OK;
	}
	rdr r = { .k = k };
	proc_ctx m = { .r = &r, .o = &o };
	walk_list(&r, fix_ptr(k, k->ps_active_process_head), "PsActiveProcessHead", visit_process,
	          &m, DK_LIST_MAX, ws);
	if (!m.n && !ws->complete) {
		free(m.arr);
		dk_set_error(err, DK_E_RANGE, "no processes: %s", ws->stop_reason);
		return DK_E_RANGE;
	}
	*out = m.arr;
	*count = m.n;
	return DK_OK;
}

/* ---------------------------------------------------------------- */
/* threads */

static uint32_t ethread_len(const offs *o)
{
	uint32_t l = 0;
	l = need(l, o->kt_initial, o->ptr);
	l = need(l, o->kt_limit, o->ptr);
	l = need(l, o->kt_base, o->ptr);
	l = need(l, o->kt_kstack, o->ptr);
	l = need(l, o->kt_state, 1);
	l = need(l, o->kt_teb, o->ptr);
	l = need(l, o->kt_apcproc, o->ptr);
	l = need(l, o->kt_proc, o->ptr);
	l = need(l, o->kt_wait, 1);
	l = need(l, o->kt_prio, 1);
	l = need(l, o->kt_bprio, 1);
	l = need(l, o->et_cid, 2 * o->ptr);
	l = need(l, o->et_start, o->ptr);
	l = need(l, o->et_w32start, o->ptr);
	return l;
}

/* Without ETHREAD offsets: the CLIENT_ID is taken as the first
 * pointer-aligned pair (owner's PID, a TID: non-zero, a multiple of 4,
 * below 2^24) past the KTHREAD fields the KDBG names (ETHREAD begins with
 * its KTHREAD and the Cid comes early in the rest); NONE when none. */
static uint32_t find_cid(const offs *o, const obj *e, uint64_t pid)
{
	if (!pid)
		return NONE;
	uint32_t start = 0x100;
	uint32_t kt[] = { o->kt_initial, o->kt_limit, o->kt_base, o->kt_kstack, o->kt_state,
	                  o->kt_teb, o->kt_apcproc, o->kt_wait };
	for (size_t i = 0; i < sizeof kt / sizeof kt[0]; i++)
		if (kt[i] != NONE && kt[i] + 1 > start)
			start = kt[i] + 1;
	start = (start + o->ptr - 1) / o->ptr * o->ptr;
	for (uint32_t off = start; off + 2 * o->ptr <= e->len; off += o->ptr) {
		if (!obj_has(e, off, 2 * o->ptr) || og(e, off, o->ptr) != pid)
			continue;
		uint64_t tid = og(e, off + o->ptr, o->ptr);
		if (tid && !(tid & 3) && tid < (1u << 24))
			return off;
	}
	return NONE;
}

static void decode_thread(const dk_kernel *k, const offs *o, uint64_t et, const obj *e,
                          dk_kthread *t, uint64_t owner_pid)
{
	offs tmp;
	if (o->et_cid == NONE && owner_pid) {
		tmp = *o;
		tmp.et_cid = find_cid(o, e, owner_pid);
		o = &tmp;
	}
	memset(t, 0, sizeof *t);
	t->ethread = et;
	t->pid = og(e, o->et_cid, o->ptr);
	t->tid = o->et_cid != NONE ? og(e, o->et_cid + o->ptr, o->ptr) : 0;
	t->teb = fix_ptr(k, og(e, o->kt_teb, o->ptr));
	t->state = (uint8_t)og(e, o->kt_state, 1);
	t->wait_reason = (uint8_t)og(e, o->kt_wait, 1);
	t->priority = (int8_t)og(e, o->kt_prio, 1);
	t->base_priority = (int8_t)og(e, o->kt_bprio, 1);
	t->start_address = fix_ptr(k, og(e, o->et_start, o->ptr));
	t->win32_start_address = fix_ptr(k, og(e, o->et_w32start, o->ptr));
	t->stack_base = fix_ptr(k, og(e, o->kt_base, o->ptr));
	t->stack_limit = fix_ptr(k, og(e, o->kt_limit, o->ptr));
	t->kernel_stack = fix_ptr(k, og(e, o->kt_kstack, o->ptr));
	t->initial_stack = fix_ptr(k, og(e, o->kt_initial, o->ptr));
	uint64_t p = o->kt_proc != NONE ? og(e, o->kt_proc, o->ptr) : 0;
	if (!p)
		p = og(e, o->kt_apcproc, o->ptr);
	t->process = fix_ptr(k, p);
}

typedef struct thr_ctx {
	const rdr *r;
	const offs *o;
	uint32_t link_off;
	dk_kthread *arr;
	size_t n, cap;
	uint64_t owner;
} thr_ctx;

static bool visit_thread(void *ctx, uint64_t link, dk_walk_status *ws)
{
	thr_ctx *m = ctx;
	if (m->n >= DK_THREADS_MAX) {
		ws_set(ws, false, "stopped after %zu threads in all (the limit)", m->n);
		return false;
	}
	if (!grow((void **)&m->arr, &m->cap, m->n, sizeof *m->arr)) {
		ws_set(ws, false, "out of memory after %zu threads", m->n);
		return false;
	}
	obj ob;
	uint64_t et = link - m->link_off;
	obj_fetch(m->r, et, ethread_len(m->o), &ob);
	decode_thread(m->r->k, m->o, et, &ob, &m->arr[m->n], 0);
	if (!m->arr[m->n].process)
		m->arr[m->n].process = m->owner;
	m->n++;
	return true;
}

static void threads_of(const rdr *r, const offs *o, uint64_t ep, thr_ctx *m,
                       dk_walk_status *ws)
{
	m->owner = ep;
	if (o->ep_tlh != NONE && o->et_tle != NONE) {
		m->link_off = o->et_tle;
		walk_list(r, ep + o->ep_tlh, "ThreadListHead", visit_thread, m, DK_LIST_MAX, ws);
	} else if (o->ep_ktlh != NONE && o->kt_tle != NONE) {
		m->link_off = o->kt_tle;
		walk_list(r, ep + o->ep_ktlh, "KPROCESS.ThreadListHead", visit_thread, m, DK_LIST_MAX,
		          ws);
	} else {
		ws_set(ws, false, "the profile has no thread list offsets");
	}
}

dk_status dk_kernel_threads(dk_kernel *k, uint64_t eprocess, dk_kthread **out, size_t *count,
                            dk_walk_status *ws, dk_error *err)
{
	*out = NULL;
	*count = 0;
	dk_walk_status tmp;
	if (!ws)
		ws = &tmp;
	offs o;
	get_offs(k, &o);
	if (k->triage) {
		tri tr;
		tri_load(k, &o, &tr);
		if (!tr.thr || !tr.thread_va ||
		    (eprocess && eprocess != tr.process_va)) {
			tri_free(&tr);
			dk_set_error(err, DK_E_RANGE, "the triage dump holds no copy of %s",
			             eprocess ? "a thread of that process" : "the current thread");
			return DK_E_RANGE;
		}
		rdr r;
		tri_rdr(k, &tr, &r);
		dk_kthread *t = calloc(1, sizeof *t);
		obj ob;
		if (!t) {
			tri_free(&tr);
			dk_set_error(err, DK_E_NOMEM, "out of memory");
			return DK_E_NOMEM;
		}
		/* the owner's PID, for finding the Cid without a profile */
		uint64_t opid = 0;
		if (tr.proc && tr.process_va && o.ep_pid != NONE) {
			obj po;
			obj_fetch(&r, tr.process_va, eprocess_len(&o), &po);
			opid = og(&po, o.ep_pid, o.ptr);
		}
		uint32_t tl = ethread_len(&o);
		if (o.et_cid == NONE && o.et_size != NONE && o.et_size > tl)
			tl = o.et_size;
		obj_fetch(&r, tr.thread_va, tl, &ob);
		decode_thread(k, &o, tr.thread_va, &ob, t, opid);
		if (o.et_cid == NONE && t->tid)
			note_once(k, "threads: the Cid was found by its value (the first pair of the "
			          "owner's PID and a thread id after the KTHREAD fields), not from a "
			          "profile: a heuristic");
		if (!t->process)
			t->process = tr.process_va;
		tri_free(&tr);
		*out = t;
		*count = 1;
		ws_set(ws, false, "a triage dump holds only the current thread");
		return DK_OK;
	}
	if (o.ep_links == NONE || (o.ep_tlh == NONE && o.ep_ktlh == NONE))
		return no_profile(k, "threads", err);
	rdr r = { .k = k };
	thr_ctx m = { .r = &r, .o = &o };
	if (eprocess) {
		threads_of(&r, &o, eprocess, &m, ws);
	} else {
		dk_kprocess *ps;
		size_t np;
		dk_status st = dk_kernel_processes(k, &ps, &np, ws, err);
		if (st != DK_OK)
			return st;
		dk_walk_status pws = *ws, tws;
		bool all = true;
		for (size_t i = 0; i < np; i++) {
			threads_of(&r, &o, ps[i].eprocess, &m, &tws);
			if (!tws.complete && all) {
				all = false;
				snprintf(ws->stop_reason, sizeof ws->stop_reason,
				         "process 0x%" PRIx64 ": %.120s", ps[i].eprocess, tws.stop_reason);
			}
		}
		ws->complete = pws.complete && all;
		if (ws->complete || (!pws.complete))
			memcpy(ws->stop_reason, pws.stop_reason, sizeof ws->stop_reason);
		free(ps);
	}
	if (!m.n && !ws->complete) {
		free(m.arr);
		dk_set_error(err, DK_E_RANGE, "no threads: %s", ws->stop_reason);
		return DK_E_RANGE;
	}
	*out = m.arr;
	*count = m.n;
	return DK_OK;
}

/* ---------------------------------------------------------------- */
/* processors */

static void decode_prcb(const dk_kernel *k, const offs *o, const obj *e, dk_kcpu *c)
{
	c->current_thread = fix_ptr(k, og(e, o->pr_cur, o->ptr));
	c->idle_thread = fix_ptr(k, og(e, o->pr_idle, o->ptr));
	if (o->pr_num != NONE && obj_has(e, o->pr_num, 2))
		c->number = (unsigned)og(e, o->pr_num, (o->ptr == 4 && o->pr_num == 0x10) ? 1 : 2);
	if (o->pr_state_ctx != NONE && c->prcb)
		c->state_context = c->prcb + o->pr_state_ctx;
}

static uint32_t prcb_len(const offs *o)
{
	uint32_t l = 0;
	l = need(l, o->pr_cur, o->ptr);
	l = need(l, o->pr_idle, o->ptr);
	l = need(l, o->pr_num, 4);
	return l;
}

dk_status dk_kernel_cpus(dk_kernel *k, dk_kcpu **out, size_t *count, dk_error *err)
{
	*out = NULL;
	*count = 0;
	offs o;
	get_offs(k, &o);
	if (o.pr_cur == NONE) {
		dk_set_error(err, DK_E_UNSUPPORTED,
		             "processors: neither the KDBG nor a profile gives KPRCB.CurrentThread");
		return DK_E_UNSUPPORTED;
	}
	obj ob;
	if (k->triage) {
		tri tr;
		tri_load(k, &o, &tr);
		if (!tr.prcb) {
			tri_free(&tr);
			dk_set_error(err, DK_E_RANGE, "the triage dump holds no PRCB copy");
			return DK_E_RANGE;
		}
		dk_kcpu *c = calloc(1, sizeof *c);
		if (!c) {
			tri_free(&tr);
			dk_set_error(err, DK_E_NOMEM, "out of memory");
			return DK_E_NOMEM;
		}
		/* the copy, read as if at address 0 */
		memset(&ob, 0, sizeof ob);
		ob.va = 0;
		ob.len = tr.prcb_len < sizeof ob.buf ? tr.prcb_len : sizeof ob.buf;
		memcpy(ob.buf, tr.prcb, ob.len);
		memset(ob.ok_page, 1, sizeof ob.ok_page);
		decode_prcb(k, &o, &ob, c);
		if (o.pr_ctx != NONE && dk_in_bounds(tr.prcb_len, o.pr_ctx, o.ptr)) {
			uint64_t v = fix_ptr(k, dk_getn(tr.prcb, tr.prcb_len, o.pr_ctx, o.ptr));
			if (is_kva(k, v))
				c->context = v;
		}
		c->from_triage = true;
		/* the PRCB's address, when the data blocks hold KiProcessorBlock */
		uint64_t pa;
		rdr r = { .k = k };
		if (k->ki_processor_block &&
		    Rptr(&r, o.ptr, k->ki_processor_block + (uint64_t)c->number * o.ptr, &pa) &&
		    is_kva(k, pa)) {
			c->prcb = fix_ptr(k, pa);
			if (o.pr_state_ctx != NONE)
				c->state_context = c->prcb + o.pr_state_ctx;
		}
		if (!c->context)
			c->context = c->state_context;
		tri_free(&tr);
		*out = c;
		*count = 1;
		return DK_OK;
	}
	uint64_t kpb = fix_ptr(k, k->ki_processor_block);
	if (!kpb) {
		dk_set_error(err, DK_E_RANGE, "processors: KiProcessorBlock is not known (no KDBG)");
		return DK_E_RANGE;
	}
	uint32_t n = k->sum->number_processors;
	if (n == 0 || n > MAX_CPUS)
		n = n ? MAX_CPUS : 1;
	dk_kcpu *arr = calloc(n, sizeof *arr);
	if (!arr) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	rdr r = { .k = k };
	size_t got = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t prcb;
		if (!Rptr(&r, o.ptr, kpb + (uint64_t)i * o.ptr, &prcb) || !prcb || !is_kva(k, prcb))
			continue;
		dk_kcpu *c = &arr[got];
		c->number = i;
		c->prcb = prcb;
		obj_fetch(&r, prcb, prcb_len(&o), &ob);
		if (!ob.any)
			continue;
		decode_prcb(k, &o, &ob, c);
		if (o.pr_num == NONE || !obj_has(&ob, o.pr_num, 2))
			c->number = i;
		uint64_t cp;
		if (o.pr_ctx != NONE && Rptr(&r, o.ptr, prcb + o.pr_ctx, &cp) &&
		    is_kva(k, fix_ptr(k, cp)))
			c->context = fix_ptr(k, cp);
		if (!c->context)
			c->context = c->state_context;
		got++;
	}
	if (!got) {
		free(arr);
		dk_set_error(err, DK_E_RANGE, "processors: no KPRCB readable from KiProcessorBlock "
		             "at 0x%" PRIx64, kpb);
		return DK_E_RANGE;
	}
	*out = arr;
	*count = got;
	return DK_OK;
}

/* ---------------------------------------------------------------- */
/* user modules and process address spaces */

dk_status dk_kernel_process_vas(dk_kernel *k, const dk_kprocess *p, dk_vas **out,
                                dk_error *err)
{
	*out = NULL;
	const dk_physmem *pm = dk_kdump_physmem(k->dump);
	if (!pm || k->paging == DK_PAGING_NONE) {
		dk_set_error(err, DK_E_UNSUPPORTED, "the dump holds no physical memory (%s)",
		             k->triage ? "triage dump" : "no address space");
		return DK_E_UNSUPPORTED;
	}
	if (!p->dtb) {
		dk_set_error(err, DK_E_RANGE, "process 0x%" PRIx64 " has no DirectoryTableBase",
		             p->eprocess);
		return DK_E_RANGE;
	}
	dk_status st = dk_vas_create(pm, k->paging, p->dtb, out, err);
	if (st == DK_OK && k->build)
		dk_vas_set_windows_build(*out, k->build);
	return st;
}

dk_status dk_kernel_user_modules(dk_kernel *k, const dk_kprocess *p, dk_kmodule **out,
                                 size_t *count, dk_walk_status *ws, dk_error *err)
{
	*out = NULL;
	*count = 0;
	dk_walk_status tmp;
	if (!ws)
		ws = &tmp;
	ws_set(ws, false, "not walked");
	if (!p->peb) {
		ws_set(ws, true, "the process has no PEB (a system process)");
		return DK_OK;
	}
	dk_vas *vas;
	dk_status st = dk_kernel_process_vas(k, p, &vas, err);
	if (st != DK_OK)
		return st;
	offs o;
	get_offs(k, &o);
	rdr r = { .k = k, .vas = vas, .user = true };
	uint64_t ldr;
	if (!Rptr(&r, o.ptr, p->peb + o.peb_ldr, &ldr) || !ldr) {
		ws_set(ws, false, "PEB.Ldr at 0x%" PRIx64 " cannot be read (or is null)",
		       p->peb + o.peb_ldr);
		dk_vas_free(vas);
		return DK_OK;
	}
	mod_ctx m = { .r = &r, .o = &o, .pe_fill = true };
	walk_list(&r, ldr + o.pebldr_load, "PEB_LDR_DATA.InLoadOrderModuleList", visit_module, &m,
	          DK_LIST_MAX, ws);
	dk_vas_free(vas);
	*out = m.arr;
	*count = m.n;
	return DK_OK;
}

/* ---------------------------------------------------------------- */
/* symbols */

void dk_module_short_name(const char *file, bool first_kernel_module, char *buf, size_t size)
{
	char b[64];
	base_of(file, b, sizeof b);
	char low[64];
	size_t i;
	for (i = 0; b[i] && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)b[i]);
	low[i] = 0;
	if (first_kernel_module || strcmp(low, "ntoskrnl.exe") == 0 ||
	    strcmp(low, "ntkrnlpa.exe") == 0 || strcmp(low, "ntkrnlmp.exe") == 0 ||
	    strcmp(low, "ntkrpamp.exe") == 0) {
		dk_strlcpy(buf, "nt", size);
		return;
	}
	size_t ll = strlen(low);
	if (ll >= 7 && ll <= 12 && strncmp(low, "hal", 3) == 0 &&
	    strcmp(low + ll - 4, ".dll") == 0) {
		dk_strlcpy(buf, "hal", size);
		return;
	}
	char *dot = strrchr(b, '.');
	if (dot && dot != b)
		*dot = 0;
	dk_strlcpy(buf, b[0] ? b : "unknown", size);
}

typedef struct sym_mod {
	dk_kmodule m;
	bool user;
	bool tried;
	bool ok;
	dk_pe pe;
	char note[120];
	char short_name[64];
} sym_mod;

struct dk_ksyms {
	dk_kernel *k;
	dk_vas *uvas;     /* the process's address space, or NULL */
	sym_mod *mods;
	size_t n;
};

static int cmp_mod(const void *a, const void *b)
{
	const sym_mod *x = a, *y = b;
	return x->m.base < y->m.base ? -1 : x->m.base > y->m.base;
}

dk_status dk_ksyms_open(dk_kernel *k, const dk_kprocess *process, dk_ksyms **out,
                        dk_error *err)
{
	*out = NULL;
	dk_ksyms *s = calloc(1, sizeof *s);
	if (!s) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	s->k = k;
	dk_kmodule *km = NULL, *um = NULL;
	size_t nk = 0, nu = 0;
	dk_status st = dk_kernel_modules(k, &km, &nk, NULL, err);
	if (st != DK_OK && !process) {
		free(s);
		return st;
	}
	if (process) {
		if (dk_kernel_process_vas(k, process, &s->uvas, NULL) == DK_OK)
			dk_kernel_user_modules(k, process, &um, &nu, NULL, NULL);
	}
	s->mods = calloc(nk + nu + 1, sizeof *s->mods);
	if (!s->mods) {
		free(km);
		free(um);
		dk_ksyms_close(s);
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	for (size_t i = 0; i < nk; i++) {
		s->mods[s->n].m = km[i];
		dk_module_short_name(km[i].name[0] ? km[i].name : km[i].path, i == 0,
		                     s->mods[s->n].short_name, sizeof s->mods[s->n].short_name);
		s->n++;
	}
	for (size_t i = 0; i < nu; i++) {
		s->mods[s->n].m = um[i];
		s->mods[s->n].user = true;
		dk_module_short_name(um[i].name[0] ? um[i].name : um[i].path, false,
		                     s->mods[s->n].short_name, sizeof s->mods[s->n].short_name);
		s->n++;
	}
	free(km);
	free(um);
	qsort(s->mods, s->n, sizeof *s->mods, cmp_mod);
	*out = s;
	return DK_OK;
}

void dk_ksyms_close(dk_ksyms *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		dk_pe_free(&s->mods[i].pe);
	free(s->mods);
	if (s->uvas)
		dk_vas_free(s->uvas);
	free(s);
}

static dk_status uvas_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	return dk_vas_read(ctx, va, buf, len, NULL);
}

static dk_status kern_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	return dk_kernel_read(ctx, va, buf, len, NULL);
}

static void load_pe(dk_ksyms *s, sym_mod *m)
{
	m->tried = true;
	dk_vmem vm;
	if (m->user) {
		vm.ctx = s->uvas;
		vm.read = uvas_read;
	} else {
		vm.ctx = s->k;
		vm.read = kern_read;
	}
	dk_error e = { 0 };
	if (dk_pe_open(&vm, m->m.base, m->m.size, &m->pe, &e) != DK_OK) {
		snprintf(m->note, sizeof m->note, "no exports: %.100s", e.message);
		return;
	}
	if (dk_pe_load_exports(&vm, &m->pe, &e) != DK_OK) {
		snprintf(m->note, sizeof m->note, "no exports: %.100s", e.message);
		return;
	}
	if (!m->pe.nexports)
		snprintf(m->note, sizeof m->note, "the image exports nothing readable");
	m->ok = m->pe.nexports > 0;
}

static void export_name(const dk_pe_export *e, char *buf, size_t size)
{
	if (e->name)
		dk_strlcpy(buf, e->name, size);
	else
		snprintf(buf, size, "#%u", e->ordinal);
}

bool dk_ksyms_lookup(dk_ksyms *s, uint64_t va, dk_ksym *out)
{
	memset(out, 0, sizeof *out);
	if (s->k->ptr == 4)
		va &= 0xFFFFFFFFu;
	/* the last module whose base <= va, then earlier ones (overlaps) */
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->mods[mid].m.base <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	sym_mod *m = NULL;
	for (size_t i = lo; i > 0; i--) {
		sym_mod *c = &s->mods[i - 1];
		if (va - c->m.base < c->m.size) {
			m = c;
			break;
		}
		if (lo - i > 64)
			break;
	}
	if (!m)
		return false;
	out->user = m->user;
	dk_strlcpy(out->module, m->short_name, sizeof out->module);
	dk_strlcpy(out->module_file, m->m.name[0] ? m->m.name : m->m.path, sizeof out->module_file);
	out->module_base = m->m.base;
	out->module_size = m->m.size;
	if (!m->tried)
		load_pe(s, m);
	uint64_t rva = va - m->m.base;
	const dk_pe_export *e = NULL, *nx = NULL;
	if (m->ok && rva <= 0xFFFFFFFFu)
		e = dk_pe_nearest(&m->pe, (uint32_t)rva, &nx);
	if (e) {
		export_name(e, out->symbol, sizeof out->symbol);
		out->symbol_va = m->m.base + e->rva;
		out->offset = va - out->symbol_va;
		if (nx) {
			export_name(nx, out->next_symbol, sizeof out->next_symbol);
			out->next_va = m->m.base + nx->rva;
		}
		if (out->offset)
			snprintf(out->text, sizeof out->text, "%s!%s+0x%" PRIx64, out->module, out->symbol,
			         out->offset);
		else
			snprintf(out->text, sizeof out->text, "%s!%s", out->module, out->symbol);
	} else {
		out->offset = rva;
		if (m->ok)
			snprintf(out->note, sizeof out->note, "before the first export");
		else
			dk_strlcpy(out->note, m->note, sizeof out->note);
		snprintf(out->text, sizeof out->text, "%s+0x%" PRIx64, out->module, rva);
	}
	return true;
}

bool dk_kernel_symbolize(dk_kernel *k, const dk_kprocess *process, uint64_t va, char *buf,
                         size_t size)
{
	dk_ksyms *s;
	if (size)
		buf[0] = 0;
	if (dk_ksyms_open(k, process, &s, NULL) != DK_OK)
		return false;
	dk_ksym r;
	bool ok = dk_ksyms_lookup(s, va, &r);
	if (ok)
		dk_strlcpy(buf, r.text, size);
	dk_ksyms_close(s);
	return ok;
}

/* ---------------------------------------------------------------- */
/* words */

const char *dk_thread_state_name(unsigned state)
{
	static const char *const n[] = { "Initialized", "Ready", "Running", "Standby",
	                                 "Terminated", "Waiting", "Transition", "DeferredReady",
	                                 "GateWaitObsolete", "WaitingForProcessInSwap" };
	return state < sizeof n / sizeof n[0] ? n[state] : "unknown";
}

const char *dk_wait_reason_name(unsigned reason)
{
	/* KWAIT_REASON (wdm.h / ntddk.h) */
	static const char *const n[] = {
		"Executive", "FreePage", "PageIn", "PoolAllocation", "DelayExecution", "Suspended",
		"UserRequest", "WrExecutive", "WrFreePage", "WrPageIn", "WrPoolAllocation",
		"WrDelayExecution", "WrSuspended", "WrUserRequest", "WrSpare0", "WrQueue",
		"WrLpcReceive", "WrLpcReply", "WrVirtualMemory", "WrPageOut", "WrRendezvous",
		"WrKeyedEvent", "WrTerminated", "WrProcessInSwap", "WrCpuRateControl",
		"WrCalloutStack", "WrKernel", "WrResource", "WrPushLock", "WrMutex",
		"WrQuantumEnd", "WrDispatchInt", "WrPreempted", "WrYieldExecution", "WrFastMutex",
		"WrGuardedMutex", "WrRundown", "WrAlertByThreadId", "WrDeferredPreempt",
		"WrPhysicalFault", "WrIoRing", "WrMdlCache", "WrRcu"
	};
	return reason < sizeof n / sizeof n[0] ? n[reason] : "unknown";
}
