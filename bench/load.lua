-- wrk script for the load runs (bench/loadrun.py): replays the requests of a file.
--
-- Arguments after "--": the requests file, the number of wrk threads, and a run number.
-- Each line of the file is one request, its fields separated by tabs:
--   METHOD  PATH  BODY  Name: value  Name: value ...
-- (BODY may be empty). Thread t of T sends lines t, t+T, t+2T, ... so no line is sent
-- twice before every line was sent once; "reused" counts the requests sent after a
-- thread ran out of lines (for requests that only work once, such as quiz answers).
-- "{visitor}" in a header value becomes a client address unique to the run, the thread
-- and the request (a new visitor on a tracked link).
-- done() prints one line starting "WRKJSON " with the counts, latency percentiles in
-- microseconds and, per thread, [status, responses] pairs.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local lines, run, nthreads, counter = {}, 0, 1, 0
statuses, reused = {}, 0 -- globals: done() reads them from each thread

local function parse(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    fields[#fields + 1] = field
  end
  local headers = {}
  for i = 4, #fields do
    local name, value = fields[i]:match("^([^:]+):%s*(.*)$")
    if name then
      headers[name] = value
    end
  end
  local body = fields[3] ~= "" and fields[3] or nil
  return { method = fields[1], path = fields[2], body = body, headers = headers,
           dynamic = line:find("{visitor}", 1, true) ~= nil }
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      all[#all + 1] = line
    end
  end
  nthreads = tonumber(args[2] or "1")
  run = tonumber(args[3] or "0")
  for i = tid + 1, #all, nthreads do
    local r = parse(all[i])
    if not r.dynamic then
      r.formatted = wrk.format(r.method, r.path, r.headers, r.body)
    end
    lines[#lines + 1] = r
  end
  if #lines == 0 then -- fewer lines than threads: this thread shares the first one
    lines[1] = parse(all[1])
    lines[1].formatted = not lines[1].dynamic and wrk.format(lines[1].method, lines[1].path,
      lines[1].headers, lines[1].body) or nil
  end
end

local function visitor_address()
  -- 20 bits of counter per (run, thread): unique over every run of a benchmark.
  local n = ((run * 4 + tid) * 1048576 + counter) % 16777216
  return string.format("10.%d.%d.%d", math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
end

function request()
  counter = counter + 1
  if counter > #lines then
    reused = reused + 1
  end
  local r = lines[(counter - 1) % #lines + 1]
  if r.formatted then
    return r.formatted
  end
  local headers, address = {}, visitor_address()
  for name, value in pairs(r.headers) do
    headers[name] = value:gsub("{visitor}", address)
  end
  return wrk.format(r.method, r.path, headers, r.body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts, again = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      counts[#counts + 1] = string.format("[%d, %d]", status, n)
    end
    again = again + (thread:get("reused") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"socket_errors": %d, "reused": %d, "statuses": [%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, again,
    table.concat(counts, ", ")))
end
