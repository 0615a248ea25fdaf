
/*
 * docgen: what a document says (docgen.h).
 *
 * A person or a company is drawn from lists and from the division codes of
 * GB/T 2260 that python-stdnum ships; every identity number and credit
 * code is checked by libuc before it is printed, and a number libuc
 * rejects aborts the run, since a benchmark with wrong truth is worse
 * than none.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uc_cn.h"
#include "docgen.h"


typedef struct {
    int             y;
    int             m;
    int             d;
} dg_date_t;


static void person_name(dg_rng_t *rng, char *out, size_t len);
static int leap(int y);
static long days_from_civil(dg_date_t dt);
static dg_date_t civil_from_days(long z);
static dg_date_t random_date(dg_rng_t *rng, dg_date_t lo, dg_date_t hi);
static dg_date_t add_years(dg_date_t dt, int n);
static void iso_date(dg_date_t dt, char *out, size_t len);
static void cn_date(dg_date_t dt, char *out, size_t len);
static void truth(dg_doc_t *doc, const char *key, const char *val);
static void make_id_front(const dg_regions_t *regs, dg_rng_t *rng,
    dg_doc_t *doc);
static void make_id_back(const dg_regions_t *regs, dg_rng_t *rng,
    dg_doc_t *doc);
static void make_licence(const dg_regions_t *regs, dg_rng_t *rng,
    dg_doc_t *doc);
static void credit_code(const char *division, dg_rng_t *rng, char *out);


static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
    "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
    "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
    "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "熊", "秦", "邱"
};

static const char *const double_surnames[] = {
    "欧阳", "司马", "诸葛", "上官"
};

static const char  given_chars[] =
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏"
    "宇浩凯健俊帆帅旭宁龙林欣佳颖晨雪琳晶妍茜倩婷慧莉燕梅兰凤洁琴云莲"
    "真雅芝怡珊彤蕾薇悦昊博然轩睿哲泽宏志国海波斌峰辰阳鑫毅飞彬成荣东"
    "新庆春秋冬兵生德清永嘉瑞恒晓鸿天子思梓晗诗语涵若可一乐安琪心铭诚"
    "聪振顺福祥贵礼义仁翔良金亮小萱丹璐媛蓉露瑶琦璇月莹晴桐楠柏松竹";

static const char *const ethnicities[] = {
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
    "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
    "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜",
    "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯",
    "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂",
    "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴",
    "珞巴", "基诺"
};

static const char  brand_chars[] =
    "华盛鑫达恒泰瑞丰源博宏远信诚嘉禾汇通润德昌隆优创云智星辰海天万佳"
    "永和联捷凯新卓越";

static const char *const industries[] = {
    "科技", "网络", "贸易", "餐饮", "建筑", "信息技术", "文化传媒",
    "电子商务"
};

static const char *const company_types[] = {
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人独资）",
    "股份有限公司（非上市、自然人投资或控股）",
    "个人独资企业",
    "有限责任公司（法人独资）"
};

static const int  capitals[] = {
    10, 50, 100, 200, 300, 500, 1000, 2000, 5000
};

static const char *const scopes[] = {
    "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
    "软件开发；信息系统集成服务。",
    "一般项目：日用百货销售；电子产品销售；办公用品销售；五金产品零售；"
    "互联网销售（除销售需要许可的商品）。",
    "许可项目：餐饮服务；食品经营。一般项目：餐饮管理；食用农产品零售；"
    "外卖递送服务。",
    "许可项目：建设工程施工；建设工程设计。一般项目：建筑材料销售；"
    "园林绿化工程施工；工程管理服务。"
};

/* GB 32100's alphabet; also the characters allowed in a GB 11714 code
   that is to go into a credit code */
