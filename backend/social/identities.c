/*
 * uc-backend: what a provider's identity does to accounts.
 *
 *   signing in: the account bound to the identity, or a new one (level 1,
 *     the provider's nickname and avatar); a line with
 *     settings.require_phone gets a verified phone first (the phone step:
 *     a ticket, then POST /uc/v1/login/complete);
 *   linking: only behind the session of the account, after the same
 *     provider flow (proof of control); an identity that is another
 *     account's is 409 identity_taken, never a merge;
 *   GET /uc/v1/me/identities, DELETE /uc/v1/me/identities/{provider}
 *     (never the last way to sign in).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "social.h"


#define TICKET_TTL  600


static void
ids_of(const ucb_social_identity_t *id, ucb_social_ids_t *in)
{
    in->provider = id->provider;
    in->appid = id->appid;
    in->openid = id->openid;
    in->union_id = id->union_id;
    in->nickname = id->nickname;
    in->avatar = id->avatar;
}


static void
ticket_key(char *dst, size_t size, const char *ticket)
{
    snprintf(dst, size, "%s{ot:%s}", ucb_conf.prefix, ticket);
}


/* 1 when the line (req->line) wants a verified phone the account lacks,
   -1 when that cannot be told */
static int
phone_required(ucb_req_t *req, const char *uid)
{
    int      want, rc;
    size_t   i;
    json_t  *line, *ids, *row;

    if (req->line[0] == '\0') {
        return 0;
    }

    /* a line that cannot be read is no line that wants nothing */
    rc = ucb_store_line_get(req->line, &line);

    if (rc != UCB_OK) {
        return rc == UCB_NOT_FOUND ? 0 : -1;
    }

    want = json_is_true(json_object_get(json_object_get(line, "settings"),
                                        "require_phone"));
    json_decref(line);

    if (!want) {
        return 0;
    }

    if (ucb_store_identities(uid, &ids) != UCB_OK) {
        return -1;
    }

    json_array_foreach(ids, i, row) {
        if (strcmp(json_string_value(json_object_get(row, "kind")), "phone")
            == 0)
        {
            want = 0;
        }
    }

    json_decref(ids);

    return want;
}


/*
 * The phone step: a ticket for this user, line and return URL (and
 * whether the account is new, and how it came, for the session's answer).
 * A browser's binding cookie is renewed with it: the ticket must not
 * outlive the cookie it is bound to.
 */
static void
phone_step(ucb_req_t *req, const char *uid, int created,
    const char *provider, const char *redirect, const char *browser)
{
    int          n;
    char         ticket[UCB_NONCE_LEN + 1], key[UC_KEY_MAX + 64], *text;
    char         url[UCB_RETURN_URL_MAX + 128];
    json_t      *record;
    redisReply  *r;
    const char  *cookie;

    if (ucb_social_nonce(ticket) != 0) {
        ucb_error(req, 500, "internal_error", "no randomness");
        return;
    }

    record = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "u", uid,
                       "l", req->line, "r", redirect != NULL ? redirect : "",
                       "b", browser != NULL ? browser : "", "c", created,
                       "p", provider);
    text = record != NULL ? json_dumps(record, JSON_COMPACT) : NULL;
    json_decref(record);

    if (text == NULL) {
        ucb_error(req, 500, "internal_error", "out of memory");
        return;
    }

    ticket_key(key, sizeof(key), ticket);
    r = ucb_redis_command("SET %s %s EX %d", key, text, TICKET_TTL);
    free(text);

    if (r == NULL || r->type != REDIS_REPLY_STATUS) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    freeReplyObject(r);

    cookie = ucb_cookie(req, ucb_social_cookie_name());

    if (browser != NULL && browser[0] != '\0'
        && ucb_social_nonce_valid(cookie)
        && ucb_social_binding_cookie(&req->set_cookie2, cookie) != 0)
    {
        ucb_error(req, 500, "internal_error", "out of memory");
        return;
    }

    /* return URLs have no query (lines.c), but a query is kept whole */
    if (redirect != NULL) {
        n = snprintf(url, sizeof(url), "%s%cuc_step=phone_required"
                     "&uc_ticket=%s", redirect,
                     strchr(redirect, '?') != NULL ? '&' : '?', ticket);
        if (n > 0 && (size_t) n < sizeof(url)
            && strchr(redirect, '#') == NULL)
        {
            (void) ucb_redirect(req, url);
            return;
        }
    }

    ucb_reply(req, 200, json_pack("{s:s, s:s, s:i}",
                                  "step", "phone_required",
                                  "ticket", ticket,
                                  "expires_in", TICKET_TTL));
}


