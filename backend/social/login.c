/*
 * uc-backend: signing in with WeChat or Alipay in a browser.
 *
 *   GET /uc/v1/login/{wechat|alipay}?line=L&return_to=URL[&link=1]
 *     checks the line (its record, active) and return_to (exactly one of
 *     the line's return_urls: nothing else is ever redirected to), puts a
 *     single-use state in Redis for 10 minutes, bound to this browser by
 *     the uc_login cookie (its SHA-256 is in the state; __Host-uc_login
 *     when cookies are Secure, so that no sibling host can plant one),
 *     and redirects to the provider. link=1 behind a session links
 *     instead of signing in.
 *   GET /uc/v1/login/{wechat|alipay}/callback?code|auth_code=..&state=..
 *     takes the state (gone after this, whatever happens next), checks the
 *     cookie against it, exchanges the code, and signs in (or links):
 *     302 to return_to with the session's cookie set.
 *
 * State lives in Redis, never in a process: any backend behind any
 * gateway finishes what another started.
 */

#define _GNU_SOURCE            /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "social.h"


#define STATE_TTL     600
#define NONCE_LEN     UCB_NONCE_LEN
#define URL_MAX       2048


static const char  b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


int
ucb_social_nonce(char *dst)
{
    int            i, j;
    unsigned char  raw[33];
    unsigned int   v;

    raw[32] = 0;

    if (RAND_bytes(raw, 32) != 1) {
        return -1;
    }

    for (i = 0, j = 0; i < 33; i += 3) {
        v = (unsigned) raw[i] << 16 | (unsigned) raw[i + 1] << 8
            | raw[i + 2];
        dst[j++] = b64url[(v >> 18) & 63];
        dst[j++] = b64url[(v >> 12) & 63];
        dst[j++] = b64url[(v >> 6) & 63];

        if (j < NONCE_LEN) {
            dst[j++] = b64url[v & 63];
        }
    }

    dst[NONCE_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof(raw));

    return 0;
}


int
ucb_social_nonce_valid(const char *s)
{
    return s != NULL && strlen(s) == NONCE_LEN
           && strspn(s, b64url) == NONCE_LEN;
}


const char *
ucb_social_cookie_name(void)
{
    return ucb_conf.cookie_secure ? "__Host-uc_login" : "uc_login";
}


int
ucb_social_binding_cookie(char **out, const char *value)
{
    if (asprintf(out, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
                 ucb_social_cookie_name(), value, STATE_TTL,
                 ucb_conf.cookie_secure ? "; Secure" : "")
        < 0)
    {
        *out = NULL;
        return -1;
    }

    return 0;
}


/* SHA-256 of a binding cookie's value, in hex: what a state keeps */
static void
cookie_hash(const char *cookie, char hex[65])
{
    int            i;
    unsigned char  md[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *) cookie, NONCE_LEN, md);

    for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}


/* SHA-256 of the browser's cookie in hex ("" when it has none) */
void
ucb_social_browser(ucb_req_t *req, char hex[65])
{
    const char  *cookie;

    hex[0] = '\0';
    cookie = ucb_cookie(req, ucb_social_cookie_name());

    if (ucb_social_nonce_valid(cookie)) {
        cookie_hash(cookie, hex);
    }
}


/* 1 when the browser's cookie is the one hash names */
int
ucb_social_same_browser(ucb_req_t *req, const char *hash)
{
    char  hex[65];

    ucb_social_browser(req, hex);

    return hash != NULL && strlen(hash) == 64 && hex[0] != '\0'
           && CRYPTO_memcmp(hex, hash, 64) == 0;
}


/*
 * The line a sign-in is for (the query's or body's, which the location's
 * must not contradict) into req->line, checked: it has a record and is
 * active. *line_out its record (json_decref). 0, or answered.
 */
int
ucb_social_line(ucb_req_t *req, const char *given, int required,
    json_t **line_out)
{
    int          rc;
    json_t      *line;
    const char  *status;

    *line_out = NULL;

    if (given != NULL && given[0] != '\0') {
        if (!uc_line_valid(given, strlen(given))) {
            ucb_error(req, 400, "unknown_line", "no such business line");
            return -1;
        }

        if (req->line[0] != '\0' && strcmp(req->line, given) != 0) {
            ucb_error(req, 400, "line_mismatch", "this location serves "
                      "another business line");
            return -1;
        }

        snprintf(req->line, sizeof(req->line), "%s", given);
    }

    if (req->line[0] == '\0') {
        if (required) {
            ucb_error(req, 400, "line_required", "\"line\" names the "
                      "business line to sign in to");
            return -1;
        }

        return 0;
    }

    rc = ucb_store_line_get(req->line, &line);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 400, "unknown_line", "no such business line");
        return -1;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return -1;
    }

    status = json_string_value(json_object_get(line, "status"));

    if (status == NULL || strcmp(status, "active") != 0) {
        json_decref(line);
        ucb_error(req, 403, "line_suspended", "this business line is "
                  "suspended");
        return -1;
    }

    *line_out = line;

    return 0;
}


