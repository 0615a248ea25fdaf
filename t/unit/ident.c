/*
 * The identifier contract shared by the guard and the backend: one field
 * per endpoint, no other identifier beside it, bounded lengths.
 */

#include <string.h>

#include "tap.h"
#include "uc_ident.h"


static uc_ident_rc_e
check(const char *path, const char *const *kv)
{
    uc_ident_t  id;

    uc_ident_init(&id, uc_ident_field_of(path, strlen(path)));

    for (; kv[0] != NULL; kv += 2) {
        uc_ident_add(&id, kv[0], strlen(kv[0]), kv[1],
                     kv[1] ? strlen(kv[1]) : 0, 1);
    }

    return id.rc;
}


int
main(void)
{
    char         long_mail[300];
    uc_ident_t   id;
    const char  *ok1[] = { "to", "+8613912345678", "purpose", "register",
                           NULL };
    const char  *decoy[] = { "to", "+8617012345678", "login",
                             "+8613912345678", NULL };
    const char  *wrong[] = { "login", "+8613912345678", NULL };
    const char  *twice[] = { "to", "a@b.cn", "to", "c@d.cn", NULL };
    const char  *phone17[] = { "to", "+8888888888888888", NULL };
    const char  *nonstr[] = { "login", "x@y.cn", "phone", NULL, NULL };
    const char  *mail[] = { "to", long_mail, NULL };

    is_str(uc_ident_field_of("/uc/v1/codes", 12), "to", "codes act on \"to\"");
    is_str(uc_ident_field_of("/uc/v1/register", 15), "login",
           "register acts on \"login\"");
    is_str(uc_ident_field_of("/uc/v1/login/code", 17), "phone",
           "login by code acts on \"phone\"");
    ok(uc_ident_field_of("/uc/v1/codes/", 13) == NULL,
       "a path that is not an endpoint has no field");

    ok(check("/uc/v1/codes", ok1) == UC_IDENT_OK, "one identifier: fine");
    ok(check("/uc/v1/codes", decoy) == UC_IDENT_CONFLICT,
       "a decoy beside it: conflict");
    ok(check("/uc/v1/codes", wrong) == UC_IDENT_CONFLICT,
       "a field the endpoint does not act on: conflict");
    ok(check("/other", twice) == UC_IDENT_CONFLICT,
       "an unknown path: still one identifier at most");
    ok(check("/uc/v1/codes", phone17) == UC_IDENT_TOO_LONG,
       "17 characters without @: too long");
    ok(check("/uc/v1/register", nonstr) == UC_IDENT_CONFLICT,
       "a non-string identifier counts as one");

    memset(long_mail, 'a', 250);
    memcpy(long_mail + 250, "@x.cn", 6);
    ok(check("/uc/v1/codes", mail) == UC_IDENT_TOO_LONG,
       "a 255-byte address: too long");
    long_mail[244] = '\0';
    strcat(long_mail, "@gmail.com");
    ok(check("/uc/v1/codes", mail) == UC_IDENT_OK, "254 bytes: fine");

    uc_ident_init(&id, "to");
    uc_ident_add(&id, "email", 5, NULL, 0, 0);
    uc_ident_add(&id, "to", 2, "+8613912345678", 14, 1);
    ok(id.rc == UC_IDENT_OK && id.len == 14, "a null beside it is absent");
    is_str(id.seen, "to", "... and the value taken is the endpoint's");

    /* found by t/fuzz/body.c: a refused body must keep no identifier */
    uc_ident_add(&id, "to", 2, "+8613900000000", 14, 1);
    ok(id.rc == UC_IDENT_CONFLICT && id.value == NULL,
       "\"to\" twice: a conflict, and the first value is dropped");

    return done_testing();
}
