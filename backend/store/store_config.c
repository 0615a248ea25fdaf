/*
 * uc-backend: the store's control data, feature flags and dictionaries,
 * written against the SQL driver (store_db.h). Every change is one
 * transaction with its audit row and event.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucb.h"
#include "uc_flags.h"
#include "store_db.h"


static const char *
text(ucb_db_stmt_t *s, int col)
{
    return ucb_db_text(s, col);
}


/* the rest of this transaction is the only writer of key (store_sql.c) */
int
ucb_st_lock_key(const char *kind, const char *name)
{
    int             rc;
    char            key[128];
    ucb_db_stmt_t  *s;

    snprintf(key, sizeof(key), "%s:%s", kind, name);

    s = ucb_db_stmt(S_LOCK_KEY);
    if (s == NULL) {
        return -1;
    }

    ucb_db_bind_text(s, 1, key);

    rc = ucb_db_step(s);
    ucb_db_reset(s);

    return rc == UCB_DB_ROW || rc == UCB_DB_DONE ? 0 : -1;
}


static int
flag_change(int op, const char *line, const char *name, const char *rule,
    const char *actor)
{
    json_t         *data;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    /* the line's count and the new flag, with no other writer between */
    if (ucb_st_lock_key("flags", line) != 0) {
        goto failed;
    }

    s = ucb_db_stmt(op);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, line);
    ucb_db_bind_text(s, 2, name);

    if (op == S_FLAG_PUT) {
        ucb_db_bind_text(s, 3, rule);
        ucb_db_bind_int64(s, 4, ucb_st_now());
        ucb_db_bind_int64(s, 5, UC_FLAGS_MAX);
    }

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return op == S_FLAG_PUT ? UCB_LIMIT : UCB_NOT_FOUND;
    }

    data = json_pack("{s:s, s:s, s:s?}", "line", line, "name", name, "rule",
                     rule);

    if (ucb_st_audit(actor, "flag.changed", actor) != 0) {
        json_decref(data);
        goto failed;
    }

    if (ucb_st_commit_event("flag.changed", actor, data) != UCB_OK) {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_flag_put(const char *line, const char *name, const char *rule,
    const char *actor)
{
    UCB_STORE_RETRY(flag_change(S_FLAG_PUT, line, name, rule, actor));
}


int
ucb_store_flag_delete(const char *line, const char *name, const char *actor)
{
    UCB_STORE_RETRY(flag_change(S_FLAG_DELETE, line, name, NULL, actor));
}


int
ucb_store_flags(const char *line, json_t **out)
{
    int            rc;
    json_t        *o;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_FLAG_LIST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    o = json_object();
    ucb_db_bind_text(s, 1, line);

    while ((rc = ucb_db_step(s)) == UCB_DB_ROW) {
        json_object_set_new(o, text(s, 0), json_string(text(s, 1)));
    }

    ucb_db_reset(s);

    if (rc != UCB_DB_DONE) {
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
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_FLAG_LINES);
    if (s == NULL) {
        return UCB_ERROR;
    }

    a = json_array();

    while ((rc = ucb_db_step(s)) == UCB_DB_ROW) {
        json_array_append_new(a, json_string(text(s, 0)));
    }

    ucb_db_reset(s);

    if (rc != UCB_DB_DONE) {
        json_decref(a);
        return UCB_ERROR;
    }

    *out = a;

    return UCB_OK;
}


int
ucb_store_dict_has(const char *name, const char *code)
{
    int             rc;
    int64_t         n;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_DICT_HAS);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, name);
    ucb_db_bind_text(s, 2, code);

    rc = ucb_db_step(s);
    n = rc == UCB_DB_ROW ? ucb_db_int64(s, 0) : 0;
    ucb_db_reset(s);

    if (rc != UCB_DB_ROW) {
        return UCB_ERROR;
    }

    return n > 0 ? UCB_OK : UCB_NOT_FOUND;
}


int
ucb_store_dict_version(const char *name, int64_t *version)
{
    int            rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_DICT_VERSION);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, name);

    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        *version = ucb_db_int64(s, 0);
    }

    ucb_db_reset(s);

    if (rc == UCB_DB_ROW) {
        return UCB_OK;
    }

    return rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
}


