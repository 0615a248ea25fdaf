/*
 * uc-backend: business lines' service keys, the admin API, and their
 * copies for the gateways.
 *
 *   POST /uc/v1/admin/lines/{code}/keys {"name", "expires_in": seconds}
 *        -> 201 the key, and its secret: shown this once, kept nowhere
 *   GET  /uc/v1/admin/lines/{code}/keys
 *   POST /uc/v1/admin/lines/{code}/keys/{key_id}/revoke
 *
 * A rotation is a new key, deployed, then the old one revoked. The key id
 * is 16 hex digits, the secret 32 random bytes in base64url (43
 * characters); the store and the gateways' copy (keys_sync.c) hold the
 * secret's SHA-256 only.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ucb.h"


#define KEY_NAME_MAX      64
#define KEY_LIFETIME_MIN  3600
#define KEY_LIFETIME_MAX  (5 * 366 * 86400)


static int
sha256_hex(const char *s, char *hex)
{
    unsigned int   len, i;
    unsigned char  md[EVP_MAX_MD_SIZE];

    if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }

    return 0;
}


void
ucb_h_admin_keys(ucb_req_t *req)
{
    json_t  *keys;

    if (!ucb_line_param_valid(req)) {
        return;
    }

    if (ucb_store_keys(req->params[0], &keys) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    ucb_reply(req, 200, json_pack("{s:s, s:o}", "line", req->params[0],
                                  "keys", keys));
}


void
ucb_h_admin_key_create(ucb_req_t *req)
{
    int             rc;
    char            kid[17], secret[44], hash[65], auth[80];
    json_t         *v, *key;
    ucb_key_t       k;
    const char     *name;
    unsigned char   raw[32 + 8];

    if (!ucb_line_param_valid(req)) {
        return;
    }

    if (req->body == NULL) {
        ucb_error(req, 400, "validation_failed",
                  "send {\"name\": ..., \"expires_in\": seconds}");
        return;
    }

    if (ucb_body_string(req, "name", KEY_NAME_MAX, 0, &name) != 0) {
        return;
    }

    memset(&k, 0, sizeof(k));
    v = json_object_get(req->body, "expires_in");

    if (v != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < KEY_LIFETIME_MIN
            || json_integer_value(v) > KEY_LIFETIME_MAX)
        {
            ucb_error(req, 400, "validation_failed",
                      "\"expires_in\" is 3600 seconds to five years");
            return;
        }

        k.expires_at = (int64_t) time(NULL) + json_integer_value(v);
    }

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        ucb_error(req, 500, "internal_error", "no randomness");
        return;
    }

    snprintf(kid, sizeof(kid), "%02x%02x%02x%02x%02x%02x%02x%02x", raw[32],
             raw[33], raw[34], raw[35], raw[36], raw[37], raw[38], raw[39]);
    secret[uc_base64url_encode(secret, raw, 32)] = '\0';

    if (sha256_hex(secret, hash) != 0) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    k.kid = kid;
    k.line = req->params[0];
    k.name = name != NULL ? name : "";
    k.hash = hash;

    rc = ucb_store_key_create(&k, req->uid, &key);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such business line");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "the key was not made");
        return;
    }

    snprintf(auth, sizeof(auth), "UC-Key %s.%s", kid, secret);

    json_object_set_new(key, "secret", json_string(secret));
    json_object_set_new(key, "authorization", json_string(auth));
    json_object_set_new(key, "published",
                        json_boolean(ucb_keys_publish(kid) == 0));

    /* the secret leaves once, here; the log says only that it did */
    ucb_reply(req, 201, key);
}


void
ucb_h_admin_key_revoke(ucb_req_t *req)
{
    int      rc;
    json_t  *key;

    if (!ucb_line_param_valid(req)) {
        return;
    }

    if (strlen(req->params[1]) != 16
        || strspn(req->params[1], "0123456789abcdef") != 16)
    {
        ucb_error(req, 404, "not_found", "no such key");
        return;
    }

    rc = ucb_store_key_revoke(req->params[0], req->params[1], req->uid, &key);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such key of this line");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "the key was not revoked");
        return;
    }

    json_object_set_new(key, "published",
                        json_boolean(ucb_keys_publish(req->params[1]) == 0));
    ucb_reply(req, 200, key);
}
