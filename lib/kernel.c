/* dmpkit — opening the kernel of a kernel dump: paging mode, directory
 * table base, KDBG and version profile, each checked on the image.
 *
 * Sources (team notes): kernel-dump-format.md §1 (header: DirectoryTableBase,
 * PaeEnabled, KdDebuggerDataBlock, PsLoadedModuleList, PsActiveProcessHead),
 * §2.3 (triage header: DebuggerDataOffset/Size hold a decoded KDBG copy, as
 * FWCFG and rizin use it), §3 (KDBG), §3.2 (a DTB is accepted when
 * SharedUserData, 0xFFFFF78000000000 on x64, translates — ELF2DMP); x86
 * KUSER_SHARED_DATA at 0xFFDF0000 and the PAE DTB being only 32-byte
 * aligned: analysis.md §2.6; the System process is PID 4 from XP on, 8 on
 * Windows 2000, 2 on NT 4 (analysis.md §2.6); the profile checks follow
 * analysis.md §2.7 (validate offsets by walking lists, names printable).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/kernel.h>
#include <dmpkit/triage.h>

#include "internal.h"
#include "kernel_internal.h"

void dk_kernel_note(dk_kernel *k, const char *fmt, ...)
{
	if (!k || k->notes_len + 2 >= sizeof k->notes)
		return;
	va_list ap;
	va_start(ap, fmt);
	size_t room = sizeof k->notes - k->notes_len;
	int n = vsnprintf(k->notes + k->notes_len, room - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t used = (size_t)n < room - 2 ? (size_t)n : room - 2;
	k->notes_len += used;
	k->notes[k->notes_len++] = '\n';
	k->notes[k->notes_len] = '\0';
}

dk_status dk_kernel_read(dk_kernel *k, uint64_t va, void *buf, size_t len, dk_error *err)
{
	if (!k) {
		dk_set_error(err, DK_E_ARG, "no kernel");
		return DK_E_ARG;
	}
	if (k->vas)
		return dk_vas_read(k->vas, va, buf, len, err);
	if (k->triage)
		return dk_triage_read_virtual(k->dump, va, buf, len, err);
	dk_set_error(err, DK_E_RANGE,
	             "%s: the dump holds no memory to read 0x%" PRIx64 " from",
	             dk_kdump_name(k->dump), va);
	return DK_E_RANGE;
}

bool dk_kernel_read_ptr(dk_kernel *k, uint64_t va, uint64_t *out)
{
	uint8_t b[8] = { 0 };
	dk_error e;
	unsigned n = k->ptr == 4 ? 4 : 8;
	if (dk_kernel_read(k, va, b, n, &e) != DK_OK)
		return false;
	uint64_t v = n == 4 ? dk_le32(b) : dk_le64(b);
	/* 32-bit kernel pointers as the KDBG stores them: sign-extended */
	*out = v;
	return true;
}

static bool is_set(uint64_t v)
{
	return v && v != DK_PAGE64 && v != DK_PAGE32;
}

static uint64_t canon32(uint64_t v, unsigned bits)
{
	return bits == 32 ? (uint64_t)(uint32_t)v : v;
}

/* ---- address space ---- */

static uint64_t mask_dtb(dk_paging mode, uint64_t dtb)
{
	switch (mode) {
	case DK_PAGING_X86: return dtb & 0xFFFFF000ull;
	case DK_PAGING_PAE: return dtb & 0xFFFFFFE0ull;
	/* x64 CR3: bits 0-11 PCID (or flags), bit 63 no-flush */
	case DK_PAGING_X64: return dtb & 0x000FFFFFFFFFF000ull;
	/* TTBR: ASID in bits 48-63, CnP in bit 0 */
	case DK_PAGING_ARM64: return dtb & 0x0000FFFFFFFFF000ull;
	default: return dtb;
	}
}

/* How many of the header's kernel addresses translate readably. */
static unsigned probe_vas(dk_kernel *k, dk_vas *vas, unsigned *tried)
{
	uint64_t probes[4];
	unsigned n = 0, ok = 0;
	if (is_set(k->sum->kd_debugger_data_block))
		probes[n++] = k->sum->kd_debugger_data_block;
	if (is_set(k->sum->ps_loaded_module_list))
		probes[n++] = k->sum->ps_loaded_module_list;
	if (is_set(k->sum->ps_active_process_head))
		probes[n++] = k->sum->ps_active_process_head;
	/* KUSER_SHARED_DATA */
	probes[n++] = k->bits == 32 ? 0xFFDF0000ull : 0xFFFFF78000000000ull;
	for (unsigned i = 0; i < n; i++) {
		dk_xlate x;
		dk_vas_translate(vas, canon32(probes[i], k->bits), &x);
		if (dk_xlate_readable(vas, &x))
			ok++;
	}
	*tried = n;
	return ok;
}

