# Signing in with WeChat and Alipay through the gateway, against the
# loopback stand-ins (build/uc-standin) that speak both wire protocols:
# the browser flow (state in Redis, bound to the uc_login cookie, used
# once; return_to only from the line's allow-list), apps and
# mini-programs (JSON), one account across AppIDs by unionid, linking by
# proof of control, identity_taken, unlinking never the last way in, the
# phone step, and every fault: codes reused, expired or invalid, answers
# tampered with or signed by another key, provider errors, a slow
# provider (504 within the deadline), and the bound on concurrent calls.

use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use POSIX qw(_exit);
use Time::HiRes qw(time);
use lib 't/helpers';
use UcE2E;

my $Json = JSON::PP->new->canonical;
my $Http = HTTP::Tiny->new(timeout => 10, max_redirect => 0);
my $G = gw();
my $S = "http://127.0.0.1:$ENV{UC_STANDIN_PORT}";
my $Prefix = 'uc:';
my ($WebApp, $MobileApp, $MiniApp, $AlipayApp) =
    ('wx5eb0000000000001', 'wx5eb0000000000002', 'wx5eb0000000000003',
     '2021000000000001');

my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);
my $tag = sprintf '%x', $$;
my $line = "sns$tag";
my $phone_line = "snsp$tag";
my $back = "$G/$line/done";

for ([$line, {}], [$phone_line, { require_phone => JSON::PP::true }]) {
    my ($code, $settings) = @$_;
    my $r = api(PUT => "/uc/v1/admin/lines/$code",
                { name => "Social $code", settings => $settings,
                  return_urls => ["$G/$code/done", "$G/$code/other"] },
                $admin);
    die "line $code: $r->{content}" unless $r->{status} =~ /^20[01]$/;
}

# --- a browser: its cookies, and a request that sends them
sub browser { return { cookies => {} } }

