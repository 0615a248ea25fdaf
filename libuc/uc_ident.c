/*
 * usercenter shared contract: the identifier each endpoint acts on (see
 * uc_ident.h).
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "uc_ident.h"


typedef struct {
    const char     *path;
    const char     *field;
} uc_ident_endpoint_t;


/* The one list: the backend's handlers read these fields, nothing else. */
static const uc_ident_endpoint_t  uc_ident_endpoints[] = {
    { "/uc/v1/codes",           "to" },
    { "/uc/v1/register",        "login" },
    { "/uc/v1/login",           "login" },
    { "/uc/v1/login/code",      "phone" },
    { "/uc/v1/password/reset",  "login" },
    { "/uc/v1/login/complete",  "phone" },
};

static const char *const  uc_ident_fields[] = {
    "phone", "to", "login", "email"
};

#define UC_NELTS(a)  (sizeof(a) / sizeof((a)[0]))


const char *
uc_ident_field_of(const char *path, size_t len)
{
    size_t  i;

    for (i = 0; i < UC_NELTS(uc_ident_endpoints); i++) {
        if (strlen(uc_ident_endpoints[i].path) == len
            && memcmp(uc_ident_endpoints[i].path, path, len) == 0)
        {
            return uc_ident_endpoints[i].field;
        }
    }

    return NULL;
}


/* The table's spelling of an identifier field name, or NULL. */
static const char *
uc_ident_canonical(const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < UC_NELTS(uc_ident_fields); i++) {
        if (strlen(uc_ident_fields[i]) == len
            && memcmp(uc_ident_fields[i], name, len) == 0)
        {
            return uc_ident_fields[i];
        }
    }

    return NULL;
}


int
uc_ident_is_field(const char *name, size_t len)
{
    return uc_ident_canonical(name, len) != NULL;
}


void
uc_ident_init(uc_ident_t *id, const char *field)
{
    memset(id, 0, sizeof(uc_ident_t));
    id->field = field;
}


void
uc_ident_add(uc_ident_t *id, const char *name, size_t name_len,
    const char *value, size_t value_len, int present)
{
    const char  *canon;

    canon = uc_ident_canonical(name, name_len);

    if (canon == NULL || !present || id->rc != UC_IDENT_OK) {
        return;
    }

    /* a second identifier, or one the endpoint does not act on */
    /* a refused body keeps no identifier to act on */
    if (id->seen != NULL
        || (id->field != NULL && strcmp(canon, id->field) != 0))
    {
        id->rc = UC_IDENT_CONFLICT;
        id->value = NULL;
        return;
    }

    id->seen = canon;

    if (value == NULL) {
        return;
    }

    if (value_len > UC_IDENT_MAX
        || (value_len > UC_PHONE_MAX && memchr(value, '@', value_len) == NULL))
    {
        id->rc = UC_IDENT_TOO_LONG;
        id->value = NULL;
        return;
    }

    memcpy(id->buf, value, value_len);
    id->buf[value_len] = '\0';
    id->value = id->buf;
    id->len = value_len;
}


void
uc_ident_json(uc_ident_t *id, const void *object)
{
    json_t      *v;
    const char  *key;

    json_object_foreach((json_t *) object, key, v) {
        uc_ident_add(id, key, strlen(key),
                     json_is_string(v) ? json_string_value(v) : NULL,
                     json_is_string(v) ? json_string_length(v) : 0,
                     !json_is_null(v));
    }
}


static int
uc_ident_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}


/* '+' is a space, %XX a byte, any other '%' itself; dst may be src. */
static size_t
uc_ident_unescape(char *dst, const char *src, size_t len)
{
    int     hi, lo;
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {
        if (src[i] == '+') {
            dst[n++] = ' ';

        } else if (src[i] == '%' && i + 2 < len
                   && (hi = uc_ident_hex((unsigned char) src[i + 1])) >= 0
                   && (lo = uc_ident_hex((unsigned char) src[i + 2])) >= 0)
        {
            dst[n++] = (char) (hi << 4 | lo);
            i += 2;

        } else {
            dst[n++] = src[i];
        }
    }

    return n;
}


static void
uc_ident_form(uc_ident_t *id, char *p, char *last, const char *honeypot,
    size_t honeypot_len, int *honeypot_filled)
{
    char    *amp, *eq;
    size_t   nlen, vlen;

    while (p < last) {
        amp = memchr(p, '&', (size_t) (last - p));
        if (amp == NULL) {
            amp = last;
        }

        eq = memchr(p, '=', (size_t) (amp - p));

        if (eq != NULL) {
            nlen = uc_ident_unescape(p, p, (size_t) (eq - p));
            vlen = uc_ident_unescape(eq + 1, eq + 1, (size_t) (amp - eq - 1));

            if (nlen == honeypot_len && memcmp(p, honeypot, nlen) == 0) {
                *honeypot_filled = *honeypot_filled || vlen > 0;

            } else {
                /* a name given twice is two identifiers: a conflict */
                uc_ident_add(id, p, nlen, eq + 1, vlen, 1);
            }
        }

        p = amp + 1;
    }
}


uc_body_rc_e
uc_ident_body(uc_ident_t *id, const char *ctype, size_t ctype_len,
    const char *body, size_t len, const char *honeypot, size_t honeypot_len,
    int *honeypot_filled)
{
    char          *copy;
    json_t        *root, *v;
    json_error_t   err;

    *honeypot_filled = 0;

    if (ctype != NULL && ctype_len >= 16
        && strncasecmp(ctype, "application/json", 16) == 0)
    {
        root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);

        if (root == NULL || !json_is_object(root)) {
            json_decref(root);
            return UC_BODY_MALFORMED;
        }

        if (honeypot_len > 0) {
            copy = strndup(honeypot, honeypot_len);
            v = copy != NULL ? json_object_get(root, copy) : NULL;
            *honeypot_filled = json_is_string(v)
                               && json_string_length(v) > 0;
            free(copy);
        }

        uc_ident_json(id, root);
        json_decref(root);

        return UC_BODY_OK;
    }

    if (ctype != NULL && ctype_len >= 33
        && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
    {
        /* decoded in place, in a copy */
        copy = malloc(len + 1);
        if (copy == NULL) {
            return UC_BODY_MALFORMED;
        }

        memcpy(copy, body, len);
        uc_ident_form(id, copy, copy + len, honeypot, honeypot_len,
                      honeypot_filled);
        free(copy);

        return UC_BODY_OK;
    }

    return UC_BODY_MEDIA;
}


const char *
uc_ident_strerror(uc_ident_rc_e rc)
{
    switch (rc) {

    case UC_IDENT_CONFLICT:
        return "send one identifier: the endpoint's own field (to, login "
               "or phone), and no other of phone, to, login, email";

    case UC_IDENT_TOO_LONG:
        return "an e-mail address is at most 254 bytes, a phone number at "
               "most 16";

    default:
        return "";
    }
}
