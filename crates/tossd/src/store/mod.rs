//! Storage: one code base over SQLite and PostgreSQL.
//!
//! Queries are written once in the SQL both engines understand (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`) and run through sqlx's `Any` driver. Values are kept to the types both engines and the
//! driver agree on: BIGINT (times in microseconds, amounts, 0/1 flags) and TEXT. Where the dialects really
//! differ (row locks, DDL) [`Db::backend`] says which one we talk to.

pub mod apps;
pub mod brandpay;
pub mod brandpay_sdk;
pub mod clock;
pub mod faults;
pub mod fixtures;
pub mod iap;
pub mod identity;
pub mod inline;
pub mod journal;
pub mod merchants;
pub mod messages;
pub mod outbox;
pub mod pay;
pub mod payments;
pub mod promotions;
pub mod rate_limits;
pub mod users;

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, ColumnIndex, ConnectOptions, Executor, Row, Transaction};

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
    /// SQLite files only: the per-request reads that run on the calling thread.
    inline: Option<Arc<inline::InlineReader>>,
}

pub type Tx = Transaction<'static, Any>;

/// One migration: `migrations/NNNN_name.sql`, written once for both engines. Its only dialect word is
/// `AUTO_ID`, an auto-incrementing BIGINT key (`INTEGER PRIMARY KEY` on SQLite, `BIGSERIAL PRIMARY KEY`
/// on PostgreSQL). Where the engines cannot share one text (triggers), `per_engine` takes
/// `NNNN_name.sqlite.sql` and `NNNN_name.postgres.sql` under one version.
macro_rules! migration {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../migrations/", $name, ".sql")),
            include_str!(concat!("../../migrations/", $name, ".sql")),
        )
    };
    (per_engine $name:literal) => {
        (
            $name,
            include_str!(concat!("../../migrations/", $name, ".sqlite.sql")),
            include_str!(concat!("../../migrations/", $name, ".postgres.sql")),
        )
    };
}

/// Every migration (applied in version order): name, SQLite text, PostgreSQL text. Each area adds one line.
const MIGRATIONS: &[(&str, &str, &str)] = &[
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
    migration!("0011_config_epoch"),
    migration!(per_engine "0012_config_epoch_triggers"),
    migration!(per_engine "0013_faults"),
    migration!("0014_fixture_steps"),
    migration!("0015_brandpay_redirect_urls"),
    migration!("0016_request_journal"),
];

/// Tables that survive `POST /sim/v1/reset`: the migration history and instance secrets (the JWT signing
/// key must outlive resets so cached JWKS stay valid), the local CA (issued certificates stay trusted) and
/// the configuration epoch and the fault rules' generation (they only ever grow, so no process mistakes
/// post-reset data for cached data).
const KEPT_BY_RESET: &[&str] = &[
    "_sqlx_migrations",
    "instance",
    "tls_authority",
    "config_epoch",
    "fault_generation",
];

/// How many connections a process opens and how long a request waits for one.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// PostgreSQL's pool size; on SQLite one writer plus `max_connections - 1` readers, at most
    /// [`SQLITE_MAX_READERS`].
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// More SQLite readers than cores only queue on the same CPUs.
pub const SQLITE_MAX_READERS: u32 = 4;

