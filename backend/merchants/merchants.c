/*
 * uc-backend: merchants, the records.
 *
 *   POST  /uc/v1/merchants              a user applies: pending, they the
 *                                       owner
 *   GET   /uc/v1/merchants/{id}         public fields, cache-aside
 *   GET   /uc/v1/me/merchants           the caller's, with their roles
 *   GET   /uc/v1/me/merchants/{id}      the whole record, to its members
 *   PATCH /uc/v1/merchants/{id}         owners and admins
 *   GET   /uc/v1/admin/merchants[?status=S][&cursor=ID][&limit=N]
 *   GET   /uc/v1/admin/merchants/{id}
 *   POST  /uc/v1/admin/merchants/{id}/status   {"status", "reason"}
 *   PUT   /uc/v1/admin/merchants/{id}/lines/{line}   {"status"}
 *   DELETE /uc/v1/admin/merchants/{id}/lines/{line}
 *
 * The credit code is checked by GB 32100 (libuc, the one implementation).
 * A change is committed with its audit row and event, then the gateways'
 * copy is rewritten (merchants_sync.c) and the public entry dropped.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucb.h"
#include "uc_cn.h"


#define NAME_MAX_BYTES     200
#define FIELD_MAX_BYTES    128
#define ADDRESS_MAX_BYTES  400
#define URL_MAX_BYTES      512
#define REASON_MAX_BYTES   400
#define LIST_PAGE          50


static int load_public(const char *id, json_t **out);

static ucb_cache_t  public_cache = { 3600, 60, load_public, 0 };


int
ucb_merchant_param_valid(ucb_req_t *req, int i)
{
    if (!ucb_id_canonical(req->params[i])) {
        ucb_error(req, 400, "validation_failed",
                  i == 0 ? "a merchant's id is a positive 64-bit number, "
                           "no leading 0"
                         : "a user's id is a positive 64-bit number, no "
                           "leading 0");
        return 0;
    }

    return 1;
}


static void
public_key(char *dst, size_t size, const char *id)
{
    snprintf(dst, size, "%s{mp:%s}", ucb_conf.prefix, id);
}


/* what anyone may read: no contact, the representative's name masked */
static int
load_public(const char *id, json_t **out)
{
    int          rc;
    char         rep[16];
    json_t      *m;
    const char  *name;
    size_t       first;

    rc = ucb_store_merchant_get(id, &m);
    if (rc != UCB_OK) {
        return rc;
    }

    /* not approved yet: not public */
    if (strcmp(json_string_value(json_object_get(m, "status")), "pending")
        == 0)
    {
        json_decref(m);
        return UCB_NOT_FOUND;
    }

    name = json_string_value(json_object_get(m, "legal_rep"));
    first = name[0] != '\0' ? ucb_utf8_char((const unsigned char *) name,
                                            strlen(name))
                            : 0;
    snprintf(rep, sizeof(rep), "%.*s%s", (int) first, name,
             first > 0 ? "**" : "");

    *out = json_pack("{s:O, s:O, s:O, s:O, s:s, s:O, s:O, s:O, s:O, s:O}",
                     "id", json_object_get(m, "id"),
                     "kind", json_object_get(m, "kind"),
                     "name", json_object_get(m, "name"),
                     "credit_code", json_object_get(m, "credit_code"),
                     "legal_rep", rep,
                     "address", json_object_get(m, "address"),
                     "logo_url", json_object_get(m, "logo_url"),
                     "industry", json_object_get(m, "industry"),
                     "status", json_object_get(m, "status"),
                     "certification", json_object_get(m, "certification"));
    json_decref(m);

    return *out != NULL ? UCB_OK : UCB_ERROR;
}


long
ucb_merchant_store_reads(void)
{
    return ucb_cache_store_reads(&public_cache);
}


/* after a change's commit: the gateways' copy, the public entry; -1
   when either was not made (the reconciler makes good the first; the
   second lives out its hour) */
int
ucb_merchant_changed(const char *id)
{
    int   dropped;
    char  key[UC_KEY_MAX];

    public_key(key, sizeof(key), id);
    dropped = ucb_cache_drop(&public_cache, key);

    return ucb_merchant_publish(id) == 0 && dropped == 0 ? 0 : -1;
}


