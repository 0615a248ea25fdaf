/*
 * uc-backend: a licence's photo for the operator's review of a merchant's
 * certification.
 *
 *   PUT /uc/v1/merchants/{id}/certification/{serial}/licence   an owner,
 *       while the request is pending: the photo (JPEG or PNG, the body),
 *       checked as recognition checks one (image.c)
 *   GET /uc/v1/admin/certifications/{serial}/licence            operators
 *
 * The only images the user center keeps. Sealed with AES-256-GCM bound to
 * the request's serial (a photo moved to another request does not open),
 * never logged, kept while the request waits (certification_image_pending_s)
 * and for certification_image_decided_s after its decision, then deleted:
 * expired photos go at each upload, each decision and every 30 seconds
 * (the outbox relay's housekeeping), so a quiet system keeps none either.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certification.h"
#include "image.h"


static int
serial_valid(const char *serial)
{
    size_t  n;

    n = strlen(serial);

    return n >= 3 && n <= 40
           && strspn(serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}


void
ucb_h_merchant_cert_licence_put(ucb_req_t *req)
{
    int                 rc;
    char                context[64], *sealed;
    long                now;
    const char         *mid, *serial;
    ucb_image_info_t    info;
    ucb_image_error_t   err;

    if (ucb_cert_owner(req) != 0) {
        return;
    }

    mid = req->params[0];
    serial = req->params[1];

    if (!serial_valid(serial)) {
        ucb_error(req, 404, "not_found", "no such request");
        return;
    }

    if (ucb_image_check(req->upload, req->upload_len, req->upload_type,
                        &info, &err) != 0)
    {
        ucb_error(req, err.status, err.code, err.message);
        return;
    }

    snprintf(context, sizeof(context), "licence|%s", serial);
    sealed = ucb_seal_bytes(req->upload, req->upload_len, context);

    if (sealed == NULL) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    now = (long) time(NULL);
    ucb_store_cert_images_purge(now);
    rc = ucb_store_cert_image_put(serial, mid, info.type == UCB_IMAGE_PNG
                                               ? "image/png" : "image/jpeg",
                                  sealed, (int64_t) req->upload_len, now,
                                  now + ucb_cert.image_pending_s);
    free(sealed);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such request of this merchant");
        return;
    }

    if (rc == UCB_CONFLICT) {
        ucb_error(req, 409, "already_decided", "this request was decided "
                  "already");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:s, s:I, s:I}", "serial", serial,
                                  "bytes", (json_int_t) req->upload_len,
                                  "expires_at",
                                  (json_int_t) (now
                                                + ucb_cert.image_pending_s)));
}


void
ucb_h_admin_cert_licence_get(ucb_req_t *req)
{
    int             rc;
    char            context[64];
    size_t          len;
    json_t         *row;
    const char     *serial, *ctype;
    unsigned char  *image;

    serial = req->params[0];

    if (!serial_valid(serial)) {
        ucb_error(req, 404, "not_found", "no such photo");
        return;
    }

    rc = ucb_store_cert_image_get(serial, (int64_t) time(NULL), &row);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such photo (none was sent, or "
                  "it was deleted after its retention)");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    snprintf(context, sizeof(context), "licence|%s", serial);
    image = ucb_unseal_bytes(json_string_value(json_object_get(row,
                                                               "sealed")),
                             context, &len);
    ctype = strcmp(json_string_value(json_object_get(row, "content_type")),
                   "image/png") == 0 ? "image/png" : "image/jpeg";
    json_decref(row);

    if (image == NULL) {
        ucb_log(UCB_LOG_ERROR, "a licence photo does not open",
                "\"serial\":\"%s\"", serial);
        ucb_error(req, 500, "internal_error", "the photo cannot be opened");
        return;
    }

    ucb_reply_bytes(req, 200, image, len, ctype);
}


void
ucb_cert_licence_decided(const char *serial)
{
    long  now;

    now = (long) time(NULL);

    if (ucb_store_cert_image_retain(serial, now + ucb_cert.image_decided_s)
        != UCB_OK
        || ucb_store_cert_images_purge(now) != UCB_OK)
    {
        ucb_log(UCB_LOG_WARN, "licence photos not expired",
                "\"serial\":\"%s\"", serial);
    }
}
