/*
 * The ceiling for password logins: how many argon2id hashes per second
 * this machine computes with the backend's parameters on THREADS threads.
 *
 *   argon2rate T_COST M_KIB THREADS SECONDS
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <argon2.h>


static unsigned  t_cost, m_kib;
static double    seconds;
static long      done[64];


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void *
work(void *arg)
{
    long           i = (long) arg;
    char           out[192];
    double         end;
    unsigned char  salt[16] = "0123456789abcdef";

    end = now() + seconds;

    while (now() < end) {
        if (argon2id_hash_encoded(t_cost, m_kib, 1, "bench-password-1", 16,
                                  salt, sizeof(salt), 32, out, sizeof(out))
            != ARGON2_OK)
        {
            exit(1);
        }

        done[i]++;
    }

    return NULL;
}


int
main(int argc, char **argv)
{
    long       i, n, total;
    pthread_t  th[64];

    if (argc != 5) {
        fprintf(stderr, "usage: argon2rate T_COST M_KIB THREADS SECONDS\n");
        return 2;
    }

    t_cost = (unsigned) atoi(argv[1]);
    m_kib = (unsigned) atoi(argv[2]);
    n = atol(argv[3]);
    seconds = atof(argv[4]);

    if (n < 1 || n > 64) {
        return 2;
    }

    for (i = 0; i < n; i++) {
        pthread_create(&th[i], NULL, work, (void *) i);
    }

    total = 0;

    for (i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        total += done[i];
    }

    printf("%.1f\n", total / seconds);

    return 0;
}