static dk_status open_vas(dk_kernel *k, const dk_physmem *pm, dk_error *err)
{
	uint64_t raw = k->sum->directory_table_base;
	dk_paging mode;
	switch (k->arch) {
	case DK_ARCH_X86:
		mode = (k->sum->pae_enabled || (raw & 0xFFF)) ? DK_PAGING_PAE : DK_PAGING_X86;
		break;
	case DK_ARCH_AMD64: mode = DK_PAGING_X64; break;
	case DK_ARCH_ARM64: mode = DK_PAGING_ARM64; break;
	default:
		dk_set_error(err, DK_E_UNSUPPORTED, "%s: unknown machine type 0x%x",
		             dk_kdump_name(k->dump), k->sum->machine_image_type);
		return DK_E_UNSUPPORTED;
	}
	if (mode == DK_PAGING_PAE && !k->sum->pae_enabled)
		dk_kernel_note(k, "paging: PAE, because the DTB 0x%" PRIx64
		               " is not 4 KiB aligned (PaeEnabled is clear)", raw);
	dk_vas *vas = NULL;
	dk_status st = dk_vas_create(pm, mode, mask_dtb(mode, raw), &vas, err);
	if (st != DK_OK)
		return st;
	dk_vas_set_windows_build(vas, k->build);
	unsigned tried = 0, ok = probe_vas(k, vas, &tried);
	if (ok == 0 && k->arch == DK_ARCH_X86) {
		/* the other x86 mode */
		dk_paging alt = mode == DK_PAGING_PAE ? DK_PAGING_X86 : DK_PAGING_PAE;
		dk_vas *v2 = NULL;
		dk_error e2;
		if (dk_vas_create(pm, alt, mask_dtb(alt, raw), &v2, &e2) == DK_OK) {
			dk_vas_set_windows_build(v2, k->build);
			unsigned t2 = 0, ok2 = probe_vas(k, v2, &t2);
			if (ok2 > 0) {
				dk_kernel_note(k, "paging: %s did not translate the header's kernel "
				               "addresses; %s translates %u of %u",
				               dk_paging_name(mode), dk_paging_name(alt), ok2, t2);
				dk_vas_free(vas);
				vas = v2;
				mode = alt;
				ok = ok2;
				tried = t2;
			} else {
				dk_vas_free(v2);
			}
		}
	}
	if (ok == 0)
		dk_kernel_note(k, "DTB 0x%" PRIx64 " (%s) could not be verified: none of %u "
		               "kernel addresses translates", raw, dk_paging_name(mode), tried);
	else if (ok < tried)
		dk_kernel_note(k, "DTB 0x%" PRIx64 " (%s): %u of %u kernel addresses translate",
		               raw, dk_paging_name(mode), ok, tried);
	k->vas = vas;
	k->paging = mode;
	k->dtb = mask_dtb(mode, raw);
	return DK_OK;
}

/* ---- KDBG ---- */

static void kdbg_from_triage(dk_kernel *k)
{
	const dk_triage *t = k->triage;
	if (!t->debugger_data_offset || !t->debugger_data_size) {
		dk_kernel_note(k, "KDBG: the triage dump has no debugger data copy");
		return;
	}
	dk_kdbg *kd = &k->kdbg;
	memset(kd, 0, sizeof *kd);
	size_t n = t->debugger_data_size < DK_KDBG_MAX ? t->debugger_data_size : DK_KDBG_MAX;
	dk_error e;
	if (dk_kdump_read_bytes(k->dump, t->debugger_data_offset, kd->data, n, &e) != DK_OK) {
		dk_kernel_note(k, "KDBG: triage copy unreadable: %s", e.message);
		return;
	}
	if (!dk_kdbg_plausible(kd->data, n, k->bits)) {
		dk_kernel_note(k, "KDBG: the triage copy at file offset 0x%x is not a plausible "
		               "block", t->debugger_data_offset);
		return;
	}
	kd->size = dk_le32(kd->data + 0x14);
	kd->len = kd->size < n ? kd->size : n;
	kd->va = k->sum->kd_debugger_data_block;
	kd->source = DK_KDBG_FROM_TRIAGE;
	k->have_kdbg = true;
}

