/*
 * uc-backend: the store's social identities (store.h). They are rows of
 * the identities table, like phones and e-mail addresses, so one unique
 * key (kind, value) makes each identity one account's, and "the last way
 * to sign in" is a count of one table.
 *
 * Writers of one identity are serialised by a transaction lock on it
 * (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite); a bind
 * that still meets another's row says UCB_CONFLICT and the caller runs
 * the call again, which then finds that row.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"
#include "ucb.h"


#define VALUE_MAX  (64 + 1 + 128 + 1)

typedef struct {
    char            union_kind[16];
    char            app_kind[16];
    char            app_value[VALUE_MAX];
} kinds_t;


static int
kinds(const ucb_social_ids_t *in, kinds_t *k)
{
    int  n;

    snprintf(k->union_kind, sizeof(k->union_kind), "%s", in->provider);
    snprintf(k->app_kind, sizeof(k->app_kind), "%s_app", in->provider);
    k->app_value[0] = '\0';

    if (in->openid[0] != '\0') {
        n = snprintf(k->app_value, sizeof(k->app_value), "%s:%s", in->appid,
                     in->openid);
        if (n < 0 || (size_t) n >= sizeof(k->app_value)) {
            return -1;
        }
    }

    return 0;
}


/*
 * Lookups run on this thread's connection, so inside the caller's
 * transaction: ucb_store_find_login and ucb_store_get_user.
 */
#define find(kind, value, u)  ucb_store_find_login(kind, value, u)
#define get_user(uid, u)      ucb_store_get_user(uid, u)


/* UCB_OK, UCB_CONFLICT (the row exists: someone bound it meanwhile) */
static int
bind_identity(const char *kind, const char *value, int64_t seq)
{
    int             rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_INSERT_IDENTITY);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, kind);
    ucb_db_bind_text(s, 2, value);
    ucb_db_bind_int64(s, 3, seq);
    ucb_db_bind_int64(s, 4, ucb_st_now());

    rc = ucb_db_exec(s);

    return rc == UCB_DB_DONE ? UCB_OK
           : rc == UCB_DB_CONSTRAINT ? UCB_CONFLICT : UCB_ERROR;
}


/* one lock for the person: the shared id when given, else the app's */
static int
lock_identity(const ucb_social_ids_t *in, const kinds_t *k)
{
    char  name[VALUE_MAX + 16];

    snprintf(name, sizeof(name), "%s:%s",
             in->union_id[0] != '\0' ? k->union_kind : k->app_kind,
             in->union_id[0] != '\0' ? in->union_id : k->app_value);

    return ucb_st_lock_key("identity", name);
}


/*
 * Looks both ids up: *by_union and *by_app say which were found (on u and
 * other); UCB_TAKEN when they are two accounts'. The account found is
 * then locked (an unlink takes the same lock) and looked up again: an
 * unlink that committed meanwhile is seen, one that comes after waits.
 */
static int
look_up(const ucb_social_ids_t *in, const kinds_t *k, ucb_user_t *u,
    int *by_union, int *by_app)
{
    int         rc;
    ucb_user_t  other;

    *by_union = *by_app = 0;

    if (in->union_id[0] != '\0') {
        rc = find(k->union_kind, in->union_id, u);
        if (rc == UCB_ERROR) {
            return UCB_ERROR;
        }
        *by_union = rc == UCB_OK;
    }

    if (k->app_value[0] != '\0') {
        rc = find(k->app_kind, k->app_value, *by_union ? &other : u);
        if (rc == UCB_ERROR) {
            return UCB_ERROR;
        }
        *by_app = rc == UCB_OK;

        if (*by_union && *by_app && other.seq != u->seq) {
            return UCB_TAKEN;
        }
    }

    return UCB_OK;
}


static int
look_up_locked(const ucb_social_ids_t *in, const kinds_t *k, ucb_user_t *u,
    int *by_union, int *by_app)
{
    int   rc;
    char  id[24];

    rc = look_up(in, k, u, by_union, by_app);

    if (rc != UCB_OK || (!*by_union && !*by_app)) {
        return rc;
    }

    snprintf(id, sizeof(id), "%s", u->id);

    if (ucb_st_lock_key("user", id) != 0) {
        return UCB_ERROR;
    }

    return look_up(in, k, u, by_union, by_app);
}


