
/*
 * docgen: a document drawn flat (docgen.h).
 *
 * Each document is two tables, its drawings and its lines of text, in
 * millimetres from its top-left corner with the baseline of each line;
 * the drawing code knows no coordinates of its own. Shapes come first,
 * then text, then what is stamped over the text (the seal), and last the
 * card's corners are cut round.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docgen.h"


#define LABEL_BLUE  0x2864aa
#define INK         0x141414
#define EMBLEM_RED  0xc81e1e
#define FRAME_RED   0x8c3223
#define SEAL_RED    0xd42424

#define NELEMS(a)  (sizeof(a) / sizeof((a)[0]))


typedef struct {
    double          x;
    double          y;
} pt_t;


static void fill_rect(dg_img_t *img, double x0, double y0, double x1,
    double y1, uint32_t color, double alpha);
static void fill_ring(dg_img_t *img, double cx, double cy, double rin,
    double rout, uint32_t color, double alpha);
static void fill_ellipse(dg_img_t *img, double cx, double cy, double rx,
    double ry, uint32_t color, double alpha);
static void fill_polygon(dg_img_t *img, const pt_t *pts, int n,
    uint32_t color, double alpha);
static void fill_star(dg_img_t *img, double cx, double cy, double r,
    double turn, uint32_t color, double alpha);
static void draw_guilloche(dg_img_t *img, double ppmm, uint32_t bg,
    dg_rng_t *rng);
static void draw_photo(dg_img_t *img, const dg_shape_t *s, double ppmm,
    dg_rng_t *rng);
static void draw_emblem(dg_img_t *img, double cx, double cy, double r,
    uint32_t color, double alpha);
static void draw_frame(dg_img_t *img, const dg_layout_t *l,
    const dg_shape_t *s);
static void draw_qr(dg_img_t *img, const dg_shape_t *s, double ppmm,
    dg_rng_t *rng);
static void draw_shape(dg_img_t *img, const dg_layout_t *l,
    const dg_shape_t *s, dg_rng_t *rng);
static void round_corners(dg_img_t *img, double r);


static const dg_shape_t  id_front_shapes[] = {
    { DG_S_GUILLOCHE, 0, 0, 85.6, 54, 0, 0 },
    { DG_S_PHOTO, 56, 7, 81, 40, 0, 0 },
};

static const dg_text_t  id_front_texts[] = {
    { "姓名", 0, DG_FONT_LABEL, 6, 11, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { "性别", 0, DG_FONT_LABEL, 6, 18, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { "民族", 0, DG_FONT_LABEL, 27, 18, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { "出生", 0, DG_FONT_LABEL, 6, 25, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { "住址", 0, DG_FONT_LABEL, 6, 32, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { "公民身份号码", 0, DG_FONT_LABEL, 6, 48.5, 2.6, 0, 0, 0, 1,
      LABEL_BLUE, 0 },
    { "年", 0, DG_FONT_LABEL, 26.5, 25, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { "月", 0, DG_FONT_LABEL, 34.5, 25, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { "日", 0, DG_FONT_LABEL, 42.5, 25, 2.6, 0, 0, 0, 1, LABEL_BLUE, 0 },
    { NULL, DG_F_NAME, DG_FONT_VALUE, 17, 11, 3.2, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_SEX, DG_FONT_VALUE, 17, 18, 3.2, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_ETHNICITY, DG_FONT_VALUE, 37, 18, 3.2, 0, 0, 0, 1, INK,
      0 },
    { NULL, DG_F_BIRTH_Y, DG_FONT_VALUE, 17, 25, 3.2, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_BIRTH_M, DG_FONT_VALUE, 30.5, 25, 3.2, 0, 0, 0, 1, INK,
      0 },
    { NULL, DG_F_BIRTH_D, DG_FONT_VALUE, 38.5, 25, 3.2, 0, 0, 0, 1, INK,
      0 },
    { NULL, DG_F_ADDRESS, DG_FONT_VALUE, 17, 32, 3.2, 0, 54, 4.5, 3, INK,
      DG_SHRINK },
    { NULL, DG_F_ID_NUMBER, DG_FONT_OCRB, 28.5, 48.5, 3.6, 0.35, 0, 0, 1,
      INK, 0 },
};

static const dg_shape_t  id_back_shapes[] = {
    { DG_S_GUILLOCHE, 0, 0, 85.6, 54, 0, 0 },
    { DG_S_EMBLEM, 6, 5, 21, 20, EMBLEM_RED, 0 },
};

static const dg_text_t  id_back_texts[] = {
    { "中华人民共和国", 0, DG_FONT_LABEL, 28, 14, 4.6, 0.6, 0, 0, 1, INK,
      DG_BOLD },
    { "居民身份证", 0, DG_FONT_VALUE, 28, 27, 7, 1.6, 0, 0, 1, INK, 0 },
    { "签发机关", 0, DG_FONT_LABEL, 13, 43, 2.6, 0, 0, 0, 1, LABEL_BLUE,
      0 },
    { "有效期限", 0, DG_FONT_LABEL, 13, 49.5, 2.6, 0, 0, 0, 1, LABEL_BLUE,
      0 },
    { NULL, DG_F_AUTHORITY, DG_FONT_VALUE, 28, 43, 3.0, 0, 0, 0, 1, INK,
      0 },
    { NULL, DG_F_VALIDITY, DG_FONT_VALUE, 28, 49.5, 3.0, 0, 0, 0, 1, INK,
      0 },
};

static const dg_shape_t  licence_shapes[] = {
    { DG_S_FRAME, 8, 8, 289, 202, FRAME_RED, 0 },
    { DG_S_EMBLEM, 136.5, 15, 160.5, 39, EMBLEM_RED, 0 },
    { DG_S_QR, 245, 14, 273, 42, INK, 0 },
    { DG_S_SEAL, 224, 162, 256, 194, SEAL_RED, 1 },
};

static const dg_text_t  licence_texts[] = {
    { "营业执照", 0, DG_FONT_LABEL, 148.5, 60, 16, 8, 0, 0, 1, INK,
      DG_BOLD | DG_CENTER },
    { "统一社会信用代码", 0, DG_FONT_LABEL, 24, 30, 4.5, 0, 0, 0, 1, INK,
      0 },
    { NULL, DG_F_CODE, DG_FONT_VALUE, 24, 38, 5, 0, 0, 0, 1, INK, 0 },
    { "名称", 0, DG_FONT_LABEL, 28, 82, 4.5, 0, 0, 0, 1, INK, 0 },
    { "类型", 0, DG_FONT_LABEL, 28, 96, 4.5, 0, 0, 0, 1, INK, 0 },
    { "法定代表人", 0, DG_FONT_LABEL, 28, 110, 4.5, 0, 0, 0, 1, INK, 0 },
    { "经营范围", 0, DG_FONT_LABEL, 28, 124, 4.5, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_CO_NAME, DG_FONT_VALUE, 58, 82, 4.5, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_TYPE, DG_FONT_VALUE, 58, 96, 4.5, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_LEGAL, DG_FONT_VALUE, 58, 110, 4.5, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_SCOPE, DG_FONT_VALUE, 58, 124, 4.5, 0, 150, 8, 2, INK,
      DG_TRUNCATE },
    { "注册资本", 0, DG_FONT_LABEL, 158, 82, 4.5, 0, 0, 0, 1, INK, 0 },
    { "成立日期", 0, DG_FONT_LABEL, 158, 96, 4.5, 0, 0, 0, 1, INK, 0 },
    { "营业期限", 0, DG_FONT_LABEL, 158, 110, 4.5, 0, 0, 0, 1, INK, 0 },
    { "住所", 0, DG_FONT_LABEL, 158, 124, 4.5, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_CAPITAL, DG_FONT_VALUE, 188, 82, 4.5, 0, 0, 0, 1, INK,
      0 },
    { NULL, DG_F_ESTABLISHED, DG_FONT_VALUE, 188, 96, 4.5, 0, 0, 0, 1, INK,
      0 },
    { NULL, DG_F_TERM, DG_FONT_VALUE, 188, 110, 4.5, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_CO_ADDRESS, DG_FONT_VALUE, 188, 124, 4.5, 0, 282, 8, 2,
      INK, DG_SHRINK },
    { "登记机关", 0, DG_FONT_LABEL, 200, 178, 4.5, 0, 0, 0, 1, INK, 0 },
    { NULL, DG_F_ISSUED, DG_FONT_VALUE, 205, 192, 4.5, 0, 0, 0, 1, INK, 0 },
};

static const dg_layout_t  layouts[DG_NKINDS] = {
    { 85.6, 54, 3, 16, 0xf4f6f8, id_front_shapes, NELEMS(id_front_shapes),
      id_front_texts, NELEMS(id_front_texts) },
    { 85.6, 54, 3, 16, 0xf4f6f8, id_back_shapes, NELEMS(id_back_shapes),
      id_back_texts, NELEMS(id_back_texts) },
    { 297, 210, 0, 6, 0xfaf8f2, licence_shapes, NELEMS(licence_shapes),
      licence_texts, NELEMS(licence_texts) },
};


const dg_layout_t *
dg_layout(int kind)
{
    return &layouts[kind];
}


int
dg_render(dg_fonts_t *f, const dg_doc_t *doc, dg_rng_t *rng,
    dg_img_t *out)
{
    const dg_layout_t  *l;
    const dg_text_t    *t;
    size_t              i, n;
    uint8_t            *p;
    uint32_t            bg;
    int                 pass, r, g, b;

    l = &layouts[doc->kind];

    out->w = (int) lround(l->w_mm * l->ppmm);
    out->h = (int) lround(l->h_mm * l->ppmm);
    out->nc = 4;
    out->px = malloc((size_t) out->w * out->h * 4);

    if (out->px == NULL) {
        return -1;
    }

    out->cx0 = 0;
    out->cy0 = 0;
    out->cx1 = out->w;
    out->cy1 = out->h;

    /* cards differ a little in tint from batch to batch */
    bg = l->background;
    r = (int) (bg >> 16 & 0xff) + dg_rng_int(rng, -3, 3);
    g = (int) (bg >> 8 & 0xff) + dg_rng_int(rng, -3, 3);
    b = (int) (bg & 0xff) + dg_rng_int(rng, -3, 3);
    r = r > 255 ? 255 : r;
    g = g > 255 ? 255 : g;
    b = b > 255 ? 255 : b;
    bg = (uint32_t) (r << 16 | g << 8 | b);

    n = (size_t) out->w * out->h;
    p = out->px;

    for (i = 0; i < n; i++) {
        p[0] = (uint8_t) r;
        p[1] = (uint8_t) g;
        p[2] = (uint8_t) b;
        p[3] = 255;
        p += 4;
    }

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < l->nshapes; i++) {
            if (l->shapes[i].over_text != pass) {
                continue;
            }

            if (l->shapes[i].kind == DG_S_GUILLOCHE) {
                draw_guilloche(out, l->ppmm, bg, rng);

            } else {
                draw_shape(out, l, &l->shapes[i], rng);
            }
        }

        if (pass == 1) {
            break;
        }

        for (i = 0; i < l->ntexts; i++) {
            t = &l->texts[i];

            if (dg_text(out, f, l->ppmm, t,
                        t->text != NULL ? t->text : doc->print[t->field])
                != 0)
            {
                dg_img_free(out);
                return -1;
            }
        }
    }

    if (l->radius_mm > 0) {
        round_corners(out, l->radius_mm * l->ppmm);
    }

    return 0;
}


