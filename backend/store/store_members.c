/*
 * uc-backend: merchants' members and invitations in the store.
 *
 * Roles: owner, admin, staff. An owner changes any role and removes
 * anyone; an admin removes staff; anyone leaves; a merchant always keeps
 * an owner. An owner invites by phone or e-mail; the invitation is
 * accepted by the user who has that phone or e-mail verified. A removed
 * member keeps a row with role "" at the change's version, so the
 * gateways' copy can be told so (and a late copy of the older role is
 * refused by its version). Every change writes its audit row (subject
 * merchant:<id>, before and after) and event in its transaction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"
#include "store_merchants.h"
#include "ucb.h"


int
ucb_st_member_put(const char *mid, const char *uid, const char *role,
    int64_t version)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MEMBER_PUT);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, mid);
    ucb_db_bind_text(s, 2, uid);
    ucb_db_bind_text(s, 3, role);
    ucb_db_bind_int64(s, 4, version);
    ucb_db_bind_int64(s, 5, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        return UCB_ERROR;
    }

    return ucb_db_changes() > 0 ? UCB_OK : UCB_NOT_FOUND;
}


int
ucb_store_member_role(const char *mid, const char *uid, char *role,
    size_t size)
{
    int             rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MEMBER_ROLE);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, mid);
    ucb_db_bind_text(s, 2, uid);

    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        snprintf(role, size, "%s", ucb_db_text(s, 0));
        rc = role[0] != '\0' ? UCB_OK : UCB_NOT_FOUND;

    } else {
        rc = rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
    }

    ucb_db_reset(s);

    return rc;
}


static json_t *
member_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I}", "user_id",
                     ucb_db_text(s, 0), "role", ucb_db_text(s, 1),
                     "version", (json_int_t) ucb_db_int64(s, 2),
                     "joined_at", (json_int_t) ucb_db_int64(s, 3),
                     "updated_at", (json_int_t) ucb_db_int64(s, 4));
}


int
ucb_store_members(const char *mid, int with_removed, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MEMBER_LIST);
    if (s == NULL) {
        *out = NULL;
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, mid);
    ucb_db_bind_int64(s, 2, with_removed ? 1 : 0);

    return ucb_st_all(s, member_row, NULL, out);
}


static json_t *
member_json(const char *uid, const char *role, int64_t version)
{
    return json_pack("{s:s, s:s, s:I}", "user_id", uid, "role", role,
                     "version", (json_int_t) version);
}


/* The audit row and event of a member's change, then COMMIT. */
static int
member_changed(const char *mid, const char *action, json_t *before,
    json_t *after, const char *actor)
{
    char  subject[64];

    snprintf(subject, sizeof(subject), "merchant:%s", mid);

    if (ucb_st_audit_change(actor, action, subject, before, after) != 0) {
        return UCB_ERROR;
    }

    return ucb_st_commit_event(action, actor,
                               json_pack("{s:s, s:O}", "merchant_id", mid,
                                         "member", after));
}


/* a removed member's pending invitations go with them */
static int
invitations_to_cancel(const char *mid, const char *uid)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_INVITE_CANCEL_TO);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, mid);
    ucb_db_bind_text(s, 2, uid);
    ucb_db_bind_int64(s, 3, ucb_st_now());

    return ucb_db_exec(s) == UCB_DB_DONE ? UCB_OK : UCB_ERROR;
}


static int
role_allows(const char *actor_role, int self, const char *target_role,
    const char *role)
{
    if (strcmp(actor_role, "owner") == 0) {
        return 1;
    }

    if (role[0] != '\0') {
        return 0;               /* only owners change roles */
    }

    return self || (strcmp(actor_role, "admin") == 0
                    && strcmp(target_role, "staff") == 0);
}


