/*
 * uc-backend: reading a document (recognize.h tells the order of work).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "ucb.h"
#include "find.h"
#include "layout.h"
#include "places.h"
#include "recognize.h"


/* a JPEG is decoded at 1/2, 1/4 or 1/8 while its long side stays above */
#define DECODE_SIDE  2000
/* white around a field's box, px */
#define PAD          16
/* characters are scaled to this many pixels, where Tesseract's models
   read best */
#define TARGET_EM    30.0f
/* connected ink no larger than this a side is noise, px */
#define SPECK        3
/* print is this much darker than its ground, levels */
#define INK_CONTRAST 60


struct ucb_reader_s {
    TessBaseAPI    *eng;
    TessBaseAPI    *chi;
    ETEXT_DESC     *monitor;
    PIX            *page;       /* the straightened document being read */
};


long long
ucb_monotonic_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static TessBaseAPI *
model(const char *tessdata, const char *lang)
{
    TessBaseAPI  *api;

    api = TessBaseAPICreate();
    if (api == NULL) {
        return NULL;
    }

    if (TessBaseAPIInit3(api, tessdata, lang) != 0) {
        TessBaseAPIDelete(api);
        return NULL;
    }

    /* Tesseract's notes would go to the log's stderr */
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");

    return api;
}


ucb_reader_t *
ucb_reader_create(const char *tessdata, char *err, size_t size)
{
    ucb_reader_t  *r;

    r = calloc(1, sizeof(ucb_reader_t));
    if (r == NULL) {
        snprintf(err, size, "out of memory");
        return NULL;
    }

    r->eng = model(tessdata, "eng");
    r->chi = model(tessdata, "chi_sim");
    r->monitor = TessMonitorCreate();

    if (r->eng == NULL || r->chi == NULL || r->monitor == NULL) {
        snprintf(err, size, "cannot load the eng and chi_sim models from "
                 "\"%s\" (tesseract-ocr-eng, tesseract-ocr-chi-sim)",
                 tessdata);
        ucb_reader_free(r);
        return NULL;
    }

    return r;
}


void
ucb_reader_free(ucb_reader_t *r)
{
    if (r == NULL) {
        return;
    }

    if (r->eng != NULL) {
        TessBaseAPIEnd(r->eng);
        TessBaseAPIDelete(r->eng);
    }

    if (r->chi != NULL) {
        TessBaseAPIEnd(r->chi);
        TessBaseAPIDelete(r->chi);
    }

    if (r->monitor != NULL) {
        TessMonitorDelete(r->monitor);
    }

    pixDestroy(&r->page);
    free(r);
}


static PIX *
decode(const unsigned char *data, size_t len)
{
    int       format, w, h, bps, spp, cmap, reduction;
    PIX      *pix, *pix32;

    if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &cmap)
        != 0)
    {
        return NULL;
    }

    if (format == IFF_JFIF_JPEG) {
        for (reduction = 1; reduction < 8
                            && L_MAX(w, h) / (reduction * 2) >= DECODE_SIDE;
             reduction *= 2)
        {
            /* the largest reduction that keeps enough to read */
        }

        pix = pixReadMemJpeg(data, len, 0, reduction, NULL, 0);

    } else {
        pix = pixReadMem(data, len);
    }

    if (pix == NULL) {
        return NULL;
    }

    pix32 = pixConvertTo32(pix);
    pixDestroy(&pix);

    return pix32;
}


/*
 * The print of one band, as Tesseract reads best: cut to the box of its
 * ink (Otsu's threshold over the band, whose light hardly changes; specks
 * smaller than a stroke and marks too small to be characters left out,
 * since a photo's grain would be read as punctuation and a card's pale
 * guilloche as dashes), scaled so that characters are TARGET_EM pixels,
 * with a margin of the band's ground (Tesseract drops a line's first
 * character when it touches the image's edge). NULL: no print.
 */
