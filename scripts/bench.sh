#!/usr/bin/env bash
# tossd's benchmark, side by side in one run (docs/benchmarks.md). Not run in CI.
#
#   bash scripts/bench.sh              # rows (a)–(g) on SQLite and PostgreSQL: wrk -t2 -c32 -d10s each,
#                                      # then the webhook drain (10,000 events; 1 process, and 2 on PostgreSQL)
#   BENCH_SECONDS=3 bash scripts/bench.sh
#   bash scripts/bench.sh drain        # the webhook drain only
#   bash scripts/bench.sh profile      # perf profile of the payment lookup (b) on SQLite
#
# It builds the release binaries (tossd and the helper tossd-bench, feature `bench`), installs wrk with
# apt-get if it is missing, starts PostgreSQL if it is down, then per backend: starts tossd on a fresh
# database (SQLite: a new temp file; PostgreSQL: a new database, dropped afterwards), creates the
# fixtures, and measures every row at fixed concurrency. Everything it started is stopped and every
# database it created is dropped on exit, also on failure or Ctrl-C.
#
# Environment:
#   BENCH_SECONDS      seconds per row (default 10)
#   BENCH_CONNECTIONS  concurrent connections / callers (default 32)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_BACKENDS     "sqlite postgres" (default), or one of them
#   BENCH_DRAIN_EVENTS events in the drain's backlog (default 10000)
#   TOSSD_TEST_POSTGRES_URL  a database on the server to use (default postgres://postgres@127.0.0.1:5432/test)
#   CARGO_TARGET_DIR   where cargo builds (default ./target)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=${1:-run}
case "$MODE" in
  run | drain | profile) ;;
  *) echo "usage: bash scripts/bench.sh [drain|profile]" >&2; exit 2 ;;
esac
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
DRAIN_EVENTS=${BENCH_DRAIN_EVENTS:-10000}
PG_ADMIN_URL=${TOSSD_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
LUA=$ROOT/scripts/bench/wrk.lua
for n in "$SECS" "$CONNS" "$THREADS" "$DRAIN_EVENTS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_THREADS and BENCH_DRAIN_EVENTS are whole numbers" >&2; exit 2; }
done

