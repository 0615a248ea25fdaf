/*
 * uc-backend: the administrators' endpoints under /uc/v1/admin/ (the
 * router lets only admin_users in).
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


long ucb_profile_store_reads(void);


static void
admin_status(ucb_req_t *req, int status, const char *event)
{
    int  rc;

    /* as stored: "0123" would freeze 123 and revoke another's sessions */
    if (!ucb_id_canonical(req->params[0])) {
        ucb_error(req, 404, "not_found", "no such user");
        return;
    }

    rc = ucb_store_set_status(req->params[0], status, event, req->uid);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such user");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    /* the relay of user.frozen makes sure, should Redis fail here */
    if (status == UCB_USER_FROZEN) {
        (void) ucb_session_revoke_before(req->params[0], (long) time(NULL),
                                         NULL);
    }

    ucb_reply(req, 204, NULL);
}


void
ucb_h_admin_freeze(ucb_req_t *req)
{
    admin_status(req, UCB_USER_FROZEN, "user.frozen");
}


void
ucb_h_admin_unfreeze(ucb_req_t *req)
{
    admin_status(req, UCB_USER_ACTIVE, "user.unfrozen");
}


/* GET /uc/v1/admin/stats */
void
ucb_h_admin_stats(ucb_req_t *req)
{
    int64_t  users, events;

    if (ucb_store_count("users", &users) != UCB_OK
        || ucb_store_count("outbox", &events) != UCB_OK)
    {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:I, s:I, s:I, s:I}", "users",
                                  (json_int_t) users, "events",
                                  (json_int_t) events,
                                  "profile_store_reads",
                                  (json_int_t) ucb_profile_store_reads(),
                                  "merchant_store_reads",
                                  (json_int_t) ucb_merchant_store_reads()));
}


/* POST /uc/v1/admin/serials/{prefix} */
void
ucb_h_admin_serial(ucb_req_t *req)
{
    char  serial[48];

    if (!ucb_serial_prefix_valid(req->params[0])) {
        ucb_error(req, 400, "validation_failed",
                  "the prefix is 1 to 8 capital letters");
        return;
    }

    /* the store's: 503 store_unavailable when it cannot be reached */
    if (ucb_serial_next(req->params[0], serial, sizeof(serial)) != 0) {
        ucb_error(req, 500, "internal_error", "no serial number now");
        return;
    }

    ucb_reply(req, 201, json_pack("{s:s}", "serial", serial));
}


/*
 * The registration guard's lists (Redis sets the gateway reads):
 *   GET  /uc/v1/admin/guard                    every list
 *   POST /uc/v1/admin/guard/{list}             {"value": ...} adds
 *   POST /uc/v1/admin/guard/{list}/remove      {"value": ...} removes
 * list: block-ip, block-domain, block-prefix, allow-ip.
 */
static const char *const  guard_lists[][2] = {
    { "block-ip", "block:ip" },
    { "block-domain", "block:domain" },
    { "block-prefix", "block:prefix" },
    { "allow-ip", "allow:ip" },
};

#define NGUARD_LISTS  (sizeof(guard_lists) / sizeof(guard_lists[0]))


static const char *
guard_list(const char *name)
{
    size_t  i;

    for (i = 0; i < NGUARD_LISTS; i++) {
        if (strcmp(name, guard_lists[i][0]) == 0) {
            return guard_lists[i][1];
        }
    }

    return NULL;
}


void
ucb_h_admin_guard_get(ucb_req_t *req)
{
    size_t       i, k;
    json_t      *out, *arr;
    redisReply  *r;

    out = json_object();

    for (i = 0; i < NGUARD_LISTS; i++) {
        r = ucb_redis_command("SMEMBERS %s{guard}:%s", ucb_conf.prefix,
                              guard_lists[i][1]);

        if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            json_decref(out);
            ucb_error(req, 503, "unavailable", "try again shortly");
            return;
        }

        arr = json_array();

        for (k = 0; k < r->elements; k++) {
            json_array_append_new(arr, json_string(r->element[k]->str));
        }

        json_object_set_new(out, guard_lists[i][0], arr);
        freeReplyObject(r);
    }

    ucb_reply(req, 200, out);
}


static void
guard_change(ucb_req_t *req, const char *command)
{
    const char  *list, *value;
    redisReply  *r;

    list = guard_list(req->params[0]);

    if (list == NULL) {
        ucb_error(req, 404, "not_found",
                  "lists: block-ip, block-domain, block-prefix, allow-ip");
        return;
    }

    if (ucb_body_string(req, "value", 128, 1, &value) != 0) {
        return;
    }

    if (value[0] == '\0' || strpbrk(value, " \t\r\n") != NULL
        || !ucb_valid_utf8(value, strlen(value)))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"value\": 1 to 128 characters without spaces");
        return;
    }

    r = ucb_redis_command("%s %s{guard}:%s %s", command, ucb_conf.prefix,
                          list, value);

    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    freeReplyObject(r);

    ucb_log(UCB_LOG_INFO, "guard list changed", "\"list\":\"%s\","
            "\"change\":\"%s\",\"by\":\"%s\"", req->params[0], command,
            req->uid);

    ucb_reply(req, 204, NULL);
}


void
ucb_h_admin_guard_add(ucb_req_t *req)
{
    guard_change(req, "SADD");
}


void
ucb_h_admin_guard_remove(ucb_req_t *req)
{
    guard_change(req, "SREM");
}
