package Test::Nginx::Socket;

# A core-Perl re-implementation of the parts of openresty's
# Test::Nginx::Socket (0.33) that usercenter's suites use, so the same .t
# files run here (Debian does not package Test::Nginx) and under the real
# module. tools/test.sh puts this directory on PERL5LIB only when
# "perl -MTest::Nginx::Socket -e1" fails. See shared/TEST-NGINX.md.

use strict;
use warnings;

use Test::More ();
use Test::Builder;
use IO::Socket::INET;
use IO::Select;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use File::Path qw(rmtree mkpath);
use Cwd qw(cwd);

our $VERSION = '0.33-usercenter';

use base 'Exporter';
our @EXPORT = qw(
    run_tests plan blocks repeat_each no_shuffle no_long_string no_diff
    log_level workers master_on master_off worker_connections
    no_root_location env_to_nginx add_block_preprocessor server_port
    server_root html_dir timeout check_accum_error_log config_preamble
    use_hup bail_out add_cleanup_handler is like unlike diag pass fail
    is_deeply ok
);

my $Test = Test::Builder->new;

our $ServerPort = $ENV{TEST_NGINX_PORT} || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $ServRoot = $ENV{TEST_NGINX_SERVROOT} || cwd() . '/t/servroot';
our $NginxBinary = $ENV{TEST_NGINX_BINARY} || 'nginx';

my $RepeatEach = 1;
my $Shuffle = !$ENV{TEST_NGINX_NO_SHUFFLE};
my $LogLevel = 'debug';
my $Workers = 1;
my $MasterOn = 0;
my $WorkerConnections = 64;
my $NoRootLocation = 0;
my @EnvToNginx;
my @Preprocessors;
my @CleanupHandlers;
my $Timeout = 3;
my $AccumErrorLog = 0;
my $ConfigPreamble = '';
my $NginxRunning = 0;
my $PrevBlock;
my $ErrorLogPos = 0;

sub plan { Test::More::plan(@_) }
sub is { goto &Test::More::is }
sub like { goto &Test::More::like }
sub unlike { goto &Test::More::unlike }
sub diag { goto &Test::More::diag }
sub pass { goto &Test::More::pass }
sub fail { goto &Test::More::fail }
sub ok { goto &Test::More::ok }
sub is_deeply { goto &Test::More::is_deeply }

sub repeat_each { $RepeatEach = shift if @_; $RepeatEach }
sub no_shuffle { $Shuffle = 0 }
sub no_long_string { }
sub no_diff { }
sub log_level { $LogLevel = shift if @_; $LogLevel }
sub workers { $Workers = shift if @_; $Workers }
sub master_on { $MasterOn = 1 }
sub master_off { $MasterOn = 0 }
sub worker_connections { $WorkerConnections = shift if @_; $WorkerConnections }
sub no_root_location { $NoRootLocation = 1 }
sub env_to_nginx { push @EnvToNginx, @_ }
sub add_block_preprocessor { push @Preprocessors, shift }
sub server_port { $ServerPort = shift if @_; $ServerPort }
sub server_root { $ServRoot }
sub html_dir { "$ServRoot/html" }
sub timeout { $Timeout = shift if @_; $Timeout }
sub check_accum_error_log { $AccumErrorLog = 1 }
sub config_preamble { $ConfigPreamble = shift if @_; $ConfigPreamble }
sub use_hup { }
sub bail_out { $Test->BAIL_OUT(@_) }
sub add_cleanup_handler { push @CleanupHandlers, shift }

# ------------------------------------------------------------ data blocks

package Test::Nginx::Socket::Block;

our $AUTOLOAD;

sub new { my ($class, %a) = @_; bless { %a, _sections => {} }, $class }
sub name { $_[0]{name} }
sub set_value { my ($self, $k, $v) = @_; $self->{_sections}{$k} = $v }
sub has { exists $_[0]{_sections}{$_[1]} }

