/*
 * uc-backend: accounts. Codes, registration, login by password or by SMS
 * code (login-or-register), passwords and deactivation (the devices list
 * and logouts are devices.c).
 *
 * Enumeration: sending a code always answers the same; a wrong login and a
 * wrong password answer the same, after the same argon2id work; whether an
 * account exists is told only to whoever proved they own the address.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <microhttpd.h>

#include "ucb.h"
#include "uc_ident.h"


static char  dummy_hash[192];


/*
 * Reads the endpoint's identifier field (phone or e-mail: uc_ident.h names
 * it, for the guard and for us); answers 400 and returns NULL.
 */
static const char *
body_login(ucb_req_t *req, char *norm, size_t size)
{
    char         msg[128];
    const char  *value, *kind, *field;

    field = req->ident_field;

    if (ucb_body_string(req, field, UC_IDENT_MAX, 1, &value) != 0) {
        return NULL;
    }

    kind = ucb_login_kind(value, norm, size);

    if (kind == NULL) {
        snprintf(msg, sizeof(msg), "\"%s\" must be a mobile number "
                 "(+861...) or an e-mail address", field);
        ucb_error(req, 400, "validation_failed", msg);
    }

    return kind;
}


/* Answers 422 for a password too weak to set; 0 when it is fine. */
static int
weak_password(ucb_req_t *req, const char *password)
{
    if (ucb_valid_password(password)) {
        return 0;
    }

    ucb_error(req, 422, "weak_password",
              "passwords need 8 to 128 characters with a letter and a digit");

    return -1;
}


/* The busy answer of a password check or hash (no slot in time). */
static void
busy(ucb_req_t *req)
{
    req->retry_after = 1;
    ucb_error(req, 503, "busy", "too many sign-ins at once; try again in a "
              "moment");
}


/*
 * A session for u, whose state this request read before its slow work.
 * A password change, reset, freeze or deactivation that committed
 * meanwhile ended every session of the account, but not this one, made
 * after: so the account is read again, and if it changed the session is
 * ended and its token never leaves. (same_password: a password login,
 * which the new password must not let through; channel: how the user
 * came, for the line the request came through.)
 */
void
ucb_answer_session(ucb_req_t *req, int status, const ucb_user_t *u, int created,
    int same_password, const char *channel)
{
    int                    joined;
    long                   expires;
    char                   token[UC_TOKEN_MAX + 1], sid[UC_SID_LEN + 1];
    ucb_user_t             now;
    ucb_session_policy_t   policy;

    ucb_session_policy(req, &policy);

    if (ucb_session_create(u->id, u->level, req->ip, req->user_agent,
                           &policy, token, sid, &expires)
        != 0)
    {
        ucb_error(req, 503, "unavailable", "sessions cannot be created now");
        return;
    }

    if (ucb_store_get_user(u->id, &now) != UCB_OK
        || now.status != UCB_USER_ACTIVE
        || (same_password && strcmp(now.password, u->password) != 0))
    {
        (void) ucb_session_revoke(u->id, sid);
        ucb_error(req, 409, "account_changed",
                  "the account changed during the sign-in; sign in again");
        return;
    }

    ucb_set_session_cookie(req, token, &policy);
    ucb_reply(req, status, json_pack("{s:s, s:s, s:I, s:i, s:b}",
                                     "user_id", u->id, "token", token,
                                     "expires_at", (json_int_t) expires,
                                     "auth_level", u->level,
                                     "new_user", created));

    ucb_store_event("user.login", u->id,
                    json_pack("{s:s}", "ip", req->ip));

    /*
     * A session made through a business line's location (the gateway names
     * it) makes the user its member, the first time: the user signed in to
     * that line's app. Not fatal: the session stands, the next sign-in
     * joins.
     */
    if (req->line[0] != '\0'
        && ucb_store_line_join(u->id, req->line, channel, &joined) != UCB_OK)
    {
        ucb_log(UCB_LOG_WARN, "line join not recorded",
                "\"user\":\"%s\",\"line\":\"%s\"", u->id, req->line);
    }
}


