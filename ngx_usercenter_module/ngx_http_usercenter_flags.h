
/*
 * usercenter gateway module: feature flags at the edge.
 */


#ifndef _NGX_HTTP_USERCENTER_FLAGS_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_FLAGS_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


/*
 * Evaluates the business line's flags into ctx->flags. NGX_DECLINED when
 * done, NGX_AGAIN while Redis is asked (the request is resumed).
 */
ngx_int_t ngx_http_uc_flags_handler(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);


#endif /* _NGX_HTTP_USERCENTER_FLAGS_H_INCLUDED_ */
