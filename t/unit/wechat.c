/*
 * WeChat's answers (backend/social/wechat_answer.c): a success passes its
 * object on; every error WeChat gives as HTTP 200 with an errcode gets
 * our status and code; what is no JSON object is a 502, never a success.
 */

#include "tap.h"
#include "social.h"


static void
error_is(const char *body, int status, const char *code, int retry,
    const char *what)
{
    json_t                *out;
    ucb_provider_error_t   err;

    ok(ucb_wechat_answer(body, strlen(body), &out, &err) == -1
       && out == NULL && err.status == status && strcmp(err.code, code) == 0
       && err.retry_after == retry,
       "%s: %d %s%s", what, status, code, retry ? ", with a retry" : "");
}


int
main(void)
{
    json_t                *out;
    ucb_provider_error_t   err;
    const char            *ok_body;

    ok_body = "{\"access_token\":\"AT\",\"expires_in\":7200,"
              "\"refresh_token\":\"RT\",\"openid\":\"o1\",\"scope\":"
              "\"snsapi_login\",\"unionid\":\"u1\"}";

    ok(ucb_wechat_answer(ok_body, strlen(ok_body), &out, &err) == 0
       && out != NULL, "a token answer is a success");
    is_str(json_string_value(json_object_get(out, "unionid")), "u1",
           "... its object passed on");
    json_decref(out);

    ok(ucb_wechat_answer("{\"errcode\":0,\"errmsg\":\"ok\"}", 27, &out, &err)
       == 0, "errcode 0 is a success");
    json_decref(out);

    error_is("{\"errcode\":40029,\"errmsg\":\"invalid code\"}", 400,
             "code_invalid", 0, "40029 invalid code");
    error_is("{\"errcode\":40163,\"errmsg\":\"code been used, rid: 1\"}", 400,
             "code_used", 0, "40163 code been used");
    error_is("{\"errcode\":42003,\"errmsg\":\"code expired\"}", 400,
             "code_expired", 0, "42003 code expired");
    error_is("{\"errcode\":-1,\"errmsg\":\"system error\"}", 503,
             "provider_busy", 1, "-1 system busy");
    error_is("{\"errcode\":45011,\"errmsg\":\"api minute-quota reach "
             "limit\"}", 503, "provider_busy", 1, "45011 quota");
    error_is("{\"errcode\":40001,\"errmsg\":\"invalid credential\"}", 502,
             "provider_misconfigured", 0, "40001 our credential");
    error_is("{\"errcode\":40013,\"errmsg\":\"invalid appid\"}", 502,
             "provider_misconfigured", 0, "40013 our AppID");
    error_is("{\"errcode\":48001,\"errmsg\":\"api unauthorized\"}", 502,
             "provider_error", 0, "an errcode of no special meaning");
    error_is("{\"errcode\":\"40029\"}", 502, "provider_error", 0,
             "an errcode that is a string");
    error_is("<html>502 Bad Gateway</html>", 502, "provider_error", 0,
             "an HTML page");
    error_is("[1,2]", 502, "provider_error", 0, "JSON that is no object");
    error_is("{\"openid\":\"a\",\"openid\":\"b\"}", 502, "provider_error", 0,
             "a key given twice");
    error_is("", 502, "provider_error", 0, "nothing");

    ok(ucb_wechat_answer("{\"errcode\":40029}", 17, &out, &err) == -1
       && err.errcode == 40029, "WeChat's own errcode is kept for the log");

    return done_testing();
}