static int
new_password_hash(ucb_req_t *req, const char *password, char *hash,
    size_t size)
{
    if (weak_password(req, password) != 0) {
        return -1;
    }

    switch (ucb_password_hash(password, hash, size)) {

    case 0:
        return 0;

    case UCB_BUSY:
        busy(req);
        return -1;

    default:
        ucb_error(req, 500, "internal_error", "cannot hash the password");
        return -1;
    }
}


/*
 * A password check of subject (a login, or "#<uid>" behind a session)
 * behind the back-off (guard.c): 1 right, 0 wrong (the caller answers),
 * -1 answered (429, or 503 when the back-off or a hashing slot cannot be
 * had: the same answer whether the password was right or not). encoded ""
 * (no such account, or no password) costs the same work and is wrong.
 */
static int
password_attempt(ucb_req_t *req, const char *subject, const char *encoded,
    const char *password)
{
    int   rc;
    long  wait;

    wait = ucb_attempt_begin(subject, req->ip);

    if (wait < 0) {
        req->retry_after = 1;
        ucb_error(req, 503, "unavailable",
                  "passwords cannot be checked right now; try again shortly");
        return -1;
    }

    if (wait > 0) {
        req->retry_after = wait;
        ucb_error(req, 429, "too_many_attempts",
                  "too many wrong passwords; try again later");
        return -1;
    }

    rc = ucb_password_verify(encoded[0] != '\0' ? encoded : dummy_hash,
                             password);

    if (rc == UCB_BUSY) {
        /* not checked: not an attempt (a flood must not lock users out) */
        ucb_attempt_refund(subject, req->ip);
        busy(req);
        return -1;
    }

    if (rc != 1 || encoded[0] == '\0') {
        ucb_attempt_failed(subject, req->ip);
        return 0;
    }

    ucb_attempt_succeeded(subject, req->ip);

    return 1;
}


/* The back-off's subject for a check behind a session. */
static void
session_subject(char *dst, size_t size, const char *uid)
{
    snprintf(dst, size, "#%s", uid);
}


/* POST /uc/v1/codes {"to": phone or e-mail, "purpose": ...} */
void
ucb_h_codes(ucb_req_t *req)
{
    char         norm[256];
    const char  *purpose, *kind;

    kind = body_login(req, norm, sizeof(norm));

    if (kind == NULL
        || ucb_body_string(req, "purpose", 16, 1, &purpose) != 0)
    {
        return;
    }

    if (strcmp(purpose, "register") != 0 && strcmp(purpose, "login") != 0
        && strcmp(purpose, "reset") != 0)
    {
        ucb_error(req, 400, "validation_failed",
                  "\"purpose\" is one of register, login, reset");
        return;
    }

    if (strcmp(purpose, "login") == 0 && strcmp(kind, "phone") != 0) {
        ucb_error(req, 400, "validation_failed",
                  "login codes go to mobile numbers");
        return;
    }

    if (ucb_code_send(req, strcmp(kind, "phone") == 0 ? "sms" : "email",
                      norm, purpose)
        != 0)
    {
        return;
    }

    ucb_reply(req, 202, json_pack("{s:b, s:i}", "sent", 1, "resend_after",
                                  ucb_conf.code_cooldown));
}


static int
checked_code(ucb_req_t *req, const char *to, const char *purpose,
    const char *code)
{
    int  rc;

    rc = ucb_code_check(to, purpose, code);

    if (rc < 0) {
        ucb_error(req, 503, "unavailable", "try again shortly");
        return -1;
    }

    if (rc == 0) {
        ucb_error(req, 400, "invalid_code",
                  "the code is wrong, used or expired");
        return -1;
    }

    return 0;
}


