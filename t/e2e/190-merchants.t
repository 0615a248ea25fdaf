# Merchants through the gateway: a user applies (pending, owner), an
# operator approves, freezes and enables it per business line; the owner
# edits it, invites by phone and e-mail, the invitee (and only the
# invitee) accepts, owners and admins remove; a member switches their
# session to act for it and the mall's upstream gets X-UC-Merchant-Id and
# -Role; freezing, leaving the line or losing the membership is refused
# at the gateway (403 merchant_forbidden) within a second. Every change
# has its audit row; the public record is read cache-aside (a storm of
# reads, one store read); hostile input gets the envelope.

use strict;
use warnings;
use Test::More;
use POSIX qw(_exit);
use Time::HiRes qw(time);
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

# a valid GB 32100 code: 17 characters of the body, and its check one
my @Alphabet = split //, '0123456789ABCDEFGHJKLMNPQRTUWXY';
my %Value = map { $Alphabet[$_] => $_ } 0 .. $#Alphabet;
my @Weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28);
sub uscc {
    my $body = shift;
    my $sum = 0;
    $sum += $Value{substr $body, $_, 1} * $Weights[$_] for 0 .. 16;
    return $body . $Alphabet[(31 - $sum % 31) % 31];
}
my $n = sprintf '%08d', $$ % 100000000;
my $code = uscc("91110000$n" . 'A');
my $code2 = uscc("92110000$n" . 'B');

my ($owner, $owner_t) = sign_up();
my ($staff, $staff_t, $staff_phone) = sign_up();
my ($stranger, $stranger_t) = sign_up();

# --- applying, and hostile input
my %m = (kind => 'enterprise', name => "E2E 商户 $$", credit_code => $code,
         legal_rep => '张三', address => '北京市朝阳区', industry => 'retail',
         logo_url => 'https://cdn.example.com/logo.png',
         contact => { name => '李四', phone => '+8613800000000',
                      email => 'ops@example.com' });
my @bad = (
    [ { %m, credit_code => substr($code, 0, 17) . ($code =~ /0$/ ? '1' : '0') },
      400, 'invalid_credit_code', 'a wrong check character' ],
    [ { %m, credit_code => 'short' }, 400, 'invalid_credit_code', 'a short code' ],
    [ { %m, credit_code => undef }, 400, 'invalid_credit_code',
      'an enterprise without a code' ],
    [ { %m, kind => 'shell' }, 400, 'validation_failed', 'an unknown kind' ],
    [ { %m, name => '' }, 400, 'validation_failed', 'an empty name' ],
    [ { %m, name => "a\nb" }, 400, 'validation_failed', 'a control character' ],
    [ { %m, name => 'x' x 201 }, 400, 'validation_failed', 'a name too long' ],
    [ { %m, name => [1] }, 400, 'validation_failed', 'a name that is a list' ],
    [ { %m, logo_url => 'javascript:alert(1)' }, 400, 'validation_failed',
      'a logo that is no https URL' ],
    [ { %m, logo_url => 'https://x.example/a b' }, 400, 'validation_failed',
      'a logo URL with a space' ],
    [ { %m, contact => { phone => '12345' } }, 400, 'validation_failed',
      'a bad contact phone' ],
    [ { %m, contact => 'me' }, 400, 'validation_failed', 'a contact string' ],
);
for my $b (@bad) {
    my ($body, $status, $code_, $what) = @$b;
    my $r = api(POST => '/uc/v1/merchants', $body, $owner_t);
    is($r->{status}, $status, "$what: $status");
    is($r->{json}{error}{code}, $code_, "... $code_");
}
my $r = api(POST => '/uc/v1/merchants', '{"kind":', $owner_t);
is($r->{status}, 400, 'broken JSON: 400');
$r = api(POST => '/uc/v1/merchants', \%m);
is($r->{status}, 401, 'no session: 401');

