
/*
 * usercenter gateway module: rate limits in the PREACCESS phase.
 *
 * Algorithm: GCRA (the generic cell rate algorithm). A key's state is one
 * number, its theoretical arrival time TAT. With the emission interval
 * T = 1/rate and the tolerance tau = burst * T, a request at time t is
 * admitted when max(TAT, t) - t <= tau, and then TAT = max(TAT, t) + T.
 * Over any interval of length L at most L/T + burst + 1 requests pass.
 *
 * local:  the state lives in this gateway's shared memory (all workers).
 * global: the state lives in Redis and one script updates it atomically
 *         with Redis's clock, so N gateways together admit at most
 *         L/T + burst + 1. Each gateway also keeps the local state as a
 *         pre-check: a key that is over the limit through this gateway
 *         alone is refused without a Redis command.
 */


#include "ngx_http_usercenter_limit.h"
#include "ngx_http_usercenter_redis.h"
#include "ngx_http_usercenter_session.h"
#include "ngx_http_usercenter_status.h"

#include <ngx_md5.h>


typedef struct {
    ngx_http_uc_ctx_t            *ctx;
    ngx_http_uc_limit_zone_t     *zone;
    ngx_http_uc_redis_op_t       *op;
    u_char                        key[UC_KEY_MAX + 64];  /* prefix, zone
                                                            name, MD5 */
    size_t                        key_len;
} ngx_http_uc_limit_call_t;


static ngx_int_t ngx_http_uc_limit_run(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx, ngx_uint_t stage);
static ngx_int_t ngx_http_uc_limit_once(ngx_http_request_t *r,
    ngx_uint_t stage);
static void ngx_http_uc_limit_counted_pre(void *data);
static void ngx_http_uc_limit_counted_post(void *data);
static ngx_int_t ngx_http_uc_limit_key(ngx_http_request_t *r,
    ngx_http_uc_limit_zone_t *zone, ngx_str_t *key);
static ngx_int_t ngx_http_uc_limit_lookup(ngx_http_uc_limit_zone_t *zone,
    ngx_str_t *key, int64_t now, int64_t *wait, int64_t *used);
