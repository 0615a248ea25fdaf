# A limit key longer than a shared-memory node keeps (here 70 KB, built
# from a client's own header) is limited by its MD5, not skipped: a long
# key must not be a way around a limit.

use Test::Nginx::Socket;
use lib 't/helpers';
use UcTest;
use UcConfig;

repeat_each(1);
no_shuffle();

our $Long = 'k' x 7000;
our $Key = join '', ('$http_x_k') x 10;

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(request => [ ("GET /p") x 2 ]);
    $block->set_value(more_headers => "X-K: $Long");
    $block->set_value(error_code => [ 200, 429 ]);
    $block->set_value(no_error_log => "[error]\n[alert]");
});

UcTest::redis_cli('EVAL', "for _, k in ipairs(redis.call('KEYS', 'uc:{rl:long*')) "
                          . "do redis.call('DEL', k) end", 0);

plan tests => 6 * blocks();

run_tests();

__DATA__

=== TEST 1: local: the second request with the same 70 KB key is refused
--- http_config eval
UcConfig::uc_http_config() . "    usercenter_limit_zone longl key=$::Key rate=1r/m burst=0 mode=local;\n"
--- config
    location /p { usercenter_limit longl; empty_gif; }



=== TEST 2: global: the same through Redis
--- http_config eval
UcConfig::uc_http_config() . "    usercenter_limit_zone longg key=$::Key rate=1r/m burst=0;\n"
--- config
    location /p { usercenter_limit longg; empty_gif; }
