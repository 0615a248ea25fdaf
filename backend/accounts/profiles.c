/*
 * uc-backend: profiles, read cache-aside through Redis.
 *
 *   <prefix>{u:<uid>}:profile        the profile JSON, TTL 1 h +- 10 %
 *                                    ("-" for a user with no profile,
 *                                    60 s, so absent ids stop at Redis)
 *   <prefix>{u:<uid>}:profile:lock   single-flight: SET NX PX 2000
 *
 *   <prefix>{u:<uid>}:profile:gen    bumped by every write after commit
 *
 * On a miss one reader takes the lock and rebuilds from the store; the
 * others wait for the entry (up to the lock's life) instead of all
 * reading the store at once. Every write deletes the entry after commit,
 * and a rebuild that read the store before that commit is not written
 * (the generation moved).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include "ucb.h"


#define PROFILE_TTL     3600
#define ABSENT_TTL      60
#define LOCK_MS         2000
#define WAIT_STEP_US    10000


static long  store_reads;


static void
cache_key(char *dst, size_t size, const char *uid)
{
    snprintf(dst, size, "%s{u:%s}:profile", ucb_conf.prefix, uid);
}


static json_t *
profile_json(const ucb_profile_t *p)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "nickname",
                     p->nickname, "avatar_url", p->avatar, "gender",
                     p->gender, "birthday", p->birthday, "region_code",
                     p->region, "updated_at", (json_int_t) p->updated_at);
}


static int
jitter(int ttl)
{
    uint16_t  r;

    RAND_bytes((unsigned char *) &r, sizeof(r));

    return ttl - ttl / 10 + (int) (r % (unsigned) (ttl / 5 + 1));
}


/* 1: *out set (NULL for a cached absence), 0: miss, -1: Redis failed */
static int
cache_get(const char *key, json_t **out)
{
    redisReply  *r;

    r = ucb_redis_command("GET %s", key);
    if (r == NULL) {
        return -1;
    }

    if (r->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return 0;
    }

    *out = strcmp(r->str, "-") == 0 ? NULL
                                    : json_loads(r->str, 0, NULL);
    freeReplyObject(r);

    return 1;
}


/*
 * Writers bump the profile's generation after they commit (and drop the
 * entry); a fill is written only while the generation is the one read
 * before the store was: a reader that read the old row cannot put it back
 * after a writer's delete. KEYS: generation, entry (one hash tag).
 */
static const char  generation_bump[] =
    "redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) "
    "redis.call('DEL', KEYS[2]) return 1";

static const char  generation_fill[] =
    "if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end "
    "redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) return 1";


static json_t *
load_and_cache(const char *uid, const char *key, int *found)
{
    int             rc;
    char           *text, gen[160], seen[32];
    json_t         *j;
    redisReply     *r;
    ucb_profile_t   p;

    snprintf(gen, sizeof(gen), "%s:gen", key);

    /* no generation read: no fill (the store still answers) */
    seen[0] = '\0';
    r = ucb_redis_command("GET %s", gen);

    if (r != NULL && (r->type == REDIS_REPLY_STRING
                      || r->type == REDIS_REPLY_NIL))
    {
        snprintf(seen, sizeof(seen), "%s",
                 r->type == REDIS_REPLY_STRING ? r->str : "0");
    }

    freeReplyObject(r);

    __atomic_add_fetch(&store_reads, 1, __ATOMIC_RELAXED);

    rc = ucb_store_profile_get(uid, &p);
    *found = rc == UCB_OK;

    if (rc == UCB_ERROR) {
        return NULL;
    }

    j = rc == UCB_OK ? profile_json(&p) : NULL;
    text = j != NULL ? json_dumps(j, JSON_COMPACT) : strdup("-");

    if (text != NULL && seen[0] != '\0') {
        r = ucb_redis_command("EVAL %s 2 %s %s %s %s %d", generation_fill,
                              gen, key, seen, text,
                              j != NULL ? jitter(PROFILE_TTL) : ABSENT_TTL);
        freeReplyObject(r);
    }

    free(text);

    return j;
}