static const char  uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static const int   uscc_weights[17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

static const int   org_weights[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };

static const int   ric_weights[17] = {
    7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
};

#define NELEMS(a)  (sizeof(a) / sizeof((a)[0]))


void
dg_doc_make(const dg_regions_t *regs, int kind, dg_rng_t *rng,
    dg_doc_t *doc)
{
    memset(doc, 0, sizeof(dg_doc_t));
    doc->kind = kind;

    switch (kind) {

    case DG_ID_FRONT:
        make_id_front(regs, rng, doc);
        break;

    case DG_ID_BACK:
        make_id_back(regs, rng, doc);
        break;

    default:
        make_licence(regs, rng, doc);
        break;
    }
}


static void
make_id_front(const dg_regions_t *regs, dg_rng_t *rng, dg_doc_t *doc)
{
    const dg_region_t  *reg;
    dg_date_t           birth;
    int                 male, order, sum, i;
    char                id[32], buf[DG_FIELD_LEN];
    const char         *problem;
    uc_ric_t            ric;
    static const dg_date_t  lo = { 1950, 1, 1 }, hi = { 2005, 12, 31 };

    reg = dg_region_with_address(regs, rng, 33, doc->print[DG_F_ADDRESS],
                                 DG_FIELD_LEN);

    person_name(rng, doc->print[DG_F_NAME], DG_FIELD_LEN);

    male = dg_rng_unit(rng) < 0.5;
    dg_cat(doc->print[DG_F_SEX], DG_FIELD_LEN, male ? "男" : "女");

    if (dg_rng_unit(rng) < 0.7) {
        dg_cat(doc->print[DG_F_ETHNICITY], DG_FIELD_LEN, ethnicities[0]);

    } else {
        dg_cat(doc->print[DG_F_ETHNICITY], DG_FIELD_LEN,
               ethnicities[dg_rng_int(rng, 1, NELEMS(ethnicities) - 1)]);
    }

    birth = random_date(rng, lo, hi);
    dg_catf_int(doc->print[DG_F_BIRTH_Y], DG_FIELD_LEN, "%d", birth.y);
    dg_catf_int(doc->print[DG_F_BIRTH_M], DG_FIELD_LEN, "%d", birth.m);
    dg_catf_int(doc->print[DG_F_BIRTH_D], DG_FIELD_LEN, "%d", birth.d);

    /* the order within the day: odd for men, even for women, never 000 */
    order = male ? 2 * dg_rng_int(rng, 0, 499) + 1
                 : 2 * dg_rng_int(rng, 1, 499);

    snprintf(id, sizeof(id), "%s%04d%02d%02d%03d", reg->code, birth.y,
             birth.m, birth.d, order);

    sum = 0;
    for (i = 0; i < 17; i++) {
        sum += (id[i] - '0') * ric_weights[i];
    }

    id[17] = "10X98765432"[sum % 11];
    id[18] = '\0';

    if (uc_ric_valid(id, strlen(id), &ric, &problem) != 1
        || ric.male != male || ric.year != birth.y || ric.month != birth.m
        || ric.day != birth.d)
    {
        fprintf(stderr, "docgen: generated an invalid identity number %s "
                "(%s)\n", id, problem != NULL ? problem : "fields");
        abort();
    }

    dg_cat(doc->print[DG_F_ID_NUMBER], DG_FIELD_LEN, id);

    truth(doc, "name", doc->print[DG_F_NAME]);
    truth(doc, "sex", doc->print[DG_F_SEX]);
    truth(doc, "ethnicity", doc->print[DG_F_ETHNICITY]);
    iso_date(birth, buf, sizeof(buf));
    truth(doc, "birth_date", buf);
    truth(doc, "address", doc->print[DG_F_ADDRESS]);
    truth(doc, "id_number", id);
}


static void
make_id_back(const dg_regions_t *regs, dg_rng_t *rng, dg_doc_t *doc)
{
    const dg_region_t  *reg;
    dg_date_t           birth, issue, until;
    int                 age, years;
    char                from[32], to[32], buf[DG_FIELD_LEN];
    static const dg_date_t  blo = { 1950, 1, 1 }, bhi = { 2005, 12, 31 },
                            ilo = { 2010, 1, 1 }, ihi = { 2024, 12, 31 };

    reg = &regs->r[dg_rng_int(rng, 0, (int) regs->n - 1)];
    dg_authority(reg, doc->print[DG_F_AUTHORITY], DG_FIELD_LEN);

    birth = random_date(rng, blo, bhi);
    issue = random_date(rng, ilo, ihi);

    age = issue.y - birth.y;
    if (issue.m < birth.m || (issue.m == birth.m && issue.d < birth.d)) {
        age--;
    }

    years = age < 16 ? 5 : age <= 25 ? 10 : age <= 45 ? 20 : 0;

    snprintf(from, sizeof(from), "%04d.%02d.%02d", issue.y, issue.m,
             issue.d);

    if (years == 0) {
        snprintf(to, sizeof(to), "长期");
        snprintf(buf, sizeof(buf), "长期");

    } else {
        until = add_years(issue, years);
        snprintf(to, sizeof(to), "%04d.%02d.%02d", until.y, until.m,
                 until.d);
        iso_date(until, buf, sizeof(buf));
    }

    dg_cat(doc->print[DG_F_VALIDITY], DG_FIELD_LEN, from);
    dg_cat(doc->print[DG_F_VALIDITY], DG_FIELD_LEN, "-");
    dg_cat(doc->print[DG_F_VALIDITY], DG_FIELD_LEN, to);

    truth(doc, "issuing_authority", doc->print[DG_F_AUTHORITY]);
    iso_date(issue, from, sizeof(from));
    truth(doc, "valid_from", from);
    truth(doc, "valid_until", buf);
}


static void
make_licence(const dg_regions_t *regs, dg_rng_t *rng, dg_doc_t *doc)
{
    const dg_region_t  *reg;
    dg_date_t           est, end, issued;
    char                code[32], shortn[64], buf[DG_FIELD_LEN];
    const char         *src, *problem;
    static const dg_date_t  lo = { 2000, 1, 1 }, hi = { 2024, 12, 31 };

    reg = dg_region_with_address(regs, rng, 30,
                                 doc->print[DG_F_CO_ADDRESS], DG_FIELD_LEN);

    credit_code(reg->code, rng, code);

    if (uc_uscc_valid(code, strlen(code), &problem) != 1) {
        fprintf(stderr, "docgen: generated an invalid credit code %s "
                "(%s)\n", code, problem);
        abort();
    }

    dg_cat(doc->print[DG_F_CODE], DG_FIELD_LEN, code);

    src = reg->county;
    if (dg_real_prefecture(reg) == 1 && dg_rng_unit(rng) < 0.5) {
        src = reg->prefecture;
    }

    dg_short_name(src, shortn, sizeof(shortn));
    dg_cat(doc->print[DG_F_CO_NAME], DG_FIELD_LEN, shortn);
    dg_pick_chars(rng, brand_chars, 2, doc->print[DG_F_CO_NAME], DG_FIELD_LEN);
    dg_cat(doc->print[DG_F_CO_NAME], DG_FIELD_LEN,
           industries[dg_rng_int(rng, 0, NELEMS(industries) - 1)]);
    dg_cat(doc->print[DG_F_CO_NAME], DG_FIELD_LEN, "有限公司");

    if (dg_utf8_len(doc->print[DG_F_CO_NAME]) > 18) {
        fprintf(stderr, "docgen: company name too long: %s\n",
                doc->print[DG_F_CO_NAME]);
        abort();
    }

    dg_cat(doc->print[DG_F_TYPE], DG_FIELD_LEN,
           company_types[dg_rng_int(rng, 0, NELEMS(company_types) - 1)]);

    person_name(rng, doc->print[DG_F_LEGAL], DG_FIELD_LEN);

    dg_cat(doc->print[DG_F_SCOPE], DG_FIELD_LEN,
           scopes[dg_rng_int(rng, 0, NELEMS(scopes) - 1)]);

    dg_catf_int(doc->print[DG_F_CAPITAL], DG_FIELD_LEN, "%d万元人民币",
                capitals[dg_rng_int(rng, 0, NELEMS(capitals) - 1)]);

    est = random_date(rng, lo, hi);
    cn_date(est, doc->print[DG_F_ESTABLISHED], DG_FIELD_LEN);

    dg_cat(doc->print[DG_F_TERM], DG_FIELD_LEN, doc->print[DG_F_ESTABLISHED]);
    dg_cat(doc->print[DG_F_TERM], DG_FIELD_LEN, "至");

    if (dg_rng_unit(rng) < 0.6) {
        dg_cat(doc->print[DG_F_TERM], DG_FIELD_LEN, "长期");
        snprintf(buf, sizeof(buf), "长期");

    } else {
        end = add_years(est, dg_rng_unit(rng) < 0.5 ? 20 : 30);
        end = civil_from_days(days_from_civil(end) - 1);
        cn_date(end, buf, sizeof(buf));
        dg_cat(doc->print[DG_F_TERM], DG_FIELD_LEN, buf);
        iso_date(end, buf, sizeof(buf));
    }

    issued = random_date(rng, est, hi);
    cn_date(issued, doc->print[DG_F_ISSUED], DG_FIELD_LEN);

    truth(doc, "credit_code", doc->print[DG_F_CODE]);
    truth(doc, "name", doc->print[DG_F_CO_NAME]);
    truth(doc, "type", doc->print[DG_F_TYPE]);
    truth(doc, "legal_representative", doc->print[DG_F_LEGAL]);
    truth(doc, "registered_capital", doc->print[DG_F_CAPITAL]);
    iso_date(est, code, sizeof(code));
    truth(doc, "established", code);
    truth(doc, "term", buf);
    truth(doc, "address", doc->print[DG_F_CO_ADDRESS]);
}


/*
 * "91" (an enterprise registered by the market regulator), the division,
 * a GB 11714 organisation code (8 characters and its check), the GB 32100
 * check. Half the codes take the "MA" prefix that codes issued since 2015
 * carry.
 */
static void
credit_code(const char *division, dg_rng_t *rng, char *out)
{
    int          i, v, sum, c9;
    const char  *p;

    memcpy(out, "91", 2);
    memcpy(out + 2, division, 6);

    for (i = 0; i < 8; i++) {
        if (dg_rng_unit(rng) < 0.85) {
            out[8 + i] = '0' + dg_rng_int(rng, 0, 9);

        } else {
            out[8 + i] = uscc_alphabet[dg_rng_int(rng, 10, 30)];
        }
    }

    if (dg_rng_unit(rng) < 0.5) {
        out[8] = 'M';
        out[9] = 'A';
    }

    sum = 0;
    for (i = 0; i < 8; i++) {
        v = out[8 + i] <= '9' ? out[8 + i] - '0' : out[8 + i] - 'A' + 10;
        sum += v * org_weights[i];
    }

    c9 = 11 - sum % 11;
    out[16] = c9 == 10 ? 'X' : c9 == 11 ? '0' : '0' + c9;

    sum = 0;
    for (i = 0; i < 17; i++) {
        p = strchr(uscc_alphabet, out[i]);
        sum += (int) (p - uscc_alphabet) * uscc_weights[i];
    }

    out[17] = uscc_alphabet[(31 - sum % 31) % 31];
    out[18] = '\0';
}


static void
person_name(dg_rng_t *rng, char *out, size_t len)
{
    out[0] = '\0';

    if (dg_rng_unit(rng) < 0.04) {
        dg_cat(out, len, double_surnames[dg_rng_int(rng, 0,
                                         NELEMS(double_surnames) - 1)]);

    } else {
        dg_cat(out, len, surnames[dg_rng_int(rng, 0, NELEMS(surnames) - 1)]);
    }

    dg_pick_chars(rng, given_chars, dg_rng_unit(rng) < 0.35 ? 1 : 2, out, len);
}


static void
truth(dg_doc_t *doc, const char *key, const char *val)
{
    if (doc->ntruth == DG_MAX_TRUTH) {
        abort();
    }

    doc->truth_key[doc->ntruth] = key;
    snprintf(doc->truth_val[doc->ntruth], DG_FIELD_LEN, "%s", val);
    doc->ntruth++;
}


static int
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}


