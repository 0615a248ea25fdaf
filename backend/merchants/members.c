/*
 * uc-backend: merchants' members, invitations, and acting for a merchant.
 *
 *   GET    /uc/v1/merchants/{id}/members               any member
 *   PUT    /uc/v1/merchants/{id}/members/{uid}  {"role"}   an owner
 *   DELETE /uc/v1/merchants/{id}/members/{uid}   owners; admins staff;
 *                                                anyone themselves
 *   POST   /uc/v1/merchants/{id}/invitations  {"to", "role"}   an owner
 *   GET    /uc/v1/merchants/{id}/invitations    owners and admins
 *   DELETE /uc/v1/merchants/{id}/invitations/{inv}   an owner
 *   GET    /uc/v1/me/invitations            sent to the caller's verified
 *                                           phone or e-mail
 *   POST   /uc/v1/invitations/{inv}/accept
 *   GET    /uc/v1/admin/invitations/{inv}   with the recipient unmasked,
 *                                           for the sender of SMS or mail
 *   POST   /uc/v1/session/merchant  {"merchant_id": ID | null}
 *
 * An invitation's id is 128 random bits, but knowing it is not enough:
 * only the user with the invited phone or e-mail, verified, accepts it.
 * Delivering it (SMS, mail) is a consumer's job: merchant.member_invited
 * is on the event stream with the invitation's id (the recipient masked);
 * the sender reads the recipient through the admin API.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include "ucb.h"


#define INVITATION_TTL  (7 * 86400)


static int
role_valid(const char *role, int owner_too)
{
    return strcmp(role, "admin") == 0 || strcmp(role, "staff") == 0
           || (owner_too && strcmp(role, "owner") == 0);
}


static int
invitation_param_valid(ucb_req_t *req, int i)
{
    const char  *p;

    p = req->params[i];

    if (strlen(p) != 32 || strspn(p, "0123456789abcdef") != 32) {
        ucb_error(req, 404, "not_found", "no such invitation");
        return 0;
    }

    return 1;
}


void
ucb_h_merchant_members(ucb_req_t *req)
{
    char     role[16];
    json_t  *members;

    if (!ucb_merchant_param_valid(req, 0)
        || ucb_merchant_role_of(req, req->params[0], role, sizeof(role)) != 0)
    {
        return;
    }

    if (ucb_store_members(req->params[0], 0, &members) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:s, s:o}", "merchant_id",
                                  req->params[0], "members", members));
}


/* after the commit: the member's copy, then the merchant's version */
static int
member_published(const char *mid, json_t *member)
{
    return ucb_merchant_member_publish(mid, member) == 0
           && ucb_merchant_publish(mid) == 0;
}


static void
member_set(ucb_req_t *req, const char *role)
{
    int      rc;
    json_t  *member;

    if (!ucb_merchant_param_valid(req, 0)
        || !ucb_merchant_param_valid(req, 1))
    {
        return;
    }

    rc = ucb_store_member_set(req->params[0], req->params[1], role,
                              req->uid, &member);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such member");
        return;
    }

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    json_object_set_new(member, "published",
                        json_boolean(member_published(req->params[0],
                                                      member)));
    ucb_reply(req, 200, member);
}


void
ucb_h_merchant_member_put(ucb_req_t *req)
{
    const char  *role;

    if (req->body == NULL
        || ucb_body_string(req, "role", 16, 1, &role) != 0)
    {
        if (req->status == 0) {
            ucb_error(req, 400, "validation_failed",
                      "send {\"role\": \"owner\"|\"admin\"|\"staff\"}");
        }
        return;
    }

    if (!role_valid(role, 1)) {
        ucb_error(req, 400, "validation_failed",
                  "\"role\" is owner, admin or staff");
        return;
    }

    member_set(req, role);
}


void
ucb_h_merchant_member_delete(ucb_req_t *req)
{
    member_set(req, "");
}


