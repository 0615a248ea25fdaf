
/*
 * usercenter gateway module: shared counters and the status location.
 */


#ifndef _NGX_HTTP_USERCENTER_STATUS_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_STATUS_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


/* the first five follow ngx_http_uc_session_status_e */
#define NGX_HTTP_UC_STAT_SESSIONS           0
#define NGX_HTTP_UC_STAT_LIMIT_REJECTED     5
#define NGX_HTTP_UC_STAT_LIMIT_DRY_RUN      6
#define NGX_HTTP_UC_STAT_LIMIT_ERROR        7
#define NGX_HTTP_UC_STAT_REDIS_COMMANDS     8
#define NGX_HTTP_UC_STAT_REDIS_FAILURES     9
#define NGX_HTTP_UC_STAT_REDIS_CONNECTS     10
#define NGX_HTTP_UC_STAT_GUARD_ALLOW       11
#define NGX_HTTP_UC_STAT_GUARD_DENY        12
#define NGX_HTTP_UC_STAT_GUARD_ERROR       13
#define NGX_HTTP_UC_STAT_GUARD_CHALLENGE   14
#define NGX_HTTP_UC_STAT_CACHE             15  /* + cache status */
#define NGX_HTTP_UC_STAT_CACHE_INVALIDATIONS 19
#define NGX_HTTP_UC_STAT_CACHE_FLUSHES     20
#define NGX_HTTP_UC_STAT_CACHE_EVICTIONS   21
#define NGX_HTTP_UC_STAT_N                  22


ngx_int_t ngx_http_uc_status_zone(ngx_conf_t *cf);
void ngx_http_uc_stat(ngx_uint_t counter);
char *ngx_http_uc_status_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_USERCENTER_STATUS_H_INCLUDED_ */
