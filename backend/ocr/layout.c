/*
 * uc-backend: the documents' layouts and the checks of what was read
 * (layout.h). A reading becomes a value only when it has the shape its
 * field must have; the numbers also when their check characters, dates
 * and divisions hold and they agree with the fields printed beside them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "places.h"
#include "uc_cn.h"


#define DIGITS  "0123456789"
#define MIN_OF(a, b)  ((a) < (b) ? (a) : (b))


static const ucb_field_t  id_front[] = {
    { "id_number", UCB_FK_ID_NUMBER, 27.0f, 44.0f, 84.0f, 50.4f, 3.6f, 0, 1,
      DIGITS "X" },
    { "name", UCB_FK_NAME, 15.0f, 6.6f, 55.0f, 12.6f, 3.2f, 1, 1, NULL },
    { "sex", UCB_FK_SEX, 15.0f, 13.6f, 22.5f, 19.6f, 3.2f, 1, 1, "男女" },
    { "ethnicity", UCB_FK_ETHNICITY, 35.6f, 13.6f, 55.0f, 19.6f, 3.2f, 1, 1,
      NULL },
    { "birth_year", UCB_FK_YEAR, 15.0f, 20.6f, 26.3f, 26.6f, 3.2f, 0, 1, DIGITS },
    { "birth_month", UCB_FK_MONTH, 29.4f, 20.6f, 34.4f, 26.6f, 3.2f, 0, 1,
      DIGITS },
    { "birth_day", UCB_FK_DAY, 37.4f, 20.6f, 42.4f, 26.6f, 3.2f, 0, 1, DIGITS },
    { "address", UCB_FK_TEXT, 15.0f, 28.4f, 54.8f, 41.9f, 3.2f, 1, 3, NULL },
};

static const ucb_field_t  id_back[] = {
    { "validity", UCB_FK_VALIDITY, 27.0f, 45.0f, 84.0f, 51.2f, 3.0f, 1, 1,
      DIGITS ".-长期" },
    { "issuing_authority", UCB_FK_TEXT, 27.0f, 38.6f, 84.0f, 44.6f, 3.0f, 1, 1,
      NULL },
};

static const ucb_field_t  licence[] = {
    { "credit_code", UCB_FK_CREDIT_CODE, 12.0f, 22.0f, 102.0f, 30.2f, 5.0f, 0, 1,
      "0123456789ABCDEFGHJKLMNPQRTUWXY" },
    { "name", UCB_FK_TEXT, 46.5f, 66.0f, 146.0f, 74.2f, 4.5f, 1, 1, NULL },
    { "type", UCB_FK_TYPE, 46.5f, 80.0f, 146.0f, 88.2f, 4.5f, 1, 1, NULL },
    { "legal_representative", UCB_FK_NAME, 46.5f, 94.0f, 146.0f, 102.2f, 4.5f,
      1, 1, NULL },
    { "registered_capital", UCB_FK_CAPITAL, 176.5f, 66.0f, 274.5f, 74.2f, 4.5f,
      1, 1, DIGITS ".万元美人民币" },
    { "established", UCB_FK_DATE, 176.5f, 80.0f, 274.5f, 88.2f, 4.5f, 1, 1,
      DIGITS "年月日" },
    { "term", UCB_FK_TERM, 176.5f, 94.0f, 274.5f, 102.2f, 4.5f, 1, 1,
      DIGITS "年月日至长期" },
    { "address", UCB_FK_TEXT, 176.5f, 107.0f, 274.5f, 123.0f, 4.5f, 1, 2, NULL },
};

static const ucb_layout_t  layouts[] = {
    { "id_card_front", 85.6f, 54.0f, 16.0f, 0, id_front,
      sizeof(id_front) / sizeof(id_front[0]) },
    { "id_card_back", 85.6f, 54.0f, 16.0f, 0, id_back,
      sizeof(id_back) / sizeof(id_back[0]) },
    { "business_licence", 277.0f, 190.0f, 8.0f, 0, licence,
      sizeof(licence) / sizeof(licence[0]) },
};

/* the 56 ethnic groups as the card prints them (without 族) */
static const char  *ethnicities[] = {
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
    "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
    "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜",
    "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯",
    "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂",
    "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴",
    "基诺",
};


