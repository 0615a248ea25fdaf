# The main journey, end to end through nginx and the module into the
# backend: register -> verify -> login -> a protected location sees the
# user -> change password -> the other session is rejected.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

my $phone = new_phone();

my $r = api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
is($r->{status}, 202, 'a registration code is sent');
my $code = last_code($phone);
like($code, qr/^\d{6}$/, 'the dev sender got a 6-digit code');
is((ucctl_stack('dev', 'outbox', $phone))[-1], "usercenter register code: $code",
   'ucctl dev outbox shows the message');

my $wrong = $code eq '000000' ? '111111' : '000000';
$r = api(POST => '/uc/v1/register',
         { login => $phone, password => 'first-pass-1', code => $wrong });
is($r->{status}, 400, 'a wrong code is refused');
is($r->{json}{error}{code}, 'invalid_code', '... as invalid_code');

$r = api(POST => '/uc/v1/register',
         { login => $phone, password => 'first-pass-1', code => $code });
is($r->{status}, 201, 'registered');
my $uid = $r->{json}{user_id};
my $token1 = $r->{json}{token};
like($uid, qr/^\d{15,19}$/, 'a 64-bit time-ordered user id');
is($r->{json}{auth_level}, 2, 'a verified phone gives level 2');
my $cookie = $r->{headers}{'set-cookie'};
like($cookie, qr/^uc_session=\Q$token1\E; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
     'the session cookie is HttpOnly and SameSite=Lax');

$r = api(POST => '/uc/v1/register',
         { login => $phone, password => 'first-pass-1', code => $code });
is($r->{status}, 400, 'a code works once');

$r = api(GET => '/mall/cart', undef, $token1);
is($r->{status}, 200, 'the protected location admits the new session');
is($r->{json}{user_id}, $uid, 'the upstream sees X-UC-User-Id');

$r = api(POST => '/uc/v1/login', { login => $phone, password => 'first-pass-1' });
is($r->{status}, 200, 'login with the password');
my $token2 = $r->{json}{token};
isnt($token2, $token1, 'a second session');

$r = api(GET => '/uc/v1/sessions', undef, $token1);
is($r->{status}, 200, 'the device list');
is(scalar @{ $r->{json}{sessions} }, 2, 'two sessions listed');
is(scalar(grep { $_->{current} } @{ $r->{json}{sessions} }), 1,
   'one of them is the current one');
is($r->{json}{next_cursor}, undef, 'no next page');

$r = api(GET => '/uc/v1/sessions?limit=1', undef, $token1);
is(scalar @{ $r->{json}{sessions} }, 1, 'a page of one');
my $page2 = api(GET => "/uc/v1/sessions?limit=1&cursor=$r->{json}{next_cursor}",
                undef, $token1);
is(scalar @{ $page2->{json}{sessions} }, 1, 'the next page has the other');
isnt($page2->{json}{sessions}[0]{id}, $r->{json}{sessions}[0]{id},
     '... a different session');
is($page2->{json}{next_cursor}, undef, '... and is the last');
is(api(GET => '/uc/v1/sessions?limit=1000', undef, $token1)->{status}, 400,
   'a limit above 100 is refused');
is(api(GET => '/uc/v1/sessions?cursor=20', undef, $token1)->{status}, 400,
   'a cursor that is not one is refused');

$r = api(POST => '/uc/v1/password',
         { old_password => 'not-it-123', new_password => 'second-pass-2' },
         $token1);
is($r->{status}, 403, 'a wrong current password is refused');

$r = api(POST => '/uc/v1/password',
         { old_password => 'first-pass-1', new_password => 'short' }, $token1);
is($r->{status}, 422, 'a weak new password is refused');

$r = api(POST => '/uc/v1/password',
         { old_password => 'first-pass-1', new_password => 'second-pass-2' },
         $token1);
is($r->{status}, 204, 'password changed');

$r = api(GET => '/mall/cart', undef, $token2);
is($r->{status}, 401, 'the other session is rejected at the gateway');
is($r->{json}{error}{code}, 'invalid_session', '... as invalid_session');

$r = api(GET => '/mall/cart', undef, $token1);
is($r->{status}, 200, 'the session that changed it goes on');

$r = api(POST => '/uc/v1/login', { login => $phone, password => 'first-pass-1' });
is($r->{status}, 401, 'the old password no longer logs in');
$r = api(POST => '/uc/v1/login', { login => $phone, password => 'second-pass-2' });
is($r->{status}, 200, 'the new one does');
my $token3 = $r->{json}{token};

$r = api(POST => '/uc/v1/logout', undef, $token1);
is($r->{status}, 204, 'logout');
like($r->{headers}{'set-cookie'}, qr/^uc_session=; .*Max-Age=0/,
     'logout clears the cookie');
$r = api(GET => '/mall/cart', undef, $token1);
is($r->{status}, 401, 'the logged-out session is rejected');

$r = api(POST => '/uc/v1/logout/all', undef, $token3);
is($r->{status}, 204, 'log out everywhere');
$r = api(GET => '/mall/cart', undef, $token3);
is($r->{status}, 401, '... and that session is gone too');

# events reach the stream after commit
my @types;
ok(wait_for(sub {
    my $out = stack_redis('XRANGE', 'uc:events', '-', '+');
    @types = ();
    my @lines = split /\n/, $out;
    for my $i (0 .. $#lines - 3) {
        push @types, $lines[$i + 1]
            if $lines[$i] eq 'type' && $lines[$i + 2] eq 'user_id'
               && $lines[$i + 3] eq $uid;
    }
    grep { $_ eq 'password.changed' } @types;
}), 'the events reached the Redis stream');
is_deeply([ grep { !/^user\.login$/ } @types ],
          [ 'user.registered', 'password.changed' ],
          'in order: registered, then password changed');
is(scalar(grep { $_ eq 'user.login' } @types), 3, 'three logins recorded');

# a device removed between two pages does not shift the pages after it
# (sessions made in the same second tie; which comes first is Redis's)
my @t = map { api(POST => '/uc/v1/login', { login => $phone, password => 'second-pass-2' })->{json}{token} } 1 .. 3;
my %sid = map { $_ => (/^v1\.[^.]+\.([^.]+)\./)[0] } @t;
$r = api(GET => '/uc/v1/sessions?limit=1', undef, $t[2]);
my $shown = $r->{json}{sessions}[0]{id};
my $me = $shown eq $sid{ $t[2] } ? $t[0] : $t[2];
is(api(DELETE => "/uc/v1/sessions/$shown", undef, $me)->{status}, 204,
   'the session on the first page is removed before the next page');
my ($cursor, %seen) = ($r->{json}{next_cursor});
for (1 .. 5) {
    last unless defined $cursor;
    my $p = api(GET => "/uc/v1/sessions?limit=1&cursor=$cursor", undef, $me);
    $seen{ $_->{id} } = 1 for @{ $p->{json}{sessions} };
    $cursor = $p->{json}{next_cursor};
}
is(join(',', sort keys %seen), join(',', sort grep { $_ ne $shown } values %sid),
   'the following pages still list every remaining session');

done_testing();