static PIX *
prepare(PIX *band, float em_px, int whole)
{
    int       i, n, x, y, w, h, x0, y0, x1, y1, min;
    float     scale;
    l_int32   ground;
    BOX      *box;
    BOXA     *marks;
    PIX      *bin, *kept, *cut, *scaled, *out, *cleaned = NULL;

    if (pixOtsuAdaptiveThreshold(band, pixGetWidth(band),
                                 pixGetHeight(band), 0, 0, 0.1f, NULL, &bin)
        != 0)
    {
        return NULL;
    }

    kept = pixSelectBySize(bin, SPECK, SPECK, 8, L_SELECT_IF_EITHER,
                           L_SELECT_IF_GT, NULL);
    pixDestroy(&bin);

    if (kept != NULL && whole > 0) {
        /* digits in OCR-B: the band as it is, in black and white */
        out = pixAddBorder(kept, PAD, 0);
        pixDestroy(&kept);
        return out;
    }

    marks = kept != NULL ? pixConnComp(kept, NULL, 8) : NULL;

    /* the gray of the ink and its rim only: specks and guilloche gone,
       the strokes' shading kept for the model */
    ground = 255;
    pixGetRankValue(band, 1, 0.5f, (l_uint32 *) &ground);
    if (kept != NULL) {
        PIX  *rim = pixDilateBrick(NULL, kept, 3, 3);
        PIX  *g = pixCopy(NULL, band);
        PIX  *inv = rim != NULL ? pixInvert(NULL, rim) : NULL;
        if (g != NULL && inv != NULL) {
            pixSetMasked(g, inv, (l_uint32) ground);
            band = g;
            cleaned = g;
        } else {
            pixDestroy(&g);
        }
        pixDestroy(&rim);
        pixDestroy(&inv);
    }
    pixDestroy(&kept);

    if (marks == NULL) {
        return NULL;
    }

    min = (int) (em_px * 0.25f);
    x0 = y0 = 1 << 30;
    x1 = y1 = -1;
    n = boxaGetCount(marks);

    for (i = 0; i < n; i++) {
        boxaGetBoxGeometry(marks, i, &x, &y, &w, &h);

        /* a stroke of a character is thick, a guilloche's line is not */
        if ((h < min && w < min) || (h <= SPECK + 1 && w > em_px)) {
            continue;
        }

        x0 = L_MIN(x0, x);
        y0 = L_MIN(y0, y);
        x1 = L_MAX(x1, x + w);
        y1 = L_MAX(y1, y + h);
    }

    boxaDestroy(&marks);

    /* a line of print is most of a character high: less is the edge of
       the line above or below, cut by the band */
    if (x1 < 0 || y1 - y0 < em_px * 0.5f) {
        pixDestroy(&cleaned);
        return NULL;
    }

    x0 = L_MAX(0, x0 - 2);
    y0 = L_MAX(0, y0 - 2);
    x1 = L_MIN(pixGetWidth(band), x1 + 2);
    y1 = L_MIN(pixGetHeight(band), y1 + 2);

    box = boxCreate(x0, y0, x1 - x0, y1 - y0);
    cut = box != NULL ? pixClipRectangle(band, box, NULL) : NULL;
    boxDestroy(&box);
    pixDestroy(&cleaned);

    if (cut == NULL) {
        return NULL;
    }

    scale = (whole < 0 ? TARGET_EM * 1.5f : TARGET_EM) / em_px;
    scaled = pixScale(cut, scale, scale);
    pixDestroy(&cut);

    if (scaled == NULL) {
        return NULL;
    }

    out = pixAddBorderGeneral(scaled, PAD, PAD, PAD, PAD, ground);
    pixDestroy(&scaled);

    return out;
}


/*
 * Whether a band holds print: its darkest 0.2 % far below its ground (a
 * card's pale guilloche or a JPEG's grain is not print; Otsu would split
 * them into "ink" all the same). A lone character wrapped onto an
 * address's last line is less than a hundredth of its band.
 */
static int
inked(PIX *gray)
{
    float  dark, ground;

    if (pixGetRankValueMasked(gray, NULL, 0, 0, 1, 0.002f, &dark, NULL) != 0
        || pixGetRankValueMasked(gray, NULL, 0, 0, 1, 0.5f, &ground, NULL)
           != 0)
    {
        return 1;
    }

    return ground - dark >= INK_CONTRAST;
}


/*
 * One line of print from a box of the page: its text appended to out; 1
 * when the box held print, 0 when it did not, -1 when the deadline came
 * first.
 */