static void
draw_shape(dg_img_t *img, const dg_layout_t *l, const dg_shape_t *s,
    dg_rng_t *rng)
{
    double  k, cx, cy, r;

    k = l->ppmm;
    cx = (s->x0 + s->x1) / 2 * k;
    cy = (s->y0 + s->y1) / 2 * k;
    r = (s->x1 - s->x0) / 2 * k;

    switch (s->kind) {

    case DG_S_PHOTO:
        draw_photo(img, s, k, rng);
        break;

    case DG_S_EMBLEM:
        draw_emblem(img, cx, cy, r, s->color, 1.0);
        break;

    case DG_S_FRAME:
        draw_frame(img, l, s);
        break;

    case DG_S_QR:
        draw_qr(img, s, k, rng);
        break;

    case DG_S_SEAL:
        /* ink, not paint: what is under it shows through */
        fill_ring(img, cx, cy, r - 1.0 * k, r, s->color, 0.72);
        fill_ring(img, cx, cy, r - 1.6 * k, r - 1.3 * k, s->color, 0.72);
        fill_star(img, cx, cy, r * 0.3, 0, s->color, 0.72);
        break;

    default:
        break;
    }
}


/*
 * Faint sine waves in two crossing families, at most 25 levels darker
 * than the card: enough to trouble a binarisation, as the real print does.
 */