$r = api(POST => '/uc/v1/merchants', { %m, credit_code => lc $code }, $owner_t);
is($r->{status}, 201, 'an enterprise applies: 201');
my $mid = $r->{json}{id};
like($mid, qr/^\d{1,20}$/, '... a numeric id');
is($r->{json}{status}, 'pending', '... pending');
is($r->{json}{credit_code}, $code, '... the code as printed (capitals)');
is($r->{json}{certification}, 'none', '... not certified');
is($r->{json}{contact}{phone}, '+8613800000000', '... its contact');
is(stack_redis('HGET', "uc:{m:$mid}", 'status'), 'pending',
   "... and the gateways' copy says pending");
is(stack_redis('HGET', "uc:{m:$mid}:u:$owner", 'role'), 'owner',
   '... with the applicant as its owner');

$r = api(POST => '/uc/v1/merchants', { %m, name => 'Again' }, $stranger_t);
is($r->{status}, 409, 'the same credit code again: 409');
is($r->{json}{error}{code}, 'credit_code_taken', '... credit_code_taken');

$r = api(POST => '/uc/v1/merchants',
         { kind => 'individual', name => "个体 $$" }, $stranger_t);
is($r->{status}, 201, 'an individual business without a code: 201');
my $other_mid = $r->{json}{id};

is(api(GET => "/uc/v1/merchants/$mid")->{status}, 404,
   'a pending merchant is not public');

# --- the operator
$r = api(GET => '/uc/v1/admin/merchants?status=pending&limit=500', undef, $admin);
is($r->{status}, 200, 'the pending list');
ok((grep { $_->{id} eq $mid } @{ $r->{json}{merchants} }), '... has it');
is(api(GET => '/uc/v1/admin/merchants', undef, $owner_t)->{status}, 403,
   'not for users');
is(api(GET => '/uc/v1/admin/merchants?status=odd', undef, $admin)->{status}, 400,
   'an unknown status filter: 400');
is(api(GET => '/uc/v1/admin/merchants?cursor=1%27', undef, $admin)->{status}, 400,
   'a cursor that is no id: 400');
$r = api(POST => "/uc/v1/admin/merchants/$mid/status",
         { status => 'active', reason => 'documents checked' }, $admin);
is($r->{status}, 200, 'approved');
is($r->{json}{status}, 'active', '... active');
ok($r->{json}{published}, '... published');
is(api(POST => "/uc/v1/admin/merchants/$mid/status", { status => 'gone' },
       $admin)->{status}, 400, 'an unknown status: 400');
is(api(POST => "/uc/v1/admin/merchants/$mid/status",
       { status => 'frozen', version => 1 }, $admin)->{status}, 409,
   'a decision on a version that is no longer the record: 409');
is(api(POST => "/uc/v1/admin/merchants/999999999999999999/status",
       { status => 'frozen' }, $admin)->{status}, 404, 'no such merchant: 404');
is(api(POST => "/uc/v1/admin/merchants/abc/status", { status => 'frozen' },
       $admin)->{status}, 400, 'an id that is no number: 400');

# the mall and pay lines as records (the line must exist to be enabled on)
api(PUT => '/uc/v1/admin/lines/mall', { name => 'Mall' }, $admin);
api(PUT => '/uc/v1/admin/lines/pay', { name => 'Pay' }, $admin);
api(POST => '/uc/v1/admin/lines/mall/resume', undef, $admin);
$r = api(PUT => "/uc/v1/admin/merchants/$mid/lines/mall", { status => 'active' },
         $admin);
is($r->{status}, 200, 'enabled on the mall');
is_deeply($r->{json}{lines}, [{ line => 'mall', status => 'active' }],
          '... the record lists it');
is(stack_redis('HGET', "uc:{m:$mid}", 'line:mall'), 'active',
   "... and so does the gateways' copy");
is(api(PUT => "/uc/v1/admin/merchants/$mid/lines/nowhere-$$",
       { status => 'active' }, $admin)->{status}, 404,
   'a line without a record: 404');
is(api(PUT => "/uc/v1/admin/merchants/$mid/lines/Mall!", { status => 'active' },
       $admin)->{status}, 400, 'a line code that is none: 400');
is(api(PUT => "/uc/v1/admin/merchants/$mid/lines/pay", { status => 'on' },
       $admin)->{status}, 400, 'an unknown line status: 400');

