/*
 * usercenter shared contract: the Redis key schema and the session record.
 * See uc_schema.h for the layout.
 */

#include <stdio.h>
#include <string.h>

#include "uc_schema.h"


const char *const  uc_session_fields[UC_SF_ALL] = {
    "uid", "lvl", "bl", "mid", "exp", "idle", "rn", "iat"
};


const char  uc_session_renew_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then "
    "redis.call('HSET', KEYS[1], 'rn', ARGV[1]) "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "end "
    "return 0";


static size_t
uc_key_build(char *dst, const char *prefix, size_t prefix_len,
    const char *tag, size_t tag_len, const char *id, size_t id_len,
    const char *suffix)
{
    size_t  n, slen;

    slen = strlen(suffix);

    /* a key that does not fit is not built: an empty string, length 0 */
    if (prefix_len + 1 + tag_len + id_len + 1 + slen >= UC_KEY_MAX) {
        dst[0] = '\0';
        return 0;
    }

    n = 0;
    memcpy(dst, prefix, prefix_len);
    n += prefix_len;
    dst[n++] = '{';
    memcpy(dst + n, tag, tag_len);
    n += tag_len;
    memcpy(dst + n, id, id_len);
    n += id_len;
    dst[n++] = '}';
    memcpy(dst + n, suffix, slen);
    n += slen;
    dst[n] = '\0';

    return n;
}


size_t
uc_key_session(char *dst, const char *prefix, size_t prefix_len,
    const char *sid, size_t sid_len)
{
    return uc_key_build(dst, prefix, prefix_len, "s:", 2, sid, sid_len, "");
}


size_t
uc_key_user_sessions(char *dst, const char *prefix, size_t prefix_len,
    const char *uid, size_t uid_len)
{
    return uc_key_build(dst, prefix, prefix_len, "u:", 2, uid, uid_len,
                        ":sessions");
}


size_t
uc_key_flags(char *dst, const char *prefix, size_t prefix_len,
    const char *line, size_t line_len)
{
    return uc_key_build(dst, prefix, prefix_len, "f:", 2, line, line_len,
                        "");
}


size_t
uc_key_service(char *dst, const char *prefix, size_t prefix_len,
    const char *kid, size_t kid_len)
{
    return uc_key_build(dst, prefix, prefix_len, "k:", 2, kid, kid_len, "");
}


size_t
uc_key_line(char *dst, const char *prefix, size_t prefix_len,
    const char *line, size_t line_len)
{
    return uc_key_build(dst, prefix, prefix_len, "l:", 2, line, line_len,
                        "");
}


size_t
uc_key_merchant(char *dst, const char *prefix, size_t prefix_len,
    const char *mid, size_t mid_len)
{
    return uc_key_build(dst, prefix, prefix_len, "m:", 2, mid, mid_len, "");
}


size_t
uc_key_merchant_member(char *dst, const char *prefix, size_t prefix_len,
    const char *mid, size_t mid_len, const char *uid, size_t uid_len)
{
    size_t  n;

    n = uc_key_build(dst, prefix, prefix_len, "m:", 2, mid, mid_len, ":u:");

    if (n == 0 || n + uid_len >= UC_KEY_MAX) {
        dst[0] = '\0';
        return 0;
    }

    memcpy(dst + n, uid, uid_len);
    n += uid_len;
    dst[n] = '\0';

    return n;
}


int
uc_prefix_valid(const char *prefix, size_t len)
{
    size_t  i;

    if (len == 0 || len > UC_PREFIX_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (prefix[i] <= ' ' || prefix[i] >= 0x7f
            || prefix[i] == '{' || prefix[i] == '}')
        {
            return 0;
        }
    }

    return 1;
}


