#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) against a running tossd, on SQLite and on PostgreSQL, with
# the checks and exclusions of schemathesis.toml. For each backend it starts `tossd serve` on a free
# loopback port (so every request carries a loopback Host), makes a few fixtures whose identifiers the
# configuration offers beside generated ones, and runs every operation of /openapi.json for at most
# ST_MAX_TIME seconds (default 75). Fails when schemathesis is missing or reports any failure.
#
# Excluded operations, and why:
# - PUT/DELETE /sim/v1/merchants/{mId}/webhook and /sim/v1/apps/{appId}/unlink-callback: a generated URL
#   would make tossd's delivery worker send events to arbitrary hosts; tests only reach loopback.
# - POST /sim/v1/reset: it wipes the fixtures the run relies on (reset is covered by the API tests).
# - /sim/v1/faults: a generated rule makes partner API calls fail on purpose (dropped connections, 502s,
#   any status), which the run would report as tossd's failures (fault rules are covered by the API tests).
# - POST /sim/v1/fixtures: a generated fixture can set a webhook or unlink-callback URL, as above (fixtures
#   are covered by the API tests).
#
# Usage: scripts/schemathesis.sh [sqlite|postgres]...   (both by default)
# Env: TOSSD_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), CARGO_TARGET_DIR,
#      ST_MAX_TIME, ST_WORKERS (default 2), ST_REPORT_DIR (default a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v st >/dev/null 2>&1; then
  echo "schemathesis: FAIL: the schemathesis CLI (st) is missing: python3 -m pip install schemathesis" >&2
  exit 1
fi

backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)
target="${CARGO_TARGET_DIR:-target}"
cargo build --quiet --locked --bin tossd
tossd="$target/debug/tossd"
pg_admin="${TOSSD_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
report_root="${ST_REPORT_DIR:-$(mktemp -d)}"
secret_key="test_sk_schemathesisschemathesis1234"

server_pid=""
pg_db=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  if [ -n "${work:-}" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

status=0
for backend in "${backends[@]}"; do
  work="$(mktemp -d)"
  case "$backend" in
    sqlite) url="sqlite://$work/tossd.db" ;;
    postgres)
      pg_db="tossd_schemathesis_$$"
      psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db" >/dev/null
      url="${pg_admin%/*}/$pg_db" ;;
    *) echo "schemathesis: unknown backend $backend" >&2; exit 2 ;;
  esac
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  base="http://127.0.0.1:$port"
  "$tossd" serve --listen "127.0.0.1:$port" --database-url "$url" --secret-key "$secret_key" \
    >"$work/tossd.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$base/healthz" >/dev/null || { echo "schemathesis: tossd did not start"; cat "$work/tossd.log"; exit 1; }

  # Fixtures: two seeded users logged in to the default app (one also holds a login access token), an
  # approved Toss Payments payment, and a BrandPay customer with an access token.
  eval "$(python3 - "$base" "$secret_key" <<'PY'
import base64, json, sys, urllib.request
base, secret = sys.argv[1], sys.argv[2]
basic = "Basic " + base64.b64encode((secret + ":").encode()).decode()
def call(path, body=None, auth=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"content-type": "application/json", **({"authorization": auth} if auth else {})})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
call("/sim/v1/login", {"userKey": 123456789})
login = call("/sim/v1/login", {"userKey": 443731103})
tokens = call("/api-partner/v1/apps-in-toss/user/oauth2/generate-token",
              {"authorizationCode": login["authorizationCode"], "referrer": login["referrer"]})
payment = call("/sim/v1/payments", {"orderId": "schemathesis-order-1", "orderName": "fixture", "amount": 50000})
code = call("/v1/brandpay/terms/agree", {"customerKey": "schemathesis-customer", "scope": ["REGISTER"],
                                         "termsId": [1, 2, 3, 4]}, basic)["code"]
brandpay = call("/v1/brandpay/authorizations/access-token", {"grantType": "AuthorizationCode",
                "customerKey": "schemathesis-customer", "code": code}, basic)
print(f"export ST_LOGIN_TOKEN={tokens['success']['accessToken']}")
print(f"export ST_PAYMENT_KEY={payment['paymentKey']} ST_ORDER_ID={payment['orderId']}")
print(f"export ST_CUSTOMER_KEY=schemathesis-customer ST_BRANDPAY_TOKEN={brandpay['accessToken']}")
PY
  )"
  export ST_SECRET_KEY="$secret_key"

  echo "schemathesis: $backend: testing $base"
  report="$report_root/$backend"
  mkdir -p "$report"
  set +e
  st --config-file schemathesis.toml run "$base/openapi.json" \
    --exclude-path-regex '^/sim/v1/(merchants/[^/]+/webhook|apps/[^/]+/unlink-callback|reset|faults(/[^/]+)?|fixtures)$' \
    --workers "${ST_WORKERS:-2}" --max-time "${ST_MAX_TIME:-75}" --no-color \
    --report ndjson --report-dir "$report" >"$report/output.txt" 2>&1
  rc=$?
  set -e
  sed -n '/SUMMARY/,$p' "$report/output.txt"
  # The figures: operations tested, requests sent (one per test case), failed checks.
  python3 - "$report" "$backend" <<'PY'
import glob, json, re, sys
report, backend = sys.argv[1], sys.argv[2]
requests = failures = 0
for path in glob.glob(report + "/*.ndjson"):
    for line in open(path):
        finished = json.loads(line).get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder", {})
        requests += len(recorder.get("interactions", {}))
        for checks in recorder.get("checks", {}).values():
            failures += sum(1 for c in checks if str(c.get("status")).lower() == "failure")
tested = re.search(r"Tested: (\d+)", open(report + "/output.txt").read())
print(f"schemathesis: {backend}: operations {tested.group(1) if tested else '?'}, requests {requests}, "
      f"failed checks {failures}")
PY
  if [ "$rc" -ne 0 ]; then
    echo "schemathesis: $backend: FAIL (exit $rc); the full output:" >&2
    cat "$report/output.txt" >&2
    echo "--- tossd log (errors) ---" >&2
    grep -E "ERROR|panic" "$work/tossd.log" | tail -50 >&2 || true
    status=1
  fi
  cleanup
  server_pid=""; pg_db=""; work=""
done
exit "$status"
