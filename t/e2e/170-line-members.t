# Line membership: a user joins a business line the first time a session is
# made through that line's location (the demo's /mall/uc/v1/...), with the
# channel, once, with one user.joined_line event; a session made elsewhere
# joins nothing; a client cannot name the line itself.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);

sub sign_up {
    my ($prefix, $phone) = @_;
    api(POST => "$prefix/uc/v1/codes", { to => $phone, purpose => 'register' });
    return api(POST => "$prefix/uc/v1/register",
               { login => $phone, password => 'member-pass-1',
                 code => last_code($phone) });
}

sub joined_events {
    my $uid = shift;
    my $n = 0;
    my $stream = stack_redis('XRANGE', 'uc:events', '-', '+');
    # entries are field lines: count user.joined_line for this user
    my @f = split /\n/, $stream;
    for my $i (0 .. $#f - 2) {
        $n++ if $f[$i] eq 'type' && $f[$i + 1] eq 'user.joined_line'
                && join("\n", @f[$i .. ($i + 8 > $#f ? $#f : $i + 8)])
                   =~ /\nuser_id\n$uid\n/;
    }
    return $n;
}

# signed up through the mall's location
my $phone = new_phone();
my $r = sign_up('/mall', $phone);
is($r->{status}, 201, 'signed up through the mall');
my $uid = $r->{json}{user_id};
my $token = $r->{json}{token};
my $lines = api(GET => '/uc/v1/me/lines', undef, $token)->{json}{lines};
is(scalar @$lines, 1, 'a member of one line');
is($lines->[0]{line}, 'mall', '... the mall');
is($lines->[0]{channel}, 'register', '... by registering');
ok($lines->[0]{joined_at} > 0, '... at a time');
ok(wait_for(sub { joined_events($uid) == 1 }), 'one user.joined_line event');

# signed in again through the mall: nothing new
is(api(POST => '/mall/uc/v1/login', { login => $phone,
                                      password => 'member-pass-1' })
   ->{status}, 200, 'signed in again through the mall');
is(scalar @{ api(GET => '/uc/v1/me/lines', undef, $token)->{json}{lines} }, 1,
   '... still one membership');
is(joined_events($uid), 1, '... and still one event');

# signed up through the plain API: no line; a client naming one is ignored
my $other = new_phone();
api(POST => '/uc/v1/codes', { to => $other, purpose => 'register' });
$r = api(POST => '/uc/v1/register', { login => $other, password => 'member-pass-1',
                                       code => last_code($other) },
         undef, { 'X-UC-Business-Line' => 'mall' });
is($r->{status}, 201, 'signed up through the plain API, a client sending '
   . 'X-UC-Business-Line: mall');
is_deeply(api(GET => '/uc/v1/me/lines', undef, $r->{json}{token})->{json}{lines},
          [], '... a member of no line');
my $plain = $r->{json}{user_id};

# then a password sign-in through the mall: joins, by password
is(api(POST => '/mall/uc/v1/login', { login => $other,
                                      password => 'member-pass-1' })
   ->{status}, 200, 'then signed in through the mall');
is(api(GET => '/uc/v1/me/lines', undef, $r->{json}{token})
   ->{json}{lines}[0]{channel}, 'password', '... joined it by password');

# an SMS sign-in that registers, through the mall
my $sms = new_phone();
api(POST => '/mall/uc/v1/codes', { to => $sms, purpose => 'login' });
$r = api(POST => '/mall/uc/v1/login/code', { phone => $sms, code => last_code($sms) });
is($r->{status}, 201, 'an SMS sign-in that registers, through the mall');
is(api(GET => '/uc/v1/me/lines', undef, $r->{json}{token})
   ->{json}{lines}[0]{channel}, 'sms_register', '... joined by sms_register');

# the admin's list of members
my $page = api(GET => '/uc/v1/admin/lines/mall/members?limit=1000', undef, $admin);
is($page->{status}, 200, "the mall's members");
my %ids = map { $_->{user_id} => $_->{channel} } @{ $page->{json}{members} };
is($ids{$uid}, 'register', '... the first user, by registering');
is($ids{$plain}, 'password', '... the second, by password');
my $first = api(GET => '/uc/v1/admin/lines/mall/members?limit=1', undef, $admin)->{json};
my $second = api(GET => "/uc/v1/admin/lines/mall/members?limit=1&cursor=$first->{next_cursor}",
                 undef, $admin)->{json};
isnt($second->{members}[0]{user_id}, $first->{members}[0]{user_id},
     '... pages by cursor');
for my $q ('cursor=-1', 'cursor=x', 'limit=0', 'limit=1001', 'cursor=+1') {
    is(api(GET => "/uc/v1/admin/lines/mall/members?$q", undef, $admin)->{status},
       400, "refused: $q");
}
is(api(GET => '/uc/v1/admin/lines/MALL/members', undef, $admin)->{status}, 400,
   'refused: a code that is not one');
is(api(GET => '/uc/v1/admin/lines/mall/members', undef, $token)->{status}, 403,
   'a user who is no administrator: 403');
is(api(GET => '/uc/v1/me/lines')->{status}, 401, 'my lines, anonymous: 401');

# the line's session policy and cookie domain, for sessions made through it
is(api(PUT => '/uc/v1/admin/lines/mall', {
        name => 'Mall', cookie_domain => '.mall.example.com',
        session => { idle_timeout => 600, max_lifetime => 3600 } }, $admin)
   ->{status} =~ /^20[01]$/ ? 1 : 0, 1, "the mall's record: 10 min idle, 1 h");
my $t0 = time;
$r = api(POST => '/mall/uc/v1/login', { login => $phone, password => 'member-pass-1' });
is($r->{status}, 200, 'a sign-in through the mall');
cmp_ok(abs($r->{json}{expires_at} - $t0 - 3600), '<=', 5,
       '... its session ends in an hour');
like($r->{headers}{'set-cookie'}, qr/Max-Age=3600;.*Domain=\.mall\.example\.com/,
     "... its cookie too, on the line's domain");
my ($sid) = $r->{json}{token} =~ /^v1\.[^.]+\.([^.]+)\./;
my $ttl = stack_redis('TTL', "uc:{s:$sid}");
ok($ttl > 0 && $ttl <= 600, "... and it is idle after 10 minutes (TTL $ttl)");
$r = api(POST => '/uc/v1/login', { login => $phone, password => 'member-pass-1' });
cmp_ok($r->{json}{expires_at} - $t0, '>', 86400,
       'a sign-in through the plain API keeps the configured lifetime');
unlike($r->{headers}{'set-cookie'}, qr/mall\.example\.com/, '... and cookie');
# a line may shorten the single sign-on session, never lengthen it
api(PUT => '/uc/v1/admin/lines/mall', { name => 'Mall',
    session => { max_lifetime => 31622400, idle_timeout => 31622400 } }, $admin);
$t0 = time;
$r = api(POST => '/mall/uc/v1/login', { login => $phone, password => 'member-pass-1' });
cmp_ok($r->{json}{expires_at} - $t0, '<=', 30 * 86400 + 5,
       'a line asking for a year gets the configured 30 days, no more');
is(api(PUT => '/uc/v1/admin/lines/mall', { name => 'Mall' }, $admin)->{status},
   200, "the mall's policy back to the defaults");

done_testing();
