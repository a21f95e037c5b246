/* dmpkit tests — shared helpers: running dkgen, reading its layout, temp files.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_TESTLIB_H
#define DMPKIT_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Key/value pairs printed by `dkgen --print-layout`. */
typedef struct tl_layout {
	size_t n;
	char keys[512][48];
	uint64_t vals[512];
} tl_layout;

/* The dkgen binary and a scratch directory inside the build tree (both
 * from compile definitions, so nothing depends on the current directory). */
const char *tl_dkgen(void);
const char *tl_tmpdir(void);
/* Path of scratch file `name` (a static buffer per call slot). */
const char *tl_path(const char *name);
/* Run dkgen writing tl_path(name) with the given extra arguments (shell
 * words, already quoted as needed).  Fills *lay when non-NULL.  Returns the
 * path, or NULL when dkgen failed. */
const char *tl_gen(const char *name, const char *args, tl_layout *lay);
/* A layout value; aborts the test run when the key is missing. */
uint64_t tl_lay(const tl_layout *lay, const char *key);
bool tl_lay_has(const tl_layout *lay, const char *key);
/* Whole-file helpers. */
uint8_t *tl_read_file(const char *path, size_t *size);
bool tl_write_file(const char *path, const void *data, size_t size);

#endif
