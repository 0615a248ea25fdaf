
/*
 * docgen: the photograph of a flat document (docgen.h).
 *
 * In order: the frame's size and where the document's corners land in it
 * (rotation, then keystone), the background, the document warped onto
 * it, then light, blur, noise and the file's compression, as a camera
 * would add them. The document is first shrunk with a tent filter to
 * about its size in the photo, so that the bilinear warp never skips
 * over strokes; its transparent surroundings make the warped edge
 * antialiased for free.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "docgen.h"


typedef struct {
    double          x;
    double          y;
} pt_t;


enum {
    BG_WHITE = 0,
    BG_PLAIN,
    BG_PATTERN,
    BG_EITHER
};

enum {
    LIGHT_NONE = 0,
    LIGHT_TABLE,            /* a falloff of at most 10 % */
    LIGHT_UNEVEN,           /* 0.55 to 1.05, a vignette, a highlight */
    LIGHT_MILD              /* 0.75 to 1.05 and the table's falloff */
};

/* per condition: how the photo is taken; a range of 0, 0 is none */
typedef struct {
    double          turn;           /* degrees either way; 180: any */
    double          keystone;       /* corner displacement, of the side */
    int             background;
    int             light;
    double          blur[2];        /* sigma, px */
    double          noise[2];       /* standard deviation, levels */
    double          salt;           /* of the pixels, salt and pepper */
    int             quality[2];     /* JPEG; 0, 0: PNG */
} shot_t;


static int make_frame(const dg_img_t *flat, int kind, int cond,
    dg_rng_t *rng, int *w, int *h, pt_t q[4]);
static int homography(const pt_t from[4], const pt_t to[4], double hm[8]);
static int resize(const dg_img_t *src, int dw, int dh, dg_img_t *dst);
static int resize_taps(int sn, int dn, int **idx, float **wt, int *ntaps);
static void warp(const dg_img_t *src, const pt_t q[4], const double hm[8],
    dg_img_t *dst);


static const shot_t  shots[DG_NCONDS] = {
    /* clean */
    { 0, 0, BG_WHITE, LIGHT_NONE, { 0, 0 }, { 0, 0 }, 0, { 0, 0 } },
    /* table */
    { 8, 0, BG_PLAIN, LIGHT_TABLE, { 0, 0 }, { 0, 0 }, 0, { 88, 88 } },
    /* rotated */
    { 180, 0, BG_PLAIN, LIGHT_TABLE, { 0, 0 }, { 0, 0 }, 0, { 88, 88 } },
    /* perspective */
    { 10, 0.09, BG_PLAIN, LIGHT_TABLE, { 0, 0 }, { 0, 0 }, 0, { 88, 88 } },
    /* blurred */
    { 8, 0, BG_PLAIN, LIGHT_TABLE, { 1.0, 2.2 }, { 0, 0 }, 0, { 88, 88 } },
    /* noisy */
    { 8, 0, BG_PLAIN, LIGHT_TABLE, { 0, 0 }, { 10, 18 }, 0.003,
      { 88, 88 } },
    /* uneven_light */
    { 8, 0, BG_PLAIN, LIGHT_UNEVEN, { 0, 0 }, { 0, 0 }, 0, { 88, 88 } },
    /* jpeg */
    { 8, 0, BG_PLAIN, LIGHT_TABLE, { 0, 0 }, { 0, 0 }, 0, { 18, 32 } },
    /* patterned */
    { 8, 0, BG_PATTERN, LIGHT_TABLE, { 0, 0 }, { 0, 0 }, 0, { 88, 88 } },
    /* combined: a little of everything */
    { 15, 0.05, BG_EITHER, LIGHT_MILD, { 0.4, 1.0 }, { 3, 8 }, 0,
      { 60, 60 } },
};


void
dg_img_free(dg_img_t *img)
{
    free(img->px);
    img->px = NULL;
}


