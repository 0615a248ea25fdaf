
/*
 * usercenter gateway module: directives, configuration and process hooks.
 */


#include "ngx_http_usercenter_module.h"
#include "ngx_http_usercenter_cache.h"
#include "ngx_http_usercenter_guard.h"
#include "ngx_http_usercenter_limit.h"
#include "ngx_http_usercenter_redis.h"
#include "ngx_http_usercenter_session.h"
#include "ngx_http_usercenter_status.h"
#include "ngx_http_usercenter_tracking.h"
#include "ngx_http_usercenter_variables.h"


static ngx_int_t ngx_http_uc_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_uc_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_uc_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_uc_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_uc_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_uc_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_uc_redis_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_uc_secret_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_uc_business_line(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_uc_parse_address(ngx_conf_t *cf,
    ngx_http_uc_redis_conf_t *rc, ngx_str_t *value);
static void ngx_http_uc_keyring_cleanup(void *data);
static ngx_int_t ngx_http_uc_init_process(ngx_cycle_t *cycle);
static void ngx_http_uc_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_uc_auth_modes[] = {
    { ngx_string("off"), NGX_HTTP_UC_AUTH_OFF },
    { ngx_string("optional"), NGX_HTTP_UC_AUTH_OPTIONAL },
    { ngx_string("required"), NGX_HTTP_UC_AUTH_REQUIRED },
    { ngx_string("service"), NGX_HTTP_UC_AUTH_SERVICE },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_uc_fail_modes[] = {
    { ngx_string("open"), NGX_HTTP_UC_FAIL_OPEN },
    { ngx_string("closed"), NGX_HTTP_UC_FAIL_CLOSED },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_uc_guard_modes[] = {
    { ngx_string("off"), NGX_HTTP_UC_GUARD_OFF },
    { ngx_string("on"), NGX_HTTP_UC_GUARD_ON },
    { ngx_string("shadow"), NGX_HTTP_UC_GUARD_SHADOW },
    { ngx_null_string, 0 }
};


static ngx_conf_num_bounds_t  ngx_http_uc_level_bounds = {
    ngx_conf_check_num_bounds, 0, UC_LEVEL_MAX
};


static ngx_command_t  ngx_http_uc_commands[] = {

    { ngx_string("usercenter_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_uc_redis_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_uc_secret_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_uc_cache_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, auth),
      &ngx_http_uc_auth_modes },

    { ngx_string("usercenter_auth_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, level),
      &ngx_http_uc_level_bounds },

    { ngx_string("usercenter_business_line"),
      NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_uc_business_line,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, business_line),
      NULL },

    { ngx_string("usercenter_on_redis_error"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, on_redis_error),
      &ngx_http_uc_fail_modes },

    { ngx_string("usercenter_cache_lookup"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, cache_lookup),
      NULL },

    { ngx_string("usercenter_flags"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, flags),
      NULL },

    { ngx_string("usercenter_merchant"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, merchant),
      NULL },

    { ngx_string("usercenter_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, cookie),
      NULL },

    { ngx_string("usercenter_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_uc_limit_zone_directive,
      0,
      0,
      NULL },

    { ngx_string("usercenter_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_uc_limit_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_register_guard"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, guard),
      &ngx_http_uc_guard_modes },

    { ngx_string("usercenter_guard_threshold"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, guard_threshold),
      NULL },

    { ngx_string("usercenter_guard_honeypot"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, guard_honeypot),
      NULL },

    { ngx_string("usercenter_guard_velocity"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_uc_guard_velocity_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_guard_challenge"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, guard_challenge),
      NULL },

    { ngx_string("usercenter_guard_difficulty"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, guard_difficulty),
      NULL },

    { ngx_string("usercenter_guard_challenge_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, guard_pow_ttl),
      NULL },

    { ngx_string("usercenter_geoip"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_uc_geoip_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_guard_geo"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_uc_guard_geo_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_guard_disposable"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_uc_guard_disposable_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("usercenter_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_uc_status_directive,
      0,
      0,
      NULL },

    { ngx_string("usercenter_strip_identity"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_uc_loc_conf_t, strip_identity),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_usercenter_module_ctx = {
    ngx_http_uc_preconfiguration,          /* preconfiguration */
    ngx_http_uc_postconfiguration,         /* postconfiguration */

    ngx_http_uc_create_main_conf,          /* create main configuration */
    ngx_http_uc_init_main_conf,            /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_uc_create_loc_conf,           /* create location configuration */
    ngx_http_uc_merge_loc_conf             /* merge location configuration */
};


ngx_module_t  ngx_http_usercenter_module = {
    NGX_MODULE_V1,
    &ngx_http_usercenter_module_ctx,       /* module context */
    ngx_http_uc_commands,                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_uc_init_process,              /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_uc_exit_process,              /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_uc_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_uc_main_conf_t));
    if (umcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     umcf->redis.host = { 0, NULL };
     *     umcf->redis.unix_path = { 0, NULL };
     *     umcf->redis.password = { 0, NULL };
     *     umcf->secret_path = { 0, NULL };
     *     umcf->keyring = NULL;
     *     umcf->conn = NULL;
     */

    umcf->redis_set = NGX_CONF_UNSET;

    return umcf;
}


static char *
ngx_http_uc_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_uc_main_conf_t  *umcf = conf;

    if (umcf->cache != NULL && umcf->redis_set == NGX_CONF_UNSET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"usercenter_cache\" needs \"usercenter_redis\"");
        return NGX_CONF_ERROR;
    }

    if (umcf->keyring != NULL && umcf->redis_set == NGX_CONF_UNSET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"usercenter_secret\" needs \"usercenter_redis\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_uc_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_uc_loc_conf_t));
    if (ulcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     ulcf->business_line = { 0, NULL };
     *     ulcf->cookie = { 0, NULL };
     */

    ulcf->auth = NGX_CONF_UNSET_UINT;
    ulcf->level = NGX_CONF_UNSET;
    ulcf->on_redis_error = NGX_CONF_UNSET_UINT;
    ulcf->strip_identity = NGX_CONF_UNSET;
    ulcf->flags = NGX_CONF_UNSET;
    ulcf->cache_lookup = NGX_CONF_UNSET;
    ulcf->merchant = NGX_CONF_UNSET;
    ulcf->guard = NGX_CONF_UNSET_UINT;
    ulcf->guard_threshold = NGX_CONF_UNSET_UINT;
    ulcf->guard_challenge = NGX_CONF_UNSET_UINT;
    ulcf->guard_difficulty = NGX_CONF_UNSET_UINT;
    ulcf->guard_pow_ttl = NGX_CONF_UNSET_MSEC;

    return ulcf;
}


static char *
ngx_http_uc_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_uc_loc_conf_t *prev = parent;
    ngx_http_uc_loc_conf_t *conf = child;

    ngx_http_uc_main_conf_t   *umcf;
    ngx_http_core_loc_conf_t  *clcf;

    ngx_conf_merge_uint_value(conf->auth, prev->auth, NGX_HTTP_UC_AUTH_OFF);
    ngx_conf_merge_value(conf->level, prev->level, 0);
    ngx_conf_merge_str_value(conf->business_line, prev->business_line, "");
    ngx_conf_merge_uint_value(conf->on_redis_error, prev->on_redis_error,
                              NGX_HTTP_UC_FAIL_CLOSED);
    ngx_conf_merge_str_value(conf->cookie, prev->cookie, "uc_session");
    ngx_conf_merge_value(conf->strip_identity, prev->strip_identity, 1);
    ngx_conf_merge_value(conf->flags, prev->flags, 0);
    ngx_conf_merge_value(conf->cache_lookup, prev->cache_lookup, 1);
    ngx_conf_merge_value(conf->merchant, prev->merchant, 1);

    if (conf->limits == NULL) {
        conf->limits = prev->limits;
    }

    if (conf->guard_geo[0] == NULL) {
        conf->guard_geo[0] = prev->guard_geo[0];
    }

    if (conf->guard_geo[1] == NULL) {
        conf->guard_geo[1] = prev->guard_geo[1];
    }

    ngx_conf_merge_uint_value(conf->guard, prev->guard, NGX_HTTP_UC_GUARD_OFF);

    /*
     * The guard reads bodies up to 16 KB, in memory only (no disk in the
     * request path): a smaller client_body_buffer_size would send a valid
     * body to a temporary file, and the guard would have to refuse it.
     * core's merge has run for this location already.
     */
    if (conf->guard != NGX_HTTP_UC_GUARD_OFF) {
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

        if (clcf->client_body_buffer_size < NGX_HTTP_UC_GUARD_BODY_MAX) {
            clcf->client_body_buffer_size = NGX_HTTP_UC_GUARD_BODY_MAX;
        }
    }
    ngx_conf_merge_uint_value(conf->guard_threshold, prev->guard_threshold,
                              60);
    ngx_conf_merge_str_value(conf->guard_honeypot, prev->guard_honeypot,
                             "website");
    ngx_conf_merge_uint_value(conf->guard_challenge, prev->guard_challenge,
                              30);
    ngx_conf_merge_uint_value(conf->guard_difficulty,
                              prev->guard_difficulty, 18);
    ngx_conf_merge_msec_value(conf->guard_pow_ttl, prev->guard_pow_ttl,
                              120000);

    if (conf->guard_difficulty < 1 || conf->guard_difficulty > 32) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "usercenter_guard_difficulty is 1 to 32 bits");
        return NGX_CONF_ERROR;
    }

    if (!conf->guard_velocity_set) {
        if (prev->guard_velocity_set) {
            ngx_memcpy(conf->guard_velocity, prev->guard_velocity,
                       sizeof(conf->guard_velocity));

        } else {
            /* per hour: address, network, device, phone, e-mail */
            conf->guard_velocity[0] = 20;
            conf->guard_velocity[1] = 100;
            conf->guard_velocity[2] = 10;
            conf->guard_velocity[3] = 5;
            conf->guard_velocity[4] = 5;
        }

        conf->guard_velocity_set = prev->guard_velocity_set;
    }

    if (conf->auth != NGX_HTTP_UC_AUTH_OFF || conf->level > 0) {
        umcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_usercenter_module);

        if (umcf->keyring == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"usercenter_auth\" needs "
                               "\"usercenter_secret\" and "
                               "\"usercenter_redis\" in the http block");
            return NGX_CONF_ERROR;
        }
    }

    /* a server's key carries no user: no level, no user's flags */
    if (conf->auth == NGX_HTTP_UC_AUTH_SERVICE
        && (conf->level > 0 || conf->flags == 1))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"usercenter_auth service\" takes no "
                           "\"usercenter_auth_level\" nor "
                           "\"usercenter_flags\": a service key is no user");
        return NGX_CONF_ERROR;
    }

    if (conf->level > 0 && conf->auth == NGX_HTTP_UC_AUTH_OFF) {
        conf->auth = NGX_HTTP_UC_AUTH_REQUIRED;
    }

    return NGX_CONF_OK;
}


/*
 * usercenter_redis 127.0.0.1:6379 | [::1]:6379 | unix:/path
 *                  [password=..] [db=N] [prefix=uc:]
 *                  [connect_timeout=500ms] [timeout=300ms];
 */
static char *
ngx_http_uc_redis_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_uc_main_conf_t *umcf = conf;

    ngx_str_t                 *value, s;
    ngx_int_t                  n;
    ngx_uint_t                 i;
    ngx_http_uc_redis_conf_t  *rc;

    if (umcf->redis_set != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    rc = &umcf->redis;
    rc->db = 0;
    rc->connect_timeout = 500;
    rc->timeout = 300;
    rc->backoff_min = 100;
    rc->backoff_max = 2000;
    ngx_str_set(&rc->prefix, UC_PREFIX_DEFAULT);

    value = cf->args->elts;

    if (ngx_http_uc_parse_address(cf, rc, &value[1]) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "password=", 9) == 0) {
            rc->password.data = value[i].data + 9;
            rc->password.len = value[i].len - 9;
            continue;
        }

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            n = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (n == NGX_ERROR || n > 65535) {
                goto invalid;
            }

            rc->db = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "prefix=", 7) == 0) {
            rc->prefix.data = value[i].data + 7;
            rc->prefix.len = value[i].len - 7;

            if (!uc_prefix_valid((const char *) rc->prefix.data,
                                 rc->prefix.len))
            {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "connect_timeout=", 16) == 0) {
            s.data = value[i].data + 16;
            s.len = value[i].len - 16;

            rc->connect_timeout = ngx_parse_time(&s, 0);
            if (rc->connect_timeout == (ngx_msec_t) NGX_ERROR
                || rc->connect_timeout == 0)
            {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            rc->timeout = ngx_parse_time(&s, 0);
            if (rc->timeout == (ngx_msec_t) NGX_ERROR || rc->timeout == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "cluster") == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "Redis Cluster is not supported yet; "
                               "point \"usercenter_redis\" at one node");
            return NGX_CONF_ERROR;
        }

        goto invalid;
    }

    umcf->redis_set = 1;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* Numeric addresses only: a host name would mean DNS in a worker. */
static char *
ngx_http_uc_parse_address(ngx_conf_t *cf, ngx_http_uc_redis_conf_t *rc,
    ngx_str_t *value)
{
    u_char     *p, *host, *last;
    size_t      len;
    ngx_int_t   port;
    u_char      buf[NGX_INET6_ADDRSTRLEN];
#if (NGX_HAVE_INET6)
    u_char      addr6[16];
#endif

    if (value->len > 5 && ngx_strncmp(value->data, "unix:", 5) == 0) {
        rc->unix_path.len = value->len - 5;
        rc->unix_path.data = ngx_pnalloc(cf->pool, rc->unix_path.len + 1);
        if (rc->unix_path.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(rc->unix_path.data, value->data + 5, rc->unix_path.len);
        rc->unix_path.data[rc->unix_path.len] = '\0';

        return NGX_CONF_OK;
    }

    last = value->data + value->len;
    p = ngx_strlchr(value->data, last, ']');

    if (value->data[0] == '[' && p != NULL) {
        host = value->data + 1;
        len = p - host;
        p++;

    } else {
        host = value->data;
        p = NULL;

        for (last = value->data + value->len; last > value->data; last--) {
            if (last[-1] == ':') {
                p = last - 1;
                break;
            }
        }

        if (p == NULL) {
            goto invalid;
        }

        len = p - host;
    }

    if (p >= value->data + value->len || *p != ':' || len == 0
        || len >= sizeof(buf))
    {
        goto invalid;
    }

    port = ngx_atoi(p + 1, value->data + value->len - p - 1);
    if (port < 1 || port > 65535) {
        goto invalid;
    }

    ngx_memcpy(buf, host, len);
    buf[len] = '\0';

    if (ngx_inet_addr(buf, len) == INADDR_NONE
#if (NGX_HAVE_INET6)
        && ngx_inet6_addr(buf, len, addr6) != NGX_OK
#endif
        )
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"usercenter_redis\" needs a numeric address or "
                           "unix:/path, not \"%V\" (no DNS in workers)",
                           value);
        return NGX_CONF_ERROR;
    }

    rc->host.data = ngx_pnalloc(cf->pool, len + 1);
    if (rc->host.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(rc->host.data, buf, len + 1);
    rc->host.len = len;
    rc->port = (in_port_t) port;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid Redis address \"%V\", expected host:port or "
                       "unix:/path", value);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_uc_secret_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_uc_main_conf_t *umcf = conf;

    char                 err[256];
    ngx_str_t           *value;
    ngx_pool_cleanup_t  *cln;

    if (umcf->keyring != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    umcf->secret_path = value[1];

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(uc_keyring_t));
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (uc_keyring_load(cln->data, (const char *) value[1].data, err,
                        sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "usercenter_secret: %s",
                           err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_uc_keyring_cleanup;
    umcf->keyring = cln->data;

    return NGX_CONF_OK;
}


static void
ngx_http_uc_keyring_cleanup(void *data)
{
    uc_keyring_free(data);
}


static char *
ngx_http_uc_business_line(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char       *rv;
    ngx_str_t  *value;

    rv = ngx_conf_set_str_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    value = cf->args->elts;

    if (!uc_line_valid((const char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid business line \"%V\": 1 to %d of "
                           "[a-z0-9_-]", &value[1], UC_LINE_MAX);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_uc_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_uc_add_variables(cf);
}


static ngx_int_t
ngx_http_uc_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_uc_strip_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_uc_access_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_uc_guard_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_uc_limit_handler;

    if (ngx_http_uc_status_zone(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_uc_limit_init(cf);
}


static ngx_int_t
ngx_http_uc_init_process(ngx_cycle_t *cycle)
{
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_usercenter_module);

    if (umcf == NULL || umcf->redis_set == NGX_CONF_UNSET) {
        return NGX_OK;
    }

    /* connected lazily, on the first command */
    umcf->conn = ngx_http_uc_redis_create(&umcf->redis, cycle->log);
    if (umcf->conn == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_uc_tracking_init(cycle, umcf);
}


static void
ngx_http_uc_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_usercenter_module);

    if (umcf == NULL || umcf->conn == NULL) {
        return;
    }

    ngx_http_uc_tracking_exit(umcf);

    ngx_http_uc_redis_destroy(umcf->conn);
    umcf->conn = NULL;
}
