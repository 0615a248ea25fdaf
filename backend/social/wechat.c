/*
 * uc-backend: WeChat as its API speaks (PROTOCOLS.md 3a).
 *
 *   website and mobile apps: sns/oauth2/access_token (the code), then
 *     sns/userinfo for the nickname and avatar; an access token found
 *     expired there is refreshed once (sns/oauth2/refresh_token);
 *   mini-programs: sns/jscode2session, whose session_key is dropped here
 *     and never leaves this function.
 *
 * The identity is the unionid when WeChat gives one (the same for every
 * AppID of the Open Platform account) and always the app's (appid,
 * openid). No token is kept: each is used within this call and wiped.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "social.h"


#define URL_MAX  2048

/* GET url and read WeChat's answer: 0 and *out, or -1 and *err */
static int
wechat_get(const char *url, json_t **out, ucb_provider_error_t *err)
{
    int      rc;
    char    *body;
    size_t   len;

    *out = NULL;

    if (ucb_provider_get(url, &body, &len, err) != 0) {
        return -1;
    }

    rc = ucb_wechat_answer(body, len, out, err);
    free(body);

    return rc;
}


/* the common part of a call's URL: base/path?appid=..&secret=.. */
static int
app_url(char *url, size_t *n, const char *path, const ucb_wechat_app_t *app)
{
    int  w;

    w = snprintf(url, URL_MAX, "%s%s?appid=", ucb_social.wechat_api, path);

    if (w < 0 || w >= URL_MAX) {
        return -1;
    }

    *n = (size_t) w;

    return ucb_url_append(url, URL_MAX, n, app->appid);
}


static int
append(char *url, size_t *n, const char *name, const char *value)
{
    int  w;

    w = snprintf(url + *n, URL_MAX - *n, "&%s=", name);

    if (w < 0 || (size_t) w >= URL_MAX - *n) {
        return -1;
    }

    *n += (size_t) w;

    return ucb_url_append(url, URL_MAX, n, value);
}


static int
mini_program(const ucb_wechat_app_t *app, const char *code,
    ucb_social_identity_t *id, ucb_provider_error_t *err)
{
    int      rc;
    char     url[URL_MAX];
    size_t   n;
    json_t  *j, *key;

    if (app_url(url, &n, "/sns/jscode2session", app) != 0
        || append(url, &n, "secret", app->secret) != 0
        || append(url, &n, "js_code", code) != 0
        || append(url, &n, "grant_type", "authorization_code") != 0)
    {
        ucb_provider_fail(err, 502, "provider_error",
                          "the WeChat call does not fit", 0);
        return -1;
    }

    rc = wechat_get(url, &j, err);
    OPENSSL_cleanse(url, sizeof(url));

    if (rc != 0) {
        return -1;
    }

    rc = ucb_social_copy_id(j, "openid", id->openid, sizeof(id->openid)) != 0
         || ucb_social_copy_id(j, "unionid", id->union_id,
                               sizeof(id->union_id)) != 0
         || id->openid[0] == '\0';

    /* the session_key is the mini-program's secret with WeChat: not ours
       to keep, and never the client's */
    key = json_object_get(j, "session_key");
    if (json_is_string(key)) {
        OPENSSL_cleanse((void *) json_string_value(key),
                        json_string_length(key));
    }

    json_decref(j);

    if (rc) {
        ucb_provider_fail(err, 502, "provider_error",
                          "WeChat's answer has no usable openid", 0);
        return -1;
    }

    return 0;
}


static int
userinfo(const char *token, const char *openid, json_t **out,
    ucb_provider_error_t *err)
{
    int     rc;
    char    url[URL_MAX];
    size_t  n;
    int     w;

    w = snprintf(url, sizeof(url), "%s/sns/userinfo?access_token=",
                 ucb_social.wechat_api);
    n = (size_t) w;

    if (w < 0 || w >= URL_MAX
        || ucb_url_append(url, URL_MAX, &n, token) != 0
        || append(url, &n, "openid", openid) != 0)
    {
        ucb_provider_fail(err, 502, "provider_error",
                          "the WeChat call does not fit", 0);
        return -1;
    }

    rc = wechat_get(url, out, err);
    OPENSSL_cleanse(url, sizeof(url));

    return rc;
}