sub visit {
    my ($b, $url, $headers) = @_;
    my %h = %{ $headers // {} };
    my $jar = join '; ', map { "$_=$b->{cookies}{$_}" } sort keys %{ $b->{cookies} };
    $h{Cookie} = $jar if $jar ne '';
    my $res = $Http->get($url, { headers => \%h });
    for my $c (ref $res->{headers}{'set-cookie'} ? @{ $res->{headers}{'set-cookie'} }
               : grep defined, $res->{headers}{'set-cookie'}) {
        $b->{cookies}{$1} = $2 if $c =~ /^([^=]+)=([^;]*)/;
    }
    $res->{json} = eval { $Json->decode($res->{content}) };
    return $res;
}

sub enc { my $s = shift; $s =~ s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ge; $s }

# start: the provider's page URL (fragment cut), or the answer when not 302
sub start {
    my ($b, $provider, %q) = @_;
    my $query = join '&', map { "$_=" . enc($q{$_}) } sort keys %q;
    my $res = visit($b, "$G/uc/v1/login/$provider?$query", $q{_headers});
    return $res unless $res->{status} == 302;
    (my $to = $res->{headers}{location}) =~ s/#.*//;
    return $to;
}

# the user picks who they are on the provider's page: the callback URL
sub consent {
    my ($to, $user) = @_;
    my $res = $Http->get("$to&as=$user");
    die "consent: $res->{status} $res->{content}" unless $res->{status} == 302;
    return $res->{headers}{location};
}

sub sign_in_web {
    my ($b, $provider, $user, %q) = @_;
    my $to = start($b, $provider, line => $line, return_to => $back, %q);
    die "start: $to->{status} $to->{content}" if ref $to;
    return visit($b, consent($to, $user), $q{_headers});
}

sub mint {
    my ($provider, $appid, $user, $ttl) = @_;
    my $res = $Http->post("$S/_standin/code?provider=$provider&appid=$appid"
                          . "&user=$user" . (defined $ttl ? "&ttl=$ttl" : ''));
    die "mint: $res->{content}" unless $res->{status} == 200;
    return $res->{content};
}

sub me {
    my ($b) = @_;
    return visit($b, "$G/uc/v1/me/profile")->{json}{user_id};
}

sub identities {
    my ($token) = @_;
    my $r = api(GET => '/uc/v1/me/identities', undef, $token);
    return { map { $_->{provider} => $_ } @{ $r->{json}{identities} // [] } };
}

sub sign_up {
    my $phone = new_phone();
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
    my $r = api(POST => '/uc/v1/register',
                { login => $phone, password => 'social-pass-1',
                  code => last_code($phone) });
    die "sign-up: $r->{content}" unless $r->{status} == 201;
    return ($r->{json}{user_id}, $r->{json}{token}, $phone);
}

my $u = sub { "$_[0]-$tag" };   # stand-in users of this run

# --- the browser flow, WeChat
{
    my $b = browser();
    my $to = start($b, 'wechat', line => $line, return_to => $back);
    like $to, qr{^\Q$S\E/connect/qrconnect\?appid=$WebApp&redirect_uri=\Q@{[enc("$G/uc/v1/login/wechat/callback")]}\E&response_type=code&scope=snsapi_login&state=[A-Za-z0-9_-]{43}$},
        'start: a redirect to WeChat with the web AppID, our callback and a state';
    ok $b->{cookies}{uc_login}, 'start: the browser gets its uc_login cookie';
    my ($state) = $to =~ /state=([^&]+)/;
    my $ttl = stack_redis('TTL', "${Prefix}{o:$state}");
    ok $ttl > 590 && $ttl <= 600, "the state lives 10 minutes in Redis ($ttl s)";
    like stack_redis('GET', "${Prefix}{o:$state}"), qr/"l":"$line"/,
        'the state names the line';

    my $page = $Http->get($to);
    like $page->{content}, qr/微信登录/, 'the stand-in shows its QR page';

    # the first time as a browser would: the page's link for a demo user
    my ($link) = $page->{content} =~ /<a id="alice" href="([^"]+)"/;
    ok $link, "the page links its demo users";
    $link =~ s/&amp;/&/g;
    $link =~ s/as=alice$/as=@{[$u->('alice')]}/;
    (my $base = $to) =~ s/\?.*//;
    my $click = $Http->get("$base$link");
    is $click->{status}, 302, 'picking a user: WeChat redirects';
    my $cb = $click->{headers}{location};
    like $cb, qr{^\Q$G\E/uc/v1/login/wechat/callback\?code=\w+&state=\Q$state\E$},
        'WeChat sends the browser back with a code and our state';
    my $res = visit($b, $cb);
    is $res->{status}, 302, 'callback: 302';
    is $res->{headers}{location}, $back, 'callback: to return_to';
    like $res->{headers}{'set-cookie'}, qr/^uc_session=v1\.[^;]+; Path=\/; .*HttpOnly/,
        'callback: the session cookie is set';
    is stack_redis('EXISTS', "${Prefix}{o:$state}"), '0', 'the state is gone';

    my $p = visit($b, "$G/uc/v1/me/profile");
    is $p->{status}, 200, 'the session works at the gateway';
    is $p->{json}{nickname}, '微信用户 ' . $u->('alice'), "the profile has WeChat's nickname";
    like $p->{json}{avatar_url}, qr{^https://thirdwx\.qlogo\.cn/}, "and its avatar";
    my $alice = $p->{json}{user_id};

    my $again = visit($b, $cb);
    is $again->{status}, 400, 'the same callback again: 400';
    is $again->{json}{error}{code}, 'state_invalid', 'state_invalid: used once';

    # the same person again: the same account
    my $b2 = browser();
    my $r2 = sign_in_web($b2, 'wechat', $u->('alice'));
    is $r2->{status}, 302, 'signing in again';
    is me($b2), $alice, 'is the same account';

    my $members = api(GET => "/uc/v1/admin/lines/$line/members", undef, $admin);
    ok((grep { $_->{user_id} eq $alice && $_->{channel} eq 'wechat' }
        @{ $members->{json}{members} // [] }),
       'the account joined the line, by wechat');

    # one person across AppIDs: the app's and the mini-program's logins
    my $app = api(POST => '/uc/v1/login/wechat/app',
                  { code => mint('wechat', $MobileApp, $u->('alice')), line => $line });
    is $app->{status}, 200, 'app login: 200';
    is $app->{json}{user_id}, $alice, 'app login: the same account (unionid)';
    ok !$app->{json}{new_user}, 'app login: not a new user';
    ok $app->{json}{token}, 'app login: a token in JSON';

    my $mini = api(POST => '/uc/v1/login/wechat/mini',
                   { code => mint('wechat', $MiniApp, $u->('alice')) });
    is $mini->{status}, 200, 'mini-program login: 200';
    is $mini->{json}{user_id}, $alice, 'mini-program login: the same account';
    unlike $mini->{content}, qr/session_key/i, "the session_key never leaves the backend";

    my $ids = identities($app->{json}{token});
    is_deeply [sort @{ $ids->{wechat}{apps} }], [sort $WebApp, $MobileApp, $MiniApp],
        'every (appid, openid) is kept';
    unlike $ids->{wechat}{display}, qr/^o\w{20,}$/, 'the identity is shown masked';
    is stack_sql("SELECT COUNT(*) FROM identities i JOIN users u ON u.seq = i.user_seq"
                 . " WHERE u.id = $alice AND i.kind = 'wechat_app'"), '3',
        'three app rows in the store';

    # a line's server reads the openids, to pay and message the user
    my $key = api(POST => "/uc/v1/admin/lines/$line/keys", { name => 'social' }, $admin);
    my $svc = api(GET => "/uc/v1/service/users/$alice", undef, undef,
                  { Authorization => $key->{json}{authorization} });
    my %want = map { split /:/, $_, 2 } split /\n/, stack_sql(
        "SELECT i.value FROM identities i JOIN users u ON u.seq = i.user_seq"
        . " WHERE u.id = $alice AND i.kind = 'wechat_app'");
    is_deeply $svc->{json}{user}{openids}, \%want,
        "a line's server gets the openid of each AppID";
}

# --- what may not start a sign-in
{
    my $b = browser();
    my @bad = (
        [ { return_to => $back }, 400, 'line_required', 'no line' ],
        [ { line => 'nosuchline', return_to => $back }, 400, 'unknown_line', 'an unknown line' ],
        [ { line => 'Bad Line', return_to => $back }, 400, 'unknown_line', 'a malformed line' ],
        [ { line => $line }, 400, 'return_to_not_allowed', 'no return_to' ],
        [ { line => $line, return_to => 'https://evil.example/' }, 400,
          'return_to_not_allowed', 'another site' ],
        [ { line => $line, return_to => "$back/x" }, 400, 'return_to_not_allowed', 'a longer path' ],
        [ { line => $line, return_to => "$back?next=https://evil.example" }, 400,
          'return_to_not_allowed', 'a query added' ],
        [ { line => $line, return_to => "$back#x" }, 400, 'return_to_not_allowed', 'a fragment' ],
        [ { line => $line, return_to => uc $back }, 400, 'return_to_not_allowed', 'another case' ],
        [ { line => $line, return_to => "$G/sns$tag/done" . ('/' x 600) }, 400,
          'return_to_not_allowed', 'a long one' ],
        [ { line => $line, return_to => "//evil.example/$line/done" }, 400,
          'return_to_not_allowed', 'a scheme-relative URL' ],
        [ { line => "sns$tag", return_to => "$G/snsp$tag/done" }, 400,
          'return_to_not_allowed', "another line's URL" ],
        [ { line => $line, return_to => $back, link => 1 }, 401, 'login_required',
          'linking without a session' ],
    );
    for my $case (@bad) {
        my ($q, $status, $code, $what) = @$case;
        my $res = start($b, 'wechat', %$q);
        ok ref $res && $res->{status} == $status
           && ($res->{json}{error}{code} // '') eq $code,
           "start refused: $what ($status $code)"
           or diag explain ref $res ? $res->{content} : $res;
    }
    my $res = start($b, 'github', line => $line, return_to => $back);
    is $res->{status}, 404, 'an unknown provider: 404';

    # a suspended line signs no one in
    api(POST => "/uc/v1/admin/lines/$phone_line/suspend", {}, $admin);
    $res = start($b, 'wechat', line => $phone_line, return_to => "$G/$phone_line/done");
    is $res->{json}{error}{code}, 'line_suspended', 'a suspended line: 403 line_suspended';
    api(POST => "/uc/v1/admin/lines/$phone_line/resume", {}, $admin);
}

# --- state: CSRF, expiry, tampering, the other provider's
{
    my $victim = browser();
    my $attacker = browser();
    my $to = start($attacker, 'wechat', line => $line, return_to => $back);
    my $cb = consent($to, $u->('mallory'));
    my $res = visit($victim, $cb);
    is $res->{status}, 400, "a callback in another browser (login CSRF): 400";
    is $res->{json}{error}{code}, 'state_mismatch', 'state_mismatch';
    ok !$victim->{cookies}{uc_session}, 'and no session for the victim';
    is visit($attacker, $cb)->{json}{error}{code}, 'state_invalid',
        'the state was spent by the failed try';

    my $b = browser();
    $to = start($b, 'wechat', line => $line, return_to => $back);
    my ($state) = $to =~ /state=([^&]+)/;
    stack_redis('PEXPIRE', "${Prefix}{o:$state}", 1);
    ok wait_for(sub { stack_redis('EXISTS', "${Prefix}{o:$state}") eq '0' }),
        'the state expires in Redis';
    $res = visit($b, consent($to, $u->('alice')));
    is $res->{json}{error}{code}, 'state_invalid', 'an expired state: 400 state_invalid';

    for my $bad ('', 'short', 'x' x 43 . '!', ('A' x 42) . '%00') {
        $res = visit($b, "$G/uc/v1/login/wechat/callback?code=abc&state=" . enc($bad));
        is $res->{json}{error}{code}, 'state_invalid', "a state \"$bad\": state_invalid";
    }

    $to = start($b, 'wechat', line => $line, return_to => $back);
    ($state) = $to =~ /state=([^&]+)/;
    $res = visit($b, "$G/uc/v1/login/alipay/callback?auth_code=abc&state=$state");
    is $res->{json}{error}{code}, 'state_invalid', "WeChat's state at Alipay's callback: refused";

    $to = start($b, 'wechat', line => $line, return_to => $back);
    ($state) = $to =~ /state=([^&]+)/;
    $res = visit($b, "$G/uc/v1/login/wechat/callback?state=$state");
    is $res->{json}{error}{code}, 'authorization_denied', 'no code: authorization_denied';
}

# --- codes: reused, expired, invalid, malformed
{
    my $code = mint('wechat', $MobileApp, $u->('bob'));
    is api(POST => '/uc/v1/login/wechat/app', { code => $code })->{status}, 201,
        'a fresh code signs in (201: a new account)';
    my $r = api(POST => '/uc/v1/login/wechat/app', { code => $code });
    is "$r->{status} $r->{json}{error}{code}", '400 code_used', 'the code again: 400 code_used (40163)';

    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $MobileApp, $u->('bob'), 0) });
    is "$r->{status} $r->{json}{error}{code}", '400 code_expired', 'an expired code: 400 code_expired (42003)';

    $r = api(POST => '/uc/v1/login/wechat/app', { code => 'nosuchcode' });
    is "$r->{status} $r->{json}{error}{code}", '400 code_invalid', 'an unknown code: 400 code_invalid (40029)';

    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $WebApp, $u->('bob')) });
    is $r->{json}{error}{code}, 'code_invalid', "another AppID's code: code_invalid";

    for my $bad ('a b', '../x', "x\r\nX: y", 'x' x 300, '%41') {
        $r = api(POST => '/uc/v1/login/wechat/app', { code => $bad });
        (my $shown = substr $bad, 0, 10) =~ s/[\r\n]/./g;
        is $r->{status}, 400, "a malformed code: 400 ($shown)";
    }
    $r = api(POST => '/uc/v1/login/wechat/app', { code => 42 });
    is $r->{status}, 400, 'a code that is no string: 400';
    $r = api(POST => '/uc/v1/login/wechat/app', { code => 'x', link => 'yes' });
    is $r->{status}, 400, '"link" that is no boolean: 400';

    my $ac = mint('alipay', $AlipayApp, $u->('bob'));
    is api(POST => '/uc/v1/login/alipay/app', { auth_code => $ac })->{status}, 201,
        'an Alipay auth_code signs in (app; a new account)';
    $r = api(POST => '/uc/v1/login/alipay/app', { auth_code => $ac });
    is "$r->{status} $r->{json}{error}{code}", '400 code_invalid',
        'the auth_code again: 400 code_invalid (isv.code-invalid)';
}

