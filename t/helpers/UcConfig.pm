package UcConfig;

# The http{} part every usercenter suite shares: the module pointed at the
# test Redis and key file, and an upstream that echoes the identity headers
# it received (on a server where the module keeps them, as a business
# upstream behind the gateway would see them).

use strict;
use warnings;
use base 'Exporter';

our @EXPORT = qw(uc_http_config);

sub uc_http_config {
    my %o = @_;
    my $redis = $o{redis} // '127.0.0.1:$TEST_NGINX_REDIS_PORT';
    my $opts = $o{redis_opts} // '';
    return <<"_EOC_" . <<'_EOC_';
    usercenter_redis $redis $opts;
    usercenter_secret \$TEST_NGINX_SECRET;
_EOC_
    log_format uc '$uc_session_status uid=$uc_user_id lvl=$uc_auth_level '
                  'bl=$uc_business_line mid=$uc_merchant_id '
                  'sid=$uc_session_id';

    server {
        listen 127.0.0.1:$TEST_NGINX_ECHO_PORT;
        usercenter_strip_identity off;

        location / {
            return 200 "uid=$http_x_uc_user_id lvl=$http_x_uc_auth_level bl=$http_x_uc_business_line mid=$http_x_uc_merchant_id sid=$http_x_uc_session_id deg=$http_x_uc_degraded\n";
        }
    }
_EOC_
}

1;