static int
read_line(ucb_reader_t *r, TessBaseAPI *api, const ucb_layout_t *l,
    const ucb_field_t *f, int x, int y, int w, int h, int second,
    long long deadline, ucb_reading_t *out)
{
    int         rc;
    BOX        *box;
    PIX        *cut, *ready;
    char       *text;
    size_t      n;
    long long   left;

    left = deadline - ucb_monotonic_ms();
    if (left <= 0) {
        return -1;
    }

    box = boxCreate(x, y, w, h);
    cut = box != NULL ? pixClipRectangle(r->page, box, NULL) : NULL;
    boxDestroy(&box);

    /* digits (the eng model) read best from the whole band; a second
       opinion is asked of the band cut to its ink */
    ready = cut != NULL && inked(cut) ? prepare(cut, f->em * l->px_mm,
                                              second == 2 ? -1
                                              : !f->chi && !second)
                                      : NULL;
    pixDestroy(&cut);

    if (ready == NULL) {
        return 0;               /* no print: nothing read */
    }

    TessBaseAPISetImage2(api, ready);
    TessBaseAPISetSourceResolution(api, 300);
    TessBaseAPISetPageSegMode(api, second == 2 && f->chi ? PSM_SINGLE_WORD
                                                       : PSM_SINGLE_LINE);
    TessBaseAPISetVariable(api, "tessedit_char_whitelist",
                           f->chars != NULL ? f->chars : "");
    TessMonitorSetDeadlineMSecs(r->monitor, (int) left);

    rc = TessBaseAPIRecognize(api, r->monitor);

    if (rc != 0 || ucb_monotonic_ms() > deadline) {
        TessBaseAPIClear(api);
        pixDestroy(&ready);
        return -1;
    }

    text = TessBaseAPIGetUTF8Text(api);
    if (text != NULL) {
        /* valid UTF-8 whatever Tesseract gave, cut on a character */
        n = strlen(out->text);
        ucb_utf8_clean(out->text + n, sizeof(out->text) - n, text,
                       strlen(text));

        /* a line with nothing on it does not lower the field's */
        if (strspn(text, " \n") != strlen(text)) {
            out->confidence = L_MIN(out->confidence,
                                    TessBaseAPIMeanTextConf(api) / 100.0f);
        }

        TessDeleteText(text);
    }

    TessBaseAPIClear(api);
    pixDestroy(&ready);

    return 1;
}


/*
 * Whether a line of a Chinese field holds what one can: a character or a
 * digit. A photo's grain in an empty band is read as letters and commas.
 */
static int
wordy(const char *text)
{
    int       i, n;
    unsigned  cp[128];

    n = ucb_utf8_decode(text, cp, 128);

    for (i = 0; i < n; i++) {
        if (ucb_is_cjk(cp[i]) || (cp[i] >= '0' && cp[i] <= '9')) {
            return 1;
        }
    }

    return 0;
}


/* one field from its box in the layout, line by line */
static int
read_field(ucb_reader_t *r, const ucb_layout_t *l, const ucb_field_t *f,
    int second, long long deadline, ucb_reading_t *out)
{
    int           i, x, y, w, h, pw, ph, band, rc;
    size_t        n;
    TessBaseAPI  *api;

    memset(out, 0, sizeof(*out));
    out->confidence = 1.0f;

    api = f->chi ? r->chi : r->eng;
    pw = pixGetWidth(r->page);
    ph = pixGetHeight(r->page);
    x = (int) (f->x0 * l->px_mm);
    y = (int) (f->y0 * l->px_mm);
    w = L_MIN((int) (f->x1 * l->px_mm), pw) - x;
    h = L_MIN((int) (f->y1 * l->px_mm), ph) - y;
    band = h / f->lines;

    for (i = 0; i < f->lines; i++) {
        n = strlen(out->text);
        rc = read_line(r, api, l, f, x, y + i * band, w, band, second,
                       deadline, out);

        /* Tesseract sometimes returns nothing for a short line of print
           (the last character of an address, wrapped alone): once more,
           larger, as a word */
        if (rc == 1 && f->chi && second != 2
            && strspn(out->text + n, " \n") == strlen(out->text + n))
        {
            out->text[n] = '\0';
            rc = read_line(r, api, l, f, x, y + i * band, w, band, 2,
                           deadline, out);
        }

        if (rc < 0) {
            return -1;
        }

        if (f->chi && f->lines > 1 && !wordy(out->text + n)) {
            out->text[n] = '\0';
        }
    }

    if (out->text[0] == '\0') {
        out->confidence = 0;
    }

    out->read = 1;

    return 0;
}


