/*
 * The PostgreSQL schema's migrations (store_pg_schema.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_pg_schema.h"


int
ucb_pg_exec(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult  *r;

    r = PQexec(c, sql);

    if (PQresultStatus(r) != PGRES_COMMAND_OK
        && PQresultStatus(r) != PGRES_TUPLES_OK)
    {
        snprintf(err, errlen, "%s", PQerrorMessage(c));
        PQclear(r);
        return -1;
    }

    PQclear(r);

    return 0;
}


int
ucb_pg_schema_version(PGconn *c, int *version, char *err, size_t errlen)
{
    PGresult  *r;

    if (ucb_pg_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "  version INTEGER PRIMARY KEY,"
                    "  applied_at BIGINT NOT NULL)", err, errlen) != 0)
    {
        return -1;
    }

    r = PQexec(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");

    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQerrorMessage(c));
        PQclear(r);
        return -1;
    }

    *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);

    return 0;
}


int
ucb_pg_schema_apply(PGconn *c, size_t i, char *err, size_t errlen)
{
    char  sql[128];

    if (i >= ucb_pg_nmigrations) {
        snprintf(err, errlen, "no migration %zu", i + 1);
        return -1;
    }

    snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations"
             " VALUES (%zu, %lld)", i + 1, (long long) time(NULL));

    return ucb_pg_exec(c, ucb_pg_migrations[i], err, errlen) != 0
           || ucb_pg_exec(c, sql, err, errlen) != 0 ? -1 : 0;
}


/* the password in "user:password@" and in "?...password=...&..." */
void
ucb_pg_mask(char *dst, size_t size, const char *uri)
{
    size_t       n;
    const char  *scheme, *at, *colon, *query, *p, *end;

    scheme = strstr(uri, "://");
    query = strchr(uri, '?');
    at = scheme != NULL ? strchr(scheme + 3, '@') : NULL;

    if (at != NULL && query != NULL && at > query) {
        at = NULL;
    }

    colon = at != NULL ? memchr(scheme + 3, ':', (size_t) (at - scheme - 3))
                       : NULL;

    if (colon != NULL) {
        snprintf(dst, size, "%.*s:***%s", (int) (colon - uri), uri, at);
    } else {
        snprintf(dst, size, "%s", uri);
    }

    query = strchr(dst, '?');

    for (p = query; p != NULL; p = strchr(p + 1, '&')) {
        if (strncmp(p + 1, "password=", 9) != 0) {
            continue;
        }

        end = strchr(p + 10, '&');
        n = strlen(dst);

        if (n + 4 >= size) {
            break;
        }

        /* the value becomes "***" */
        memmove((char *) p + 13, end != NULL ? end : dst + n,
                strlen(end != NULL ? end : dst + n) + 1);
        memcpy((char *) p + 10, "***", 3);
    }
}
