#!/usr/bin/perl
# Fixture for the social sign-in benchmark: COUNT callbacks ready to send,
# as a browser would after the provider's page: each a state in Redis
# (what GET /uc/v1/login/{provider} writes, bound to the cookie COOKIE)
# and a code minted by the stand-in for user USER-<i mod USERS>. Prints
# one callback path per line.
#
#   social.pl STANDIN_URL REDIS_PORT PROVIDER APPID USER USERS COUNT COOKIE

use strict;
use warnings;
use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use IO::Socket::INET;

my ($standin, $redis_port, $provider, $appid, $user, $users, $count,
    $cookie) = @ARGV;
my $http = HTTP::Tiny->new(timeout => 60);
my $redis = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$redis_port")
    or die "social.pl: Redis: $!";
my $browser = sha256_hex($cookie);
my $param = $provider eq 'wechat' ? 'code' : 'auth_code';

open my $rand, '<:raw', '/dev/urandom' or die $!;
my @alpha = ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_');

my @codes;
while (@codes < $count) {
    my $n = $count - @codes < $users ? $count - @codes : $users;
    my $r = $http->post("$standin/_standin/code?provider=$provider"
                        . "&appid=$appid&user=$user&count=$n");
    die "social.pl: $r->{status} $r->{content}" unless $r->{status} == 200;
    push @codes, split /\n/, $r->{content};
}

my $sent = 0;
for my $code (@codes) {
    read $rand, my $raw, 43;
    my $state = join '', map { $alpha[ord($_) % 64] } split //, $raw;
    my $value = qq({"p":"$provider","l":"bench","r":"http://127.0.0.1/done",)
                . qq("b":"$browser","u":"","s":""});
    my @cmd = ('SET', "uc:{o:$state}", $value, 'EX', '600');
    print $redis '*' . @cmd . "\r\n"
        . join('', map { '$' . length($_) . "\r\n$_\r\n" } @cmd);
    $sent++;
    print "/uc/v1/login/$provider/callback?$param=$code&state=$state\n";
}

# every SET answered +OK before the run starts
for (1 .. $sent) {
    my $line = <$redis> // die 'social.pl: Redis closed';
    die "social.pl: $line" unless $line =~ /^\+OK/;
}
