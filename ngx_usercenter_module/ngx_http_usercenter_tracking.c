
/*
 * usercenter gateway module: invalidations for the near-cache.
 *
 * RESP2 needs two connections per worker (hiredis 0.14 speaks no RESP3):
 *
 *   subscriber  CLIENT ID, then SUBSCRIBE __redis__:invalidate
 *   data        CLIENT TRACKING on REDIRECT <subscriber id> BCAST
 *                   PREFIX <prefix>{s: PREFIX <prefix>{f: PREFIX <prefix>{l:
 *                   PREFIX <prefix>{k: PREFIX <prefix>{m:
 *
 * In BCAST mode Redis keeps no per-key state: every write under a prefix,
 * by anyone, and every expiry or eviction, is announced to the subscriber
 * with the key's name. Every worker applies what its subscriber hears to
 * the one shared zone; that is duplicate work, but no election is needed
 * and a worker dying takes nothing with it.
 *
 * The cache is trusted only while the chain is whole ("live"): subscriber
 * subscribed, data connection tracking towards it. Whenever either link
 * goes, invalidations may have been lost in between, so the whole cache
 * stops being fresh (a flush) and this worker bypasses it until the chain
 * is rebuilt. The links are opened by the worker's first timer tick. A worker that starts flushes too: it may be replacing one
 * that crashed without saying so.
 *
 * A link can also die silently, and in RESP2 a broken redirect is only
 * reported by a push message we never see. So once a second the data
 * connection writes a canary key under the tracked prefix; if its
 * invalidation does not come back through the subscriber within the
 * command timeout, the subscriber is dropped and rebuilt. This checks the
 * whole path, not just that a socket is open.
 */


#include "ngx_http_usercenter_tracking.h"
#include "ngx_http_usercenter_cache.h"
#include "ngx_http_usercenter_redis.h"


#define NGX_HTTP_UC_TRACKING_BEAT   1000


typedef struct {
    ngx_http_uc_main_conf_t      *umcf;
    ngx_http_uc_redis_t          *sub;
    long long                     client_id;   /* of sub, 0: unknown */
    long long                     redirect;    /* sent to data, 0: none */
    ngx_event_t                   beat;
    ngx_msec_t                    canary_sent; /* 0: none outstanding */
    size_t                        canary_len;
    u_char                        canary[UC_KEY_MAX];
    unsigned                      subscribed:1;
    unsigned                      live:1;
} ngx_http_uc_tracking_t;


static void ngx_http_uc_tracking_sub_hook(ngx_http_uc_redis_t *redis,
    ngx_uint_t up);
static void ngx_http_uc_tracking_data_hook(ngx_http_uc_redis_t *redis,
    ngx_uint_t up);
static void ngx_http_uc_tracking_lost(ngx_http_uc_tracking_t *t,
    const char *why);
