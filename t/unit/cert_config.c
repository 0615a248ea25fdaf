/*
 * Certification's provider addresses (backend/certification/cert_config.c):
 * https anywhere, plain http only to this machine (the stand-in), and
 * nothing that would send the signed call elsewhere; the persons'
 * providers, each named once, in the order they are asked.
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
    int          i, rc;
    const char  *bad[] = {
        "", "aliyun,aliyun", "aliyun,", ",tencent", "baidu", "Aliyun",
        "aliyun tencent", "tencent,aliyun,tencent"
    };

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

    rc = ucb_cert_config_set("tencent_faceid", "http://127.0.0.1:x@remote/");
    ok(rc == -1 && strcmp(ucb_cert.tc_endpoint,
                          "https://faceid.tencentcloudapi.com") == 0,
       "Tencent's address: the same rule, faceid.tencentcloudapi.com by "
       "default");

    ok(ucb_cert.npersons == 1 && ucb_cert.person_providers[0]
                                 == UCB_CERT_ALIYUN,
       "persons: Alibaba Cloud alone by default");
    ok(ucb_cert_config_set("certification_person_providers",
                           "tencent,aliyun") == 0
       && ucb_cert.npersons == 2
       && ucb_cert.person_providers[0] == UCB_CERT_TENCENT
       && ucb_cert.person_providers[1] == UCB_CERT_ALIYUN,
       "tencent,aliyun: both, Tencent first");
    ok(ucb_cert_config_set("certification_person_providers", "tencent") == 0
       && ucb_cert.npersons == 1
       && ucb_cert.person_providers[0] == UCB_CERT_TENCENT,
       "tencent: alone");

    for (i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++) {
        ok(ucb_cert_config_set("certification_person_providers", bad[i])
           == -1 && ucb_cert.npersons == 1
           && ucb_cert.person_providers[0] == UCB_CERT_TENCENT,
           "\"%s\": refused, the last list kept", bad[i]);
    }

    ok(ucb_cert.nents == 1 && ucb_cert.ent_providers[0] == UCB_CERT_ALIYUN
       && strcmp(ucb_cert.tc_ocr_endpoint, "https://ocr.tencentcloudapi.com")
          == 0,
       "enterprises: Alibaba Cloud alone by default; Tencent's ocr address");
    ok(ucb_cert_config_set("certification_enterprise_providers",
                           "aliyun,tencent") == 0
       && ucb_cert.nents == 2 && ucb_cert.ent_providers[1] == UCB_CERT_TENCENT
       && ucb_cert.npersons == 1,
       "aliyun,tencent for enterprises, the persons' list untouched");
    ok(ucb_cert_config_set("certification_enterprise_providers", "tencent,")
       == -1 && ucb_cert.nents == 2,
       "a bad list for enterprises refused, the last kept");
    ok(ucb_cert_config_set("tencent_ocr", "http://127.0.0.1@x/") == -1,
       "Tencent's ocr address: the same rule");

    printf("1..%d\n", tap_n);

    return tap_failed != 0;
}
