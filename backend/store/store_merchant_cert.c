/*
 * uc-backend: the store's side of merchants' (enterprise) certification
 * (store.h). A request and its effect are one transaction under the
 * merchant's lock: at most one pending request per merchant, and
 * certifying marks the merchant and bumps its version, so the gateways'
 * copy (and their level 4 for sessions acting for it) follows.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"
#include "store_merchants.h"
#include "ucb.h"


static json_t *
request_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s,"
                     " s:s, s:s, s:I, s:I, s:s}",
                     "serial", ucb_db_text(s, 0),
                     "merchant_id", ucb_db_text(s, 1),
                     "status", ucb_db_text(s, 2),
                     "elements", (json_int_t) ucb_db_int64(s, 3),
                     "credit_code", ucb_db_text(s, 4),
                     "name", ucb_db_text(s, 5),
                     "legal_rep", ucb_db_text(s, 6),
                     "legal_rep_id_number", ucb_db_text(s, 7),
                     "provider_result", ucb_db_text(s, 8),
                     "reason", ucb_db_text(s, 9),
                     "requested_by", ucb_db_text(s, 10),
                     "decided_by", ucb_db_text(s, 11),
                     "created_at", (json_int_t) ucb_db_int64(s, 12),
                     "decided_at", (json_int_t) ucb_db_int64(s, 13),
                     "provider", ucb_db_text(s, 14));
}


/*
 * A request's step that leaves the merchant as it is (a request to
 * review, a rejection): its audit row under the merchant and its event,
 * then COMMIT.
 */
static int
noted(const char *action, const char *mid, const char *serial,
    const char *what, const char *value, const char *actor)
{
    int      rc;
    char     subject[80];
    json_t  *after;

    snprintf(subject, sizeof(subject), "merchant:%s", mid);
    after = json_pack("{s:s, s:s, s:s}", "merchant_id", mid,
                      "serial", serial, what, value);

    if (after == NULL) {
        return UCB_ERROR;
    }

    rc = ucb_st_audit_change(actor, action, subject, NULL, after);

    if (rc != 0) {
        json_decref(after);
        return UCB_ERROR;
    }

    return ucb_st_commit_event(action, actor, after);
}


/* marks the merchant certified and commits (audit, merchant.certified) */
static int
certify_merchant(const char *mid, const char *serial, const char *actor)
{
    int             rc;
    int64_t         version;
    json_t         *before;
    ucb_db_stmt_t  *s;

    if (ucb_store_merchant_get(mid, &before) != UCB_OK) {
        return UCB_ERROR;
    }

    s = ucb_db_stmt(S_MERCHANT_CERTIFY);

    if (s == NULL || ucb_st_merchant_bump(mid, &version) != UCB_OK) {
        json_decref(before);
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, mid);
    ucb_db_bind_text(s, 2, "certified");

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        json_decref(before);
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_changed(mid, "merchant.certified", before,
                                 json_pack("{s:s}", "serial", serial),
                                 actor, NULL);
    json_decref(before);

    return rc;
}


