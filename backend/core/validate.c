/*
 * uc-backend: input validation shared by the handlers.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ucb.h"


/* Mainland China mobile numbers in E.164: +86 1[3-9]x xxxx xxxx. */
int
ucb_valid_phone(const char *s)
{
    size_t  i;

    if (strncmp(s, "+861", 4) != 0 || strlen(s) != 14
        || s[4] < '3' || s[4] > '9')
    {
        return 0;
    }

    for (i = 4; i < 14; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }

    return 1;
}


/* A pragmatic address check: one '@', a dotted domain, no spaces, quotes,
 * angle brackets or braces (they would change a Redis key's hash tag), at
 * most 254 bytes. Callers fold case first. */
int
ucb_valid_email(const char *s)
{
    size_t       len;
    const char  *at, *dot, *p;

    len = strlen(s);
    at = strchr(s, '@');

    if (len < 3 || len > 254 || at == NULL || at == s
        || strchr(at + 1, '@') != NULL)
    {
        return 0;
    }

    dot = strrchr(at, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0') {
        return 0;
    }

    for (p = s; *p != '\0'; p++) {
        if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f
            || *p == '"' || *p == '\\' || *p == '<' || *p == '>'
            || *p == '{' || *p == '}')
        {
            return 0;
        }
    }

    return 1;
}


/* 8..128 bytes, at least one letter and one digit. */
int
ucb_valid_password(const char *s)
{
    size_t  len, i;
    int     letter, digit;

    len = strlen(s);
    if (len < 8 || len > 128) {
        return 0;
    }

    letter = 0;
    digit = 0;

    for (i = 0; i < len; i++) {
        if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) {
            letter = 1;
        } else if (s[i] >= '0' && s[i] <= '9') {
            digit = 1;
        }
    }

    return letter && digit;
}


/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int
ucb_valid_utf8(const char *s, size_t len)
{
    size_t  i, n;

    for (i = 0; i < len; i += n) {
        n = ucb_utf8_char((const unsigned char *) s + i, len - i);

        if (n == 0) {
            return 0;
        }
    }

    return 1;
}


/* The length of the valid UTF-8 sequence at s (at most len bytes), or 0. */
size_t
ucb_utf8_char(const unsigned char *s, size_t len)
{
    size_t        n, k;
    unsigned int  c;

    if (s[0] < 0x80) {
        return 1;
    }

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 1; c = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 2; c = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 3; c = s[0] & 0x07;
    } else {
        return 0;
    }

    for (k = 1; k <= n; k++) {
        if (k >= len || (s[k] & 0xc0) != 0x80) {
            return 0;
        }

        c = (c << 6) | (s[k] & 0x3f);
    }

    if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff))
        || (c >= 0xd800 && c <= 0xdfff))
    {
        return 0;
    }

    return n + 1;
}


/*
 * Client strings kept and shown again (a device's User-Agent) must encode
 * as JSON: every byte that does not begin a valid sequence becomes U+FFFD,
 * and the copy ends on a character boundary within size - 1 bytes. Returns
 * the length written.
 */
size_t
ucb_utf8_clean(char *dst, size_t size, const char *src, size_t len)
{
    size_t                n, used, i;
    const char           *put;
    const unsigned char  *s;

    s = (const unsigned char *) src;
    used = 0;

    for (i = 0; i < len && s[i] != '\0'; i += n ? n : 1) {
        n = ucb_utf8_char(s + i, len - i);
        put = n ? src + i : "\xef\xbf\xbd";

        if (used + (n ? n : 3) + 1 > size) {
            break;
        }

        memcpy(dst + used, put, n ? n : 3);
        used += n ? n : 3;
    }

    if (size > 0) {
        dst[used] = '\0';
    }

    return used;
}


/* A dictionary name: 1..64 of [a-z0-9_.-]. */
int
ucb_valid_dict_name(const char *s)
{
    size_t  i, n;

    n = strlen(s);

    if (n == 0 || n > 64) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '_' || s[i] == '-' || s[i] == '.'))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * Whether an If-None-Match value names etag: "*", or a comma-separated
 * list of entity tags compared whole (a weak W/ one weakly).
 */
int
ucb_etag_list_has(const char *list, const char *etag)
{
    size_t       len, n;
    const char  *p, *end;

    len = strlen(etag);
    p = list;

    while (*p != '\0') {
        p += strspn(p, " \t,");

        if (*p == '*') {
            return 1;
        }

        if (p[0] == 'W' && p[1] == '/') {
            p += 2;
        }

        end = strchr(p, ',');
        n = end != NULL ? (size_t) (end - p) : strlen(p);

        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
            n--;
        }

        if (len > 0 && n == len && memcmp(p, etag, len) == 0) {
            return 1;
        }

        if (end == NULL) {
            break;
        }

        p = end + 1;
    }

    return 0;
}


