/*
 * Unit tests for the backend's pure pieces: input validation, the 64-bit
 * id layout and serial number formats.
 */

#include "tap.h"
#include "ucb.h"


static void
test_phone_email(void)
{
    ok(ucb_valid_phone("+8613800138000"), "mainland mobile");
    ok(!ucb_valid_phone("+8612800138000"), "12x is no mobile prefix");
    ok(!ucb_valid_phone("13800138000"), "E.164 with +86 required");
    ok(!ucb_valid_phone("+861380013800"), "10 digits is short");
    ok(!ucb_valid_phone("+86138001380001"), "12 digits is long");
    ok(!ucb_valid_phone("+86138001380a0"), "a letter");

    ok(ucb_valid_email("a.b+tag@example.com.cn"), "ordinary address");
    ok(!ucb_valid_email("a@b"), "no dot in the domain");
    ok(!ucb_valid_email("@example.com"), "empty local part");
    ok(!ucb_valid_email("a@@example.com"), "two @");
    ok(!ucb_valid_email("a b@example.com"), "a space");
    ok(!ucb_valid_email("a@example."), "trailing dot");
    ok(!ucb_valid_email("<a>@example.com"), "angle brackets");
    ok(!ucb_valid_email("a{x}@example.com"), "braces (Redis hash tags)");
}


static void
test_password(void)
{
    ok(ucb_valid_password("abcdefg1"), "8 with a letter and a digit");
    ok(!ucb_valid_password("abcdef1"), "7 is short");
    ok(!ucb_valid_password("abcdefgh"), "no digit");
    ok(!ucb_valid_password("12345678"), "no letter");
}


static void
test_utf8(void)
{
    ok(ucb_valid_utf8("ascii", 5), "ascii");
    ok(ucb_valid_utf8("\xe5\xb0\x8f\xe6\x98\x8e", 6), "CJK");
    ok(ucb_valid_utf8("\xf0\x9f\x98\x80", 4), "emoji (4 bytes)");
    ok(!ucb_valid_utf8("\xc0\xaf", 2), "overlong '/'");
    ok(!ucb_valid_utf8("\xed\xa0\x80", 3), "a surrogate");
    ok(!ucb_valid_utf8("\xf4\x90\x80\x80", 4), "above U+10FFFF");
    ok(!ucb_valid_utf8("\xe5\xb0", 2), "truncated sequence");
    ok(!ucb_valid_utf8("\xff", 1), "0xff");
    ok(!ucb_valid_utf8("a\x80" "b", 3), "a lone continuation byte");
}


static void
test_ids(void)
{
    uint64_t  a, b, c;

    a = ucb_id_compose(UCB_ID_EPOCH_MS + 1000, 5, 7);
    is_int((long long) (a >> 22), 1000, "41-bit milliseconds on top");
    is_int((long long) ((a >> 12) & 0x3ff), 5, "10-bit worker");
    is_int((long long) (a & 0xfff), 7, "12-bit sequence");

    b = ucb_id_compose(UCB_ID_EPOCH_MS + 1000, 5, 8);
    c = ucb_id_compose(UCB_ID_EPOCH_MS + 1001, 0, 0);
    ok(a < b && b < c, "ordered by time, then sequence");
    ok(ucb_id_compose(UCB_ID_EPOCH_MS + 1000, 6, 0)
       != ucb_id_compose(UCB_ID_EPOCH_MS + 1000, 5, 0),
       "two workers never collide in one millisecond");

    /* 2093-01-01 still fits in 63 bits */
    a = ucb_id_compose(3881174400000LL, 1023, 4095);
    ok(a < ((uint64_t) 1 << 63), "fits a signed 64-bit column until 2093");
}


static void
test_serials(void)
{
    char  out[32];

    ok(ucb_serial_prefix_valid("CERT"), "capital prefix");
    ok(!ucb_serial_prefix_valid("cert"), "lower case refused");
    ok(!ucb_serial_prefix_valid("ABCDEFGHI"), "9 letters refused");
    ok(!ucb_serial_prefix_valid(""), "empty refused");

    ok(ucb_serial_format(out, sizeof(out), "CERT20261125", 42) == 0,
       "formats");
    is_str(out, "CERT2026112500000042", "prefix, date, 8 digits");
    ok(ucb_serial_format(out, 10, "CERT20261125", 42) == -1,
       "a short buffer is an error, not a truncated serial");
}


int
main(void)
{
    test_phone_email();
    test_password();
    test_utf8();
    test_ids();
    test_serials();

    return done_testing();
}
