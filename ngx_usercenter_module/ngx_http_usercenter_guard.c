
/*
 * usercenter gateway module: the registration guard (first part).
 *
 * On the registration and code-sending locations the module reads the
 * request body without blocking (JSON or form, at most 16 KB, in memory),
 * takes the one identifier the backend will act on (uc_ident.h: a body
 * with another identifier field beside it, or one too long, is refused
 * with 400 before Redis), scores the attempt and decides before the
 * backend sees it:
 *
 *   honeypot field filled                     +100
 *   disposable e-mail domain (a list file)    +60
 *   IP, e-mail domain or phone prefix on a Redis block list   +100
 *   IP on the Redis allow list                 score 0, whatever else
 *
 * A score at or above usercenter_guard_threshold (60) is refused with 403;
 * in shadow mode every decision is logged and the request passes. Without
 * Redis the guard fails closed (503), or passes in shadow mode. The body
 * stays for the upstream (proxy_pass sends it on).
 */


#include "ngx_http_usercenter_guard.h"
#include "ngx_http_usercenter_redis.h"
#include "ngx_http_usercenter_session.h"
#include "ngx_http_usercenter_status.h"

#include "uc_ident.h"
#include "uc_pow.h"


#define NGX_HTTP_UC_GUARD_START      0
#define NGX_HTTP_UC_GUARD_READING    1
#define NGX_HTTP_UC_GUARD_READ       2
#define NGX_HTTP_UC_GUARD_WAITING    3
#define NGX_HTTP_UC_GUARD_DECIDED    4





