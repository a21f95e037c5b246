/* dmpkit — dump writer (placeholder until it lands).
 * SPDX-License-Identifier: MIT */
#include <dmpkit/dumpwriter.h>

#include "internal.h"

dk_status dk_dump_plan_runs(const dk_physmem *pm, const dk_run *exclude, size_t nexclude,
                            dk_run **out, size_t *count, dk_error *err)
{
	(void)pm; (void)exclude; (void)nexclude;
	*out = NULL;
	*count = 0;
	dk_set_error(err, DK_E_UNSUPPORTED, "the dump writer is not built yet");
	return DK_E_UNSUPPORTED;
}

dk_status dk_dump_write(const dk_physmem *pm, const uint8_t *header, size_t header_len,
                        const char *output, const dk_dump_write_options *opts,
                        dk_dump_write_result *res, dk_error *err)
{
	(void)pm; (void)header; (void)header_len; (void)output; (void)opts; (void)res;
	dk_set_error(err, DK_E_UNSUPPORTED, "the dump writer is not built yet");
	return DK_E_UNSUPPORTED;
}
