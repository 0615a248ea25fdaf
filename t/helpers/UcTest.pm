package UcTest;

# Fixtures for usercenter's Test::Nginx suites: sessions minted with the
# real ucctl into the real Redis started by tools/test.sh, and a few probes
# (Redis command counters, worker memory, a keep-alive HTTP client).

use strict;
use warnings;

use IO::Socket::INET;
use base 'Exporter';

our @EXPORT = qw(redis_cli ucctl new_session redis_calls http_get
                 worker_rss session_key sid_of nginx_pids wait_until
                 pid_alive error_log_has merchant_record);

sub redis_cli {
    my @args = @_;
    my $port = $ENV{TEST_NGINX_REDIS_PORT} or die "TEST_NGINX_REDIS_PORT unset";
    open my $fh, '-|', 'redis-cli', '-p', $port, @args
        or die "redis-cli: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    $out =~ s/\s+\z//;
    return $out;
}

sub ucctl {
    my @args = @_;
    open my $fh, '-|', $ENV{TEST_NGINX_UCCTL},
        '--redis', "127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT}",
        '--secret', $ENV{TEST_NGINX_SECRET}, @args
        or die "ucctl: $!";
    my @lines = <$fh>;
    close $fh;
    die "ucctl @args failed" if $?;
    chomp @lines;
    return wantarray ? @lines : $lines[0];
}

# new_session(user => 42, level => 2, line => 'mall', ...): a token
sub new_session {
    my %o = @_;
    my @args = ('session', 'create', '--user', $o{user} // 42);
    push @args, '--level', $o{level} if defined $o{level};
    push @args, '--line', $o{line} if defined $o{line};
    push @args, '--merchant', $o{merchant} if defined $o{merchant};
    push @args, '--ttl', $o{ttl} if defined $o{ttl};
    push @args, '--idle', $o{idle} if defined $o{idle};
    push @args, '--count', $o{count} if defined $o{count};
    return ucctl(@args);
}

# merchant_record('m-7', status => 'active', lines => { mall => 'active' },
#                 members => { 42 => 'staff' }): the records the backend
# writes for the gateways (uc:{m:<id>} and uc:{m:<id>}:u:<uid>), replaced
sub merchant_record {
    my ($mid, %o) = @_;
    my $key = "uc:{m:$mid}";
    my %lines = %{ $o{lines} // {} };
    redis_cli('DEL', $key);
    redis_cli('HSET', $key, 'status', $o{status} // 'active', 'version', 1,
              'certification', $o{certification} // 'none',
              map { ("line:$_", $lines{$_}) } sort keys %lines);
    my %members = %{ $o{members} // {} };
    for my $uid (sort keys %members) {
        redis_cli('DEL', "$key:u:$uid");
        redis_cli('HSET', "$key:u:$uid", 'role', $members{$uid},
                  'version', 1) if defined $members{$uid};
    }
}

sub sid_of {
    my $token = shift;
    return (split /\./, $token)[2];
}

sub session_key {
    return 'uc:{s:' . sid_of(shift) . '}';
}

# Calls of one Redis command since the last CONFIG RESETSTAT.
# redis_calls('*'): every command but the probes' own (INFO, CONFIG).
sub redis_calls {
    my $cmd = lc shift;
    my $stats = redis_cli('INFO', 'commandstats');
    my $n = 0;
    while ($stats =~ /^cmdstat_([\w|]+):calls=(\d+)/mg) {
        next if $1 eq 'info' || $1 =~ /^config/;
        $n += $2 if $cmd eq '*' || $1 eq $cmd;
    }
    return $n;
}

# The nginx master's pid and its workers' pids.
sub nginx_pids {
    open my $fh, '<', "$ENV{TEST_NGINX_SERVROOT}/logs/nginx.pid" or die $!;
    chomp(my $master = <$fh>);
    my @workers;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $s, '<', $stat or next;
        my $line = <$s> // next;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        push @workers, $pid if $ppid == $master && $line !~ /^\d+ \(.*\) Z/;
    }
    return ($master, @workers);
}

# Whether the running block's nginx error log holds the text.
sub error_log_has {
    my $text = shift;
    open my $fh, '<', "$ENV{TEST_NGINX_SERVROOT}/logs/error.log" or return 0;
    local $/;
    my $log = <$fh> // '';
    return index($log, $text) >= 0;
}

# A process that exists and is not a zombie.
sub pid_alive {
    my $pid = shift;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $line = <$fh> // return 0;
    return $line !~ /^\d+ \(.*\) Z/;
}

# Waits (bounded) until pred returns true; returns whether it did.
sub wait_until {
    my ($pred, $tries) = @_;
    for (1 .. ($tries // 200)) {
        return 1 if $pred->();
        select undef, undef, undef, 0.025;
    }
    return 0;
}

# A keep-alive client for loops of many requests: returns the status codes.
# A fresh connection every 500 requests (nginx closes a keep-alive
# connection after keepalive_requests, 1000 by default).
sub http_get {
    my ($n, $path, $headers) = @_;
    my (@codes, $sock, $buf);
    for my $i (1 .. $n) {
        if (($i - 1) % 500 == 0) {
            close $sock if $sock;
            $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                          PeerPort => $ENV{TEST_NGINX_SERVER_PORT},
                                          Proto => 'tcp')
                or die "connect: $!";
            $buf = '';
        }
        my $h = ref $headers eq 'CODE' ? $headers->($i) : ($headers // '');
        print $sock "GET $path HTTP/1.1\r\nHost: localhost\r\n$h\r\n";
        while (1) {
            my $end = index $buf, "\r\n\r\n";
            if ($end >= 0) {
                my $head = substr $buf, 0, $end;
                my ($len) = $head =~ /^content-length:\s*(\d+)/mi;
                $len //= 0;
                if (length($buf) >= $end + 4 + $len) {
                    push @codes, $head =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
                    substr($buf, 0, $end + 4 + $len) = '';
                    last;
                }
            }
            my $got = sysread $sock, my $chunk, 65536;
            die "connection closed after $i requests" unless $got;
            $buf .= $chunk;
        }
    }
    close $sock if $sock;
    return @codes;
}

# Resident memory (kB) of the nginx process that serves requests.
sub worker_rss {
    my $pid = shift;
    open my $fh, '<', "/proc/$pid/status" or die "no process $pid";
    while (<$fh>) {
        return $1 if /^VmRSS:\s+(\d+)/;
    }
    die "no VmRSS for $pid";
}

1;
