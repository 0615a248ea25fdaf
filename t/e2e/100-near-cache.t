# The near-cache against a real Redis, with gateways of two workers each:
# revocation while cached on two gateways (and its delay over 1,000
# revocations), the invalidation racing the reply it invalidates, the
# invalidation links killed or gone silent, a reload, and the memory bound
# under a million distinct sessions.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use POSIX qw(_exit);
use IO::Socket::INET;
use IO::Select;
use lib 't/helpers';
use UcE2E;

my $top = $ENV{TOP};
my $dir = "$ENV{UC_RUN_DIR}/cache";
my $base = $ENV{UC_GATEWAY_PORT} + 50;
my $redis_port = $base;
my @gw = ($base + 1, $base + 2);        # two gateways
my $gw_proxied = $base + 3;             # a gateway behind the proxy
my $gw_small = $base + 4;               # a small zone for the 1M run
my $proxy_port = $base + 5;
my (@gateways, $proxy_pid);

system("rm -rf $dir; mkdir -p $dir") == 0 or die;
system("redis-server --port $redis_port --bind 127.0.0.1 --save '' "
       . "--appendonly no --daemonize yes --pidfile $dir/redis.pid "
       . "--logfile $dir/redis.log") == 0 or die 'redis';
wait_for(sub { `redis-cli -p $redis_port ping 2>/dev/null` =~ /PONG/ }) or die;
system("$top/build/ucctl keys generate $dir/keys --kid c1 >/dev/null") == 0
    or die;

sub ucctl {
    my $out = `$top/build/ucctl --redis 127.0.0.1:$redis_port --secret $dir/keys @_`;
    die "ucctl @_ failed" if $?;
    chomp $out;
    return $out;
}

sub gateway {
    my ($name, $port, $redis, $zone, $workers) = @_;
    my $p = "$dir/$name";
    system("mkdir -p $p/logs $p/conf") == 0 or die;
    open my $c, '>', "$p/conf/nginx.conf" or die $!;
    print $c <<"CONF";
load_module $top/build/nginx/ngx_http_usercenter_module.so;
worker_processes $workers;
pid logs/nginx.pid;
error_log logs/error.log info;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path logs/body; proxy_temp_path logs/proxy;
    fastcgi_temp_path logs/fastcgi; uwsgi_temp_path logs/uwsgi; scgi_temp_path logs/scgi;
    usercenter_redis $redis timeout=2s;
    usercenter_secret $dir/keys;
    usercenter_cache zone=$zone;
    server {
        listen 127.0.0.1:$port;
        location /p {
            usercenter_auth required;
            add_header X-Cache \$uc_cache_status always;
            empty_gif;
        }
        location /f {
            usercenter_auth optional;
            usercenter_business_line mall;
            usercenter_flags on;
            add_header X-Flags "[\$uc_flags]" always;
            empty_gif;
        }
        location /metrics { usercenter_status; }
    }
}
CONF
    close $c;
    system("/usr/sbin/nginx -p $p/ -c conf/nginx.conf -e logs/error.log") == 0
        or die "gateway $name";
    push @gateways, $name;
}

# ------------------------------------------------------------ clients

sub connect_to {
    my $port = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp') or die "connect $port: $!";
    return $s;
}

# sends GET /p with the token on a keep-alive socket
sub send_req {
    my ($s, $token) = @_;
    print $s "GET /p HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $token\r\n\r\n";
}

