/*
 * uc-backend: profiles, read cache-aside through Redis (cache.c):
 *
 *   <prefix>{u:<uid>}:profile        the profile JSON, TTL 1 h +- 10 %
 *                                    ("-" for a user with no profile,
 *                                    60 s, so absent ids stop at Redis)
 *   <prefix>{u:<uid>}:profile:lock   single-flight
 *   <prefix>{u:<uid>}:profile:gen    bumped by every write after commit
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ucb.h"


static int load_profile(const char *uid, json_t **out);

static ucb_cache_t  profile_cache = { 3600, 60, load_profile, 0 };


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
load_profile(const char *uid, json_t **out)
{
    int            rc;
    ucb_profile_t  p;

    rc = ucb_store_profile_get(uid, &p);

    if (rc == UCB_OK) {
        *out = profile_json(&p);
        return *out != NULL ? UCB_OK : UCB_ERROR;
    }

    return rc;
}


/* GET /uc/v1/me/profile */
void
ucb_h_profile_get(ucb_req_t *req)
{
    int      rc;
    char     key[128];
    json_t  *j;

    cache_key(key, sizeof(key), req->uid);

    rc = ucb_cache_read(&profile_cache, key, req->uid, &j);

    if (rc == UCB_ERROR) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
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
    char                   key[128];
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

    cache_key(key, sizeof(key), req->uid);
    ucb_cache_drop(&profile_cache, key);

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
    return ucb_cache_store_reads(&profile_cache);
}
