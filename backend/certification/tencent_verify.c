/*
 * uc-backend: Tencent Cloud's checks (PROTOCOLS.md 3f): IdCardVerification
 * (product faceid, API version 2018-03-01), a person's name and ID
 * number; VerifyBizLicenseEnterprise3 and 4 (product ocr, 2018-11-19), an
 * enterprise's elements (below). A POST of JSON to the product's host,
 * its action, version and time in X-TC-* headers, signed TC3-HMAC-SHA256
 * with the SecretKey (libuc/uc_tc3.c) over the content type, the host
 * and the body; the provider refuses a signature older than five minutes.
 *
 *   {"Response":{"Result":"0","Description":"...","RequestId":"..."}}
 *     0 match, -1 mismatch (both billed); -2 a number and -3 a name the
 *     provider calls invalid (as a mismatch: we checked both first); -5
 *     no record; -4 and -6 the registry's trouble, -7 its daily limit on
 *     the identity (busy)
 *   {"Response":{"Error":{"Code":"AuthFailure.SignatureFailure",
 *     "Message":"..."},"RequestId":"..."}}
 *
 * The name and number are sent, never logged; the RequestId is kept with
 * the record.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "certification.h"
#include "uc_tc3.h"


#define HOST_MAX  256


/* the host of url, without its port, as the signature names it */
static int
host_of(const char *url, char *host, size_t size)
{
    size_t       i, n;
    const char  *p;

    p = strstr(url, "://");
    if (p == NULL) {
        return -1;
    }

    p += 3;
    n = strcspn(p, ":/?#");

    if (n == 0 || n >= size) {
        return -1;
    }

    /* signed in lower case, as the provider reads it */
    for (i = 0; i < n; i++) {
        host[i] = (char) tolower((unsigned char) p[i]);
    }
    host[n] = '\0';

    return 0;
}


/* its RequestId, kept when it is what one looks like */
static void
request_id_of(json_t *response, char *dst, size_t size)
{
    size_t       n;
    const char  *s;

    dst[0] = '\0';
    s = json_string_value(json_object_get(response, "RequestId"));

    if (s != NULL && (n = strlen(s)) < size
        && strspn(s, "0123456789abcdefABCDEF-") == n)
    {
        memcpy(dst, s, n + 1);
    }
}


/* an Error's Code as our envelope's */
static void
refused(const char *code, ucb_provider_error_t *err)
{
    if (strncmp(code, "RequestLimitExceeded", 20) == 0
        || strncmp(code, "InternalError", 13) == 0
        || strncmp(code, "ResourceUnavailable", 19) == 0
        || strncmp(code, "FailedOperation", 15) == 0)
    {
        ucb_cert_fail(err, UCB_CERT_BUSY);

    } else if (strncmp(code, "AuthFailure", 11) == 0
               || strncmp(code, "UnauthorizedOperation", 21) == 0
               || strncmp(code, "InvalidParameter", 16) == 0
               || strncmp(code, "MissingParameter", 16) == 0
               || strncmp(code, "InvalidAction", 13) == 0
               || strncmp(code, "UnsupportedOperation", 20) == 0)
    {
        ucb_cert_fail(err, UCB_CERT_REFUSED);

    } else {
        ucb_cert_fail(err, UCB_CERT_NO_ANSWER);
    }
}


/* Result as 1 match, 2 mismatch, 3 no record; -1 and *err */
static int
result_of(const char *result, ucb_provider_error_t *err)
{
    if (strcmp(result, "0") == 0) {
        return 1;
    }

    if (strcmp(result, "-1") == 0 || strcmp(result, "-2") == 0
        || strcmp(result, "-3") == 0)
    {
        return 2;
    }

    if (strcmp(result, "-5") == 0) {
        return 3;
    }

    if (strcmp(result, "-4") == 0 || strcmp(result, "-6") == 0
        || strcmp(result, "-7") == 0)
    {
        ucb_cert_fail(err, UCB_CERT_BUSY);
        return -1;
    }

    ucb_cert_fail(err, UCB_CERT_NO_ANSWER);

    return -1;
}


static int
consistent(json_t *response, const char *field)
{
    return json_is_true(json_object_get(response, field));
}


