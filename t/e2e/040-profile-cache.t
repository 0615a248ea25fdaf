# Profiles are read cache-aside: a storm of concurrent reads for one
# uncached user reads the store once; absent users are cached briefly;
# a write invalidates.

use strict;
use warnings;
use Test::More;
use POSIX qw(_exit);
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', '1', '--level', '4');
sub store_reads { api(GET => '/uc/v1/admin/stats', undef, $admin)->{json}{profile_store_reads} }

my $phone = new_phone();
api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
my $r = api(POST => '/uc/v1/register',
            { login => $phone, password => 'cache-pass-1', code => last_code($phone) });
my ($uid, $token) = ($r->{json}{user_id}, $r->{json}{token});
my $key = "uc:{u:$uid}:profile";

stack_redis('DEL', $key);
my $before = store_reads();

# 40 clients, released together
my $n = 40;
pipe(my $go_r, my $go_w) or die $!;
my @pids;
for (1 .. $n) {
    my $pid = fork // die $!;
    if ($pid == 0) {
        close $go_w;
        sysread $go_r, my $x, 1;     # returns at EOF: all start at once
        my $res = api(GET => '/uc/v1/me/profile', undef, $token);
        _exit($res->{status} == 200 && $res->{json}{user_id} eq $uid ? 0 : 1);
    }
    push @pids, $pid;
}
close $go_r;
close $go_w;
my $failed = 0;
for (@pids) { waitpid $_, 0; $failed++ if $? }

is($failed, 0, "all $n concurrent reads answered the profile");
is(store_reads() - $before, 1, 'the store was read once for the whole storm');

my $ttl = stack_redis('TTL', $key);
cmp_ok($ttl, '>=', 3240, 'cache TTL has jitter around an hour (low)');
cmp_ok($ttl, '<=', 3960, '... (high)');

$before = store_reads();
api(GET => '/uc/v1/me/profile', undef, $token) for 1 .. 5;
is(store_reads() - $before, 0, 'cached reads do not touch the store');

$r = api(PATCH => '/uc/v1/me/profile', { nickname => 'fresh' }, $token);
is($r->{status}, 200, 'a write');
is(stack_redis('EXISTS', $key), 0, '... deletes the cache entry');
is(api(GET => '/uc/v1/me/profile', undef, $token)->{json}{nickname}, 'fresh',
   'the next read sees the write');

# a session for an id with no user: the absence is cached
my $ghost = ucctl_stack('session', 'create', '--user', '424242');
stack_redis('DEL', 'uc:{u:424242}:profile');
$before = store_reads();
is(api(GET => '/uc/v1/me/profile', undef, $ghost)->{status}, 404, 'no profile: 404');
is(api(GET => '/uc/v1/me/profile', undef, $ghost)->{status}, 404, '... again');
is(store_reads() - $before, 1, 'the absence was read from the store once');
is(stack_redis('GET', 'uc:{u:424242}:profile'), '-', 'a null marker is cached');
cmp_ok(stack_redis('TTL', 'uc:{u:424242}:profile'), '<=', 60, '... briefly');

done_testing();
