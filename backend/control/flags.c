/*
 * uc-backend: feature flags.
 *
 * The store is the source of truth; flags_sync.c copies each business
 * line's rules to the Redis hash the gateways read. A change commits
 * first, then is published; if Redis is away at that moment the answer
 * says "published": false and the next reconciliation puts it right.
 *
 *   GET    /uc/v1/flags?line=mall              the caller's flags
 *   GET    /uc/v1/admin/flags/{line}           the line's rules
 *   PUT    /uc/v1/admin/flags/{line}/{name}    set one
 *   DELETE /uc/v1/admin/flags/{line}/{name}    remove one
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ucb.h"
#include "uc_flags.h"


static const char *const  flag_lists[] = {
    "users", "deny_users", "merchants", "deny_merchants"
};


/* a rule as JSON for the admin API */
static json_t *
flag_json(const char *rule)
{
    size_t     i;
    json_t    *o, *a;
    uc_flag_t  f;
    uc_str_t  *lists[4];
    const char *p, *last, *comma;

    if (uc_flag_parse(rule, strlen(rule), &f) != 0) {
        return json_pack("{s:s}", "malformed", rule);
    }

    o = json_pack("{s:b, s:f, s:i}", "enabled", f.on,
                  "percent", f.pct / 100.0, "min_level", (int) f.level);

    lists[0] = &f.users;
    lists[1] = &f.deny_users;
    lists[2] = &f.merchants;
    lists[3] = &f.deny_merchants;

    for (i = 0; i < 4; i++) {
        a = json_array();
        p = lists[i]->data;
        last = p + lists[i]->len;

        while (p != NULL && p < last) {
            comma = memchr(p, ',', (size_t) (last - p));
            if (comma == NULL) {
                comma = last;
            }

            json_array_append_new(a, json_stringn(p, (size_t) (comma - p)));
            p = comma + 1;
        }

        json_object_set_new(o, flag_lists[i], a);
    }

    return o;
}


/* a JSON array of ids into "a,b,c" (buf); -1 when not a valid list */
static int
join_list(json_t *a, char *buf, size_t size, uc_str_t *out)
{
    size_t       i, n, len;
    json_t      *v;
    const char  *s;

    n = 0;
    buf[0] = '\0';

    if (a == NULL) {
        out->data = buf;
        out->len = 0;
        return 0;
    }

    if (!json_is_array(a)) {
        return -1;
    }

    json_array_foreach(a, i, v) {
        if (json_is_integer(v)) {
            len = (size_t) snprintf(buf + n, size - n, "%s%lld",
                                    n ? "," : "",
                                    (long long) json_integer_value(v));

        } else if (json_is_string(v)) {
            s = json_string_value(v);
            len = (size_t) snprintf(buf + n, size - n, "%s%s",
                                    n ? "," : "", s);

        } else {
            return -1;
        }

        if (len >= size - n) {
            return -1;
        }

        n += len;
    }

    if (!uc_flag_list_valid(buf, n)) {
        return -1;
    }

    out->data = buf;
    out->len = n;

    return 0;
}


static int
valid_names(ucb_req_t *req)
{
    if (!uc_line_valid(req->params[0], strlen(req->params[0]))) {
        ucb_error(req, 400, "validation_failed",
                  "a business line is 1 to 32 of a-z, 0-9, _ and -");
        return 0;
    }

    if (req->params[1] != NULL
        && !uc_flag_name_valid(req->params[1], strlen(req->params[1])))
    {
        ucb_error(req, 400, "validation_failed",
                  "a flag name is 1 to 64 of a-z, 0-9, _, . and -");
        return 0;
    }

    return 1;
}


