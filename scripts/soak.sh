#!/usr/bin/env bash
# tossd's kill -9 soak (docs/soak.md): `tossd serve` killed with SIGKILL under a mixed write load, cycle
# after cycle, then every acknowledged write read back and every exactly-once operation checked. Not run
# in CI (minutes per backend); run it after touching the store, the outbox or an idempotent operation.
#
#   bash scripts/soak.sh                  # 10 cycles on SQLite, then 10 on PostgreSQL
#   SOAK_CYCLES=3 SOAK_BACKENDS=sqlite bash scripts/soak.sh
#
# It builds the release binaries (tossd and the helper tossd-bench, feature `bench`), starts PostgreSQL if
# it is down, then per backend runs `tossd-bench soak` on a fresh database (SQLite: a new temp file;
# PostgreSQL: a new database, dropped afterwards) and prints one table. It exits 1 when any acknowledged
# write was lost, any exactly-once invariant broke, or tossd refused a well-formed write.
#
# Environment:
#   SOAK_CYCLES       kill -9 cycles per backend (default 10)
#   SOAK_CONNECTIONS  concurrent writers (default 16)
#   SOAK_MIN_MS, SOAK_MAX_MS  the load runs a random time between these before each kill (default 1000, 4000)
#   SOAK_BACKENDS     "sqlite postgres" (default), or one of them
#   TOSSD_TEST_POSTGRES_URL  a database on the server to use (default postgres://postgres@127.0.0.1:5432/test)
#   CARGO_TARGET_DIR  where cargo builds (default ./target)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ROOT=$PWD

CYCLES=${SOAK_CYCLES:-10}
CONNS=${SOAK_CONNECTIONS:-16}
MIN_MS=${SOAK_MIN_MS:-1000}
MAX_MS=${SOAK_MAX_MS:-4000}
BACKENDS=${SOAK_BACKENDS:-sqlite postgres}
PG_ADMIN_URL=${TOSSD_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
for n in "$CYCLES" "$CONNS" "$MIN_MS" "$MAX_MS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "soak: SOAK_CYCLES, SOAK_CONNECTIONS, SOAK_MIN_MS and SOAK_MAX_MS are whole numbers" >&2; exit 2; }
done
((MIN_MS <= MAX_MS)) || { echo "soak: SOAK_MIN_MS is larger than SOAK_MAX_MS" >&2; exit 2; }

die() { echo "soak: FAIL: $*" >&2; exit 1; }
note() { echo "soak: $*" >&2; }
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

# --- clean-up: every database created is dropped on exit, also on failure or Ctrl-C -------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tossd-soak.XXXXXX")
PG_DBS=()
HELPER=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # tossd-bench kills the tossd it started when it ends; this catches one left by an interrupted run.
  pkill -KILL -f "$WORK/" 2>/dev/null || true
  drop_recorded_databases
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ " $BACKENDS " == *" postgres "* ]]; then
  ensure_postgres "or set SOAK_BACKENDS=sqlite"
fi

note "building (release): tossd and tossd-bench"
cargo build --quiet --release --features bench --bin tossd --bin tossd-bench
HELPER=$TARGET_DIR/release/tossd-bench
# A copy under the work directory, so clean-up can find a tossd this run started by its path.
cp "$TARGET_DIR/release/tossd" "$WORK/tossd"

declare -A R
FAILED=0
for backend in $BACKENDS; do
  case "$backend" in
    sqlite) url="sqlite://$WORK/soak.db" ;;
    postgres)
      name="tossd_soak_$$_$(date +%s)"
      "$HELPER" pg-create --admin-url "$PG_ADMIN_URL" --name "$name" || die "could not create database $name"
      PG_DBS+=("$name")
      url="${PG_ADMIN_URL%/*}/$name"
      ;;
    *) die "unknown backend $backend in SOAK_BACKENDS" ;;
  esac
  note "$backend: $CYCLES cycles of kill -9 under $CONNS writers ($MIN_MS–$MAX_MS ms each)"
  t0=$SECONDS
  out=$("$HELPER" soak --tossd "$WORK/tossd" --database-url "$url" --cycles "$CYCLES" \
    --connections "$CONNS" --min-ms "$MIN_MS" --max-ms "$MAX_MS" --log "$WORK/tossd-$backend.log") \
    || { tail -n 20 "$WORK/tossd-$backend.log" >&2; die "the soak failed on $backend"; }
  line=$(grep '^SOAK ' <<<"$out") || die "the soak printed no result on $backend: $out"
  for kv in ${line#SOAK }; do R[$backend.${kv%%=*}]=${kv#*=}; done
  R[$backend.seconds]=$((SECONDS - t0))
  for key in lost violations refused; do
    [[ ${R[$backend.$key]} == 0 ]] || FAILED=1
  done
done

echo
echo "tossd kill -9 soak — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "$CYCLES cycles per backend, $CONNS writers, killed after $MIN_MS–$MAX_MS ms of load"
printf '%-10s %7s %13s %9s %16s %5s %11s %8s %8s\n' backend cycles acknowledged in_doubt in_doubt_applied lost violations refused seconds
for backend in $BACKENDS; do
  printf '%-10s %7s %13s %9s %16s %5s %11s %8s %8s\n' "$backend" "${R[$backend.cycles]}" \
    "${R[$backend.acknowledged]}" "${R[$backend.in_doubt]}" "${R[$backend.in_doubt_applied]}" \
    "${R[$backend.lost]}" "${R[$backend.violations]}" "${R[$backend.refused]}" "${R[$backend.seconds]}"
done
((FAILED == 0)) || die "an acknowledged write was lost, an exactly-once invariant broke, or a write was refused (see above)"
