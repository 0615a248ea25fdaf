/*
 * ucctl store copy SRC DST: moves a site from the embedded SQLite store to
 * PostgreSQL. SRC is a stopped store ("sqlite:/path" or a path), DST a new,
 * empty PostgreSQL database. Everything happens in one PostgreSQL
 * transaction: the schema is created by the same migrations the backend
 * runs, every table is copied (COPY, in foreign-key order), the identity
 * sequences are moved past the copied ids, and every table is read back
 * from both sides in the same order and compared value by value. Only then
 * is it committed; any failure leaves DST as it was. The SQLite file is
 * held with a write lock meanwhile, so nothing changes under the copy.
 *
 * Values are never printed: a store holds personal data. A difference is
 * reported by table, row and column.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "ucctl.h"
#include "store_pg_schema.h"


#define TABLES_MAX    64
#define COLUMNS_MAX   32
#define NAME_MAX_LEN  64
#define COPY_CHUNK    65536
#define FETCH_ROWS    "2000"


typedef struct {
    char            name[NAME_MAX_LEN];
    int             ncols;
    char            cols[COLUMNS_MAX][NAME_MAX_LEN];
    int             text[COLUMNS_MAX];      /* compared in byte order */
    int             identity[COLUMNS_MAX];
    int             ndeps;
    int             deps[TABLES_MAX];       /* tables it refers to */
    int             copied;
    long long       rows;
} table_t;


static sqlite3   *lite;
static PGconn    *pg;
static table_t    tables[TABLES_MAX];
static int        ntables;


static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
    char     msg[1024];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    /* nothing of the copy is kept: DST is as it was */
    if (pg != NULL) {
        PQclear(PQexec(pg, "ROLLBACK"));
        PQfinish(pg);
    }

    if (lite != NULL) {
        sqlite3_exec(lite, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(lite);
    }

    die("store copy: %s; nothing was copied", msg);
}


/*
 * A failed statement in words that hold no value of the store: the
 * primary message is PostgreSQL's own text, save for input it could not
 * read (class 22), whose message quotes the value; COPY's context gives
 * the line and column instead.
 */
static void __attribute__((noreturn))
pg_fail(PGresult *r, const char *what)
{
    char         where[160];
    const char  *state, *msg, *ctx, *line, *colon;

    state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);

    where[0] = '\0';
    line = ctx != NULL ? strstr(ctx, ", line ") : NULL;

    if (line != NULL) {
        colon = strchr(line, ':');
        snprintf(where, sizeof(where), " (COPY%.*s)",
                 (int) (colon != NULL ? colon - line : (long) strlen(line)),
                 line);
    }

    if (state == NULL || msg == NULL) {
        fail("%s: PostgreSQL: %s", what, PQerrorMessage(pg));
    }

    if (strncmp(state, "22", 2) == 0) {
        fail("%s: PostgreSQL refused a value, SQLSTATE %s%s", what, state,
             where);
    }

    fail("%s: PostgreSQL: %s, SQLSTATE %s%s", what, msg, state, where);
}


static PGresult *
pg_query(const char *sql, int nparams, const char *const *params,
    ExecStatusType want)
{
    PGresult  *r;

    r = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);

    if (PQresultStatus(r) != want) {
        pg_fail(r, "statement");
    }

    return r;
}


static void
pg_run(const char *sql)
{
    PQclear(pg_query(sql, 0, NULL, PGRES_COMMAND_OK));
}


static int
table_index(const char *name)
{
    int  i;

    for (i = 0; i < ntables; i++) {
        if (strcmp(tables[i].name, name) == 0) {
            return i;
        }
    }

    return -1;
}


/* "name" for SQLite: quotes doubled */
static void
lite_ident(char *dst, size_t size, const char *name)
{
    size_t  n = 0;

    dst[n++] = '"';

    for ( ; *name != '\0' && n + 3 < size; name++) {
        if (*name == '"') {
            dst[n++] = '"';
        }
        dst[n++] = *name;
    }

    dst[n++] = '"';
    dst[n] = '\0';
}


