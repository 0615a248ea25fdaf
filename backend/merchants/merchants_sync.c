/*
 * uc-backend: merchants copied from the store to Redis, where the gateways
 * read them through their near-cache:
 *
 *   <prefix>{m:<id>}           status, version, line:<code> -> status
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


#define MARGIN_S     120
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

    argc = 6 + 2 * n;
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

    json_array_foreach(lines, i, line) {
        char  *name = names + i * (5 + UC_LINE_MAX + 1);

        snprintf(name, 5 + UC_LINE_MAX + 1, "line:%s",
                 json_string_value(json_object_get(line, "line")));
        argv[6 + 2 * i] = name;
        argv[7 + 2 * i] = json_string_value(json_object_get(line, "status"));
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


/* 1 when the copy at key holds version, 0 when not, -1: Redis failed */
static int
copy_is(const char *key, json_t *version)
{
    int          same;
    char         v[24];
    redisReply  *r;

    snprintf(v, sizeof(v), "%lld", (long long) json_integer_value(version));

    r = ucb_redis_command("HGET %s version", key);
    if (r == NULL) {
        return -1;
    }

    same = r->type == REDIS_REPLY_STRING && strcmp(r->str, v) == 0;
    freeReplyObject(r);

    return same;
}


/*
 * Every copy of one merchant against the store: each member's (a missed
 * publication of one is not hidden by a later one of the merchant's),
 * then the merchant's. -1 when Redis failed.
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
        return 0;               /* the store's trouble: the next round */
    }

    json_array_foreach(members, i, member) {
        uid = json_string_value(json_object_get(member, "user_id"));
        uc_key_merchant_member(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                               mid, strlen(mid), uid, strlen(uid));

        same = copy_is(key, json_object_get(member, "version"));

        if (same < 0) {
            json_decref(members);
            return -1;
        }

        if (!same) {
            (void) ucb_merchant_member_publish(mid, member);
        }
    }

    json_decref(members);

    merchant_key(key, mid);
    same = copy_is(key, version);

    if (same == 0) {
        (void) ucb_merchant_publish(mid);
    }

    return same < 0 ? -1 : 0;
}


/* Merchants changed since (0: all): their copies made good. */
static int
reconcile_since(int64_t since)
{
    char         after[UC_MERCHANT_MAX + 1];
    size_t       i, n;
    json_t      *page, *m;
    const char  *mid;

    after[0] = '\0';

    do {
        if (ucb_store_merchants_changed(since, after, PAGE, &page)
            != UCB_OK)
        {
            return -1;
        }

        n = json_array_size(page);

        json_array_foreach(page, i, m) {
            mid = json_string_value(json_object_get(m, "id"));
            snprintf(after, sizeof(after), "%s", mid);

            if (reconcile_one(mid, json_object_get(m, "version")) != 0) {
                json_decref(page);
                return -1;      /* Redis is away: the next round */
            }
        }

        json_decref(page);

    } while (n == PAGE);

    return 0;
}


/*
 * Called by the outbox thread only. A round looks at the merchants
 * changed since the last round that went through (less a margin for the
 * clocks of other backends), so a change made while Redis was away for
 * however long is made good; at start, and whenever Redis has lost the
 * marker, at every merchant.
 */
void
ucb_merchants_reconcile(void)
{
    int             whole;
    char            marker[UC_PREFIX_MAX + sizeof(MARKER)];
    int64_t         started;
    redisReply     *r;
    static int64_t  since = -1;

    snprintf(marker, sizeof(marker), "%s" MARKER, ucb_conf.prefix);
    started = (int64_t) time(NULL);

    r = ucb_redis_command("EXISTS %s", marker);
    if (r == NULL) {
        return;
    }

    whole = !(r->type == REDIS_REPLY_INTEGER && r->integer == 1) || since < 0;
    freeReplyObject(r);

    if (reconcile_since(whole ? 0 : since) != 0) {
        return;                 /* the next round starts from the same */
    }

    since = started - MARGIN_S;

    if (whole) {
        r = ucb_redis_command("SET %s 1", marker);
        freeReplyObject(r);
    }
}
