/* dmpkit — make, check, explain and analyze Windows crash dumps.
 * SPDX-License-Identifier: MIT */
#ifndef DMPKIT_DMPKIT_H
#define DMPKIT_DMPKIT_H

#include <dmpkit/bugcheck.h>
#include <dmpkit/check.h>
#include <dmpkit/context.h>
#include <dmpkit/error.h>
#include <dmpkit/fields.h>
#include <dmpkit/kdump.h>
#include <dmpkit/physmem.h>
#include <dmpkit/status.h>
#include <dmpkit/triage.h>
#include <dmpkit/image.h>
#include <dmpkit/dumpwriter.h>
#include <dmpkit/version.h>

#endif