static int
member_set_once(const char *mid, const char *uid, const char *role,
    const char *actor, json_t **out)
{
    int       rc;
    char      actor_role[16], target_role[16];
    int64_t   version, owners;
    json_t   *before;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_lock(mid);

    if (rc == UCB_OK) {
        rc = ucb_st_merchant_bump(mid, &version);
    }

    if (rc == UCB_OK) {
        rc = ucb_store_member_role(mid, actor, actor_role,
                                   sizeof(actor_role));
        rc = rc == UCB_NOT_FOUND ? UCB_FORBIDDEN : rc;
    }

    if (rc == UCB_OK) {
        rc = ucb_store_member_role(mid, uid, target_role,
                                   sizeof(target_role));
    }

    if (rc == UCB_OK
        && !role_allows(actor_role, strcmp(uid, actor) == 0, target_role,
                        role))
    {
        rc = UCB_FORBIDDEN;
    }

    if (rc == UCB_OK && strcmp(target_role, "owner") == 0
        && strcmp(role, "owner") != 0)
    {
        rc = ucb_st_count(S_MEMBER_OWNERS, mid, -1, &owners);

        if (rc == UCB_OK && owners <= 1) {
            rc = UCB_LAST_OWNER;
        }
    }

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    /* the same role again: nothing changes, nothing to audit */
    if (strcmp(target_role, role) == 0) {
        ucb_db_rollback();
        *out = member_json(uid, role, version - 1);
        return *out != NULL ? UCB_OK : UCB_ERROR;
    }

    before = member_json(uid, target_role, version);
    *out = member_json(uid, role, version);

    if (before == NULL || *out == NULL
        || ucb_st_member_put(mid, uid, role, version) != UCB_OK
        || (role[0] == '\0' && invitations_to_cancel(mid, uid) != UCB_OK)
        || member_changed(mid, role[0] != '\0'
                               ? "merchant.member_role_changed"
                               : "merchant.member_removed",
                          before, *out, actor)
           != UCB_OK)
    {
        json_decref(before);
        json_decref(*out);
        *out = NULL;
        ucb_db_rollback();
        return UCB_ERROR;
    }

    json_decref(before);

    return UCB_OK;
}


int
ucb_store_member_set(const char *mid, const char *uid, const char *role,
    const char *actor, json_t **out)
{
    UCB_STORE_RETRY(member_set_once(mid, uid, role, actor, out));
}


/* The row of S_INVITE_GET, _LIST, _MINE; the phone or e-mail masked. */
static json_t *
invitation_row(ucb_db_stmt_t *s, void *with_name)
{
    char         to[320];
    json_t      *inv;
    const char  *kind;

    kind = ucb_db_text(s, 2);

    if (strcmp(kind, "phone") == 0) {
        ucb_mask_phone(to, sizeof(to), ucb_db_text(s, 3));

    } else {
        ucb_mask_email(to, sizeof(to), ucb_db_text(s, 3));
    }

    inv = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
                    "id", ucb_db_text(s, 0), "merchant_id", ucb_db_text(s, 1),
                    "kind", kind, "to", to, "role", ucb_db_text(s, 4),
                    "status", ucb_db_text(s, 5),
                    "invited_by", ucb_db_text(s, 6),
                    "created_at", (json_int_t) ucb_db_int64(s, 8),
                    "expires_at", (json_int_t) ucb_db_int64(s, 9));

    if (inv != NULL && with_name != NULL) {
        json_object_set_new(inv, "merchant_name",
                            json_string(ucb_db_text(s, 10)));
    }

    return inv;
}


/* the invitation and its full phone or e-mail (to, size) */
static int
invitation_get(const char *id, json_t **out, char *kind, char *to,
    size_t size)
{
    int             rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_INVITE_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, id);

    rc = ucb_db_step(s);
    *out = NULL;

    if (rc == UCB_DB_ROW) {
        snprintf(kind, 8, "%s", ucb_db_text(s, 2));
        snprintf(to, size, "%s", ucb_db_text(s, 3));
        *out = invitation_row(s, NULL);
        rc = *out != NULL ? UCB_OK : UCB_ERROR;

    } else {
        rc = rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
    }

    ucb_db_reset(s);

    return rc;
}


