/*
 * uc-backend: where each field of a document is printed, what it may
 * hold, and the checks that decide whether a reading is given as a value
 * or as null with a problem.
 *
 * Boxes are in millimetres from the document's top-left, from the
 * published layouts: the second-generation resident identity card (GB
 * 19307-2003, 85.6 x 54 mm) and the 2016 business licence (297 x 210 mm,
 * landscape), which is found and measured by the inside of its printed
 * frame (277 x 190 mm): the frame, not the paper's edge, is what stops
 * the finder.
 */

#ifndef UCB_OCR_LAYOUT_H
#define UCB_OCR_LAYOUT_H

#include <jansson.h>

#include "recognize.h"


typedef enum {
    UCB_FK_TEXT = 0,        /* Chinese text, kept as read */
    UCB_FK_NAME,            /* a person's name */
    UCB_FK_SEX,
    UCB_FK_ETHNICITY,
    UCB_FK_YEAR,            /* the card's birth date, in three boxes */
    UCB_FK_MONTH,
    UCB_FK_DAY,
    UCB_FK_ID_NUMBER,
    UCB_FK_VALIDITY,        /* 2015.03.01-2035.03.01, or -长期 */
    UCB_FK_CREDIT_CODE,
    UCB_FK_DATE,            /* 2015年03月12日 */
    UCB_FK_TERM,            /* <date>至长期, or 至<date> */
    UCB_FK_CAPITAL,
    UCB_FK_TYPE
} ucb_field_kind_e;

typedef struct {
    const char         *name;
    ucb_field_kind_e    kind;
    float               x0, y0, x1, y1;     /* mm */
    float               em;         /* the print's size, mm */
    int                 chi;        /* 1: the chi_sim model, 0: eng */
    int                 lines;      /* 1, or several: the box is cut into
                                       as many bands, one a line */
    const char         *chars;      /* the characters it may hold, or
                                       NULL: any */
} ucb_field_t;

typedef struct {
    const char         *document;   /* the answer's "document" */
    float               w_mm, h_mm;
    float               px_mm;      /* straightened at this many px/mm */
    int                 anchor;     /* the field that tells orientation */
    const ucb_field_t  *fields;
    int                 nfields;
} ucb_layout_t;

/* what was read of one field */
typedef struct {
    char                text[256];  /* UTF-8, as Tesseract gave it */
    float               confidence; /* 0..1 */
    int                 read;       /* 0: not reached (deadline) */
} ucb_reading_t;

const ucb_layout_t *ucb_layout(ucb_doc_e doc);

/* 1: a Chinese character (the unified ideographs, extensions A and B) */
int ucb_is_cjk(unsigned c);

/*
 * How good an anchor reading is, to choose the orientation: 2 a valid
 * value, 1 the right shape, 0 neither.
 */
int ucb_anchor_score(const ucb_field_t *f, const char *text);

/* the answer's object from the readings (one per field of the layout) */
json_t *ucb_fields_answer(const ucb_layout_t *l, const ucb_reading_t *r,
    const ucb_checks_t *checks);

#endif /* UCB_OCR_LAYOUT_H */
