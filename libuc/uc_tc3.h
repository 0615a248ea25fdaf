/*
 * usercenter shared library: Tencent Cloud API 3.0's request signature,
 * TC3-HMAC-SHA256, one implementation for the backend, which signs its
 * calls to the certification provider (faceid IdCardVerification), and
 * for the loopback stand-in, which checks them.
 *
 *   CanonicalRequest = METHOD "\n" path "\n" query "\n"
 *                      canonical headers ("name:value\n" each, names in
 *                      lower case, in the order of SignedHeaders) "\n"
 *                      SignedHeaders ("content-type;host") "\n"
 *                      hex(SHA256(payload))
 *   StringToSign     = "TC3-HMAC-SHA256\n" timestamp "\n"
 *                      date "/" service "/tc3_request\n"
 *                      hex(SHA256(CanonicalRequest))
 *   key              = HMAC(HMAC(HMAC("TC3" SecretKey, date), service),
 *                      "tc3_request")
 *   Signature        = hex(HMAC-SHA256(key, StringToSign))
 *
 * date is the UTC day of the timestamp (YYYY-MM-DD); service is the first
 * label of the host the request is sent to (faceid for
 * faceid.tencentcloudapi.com), as Tencent's SDKs derive it; the host is
 * signed without its port, as they sign it.
 */

#ifndef UC_TC3_H
#define UC_TC3_H

#include <stddef.h>


/*
 * The signature (64 hex digits and a NUL) of a request whose canonical
 * headers and signed header names are given as written above; 0, or -1
 * (out of memory, or a part too long).
 */
int uc_tc3_signature(const char *secret_key, const char *method,
    const char *path, const char *query, const char *canonical_headers,
    const char *signed_headers, const char *payload, size_t plen,
    long timestamp, const char *service, char dst[65]);

/* the service of a host: its first label, into dst; 0, or -1 */
int uc_tc3_service(const char *host, char *dst, size_t size);

/* 1 when two signatures are the same (constant time) */
int uc_tc3_equal(const char *a, const char *b);

#endif /* UC_TC3_H */
