# Sessions belong to their user; every password check sits behind the
# back-off, which fails closed and tells nothing while Redis cannot be
# asked; client strings kept for the device list are valid UTF-8; and a
# burst of logins holds a bounded amount of memory.

use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use IO::Socket::INET;
use lib 't/helpers';
use UcE2E;

# A request written by hand: HTTP::Tiny refuses to send a header value
# that is not ASCII, and browsers and apps do send them.
sub raw_post {
    my ($path, $body, $ua) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{UC_GATEWAY_PORT})
        or die "connect: $!";
    print $s "POST $path HTTP/1.1\r\nHost: x\r\nUser-Agent: $ua\r\n"
           . "Content-Type: application/json\r\nContent-Length: " . length($body)
           . "\r\nConnection: close\r\n\r\n$body";
    local $/;
    my $res = <$s> // '';
    my ($code) = $res =~ m{^HTTP/1\.1 (\d+)};
    my ($json) = $res =~ /\r\n\r\n(.*)\z/s;
    return { status => $code // 0, json => eval { JSON::PP->new->decode($json) } };
}

sub register {
    my ($password, $ua) = @_;
    my $phone = new_phone();
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
    my $body = JSON::PP->new->encode({ login => $phone, password => $password,
                                       code => last_code($phone) });
    my $r = raw_post('/uc/v1/register', $body, $ua // 'test');
    is($r->{status}, 201, 'an account');
    return ($phone, $r->{json}{token});
}

sub my_sessions { api(GET => '/uc/v1/sessions', undef, shift) }

# ------------------------------------------- a sid acts only for its owner

my (undef, $alice) = register('alice-pass-1');
my (undef, $bob) = register('bob-pass-1');
my ($bob_sid) = map { $_->{id} } grep { $_->{current} } @{ my_sessions($bob)->{json}{sessions} };
ok($bob_sid, "Bob's session id (every upstream sees it in X-UC-Session-Id)");

my $r = api(DELETE => "/uc/v1/sessions/$bob_sid", undef, $alice);
is("$r->{status} $r->{json}{error}{code}", '404 not_found', "Alice cannot end Bob's session: 404");
is(my_sessions($bob)->{status}, 200, "... and Bob's session still works");
is(scalar @{ my_sessions($bob)->{json}{sessions} }, 1, '... and is still listed');
is(api(DELETE => "/uc/v1/sessions/$bob_sid", undef, $bob)->{status}, 204, 'Bob can end it');
is(my_sessions($bob)->{status}, 401, '... and then it is gone');

# ------------------------------------------- the device list shows every session

# (the helpers' JSON holds UTF-8 bytes: the expected values are bytes too)
for my $case ([ "Evil\xff", "Evil\xef\xbf\xbd", 'an invalid byte' ],
              [ ('M' x 126) . "\xe4\xb8\xad\xe6\x96\x87", ('M' x 126) . "\xe4\xb8\xad\xe6\x96\x87",
                'a multibyte character where the old cut fell' ],
              [ ('M' x 159) . "\xe4\xb8\xad", 'M' x 159, 'cut at 160 bytes, on a character' ]) {
    my ($ua, $shown, $why) = @$case;
    my (undef, $t) = register('ua-pass-12', $ua);
    my $list = my_sessions($t);
    is($list->{status}, 200, "device list with $why");
    my ($me) = grep { $_->{current} } @{ $list->{json}{sessions} // [] };
    ok($me, '... lists the session itself');
    is($me && $me->{user_agent}, $shown, '... with its User-Agent as valid UTF-8');
}

# ------------------------------------------- a reset ends every earlier session, however long it lives

{
    my ($phone, $t) = register('frank-pass-1');
    my $uid = api(GET => '/uc/v1/me/profile', undef, $t)->{json}{user_id};
    # issued under a longer session_ttl than the backend's now (60 d > 30 d)
    my $long = ucctl_stack('session', 'create', '--user', $uid, '--ttl', 60 * 86400);
    is(my_sessions($long)->{status}, 200, 'a session from before a change of session_ttl');
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'reset' });
    is(api(POST => '/uc/v1/password/reset',
           { login => $phone, code => last_code($phone), new_password => 'frank-pass-2' })->{status},
       204, 'the password is reset');
    is(my_sessions($t)->{status}, 401, '... the session of the registration is gone');
    is(my_sessions($long)->{status}, 401, '... and so is the long-lived one');
}

# ------------------------------------------- checks behind a session are limited

my (undef, $carol) = register('carol-pass-1');
my %seen;
for (1 .. 30) {
    $r = api(POST => '/uc/v1/password', { old_password => "guess-$_-x", new_password => 'new-pass-22' }, $carol);
    $seen{$r->{status}}++;
}
is($seen{403}, 5, 'five wrong current passwords are told wrong');
is($seen{429}, 25, '... then the checks wait (429)');
$r = api(POST => '/uc/v1/password', { old_password => 'carol-pass-1', new_password => 'new-pass-22' }, $carol);
is("$r->{status} $r->{json}{error}{code}", '429 too_many_attempts', '... and the right one waits too');
cmp_ok($r->{headers}{'retry-after'}, '>=', 1, '... with Retry-After');
$r = api(DELETE => '/uc/v1/me', { password => 'carol-pass-1' }, $carol);
is($r->{status}, 429, 'deleting the account checks the same budget');

