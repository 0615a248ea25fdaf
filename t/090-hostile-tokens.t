# 3,000 requests of seeded random garbage in the places a token can hide:
# Authorization, Cookie, spoofed X-UC-* headers. Every answer is a clean
# 200 or 401, the worker never dies, nothing is logged above info, and no
# Redis command is spent (none of them can carry a valid signature).

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;
use IO::Socket::INET;

repeat_each(1);
no_shuffle();

our $Valid = new_session(user => 42);

sub garbage {
    my $n = shift;
    my @alphabet = (map { chr } 33 .. 126);
    my $s = '';
    $s .= $alphabet[rand @alphabet] for 1 .. $n;
    $s =~ s/[;,]//g if rand() < 0.5;
    return $s;
}

# seeded: a failure can be replayed. (A ';' or ',' after a valid token
# ends the cookie value and leaves the valid token: kind 4 avoids them.)
srand(20261125);
our @Requests;
for my $i (1 .. 3000) {
    my $kind = $i % 6;
    my $v = $kind == 0 ? garbage(1 + int rand 200)
          : $kind == 1 ? 'v1.' . garbage(int rand 90)
          : $kind == 2 ? 'v1.test1.' . garbage(22) . '.' . garbage(43)
          : $kind == 3 ? substr($Valid, 0, int rand length $Valid)
          : $kind == 4 ? $Valid . (garbage(1 + int rand 5) =~ tr/;,//dr || 'x')
          :              join '.', map { garbage(int rand 30) } 1 .. int rand 8;
    $v =~ tr/\r\n//d;
    my $h = ($i % 2 ? "Authorization: Bearer $v\r\n" : "Cookie: a=1; uc_session=$v; b=2\r\n")
          . ($i % 7 == 0 ? "X-UC-User-Id: " . garbage(10) . "\r\nX-UC-Auth-Level: 4\r\n" : '');
    push @Requests, $h;
}

plan tests => 4 + 2;

run_tests();

__DATA__

=== TEST 1: random tokens, cookies and spoofed headers
--- http_config eval: UcConfig::uc_http_config()
--- config
    location /p { usercenter_auth required; empty_gif; }
    location /o { usercenter_auth optional; empty_gif; }
--- init
my $pidfile = "$ENV{TEST_NGINX_SERVROOT}/logs/nginx.pid";
open my $fh, '<', $pidfile or die $!;
chomp(my $pid = <$fh>);
UcTest::redis_cli('CONFIG', 'RESETSTAT');
my @codes = UcTest::http_get(scalar @::Requests, '/p', sub { $::Requests[$_[0] - 1] });
my %seen;
$seen{$_}++ for @codes;
Test::More::is(join(',', sort keys %seen), '401',
               '3,000 garbage tokens on a required location: all 401');
@codes = UcTest::http_get(500, '/o', sub { $::Requests[$_[0] - 1] });
%seen = ();
$seen{$_}++ for @codes;
Test::More::is(join(',', sort keys %seen), '200',
               'on an optional location: all 200 (anonymous)');
Test::More::ok(UcTest::pid_alive($pid), 'the same nginx process is still there');
Test::More::is(UcTest::redis_calls('*'), 0, 'not one Redis command spent');
--- request
GET /o
--- log_level: info
--- no_error_log
[error]
