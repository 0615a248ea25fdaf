# The near-cache under memory pressure: a 1 MB zone holds a few thousand
# sessions, and three times that many pass through it. A session read
# again and again between the others must stay cached (HIT every time
# after its first read); a session read once at the start must have been
# evicted by the end. Statuses come from $uc_cache_status in an access log.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(1);
no_shuffle();

our $Hot = new_session(user => 61);
our $Cold = new_session(user => 62);
our $Probe = new_session(user => 64);
our @Fill = new_session(user => 63, count => 12000);
our $Every = 50;

our $CacheLog = "$ENV{TEST_NGINX_SERVROOT}/logs/cache.log";

# session id => the statuses of its reads, in order
sub statuses {
    my %by;
    open my $fh, '<', $CacheLog or die "$CacheLog: $!";
    while (<$fh>) {
        my ($sid, $status) = split;
        push @{ $by{$sid} }, $status;
    }
    return \%by;
}

plan tests => 2 * blocks() + 6;

run_tests();

__DATA__

=== TEST 1: a session read between thousands of others stays; one read once goes
--- log_level: warn
--- http_config eval
UcConfig::uc_http_config() . <<'_EOC_';
    usercenter_cache zone=evict:1m ttl=5m;
    log_format cachelog '$uc_session_id $uc_cache_status';
_EOC_
--- config
    location /p {
        usercenter_auth required;
        access_log logs/cache.log cachelog;
        empty_gif;
    }
--- init
# a starting worker bypasses the cache until its Redis links are up: read
# a probe until it is a HIT, so the reads below all meet a live cache
my $probe_sid = UcTest::sid_of($::Probe);
for (1 .. 200) {
    UcTest::http_get(1, '/p', sub { "Authorization: Bearer $::Probe\r\n" });
    my $seen = main::statuses()->{$probe_sid} // [];
    last if @$seen && $seen->[-1] eq 'HIT';
    select undef, undef, undef, 0.01;
}
Test::More::is(main::statuses()->{$probe_sid}[-1], 'HIT', 'the cache is live');
my @order = ($::Cold, $::Hot);
for my $i (0 .. $#::Fill) {
    push @order, $::Fill[$i];
    push @order, $::Hot if $i % $::Every == $::Every - 1;
}
push @order, $::Cold;
my @codes = UcTest::http_get(scalar @order, '/p',
                             sub { "Authorization: Bearer $order[$_[0] - 1]\r\n" });
Test::More::is(scalar(grep { $_ != 200 } @codes), 0, 'every read answered 200');
my $by = main::statuses();
my @hot = @{ $by->{UcTest::sid_of($::Hot)} };
Test::More::is(scalar @hot, 1 + @::Fill / $::Every, 'the hot session was read as often as sent');
Test::More::is(scalar(grep { $_ ne 'HIT' } @hot[1 .. $#hot]), 0,
               'the hot session was a HIT every time after its first read');
my @cold = @{ $by->{UcTest::sid_of($::Cold)} };
Test::More::is("@cold", 'MISS MISS', 'the session read once was evicted meanwhile');
Test::More::is(scalar(grep { $_ ne 'MISS' }
                      map { @{ $by->{UcTest::sid_of($_)} } } @::Fill),
               0, 'each of the others was read once, from Redis');
--- request
GET /p
--- more_headers eval
"Authorization: Bearer $::Hot"
--- response_body_like: ^GIF89a
