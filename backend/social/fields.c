/*
 * uc-backend: what a provider's answer carries, read the one way for
 * WeChat and Alipay alike: ids (codes, openids, unionids, user ids,
 * tokens) only of [A-Za-z0-9_-] and within their size, and a profile
 * (nickname, avatar) made safe to keep and show.
 */

#include <string.h>

#include "social.h"


static const char  id_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";


int
ucb_social_id_valid(const char *s, size_t max)
{
    size_t  n;

    n = strlen(s);

    return n > 0 && n <= max && strspn(s, id_chars) == n;
}


int
ucb_social_copy_id(json_t *j, const char *field, char *dst, size_t size)
{
    json_t  *v;

    dst[0] = '\0';
    v = json_object_get(j, field);

    if (v == NULL || json_is_null(v)
        || (json_is_string(v) && json_string_length(v) == 0))
    {
        return 0;
    }

    if (!json_is_string(v)
        || !ucb_social_id_valid(json_string_value(v), size - 1))
    {
        return -1;
    }

    strcpy(dst, json_string_value(v));

    return 0;
}


void
ucb_social_copy_profile(json_t *j, const char *nick_field,
    const char *avatar_field, ucb_social_identity_t *id)
{
    char        *p;
    const char  *s;

    s = json_string_value(json_object_get(j, nick_field));

    if (s != NULL) {
        ucb_utf8_clean(id->nickname, sizeof(id->nickname), s, strlen(s));

        for (p = id->nickname; *p != '\0'; p++) {
            if ((unsigned char) *p < 0x20 || *p == 0x7f) {
                *p = ' ';
            }
        }
    }

    s = json_string_value(json_object_get(j, avatar_field));

    if (s != NULL && strncmp(s, "https://", 8) == 0
        && strlen(s) < sizeof(id->avatar)
        && strpbrk(s, " \t\r\n\"'<>\\") == NULL
        && ucb_valid_utf8(s, strlen(s)))
    {
        strcpy(id->avatar, s);
    }
}
