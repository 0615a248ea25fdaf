/*
 * uc-backend: personal certification.
 *
 *   POST /uc/v1/certification/person {"name", "id_number"}
 *   GET  /uc/v1/certification/person
 *
 * The number is checked first (GB 11643: check character, a real birth
 * date, a GB/T 2260 division of the regions dictionary, historical ones
 * included), then: certified already (409), the identity certifying
 * another account (409, unless certification_unique = 0), the day's
 * attempts (429); then the provider's two-element check, whose answer is
 * reused for certification_reuse_s (providers bill per call). A match
 * seals the name and number (AES-256-GCM), raises the account to level 3
 * and every live session with it, so the gateways enforce level 3 at
 * once; user.certified carries neither. Mismatch and no record are 422
 * with their own codes; the provider down 503, slow 504.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "certification.h"
#include "uc_cn.h"


#define NAME_MAX_BYTES  64
#define LEVEL_CERTIFIED 3


/* the code point of the valid UTF-8 character of c bytes at s */
static unsigned
code_point(const unsigned char *s, size_t c)
{
    switch (c) {
    case 1:
        return s[0];
    case 2:
        return (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
    case 3:
        return (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
    default:
        return (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12
               | (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
    }
}


/*
 * A name as identity cards print it: 2 to 20 characters, Han (the
 * unified ideographs and their extensions) or Latin letters, the middle
 * dot of transliterated names, single spaces inside; nothing invisible,
 * no bidi control, no emoji, no digit.
 */
int
ucb_person_name_valid(const char *s)
{
    size_t    n, at, c, chars;
    unsigned  cp, prev;

    n = strlen(s);

    if (n == 0 || n > NAME_MAX_BYTES || !ucb_valid_utf8(s, n)) {
        return 0;
    }

    prev = ' ';

    for (at = 0, chars = 0; at < n; at += c, chars++) {
        c = ucb_utf8_char((const unsigned char *) s + at, n - at);

        if (c == 0) {
            return 0;
        }

        cp = code_point((const unsigned char *) s + at, c);

        if (!((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')
              || (cp >= 0x4e00 && cp <= 0x9fff)      /* unified */
              || (cp >= 0x3400 && cp <= 0x4dbf)      /* extension A */
              || (cp >= 0x20000 && cp <= 0x3134f)    /* extensions B-G */
              || ((cp == 0xb7 || cp == ' ') && prev != ' ' && prev != 0xb7)))
        {
            return 0;
        }

        prev = cp;
    }

    return chars >= 2 && chars <= 20 && prev != ' ' && prev != 0xb7;
}


int
ucb_cert_id_number(ucb_req_t *req, const char *given, char id[19])
{
    int          rc;
    char         division[7], msg[96];
    uc_ric_t     ric;
    const char  *problem;

    /* a lower-case x is the same check character */
    snprintf(id, UC_RIC_LEN + 1, "%s", given);
    if (strlen(given) == UC_RIC_LEN && id[17] == 'x') {
        id[17] = 'X';
    }

    if (strlen(given) != UC_RIC_LEN
        || !uc_ric_valid(id, UC_RIC_LEN, &ric, &problem))
    {
        snprintf(msg, sizeof(msg), "the ID number is not valid: %s",
                 strlen(given) != UC_RIC_LEN ? "length" : problem);
        ucb_error(req, 400, "invalid_id_number", msg);
        return -1;
    }

    snprintf(division, sizeof(division), "%.6s", id);
    rc = ucb_store_dict_has("regions", division);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 400, "invalid_id_number", "the ID number is not "
                  "valid: division");
        return -1;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return -1;
    }

    return 0;
}


/* the day as the user lives it: Beijing's, YYYYMMDD */
void
ucb_cert_today(char day[16])
{
    time_t     now;
    struct tm  tm;

    now = time(NULL) + 8 * 3600;
    gmtime_r(&now, &tm);
    strftime(day, 16, "%Y%m%d", &tm);
}


/* the account's attempts of the day */
static void
attempts_key(char *dst, size_t size, const char *uid)
{
    char  day[16];

    ucb_cert_today(day);
    snprintf(dst, size, "%s{u:%s}:cert:%s", ucb_conf.prefix, uid, day);
}


/*
 * One more attempt counted on key for the day (two days' life, set with
 * the counter, so it can never outlive them): the count, -1 when Redis
 * fails.
 */
static const char  count_script[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], 172800) end return n";

long
ucb_cert_count(const char *key)
{
    long         n;
    redisReply  *r;

    r = ucb_redis_command("EVAL %s 1 %s", count_script, key);

    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }

    n = (long) r->integer;
    freeReplyObject(r);

    return n;
}


/* an attempt the provider could not answer is given back */
static void
refund(const char *key)
{
    redisReply  *r;

    r = ucb_redis_command("DECR %s", key);
    if (r != NULL) {
        freeReplyObject(r);
    }
}


/* the number's attempts of the day, over every account */
static void
number_key(char *dst, size_t size, const char *hash)
{
    char  day[16];

    ucb_cert_today(day);
    snprintf(dst, size, "%s{cn:%s}:%s", ucb_conf.prefix, hash, day);
}


/* a provider's answer for (name, number), reused: its key by keyed hash */
static void
answer_key(char *dst, size_t size, const char *name, const char *id)
{
    char  both[NAME_MAX_BYTES + 32], hex[65];

    snprintf(both, sizeof(both), "%s|%s", id, name);
    ucb_keyed_hash(both, hex);
    OPENSSL_cleanse(both, sizeof(both));

    snprintf(dst, size, "%s{cv:%s}", ucb_conf.prefix, hex);
}


/*
 * The answer kept for key: 1 to 3, and the provider and its RequestId it
 * came from ("1|aliyun|<id>"; a bare "1" from before there was a choice:
 * Alibaba Cloud's, no id); 0 when there is none.
 */
static int
reused_answer(const char *key, const char **provider, char *request_id,
    size_t size)
{
    int          biz;
    size_t       n;
    const char  *p;
    redisReply  *r;

    if (ucb_cert.reuse_s == 0) {
        return 0;
    }

    r = ucb_redis_command("GET %s", key);
    biz = 0;

    if (r != NULL && r->type == REDIS_REPLY_STRING && r->len >= 1
        && r->str[0] >= '1' && r->str[0] <= '3'
        && (r->len == 1 || r->str[1] == '|'))
    {
        biz = r->str[0] - '0';
        /* a bare answer is from before the chain: Alibaba Cloud's */
        *provider = "aliyun";

        if (r->len > 1 && r->str[1] == '|') {
            p = r->str + 2;

            if (strncmp(p, "tencent|", 8) == 0) {
                *provider = "tencent";
            } else if (strncmp(p, "aliyun|", 7) == 0) {
                *provider = "aliyun";
            }

            p = strchr(p, '|');
            n = p != NULL ? strlen(p + 1) : 0;

            if (n > 0 && n < size) {
                memcpy(request_id, p + 1, n + 1);
            }
        }
    }

    if (r != NULL) {
        freeReplyObject(r);
    }

    return biz;
}


static void
keep_answer(const char *key, int biz, const char *provider,
    const char *request_id)
{
    redisReply  *r;

    if (ucb_cert.reuse_s == 0) {
        return;
    }

    r = ucb_redis_command("SET %s %d|%s|%s EX %ld", key, biz, provider,
                          request_id, ucb_cert.reuse_s);
    if (r != NULL) {
        freeReplyObject(r);
    }
}


/* the answer to ucb_store_identity_barred's 1, 2 or -1 */
static void
identity_barred(ucb_req_t *req, int why)
{
    if (why == 1) {
        ucb_error(req, 409, "identity_in_use", "this identity certifies "
                  "another account");

    } else if (why == 2) {
        ucb_error(req, 403, "certification_revoked", "an operator revoked "
                  "this identity's certification of this account");

    } else {
        ucb_error(req, 500, "internal_error", "try again shortly");
    }
}


static int
certify(ucb_req_t *req, const char *name, const char *id, const char *hash,
    const char *provider, const char *request_id)
{
    int                   rc;
    char                  name_sealed[256], id_sealed[128];
    char                  name_masked[NAME_MAX_BYTES + 1], id_masked[32];
    char                  ctx_name[48], ctx_id[48];
    uint64_t              cid;
    ucb_user_t            u;
    ucb_certification_t   c;

    memset(&u, 0, sizeof(u));
    snprintf(ctx_name, sizeof(ctx_name), "person|name|%s", req->uid);
    snprintf(ctx_id, sizeof(ctx_id), "person|id|%s", req->uid);

    if (ucb_id_next(&cid) != 0
        || ucb_seal(name, ctx_name, name_sealed, sizeof(name_sealed)) != 0
        || ucb_seal(id, ctx_id, id_sealed, sizeof(id_sealed)) != 0)
    {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return -1;
    }

    ucb_mask_name(name_masked, sizeof(name_masked), name);
    ucb_mask_id_number(id_masked, sizeof(id_masked), id);

    memset(&c, 0, sizeof(c));
    c.id = cid;
    c.uid = req->uid;
    c.kind = "person";
    c.name_sealed = name_sealed;
    c.name_masked = name_masked;
    c.id_sealed = id_sealed;
    c.id_masked = id_masked;
    c.id_hash = hash;
    c.provider = provider;
    c.provider_request = request_id;
    c.unique = (int) ucb_cert.unique;
    c.level = LEVEL_CERTIFIED;

    rc = ucb_store_certify(&c);

    switch (rc) {

    case UCB_OK:
        break;

    case UCB_CONFLICT:
        ucb_error(req, 409, "already_certified", "this account is "
                  "certified already");
        return -1;

    case UCB_TAKEN:
        identity_barred(req, 1);
        return -1;

    case UCB_FORBIDDEN:
        identity_barred(req, 2);
        return -1;

    case UCB_NOT_FOUND:
        ucb_error(req, 403, "account_inactive", "this account cannot be "
                  "certified");
        return -1;

    default:
        ucb_error(req, 500, "internal_error", "try again shortly");
        return -1;
    }

    /* the gateways see level 3 at once; the relay does it again should
       Redis fail here (user.certified) */
    (void) ucb_session_raise_level(req->uid, LEVEL_CERTIFIED);

    /* an operator's revocation committed since, and its sessions capped
       before this raise: capped again, to what the account holds now */
    if (ucb_store_get_user(req->uid, &u) == UCB_OK
        && u.level < LEVEL_CERTIFIED)
    {
        (void) ucb_session_cap_level(req->uid, u.level);
    }

    OPENSSL_cleanse(u.password, sizeof(u.password));

    ucb_reply(req, 200, json_pack("{s:b, s:i, s:s, s:s}",
                                  "certified", 1,
                                  "auth_level", LEVEL_CERTIFIED,
                                  "name", name_masked,
                                  "id_number", id_masked));

    return 0;
}


void
ucb_h_cert_person(ucb_req_t *req)
{
    int                    rc, biz;
    char                   id[UC_RIC_LEN + 1], hash[65], key[UC_KEY_MAX + 80];
    char                   ukey[UC_KEY_MAX + 32], nkey[UC_KEY_MAX + 80];
    char                   request_id[80];
    long                   n, m;
    json_t                *have;
    const char            *name, *given, *provider;
    ucb_provider_error_t   err;

    if (!ucb_cert_person_enabled()) {
        ucb_error(req, 404, "provider_not_configured", "certification is "
                  "not configured here");
        return;
    }

    if (ucb_body_string(req, "name", NAME_MAX_BYTES, 1, &name) != 0
        || ucb_body_string(req, "id_number", 32, 1, &given) != 0)
    {
        return;
    }

    if (!ucb_person_name_valid(name)) {
        ucb_error(req, 400, "invalid_name", "\"name\" must be the name on "
                  "the identity card");
        return;
    }

    if (ucb_cert_id_number(req, given, id) != 0) {
        return;
    }

    rc = ucb_store_certification(req->uid, "person", &have);

    if (rc == UCB_OK) {
        json_decref(have);
        ucb_error(req, 409, "already_certified", "this account is certified "
                  "already");
        return;
    }

    if (rc != UCB_NOT_FOUND) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_keyed_hash(id, hash);

    /* an identity an operator took from this account: said at once, it
       tells the account only its own history */
    rc = ucb_store_identity_barred(hash, "person", req->uid, 0);

    if (rc != 0) {
        identity_barred(req, rc);
        goto done;
    }

    /*
     * Every attempt counts from here, the answer "in use" included (or it
     * would tell anyone, without limit, which numbers have an account):
     * the user's own day, and the number's, over every account (twice the
     * user's: a name guessed from many accounts).
     */
    attempts_key(ukey, sizeof(ukey), req->uid);
    number_key(nkey, sizeof(nkey), hash);

    n = ucb_cert_count(ukey);
    m = n < 0 || n > ucb_cert.attempts ? 0 : ucb_cert_count(nkey);

    if (n < 0 || m < 0) {
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable", "try again shortly");
        goto done;
    }

    if (m > 2 * ucb_cert.attempts) {
        /* someone may be using up another's number: for the operators
           (the keyed hash's head names it without the number) */
        ucb_log(UCB_LOG_WARN, "a number's certification attempts used up",
                "\"number_hash\":\"%.12s\",\"user\":\"%s\"", hash,
                req->uid);
    }

    if (n > ucb_cert.attempts || m > 2 * ucb_cert.attempts) {
        req->retry_after = 3600;
        ucb_error(req, 429, "too_many_attempts", "too many certification "
                  "attempts today; try again tomorrow");
        goto done;
    }

    /* before the provider bills a call: one identity, one account, and
       not an identity an operator revoked on this account */
    rc = ucb_store_identity_barred(hash, "person", req->uid,
                                   (int) ucb_cert.unique);

    if (rc != 0) {
        identity_barred(req, rc);
        goto done;
    }

    answer_key(key, sizeof(key), name, id);
    request_id[0] = '\0';
    provider = NULL;
    biz = reused_answer(key, &provider, request_id, sizeof(request_id));

    if (biz == 0) {
        biz = ucb_cert_person_check(name, id, &provider, request_id,
                                    sizeof(request_id), &err);

        if (biz < 0) {
            ucb_log(UCB_LOG_WARN, "certification provider refused",
                    "\"code\":\"%s\",\"provider_code\":%ld", err.code,
                    err.errcode);
            /* the provider's failure is not the user's attempt */
            if (err.status >= 500) {
                refund(ukey);
                refund(nkey);
            }

            req->retry_after = err.retry_after;
            ucb_error(req, err.status, err.code, err.message);
            goto done;
        }

        keep_answer(key, biz, provider, request_id);
    }

    if (biz == 2) {
        ucb_error(req, 422, "certification_mismatch", "the name and the ID "
                  "number do not belong together");

    } else if (biz == 3) {
        ucb_error(req, 422, "certification_no_record", "the registry has no "
                  "record of this ID number");

    } else if (biz == 1) {
        (void) certify(req, name, id, hash, provider, request_id);

    } else {
        ucb_error(req, 502, "provider_error", "the verification service "
                  "gave no answer");
    }

done:

    OPENSSL_cleanse(id, sizeof(id));
}


void
ucb_h_cert_person_get(ucb_req_t *req)
{
    int      rc;
    json_t  *c;

    rc = ucb_store_certification(req->uid, "person", &c);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_certified", "this account is not "
                  "certified");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, c);
}


