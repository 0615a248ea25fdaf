
/*
 * usercenter gateway module: business lines' servers calling in with a
 * service key (usercenter_auth service).
 */


#ifndef _NGX_HTTP_USERCENTER_SERVICE_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_SERVICE_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


/* NGX_DECLINED: admitted (X-UC-Service-Line set); NGX_AGAIN; or refused */
ngx_int_t ngx_http_uc_service_check(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);


#endif /* _NGX_HTTP_USERCENTER_SERVICE_H_INCLUDED_ */