static int
new_account(uint64_t id, const ucb_social_ids_t *in, const char *ip,
    ucb_user_t *u)
{
    int             rc;
    json_t         *data;
    int64_t         now;
    ucb_db_stmt_t  *s;

    now = ucb_st_now();
    memset(u, 0, sizeof(*u));
    snprintf(u->id, sizeof(u->id), "%llu", (unsigned long long) id);

    s = ucb_db_stmt(S_INSERT_USER);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, (int64_t) id);
    ucb_db_bind_int64(s, 2, 1);
    ucb_db_bind_int64(s, 3, now);

    if (ucb_db_step(s) != UCB_DB_ROW) {
        ucb_db_reset(s);
        return UCB_ERROR;
    }

    u->seq = ucb_db_int64(s, 0);
    u->level = 1;
    u->status = UCB_USER_ACTIVE;
    ucb_db_reset(s);

    s = ucb_db_stmt(S_INSERT_PROFILE_FROM);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, u->seq);
    ucb_db_bind_text(s, 2, in->nickname);
    ucb_db_bind_text(s, 3, in->avatar);
    ucb_db_bind_int64(s, 4, now);

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        return UCB_ERROR;
    }

    data = json_pack("{s:s, s:I, s:s}", "via", in->provider,
                     "seq", (json_int_t) u->seq, "ip", ip != NULL ? ip : "");
    rc = ucb_st_event("user.registered", u->id, data);
    json_decref(data);

    if (rc != 0 || ucb_st_audit(u->id, "register", in->provider) != 0) {
        return UCB_ERROR;
    }

    return UCB_OK;
}


static int
sign_in_once(uint64_t id, const ucb_social_ids_t *in, const char *ip,
    ucb_user_t *out, int *created)
{
    int      rc, by_union, by_app;
    kinds_t  k;

    *created = 0;

    if (kinds(in, &k) != 0 || ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (lock_identity(in, &k) != 0) {
        goto failed;
    }

    rc = look_up_locked(in, &k, out, &by_union, &by_app);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    /* an account that cannot sign in gains nothing: the caller refuses */
    if ((by_union || by_app) && out->status != UCB_USER_ACTIVE) {
        ucb_db_rollback();
        return UCB_OK;
    }

    if (!by_union && !by_app) {
        if (new_account(id, in, ip, out) != UCB_OK) {
            goto failed;
        }

        *created = 1;
    }

    /* the facets not bound yet: this app's openid, or the shared id */
    rc = UCB_OK;

    if (in->union_id[0] != '\0' && !by_union) {
        rc = bind_identity(k.union_kind, in->union_id, out->seq);
    }

    if (rc == UCB_OK && k.app_value[0] != '\0' && !by_app) {
        rc = bind_identity(k.app_kind, k.app_value, out->seq);
    }

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    if (ucb_db_commit() != 0) {
        goto failed;
    }

    if (*created) {
        ucb_outbox_kick();
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_social_sign_in(uint64_t new_id, const ucb_social_ids_t *in,
    const char *ip, ucb_user_t *out, int *created)
{
    UCB_STORE_RETRY(sign_in_once(new_id, in, ip, out, created));
}


/* whether the account holds another value of kind (beginning with prefix) */
static int
holds_other(int64_t seq, const char *kind, const char *prefix,
    const char *value)
{
    int             rc, other;
    const char     *v;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_IDENTITY_OF_KIND);
    if (s == NULL) {
        return -1;
    }

    ucb_db_bind_int64(s, 1, seq);
    ucb_db_bind_text(s, 2, kind);

    other = 0;

    while ((rc = ucb_db_step(s)) == UCB_DB_ROW) {
        v = ucb_db_text(s, 0);

        if (strncmp(v, prefix, strlen(prefix)) == 0 && strcmp(v, value) != 0)
        {
            other = 1;
        }
    }

    ucb_db_reset(s);

    return rc == UCB_DB_DONE ? other : -1;
}


static int
link_once(const char *uid, const ucb_social_ids_t *in, int *linked)
{
    int         rc, by_union, by_app, other;
    char        prefix[72];
    json_t     *data;
    kinds_t     k;
    ucb_user_t  me, found;

    *linked = 0;

    if (kinds(in, &k) != 0 || ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (lock_identity(in, &k) != 0 || ucb_st_lock_key("user", uid) != 0) {
        goto failed;
    }

    rc = get_user(uid, &me);

    if (rc != UCB_OK || me.status == UCB_USER_DEACTIVATED) {
        ucb_db_rollback();
        return rc == UCB_ERROR ? UCB_ERROR : UCB_NOT_FOUND;
    }

    rc = look_up(in, &k, &found, &by_union, &by_app);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    if ((by_union || by_app) && found.seq != me.seq) {
        ucb_db_rollback();
        return UCB_TAKEN;
    }

    /* one account of a provider per user: a second WeChat is refused */
    other = 0;

    if (in->union_id[0] != '\0' && !by_union) {
        other = holds_other(me.seq, k.union_kind, "", in->union_id);
    }

    if (other == 0 && k.app_value[0] != '\0' && !by_app) {
        snprintf(prefix, sizeof(prefix), "%s:", in->appid);
        other = holds_other(me.seq, k.app_kind, prefix, k.app_value);
    }

    if (other != 0) {
        ucb_db_rollback();
        return other < 0 ? UCB_ERROR : UCB_CONFLICT;
    }

    rc = UCB_OK;

    if (in->union_id[0] != '\0' && !by_union) {
        rc = bind_identity(k.union_kind, in->union_id, me.seq);
        *linked = 1;
    }

    if (rc == UCB_OK && k.app_value[0] != '\0' && !by_app) {
        rc = bind_identity(k.app_kind, k.app_value, me.seq);
        *linked = 1;
    }

    if (rc != UCB_OK) {
        ucb_db_rollback();
        *linked = 0;
        return rc == UCB_CONFLICT ? UCB_TAKEN : rc;
    }

    if (*linked) {
        data = json_pack("{s:s, s:s}", "provider", in->provider,
                         "appid", in->appid);
        rc = ucb_st_event("user.identity_linked", uid, data);
        json_decref(data);

        if (rc != 0 || ucb_st_audit(uid, "identity_linked", in->provider)
                       != 0)
        {
            goto failed;
        }
    }

    if (ucb_db_commit() != 0) {
        goto failed;
    }

    if (*linked) {
        ucb_outbox_kick();
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    *linked = 0;
    return UCB_ERROR;
}


int
ucb_store_social_link(const char *uid, const ucb_social_ids_t *in,
    int *linked)
{
    UCB_STORE_RETRY(link_once(uid, in, linked));
}


static int
unlink_once(const char *uid, const char *provider)
{
    int             rc;
    char            app_kind[16];
    json_t         *data;
    int64_t         others, removed;
    ucb_user_t      me;
    ucb_db_stmt_t  *s;

    snprintf(app_kind, sizeof(app_kind), "%s_app", provider);

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_lock_key("user", uid) != 0) {
        goto failed;
    }

    rc = get_user(uid, &me);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    s = ucb_db_stmt(S_IDENTITY_OTHERS);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, me.seq);
    ucb_db_bind_text(s, 2, provider);
    ucb_db_bind_text(s, 3, app_kind);

    if (ucb_db_step(s) != UCB_DB_ROW) {
        ucb_db_reset(s);
        goto failed;
    }

    others = ucb_db_int64(s, 0);
    ucb_db_reset(s);

    s = ucb_db_stmt(S_IDENTITY_DELETE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, me.seq);
    ucb_db_bind_text(s, 2, provider);
    ucb_db_bind_text(s, 3, app_kind);

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    removed = ucb_db_changes();

    if (removed == 0 || others == 0) {
        ucb_db_rollback();
        return removed == 0 ? UCB_NOT_FOUND : UCB_LAST_OWNER;
    }

    if (ucb_st_audit(uid, "identity_unlinked", provider) != 0) {
        goto failed;
    }

    data = json_pack("{s:s}", "provider", provider);

    if (ucb_st_commit_event("user.identity_unlinked", uid, data) != UCB_OK) {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_social_unlink(const char *uid, const char *provider)
{
    UCB_STORE_RETRY(unlink_once(uid, provider));
}


static json_t *
identity_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:s, s:I}", "kind", ucb_db_text(s, 0),
                     "value", ucb_db_text(s, 1),
                     "created_at", (json_int_t) ucb_db_int64(s, 2));
}


int
ucb_store_identities(const char *uid, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_IDENTITY_LIST);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, uid);

    return ucb_st_all(s, identity_row, NULL, out);
}


