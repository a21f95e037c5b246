/* dmpkit analyze --summary: one JSON line per dump (analyze_summary.c).
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_ANALYZE_SUMMARY_H
#define DMPKIT_ANALYZE_SUMMARY_H

#include <stddef.h>

/* Summarizes every FILE and every regular file below every DIR of
 * `ops`, in order, with a pool of worker processes (min(2, nproc), or
 * DMPKIT_SUMMARY_JOBS).  Returns EXIT_GOOD when every file was analyzed,
 * EXIT_PROBLEMS when some were not, EXIT_USAGE on a usage or system
 * error. */
int analyze_summary(const char **ops, int nops, const char **symdirs, size_t nsymdirs,
                    size_t max_frames);

#endif
