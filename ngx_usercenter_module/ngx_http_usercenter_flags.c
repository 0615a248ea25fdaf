
/*
 * usercenter gateway module: feature flags at the edge.
 *
 * After the session verdict, "usercenter_flags on" reads the business
 * line's flag hash (near-cache first, else one HGETALL) and evaluates each
 * rule for the request's user, merchant and auth level with the same libuc
 * code the backend uses. The names of the flags that are on go to the
 * upstream in X-UC-Flags and to $uc_flags, sorted, comma-separated.
 *
 * When Redis fails and no copy is young enough, every flag is off: a
 * feature nobody can confirm stays dark.
 */


#include "ngx_http_usercenter_flags.h"
#include "ngx_http_usercenter_cache.h"
#include "ngx_http_usercenter_redis.h"
#include "ngx_http_usercenter_session.h"
#include "ngx_http_usercenter_status.h"
#include "ngx_http_usercenter_tracking.h"

#include "uc_flags.h"


#define NGX_HTTP_UC_FLAGS_WAITING  1
#define NGX_HTTP_UC_FLAGS_DONE     2


static size_t ngx_http_uc_flags_key(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx, u_char *key);
static void ngx_http_uc_flags_reply(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static void ngx_http_uc_flags_stale(ngx_http_uc_ctx_t *ctx);
static ngx_int_t ngx_http_uc_flags_eval(ngx_http_uc_ctx_t *ctx,
    uc_str_t *vals, size_t n, ngx_uint_t fresh);
static int ngx_http_uc_flags_cmp(const void *one, const void *two);
static void ngx_http_uc_flags_cleanup(void *data);


ngx_int_t
ngx_http_uc_flags_handler(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    u_char                    key[UC_KEY_MAX];
    size_t                    n, lens[2];
    uc_str_t                 *vals;
    ngx_str_t                 k, value;
    const char               *argv[2];
    ngx_pool_cleanup_t       *cln;
    ngx_http_uc_redis_op_t   *op;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    if (ctx->flags_state == NGX_HTTP_UC_FLAGS_DONE) {
        return NGX_DECLINED;
    }

    if (ctx->flags_state == NGX_HTTP_UC_FLAGS_WAITING) {
        return NGX_AGAIN;
    }

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    k.data = key;
    k.len = ngx_http_uc_flags_key(r, ctx, key);

    if (k.len == 0) {
        /* no business line here: no flags */
        ctx->flags_state = NGX_HTTP_UC_FLAGS_DONE;
        return NGX_DECLINED;
    }

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (umcf->cache != NULL && ulcf->cache_lookup
        && !ngx_http_uc_tracking_live(umcf))
    {
        ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + NGX_HTTP_UC_CACHE_BYPASS);

    } else if (umcf->cache != NULL && ulcf->cache_lookup) {

        if (ngx_http_uc_cache_get(umcf->cache, &k, r->pool, &value, 0)
            == NGX_HTTP_UC_CACHE_HIT)
        {
            if (ngx_http_uc_cache_unpack_pool(r->pool, &value,
                                              2 * UC_FLAGS_MAX, &vals, &n)
                == NGX_OK)
            {
                ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE
                                 + NGX_HTTP_UC_CACHE_HIT);
                ctx->flags_state = NGX_HTTP_UC_FLAGS_DONE;
                return ngx_http_uc_flags_eval(ctx, vals, n, 0);
            }
        }

        ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + NGX_HTTP_UC_CACHE_MISS);
        ctx->flags_mark = ngx_http_uc_cache_reserve(umcf->cache, &k);
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    op = ngx_http_uc_redis_op(umcf->conn, ngx_http_uc_flags_reply, ctx);

    if (cln == NULL || op == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    argv[0] = "HGETALL";
    lens[0] = 7;
    argv[1] = (const char *) key;
    lens[1] = k.len;

    if (ngx_http_uc_redis_send(op, 2, argv, lens) != NGX_OK) {
        ctx->flags_state = NGX_HTTP_UC_FLAGS_DONE;
        ngx_http_uc_flags_stale(ctx);
        return NGX_DECLINED;
    }

    cln->handler = ngx_http_uc_flags_cleanup;
    cln->data = ctx;

    ctx->flags_op = op;
    ctx->flags_state = NGX_HTTP_UC_FLAGS_WAITING;

    return NGX_AGAIN;
}


static size_t
ngx_http_uc_flags_key(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    u_char *key)
{
    ngx_http_uc_main_conf_t  *umcf;

    if (ctx->business_line.len == 0) {
        return 0;
    }

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    return uc_key_flags((char *) key, (const char *) umcf->redis.prefix.data,
                        umcf->redis.prefix.len,
                        (const char *) ctx->business_line.data,
                        ctx->business_line.len);
}


