
/*
 * usercenter gateway module: the near-cache, Redis replies kept in shared
 * memory for all workers and dropped when Redis says the key changed.
 */


#ifndef _NGX_HTTP_USERCENTER_CACHE_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_CACHE_H_INCLUDED_


#include "ngx_http_usercenter_module.h"

#include <hiredis/hiredis.h>


typedef enum {
    NGX_HTTP_UC_CACHE_BYPASS = 0,   /* no cache, or invalidations not live */
    NGX_HTTP_UC_CACHE_MISS,
    NGX_HTTP_UC_CACHE_HIT,
    NGX_HTTP_UC_CACHE_STALE         /* Redis failed; an older copy answered */
} ngx_http_uc_cache_status_e;


typedef struct ngx_http_uc_cache_node_s  ngx_http_uc_cache_node_t;


typedef struct {
    ngx_http_uc_cache_node_t    **buckets;   /* chains, by key hash */
    ngx_uint_t                    nbuckets;  /* a power of two */
    ngx_queue_t                   lru;
    uint64_t                      gen;       /* last generation handed out */
    uint64_t                      flush_gen; /* copies up to it not fresh */
    ngx_uint_t                    entries;
} ngx_http_uc_cache_sh_t;


struct ngx_http_uc_cache_s {
    ngx_http_uc_cache_sh_t       *sh;
    ngx_slab_pool_t              *shpool;
    ngx_shm_zone_t               *shm_zone;
    ngx_msec_t                    ttl;
    ngx_msec_t                    stale_if_error;
};


char *ngx_http_uc_cache_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/*
 * A fresh copy (HIT) or, with stale set, one younger than stale_if_error
 * (STALE), copied into pool; else MISS.
 */
ngx_http_uc_cache_status_e ngx_http_uc_cache_get(ngx_http_uc_cache_t *cache,
    ngx_str_t *key, ngx_pool_t *pool, ngx_str_t *value, ngx_uint_t stale);

/*
 * Marks the key as being read from Redis ("caching in progress") and
 * returns the mark, or 0 when nothing can be cached. An invalidation of the
 * key, or a flush, removes the mark; a reply is stored only if its mark is
 * still there, so a reply overtaken by an invalidation is never cached.
 */
uint64_t ngx_http_uc_cache_reserve(ngx_http_uc_cache_t *cache,
    ngx_str_t *key);
void ngx_http_uc_cache_fill(ngx_http_uc_cache_t *cache, ngx_str_t *key,
    uint64_t mark, ngx_str_t *value);

void ngx_http_uc_cache_invalidate(ngx_http_uc_cache_t *cache, u_char *key,
    size_t len);
void ngx_http_uc_cache_invalidate_all(ngx_http_uc_cache_t *cache);

/*
 * Invalidations may have been missed: nothing cached so far is fresh any
 * more, but it may still answer, within stale_if_error, while Redis is down.
 */
void ngx_http_uc_cache_flush(ngx_http_uc_cache_t *cache);

/* A Redis array of strings and nils, packed for the cache, and back. */
ngx_int_t ngx_http_uc_cache_pack(ngx_pool_t *pool, redisReply *reply,
    ngx_str_t *value);
ngx_int_t ngx_http_uc_cache_unpack(ngx_str_t *value, uc_str_t *vals,
    size_t max, size_t *n);
/* The same into an array from pool, as long as the value needs. */
ngx_int_t ngx_http_uc_cache_unpack_pool(ngx_pool_t *pool, ngx_str_t *value,
    size_t max, uc_str_t **vals, size_t *n);


#endif /* _NGX_HTTP_USERCENTER_CACHE_H_INCLUDED_ */
