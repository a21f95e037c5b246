/* dmpkit — reading, formatting and explaining named fields.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <dmpkit/bugcheck.h>
#include <dmpkit/context.h>
#include <dmpkit/fields.h>
#include <dmpkit/kdump.h>

#include "internal.h"

bool dk_is_page_fill(const uint8_t *base, size_t len, uint32_t offset)
{
	static const char pat[4] = { 'P', 'A', 'G', 'E' };
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (base[i] != (uint8_t)pat[(offset + i) & 3])
			return false;
	return true;
}

/* A structure's `base` is taken to start at offset 0 of a region that is
 * 4-aligned in the file, so the fill pattern phase follows f->offset. */
dk_field_state dk_field_get(const dk_field *f, const uint8_t *base, size_t avail,
                            uint64_t *value)
{
	if (value)
		*value = 0;
	if (!dk_in_bounds(avail, f->offset, f->size))
		return DK_FIELD_MISSING;
	const uint8_t *p = base + f->offset;
	if (f->type == DK_FT_UINT && value)
		*value = dk_getn(base, avail, f->offset, f->size);
	if ((f->flags & DK_FF_PAGE_FILL) && dk_is_page_fill(p, f->size, f->offset))
		return DK_FIELD_NOT_SET;
	return DK_FIELD_SET;
}

static void hex_bytes(const uint8_t *p, size_t n, char *buf, size_t bufsize)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && o + 3 < bufsize; i++)
		o += (size_t)snprintf(buf + o, bufsize - o, "%02x", p[i]);
	if (o + 3 >= bufsize && bufsize > 4)
		memcpy(buf + bufsize - 4, "...", 4);
}

static void printable(const uint8_t *p, size_t n, char *buf, size_t bufsize)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < bufsize; i++) {
		if (p[i] == 0)
			break;
		buf[o++] = (p[i] >= 0x20 && p[i] < 0x7F) ? (char)p[i] : '.';
	}
	buf[o] = 0;
}

void dk_field_format(const dk_field *f, const uint8_t *base, size_t avail, char *buf,
                     size_t bufsize)
{
	uint64_t v;
	dk_field_state st = dk_field_get(f, base, avail, &v);
	if (st == DK_FIELD_MISSING) {
		dk_strlcpy(buf, "(missing)", bufsize);
		return;
	}
	if (st == DK_FIELD_NOT_SET) {
		dk_strlcpy(buf, "(not set)", bufsize);
		return;
	}
	const uint8_t *p = base + f->offset;
	switch (f->type) {
	case DK_FT_UINT:
		if (f->decode == DK_DEC_DEC || f->decode == DK_DEC_BYTES ||
		    f->decode == DK_DEC_PAGES)
			snprintf(buf, bufsize, "0x%" PRIx64 " (%" PRIu64 ")", v, v);
		else
			snprintf(buf, bufsize, "0x%0*" PRIx64, (int)(f->size * 2), v);
		break;
	case DK_FT_TAG:
	case DK_FT_ASCII:
		printable(p, f->size, buf, bufsize);
		break;
	default:
		hex_bytes(p, f->size, buf, bufsize);
		break;
	}
}

const char *dk_machine_name(uint32_t machine)
{
	switch (machine) {
	case DK_MACHINE_I386: return "x86 (i386)";
	case DK_MACHINE_AMD64: return "x64 (AMD64)";
	case DK_MACHINE_ARM64: return "ARM64";
	case 0x01C4: return "ARMv7 (ARMNT)";
	case 0x0200: return "IA-64";
	}
	return "unknown";
}

const char *dk_dump_type_name(uint32_t t)
{
	/* mindumpdef.h DUMP_TYPE_*; 8-10 as WinDbg names them (kdmp-parser). */
	switch (t) {
	case 0xFFFFFFFFu: return "invalid";
	case 0: return "unknown";
	case 1: return "full (complete memory dump with run list)";
	case 2: return "summary (kernel memory dump)";
	case 3: return "header only";
	case 4: return "triage (small memory dump)";
	case 5: return "bitmap full (complete memory dump)";
	case 6: return "bitmap kernel (kernel or active memory dump)";
	case 7: return "automatic";
	case 8: return "kernel memory dump (RDMP ranges)";
	case 9: return "kernel and user memory dump (RDMP ranges)";
	case 10: return "complete memory dump (RDMP ranges)";
	}
	return "unknown";
}

