//! Row (g): how many durable write transactions the storage commits per second with tossd's own
//! connection settings — `tossd::store::Db::open` (SQLite: WAL, `synchronous = FULL`, one writer
//! connection, `BEGIN IMMEDIATE`; PostgreSQL: the 16-connection pool) — each transaction inserting one
//! row and updating it, from the same number of concurrent callers as the HTTP rows. The scratch table
//! is created for the run and dropped after it.

use std::time::{Duration, Instant};

use sqlx::Executor;
use tossd::store::{Backend, Db};

use crate::Stats;

const TABLE: &str = "bench_commit_limit";

pub async fn run(
    database_url: &str,
    seconds: Duration,
    connections: usize,
) -> anyhow::Result<Stats> {
    let db = Db::open(database_url).await?;
    let id = match db.backend() {
        Backend::Sqlite => "INTEGER PRIMARY KEY",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    db.writer()
        .execute(format!("DROP TABLE IF EXISTS {TABLE}").as_str())
        .await?;
    db.writer()
        .execute(
            format!("CREATE TABLE {TABLE} (id {id}, worker BIGINT NOT NULL, n BIGINT NOT NULL)")
                .as_str(),
        )
        .await?;
    let outcome = measure(&db, seconds, connections).await;
    db.writer()
        .execute(format!("DROP TABLE {TABLE}").as_str())
        .await?;
    db.close().await;
    outcome
}

async fn measure(db: &Db, seconds: Duration, connections: usize) -> anyhow::Result<Stats> {
    let started = Instant::now();
    let deadline = started + seconds;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..connections {
        let db = db.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match commit_one(&db, worker as i64).await {
                    Ok(()) => latencies.push(t.elapsed().as_micros() as u64),
                    Err(e) => {
                        errors += 1;
                        if errors == 1 {
                            eprintln!("store: commit failed: {e}");
                        }
                    }
                }
            }
            (latencies, errors)
        });
    }
    let mut stats = Stats {
        latencies_us: Vec::new(),
        elapsed: Duration::ZERO,
        errors: 0,
    };
    while let Some(part) = tasks.join_next().await {
        let (latencies, errors) = part?;
        stats.latencies_us.extend(latencies);
        stats.errors += errors;
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}

async fn commit_one(db: &Db, worker: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO {TABLE} (worker, n) VALUES ($1, 0) RETURNING id"
    ))
    .bind(worker)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(&format!("UPDATE {TABLE} SET n = n + 1 WHERE id = $1"))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
