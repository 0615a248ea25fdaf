/*
 * uc-standin: Tencent Cloud's faceid API (version 2018-03-01),
 * IdCardVerification, and its ocr API's (2018-11-19)
 * VerifyBizLicenseEnterprise3 and 4 (PROTOCOLS.md 3f). Requests are checked as the real
 * one checks them (libuc/uc_tc3.c): the SecretId, a TC3-HMAC-SHA256
 * signature over the headers it names (content-type and host at least,
 * keys and values in lower case, the host without its port) and the body,
 * the credential's day and service (the host's first label), a timestamp
 * within five minutes. Every answer is an HTTP 200 with a "Response".
 *
 * The registry's answer is chosen by the name, a leading 腾 left out (the
 * Alibaba stand-in refuses such names, so that checks come here): 错* a
 * mismatch (Result -1), 无* no record (-5), 忙* the registry's trouble
 * (-4), 限* flow control (RequestLimitExceeded), 崩* an empty HTTP 503,
 * 慢* no record after --slow-ms; anyone else matches (0). Results 0 and -1
 * are billed, counted with Alibaba's at /_standin/calls.
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "standin.h"
#include "uc_tc3.h"


#define CANONICAL_MAX  2048


static void
answer(si_answer_t *a, const char *result, const char *error,
    const char *message)
{
    char  rid[37];

    si_request_id(rid, 0);

    if (error != NULL) {
        si_text(a, 200, "application/json",
                "{\"Response\":{\"Error\":{\"Code\":\"%s\","
                "\"Message\":\"%s\"},\"RequestId\":\"%s\"}}", error, message,
                rid);
        return;
    }

    si_text(a, 200, "application/json",
            "{\"Response\":{\"Result\":\"%s\",\"Description\":\"%s\","
            "\"RequestId\":\"%s\"}}", result, message, rid);
}


/* value lower-cased and trimmed onto dst at *n; -1 when it does not fit */
static int
canonical_value(char *dst, size_t size, size_t *n, const char *value,
    size_t len)
{
    while (len > 0 && isspace((unsigned char) *value)) {
        value++;
        len--;
    }

    while (len > 0 && isspace((unsigned char) value[len - 1])) {
        len--;
    }

    if (*n + len + 2 >= size) {
        return -1;
    }

    while (len-- > 0) {
        dst[(*n)++] = (char) tolower((unsigned char) *value++);
    }

    dst[(*n)++] = '\n';
    dst[*n] = '\0';

    return 0;
}


/*
 * The canonical headers of signed ("content-type;host;..."), from the
 * request; 0, or -1 when one is missing or content-type and host are not
 * among them.
 */
static int
canonical_headers(si_req_t *r, const char *signed_headers, char *dst,
    size_t size, char *host, size_t host_size)
{
    int          has_type, has_host;
    char         name[64];
    size_t       n, len, i;
    const char  *s, *value;

    n = 0;
    dst[0] = '\0';
    has_type = has_host = 0;

    for (s = signed_headers; *s != '\0'; s += len + (s[len] == ';')) {
        len = strcspn(s, ";");
        if (len == 0 || len >= sizeof(name) || n + len + 1 >= size) {
            return -1;
        }

        for (i = 0; i < len; i++) {
            name[i] = (char) tolower((unsigned char) s[i]);
        }
        name[len] = '\0';

        value = si_header(r, name);
        if (value == NULL) {
            return -1;
        }

        memcpy(dst + n, name, len);
        n += len;
        dst[n++] = ':';

        if (strcmp(name, "host") == 0) {
            /* signed without its port, as the SDKs sign it */
            has_host = 1;
            i = strcspn(value, ":");
            if (i == 0 || i >= host_size) {
                return -1;
            }
            memcpy(host, value, i);
            host[i] = '\0';
            if (canonical_value(dst, size, &n, value, i) != 0) {
                return -1;
            }
            continue;
        }

        has_type |= strcmp(name, "content-type") == 0;

        if (canonical_value(dst, size, &n, value, strlen(value)) != 0) {
            return -1;
        }
    }

    return has_type && has_host ? 0 : -1;
}


/*
 * "TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request,
 * SignedHeaders=a;b, Signature=HEX": its parts, or -1.
 */
