
/*
 * usercenter gateway module: the registration guard.
 */


#ifndef _NGX_HTTP_USERCENTER_GUARD_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_GUARD_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


#define NGX_HTTP_UC_GUARD_OFF             0
#define NGX_HTTP_UC_GUARD_ON              1
#define NGX_HTTP_UC_GUARD_SHADOW          2

/* the largest body the guard reads (in memory: its buffer is raised) */
#define NGX_HTTP_UC_GUARD_BODY_MAX        16384

/* signals, as the bits of the guard log line */
#define NGX_HTTP_UC_SIGNAL_HONEYPOT         0x01
#define NGX_HTTP_UC_SIGNAL_DISPOSABLE       0x02
#define NGX_HTTP_UC_SIGNAL_BLOCKED_IP       0x04
#define NGX_HTTP_UC_SIGNAL_BLOCKED_DOMAIN   0x08
#define NGX_HTTP_UC_SIGNAL_BLOCKED_PREFIX   0x10
#define NGX_HTTP_UC_SIGNAL_ALLOWED          0x80
#define NGX_HTTP_UC_SIGNAL_VELOCITY_IP      0x100   /* then net, device,
                                                       phone, e-mail */
#define NGX_HTTP_UC_SIGNAL_GEO_DENY         0x2000
#define NGX_HTTP_UC_SIGNAL_GEO_CHALLENGE    0x4000


typedef struct {
    ngx_str_t                     phone;
    ngx_str_t                     email;
    ngx_str_t                     domain;
    ngx_uint_t                    honeypot;
} ngx_http_uc_guard_fields_t;


ngx_int_t ngx_http_uc_guard_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_uc_guard_fields(ngx_http_request_t *r, ngx_str_t *body,
    ngx_http_uc_guard_fields_t *f);
ngx_str_t ngx_http_uc_guard_network(ngx_http_request_t *r);
void ngx_http_uc_guard_cidrs(ngx_http_request_t *r, ngx_str_t *out);
ngx_str_t ngx_http_uc_guard_device(ngx_http_request_t *r);
ngx_int_t ngx_http_uc_guard_risk_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
char *ngx_http_uc_guard_disposable_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_uc_guard_cmp(const void *one, const void *two);
char *ngx_http_uc_guard_velocity_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_uc_geoip_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_uc_guard_geo_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_uc_guard_geo(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx);
ngx_int_t ngx_http_uc_geo_country_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#endif /* _NGX_HTTP_USERCENTER_GUARD_H_INCLUDED_ */