void dk_format_filetime(uint64_t ft, char *buf, size_t bufsize)
{
	/* FILETIME counts 100 ns since 1601-01-01; 11644473600 s to 1970. */
	uint64_t secs = ft / 10000000u;
	if (ft == 0) {
		dk_strlcpy(buf, "zero", bufsize);
		return;
	}
	if (secs < 11644473600ull || secs - 11644473600ull > 253402300799ull) {
		dk_strlcpy(buf, "out of range", bufsize);
		return;
	}
	time_t t = (time_t)(secs - 11644473600ull);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		dk_strlcpy(buf, "out of range", bufsize);
		return;
	}
	strftime(buf, bufsize, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void dk_format_duration(uint64_t u, char *buf, size_t bufsize)
{
	uint64_t ms = u / 10000u;
	uint64_t s = ms / 1000, d = s / 86400;
	snprintf(buf, bufsize, "%" PRIu64 "d %02u:%02u:%02u.%03u", d,
	         (unsigned)(s % 86400 / 3600), (unsigned)(s % 3600 / 60),
	         (unsigned)(s % 60), (unsigned)(ms % 1000));
}

static void add_word(char *buf, size_t bufsize, const char *w)
{
	size_t l = strlen(buf);
	if (l && l + 2 < bufsize) {
		buf[l] = '|';
		buf[l + 1] = 0;
		l++;
	}
	if (l < bufsize)
		dk_strlcpy(buf + l, w, bufsize - l);
}

static void bits_words(uint64_t v, const char *const *names, unsigned n, char *buf,
                       size_t bufsize)
{
	buf[0] = 0;
	for (unsigned i = 0; i < n; i++)
		if (names[i] && (v & (1ull << i))) {
			add_word(buf, bufsize, names[i]);
			v &= ~(1ull << i);
		}
	if (v) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "0x%" PRIx64, v);
		add_word(buf, bufsize, tmp);
	}
}