static sqlite3_stmt *
lite_prepare(const char *sql)
{
    sqlite3_stmt  *s;

    if (sqlite3_prepare_v2(lite, sql, -1, &s, NULL) != SQLITE_OK) {
        fail("SQLite: %s", sqlite3_errmsg(lite));
    }

    return s;
}


/* ------------------------------------------------------------ the schemas */

/* DST's tables after the migrations, their columns and foreign keys */
static void
read_pg_tables(void)
{
    int          i, k, rows;
    PGresult    *r, *c;
    const char  *param[1];

    r = pg_query("SELECT table_name FROM information_schema.tables"
                 " WHERE table_schema = current_schema()"
                 " AND table_type = 'BASE TABLE'"
                 " AND table_name <> 'schema_migrations'"
                 " ORDER BY table_name", 0, NULL, PGRES_TUPLES_OK);
    rows = PQntuples(r);

    if (rows > TABLES_MAX) {
        fail("%d tables: this ucctl copies %d at most", rows, TABLES_MAX);
    }

    for (i = 0; i < rows; i++) {
        table_t  *t = &tables[ntables++];

        snprintf(t->name, sizeof(t->name), "%s", PQgetvalue(r, i, 0));
        param[0] = t->name;

        c = pg_query("SELECT column_name, data_type, is_identity"
                     " FROM information_schema.columns"
                     " WHERE table_schema = current_schema()"
                     " AND table_name = $1 ORDER BY ordinal_position",
                     1, param, PGRES_TUPLES_OK);

        if (PQntuples(c) > COLUMNS_MAX) {
            fail("table %s has more than %d columns", t->name, COLUMNS_MAX);
        }

        for (k = 0; k < PQntuples(c); k++) {
            snprintf(t->cols[k], NAME_MAX_LEN, "%s", PQgetvalue(c, k, 0));
            t->text[k] = strcmp(PQgetvalue(c, k, 1), "text") == 0
                         || strcmp(PQgetvalue(c, k, 1), "character varying")
                            == 0;
            t->identity[k] = strcmp(PQgetvalue(c, k, 2), "YES") == 0;
        }

        t->ncols = PQntuples(c);
        PQclear(c);
    }

    PQclear(r);

    r = pg_query("SELECT c.relname, p.relname FROM pg_constraint k"
                 " JOIN pg_class c ON c.oid = k.conrelid"
                 " JOIN pg_class p ON p.oid = k.confrelid"
                 " WHERE k.contype = 'f'"
                 " AND c.relnamespace = current_schema()::regnamespace",
                 0, NULL, PGRES_TUPLES_OK);

    for (i = 0; i < PQntuples(r); i++) {
        int  from = table_index(PQgetvalue(r, i, 0));
        int  to = table_index(PQgetvalue(r, i, 1));

        if (from >= 0 && to >= 0 && from != to) {
            tables[from].deps[tables[from].ndeps++] = to;
        }
    }

    PQclear(r);
}