/* PUT /uc/v1/admin/flags/{line}/{name} */
void
ucb_h_admin_flag_put(ucb_req_t *req)
{
    int        rc, published;
    char      *lists[4], rule[UC_FLAG_RULE_MAX + 1];
    size_t     i;
    double     pct;
    json_t    *v;
    uc_flag_t  f;
    uc_str_t  *dst[4];

    if (!valid_names(req)) {
        return;
    }

    if (req->body == NULL) {
        ucb_error(req, 400, "validation_failed", "send the flag as JSON");
        return;
    }

    memset(&f, 0, sizeof(f));

    v = json_object_get(req->body, "enabled");
    if (!json_is_boolean(v)) {
        ucb_error(req, 400, "validation_failed",
                  "\"enabled\" is required: true or false");
        return;
    }

    f.on = json_is_true(v);

    v = json_object_get(req->body, "percent");
    pct = v == NULL ? 0 : json_number_value(v);

    if ((v != NULL && !json_is_number(v)) || !(pct >= 0 && pct <= 100)) {
        ucb_error(req, 400, "validation_failed",
                  "\"percent\" is a number from 0 to 100");
        return;
    }

    f.pct = (unsigned) lround(pct * 100);

    v = json_object_get(req->body, "min_level");

    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0
                      || json_integer_value(v) > UC_LEVEL_MAX))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"min_level\" is an auth level from 0 to 4");
        return;
    }

    f.level = v != NULL ? (unsigned) json_integer_value(v) : 0;

    dst[0] = &f.users;
    dst[1] = &f.deny_users;
    dst[2] = &f.merchants;
    dst[3] = &f.deny_merchants;

    for (i = 0; i < 4; i++) {
        lists[i] = malloc(UC_FLAG_RULE_MAX / 2 + 1);
    }

    rc = 0;

    for (i = 0; i < 4; i++) {
        if (lists[i] == NULL
            || join_list(json_object_get(req->body, flag_lists[i]),
                         lists[i], UC_FLAG_RULE_MAX / 2 + 1, dst[i]) != 0)
        {
            rc = -1;
            break;
        }
    }

    if (rc == 0 && uc_flag_format(rule, sizeof(rule), &f) == 0) {
        rc = -1;
    }

    for (i = 0; i < 4; i++) {
        free(lists[i]);
    }

    if (rc != 0) {
        ucb_error(req, 400, "validation_failed",
                  "users and merchants are lists of ids (letters, digits, "
                  "_ and -), together at most 8 KB");
        return;
    }

    /* the gateway reads at most UC_FLAGS_MAX flags of a line: the store
       checks it in the transaction that adds one */
    rc = ucb_store_flag_put(req->params[0], req->params[1], rule, req->uid);

    if (rc == UCB_LIMIT) {
        ucb_error(req, 409, "too_many_flags",
                  "a business line has at most 256 flags; delete one first");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    published = ucb_flags_publish(req->params[0]) == 0;

    ucb_reply(req, 200, json_pack("{s:s, s:s, s:o, s:b}", "line",
                                  req->params[0], "name", req->params[1],
                                  "flag", flag_json(rule),
                                  "published", published));
}


/* DELETE /uc/v1/admin/flags/{line}/{name} */
void
ucb_h_admin_flag_delete(ucb_req_t *req)
{
    int  rc;

    if (!valid_names(req)) {
        return;
    }

    rc = ucb_store_flag_delete(req->params[0], req->params[1], req->uid);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such flag");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    (void) ucb_flags_publish(req->params[0]);

    ucb_reply(req, 204, NULL);
}


/* GET /uc/v1/admin/flags/{line} */
void
ucb_h_admin_flags_get(ucb_req_t *req)
{
    json_t      *rules, *flags, *rule;
    const char  *name;

    if (!valid_names(req)) {
        return;
    }

    if (ucb_store_flags(req->params[0], &rules) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    flags = json_object();

    json_object_foreach(rules, name, rule) {
        json_object_set_new(flags, name, flag_json(json_string_value(rule)));
    }

    json_decref(rules);

    ucb_reply(req, 200, json_pack("{s:s, s:o}", "line", req->params[0],
                                  "flags", flags));
}


/*
 * GET /uc/v1/flags?line=NAME: every flag of the line, true or false, for
 * the caller as the gateway identified them (anonymous otherwise): the same
 * evaluation as the gateway's X-UC-Flags.
 */
void
ucb_h_flags(ucb_req_t *req)
{
    int          admits;
    json_t      *rules, *out, *rule;
    uc_flag_t    f;
    char         session_mid[UC_MERCHANT_MAX + 1];
    const char  *line, *name, *text, *mid;

    session_mid[0] = '\0';
    line = ucb_query(req, "line");

    if (line == NULL) {
        line = ucb_header(req, "X-UC-Business-Line");
    }

    if (line == NULL || !uc_line_valid(line, strlen(line))) {
        ucb_error(req, 400, "validation_failed",
                  "say which business line: ?line=NAME");
        return;
    }

    /*
     * The gateway treats a session scoped to other lines as anonymous on
     * this one (uc_session_has_line); so does this answer.
     */
    if (req->authenticated) {
        admits = ucb_session_admits(req->sid, line, session_mid,
                                    sizeof(session_mid));

        if (admits < 0) {
            ucb_error(req, 503, "unavailable", "try again shortly");
            return;
        }

        req->authenticated = admits;
    }

    if (ucb_store_flags(line, &rules) != UCB_OK) {
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    /*
     * The session's merchant, from its record (the user center's own
     * locations run with usercenter_merchant off: no X-UC-Merchant-Id),
     * and only while the gateway would admit it on this line.
     */
    mid = req->authenticated && session_mid[0] != '\0'
          && ucb_merchant_admits(session_mid, req->uid, line) == 1
          ? session_mid : "";

    out = json_object();

    json_object_foreach(rules, name, rule) {
        text = json_string_value(rule);

        if (uc_flag_parse(text, strlen(text), &f) != 0) {
            json_object_set_new(out, name, json_false());
            continue;
        }

        json_object_set_new(out, name, json_boolean(
            uc_flag_eval(&f, name, strlen(name),
                         req->authenticated ? req->uid : "",
                         req->authenticated ? strlen(req->uid) : 0,
                         mid, strlen(mid),
                         req->authenticated ? (unsigned) req->level : 0)));
    }

    json_decref(rules);

    ucb_reply(req, 200, json_pack("{s:s, s:o}", "line", line, "flags", out));
}
