# nginx -s reload while a session check waits on Redis: the request
# finishes, the old worker leaves no socket or timer behind and exits.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;
use IO::Socket::INET;

master_on();
workers(1);
repeat_each(1);
no_shuffle();

our $Valid = new_session(user => 42, line => 'mall');

plan tests => 4 * blocks() + 3;

run_tests();

__DATA__

=== TEST 1: reload with a request in flight
--- http_config eval: UcConfig::uc_http_config(redis_opts => 'timeout=3s')
--- config
    location /p {
        usercenter_auth required;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- init
my ($master, @old) = UcTest::nginx_pids();
# hold Redis so that the HMGET is still pending when the reload comes
UcTest::redis_cli('CLIENT', 'PAUSE', '400', 'ALL');
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                              PeerPort => $ENV{TEST_NGINX_SERVER_PORT})
    or die $!;
print $s "GET /p HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
       . "Authorization: Bearer $::Valid\r\n\r\n";
UcTest::wait_until(sub {
    UcTest::error_log_has('usercenter redis: idle -> connecting') }) or die "the request never reached Redis";
kill 'HUP', $master;
local $/;
my $resp = <$s>;
Test::More::like($resp, qr{^HTTP/1\.1 200 .*\r\n\r\nuid=42 }s,
                 'the in-flight request finished across the reload');
my $gone = UcTest::wait_until(sub { !grep { UcTest::pid_alive($_) } @old });
Test::More::ok($gone, 'the old worker exited');
my (undef, @new) = UcTest::nginx_pids();
Test::More::ok(@new && !grep({ my $n = $_; grep { $_ == $n } @old } @new),
               'a new worker serves');
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_body_like: ^uid=42 
--- no_error_log
open socket
[alert]
