/*
 * Unit tests for feature flags (libuc): rules written and read back,
 * malformed rules refused, the evaluation order, and rollouts that hold
 * their percentage over 100,000 user ids and keep every user stable.
 */

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "uc_flags.h"


static int
eval(const char *rule, const char *name, const char *uid, const char *mid,
    unsigned level)
{
    uc_flag_t  f;

    if (uc_flag_parse(rule, strlen(rule), &f) != 0) {
        return -1;
    }

    return uc_flag_eval(&f, name, strlen(name), uid, strlen(uid), mid,
                        strlen(mid), level);
}


int
main(void)
{
    char        buf[UC_FLAG_RULE_MAX + 1], uid[24];
    size_t      n;
    unsigned    i, j, on, pcts[] = { 1, 100, 1000, 2500, 5000, 9900 };
    unsigned    b1, b2, moved, same;
    uc_flag_t   f, g;

    /* names and lists */
    ok(uc_flag_name_valid("new_checkout", 12), "a flag name");
    ok(!uc_flag_name_valid("New", 3), "no capitals in names");
    ok(!uc_flag_name_valid("", 0), "no empty name");
    ok(!uc_flag_name_valid("a;b", 3), "no separator in names");
    ok(uc_flag_list_valid("1,2,m-7", 7), "a list");
    ok(!uc_flag_list_valid("1,,2", 4), "no empty item");
    ok(!uc_flag_list_valid("1,", 2), "no trailing comma");
    ok(!uc_flag_list_valid("1;on=1", 6), "no separator in a list");

    /* written, then read back */
    memset(&f, 0, sizeof(f));
    f.on = 1;
    f.pct = 2500;
    f.level = 2;
    f.users.data = "7,8";
    f.users.len = 3;
    f.deny_merchants.data = "m-9";
    f.deny_merchants.len = 3;
    n = uc_flag_format(buf, sizeof(buf), &f);
    is_str(buf, "on=1;pct=2500;level=2;users=7,8;deny_merchants=m-9",
           "a rule as written");
    ok(n == strlen(buf), "its length");
    ok(uc_flag_parse(buf, n, &g) == 0 && g.on == 1 && g.pct == 2500
       && g.level == 2 && g.users.len == 3 && g.deny_merchants.len == 3
       && g.deny_users.len == 0, "read back the same");

    f.users.data = "7,,8";
    f.users.len = 4;
    ok(uc_flag_format(buf, sizeof(buf), &f) == 0, "an invalid list is not written");
    f.users.len = 0;
    f.pct = 10001;
    ok(uc_flag_format(buf, sizeof(buf), &f) == 0, "nor more than 100 %%");
    f.pct = 0;
    ok(uc_flag_format(buf, 8, &f) == 0, "nor a rule that does not fit");

    /* malformed rules */
    ok(uc_flag_parse("on=2", 4, &g) != 0, "on is 0 or 1");
    ok(uc_flag_parse("pct=10001", 9, &g) != 0, "pct at most 10000");
    ok(uc_flag_parse("pct=-1", 6, &g) != 0, "pct is a number");
    ok(uc_flag_parse("level=5", 7, &g) != 0, "level at most 4");
    ok(uc_flag_parse("on", 2, &g) != 0, "a part without =");
    ok(uc_flag_parse("users=a b", 9, &g) != 0, "a list with a space");
    ok(uc_flag_parse("on=1;future=x", 13, &g) == 0 && g.on == 1,
       "an unknown part is ignored (newer writers)");
    ok(uc_flag_parse("", 0, &g) == 0 && g.on == 0, "an empty rule is off");
    memset(buf, 'x', sizeof(buf));
    ok(uc_flag_parse(buf, sizeof(buf), &g) != 0, "an oversized rule");

    /* the order of evaluation */
    is_int(eval("on=0;pct=10000", "f", "1", "", 4), 0, "off is off");
    is_int(eval("on=1;pct=10000", "f", "1", "", 0), 1, "100 %% is everyone");
    is_int(eval("on=1;pct=10000", "f", "", "", 0), 1, "... anonymous too");
    is_int(eval("on=1;pct=9999", "f", "", "", 0), 0,
           "below 100 %% an anonymous visitor is out");
    is_int(eval("on=1;pct=10000;level=3", "f", "1", "", 2), 0,
           "level below the minimum");
    is_int(eval("on=1;level=3;users=1", "f", "1", "", 2), 0,
           "... even for an allowed user");
    is_int(eval("on=1;users=1,2", "f", "2", "", 0), 1, "an allowed user");
    is_int(eval("on=1;users=12", "f", "1", "", 0), 0,
           "list items match whole, not by prefix");
    is_int(eval("on=1;merchants=m-7", "f", "5", "m-7", 0), 1,
           "an allowed merchant");
    is_int(eval("on=1;pct=10000;deny_users=1", "f", "1", "", 0), 0,
           "a denied user at 100 %%");
    is_int(eval("on=1;users=1;deny_merchants=m-7", "f", "1", "m-7", 0), 0,
           "deny wins over allow");

    /* rollouts over 100,000 user ids */
    for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
        on = 0;

        for (j = 1; j <= 100000; j++) {
            n = (size_t) sprintf(uid, "%u", 10000000 + j);
            on += uc_flag_bucket("new_checkout", 12, uid, n) < pcts[i];
        }

        /* +-1 % of 100000 users */
        ok((long) on >= (long) pcts[i] * 10 - 1000
           && (long) on <= (long) pcts[i] * 10 + 1000,
           "rollout %u.%02u %%: %u of 100000 users, within 1 %%",
           pcts[i] / 100, pcts[i] % 100, on);
    }

    /* stable: the same bucket every time; growing a rollout keeps users */
    moved = 0;
    same = 0;

    for (j = 1; j <= 100000; j++) {
        n = (size_t) sprintf(uid, "%u", j);
        b1 = uc_flag_bucket("search_v2", 9, uid, n);
        b2 = uc_flag_bucket("search_v2", 9, uid, n);
        moved += b1 != b2;
        same += b1 == uc_flag_bucket("dark_mode", 9, uid, n);
    }

    is_int(moved, 0, "a user's bucket never changes");
    ok(same < 100, "buckets of different flags are independent (%u equal)",
       same);

    on = 0;

    for (j = 1; j <= 100000; j++) {
        n = (size_t) sprintf(uid, "%u", j);
        b1 = uc_flag_bucket("search_v2", 9, uid, n);
        on += (b1 < 1000) && !(b1 < 2000);
    }

    is_int(on, 0, "everyone in at 10 %% is still in at 20 %%");

    return done_testing();
}
