/*
 * uc-backend: business lines in the store, and the audit of administrative
 * changes: every change writes, in its own transaction, the record before
 * and after it (audit_changes) and its outbox event.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"
#include "ucb.h"


/* A JSON column: NULL when it does not parse (the caller fails). */
static json_t *
json_column(ucb_db_stmt_t *s, int col)
{
    return json_loads(ucb_db_text(s, col), JSON_DECODE_ANY, NULL);
}


/* The row S_LINE_GET and S_LINE_LIST read, as the admin API shows it. */
static json_t *
line_row(ucb_db_stmt_t *s, void *unused)
{
    json_t  *urls, *settings;

    urls = json_column(s, 3);
    settings = json_column(s, 7);

    if (!json_is_array(urls) || !json_is_object(settings)) {
        json_decref(urls);
        json_decref(settings);
        return NULL;
    }

    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:{s:I, s:I}, s:o, s:I,"
                     " s:I, s:I}",
                     "code", ucb_db_text(s, 0), "name", ucb_db_text(s, 1),
                     "status", ucb_db_text(s, 2), "return_urls", urls,
                     "cookie_domain", ucb_db_text(s, 4), "session",
                     "idle_timeout", (json_int_t) ucb_db_int64(s, 5),
                     "max_lifetime", (json_int_t) ucb_db_int64(s, 6),
                     "settings", settings,
                     "version", (json_int_t) ucb_db_int64(s, 8),
                     "created_at", (json_int_t) ucb_db_int64(s, 9),
                     "updated_at", (json_int_t) ucb_db_int64(s, 10));
}


static int
line_read(const char *code, json_t **out)
{
    ucb_db_stmt_t  *s;

    *out = NULL;

    s = ucb_db_stmt(S_LINE_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, code);

    return ucb_st_one(s, line_row, NULL, out);
}


int
ucb_st_audit_change(const char *actor, const char *action,
    const char *subject, json_t *before, json_t *after)
{
    int             rc;
    char           *b, *a;
    ucb_db_stmt_t  *s;

    b = before != NULL ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS)
                       : NULL;
    a = after != NULL ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS)
                      : NULL;

    s = ucb_db_stmt(S_AUDIT_CHANGE);
    rc = -1;

    if (s != NULL && (before == NULL || b != NULL)
        && (after == NULL || a != NULL))
    {
        ucb_db_bind_text(s, 1, actor);
        ucb_db_bind_text(s, 2, action);
        ucb_db_bind_text(s, 3, subject);

        if (b != NULL) {
            ucb_db_bind_text(s, 4, b);
        } else {
            ucb_db_bind_null(s, 4);
        }

        if (a != NULL) {
            ucb_db_bind_text(s, 5, a);
        } else {
            ucb_db_bind_null(s, 5);
        }

        ucb_db_bind_int64(s, 6, ucb_st_now());
        rc = ucb_db_exec(s) == UCB_DB_DONE ? 0 : -1;
    }

    free(b);
    free(a);

    return rc;
}


/* The audit row and the line.changed event of a change, then COMMIT. */
static int
line_changed(const char *code, const char *action, json_t *before,
    const char *actor, json_t **out)
{
    char     subject[64];
    json_t  *after, *data;

    if (line_read(code, &after) != UCB_OK) {
        return UCB_ERROR;
    }

    snprintf(subject, sizeof(subject), "line:%s", code);
    data = json_pack("{s:s, s:O, s:O}", "code", code, "status",
                     json_object_get(after, "status"), "version",
                     json_object_get(after, "version"));

    if (data == NULL
        || ucb_st_audit_change(actor, action, subject, before, after) != 0)
    {
        json_decref(data);
        json_decref(after);
        return UCB_ERROR;
    }

    if (ucb_st_commit_event("line.changed", actor, data) != UCB_OK) {
        json_decref(after);
        return UCB_ERROR;
    }

    *out = after;

    return UCB_OK;
}