int
dg_scene(const dg_img_t *flat, int kind, int cond, dg_rng_t *rng,
    dg_img_t *out, double corners[4][2], int *quality)
{
    const dg_layout_t  *l;
    const dg_img_t     *src;
    dg_img_t            small;
    pt_t                q[4], rect[4];
    double              hm[8], area, s, limit;
    int                 w, h, i, bgk, rc;
    dg_light_t          lt;
    uint32_t            bg;
    const shot_t       *sh;

    l = dg_layout(kind);
    memset(&small, 0, sizeof(small));
    memset(out, 0, sizeof(dg_img_t));

    if (make_frame(flat, kind, cond, rng, &w, &h, q) != 0) {
        return -1;
    }

    out->w = w;
    out->h = h;
    out->nc = 3;
    out->px = malloc((size_t) w * h * 3);

    if (out->px == NULL) {
        return -1;
    }

    /* the background: a document on white is a scan; else a table */
    bg = l->background;
    limit = 0.75 * dg_luminance(bg);
    sh = &shots[cond];
    bgk = sh->background;

    if (bgk == BG_EITHER) {
        bgk = dg_rng_unit(rng) < 0.5 ? BG_PLAIN : BG_PATTERN;
    }

    if (bgk == BG_WHITE) {
        dg_fill_plain(out, 0xffffff);

    } else if (bgk == BG_PLAIN) {
        dg_fill_plain(out, dg_plain_colour(rng));

    } else {
        dg_fill_pattern(out, rng, limit);
    }

    /* shrink first when the photo is smaller than the flat document */
    area = 0;
    for (i = 0; i < 4; i++) {
        area += q[i].x * q[(i + 1) % 4].y - q[(i + 1) % 4].x * q[i].y;
    }

    s = sqrt(fabs(area) / 2 / ((double) flat->w * flat->h));
    src = flat;

    if (s < 0.9) {
        if (resize(flat, (int) lround(flat->w * s),
                   (int) lround(flat->h * s), &small) != 0)
        {
            dg_img_free(out);
            return -1;
        }

        src = &small;
    }

    rect[0].x = 0;
    rect[0].y = 0;
    rect[1].x = src->w;
    rect[1].y = 0;
    rect[2].x = src->w;
    rect[2].y = src->h;
    rect[3].x = 0;
    rect[3].y = src->h;

    rc = homography(q, rect, hm);

    if (rc == 0) {
        warp(src, q, hm, out);
    }

    dg_img_free(&small);

    if (rc != 0) {
        dg_img_free(out);
        return -1;
    }

    for (i = 0; i < 4; i++) {
        corners[i][0] = q[i].x;
        corners[i][1] = q[i].y;
    }

    if (sh->light != LIGHT_NONE) {
        /* a table under a lamp is never evenly lit */
        lt.g_lo = 1;
        lt.g_hi = 1;
        lt.g_angle = 0;
        lt.v_k = dg_rng_range(rng, 0.03, 0.10);
        lt.v_cx = dg_rng_range(rng, 0.3, 0.7) * w;
        lt.v_cy = dg_rng_range(rng, 0.3, 0.7) * h;
        lt.h_amp = 0;
        lt.h_cx = 0;
        lt.h_cy = 0;
        lt.h_sigma = 1;

        if (sh->light == LIGHT_UNEVEN) {
            lt.g_lo = 0.55;
            lt.g_hi = 1.05;
            lt.g_angle = dg_rng_range(rng, 0, 2 * M_PI);
            lt.v_k = dg_rng_range(rng, 0.15, 0.30);
            lt.h_amp = dg_rng_range(rng, 30, 50);
            lt.h_cx = dg_rng_range(rng, 0.15, 0.85) * w;
            lt.h_cy = dg_rng_range(rng, 0.15, 0.85) * h;
            lt.h_sigma = dg_rng_range(rng, 0.06, 0.16) * hypot(w, h);

        } else if (sh->light == LIGHT_MILD) {
            lt.g_lo = dg_rng_range(rng, 0.75, 0.9);
            lt.g_hi = 1.05;
            lt.g_angle = dg_rng_range(rng, 0, 2 * M_PI);
        }

        dg_light(out, &lt);
    }

    /* the lens, then the sensor, then the encoder */
    if (sh->blur[1] > 0
        && dg_blur(out, dg_rng_range(rng, sh->blur[0], sh->blur[1])) != 0)
    {
        dg_img_free(out);
        return -1;
    }

    if (sh->noise[1] > 0) {
        dg_noise(out, rng, dg_rng_range(rng, sh->noise[0], sh->noise[1]),
                 sh->salt);
    }

    *quality = sh->quality[0] == sh->quality[1]
               ? sh->quality[0]
               : dg_rng_int(rng, sh->quality[0], sh->quality[1]);

    return 0;
}


