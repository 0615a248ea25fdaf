# Two gateways share one Redis for a global limit: hammered together with a
# known number of requests, they admit no more than the GCRA bound. Then
# Redis is killed mid-run and each zone does what its on_redis_error says.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use POSIX qw(_exit);
use IO::Socket::INET;
use lib 't/helpers';
use UcE2E;

my $top = $ENV{TOP};
my $dir = "$ENV{UC_RUN_DIR}/limit";
my $redis_port = $ENV{UC_GATEWAY_PORT} + 40;
my @ports = ($ENV{UC_GATEWAY_PORT} + 41, $ENV{UC_GATEWAY_PORT} + 42);
my ($rate, $burst) = (50, 10);

system("rm -rf $dir; mkdir -p $dir") == 0 or die;
system("redis-server --port $redis_port --bind 127.0.0.1 --save '' "
       . "--appendonly no --daemonize yes --pidfile $dir/redis.pid "
       . "--logfile $dir/redis.log") == 0 or die 'redis';
wait_for(sub { `redis-cli -p $redis_port ping 2>/dev/null` =~ /PONG/ }) or die;

for my $i (0, 1) {
    my $p = "$dir/gw$i";
    system("mkdir -p $p/logs $p/conf") == 0 or die;
    open my $c, '>', "$p/conf/nginx.conf" or die $!;
    print $c <<"CONF";
load_module $top/build/nginx/ngx_http_usercenter_module.so;
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path logs/body; proxy_temp_path logs/proxy;
    fastcgi_temp_path logs/fastcgi; uwsgi_temp_path logs/uwsgi; scgi_temp_path logs/scgi;
    usercenter_redis 127.0.0.1:$redis_port timeout=200ms;
    usercenter_limit_zone shared key=everyone rate=${rate}r/s burst=$burst;
    usercenter_limit_zone open key=everyone rate=${rate}r/s burst=$burst on_redis_error=open;
    usercenter_limit_zone closed key=everyone rate=${rate}r/s burst=$burst on_redis_error=closed;
    usercenter_limit_zone local key=everyone rate=${rate}r/s burst=$burst on_redis_error=local;
    server {
        listen 127.0.0.1:$ports[$i];
        location /shared { usercenter_limit shared; empty_gif; }
        location /open { usercenter_limit open; empty_gif; }
        location /closed { usercenter_limit closed; empty_gif; }
        location /local { usercenter_limit local; empty_gif; }
    }
}
CONF
    close $c;
    system("/usr/sbin/nginx -p $p/ -c conf/nginx.conf -e logs/error.log") == 0
        or die "gateway $i";
}

# hammer(PATH, SECONDS): 2 clients per gateway on keep-alive connections;
# returns (per-gateway counts by status, elapsed seconds)
sub hammer {
    my ($path, $seconds) = @_;
    pipe my $r, my $w or die;
    my @pids;
    my $t0 = time;
    for my $gw (0, 1) {
        for (1, 2) {
            my $pid = fork // die;
            if ($pid == 0) {
                close $r;
                my %n;
                my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                              PeerPort => $ports[$gw]) or do { warn "connect: $!"; _exit(1) };
                my $end = time + $seconds;
                my $buf = '';
                while (time < $end) {
                    print $s "GET $path HTTP/1.1\r\nHost: x\r\n\r\n";
                    while ($buf !~ /\r\n\r\n/) {
                        sysread($s, $buf, 65536, length $buf) or do { warn "read: $!"; _exit(1) };
                    }
                    my ($code) = $buf =~ m{^HTTP/1\.1 (\d+)};
                    my ($len) = $buf =~ /^content-length:\s*(\d+)/mi;
                    my $need = index($buf, "\r\n\r\n") + 4 + ($len // 0);
                    while (length $buf < $need) {
                        sysread($s, $buf, 65536, length $buf) or do { warn "read: $!"; _exit(1) };
                    }
                    substr($buf, 0, $need) = '';
                    $n{$code}++;
                }
                syswrite $w, join(' ', $gw, map { "$_=$n{$_}" } sort keys %n) . "\n";
                _exit(0);
            }
            push @pids, $pid;
        }
    }
    close $w;
    my %count;
    while (my $line = <$r>) {
        my ($gw, @kv) = split ' ', $line;
        for (@kv) { my ($k, $v) = split /=/; $count{$gw}{$k} += $v; $count{all}{$k} += $v }
    }
    waitpid $_, 0 for @pids;
    return (\%count, time - $t0);
}