const ucb_layout_t *
ucb_layout(ucb_doc_e doc)
{
    return &layouts[doc];
}


/* ------------------------------------------------------- UTF-8 text */

/* the next code point of s (valid UTF-8 from Tesseract), *n its bytes */
static unsigned
next_cp(const char *s, int *n)
{
    const unsigned char  *p = (const unsigned char *) s;

    if (p[0] < 0x80) {
        *n = 1;
        return p[0];
    }

    if ((p[0] & 0xe0) == 0xc0 && p[1] != 0) {
        *n = 2;
        return (unsigned) (p[0] & 0x1f) << 6 | (p[1] & 0x3f);
    }

    if ((p[0] & 0xf0) == 0xe0 && p[1] != 0 && p[2] != 0) {
        *n = 3;
        return (unsigned) (p[0] & 0x0f) << 12 | (unsigned) (p[1] & 0x3f) << 6
               | (p[2] & 0x3f);
    }

    if ((p[0] & 0xf8) == 0xf0 && p[1] != 0 && p[2] != 0 && p[3] != 0) {
        *n = 4;
        return (unsigned) (p[0] & 0x07) << 18 | (unsigned) (p[1] & 0x3f) << 12
               | (unsigned) (p[2] & 0x3f) << 6 | (p[3] & 0x3f);
    }

    *n = 1;
    return 0xfffd;
}


int
ucb_is_cjk(unsigned c)
{
    return (c >= 0x3400 && c <= 0x9fff) || (c >= 0x20000 && c <= 0x2a6df);
}


/*
 * Spaces and line breaks dropped (Tesseract spaces out Chinese), full-
 * width digits and letters made ASCII, parentheses made full-width as
 * documents print them; cjk_only keeps only Chinese characters and the
 * middle dot of transliterated names.
 */
static void
clean(const char *in, char *out, size_t size, int cjk_only)
{
    int       n;
    size_t    o;
    unsigned  c;

    o = 0;

    while (*in != '\0') {
        c = next_cp(in, &n);

        if (c >= 0xff10 && c <= 0xff19) {
            c = '0' + (c - 0xff10);
        } else if (c >= 0xff21 && c <= 0xff3a) {
            c = 'A' + (c - 0xff21);
        }

        if (c == 0xfffd || (cjk_only && !ucb_is_cjk(c) && c != 0xb7)) {
            in += n;
            continue;
        }

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000) {
            in += n;
            continue;
        }

        if (c < 0x80) {
            if (o + 1 >= size) {
                break;
            }
            out[o++] = (char) (c == '(' ? 0 : c == ')' ? 0 : c);

            if (c == '(' || c == ')') {
                o--;
                if (o + 3 >= size) {
                    break;
                }
                memcpy(out + o, c == '(' ? "（" : "）", 3);
                o += 3;
            }

        } else {
            if (o + (size_t) n >= size) {
                break;
            }
            memcpy(out + o, in, (size_t) n);
            o += (size_t) n;
        }

        in += n;
    }

    out[o] = '\0';
}


static size_t
cp_len(const char *s)
{
    int     n;
    size_t  k;

    for (k = 0; *s != '\0'; k++) {
        next_cp(s, &n);
        s += n;
    }

    return k;
}


/* the ASCII digits of s, at most size - 1 */
static size_t
digits_of(const char *s, char *out, size_t size)
{
    size_t  o;

    for (o = 0; *s != '\0' && o + 1 < size; s++) {
        if (*s >= '0' && *s <= '9') {
            out[o++] = *s;
        }
    }

    out[o] = '\0';

    return o;
}


/* ------------------------------------------------------------ dates */

static int
date_valid(int y, int m, int d)
{
    static const int  days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                 31 };

    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1
        || d > days[m - 1])
    {
        return 0;
    }

    return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}


/* 8 digits YYYYMMDD into "YYYY-MM-DD", when a real date */
static int
date_of(const char *d8, char *out)
{
    int  y, m, d;

    if (sscanf(d8, "%4d%2d%2d", &y, &m, &d) != 3 || !date_valid(y, m, d)) {
        return -1;
    }

    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);

    return 0;
}


/* ---------------------------------------------------------- answers */

