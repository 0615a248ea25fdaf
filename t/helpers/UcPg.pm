package UcPg;

# Helpers for the suites that need the private PostgreSQL itself
# (t/pg/*.t, run by tools/test.sh after the end-to-end suites on it): more
# backends on the same store, the server stopped and started, requests
# straight to a backend with the gateway's headers, work in parallel.

use strict;
use warnings;

use HTTP::Tiny;
use JSON::PP;
use POSIX qw(_exit);
use Time::HiRes qw(time);
use UcE2E ();
use base 'Exporter';

our @EXPORT = qw(backend_start backend_stop backend_api parallel pg_ctl psql);

my $Json = JSON::PP->new->canonical;

# psql(SQL[, URI]): rows as "a|b" lines, on the stack's store by default
sub psql {
    my ($sql, $uri) = @_;
    local $ENV{PGOPTIONS} = '-c client_min_messages=warning';   # no NOTICE
    return UcE2E::command_output('psql', '-qAt', '-v', 'ON_ERROR_STOP=1',
                                 $uri // $ENV{UC_STORE}, '-c', $sql);
}

# pg_ctl('stop') / pg_ctl('start'): the private server of tools/test.sh
sub pg_ctl {
    my $what = shift;
    my @args = $what eq 'start' ? ($ENV{UC_PG_DIR}, $ENV{UC_PG_PORT})
                                : ($ENV{UC_PG_DIR});
    my $out = `$ENV{TOP}/tools/pg.sh $what @args 2>&1`;
    return $? == 0;
}

# A backend of its own on PORT, configured as the stack's but for the
# listen address and whatever %over replaces (store => ...). Its log is
# DIR/backend-PORT.log. Returns the pid once it answers /health, or undef.
sub backend_start {
    my ($dir, $port, %over) = @_;
    open my $in, '<', "$ENV{UC_RUN_DIR}/backend.conf" or die $!;
    my $conf = join '', <$in>;
    close $in;
    $conf =~ s/^listen = .*$/listen = 127.0.0.1:$port/m;
    for my $k (keys %over) {
        $conf =~ s/^$k = .*$/$k = $over{$k}/m or $conf .= "$k = $over{$k}\n";
    }
    open my $out, '>', "$dir/backend-$port.conf" or die $!;
    print $out $conf;
    close $out;

    my $pid = fork // die;
    if ($pid == 0) {
        open STDOUT, '>>', "$dir/backend-$port.log" or _exit(1);
        open STDERR, '>&', \*STDOUT or _exit(1);
        exec("$ENV{TOP}/build/uc-backend", '-c', "$dir/backend-$port.conf")
            or _exit(127);
    }
    my $http = HTTP::Tiny->new(timeout => 2);
    for (1 .. 400) {
        return $pid if $http->get("http://127.0.0.1:$port/uc/v1/health")
                            ->{success};
        return undef if waitpid($pid, POSIX::WNOHANG()) == $pid;
        select undef, undef, undef, 0.025;
    }
    return undef;
}

sub backend_stop {
    my $pid = shift;
    kill 'TERM', $pid;
    waitpid $pid, 0;
}

# backend_api(PORT, METHOD, PATH, BODY, UID): straight to a backend; with
# UID, as the gateway sends a session of that user (level 2)
sub backend_api {
    my ($port, $method, $path, $body, $uid) = @_;
    my %h;
    if (defined $uid) {
        open my $s, '<', "$ENV{UC_RUN_DIR}/gateway-secret" or die $!;
        chomp(my $secret = <$s>);
        %h = ('X-UC-Gateway-Secret' => $secret, 'X-UC-User-Id' => $uid,
              'X-UC-Session-Id' => 'S' x 22, 'X-UC-Auth-Level' => 2);
    }
    my %opt = (headers => \%h);
    if (defined $body) {
        $h{'Content-Type'} = 'application/json';
        $opt{content} = $Json->encode($body);
    }
    my $t0 = time;
    my $res = HTTP::Tiny->new(timeout => 15)
        ->request($method, "http://127.0.0.1:$port$path", \%opt);
    return { status => $res->{status},
             json => scalar eval { $Json->decode($res->{content}) },
             headers => $res->{headers}, seconds => time - $t0 };
}

# parallel(N, SUB): SUB->(i) in N processes at once; their returned lists
# of lines, all together
sub parallel {
    my ($n, $sub) = @_;
    my @kids;
    for my $i (0 .. $n - 1) {
        pipe my $r, my $w or die $!;
        my $pid = fork // die;
        if ($pid == 0) {
            close $r;
            my @lines = eval { $sub->($i) };
            @lines = ("died: $@") if $@;
            print $w map { "$_\n" } @lines;
            close $w;
            _exit(0);
        }
        close $w;
        push @kids, [$pid, $r];
    }
    my @all;
    for my $k (@kids) {
        my $fh = $k->[1];
        while (my $l = <$fh>) {
            chomp $l;
            push @all, $l;
        }
        waitpid $k->[0], 0;
    }
    return @all;
}

1;