/* DllBase of the first PsLoadedModuleList entry (ntoskrnl), or 0. */
static uint64_t first_module_base(dk_kernel *k, uint64_t list_head)
{
	uint64_t flink = 0, base = 0;
	if (!is_set(list_head) || !dk_kernel_read_ptr(k, canon32(list_head, k->bits), &flink) ||
	    !flink || flink == canon32(list_head, k->bits))
		return 0;
	/* LDR_DATA_TABLE_ENTRY.DllBase: 0x18 (x86), 0x30 (x64) in every table */
	uint64_t off = k->ptr == 4 ? 0x18 : 0x30;
	if (!dk_kernel_read_ptr(k, flink + off, &base))
		return 0;
	return base;
}

static void kdbg_from_memory(dk_kernel *k)
{
	uint64_t hint = first_module_base(k, k->sum->ps_loaded_module_list);
	uint64_t va = k->sum->kd_debugger_data_block;
	dk_error e;
	if (is_set(va)) {
		if (dk_kdbg_read_ex(k->vas, canon32(va, k->bits), k->bits, hint, &k->kdbg, &e) ==
		    DK_OK) {
			k->have_kdbg = true;
			if (k->kdbg.was_encoded)
				dk_kernel_note(k, "KDBG: decoded (Windows 8+ x64 encoding) with "
				               "KiWaitNever 0x%016" PRIx64 ", KiWaitAlways 0x%016" PRIx64
				               ", KdpDataBlockEncoded at 0x%" PRIx64,
				               k->kdbg.wait_never, k->kdbg.wait_always,
				               k->kdbg.encoded_flag_va);
			return;
		}
		dk_kernel_note(k, "KDBG: not usable at the header's KdDebuggerDataBlock: %s",
		               e.message);
	} else {
		dk_kernel_note(k, "KDBG: the header's KdDebuggerDataBlock is not set");
	}
	uint64_t base = hint;
	if (!base && is_set(va))
		dk_kdbg_find_image_base(k->vas, canon32(va, k->bits), 64u << 20, &base);
	if (base && dk_kdbg_scan_image(k->vas, base, k->bits, &k->kdbg)) {
		k->have_kdbg = true;
		dk_kernel_note(k, "KDBG: found by scanning the kernel image at 0x%" PRIx64
		               " for the tag, at 0x%" PRIx64, base, k->kdbg.va);
		return;
	}
	const dk_physmem *pm = dk_kdump_physmem(k->dump);
	uint64_t pa = 0;
	if (k->flags & DK_KERNEL_NO_PHYSICAL_SCAN) {
		dk_kernel_note(k, "KDBG: not found (header and kernel image; no physical scan)");
		return;
	}
	if (dk_kdbg_scan_physical(pm, k->bits, 1u << 20, &k->kdbg, &pa)) {
		k->have_kdbg = true;
		dk_kernel_note(k, "KDBG: found by scanning physical memory for the tag, at "
		               "physical 0x%" PRIx64 " (virtual address unknown)", pa);
		return;
	}
	dk_kernel_note(k, "KDBG: not found (header, kernel image and physical scans failed)");
}

/* ---- profile checks ---- */

static bool kdbg_field(const dk_kernel *k, const char *name, uint64_t *v)
{
	return k->have_kdbg && dk_kdbg_get(&k->kdbg, name, v) && *v;
}

/* Counts the KDBG's Offset and Size fields (Server 2003 and later) that
 * disagree with the profile; *compared tells how many were compared. */
