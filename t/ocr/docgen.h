
/*
 * docgen: synthetic photos of Chinese documents, with their ground truth,
 * for measuring the OCR.
 *
 * The work of one image, in order:
 *
 *   docgen_data.c    the person or the company: names, dates, numbers,
 *                    each number checked by libuc before use; its place
 *                    (address, bureau) from docgen_place.c;
 *   docgen_draw.c    the document drawn flat from its layout tables, at
 *                    its own resolution (px per mm), in premultiplied
 *                    RGBA so that a card's rounded corners are
 *                    transparent; its text by docgen_text.c;
 *   docgen_scene.c   the flat document warped onto a background under
 *                    one photographic condition, whose table, light,
 *                    blur and noise are docgen_effects.c's; then the file;
 *   docgen.c         the command line, the workers and truth.jsonl.
 *
 * Everything random comes from one generator per image, seeded from the
 * run's seed and the image's index, so that an image does not depend on
 * the others nor on how many workers made them.
 */


#ifndef DOCGEN_H_INCLUDED
#define DOCGEN_H_INCLUDED


#include <stddef.h>
#include <stdint.h>

#include <ft2build.h>
#include FT_FREETYPE_H


#define DG_FIELD_LEN   256
#define DG_MAX_TRUTH   8
#define DG_ERR_LEN     256


typedef struct {
    uint64_t        s;
} dg_rng_t;


enum {
    DG_ID_FRONT = 0,
    DG_ID_BACK,
    DG_LICENCE,
    DG_NKINDS
};


enum {
    DG_CLEAN = 0,
    DG_TABLE,
    DG_ROTATED,
    DG_PERSPECTIVE,
    DG_BLURRED,
    DG_NOISY,
    DG_UNEVEN_LIGHT,
    DG_JPEG,
    DG_PATTERNED,
    DG_COMBINED,
    DG_NCONDS
};


/* what the layouts print: indexes into dg_doc_t.print */
enum {
    DG_F_NAME = 0,
    DG_F_SEX,
    DG_F_ETHNICITY,
    DG_F_BIRTH_Y,
    DG_F_BIRTH_M,
    DG_F_BIRTH_D,
    DG_F_ADDRESS,
    DG_F_ID_NUMBER,
    DG_F_AUTHORITY,
    DG_F_VALIDITY,
    DG_F_CODE,
    DG_F_CO_NAME,
    DG_F_TYPE,
    DG_F_LEGAL,
    DG_F_SCOPE,
    DG_F_CAPITAL,
    DG_F_ESTABLISHED,
    DG_F_TERM,
    DG_F_CO_ADDRESS,
    DG_F_ISSUED,
    DG_NFIELDS
};


enum {
    DG_FONT_LABEL = 0,
    DG_FONT_VALUE,
    DG_FONT_OCRB,
    DG_NFONTS
};


typedef struct {
    char            code[7];
    char            county[64];
    char            prefecture[64];
    char            province[64];
} dg_region_t;


typedef struct {
    dg_region_t    *r;
    size_t          n;
} dg_regions_t;


typedef struct {
    int             kind;
    char            print[DG_NFIELDS][DG_FIELD_LEN];
    int             ntruth;
    const char     *truth_key[DG_MAX_TRUTH];
    char            truth_val[DG_MAX_TRUTH][DG_FIELD_LEN];
} dg_doc_t;


/*
 * An image: 4 channels of premultiplied RGBA for a flat document (with a
 * clip box for drawing), 3 of RGB for a scene.
 */
typedef struct {
    int             w;
    int             h;
    int             nc;
    uint8_t        *px;
    int             cx0;
    int             cy0;
    int             cx1;
    int             cy1;
} dg_img_t;


typedef struct {
    FT_Library      lib;
    FT_Face         face[DG_NFONTS];
} dg_fonts_t;


/* a line of text: template text, or a field of the document */
#define DG_BOLD      0x01    /* drawn twice, 1 px apart */
#define DG_CENTER    0x02    /* x is the centre of the line */
#define DG_SHRINK    0x04    /* smaller rather than more lines */
#define DG_TRUNCATE  0x08    /* the lines that do not fit are dropped */