# --- the public record, cache-aside
sub reads { api(GET => '/uc/v1/admin/stats', undef, $admin)->{json}{merchant_store_reads} }
stack_redis('DEL', "uc:{mp:$mid}");
my $before = reads();
my $clients = 40;
pipe(my $go_r, my $go_w) or die $!;
my @pids;
for (1 .. $clients) {
    my $pid = fork // die $!;
    if ($pid == 0) {
        close $go_w;
        sysread $go_r, my $x, 1;
        my $res = api(GET => "/uc/v1/merchants/$mid");
        _exit($res->{status} == 200 && $res->{json}{id} eq $mid ? 0 : 1);
    }
    push @pids, $pid;
}
close $go_r;
close $go_w;
my $failed = 0;
for (@pids) { waitpid $_, 0; $failed++ if $? }
is($failed, 0, "$clients concurrent reads of one merchant answered");
is(reads() - $before, 1, '... with one store read for the storm');
my $ttl = stack_redis('TTL', "uc:{mp:$mid}");
ok($ttl >= 3240 && $ttl <= 3960, "... cached for an hour, jittered ($ttl s)");
$r = api(GET => "/uc/v1/merchants/$mid");
is($r->{json}{name}, $m{name}, 'public: the name');
is($r->{json}{legal_rep}, '张**', '... the representative masked');
ok(!exists $r->{json}{contact}, '... no contact');
$before = reads();
my $unknown = sprintf '9%d%d', $$, time;
is(api(GET => "/uc/v1/merchants/$unknown")->{status}, 404, 'an unknown id: 404');
is(api(GET => "/uc/v1/merchants/$unknown")->{status}, 404, '... again');
is(reads() - $before, 1, '... read from the store once (the null marker)');
is(api(GET => '/uc/v1/merchants/1%20OR%201=1')->{status}, 400,
   'an id that is no number: 400');

# --- editing
$r = api(PATCH => "/uc/v1/merchants/$mid", { address => '上海市浦东新区' },
         $owner_t);
is($r->{status}, 200, 'the owner edits');
is($r->{json}{address}, '上海市浦东新区', '... the address');
is($r->{json}{name}, $m{name}, '... the rest kept');
is(api(GET => "/uc/v1/merchants/$mid")->{json}{address}, '上海市浦东新区',
   '... and the public record has it at once');
my $version = $r->{json}{version};
$r = api(PATCH => "/uc/v1/merchants/$mid", { industry => 'food',
                                             version => $version - 1 },
         $owner_t);
is($r->{status}, 409, 'an edit of an older version: 409');
is(api(PATCH => "/uc/v1/merchants/$mid", { kind => 'individual' },
       $owner_t)->{json}{error}{code}, 'validation_failed', 'the kind stays');
is(api(PATCH => "/uc/v1/merchants/$mid", { address => 'x' }, $stranger_t)
   ->{status}, 404, 'a stranger cannot (and is not told it exists)');
is(api(GET => "/uc/v1/me/merchants/$mid", undef, $stranger_t)->{status}, 404,
   '... nor read the whole record');

# --- invitations
$r = api(POST => "/uc/v1/merchants/$mid/invitations",
         { to => $staff_phone, role => 'staff' }, $owner_t);
is($r->{status}, 201, 'the owner invites by phone');
my $inv = $r->{json}{id};
like($inv, qr/^[0-9a-f]{32}$/, '... a random id');
unlike($r->{content}, qr/\Q$staff_phone\E/, '... the phone masked');
$r = api(GET => "/uc/v1/admin/invitations/$inv", undef, $admin);
is($r->{json}{recipient}, $staff_phone,
   'the sender of SMS and mail reads the recipient through the admin API');
is(api(GET => "/uc/v1/admin/invitations/$inv", undef, $owner_t)->{status}, 403,
   '... which users cannot');
is(api(POST => "/uc/v1/merchants/$mid/invitations", { to => 'nobody' },
       $owner_t)->{status}, 400, 'no phone or e-mail: 400');
is(api(POST => "/uc/v1/merchants/$mid/invitations",
       { to => $staff_phone, role => 'owner' }, $owner_t)->{status}, 400,
   'inviting an owner: 400');
