
/*
 * usercenter gateway module: the session check in the ACCESS phase.
 *
 * Order of work, cheapest first (identity headers sent by the client were
 * dropped in the rewrite phase, ngx_http_uc_strip_handler): the token is
 * taken from "Authorization: Bearer" or the session cookie; its format and HMAC are checked locally, so a forged or mangled
 * token never costs a Redis command; then one HMGET reads the record. The
 * request waits for the reply without blocking the worker and is resumed
 * from the Redis read handler. A due idle-TTL renewal is sent on its own,
 * and the request does not wait for it.
 */


#include "ngx_http_usercenter_session.h"
#include "ngx_http_usercenter_cache.h"
#include "ngx_http_usercenter_flags.h"
#include "ngx_http_usercenter_line.h"
#include "ngx_http_usercenter_merchant.h"
#include "ngx_http_usercenter_limit.h"
#include "ngx_http_usercenter_redis.h"
#include "ngx_http_usercenter_service.h"
#include "ngx_http_usercenter_status.h"
#include "ngx_http_usercenter_tracking.h"


static ngx_int_t ngx_http_uc_finish(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static ngx_int_t ngx_http_uc_decide(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static ngx_int_t ngx_http_uc_find_token(ngx_http_request_t *r,
    ngx_http_uc_loc_conf_t *ulcf, ngx_str_t *token);
static ngx_int_t ngx_http_uc_set_headers(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static void ngx_http_uc_session_reply(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static ngx_int_t ngx_http_uc_session_cached(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx, ngx_str_t *key);
static void ngx_http_uc_session_stale(ngx_http_uc_ctx_t *ctx);
static size_t ngx_http_uc_session_key(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx, u_char *key);
static ngx_int_t ngx_http_uc_session_read(ngx_http_uc_ctx_t *ctx,
    redisReply *reply, uc_str_t *vals);
static ngx_int_t ngx_http_uc_session_apply(ngx_http_uc_ctx_t *ctx,
    uc_str_t *vals, ngx_uint_t cached);
static void ngx_http_uc_session_renew(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx, int64_t ttl);
static void ngx_http_uc_renew_reply(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static void ngx_http_uc_cleanup(void *data);


ngx_http_uc_ctx_t *
ngx_http_uc_get_ctx(ngx_http_request_t *r)
{
    ngx_http_uc_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_usercenter_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_uc_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ctx->request = r;
        ngx_http_set_ctx(r, ctx, ngx_http_usercenter_module);
    }

    return ctx;
}


static ngx_str_t  ngx_http_uc_levels[] = {
    ngx_string("0"), ngx_string("1"), ngx_string("2"), ngx_string("3"),
    ngx_string("4")
};


ngx_int_t
ngx_http_uc_access_handler(ngx_http_request_t *r)
{
    u_char                    key[UC_KEY_MAX];
    size_t                    lens[1 + 1 + UC_SF_READ];
    ngx_int_t                 i;
    ngx_str_t                 token, k;
    const char               *argv[1 + 1 + UC_SF_READ], *sid;
    uc_token_rc_e             rc;
    ngx_http_uc_ctx_t        *ctx;
    ngx_pool_cleanup_t       *cln;
    ngx_http_uc_redis_op_t   *op;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->keyring == NULL) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_uc_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    /* a business line's server, not a person: its key, not a session */
    if (ulcf->auth == NGX_HTTP_UC_AUTH_SERVICE) {
        return ngx_http_uc_service_check(r, ctx);
    }

    if (ctx->started) {
        if (!ctx->done) {
            return NGX_AGAIN;
        }

        return ngx_http_uc_finish(r, ctx);
    }

    ctx->started = 1;

    /* client copies of the identity headers went in the rewrite phase */

    ctx->business_line = ulcf->business_line;

    if (ulcf->auth == NGX_HTTP_UC_AUTH_OFF) {
        ctx->done = 1;
        return ngx_http_uc_finish(r, ctx);
    }

    if (ngx_http_uc_find_token(r, ulcf, &token) != NGX_OK) {
        ctx->status = NGX_HTTP_UC_SESSION_NONE;
        ctx->done = 1;
        return ngx_http_uc_finish(r, ctx);
    }

    rc = uc_token_verify(umcf->keyring, (const char *) token.data, token.len,
                         &sid, &lens[0]);

    if (rc != UC_TOKEN_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "usercenter: %s", uc_token_strerror(rc));

        ctx->status = NGX_HTTP_UC_SESSION_INVALID;
        ctx->done = 1;
        return ngx_http_uc_finish(r, ctx);
    }

    ctx->sid.data = (u_char *) sid;
    ctx->sid.len = UC_SID_LEN;

    argv[0] = "HMGET";
    lens[0] = 5;
    argv[1] = (const char *) key;
    lens[1] = ngx_http_uc_session_key(r, ctx, key);

    for (i = 0; i < UC_SF_READ; i++) {
        argv[2 + i] = uc_session_fields[i];
        lens[2 + i] = ngx_strlen(uc_session_fields[i]);
    }

    if (umcf->cache != NULL && ulcf->cache_lookup) {
        k.data = key;
        k.len = lens[1];

        if (ngx_http_uc_session_cached(r, ctx, &k) == NGX_OK) {
            ctx->done = 1;
            return ngx_http_uc_finish(r, ctx);
        }
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    op = ngx_http_uc_redis_op(umcf->conn, ngx_http_uc_session_reply, ctx);

    if (cln == NULL || op == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_uc_redis_send(op, 2 + UC_SF_READ, argv, lens) != NGX_OK) {
        ngx_http_uc_session_stale(ctx);
        ctx->done = 1;
        return ngx_http_uc_finish(r, ctx);
    }

    cln->handler = ngx_http_uc_cleanup;
    cln->data = ctx;

    ctx->op = op;
    ctx->waiting = 1;

    return NGX_AGAIN;
}


/*
 * The session verdict is given once (it adds the identity headers); a
 * request it admits then meets the rate limits keyed by $uc_* variables.
 */
static ngx_int_t
ngx_http_uc_finish(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_int_t                rc;
    ngx_http_uc_loc_conf_t  *ulcf;

    /* a suspended line is refused before anything else is told */
    rc = ngx_http_uc_line_check(r, ctx);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    /* then the merchant the session acts for (before any header is set) */
    rc = ngx_http_uc_merchant_check(r, ctx);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (!ctx->decided) {
        ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

        if (ulcf->auth != NGX_HTTP_UC_AUTH_OFF) {
            ngx_http_uc_stat(NGX_HTTP_UC_STAT_SESSIONS + ctx->status);
        }

        rc = ngx_http_uc_decide(r, ctx);

        if (rc != NGX_DECLINED) {
            return rc;
        }

        ctx->decided = 1;
    }

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (ulcf->flags) {
        rc = ngx_http_uc_flags_handler(r, ctx);

        if (rc != NGX_DECLINED) {
            return rc;
        }

        if (ctx->flags.len && !ctx->flags_sent) {
            ctx->flags_sent = 1;

            if (ngx_http_uc_add_header(r, "X-UC-Flags",
                                       sizeof("X-UC-Flags") - 1, &ctx->flags)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }

    return ngx_http_uc_limit_after_session(r, ctx);
}


static ngx_int_t
ngx_http_uc_decide(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_uint_t               need_login;
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    need_login = ulcf->auth == NGX_HTTP_UC_AUTH_REQUIRED || ulcf->level > 0;

    switch (ctx->status) {

    case NGX_HTTP_UC_SESSION_VALID:

        if ((ngx_int_t) ctx->level < ulcf->level) {
            return ngx_http_uc_reject_json(r, NGX_HTTP_FORBIDDEN,
                                      "auth_level_too_low",
                "this page needs a higher authentication level");
        }

        return ngx_http_uc_set_headers(r, ctx);

    case NGX_HTTP_UC_SESSION_NONE:

        if (need_login) {
            return ngx_http_uc_reject_json(r, NGX_HTTP_UNAUTHORIZED,
                                      "login_required", "please log in");
        }

        return NGX_DECLINED;

    case NGX_HTTP_UC_SESSION_INVALID:

        if (ctx->uid.len && need_login) {
            /* a valid session of another business line */
            return ngx_http_uc_reject_json(r, NGX_HTTP_FORBIDDEN,
                                      "business_line_forbidden",
                "the session is not valid for this business line");
        }

        if (need_login) {
            return ngx_http_uc_reject_json(r, NGX_HTTP_UNAUTHORIZED,
                                      "invalid_session",
                "the session is invalid or has been revoked");
        }

        ngx_str_null(&ctx->uid);
        return NGX_DECLINED;

    case NGX_HTTP_UC_SESSION_EXPIRED:

        if (need_login) {
            return ngx_http_uc_reject_json(r, NGX_HTTP_UNAUTHORIZED,
                                      "session_expired",
                                      "the session has expired");
        }

        return NGX_DECLINED;

    default: /* NGX_HTTP_UC_SESSION_ERROR */

        if (ulcf->on_redis_error == NGX_HTTP_UC_FAIL_OPEN) {
            return ngx_http_uc_set_headers(r, ctx);
        }

        return ngx_http_uc_reject_json(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                  "session_store_unavailable",
                "sessions cannot be checked right now, try again shortly");
    }
}


/*
 * "Authorization: Bearer <token>" wins over the cookie: apps send the
 * header, browsers the cookie, and an app's embedded web view may send both.
 */
static ngx_int_t
ngx_http_uc_find_token(ngx_http_request_t *r, ngx_http_uc_loc_conf_t *ulcf,
    ngx_str_t *token)
{
    u_char     *p, *last;
    ngx_str_t  *auth;

    if (r->headers_in.authorization != NULL) {
        auth = &r->headers_in.authorization->value;

        if (auth->len > sizeof("Bearer ") - 1
            && ngx_strncasecmp(auth->data, (u_char *) "Bearer ",
                               sizeof("Bearer ") - 1) == 0)
        {
            p = auth->data + sizeof("Bearer ") - 1;
            last = auth->data + auth->len;

            while (p < last && *p == ' ') {
                p++;
            }

            while (last > p && last[-1] == ' ') {
                last--;
            }

            token->data = p;
            token->len = last - p;

            return token->len ? NGX_OK : NGX_DECLINED;
        }
    }

#if (nginx_version >= 1023000)
    if (ngx_http_parse_multi_header_lines(r, r->headers_in.cookie,
                                          &ulcf->cookie, token)
        == NULL)
    {
        return NGX_DECLINED;
    }
#else
    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies,
                                          &ulcf->cookie, token)
        == NGX_DECLINED)
    {
        return NGX_DECLINED;
    }
#endif

    return token->len ? NGX_OK : NGX_DECLINED;
}


/*
 * Runs a request's phases again once its Redis reply is in, from the Redis
 * read handler; the request may be gone afterwards, its connection not.
 */
void
ngx_http_uc_resume(ngx_http_request_t *r)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


#define ngx_http_uc_header(r, name, value)                                    \
    ngx_http_uc_add_header(r, name, sizeof(name) - 1, value)


static ngx_int_t
ngx_http_uc_set_headers(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_str_t  degraded = ngx_string("redis");

    if (ctx->status != NGX_HTTP_UC_SESSION_VALID) {
        /* open on Redis failure: the signature was good, the record unread */
        if (ngx_http_uc_header(r, "X-UC-Session-Id", &ctx->sid) != NGX_OK
            || ngx_http_uc_header(r, "X-UC-Degraded", &degraded) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_DECLINED;
    }

    if (ngx_http_uc_header(r, "X-UC-User-Id", &ctx->uid) != NGX_OK
        || ngx_http_uc_header(r, "X-UC-Session-Id", &ctx->sid) != NGX_OK
        || ngx_http_uc_header(r, "X-UC-Auth-Level",
                              &ngx_http_uc_levels[ctx->level])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->business_line.len
        && ngx_http_uc_header(r, "X-UC-Business-Line", &ctx->business_line)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->merchant.len
        && (ngx_http_uc_header(r, "X-UC-Merchant-Id", &ctx->merchant)
            != NGX_OK
            || ngx_http_uc_header(r, "X-UC-Merchant-Role",
                                  &ctx->merchant_role)
               != NGX_OK))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DECLINED;
}


static void
ngx_http_uc_session_reply(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    u_char                    key[UC_KEY_MAX];
    uc_str_t                  vals[UC_SF_READ];
    ngx_str_t                 k, packed;
    ngx_http_request_t       *r;
    ngx_http_uc_ctx_t        *ctx;
    ngx_http_uc_main_conf_t  *umcf;

    ctx = op->data;
    r = ctx->request;

    ctx->op = NULL;
    ctx->waiting = 0;
    ctx->done = 1;

    if (ngx_http_uc_session_read(ctx, reply, vals) != NGX_OK) {
        ngx_http_uc_session_stale(ctx);
        ngx_http_uc_resume(r);
        return;
    }

    if (ctx->cache_mark != 0
        && ngx_http_uc_cache_pack(r->pool, reply, &packed) == NGX_OK)
    {
        umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

        k.data = key;
        k.len = ngx_http_uc_session_key(r, ctx, key);

        ngx_http_uc_cache_fill(umcf->cache, &k, ctx->cache_mark, &packed);
    }

    (void) ngx_http_uc_session_apply(ctx, vals, 0);

    ngx_http_uc_resume(r);
}


/*
 * NGX_OK: the near-cache answered. Otherwise the request goes to Redis,
 * and, when this worker's invalidations are live, under a reservation.
 */
static ngx_int_t
ngx_http_uc_session_cached(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    ngx_str_t *key)
{
    size_t                    n;
    uc_str_t                  vals[UC_SF_READ];
    ngx_str_t                 value;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (!ngx_http_uc_tracking_live(umcf)) {
        ctx->cache_status = NGX_HTTP_UC_CACHE_BYPASS;
        ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + ctx->cache_status);
        return NGX_DECLINED;
    }

    if (ngx_http_uc_cache_get(umcf->cache, key, r->pool, &value, 0)
        == NGX_HTTP_UC_CACHE_HIT
        && ngx_http_uc_cache_unpack(&value, vals, UC_SF_READ, &n) == NGX_OK
        && n == UC_SF_READ
        && ngx_http_uc_session_apply(ctx, vals, 1) == NGX_OK)
    {
        ctx->cache_status = NGX_HTTP_UC_CACHE_HIT;
        ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + ctx->cache_status);
        return NGX_OK;
    }

    ctx->cache_status = NGX_HTTP_UC_CACHE_MISS;
    ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + ctx->cache_status);

    ctx->cache_mark = ngx_http_uc_cache_reserve(umcf->cache, key);

    return NGX_DECLINED;
}


/* The session's Redis key, which is also its near-cache key. */
static size_t
ngx_http_uc_session_key(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    u_char *key)
{
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    return uc_key_session((char *) key,
                          (const char *) umcf->redis.prefix.data,
                          umcf->redis.prefix.len,
                          (const char *) ctx->sid.data, ctx->sid.len);
}


/* Redis failed: a copy younger than stale_if_error may still answer. */
static void
ngx_http_uc_session_stale(ngx_http_uc_ctx_t *ctx)
{
    u_char                    key[UC_KEY_MAX];
    size_t                    n;
    uc_str_t                  vals[UC_SF_READ];
    ngx_str_t                 k, value;
    ngx_http_request_t       *r;
    ngx_http_uc_main_conf_t  *umcf;

    r = ctx->request;
    ctx->status = NGX_HTTP_UC_SESSION_ERROR;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->cache == NULL || umcf->cache->stale_if_error == 0) {
        return;
    }

    k.data = key;
    k.len = ngx_http_uc_session_key(r, ctx, key);

    if (ngx_http_uc_cache_get(umcf->cache, &k, r->pool, &value, 1)
        != NGX_HTTP_UC_CACHE_STALE
        || ngx_http_uc_cache_unpack(&value, vals, UC_SF_READ, &n) != NGX_OK
        || n != UC_SF_READ)
    {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "usercenter: redis failed, session %V answered from "
                  "a stale copy", &ctx->sid);

    ctx->cache_status = NGX_HTTP_UC_CACHE_STALE;
    ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + ctx->cache_status);

    (void) ngx_http_uc_session_apply(ctx, vals, 0);
}