typedef struct {
    const char     *text;        /* NULL: the field */
    int             field;
    int             font;
    double          x;           /* mm */
    double          y;           /* mm, the baseline */
    double          size;        /* mm, the em */
    double          spacing;     /* mm after each character */
    double          wrap_x;      /* mm; 0: one line */
    double          leading;     /* mm between wrapped baselines */
    int             lines;       /* at most, when wrapped */
    uint32_t        color;       /* 0xRRGGBB */
    unsigned        flags;
} dg_text_t;


enum {
    DG_S_GUILLOCHE = 0,
    DG_S_PHOTO,
    DG_S_EMBLEM,
    DG_S_FRAME,
    DG_S_QR,
    DG_S_SEAL
};

/* a drawing in the box x0,y0 - x1,y1 (mm) */
typedef struct {
    int             kind;
    double          x0;
    double          y0;
    double          x1;
    double          y1;
    uint32_t        color;
    int             over_text;   /* drawn after the text (a seal) */
} dg_shape_t;


typedef struct {
    double              w_mm;
    double              h_mm;
    double              radius_mm;   /* of the corners; 0: square */
    double              ppmm;        /* px per mm, flat */
    uint32_t            background;
    const dg_shape_t   *shapes;
    size_t              nshapes;
    const dg_text_t    *texts;
    size_t              ntexts;
} dg_layout_t;


/* a multiplicative field (a gradient times a falloff) and an additive
   blob */
typedef struct {
    double          g_lo;       /* the gradient, g_lo to g_hi across the */
    double          g_hi;       /* frame along the angle */
    double          g_angle;
    double          v_k;        /* 1 - v_k (r / r_max)^2 about v_c */
    double          v_cx;
    double          v_cy;
    double          h_amp;      /* a gaussian blob, added */
    double          h_cx;
    double          h_cy;
    double          h_sigma;
} dg_light_t;


/* docgen.c: random numbers and strings */
uint64_t dg_rng_next(dg_rng_t *r);
double dg_rng_unit(dg_rng_t *r);
double dg_rng_range(dg_rng_t *r, double lo, double hi);
int dg_rng_int(dg_rng_t *r, int lo, int hi);
double dg_rng_gauss(dg_rng_t *r);
uint32_t dg_utf8_next(const char **p);
size_t dg_utf8_len(const char *s);
void dg_cat(char *out, size_t len, const char *s);
void dg_catf_int(char *out, size_t len, const char *fmt, int v);
void dg_pick_chars(dg_rng_t *rng, const char *set, int n, char *out,
    size_t len);

/* docgen_place.c */
int dg_regions_load(const char *path, dg_regions_t *regs, char *err,
    size_t len);
int dg_real_prefecture(const dg_region_t *reg);
const dg_region_t *dg_region_with_address(const dg_regions_t *regs,
    dg_rng_t *rng, size_t max, char *addr, size_t len);
void dg_short_name(const char *name, char *out, size_t len);
void dg_authority(const dg_region_t *reg, char *out, size_t len);

/* docgen_data.c */
void dg_doc_make(const dg_regions_t *regs, int kind, dg_rng_t *rng,
    dg_doc_t *doc);

/* docgen_text.c */
int dg_fonts_open(dg_fonts_t *f, char *err, size_t len);
void dg_fonts_close(dg_fonts_t *f);
int dg_text(dg_img_t *img, dg_fonts_t *f, double ppmm, const dg_text_t *t,
    const char *s);

/* docgen_draw.c */
const dg_layout_t *dg_layout(int kind);
int dg_render(dg_fonts_t *f, const dg_doc_t *doc, dg_rng_t *rng,
    dg_img_t *out);
void dg_blend(dg_img_t *img, int x, int y, uint32_t color, int a);

/* docgen_scene.c */
int dg_scene(const dg_img_t *flat, int kind, int cond, dg_rng_t *rng,
    dg_img_t *out, double corners[4][2], int *quality);
int dg_write(const dg_img_t *img, const char *path, int quality);
void dg_img_free(dg_img_t *img);

/* docgen_effects.c */
void dg_effects_init(void);
double dg_luminance(uint32_t c);
uint32_t dg_plain_colour(dg_rng_t *rng);
void dg_fill_plain(dg_img_t *img, uint32_t c);
void dg_fill_pattern(dg_img_t *img, dg_rng_t *rng, double limit);
void dg_light(dg_img_t *img, const dg_light_t *lt);
int dg_blur(dg_img_t *img, double sigma);
void dg_noise(dg_img_t *img, dg_rng_t *rng, double sd, double sp);


#endif /* DOCGEN_H_INCLUDED */
