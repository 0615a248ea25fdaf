
/*
 * usercenter gateway module: the registration guard's configuration (the
 * disposable domain list and the velocity limits).
 */


#include "ngx_http_usercenter_guard.h"


/* usercenter_guard_disposable FILE; one domain a line, "#" comments */
char *
ngx_http_uc_guard_disposable_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_uc_main_conf_t *umcf = conf;

    u_char       *p, *last, *eol, *start;
    ssize_t       n;
    ngx_str_t    *value, *d;
    ngx_file_t    file;
    ngx_file_info_t  fi;

    value = cf->args->elts;

    if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = value[1];
    file.log = cf->log;

    file.fd = ngx_open_file(value[1].data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 16 * 1024 * 1024)
    {
        ngx_close_file(file.fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a readable list of at most 16 MB",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, ngx_file_size(&fi) + 1);
    if (p == NULL) {
        ngx_close_file(file.fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, p, ngx_file_size(&fi), 0);
    ngx_close_file(file.fd);

    if (n == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    umcf->disposable = ngx_array_create(cf->pool, 1024, sizeof(ngx_str_t));
    if (umcf->disposable == NULL) {
        return NGX_CONF_ERROR;
    }

    last = p + n;

    while (p < last) {
        eol = ngx_strlchr(p, last, '\n');
        if (eol == NULL) {
            eol = last;
        }

        start = p;
        while (start < eol && (*start == ' ' || *start == '\t')) {
            start++;
        }

        while (eol > start && (eol[-1] == ' ' || eol[-1] == '\r'
                               || eol[-1] == '\t'))
        {
            eol--;
        }

        if (start < eol && *start != '#') {
            d = ngx_array_push(umcf->disposable);
            if (d == NULL) {
                return NGX_CONF_ERROR;
            }

            d->data = start;
            d->len = eol - start;
            ngx_strlow(d->data, d->data, d->len);
        }

        p = ngx_strlchr(p, last, '\n');
        p = p == NULL ? last : p + 1;
    }

    ngx_sort(umcf->disposable->elts, umcf->disposable->nelts,
             sizeof(ngx_str_t), ngx_http_uc_guard_cmp);

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_uc_guard_cmp(const void *one, const void *two)
{
    const ngx_str_t  *a = one, *b = two;

    return ngx_memn2cmp(a->data, b->data, a->len, b->len);
}


/*
 * usercenter_guard_velocity [ip=N] [net=N] [device=N] [phone=N] [email=N];
 * attempts per hour beyond which each adds 60 (0: not counted).
 */
char *
ngx_http_uc_guard_velocity_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_uc_loc_conf_t *ulcf = conf;

    static const char  *names[] = { "ip=", "net=", "device=", "phone=",
                                    "email=" };

    size_t       len;
    ngx_int_t    n;
    ngx_str_t   *value;
    ngx_uint_t   i, k;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        for (k = 0; k < 5; k++) {
            len = ngx_strlen(names[k]);

            if (value[i].len > len
                && ngx_strncmp(value[i].data, names[k], len) == 0)
            {
                break;
            }
        }

        if (k == 5) {
            goto invalid;
        }

        n = ngx_atoi(value[i].data + len, value[i].len - len);
        if (n == NGX_ERROR) {
            goto invalid;
        }

        ulcf->guard_velocity[k] = (ngx_uint_t) n;
    }

    ulcf->guard_velocity_set = 1;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}