# reads one answer: (status, X-Cache, the whole head)
sub read_resp {
    my $s = shift;
    my $buf = '';
    while ($buf !~ /\r\n\r\n/) {
        sysread($s, $buf, 65536, length $buf) or die "read: $!";
    }
    my $end = index($buf, "\r\n\r\n") + 4;
    my ($len) = $buf =~ /^content-length:\s*(\d+)/mi;
    while (length $buf < $end + ($len // 0)) {
        sysread($s, $buf, 65536, length $buf) or die "read: $!";
    }
    my ($code) = $buf =~ m{^HTTP/1\.1 (\d+)};
    my ($cache) = $buf =~ /^X-Cache:\s*(\w+)/mi;
    return ($code, $cache // '', substr($buf, 0, $end));
}

sub get {
    my ($s, $token) = @_;
    send_req($s, $token);
    return read_resp($s);
}

# asks until the answer comes from the cache (the worker behind this
# connection has its invalidations live and the copy is in)
sub until_hit {
    my ($s, $token) = @_;
    my $last = '';
    wait_for(sub { (my $code, $last) = get($s, $token); $last eq 'HIT' }, 400);
    return $last;
}

# one Redis command on a raw connection; returns the first reply line
sub redis {
    my ($s, @args) = @_;
    my $cmd = '*' . @args . "\r\n";
    $cmd .= '$' . length($_) . "\r\n$_\r\n" for @args;
    print $s $cmd;
    my $line = <$s>;
    $line =~ s/\r\n\z//;
    if ($line =~ /^\$(\d+)/) {
        read $s, my $data, $1 + 2;
        return substr $data, 0, $1;
    }
    return $line;
}

sub metric {
    my ($port, $name) = @_;
    my $s = connect_to($port);
    print $s "GET /metrics HTTP/1.0\r\n\r\n";
    local $/;
    my $body = <$s>;
    return $body =~ /^\Q$name\E (\d+)$/m ? $1 : undef;
}

sub key_of {
    my ($sid) = $_[0] =~ /^v1\.[^.]+\.([^.]+)\./;
    return "uc:{s:$sid}";
}

sub percentile {
    my ($p, @sorted) = @_;
    return $sorted[int($p * $#sorted + 0.5)];
}

# whatever happens, nothing is left running (a failed test included)
END {
    local $?;    # the test's own exit status stands
    kill 'TERM', $proxy_pid if $proxy_pid;
    for my $g (@gateways) {
        system("/usr/sbin/nginx -p $dir/$g/ -c conf/nginx.conf -e logs/error.log "
               . "-s stop 2>/dev/null") if -e "$dir/$g/logs/nginx.pid";
    }
    system("redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1");
}

my $rc = connect_to($redis_port);

gateway("gw$_", $gw[$_], "127.0.0.1:$redis_port", 'near:32m', 2) for 0, 1;

# ------------------------------------------- revocation on two gateways

{
    my @tokens = split /\n/, ucctl('session create --user 42 --count 1000');
    my @conn = map { connect_to($_) } @gw;
    my @delays;
    my ($hits, $denied) = (0, 0);

    for my $t (@tokens) {
        $hits++ if until_hit($conn[0], $t) eq 'HIT'
                   && until_hit($conn[1], $t) eq 'HIT';

        redis($rc, 'DEL', key_of($t));
        my $t0 = time;
        my %gone;
        while (keys %gone < 2 && time - $t0 < 5) {
            for my $i (0, 1) {
                next if $gone{$i};
                my ($code) = get($conn[$i], $t);
                $gone{$i} = 1 if $code == 401;
            }
        }
        my $d = time - $t0;
        push @delays, $d;
        $denied++ if keys %gone == 2;
    }

    @delays = sort { $a <=> $b } @delays;
    my ($p50, $p99) = map { percentile($_, @delays) * 1000 } 0.5, 0.99;
    diag sprintf "revocation delay over %d revocations on 2 gateways: "
                 . "p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                 scalar @delays, $p50, $p99, $delays[-1] * 1000;

    is($hits, 1000, 'every session was answered from the cache of both gateways before its revocation');
    is($denied, 1000, 'every revoked session was refused by both gateways');
    cmp_ok($p99, '<', 1000, 'p99 of the revocation delay is under one second');
    cmp_ok(metric($gw[0], 'usercenter_cache_invalidations_total'), '>=', 1000,
           'the gateway counted the invalidations');
}

# ------------------------------------- a flag change on two gateways

# Each worker of a gateway applies every invalidation to the zone they
# share, the second maybe after the first has read the key again, dropping
# the fresh copy once more (an extra read, never a stale answer). Settled:
# a round of reads on every connection that costs Redis no HGETALL.
sub settled {
    my @c = @_;
    return wait_for(sub {
        my $h = redis_calls('hgetall');
        flags_of($_) for @c;
        redis_calls('hgetall') == $h;
    }, 40);
}

sub flags_of {
    my $s = shift;
    print $s "GET /f HTTP/1.1\r\nHost: x\r\n\r\n";
    my (undef, undef, $head) = read_resp($s);
    return $head =~ /^X-Flags: \[(.*)\]/mi ? $1 : '?';
}

{
    my @conn = map { connect_to($_) } @gw;
    # the workers behind these connections have their invalidations live
    my $t = ucctl('session create --user 42');
    until_hit($_, $t) for @conn;
    redis($rc, 'HSET', 'uc:{f:mall}', 'launch', 'on=1;pct=10000');
    ok(wait_for(sub { flags_of($conn[0]) eq 'launch' && flags_of($conn[1]) eq 'launch' }),
       'a flag is on at both gateways');
    ok(settled(@conn), '... and every worker has applied the change');
    my $hgetall = redis_calls('hgetall');
    cmp_ok($hgetall, '>', 0, "... Redis's HGETALL count is read");
    flags_of($_) for @conn, @conn, @conn;
    is(redis_calls('hgetall'), $hgetall, '... read from the near-cache: no HGETALL for six requests');

    redis($rc, 'HSET', 'uc:{f:mall}', 'launch', 'on=0');
    my $t0 = time;
    my $seen = wait_for(sub { flags_of($conn[0]) eq '' && flags_of($conn[1]) eq '' });
    my $d = time - $t0;
    diag sprintf "flag turned off: seen by both gateways after %.2f ms", $d * 1000;
    ok($seen && $d < 1, 'turned off, both gateways see it within a second');

    # a hash no API would write: all off, read once, not once per request
    redis($rc, 'HSET', 'uc:{f:mall}', map { ("f$_", 'on=1;pct=10000') } 1 .. 300);
    ok(wait_for(sub { flags_of($conn[0]) eq '' && flags_of($conn[1]) eq '' }),
       '300 flags on a line: all off at both gateways');
    ok(settled(@conn), '... and every worker has applied the change');
    $hgetall = redis_calls('hgetall');
    flags_of($_) for @conn, @conn, @conn;
    is(redis_calls('hgetall'), $hgetall, '... and that answer is cached too (no HGETALL, no log flood)');
    redis($rc, 'DEL', 'uc:{f:mall}');
}

# ------------------------------------- a revoked session stays refused

{
    my $t = ucctl('session create --user 43');
    my $s = connect_to($gw[0]);
    until_hit($s, $t);
    ucctl("session revoke $t");
    my @seen = map { (get($s, $t))[0] } 1 .. 3;
    wait_for(sub { my ($c, $x) = get($s, $t); $x eq 'HIT' }, 400);
    my ($code, $cache) = get($s, $t);
    is("@seen $code", '401 401 401 401', 'ucctl session revoke: refused at once and afterwards');
    is($cache, 'HIT', '... the absence itself is cached, so a replayed token costs Redis nothing');
}

# --------------------------------------------- the links are cut

{
    my $t = ucctl('session create --user 44');
    my $s = connect_to($gw[0]);
    is(until_hit($s, $t), 'HIT', 'cached before the subscribers are killed');

    my $flushes = metric($gw[0], 'usercenter_cache_flushes_total');
    my $hmget = redis_calls('hmget');
    redis($rc, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
    ok(wait_for(sub { metric($gw[0], 'usercenter_cache_flushes_total') > $flushes }),
       'killing the subscriber flushes the cache');
    my ($code, $cache) = get($s, $t);
    isnt($cache, 'HIT', "the next answer does not come from the cache ($cache)");
    cmp_ok(redis_calls('hmget'), '>', $hmget, '... Redis is asked again');
    is(until_hit($s, $t), 'HIT', 'the subscriber comes back and the cache is rebuilt');

    # the data connection carries the tracking: killing it flushes too
    $flushes = metric($gw[0], 'usercenter_cache_flushes_total');
    for (split /\n/, redis_list('CLIENT', 'LIST')) {
        redis($rc, 'CLIENT', 'KILL', 'ID', $1) if /^id=(\d+) .* flags=\w*t/;
    }
    ok(wait_for(sub { metric($gw[0], 'usercenter_cache_flushes_total') > $flushes }),
       'killing the tracking connection flushes the cache');

    # revoked while nobody listens: still refused
    redis($rc, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
    ucctl("session revoke $t");
    ($code) = get($s, $t);
    is($code, 401, 'a session revoked while the links were down is refused');
}

sub redis_calls {
    my $cmd = shift;
    return redis_list('INFO', 'commandstats') =~ /cmdstat_$cmd:calls=(\d+)/
           ? $1 : 0;
}

sub redis_list {
    my $out = `redis-cli -p $redis_port @_`;
    return $out;
}

# ------------------------- the race, and a subscriber that goes silent
#
# A proxy in front of Redis for one gateway. Armed, it holds back the
# reply to the next HMGET until an invalidation has gone out on another
# connection: the invalidation overtakes the reply it invalidates. Muted,
# it stops passing anything Redis sends to subscribers, but keeps their
# sockets open.

($proxy_pid, my $ctl) = start_proxy();
gateway('proxied', $gw_proxied, "127.0.0.1:$proxy_port", 'near2:8m', 1);

{
    my $probe = ucctl('session create --user 45');
    my $s = connect_to($gw_proxied);
    is(until_hit($s, $probe), 'HIT', 'the gateway behind the proxy caches');

    my $t = ucctl('session create --user 46');
    print $ctl "ARM " . key_of($t) . "\n";
    is(scalar <$ctl>, "ARMED\n", 'proxy armed');
    send_req($s, $t);
    is(scalar <$ctl>, "HELD\n", 'the reply to HMGET is held back');
    redis($rc, 'DEL', key_of($t));
    is(scalar <$ctl>, "RELEASED\n", 'released after the invalidation went out');
    my ($code, $cache) = read_resp($s);
    is("$code $cache", '200 MISS', 'the request read the session before it was revoked');
    ($code, $cache) = get($s, $t);
    is($code, 401, 'the overtaken reply was not cached: the next request is refused');

    my $errors = () = slurp("$dir/proxied/logs/error.log") =~ /invalidations stopped arriving/g;
    print $ctl "MUTE\n";
    is(scalar <$ctl>, "MUTED\n", 'subscribers muted');
    ok(wait_for(sub {
        my $n = () = slurp("$dir/proxied/logs/error.log") =~ /invalidations stopped arriving/g;
        $n > $errors;
    }, 400), 'a silent subscriber is noticed by its missing canary');
    my $t2 = ucctl('session create --user 47');
    is(until_hit($s, $t2), 'HIT', 'a new subscriber is built and the cache is used again');
    redis($rc, 'DEL', key_of($t2));
    ok(wait_for(sub { (get($s, $t2))[0] == 401 }), 'and invalidations arrive through it');
}

sub slurp { open my $f, '<', shift or return ''; local $/; <$f> }

sub start_proxy {
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
        LocalPort => $proxy_port, Listen => 64, ReuseAddr => 1) or die $!;
    socketpair(my $parent, my $child, 1, 1, 0) or die $!;   # AF_UNIX, STREAM
    my $pid = fork // die;
    if ($pid) {
        close $child;
        $parent->autoflush(1);
        return ($pid, $parent);
    }
    close $parent;
    $child->autoflush(1);
    my $sel = IO::Select->new($listen, $child);
    my (%peer, %is_client, %sub, %held, $armed, $holding, %muted, $key);
    while (1) {
        for my $fh ($sel->can_read) {
            if ($fh == $listen) {
                my $c = $listen->accept or next;
                my $r = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                              PeerPort => $redis_port) or next;
                $peer{$c} = $r; $peer{$r} = $c; $is_client{$c} = 1;
                $sel->add($c, $r);
                next;
            }
            if ($fh == $child) {
                sysread($child, my $line, 1024) or _exit(0);
                if ($line =~ /^ARM (\S+)/) {
                    ($armed, $key) = (1, $1);
                    print $child "ARMED\n";
                }
                if ($line =~ /MUTE/) {
                    $muted{$_} = 1 for keys %sub;
                    print $child "MUTED\n";
                }
                next;
            }
            my $n = sysread($fh, my $data, 65536);
            my $other = $peer{$fh};
            if (!$n) {
                $sel->remove($fh, $other);
                close $fh; close $other;
                next;
            }
            if ($is_client{$fh}) {
                $sub{$other} = 1 if $data =~ /SUBSCRIBE/i;
                $holding = $other if $armed && $data =~ /HMGET/;
                syswrite $other, $data;
                next;
            }
            # from Redis
            next if $muted{$fh};
            if (defined $holding && $fh == $holding) {
                $held{$fh} .= $data;
                # the HMGET reply (7 fields) is in: Redis has read it
                if ($armed && $held{$fh} =~ /\*7\r\n/) {
                    $armed = 0;
                    print $child "HELD\n";
                }
                next;
            }
            syswrite $other, $data;
            if (defined $holding && !$armed && $sub{$fh}
                && index($data, $key) >= 0)
            {
                syswrite $peer{$holding}, delete $held{$holding};
                undef $holding;
                print $child "RELEASED\n";
            }
        }
    }
}

# --------------------------------------------------------------- reload

{
    my $t = ucctl('session create --user 48');
    my $s = connect_to($gw[1]);
    is(until_hit($s, $t), 'HIT', 'cached before the reload');
    system("/usr/sbin/nginx -p $dir/gw1/ -c conf/nginx.conf -e logs/error.log -s reload") == 0
        or die;
    my $s2;
    ok(wait_for(sub {
        $s2 = connect_to($gw[1]);
        my ($code, $cache) = get($s2, $t);
        $code == 200 && until_hit($s2, $t) eq 'HIT';
    }, 40), 'after a reload the new workers cache again');
    redis($rc, 'DEL', key_of($t));
    ok(wait_for(sub { (get($s2, $t))[0] == 401 }), '... and see revocations');
}

# ------------------------------------------- Redis down: stale_if_error
#
# Two gateways on a Redis of their own: one answers from copies up to a
# minute old while Redis is away, the other (the default) does not.

{
    my $port = $base + 6;
    system("redis-server --port $port --bind 127.0.0.1 --save '' "
           . "--appendonly no --daemonize yes --pidfile $dir/redis2.pid "
           . "--logfile $dir/redis2.log") == 0 or die 'redis';
    wait_for(sub { `redis-cli -p $port ping 2>/dev/null` =~ /PONG/ }) or die;
    gateway('stale', $base + 7, "127.0.0.1:$port", 'near3:8m stale_if_error=60s', 1);
    gateway('nostale', $base + 8, "127.0.0.1:$port", 'near4:8m', 1);

    my $mint = "$top/build/ucctl --redis 127.0.0.1:$port --secret $dir/keys session create";
    chomp(my $t = `$mint --user 51`);
    chomp(my $u = `$mint --user 52`);
    my ($stale, $nostale) = (connect_to($base + 7), connect_to($base + 8));
    is(until_hit($stale, $t) . ' ' . until_hit($nostale, $t), 'HIT HIT', 'cached on both');

    system("redis-cli -p $port shutdown nosave >/dev/null 2>&1");
    ok(wait_for(sub { !`redis-cli -p $port ping 2>/dev/null` }), 'their Redis is down');

    my ($code, $cache) = get($stale, $t);
    is("$code $cache", '200 STALE', 'stale_if_error=60s: the cached session still answers');
    ($code) = get($stale, $u);
    is($code, 503, '... a session never seen is refused (503)');
    ($code) = get($nostale, $t);
    is($code, 503, 'without stale_if_error the same session is refused');
}

# ------------------------------------- a million distinct sessions

{
    my $n = $ENV{UC_TEST_SESSIONS} // 1_000_000;   # smaller for a quick look
    my $tokens = "$dir/tokens";
    system("$top/build/ucctl --redis 127.0.0.1:$redis_port --secret $dir/keys "
           . "session create --user 49 --count $n > $tokens") == 0 or die;
    gateway('small', $gw_small, "127.0.0.1:$redis_port", 'small:8m', 2);

    my $warm = connect_to($gw_small);
    my $probe = ucctl('session create --user 50');
    until_hit($warm, $probe);

    my ($master) = `cat $dir/small/logs/nginx.pid` =~ /(\d+)/;
    # the master's children, from /proc (no ps: a fresh machine may lack it)
    my $ppid = sub { my ($f) = slurp("/proc/$_[0]/stat") =~ /.*\)\s+(.*)/s; (split ' ', $f // '')[1] // 0 };
    my @workers = grep { $ppid->($_) == $master }
                  map { m{/proc/(\d+)$} ? $1 : () } glob '/proc/[0-9]*';
    is(scalar @workers, 2, 'the two workers of the gateway are found');
    my $rss = sub {
        my $t = 0;
        for (@workers) {
            my ($kb) = slurp("/proc/$_/status") =~ /VmRSS:\s*(\d+)/ or return 0;
            $t += $kb;
        }
        $t
    };
    my $rss0 = $rss->();
    cmp_ok($rss0, '>', 0, "the workers' resident memory is read");

    my ($answered, $non200) = blast($gw_small, $tokens, 3);
    my $rss1 = $rss->();
    my $entries = metric($gw_small, 'usercenter_cache_entries');
    my $evictions = metric($gw_small, 'usercenter_cache_evictions_total');
    diag sprintf "$n sessions through an 8 MB zone: %d entries kept, %d evicted, "
                 . "workers' RSS %d -> %d kB", $entries, $evictions, $rss0, $rss1;

    is($answered, $n, 'every one of the million sessions was asked for');
    is($non200, 0, '... and every one was admitted');
    cmp_ok($entries, '>', ($n < 20_000 ? $n / 2 : 10_000), 'the zone holds many sessions');
    cmp_ok($entries, '<', 60_000, '... but no more than 8 MB can');
    cmp_ok($evictions, '>=', $n - $entries - 1000, 'the rest was evicted, least recently used first');
    cmp_ok($rss1, '>', 0, "... and read again afterwards");
    cmp_ok($rss1 - $rss0, '<', 2 * 8 * 1024 + 16 * 1024,
           'the workers grew by no more than the zone they share (plus slack)');
    # (a new connection: the warm-up one idled past keepalive_timeout)
    my ($code) = get(connect_to($gw_small), $probe);
    is($code, 200, 'the gateway still answers afterwards');
    unlink $tokens;
}

# blast(PORT, TOKENS-FILE, PROCESSES): every token asked for once, by
# pipelined keep-alive clients; returns (answers, answers other than 200)
sub blast {
    my ($port, $file, $procs) = @_;
    pipe my $r, my $w or die;
    my @pids;
    for my $p (0 .. $procs - 1) {
        my $pid = fork // die;
        if ($pid == 0) {
            close $r;
            open my $in, '<', $file or _exit(1);
            my $s = connect_to($port);
            my ($i, $answered, $bad, @batch) = (0, 0, 0);
            my $flush = sub {
                return unless @batch;
                print $s join '', map {
                    "GET /p HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $_\r\n\r\n"
                } @batch;
                my ($want, $buf) = (scalar @batch, '');
                while ($want) {
                    my $end = index $buf, "\r\n\r\n";
                    if ($end >= 0) {
                        my $head = substr $buf, 0, $end;
                        my ($len) = $head =~ /^content-length:\s*(\d+)/mi;
                        if (length($buf) >= $end + 4 + ($len // 0)) {
                            $bad++ unless $head =~ m{^HTTP/1\.1 200};
                            substr($buf, 0, $end + 4 + ($len // 0)) = '';
                            $answered++;
                            $want--;
                            next;
                        }
                    }
                    sysread($s, $buf, 262144, length $buf) or _exit(1);
                }
                @batch = ();
            };
            while (my $t = <$in>) {
                next if $i++ % $procs != $p;
                chomp $t;
                push @batch, $t;
                $flush->() if @batch == 100;
            }
            $flush->();
            syswrite $w, "$answered $bad\n";
            _exit(0);
        }
        push @pids, $pid;
    }
    close $w;
    my ($answered, $bad) = (0, 0);
    while (my $line = <$r>) {
        my ($a, $b) = split ' ', $line;
        $answered += $a;
        $bad += $b;
    }
    waitpid $_, 0 for @pids;
    return ($answered, $bad);
}

# ------------------------------------------------------------- the end

kill 'TERM', $proxy_pid;
waitpid $proxy_pid, 0;
$proxy_pid = undef;
for my $g (@gateways) {
    system("/usr/sbin/nginx -p $dir/$g/ -c conf/nginx.conf -e logs/error.log -s quit");
}
ok(wait_for(sub { !grep { -e "$dir/$_/logs/nginx.pid" } @gateways }, 400),
   'the gateways stopped');
system("redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1");

my @alerts = grep { /\[(alert|crit|emerg)\]|open socket|is full/ }
             map { split /\n/, slurp($_) } glob "$dir/*/logs/error.log";
is(scalar @alerts, 0, 'no alert, leaked socket or full zone in the gateways\' logs')
    or diag join "\n", @alerts[0 .. ($#alerts < 9 ? $#alerts : 9)];

done_testing();
