# The registration guard: the body is read without blocking and scored
# (honeypot, disposable domains, Redis block and allow lists); on refuses,
# shadow logs and passes, and without Redis it fails closed.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;
use IO::Socket::INET;
use Digest::SHA ();
use JSON::PP ();

# A sign-up sent from a chosen loopback address (the whole 127/8 is ours).
sub signup_from {
    my ($from, $body, $headers) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $ENV{TEST_NGINX_SERVER_PORT},
                                  LocalAddr => $from) or die "bind $from: $!";
    print $s "POST /register HTTP/1.0\r\nContent-Type: application/json\r\n"
           . ($headers // '') . "Content-Length: " . length($body)
           . "\r\n\r\n$body";
    local $/;
    my $resp = <$s> // '';
    my $code = $resp =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
    my ($answer) = $resp =~ /\r\n\r\n(.*)\z/s;
    return wantarray ? ($code, $answer // '') : $code;
}

# Solves a challenge as a client would: the first counter that gives
# SHA-256("<nonce>:<n>") enough leading zero bits.
sub solve {
    my ($nonce, $difficulty) = @_;
    for (my $n = 0; ; $n++) {
        my $bits = unpack('B*', Digest::SHA::sha256("$nonce:$n"));
        return "$nonce:$n" if index($bits, '1') >= $difficulty;
    }
}

repeat_each(1);
no_shuffle();

our $Refused = qr/"registration_refused"/;
our $Echo = qr/^uid=/;

# A MaxMind database for the tests. 127/8 is a reserved network, which the
# writer drops unless told not to.
our $Mmdb = "$ENV{TEST_NGINX_WORK}/geo-test.mmdb";
{
    require MaxMind::DB::Writer::Tree;
    my $types = { country => 'map', iso_code => 'utf8_string',
                  autonomous_system_number => 'uint32' };
    my $tree = MaxMind::DB::Writer::Tree->new(
        ip_version => 6, record_size => 24,
        database_type => 'usercenter-test', languages => ['en'],
        description => { en => 'usercenter test networks' },
        remove_reserved_networks => 0, alias_ipv6_to_ipv4 => 1,
        map_key_type_callback => sub { $types->{ $_[0] } });
    $tree->insert_network('127.0.8.0/24',
        { country => { iso_code => 'KP' }, autonomous_system_number => 64500 });
    $tree->insert_network('127.0.9.0/24',
        { country => { iso_code => 'CN' }, autonomous_system_number => 4134 });
    $tree->insert_network('127.0.11.0/24',
        { country => { iso_code => 'US' }, autonomous_system_number => 64501 });
    open my $fh, '>:raw', $Mmdb or die $!;
    $tree->write_tree($fh);
    close $fh;
}

sub guard_config {
    my ($mode, $redis) = @_;
    return UcConfig::uc_http_config($redis ? (redis => $redis) : ()) . <<"_EOC_";
    usercenter_guard_disposable \$TEST_NGINX_SERVROOT/html/disposable.txt;
    log_format risk 'risk=\$uc_risk';
_EOC_
}

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(http_config => guard_config('on'))
        unless defined $block->http_config;
    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /register {
        usercenter_register_guard on;
        access_log logs/access.log risk;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
_EOC_
    $block->set_value(user_files => <<'_EOF_');
>>> disposable.txt
# test list
mailinator.com
guerrillamail.com
_EOF_
    $block->set_value(more_headers => 'Content-Type: application/json')
        unless defined $block->more_headers;
});

plan tests => 3 * blocks() + 6 + 4 + 7 + 4 + 5;

my @lists = map { "uc:{guard}:$_" } qw(block:ip block:domain block:prefix allow:ip);
UcTest::redis_cli('DEL', @lists);
our $ClearCounters = sub {
    UcTest::redis_cli('EVAL', "for _, k in ipairs(redis.call('KEYS', 'uc:{guard}:v:*')) "
                              . "do redis.call('DEL', k) end", 0);
};
$ClearCounters->();