int
uc_line_valid(const char *line, size_t len)
{
    size_t  i;
    char    c;

    if (len == 0 || len > UC_LINE_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = line[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || c == '_' || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


/* A non-negative decimal of at most 18 digits (no overflow possible). */
static int
uc_parse_int(const uc_str_t *v, int64_t *out)
{
    size_t   i;
    int64_t  n;

    if (v->data == NULL || v->len == 0 || v->len > 18) {
        return -1;
    }

    n = 0;

    for (i = 0; i < v->len; i++) {
        if (v->data[i] < '0' || v->data[i] > '9') {
            return -1;
        }

        n = n * 10 + (v->data[i] - '0');
    }

    *out = n;

    return 0;
}


/* Values that end up in upstream headers must be plain tokens. */
static int
uc_header_safe(const uc_str_t *v, size_t max, int digits_only)
{
    size_t  i;
    char    c;

    if (v->len > max) {
        return 0;
    }

    for (i = 0; i < v->len; i++) {
        c = v->data[i];

        if (c >= '0' && c <= '9') {
            continue;
        }

        if (digits_only) {
            return 0;
        }

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || c == '_' || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


uc_session_rc_e
uc_session_parse(const uc_str_t *vals, int64_t now, uc_session_t *s)
{
    int64_t  level;
    size_t   i;

    for (i = 0; i < UC_SF_READ; i++) {
        if (vals[i].data != NULL) {
            break;
        }
    }

    if (i == UC_SF_READ) {
        return UC_SESSION_ABSENT;
    }

    for (i = 0; i < UC_SF_READ; i++) {
        if (vals[i].data == NULL) {
            return UC_SESSION_CORRUPT;
        }
    }

    s->uid = vals[UC_SF_UID];
    s->lines = vals[UC_SF_LINES];
    s->merchant = vals[UC_SF_MERCHANT];

    if (s->uid.len == 0
        || !uc_header_safe(&s->uid, UC_UID_MAX, 1)
        || !uc_header_safe(&s->merchant, UC_MERCHANT_MAX, 0)
        || s->lines.len == 0
        || uc_parse_int(&vals[UC_SF_LEVEL], &level) != 0
        || level > UC_LEVEL_MAX
        || uc_parse_int(&vals[UC_SF_EXPIRES], &s->expires) != 0
        || uc_parse_int(&vals[UC_SF_IDLE], &s->idle) != 0
        || uc_parse_int(&vals[UC_SF_RENEWED], &s->renewed) != 0
        || s->idle == 0)
    {
        return UC_SESSION_CORRUPT;
    }

    s->level = (unsigned) level;

    if (now >= s->expires) {
        return UC_SESSION_EXPIRED;
    }

    return UC_SESSION_VALID;
}


int
uc_session_has_line(const uc_session_t *s, const char *line, size_t len)
{
    const char  *p, *end, *comma;

    p = s->lines.data;
    end = p + s->lines.len;

    if (s->lines.len == 1 && p[0] == '*') {
        return 1;
    }

    while (p < end) {
        comma = memchr(p, ',', (size_t) (end - p));
        if (comma == NULL) {
            comma = end;
        }

        if ((size_t) (comma - p) == len && memcmp(p, line, len) == 0) {
            return 1;
        }

        p = comma + 1;
    }

    return 0;
}


int64_t
uc_session_renew_ttl(const uc_session_t *s, int64_t now)
{
    int64_t  left, ttl;

    left = s->renewed + s->idle - now;

    if (left * 2 >= s->idle) {
        return 0;
    }

    ttl = s->idle;

    if (now + ttl > s->expires) {
        ttl = s->expires - now;
    }

    return ttl > 0 ? ttl : 0;
}


int
uc_session_hset_argv(uc_session_buf_t *buf, const char *prefix,
    const char *sid, const char *uid, unsigned level, const char *lines,
    const char *merchant, int64_t now, int64_t ttl, int64_t idle,
    const char **argv, size_t *lens)
{
    int  i;

    uc_key_session(buf->key, prefix, strlen(prefix), sid, strlen(sid));
    snprintf(buf->level, sizeof(buf->level), "%u", level);
    snprintf(buf->expires, sizeof(buf->expires), "%lld",
             (long long) (now + ttl));
    snprintf(buf->idle, sizeof(buf->idle), "%lld", (long long) idle);
    snprintf(buf->now, sizeof(buf->now), "%lld", (long long) now);

    argv[0] = "HSET";
    argv[1] = buf->key;
    argv[2 + 2 * UC_SF_UID + 1] = uid;
    argv[2 + 2 * UC_SF_LEVEL + 1] = buf->level;
    argv[2 + 2 * UC_SF_LINES + 1] = lines;
    argv[2 + 2 * UC_SF_MERCHANT + 1] = merchant;
    argv[2 + 2 * UC_SF_EXPIRES + 1] = buf->expires;
    argv[2 + 2 * UC_SF_IDLE + 1] = buf->idle;
    argv[2 + 2 * UC_SF_RENEWED + 1] = buf->now;
    argv[2 + 2 * UC_SF_ISSUED + 1] = buf->now;

    for (i = 0; i < UC_SF_ALL; i++) {
        argv[2 + 2 * i] = uc_session_fields[i];
    }

    for (i = 0; i < UC_SESSION_HSET_ARGC; i++) {
        lens[i] = strlen(argv[i]);
    }

    return UC_SESSION_HSET_ARGC;
}
