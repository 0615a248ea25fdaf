/*
 * uc-backend: certification's settings.
 *
 *   certification_key = FILE      64 hex digits (32 random bytes), 0600:
 *                                 the sealing and hashing keys derive
 *                                 from it; without it, no certification
 *   aliyun_cloudauth = https://cloudauth.cn-shanghai.aliyuncs.com
 *   aliyun_cloudauth_enterprise = https://cloudauth.aliyuncs.com
 *                                 (EntElementVerify, API 2022-11-25)
 *   aliyun_access_key_id = ...
 *   aliyun_access_key_secret_file = FILE
 *   tencent_faceid = https://faceid.tencentcloudapi.com
 *   tencent_secret_id = ...
 *   tencent_secret_key_file = FILE
 *   tencent_ocr = https://ocr.tencentcloudapi.com   (enterprises)
 *   certification_person_providers = aliyun   or tencent, or both in
 *                                 the order they are asked: aliyun,tencent
 *   certification_enterprise_providers = aliyun   the same, for merchants
 *   certification_attempts = 5    per user per day
 *   certification_reuse_s = 86400 a provider's answer reused this long
 *   certification_unique = 1      one identity certifies one account
 *   certification_image_pending_s = 7776000   a licence photo kept while
 *                                 its request waits (90 days) ...
 *   certification_image_decided_s = 2592000   ... and after the decision
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "certification.h"


ucb_cert_conf_t  ucb_cert;


void
ucb_cert_config_defaults(void)
{
    memset(&ucb_cert, 0, sizeof(ucb_cert));
    strcpy(ucb_cert.endpoint, "https://cloudauth.cn-shanghai.aliyuncs.com");
    strcpy(ucb_cert.ent_endpoint, "https://cloudauth.aliyuncs.com");
    strcpy(ucb_cert.tc_endpoint, "https://faceid.tencentcloudapi.com");
    strcpy(ucb_cert.tc_ocr_endpoint, "https://ocr.tencentcloudapi.com");
    ucb_cert.person_providers[0] = UCB_CERT_ALIYUN;
    ucb_cert.person_providers[1] = -1;
    ucb_cert.npersons = 1;
    ucb_cert.ent_providers[0] = UCB_CERT_ALIYUN;
    ucb_cert.ent_providers[1] = -1;
    ucb_cert.nents = 1;
    ucb_cert.attempts = 5;
    ucb_cert.reuse_s = 86400;
    ucb_cert.unique = 1;
    ucb_cert.image_pending_s = 90L * 86400;
    ucb_cert.image_decided_s = 30L * 86400;
}


static int
set_text(char *dst, size_t size, const char *value)
{
    if (strlen(value) >= size || strpbrk(value, "\"'<> \t") != NULL) {
        return -1;
    }

    strcpy(dst, value);

    return 0;
}


/* an AccessKey ID or SecretId: letters and digits, as the clouds issue
   them (it goes into a header and a signed form, never a CR or a space) */
static int
key_id_ok(const char *value)
{
    size_t  n;

    n = strlen(value);

    return n > 0 && n < 65
           && strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}


/*
 * A provider's address: https, or plain http to this machine (the
 * stand-in) and nowhere else: no user part ("http://127.0.0.1:x@host/"
 * would go to host), only a port after the address.
 */
static int
endpoint_ok(const char *value)
{
    const char  *p;

    if (strchr(value, '@') != NULL) {
        return 0;
    }

    if (strncmp(value, "https://", 8) == 0) {
        return 1;
    }

    if (strncmp(value, "http://127.0.0.1", 16) != 0) {
        return 0;
    }

    p = value + 16;

    if (*p == ':') {
        p++;
        if (*p < '0' || *p > '9') {
            return 0;
        }
        p += strspn(p, "0123456789");
    }

    return *p == '\0' || *p == '/';
}


/* "aliyun", "tencent" or both, comma-separated, each once, into
   providers (UCB_CERT_PROVIDERS of them) and *n; a list refused leaves
   the last one taken */
