/* dmpkit — internal: adding findings.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_CHECK_INTERNAL_H
#define DMPKIT_CHECK_INTERNAL_H

#include <stdint.h>

#include <dmpkit/check.h>

#include "internal.h"

/* offset < 0: no file offset applies. */
void dk_finding_add(dk_findings *f, dk_severity sev, const char *id, const char *structure,
                    const char *field, int64_t offset, const char *expected,
                    const char *found, const char *fmt, ...) DK_PRINTF(9, 10);

#endif
