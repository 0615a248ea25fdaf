# A Redis address whose SYN is never answered: the connect itself times out.
#
# On loopback the kernel completes every handshake, so this needs a link
# where packets go unanswered: a veth pair whose far end sits in a network
# namespace of its own with no address. Nothing answers ARP for the peer
# address, the SYN waits in the neighbour queue, and the kernel gives up
# only after about 3 s; connect_timeout=200ms fires long before that.
# The pair, the namespace and everything started here are removed in END.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(1);
no_shuffle();

our $Tag = 'ucbh' . ($$ % 100000);
our $Net = '10.251.' . ($$ % 250 + 1);
our $Near = "$Net.1";
our $Far = "$Net.2";
our ($RedisPid, $FarOnLo);
our $FarPort = $ENV{TEST_NGINX_REDIS_PORT} + 7;

sub sh {
    my $cmd = shift;
    system("$cmd 2>&1") == 0 or die "031: '$cmd' failed\n";
}

# what a killed run with the same pid may have left
system("ip link del $Tag 2>/dev/null; ip netns del $Tag 2>/dev/null");

sh("ip netns add $Tag");
sh("ip link add $Tag type veth peer name ${Tag}p");
sh("ip link set ${Tag}p netns $Tag");
sh("ip addr add $Near/30 dev $Tag");
sh("ip link set $Tag up");
sh("ip netns exec $Tag ip link set ${Tag}p up");

END {
    local $?;
    if ($RedisPid) {
        kill 'TERM', $RedisPid;
        waitpid $RedisPid, 0;
    }
    system("ip addr del $Far/32 dev lo 2>/dev/null") if $FarOnLo;
    system("ip link del $Tag 2>/dev/null");
    system("ip netns del $Tag 2>/dev/null");
}

our $Valid = new_session(user => 42, level => 2, line => 'mall');
our $ValidSid = sid_of($Valid);
our $Unavailable = qq{{"error":{"code":"session_store_unavailable","message":"sessions cannot be checked right now, try again shortly"}}\n};

# Gives the far address to this host and serves a Redis there: the
# address that never answered now does.
sub far_answers {
    sh("ip addr replace $Far/32 dev lo");
    $FarOnLo = 1;
    $RedisPid = fork // die "fork: $!";
    if ($RedisPid == 0) {
        exec 'redis-server', '--bind', $Far, '--port', $FarPort,
             '--protected-mode', 'no', '--save', '', '--appendonly', 'no',
             '--dir', $ENV{TEST_NGINX_WORK},
             '--logfile', "$ENV{TEST_NGINX_WORK}/far-redis.log";
        die "exec redis-server: $!";
    }
    UcTest::wait_until(sub {
        system("redis-cli -h $Far -p $FarPort ping >/dev/null 2>&1") == 0 })
        or die "031: redis-server on $Far:$FarPort did not start\n";
}

# The session's record, copied from the suite's Redis to the far one.
sub copy_session {
    my $key = UcTest::session_key(shift);
    my @fields = split /\n/, UcTest::redis_cli('HGETALL', $key);
    @fields or die "031: no record at $key\n";
    open my $out, '-|', 'redis-cli', '-h', $Far, '-p', $FarPort,
        'HSET', $key, @fields or die "031: redis-cli: $!\n";
    my $added = <$out> // '';
    close $out;
    $added =~ /^\d+$/ or die "031: HSET on the far Redis failed\n";
}

# Every block talks to the far address with a short connect timeout, sends
# the valid session and protects /p; blocks set only what differs.
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(request => "GET /p") unless defined $block->request;
    $block->set_value(http_config => UcConfig::uc_http_config(
                          redis => "$Far:6379",
                          redis_opts => 'connect_timeout=200ms'))
        unless defined $block->http_config;
    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
_EOC_
    $block->set_value(more_headers => "Authorization: Bearer $Valid")
        unless defined $block->more_headers;
});

# status and body per block, 8 error_log patterns, 4 checks in --- init
plan tests => 2 * blocks() + 8 + 4;

run_tests();

__DATA__

=== TEST 1: the connect times out: 503 at connect_timeout, then backoff
--- error_code: 503
--- response_body eval: $::Unavailable
--- error_log
usercenter redis: idle -> connecting on connect
usercenter redis: connect timed out
usercenter redis: connecting -> backoff on timeout
usercenter redis: timeout, retrying in 100ms



=== TEST 2: ... with usercenter_on_redis_error open the request goes through, degraded
--- config
    location /p {
        usercenter_auth required;
        usercenter_on_redis_error open;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- response_body eval
"uid= lvl= bl= mid= sid=$::ValidSid deg=redis\n"
--- error_log
usercenter redis: connect timed out



=== TEST 3: after the backoff the worker connects again, and the next backoff is longer
--- init
my @c = UcTest::http_get(1, '/p', "Authorization: Bearer $::Valid\r\n");
Test::More::is($c[0], 503, 'the first connect timed out');
Test::More::ok(UcTest::wait_until(sub {
    UcTest::error_log_has('usercenter redis: backoff -> idle on backoff done') }),
    'the backoff ended');
--- error_code: 503
--- response_body eval: $::Unavailable
--- error_log
usercenter redis: timeout, retrying in 200ms



=== TEST 4: the address starts answering: the next connect after the backoff succeeds
--- http_config eval
UcConfig::uc_http_config(redis => "$::Far:$::FarPort",
                         redis_opts => 'connect_timeout=200ms')
--- init
my @c = UcTest::http_get(1, '/p', "Authorization: Bearer $::Valid\r\n");
Test::More::is($c[0], 503, 'the connect timed out while nothing answered');
main::far_answers();
main::copy_session($::Valid);
Test::More::ok(UcTest::wait_until(sub {
    UcTest::error_log_has('usercenter redis: backoff -> idle on backoff done') }),
    'the backoff ended');
--- response_body eval
"uid=42 lvl=2 bl= mid= sid=$::ValidSid deg=\n"
--- error_log
usercenter redis: connect timed out
usercenter redis: connecting -> ready on connected