/* an operator's reason: 1 to 200 bytes of UTF-8; else 400 and NULL */
const char *
ucb_cert_reason(ucb_req_t *req)
{
    const char  *reason;

    if (ucb_body_string(req, "reason", 200, 0, &reason) != 0) {
        return NULL;
    }

    if (reason == NULL || reason[0] == '\0'
        || !ucb_valid_utf8(reason, strlen(reason)))
    {
        ucb_error(req, 400, "reason_required", "an operator's decision "
                  "gives its reason");
        return NULL;
    }

    return reason;
}


/*
 * POST /uc/v1/admin/users/{id}/certification/revoke {"reason"}: the
 * account back to what it proves without it (level 2 with a verified
 * phone or e-mail, else 1), every live session capped there at once (and
 * again by the relay), the identity free to certify another account.
 */
void
ucb_h_admin_cert_revoke(ucb_req_t *req)
{
    int          rc, level;
    const char  *uid, *reason;

    uid = req->params[0];

    if (!ucb_id_canonical(uid)) {
        ucb_error(req, 404, "not_found", "no such user");
        return;
    }

    reason = ucb_cert_reason(req);
    if (reason == NULL) {
        return;
    }

    rc = ucb_store_certification_revoke(uid, reason, req->uid, &level);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_certified", "this account is not "
                  "certified");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    (void) ucb_session_cap_level(uid, level);

    ucb_reply(req, 200, json_pack("{s:b, s:i}", "revoked", 1,
                                  "auth_level", level));
}