/* SRC must hold exactly these tables, each with exactly these columns */
static void
check_sqlite_tables(void)
{
    int            i, k, n, found;
    char           sql[256];
    const char    *name;
    sqlite3_stmt  *s, *c;

    s = lite_prepare("SELECT name FROM sqlite_master WHERE type = 'table'"
                     " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                     " AND name <> 'schema_migrations'");
    n = 0;

    while (sqlite3_step(s) == SQLITE_ROW) {
        name = (const char *) sqlite3_column_text(s, 0);
        n++;

        i = table_index(name);
        if (i < 0) {
            snprintf(sql, sizeof(sql), "%s", name);
            sqlite3_finalize(s);
            fail("SQLite table %s has no PostgreSQL counterpart", sql);
        }

        c = lite_prepare("SELECT name FROM pragma_table_info(?1)");
        sqlite3_bind_text(c, 1, name, -1, SQLITE_TRANSIENT);
        found = 0;

        while (sqlite3_step(c) == SQLITE_ROW) {
            const char  *col = (const char *) sqlite3_column_text(c, 0);

            for (k = 0; k < tables[i].ncols; k++) {
                if (strcmp(tables[i].cols[k], col) == 0) {
                    break;
                }
            }

            if (k == tables[i].ncols) {
                snprintf(sql, sizeof(sql), "%s", col);
                sqlite3_finalize(c);
                sqlite3_finalize(s);
                fail("column %s.%s is not in PostgreSQL's schema",
                     tables[i].name, sql);
            }

            found++;
        }

        sqlite3_finalize(c);

        if (found != tables[i].ncols) {
            sqlite3_finalize(s);
            fail("table %s: %d columns in SQLite, %d in PostgreSQL",
                 tables[i].name, found, tables[i].ncols);
        }
    }

    sqlite3_finalize(s);

    if (n != ntables) {
        fail("%d tables in SQLite, %d in PostgreSQL's schema", n, ntables);
    }
}


/* ------------------------------------------------------------ copying */

/* appends to sql[size], which holds *n bytes; a statement too long fails */
static void __attribute__((format(printf, 4, 5)))
append(char *sql, size_t size, size_t *n, const char *fmt, ...)
{
    int      len;
    va_list  ap;

    va_start(ap, fmt);
    len = vsnprintf(sql + *n, size - *n, fmt, ap);
    va_end(ap);

    if (len < 0 || (size_t) len >= size - *n) {
        fail("a statement longer than %zu bytes", size);
    }

    *n += (size_t) len;
}


/* "SELECT a, b FROM t" (ORDER BY every column when ordered) */
static void
select_sql(char *sql, size_t size, const table_t *t, int ordered, int pgsql)
{
    int     k;
    size_t  n;
    char    id[NAME_MAX_LEN * 2 + 3];

    n = 0;
    append(sql, size, &n, "SELECT ");

    for (k = 0; k < t->ncols; k++) {
        lite_ident(id, sizeof(id), t->cols[k]);
        append(sql, size, &n, "%s%s", k ? ", " : "", id);
    }

    lite_ident(id, sizeof(id), t->name);
    append(sql, size, &n, " FROM %s", id);

    for (k = 0; ordered && k < t->ncols; k++) {
        lite_ident(id, sizeof(id), t->cols[k]);
        /* byte order and NULLs first on both sides: SQLite's BINARY */
        append(sql, size, &n, "%s%s%s%s", k ? ", " : " ORDER BY ", id,
               pgsql && t->text[k] ? " COLLATE \"C\"" : "",
               pgsql ? " NULLS FIRST" : "");
    }
}


/* a value in COPY's text format: \N, or the bytes with \\ \t \n \r escaped */
static void
copy_value(char **buf, size_t *len, size_t *cap, sqlite3_stmt *s, int k,
    const table_t *t)
{
    int                   n, i;
    const unsigned char  *v;

    if (*len + 8 > *cap || (size_t) sqlite3_column_bytes(s, k) * 2 + 8
                           > *cap - *len)
    {
        *cap = (*len + (size_t) sqlite3_column_bytes(s, k) * 2 + 8) * 2;
        *buf = realloc(*buf, *cap);
        if (*buf == NULL) {
            fail("out of memory");
        }
    }

    if (sqlite3_column_type(s, k) == SQLITE_NULL) {
        memcpy(*buf + *len, "\\N", 2);
        *len += 2;
        return;
    }

    v = sqlite3_column_text(s, k);
    n = sqlite3_column_bytes(s, k);

    for (i = 0; i < n; i++) {
        switch (v[i]) {
        case '\0':
            fail("table %s, column %s: a NUL byte, which PostgreSQL text "
                 "cannot hold", t->name, t->cols[k]);
        case '\\': (*buf)[(*len)++] = '\\'; (*buf)[(*len)++] = '\\'; break;
        case '\t': (*buf)[(*len)++] = '\\'; (*buf)[(*len)++] = 't'; break;
        case '\n': (*buf)[(*len)++] = '\\'; (*buf)[(*len)++] = 'n'; break;
        case '\r': (*buf)[(*len)++] = '\\'; (*buf)[(*len)++] = 'r'; break;
        default: (*buf)[(*len)++] = (char) v[i];
        }
    }
}


static void
copy_table(table_t *t)
{
    int            k, rc;
    char           sql[4096], *quoted, *buf;
    size_t         len, cap, n;
    PGresult      *r;
    sqlite3_stmt  *s;

    n = 0;
    quoted = PQescapeIdentifier(pg, t->name, strlen(t->name));
    append(sql, sizeof(sql), &n, "COPY %s (", quoted);
    PQfreemem(quoted);

    for (k = 0; k < t->ncols; k++) {
        quoted = PQescapeIdentifier(pg, t->cols[k], strlen(t->cols[k]));
        append(sql, sizeof(sql), &n, "%s%s", k ? ", " : "", quoted);
        PQfreemem(quoted);
    }

    append(sql, sizeof(sql), &n, ") FROM STDIN");
    PQclear(pg_query(sql, 0, NULL, PGRES_COPY_IN));

    select_sql(sql, sizeof(sql), t, 0, 0);
    s = lite_prepare(sql);

    cap = COPY_CHUNK * 2;
    buf = malloc(cap);
    len = 0;
    if (buf == NULL) {
        fail("out of memory");
    }

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (k = 0; k < t->ncols; k++) {
            copy_value(&buf, &len, &cap, s, k, t);
            buf[len++] = k + 1 < t->ncols ? '\t' : '\n';
        }

        t->rows++;

        if (len >= COPY_CHUNK) {
            if (PQputCopyData(pg, buf, (int) len) != 1) {
                fail("PostgreSQL: %s", PQerrorMessage(pg));
            }
            len = 0;
        }
    }

    sqlite3_finalize(s);

    if (rc != SQLITE_DONE) {
        free(buf);
        fail("SQLite, table %s: %s", t->name, sqlite3_errmsg(lite));
    }

    if ((len > 0 && PQputCopyData(pg, buf, (int) len) != 1)
        || PQputCopyEnd(pg, NULL) != 1)
    {
        free(buf);
        fail("PostgreSQL: %s", PQerrorMessage(pg));
    }

    free(buf);

    r = PQgetResult(pg);

    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        snprintf(sql, sizeof(sql), "table %s", t->name);
        pg_fail(r, sql);
    }

    PQclear(r);

    while ((r = PQgetResult(pg)) != NULL) {
        PQclear(r);
    }

    t->copied = 1;
}


