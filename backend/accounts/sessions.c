/*
 * uc-backend: sessions, written to Redis in the record format the gateway
 * validates (libuc), listed per user for the device list and for "log out
 * everywhere".
 *
 * Per user, a sorted set of sids scored by absolute expiry (ms) and a hash
 * of device descriptions; the index entry is written before the record, so
 * a session that validates is always listed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


static void
devices_key(char *dst, const char *uid)
{
    size_t  n;

    n = uc_key_user_sessions(dst, ucb_conf.prefix, strlen(ucb_conf.prefix),
                             uid, strlen(uid));
    snprintf(dst + n, UC_KEY_MAX - n, ":devices");
}


/*
 * The device index and description in one step, and the index's expired
 * entries pruned (at most 64 a call, so the work is bounded): without it a
 * user who logs in often grows the index for ever. Both keys live as long
 * as the longest session. KEYS: index, devices (one hash tag); ARGV: now
 * ms, expiry ms, sid, description.
 */
static const char  index_script[] =
    "local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], "
    "'LIMIT', 0, 64) "
    "if #old > 0 then redis.call('ZREM', KEYS[1], unpack(old)) "
    "redis.call('HDEL', KEYS[2], unpack(old)) end "
    "redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) "
    "redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) "
    "local top = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES') "
    "redis.call('PEXPIREAT', KEYS[1], top[2]) "
    "redis.call('PEXPIREAT', KEYS[2], top[2]) "
    "return #old";


/*
 * Whether a cookie for domain reaches no host that one for within would
 * not: within unset (a host-only cookie of the gateway's name) admits any
 * domain an administrator gave the line; else domain is within or under.
 */
static int
domain_within(const char *domain, const char *within)
{
    size_t  d, w;

    if (within[0] == '\0') {
        return 1;
    }

    domain += domain[0] == '.';
    within += within[0] == '.';
    d = strlen(domain);
    w = strlen(within);

    return strcasecmp(domain, within) == 0
           || (d > w && domain[d - w - 1] == '.'
               && strcasecmp(domain + d - w, within) == 0);
}


void
ucb_session_policy(ucb_req_t *req, ucb_session_policy_t *p)
{
    int64_t      v;
    json_t      *line, *session;
    const char  *domain;

    p->ttl = ucb_conf.session_ttl;
    p->idle = ucb_conf.session_idle;
    snprintf(p->cookie_domain, sizeof(p->cookie_domain), "%s",
             ucb_conf.cookie_domain);

    if (req->line[0] == '\0') {
        return;
    }

    /* no record (or the store failing): the configuration's */
    if (ucb_store_line_get(req->line, &line) != UCB_OK) {
        return;
    }

    /*
     * The session is a single sign-on one, good on every line: a line may
     * make it shorter than the configuration says, never longer, and send
     * its cookie within the configured domain, never wider.
     */
    session = json_object_get(line, "session");

    v = json_integer_value(json_object_get(session, "max_lifetime"));
    if (v > 0 && v < p->ttl) {
        p->ttl = (long) v;
    }

    v = json_integer_value(json_object_get(session, "idle_timeout"));
    if (v > 0 && v < p->idle) {
        p->idle = (long) v;
    }

    if (p->idle > p->ttl) {
        p->idle = p->ttl;
    }

    domain = json_string_value(json_object_get(line, "cookie_domain"));

    /* a domain cut to fit would be another domain: whole, or not at all */
    if (domain != NULL && domain[0] != '\0'
        && strlen(domain) < sizeof(p->cookie_domain)
        && domain_within(domain, ucb_conf.cookie_domain))
    {
        snprintf(p->cookie_domain, sizeof(p->cookie_domain), "%s", domain);
    }

    json_decref(line);
}


