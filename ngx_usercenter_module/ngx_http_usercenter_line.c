
/*
 * usercenter gateway module: business lines at the edge.
 *
 * Every request to a location of a business line reads the line's record,
 * <prefix>{l:<line>} (a hash the backend writes from its store), through
 * the near-cache: a suspended line is refused with 403
 * business_line_suspended on every gateway within a second of the change,
 * without a Redis read per request. A line without a record is active
 * (gateways may name lines before operators record them), and so is one
 * whose record cannot be read while Redis is down: suspending a line is an
 * operator's stop, and an outage of Redis must not stop every line. A
 * record admits only with the status "active".
 */


#include "ngx_http_usercenter_line.h"
#include "ngx_http_usercenter_record.h"
#include "ngx_http_usercenter_session.h"


/* the fields the backend writes: status, name, policy; room to grow */
#define NGX_HTTP_UC_LINE_FIELDS  16


ngx_int_t
ngx_http_uc_line_check(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_int_t                 rc;
    uc_str_t                 *status;
    ngx_http_uc_record_t     *rec;
    ngx_http_uc_main_conf_t  *umcf;

    if (ctx->line_checked || ctx->business_line.len == 0) {
        return NGX_DECLINED;
    }

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->conn == NULL) {
        ctx->line_checked = 1;
        return NGX_DECLINED;
    }

    rec = ctx->line;

    if (rec == NULL) {
        rec = ngx_pcalloc(r->pool, sizeof(ngx_http_uc_record_t));
        if (rec == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rec->request = r;
        rec->max = NGX_HTTP_UC_LINE_FIELDS;
        rec->key_len = uc_key_line((char *) rec->key,
                                   (const char *) umcf->redis.prefix.data,
                                   umcf->redis.prefix.len,
                                   (const char *) ctx->business_line.data,
                                   ctx->business_line.len);
        ctx->line = rec;
    }

    rc = ngx_http_uc_record_read(rec);

    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->line_checked = 1;

    /* info: while Redis is down this is every request's */
    if (rec->result == NGX_HTTP_UC_RECORD_UNKNOWN) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "usercenter: the status of business line \"%V\" "
                      "cannot be read; taken as active", &ctx->business_line);
        return NGX_DECLINED;
    }

    if (rec->result == NGX_HTTP_UC_RECORD_ABSENT) {
        return NGX_DECLINED;
    }

    /* a record admits only when it says active: any other status (one a
       later backend may write) refuses */
    status = ngx_http_uc_record_field(rec, "status", sizeof("status") - 1);

    if (status != NULL && status->len == sizeof("active") - 1
        && ngx_memcmp(status->data, "active", status->len) == 0)
    {
        return NGX_DECLINED;
    }

    return ngx_http_uc_reject_json(r, NGX_HTTP_FORBIDDEN,
                                   "business_line_suspended",
                                   "this business line is suspended");
}