impl Default for PoolSettings {
    fn default() -> PoolSettings {
        PoolSettings {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl Db {
    /// [`Db::open_with`] the default pool settings (the command-line tools).
    pub async fn open(url: &str) -> anyhow::Result<Db> {
        Db::open_with(url, PoolSettings::default()).await
    }

    /// Opens `url` (`sqlite://…` or `postgres://…`), creating a SQLite file if needed, and runs migrations.
    pub async fn open_with(url: &str, pool: PoolSettings) -> anyhow::Result<Db> {
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
                create_private_file(&url)?;
                let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
                // One writer connection serialises writes inside the process (SQLite allows one writer
                // anyway); readers run beside it thanks to WAL.
                let readers = pool
                    .max_connections
                    .saturating_sub(1)
                    .clamp(1, SQLITE_MAX_READERS);
                let writer = sqlite_pool(1, pool.acquire_timeout)
                    .connect_with(options.clone())
                    .await?;
                let reader = sqlite_pool(readers, pool.acquire_timeout)
                    .connect_with(options)
                    .await?;
                Db {
                    reader,
                    writer,
                    backend,
                    inline: inline::InlineReader::for_url(&url).map(Arc::new),
                }
            }
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
                let pool = AnyPoolOptions::new()
                    .max_connections(pool.max_connections)
                    .acquire_timeout(pool.acquire_timeout)
                    .connect_with(options)
                    .await?;
                Db {
                    reader: pool.clone(),
                    writer: pool,
                    backend,
                    inline: None,
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

    /// The reader that runs on the calling thread (SQLite files), for the per-request hot reads.
    pub(crate) fn inline(&self) -> Option<&inline::InlineReader> {
        self.inline.as_deref()
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
            .map(|(name, sqlite_sql, postgres_sql)| {
                let (version, description) = name
                    .split_once('_')
                    .ok_or_else(|| anyhow::anyhow!("migration {name} is not named NNNN_name"))?;
                let sql = match self.backend {
                    Backend::Sqlite => sqlite_sql.replace("AUTO_ID", "INTEGER PRIMARY KEY"),
                    Backend::Postgres => postgres_sql.replace("AUTO_ID", "BIGSERIAL PRIMARY KEY"),
                };
                Ok(Migration::new(
                    version.parse()?,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Owned(sql),
                    false,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
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

    /// Deletes every row of every table except those kept by reset (`KEPT_BY_RESET`), in one transaction.
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
            .map(|row| row.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
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

    /// Whether the database answers (`/healthz`).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT 1")
            .fetch_one(&self.reader)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

fn sqlite_pool(connections: u32, acquire_timeout: Duration) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(acquire_timeout)
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

/// Creates a missing SQLite file readable by its owner only (0600, whatever the umask), before SQLite would
/// create it 0644: it holds the instance key and the login signing key (docs/security.md). SQLite gives
/// the `-wal` and `-shm` files the database file's mode. An existing file keeps the mode it has.
fn create_private_file(url: &str) -> anyhow::Result<()> {
    if !url.contains("mode=rwc") {
        return Ok(());
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    match open.open(options.get_filename()) {
        Ok(file) => {
            // The umask may have taken bits the owner needs.
            #[cfg(unix)]
            file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            drop(file);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!(
            "cannot create the database file {}: {e}",
            options.get_filename().display()
        )),
    }
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

/// Runs a listing query whose one parameter (`$1`) is its `LIMIT`, decoding each row with `decode`.
pub async fn listing<T>(
    db: &Db,
    sql: &str,
    limit: i64,
    decode: impl Fn(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    sqlx::query(sql)
        .bind(limit)
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(decode)
        .collect()
}

/// What a hot read returns beside its data, read in the same statement: the configuration epoch (whether
/// the process's cached credentials were current, see `crate::cache`) and the stored clock.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    pub epoch: i64,
    pub clock: clock::StoredClock,
}

/// The snapshot's columns (first in the row) and the join that yields them; a hot read's own table is
/// `LEFT JOIN`ed to it, so the statement always returns one row, with NULLs where nothing was found.
pub(crate) const SNAPSHOT_COLUMNS: &str = "e.epoch, c.offset_us, c.manual_now_us";
pub(crate) const SNAPSHOT_FROM: &str = "config_epoch e JOIN clock c ON c.id = 1";
/// How many columns [`SNAPSHOT_COLUMNS`] takes; the data's columns follow.
pub(crate) const SNAPSHOT_WIDTH: usize = 3;

impl Snapshot {
    pub(crate) fn from_inline(row: &rusqlite::Row) -> rusqlite::Result<Snapshot> {
        Ok(Snapshot {
            epoch: row.get(0)?,
            clock: clock::StoredClock {
                offset_us: row.get(1)?,
                manual_now_us: row.get(2)?,
            },
        })
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<Snapshot, sqlx::Error> {
        Ok(Snapshot {
            epoch: row.try_get(0)?,
            clock: clock::StoredClock {
                offset_us: row.try_get(1)?,
                manual_now_us: row.try_get(2)?,
            },
        })
    }
}

/// A 0/1 flag column as a bool.
pub fn flag(value: i64) -> bool {
    value != 0
}

/// A stored value the reader refuses (an unknown status, a broken document): a decode error, never a
/// panic.
pub fn decode_error(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// A stored text read back as its type (a status, a mode, ...), with [`decode_error`] for text the type
/// refuses.
pub fn decode<T>(text: &str) -> Result<T, sqlx::Error>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(decode_error)
}

/// The TEXT column `index` (a name or a position) of `row`, read back with [`decode`].
pub fn try_get_parsed<T, I>(row: &AnyRow, index: I) -> Result<T, sqlx::Error>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
    I: ColumnIndex<AnyRow>,
{
    decode(&row.try_get::<String, I>(index)?)
}

/// The nullable TEXT column `index` of `row`, read back with [`decode`] when present.
pub fn try_get_parsed_optional<T, I>(row: &AnyRow, index: I) -> Result<Option<T>, sqlx::Error>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
    I: ColumnIndex<AnyRow>,
{
    row.try_get::<Option<String>, I>(index)?
        .as_deref()
        .map(decode)
        .transpose()
}

/// A unique constraint (or primary key) of the schema: the name PostgreSQL gives it, and the table and
/// columns SQLite names in its message instead. Owners map a violation to a domain outcome by this name
/// (the error contract), never by the mere fact that some unique constraint failed.
pub struct Unique {
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

macro_rules! unique_constraints {
    ($($name:literal => $table:literal ($($column:literal),+)),+ $(,)?) => {
        /// Every unique constraint and primary key of the migrations.
        pub const UNIQUE_CONSTRAINTS: &[Unique] = &[
            $(Unique { name: $name, table: $table, columns: &[$($column),+] }),+
        ];
    };
}

unique_constraints! {
    "apps_app_id_key" => "apps" ("app_id"),
    "apps_client_id_key" => "apps" ("client_id"),
    "users_pkey" => "users" ("user_key"),
    "app_users_pkey" => "app_users" ("app_id", "user_key"),
    "merchants_mid_key" => "merchants" ("mid"),
    "merchant_keys_pkey" => "merchant_keys" ("merchant_id", "mode"),
    "merchant_keys_client_key_key" => "merchant_keys" ("client_key"),
    "merchant_keys_secret_key_hash_key" => "merchant_keys" ("secret_key_hash"),
    "tp_payments_payment_key_key" => "tp_payments" ("payment_key"),
    "tp_payments_approved_order" => "tp_payments" ("merchant_id", "mode", "order_id"),
    "tp_idempotency_pkey" => "tp_idempotency" ("fingerprint"),
    "merchant_webhooks_pkey" => "merchant_webhooks" ("merchant_id", "mode"),
    "app_unlink_callbacks_pkey" => "app_unlink_callbacks" ("app_id"),
    "outbox_events_transmission_id_key" => "outbox_events" ("transmission_id"),
    "login_codes_pkey" => "login_codes" ("code_hash"),
    "login_grants_refresh_hash_key" => "login_grants" ("refresh_hash"),
    "login_access_tokens_pkey" => "login_access_tokens" ("jti"),
    "ait_pay_settings_pkey" => "ait_pay_settings" ("app_id"),
    "ait_payments_pay_token_key" => "ait_payments" ("pay_token"),
    "ait_payments_app_id_mode_order_no_key" => "ait_payments" ("app_id", "mode", "order_no"),
    "ait_pay_transactions_transaction_id_key" => "ait_pay_transactions" ("transaction_id"),
    "iap_products_pkey" => "iap_products" ("sku"),
    "iap_orders_pkey" => "iap_orders" ("order_id"),
    "promotions_app_id_promotion_code_key" => "promotions" ("app_id", "promotion_code"),
    "promotion_keys_pkey" => "promotion_keys" ("key_hash"),
    "promotion_grants_key_hash_key" => "promotion_grants" ("key_hash"),
    "rate_limit_buckets_pkey" => "rate_limit_buckets" ("app_id", "user_key", "bucket"),
    "message_templates_pkey" => "message_templates" ("app_id", "template_set_code"),
    "messages_content_id_key" => "messages" ("content_id"),
    "bp_terms_pkey" => "bp_terms" ("id"),
    "bp_customers_current" => "bp_customers" ("merchant_id", "mode", "customer_key"),
    "bp_agreements_pkey" => "bp_agreements" ("customer_id", "terms_id"),
    "bp_codes_pkey" => "bp_codes" ("code_hash"),
    "bp_tokens_access_hash_key" => "bp_tokens" ("access_hash"),
    "bp_tokens_refresh_hash_key" => "bp_tokens" ("refresh_hash"),
    "bp_tokens_live" => "bp_tokens" ("customer_id"),
    "bp_methods_id_key" => "bp_methods" ("id"),
    "bp_methods_method_key_key" => "bp_methods" ("method_key"),
    "tls_authority_pkey" => "tls_authority" ("id"),
    "app_certificates_pkey" => "app_certificates" ("fingerprint"),
    "fixture_steps_pkey" => "fixture_steps" ("name"),
}

/// The name of the unique constraint `error` violated, if it is a unique violation of a known one.
/// PostgreSQL names the constraint; SQLite says `UNIQUE constraint failed: t.a, t.b`, which is matched
/// against the table and columns of [`UNIQUE_CONSTRAINTS`].
pub fn unique_violation(error: &sqlx::Error) -> Option<&'static str> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if db.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    if let Some(name) = db.constraint() {
        return UNIQUE_CONSTRAINTS
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.name);
    }
    let failed = db.message().split_once("constraint failed: ")?.1;
    let columns: Vec<(&str, &str)> = failed
        .split(", ")
        .filter_map(|c| c.trim().split_once('.'))
        .collect();
    UNIQUE_CONSTRAINTS
        .iter()
        .find(|u| {
            u.columns.len() == columns.len()
                && columns
                    .iter()
                    .zip(u.columns)
                    .all(|((table, column), expected)| *table == u.table && column == expected)
        })
        .map(|u| u.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_named_by_version_once_each() {
        let mut versions: Vec<i64> = MIGRATIONS
            .iter()
            .map(|(name, _, _)| {
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
