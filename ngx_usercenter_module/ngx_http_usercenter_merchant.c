
/*
 * usercenter gateway module: acting for a merchant.
 *
 * A session may act for a merchant (its record's "mid", set by the backend
 * when a member asks). Each request of such a session reads two records
 * through the near-cache, so neither costs a Redis read while it is
 * unchanged, and a change reaches every gateway within a second:
 *
 *   <prefix>{m:<mid>}           status, certification ("certified":
 *                               a certified person acting for it is at
 *                               level 4), and line:<code> -> its status
 *                               on that line
 *   <prefix>{m:<mid>}:u:<uid>   role (owner, admin, staff; "" once removed)
 *
 * The request passes only when the merchant is active, enabled and active
 * on the location's business line (when it has one), and the user still
 * a member; then the upstream gets X-UC-Merchant-Id and X-UC-Merchant-Role
 * (the role the membership says now, not when the session switched).
 * Anything else is 403 merchant_forbidden with the reason. Acting for a
 * merchant is a privilege, so a record that cannot be read (Redis down
 * and no copy young enough) is 503 merchant_unverifiable, never a pass.
 */


#include "ngx_http_usercenter_merchant.h"
#include "ngx_http_usercenter_record.h"
#include "ngx_http_usercenter_session.h"


/* status, version, and one line:<code> per business line it is on */
#define NGX_HTTP_UC_MERCHANT_FIELDS  (8 + 256)
#define NGX_HTTP_UC_MEMBER_FIELDS    4


static ngx_http_uc_record_t *
ngx_http_uc_merchant_record(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    ngx_uint_t member)
{
    ngx_http_uc_record_t     *rec;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    rec = ngx_pcalloc(r->pool, sizeof(ngx_http_uc_record_t));
    if (rec == NULL) {
        return NULL;
    }

    rec->request = r;

    if (member) {
        rec->max = NGX_HTTP_UC_MEMBER_FIELDS;
        rec->key_len = uc_key_merchant_member((char *) rec->key,
                           (const char *) umcf->redis.prefix.data,
                           umcf->redis.prefix.len,
                           (const char *) ctx->merchant.data,
                           ctx->merchant.len,
                           (const char *) ctx->uid.data, ctx->uid.len);
    } else {
        rec->max = NGX_HTTP_UC_MERCHANT_FIELDS;
        rec->key_len = uc_key_merchant((char *) rec->key,
                           (const char *) umcf->redis.prefix.data,
                           umcf->redis.prefix.len,
                           (const char *) ctx->merchant.data,
                           ctx->merchant.len);
    }

    return rec;
}


static ngx_uint_t
ngx_http_uc_merchant_is(uc_str_t *v, const char *word)
{
    size_t  len;

    len = ngx_strlen(word);

    return v != NULL && v->len == len && ngx_memcmp(v->data, word, len) == 0;
}


