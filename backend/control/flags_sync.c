/*
 * uc-backend: feature flags copied from the store to Redis.
 *
 * Each business line's rules go to one hash, <prefix>{f:<line>}, which the
 * gateways read and cache. A change rewrites its line's hash in one MULTI
 * after the commit; the outbox thread reconciles every line at start and
 * every half minute, so a publication missed while Redis was away is made
 * good. Gateways hear of every rewrite through their invalidations, so a
 * change reaches them within a second.
 */

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


/* Rewrites the line's hash from the store in one MULTI. 0: done. */
int
ucb_flags_publish(const char *line)
{
    int           rc;
    char          key[UC_KEY_MAX];
    size_t        i, n, *lens;
    json_t       *rules, *rule;
    const char  **argv, *name;

    if (ucb_store_flags(line, &rules) != UCB_OK) {
        return -1;
    }

    n = 2 + 2 * json_object_size(rules);
    argv = malloc(n * sizeof(char *));
    lens = malloc(n * sizeof(size_t));

    if (argv == NULL || lens == NULL) {
        free(argv);
        free(lens);
        json_decref(rules);
        return -1;
    }

    argv[0] = "HSET";
    lens[0] = 4;
    argv[1] = key;
    lens[1] = uc_key_flags(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                           line, strlen(line));
    i = 2;

    json_object_foreach(rules, name, rule) {
        argv[i] = name;
        lens[i++] = strlen(name);
        argv[i] = json_string_value(rule);
        lens[i] = strlen(argv[i]);
        i++;
    }

    rc = ucb_redis_replace_hash((int) n, argv, lens);

    if (rc != 0) {
        ucb_log(UCB_LOG_WARN, "flags not published", "\"line\":\"%s\"",
                line);
    }

    free(argv);
    free(lens);
    json_decref(rules);

    return rc;
}


/* Every line whose hash differs from the store is rewritten. */
void
ucb_flags_reconcile(void)
{
    int          same;
    char         key[UC_KEY_MAX];
    size_t       i, j, len;
    json_t      *lines, *rules, *rule;
    const char  *line;
    redisReply  *r;

    if (ucb_store_flag_lines(&lines) != UCB_OK) {
        return;
    }

    json_array_foreach(lines, i, rule) {
        line = json_string_value(rule);

        if (ucb_store_flags(line, &rules) != UCB_OK) {
            continue;
        }

        len = uc_key_flags(key, ucb_conf.prefix, strlen(ucb_conf.prefix),
                           line, strlen(line));
        r = ucb_redis_command("HGETALL %b", key, len);

        same = r != NULL && r->type == REDIS_REPLY_ARRAY
               && r->elements == 2 * json_object_size(rules);

        for (j = 0; same && j + 1 < r->elements; j += 2) {
            rule = json_object_get(rules, r->element[j]->str);
            same = rule != NULL
                   && strcmp(json_string_value(rule),
                             r->element[j + 1]->str) == 0;
        }

        if (r != NULL) {
            freeReplyObject(r);
        }

        json_decref(rules);

        if (!same) {
            (void) ucb_flags_publish(line);
        }
    }

    json_decref(lines);
}
