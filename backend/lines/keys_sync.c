/*
 * uc-backend: business lines' service keys copied to Redis, where the
 * gateways check them: <prefix>{k:<key id>} holds line, status,
 * expires_at and the SHA-256 of the secret. Written after each change's
 * commit; the outbox thread reconciles every key's status at start and
 * every half minute, so a write missed while Redis was away is made good
 * (a revocation included).
 */

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


/*
 * KEYS[1] the copy, ARGV field/value pairs (status second): a revocation
 * is final, so a copy that says revoked is never made active again by a
 * publication that read the store before the revocation committed.
 */
static const char  replace_script[] =
    "if redis.call('HGET', KEYS[1], 'status') == 'revoked' "
    "and ARGV[4] ~= 'revoked' then return 0 end "
    "redis.call('DEL', KEYS[1]) "
    "redis.call('HSET', KEYS[1], unpack(ARGV)) "
    "return 1";


int
ucb_keys_publish(const char *kid)
{
    int          rc;
    char         key[UC_KEY_MAX], expires[24];
    size_t       lens[10], i;
    json_t      *k;
    const char  *argv[10];

    if (ucb_store_key_get(kid, &k) != UCB_OK) {
        return -1;
    }

    snprintf(expires, sizeof(expires), "%lld", (long long)
             json_integer_value(json_object_get(k, "expires_at")));

    argv[0] = "HSET";
    argv[1] = key;
    lens[1] = uc_key_service(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                             kid, strlen(kid));
    argv[2] = "line";
    argv[3] = json_string_value(json_object_get(k, "line"));
    argv[4] = "status";
    argv[5] = json_string_value(json_object_get(k, "status"));
    argv[6] = "expires_at";
    argv[7] = expires;
    argv[8] = "hash";
    argv[9] = json_string_value(json_object_get(k, "hash"));

    for (i = 0; i < 10; i++) {
        if (i != 1) {
            lens[i] = argv[i] != NULL ? strlen(argv[i]) : 0;
        }
    }

    rc = ucb_redis_hash_script(replace_script, 10, argv, lens);

    if (rc != 0) {
        ucb_log(UCB_LOG_WARN, "service key not published",
                "\"key_id\":\"%s\"", kid);
    }

    json_decref(k);

    return rc;
}


/* Every key whose copy says another status than the store is rewritten. */
void
ucb_keys_reconcile(void)
{
    char         key[UC_KEY_MAX];
    size_t       i;
    json_t      *keys, *k;
    const char  *kid, *status;
    redisReply  *r;

    if (ucb_store_keys(NULL, &keys) != UCB_OK) {
        return;
    }

    json_array_foreach(keys, i, k) {
        kid = json_string_value(json_object_get(k, "key_id"));
        status = json_string_value(json_object_get(k, "status"));

        r = ucb_redis_command("HGET %b status", key,
                              uc_key_service(key, ucb_conf.prefix,
                                             strlen(ucb_conf.prefix), kid,
                                             strlen(kid)));
        if (r == NULL) {
            break;
        }

        if (r->type != REDIS_REPLY_STRING || strcmp(r->str, status) != 0) {
            (void) ucb_keys_publish(kid);
        }

        freeReplyObject(r);
    }

    json_decref(keys);
}