void
ucb_social_sign_in(ucb_req_t *req, const ucb_social_identity_t *id,
    const char *redirect, const char *browser)
{
    int               rc, created, tries, step;
    uint64_t          new_id;
    ucb_user_t        u;
    ucb_social_ids_t  in;

    ids_of(id, &in);

    /* a first sign-in that raced another of the same person: again */
    for (tries = 0; tries < 2; tries++) {
        if (ucb_id_next(&new_id) != 0) {
            req->retry_after = 1;
            ucb_error(req, 503, "unavailable", "try again shortly");
            return;
        }

        rc = ucb_store_social_sign_in(new_id, &in, req->ip, &u, &created);

        if (rc != UCB_CONFLICT) {
            break;
        }
    }

    if (rc == UCB_TAKEN) {
        ucb_error(req, 409, "identity_conflict", "this identity's ids are "
                  "bound to two accounts; contact support");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    if (u.status == UCB_USER_FROZEN) {
        ucb_error(req, 403, "account_frozen", "this account is frozen");
        return;
    }

    if (u.status == UCB_USER_DEACTIVATED) {
        ucb_error(req, 403, "account_deactivated",
                  "this account was deactivated");
        return;
    }

    step = phone_required(req, u.id);

    if (step < 0) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    if (step) {
        phone_step(req, u.id, created, id->provider, redirect, browser);
        return;
    }

    ucb_answer_session(req, created ? 201 : 200, &u, created, 0,
                       id->provider);

    if (redirect != NULL && (req->status == 200 || req->status == 201)) {
        (void) ucb_redirect(req, redirect);
    }
}


int
ucb_social_link(ucb_req_t *req, const ucb_social_identity_t *id)
{
    int               rc, linked;
    ucb_social_ids_t  in;

    ids_of(id, &in);
    rc = ucb_store_social_link(req->uid, &in, &linked);

    switch (rc) {

    case UCB_OK:
        ucb_reply(req, 200, json_pack("{s:s, s:b}", "provider", id->provider,
                                      "linked", linked));
        return 0;

    case UCB_TAKEN:
        ucb_error(req, 409, "identity_taken", "this identity belongs to "
                  "another account");
        return -1;

    case UCB_CONFLICT:
        ucb_error(req, 409, "provider_already_linked", "this account has "
                  "another identity of this provider; unlink it first");
        return -1;

    case UCB_NOT_FOUND:
        ucb_error(req, 401, "login_required", "please log in");
        return -1;

    default:
        ucb_error(req, 500, "internal_error", "try again shortly");
        return -1;
    }
}


/* POST /uc/v1/login/complete {"ticket", "phone", "code"} */
void
ucb_h_login_complete(ucb_req_t *req)
{
    int          rc, added, created;
    char         key[UC_KEY_MAX + 64], phone[64];
    json_t      *t;
    redisReply  *r;
    ucb_user_t   u;
    const char  *ticket, *given, *code, *kind, *browser, *provider;

    if (ucb_body_string(req, "ticket", 64, 1, &ticket) != 0
        || ucb_body_string(req, "phone", 64, 1, &given) != 0
        || ucb_body_string(req, "code", 16, 1, &code) != 0)
    {
        return;
    }

    kind = ucb_login_kind(given, phone, sizeof(phone));

    if (kind == NULL || strcmp(kind, "phone") != 0) {
        ucb_error(req, 400, "validation_failed", "\"phone\" must be a mobile "
                  "number (+861...)");
        return;
    }

    if (!ucb_social_nonce_valid(ticket)) {
        ucb_error(req, 400, "ticket_invalid", "this sign-in expired or was "
                  "finished already; start again");
        return;
    }

    ticket_key(key, sizeof(key), ticket);
    r = ucb_redis_command("GET %s", key);

    if (r == NULL || (r->type != REDIS_REPLY_STRING
                      && r->type != REDIS_REPLY_NIL))
    {
        if (r != NULL) {
            freeReplyObject(r);
        }
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    t = r->type == REDIS_REPLY_STRING ? json_loadb(r->str, r->len, 0, NULL)
                                      : NULL;
    freeReplyObject(r);

    if (t == NULL || !json_is_object(t)) {
        json_decref(t);
        ucb_error(req, 400, "ticket_invalid", "this sign-in expired or was "
                  "finished already; start again");
        return;
    }

    browser = json_string_value(json_object_get(t, "b"));

    if (browser != NULL && browser[0] != '\0'
        && !ucb_social_same_browser(req, browser))
    {
        ucb_error(req, 400, "state_mismatch", "this sign-in was started in "
                  "another browser; start again here");
        goto done;
    }

    rc = ucb_code_check(phone, "login", code);

    if (rc <= 0) {
        if (rc < 0) {
            req->retry_after = 1;
        }
        ucb_error(req, rc < 0 ? 503 : 400,
                  rc < 0 ? "unavailable" : "invalid_code",
                  rc < 0 ? "try again shortly"
                         : "the code is wrong, used or expired");
        goto done;
    }

    /*
     * The ticket is used once: whoever deletes it goes on, before anything
     * is written, so two completions at once never bind two phones.
     */
    r = ucb_redis_command("DEL %s", key);
    rc = r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r != NULL) {
        freeReplyObject(r);
    }

    if (!rc) {
        ucb_error(req, 400, "ticket_invalid", "this sign-in was finished "
                  "already");
        goto done;
    }

    snprintf(u.id, sizeof(u.id), "%s",
             json_string_value(json_object_get(t, "u")));

    rc = ucb_store_phone_add(u.id, phone, &added);

    if (rc == UCB_TAKEN) {
        ucb_error(req, 409, "phone_taken", "this phone belongs to another "
                  "account: sign in with it, then link this provider");
        goto done;
    }

    if (rc == UCB_CONFLICT) {
        ucb_error(req, 409, "phone_already_set", "this account has another "
                  "phone already");
        goto done;
    }

    if (rc != UCB_OK) {
        ucb_error(req, rc == UCB_NOT_FOUND ? 400 : 500,
                  rc == UCB_NOT_FOUND ? "ticket_invalid" : "internal_error",
                  rc == UCB_NOT_FOUND ? "the account is gone"
                                      : "try again shortly");
        goto done;
    }

    if (ucb_store_get_user(u.id, &u) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        goto done;
    }

    if (u.status != UCB_USER_ACTIVE) {
        ucb_error(req, 403,
                  u.status == UCB_USER_FROZEN ? "account_frozen"
                                              : "account_deactivated",
                  "this account cannot sign in");
        goto done;
    }

    snprintf(req->line, sizeof(req->line), "%s",
             json_string_value(json_object_get(t, "l")));
    created = json_is_true(json_object_get(t, "c"));
    provider = json_string_value(json_object_get(t, "p"));
    ucb_answer_session(req, created ? 201 : 200, &u, created, 0,
                       provider != NULL ? provider : "phone_step");

done:

    json_decref(t);
}


/* first four and last four characters, the rest starred */
static void
mask_id(char *dst, size_t size, const char *v)
{
    size_t  n;

    n = strlen(v);

    if (n <= 8) {
        snprintf(dst, size, "****");
        return;
    }

    snprintf(dst, size, "%.4s****%s", v, v + n - 4);
}


/* GET /uc/v1/me/identities */
void
ucb_h_me_identities(ucb_req_t *req)
{
    size_t       i;
    char         shown[300];
    json_t      *rows, *row, *list, *by, *entry;
    const char  *kind, *value, *colon;

    if (ucb_store_identities(req->uid, &rows) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    list = json_array();
    by = json_object();

    json_array_foreach(rows, i, row) {
        kind = json_string_value(json_object_get(row, "kind"));
        value = json_string_value(json_object_get(row, "value"));

        if (strcmp(kind, "phone") == 0 || strcmp(kind, "email") == 0) {
            if (kind[0] == 'p') {
                ucb_mask_phone(shown, sizeof(shown), value);
            } else {
                ucb_mask_email(shown, sizeof(shown), value);
            }

            json_array_append_new(list, json_pack("{s:s, s:s, s:O}",
                "provider", kind, "display", shown,
                "linked_at", json_object_get(row, "created_at")));
            continue;
        }

        /* wechat + wechat_app rows: one entry, its apps listed */
        {
            char  provider[16];

            snprintf(provider, sizeof(provider), "%.*s",
                     (int) strcspn(kind, "_"), kind);
            entry = json_object_get(by, provider);

            if (entry == NULL) {
                entry = json_pack("{s:s, s:n, s:[], s:O}",
                                  "provider", provider, "display",
                                  "apps", "linked_at",
                                  json_object_get(row, "created_at"));
                json_object_set_new(by, provider, entry);
                json_array_append(list, entry);
            }

            if (strchr(kind, '_') != NULL) {
                colon = strchr(value, ':');
                json_array_append_new(json_object_get(entry, "apps"),
                    json_stringn(value, colon != NULL
                                        ? (size_t) (colon - value)
                                        : strlen(value)));

                if (json_is_null(json_object_get(entry, "display"))
                    && colon != NULL)
                {
                    mask_id(shown, sizeof(shown), colon + 1);
                    json_object_set_new(entry, "display",
                                        json_string(shown));
                }

            } else {
                mask_id(shown, sizeof(shown), value);
                json_object_set_new(entry, "display", json_string(shown));
            }
        }
    }

    json_decref(rows);
    json_decref(by);

    ucb_reply(req, 200, json_pack("{s:o}", "identities", list));
}


/* DELETE /uc/v1/me/identities/{provider} */
void
ucb_h_me_identity_delete(ucb_req_t *req)
{
    const char  *provider;

    provider = req->params[0];

    if (strcmp(provider, "wechat") != 0 && strcmp(provider, "alipay") != 0) {
        ucb_error(req, 400, "unsupported_provider", "only wechat and alipay "
                  "are unlinked here");
        return;
    }

    switch (ucb_store_social_unlink(req->uid, provider)) {

    case UCB_OK:
        req->status = 204;
        return;

    case UCB_NOT_FOUND:
        ucb_error(req, 404, "identity_not_found", "no such identity is "
                  "linked");
        return;

    case UCB_LAST_OWNER:
        ucb_error(req, 409, "last_login_method", "this is the account's "
                  "last way to sign in; add a phone or link another first");
        return;

    default:
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }
}