is(api(POST => "/uc/v1/merchants/$mid/invitations", { to => $staff_phone },
       $stranger_t)->{status}, 404, 'a stranger cannot invite');
$r = api(POST => "/uc/v1/merchants/$mid/invitations",
         { to => 'later@example.com' }, $owner_t);
my $inv2 = $r->{json}{id};
is(scalar @{ api(GET => "/uc/v1/merchants/$mid/invitations", undef, $owner_t)
             ->{json}{invitations} }, 2, 'two pending');

$r = api(GET => '/uc/v1/me/invitations', undef, $staff_t);
is_deeply([map { $_->{id} } @{ $r->{json}{invitations} }], [$inv],
          'the invitee sees it');
is(scalar @{ api(GET => '/uc/v1/me/invitations', undef, $stranger_t)
             ->{json}{invitations} }, 0, '... others do not');
$r = api(POST => "/uc/v1/invitations/$inv/accept", undef, $stranger_t);
is($r->{status}, 404, 'another user cannot accept it, knowing its id');
is(api(POST => "/uc/v1/invitations/nothex/accept", undef, $staff_t)->{status},
   404, 'a malformed id: 404');
$r = api(POST => "/uc/v1/invitations/$inv/accept", undef, $staff_t);
is($r->{status}, 200, 'the invitee accepts');
is($r->{json}{role}, 'staff', '... as staff');
is(stack_redis('HGET', "uc:{m:$mid}:u:$staff", 'role'), 'staff',
   "... and the gateways' copy has the membership");
is(api(POST => "/uc/v1/invitations/$inv/accept", undef, $staff_t)->{status},
   410, 'accepted once: the second time 410');
is(api(DELETE => "/uc/v1/merchants/$mid/invitations/$inv2", undef, $owner_t)
   ->{status}, 200, 'the owner cancels the other');
is(api(DELETE => "/uc/v1/merchants/$other_mid/invitations/$inv2", undef,
       $stranger_t)->{status}, 404, "... not through another merchant");

$r = api(GET => "/uc/v1/merchants/$mid/members", undef, $staff_t);
is_deeply([sort map { "$_->{user_id}:$_->{role}" } @{ $r->{json}{members} }],
          [sort("$owner:owner", "$staff:staff")], 'the members, as a member sees them');
is(api(GET => "/uc/v1/merchants/$mid/members", undef, $stranger_t)->{status},
   404, '... not a stranger');
$r = api(GET => '/uc/v1/me/merchants', undef, $staff_t);
is($r->{json}{merchants}[0]{merchant_id}, $mid, "the staff's merchants");
is($r->{json}{merchants}[0]{role}, 'staff', '... and role');

# --- roles
is(api(PUT => "/uc/v1/merchants/$mid/members/$staff", { role => 'admin' },
       $staff_t)->{status}, 403, 'staff cannot promote themselves');
is(api(DELETE => "/uc/v1/merchants/$mid/members/$owner", undef, $staff_t)
   ->{status}, 403, '... nor remove the owner');
is(api(DELETE => "/uc/v1/merchants/$mid/members/$owner", undef, $owner_t)
   ->{json}{error}{code}, 'last_owner', 'the last owner cannot leave');
is(api(PUT => "/uc/v1/merchants/$mid/members/$owner", { role => 'admin' },
       $owner_t)->{json}{error}{code}, 'last_owner', '... nor step down');
is(api(PUT => "/uc/v1/merchants/$mid/members/$stranger", { role => 'staff' },
       $owner_t)->{status}, 404, 'a role for a non-member: 404');
is(api(PUT => "/uc/v1/merchants/$mid/members/$staff", { role => 'god' },
       $owner_t)->{status}, 400, 'an unknown role: 400');

