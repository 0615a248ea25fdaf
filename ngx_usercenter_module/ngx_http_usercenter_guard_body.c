
/*
 * usercenter gateway module: what the registration guard reads from a
 * request: the body's fields (JSON or a form), the client's networks and
 * its device.
 */


#include "ngx_http_usercenter_guard.h"
#include "ngx_http_usercenter_session.h"

#include "uc_ident.h"


/*
 * The fields that matter, from JSON or a form; 400/415 for bad bodies. The
 * identifier is the one the backend will act on (uc_ident.h): the
 * endpoint's own field, with no other identifier field beside it.
 */
ngx_int_t
ngx_http_uc_guard_fields(ngx_http_request_t *r, ngx_str_t *body,
    ngx_http_uc_guard_fields_t *f)
{
    int                      honeypot;
    u_char                  *at, *p;
    ngx_str_t                value, *ctype;
    uc_ident_t              *id;
    uc_body_rc_e             rc;
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);
    ctype = r->headers_in.content_type ? &r->headers_in.content_type->value
                                       : NULL;

    id = ngx_palloc(r->pool, sizeof(uc_ident_t));
    if (id == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    uc_ident_init(id, uc_ident_field_of((const char *) r->uri.data,
                                        r->uri.len));

    rc = uc_ident_body(id, ctype ? (const char *) ctype->data : NULL,
                       ctype ? ctype->len : 0, (const char *) body->data,
                       body->len, (const char *) ulcf->guard_honeypot.data,
                       ulcf->guard_honeypot.len, &honeypot);

    if (rc == UC_BODY_MALFORMED) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_BAD_REQUEST,
                                       "malformed_json",
                                       "the body must be a JSON object");
    }

    if (rc == UC_BODY_MEDIA) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                       "unsupported_media_type",
                                       "send JSON or a form");
    }

    f->honeypot = honeypot;

    if (id->rc == UC_IDENT_CONFLICT) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_BAD_REQUEST,
                                       "conflicting_identifiers",
                                       uc_ident_strerror(id->rc));
    }

    if (id->rc == UC_IDENT_TOO_LONG) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_BAD_REQUEST,
                                       "identifier_too_long",
                                       uc_ident_strerror(id->rc));
    }

    if (id->value == NULL) {
        return NGX_OK;
    }

    value.len = id->len;
    value.data = (u_char *) id->buf;

    if (ngx_strlchr(value.data, value.data + value.len, '@') == NULL) {
        f->phone = value;
        return NGX_OK;
    }

    f->email = value;

    /* the e-mail's domain, lower case, for the lists */

    at = ngx_strlchr(f->email.data, f->email.data + f->email.len, '@');

    while (at != NULL
           && (p = ngx_strlchr(at + 1, f->email.data + f->email.len, '@'))
              != NULL)
    {
        at = p;
    }

    if (at != NULL && at + 1 < f->email.data + f->email.len) {
        f->domain.len = f->email.data + f->email.len - at - 1;
        f->domain.data = ngx_pnalloc(r->pool, f->domain.len);
        if (f->domain.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_strlow(f->domain.data, at + 1, f->domain.len);
    }

    return NGX_OK;
}


/* The client's network: the /24 of an IPv4 address, the /64 of IPv6. */
ngx_str_t
ngx_http_uc_guard_network(ngx_http_request_t *r)
{
    u_char               *p;
    ngx_str_t             net;
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    ngx_str_null(&net);

    p = ngx_pnalloc(r->pool, NGX_SOCKADDR_STRLEN);
    if (p == NULL) {
        return net;
    }

    switch (r->connection->sockaddr->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) r->connection->sockaddr;
        net.data = p;
        net.len = ngx_sprintf(p, "%ud.%ud.%ud.0/24",
                              ((u_char *) &sin->sin_addr)[0],
                              ((u_char *) &sin->sin_addr)[1],
                              ((u_char *) &sin->sin_addr)[2]) - p;
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        net.data = p;
        net.len = ngx_sprintf(p, "%xd:%xd:%xd:%xd::/64",
                  sin6->sin6_addr.s6_addr[0] << 8 | sin6->sin6_addr.s6_addr[1],
                  sin6->sin6_addr.s6_addr[2] << 8 | sin6->sin6_addr.s6_addr[3],
                  sin6->sin6_addr.s6_addr[4] << 8 | sin6->sin6_addr.s6_addr[5],
                  sin6->sin6_addr.s6_addr[6] << 8 | sin6->sin6_addr.s6_addr[7])
                  - p;
        break;
#endif
    }

    return net;
}


/*
 * The forms an IP list entry may take for this client: the address, and
 * its /24, /16, /8 (IPv4) or /64, /48, /32 (IPv6) written as networks.
 */
void
ngx_http_uc_guard_cidrs(ngx_http_request_t *r, ngx_str_t *out)
{
    u_char               *p, *b;
    ngx_uint_t            i;
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    u_char               *a;
    struct sockaddr_in6  *sin6;
#endif

    out[0] = r->connection->addr_text;

    for (i = 1; i < 4; i++) {
        ngx_str_null(&out[i]);
    }

    p = ngx_pnalloc(r->pool, 3 * 48);
    if (p == NULL) {
        return;
    }

    switch (r->connection->sockaddr->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) r->connection->sockaddr;
        b = (u_char *) &sin->sin_addr;

        out[1].data = p;
        out[1].len = ngx_sprintf(p, "%ud.%ud.%ud.0/24", b[0], b[1], b[2]) - p;
        out[2].data = p + 48;
        out[2].len = ngx_sprintf(p + 48, "%ud.%ud.0.0/16", b[0], b[1])
                     - (p + 48);
        out[3].data = p + 96;
        out[3].len = ngx_sprintf(p + 96, "%ud.0.0.0/8", b[0]) - (p + 96);
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        a = sin6->sin6_addr.s6_addr;

        out[1].data = p;
        out[1].len = ngx_sprintf(p, "%xd:%xd:%xd:%xd::/64",
                                 a[0] << 8 | a[1], a[2] << 8 | a[3],
                                 a[4] << 8 | a[5], a[6] << 8 | a[7]) - p;
        out[2].data = p + 48;
        out[2].len = ngx_sprintf(p + 48, "%xd:%xd:%xd::/48",
                                 a[0] << 8 | a[1], a[2] << 8 | a[3],
                                 a[4] << 8 | a[5]) - (p + 48);
        out[3].data = p + 96;
        out[3].len = ngx_sprintf(p + 96, "%xd:%xd::/32",
                                 a[0] << 8 | a[1], a[2] << 8 | a[3])
                     - (p + 96);
        break;
#endif
    }
}


ngx_str_t
ngx_http_uc_guard_device(ngx_http_request_t *r)
{
    ngx_str_t         dev;
    ngx_table_elt_t  *h;

    ngx_str_null(&dev);

    h = ngx_http_uc_find_header(r, "X-Device-Id", sizeof("X-Device-Id") - 1);

    /* the whole value: a longer one is refused, never cut to another id */
    if (h != NULL) {
        dev = h->value;
    }

    return dev;
}
