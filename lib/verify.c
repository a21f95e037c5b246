/* placeholder */
#include "internal.h"
typedef int dk_placeholder_verify;
