/* placeholder */
#include "internal.h"
typedef int dk_placeholder_convert_header;
