# The registration guard scores exactly the identifier the backend acts
# on: each endpoint's one field (libuc/uc_ident.c), no decoy beside it, no
# identifier longer than an address can be, and the documented 16 KB body
# limit true with the shipped configuration.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', '1', '--level', '4');

is(api(POST => '/uc/v1/admin/guard/block-prefix', { value => '+86170' }, $admin)->{status},
   204, 'the prefix +86170 is blocked');

my $blocked = '+8617012345678';
my $clean = new_phone();

my $r = api(POST => '/uc/v1/codes', { to => $blocked, purpose => 'register' });
is("$r->{status} $r->{json}{error}{code}", '403 registration_refused',
   'a code for the blocked prefix is refused');

# a decoy identifier beside the real one
for my $case (
    [ '/uc/v1/codes', { to => $blocked, purpose => 'register', login => $clean },
      'codes: "login" beside "to"' ],
    [ '/uc/v1/codes', { to => $blocked, purpose => 'register', phone => $clean },
      'codes: "phone" beside "to"' ],
    [ '/uc/v1/codes', { login => $blocked, purpose => 'register', to => $clean },
      'codes: "to" after "login"' ],
    [ '/uc/v1/codes', { to => 'a@10minutemail.com', purpose => 'register', email => 'b@gmail.com' },
      'codes: a clean "email" beside a disposable "to"' ],
    [ '/uc/v1/register', { login => $blocked, password => 'pass-word-1', code => '123456', phone => $clean },
      'register: "phone" beside "login"' ],
    [ '/uc/v1/login/code', { phone => $blocked, code => '123456', login => $clean },
      'login by code: "login" beside "phone"' ],
    [ '/uc/v1/codes', { login => $clean, purpose => 'register' },
      'codes: only a field the endpoint does not act on' ],
) {
    my ($path, $body, $why) = @$case;
    $r = api(POST => $path, $body);
    is("$r->{status} " . ($r->{json}{error}{code} // ''), '400 conflicting_identifiers',
       "refused at the gateway: $why");
}

is(api(POST => '/uc/v1/codes', 'to=' . '%2B8617012345678&to=' . '%2B8613912345678&purpose=register',
       undef, { 'Content-Type' => 'application/x-www-form-urlencoded' })->{json}{error}{code},
   'conflicting_identifiers', 'a form naming "to" twice is refused');
is(stack_redis('LLEN', "uc:dev:outbox:$blocked"), 0, 'no code ever went to the blocked number');

# the backend keeps the same rule where no guard stands before it
$r = api(POST => '/uc/v1/password/reset',
         { login => $clean, code => '123456', new_password => 'pass-word-2', email => 'x@example.com' });
is("$r->{status} $r->{json}{error}{code}", '400 conflicting_identifiers',
   'the backend refuses a decoy on an unguarded endpoint too');

# a null beside the identifier is absent, as the backend reads it
$r = api(POST => '/uc/v1/codes', { to => new_phone(), purpose => 'register', email => undef });
is($r->{status}, 202, 'a null "email" beside "to" is no identifier');

# identifiers are bounded before Redis sees them
# (the guard's decisions, counted once its script in Redis has answered:
# Redis's own EVAL count would also see the backend's scripts)
my $decided0 = guard_decisions();
cmp_ok($decided0, '>', 0, "the guard's decisions are read (it decided the codes above)");
for my $case (
    [ { to => '1' x 9000, purpose => 'register' }, 'a 9000-digit phone' ],
    [ { to => '+' . '8' x 16, purpose => 'register' }, 'a 17-character phone' ],
    [ { to => ('a' x 250) . '@x.cn', purpose => 'register' }, 'a 255-byte e-mail address' ],
) {
    my ($body, $why) = @$case;
    $r = api(POST => '/uc/v1/codes', $body);
    is("$r->{status} " . ($r->{json}{error}{code} // ''), '400 identifier_too_long', "refused: $why");
}
$r = api(POST => '/uc/v1/codes', { to => new_phone(), purpose => 'register' },
         undef, { 'X-Device-Id' => 'd' x 129 });
is("$r->{status} $r->{json}{error}{code}", '400 device_id_too_long', 'a device id over 128 bytes is refused');
is(guard_decisions(), $decided0, '... and none of them reached the guard\'s script in Redis');

$r = api(POST => '/uc/v1/codes', { to => ('a' x 244) . '@gmail.com', purpose => 'register' });
is($r->{status}, 202, 'a 254-byte address is accepted');

# the documented limit: 16 KB of body, in memory, with the demo's buffers
$r = api(POST => '/uc/v1/codes', { to => new_phone(), purpose => 'register', note => 'x' x 11_000 });
is($r->{status}, 202, 'an 11 KB body on a guarded location is read and passed');
$r = api(POST => '/uc/v1/codes', { to => new_phone(), purpose => 'register', note => 'x' x 16_300 });
is($r->{status}, 202, '... and one just under 16 KB');
$r = api(POST => '/uc/v1/codes', { to => new_phone(), purpose => 'register', note => 'x' x 17_000 });
is("$r->{status} $r->{json}{error}{code}", '413 body_too_large', 'over 16 KB: 413');

is(api(POST => '/uc/v1/admin/guard/block-prefix/remove', { value => '+86170' }, $admin)->{status},
   204, 'the prefix is unblocked');

done_testing();

sub guard_decisions {
    my $n = 0;
    my $text = raw_get('/metrics')->{content} // '';
    $n += $1 while $text =~ /^usercenter_guard_total\{decision="\w+"\} (\d+)$/mg;
    return $n;
}