/* NGX_OK with vals set from an HMGET reply, else the reply is unusable. */
static ngx_int_t
ngx_http_uc_session_read(ngx_http_uc_ctx_t *ctx, redisReply *reply,
    uc_str_t *vals)
{
    size_t               i;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (reply == NULL) {
        return NGX_ERROR;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "usercenter: redis answered: %s", reply->str);
        return NGX_ERROR;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != UC_SF_READ) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "usercenter: unexpected redis reply type %d",
                      reply->type);
        return NGX_ERROR;
    }

    for (i = 0; i < UC_SF_READ; i++) {
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            vals[i].data = reply->element[i]->str;
            vals[i].len = reply->element[i]->len;

        } else {
            vals[i].data = NULL;
            vals[i].len = 0;
        }
    }

    return NGX_OK;
}


/*
 * Sets the verdict from a record's values. A cached copy whose idle time
 * has run out is refused (NGX_DECLINED): Redis expires keys lazily, so the
 * copy may outlive the key's TTL and must be checked against Redis again.
 */
static ngx_int_t
ngx_http_uc_session_apply(ngx_http_uc_ctx_t *ctx, uc_str_t *vals,
    ngx_uint_t cached)
{
    int64_t                  now, ttl;
    uc_session_t             s;
    uc_session_rc_e          rc;
    ngx_http_request_t      *r;

    r = ctx->request;
    ctx->status = NGX_HTTP_UC_SESSION_ERROR;

    now = (int64_t) ngx_time();
    rc = uc_session_parse(vals, now, &s);

    switch (rc) {

    case UC_SESSION_VALID:

        if (cached && s.renewed + s.idle <= now) {
            return NGX_DECLINED;
        }

        break;

    case UC_SESSION_EXPIRED:
        ctx->status = NGX_HTTP_UC_SESSION_EXPIRED;
        return NGX_OK;

    case UC_SESSION_CORRUPT:
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "usercenter: session %V has a malformed record",
                      &ctx->sid);
        /* fall through */

    default: /* UC_SESSION_ABSENT */
        ctx->status = NGX_HTTP_UC_SESSION_INVALID;
        return NGX_OK;
    }

    /* the values die with the reply or the copy: keep what is needed */

    ctx->uid.data = ngx_pnalloc(r->pool, s.uid.len + s.merchant.len);
    if (ctx->uid.data == NULL) {
        return NGX_OK;
    }

    ctx->uid.len = s.uid.len;
    ngx_memcpy(ctx->uid.data, s.uid.data, s.uid.len);

    ctx->merchant.data = ctx->uid.data + s.uid.len;
    ctx->merchant.len = s.merchant.len;
    ngx_memcpy(ctx->merchant.data, s.merchant.data, s.merchant.len);

    ctx->level = s.level;

    ttl = uc_session_renew_ttl(&s, now);
    if (ttl > 0) {
        ngx_http_uc_session_renew(r, ctx, ttl);
    }

    if (ctx->business_line.len
        && !uc_session_has_line(&s, (const char *) ctx->business_line.data,
                                ctx->business_line.len))
    {
        ctx->status = NGX_HTTP_UC_SESSION_INVALID;
        return NGX_OK;
    }

    ctx->status = NGX_HTTP_UC_SESSION_VALID;

    return NGX_OK;
}