static unsigned kdbg_disagreements(const dk_kernel *k, const dk_profile *p, unsigned *compared)
{
	static const struct {
		const char *field;
		size_t off; /* into dk_profile */
	} pairs[] = {
		{ "SizeEProcess", offsetof(dk_profile, eprocess.size) },
		{ "OffsetEprocessPeb", offsetof(dk_profile, eprocess.peb) },
		{ "OffsetEprocessParentCID", offsetof(dk_profile, eprocess.parent_pid) },
		{ "OffsetEprocessDirectoryTableBase", offsetof(dk_profile, eprocess.dtb) },
		{ "OffsetKThreadTeb", offsetof(dk_profile, kthread.teb) },
		{ "OffsetKThreadKernelStack", offsetof(dk_profile, kthread.kernel_stack) },
		{ "OffsetKThreadInitialStack", offsetof(dk_profile, kthread.initial_stack) },
		{ "OffsetKThreadApcProcess", offsetof(dk_profile, kthread.apc_process) },
		{ "OffsetKThreadState", offsetof(dk_profile, kthread.state) },
		{ "SizeEThread", offsetof(dk_profile, ethread.size) },
		{ "OffsetPrcbCurrentThread", offsetof(dk_profile, kprcb.current_thread) },
		{ "OffsetPrcbContext", offsetof(dk_profile, kprcb.context) },
		{ "OffsetKThreadStackLimit", offsetof(dk_profile, kthread.stack_limit) },
		{ "OffsetKThreadStackBase", offsetof(dk_profile, kthread.stack_base) },
		{ "OffsetKThreadWaitReason", offsetof(dk_profile, kthread.wait_reason) },
	};
	unsigned bad = 0, n = 0;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		uint64_t v;
		uint16_t want;
		memcpy(&want, (const uint8_t *)p + pairs[i].off, sizeof want);
		if (want == DK_OFF_NONE || !kdbg_field(k, pairs[i].field, &v))
			continue;
		n++;
		if (v != want)
			bad++;
	}
	*compared = n;
	return bad;
}

/* The System process at the head of PsActiveProcessHead, seen through `p`.
 * Returns true when its PID and name match; *dtb_ok tells whether its
 * DirectoryTableBase equals the header's. */
static bool check_system_process(dk_kernel *k, const dk_profile *p, bool *dtb_ok, char *why,
                                 size_t whysize)
{
	*dtb_ok = false;
	uint64_t head = canon32(k->ps_active_process_head, k->bits), flink = 0;
	if (!head || !dk_kernel_read_ptr(k, head, &flink) || !flink || flink == head) {
		snprintf(why, whysize, "PsActiveProcessHead 0x%" PRIx64 " unreadable or empty", head);
		return false;
	}
	uint64_t ep = flink - p->eprocess.active_links;
	uint64_t pid = 0;
	char name[16] = { 0 };
	dk_error e;
	if (!dk_kernel_read_ptr(k, ep + p->eprocess.unique_pid, &pid) ||
	    dk_kernel_read(k, ep + p->eprocess.image_name, name, 15, &e) != DK_OK) {
		snprintf(why, whysize, "EPROCESS at 0x%" PRIx64 " unreadable", ep);
		return false;
	}
	uint64_t want_pid = k->build >= 2600 ? 4 : k->build >= 2195 ? 8 : 2;
	if (pid != want_pid || strcmp(name, "System") != 0) {
		char shown[16];
		for (size_t i = 0; i < sizeof shown; i++)
			shown[i] = (name[i] >= 0x20 && name[i] < 0x7F) || !name[i] ? name[i] : '?';
		shown[15] = '\0';
		snprintf(why, whysize, "first process at 0x%" PRIx64 " has PID %" PRIu64
		         " and name \"%s\", not %" PRIu64 " \"System\"", ep, pid, shown, want_pid);
		return false;
	}
	uint64_t dtb = 0;
	uint8_t b[8] = { 0 };
	if (dk_kernel_read(k, ep + p->eprocess.dtb, b, k->ptr, &e) == DK_OK) {
		dtb = k->ptr == 4 ? dk_le32(b) : dk_le64(b);
		*dtb_ok = mask_dtb(k->paging, dtb) == k->dtb;
	}
	return true;
}

/* Confirms `p` on the dump; true when every available check passed and at
 * least one could be made. */