static int
phone_add_once(const char *uid, const char *phone, int *added)
{
    int             rc;
    json_t         *data;
    ucb_user_t      me, owner;
    ucb_db_stmt_t  *s;

    *added = 0;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_lock_key("identity", phone) != 0
        || ucb_st_lock_key("user", uid) != 0)
    {
        goto failed;
    }

    rc = get_user(uid, &me);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    rc = find("phone", phone, &owner);

    if (rc == UCB_OK) {
        ucb_db_rollback();
        return owner.seq == me.seq ? UCB_OK : UCB_TAKEN;
    }

    if (rc != UCB_NOT_FOUND) {
        goto failed;
    }

    /* the step gives an account its phone, never a second one */
    rc = holds_other(me.seq, "phone", "", phone);

    if (rc != 0) {
        ucb_db_rollback();
        return rc < 0 ? UCB_ERROR : UCB_CONFLICT;
    }

    rc = bind_identity("phone", phone, me.seq);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc == UCB_CONFLICT ? UCB_TAKEN : rc;
    }

    /* a verified phone is what level 2 means, as for those who sign up
       with one */
    s = ucb_db_stmt(S_USER_LEVEL_AT_LEAST);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, me.seq);
    ucb_db_bind_int64(s, 2, 2);
    ucb_db_bind_int64(s, 3, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_st_audit(uid, "identity_linked", "phone") != 0) {
        goto failed;
    }

    data = json_pack("{s:s}", "provider", "phone");

    if (ucb_st_commit_event("user.identity_linked", uid, data) != UCB_OK) {
        goto failed;
    }

    *added = 1;

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_phone_add(const char *uid, const char *phone, int *added)
{
    UCB_STORE_RETRY(phone_add_once(uid, phone, added));
}
