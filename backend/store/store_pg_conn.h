/*
 * One PostgreSQL connection's I/O for the store's driver: connecting with
 * the store's settings, telling a dead idle connection from a good one,
 * waiting for a result no longer than a deadline, and migrating at start.
 * The pool and the statements are store_postgresql.c's.
 */

#ifndef UCB_STORE_PG_CONN_H
#define UCB_STORE_PG_CONN_H

#include <stddef.h>

#include <libpq-fe.h>


/*
 * A connection to target (a libpq URI): connect timeout 5 s, TCP
 * keepalives and a TCP user timeout (a peer gone from the network is
 * noticed), client encoding UTF8, and the given statement timeout (0:
 * none). A database whose encoding is not UTF8 is refused. NULL, and why
 * in err (naming shown, the target without its password), on failure.
 */
PGconn *ucb_pg_connect(const char *target, const char *shown,
    int statement_timeout_ms, char *err, size_t errlen);

/*
 * Whether an idle connection may be used. Nothing is due on one: anything
 * to read is the server's goodbye (a restart, an administrator's kill) or
 * the end of the socket, and the connection is not used again.
 */
int ucb_pg_idle_ok(PGconn *c);

/*
 * The result of what was just sent on c (PQsend*), waiting at most
 * timeout_ms: a server that stops answering (stopped, hung) holds no
 * thread longer than that, whatever TCP thinks. NULL when the wait
 * passed (*timed_out set) or the connection failed; the connection is
 * then not to be used again. Every result is read; the first error, or
 * else the last result, is returned.
 */
PGresult *ucb_pg_wait(PGconn *c, int timeout_ms, int *timed_out);

/*
 * The pending migrations (store_pg_schema.h) of target, each in its own
 * transaction, under an advisory lock: of two backends started together
 * one migrates and the other, waiting, finds nothing left to do.
 */
int ucb_pg_migrate(const char *target, const char *shown, char *err,
    size_t errlen);

#endif /* UCB_STORE_PG_CONN_H */
