//! `tossd-bench`: the helper programs of `scripts/bench.sh` (see docs/benchmarks.md). The script runs the
//! external load generator (wrk) and calls these for what wrk cannot do:
//!
//! - `static-body`: row (a), the HTTP stack's limit — axum + hyper served as tossd serves them, no tossd
//!   middleware, answering a fixed body;
//! - `store`: row (g), the storage commit limit — one-row insert + update per transaction through
//!   `tossd::store::Db` (the same pragmas and pools as tossd), on a scratch table it creates and drops;
//! - `drive`: rows (e) and (f), multi-step flows at fixed concurrency (wrk's model: N connections, each
//!   sending its next request when the last answered), with the latency of whole flows;
//! - `setup`: the fixtures (keys, a payment, a logged-in user and token, a BrandPay customer and card);
//! - `commits`: durable commits per operation, counted in SQLite's write-ahead log;
//! - `drain`: a backlog of due webhook events delivered to one local receiver by one or more tossd
//!   processes on one database (events/s, delay from due to delivered, duplicates);
//! - `soak`: kill -9 of `tossd serve` under a mixed write load, cycle after cycle, then every acknowledged
//!   write read back (scripts/soak.sh, docs/benchmarks.md);
//! - `wait-healthy`, `free-port`, `pg-create`, `pg-drop`: plumbing the script needs without curl or psql.
//!
//! Every measuring command prints one line `BENCH key=value …`, the format of scripts/bench/wrk.lua
//! (`drain` prints `DRAIN key=value …`).

mod drain;
mod driver;
mod setup;
mod soak;
mod static_body;
mod store;
mod wal;

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tossd-bench", about = "helper programs of scripts/bench.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves GET /v1/payments/{paymentKey} with a fixed JSON body of BYTES bytes until killed.
    StaticBody {
        #[arg(long)]
        listen: SocketAddr,
        #[arg(long)]
        bytes: usize,
    },
    /// Commits one-row insert + update transactions from CONNECTIONS tasks for SECONDS.
    Store {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        seconds: f64,
        #[arg(long)]
        connections: usize,
    },
    /// Creates the fixtures on a running tossd and prints them as KEY=VALUE lines.
    Setup {
        #[arg(long)]
        base: String,
    },
    /// Runs FLOW from CONNECTIONS concurrent callers for SECONDS.
    Drive {
        #[command(flatten)]
        target: driver::Target,
        #[arg(long, value_enum)]
        flow: driver::Flow,
        #[arg(long)]
        seconds: f64,
        #[arg(long)]
        connections: usize,
    },
    /// Runs each operation OPS times one after another and prints its commits in SQLite's WAL.
    Commits {
        #[command(flatten)]
        target: driver::Target,
        /// The database file tossd serves (its `-wal` file is read).
        #[arg(long)]
        database: std::path::PathBuf,
        #[arg(long, default_value_t = 40)]
        ops: usize,
    },
    /// Makes a backlog of EVENTS due webhook events on the tossd processes at BASE (one or more on one
    /// database) and times its delivery to a local receiver.
    Drain {
        /// A tossd process; repeat for several on one database (events are spread over them).
        #[arg(long = "base", required = true)]
        bases: Vec<String>,
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        /// Concurrent callers recording the backlog.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// The clock advance that makes every first retry due: 60 times tossd's --webhook-retry-scale.
        #[arg(long, default_value_t = 60)]
        advance_seconds: i64,
    },
    /// Kills tossd with SIGKILL under a mixed write load CYCLES times, then reads every acknowledged write
    /// back; prints `SOAK cycles=… acknowledged=… lost=… violations=…`.
    Soak(soak::Options),
    /// Polls URL until it answers 200; prints the milliseconds since SINCE (epoch seconds, as bash's
    /// $EPOCHREALTIME gives them).
    WaitHealthy {
        #[arg(long)]
        url: String,
        #[arg(long)]
        since: f64,
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
    },
    /// Prints a free TCP port on 127.0.0.1.
    FreePort,
    /// Creates database NAME on the server of ADMIN_URL.
    PgCreate {
        #[arg(long)]
        admin_url: String,
        #[arg(long)]
        name: String,
    },
    /// Drops database NAME (if it exists) on the server of ADMIN_URL.
    PgDrop {
        #[arg(long)]
        admin_url: String,
        #[arg(long)]
        name: String,
    },
}

/// What a measuring command reports: the operations that succeeded, their latencies and the failures.
pub struct Stats {
    pub latencies_us: Vec<u64>,
    pub elapsed: Duration,
    pub errors: u64,
}

impl Stats {
    /// One `BENCH` line, the keys scripts/bench/wrk.lua prints.
    pub fn print(mut self) {
        self.latencies_us.sort_unstable();
        let pct = |p: f64| -> u64 {
            if self.latencies_us.is_empty() {
                return 0;
            }
            let rank = ((self.latencies_us.len() as f64) * p).ceil() as usize;
            self.latencies_us[rank.clamp(1, self.latencies_us.len()) - 1]
        };
        println!(
            "BENCH requests={} seconds={:.3} p50_us={} p99_us={} errors={} non2xx=0",
            self.latencies_us.len(),
            self.elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            self.errors
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::StaticBody { listen, bytes } => static_body::serve(listen, bytes).await,
        Command::Store {
            database_url,
            seconds,
            connections,
        } => {
            store::run(&database_url, Duration::from_secs_f64(seconds), connections)
                .await?
                .print();
            Ok(())
        }
        Command::Setup { base } => setup::run(&base).await,
        Command::Drive {
            target,
            flow,
            seconds,
            connections,
        } => {
            driver::drive(&target, flow, Duration::from_secs_f64(seconds), connections)
                .await?
                .print();
            Ok(())
        }
        Command::Commits {
            target,
            database,
            ops,
        } => driver::commits(&target, &database, ops).await,
        Command::Drain {
            bases,
            events,
            connections,
            advance_seconds,
        } => drain::run(&bases, events, connections, advance_seconds).await,
        Command::Soak(options) => soak::run(options).await,
        Command::WaitHealthy {
            url,
            since,
            timeout,
        } => wait_healthy(&url, since, Duration::from_secs_f64(timeout)).await,
        Command::FreePort => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            println!("{}", listener.local_addr()?.port());
            Ok(())
        }
        Command::PgCreate { admin_url, name } => {
            admin(
                &admin_url,
                &format!("CREATE DATABASE {}", identifier(&name)?),
            )
            .await
        }
        Command::PgDrop { admin_url, name } => {
            admin(
                &admin_url,
                &format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    identifier(&name)?
                ),
            )
            .await
        }
    }
}

async fn wait_healthy(url: &str, since: f64, timeout: Duration) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(url).send().await {
            if response.status().is_success() {
                let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64();
                println!("{:.1}", (now - since) * 1e3);
                return Ok(());
            }
        }
        anyhow::ensure!(
            started.elapsed() < timeout,
            "{url} did not answer 200 within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// A database name made only of `[a-z0-9_]`, so it can be spliced into DDL.
fn identifier(name: &str) -> anyhow::Result<&str> {
    anyhow::ensure!(
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "database name {name:?} must be [a-z0-9_]+"
    );
    Ok(name)
}

async fn admin(admin_url: &str, statement: &str) -> anyhow::Result<()> {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
        .with_context(|| format!("connecting to {admin_url}"))?;
    pool.execute(statement)
        .await
        .with_context(|| statement.to_owned())?;
    pool.close().await;
    Ok(())
}