static ngx_int_t ngx_http_uc_limit_send(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx, ngx_http_uc_limit_zone_t *zone, ngx_str_t *key);
static void ngx_http_uc_limit_reply(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static ngx_int_t ngx_http_uc_limit_decide(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static void ngx_http_uc_limit_reject_zone(ngx_http_uc_ctx_t *ctx,
    ngx_http_uc_limit_zone_t *zone, int64_t wait, int64_t used);
static void ngx_http_uc_limit_cleanup(void *data);
static void ngx_http_uc_limit_expire(ngx_http_uc_limit_shctx_t *sh,
    ngx_slab_pool_t *shpool, ngx_uint_t n);


/*
 * KEYS[1] the key; ARGV[1] T, ARGV[2] tau, both in microseconds.
 * Returns {0, TAT - now} when admitted, {1, time to wait} when not.
 */
const char  ngx_http_uc_limit_script[] =
    "local t = redis.call('TIME') "
    "local now = t[1] * 1000000 + t[2] "
    "local T = tonumber(ARGV[1]) "
    "local tau = tonumber(ARGV[2]) "
    "local tat = tonumber(redis.call('GET', KEYS[1])) or now "
    "if tat < now then tat = now end "
    "if tat - now > tau then return {1, tat - now - tau} end "
    "tat = tat + T "
    "redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', "
    "math.floor((tat - now) / 1000) + 1) "
    "return {0, tat - now}";

char  ngx_http_uc_limit_sha[41];


static ngx_str_t  ngx_http_uc_limit_status_names[] = {
    ngx_null_string,
    ngx_string("PASSED"),
    ngx_string("REJECTED"),
    ngx_string("REJECTED_DRY_RUN"),
    ngx_string("ERROR")
};


ngx_int_t
ngx_http_uc_limit_handler(ngx_http_request_t *r)
{
    ngx_http_uc_ctx_t       *ctx;
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    /* counted once, for the main request */
    if (ulcf->limits == NULL || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_uc_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_uc_limit_run(r, ctx, 0);
}


/*
 * Zones keyed by $uc_* variables run in the ACCESS phase once the session
 * check has decided, from the session handler.
 */
ngx_int_t
ngx_http_uc_limit_after_session(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (ulcf->limits == NULL || r != r->main) {
        return NGX_DECLINED;
    }

    return ngx_http_uc_limit_run(r, ctx, 1);
}


static ngx_int_t
ngx_http_uc_limit_run(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    ngx_uint_t stage)
{
    int64_t                     now, wait, used;
    ngx_str_t                   key;
    ngx_int_t                   rc;
    ngx_uint_t                  i, redis_up;
    ngx_shm_zone_t            **zones;
    ngx_pool_cleanup_t         *cln;
    ngx_http_uc_loc_conf_t     *ulcf;
    ngx_http_uc_main_conf_t    *umcf;
    ngx_http_uc_limit_zone_t   *zone;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (ctx->limit_stage > stage) {
        return NGX_DECLINED;
    }

    if (ctx->limit_stage < stage) {
        /* the PREACCESS zones admitted the request: the next stage */
        ctx->limit_stage = stage;
        ctx->limit_started = 0;
        ctx->limit_done = 0;
    }

    if (ctx->limit_started) {
        if (!ctx->limit_done) {
            return NGX_AGAIN;
        }

        return ngx_http_uc_limit_decide(r, ctx);
    }

    if (ngx_http_uc_limit_once(r, stage) != NGX_OK) {
        return NGX_DECLINED;
    }

    ctx->limit_started = 1;

    if (ctx->limit_status == 0) {
        ctx->limit_status = NGX_HTTP_UC_LIMIT_PASSED;
    }

    now = (int64_t) ngx_time() * 1000000
          + (int64_t) ngx_timeofday()->msec * 1000;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);
    redis_up = umcf->conn != NULL && !umcf->conn->failing;

    zones = ulcf->limits->elts;

    /* every local verdict first: a refusal costs no Redis command */

    for (i = 0; i < ulcf->limits->nelts; i++) {
        zone = zones[i]->data;

        if (zone->stage != stage) {
            continue;
        }

        if (ngx_http_uc_limit_key(r, zone, &key) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (key.len == 0) {
            continue;
        }

        rc = ngx_http_uc_limit_lookup(zone, &key, now, &wait, &used);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /*
         * With Redis known to be down a global zone does what its
         * on_redis_error says: open admits, closed refuses; local keeps
         * this gateway's verdict.
         */
        if (zone->mode == NGX_HTTP_UC_LIMIT_GLOBAL && !redis_up) {

            if (zone->on_error == NGX_HTTP_UC_LIMIT_ERR_OPEN) {
                continue;
            }

            if (zone->on_error == NGX_HTTP_UC_LIMIT_ERR_CLOSED) {
                ctx->limit_closed = 1;
                ctx->limit_status = NGX_HTTP_UC_LIMIT_ERROR;
                continue;
            }
        }

        if (rc == NGX_BUSY) {
            ngx_http_uc_limit_reject_zone(ctx, zone, wait, used);

            if (!zone->dry_run) {
                ctx->limit_done = 1;
                return ngx_http_uc_limit_decide(r, ctx);
            }
        }
    }

    for (i = 0; i < ulcf->limits->nelts; i++) {
        zone = zones[i]->data;

        /* while backing off, no command; once the backoff ends one goes
           out even though Redis is failing: that is how it comes back */
        if (zone->stage != stage || zone->mode != NGX_HTTP_UC_LIMIT_GLOBAL
            || umcf->conn == NULL
            || umcf->conn->state == NGX_HTTP_UC_REDIS_BACKOFF)
        {
            continue;
        }

        if (ngx_http_uc_limit_key(r, zone, &key) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (key.len == 0) {
            continue;
        }

        if (ctx->limit_ops == NULL) {
            ctx->limit_ops = ngx_array_create(r->pool, 2,
                                    sizeof(ngx_http_uc_limit_call_t *));
            cln = ngx_pool_cleanup_add(r->pool, 0);

            if (ctx->limit_ops == NULL || cln == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            cln->handler = ngx_http_uc_limit_cleanup;
            cln->data = ctx;
        }

        if (ngx_http_uc_limit_send(r, ctx, zone, &key) != NGX_OK) {
            /* Redis unusable right now: as on any Redis error */
            if (zone->on_error == NGX_HTTP_UC_LIMIT_ERR_CLOSED) {
                ctx->limit_closed = 1;
                ctx->limit_status = NGX_HTTP_UC_LIMIT_ERROR;
            }
        }
    }

    if (ctx->limit_pending > 0) {
        return NGX_AGAIN;
    }

    ctx->limit_done = 1;

    return ngx_http_uc_limit_decide(r, ctx);
}


/*
 * An internal redirect (try_files, error_page, ...) clears the module's
 * context and runs the phases again; like limit_req, a request is counted
 * once. The mark is a do-nothing cleanup on the main request's pool, which
 * outlives redirects. NGX_DECLINED: this stage already counted it.
 */
static ngx_int_t
ngx_http_uc_limit_once(ngx_http_request_t *r, ngx_uint_t stage)
{
    ngx_pool_cleanup_t     *cln;
    ngx_pool_cleanup_pt     mark;

    mark = stage == 0 ? ngx_http_uc_limit_counted_pre
                      : ngx_http_uc_limit_counted_post;

    for (cln = r->main->pool->cleanup; cln != NULL; cln = cln->next) {
        if (cln->handler == mark) {
            return NGX_DECLINED;
        }
    }

    cln = ngx_pool_cleanup_add(r->main->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = mark;

    return NGX_OK;
}


static void
ngx_http_uc_limit_counted_pre(void *data)
{
    /* a mark only */
}


static void
ngx_http_uc_limit_counted_post(void *data)
{
    /* a mark only */
}


/* NGX_OK: admitted (and counted); NGX_BUSY: over the limit. */
/*
 * The zone's key for this request. A key longer than the shared-memory
 * node holds (a client's own header or argument can be) is limited by its
 * MD5 instead of not at all: a long key must not be a way around a limit.
 */
static ngx_int_t
ngx_http_uc_limit_key(ngx_http_request_t *r, ngx_http_uc_limit_zone_t *zone,
    ngx_str_t *key)
{
    u_char     *p, md[16];
    ngx_md5_t   md5;

    if (ngx_http_complex_value(r, &zone->key, key) != NGX_OK) {
        return NGX_ERROR;
    }

    if (key->len <= NGX_HTTP_UC_LIMIT_KEY_MAX) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, sizeof("md5:") - 1 + 32);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_md5_init(&md5);
    ngx_md5_update(&md5, key->data, key->len);
    ngx_md5_final(md, &md5);

    ngx_memcpy(p, "md5:", sizeof("md5:") - 1);
    ngx_hex_dump(p + sizeof("md5:") - 1, md, 16);

    key->data = p;
    key->len = sizeof("md5:") - 1 + 32;

    return NGX_OK;
}


static ngx_int_t
ngx_http_uc_limit_lookup(ngx_http_uc_limit_zone_t *zone, ngx_str_t *key,
    int64_t now, int64_t *wait, int64_t *used)
{
    size_t                      size;
    int64_t                     tat;
    uint32_t                    hash;
    ngx_int_t                   rc;
    ngx_rbtree_node_t          *node, *sentinel;
    ngx_http_uc_limit_node_t   *lr;
    ngx_http_uc_limit_shctx_t  *sh;

    hash = ngx_crc32_short(key->data, key->len);
    sh = zone->sh;

    ngx_shmtx_lock(&zone->shpool->mutex);

    ngx_http_uc_limit_expire(sh, zone->shpool, 1);

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;
    lr = NULL;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        lr = (ngx_http_uc_limit_node_t *) &node->color;

        rc = ngx_memn2cmp(key->data, lr->data, key->len, (size_t) lr->len);

        if (rc == 0) {
            break;
        }

        node = rc < 0 ? node->left : node->right;
        lr = NULL;
    }

    if (lr == NULL) {
        size = offsetof(ngx_rbtree_node_t, color)
               + offsetof(ngx_http_uc_limit_node_t, data)
               + key->len;

        node = ngx_slab_alloc_locked(zone->shpool, size);

        if (node == NULL) {
            ngx_http_uc_limit_expire(sh, zone->shpool, 0);
            node = ngx_slab_alloc_locked(zone->shpool, size);
        }

        if (node == NULL) {
            ngx_shmtx_unlock(&zone->shpool->mutex);
            ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                          "usercenter: could not allocate a node in limit "
                          "zone \"%V\"", &zone->name);
            return NGX_ERROR;
        }

        node->key = hash;
        lr = (ngx_http_uc_limit_node_t *) &node->color;
        lr->len = (u_short) key->len;
        lr->tat = now;
        ngx_memcpy(lr->data, key->data, key->len);

        ngx_rbtree_insert(&sh->rbtree, node);
        ngx_queue_insert_head(&sh->queue, &lr->queue);

    } else {
        ngx_queue_remove(&lr->queue);
        ngx_queue_insert_head(&sh->queue, &lr->queue);
    }

    tat = lr->tat > now ? lr->tat : now;

    if (tat - now > zone->tau) {
        *wait = tat - now - zone->tau;
        *used = tat - now;
        ngx_shmtx_unlock(&zone->shpool->mutex);
        return NGX_BUSY;
    }

    lr->tat = tat + zone->interval;
    *used = lr->tat - now;
    *wait = 0;

    ngx_shmtx_unlock(&zone->shpool->mutex);

    return NGX_OK;
}


/*
 * The routine sweep (n = 1) drops up to two least recently used keys whose
 * state has drained (TAT in the past: forgetting them changes nothing).
 * Under memory pressure (n = 0) the oldest goes regardless, then the sweep.
 */
static void
ngx_http_uc_limit_expire(ngx_http_uc_limit_shctx_t *sh,
    ngx_slab_pool_t *shpool, ngx_uint_t n)
{
    int64_t                    now;
    ngx_queue_t               *q;
    ngx_rbtree_node_t         *node;
    ngx_http_uc_limit_node_t  *lr;

    now = (int64_t) ngx_time() * 1000000
          + (int64_t) ngx_timeofday()->msec * 1000;

    while (n < 3) {

        if (ngx_queue_empty(&sh->queue)) {
            return;
        }

        q = ngx_queue_last(&sh->queue);
        lr = ngx_queue_data(q, ngx_http_uc_limit_node_t, queue);

        if (n++ != 0 && lr->tat > now) {
            return;
        }

        ngx_queue_remove(q);

        node = (ngx_rbtree_node_t *)
                   ((u_char *) lr - offsetof(ngx_rbtree_node_t, color));

        ngx_rbtree_delete(&sh->rbtree, node);
        ngx_slab_free_locked(shpool, node);
    }
}


static ngx_int_t
ngx_http_uc_limit_send(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    ngx_http_uc_limit_zone_t *zone, ngx_str_t *key)
{
    u_char                      md[16], hex[33], t[NGX_INT64_LEN],
                                tau[NGX_INT64_LEN];
    size_t                      lens[6];
    const char                 *argv[6];
    ngx_md5_t                   md5;
    ngx_http_uc_limit_call_t   *call, **slot;
    ngx_http_uc_main_conf_t    *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->conn == NULL) {
        return NGX_ERROR;
    }

    call = ngx_pcalloc(r->pool, sizeof(ngx_http_uc_limit_call_t));
    if (call == NULL) {
        return NGX_ERROR;
    }

    /* listed at once: the cleanup walks every slot (call->op NULL: idle) */
    slot = ngx_array_push(ctx->limit_ops);
    if (slot == NULL) {
        return NGX_ERROR;
    }

    *slot = call;

    ngx_md5_init(&md5);
    ngx_md5_update(&md5, key->data, key->len);
    ngx_md5_final(md, &md5);
    ngx_hex_dump(hex, md, 16);
    hex[32] = '\0';

    call->key_len = ngx_snprintf(call->key, sizeof(call->key),
                                 "%V{rl:%V:%s}", &umcf->redis.prefix,
                                 &zone->name, hex)
                    - call->key;
    call->ctx = ctx;
    call->zone = zone;

    call->op = ngx_http_uc_redis_op(umcf->conn, ngx_http_uc_limit_reply,
                                    call);
    if (call->op == NULL) {
        return NGX_ERROR;
    }

    argv[0] = "EVALSHA";
    lens[0] = 7;
    argv[1] = ngx_http_uc_limit_sha;
    lens[1] = 40;
    argv[2] = "1";
    lens[2] = 1;
    argv[3] = (const char *) call->key;
    lens[3] = call->key_len;
    argv[4] = (const char *) t;
    lens[4] = ngx_sprintf(t, "%L", zone->interval) - t;
    argv[5] = (const char *) tau;
    lens[5] = ngx_sprintf(tau, "%L", zone->tau) - tau;

    if (ngx_http_uc_redis_send(call->op, 6, argv, lens) != NGX_OK) {
        call->op = NULL;
        return NGX_ERROR;
    }

    ctx->limit_pending++;

    return NGX_OK;
}


static void
ngx_http_uc_limit_reply(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    size_t                      lens[6];
    const char                 *argv[6];
    ngx_http_request_t         *r;
    ngx_http_uc_ctx_t          *ctx;
    ngx_http_uc_limit_call_t   *call;
    u_char                      t[NGX_INT64_LEN], tau[NGX_INT64_LEN];

    call = op->data;
    ctx = call->ctx;
    r = ctx->request;
    call->op = NULL;

    /* the first use on a Redis that has not seen the script yet */
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR
        && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0)
    {
        call->op = ngx_http_uc_redis_op(op->redis, ngx_http_uc_limit_reply,
                                        call);
        if (call->op != NULL) {
            argv[0] = "EVAL";
            lens[0] = 4;
            argv[1] = ngx_http_uc_limit_script;
            lens[1] = ngx_strlen(ngx_http_uc_limit_script);
            argv[2] = "1";
            lens[2] = 1;
            argv[3] = (const char *) call->key;
            lens[3] = call->key_len;
            argv[4] = (const char *) t;
            lens[4] = ngx_sprintf(t, "%L", call->zone->interval) - t;
            argv[5] = (const char *) tau;
            lens[5] = ngx_sprintf(tau, "%L", call->zone->tau) - tau;

            if (ngx_http_uc_redis_send(call->op, 6, argv, lens) == NGX_OK) {
                return;
            }

            call->op = NULL;
        }

        reply = NULL;
    }

    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY
        && reply->elements == 2
        && reply->element[0]->type == REDIS_REPLY_INTEGER
        && reply->element[1]->type == REDIS_REPLY_INTEGER)
    {
        if (reply->element[0]->integer == 1) {
            ngx_http_uc_limit_reject_zone(ctx, call->zone,
                                          reply->element[1]->integer,
                                          call->zone->tau
                                          + reply->element[1]->integer);
        }

    } else {
        if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "usercenter: limit script failed: %s", reply->str);
        }

        /* local: the pre-check already admitted and counted it here */
        if (call->zone->on_error == NGX_HTTP_UC_LIMIT_ERR_CLOSED) {
            ctx->limit_closed = 1;
            ctx->limit_status = NGX_HTTP_UC_LIMIT_ERROR;
        }
    }

    if (--ctx->limit_pending > 0) {
        return;
    }

    ctx->limit_done = 1;

    ngx_http_uc_resume(r);
}


