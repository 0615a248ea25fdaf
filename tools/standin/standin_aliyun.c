/*
 * uc-standin: Alibaba Cloud's cloudauth RPC endpoint, Id2MetaVerify and
 * EntElementVerify (PROTOCOLS.md 3f). Requests are checked as the real
 * one checks them (libuc/uc_aliyun.c): the AccessKey, the signature over the method and
 * every parameter, a SignatureNonce used once, a Timestamp within 15
 * minutes. The registry's answer is chosen by the name: 错* mismatch
 * (BizCode 2), 无* no record (3), 忙* a system error (Code 500), 限*
 * the gateway's flow control (HTTP 400), 崩* an empty HTTP 503, 断* the
 * connection closed with no answer, 腾*
 * ServiceUnavailable (HTTP 503: Tencent Cloud's stand-in answers), 慢*
 * answers "no record" after --slow-ms; anyone else matches (1). GET
 * /_standin/calls counts the billed answers (1 and 2), for the tests of
 * reuse.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "standin.h"
#include "uc_aliyun.h"


static long  billed;


void
si_bill(void)
{
    __atomic_add_fetch(&billed, 1, __ATOMIC_SEQ_CST);
}


long
si_aliyun_billed(void)
{
    return __atomic_load_n(&billed, __ATOMIC_SEQ_CST);
}


static void
answer_as(si_answer_t *a, int status, const char *code, const char *message,
    const char *key, const char *result)
{
    char  rid[37];

    /* a RequestId of its own for each answer, as a UUID is written */
    si_request_id(rid, 1);

    si_text(a, status, "application/json;charset=utf-8",
            "{\"RequestId\":\"%s\",\"Code\":\"%s\",\"Message\":\"%s\""
            "%s%s%s%s}",
            rid, code, message, result != NULL ? ",\"" : "",
            result != NULL ? key : "", result != NULL ? "\":" : "",
            result != NULL ? result : "");
}


/* Id2MetaVerify's answers: the result under ResultObject */
static void
answer(si_answer_t *a, int status, const char *code, const char *message,
    const char *result)
{
    answer_as(a, status, code, message, "ResultObject", result);
}


/* "yyyy-MM-ddTHH:mm:ssZ" within 15 minutes of now */
static int
fresh(const char *ts)
{
    char       *end;
    struct tm   tm;

    if (ts == NULL || strlen(ts) != 20) {
        return 0;
    }

    memset(&tm, 0, sizeof(tm));
    end = strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm);

    return end != NULL && *end == '\0'
           && labs((long) (timegm(&tm) - time(NULL))) <= 15 * 60;
}


static int
signed_by_key(si_req_t *r)
{
    int                 i, ok;
    char               *sts;
    size_t              len;
    const char         *sig;
    uc_aliyun_param_t   p[64];

    sig = si_param(r, "Signature");

    for (i = 0; i < r->nparams; i++) {
        p[i].name = r->params[i].name;
        p[i].value = r->params[i].value;
    }

    len = uc_aliyun_string_to_sign(r->method, p, (size_t) r->nparams, NULL,
                                   0);
    sts = malloc(len + 1);
    if (sts == NULL) {
        return 0;
    }

    uc_aliyun_string_to_sign(r->method, p, (size_t) r->nparams, sts, len + 1);
    ok = uc_aliyun_verify(si.aliyun_secret, sts, len, sig);
    free(sts);

    return ok;
}


/*
 * EntElementVerify (ENT_3META, ENT_4META): the registry's answer by the
 * enterprise's or the representative's name, as for persons: 错* a
 * mismatch (BizCode 2, the flag of what differs), 无* no record (3), 忙*
 * a system error; otherwise a full match, with the registry's Status:
 * "3" (deregistered) for 销*, "1" (in business) for the others. It is
 * API version 2022-11-25, whose Code for success is "Success".
 */
static void
enterprise(si_req_t *r, si_answer_t *a)
{
    const char  *type, *code, *name, *rep, *rep_id;

    type = si_param(r, "InfoVerifyType");
    code = si_param(r, "LicenseNo");
    name = si_param(r, "EntName");
    rep = si_param(r, "LegalPersonName");
    rep_id = si_param(r, "LegalPersonCertNo");

    if (type == NULL || code == NULL || name == NULL || rep == NULL
        || strlen(code) != 18 || si_param(r, "MerchantUserId") == NULL
        || si_param(r, "UserAuthorization") == NULL
        || (strcmp(type, "ENT_3META") != 0 && strcmp(type, "ENT_4META") != 0)
        || (strcmp(type, "ENT_4META") == 0
            && (rep_id == NULL || strlen(rep_id) != 18)))
    {
        answer(a, 200, "401", "invalid parameter", NULL);
        return;
    }

    if (strncmp(name, "忙", strlen("忙")) == 0) {
        answer(a, 200, "500", "system error", NULL);
        return;
    }

    if (strncmp(name, "无", strlen("无")) == 0) {
        answer_as(a, 200, "Success", "success", "Result",
                  "{\"BizCode\":\"3\"}");
        return;
    }

    si_bill();

    if (strncmp(name, "错", strlen("错")) == 0) {
        answer_as(a, 200, "Success", "success", "Result",
                  "{\"BizCode\":\"2\",\"ReasonDetail\":\"EntNameFlag\"}");
        return;
    }

    if (strncmp(rep, "错", strlen("错")) == 0) {
        answer_as(a, 200, "Success", "success", "Result",
                  "{\"BizCode\":\"2\","
                  "\"ReasonDetail\":\"LegalPersonNameFlag\"}");
        return;
    }

    /* the registry's status of the enterprise: 3 deregistered for 销*,
       1 in business for the others */
    answer_as(a, 200, "Success", "success", "Result",
              strncmp(name, "销", strlen("销")) == 0
              ? "{\"BizCode\":\"1\",\"Status\":\"3\"}"
              : "{\"BizCode\":\"1\",\"Status\":\"1\"}");
}


