//! Storage: one code base over SQLite and PostgreSQL.
//!
//! Queries are written once in the SQL both engines understand (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`) and run through sqlx's `Any` driver. Values are kept to the types both engines and the
//! driver agree on: BIGINT (times in microseconds, amounts, 0/1 flags) and TEXT. Where the dialects really
//! differ (row locks, DDL) [`Db::backend`] says which one we talk to.

pub mod seed;

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Row, Transaction};

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database: cheap to clone.
#[derive(Clone)]
pub struct Db {
    reader: AnyPool,
    writer: AnyPool,
    backend: Backend,
}

pub type Tx = Transaction<'static, Any>;

/// One migration: `migrations/NNNN_name.sql`, written once for both engines. Its only dialect word is
/// `AUTO_ID`, an auto-incrementing BIGINT key (`INTEGER PRIMARY KEY` on SQLite, `BIGSERIAL PRIMARY KEY`
/// on PostgreSQL).
macro_rules! migration {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../migrations/", $name, ".sql")),
        )
    };
}

/// Every migration (applied in version order). Each area adds one line.
const MIGRATIONS: &[(&str, &str)] = &[
    migration!("0001_foundation"),
    migration!("0002_outbox"),
    migration!("0003_webhooks"),
    migration!("0004_login"),
    migration!("0005_pay"),
    migration!("0006_promotions_messages"),
    migration!("0007_brandpay"),
    migration!("0008_payments"),
    migration!("0009_identity"),
    migration!("0010_checkout"),
];

/// Tables that survive `POST /sim/v1/reset`: the migration history and instance secrets (the JWT signing
/// key must outlive resets so cached JWKS stay valid) and the local CA (issued certificates stay trusted).
const KEPT_BY_RESET: &[&str] = &["_sqlx_migrations", "instance", "tls_authority"];

impl Db {
    /// Opens `url` (`sqlite://…` or `postgres://…`), creating a SQLite file if needed, and runs migrations.
    pub async fn open(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite://FILE or postgres://…");
        };
        let db = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
                // One writer connection serialises writes inside the process (SQLite allows one writer
                // anyway); readers run beside it thanks to WAL.
                let writer = sqlite_pool(1).connect_with(options.clone()).await?;
                let reader = sqlite_pool(4).connect_with(options).await?;
                Db {
                    reader,
                    writer,
                    backend,
                }
            }
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Db {
                    reader: pool.clone(),
                    writer: pool,
                    backend,
                }
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads that need no transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// The pool for single-statement writes (each its own transaction).
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            // IMMEDIATE takes SQLite's write lock up front, so another process writing the same file
            // (say `tossd apps create` beside `tossd serve`) makes this wait (busy_timeout) instead of
            // failing when a read-then-write transaction tries to upgrade its lock.
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, where the write transaction already excludes others.
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let mut migrations = MIGRATIONS
            .iter()
            .map(|(name, sql)| {
                let (version, description) =
                    name.split_once('_').expect("migration names are NNNN_name");
                let sql = sql.replace(
                    "AUTO_ID",
                    match self.backend {
                        Backend::Sqlite => "INTEGER PRIMARY KEY",
                        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
                    },
                );
                Migration::new(
                    version.parse().expect("migration versions are numbers"),
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Owned(sql),
                    false,
                )
            })
            .collect::<Vec<_>>();
        migrations.sort_by_key(|m| m.version);
        // `locking` takes PostgreSQL's advisory lock, so processes starting together migrate once.
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        // SQLite has no advisory lock: when two processes open one new file together (say `tossd serve`
        // and `tossd apps create`), the loser's migration fails; it waits and finds them applied.
        let mut attempt = 0;
        loop {
            match migrator.run(&self.writer).await {
                Ok(()) => return Ok(()),
                Err(e) if self.backend == Backend::Sqlite && attempt < 10 => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "migration raced another process; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Deletes every row of every table except those in [`KEPT_BY_RESET`], in one transaction.
    pub async fn wipe(&self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        let list_sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            Backend::Postgres => {
                "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = current_schema()"
            }
        };
        let tables: Vec<String> = sqlx::query(list_sql)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| row.get::<String, _>(0))
            .filter(|t| !KEPT_BY_RESET.contains(&t.as_str()))
            .collect();
        match self.backend {
            Backend::Sqlite => {
                for table in &tables {
                    tx.execute(format!("DELETE FROM \"{table}\"").as_str())
                        .await?;
                }
            }
            Backend::Postgres => {
                if !tables.is_empty() {
                    let list = tables
                        .iter()
                        .map(|t| format!("\"{t}\""))
                        .collect::<Vec<_>>()
                        .join(", ");
                    tx.execute(format!("TRUNCATE {list} RESTART IDENTITY").as_str())
                        .await?;
                }
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

fn sqlite_pool(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // FULL keeps every commit durable in WAL mode (NORMAL may lose the last ones on power loss).
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;",
                )
                .await?;
                Ok(())
            })
        })
}

/// `sqlite://tossd.db` → the same URL with `mode=rwc`, so a missing file is created.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// A 0/1 flag column as a bool.
pub fn flag(value: i64) -> bool {
    value != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_named_by_version_once_each() {
        let mut versions: Vec<i64> = MIGRATIONS
            .iter()
            .map(|(name, _)| {
                name.split_once('_')
                    .and_then(|(v, _)| v.parse().ok())
                    .expect(name)
            })
            .collect();
        let count = versions.len();
        versions.dedup();
        assert_eq!(versions.len(), count, "two migrations share a version");
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(
            sqlite_url("sqlite://tossd.db"),
            "sqlite://tossd.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url("sqlite://a.db?cache=shared"),
            "sqlite://a.db?cache=shared&mode=rwc"
        );
        assert_eq!(sqlite_url("sqlite://a.db?mode=ro"), "sqlite://a.db?mode=ro");
    }
}