static void
draw_guilloche(dg_img_t *img, double ppmm, uint32_t bg, dg_rng_t *rng)
{
    int       fam, i, n, x, y, y0, y1, a, r, g, b;
    double    amp, wave, phase, base, half, yc, slope, cov, w2;
    uint32_t  color;

    r = bg >> 16 & 0xff;
    g = bg >> 8 & 0xff;
    b = bg & 0xff;

    for (fam = 0; fam < 2; fam++) {
        if (fam == 0) {
            color = (uint32_t) ((r - 24) << 16 | (g - 14) << 8 | (b - 4));

        } else {
            color = (uint32_t) ((r - 4) << 16 | (g - 22) << 8 | (b - 14));
        }

        n = dg_rng_int(rng, 6, 9);
        wave = dg_rng_range(rng, 18, 40) * ppmm;
        amp = dg_rng_range(rng, 1.5, 4) * ppmm;
        phase = dg_rng_range(rng, 0, 2 * M_PI);
        w2 = 0.06 * ppmm;

        for (i = 0; i < n; i++) {
            base = (i + 0.5) * img->h / n;

            for (x = 0; x < img->w; x++) {
                yc = base + amp * sin(2 * M_PI * (x + 0.5) / wave + phase
                                      + (fam == 0 ? 0 : M_PI));
                slope = amp * 2 * M_PI / wave
                        * cos(2 * M_PI * (x + 0.5) / wave + phase);
                half = w2 * sqrt(1 + slope * slope);
                y0 = (int) floor(yc - half - 1);
                y1 = (int) ceil(yc + half + 1);

                for (y = y0; y <= y1; y++) {
                    cov = half + 0.5 - fabs(y + 0.5 - yc);
                    cov = cov < 0 ? 0 : cov > 1 ? 1 : cov;
                    a = (int) (cov * 255 + 0.5);

                    if (a > 0 && y >= 0 && y < img->h) {
                        dg_blend(img, x, y, color, a);
                    }
                }
            }
        }
    }
}


