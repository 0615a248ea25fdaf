# A graceful restart (SIGTERM): serial numbers never repeat and skip at
# most one segment, and a changed argon2id cost re-hashes at the next login.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', '1', '--level', '4');

sub serial {
    my $r = api(POST => '/uc/v1/admin/serials/CERT', undef, $admin);
    return $r->{status} == 201 ? $r->{json}{serial} : "status $r->{status}";
}

my @before = map { serial() } 1 .. 3;
like($before[0], qr/^CERT\d{8}\d{8}$/, "serial $before[0]: prefix, date, sequence");
is(substr($before[1], -8) - substr($before[0], -8), 1, 'consecutive within a segment');
is(substr($before[2], -8) - substr($before[1], -8), 1, '... and again');
is(api(POST => '/uc/v1/admin/serials/cert', undef, $admin)->{status}, 400,
   'a lower-case prefix is refused');

my $phone = new_phone();
api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
my $r = api(POST => '/uc/v1/register',
            { login => $phone, password => 'rehash-pass-1', code => last_code($phone) });
my $uid = $r->{json}{user_id};
my $hash_sql = "SELECT c.password FROM credentials c JOIN users u ON u.seq = c.user_seq WHERE u.id = $uid";
like(stack_sql($hash_sql), qr/^\$argon2id\$v=19\$m=$ENV{UC_ARGON2_M},t=$ENV{UC_ARGON2_T},p=1\$/,
     'stored as argon2id with its parameters');

sub restart_backend {
    open my $fh, '<', "$ENV{UC_RUN_DIR}/backend.pid" or die $!;
    chomp(my $pid = <$fh>);
    kill 'TERM', $pid;
    wait_for(sub { !-e "/proc/$pid" || `cat /proc/$pid/stat` =~ /\) Z / }, 400)
        or die 'the backend did not stop';
    system("$ENV{TOP}/tools/run.sh", 'start') == 0 or die 'restart failed';
}

my $m = $ENV{UC_ARGON2_M};
{
    local $ENV{UC_ARGON2_M} = $m + 1024;
    restart_backend();
}
open my $log, '<', "$ENV{UC_RUN_DIR}/logs/backend.log" or die $!;
my @stopped = grep { /"msg":"stopped"/ } <$log>;
ok(scalar @stopped, 'SIGTERM: the backend logged a clean stop');

my $after = serial();
my ($b, $a) = (substr($before[2], -8), substr($after, -8));
cmp_ok($a, '>', $b, "after the restart ($after) the sequence moved on");
cmp_ok($a - $b, '<=', 100, '... skipping at most one segment (100)');

$r = api(POST => '/uc/v1/login', { login => $phone, password => 'rehash-pass-1' });
is($r->{status}, 200, 'login after the cost changed');
like(stack_sql($hash_sql), qr/^\$argon2id\$v=19\$m=@{[ $m + 1024 ]},/,
     'the password was re-hashed with the new cost');
is(api(POST => '/uc/v1/login', { login => $phone, password => 'rehash-pass-1' })->{status},
   200, 'and still logs in');

# SIGTERM while a request is half received: it is finished and answered
{
    use IO::Socket::INET;
    open my $fh, '<', "$ENV{UC_RUN_DIR}/backend.pid" or die $!;
    chomp(my $pid = <$fh>);
    my $body = qq{{"login":"$phone","password":"rehash-pass-1"}};
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $ENV{UC_BACKEND_PORT}) or die $!;
    print $s "POST /uc/v1/login HTTP/1.1\r\nHost: x\r\n"
           . "Content-Type: application/json\r\nConnection: close\r\n"
           . "Content-Length: " . length($body) . "\r\n\r\n"
           . substr($body, 0, 10);
    # until the backend has accepted it (the listen queue is empty): a
    # connection still in the kernel's queue is refused by any shutdown
    ok(wait_for(sub {
        my ($q) = `ss -ltnH 'sport = :$ENV{UC_BACKEND_PORT}'` =~ /^\S+\s+(\d+)/;
        defined $q && $q == 0 }), 'the backend accepted the connection');
    my $log = "$ENV{UC_RUN_DIR}/logs/backend.log";
    my $stops = sub { open my $l, '<', $log or return 0;
                      scalar grep { /"msg":"stopping"/ } <$l> };
    my $before = $stops->();
    kill 'TERM', $pid;
    ok(wait_for(sub { $stops->() > $before }), 'the backend began to stop');
    print $s substr($body, 10);
    local $/;
    my $resp = <$s> // '';
    like($resp, qr{^HTTP/1\.1 200 .*"user_id":"$uid"}s,
         'the request in flight was finished and answered');
    ok(wait_for(sub { !-e "/proc/$pid" || `cat /proc/$pid/stat` =~ /\) Z / }, 400),
       '... and then the backend exited');
    system("$ENV{TOP}/tools/run.sh", 'start') == 0 or die 'restart failed';
}

restart_backend();    # back to the suite's parameters
is(api(GET => '/uc/v1/health')->{status}, 200, 'the backend is up again');

done_testing();
