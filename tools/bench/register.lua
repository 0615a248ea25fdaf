-- wrk script: each request signs up the next of the phones that were sent
-- a code (a file of "phone code" lines, path in the PAIRS environment
-- variable). Formatted once, in init, as rotate.lua does. A run that
-- needs more sign-ups than the file has answers non-2xx: stores.sh makes
-- the file larger than the argon2id ceiling allows in the time.

local requests = {}
local n = 0
local i = 0

function init(args)
    for line in io.lines(os.getenv("PAIRS")) do
        local phone, code = line:match("^(%S+) (%d+)$")
        n = n + 1
        requests[n] = wrk.format("POST", nil,
            { ["Content-Type"] = "application/json" },
            string.format('{"login":"%s","password":"bench-pass-1","code":"%s"}',
                          phone, code))
    end
end

function request()
    i = i % n + 1
    return requests[i]
end

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors=%d non2xx=%d p99_us=%d\n",
        summary.requests,
        summary.errors.connect + summary.errors.read + summary.errors.write
            + summary.errors.timeout,
        summary.errors.status, latency:percentile(99)))
end
