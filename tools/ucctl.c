/*
 * ucctl: the usercenter operator CLI.
 *
 *   ucctl [global options] session create --user ID [--level N]
 *         [--line NAME[,NAME...]|*] [--merchant ID] [--ttl SECONDS]
 *         [--idle SECONDS] [--count N]
 *   ucctl [global options] session show TOKEN
 *   ucctl [global options] session revoke TOKEN
 *   ucctl keys generate FILE [--kid KID]
 *   ucctl keys rotate FILE [--kid KID]
 *   ucctl [global options] dev outbox TO
 *   ucctl [global options] guard block|unblock|allow|unallow
 *         ip|domain|prefix VALUE
 *   ucctl [global options] guard list
 *   ucctl [global options] flag|dict ...   (the admin API; see ucctl_api.c)
 *
 * Global options: --redis HOST:PORT|unix:PATH (default 127.0.0.1:6379),
 * --password P, --db N, --prefix P (default uc:), --secret FILE, and
 * --api URL and --token TOKEN (the admin API, through the gateway), and
 * --config FILE with "name = value" lines for the same names.
 *
 * Sessions are written exactly as the gateway reads them (libuc).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "uc_config.h"
#include "uc_schema.h"
#include "uc_token.h"
#include "ucctl.h"


#define UCCTL_PIPELINE  512




typedef struct {
    const char     *user;
    const char     *lines;
    const char     *merchant;
    long            level;
    long            ttl;
    long            idle;
    long            count;
} ucctl_session_opts_t;




void
die(const char *fmt, ...)
{
    va_list  ap;

    fputs("ucctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);

    exit(1);
}


static void
usage(void)
{
    fputs(
"usage: ucctl [--redis HOST:PORT|unix:PATH] [--password P] [--db N]\n"
"             [--prefix P] [--secret FILE] [--config FILE] COMMAND\n"
"\n"
"commands:\n"
"  session create --user ID [--level 0-4] [--line NAME[,NAME...]|*]\n"
"                 [--merchant ID] [--ttl SECONDS] [--idle SECONDS]\n"
"                 [--count N]          prints one token per line\n"
"  session show TOKEN\n"
"  session revoke TOKEN\n"
"  keys generate FILE [--kid KID]      new key file (mode 600)\n"
"  keys rotate FILE [--kid KID]        new signing key, keeps the previous\n"
"  dev outbox TO                       messages the dev sender sent to TO\n"
"  guard block|unblock ip|domain|prefix VALUE\n"
"  guard allow|unallow ip VALUE        the registration guard's lists\n"
  "  guard list\n"
"  flag list LINE                      feature flags (admin API: --api URL\n"
"  flag set LINE NAME [--on|--off] [--percent P] [--min-level N]\n"
"           [--users ID,..] [--deny-users ID,..] [--merchants ID,..]\n"
"           [--deny-merchants ID,..]    --token TOKEN)\n"
"  flag delete LINE NAME\n"
"  dict list | dict get NAME           dictionaries (admin API)\n"
"  dict set NAME FILE|-                {\"items\": [...]} replaces NAME\n"
"  dict put NAME CODE LABEL [--sort N] one item\n"
"  dict delete NAME CODE\n"
"  line list | line get CODE           business lines (admin API)\n"
"  line set CODE --name NAME [--return-url URL]... [--cookie-domain D]\n"
"           [--idle-timeout S] [--max-lifetime S] [--settings FILE]\n"
"  line suspend|resume CODE            gateways refuse it within 1 s\n"
"  line audit CODE                     its changes, before and after\n"
"  merchant list [STATUS] | get ID | audit ID     merchants (admin API)\n"
"  merchant approve|freeze|close ID [--reason TEXT]\n"
"  merchant line ID LINE active|suspended|off\n"
"  cert list [pending|certified|rejected]       merchants' certification\n"
"  cert approve SERIAL | reject SERIAL --reason TEXT\n"
"  cert clear-attempts ID_NUMBER [--user ID]   a number's day of attempts\n"
"  store copy sqlite:FILE postgresql://URI\n"
"                                      a stopped SQLite store into a new\n"
"                                      PostgreSQL database, verified\n",
        stderr);

    exit(2);
}


static long
parse_long(const char *name, const char *s, long min, long max)
{
    long   v;
    char  *end;

    errno = 0;
    v = strtol(s, &end, 10);

    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        die("%s must be a number from %ld to %ld", name, min, max);
    }

    return v;
}


static void
copy_opt(char *dst, size_t size, const char *name, const char *value)
{
    if (strlen(value) >= size) {
        die("%s is too long", name);
    }

    strcpy(dst, value);
}


static void
set_conf(ucctl_conf_t *conf, const char *name, const char *value)
{
    if (strcmp(name, "redis") == 0) {
        copy_opt(conf->redis, sizeof(conf->redis), name, value);

    } else if (strcmp(name, "password") == 0) {
        copy_opt(conf->password, sizeof(conf->password), name, value);

    } else if (strcmp(name, "db") == 0) {
        conf->db = parse_long("db", value, 0, 65535);

    } else if (strcmp(name, "prefix") == 0) {
        if (!uc_prefix_valid(value, strlen(value))) {
            die("prefix: 1 to %d printable characters without braces",
                UC_PREFIX_MAX);
        }

        copy_opt(conf->prefix, sizeof(conf->prefix), name, value);

    } else if (strcmp(name, "secret") == 0) {
        copy_opt(conf->secret, sizeof(conf->secret), name, value);

    } else if (strcmp(name, "api") == 0) {
        copy_opt(conf->api, sizeof(conf->api), name, value);

    } else if (strcmp(name, "token") == 0) {
        copy_opt(conf->token, sizeof(conf->token), name, value);

    } else {
        die("unknown setting \"%s\"", name);
    }
}


static void
read_config(ucctl_conf_t *conf, const char *path)
{
    int      rc;
    FILE    *f;
    char     line[1024], *name, *value;
    size_t   lineno;

    f = fopen(path, "r");
    if (f == NULL) {
        die("cannot open %s: %s", path, strerror(errno));
    }

    lineno = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        lineno++;

        rc = uc_config_split(line, &name, &value);

        if (rc == 0) {
            continue;
        }

        if (rc < 0) {
            die("%s:%zu: expected \"name = value\"", path, lineno);
        }

        set_conf(conf, name, value);
    }

    fclose(f);
}


static redisContext *
redis_connect(const ucctl_conf_t *conf)
{
    char            host[256], *colon;
    long            port;
    redisReply     *reply;
    redisContext   *rc;
    struct timeval  tv = { 5, 0 };

    if (strncmp(conf->redis, "unix:", 5) == 0) {
        rc = redisConnectUnixWithTimeout(conf->redis + 5, tv);

    } else {
        copy_opt(host, sizeof(host), "redis", conf->redis);

        colon = strrchr(host, ':');
        if (colon == NULL) {
            die("--redis takes HOST:PORT or unix:PATH");
        }

        *colon = '\0';
        port = parse_long("redis port", colon + 1, 1, 65535);

        if (host[0] == '[') {
            memmove(host, host + 1, strlen(host));
            host[strlen(host) - 1] = '\0';
        }

        rc = redisConnectWithTimeout(host, (int) port, tv);
    }

    if (rc == NULL || rc->err) {
        die("cannot connect to redis at %s: %s", conf->redis,
            rc ? rc->errstr : "out of memory");
    }

    if (conf->password[0] != '\0') {
        reply = redisCommand(rc, "AUTH %s", conf->password);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            die("redis AUTH failed: %s", reply ? reply->str : rc->errstr);
        }
        freeReplyObject(reply);
    }

    if (conf->db > 0) {
        reply = redisCommand(rc, "SELECT %ld", conf->db);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            die("redis SELECT failed: %s", reply ? reply->str : rc->errstr);
        }
        freeReplyObject(reply);
    }

    return rc;
}


static void
load_keys(const ucctl_conf_t *conf, uc_keyring_t *ring)
{
    char  err[256];

    if (conf->secret[0] == '\0') {
        die("no key file: pass --secret FILE");
    }

    if (uc_keyring_load(ring, conf->secret, err, sizeof(err)) != 0) {
        die("%s", err);
    }
}


static int
valid_lines(const char *lines)
{
    const char  *p, *comma;

    if (strcmp(lines, "*") == 0) {
        return 1;
    }

    for (p = lines; ; p = comma + 1) {
        comma = strchr(p, ',');

        if (!uc_line_valid(p, comma ? (size_t) (comma - p) : strlen(p))) {
            return 0;
        }

        if (comma == NULL) {
            return 1;
        }
    }
}


static int
valid_token_chars(const char *s, size_t max, int digits_only)
{
    size_t  i, len;

    len = strlen(s);
    if (len > max) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            continue;
        }

        if (digits_only) {
            return 0;
        }

        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || s[i] == '_' || s[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


static void
read_replies(redisContext *rc, long n)
{
    void        *r;
    redisReply  *reply;

    while (n-- > 0) {
        if (redisGetReply(rc, &r) != REDIS_OK) {
            die("redis: %s", rc->errstr);
        }

        reply = r;

        if (reply->type == REDIS_REPLY_ERROR) {
            die("redis: %s", reply->str);
        }

        freeReplyObject(reply);
    }
}


/*
 * Per session: the device index first, then the record in one MULTI, so
 * that a session that validates is always listed for "log out everywhere".
 */
