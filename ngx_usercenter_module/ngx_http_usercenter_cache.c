
/*
 * usercenter gateway module: the near-cache.
 *
 * One shared-memory zone for all workers: a hash table of Redis keys
 * (chained, a bucket per 256 bytes of zone) and an LRU queue. A hash table
 * rather than nginx's usual rbtree: with a hundred thousand sessions a
 * tree walk is some twenty cache misses into cold shared memory, and it
 * cost more than the rest of the check (perf, make bench); a bucket is one
 * or two. A node holds the last reply read for its key, packed, and the
 * generation it was read under.
 *
 * Generations order everything. A reservation takes a new one and writes it
 * in the node as the pending mark; a fill succeeds only while that mark is
 * still in place and newer than the last flush. An invalidation deletes the
 * node, marks and all. A flush (invalidations were possibly lost) only
 * records the current generation: every older copy stops being fresh at
 * once, without walking the tree, and stays usable for stale_if_error.
 *
 * Memory is bounded by the zone: when the slab allocator refuses, nodes
 * not read for longest go first. The queue is a CLOCK rather than an exact
 * LRU: a read marks its node, and eviction requeues a marked node once
 * instead of removing it.
 */


#include "ngx_http_usercenter_cache.h"
#include "ngx_http_usercenter_status.h"


struct ngx_http_uc_cache_node_s {
    ngx_http_uc_cache_node_t     *next;      /* in its bucket */
    uint32_t                      hash;      /* crc32 of the key */
    ngx_queue_t                   queue;
    uint64_t                      data_gen;  /* 0: no copy yet */
    uint64_t                      pending;   /* reservation mark, 0: none */
    ngx_msec_t                    filled;
    uint32_t                      cap;       /* room for the value */
    uint32_t                      value_len;
    uint16_t                      key_len;
    u_char                        used;      /* read since queued */
    u_char                        bytes[1];  /* the key, then the value */
};


#define NGX_HTTP_UC_CACHE_NIL  0xffffffff

/*
 * Room for a value reserved with the key: a session record fits, so its
 * node is allocated once and every session node has the same slab size
 * (an evicted one always makes room for a new one).
 */
#define NGX_HTTP_UC_CACHE_ROOM  112


static ngx_int_t ngx_http_uc_cache_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_uc_cache_node_t *ngx_http_uc_cache_lookup(
    ngx_http_uc_cache_t *cache, u_char *key, size_t len, uint32_t hash);
static ngx_http_uc_cache_node_t *ngx_http_uc_cache_alloc(
    ngx_http_uc_cache_t *cache, u_char *key, size_t len, uint32_t hash,
    size_t cap);
static void ngx_http_uc_cache_delete(ngx_http_uc_cache_t *cache,
    ngx_http_uc_cache_node_t *cn);
static void ngx_http_uc_cache_evict(ngx_http_uc_cache_t *cache,
    ngx_uint_t n);


ngx_http_uc_cache_status_e
ngx_http_uc_cache_get(ngx_http_uc_cache_t *cache, ngx_str_t *key,
    ngx_pool_t *pool, ngx_str_t *value, ngx_uint_t stale)
{
    ngx_msec_t                 age;
    ngx_http_uc_cache_node_t  *cn;
    ngx_http_uc_cache_status_e rc;

    rc = NGX_HTTP_UC_CACHE_MISS;

    ngx_shmtx_lock(&cache->shpool->mutex);

    cn = ngx_http_uc_cache_lookup(cache, key->data, key->len,
                                  ngx_crc32_short(key->data, key->len));

    if (cn == NULL || cn->data_gen == 0) {
        goto done;
    }

    age = ngx_current_msec - cn->filled;

    if (stale) {
        if (age >= cache->stale_if_error) {
            goto done;
        }

        rc = NGX_HTTP_UC_CACHE_STALE;

    } else {
        if (cn->data_gen <= cache->sh->flush_gen || age >= cache->ttl) {
            goto done;
        }

        rc = NGX_HTTP_UC_CACHE_HIT;
    }

    value->data = ngx_pnalloc(pool, cn->value_len);
    if (value->data == NULL) {
        rc = NGX_HTTP_UC_CACHE_MISS;
        goto done;
    }

    value->len = cn->value_len;
    ngx_memcpy(value->data, cn->bytes + cn->key_len, cn->value_len);

    /*
     * A hit only marks the node, in a line it has just read: moving it to
     * the head of the queue here would touch both its neighbours, cold
     * lines of shared memory, on every request. Eviction gives marked
     * nodes their second chance instead (CLOCK).
     */
    if (!cn->used) {
        cn->used = 1;
    }

done:

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return rc;
}


