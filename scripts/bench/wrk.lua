-- wrk script of scripts/bench.sh (docs/benchmarks.md).
--
-- Always: done() prints one machine-readable line, the format tossd-bench prints too:
--   BENCH requests=N seconds=S p50_us=.. p99_us=.. errors=.. non2xx=..
-- With BENCH_ORDER_PREFIX set (row d): every request is a make-payment with its own orderNo
-- "<prefix>-<thread>-<counter>" (a counter per wrk thread), for the user in BENCH_USER_KEY.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

local prefix = os.getenv("BENCH_ORDER_PREFIX")
if prefix then
  local counter = 0
  local headers = {
    ["Content-Type"] = "application/json",
    ["x-toss-user-key"] = os.getenv("BENCH_USER_KEY"),
  }
  request = function()
    counter = counter + 1
    local body = string.format(
      '{"orderNo":"%s-%d-%d","productDesc":"bench","amount":10000,"amountTaxFree":0,"isTestPayment":true}',
      prefix, thread_id, counter)
    return wrk.format("POST", "/api-partner/v1/apps-in-toss/pay/make-payment", headers, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d seconds=%.3f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
