/*
 * uc-standin: WeChat (PROTOCOLS.md 3a). Every API answer is HTTP 200,
 * errors included ({"errcode":N,"errmsg":"..."}), as WeChat's are.
 *
 *   GET /connect/qrconnect        the QR page: a list of demo users here
 *   GET /sns/oauth2/access_token  code -> access_token, openid, unionid
 *   GET /sns/oauth2/refresh_token
 *   GET /sns/userinfo
 *   GET /sns/jscode2session       mini-programs: openid, session_key
 */

#define _GNU_SOURCE            /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "standin.h"


static const char  id_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

static const char *const  demo_users[] = {
    "alice", "bob", "nounion-carol", "stale-dave", "busy-erin", "slow-frank"
};


static void
error(si_answer_t *a, int errcode, const char *errmsg)
{
    si_text(a, 200, "application/json; encoding=utf-8",
            "{\"errcode\":%d,\"errmsg\":\"%s, rid: standin\"}", errcode,
            errmsg);
}


static void
openid_of(char *dst, const char *appid, const char *user)
{
    dst[0] = 'o';
    si_derive(dst + 1, 27, id_alpha, "openid", appid, user);
}


static void
unionid_of(char *dst, const char *user)
{
    dst[0] = 'o';
    si_derive(dst + 1, 28, id_alpha, "unionid", "", user);
}


/* the app of the call, its secret checked: NULL and answered */
static const si_app_t *
app_checked(si_req_t *r, si_answer_t *a, int with_secret)
{
    const char      *secret;
    const si_app_t  *app;

    app = si_wechat_app(si_param(r, "appid"));

    if (app == NULL) {
        error(a, 40013, "invalid appid");
        return NULL;
    }

    secret = si_param(r, "secret");

    if (with_secret && (secret == NULL || strcmp(secret, app->secret) != 0)) {
        error(a, 40125, "invalid appsecret");
        return NULL;
    }

    return app;
}


static int
take_code(si_req_t *r, si_answer_t *a, const si_app_t *app, const char *name,
    char *user)
{
    const char  *code;

    code = si_param(r, name);

    switch (code != NULL ? si_code_take('w', app->appid, code, user)
                         : SI_CODE_UNKNOWN)
    {
    case SI_CODE_OK:
        break;
    case SI_CODE_USED:
        error(a, 40163, "code been used");
        return -1;
    case SI_CODE_EXPIRED:
        error(a, 42003, "code expired");
        return -1;
    default:
        error(a, 40029, "invalid code");
        return -1;
    }

    si_sleep_if_slow(user);

    if (si_has_prefix(user, "busy-")) {
        error(a, -1, "system error");
        return -1;
    }

    return 0;
}


static void
token_answer(si_answer_t *a, const si_app_t *app, const char *user,
    const char *refresh_token)
{
    char  access[64], refresh[64], openid[32], unionid[32], un[64];

    /* stale-*: born expired, so the caller must use the refresh token */
    if (si_token_mint('w', app->appid, user,
                      si_has_prefix(user, "stale-") && refresh_token == NULL
                      ? 0 : 7200, access, sizeof(access), "AT_") != 0
        || (refresh_token == NULL
            && si_token_mint('r', app->appid, user, 30L * 86400, refresh,
                             sizeof(refresh), "RT_") != 0))
    {
        si_text(a, 500, "text/plain", "full\n");
        return;
    }

    openid_of(openid, app->appid, user);
    unionid_of(unionid, user);
    un[0] = '\0';

    if (!si_has_prefix(user, "nounion-")) {
        snprintf(un, sizeof(un), ",\"unionid\":\"%s\"", unionid);
    }

    si_text(a, 200, "application/json; encoding=utf-8",
            "{\"access_token\":\"%s\",\"expires_in\":7200,"
            "\"refresh_token\":\"%s\",\"openid\":\"%s\","
            "\"scope\":\"snsapi_login\"%s}",
            access, refresh_token != NULL ? refresh_token : refresh, openid,
            un);
}


static void
qrconnect(si_req_t *r, si_answer_t *a)
{
    size_t           i;
    char             q[256], *page, *p, *enc_back, *enc_state;
    const char      *back, *state, *as, *scope;
    const si_app_t  *app;

    app = si_wechat_app(si_param(r, "appid"));
    back = si_param(r, "redirect_uri");
    state = si_param(r, "state");
    scope = si_param(r, "scope");
    as = si_param(r, "as");

    if (app == NULL || back == NULL || scope == NULL
        || strcmp(scope, "snsapi_login") != 0
        || (strncmp(back, "http://", 7) != 0
            && strncmp(back, "https://", 8) != 0))
    {
        si_text(a, 400, "text/html; charset=utf-8",
                "<p>参数错误 (appid, redirect_uri or scope)</p>\n");
        return;
    }

    if (si_name_valid(as)) {
        if (si_code_mint('w', app->appid, as, 600, q) != 0) {
            si_text(a, 500, "text/plain", "full\n");
            return;
        }

        p = NULL;
        if (asprintf(&p, "code=%s&state=%s", q, state != NULL ? state : "")
            < 0)
        {
            si_text(a, 500, "text/plain", "out of memory\n");
            return;
        }

        si_redirect(a, back, p);
        free(p);
        return;
    }

    /* the page a phone would scan: here, a click picks the user */
    page = NULL;
    if (asprintf(&page, "<!doctype html><meta charset=utf-8>"
                 "<title>WeChat stand-in</title><h1>微信登录 (stand-in)</h1>"
                 "<p>App %s asks who you are. Pick a demo user:</p><ul>",
                 app->appid) < 0)
    {
        si_text(a, 500, "text/plain", "out of memory\n");
        return;
    }

    enc_back = si_urlenc(back);
    enc_state = si_urlenc(state != NULL ? state : "");

    for (i = 0; enc_back != NULL && enc_state != NULL
                && i < sizeof(demo_users) / sizeof(demo_users[0]); i++)
    {
        p = NULL;
        if (asprintf(&p, "%s<li><a id=\"%s\" href=\"?appid=%s&amp;"
                     "redirect_uri=%s&amp;response_type=code&amp;"
                     "scope=snsapi_login&amp;state=%s&amp;as=%s\">%s</a>",
                     page, demo_users[i], app->appid, enc_back, enc_state,
                     demo_users[i], demo_users[i]) < 0)
        {
            break;
        }
        free(page);
        page = p;
    }

    free(enc_back);
    free(enc_state);

    si_text(a, 200, "text/html; charset=utf-8", "%s</ul>\n", page);
    free(page);
}


