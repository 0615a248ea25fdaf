/*
 * uc-backend: the social providers' settings. Secrets and keys are named
 * by file (0600, never in the configuration itself, never logged) and
 * read once at start; a provider without its settings is off (its
 * endpoints answer 404 provider_not_configured).
 *
 *   social_public_url = https://id.example.com
 *   wechat_api = https://api.weixin.qq.com
 *   wechat_open = https://open.weixin.qq.com
 *   wechat_web_appid / wechat_web_secret_file      (qrconnect)
 *   wechat_app_appid / wechat_app_secret_file      (mobile apps)
 *   wechat_mini_appid / wechat_mini_secret_file    (mini-programs)
 *   alipay_gateway = https://openapi.alipay.com/gateway.do
 *   alipay_authorize = https://openauth.alipay.com/oauth2/publicAppAuthorize.htm
 *   alipay_app_id, alipay_private_key (PEM), alipay_public_key (PEM)
 *   provider_connect_timeout_ms = 2000, provider_timeout_ms = 5000
 *   provider_calls = 32, provider_wait_ms = 1000
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "social.h"


ucb_social_conf_t  ucb_social;


static const char *const  kind_names[UCB_WECHAT_KINDS] = {
    "web", "app", "mini"
};


void
ucb_social_config_defaults(void)
{
    memset(&ucb_social, 0, sizeof(ucb_social));

    strcpy(ucb_social.wechat_api, "https://api.weixin.qq.com");
    strcpy(ucb_social.wechat_open, "https://open.weixin.qq.com");
    strcpy(ucb_social.alipay_gateway, "https://openapi.alipay.com/gateway.do");
    strcpy(ucb_social.alipay_authorize,
           "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm");
    ucb_social.connect_timeout_ms = 2000;
    ucb_social.timeout_ms = 5000;
    ucb_social.calls = 32;
    ucb_social.wait_ms = 1000;
}


static int
set_text(char *dst, size_t size, const char *value)
{
    size_t  n;

    n = strlen(value);

    if (n >= size || strspn(value, "\"'<> \t") != 0) {
        return -1;
    }

    memcpy(dst, value, n + 1);

    return 0;
}


/*
 * An http(s) origin with an optional path, no query or fragment. Plain
 * http only to this machine (the stand-ins): WeChat's answers are not
 * signed, and whoever could answer for it could name any unionid.
 */
static int
set_url(char *dst, size_t size, const char *value)
{
    size_t       n;
    const char  *host;

    if (strncmp(value, "http://", 7) == 0) {
        host = value + 7;
        n = strcspn(host, ":/");

        if (!((n == 9 && strncmp(host, "127.0.0.1", 9) == 0)
              || (n == 9 && strncmp(host, "localhost", 9) == 0)))
        {
            return -1;
        }

    } else if (strncmp(value, "https://", 8) != 0) {
        return -1;
    }

    if (strpbrk(value, "?#\"'<> \t\\") != NULL) {
        return -1;
    }

    return set_text(dst, size, value);
}


