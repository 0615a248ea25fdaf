#!/usr/bin/perl
# Fixture for the registration benchmark: asks a backend to send a
# registration code to COUNT new phones and prints "phone code" lines, the
# codes read from the dev sender's outbox in Redis.
#
#   codes.pl BACKEND_URL REDIS_PORT COUNT FIRST_PHONE_NUMBER

use strict;
use warnings;
use IO::Socket::INET;

my ($url, $redis_port, $count, $first) = @ARGV;
my ($hostport) = $url =~ m{^http://([^/]+)} or die "codes.pl: $url";
# one write per request on a kept-alive connection (HTTP::Tiny writes the
# body apart, and each request would wait out a delayed ACK)
my $http = IO::Socket::INET->new(PeerAddr => $hostport)
    or die "codes.pl: $hostport: $!";
my $redis = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$redis_port")
    or die "codes.pl: Redis: $!";

for my $n ($first .. $first + $count - 1) {
    my $phone = "+86$n";
    my $body = qq({"to":"$phone","purpose":"register"});
    print $http "POST /uc/v1/codes HTTP/1.1\r\nHost: $hostport\r\n"
        . "Content-Type: application/json\r\n"
        . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    my $status = <$http> // die 'codes.pl: the backend closed';
    my $length = 0;
    while (my $h = <$http>) {
        last if $h eq "\r\n";
        $length = $1 if $h =~ /^Content-Length:\s*(\d+)/i;
    }
    read($http, my $content, $length) if $length;
    die "codes.pl: $status" unless $status =~ m{^HTTP/1\.1 202 };

    my $key = "uc:dev:outbox:$phone";
    print $redis "*4\r\n\$6\r\nLRANGE\r\n\$" . length($key) . "\r\n$key\r\n"
        . "\$2\r\n-1\r\n\$2\r\n-1\r\n";
    my $head = <$redis>;                    # *1
    die "codes.pl: no message for $phone" unless $head =~ /^\*1/;
    <$redis>;                               # $len
    my $msg = <$redis>;
    my ($code) = $msg =~ /(\d{6})\s*$/ or die "codes.pl: no code in $msg";
    print "$phone $code\n";
}