/* whether url is, byte for byte, one of the line's return URLs */
static int
allowed_return(json_t *line, const char *url)
{
    size_t   i;
    json_t  *urls, *u;

    urls = json_object_get(line, "return_urls");

    json_array_foreach(urls, i, u) {
        if (json_is_string(u) && strcmp(json_string_value(u), url) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
provider_of(ucb_req_t *req, const char *name)
{
    if (strcmp(name, "wechat") == 0 && ucb_wechat_enabled(UCB_WECHAT_WEB)) {
        return 'w';
    }

    if (strcmp(name, "alipay") == 0 && ucb_alipay_enabled()) {
        return 'a';
    }

    if (strcmp(name, "wechat") == 0 || strcmp(name, "alipay") == 0) {
        ucb_error(req, 404, "provider_not_configured", "this sign-in "
                  "provider is not configured here");
    } else {
        ucb_error(req, 404, "not_found", "no such endpoint");
    }

    return 0;
}


/* the provider's authorisation URL for state */
static int
authorize_url(int provider, const char *state, char *url)
{
    int     w;
    size_t  n;
    char    back[UCB_SOCIAL_URL_MAX + 64];

    snprintf(back, sizeof(back), "%s/uc/v1/login/%s/callback",
             ucb_social.public_url, provider == 'w' ? "wechat" : "alipay");

    if (provider == 'w') {
        w = snprintf(url, URL_MAX, "%s/connect/qrconnect?appid=%s"
                     "&redirect_uri=", ucb_social.wechat_open,
                     ucb_social.wechat[UCB_WECHAT_WEB].appid);
    } else {
        w = snprintf(url, URL_MAX, "%s?app_id=%s&scope=auth_user"
                     "&redirect_uri=", ucb_social.alipay_authorize,
                     ucb_social.alipay_app_id);
    }

    if (w < 0 || w >= URL_MAX) {
        return -1;
    }

    n = (size_t) w;

    if (ucb_url_append(url, URL_MAX, &n, back) != 0) {
        return -1;
    }

    w = snprintf(url + n, URL_MAX - n, "%s&state=%s%s",
                 provider == 'w' ? "&response_type=code&scope=snsapi_login"
                                 : "",
                 state, provider == 'w' ? "#wechat_redirect" : "");

    return w < 0 || (size_t) w >= URL_MAX - n ? -1 : 0;
}


static void
state_key(char *dst, size_t size, const char *state)
{
    snprintf(dst, size, "%s{o:%s}", ucb_conf.prefix, state);
}


/* GET /uc/v1/login/{provider}?line=&return_to=[&link=1] */
void
ucb_h_login_social(ucb_req_t *req)
{
    int          provider, linking;
    char         cookie[NONCE_LEN + 1], state[NONCE_LEN + 1], hex[65];
    char         key[UC_KEY_MAX + 64], url[URL_MAX], *text;
    json_t      *line, *record;
    redisReply  *r;
    const char  *return_to, *link, *have;

    provider = provider_of(req, req->params[0]);
    if (provider == 0) {
        return;
    }

    return_to = ucb_query(req, "return_to");
    link = ucb_query(req, "link");
    linking = link != NULL && strcmp(link, "1") == 0;

    if (return_to == NULL || strlen(return_to) > UCB_RETURN_URL_MAX) {
        ucb_error(req, 400, "return_to_not_allowed", "\"return_to\" must be "
                  "one of the business line's return URLs");
        return;
    }

    if (linking && !req->authenticated) {
        ucb_error(req, 401, "login_required", "linking needs the session "
                  "of the account to link to");
        return;
    }

    if (ucb_social_line(req, ucb_query(req, "line"), 1, &line) != 0) {
        return;
    }

    if (!allowed_return(line, return_to)) {
        json_decref(line);
        ucb_error(req, 400, "return_to_not_allowed", "\"return_to\" must be "
                  "one of the business line's return URLs");
        return;
    }

    json_decref(line);

    /* one cookie per browser, kept across sign-ins; its life renewed */
    have = ucb_cookie(req, ucb_social_cookie_name());

    if (ucb_social_nonce_valid(have)) {
        memcpy(cookie, have, NONCE_LEN + 1);

    } else if (ucb_social_nonce(cookie) != 0) {
        ucb_error(req, 500, "internal_error", "no randomness");
        return;
    }

    if (ucb_social_nonce(state) != 0) {
        ucb_error(req, 500, "internal_error", "no randomness");
        return;
    }

    /* the hash of the cookie as the callback will see it */
    cookie_hash(cookie, hex);

    record = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
                       "p", provider == 'w' ? "wechat" : "alipay",
                       "l", req->line, "r", return_to, "b", hex,
                       "u", linking ? req->uid : "",
                       "s", linking ? req->sid : "");
    text = record != NULL ? json_dumps(record, JSON_COMPACT) : NULL;
    json_decref(record);

    if (text == NULL || authorize_url(provider, state, url) != 0) {
        free(text);
        ucb_error(req, 500, "internal_error", "the sign-in cannot be "
                  "started");
        return;
    }

    state_key(key, sizeof(key), state);
    r = ucb_redis_command("SET %s %s EX %d NX", key, text, STATE_TTL);
    free(text);

    if (r == NULL || r->type != REDIS_REPLY_STATUS) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable", "sign-ins cannot be started "
                  "now; try again shortly");
        return;
    }

    freeReplyObject(r);

    if (ucb_social_binding_cookie(&req->set_cookie, cookie) != 0) {
        ucb_error(req, 500, "internal_error", "out of memory");
        return;
    }

    (void) ucb_redirect(req, url);
}


