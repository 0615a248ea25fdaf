/*
 * uc-backend: business lines, the admin API.
 *
 *   GET  /uc/v1/admin/lines                  every line
 *   GET  /uc/v1/admin/lines/{code}           one
 *   PUT  /uc/v1/admin/lines/{code}           creates (active) or replaces
 *        {"name", "return_urls": [...], "cookie_domain",
 *         "session": {"idle_timeout", "max_lifetime"}, "settings": {...},
 *         "version": the one edited (optional: 409 if it moved)}
 *   POST /uc/v1/admin/lines/{code}/suspend   gateways answer 403 within 1 s
 *   POST /uc/v1/admin/lines/{code}/resume
 *   GET  /uc/v1/admin/audit?subject=line:{code}[&cursor=ID][&limit=N]
 *
 * A change is committed with its audit row and event, then the line's
 * record is written to Redis for the gateways (lines_sync.c); the answer
 * says whether that worked ("published"), and the reconciler of the
 * outbox thread makes good a miss within half a minute.
 */

#include <stdlib.h>
#include <string.h>

#include "ucb.h"


#define LINE_NAME_MAX       64
#define RETURN_URLS_MAX     32
#define SETTINGS_MAX        4096
#define SESSION_MAX_S       (366 * 86400)
#define AUDIT_PAGE          50


/* the {code} of the path, a business line's code, or 400 and 0 */
int
ucb_line_param_valid(ucb_req_t *req)
{
    if (!uc_line_valid(req->params[0], strlen(req->params[0]))) {
        ucb_error(req, 400, "validation_failed",
                  "a business line's code is 1 to 32 of [a-z0-9_-]");
        return 0;
    }

    return 1;
}


static void
reply_line(ucb_req_t *req, int status, json_t *line, int published)
{
    if (published >= 0) {
        json_object_set_new(line, "published", json_boolean(published));
    }

    ucb_reply(req, status, line);
}


/* a session time limit: absent or 0 (the default), else 60 s to a year */
static int
session_seconds(json_t *session, const char *name, int64_t *out)
{
    json_t  *v;

    v = json_object_get(session, name);
    *out = 0;

    if (v == NULL) {
        return 0;
    }

    if (!json_is_integer(v) || json_integer_value(v) < 0
        || json_integer_value(v) > SESSION_MAX_S
        || (json_integer_value(v) > 0 && json_integer_value(v) < 60))
    {
        return -1;
    }

    *out = json_integer_value(v);

    return 0;
}


/*
 * The body of a PUT, checked whole; the JSON texts it makes are malloc'ed
 * into in (free with free()). -1 and an answer given on a bad field.
 */
static int
read_line(ucb_req_t *req, ucb_line_t *in, char **urls_text,
    char **settings_text)
{
    size_t       i;
    json_t      *urls, *url, *session, *settings, *v;
    const char  *name;

    *urls_text = NULL;
    *settings_text = NULL;

    if (req->body == NULL) {
        ucb_error(req, 400, "validation_failed", "send the line as JSON");
        return -1;
    }

    if (ucb_body_string(req, "name", LINE_NAME_MAX, 1, &name) != 0) {
        return -1;
    }

    in->name = name;

    v = json_object_get(req->body, "cookie_domain");
    in->cookie_domain = v != NULL ? json_string_value(v) : "";

    /* at most what a session's policy holds whole (ucb_session_policy_t) */
    if (in->cookie_domain == NULL || strlen(in->cookie_domain) > 127
        || !ucb_valid_cookie_domain(in->cookie_domain))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"cookie_domain\" is a domain such as .example.com");
        return -1;
    }

    if (in->cookie_domain[0] != '\0' && ucb_public_suffix(in->cookie_domain))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"cookie_domain\" is a public suffix (its cookie would "
                  "go to every site under it)");
        return -1;
    }

    urls = json_object_get(req->body, "return_urls");

    if (urls != NULL && (!json_is_array(urls)
                         || json_array_size(urls) > RETURN_URLS_MAX))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"return_urls\" is a list of at most 32 URLs");
        return -1;
    }

    json_array_foreach(urls, i, url) {
        if (!json_is_string(url) || !ucb_valid_return_url(json_string_value(url)))
        {
            ucb_error(req, 400, "invalid_return_url",
                      "a return URL is https://host[:port]/path (http only "
                      "to localhost), without query, fragment or \"..\", "
                      "at most 512 bytes");
            return -1;
        }
    }

    session = json_object_get(req->body, "session");

    if ((session != NULL && !json_is_object(session))
        || session_seconds(session, "idle_timeout", &in->idle_timeout) != 0
        || session_seconds(session, "max_lifetime", &in->max_lifetime) != 0
        || (in->idle_timeout > 0 && in->max_lifetime > 0
            && in->idle_timeout > in->max_lifetime))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"session\" holds idle_timeout and max_lifetime: 0 (the "
                  "default) or 60 to 31622400 seconds, idle not above max");
        return -1;
    }

    v = json_object_get(req->body, "version");

    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1)) {
        ucb_error(req, 400, "validation_failed",
                  "\"version\" is the version the change was made to");
        return -1;
    }

    in->expect_version = v != NULL ? json_integer_value(v) : 0;

    settings = json_object_get(req->body, "settings");

    if (settings != NULL && !json_is_object(settings)) {
        ucb_error(req, 400, "validation_failed",
                  "\"settings\" is a JSON object");
        return -1;
    }

    *urls_text = urls != NULL ? json_dumps(urls, JSON_COMPACT)
                              : strdup("[]");
    *settings_text = settings != NULL
                     ? json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS)
                     : strdup("{}");

    if (*urls_text == NULL || *settings_text == NULL) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return -1;
    }

    if (strlen(*settings_text) > SETTINGS_MAX) {
        ucb_error(req, 400, "validation_failed",
                  "\"settings\" is at most 4 KB of JSON");
        return -1;
    }

    in->return_urls = *urls_text;
    in->settings = *settings_text;

    return 0;
}