/* days since 1970-01-01, proleptic Gregorian (H. Hinnant's algorithm) */
static long
days_from_civil(dg_date_t dt)
{
    long  y, era, yoe, doy, doe;

    y = dt.y - (dt.m <= 2);
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (dt.m + (dt.m > 2 ? -3 : 9)) + 2) / 5 + dt.d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


static dg_date_t
civil_from_days(long z)
{
    long       era, doe, yoe, doy, mp;
    dg_date_t  dt;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    dt.d = (int) (doy - (153 * mp + 2) / 5 + 1);
    dt.m = (int) (mp < 10 ? mp + 3 : mp - 9);
    dt.y = (int) (yoe + era * 400 + (dt.m <= 2));

    return dt;
}


static dg_date_t
random_date(dg_rng_t *rng, dg_date_t lo, dg_date_t hi)
{
    long  a, b;

    a = days_from_civil(lo);
    b = days_from_civil(hi);

    return civil_from_days(a + (long) (dg_rng_unit(rng) * (b - a + 1)));
}


/* the same day n years on; 29 February becomes the 28th */
static dg_date_t
add_years(dg_date_t dt, int n)
{
    dt.y += n;

    if (dt.m == 2 && dt.d == 29 && leap(dt.y) == 0) {
        dt.d = 28;
    }

    return dt;
}


static void
iso_date(dg_date_t dt, char *out, size_t len)
{
    snprintf(out, len, "%04d-%02d-%02d", dt.y, dt.m, dt.d);
}


static void
cn_date(dg_date_t dt, char *out, size_t len)
{
    snprintf(out, len, "%04d年%02d月%02d日", dt.y, dt.m, dt.d);
}