/* all at once, so no foreign key stands in the way */
static void
truncate_all(void)
{
    int     i;
    char    sql[TABLES_MAX * (NAME_MAX_LEN * 2 + 4) + 16], *q;
    size_t  n;

    n = 0;
    append(sql, sizeof(sql), &n, "TRUNCATE ");

    for (i = 0; i < ntables; i++) {
        q = PQescapeIdentifier(pg, tables[i].name, strlen(tables[i].name));
        append(sql, sizeof(sql), &n, "%s%s", i ? ", " : "", q);
        PQfreemem(q);
    }

    pg_run(sql);
}


/* the copy's tables in an order where each comes after those it refers to */
static void
copy_all(void)
{
    int  i, k, progress, left;

    for (left = ntables; left > 0; left -= progress) {
        progress = 0;

        for (i = 0; i < ntables; i++) {
            if (tables[i].copied) {
                continue;
            }

            for (k = 0; k < tables[i].ndeps; k++) {
                if (!tables[tables[i].deps[k]].copied) {
                    break;
                }
            }

            if (k == tables[i].ndeps) {
                copy_table(&tables[i]);
                progress++;
            }
        }

        if (progress == 0) {
            fail("the foreign keys between the tables form a cycle");
        }
    }
}


/* ids the identity columns hand out next: past every copied one */
static void
move_sequences(void)
{
    int          i, k;
    char        *qt, *qc, sql[512];
    const char  *params[2];

    for (i = 0; i < ntables; i++) {
        for (k = 0; k < tables[i].ncols; k++) {
            if (!tables[i].identity[k]) {
                continue;
            }

            qt = PQescapeIdentifier(pg, tables[i].name,
                                    strlen(tables[i].name));
            qc = PQescapeIdentifier(pg, tables[i].cols[k],
                                    strlen(tables[i].cols[k]));
            snprintf(sql, sizeof(sql),
                     "SELECT setval(pg_get_serial_sequence($1, $2),"
                     " COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)",
                     qc, qt);
            PQfreemem(qt);
            PQfreemem(qc);

            params[0] = tables[i].name;
            params[1] = tables[i].cols[k];
            PQclear(pg_query(sql, 2, params, PGRES_TUPLES_OK));
        }
    }
}