void
ucb_h_admin_lines(ucb_req_t *req)
{
    json_t  *lines;

    if (ucb_store_lines(&lines) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o}", "lines", lines));
}


void
ucb_h_admin_line_get(ucb_req_t *req)
{
    int      rc;
    json_t  *line;

    if (!ucb_line_param_valid(req)) {
        return;
    }

    rc = ucb_store_line_get(req->params[0], &line);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such business line");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    reply_line(req, 200, line, -1);
}


void
ucb_h_admin_line_put(ucb_req_t *req)
{
    int          rc, created;
    char        *urls, *settings;
    json_t      *line;
    ucb_line_t   in;

    if (!ucb_line_param_valid(req)) {
        return;
    }

    memset(&in, 0, sizeof(in));

    if (read_line(req, &in, &urls, &settings) != 0) {
        free(urls);
        free(settings);
        return;
    }

    rc = ucb_store_line_put(req->params[0], &in, req->uid, &line, &created);

    free(urls);
    free(settings);

    if (rc == UCB_CONFLICT) {
        ucb_error(req, 409, "version_conflict",
                  "the line changed since that version; read it again");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "the line was not saved");
        return;
    }

    reply_line(req, created ? 201 : 200, line,
               ucb_lines_publish(req->params[0]) == 0);
}


static void
line_status(ucb_req_t *req, const char *status)
{
    int      rc;
    json_t  *line;

    if (!ucb_line_param_valid(req)) {
        return;
    }

    rc = ucb_store_line_status(req->params[0], status, req->uid, &line);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such business line");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "the line was not changed");
        return;
    }

    reply_line(req, 200, line, ucb_lines_publish(req->params[0]) == 0);
}


void
ucb_h_admin_line_suspend(ucb_req_t *req)
{
    line_status(req, "suspended");
}


void
ucb_h_admin_line_resume(ucb_req_t *req)
{
    line_status(req, "active");
}


/* GET /uc/v1/admin/audit?subject=line:mall[&cursor=ID][&limit=N] */
void
ucb_h_admin_audit(ucb_req_t *req)
{
    json_t      *changes, *last;
    int64_t      cursor, limit;
    const char  *subject;

    subject = ucb_query(req, "subject");

    if (subject == NULL || strlen(subject) == 0 || strlen(subject) > 64
        || !ucb_valid_utf8(subject, strlen(subject)))
    {
        ucb_error(req, 400, "validation_failed",
                  "name the subject: ?subject=line:<code>");
        return;
    }

    cursor = ucb_query_number(req, "cursor", 0, INT64_MAX);
    limit = ucb_query_number(req, "limit", AUDIT_PAGE, 200);

    if (cursor < 0 || limit < 0) {
        ucb_error(req, 400, "validation_failed",
                  "\"cursor\" is the next_cursor of the previous page, "
                  "\"limit\" 1 to 200");
        return;
    }

    if (ucb_store_audit_changes(subject, cursor, (int) limit, &changes)
        != UCB_OK)
    {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    last = json_array_get(changes, json_array_size(changes) - 1);

    ucb_reply(req, 200, json_pack("{s:o, s:o}", "changes", changes,
                                  "next_cursor",
                                  (json_array_size(changes) == (size_t) limit
                                   && last != NULL)
                                  ? json_sprintf("%lld", (long long)
                                        json_integer_value(
                                            json_object_get(last, "id")))
                                  : json_null()));
}
