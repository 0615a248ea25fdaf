# PostgreSQL stopped in the middle of a burst of registrations, then started
# again. In between the backend answers 503 store_unavailable (with
# Retry-After), never 500 and never a hang; afterwards it serves again by
# itself; and the store holds no user without its identity, credential and
# profile, no registration event without its user, and every user a client
# was told about.

use strict;
use warnings;
use Test::More;
use IO::Handle;
use IO::Select;
use POSIX qw(_exit);
use Time::HiRes qw(time);
use lib 't/helpers';
use UcE2E;
use UcPg;

my $clients = 4;
my $t0 = psql('SELECT extract(epoch FROM now())::bigint');
my $stop_file = "$ENV{UC_RUN_DIR}/outage-stop";
unlink $stop_file;

# Each client signs up new phones until told to stop, one line per try:
# "<status> <error code or user id> <phone> <seconds> <retry-after>"
pipe my $r, my $w or die $!;
my @kids;
for my $i (1 .. $clients) {
    my $pid = fork // die;
    if ($pid == 0) {
        close $r;
        $w->autoflush(1);
        until (-e $stop_file) {
            my $phone = new_phone();
            my $c = api('POST', '/uc/v1/codes',
                        { to => $phone, purpose => 'register' });
            my $res = $c;
            if ($c->{status} == 202) {
                my $t = time;
                $res = api('POST', '/uc/v1/register',
                           { login => $phone, password => 'outage-pass-1',
                             code => last_code($phone) });
                $res->{seconds} = time - $t;
            }
            printf $w "%d %s %s %.3f %s\n", $res->{status},
                $res->{json}{user_id} // $res->{json}{error}{code} // '-',
                $phone, $res->{seconds} // 0,
                $res->{headers}{'retry-after'} // '-';
        }
        _exit(0);
    }
    push @kids, $pid;
}
close $w;

# reads result lines until $until->(line) says enough (or 60 s pass)
my @lines;
my $buf = '';
my $sel = IO::Select->new($r);
sub read_until {
    my $until = shift;
    my $deadline = time + 60;
    while (time < $deadline) {
        while ($buf =~ s/^([^\n]*)\n//) {
            push @lines, $1;
            return 1 if $until->($1);
        }
        next unless $sel->can_read(1);
        return 0 unless sysread($r, $buf, 4096, length $buf);
    }
    return 0;
}

my $n = 0;
ok(read_until(sub { ++$n >= 20 if $_[0] =~ /^201 / }),
   'the burst runs: 20 registrations');
ok(pg_ctl('stop'), 'PostgreSQL stopped mid-burst');
my $before = @lines;
$n = 0;
ok(read_until(sub { ++$n >= 8 if $_[0] =~ /^503 store_unavailable / }),
   'while it is down the backend answers 503 store_unavailable');
ok(pg_ctl('start'), 'PostgreSQL started again');
$n = 0;
ok(read_until(sub { ++$n >= 20 if $_[0] =~ /^201 / }),
   'the backend serves again by itself: 20 more registrations');
open my $sf, '>', $stop_file or die $!;
close $sf;
read_until(sub { 0 });     # to the end of the pipe
waitpid $_, 0 for @kids;
unlink $stop_file;

my @down = grep { /^503 store_unavailable / } @lines;
is(scalar(grep { !/ 1$/ } @down), 0, 'every 503 says Retry-After: 1');
is(scalar(grep { /^500 / } @lines), 0, 'no 500 at any time')
    or diag join "\n", grep { /^500 / } @lines;
is(scalar(grep { /^599 / } @lines), 0, 'no request timed out');
my ($slowest) = sort { $b <=> $a } map { (split / /)[3] } @lines;
cmp_ok($slowest, '<', 12, "the slowest answer took ${slowest}s: below the "
       . 'statement timeout and the pool wait, never a hang');
ok(scalar(grep { /^201 / } @lines[$before .. $#lines]) >= 20,
   'registrations succeed after the restart');

# the store after it all
my $since = "created_at >= $t0";
is(psql("SELECT count(*) FROM users u WHERE $since AND (
           NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_seq = u.seq)
        OR NOT EXISTS (SELECT 1 FROM credentials c WHERE c.user_seq = u.seq)
        OR NOT EXISTS (SELECT 1 FROM profiles p WHERE p.user_seq = u.seq))"),
   0, 'no user without its identity, credential and profile');
is(psql("SELECT count(*) FROM users u WHERE $since AND NOT EXISTS (
           SELECT 1 FROM outbox o WHERE o.type = 'user.registered'
                                    AND o.user_id = u.id)"),
   0, 'no user without its user.registered event');
is(psql("SELECT count(*) FROM outbox o WHERE $since
           AND o.type = 'user.registered'
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)"),
   0, 'no user.registered event without its user');
my @created = map { (split / /)[1] } grep { /^201 / } @lines;
is(psql('SELECT count(*) FROM users WHERE id IN (' . join(',', @created)
        . ')'), scalar(@created),
   'every user a client was given (' . scalar(@created) . ') is in the store');
my @phones = map { "'" . (split / /)[2] . "'" } grep { /^201 / } @lines;
is(psql('SELECT count(*) FROM identities WHERE value IN ('
        . join(',', @phones) . ')'), scalar(@phones),
   '... with its phone');

done_testing();