typedef struct {
    json_t             *fields;
    json_t             *problems;
} answer_t;


static void fail(answer_t *a, const char *name, const char *problem,
    float confidence);


static void
put(answer_t *a, const char *name, const char *value, float confidence)
{
    json_t  *s;

    /* a value jansson refuses (not UTF-8) is not read at all */
    s = value != NULL ? json_string(value) : NULL;

    if (value != NULL && s == NULL) {
        fail(a, name, "unreadable", confidence);
        return;
    }

    json_decref(s);

    json_object_set_new(a->fields, name,
                        json_pack("{s:o, s:f}", "value",
                                  value != NULL ? json_string(value)
                                                : json_null(),
                                  "confidence",
                                  (double) ((int) (confidence * 100 + 0.5))
                                  / 100));
}


static void
fail(answer_t *a, const char *name, const char *problem, float confidence)
{
    char  buf[64];

    put(a, name, NULL, confidence);
    snprintf(buf, sizeof(buf), "%s.%s", name, problem);
    json_array_append_new(a->problems, json_string(buf));
}


static const ucb_reading_t *
reading(const ucb_layout_t *l, const ucb_reading_t *r, const char *name)
{
    int  i;

    for (i = 0; i < l->nfields; i++) {
        if (strcmp(l->fields[i].name, name) == 0) {
            return &r[i];
        }
    }

    return NULL;
}


/* a name: 2 to 15 Chinese characters (dots between transliterated parts) */
static void
name_field(answer_t *a, const char *name, const ucb_reading_t *r)
{
    char    v[128];
    size_t  n;

    clean(r->text, v, sizeof(v), 1);
    n = cp_len(v);

    if (n < 2 || n > 15 || strncmp(v, "·", 2) == 0) {
        fail(a, name, "unreadable", r->confidence);
        return;
    }

    put(a, name, v, r->confidence);
}


typedef int (*fixer_pt)(const ucb_places_t *p, char *text, size_t size);


/*
 * The word before a house number is a kind of street (路, 街, 巷, 道...);
 * 埠 ("wharf") there is Tesseract's reading of 巷 (the two differ by a
 * stroke at the print's size), never an address.
 */
static void
street_words(char *v)
{
    char  *p;

    for (p = strstr(v, "埠"); p != NULL; p = strstr(p + 3, "埠")) {
        if (p[3] >= '0' && p[3] <= '9') {
            memcpy(p, "巷", 3);
        }
    }
}

/* an address ends in a character, a digit or a letter, never a mark */
static void
trailing_marks(char *v)
{
    size_t  n;

    n = strlen(v);

    for ( ;; ) {
        if (n >= 1 && strchr(",.;:'\"-_~`!", v[n - 1]) != NULL) {
            n -= 1;

        } else if (n >= 3
                   && (strcmp(v + n - 3, "，") == 0
                       || strcmp(v + n - 3, "。") == 0
                       || strcmp(v + n - 3, "、") == 0
                       || strcmp(v + n - 3, "；") == 0
                       || strcmp(v + n - 3, "：") == 0))
        {
            n -= 3;

        } else {
            break;
        }

        v[n] = '\0';
    }
}


/*
 * 县 in a heavy sans face is read as 有具 (its two halves) or 具: no
 * division or authority holds either, an address hardly ever, so both are
 * put back before the division names are matched (which correct one
 * character in a short name, not two).
 */
static void
county_words(char *v)
{
    char    *p;
    size_t   n;

    while ((p = strstr(v, "有具")) != NULL) {
        n = strlen(p + 6);
        /* 县有具: the reading doubled the character */
        if (p >= v + 3 && memcmp(p - 3, "县", 3) == 0) {
            memmove(p, p + 6, n + 1);
        } else {
            memcpy(p, "县", 3);
            memmove(p + 3, p + 6, n + 1);
        }
    }

    for (p = strstr(v, "具公安局"); p != NULL; p = strstr(p + 3, "具公安局")) {
        memcpy(p, "县", 3);
    }
}


