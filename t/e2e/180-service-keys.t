# Service keys for business lines' servers: an administrator makes a key
# (its secret shown once, stored as a digest only), the line's server
# looks users up through the gateway with it (masked answers, by id, phone,
# e-mail, a batch of 1,000), a revoked key stops working within a second,
# and every refusal has its envelope.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use JSON::PP ();
use IO::Socket::INET;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);
my $line = "svc_$$";
is(api(PUT => "/uc/v1/admin/lines/$line", { name => 'Service test' }, $admin)
   ->{status}, 201, 'a line');

# --- making a key
my $r = api(POST => "/uc/v1/admin/lines/$line/keys",
            { name => 'orders server', expires_in => 86400 }, $admin);
is($r->{status}, 201, 'a key: 201');
my ($kid, $secret) = ($r->{json}{key_id}, $r->{json}{secret});
like($kid, qr/^[0-9a-f]{16}$/, '... its id, 16 hex digits');
like($secret, qr/^[A-Za-z0-9_-]{43}$/, '... its secret, 43 characters');
is($r->{json}{authorization}, "UC-Key $kid.$secret", '... and the header to send');
ok($r->{json}{expires_at} > time + 86000, '... expiring in a day');
ok($r->{json}{published}, '... published');
my $list = api(GET => "/uc/v1/admin/lines/$line/keys", undef, $admin)->{json}{keys};
is(scalar @$list, 1, 'listed');
ok(!exists $list->[0]{secret} && !exists $list->[0]{hash},
   '... without its secret or digest');
is(stack_sql("SELECT count(*) FROM service_keys WHERE secret_hash LIKE '%$secret%'"),
   0, 'the store does not hold the secret');
like(stack_redis('HGET', "uc:{k:$kid}", 'hash'), qr/^[0-9a-f]{64}$/,
     "the gateways' copy holds its SHA-256");
is(api(POST => '/uc/v1/admin/lines/no_such_line/keys', { name => 'x' }, $admin)
   ->{status}, 404, 'a key for a line without a record: 404');
is(api(POST => "/uc/v1/admin/lines/$line/keys", { expires_in => 10 }, $admin)
   ->{status}, 400, 'a key living 10 s: 400');
is(api(POST => "/uc/v1/admin/lines/$line/keys", { name => 'x' x 65 }, $admin)
   ->{status}, 400, 'a 65-byte name: 400');

# --- a user to look up
my $phone = new_phone();
api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
my $uid = api(POST => '/uc/v1/register', { login => $phone, password => 'svc-pass-1',
                                           code => last_code($phone) })->{json}{user_id};
ok($uid, 'a user');

my %key = (Authorization => "UC-Key $kid.$secret");
$r = api(GET => "/uc/v1/service/users/$uid", undef, undef, \%key);
is($r->{status}, 200, 'the line looks the user up by id');
(my $masked = $phone) =~ s/^(\+86\d{3})\d{4}(\d{4})$/$1****$2/;
is($r->{json}{user}{phone}, $masked, "... the phone masked ($masked)");
is($r->{json}{user}{status}, 'active', '... the status');
is($r->{json}{user}{auth_level}, 2, '... the level');
ok(!grep({ defined && $_ eq $phone } values %{ $r->{json}{user} }), '... the phone nowhere whole');
$r = api(GET => '/uc/v1/service/users?phone=' . ($phone =~ s/\+/%2B/r), undef, undef, \%key);
is($r->{json}{user}{id}, $uid, 'by phone');
is(api(GET => '/uc/v1/service/users?phone=%2B8613900000000', undef, undef, \%key)
   ->{status}, 404, 'an unknown phone: 404');
is(api(GET => '/uc/v1/service/users?phone=12', undef, undef, \%key)->{status}, 400,
   'not a phone: 400');
is(api(GET => '/uc/v1/service/users', undef, undef, \%key)->{status}, 400,
   'neither phone nor e-mail: 400');
is(api(GET => '/uc/v1/service/users/0123', undef, undef, \%key)->{status}, 404,
   'an id that is no id: 404');
is(api(GET => '/uc/v1/service/users/99999999999999999999', undef, undef, \%key)
   ->{status}, 404, 'an id beyond 64 bits: 404, not an error');
is(api(POST => '/uc/v1/service/users/batch', { ids => ['9223372036854775808'] },
       undef, \%key)->{status}, 400, '... in a batch: 400');

