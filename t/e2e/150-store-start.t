# A store that cannot be reached at start: the backend says which, plainly,
# with no password in the message, and exits non-zero instead of serving.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/helpers';
use UcE2E;

my $dir = tempdir(CLEANUP => 1);
system("$ENV{TOP}/build/ucctl keys generate $dir/keys --kid k1 >/dev/null") == 0 or die;

sub start_with {
    my $store = shift;
    open my $c, '>', "$dir/backend.conf" or die $!;
    print $c "listen = 127.0.0.1:1\nstore = $store\nsecret = $dir/keys\n"
           . "gateway_secret = x\nredis = 127.0.0.1:$ENV{UC_REDIS_PORT}\n";
    close $c;
    my $out = `$ENV{TOP}/build/uc-backend -c $dir/backend.conf 2>&1`;
    return ($? >> 8, $out);
}

my ($rc, $out) = start_with('postgresql://uc:s3cret-pw@127.0.0.1:1/usercenter');
isnt($rc, 0, 'PostgreSQL unreachable at start: the backend exits non-zero');
like($out, qr{cannot connect to PostgreSQL at postgresql://uc:\*\*\*\@127\.0\.0\.1:1/usercenter},
     '... and names the address');
unlike($out, qr/s3cret-pw/, '... without the password');

($rc, $out) = start_with('postgresql://uc@127.0.0.1:1/usercenter'
                         . '?password=q-s3cret&sslmode=disable');
isnt($rc, 0, 'a password in the query: the backend exits non-zero');
like($out, qr{127\.0\.0\.1:1/usercenter\?password=\*\*\*&sslmode=disable},
     '... the password masked in the address it names');
unlike($out, qr/q-s3cret/, '... and nowhere else');

($rc, $out) = start_with("sqlite:$dir/no-such-dir/usercenter.db");
isnt($rc, 0, 'an SQLite file that cannot be opened: non-zero');
like($out, qr{\Q$dir\E/no-such-dir/usercenter\.db}, '... naming the file');

done_testing();