/* a request's personal data wiped before it is freed */
static void
forget(json_t *req)
{
    json_t      *v;
    const char  *key;

    json_object_foreach(req, key, v) {
        if (json_is_string(v)) {
            OPENSSL_cleanse((char *) json_string_value(v),
                            json_string_length(v));
        }
    }

    json_decref(req);
}


/*
 * One call of action (of version) at endpoint with the JSON req: 0 and
 * the answer's Response (*response, inside *answer, which the caller
 * json_decrefs) of an HTTP 200 without an Error; -1 and *err.
 */
static int
call(const char *endpoint, const char *action, const char *version,
    json_t *req, json_t **answer, json_t **response, char *request_id,
    size_t size, ucb_provider_error_t *err)
{
    int          rc;
    char         host[HOST_MAX], service[64], sig[65], date[16];
    char         auth[512], stamp[48], canonical[HOST_MAX + 64];
    char         act[96], ver[48];
    char        *json, *body;
    long         http;
    size_t       len;
    time_t       now;
    json_t      *j, *r, *error;
    struct tm    tm;
    const char  *headers[7], *text;

    static const char  type[] = "application/json; charset=utf-8";

    request_id[0] = '\0';
    *answer = *response = NULL;
    body = NULL;
    j = NULL;
    len = 0;
    rc = -1;

    if (host_of(endpoint, host, sizeof(host)) != 0
        || uc_tc3_service(host, service, sizeof(service)) != 0)
    {
        ucb_provider_fail(err, 502, "provider_misconfigured",
                          "the verification service's address is wrong", 0);
        return -1;
    }

    json = json_dumps(req, JSON_COMPACT);

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    snprintf(canonical, sizeof(canonical), "content-type:%s\nhost:%s\n",
             type, host);

    if (json == NULL
        || uc_tc3_signature(ucb_cert.tc_secret_key, "POST", "/", "",
                            canonical, "content-type;host", json,
                            strlen(json), (long) now, service, sig) != 0)
    {
        ucb_cert_fail(err, UCB_CERT_NO_MEMORY);
        goto done;
    }

    snprintf(auth, sizeof(auth), "Authorization: TC3-HMAC-SHA256 "
             "Credential=%s/%s/%s/tc3_request, SignedHeaders=content-type;"
             "host, Signature=%s", ucb_cert.tc_secret_id, date, service, sig);
    snprintf(stamp, sizeof(stamp), "X-TC-Timestamp: %ld", (long) now);
    snprintf(act, sizeof(act), "X-TC-Action: %s", action);
    snprintf(ver, sizeof(ver), "X-TC-Version: %s", version);

    headers[0] = "Content-Type: application/json; charset=utf-8";
    headers[1] = act;
    headers[2] = ver;
    headers[3] = stamp;
    headers[4] = auth;
    headers[5] = "Expect:";
    headers[6] = NULL;

    if (ucb_provider_post_json(endpoint, headers, json, &body, &len, &http,
                               err) != 0)
    {
        goto done;
    }

    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    r = json_object_get(j, "Response");

    if (!json_is_object(r)) {
        if (http >= 500) {
            ucb_cert_fail(err, UCB_CERT_BUSY);
        } else {
            ucb_provider_fail(err, 502, "provider_error",
                              "the provider's answer could not be read", 0);
            /* it answered: it may have checked (and billed) */
            err->may_have_run = http == 200;
        }
        goto done;
    }

    request_id_of(r, request_id, size);
    error = json_object_get(r, "Error");

    if (error != NULL) {
        text = json_string_value(json_object_get(error, "Code"));
        refused(text != NULL ? text : "", err);
        err->errcode = http;
        goto done;
    }

    if (http != 200) {
        ucb_cert_fail(err, http >= 500 ? UCB_CERT_BUSY : UCB_CERT_NO_ANSWER);
        err->errcode = http;
        goto done;
    }

    *answer = j;
    *response = r;
    j = NULL;
    rc = 0;

done:

    if (json != NULL) {
        OPENSSL_cleanse(json, strlen(json));
    }

    if (body != NULL) {
        OPENSSL_cleanse(body, len);
    }

    free(json);
    free(body);
    json_decref(j);

    return rc;
}