static int
cleared(const char *key)
{
    int          rc;
    redisReply  *r;

    r = ucb_redis_command("DEL %s", key);
    rc = r != NULL && r->type == REDIS_REPLY_INTEGER;

    if (r != NULL) {
        freeReplyObject(r);
    }

    return rc;
}


/*
 * POST /uc/v1/admin/certification/attempts/clear {"id_number", "user_id"}:
 * the number's attempts of the day over every account cleared, and the
 * account's when user_id is given. Anyone who knows a number can use up
 * its day (twice certification_attempts, from two accounts): the owner,
 * told 429, asks support, which clears it here. Audited, with the number
 * masked.
 */
void
ucb_h_admin_cert_attempts_clear(ucb_req_t *req)
{
    int           rc;
    char          id[UC_RIC_LEN + 1], hash[65], masked[32];
    char          nkey[UC_KEY_MAX + 80], ukey[UC_KEY_MAX + 32];
    json_t       *what;
    const char   *given, *uid;

    if (ucb_body_string(req, "id_number", 32, 1, &given) != 0
        || ucb_body_string(req, "user_id", 24, 0, &uid) != 0
        || ucb_cert_id_number(req, given, id) != 0)
    {
        return;
    }

    if (uid != NULL && !ucb_id_canonical(uid)) {
        ucb_error(req, 400, "validation_failed", "\"user_id\" must be a "
                  "user's id");
        goto done;
    }

    ucb_keyed_hash(id, hash);
    number_key(nkey, sizeof(nkey), hash);
    ucb_mask_id_number(masked, sizeof(masked), id);

    /* audited first: no clearing that the audit does not show */
    what = json_pack("{s:s, s:s?}", "id_number", masked, "user_id", uid);
    rc = what != NULL
         && ucb_store_audit_note(req->uid, "certification.attempts_cleared",
                                 "certification", what) == UCB_OK;
    json_decref(what);

    if (!rc) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        goto done;
    }

    /* one key a command: the two are on different Cluster slots */
    rc = cleared(nkey);

    if (rc && uid != NULL) {
        attempts_key(ukey, sizeof(ukey), uid);
        rc = cleared(ukey);
    }

    if (!rc) {
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable", "try again shortly");
        goto done;
    }
    ucb_reply(req, 200, json_pack("{s:b, s:s}", "cleared", 1,
                                  "id_number", masked));

done:

    OPENSSL_cleanse(id, sizeof(id));
}