static void ngx_http_uc_guard_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_uc_guard_evaluate(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static ngx_int_t ngx_http_uc_guard_send(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx, ngx_http_uc_guard_fields_t *f);
static void ngx_http_uc_guard_check_pow(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static ngx_int_t ngx_http_uc_guard_challenge(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static void ngx_http_uc_guard_reply(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static ngx_int_t ngx_http_uc_guard_decide(ngx_http_request_t *r,
    ngx_http_uc_ctx_t *ctx);
static void ngx_http_uc_guard_cleanup(void *data);


/*
 * KEYS[1..4]: block:ip, block:domain, block:prefix, allow:ip; KEYS[5..9]:
 * the velocity counters of the IP, its network, the device, the phone and
 * the e-mail address; KEYS[10] a solved challenge's single-use mark (all
 * under one hash tag).
 * ARGV: ip, e-mail domain, phone, five flags (count this key or not), the
 * window in seconds, whether to claim KEYS[10], its lifetime, then the
 * address and its networks as the IP lists may name them (ARGV[12..15]).
 * Returns {ip, domain, prefix, allowed, n_ip, n_net, n_device, n_phone,
 * n_email, challenge claimed}. Its work is bounded whatever it is sent: a
 * phone's prefixes (4 to 16 characters, as many as a phone has) go to one
 * SMISMEMBER, and the gateway has refused longer identifiers before.
 */
static const char  ngx_http_uc_guard_script[] =
    "local r = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0} "
    "for i = 12, 15 do if ARGV[i] ~= '' then "
    "if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 1 then r[1] = 1 end "
    "if redis.call('SISMEMBER', KEYS[4], ARGV[i]) == 1 then r[4] = 1 end "
    "end end "
    "if ARGV[2] ~= '' then "
    "r[2] = redis.call('SISMEMBER', KEYS[2], ARGV[2]) end "
    "local pre = {} "
    "for i = 4, math.min(#ARGV[3], 16) do "
    "pre[#pre + 1] = string.sub(ARGV[3], 1, i) end "
    "if #pre > 0 then "
    "for _, m in ipairs(redis.call('SMISMEMBER', KEYS[3], unpack(pre))) do "
    "if m == 1 then r[3] = 1 end end end "
    "for i = 1, 5 do "
    "if ARGV[3 + i] == '1' then "
    "local n = redis.call('INCR', KEYS[4 + i]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[4 + i], ARGV[9]) end "
    "r[4 + i] = n end end "
    "if ARGV[10] == '1' then "
    "r[10] = redis.call('SET', KEYS[10], '1', 'NX', 'EX', ARGV[11]) "
    "and 1 or 0 end "
    "return r";


ngx_int_t
ngx_http_uc_guard_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_http_uc_ctx_t       *ctx;
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (ulcf->guard == NGX_HTTP_UC_GUARD_OFF || r != r->main
        || r->method != NGX_HTTP_POST)
    {
        return NGX_DECLINED;
    }

    ctx = ngx_http_uc_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (ctx->guard_state) {

    case NGX_HTTP_UC_GUARD_START:

        if (r->headers_in.content_length_n > NGX_HTTP_UC_GUARD_BODY_MAX) {
            return ngx_http_uc_reject_json(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                           "body_too_large",
                                           "the request body is too large");
        }

        ctx->guard_state = NGX_HTTP_UC_GUARD_READING;

        r->request_body_in_single_buf = 1;

        rc = ngx_http_read_client_request_body(r,
                                               ngx_http_uc_guard_body_handler);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        /* the body handler runs the phases again; drop read_body's count */
        ngx_http_finalize_request(r, NGX_DONE);
        return NGX_DONE;

    case NGX_HTTP_UC_GUARD_READ:
        return ngx_http_uc_guard_evaluate(r, ctx);

    case NGX_HTTP_UC_GUARD_DECIDED:
        return ngx_http_uc_guard_decide(r, ctx);

    default: /* reading, waiting for Redis */
        return NGX_AGAIN;
    }
}


static void
ngx_http_uc_guard_body_handler(ngx_http_request_t *r)
{
    ngx_http_uc_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_usercenter_module);
    ctx->guard_state = NGX_HTTP_UC_GUARD_READ;

    /* keep the body for the upstream */
    r->preserve_body = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_uc_guard_evaluate(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    u_char                      *p;
    ngx_int_t                    rc;
    ngx_str_t                    body, *d;
    ngx_uint_t                   lo, hi, mid;
    ngx_chain_t                 *cl;
    ngx_http_uc_main_conf_t     *umcf;
    ngx_http_uc_guard_fields_t   f;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    /* the body is in one memory buffer, or was too large for one */

    if (r->request_body == NULL || r->request_body->temp_file != NULL) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                       "body_too_large",
                                       "the request body is too large");
    }

    ngx_str_null(&body);

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        if (cl->buf->in_file) {
            return ngx_http_uc_reject_json(r,
                                           NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                           "body_too_large",
                                           "the request body is too large");
        }

        body.len += cl->buf->last - cl->buf->pos;
    }

    if (body.len > NGX_HTTP_UC_GUARD_BODY_MAX) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                       "body_too_large",
                                       "the request body is too large");
    }

    body.data = ngx_pnalloc(r->pool, body.len + 1);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body.data;

    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
    }

    *p = '\0';

    ngx_memzero(&f, sizeof(ngx_http_uc_guard_fields_t));

    rc = ngx_http_uc_guard_fields(r, &body, &f);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_uc_guard_device(r).len > UC_DEVICE_ID_MAX) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_BAD_REQUEST,
                                       "device_id_too_long",
                                       "X-Device-Id is at most 128 bytes");
    }

    ctx->guard_score = 0;

    if (f.honeypot) {
        ctx->guard_score += 100;
        ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_HONEYPOT;
    }

    /* the disposable list is sorted: binary search */
    if (f.domain.len && umcf->disposable != NULL) {
        d = umcf->disposable->elts;
        lo = 0;
        hi = umcf->disposable->nelts;

        while (lo < hi) {
            mid = (lo + hi) / 2;
            rc = ngx_memn2cmp(f.domain.data, d[mid].data, f.domain.len,
                              d[mid].len);

            if (rc == 0) {
                ctx->guard_score += 60;
                ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_DISPOSABLE;
                break;
            }

            if (rc < 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
    }

    ngx_http_uc_guard_geo(r, ctx);

    /* a solved challenge, checked here; Redis then claims it once */
    ngx_http_uc_guard_check_pow(r, ctx);

    /* the lists and the velocity counters in Redis */

    if (umcf->conn == NULL
        || ngx_http_uc_guard_send(r, ctx, &f) != NGX_OK)
    {
        goto no_redis;
    }

    ctx->guard_state = NGX_HTTP_UC_GUARD_WAITING;

    return NGX_AGAIN;

no_redis:

    ctx->guard_redis_failed = 1;
    ctx->guard_state = NGX_HTTP_UC_GUARD_DECIDED;

    return ngx_http_uc_guard_decide(r, ctx);
}


static ngx_int_t
ngx_http_uc_guard_send(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx,
    ngx_http_uc_guard_fields_t *f)
{
    static const char  *names[] = {
        "block:ip", "block:domain", "block:prefix", "allow:ip",
        "v:ip:", "v:net:", "v:dev:", "v:phone:", "v:email:"
    };

    u_char                   *keys, *k;
    ngx_str_t                 ip, vals[5], pow;
    ngx_uint_t                i;
    ngx_str_t                 cidrs[4];
    const char               *argv[3 + 10 + 15];
    size_t                    lens[3 + 10 + 15];
    ngx_pool_cleanup_t       *cln;
    ngx_http_uc_redis_op_t   *op;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);
    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    ip = r->connection->addr_text;
    vals[0] = ip;
    vals[1] = ngx_http_uc_guard_network(r);
    vals[2] = ngx_http_uc_guard_device(r);
    vals[3] = f->phone;

    /* one address, however its letters are cased */
    vals[4].len = f->email.len;
    vals[4].data = ngx_pnalloc(r->pool, f->email.len + 1);
    if (vals[4].data == NULL) {
        return NGX_ERROR;
    }

    ngx_strlow(vals[4].data, f->email.data, f->email.len);

    argv[0] = "EVAL";
    lens[0] = 4;
    argv[1] = ngx_http_uc_guard_script;
    lens[1] = sizeof(ngx_http_uc_guard_script) - 1;
    argv[2] = "10";
    lens[2] = 2;

    pow.data = ctx->guard_pow_rand;
    pow.len = ctx->guard_pow_ok ? UC_POW_RAND_LEN : 1;

    if (!ctx->guard_pow_ok) {
        pow.data = (u_char *) "-";
    }

    keys = ngx_pnalloc(r->pool, 10 * (UC_KEY_MAX + 256));
    if (keys == NULL) {
        return NGX_ERROR;
    }

    k = keys + 9 * (UC_KEY_MAX + 256);
    argv[12] = (const char *) k;
    lens[12] = ngx_snprintf(k, UC_KEY_MAX + 256, "%V{guard}:pow:%V",
                            &umcf->redis.prefix, &pow) - k;

    for (i = 0; i < 9; i++) {
        k = keys + i * (UC_KEY_MAX + 256);
        argv[3 + i] = (const char *) k;

        /* lists are fixed names; counters carry their value */
        if (i < 4) {
            lens[3 + i] = ngx_snprintf(k, UC_KEY_MAX + 256, "%V{guard}:%s",
                                       &umcf->redis.prefix, names[i]) - k;
        } else {
            lens[3 + i] = ngx_snprintf(k, UC_KEY_MAX + 256,
                                       "%V{guard}:%s%V", &umcf->redis.prefix,
                                       names[i], &vals[i - 4]) - k;
        }
    }

    argv[13] = (const char *) ip.data;
    lens[13] = ip.len;
    argv[14] = f->domain.len ? (const char *) f->domain.data : "";
    lens[14] = f->domain.len;
    argv[15] = f->phone.len ? (const char *) f->phone.data : "";
    lens[15] = f->phone.len;

    for (i = 0; i < 5; i++) {
        argv[16 + i] = vals[i].len ? "1" : "0";
        lens[16 + i] = 1;
    }

    argv[21] = "3600";
    lens[21] = 4;
    argv[22] = ctx->guard_pow_ok ? "1" : "0";
    lens[22] = 1;
    argv[23] = (const char *) ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (argv[23] == NULL) {
        return NGX_ERROR;
    }

    lens[23] = ngx_sprintf((u_char *) argv[23], "%T",
                           (time_t) (ulcf->guard_pow_ttl / 1000 + 1))
               - (u_char *) argv[23];

    op = ngx_http_uc_redis_op(umcf->conn, ngx_http_uc_guard_reply, ctx);
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (op == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    ngx_http_uc_guard_cidrs(r, cidrs);

    for (i = 0; i < 4; i++) {
        argv[24 + i] = cidrs[i].len ? (const char *) cidrs[i].data : "";
        lens[24 + i] = cidrs[i].len;
    }

    if (ngx_http_uc_redis_send(op, 28, argv, lens) != NGX_OK) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_uc_guard_cleanup;
    cln->data = ctx;
    ctx->guard_op = op;

    return NGX_OK;
}


static void
ngx_http_uc_guard_reply(ngx_http_uc_redis_op_t *op, redisReply *reply)
{
    ngx_uint_t               i;
    ngx_http_request_t      *r;
    ngx_http_uc_ctx_t       *ctx;
    ngx_http_uc_loc_conf_t  *ulcf;

    ctx = op->data;
    r = ctx->request;
    ctx->guard_op = NULL;

    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY
        && reply->elements == 10)
    {
        ctx->guard_pow_ok = ctx->guard_pow_ok
                            && reply->element[9]->integer == 1;

        if (reply->element[3]->integer == 1) {
            ctx->guard_score = 0;
            ctx->guard_signals = NGX_HTTP_UC_SIGNAL_ALLOWED;

        } else {
            if (reply->element[0]->integer == 1) {
                ctx->guard_score += 100;
                ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_BLOCKED_IP;
            }

            if (reply->element[1]->integer == 1) {
                ctx->guard_score += 100;
                ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_BLOCKED_DOMAIN;
            }

            if (reply->element[2]->integer == 1) {
                ctx->guard_score += 100;
                ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_BLOCKED_PREFIX;
            }

            ulcf = ngx_http_get_module_loc_conf(r,
                                                ngx_http_usercenter_module);

            /* velocity: attempts this hour over the configured maximum */
            for (i = 0; i < 5; i++) {
                if (ulcf->guard_velocity[i] != 0
                    && (ngx_uint_t) reply->element[4 + i]->integer
                       > ulcf->guard_velocity[i])
                {
                    ctx->guard_score += 40;
                    ctx->guard_signals |= NGX_HTTP_UC_SIGNAL_VELOCITY_IP << i;
                }
            }
        }

    } else {
        if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "usercenter guard: redis answered: %s",
                          reply->str);
        }

        ctx->guard_redis_failed = 1;
    }

    ctx->guard_state = NGX_HTTP_UC_GUARD_DECIDED;

    ngx_http_uc_resume(r);
}


