-- wrk: durable ingest. Every request is a RingCentral-shaped notification (~560 bytes) with a
-- uuid never sent before, so each one is a new row (no dedupe short-cut). Environment:
-- BENCH_TOKEN (Verification-Token), BENCH_RUN (makes uuids unique across runs).
local token = os.getenv("BENCH_TOKEN") or ""
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local counter = 0
local thread_id = 0
local threads = {}

setup = function(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local prefix = '{"uuid":"'
local suffix = '","event":"/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",' ..
  '"timestamp":"2026-11-22T10:00:00.000Z","subscriptionId":"bench-subscription-0001",' ..
  '"ownerId":"1234567890","body":{"id":"1234567890123","to":[{"phoneNumber":' ..
  '"+16505550100","name":"Bench Receiver"}],"from":{"phoneNumber":"+16505550199",' ..
  '"name":"Bench Sender"},"type":"SMS","creationTime":"2026-11-22T10:00:00.000Z",' ..
  '"readStatus":"Unread","attachments":[{"id":"1234567890123","type":"Text"}],' ..
  '"direction":"Inbound","subject":"bench","messageStatus":"Received"}}'

request = function()
  counter = counter + 1
  local body = prefix .. run .. "-" .. thread_id .. "-" .. counter .. suffix
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Verification-Token"] = token,
  }, body)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "p999_us": %d, "max_us": %d, "mean_us": %.1f, "body_bytes": %d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    latency.mean, #(prefix .. run .. "-0-1" .. suffix)))
end