uint64_t
ngx_http_uc_cache_reserve(ngx_http_uc_cache_t *cache, ngx_str_t *key)
{
    uint32_t                   hash;
    uint64_t                   mark;
    ngx_http_uc_cache_node_t  *cn;

    hash = ngx_crc32_short(key->data, key->len);

    ngx_shmtx_lock(&cache->shpool->mutex);

    cn = ngx_http_uc_cache_lookup(cache, key->data, key->len, hash);

    if (cn == NULL) {
        /* old nodes make room before the zone runs out */
        ngx_http_uc_cache_evict(cache, 1);

        cn = ngx_http_uc_cache_alloc(cache, key->data, key->len, hash,
                                     NGX_HTTP_UC_CACHE_ROOM);
        if (cn == NULL) {
            ngx_shmtx_unlock(&cache->shpool->mutex);
            return 0;
        }
    }

    mark = ++cache->sh->gen;
    cn->pending = mark;

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return mark;
}


void
ngx_http_uc_cache_fill(ngx_http_uc_cache_t *cache, ngx_str_t *key,
    uint64_t mark, ngx_str_t *value)
{
    uint32_t                   hash;
    ngx_http_uc_cache_node_t  *cn;

    hash = ngx_crc32_short(key->data, key->len);

    ngx_shmtx_lock(&cache->shpool->mutex);

    cn = ngx_http_uc_cache_lookup(cache, key->data, key->len, hash);

    if (cn == NULL || cn->pending != mark
        || mark <= cache->sh->flush_gen)
    {
        /* invalidated, flushed or taken over while the reply was away */
        goto done;
    }

    if (cn->cap < value->len) {
        ngx_http_uc_cache_delete(cache, cn);

        cn = ngx_http_uc_cache_alloc(cache, key->data, key->len, hash,
                                     value->len);
        if (cn == NULL) {
            goto done;
        }
    }

    ngx_memcpy(cn->bytes + cn->key_len, value->data, value->len);
    cn->value_len = (uint32_t) value->len;
    cn->data_gen = mark;
    cn->pending = 0;
    cn->filled = ngx_current_msec;

done:

    ngx_shmtx_unlock(&cache->shpool->mutex);
}


void
ngx_http_uc_cache_invalidate(ngx_http_uc_cache_t *cache, u_char *key,
    size_t len)
{
    ngx_http_uc_cache_node_t  *cn;

    ngx_shmtx_lock(&cache->shpool->mutex);

    cn = ngx_http_uc_cache_lookup(cache, key, len,
                                  ngx_crc32_short(key, len));
    if (cn != NULL) {
        ngx_http_uc_cache_delete(cache, cn);
        ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE_INVALIDATIONS);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);
}


/* Redis lost its data (FLUSHALL, FLUSHDB): nothing may answer any more. */
void
ngx_http_uc_cache_invalidate_all(ngx_http_uc_cache_t *cache)
{
    ngx_queue_t               *q;
    ngx_http_uc_cache_node_t  *cn;

    ngx_shmtx_lock(&cache->shpool->mutex);

    while (!ngx_queue_empty(&cache->sh->lru)) {
        q = ngx_queue_last(&cache->sh->lru);
        cn = ngx_queue_data(q, ngx_http_uc_cache_node_t, queue);
        ngx_http_uc_cache_delete(cache, cn);
    }

    cache->sh->flush_gen = cache->sh->gen;

    ngx_shmtx_unlock(&cache->shpool->mutex);

    ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE_FLUSHES);
}


void
ngx_http_uc_cache_flush(ngx_http_uc_cache_t *cache)
{
    ngx_shmtx_lock(&cache->shpool->mutex);
    cache->sh->flush_gen = cache->sh->gen;
    ngx_shmtx_unlock(&cache->shpool->mutex);

    ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE_FLUSHES);
}


static ngx_http_uc_cache_node_t *
ngx_http_uc_cache_lookup(ngx_http_uc_cache_t *cache, u_char *key, size_t len,
    uint32_t hash)
{
    ngx_http_uc_cache_node_t  *cn;

    for (cn = cache->sh->buckets[hash & (cache->sh->nbuckets - 1)];
         cn != NULL;
         cn = cn->next)
    {
        if (cn->hash == hash && cn->key_len == len
            && ngx_memcmp(cn->bytes, key, len) == 0)
        {
            return cn;
        }
    }

    return NULL;
}


