-- wrk script: every request carries the next of the seeded session tokens
-- (a file of one token per line, path in the TOKENS environment variable),
-- so the gateway sees as many distinct sessions as were seeded.

local tokens = {}
local n = 0
local i = 0

function init(args)
    for line in io.lines(os.getenv("TOKENS")) do
        n = n + 1
        tokens[n] = line
    end
    -- threads start at different places in the list
    i = math.random(n)
end

function request()
    i = i % n + 1
    return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors=%d non2xx=%d p99_us=%d\n",
        summary.requests,
        summary.errors.connect + summary.errors.read + summary.errors.write
            + summary.errors.timeout,
        summary.errors.status, latency:percentile(99)))
end
