
/*
 * docgen: what surrounds the document and what the camera adds
 * (docgen.h): tables and textures, light, blur, noise. Each works on a
 * whole RGB frame with plain loops; the blur is separable and the noise
 * comes from a table, since these run on every pixel of every photo.
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "docgen.h"


#define GAUSS_BITS  12
#define GAUSS_N     (1 << GAUSS_BITS)


static uint32_t dim_colour(dg_rng_t *rng, double limit);


/* tables: wood, greys, dark blue and green; luminance at most 150 */
static const uint32_t  table_colours[] = {
    0x78503a, 0x644128, 0x8c5f3c, 0x5a3c2d, 0x6e6e6e, 0x505255, 0x8c8c8a,
    0x3c3c3e, 0x1e2d50, 0x283c64, 0x1e4632, 0x2d553c
};


static float  gauss_table[GAUSS_N];


void
dg_effects_init(void)
{
    dg_rng_t  r;
    int       i;

    /* fixed: the table is part of the program, not of a run */
    r.s = 0x6a09e667f3bcc908ULL;

    for (i = 0; i < GAUSS_N; i++) {
        gauss_table[i] = (float) dg_rng_gauss(&r);
    }
}


double
dg_luminance(uint32_t c)
{
    return 0.299 * (c >> 16 & 0xff) + 0.587 * (c >> 8 & 0xff)
           + 0.114 * (c & 0xff);
}


uint32_t
dg_plain_colour(dg_rng_t *rng)
{
    uint32_t  c;
    int       ch[3], i;
    double    lum, f;

    c = table_colours[dg_rng_int(rng, 0, (int) (sizeof(table_colours)
                                 / sizeof(table_colours[0])) - 1)];

    for (i = 0; i < 3; i++) {
        ch[i] = (int) (c >> (16 - 8 * i) & 0xff) + dg_rng_int(rng, -8, 8);
        ch[i] = ch[i] < 0 ? 0 : ch[i] > 255 ? 255 : ch[i];
    }

    c = (uint32_t) (ch[0] << 16 | ch[1] << 8 | ch[2]);
    lum = dg_luminance(c);

    if (lum > 150) {
        f = 150 / lum;

        for (i = 0; i < 3; i++) {
            ch[i] = (int) (ch[i] * f);
        }

        c = (uint32_t) (ch[0] << 16 | ch[1] << 8 | ch[2]);
    }

    return c;
}


/* a random colour whose luminance is below limit */
static uint32_t
dim_colour(dg_rng_t *rng, double limit)
{
    int     ch[3], i;
    double  lum, f;

    for (i = 0; i < 3; i++) {
        ch[i] = dg_rng_int(rng, 20, 230);
    }

    lum = 0.299 * ch[0] + 0.587 * ch[1] + 0.114 * ch[2];
    f = dg_rng_range(rng, 0.35, 0.98) * limit / lum;

    if (f < 1) {
        for (i = 0; i < 3; i++) {
            ch[i] = (int) (ch[i] * f);
        }
    }

    return (uint32_t) (ch[0] << 16 | ch[1] << 8 | ch[2]);
}


void
dg_fill_plain(dg_img_t *img, uint32_t c)
{
    size_t    i, n;
    uint8_t  *p;

    n = (size_t) img->w * img->h;
    p = img->px;

    for (i = 0; i < n; i++, p += 3) {
        p[0] = (uint8_t) (c >> 16);
        p[1] = (uint8_t) (c >> 8);
        p[2] = (uint8_t) c;
    }
}


/*
 * Checkerboard, stripes, wood grain or a cloth weave, turned at random,
 * in two colours each darker than 75 % of the document: busy, but never
 * brighter than the paper.
 */