static int
authorization(const char *auth, char *id, char *date, char *service,
    char *signed_headers, char *signature)
{
    int  end;

    end = 0;

    /* the whole of it: a longer signature is another one */
    if (auth == NULL
        || sscanf(auth, "TC3-HMAC-SHA256 Credential=%64[^/]/%15[^/]/%63[^/]"
                  "/tc3_request, SignedHeaders=%255[^,], Signature=%64s%n",
                  id, date, service, signed_headers, signature, &end) != 5
        || auth[end] != '\0')
    {
        return -1;
    }

    return 0;
}


/* IdCardVerification: the answer by the name, a leading 腾 left out */
static void
person(si_req_t *r, si_answer_t *a)
{
    json_t      *j;
    const char  *name, *number;

    j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
    name = json_string_value(json_object_get(j, "Name"));
    number = json_string_value(json_object_get(j, "IdCard"));

    if (name == NULL || number == NULL || strlen(number) != 18) {
        json_decref(j);
        answer(a, NULL, "InvalidParameterValue", "IdCard and Name are "
               "required.");
        return;
    }

    if (strncmp(name, "腾", strlen("腾")) == 0) {
        name += strlen("腾");
    }

    if (strncmp(name, "慢", strlen("慢")) == 0) {
        usleep((useconds_t) si.slow_ms * 1000);
        answer(a, "-5", NULL, "证件库中无此身份证记录");

    } else if (strncmp(name, "崩", strlen("崩")) == 0) {
        si_text(a, 503, "text/html", "%s", "");

    } else if (strncmp(name, "限", strlen("限")) == 0) {
        answer(a, NULL, "RequestLimitExceeded", "The number of requests "
               "exceeds the frequency limit.");

    } else if (strncmp(name, "忙", strlen("忙")) == 0) {
        answer(a, "-4", NULL, "证件库服务异常");

    } else if (strncmp(name, "无", strlen("无")) == 0) {
        answer(a, "-5", NULL, "证件库中无此身份证记录");

    } else if (strncmp(name, "错", strlen("错")) == 0) {
        si_bill();
        answer(a, "-1", NULL, "姓名和身份证号不一致");

    } else {
        si_bill();
        answer(a, "0", NULL, "姓名和身份证号一致");
    }

    json_decref(j);
}


/*
 * VerifyBizLicenseEnterprise3 (ENT_3META) and 4: the answer by the
 * enterprise's name, a leading 腾 left out, as Alibaba's stand-in
 * answers: 限* its flow control (RequestLimitExceeded), 忙* StatusCode 1
 * (its trouble, not billed), 无* neither code
 * nor name found, 错* the name (or, for a representative 错*, theirs)
 * not consistent, 销* a match deregistered (OperatingStatus 3); anyone
 * else a full match in business.
 */
static void
enterprise(si_req_t *r, si_answer_t *a, int four)
{
    int          none, name_ok, rep_ok;
    char         rid[37], *out;
    json_t      *j, *res;
    const char  *code, *name, *rep, *id;

    j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
    code = json_string_value(json_object_get(j, "CreditCode"));
    name = json_string_value(json_object_get(j, "EntName"));
    rep = json_string_value(json_object_get(j, "LrName"));
    id = json_string_value(json_object_get(j, "IdNum"));

    if (code == NULL || name == NULL || rep == NULL || strlen(code) != 18
        || (four && (id == NULL || strlen(id) != 18)))
    {
        json_decref(j);
        answer(a, NULL, "InvalidParameterValue", "CreditCode, EntName and "
               "LrName (and IdNum) are required.");
        return;
    }

    if (strncmp(name, "腾", strlen("腾")) == 0) {
        name += strlen("腾");
    }

    if (strncmp(name, "限", strlen("限")) == 0) {
        json_decref(j);
        answer(a, NULL, "RequestLimitExceeded", "The number of requests "
               "exceeds the frequency limit.");
        return;
    }

    si_request_id(rid, 0);

    if (strncmp(name, "忙", strlen("忙")) == 0) {
        res = json_pack("{s:i, s:s}", "StatusCode", 1, "RequestId", rid);

    } else {
        si_bill();
        none = strncmp(name, "无", strlen("无")) == 0;
        name_ok = !none && strncmp(name, "错", strlen("错")) != 0;
        rep_ok = !none && strncmp(rep, "错", strlen("错")) != 0;
        res = json_pack("{s:i, s:i, s:b, s:b, s:b, s:b, s:s, s:s}",
                        "StatusCode", 0,
                        "VerifyResult", name_ok && rep_ok ? 1 : 0,
                        "IsCreditCodeConsistent", !none,
                        "IsEntNameConsistent", name_ok,
                        "IsLrNameConsistent", rep_ok,
                        "IsIdNumConsistent", rep_ok,
                        "OperatingStatus",
                        strncmp(name, "销", strlen("销")) == 0 ? "3" : "1",
                        "RequestId", rid);
    }

    json_decref(j);
    j = res != NULL ? json_pack("{s:o}", "Response", res) : NULL;
    out = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);

    if (out == NULL) {
        si_text(a, 500, "text/plain", "out of memory\n");
        return;
    }

    si_text(a, 200, "application/json", "%s", out);
    free(out);
}


