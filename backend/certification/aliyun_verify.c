/*
 * uc-backend: Alibaba Cloud's checks (product cloudauth, version
 * 2019-03-07, PROTOCOLS.md 3f): Id2MetaVerify, a person's name and ID
 * number; EntElementVerify, an enterprise's elements. Both RPC APIs:
 * a POST of the form, signed with the AccessKey (libuc/uc_aliyun.c), a
 * fresh SignatureNonce each (the provider refuses replays), the
 * Timestamp in UTC.
 *
 *   {"RequestId":"...","Code":"200","Message":"success",
 *    "ResultObject":{"BizCode":"1"}}     1 match, 2 mismatch, 3 no record
 *
 * EntElementVerify belongs to the API's 2022-11-25 version (at
 * cloudauth.aliyuncs.com) and answers Code "Success" and, under "Result",
 * the BizCode and the registry's Status of the enterprise (经营状态: 1 in
 * business, 2 moved out, 3 deregistered, 4 revoked, 5 cancelled, 6
 * suspended, 0 other).
 *
 * Code and BizCode come as strings or numbers. The name and number are
 * sent, never logged; the answer's RequestId is kept with the record.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "certification.h"
#include "uc_aliyun.h"


#define FORM_MAX  4096


/* a string or a number of j's field as text; "" when neither */
static void
text_of(json_t *j, const char *field, char *dst, size_t size)
{
    json_t  *v;

    v = json_object_get(j, field);
    dst[0] = '\0';

    if (json_is_string(v)) {
        snprintf(dst, size, "%s", json_string_value(v));

    } else if (json_is_integer(v)) {
        snprintf(dst, size, "%lld", (long long) json_integer_value(v));
    }
}


static void
nonce(char dst[33])
{
    int            i;
    unsigned char  raw[16];

    RAND_bytes(raw, sizeof(raw));

    for (i = 0; i < 16; i++) {
        snprintf(dst + 2 * i, 3, "%02x", raw[i]);
    }
}


/*
 * A refusal the provider explained, by its Code and the HTTP status it
 * came with, as our envelope's. Version 2019-03-07 answers its trouble in
 * a 200 (402 the registry's, 403 too many calls, 500 its own); the RPC
 * gateway names its own with a 4xx or 5xx (Throttling.User,
 * ServiceUnavailable, SignatureDoesNotMatch, InvalidAccessKeyId...).
 */
static void
refused(const char *code, long http, ucb_provider_error_t *err)
{
    /* our call came twice (libcurl sends it again, same nonce, when a
       kept connection died under it): the first may have been checked */
    if (strcmp(code, "SignatureNonceUsed") == 0) {
        ucb_provider_fail(err, 503, "provider_unavailable",
                          "the verification service's answer was lost; try "
                          "again shortly", 5);
        err->may_have_run = 1;

    } else if (strcmp(code, "402") == 0 || strcmp(code, "403") == 0
        || strcmp(code, "500") == 0 || strncmp(code, "Throttling", 10) == 0
        || strcmp(code, "ServiceUnavailable") == 0
        || strcmp(code, "InternalError") == 0 || http >= 500)
    {
        ucb_cert_fail(err, UCB_CERT_BUSY);

    } else if (code[0] == '4' || http >= 400) {
        ucb_cert_fail(err, UCB_CERT_REFUSED);

    } else {
        ucb_cert_fail(err, UCB_CERT_NO_ANSWER);
    }

    err->errcode = http != 200 ? http : strtol(code, NULL, 10);
}


/*
 * One call of action (of the API version, at endpoint) with its own
 * parameters (extra, n of them): the answer's BizCode under result_field,
 * 1 to 3, and its Status there when status is not NULL ("" when it has
 * none or one longer than status_size); -1 and *err.
 */
