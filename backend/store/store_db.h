/*
 * uc-backend: the SQL driver the store's logic is written against. The
 * logic (store.c, store_config.c) is one; a driver (store_sqlite.c now,
 * PostgreSQL next) opens connections (one per thread), runs the
 * migrations, and executes the statements of store_sql.c by number.
 * Not for the rest of the backend, which sees only store.h.
 */

#ifndef UCB_STORE_DB_H
#define UCB_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store_sql.h"


typedef struct ucb_db_stmt_s  ucb_db_stmt_t;

#define UCB_DB_DONE         0
#define UCB_DB_ROW          1
#define UCB_DB_CONSTRAINT   2       /* a unique or foreign key refused it */
#define UCB_DB_ERROR        (-1)


/*
 * A driver. Statements are numbered (store_sql.c) and their parameters
 * too, from 1 (?1 in the text); columns from 0, a NULL reading as "" or 0.
 * Text bound is copied: callers may free it before the statement runs.
 */
typedef struct {
    const char     *name;

    /* connect, run the pending migrations; once, at start */
    int           (*open)(const char *target, char *err, size_t errlen);
    void          (*thread_close)(void);
    /* every connection not in use, at exit (or before a fork) */
    void          (*close)(void);

    /* this thread's statement i, its bindings cleared; NULL on error */
    ucb_db_stmt_t *(*stmt)(stmt_e i);
    void          (*bind_text)(ucb_db_stmt_t *s, int i, const char *v);
    void          (*bind_int64)(ucb_db_stmt_t *s, int i, int64_t v);
    void          (*bind_null)(ucb_db_stmt_t *s, int i);

    /* the next row: UCB_DB_ROW, _DONE, _CONSTRAINT or _ERROR */
    int           (*step)(ucb_db_stmt_t *s);
    void          (*reset)(ucb_db_stmt_t *s);
    const char   *(*text)(ucb_db_stmt_t *s, int col);
    int64_t       (*int64)(ucb_db_stmt_t *s, int col);

    /* rows the last statement on this thread's connection changed */
    int64_t       (*changes)(void);

    int           (*begin)(void);
    int           (*commit)(void);
    void          (*rollback)(void);

    /* whether the last failure may pass if the transaction runs again */
    int           (*retryable)(void);
} ucb_db_driver_t;


extern const ucb_db_driver_t  *ucb_db;
extern const ucb_db_driver_t   ucb_db_sqlite;
extern const ucb_db_driver_t   ucb_db_postgresql;


static inline ucb_db_stmt_t *
ucb_db_stmt(stmt_e i)
{
    return ucb_db->stmt(i);
}


static inline void
ucb_db_bind_text(ucb_db_stmt_t *s, int i, const char *v)
{
    ucb_db->bind_text(s, i, v);
}


static inline void
ucb_db_bind_int64(ucb_db_stmt_t *s, int i, int64_t v)
{
    ucb_db->bind_int64(s, i, v);
}


static inline void
ucb_db_bind_null(ucb_db_stmt_t *s, int i)
{
    ucb_db->bind_null(s, i);
}


static inline int
ucb_db_step(ucb_db_stmt_t *s)
{
    return s != NULL ? ucb_db->step(s) : UCB_DB_ERROR;
}


static inline void
ucb_db_reset(ucb_db_stmt_t *s)
{
    if (s != NULL) {
        ucb_db->reset(s);
    }
}


/* A statement without rows to read, then reset: UCB_DB_DONE if it ran. */
static inline int
ucb_db_exec(ucb_db_stmt_t *s)
{
    int  rc;

    rc = ucb_db_step(s);
    ucb_db_reset(s);

    return rc;
}


static inline const char *
ucb_db_text(ucb_db_stmt_t *s, int col)
{
    return ucb_db->text(s, col);
}


static inline int64_t
ucb_db_int64(ucb_db_stmt_t *s, int col)
{
    return ucb_db->int64(s, col);
}


static inline int64_t
ucb_db_changes(void)
{
    return ucb_db->changes();
}


static inline int
ucb_db_begin(void)
{
    return ucb_db->begin();
}


static inline int
ucb_db_commit(void)
{
    return ucb_db->commit();
}


static inline void
ucb_db_rollback(void)
{
    ucb_db->rollback();
}


/*
 * A public store call is one transaction: one the driver says may pass if
 * run again (PostgreSQL: a serialisation failure, a deadlock) is run
 * again, UCB_STORE_TRIES times in all. Used as a function's whole body.
 */
#define UCB_STORE_TRIES  4

#define UCB_STORE_RETRY(call)                                                 \
    do {                                                                      \
        int  rc_, try_;                                                       \
                                                                              \
        for (try_ = 1; /* void */; try_++) {                                  \
            ucb_store_clear_unreachable();  /* this try's, not the last's */  \
            rc_ = (call);                                                     \
                                                                              \
            if (rc_ != UCB_ERROR || try_ == UCB_STORE_TRIES                   \
                || !ucb_db->retryable())                                      \
            {                                                                 \
                return rc_;                                                   \
            }                                                                 \
        }                                                                     \
    } while (0)


/* store.c: a statement's row as JSON (NULL: it cannot be); one row
   (UCB_NOT_FOUND when none) or all of them, the statement reset */
typedef json_t *(*ucb_st_row_pt)(ucb_db_stmt_t *s, void *arg);
int ucb_st_one(ucb_db_stmt_t *s, ucb_st_row_pt row, void *arg, json_t **out);
int ucb_st_all(ucb_db_stmt_t *s, ucb_st_row_pt row, void *arg, json_t **out);

/* store.c: a change's event (data taken), COMMIT, the relay woken */
int ucb_st_commit_event(const char *type, const char *uid, json_t *data);

/* store.c, for the drivers: this thread's call found the store unreachable */
void ucb_st_unreachable(void);

/* store.c, for store_config.c: the outbox row and audit row of a change */
int64_t ucb_st_now(void);
int ucb_st_event(const char *type, const char *uid, json_t *data);
int ucb_st_audit(const char *uid, const char *action, const char *actor);
/* store_config.c: the rest of this transaction is the only writer of
   kind:name (PostgreSQL: an advisory lock; SQLite: every writer is) */
int ucb_st_lock_key(const char *kind, const char *name);

/* store_lines.c, for every administrative change: before and after */
int ucb_st_audit_change(const char *actor, const char *action,
    const char *subject, json_t *before, json_t *after);

#endif /* UCB_STORE_DB_H */
