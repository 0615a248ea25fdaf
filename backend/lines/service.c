/*
 * uc-backend: what business lines' servers may ask (usercenter_auth
 * service at the gateway: the request carries X-UC-Service-Line).
 *
 *   GET  /uc/v1/service/users/{id}
 *   GET  /uc/v1/service/users?phone=+86...   or   ?email=...
 *   POST /uc/v1/service/users/batch {"ids": [...]}   at most 1,000;
 *        answered in id order, each id once
 *
 * A user as a line's server sees one: id, status, auth level, nickname,
 * created_at, and the phone and e-mail masked (+86138****8000,
 * a***@example.com): enough to match and to show, not to contact; one
 * user by id also with the WeChat and Alipay openids of each AppID the
 * user signed in with (to pay and message them through those apps).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ucb.h"


#define BATCH_MAX  1000


static const char *const  statuses[] = { "active", "frozen", "deactivated" };


static json_t *
user_json(const ucb_service_user_t *u)
{
    char  phone[40], email[300];

    ucb_mask_phone(phone, sizeof(phone), u->phone);
    ucb_mask_email(email, sizeof(email), u->email);

    return json_pack("{s:s, s:s, s:i, s:s, s:s?, s:s?, s:I}",
                     "id", u->id,
                     "status", u->status >= 0 && u->status <= 2
                               ? statuses[u->status] : "unknown",
                     "auth_level", u->level, "nickname", u->nickname,
                     "phone", phone[0] ? phone : NULL,
                     "email", email[0] ? email : NULL,
                     "created_at", (json_int_t) u->created_at);
}


/*
 * The user's openids, by AppID ({"wx...": "o...", "2021...": "0..."}):
 * what a line's server pays and messages a WeChat or Alipay user with.
 * Only here, for one user: a batch would be a query per user.
 */
static void
add_openids(ucb_req_t *req, const char *uid)
{
    size_t       i;
    json_t      *rows, *row, *ids;
    const char  *kind, *value, *colon;

    if (ucb_store_identities(uid, &rows) != UCB_OK) {
        json_decref(req->reply);
        req->reply = NULL;
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ids = json_object();

    json_array_foreach(rows, i, row) {
        kind = json_string_value(json_object_get(row, "kind"));
        value = json_string_value(json_object_get(row, "value"));
        colon = value != NULL ? strchr(value, ':') : NULL;

        if (kind != NULL && colon != NULL
            && (strcmp(kind, "wechat_app") == 0
                || strcmp(kind, "alipay_app") == 0))
        {
            char  appid[80];

            snprintf(appid, sizeof(appid), "%.*s", (int) (colon - value),
                     value);
            json_object_set_new(ids, appid, json_string(colon + 1));
        }
    }

    json_decref(rows);
    json_object_set_new(json_object_get(req->reply, "user"), "openids", ids);
}


static void
answer_user(ucb_req_t *req, const char *uid)
{
    int                 rc;
    ucb_service_user_t  u;

    rc = ucb_id_canonical(uid) ? ucb_store_service_user(uid, &u) : UCB_NOT_FOUND;

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such user");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:o}", "user", user_json(&u)));
    add_openids(req, uid);
}


void
ucb_h_service_user(ucb_req_t *req)
{
    answer_user(req, req->params[0]);
}


void
ucb_h_service_users(ucb_req_t *req)
{
    int          rc;
    char         norm[256];
    ucb_user_t   u;
    const char  *phone, *email, *kind, *want;

    phone = ucb_query(req, "phone");
    email = ucb_query(req, "email");

    if ((phone == NULL) == (email == NULL)) {
        ucb_error(req, 400, "validation_failed",
                  "look up by one of ?phone= or ?email=");
        return;
    }

    want = phone != NULL ? "phone" : "email";
    kind = ucb_login_kind(phone != NULL ? phone : email, norm, sizeof(norm));

    if (kind == NULL || strcmp(kind, want) != 0) {
        ucb_error(req, 400, "validation_failed",
                  phone != NULL ? "a mobile number: +86 and 11 digits"
                                : "an e-mail address");
        return;
    }

    rc = ucb_store_find_login(kind, norm, &u);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such user");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    answer_user(req, u.id);
}


/* ids (digits, no leading zero) in numeric order: shorter first */
static int
by_number(const void *a, const void *b)
{
    const char  *x = *(const char *const *) a, *y = *(const char *const *) b;
    size_t       lx = strlen(x), ly = strlen(y);

    return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}


void
ucb_h_service_users_batch(ucb_req_t *req)
{
    int                 rc;
    size_t              i, n;
    json_t             *ids, *id, *users, *missing;
    const char        **sorted;
    ucb_service_user_t  u;

    ids = req->body != NULL ? json_object_get(req->body, "ids") : NULL;

    if (!json_is_array(ids) || json_array_size(ids) == 0
        || json_array_size(ids) > BATCH_MAX)
    {
        ucb_error(req, 400, "validation_failed",
                  "send {\"ids\": [...]}, 1 to 1,000 user ids");
        return;
    }

    json_array_foreach(ids, i, id) {
        if (!json_is_string(id) || !ucb_id_canonical(json_string_value(id))) {
            ucb_error(req, 400, "validation_failed",
                      "user ids are strings of digits");
            return;
        }
    }

    /* each id once, in order: a repeated one costs no second read */
    n = json_array_size(ids);
    sorted = malloc(n * sizeof(const char *));
    if (sorted == NULL) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    json_array_foreach(ids, i, id) {
        sorted[i] = json_string_value(id);
    }

    qsort(sorted, n, sizeof(const char *), by_number);

    users = json_array();
    missing = json_array();

    for (i = 0; i < n; i++) {
        if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0) {
            continue;
        }

        rc = ucb_store_service_user(sorted[i], &u);

        if (rc == UCB_OK) {
            json_array_append_new(users, user_json(&u));

        } else if (rc == UCB_NOT_FOUND) {
            json_array_append_new(missing, json_string(sorted[i]));

        } else {
            free(sorted);
            json_decref(users);
            json_decref(missing);
            ucb_error(req, 500, "internal_error", "try again shortly");
            return;
        }
    }

    free(sorted);

    ucb_reply(req, 200, json_pack("{s:o, s:o}", "users", users,
                                  "not_found", missing));
}