static int
rpc(const char *endpoint, const char *action, const char *version,
    const uc_aliyun_param_t *extra, size_t nextra, const char *result_field,
    char *status, size_t status_size, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    int                 rc;
    char                ts[24], sn[33], sig[29], *form, *sts, *body;
    char                code[64], biz[8];
    long                http;
    size_t              n, i, len, w;
    json_t             *j, *result;
    time_t              now;
    struct tm           tm;
    uc_aliyun_param_t   p[20];

    request_id[0] = '\0';
    if (status != NULL) {
        status[0] = '\0';
    }
    form = sts = body = NULL;
    rc = -1;

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    nonce(sn);

    n = 0;
    p[n++] = (uc_aliyun_param_t) { "Action", action };
    p[n++] = (uc_aliyun_param_t) { "Version", version };
    p[n++] = (uc_aliyun_param_t) { "Format", "JSON" };
    p[n++] = (uc_aliyun_param_t) { "AccessKeyId", ucb_cert.access_key_id };
    p[n++] = (uc_aliyun_param_t) { "SignatureMethod", "HMAC-SHA1" };
    p[n++] = (uc_aliyun_param_t) { "SignatureVersion", "1.0" };
    p[n++] = (uc_aliyun_param_t) { "SignatureNonce", sn };
    p[n++] = (uc_aliyun_param_t) { "Timestamp", ts };

    for (i = 0; i < nextra && n < 19; i++) {
        p[n++] = extra[i];
    }

    sts = malloc(FORM_MAX);
    form = malloc(FORM_MAX);

    if (sts == NULL || form == NULL) {
        ucb_provider_fail(err, 500, "internal_error", "out of memory", 0);
        goto done;
    }

    len = uc_aliyun_string_to_sign("POST", p, n, sts, FORM_MAX);

    if (len >= FORM_MAX
        || uc_aliyun_sign(ucb_cert.access_key_secret, sts, len, sig) != 0)
    {
        ucb_provider_fail(err, 500, "internal_error",
                          "the call cannot be signed", 0);
        goto done;
    }

    p[n++] = (uc_aliyun_param_t) { "Signature", sig };

    /* the form: the canonical query, then the signature */
    len = uc_aliyun_query(p, n, form, FORM_MAX);
    w = len < FORM_MAX ? (size_t) snprintf(form + len, FORM_MAX - len,
                                           "&Signature=") : FORM_MAX;

    if (len + w >= FORM_MAX
        || uc_aliyun_encode(sig, form + len + w, FORM_MAX - len - w)
           >= FORM_MAX - len - w)
    {
        ucb_provider_fail(err, 400, "validation_failed",
                          "the names are too long", 0);
        goto done;
    }

    http = 0;

    if (ucb_provider_post_form_any(endpoint, form, &body, &len, &http, err)
        != 0)
    {
        goto done;
    }

    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);

    if (j == NULL || !json_is_object(j)) {
        json_decref(j);

        if (http != 200) {
            refused("", http, err);
        } else {
            ucb_provider_fail(err, 502, "provider_error",
                              "the provider's answer could not be read", 0);
        }

        goto done;
    }

    text_of(j, "Code", code, sizeof(code));
    result = json_object_get(j, result_field);
    text_of(result, "BizCode", biz, sizeof(biz));
    if (status != NULL) {
        text_of(result, "Status", status, status_size);
        /* cut, it would be another value */
        if (strlen(status) + 1 >= status_size) {
            status[0] = '\0';
        }
    }
    text_of(j, "RequestId", request_id, size);

    for (i = 0; request_id[i] != '\0'; i++) {
        if (!((request_id[i] >= '0' && request_id[i] <= '9')
              || (request_id[i] >= 'A' && request_id[i] <= 'Z')
              || (request_id[i] >= 'a' && request_id[i] <= 'z')
              || request_id[i] == '-'))
        {
            request_id[0] = '\0';
            break;
        }
    }

    json_decref(j);

    /* 2019-03-07 says "200", 2022-11-25 "Success" */
    if (http == 200
        && (strcmp(code, "200") == 0 || strcmp(code, "Success") == 0)
        && (strcmp(biz, "1") == 0 || strcmp(biz, "2") == 0
            || strcmp(biz, "3") == 0))
    {
        rc = biz[0] - '0';
        goto done;
    }

    refused(code, http, err);

    /* a success without a result we know: it may have checked (billed) */
    if (http == 200
        && (strcmp(code, "200") == 0 || strcmp(code, "Success") == 0))
    {
        err->may_have_run = 1;
    }

done:

    if (sts != NULL) {
        OPENSSL_cleanse(sts, FORM_MAX);
    }

    if (form != NULL) {
        OPENSSL_cleanse(form, FORM_MAX);
    }

    if (body != NULL) {
        OPENSSL_cleanse(body, len);
    }

    free(sts);
    free(form);
    free(body);

    return rc;
}


int
ucb_aliyun_id2meta(const char *name, const char *id_number,
    char *request_id, size_t size, ucb_provider_error_t *err)
{
    uc_aliyun_param_t  p[3];

    p[0] = (uc_aliyun_param_t) { "ParamType", "normal" };
    p[1] = (uc_aliyun_param_t) { "IdentifyNum", id_number };
    p[2] = (uc_aliyun_param_t) { "UserName", name };

    return rpc(ucb_cert.endpoint, "Id2MetaVerify", "2019-03-07", p, 3,
               "ResultObject", NULL, 0, request_id, size, err);
}


/*
 * EntElementVerify: the credit code, the enterprise's name and its legal
 * representative (ENT_3META), with the representative's ID number too
 * (ENT_4META); MerchantBizId is our serial number of the request,
 * MerchantUserId the merchant.
 */
int
ucb_aliyun_ent_verify(const char *code, const char *name, const char *rep,
    const char *rep_id, const char *serial, const char *merchant,
    char *status, size_t status_size, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    size_t             n;
    uc_aliyun_param_t  p[9];

    n = 0;
    p[n++] = (uc_aliyun_param_t) { "InfoVerifyType",
                                   rep_id[0] != '\0' ? "ENT_4META"
                                                     : "ENT_3META" };
    p[n++] = (uc_aliyun_param_t) { "SceneCode", "usercenter" };
    p[n++] = (uc_aliyun_param_t) { "MerchantBizId", serial };
    p[n++] = (uc_aliyun_param_t) { "MerchantUserId", merchant };
    /* the applicant's consent to the check, which the API asks for */
    p[n++] = (uc_aliyun_param_t) { "UserAuthorization", "1" };
    p[n++] = (uc_aliyun_param_t) { "LicenseNo", code };
    p[n++] = (uc_aliyun_param_t) { "EntName", name };
    p[n++] = (uc_aliyun_param_t) { "LegalPersonName", rep };

    if (rep_id[0] != '\0') {
        p[n++] = (uc_aliyun_param_t) { "LegalPersonCertNo", rep_id };
    }

    return rpc(ucb_cert.ent_endpoint, "EntElementVerify", "2022-11-25", p, n,
               "Result", status, status_size, request_id, size, err);
}
