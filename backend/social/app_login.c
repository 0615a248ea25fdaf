/*
 * uc-backend: signing in from apps and mini-programs, which get JSON, not
 * redirects (there is no browser to bind a state to: the code comes from
 * the provider's SDK inside the app).
 *
 *   POST /uc/v1/login/wechat/app   {"code", "line"?, "link"?}
 *   POST /uc/v1/login/wechat/mini  {"code", "line"?, "link"?}
 *   POST /uc/v1/login/alipay/app   {"auth_code", "line"?, "link"?}
 *
 * The answer is a sign-in's ({user_id, token, expires_at, auth_level,
 * new_user}, the cookie too), the phone step's ({step, ticket}), or with
 * "link": true behind a session, the link's ({provider, linked}).
 */

#include <string.h>

#include "social.h"


void
ucb_provider_refused(ucb_req_t *req, const char *provider,
    const ucb_provider_error_t *err)
{
    ucb_log(err->status >= 500 ? UCB_LOG_WARN : UCB_LOG_INFO,
            "provider refused", "\"provider\":\"%s\",\"code\":\"%s\","
            "\"provider_code\":%ld", provider, err->code, err->errcode);

    req->retry_after = err->retry_after;
    ucb_error(req, err->status, err->code, err->message);
}


static void
app_login(ucb_req_t *req, int provider, ucb_wechat_kind_e kind)
{
    int                    rc;
    json_t                *line, *link;
    const char            *code, *given;
    ucb_provider_error_t   err;
    ucb_social_identity_t  id;

    if (provider == 'w' ? !ucb_wechat_enabled(kind) : !ucb_alipay_enabled()) {
        ucb_error(req, 404, "provider_not_configured", "this sign-in "
                  "provider is not configured here");
        return;
    }

    if (ucb_body_string(req, provider == 'w' ? "code" : "auth_code", 256, 1,
                        &code) != 0
        || ucb_body_string(req, "line", UC_LINE_MAX, 0, &given) != 0)
    {
        return;
    }

    link = req->body != NULL ? json_object_get(req->body, "link") : NULL;

    if (link != NULL && !json_is_boolean(link)) {
        ucb_error(req, 400, "validation_failed", "\"link\" is true or "
                  "false");
        return;
    }

    if (json_is_true(link) && !req->authenticated) {
        ucb_error(req, 401, "login_required", "linking needs the session "
                  "of the account to link to");
        return;
    }

    if (ucb_social_line(req, given, 0, &line) != 0) {
        return;
    }

    json_decref(line);

    rc = provider == 'w' ? ucb_wechat_identify(kind, code, &id, &err)
                         : ucb_alipay_identify(code, &id, &err);

    if (rc != 0) {
        ucb_provider_refused(req, provider == 'w' ? "wechat" : "alipay",
                             &err);
        return;
    }

    if (json_is_true(link)) {
        (void) ucb_social_link(req, &id);
        return;
    }

    ucb_social_sign_in(req, &id, NULL, NULL);
}


void
ucb_h_login_wechat_app(ucb_req_t *req)
{
    app_login(req, 'w', UCB_WECHAT_APP);
}


void
ucb_h_login_wechat_mini(ucb_req_t *req)
{
    app_login(req, 'w', UCB_WECHAT_MINI);
}


void
ucb_h_login_alipay_app(ucb_req_t *req)
{
    app_login(req, 'a', UCB_WECHAT_KINDS);
}