static ngx_int_t
ngx_http_uc_guard_decide(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    ngx_uint_t               deny, challenge, shadow, level;
    ngx_http_uc_loc_conf_t  *ulcf;

    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    if (ctx->guard_logged) {
        return NGX_DECLINED;
    }

    ctx->guard_logged = 1;

    shadow = ulcf->guard == NGX_HTTP_UC_GUARD_SHADOW;
    deny = ctx->guard_score >= ulcf->guard_threshold;
    challenge = !deny && ctx->guard_score >= ulcf->guard_challenge
                && !ctx->guard_pow_ok;

    level = deny || challenge || ctx->guard_redis_failed ? NGX_LOG_WARN
                                                         : NGX_LOG_INFO;

    ngx_log_error(level, r->connection->log, 0,
                  "usercenter guard: %s%s, score %ui, signals %xi%s",
                  ctx->guard_redis_failed ? "no redis"
                  : deny ? "deny" : challenge ? "challenge"
                  : ctx->guard_pow_ok ? "allow (solved)" : "allow",
                  shadow ? " (shadow)" : "", ctx->guard_score,
                  ctx->guard_signals,
                  ctx->guard_redis_failed && !shadow ? ", refused" : "");

    ngx_http_uc_stat(ctx->guard_redis_failed ? NGX_HTTP_UC_STAT_GUARD_ERROR
                     : deny ? NGX_HTTP_UC_STAT_GUARD_DENY
                     : challenge ? NGX_HTTP_UC_STAT_GUARD_CHALLENGE
                     : NGX_HTTP_UC_STAT_GUARD_ALLOW);

    if (shadow) {
        return NGX_DECLINED;
    }

    if (ctx->guard_redis_failed) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       "guard_unavailable",
                "registrations cannot be checked right now, try again "
                "shortly");
    }

    if (challenge) {
        return ngx_http_uc_guard_challenge(r, ctx);
    }

    if (deny) {
        return ngx_http_uc_reject_json(r, NGX_HTTP_FORBIDDEN,
                                       "registration_refused",
                "this registration was refused; contact support if this "
                "is a mistake");
    }

    return NGX_DECLINED;
}