/* POST /uc/v1/register {"login", "password", "code"} */
void
ucb_h_register(ucb_req_t *req)
{
    int          rc;
    char         norm[256], hash[192];
    uint64_t     id;
    ucb_user_t   u;
    const char  *password, *code, *kind;

    kind = body_login(req, norm, sizeof(norm));

    if (kind == NULL
        || ucb_body_string(req, "password", 128, 1, &password) != 0
        || ucb_body_string(req, "code", 6, 1, &code) != 0)
    {
        return;
    }

    /* a weak password must not use up the code */
    if (weak_password(req, password) != 0) {
        return;
    }

    /* hashed first: no hashing slot in time (503) must not use it up either */
    if (new_password_hash(req, password, hash, sizeof(hash)) != 0
        || checked_code(req, norm, "register", code) != 0)
    {
        return;
    }

    if (ucb_id_next(&id) != 0) {
        ucb_error(req, 503, "unavailable", "ids cannot be issued now");
        return;
    }

    /* a verified address: level 2 */
    rc = ucb_store_register(id, kind, norm, hash, 2, req->ip, &u);

    if (rc == UCB_CONFLICT) {
        ucb_error(req, 409, "account_exists",
                  "an account with this address exists; log in instead");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "the account was not created");
        return;
    }

    ucb_answer_session(req, 201, &u, 1, 0, "register");
}


/* POST /uc/v1/login {"login", "password"} */
void
ucb_h_login(ucb_req_t *req)
{
    int          rc;
    char         norm[256], hash[192];
    ucb_user_t   u;
    const char  *password, *kind;

    kind = body_login(req, norm, sizeof(norm));

    if (kind == NULL
        || ucb_body_string(req, "password", 128, 1, &password) != 0)
    {
        return;
    }

    rc = ucb_store_find_login(kind, norm, &u);

    if (rc == UCB_ERROR) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    if (rc == UCB_NOT_FOUND || u.status == UCB_USER_DEACTIVATED) {
        u.password[0] = '\0';
    }

    rc = password_attempt(req, norm, u.password, password);

    if (rc < 0) {
        return;
    }

    if (rc == 0) {
        ucb_error(req, 401, "invalid_credentials",
                  "the login or the password is wrong");
        return;
    }

    if (u.status == UCB_USER_FROZEN) {
        ucb_error(req, 403, "account_frozen", "this account is frozen");
        return;
    }

    /* the new cost, only over the hash just verified */
    if (ucb_password_needs_rehash(u.password)
        && ucb_password_hash(password, hash, sizeof(hash)) == 0
        && ucb_store_rehash_password(u.id, u.password, hash) == UCB_OK)
    {
        strcpy(u.password, hash);
    }

    ucb_answer_session(req, 200, &u, 0, 1, "password");
}


/* POST /uc/v1/login/code {"phone", "code"}: log in, or register */
void
ucb_h_login_code(ucb_req_t *req)
{
    int          rc, created;
    uint64_t     id;
    ucb_user_t   u;
    const char  *phone, *code;

    if (ucb_body_string(req, req->ident_field, UC_PHONE_MAX, 1, &phone) != 0
        || ucb_body_string(req, "code", 6, 1, &code) != 0)
    {
        return;
    }

    if (!ucb_valid_phone(phone)) {
        ucb_error(req, 400, "validation_failed",
                  "\"phone\" must be a mobile number (+861...)");
        return;
    }

    if (checked_code(req, phone, "login", code) != 0) {
        return;
    }

    created = 0;
    rc = ucb_store_find_login("phone", phone, &u);

    if (rc == UCB_NOT_FOUND) {
        if (ucb_id_next(&id) != 0) {
            ucb_error(req, 503, "unavailable", "ids cannot be issued now");
            return;
        }

        rc = ucb_store_register(id, "phone", phone, NULL, 2, req->ip, &u);
        created = 1;

        if (rc == UCB_CONFLICT) {        /* registered meanwhile */
            rc = ucb_store_find_login("phone", phone, &u);
            created = 0;
        }
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

    ucb_answer_session(req, created ? 201 : 200, &u, created, 0,
                   created ? "sms_register" : "sms");
}


/* POST /uc/v1/password {"old_password", "new_password"} */
void
ucb_h_password_change(ucb_req_t *req)
{
    int          rc;
    char         hash[192], subject[UCB_ID_LEN + 2];
    ucb_user_t   u;
    const char  *old, *new;

    if (ucb_body_string(req, "old_password", 128, 1, &old) != 0
        || ucb_body_string(req, "new_password", 128, 1, &new) != 0)
    {
        return;
    }

    if (ucb_store_get_user(req->uid, &u) != UCB_OK) {
        ucb_error(req, 401, "login_required", "please log in");
        return;
    }

    session_subject(subject, sizeof(subject), u.id);
    rc = password_attempt(req, subject, u.password, old);

    if (rc < 0) {
        return;
    }

    if (rc == 0) {
        ucb_error(req, 403, "wrong_password", "the current password is wrong");
        return;
    }

    if (new_password_hash(req, new, hash, sizeof(hash)) != 0) {
        return;
    }

    /* only over the hash just verified: a reset meanwhile wins */
    rc = ucb_store_set_password(u.id, hash, "password.changed", req->sid,
                                u.password);

    if (rc == UCB_CONFLICT) {
        ucb_error(req, 409, "account_changed",
                  "the password was changed meanwhile; sign in again");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "the password was not changed");
        return;
    }

    /* every other device must log in again (the relay makes sure) */
    (void) ucb_session_revoke_before(u.id, (long) time(NULL), req->sid);

    ucb_reply(req, 204, NULL);
}


