# Shell functions shared by scripts/bench.sh and scripts/soak.sh (sourced; they define die, note,
# PG_ADMIN_URL, HELPER and the array PG_DBS first).

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# Drops every database recorded in PG_DBS (clean-up on exit).
drop_recorded_databases() {
  [[ -n $HELPER ]] || return 0
  for name in ${PG_DBS[@]+"${PG_DBS[@]}"}; do
    "$HELPER" pg-drop --admin-url "$PG_ADMIN_URL" --name "$name" >/dev/null 2>&1 \
      || note "could not drop database $name"
  done
}

# Starts PostgreSQL if it is down (as .ci/run does); dies if it stays unreachable. $1: what to say instead.
ensure_postgres() {
  pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
  if ! pg_ready; then
    note "PostgreSQL is down; starting it"
    if command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
      as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
  pg_ready || die "PostgreSQL is not reachable at 127.0.0.1:5432 ($1)"
}
