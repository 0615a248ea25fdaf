
/*
 * docgen: places (docgen.h): the divisions of GB/T 2260 as python-stdnum
 * ships them, and what is made of them: an address, a public security
 * bureau, a company's place name.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docgen.h"


#define NELEMS(a)  (sizeof(a) / sizeof((a)[0]))


static void admin_prefix(const dg_region_t *reg, char *out, size_t len);
static int make_address(const dg_region_t *reg, dg_rng_t *rng,
    size_t max, char *out, size_t len);


static const char  street_chars[] =
    "人民解放中山建设新华和平文化胜利长江黄河朝阳友谊光明东西南北兴安宁"
    "康青年花园湖滨春风金桥学府科技幸福振兴";

static const char *const street_kinds[] = { "路", "街", "大道", "巷" };


int
dg_regions_load(const char *path, dg_regions_t *regs, char *err,
    size_t len)
{
    FILE         *fp;
    char          line[512], *dst[3];
    const char   *p, *e;
    size_t        cap;
    int           i;
    dg_region_t   r, *nr;
    static const char *const  keys[3] = {
        " county=\"", " prefecture=\"", " province=\""
    };

    fp = fopen(path, "r");
    if (fp == NULL) {
        snprintf(err, len, "cannot open the division codes %s", path);
        return -1;
    }

    regs->r = NULL;
    regs->n = 0;
    cap = 0;

    dst[0] = r.county;
    dst[1] = r.prefecture;
    dst[2] = r.province;

    while (fgets(line, sizeof(line), fp) != NULL) {
        if (line[0] == '#' || strlen(line) < 7) {
            continue;
        }

        for (i = 0; i < 6; i++) {
            if (line[i] < '0' || line[i] > '9') {
                break;
            }
        }

        if (i != 6 || line[6] != ' ') {
            continue;
        }

        memcpy(r.code, line, 6);
        r.code[6] = '\0';

        for (i = 0; i < 3; i++) {
            dst[i][0] = '\0';
            p = strstr(line, keys[i]);

            if (p == NULL) {
                continue;
            }

            p += strlen(keys[i]);
            e = strchr(p, '"');

            if (e == NULL || (size_t) (e - p) >= sizeof(r.county)) {
                continue;
            }

            memcpy(dst[i], p, e - p);
            dst[i][e - p] = '\0';
        }

        /* "市辖区" as a county is a city's districts taken together: no
           one's address starts with it */
        if (r.county[0] == '\0' || strcmp(r.county, "市辖区") == 0
            || r.province[0] == '\0')
        {
            continue;
        }

        if (regs->n == cap) {
            cap = cap == 0 ? 4096 : cap * 2;
            nr = realloc(regs->r, cap * sizeof(dg_region_t));

            if (nr == NULL) {
                fclose(fp);
                snprintf(err, len, "out of memory");
                return -1;
            }

            regs->r = nr;
        }

        regs->r[regs->n++] = r;
    }

    fclose(fp);

    if (regs->n == 0) {
        snprintf(err, len, "no division codes in %s", path);
        return -1;
    }

    return 0;
}


int
dg_real_prefecture(const dg_region_t *reg)
{
    static const char *const  none[] = {
        "", "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"
    };
    size_t  i;

    for (i = 0; i < NELEMS(none); i++) {
        if (strcmp(reg->prefecture, none[i]) == 0) {
            return 0;
        }
    }

    return 1;
}


static void
admin_prefix(const dg_region_t *reg, char *out, size_t len)
{
    out[0] = '\0';
    dg_cat(out, len, reg->province);

    if (dg_real_prefecture(reg) == 1
        && strcmp(reg->prefecture, reg->province) != 0)
    {
        dg_cat(out, len, reg->prefecture);
    }

    dg_cat(out, len, reg->county);
}