static int
invite_once(const char *mid, const char *id, const char *kind,
    const char *value, const char *role, int64_t expires_at,
    const char *actor, json_t **out)
{
    int             rc;
    char            k[8], to[320];
    int64_t         pending;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_lock_as(mid, actor, "owner");

    if (rc == UCB_OK) {
        rc = ucb_st_count(S_INVITE_COUNT, mid, ucb_st_now(), &pending);

        if (rc == UCB_OK && pending >= UCB_INVITATIONS_PENDING) {
            rc = UCB_LIMIT;
        }
    }

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    s = ucb_db_stmt(S_INVITE_INSERT);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, id);
    ucb_db_bind_text(s, 2, mid);
    ucb_db_bind_text(s, 3, kind);
    ucb_db_bind_text(s, 4, value);
    ucb_db_bind_text(s, 5, role);
    ucb_db_bind_text(s, 6, actor);
    ucb_db_bind_int64(s, 7, ucb_st_now());
    ucb_db_bind_int64(s, 8, expires_at);

    if (ucb_db_exec(s) != UCB_DB_DONE
        || invitation_get(id, out, k, to, sizeof(to)) != UCB_OK)
    {
        goto failed;
    }

    /* the audit row and the event carry the masked phone or e-mail: a
       sender reads the invitation by its id */
    if (member_changed(mid, "merchant.member_invited", NULL, *out, actor)
        != UCB_OK)
    {
        json_decref(*out);
        *out = NULL;
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_invite(const char *mid, const char *id, const char *kind,
    const char *value, const char *role, int64_t expires_at,
    const char *actor, json_t **out)
{
    UCB_STORE_RETRY(invite_once(mid, id, kind, value, role, expires_at,
                                actor, out));
}


static int
invitation_set(const char *id, const char *status, const char *by)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_INVITE_SET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, id);
    ucb_db_bind_text(s, 2, status);
    ucb_db_bind_text(s, 3, by);
    ucb_db_bind_int64(s, 4, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        return UCB_ERROR;
    }

    /* another call took it first */
    return ucb_db_changes() > 0 ? UCB_OK : UCB_GONE;
}


static int
has_identity(const char *uid, const char *kind, const char *value, int *has)
{
    int             rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_USER_HAS_IDENTITY);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, uid);
    ucb_db_bind_text(s, 2, kind);
    ucb_db_bind_text(s, 3, value);

    rc = ucb_db_step(s);
    *has = rc == UCB_DB_ROW && ucb_db_int64(s, 0) > 0;
    ucb_db_reset(s);

    return rc == UCB_DB_ROW ? UCB_OK : UCB_ERROR;
}


static int
accept_once(const char *id, const char *uid, json_t **out)
{
    int       rc, has;
    char      kind[8], to[320], role[16], mid[64], current[16], by[32];
    char      inviter_role[16];
    int64_t   version;
    json_t   *inv, *merchant;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = invitation_get(id, &inv, kind, to, sizeof(to));

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    snprintf(mid, sizeof(mid), "%s",
             json_string_value(json_object_get(inv, "merchant_id")));
    snprintf(role, sizeof(role), "%s",
             json_string_value(json_object_get(inv, "role")));
    snprintf(by, sizeof(by), "%s",
             json_string_value(json_object_get(inv, "invited_by")));

    /* the invitee is whoever has that phone or e-mail, verified; others
       learn nothing of the invitation, not even whether it was used */
    rc = has_identity(uid, kind, to, &has);

    if (rc == UCB_OK && !has) {
        rc = UCB_FORBIDDEN;
    }

    if (rc == UCB_OK) {
        rc = ucb_st_merchant_lock(mid);
    }

    if (rc == UCB_OK
        && (strcmp(json_string_value(json_object_get(inv, "status")),
                   "pending") != 0
            || json_integer_value(json_object_get(inv, "expires_at"))
               <= ucb_st_now()))
    {
        rc = UCB_GONE;
    }

    json_decref(inv);

    /* an invitation speaks for its owner only while they are one */
    if (rc == UCB_OK) {
        rc = ucb_store_member_role(mid, by, inviter_role,
                                   sizeof(inviter_role));

        if (rc == UCB_NOT_FOUND
            || (rc == UCB_OK && strcmp(inviter_role, "owner") != 0))
        {
            rc = UCB_GONE;
        }
    }

    if (rc == UCB_OK) {
        rc = ucb_st_merchant_bump(mid, &version);
    }

    /* a closed merchant takes no one */
    if (rc == UCB_OK) {
        rc = ucb_store_merchant_get(mid, &merchant);

        if (rc == UCB_OK) {
            if (strcmp(json_string_value(json_object_get(merchant,
                                                         "status")),
                       "closed") == 0)
            {
                rc = UCB_GONE;
            }

            json_decref(merchant);
        }
    }

    /* used up, whatever follows: never a token to come back with */
    if (rc == UCB_OK) {
        rc = invitation_set(id, "accepted", uid);
    }

    if (rc == UCB_OK) {
        rc = ucb_store_member_role(mid, uid, current, sizeof(current));

        /* a member already keeps the role they have */
        if (rc == UCB_OK) {
            *out = json_pack("{s:s, s:s, s:I, s:s}", "user_id", uid,
                             "role", current, "version",
                             (json_int_t) version, "merchant_id", mid);
            /* the row at this version too, as the copy will be */
            rc = *out != NULL
                 && ucb_st_member_put(mid, uid, current, version) == UCB_OK
                 && member_changed(mid, "merchant.invitation_used", NULL,
                                   *out, uid) == UCB_OK
                 ? UCB_OK : UCB_ERROR;

            if (rc != UCB_OK) {
                json_decref(*out);
                *out = NULL;
                ucb_db_rollback();
            }

            return rc;
        }

        rc = rc == UCB_NOT_FOUND ? UCB_OK : rc;
    }

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    *out = member_json(uid, role, version);

    if (*out == NULL
        || ucb_st_member_put(mid, uid, role, version) != UCB_OK
        || member_changed(mid, "merchant.member_joined", NULL, *out, uid)
           != UCB_OK)
    {
        json_decref(*out);
        *out = NULL;
        ucb_db_rollback();
        return UCB_ERROR;
    }

    json_object_set_new(*out, "merchant_id", json_string(mid));

    return UCB_OK;
}