void
ucb_merchant_store_error(ucb_req_t *req, int rc)
{
    switch (rc) {

    case UCB_NOT_FOUND:
        ucb_error(req, 404, "not_found", "no such merchant");
        break;

    case UCB_FORBIDDEN:
        ucb_error(req, 403, "merchant_role_required",
                  "your role in this merchant does not allow that");
        break;

    case UCB_CONFLICT:
        ucb_error(req, 409, "version_conflict",
                  "the merchant changed since that version; read it again");
        break;

    case UCB_TAKEN:
        ucb_error(req, 409, "credit_code_taken",
                  "another merchant has this credit code");
        break;

    case UCB_LAST_OWNER:
        ucb_error(req, 409, "last_owner",
                  "a merchant keeps one owner at least");
        break;

    default:
        ucb_error(req, 500, "internal_error", "nothing was changed");
        break;
    }
}


/* A string field of the body (or of an object in it), checked. */
static int
field(ucb_req_t *req, json_t *obj, const char *name, size_t max,
    const char *def, const char **out)
{
    char     msg[128];
    json_t  *v;

    v = obj != NULL ? json_object_get(obj, name) : NULL;

    if (v == NULL || json_is_null(v)) {
        *out = def;
        return 0;
    }

    if (!json_is_string(v) || json_string_length(v) > max
        || strlen(json_string_value(v)) != json_string_length(v))
    {
        snprintf(msg, sizeof(msg), "\"%s\" is a string of at most %zu bytes",
                 name, max);
        ucb_error(req, 400, "validation_failed", msg);
        return -1;
    }

    *out = json_string_value(v);

    return 0;
}


/*
 * The record's fields from the body, over base (the record now, for a
 * PATCH; NULL when creating). -1 and an answer given on a bad one.
 */
