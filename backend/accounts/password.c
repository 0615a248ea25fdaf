/*
 * uc-backend: passwords with argon2id (libargon2). The encoded hash keeps
 * its own parameters, so a change of cost re-hashes at the next login.
 *
 * Each run holds argon2_m_kib of memory (19 MiB by default) and every
 * connection has a thread, so a burst of logins would need memory in
 * proportion to the burst. At most hash_slots runs go at once (one per
 * core by default: more would not finish sooner); a caller waits for a
 * slot up to hash_wait_ms and is then told the service is busy (503 with
 * Retry-After).
 */

#include <errno.h>
#include <malloc.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "ucb.h"


#define SALT_LEN  16
#define HASH_LEN  32


static sem_t  slots;


int
ucb_password_start(void)
{
    long  n;

    n = ucb_conf.hash_slots;

    if (n == 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1) {
            n = 1;
        }
    }

    /*
     * Where the runs' memory comes from: a heap per malloc arena, reused
     * run after run (mapping it fresh each time costs a fault per page, a
     * quarter of a login). As many arenas as slots bounds what the heaps
     * keep to a few runs' worth, whatever the number of threads.
     */
    if (mallopt(M_ARENA_MAX, (int) n) != 1) {
        return -1;
    }

    return sem_init(&slots, 0, (unsigned) n);
}


static int
slot_take(void)
{
    struct timespec  until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ucb_conf.hash_wait_ms / 1000;
    until.tv_nsec += (long) (ucb_conf.hash_wait_ms % 1000) * 1000000L;

    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }

    while (sem_timedwait(&slots, &until) != 0) {
        if (errno != EINTR) {
            return UCB_BUSY;
        }
    }

    return 0;
}


int
ucb_password_hash(const char *password, char *out, size_t outlen)
{
    int            rc;
    unsigned char  salt[SALT_LEN];

    if (RAND_bytes(salt, sizeof(salt)) != 1) {
        return -1;
    }

    if (slot_take() != 0) {
        return UCB_BUSY;
    }

    rc = argon2id_hash_encoded(ucb_conf.argon2_t, ucb_conf.argon2_m_kib,
                               ucb_conf.argon2_p, password, strlen(password),
                               salt, sizeof(salt), HASH_LEN, out, outlen);
    sem_post(&slots);

    return rc == ARGON2_OK ? 0 : -1;
}


/* 1 when it matches (libargon2 compares in constant time). */
int
ucb_password_verify(const char *encoded, const char *password)
{
    int  rc;

    if (encoded[0] == '\0') {
        return 0;
    }

    if (slot_take() != 0) {
        return UCB_BUSY;
    }

    rc = argon2id_verify(encoded, password, strlen(password));
    sem_post(&slots);

    return rc == ARGON2_OK;
}


int
ucb_password_needs_rehash(const char *encoded)
{
    char  params[64];

    snprintf(params, sizeof(params), "$argon2id$v=19$m=%u,t=%u,p=%u$",
             ucb_conf.argon2_m_kib, ucb_conf.argon2_t, ucb_conf.argon2_p);

    return strncmp(encoded, params, strlen(params)) != 0;
}