static void
text_field(answer_t *a, const char *name, const ucb_reading_t *r,
    size_t min, const char *const *tails, fixer_pt fix,
    const ucb_checks_t *checks)
{
    char   v[256];
    int    i, ok;

    clean(r->text, v, sizeof(v), 0);

    if (fix != NULL) {
        county_words(v);
    }

    if (fix != NULL && checks != NULL && checks->places != NULL) {
        fix(checks->places, v, sizeof(v));
    }

    if (fix == ucb_places_fix_address) {
        street_words(v);
        trailing_marks(v);
    }

    ok = cp_len(v) >= min;

    if (ok && tails != NULL) {
        for (ok = 0, i = 0; tails[i] != NULL; i++) {
            ok |= strstr(v, tails[i]) != NULL;
        }
    }

    if (!ok) {
        fail(a, name, "unreadable", r->confidence);
        return;
    }

    put(a, name, v, r->confidence);
}


/* the number's own checks (layout.h); its problem, or NULL */
static const char *
id_number_check(const char *text, char *v, uc_ric_t *ric,
    ucb_division_known_pt division)
{
    size_t       i, o;
    const char  *problem;

    for (i = 0, o = 0; text[i] != '\0' && o < 19; i++) {
        if ((text[i] >= '0' && text[i] <= '9') || text[i] == 'X'
            || text[i] == 'x')
        {
            v[o++] = text[i] == 'x' ? 'X' : text[i];
        }
    }

    v[o] = '\0';

    if (o != UC_RIC_LEN) {
        return "length";
    }

    if (!uc_ric_valid(v, o, ric, &problem)) {
        return problem;
    }

    if (division != NULL && !division(ric->division)) {
        return "division";
    }

    return NULL;
}


static void
id_front_answer(answer_t *a, const ucb_layout_t *l, const ucb_reading_t *r,
    const ucb_checks_t *checks)
{
    int                   year, month, day, have_birth, have_sex, male;
    char                  v[64], birth[16], digits[16], sexv[16];
    float                 birth_conf;
    uc_ric_t              ric;
    const char           *problem;
    const ucb_reading_t  *num, *sex, *y, *m, *d, *eth;
    size_t                i;
    int                   best, bestd, dd, ties, nv;
    unsigned              cv[16], ecp[8];

    name_field(a, "name", reading(l, r, "name"));
    text_field(a, "address", reading(l, r, "address"), 6, NULL,
               ucb_places_fix_address, checks);

    /* ethnicity: one of the 56, the nearest when one character is off */
    eth = reading(l, r, "ethnicity");
    clean(eth->text, v, sizeof(v), 1);
    nv = ucb_utf8_decode(v, cv, 16);
    best = -1;
    bestd = 99;
    ties = 0;

    for (i = 0; i < sizeof(ethnicities) / sizeof(ethnicities[0]); i++) {
        dd = ucb_cp_distance(cv, nv, ecp,
                             ucb_utf8_decode(ethnicities[i], ecp, 8));
        if (dd < bestd) {
            bestd = dd;
            best = (int) i;
            ties = 0;
        } else if (dd == bestd) {
            ties++;
        }
    }

    if (v[0] != '\0' && best >= 0 && ties == 0
        && (bestd == 0 || (bestd == 1 && cp_len(ethnicities[best]) >= 2)))
    {
        put(a, "ethnicity", ethnicities[best], eth->confidence);
    } else {
        fail(a, "ethnicity", "unreadable", eth->confidence);
    }

    /* the birth date as printed, in its three boxes */
    y = reading(l, r, "birth_year");
    m = reading(l, r, "birth_month");
    d = reading(l, r, "birth_day");
    have_birth = 0;
    birth_conf = MIN_OF(y->confidence, MIN_OF(m->confidence, d->confidence));

    if (digits_of(y->text, digits, sizeof(digits)) == 4) {
        year = atoi(digits);
        if (digits_of(m->text, digits, sizeof(digits)) >= 1
            && strlen(digits) <= 2)
        {
            month = atoi(digits);
            if (digits_of(d->text, digits, sizeof(digits)) >= 1
                && strlen(digits) <= 2)
            {
                day = atoi(digits);
                if (date_valid(year, month, day)) {
                    snprintf(birth, sizeof(birth), "%04d-%02d-%02d", year,
                             month, day);
                    have_birth = 1;
                }
            }
        }
    }

    sex = reading(l, r, "sex");
    clean(sex->text, sexv, sizeof(sexv), 1);
    have_sex = strcmp(sexv, "男") == 0 || strcmp(sexv, "女") == 0;
    male = strcmp(sexv, "男") == 0;

    num = reading(l, r, "id_number");
    problem = id_number_check(num->text, v, &ric, checks->division);

    /* the number agrees with what is printed beside it, or is not given */
    if (problem == NULL && have_birth) {
        snprintf(digits, sizeof(digits), "%04d-%02d-%02d", ric.year,
                 ric.month, ric.day);
        if (strcmp(digits, birth) != 0) {
            problem = "birth_date_mismatch";
            have_birth = -1;
        }
    }

    if (problem == NULL && have_sex && male != ric.male) {
        problem = "sex_mismatch";
        have_sex = -1;
    }

    if (problem != NULL) {
        fail(a, "id_number", problem, num->confidence);
    } else {
        put(a, "id_number", v, num->confidence);
    }

    if (have_birth == 1) {
        put(a, "birth_date", birth, birth_conf);
    } else if (have_birth == 0 && problem == NULL) {
        /* unreadable as printed: the number's, which passed its checks */
        snprintf(birth, sizeof(birth), "%04d-%02d-%02d", ric.year,
                 ric.month, ric.day);
        put(a, "birth_date", birth, num->confidence);
    } else {
        fail(a, "birth_date", have_birth == -1 ? "mismatch" : "unreadable",
             birth_conf);
    }

    if (have_sex == 1) {
        put(a, "sex", sexv, sex->confidence);
    } else if (have_sex == 0 && problem == NULL) {
        put(a, "sex", ric.male ? "男" : "女", num->confidence);
    } else {
        fail(a, "sex", have_sex == -1 ? "mismatch" : "unreadable",
             sex->confidence);
    }
}