static int
line_put_once(const char *code, const ucb_line_t *in, const char *actor,
    json_t **out, int *created)
{
    int             rc;
    json_t         *before;
    ucb_db_stmt_t  *s;

    before = NULL;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    /* before, the write and after with no other writer of the line
       between: the audit's before is what this change changed */
    if (ucb_st_lock_key("line", code) != 0) {
        goto failed;
    }

    rc = line_read(code, &before);
    if (rc == UCB_ERROR) {
        goto failed;
    }

    /* the version the caller edited, if it says: else a lost update */
    if (in->expect_version > 0
        && (before == NULL
            || json_integer_value(json_object_get(before, "version"))
               != in->expect_version))
    {
        json_decref(before);
        ucb_db_rollback();
        return UCB_CONFLICT;
    }

    s = ucb_db_stmt(S_LINE_PUT);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, code);
    ucb_db_bind_text(s, 2, in->name);
    ucb_db_bind_text(s, 3, in->return_urls);
    ucb_db_bind_text(s, 4, in->cookie_domain);
    ucb_db_bind_int64(s, 5, in->idle_timeout);
    ucb_db_bind_int64(s, 6, in->max_lifetime);
    ucb_db_bind_text(s, 7, in->settings);
    ucb_db_bind_int64(s, 8, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    *created = before == NULL;

    if (line_changed(code, before != NULL ? "line.updated" : "line.created",
                     before, actor, out) != UCB_OK)
    {
        goto failed;
    }

    json_decref(before);

    return UCB_OK;

failed:

    json_decref(before);
    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_line_put(const char *code, const ucb_line_t *in, const char *actor,
    json_t **out, int *created)
{
    UCB_STORE_RETRY(line_put_once(code, in, actor, out, created));
}


static int
line_status_once(const char *code, const char *status, const char *actor,
    json_t **out)
{
    int             rc;
    json_t         *before;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_lock_key("line", code) != 0) {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    rc = line_read(code, &before);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    s = ucb_db_stmt(S_LINE_STATUS);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, code);
    ucb_db_bind_text(s, 2, status);
    ucb_db_bind_int64(s, 3, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    /* already so: nothing changed, nothing to audit */
    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        *out = before;
        return UCB_OK;
    }

    if (line_changed(code, strcmp(status, "suspended") == 0
                           ? "line.suspended" : "line.resumed",
                     before, actor, out) != UCB_OK)
    {
        goto failed;
    }

    json_decref(before);

    return UCB_OK;

failed:

    json_decref(before);
    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_line_status(const char *code, const char *status,
    const char *actor, json_t **out)
{
    UCB_STORE_RETRY(line_status_once(code, status, actor, out));
}


int
ucb_store_line_get(const char *code, json_t **out)
{
    return line_read(code, out);
}


int
ucb_store_lines(json_t **out)
{
    ucb_db_stmt_t  *s;

    *out = NULL;

    s = ucb_db_stmt(S_LINE_LIST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    return ucb_st_all(s, line_row, NULL, out);
}


static json_t *
audit_row(ucb_db_stmt_t *s, void *unused)
{
    json_t  *before, *after;

    /* a NULL column reads as "": no record before a creation */
    before = ucb_db_text(s, 4)[0] != '\0' ? json_column(s, 4) : json_null();
    after = ucb_db_text(s, 5)[0] != '\0' ? json_column(s, 5) : json_null();

    return json_pack("{s:I, s:s, s:s, s:s, s:o?, s:o?, s:I}",
                     "id", (json_int_t) ucb_db_int64(s, 0),
                     "actor", ucb_db_text(s, 1),
                     "action", ucb_db_text(s, 2),
                     "subject", ucb_db_text(s, 3),
                     "before", before, "after", after,
                     "created_at", (json_int_t) ucb_db_int64(s, 6));
}


int
ucb_store_audit_changes(const char *subject, int64_t cursor, int limit,
    json_t **out)
{
    ucb_db_stmt_t  *s;

    *out = NULL;

    s = ucb_db_stmt(S_AUDIT_CHANGES);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, subject);
    ucb_db_bind_int64(s, 2, cursor);
    ucb_db_bind_int64(s, 3, limit);

    return ucb_st_all(s, audit_row, NULL, out);
}


/* ------------------------------------------------------------ members */

static int
line_join_once(const char *uid, const char *line, const char *channel,
    int *joined)
{
    json_t         *data;
    ucb_db_stmt_t  *s;

    *joined = 0;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_db_stmt(S_LINE_JOIN);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, line);
    ucb_db_bind_text(s, 2, uid);
    ucb_db_bind_text(s, 3, channel);
    ucb_db_bind_int64(s, 4, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    /* a member already: no event, nothing to commit */
    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return UCB_OK;
    }

    data = json_pack("{s:s, s:s}", "line", line, "channel", channel);

    if (data == NULL
        || ucb_st_commit_event("user.joined_line", uid, data) != UCB_OK)
    {
        goto failed;
    }

    *joined = 1;

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_line_join(const char *uid, const char *line, const char *channel,
    int *joined)
{
    UCB_STORE_RETRY(line_join_once(uid, line, channel, joined));
}


/* a row into an object of the names (NULL-ended) of its columns */
static json_t *
named_row(ucb_db_stmt_t *s, void *arg)
{
    int           i;
    json_t       *row;
    const char  **names = arg;

    row = json_object();

    for (i = 0; row != NULL && names[i] != NULL; i++) {
        /* the times and the seq are numbers, the rest text */
        json_object_set_new(row, names[i],
                            strcmp(names[i], "joined_at") == 0
                            || strcmp(names[i], "seq") == 0
                            ? json_integer(ucb_db_int64(s, i))
                            : json_string(ucb_db_text(s, i)));
    }

    return row;
}


int
ucb_store_user_lines(const char *uid, json_t **out)
{
    ucb_db_stmt_t      *s;
    static const char  *names[] = { "line", "channel", "joined_at", NULL };

    *out = NULL;

    s = ucb_db_stmt(S_USER_LINES);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, uid);

    return ucb_st_all(s, named_row, names, out);
}


int
ucb_store_line_members(const char *line, int64_t after, int limit,
    json_t **out)
{
    ucb_db_stmt_t      *s;
    static const char  *names[] = { "user_id", "channel", "joined_at",
                                    "seq", NULL };

    *out = NULL;

    s = ucb_db_stmt(S_LINE_MEMBERS);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, line);
    ucb_db_bind_int64(s, 2, after);
    ucb_db_bind_int64(s, 3, limit);

    return ucb_st_all(s, named_row, names, out);
}