int
ucb_tencent_id_verify(const char *name, const char *id_number,
    char *request_id, size_t size, ucb_provider_error_t *err)
{
    int          rc;
    json_t      *req, *answer, *response;
    const char  *text;

    req = json_pack("{s:s, s:s}", "IdCard", id_number, "Name", name);
    if (req == NULL) {
        ucb_cert_fail(err, UCB_CERT_NO_MEMORY);
        return -1;
    }

    rc = call(ucb_cert.tc_endpoint, "IdCardVerification", "2018-03-01", req,
              &answer, &response, request_id, size, err);
    forget(req);

    if (rc != 0) {
        return -1;
    }

    text = json_string_value(json_object_get(response, "Result"));

    if (text == NULL) {
        ucb_cert_fail(err, UCB_CERT_NO_ANSWER);
        err->may_have_run = 1;
        rc = -1;

    } else {
        rc = result_of(text, err);
        if (rc < 0) {
            err->errcode = strtol(text, NULL, 10);
        }
    }

    json_decref(answer);

    return rc;
}


/*
 * VerifyBizLicenseEnterprise4 (four elements: the representative's ID
 * number too) or VerifyBizLicenseEnterprise3 (ENT_3META), product ocr,
 * version 2018-11-19:
 *   {"Response":{"StatusCode":0,"VerifyResult":1,"OperatingStatus":"1",
 *    "IsCreditCodeConsistent":true,"IsEntNameConsistent":true,...}}
 * StatusCode 0 answered (billed), 1 its system's trouble (busy);
 * VerifyResult 1 a full match, 0 not; neither the code nor the name found
 * is "no record". OperatingStatus is the registry's code, as Alibaba's
 * Status (1 in business).
 */
int
ucb_tencent_ent_verify(const char *code, const char *name, const char *rep,
    const char *rep_id, char *status, size_t status_size, char *request_id,
    size_t size, ucb_provider_error_t *err)
{
    int          rc, four;
    json_t      *req, *answer, *response, *v;
    const char  *text;

    status[0] = '\0';
    four = rep_id[0] != '\0';
    req = four ? json_pack("{s:s, s:s, s:s, s:s}", "CreditCode", code,
                           "EntName", name, "LrName", rep, "IdNum", rep_id)
               : json_pack("{s:s, s:s, s:s, s:s}", "CreditCode", code,
                           "EntName", name, "LrName", rep,
                           "VerifyType", "ENT_3META");
    if (req == NULL) {
        ucb_cert_fail(err, UCB_CERT_NO_MEMORY);
        return -1;
    }

    rc = call(ucb_cert.tc_ocr_endpoint, four ? "VerifyBizLicenseEnterprise4"
                                             : "VerifyBizLicenseEnterprise3",
              "2018-11-19", req, &answer, &response, request_id, size, err);
    forget(req);

    if (rc != 0) {
        return -1;
    }

    v = json_object_get(response, "StatusCode");
    rc = -1;

    if (json_is_integer(v) && json_integer_value(v) == 1) {
        ucb_cert_fail(err, UCB_CERT_BUSY);

    } else if (!json_is_integer(v) || json_integer_value(v) != 0
               || !json_is_integer(json_object_get(response, "VerifyResult")))
    {
        ucb_cert_fail(err, UCB_CERT_NO_ANSWER);
        err->may_have_run = 1;

    } else if (json_integer_value(json_object_get(response, "VerifyResult"))
               == 1)
    {
        /* four elements: each said consistent too, or an operator looks */
        rc = !four || (consistent(response, "IsCreditCodeConsistent")
                       && consistent(response, "IsEntNameConsistent")
                       && consistent(response, "IsLrNameConsistent")
                       && consistent(response, "IsIdNumConsistent"))
             ? 1 : 2;

    } else {
        /* neither found: the registry has no such enterprise */
        rc = json_is_false(json_object_get(response, "IsCreditCodeConsistent"))
             && json_is_false(json_object_get(response,
                                              "IsEntNameConsistent"))
             ? 3 : 2;
    }

    text = json_string_value(json_object_get(response, "OperatingStatus"));

    /* cut, it would be another value */
    if (rc > 0 && text != NULL && strlen(text) < status_size) {
        strcpy(status, text);
    }

    json_decref(answer);

    return rc;
}