/*
 * A card's validity: from a date, until the same day 5, 10 or 20 years on
 * (by the holder's age), or 长期.
 */
static int
validity_of(const char *text, char *from, char *until)
{
    int     y1, y2;
    char    v[128], d[40];
    size_t  n;

    clean(text, v, sizeof(v), 0);
    n = digits_of(v, d, sizeof(d));

    if (n == 8 && strstr(v, "长期") != NULL) {
        strcpy(until, "长期");
        return date_of(d, from);
    }

    if (n != 16 || date_of(d, from) != 0 || date_of(d + 8, until) != 0
        || memcmp(d + 4, d + 12, 4) != 0)
    {
        return -1;
    }

    y1 = atoi(from);
    y2 = atoi(until);

    return y2 - y1 == 5 || y2 - y1 == 10 || y2 - y1 == 20 ? 0 : -1;
}


static void
id_back_answer(answer_t *a, const ucb_layout_t *l, const ucb_reading_t *r,
    const ucb_checks_t *checks)
{
    char                  from[16], until[16];
    const ucb_reading_t  *v;

    static const char *const  authority[] = { "局", NULL };

    text_field(a, "issuing_authority", reading(l, r, "issuing_authority"), 5,
               authority, ucb_places_fix_authority, checks);

    v = reading(l, r, "validity");

    if (validity_of(v->text, from, until) != 0) {
        fail(a, "valid_from", "unreadable", v->confidence);
        fail(a, "valid_until", "unreadable", v->confidence);
        return;
    }

    put(a, "valid_from", from, v->confidence);
    put(a, "valid_until", until, v->confidence);
}


static const char *
credit_code_check(const char *text, char *v, ucb_division_known_pt division)
{
    char         div[7];
    size_t       i, o;
    const char  *problem;

    for (i = 0, o = 0; text[i] != '\0' && o < 19; i++) {
        if ((text[i] >= '0' && text[i] <= '9')
            || (text[i] >= 'A' && text[i] <= 'Z'))
        {
            v[o++] = text[i];
        }
    }

    v[o] = '\0';

    if (o != UC_USCC_LEN) {
        return "length";
    }

    if (!uc_uscc_valid(v, o, &problem)) {
        return problem;
    }

    /* a reading must pass the embedded organisation code's check too:
       one misread code in 31 would pass the outer check alone */
    if (!uc_uscc_org_code_valid(v)) {
        return "organisation_code";
    }

    memcpy(div, v + 2, 6);
    div[6] = '\0';

    if (division != NULL && !division(div)) {
        return "division";
    }

    return NULL;
}