run_tests();

UcTest::redis_cli('DEL', @lists);

__DATA__

=== TEST 1: an ordinary sign-up passes, its score logged
--- request
POST /register
{"login":"+8613800000001","password":"secret123","code":"123456"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: allow, score 0, signals 0



=== TEST 2: a filled honeypot is refused
--- request
POST /register
{"login":"+8613800000001","password":"secret123","website":"http://spam.example"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 1



=== TEST 3: a disposable e-mail domain (any case) is refused
--- request
POST /register
{"login":"bot@MAILINATOR.com","password":"secret123"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 60, signals 2



=== TEST 4: a form body is read too
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /register
login=%2B8613800000001&password=secret123&website=x
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 1



=== TEST 5: a blocked IP
--- init
UcTest::ucctl('guard', 'block', 'ip', '127.0.0.1');
--- request
POST /register
{"login":"+8613800000002","password":"secret123"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 4



=== TEST 6: an allow-listed IP passes whatever else it does
--- init
UcTest::ucctl('guard', 'unblock', 'ip', '127.0.0.1');
UcTest::ucctl('guard', 'allow', 'ip', '127.0.0.1');
--- request
POST /register
{"login":"+8613800000002","password":"secret123","website":"filled"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: allow, score 0, signals 80



=== TEST 7: a blocked phone prefix
--- init
UcTest::ucctl('guard', 'unallow', 'ip', '127.0.0.1');
UcTest::ucctl('guard', 'block', 'prefix', '+86170');
--- request
POST /register
{"to":"+8617012345678","purpose":"register"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 10



=== TEST 8: a blocked e-mail domain
--- init
UcTest::ucctl('guard', 'block', 'domain', 'evil.example');
--- request
POST /register
{"login":"x@Evil.Example","password":"secret123"}
--- error_code: 403
--- response_body_like eval: $::Refused
--- error_log
usercenter guard: deny, score 100, signals 8



=== TEST 9: shadow mode logs the refusal and lets it through
--- config
    location /register {
        usercenter_register_guard shadow;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
POST /register
{"login":"+8613800000003","website":"filled"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: deny (shadow), score 100



=== TEST 10: malformed JSON
--- request
POST /register
{"login": 
--- error_code: 400
--- response_body_like: "malformed_json"
--- no_error_log
[alert]



=== TEST 11: another content type
--- more_headers
Content-Type: text/plain
--- request
POST /register
login=x
--- error_code: 415
--- response_body_like: "unsupported_media_type"
--- no_error_log
[alert]



=== TEST 12: a body over 16 KB
--- request eval
"POST /register\n{\"login\":\"" . ('a' x 20000) . "\"}"
--- error_code: 413
--- response_body_like: "body_too_large"
--- no_error_log
[alert]



=== TEST 13: invalid UTF-8 in the JSON
--- request eval
"POST /register\n{\"login\":\"\xff\xfe\"}"
--- error_code: 400
--- response_body_like: "malformed_json"
--- no_error_log
[alert]



=== TEST 14: without Redis the guard fails closed
--- http_config eval: main::guard_config('on', '127.0.0.1:1')
--- request
POST /register
{"login":"+8613800000004","password":"secret123"}
--- error_code: 503
--- response_body_like: "guard_unavailable"
--- error_log
usercenter guard: no redis



=== TEST 15: ... or passes in shadow mode
--- http_config eval: main::guard_config('on', '127.0.0.1:1')
--- config
    location /register {
        usercenter_register_guard shadow;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
POST /register
{"login":"+8613800000005","password":"secret123"}
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: no redis (shadow)



=== TEST 16: GET is not scored; $uc_risk is logged for scored requests
--- request
GET /register
--- response_body_like eval: $::Echo
--- no_error_log
usercenter guard



=== TEST 17: too many attempts from one address in an hour
--- init
$::ClearCounters->();
--- http_config eval
main::guard_config('on') . "usercenter_guard_velocity ip=2 net=0 device=0 phone=0 email=0;"
--- request eval
[ map { "POST /register\n{\"login\":\"+861380000001$_\",\"password\":\"secret123\"}" } 1 .. 3 ]
--- more_headers eval
[ ("Content-Type: application/json") x 3 ]
--- error_code eval: [ 200, 200, 403 ]
--- response_body_like eval: [ $::Echo, $::Echo, qr/"challenge_required"/ ]
--- no_error_log
[alert]



=== TEST 18: a flood (one /24, one device, disposable addresses) is stopped; ordinary sign-ups pass
--- init
$::ClearCounters->();
my (@flood, @normal, @disposable);
for my $i (1 .. 12) {
    # every other attempt of the flood uses a throw-away address
    my $login = $i % 2 ? "bot$i\@mailinator.com" : "+86139000000$i";
    my $code = main::signup_from("127.0.5.$i",
        qq{{"login":"$login","password":"secret123"}},
        "X-Device-Id: emulator-1\r\n");
    push @flood, $code;
    push @disposable, $code if $i % 2;
    push @normal, scalar main::signup_from("127.0.9.$i",
        qq{{"login":"+86137000000$i","password":"secret123"}},
        "X-Device-Id: phone-$i\r\n") if $i % 4 == 0;
}
Test::More::ok((grep { $_ == 200 } @flood) <= 3,
               "at most the device's 3 attempts of the flood passed (@flood)");
Test::More::is("@disposable", join(' ', (403) x 6),
               'no throw-away address got through');
Test::More::is("@normal", '200 200 200',
               'every ordinary sign-up in between passes');
Test::More::cmp_ok(UcTest::redis_cli('GET', 'uc:{guard}:v:net:127.0.5.0/24'), '==', 12,
                   'the /24 counter saw all twelve');
--- http_config eval
main::guard_config('on') . "usercenter_guard_velocity ip=5 net=6 device=3 phone=5 email=5;"
--- request
POST /register
{"login":"+8613600000001","password":"secret123"}
--- response_body_like eval: $::Echo
--- error_log
signals 400



=== TEST 19: a challenge: solved it passes, once; forged, borrowed or lazy answers do not
--- init
$::ClearCounters->();
my $body = qq{{"login":"+8613500000001","password":"secret123"}};
my ($code) = main::signup_from('127.0.7.1', $body);
my ($code2, $resp) = main::signup_from('127.0.7.1', $body);
Test::More::is("$code $code2", '200 403', 'the second attempt from the address is challenged');
my $c = JSON::PP::decode_json($resp)->{challenge};
Test::More::is($c->{difficulty}, 9, 'difficulty 8, plus one bit for the 10 points over 30');
my $answer = main::solve($c->{nonce}, $c->{difficulty});
Test::More::is(scalar main::signup_from('127.0.7.1', $body, "X-UC-PoW: $answer\r\n"), 200,
               'the solved challenge lets it through');
Test::More::is(scalar main::signup_from('127.0.7.1', $body, "X-UC-PoW: $answer\r\n"), 403,
               'the same answer a second time does not');
my ($other) = main::signup_from('127.0.7.2', $body);
Test::More::is(scalar main::signup_from('127.0.7.2', $body, "X-UC-PoW: $answer\r\n"), 403,
               'nor from another address');
(my $forged = $answer) =~ s/^(p1\.\d+\.)\d+/${1}1/;
Test::More::is(scalar main::signup_from('127.0.7.1', $body,
               "X-UC-PoW: " . main::solve((split /:/, $forged)[0], 1) . "\r\n"), 403,
               'a nonce with its difficulty lowered is refused');
my $lazy = $c->{nonce} . ':x';
Test::More::is(scalar main::signup_from('127.0.7.1', $body, "X-UC-PoW: $lazy\r\n"), 403,
               'an answer without the work is refused');
--- http_config eval
main::guard_config('on') . "usercenter_guard_velocity ip=1 net=0 device=0 phone=0 email=0;\n"
. "usercenter_guard_difficulty 8;"
--- request
GET /register
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: allow (solved), score 40



=== TEST 20: country and ASN policy from a MaxMind database
--- init
$::ClearCounters->();
my $body = qq{{"login":"+8613400000001","password":"secret123"}};
my ($code, $resp) = main::signup_from('127.0.8.1', $body);
Test::More::like("$code $resp", qr/^403 .*"registration_refused"/, 'a denied country is refused');
($code, $resp) = main::signup_from('127.0.9.1', $body);
Test::More::like("$code $resp", qr/^403 .*"challenge_required"/, 'a challenged country must do work');
($code, $resp) = main::signup_from('127.0.11.1', $body);
Test::More::like("$code $resp", qr/^403 .*"registration_refused"/, 'a denied ASN is refused');
Test::More::is(scalar main::signup_from('127.0.10.1', $body), 200,
               'an address the database does not know passes');
--- http_config eval
main::guard_config('on')
. "usercenter_geoip $::Mmdb;\n"
. "usercenter_guard_velocity ip=0 net=0 device=0 phone=0 email=0;\n"
. "usercenter_guard_geo deny KP AS64501;\n"
. "usercenter_guard_geo challenge cn;\n"
. "log_format geo 'country=\$uc_geo_country risk=\$uc_risk';"
--- config
    location /register {
        usercenter_register_guard on;
        access_log logs/access.log geo;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ECHO_PORT;
    }
--- request
GET /register
--- response_body_like eval: $::Echo
--- error_log
usercenter guard: deny, score 100, signals 2000



=== TEST 21: a missing GeoIP database stops nginx with a clear message
--- http_config eval
main::guard_config('on') . "usercenter_geoip /nonexistent/geo.mmdb;"
--- config
--- must_die
--- error_log
[emerg]
usercenter_geoip: "/nonexistent/geo.mmdb"



=== TEST 22: networks in the IP lists; phone and e-mail velocity
--- init
$::ClearCounters->();
UcTest::ucctl('guard', 'block', 'ip', '127.0.12.0/24');
UcTest::ucctl('guard', 'allow', 'ip', '127.1.0.0/16');
Test::More::like(join(' ', main::signup_from('127.0.12.5', qq{{"login":"+8613300000001"}})),
                 qr/^403 .*"registration_refused"/, 'an address in a blocked /24 is refused');
Test::More::is(scalar main::signup_from('127.1.2.3', qq{{"login":"+8613300000002","website":"x"}}),
               200, 'an address in an allowed /16 passes whatever it does');
UcTest::ucctl('guard', 'unblock', 'ip', '127.0.12.0/24');
UcTest::ucctl('guard', 'unallow', 'ip', '127.1.0.0/16');
my @p = map { scalar main::signup_from("127.0.13.$_", qq{{"login":"+8613300000009"}}) } 1 .. 2;
Test::More::is("@p", '200 403', 'the same phone twice in an hour (phone=1): the second must do work');
my $n = 0;
my @e = map { $n++; scalar main::signup_from("127.0.14.$n", qq{{"login":"$_"}}) }
        'Same@example.com', 'same@EXAMPLE.com';
Test::More::is("@e", '200 403', 'the same e-mail twice (email=1), whatever the case');
Test::More::cmp_ok(UcTest::redis_cli('GET', 'uc:{guard}:v:phone:+8613300000009'), '==', 2,
                   'the phone counter saw both');
--- http_config eval
main::guard_config('on') . "usercenter_guard_velocity ip=0 net=0 device=0 phone=1 email=1;"
--- request
GET /register
--- response_body_like eval: $::Echo
--- error_log
signals 800
