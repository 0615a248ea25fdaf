
/*
 * usercenter gateway module: records that decide access, read through the
 * near-cache (ngx_http_usercenter_record.h).
 */


#include "ngx_http_usercenter_record.h"
#include "ngx_http_usercenter_cache.h"
#include "ngx_http_usercenter_redis.h"
#include "ngx_http_usercenter_session.h"
#include "ngx_http_usercenter_status.h"
#include "ngx_http_usercenter_tracking.h"


#define NGX_HTTP_UC_RECORD_READING  1
#define NGX_HTTP_UC_RECORD_DONE     2


static ngx_int_t ngx_http_uc_record_cached(ngx_http_uc_record_t *rec,
    ngx_uint_t stale);
static void ngx_http_uc_record_reply(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static void ngx_http_uc_record_failed(ngx_http_uc_record_t *rec);
static void ngx_http_uc_record_cleanup(void *data);


ngx_int_t
ngx_http_uc_record_read(ngx_http_uc_record_t *rec)
{
    size_t                    lens[2];
    ngx_str_t                 k;
    const char               *argv[2];
    ngx_pool_cleanup_t       *cln;
    ngx_http_request_t       *r;
    ngx_http_uc_redis_op_t   *op;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    if (rec->state == NGX_HTTP_UC_RECORD_DONE) {
        return NGX_OK;
    }

    if (rec->state == NGX_HTTP_UC_RECORD_READING) {
        return NGX_AGAIN;
    }

    r = rec->request;
    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    k.data = rec->key;
    k.len = rec->key_len;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (umcf->cache != NULL && ulcf->cache_lookup) {
        if (!ngx_http_uc_tracking_live(umcf)) {
            /* invalidations are not heard now: a copy may be wrong */
            ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE
                             + NGX_HTTP_UC_CACHE_BYPASS);

        } else if (ngx_http_uc_record_cached(rec, 0) == NGX_OK) {
            ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + NGX_HTTP_UC_CACHE_HIT);
            return NGX_OK;

        } else {
            ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE
                             + NGX_HTTP_UC_CACHE_MISS);
            rec->mark = ngx_http_uc_cache_reserve(umcf->cache, &k);
        }
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    op = ngx_http_uc_redis_op(umcf->conn, ngx_http_uc_record_reply, rec);

    if (cln == NULL || op == NULL) {
        return NGX_ERROR;
    }

    argv[0] = "HGETALL";
    lens[0] = 7;
    argv[1] = (const char *) rec->key;
    lens[1] = rec->key_len;

    if (ngx_http_uc_redis_send(op, 2, argv, lens) != NGX_OK) {
        ngx_http_uc_record_failed(rec);
        return NGX_OK;
    }

    cln->handler = ngx_http_uc_record_cleanup;
    cln->data = rec;

    rec->op = op;
    rec->state = NGX_HTTP_UC_RECORD_READING;

    return NGX_AGAIN;
}


uc_str_t *
ngx_http_uc_record_field(ngx_http_uc_record_t *rec, const char *name,
    size_t len)
{
    size_t  i;

    if (rec->result != NGX_HTTP_UC_RECORD_FOUND) {
        return NULL;
    }

    for (i = 0; i + 1 < rec->n; i += 2) {
        if (rec->vals[i].len == len
            && ngx_memcmp(rec->vals[i].data, name, len) == 0)
        {
            return &rec->vals[i + 1];
        }
    }

    return NULL;
}


/* The copy in the near-cache (stale: one kept for stale_if_error). */
static ngx_int_t
ngx_http_uc_record_cached(ngx_http_uc_record_t *rec, ngx_uint_t stale)
{
    ngx_str_t                 k, value;
    ngx_http_request_t       *r;
    ngx_http_uc_main_conf_t  *umcf;
    ngx_http_uc_cache_status_e  want, got;

    r = rec->request;
    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    k.data = rec->key;
    k.len = rec->key_len;
    want = stale ? NGX_HTTP_UC_CACHE_STALE : NGX_HTTP_UC_CACHE_HIT;

    got = ngx_http_uc_cache_get(umcf->cache, &k, r->pool, &value, stale);

    if (got != want && !(stale && got == NGX_HTTP_UC_CACHE_HIT)) {
        return NGX_DECLINED;
    }

    /* a record written unreadable is cached as one odd byte: UNKNOWN */
    if (value.len == 1) {
        rec->result = NGX_HTTP_UC_RECORD_UNKNOWN;

    } else if (ngx_http_uc_cache_unpack_pool(r->pool, &value, 2 * rec->max,
                                             &rec->vals, &rec->n)
               != NGX_OK)
    {
        return NGX_DECLINED;

    } else {
        rec->result = rec->n > 0 ? NGX_HTTP_UC_RECORD_FOUND
                                 : NGX_HTTP_UC_RECORD_ABSENT;
    }

    rec->stale = stale;
    rec->state = NGX_HTTP_UC_RECORD_DONE;

    return NGX_OK;
}


