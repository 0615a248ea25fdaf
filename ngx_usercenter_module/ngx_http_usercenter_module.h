
/*
 * usercenter gateway module: shared types.
 */


#ifndef _NGX_HTTP_USERCENTER_MODULE_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "uc_token.h"
#include "uc_schema.h"


#define NGX_HTTP_UC_AUTH_OFF          0
#define NGX_HTTP_UC_AUTH_OPTIONAL     1
#define NGX_HTTP_UC_AUTH_REQUIRED     2
#define NGX_HTTP_UC_AUTH_SERVICE      3   /* a business line's server */

#define NGX_HTTP_UC_FAIL_OPEN         0
#define NGX_HTTP_UC_FAIL_CLOSED       1


typedef struct ngx_http_uc_redis_s  ngx_http_uc_redis_t;
typedef struct ngx_http_uc_cache_s  ngx_http_uc_cache_t;


typedef struct {
    ngx_str_t                     host;      /* numeric address, or empty */
    in_port_t                     port;
    ngx_str_t                     unix_path; /* or a unix socket */
    ngx_str_t                     password;
    ngx_int_t                     db;
    ngx_str_t                     prefix;
    ngx_msec_t                    connect_timeout;
    ngx_msec_t                    timeout;
    ngx_msec_t                    backoff_min;
    ngx_msec_t                    backoff_max;
} ngx_http_uc_redis_conf_t;


typedef struct {
    ngx_http_uc_redis_conf_t      redis;
    ngx_flag_t                    redis_set;
    ngx_str_t                     secret_path;
    uc_keyring_t                 *keyring;
    ngx_http_uc_redis_t          *conn;      /* this worker's connection */
    ngx_http_uc_cache_t          *cache;     /* usercenter_cache, or NULL */
    void                         *tracking;  /* this worker's subscriber */
    ngx_array_t                  *disposable; /* sorted ngx_str_t domains */
    void                         *mmdb;       /* MMDB_s, mmap'ed at load */
} ngx_http_uc_main_conf_t;


typedef struct {
    ngx_uint_t                    auth;
    ngx_int_t                     level;
    ngx_str_t                     business_line;
    ngx_uint_t                    on_redis_error;
    ngx_str_t                     cookie;
    ngx_flag_t                    strip_identity;
    ngx_flag_t                    flags;
    ngx_flag_t                    merchant;
    ngx_flag_t                    cache_lookup;
    ngx_array_t                  *limits;    /* ngx_shm_zone_t * */
    ngx_uint_t                    guard;
    ngx_uint_t                    guard_threshold;
    ngx_str_t                     guard_honeypot;
    ngx_uint_t                    guard_velocity[5]; /* ip net dev ph em */
    ngx_uint_t                    guard_challenge;
    ngx_uint_t                    guard_difficulty;
    ngx_msec_t                    guard_pow_ttl;
    ngx_array_t                  *guard_geo[2];  /* deny, challenge:
                                                    "KP", "AS64500" */
    ngx_flag_t                    guard_velocity_set;
} ngx_http_uc_loc_conf_t;


typedef enum {
    NGX_HTTP_UC_SESSION_NONE = 0,   /* no token: anonymous */
    NGX_HTTP_UC_SESSION_VALID,
    NGX_HTTP_UC_SESSION_INVALID,    /* malformed, bad signature, revoked */
    NGX_HTTP_UC_SESSION_EXPIRED,
    NGX_HTTP_UC_SESSION_ERROR       /* Redis unreachable, slow or odd */
} ngx_http_uc_session_status_e;


typedef struct {
    ngx_http_request_t           *request;
    void                         *op;        /* outstanding Redis call */
    ngx_http_uc_session_status_e  status;
    ngx_str_t                     sid;
    ngx_str_t                     uid;
    ngx_str_t                     merchant;
    ngx_str_t                     business_line;
    ngx_uint_t                    level;
    uint64_t                      cache_mark;    /* reservation, 0: none */
    ngx_uint_t                    cache_status;

    void                         *line;          /* its record's read */
    void                         *service;       /* a service key's */
    void                         *merchant_rec;  /* the merchant's */
    void                         *member_rec;    /* the membership's */
    ngx_str_t                     merchant_role; /* once admitted */
    unsigned                      merchant_checked:1;
    ngx_str_t                     service_key_id; /* once admitted */
    unsigned                      service_done:1;

    /* feature flags */
    ngx_str_t                     flags;         /* "a,b": the ones on */
    void                         *flags_rec;     /* the line's flags */
    unsigned                      flags_sent:1;
    unsigned                      flags_done:1;
    unsigned                      line_checked:1;
    unsigned                      waiting:1;
    unsigned                      started:1;     /* session check began */
    unsigned                      done:1;        /* ... and decided */

    /* rate limits (PREACCESS) */
    ngx_uint_t                    limit_status;
    ngx_uint_t                    limit_pending; /* Redis replies awaited */
    void                         *limit_ops;     /* ngx_array_t of ops */
    ngx_msec_t                    limit_retry;   /* of the rejecting zone */
    ngx_uint_t                    limit_max;
    ngx_msec_t                    limit_reset;
    ngx_uint_t                    limit_stage;   /* 0 PREACCESS, 1 ACCESS */
    unsigned                      limit_started:1;
    unsigned                      limit_done:1;
    unsigned                      limit_closed:1; /* Redis failed, closed */
    unsigned                      decided:1;     /* session verdict given */

    /* registration guard */
    ngx_uint_t                    guard_state;
    ngx_uint_t                    guard_score;
    ngx_uint_t                    guard_signals;
    void                         *guard_op;
    unsigned                      guard_redis_failed:1;
    unsigned                      guard_logged:1;
    unsigned                      guard_pow_ok:1;
    u_char                        guard_pow_rand[16];
    u_char                        geo_country[2];
} ngx_http_uc_ctx_t;


ngx_http_uc_ctx_t *ngx_http_uc_get_ctx(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_usercenter_module;


#endif /* _NGX_HTTP_USERCENTER_MODULE_H_INCLUDED_ */
