-- wrk: the RingCentral validation handshake with Content-Length: 0 (wrk.body = "" makes wrk send
-- it; with no body at all wrk sends no Content-Length, which bench/lib/hsclient.py covers).
wrk.method = "POST"
wrk.body = ""
wrk.headers["Validation-Token"] = "bench-validation-token-0123456789"
wrk.headers["Content-Type"] = "application/json"

local bad = 0
response = function(status, headers, body)
  if status ~= 200 or headers["Validation-Token"] ~= "bench-validation-token-0123456789" then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "p999_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    latency.mean))
end