/* a new access token (into token) for the refresh token */
static int
refresh(const ucb_wechat_app_t *app, const char *refresh_token, char *token,
    size_t size, ucb_provider_error_t *err)
{
    int      rc;
    char     url[URL_MAX];
    size_t   n;
    json_t  *j;

    if (app_url(url, &n, "/sns/oauth2/refresh_token", app) != 0
        || append(url, &n, "grant_type", "refresh_token") != 0
        || append(url, &n, "refresh_token", refresh_token) != 0)
    {
        ucb_provider_fail(err, 502, "provider_error",
                          "the WeChat call does not fit", 0);
        return -1;
    }

    rc = wechat_get(url, &j, err);
    OPENSSL_cleanse(url, sizeof(url));

    if (rc != 0) {
        return -1;
    }

    rc = ucb_social_copy_id(j, "access_token", token, size);
    json_decref(j);

    if (rc != 0 || token[0] == '\0') {
        ucb_provider_fail(err, 502, "provider_error",
                          "WeChat's refresh gave no access token", 0);
        return -1;
    }

    return 0;
}


static int
oauth(const ucb_wechat_app_t *app, const char *code,
    ucb_social_identity_t *id, ucb_provider_error_t *err)
{
    int                   rc;
    char                  url[URL_MAX], token[513], renew[513];
    char                  union_id[UCB_SUBJECT_MAX + 1];
    char                  openid[UCB_SUBJECT_MAX + 1];
    size_t                n;
    json_t               *j, *info;
    ucb_provider_error_t  info_err;

    if (app_url(url, &n, "/sns/oauth2/access_token", app) != 0
        || append(url, &n, "secret", app->secret) != 0
        || append(url, &n, "code", code) != 0
        || append(url, &n, "grant_type", "authorization_code") != 0)
    {
        ucb_provider_fail(err, 502, "provider_error",
                          "the WeChat call does not fit", 0);
        return -1;
    }

    rc = wechat_get(url, &j, err);
    OPENSSL_cleanse(url, sizeof(url));

    if (rc != 0) {
        return -1;
    }

    rc = ucb_social_copy_id(j, "openid", id->openid, sizeof(id->openid)) != 0
         || ucb_social_copy_id(j, "unionid", id->union_id,
                               sizeof(id->union_id)) != 0
         || ucb_social_copy_id(j, "access_token", token, sizeof(token)) != 0
         || ucb_social_copy_id(j, "refresh_token", renew, sizeof(renew)) != 0
         || id->openid[0] == '\0' || token[0] == '\0';

    json_decref(j);

    if (rc) {
        ucb_provider_fail(err, 502, "provider_error",
                          "WeChat's answer has no usable openid or token", 0);
        goto done;
    }

    /*
     * The profile is a nicety: a sign-in goes on without it when WeChat
     * will not give it (no userinfo scope), but a token found expired is
     * renewed once, and an answer about someone else stops everything.
     */
    rc = userinfo(token, id->openid, &info, &info_err);

    if (rc != 0 && info_err.errcode == 42001 && renew[0] != '\0'
        && refresh(app, renew, token, sizeof(token), &info_err) == 0)
    {
        rc = userinfo(token, id->openid, &info, &info_err);
    }

    if (rc != 0) {
        ucb_log(UCB_LOG_INFO, "WeChat userinfo not read",
                "\"code\":\"%s\",\"provider_code\":%ld", info_err.code,
                info_err.errcode);
        rc = 0;
        goto done;
    }

    if (ucb_social_copy_id(info, "openid", openid, sizeof(openid)) != 0
        || ucb_social_copy_id(info, "unionid", union_id, sizeof(union_id)) != 0
        || (openid[0] != '\0' && strcmp(openid, id->openid) != 0)
        || (union_id[0] != '\0' && id->union_id[0] != '\0'
            && strcmp(union_id, id->union_id) != 0))
    {
        json_decref(info);
        ucb_provider_fail(err, 502, "provider_error",
                          "WeChat's userinfo is about another user", 0);
        rc = -1;
        goto done;
    }

    if (id->union_id[0] == '\0') {
        strcpy(id->union_id, union_id);
    }

    ucb_social_copy_profile(info, "nickname", "headimgurl", id);
    json_decref(info);

done:

    OPENSSL_cleanse(token, sizeof(token));
    OPENSSL_cleanse(renew, sizeof(renew));

    return rc == 0 ? 0 : -1;
}


int
ucb_wechat_identify(ucb_wechat_kind_e kind, const char *code,
    ucb_social_identity_t *id, ucb_provider_error_t *err)
{
    const ucb_wechat_app_t  *app;

    memset(id, 0, sizeof(*id));
    id->provider = "wechat";
    app = &ucb_social.wechat[kind];
    ucb_provider_begin();
    strcpy(id->appid, app->appid);

    /* checked before any call: a code goes into WeChat's URL */
    if (!ucb_social_id_valid(code, 256)) {
        ucb_provider_fail(err, 400, "code_invalid",
                          "the WeChat code is not valid", 0);
        return -1;
    }

    if (kind == UCB_WECHAT_MINI) {
        return mini_program(app, code, id, err);
    }

    return oauth(app, code, id, err);
}