# --- provider faults
{
    my $t0 = time;
    my $r = api(POST => '/uc/v1/login/wechat/app',
                { code => mint('wechat', $MobileApp, $u->('slow-x')) });
    my $took = time - $t0;
    is "$r->{status} $r->{json}{error}{code}", '504 provider_timeout', 'a slow WeChat: 504 provider_timeout';
    ok $took < 1.9, sprintf 'answered at the 1 s deadline, before the provider (%.2f s)', $took;

    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $MobileApp, $u->('busy-x')) });
    is "$r->{status} $r->{json}{error}{code}", '503 provider_busy', 'WeChat errcode -1: 503 provider_busy';
    is $r->{headers}{'retry-after'}, 1, 'with Retry-After';

    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $MobileApp, $u->('other-x')) });
    is "$r->{status} $r->{json}{error}{code}", '502 provider_error',
        'a userinfo about someone else: 502, no sign-in';

    # an expired access token: refreshed, and the profile read after all
    my $b = browser();
    $r = sign_in_web($b, 'wechat', $u->('stale-x'));
    is $r->{status}, 302, 'an access token born expired: signed in';
    is visit($b, "$G/uc/v1/me/profile")->{json}{nickname}, '微信用户 ' . $u->('stale-x'),
        'the token was refreshed (42001) and userinfo read';

    # no unionid: the AppID's openid is the identity, per app
    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $MobileApp, $u->('nounion-x')) });
    my $r2 = api(POST => '/uc/v1/login/wechat/mini',
                 { code => mint('wechat', $MiniApp, $u->('nounion-x')) });
    ok $r->{status} == 201 && $r2->{status} == 201, 'without a unionid both apps sign in';
    isnt $r->{json}{user_id}, $r2->{json}{user_id},
        'but nothing proves them one person: two accounts, never a guess';

    my $alipay_accounts = sub {
        my $n = stack_sql("SELECT COUNT(*) FROM audit_log WHERE action = 'register'"
                          . " AND actor = 'alipay'");
        die "the count of Alipay accounts cannot be read: '$n'" unless $n =~ /^\d+$/;
        return $n;
    };
    my $before = $alipay_accounts->();
    for my $case (['tamper-x', 502, 'provider_signature_invalid', 'an answer changed after signing'],
                  ['badsig-x', 502, 'provider_signature_invalid', 'an answer signed by another key'],
                  ['busy-x', 503, 'provider_busy', 'an Alipay system error'],
                  ['slow-x', 504, 'provider_timeout', 'a slow Alipay']) {
        my ($who, $status, $code, $what) = @$case;
        my $bb = browser();
        my $res = sign_in_web($bb, 'alipay', $u->($who));
        is "$res->{status} " . ($res->{json}{error}{code} // ''), "$status $code",
            "Alipay, $what: $status $code";
        ok !$bb->{cookies}{uc_session}, "  and no session";
    }
    is $alipay_accounts->(), $before, 'no account was made for any of them';

    # open_id only (new Alipay apps)
    my $bb = browser();
    my $res = sign_in_web($bb, 'alipay', $u->('openid-x'));
    is $res->{status}, 302, 'Alipay with an open_id only: signed in';
    my $ids = identities($bb->{cookies}{uc_session});
    is_deeply $ids->{alipay}{apps}, [$AlipayApp], '  keyed on (app_id, open_id)';
    is visit($bb, "$G/uc/v1/me/profile")->{json}{nickname}, '支付宝用户 ' . $u->('openid-x'),
        "  with Alipay's nickname (the \\/ escapes verified as received)";
}

