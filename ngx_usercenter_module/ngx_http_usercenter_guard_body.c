
/*
 * usercenter gateway module: what the registration guard reads from a
 * request: the body's fields (JSON or a form), the client's networks and
 * its device.
 */


#include "ngx_http_usercenter_guard.h"
#include "ngx_http_usercenter_session.h"

#include <jansson.h>


/* The fields that matter, from JSON or a form; 400/415 for bad bodies. */
ngx_int_t
ngx_http_uc_guard_fields(ngx_http_request_t *r, ngx_str_t *body,
    ngx_http_uc_guard_fields_t *f)
{
    u_char                  *at, *dst, *p, *last, *eq, *amp;
    size_t                   i;
    json_t                  *root, *v;
    ngx_str_t                name, value;
    ngx_str_t               *ctype;
    const char              *key;
    json_error_t             err;
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);
    ctype = r->headers_in.content_type ? &r->headers_in.content_type->value
                                       : NULL;

    if (ctype != NULL && ctype->len >= 16
        && ngx_strncasecmp(ctype->data, (u_char *) "application/json", 16)
           == 0)
    {
        root = json_loadb((const char *) body->data, body->len,
                          JSON_REJECT_DUPLICATES, &err);

        if (root == NULL || !json_is_object(root)) {
            json_decref(root);
            return ngx_http_uc_reject_json(r, NGX_HTTP_BAD_REQUEST,
                                           "malformed_json",
                                           "the body must be a JSON object");
        }

        json_object_foreach(root, key, v) {
            if (!json_is_string(v)) {
                continue;
            }

            value.data = (u_char *) json_string_value(v);
            value.len = json_string_length(v);

            if (ngx_strcmp(key, ulcf->guard_honeypot.data) == 0) {
                f->honeypot = value.len > 0;
                continue;
            }

            if (ngx_strcmp(key, "phone") == 0 || ngx_strcmp(key, "to") == 0
                || ngx_strcmp(key, "login") == 0
                || ngx_strcmp(key, "email") == 0)
            {
                p = ngx_pnalloc(r->pool, value.len);
                if (p == NULL) {
                    json_decref(root);
                    return NGX_HTTP_INTERNAL_SERVER_ERROR;
                }

                ngx_memcpy(p, value.data, value.len);
                value.data = p;

                if (ngx_strlchr(p, p + value.len, '@') != NULL) {
                    f->email = value;
                } else {
                    f->phone = value;
                }
            }
        }

        json_decref(root);

    } else if (ctype != NULL && ctype->len >= 33
               && ngx_strncasecmp(ctype->data,
                                  (u_char *) "application/x-www-form-urlencoded",
                                  33) == 0)
    {
        p = body->data;
        last = body->data + body->len;

        while (p < last) {
            amp = ngx_strlchr(p, last, '&');
            if (amp == NULL) {
                amp = last;
            }

            eq = ngx_strlchr(p, amp, '=');

            if (eq != NULL) {
                name.data = p;
                name.len = eq - p;

                value.data = ngx_pnalloc(r->pool, amp - eq);
                if (value.data == NULL) {
                    return NGX_HTTP_INTERNAL_SERVER_ERROR;
                }

                /* '+' is a space in forms; then %XX */
                for (i = 0; i < (size_t) (amp - eq - 1); i++) {
                    value.data[i] = eq[1 + i] == '+' ? ' ' : eq[1 + i];
                }

                dst = value.data;
                p = value.data;
                ngx_unescape_uri(&dst, &p, amp - eq - 1, 0);
                value.len = dst - value.data;

                if (name.len == ulcf->guard_honeypot.len
                    && ngx_strncmp(name.data, ulcf->guard_honeypot.data,
                                   name.len) == 0)
                {
                    f->honeypot = value.len > 0;

                } else if ((name.len == 5
                            && ngx_strncmp(name.data, "phone", 5) == 0)
                           || (name.len == 5
                               && ngx_strncmp(name.data, "email", 5) == 0)
                           || (name.len == 2
                               && ngx_strncmp(name.data, "to", 2) == 0)
                           || (name.len == 5
                               && ngx_strncmp(name.data, "login", 5) == 0))
                {
                    if (ngx_strlchr(value.data, value.data + value.len, '@')
                        != NULL)
                    {
                        f->email = value;
                    } else {
                        f->phone = value;
                    }
                }
            }

            p = amp + 1;
        }

    } else {
        return ngx_http_uc_reject_json(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                       "unsupported_media_type",
                                       "send JSON or a form");
    }

    /* the e-mail's domain, lower case, for the lists */

    if (f->email.len) {
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

    if (h != NULL) {
        dev = h->value;
        dev.len = ngx_min(dev.len, 128);
    }

    return dev;
}
