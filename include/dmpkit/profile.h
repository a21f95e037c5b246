/* dmpkit — Windows version profiles: the offsets of the kernel structures
 * dmpkit needs, per build and architecture, as data tables taken from
 * public sources (cited in lib/profiles.c).  DK_OFF_NONE marks a field the
 * build does not have.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_PROFILE_H
#define DMPKIT_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include <dmpkit/context.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DK_OFF_NONE 0xFFFFu

typedef struct dk_profile {
	const char *name;        /* e.g. "win10_x64_19041" */
	const char *source;      /* where the offsets come from */
	dk_arch arch;
	uint32_t build_min, build_max; /* builds the table is valid for */
	unsigned ptr;            /* pointer size: 4 or 8 */
	struct { /* session_id: EPROCESS.SessionId where the build has one
	            (none in the tables: see eprocess_ext for the session) */
		uint16_t size, dtb, thread_list_head_k, unique_pid, active_links, object_table,
			parent_pid, image_name, thread_list_head, peb, create_time, exit_time,
			active_threads, session_id, token, wow64, section_base;
	} eprocess;
	struct {
		uint16_t size, initial_stack, stack_limit, stack_base, kernel_stack, state,
			trap_frame, teb, apc_process, process, thread_list_entry, wait_reason,
			priority, base_priority;
	} kthread;
	struct {
		uint16_t size, cid, start_address, win32_start_address, thread_list_entry;
	} ethread;
	struct {
		uint16_t kpcr_prcb, current_thread, idle_thread, number, context, processor_state;
	} kprcb;
	struct { /* KLDR_DATA_TABLE_ENTRY / LDR_DATA_TABLE_ENTRY (in-load-order) */
		uint16_t dll_base, entry_point, size_of_image, full_name, base_name, checksum,
			timestamp;
	} ldr;
	struct {
		uint16_t ldr, image_base, process_parameters;
	} peb;
	struct {
		uint16_t in_load_order; /* PEB_LDR_DATA.InLoadOrderModuleList */
	} peb_ldr;
	struct {
		uint16_t stack_base, stack_limit, last_error;
	} teb;
	/* additions */
	struct {
		uint16_t session;       /* EPROCESS.Session: pointer to MM_SESSION_SPACE */
		uint16_t mm_session_id; /* MM_SESSION_SPACE.SessionId */
		uint16_t handle_count;  /* HANDLE_TABLE.HandleCount (up to Windows 7) */
	} eprocess_ext;
} dk_profile;

/* The profile for `build` on `arch`: an exact match, else the closest one
 * (*exact false), else NULL when none exists for the architecture. */
const dk_profile *dk_profile_find(dk_arch arch, uint32_t build, bool *exact);
/* All profiles, for listing and tests. */
const dk_profile *dk_profiles(unsigned *count);
/* The profile named `name` ("win7_sp1_x64"), or NULL. */
const dk_profile *dk_profile_by_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
