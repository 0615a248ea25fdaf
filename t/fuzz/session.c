/*
 * Fuzz target: a session record as the gateway reads it from Redis (the
 * HMGET values, split at '\n'; a value "\x01" alone stands for nil), then
 * the line check and the renewal on what parsed.
 */

#include <stdint.h>
#include <string.h>

#include "uc_schema.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t           i, start, n;
    uc_str_t         vals[UC_SF_READ];
    uc_session_t     s;
    const char      *p;

    p = (const char *) data;
    memset(vals, 0, sizeof(vals));

    for (i = 0, start = 0, n = 0; i <= size && n < UC_SF_READ; i++) {
        if (i == size || p[i] == '\n') {
            if (!(i - start == 1 && p[start] == '\x01')) {
                vals[n].data = p + start;
                vals[n].len = i - start;
            }

            n++;
            start = i + 1;
        }
    }

    if (uc_session_parse(vals, 1790000000, &s) == UC_SESSION_VALID) {
        (void) uc_session_has_line(&s, "mall", 4);
        (void) uc_session_has_line(&s, "*", 1);
        (void) uc_session_renew_ttl(&s, 1790000000);
    }

    return 0;
}