die() { echo "bench: FAIL: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

# --- clean-up: every process started and database created is recorded here and undone on exit -------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tossd-bench.XXXXXX")
PIDS=()
PG_DBS=()
HELPER=

stop_process() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Forgets a process that has ended, so its id (possibly reused later) is never signalled.
forget() {
  local pid=$1 kept=()
  for p in ${PIDS[@]+"${PIDS[@]}"}; do [[ $p == "$pid" ]] || kept+=("$p"); done
  PIDS=(${kept[@]+"${kept[@]}"})
}

stop() {
  stop_process "$1"
  forget "$1"
}

drop_database() {
  local name=$1 kept=()
  "$HELPER" pg-drop --admin-url "$PG_ADMIN_URL" --name "$name" || note "could not drop database $name"
  for d in ${PG_DBS[@]+"${PG_DBS[@]}"}; do [[ $d == "$name" ]] || kept+=("$d"); done
  PG_DBS=(${kept[@]+"${kept[@]}"})
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do stop_process "$pid"; done
  drop_recorded_databases
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites -----------------------------------------------------------------------------------

if ! command -v wrk >/dev/null 2>&1; then
  note "installing wrk"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq && as_root apt-get install -y -qq wrk >/dev/null || true
  command -v wrk >/dev/null 2>&1 || die "wrk is missing and could not be installed"
fi

if [[ $MODE != profile && " $BACKENDS " == *" postgres "* ]]; then
  ensure_postgres "or set BENCH_BACKENDS=sqlite"
fi

if [[ $MODE == profile ]]; then
  # The release build with line tables and frame pointers (Rust and SQLite's C), so perf can attribute
  # samples and walk stacks; its own profile directory, so the release artifacts stay as shipped.
  PROFILE=profiling
  export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C force-frame-pointers=yes"
  export CFLAGS="${CFLAGS:+$CFLAGS }-fno-omit-frame-pointer"
  command -v perf >/dev/null 2>&1 || {
    note "installing perf"
    as_root apt-get update -qq && as_root apt-get install -y -qq linux-perf >/dev/null || true
  }
  command -v perf >/dev/null 2>&1 || die "perf is missing and could not be installed"
else
  PROFILE=release
fi
note "building ($PROFILE): tossd and tossd-bench"
cargo build --quiet --profile "$PROFILE" --features bench --bin tossd --bin tossd-bench
TOSSD=$TARGET_DIR/$PROFILE/tossd
HELPER=$TARGET_DIR/$PROFILE/tossd-bench

# --- measuring ---------------------------------------------------------------------------------------
declare -A R   # R[row.key]: requests seconds p50_us p99_us errors non2xx, and commits per operation

# record ROW OUTPUT: keeps the BENCH line's values of ROW.
record() {
  local row=$1 line
  line=$(grep '^BENCH ' <<<"$2") || die "row $row printed no result: $2"
  for kv in ${line#BENCH }; do R[$row.${kv%%=*}]=${kv#*=}; done
  R[$row.rps]=$(awk -v n="${R[$row.requests]}" -v s="${R[$row.seconds]}" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
  note "  ($row) ${R[$row.rps]}/s  p50 ${R[$row.p50_us]} µs  p99 ${R[$row.p99_us]} µs  errors ${R[$row.errors]}  non-2xx ${R[$row.non2xx]}"
}

# wrk_row ROW URL [wrk options]: one wrk run at the fixed concurrency.
wrk_row() {
  local row=$1 url=$2 out
  shift 2
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --timeout 10s -s "$LUA" "$@" "$url") || die "wrk failed for row $row: $out"
  record "$row" "$out"
}

# drive_row ROW FLOW: one run of the flow driver at the fixed concurrency.
drive_row() {
  local row=$1 flow=$2 out
  out=$("$HELPER" drive "${TARGET[@]}" --flow "$flow" --seconds "$SECS" --connections "$CONNS") \
    || die "the driver failed for row $row"
  record "$row" "$out"
}

# start_tossd BACKEND URL [FLAGS]: starts tossd on URL and waits for /healthz; sets TOSSD_PID, BASE,
# STARTUP_MS.
start_tossd() {
  local backend=$1 url=$2 port t0
  shift 2
  port=$("$HELPER" free-port)
  BASE=http://127.0.0.1:$port
  t0=$EPOCHREALTIME
  TOSSD_LOG=warn "$TOSSD" serve --listen "127.0.0.1:$port" --database-url "$url" "$@" \
    >"$WORK/tossd-$backend.log" 2>&1 &
  TOSSD_PID=$!
  PIDS+=("$TOSSD_PID")
  STARTUP_MS=$("$HELPER" wait-healthy --url "$BASE/healthz" --since "$t0") || {
    tail -n 20 "$WORK/tossd-$backend.log" >&2
    die "tossd did not become healthy on $backend"
  }
}

# setup_fixtures BACKEND: creates the fixtures on the running tossd; sets F[...] and TARGET (driver flags).
declare -A F
setup_fixtures() {
  local out key value
  out=$("$HELPER" setup --base "$BASE") || {
    tail -n 20 "$WORK/tossd-$1.log" >&2
    die "creating the fixtures failed on $1"
  }
  while IFS='=' read -r key value; do F[$key]=$value; done <<<"$out"
  TARGET=(--base "$BASE" --secret-key "${F[SECRET_KEY]}" --payment-key "${F[PAYMENT_KEY]}"
    --user-key "${F[USER_KEY]}" --access-token "${F[ACCESS_TOKEN]}"
    --customer-key "${F[CUSTOMER_KEY]}" --method-id "${F[METHOD_ID]}")
}

# static_row: row (a), the static-body server on its own port, then stopped.
static_row() {
  local port pid
  port=$("$HELPER" free-port)
  "$HELPER" static-body --listen "127.0.0.1:$port" --bytes "${F[LOOKUP_BYTES]}" &
  pid=$!
  PIDS+=("$pid")
  "$HELPER" wait-healthy --url "http://127.0.0.1:$port/v1/payments/static" --since "$EPOCHREALTIME" \
    --timeout 10 >/dev/null || die "the static-body server did not start"
  wrk_row a "http://127.0.0.1:$port/v1/payments/static"
  stop "$pid"
}

# bench_backend BACKEND URL SQLITE_FILE: every row on one backend; prints its table.
bench_backend() {
  local backend=$1 url=$2 file=$3 rss hwm order_prefix
  note "$backend: starting tossd on a fresh database"
  start_tossd "$backend" "$url"
  R[$backend.startup_ms]=$STARTUP_MS
  setup_fixtures "$backend"
  note "$backend: measuring for ${SECS}s per row at $CONNS connections"
  static_row
  wrk_row b "$BASE/v1/payments/${F[PAYMENT_KEY]}" -H "Authorization: ${F[BASIC_AUTH]}"
  wrk_row c "$BASE/api-partner/v1/apps-in-toss/user/oauth2/login-me" \
    -H "Authorization: Bearer ${F[ACCESS_TOKEN]}"
  order_prefix="wrk$(date +%s)"
  BENCH_ORDER_PREFIX=$order_prefix BENCH_USER_KEY=${F[USER_KEY]} wrk_row d \
    "$BASE/api-partner/v1/apps-in-toss/pay/make-payment"
  drive_row e toss-pay
  drive_row f brandpay
  drive_row b2 lookup
  if [[ -n $file ]]; then
    note "$backend: counting commits per operation in the WAL"
    local line
    line=$("$HELPER" commits "${TARGET[@]}" --database "$file") || die "counting commits failed"
    for kv in ${line#COMMITS }; do R[commits.${kv%%=*}]=${kv#*=}; done
  fi
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$TOSSD_PID/status")
  hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$TOSSD_PID/status")
  stop "$TOSSD_PID"
  note "$backend: storage commit limit"
  local out
  out=$("$HELPER" store --database-url "$url" --seconds "$SECS" --connections "$CONNS") \
    || die "the storage row failed on $backend"
  record g "$out"
  print_table "$backend" "$rss" "$hwm"
}

# fresh_database BACKEND TAG: a new database for one measurement; sets DB_URL (and DB_NAME on PostgreSQL).
fresh_database() {
  local backend=$1 tag=$2
  DB_NAME=
  case "$backend" in
    sqlite) DB_URL="sqlite://$WORK/$tag.db" ;;
    postgres)
      DB_NAME="tossd_bench_$$_$(date +%s)_$tag"
      "$HELPER" pg-create --admin-url "$PG_ADMIN_URL" --name "$DB_NAME" || die "could not create database $DB_NAME"
      PG_DBS+=("$DB_NAME")
      DB_URL="${PG_ADMIN_URL%/*}/$DB_NAME"
      ;;
    *) die "unknown backend $backend in BENCH_BACKENDS" ;;
  esac
}

# drain_row BACKEND PROCESSES: the webhook drain with PROCESSES tossd processes on one fresh database.
drain_row() {
  local backend=$1 n=$2 bases=() pids=() out line row=drain.$1.$2 i
  fresh_database "$backend" "drain$n"
  # First retries wait an hour (60 x 1 min), longer than building the backlog takes, so each event is
  # attempted once before the advance that makes them all due.
  for i in $(seq 1 "$n"); do
    start_tossd "$backend-drain$i" "$DB_URL" --webhook-retry-scale 60
    bases+=(--base "$BASE")
    pids+=("$TOSSD_PID")
  done
  note "$backend: webhook drain of $DRAIN_EVENTS events, $n process(es)"
  out=$("$HELPER" drain "${bases[@]}" --events "$DRAIN_EVENTS" --connections "$CONNS" --advance-seconds 3600) \
    || die "the drain failed on $backend with $n process(es)"
  for pid in "${pids[@]}"; do stop "$pid"; done
  [[ -z $DB_NAME ]] || drop_database "$DB_NAME"
  line=$(grep '^DRAIN ' <<<"$out") || die "the drain printed no result: $out"
  for kv in ${line#DRAIN }; do R[$row.${kv%%=*}]=${kv#*=}; done
  R[$row.rps]=$(awk -v n="${R[$row.events]}" -v s="${R[$row.seconds]}" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
  note "  drain: ${R[$row.rps]} events/s  p99 ${R[$row.p99_us]} µs  duplicates ${R[$row.duplicates]}  lost ${R[$row.lost]}"
}

print_drain_row() {
  local backend=$1 n=$2 row=drain.$1.$2 label flag=""
  case "$backend" in
    sqlite) label=SQLite ;;
    postgres) label=PostgreSQL ;;
  esac
  if [[ ${R[$row.duplicates]} != 0 || ${R[$row.lost]} != 0 || ${R[$row.over_limit]} != 0 ]]; then
    flag="  ! duplicates, lost events or claims over 64"
  fi
  printf "  %-12s %9s %10s %9s %9s %9s %10s %6s %7s %8s %10s%s\n" "$label" "$n" "${R[$row.rps]}" \
    "$(ms "${R[$row.p50_us]}")" "$(ms "${R[$row.p99_us]}")" "${R[$row.seconds]}" "${R[$row.duplicates]}" \
    "${R[$row.lost]}" "${R[$row.failed]}" "${R[$row.claims]}" "${R[$row.over_limit]}" "$flag"
}

# drain_table: the drain on every backend (1 process; PostgreSQL also 2), then its table.
drain_table() {
  local backend run runs=()
  for backend in $BACKENDS; do
    case "$backend" in
      sqlite) runs+=("sqlite 1") ;;
      postgres) runs+=("postgres 1" "postgres 2") ;;
      *) die "unknown backend $backend in BENCH_BACKENDS" ;;
    esac
  done
  for run in "${runs[@]}"; do drain_row $run; done
  {
    echo
    echo "Webhook drain: a backlog of $DRAIN_EVENTS due events to one local receiver (tossd-bench drain)"
    printf "  %-12s %9s %10s %9s %9s %9s %10s %6s %7s %8s %10s\n" backend processes "events/s" "p50 ms" "p99 ms" \
      seconds duplicates lost failed claims "over 64"
    for run in "${runs[@]}"; do print_drain_row $run; done
    echo "  delay: from the instant the whole backlog fell due (a clock advance) to each event's first arrival;"
    echo "  failed: attempts of the drain that failed (retried 4 hours later); claims: over the whole run"
  } | sed 's/ *$//' | tee -a "$WORK/report.txt"
}

