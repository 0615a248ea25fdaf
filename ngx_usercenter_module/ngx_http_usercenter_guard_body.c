
/*
 * usercenter gateway module: the registration guard's reading of a body
 * (JSON or a form) into the fields it scores.
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