/* a portrait's stand-in: light ground, a head, hair and shoulders */
static void
draw_photo(dg_img_t *img, const dg_shape_t *s, double k, dg_rng_t *rng)
{
    double    x0, y0, x1, y1, cx, tone;
    uint32_t  ground, skin, hair, coat;
    int       gl, t, h, c;

    x0 = s->x0 * k;
    y0 = s->y0 * k;
    x1 = s->x1 * k;
    y1 = s->y1 * k;
    cx = (x0 + x1) / 2 + dg_rng_range(rng, -1, 1) * k;

    gl = dg_rng_int(rng, 236, 252);
    ground = dg_rng_unit(rng) < 0.7
             ? (uint32_t) (gl << 16 | gl << 8 | gl)
             : (uint32_t) ((gl - 22) << 16 | (gl - 10) << 8 | 255);

    tone = dg_rng_range(rng, 0.85, 1.15);
    t = (int) (150 * tone);
    t = t > 200 ? 200 : t;
    skin = (uint32_t) ((t + 12) << 16 | (t + 2) << 8 | (t - 8));
    h = dg_rng_int(rng, 20, 70);
    hair = (uint32_t) (h << 16 | h << 8 | h);
    c = dg_rng_int(rng, 30, 110);
    coat = (uint32_t) (c << 16 | c << 8 | (c + 15));

    fill_rect(img, x0, y0, x1, y1, ground, 1.0);

    img->cx0 = (int) ceil(x0);
    img->cy0 = (int) ceil(y0);
    img->cx1 = (int) floor(x1);
    img->cy1 = (int) floor(y1);

    fill_ellipse(img, cx, y1 + 2 * k, 12.5 * k, 10.5 * k, coat, 1.0);
    fill_rect(img, cx - 2.1 * k, y0 + 18 * k, cx + 2.1 * k, y0 + 25 * k,
              skin, 1.0);
    fill_ellipse(img, cx, y0 + 11.5 * k, 6.2 * k, 7.2 * k, hair, 1.0);
    fill_ellipse(img, cx, y0 + 13.5 * k, 5.2 * k, 6.6 * k, skin, 1.0);

    img->cx0 = 0;
    img->cy0 = 0;
    img->cx1 = img->w;
    img->cy1 = img->h;
}