int
ucb_session_create(const char *uid, int level, const char *ip,
    const char *ua, const ucb_session_policy_t *p, char *token, char *sid,
    long *expires)
{
    int               argc, ok, i;
    char              index[UC_KEY_MAX], devices[UC_KEY_MAX + 16];
    char              device[256], clean[UCB_UA_MAX + 1];
    time_t            now;
    redisReply       *r;
    redisContext     *c;
    uc_session_buf_t  buf;
    const char       *argv[UC_SESSION_HSET_ARGC];
    size_t            lens[UC_SESSION_HSET_ARGC];

    if (uc_token_mint(&ucb_keys, token, sid) < 0) {
        return -1;
    }

    now = time(NULL);
    *expires = (long) now + p->ttl;

    argc = uc_session_hset_argv(&buf, ucb_conf.prefix, sid, uid,
                                (unsigned) level, "*", "", now,
                                p->ttl, p->idle, argv, lens);

    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         uid, strlen(uid));
    devices_key(devices, uid);

    /* what the device list shows: valid UTF-8, cut on a character */
    ucb_utf8_clean(clean, sizeof(clean), ua, strlen(ua));
    snprintf(device, sizeof(device), "%lld|%s|%s", (long long) now, ip,
             clean);

    c = ucb_redis();
    if (c == NULL) {
        return -1;
    }

    redisAppendCommand(c, "EVAL %s 2 %s %s %lld %lld %s %s", index_script,
                       index, devices, (long long) now * 1000,
                       (long long) *expires * 1000, sid, device);
    redisAppendCommand(c, "MULTI");
    redisAppendCommandArgv(c, argc, argv, lens);
    redisAppendCommand(c, "EXPIRE %s %ld", buf.key, p->idle);
    redisAppendCommand(c, "EXEC");

    ok = 1;

    for (i = 0; i < 5; i++) {
        if (redisGetReply(c, (void **) &r) != REDIS_OK) {
            ucb_redis_drop();
            return -1;
        }

        if (r->type == REDIS_REPLY_ERROR) {
            ok = 0;
        }

        freeReplyObject(r);
    }

    return ok ? 0 : -1;
}


/* A reply that is not an error, or NULL (freed). */
static redisReply *
checked(redisReply *r)
{
    if (r != NULL && r->type == REDIS_REPLY_ERROR) {
        ucb_log(UCB_LOG_ERROR, "redis answered an error", "\"error\":\"%s\"",
                r->str);
        freeReplyObject(r);
        return NULL;
    }

    return r;
}


/*
 * Ends one session of uid: 1 when it was uid's, 0 when it is not theirs
 * (another user's record is never touched: a sid is no secret, upstreams
 * see it), -1 when Redis fails (nothing can be promised then).
 */
int
ucb_session_revoke(const char *uid, const char *sid)
{
    int          mine, listed;
    char         key[UC_KEY_MAX], index[UC_KEY_MAX], devices[UC_KEY_MAX + 16];
    redisReply  *r;

    uc_key_session(key, ucb_conf.prefix, strlen(ucb_conf.prefix), sid,
                   strlen(sid));
    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         uid, strlen(uid));
    devices_key(devices, uid);

    /* the record's owner decides; sids are never reused */
    r = checked(ucb_redis_command("HGET %s %s", key,
                                  uc_session_fields[UC_SF_UID]));
    if (r == NULL) {
        return -1;
    }

    mine = r->type == REDIS_REPLY_STRING && strcmp(r->str, uid) == 0;

    if (r->type == REDIS_REPLY_STRING && !mine) {
        freeReplyObject(r);
        return 0;
    }

    freeReplyObject(r);

    if (mine) {
        r = checked(ucb_redis_command("DEL %s", key));
        if (r == NULL) {
            return -1;
        }

        freeReplyObject(r);
    }

    /* an absent record: only uid's own index entry may still name it */
    r = checked(ucb_redis_command("ZREM %s %s", index, sid));
    if (r == NULL) {
        return -1;
    }

    listed = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);

    r = checked(ucb_redis_command("HDEL %s %s", devices, sid));
    if (r == NULL) {
        return -1;
    }

    freeReplyObject(r);

    return mine || listed;
}


/*
 * A certification's level for every live session of uid (raised to it, or,
 * when revoked, capped at it): only records of uid's, never bringing back
 * one that is gone. KEYS[1] the record; ARGV: the uid field, uid, the
 * level field, the level, "up" or "down".
 */
static const char  level_script[] =
    "if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end "
    "local lv = tonumber(redis.call('HGET', KEYS[1], ARGV[3]) or '0') or 0 "
    "local want = tonumber(ARGV[4]) "
    "if ARGV[5] == 'up' and lv >= want then return 0 end "
    "if ARGV[5] ~= 'up' and lv <= want then return 0 end "
    "redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) return 1";


static int
set_level(const char *uid, int level, const char *way)
{
    int          rc;
    size_t       i;
    char         index[UC_KEY_MAX], key[UC_KEY_MAX], lv[8];
    redisReply  *r, *one;

    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         uid, strlen(uid));
    snprintf(lv, sizeof(lv), "%d", level);

    r = checked(ucb_redis_command("ZRANGE %s 0 -1", index));
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }

    rc = 0;

    for (i = 0; i < r->elements; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }

        uc_key_session(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                       r->element[i]->str, r->element[i]->len);

        one = ucb_redis_command("EVAL %s 1 %s %s %s %s %s %s", level_script,
                                key, uc_session_fields[UC_SF_UID], uid,
                                uc_session_fields[UC_SF_LEVEL], lv, way);

        /* Redis gone: again later; one record it refused (logged): the
           others still count, and a retry would meet it again */
        if (one == NULL) {
            rc = -1;
            break;
        }

        freeReplyObject(checked(one));
    }

    freeReplyObject(r);

    return rc;
}