# --- the report --------------------------------------------------------------------------------------
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "-" }'; }

print_row() {
  local row=$1 label=$2 ref=$3 commits=$4 flag=""
  local rps=${R[$row.rps]} use="" cpo=""
  if [[ -n $commits && -n ${R[commits.$commits]:-} ]]; then
    cpo=${R[commits.$commits]}
    use=$(awk -v r="$rps" -v c="$cpo" -v g="${R[g.rps]}" 'BEGIN { if (g > 0) printf "%.2f", r * c / g }')
  fi
  if [[ ${R[$row.errors]} != 0 || ${R[$row.non2xx]} != 0 ]]; then
    flag="  ! ${R[$row.errors]} errors, ${R[$row.non2xx]} non-2xx"
  fi
  printf "  %-4s %-52s %9s %8s %8s %8s %-3s %9s %7s%s\n" "($row)" "$label" "$rps" \
    "$(ms "${R[$row.p50_us]}")" "$(ms "${R[$row.p99_us]}")" "$(ratio "$rps" "${R[$ref.rps]}")" "($ref)" \
    "$cpo" "$use" "$flag"
}

print_table() {
  local backend=$1 rss=$2 hwm=$3 title
  case "$backend" in
    sqlite) title="SQLite (fresh temp file; WAL, synchronous=FULL, 1 writer + 4 readers)" ;;
    postgres) title="PostgreSQL (fresh database on 127.0.0.1:5432; pool of 16)" ;;
  esac
  {
    echo
    echo "$title"
    printf "  %-4s %-52s %9s %8s %8s %12s %9s %7s\n" row what "per s" "p50 ms" "p99 ms" "ratio" \
      "commits/op" "/ (g)"
    print_row a "HTTP stack: axum+hyper, static ${F[LOOKUP_BYTES]}-byte body" a ""
    print_row b "GET /v1/payments/{paymentKey}, Basic" a lookup
    print_row c "GET .../user/oauth2/login-me, Bearer" a login-me
    print_row d "POST .../pay/make-payment, new orderNo each" g make-payment
    print_row e "Toss Pay flow make->approve->execute (flows)" g toss-pay
    print_row f "BrandPay flow window->confirm (flows)" g brandpay
    print_row g "storage: insert+update per transaction (commits)" g ""
    print_row b2 "(b) through the flow driver instead of wrk" a lookup
    printf "  tossd RSS after the run: %.1f MiB (peak %.1f MiB)\n" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
      "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')"
    printf "  start-up to the first healthy /healthz on a fresh database: %s ms\n" "${R[$backend.startup_ms]}"
  } | sed 's/ *$//' | tee -a "$WORK/report.txt"
}

