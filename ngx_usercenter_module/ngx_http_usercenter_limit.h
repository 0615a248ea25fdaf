
/*
 * usercenter gateway module: rate limits in the PREACCESS phase.
 */


#ifndef _NGX_HTTP_USERCENTER_LIMIT_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_LIMIT_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


/* longer keys are limited by their MD5 (the node keeps at most this) */
#define NGX_HTTP_UC_LIMIT_KEY_MAX         1024

#define NGX_HTTP_UC_LIMIT_GLOBAL          0
#define NGX_HTTP_UC_LIMIT_LOCAL           1

#define NGX_HTTP_UC_LIMIT_ERR_LOCAL       0
#define NGX_HTTP_UC_LIMIT_ERR_OPEN        1
#define NGX_HTTP_UC_LIMIT_ERR_CLOSED      2

/* $uc_limit_status */
#define NGX_HTTP_UC_LIMIT_PASSED            1
#define NGX_HTTP_UC_LIMIT_REJECTED          2
#define NGX_HTTP_UC_LIMIT_REJECTED_DRY_RUN  3
#define NGX_HTTP_UC_LIMIT_ERROR             4


/* a key's state in shared memory, after the rbtree node's key */
typedef struct {
    u_char                        color;
    u_char                        dummy;
    u_short                       len;
    ngx_queue_t                   queue;
    int64_t                       tat;       /* microseconds */
    u_char                        data[1];
} ngx_http_uc_limit_node_t;


typedef struct {
    ngx_rbtree_t                  rbtree;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   queue;
} ngx_http_uc_limit_shctx_t;



/* the GCRA script (Redis side) and its SHA1 for EVALSHA */
extern const char  ngx_http_uc_limit_script[];
extern char        ngx_http_uc_limit_sha[41];

typedef struct {
    ngx_str_t                     name;
    ngx_http_complex_value_t      key;
    int64_t                       interval;   /* T, microseconds */
    int64_t                       tau;        /* burst * T */
    ngx_uint_t                    burst;
    ngx_uint_t                    mode;
    ngx_uint_t                    on_error;
    ngx_flag_t                    dry_run;
    ngx_uint_t                    stage;      /* 1: keyed by $uc_*, runs
                                                 after the session check */
    ngx_http_uc_limit_shctx_t    *sh;
    ngx_slab_pool_t              *shpool;
} ngx_http_uc_limit_zone_t;


ngx_int_t ngx_http_uc_limit_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_uc_limit_after_session(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
ngx_int_t ngx_http_uc_limit_init(ngx_conf_t *cf);
char *ngx_http_uc_limit_zone_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_uc_limit_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_uc_limit_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_USERCENTER_LIMIT_H_INCLUDED_ */
