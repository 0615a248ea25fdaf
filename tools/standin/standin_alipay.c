/*
 * uc-standin: Alipay's OpenAPI gateway (PROTOCOLS.md 3b), signing both
 * ways with libuc/uc_alipay.c: requests are checked against the app's
 * public key (the parameters of the URL and of the form together, as the
 * real gateway merges them), answers are signed with the stand-in's own
 * "Alipay" key over the exact bytes sent, "\/" escapes included.
 *
 *   GET  /oauth2/publicAppAuthorize.htm   the consent page (demo users)
 *   POST /gateway.do   alipay.system.oauth.token, alipay.user.info.share
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "standin.h"
#include "uc_alipay.h"


static const char *const  demo_users[] = {
    "alice", "bob", "openid-carol", "tamper-dave", "badsig-erin",
    "busy-frank", "slow-grace"
};

static const char  alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";


static void
user_id_of(char *dst, const char *user)
{
    memcpy(dst, "2088", 4);
    si_derive(dst + 4, 12, "0123456789", "user_id", "", user);
}


static void
open_id_of(char *dst, const char *user)
{
    dst[0] = '0';
    si_derive(dst + 1, 42, alnum, "open_id", si.alipay_app_id, user);
}


/*
 * {"<key>":<inner>,"sign":"..."}: inner signed as it is sent; tamper-*
 * changes a digit of it after signing, badsig-* signs with a key no one
 * knows.
 */
static void
answer(si_answer_t *a, const char *method, int error, const char *inner,
    const char *user)
{
    char    key[80], sig[1024], *text, *p;
    size_t  i;

    if (error) {
        snprintf(key, sizeof(key), "error_response");
    } else {
        snprintf(key, sizeof(key), "%s_response", method);
        for (i = 0; key[i] != '\0'; i++) {
            if (key[i] == '.') {
                key[i] = '_';
            }
        }
    }

    if (uc_alipay_sign(user != NULL && si_has_prefix(user, "badsig-")
                       ? si.other_key : si.alipay_key,
                       inner, strlen(inner), sig, sizeof(sig)) == 0)
    {
        si_text(a, 500, "text/plain", "cannot sign\n");
        return;
    }

    text = strdup(inner);
    if (text == NULL) {
        si_text(a, 500, "text/plain", "out of memory\n");
        return;
    }

    if (user != NULL && si_has_prefix(user, "tamper-")) {
        p = strstr(text, "\"user_id\":\"2088");
        p = p != NULL ? p + 15 : strstr(text, "\"open_id\":\"");
        p = p != NULL && p[0] == '"' ? p + 11 : p;

        if (p != NULL && *p >= '0' && *p <= '9') {
            *p = (char) ('0' + (*p - '0' + 1) % 10);
        } else if (p != NULL) {
            *p = *p == 'A' ? 'B' : 'A';
        }
    }

    /* the real gateway puts the sign last, as here */
    si_text(a, 200, "text/html;charset=utf-8", "{\"%s\":%s,\"sign\":\"%s\"}",
            key, text, sig);
    free(text);
}


static void
fail(si_answer_t *a, const char *method, int error, const char *code,
    const char *msg, const char *sub_code, const char *sub_msg)
{
    char  *inner;

    if (asprintf(&inner, "{\"code\":\"%s\",\"msg\":\"%s\",\"sub_code\":"
                 "\"%s\",\"sub_msg\":\"%s\"}", code, msg, sub_code, sub_msg)
        < 0)
    {
        si_text(a, 500, "text/plain", "out of memory\n");
        return;
    }

    answer(a, method, error, inner, NULL);
    free(inner);
}


/* "yyyy-MM-dd HH:mm:ss" Beijing time within 15 minutes of now */
static int
timestamp_fresh(const char *ts)
{
    struct tm  tm;
    time_t     t;
    char      *end;

    if (ts == NULL || strlen(ts) != 19) {
        return 0;
    }

    memset(&tm, 0, sizeof(tm));
    end = strptime(ts, "%Y-%m-%d %H:%M:%S", &tm);

    if (end == NULL || *end != '\0') {
        return 0;
    }

    t = timegm(&tm) - 8 * 3600;

    return labs((long) (t - time(NULL))) <= 15 * 60;
}


