/*
 * China's identifiers (libuc/uc_cn.c): credit codes by GB 32100 and
 * resident identity numbers by GB 11643, against published examples and
 * every single-character change of them.
 */

#include "tap.h"
#include "uc_cn.h"


static const char  alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";


/* 17 characters and the check character GB 32100 gives them */
static void
with_uscc_check(char *s, const char *first)
{
    int               i, sum;
    static const int  w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25,
                                13, 8, 24, 10, 30, 28 };

    memcpy(s, first, 17);

    for (i = 0, sum = 0; i < 17; i++) {
        sum += (int) (strchr(alphabet, s[i]) - alphabet) * w[i];
    }

    s[17] = alphabet[(31 - sum % 31) % 31];
    s[18] = '\0';
}


/* 17 digits and the check digit GB 11643 gives them */
static void
with_check(char *s, const char *digits)
{
    int               i, sum;
    static const int  w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5,
                                8, 4, 2 };

    memcpy(s, digits, 17);

    for (i = 0, sum = 0; i < 17; i++) {
        sum += (s[i] - '0') * w[i];
    }

    s[17] = "10X98765432"[sum % 11];
    s[18] = '\0';
}


int
main(void)
{
    int          i, k, passed, total;
    char         s[32];
    uc_ric_t     r;
    const char  *why;

    /* --- credit codes */
    ok(uc_uscc_valid("91110000600037341L", 18, &why),
       "a published credit code is valid");
    ok(uc_uscc_valid("91310000MA1FL0XU5N", 18, &why),
       "one with letters in its subject code");

    ok(!uc_uscc_valid("91110000600037341M", 18, &why)
       && strcmp(why, "check_digit") == 0, "another check character: "
       "check_digit");
    ok(!uc_uscc_valid("91110000600037341", 17, &why)
       && strcmp(why, "length") == 0, "17 characters: length");
    ok(!uc_uscc_valid("91110000600O37341L", 18, &why)
       && strcmp(why, "character") == 0, "an O (not in the alphabet): "
       "character");
    ok(!uc_uscc_valid("9111000060003734\0L", 18, &why)
       && strcmp(why, "character") == 0, "a NUL inside: character");
    ok(!uc_uscc_valid("9A110000600037341L", 18, &why)
       && strcmp(why, "character") == 0,
       "a letter among the type and division: character");
    with_uscc_check(s, "N2110000MA0000001");
    ok(uc_uscc_valid(s, 18, &why), "an authority N (rural collectives): %s",
       s);
    with_uscc_check(s, "Y1110000MA0000001");
    ok(uc_uscc_valid(s, 18, &why), "an authority Y (others): %s", s);
    ok(!uc_uscc_valid("91110000600037341l", 18, &why),
       "a lower-case check character is not taken");

    /* every change of one character to another of the alphabet is seen
       (the check is a weighted sum mod a prime) */
    passed = total = 0;
    for (i = 0; i < 18; i++) {
        for (k = 0; k < 31; k++) {
            memcpy(s, "91110000600037341L", 19);
            if (s[i] == alphabet[k] || (i >= 1 && i < 8 && k > 9)) {
                continue;
            }
            s[i] = alphabet[k];
            total++;
            passed += uc_uscc_valid(s, 18, &why);
        }
    }
    is_int(passed, 0, "all %d single-character changes of a credit code "
           "are refused", total);

    /* --- identity numbers */
    ok(uc_ric_valid("11010519491231002X", 18, &r, &why),
       "the standard's example, with X");
    ok(r.year == 1949 && r.month == 12 && r.day == 31 && !r.male
       && strcmp(r.division, "110105") == 0,
       "... born 1949-12-31, a woman, in 110105");
    ok(uc_ric_valid("440524188001010014", 18, &r, &why) == 0
       && strcmp(why, "birth_date") == 0, "born in 1880: birth_date");
    ok(uc_ric_valid("110101199003074514", 18, &r, &why) && r.male,
       "born 1990-03-07, a man");
    ok(!uc_ric_valid("110101199003074515", 18, &r, &why)
       && strcmp(why, "check_digit") == 0, "another check digit");
    ok(!uc_ric_valid("11010519491231002x", 18, &r, &why)
       && strcmp(why, "character") == 0, "a lower-case x: character");
    ok(!uc_ric_valid("1101051949123100", 16, &r, &why)
       && strcmp(why, "length") == 0, "16 digits: length");
    /* 2023-02-29 does not exist; its check digit is right */
    with_check(s, "11010520230229001");
    ok(!uc_ric_valid(s, 18, &r, &why) && strcmp(why, "birth_date") == 0,
       "a 29 February of 2023 (right check digit): birth_date");
    with_check(s, "11010520240229001");
    ok(uc_ric_valid(s, 18, &r, &why), "29 February 2024: valid");
    ok(!uc_ric_valid("11010529991231002X", 18, &r, &why),
       "born in 2999: refused");

    passed = total = 0;
    for (i = 0; i < 18; i++) {
        for (k = 0; k < 11; k++) {
            memcpy(s, "11010519491231002X", 19);
            if (s[i] == "0123456789X"[k] || (i < 17 && k == 10)) {
                continue;
            }
            s[i] = "0123456789X"[k];
            total++;
            passed += uc_ric_valid(s, 18, &r, &why);
        }
    }
    is_int(passed, 0, "all %d single-digit changes of an identity number "
           "are refused", total);

    return done_testing();
}
