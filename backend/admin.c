/*
 * uc-backend: the administrators' endpoints under /uc/v1/admin/ (the
 * router lets only admin_users in).
 */

#include <stdio.h>
#include <string.h>

#include "ucb.h"


long ucb_profile_store_reads(void);


static void
admin_status(ucb_req_t *req, int status, const char *event)
{
    int  rc;

    if (strspn(req->params[0], "0123456789") != strlen(req->params[0])
        || strlen(req->params[0]) > UC_UID_MAX)
    {
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

    if (status == UCB_USER_FROZEN) {
        (void) ucb_session_revoke_all(req->params[0], NULL);
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

    ucb_reply(req, 200, json_pack("{s:I, s:I, s:I}", "users",
                                  (json_int_t) users, "events",
                                  (json_int_t) events,
                                  "profile_store_reads",
                                  (json_int_t) ucb_profile_store_reads()));
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

    if (ucb_serial_next(req->params[0], serial, sizeof(serial)) != 0) {
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    ucb_reply(req, 201, json_pack("{s:s}", "serial", serial));
}