# --- modes -------------------------------------------------------------------------------------------
if [[ $MODE == profile ]]; then
  note "profiling (b) on SQLite: perf record -g for ${SECS}s under wrk -c$CONNS"
  start_tossd sqlite "sqlite://$WORK/profile.db"
  setup_fixtures sqlite
  # Warm up, then record tossd only while wrk loads it.
  wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: ${F[BASIC_AUTH]}" \
    "$BASE/v1/payments/${F[PAYMENT_KEY]}" >/dev/null
  perf record -g -F 999 -o "$WORK/perf.data" -p "$TOSSD_PID" -- sleep "$SECS" 2>"$WORK/perf.log" &
  PERF_PID=$!
  PIDS+=("$PERF_PID")
  wrk_row b "$BASE/v1/payments/${F[PAYMENT_KEY]}" -H "Authorization: ${F[BASIC_AUTH]}"
  wait "$PERF_PID" || { cat "$WORK/perf.log" >&2; die "perf record failed"; }
  forget "$PERF_PID"
  OUT=${BENCH_PROFILE_OUT:-$TARGET_DIR/bench-profile}
  mkdir -p "$OUT"
  cp "$WORK/perf.data" "$OUT/perf.data"
  echo
  echo "perf report --no-children --percent-limit 1 (the top 15):"
  perf report -i "$OUT/perf.data" --no-children --percent-limit 1 --stdio -g none 2>/dev/null \
    | grep -E '^ +[0-9]' | sed -n '1,15p'
  echo
  perf script -i "$OUT/perf.data" -F comm,ip,sym,dso 2>/dev/null | awk -f "$ROOT/scripts/bench/fold.awk"
  echo
  echo "perf data kept in $OUT/perf.data (perf report -i $OUT/perf.data)"
  exit 0
