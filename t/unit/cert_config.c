/*
 * Certification's provider addresses (backend/certification/cert_config.c):
 * https anywhere, plain http only to this machine (the stand-in), and
 * nothing that would send the signed call elsewhere.
 */

#include <stdlib.h>

#include "tap.h"
#include "ucb.h"
#include "certification.h"


static void
address(const char *value, int good)
{
    int  rc;

    rc = ucb_cert_config_set("aliyun_cloudauth_enterprise", value);
    ok(good ? rc == 0 : rc == -1, "%s: %s", value,
       good ? "taken" : "refused");

    rc = ucb_cert_config_set("aliyun_cloudauth", value);
    ok(good ? rc == 0 : rc == -1, "  and for Id2MetaVerify too");
}


int
main(void)
{
    ucb_cert_config_defaults();

    ok(strcmp(ucb_cert.ent_endpoint, "https://cloudauth.aliyuncs.com") == 0,
       "EntElementVerify's address by default: cloudauth.aliyuncs.com");
    ok(strcmp(ucb_cert.endpoint,
              "https://cloudauth.cn-shanghai.aliyuncs.com") == 0,
       "Id2MetaVerify's: cloudauth.cn-shanghai.aliyuncs.com");

    address("https://cloudauth.aliyuncs.com", 1);
    address("http://127.0.0.1:8083", 1);
    address("http://127.0.0.1", 1);
    address("http://127.0.0.1/", 1);
    address("http://cloudauth.aliyuncs.com", 0);
    address("http://127.0.0.1:x@remote.example/", 0);
    address("http://127.0.0.1@remote.example/", 0);
    address("https://user@remote.example/", 0);
    address("http://127.0.0.1.remote.example/", 0);
    address("http://127.0.0.1:", 0);
    address("http://127.0.0.1:80x", 0);

    ok(strcmp(ucb_cert.ent_endpoint, "http://127.0.0.1/") == 0,
       "a refused address leaves the last one taken");

    printf("1..%d\n", tap_n);

    return tap_failed != 0;
}
