# Bad and hostile input on every endpoint: a clear JSON error, never a
# crash, never a half-done write.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

my @endpoints = (
    [ POST => '/uc/v1/codes' ], [ POST => '/uc/v1/register' ],
    [ POST => '/uc/v1/login' ], [ POST => '/uc/v1/login/code' ],
    [ POST => '/uc/v1/password/reset' ],
);

# a session for the authenticated endpoints
my $phone = new_phone();
api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
my $r = api(POST => '/uc/v1/register',
            { login => $phone, password => 'hostile-pass-1', code => last_code($phone) });
my $token = $r->{json}{token};
my $users_before = stack_sql('SELECT COUNT(*) FROM users');

push @endpoints, [ POST => '/uc/v1/password', $token ],
                 [ PATCH => '/uc/v1/me/profile', $token ];

sub envelope_ok {
    my ($r, $status, $code, $name) = @_;
    is($r->{status}, $status, "$name: $status");
    is($r->{json}{error}{code}, $code, "$name: $code")
        or diag $r->{content};
}

for my $e (@endpoints) {
    my ($m, $p, $t) = @$e;
    envelope_ok(api($m, $p, '{"login": ', $t), 400, 'malformed_json',
                "$m $p truncated JSON");
    envelope_ok(api($m, $p, '[1,2,3]', $t), 400, 'malformed_json',
                "$m $p an array");
    envelope_ok(api($m, $p, "{\"login\":\"\xff\xfe\"}", $t), 400,
                'malformed_json', "$m $p invalid UTF-8");
    envelope_ok(api($m, $p, 'note=x', $t, { 'Content-Type' => 'application/x-www-form-urlencoded' }),
                415, 'unsupported_media_type', "$m $p a form");
    envelope_ok(api($m, $p, '{"a":1,"a":2}', $t), 400, 'malformed_json',
                "$m $p duplicate keys");
    envelope_ok(api($m, $p, ('[' x 5000) . (']' x 5000), $t), 400,
                'malformed_json', "$m $p 5,000 levels deep");
}

envelope_ok(api(POST => '/uc/v1/login', { login => ['x'], password => 1 }),
            400, 'validation_failed', 'wrong types');
envelope_ok(api(POST => '/uc/v1/login', { password => 'x' }), 400,
            'validation_failed', 'a missing field');
envelope_ok(api(POST => '/uc/v1/login', { login => "' OR 1=1 --", password => 'x' }),
            400, 'validation_failed', 'SQL in the login is not a login');
envelope_ok(api(POST => '/uc/v1/login', { login => "+8613800000000\0x", password => 'abc12345' }),
            400, 'malformed_json', 'a \\u0000 inside a string is refused by the parser');
envelope_ok(api(POST => '/uc/v1/register', { login => 'a' x 300, password => 'x', code => '1' }),
            400, 'identifier_too_long', 'an overlong login');
envelope_ok(api(POST => '/uc/v1/login', { login => 'x@y.cn', password => 'p' x 129 }),
            400, 'validation_failed', 'an overlong password');

my $big = '{"login":"' . ('a' x (70 * 1024)) . '"}';
envelope_ok(api(POST => '/uc/v1/login', $big), 413, 'body_too_large',
            'a 70 KB body (the gateway stops it)');

envelope_ok(api(GET => '/uc/v1/nothing-here'), 404, 'not_found', 'unknown endpoint');
envelope_ok(api(PUT => '/uc/v1/login', {}), 405, 'method_not_allowed', 'wrong method');
envelope_ok(api(GET => '/uc/v1/me/profile'), 401, 'login_required',
            'the profile without a session');
envelope_ok(api(GET => '/uc/v1/me/profile', undef, undef,
                { 'X-UC-User-Id' => '1', 'X-UC-Gateway-Secret' => 'guess' }),
            401, 'login_required', 'forged identity and gateway headers');

# profile values: unicode kept, metacharacters stored verbatim
my $nick = "小明 ' OR 1=1; DROP TABLE users; -- \x{1F600}";
$r = api(PATCH => '/uc/v1/me/profile', JSON::PP->new->utf8->encode({ nickname => $nick }), $token);
is($r->{status}, 200, 'a nickname with unicode and SQL metacharacters');
$r = api(GET => '/uc/v1/me/profile', undef, $token);
is(JSON::PP->new->utf8->decode($r->{content})->{nickname}, $nick,
   'comes back byte for byte');
is(stack_sql("SELECT COUNT(*) FROM users") + 0, $users_before + 0,
   'and the users table is still there');

envelope_ok(api(PATCH => '/uc/v1/me/profile', { nickname => "a\x01b" }, $token),
            400, 'validation_failed', 'control characters in a nickname');
envelope_ok(api(PATCH => '/uc/v1/me/profile', { nickname => 'x' x 65 }, $token),
            400, 'validation_failed', 'a 65-byte nickname');
envelope_ok(api(PATCH => '/uc/v1/me/profile', { birthday => '2001-02-29' }, $token),
            400, 'validation_failed', 'a date that does not exist');
envelope_ok(api(PATCH => '/uc/v1/me/profile', { birthday => '2999-01-01' }, $token),
            400, 'validation_failed', 'a birthday in the future');
envelope_ok(api(PATCH => '/uc/v1/me/profile', { avatar_url => 'javascript:alert(1)' }, $token),
            400, 'validation_failed', 'a javascript: avatar');
envelope_ok(api(PATCH => '/uc/v1/me/profile', { region_code => '11010x' }, $token),
            400, 'validation_failed', 'a region code with a letter');
envelope_ok(api(PATCH => '/uc/v1/me/profile', { gender => 'robot' }, $token),
            400, 'validation_failed', 'an unknown gender');
$r = api(PATCH => '/uc/v1/me/profile',
         { gender => 'female', birthday => '2000-02-29', region_code => '440305',
           avatar_url => 'https://cdn.example.com/a.png' }, $token);
is($r->{status}, 200, 'valid profile values are saved');
is($r->{json}{region_code}, '440305', '... and returned');

# the gateway's registration guard, as conf/ configures it
envelope_ok(api(POST => '/uc/v1/codes', { to => 'bot@mailinator.com', purpose => 'register' }),
            403, 'registration_refused', 'a code for a disposable address');
envelope_ok(api(POST => '/uc/v1/register',
                { login => new_phone(), password => 'bot-pass-123', code => '123456',
                  website => 'http://spam.example' }),
            403, 'registration_refused', 'a sign-up that fills the honeypot');

is(stack_sql('SELECT COUNT(*) FROM users') + 0, $users_before + 0,
   'no hostile request created a user');
is(api(GET => '/uc/v1/health')->{status}, 200, 'the backend is still up');

done_testing();
