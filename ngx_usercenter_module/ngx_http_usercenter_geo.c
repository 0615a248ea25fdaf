
/*
 * usercenter gateway module: country and ASN of the client from a MaxMind
 * database (libmaxminddb), for the registration guard's policy and
 * $uc_geo_country. The database is opened with MMDB_MODE_MMAP when the
 * configuration loads: a lookup in a worker is a read of mapped memory.
 */


#include "ngx_http_usercenter_guard.h"

#include <maxminddb.h>


#define ngx_http_uc_letter(c)  (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')


static void
ngx_http_uc_geoip_cleanup(void *data)
{
    MMDB_close(data);
}


/* usercenter_geoip /path/to/country-or-asn.mmdb; */
char *
ngx_http_uc_geoip_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_uc_main_conf_t *umcf = conf;

    int                  rc;
    ngx_str_t           *value;
    ngx_pool_cleanup_t  *cln;

    if (umcf->mmdb != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(MMDB_s));
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    rc = MMDB_open((const char *) value[1].data, MMDB_MODE_MMAP, cln->data);

    if (rc != MMDB_SUCCESS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "usercenter_geoip: \"%V\": %s", &value[1],
                           MMDB_strerror(rc));
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_uc_geoip_cleanup;
    umcf->mmdb = cln->data;

    return NGX_CONF_OK;
}


/*
 * usercenter_guard_geo deny|challenge CODE...; with CODE a two-letter
 * country ("KP") or an autonomous system ("AS64500").
 */
char *
ngx_http_uc_guard_geo_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_uc_loc_conf_t *ulcf = conf;

    ngx_str_t    *value, *code;
    ngx_uint_t    i, which;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "deny") == 0) {
        which = 0;

    } else if (ngx_strcmp(value[1].data, "challenge") == 0) {
        which = 1;

    } else {
        return "takes deny or challenge, then codes";
    }

    if (ulcf->guard_geo[which] == NULL) {
        ulcf->guard_geo[which] = ngx_array_create(cf->pool, 8,
                                                  sizeof(ngx_str_t));
        if (ulcf->guard_geo[which] == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    for (i = 2; i < cf->args->nelts; i++) {
        if (!(value[i].len == 2
              && ngx_http_uc_letter(value[i].data[0])
              && ngx_http_uc_letter(value[i].data[1]))
            && !(value[i].len > 2 && ngx_strncmp(value[i].data, "AS", 2) == 0
                 && ngx_atoi(value[i].data + 2, value[i].len - 2)
                    != NGX_ERROR))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is neither a country code nor AS<n>",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        code = ngx_array_push(ulcf->guard_geo[which]);
        if (code == NULL) {
            return NGX_CONF_ERROR;
        }

        *code = value[i];

        if (code->len == 2) {
            code->data[0] = ngx_toupper(code->data[0]);
            code->data[1] = ngx_toupper(code->data[1]);
        }
    }

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_uc_geo_listed(ngx_array_t *list, u_char *country, size_t len,
    ngx_str_t *asn)
{
    ngx_str_t   *codes;
    ngx_uint_t   i;

    if (list == NULL) {
        return 0;
    }

    codes = list->elts;

    for (i = 0; i < list->nelts; i++) {
        if ((len == 2 && codes[i].len == 2
             && ngx_strncmp(codes[i].data, country, 2) == 0)
            || (asn->len && codes[i].len == asn->len
                && ngx_strncmp(codes[i].data, asn->data, asn->len) == 0))
        {
            return 1;
        }
    }

    return 0;
}


/* Scores the client's country and ASN; remembers the country. */
void
ngx_http_uc_guard_geo(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    int                       mmdb_error;
    u_char                    asn_buf[16];
    ngx_str_t                 asn;
    MMDB_entry_data_s         data;
    MMDB_lookup_result_s      res;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->mmdb == NULL) {
        return;
    }

    res = MMDB_lookup_sockaddr(umcf->mmdb, r->connection->sockaddr,
                               &mmdb_error);

    if (mmdb_error != MMDB_SUCCESS || !res.found_entry) {
        return;
    }

    if (MMDB_get_value(&res.entry, &data, "country", "iso_code", NULL)
           == MMDB_SUCCESS
        && data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING
        && data.data_size == 2)
    {
        ngx_memcpy(ctx->geo_country, data.utf8_string, 2);
    }

    ngx_str_null(&asn);

    if (MMDB_get_value(&res.entry, &data, "autonomous_system_number", NULL)
           == MMDB_SUCCESS
        && data.has_data && data.type == MMDB_DATA_TYPE_UINT32)
    {
        asn.data = asn_buf;
        asn.len = ngx_sprintf(asn_buf, "AS%uD", data.uint32) - asn_buf;
    }

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (ngx_http_uc_geo_listed(ulcf->guard_geo[0], ctx->geo_country,
                               ctx->geo_country[0] ? 2 : 0, &asn))
    {
        ctx->guard_score += 100;
        ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_GEO_DENY;

    } else if (ngx_http_uc_geo_listed(ulcf->guard_geo[1], ctx->geo_country,
                                      ctx->geo_country[0] ? 2 : 0, &asn))
    {
        ctx->guard_score += 40;
        ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_GEO_CHALLENGE;
    }
}


ngx_int_t
ngx_http_uc_geo_country_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_uc_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_usercenter_module);

    if (ctx == NULL || ctx->geo_country[0] == '\0') {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = 2;
    v->data = ctx->geo_country;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