/* a ring, a large star with four small ones, a gate: red, emblem-like */
static void
draw_emblem(dg_img_t *img, double cx, double cy, double r, uint32_t color,
    double alpha)
{
    static const double  angles[4] = { -160, -120, -60, -20 };
    double               sx, sy, a;
    int                  i;
    pt_t                 roof[4];

    fill_ring(img, cx, cy, r * 0.90, r, color, alpha);
    fill_ring(img, cx, cy, r * 0.80, r * 0.84, color, alpha);

    sx = cx;
    sy = cy - 0.2 * r;
    fill_star(img, sx, sy, 0.26 * r, 0, color, alpha);

    for (i = 0; i < 4; i++) {
        a = angles[i] * M_PI / 180;
        fill_star(img, sx + 0.44 * r * cos(a), sy + 0.36 * r * sin(a),
                  0.09 * r, angles[i] + 90, color, alpha);
    }

    roof[0].x = cx - 0.40 * r;
    roof[0].y = cy + 0.24 * r;
    roof[1].x = cx + 0.40 * r;
    roof[1].y = cy + 0.24 * r;
    roof[2].x = cx + 0.30 * r;
    roof[2].y = cy + 0.14 * r;
    roof[3].x = cx - 0.30 * r;
    roof[3].y = cy + 0.14 * r;
    fill_polygon(img, roof, 4, color, alpha);

    fill_rect(img, cx - 0.34 * r, cy + 0.24 * r, cx + 0.34 * r,
              cy + 0.40 * r, color, alpha);
    fill_rect(img, cx - 0.56 * r, cy + 0.44 * r, cx + 0.56 * r,
              cy + 0.52 * r, color, alpha);
}


/* the licence's double frame: a heavy outer line and a thin inner one */
static void
draw_frame(dg_img_t *img, const dg_layout_t *l, const dg_shape_t *s)
{
    double  k, in, t, x0, y0, x1, y1;
    int     i;

    k = l->ppmm;

    for (i = 0; i < 2; i++) {
        in = i == 0 ? 0 : 2;        /* 8 mm and 10 mm from the edge */
        t = (i == 0 ? 1.0 : 0.35) * k;
        x0 = (s->x0 + in) * k;
        y0 = (s->y0 + in) * k;
        x1 = (s->x1 - in) * k;
        y1 = (s->y1 - in) * k;

        fill_rect(img, x0, y0, x1, y0 + t, s->color, 1.0);
        fill_rect(img, x0, y1 - t, x1, y1, s->color, 1.0);
        fill_rect(img, x0, y0, x0 + t, y1, s->color, 1.0);
        fill_rect(img, x1 - t, y0, x1, y1, s->color, 1.0);
    }
}


