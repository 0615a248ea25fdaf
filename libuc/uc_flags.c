/*
 * usercenter shared contract: feature flags. See uc_flags.h.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "uc_flags.h"


int
uc_flag_name_valid(const char *name, size_t len)
{
    size_t  i;
    char    c;

    if (len == 0 || len > UC_FLAG_NAME_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || c == '_' || c == '-' || c == '.'))
        {
            return 0;
        }
    }

    return 1;
}


int
uc_flag_list_valid(const char *list, size_t len)
{
    size_t  i, item;
    char    c;

    if (len > UC_FLAG_RULE_MAX / 2) {
        return 0;
    }

    item = 0;

    for (i = 0; i < len; i++) {
        c = list[i];

        if (c == ',') {
            if (item == 0) {
                return 0;
            }

            item = 0;
            continue;
        }

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        {
            return 0;
        }

        item++;
    }

    return len == 0 || item > 0;
}


static int
uc_flag_number(const char *s, size_t len, unsigned max, unsigned *out)
{
    size_t    i;
    unsigned  n;

    if (len == 0 || len > 5) {
        return -1;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        n = n * 10 + (unsigned) (s[i] - '0');
    }

    if (n > max) {
        return -1;
    }

    *out = n;

    return 0;
}


int
uc_flag_parse(const char *s, size_t len, uc_flag_t *f)
{
    size_t       klen, vlen;
    unsigned     n;
    uc_str_t    *list;
    const char  *p, *last, *part, *eq, *end;

    memset(f, 0, sizeof(uc_flag_t));

    if (len > UC_FLAG_RULE_MAX) {
        return -1;
    }

    p = s;
    last = s + len;

    while (p < last) {
        part = p;
        end = memchr(p, ';', (size_t) (last - p));

        if (end == NULL) {
            end = last;
        }

        p = end + 1;

        if (end == part) {
            continue;
        }

        eq = memchr(part, '=', (size_t) (end - part));
        if (eq == NULL) {
            return -1;
        }

        klen = (size_t) (eq - part);
        vlen = (size_t) (end - eq - 1);
        eq++;

#define UC_KEY_IS(name)                                                       \
        (klen == sizeof(name) - 1 && memcmp(part, name, klen) == 0)

        list = NULL;

        if (UC_KEY_IS("on")) {
            if (uc_flag_number(eq, vlen, 1, &n) != 0) {
                return -1;
            }

            f->on = (int) n;

        } else if (UC_KEY_IS("pct")) {
            if (uc_flag_number(eq, vlen, 10000, &f->pct) != 0) {
                return -1;
            }

        } else if (UC_KEY_IS("level")) {
            if (uc_flag_number(eq, vlen, UC_LEVEL_MAX, &f->level) != 0) {
                return -1;
            }

        } else if (UC_KEY_IS("users")) {
            list = &f->users;

        } else if (UC_KEY_IS("deny_users")) {
            list = &f->deny_users;

        } else if (UC_KEY_IS("merchants")) {
            list = &f->merchants;

        } else if (UC_KEY_IS("deny_merchants")) {
            list = &f->deny_merchants;

        } else {
            /* a part from a newer writer: ignored, not an error */
            continue;
        }

#undef UC_KEY_IS

        if (list != NULL) {
            if (!uc_flag_list_valid(eq, vlen)) {
                return -1;
            }

            list->data = eq;
            list->len = vlen;
        }
    }

    return 0;
}


static size_t
uc_flag_append(char *dst, size_t size, size_t n, const char *key,
    const uc_str_t *list)
{
    int  r;

    if (n == 0 || list->len == 0) {
        return n;
    }

    if (!uc_flag_list_valid(list->data, list->len)) {
        return 0;
    }

    r = snprintf(dst + n, size - n, ";%s=%.*s", key, (int) list->len,
                 list->data);

    if (r < 0 || (size_t) r >= size - n) {
        return 0;
    }

    return n + (size_t) r;
}


size_t
uc_flag_format(char *dst, size_t size, const uc_flag_t *f)
{
    int     r;
    size_t  n;

    if (f->pct > 10000 || f->level > UC_LEVEL_MAX) {
        return 0;
    }

    r = snprintf(dst, size, "on=%d;pct=%u;level=%u", f->on ? 1 : 0, f->pct,
                 f->level);

    if (r < 0 || (size_t) r >= size) {
        return 0;
    }

    n = (size_t) r;
    n = uc_flag_append(dst, size, n, "users", &f->users);
    n = uc_flag_append(dst, size, n, "deny_users", &f->deny_users);
    n = uc_flag_append(dst, size, n, "merchants", &f->merchants);
    n = uc_flag_append(dst, size, n, "deny_merchants", &f->deny_merchants);

    if (n > UC_FLAG_RULE_MAX) {
        return 0;
    }

    return n;
}


unsigned
uc_flag_bucket(const char *name, size_t nlen, const char *uid, size_t ulen)
{
    size_t    i;
    uint64_t  h;

    h = 0xcbf29ce484222325ULL;

    for (i = 0; i < nlen; i++) {
        h ^= (unsigned char) name[i];
        h *= 0x100000001b3ULL;
    }

    h ^= (unsigned char) ':';
    h *= 0x100000001b3ULL;

    for (i = 0; i < ulen; i++) {
        h ^= (unsigned char) uid[i];
        h *= 0x100000001b3ULL;
    }

    /* FNV-1a alone spreads consecutive ids badly over a modulus */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;

    return (unsigned) (h % 10000);
}


static int
uc_flag_in(const uc_str_t *list, const char *id, size_t len)
{
    const char  *p, *last, *comma;

    if (len == 0 || list->len == 0) {
        return 0;
    }

    p = list->data;
    last = p + list->len;

    while (p < last) {
        comma = memchr(p, ',', (size_t) (last - p));

        if (comma == NULL) {
            comma = last;
        }

        if ((size_t) (comma - p) == len && memcmp(p, id, len) == 0) {
            return 1;
        }

        p = comma + 1;
    }

    return 0;
}


int
uc_flag_eval(const uc_flag_t *f, const char *name, size_t nlen,
    const char *uid, size_t ulen, const char *mid, size_t mlen,
    unsigned level)
{
    if (!f->on || level < f->level) {
        return 0;
    }

    if (uc_flag_in(&f->deny_users, uid, ulen)
        || uc_flag_in(&f->deny_merchants, mid, mlen))
    {
        return 0;
    }

    if (uc_flag_in(&f->users, uid, ulen)
        || uc_flag_in(&f->merchants, mid, mlen))
    {
        return 1;
    }

    if (f->pct >= 10000) {
        return 1;
    }

    if (ulen == 0 || f->pct == 0) {
        return 0;
    }

    return uc_flag_bucket(name, nlen, uid, ulen) < f->pct;
}