static int
request_once(const ucb_merchant_cert_t *c, json_t **out)
{
    int             rc, match;
    json_t         *m;
    int64_t         pending;
    const char     *status, *cert, *code, *name;
    ucb_db_stmt_t  *s;

    *out = NULL;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_lock_as(c->merchant_id, c->actor, "owner");

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    if (ucb_store_merchant_get(c->merchant_id, &m) != UCB_OK) {
        goto failed;
    }

    status = json_string_value(json_object_get(m, "status"));
    cert = json_string_value(json_object_get(m, "certification"));
    code = json_string_value(json_object_get(m, "credit_code"));
    name = json_string_value(json_object_get(m, "name"));

    /* active: its name and code can no longer change (merchants.c) */
    if (status == NULL || strcmp(status, "active") != 0 || cert == NULL
        || strcmp(cert, "certified") == 0 || code == NULL || code[0] == '\0')
    {
        json_decref(m);
        ucb_db_rollback();
        return UCB_GONE;
    }

    /* what the provider checked is what the merchant still says */
    if (name == NULL || strcmp(name, c->name) != 0
        || strcmp(code, c->credit_code) != 0)
    {
        json_decref(m);
        ucb_db_rollback();
        return UCB_TAKEN;
    }

    if (ucb_st_count(S_MCERT_PENDING, c->merchant_id, -1, &pending) != 0) {
        json_decref(m);
        goto failed;
    }

    if (pending > 0) {
        json_decref(m);
        ucb_db_rollback();
        return UCB_CONFLICT;
    }

    /* after an operator's revocation, an operator decides again */
    match = c->certify && strcmp(cert, "revoked") != 0;

    s = ucb_db_stmt(S_MCERT_INSERT);
    if (s == NULL) {
        json_decref(m);
        goto failed;
    }

    ucb_db_bind_text(s, 1, c->serial);
    ucb_db_bind_text(s, 2, c->merchant_id);
    ucb_db_bind_text(s, 3, match ? "certified" : "pending");
    ucb_db_bind_int64(s, 4, c->elements);
    ucb_db_bind_text(s, 5, code);
    ucb_db_bind_text(s, 6, name);
    ucb_db_bind_text(s, 7, c->rep_sealed);
    ucb_db_bind_text(s, 8, c->rep_masked);
    ucb_db_bind_text(s, 9, c->rep_id_sealed);
    ucb_db_bind_text(s, 10, c->rep_id_masked);
    ucb_db_bind_text(s, 11, c->provider_result);
    ucb_db_bind_text(s, 12, c->provider_request);
    ucb_db_bind_text(s, 13, c->actor);
    ucb_db_bind_text(s, 14, match ? "provider" : "");
    ucb_db_bind_int64(s, 15, ucb_st_now());
    ucb_db_bind_int64(s, 16, match ? ucb_st_now() : 0);
    ucb_db_bind_text(s, 17, c->provider != NULL ? c->provider : "aliyun");

    rc = ucb_db_exec(s);
    json_decref(m);

    if (rc != UCB_DB_DONE) {
        goto failed;
    }

    if (match) {
        rc = certify_merchant(c->merchant_id, c->serial, c->actor);

    } else {
        rc = noted("merchant.certification_requested", c->merchant_id,
                   c->serial, "provider_result", c->provider_result,
                   c->actor);
    }

    if (rc != UCB_OK) {
        goto failed;
    }

    return ucb_store_merchant_cert_get(c->serial, out);

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_merchant_cert_request(const ucb_merchant_cert_t *c, json_t **out)
{
    UCB_STORE_RETRY(request_once(c, out));
}


static int
decide_once(const char *serial, int approve, const char *reason,
    const char *actor, json_t **out)
{
    int             rc;
    char            mid[64], name[256], code[32];
    json_t         *req, *m;
    const char     *v;
    ucb_db_stmt_t  *s;

    *out = NULL;

    rc = ucb_store_merchant_cert_get(serial, &req);

    if (rc != UCB_OK) {
        return rc;
    }

    snprintf(mid, sizeof(mid), "%s",
             json_string_value(json_object_get(req, "merchant_id")));
    snprintf(name, sizeof(name), "%s",
             json_string_value(json_object_get(req, "name")));
    snprintf(code, sizeof(code), "%s",
             json_string_value(json_object_get(req, "credit_code")));
    json_decref(req);

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_merchant_lock(mid) != UCB_OK) {
        goto failed;
    }

    /* approving certifies the merchant as it is now: only if that is
       still what was asked about, and it is active */
    if (approve) {
        if (ucb_store_merchant_get(mid, &m) != UCB_OK) {
            goto failed;
        }

        v = json_string_value(json_object_get(m, "status"));
        rc = v == NULL || strcmp(v, "active") != 0 ? UCB_GONE : UCB_OK;

        v = json_string_value(json_object_get(m, "name"));
        if (rc == UCB_OK && (v == NULL || strcmp(v, name) != 0)) {
            rc = UCB_TAKEN;
        }

        v = json_string_value(json_object_get(m, "credit_code"));
        if (rc == UCB_OK && (v == NULL || strcmp(v, code) != 0)) {
            rc = UCB_TAKEN;
        }

        json_decref(m);

        if (rc != UCB_OK) {
            ucb_db_rollback();
            return rc;
        }
    }

    s = ucb_db_stmt(S_MCERT_DECIDE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, serial);
    ucb_db_bind_text(s, 2, approve ? "certified" : "rejected");
    ucb_db_bind_text(s, 3, reason);
    ucb_db_bind_text(s, 4, actor);
    ucb_db_bind_int64(s, 5, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    /* decided already (by another operator, or by the provider) */
    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return UCB_CONFLICT;
    }

    if (approve) {
        rc = certify_merchant(mid, serial, actor);

    } else {
        rc = noted("merchant.certification_rejected", mid, serial, "reason",
                   reason, actor);
    }

    if (rc != UCB_OK) {
        goto failed;
    }

    return ucb_store_merchant_cert_get(serial, out);

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_merchant_cert_decide(const char *serial, int approve,
    const char *reason, const char *actor, json_t **out)
{
    UCB_STORE_RETRY(decide_once(serial, approve, reason, actor, out));
}


int
ucb_store_merchant_cert_get(const char *serial, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MCERT_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, serial);

    return ucb_st_one(s, request_row, NULL, out);
}


