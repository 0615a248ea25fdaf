/*
 * usercenter shared library: Alibaba Cloud's RPC request signature
 * (signature version 1.0, HMAC-SHA1), one implementation for the backend,
 * which signs its calls to the certification provider (Id2MetaVerify,
 * EntElementVerify), and for the loopback stand-in, which checks them.
 *
 *   every parameter but Signature, sorted by name; names and values
 *   percent-encoded (RFC 3986: A-Z a-z 0-9 - _ . ~ kept, a space %20,
 *   the rest %XY in capitals, UTF-8 bytes each); joined k=v&k=v;
 *   StringToSign = METHOD "&" enc("/") "&" enc(that query);
 *   Signature = Base64(HMAC-SHA1(AccessKeySecret "&", StringToSign)).
 */

#ifndef UC_ALIYUN_H
#define UC_ALIYUN_H

#include <stddef.h>


typedef struct {
    const char     *name;
    const char     *value;
} uc_aliyun_param_t;


/*
 * s percent-encoded into dst: its length, or the length it needs when it
 * does not fit size (nothing is cut); written with its NUL when it fits.
 */
size_t uc_aliyun_encode(const char *s, char *dst, size_t size);

/* the canonical query of n parameters (sorted in place), as above */
size_t uc_aliyun_query(uc_aliyun_param_t *params, size_t n, char *dst,
    size_t size);

/* the StringToSign of method ("GET", "POST") and n parameters */
size_t uc_aliyun_string_to_sign(const char *method,
    uc_aliyun_param_t *params, size_t n, char *dst, size_t size);

/* Base64(HMAC-SHA1(secret "&", data)) into dst (29 bytes: 28 and a NUL);
   0, or -1 */
int uc_aliyun_sign(const char *secret, const char *data, size_t len,
    char dst[29]);

/* 1 when sign is the signature of data under secret (constant time) */
int uc_aliyun_verify(const char *secret, const char *data, size_t len,
    const char *sign);

#endif /* UC_ALIYUN_H */