static int
set_providers(const char *value, int *providers, int *count, int *named)
{
    int          i, n, p, seen, list[UCB_CERT_PROVIDERS];
    size_t       len;
    const char  *s;

    n = 0;
    seen = 0;

    for (s = value; ; s += len + 1) {
        len = strcspn(s, ",");

        if (len == 6 && strncmp(s, "aliyun", 6) == 0) {
            p = UCB_CERT_ALIYUN;
        } else if (len == 7 && strncmp(s, "tencent", 7) == 0) {
            p = UCB_CERT_TENCENT;
        } else {
            return -1;
        }

        /* each once: no more than there are providers */
        if (seen & (1 << p)) {
            return -1;
        }

        seen |= 1 << p;
        list[n++] = p;

        if (s[len] == '\0') {
            break;
        }
    }

    for (i = 0; i < UCB_CERT_PROVIDERS; i++) {
        providers[i] = i < n ? list[i] : -1;
    }

    *count = n;
    *named = 1;

    return 0;
}


int
ucb_cert_config_set(const char *name, const char *value)
{
    if (strcmp(name, "certification_key") == 0) {
        return set_text(ucb_cert.key_file, sizeof(ucb_cert.key_file), value);
    }

    if (strcmp(name, "aliyun_cloudauth") == 0) {
        return endpoint_ok(value)
               ? set_text(ucb_cert.endpoint, sizeof(ucb_cert.endpoint), value)
               : -1;
    }

    if (strcmp(name, "aliyun_cloudauth_enterprise") == 0) {
        return endpoint_ok(value)
               ? set_text(ucb_cert.ent_endpoint,
                          sizeof(ucb_cert.ent_endpoint), value)
               : -1;
    }

    if (strcmp(name, "aliyun_access_key_id") == 0) {
        return !key_id_ok(value) ? -1 : set_text(ucb_cert.access_key_id,
                        sizeof(ucb_cert.access_key_id), value);
    }

    if (strcmp(name, "aliyun_access_key_secret_file") == 0) {
        return set_text(ucb_cert.access_key_secret_file,
                        sizeof(ucb_cert.access_key_secret_file), value);
    }

    if (strcmp(name, "tencent_faceid") == 0) {
        return endpoint_ok(value)
               ? set_text(ucb_cert.tc_endpoint, sizeof(ucb_cert.tc_endpoint),
                          value)
               : -1;
    }

    if (strcmp(name, "tencent_secret_id") == 0) {
        return !key_id_ok(value) ? -1
               : set_text(ucb_cert.tc_secret_id, sizeof(ucb_cert.tc_secret_id),
                        value);
    }

    if (strcmp(name, "tencent_secret_key_file") == 0) {
        return set_text(ucb_cert.tc_secret_key_file,
                        sizeof(ucb_cert.tc_secret_key_file), value);
    }

    if (strcmp(name, "certification_person_providers") == 0) {
        return set_providers(value, ucb_cert.person_providers,
                             &ucb_cert.npersons, &ucb_cert.persons_named);
    }

    if (strcmp(name, "certification_enterprise_providers") == 0) {
        return set_providers(value, ucb_cert.ent_providers, &ucb_cert.nents,
                             &ucb_cert.ents_named);
    }

    if (strcmp(name, "tencent_ocr") == 0) {
        return endpoint_ok(value)
               ? set_text(ucb_cert.tc_ocr_endpoint,
                          sizeof(ucb_cert.tc_ocr_endpoint), value)
               : -1;
    }

    if (strcmp(name, "certification_attempts") == 0) {
        return ucb_config_long(&ucb_cert.attempts, value, 1, 1000);
    }

    if (strcmp(name, "certification_reuse_s") == 0) {
        return ucb_config_long(&ucb_cert.reuse_s, value, 0, 30L * 86400);
    }

    if (strcmp(name, "certification_image_pending_s") == 0) {
        return ucb_config_long(&ucb_cert.image_pending_s, value, 60,
                               365L * 86400);
    }

    if (strcmp(name, "certification_image_decided_s") == 0) {
        return ucb_config_long(&ucb_cert.image_decided_s, value, 0,
                               365L * 86400);
    }

    if (strcmp(name, "certification_unique") == 0) {
        return ucb_config_long(&ucb_cert.unique, value, 0, 1);
    }

    return -2;
}