# a suspended line's servers stop too
api(POST => "/uc/v1/admin/lines/$line/suspend", undef, $admin);
ok(wait_for(sub { (api(GET => "/uc/v1/service/users/$uid", undef, undef, \%key)
                   ->{json}{error}{code} // '') eq 'business_line_suspended' }),
   "the line suspended: its key is refused (403 business_line_suspended)");
api(POST => "/uc/v1/admin/lines/$line/resume", undef, $admin);
ok(wait_for(sub { api(GET => "/uc/v1/service/users/$uid", undef, undef, \%key)
                  ->{status} == 200 }), '... resumed: admitted again');

# a batch of 1,000: the user, 999 unknown ids
my @ids = ($uid, map { 900000000000 + $_ } 1 .. 999);
$r = api(POST => '/uc/v1/service/users/batch', { ids => [ map { "$_" } @ids ] },
         undef, \%key);
is($r->{status}, 200, 'a batch of 1,000 ids');
is(scalar @{ $r->{json}{users} }, 1, '... one user found');
is(scalar @{ $r->{json}{not_found} }, 999, '... 999 not');
$r = api(POST => '/uc/v1/service/users/batch',
         { ids => [ $uid, '900000000001', $uid, '900000000001' ] }, undef, \%key);
is_deeply([ scalar @{ $r->{json}{users} }, $r->{json}{not_found} ],
          [ 1, ['900000000001'] ], 'repeated ids: each answered once');
is(api(POST => '/uc/v1/service/users/batch', { ids => [ map { "$_" } 1 .. 1001 ] },
       undef, \%key)->{status}, 400, '1,001 ids: 400');
is(api(POST => '/uc/v1/service/users/batch', { ids => [ 1, 2 ] }, undef, \%key)
   ->{status}, 400, 'ids as numbers: 400');
is(api(POST => '/uc/v1/service/users/batch', '{"ids":', undef, \%key)->{status},
   400, 'JSON cut short: 400');

# every lookup of a line's server is in the backend's log with its key
ok(wait_for(sub {
    open my $log, '<', "$ENV{UC_RUN_DIR}/logs/backend.log" or return 0;
    scalar grep { m{"path":"/uc/v1/service/users/batch".*"service_key":"$kid"} } <$log>;
}), "the backend's log names the key of each lookup");

# --- refusals at the gateway
is(api(GET => "/uc/v1/service/users/$uid")->{json}{error}{code},
   'service_key_required', 'no key: 401');
is(api(GET => "/uc/v1/service/users/$uid", undef, undef,
       { Authorization => "UC-Key $kid." . ('A' x 43) })->{json}{error}{code},
   'invalid_service_key', 'a forged secret: 401');
my $user_token = ucctl_stack('session', 'create', '--user', $uid, '--level', 2);
is(api(GET => "/uc/v1/service/users/$uid", undef, $user_token)->{status}, 401,
   "a user's session is no key: 401");
is(api(GET => "/uc/v1/service/users/$uid", undef, undef,
       { %key, 'X-UC-Service-Line' => 'mall' })->{status}, 200,
   "a client's own X-UC-Service-Line changes nothing");

# --- revoked: refused within a second
my $t0 = time;
$r = api(POST => "/uc/v1/admin/lines/$line/keys/$kid/revoke", undef, $admin);
is($r->{json}{status}, 'revoked', 'revoked');
my $seen = wait_for(sub {
    api(GET => "/uc/v1/service/users/$uid", undef, undef, \%key)->{status} == 401 });
ok($seen && time - $t0 < 1, 'the revoked key is refused within a second');
is(api(GET => "/uc/v1/service/users/$uid", undef, undef, \%key)->{json}{error}{code},
   'service_key_revoked', '... as revoked');
is(api(POST => "/uc/v1/admin/lines/$line/keys/$kid/revoke", undef, $admin)
   ->{status}, 200, 'revoking again: 200, no change');
is(api(POST => "/uc/v1/admin/lines/$line/keys/ffffffffffffffff/revoke", undef,
       $admin)->{status}, 404, 'an unknown key: 404');
is(api(POST => "/uc/v1/admin/lines/$line/keys/../revoke", undef, $admin)->{status},
   404, 'a path for a key id: 404');

# --- the audit
my $audit = api(GET => "/uc/v1/admin/audit?subject=line:$line", undef, $admin)
    ->{json}{changes};
is(join(' ', map { $_->{action} } @$audit),
   'service_key.revoked line.resumed line.suspended service_key.created '
   . 'line.created',
   'the audit: the key made and revoked');
ok(!grep({ index(JSON::PP::encode_json($_), $secret) >= 0 } @$audit),
   '... without the secret');

# a rotation: a second key works while the first is revoked
$r = api(POST => "/uc/v1/admin/lines/$line/keys", { name => 'rotated' }, $admin);
ok(wait_for(sub {
    api(GET => "/uc/v1/service/users/$uid", undef, undef,
        { Authorization => $r->{json}{authorization} })->{status} == 200 }),
   'a new key (the rotation) works');

# two more gateways, with near-caches: the new key is checked there from
# the cache, and its revocation is refused by both within a second
my @ports = extra_gateways('keys', <<'LOC');
        location /k {
            usercenter_auth service;
            empty_gif;
        }
LOC
my $auth = "Authorization: $r->{json}{authorization}\r\n";
my @conn = map { IO::Socket::INET->new("127.0.0.1:$_") // die "gw: $!" } @ports;
ok(wait_for(sub { status_at($conn[0], '/k', $auth) == 200
                  && status_at($conn[1], '/k', $auth) == 200 }),
   'two more gateways admit the new key');
my $t1 = time;
api(POST => "/uc/v1/admin/lines/$line/keys/$r->{json}{key_id}/revoke", undef, $admin);
my $both = wait_for(sub { status_at($conn[0], '/k', $auth) == 401
                          && status_at($conn[1], '/k', $auth) == 401 });
my $d = time - $t1;
diag sprintf 'key revoked: refused by both gateways %.1f ms after the call',
    1000 * $d;
ok($both && $d < 1, 'revoked: both refuse it within a second');

done_testing();