static int
read_merchant(ucb_req_t *req, json_t *base, ucb_merchant_t *m, char *code,
    size_t code_size)
{
    size_t       i, n;
    json_t      *contact, *bc, *v;
    const char  *problem, *cc;

#define BASE(name)                                                            \
    (base != NULL ? json_string_value(json_object_get(base, name)) : "")
#define BASE_C(name)                                                          \
    (bc != NULL ? json_string_value(json_object_get(bc, name)) : "")

    if (req->body == NULL) {
        ucb_error(req, 400, "validation_failed", "send the merchant as JSON");
        return -1;
    }

    bc = base != NULL ? json_object_get(base, "contact") : NULL;
    contact = json_object_get(req->body, "contact");

    if (contact != NULL && !json_is_object(contact)) {
        ucb_error(req, 400, "validation_failed",
                  "\"contact\" is {\"name\", \"phone\", \"email\"}");
        return -1;
    }

    if (field(req, req->body, "kind", 16, base != NULL ? BASE("kind") : NULL,
              &m->kind) != 0
        || field(req, req->body, "name", NAME_MAX_BYTES,
                 base != NULL ? BASE("name") : NULL, &m->name) != 0
        || field(req, req->body, "legal_rep", FIELD_MAX_BYTES,
                 BASE("legal_rep"), &m->legal_rep) != 0
        || field(req, req->body, "address", ADDRESS_MAX_BYTES,
                 BASE("address"), &m->address) != 0
        || field(req, req->body, "logo_url", URL_MAX_BYTES,
                 BASE("logo_url"), &m->logo_url) != 0
        || field(req, req->body, "industry", FIELD_MAX_BYTES,
                 BASE("industry"), &m->industry) != 0
        || field(req, contact, "name", FIELD_MAX_BYTES, BASE_C("name"),
                 &m->contact_name) != 0
        || field(req, contact, "phone", 32, BASE_C("phone"),
                 &m->contact_phone) != 0
        || field(req, contact, "email", 254, BASE_C("email"),
                 &m->contact_email) != 0)
    {
        return -1;
    }

    if (m->kind == NULL
        || (strcmp(m->kind, "enterprise") != 0
            && strcmp(m->kind, "individual") != 0))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"kind\" is \"enterprise\" or \"individual\"");
        return -1;
    }

    if (base != NULL && strcmp(m->kind, BASE("kind")) != 0) {
        ucb_error(req, 400, "validation_failed",
                  "a merchant's kind does not change");
        return -1;
    }

    if (m->name == NULL || m->name[0] == '\0') {
        ucb_error(req, 400, "validation_failed", "\"name\" is required");
        return -1;
    }

    /* no control characters in what others will display */
    for (i = 0; m->name[i] != '\0'; i++) {
        if ((unsigned char) m->name[i] < 0x20) {
            ucb_error(req, 400, "validation_failed",
                      "\"name\" has a control character");
            return -1;
        }
    }

    if (m->contact_phone[0] != '\0' && !ucb_valid_phone(m->contact_phone)) {
        ucb_error(req, 400, "validation_failed",
                  "\"contact.phone\" is +<country><number>");
        return -1;
    }

    if (m->contact_email[0] != '\0' && !ucb_valid_email(m->contact_email)) {
        ucb_error(req, 400, "validation_failed",
                  "\"contact.email\" is an e-mail address");
        return -1;
    }

    if (m->logo_url[0] != '\0'
        && (strncmp(m->logo_url, "https://", 8) != 0
            || strlen(m->logo_url) < 12
            || strpbrk(m->logo_url, " \"'<>\\") != NULL
            || !ucb_valid_utf8(m->logo_url, strlen(m->logo_url))))
    {
        ucb_error(req, 400, "validation_failed",
                  "\"logo_url\" is an https:// URL");
        return -1;
    }

    for (i = 0; m->logo_url[i] != '\0'; i++) {
        if ((unsigned char) m->logo_url[i] < 0x21) {
            ucb_error(req, 400, "validation_failed",
                      "\"logo_url\" is an https:// URL");
            return -1;
        }
    }

    /* the credit code: GB 32100, capital letters as printed */
    v = json_object_get(req->body, "credit_code");
    cc = base != NULL && v == NULL ? BASE("credit_code") : NULL;

    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) != 18) {
            ucb_error(req, 400, "invalid_credit_code",
                      "a unified social credit code is 18 characters");
            return -1;
        }

        cc = json_string_value(v);
    }

    n = cc != NULL ? strlen(cc) : 0;

    if (n >= code_size) {
        ucb_error(req, 400, "invalid_credit_code",
                  "a unified social credit code is 18 characters");
        return -1;
    }

    for (i = 0; i < n; i++) {
        code[i] = (cc[i] >= 'a' && cc[i] <= 'z') ? cc[i] - 32 : cc[i];
    }

    code[n] = '\0';

    if (n > 0 && !uc_uscc_valid(code, n, &problem)) {
        char  msg[160];

        snprintf(msg, sizeof(msg), "the credit code fails GB 32100 (%s)",
                 problem);
        ucb_error(req, 400, "invalid_credit_code", msg);
        return -1;
    }

    if (n == 0 && strcmp(m->kind, "enterprise") == 0) {
        ucb_error(req, 400, "invalid_credit_code",
                  "an enterprise has a unified social credit code");
        return -1;
    }

    m->credit_code = code;

    v = json_object_get(req->body, "version");

    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1)) {
        ucb_error(req, 400, "validation_failed",
                  "\"version\" is the version the change was made to");
        return -1;
    }

    m->expect_version = v != NULL ? json_integer_value(v) : 0;

#undef BASE
#undef BASE_C

    return 0;
}