/* an AppID as the providers issue them: letters and digits */
static int
set_appid(char *dst, const char *value)
{
    size_t  n;

    n = strlen(value);

    if (n == 0 || n > UCB_APPID_MAX
        || strspn(value, "abcdefghijklmnopqrstuvwxyz"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
    {
        return -1;
    }

    memcpy(dst, value, n + 1);

    return 0;
}


int
ucb_social_config_set(const char *name, const char *value)
{
    int     k;
    char    want[48];

    if (strcmp(name, "social_public_url") == 0) {
        return set_url(ucb_social.public_url, sizeof(ucb_social.public_url),
                       value);
    }

    if (strcmp(name, "wechat_api") == 0) {
        return set_url(ucb_social.wechat_api, sizeof(ucb_social.wechat_api),
                       value);
    }

    if (strcmp(name, "wechat_open") == 0) {
        return set_url(ucb_social.wechat_open,
                       sizeof(ucb_social.wechat_open), value);
    }

    for (k = 0; k < UCB_WECHAT_KINDS; k++) {
        snprintf(want, sizeof(want), "wechat_%s_appid", kind_names[k]);
        if (strcmp(name, want) == 0) {
            return set_appid(ucb_social.wechat[k].appid, value);
        }

        snprintf(want, sizeof(want), "wechat_%s_secret_file", kind_names[k]);
        if (strcmp(name, want) == 0) {
            return set_text(ucb_social.wechat[k].secret_file,
                            sizeof(ucb_social.wechat[k].secret_file), value);
        }
    }

    if (strcmp(name, "alipay_gateway") == 0) {
        return set_url(ucb_social.alipay_gateway,
                       sizeof(ucb_social.alipay_gateway), value);
    }

    if (strcmp(name, "alipay_authorize") == 0) {
        return set_url(ucb_social.alipay_authorize,
                       sizeof(ucb_social.alipay_authorize), value);
    }

    if (strcmp(name, "alipay_app_id") == 0) {
        return set_appid(ucb_social.alipay_app_id, value);
    }

    if (strcmp(name, "alipay_private_key") == 0) {
        return set_text(ucb_social.alipay_private_key_file,
                        sizeof(ucb_social.alipay_private_key_file), value);
    }

    if (strcmp(name, "alipay_public_key") == 0) {
        return set_text(ucb_social.alipay_public_key_file,
                        sizeof(ucb_social.alipay_public_key_file), value);
    }

    if (strcmp(name, "provider_connect_timeout_ms") == 0) {
        return ucb_config_long(&ucb_social.connect_timeout_ms, value, 10, 60000);
    }

    if (strcmp(name, "provider_timeout_ms") == 0) {
        return ucb_config_long(&ucb_social.timeout_ms, value, 10, 120000);
    }

    if (strcmp(name, "provider_calls") == 0) {
        return ucb_config_long(&ucb_social.calls, value, 1, 1024);
    }

    if (strcmp(name, "provider_wait_ms") == 0) {
        return ucb_config_long(&ucb_social.wait_ms, value, 0, 60000);
    }

    return -2;
}


static EVP_PKEY *
read_key(const char *path, int private)
{
    FILE      *f;
    EVP_PKEY  *key;

    f = fopen(path, "r");
    if (f == NULL) {
        ucb_log(UCB_LOG_ERROR, "cannot read an Alipay key",
                "\"file\":\"%s\",\"error\":\"%s\"", path, strerror(errno));
        return NULL;
    }

    key = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                  : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);

    if (key == NULL || EVP_PKEY_base_id(key) != EVP_PKEY_RSA
        || EVP_PKEY_bits(key) < 2048)
    {
        ucb_log(UCB_LOG_ERROR, "an Alipay key is not an RSA key of 2048 "
                "bits or more", "\"file\":\"%s\"", path);
        EVP_PKEY_free(key);
        return NULL;
    }

    return key;
}


int
ucb_social_start(void)
{
    int                k;
    ucb_wechat_app_t  *app;

    for (k = 0; k < UCB_WECHAT_KINDS; k++) {
        app = &ucb_social.wechat[k];

        if ((app->appid[0] == '\0') != (app->secret_file[0] == '\0')) {
            ucb_log(UCB_LOG_ERROR, "a WeChat app needs its appid and its "
                    "secret file", "\"app\":\"%s\"", kind_names[k]);
            return -1;
        }

        if (app->appid[0] != '\0'
            && ucb_config_secret(app->secret_file, app->secret,
                           sizeof(app->secret)) != 0)
        {
            return -1;
        }
    }

    if (ucb_social.alipay_app_id[0] != '\0') {
        ucb_social.alipay_private_key =
            read_key(ucb_social.alipay_private_key_file, 1);
        ucb_social.alipay_public_key =
            read_key(ucb_social.alipay_public_key_file, 0);

        if (ucb_social.alipay_private_key == NULL
            || ucb_social.alipay_public_key == NULL)
        {
            return -1;
        }
    }

    if ((ucb_wechat_enabled(UCB_WECHAT_WEB) || ucb_alipay_enabled())
        && ucb_social.public_url[0] == '\0')
    {
        ucb_log(UCB_LOG_ERROR, "browser logins need social_public_url, the "
                "gateway's origin the providers send users back to",
                "\"setting\":\"%s\"", "social_public_url");
        return -1;
    }

    return ucb_provider_start();
}


void
ucb_social_stop(void)
{
    ucb_provider_stop();
    EVP_PKEY_free(ucb_social.alipay_private_key);
    EVP_PKEY_free(ucb_social.alipay_public_key);
    ucb_social.alipay_private_key = NULL;
    ucb_social.alipay_public_key = NULL;
    OPENSSL_cleanse(ucb_social.wechat, sizeof(ucb_social.wechat));
}


int
ucb_wechat_enabled(ucb_wechat_kind_e kind)
{
    return ucb_social.wechat[kind].secret[0] != '\0';
}


int
ucb_alipay_enabled(void)
{
    return ucb_social.alipay_private_key != NULL
           && ucb_social.alipay_public_key != NULL;
}
