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

static const char  id_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";


/* a code, openid, unionid or token as WeChat writes them */
static int
id_valid(const char *s, size_t max)
{
    size_t  n;

    n = strlen(s);

    return n > 0 && n <= max && strspn(s, id_chars) == n;
}


static void
bad_answer(ucb_provider_error_t *err, const char *message)
{
    memset(err, 0, sizeof(*err));
    err->status = 502;
    err->code = "provider_error";
    err->message = message;
}


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


/* field of j into dst when it is an id; "" when absent; -1 when bad */
static int
copy_id(json_t *j, const char *field, char *dst, size_t size)
{
    json_t  *v;

    dst[0] = '\0';
    v = json_object_get(j, field);

    if (v == NULL || json_is_null(v)
        || (json_is_string(v) && json_string_length(v) == 0))
    {
        return 0;
    }

    if (!json_is_string(v) || !id_valid(json_string_value(v), size - 1)) {
        return -1;
    }

    strcpy(dst, json_string_value(v));

    return 0;
}


/*
 * What a profile may show of the provider's nickname: valid UTF-8 cut on
 * a character, control characters as spaces; and an https avatar URL, or
 * none.
 */
static void
copy_profile(json_t *j, const char *nick_field, const char *avatar_field,
    ucb_social_identity_t *id)
{
    char        *p;
    const char  *s;

    s = json_string_value(json_object_get(j, nick_field));

    if (s != NULL) {
        ucb_utf8_clean(id->nickname, sizeof(id->nickname), s, strlen(s));

        for (p = id->nickname; *p != '\0'; p++) {
            if ((unsigned char) *p < 0x20 || *p == 0x7f) {
                *p = ' ';
            }
        }
    }

    s = json_string_value(json_object_get(j, avatar_field));

    if (s != NULL && strncmp(s, "https://", 8) == 0
        && strlen(s) < sizeof(id->avatar)
        && strpbrk(s, " \t\r\n\"'<>\\") == NULL
        && ucb_valid_utf8(s, strlen(s)))
    {
        strcpy(id->avatar, s);
    }
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
        bad_answer(err, "the WeChat call does not fit");
        return -1;
    }

    rc = wechat_get(url, &j, err);
    OPENSSL_cleanse(url, sizeof(url));

    if (rc != 0) {
        return -1;
    }

    rc = copy_id(j, "openid", id->openid, sizeof(id->openid)) != 0
         || copy_id(j, "unionid", id->union_id, sizeof(id->union_id)) != 0
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
        bad_answer(err, "WeChat's answer has no usable openid");
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
        bad_answer(err, "the WeChat call does not fit");
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
        bad_answer(err, "the WeChat call does not fit");
        return -1;
    }

    rc = wechat_get(url, &j, err);
    OPENSSL_cleanse(url, sizeof(url));

    if (rc != 0) {
        return -1;
    }

    rc = copy_id(j, "access_token", token, size);
    json_decref(j);

    if (rc != 0 || token[0] == '\0') {
        bad_answer(err, "WeChat's refresh gave no access token");
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
        bad_answer(err, "the WeChat call does not fit");
        return -1;
    }

    rc = wechat_get(url, &j, err);
    OPENSSL_cleanse(url, sizeof(url));

    if (rc != 0) {
        return -1;
    }

    rc = copy_id(j, "openid", id->openid, sizeof(id->openid)) != 0
         || copy_id(j, "unionid", id->union_id, sizeof(id->union_id)) != 0
         || copy_id(j, "access_token", token, sizeof(token)) != 0
         || copy_id(j, "refresh_token", renew, sizeof(renew)) != 0
         || id->openid[0] == '\0' || token[0] == '\0';

    json_decref(j);

    if (rc) {
        bad_answer(err, "WeChat's answer has no usable openid or token");
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

    if (copy_id(info, "openid", openid, sizeof(openid)) != 0
        || copy_id(info, "unionid", union_id, sizeof(union_id)) != 0
        || (openid[0] != '\0' && strcmp(openid, id->openid) != 0)
        || (union_id[0] != '\0' && id->union_id[0] != '\0'
            && strcmp(union_id, id->union_id) != 0))
    {
        json_decref(info);
        bad_answer(err, "WeChat's userinfo is about another user");
        rc = -1;
        goto done;
    }

    if (id->union_id[0] == '\0') {
        strcpy(id->union_id, union_id);
    }

    copy_profile(info, "nickname", "headimgurl", id);
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
    if (!id_valid(code, 256)) {
        memset(err, 0, sizeof(*err));
        err->status = 400;
        err->code = "code_invalid";
        err->message = "the WeChat code is not valid";
        return -1;
    }

    if (kind == UCB_WECHAT_MINI) {
        return mini_program(app, code, id, err);
    }

    return oauth(app, code, id, err);
}
