# The module carries its own hiredis, hidden: nginx loads modules with
# RTLD_GLOBAL and Debian's nchan exports a different hiredis, so a module
# that exported or imported hiredis symbols would bind to the wrong one.

use strict;
use warnings;
use Test::More;

my $so = $ENV{TEST_NGINX_LOAD_MODULES} or plan skip_all => 'no module';
$so =~ s/\s.*//;

my @exported = grep { /\b(redis|sds|hi_|__redis)\w*/ }
               `nm -D --defined-only $so`;
is(scalar @exported, 0, 'no hiredis symbol is exported') or diag @exported;

my @imported = grep { /\b(redis|sds)\w*/ } `nm -D --undefined-only $so`;
is(scalar @imported, 0, 'no hiredis symbol is imported') or diag @imported;

unlike(scalar `ldd $so`, qr/libhiredis/, 'not linked to the shared libhiredis');

my $sig = `strings -a $so | grep -E '^[0-9],[0-9],[0-9],[01]{30,}\$'`;
my $bin = `strings -a /usr/sbin/nginx | grep -E '^[0-9],[0-9],[0-9],[01]{30,}\$'`;
chomp($sig, $bin);
ok(length $sig, "the module has a binary signature ($sig)");
is($sig, $bin, q{and it is the signature of Debian's /usr/sbin/nginx});

done_testing();