static void
session_create(const ucctl_conf_t *conf, const ucctl_session_opts_t *o)
{
    int               argc;
    char              token[UC_TOKEN_MAX + 1], sid[UC_SID_LEN + 1];
    char              index[UC_KEY_MAX], exp_ms[24], idle_ms[24];
    long              i, queued;
    time_t            now;
    redisContext     *rc;
    uc_keyring_t      ring;
    uc_session_buf_t  buf;
    const char       *argv[UC_SESSION_HSET_ARGC];
    size_t            lens[UC_SESSION_HSET_ARGC];

    load_keys(conf, &ring);
    rc = redis_connect(conf);

    now = time(NULL);

    snprintf(exp_ms, sizeof(exp_ms), "%lld",
             ((long long) now + o->ttl) * 1000);
    snprintf(idle_ms, sizeof(idle_ms), "%lld", (long long) o->idle * 1000);

    uc_key_user_sessions(index, conf->prefix, strlen(conf->prefix), o->user,
                         strlen(o->user));

    queued = 0;

    for (i = 0; i < o->count; i++) {
        if (uc_token_mint(&ring, token, sid) < 0) {
            die("cannot mint a token (no randomness?)");
        }

        argc = uc_session_hset_argv(&buf, conf->prefix, sid, o->user,
                                    (unsigned) o->level, o->lines,
                                    o->merchant, now, o->ttl, o->idle,
                                    argv, lens);

        redisAppendCommand(rc, "ZADD %s %s %s", index, exp_ms, sid);
        redisAppendCommand(rc, "MULTI");
        redisAppendCommandArgv(rc, argc, argv, lens);
        redisAppendCommand(rc, "PEXPIRE %s %s", buf.key, idle_ms);
        redisAppendCommand(rc, "EXEC");
        queued += 5;

        puts(token);

        if (queued >= UCCTL_PIPELINE * 5) {
            read_replies(rc, queued);
            queued = 0;
        }
    }

    read_replies(rc, queued);

    if (fflush(stdout) != 0) {
        die("write failed: %s", strerror(errno));
    }

    redisFree(rc);
    uc_keyring_free(&ring);
}


