#!/usr/bin/perl
# Sends every provider callback of a file (one path with its code and
# state per line) to a backend, as browsers coming back from the
# provider's page, over CONNECTIONS keep-alive connections (a process
# each), with the browser's uc_login cookie; each state works once, so
# the run is a count, not a time (wrk cannot end early). Prints
# "ok bad seconds p99_us": sign-ins (302), refusals, the wall time from
# the first request to the last answer, and the 99th percentile latency.
#
#   callbacks.pl HOST:PORT FILE COOKIE CONNECTIONS

use strict;
use warnings;
use IO::Socket::INET;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time);

my ($hostport, $file, $cookie, $connections) = @ARGV;
open my $in, '<', $file or die "callbacks.pl: $file: $!";
chomp(my @paths = <$in>);

my $start = time + 0.2;          # every process begins at once
my @kids;
for my $k (0 .. $connections - 1) {
    pipe my $rd, my $wr or die $!;
    my $pid = fork // die $!;
    if (!$pid) {
        close $rd;
        my $s = IO::Socket::INET->new(PeerAddr => $hostport) or die $!;
        setsockopt $s, IPPROTO_TCP, TCP_NODELAY, 1;
        my @mine = @paths[grep { $_ % $connections == $k } 0 .. $#paths];
        my ($ok, $bad, @lat) = (0, 0);
        select undef, undef, undef, $start - time if $start > time;
        for my $p (@mine) {
            my $t0 = time;
            print $s "GET $p HTTP/1.1\r\nHost: $hostport\r\n"
                . "Cookie: uc_login=$cookie\r\n\r\n";
            my $status = <$s> // die 'callbacks.pl: closed';
            my $len = 0;
            while (my $h = <$s>) {
                last if $h eq "\r\n";
                $len = $1 if $h =~ /^Content-Length:\s*(\d+)/i;
            }
            read $s, my $body, $len if $len;
            push @lat, time - $t0;
            if ($status =~ m{^HTTP/1\.1 302 }) { $ok++ } else { $bad++ }
        }
        print $wr join(' ', $ok, $bad, time, @lat), "\n";
        close $wr;
        exit 0;
    }
    close $wr;
    push @kids, [$pid, $rd];
}

my ($ok, $bad, $end, @lat) = (0, 0, 0);
for (@kids) {
    my ($pid, $rd) = @$_;
    my @f = split ' ', <$rd> // '';
    waitpid $pid, 0;
    next unless @f;
    $ok += shift @f;
    $bad += shift @f;
    my $t = shift @f;
    $end = $t if $t > $end;
    push @lat, @f;
}
@lat = sort { $a <=> $b } @lat;
my $p99 = @lat ? $lat[int(0.99 * $#lat)] : 0;
printf "%d %d %.3f %d\n", $ok, $bad, $end - $start, $p99 * 1e6;