static void
ngx_http_uc_limit_reject_zone(ngx_http_uc_ctx_t *ctx,
    ngx_http_uc_limit_zone_t *zone, int64_t wait, int64_t used)
{
    ngx_uint_t  level;

    level = zone->dry_run ? NGX_LOG_INFO : NGX_LOG_WARN;

    ngx_log_error(level, ctx->request->connection->log, 0,
                  "usercenter: limiting requests%s, zone \"%V\", "
                  "retry in %Lus", zone->dry_run ? ", dry run" : "",
                  &zone->name, wait);

    ngx_http_uc_stat(zone->dry_run ? NGX_HTTP_UC_STAT_LIMIT_DRY_RUN
                                   : NGX_HTTP_UC_STAT_LIMIT_REJECTED);

    if (zone->dry_run) {
        if (ctx->limit_status == NGX_HTTP_UC_LIMIT_PASSED) {
            ctx->limit_status = NGX_HTTP_UC_LIMIT_REJECTED_DRY_RUN;
        }

        return;
    }

    /* the zone that makes the client wait longest speaks */
    if (ctx->limit_status == NGX_HTTP_UC_LIMIT_REJECTED
        && (ngx_msec_t) (wait / 1000) <= ctx->limit_retry)
    {
        return;
    }

    ctx->limit_status = NGX_HTTP_UC_LIMIT_REJECTED;
    ctx->limit_retry = (ngx_msec_t) (wait / 1000);
    ctx->limit_max = zone->burst + 1;
    ctx->limit_reset = (ngx_msec_t) (used / 1000);
}