/* takes the state (once): its record, or NULL and answered */
static json_t *
take_state(ucb_req_t *req, const char *state)
{
    char         key[UC_KEY_MAX + 64];
    json_t      *j;
    redisReply  *r;

    if (!ucb_social_nonce_valid(state)) {
        ucb_error(req, 400, "state_invalid", "this sign-in expired or was "
                  "finished already; start again");
        return NULL;
    }

    state_key(key, sizeof(key), state);
    r = ucb_redis_command("GETDEL %s", key);

    if (r == NULL || (r->type != REDIS_REPLY_STRING
                      && r->type != REDIS_REPLY_NIL))
    {
        if (r != NULL) {
            freeReplyObject(r);
        }
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable", "try again shortly");
        return NULL;
    }

    j = r->type == REDIS_REPLY_STRING
        ? json_loadb(r->str, r->len, 0, NULL) : NULL;
    freeReplyObject(r);

    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        ucb_error(req, 400, "state_invalid", "this sign-in expired or was "
                  "finished already; start again");
        return NULL;
    }

    return j;
}


static const char *
field(json_t *j, const char *name)
{
    const char  *s;

    s = json_string_value(json_object_get(j, name));

    return s != NULL ? s : "";
}


/* GET /uc/v1/login/{provider}/callback?code|auth_code&state */
void
ucb_h_login_social_callback(ucb_req_t *req)
{
    int                    provider, rc;
    json_t                *state;
    const char            *code, *uid, *name;
    ucb_provider_error_t   err;
    ucb_social_identity_t  id;

    provider = provider_of(req, req->params[0]);
    if (provider == 0) {
        return;
    }

    name = provider == 'w' ? "wechat" : "alipay";
    state = take_state(req, ucb_query(req, "state"));

    if (state == NULL) {
        return;
    }

    if (strcmp(field(state, "p"), name) != 0) {
        ucb_error(req, 400, "state_invalid", "this sign-in was started with "
                  "another provider");
        goto done;
    }

    /* login CSRF: the browser that comes back is the one that left */
    if (!ucb_social_same_browser(req, field(state, "b"))) {
        ucb_error(req, 400, "state_mismatch", "this sign-in was started in "
                  "another browser; start again here");
        goto done;
    }

    uid = field(state, "u");

    if (uid[0] != '\0'
        && !(req->authenticated && strcmp(req->uid, uid) == 0
             && strcmp(req->sid, field(state, "s")) == 0))
    {
        ucb_error(req, 403, "link_session_changed", "the session that "
                  "started linking is not this one; start again");
        goto done;
    }

    code = ucb_query(req, provider == 'w' ? "code" : "auth_code");

    if (code == NULL || code[0] == '\0') {
        ucb_error(req, 400, "authorization_denied", "the provider gave no "
                  "authorisation");
        goto done;
    }

    rc = provider == 'w'
         ? ucb_wechat_identify(UCB_WECHAT_WEB, code, &id, &err)
         : ucb_alipay_identify(code, &id, &err);

    if (rc != 0) {
        ucb_provider_refused(req, name, &err);
        goto done;
    }

    snprintf(req->line, sizeof(req->line), "%s", field(state, "l"));

    if (uid[0] != '\0') {
        if (ucb_social_link(req, &id) == 0) {
            (void) ucb_redirect(req, field(state, "r"));
        }
        goto done;
    }

    ucb_social_sign_in(req, &id, field(state, "r"), field(state, "b"));

done:

    json_decref(state);
}