int
ucb_store_dict_items(const char *name, json_t **items)
{
    int            rc;
    json_t        *a, *extra;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_DICT_ITEMS);
    if (s == NULL) {
        return UCB_ERROR;
    }

    a = json_array();
    ucb_db_bind_text(s, 1, name);

    while ((rc = ucb_db_step(s)) == UCB_DB_ROW) {
        extra = json_loads(text(s, 3), 0, NULL);

        if (extra == NULL || !json_is_object(extra)) {
            json_decref(extra);
            extra = json_object();
        }

        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:o}",
                                           "code", text(s, 0),
                                           "label", text(s, 1),
                                           "sort", (json_int_t)
                                           ucb_db_int64(s, 2),
                                           "extra", extra));
    }

    ucb_db_reset(s);

    if (rc != UCB_DB_DONE) {
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
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_DICT_BUMP);
    if (s == NULL) {
        return -1;
    }

    ucb_db_bind_text(s, 1, name);
    ucb_db_bind_int64(s, 2, ucb_st_now());

    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        *version = ucb_db_int64(s, 0);
    }

    /* RETURNING: the statement completes on the step after the row */
    while (rc == UCB_DB_ROW) {
        rc = ucb_db_step(s);
    }

    ucb_db_reset(s);

    return rc == UCB_DB_DONE ? 0 : -1;
}


static int
dict_changed(const char *name, int64_t version, const char *actor)
{
    int      rc;
    json_t  *data;

    data = json_pack("{s:s, s:I}", "name", name, "version",
                     (json_int_t) version);

    rc = ucb_st_event("dict.changed", actor, data) != 0
         || ucb_st_audit(actor, "dict.changed", actor) != 0;

    json_decref(data);

    return rc ? -1 : 0;
}


static int
dict_put_once(const char *name, json_t *items, int replace,
    const char *actor, int64_t *version)
{
    char           *extra;
    size_t          i;
    json_t         *item, *e;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_lock_key("dict", name) != 0) {
        goto failed;
    }

    /* the parent row first: items reference it */
    if (dict_bump(name, version) != 0) {
        goto failed;
    }

    if (replace) {
        s = ucb_db_stmt(S_DICT_CLEAR);
        if (s == NULL) {
            goto failed;
        }

        ucb_db_bind_text(s, 1, name);

        if (ucb_db_exec(s) != UCB_DB_DONE) {
            goto failed;
        }
    }

    json_array_foreach(items, i, item) {
        s = ucb_db_stmt(S_DICT_ITEM_PUT);
        if (s == NULL) {
            goto failed;
        }

        e = json_object_get(item, "extra");
        extra = json_dumps(e != NULL ? e : json_object(),
                           JSON_COMPACT | JSON_SORT_KEYS);
        if (extra == NULL) {
            goto failed;
        }

        ucb_db_bind_text(s, 1, name);
        ucb_db_bind_text(s, 2, json_string_value(json_object_get(item,
                                                                 "code")));
        ucb_db_bind_text(s, 3, json_string_value(json_object_get(item,
                                                                 "label")));
        ucb_db_bind_int64(s, 4, json_integer_value(json_object_get(item,
                                                    "sort")));
        ucb_db_bind_text(s, 5, extra);

        free(extra);

        if (ucb_db_exec(s) != UCB_DB_DONE) {
            goto failed;
        }
    }

    if (dict_changed(name, *version, actor) != 0 || ucb_db_commit() != 0) {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}



int
ucb_store_dict_put(const char *name, json_t *items, int replace,
    const char *actor, int64_t *version)
{
    UCB_STORE_RETRY(dict_put_once(name, items, replace, actor, version));
}


static int
dict_item_delete_once(const char *name, const char *code,
    const char *actor, int64_t *version)
{
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_lock_key("dict", name) != 0) {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    s = ucb_db_stmt(S_DICT_ITEM_DELETE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, name);
    ucb_db_bind_text(s, 2, code);

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return UCB_NOT_FOUND;
    }

    if (dict_bump(name, version) != 0
        || dict_changed(name, *version, actor) != 0
        || ucb_db_commit() != 0)
    {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}



int
ucb_store_dict_item_delete(const char *name, const char *code,
    const char *actor, int64_t *version)
{
    UCB_STORE_RETRY(dict_item_delete_once(name, code, actor, version));
}


int
ucb_store_dicts(json_t **out)
{
    int            rc;
    json_t        *a;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_DICT_LIST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    a = json_array();

    while ((rc = ucb_db_step(s)) == UCB_DB_ROW) {
        json_array_append_new(a, json_pack("{s:s, s:I, s:I}",
                                           "name", text(s, 0),
                                           "version", (json_int_t)
                                           ucb_db_int64(s, 1),
                                           "items", (json_int_t)
                                           ucb_db_int64(s, 2)));
    }

    ucb_db_reset(s);

    if (rc != UCB_DB_DONE) {
        json_decref(a);
        return UCB_ERROR;
    }

    *out = a;

    return UCB_OK;
}
