/*
 * Fuzz target: the names clients and operators give (business lines, flag
 * names, key prefixes, flag id lists) and the Redis keys built from them:
 * a key is whole or not built at all.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uc_flags.h"
#include "uc_schema.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char         key[UC_KEY_MAX];
    size_t       n;
    const char  *p;

    p = (const char *) data;

    (void) uc_prefix_valid(p, size);
    (void) uc_flag_name_valid(p, size);
    (void) uc_flag_list_valid(p, size);

    if (uc_line_valid(p, size)) {
        n = uc_key_flags(key, "uc:", 3, p, size);

        if (n == 0 || n >= UC_KEY_MAX || memcmp(key + 3, "{f:", 3) != 0
            || memcmp(key + 6, p, size) != 0)
        {
            abort();
        }
    }

    n = uc_key_session(key, "uc:", 3, p, size);

    if (n >= UC_KEY_MAX) {
        abort();
    }

    return 0;
}