static void
session_lookup(const ucctl_conf_t *conf, const char *token, int revoke)
{
    char           key[UC_KEY_MAX], index[UC_KEY_MAX];
    size_t         sid_len, i;
    const char    *sid;
    redisReply    *reply, *del;
    redisContext  *rc;
    uc_keyring_t   ring;
    uc_token_rc_e  trc;

    load_keys(conf, &ring);

    trc = uc_token_verify(&ring, token, strlen(token), &sid, &sid_len);
    if (trc != UC_TOKEN_OK) {
        die("%s", uc_token_strerror(trc));
    }

    rc = redis_connect(conf);
    uc_key_session(key, conf->prefix, strlen(conf->prefix), sid, sid_len);

    reply = redisCommand(rc, "HGETALL %s", key);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        die("redis: %s", reply ? reply->str : rc->errstr);
    }

    if (reply->elements == 0) {
        die("no such session (revoked or expired)");
    }

    if (!revoke) {
        printf("session %.*s\n", (int) sid_len, sid);

        for (i = 0; i + 1 < reply->elements; i += 2) {
            printf("%s = %s\n", reply->element[i]->str,
                   reply->element[i + 1]->str);
        }

    } else {
        del = redisCommand(rc, "DEL %s", key);
        if (del == NULL || del->type == REDIS_REPLY_ERROR) {
            die("redis: %s", del ? del->str : rc->errstr);
        }
        freeReplyObject(del);

        for (i = 0; i + 1 < reply->elements; i += 2) {
            if (strcmp(reply->element[i]->str, "uid") == 0) {
                uc_key_user_sessions(index, conf->prefix,
                                     strlen(conf->prefix),
                                     reply->element[i + 1]->str,
                                     reply->element[i + 1]->len);

                del = redisCommand(rc, "ZREM %s %b", index, sid, sid_len);
                if (del != NULL) {
                    freeReplyObject(del);
                }
            }
        }

        printf("revoked %.*s\n", (int) sid_len, sid);
    }

    freeReplyObject(reply);
    redisFree(rc);
    uc_keyring_free(&ring);
}


