/*
 * uc-backend: business lines copied from the store to Redis.
 *
 * A line's record goes to one hash, <prefix>{l:<code>}, which the gateways
 * read through their near-cache: status, name, version and the session
 * policy. A change rewrites it after the commit, by a script that replaces
 * the hash only with a newer version: two changes committed in one order
 * and published in the other leave the newer. The outbox thread compares
 * every line's version with the store at start and every half minute and
 * publishes what the store holds then, so a write missed while Redis was
 * away is made good.
 */

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


static size_t
line_key(char *key, const char *code)
{
    return uc_key_line(key, ucb_conf.prefix, strlen(ucb_conf.prefix), code,
                       strlen(code));
}


/*
 * KEYS[1] the hash, ARGV its field/value pairs (the version the sixth, as
 * publish() writes them): replaced unless it holds this version or a newer
 * one already.
 */
static const char  replace_script[] =
    "local v = redis.call('HGET', KEYS[1], 'version') "
    "if v and tonumber(v) and tonumber(v) >= tonumber(ARGV[6]) then "
    "return 0 end "
    "redis.call('DEL', KEYS[1]) "
    "redis.call('HSET', KEYS[1], unpack(ARGV)) "
    "return 1";


/* Writes the hash from the record (a JSON object of the admin API). */
static int
publish(json_t *line)
{
    int          rc;
    char         key[UC_KEY_MAX], version[24], idle[24], lifetime[24];
    size_t       lens[14];
    json_t      *session;
    const char  *argv[14], *code;

    code = json_string_value(json_object_get(line, "code"));
    session = json_object_get(line, "session");

    snprintf(version, sizeof(version), "%lld", (long long)
             json_integer_value(json_object_get(line, "version")));
    snprintf(idle, sizeof(idle), "%lld", (long long)
             json_integer_value(json_object_get(session, "idle_timeout")));
    snprintf(lifetime, sizeof(lifetime), "%lld", (long long)
             json_integer_value(json_object_get(session, "max_lifetime")));

    argv[0] = "HSET";
    argv[1] = key;
    lens[1] = line_key(key, code);
    argv[2] = "status";
    argv[3] = json_string_value(json_object_get(line, "status"));
    argv[4] = "name";
    argv[5] = json_string_value(json_object_get(line, "name"));
    argv[6] = "version";
    argv[7] = version;
    argv[8] = "idle_timeout";
    argv[9] = idle;
    argv[10] = "max_lifetime";
    argv[11] = lifetime;
    argv[12] = "cookie_domain";
    argv[13] = json_string_value(json_object_get(line, "cookie_domain"));

    for (rc = 0; rc < 14; rc++) {
        if (rc != 1) {
            lens[rc] = argv[rc] != NULL ? strlen(argv[rc]) : 0;
        }
    }

    rc = ucb_redis_hash_script(replace_script, 14, argv, lens);

    if (rc != 0) {
        ucb_log(UCB_LOG_WARN, "line not published", "\"line\":\"%s\"",
                code);
    }

    return rc;
}


int
ucb_lines_publish(const char *code)
{
    int      rc;
    json_t  *line;

    if (ucb_store_line_get(code, &line) != UCB_OK) {
        return -1;
    }

    rc = publish(line);
    json_decref(line);

    return rc;
}


/* Every line whose hash has another version than the store is rewritten. */
void
ucb_lines_reconcile(void)
{
    char         key[UC_KEY_MAX], version[24];
    size_t       i, len;
    json_t      *lines, *line;
    const char  *code;
    redisReply  *r;

    if (ucb_store_lines(&lines) != UCB_OK) {
        return;
    }

    json_array_foreach(lines, i, line) {
        code = json_string_value(json_object_get(line, "code"));
        snprintf(version, sizeof(version), "%lld", (long long)
                 json_integer_value(json_object_get(line, "version")));

        len = line_key(key, code);
        r = ucb_redis_command("HGET %b version", key, len);

        if (r == NULL) {
            break;      /* Redis is away: the next round */
        }

        /* what the store holds now: the snapshot may be older than a
           change published since (the script keeps the newer anyway) */
        if (r->type != REDIS_REPLY_STRING || strcmp(r->str, version) != 0) {
            (void) ucb_lines_publish(code);
        }

        freeReplyObject(r);
    }

    json_decref(lines);
}
