
/*
 * usercenter gateway module: what the module writes into HTTP messages:
 * its own JSON answers, and the request headers it drops and adds.
 */


#include "ngx_http_usercenter_session.h"
#include "ngx_http_usercenter_guard.h"


ngx_int_t
ngx_http_uc_reject_json(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    ngx_int_t  rc;

    rc = ngx_http_uc_send_error(r, status, code, message);
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


ngx_int_t
ngx_http_uc_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    return ngx_http_uc_send_error_extra(r, status, code, message, NULL);
}


/* extra: more members of the top-level object, already JSON, or NULL */
ngx_int_t
ngx_http_uc_send_error_extra(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message, ngx_str_t *extra)
{
    size_t            len;
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *h;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    len = sizeof("{\"error\":{\"code\":\"\",\"message\":\"\"},}\n") - 1
          + ngx_strlen(code) + ngx_strlen(message)
          + (extra != NULL ? extra->len : 0);

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_ERROR;
    }

    /* codes and messages are constants of this module: nothing to escape */
    b->last = ngx_sprintf(b->pos, "{\"error\":{\"code\":\"%s\","
                          "\"message\":\"%s\"}", code, message);

    if (extra != NULL) {
        *b->last++ = ',';
        b->last = ngx_cpymem(b->last, extra->data, extra->len);
    }

    *b->last++ = '}';
    *b->last++ = '\n';
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Cache-Control");
    ngx_str_set(&h->value, "no-store");
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    if (status == NGX_HTTP_UNAUTHORIZED || status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif

        if (status == NGX_HTTP_UNAUTHORIZED) {
            ngx_str_set(&h->key, "WWW-Authenticate");
            ngx_str_set(&h->value, "Bearer realm=\"usercenter\"");

        } else {
            ngx_str_set(&h->key, "Retry-After");
            ngx_str_set(&h->value, "1");
        }
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* The first request header of that name (case-insensitive), or NULL. */
ngx_table_elt_t *
ngx_http_uc_find_header(ngx_http_request_t *r, const char *name, size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/*
 * Every X-UC-* header is the gateway's to send. keep_pow: where the
 * registration guard reads the client's answer to its challenge
 * (X-UC-PoW) in the access phase, that one stays; it reaches only the
 * user center's own backend, and every other upstream never sees it.
 */
static ngx_uint_t
ngx_http_uc_is_identity_header(ngx_table_elt_t *h, ngx_uint_t keep_pow)
{
    return h->key.len > sizeof("x-uc-") - 1
           && ngx_strncasecmp(h->key.data, (u_char *) "x-uc-",
                              sizeof("x-uc-") - 1) == 0
           && !(keep_pow
                && h->key.len == sizeof("x-uc-pow") - 1
                && ngx_strncasecmp(h->key.data, (u_char *) "x-uc-pow",
                                   sizeof("x-uc-pow") - 1) == 0);
}


/*
 * The first step of every request in every location, in the rewrite
 * phase: whatever else the location configures (a session check, only a
 * rate limit, nothing of this module at all) and whatever later handler
 * ends the access phase early (satisfy any), no client copy of an
 * identity header reaches an upstream.
 */
ngx_int_t
ngx_http_uc_strip_handler(ngx_http_request_t *r)
{
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    /*
     * A subrequest shares its parent's headers, stripped already and with
     * the gateway's own added since (auth_request must see them).
     */
    if (!ulcf->strip_identity || r != r->main) {
        return NGX_DECLINED;
    }

    if (ngx_http_uc_strip_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DECLINED;
}


/*
 * Drops every X-UC-* header the client sent. Elements cannot be removed
 * from an ngx_list_t in place without breaking the pointers that
 * r->headers_in keeps to known headers, so when a spoofed header is seen
 * (only hostile clients send them) the list is rebuilt from copies; the
 * known-header pointers keep pointing at the old, unchanged elements.
 */
ngx_int_t
ngx_http_uc_strip_headers(ngx_http_request_t *r)
{
    ngx_uint_t               i, found, keep_pow;
    ngx_list_t               old;
    ngx_list_part_t         *part;
    ngx_table_elt_t         *h, *copy;
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);
    keep_pow = ulcf->guard != NGX_HTTP_UC_GUARD_OFF;

    found = 0;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (ngx_http_uc_is_identity_header(&h[i], keep_pow)) {
            found++;
        }
    }

    if (found == 0) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "usercenter: dropped %ui identity header(s) sent by the "
                  "client", found);

    /* the list's "last" points into the list itself: init it in place */
    old = r->headers_in.headers;

    if (ngx_list_init(&r->headers_in.headers, r->pool, 20,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &old.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (ngx_http_uc_is_identity_header(&h[i], keep_pow)) {
            continue;
        }

        copy = ngx_list_push(&r->headers_in.headers);
        if (copy == NULL) {
            return NGX_ERROR;
        }

        *copy = h[i];
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_uc_add_header(ngx_http_request_t *r, const char *name, size_t len,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key.data = (u_char *) name;
    h->key.len = len;
    h->value = *value;

    h->lowcase_key = ngx_pnalloc(r->pool, len);
    if (h->lowcase_key == NULL) {
        return NGX_ERROR;
    }

    h->hash = ngx_hash_strlow(h->lowcase_key, h->key.data, len);
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}
