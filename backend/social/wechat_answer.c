/*
 * uc-backend: WeChat's answers read (issue 13, the first piece). WeChat
 * answers its API calls with HTTP 200 whether they worked or not: an
 * error is a body with a non-zero "errcode". Each one we meet gets our
 * envelope's status and code here, once, for every call (code exchange,
 * refresh, userinfo, jscode2session):
 *
 *   40029 invalid code, 40163 code used, 42003 code expired   400
 *   -1 system busy, 45009/45011 quota reached                 503, retry
 *   40001/40013/40125 our credential or AppID refused         502 (ours)
 *   anything else, or no JSON object at all                   502
 */

#include <string.h>

#include "social.h"


typedef struct {
    json_int_t      errcode;
    int             status;
    const char     *code;
    const char     *message;
    int             retry_after;
} errcode_map_t;


static const errcode_map_t  map[] = {
    { 40029, 400, "code_invalid", "the WeChat code is not valid", 0 },
    { 40163, 400, "code_used", "the WeChat code was used already", 0 },
    { 42003, 400, "code_expired", "the WeChat code has expired", 0 },
    { -1, 503, "provider_busy", "WeChat is busy, try again shortly", 1 },
    { 45009, 503, "provider_busy", "WeChat's daily quota is reached", 60 },
    { 45011, 503, "provider_busy", "WeChat's rate limit is reached", 1 },
    { 40001, 502, "provider_misconfigured",
      "WeChat refused this app's credentials", 0 },
    { 40013, 502, "provider_misconfigured", "WeChat does not know this AppID",
      0 },
    { 40125, 502, "provider_misconfigured",
      "WeChat refused this app's secret", 0 },
};


int
ucb_wechat_answer(const char *body, size_t len, json_t **out,
    ucb_provider_error_t *err)
{
    size_t      i;
    json_t     *j, *code;
    json_int_t  errcode;

    *out = NULL;
    memset(err, 0, sizeof(*err));

    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);

    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        err->status = 502;
        err->code = "provider_error";
        err->message = "WeChat's answer could not be read";
        return -1;
    }

    code = json_object_get(j, "errcode");
    errcode = json_is_integer(code) ? json_integer_value(code) : 0;

    /* an errcode that is no number is no answer we can trust */
    if (code != NULL && !json_is_integer(code)) {
        errcode = 1;
    }

    if (errcode == 0) {
        *out = j;
        return 0;
    }

    json_decref(j);

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].errcode == errcode) {
            err->status = map[i].status;
            err->code = map[i].code;
            err->message = map[i].message;
            err->retry_after = map[i].retry_after;
            err->errcode = (long) errcode;
            return -1;
        }
    }

    err->status = 502;
    err->code = "provider_error";
    err->message = "WeChat refused the call";
    err->errcode = (long) errcode;

    return -1;
}
