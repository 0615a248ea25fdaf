
/*
 * usercenter gateway module: a session acting for a merchant.
 */


#ifndef _NGX_HTTP_USERCENTER_MERCHANT_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_MERCHANT_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


/*
 * For a valid session that acts for a merchant: 403 merchant_forbidden
 * unless the merchant is active (and so on the location's business line)
 * and the user still a member; sets ctx->merchant_role. NGX_DECLINED: go
 * on; NGX_AGAIN: a record is being read; else what the access handler
 * returns. With "usercenter_merchant off" the merchant is dropped.
 */
ngx_int_t ngx_http_uc_merchant_check(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);


#endif /* _NGX_HTTP_USERCENTER_MERCHANT_H_INCLUDED_ */
