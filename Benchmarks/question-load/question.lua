-- wrk script of Benchmarks/question-load/run.py: POST citizens' questions.
--
--   QUESTION_LOAD_BODIES=FILE [QUESTION_LOAD_IDS=FILE] wrk -t2 -c16 -d5s --latency -s question.lua URL
--
-- URL is the live interview's /api/v1/interviews/ID/questions.
-- QUESTION_LOAD_BODIES names a file with one JSON request body per line;
-- each thread sends them in turn. No request carries a cookie, so the
-- server takes each one for a new browser (it issues a fresh signed
-- wz_browser key and answers 201). The response() hook counts the statuses
-- and keeps every question id; done() prints one line
-- "QUESTION-LOAD {json}" with the counts and wrk's latency percentiles, and
-- writes the ids to QUESTION_LOAD_IDS when set.

local requests = {}
local next_request = 0
statuses = {}
ids = {}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  -- The threads start at different bodies, so they do not send the same
  -- text at the same moment.
  thread:set("offset", (#threads - 1) * 97)
end

function init(args)
  local path = assert(os.getenv("QUESTION_LOAD_BODIES"), "set QUESTION_LOAD_BODIES")
  local file = assert(io.open(path, "r"))
  local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  for line in file:lines() do
    if #line > 0 then
      table.insert(requests, wrk.format("POST", nil, headers, line))
    end
  end
  file:close()
  assert(#requests > 0, "no request bodies in " .. path)
  next_request = (offset or 0) % #requests
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local id = body:match('"id"%s*:%s*(%d+)')
    if id then
      ids[#ids + 1] = id
    end
  end
end

function done(summary, latency, requests)
  local merged = {}
  local all_ids = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
    for _, id in ipairs(thread:get("ids")) do
      all_ids[#all_ids + 1] = id
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'QUESTION-LOAD {"statuses": {%s}, "requests": %d, "durationMicroseconds": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latencyMicroseconds": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, "ids": %d}\n',
    table.concat(parts, ", "), summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean, #all_ids))
  local path = os.getenv("QUESTION_LOAD_IDS")
  if path and #path > 0 then
    local out = assert(io.open(path, "w"))
    out:write(table.concat(all_ids, "\n"), "\n")
    out:close()
  end
end
