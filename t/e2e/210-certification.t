# Personal certification through the gateway, against the stand-in of
# Alibaba Cloud's Id2MetaVerify (RPC-signed, checked by the stand-in):
# a match raises the account and every live session to level 3, which a
# level-3 location of the gateway admits at once; the number and name are
# sealed in the store, masked in answers, never in logs or events; one
# identity certifies one account; mismatch and no record are 422 with
# their own codes, the provider busy 503, slow 504; a provider's answer is
# reused (no second billed call); attempts are limited per day; invalid
# numbers never reach the provider; the stand-in refuses a call changed
# after signing, replayed, stale, from an unknown key or of the wrong API
# version. Tencent Cloud's IdCardVerification (TC3-signed) answers when
# Alibaba Cloud cannot, with the same outcomes.

use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use Digest::SHA qw(hmac_sha1_base64 hmac_sha256 hmac_sha256_hex sha256_hex);
use JSON::PP ();
use Time::HiRes qw(time);
use lib 't/helpers';
use UcE2E;

my $S = "http://127.0.0.1:$ENV{UC_STANDIN_PORT}";

# a GB 11643 number: division, birth date, order, check character
my @W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2);
sub ric {
    my ($division, $birth, $order) = @_;
    my $body = sprintf '%s%s%03d', $division, $birth, $order;
    my $sum = 0;
    $sum += substr($body, $_, 1) * $W[$_] for 0 .. 16;
    return $body . substr('10X98765432', $sum % 11, 1);
}
my $n = 0;
# numbers of this run: births spread by pid, orders by a counter
sub number {
    my $division = shift // '110105';
    my $day = sprintf '19%02d%02d%02d', 50 + $$ % 40, 1 + $$ % 12, 1 + $$ % 28;
    return ric($division, $day, (++$n * 7 + $$) % 1000);
}

sub sign_in {
    my $phone = new_phone();
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
    my $r = api(POST => '/uc/v1/register', { login => $phone, password => 'cert-pass-1',
                                             code => last_code($phone) });
    die "sign-up: $r->{content}" unless $r->{json}{token};
    return ($r->{json}{user_id}, $r->{json}{token}, $phone);
}