# --- acting for the merchant through the mall
$r = api(POST => '/mall/uc/v1/session/merchant', { merchant_id => $mid }, $staff_t);
is($r->{status}, 200, 'the staff member acts for the merchant');
is($r->{json}{role}, 'staff', '... as staff');
$r = api(GET => '/mall/merchant/orders', undef, $staff_t);
is($r->{status}, 200, 'the merchant console');
is($r->{json}{merchant_id}, $mid, '... gets X-UC-Merchant-Id');
is($r->{json}{merchant_role}, 'staff', '... and X-UC-Merchant-Role');
$r = api(GET => '/mall/merchant/orders', undef, $staff_t,
         { 'X-UC-Merchant-Role' => 'owner', 'X-UC-Merchant-Id' => $other_mid });
is("$r->{json}{merchant_id}/$r->{json}{merchant_role}", "$mid/staff",
   "... never the client's copies");
$r = api(POST => '/mall/uc/v1/session/merchant', { merchant_id => $other_mid },
         $staff_t);
is($r->{status}, 403, 'acting for a merchant one is no member of: 403');
is($r->{json}{error}{code}, 'merchant_forbidden', '... merchant_forbidden');
$r = api(POST => '/mall/uc/v1/session/merchant', { merchant_id => $other_mid },
         $stranger_t);
like($r->{json}{error}{message}, qr/not approved/,
     "... and the owner of a pending one is told why");
is(api(POST => '/uc/v1/session/merchant', { merchant_id => [] }, $staff_t)
   ->{status}, 400, 'a merchant id that is a list: 400');
is(api(POST => '/uc/v1/session/merchant', { merchant_id => $mid })->{status},
   401, 'no session: 401');

