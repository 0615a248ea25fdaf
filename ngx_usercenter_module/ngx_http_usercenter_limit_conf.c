
/*
 * usercenter gateway module: rate limit configuration, the zones' shared
 * memory, and the script's SHA1. The request-time side is in
 * ngx_http_usercenter_limit.c.
 */


#include "ngx_http_usercenter_limit.h"

#include <openssl/evp.h>


static void
ngx_http_uc_limit_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t         **p;
    ngx_http_uc_limit_node_t   *lrn, *lrnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            lrn = (ngx_http_uc_limit_node_t *) &node->color;
            lrnt = (ngx_http_uc_limit_node_t *) &temp->color;

            p = (ngx_memn2cmp(lrn->data, lrnt->data, lrn->len, lrnt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_int_t
ngx_http_uc_limit_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_uc_limit_zone_t  *octx = data;

    size_t                      len;
    ngx_http_uc_limit_zone_t   *zone;

    zone = shm_zone->data;

    if (octx) {
        zone->sh = octx->sh;
        zone->shpool = octx->shpool;
        return NGX_OK;
    }

    zone->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        zone->sh = zone->shpool->data;
        return NGX_OK;
    }

    zone->sh = ngx_slab_alloc(zone->shpool,
                              sizeof(ngx_http_uc_limit_shctx_t));
    if (zone->sh == NULL) {
        return NGX_ERROR;
    }

    zone->shpool->data = zone->sh;

    ngx_rbtree_init(&zone->sh->rbtree, &zone->sh->sentinel,
                    ngx_http_uc_limit_rbtree_insert);
    ngx_queue_init(&zone->sh->queue);

    len = sizeof(" in usercenter limit zone \"\"") + shm_zone->shm.name.len;

    zone->shpool->log_ctx = ngx_slab_alloc(zone->shpool, len);
    if (zone->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(zone->shpool->log_ctx, " in usercenter limit zone \"%V\"%Z",
                &shm_zone->shm.name);

    return NGX_OK;
}


/*
 * usercenter_limit_zone NAME key=<complex value> rate=Nr/s|Nr/m [burst=N]
 *     [mode=global|local] [on_redis_error=local|open|closed] [size=10m]
 *     [dry_run];
 */
char *
ngx_http_uc_limit_zone_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char                            *p;
    size_t                             len;
    ssize_t                            size;
    ngx_int_t                          rate, scale, burst;
    ngx_str_t                         *value, name, s;
    ngx_uint_t                         i, key_set;
    ngx_shm_zone_t                    *shm_zone;
    ngx_http_uc_limit_zone_t          *zone;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;
    name = value[1];

    if (!uc_line_valid((const char *) name.data, name.len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone name \"%V\": 1 to 32 of [a-z0-9_-]",
                           &name);
        return NGX_CONF_ERROR;
    }

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_uc_limit_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    zone->name = name;
    zone->mode = NGX_HTTP_UC_LIMIT_GLOBAL;
    zone->on_error = NGX_HTTP_UC_LIMIT_ERR_LOCAL;

    size = 10 * 1024 * 1024;
    rate = 0;
    scale = 1;
    burst = 0;
    key_set = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "key=", 4) == 0) {
            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            ccv.cf = cf;
            ccv.value = &s;
            ccv.complex_value = &zone->key;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            /* the session's variables exist only after the ACCESS check */
            if (ngx_strlcasestrn(s.data, s.data + s.len, (u_char *) "$uc_", 4 - 1)
                != NULL)
            {
                zone->stage = 1;
            }

            key_set = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            len = value[i].len;
            p = value[i].data + len - 3;

            if (ngx_strncmp(p, "r/s", 3) == 0) {
                scale = 1;
                len -= 3;

            } else if (ngx_strncmp(p, "r/m", 3) == 0) {
                scale = 60;
                len -= 3;
            }

            rate = ngx_atoi(value[i].data + 5, len - 5);
            if (rate <= 0 || rate > 1000000) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            burst = ngx_atoi(value[i].data + 6, value[i].len - 6);
            if (burst < 0 || burst > 1000000) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            size = ngx_parse_size(&s);
            if (size < (ssize_t) (8 * ngx_pagesize)) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "mode=global") == 0) {
            zone->mode = NGX_HTTP_UC_LIMIT_GLOBAL;
            continue;
        }

        if (ngx_strcmp(value[i].data, "mode=local") == 0) {
            zone->mode = NGX_HTTP_UC_LIMIT_LOCAL;
            continue;
        }

        if (ngx_strcmp(value[i].data, "on_redis_error=local") == 0) {
            zone->on_error = NGX_HTTP_UC_LIMIT_ERR_LOCAL;
            continue;
        }

        if (ngx_strcmp(value[i].data, "on_redis_error=open") == 0) {
            zone->on_error = NGX_HTTP_UC_LIMIT_ERR_OPEN;
            continue;
        }

        if (ngx_strcmp(value[i].data, "on_redis_error=closed") == 0) {
            zone->on_error = NGX_HTTP_UC_LIMIT_ERR_CLOSED;
            continue;
        }

        if (ngx_strcmp(value[i].data, "dry_run") == 0) {
            zone->dry_run = 1;
            continue;
        }

        goto invalid;
    }

    if (!key_set || rate == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs key= and rate=", &cmd->name);
        return NGX_CONF_ERROR;
    }

    /* microseconds: 1,000,000 r/s is still one whole microsecond apart */
    zone->interval = (int64_t) scale * 1000000 / rate;
    zone->burst = (ngx_uint_t) burst;
    zone->tau = zone->interval * burst;

    shm_zone = ngx_shared_memory_add(cf, &name, (size_t) size,
                                     &ngx_http_usercenter_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate usercenter limit zone \"%V\"", &name);
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_uc_limit_init_zone;
    shm_zone->data = zone;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* usercenter_limit NAME; (several allowed) */
char *
ngx_http_uc_limit_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_uc_loc_conf_t *ulcf = conf;

    ngx_str_t        *value;
    ngx_uint_t        i;
    ngx_shm_zone_t   *shm_zone, **slot, **zones;

    value = cf->args->elts;

    shm_zone = ngx_shared_memory_add(cf, &value[1], 0,
                                     &ngx_http_usercenter_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ulcf->limits == NULL) {
        ulcf->limits = ngx_array_create(cf->pool, 2,
                                        sizeof(ngx_shm_zone_t *));
        if (ulcf->limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    zones = ulcf->limits->elts;

    for (i = 0; i < ulcf->limits->nelts; i++) {
        if (zones[i] == shm_zone) {
            return "is duplicate";
        }
    }

    slot = ngx_array_push(ulcf->limits);
    if (slot == NULL) {
        return NGX_CONF_ERROR;
    }

    *slot = shm_zone;

    return NGX_CONF_OK;
}


/* The script's SHA1, for EVALSHA. */
ngx_int_t
ngx_http_uc_limit_init(ngx_conf_t *cf)
{
    u_char           md[EVP_MAX_MD_SIZE];
    unsigned int     mdlen;

    if (EVP_Digest(ngx_http_uc_limit_script,
                   ngx_strlen(ngx_http_uc_limit_script), md, &mdlen,
                   EVP_sha1(), NULL) != 1)
    {
        return NGX_ERROR;
    }

    ngx_hex_dump((u_char *) ngx_http_uc_limit_sha, md, 20);
    ngx_http_uc_limit_sha[40] = '\0';

    return NGX_OK;
}
