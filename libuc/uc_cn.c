
/*
 * libuc: China's identifiers (uc_cn.h).
 */


#include <string.h>
#include <time.h>

#include "uc_cn.h"


/* GB 32100: the 31 characters, a character's value its index */
static const char  uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* 3^(i-1) mod 31 */
static const int   uscc_weights[17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

/* GB 11643: 2^(17-i) mod 11 */
static const int   ric_weights[17] = {
    7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
};


static int
uscc_value(char c)
{
    const char  *p;

    if (c == '\0') {
        return -1;
    }

    p = strchr(uscc_alphabet, c);

    return p != NULL ? (int) (p - uscc_alphabet) : -1;
}


int
uc_uscc_valid(const char *s, size_t len, const char **problem)
{
    int     v, sum;
    size_t  i;

    if (len != UC_USCC_LEN) {
        *problem = "length";
        return 0;
    }

    sum = 0;

    for (i = 0; i < UC_USCC_LEN; i++) {
        v = uscc_value(s[i]);

        /* the authority is any of the alphabet (9, Y, N, A, ...); the
           type and the division are digits */
        if (v < 0 || (i >= 1 && i < 8 && v > 9)) {
            *problem = "character";
            return 0;
        }

        if (i < 17) {
            sum += v * uscc_weights[i];
        }
    }

    if (uscc_alphabet[(31 - sum % 31) % 31] != s[17]) {
        *problem = "check_digit";
        return 0;
    }

    /*
     * The registering authority is one GB 32100 and its amendments name (1
     * organisation establishment, 2 foreign affairs, 3 justice, 4 culture,
     * 5 civil affairs, 6 tourism, 7 religion, 8 trade unions, 9 market
     * regulation, A the military, N agriculture, Y others), and the
     * entity's type is never 0.
     */
    if (strchr("123456789ANY", s[0]) == NULL) {
        *problem = "authority";
        return 0;
    }

    if (s[1] == '0') {
        *problem = "type";
        return 0;
    }

    *problem = NULL;

    return 1;
}


int
uc_uscc_org_code_valid(const char *s)
{
    int     i, v, sum, check;

    static const int  weights[] = { 3, 7, 9, 10, 5, 8, 4, 2 };

    sum = 0;

    for (i = 0; i < 8; i++) {
        v = s[8 + i] >= '0' && s[8 + i] <= '9' ? s[8 + i] - '0'
            : s[8 + i] >= 'A' && s[8 + i] <= 'Z' ? s[8 + i] - 'A' + 10 : -1;

        if (v < 0) {
            return 0;
        }

        sum += v * weights[i];
    }

    check = 11 - sum % 11;

    return s[16] == (check == 10 ? 'X' : check == 11 ? '0' : '0' + check);
}


static int
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}


int
uc_ric_valid(const char *s, size_t len, uc_ric_t *out, const char **problem)
{
    int        i, sum, y, m, d, mdays;
    time_t     now;
    struct tm  tm;
    static const int  days[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (len != UC_RIC_LEN) {
        *problem = "length";
        return 0;
    }

    sum = 0;

    for (i = 0; i < 17; i++) {
        if (s[i] < '0' || s[i] > '9') {
            *problem = "character";
            return 0;
        }

        sum += (s[i] - '0') * ric_weights[i];
    }

    if (!((s[17] >= '0' && s[17] <= '9') || s[17] == 'X')) {
        *problem = "character";
        return 0;
    }

    if ("10X98765432"[sum % 11] != s[17]) {
        *problem = "check_digit";
        return 0;
    }

    y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10
        + (s[9] - '0');
    m = (s[10] - '0') * 10 + (s[11] - '0');
    d = (s[12] - '0') * 10 + (s[13] - '0');

    now = time(NULL);
    gmtime_r(&now, &tm);

    mdays = m >= 1 && m <= 12 ? days[m - 1] + (m == 2 && leap(y)) : 0;

    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays
        || y * 10000 + m * 100 + d
           > (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100
             + tm.tm_mday)
    {
        *problem = "birth_date";
        return 0;
    }

    if (out != NULL) {
        out->year = y;
        out->month = m;
        out->day = d;
        out->male = (s[16] - '0') % 2 == 1;
        memcpy(out->division, s, 6);
        out->division[6] = '\0';
    }

    *problem = NULL;

    return 1;
}
