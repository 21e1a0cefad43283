# Folds `perf script -F comm,ip,sym,dso` output of tossd into a summary (scripts/bench.sh profile):
#   1. where the CPU was: every sample charged to one category by its innermost frame (kernel samples by
#      their system call; Rust frames of core/alloc/std look one frame further out), per thread kind;
#   2. the request's stages: share of samples whose stack contains the stage's function (inclusive).

function crate_of(sym,   s) {
  s = sym
  sub(/^[<&*]+/, "", s)
  sub(/^(dyn|const|mut) /, "", s)
  sub(/^[<&*]+/, "", s)
  if (match(s, /^[A-Za-z_][A-Za-z0-9_]*::/)) return substr(s, 1, RLENGTH - 2)
  return ""
}

# The category of one user-space frame, or "" to look at the next frame out.
function user_category(sym, dso,   c) {
  if (dso ~ /libc\.so|ld-linux|libgcc|libm\.so/) {
    if (sym ~ /malloc|free|realloc|calloc|^_int_|tcache|arena|unlink_chunk|^cfree/) return "libc: malloc and free"
    if (sym ~ /^__mem|^mem|^__strlen|^strlen/) return "libc: memcpy, memmove, memset"
    return "libc: other (syscall stubs, pthread)"
  }
  if (sym ~ /\[unknown\]/) return ""
  c = crate_of(sym)
  if (c == "") {
    if (sym ~ /^ring_|^GFp|^CRYPTO|^OPENSSL/) return "crypto (ring)"
    if (sym ~ /^_ZN|^rust_|^__rust|^__rdl|^__rg/) return ""
    return "SQLite engine (C)"
  }
  if (c ~ /^(core|alloc|std|__rustc)$/) return ""
  if (sym ~ /sqlx_(core|sqlite|postgres)::any|AnyConnectionBackend|AnyRow|AnyValue|AnyArguments|AnyTypeInfo/)
    return "sqlx Any layer (AnyRow, AnyValue, arguments)"
  if (c ~ /^(sqlx_sqlite|flume|libsqlite3_sys)$/) return "sqlx-sqlite driver and its worker channel"
  if (c ~ /^sqlx/) return "sqlx core: pool, executor, query"
  if (c ~ /^(serde|serde_json|serde_core|ryu|itoa)$/) return "serde / serde_json"
  if (c ~ /^(hyper|hyper_util|http|httparse|http_body|http_body_util|bytes)$/) return "hyper / http"
  if (c ~ /^(axum|axum_core|tower|tower_http|tower_layer|tower_service|matchit)$/) return "axum / tower"
  if (c ~ /^(tokio|mio|futures_util|futures_core|futures_channel|futures_task|parking_lot|parking_lot_core|crossbeam_queue|crossbeam_utils|event_listener|lock_api)$/)
    return "tokio runtime, futures, locks"
  if (c ~ /^(tracing|tracing_core|tracing_subscriber|prometheus_client|sharded_slab)$/) return "tracing, metrics"
  if (c ~ /^(sha2|hmac|digest|base64|subtle|aes_gcm|rsa|ring)$/) return "crypto, base64"
  if (c == "tossd") return "tossd's own code"
  return "other crates (hashbrown, chrono, percent_encoding, ...)"
}

function kernel_category(chain,   call) {
  if (match(chain, /__(x64|ia32)_sys_[a-z0-9_]+/)) {
    call = substr(chain, RSTART, RLENGTH)
    sub(/^__(x64|ia32)_sys_/, "", call)
    if (call ~ /^futex/) return "kernel: futex (thread wake-ups and waits)"
    if (call ~ /^epoll/) return "kernel: epoll (tokio's I/O driver)"
    if (call ~ /^(recvfrom|sendto|recvmsg|sendmsg|read|write|writev|readv|accept4|shutdown|close)$/)
      return "kernel: socket read/write (HTTP)"
    if (call ~ /^(pread64|pwrite64|fsync|fdatasync|openat|fcntl|lseek|ftruncate|fstat|newfstatat|stat)$/)
      return "kernel: file I/O (SQLite)"
    return "kernel: other system calls (" call ")"
  }
  return "kernel: preemption, interrupts (no system call)"
}

function thread_kind(comm) {
  if (comm ~ /^tokio-rt/) return "tokio"
  if (comm ~ /^sqlx-sqlite/) return "sqlite"
  return "other"
}

function flush(   cat, i, kind, s) {
  if (n == 0) return
  kind = thread_kind(comm)
  total++
  by_kind[kind]++
  if (dsos[1] ~ /kernel/) {
    cat = kernel_category(chain)
  } else {
    cat = ""
    for (i = 1; i <= n && cat == ""; i++) {
      if (dsos[i] ~ /kernel/) continue
      cat = user_category(syms[i], dsos[i])
    }
    if (cat == "") cat = "unattributed (stack ends in core/alloc/std)"
  }
  count[cat]++
  count_kind[cat SUBSEP kind]++
  for (s in stage_re) if (chain ~ stage_re[s]) stage[s]++
  n = 0
  chain = ""
}

BEGIN {
  stage_re["1 Basic auth: merchant_by_secret_key (hash + key query)"] = "tossd::tosspayments::auth::merchant_by_secret_key"
  stage_re["2 payment read: store::payments::find (query + decode)"] = "tossd::store::payments::find"
  stage_re["2b   of which the row's JSON decode (payments::from_row)"] = "tossd::store::payments::from_row"
  stage_re["3 clock read: Clock::now (a query)"] = "tossd::clock::Clock::now"
  stage_re["4 response: payment_response (JSON encode)"] = "tossd::tosspayments::payments::payment_response"
  stage_re["1b   of which hashing the secret key (secrets::hash)"] = "tossd::domain::secrets::hash"
}

/^[^\t ]/ { flush(); comm = $0; sub(/ +$/, "", comm); next }
/^\t/ {
  line = $0
  sub(/^\t *[0-9a-f]+ /, "", line)
  dso = line
  sub(/^.* \(/, "", dso)
  sub(/\)$/, "", dso)
  sym = line
  sub(/ \([^()]*\)$/, "", sym)
  sub(/\+0x[0-9a-f]+$/, "", sym)
  n++
  syms[n] = sym
  dsos[n] = dso
  chain = chain "\n" sym
  next
}
/^$/ { flush() }

END {
  flush()
  printf "%d samples of tossd: tokio worker threads %.1f%%, sqlx-sqlite worker threads %.1f%%, other %.1f%%\n\n", \
    total, 100 * by_kind["tokio"] / total, 100 * by_kind["sqlite"] / total, 100 * by_kind["other"] / total
  printf "Where the CPU was (self time; %% of all samples)            all   tokio  sqlite\n"
  cmd = "sort -r | cut -d'|' -f2-"
  for (c in count)
    printf "%09.4f|  %-56s %6.1f  %6.1f  %6.1f\n", 100 * count[c] / total, c, 100 * count[c] / total, \
      100 * count_kind[c SUBSEP "tokio"] / total, 100 * count_kind[c SUBSEP "sqlite"] / total | cmd
  close(cmd)
  printf "\nStages of the request on the tokio threads (inclusive; %% of all samples)\n"
  cmd = "sort"
  for (s in stage_re) printf "  %-60s %5.1f\n", s, 100 * stage[s] / total | cmd
  close(cmd)
}
