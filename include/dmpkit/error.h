/* dmpkit — status codes and error reports.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_ERROR_H
#define DMPKIT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_status {
	DK_OK = 0,
	DK_E_IO,          /* the operating system refused a read, open or write */
	DK_E_FORMAT,      /* the input is not what it claims to be */
	DK_E_TRUNCATED,   /* the input ends before data it describes */
	DK_E_NOMEM,       /* an allocation failed */
	DK_E_RANGE,       /* an address or page is not in the input */
	DK_E_UNSUPPORTED, /* recognised but not handled */
	DK_E_ARG          /* the caller passed something invalid */
} dk_status;

/* A report filled in by every call that can fail.  The message names the
 * file, the structure and field, the file offset and what was expected
 * and found, as far as they apply. */
typedef struct dk_error {
	dk_status status;
	char message[512];
} dk_error;

const char *dk_status_name(dk_status status);

#ifdef __cplusplus
}
#endif
#endif