/* the request's signature over every parameter but sign */
static int
signed_by_app(si_req_t *r)
{
    int                 i, n, ok;
    char               *text;
    size_t              len;
    const char         *sign;
    uc_alipay_param_t   p[64];

    sign = si_param(r, "sign");
    if (sign == NULL || si.app_public == NULL) {
        return 0;
    }

    for (i = 0, n = 0; i < r->nparams; i++) {
        p[n].name = r->params[i].name;
        p[n].value = r->params[i].value;
        n++;
    }

    len = uc_alipay_sign_string(p, (size_t) n, NULL, 0);
    text = malloc(len + 1);
    if (text == NULL) {
        return 0;
    }

    uc_alipay_sign_string(p, (size_t) n, text, len + 1);
    ok = uc_alipay_verify(si.app_public, text, len, sign, strlen(sign));
    free(text);

    return ok;
}


static void
oauth_token(si_req_t *r, si_answer_t *a, const char *method)
{
    int          expired;
    char         user[SI_NAME_MAX + 1], appid[65], access[64], refresh[64];
    char         uid[17], oid[44], ids[128], *inner;
    const char  *grant, *code, *token;

    grant = si_param(r, "grant_type");
    code = si_param(r, "code");
    token = si_param(r, "refresh_token");

    if (grant != NULL && strcmp(grant, "authorization_code") == 0) {
        if (code == NULL
            || si_code_take('a', si.alipay_app_id, code, user) != SI_CODE_OK)
        {
            /* used, expired and foreign codes alike, as Alipay says */
            fail(a, method, 1, "40002", "Invalid Arguments",
                 "isv.code-invalid", "授权码code无效");
            return;
        }

    } else if (grant != NULL && strcmp(grant, "refresh_token") == 0) {
        if (token == NULL
            || si_token_find('b', token, appid, user, &expired) != 0
            || expired)
        {
            fail(a, method, 1, "40002", "Invalid Arguments",
                 "isv.refresh-token-invalid", "刷新令牌无效");
            return;
        }

    } else {
        fail(a, method, 0, "40002", "Invalid Arguments",
             "isv.invalid-parameter", "grant_type无效");
        return;
    }

    si_sleep_if_slow(user);

    if (si_has_prefix(user, "busy-")) {
        fail(a, method, 1, "20000", "Service Currently Unavailable",
             "aop.unknow-error", "系统繁忙");
        return;
    }

    if (si_token_mint('a', si.alipay_app_id, user, 1296000, access,
                      sizeof(access), "authusrB") != 0
        || si_token_mint('b', si.alipay_app_id, user, 2592000, refresh,
                         sizeof(refresh), "authusrB") != 0)
    {
        si_text(a, 500, "text/plain", "full\n");
        return;
    }

    user_id_of(uid, user);
    uid[16] = '\0';
    open_id_of(oid, user);

    if (si_has_prefix(user, "openid-")) {
        snprintf(ids, sizeof(ids), "\"open_id\":\"%s\"", oid);
    } else {
        snprintf(ids, sizeof(ids), "\"alipay_user_id\":\"%s\",\"user_id\":"
                 "\"%s\",\"open_id\":\"%s\"", uid, uid, oid);
    }

    if (asprintf(&inner, "{\"access_token\":\"%s\",\"auth_start\":"
                 "\"2026-11-27 10:00:00\",\"expires_in\":1296000,"
                 "\"re_expires_in\":2592000,\"refresh_token\":\"%s\",%s}",
                 access, refresh, ids) < 0)
    {
        si_text(a, 500, "text/plain", "out of memory\n");
        return;
    }

    answer(a, method, 0, inner, user);
    free(inner);
}


static void
user_info(si_req_t *r, si_answer_t *a, const char *method)
{
    int          expired;
    char         user[SI_NAME_MAX + 1], appid[65], uid[17], oid[44];
    char         avatar[24], ids[128], *inner;
    const char  *token;

    token = si_param(r, "auth_token");

    if (token == NULL || si_token_find('a', token, appid, user, &expired) != 0
        || expired)
    {
        fail(a, method, 0, "20001", "Insufficient Token Permissions",
             "aop.invalid-auth-token", "无效的访问令牌");
        return;
    }

    user_id_of(uid, user);
    uid[16] = '\0';
    open_id_of(oid, user);
    si_derive(avatar, 16, alnum, "avatar", "", user);

    if (si_has_prefix(user, "openid-")) {
        snprintf(ids, sizeof(ids), "\"open_id\":\"%s\"", oid);
    } else {
        snprintf(ids, sizeof(ids), "\"user_id\":\"%s\",\"open_id\":\"%s\"",
                 uid, oid);
    }

    /* "\/" as Alipay writes URLs: whoever re-serialises loses the sign */
    if (asprintf(&inner, "{\"code\":\"10000\",\"msg\":\"Success\","
                 "\"avatar\":\"https:\\/\\/tfs.alipayobjects.com\\/images\\/"
                 "partner\\/%s\",\"city\":\"杭州市\",\"gender\":\"F\","
                 "\"nick_name\":\"支付宝用户 %s\",\"province\":\"浙江省\",%s}",
                 avatar, user, ids) < 0)
    {
        si_text(a, 500, "text/plain", "out of memory\n");
        return;
    }

    answer(a, method, 0, inner, user);
    free(inner);
}