# --- the bound on concurrent provider calls (4 here, 200 ms to wait)
{
    my @codes = map { mint('wechat', $MobileApp, $u->("slow-c$_")) } 1 .. 10;
    my @kids;
    for my $c (@codes) {
        pipe my $rd, my $wr or die;
        my $pid = fork // die;
        if (!$pid) {
            close $rd;
            my $r = api(POST => '/uc/v1/login/wechat/app', { code => $c });
            print $wr "$r->{status} " . ($r->{json}{error}{code} // '');
            close $wr;
            _exit(0);
        }
        close $wr;
        push @kids, [$pid, $rd];
    }
    my %seen;
    for (@kids) {
        my ($pid, $rd) = @$_;
        local $/;
        $seen{<$rd> // ''}++;
        waitpid $pid, 0;
    }
    is $seen{'504 provider_timeout'}, 4, 'four calls at once reach the slow provider (504)';
    is $seen{'503 provider_busy'}, 6, 'the other six get 503 provider_busy at once';
}

# --- linking and unlinking
{
    my ($uid, $token) = sign_up();
    my $b = browser();
    my $to = start($b, 'wechat', line => $line, return_to => $back, link => 1,
                   _headers => { Authorization => "Bearer $token" });
    like $to, qr/qrconnect/, 'a signed-in user starts linking WeChat';
    my $res = visit($b, consent($to, $u->('carl')), { Authorization => "Bearer $token" });
    is $res->{status}, 302, 'linking: back to return_to';
    ok !$b->{cookies}{uc_session}, 'linking sets no new session';
    is identities($token)->{wechat}{apps}[0], $WebApp, 'the identity is listed';

    my $b2 = browser();
    sign_in_web($b2, 'wechat', $u->('carl'));
    is me($b2), $uid, 'signing in with that WeChat is the phone account';

    ok wait_for(sub { stack_redis('XRANGE', "${Prefix}events", '-', '+')
                      =~ /user\.identity_linked.{0,200}$uid|$uid.{0,200}user\.identity_linked/s }),
        'user.identity_linked is in the event stream';

    # someone else's WeChat: 409, never merged
    my ($uid2, $token2) = sign_up();
    my $b3 = browser();
    $to = start($b3, 'wechat', line => $line, return_to => $back, link => 1,
                _headers => { Authorization => "Bearer $token2" });
    $res = visit($b3, consent($to, $u->('carl')), { Authorization => "Bearer $token2" });
    is "$res->{status} $res->{json}{error}{code}", '409 identity_taken',
        "linking another account's WeChat: 409 identity_taken";
    ok !identities($token2)->{wechat}, 'and nothing was linked';

    my $r = api(POST => '/uc/v1/login/wechat/app',
                { code => mint('wechat', $MobileApp, $u->('carl')), link => JSON::PP::true },
                $token2);
    is "$r->{status} $r->{json}{error}{code}", '409 identity_taken', 'the same through the app';

    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $MobileApp, $u->('dora')), link => JSON::PP::true },
             $token);
    is "$r->{status} $r->{json}{error}{code}", '409 provider_already_linked',
        'a second WeChat on one account: 409 provider_already_linked';

    $r = api(POST => '/uc/v1/login/alipay/app',
             { auth_code => mint('alipay', $AlipayApp, $u->('dora')), link => JSON::PP::true },
             $token2);
    is "$r->{status} $r->{json}{linked}", '200 1', 'linking Alipay through the app';

    # the session that started must be the one that finishes
    my $b4 = browser();
    $to = start($b4, 'wechat', line => $line, return_to => $back, link => 1,
                _headers => { Authorization => "Bearer $token2" });
    $res = visit($b4, consent($to, $u->('erik')), { Authorization => "Bearer $token" });
    is "$res->{status} $res->{json}{error}{code}", '403 link_session_changed',
        "a link finished under another session: 403";

    # unlinking
    $r = api(DELETE => '/uc/v1/me/identities/wechat', undef, $token);
    is $r->{status}, 204, 'unlinking WeChat (the phone stays): 204';
    $r = api(DELETE => '/uc/v1/me/identities/wechat', undef, $token);
    is "$r->{status} $r->{json}{error}{code}", '404 identity_not_found', 'again: 404';
    $r = api(DELETE => '/uc/v1/me/identities/phone', undef, $token);
    is $r->{status}, 400, 'phones are not unlinked here';
    ok wait_for(sub { stack_redis('XRANGE', "${Prefix}events", '-', '+')
                      =~ /user\.identity_unlinked/ }),
        'user.identity_unlinked is in the event stream';

    my $b5 = browser();
    sign_in_web($b5, 'wechat', $u->('carl'));
    isnt me($b5), $uid, 'after unlinking, that WeChat is a new account';

    # a WeChat-only account keeps its last way in
    my $only = $b5->{cookies}{uc_session};
    $r = api(DELETE => '/uc/v1/me/identities/wechat', undef, $only);
    is "$r->{status} $r->{json}{error}{code}", '409 last_login_method',
        'unlinking the last way to sign in: 409 last_login_method';
    $r = api(POST => '/uc/v1/login/alipay/app',
             { auth_code => mint('alipay', $AlipayApp, $u->('carl')), link => JSON::PP::true },
             $only);
    is $r->{status}, 200, 'with Alipay linked too';
    is api(DELETE => '/uc/v1/me/identities/wechat', undef, $only)->{status}, 204,
        'WeChat may go';
    is api(DELETE => '/uc/v1/me/identities/alipay', undef, $only)->{json}{error}{code},
        'last_login_method', 'and then Alipay may not';
    is api(GET => '/uc/v1/me/identities')->{status}, 401, 'identities need a session';
}

