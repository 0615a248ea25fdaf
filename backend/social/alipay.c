/*
 * uc-backend: Alipay's user authorisation on the OpenAPI gateway
 * (PROTOCOLS.md 3b): alipay.system.oauth.token turns the auth_code into a
 * token and the user's ids, alipay.user.info.share gives the nickname and
 * avatar. Every request is signed (RSA2, the app's private key) and every
 * answer is believed only when its "sign" verifies, with Alipay's public
 * key, over the bytes of its "..._response" object as they came
 * (libuc/uc_alipay.c). An answer that does not verify is never a
 * success, whatever it says.
 *
 * The identity is the user_id (2088..., the same for every app) when
 * given, and the app's open_id (new apps get only that one). The token is
 * used for the profile call and wiped.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "social.h"
#include "uc_alipay.h"


#define FORM_MAX     4096
#define SIGN_MAX     1024

/* Alipay's refusal (sub_code) as our envelope's */
static void
refusal(json_t *answer, ucb_provider_error_t *err)
{
    const char  *sub, *code;

    sub = json_string_value(json_object_get(answer, "sub_code"));
    code = json_string_value(json_object_get(answer, "code"));

    if (sub != NULL && (strcmp(sub, "isv.code-invalid") == 0
                        || strcmp(sub, "isv.auth-code-invalid") == 0))
    {
        ucb_provider_fail(err, 400, "code_invalid",
                          "the Alipay authorisation code is not valid, used "
                          "or expired", 0);

    } else if (sub != NULL && (strcmp(sub, "isv.invalid-signature") == 0
                               || strcmp(sub, "isv.invalid-app-id") == 0
                               || strncmp(sub, "isv.insufficient", 16) == 0))
    {
        ucb_provider_fail(err, 502, "provider_misconfigured",
                          "Alipay refused this app's signature or "
                          "credentials", 0);

    } else if ((code != NULL && strcmp(code, "20000") == 0)
               || (sub != NULL && strncmp(sub, "aop.", 4) == 0))
    {
        ucb_provider_fail(err, 503, "provider_busy",
                          "Alipay is busy, try again shortly", 0);
        err->retry_after = 1;

    } else {
        ucb_provider_fail(err, 502, "provider_error",
                          "Alipay refused the call", 0);
    }

    if (code != NULL) {
        err->errcode = strtol(code, NULL, 10);
    }
}


/*
 * One call of method with the business parameters extra[0..n): the
 * public ones added, signed, posted; 0 and the verified answer object in
 * *out, or -1 and *err.
 */
static int
call(const char *method, const uc_alipay_param_t *extra, size_t n,
    json_t **out, ucb_provider_error_t *err)
{
    int                 rc, error;
    char                timestamp[20], *text, *form, *body, *sig;
    size_t              i, np, len, span_len, fn;
    json_t             *answer;
    const char         *span;
    uc_alipay_param_t   p[12];

    *out = NULL;
    text = form = body = sig = NULL;
    rc = -1;

    uc_alipay_timestamp(time(NULL), timestamp);

    np = 0;
    p[np++] = (uc_alipay_param_t) { "app_id", ucb_social.alipay_app_id };
    p[np++] = (uc_alipay_param_t) { "method", method };
    p[np++] = (uc_alipay_param_t) { "format", "JSON" };
    p[np++] = (uc_alipay_param_t) { "charset", "utf-8" };
    p[np++] = (uc_alipay_param_t) { "sign_type", "RSA2" };
    p[np++] = (uc_alipay_param_t) { "timestamp", timestamp };
    p[np++] = (uc_alipay_param_t) { "version", "1.0" };

    for (i = 0; i < n && np < 11; i++) {
        p[np++] = extra[i];
    }

    text = malloc(FORM_MAX);
    form = malloc(FORM_MAX);
    sig = malloc(SIGN_MAX);

    if (text == NULL || form == NULL || sig == NULL) {
        ucb_provider_fail(err, 500, "internal_error", "out of memory", 0);
        goto done;
    }

    len = uc_alipay_sign_string(p, np, text, FORM_MAX);

    if (len >= FORM_MAX
        || uc_alipay_sign(ucb_social.alipay_private_key, text, len, sig,
                          SIGN_MAX) == 0)
    {
        ucb_provider_fail(err, 500, "internal_error",
                          "the Alipay request cannot be signed", 0);
        goto done;
    }

    p[np++] = (uc_alipay_param_t) { "sign", sig };

    /* the body: every parameter, URL-encoded */
    fn = 0;
    form[0] = '\0';

    for (i = 0; i < np; i++) {
        if (p[i].value[0] == '\0') {
            continue;
        }

        len = strlen(p[i].name);

        if (fn + len + 2 >= FORM_MAX) {
            goto too_long;
        }

        if (fn > 0) {
            form[fn++] = '&';
        }

        memcpy(form + fn, p[i].name, len);
        fn += len;
        form[fn++] = '=';

        if (ucb_url_append(form, FORM_MAX, &fn, p[i].value) != 0) {
            goto too_long;
        }
    }

    if (ucb_provider_post_form(ucb_social.alipay_gateway, form, &body, &len,
                               err)
        != 0)
    {
        goto done;
    }

    if (uc_alipay_answer(body, len, method, &span, &span_len, sig, SIGN_MAX,
                         &error)
        != 0
        || !uc_alipay_verify(ucb_social.alipay_public_key, span, span_len,
                             sig, strlen(sig)))
    {
        ucb_log(UCB_LOG_WARN, "an Alipay answer failed its signature",
                "\"method\":\"%s\"", method);
        ucb_provider_fail(err, 502, "provider_signature_invalid",
                          "Alipay's answer did not carry a valid "
                          "signature", 0);
        goto done;
    }

    answer = json_loadb(span, span_len, JSON_REJECT_DUPLICATES, NULL);

    if (answer == NULL || !json_is_object(answer)) {
        json_decref(answer);
        ucb_provider_fail(err, 502, "provider_error",
                          "Alipay's answer could not be read", 0);
        goto done;
    }

    if (error || json_object_get(answer, "sub_code") != NULL
        || (json_is_string(json_object_get(answer, "code"))
            && strcmp(json_string_value(json_object_get(answer, "code")),
                      "10000") != 0))
    {
        refusal(answer, err);
        json_decref(answer);
        goto done;
    }

    *out = answer;
    rc = 0;
    goto done;

too_long:

    ucb_provider_fail(err, 400, "code_invalid",
                      "the Alipay authorisation code is too long", 0);

done:

    if (text != NULL) {
        OPENSSL_cleanse(text, FORM_MAX);
    }

    if (form != NULL) {
        OPENSSL_cleanse(form, FORM_MAX);
    }

    free(text);
    free(form);
    free(sig);
    free(body);

    return rc;
}


