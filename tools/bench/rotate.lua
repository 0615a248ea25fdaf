-- wrk script: every request carries the next of the seeded session tokens
-- (a file of one token per line, path in the TOKENS environment variable),
-- so the gateway sees as many distinct sessions as were seeded.
--
-- The requests are formatted once, in init: wrk shares the two cores with
-- nginx and Redis, and formatting a request per call cost it about a third
-- of its CPU, time taken from the gateway under test.

local requests = {}
local n = 0
local i = 0

function init(args)
    for line in io.lines(os.getenv("TOKENS")) do
        n = n + 1
        requests[n] = wrk.format("GET", nil,
                                 { ["Authorization"] = "Bearer " .. line })
    end
    -- threads start at different places in the list
    i = math.random(n)
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
