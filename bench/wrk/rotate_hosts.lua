-- bench/wrk/rotate_hosts.lua: wrk sends request after request on keep-alive connections with
-- the Host header rotating over the kit's tenant table, and prints one JSON line at the end.
-- Environment: BENCH_HOSTS_FILE (one host a line, required), BENCH_PATH (default /home).
-- Requests are formatted once in init(): request() only hands out the next prepared string,
-- so the Lua side costs wrk next to nothing per request.

local hosts_file = os.getenv("BENCH_HOSTS_FILE")
local path = os.getenv("BENCH_PATH") or "/home"
local prepared = {}
local next_index = 1
local threads_set_up = 0

-- Runs in the main Lua state once per thread: numbers the threads for init().
function setup(thread)
  threads_set_up = threads_set_up + 1
  thread:set("thread_number", threads_set_up)
end

function init(args)
  assert(hosts_file, "BENCH_HOSTS_FILE is not set")
  local file = assert(io.open(hosts_file, "r"))
  for host in file:lines() do
    if #host > 0 then
      prepared[#prepared + 1] =
        wrk.format("GET", path, { ["Host"] = host, ["Accept"] = "text/html" })
    end
  end
  file:close()
  assert(#prepared > 0, "no hosts in " .. hosts_file)
  -- Threads start at different places in the table.
  next_index = ((thread_number or 1) - 1) * 7919 % #prepared + 1
end

function request()
  local request = prepared[next_index]
  next_index = next_index + 1
  if next_index > #prepared then next_index = 1 end
  return request
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    '{"tool":"wrk","seconds":%.3f,"completed":%d,"rate":%.1f,"errors":%d,"non_2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"bytes":%d}\n',
    seconds, summary.requests, summary.requests / seconds,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.bytes))
end