void
si_aliyun(si_req_t *r, si_answer_t *a)
{
    const char  *action, *key, *name, *id, *version, *method;

    action = si_param(r, "Action");
    key = si_param(r, "AccessKeyId");
    version = si_param(r, "Version");
    method = si_param(r, "SignatureMethod");

    if (key == NULL || si.aliyun_id[0] == '\0'
        || strcmp(key, si.aliyun_id) != 0)
    {
        answer(a, 404, "InvalidAccessKeyId.NotFound",
               "Specified access key is not found.", NULL);
        return;
    }

    if (method == NULL || strcmp(method, "HMAC-SHA1") != 0
        || !signed_by_key(r))
    {
        answer(a, 400, "SignatureDoesNotMatch", "Specified signature is not "
               "matched with our calculation.", NULL);
        return;
    }

    if (!fresh(si_param(r, "Timestamp"))) {
        answer(a, 400, "InvalidTimeStamp.Expired", "Specified time stamp or "
               "date value is expired.", NULL);
        return;
    }

    if (si_nonce_seen(si_param(r, "SignatureNonce"))) {
        answer(a, 400, "SignatureNonceUsed", "Specified signature nonce was "
               "used already.", NULL);
        return;
    }

    /* the gateway's flow control, as it answers it (a 400): for a person
       or an enterprise whose name begins with 限 */
    name = si_param(r, "UserName") != NULL ? si_param(r, "UserName")
                                           : si_param(r, "EntName");

    if (name != NULL && strncmp(name, "限", strlen("限")) == 0) {
        answer(a, 400, "Throttling.User", "Request was denied due to user "
               "flow control.", NULL);
        return;
    }

    /* the service down for a person whose name begins with 腾: the
       check goes on to the next provider, Tencent Cloud's stand-in */
    if (name != NULL && strncmp(name, "腾", strlen("腾")) == 0) {
        answer(a, 503, "ServiceUnavailable", "The request has failed due "
               "to a temporary failure of the server.", NULL);
        return;
    }

    /* the connection lost after the call was sent, for a name beginning
       with 断: the service may have checked it (and billed) */
    if (name != NULL && strncmp(name, "断", strlen("断")) == 0) {
        a->drop = 1;
        return;
    }

    /* its load balancer with the service behind it down: an empty 503,
       for a name beginning with 崩 */
    if (name != NULL && strncmp(name, "崩", strlen("崩")) == 0) {
        si_text(a, 503, "text/html", "%s", "");
        return;
    }

    if (action != NULL && strcmp(action, "EntElementVerify") == 0
        && version != NULL && strcmp(version, "2022-11-25") == 0)
    {
        enterprise(r, a);
        return;
    }

    if (action == NULL || strcmp(action, "Id2MetaVerify") != 0
        || version == NULL || strcmp(version, "2019-03-07") != 0)
    {
        answer(a, 404, "InvalidAction.NotFound", "Specified api is not "
               "found, please check your url and method.", NULL);
        return;
    }

    name = si_param(r, "UserName");
    id = si_param(r, "IdentifyNum");

    if (name == NULL || id == NULL || name[0] == '\0' || strlen(id) != 18) {
        answer(a, 200, "401", "invalid parameter", NULL);
        return;
    }

    /* after the caller's deadline; as "no record", which is not billed,
       so the count of billed answers never moves behind a test's back */
    if (strncmp(name, "慢", strlen("慢")) == 0) {
        usleep((useconds_t) si.slow_ms * 1000);
        answer(a, 200, "200", "success", "{\"BizCode\":\"3\"}");
        return;
    }

    if (strncmp(name, "忙", strlen("忙")) == 0) {
        answer(a, 200, "500", "system error", NULL);
        return;
    }

    if (strncmp(name, "无", strlen("无")) == 0) {
        answer(a, 200, "200", "success", "{\"BizCode\":\"3\"}");
        return;
    }

    si_bill();

    answer(a, 200, "200", "success",
           strncmp(name, "错", strlen("错")) == 0 ? "{\"BizCode\":\"2\"}"
                                                 : "{\"BizCode\":\"1\"}");
}