static void
ngx_http_uc_flags_reply(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    u_char                    key[UC_KEY_MAX];
    size_t                    i;
    uint32_t                  none;
    uc_str_t                 *vals;
    ngx_str_t                 k, packed;
    ngx_http_request_t       *r;
    ngx_http_uc_ctx_t        *ctx;
    ngx_http_uc_main_conf_t  *umcf;

    ctx = op->data;
    r = ctx->request;

    ctx->flags_op = NULL;
    ctx->flags_state = NGX_HTTP_UC_FLAGS_DONE;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements > 2 * UC_FLAGS_MAX
        || reply->elements % 2 != 0)
    {
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            ngx_http_uc_flags_stale(ctx);
            ngx_http_uc_resume(r);
            return;
        }

        /*
         * A hash the admin API would never write (too many flags, or not a
         * hash): every flag is off, and that is cached like any answer, so
         * it is read and logged once per change, not once per request.
         */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "usercenter: flags of \"%V\" unreadable (%uz "
                      "elements, type %d), all off", &ctx->business_line,
                      reply->elements, reply->type);

        if (ctx->flags_mark != 0) {
            none = 0;
            packed.data = (u_char *) &none;
            packed.len = sizeof(uint32_t);

            k.data = key;
            k.len = ngx_http_uc_flags_key(r, ctx, key);
            ngx_http_uc_cache_fill(umcf->cache, &k, ctx->flags_mark, &packed);
        }

        ngx_http_uc_resume(r);
        return;
    }

    vals = ngx_palloc(r->pool, (reply->elements + 1) * sizeof(uc_str_t));
    if (vals == NULL) {
        ngx_http_uc_resume(r);
        return;
    }

    for (i = 0; i < reply->elements; i++) {
        if (reply->element[i]->type != REDIS_REPLY_STRING) {
            ngx_http_uc_resume(r);
            return;
        }

        vals[i].data = reply->element[i]->str;
        vals[i].len = reply->element[i]->len;
    }

    if (ctx->flags_mark != 0
        && ngx_http_uc_cache_pack(r->pool, reply, &packed) == NGX_OK)
    {
        k.data = key;
        k.len = ngx_http_uc_flags_key(r, ctx, key);
        ngx_http_uc_cache_fill(umcf->cache, &k, ctx->flags_mark, &packed);
    }

    (void) ngx_http_uc_flags_eval(ctx, vals, reply->elements, 1);

    ngx_http_uc_resume(r);
}


static void
ngx_http_uc_flags_stale(ngx_http_uc_ctx_t *ctx)
{
    u_char                    key[UC_KEY_MAX];
    size_t                    n;
    uc_str_t                 *vals;
    ngx_str_t                 k, value;
    ngx_http_request_t       *r;
    ngx_http_uc_main_conf_t  *umcf;

    r = ctx->request;
    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->cache != NULL && umcf->cache->stale_if_error > 0) {
        k.data = key;
        k.len = ngx_http_uc_flags_key(r, ctx, key);

        if (ngx_http_uc_cache_get(umcf->cache, &k, r->pool, &value, 1)
            == NGX_HTTP_UC_CACHE_STALE
            && ngx_http_uc_cache_unpack_pool(r->pool, &value,
                                             2 * UC_FLAGS_MAX, &vals, &n)
               == NGX_OK)
        {
            (void) ngx_http_uc_flags_eval(ctx, vals, n, 0);
            return;
        }
    }

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "usercenter: flags of \"%V\" unavailable, all off",
                  &ctx->business_line);
}


/*
 * vals: name, rule, name, rule, ... as HGETALL gives them. A malformed rule
 * is reported when read from Redis (fresh), not on every cached use.
 */
static ngx_int_t
ngx_http_uc_flags_eval(ngx_http_uc_ctx_t *ctx, uc_str_t *vals, size_t n,
    ngx_uint_t fresh)
{
    u_char              *p;
    size_t               i, len;
    ngx_str_t           *on, *name;
    ngx_uint_t           level, j, count;
    uc_flag_t            f;
    ngx_str_t            uid, mid;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ctx->status == NGX_HTTP_UC_SESSION_VALID) {
        uid = ctx->uid;
        mid = ctx->merchant;
        level = ctx->level;

    } else {
        ngx_str_null(&uid);
        ngx_str_null(&mid);
        level = 0;
    }

    on = ngx_palloc(r->pool, (n / 2 + 1) * sizeof(ngx_str_t));
    if (on == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    count = 0;
    len = 0;

    for (i = 0; i + 1 < n; i += 2) {
        if (!uc_flag_name_valid(vals[i].data, vals[i].len)) {
            continue;
        }

        if (uc_flag_parse(vals[i + 1].data, vals[i + 1].len, &f) != 0) {
            if (!fresh) {
                continue;
            }

            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "usercenter: flag \"%*s\" of \"%V\" has a "
                          "malformed rule, it is off", vals[i].len,
                          vals[i].data, &ctx->business_line);
            continue;
        }

        if (uc_flag_eval(&f, vals[i].data, vals[i].len,
                         (const char *) uid.data, uid.len,
                         (const char *) mid.data, mid.len, level))
        {
            on[count].data = (u_char *) vals[i].data;
            on[count].len = vals[i].len;
            len += vals[i].len + 1;
            count++;
        }
    }

    if (count == 0) {
        return NGX_DECLINED;
    }

    ngx_qsort(on, count, sizeof(ngx_str_t), ngx_http_uc_flags_cmp);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->flags.data = p;

    for (j = 0; j < count; j++) {
        name = &on[j];

        if (j > 0) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, name->data, name->len);
    }

    ctx->flags.len = p - ctx->flags.data;

    return NGX_DECLINED;
}


static int
ngx_http_uc_flags_cmp(const void *one, const void *two)
{
    const ngx_str_t  *a = one, *b = two;

    return (int) ngx_memn2cmp(a->data, b->data, a->len, b->len);
}


static void
ngx_http_uc_flags_cleanup(void *data)
{
    ngx_http_uc_ctx_t  *ctx = data;

    if (ctx->flags_op != NULL) {
        ngx_http_uc_redis_detach(ctx->flags_op);
        ctx->flags_op = NULL;
    }
}