/* 25 x 25 modules with a QR code's three finder squares */
static void
draw_qr(dg_img_t *img, const dg_shape_t *s, double k, dg_rng_t *rng)
{
    double  m;
    int     i, j, fi, fj, dark, d, finder;

    m = (s->x1 - s->x0) * k / 25;

    for (j = 0; j < 25; j++) {
        for (i = 0; i < 25; i++) {
            finder = (i < 8 || i >= 17) && (j < 8 || j >= 17)
                     && (i < 17 || j < 17);

            if (finder == 1) {
                /* a finder is 7 x 7 (ring, gap, centre) with a light
                   separator towards the code's inside */
                fi = i < 8 ? i : i - 18;
                fj = j < 8 ? j : j - 18;

                if (fi < 0 || fi > 6 || fj < 0 || fj > 6) {
                    continue;
                }

                d = abs(fi - 3) > abs(fj - 3) ? abs(fi - 3) : abs(fj - 3);
                dark = d != 2;

            } else {
                dark = dg_rng_unit(rng) < 0.5;
            }

            if (dark == 1) {
                fill_rect(img, s->x0 * k + i * m, s->y0 * k + j * m,
                          s->x0 * k + (i + 1) * m, s->y0 * k + (j + 1) * m,
                          s->color, 1.0);
            }
        }
    }
}


/* the card's corners: transparent outside a quarter circle of radius r */
static void
round_corners(dg_img_t *img, double r)
{
    int       x, y, c, px, py, n;
    double    cx, cy, d, cov;
    uint8_t  *p;

    n = (int) ceil(r);

    for (c = 0; c < 4; c++) {
        cx = (c & 1) == 0 ? r : img->w - r;
        cy = (c & 2) == 0 ? r : img->h - r;

        for (y = 0; y < n; y++) {
            for (x = 0; x < n; x++) {
                px = (c & 1) == 0 ? x : img->w - 1 - x;
                py = (c & 2) == 0 ? y : img->h - 1 - y;
                d = hypot(px + 0.5 - cx, py + 0.5 - cy);

                if ((px + 0.5 - cx) * ((c & 1) == 0 ? 1 : -1) > 0
                    || (py + 0.5 - cy) * ((c & 2) == 0 ? 1 : -1) > 0)
                {
                    continue;
                }

                cov = r - d + 0.5;
                if (cov >= 1) {
                    continue;
                }

                cov = cov < 0 ? 0 : cov;
                p = img->px + ((size_t) py * img->w + px) * 4;
                p[0] = (uint8_t) (p[0] * cov + 0.5);
                p[1] = (uint8_t) (p[1] * cov + 0.5);
                p[2] = (uint8_t) (p[2] * cov + 0.5);
                p[3] = (uint8_t) (p[3] * cov + 0.5);
            }
        }
    }
}


/* over, in premultiplied RGBA, of an opaque colour at coverage a/255 */
void
dg_blend(dg_img_t *img, int x, int y, uint32_t color, int a)
{
    uint8_t  *p;
    int       na;

    if (x < img->cx0 || y < img->cy0 || x >= img->cx1 || y >= img->cy1) {
        return;
    }

    p = img->px + ((size_t) y * img->w + x) * 4;
    na = 255 - a;

    p[0] = (uint8_t) (((color >> 16 & 0xff) * a + p[0] * na + 127) / 255);
    p[1] = (uint8_t) (((color >> 8 & 0xff) * a + p[1] * na + 127) / 255);
    p[2] = (uint8_t) (((color & 0xff) * a + p[2] * na + 127) / 255);
    p[3] = (uint8_t) ((255 * a + p[3] * na + 127) / 255);
}


/* fractional edges are covered in proportion */
static void
fill_rect(dg_img_t *img, double x0, double y0, double x1, double y1,
    uint32_t color, double alpha)
{
    int     x, y, ix0, iy0, ix1, iy1;
    double  cx, cy;

    ix0 = (int) floor(x0);
    iy0 = (int) floor(y0);
    ix1 = (int) ceil(x1);
    iy1 = (int) ceil(y1);

    for (y = iy0; y < iy1; y++) {
        cy = fmin(y + 1, y1) - fmax(y, y0);

        for (x = ix0; x < ix1; x++) {
            cx = fmin(x + 1, x1) - fmax(x, x0);
            dg_blend(img, x, y, color, (int) (cx * cy * alpha * 255 + 0.5));
        }
    }
}


