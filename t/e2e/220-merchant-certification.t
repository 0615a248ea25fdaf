# A merchant's (enterprise) certification through the gateway, against the
# stand-in of Alibaba Cloud's EntElementVerify: an owner asks with the
# legal representative (and their ID number for four elements); a full
# match certifies at once and every session acting for the merchant is
# level 4 at the gateway (the demo's /mall/merchant/finance); a mismatch,
# no record, or a match of an enterprise the registry says is no longer in
# business waits for an operator, who approves or rejects with a
# reason (audited); one request pending at a time; the representative's
# name and number sealed and masked; the provider busy is 503 and leaves
# no request.

use strict;
use warnings;
use Test::More;
use File::Temp ();
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);

sub sign_up {
    my $phone = new_phone();
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
    my $r = api(POST => '/uc/v1/register',
                { login => $phone, password => 'ent-pass-1', code => last_code($phone) });
    die "sign-up: $r->{content}" unless $r->{status} == 201;
    return ($r->{json}{user_id}, $r->{json}{token});
}

my @Alphabet = split //, '0123456789ABCDEFGHJKLMNPQRTUWXY';
my %Value = map { $Alphabet[$_] => $_ } 0 .. $#Alphabet;
my @Weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28);
my $seq = 0;
sub uscc {
    my $body = sprintf '9111000%01d%08d%s', ++$seq % 10, $$ % 100000000,
                       $Alphabet[$seq % 31];
    my $sum = 0;
    $sum += $Value{substr $body, $_, 1} * $Weights[$_] for 0 .. 16;
    return $body . $Alphabet[(31 - $sum % 31) % 31];
}

my @W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2);
my $order = 0;
sub ric {
    my $body = sprintf '110105%s%03d', sprintf('19%02d0101', 60 + $$ % 30),
                       ($$ * 3 + ++$order) % 1000;
    my $sum = 0;
    $sum += substr($body, $_, 1) * $W[$_] for 0 .. 16;
    return $body . substr('10X98765432', $sum % 11, 1);
}

# a merchant of owner, approved and active on the mall; the owner's
# session acting for it
api(PUT => '/uc/v1/admin/lines/mall', { name => 'Mall' }, $admin);
api(POST => '/uc/v1/admin/lines/mall/resume', undef, $admin);
sub merchant {
    my ($name, $token) = @_;
    my $r = api(POST => '/uc/v1/merchants',
                { kind => 'enterprise', name => "$name $$", credit_code => uscc(),
                  legal_rep => '张三' }, $token);
    die "merchant: $r->{content}" unless $r->{status} == 201;
    my $mid = $r->{json}{id};
    api(POST => "/uc/v1/admin/merchants/$mid/status", { status => 'active' }, $admin);
    api(PUT => "/uc/v1/admin/merchants/$mid/lines/mall", { status => 'active' }, $admin);
    $r = api(POST => '/mall/uc/v1/session/merchant', { merchant_id => $mid }, $token);
    die "acting: $r->{content}" unless $r->{status} == 200;
    return $mid;
}

my $finance = sub { api(GET => '/mall/merchant/finance/report', undef, shift) };

# --- a full match of four elements, for a certified person
my ($owner, $token) = sign_up();
my ($staff, $staff_t) = sign_up();
is api(POST => '/uc/v1/certification/person', { name => '张三', id_number => ric() },
       $token)->{json}{auth_level}, 3, 'the owner is a certified person (level 3)';
my $mid = merchant('好商户', $token);

is $finance->($token)->{status}, 403, 'before: the level-4 location refuses the owner';

my $r = api(POST => "/uc/v1/merchants/$mid/certification", { legal_rep => '张三' }, $staff_t);
is $r->{status}, 404, 'a stranger: 404';

$r = api(POST => "/uc/v1/merchants/$mid/certification",
         { legal_rep => '张三', legal_rep_id_number => ric() }, $token);
is $r->{status}, 201, 'the owner asks: 201';
is $r->{json}{status}, 'certified', '  a full match certifies at once';
like $r->{json}{serial}, qr/^EC\d{16}$/, '  with a serial number';
is $r->{json}{elements}, 4, '  four elements';
is $r->{json}{legal_rep}, '张*', '  the representative masked';
is $r->{json}{provider_result}, 'match', '  the provider\'s answer';