/*
 * The document's orientation: the one its anchor reads in. Upright is
 * tried first; upside down only when upright did not give a valid value.
 */
static int
orient(ucb_reader_t *r, const ucb_layout_t *l, long long deadline,
    ucb_reading_t *anchor)
{
    int             up, down, rc;
    PIX            *turned, *page;
    ucb_reading_t   other;
    const ucb_field_t  *f;

    f = &l->fields[l->anchor];
    if (read_field(r, l, f, 0, deadline, anchor) != 0) {
        return -1;
    }

    up = ucb_anchor_score(f, anchor->text);
    if (up == 2) {
        return 0;
    }

    turned = pixRotate180(NULL, r->page);
    if (turned == NULL) {
        return -1;
    }

    page = r->page;
    r->page = turned;
    rc = read_field(r, l, f, 0, deadline, &other);
    r->page = page;

    if (rc != 0) {
        pixDestroy(&turned);
        return -1;
    }

    down = ucb_anchor_score(f, other.text);

    if (down > up || (down == up && other.confidence > anchor->confidence)) {
        pixDestroy(&r->page);
        r->page = turned;
        *anchor = other;
        return 0;
    }

    pixDestroy(&turned);

    return 0;
}


int
ucb_recognize(ucb_reader_t *r, const unsigned char *data, size_t len,
    ucb_doc_e doc, const ucb_checks_t *checks, long long deadline,
    json_t **out, const char **code)
{
    int                  i, rc;
    PIX                 *pix, *gray;
    ucb_quad_t           quad;
    ucb_reading_t        readings[16], second;
    const ucb_field_t   *anchor;
    const ucb_layout_t  *l;

    l = ucb_layout(doc);
    *out = NULL;
    rc = -1;

    pix = decode(data, len);
    if (pix == NULL) {
        *code = "image_unreadable";
        return -1;
    }

    if (ucb_doc_find(pix, l->w_mm / l->h_mm, &quad) != 0) {
        pixDestroy(&pix);
        *code = "document_not_found";
        return -1;
    }

    gray = pixConvertRGBToLuminance(pix);
    pixDestroy(&pix);

    r->page = gray != NULL
              ? ucb_doc_warp(gray, &quad, (int) (l->w_mm * l->px_mm + 0.5f),
                             (int) (l->h_mm * l->px_mm + 0.5f))
              : NULL;
    pixDestroy(&gray);

    if (r->page == NULL) {
        *code = "out_of_memory";
        return -1;
    }

    *code = "ocr_timeout";

    if (orient(r, l, deadline, &readings[l->anchor]) != 0) {
        goto done;
    }

    for (i = 0; i < l->nfields; i++) {
        if (i != l->anchor
            && read_field(r, l, &l->fields[i], 0, deadline, &readings[i])
               != 0)
        {
            goto done;
        }
    }

    /*
     * An anchor (the number the document is for) that failed its checks
     * is read once more, cut to its ink: either reading must pass the
     * checks on its own, so a second opinion adds readings, never a
     * guess.
     */
    anchor = &l->fields[l->anchor];

    if (ucb_anchor_score(anchor, readings[l->anchor].text) < 2) {
        if (read_field(r, l, anchor, 1, deadline, &second) != 0) {
            goto done;
        }

        if (ucb_anchor_score(anchor, second.text) == 2) {
            readings[l->anchor] = second;

        } else if (read_field(r, l, anchor, 2, deadline, &second) != 0) {
            goto done;

        } else if (ucb_anchor_score(anchor, second.text) == 2) {
            readings[l->anchor] = second;
        }
    }

    *out = ucb_fields_answer(l, readings, checks);
    *code = *out != NULL ? NULL : "out_of_memory";
    rc = *out != NULL ? 0 : -1;

done:

    TessBaseAPIClear(r->eng);
    TessBaseAPIClear(r->chi);
    pixDestroy(&r->page);

    return rc;
}