static bool confirm_profile(dk_kernel *k, const dk_profile *p, char *why, size_t whysize)
{
	why[0] = '\0';
	unsigned compared = 0, bad = kdbg_disagreements(k, p, &compared);
	if (bad) {
		snprintf(why, whysize, "%u of %u KDBG Offset/Size fields disagree", bad, compared);
		return false;
	}
	if (k->vas) {
		bool dtb_ok;
		if (!check_system_process(k, p, &dtb_ok, why, whysize))
			return false;
		return true;
	}
	if (k->triage && k->triage->process_offset && p->eprocess.image_name != DK_OFF_NONE) {
		/* the triage copy of the current process: its name must be text */
		char name[16] = { 0 };
		dk_error e;
		if (dk_kdump_read_bytes(k->dump, (uint64_t)k->triage->process_offset +
		                        p->eprocess.image_name, name, 15, &e) == DK_OK) {
			bool text = name[0] != '\0';
			for (size_t i = 0; i < 15 && name[i]; i++)
				if (name[i] < 0x20 || name[i] >= 0x7F)
					text = false;
			if (!text) {
				snprintf(why, whysize, "the triage process copy's ImageFileName is not "
				         "text");
				return false;
			}
			return true;
		}
	}
	if (compared)
		return true;
	snprintf(why, whysize, "nothing in the dump to check it against");
	return false;
}

static void choose_profile(dk_kernel *k)
{
	bool exact = false;
	const dk_profile *p = dk_profile_find(k->arch, k->build, &exact);
	if (!p) {
		dk_kernel_note(k, "profile: none for %s (no public structure offsets for this "
		               "architecture); lists need the triage parts or the KDBG offsets",
		               dk_arch_name(k->arch));
		return;
	}
	k->profile = p;
	k->profile_exact = exact;
	if (!exact)
		dk_kernel_note(k, "profile: no table for build %u; closest is %s (builds %u-%u)",
		               k->build, p->name, p->build_min, p->build_max);
	char why[200];
	if (confirm_profile(k, p, why, sizeof why)) {
		k->profile_confirmed = true;
		if (!exact)
			dk_kernel_note(k, "profile: %s confirmed on the image", p->name);
		if (k->vas) {
			bool dtb_ok = false;
			char w2[200];
			if (check_system_process(k, p, &dtb_ok, w2, sizeof w2) && !dtb_ok)
				dk_kernel_note(k, "System process DirectoryTableBase differs from the "
				               "header's (the header holds another process's)");
		}
		return;
	}
	dk_kernel_note(k, "profile: %s not confirmed: %s", p->name, why);
	/* neighbours of the same architecture, nearest build first */
	unsigned n = 0;
	const dk_profile *all = dk_profiles(&n);
	const dk_profile *tried[64];
	unsigned ntried = 0;
	for (unsigned round = 0; round < n && ntried < 64; round++) {
		const dk_profile *best = NULL;
		uint64_t bestd = UINT64_MAX;
		for (unsigned i = 0; i < n; i++) {
			const dk_profile *q = &all[i];
			if (q->arch != k->arch || q == p)
				continue;
			bool done = false;
			for (unsigned j = 0; j < ntried; j++)
				done = done || tried[j] == q;
			if (done)
				continue;
			uint64_t d = q->build_min > k->build ? q->build_min - k->build
			           : k->build > q->build_max ? k->build - q->build_max : 0;
			if (d < bestd) {
				bestd = d;
				best = q;
			}
		}
		if (!best)
			break;
		tried[ntried++] = best;
		char w[200];
		if (confirm_profile(k, best, w, sizeof w)) {
			dk_kernel_note(k, "profile: neighbour %s (builds %u-%u) confirmed on the image "
			               "instead", best->name, best->build_min, best->build_max);
			k->profile = best;
			k->profile_exact = false;
			k->profile_confirmed = true;
			return;
		}
	}
	dk_kernel_note(k, "profile: no profile confirmed; keeping %s unconfirmed: structure "
	               "fields may be wrong", p->name);
}

/* ---- open ---- */

/* A list head the KDBG names replaces the header's, with a note when they
 * differ. */
static void kdbg_anchor(dk_kernel *k, const char *name, uint64_t *head)
{
	uint64_t v;
	if (!dk_kdbg_get(&k->kdbg, name, &v) || !v)
		return;
	if (*head && canon32(v, k->bits) != canon32(*head, k->bits))
		dk_kernel_note(k, "KDBG %s 0x%" PRIx64 " differs from the header's 0x%" PRIx64
		               "; using the KDBG's", name, v, *head);
	*head = v;
}

dk_status dk_kernel_open(dk_kdump *dump, dk_kernel **out, dk_error *err)
{
	return dk_kernel_open_ex(dump, 0, out, err);
}

