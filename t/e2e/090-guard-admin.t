# The registration guard's lists through the admin API: an entry added is
# enforced by the gateway at once, and removed, no longer.

use strict;
use warnings;
use Test::More;
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', '1', '--level', '4');
my $user = ucctl_stack('session', 'create', '--user', '77');

is(api(POST => '/uc/v1/admin/guard/block-domain', { value => 'blocked.example' }, $user)->{status},
   403, 'only administrators change the lists');
is(api(POST => '/uc/v1/admin/guard/block-domain', { value => 'blocked.example' }, $admin)->{status},
   204, 'an administrator blocks a domain');

my $r = api(GET => '/uc/v1/admin/guard', undef, $admin);
is($r->{status}, 200, 'the lists');
ok((grep { $_ eq 'blocked.example' } @{ $r->{json}{'block-domain'} }), '... show it');

$r = api(POST => '/uc/v1/codes', { to => 'someone@blocked.example', purpose => 'register' });
is($r->{status}, 403, 'the gateway refuses a code for that domain at once');
is($r->{json}{error}{code}, 'registration_refused', '... registration_refused');

is(api(POST => '/uc/v1/admin/guard/block-domain/remove', { value => 'blocked.example' }, $admin)->{status},
   204, 'the administrator takes it back');
is(api(POST => '/uc/v1/codes', { to => 'someone@blocked.example', purpose => 'register' })->{status},
   202, 'and the code is sent');

is(api(POST => '/uc/v1/admin/guard/no-such-list', { value => 'x' }, $admin)->{status},
   404, 'an unknown list is 404');
is(api(POST => '/uc/v1/admin/guard/block-ip', { value => 'has space' }, $admin)->{status},
   400, 'a value with spaces is refused');

done_testing();