void dk_field_explain(const dk_field *f, const uint8_t *base, size_t avail, char *buf,
                      size_t bufsize)
{
	uint64_t v;
	buf[0] = 0;
	if (dk_field_get(f, base, avail, &v) != DK_FIELD_SET)
		return;
	switch (f->decode) {
	case DK_DEC_MACHINE:
		dk_strlcpy(buf, dk_machine_name((uint32_t)v), bufsize);
		break;
	case DK_DEC_DUMP_TYPE:
		dk_strlcpy(buf, dk_dump_type_name((uint32_t)v), bufsize);
		break;
	case DK_DEC_BUGCHECK: {
		const char *n = dk_bugcheck_name((uint32_t)v);
		dk_strlcpy(buf, n ? n : "unknown bugcheck code", bufsize);
		break;
	}
	case DK_DEC_FILETIME:
		dk_format_filetime(v, buf, bufsize);
		break;
	case DK_DEC_DURATION:
		dk_format_duration(v, buf, bufsize);
		break;
	case DK_DEC_BOOL:
		dk_strlcpy(buf, v ? "yes" : "no", bufsize);
		break;
	case DK_DEC_BYTES: {
		double mib = (double)v / 1048576.0;
		snprintf(buf, bufsize, "%.1f MiB", mib);
		break;
	}
	case DK_DEC_PAGES:
		snprintf(buf, bufsize, "%.1f MiB of 4 KiB pages", (double)v / 256.0);
		break;
	case DK_DEC_BUILD:
		dk_strlcpy(buf, v == 0xF ? "free build" : v == 0xC ? "checked build" : "unknown",
		           bufsize);
		break;
	case DK_DEC_PRODUCT_TYPE:
		/* winnt.h VER_NT_WORKSTATION 1, VER_NT_DOMAIN_CONTROLLER 2,
		 * VER_NT_SERVER 3 */
		dk_strlcpy(buf, v == 1 ? "workstation" : v == 2 ? "domain controller"
		               : v == 3 ? "server" : "unknown", bufsize);
		break;
	case DK_DEC_SUITE_MASK: {
		/* winnt.h VER_SUITE_* bits */
		static const char *const n[] = {
			"SmallBusiness", "Enterprise", "BackOffice", "CommunicationServer",
			"TerminalServer", "SmallBusinessRestricted", "EmbeddedNT", "DataCenter",
			"SingleUserTS", "Personal", "Blade", "EmbeddedRestricted",
			"SecurityAppliance", "StorageServer", "ComputeServer", "WHServer",
			"PBServer", "MultiUserTS" };
		bits_words(v, n, 18, buf, bufsize);
		break;
	}
	case DK_DEC_ATTRIBUTES: {
		/* mindumpdef.h DUMP_FILE_ATTRIBUTES bits */
		static const char *const n[] = {
			"HiberCrash", "DumpDevicePowerOff", "InsufficientDumpfileSize",
			"KernelGeneratedTriageDump", "LiveDumpGeneratedDump",
			"DumpIsGeneratedOffline", "FilterDumpFile", "EarlyBootCrash",
			"EncryptedDumpData", "DecryptedDump" };
		bits_words(v, n, 10, buf, bufsize);
		break;
	}
	case DK_DEC_CONTEXT_FLAGS: {
		char arch[16] = "";
		uint64_t rest = v;
		if (v & DK_CONTEXT_X86) {
			dk_strlcpy(arch, "x86", sizeof arch);
			rest &= ~(uint64_t)DK_CONTEXT_X86;
		} else if (v & DK_CONTEXT_AMD64) {
			dk_strlcpy(arch, "AMD64", sizeof arch);
			rest &= ~(uint64_t)DK_CONTEXT_AMD64;
		} else if (v & DK_CONTEXT_ARM64) {
			dk_strlcpy(arch, "ARM64", sizeof arch);
			rest &= ~(uint64_t)DK_CONTEXT_ARM64;
		}
		static const char *const n[] = { "CONTROL", "INTEGER", "SEGMENTS",
		                                  "FLOATING_POINT", "DEBUG_REGISTERS",
		                                  "EXTENDED_REGISTERS", "XSTATE" };
		char words[160];
		bits_words(rest, n, 7, words, sizeof words);
		snprintf(buf, bufsize, "%s%s%s", arch[0] ? arch : "no architecture bit",
		         words[0] ? ": " : "", words);
		break;
	}
	case DK_DEC_EXCEPTION_FLAGS: {
		static const char *const n[] = { "NONCONTINUABLE", "UNWINDING", "EXIT_UNWIND",
		                                  "STACK_INVALID", "NESTED_CALL",
		                                  "TARGET_UNWIND", "COLLIDED_UNWIND" };
		bits_words(v, n, 7, buf, bufsize);
		break;
	}
	case DK_DEC_TRIAGE_OPTIONS:
		if (v == 0xFFFFFFFFu)
			dk_strlcpy(buf, "all", bufsize);
		break;
	default:
		break;
	}
}

const dk_field *dk_struct_field(const dk_struct_desc *s, const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return &s->fields[i];
	return NULL;
}

/* ---- architectures ---- */
dk_arch dk_arch_from_machine(uint32_t machine)
{
	switch (machine) {
	case DK_MACHINE_I386: return DK_ARCH_X86;
	case DK_MACHINE_AMD64: return DK_ARCH_AMD64;
	case DK_MACHINE_ARM64: return DK_ARCH_ARM64;
	}
	return DK_ARCH_UNKNOWN;
}

const char *dk_arch_name(dk_arch arch)
{
	switch (arch) {
	case DK_ARCH_X86: return "x86";
	case DK_ARCH_AMD64: return "x64";
	case DK_ARCH_ARM64: return "arm64";
	default: return "unknown";
	}
}

uint32_t dk_context_arch_flag(dk_arch arch)
{
	switch (arch) {
	case DK_ARCH_X86: return DK_CONTEXT_X86;
	case DK_ARCH_AMD64: return DK_CONTEXT_AMD64;
	case DK_ARCH_ARM64: return DK_CONTEXT_ARM64;
	default: return 0;
	}
}

dk_context_regs dk_context_main_regs(dk_arch arch)
{
	dk_context_regs r = { 0, 0, 0, 0 };
	switch (arch) {
	case DK_ARCH_X86: r = (dk_context_regs){ 0xB8, 0xC4, 0xB4, 4 }; break;
	case DK_ARCH_AMD64: r = (dk_context_regs){ 0xF8, 0x98, 0xA0, 8 }; break;
	case DK_ARCH_ARM64: r = (dk_context_regs){ 0x108, 0x100, 0xF0, 8 }; break;
	default: break;
	}
	return r;
}