static ngx_int_t
ngx_http_uc_merchant_refuse(ngx_http_request_t *r, const char *fmt,
    void *arg)
{
    u_char  *msg, *last;

    msg = ngx_pnalloc(r->pool, 256);
    if (msg == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    last = ngx_snprintf(msg, 255, fmt, arg);
    *last = '\0';

    return ngx_http_uc_reject_json(r, NGX_HTTP_FORBIDDEN,
                                   "merchant_forbidden", (const char *) msg);
}


/* The merchant's own record: active, and so on this line. */
static ngx_int_t
ngx_http_uc_merchant_judge(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    ngx_http_uc_record_t *rec)
{
    u_char     name[5 + UC_LINE_MAX];
    uc_str_t  *status, *on_line;

    if (rec->result == NGX_HTTP_UC_RECORD_ABSENT) {
        return ngx_http_uc_merchant_refuse(r,
                   "the session acts for merchant \\\"%V\\\", which does not "
                   "exist", &ctx->merchant);
    }

    status = ngx_http_uc_record_field(rec, "status", sizeof("status") - 1);

    if (!ngx_http_uc_merchant_is(status, "active")) {
        /* the record's words are not echoed: only the ones known here */
        return ngx_http_uc_merchant_refuse(r, "%s",
                   ngx_http_uc_merchant_is(status, "frozen")
                   ? "the merchant is frozen"
                   : ngx_http_uc_merchant_is(status, "closed")
                   ? "the merchant is closed"
                   : ngx_http_uc_merchant_is(status, "pending")
                   ? "the merchant is not approved yet"
                   : "the merchant is not active");
    }

    if (ctx->business_line.len == 0) {
        return NGX_DECLINED;
    }

    ngx_memcpy(name, "line:", 5);
    ngx_memcpy(name + 5, ctx->business_line.data, ctx->business_line.len);

    on_line = ngx_http_uc_record_field(rec, (const char *) name,
                                       5 + ctx->business_line.len);

    if (on_line == NULL) {
        return ngx_http_uc_merchant_refuse(r,
                   "the merchant is not enabled on business line \\\"%V\\\"",
                   &ctx->business_line);
    }

    if (!ngx_http_uc_merchant_is(on_line, "active")) {
        return ngx_http_uc_merchant_refuse(r,
                   "the merchant is suspended on business line \\\"%V\\\"",
                   &ctx->business_line);
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_uc_merchant_check(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_int_t                 rc;
    uc_str_t                 *role, *cert;
    ngx_http_uc_record_t     *rec, *merchant, *member;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    if (ctx->merchant_checked || ctx->status != NGX_HTTP_UC_SESSION_VALID
        || ctx->merchant.len == 0)
    {
        return NGX_DECLINED;
    }

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);
    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    /* off: this location ignores the merchant; no merchant headers */
    if (!ulcf->merchant || umcf->conn == NULL) {
        ctx->merchant_checked = 1;
        ngx_str_null(&ctx->merchant);
        return NGX_DECLINED;
    }

    if (ctx->merchant_rec == NULL) {
        ctx->merchant_rec = ngx_http_uc_merchant_record(r, ctx, 0);
        ctx->member_rec = ngx_http_uc_merchant_record(r, ctx, 1);

        if (ctx->merchant_rec == NULL || ctx->member_rec == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    rec = ctx->merchant_rec;
    rc = ngx_http_uc_record_read(rec);

    if (rc != NGX_OK) {
        return rc == NGX_AGAIN ? NGX_AGAIN : NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rec->result != NGX_HTTP_UC_RECORD_UNKNOWN) {
        rec = ctx->member_rec;
        rc = ngx_http_uc_record_read(rec);

        if (rc != NGX_OK) {
            return rc == NGX_AGAIN ? NGX_AGAIN
                                   : NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ctx->merchant_checked = 1;

    merchant = ctx->merchant_rec;
    member = ctx->member_rec;

    if (merchant->result == NGX_HTTP_UC_RECORD_UNKNOWN
        || member->result == NGX_HTTP_UC_RECORD_UNKNOWN)
    {
        return ngx_http_uc_reject_json(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "merchant_unverifiable",
                   "the merchant cannot be checked right now, try again "
                   "shortly");
    }

    rc = ngx_http_uc_merchant_judge(r, ctx, merchant);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    role = ngx_http_uc_record_field(member, "role",
                                    sizeof("role") - 1);

    if (!ngx_http_uc_merchant_is(role, "owner")
        && !ngx_http_uc_merchant_is(role, "admin")
        && !ngx_http_uc_merchant_is(role, "staff"))
    {
        return ngx_http_uc_merchant_refuse(r,
                   "you are no longer a member of merchant \\\"%V\\\"",
                   &ctx->merchant);
    }

    /* the record's value lives in the request's pool */
    ctx->merchant_role.data = (u_char *) role->data;
    ctx->merchant_role.len = role->len;

    /*
     * Level 4: a certified person (level 3) acting for a certified
     * merchant (enterprise certification). Levels build on each other, so
     * a member below 3 stays where they are; the location's
     * usercenter_auth_level, the headers and $uc_auth_level all see 4.
     */
    cert = ngx_http_uc_record_field(merchant, "certification",
                                    sizeof("certification") - 1);

    if (ngx_http_uc_merchant_is(cert, "certified")
        && ctx->level == UC_LEVEL_MAX - 1)
    {
        ctx->level = UC_LEVEL_MAX;
    }

    return NGX_DECLINED;
}
