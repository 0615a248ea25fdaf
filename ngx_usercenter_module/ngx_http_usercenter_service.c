
/*
 * usercenter gateway module: service keys.
 *
 * A business line's server sends "Authorization: UC-Key <key id>.<secret>"
 * (the secret: 32 random bytes, base64url, shown once when the key was
 * made). The key's record, <prefix>{k:<key id>} (line, status, expiry and
 * the SHA-256 of the secret; the secret itself is kept nowhere), is read
 * through the near-cache, so a request costs no Redis read and a
 * revocation reaches every gateway within a second. The secret's digest
 * is compared in constant time. A bearer key over TLS rather than signed
 * requests: a signature needs the secret where it is checked, so every
 * gateway and Redis would hold it; a digest of a 256-bit random secret
 * lets them verify without being able to forge.
 *
 * The upstream gets X-UC-Service-Line and X-UC-Service-Key-Id (a client's
 * own copies are stripped with every X-UC-* header). Without Redis and
 * without a young enough copy the key cannot be verified: 503, closed.
 */


#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ngx_http_usercenter_service.h"
#include "ngx_http_usercenter_line.h"
#include "ngx_http_usercenter_limit.h"
#include "ngx_http_usercenter_record.h"
#include "ngx_http_usercenter_session.h"


#define NGX_HTTP_UC_KEY_ID_LEN      16      /* hex digits */
#define NGX_HTTP_UC_KEY_SECRET_LEN  43      /* 32 bytes, base64url */
#define NGX_HTTP_UC_KEY_FIELDS      8


typedef struct {
    ngx_http_uc_record_t   rec;
    ngx_str_t              kid;
    u_char                 digest[64];      /* hex SHA-256 of the secret */
} ngx_http_uc_service_t;


/* "UC-Key <kid>.<secret>": the two parts, or NGX_DECLINED when absent,
   NGX_ERROR when malformed */