/* ------------------------------------------------------------ verifying */

/*
 * Reads the table back from both sides, ordered by every column the same
 * way, and compares each value's bytes and NULL-ness.
 */
static void
verify_table(const table_t *t)
{
    int            k, rc, i, nrows;
    char           sql[4096], cursor[4200];
    long long      row;
    PGresult      *r;
    const char    *a, *b;
    sqlite3_stmt  *s;

    select_sql(sql, sizeof(sql), t, 1, 0);
    s = lite_prepare(sql);

    select_sql(sql, sizeof(sql), t, 1, 1);
    snprintf(cursor, sizeof(cursor), "DECLARE uc_verify NO SCROLL CURSOR"
             " FOR %s", sql);
    pg_run(cursor);

    row = 0;
    rc = SQLITE_ROW;

    for ( ;; ) {
        r = pg_query("FETCH " FETCH_ROWS " FROM uc_verify", 0, NULL,
                     PGRES_TUPLES_OK);
        nrows = PQntuples(r);

        for (i = 0; i < nrows; i++) {
            rc = sqlite3_step(s);
            row++;

            if (rc != SQLITE_ROW) {
                PQclear(r);
                sqlite3_finalize(s);
                fail("table %s: PostgreSQL has more rows than SQLite (%lld)",
                     t->name, row - 1);
            }

            for (k = 0; k < t->ncols; k++) {
                a = (const char *) sqlite3_column_text(s, k);
                b = PQgetisnull(r, i, k) ? NULL : PQgetvalue(r, i, k);

                if ((a == NULL) != (b == NULL)
                    || (a != NULL && strcmp(a, b) != 0))
                {
                    PQclear(r);
                    sqlite3_finalize(s);
                    fail("table %s, row %lld in order: column %s differs",
                         t->name, row, t->cols[k]);
                }
            }
        }

        PQclear(r);

        if (nrows == 0) {
            break;
        }
    }

    rc = sqlite3_step(s);
    sqlite3_finalize(s);

    if (rc != SQLITE_DONE) {
        fail("table %s: SQLite has more rows than PostgreSQL (%lld)",
             t->name, row);
    }

    if (row != t->rows) {
        fail("table %s: %lld rows copied, %lld read back", t->name, t->rows,
             row);
    }

    pg_run("CLOSE uc_verify");
}


/* ------------------------------------------------------------ the command */