/* 100万元人民币, 50.5万元, 200万美元 */
static int
capital_valid(const char *v)
{
    size_t  n;

    n = strspn(v, DIGITS ".");

    if (n == 0 || v[0] == '.' || v[n - 1] == '.') {
        return 0;
    }

    v += n;

    return strcmp(v, "万元人民币") == 0 || strcmp(v, "万元") == 0
           || strcmp(v, "万美元") == 0 || strcmp(v, "万人民币") == 0;
}


static void
licence_answer(answer_t *a, const ucb_layout_t *l, const ucb_reading_t *r,
    const ucb_checks_t *checks)
{
    char                  v[256], d[40], date[16];
    size_t                n;
    const char           *problem;
    const ucb_reading_t  *f;

    static const char *const  org[] = { "公司", "企业", "厂", "店", "中心",
                                        "合作社", "事务所", NULL };
    static const char *const  type[] = { "公司", "企业", "合伙", NULL };

    f = reading(l, r, "credit_code");
    problem = credit_code_check(f->text, v, checks->division);

    if (problem != NULL) {
        fail(a, "credit_code", problem, f->confidence);
    } else {
        put(a, "credit_code", v, f->confidence);
    }

    text_field(a, "name", reading(l, r, "name"), 4, org, NULL, checks);
    text_field(a, "type", reading(l, r, "type"), 4, type, NULL, checks);
    name_field(a, "legal_representative",
               reading(l, r, "legal_representative"));
    text_field(a, "address", reading(l, r, "address"), 6, NULL,
               ucb_places_fix_address, checks);

    f = reading(l, r, "registered_capital");
    clean(f->text, v, sizeof(v), 0);

    if (capital_valid(v)) {
        put(a, "registered_capital", v, f->confidence);
    } else {
        fail(a, "registered_capital", "unreadable", f->confidence);
    }

    f = reading(l, r, "established");
    if (digits_of(f->text, d, sizeof(d)) == 8 && date_of(d, date) == 0) {
        put(a, "established", date, f->confidence);
    } else {
        fail(a, "established", "unreadable", f->confidence);
    }

    f = reading(l, r, "term");
    clean(f->text, v, sizeof(v), 0);
    n = digits_of(v, d, sizeof(d));

    if (n == 8 && strstr(v, "长期") != NULL) {
        put(a, "term", "长期", f->confidence);
    } else if (n == 16 && date_of(d, date) == 0 && date_of(d + 8, date) == 0
               && memcmp(d, d + 8, 8) < 0)
    {
        put(a, "term", date, f->confidence);
    } else {
        fail(a, "term", "unreadable", f->confidence);
    }
}


json_t *
ucb_fields_answer(const ucb_layout_t *l, const ucb_reading_t *r,
    const ucb_checks_t *checks)
{
    answer_t  a;

    a.fields = json_object();
    a.problems = json_array();

    if (strcmp(l->document, "id_card_front") == 0) {
        id_front_answer(&a, l, r, checks);
    } else if (strcmp(l->document, "id_card_back") == 0) {
        id_back_answer(&a, l, r, checks);
    } else {
        licence_answer(&a, l, r, checks);
    }

    return json_pack("{s:s, s:o, s:o}", "document", l->document,
                     "fields", a.fields, "problems", a.problems);
}


int
ucb_anchor_score(const ucb_field_t *f, const char *text)
{
    char      v[64], from[16], until[16];
    uc_ric_t  ric;

    switch (f->kind) {

    case UCB_FK_ID_NUMBER:
        if (id_number_check(text, v, &ric, NULL) == NULL) {
            return 2;
        }
        return strlen(v) == UC_RIC_LEN;

    case UCB_FK_CREDIT_CODE:
        if (credit_code_check(text, v, NULL) == NULL) {
            return 2;
        }
        return strlen(v) == UC_USCC_LEN;

    default:
        if (validity_of(text, from, until) == 0) {
            return 2;
        }
        clean(text, v, sizeof(v), 0);
        return digits_of(v, from, sizeof(from)) >= 8;
    }
}