void
ucb_h_merchant_create(ucb_req_t *req)
{
    int             rc;
    char            id[24], code[24];
    json_t         *out;
    uint64_t        n;
    ucb_merchant_t  m;

    memset(&m, 0, sizeof(m));

    if (read_merchant(req, NULL, &m, code, sizeof(code)) != 0) {
        return;
    }

    if (ucb_id_next(&n) != 0) {
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    snprintf(id, sizeof(id), "%llu", (unsigned long long) n);
    m.id = id;

    rc = ucb_store_merchant_create(&m, req->uid, &out);

    if (rc == UCB_LIMIT) {
        ucb_error(req, 409, "limit_reached",
                  "a user applies for 20 merchants at most");
        return;
    }

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    /* the owner's membership with it */
    json_object_set_new(out, "published",
                        json_boolean(ucb_merchant_publish_all(id) == 0));
    ucb_reply(req, 201, out);
}


void
ucb_h_merchant_get(ucb_req_t *req)
{
    int      rc;
    char     key[UC_KEY_MAX];
    json_t  *out;

    if (!ucb_merchant_param_valid(req, 0)) {
        return;
    }

    public_key(key, sizeof(key), req->params[0]);
    rc = ucb_cache_read(&public_cache, key, req->params[0], &out);

    if (rc == UCB_ERROR) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    if (out == NULL) {
        ucb_error(req, 404, "not_found", "no such merchant");
        return;
    }

    ucb_reply(req, 200, out);
}


/* the caller's role, or an answer given and -1 */
int
ucb_merchant_role_of(ucb_req_t *req, const char *mid, char *role,
    size_t size)
{
    int  rc;

    rc = ucb_store_member_role(mid, req->uid, role, size);

    if (rc == UCB_NOT_FOUND) {
        /* not told apart from a merchant that does not exist */
        ucb_error(req, 404, "not_found", "no such merchant");
        return -1;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return -1;
    }

    return 0;
}


void
ucb_h_me_merchant(ucb_req_t *req)
{
    int      rc;
    char     role[16];
    json_t  *out;

    if (!ucb_merchant_param_valid(req, 0)
        || ucb_merchant_role_of(req, req->params[0], role, sizeof(role)) != 0)
    {
        return;
    }

    rc = ucb_store_merchant_get(req->params[0], &out);

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    json_object_set_new(out, "role", json_string(role));
    ucb_reply(req, 200, out);
}


void
ucb_h_me_merchants(ucb_req_t *req)
{
    json_t  *list;

    if (ucb_store_user_merchants(req->uid, &list) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o}", "merchants", list));
}


static const char *
str_or_empty(json_t *o, const char *name)
{
    const char  *v;

    v = json_string_value(json_object_get(o, name));

    return v != NULL ? v : "";
}


/*
 * The body is merged over the record read before the transaction, and
 * written only at that record's version: a change in between (another
 * edit, a member's) is a conflict. Without "version" from the client the
 * merge is made again over the newer record, a few times.
 */
void
ucb_h_merchant_update(ucb_req_t *req)
{
    int             rc, tries;
    char            code[24], role[16];
    json_t         *base, *out;
    ucb_merchant_t  m;

    if (!ucb_merchant_param_valid(req, 0)
        || ucb_merchant_role_of(req, req->params[0], role, sizeof(role)) != 0)
    {
        return;
    }

    for (tries = 0; /* void */; tries++) {
        rc = ucb_store_merchant_get(req->params[0], &base);

        if (rc != UCB_OK) {
            ucb_merchant_store_error(req, rc);
            return;
        }

        memset(&m, 0, sizeof(m));
        m.id = req->params[0];

        if (read_merchant(req, base, &m, code, sizeof(code)) != 0) {
            json_decref(base);
            return;
        }

        /* the name and code an operator approved are not changed by the
           merchant: only while it is pending */
        if (strcmp(str_or_empty(base, "status"), "pending") != 0
            && (strcmp(m.name, str_or_empty(base, "name")) != 0
                || strcmp(m.credit_code, str_or_empty(base, "credit_code"))
                   != 0))
        {
            json_decref(base);
            ucb_error(req, 409, "merchant_reviewed",
                      "the name and credit code change only while the "
                      "merchant is pending; ask an operator");
            return;
        }

        if (m.expect_version == 0) {
            m.expect_version = json_integer_value(json_object_get(base,
                                                                  "version"));
            rc = ucb_store_merchant_update(&m, req->uid, &out);

            if (rc == UCB_CONFLICT && tries < 3) {
                json_decref(base);
                continue;
            }

        } else {
            rc = ucb_store_merchant_update(&m, req->uid, &out);
        }

        json_decref(base);
        break;
    }

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    json_object_set_new(out, "published",
                        json_boolean(ucb_merchant_changed(req->params[0])
                                     == 0));
    ucb_reply(req, 200, out);
}


void
ucb_h_admin_merchants(ucb_req_t *req)
{
    json_t      *list, *last;
    int64_t      limit;
    const char  *status, *after;

    status = ucb_query(req, "status");
    after = ucb_query(req, "cursor");
    limit = ucb_query_number(req, "limit", LIST_PAGE, 500);

    if (status == NULL) {
        status = "";
    }

    if (after == NULL) {
        after = "";
    }

    if (limit < 0 || (after[0] != '\0' && !ucb_id_canonical(after))
        || (status[0] != '\0' && strcmp(status, "pending") != 0
            && strcmp(status, "active") != 0 && strcmp(status, "frozen") != 0
            && strcmp(status, "closed") != 0))
    {
        ucb_error(req, 400, "validation_failed",
                  "?status=pending|active|frozen|closed, ?cursor= the "
                  "next_cursor of the previous page, ?limit=1..500");
        return;
    }

    if (ucb_store_merchants(status, after, (int) limit, &list) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    last = json_array_get(list, json_array_size(list) - 1);

    ucb_reply(req, 200, json_pack("{s:o, s:o}", "merchants", list,
                                  "next_cursor",
                                  json_array_size(list) == (size_t) limit
                                  && last != NULL
                                  ? json_deep_copy(json_object_get(last, "id"))
                                  : json_null()));
}


void
ucb_h_admin_merchant_get(ucb_req_t *req)
{
    int      rc;
    json_t  *out;

    if (!ucb_merchant_param_valid(req, 0)) {
        return;
    }

    rc = ucb_store_merchant_get(req->params[0], &out);

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    ucb_reply(req, 200, out);
}


void
ucb_h_admin_merchant_status(ucb_req_t *req)
{
    int          rc;
    json_t      *out, *v;
    const char  *status, *reason;

    if (!ucb_merchant_param_valid(req, 0)) {
        return;
    }

    if (req->body == NULL
        || ucb_body_string(req, "status", 16, 1, &status) != 0
        || ucb_body_string(req, "reason", REASON_MAX_BYTES, 0, &reason) != 0)
    {
        if (req->status == 0) {
            ucb_error(req, 400, "validation_failed",
                      "send {\"status\": ..., \"reason\": ...}");
        }
        return;
    }

    if (strcmp(status, "active") != 0 && strcmp(status, "frozen") != 0
        && strcmp(status, "closed") != 0)
    {
        ucb_error(req, 400, "validation_failed",
                  "\"status\" is active, frozen or closed");
        return;
    }

    v = json_object_get(req->body, "version");

    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1)) {
        ucb_error(req, 400, "validation_failed",
                  "\"version\" is the version of the record reviewed");
        return;
    }

    rc = ucb_store_merchant_status(req->params[0], status,
                                   reason != NULL ? reason : "",
                                   v != NULL ? json_integer_value(v) : 0,
                                   req->uid, &out);

    if (rc == UCB_GONE) {
        ucb_error(req, 409, "merchant_closed",
                  "a closed merchant stays closed");
        return;
    }

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    json_object_set_new(out, "published",
                        json_boolean(ucb_merchant_changed(req->params[0])
                                     == 0));
    ucb_reply(req, 200, out);
}


