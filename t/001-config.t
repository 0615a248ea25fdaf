# Configuration errors: nginx refuses to start and says why.

use Test::Nginx::Socket;
use lib 't/helpers';

repeat_each(1);
no_shuffle();

# A key file of mode 0600 with a secret too short (user_files writes 0644,
# which TEST 4 uses for its own error).
{
    my $file = "$ENV{TEST_NGINX_WORK}/short-secret-keys";
    open my $fh, '>', $file or die "$file: $!";
    print $fh "k1 0001\n";
    close $fh;
    chmod 0600, $file or die "chmod $file: $!";
}

plan tests => 3 * blocks();

run_tests();

__DATA__

=== TEST 1: usercenter_auth without a key file
--- http_config
--- config
    location /p { usercenter_auth required; empty_gif; }
--- must_die
--- error_log
[emerg]
"usercenter_auth" needs "usercenter_secret" and "usercenter_redis"



=== TEST 2: a host name instead of a numeric Redis address
--- http_config
    usercenter_redis localhost:6379;
--- config
--- must_die
--- error_log
[emerg]
needs a numeric address or unix:/path



=== TEST 3: the key file is missing
--- http_config
    usercenter_redis 127.0.0.1:6379;
    usercenter_secret /nonexistent/keys;
--- config
--- must_die
--- error_log
[emerg]
usercenter_secret: open("/nonexistent/keys") failed



=== TEST 4: the key file is readable by others
--- http_config
    usercenter_redis 127.0.0.1:6379;
    usercenter_secret $TEST_NGINX_SERVROOT/html/keys;
--- user_files
>>> keys
k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
--- config
--- must_die
--- error_log
[emerg]
is accessible by group or others; chmod 600 it



=== TEST 5: a key file with a short secret
--- http_config
    usercenter_redis 127.0.0.1:6379;
    usercenter_secret $TEST_NGINX_WORK/short-secret-keys;
--- config
--- must_die
--- error_log
[emerg]
usercenter_secret: line 1: the secret of "k1" must be 32 to 64 bytes written as hex



=== TEST 6: a business line name with upper case letters
--- http_config
    usercenter_redis 127.0.0.1:6379;
    usercenter_secret $TEST_NGINX_SECRET;
--- config
    location /p { usercenter_business_line Mall; empty_gif; }
--- must_die
--- error_log
[emerg]
invalid business line "Mall"



=== TEST 7: cluster is refused with a clear message
--- http_config
    usercenter_redis 127.0.0.1:6379 cluster;
    usercenter_secret $TEST_NGINX_SECRET;
--- config
--- must_die
--- error_log
[emerg]
Redis Cluster is not supported yet



=== TEST 8: a key file without Redis
--- http_config
    usercenter_secret $TEST_NGINX_SECRET;
--- config
--- must_die
--- error_log
[emerg]
"usercenter_secret" needs "usercenter_redis"



=== TEST 9: an auth level above 4
--- http_config
    usercenter_redis 127.0.0.1:6379;
    usercenter_secret $TEST_NGINX_SECRET;
--- config
    location /p { usercenter_auth_level 5; empty_gif; }
--- must_die
--- error_log
[emerg]
must be between 0 and 4



=== TEST 10: an unknown usercenter_redis parameter
--- http_config
    usercenter_redis 127.0.0.1:6379 pasword=x;
    usercenter_secret $TEST_NGINX_SECRET;
--- config
--- must_die
--- error_log
[emerg]
invalid parameter "pasword=x"
