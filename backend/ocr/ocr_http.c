/*
 * uc-backend: the recognition endpoints.
 *
 *   POST /uc/v1/ocr/id-card?side=front|back
 *   POST /uc/v1/ocr/business-licence
 *   GET  /uc/v1/admin/ocr          the workers' counters (administrators)
 *
 * The image is the body (Content-Type image/jpeg or image/png) or the part
 * named "image" of a multipart/form-data body. Cheapest first: the size
 * (http.c stops reading past the limit), the type by its bytes, the
 * dimensions its header declares (image.c), and only then a worker
 * (pool.c). Nothing of the image is kept or logged.
 */

#define _GNU_SOURCE 1
#include <string.h>
#include <strings.h>

#include "ocr.h"
#include "image.h"


#define BOUNDARY_MAX  70        /* RFC 2046 */


/* images refused before any decoding (their checks, image.c) */
static long  refused;


int
ucb_ocr_upload_path(const char *path)
{
    size_t  n;

    n = strlen(path);

    /* and a licence's photo for a certification's review */
    return strcmp(path, "/uc/v1/ocr/id-card") == 0
           || strcmp(path, "/uc/v1/ocr/business-licence") == 0
           || (strncmp(path, "/uc/v1/merchants/", 17) == 0 && n > 8
               && strcmp(path + n - 8, "/licence") == 0
               && strstr(path, "/certification/") != NULL);
}


static const unsigned char *
find(const unsigned char *hay, size_t n, const char *needle, size_t m)
{
    return memmem(hay, n, needle, m);
}


/* a header's parameter (boundary=, name=), quoted or not, into out */
static int
param(const char *header, size_t hlen, const char *name, char *out,
    size_t size)
{
    size_t       i, n, nlen;
    const char  *p;

    nlen = strlen(name);

    for (i = 0; i + nlen < hlen; i++) {
        if (strncasecmp(header + i, name, nlen) != 0
            || (i > 0 && header[i - 1] != ' ' && header[i - 1] != ';'))
        {
            continue;
        }

        p = header + i + nlen;
        n = 0;

        if (*p == '"') {
            p++;
            while (p + n < header + hlen && p[n] != '"') {
                n++;
            }
        } else {
            while (p + n < header + hlen && p[n] != ';' && p[n] != ' '
                   && p[n] != '\r')
            {
                n++;
            }
        }

        if (n == 0 || n >= size) {
            return -1;
        }

        memcpy(out, p, n);
        out[n] = '\0';

        return 0;
    }

    return -1;
}


/*
 * The part named "image" of a multipart/form-data body: its bytes and
 * its Content-Type (into ctype, "" when it has none). 0 or -1.
 */
static int
multipart_image(const char *content_type, const unsigned char *body,
    size_t len, const unsigned char **data, size_t *dlen, char *ctype,
    size_t csize)
{
    char                  boundary[BOUNDARY_MAX + 1], delim[BOUNDARY_MAX + 5];
    char                  name[64];
    size_t                dl, hl, left;
    const char           *h, *line, *eol;
    const unsigned char  *p, *end, *headers_end, *next;

    if (param(content_type, strlen(content_type), "boundary=", boundary,
              sizeof(boundary)) != 0)
    {
        return -1;
    }

    dl = (size_t) snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    end = body + len;

    /* the first delimiter may open the body without its CRLF */
    if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0) {
        p = body + dl - 2;
    } else {
        p = find(body, len, delim, dl);
        if (p == NULL) {
            return -1;
        }
        p += dl;
    }

    for ( ;; ) {
        left = (size_t) (end - p);

        if (left < 2 || memcmp(p, "--", 2) == 0) {
            return -1;          /* the closing delimiter: no image */
        }

        if (memcmp(p, "\r\n", 2) != 0) {
            return -1;
        }

        p += 2;
        headers_end = find(p, (size_t) (end - p), "\r\n\r\n", 4);

        if (headers_end == NULL || headers_end - p > 4096) {
            return -1;
        }

        next = find(headers_end + 4, (size_t) (end - headers_end - 4), delim,
                    dl);
        if (next == NULL) {
            return -1;
        }

        /* the part's headers, one line at a time */
        name[0] = '\0';
        ctype[0] = '\0';
        h = (const char *) p;

        while (h < (const char *) headers_end + 2) {
            eol = memmem(h, (size_t) ((const char *) headers_end + 2 - h),
                         "\r\n", 2);
            if (eol == NULL) {
                break;
            }

            line = h;
            hl = (size_t) (eol - line);

            if (hl > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0)
            {
                if (param(line, hl, "name=", name, sizeof(name)) != 0) {
                    name[0] = '\0';
                }

            } else if (hl > 13 && strncasecmp(line, "Content-Type:", 13) == 0)
            {
                line += 13;
                hl -= 13;
                while (hl > 0 && *line == ' ') {
                    line++;
                    hl--;
                }
                if (hl < csize) {
                    memcpy(ctype, line, hl);
                    ctype[hl] = '\0';
                }
            }

            h = eol + 2;
        }

        if (strcmp(name, "image") == 0) {
            *data = headers_end + 4;
            *dlen = (size_t) (next - headers_end - 4);
            return 0;
        }

        p = next + dl;
    }
}


