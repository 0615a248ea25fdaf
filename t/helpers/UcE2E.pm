package UcE2E;

# End-to-end helpers: a real HTTP client (HTTP::Tiny) against the gateway
# of the stack tools/test.sh started from conf/, and the dev sender's
# outbox in that stack's Redis.

use strict;
use warnings;

use HTTP::Tiny;
use JSON::PP;
use base 'Exporter';

our @EXPORT = qw(api gw raw_get last_code new_phone stack_redis ucctl_stack
                 stack_sql wait_for command_output extra_gateways status_at);

my $Json = JSON::PP->new->canonical;
my $Http = HTTP::Tiny->new(timeout => 10, max_redirect => 0);

sub gw { "http://127.0.0.1:$ENV{UC_GATEWAY_PORT}" }

# api(METHOD, PATH, BODY-or-undef, TOKEN-or-undef, EXTRA-HEADERS)
# -> { status, headers, json, content }
sub api {
    my ($method, $path, $body, $token, $extra) = @_;
    my %headers = %{ $extra // {} };
    $headers{Authorization} = "Bearer $token" if defined $token;
    my %opt = (headers => \%headers);
    if (defined $body) {
        $headers{'Content-Type'} //= 'application/json';
        $opt{content} = ref $body ? $Json->encode($body) : $body;
    }
    my $res = $Http->request($method, gw() . $path, \%opt);
    my $json = eval { $Json->decode($res->{content}) };
    return { status => $res->{status}, headers => $res->{headers},
             json => $json, content => $res->{content} };
}

# what a command prints, without the trailing white space
sub command_output {
    my @cmd = @_;
    open my $fh, '-|', @cmd or die $!;
    local $/;
    my $out = <$fh> // '';
    close $fh;
    $out =~ s/\s+\z//;
    return $out;
}

sub stack_redis {
    return command_output('redis-cli', '-p', $ENV{UC_REDIS_PORT}, @_);
}

# SQL against the stack's store: the SQLite file, or the PostgreSQL of
# UC_STORE (the same "a|b" rows either way)
sub stack_sql {
    my $sql = shift;
    return command_output(($ENV{UC_STORE} // '') =~ /^postgres/
        ? ('psql', '-qAt', '-v', 'ON_ERROR_STOP=1', $ENV{UC_STORE}, '-c', $sql)
        : ('sqlite3', "$ENV{UC_RUN_DIR}/usercenter.db", $sql));
}

sub ucctl_stack {
    my @args = @_;
    open my $fh, '-|', $ENV{TEST_NGINX_UCCTL}, '--config',
        "$ENV{UC_RUN_DIR}/ucctl.conf", @args or die $!;
    my @out = <$fh>;
    close $fh;
    chomp @out;
    return wantarray ? @out : $out[0];
}

# The last code the dev sender sent to an address.
sub last_code {
    my $to = shift;
    my $msg = stack_redis('LRANGE', "uc:dev:outbox:$to", -1, -1);
    return $msg =~ /(\d{6})\s*$/ ? $1 : undef;
}

my $Counter = 0;
sub new_phone {
    # +861 then 10 digits: unique per process and call
    return sprintf '+8615%04d%05d', $$ % 10000, ++$Counter;
}

sub wait_for {
    my ($pred, $tries) = @_;
    for (1 .. ($tries // 200)) {
        return 1 if $pred->();
        select undef, undef, undef, 0.025;
    }
    return 0;
}

sub raw_get { $Http->get(gw() . shift) }

# extra_gateways(NAME, LOCATION_CONF): two more gateways of two workers,
# each with a near-cache, on the stack's Redis and keys, serving the
# location text given; stopped at exit. Returns their ports.
my @Extra;
sub extra_gateways {
    my ($name, $locations) = @_;
    my $dir = "$ENV{UC_RUN_DIR}/extra-gw-$name";
    my $base = $ENV{UC_GATEWAY_PORT} + 50 + 2 * scalar(@Extra);
    system("rm -rf $dir") == 0 or die;
    for my $i (0, 1) {
        my $p = "$dir/gw$i";
        system("mkdir -p $p/logs $p/conf") == 0 or die;
        open my $c, '>', "$p/conf/nginx.conf" or die $!;
        print $c <<"CONF";
load_module $ENV{TOP}/build/nginx/ngx_http_usercenter_module.so;
worker_processes 2;
pid logs/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path logs/body; proxy_temp_path logs/proxy;
    fastcgi_temp_path logs/fastcgi; uwsgi_temp_path logs/uwsgi; scgi_temp_path logs/scgi;
    usercenter_redis 127.0.0.1:$ENV{UC_REDIS_PORT};
    usercenter_secret $ENV{UC_RUN_DIR}/keys;
    usercenter_cache zone=${name}_$i:4m;
    server {
        listen 127.0.0.1:@{[$base + $i]};
$locations
    }
}
CONF
        close $c;
        system("/usr/sbin/nginx -p $p/ -c conf/nginx.conf -e logs/error.log") == 0
            or die "gateway $name $i";
        push @Extra, $p;
    }
    return ($base, $base + 1);
}

END {
    system("/usr/sbin/nginx -p $_/ -c conf/nginx.conf -e logs/error.log "
           . "-s stop 2>/dev/null") for @Extra;
}

# status_at(SOCKET, PATH, HEADERS): one keep-alive request, its status
sub status_at {
    my ($s, $path, $headers) = @_;
    print $s "GET $path HTTP/1.1\r\nHost: x\r\n" . ($headers // '') . "\r\n";
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        sysread($s, $head, 4096, length $head) or return 0;
    }
    my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
    my ($body) = $head =~ /\r\n\r\n(.*)\z/s;
    my $need = ($len // 0) - length $body;
    while ($need > 0) {
        my $n = sysread($s, my $more, $need) or return 0;
        $need -= $n;
    }
    return $head =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
}

1;