void
dg_fill_pattern(dg_img_t *img, dg_rng_t *rng, double limit)
{
    uint32_t  c1, c2;
    int       kind, x, y, i, j, k;
    double    a, ca, sa, u, v, t, p, ph1, ph2, fu, fv, shade, col[2][3];
    uint8_t  *dp;

    c1 = dim_colour(rng, limit);
    c2 = dim_colour(rng, limit);

    for (k = 0; k < 3; k++) {
        col[0][k] = c1 >> (16 - 8 * k) & 0xff;
        col[1][k] = c2 >> (16 - 8 * k) & 0xff;
    }

    kind = dg_rng_int(rng, 0, 3);
    a = dg_rng_range(rng, 0, M_PI);
    ca = cos(a);
    sa = sin(a);
    p = kind == 0 ? dg_rng_range(rng, 25, 90)
        : kind == 1 ? dg_rng_range(rng, 16, 60)
        : kind == 2 ? dg_rng_range(rng, 10, 28)
        : dg_rng_range(rng, 5, 12);
    ph1 = dg_rng_range(rng, 0, 2 * M_PI);
    ph2 = dg_rng_range(rng, 0, 2 * M_PI);

    for (y = 0; y < img->h; y++) {
        dp = img->px + (size_t) y * img->w * 3;

        for (x = 0; x < img->w; x++, dp += 3) {
            u = x * ca + y * sa;
            v = -x * sa + y * ca;
            shade = 1;

            switch (kind) {

            case 0:
                t = 0.5 + 3 * sin(M_PI * u / p) * sin(M_PI * v / p);
                break;

            case 1:
                t = 0.5 + 2.5 * sin(2 * M_PI * u / p);
                break;

            case 2:
                t = v + 6 * sin(u / 150 + ph1) + 3 * sin(u / 47 + ph2);
                t = 0.5 + 0.5 * sin(2 * M_PI * t / p);
                t = t * t * t;
                break;

            default:
                /* threads over and under: the visible one shaded across */
                i = (int) floor(u / p);
                j = (int) floor(v / p);
                fu = u / p - i;
                fv = v / p - j;

                if (((i + j) & 1) == 0) {
                    t = 0;
                    shade = 0.65 + 0.35 * sin(M_PI * fv);

                } else {
                    t = 1;
                    shade = 0.65 + 0.35 * sin(M_PI * fu);
                }

                break;
            }

            t = t < 0 ? 0 : t > 1 ? 1 : t;

            for (k = 0; k < 3; k++) {
                dp[k] = (uint8_t) ((col[0][k] * (1 - t) + col[1][k] * t)
                                   * shade + 0.5);
            }
        }
    }
}


/*
 * value = (gradient along the angle, g_lo to g_hi across the frame)
 *         * (1 - v_k * (r / r_max)^2) + blob; the blob is separable, so
 * its exponentials are two rows of tables.
 */
void
dg_light(dg_img_t *img, const dg_light_t *lt)
{
    double    dx, dy, pmin, pmax, rmax2, t;
    float    *tab, *ex, *gx, *vx, gy, vy, ey, span, m, val, k;
    int       x, y, c;
    uint8_t  *p;

    /* per column: the blob's exponential, the gradient, the falloff */
    tab = malloc((size_t) img->w * 3 * sizeof(float));

    if (tab == NULL) {
        return;
    }

    ex = tab;
    gx = tab + img->w;
    vx = tab + 2 * img->w;

    dx = cos(lt->g_angle);
    dy = sin(lt->g_angle);
    pmin = fmin(0, dx * img->w) + fmin(0, dy * img->h);
    pmax = fmax(0, dx * img->w) + fmax(0, dy * img->h);
    t = fmax(lt->v_cx, img->w - lt->v_cx);
    rmax2 = t * t;
    t = fmax(lt->v_cy, img->h - lt->v_cy);
    rmax2 += t * t;
    span = (float) ((lt->g_hi - lt->g_lo) / (pmax - pmin));
    k = (float) (lt->v_k / rmax2);

    for (x = 0; x < img->w; x++) {
        t = x + 0.5 - lt->h_cx;
        ex[x] = (float) (lt->h_amp
                         * exp(-t * t / (2 * lt->h_sigma * lt->h_sigma)));
        gx[x] = (float) ((x + 0.5) * dx - pmin);
        t = x + 0.5 - lt->v_cx;
        vx[x] = (float) (t * t);
    }

    for (y = 0; y < img->h; y++) {
        p = img->px + (size_t) y * img->w * 3;
        t = y + 0.5 - lt->h_cy;
        ey = (float) exp(-t * t / (2 * lt->h_sigma * lt->h_sigma));
        gy = (float) ((y + 0.5) * dy);
        t = y + 0.5 - lt->v_cy;
        vy = (float) (t * t);

        for (x = 0; x < img->w; x++, p += 3) {
            m = ((float) lt->g_lo + span * (gx[x] + gy))
                * (1 - k * (vx[x] + vy));

            for (c = 0; c < 3; c++) {
                val = p[c] * m + ex[x] * ey;
                p[c] = (uint8_t) (val < 0 ? 0 : val > 255 ? 255
                                  : val + 0.5f);
            }
        }
    }

    free(tab);
}


