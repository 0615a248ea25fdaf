/*
 * uc-backend: the names of China's divisions (GB/T 2260, the regions
 * dictionary), to correct what Tesseract reads of them.
 *
 * An address on a card or a licence begins with its division's names
 * (province, prefecture, county: 浙江省杭州市西湖区), and an issuing
 * authority is one of a few forms built from them (杭州市公安局西湖分局,
 * 淳安县公安局, 杭州市公安局, 浙江省公安厅). A reading within a character or two of exactly one such
 * name is that name; a reading near two names is left as read. Numbers are
 * never corrected this way: their checks decide.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "places.h"


#define NAME_MAX_CP  40


typedef struct {
    unsigned        cp[NAME_MAX_CP];
    int             n;
} name_t;

struct ucb_places_s {
    name_t         *prefixes;       /* address beginnings */
    size_t          nprefixes;
    name_t         *authorities;
    size_t          nauthorities;
    size_t          cap_p, cap_a;
};


/* code points of UTF-8 s (valid, from a dictionary or Tesseract) */
int
ucb_utf8_decode(const char *s, unsigned *cp, int max)
{
    int                   n;
    const unsigned char  *p = (const unsigned char *) s;

    for (n = 0; *p != '\0' && n < max; n++) {
        if (p[0] < 0x80) {
            cp[n] = *p++;
        } else if ((p[0] & 0xe0) == 0xc0 && p[1] != 0) {
            cp[n] = (unsigned) (p[0] & 0x1f) << 6 | (p[1] & 0x3f);
            p += 2;
        } else if ((p[0] & 0xf0) == 0xe0 && p[1] != 0 && p[2] != 0) {
            cp[n] = (unsigned) (p[0] & 0x0f) << 12
                    | (unsigned) (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
            p += 3;
        } else if ((p[0] & 0xf8) == 0xf0 && p[1] != 0 && p[2] != 0
                   && p[3] != 0)
        {
            cp[n] = (unsigned) (p[0] & 0x07) << 18
                    | (unsigned) (p[1] & 0x3f) << 12
                    | (unsigned) (p[2] & 0x3f) << 6 | (p[3] & 0x3f);
            p += 4;
        } else {
            cp[n] = 0xfffd;
            p++;
        }
    }

    return n;
}


static size_t
encode(const unsigned *cp, int n, char *out, size_t size)
{
    int     i;
    size_t  o;

    for (i = 0, o = 0; i < n; i++) {
        if (o + 5 > size) {
            break;
        }

        if (cp[i] < 0x80) {
            out[o++] = (char) cp[i];
        } else if (cp[i] < 0x800) {
            out[o++] = (char) (0xc0 | cp[i] >> 6);
            out[o++] = (char) (0x80 | (cp[i] & 0x3f));
        } else if (cp[i] < 0x10000) {
            out[o++] = (char) (0xe0 | cp[i] >> 12);
            out[o++] = (char) (0x80 | ((cp[i] >> 6) & 0x3f));
            out[o++] = (char) (0x80 | (cp[i] & 0x3f));
        } else {
            out[o++] = (char) (0xf0 | cp[i] >> 18);
            out[o++] = (char) (0x80 | ((cp[i] >> 12) & 0x3f));
            out[o++] = (char) (0x80 | ((cp[i] >> 6) & 0x3f));
            out[o++] = (char) (0x80 | (cp[i] & 0x3f));
        }
    }

    out[o] = '\0';

    return o;
}


int
ucb_cp_distance(const unsigned *a, int na, const unsigned *b, int nb)
{
    int  i, j, m, d[NAME_MAX_CP + 1][NAME_MAX_CP + 1];

    if (na > NAME_MAX_CP || nb > NAME_MAX_CP) {
        return 99;
    }

    for (i = 0; i <= na; i++) {
        d[i][0] = i;
    }

    for (j = 0; j <= nb; j++) {
        d[0][j] = j;
    }

    for (i = 1; i <= na; i++) {
        for (j = 1; j <= nb; j++) {
            m = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < m) {
                m = d[i - 1][j] + 1;
            }
            if (d[i][j - 1] + 1 < m) {
                m = d[i][j - 1] + 1;
            }
            d[i][j] = m;
        }
    }

    return d[na][nb];
}


ucb_places_t *
ucb_places_create(void)
{
    return calloc(1, sizeof(ucb_places_t));
}


void
ucb_places_free(ucb_places_t *p)
{
    if (p != NULL) {
        free(p->prefixes);
        free(p->authorities);
        free(p);
    }
}


static int
push(name_t **list, size_t *n, size_t *cap, const char *s)
{
    name_t  *grown;

    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4096;
        grown = realloc(*list, sizeof(name_t) * *cap);
        if (grown == NULL) {
            return -1;
        }
        *list = grown;
    }

    (*list)[*n].n = ucb_utf8_decode(s, (*list)[*n].cp, NAME_MAX_CP);
    (*n)++;

    return 0;
}