static void
access_token(si_req_t *r, si_answer_t *a)
{
    char             user[SI_NAME_MAX + 1];
    const char      *grant;
    const si_app_t  *app;

    app = app_checked(r, a, 1);
    if (app == NULL) {
        return;
    }

    grant = si_param(r, "grant_type");

    if (grant == NULL || strcmp(grant, "authorization_code") != 0) {
        error(a, 40002, "invalid grant_type");
        return;
    }

    if (take_code(r, a, app, "code", user) != 0) {
        return;
    }

    token_answer(a, app, user, NULL);
}


static void
refresh_token(si_req_t *r, si_answer_t *a)
{
    int              expired;
    char             user[SI_NAME_MAX + 1], appid[65];
    const char      *token;
    const si_app_t  *app;

    /* the refresh call carries no secret, as WeChat's does not */
    app = app_checked(r, a, 0);
    if (app == NULL) {
        return;
    }

    token = si_param(r, "refresh_token");

    if (token == NULL || si_token_find('r', token, appid, user, &expired) != 0
        || strcmp(appid, app->appid) != 0)
    {
        error(a, 40030, "invalid refresh_token");
        return;
    }

    if (expired) {
        error(a, 42002, "refresh_token expired");
        return;
    }

    token_answer(a, app, user, token);
}


static void
userinfo(si_req_t *r, si_answer_t *a)
{
    int          expired;
    char         user[SI_NAME_MAX + 1], appid[65], openid[32], unionid[32];
    char         un[64], avatar[24];
    const char  *token, *given;

    token = si_param(r, "access_token");
    given = si_param(r, "openid");

    if (token == NULL || si_token_find('w', token, appid, user, &expired) != 0)
    {
        error(a, 40001, "invalid credential, access_token is invalid or not "
              "latest");
        return;
    }

    if (expired) {
        error(a, 42001, "access_token expired");
        return;
    }

    openid_of(openid, appid, user);

    if (given == NULL || strcmp(given, openid) != 0) {
        error(a, 40003, "invalid openid");
        return;
    }

    /* other-*: an answer about someone else, which a client must refuse */
    if (si_has_prefix(user, "other-")) {
        openid_of(openid, appid, "someone-else");
    }

    unionid_of(unionid, user);
    si_derive(avatar, 16, id_alpha, "avatar", "", user);
    un[0] = '\0';

    if (!si_has_prefix(user, "nounion-")) {
        snprintf(un, sizeof(un), ",\"unionid\":\"%s\"", unionid);
    }

    si_text(a, 200, "application/json; encoding=utf-8",
            "{\"openid\":\"%s\",\"nickname\":\"微信用户 %s\",\"sex\":0,"
            "\"language\":\"\",\"city\":\"\",\"province\":\"\","
            "\"country\":\"\",\"headimgurl\":"
            "\"https://thirdwx.qlogo.cn/mmopen/vi_32/%s/132\","
            "\"privilege\":[]%s}", openid, user, avatar, un);
}


static void
jscode2session(si_req_t *r, si_answer_t *a)
{
    char             user[SI_NAME_MAX + 1], openid[32], unionid[32];
    char             key[25], un[64];
    const si_app_t  *app;

    app = app_checked(r, a, 1);
    if (app == NULL || take_code(r, a, app, "js_code", user) != 0) {
        return;
    }

    openid_of(openid, app->appid, user);
    unionid_of(unionid, user);
    si_derive(key, 24, id_alpha, "session_key", app->appid, user);
    un[0] = '\0';

    if (!si_has_prefix(user, "nounion-")) {
        snprintf(un, sizeof(un), ",\"unionid\":\"%s\"", unionid);
    }

    si_text(a, 200, "application/json; encoding=utf-8",
            "{\"openid\":\"%s\",\"session_key\":\"%s\"%s}", openid, key,
            un);
}


void
si_wechat(si_req_t *r, si_answer_t *a)
{
    if (strcmp(r->method, "GET") != 0) {
        error(a, 43001, "require GET method");
        return;
    }

    if (strcmp(r->path, "/connect/qrconnect") == 0) {
        qrconnect(r, a);

    } else if (strcmp(r->path, "/sns/oauth2/access_token") == 0) {
        access_token(r, a);

    } else if (strcmp(r->path, "/sns/oauth2/refresh_token") == 0) {
        refresh_token(r, a);

    } else if (strcmp(r->path, "/sns/userinfo") == 0) {
        userinfo(r, a);

    } else if (strcmp(r->path, "/sns/jscode2session") == 0) {
        jscode2session(r, a);

    } else {
        error(a, 44002, "invalid url");
    }
}