/* gaussian, separable: rows into floats, then columns row by row */
int
dg_blur(dg_img_t *img, double sigma)
{
    int       r, n, x, y, k, c, w3, yy;
    float    *kern, *tmp, *pad, *acc, s;
    uint8_t  *p;

    r = (int) ceil(3 * sigma);
    n = 2 * r + 1;
    w3 = img->w * 3;

    kern = malloc(n * sizeof(float));
    tmp = malloc((size_t) w3 * img->h * sizeof(float));
    pad = malloc((size_t) (img->w + 2 * r) * 3 * sizeof(float));
    acc = malloc((size_t) w3 * sizeof(float));

    if (kern == NULL || tmp == NULL || pad == NULL || acc == NULL) {
        free(kern);
        free(tmp);
        free(pad);
        free(acc);
        return -1;
    }

    s = 0;
    for (k = 0; k < n; k++) {
        kern[k] = (float) exp(-(double) (k - r) * (k - r)
                              / (2 * sigma * sigma));
        s += kern[k];
    }

    for (k = 0; k < n; k++) {
        kern[k] /= s;
    }

    for (y = 0; y < img->h; y++) {
        p = img->px + (size_t) y * w3;

        /* the edge pixels repeated r times either side */
        for (x = -r; x < img->w + r; x++) {
            k = x < 0 ? 0 : x >= img->w ? img->w - 1 : x;

            for (c = 0; c < 3; c++) {
                pad[(x + r) * 3 + c] = p[k * 3 + c];
            }
        }

        for (x = 0; x < w3; x++) {
            s = 0;

            for (k = 0; k < n; k++) {
                s += kern[k] * pad[x + k * 3];
            }

            tmp[(size_t) y * w3 + x] = s;
        }
    }

    for (y = 0; y < img->h; y++) {
        memset(acc, 0, (size_t) w3 * sizeof(float));

        for (k = 0; k < n; k++) {
            yy = y + k - r;
            yy = yy < 0 ? 0 : yy >= img->h ? img->h - 1 : yy;

            for (x = 0; x < w3; x++) {
                acc[x] += kern[k] * tmp[(size_t) yy * w3 + x];
            }
        }

        p = img->px + (size_t) y * w3;

        for (x = 0; x < w3; x++) {
            p[x] = (uint8_t) (acc[x] > 255 ? 255 : acc[x] + 0.5f);
        }
    }

    free(kern);
    free(tmp);
    free(pad);
    free(acc);

    return 0;
}


/*
 * Gaussian noise from a fixed table indexed by random bits (one 64-bit
 * draw a pixel: three 12-bit indexes, 28 bits for salt and pepper): a
 * camera's noise, at a fraction of Box-Muller's cost.
 */
void
dg_noise(dg_img_t *img, dg_rng_t *rng, double sd, double sp)
{
    size_t    i, n;
    uint64_t  r, thr;
    uint8_t  *p;
    int       c;
    double    v;

    n = (size_t) img->w * img->h;
    p = img->px;
    thr = (uint64_t) (sp * (1 << 28));

    for (i = 0; i < n; i++, p += 3) {
        r = dg_rng_next(rng);

        if ((r >> 36 & 0xfffffff) < thr) {
            /* the indexes are unused here: bit 0 picks salt or pepper */
            p[0] = p[1] = p[2] = (r & 1) != 0 ? 255 : 0;
            continue;
        }

        for (c = 0; c < 3; c++) {
            v = p[c] + sd * gauss_table[r >> (GAUSS_BITS * c)
                                        & (GAUSS_N - 1)];
            p[c] = (uint8_t) (v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
        }
    }
}
