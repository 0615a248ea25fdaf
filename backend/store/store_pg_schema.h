/*
 * The PostgreSQL schema: its migrations (the .sql files under
 * migrations/postgresql/, compiled in) and how they are applied. Shared by the store's driver,
 * which migrates at start, and by "ucctl store copy", which creates the
 * schema of a new store in the transaction that fills it. Depends on
 * libpq only.
 */

#ifndef UCB_STORE_PG_SCHEMA_H
#define UCB_STORE_PG_SCHEMA_H

#include <stddef.h>

#include <libpq-fe.h>


/* the advisory lock the migrations of one database run under */
#define UCB_PG_LOCK_MIGRATE  "7731001"

extern const char *const  ucb_pg_migrations[];
extern const size_t       ucb_pg_nmigrations;


/* Runs sql; on failure the server's message in err and -1. */
int ucb_pg_exec(PGconn *c, const char *sql, char *err, size_t errlen);

/*
 * Creates schema_migrations if need be; *version: the migrations applied
 * (0 for a new database). -1 and err on failure.
 */
int ucb_pg_schema_version(PGconn *c, int *version, char *err, size_t errlen);

/* Migration i (from 0) and its schema_migrations row, in the caller's
   transaction. */
int ucb_pg_schema_apply(PGconn *c, size_t i, char *err, size_t errlen);

/* A store URI as messages may show it: a password in it as "***". */
void ucb_pg_mask(char *dst, size_t size, const char *uri);

#endif /* UCB_STORE_PG_SCHEMA_H */
