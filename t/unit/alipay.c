/*
 * Alipay OpenAPI signatures (libuc/uc_alipay.c): the string to sign, RSA2
 * both ways, checked against the openssl command (an implementation not
 * ours), and the signed bytes of an answer taken as received.
 */

#include <stdlib.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tap.h"
#include "uc_alipay.h"


static char  dir[] = "/tmp/uc-alipay-XXXXXX";


static void
string_to_sign(void)
{
    char               buf[512], small[8];
    size_t             n;
    uc_alipay_param_t  p[] = {
        { "timestamp", "2026-11-27 20:00:00" },
        { "method", "alipay.system.oauth.token" },
        { "sign", "must-not-appear" },
        { "app_id", "2021000000000001" },
        { "format", "" },
        { "sign_type", "RSA2" },
        { "code", "a b&c=d" },
        { "charset", "utf-8" },
        { "version", "1.0" },
        { "grant_type", "authorization_code" },
    };

    n = uc_alipay_sign_string(p, sizeof(p) / sizeof(p[0]), buf, sizeof(buf));

    is_str(buf, "app_id=2021000000000001&charset=utf-8&code=a b&c=d"
           "&grant_type=authorization_code&method=alipay.system.oauth.token"
           "&sign_type=RSA2&timestamp=2026-11-27 20:00:00&version=1.0",
           "sorted, raw values, sign and empty values left out, sign_type in");
    is_int(n, strlen(buf), "... its length");

    n = uc_alipay_sign_string(p, sizeof(p) / sizeof(p[0]), small,
                              sizeof(small));
    is_int(n, strlen(buf), "a buffer too small: the length needed");
}


static void
timestamp(void)
{
    char  ts[20];

    /* 2026-11-27T12:30:05Z is 20:30:05 in Beijing */
    uc_alipay_timestamp(1795782605, ts);
    is_str(ts, "2026-11-27 20:30:05", "the timestamp is Beijing time");

    /* 2026-12-31T18:00:00Z is already the new year there */
    uc_alipay_timestamp(1798740000, ts);
    is_str(ts, "2027-01-01 02:00:00", "... across midnight and the year");
}


static EVP_PKEY *
key_from(const char *path, int private)
{
    FILE      *f;
    EVP_PKEY  *k;

    f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }

    k = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);

    return k;
}


static int
run(const char *cmd)
{
    char  buf[1024];

    snprintf(buf, sizeof(buf), "cd %s && ( %s ) >/dev/null 2>&1", dir, cmd);

    return system(buf) == 0;
}


static void
write_file(const char *name, const char *data, size_t len)
{
    char   path[256];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    fwrite(data, 1, len, f);
    fclose(f);
}


