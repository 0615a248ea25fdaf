/*
 * uc-backend: the SQL driver the store's logic is written against. The
 * logic (store.c, store_config.c) is one; a driver (store_sqlite.c now,
 * PostgreSQL next) opens connections (one per thread), runs the
 * migrations, and executes the statements of store_sql.c by number.
 * Not for the rest of the backend, which sees only store.h.
 */

#ifndef UCB_STORE_DB_H
#define UCB_STORE_DB_H

#include <stdint.h>

#include <jansson.h>

#include "store_sql.h"


typedef struct ucb_db_stmt_s  ucb_db_stmt_t;

#define UCB_DB_DONE         0
#define UCB_DB_ROW          1
#define UCB_DB_CONSTRAINT   2       /* a unique or foreign key refused it */
#define UCB_DB_ERROR        (-1)


/* This thread's statement i, its bindings cleared; NULL on error. */
ucb_db_stmt_t *ucb_db_stmt(stmt_e i);

/* Parameters are numbered from 1, as ?1 in the statement's text. */
void ucb_db_bind_text(ucb_db_stmt_t *s, int i, const char *v);
void ucb_db_bind_int64(ucb_db_stmt_t *s, int i, int64_t v);
void ucb_db_bind_null(ucb_db_stmt_t *s, int i);

/* The next row: UCB_DB_ROW, UCB_DB_DONE, UCB_DB_CONSTRAINT or _ERROR. */
int ucb_db_step(ucb_db_stmt_t *s);
/* A statement without rows to read, then reset: UCB_DB_DONE if it ran. */
int ucb_db_exec(ucb_db_stmt_t *s);
void ucb_db_reset(ucb_db_stmt_t *s);

/* Columns of the current row, from 0; a NULL reads as "" or 0. */
const char *ucb_db_text(ucb_db_stmt_t *s, int col);
int64_t ucb_db_int64(ucb_db_stmt_t *s, int col);

/* Rows the last statement run on this connection changed. */
int64_t ucb_db_changes(void);

int ucb_db_begin(void);
int ucb_db_commit(void);
void ucb_db_rollback(void);


/* store.c, for store_config.c: the outbox row and audit row of a change */
int64_t ucb_st_now(void);
int ucb_st_event(const char *type, const char *uid, json_t *data);
int ucb_st_audit(const char *uid, const char *action, const char *actor);

#endif /* UCB_STORE_DB_H */