my $Http = HTTP::Tiny->new(timeout => 10);
# the stand-in's count of billed answers: a number, or the test stops
# (an unread count would make every "no call was billed" pass)
sub billed {
    (my $c = $Http->get("$S/_standin/calls")->{content} // '') =~ s/\s+//g;
    die "the stand-in's count of billed calls cannot be read: '$c'"
        unless $c =~ /^\d+$/;
    return $c;
}

sub certify {
    my ($token, $name, $id) = @_;
    return api(POST => '/uc/v1/certification/person',
               { name => $name, id_number => $id }, $token);
}

# --- a match
my ($uid, $token, $phone) = sign_in();
my $other_session = api(POST => '/uc/v1/login',
                        { login => $phone, password => 'cert-pass-1' })->{json}{token};
ok $other_session, 'a second session of the account';

is api(GET => '/pay/transfer', undef, $token)->{status}, 403,
    'before: the level-3 location refuses the session (level 2)';
is api(GET => '/uc/v1/certification/person', undef, $token)->{json}{error}{code},
    'not_certified', 'GET: not certified yet';

my $id = number();
(my $lower = $id) =~ s/X$/x/;
my $before = billed();
my $r = certify($token, '张三', $lower);
is $r->{status}, 200, 'a match: certified';
is $r->{json}{auth_level}, 3, '  at level 3';
is $r->{json}{name}, '张*', '  the name masked';
like $r->{json}{id_number}, qr/^\d{4}\*{10}\d{3}[\dX]$/, '  the number masked';
is billed(), $before + 1, '  one billed call to the provider';

is api(GET => '/pay/transfer', undef, $token)->{status}, 200,
    'the same session passes the level-3 location at once';
is api(GET => '/pay/transfer', undef, $other_session)->{status}, 200,
    'and so does the account\'s other live session';

my $g = api(GET => '/uc/v1/certification/person', undef, $token);
is $g->{json}{status}, 'certified', 'GET: the record';
unlike $g->{content}, qr/\Q$id\E|张三/, '  never the number or the name';

my $row = stack_sql("SELECT name_sealed || '|' || id_sealed || '|' || id_masked || '|'"
                    . " || length(id_hash) FROM certifications c JOIN users u"
                    . " ON u.seq = c.user_seq WHERE u.id = $uid");
like $row, qr/^v1\.\S+\|v1\.\S+\|\d{4}\*+\d{3}[\dX]\|64$/, 'the store: sealed, masked, hashed';
unlike $row, qr/\Q$id\E|张三/, '  the store has neither in clear';

my $log = do { local (@ARGV, $/) = "$ENV{UC_RUN_DIR}/logs/backend.log"; <> };
unlike $log, qr/\Q$id\E/, 'the backend log never has the number';

ok wait_for(sub { stack_redis('XRANGE', 'uc:events', '-', '+')
                  =~ /user\.certified/ }), 'user.certified is in the event stream';
unlike stack_redis('XRANGE', 'uc:events', '-', '+'), qr/\Q$id\E/,
    '  and no event carries the number';

is certify($token, '张三', $id)->{json}{error}{code}, 'already_certified',
    'certifying again: 409 already_certified';

# --- one identity, one account
my (undef, $token2) = sign_in();
$before = billed();
$r = certify($token2, '张三', $id);
is "$r->{status} $r->{json}{error}{code}", '409 identity_in_use',
    "another account with the same number: 409 identity_in_use";
is billed(), $before, '  decided before any billed call';

# --- the provider's other answers, reused
my $wrong = number();
$before = billed();
$r = certify($token2, '错误', $wrong);
is "$r->{status} $r->{json}{error}{code}", '422 certification_mismatch',
    'a name that is not the number\'s: 422 certification_mismatch';
$r = certify($token2, '错误', $wrong);
is $r->{json}{error}{code}, 'certification_mismatch', '  asked again: the same';
is billed(), $before + 1, '  from the reused answer: one billed call for both';

$r = certify($token2, '无名', number());
is "$r->{status} $r->{json}{error}{code}", '422 certification_no_record',
    'no record: 422 certification_no_record';

$r = certify($token2, '忙人', number());
is "$r->{status} $r->{json}{error}{code}", '503 provider_busy',
    'the provider\'s system error: 503 provider_busy';
ok $r->{headers}{'retry-after'}, '  with Retry-After';

$r = certify($token2, '限流', number());
is "$r->{status} $r->{json}{error}{code}", '503 provider_busy',
    'the provider\'s flow control (HTTP 400 Throttling.User): 503 provider_busy';
ok $r->{headers}{'retry-after'}, '  with Retry-After';

$r = certify($token2, '崩溃', number());
is "$r->{status} $r->{json}{error}{code}", '503 provider_unavailable',
    'an empty HTTP 503 from the provider\'s load balancer: 503 provider_unavailable';
ok $r->{headers}{'retry-after'}, '  with Retry-After';

my $t0 = time;
$r = certify($token2, '慢人', number());
is "$r->{status} $r->{json}{error}{code}", '504 provider_timeout',
    'a slow provider: 504 provider_timeout';
ok time - $t0 < 1.9, sprintf '  at the deadline (%.2f s)', time - $t0;

is api(GET => '/pay/transfer', undef, $token2)->{status}, 403,
    'none of these raised the account';

# --- Tencent Cloud's IdCardVerification, asked when Alibaba Cloud cannot
# answer (the Alibaba stand-in is down for names beginning with 腾; the
# Tencent stand-in checks the TC3 signature and answers by the rest)
{
    my ($tuid, $ttoken) = sign_in();
    my $before = billed();
    my $r = certify($ttoken, '腾错', number());
    is "$r->{status} $r->{json}{error}{code}", '422 certification_mismatch',
        'Alibaba Cloud down: Tencent Cloud\'s mismatch (Result -1) is 422 certification_mismatch';
    is billed(), $before + 1, '  one billed call, Tencent\'s';
    $r = certify($ttoken, '腾无', number());
    is "$r->{status} $r->{json}{error}{code}", '422 certification_no_record',
        '  its "no record" (-5): 422 certification_no_record';
    $r = certify($ttoken, '腾忙', number());
    is "$r->{status} $r->{json}{error}{code}", '503 provider_busy',
        '  its registry\'s trouble (-4): 503 provider_busy';
    ok $r->{headers}{'retry-after'}, '    with Retry-After';
    $r = certify($ttoken, '腾限', number());
    is "$r->{status} $r->{json}{error}{code}", '503 provider_busy',
        '  its flow control (RequestLimitExceeded): 503 provider_busy';
    $r = certify($ttoken, '腾崩', number());
    is "$r->{status} $r->{json}{error}{code}", '503 provider_unavailable',
        '  an empty 503: provider_unavailable';
    is api(GET => '/pay/transfer', undef, $ttoken)->{status}, 403,
        '  none of them raised the account';

    # Alibaba Cloud took the call and the connection broke before its
    # answer: it may have checked, so Tencent Cloud is not asked after it
    $before = billed();
    $r = certify($ttoken, '断线', number());
    is "$r->{status} $r->{json}{error}{code}", '503 provider_unavailable',
        'the first provider\'s answer lost after the call: 503, the second not asked';
    is billed(), $before, '  (no billed call from Tencent\'s stand-in, which would match)';

    $before = billed();
    $r = certify($ttoken, '腾讯云', number());
    is "$r->{status} $r->{json}{auth_level}", '200 3', 'a match through Tencent Cloud: level 3';
    is billed(), $before + 1, '  one billed call';
    is api(GET => '/uc/v1/certification/person', undef, $ttoken)->{json}{provider},
        'tencent', '  the record names the provider that answered';
    is api(GET => '/pay/transfer', undef, $ttoken)->{status}, 200,
        '  the gateway admits the session at level 3 at once';
    is api(GET => '/uc/v1/certification/person', undef, $token)->{json}{provider},
        'aliyun', 'the first account\'s record names Alibaba Cloud';
}

# --- attempts per day (5 in the demo): the sixth is refused
my (undef, $token3) = sign_in();
my @codes = map { certify($token3, '无名', number())->{json}{error}{code} } 1 .. 5;
is_deeply \@codes, [('certification_no_record') x 5], 'five attempts answered';
$before = billed();
$r = certify($token3, '张三', number());
is "$r->{status} $r->{json}{error}{code}", '429 too_many_attempts',
    'the sixth today: 429 too_many_attempts';
is billed(), $before, '  without a call to the provider';

# --- a number's day used up by others (two accounts, five wrong names
# each): its owner is refused, an operator clears it, the owner certifies
{
    my $victim = number();
    for (1 .. 2) {
        my (undef, $t) = sign_in();
        certify($t, '错人', $victim) for 1 .. 5;
    }
    my (undef, $owner_t) = sign_in();
    my $r = certify($owner_t, '张三', $victim);
    is "$r->{status} $r->{json}{error}{code}", '429 too_many_attempts',
        'a number others used up today: its owner is refused 429';
    my $log = do { local (@ARGV, $/) = "$ENV{UC_RUN_DIR}/logs/backend.log"; <> };
    like $log, qr/a number's certification attempts used up/, '  and the operators are told in the log';
    unlike $log, qr/\Q$victim\E/, '  without the number';
    my $op = ucctl_stack('session', 'create', '--user', 1, '--level', 2);
    is api(POST => '/uc/v1/admin/certification/attempts/clear', { id_number => $victim },
           $owner_t)->{status}, 403, 'clearing is an operator\'s';
    my $out = do { local $ENV{UC_TOKEN} = $op;
                   join '', ucctl_stack('cert', 'clear-attempts', $victim) };
    like $out, qr/"cleared":true/, 'an operator clears the number\'s day (ucctl cert clear-attempts)';
    like $out, qr/"id_number":"\d{4}\*{10}\d{3}[\dX]"/, '  answered masked';
    is certify($owner_t, '张三', $victim)->{status}, 200, 'the owner certifies';
    my $changes = api(GET => '/uc/v1/admin/audit?subject=certification', undef, $op)
        ->{json}{changes} // [];
    ok((grep { $_->{action} eq 'certification.attempts_cleared' } @$changes),
       'the clearing is in the administrative audit');
    unlike JSON::PP::encode_json($changes), qr/\Q$victim\E/, '  with the number masked';
    $r = api(POST => '/uc/v1/admin/certification/attempts/clear',
             { id_number => substr($victim, 0, 17) }, $op);
    is "$r->{status} $r->{json}{error}{code}", '400 invalid_id_number', '  an invalid number: 400';
}

# --- what never reaches the provider
my (undef, $token4) = sign_in();
(my $bad = $id) =~ s/(.)$/$1 eq '0' ? '1' : '0'/e;
$before = billed();
my @bad = (
    [ { name => '张三', id_number => $bad }, 'invalid_id_number', qr/check_digit/, 'a wrong check character' ],
    [ { name => '张三', id_number => ric('999999', '19800101', 1) }, 'invalid_id_number',
      qr/division/, 'a division no register knows' ],
    [ { name => '张三', id_number => ric('110105', '20991231', 1) }, 'invalid_id_number',
      qr/birth/, 'a birth date to come' ],
    [ { name => '张三', id_number => substr($id, 0, 17) }, 'invalid_id_number', qr/length/, '17 characters' ],
    [ { name => '张3', id_number => $id }, 'invalid_name', qr//, 'a digit in the name' ],
    [ { name => '张', id_number => $id }, 'invalid_name', qr//, 'one character' ],
    [ { name => "张\x00三", id_number => $id }, 'malformed_json', qr//, 'a NUL' ],
    [ { name => "张\xE2\x80\x8B三", id_number => $id }, 'invalid_name', qr//, 'a zero-width space' ],
    [ { name => "\xE2\x80\xAE张三", id_number => $id }, 'invalid_name', qr//, 'a bidi override' ],
    [ { name => "张三\xF0\x9F\x98\x80", id_number => $id }, 'invalid_name', qr//, 'an emoji' ],
    [ { name => '张  三', id_number => $id }, 'invalid_name', qr//, 'two spaces' ],
    [ { name => '张三' }, 'validation_failed', qr//, 'no number' ],
    [ { name => '张三', id_number => 11010519491231002 }, 'validation_failed', qr//, 'a number as JSON number' ],
);
for my $case (@bad) {
    my ($body, $code, $msg, $what) = @$case;
    my $res = api(POST => '/uc/v1/certification/person', $body, $token4);
    ok $res->{status} == 400 && ($res->{json}{error}{code} // '') eq $code
       && $res->{json}{error}{message} =~ $msg, "refused: $what ($code)"
       or diag $res->{content};
}
is billed(), $before, 'none of them reached the provider';
is certify($token4, '阿依古丽·买买提', number())->{status}, 200,
    'a transliterated name with its middle dot is a name';

# --- the provider's failures are not the user's attempts
my (undef, $token5) = sign_in();
my @busy = map { certify($token5, '忙人', number())->{status} } 1 .. 6;
is_deeply \@busy, [(503) x 6], 'six failures of the provider: all 503, none 429';
is certify($token5, '张三', number())->{status}, 200, '  and the user may still certify';

# --- a deactivated account releases its identity
is api(DELETE => '/uc/v1/me', { password => 'cert-pass-1' }, $token)->{status}, 204,
    'the first account is deactivated';
$r = certify($token2, '张三', $id);
is $r->{status}, 200, 'its number may now certify another account';

# --- an operator revokes a certification
my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);
is api(GET => '/pay/transfer', undef, $token2)->{status}, 200, 'certified: level 3 passes';
my $who = api(GET => '/uc/v1/certification/person', undef, $token2)->{json}{id};
my $uid2 = api(GET => '/uc/v1/me/profile', undef, $token2)->{json}{user_id};
$r = api(POST => "/uc/v1/admin/users/$uid2/certification/revoke", {}, $admin);
is "$r->{status} $r->{json}{error}{code}", '400 reason_required', 'a revocation gives its reason';
is api(POST => "/uc/v1/admin/users/$uid2/certification/revoke", { reason => 'x' }, $token2)
    ->{status}, 403, '  and is an operator\'s';
$r = api(POST => "/uc/v1/admin/users/$uid2/certification/revoke",
         { reason => 'the identity was reported stolen' }, $admin);
is "$r->{status} $r->{json}{auth_level}", '200 2', 'revoked: the account back to level 2';
ok wait_for(sub { api(GET => '/pay/transfer', undef, $token2)->{status} == 403 }),
    '  and its live session is refused level 3 at once';
$before = billed();
$r = certify($token2, '张三', $id);
is "$r->{status} $r->{json}{error}{code}", '403 certification_revoked',
    '  the account asks again with the same identity: 403 certification_revoked';
is billed(), $before, '    before any billed call';
is api(GET => '/pay/transfer', undef, $token2)->{status}, 403, '    and stays at level 2';
my $changes = api(GET => "/uc/v1/admin/audit?subject=user:$uid2", undef, $admin)->{json}{changes};
ok((grep { $_->{action} eq 'user.certification_revoked'
           && ($_->{after}{reason} // '') eq 'the identity was reported stolen' }
    @{ $changes // [] }), '  the audit keeps the operator\'s reason');
is api(GET => '/pay/orders', undef, $token2)->{status}, 200, '  but keeps level 2';
is api(GET => '/uc/v1/certification/person', undef, $token2)->{json}{error}{code},
    'not_certified', '  GET: not certified';
is api(POST => "/uc/v1/admin/users/$uid2/certification/revoke",
       { reason => 'again' }, $admin)->{status}, 404, 'revoking again: 404';
my (undef, $token6) = sign_in();
is certify($token6, '张三', $id)->{status}, 200, 'the number is free to certify another account';
is api(POST => '/uc/v1/certification/person', { name => '张三', id_number => $id })->{status},
    401, 'certification needs a session';

# --- the stand-in checks what the provider checks: a call signed with the
# AccessKey passes; one changed after signing, replayed, stale, from an
# unknown key or of the wrong API version is refused, as Alibaba Cloud
# refuses it (so every match above proves our signature)
{
    open my $f, '<', "$ENV{UC_RUN_DIR}/social/aliyun.secret" or die $!;
    chomp(my $secret = <$f>);
    my $enc = sub {
        my $s = shift;
        utf8::encode($s) if utf8::is_utf8($s);
        $s =~ s/([^A-Za-z0-9\-_.~])/sprintf '%%%02X', ord $1/ge;
        return $s;
    };
    my $seq = 0;
    my $form = sub {
        my (%p) = @_;
        my $query = join '&', map { $enc->($_) . '=' . $enc->($p{$_}) } sort keys %p;
        my $sig = hmac_sha1_base64("POST&%2F&" . $enc->($query), "$secret&");
        $sig .= '=' while length($sig) % 4;
        return "$query&Signature=" . $enc->($sig);
    };
    my $stamp = sub {
        my @t = gmtime shift;
        sprintf '%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0];
    };
    my %call = (Action => 'Id2MetaVerify', Version => '2019-03-07', Format => 'JSON',
                AccessKeyId => 'LTAIstandin0001', SignatureMethod => 'HMAC-SHA1',
                SignatureVersion => '1.0', ParamType => 'normal',
                IdentifyNum => number(), UserName => '无名', Timestamp => $stamp->(time));
    my $post = sub {
        my $r = $Http->post("$S/", {
            headers => { 'content-type' => 'application/x-www-form-urlencoded' },
            content => shift });
        my $j = eval { JSON::PP::decode_json($r->{content}) } // {};
        return "$r->{status} " . ($j->{Code} // '');
    };
    my $signed = $form->(%call, SignatureNonce => "e2e-$$-" . ++$seq);
    is $post->($signed), '200 200', 'a call signed with the AccessKey: answered';
    is $post->($signed), '400 SignatureNonceUsed', '  the same call again: a replay, refused';
    (my $changed = $form->(%call, SignatureNonce => "e2e-$$-" . ++$seq))
        =~ s/UserName=[^&]+/UserName=%E6%9D%8E%E5%9B%9B/;
    is $post->($changed), '400 SignatureDoesNotMatch',
        'a name changed after signing: the signature does not match';
    is $post->($form->(%call, SignatureNonce => "e2e-$$-" . ++$seq,
                       Timestamp => $stamp->(time - 3600))),
        '400 InvalidTimeStamp.Expired', 'an hour-old timestamp: refused';
    is $post->($form->(%call, SignatureNonce => "e2e-$$-" . ++$seq,
                       AccessKeyId => 'LTAIsomeoneelse')),
        '404 InvalidAccessKeyId.NotFound', 'an unknown AccessKey: refused';
    is $post->($form->(%call, SignatureNonce => "e2e-$$-" . ++$seq,
                       Action => 'EntElementVerify')),
        '404 InvalidAction.NotFound',
        'EntElementVerify under version 2019-03-07: no such action there';
}

# --- and the Tencent stand-in checks what Tencent Cloud checks: a call
# signed with TC3-HMAC-SHA256 under the SecretKey passes; one changed
# after signing, stale, from an unknown SecretId, for another service or
# leaving the host out of the signature is refused
{
    open my $f, '<', "$ENV{UC_RUN_DIR}/social/tencent.secret" or die $!;
    chomp(my $secret = <$f>);
    my $type = 'application/json; charset=utf-8';
    my $call = sub {
        my (%o) = @_;
        my $ts = $o{ts} // int time;
        my @t = gmtime $ts;
        my $day = sprintf '%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3];
        my $service = $o{service} // '127';
        my $body = '{"IdCard":"' . number() . '","Name":"无名"}';
        my $signed = $o{signed} // 'content-type;host';
        my $headers = join '', map { "$_:" . ($_ eq 'host' ? '127.0.0.1' : $type) . "\n" }
                               split /;/, $signed;
        my $request = join "\n", 'POST', '/', '', $headers, $signed,
                                 sha256_hex($o{signed_body} // $body);
        my $to_sign = join "\n", 'TC3-HMAC-SHA256', $ts, "$day/$service/tc3_request",
                                 sha256_hex($request);
        my $k = hmac_sha256($day, "TC3$secret");
        $k = hmac_sha256($service, $k);
        $k = hmac_sha256('tc3_request', $k);
        my $sig = hmac_sha256_hex($to_sign, $k);
        my $id = $o{id} // 'AKIDstandin0001';
        my $r = $Http->post("$S/", {
            headers => { 'content-type' => $type, 'x-tc-action' => 'IdCardVerification',
                         'x-tc-version' => '2018-03-01', 'x-tc-timestamp' => $ts,
                         authorization => "TC3-HMAC-SHA256 Credential=$id/$day/$service/"
                                          . "tc3_request, SignedHeaders=$signed, Signature=$sig" },
            content => $body });
        my $j = eval { JSON::PP::decode_json($r->{content}) } // {};
        return $j->{Response}{Error}{Code} // "Result $j->{Response}{Result}";
    };
    is $call->(), 'Result -5', 'a call signed with the SecretKey: answered';
    is $call->(signed_body => '{"IdCard":"110105194912310021","Name":"李四"}'),
        'AuthFailure.SignatureFailure', 'a body changed after signing: refused';
    is $call->(ts => time - 600), 'AuthFailure.SignatureExpire', 'a ten-minute-old timestamp: refused';
    is $call->(id => 'AKIDsomeoneelse'), 'AuthFailure.SecretIdNotFound', 'an unknown SecretId: refused';
    is $call->(service => 'cvm'), 'AuthFailure.SignatureFailure', 'signed for another service: refused';
    is $call->(signed => 'content-type'), 'AuthFailure.SignatureFailure',
        'the host left out of the signature: refused';
}

done_testing;