static void
signatures(void)
{
    char        path[256], sig[1024], other[1024], body[2048];
    const char  *data, *span;
    size_t       n, span_len;
    int          error;
    EVP_PKEY    *app, *app_pub, *alipay, *alipay_pub;

    /* two key pairs made by the openssl command: the app's and "Alipay's" */
    ok(run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
           "-out app.pem && openssl pkey -in app.pem -pubout -out app.pub "
           "&& openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
           "-out alipay.pem && openssl pkey -in alipay.pem -pubout "
           "-out alipay.pub"), "two RSA 2048 key pairs");

    snprintf(path, sizeof(path), "%s/app.pem", dir);
    app = key_from(path, 1);
    snprintf(path, sizeof(path), "%s/app.pub", dir);
    app_pub = key_from(path, 0);
    snprintf(path, sizeof(path), "%s/alipay.pem", dir);
    alipay = key_from(path, 1);
    snprintf(path, sizeof(path), "%s/alipay.pub", dir);
    alipay_pub = key_from(path, 0);

    ok(app && app_pub && alipay && alipay_pub, "... read back (PEM)");

    data = "app_id=2021000000000001&charset=utf-8&method=alipay.user.info.share"
           "&sign_type=RSA2&timestamp=2026-11-27 20:00:00&version=1.0";

    n = uc_alipay_sign(app, data, strlen(data), sig, sizeof(sig));
    is_int(n, 344, "an RSA2 signature of 2048 bits: 344 base64 characters");
    ok(uc_alipay_verify(app_pub, data, strlen(data), sig, n),
       "... that our check takes");

    /* the openssl command agrees: its signature is ours (PKCS#1 v1.5 is
       deterministic), and it verifies ours */
    write_file("data", data, strlen(data));
    write_file("sig.b64", sig, n);
    ok(run("openssl base64 -d -A -in sig.b64 -out sig.bin && openssl dgst "
           "-sha256 -verify app.pub -signature sig.bin data"),
       "openssl dgst -sha256 -verify takes our signature");
    ok(run("openssl dgst -sha256 -sign app.pem -out theirs.bin data && "
           "openssl base64 -A -in theirs.bin -out theirs.b64"),
       "openssl signs the same text");
    snprintf(path, sizeof(path), "%s/theirs.b64", dir);
    {
        FILE   *f = fopen(path, "r");
        size_t  m = f != NULL ? fread(other, 1, sizeof(other) - 1, f) : 0;

        if (f != NULL) {
            fclose(f);
        }

        other[m] = '\0';
    }
    is_str(other, sig, "... to the same bytes as ours");

    ok(!uc_alipay_verify(app_pub, data, strlen(data) - 1, sig, n),
       "a changed text fails");
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    ok(!uc_alipay_verify(app_pub, data, strlen(data), sig, n),
       "a changed signature fails");
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    ok(!uc_alipay_verify(alipay_pub, data, strlen(data), sig, n),
       "another key fails");
    ok(!uc_alipay_verify(app_pub, data, strlen(data), "", 0)
       && !uc_alipay_verify(app_pub, data, strlen(data), "abc", 3)
       && !uc_alipay_verify(app_pub, data, strlen(data), "====", 4),
       "empty, short and all-padding signatures fail");

    /* an answer "Alipay" signed, with "/" escaped as "\/" in both the
       object and the signature, and spaces a re-serialiser would drop */
    {
        const char  *obj = "{\"access_token\":\"authusrB_a\\/b\", "
                           "\"user_id\":\"2088102150477652\","
                           "\"expires_in\":1296000}";
        char         esc[1024];
        size_t       i, j;

        n = uc_alipay_sign(alipay, obj, strlen(obj), sig, sizeof(sig));

        for (i = 0, j = 0; i < n; i++) {
            if (sig[i] == '/') {
                esc[j++] = '\\';
            }

            esc[j++] = sig[i];
        }

        esc[j] = '\0';

        snprintf(body, sizeof(body),
                 "{\"alipay_system_oauth_token_response\" : %s,\n"
                 " \"sign\":\"%s\"}", obj, esc);
    }

    ok(uc_alipay_answer(body, strlen(body), "alipay.system.oauth.token",
                        &span, &span_len, other, sizeof(other), &error) == 0,
       "an answer's signed object is found");
    ok(span_len == strlen("{\"access_token\":\"authusrB_a\\/b\", "
                          "\"user_id\":\"2088102150477652\","
                          "\"expires_in\":1296000}")
       && span[0] == '{' && span[span_len - 1] == '}',
       "... byte for byte as received");
    is_int(error, 0, "... not an error_response");
    ok(uc_alipay_verify(alipay_pub, span, span_len, other, strlen(other)),
       "... and its signature (unescaped) checks under Alipay's key");
    ok(!uc_alipay_verify(app_pub, span, span_len, other, strlen(other)),
       "... not under the app's own key");

    /* a tampered answer: one byte of the object changed */
    body[strstr(body, "2088") - body + 4] = '9';
    uc_alipay_answer(body, strlen(body), "alipay.system.oauth.token", &span,
                     &span_len, other, sizeof(other), &error);
    ok(!uc_alipay_verify(alipay_pub, span, span_len, other, strlen(other)),
       "a tampered answer fails");

    snprintf(body, sizeof(body), "{\"error_response\":{\"code\":\"40002\","
             "\"msg\":\"Invalid Arguments\",\"sub_code\":\"isv.code-invalid\"}"
             ",\"sign\":\"QUJD\"}");
    ok(uc_alipay_answer(body, strlen(body), "alipay.system.oauth.token",
                        &span, &span_len, other, sizeof(other), &error) == 0
       && error == 1 && span_len == strlen(body) - strlen("{\"error_response"
                                                          "\":,\"sign\":"
                                                          "\"QUJD\"}")
       && strcmp(other, "QUJD") == 0,
       "an error_response: its object and signature");

    ok(uc_alipay_answer("{\"x_response\":{}}", 17, "x", &span, &span_len,
                        other, sizeof(other), &error) == -1,
       "no sign: refused");
    ok(uc_alipay_answer("{\"sign\":\"QUJD\"}", 15, "x", &span, &span_len,
                        other, sizeof(other), &error) == -1,
       "no response object: refused");
    ok(uc_alipay_answer("{\"x_response\":\"str\",\"sign\":\"QUJD\"}", 34, "x",
                        &span, &span_len, other, sizeof(other), &error) == -1,
       "a response that is no object: refused");
    ok(uc_alipay_answer("{\"x_response\":{},\"sign\":\"QU\\nJD\"}", 33, "x",
                        &span, &span_len, other, sizeof(other), &error) == -1,
       "a signature with an escape other than \\/: refused");
    ok(uc_alipay_answer("{\"x_response\":{},\"sign\":\"QUJDQUJD\"}", 34, "x",
                        &span, &span_len, other, 4, &error) == -1,
       "a signature longer than the room for it: refused");

    EVP_PKEY_free(app);
    EVP_PKEY_free(app_pub);
    EVP_PKEY_free(alipay);
    EVP_PKEY_free(alipay_pub);
}


int
main(void)
{
    char  cmd[64];

    if (mkdtemp(dir) == NULL) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }

    string_to_sign();
    timestamp();
    signatures();

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ok(system(cmd) == 0, "its temporary files removed");

    return done_testing();
}
