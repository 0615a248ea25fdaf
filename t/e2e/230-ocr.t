# Recognition of ID cards and business licences through the gateway:
# photos from the generator (t/ocr/docgen, with their truth) read by the
# backend's workers; the body or a multipart part; a session needed;
# hostile images refused by their bytes before any decoding (the workers'
# counters do not move); 20 photos at once on a 2-worker backend queue or
# get 503 ocr_busy with Retry-After, and the backend's memory stays within
# its bound across two such bursts.

use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use File::Temp qw(tempdir);
use lib 't/helpers';
use UcE2E;

my $Json = JSON::PP->new;

sub sign_in {
    my $phone = new_phone();
    api(POST => '/uc/v1/codes', { to => $phone, purpose => 'register' });
    my $r = api(POST => '/uc/v1/register', { login => $phone, password => 'ocr-pass-1',
                                             code => last_code($phone) });
    die "sign-up: $r->{content}" unless $r->{json}{token};
    return $r->{json}{token};
}

sub slurp { open my $f, '<:raw', shift or die $!; local $/; return <$f> }

my $token = sign_in();
my $admin = ucctl_stack('session', 'create', '--user', 1, '--level', 2);

# photos and their truth, rendered for this test
my $dir = tempdir(CLEANUP => 1);
system('build/docgen', '--out', $dir, '--count', 6, '--seed', 230,
       '--conditions', 'clean,table') == 0 or die 'docgen failed';
my @set = map { $Json->decode($_) } split /\n/, slurp("$dir/truth.jsonl");
is scalar @set, 6, 'six photos rendered';

sub post_image {
    my ($path, $body, $type, $tok) = @_;
    return api(POST => $path, $body, $tok // $token,
               { 'Content-Type' => $type });
}

sub endpoint {
    my $kind = shift;
    return $kind eq 'id_front' ? '/uc/v1/ocr/id-card?side=front'
         : $kind eq 'id_back' ? '/uc/v1/ocr/id-card?side=back'
         : '/uc/v1/ocr/business-licence';
}

sub type_of { $_[0] =~ /\.png$/ ? 'image/png' : 'image/jpeg' }

# --- each photo: the numbers and dates exactly as printed; every field
# there, a value or null with its problem named, and a confidence (how
# well the rest reads is measured by make ocr-quality, not asserted here)
my %exact = map { $_ => 1 } qw(id_number birth_date valid_from valid_until
                               credit_code established term);