/* a real prefecture's name, not GB/T 2260's placeholders */
static int
named(const char *prefecture, const char *province)
{
    return prefecture[0] != '\0' && strcmp(prefecture, "市辖区") != 0
           && strcmp(prefecture, "县") != 0
           && strcmp(prefecture, "省直辖县级行政区划") != 0
           && strcmp(prefecture, province) != 0;
}


int
ucb_places_add(ucb_places_t *p, const char *province, const char *prefecture,
    const char *county)
{
    char         buf[256], stem[64];
    size_t       n;
    const char  *city;

    snprintf(buf, sizeof(buf), "%s%s%s", province,
             named(prefecture, province) ? prefecture : "", county);

    if (push(&p->prefixes, &p->nprefixes, &p->cap_p, buf) != 0) {
        return -1;
    }

    /* 淳安县公安局; 杭州市公安局西湖分局 (the county without 区/县/市) */
    snprintf(buf, sizeof(buf), "%s公安局", county);
    if (push(&p->authorities, &p->nauthorities, &p->cap_a, buf) != 0) {
        return -1;
    }

    /* a district's branch: 西湖区 -> 西湖分局, a short one whole (城区) */
    city = named(prefecture, province) ? prefecture : province;
    n = strlen(county);

    if (n > 3 && n - 3 < sizeof(stem)) {
        memcpy(stem, county, n - 3);
        stem[n - 3] = '\0';
        snprintf(buf, sizeof(buf), "%s公安局%s分局", city, stem);
        if (push(&p->authorities, &p->nauthorities, &p->cap_a, buf) != 0) {
            return -1;
        }
    }

    if (n <= 6) {
        snprintf(buf, sizeof(buf), "%s公安局%s分局", city, county);
        if (push(&p->authorities, &p->nauthorities, &p->cap_a, buf) != 0) {
            return -1;
        }
    }

    /* and where a county's own would be too long, the city's, the
       province's department */
    snprintf(buf, sizeof(buf), "%s公安局", city);
    if (push(&p->authorities, &p->nauthorities, &p->cap_a, buf) != 0) {
        return -1;
    }

    snprintf(buf, sizeof(buf), "%s公安厅", province);

    return push(&p->authorities, &p->nauthorities, &p->cap_a, buf);
}


/*
 * The one name nearest to the text's beginning (whole: the text), within
 * the allowance; its index and the text's length it stands for, or -1.
 */
static long
nearest(const name_t *names, size_t count, const unsigned *cp, int n,
    int whole, int *used)
{
    int      len, d, best, allow, ambiguous;
    size_t   i;
    long     found;

    best = 99;
    found = -1;
    ambiguous = 0;

    for (i = 0; i < count; i++) {
        allow = names[i].n >= 7 ? 2 : 1;

        for (len = names[i].n - allow; len <= names[i].n + allow; len++) {
            if (len < 2 || len > n || (whole && len != n)) {
                continue;
            }

            d = ucb_cp_distance(cp, len, names[i].cp, names[i].n);

            if (d > allow || d > best) {
                continue;
            }

            if (d < best) {
                best = d;
                found = (long) i;
                *used = len;
                ambiguous = 0;

            } else if (names[found].n != names[i].n
                       || memcmp(names[found].cp, names[i].cp,
                                 sizeof(unsigned) * names[i].n) != 0)
            {
                ambiguous = 1;  /* two names as near: no correction */
            }
        }
    }

    return ambiguous ? -1 : found;
}


int
ucb_places_fix_address(const ucb_places_t *p, char *text, size_t size)
{
    int       n, used, m;
    long      i;
    unsigned  cp[128], out[128];

    if (p == NULL) {
        return 0;
    }

    n = ucb_utf8_decode(text, cp, 128);
    i = nearest(p->prefixes, p->nprefixes, cp, n, 0, &used);

    if (i < 0) {
        return 0;
    }

    m = p->prefixes[i].n;
    memcpy(out, p->prefixes[i].cp, sizeof(unsigned) * m);
    if (m + n - used > 128) {
        return 0;
    }
    memcpy(out + m, cp + used, sizeof(unsigned) * (n - used));
    encode(out, m + n - used, text, size);

    return 1;
}


int
ucb_places_fix_authority(const ucb_places_t *p, char *text, size_t size)
{
    int       n, used;
    long      i;
    unsigned  cp[128];

    if (p == NULL) {
        return 0;
    }

    n = ucb_utf8_decode(text, cp, 128);
    i = nearest(p->authorities, p->nauthorities, cp, n, 1, &used);

    if (i < 0) {
        return 0;
    }

    encode(p->authorities[i].cp, p->authorities[i].n, text, size);

    return 1;
}