/*
 * The frame (w x h) and the document's corners in it: q[0..3] are its
 * top-left, top-right, bottom-right and bottom-left as printed. When a
 * turned document does not fit a landscape frame, the frame grows
 * towards a square, then the document shrinks.
 */
static int
make_frame(const dg_img_t *flat, int kind, int cond, dg_rng_t *rng,
    int *w, int *h, pt_t q[4])
{
    double  lo, hi, fr_lo, fr_hi, W, H, m, s, docw, doch, turn, ks, c, sn;
    double  x, y, bx0, by0, bx1, by1, f, tx, ty, mx, my;
    int     i;

    lo = kind == DG_LICENCE ? 1700 : 1300;
    hi = kind == DG_LICENCE ? 2100 : 1700;
    fr_lo = kind == DG_LICENCE ? 0.75 : 0.60;
    fr_hi = kind == DG_LICENCE ? 0.92 : 0.85;

    W = dg_rng_int(rng, (int) lo, (int) hi);

    if (cond == DG_CLEAN) {
        /* a flat scan: the document with a white margin, upright */
        m = dg_rng_range(rng, 0.02, 0.04) * W;
        docw = W - 2 * m;
        doch = docw * flat->h / flat->w;
        *w = (int) W;
        *h = (int) lround(doch + 2 * m);

        q[0].x = m;
        q[0].y = m;
        q[1].x = m + docw;
        q[1].y = m;
        q[2].x = m + docw;
        q[2].y = m + doch;
        q[3].x = m;
        q[3].y = m + doch;

        return 0;
    }

    H = floor(W / dg_rng_range(rng, 1.25, 1.5));
    docw = dg_rng_range(rng, fr_lo, fr_hi) * W;
    s = docw / flat->w;
    doch = flat->h * s;

    if (shots[cond].turn >= 180) {
        turn = dg_rng_range(rng, 0, 2 * M_PI);

    } else {
        turn = dg_rng_range(rng, -1, 1) * shots[cond].turn * M_PI / 180;
    }

    ks = shots[cond].keystone;
    c = cos(turn);
    sn = sin(turn);

    for (i = 0; i < 4; i++) {
        x = (i == 1 || i == 2 ? 0.5 : -0.5) * docw;
        y = (i >= 2 ? 0.5 : -0.5) * doch;

        if (ks > 0) {
            x += dg_rng_range(rng, -ks, ks) * docw;
            y += dg_rng_range(rng, -ks, ks) * doch;
        }

        q[i].x = x * c - y * sn;
        q[i].y = x * sn + y * c;
    }

    bx0 = bx1 = q[0].x;
    by0 = by1 = q[0].y;

    for (i = 1; i < 4; i++) {
        bx0 = fmin(bx0, q[i].x);
        bx1 = fmax(bx1, q[i].x);
        by0 = fmin(by0, q[i].y);
        by1 = fmax(by1, q[i].y);
    }

    /* at least 1.5 % of the frame clear on every side */
    if (by1 - by0 > 0.97 * H) {
        H = fmin(W, ceil((by1 - by0) / 0.97));
    }

    f = fmin(0.97 * W / (bx1 - bx0), 0.97 * H / (by1 - by0));

    if (f < 1) {
        for (i = 0; i < 4; i++) {
            q[i].x *= f;
            q[i].y *= f;
        }

        bx0 *= f;
        bx1 *= f;
        by0 *= f;
        by1 *= f;
    }

    mx = 0.015 * W;
    my = 0.015 * H;
    tx = dg_rng_range(rng, mx - bx0, W - mx - bx1);
    ty = dg_rng_range(rng, my - by0, H - my - by1);

    for (i = 0; i < 4; i++) {
        q[i].x += tx;
        q[i].y += ty;
    }

    *w = (int) W;
    *h = (int) H;

    return 0;
}


