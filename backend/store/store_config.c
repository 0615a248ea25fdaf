/*
 * uc-backend: the store's control data, feature flags and dictionaries
 * (SQLite). Every change is one transaction with its audit row and event.
 */

#include <stdlib.h>
#include <string.h>

#include "ucb.h"
#include "uc_flags.h"
#include "store_sql.h"
#include "store_sqlite.h"


static const char *
text(sqlite3_stmt *s, int col)
{
    const unsigned char  *t;

    t = sqlite3_column_text(s, col);

    return t != NULL ? (const char *) t : "";
}


static int
flag_change(int op, const char *line, const char *name, const char *rule,
    const char *actor)
{
    json_t        *data;
    sqlite3_stmt  *s;

    if (ucb_sq_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_sq_stmt(op);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_text(s, 1, line, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);

    if (op == S_FLAG_PUT) {
        sqlite3_bind_text(s, 3, rule, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, ucb_sq_now());
        sqlite3_bind_int(s, 5, UC_FLAGS_MAX);
    }

    if (ucb_sq_run(s) != SQLITE_DONE) {
        goto failed;
    }

    if (sqlite3_changes(sqlite3_db_handle(s)) == 0) {
        ucb_sq_rollback();
        return op == S_FLAG_PUT ? UCB_LIMIT : UCB_NOT_FOUND;
    }

    data = json_pack("{s:s, s:s, s:s?}", "line", line, "name", name, "rule",
                     rule);

    if (ucb_sq_event("flag.changed", actor, data) != 0
        || ucb_sq_audit(actor, "flag.changed", actor) != 0)
    {
        json_decref(data);
        goto failed;
    }

    json_decref(data);

    if (ucb_sq_commit() != 0) {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    ucb_sq_rollback();
    return UCB_ERROR;
}


int
ucb_store_flag_put(const char *line, const char *name, const char *rule,
    const char *actor)
{
    return flag_change(S_FLAG_PUT, line, name, rule, actor);
}


int
ucb_store_flag_delete(const char *line, const char *name, const char *actor)
{
    return flag_change(S_FLAG_DELETE, line, name, NULL, actor);
}


int
ucb_store_flags(const char *line, json_t **out)
{
    int            rc;
    json_t        *o;
    sqlite3_stmt  *s;

    s = ucb_sq_stmt(S_FLAG_LIST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    o = json_object();
    sqlite3_bind_text(s, 1, line, -1, SQLITE_STATIC);

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_object_set_new(o, text(s, 0), json_string(text(s, 1)));
    }

    sqlite3_reset(s);

    if (rc != SQLITE_DONE) {
        json_decref(o);
        return UCB_ERROR;
    }

    *out = o;

    return UCB_OK;
}


int
ucb_store_flag_lines(json_t **out)
{
    int            rc;
    json_t        *a;
    sqlite3_stmt  *s;

    s = ucb_sq_stmt(S_FLAG_LINES);
    if (s == NULL) {
        return UCB_ERROR;
    }

    a = json_array();

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_array_append_new(a, json_string(text(s, 0)));
    }

    sqlite3_reset(s);

    if (rc != SQLITE_DONE) {
        json_decref(a);
        return UCB_ERROR;
    }

    *out = a;

    return UCB_OK;
}


int
ucb_store_dict_version(const char *name, int64_t *version)
{
    int            rc;
    sqlite3_stmt  *s;

    s = ucb_sq_stmt(S_DICT_VERSION);
    if (s == NULL) {
        return UCB_ERROR;
    }

    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);

    rc = sqlite3_step(s);

    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(s, 0);
    }

    sqlite3_reset(s);

    if (rc == SQLITE_ROW) {
        return UCB_OK;
    }

    return rc == SQLITE_DONE ? UCB_NOT_FOUND : UCB_ERROR;
}


int
ucb_store_dict_items(const char *name, json_t **items)
{
    int            rc;
    json_t        *a, *extra;
    sqlite3_stmt  *s;

    s = ucb_sq_stmt(S_DICT_ITEMS);
    if (s == NULL) {
        return UCB_ERROR;
    }

    a = json_array();
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        extra = json_loads(text(s, 3), 0, NULL);

        if (extra == NULL || !json_is_object(extra)) {
            json_decref(extra);
            extra = json_object();
        }

        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:o}",
                                           "code", text(s, 0),
                                           "label", text(s, 1),
                                           "sort", (json_int_t)
                                           sqlite3_column_int64(s, 2),
                                           "extra", extra));
    }

    sqlite3_reset(s);

    if (rc != SQLITE_DONE) {
        json_decref(a);
        return UCB_ERROR;
    }

    *items = a;

    return UCB_OK;
}