static ngx_int_t
ngx_http_uc_service_parse(ngx_http_request_t *r, ngx_str_t *kid,
    ngx_str_t *secret)
{
    u_char     *p, *dot, *last;
    ngx_str_t  *auth;

    if (r->headers_in.authorization == NULL) {
        return NGX_DECLINED;
    }

    auth = &r->headers_in.authorization->value;

    if (auth->len < sizeof("UC-Key ") - 1
        || ngx_strncasecmp(auth->data, (u_char *) "UC-Key ",
                           sizeof("UC-Key ") - 1) != 0)
    {
        return NGX_ERROR;
    }

    p = auth->data + sizeof("UC-Key ") - 1;
    last = auth->data + auth->len;
    dot = ngx_strlchr(p, last, '.');

    /* the backend issues nothing else: no Redis read for anything else */
    if (dot == NULL || dot - p != NGX_HTTP_UC_KEY_ID_LEN
        || last - dot - 1 != NGX_HTTP_UC_KEY_SECRET_LEN)
    {
        return NGX_ERROR;
    }

    kid->data = p;
    kid->len = dot - p;
    secret->data = dot + 1;
    secret->len = NGX_HTTP_UC_KEY_SECRET_LEN;

    for ( /* void */ ; p < dot; p++) {
        if (!((*p >= 'a' && *p <= 'f') || (*p >= '0' && *p <= '9'))) {
            return NGX_ERROR;
        }
    }

    for (p = secret->data; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_uc_service_digest(ngx_str_t *secret, u_char *hex)
{
    u_char        md[EVP_MAX_MD_SIZE];
    unsigned int  len;

    if (EVP_Digest(secret->data, secret->len, md, &len, EVP_sha256(), NULL)
        != 1 || len != 32)
    {
        return NGX_ERROR;
    }

    ngx_hex_dump(hex, md, 32);

    return NGX_OK;
}


static ngx_int_t
ngx_http_uc_service_admitted(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_uc_line_check(r, ctx);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    return ngx_http_uc_limit_after_session(r, ctx);
}


static ngx_int_t
ngx_http_uc_service_refuse(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    return ngx_http_uc_reject_json(r, status, code, message);
}


ngx_int_t
ngx_http_uc_service_check(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    time_t                    expires;
    ngx_int_t                 rc;
    ngx_str_t                 kid, secret, line, key_id;
    uc_str_t                 *v;
    ngx_http_uc_service_t    *svc;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    /* admitted: then the line's own record decides (a suspended line's
       servers are stopped too), then the limits by $uc_service_* */
    if (ctx->service_done) {
        return ngx_http_uc_service_admitted(r, ctx);
    }

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);
    svc = ctx->service;

    if (svc == NULL) {
        /* the location's line; once admitted, the key's (re-entries keep
           it: the line's record may be read after the key's) */
        ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);
        ctx->business_line = ulcf->business_line;

        rc = ngx_http_uc_service_parse(r, &kid, &secret);

        if (rc == NGX_DECLINED) {
            return ngx_http_uc_service_refuse(r, NGX_HTTP_UNAUTHORIZED,
                       "service_key_required",
                       "send the line's key: Authorization: UC-Key "
                       "<key id>.<secret>");
        }

        /* malformed: refused without asking Redis */
        if (rc != NGX_OK) {
            return ngx_http_uc_service_refuse(r, NGX_HTTP_UNAUTHORIZED,
                       "invalid_service_key", "the service key is invalid");
        }

        svc = ngx_pcalloc(r->pool, sizeof(ngx_http_uc_service_t));
        if (svc == NULL
            || ngx_http_uc_service_digest(&secret, svc->digest) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        svc->kid = kid;
        svc->rec.request = r;
        svc->rec.max = NGX_HTTP_UC_KEY_FIELDS;
        svc->rec.key_len = uc_key_service((char *) svc->rec.key,
                                          (const char *) umcf->redis.prefix.data,
                                          umcf->redis.prefix.len,
                                          (const char *) kid.data, kid.len);
        ctx->service = svc;
    }

    rc = ngx_http_uc_record_read(&svc->rec);

    if (rc == NGX_AGAIN) {
        return NGX_AGAIN;
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (svc->rec.result == NGX_HTTP_UC_RECORD_UNKNOWN) {
        return ngx_http_uc_service_refuse(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                   "service_key_unverifiable",
                   "service keys cannot be checked right now, try again "
                   "shortly");
    }

    v = ngx_http_uc_record_field(&svc->rec, "hash", sizeof("hash") - 1);

    if (svc->rec.result == NGX_HTTP_UC_RECORD_ABSENT || v == NULL
        || v->len != sizeof(svc->digest)
        || CRYPTO_memcmp(v->data, svc->digest, sizeof(svc->digest)) != 0)
    {
        return ngx_http_uc_service_refuse(r, NGX_HTTP_UNAUTHORIZED,
                   "invalid_service_key", "the service key is invalid");
    }

    v = ngx_http_uc_record_field(&svc->rec, "status", sizeof("status") - 1);

    if (v == NULL || v->len != sizeof("active") - 1
        || ngx_memcmp(v->data, "active", v->len) != 0)
    {
        return ngx_http_uc_service_refuse(r, NGX_HTTP_UNAUTHORIZED,
                   "service_key_revoked", "the service key was revoked");
    }

    v = ngx_http_uc_record_field(&svc->rec, "expires_at",
                                 sizeof("expires_at") - 1);
    expires = v != NULL ? ngx_atotm((u_char *) v->data, v->len) : 0;

    if (expires == NGX_ERROR
        || (expires > 0 && expires <= ngx_time()))
    {
        return ngx_http_uc_service_refuse(r, NGX_HTTP_UNAUTHORIZED,
                   "service_key_expired", "the service key has expired");
    }

    v = ngx_http_uc_record_field(&svc->rec, "line", sizeof("line") - 1);

    if (v == NULL || !uc_line_valid(v->data, v->len)) {
        return ngx_http_uc_service_refuse(r, NGX_HTTP_UNAUTHORIZED,
                   "invalid_service_key", "the service key is invalid");
    }

    line.data = (u_char *) v->data;
    line.len = v->len;

    /* a location of one line takes that line's keys only */
    if (ctx->business_line.len
        && (ctx->business_line.len != line.len
            || ngx_memcmp(ctx->business_line.data, line.data, line.len) != 0))
    {
        return ngx_http_uc_service_refuse(r, NGX_HTTP_FORBIDDEN,
                   "service_key_wrong_line",
                   "the service key belongs to another business line");
    }

    ctx->service_done = 1;
    ctx->business_line = line;
    ctx->service_key_id = svc->kid;
    key_id = svc->kid;

    if (ngx_http_uc_add_header(r, "X-UC-Service-Line",
                               sizeof("X-UC-Service-Line") - 1, &line)
        != NGX_OK
        || ngx_http_uc_add_header(r, "X-UC-Service-Key-Id",
                                  sizeof("X-UC-Service-Key-Id") - 1, &key_id)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_uc_service_admitted(r, ctx);
}