/* the projective map taking from[i] to to[i]: 8 equations, eliminated */
static int
homography(const pt_t from[4], const pt_t to[4], double hm[8])
{
    double  a[8][9], t, best, x, y, u, v, *r0, *r1;
    int     i, j, k, p;

    /* u = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), v likewise */
    for (i = 0; i < 4; i++) {
        x = from[i].x;
        y = from[i].y;
        u = to[i].x;
        v = to[i].y;
        r0 = a[2 * i];
        r1 = a[2 * i + 1];

        r0[0] = x;
        r0[1] = y;
        r0[2] = 1;
        r0[3] = r0[4] = r0[5] = 0;
        r0[6] = -x * u;
        r0[7] = -y * u;
        r0[8] = u;

        r1[0] = r1[1] = r1[2] = 0;
        r1[3] = x;
        r1[4] = y;
        r1[5] = 1;
        r1[6] = -x * v;
        r1[7] = -y * v;
        r1[8] = v;
    }

    for (k = 0; k < 8; k++) {
        p = k;
        best = fabs(a[k][k]);

        for (i = k + 1; i < 8; i++) {
            if (fabs(a[i][k]) > best) {
                best = fabs(a[i][k]);
                p = i;
            }
        }

        if (best < 1e-12) {
            return -1;
        }

        for (j = 0; j < 9; j++) {
            t = a[k][j];
            a[k][j] = a[p][j];
            a[p][j] = t;
        }

        for (i = 0; i < 8; i++) {
            if (i == k) {
                continue;
            }

            t = a[i][k] / a[k][k];

            for (j = k; j < 9; j++) {
                a[i][j] -= t * a[k][j];
            }
        }
    }

    for (k = 0; k < 8; k++) {
        hm[k] = a[k][8] / a[k][k];
    }

    return 0;
}


