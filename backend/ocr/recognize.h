/*
 * uc-backend: reading an ID card or a business licence from a photo.
 *
 * The order of work, cheapest and most certain first:
 *   1. decode (a JPEG at a reduced scale when it is far larger than the
 *      reading needs: memory and time follow what is read, not what was
 *      sent);
 *   2. find the document and straighten it onto its layout (find.h);
 *   3. read its anchor (the ID number, the validity, the credit code)
 *      upright and, when that fails, upside down: a photo's orientation is
 *      the one its anchor reads in;
 *   4. read each field from its box in the layout, with the model and the
 *      characters it can hold (digits and X in OCR-B for the number);
 *   5. check every field (layout.c): the ID number by GB 11643, the
 *      division dictionary and the birth date and sex printed beside it,
 *      the credit code by GB 32100. A field that fails is null, with the
 *      reason among "problems": a wrong number is never presented as
 *      right.
 *
 * A reader holds one Tesseract instance per model and is used by one
 * thread at a time (the pool gives one to each worker).
 */

#ifndef UCB_OCR_RECOGNIZE_H
#define UCB_OCR_RECOGNIZE_H

#include <stddef.h>

#include <jansson.h>


typedef enum {
    UCB_DOC_ID_FRONT = 0,
    UCB_DOC_ID_BACK,
    UCB_DOC_LICENCE
} ucb_doc_e;

typedef struct ucb_reader_s  ucb_reader_t;

/* 1: a GB/T 2260 division code (6 digits) is known, historical included */
typedef int (*ucb_division_known_pt)(const char *code);

/* what readings are checked against, each may be NULL */
typedef struct {
    ucb_division_known_pt       division;
    const struct ucb_places_s  *places;     /* places.h */
} ucb_checks_t;

ucb_reader_t *ucb_reader_create(const char *tessdata, char *err,
    size_t size);
void ucb_reader_free(ucb_reader_t *r);

/*
 * The image's bytes (JPEG or PNG, already checked by image.h) read as doc.
 * deadline: CLOCK_MONOTONIC milliseconds past which the reading stops.
 * 0 and *out ({"document", "fields": {name: {"value", "confidence"}},
 * "problems": [...]}), or -1 and *code: "image_unreadable",
 * "document_not_found", "ocr_timeout", "out_of_memory".
 */
int ucb_recognize(ucb_reader_t *r, const unsigned char *data, size_t len,
    ucb_doc_e doc, const ucb_checks_t *checks, long long deadline,
    json_t **out, const char **code);

long long ucb_monotonic_ms(void);

#endif /* UCB_OCR_RECOGNIZE_H */
