
/*
 * usercenter gateway module: counters shared by all workers and the
 * usercenter_status location that prints them as Prometheus text.
 */


#include "ngx_http_usercenter_status.h"
#include "ngx_http_usercenter_cache.h"


typedef struct {
    const char                   *name;
    const char                   *help;
} ngx_http_uc_metric_t;


/* one line per counter; a family is printed with its HELP once */
static const ngx_http_uc_metric_t  ngx_http_uc_metrics[NGX_HTTP_UC_STAT_N] = {
    { "usercenter_sessions_total{result=\"none\"}",
      "Session checks by outcome." },
    { "usercenter_sessions_total{result=\"valid\"}", NULL },
    { "usercenter_sessions_total{result=\"invalid\"}", NULL },
    { "usercenter_sessions_total{result=\"expired\"}", NULL },
    { "usercenter_sessions_total{result=\"error\"}", NULL },
    { "usercenter_limit_total{result=\"rejected\"}",
      "Rate limit decisions that refused or would have refused." },
    { "usercenter_limit_total{result=\"rejected_dry_run\"}", NULL },
    { "usercenter_limit_total{result=\"error\"}", NULL },
    { "usercenter_redis_commands_total",
      "Commands sent to Redis." },
    { "usercenter_redis_failures_total",
      "Commands that failed (timeout, disconnect, refused)." },
    { "usercenter_redis_connects_total",
      "Connection attempts to Redis." },
    { "usercenter_guard_total{decision=\"allow\"}",
      "Registration guard decisions (shadow mode included)." },
    { "usercenter_guard_total{decision=\"deny\"}", NULL },
    { "usercenter_guard_total{decision=\"error\"}", NULL },
    { "usercenter_guard_total{decision=\"challenge\"}", NULL },
    { "usercenter_cache_lookups_total{result=\"bypass\"}",
      "Near-cache lookups (sessions and flag sets) by outcome." },
    { "usercenter_cache_lookups_total{result=\"miss\"}", NULL },
    { "usercenter_cache_lookups_total{result=\"hit\"}", NULL },
    { "usercenter_cache_lookups_total{result=\"stale\"}", NULL },
    { "usercenter_cache_invalidations_total",
      "Cached keys dropped because Redis announced a change." },
    { "usercenter_cache_flushes_total",
      "Times the whole near-cache stopped being fresh (a tracking link "
      "went down, or Redis was flushed)." },
    { "usercenter_cache_evictions_total",
      "Cached keys dropped to make room (least recently used first) or "
      "unused past their TTL." },
};


static ngx_atomic_t  *ngx_http_uc_counters;


static ngx_int_t
ngx_http_uc_status_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        shm_zone->data = data;
        ngx_http_uc_counters = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        ngx_http_uc_counters = shpool->data;
        return NGX_OK;
    }

    ngx_http_uc_counters = ngx_slab_calloc(shpool,
                               NGX_HTTP_UC_STAT_N * sizeof(ngx_atomic_t));
    if (ngx_http_uc_counters == NULL) {
        return NGX_ERROR;
    }

    shpool->data = (void *) ngx_http_uc_counters;
    shm_zone->data = (void *) ngx_http_uc_counters;

    return NGX_OK;
}


ngx_int_t
ngx_http_uc_status_zone(ngx_conf_t *cf)
{
    ngx_str_t        name = ngx_string("usercenter_status");
    ngx_shm_zone_t  *shm_zone;

    shm_zone = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                     &ngx_http_usercenter_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_uc_status_init_zone;

    return NGX_OK;
}


void
ngx_http_uc_stat(ngx_uint_t counter)
{
    if (ngx_http_uc_counters != NULL && counter < NGX_HTTP_UC_STAT_N) {
        (void) ngx_atomic_fetch_add(&ngx_http_uc_counters[counter], 1);
    }
}


static ngx_int_t
ngx_http_uc_status_handler(ngx_http_request_t *r)
{
    u_char       *p;
    size_t        len;
    ngx_int_t     rc;
    ngx_uint_t    i;
    ngx_buf_t    *b;
    ngx_chain_t   out;
    const char   *family, *brace;

    ngx_http_uc_main_conf_t  *umcf;

    if (r->method != NGX_HTTP_GET && r->method != NGX_HTTP_HEAD) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    len = 0;

    for (i = 0; i < NGX_HTTP_UC_STAT_N; i++) {
        len += 2 * ngx_strlen(ngx_http_uc_metrics[i].name) + NGX_ATOMIC_T_LEN
               + 32;

        if (ngx_http_uc_metrics[i].help != NULL) {
            len += ngx_strlen(ngx_http_uc_metrics[i].help);
        }
    }

    len += 256;   /* the cache gauge */

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = b->last;

    for (i = 0; i < NGX_HTTP_UC_STAT_N; i++) {
        family = ngx_http_uc_metrics[i].name;
        brace = ngx_strchr(family, '{');

        if (ngx_http_uc_metrics[i].help != NULL) {
            len = brace != NULL ? (size_t) (brace - family)
                                : ngx_strlen(family);

            p = ngx_sprintf(p, "# HELP %*s %s\n# TYPE %*s counter\n",
                            len, family, ngx_http_uc_metrics[i].help,
                            len, family);
        }

        p = ngx_sprintf(p, "%s %uA\n", family,
                        ngx_http_uc_counters != NULL
                        ? ngx_http_uc_counters[i] : 0);
    }

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->cache != NULL && umcf->cache->sh != NULL) {
        /* a word read without the lock: a gauge may be a moment old */
        p = ngx_sprintf(p, "# HELP usercenter_cache_entries Keys in the "
                        "near-cache.\n# TYPE usercenter_cache_entries gauge\n"
                        "usercenter_cache_entries %ui\n",
                        umcf->cache->sh->entries);
    }

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


char *
ngx_http_uc_status_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_uc_status_handler;

    return NGX_CONF_OK;
}
