/*
 * uc-backend: who belongs to which business line.
 *
 * A user joins a line the first time a session is made through a location
 * of that line: the gateway names the location's line to the backend
 * (X-UC-Business-Line, trusted with the gateway's secret only), and the
 * sign-up or sign-in records the join with its channel (register,
 * password, sms, sms_register) and emits user.joined_line. Joining at the
 * session, in the backend, and not when a gateway first sees a user on a
 * line: the backend writes the store, in a transaction, once per sign-in;
 * a gateway would have to write per request, or remember in Redis whom it
 * has seen, for every request of every line.
 *
 *   GET /uc/v1/me/lines                            the caller's lines
 *   GET /uc/v1/admin/lines/{code}/members[?cursor=SEQ][&limit=N]
 */

#include <stdlib.h>
#include <string.h>

#include "ucb.h"


#define MEMBERS_PAGE  100


void
ucb_h_me_lines(ucb_req_t *req)
{
    json_t  *lines;

    if (ucb_store_user_lines(req->uid, &lines) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o}", "lines", lines));
}


void
ucb_h_admin_line_members(ucb_req_t *req)
{
    json_t   *members, *last;
    int64_t   after, limit;

    if (!ucb_line_param_valid(req)) {
        return;
    }

    after = ucb_query_number(req, "cursor", 0, INT64_MAX);
    limit = ucb_query_number(req, "limit", MEMBERS_PAGE, 1000);

    if (after < 0 || limit < 0) {
        ucb_error(req, 400, "validation_failed",
                  "\"cursor\" is the next_cursor of the previous page, "
                  "\"limit\" 1 to 1000");
        return;
    }

    if (ucb_store_line_members(req->params[0], after, (int) limit, &members)
        != UCB_OK)
    {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    last = json_array_get(members, json_array_size(members) - 1);

    ucb_reply(req, 200, json_pack("{s:s, s:o, s:o}", "line", req->params[0],
                                  "members", members, "next_cursor",
                                  json_array_size(members) == (size_t) limit
                                  && last != NULL
                                  ? json_sprintf("%lld", (long long)
                                        json_integer_value(
                                            json_object_get(last, "seq")))
                                  : json_null()));
}