static int
provider_ready(int provider)
{
    return provider == UCB_CERT_TENCENT
           ? ucb_cert.tc_secret_key[0] != '\0'
           : ucb_cert.access_key_secret[0] != '\0';
}


int
ucb_cert_start(void)
{
    int            i, p;
    char           hex[80];
    unsigned int   len;
    unsigned char  master[32];

    if (ucb_cert.key_file[0] == '\0') {
        return 0;
    }

    if (ucb_config_secret(ucb_cert.key_file, hex, sizeof(hex)) != 0
        || strlen(hex) != 64 || strspn(hex, "0123456789abcdefABCDEF") != 64)
    {
        ucb_log(UCB_LOG_ERROR, "certification_key must hold 64 hex digits",
                "\"file\":\"%s\"", ucb_cert.key_file);
        return -1;
    }

    for (i = 0; i < 32; i++) {
        sscanf(hex + 2 * i, "%2hhx", &master[i]);
    }

    OPENSSL_cleanse(hex, sizeof(hex));

    /* two keys from one: sealing, and hashing for uniqueness */
    HMAC(EVP_sha256(), master, sizeof(master),
         (const unsigned char *) "usercenter seal v1", 18, ucb_cert.seal_key,
         &len);
    HMAC(EVP_sha256(), master, sizeof(master),
         (const unsigned char *) "usercenter hash v1", 18, ucb_cert.hash_key,
         &len);
    OPENSSL_cleanse(master, sizeof(master));
    ucb_cert.have_key = 1;

    if (ucb_cert.access_key_id[0] != '\0'
        && ucb_config_secret(ucb_cert.access_key_secret_file,
                             ucb_cert.access_key_secret,
                             sizeof(ucb_cert.access_key_secret)) != 0)
    {
        ucb_log(UCB_LOG_ERROR, "the Alibaba Cloud AccessKey secret cannot "
                "be read", "\"file\":\"%s\"",
                ucb_cert.access_key_secret_file);
        return -1;
    }

    if (ucb_cert.tc_secret_id[0] != '\0'
        && ucb_config_secret(ucb_cert.tc_secret_key_file,
                             ucb_cert.tc_secret_key,
                             sizeof(ucb_cert.tc_secret_key)) != 0)
    {
        ucb_log(UCB_LOG_ERROR, "the Tencent Cloud SecretKey cannot be read",
                "\"file\":\"%s\"", ucb_cert.tc_secret_key_file);
        return -1;
    }

    /* named by the operator, a provider must be usable; the default
       (Alibaba Cloud) without credentials leaves certification off */

    for (i = 0; i < 2 * UCB_CERT_PROVIDERS; i++) {
        p = i < UCB_CERT_PROVIDERS
            ? (ucb_cert.persons_named ? ucb_cert.person_providers[i] : -1)
            : (ucb_cert.ents_named
               ? ucb_cert.ent_providers[i - UCB_CERT_PROVIDERS] : -1);

        if (p >= 0 && !provider_ready(p)) {
            ucb_log(UCB_LOG_ERROR, "a certification provider is named "
                    "without its credentials", "\"provider\":\"%s\"",
                    ucb_cert_provider_name(p));
            return -1;
        }
    }

    return 0;
}


const char *
ucb_cert_provider_name(int provider)
{
    return provider == UCB_CERT_TENCENT ? "tencent" : "aliyun";
}


/*
 * Certification is offered when there is a key to seal with and the
 * check's providers have their credentials: Alibaba Cloud's for
 * enterprises, the persons' providers for persons.
 */
int
ucb_cert_enabled(void)
{
    int  i;

    for (i = 0; i < ucb_cert.nents; i++) {
        if (!provider_ready(ucb_cert.ent_providers[i])) {
            return 0;
        }
    }

    return ucb_cert.have_key && ucb_cert.nents > 0;
}


int
ucb_cert_person_enabled(void)
{
    int  i;

    for (i = 0; i < ucb_cert.npersons; i++) {
        if (!provider_ready(ucb_cert.person_providers[i])) {
            return 0;
        }
    }

    return ucb_cert.have_key && ucb_cert.npersons > 0;
}
