
/*
 * usercenter gateway module: $uc_* variables.
 *
 * They read the request's session check result; before the ACCESS phase
 * has run, or where the check is off, they are empty.
 */


#include "ngx_http_usercenter_variables.h"
#include "ngx_http_usercenter_guard.h"
#include "ngx_http_usercenter_limit.h"


typedef enum {
    NGX_HTTP_UC_VAR_USER_ID = 0,
    NGX_HTTP_UC_VAR_SESSION_ID,
    NGX_HTTP_UC_VAR_AUTH_LEVEL,
    NGX_HTTP_UC_VAR_BUSINESS_LINE,
    NGX_HTTP_UC_VAR_MERCHANT_ID,
    NGX_HTTP_UC_VAR_MERCHANT_ROLE,
    NGX_HTTP_UC_VAR_SESSION_STATUS,
    NGX_HTTP_UC_VAR_CACHE_STATUS,
    NGX_HTTP_UC_VAR_FLAGS,
    NGX_HTTP_UC_VAR_SERVICE_LINE,
    NGX_HTTP_UC_VAR_SERVICE_KEY_ID
} ngx_http_uc_var_e;


static ngx_int_t ngx_http_uc_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_uc_vars[] = {

    { ngx_string("uc_user_id"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_USER_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_session_id"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_SESSION_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_auth_level"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_AUTH_LEVEL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_business_line"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_BUSINESS_LINE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_merchant_id"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_MERCHANT_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_merchant_role"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_MERCHANT_ROLE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_session_status"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_SESSION_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_cache_status"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_CACHE_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_flags"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_FLAGS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_service_line"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_SERVICE_LINE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_service_key_id"), NULL, ngx_http_uc_variable,
      NGX_HTTP_UC_VAR_SERVICE_KEY_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_limit_status"), NULL, ngx_http_uc_limit_status_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_risk"), NULL, ngx_http_uc_guard_risk_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("uc_geo_country"), NULL, ngx_http_uc_geo_country_variable,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_str_t  ngx_http_uc_status_names[] = {
    ngx_string("none"),
    ngx_string("valid"),
    ngx_string("invalid"),
    ngx_string("expired"),
    ngx_string("error")
};

/* follows ngx_http_uc_cache_status_e */
static ngx_str_t  ngx_http_uc_cache_names[] = {
    ngx_string("BYPASS"),
    ngx_string("MISS"),
    ngx_string("HIT"),
    ngx_string("STALE")
};

static u_char  ngx_http_uc_digits[] = "01234";


ngx_int_t
ngx_http_uc_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_uc_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_uc_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    ngx_str_t                *s;
    ngx_http_uc_ctx_t        *ctx;
    ngx_http_uc_main_conf_t  *umcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_usercenter_module);

    /* a business line's server admitted by its key (no session) */
    if (data == NGX_HTTP_UC_VAR_SERVICE_LINE
        || data == NGX_HTTP_UC_VAR_SERVICE_KEY_ID)
    {
        if (ctx == NULL || !ctx->service_done) {
            v->not_found = 1;
            return NGX_OK;
        }

        s = data == NGX_HTTP_UC_VAR_SERVICE_LINE ? &ctx->business_line
                                                 : &ctx->service_key_id;
        v->len = s->len;
        v->data = s->data;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;
    }

    if (ctx == NULL || !ctx->done) {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {

    case NGX_HTTP_UC_VAR_USER_ID:
        s = ctx->status == NGX_HTTP_UC_SESSION_VALID ? &ctx->uid : NULL;
        break;

    case NGX_HTTP_UC_VAR_SESSION_ID:
        s = ctx->status == NGX_HTTP_UC_SESSION_VALID
            || ctx->status == NGX_HTTP_UC_SESSION_ERROR ? &ctx->sid : NULL;
        break;

    case NGX_HTTP_UC_VAR_AUTH_LEVEL:
        v->len = 1;
        v->data = &ngx_http_uc_digits[ctx->status
                                      == NGX_HTTP_UC_SESSION_VALID
                                      ? ctx->level : 0];
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;

    case NGX_HTTP_UC_VAR_BUSINESS_LINE:
        s = &ctx->business_line;
        break;

    case NGX_HTTP_UC_VAR_MERCHANT_ID:
        s = ctx->status == NGX_HTTP_UC_SESSION_VALID ? &ctx->merchant : NULL;
        break;

    case NGX_HTTP_UC_VAR_MERCHANT_ROLE:
        s = ctx->status == NGX_HTTP_UC_SESSION_VALID ? &ctx->merchant_role
                                                     : NULL;
        break;

    case NGX_HTTP_UC_VAR_CACHE_STATUS:
        umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

        /* only a well-signed token is ever looked up */
        s = umcf->cache != NULL && ctx->sid.len
            ? &ngx_http_uc_cache_names[ctx->cache_status] : NULL;
        break;

    case NGX_HTTP_UC_VAR_FLAGS:
        s = &ctx->flags;
        break;

    default: /* NGX_HTTP_UC_VAR_SESSION_STATUS */
        s = &ngx_http_uc_status_names[ctx->status];
        break;
    }

    if (s == NULL || s->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = s->len;
    v->data = s->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
