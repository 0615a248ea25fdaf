/*
 * uc-backend: a user's devices: the sessions they hold, listed newest
 * first with a cursor, and ended one at a time, all at once, or the
 * current one (logout). A sid acts only for the user whose record names it
 * (sessions.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <microhttpd.h>

#include "ucb.h"


/* POST /uc/v1/logout */
void
ucb_h_logout(ucb_req_t *req)
{
    if (ucb_session_revoke(req->uid, req->sid) < 0) {
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    ucb_clear_session_cookie(req);
    ucb_reply(req, 204, NULL);
}


/* POST /uc/v1/logout/all */
void
ucb_h_logout_all(ucb_req_t *req)
{
    if (ucb_session_revoke_all(req->uid, NULL) != 0) {
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    ucb_clear_session_cookie(req);
    ucb_reply(req, 204, NULL);
}


/* A query argument as a number in [min, max], or def when absent. */
static long
query_long(ucb_req_t *req, const char *name, long def, long min, long max,
    int *bad)
{
    long         v;
    char        *end;
    const char  *s;

    s = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    if (s == NULL) {
        return def;
    }

    v = strtol(s, &end, 10);

    if (end == s || *end != '\0' || v < min || v > max) {
        *bad = 1;
    }

    return v;
}


/*
 * Where the page after the cursor starts. The cursor is the last item a
 * page showed, "<expiry ms>.<sid>" (opaque to clients): its rank now, so a
 * device removed meanwhile does not shift the next page, or, when that
 * item itself is gone, the number of sessions that sort before it.
 * -1 for a cursor that is not one, -2 when Redis fails.
 */
static long
sessions_offset(const char *index, const char *cursor)
{
    long         offset;
    char        *end;
    long long    score;
    const char  *sid;
    redisReply  *r;

    score = strtoll(cursor, &end, 10);

    if (end == cursor || *end != '.' || score < 0) {
        return -1;
    }

    sid = end + 1;

    if (strlen(sid) != UC_SID_LEN
        || strspn(sid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789-_") != UC_SID_LEN)
    {
        return -1;
    }

    r = ucb_redis_command("ZREVRANK %s %s", index, sid);
    if (r == NULL) {
        return -2;
    }

    if (r->type == REDIS_REPLY_INTEGER) {
        offset = (long) r->integer + 1;
        freeReplyObject(r);
        return offset;
    }

    freeReplyObject(r);

    r = ucb_redis_command("ZCOUNT %s (%lld +inf", index, score);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        return -2;
    }

    offset = (long) r->integer;
    freeReplyObject(r);

    return offset;
}


/* GET /uc/v1/sessions?limit=N&cursor=C: my devices, newest first. */
void
ucb_h_sessions(ucb_req_t *req)
{
    int          bad;
    long         limit, offset;
    size_t       i, k, last;
    char         index[UC_KEY_MAX], devices[UC_KEY_MAX + 16];
    char         ip[64], ua[192], raw[192];
    json_t      *row;
    long long    created;
    json_t      *list, *next;
    redisReply  *r, *d;
    const char  *sid, *desc, *cursor;

    bad = 0;
    limit = query_long(req, "limit", 20, 1, 100, &bad);

    if (bad) {
        ucb_error(req, 400, "validation_failed",
                  "limit is 1 to 100; cursor comes from next_cursor");
        return;
    }

    uc_key_user_sessions(index, ucb_conf.prefix, strlen(ucb_conf.prefix),
                         req->uid, strlen(req->uid));
    snprintf(devices, sizeof(devices), "%s:devices", index);

    offset = 0;
    cursor = ucb_query(req, "cursor");

    if (cursor != NULL) {
        offset = sessions_offset(index, cursor);

        if (offset == -1) {
            ucb_error(req, 400, "validation_failed",
                      "limit is 1 to 100; cursor comes from next_cursor");
            return;
        }

        if (offset < 0) {
            ucb_error(req, 503, "unavailable", "try again shortly");
            return;
        }
    }

    /* one more than asked: whether a next page exists */
    r = ucb_redis_command("ZREVRANGE %s %ld %ld WITHSCORES", index, offset,
                          offset + limit);
    d = ucb_redis_command("HGETALL %s", devices);

    if (r == NULL || d == NULL || r->type != REDIS_REPLY_ARRAY
        || d->type != REDIS_REPLY_ARRAY)
    {
        freeReplyObject(r);
        freeReplyObject(d);
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    list = json_array();

    for (i = 0; i + 1 < r->elements && i / 2 < (size_t) limit; i += 2) {
        sid = r->element[i]->str;
        desc = "";

        for (k = 0; k + 1 < d->elements; k += 2) {
            if (strcmp(d->element[k]->str, sid) == 0) {
                desc = d->element[k + 1]->str;
                break;
            }
        }

        created = 0;
        ip[0] = '\0';
        raw[0] = '\0';
        sscanf(desc, "%lld|%63[^|]|%191[^\n]", &created, ip, raw);

        /* a description written before it was cleaned still shows */
        ucb_utf8_clean(ua, sizeof(ua), raw, strlen(raw));
        ucb_utf8_clean(raw, sizeof(raw), ip, strlen(ip));

        row = json_pack("{s:s, s:b, s:I, s:I, s:s, s:s}", "id", sid,
                        "current", strcmp(sid, req->sid) == 0,
                        "created_at", (json_int_t) created,
                        "expires_at",
                        (json_int_t) (atoll(r->element[i + 1]->str) / 1000),
                        "ip", raw, "user_agent", ua);

        /* a row that cannot be shown fails the answer, never vanishes */
        if (row == NULL || json_array_append_new(list, row) != 0) {
            json_decref(list);
            freeReplyObject(r);
            freeReplyObject(d);
            ucb_log(UCB_LOG_ERROR, "a session cannot be listed",
                    "\"user\":\"%s\"", req->uid);
            ucb_error(req, 500, "internal_error",
                      "the device list cannot be shown");
            return;
        }
    }

    if (r->elements / 2 > (size_t) limit) {
        last = 2 * ((size_t) limit - 1);
        next = json_sprintf("%s.%s", r->element[last + 1]->str,
                            r->element[last]->str);

    } else {
        next = json_null();
    }

    freeReplyObject(r);
    freeReplyObject(d);

    ucb_reply(req, 200, json_pack("{s:o, s:o}", "sessions", list,
                                  "next_cursor", next));
}


/* DELETE /uc/v1/sessions/{sid} */
void
ucb_h_session_delete(ucb_req_t *req)
{
    int  rc;

    if (strlen(req->params[0]) != UC_SID_LEN) {
        ucb_error(req, 404, "not_found", "no such session");
        return;
    }

    rc = ucb_session_revoke(req->uid, req->params[0]);

    if (rc < 0) {
        ucb_error(req, 503, "unavailable", "try again shortly");
    } else if (rc == 0) {
        ucb_error(req, 404, "not_found", "no such session");
    } else {
        ucb_reply(req, 204, NULL);
    }
}
