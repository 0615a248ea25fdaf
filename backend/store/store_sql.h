/*
 * uc-backend: the SQLite store's schema migrations and statements.
 */

#ifndef UCB_STORE_SQL_H
#define UCB_STORE_SQL_H

#include <stddef.h>


typedef enum {
    S_BEGIN, S_COMMIT, S_ROLLBACK, S_LOCK_KEY,
    S_FIND_LOGIN, S_GET_USER,
    S_INSERT_USER, S_INSERT_IDENTITY, S_INSERT_CREDENTIAL,
    S_INSERT_PROFILE, S_INSERT_OUTBOX, S_INSERT_AUDIT,
    S_SET_PASSWORD, S_REHASH_PASSWORD, S_SET_STATUS,
    S_PROFILE_GET, S_PROFILE_UPDATE,
    S_OUTBOX_FETCH, S_OUTBOX_DONE,
    S_SERIAL_INIT, S_SERIAL_TAKE,
    S_COUNT_USERS, S_COUNT_OUTBOX,
    S_FLAG_PUT, S_FLAG_DELETE, S_FLAG_LIST, S_FLAG_LINES,
    S_DICT_VERSION, S_DICT_ITEMS, S_DICT_BUMP, S_DICT_CLEAR,
    S_DICT_ITEM_PUT, S_DICT_ITEM_DELETE, S_DICT_LIST,
    S_LINE_GET, S_LINE_LIST, S_LINE_PUT, S_LINE_STATUS,
    S_AUDIT_CHANGE, S_AUDIT_CHANGES,
    S_LINE_JOIN, S_USER_LINES, S_LINE_MEMBERS,
    S_NSTMTS
} stmt_e;


extern const char *const  ucb_migrations[];
extern const size_t       ucb_nmigrations;
extern const char *const  ucb_sql[S_NSTMTS];

#endif /* UCB_STORE_SQL_H */
