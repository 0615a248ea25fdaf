/*
 * Fuzz target: a feature-flag rule as the gateway reads it from Redis.
 * What parses must format and parse back to the same rule, and evaluate.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uc_flags.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char        buf[UC_FLAG_RULE_MAX + 1];
    size_t      n;
    uc_flag_t   f, g;
    const char *p;

    p = (const char *) data;

    (void) uc_flag_name_valid(p, size);
    (void) uc_flag_list_valid(p, size);

    if (uc_flag_parse(p, size, &f) != 0) {
        return 0;
    }

    (void) uc_flag_eval(&f, "beta", 4, "60001", 5, "m-7", 3, 2);
    (void) uc_flag_eval(&f, "beta", 4, "", 0, "", 0, 0);

    n = uc_flag_format(buf, sizeof(buf), &f);

    if (n > 0) {
        if (uc_flag_parse(buf, n, &g) != 0 || g.on != f.on || g.pct != f.pct
            || g.level != f.level)
        {
            abort();
        }
    }

    return 0;
}