int
ucb_store_invitation_accept(const char *id, const char *uid, json_t **out)
{
    UCB_STORE_RETRY(accept_once(id, uid, out));
}


static int
cancel_once(const char *mid, const char *id, const char *actor)
{
    int      rc;
    char     kind[8], to[320];
    json_t  *inv;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_lock_as(mid, actor, "owner");

    inv = NULL;

    if (rc == UCB_OK) {
        rc = invitation_get(id, &inv, kind, to, sizeof(to));
    }

    /* another merchant's invitation is none of this one's */
    if (rc == UCB_OK
        && strcmp(json_string_value(json_object_get(inv, "merchant_id")),
                  mid) != 0)
    {
        rc = UCB_NOT_FOUND;
    }

    if (rc == UCB_OK) {
        rc = invitation_set(id, "cancelled", "");
    }

    if (rc == UCB_OK) {
        json_object_set_new(inv, "status", json_string("cancelled"));
        rc = member_changed(mid, "merchant.invitation_cancelled", NULL, inv,
                            actor);
    }

    json_decref(inv);

    if (rc != UCB_OK) {
        ucb_db_rollback();
    }

    return rc;
}


int
ucb_store_invitation_cancel(const char *mid, const char *id,
    const char *actor)
{
    UCB_STORE_RETRY(cancel_once(mid, id, actor));
}


int
ucb_store_invitation_read(const char *id, json_t **out)
{
    int   rc;
    char  kind[8], to[320];

    rc = invitation_get(id, out, kind, to, sizeof(to));

    if (rc == UCB_OK) {
        json_object_set_new(*out, "recipient", json_string(to));
    }

    return rc;
}


int
ucb_store_invitations(const char *mid, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_INVITE_LIST);
    if (s == NULL) {
        *out = NULL;
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, mid);
    ucb_db_bind_int64(s, 2, ucb_st_now());

    return ucb_st_all(s, invitation_row, NULL, out);
}


int
ucb_store_user_invitations(const char *uid, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_INVITE_MINE);
    if (s == NULL) {
        *out = NULL;
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, uid);
    ucb_db_bind_int64(s, 2, ucb_st_now());

    return ucb_st_all(s, invitation_row, s, out);
}


static json_t *
my_merchant_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I}", "merchant_id",
                     ucb_db_text(s, 0), "name", ucb_db_text(s, 1),
                     "status", ucb_db_text(s, 2), "role", ucb_db_text(s, 3),
                     "joined_at", (json_int_t) ucb_db_int64(s, 4));
}


int
ucb_store_user_merchants(const char *uid, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_USER_MERCHANTS);
    if (s == NULL) {
        *out = NULL;
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, uid);

    return ucb_st_all(s, my_merchant_row, NULL, out);
}
