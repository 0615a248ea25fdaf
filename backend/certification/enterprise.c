/*
 * uc-backend: a merchant's (enterprise) certification.
 *
 *   POST /uc/v1/merchants/{id}/certification {"legal_rep",
 *        "legal_rep_id_number"?}        an owner asks; a serial number
 *   GET  /uc/v1/merchants/{id}/certification       its members see it
 *   GET  /uc/v1/admin/certifications?status=pending
 *   POST /uc/v1/admin/certifications/{serial}/approve
 *   POST /uc/v1/admin/certifications/{serial}/reject {"reason"}
 *
 * An active merchant's own credit code (GB 32100, checked when it was
 * written) and name, the legal representative and their ID number go to
 * the provider's element check (EntElementVerify): a full match of the
 * four elements, of an enterprise the registry says is in business,
 * certifies the merchant at once; anything else, three elements included
 * (all three are printed on the licence and public), waits for an
 * operator. Certification is of the name and code checked:
 * a merchant that no longer has them is not certified (409
 * merchant_changed). Certified, the merchant's copy for the gateways says
 * so, and a certified person (level 3) acting for it is level 4 there.
 * The representative's name and number are sealed, masked in answers,
 * never logged.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "certification.h"
#include "uc_cn.h"


#define SERIAL_PREFIX  "EC"


/*
 * Whether the registry's status (经营状态) is that of an enterprise in
 * business: the elements of a deregistered or revoked one still match
 * its record, so a match certifies only with the status "1" (在营, 开业);
 * none, or any other (moved out, deregistered, revoked, cancelled,
 * suspended, other), goes to review.
 */
static int
operating(const char *status)
{
    return strcmp(status, "1") == 0;
}


static void
store_refused(ucb_req_t *req, int rc)
{
    switch (rc) {

    case UCB_FORBIDDEN:
        ucb_error(req, 403, "merchant_role_required", "only an owner asks "
                  "for the merchant's certification");
        return;

    case UCB_NOT_FOUND:
        ucb_error(req, 404, "not_found", "no such merchant");
        return;

    case UCB_CONFLICT:
        ucb_error(req, 409, "certification_pending", "a request of this "
                  "merchant waits for review");
        return;

    case UCB_GONE:
        ucb_error(req, 409, "not_certifiable", "the merchant is certified "
                  "already, not active, or has no credit code");
        return;

    case UCB_TAKEN:
        ucb_error(req, 409, "merchant_changed", "the merchant's name or "
                  "credit code are no longer those checked");
        return;

    default:
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }
}


/* the merchant's attempts of the day (providers bill per call) */
static int
attempt(ucb_req_t *req, const char *mid)
{
    long         n;
    char         key[UC_KEY_MAX + 64], day[16];

    ucb_cert_today(day);
    snprintf(key, sizeof(key), "%s{mc:%s}:%s", ucb_conf.prefix, mid, day);

    n = ucb_cert_count(key);

    if (n < 0) {
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable", "try again shortly");
        return -1;
    }

    if (n > ucb_cert.attempts) {
        req->retry_after = 3600;
        ucb_error(req, 429, "too_many_attempts", "too many certification "
                  "attempts today; try again tomorrow");
        return -1;
    }

    return 0;
}


int
ucb_cert_owner(ucb_req_t *req)
{
    char  role[16];

    if (!ucb_cert_enabled()) {
        ucb_error(req, 404, "provider_not_configured", "certification is "
                  "not configured here");
        return -1;
    }

    if (!ucb_merchant_param_valid(req, 0)
        || ucb_merchant_role_of(req, req->params[0], role, sizeof(role)) != 0)
    {
        return -1;
    }

    if (strcmp(role, "owner") != 0) {
        store_refused(req, UCB_FORBIDDEN);
        return -1;
    }

    return 0;
}


