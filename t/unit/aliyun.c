/*
 * Alibaba Cloud's RPC signature (libuc/uc_aliyun.c) against the worked
 * example of its documentation ("Request signatures", RPC): DescribeRegions,
 * AccessKey secret "testsecret", signature OLeaidS1JvxuMvnyHOwuJ+uX5qY=
 * (GET); the same parameters POSTed sign to MxbnVAM4w6sft9xjVpe/GCKueuk=
 * (as others recomputed it); then the encoding rules, and tampering.
 */

#include "tap.h"
#include "uc_aliyun.h"


int
main(void)
{
    char               sts[1024], enc[128], sig[29];
    size_t             n;
    uc_aliyun_param_t  p[] = {
        { "Timestamp", "2016-02-23T12:46:24Z" },
        { "Format", "XML" },
        { "AccessKeyId", "testid" },
        { "Action", "DescribeRegions" },
        { "SignatureMethod", "HMAC-SHA1" },
        { "SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf" },
        { "Version", "2014-05-26" },
        { "SignatureVersion", "1.0" },
        { "Signature", "left out" },
    };
    static const char  want[] =
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions"
        "%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26";

    n = uc_aliyun_string_to_sign("GET", p, sizeof(p) / sizeof(p[0]), sts,
                                 sizeof(sts));
    ok(n == strlen(want) && strcmp(sts, want) == 0,
       "the documentation's StringToSign, Signature left out");
    is_int(uc_aliyun_string_to_sign("GET", p, sizeof(p) / sizeof(p[0]),
                                     NULL, 0), strlen(want),
           "the length it needs, without a buffer");
    is_int(uc_aliyun_string_to_sign("GET", p, sizeof(p) / sizeof(p[0]), sts,
                                    20), strlen(want),
           "and with one too small");

    ok(uc_aliyun_sign("testsecret", want, strlen(want), sig) == 0
       && strcmp(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=") == 0,
       "the documentation's signature: %s", sig);
    n = uc_aliyun_string_to_sign("POST", p, sizeof(p) / sizeof(p[0]), sts,
                                 sizeof(sts));
    ok(uc_aliyun_sign("testsecret", sts, n, sig) == 0
       && strcmp(sig, "MxbnVAM4w6sft9xjVpe/GCKueuk=") == 0,
       "POSTed: the method is signed too: %s", sig);
    ok(uc_aliyun_verify("testsecret", want, strlen(want),
                        "OLeaidS1JvxuMvnyHOwuJ+uX5qY="),
       "which verifies");
    ok(!uc_aliyun_verify("testsecreT", want, strlen(want),
                         "OLeaidS1JvxuMvnyHOwuJ+uX5qY="),
       "not under another secret");
    ok(!uc_aliyun_verify("testsecret", want, strlen(want) - 1,
                         "OLeaidS1JvxuMvnyHOwuJ+uX5qY="),
       "nor over other bytes");
    ok(!uc_aliyun_verify("testsecret", want, strlen(want),
                         "OLeaidS1JvxuMvnyHOwuJ+uX5qY"),
       "nor a signature cut short");
    ok(!uc_aliyun_verify("testsecret", want, strlen(want), NULL),
       "nor none");

    uc_aliyun_encode("a b*c~d/e+f", enc, sizeof(enc));
    ok(strcmp(enc, "a%20b%2Ac~d%2Fe%2Bf") == 0,
       "a space is %%20, * and / and + encoded, ~ kept: %s", enc);
    uc_aliyun_encode("张三", enc, sizeof(enc));
    ok(strcmp(enc, "%E5%BC%A0%E4%B8%89") == 0,
       "UTF-8 bytes one by one, in capitals: %s", enc);
    memset(enc, 'x', sizeof(enc));
    is_int(uc_aliyun_encode("a b", enc, 3), 5,
           "the length needed when it does not fit");
    ok(enc[1] == 'x' && enc[2] == 'x',
       "and no escape is written in part");

    return done_testing();
}