static void
ngx_http_uc_guard_check_pow(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    const char               *rand;
    uc_pow_rc_e               rc;
    ngx_table_elt_t          *h;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);

    if (umcf->keyring == NULL) {
        return;
    }

    h = ngx_http_uc_find_header(r, "X-UC-PoW", sizeof("X-UC-PoW") - 1);
    if (h == NULL) {
        return;
    }

    rc = uc_pow_verify(umcf->keyring,
                       (const char *) r->connection->addr_text.data,
                       r->connection->addr_text.len,
                       (const char *) h->value.data, h->value.len,
                       (int64_t) ngx_time(), &rand);

    if (rc != UC_POW_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "usercenter guard: challenge answer refused (%d)",
                      (int) rc);
        return;
    }

    ngx_memcpy(ctx->guard_pow_rand, rand, UC_POW_RAND_LEN);
    ctx->guard_pow_ok = 1;
}


/*
 * 403 with a challenge: a signed nonce bound to the client's address and a
 * difficulty that grows with the score (one more bit per 10 points).
 */
static ngx_int_t
ngx_http_uc_guard_challenge(ngx_http_request_t *r, ngx_http_uc_ctx_t *ctx)
{
    char                      nonce[UC_POW_NONCE_MAX + 1];
    time_t                    expires;
    ngx_int_t                 rc;
    ngx_str_t                 extra;
    ngx_uint_t                difficulty;
    ngx_http_uc_loc_conf_t   *ulcf;
    ngx_http_uc_main_conf_t  *umcf;

    umcf = ngx_http_get_module_main_conf(r, ngx_http_usercenter_module);
    ulcf = ngx_http_get_module_loc_conf(r, ngx_http_usercenter_module);

    difficulty = ulcf->guard_difficulty
                 + (ctx->guard_score - ulcf->guard_challenge) / 10;
    if (difficulty > 32) {
        difficulty = 32;
    }

    expires = ngx_time() + (time_t) (ulcf->guard_pow_ttl / 1000);

    if (umcf->keyring == NULL
        || uc_pow_issue(umcf->keyring,
                        (const char *) r->connection->addr_text.data,
                        r->connection->addr_text.len, (int64_t) expires,
                        (unsigned) difficulty, nonce) < 0)
    {
        /* no key to sign with: the only safe answer is no */
        return ngx_http_uc_reject_json(r, NGX_HTTP_FORBIDDEN,
                                       "registration_refused",
                "this registration was refused; contact support if this "
                "is a mistake");
    }

    extra.data = ngx_pnalloc(r->pool, 256);
    if (extra.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    extra.len = ngx_snprintf(extra.data, 256,
                             "\"challenge\":{\"nonce\":\"%s\","
                             "\"difficulty\":%ui,\"expires\":%T,"
                             "\"header\":\"X-UC-PoW\"}",
                             nonce, difficulty, expires) - extra.data;

    rc = ngx_http_uc_send_error_extra(r, NGX_HTTP_FORBIDDEN,
                                      "challenge_required",
            "prove some work: send X-UC-PoW: <nonce>:<solution> with the "
            "request again", &extra);
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


static void
ngx_http_uc_guard_cleanup(void *data)
{
    ngx_http_uc_ctx_t  *ctx = data;

    if (ctx->guard_op != NULL) {
        ngx_http_uc_redis_detach(ctx->guard_op);
        ctx->guard_op = NULL;
    }
}


ngx_int_t
ngx_http_uc_guard_risk_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char             *p;
    ngx_http_uc_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_usercenter_module);

    if (ctx == NULL || ctx->guard_state != NGX_HTTP_UC_GUARD_DECIDED) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%ui", ctx->guard_score) - p;
    v->data = p;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