/* inverse mapping, bilinear; outside the document is transparent */
static void
warp(const dg_img_t *src, const pt_t q[4], const double hm[8],
    dg_img_t *dst)
{
    int             x, y, x0, y0, x1, y1, iu, iv, i, j, c, sx, sy;
    int             i00, i10, i01, i11;
    double          X, Y, den, u, v;
    float           fu, fv, wt, acc[4], a, w00, w01, w10, w11;
    const uint8_t  *sp, *sp2;
    uint8_t        *dp;

    x0 = y0 = INT32_MAX;
    x1 = y1 = INT32_MIN;

    for (i = 0; i < 4; i++) {
        x0 = (int) fmin(x0, floor(q[i].x) - 1);
        y0 = (int) fmin(y0, floor(q[i].y) - 1);
        x1 = (int) fmax(x1, ceil(q[i].x) + 1);
        y1 = (int) fmax(y1, ceil(q[i].y) + 1);
    }

    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > dst->w ? dst->w : x1;
    y1 = y1 > dst->h ? dst->h : y1;

    for (y = y0; y < y1; y++) {
        Y = y + 0.5;
        dp = dst->px + ((size_t) y * dst->w + x0) * 3;

        for (x = x0; x < x1; x++, dp += 3) {
            X = x + 0.5;
            den = hm[6] * X + hm[7] * Y + 1;
            u = (hm[0] * X + hm[1] * Y + hm[2]) / den - 0.5;
            v = (hm[3] * X + hm[4] * Y + hm[5]) / den - 0.5;

            if (u <= -1 || v <= -1 || u >= src->w || v >= src->h) {
                continue;
            }

            iu = (int) floor(u);
            iv = (int) floor(v);
            fu = (float) (u - iu);
            fv = (float) (v - iv);
            w00 = (1 - fu) * (1 - fv);
            w10 = fu * (1 - fv);
            w01 = (1 - fu) * fv;
            w11 = fu * fv;

            if (iu >= 0 && iv >= 0 && iu + 1 < src->w && iv + 1 < src->h) {
                /* inside, the common case: no bounds checks, and fixed
                   point while the document is opaque */
                sp = src->px + ((size_t) iv * src->w + iu) * 4;
                sp2 = sp + (size_t) src->w * 4;
                i00 = (int) (w00 * 65536 + 0.5f);
                i10 = (int) (w10 * 65536 + 0.5f);
                i01 = (int) (w01 * 65536 + 0.5f);
                i11 = 65536 - i00 - i10 - i01;

                if ((sp[3] & sp[7] & sp2[3] & sp2[7]) == 255) {
                    for (c = 0; c < 3; c++) {
                        dp[c] = (uint8_t) ((i00 * sp[c] + i10 * sp[4 + c]
                                            + i01 * sp2[c]
                                            + i11 * sp2[4 + c] + 32768)
                                           >> 16);
                    }

                    continue;
                }

                for (c = 0; c < 4; c++) {
                    acc[c] = w00 * sp[c] + w10 * sp[4 + c] + w01 * sp2[c]
                             + w11 * sp2[4 + c];
                }

            } else {
                acc[0] = acc[1] = acc[2] = acc[3] = 0;

                for (j = 0; j < 2; j++) {
                    sy = iv + j;

                    for (i = 0; i < 2; i++) {
                        sx = iu + i;

                        if (sx < 0 || sx >= src->w || sy < 0
                            || sy >= src->h)
                        {
                            continue;
                        }

                        wt = j == 0 ? (i == 0 ? w00 : w10)
                                    : (i == 0 ? w01 : w11);
                        sp = src->px + ((size_t) sy * src->w + sx) * 4;

                        for (c = 0; c < 4; c++) {
                            acc[c] += wt * sp[c];
                        }
                    }
                }
            }

            a = acc[3] / 255;

            if (a <= 0) {
                continue;
            }

            for (c = 0; c < 3; c++) {
                wt = acc[c] + dp[c] * (1 - a);
                dp[c] = (uint8_t) (wt > 255 ? 255 : wt + 0.5f);
            }
        }
    }
}


/*
 * Separable tent filter, as wide as the reduction: every source pixel
 * counts, so thin strokes survive as grey rather than vanish or alias.
 */