static void
ocr(ucb_req_t *req, ucb_doc_e doc)
{
    char                  part_type[128];
    size_t                len;
    json_t               *answer;
    const char           *ctype, *code;
    ucb_ocr_rc_e          rc;
    ucb_image_info_t      info;
    ucb_image_error_t     err;
    const unsigned char  *data;

    data = req->upload;
    len = req->upload_len;
    ctype = req->upload_type;

    if (len == 0) {
        ucb_error(req, 400, "image_missing",
                  "send the photo as the body (image/jpeg or image/png) "
                  "or as the multipart part named \"image\"");
        return;
    }

    if (ctype != NULL && strncasecmp(ctype, "multipart/form-data", 19) == 0)
    {
        if (multipart_image(ctype, req->upload, req->upload_len, &data, &len,
                            part_type, sizeof(part_type))
            != 0)
        {
            ucb_error(req, 400, "image_missing",
                      "the multipart body has no part named \"image\"");
            return;
        }

        ctype = part_type[0] != '\0' ? part_type : NULL;
    }

    if (ucb_image_check(data, len, ctype, &info, &err) != 0) {
        __atomic_add_fetch(&refused, 1, __ATOMIC_RELAXED);
        ucb_error(req, err.status, err.code, err.message);
        return;
    }

    rc = ucb_ocr_read(data, len, doc, &answer, &code);

    switch (rc) {

    case UCB_OCR_OK:
        ucb_reply(req, 200, answer);
        return;

    case UCB_OCR_BUSY:
        ucb_error(req, 503, "ocr_busy",
                  "recognition is busy; try again in a moment");
        req->retry_after = 2;
        return;

    case UCB_OCR_TIMEOUT:
        ucb_error(req, 503, "ocr_timeout",
                  "the photo could not be read in time; try again");
        req->retry_after = 2;
        return;

    default:
        break;
    }

    if (strcmp(code, "image_unreadable") == 0) {
        ucb_error(req, 400, "image_unreadable",
                  "the image cannot be decoded");

    } else if (strcmp(code, "document_not_found") == 0) {
        ucb_error(req, 422, "document_not_found",
                  "no document was found in the photo: take it whole, "
                  "flat, on a darker surface");

    } else {
        ucb_error(req, 500, "internal_error", "recognition failed");
    }
}


void
ucb_h_ocr_id_card(ucb_req_t *req)
{
    const char  *side;

    side = ucb_query(req, "side");

    if (side == NULL || strcmp(side, "front") == 0) {
        ocr(req, UCB_DOC_ID_FRONT);

    } else if (strcmp(side, "back") == 0) {
        ocr(req, UCB_DOC_ID_BACK);

    } else {
        ucb_error(req, 400, "invalid_side",
                  "side is front (the portrait) or back (the emblem)");
    }
}


void
ucb_h_ocr_licence(ucb_req_t *req)
{
    ocr(req, UCB_DOC_LICENCE);
}


void
ucb_h_admin_ocr(ucb_req_t *req)
{
    json_t  *stats;

    stats = ucb_ocr_stats();
    if (stats == NULL) {
        ucb_error(req, 500, "internal_error", "out of memory");
        return;
    }

    json_object_set_new(stats, "refused",
                        json_integer(__atomic_load_n(&refused,
                                                     __ATOMIC_RELAXED)));
    ucb_reply(req, 200, stats);
}