int
ucb_session_raise_level(const char *uid, int level)
{
    return set_level(uid, level, "up");
}


int
ucb_session_cap_level(const char *uid, int level)
{
    return set_level(uid, level, "down");
}


/*
 * Every session of uid issued at or before `before` (unix seconds; 0: all)
 * but except_sid (NULL: none), by each record's own issue time: the
 * index's score is an expiry, which a change of session_ttl would make a
 * wrong measure. A listed sid whose record is gone is only unlisted. 0,
 * or -1 when Redis fails: the caller's change is committed with its
 * outbox event, whose relay runs this again until it succeeds.
 */
int
ucb_session_revoke_before(const char *uid, long before,
    const char *except_sid)
{
    int          rc;
    size_t       i;
    char         index[UC_KEY_MAX], key[UC_KEY_MAX];
    redisReply  *r, *iat;

    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         uid, strlen(uid));

    r = checked(ucb_redis_command("ZRANGE %s 0 -1", index));
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }

    rc = 0;

    for (i = 0; i < r->elements && rc == 0; i++) {
        if (except_sid != NULL && strcmp(r->element[i]->str, except_sid) == 0)
        {
            continue;
        }

        if (before > 0) {
            uc_key_session(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                           r->element[i]->str, r->element[i]->len);

            iat = checked(ucb_redis_command("HGET %s %s", key,
                                            uc_session_fields[UC_SF_ISSUED]));
            if (iat == NULL) {
                rc = -1;
                break;
            }

            /* issued after the change: a session of the new state */
            if (iat->type == REDIS_REPLY_STRING
                && strtoll(iat->str, NULL, 10) > (long long) before)
            {
                freeReplyObject(iat);
                continue;
            }

            freeReplyObject(iat);
        }

        if (ucb_session_revoke(uid, r->element[i]->str) < 0) {
            rc = -1;
        }
    }

    freeReplyObject(r);

    return rc;
}


int
ucb_session_revoke_all(const char *uid, const char *except_sid)
{
    return ucb_session_revoke_before(uid, 0, except_sid);
}


/*
 * Whether the session sid admits line, by the gateway's own rule
 * (uc_session_has_line): 1 yes, 0 no (or no such session), -1 Redis
 * failed. A session scoped to other lines is anonymous on this one.
 */
int
ucb_session_admits(const char *sid, const char *line, char *mid,
    size_t size)
{
    int           yes;
    char          key[UC_KEY_MAX];
    redisReply   *r;
    uc_session_t  sess;

    uc_key_session(key, ucb_conf.prefix, strlen(ucb_conf.prefix), sid,
                   strlen(sid));

    r = checked(ucb_redis_command("HMGET %s %s %s", key,
                                  uc_session_fields[UC_SF_LINES],
                                  uc_session_fields[UC_SF_MERCHANT]));
    if (r == NULL) {
        return -1;
    }

    yes = 0;
    mid[0] = '\0';

    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2
        && r->element[0]->type == REDIS_REPLY_STRING)
    {
        memset(&sess, 0, sizeof(sess));
        sess.lines.data = r->element[0]->str;
        sess.lines.len = r->element[0]->len;
        yes = uc_session_has_line(&sess, line, strlen(line));

        if (yes && r->element[1]->type == REDIS_REPLY_STRING
            && r->element[1]->len < size)
        {
            memcpy(mid, r->element[1]->str, r->element[1]->len);
            mid[r->element[1]->len] = '\0';
        }
    }

    freeReplyObject(r);

    return yes;
}


static void
cookie(ucb_req_t *req, const char *value, long max_age, const char *domain)
{
    char  buf[512];

    snprintf(buf, sizeof(buf), "%s=%s; Path=/; Max-Age=%ld; HttpOnly%s; "
             "SameSite=Lax%s%s", ucb_conf.cookie_name, value, max_age,
             ucb_conf.cookie_secure ? "; Secure" : "",
             domain[0] ? "; Domain=" : "", domain);

    free(req->set_cookie);
    req->set_cookie = strdup(buf);
}


void
ucb_set_session_cookie(ucb_req_t *req, const char *token,
    const ucb_session_policy_t *p)
{
    cookie(req, token, p->ttl, p->cookie_domain);
}


/* the cookie of the request's line (its domain), or the configuration's */
void
ucb_clear_session_cookie(ucb_req_t *req)
{
    ucb_session_policy_t  p;

    ucb_session_policy(req, &p);
    cookie(req, "", 0, p.cookie_domain);
}