int
ucb_alipay_identify(const char *auth_code, ucb_social_identity_t *id,
    ucb_provider_error_t *err)
{
    int                   rc;
    char                  token[513], user_id[UCB_SUBJECT_MAX + 1];
    char                  open_id[UCB_SUBJECT_MAX + 1];
    json_t               *j;
    uc_alipay_param_t     p[2];
    ucb_provider_error_t  info_err;

    memset(id, 0, sizeof(*id));
    id->provider = "alipay";
    strcpy(id->appid, ucb_social.alipay_app_id);
    ucb_provider_begin();

    if (!ucb_social_id_valid(auth_code, 256)) {
        ucb_provider_fail(err, 400, "code_invalid",
                          "the Alipay authorisation code is not valid", 0);
        return -1;
    }

    p[0] = (uc_alipay_param_t) { "grant_type", "authorization_code" };
    p[1] = (uc_alipay_param_t) { "code", auth_code };

    if (call("alipay.system.oauth.token", p, 2, &j, err) != 0) {
        return -1;
    }

    rc = ucb_social_copy_id(j, "user_id", id->union_id,
                            sizeof(id->union_id)) != 0
         || ucb_social_copy_id(j, "open_id", id->openid,
                               sizeof(id->openid)) != 0
         || ucb_social_copy_id(j, "access_token", token, sizeof(token)) != 0
         || (id->union_id[0] == '\0' && id->openid[0] == '\0')
         || token[0] == '\0';

    json_decref(j);

    if (rc) {
        OPENSSL_cleanse(token, sizeof(token));
        ucb_provider_fail(err, 502, "provider_error",
                          "Alipay's answer has no usable user id or token", 0);
        return -1;
    }

    /* the profile is a nicety; an answer about someone else is not */
    p[0] = (uc_alipay_param_t) { "auth_token", token };

    if (call("alipay.user.info.share", p, 1, &j, &info_err) != 0) {
        OPENSSL_cleanse(token, sizeof(token));

        /* a forged or tampered answer stops the sign-in */
        if (strcmp(info_err.code, "provider_signature_invalid") == 0) {
            *err = info_err;
            return -1;
        }

        ucb_log(UCB_LOG_INFO, "Alipay user info not read",
                "\"code\":\"%s\"", info_err.code);
        return 0;
    }

    OPENSSL_cleanse(token, sizeof(token));

    rc = ucb_social_copy_id(j, "user_id", user_id, sizeof(user_id)) != 0
         || ucb_social_copy_id(j, "open_id", open_id, sizeof(open_id)) != 0
         || (user_id[0] != '\0' && id->union_id[0] != '\0'
             && strcmp(user_id, id->union_id) != 0)
         || (open_id[0] != '\0' && id->openid[0] != '\0'
             && strcmp(open_id, id->openid) != 0);

    if (rc) {
        json_decref(j);
        ucb_provider_fail(err, 502, "provider_error",
                          "Alipay's user info is about another user", 0);
        return -1;
    }

    ucb_social_copy_profile(j, "nick_name", "avatar", id);
    json_decref(j);

    return 0;
}
