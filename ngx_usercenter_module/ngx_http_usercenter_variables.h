
/*
 * usercenter gateway module: $uc_* variables.
 */


#ifndef _NGX_HTTP_USERCENTER_VARIABLES_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_VARIABLES_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


ngx_int_t ngx_http_uc_add_variables(ngx_conf_t *cf);


#endif /* _NGX_HTTP_USERCENTER_VARIABLES_H_INCLUDED_ */