static void
gateway(si_req_t *r, si_answer_t *a)
{
    const char  *method, *app_id, *sign_type, *charset;

    method = si_param(r, "method");
    app_id = si_param(r, "app_id");
    sign_type = si_param(r, "sign_type");
    charset = si_param(r, "charset");

    if (method == NULL || (strcmp(method, "alipay.system.oauth.token") != 0
                           && strcmp(method, "alipay.user.info.share") != 0))
    {
        fail(a, "alipay.unknown", 1, "40004", "Business Failed",
             "isv.invalid-method", "不存在的方法名");
        return;
    }

    if (app_id == NULL || strcmp(app_id, si.alipay_app_id) != 0) {
        fail(a, method, 0, "40002", "Invalid Arguments",
             "isv.invalid-app-id", "无效的AppID参数");
        return;
    }

    if (sign_type == NULL || strcmp(sign_type, "RSA2") != 0
        || (charset != NULL && strcasecmp(charset, "utf-8") != 0))
    {
        fail(a, method, 0, "40002", "Invalid Arguments",
             "isv.invalid-signature-type", "无效的签名类型");
        return;
    }

    if (!timestamp_fresh(si_param(r, "timestamp"))) {
        fail(a, method, 0, "40002", "Invalid Arguments",
             "isv.invalid-timestamp", "非法的时间戳参数");
        return;
    }

    if (!signed_by_app(r)) {
        fail(a, method, 0, "40002", "Invalid Arguments",
             "isv.invalid-signature", "验签出错");
        return;
    }

    if (strcmp(method, "alipay.system.oauth.token") == 0) {
        oauth_token(r, a, method);
    } else {
        user_info(r, a, method);
    }
}


static void
authorize(si_req_t *r, si_answer_t *a)
{
    size_t       i;
    char         code[SI_CODE_LEN + 1], *q, *page, *p, *enc_back, *enc_state;
    const char  *app_id, *back, *state, *as, *scope;

    app_id = si_param(r, "app_id");
    back = si_param(r, "redirect_uri");
    state = si_param(r, "state");
    scope = si_param(r, "scope");
    as = si_param(r, "as");

    if (app_id == NULL || strcmp(app_id, si.alipay_app_id) != 0
        || back == NULL || scope == NULL
        || (strncmp(back, "http://", 7) != 0
            && strncmp(back, "https://", 8) != 0))
    {
        si_text(a, 400, "text/html; charset=utf-8",
                "<p>参数错误 (app_id, redirect_uri or scope)</p>\n");
        return;
    }

    if (si_name_valid(as)) {
        if (si_code_mint('a', app_id, as, 180, code) != 0) {
            si_text(a, 500, "text/plain", "full\n");
            return;
        }

        enc_state = si_urlenc(state != NULL ? state : "");
        if (enc_state == NULL
            || asprintf(&q, "app_id=%s&source=alipay_wallet&scope=%s"
                        "&auth_code=%s&state=%s", app_id, scope, code,
                        enc_state) < 0)
        {
            free(enc_state);
            si_text(a, 500, "text/plain", "out of memory\n");
            return;
        }

        si_redirect(a, back, q);
        free(q);
        free(enc_state);
        return;
    }

    page = NULL;
    if (asprintf(&page, "<!doctype html><meta charset=utf-8>"
                 "<title>Alipay stand-in</title><h1>支付宝授权 (stand-in)</h1>"
                 "<p>App %s asks who you are. Pick a demo user:</p><ul>",
                 app_id) < 0)
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
        if (asprintf(&p, "%s<li><a id=\"%s\" href=\"?app_id=%s&amp;"
                     "scope=%s&amp;redirect_uri=%s&amp;state=%s&amp;"
                     "as=%s\">%s</a>", page, demo_users[i], app_id,
                     strcmp(scope, "auth_base") == 0 ? "auth_base"
                                                     : "auth_user",
                     enc_back, enc_state, demo_users[i], demo_users[i]) < 0)
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


void
si_alipay(si_req_t *r, si_answer_t *a)
{
    if (strcmp(r->path, "/oauth2/publicAppAuthorize.htm") == 0) {
        authorize(r, a);
        return;
    }

    if (strcmp(r->method, "POST") != 0 && strcmp(r->method, "GET") != 0) {
        si_text(a, 405, "text/plain", "method not allowed\n");
        return;
    }

    gateway(r, a);
}
