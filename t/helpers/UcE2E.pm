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
                 stack_sql wait_for command_output);

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

1;
