# Two more gateways with a near-cache on the stack's Redis, a session that
# acts for a merchant: they admit it without a Redis read per request, and
# each change made through the API (merchant frozen, suspended on the
# line, taken off it, membership removed) is refused by both within a
# second of the call, and each undoing admitted again within a second.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use IO::Socket::INET;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);

sub sign_up {
    my $phone = new_phone();
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
    my $r = api(POST => '/uc/v1/register',
                { login => $phone, password => 'merchant-pass-1',
                  code => last_code($phone) });
    die "sign-up: $r->{content}" unless $r->{status} == 201;
    return ($r->{json}{user_id}, $r->{json}{token}, $phone);
}

my ($owner, $owner_t) = sign_up();
my ($staff, $staff_t, $staff_phone) = sign_up();
my $line = "mgw$$";

api(PUT => "/uc/v1/admin/lines/$line", { name => 'Merchant gateways' }, $admin);
my $r = api(POST => '/uc/v1/merchants',
            { kind => 'individual', name => "Shop $$" }, $owner_t);
my $mid = $r->{json}{id};
api(POST => "/uc/v1/admin/merchants/$mid/status", { status => 'active' }, $admin);
api(PUT => "/uc/v1/admin/merchants/$mid/lines/$line", { status => 'active' },
    $admin);
my $inv = api(POST => "/uc/v1/merchants/$mid/invitations", { to => $staff_phone },
              $owner_t)->{json}{id};
is(api(POST => "/uc/v1/invitations/$inv/accept", undef, $staff_t)->{status}, 200,
   'a member');
is(api(POST => '/uc/v1/session/merchant', { merchant_id => $mid }, $staff_t)
   ->{status}, 200, '... acting for the merchant');

my @ports = extra_gateways('merchants', <<"LOC");
        location /m {
            usercenter_auth required;
            usercenter_business_line $line;
            proxy_pass http://127.0.0.1:$ENV{UC_MALL_PORT};
        }
LOC

sub reads {
    my $info = stack_redis('INFO', 'commandstats');
    my $n = 0;
    $n += $1 while $info =~ /^cmdstat_(?:hgetall|hmget):calls=(\d+)/mg;
    return $n;
}

my $auth = "Authorization: Bearer $staff_t\r\n";
my @conn = map { IO::Socket::INET->new("127.0.0.1:$_") // die "gw: $!" } @ports;
sub both { my $want = shift; return sub {
    status_at($conn[0], '/m', $auth) == $want
        && status_at($conn[1], '/m', $auth) == $want } }

ok(wait_for(both(200)), 'two more gateways admit the session acting for it');
ok(wait_for(sub { my $h = reads(); status_at($_, '/m', $auth) for @conn;
                  reads() == $h }, 80),
   '... from their near-caches');
my $before = reads();
cmp_ok($before, '>', 0, "... Redis's read count is read (the first reads)");
status_at($_, '/m', $auth) for (@conn) x 25;
is(reads(), $before,
   '... 50 requests, not one read of session, merchant or membership');

my @changes = (
    [ 'frozen',
      sub { api(POST => "/uc/v1/admin/merchants/$mid/status",
                { status => 'frozen' }, $admin) },
      sub { api(POST => "/uc/v1/admin/merchants/$mid/status",
                { status => 'active' }, $admin) } ],
    [ 'suspended on the line',
      sub { api(PUT => "/uc/v1/admin/merchants/$mid/lines/$line",
                { status => 'suspended' }, $admin) },
      sub { api(PUT => "/uc/v1/admin/merchants/$mid/lines/$line",
                { status => 'active' }, $admin) } ],
    [ 'taken off the line',
      sub { api(DELETE => "/uc/v1/admin/merchants/$mid/lines/$line", undef,
                $admin) },
      sub { api(PUT => "/uc/v1/admin/merchants/$mid/lines/$line",
                { status => 'active' }, $admin) } ],
    [ 'membership removed',
      sub { api(DELETE => "/uc/v1/merchants/$mid/members/$staff", undef,
                $owner_t) },
      undef ],
);

for my $c (@changes) {
    my ($what, $do, $undo) = @$c;
    my $t0 = time;
    is($do->()->{status}, 200, "$what through the API");
    my $seen = wait_for(both(403));
    my $d = time - $t0;
    diag sprintf '%s: refused by both gateways %.1f ms after the call', $what,
        1000 * $d;
    ok($seen && $d < 1, "... both gateways refuse within a second");
    next unless $undo;
    $t0 = time;
    $undo->();
    $seen = wait_for(both(200));
    ok($seen && time - $t0 < 1, '... undone: both admit again within a second');
}

# --- a lost publication is made good: the member's copy put back as it was
# before the removal (as if that write never reached Redis), then the
# merchant's copy rewritten by a later change, so its version is the
# store's: the reconciler still compares the member's own copy
my $member_key = "uc:{m:$mid}:u:$staff";
my $removed = stack_redis('HGET', $member_key, 'version');
stack_redis('HSET', $member_key, 'role', 'staff', 'version', $removed - 1);
ok(wait_for(both(200)), 'a removal lost on its way: the gateways admit again');
is(api(PATCH => "/uc/v1/merchants/$mid", { address => "elsewhere $$" }, $owner_t)
   ->{status}, 200, "... and a later change rewrites the merchant's copy");
is(stack_redis('HGET', "uc:{m:$mid}", 'version'),
   api(GET => "/uc/v1/admin/merchants/$mid", undef, $admin)->{json}{version},
   "... to the store's version");
# the outbox thread's round comes every half minute
ok(wait_for(sub { stack_redis('HGET', $member_key, 'role') eq '' }, 1600),
   "the reconciler writes the member's removal again");
ok(wait_for(both(403)), '... and both gateways refuse again');

done_testing();
