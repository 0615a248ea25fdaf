/*
 * uc-backend: merchants copied from the store to Redis, where the gateways
 * read them through their near-cache:
 *
 *   <prefix>{m:<id>}           status, version, certification,
 *                              line:<code> -> status
 *   <prefix>{m:<id>}:u:<uid>   role ("" once removed), version
 *
 * A change rewrites its copies after the commit: the member's first, then
 * the merchant's, each by a script that replaces a hash only with a newer
 * version, so two changes published out of order leave the newer. Every
 * change of a merchant (its members' too) moves its updated_at, so the
 * outbox thread finds, every half minute, the merchants changed since its
 * last good round and compares each copy, the members' one by one, with
 * the store (every merchant at start, and when Redis lost its marker:
 * a restart without data, a flush), and writes again what differs.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


#define MARGIN_S     120
#define WHOLE_BATCH  1000
#define PAGE         200
#define MARKER       "sync:merchants"


/* KEYS[1] the hash, ARGV field/value pairs, the version fourth */
static const char  replace_script[] =
    "local v = redis.call('HGET', KEYS[1], 'version') "
    "if v and tonumber(v) and tonumber(v) >= tonumber(ARGV[4]) then "
    "return 0 end "
    "redis.call('DEL', KEYS[1]) "
    "redis.call('HSET', KEYS[1], unpack(ARGV)) "
    "return 1";


static size_t
merchant_key(char *key, const char *mid)
{
    return uc_key_merchant(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                           mid, strlen(mid));
}


int
ucb_merchant_member_publish(const char *mid, json_t *member)
{
    char         key[UC_KEY_MAX], version[24];
    size_t       lens[6], i;
    const char  *argv[6], *uid;

    uid = json_string_value(json_object_get(member, "user_id"));
    snprintf(version, sizeof(version), "%lld", (long long)
             json_integer_value(json_object_get(member, "version")));

    argv[0] = "HSET";
    argv[1] = key;
    lens[1] = uc_key_merchant_member(key, ucb_conf.prefix,
                                     strlen(ucb_conf.prefix), mid,
                                     strlen(mid), uid, strlen(uid));
    argv[2] = "role";
    argv[3] = json_string_value(json_object_get(member, "role"));
    argv[4] = "version";
    argv[5] = version;

    for (i = 0; i < 6; i++) {
        if (i != 1) {
            lens[i] = argv[i] != NULL ? strlen(argv[i]) : 0;
        }
    }

    return ucb_redis_hash_script(replace_script, 6, argv, lens);
}


/* The merchant's own hash from its record (as the admin API shows it). */
static int
publish_record(json_t *merchant)
{
    int           rc;
    char          key[UC_KEY_MAX], version[24], *names;
    size_t        i, n, argc, *lens;
    json_t       *lines, *line;
    const char  **argv, *mid;

    mid = json_string_value(json_object_get(merchant, "id"));
    lines = json_object_get(merchant, "lines");
    n = json_array_size(lines);

    snprintf(version, sizeof(version), "%lld", (long long)
             json_integer_value(json_object_get(merchant, "version")));

    argc = 8 + 2 * n;
    argv = malloc(argc * sizeof(char *));
    lens = malloc(argc * sizeof(size_t));
    names = malloc(n * (5 + UC_LINE_MAX + 1) + 1);

    if (argv == NULL || lens == NULL || names == NULL) {
        free(argv);
        free(lens);
        free(names);
        return -1;
    }

    argv[0] = "HSET";
    argv[1] = key;
    lens[1] = merchant_key(key, mid);
    argv[2] = "status";
    argv[3] = json_string_value(json_object_get(merchant, "status"));
    argv[4] = "version";
    argv[5] = version;
    /* "certified": sessions acting for it are level 4 at the gateways */
    argv[6] = "certification";
    argv[7] = json_string_value(json_object_get(merchant, "certification"));

    json_array_foreach(lines, i, line) {
        char  *name = names + i * (5 + UC_LINE_MAX + 1);

        snprintf(name, 5 + UC_LINE_MAX + 1, "line:%s",
                 json_string_value(json_object_get(line, "line")));
        argv[8 + 2 * i] = name;
        argv[9 + 2 * i] = json_string_value(json_object_get(line, "status"));
    }

    for (i = 0; i < argc; i++) {
        if (i != 1) {
            lens[i] = argv[i] != NULL ? strlen(argv[i]) : 0;
        }
    }

    rc = ucb_redis_hash_script(replace_script, (int) argc, argv, lens);

    free(argv);
    free(lens);
    free(names);

    return rc;
}


int
ucb_merchant_publish(const char *mid)
{
    int      rc;
    json_t  *merchant;

    if (ucb_store_merchant_get(mid, &merchant) != UCB_OK) {
        return -1;
    }

    rc = publish_record(merchant);
    json_decref(merchant);

    if (rc != 0) {
        ucb_log(UCB_LOG_WARN, "merchant not published",
                "\"merchant_id\":\"%s\"", mid);
    }

    return rc;
}


/* Every member's copy (the removed ones' too), then the merchant's. */
int
ucb_merchant_publish_all(const char *mid)
{
    size_t   i;
    json_t  *members, *member;

    if (ucb_store_members(mid, 1, &members) != UCB_OK) {
        return -1;
    }

    json_array_foreach(members, i, member) {
        if (ucb_merchant_member_publish(mid, member) != 0) {
            json_decref(members);
            return -1;
        }
    }

    json_decref(members);

    return ucb_merchant_publish(mid);
}


