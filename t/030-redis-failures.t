# Redis unreachable, refusing, slow, far away in another database, or
# answering with a very large record. repeat_each(1): several blocks change
# Redis's state once in --- init and check that one moment.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;
use IO::Socket::INET;

repeat_each(1);
no_shuffle();

our $Valid = new_session(user => 42, level => 2, line => 'mall');
our $ValidSid = sid_of($Valid);

# a record of about 300 KB: the business line list of a very wide SSO grant
our $Wide = new_session(user => 51, level => 2);
{
    my $file = "$ENV{TEST_NGINX_WORK}/wide-lines";
    open my $fh, '>', $file or die $!;
    print $fh join(',', map { "line$_" } 1 .. 30000), ",mall";
    close $fh;
    system("redis-cli -p $ENV{TEST_NGINX_REDIS_PORT} -x HSET "
           . session_key($Wide) . " bl < $file > /dev/null") == 0 or die;
}

# a session stored in database 3
our $InDb3 = ucctl('--db', '3', 'session', 'create', '--user', '52');

our $Down = '127.0.0.1:1';

# A listener that never accepts or reads, its queue filled: a hung Redis.
# (On loopback the kernel still completes the handshake, so this is the
# command timeout; a connect that never completes needs a dropped SYN.)
our @Stuck;
our $Listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Listen => 0, Proto => 'tcp') or die $!;
our $StuckPort = $Listener->sockport;
for (1 .. 4) {
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $StuckPort, Blocking => 0);
    push @Stuck, $c if $c;
}
our $Unavailable = qq{{"error":{"code":"session_store_unavailable","message":"sessions cannot be checked right now, try again shortly"}}\n};

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(request => "GET /p") unless defined $block->request;
});

plan tests => 3 * blocks() + blocks('response_headers') + 3;


run_tests();

__DATA__

=== TEST 1: Redis down, closed (the default): 503 with Retry-After
--- http_config eval: UcConfig::uc_http_config(redis => $::Down)
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- more_headers eval
"Authorization: Bearer $::Valid"
--- error_code: 503
--- response_headers
Retry-After: 1
--- response_body eval: $::Unavailable
--- error_log
usercenter redis: connect to 127.0.0.1 failed



=== TEST 2: Redis down, open: through, marked degraded, without a user id
--- http_config eval: UcConfig::uc_http_config(redis => $::Down)
--- config
    location /p {
        usercenter_auth required;
        usercenter_on_redis_error open;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body eval
"uid= lvl= bl= mid= sid=$::ValidSid deg=redis\n"
--- no_error_log
[alert]



=== TEST 3: Redis down does not matter to anonymous requests on optional locations
--- http_config eval: UcConfig::uc_http_config(redis => $::Down)
--- config
    location /p {
        usercenter_auth optional;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- response_body
uid= lvl= bl= mid= sid= deg=
--- no_error_log
[error]



=== TEST 4: Redis slow (CLIENT PAUSE): the command times out, 503
--- http_config eval: UcConfig::uc_http_config(redis_opts => 'timeout=200ms')
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- init
UcTest::redis_cli('CLIENT', 'PAUSE', '700', 'ALL');
--- more_headers eval
"Authorization: Bearer $::Valid"
--- error_code: 503
--- response_body eval: $::Unavailable
--- error_log
usercenter redis: command timed out



=== TEST 5: ... and recovers once Redis answers again
--- init
# Redis executes this only when the pause is over; then the gateway's
# backoff (at most 2 s) must end and its next command succeed.
UcTest::redis_cli('PING');
my $ok = UcTest::wait_until(sub {
    (UcTest::http_get(1, '/p', "Authorization: Bearer $::Valid\r\n"))[0] == 200
}, 200);
Test::More::ok($ok, "gateway answered 200 again after Redis came back");
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body eval
"uid=42 lvl=2 bl= mid= sid=$::ValidSid deg=\n"
--- no_error_log
[alert]



=== TEST 6: a 300 KB record is read whole (edge-triggered read drain)
--- http_config eval: UcConfig::uc_http_config()
--- config
    location /p {
        usercenter_auth required;
        usercenter_business_line mall;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- more_headers eval
"Authorization: Bearer $::Wide"
--- response_body eval
"uid=51 lvl=2 bl=mall mid= sid=" . UcTest::sid_of($::Wide) . " deg=\n"
--- no_error_log
[error]



=== TEST 7: db=3 selects the database before the first command
--- http_config eval: UcConfig::uc_http_config(redis_opts => 'db=3')
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- more_headers eval
"Authorization: Bearer $::InDb3"
--- response_body eval
"uid=52 lvl=1 bl= mid= sid=" . UcTest::sid_of($::InDb3) . " deg=\n"
--- no_error_log
[error]



=== TEST 8: the same session is unknown in database 0
--- http_config eval: UcConfig::uc_http_config()
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- more_headers eval
"Authorization: Bearer $::InDb3"
--- error_code: 401
--- response_body_like: invalid_session
--- no_error_log
[error]



=== TEST 9: a wrong password: the handshake is refused, 503, logged without the password
--- http_config eval: UcConfig::uc_http_config(redis_opts => 'password=wrong-pw')
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- more_headers eval
"Authorization: Bearer $::Valid"
--- error_code: 503
--- response_body eval: $::Unavailable
--- error_log
usercenter redis: handshake refused



=== TEST 10: the password is sent with AUTH when Redis requires one
--- http_config eval: UcConfig::uc_http_config(redis_opts => 'password=s3cret-pw')
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- init
UcTest::redis_cli('CONFIG', 'SET', 'requirepass', 's3cret-pw');
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body eval
"uid=42 lvl=2 bl= mid= sid=$::ValidSid deg=\n"
--- no_error_log
[error]



=== TEST 11: (cleanup) Redis without a password again
--- http_config eval: UcConfig::uc_http_config()
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- init
UcTest::redis_cli('-a', 's3cret-pw', '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '');
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body eval
"uid=42 lvl=2 bl= mid= sid=$::ValidSid deg=\n"
--- no_error_log
[error]



=== TEST 12: Redis closes the connection: the worker reconnects on the next request
--- http_config eval: UcConfig::uc_http_config()
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- init
my $log = "$ENV{TEST_NGINX_SERVROOT}/logs/error.log";
my $count = sub {
    my $pat = shift;
    open my $fh, '<', $log or return 0;
    return scalar grep { index($_, $pat) >= 0 } <$fh>;
};
my @c = UcTest::http_get(1, '/p', "Authorization: Bearer $::Valid\r\n");
Test::More::is($c[0], 200, 'connected and answered');
UcTest::redis_cli('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
Test::More::ok(UcTest::wait_until(sub {
    $count->('usercenter redis: connection closed') >= 1 }),
    'the worker saw Redis close the connection');
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body eval
"uid=42 lvl=2 bl= mid= sid=$::ValidSid deg=\n"
--- error_log
usercenter redis: ready -> idle on closed



=== TEST 13: a server that accepts but never answers (a hung Redis): timeout, 503
--- http_config eval
UcConfig::uc_http_config(redis => "127.0.0.1:$::StuckPort",
                         redis_opts => 'connect_timeout=200ms')
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- more_headers eval
"Authorization: Bearer $::Valid"
--- error_code: 503
--- response_body eval: $::Unavailable
--- error_log
usercenter redis: command timed out