static void
store_copy(const char *src, const char *dst)
{
    int            i, version;
    char           err[512], shown[512];
    PGresult      *r;
    sqlite3_stmt  *s;
    static const char  *keys[] = { "dbname", "connect_timeout",
                                   "application_name", "client_encoding",
                                   NULL };
    const char         *vals[] = { dst, "10", "ucctl store copy", "UTF8",
                                   NULL };
    const char         *encoding;

    if (strncmp(src, "sqlite:", 7) == 0) {
        src += 7;
    }

    if (strncmp(dst, "postgresql://", 13) != 0
        && strncmp(dst, "postgres://", 11) != 0)
    {
        die("store copy: the target is a postgresql:// URI");
    }

    ucb_pg_mask(shown, sizeof(shown), dst);

    /* SRC: it must exist; a write lock keeps it still while it is read */
    if (sqlite3_open_v2(src, &lite, SQLITE_OPEN_READWRITE, NULL)
        != SQLITE_OK)
    {
        fail("cannot open %s: %s", src, sqlite3_errmsg(lite));
    }

    sqlite3_busy_timeout(lite, 2000);

    if (sqlite3_exec(lite, "BEGIN IMMEDIATE", NULL, NULL, NULL)
        != SQLITE_OK)
    {
        fail("%s is in use (%s): stop its backend first", src,
             sqlite3_errmsg(lite));
    }

    s = lite_prepare("SELECT COALESCE(MAX(version), 0)"
                     " FROM schema_migrations");
    version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);

    if (version != (int) ucb_pg_nmigrations) {
        fail("%s is at schema version %d, this ucctl at %zu: start the "
             "backend of this release on it once, stop it, then copy", src,
             version, ucb_pg_nmigrations);
    }

    /* DST: a new database, filled in one transaction */
    pg = PQconnectdbParams(keys, vals, 1);

    if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, sizeof(err), "%s",
                 pg != NULL ? PQerrorMessage(pg) : "no memory");
        PQfinish(pg);
        pg = NULL;
        fail("cannot connect to PostgreSQL at %s: %s", shown, err);
    }

    /* SQLite's text is UTF-8; any other encoding would convert it */
    encoding = PQparameterStatus(pg, "server_encoding");

    if (encoding == NULL || strcmp(encoding, "UTF8") != 0) {
        fail("%s has the encoding %s; the store needs UTF8 "
             "(createdb -E UTF8)", shown,
             encoding != NULL ? encoding : "unknown");
    }

    pg_run("BEGIN");
    /* no backend migrates it meanwhile */
    PQclear(pg_query("SELECT pg_advisory_xact_lock(" UCB_PG_LOCK_MIGRATE ")",
                     0, NULL, PGRES_TUPLES_OK));

    r = pg_query("SELECT count(*) FROM pg_tables"
                 " WHERE schemaname = current_schema()", 0, NULL,
                 PGRES_TUPLES_OK);
    i = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);

    if (i != 0) {
        fail("%s is not empty (%d tables): copy into a new database "
             "(createdb)", shown, i);
    }

    if (ucb_pg_schema_version(pg, &version, err, sizeof(err)) != 0) {
        fail("%s", err);
    }

    for (i = 0; i < (int) ucb_pg_nmigrations; i++) {
        if (ucb_pg_schema_apply(pg, (size_t) i, err, sizeof(err)) != 0) {
            fail("migration %d: %s", i + 1, err);
        }
    }

    read_pg_tables();
    check_sqlite_tables();

    /* the rows the migrations seed (dictionaries) come from SRC instead */
    truncate_all();
    copy_all();
    move_sequences();

    for (i = 0; i < ntables; i++) {
        verify_table(&tables[i]);
    }

    pg_run("COMMIT");
    PQfinish(pg);
    pg = NULL;

    sqlite3_exec(lite, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(lite);
    lite = NULL;

    printf("copied %s to %s, every row read back and compared:\n", src,
           shown);

    for (i = 0; i < ntables; i++) {
        printf("  %-20s %lld\n", tables[i].name, tables[i].rows);
    }
}


int
ucctl_store_command(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[0], "copy") != 0) {
        fputs("usage: ucctl store copy sqlite:FILE postgresql://...\n",
              stderr);
        return 2;
    }

    store_copy(argv[1], argv[2]);

    return 0;
}