static void
ngx_http_uc_session_renew(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    int64_t ttl)
{
    u_char                    key[UC_KEY_MAX], now[NGX_INT64_LEN],
                              ms[NGX_INT64_LEN];
    size_t                    lens[6];
    const char               *argv[6];
    ngx_http_uc_redis_op_t   *op;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    op = ngx_http_uc_redis_op(umcf->conn, ngx_http_uc_renew_reply, NULL);
    if (op == NULL) {
        return;
    }

    argv[0] = "EVAL";
    lens[0] = 4;
    argv[1] = uc_session_renew_script;
    lens[1] = ngx_strlen(uc_session_renew_script);
    argv[2] = "1";
    lens[2] = 1;
    argv[3] = (const char *) key;
    lens[3] = ngx_http_uc_session_key(r, ctx, key);
    argv[4] = (const char *) now;
    lens[4] = ngx_sprintf(now, "%T", ngx_time()) - now;
    argv[5] = (const char *) ms;
    lens[5] = ngx_sprintf(ms, "%L", ttl * 1000) - ms;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "usercenter: renewing session %V for %Ls", &ctx->sid,
                   ttl);

    (void) ngx_http_uc_redis_send(op, 6, argv, lens);
}


static void
ngx_http_uc_renew_reply(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, op->redis->log, 0,
                      "usercenter: session renewal failed: %s", reply->str);
    }
}


static void
ngx_http_uc_cleanup(void *data)
{
    ngx_http_uc_ctx_t  *ctx = data;

    if (ctx->op != NULL) {
        ngx_http_uc_redis_detach(ctx->op);
        ctx->op = NULL;
    }
}