static ngx_http_uc_cache_node_t *
ngx_http_uc_cache_alloc(ngx_http_uc_cache_t *cache, u_char *key, size_t len,
    uint32_t hash, size_t cap)
{
    size_t                      size;
    ngx_uint_t                  tries;
    ngx_http_uc_cache_node_t   *cn, **bucket;

    size = offsetof(ngx_http_uc_cache_node_t, bytes) + len + cap;

    for (tries = 0; /* void */; tries++) {
        cn = ngx_slab_alloc_locked(cache->shpool, size);

        if (cn != NULL) {
            break;
        }

        if (tries == 64 || ngx_queue_empty(&cache->sh->lru)) {
            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "usercenter cache \"%V\" is full",
                          &cache->shm_zone->shm.name);
            return NULL;
        }

        ngx_http_uc_cache_evict(cache, 0);
    }

    cn->hash = hash;
    cn->data_gen = 0;
    cn->pending = 0;
    cn->filled = 0;
    cn->cap = (uint32_t) cap;
    cn->value_len = 0;
    cn->key_len = (uint16_t) len;
    cn->used = 0;
    ngx_memcpy(cn->bytes, key, len);

    bucket = &cache->sh->buckets[hash & (cache->sh->nbuckets - 1)];
    cn->next = *bucket;
    *bucket = cn;

    ngx_queue_insert_head(&cache->sh->lru, &cn->queue);
    cache->sh->entries++;

    return cn;
}


static void
ngx_http_uc_cache_delete(ngx_http_uc_cache_t *cache,
    ngx_http_uc_cache_node_t *cn)
{
    ngx_http_uc_cache_node_t  **p;

    for (p = &cache->sh->buckets[cn->hash & (cache->sh->nbuckets - 1)];
         *p != cn;
         p = &(*p)->next)
    {
        /* void */
    }

    *p = cn->next;

    ngx_queue_remove(&cn->queue);
    ngx_slab_free_locked(cache->shpool, cn);
    cache->sh->entries--;
}


/*
 * n == 0: the zone is full, and up to three nodes not read since they were
 * last queued go; a node read since goes back to the head instead, once
 * (at most NGX_HTTP_UC_CACHE_SECOND_CHANCES of them per call, so a zone
 * of hot nodes still makes room). Otherwise up to two nodes past every use
 * (older than both the TTL and stale_if_error) go, so idle memory is given
 * back over time.
 */
#define NGX_HTTP_UC_CACHE_SECOND_CHANCES  64

static void
ngx_http_uc_cache_evict(ngx_http_uc_cache_t *cache, ngx_uint_t n)
{
    ngx_uint_t                 i, max, spared;
    ngx_msec_t                 keep;
    ngx_queue_t               *q;
    ngx_http_uc_cache_node_t  *cn;

    keep = ngx_max(cache->ttl, cache->stale_if_error);
    max = (n == 0) ? 3 : 2;
    spared = 0;

    for (i = 0; i < max; /* void */) {

        if (ngx_queue_empty(&cache->sh->lru)) {
            return;
        }

        q = ngx_queue_last(&cache->sh->lru);
        cn = ngx_queue_data(q, ngx_http_uc_cache_node_t, queue);

        if (n != 0
            && (cn->pending != 0
                || (ngx_msec_int_t) (ngx_current_msec - cn->filled)
                   < (ngx_msec_int_t) keep))
        {
            return;
        }

        if (n == 0 && cn->used
            && spared++ < NGX_HTTP_UC_CACHE_SECOND_CHANCES)
        {
            cn->used = 0;
            ngx_queue_remove(q);
            ngx_queue_insert_head(&cache->sh->lru, q);
            continue;
        }

        i++;

        ngx_http_uc_stat(NGX_HTTP_UC_STAT_CACHE_EVICTIONS);
        ngx_http_uc_cache_delete(cache, cn);
    }
}


/* ------------------------------------------------------- packing */

/*
 * count, then per element a length (NGX_HTTP_UC_CACHE_NIL for nil) and
 * the bytes; all lengths 4 bytes in host order: the zone never leaves the
 * machine.
 */
