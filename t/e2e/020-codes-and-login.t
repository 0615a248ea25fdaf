# Codes (cool-down, attempt budget), login-or-register by SMS code,
# enumeration resistance, failed-login back-off, reset, deactivation and
# the administrators' freeze.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

# --- login-or-register by SMS code
my $phone = new_phone();
my $r = api(POST => '/uc/v1/codes', { to => $phone, purpose => 'login' });
is($r->{status}, 202, 'a login code is sent');

$r = api(POST => '/uc/v1/codes', { to => $phone, purpose => 'login' });
is($r->{status}, 429, 'asking again at once hits the cool-down');
is($r->{json}{error}{code}, 'code_cooldown', '... code_cooldown');
cmp_ok($r->{headers}{'retry-after'}, '>', 0, '... with Retry-After');

$r = api(POST => '/uc/v1/login/code', { phone => $phone, code => last_code($phone) });
is($r->{status}, 201, 'an unknown phone with a good code registers');
ok($r->{json}{new_user}, '... as a new user');
my $uid = $r->{json}{user_id};

stack_redis('DEL', "uc:{c:login:$phone}:cd");
api(POST => '/uc/v1/codes', { to => $phone, purpose => 'login' });
$r = api(POST => '/uc/v1/login/code', { phone => $phone, code => last_code($phone) });
is($r->{status}, 200, 'the same phone with a new code logs in');
is($r->{json}{user_id}, $uid, '... as the same user');
ok(!$r->{json}{new_user}, '... not a new one');

# --- attempt budget: five wrong codes burn the code
stack_redis('DEL', "uc:{c:login:$phone}:cd");
api(POST => '/uc/v1/codes', { to => $phone, purpose => 'login' });
my $good = last_code($phone);
my $bad = $good eq '123456' ? '654321' : '123456';
for (1 .. 5) {
    $r = api(POST => '/uc/v1/login/code', { phone => $phone, code => $bad });
}
is($r->{status}, 400, 'wrong codes are refused');
$r = api(POST => '/uc/v1/login/code', { phone => $phone, code => $good });
is($r->{status}, 400, 'after five wrong tries even the right code is dead');

# --- enumeration: unknown and known logins answer alike
my $known = new_phone();
api(POST => '/uc/v1/codes', { to => $known, purpose => 'register' });
$r = api(POST => '/uc/v1/register',
         { login => $known, password => 'known-pass-1', code => last_code($known) });
is($r->{status}, 201, 'a second account');

my $unknown = new_phone();
my $a = api(POST => '/uc/v1/login', { login => $unknown, password => 'whatever-1' });
my $b = api(POST => '/uc/v1/login', { login => $known, password => 'whatever-1' });
is($a->{status}, 401, 'unknown login: 401');
is($b->{content}, $a->{content}, 'a wrong password answers exactly the same');

$a = api(POST => '/uc/v1/codes', { to => new_phone(), purpose => 'reset' });
$b = api(POST => '/uc/v1/codes', { to => $known, purpose => 'reset' });
is($a->{status}, 202, 'a reset code for nobody: 202');
is($b->{content}, $a->{content}, '... the same as for an account');

# --- failed-login back-off, per (account, address)
my $victim = 'victim-' . $$ . '@example.com';
api(POST => '/uc/v1/codes', { to => $victim, purpose => 'register' });
$r = api(POST => '/uc/v1/register',
         { login => uc($victim), password => 'victim-pass-1', code => last_code($victim) });
is($r->{status}, 201, 'an e-mail account (the address is folded to lower case)');

for (1 .. 5) {
    $r = api(POST => '/uc/v1/login', { login => $victim, password => 'guess-12345' });
}
is($r->{status}, 401, 'five wrong passwords');
$r = api(POST => '/uc/v1/login', { login => $victim, password => 'victim-pass-1' });
is($r->{status}, 429, 'then even the right one must wait');
is($r->{json}{error}{code}, 'too_many_attempts', '... too_many_attempts');
cmp_ok($r->{headers}{'retry-after'}, '>=', 1, '... with Retry-After');
cmp_ok($r->{headers}{'retry-after'}, '<=', 900, '... never more than 15 minutes');
$r = api(POST => '/uc/v1/login', { login => $victim, password => 'victim-pass-1' },
         undef, { 'X-Real-IP' => '203.0.113.9' });
is($r->{status}, 429, 'a spoofed X-Real-IP does not escape the back-off');

# --- reset by code revokes every session
stack_redis('DEL', "uc:{lf:$victim}:127.0.0.1:until", "uc:{lf:$victim}:127.0.0.1");
api(POST => '/uc/v1/codes', { to => $known, purpose => 'reset' });
stack_redis('DEL', "uc:{c:reset:$known}:cd");
$r = api(POST => '/uc/v1/login', { login => $known, password => 'known-pass-1' });
my $old = $r->{json}{token};
api(POST => '/uc/v1/codes', { to => $known, purpose => 'reset' });
$r = api(POST => '/uc/v1/password/reset',
         { login => $known, code => last_code($known), new_password => 'reset-pass-2' });
is($r->{status}, 204, 'password reset with a code');
is(api(GET => '/mall/cart', undef, $old)->{status}, 401,
   'the sessions from before the reset are gone');
is(api(POST => '/uc/v1/login', { login => $known, password => 'reset-pass-2' })->{status},
   200, 'the new password logs in');

# --- admin freeze and unfreeze
my $admin = ucctl_stack('session', 'create', '--user', '1', '--level', '4');
$r = api(POST => '/uc/v1/login', { login => $known, password => 'reset-pass-2' });
my ($kuid, $ktoken) = ($r->{json}{user_id}, $r->{json}{token});
is(api(POST => "/uc/v1/admin/users/$kuid/freeze", undef, $ktoken)->{status}, 403,
   'only administrators freeze');
is(api(POST => "/uc/v1/admin/users/$kuid/freeze", undef, $admin)->{status}, 204,
   'an administrator freezes the user');
is(api(GET => '/mall/cart', undef, $ktoken)->{status}, 401,
   'freezing ends the user\'s sessions');
$r = api(POST => '/uc/v1/login', { login => $known, password => 'reset-pass-2' });
is($r->{status}, 403, 'a frozen user cannot log in');
is($r->{json}{error}{code}, 'account_frozen', '... account_frozen');
is(api(POST => "/uc/v1/admin/users/$kuid/unfreeze", undef, $admin)->{status}, 204,
   'and unfreezes');
is(api(POST => '/uc/v1/login', { login => $known, password => 'reset-pass-2' })->{status},
   200, 'then the user logs in again');
is(api(POST => '/uc/v1/admin/users/999/freeze', undef, $admin)->{status}, 404,
   'freezing nobody is 404');

# --- deactivation
$r = api(POST => '/uc/v1/login', { login => $known, password => 'reset-pass-2' });
my $t = $r->{json}{token};
is(api(DELETE => '/uc/v1/me', { password => 'wrong-pass-1' }, $t)->{status}, 403,
   'deactivation wants the password');
is(api(DELETE => '/uc/v1/me', { password => 'reset-pass-2' }, $t)->{status}, 204,
   'deactivated');
is(api(POST => '/uc/v1/login', { login => $known, password => 'reset-pass-2' })->{status},
   401, 'a deactivated account does not log in');
is(stack_sql("SELECT status FROM users WHERE id = $kuid"), 2,
   'the row stays, marked deactivated');

done_testing();