for my $doc (@set) {
    my $bytes = slurp("$dir/$doc->{file}");
    my $r = post_image(endpoint($doc->{kind}), $bytes, type_of($doc->{file}));
    is $r->{status}, 200, "$doc->{file}: read" or diag $r->{content};
    my $f = $r->{json}{fields} // {};
    my %problem = map { (split /\./)[0] => 1 } @{ $r->{json}{problems} // [] };
    is $r->{headers}{'cache-control'}, 'no-store', '  never cached';
    for my $name (sort keys %{ $doc->{fields} }) {
        if ($exact{$name}) {
            is $f->{$name}{value}, $doc->{fields}{$name}, "  $name as printed";
        } elsif (defined $f->{$name}{value}) {
            # (the helper's JSON is bytes: no \s, which takes \x85)
            ok length($f->{$name}{value}) > 0
                && $f->{$name}{value} !~ /[ \t\r\n]/, "  $name read";
        } else {
            ok $problem{$name}, "  $name null, with its problem named";
        }
        ok exists $f->{$name} && defined $f->{$name}{confidence}
            && $f->{$name}{confidence} >= 0 && $f->{$name}{confidence} <= 1,
            "  $name has a confidence";
    }
}

# --- the same photo as the "image" part of a multipart body
my ($front) = grep { $_->{kind} eq 'id_front' } @set;
my $front_bytes = slurp("$dir/$front->{file}");
my $boundary = 'uc-test-boundary-42';
my $multipart = "--$boundary\r\n"
    . "Content-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
    . "--$boundary\r\n"
    . "Content-Disposition: form-data; name=\"image\"; filename=\"card\"\r\n"
    . "Content-Type: " . type_of($front->{file}) . "\r\n\r\n"
    . $front_bytes . "\r\n--$boundary--\r\n";
my $r = post_image('/uc/v1/ocr/id-card?side=front', $multipart,
                   "multipart/form-data; boundary=$boundary");
is $r->{status}, 200, 'multipart: read';
is $r->{json}{fields}{id_number}{value}, $front->{fields}{id_number},
    '  the number as printed';

$r = post_image('/uc/v1/ocr/id-card?side=front',
                "--$boundary\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
                . "1\r\n--$boundary--\r\n", "multipart/form-data; boundary=$boundary");
is $r->{status}, 400, 'multipart without an image part: 400';
is $r->{json}{error}{code}, 'image_missing', '  image_missing';

# --- the wrong side: nothing of a number is made up
$r = post_image('/uc/v1/ocr/id-card?side=back', $front_bytes, type_of($front->{file}));
ok $r->{status} == 422 || ($r->{status} == 200
        && !defined $r->{json}{fields}{valid_from}{value}),
    'a front sent as the back: no validity is invented';

# --- a session is needed; the side is checked
$r = api(POST => '/uc/v1/ocr/id-card?side=front', $front_bytes, undef,
         { 'Content-Type' => 'image/png' });
is $r->{status}, 401, 'no session: 401';
$r = post_image('/uc/v1/ocr/id-card?side=left', $front_bytes, 'image/png');
is $r->{status}, 400, 'side=left: 400';
is $r->{json}{error}{code}, 'invalid_side', '  invalid_side';

# --- hostile images: refused by their bytes, no worker touches them
# the workers' counters, or the test stops: sums of nothing would pass
sub counters {
    my $c = api(GET => '/uc/v1/admin/ocr', undef, $admin)->{json};
    for my $k (qw(read failed refused queued running upload_bytes)) {
        die "the workers' counter $k cannot be read"
            unless defined $c->{$k} && $c->{$k} =~ /^\d+$/;
    }
    return $c;
}
my $before = counters();
ok defined $before->{read} && defined $before->{refused}, 'the workers\' counters'
    or diag explain $before;

my $png_sig = "\x89PNG\r\n\x1a\n";
# a PNG whose header declares 100,000 x 100,000 pixels (CRC not needed:
# it must be refused before anything reads further)
my $ihdr = pack('N', 13) . 'IHDR' . pack('NNCCCCC', 100000, 100000, 8, 2, 0, 0, 0)
    . pack('N', 0);
my $jpeg = slurp("$dir/" . (grep { $_->{file} =~ /\.jpg$/ } @set)[0]{file});
my @hostile = (
    [ 'empty body',            '', 'image/png', 400, 'image_missing' ],
    [ 'a PNG of 100k x 100k',  $png_sig . $ihdr . ("\0" x 64), 'image/png', 413,
      'image_too_large' ],
    [ 'a GIF',                 "GIF89a" . ("\0" x 100), 'image/gif', 415,
      'unsupported_media_type' ],
    [ 'PNG bytes said JPEG',   substr($front_bytes, 0, 4000), 'image/jpeg', 415,
      'unsupported_media_type' ],
    [ 'text',                  'hello, this is not an image', 'text/plain', 415,
      'unsupported_media_type' ],
    [ 'a JPEG of its signature only', "\xff\xd8\xff", 'image/jpeg', 400,
      'image_unreadable' ],
    [ 'noise said PNG',        $png_sig . join('', map { chr(($_ * 97) % 256) } 1 .. 500),
      'image/png', 400, 'image_unreadable' ],
);

for my $h (@hostile) {
    my ($what, $body, $type, $status, $code) = @$h;
    my $res = post_image('/uc/v1/ocr/id-card?side=front', $body, $type);
    is $res->{status}, $status, "$what: $status";
    is $res->{json}{error}{code}, $code, "  $code";
}

my $huge = 'x' x (8 * 1024 * 1024 + 1);
$r = post_image('/uc/v1/ocr/business-licence', $jpeg . $huge, 'image/jpeg');
is $r->{status}, 413, 'over 8 MB: 413';
is $r->{json}{error}{code}, 'image_too_large', '  image_too_large';

my $after = counters();
is $after->{read} + $after->{failed}, $before->{read} + $before->{failed},
    'no hostile image reached a worker';
cmp_ok $after->{refused}, '>=', $before->{refused} + 5,
    '  they were refused by their checks';

# a JPEG cut in half passes the header checks; the worker says unreadable
# or reads what is left, and nothing else happens
$r = post_image('/uc/v1/ocr/id-card?side=front', substr($jpeg, 0, length($jpeg) / 2),
                'image/jpeg');
ok $r->{status} == 400 || $r->{status} == 422 || $r->{status} == 200,
    'a truncated JPEG: a clear answer';
like $r->{content}, qr/^\{"(error|document)"/, '  in JSON';

# --- an upload that takes longer than ocr_timeout_ms (3 s in make test)
# to arrive is refused (408) and holds nothing meanwhile: half the photo,
# a pause longer than the limit (the slowness is what is tested), the rest
{
    use IO::Socket::INET;
    my $half = int(length($front_bytes) / 2);
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $ENV{UC_GATEWAY_PORT}) or die $!;
    print $sock "POST /uc/v1/ocr/id-card?side=front HTTP/1.1\r\n"
        . "Host: 127.0.0.1\r\nAuthorization: Bearer $token\r\n"
        . "Content-Type: image/png\r\nContent-Length: " . length($front_bytes)
        . "\r\nConnection: close\r\n\r\n" . substr($front_bytes, 0, $half);
    $sock->flush;
    select undef, undef, undef, ($ENV{UC_OCR_TIMEOUT_MS} // 10000) / 1000 + 1;
    print $sock substr($front_bytes, $half);
    $sock->flush;
    local $/;
    my $answer = <$sock> // '';
    like $answer, qr{^HTTP/1\.1 408 }, 'an upload slower than the limit: 408';
    like $answer, qr/"upload_too_slow"/, '  upload_too_slow';
    is counters()->{upload_bytes}, 0, '  and nothing of it is left reserved';
}

# --- 20 photos at once on two workers with four places in the queue
sub backend_rss {
    my $pid = slurp("$ENV{UC_RUN_DIR}/backend.pid");
    chomp $pid;
    my ($kb) = slurp("/proc/$pid/status") =~ /^VmRSS:\s+(\d+)/m;
    die "the backend's resident memory cannot be read" unless $kb;
    return $kb;
}

my ($licence) = grep { $_->{kind} eq 'licence' } @set;
my $licence_bytes = slurp("$dir/$licence->{file}");

sub burst {
    my $n = shift;
    pipe my $go_r, my $go_w or die $!;
    my @kids;
    for my $i (1 .. $n) {
        pipe my $res_r, my $res_w or die $!;
        my $pid = fork // die $!;
        if ($pid == 0) {
            close $go_w;
            close $res_r;
            <$go_r>;                       # every client starts together
            my $res = HTTP::Tiny->new(timeout => 60)->request(POST =>
                gw() . '/uc/v1/ocr/business-licence',
                { headers => { 'Content-Type' => type_of($licence->{file}),
                               Authorization => "Bearer $token" },
                  content => $licence_bytes });
            my $json = eval { $Json->decode($res->{content}) } // {};
            print $res_w join("\t", $res->{status}, $json->{error}{code} // '',
                              $res->{headers}{'retry-after'} // '',
                              $json->{fields}{credit_code}{value} // ''), "\n";
            exit 0;
        }
        close $res_w;
        push @kids, [ $pid, $res_r ];
    }
    close $go_r;
    close $go_w;                           # go
    my @out;
    for my $k (@kids) {
        my $line = readline $k->[1];
        waitpid $k->[0], 0;
        chomp $line if defined $line;
        push @out, [ split /\t/, $line // "0\t\t\t" ];
    }
    return @out;
}

my $rss0 = backend_rss();
for my $round (1, 2) {
    my @res = burst(20);
    my @ok = grep { $_->[0] == 200 } @res;
    my @busy = grep { $_->[0] == 503 } @res;
    is scalar(@ok) + scalar(@busy), 20, "burst $round: every answer is 200 or 503";
    cmp_ok scalar(@ok), '>=', 2, '  the workers read some';
    cmp_ok scalar(@busy), '>=', 1, '  the rest were turned away';
    is scalar(grep { $_->[1] eq 'ocr_busy' || $_->[1] eq 'ocr_timeout' } @busy),
        scalar(@busy), '  as ocr_busy (or ocr_timeout)';
    is scalar(grep { $_->[2] =~ /^\d+$/ } @busy), scalar(@busy),
        '  each with Retry-After';
    is scalar(grep { $_->[3] eq $licence->{fields}{credit_code} } @ok), scalar(@ok),
        '  every read gave the credit code as printed';
}
my $rss = backend_rss();
# the bound: the readers' models and buffers (two workers) plus the upload
# budget; a leak of a licence photo per request would pass it in a few rounds
cmp_ok $rss, '<', 900 * 1024, "the backend's memory stays bounded ($rss0 kB -> $rss kB)";
my $c = counters();
is $c->{queued} + $c->{running}, 0, 'the queue is empty after the bursts';
is $c->{upload_bytes}, 0, 'no upload memory is left reserved';

done_testing;