ngx_int_t
ngx_http_uc_cache_pack(ngx_pool_t *pool, redisReply *reply, ngx_str_t *value)
{
    u_char      *p;
    size_t       i, len;
    uint32_t     n;
    redisReply  *e;

    if (reply->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    len = 4;

    for (i = 0; i < reply->elements; i++) {
        e = reply->element[i];

        if (e->type == REDIS_REPLY_STRING) {
            len += 4 + e->len;

        } else if (e->type == REDIS_REPLY_NIL) {
            len += 4;

        } else {
            return NGX_ERROR;
        }
    }

    p = ngx_pnalloc(pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value->data = p;
    value->len = len;

    n = (uint32_t) reply->elements;
    p = ngx_cpymem(p, &n, 4);

    for (i = 0; i < reply->elements; i++) {
        e = reply->element[i];

        if (e->type == REDIS_REPLY_NIL) {
            n = NGX_HTTP_UC_CACHE_NIL;
            p = ngx_cpymem(p, &n, 4);
            continue;
        }

        n = (uint32_t) e->len;
        p = ngx_cpymem(p, &n, 4);
        p = ngx_cpymem(p, e->str, e->len);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_uc_cache_unpack(ngx_str_t *value, uc_str_t *vals, size_t max,
    size_t *n)
{
    u_char    *p, *last;
    size_t     i;
    uint32_t   count, len;

    p = value->data;
    last = p + value->len;

    if (last - p < 4) {
        return NGX_ERROR;
    }

    ngx_memcpy(&count, p, 4);
    p += 4;

    if (count > max) {
        return NGX_ERROR;
    }

    for (i = 0; i < count; i++) {
        if (last - p < 4) {
            return NGX_ERROR;
        }

        ngx_memcpy(&len, p, 4);
        p += 4;

        if (len == NGX_HTTP_UC_CACHE_NIL) {
            vals[i].data = NULL;
            vals[i].len = 0;
            continue;
        }

        if ((size_t) (last - p) < len) {
            return NGX_ERROR;
        }

        vals[i].data = (const char *) p;
        vals[i].len = len;
        p += len;
    }

    *n = count;

    return NGX_OK;
}


ngx_int_t
ngx_http_uc_cache_unpack_pool(ngx_pool_t *pool, ngx_str_t *value, size_t max,
    uc_str_t **vals, size_t *n)
{
    uint32_t  count;

    if (value->len < 4) {
        return NGX_ERROR;
    }

    ngx_memcpy(&count, value->data, 4);

    if (count > max) {
        return NGX_ERROR;
    }

    *vals = ngx_palloc(pool, (count + 1) * sizeof(uc_str_t));
    if (*vals == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_uc_cache_unpack(value, *vals, count, n);
}


/* ------------------------------------------------------- configuration */

static ngx_int_t
ngx_http_uc_cache_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_uc_cache_t  *ocache = data;

    size_t                len;
    ngx_uint_t            n;
    ngx_http_uc_cache_t  *cache;

    cache = shm_zone->data;

    if (ocache) {
        cache->sh = ocache->sh;
        cache->shpool = ocache->shpool;
        return NGX_OK;
    }

    cache->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        cache->sh = cache->shpool->data;
        return NGX_OK;
    }

    cache->sh = ngx_slab_calloc(cache->shpool,
                                sizeof(ngx_http_uc_cache_sh_t));
    if (cache->sh == NULL) {
        return NGX_ERROR;
    }

    cache->shpool->data = cache->sh;

    /* a bucket per 256 bytes of zone: about one node each when full */
    n = 1024;

    while (n * 2 * 256 <= shm_zone->shm.size) {
        n *= 2;
    }

    cache->sh->buckets = ngx_slab_calloc(cache->shpool,
                                         n * sizeof(ngx_http_uc_cache_node_t *));
    if (cache->sh->buckets == NULL) {
        return NGX_ERROR;
    }

    cache->sh->nbuckets = n;
    ngx_queue_init(&cache->sh->lru);

    len = sizeof(" in usercenter cache \"\"") + shm_zone->shm.name.len;

    cache->shpool->log_ctx = ngx_slab_alloc(cache->shpool, len);
    if (cache->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(cache->shpool->log_ctx, " in usercenter cache \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is normal for a cache: LRU eviction handles it */
    cache->shpool->log_nomem = 0;

    return NGX_OK;
}


/* usercenter_cache zone=NAME:SIZE [ttl=TIME] [stale_if_error=TIME]; */
char *
ngx_http_uc_cache_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_uc_main_conf_t  *umcf = conf;

    u_char               *p;
    ssize_t               size;
    ngx_str_t            *value, name, s;
    ngx_uint_t            i;
    ngx_msec_t            ttl, stale;
    ngx_shm_zone_t       *shm_zone;
    ngx_http_uc_cache_t  *cache;

    if (umcf->cache != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    size = 0;
    ngx_str_null(&name);
    ttl = 30000;
    stale = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;
            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                goto invalid;
            }

            name.len = p - name.data;
            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (name.len == 0 || size == NGX_ERROR) {
                goto invalid;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "usercenter cache \"%V\" is too small",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;
            ttl = ngx_parse_time(&s, 0);

            if (ttl == (ngx_msec_t) NGX_ERROR || ttl == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "stale_if_error=", 15) == 0) {
            s.data = value[i].data + 15;
            s.len = value[i].len - 15;
            stale = ngx_parse_time(&s, 0);

            if (stale == (ngx_msec_t) NGX_ERROR) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have the \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    cache = ngx_pcalloc(cf->pool, sizeof(ngx_http_uc_cache_t));
    if (cache == NULL) {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_usercenter_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    cache->ttl = ttl;
    cache->stale_if_error = stale;
    cache->shm_zone = shm_zone;

    shm_zone->init = ngx_http_uc_cache_init_zone;
    shm_zone->data = cache;

    umcf->cache = cache;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}
