-- wrk script for bench/tracked_link.py: one kind of request per run, chosen by the first
-- argument after "--": healthz | bots | repeat | new. The second is a file of link codes
-- (one a line), the third a run number that keeps new visitors' addresses unique across runs.
-- done() prints one line starting "WRKJSON " that the Python side parses.

local CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
  .. "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
local BOT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local mode, run = "healthz", 0
local codes = {}
local counter = 0

function init(args)
  mode = args[1] or "healthz"
  if args[2] then
    for line in io.lines(args[2]) do
      codes[#codes + 1] = line
    end
  end
  run = tonumber(args[3] or "0")
  math.randomseed(1000 * run + tid + 1)
end

local function visitor_address()
  -- 20 bits of counter per (run, thread): unique over every run of a benchmark.
  local n = ((run * 4 + tid) * 1048576 + counter) % 16777216
  return string.format("10.%d.%d.%d", math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
end

function request()
  counter = counter + 1
  if mode == "healthz" then
    return wrk.format("GET", "/healthz")
  elseif mode == "bots" then
    -- Link-preview crawlers on random links: the lookup only.
    return wrk.format("GET", "/s/" .. codes[math.random(#codes)],
      { ["User-Agent"] = BOT, ["X-Forwarded-For"] = "192.0.2.9" })
  elseif mode == "repeat" then
    -- One visitor reloading 20 links: the insert conflicts, nothing else is written.
    return wrk.format("GET", "/s/" .. codes[counter % 20 + 1],
      { ["User-Agent"] = CHROME, ["X-Forwarded-For"] = "192.0.2.1" })
  else
    -- A new visitor on a random link every time: a counted click.
    return wrk.format("GET", "/s/" .. codes[math.random(#codes)],
      { ["User-Agent"] = CHROME, ["X-Forwarded-For"] = visitor_address() })
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