/* What the backend's development sender "sent" to an address. */
static void
dev_outbox(const ucctl_conf_t *conf, const char *to)
{
    char           key[512];
    size_t         i;
    redisReply    *r;
    redisContext  *rc;

    rc = redis_connect(conf);
    snprintf(key, sizeof(key), "%sdev:outbox:%s", conf->prefix, to);

    r = redisCommand(rc, "LRANGE %s 0 -1", key);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        die("redis: %s", r ? r->str : rc->errstr);
    }

    for (i = 0; i < r->elements; i++) {
        puts(r->element[i]->str);
    }

    freeReplyObject(r);
    redisFree(rc);
}


/* The registration guard's lists: Redis sets under <prefix>{guard}:. */
static void
guard_command(const ucctl_conf_t *conf, int argc, char **argv)
{
    char           key[256];
    size_t         i, k;
    const char    *op, *list, *value;
    redisReply    *r;
    redisContext  *rc;
    static const char  *lists[] = { "block:ip", "block:domain",
                                    "block:prefix", "allow:ip" };

    rc = redis_connect(conf);

    if (argc == 1 && strcmp(argv[0], "list") == 0) {
        for (k = 0; k < 4; k++) {
            snprintf(key, sizeof(key), "%s{guard}:%s", conf->prefix,
                     lists[k]);
            r = redisCommand(rc, "SMEMBERS %s", key);
            if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
                die("redis: %s", r ? r->str : rc->errstr);
            }

            for (i = 0; i < r->elements; i++) {
                printf("%s %s\n", lists[k], r->element[i]->str);
            }

            freeReplyObject(r);
        }

        redisFree(rc);
        return;
    }

    if (argc != 3) {
        usage();
    }

    op = argv[0];
    list = argv[1];
    value = argv[2];

    if ((strcmp(op, "allow") == 0 || strcmp(op, "unallow") == 0)
        && strcmp(list, "ip") != 0)
    {
        die("only addresses can be allow-listed");
    }

    if (strcmp(list, "ip") != 0 && strcmp(list, "domain") != 0
        && strcmp(list, "prefix") != 0)
    {
        usage();
    }

    if (strlen(value) == 0 || strlen(value) > 128
        || strpbrk(value, " \t\r\n") != NULL)
    {
        die("a value of 1 to 128 characters without spaces");
    }

    snprintf(key, sizeof(key), "%s{guard}:%s:%s", conf->prefix,
             op[0] == 'a' || strcmp(op, "unallow") == 0 ? "allow" : "block",
             list);

    if (strcmp(op, "block") == 0 || strcmp(op, "allow") == 0) {
        r = redisCommand(rc, "SADD %s %s", key, value);
    } else if (strcmp(op, "unblock") == 0 || strcmp(op, "unallow") == 0) {
        r = redisCommand(rc, "SREM %s %s", key, value);
    } else {
        usage();
    }

    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        die("redis: %s", r ? r->str : rc->errstr);
    }

    printf("%s %s %s\n", op, list, value);

    freeReplyObject(r);
    redisFree(rc);
}