# ------------------------------------------- no oracle while Redis is away

# (Erin's account is for the revocation below)
my (undef, $erin) = register('erin-pass-1');
my ($erin_id) = api(GET => '/uc/v1/me/profile', undef, $erin)->{json}{user_id};
ok($erin_id, "Erin's user id");

my ($dave_phone) = register('dave-pass-1');
my $pid = `cat $ENV{UC_RUN_DIR}/redis.pid` + 0;
ok($pid > 0, "the stack's Redis");
kill 'STOP', $pid;
my $wrong = api(POST => '/uc/v1/login', { login => $dave_phone, password => 'wrong-pass-1' });
my $right = api(POST => '/uc/v1/login', { login => $dave_phone, password => 'dave-pass-1' });
kill 'CONT', $pid;
is("$wrong->{status} $wrong->{json}{error}{code}", '503 unavailable',
   'Redis paused: a wrong password is not let through to a 401');
is($right->{content}, $wrong->{content}, '... and the right one answers exactly the same');
is($right->{headers}{'retry-after'}, $wrong->{headers}{'retry-after'}, '... with the same Retry-After');
ok(wait_for(sub { api(POST => '/uc/v1/login', { login => $dave_phone, password => 'dave-pass-1' })->{status} == 200 }),
   'Redis back: the right password logs in');

# ------------------------------------------- a revocation Redis failed is finished later

# an administrator's freeze sent straight to the backend, as the gateway
# would, so that nothing but the backend's own Redis calls meets the pause
my $secret = `cat $ENV{UC_RUN_DIR}/gateway-secret`;
chomp $secret;
kill 'STOP', $pid;
my $frozen = HTTP::Tiny->new(timeout => 10)->post(
    "http://127.0.0.1:$ENV{UC_BACKEND_PORT}/uc/v1/admin/users/$erin_id/freeze",
    { headers => { 'X-UC-Gateway-Secret' => $secret, 'X-UC-User-Id' => 1,
                   'X-UC-Session-Id' => 'A' x 22, 'X-UC-Auth-Level' => 4 } });
kill 'CONT', $pid;
is($frozen->{status}, 204, 'Redis paused: the freeze is committed');
ok(wait_for(sub { my_sessions($erin)->{status} == 401 }),
   "... and once Redis is back, the outbox relay ends Erin's session");

# ------------------------------------------- a burst of logins, bounded memory

my $backend = `cat $ENV{UC_RUN_DIR}/backend.pid` + 0;
my $status = sub {
    open my $f, '<', "/proc/$backend/status" or return {};
    my %v = map { /^(\w+):\s+(\d+)/ ? ($1, $2) : () } <$f>;
    \%v;
};
ok(open(my $clear, '>', "/proc/$backend/clear_refs"), 'the peak RSS can be reset');
print $clear "5\n";
close $clear;
my $base = $status->()->{VmRSS};
cmp_ok($base, '>', 0, "the backend's resident memory is read");

# 256 logins at once, each from an address of its own (the back-off counts
# per address), each for an account that does not exist: a full argon2id run
my @socks;
for my $i (1 .. 256) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $ENV{UC_GATEWAY_PORT},
                                  LocalAddr => sprintf('127.0.%d.%d', 10 + int($i / 250), 1 + $i % 250))
        or die "connect: $!";
    my $body = sprintf '{"login":"%s","password":"burst-pass-1"}', new_phone();
    print $s "POST /uc/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
    push @socks, $s;
}
my %answers;
for my $s (@socks) {
    local $/;
    my $res = <$s> // '';
    my ($code) = $res =~ m{^HTTP/1\.1 (\d+)};
    $code //= 'none';
    $code .= ' no Retry-After' if $code eq '503' && $res !~ /\r\nRetry-After: \d+/i;
    $answers{$code}++;
}
my $peak = $status->()->{VmHWM};
cmp_ok($peak // 0, '>=', $base, "the backend's peak memory is read after the burst");
my $m = ($ENV{UC_ARGON2_M} // 19456) / 1024;
diag sprintf "256 concurrent logins: answers %s; backend RSS %d kB, peak %d kB (+%d MiB; one hash holds %d MiB)",
    join(', ', map { "$_ x$answers{$_}" } sort keys %answers), $base, $peak, ($peak - $base) / 1024, $m;
is(scalar(grep { !/^(401|503)$/ } keys %answers), 0, 'every login was answered: 401, or 503 with Retry-After');
cmp_ok($answers{401} // 0, '>', 0, '... and some were checked');
# slots x arenas runs at most, the threads' stacks and store connections:
# a small multiple of one run, where one per connection is 256 of them
cmp_ok(($peak - $base) / 1024, '<', 16 * $m + 32,
       'the peak memory held at most a few hashes (not one per connection)');

done_testing();