# the role is the membership's now, not when the session switched
api(PUT => "/uc/v1/merchants/$mid/members/$staff", { role => 'admin' }, $owner_t);
ok(wait_for(sub { (api(GET => '/mall/merchant/orders', undef, $staff_t)
                   ->{json}{merchant_role} // '') eq 'admin' }, 40),
   'a promotion reaches the upstream within a second');

sub console { api(GET => '/mall/merchant/orders', undef, $staff_t) }
sub refused_within_a_second {
    my $t0 = time;
    my $ok = wait_for(sub { console()->{status} == 403 }, 40);
    return ($ok && time - $t0 < 1, console()->{json}{error}{message} // '');
}

api(POST => "/uc/v1/admin/merchants/$mid/status",
    { status => 'frozen', reason => 'complaints' }, $admin);
my ($ok, $why) = refused_within_a_second();
ok($ok, 'frozen: refused at the gateway within a second');
is($why, 'the merchant is frozen', '... and told why');
is(api(GET => '/mall/cart', undef, $staff_t)->{status}, 403,
   '... everywhere the session acts for it');
$r = api(POST => '/uc/v1/session/merchant', { merchant_id => undef }, $staff_t);
is($r->{status}, 200, '... but the member can stop acting for it');
is(api(GET => '/mall/cart', undef, $staff_t)->{status}, 200,
   '... and is themselves again');
is(api(POST => '/mall/uc/v1/session/merchant', { merchant_id => $mid },
       $staff_t)->{status}, 403, '... and cannot act for it while it is frozen');
api(POST => "/uc/v1/admin/merchants/$mid/status", { status => 'active' }, $admin);
is(api(POST => '/mall/uc/v1/session/merchant', { merchant_id => $mid },
       $staff_t)->{status}, 200, 'active again: acting again');
ok(wait_for(sub { console()->{status} == 200 }, 40), '... and admitted');

api(PUT => "/uc/v1/admin/merchants/$mid/lines/mall", { status => 'suspended' },
    $admin);
($ok, $why) = refused_within_a_second();
ok($ok, 'suspended on the mall: refused within a second');
like($why, qr/suspended on business line "mall"/, '... and told why');
api(DELETE => "/uc/v1/admin/merchants/$mid/lines/mall", undef, $admin);
ok(wait_for(sub { (console()->{json}{error}{message} // '')
                  =~ /not enabled on business line "mall"/ }, 40),
   'taken off the mall: not enabled');
api(PUT => "/uc/v1/admin/merchants/$mid/lines/mall", { status => 'active' }, $admin);
ok(wait_for(sub { console()->{status} == 200 }, 40), 'back on the mall');

$r = api(DELETE => "/uc/v1/merchants/$mid/members/$staff", undef, $owner_t);
is($r->{status}, 200, 'the owner removes the member');
($ok, $why) = refused_within_a_second();
ok($ok, '... refused at the gateway within a second');
like($why, qr/no longer a member/, '... and told why');
is(stack_redis('HGET', "uc:{m:$mid}:u:$staff", 'role'), '',
   "... the gateways' copy keeps the removal");
is(api(GET => "/uc/v1/me/merchants/$mid", undef, $staff_t)->{status}, 404,
   '... and the backend agrees');

# --- an invitation is used once, and only while its sender is an owner
my ($back, $back_t, $back_phone) = sign_up();
$r = api(POST => "/uc/v1/merchants/$mid/invitations", { to => $back_phone },
         $owner_t);
is(api(POST => "/uc/v1/invitations/$r->{json}{id}/accept", undef, $back_t)
   ->{status}, 200, 'a member joins');
$r = api(POST => "/uc/v1/merchants/$mid/invitations", { to => $back_phone,
                                                         role => 'admin' },
         $owner_t);
my $spare = $r->{json}{id};
$r = api(POST => "/uc/v1/invitations/$spare/accept", undef, $back_t);
is("$r->{status} $r->{json}{role}", '200 staff',
   '... accepting another invitation as a member changes nothing');
my $spare2 = api(POST => "/uc/v1/merchants/$mid/invitations",
                 { to => $back_phone }, $owner_t)->{json}{id};
api(DELETE => "/uc/v1/merchants/$mid/members/$back", undef, $owner_t);
is(api(POST => "/uc/v1/invitations/$spare/accept", undef, $back_t)->{status},
   410, '... and it is used up: no way back in after a removal');
is(api(POST => "/uc/v1/invitations/$spare2/accept", undef, $back_t)->{status},
   410, '... nor through one still pending: a removal cancels them');
is(api(GET => "/uc/v1/me/merchants/$mid", undef, $back_t)->{status}, 404,
   '... still out');

# --- ids as the store writes them
is(api(DELETE => "/uc/v1/merchants/$mid/members/0$owner", undef, $owner_t)
   ->{status}, 400, 'a user id with a leading zero: 400 (never another key)');
is(api(GET => "/uc/v1/merchants/0$mid")->{status}, 400,
   '... a merchant id too');
is(api(GET => '/uc/v1/merchants/9223372036854775808')->{status}, 400,
   '... and one beyond 64 bits (never a 500 from PostgreSQL)');
is(api(GET => '/uc/v1/merchants/9223372036854775807')->{status}, 404,
   '... while the largest is only unknown');

# --- the name and code an operator approved stay
is(api(PATCH => "/uc/v1/merchants/$mid", { name => 'Renamed' }, $owner_t)
   ->{json}{error}{code}, 'merchant_reviewed',
   'an active merchant is not renamed by its owner');

# --- flags that target merchants, through the user center's API
api(PUT => "/uc/v1/admin/flags/mall/m$$", { enabled => \1, merchants => [$mid] },
    $admin);
my ($acting, $acting_t, $acting_phone) = sign_up();
$r = api(POST => "/uc/v1/merchants/$mid/invitations", { to => $acting_phone },
         $owner_t);
api(POST => "/uc/v1/invitations/$r->{json}{id}/accept", undef, $acting_t);
is(api(GET => '/uc/v1/flags?line=mall', undef, $acting_t)->{json}{flags}{"m$$"},
   JSON::PP::false, "a merchant's flag: off for a member not acting for it");
api(POST => '/uc/v1/session/merchant', { merchant_id => $mid }, $acting_t);
is(api(GET => '/uc/v1/flags?line=mall', undef, $acting_t)->{json}{flags}{"m$$"},
   JSON::PP::true, '... on once the session acts for it');
is(api(GET => '/uc/v1/flags?line=pay', undef, $acting_t)->{status}, 200,
   '... (another line answers)');
api(DELETE => "/uc/v1/merchants/$mid/members/$acting", undef, $owner_t);
is(api(GET => '/uc/v1/flags?line=mall', undef, $acting_t)->{json}{flags}{"m$$"},
   JSON::PP::false, '... off again once the membership is removed');
api(DELETE => "/uc/v1/admin/flags/mall/m$$", undef, $admin);

# --- the audit: every change, its actor, before and after
$r = api(GET => "/uc/v1/admin/audit?subject=merchant:$mid&limit=200", undef,
         $admin);
my @actions = reverse map { $_->{action} } @{ $r->{json}{changes} };
my @wanted = qw(merchant.created merchant.updated merchant.member_invited
                merchant.member_invited merchant.member_joined
                merchant.invitation_cancelled merchant.member_role_changed
                merchant.member_removed merchant.member_invited
                merchant.member_joined merchant.member_invited
                merchant.invitation_used merchant.member_invited
                merchant.member_removed);
my @got = grep { !/^merchant\.(line|status)_changed$/ } @actions;
is_deeply([@got[0 .. $#wanted]], \@wanted,
          'the audit has every change of the merchant and its members, in order');
my ($removal) = grep { $_->{action} eq 'merchant.member_removed'
                       && $_->{after}{user_id} eq $staff } @{ $r->{json}{changes} };
is($removal->{actor}, $owner, '... with its actor');
is($removal->{before}{role}, 'admin', '... the member before');
is($removal->{after}{role}, '', '... and after');
my ($freeze) = grep { $_->{action} eq 'merchant.status_changed'
                      && $_->{after}{status} eq 'frozen' } @{ $r->{json}{changes} };
is($freeze->{before}{status}, 'active', 'the freeze: active before');
is($freeze->{actor}, '1', '... by the operator');
unlike($r->{content}, qr/\Q$staff_phone\E/, 'no phone number in the audit');
unlike($r->{content}, qr/\+8613800000000|ops\@example\.com/,
       "... nor the contact's phone and e-mail");
like($r->{content}, qr/"phone":"\+86138\*\*\*\*0000"/, '... masked');

# --- ucctl drives the same API
{
    local $ENV{UC_TOKEN} = $admin;
    like(scalar ucctl_stack('merchant', 'freeze', $mid, '--reason', 'a "quoted" reason'),
         qr/"status":"frozen","status_reason":"a \\"quoted\\" reason"/,
         'ucctl merchant freeze, with a reason');
    like(scalar ucctl_stack('merchant', 'approve', $mid), qr/"status":"active"/,
         'ucctl merchant approve');
    like(scalar ucctl_stack('merchant', 'line', $mid, 'pay', 'suspended'),
         qr/\{"line":"pay","status":"suspended"\}/, 'ucctl merchant line');
    unlike(scalar ucctl_stack('merchant', 'line', $mid, 'pay', 'off'),
           qr/"line":"pay"/, 'ucctl merchant line ... off');
    like(scalar ucctl_stack('merchant', 'get', $mid), qr/"id":"$mid"/,
         'ucctl merchant get');
    like(scalar ucctl_stack('merchant', 'list', 'active'), qr/"id":"$mid"/,
         'ucctl merchant list active');
    like(scalar ucctl_stack('merchant', 'audit', $mid),
         qr/"action":"merchant.line_changed"/, 'ucctl merchant audit');
    my $out = `$ENV{TEST_NGINX_UCCTL} --config $ENV{UC_RUN_DIR}/ucctl.conf merchant freeze '1/../../users/42/freeze?' 2>&1`;
    isnt($?, 0, 'ucctl refuses an id that is a path');
    like($out, qr/not a merchant's id/, '... saying so');
}

# --- closed is final
api(POST => "/uc/v1/admin/merchants/$other_mid/status", { status => 'closed' },
    $admin);
is(api(POST => "/uc/v1/admin/merchants/$other_mid/status", { status => 'active' },
       $admin)->{json}{error}{code}, 'merchant_closed', 'a closed merchant stays closed');
api(POST => "/uc/v1/admin/merchants/$mid/status", { status => 'closed' }, $admin);
is(api(POST => '/uc/v1/merchants', { %m, name => 'Successor' }, $stranger_t)
   ->{status}, 201, "a closed merchant's credit code is free again");

done_testing();