void
ucb_h_merchant_invite(ucb_req_t *req)
{
    int             rc;
    char            id[33], norm[320];
    json_t         *inv;
    const char     *to, *role, *kind;
    unsigned char   raw[16];

    if (!ucb_merchant_param_valid(req, 0)) {
        return;
    }

    if (req->body == NULL
        || ucb_body_string(req, "to", 254, 1, &to) != 0
        || ucb_body_string(req, "role", 16, 0, &role) != 0)
    {
        if (req->status == 0) {
            ucb_error(req, 400, "validation_failed",
                      "send {\"to\": phone or e-mail, \"role\": ...}");
        }
        return;
    }

    if (role == NULL) {
        role = "staff";
    }

    if (!role_valid(role, 0)) {
        ucb_error(req, 400, "validation_failed",
                  "\"role\" is admin or staff (an owner is made by a role "
                  "change)");
        return;
    }

    kind = ucb_login_kind(to, norm, sizeof(norm));

    if (kind == NULL) {
        ucb_error(req, 400, "validation_failed",
                  "\"to\" is a phone number (+<country><number>) or an "
                  "e-mail address");
        return;
    }

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        ucb_error(req, 500, "internal_error", "no randomness");
        return;
    }

    for (rc = 0; rc < 16; rc++) {
        snprintf(id + 2 * rc, 3, "%02x", raw[rc]);
    }

    rc = ucb_store_invite(req->params[0], id, kind, norm, role,
                          (int64_t) time(NULL) + INVITATION_TTL, req->uid,
                          &inv);

    if (rc == UCB_FORBIDDEN) {
        /* a non-member is not told the merchant exists */
        char  r[16];

        if (ucb_merchant_role_of(req, req->params[0], r, sizeof(r)) != 0) {
            return;
        }
    }

    if (rc == UCB_LIMIT) {
        ucb_error(req, 409, "limit_reached",
                  "a merchant has 100 pending invitations at most");
        return;
    }

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    ucb_reply(req, 201, inv);
}


void
ucb_h_merchant_invitations(ucb_req_t *req)
{
    char     role[16];
    json_t  *list;

    if (!ucb_merchant_param_valid(req, 0)
        || ucb_merchant_role_of(req, req->params[0], role, sizeof(role)) != 0)
    {
        return;
    }

    if (strcmp(role, "staff") == 0) {
        ucb_merchant_store_error(req, UCB_FORBIDDEN);
        return;
    }

    if (ucb_store_invitations(req->params[0], &list) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o}", "invitations", list));
}


void
ucb_h_merchant_invitation_cancel(ucb_req_t *req)
{
    int   rc;
    char  role[16];

    if (!ucb_merchant_param_valid(req, 0) || !invitation_param_valid(req, 1)
        || ucb_merchant_role_of(req, req->params[0], role, sizeof(role)) != 0)
    {
        return;
    }

    rc = ucb_store_invitation_cancel(req->params[0], req->params[1],
                                     req->uid);

    if (rc == UCB_NOT_FOUND || rc == UCB_GONE) {
        ucb_error(req, 404, "not_found", "no such pending invitation");
        return;
    }

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    ucb_reply(req, 200, json_pack("{s:s, s:s}", "id", req->params[1],
                                  "status", "cancelled"));
}


void
ucb_h_me_invitations(ucb_req_t *req)
{
    json_t  *list;

    if (ucb_store_user_invitations(req->uid, &list) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o}", "invitations", list));
}


void
ucb_h_invitation_accept(ucb_req_t *req)
{
    int          rc;
    json_t      *member;
    const char  *mid;

    if (!invitation_param_valid(req, 0)) {
        return;
    }

    rc = ucb_store_invitation_accept(req->params[0], req->uid, &member);

    /* another user's invitation is not told apart from none */
    if (rc == UCB_NOT_FOUND || rc == UCB_FORBIDDEN) {
        ucb_error(req, 404, "not_found", "no such invitation for you");
        return;
    }

    if (rc == UCB_GONE) {
        ucb_error(req, 410, "invitation_unavailable",
                  "the invitation was used, cancelled or has expired");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "nothing was changed");
        return;
    }

    mid = json_string_value(json_object_get(member, "merchant_id"));

    if (mid != NULL) {
        json_object_set_new(member, "published",
                            json_boolean(member_published(mid, member)));
    }

    ucb_reply(req, 200, member);
}


