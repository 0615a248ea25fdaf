/*
 * uc-backend: division names that correct readings of addresses and
 * issuing authorities (places.c tells how).
 */

#ifndef UCB_OCR_PLACES_H
#define UCB_OCR_PLACES_H

#include <stddef.h>


typedef struct ucb_places_s  ucb_places_t;

ucb_places_t *ucb_places_create(void);
void ucb_places_free(ucb_places_t *p);

/* one GB/T 2260 row: 浙江省, 杭州市 (or 市辖区, 县, ""), 西湖区 */
int ucb_places_add(ucb_places_t *p, const char *province,
    const char *prefecture, const char *county);

/* 1 when text (UTF-8, size bytes) was corrected in place, else 0 */
int ucb_places_fix_address(const ucb_places_t *p, char *text, size_t size);
int ucb_places_fix_authority(const ucb_places_t *p, char *text,
    size_t size);

/* UTF-8 into code points (at most max); their edit distance */
int ucb_utf8_decode(const char *s, unsigned *cp, int max);
int ucb_cp_distance(const unsigned *a, int na, const unsigned *b, int nb);

#endif /* UCB_OCR_PLACES_H */
