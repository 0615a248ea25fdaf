/*
 * uc-backend: finding a document in a photo and straightening it.
 *
 * A user's photo is the card on a table: a light, flat region with
 * printing on it, rotated, seen in perspective, unevenly lit. It is found
 * as the region that grows from the photo's centre over small steps of
 * brightness (gradual light passes, the document's edge stops it), then
 * its convex hull is cut down to a quadrilateral whose sides are refitted
 * to the edge (the rounded corners of a card do not pull them in). A scan,
 * where the document fills the frame on white, is the bounding box of what
 * differs from the border.
 */

#ifndef UCB_OCR_FIND_H
#define UCB_OCR_FIND_H

#include <leptonica/allheaders.h>


/* corners in the photo's pixels: top-left, top-right, bottom-right,
   bottom-left of the document as upright as the finder can tell (its top
   is a long side; whether it is upside down is the reader's question) */
typedef struct {
    float           x[4];
    float           y[4];
} ucb_quad_t;

/*
 * pix (32 bpp), a document of aspect (long side / short side): 0 and *q,
 * or -1 when nothing of a document's shape is found.
 */
int ucb_doc_find(PIX *pix, double aspect, ucb_quad_t *q);

/* the quadrilateral mapped onto a w x h 8 bpp image, bilinear */
PIX *ucb_doc_warp(PIX *gray, const ucb_quad_t *q, int w, int h);

#endif /* UCB_OCR_FIND_H */
