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


int
ucb_session_create(const char *uid, int level, const char *ip,
    const char *ua, char *token, long *expires)
{
    int               argc, ok, i;
    char              sid[UC_SID_LEN + 1], index[UC_KEY_MAX];
    char              devices[UC_KEY_MAX + 16], device[256];
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
    *expires = (long) now + ucb_conf.session_ttl;

    argc = uc_session_hset_argv(&buf, ucb_conf.prefix, sid, uid,
                                (unsigned) level, "*", "", now,
                                ucb_conf.session_ttl, ucb_conf.session_idle,
                                argv, lens);

    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         uid, strlen(uid));
    devices_key(devices, uid);
    snprintf(device, sizeof(device), "%lld|%s|%.160s", (long long) now, ip,
             ua);

    c = ucb_redis();
    if (c == NULL) {
        return -1;
    }

    redisAppendCommand(c, "ZADD %s %lld %s", index,
                       (long long) *expires * 1000, sid);
    redisAppendCommand(c, "HSET %s %s %s", devices, sid, device);
    redisAppendCommand(c, "MULTI");
    redisAppendCommandArgv(c, argc, argv, lens);
    redisAppendCommand(c, "EXPIRE %s %ld", buf.key, ucb_conf.session_idle);
    redisAppendCommand(c, "EXEC");

    ok = 1;

    for (i = 0; i < 6; i++) {
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


/* Deletes one session of uid; 1 when it existed. */
int
ucb_session_revoke(const char *uid, const char *sid)
{
    int          existed;
    char         key[UC_KEY_MAX], index[UC_KEY_MAX], devices[UC_KEY_MAX + 16];
    redisReply  *r;

    uc_key_session(key, ucb_conf.prefix, strlen(ucb_conf.prefix), sid,
                   strlen(sid));
    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         uid, strlen(uid));
    devices_key(devices, uid);

    r = ucb_redis_command("ZREM %s %s", index, sid);
    if (r == NULL) {
        return -1;
    }

    existed = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);

    r = ucb_redis_command("DEL %s", key);
    freeReplyObject(r);
    r = ucb_redis_command("HDEL %s %s", devices, sid);
    freeReplyObject(r);

    return existed;
}


/* Every session of uid but except_sid (NULL: all). */
int
ucb_session_revoke_all(const char *uid, const char *except_sid)
{
    size_t       i;
    char         index[UC_KEY_MAX];
    redisReply  *r;

    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         uid, strlen(uid));

    r = ucb_redis_command("ZRANGE %s 0 -1", index);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }

    for (i = 0; i < r->elements; i++) {
        if (except_sid != NULL && strcmp(r->element[i]->str, except_sid) == 0)
        {
            continue;
        }

        if (ucb_session_revoke(uid, r->element[i]->str) < 0) {
            freeReplyObject(r);
            return -1;
        }
    }

    freeReplyObject(r);

    return 0;
}


static void
cookie(ucb_req_t *req, const char *value, long max_age)
{
    char  buf[512];

    snprintf(buf, sizeof(buf), "%s=%s; Path=/; Max-Age=%ld; HttpOnly%s; "
             "SameSite=Lax%s%s", ucb_conf.cookie_name, value, max_age,
             ucb_conf.cookie_secure ? "; Secure" : "",
             ucb_conf.cookie_domain[0] ? "; Domain=" : "",
             ucb_conf.cookie_domain);

    free(req->set_cookie);
    req->set_cookie = strdup(buf);
}


void
ucb_set_session_cookie(ucb_req_t *req, const char *token)
{
    cookie(req, token, ucb_conf.session_ttl);
}


void
ucb_clear_session_cookie(ucb_req_t *req)
{
    cookie(req, "", 0);
}