/* 1 when the copy at key holds version or a newer one (the scripts keep
   the newer), 0 when not, -1: Redis failed or refused */
static int
copy_is(const char *key, json_t *version)
{
    int          same;
    redisReply  *r;

    r = ucb_redis_command("HGET %s version", key);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        return -1;
    }

    same = r->type == REDIS_REPLY_STRING
           && strtoll(r->str, NULL, 10) >= json_integer_value(version);
    freeReplyObject(r);

    return same;
}


/*
 * Every copy of one merchant against the store: each member's (a missed
 * publication of one is not hidden by a later one of the merchant's),
 * then the merchant's. -1 when the store or Redis failed: the round is
 * not good, and the next one starts from the same place.
 */
static int
reconcile_one(const char *mid, json_t *version)
{
    int          same;
    char         key[UC_KEY_MAX];
    size_t       i;
    json_t      *members, *member;
    const char  *uid;

    if (ucb_store_members(mid, 1, &members) != UCB_OK) {
        return -1;
    }

    json_array_foreach(members, i, member) {
        uid = json_string_value(json_object_get(member, "user_id"));
        uc_key_merchant_member(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                               mid, strlen(mid), uid, strlen(uid));

        same = copy_is(key, json_object_get(member, "version"));

        if (same < 0
            || (!same && ucb_merchant_member_publish(mid, member) != 0))
        {
            json_decref(members);
            return -1;
        }
    }

    json_decref(members);

    merchant_key(key, mid);
    same = copy_is(key, version);

    if (same < 0 || (!same && ucb_merchant_publish(mid) != 0)) {
        return -1;
    }

    return 0;
}


/*
 * The merchants changed since (0: all), by id after *after (moved as they
 * are done), at most limit of them (0: all): 1 when none is left, 0 when
 * the limit stopped it, -1 on a failure.
 */
static int
reconcile_since(int64_t since, char *after, size_t limit)
{
    size_t       i, n, done;
    json_t      *page, *m;
    const char  *mid;

    done = 0;

    do {
        if (ucb_store_merchants_changed(since, after, PAGE, &page)
            != UCB_OK)
        {
            return -1;
        }

        n = json_array_size(page);

        json_array_foreach(page, i, m) {
            mid = json_string_value(json_object_get(m, "id"));

            if (reconcile_one(mid, json_object_get(m, "version")) != 0) {
                json_decref(page);
                return -1;
            }

            snprintf(after, UC_MERCHANT_MAX + 1, "%s", mid);
            done++;
        }

        json_decref(page);

        if (limit > 0 && done >= limit && n == PAGE) {
            return 0;
        }

    } while (n == PAGE);

    return 1;
}


/*
 * Called by the outbox thread only, every half minute, so a round is kept
 * short (the thread also relays the events): the merchants changed since
 * the last good round (less a margin for the clocks of other backends),
 * and up to WHOLE_BATCH more of a pass over every merchant, which runs at
 * start and whenever Redis has lost the marker, from round to round.
 */
void
ucb_merchants_reconcile(void)
{
    int             rc;
    char            marker[UC_PREFIX_MAX + sizeof(MARKER)];
    char            after[UC_MERCHANT_MAX + 1];
    int64_t         started;
    redisReply     *r;
    static int      whole = 0;
    static char     whole_after[UC_MERCHANT_MAX + 1];
    static int64_t  since = -1;

    snprintf(marker, sizeof(marker), "%s" MARKER, ucb_conf.prefix);
    started = (int64_t) time(NULL);

    r = ucb_redis_command("EXISTS %s", marker);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        return;
    }

    if ((r->integer != 1 || since < 0) && !whole) {
        whole = 1;
        whole_after[0] = '\0';

        if (since < 0) {
            since = started - MARGIN_S;
        }
    }

    freeReplyObject(r);

    if (whole) {
        rc = reconcile_since(0, whole_after, WHOLE_BATCH);

        if (rc < 0) {
            return;
        }

        if (rc == 1) {
            whole = 0;
            r = ucb_redis_command("SET %s 1", marker);
            freeReplyObject(r);
        }
    }

    after[0] = '\0';

    if (reconcile_since(since, after, 0) == 1) {
        since = started - MARGIN_S;
    }
}


/*
 * What the gateway decides for a session acting for mid, from the same
 * copies: 1 when the merchant is active (and so on line, unless line is
 * "") and uid a member, 0 when not, -1 when Redis failed.
 */
int
ucb_merchant_admits(const char *mid, const char *uid, const char *line)
{
    int          yes;
    char         key[UC_KEY_MAX], field[5 + UC_LINE_MAX + 1];
    redisReply  *r;

    uc_key_merchant_member(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                           mid, strlen(mid), uid, strlen(uid));

    r = ucb_redis_command("HGET %s role", key);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        return -1;
    }

    yes = r->type == REDIS_REPLY_STRING && r->len > 0;
    freeReplyObject(r);

    if (!yes) {
        return 0;
    }

    merchant_key(key, mid);
    snprintf(field, sizeof(field), "line:%s", line);

    r = ucb_redis_command("HMGET %s status %s", key, line[0] ? field
                                                             : "status");
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        freeReplyObject(r);
        return -1;
    }

    yes = r->element[0]->type == REDIS_REPLY_STRING
          && strcmp(r->element[0]->str, "active") == 0
          && (line[0] == '\0'
              || (r->element[1]->type == REDIS_REPLY_STRING
                  && strcmp(r->element[1]->str, "active") == 0));
    freeReplyObject(r);

    return yes;
}
