/*
 * Unit tests for the session token codec and the key file (libuc).
 */

#include <stdlib.h>

#include "tap.h"
#include "uc_token.h"


static const char  keyfile[] =
    "# comment\n"
    "\n"
    "new 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "old ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";


static void
test_base64url(void)
{
    char           out[64];
    long           n;
    unsigned char  raw[64];

    /* RFC 4648 test vectors, without padding */
    out[uc_base64url_encode(out, (const unsigned char *) "f", 1)] = '\0';
    is_str(out, "Zg", "base64url f");
    out[uc_base64url_encode(out, (const unsigned char *) "foob", 4)] = '\0';
    is_str(out, "Zm9vYg", "base64url foob");
    out[uc_base64url_encode(out, (const unsigned char *) "foobar", 6)] = '\0';
    is_str(out, "Zm9vYmFy", "base64url foobar");
    out[uc_base64url_encode(out, (const unsigned char *) "\xfb\xff", 2)]
        = '\0';
    is_str(out, "-_8", "base64url uses - and _");

    n = uc_base64url_decode(raw, "Zm9vYmFy", 8);
    ok(n == 6 && memcmp(raw, "foobar", 6) == 0, "decode foobar");
    is_int(uc_base64url_decode(raw, "Zm9vYg", 6), 4, "decode unpadded");
    is_int(uc_base64url_decode(raw, "Zm9vYh", 6), -1,
           "non-canonical trailing bits rejected");
    is_int(uc_base64url_decode(raw, "Zm9v+g", 6), -1, "'+' rejected");
    is_int(uc_base64url_decode(raw, "Z", 1), -1, "impossible length");
}


static void
test_keyring(void)
{
    char          err[256];
    uc_keyring_t  ring;

    ok(uc_keyring_parse(&ring, keyfile, sizeof(keyfile) - 1, err,
                        sizeof(err)) == 0, "key file parses");
    is_int(ring.nkeys, 2, "two keys");
    is_str(ring.keys[0].kid, "new", "first key signs");
    is_int(ring.keys[0].secret[31], 0x1f, "secret decoded");
    uc_keyring_free(&ring);

    ok(uc_keyring_parse(&ring, "k 00", 4, err, sizeof(err)) == -1,
       "short secret rejected");
    ok(strstr(err, "line 1") != NULL, "error names the line: %s", err);

    ok(uc_keyring_parse(&ring, "# nothing\n", 10, err, sizeof(err)) == -1,
       "empty key file rejected");

    {
        static const char dup[] =
            "a 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
            "a 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
        ok(uc_keyring_parse(&ring, dup, sizeof(dup) - 1, err, sizeof(err))
           == -1, "duplicate kid rejected: %s", err);
    }

    {
        static const char bad[] =
            "a/b 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
        ok(uc_keyring_parse(&ring, bad, sizeof(bad) - 1, err, sizeof(err))
           == -1, "bad kid rejected");
    }
}


static void
test_tokens(void)
{
    int           n, i;
    char          err[256], token[UC_TOKEN_MAX + 1], sid[UC_SID_LEN + 1];
    char          other[UC_TOKEN_MAX + 1], forged[UC_TOKEN_MAX + 1];
    size_t        sid_len;
    const char   *got;
    uc_keyring_t  ring, old_only;

    uc_keyring_parse(&ring, keyfile, sizeof(keyfile) - 1, err, sizeof(err));

    n = uc_token_mint(&ring, token, sid);
    ok(n > 0 && (size_t) n == strlen(token), "mint gives a token");
    ok(strncmp(token, "v1.new.", 7) == 0, "token names version and kid: %s",
       token);
    is_int(strlen(sid), UC_SID_LEN, "sid is 22 characters");

    ok(uc_token_verify(&ring, token, n, &got, &sid_len) == UC_TOKEN_OK,
       "minted token verifies");
    ok(sid_len == UC_SID_LEN && memcmp(got, sid, UC_SID_LEN) == 0,
       "verify returns the sid");

    uc_token_mint(&ring, other, NULL);
    ok(strcmp(token, other) != 0, "two mints differ");

    /* known answer: HMAC-SHA256 is deterministic for a given sid */
    n = uc_token_sign(&ring, 0, "AAAAAAAAAAAAAAAAAAAAAA", UC_SID_LEN, token);
    uc_token_sign(&ring, 0, "AAAAAAAAAAAAAAAAAAAAAA", UC_SID_LEN, other);
    is_str(token, other, "signing is deterministic");

    /* rotation: a token signed by the second key still verifies */
    n = uc_token_sign(&ring, 1, sid, UC_SID_LEN, token);
    ok(strncmp(token, "v1.old.", 7) == 0
       && uc_token_verify(&ring, token, n, &got, &sid_len) == UC_TOKEN_OK,
       "token of the previous key verifies");

    /* a ring without "new" does not know the kid */
    {
        static const char only[] =
            "old ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";
        uc_keyring_parse(&old_only, only, sizeof(only) - 1, err, sizeof(err));
    }

    n = uc_token_sign(&ring, 0, sid, UC_SID_LEN, token);
    ok(uc_token_verify(&old_only, token, n, &got, &sid_len)
       == UC_TOKEN_UNKNOWN_KEY, "unknown kid rejected");

    /* every single-character change of the MAC or sid is caught */
    for (i = 7; i < n; i++) {
        memcpy(forged, token, n + 1);

        if (forged[i] == '.') {
            continue;
        }

        forged[i] = forged[i] == 'A' ? 'B' : 'A';

        if (uc_token_verify(&ring, forged, n, &got, &sid_len) == UC_TOKEN_OK)
        {
            break;
        }
    }
    is_int(i, n, "no single-character forgery verifies");

    ok(uc_token_verify(&ring, token, n - 1, &got, &sid_len)
       == UC_TOKEN_MALFORMED, "truncated token is malformed");
    ok(uc_token_verify(&ring, "v2.new.x.y", 10, &got, &sid_len)
       == UC_TOKEN_MALFORMED, "other version is malformed");
    ok(uc_token_verify(&ring, "", 0, &got, &sid_len) == UC_TOKEN_MALFORMED,
       "empty token is malformed");

    memcpy(forged, token, n + 1);
    forged[n - 1] = '=';
    ok(uc_token_verify(&ring, forged, n, &got, &sid_len)
       == UC_TOKEN_MALFORMED, "padding character is malformed");

    memcpy(forged, token, n + 1);
    forged[3] = '\0';
    ok(uc_token_verify(&ring, forged, n, &got, &sid_len)
       == UC_TOKEN_MALFORMED, "NUL byte in the kid is malformed");

    uc_keyring_free(&old_only);
    uc_keyring_free(&ring);
}


int
main(void)
{
    test_base64url();
    test_keyring();
    test_tokens();

    return done_testing();
}