/* 0, or -1 when even the shortest address of the region is too long */
static int
make_address(const dg_region_t *reg, dg_rng_t *rng, size_t max, char *out,
    size_t len)
{
    char  street[64], rest[64];
    int   n;

    admin_prefix(reg, out, len);

    street[0] = '\0';
    dg_pick_chars(rng, street_chars, 2, street, sizeof(street));
    dg_cat(street, sizeof(street),
           street_kinds[dg_rng_int(rng, 0, NELEMS(street_kinds) - 1)]);
    dg_catf_int(street, sizeof(street), "%d号", dg_rng_int(rng, 1, 999));

    rest[0] = '\0';

    if (dg_rng_unit(rng) < 0.5) {
        n = dg_rng_int(rng, 1, 9) * 100 + dg_rng_int(rng, 1, 6);

        if (dg_rng_unit(rng) < 0.5) {
            dg_catf_int(rest, sizeof(rest), "%d幢", dg_rng_int(rng, 1, 20));
            dg_catf_int(rest, sizeof(rest), "%d单元", dg_rng_int(rng, 1, 6));
            dg_catf_int(rest, sizeof(rest), "%d室", n);

        } else {
            dg_catf_int(rest, sizeof(rest), "%d号楼", dg_rng_int(rng, 1, 30));
            dg_catf_int(rest, sizeof(rest), "%d室", n);
        }
    }

    dg_cat(out, len, street);

    if (dg_utf8_len(out) > max) {
        return -1;
    }

    if (dg_utf8_len(out) + dg_utf8_len(rest) <= max) {
        dg_cat(out, len, rest);
    }

    return 0;
}


const dg_region_t *
dg_region_with_address(const dg_regions_t *regs, dg_rng_t *rng, size_t max,
    char *addr, size_t len)
{
    const dg_region_t  *reg;

    for ( ;; ) {
        reg = &regs->r[dg_rng_int(rng, 0, (int) regs->n - 1)];

        if (make_address(reg, rng, max, addr, len) == 0) {
            return reg;
        }
    }
}


/*
 * A name without its last character (西湖区: 西湖); a two-character name
 * stays whole (涉县), and a long autonomous one is called by its first
 * two characters, as people do.
 */
void
dg_short_name(const char *name, char *out, size_t len)
{
    size_t       n, keep, i;
    const char  *p;

    n = dg_utf8_len(name);
    keep = n <= 2 ? n : n - 1;

    if (keep > 4) {
        keep = 2;
    }

    p = name;
    for (i = 0; i < keep; i++) {
        (void) dg_utf8_next(&p);
    }

    if ((size_t) (p - name) >= len) {
        abort();
    }

    memcpy(out, name, p - name);
    out[p - name] = '\0';
}


/*
 * A district's bureau is a branch of the city's (杭州市公安局西湖分局), a
 * county or county-level city has its own (淳安县公安局); when that is
 * longer than the card's 15 characters, the city's or the province's. A
 * municipality's districts have no prefecture: the province is the city.
 */
void
dg_authority(const dg_region_t *reg, char *out, size_t len)
{
    char         cand[4][DG_FIELD_LEN], shortn[64];
    const char  *up, *p, *last;
    size_t       n, i;

    up = dg_real_prefecture(reg) == 1 ? reg->prefecture : reg->province;

    for (i = 0; i < 4; i++) {
        cand[i][0] = '\0';
    }

    last = NULL;
    for (p = reg->county; *p != '\0'; ) {
        last = p;
        (void) dg_utf8_next(&p);
    }

    if (last != NULL && strcmp(last, "区") == 0) {
        /* 西湖区: 西湖分局, but 城区: 城区分局 */
        n = dg_utf8_len(reg->county) > 2 ? (size_t) (last - reg->county)
                                          : strlen(reg->county);
        memcpy(shortn, reg->county, n);
        shortn[n] = '\0';

        dg_cat(cand[0], DG_FIELD_LEN, up);
        dg_cat(cand[0], DG_FIELD_LEN, "公安局");
        dg_cat(cand[0], DG_FIELD_LEN, shortn);
        dg_cat(cand[0], DG_FIELD_LEN, "分局");
    }

    dg_cat(cand[1], DG_FIELD_LEN, reg->county);
    dg_cat(cand[1], DG_FIELD_LEN, "公安局");
    dg_cat(cand[2], DG_FIELD_LEN, up);
    dg_cat(cand[2], DG_FIELD_LEN, "公安局");
    dg_cat(cand[3], DG_FIELD_LEN, reg->province);
    dg_cat(cand[3], DG_FIELD_LEN, "公安厅");

    for (i = 0; i < 4; i++) {
        if (cand[i][0] != '\0' && dg_utf8_len(cand[i]) <= 15) {
            out[0] = '\0';
            dg_cat(out, len, cand[i]);
            return;
        }
    }

    fprintf(stderr, "docgen: no authority fits for %s\n", reg->code);
    abort();
}
