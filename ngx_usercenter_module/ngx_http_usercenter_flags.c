
/*
 * usercenter gateway module: feature flags at the edge.
 *
 * After the session verdict, "usercenter_flags on" reads the business
 * line's flag hash (through the near-cache: ngx_http_usercenter_record.c)
 * and evaluates each
 * rule for the request's user, merchant and auth level with the same libuc
 * code the backend uses. The names of the flags that are on go to the
 * upstream in X-UC-Flags and to $uc_flags, sorted, comma-separated.
 *
 * When Redis fails and no copy is young enough, every flag is off: a
 * feature nobody can confirm stays dark.
 */


#include "ngx_http_usercenter_flags.h"
#include "ngx_http_usercenter_record.h"

#include "uc_flags.h"


static ngx_int_t ngx_http_uc_flags_eval(ngx_http_uc_ctx_t *ctx,
    uc_str_t *vals, size_t n, ngx_uint_t fresh);
static int ngx_http_uc_flags_cmp(const void *one, const void *two);


ngx_int_t
ngx_http_uc_flags_handler(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_int_t                 rc;
    ngx_http_uc_record_t     *rec;
    ngx_http_uc_main_conf_t  *umcf;

    if (ctx->flags_done) {
        return NGX_DECLINED;
    }

    rec = ctx->flags_rec;

    if (rec == NULL) {
        /* no business line here: no flags */
        if (ctx->business_line.len == 0) {
            ctx->flags_done = 1;
            return NGX_DECLINED;
        }

        umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

        rec = ngx_pcalloc(r->pool, sizeof(ngx_http_uc_record_t));
        if (rec == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rec->request = r;
        rec->max = UC_FLAGS_MAX;
        rec->key_len = uc_key_flags((char *) rec->key,
                                    (const char *) umcf->redis.prefix.data,
                                    umcf->redis.prefix.len,
                                    (const char *) ctx->business_line.data,
                                    ctx->business_line.len);
        ctx->flags_rec = rec;
    }

    rc = ngx_http_uc_record_read(rec);

    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    ctx->flags_done = 1;

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* Redis failed and no copy is young enough: a feature nobody can
       confirm stays dark (an unreadable hash was logged by the reader) */
    if (rec->result == NGX_HTTP_UC_RECORD_UNKNOWN) {
        if (rec->failed) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "usercenter: flags of \"%V\" unavailable, all off",
                          &ctx->business_line);
        }

        return NGX_DECLINED;
    }

    if (rec->result == NGX_HTTP_UC_RECORD_ABSENT) {
        return NGX_DECLINED;
    }

    return ngx_http_uc_flags_eval(ctx, (uc_str_t *) rec->vals, rec->n,
                                  rec->fresh);
}


/*
 * vals: name, rule, name, rule, ... as HGETALL gives them. A malformed rule
 * is reported when read from Redis (fresh), not on every cached use.
 */
static ngx_int_t
ngx_http_uc_flags_eval(ngx_http_uc_ctx_t *ctx, uc_str_t *vals, size_t n,
    ngx_uint_t fresh)
{
    u_char              *p;
    size_t               i, len;
    ngx_str_t           *on, *name;
    ngx_uint_t           level, j, count;
    uc_flag_t            f;
    ngx_str_t            uid, mid;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ctx->status == NGX_HTTP_UC_SESSION_VALID) {
        uid = ctx->uid;
        mid = ctx->merchant;
        level = ctx->level;

    } else {
        ngx_str_null(&uid);
        ngx_str_null(&mid);
        level = 0;
    }

    on = ngx_palloc(r->pool, (n / 2 + 1) * sizeof(ngx_str_t));
    if (on == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    count = 0;
    len = 0;

    for (i = 0; i + 1 < n; i += 2) {
        if (!uc_flag_name_valid(vals[i].data, vals[i].len)) {
            continue;
        }

        if (uc_flag_parse(vals[i + 1].data, vals[i + 1].len, &f) != 0) {
            if (!fresh) {
                continue;
            }

            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "usercenter: flag \"%*s\" of \"%V\" has a "
                          "malformed rule, it is off", vals[i].len,
                          vals[i].data, &ctx->business_line);
            continue;
        }

        if (uc_flag_eval(&f, vals[i].data, vals[i].len,
                         (const char *) uid.data, uid.len,
                         (const char *) mid.data, mid.len, level))
        {
            on[count].data = (u_char *) vals[i].data;
            on[count].len = vals[i].len;
            len += vals[i].len + 1;
            count++;
        }
    }

    if (count == 0) {
        return NGX_DECLINED;
    }

    ngx_qsort(on, count, sizeof(ngx_str_t), ngx_http_uc_flags_cmp);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->flags.data = p;

    for (j = 0; j < count; j++) {
        name = &on[j];

        if (j > 0) {
            *p++ = ',';
        }

        p = ngx_cpymem(p, name->data, name->len);
    }

    ctx->flags.len = p - ctx->flags.data;

    return NGX_DECLINED;
}


static int
ngx_http_uc_flags_cmp(const void *one, const void *two)
{
    const ngx_str_t  *a = one, *b = two;

    return (int) ngx_memn2cmp(a->data, b->data, a->len, b->len);
}