static void ngx_http_uc_tracking_client_id(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static void ngx_http_uc_tracking_message(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_uc_tracking_sync(ngx_http_uc_tracking_t *t);
static void ngx_http_uc_tracking_synced(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static void ngx_http_uc_tracking_beat(ngx_event_t *ev);
static void ngx_http_uc_tracking_ignore(ngx_http_uc_redis_op_t *op,
    redisReply *reply);


ngx_int_t
ngx_http_uc_tracking_init(ngx_cycle_t *cycle, ngx_http_uc_main_conf_t *umcf)
{
    ngx_http_uc_tracking_t  *t;

    if (umcf->cache == NULL || umcf->conn == NULL) {
        return NGX_OK;
    }

    t = ngx_calloc(sizeof(ngx_http_uc_tracking_t), cycle->log);
    if (t == NULL) {
        return NGX_ERROR;
    }

    t->sub = ngx_http_uc_redis_create(&umcf->redis, cycle->log);
    if (t->sub == NULL) {
        ngx_free(t);
        return NGX_ERROR;
    }

    t->umcf = umcf;
    t->sub->hook = ngx_http_uc_tracking_sub_hook;
    t->sub->hook_data = t;

    umcf->conn->hook = ngx_http_uc_tracking_data_hook;
    umcf->conn->hook_data = t;

    t->beat.handler = ngx_http_uc_tracking_beat;
    t->beat.data = t;
    t->beat.log = cycle->log;
    t->beat.cancelable = 1;

    umcf->tracking = t;

    ngx_http_uc_cache_flush(umcf->cache);

    /*
     * The links are built as soon as the worker runs (the first beat), not
     * on the first request: a cache is configured, so they will be needed,
     * and requests find them live.
     */
    ngx_add_timer(&t->beat, 1);

    return NGX_OK;
}


void
ngx_http_uc_tracking_exit(ngx_http_uc_main_conf_t *umcf)
{
    ngx_http_uc_tracking_t  *t;

    t = umcf->tracking;

    if (t == NULL) {
        return;
    }

    if (t->beat.timer_set) {
        ngx_del_timer(&t->beat);
    }

    if (umcf->conn != NULL) {
        umcf->conn->hook = NULL;
    }

    /* the hook flushes: newer workers keep the copies they can vouch for */
    ngx_http_uc_redis_destroy(t->sub);

    umcf->tracking = NULL;
    ngx_free(t);
}


ngx_uint_t
ngx_http_uc_tracking_live(ngx_http_uc_main_conf_t *umcf)
{
    ngx_http_uc_tracking_t  *t;

    t = umcf->tracking;

    if (t == NULL) {
        return 0;
    }

    if (!t->beat.timer_set && !ngx_exiting && !ngx_quit) {
        ngx_add_timer(&t->beat, NGX_HTTP_UC_TRACKING_BEAT);
    }

    if (!t->live && t->sub->state == NGX_HTTP_UC_REDIS_IDLE) {
        (void) ngx_http_uc_redis_open(t->sub);
    }

    return t->live;
}


static void
ngx_http_uc_tracking_sub_hook(ngx_http_uc_redis_t *redis, ngx_uint_t up)
{
    ngx_http_uc_tracking_t  *t = redis->hook_data;

    size_t                   lens[2];
    const char              *argv[2];
    ngx_http_uc_redis_op_t  *op;

    if (!up) {
        ngx_http_uc_tracking_lost(t, "invalidation subscriber lost");
        t->client_id = 0;
        t->subscribed = 0;
        return;
    }

    op = ngx_http_uc_redis_op(redis, ngx_http_uc_tracking_client_id, t);
    if (op == NULL) {
        return;
    }

    argv[0] = "CLIENT";
    lens[0] = 6;
    argv[1] = "ID";
    lens[1] = 2;

    if (ngx_http_uc_redis_send(op, 2, argv, lens) != NGX_OK) {
        return;
    }

    if (ngx_http_uc_redis_subscribe(redis, "__redis__:invalidate",
                                    ngx_http_uc_tracking_message, t)
        != NGX_OK)
    {
        ngx_http_uc_redis_fail(redis);
    }
}


static void
ngx_http_uc_tracking_data_hook(ngx_http_uc_redis_t *redis, ngx_uint_t up)
{
    ngx_http_uc_tracking_t  *t = redis->hook_data;

    if (!up) {
        ngx_http_uc_tracking_lost(t, "tracking connection lost");
        return;
    }

    t->redirect = 0;
    ngx_http_uc_tracking_sync(t);
}


static void
ngx_http_uc_tracking_lost(ngx_http_uc_tracking_t *t, const char *why)
{
    if (t->live) {
        ngx_log_error(NGX_LOG_WARN, t->sub->log, 0,
                      "usercenter cache: %s, copies are not fresh any more",
                      why);
    }

    t->live = 0;
    t->redirect = 0;
    t->canary_sent = 0;

    ngx_http_uc_cache_flush(t->umcf->cache);
}


static void
ngx_http_uc_tracking_client_id(ngx_http_uc_redis_op_t *op,
    redisReply *reply)
{
    ngx_http_uc_tracking_t  *t = op->data;

    if (reply == NULL) {
        return;
    }

    if (reply->type != REDIS_REPLY_INTEGER || reply->integer <= 0) {
        ngx_log_error(NGX_LOG_ERR, t->sub->log, 0,
                      "usercenter cache: CLIENT ID refused: %s",
                      reply->type == REDIS_REPLY_ERROR ? reply->str : "?");
        ngx_http_uc_redis_fail(t->sub);
        return;
    }

    t->client_id = reply->integer;

    t->canary_len = ngx_sprintf(t->canary, "%V{s:~canary:%L}",
                                &t->umcf->redis.prefix, t->client_id)
                    - t->canary;

    ngx_http_uc_tracking_sync(t);
}


/*
 * Every reply of the subscriber: the subscription's confirmation, then
 * ["message", "__redis__:invalidate", [key, ...]], where nil instead of the
 * array means the whole database was flushed.
 */
static void
ngx_http_uc_tracking_message(redisAsyncContext *ac, void *r, void *privdata)
{
    ngx_http_uc_tracking_t  *t = privdata;
    redisReply              *reply = r;

    size_t                   i;
    redisReply              *keys, *k;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    if (ngx_strcmp(reply->element[0]->str, "subscribe") == 0) {
        t->subscribed = 1;
        ngx_http_uc_tracking_sync(t);
        return;
    }

    if (ngx_strcmp(reply->element[0]->str, "message") != 0) {
        return;
    }

    keys = reply->element[2];

    if (keys->type == REDIS_REPLY_NIL) {
        ngx_log_error(NGX_LOG_WARN, t->sub->log, 0,
                      "usercenter cache: redis was flushed, so is the cache");
        ngx_http_uc_cache_invalidate_all(t->umcf->cache);
        return;
    }

    if (keys->type != REDIS_REPLY_ARRAY) {
        return;
    }

    for (i = 0; i < keys->elements; i++) {
        k = keys->element[i];

        if (k->type != REDIS_REPLY_STRING) {
            continue;
        }

        if (k->len == t->canary_len
            && ngx_memcmp(k->str, t->canary, k->len) == 0)
        {
            t->canary_sent = 0;
            continue;
        }

        ngx_http_uc_cache_invalidate(t->umcf->cache, (u_char *) k->str,
                                     k->len);
    }
}


/* Points the data connection's tracking at the current subscriber. */
static void
ngx_http_uc_tracking_sync(ngx_http_uc_tracking_t *t)
{
    u_char                   id[NGX_INT64_LEN], s[UC_KEY_MAX],
                             f[UC_KEY_MAX], l[UC_KEY_MAX], k[UC_KEY_MAX],
                             m[UC_KEY_MAX];
    size_t                   lens[16];
    const char              *argv[16];
    ngx_str_t               *prefix;
    ngx_http_uc_redis_t     *data;
    ngx_http_uc_redis_op_t  *op;

    data = t->umcf->conn;

    if (t->client_id == 0 || !t->subscribed
        || t->redirect == t->client_id
        || (data->state != NGX_HTTP_UC_REDIS_CONNECTING
            && data->state != NGX_HTTP_UC_REDIS_READY))
    {
        return;
    }

    prefix = &t->umcf->redis.prefix;

    /* a redirect cannot be changed in place: off, then on */

    op = ngx_http_uc_redis_op(data, ngx_http_uc_tracking_ignore, NULL);
    if (op == NULL) {
        return;
    }

    argv[0] = "CLIENT";
    lens[0] = 6;
    argv[1] = "TRACKING";
    lens[1] = 8;
    argv[2] = "off";
    lens[2] = 3;

    if (ngx_http_uc_redis_send(op, 3, argv, lens) != NGX_OK) {
        return;
    }

    op = ngx_http_uc_redis_op(data, ngx_http_uc_tracking_synced, t);
    if (op == NULL) {
        return;
    }

    argv[2] = "on";
    lens[2] = 2;
    argv[3] = "REDIRECT";
    lens[3] = 8;
    argv[4] = (const char *) id;
    lens[4] = ngx_sprintf(id, "%L", t->client_id) - id;
    argv[5] = "BCAST";
    lens[5] = 5;
    argv[6] = "PREFIX";
    lens[6] = 6;
    argv[7] = (const char *) s;
    lens[7] = ngx_sprintf(s, "%V{s:", prefix) - s;
    argv[8] = "PREFIX";
    lens[8] = 6;
    argv[9] = (const char *) f;
    lens[9] = ngx_sprintf(f, "%V{f:", prefix) - f;
    argv[10] = "PREFIX";
    lens[10] = 6;
    argv[11] = (const char *) l;
    lens[11] = ngx_sprintf(l, "%V{l:", prefix) - l;
    argv[12] = "PREFIX";
    lens[12] = 6;
    argv[13] = (const char *) k;
    lens[13] = ngx_sprintf(k, "%V{k:", prefix) - k;
    argv[14] = "PREFIX";
    lens[14] = 6;
    argv[15] = (const char *) m;
    lens[15] = ngx_sprintf(m, "%V{m:", prefix) - m;

    if (ngx_http_uc_redis_send(op, 16, argv, lens) != NGX_OK) {
        return;
    }

    t->redirect = t->client_id;
}


static void
ngx_http_uc_tracking_synced(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    ngx_http_uc_tracking_t  *t = op->data;

    if (reply == NULL) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        /* e.g. a Redis before 6, or a service without REDIRECT support */
        ngx_log_error(NGX_LOG_ERR, t->sub->log, 0,
                      "usercenter cache: CLIENT TRACKING refused: %s; "
                      "the near-cache stays unused", reply->str);
        return;
    }

    if (t->redirect == t->client_id && t->subscribed && !t->live) {
        ngx_log_error(NGX_LOG_INFO, t->sub->log, 0,
                      "usercenter cache: invalidations live, subscriber %L",
                      t->client_id);
        t->live = 1;
    }
}


static void
ngx_http_uc_tracking_beat(ngx_event_t *ev)
{
    ngx_http_uc_tracking_t  *t = ev->data;

    size_t                   lens[5];
    const char              *argv[5];
    ngx_msec_t               wait;
    ngx_http_uc_redis_op_t  *op;

    if (ngx_exiting || ngx_quit) {
        return;
    }

    ngx_add_timer(&t->beat, NGX_HTTP_UC_TRACKING_BEAT);

    if (!t->live) {
        if (t->sub->state == NGX_HTTP_UC_REDIS_IDLE) {
            (void) ngx_http_uc_redis_open(t->sub);
        }

        if (t->umcf->conn->state == NGX_HTTP_UC_REDIS_IDLE) {
            (void) ngx_http_uc_redis_open(t->umcf->conn);
        }

        return;
    }

    if (t->canary_sent != 0) {
        wait = ngx_max(t->umcf->redis.timeout, NGX_HTTP_UC_TRACKING_BEAT);

        if (ngx_current_msec - t->canary_sent > wait) {
            ngx_log_error(NGX_LOG_ERR, t->sub->log, 0,
                          "usercenter cache: invalidations stopped "
                          "arriving, reconnecting the subscriber");
            ngx_http_uc_redis_fail(t->sub);
        }

        return;
    }

    op = ngx_http_uc_redis_op(t->umcf->conn, ngx_http_uc_tracking_ignore,
                              NULL);
    if (op == NULL) {
        return;
    }

    argv[0] = "SET";
    lens[0] = 3;
    argv[1] = (const char *) t->canary;
    lens[1] = t->canary_len;
    argv[2] = "1";
    lens[2] = 1;
    argv[3] = "PX";
    lens[3] = 2;
    argv[4] = "10000";
    lens[4] = 5;

    if (ngx_http_uc_redis_send(op, 5, argv, lens) == NGX_OK) {
        t->canary_sent = ngx_current_msec;
    }
}


static void
ngx_http_uc_tracking_ignore(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, op->redis->log, 0,
                      "usercenter cache: redis answered: %s", reply->str);
    }
}
