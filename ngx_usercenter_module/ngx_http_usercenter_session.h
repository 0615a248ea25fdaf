
/*
 * usercenter gateway module: the session check in the ACCESS phase.
 */


#ifndef _NGX_HTTP_USERCENTER_SESSION_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_SESSION_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


ngx_int_t ngx_http_uc_access_handler(ngx_http_request_t *r);

/* Sends {"error":{"code":..,"message":..}}; the caller finalizes. */
ngx_int_t ngx_http_uc_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message);


ngx_int_t ngx_http_uc_send_error_extra(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message,
    ngx_str_t *extra);

void ngx_http_uc_resume(ngx_http_request_t *r);

/* Drops every X-UC-* header the client sent. */
ngx_int_t ngx_http_uc_strip_headers(ngx_http_request_t *r);
ngx_int_t ngx_http_uc_strip_handler(ngx_http_request_t *r);

/* Adds a header for the upstream; name must outlive the request. */
ngx_int_t ngx_http_uc_add_header(ngx_http_request_t *r, const char *name,
    size_t len, ngx_str_t *value);
ngx_table_elt_t *ngx_http_uc_find_header(ngx_http_request_t *r,
    const char *name, size_t len);

/* Sends the error envelope, finalizes the request, returns NGX_DONE. */
ngx_int_t ngx_http_uc_reject_json(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message);


#endif /* _NGX_HTTP_USERCENTER_SESSION_H_INCLUDED_ */
