/*
 * uc-backend: pure formats with no I/O, unit-tested on their own
 * (t/unit/backend.c): the 64-bit id layout and serial numbers.
 */

#include <stdio.h>
#include <string.h>

#include "ucb.h"


uint64_t
ucb_id_compose(int64_t ms, int w, int s)
{
    return ((uint64_t) (ms - UCB_ID_EPOCH_MS) << 22) | ((uint64_t) w << 12)
           | (uint64_t) s;
}


int
ucb_serial_prefix_valid(const char *prefix)
{
    size_t  i, len;

    len = strlen(prefix);
    if (len < 1 || len > 8) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (prefix[i] < 'A' || prefix[i] > 'Z') {
            return 0;
        }
    }

    return 1;
}


int
ucb_serial_format(char *out, size_t size, const char *name, int64_t n)
{
    return snprintf(out, size, "%s%08lld", name, (long long) n) < (int) size
           ? 0 : -1;
}