static void
ngx_http_uc_record_reply(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    u_char                   *p;
    size_t                    i;
    ngx_str_t                 k, packed;
    ngx_http_request_t       *r;
    ngx_http_uc_record_t     *rec;
    ngx_http_uc_main_conf_t  *umcf;

    rec = op->data;
    r = rec->request;
    rec->op = NULL;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);
    k.data = rec->key;
    k.len = rec->key_len;

    /* a key of another type is the record's answer, not Redis failing */
    if (reply == NULL
        || (reply->type == REDIS_REPLY_ERROR
            && ngx_strncmp(reply->str, "WRONGTYPE", 9) != 0))
    {
        ngx_http_uc_record_failed(rec);
        ngx_http_uc_resume(r);
        return;
    }

    rec->state = NGX_HTTP_UC_RECORD_DONE;
    rec->fresh = 1;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements > 2 * rec->max
        || reply->elements % 2 != 0)
    {
        /*
         * Not what the backend writes: unknown, and cached as such, so it
         * is read and logged once per change, not once per request.
         */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "usercenter: \"%*s\" unreadable (%uz elements, "
                      "type %d)", rec->key_len, rec->key, reply->elements,
                      reply->type);

        rec->result = NGX_HTTP_UC_RECORD_UNKNOWN;

        if (rec->mark != 0) {
            packed.data = (u_char *) "?";
            packed.len = 1;
            ngx_http_uc_cache_fill(umcf->cache, &k, rec->mark, &packed);
        }

        ngx_http_uc_resume(r);
        return;
    }

    rec->vals = ngx_palloc(r->pool, (reply->elements + 1) * sizeof(uc_str_t));
    if (rec->vals == NULL) {
        rec->result = NGX_HTTP_UC_RECORD_UNKNOWN;
        ngx_http_uc_resume(r);
        return;
    }

    for (i = 0; i < reply->elements; i++) {
        if (reply->element[i]->type != REDIS_REPLY_STRING) {
            rec->result = NGX_HTTP_UC_RECORD_UNKNOWN;
            ngx_http_uc_resume(r);
            return;
        }

        /* the reply is hiredis's: the values are copied to the pool */
        p = ngx_pnalloc(r->pool, reply->element[i]->len + 1);
        if (p == NULL) {
            rec->result = NGX_HTTP_UC_RECORD_UNKNOWN;
            ngx_http_uc_resume(r);
            return;
        }

        ngx_memcpy(p, reply->element[i]->str, reply->element[i]->len);
        p[reply->element[i]->len] = '\0';
        rec->vals[i].data = (const char *) p;
        rec->vals[i].len = reply->element[i]->len;
    }

    rec->n = reply->elements;
    rec->result = rec->n > 0 ? NGX_HTTP_UC_RECORD_FOUND
                             : NGX_HTTP_UC_RECORD_ABSENT;

    if (rec->mark != 0
        && ngx_http_uc_cache_pack(r->pool, reply, &packed) == NGX_OK)
    {
        ngx_http_uc_cache_fill(umcf->cache, &k, rec->mark, &packed);
    }

    ngx_http_uc_resume(r);
}


/* Redis failed: a copy young enough for stale_if_error, else UNKNOWN. */
static void
ngx_http_uc_record_failed(ngx_http_uc_record_t *rec)
{
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(rec->request,
                                         ngx_http_usercenter_module);

    rec->state = NGX_HTTP_UC_RECORD_DONE;
    rec->result = NGX_HTTP_UC_RECORD_UNKNOWN;
    rec->failed = 1;

    if (umcf->cache != NULL && umcf->cache->stale_if_error > 0
        && ngx_http_uc_record_cached(rec, 1) == NGX_OK)
    {
        ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE + NGX_HTTP_UC_CACHE_STALE);
        return;
    }

    rec->state = NGX_HTTP_UC_RECORD_DONE;
    rec->result = NGX_HTTP_UC_RECORD_UNKNOWN;
}


static void
ngx_http_uc_record_cleanup(void *data)
{
    ngx_http_uc_record_t  *rec = data;

    if (rec->op != NULL) {
        ngx_http_uc_redis_detach(rec->op);
        rec->op = NULL;
    }
}
