/*
 * uc-backend: the configuration file, "name = value" lines.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uc_config.h"
#include "ucb.h"
#include "social.h"
#include "certification.h"
#include "ocr.h"


ucb_config_t  ucb_conf;


static void
defaults(void)
{
    memset(&ucb_conf, 0, sizeof(ucb_conf));

    strcpy(ucb_conf.listen_host, "127.0.0.1");
    ucb_conf.listen_port = 8090;
    ucb_conf.threads = 256;         /* connections, a thread each */
    ucb_conf.max_body = 64 * 1024;
    strcpy(ucb_conf.database, "usercenter.db");
    strcpy(ucb_conf.redis_host, "127.0.0.1");
    ucb_conf.redis_port = 6379;
    strcpy(ucb_conf.prefix, UC_PREFIX_DEFAULT);
    strcpy(ucb_conf.cookie_name, "uc_session");
    ucb_conf.cookie_secure = 1;
    ucb_conf.session_ttl = 30L * 86400;
    ucb_conf.session_idle = 7L * 86400;
    /* OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane */
    ucb_conf.argon2_t = 2;
    ucb_conf.argon2_m_kib = 19456;
    ucb_conf.argon2_p = 1;
    ucb_conf.hash_slots = 0;        /* 0: one per core */
    ucb_conf.hash_wait_ms = 2000;
    strcpy(ucb_conf.sender, "dev");
    ucb_conf.code_ttl = 300;
    ucb_conf.code_cooldown = 60;
    ucb_conf.code_attempts = 5;
    /* GB/T 2260 county-level codes, historical ones included */
    strcpy(ucb_conf.regions_file,
           "/usr/lib/python3/dist-packages/stdnum/cn/loc.dat");

    ucb_social_config_defaults();
    ucb_cert_config_defaults();
    ucb_ocr_config_defaults();
}


static int
set_string(char *dst, size_t size, const char *value)
{
    if (strlen(value) >= size) {
        return -1;
    }

    strcpy(dst, value);

    return 0;
}


int
ucb_config_long(long *dst, const char *value, long min, long max)
{
    long   v;
    char  *end;

    errno = 0;
    v = strtol(value, &end, 10);

    if (errno != 0 || end == value || *end != '\0' || v < min || v > max) {
        return -1;
    }

    *dst = v;

    return 0;
}


static int
set_address(char *host, size_t size, int *port, const char *value)
{
    long         p;
    const char  *colon;

    colon = strrchr(value, ':');
    if (colon == NULL || (size_t) (colon - value) >= size) {
        return -1;
    }

    if (ucb_config_long(&p, colon + 1, 1, 65535) != 0) {
        return -1;
    }

    memcpy(host, value, (size_t) (colon - value));
    host[colon - value] = '\0';
    *port = (int) p;

    return 0;
}


static int
set(const char *name, const char *value)
{
    long  v = 0;
    int   rc;

#define STR(n, f)   if (strcmp(name, n) == 0) \
                        return set_string(ucb_conf.f, sizeof(ucb_conf.f), value)
#define NUM(n, f, lo, hi)  if (strcmp(name, n) == 0) { \
                        rc = ucb_config_long(&v, value, lo, hi); \
                        ucb_conf.f = v; \
                        return rc; }

    if (strcmp(name, "listen") == 0 && strncmp(value, "unix:", 5) == 0) {
        return value[5] == '/'
               ? set_string(ucb_conf.listen_unix, sizeof(ucb_conf.listen_unix),
                            value + 5)
               : -1;
    }

    if (strcmp(name, "listen") == 0) {
        return set_address(ucb_conf.listen_host, sizeof(ucb_conf.listen_host),
                           &ucb_conf.listen_port, value);
    }

    if (strcmp(name, "redis") == 0) {
        return set_address(ucb_conf.redis_host, sizeof(ucb_conf.redis_host),
                           &ucb_conf.redis_port, value);
    }

    if (strcmp(name, "prefix") == 0) {
        return uc_prefix_valid(value, strlen(value))
               ? set_string(ucb_conf.prefix, sizeof(ucb_conf.prefix), value)
               : -1;
    }

    STR("database", database);
    STR("store", store);
    STR("redis_password", redis_password);
    STR("secret", secret);
    STR("gateway_secret", gateway_secret);
    STR("admin_users", admin_users);
    STR("cookie_name", cookie_name);
    STR("cookie_domain", cookie_domain);
    STR("sender", sender);
    STR("regions_file", regions_file);
    NUM("threads", threads, 1, 4096);
    NUM("max_body", max_body, 1024, 16 * 1024 * 1024);
    NUM("redis_db", redis_db, 0, 65535);
    NUM("cookie_secure", cookie_secure, 0, 1);
    NUM("session_ttl", session_ttl, 60, 10L * 365 * 86400);
    NUM("session_idle", session_idle, 60, 10L * 365 * 86400);
    NUM("argon2_t", argon2_t, 1, 100);
    NUM("argon2_m_kib", argon2_m_kib, 8, 4 * 1024 * 1024);
    NUM("argon2_p", argon2_p, 1, 64);
    NUM("hash_slots", hash_slots, 0, 1024);
    NUM("hash_wait_ms", hash_wait_ms, 0, 60000);
    NUM("code_ttl", code_ttl, 30, 3600);
    NUM("code_cooldown", code_cooldown, 0, 3600);
    NUM("code_attempts", code_attempts, 1, 100);

#undef STR
#undef NUM

    rc = ucb_social_config_set(name, value);

    if (rc != -2) {
        return rc;
    }

    rc = ucb_cert_config_set(name, value);

    return rc != -2 ? rc : ucb_ocr_config_set(name, value);
}


int
ucb_config_secret(const char *path, char *dst, size_t size)
{
    FILE    *f;
    size_t   n;

    f = fopen(path, "r");
    if (f == NULL) {
        ucb_log(UCB_LOG_ERROR, "cannot read a secret's file",
                "\"file\":\"%s\",\"error\":\"%s\"", path, strerror(errno));
        return -1;
    }

    if (fgets(dst, (int) size, f) == NULL) {
        dst[0] = '\0';
    }

    fclose(f);

    n = strcspn(dst, "\r\n");
    dst[n] = '\0';

    if (n == 0 || n >= size - 1) {
        ucb_log(UCB_LOG_ERROR, "a secret's file is empty or too long",
                "\"file\":\"%s\"", path);
        return -1;
    }

    return 0;
}


int
ucb_config_load(const char *path, char *err, size_t errlen)
{
    int      rc;
    FILE    *f;
    char     line[1024], *name, *value;
    size_t   lineno;

    defaults();

    if (path == NULL) {
        return 0;
    }

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }

    lineno = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;

        rc = uc_config_split(line, &name, &value);

        if (rc == 0) {
            continue;
        }

        if (rc < 0) {
            snprintf(err, errlen, "%s:%zu: expected \"name = value\"", path,
                     lineno);
            fclose(f);
            return -1;
        }

        rc = set(name, value);

        if (rc != 0) {
            snprintf(err, errlen, "%s:%zu: %s \"%s\"", path, lineno,
                     rc == -2 ? "unknown setting" : "invalid value for", name);
            fclose(f);
            return -1;
        }
    }

    fclose(f);

    if (ucb_conf.session_idle > ucb_conf.session_ttl) {
        ucb_conf.session_idle = ucb_conf.session_ttl;
    }

    return 0;
}
