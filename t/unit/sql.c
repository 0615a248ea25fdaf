/*
 * The store's statements (backend/store/store_sql.c): every one written,
 * and none with more parameters than the PostgreSQL driver holds (a
 * seventeenth once made an endpoint a silent 500 on PostgreSQL alone).
 */

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "store_sql.h"


/* the highest ?N of sql */
static int
params(const char *sql)
{
    int          n, max;
    const char  *p;

    max = 0;

    for (p = strchr(sql, '?'); p != NULL; p = strchr(p + 1, '?')) {
        n = atoi(p + 1);
        max = n > max ? n : max;
    }

    return max;
}


int
main(void)
{
    int  i, missing, over, most;

    missing = over = most = 0;

    for (i = 0; i < S_NSTMTS; i++) {
        if (ucb_sql[i] == NULL) {
            printf("# statement %d is not written\n", i);
            missing++;
            continue;
        }

        if (params(ucb_sql[i]) > UCB_SQL_PARAMS_MAX) {
            printf("# statement %d takes %d parameters\n", i,
                   params(ucb_sql[i]));
            over++;
        }

        most = params(ucb_sql[i]) > most ? params(ucb_sql[i]) : most;
    }

    ok(missing == 0, "all %d statements are written", S_NSTMTS);
    ok(over == 0, "none takes more than %d parameters (the most: %d)",
       UCB_SQL_PARAMS_MAX, most);
    ok(params("SELECT ?1, ?12, ?3") == 12, "parameters are counted by their "
       "highest number");

    printf("1..%d\n", tap_n);

    return tap_failed != 0;
}