static void
merchant_line(ucb_req_t *req, int on)
{
    int          rc;
    json_t      *out;
    const char  *status;

    if (!ucb_merchant_param_valid(req, 0)) {
        return;
    }

    if (!uc_line_valid(req->params[1], strlen(req->params[1]))) {
        ucb_error(req, 400, "validation_failed",
                  "a business line's code is 1 to 32 of [a-z0-9_-]");
        return;
    }

    status = NULL;

    if (on) {
        if (req->body == NULL
            || ucb_body_string(req, "status", 16, 1, &status) != 0)
        {
            if (req->status == 0) {
                ucb_error(req, 400, "validation_failed",
                          "send {\"status\": \"active\"|\"suspended\"}");
            }
            return;
        }

        if (strcmp(status, "active") != 0
            && strcmp(status, "suspended") != 0)
        {
            ucb_error(req, 400, "validation_failed",
                      "\"status\" is active or suspended");
            return;
        }
    }

    rc = ucb_store_merchant_line(req->params[0], req->params[1], status,
                                 req->uid, &out);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found",
                  on ? "no such merchant, or no such business line"
                     : "no such merchant, or not on that line");
        return;
    }

    if (rc != UCB_OK) {
        ucb_merchant_store_error(req, rc);
        return;
    }

    json_object_set_new(out, "published",
                        json_boolean(ucb_merchant_changed(req->params[0])
                                     == 0));
    ucb_reply(req, 200, out);
}


void
ucb_h_admin_merchant_line_put(ucb_req_t *req)
{
    merchant_line(req, 1);
}


void
ucb_h_admin_merchant_line_delete(ucb_req_t *req)
{
    merchant_line(req, 0);
}