my ($c, $elapsed) = hammer('/shared', 2);
my $admitted = $c->{all}{200} // 0;
my $sent = ($c->{all}{200} // 0) + ($c->{all}{429} // 0);
my $bound = int($elapsed * $rate) + $burst + 1;
diag sprintf "two gateways: %d sent in %.2f s, %d admitted (gw0 %d, gw1 %d), bound %d",
     $sent, $elapsed, $admitted, $c->{0}{200} // 0, $c->{1}{200} // 0, $bound;
cmp_ok($sent, '>', 4 * $bound, 'the gateways were hammered well past the limit');
cmp_ok($admitted, '<=', $bound, 'together they admitted no more than rate x time + burst + 1');
cmp_ok($admitted, '>=', int(($elapsed - 0.5) * $rate), 'and not much less: the limit is not a wall');
ok(($c->{0}{200} // 0) > 0 && ($c->{1}{200} // 0) > 0, 'both gateways admitted some');
is(scalar(grep { !/^(200|429)$/ } keys %{ $c->{all} }), 0, 'only 200 and 429 answers');

# Redis goes away
system("redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1");
ok(wait_for(sub { !`redis-cli -p $redis_port ping 2>/dev/null` }), 'Redis is down');

($c) = hammer('/open', 1);
is(join(',', sort keys %{ $c->{all} }), '200', 'on_redis_error=open: every request passes');

($c) = hammer('/closed', 1);
is(join(',', sort keys %{ $c->{all} }), '503', 'on_redis_error=closed: every request is refused, 503');

($c, $elapsed) = hammer('/local', 1);
my $each = int($elapsed * $rate) + $burst + 1;
cmp_ok($c->{0}{200} // 0, '<=', $each, 'on_redis_error=local: each gateway keeps its own limit (gw0)');
cmp_ok($c->{1}{200} // 0, '<=', $each, '... (gw1)');
cmp_ok($c->{all}{429} // 0, '>', 0, '... and refuses beyond it');

# Redis comes back: the gateways reconnect by themselves
system("redis-server --port $redis_port --bind 127.0.0.1 --save '' "
       . "--appendonly no --daemonize yes --pidfile $dir/redis.pid "
       . "--logfile $dir/redis.log") == 0 or die 'redis';
ok(wait_for(sub {
    my $ok = 0;
    for my $port (@ports) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
            or next;
        print $s "GET /closed HTTP/1.0\r\n\r\n";
        local $/;
        $ok++ if (<$s> // '') =~ m{^HTTP/1\.1 200};
    }
    $ok == 2;
}, 400), 'after Redis returns, on_redis_error=closed zones pass again on both gateways');
($c) = hammer('/closed', 1);
ok(($c->{all}{200} // 0) > 0 && !$c->{all}{503}, '... and count in Redis: 200 and 429 only');
system("redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1");

for my $i (0, 1) {
    system("/usr/sbin/nginx -p $dir/gw$i/ -c conf/nginx.conf -e logs/error.log -s quit");
}
my @alerts = grep { /\[(alert|crit|emerg)\]/ } map { open my $f, '<', $_; <$f> }
             glob "$dir/gw*/logs/error.log";
is(scalar @alerts, 0, 'no alert in the gateways\' logs') or diag @alerts;

done_testing();
