
/*
 * docgen: text (docgen.h).
 *
 * Glyphs are FreeType's, hinted and antialiased, placed on the baseline
 * at whole pixels and advanced by the font's advance plus the layout's
 * letter spacing. What a font lacks comes from the values' font, whose
 * coverage is the widest. A line too long for its
 * box is broken at any character, as the cards are, and then made smaller
 * or cut, as its layout row says.
 */


#include <math.h>
#include <stdio.h>
#include <string.h>

#include "docgen.h"


#define MAX_LINES   8


static FT_Face face_for(dg_fonts_t *f, int font, uint32_t cp);
static void set_size(dg_fonts_t *f, int font, double px);
static double advance(dg_fonts_t *f, int font, uint32_t cp);
static int break_lines(dg_fonts_t *f, int font, const char *s, double px,
    double spacing, double width, const char **starts, int max);
static double run_width(dg_fonts_t *f, int font, const char *s,
    const char *end, double spacing);
static int draw_run(dg_img_t *img, dg_fonts_t *f, int font, const char *s,
    const char *end, double x, double y, double spacing, uint32_t color);


static const struct {
    const char     *path;
    const char     *family;     /* NULL: face 0 */
} font_files[DG_NFONTS] = {
    { "/usr/share/fonts/truetype/arphic/uming.ttc", "AR PL UMing CN" },
    { "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", NULL },
    { "/usr/share/fonts/opentype/ocr-b/OCRB.otf", NULL },
};


int
dg_fonts_open(dg_fonts_t *f, char *err, size_t len)
{
    FT_Face  face;
    FT_Long  i, n;
    int      k;

    memset(f, 0, sizeof(dg_fonts_t));

    if (FT_Init_FreeType(&f->lib) != 0) {
        snprintf(err, len, "cannot initialise FreeType");
        f->lib = NULL;
        return -1;
    }

    for (k = 0; k < DG_NFONTS; k++) {
        if (FT_New_Face(f->lib, font_files[k].path, 0, &f->face[k]) != 0) {
            snprintf(err, len, "cannot open the font %s",
                     font_files[k].path);
            f->face[k] = NULL;
            dg_fonts_close(f);
            return -1;
        }

        if (font_files[k].family == NULL) {
            continue;
        }

        /* a collection: the face of the family wanted, else face 0 */
        n = f->face[k]->num_faces;

        for (i = 0; i < n; i++) {
            if (FT_New_Face(f->lib, font_files[k].path, i, &face) != 0) {
                continue;
            }

            if (face->family_name != NULL
                && strcmp(face->family_name, font_files[k].family) == 0)
            {
                FT_Done_Face(f->face[k]);
                f->face[k] = face;
                break;
            }

            FT_Done_Face(face);
        }
    }

    return 0;
}


void
dg_fonts_close(dg_fonts_t *f)
{
    int  k;

    for (k = 0; k < DG_NFONTS; k++) {
        if (f->face[k] != NULL) {
            FT_Done_Face(f->face[k]);
        }
    }

    if (f->lib != NULL) {
        FT_Done_FreeType(f->lib);
    }
}