void
ucb_h_merchant_cert_request(ucb_req_t *req)
{
    int                    rc, biz, revoked;
    char                   serial[40], request_id[80], reg_status[64];
    char                   rep_id[UC_RIC_LEN + 1], ctx[96];
    char                   rep_sealed[256], rep_masked[72];
    char                   id_sealed[128], id_masked[32];
    char                   name[256], code[32];
    json_t                *m, *out, *latest;
    const char            *mid, *rep, *given, *v, *cert, *provider;
    ucb_provider_error_t   err;
    ucb_merchant_cert_t    c;

    if (ucb_cert_owner(req) != 0) {
        return;
    }

    mid = req->params[0];

    if (ucb_body_string(req, "legal_rep", 64, 1, &rep) != 0
        || ucb_body_string(req, "legal_rep_id_number", 32, 0, &given) != 0)
    {
        return;
    }

    if (!ucb_person_name_valid(rep)) {
        ucb_error(req, 400, "invalid_name", "\"legal_rep\" must be the "
                  "representative's name as the licence prints it");
        return;
    }

    rep_id[0] = '\0';

    if (given != NULL && given[0] != '\0'
        && ucb_cert_id_number(req, given, rep_id) != 0)
    {
        return;
    }

    rc = ucb_store_merchant_get(mid, &m);

    if (rc != UCB_OK) {
        store_refused(req, rc);
        return;
    }

    v = json_string_value(json_object_get(m, "credit_code"));
    snprintf(code, sizeof(code), "%s", v != NULL ? v : "");
    v = json_string_value(json_object_get(m, "name"));
    snprintf(name, sizeof(name), "%s", v != NULL ? v : "");
    cert = json_string_value(json_object_get(m, "certification"));
    v = json_string_value(json_object_get(m, "status"));

    /* decided here before a billed call; the store decides again */
    rc = code[0] == '\0' || cert == NULL || strcmp(cert, "certified") == 0
         || v == NULL || strcmp(v, "active") != 0;
    revoked = cert != NULL && strcmp(cert, "revoked") == 0;
    json_decref(m);

    if (rc) {
        store_refused(req, UCB_GONE);
        return;
    }

    rc = ucb_store_merchant_cert_latest(mid, &latest);

    if (rc == UCB_OK) {
        v = json_string_value(json_object_get(latest, "status"));
        rc = v != NULL && strcmp(v, "pending") == 0 ? UCB_CONFLICT : UCB_OK;
        json_decref(latest);

    } else if (rc == UCB_NOT_FOUND) {
        rc = UCB_OK;
    }

    if (rc != UCB_OK) {
        store_refused(req, rc);
        return;
    }

    if (attempt(req, mid) != 0
        || ucb_serial_next(SERIAL_PREFIX, serial, sizeof(serial)) != 0)
    {
        if (req->status == 0) {
            ucb_error(req, 503, "unavailable", "try again shortly");
        }
        goto done;
    }

    biz = ucb_cert_enterprise_check(code, name, rep, rep_id, serial, mid,
                                    &provider, reg_status,
                                    sizeof(reg_status), request_id,
                                    sizeof(request_id), &err);

    if (biz < 0) {
        ucb_log(UCB_LOG_WARN, "certification provider refused",
                "\"provider\":\"%s\",\"code\":\"%s\",\"provider_code\":%ld,"
                "\"serial\":\"%s\"", provider, err.code, err.errcode, serial);
        req->retry_after = err.retry_after;
        ucb_error(req, err.status, err.code, err.message);
        goto done;
    }

    snprintf(ctx, sizeof(ctx), "merchant|rep|%s", serial);
    ucb_mask_name(rep_masked, sizeof(rep_masked), rep);

    if (ucb_seal(rep, ctx, rep_sealed, sizeof(rep_sealed)) != 0) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        goto done;
    }

    id_sealed[0] = id_masked[0] = '\0';

    if (rep_id[0] != '\0') {
        snprintf(ctx, sizeof(ctx), "merchant|rep_id|%s", serial);
        ucb_mask_id_number(id_masked, sizeof(id_masked), rep_id);

        if (ucb_seal(rep_id, ctx, id_sealed, sizeof(id_sealed)) != 0) {
            ucb_error(req, 500, "internal_error", "try again shortly");
            goto done;
        }
    }

    memset(&c, 0, sizeof(c));
    c.serial = serial;
    c.merchant_id = mid;
    c.actor = req->uid;
    c.elements = rep_id[0] != '\0' ? 4 : 3;
    c.rep_sealed = rep_sealed;
    c.rep_masked = rep_masked;
    c.rep_id_sealed = id_sealed;
    c.rep_id_masked = id_masked;
    c.name = name;
    c.credit_code = code;
    c.provider_result = biz == 2 ? "mismatch"
                        : biz == 3 ? "no_record"
                        : operating(reg_status) ? "match"
                        : "match_not_operating";
    c.provider = provider;
    c.provider_request = request_id;
    /* after an operator's revocation, an operator decides again */
    c.certify = strcmp(c.provider_result, "match") == 0 && rep_id[0] != '\0'
                && !revoked;

    rc = ucb_store_merchant_cert_request(&c, &out);

    if (rc != UCB_OK) {
        store_refused(req, rc);
        goto done;
    }

    /* the gateways' copy: level 4 for the sessions acting for it */
    if (c.certify && ucb_merchant_changed(mid) != 0) {
        ucb_log(UCB_LOG_WARN, "merchant copy not published",
                "\"merchant\":\"%s\"", mid);
    }

    ucb_reply(req, 201, out);

