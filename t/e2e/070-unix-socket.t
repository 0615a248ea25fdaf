# The backend on a unix socket (listen = unix:/path), as a gateway on the
# same host would reach it; SIGTERM exits 0 and removes the socket.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

my $dir = "$ENV{UC_RUN_DIR}/unix";
mkdir $dir;
my $sock = "$dir/backend.sock";

open my $conf, '>', "$dir/backend.conf" or die $!;
print $conf <<"CONF";
listen = unix:$sock
database = $dir/usercenter.db
redis = 127.0.0.1:$ENV{UC_REDIS_PORT}
secret = $ENV{UC_RUN_DIR}/keys
gateway_secret = unix-test-secret
argon2_t = 1
argon2_m_kib = 8192
CONF
close $conf;
chmod 0600, "$dir/backend.conf";

my $pid = fork // die $!;
if ($pid == 0) {
    open STDERR, '>', "$dir/backend.log" or die $!;
    exec "$ENV{TOP}/build/uc-backend", '-c', "$dir/backend.conf" or die $!;
}

sub curl {
    my @args = @_;
    my $out = `curl -s -w '\\n%{http_code}' --unix-socket $sock @args`;
    my ($body, $code) = $out =~ /^(.*)\n(\d+)$/s;
    return ($code // 0, $body // '');
}

ok(wait_for(sub { (curl('http://x/uc/v1/health'))[0] == 200 }),
   'the backend answers on the unix socket');
is((stat $sock)[2] & 07777, 0660, 'the socket is mode 660');

my ($code, $body) = curl(q{-H 'X-UC-User-Id: 42' -H 'X-UC-Session-Id: AAAAAAAAAAAAAAAAAAAAAA'},
                         q{-H 'X-UC-Auth-Level: 2'}, 'http://x/uc/v1/me/profile');
is($code, 401, 'identity headers without the gateway secret are not believed');

($code) = curl(q{-H 'X-UC-Gateway-Secret: unix-test-secret'},
               q{-H 'X-UC-User-Id: 42' -H 'X-UC-Session-Id: AAAAAAAAAAAAAAAAAAAAAA'},
               q{-H 'X-UC-Auth-Level: 2'}, 'http://x/uc/v1/me/profile');
is($code, 404, 'with the secret they are (user 42 has no profile: 404)');

kill 'TERM', $pid;
waitpid $pid, 0;
is($?, 0, 'SIGTERM: exit status 0');
ok(!-e $sock, 'the socket file is removed');

# the same backend with its Redis unreachable: clear errors, no crash
{
    open my $c, '>>', "$dir/backend.conf" or die $!;
    print $c "redis = 127.0.0.1:1\n";
    close $c;
}
$pid = fork // die $!;
if ($pid == 0) {
    open STDERR, '>', "$dir/backend-noredis.log" or die $!;
    exec "$ENV{TOP}/build/uc-backend", '-c', "$dir/backend.conf" or die $!;
}
ok(wait_for(sub { (curl('http://x/uc/v1/health'))[0] == 200 }),
   'without Redis the backend still starts and answers its health check');
($code, $body) = curl(q{-XPOST -H 'Content-Type: application/json'},
                      q{-d '{"to":"+8613800000009","purpose":"register"}'},
                      'http://x/uc/v1/codes');
is($code, 503, 'a code cannot be sent without Redis: 503');
like($body, qr/"error":\{"code":"unavailable"/, '... with the envelope');
is((curl('http://x/uc/v1/health'))[0], 200, 'and the backend is still up');
open my $l, '<', "$dir/backend-noredis.log" or die $!;
ok(scalar(grep { /"level":"error","msg":"redis connect failed"/ } <$l>),
   'the failure is logged as an error');
kill 'TERM', $pid;
waitpid $pid, 0;
is($?, 0, 'and it stops cleanly');

done_testing();
