# Feature flags and dictionaries through the demo stack: set by an
# administrator (API and ucctl), evaluated the same by the gateway and the
# backend, a change seen by the gateway within a second; dictionaries with
# ETag and 304, the GB/T 2260 regions, version-based invalidation of the
# backend's in-process cache, and hostile input.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use lib 't/helpers';
use UcE2E;

my $admin = ucctl_stack('session', 'create', '--user', '1', '--level', '4');
my $user = ucctl_stack('session', 'create', '--user', '77', '--line', 'mall');
$ENV{UC_TOKEN} = $admin;

# ------------------------------------------------------------- flags

is(api(PUT => '/uc/v1/admin/flags/mall/beta', { enabled => \1 }, $user)->{status},
   403, 'only administrators set flags');
is(api(PUT => '/uc/v1/admin/flags/mall/beta', { enabled => \1 })->{status},
   401, '... and not anonymously');

for my $case (
    [ 'mall/beta', {}, '"enabled" missing' ],
    [ 'mall/beta', { enabled => 1 }, '"enabled" not a boolean' ],
    [ 'mall/beta', { enabled => \1, percent => 101 }, 'more than 100 %' ],
    [ 'mall/beta', { enabled => \1, percent => 'all' }, 'a percentage that is text' ],
    [ 'mall/beta', { enabled => \1, min_level => 9 }, 'a level above 4' ],
    [ 'mall/beta', { enabled => \1, users => ['1;on=1'] }, 'a user id with a separator' ],
    [ 'mall/beta', { enabled => \1, users => 'everyone' }, 'users not a list' ],
    [ 'mall/beta', { enabled => \1, merchants => [ ('m' x 60) x 100 ] }, 'lists over 8 KB' ],
    [ 'Mall/beta', { enabled => \1 }, 'a business line with capitals' ],
    [ 'mall/Beta!', { enabled => \1 }, 'a flag name with capitals' ],
) {
    my ($path, $body, $why) = @$case;
    my $r = api(PUT => "/uc/v1/admin/flags/$path", $body, $admin);
    is("$r->{status} " . ($r->{json}{error}{code} // ''), '400 validation_failed', "refused: $why");
}
my $r = api(PUT => '/uc/v1/admin/flags/mall/beta', '{"enabled": true', $admin);
is("$r->{status} $r->{json}{error}{code}", '400 malformed_json', 'refused: broken JSON');

my @out = ucctl_stack('flag', 'set', 'mall', 'rollout', '--percent', '30');
like($out[0], qr/"published":true/, 'ucctl flag set: stored and published');
ok(scalar ucctl_stack('flag', 'set', 'mall', 'everyone', '--percent', '100'), 'a second flag');

# the gateway and the backend agree for every user
my ($agree, $with, $n) = (0, 0, 300);
for my $uid (1001 .. 1000 + $n) {
    my $t = ucctl_stack('session', 'create', '--user', $uid, '--line', 'mall', '--level', '2');
    my $edge = api(GET => '/mall/x', undef, $t)->{json}{flags};
    my $api = api(GET => '/uc/v1/flags?line=mall', undef, $t)->{json}{flags};
    my $backend = join ',', grep { $api->{$_} } sort keys %$api;
    $agree++ if $edge eq $backend;
    $with++ if $edge =~ /\brollout\b/;
}
is($agree, $n, "the gateway's X-UC-Flags and GET /uc/v1/flags agree for $n users");
ok($with > $n * 0.15 && $with < $n * 0.45, "a 30 % rollout reached $with of $n users");

$r = api(GET => '/uc/v1/flags?line=mall');
is_deeply($r->{json}{flags}, { rollout => JSON::PP::false(), everyone => JSON::PP::true(), },
          'anonymous: only what is on for everyone');
is(api(GET => '/uc/v1/flags')->{status}, 400, 'the flags of no line: 400');

# a change reaches the gateway within a second
my $t = ucctl_stack('session', 'create', '--user', '2001', '--line', 'mall');
is(api(GET => '/mall/x', undef, $t)->{json}{flags}, 'everyone,rollout', 'before: cached with rollout')
    for 1 .. 2;
ok(scalar ucctl_stack('flag', 'set', 'mall', 'rollout', '--percent', '30',
                      '--deny-users', '2001'), 'the user is denied');
my $t0 = time;
my $seen = wait_for(sub { api(GET => '/mall/x', undef, $t)->{json}{flags} eq 'everyone' });
my $delay = time - $t0;
diag sprintf "flag change seen by the gateway after %.1f ms", $delay * 1000;
ok($seen && $delay < 1, 'the gateway sees the change within a second');

is(scalar(ucctl_stack('flag', 'delete', 'mall', 'everyone')), undef, 'ucctl flag delete');
ok(wait_for(sub { api(GET => '/mall/x', undef, $t)->{json}{flags} eq '' }),
   '... and the flag is gone at the edge');
is(api(DELETE => '/uc/v1/admin/flags/mall/everyone', undef, $admin)->{status}, 404,
   'deleting it again: 404');
my $list = api(GET => '/uc/v1/admin/flags/mall', undef, $admin)->{json}{flags};
is_deeply([ sort keys %$list ], ['rollout'], 'the line\'s flags');
is($list->{rollout}{percent}, 30, '... with the percentage');
is_deeply($list->{rollout}{deny_users}, ['2001'], '... and the deny list');

# a line holds at most 256 flags (the most the gateway reads)
my $made = 0;
for my $i (1 .. 256) {
    $made++ if api(PUT => "/uc/v1/admin/flags/crowd/f$i", { enabled => \0 }, $admin)->{status} == 200;
}
is($made, 256, '256 flags on one line');
$r = api(PUT => '/uc/v1/admin/flags/crowd/one_more', { enabled => \1 }, $admin);
is("$r->{status} $r->{json}{error}{code}", '409 too_many_flags', 'the 257th is refused');
is(api(PUT => '/uc/v1/admin/flags/crowd/f1', { enabled => \1 }, $admin)->{status}, 200,
   '... changing one of the 256 is not');

# ------------------------------------------------------------- dictionaries

$r = api(GET => '/uc/v1/dict/genders');
is($r->{status}, 200, 'a built-in dictionary');
is_deeply([ map { $_->{code} } @{ $r->{json}{items} } ], [qw(male female other)],
          '... its items in order');
my $etag = $r->{headers}{etag};
like($etag, qr/^"genders-\d+"$/, '... with an ETag');
is($r->{headers}{'cache-control'}, 'no-cache', '... to be revalidated');

$r = api(GET => '/uc/v1/dict/genders', undef, undef, { 'If-None-Match' => $etag });
is("$r->{status} [" . ($r->{content} // '') . ']', '304 []', 'the same ETag: 304, no body');
$r = api(GET => '/uc/v1/dict/genders', undef, undef, { 'If-None-Match' => '"genders-0"' });
is($r->{status}, 200, 'another ETag: 200');

# the regions come from python3-stdnum's GB/T 2260 table
my %file;
open my $fh, '<', '/usr/lib/python3/dist-packages/stdnum/cn/loc.dat' or die $!;
while (<$fh>) {
    $file{$1} = $2 if /^(\d{6}) county="([^"]*)"/;
}
close $fh;
$r = api(GET => '/uc/v1/dict/regions');
my %served = map { $_->{code} => $_ } @{ $r->{json}{items} };
is(scalar keys %served, scalar keys %file, 'every county-level code of GB/T 2260 is served');
# (UcE2E decodes JSON from bytes: labels stay UTF-8 bytes, as in the file)
my @diff = grep { ($served{$_}{label} // '') ne $file{$_} } keys %file;
is(scalar @diff, 0, '... with its name');
is($served{'110101'}{extra}{province}, '北京市', '... and its province');

# an administrator's change: a new version and a new ETag
my $before = api(GET => '/uc/v1/dict/id_types')->{headers}{etag};
@out = ucctl_stack('dict', 'put', 'id_types', 'military_id', 'Military ID', '--sort', '9');
like($out[0], qr/"version":\d+/, 'ucctl dict put');
$r = api(GET => '/uc/v1/dict/id_types', undef, undef, { 'If-None-Match' => $before });
is($r->{status}, 200, 'the old ETag no longer matches');
isnt($r->{headers}{etag}, $before, '... a new one');
is($r->{json}{items}[-1]{code}, 'military_id', '... and the new item is there');

my $file = "$ENV{UC_RUN_DIR}/line-mall.json";
open my $out, '>', $file or die $!;
print $out '{"items":[{"code":"theme","label":"blue","sort":1,"extra":{"dark":true}},'
         . '{"code":"support_phone","label":"400-000-0000","sort":2}]}';
close $out;
ok(scalar ucctl_stack('dict', 'set', 'line.mall', $file), 'ucctl dict set: a business line\'s settings');
$r = api(GET => '/uc/v1/dict/line.mall');
is_deeply([ map { "$_->{code}=$_->{label}" } @{ $r->{json}{items} } ],
          ['theme=blue', 'support_phone=400-000-0000'], '... served');
is(scalar(ucctl_stack('dict', 'delete', 'line.mall', 'support_phone')) =~ /version/ ? 1 : 0, 1,
   'ucctl dict delete');
is(scalar @{ api(GET => '/uc/v1/dict/line.mall')->{json}{items} }, 1, '... one left');

# the in-process cache: reused while the version holds, reloaded when it moves
api(GET => '/uc/v1/dict/genders');
my $loads = api(GET => '/uc/v1/admin/dicts', undef, $admin)->{json}{cache_loads};
api(GET => '/uc/v1/dict/genders') for 1 .. 20;
is(api(GET => '/uc/v1/admin/dicts', undef, $admin)->{json}{cache_loads}, $loads,
   '20 reads, no reload from the store');

# another backend changes the store and announces the version in Redis
stack_sql("UPDATE dict_items SET label = 'M' WHERE dict = 'genders' AND code = 'male';"
          . " UPDATE dicts SET version = version + 1 WHERE name = 'genders'");
is(api(GET => '/uc/v1/dict/genders')->{json}{items}[0]{label}, '男', 'until the version is announced, the cached answer stands');
my $v = stack_sql("SELECT version FROM dicts WHERE name = 'genders'");
stack_redis('HSET', 'uc:{dict}:versions', 'genders', $v);
$r = api(GET => '/uc/v1/dict/genders');
is($r->{json}{items}[0]{label}, 'M', 'the announced version is served at once');
is($r->{headers}{etag}, "\"genders-$v\"", '... under its ETag');

# hostile input
is(api(GET => '/uc/v1/dict/no_such_dict')->{status}, 404, 'an unknown dictionary: 404');
is(api(GET => '/uc/v1/dict/a%2fb')->{status}, 404, 'a path in the name: 404');
# nginx resolves the dots before any location: the backend is never asked,
# and what answers (404, or 403 when nginx cannot read its static root)
# depends on where the stack lives; nothing is served either way
isnt(api(GET => '/uc/v1/dict/..%2f..%2fetc')->{status}, 200, 'a path that climbs out: not served');
is(api(GET => '/uc/v1/dict/' . ('a' x 300))->{status}, 404, 'a very long name: 404');
for my $case (
    [ { items => 'x' }, 'items not a list' ],
    [ { items => [ { code => 'a b', label => 'x' } ] }, 'a code with a space' ],
    [ { items => [ { code => 'a', label => 'x' x 300 } ] }, 'a label over 256 bytes' ],
    [ { items => [ { code => 'a', label => 'x', sort => 'first' } ] }, 'a sort that is text' ],
    [ { items => [ { code => 'a', label => 'x', extra => [1] } ] }, 'extra not an object' ],
    [ { items => [ 'a' ] }, 'an item that is not an object' ],
) {
    my ($body, $why) = @$case;
    my $r = api(PUT => '/uc/v1/admin/dicts/test', $body, $admin);
    is("$r->{status} " . ($r->{json}{error}{code} // ''), '400 validation_failed', "refused: $why");
}
$r = api(PUT => '/uc/v1/admin/dicts/test/items/%ff%fe', { label => 'x' }, $admin);
is("$r->{status} " . ($r->{json}{error}{code} // ''), '400 validation_failed',
   'refused: a code that is not UTF-8');
is(api(PUT => '/uc/v1/admin/dicts/test', { items => [] }, $user)->{status}, 403,
   'only administrators change dictionaries');
is(api(GET => '/uc/v1/dict/test')->{status}, 404, 'nothing half-written by the refused changes');

done_testing();