done:

    OPENSSL_cleanse(rep_id, sizeof(rep_id));
}


void
ucb_h_merchant_cert_get(ucb_req_t *req)
{
    int      rc;
    char     role[16];
    json_t  *out;

    if (!ucb_merchant_param_valid(req, 0)
        || ucb_merchant_role_of(req, req->params[0], role, sizeof(role)) != 0)
    {
        return;
    }

    rc = ucb_store_merchant_cert_latest(req->params[0], &out);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_requested", "no certification was asked "
                  "for");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, out);
}


void
ucb_h_admin_merchant_certs(ucb_req_t *req)
{
    json_t      *out;
    const char  *status;

    status = ucb_query(req, "status");

    if (status == NULL) {
        status = "pending";
    }

    if (strcmp(status, "pending") != 0 && strcmp(status, "certified") != 0
        && strcmp(status, "rejected") != 0)
    {
        ucb_error(req, 400, "validation_failed", "\"status\" is pending, "
                  "certified or rejected");
        return;
    }

    if (ucb_store_merchant_certs(status, &out) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o}", "requests", out));
}


/* POST /uc/v1/admin/certifications/{serial}/{approve|reject} */
void
ucb_h_admin_merchant_cert_decide(ucb_req_t *req)
{
    int          rc, approve;
    size_t       n;
    json_t      *out;
    const char  *serial, *reason;

    serial = req->params[0];
    n = strlen(serial);
    approve = strcmp(req->params[1], "approve") == 0;

    if (!approve && strcmp(req->params[1], "reject") != 0) {
        ucb_error(req, 404, "not_found", "no such endpoint");
        return;
    }

    if (n < 3 || n > 40
        || strspn(serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
    {
        ucb_error(req, 404, "not_found", "no such request");
        return;
    }

    if (approve) {
        if (ucb_body_string(req, "reason", 200, 0, &reason) != 0) {
            return;
        }

        reason = reason != NULL ? reason : "";

    } else if ((reason = ucb_cert_reason(req)) == NULL) {
        return;
    }

    rc = ucb_store_merchant_cert_decide(serial, approve, reason, req->uid,
                                        &out);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such request");
        return;
    }

    if (rc == UCB_CONFLICT) {
        ucb_error(req, 409, "already_decided", "this request was decided "
                  "already");
        return;
    }

    if (rc == UCB_GONE || rc == UCB_TAKEN) {
        store_refused(req, rc);
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_cert_licence_decided(serial);

    if (approve
        && ucb_merchant_changed(json_string_value(
               json_object_get(out, "merchant_id"))) != 0)
    {
        ucb_log(UCB_LOG_WARN, "merchant copy not published",
                "\"serial\":\"%s\"", serial);
    }

    ucb_reply(req, 200, out);
}


/* POST /uc/v1/admin/merchants/{id}/certification/revoke {"reason"} */
void
ucb_h_admin_merchant_cert_revoke(ucb_req_t *req)
{
    int          rc;
    const char  *reason;

    if (!ucb_merchant_param_valid(req, 0)) {
        return;
    }

    reason = ucb_cert_reason(req);
    if (reason == NULL) {
        return;
    }

    rc = ucb_store_merchant_cert_revoke(req->params[0], reason, req->uid);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_certified", "no such certified merchant");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    /* its sessions lose level 4 at the gateways within a second */
    if (ucb_merchant_changed(req->params[0]) != 0) {
        ucb_log(UCB_LOG_WARN, "merchant copy not published",
                "\"merchant\":\"%s\"", req->params[0]);
    }

    ucb_reply(req, 200, json_pack("{s:b}", "revoked", 1));
}
