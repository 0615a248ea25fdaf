
/*
 * usercenter gateway module: Redis server-assisted client-side caching
 * that keeps the near-cache true.
 */


#ifndef _NGX_HTTP_USERCENTER_TRACKING_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_TRACKING_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


/* creates this worker's subscriber and flushes what a dead worker left */
ngx_int_t ngx_http_uc_tracking_init(ngx_cycle_t *cycle,
    ngx_http_uc_main_conf_t *umcf);
void ngx_http_uc_tracking_exit(ngx_http_uc_main_conf_t *umcf);

/*
 * Whether this worker receives every invalidation right now; only then may
 * it read fresh copies from the near-cache or add to it. Starts the
 * subscriber on first use.
 */
ngx_uint_t ngx_http_uc_tracking_live(ngx_http_uc_main_conf_t *umcf);


#endif /* _NGX_HTTP_USERCENTER_TRACKING_H_INCLUDED_ */