/* the version after the change, read back in the same transaction */
static int
dict_bump(const char *name, int64_t *version)
{
    int            rc;
    sqlite3_stmt  *s;

    s = ucb_sq_stmt(S_DICT_BUMP);
    if (s == NULL) {
        return -1;
    }

    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, ucb_sq_now());

    rc = sqlite3_step(s);

    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(s, 0);
    }

    /* RETURNING: the statement completes on the step after the row */
    while (rc == SQLITE_ROW) {
        rc = sqlite3_step(s);
    }

    sqlite3_reset(s);

    return rc == SQLITE_DONE ? 0 : -1;
}


static int
dict_changed(const char *name, int64_t version, const char *actor)
{
    int      rc;
    json_t  *data;

    data = json_pack("{s:s, s:I}", "name", name, "version",
                     (json_int_t) version);

    rc = ucb_sq_event("dict.changed", actor, data) != 0
         || ucb_sq_audit(actor, "dict.changed", actor) != 0;

    json_decref(data);

    return rc ? -1 : 0;
}


int
ucb_store_dict_put(const char *name, json_t *items, int replace,
    const char *actor, int64_t *version)
{
    char          *extra;
    size_t         i;
    json_t        *item, *e;
    sqlite3_stmt  *s;

    if (ucb_sq_begin() != 0) {
        return UCB_ERROR;
    }

    /* the parent row first: items reference it */
    if (dict_bump(name, version) != 0) {
        goto failed;
    }

    if (replace) {
        s = ucb_sq_stmt(S_DICT_CLEAR);
        if (s == NULL) {
            goto failed;
        }

        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);

        if (ucb_sq_run(s) != SQLITE_DONE) {
            goto failed;
        }
    }

    json_array_foreach(items, i, item) {
        s = ucb_sq_stmt(S_DICT_ITEM_PUT);
        if (s == NULL) {
            goto failed;
        }

        e = json_object_get(item, "extra");
        extra = json_dumps(e != NULL ? e : json_object(),
                           JSON_COMPACT | JSON_SORT_KEYS);
        if (extra == NULL) {
            goto failed;
        }

        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, json_string_value(json_object_get(item,
                                                  "code")), -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 3, json_string_value(json_object_get(item,
                                                  "label")), -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, json_integer_value(json_object_get(item,
                                                    "sort")));
        sqlite3_bind_text(s, 5, extra, -1, SQLITE_TRANSIENT);

        free(extra);

        if (ucb_sq_run(s) != SQLITE_DONE) {
            goto failed;
        }
    }

    if (dict_changed(name, *version, actor) != 0 || ucb_sq_commit() != 0) {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    ucb_sq_rollback();
    return UCB_ERROR;
}


int
ucb_store_dict_item_delete(const char *name, const char *code,
    const char *actor, int64_t *version)
{
    sqlite3_stmt  *s;

    if (ucb_sq_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_sq_stmt(S_DICT_ITEM_DELETE);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, code, -1, SQLITE_STATIC);

    if (ucb_sq_run(s) != SQLITE_DONE) {
        goto failed;
    }

    if (sqlite3_changes(sqlite3_db_handle(s)) == 0) {
        ucb_sq_rollback();
        return UCB_NOT_FOUND;
    }

    if (dict_bump(name, version) != 0
        || dict_changed(name, *version, actor) != 0
        || ucb_sq_commit() != 0)
    {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    ucb_sq_rollback();
    return UCB_ERROR;
}


int
ucb_store_dicts(json_t **out)
{
    int            rc;
    json_t        *a;
    sqlite3_stmt  *s;

    s = ucb_sq_stmt(S_DICT_LIST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    a = json_array();

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_array_append_new(a, json_pack("{s:s, s:I, s:I}",
                                           "name", text(s, 0),
                                           "version", (json_int_t)
                                           sqlite3_column_int64(s, 1),
                                           "items", (json_int_t)
                                           sqlite3_column_int64(s, 2)));
    }

    sqlite3_reset(s);

    if (rc != SQLITE_DONE) {
        json_decref(a);
        return UCB_ERROR;
    }

    *out = a;

    return UCB_OK;
}
