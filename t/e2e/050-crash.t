# SIGKILL the backend during a burst of registrations: after a restart
# there is no half-written user, no event without its row, and every
# registration that was answered 201 is there.

use strict;
use warnings;
use Test::More;
use POSIX qw(_exit);
use lib 't/helpers';
use UcE2E;

my $workers = 4;
my $outbox0 = stack_sql('SELECT COALESCE(MAX(id), 0) FROM outbox');
my $dir = "$ENV{UC_RUN_DIR}/crash";
mkdir $dir;

my $tag = (time + $$) % 1000;     # phones unique to this run
my @pids;
for my $w (1 .. $workers) {
    my $pid = fork // die $!;
    if ($pid == 0) {
        open my $log, '>', "$dir/$w" or _exit(2);
        $log->autoflush(1);
        for my $i (1 .. 500) {
            my $phone = sprintf '+8617%d%03d%05d', $w, $tag, $i;
            my $r = api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
            print $log "codes $r->{status}\n" if $r->{status} != 202;
            last if $r->{status} != 202;
            $r = api(POST => '/uc/v1/register',
                     { login => $phone, password => 'crash-pass-1',
                       code => last_code($phone) });
            print $log "register $r->{status} $r->{content}\n" if $r->{status} != 201;
            last if $r->{status} != 201;
            print $log "$r->{json}{user_id}\n";
        }
        _exit(0);
    }
    push @pids, $pid;
}

# the ids the workers were answered so far (their files, flushed per line)
sub answered {
    return grep { /^\d+$/ }
           map { open my $f, '<', $_ or die $!; map { chomp; $_ } <$f> }
           glob "$dir/*";
}

# kill it once registrations are flowing: 20 answered (a commit counted in
# the store may not have been answered yet)
ok(wait_for(sub { answered() >= 20 }, 800), 'registrations are flowing');
open my $fh, '<', "$ENV{UC_RUN_DIR}/backend.pid" or die $!;
chomp(my $backend = <$fh>);
is(kill('KILL', $backend), 1, 'SIGKILL the backend mid-burst');
waitpid $_, 0 for @pids;

system("$ENV{TOP}/tools/run.sh", 'start') == 0 or die 'restart failed';
is(api(GET => '/uc/v1/health')->{status}, 200, 'the backend is back');

# each worker's file: the ids it was answered, then why it stopped
my @answered = answered();
cmp_ok(scalar @answered, '>=', 20, scalar(@answered) . ' registrations were answered 201');

my $missing = 0;
for my $uid (@answered) {
    $missing++ unless stack_sql("SELECT COUNT(*) FROM users WHERE id = $uid") == 1;
}
is($missing, 0, 'every answered registration is stored');

is(stack_sql(q{SELECT COUNT(*) FROM users u
    WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_seq = u.seq)
       OR NOT EXISTS (SELECT 1 FROM profiles p WHERE p.user_seq = u.seq)}),
   0, 'no user without its identity and profile');
is(stack_sql(q{SELECT COUNT(*) FROM users u JOIN identities i ON i.user_seq = u.seq
    WHERE i.value LIKE '+8617%'
      AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.user_seq = u.seq)}),
   0, 'no user of the burst without the password it registered with');
is(stack_sql(q{SELECT COUNT(*) FROM identities i
    WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.seq = i.user_seq)}),
   0, 'no identity without its user');
is(stack_sql(q{SELECT COUNT(*) FROM users u WHERE (SELECT COUNT(*) FROM outbox o
    WHERE o.type = 'user.registered' AND o.user_id = u.id) <> 1}),
   0, 'every user has exactly one user.registered event row');
is(stack_sql(q{SELECT COUNT(*) FROM outbox o WHERE o.type = 'user.registered'
    AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)}),
   0, 'no user.registered row without its user');

# the relay catches up after the restart, and the stream holds nothing
# that the outbox does not
ok(wait_for(sub { stack_sql('SELECT COUNT(*) FROM outbox WHERE relayed_at IS NULL') eq '0' }, 400),
   'every committed event was relayed after the restart');
my %rows = map { $_ => 1 }
           split /\n/, stack_sql("SELECT id FROM outbox WHERE id > $outbox0");
my @stream_ids = grep { $_ > $outbox0 }
    stack_redis('XRANGE', 'uc:events', '-', '+') =~ /^outbox_id\n(\d+)$/mg;
is(scalar(grep { !$rows{$_} } @stream_ids), 0,
   scalar(@stream_ids) . ' stream events, none without an outbox row');
my %in_stream = map { $_ => 1 } @stream_ids;
is(scalar(grep { !$in_stream{$_} } keys %rows), 0, 'and no row without its event');

done_testing();
