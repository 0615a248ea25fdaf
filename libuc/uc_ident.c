/*
 * usercenter shared contract: the identifier each endpoint acts on (see
 * uc_ident.h).
 */

#include <string.h>

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
    if (id->seen != NULL
        || (id->field != NULL && strcmp(canon, id->field) != 0))
    {
        id->rc = UC_IDENT_CONFLICT;
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
        return;
    }

    id->value = value;
    id->len = value_len;
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