void
si_tencent(si_req_t *r, si_answer_t *a)
{
    long         ts;
    char         id[65], date[16], service[64], signed_headers[256];
    char         signature[65], expect[65], canonical[CANONICAL_MAX];
    char         host[256], host_service[64], day[16], *end;
    time_t       t;
    struct tm    tm;
    const char  *stamp, *type, *action, *version;

    if (strcmp(r->method, "POST") != 0 || r->body == NULL) {
        answer(a, NULL, "UnsupportedProtocol", "POST with a JSON body");
        return;
    }

    type = si_header(r, "Content-Type");
    if (type == NULL || strncmp(type, "application/json", 16) != 0) {
        answer(a, NULL, "InvalidParameter", "Content-Type must be "
               "application/json");
        return;
    }

    if (authorization(si_header(r, "Authorization"), id, date, service,
                      signed_headers, signature) != 0)
    {
        answer(a, NULL, "AuthFailure.InvalidAuthorization", "Authorization "
               "is not a TC3-HMAC-SHA256 credential");
        return;
    }

    if (si.tencent_id[0] == '\0' || strcmp(id, si.tencent_id) != 0) {
        answer(a, NULL, "AuthFailure.SecretIdNotFound", "The SecretId is "
               "not found.");
        return;
    }

    stamp = si_header(r, "X-TC-Timestamp");
    errno = 0;
    ts = stamp != NULL ? strtol(stamp, &end, 10) : 0;

    if (stamp == NULL || *end != '\0' || errno != 0 || ts < 0
        || ts > (long) time(NULL) + 300 || ts < (long) time(NULL) - 300)
    {
        answer(a, NULL, "AuthFailure.SignatureExpire", "The signature "
               "expired: the timestamp is more than five minutes off.");
        return;
    }

    t = (time_t) ts;
    gmtime_r(&t, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);

    if (canonical_headers(r, signed_headers, canonical, sizeof(canonical),
                          host, sizeof(host)) != 0
        || uc_tc3_service(host, host_service, sizeof(host_service)) != 0
        || strcmp(service, host_service) != 0 || strcmp(date, day) != 0
        || uc_tc3_signature(si.tencent_secret, "POST", "/", "", canonical,
                            signed_headers, r->body, r->body_len, ts,
                            service, expect) != 0
        || !uc_tc3_equal(expect, signature))
    {
        answer(a, NULL, "AuthFailure.SignatureFailure", "The provided "
               "credentials could not be validated.");
        return;
    }

    action = si_header(r, "X-TC-Action");
    version = si_header(r, "X-TC-Version");

    if (action == NULL || version == NULL) {
        answer(a, NULL, "MissingParameter", "X-TC-Action and X-TC-Version "
               "are required.");

    } else if (strcmp(action, "IdCardVerification") == 0
               && strcmp(version, "2018-03-01") == 0)
    {
        person(r, a);

    } else if (strcmp(version, "2018-11-19") == 0
               && (strcmp(action, "VerifyBizLicenseEnterprise3") == 0
                   || strcmp(action, "VerifyBizLicenseEnterprise4") == 0))
    {
        enterprise(r, a, action[strlen(action) - 1] == '4');

    } else {
        answer(a, NULL, "InvalidAction", "The action or its version is not "
               "found.");
    }
}
