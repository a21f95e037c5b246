/* dmpkit — internal: register naming shared by symfile.c and the walkers.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_SYMFILE_INTERNAL_H
#define DMPKIT_SYMFILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <dmpkit/stackwalk.h>

/* Register names as breakpad's CFI and WIN programs write them, indexed by
 * the dk_regs numbers of `arch`. */
size_t dk_sf_reg_names(dk_arch arch, const char *const **names);
/* Bit mask of the registers a callee preserves (kept by CFI unwinding). */
uint64_t dk_sf_callee_saved(dk_arch arch);

#endif