int
dg_text(dg_img_t *img, dg_fonts_t *f, double k, const dg_text_t *t,
    const char *s)
{
    const char  *starts[MAX_LINES + 1];
    double       px, spacing, x, width;
    int          n, i, max;

    px = t->size * k;
    spacing = t->spacing * k;
    max = t->lines < MAX_LINES ? t->lines : MAX_LINES;

    if (*s == '\0') {
        return 0;
    }

    if (t->wrap_x <= 0) {
        starts[0] = s;
        starts[1] = s + strlen(s);
        n = 1;

    } else {
        for ( ;; ) {
            n = break_lines(f, t->font, s, px, spacing,
                            (t->wrap_x - t->x) * k, starts, max);

            if (n <= max || (t->flags & DG_SHRINK) == 0
                || px < t->size * k * 0.6)
            {
                break;
            }

            px *= 0.95;
        }

        /* DG_TRUNCATE, or a shrink that reached its floor */
        if (n > max) {
            n = max;
        }
    }

    set_size(f, t->font, px);

    for (i = 0; i < n; i++) {
        x = t->x * k;

        if ((t->flags & DG_CENTER) != 0) {
            width = run_width(f, t->font, starts[i], starts[i + 1], spacing);
            x -= width / 2;
        }

        if (draw_run(img, f, t->font, starts[i], starts[i + 1], x,
                     (t->y + i * t->leading) * k, spacing, t->color) != 0)
        {
            return -1;
        }

        if ((t->flags & DG_BOLD) != 0
            && draw_run(img, f, t->font, starts[i], starts[i + 1], x + 1,
                        (t->y + i * t->leading) * k, spacing, t->color) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/*
 * Greedy breaking at any character, as the cards do; starts[i] is where
 * line i begins, starts[n] the end. Answers the number of lines needed,
 * which may be more than max (only max + 1 starts are filled).
 */
static int
break_lines(dg_fonts_t *f, int font, const char *s, double px,
    double spacing, double width, const char **starts, int max)
{
    const char  *p, *prev;
    double       x, adv;
    int          n;
    uint32_t     cp;

    set_size(f, font, px);

    n = 1;
    starts[0] = s;
    x = 0;
    p = s;

    while (*p != '\0') {
        prev = p;
        cp = dg_utf8_next(&p);
        adv = advance(f, font, cp);

        if (x > 0 && x + adv > width) {
            if (n <= max) {
                starts[n] = prev;
            }

            n++;
            x = 0;
        }

        x += adv + spacing;
    }

    if (n <= max) {
        starts[n] = p;
    }

    return n;
}


static double
run_width(dg_fonts_t *f, int font, const char *s, const char *end,
    double spacing)
{
    double  w;
    int     n;

    w = 0;
    n = 0;

    while (s < end && *s != '\0') {
        w += advance(f, font, dg_utf8_next(&s));
        n++;
    }

    return n > 0 ? w + (n - 1) * spacing : 0;
}


static int
draw_run(dg_img_t *img, dg_fonts_t *f, int font, const char *s,
    const char *end, double x, double y, double spacing, uint32_t color)
{
    FT_Face       face;
    FT_Bitmap    *bm;
    uint32_t      cp;
    int           gx, gy, r, c;
    const uint8_t *row;

    while (s < end && *s != '\0') {
        cp = dg_utf8_next(&s);
        face = face_for(f, font, cp);

        if (FT_Load_Char(face, cp, FT_LOAD_RENDER | FT_LOAD_NO_BITMAP)
            != 0)
        {
            return -1;
        }

        bm = &face->glyph->bitmap;
        gx = (int) lround(x) + face->glyph->bitmap_left;
        gy = (int) lround(y) - face->glyph->bitmap_top;

        for (r = 0; r < (int) bm->rows; r++) {
            row = bm->buffer + (ptrdiff_t) r * bm->pitch;

            if (gy + r < 0 || gy + r >= img->h) {
                continue;
            }

            for (c = 0; c < (int) bm->width; c++) {
                if (row[c] != 0 && gx + c >= 0 && gx + c < img->w) {
                    dg_blend(img, gx + c, gy + r, color, row[c]);
                }
            }
        }

        x += face->glyph->advance.x / 64.0 + spacing;
    }

    return 0;
}


/* the font asked for, or the values' font for what it lacks */
static FT_Face
face_for(dg_fonts_t *f, int font, uint32_t cp)
{
    if (FT_Get_Char_Index(f->face[font], cp) != 0) {
        return f->face[font];
    }

    return f->face[DG_FONT_VALUE];
}


static void
set_size(dg_fonts_t *f, int font, double px)
{
    FT_F26Dot6  sz;

    sz = (FT_F26Dot6) lround(px * 64);

    (void) FT_Set_Char_Size(f->face[font], 0, sz, 72, 72);

    if (font != DG_FONT_VALUE) {
        (void) FT_Set_Char_Size(f->face[DG_FONT_VALUE], 0, sz, 72, 72);
    }
}


static double
advance(dg_fonts_t *f, int font, uint32_t cp)
{
    FT_Face  face;

    face = face_for(f, font, cp);

    if (FT_Load_Char(face, cp, FT_LOAD_NO_BITMAP) != 0) {
        return 0;
    }

    return face->glyph->advance.x / 64.0;
}