static void
write_key_line(FILE *f, const char *kid)
{
    size_t          i;
    unsigned char   secret[32];

    if (RAND_bytes(secret, sizeof(secret)) != 1) {
        die("no randomness");
    }

    fprintf(f, "%s ", kid);

    for (i = 0; i < sizeof(secret); i++) {
        fprintf(f, "%02x", secret[i]);
    }

    fputc('\n', f);
    OPENSSL_cleanse(secret, sizeof(secret));
}


/*
 * rotate: the new key goes first (it signs from now on) and the previous
 * signing key stays to verify the sessions it signed; older keys go.
 */
static void
keys_write(const char *path, const char *kid, int rotate)
{
    int            fd;
    char           tmp[1100], err[256], line[300];
    FILE          *f, *old;
    uc_keyring_t   ring;

    if (kid != NULL && (strlen(kid) == 0 || strlen(kid) > UC_KID_MAX
                        || !valid_token_chars(kid, UC_KID_MAX, 0)))
    {
        die("--kid: 1 to %d of [A-Za-z0-9_-]", UC_KID_MAX);
    }

    if (rotate) {
        if (uc_keyring_load(&ring, path, err, sizeof(err)) != 0) {
            die("%s", err);
        }

        if (kid != NULL && strcmp(ring.keys[0].kid, kid) == 0) {
            die("kid \"%s\" is the current key", kid);
        }

        uc_keyring_free(&ring);

    } else if (access(path, F_OK) == 0) {
        die("%s exists; use \"keys rotate\" to add a key", path);
    }

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
        die("cannot create %s: %s", tmp, strerror(errno));
    }

    fputs("# usercenter session keys: \"<kid> <hex secret>\".\n"
          "# The first key signs new tokens; every key verifies.\n", f);

    if (kid == NULL) {
        snprintf(line, sizeof(line), "k%lld", (long long) time(NULL));
        kid = line;
    }

    write_key_line(f, kid);

    if (rotate) {
        old = fopen(path, "r");
        if (old == NULL) {
            die("cannot read %s: %s", path, strerror(errno));
        }

        while (fgets(line, sizeof(line), old) != NULL) {
            if (line[0] != '#' && line[0] != '\n') {
                fputs(line, f);     /* the previous signing key only */
                break;
            }
        }

        fclose(old);
    }

    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        die("cannot write %s: %s", path, strerror(errno));
    }

    printf("%s %s\n", rotate ? "rotated" : "wrote", path);
}


