-- wrk script: asks for every seeded session once, then stops asking (the
-- remaining time is spent on one token), so a near-cache is warm for the
-- whole list. TOKENS: the file of tokens.

local tokens = {}
local n = 0
local i = 0

function init(args)
    for line in io.lines(os.getenv("TOKENS")) do
        n = n + 1
        tokens[n] = line
    end
end

function request()
    if i < n then
        i = i + 1
    end
    return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. tokens[i] })
end