/* a disc when rin < 0 */
static void
fill_ring(dg_img_t *img, double cx, double cy, double rin, double rout,
    uint32_t color, double alpha)
{
    int     x, y, x0, y0, x1, y1;
    double  d, a, b;

    x0 = (int) floor(cx - rout - 1);
    y0 = (int) floor(cy - rout - 1);
    x1 = (int) ceil(cx + rout + 1);
    y1 = (int) ceil(cy + rout + 1);

    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            d = hypot(x + 0.5 - cx, y + 0.5 - cy);
            a = rout - d + 0.5;
            b = d - rin + 0.5;
            a = a < 0 ? 0 : a > 1 ? 1 : a;
            b = b < 0 ? 0 : b > 1 ? 1 : b;

            if (a * b > 0) {
                dg_blend(img, x, y, color, (int) (a * b * alpha * 255 + 0.5));
            }
        }
    }
}


static void
fill_ellipse(dg_img_t *img, double cx, double cy, double rx, double ry,
    uint32_t color, double alpha)
{
    int     x, y, x0, y0, x1, y1;
    double  dx, dy, d, cov;

    x0 = (int) floor(cx - rx - 1);
    y0 = (int) floor(cy - ry - 1);
    x1 = (int) ceil(cx + rx + 1);
    y1 = (int) ceil(cy + ry + 1);

    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            dx = (x + 0.5 - cx) / rx;
            dy = (y + 0.5 - cy) / ry;

            /* roughly the distance in pixels outside the edge */
            d = (sqrt(dx * dx + dy * dy) - 1) * fmin(rx, ry);
            cov = 0.5 - d;
            cov = cov < 0 ? 0 : cov > 1 ? 1 : cov;

            if (cov > 0) {
                dg_blend(img, x, y, color, (int) (cov * alpha * 255 + 0.5));
            }
        }
    }
}


/* even-odd fill, 4 x 4 samples a pixel */
static void
fill_polygon(dg_img_t *img, const pt_t *pts, int n, uint32_t color,
    double alpha)
{
    int     x, y, x0, y0, x1, y1, i, j, sx, sy, in, hits;
    double  minx, miny, maxx, maxy, px, py;

    minx = maxx = pts[0].x;
    miny = maxy = pts[0].y;

    for (i = 1; i < n; i++) {
        minx = fmin(minx, pts[i].x);
        maxx = fmax(maxx, pts[i].x);
        miny = fmin(miny, pts[i].y);
        maxy = fmax(maxy, pts[i].y);
    }

    x0 = (int) floor(minx);
    y0 = (int) floor(miny);
    x1 = (int) ceil(maxx);
    y1 = (int) ceil(maxy);

    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            hits = 0;

            for (sy = 0; sy < 4; sy++) {
                for (sx = 0; sx < 4; sx++) {
                    px = x + (sx + 0.5) / 4;
                    py = y + (sy + 0.5) / 4;
                    in = 0;

                    for (i = 0, j = n - 1; i < n; j = i++) {
                        if ((pts[i].y > py) != (pts[j].y > py)
                            && px < (pts[j].x - pts[i].x) * (py - pts[i].y)
                                    / (pts[j].y - pts[i].y) + pts[i].x)
                        {
                            in ^= 1;
                        }
                    }

                    hits += in;
                }
            }

            if (hits > 0) {
                dg_blend(img, x, y, color, (int) (hits * alpha * 255 / 16
                                               + 0.5));
            }
        }
    }
}


/* a five-pointed star, one point up when turn is 0 (degrees) */
static void
fill_star(dg_img_t *img, double cx, double cy, double r, double turn,
    uint32_t color, double alpha)
{
    pt_t    pts[10];
    double  a, rr;
    int     i;

    for (i = 0; i < 10; i++) {
        a = (-90 + turn + i * 36) * M_PI / 180;
        rr = (i & 1) == 0 ? r : r * 0.382;
        pts[i].x = cx + rr * cos(a);
        pts[i].y = cy + rr * sin(a);
    }

    fill_polygon(img, pts, 10, color, alpha);
}