/* POST /uc/v1/password/reset {"login", "code", "new_password"} */
void
ucb_h_password_reset(ucb_req_t *req)
{
    char         norm[256], hash[192];
    ucb_user_t   u;
    const char  *code, *new, *kind;

    kind = body_login(req, norm, sizeof(norm));

    if (kind == NULL
        || ucb_body_string(req, "code", 6, 1, &code) != 0
        || ucb_body_string(req, "new_password", 128, 1, &new) != 0
        || weak_password(req, new) != 0)
    {
        return;
    }

    /* hashed first: no hashing slot in time (503) must not use up the code */
    if (new_password_hash(req, new, hash, sizeof(hash)) != 0
        || checked_code(req, norm, "reset", code) != 0)
    {
        return;
    }

    /* the code proved ownership of the address: the answer may tell */
    if (ucb_store_find_login(kind, norm, &u) != UCB_OK
        || u.status == UCB_USER_DEACTIVATED)
    {
        ucb_error(req, 404, "not_found", "no account uses this address");
        return;
    }

    if (ucb_store_set_password(u.id, hash, "password.reset", NULL, NULL)
        != UCB_OK)
    {
        ucb_error(req, 500, "internal_error", "the password was not changed");
        return;
    }

    (void) ucb_session_revoke_before(u.id, (long) time(NULL), NULL);

    ucb_reply(req, 204, NULL);
}


/* DELETE /uc/v1/me {"password"} */
void
ucb_h_deactivate(ucb_req_t *req)
{
    int          rc;
    char         subject[UCB_ID_LEN + 2];
    ucb_user_t   u;
    const char  *password;

    if (ucb_body_string(req, "password", 128, 0, &password) != 0) {
        return;
    }

    if (ucb_store_get_user(req->uid, &u) != UCB_OK) {
        ucb_error(req, 401, "login_required", "please log in");
        return;
    }

    /* an account without a password (code logins) confirms with its session */
    if (u.password[0] != '\0') {
        session_subject(subject, sizeof(subject), u.id);
        rc = password_attempt(req, subject, u.password,
                              password != NULL ? password : "");

        if (rc < 0) {
            return;
        }

        if (rc == 0) {
            ucb_error(req, 403, "wrong_password",
                      "confirm with your password");
            return;
        }
    }

    if (ucb_store_set_status(u.id, UCB_USER_DEACTIVATED, "user.deactivated",
                             "self")
        != UCB_OK)
    {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    (void) ucb_session_revoke_before(u.id, (long) time(NULL), NULL);
    ucb_clear_session_cookie(req);
    ucb_reply(req, 204, NULL);
}


void
ucb_h_health(ucb_req_t *req)
{
    ucb_reply(req, 200, json_pack("{s:s}", "status", "ok"));
}


int
ucb_accounts_init(void)
{
    if (ucb_password_start() != 0) {
        return -1;
    }

    /* unknown logins cost the same argon2id work as known ones */
    return ucb_password_hash("no-such-account-0", dummy_hash,
                             sizeof(dummy_hash));
}