dk_status dk_kernel_open_ex(dk_kdump *dump, unsigned flags, dk_kernel **out, dk_error *err)
{
	if (!dump || !out) {
		dk_set_error(err, DK_E_ARG, "dk_kernel_open: no dump");
		return DK_E_ARG;
	}
	*out = NULL;
	dk_kernel *k = dk_calloc(1, sizeof *k);
	if (!k) {
		dk_set_error(err, DK_E_NOMEM, "out of memory");
		return DK_E_NOMEM;
	}
	k->dump = dump;
	k->flags = flags;
	k->sum = dk_kdump_get_summary(dump);
	k->arch = k->sum->arch;
	k->bits = k->sum->bits;
	k->ptr = k->bits == 32 ? 4 : 8;
	k->build = k->sum->minor_version;
	k->notes[0] = '\0';
	if (k->sum->dump_type == DK_DUMP_TRIAGE)
		k->triage = dk_kdump_get_triage(dump);

	const dk_physmem *pm = dk_kdump_physmem(dump);
	if (pm && !k->triage) {
		dk_status st = open_vas(k, pm, err);
		if (st != DK_OK) {
			free(k);
			return st;
		}
	} else if (!k->triage) {
		dk_kernel_note(k, "the dump holds no physical memory: no address space");
	}

	if (k->triage)
		kdbg_from_triage(k);
	else if (k->vas)
		kdbg_from_memory(k);

	/* the anchors: KDBG first, then the header */
	k->ps_loaded_module_list = k->sum->ps_loaded_module_list;
	k->ps_active_process_head = k->sum->ps_active_process_head;
	if (!is_set(k->ps_loaded_module_list))
		k->ps_loaded_module_list = 0;
	if (!is_set(k->ps_active_process_head))
		k->ps_active_process_head = 0;
	if (k->have_kdbg) {
		uint64_t v;
		if (dk_kdbg_get(&k->kdbg, "KernBase", &v))
			k->kern_base = v;
		kdbg_anchor(k, "PsLoadedModuleList", &k->ps_loaded_module_list);
		kdbg_anchor(k, "PsActiveProcessHead", &k->ps_active_process_head);
		if (dk_kdbg_get(&k->kdbg, "KiProcessorBlock", &v))
			k->ki_processor_block = v;
	}
	if (k->bits == 32) {
		k->kern_base = canon32(k->kern_base, 32);
		k->ps_loaded_module_list = canon32(k->ps_loaded_module_list, 32);
		k->ps_active_process_head = canon32(k->ps_active_process_head, 32);
		k->ki_processor_block = canon32(k->ki_processor_block, 32);
	}
	if (k->vas) {
		uint64_t base = first_module_base(k, k->ps_loaded_module_list);
		if (!k->kern_base && base) {
			k->kern_base = base;
			dk_kernel_note(k, "KernBase 0x%" PRIx64 " taken from the first loaded module",
			               base);
		} else if (base && k->kern_base && canon32(base, k->bits) != k->kern_base) {
			dk_kernel_note(k, "the first loaded module's DllBase 0x%" PRIx64
			               " differs from KDBG.KernBase 0x%" PRIx64, base, k->kern_base);
		}
	} else if (k->triage && k->kern_base) {
		bool found = false;
		for (size_t i = 0; i < k->triage->ndrivers && !found; i++)
			found = k->triage->drivers[i].dll_base == k->kern_base;
		if (!found)
			dk_kernel_note(k, "KDBG.KernBase 0x%" PRIx64 " is no driver's base in the "
			               "triage driver list", k->kern_base);
	}

	choose_profile(k);
	*out = k;
	return DK_OK;
}

void dk_kernel_close(dk_kernel *k)
{
	if (!k)
		return;
	dk_vas_free(k->vas);
	free(k);
}

dk_arch dk_kernel_arch(const dk_kernel *k) { return k ? k->arch : DK_ARCH_UNKNOWN; }
unsigned dk_kernel_bits(const dk_kernel *k) { return k ? k->bits : 0; }
uint32_t dk_kernel_build(const dk_kernel *k) { return k ? k->build : 0; }
dk_vas *dk_kernel_vas(dk_kernel *k) { return k ? k->vas : NULL; }
const dk_kdbg *dk_kernel_kdbg(const dk_kernel *k)
{
	return k && k->have_kdbg ? &k->kdbg : NULL;
}
const dk_profile *dk_kernel_profile(const dk_kernel *k) { return k ? k->profile : NULL; }
const char *dk_kernel_notes(const dk_kernel *k) { return k ? k->notes : ""; }