/* GET /uc/v1/me/profile */
void
ucb_h_profile_get(ucb_req_t *req)
{
    int          rc, found, waited;
    char         key[128], lock[140];
    json_t      *j;
    redisReply  *r;

    cache_key(key, sizeof(key), req->uid);
    snprintf(lock, sizeof(lock), "%s:lock", key);

    j = NULL;
    rc = cache_get(key, &j);

    for (waited = 0; rc == 0; waited += WAIT_STEP_US) {
        r = ucb_redis_command("SET %s 1 NX PX %d", lock, LOCK_MS);

        if (r != NULL && r->type == REDIS_REPLY_STATUS) {
            freeReplyObject(r);

            /* the previous holder may have filled it just now */
            rc = cache_get(key, &j);

            if (rc == 0) {
                j = load_and_cache(req->uid, key, &found);
                rc = found ? 1 : 2;
            }

            r = ucb_redis_command("DEL %s", lock);
            freeReplyObject(r);
            break;
        }

        freeReplyObject(r);

        if (waited >= LOCK_MS * 1000) {
            j = load_and_cache(req->uid, key, &found);
            rc = found ? 1 : 2;
            break;
        }

        usleep(WAIT_STEP_US);
        rc = cache_get(key, &j);
    }

    if (rc < 0) {
        /* Redis down: the store still answers */
        j = load_and_cache(req->uid, key, &found);
        rc = found ? 1 : 2;
    }

    if (j == NULL) {
        ucb_error(req, 404, "not_found", "no profile");
        return;
    }

    json_object_set_new(j, "user_id", json_string(req->uid));
    ucb_reply(req, 200, j);
}


static int
valid_date(const char *s)
{
    int         y, m, d, mdays;
    time_t      now;
    struct tm   tm;
    static const int  days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31 };

    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3
        || s[4] != '-' || s[7] != '-' || m < 1 || m > 12 || d < 1)
    {
        return 0;
    }

    mdays = days[m - 1];
    if (m == 2 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        mdays = 28;
    }

    now = time(NULL);
    gmtime_r(&now, &tm);

    return d <= mdays && y >= 1900
           && (y < tm.tm_year + 1900
               || (y == tm.tm_year + 1900 && (m < tm.tm_mon + 1
                   || (m == tm.tm_mon + 1 && d <= tm.tm_mday))));
}


static int
has_control(const char *s)
{
    for ( ; *s != '\0'; s++) {
        if ((unsigned char) *s < 0x20 || *s == 0x7f) {
            return 1;
        }
    }

    return 0;
}


/* PATCH /uc/v1/me/profile: any of the fields */
void
ucb_h_profile_update(ucb_req_t *req)
{
    int                    rc;
    char                   key[128], gen[160];
    redisReply            *r;
    const char            *nick, *avatar, *gender, *birthday, *region;
    ucb_profile_t          p;
    ucb_profile_change_t   change;

    if (ucb_body_string(req, "nickname", 64, 0, &nick) != 0
        || ucb_body_string(req, "avatar_url", 512, 0, &avatar) != 0
        || ucb_body_string(req, "gender", 7, 0, &gender) != 0
        || ucb_body_string(req, "birthday", 10, 0, &birthday) != 0
        || ucb_body_string(req, "region_code", 6, 0, &region) != 0)
    {
        return;
    }

    if (nick != NULL && has_control(nick)) {
        ucb_error(req, 400, "validation_failed",
                  "\"nickname\" must not contain control characters");
        return;
    }

    if (avatar != NULL && avatar[0] != '\0'
        && (strncmp(avatar, "https://", 8) != 0 || has_control(avatar)
            || strchr(avatar, ' ') != NULL || strchr(avatar, '"') != NULL))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"avatar_url\" must be an https:// URL");
        return;
    }

    if (gender != NULL && strcmp(gender, "") != 0
        && strcmp(gender, "male") != 0 && strcmp(gender, "female") != 0
        && strcmp(gender, "other") != 0)
    {
        ucb_error(req, 400, "validation_failed",
                  "\"gender\" is one of male, female, other or empty");
        return;
    }

    if (birthday != NULL && birthday[0] != '\0' && !valid_date(birthday)) {
        ucb_error(req, 400, "validation_failed",
                  "\"birthday\" must be a past date, YYYY-MM-DD");
        return;
    }

    if (region != NULL && region[0] != '\0'
        && (strlen(region) != 6 || strspn(region, "0123456789") != 6))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"region_code\" must be a 6-digit division code");
        return;
    }

    change.nickname = nick;
    change.avatar = avatar;
    change.gender = gender;
    change.birthday = birthday;
    change.region = region;

    rc = ucb_store_profile_update(req->uid, &change);

    if (rc != UCB_OK) {
        ucb_error(req, rc == UCB_NOT_FOUND ? 404 : 500,
                  rc == UCB_NOT_FOUND ? "not_found" : "internal_error",
                  "the profile was not saved");
        return;
    }

    /* a fill that read the store before this commit must not land */
    cache_key(key, sizeof(key), req->uid);
    snprintf(gen, sizeof(gen), "%s:gen", key);
    r = ucb_redis_command("EVAL %s 2 %s %s %d", generation_bump, gen, key,
                          2 * PROFILE_TTL);
    freeReplyObject(r);

    if (ucb_store_profile_get(req->uid, &p) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "the profile was saved; "
                  "read it again");
        return;
    }

    ucb_reply(req, 200, profile_json(&p));
}


long
ucb_profile_store_reads(void)
{
    return __atomic_load_n(&store_reads, __ATOMIC_RELAXED);
}
