/*
 * uc-backend: document recognition (issue 14), what its files share.
 *
 *   image.c      an upload's checks before anything decodes it
 *   find.c       the document in the photo, straightened
 *   layout.c     where fields are printed and how readings are checked
 *   recognize.c  the order of work on one image (Tesseract, Leptonica)
 *   pool.c       the workers: one reader each, a bounded queue, deadlines
 *   ocr_http.c   POST /uc/v1/ocr/id-card, /uc/v1/ocr/business-licence,
 *                GET /uc/v1/admin/ocr
 *
 * Settings:
 *   ocr_workers = 0            threads reading images, 0: one per core
 *   ocr_queue = 0              images waiting for a worker beyond those
 *                              being read, 0: two per worker; more get
 *                              503 ocr_busy with Retry-After
 *   ocr_timeout_ms = 10000     an image's deadline from its arrival
 *   ocr_upload_mb = 64         uploads held in memory at once (all
 *                              connections); beyond, 503 ocr_busy
 *   ocr_uploads = 16           images being received at once; beyond,
 *                              503 ocr_busy. Each has ocr_timeout_ms to
 *                              arrive (408 upload_too_slow)
 *   ocr_tessdata = /usr/share/tesseract-ocr/5/tessdata
 */

#ifndef UCB_OCR_H
#define UCB_OCR_H

#include <stddef.h>

#include "ucb.h"
#include "recognize.h"


typedef struct {
    long            workers;
    long            queue;
    long            timeout_ms;
    long            upload_mb;
    long            uploads;
    char            tessdata[256];
} ucb_ocr_conf_t;

extern ucb_ocr_conf_t  ucb_ocr;

void ucb_ocr_config_defaults(void);
/* 0, -1 (bad value) or -2 (not an OCR setting) */
int ucb_ocr_config_set(const char *name, const char *value);

int ucb_ocr_start(void);
void ucb_ocr_stop(void);

typedef enum {
    UCB_OCR_OK = 0,
    UCB_OCR_BUSY,           /* the queue is full */
    UCB_OCR_TIMEOUT,        /* the deadline came first */
    UCB_OCR_FAILED          /* *code says why */
} ucb_ocr_rc_e;

/*
 * Reads the image on a worker and waits for it (the HTTP thread never
 * reads). data is copied; *answer is the reader's, or NULL and *code.
 */
ucb_ocr_rc_e ucb_ocr_read(const unsigned char *data, size_t len,
    ucb_doc_e doc, json_t **answer, const char **code);

/* an image's upload slot (ocr_uploads at once): 0 taken, -1 none free */
int ucb_ocr_upload_enter(void);
void ucb_ocr_upload_leave(void);

/* upload memory across connections: 0 reserved, -1 over the budget */
int ucb_ocr_upload_reserve(size_t bytes);
void ucb_ocr_upload_release(size_t bytes);

/* a path whose body is an image (its own size limit, no JSON) */
int ucb_ocr_upload_path(const char *path);

/* counters: images read, failed, refused busy, timed out; the queue */
json_t *ucb_ocr_stats(void);

void ucb_h_ocr_id_card(ucb_req_t *req);
void ucb_h_ocr_licence(ucb_req_t *req);
void ucb_h_admin_ocr(ucb_req_t *req);

#endif /* UCB_OCR_H */
