# 1,000 sequential requests of every outcome leave the worker's memory
# where it was: nothing per request outlives the request.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(1);
no_shuffle();

our $Valid = new_session(user => 42, line => 'mall');
our $Revoked = new_session(user => 43);
ucctl('session', 'revoke', $Revoked);
(our $Forged = $Valid) =~ s/\.[^.]+$/.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/;

# the outcome of request i: valid, revoked, forged, anonymous, spoofed
our @Kinds = (
    [ 200, "Authorization: Bearer $Valid\r\n" ],
    [ 401, "Cookie: uc_session=$Revoked\r\n" ],
    [ 401, "Authorization: Bearer $Forged\r\n" ],
    [ 401, "" ],
    [ 200, "X-UC-User-Id: 1\r\nAuthorization: Bearer $Valid\r\n" ],
);

plan tests => 3 * blocks() + 3;

run_tests();

__DATA__

=== TEST 1: worker memory is flat over 1,000 requests
--- http_config eval: UcConfig::uc_http_config()
--- config
    location /p {
        usercenter_auth required;
        empty_gif;
    }
--- init
my $pid = do {
    open my $fh, '<', "$ENV{TEST_NGINX_SERVROOT}/logs/nginx.pid" or die $!;
    my $p = <$fh>; chomp $p; $p
};
my $headers = sub { $::Kinds[$_[0] % @::Kinds][1] };
my @codes = UcTest::http_get(500, '/p', $headers);     # warm up
my $before = UcTest::worker_rss($pid);
@codes = UcTest::http_get(1000, '/p', $headers);
my $after = UcTest::worker_rss($pid);
my @want = map { $::Kinds[$_ % @::Kinds][0] } 1 .. 1000;
Test::More::is("@codes", "@want", 'every request got its expected status');
# under make test-asan the sanitizer's quarantine holds freed memory back
my $limit = $ENV{UC_ASAN_LOG} ? 8192 : 16;
Test::More::cmp_ok($after - $before, '<=', $limit,
                   "worker RSS grew by at most $limit kB ($before -> $after kB)");
Test::More::cmp_ok($before, '>', 0, 'RSS was read');
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Valid"
--- response_headers
Content-Type: image/gif
--- log_level: info
--- no_error_log
[alert]