/* a host name of lowercase labels; *len its length, up to ':' '/' or end */
static int
valid_host(const char *s, size_t *len)
{
    size_t  i, label;

    label = 0;

    for (i = 0; s[i] != '\0' && s[i] != ':' && s[i] != '/'; i++) {
        if (s[i] == '.') {
            if (label == 0 || s[i - 1] == '-') {
                return 0;
            }
            label = 0;
            continue;
        }

        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || (s[i] == '-' && label > 0)))
        {
            return 0;
        }

        if (++label > 63) {
            return 0;
        }
    }

    *len = i;

    return i > 0 && i <= 253 && label > 0 && s[i - 1] != '-';
}


/*
 * A return URL as a business line's allow-list holds it: https (http only
 * to a loopback host), a lowercase host, an optional port, and an absolute
 * path without "..", query, fragment, backslash, space or control
 * character. Redirects compare the whole string, so one form per URL.
 */
int
ucb_valid_return_url(const char *s)
{
    int          tls;
    long         port;
    size_t       n, host, digits;
    const char  *p, *h, *last;

    n = strlen(s);

    if (n > UCB_RETURN_URL_MAX) {
        return 0;
    }

    tls = strncmp(s, "https://", 8) == 0;

    if (!tls && strncmp(s, "http://", 7) != 0) {
        return 0;
    }

    h = s + (tls ? 8 : 7);

    if (!valid_host(h, &host)) {
        return 0;
    }

    /* plain http only to this machine, by its exact name */
    if (!tls && !((host == 9 && strncmp(h, "localhost", 9) == 0)
                  || (host == 9 && strncmp(h, "127.0.0.1", 9) == 0)))
    {
        return 0;
    }

    /*
     * No address for a host but 127.0.0.1: a name's last label is never
     * all digits, and browsers read 2130706433 or 0x7f.1 as an address.
     */
    for (last = h + host; last > h && last[-1] != '.'; last--) {
        /* void */
    }

    if (strspn(last, "0123456789") >= (size_t) (h + host - last)
        && !(host == 9 && !tls))
    {
        return 0;
    }

    p = h + host;

    if (*p == ':') {
        digits = strspn(p + 1, "0123456789");

        if (digits == 0 || digits > 5 || p[1] == '0') {
            return 0;
        }

        port = strtol(p + 1, NULL, 10);

        /* the default port is written without it: one form per URL */
        if (port > 65535 || port == (tls ? 443 : 80)) {
            return 0;
        }

        p += 1 + digits;
    }

    if (*p != '/') {
        return 0;
    }

    if (strstr(p, "/../") != NULL || strstr(p, "/./") != NULL
        || (n >= 3 && strcmp(s + n - 3, "/..") == 0)
        || (n >= 2 && strcmp(s + n - 2, "/.") == 0) || strstr(p, "//"))
    {
        return 0;
    }

    for ( ; *p != '\0'; p++) {
        if ((unsigned char) *p <= ' ' || *p == 0x7f || *p == '?'
            || *p == '#' || *p == '\\')
        {
            return 0;
        }

        /* an encoded dot, slash or backslash: ".." and "//" in disguise */
        if (*p == '%' && p[1] != '\0'
            && ((p[1] == '2' && (p[2] == 'e' || p[2] == 'E' || p[2] == 'f'
                                 || p[2] == 'F'))
                || (p[1] == '5' && (p[2] == 'c' || p[2] == 'C'))))
        {
            return 0;
        }
    }

    return 1;
}


/* "" or a domain for Set-Cookie: lowercase labels, an optional leading
   dot */
int
ucb_valid_cookie_domain(const char *s)
{
    size_t  len;

    if (*s == '\0') {
        return 1;
    }

    if (*s == '.') {
        s++;
    }

    return valid_host(s, &len) && s[len] == '\0' && strchr(s, '.') != NULL;
}


/* "phone" or "email" with the value as stored (e-mail lower-cased), or
   NULL when it is neither */
const char *
ucb_login_kind(const char *login, char *norm, size_t size)
{
    size_t  i;

    if (strlen(login) >= size) {
        return NULL;
    }

    if (ucb_valid_phone(login)) {
        strcpy(norm, login);
        return "phone";
    }

    for (i = 0; login[i] != '\0'; i++) {
        norm[i] = (char) tolower((unsigned char) login[i]);
    }

    norm[i] = '\0';

    return ucb_valid_email(norm) ? "email" : NULL;
}


/*
 * An id as the store writes it: a positive 64-bit number in decimal, no
 * sign, no leading zero. "0123" would find user 123 in the store (a
 * number) but name another key in Redis (a string); a number beyond 64
 * bits is an error in PostgreSQL, not an unknown id.
 */
int
ucb_id_canonical(const char *s)
{
    size_t  n;

    n = strlen(s);

    return n > 0 && n <= 19 && s[0] != '0' && strspn(s, "0123456789") == n
           && (n < 19 || strcmp(s, "9223372036854775807") <= 0);
}