int
main(int argc, char **argv)
{
    int                    i;
    const char            *kid;
    ucctl_conf_t           conf;
    ucctl_session_opts_t   o;

    memset(&conf, 0, sizeof(conf));
    strcpy(conf.redis, "127.0.0.1:6379");
    strcpy(conf.prefix, UC_PREFIX_DEFAULT);

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (i + 1 >= argc) {
            usage();
        }

        if (strcmp(argv[i], "--config") == 0) {
            read_config(&conf, argv[i + 1]);

        } else {
            set_conf(&conf, argv[i] + 2, argv[i + 1]);
        }
    }

    if (i + 1 >= argc) {
        usage();
    }

    if (strcmp(argv[i], "keys") == 0
        && (strcmp(argv[i + 1], "generate") == 0
            || strcmp(argv[i + 1], "rotate") == 0))
    {
        if (i + 2 >= argc) {
            usage();
        }

        kid = NULL;

        if (i + 3 < argc) {
            if (strcmp(argv[i + 3], "--kid") != 0 || i + 5 != argc) {
                usage();
            }

            kid = argv[i + 4];
        }

        keys_write(argv[i + 2], kid, argv[i + 1][0] == 'r');
        return 0;
    }

    if (strcmp(argv[i], "dev") == 0 && strcmp(argv[i + 1], "outbox") == 0
        && i + 3 == argc)
    {
        dev_outbox(&conf, argv[i + 2]);
        return 0;
    }

    if (strcmp(argv[i], "guard") == 0) {
        guard_command(&conf, argc - i - 1, argv + i + 1);
        return 0;
    }

    if (strcmp(argv[i], "store") == 0) {
        return ucctl_store_command(argc - i - 1, argv + i + 1);
    }

    if (strcmp(argv[i], "flag") == 0 || strcmp(argv[i], "dict") == 0
        || strcmp(argv[i], "line") == 0 || strcmp(argv[i], "merchant") == 0
        || strcmp(argv[i], "cert") == 0)
    {
        if (getenv("UC_TOKEN") != NULL && conf.token[0] == '\0') {
            copy_opt(conf.token, sizeof(conf.token), "token",
                     getenv("UC_TOKEN"));
        }

        return ucctl_api_command(&conf, argc - i, argv + i);
    }

    if (strcmp(argv[i], "session") != 0) {
        usage();
    }

    if (strcmp(argv[i + 1], "show") == 0 && i + 2 < argc) {
        session_lookup(&conf, argv[i + 2], 0);
        return 0;
    }

    if (strcmp(argv[i + 1], "revoke") == 0 && i + 2 < argc) {
        session_lookup(&conf, argv[i + 2], 1);
        return 0;
    }

    if (strcmp(argv[i + 1], "create") != 0) {
        usage();
    }

    memset(&o, 0, sizeof(o));
    o.lines = "*";
    o.merchant = "";
    o.level = 1;
    o.ttl = 30L * 86400;
    o.idle = 7L * 86400;
    o.count = 1;

    for (i += 2; i < argc; i += 2) {
        if (i + 1 >= argc) {
            usage();
        }

        if (strcmp(argv[i], "--user") == 0) {
            o.user = argv[i + 1];

        } else if (strcmp(argv[i], "--level") == 0) {
            o.level = parse_long("--level", argv[i + 1], 0, UC_LEVEL_MAX);

        } else if (strcmp(argv[i], "--line") == 0) {
            o.lines = argv[i + 1];

        } else if (strcmp(argv[i], "--merchant") == 0) {
            o.merchant = argv[i + 1];

        } else if (strcmp(argv[i], "--ttl") == 0) {
            o.ttl = parse_long("--ttl", argv[i + 1], 1, 10L * 365 * 86400);

        } else if (strcmp(argv[i], "--idle") == 0) {
            o.idle = parse_long("--idle", argv[i + 1], 1, 10L * 365 * 86400);

        } else if (strcmp(argv[i], "--count") == 0) {
            o.count = parse_long("--count", argv[i + 1], 1, 10000000);

        } else {
            usage();
        }
    }

    if (o.user == NULL || o.user[0] == '\0'
        || !valid_token_chars(o.user, UC_UID_MAX, 1))
    {
        die("--user: a user id of 1 to %d digits is required", UC_UID_MAX);
    }

    if (!valid_lines(o.lines)) {
        die("--line: \"*\" or business lines of [a-z0-9_-], comma-separated");
    }

    if (!valid_token_chars(o.merchant, UC_MERCHANT_MAX, 0)) {
        die("--merchant: at most %d of [A-Za-z0-9_-]", UC_MERCHANT_MAX);
    }

    if (o.idle > o.ttl) {
        o.idle = o.ttl;
    }

    session_create(&conf, &o);

    return 0;
}
