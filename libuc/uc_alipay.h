/*
 * usercenter shared library: the Alipay OpenAPI gateway's signatures
 * (RSA2: SHA256withRSA, PKCS#1 v1.5), one implementation for the backend,
 * which signs requests and checks answers, and for the loopback stand-in,
 * which checks requests and signs answers.
 *
 * Requests: every parameter sent but "sign", those with an empty value
 * left out, "sign_type" included, sorted by name (bytes, ascending) and
 * joined as k=v&k=v with the raw values (URL encoding comes after, for the
 * HTTP body). Synchronous answers: the bytes of the "<method>_response"
 * (dots as underscores) or "error_response" object exactly as received,
 * never re-serialised, against the "sign" beside it.
 */

#ifndef UC_ALIPAY_H
#define UC_ALIPAY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>


typedef struct {
    const char     *name;
    const char     *value;
} uc_alipay_param_t;


/*
 * The string to sign of n parameters (sorted in place): its length, or
 * the length it needs when it does not fit size (nothing is cut), written
 * with its NUL when it fits.
 */
size_t uc_alipay_sign_string(uc_alipay_param_t *params, size_t n, char *dst,
    size_t size);

/* RSA2 of data with the private key, base64 into dst (at least 4 *
   ((key bytes + 2) / 3) + 1): its length, 0 on failure */
size_t uc_alipay_sign(EVP_PKEY *key, const char *data, size_t len,
    char *dst, size_t size);

/* 1 when sign (base64) is the RSA2 of data under the public key */
int uc_alipay_verify(EVP_PKEY *key, const char *data, size_t len,
    const char *sign, size_t sign_len);

/*
 * In an answer's text: the bytes that were signed (*span, *span_len, in
 * body) and the signature beside them, unescaped into sign (at most
 * sign_size - 1 bytes; *error 1 when the answer is error_response). -1
 * when the answer has neither object, or no "sign" after it.
 */
int uc_alipay_answer(const char *body, size_t len, const char *method,
    const char **span, size_t *span_len, char *sign, size_t sign_size,
    int *error);

/* "yyyy-MM-dd HH:mm:ss" in Beijing time (UTC+8, no daylight saving) */
void uc_alipay_timestamp(time_t now, char dst[20]);

#endif /* UC_ALIPAY_H */
