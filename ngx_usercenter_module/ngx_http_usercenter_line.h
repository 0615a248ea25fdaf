
/*
 * usercenter gateway module: the business line's own record decides first.
 */


#ifndef _NGX_HTTP_USERCENTER_LINE_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_LINE_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


/*
 * In a location with usercenter_business_line, a suspended line answers
 * 403 business_line_suspended. NGX_DECLINED: go on; NGX_AGAIN: its record
 * is being read; else what the access handler returns.
 */
ngx_int_t ngx_http_uc_line_check(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);


#endif /* _NGX_HTTP_USERCENTER_LINE_H_INCLUDED_ */
