/*
 * uc-backend: what the SQLite store's files share (not for the rest of the
 * backend, which sees only store.h).
 */

#ifndef UCB_STORE_SQLITE_H
#define UCB_STORE_SQLITE_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>


/* this thread's prepared statement (stmt_e), or NULL */
sqlite3_stmt *ucb_sq_stmt(int i);
/* sqlite3_step, then reset */
int ucb_sq_run(sqlite3_stmt *s);
int ucb_sq_begin(void);
int ucb_sq_commit(void);
void ucb_sq_rollback(void);
int64_t ucb_sq_now(void);
int ucb_sq_event(const char *type, const char *uid, json_t *data);
int ucb_sq_audit(const char *uid, const char *action, const char *actor);

#endif /* UCB_STORE_SQLITE_H */