int
ucb_store_merchant_cert_latest(const char *mid, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MCERT_LATEST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, mid);

    return ucb_st_one(s, request_row, NULL, out);
}


int
ucb_store_merchant_certs(const char *status, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MCERT_LIST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, status);

    return ucb_st_all(s, request_row, NULL, out);
}


static int
merchant_revoke_once(const char *mid, const char *reason, const char *actor)
{
    int             rc;
    int64_t         version;
    json_t         *before;
    const char     *cert;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_merchant_lock(mid) != UCB_OK) {
        goto failed;
    }

    rc = ucb_store_merchant_get(mid, &before);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    cert = json_string_value(json_object_get(before, "certification"));

    if (cert == NULL || strcmp(cert, "certified") != 0) {
        json_decref(before);
        ucb_db_rollback();
        return UCB_NOT_FOUND;
    }

    s = ucb_db_stmt(S_MERCHANT_CERTIFY);

    if (s == NULL || ucb_st_merchant_bump(mid, &version) != UCB_OK) {
        json_decref(before);
        goto failed;
    }

    ucb_db_bind_text(s, 1, mid);
    ucb_db_bind_text(s, 2, "revoked");

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        json_decref(before);
        goto failed;
    }

    rc = ucb_st_merchant_changed(mid, "merchant.certification_revoked",
                                 before, json_pack("{s:s}", "reason", reason),
                                 actor, NULL);
    json_decref(before);

    if (rc != UCB_OK) {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_merchant_cert_revoke(const char *mid, const char *reason,
    const char *actor)
{
    UCB_STORE_RETRY(merchant_revoke_once(mid, reason, actor));
}


/* ------------------------------------------------ licence photos */

static int
image_put(const char *serial, const char *mid, const char *content_type,
    const char *sealed, int64_t bytes, int64_t now, int64_t expires)
{
    int             rc;
    json_t         *req;
    const char     *status, *owner;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != UCB_DB_DONE) {
        return UCB_ERROR;
    }

    /* after a decision committed, or before it starts: a photo is never
       stored for a decided request, with a waiting request's retention */
    if (ucb_st_merchant_lock(mid) != UCB_OK) {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    /* only a pending request of this merchant takes a photo */
    s = ucb_db_stmt(S_MCERT_GET);
    if (s == NULL) {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, serial);
    rc = ucb_st_one(s, request_row, NULL, &req);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    owner = json_string_value(json_object_get(req, "merchant_id"));
    status = json_string_value(json_object_get(req, "status"));
    rc = owner == NULL || strcmp(owner, mid) != 0 ? UCB_NOT_FOUND
         : status == NULL || strcmp(status, "pending") != 0 ? UCB_CONFLICT
         : UCB_OK;
    json_decref(req);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    s = ucb_db_stmt(S_CIMG_PUT);
    if (s == NULL) {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, serial);
    ucb_db_bind_text(s, 2, content_type);
    ucb_db_bind_text(s, 3, sealed);
    ucb_db_bind_int64(s, 4, bytes);
    ucb_db_bind_int64(s, 5, now);
    ucb_db_bind_int64(s, 6, expires);

    if (ucb_db_exec(s) != UCB_DB_DONE || ucb_db_commit() != UCB_DB_DONE) {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    return UCB_OK;
}


int
ucb_store_cert_image_put(const char *serial, const char *mid,
    const char *content_type, const char *sealed, int64_t bytes,
    int64_t now, int64_t expires)
{
    UCB_STORE_RETRY(image_put(serial, mid, content_type, sealed, bytes, now,
                              expires));
}


static json_t *
image_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:s}", "content_type", ucb_db_text(s, 0),
                     "sealed", ucb_db_text(s, 1));
}


int
ucb_store_cert_image_get(const char *serial, int64_t now, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_CIMG_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, serial);
    ucb_db_bind_int64(s, 2, now);

    return ucb_st_one(s, image_row, NULL, out);
}


int
ucb_store_cert_image_retain(const char *serial, int64_t until)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_CIMG_RETAIN);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, serial);
    ucb_db_bind_int64(s, 2, until);

    return ucb_db_exec(s) == UCB_DB_DONE ? UCB_OK : UCB_ERROR;
}


int
ucb_store_cert_images_purge(int64_t now)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_CIMG_PURGE);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, now);

    return ucb_db_exec(s) == UCB_DB_DONE ? UCB_OK : UCB_ERROR;
}
