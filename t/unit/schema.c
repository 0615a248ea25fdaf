/*
 * Unit tests for the Redis key schema and the session record (libuc).
 */

#include "tap.h"
#include "uc_schema.h"


#define S(x)  { x, sizeof(x) - 1 }


static void
test_keys(void)
{
    char    key[UC_KEY_MAX];
    size_t  n;

    n = uc_key_session(key, "uc:", 3, "abc", 3);
    is_str(key, "uc:{s:abc}", "session key");
    is_int(n, 10, "session key length");

    uc_key_user_sessions(key, "app1:", 5, "42", 2);
    is_str(key, "app1:{u:42}:sessions", "device index key");

    ok(uc_prefix_valid("uc:", 3), "default prefix valid");
    ok(!uc_prefix_valid("u{c", 3), "brace in prefix rejected");
    ok(!uc_prefix_valid("", 0), "empty prefix rejected");

    ok(uc_line_valid("mall", 4), "line name valid");
    ok(!uc_line_valid("Mall", 4), "upper case line rejected");
    ok(!uc_line_valid("a,b", 3), "comma in line rejected");
}


static void
test_parse(void)
{
    uc_session_t  s;
    uc_str_t      v[UC_SF_READ] = {
        S("42"), S("2"), S("mall,pay"), S("m-7"), S("2000"), S("600"),
        S("1000")
    };
    uc_str_t      none[UC_SF_READ];

    is_int(uc_session_parse(v, 1000, &s), UC_SESSION_VALID, "record valid");
    ok(s.uid.len == 2 && s.level == 2 && s.expires == 2000 && s.idle == 600,
       "fields read");

    ok(uc_session_has_line(&s, "pay", 3), "line in list");
    ok(uc_session_has_line(&s, "mall", 4), "first line in list");
    ok(!uc_session_has_line(&s, "pa", 2), "prefix of a line is not a line");
    ok(!uc_session_has_line(&s, "bank", 4), "other line refused");

    is_int(uc_session_parse(v, 2000, &s), UC_SESSION_EXPIRED,
           "absolute expiry");

    memset(none, 0, sizeof(none));
    is_int(uc_session_parse(none, 1000, &s), UC_SESSION_ABSENT,
           "all nil is absent");

    v[UC_SF_MERCHANT].data = NULL;
    is_int(uc_session_parse(v, 1000, &s), UC_SESSION_CORRUPT,
           "missing field is corrupt");
    v[UC_SF_MERCHANT] = (uc_str_t) S("m-7");

    v[UC_SF_LEVEL] = (uc_str_t) S("5");
    is_int(uc_session_parse(v, 1000, &s), UC_SESSION_CORRUPT,
           "level out of range");
    v[UC_SF_LEVEL] = (uc_str_t) S("2");

    v[UC_SF_UID] = (uc_str_t) S("4\r\nX: y");
    is_int(uc_session_parse(v, 1000, &s), UC_SESSION_CORRUPT,
           "header injection in uid refused");
    v[UC_SF_UID] = (uc_str_t) S("42");

    v[UC_SF_MERCHANT] = (uc_str_t) S("m 7");
    is_int(uc_session_parse(v, 1000, &s), UC_SESSION_CORRUPT,
           "space in merchant refused");
    v[UC_SF_MERCHANT] = (uc_str_t) S("");
    is_int(uc_session_parse(v, 1000, &s), UC_SESSION_VALID,
           "empty merchant allowed");

    v[UC_SF_LINES] = (uc_str_t) S("*");
    uc_session_parse(v, 1000, &s);
    ok(uc_session_has_line(&s, "anything", 8), "* admits every line");

    v[UC_SF_EXPIRES] = (uc_str_t) S("99999999999999999999");
    is_int(uc_session_parse(v, 1000, &s), UC_SESSION_CORRUPT,
           "overlong number refused");
}


static void
test_renew(void)
{
    uc_session_t  s;

    memset(&s, 0, sizeof(s));
    s.idle = 600;
    s.renewed = 1000;
    s.expires = 100000;

    is_int(uc_session_renew_ttl(&s, 1000), 0, "fresh: no renewal");
    is_int(uc_session_renew_ttl(&s, 1300), 0, "half left: no renewal");
    is_int(uc_session_renew_ttl(&s, 1301), 600, "under half: renew");

    s.expires = 1500;
    is_int(uc_session_renew_ttl(&s, 1400), 100,
           "renewal stops at the absolute expiry");
}


int
main(void)
{
    test_keys();
    test_parse();
    test_renew();

    return done_testing();
}