sub AUTOLOAD {
    my $self = shift;
    (my $n = $AUTOLOAD) =~ s/.*:://;
    return if $n eq 'DESTROY';
    return $self->{_sections}{$n};
}

package Test::Base::Filter;

# eval'd section text runs here, as in Test::Base
sub run_eval {
    my $code = shift;
    no strict;
    my @r = eval "package Test::Base::Filter; use strict; $code";
    die "eval filter failed: $@\n$code" if $@;
    return @r == 1 ? $r[0] : \@r;
}

package Test::Nginx::Socket;

my @Blocks;
my $Parsed;

sub read_data {
    my $file = $0;
    open my $fh, '<', $file or die "cannot read $file: $!";
    local $/;
    my $text = <$fh>;
    close $fh;
    $text =~ s/\A.*?^__DATA__\r?\n//ms or return ();
    $text =~ s/^__END__\r?\n.*\z//ms;
    return $text;
}

sub apply_filters {
    my ($value, $filters) = @_;
    # norm, then trim: no leading blank lines, nothing after the last
    # newline but that newline
    $value =~ s/\r\n?/\n/g;
    $value =~ s/\A([ \t]*\n)+//;
    $value =~ s/(?<=\n)\s*\z//;
    for my $f (@$filters) {
        if ($f eq 'chomp') { chomp $value if !ref $value }
        elsif ($f eq 'chop') { chop $value if !ref $value }
        elsif ($f eq 'eval') { $value = Test::Base::Filter::run_eval($value) }
        elsif ($f eq 'lines') { $value = [ map {"$_\n"} split /\n/, $value ] }
        elsif ($f eq 'array') { $value = [ ref $value ? @$value : $value ] }
        elsif ($f eq 'join') { $value = join '', @$value }
        elsif ($f eq 'unchomp') { $value .= "\n" unless $value =~ /\n\z/ }
        elsif ($f eq 'trim') { $value =~ s/\A\s+|\s+\z//g }
        elsif ($f eq 'base64_decode') {
            require MIME::Base64;
            $value = MIME::Base64::decode_base64($value);
        }
        elsif ($f eq 'norm' || $f eq '') { }
        else { die "unsupported filter '$f'\n" }
    }
    return $value;
}

sub parse_blocks {
    my $text = read_data();
    my @raw = split /^===[ \t]+/m, $text;
    shift @raw;
    my @blocks;
    for my $raw (@raw) {
        my ($name, $rest) = split /\n/, $raw, 2;
        $rest //= '';
        my $b = Test::Nginx::Socket::Block->new(name => $name);
        my @parts = split /^---[ \t]+(\w+)[ \t]*(.*)$/m, $rest;
        shift @parts;
        while (@parts) {
            my ($sec, $spec, $body) = splice @parts, 0, 3;
            my ($filters, $inline) = ($spec, undef);
            if ($spec =~ /^([^:]*):\s?(.*)$/) {
                ($filters, $inline) = ($1, $2);
            }
            my @filters = grep { length } split /\s+/, $filters;
            my $value;
            if (defined $inline) {
                $value = $inline;
                $value =~ s/\s+\z//;
                for my $f (@filters) {
                    if ($f eq 'eval') {
                        $value = Test::Base::Filter::run_eval($value);
                    }
                }
            } else {
                $body =~ s/\A[^\n]*\n//;
                $value = apply_filters($body, \@filters);
            }
            $b->set_value($sec, $value);
        }
        push @blocks, $b;
    }
    my @only = grep { $_->has('ONLY') } @blocks;
    if (@only) {
        Test::More::diag("I found ONLY: maybe you're debugging?");
        @blocks = ($only[0]);
    }
    @blocks = grep { !$_->has('SKIP') } @blocks;
    for my $i (0 .. $#blocks) {
        if ($blocks[$i]->has('LAST')) { splice @blocks, $i + 1; last }
    }
    return @blocks;
}

sub blocks {
    my $sec = shift;
    @Blocks = parse_blocks() unless $Parsed++;
    return scalar @Blocks unless defined $sec;
    return scalar grep { defined $_->$sec } @Blocks;
}

# ------------------------------------------------------------ nginx control

sub expand_env {
    my ($text, $name) = @_;
    return $text unless defined $text && !ref $text;
    $text =~ s/\$(TEST_NGINX_[_A-Z0-9]+)/
        defined $ENV{$1} ? $ENV{$1}
            : bail_out("$name - No environment $1 defined.\n")/ge;
    $text =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
    $text =~ s/\$ServerPort\b/$ServerPort/g;
    $text =~ s/\$ServerRoot\b/$ServRoot/g;
    return $text;
}

sub nginx_pid {
    open my $fh, '<', "$ServRoot/logs/nginx.pid" or return;
    my $pid = <$fh>;
    close $fh;
    return unless defined $pid && $pid =~ /^(\d+)/;
    return $1;
}

sub alive {
    my $pid = shift;
    while (waitpid(-1, WNOHANG) > 0) { }
    return 0 unless kill 0, $pid;
    if (open my $fh, '<', "/proc/$pid/stat") {
        my $stat = <$fh> // '';
        return 0 if $stat =~ /^\d+ \(.*\) Z/;
    }
    return 1;
}

sub stop_nginx {
    return unless $NginxRunning;
    $NginxRunning = 0;
    my $pid = nginx_pid() or return;
    kill 'QUIT', $pid;
    my $deadline = time + $Timeout;
    while (alive($pid) && time < $deadline) { sleep 0.01 }
    if (alive($pid)) {
        kill 'KILL', $pid;
        while (alive($pid)) { sleep 0.01 }
    }
    check_shutdown_log($PrevBlock) if $PrevBlock;
}

sub write_file {
    my ($path, $content) = @_;
    (my $dir = $path) =~ s{/[^/]*$}{};
    mkpath($dir) unless -d $dir;
    open my $fh, '>', $path or bail_out("cannot write $path: $!");
    print $fh $content;
    close $fh;
}

sub write_user_files {
    my $block = shift;
    my $files = $block->user_files or return;
    my @list;
    if (ref $files) {
        @list = map { [ $_->[0], $_->[1] ] } @$files;
    } else {
        while ($files =~ /^>>> (\S+)[^\n]*\n(.*?)(?=^>>> |\z)/msg) {
            push @list, [ $1, $2 ];
        }
    }
    write_file("$ServRoot/html/$_->[0]", $_->[1]) for @list;
}

sub nginx_conf {
    my $block = shift;
    my $name = $block->name;
    my $http = expand_env($block->http_config // '', $name);
    my $config = expand_env($block->config // '', $name);
    my $main = expand_env($block->main_config // '', $name);
    my $post = expand_env($block->post_main_config // '', $name);
    my $level = $block->log_level // $LogLevel;
    my $errlog = $block->error_log_file // "$ServRoot/logs/error.log";
    my $modules = join '', map { "load_module $_;\n" }
        split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} // '');
    my $env = join '', map { "env $_;\n" } qw(MOCKEAGAIN_VERBOSE MOCKEAGAIN
        MOCKEAGAIN_WRITE_TIMEOUT_PATTERN LD_PRELOAD LD_LIBRARY_PATH
        DYLD_INSERT_LIBRARIES DYLD_FORCE_FLAT_NAMESPACE), @EnvToNginx;
    my $temps = '';
    for my $t (qw(client_body proxy fastcgi scgi uwsgi)) {
        $temps .= "    ${t}_temp_path $ServRoot/${t}_temp;\n"
            unless $http =~ /\b${t}_temp_path\b/;
    }
    my $root = $NoRootLocation ? '' : <<"EOT";
        location / {
            root $ServRoot/html;
            index index.html index.htm;
        }
EOT
    my $server_name = $block->server_name // 'localhost';
    my $user = $> == 0 ? "user root;\n" : '';
    my $master = $MasterOn ? 'on' : 'off';
    return <<"EOT";
worker_processes  $Workers;
daemon on;
master_process $master;
error_log $errlog $level;
pid       $ServRoot/logs/nginx.pid;
$env$modules$main
http {
    access_log $ServRoot/logs/access.log;
$temps
    default_type text/plain;
    keepalive_timeout  68000ms;

$http

    server {
        listen          $ServerPort;
        server_name     '$server_name';

        client_max_body_size 30M;
$ConfigPreamble
$config
$root    }
}

$post
events {
    accept_mutex off;
    worker_connections  $WorkerConnections;
}
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
$user
EOT
}

sub setup_servroot {
    my $block = shift;
    rmtree($ServRoot) if -d $ServRoot;
    bail_out("cannot remove $ServRoot") if -d $ServRoot;
    mkpath("$ServRoot/$_") for qw(logs html conf);
    write_file("$ServRoot/html/index.html",
        "<html><head><title>It works!</title></head>"
        . "<body>It works!</body></html>");
    if (defined(my $code = $block->post_setup_server_root)) {
        eval $code;
        die $@ if $@;
    }
    write_user_files($block);
    write_file("$ServRoot/conf/nginx.conf", nginx_conf($block));
}

sub start_nginx {
    my $block = shift;
    my @cmd = ($NginxBinary, '-p', "$ServRoot/", '-c',
               "$ServRoot/conf/nginx.conf", '-e', "$ServRoot/logs/error.log");
    my $rc = system("@cmd > /dev/null 2>&1");
    return $rc;
}

sub wait_ready {
    my $delay = 0.001;
    for (1 .. 50) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $ServerPortForClient,
                                      Proto => 'tcp');
        if ($s) { close $s; return 1 }
        sleep $delay;
        $delay *= 2;
        $delay = 1 if $delay > 1;
    }
    return 0;
}

# ------------------------------------------------------------ requests

sub build_request {
    my ($req, $more_headers) = @_;
    $req =~ s/\A\s+//;
    $req =~ s/\A(?:#[^\n]*\n\s*)+//;
    my ($line, $body) = split /\n/, $req, 2;
    $body //= '';
    my ($meth, $uri, $ver) = split ' ', $line;
    $uri //= '/';
    $ver //= 'HTTP/1.1';
    my $headers = '';
    my %have;
    for my $h (split /\n/, $more_headers // '') {
        next if $h =~ /^\s*#/ || $h !~ /\S/;
        my ($k, $v) = $h =~ /^\s*([^:]+?)\s*:\s*(.*?)\s*$/ or next;
        $have{lc $k} = 1;
        $headers .= "$k: $v\r\n";
    }
    my $r = "$meth $uri $ver\r\n";
    $r .= "Host: localhost\r\n" unless $have{host};
    $r .= "Connection: close\r\n" unless $have{connection};
    $r .= $headers;
    if (length $body && !$have{'content-length'}
        && !($have{'transfer-encoding'}))
    {
        $body =~ s/\A\s+|\s+\z//g;
        $r .= "Content-Length: " . length($body) . "\r\n";
    }
    return "$r\r\n$body";
}

sub send_request {
    my ($packets, $block) = @_;
    my $timeout = parse_time($block->timeout // $Timeout);
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $ServerPortForClient,
                                     Proto => 'tcp', Blocking => 1)
        or return (undef, "connect failed: $!");
    for my $p (@$packets) {
        my $data = ref $p ? $p->{value} : $p;
        sleep $p->{delay_before} if ref $p && $p->{delay_before};
        my $off = 0;
        while ($off < length $data) {
            my $n = syswrite($sock, $data, length($data) - $off, $off);
            last unless defined $n;
            $off += $n;
        }
    }
    shutdown($sock, 1) if defined $block->shutdown;
    my $sel = IO::Select->new($sock);
    my $resp = '';
    my $timed_out = 0;
    while (1) {
        if (!$sel->can_read($timeout)) { $timed_out = 1; last }
        my $n = sysread($sock, my $buf, 65536);
        last if !defined $n || $n == 0;
        $resp .= $buf;
    }
    close $sock;
    return ($resp, $timed_out ? 'timeout' : undef);
}

sub parse_time {
    my $t = shift;
    return $1 / 1000 if $t =~ /^([\d.]+)ms$/;
    return $1 if $t =~ /^([\d.]+)s?$/;
    return 3;
}

sub parse_response {
    my ($raw, $method) = @_;
    my %res = (code => undef, headers => {}, raw_headers => '', body => '');
    my $i = index $raw, "\r\n\r\n";
    return \%res if $i < 0;
    my $head = substr $raw, 0, $i + 2;
    my $body = substr $raw, $i + 4;
    $res{raw_headers} = $head;
    my @lines = split /\r\n/, $head;
    my $status = shift @lines;
    ($res{code}) = $status =~ m{^HTTP/\d\.\d\s+(\d+)};
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        my $lk = lc $k;
        $res{headers}{$lk} = defined $res{headers}{$lk}
            ? "$res{headers}{$lk}, $v" : $v;
    }
    if ($method eq 'HEAD' || ($res{code} // 0) == 304) {
        $body = '';
    } elsif (($res{headers}{'transfer-encoding'} // '') =~ /chunked/i) {
        my $out = '';
        while ($body =~ s/\A([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $len = hex $1;
            last if $len == 0;
            $out .= substr $body, 0, $len, '';
            $body =~ s/\A\r\n//;
        }
        $body = $out;
    } elsif (defined(my $cl = $res{headers}{'content-length'})) {
        $body = substr $body, 0, $cl if length $body > $cl;
    }
    $res{body} = $body;
    return \%res;
}

# ------------------------------------------------------------ checks

sub read_error_log {
    my $file = "$ServRoot/logs/error.log";
    open my $fh, '<', $file or return ();
    my $pos = $AccumErrorLog ? 0 : $ErrorLogPos;
    seek $fh, $pos, 0;
    my @lines = <$fh>;
    $ErrorLogPos = tell $fh;
    close $fh;
    return @lines;
}

sub patterns {
    my $v = shift;
    return () unless defined $v;
    return @$v if ref $v eq 'ARRAY';
    return ($v) if ref $v;
    return grep { length } split /\n+/, $v;
}

sub match_line {
    my ($pat, $line) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub check_error_log {
    my ($block, $name, $i, $lines) = @_;
    my $suffix = defined $i ? " (req $i)" : '';
    if (defined(my $g = $block->grep_error_log)) {
        my $want = $block->grep_error_log_out;
        my $out = '';
        for my $l (@$lines) {
            if (ref $g) { $out .= "$1\n" while $l =~ /($g)/g }
            else { my $p = 0; while (($p = index $l, $g, $p) >= 0) {
                $out .= "$g\n"; $p += length $g } }
        }
        $want = $want->[$i] if ref $want eq 'ARRAY' && defined $i;
        if (ref $want eq 'Regexp') {
            Test::More::like($out, $want, "$name - grep_error_log_out$suffix");
        } else {
            Test::More::is($out, $want // '', "$name - grep_error_log_out$suffix");
        }
    }
    for my $pat (patterns($block->error_log)) {
        my ($hit) = grep { match_line($pat, $_) } @$lines;
        if ($hit) { Test::More::pass(qq{$name - pattern "$pat" matches a line in error.log$suffix}) }
        else { Test::More::fail(qq{$name - pattern "$pat" should match a line in error.log$suffix}) }
    }
    for my $pat (patterns($block->no_error_log)) {
        my @hits = grep { match_line($pat, $_) } @$lines;
        if (!@hits) {
            Test::More::pass(qq{$name - pattern "$pat" does not match a line in error.log$suffix});
        }
        for my $h (@hits) {
            chomp(my $l = $h);
            Test::More::fail(qq{$name - pattern "$pat" should not match any line in error.log but matches line "$l"$suffix});
        }
    }
    my $tags = join ' ', map { "$_" } patterns($block->error_log),
                                      patterns($block->no_error_log);
    for my $l (@$lines) {
        for my $tag (qw(alert crit emerg)) {
            next if $tags =~ /\Q$tag\E/;
            Test::More::diag("WARNING: $name - $l") if $l =~ /\[$tag\]/;
        }
        Test::More::fail("$name - assertion failed: $l")
            if $l =~ /\bAssertion .*?failed\b/;
    }
}

sub check_access_log {
    my ($block, $name, $i) = @_;
    return unless defined $block->access_log || defined $block->no_access_log;
    open my $fh, '<', "$ServRoot/logs/access.log" or return;
    my @lines = <$fh>;
    close $fh;
    for my $pat (patterns($block->access_log)) {
        my ($hit) = grep { match_line($pat, $_) } @lines;
        if ($hit) { Test::More::pass(qq{$name - pattern "$pat" matches a line in access.log (req $i)}) }
        else { Test::More::fail(qq{$name - pattern "$pat" should match a line in access.log (req $i)}) }
    }
    for my $pat (patterns($block->no_access_log)) {
        my @hits = grep { match_line($pat, $_) } @lines;
        Test::More::pass(qq{$name - pattern "$pat" does not match a line in access.log (req $i)}) unless @hits;
        Test::More::fail(qq{$name - pattern "$pat" should not match any line in access.log but matches line "$_" (req $i)}) for @hits;
    }
}

sub check_shutdown_log {
    my $block = shift;
    return unless defined $block->shutdown_error_log
        || defined $block->no_shutdown_error_log;
    my @lines = read_error_log();
    my $tmp = Test::Nginx::Socket::Block->new(name => $block->name);
    $tmp->set_value(error_log => $block->shutdown_error_log);
    $tmp->set_value(no_error_log => $block->no_shutdown_error_log);
    check_error_log($tmp, "$0 " . $block->name, undef, \@lines);
}

sub pick {
    my ($v, $k, $n, $name, $what) = @_;
    return $v unless $n > 1;
    return $v unless defined $v;
    bail_out("$name - $what must be an array for multiple requests")
        unless ref $v eq 'ARRAY';
    return $v->[$k];
}

sub check_response {
    my ($block, $name, $res, $i, $k, $n) = @_;
    my $code = pick($block->error_code, $k, $n, $name, 'error_code');
    if (defined(my $like = pick($block->error_code_like, $k, $n, $name,
                                'error_code_like')))
    {
        Test::More::like($res->{code} // '', qr/$like/sm, "$name - status code ok");
    } else {
        Test::More::is($res->{code}, $code // 200, "$name - status code ok");
    }
    if (defined(my $v = pick($block->raw_response_headers_like, $k, $n, $name,
                             'raw_response_headers_like')))
    {
        Test::More::like($res->{raw_headers}, qr/$v/s, "$name - raw resp headers like");
    }
    if (defined(my $rh = pick($block->response_headers, $k, $n, $name,
                              'response_headers')))
    {
        for my $line (grep { /\S/ } split /\n/, $rh) {
            $line =~ s/\A\s+|\s+\z//g;
            if ($line =~ /^!\s*(.+)$/) {
                my $key = $1;
                Test::More::unlike($res->{raw_headers}, qr/^\s*\Q$key\E\s*:/ms,
                    "$name - header $key not present in the raw headers");
                next;
            }
            my ($key, $val) = split /\s*:\s*/, $line, 2;
            $val = expand_env($val // '', $name);
            Test::More::is($res->{headers}{lc $key} // '', $val,
                           "$name - header $key ok");
        }
    } elsif (defined(my $rhl = pick($block->response_headers_like, $k, $n,
                                    $name, 'response_headers_like')))
    {
        for my $line (grep { /\S/ } split /\n/, $rhl) {
            $line =~ s/\A\s+|\s+\z//g;
            my ($key, $val) = split /\s*:\s*/, $line, 2;
            Test::More::like($res->{headers}{lc $key} // '', qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
    my $body = $res->{body};
    if (defined(my $want = pick($block->response_body, $k, $n, $name,
                                'response_body')))
    {
        if (ref $want eq 'Regexp') {
            Test::More::like($body, $want, "$name - response_body - like (repeated req $i, req $k)");
        } else {
            Test::More::is($body, expand_env($want, $name),
                "$name - response_body - response is expected (repeated req $i, req $k)");
        }
    } elsif (defined(my $like = pick($block->response_body_like, $k, $n,
                                     $name, 'response_body_like')))
    {
        (my $short = $body) =~ s/\A\s+|\s+\z//g;
        Test::More::like($body, ref $like ? $like : qr/$like/s,
            "$name - response_body_like - response is expected ($short)");
    }
    if (defined(my $unlike = pick($block->response_body_unlike, $k, $n,
                                  $name, 'response_body_unlike')))
    {
        (my $short = $body) =~ s/\A\s+|\s+\z//g;
        Test::More::unlike($body, ref $unlike ? $unlike : qr/$unlike/s,
            "$name - response_body_unlike - response is expected ($short)");
    }
}

sub requests_of {
    my $block = shift;
    my $mh = $block->more_headers;
    if (defined(my $raw = $block->raw_request)) {
        return ([ ref $raw ? $raw : [$raw] ], ['GET']);
    }
    if (defined(my $p = $block->pipelined_requests)) {
        my @r = @$p;
        my $s = '';
        for my $j (0 .. $#r) {
            my $h = ref $mh ? $mh->[$j] : $mh;
            $h = ($h // '') . "\nConnection: "
                . ($j == $#r ? 'close' : 'keep-alive');
            $s .= build_request($r[$j], $h);
        }
        return ([ [$s] ], [ map { (split ' ', $_)[0] } @r ], scalar @r);
    }
    my $req = $block->request;
    bail_out($block->name . " - No '--- request' section specified")
        unless defined $req;
    my @reqs = ref $req ? @$req : ($req);
    my (@packets, @methods);
    for my $j (0 .. $#reqs) {
        my $r = $reqs[$j];
        my $h = ref $mh ? $mh->[$j] : $mh;
        if (ref $r eq 'ARRAY') {
            push @packets, $r;
            push @methods, 'GET';
        } else {
            $r = expand_env($r, $block->name);
            push @packets, [ build_request($r, expand_env($h, $block->name)) ];
            (my $t = $r) =~ s/\A\s+//;
            push @methods, (split ' ', $t)[0];
        }
    }
    return (\@packets, \@methods);
}

sub split_pipelined {
    my ($raw, $count, $methods) = @_;
    my @out;
    for my $j (1 .. $count) {
        my $i = index $raw, "\r\n\r\n";
        if ($i < 0) { push @out, $raw; $raw = ''; next }
        my $head = substr $raw, 0, $i + 4;
        my $rest = substr $raw, $i + 4;
        my $len = 0;
        if ($head =~ /^content-length:\s*(\d+)/mi) { $len = $1 }
        elsif ($head =~ /^transfer-encoding:\s*chunked/mi) {
            my $p = 0;
            while ($rest =~ /\G([0-9a-fA-F]+)[^\r\n]*\r\n/gc) {
                my $l = hex $1;
                $p = pos($rest) + $l + 2;
                pos($rest) = $p;
                last if $l == 0;
            }
            $len = $p;
        }
        push @out, $head . substr($rest, 0, $len);
        $raw = substr $rest, $len;
    }
    return @out;
}

sub run_block {
    my $block = shift;
    my $name = "$0 " . $block->name;

    for my $skip (qw(skip_nginx skip_eval)) {
        my $spec = $block->$skip // next;
        my ($n, $cond, $reason) = split /:\s*/, $spec, 3;
        my $skipping;
        if ($skip eq 'skip_eval') { $skipping = eval $cond }
        else {
            my ($op, $ver) = $cond =~ /^\s*([<>=!]+)\s*([\d.]+)/;
            my $have = nginx_version_num();
            my $want = join '', map { sprintf '%03d', $_ } split /\./, $ver;
            $skipping = eval "$have $op $want";
        }
        if ($skipping) {
            $Test->skip("$name - " . ($reason // 'skipped')) for 1 .. $n;
            return;
        }
    }

    if (defined $block->config) {
        stop_nginx();
        setup_servroot($block);
        $ErrorLogPos = 0;
        if (defined $block->must_die) {
            # as the real one: every repeat starts nginx again, and each
            # checks the log lines its own attempt added
            for my $i (0 .. $RepeatEach - 1) {
                my $rc = start_nginx($block);
                Test::More::ok($rc != 0, "$name - die as expected");
                my @lines = read_error_log();
                check_error_log($block, $name, $i, \@lines);
            }
            return;
        }
        my $start = time;
        while (start_nginx($block) != 0) {
            bail_out("$name - cannot start nginx") if time - $start > 30;
            sleep 0.1;
        }
        $NginxRunning = 1;
        bail_out("$name - nginx does not accept connections")
            unless wait_ready();
    } elsif (!$NginxRunning) {
        bail_out("$name - No '--- config' section specified and could not get previous one");
    } else {
        $ErrorLogPos = 0 unless $AccumErrorLog;
    }
    $PrevBlock = $block;

    if (defined(my $init = $block->init)) {
        eval $init;
        die "$name - init failed: $@" if $@;
    }

    for my $i (0 .. $RepeatEach - 1) {
        write_user_files($block) if $i > 0;
        my ($packets, $methods, $pipelined) = requests_of($block);
        my $n = $pipelined // scalar @$packets;
        my @responses;
        for my $k (0 .. $#$packets) {
            my ($raw, $err) = send_request($packets->[$k], $block);
            if (defined $err && $err eq 'timeout' && !defined $block->abort) {
                Test::More::fail("ERROR: client socket timed out - $name\n");
            }
            if ($pipelined) {
                push @responses, split_pipelined($raw // '', $n, $methods);
            } else {
                push @responses, $raw // '';
            }
        }
        for my $k (0 .. $n - 1) {
            unless (defined $block->ignore_response) {
                my $res = parse_response($responses[$k] // '',
                                         $methods->[$k] // 'GET');
                check_response($block, $name, $res, $i, $k, $n);
            }
            if (!$pipelined || $k == $n - 1) {
                sleep($block->wait) if $block->wait;
                sleep(0.015) for 1 .. 3;
                my @lines = read_error_log();
                check_error_log($block, $name, $i, \@lines);
                check_access_log($block, $name, $i);
            }
        }
    }
}

my $NginxVersion;
sub nginx_version_num {
    return $NginxVersion if defined $NginxVersion;
    my $v = `$NginxBinary -V 2>&1`;
    my ($ver) = $v =~ m{nginx/([\d.]+)};
    $NginxVersion = join '', map { sprintf '%03d', $_ } split /\./, $ver // '0';
    return $NginxVersion;
}

sub run_tests {
    $ENV{TEST_NGINX_SERVER_PORT} //= $ServerPort;
    # an nginx left by an earlier run that died would hold the port
    $NginxRunning = 1;
    stop_nginx();
    nginx_version_num();
    blocks();
    my @blocks = @Blocks;
    if ($Shuffle && !$ENV{TEST_NGINX_NO_SHUFFLE}) {
        for (my $i = @blocks; --$i;) {
            my $j = int rand($i + 1);
            @blocks[$i, $j] = @blocks[$j, $i];
        }
    }
    for my $b (@blocks) {
        $_->($b) for @Preprocessors;
        run_block($b);
    }
}

END {
    local $?;
    stop_nginx() unless $ENV{TEST_NGINX_NO_CLEAN};
    $_->() for @CleanupHandlers;
}

1;
