/* dmpkit — internal: structure tables defined in layouts.c.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_LAYOUTS_H
#define DMPKIT_LAYOUTS_H

#include <dmpkit/fields.h>

extern const dk_struct_desc dk_header64, dk_header32;
extern const dk_struct_desc dk_ctx_amd64, dk_ctx_x86, dk_ctx_arm64;
extern const dk_struct_desc dk_exc64, dk_exc32;
extern const dk_struct_desc dk_bitmap_hdr, dk_summary32_legacy, dk_rdmp_kernel, dk_rdmp_full;
extern const dk_struct_desc dk_triage64, dk_triage32;

#endif