static int
resize(const dg_img_t *src, int dw, int dh, dg_img_t *dst)
{
    int            *hidx, *vidx, hn, vn, x, y, k, c;
    float          *hwt, *vwt, *row, acc[4], wk;
    uint8_t        *tmp, *tp, *dp;
    const uint8_t  *sp;

    hidx = vidx = NULL;
    hwt = vwt = NULL;

    memset(dst, 0, sizeof(dg_img_t));
    dst->w = dw;
    dst->h = dh;
    dst->nc = 4;
    dst->px = malloc((size_t) dw * dh * 4);
    tmp = malloc((size_t) dw * src->h * 4);
    row = malloc((size_t) dw * 4 * sizeof(float));

    if (dst->px == NULL || tmp == NULL || row == NULL
        || resize_taps(src->w, dw, &hidx, &hwt, &hn) != 0
        || resize_taps(src->h, dh, &vidx, &vwt, &vn) != 0)
    {
        free(hidx);
        free(hwt);
        free(vidx);
        free(vwt);
        free(tmp);
        free(row);
        dg_img_free(dst);
        return -1;
    }

    for (y = 0; y < src->h; y++) {
        sp = src->px + (size_t) y * src->w * 4;
        tp = tmp + (size_t) y * dw * 4;

        for (x = 0; x < dw; x++) {
            acc[0] = acc[1] = acc[2] = acc[3] = 0;

            for (k = 0; k < hn; k++) {
                for (c = 0; c < 4; c++) {
                    acc[c] += hwt[x * hn + k] * sp[hidx[x * hn + k] * 4 + c];
                }
            }

            for (c = 0; c < 4; c++) {
                tp[x * 4 + c] = (uint8_t) (acc[c] > 255 ? 255
                                           : acc[c] + 0.5f);
            }
        }
    }

    /* columns a row at a time: whole rows of tmp, read in order */
    for (y = 0; y < dh; y++) {
        dp = dst->px + (size_t) y * dw * 4;
        memset(row, 0, (size_t) dw * 4 * sizeof(float));

        for (k = 0; k < vn; k++) {
            wk = vwt[y * vn + k];
            tp = tmp + (size_t) vidx[y * vn + k] * dw * 4;

            for (x = 0; x < dw * 4; x++) {
                row[x] += wk * tp[x];
            }
        }

        for (x = 0; x < dw * 4; x++) {
            dp[x] = (uint8_t) (row[x] > 255 ? 255 : row[x] + 0.5f);
        }
    }

    free(hidx);
    free(hwt);
    free(vidx);
    free(vwt);
    free(tmp);
    free(row);

    return 0;
}


static int
resize_taps(int sn, int dn, int **idx, float **wt, int *ntaps)
{
    double  scale, support, centre, x, w, sum;
    int     n, d, k, lo, i;

    scale = (double) dn / sn;
    support = scale < 1 ? 1 / scale : 1;
    n = (int) ceil(2 * support) + 2;

    *idx = malloc((size_t) dn * n * sizeof(int));
    *wt = malloc((size_t) dn * n * sizeof(float));

    if (*idx == NULL || *wt == NULL) {
        return -1;
    }

    for (d = 0; d < dn; d++) {
        centre = (d + 0.5) / scale;
        lo = (int) floor(centre - support);
        sum = 0;

        for (k = 0; k < n; k++) {
            i = lo + k;
            x = fabs(i + 0.5 - centre) / support;
            w = x < 1 ? 1 - x : 0;
            sum += w;
            (*idx)[d * n + k] = i < 0 ? 0 : i >= sn ? sn - 1 : i;
            (*wt)[d * n + k] = (float) w;
        }

        for (k = 0; k < n; k++) {
            (*wt)[d * n + k] = (float) ((*wt)[d * n + k] / sum);
        }
    }

    *ntaps = n;

    return 0;
}


int
dg_write(const dg_img_t *img, const char *path, int quality)
{
    PIX        *pix;
    l_uint32   *data, *line;
    int         wpl, x, y, rc;
    uint8_t    *p;

    pix = pixCreate(img->w, img->h, 32);

    if (pix == NULL) {
        return -1;
    }

    pixSetSpp(pix, 3);
    data = pixGetData(pix);
    wpl = pixGetWpl(pix);

    for (y = 0; y < img->h; y++) {
        line = data + (size_t) y * wpl;
        p = img->px + (size_t) y * img->w * 3;

        for (x = 0; x < img->w; x++, p += 3) {
            line[x] = (l_uint32) p[0] << L_RED_SHIFT
                      | (l_uint32) p[1] << L_GREEN_SHIFT
                      | (l_uint32) p[2] << L_BLUE_SHIFT;
        }
    }

    if (quality == 0) {
        rc = pixWritePng(path, pix, 0);

    } else {
        rc = pixWriteJpeg(path, pix, quality, 0);
    }

    pixDestroy(&pix);

    return rc == 0 ? 0 : -1;
}