# --- a line that wants a verified phone first
{
    my $pb = "$G/$phone_line/done";
    my $b = browser();
    my $to = start($b, 'wechat', line => $phone_line, return_to => $pb);
    my $res = visit($b, consent($to, $u->('fay')));
    is $res->{status}, 302, 'the phone step: a redirect';
    like $res->{headers}{location}, qr{^\Q$pb\E\?uc_step=phone_required&uc_ticket=[\w-]{43}$},
        'to return_to, with the step and a ticket';
    ok !$b->{cookies}{uc_session}, 'and no session yet';
    my ($ticket) = $res->{headers}{location} =~ /uc_ticket=([\w-]+)/;

    my $phone = new_phone();
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'login' });
    my $code = last_code($phone);

    my $r = api(POST => '/uc/v1/login/complete',
                { ticket => $ticket, phone => $phone, code => $code });
    is $r->{json}{error}{code}, 'state_mismatch', 'the ticket in another browser: refused';

    my $cookie = "uc_login=$b->{cookies}{uc_login}";
    $r = api(POST => '/uc/v1/login/complete',
             { ticket => $ticket, phone => $phone, code => '000000' },
             undef, { Cookie => $cookie });
    is $r->{json}{error}{code}, 'invalid_code', 'a wrong SMS code: invalid_code';

    $r = api(POST => '/uc/v1/login/complete',
             { ticket => $ticket, phone => $phone, code => $code },
             undef, { Cookie => $cookie });
    is $r->{status}, 201, 'the phone verified: signed in (201: a new account)';
    ok $r->{json}{token} && $r->{json}{new_user}, '  with a token, as a new user';
    is $r->{json}{auth_level}, 2, '  at level 2: a verified phone';
    is api(GET => '/pay/orders', undef, $r->{json}{token})->{status}, 200,
        '  which a level-2 location of the gateway admits';
    my $fay = $r->{json}{user_id};
    like identities($r->{json}{token})->{phone}{display}, qr/^\+86\d{3}\*{4}\d{4}$/,
        '  and the phone is an identity, shown masked';

    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'login' });
    $r = api(POST => '/uc/v1/login/complete',
             { ticket => $ticket, phone => $phone, code => last_code($phone) },
             undef, { Cookie => $cookie });
    is $r->{json}{error}{code}, 'ticket_invalid', 'the ticket works once';

    my $b2 = browser();
    $to = start($b2, 'wechat', line => $phone_line, return_to => $pb);
    $res = visit($b2, consent($to, $u->('fay')));
    is $res->{headers}{location}, $pb, 'next time: no step, straight in';
    is me($b2), $fay, '  to the same account';

    # a phone that is another account's is not taken over
    my (undef, undef, $taken) = sign_up();
    my $b3 = browser();
    $to = start($b3, 'wechat', line => $phone_line, return_to => $pb);
    $res = visit($b3, consent($to, $u->('gus')));
    ($ticket) = $res->{headers}{location} =~ /uc_ticket=([\w-]+)/;
    api(POST => '/uc/v1/codes', { to => $taken, purpose => 'login' });
    $r = api(POST => '/uc/v1/login/complete',
             { ticket => $ticket, phone => $taken, code => last_code($taken) },
             undef, { Cookie => "uc_login=$b3->{cookies}{uc_login}" });
    is "$r->{status} $r->{json}{error}{code}", '409 phone_taken',
        "another account's phone: 409 phone_taken";

    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $MobileApp, $u->('hal')), line => $phone_line });
    is $r->{json}{step}, 'phone_required', 'apps get the step as JSON';
    like $r->{json}{ticket}, qr/^[\w-]{43}$/, '  with a ticket';
    ok !$r->{json}{token}, '  and no token';
}

# --- frozen accounts do not sign in
{
    my $r = api(POST => '/uc/v1/login/wechat/app',
                { code => mint('wechat', $MobileApp, $u->('ivy')) });
    my $ivy = $r->{json}{user_id};
    api(POST => "/uc/v1/admin/users/$ivy/freeze", {}, $admin);
    $r = api(POST => '/uc/v1/login/wechat/app',
             { code => mint('wechat', $MobileApp, $u->('ivy')) });
    is "$r->{status} $r->{json}{error}{code}", '403 account_frozen', 'a frozen account: 403';
    $r = api(POST => '/uc/v1/login/wechat/mini',
             { code => mint('wechat', $MiniApp, $u->('ivy')) });
    is $r->{json}{error}{code}, 'account_frozen', 'through another AppID too';
    is stack_sql("SELECT COUNT(*) FROM identities i JOIN users u ON u.seq = i.user_seq"
                 . " WHERE u.id = $ivy AND i.kind = 'wechat_app'"), '1',
        '  and the frozen account gained no identity';
}

done_testing;