ok wait_for(sub { $finance->($token)->{status} == 200 }),
    'the same session passes the level-4 location';
is $finance->($token)->{json}{auth_level}, '4', '  and the upstream sees level 4';
is api(GET => '/uc/v1/merchants/' . $mid, undef, $token)->{json}{certification},
    'certified', 'the merchant says certified';
is api(GET => "/uc/v1/merchants/$mid/certification", undef, $token)->{json}{status},
    'certified', 'GET: the request';

$r = api(POST => "/uc/v1/merchants/$mid/certification", { legal_rep => '张三' }, $token);
is "$r->{status} $r->{json}{error}{code}", '409 not_certifiable', 'again: 409';

my $row = stack_sql("SELECT rep_sealed || '|' || rep_masked FROM merchant_certifications"
                    . " WHERE merchant_id = '$mid'");
like $row, qr/^v1\.\S+\|张\*$/, 'the store: the representative sealed and masked';
unlike $row, qr/张三/, '  never in clear';

my $audit = api(GET => "/uc/v1/admin/audit?subject=merchant:$mid", undef, $admin);
ok((grep { $_->{action} eq 'merchant.certified' && $_->{actor} eq $owner }
    @{ $audit->{json}{changes} // [] }), 'the audit has merchant.certified by the owner');

# --- an operator revokes it (fraud): level 4 goes within a second
$r = api(POST => "/uc/v1/admin/merchants/$mid/certification/revoke", {}, $admin);
is "$r->{status} $r->{json}{error}{code}", '400 reason_required', 'a revocation gives its reason';
$r = api(POST => "/uc/v1/admin/merchants/$mid/certification/revoke",
         { reason => 'forged licence' }, $admin);
is $r->{status}, 200, 'an operator revokes the merchant\'s certification';
ok wait_for(sub { $finance->($token)->{status} == 403 }),
    '  and the level-4 location refuses its session at once';
is api(GET => "/uc/v1/merchants/$mid", undef, $token)->{json}{certification}, 'revoked',
    '  the merchant says revoked';
is api(POST => "/uc/v1/admin/merchants/$mid/certification/revoke",
       { reason => 'again' }, $admin)->{status}, 404, 'revoking again: 404';
$audit = api(GET => "/uc/v1/admin/audit?subject=merchant:$mid", undef, $admin);
ok((grep { $_->{action} eq 'merchant.certification_revoked'
           && ($_->{after}{reason} // '') eq 'forged licence' }
    @{ $audit->{json}{changes} // [] }), '  the audit keeps the operator\'s reason');

# the owner asks again with the same four elements: the provider matches,
# but after a revocation an operator decides
$r = api(POST => "/uc/v1/merchants/$mid/certification",
         { legal_rep => '张三', legal_rep_id_number => ric() }, $token);
is "$r->{status} $r->{json}{status} $r->{json}{provider_result}", '201 pending match',
    'asked again after the revocation: a match, yet pending review';
is $finance->($token)->{status}, 403, '  and level 4 stays refused';
is api(GET => "/uc/v1/merchants/$mid", undef, $token)->{json}{certification}, 'revoked',
    '  the merchant still says revoked';

# --- four elements, a mismatch, review
my ($owner2, $token2) = sign_up();
my $mid2 = merchant('错名商户', $token2);
$r = api(POST => "/uc/v1/merchants/$mid2/certification",
         { legal_rep => '李四', legal_rep_id_number => '110105198001010010' }, $token2);
is "$r->{status} $r->{json}{error}{code}", '400 invalid_id_number', 'a wrong ID number: 400';
$r = api(POST => "/uc/v1/merchants/$mid2/certification",
         { legal_rep => '李四', legal_rep_id_number => ric() }, $token2);
is $r->{status}, 201, 'four elements, a mismatch: 201';
is $r->{json}{status}, 'pending', '  pending review';
is $r->{json}{elements}, 4, '  four elements';
like $r->{json}{legal_rep_id_number}, qr/^\d{4}\*{10}\d{3}[\dX]$/, '  the number masked';
my $serial = $r->{json}{serial};
is $finance->($token2)->{status}, 403, '  and no level 4 meanwhile';

$r = api(POST => "/uc/v1/merchants/$mid2/certification", { legal_rep => '李四' }, $token2);
is "$r->{status} $r->{json}{error}{code}", '409 certification_pending',
    'a second request while one waits: 409';

my $list = api(GET => '/uc/v1/admin/certifications', undef, $admin);
ok((grep { $_->{serial} eq $serial } @{ $list->{json}{requests} // [] }),
   'the operators\' list of pending requests has it');
is api(GET => '/uc/v1/admin/certifications', undef, $token2)->{status}, 403,
    '  which is the operators\' only';

# --- the licence's photo for the review: sealed, for operators only,
# deleted after the decision (certification_image_decided_s is 0 here)
my $photos = File::Temp::tempdir(CLEANUP => 1);
system('build/docgen', '--out', $photos, '--count', 1, '--seed', 220, '--kinds', 'licence',
       '--conditions', 'clean') == 0 or die 'docgen failed';
my ($photo_file) = glob("$photos/*.png");
my $photo = do { open my $f, '<:raw', $photo_file or die $!; local $/; <$f> };
my $licence_path = "/uc/v1/merchants/$mid2/certification/$serial/licence";
$r = api(PUT => $licence_path, $photo, $token2, { 'Content-Type' => 'image/png' });
is "$r->{status} $r->{json}{bytes}", '200 ' . length($photo), 'the owner sends the licence photo';
my $sealed = stack_sql("SELECT sealed FROM certification_images WHERE serial = '$serial'");
like $sealed, qr/^v1\./, '  sealed in the store';
unlike $sealed, qr/iVBORw0KGgo/, '  not the PNG itself';
$r = api(GET => "/uc/v1/admin/certifications/$serial/licence", undef, $admin);
is $r->{status}, 200, 'an operator sees it';
is $r->{headers}{'content-type'}, 'image/png', '  as a PNG';
ok $r->{content} eq $photo, '  the same bytes';
is api(GET => "/uc/v1/admin/certifications/$serial/licence", undef, $token2)->{status}, 403,
    '  the applicant does not';
is api(PUT => $licence_path, $photo, $token, { 'Content-Type' => 'image/png' })->{status}, 404,
    'another merchant\'s owner cannot send one for it (not a member: 404)';
is api(PUT => "/uc/v1/merchants/$mid/certification/$serial/licence", $photo, $token,
       { 'Content-Type' => 'image/png' })->{status}, 404,
    '  nor under their own merchant';
$r = api(PUT => $licence_path, 'GIF89a' . ("\0" x 64), $token2, { 'Content-Type' => 'image/gif' });
is "$r->{status} $r->{json}{error}{code}", '415 unsupported_media_type', 'not JPEG or PNG: 415';
$r = api(PUT => $licence_path, substr($photo, 0, 100) . ("\0" x 200), $token2,
         { 'Content-Type' => 'image/jpeg' });
is $r->{status}, 415, 'PNG bytes called JPEG: 415';

$r = api(POST => "/uc/v1/admin/certifications/$serial/reject", {}, $admin);
is "$r->{status} $r->{json}{error}{code}", '400 reason_required', 'a rejection without reason: 400';
$r = api(POST => "/uc/v1/admin/certifications/$serial/reject",
         { reason => 'the licence names another representative' }, $admin);
is "$r->{status} $r->{json}{status}", '200 rejected', 'rejected with a reason';
is api(GET => "/uc/v1/merchants/$mid2/certification", undef, $token2)->{json}{reason},
    'the licence names another representative', 'the applicant sees the reason';
is api(GET => "/uc/v1/admin/certifications/$serial/licence", undef, $admin)->{status}, 404,
    'the photo is gone after the decision (no retention configured here)';
is stack_sql("SELECT COUNT(*) FROM certification_images WHERE serial = '$serial'"), 0,
    '  deleted from the store';
$r = api(PUT => $licence_path, $photo, $token2, { 'Content-Type' => 'image/png' });
is "$r->{status} $r->{json}{error}{code}", '409 already_decided', '  and none is taken after it';
$r = api(POST => "/uc/v1/admin/certifications/$serial/approve", {}, $admin);
is "$r->{status} $r->{json}{error}{code}", '409 already_decided', 'decided once';
is api(POST => '/uc/v1/admin/certifications/NOPE1/approve', {}, $admin)->{status}, 404,
    'an unknown serial: 404';
is api(POST => "/uc/v1/admin/certifications/$serial/maybe", {}, $admin)->{status}, 404,
    'an unknown decision: 404';

# --- three elements match: public data, so an operator decides
my ($owner5, $token5) = sign_up();
my $mid5 = merchant('三要素商户', $token5);
$r = api(POST => "/uc/v1/merchants/$mid5/certification", { legal_rep => '孙七' }, $token5);
is "$r->{status} $r->{json}{status} $r->{json}{provider_result} $r->{json}{elements}",
    '201 pending match 3', 'three elements matching: pending review, not certified';
$r = api(POST => "/uc/v1/merchants/$mid5/certification", { legal_rep => '孙七' }, $token5);
is "$r->{status} $r->{json}{error}{code}", '409 certification_pending',
    '  asking again while it waits: 409 before any billed call';
{
    local $ENV{UC_TOKEN} = $admin;
    my @list = ucctl_stack('cert', 'list');
    like join('', @list), qr/"merchant_id":"$mid5"/, 'ucctl cert list: the pending request';
    my ($serial5) = join('', @list) =~ /"serial":"(EC\d+)","merchant_id":"$mid5"/;
    like scalar ucctl_stack('cert', 'reject', $serial5, '--reason', 'three elements prove nothing'),
        qr/"status":"rejected"/, 'ucctl cert reject';
    like scalar ucctl_stack('cert', 'list', 'rejected'), qr/three elements prove nothing/,
        'ucctl cert list rejected: with its reason';
}

# --- four elements match, but the registry says the enterprise is
# deregistered (注销): its record still matches, so an operator decides
my ($owner6, $token6) = sign_up();
is api(POST => '/uc/v1/certification/person', { name => '周八', id_number => ric() },
       $token6)->{json}{auth_level}, 3, 'another certified person';
my $mid6 = merchant('销户商户', $token6);
$r = api(POST => "/uc/v1/merchants/$mid6/certification",
         { legal_rep => '周八', legal_rep_id_number => ric() }, $token6);
is "$r->{status} $r->{json}{status} $r->{json}{provider_result} $r->{json}{elements}",
    '201 pending match_not_operating 4',
    'four elements matching a deregistered enterprise: pending review, not certified';
is api(GET => "/uc/v1/merchants/$mid6", undef, $token6)->{json}{certification}, 'none',
    '  the merchant is not certified';
is $finance->($token6)->{status}, 403, '  and its owner gets no level 4';

# its photo (expired at the end, when no upload or decision follows)
my $serial6 = $r->{json}{serial};
is api(PUT => "/uc/v1/merchants/$mid6/certification/$serial6/licence", $photo, $token6,
       { 'Content-Type' => 'image/png' })->{status}, 200, 'a photo for the waiting request';

# --- Tencent Cloud's VerifyBizLicenseEnterprise3/4, asked when Alibaba
# Cloud cannot answer (its stand-in is down for names beginning with 腾;
# Tencent's checks the TC3 signature and answers by the rest)
{
    my ($o, $t) = sign_up();
    is api(POST => '/uc/v1/certification/person', { name => '吴九', id_number => ric() },
           $t)->{json}{auth_level}, 3, 'a certified person for the Tencent cases';
    my $ask = sub {
        my ($name, $rep_id) = @_;
        my $m = merchant($name, $t);
        my $r = api(POST => "/uc/v1/merchants/$m/certification",
                    { legal_rep => '吴九', defined $rep_id ? (legal_rep_id_number => $rep_id) : () },
                    $t);
        return ($m, $r);
    };
    my ($m, $r) = $ask->('腾讯好商户', ric());
    is "$r->{status} $r->{json}{status} $r->{json}{provider_result} $r->{json}{provider}",
        '201 certified match tencent', 'Alibaba Cloud down: Tencent Cloud\'s four-element match certifies';
    ok wait_for(sub { $finance->($t)->{status} == 200 }),
        '  and the session acting for it passes the level-4 location';
    is api(GET => "/uc/v1/merchants/$m/certification", undef, $t)->{json}{provider}, 'tencent',
        '  the request names the provider that answered';

    ($m, $r) = $ask->('腾错商户', ric());
    is "$r->{status} $r->{json}{status} $r->{json}{provider_result}", '201 pending mismatch',
        '  its mismatch (VerifyResult 0): pending review';
    ($m, $r) = $ask->('腾无商户', ric());
    is "$r->{status} $r->{json}{status} $r->{json}{provider_result}", '201 pending no_record',
        '  neither code nor name found: no_record, pending';
    ($m, $r) = $ask->('腾销户商户', ric());
    is "$r->{status} $r->{json}{status} $r->{json}{provider_result}",
        '201 pending match_not_operating', '  a match deregistered (OperatingStatus 3): pending';
    ($m, $r) = $ask->('腾三要素商户');
    is "$r->{status} $r->{json}{status} $r->{json}{provider_result} $r->{json}{elements}",
        '201 pending match 3', '  three elements (VerifyBizLicenseEnterprise3): a match, pending';
    ($m, $r) = $ask->('腾忙商户', ric());
    is "$r->{status} $r->{json}{error}{code}", '503 provider_busy',
        '  both busy (StatusCode 1): 503 provider_busy';
    is api(GET => "/uc/v1/merchants/$m/certification", undef, $t)->{status}, 404,
        '    and no request is left';
}

# --- no record, approved by an operator
my ($owner3, $token3) = sign_up();
my $mid3 = merchant('无记录商户', $token3);
$r = api(POST => "/uc/v1/merchants/$mid3/certification", { legal_rep => '王五' }, $token3);
is "$r->{status} $r->{json}{status} $r->{json}{provider_result}", '201 pending no_record',
    'no record: pending review';
$r = api(POST => "/uc/v1/admin/certifications/$r->{json}{serial}/approve", {}, $admin);
is "$r->{status} $r->{json}{status}", '200 certified', 'an operator approves';
is api(GET => "/uc/v1/merchants/$mid3", undef, $token3)->{json}{certification}, 'certified',
    'the merchant is certified';
is $finance->($token3)->{status}, 403,
    'but its owner, no certified person (level 2), gets no level 4: levels build';

# --- the provider busy: no request is left
my ($owner4, $token4) = sign_up();
my $mid4 = merchant('忙碌商户', $token4);
$r = api(POST => "/uc/v1/merchants/$mid4/certification", { legal_rep => '赵六' }, $token4);
is "$r->{status} $r->{json}{error}{code}", '503 provider_busy', 'the provider busy: 503';
is api(GET => "/uc/v1/merchants/$mid4/certification", undef, $token4)->{status}, 404,
    '  and no request was kept';
my ($owner7, $token7) = sign_up();
my $mid7 = merchant('限流商户', $token7);
$r = api(POST => "/uc/v1/merchants/$mid7/certification", { legal_rep => '吴九' }, $token7);
is "$r->{status} $r->{json}{error}{code}", '503 provider_busy',
    'the provider\'s flow control (HTTP 400 Throttling.User): 503';
ok $r->{headers}{'retry-after'}, '  with Retry-After';
is api(GET => "/uc/v1/merchants/$mid7/certification", undef, $token7)->{status}, 404,
    '  and no request was kept';

# --- hostile input
for my $case ([{}, 400, 'no representative'], [{ legal_rep => '张3' }, 400, 'a digit'],
              [{ legal_rep => 'x' x 65 }, 400, 'too long'],
              [{ legal_rep => '张三', legal_rep_id_number => 42 }, 400, 'a number as a number']) {
    my ($body, $status, $what) = @$case;
    is api(POST => "/uc/v1/merchants/$mid4/certification", $body, $token4)->{status},
        $status, "refused: $what";
}
is api(POST => "/uc/v1/merchants/0123/certification", { legal_rep => '张三' }, $token4)->{status},
    400, 'a malformed merchant id: 400';

# the photo, as if its retention had run out: the relay's housekeeping
# (every 30 s) deletes it with no upload or decision to set it off
stack_sql("UPDATE certification_images SET expires_at = 1 WHERE serial = '$serial6'");
ok wait_for(sub { stack_sql("SELECT COUNT(*) FROM certification_images"
                            . " WHERE serial = '$serial6'") eq '0' }, 1600),
    'a photo past its retention is deleted without any request to set it off';

done_testing;