static ngx_int_t
ngx_http_uc_limit_header(ngx_http_request_t *r, const char *name,
    ngx_uint_t value)
{
    u_char           *p;
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);

    if (h == NULL || p == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = p;
    h->value.len = ngx_sprintf(p, "%ui", value) - p;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


static ngx_int_t
ngx_http_uc_limit_decide(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_int_t  rc;

    if (ctx->limit_status == NGX_HTTP_UC_LIMIT_REJECTED) {
        /* whole seconds, rounded up: never invite a retry too early */
        if (ngx_http_uc_limit_header(r, "Retry-After",
                                     (ctx->limit_retry + 999) / 1000)
               != NGX_OK
            || ngx_http_uc_limit_header(r, "RateLimit-Limit", ctx->limit_max)
               != NGX_OK
            || ngx_http_uc_limit_header(r, "RateLimit-Remaining", 0)
               != NGX_OK
            || ngx_http_uc_limit_header(r, "RateLimit-Reset",
                                        (ctx->limit_reset + 999) / 1000)
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rc = ngx_http_uc_send_error(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                    "rate_limited",
                                    "too many requests, slow down");
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    if (ctx->limit_closed) {
        ngx_http_uc_stat(NGX_HTTP_UC_STAT_LIMIT_ERROR);

        rc = ngx_http_uc_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                    "rate_limit_unavailable",
                "requests cannot be counted right now, try again shortly");
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    return NGX_DECLINED;
}


static void
ngx_http_uc_limit_cleanup(void *data)
{
    ngx_http_uc_ctx_t  *ctx = data;

    ngx_uint_t                  i;
    ngx_array_t                *ops;
    ngx_http_uc_limit_call_t  **calls;

    ops = ctx->limit_ops;
    calls = ops->elts;

    for (i = 0; i < ops->nelts; i++) {
        if (calls[i]->op != NULL) {
            ngx_http_uc_redis_detach(calls[i]->op);
            calls[i]->op = NULL;
        }
    }
}


ngx_int_t
ngx_http_uc_limit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_uc_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_usercenter_module);

    if (ctx == NULL || ctx->limit_status == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ngx_http_uc_limit_status_names[ctx->limit_status].len;
    v->data = ngx_http_uc_limit_status_names[ctx->limit_status].data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