fi

if [[ $MODE == drain ]]; then
  echo "tossd webhook drain — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "  machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  drain_table
  echo "  load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

{
  echo "tossd benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "  machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "  load: wrk -t$THREADS -c$CONNS -d${SECS}s (rows a–d), tossd-bench drive with $CONNS callers (e, f, b2), $CONNS tasks (g); load generator on the same CPUs"
  echo "  ratio: reads against (a), writes and flows against (g); / (g) = per s x commits/op / (g)"
} | tee "$WORK/report.txt"
for backend in $BACKENDS; do
  case "$backend" in
    sqlite) bench_backend sqlite "sqlite://$WORK/sqlite.db" "$WORK/sqlite.db" ;;
    postgres)
      fresh_database postgres rows
      bench_backend postgres "$DB_URL" ""
      drop_database "$DB_NAME"
      ;;
    *) die "unknown backend $backend in BENCH_BACKENDS" ;;
  esac
done
drain_table
echo "  load average at the end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$WORK/report.txt"
if [[ -n ${R[commits.idle_per_s]:-} ]]; then
  echo "  commits/op: commit records in SQLite's WAL per operation, run one at a time (idle tossd:" \
    "${R[commits.idle_per_s]} commits/s); PostgreSQL runs the same transactions" | tee -a "$WORK/report.txt"
fi