void
ucb_h_admin_invitation(ucb_req_t *req)
{
    int      rc;
    json_t  *inv;

    if (!invitation_param_valid(req, 0)) {
        return;
    }

    rc = ucb_store_invitation_read(req->params[0], &inv);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such invitation");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, inv);
}


/* KEYS[1] the session, ARGV[1] the field, ARGV[2] the merchant: only
   while the session exists, so a revoked one is never brought back */
static const char  set_merchant_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1";


/* Why the merchant may not be acted for here, or NULL. */
static const char *
refusal(json_t *merchant, const char *line)
{
    size_t       i;
    json_t      *l;
    const char  *status;

    status = json_string_value(json_object_get(merchant, "status"));

    if (strcmp(status, "active") != 0) {
        return strcmp(status, "frozen") == 0 ? "the merchant is frozen"
               : strcmp(status, "closed") == 0 ? "the merchant is closed"
               : "the merchant is not approved yet";
    }

    if (line[0] == '\0') {
        return NULL;
    }

    json_array_foreach(json_object_get(merchant, "lines"), i, l) {
        if (strcmp(json_string_value(json_object_get(l, "line")), line)
            == 0)
        {
            return strcmp(json_string_value(json_object_get(l, "status")),
                          "active") == 0
                   ? NULL : "the merchant is suspended on this business line";
        }
    }

    return "the merchant is not enabled on this business line";
}


void
ucb_h_session_merchant(ucb_req_t *req)
{
    int          rc;
    char         key[UC_KEY_MAX], role[16];
    json_t      *v, *merchant;
    const char  *mid, *why;
    redisReply  *r;

    v = req->body != NULL ? json_object_get(req->body, "merchant_id") : NULL;

    if (req->body == NULL || (v != NULL && !json_is_null(v)
                              && !json_is_string(v)))
    {
        ucb_error(req, 400, "validation_failed",
                  "send {\"merchant_id\": ID} to act for a merchant, "
                  "{\"merchant_id\": null} to stop");
        return;
    }

    mid = v != NULL && json_is_string(v) ? json_string_value(v) : "";
    role[0] = '\0';

    if (mid[0] != '\0') {
        if (!ucb_id_canonical(mid)) {
            ucb_error(req, 400, "validation_failed",
                      "a merchant's id is a positive 64-bit number, no "
                      "leading 0");
            return;
        }

        rc = ucb_store_member_role(mid, req->uid, role, sizeof(role));

        if (rc == UCB_NOT_FOUND) {
            ucb_error(req, 403, "merchant_forbidden",
                      "you are not a member of this merchant");
            return;
        }

        if (rc != UCB_OK || ucb_store_merchant_get(mid, &merchant)
                            != UCB_OK)
        {
            ucb_error(req, 500, "internal_error", "try again shortly");
            return;
        }

        why = refusal(merchant, req->line);
        json_decref(merchant);

        if (why != NULL) {
            ucb_error(req, 403, "merchant_forbidden", why);
            return;
        }
    }

    uc_key_session(key, ucb_conf.prefix, strlen(ucb_conf.prefix), req->sid,
                   strlen(req->sid));

    r = ucb_redis_command("EVAL %s 1 %s %s %s", set_merchant_script, key,
                          uc_session_fields[UC_SF_MERCHANT], mid);

    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    rc = (int) r->integer;
    freeReplyObject(r);

    if (rc == 0) {
        ucb_error(req, 401, "invalid_session",
                  "the session is invalid or has been revoked");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o, s:o}", "merchant_id",
                                  mid[0] != '\0' ? json_string(mid)
                                                 : json_null(),
                                  "role", role[0] != '\0' ? json_string(role)
                                                          : json_null()));
}
