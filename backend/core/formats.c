/*
 * uc-backend: pure formats with no I/O, unit-tested on their own
 * (t/unit/backend.c): the 64-bit id layout, serial numbers, masks.
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


/* +8613812345678 -> +86138****5678 */
void
ucb_mask_phone(char *dst, size_t size, const char *phone)
{
    size_t  n;

    n = strlen(phone);

    if (n < 10) {
        snprintf(dst, size, "%s", n > 0 ? "****" : "");
        return;
    }

    snprintf(dst, size, "%.*s****%s", (int) (n - 8), phone, phone + n - 4);
}


/* alice@example.com -> a***@example.com */
void
ucb_mask_email(char *dst, size_t size, const char *email)
{
    const char  *at;

    at = strchr(email, '@');

    if (at == NULL || at == email) {
        snprintf(dst, size, "%s", email[0] ? "***" : "");
        return;
    }

    snprintf(dst, size, "%c***%s", email[0], at);
}
