-- wrk script: the same request every time (cache-hit rows, logins). With
-- BODY set in the environment it is a POST of that JSON body.
local body = os.getenv("BODY")
if body then
    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d errors=%d non2xx=%d p99_us=%d\n",
        summary.requests,
        summary.errors.connect + summary.errors.read + summary.errors.write
            + summary.errors.timeout,
        summary.errors.status, latency:percentile(99)))
end
