//! Owner of `request_journal`: the journal of partner API calls (docs/journal.md), written in batches by
//! the journal's writer task and read by `/sim/v1/requests`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use sqlx::Row;

use crate::store::{flag, Db, Tx};

/// The objects an entry can name, as the API spells them, with their columns.
pub const OBJECT_COLUMNS: [(&str, &str); 7] = [
    ("paymentKey", "payment_key"),
    ("payToken", "pay_token"),
    ("orderId", "order_id"),
    ("orderNo", "order_no"),
    ("customerKey", "customer_key"),
    ("userKey", "user_key"),
    ("methodKey", "method_key"),
];

/// One call as written: every text already redacted.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub at: i64,
    pub simulated_at: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub family: String,
    /// JSON object
    pub caller: String,
    pub status: i64,
    pub duration_us: i64,
    pub idempotency_key: Option<String>,
    /// In the order of [`OBJECT_COLUMNS`].
    pub objects: [Option<String>; 7],
    /// JSON object, when the call matched no route
    pub near_miss: Option<String>,
    pub request: Exchange,
    pub response: Exchange,
}

/// One side of a call: headers (a JSON object), body text, whether the body was cut.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub headers: String,
    pub body: String,
    pub truncated: bool,
}

/// A stored entry without its bodies (listings).
#[derive(Debug, Clone)]
pub struct Summary {
    pub id: i64,
    pub at: i64,
    pub simulated_at: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub family: String,
    pub caller: String,
    pub status: i64,
    pub duration_us: i64,
    pub idempotency_key: Option<String>,
    pub objects: [Option<String>; 7],
    pub near_miss: Option<String>,
}

const SUMMARY_COLUMNS: &str = "id, at, simulated_at, method, path, query, family, caller, status, \
     duration_us, idempotency_key, payment_key, pay_token, order_id, order_no, customer_key, user_key, \
     method_key, near_miss";
const SUMMARY_WIDTH: usize = 19;
const EXCHANGE_COLUMNS: &str = "request_headers, request_body, request_truncated, \
     response_headers, response_body, response_truncated";

fn summary(row: &sqlx::any::AnyRow) -> Result<Summary, sqlx::Error> {
    let mut objects: [Option<String>; 7] = Default::default();
    for (i, object) in objects.iter_mut().enumerate() {
        *object = row.try_get(11 + i)?;
    }
    Ok(Summary {
        id: row.try_get(0)?,
        at: row.try_get(1)?,
        simulated_at: row.try_get(2)?,
        method: row.try_get(3)?,
        path: row.try_get(4)?,
        query: row.try_get(5)?,
        family: row.try_get(6)?,
        caller: row.try_get(7)?,
        status: row.try_get(8)?,
        duration_us: row.try_get(9)?,
        idempotency_key: row.try_get(10)?,
        objects,
        near_miss: row.try_get(18)?,
    })
}

fn exchange(row: &sqlx::any::AnyRow, first: usize) -> Result<Exchange, sqlx::Error> {
    Ok(Exchange {
        headers: row.try_get(first)?,
        body: row.try_get(first + 1)?,
        truncated: flag(row.try_get(first + 2)?),
    })
}

/// Where the writer's batches go. On a SQLite file, a connection of the journal's own ([`SqliteSink`]),
/// used synchronously on the journal's thread: sqlx hands every statement to its connection's worker
/// thread (two thread wake-ups per row, and a copy of every text into its argument buffer), which under
/// load cost more than SQLite's own work. Otherwise (PostgreSQL, in-memory SQLite) the pool, through
/// [`insert`] and [`enforce_retention`].
pub enum Sink {
    Sqlite(SqliteSink),
    Pool(Db),
}

impl Sink {
    /// The sink of `db`: its own connection on a SQLite file.
    pub fn open(db: &Db) -> Result<Sink, sqlx::Error> {
        let Some(inline) = db.inline() else {
            return Ok(Sink::Pool(db.clone()));
        };
        let connection = Connection::open(inline.path()).map_err(sqlite_error)?;
        connection
            .busy_timeout(Duration::from_secs(10))
            .map_err(sqlite_error)?;
        // The journal records calls and holds no state, so its commits need not wait for the disk; the
        // next FULL commit of the process syncs them too.
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite_error)?;
        Ok(Sink::Sqlite(SqliteSink(Arc::new(Mutex::new(connection)))))
    }
}

/// The journal's own SQLite connection; its calls block, so they run on the journal's thread.
#[derive(Clone)]
pub struct SqliteSink(Arc<Mutex<Connection>>);

const INSERT: &str = "INSERT INTO request_journal (at, simulated_at, method, path, query, family, caller, \
     status, duration_us, idempotency_key, payment_key, pay_token, order_id, order_no, customer_key, \
     user_key, method_key, near_miss, request_headers, request_body, request_truncated, \
     response_headers, response_body, response_truncated)";
const COLUMNS: usize = 24;

const BEYOND_KEEP: &str = "DELETE FROM request_journal WHERE id <= \
     (SELECT id FROM request_journal ORDER BY id DESC LIMIT 1 OFFSET $1)";
const TOO_OLD: &str = "DELETE FROM request_journal WHERE at < $1";

impl SqliteSink {
    /// Writes a batch in one transaction, one cached statement per row.
    pub fn insert(&self, entries: &[NewEntry]) -> Result<(), sqlx::Error> {
        let mut connection = self.0.lock().map_err(|_| poisoned())?;
        insert_sqlite(&mut connection, entries).map_err(sqlite_error)
    }

    /// [`enforce_retention`] on this connection.
    pub fn enforce_retention(
        &self,
        keep: Option<i64>,
        recorded_since: Option<i64>,
    ) -> Result<(), sqlx::Error> {
        let connection = self.0.lock().map_err(|_| poisoned())?;
        let delete = || -> rusqlite::Result<()> {
            if let Some(keep) = keep {
                connection.prepare_cached(BEYOND_KEEP)?.execute([keep])?;
            }
            if let Some(since) = recorded_since {
                connection.prepare_cached(TOO_OLD)?.execute([since])?;
            }
            Ok(())
        };
        delete().map_err(sqlite_error)
    }
}

/// Writes a batch in one transaction through the pool (PostgreSQL: one multi-row statement).
pub async fn insert(db: &Db, entries: &[NewEntry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    insert_rows(&mut tx, entries).await?;
    tx.commit().await
}

/// Deletes all but the newest `keep` entries, and entries recorded (wall clock) before `recorded_since`.
pub async fn enforce_retention(
    db: &Db,
    keep: Option<i64>,
    recorded_since: Option<i64>,
) -> Result<(), sqlx::Error> {
    if let Some(keep) = keep {
        sqlx::query(BEYOND_KEEP)
            .bind(keep)
            .execute(db.writer())
            .await?;
    }
    if let Some(since) = recorded_since {
        sqlx::query(TOO_OLD)
            .bind(since)
            .execute(db.writer())
            .await?;
    }
    Ok(())
}

fn poisoned() -> sqlx::Error {
    sqlx::Error::Protocol("the journal's SQLite connection was poisoned by a panic".into())
}

fn sqlite_error(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Protocol(format!("SQLite journal write: {e}"))
}

fn insert_sqlite(connection: &mut Connection, entries: &[NewEntry]) -> rusqlite::Result<()> {
    let placeholders: Vec<String> = (1..=COLUMNS).map(|c| format!("?{c}")).collect();
    let sql = format!("{INSERT} VALUES ({})", placeholders.join(", "));
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut statement = tx.prepare_cached(&sql)?;
        for e in entries {
            let [o1, o2, o3, o4, o5, o6, o7] = &e.objects;
            statement.execute(rusqlite::params![
                e.at,
                e.simulated_at,
                e.method,
                e.path,
                e.query,
                e.family,
                e.caller,
                e.status,
                e.duration_us,
                e.idempotency_key,
                o1,
                o2,
                o3,
                o4,
                o5,
                o6,
                o7,
                e.near_miss,
                e.request.headers,
                e.request.body,
                i64::from(e.request.truncated),
                e.response.headers,
                e.response.body,
                i64::from(e.response.truncated),
            ])?;
        }
    }
    tx.commit()
}

/// Writes a batch in one multi-row INSERT (PostgreSQL: one round trip).
async fn insert_rows(tx: &mut Tx, entries: &[NewEntry]) -> Result<(), sqlx::Error> {
    let rows: Vec<String> = (0..entries.len())
        .map(|row| {
            let cells: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", row * COLUMNS + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let sql = format!("{INSERT} VALUES {}", rows.join(", "));
    let mut query = sqlx::query(&sql);
    for e in entries {
        query = query
            .bind(e.at)
            .bind(e.simulated_at)
            .bind(&e.method)
            .bind(&e.path)
            .bind(&e.query)
            .bind(&e.family)
            .bind(&e.caller)
            .bind(e.status)
            .bind(e.duration_us)
            .bind(&e.idempotency_key);
        for object in &e.objects {
            query = query.bind(object);
        }
        query = query
            .bind(&e.near_miss)
            .bind(&e.request.headers)
            .bind(&e.request.body)
            .bind(i64::from(e.request.truncated))
            .bind(&e.response.headers)
            .bind(&e.response.body)
            .bind(i64::from(e.response.truncated));
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// What a listing keeps; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The path starts with this text.
    pub path_prefix: Option<String>,
    pub method: Option<String>,
    /// Statuses from the first up to (not including) the second.
    pub status: Option<(i64, i64)>,
    /// Any of the entry's objects is this id.
    pub object: Option<String>,
    /// Recorded (wall clock, microseconds) at or after.
    pub since: Option<i64>,
    /// Entries older than this id (the cursor).
    pub before_id: Option<i64>,
}

/// The newest `limit` entries that pass `filter`, newest first.
pub async fn list(db: &Db, filter: &Filter, limit: i64) -> Result<Vec<Summary>, sqlx::Error> {
    let mut conditions: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let next = |value: Bind, binds: &mut Vec<Bind>| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if let Some(prefix) = &filter.path_prefix {
        let n = prefix.chars().count() as i64;
        let p = next(Bind::Text(prefix.clone()), &mut binds);
        conditions.push(format!("substr(path, 1, {n}) = {p}"));
    }
    if let Some(method) = &filter.method {
        let p = next(Bind::Text(method.clone()), &mut binds);
        conditions.push(format!("method = {p}"));
    }
    if let Some((from, to)) = filter.status {
        let (a, b) = (
            next(Bind::Int(from), &mut binds),
            next(Bind::Int(to), &mut binds),
        );
        conditions.push(format!("status >= {a} AND status < {b}"));
    }
    if let Some(object) = &filter.object {
        let p = next(Bind::Text(object.clone()), &mut binds);
        let columns: Vec<&str> = OBJECT_COLUMNS.iter().map(|(_, c)| *c).collect();
        conditions.push(format!("{p} IN ({})", columns.join(", ")));
    }
    if let Some(since) = filter.since {
        let p = next(Bind::Int(since), &mut binds);
        conditions.push(format!("at >= {p}"));
    }
    if let Some(before) = filter.before_id {
        let p = next(Bind::Int(before), &mut binds);
        conditions.push(format!("id < {p}"));
    }
    let limit_param = next(Bind::Int(limit), &mut binds);
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM request_journal{where_clause} ORDER BY id DESC LIMIT {limit_param}"
    );
    let mut query = sqlx::query(&sql);
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text),
            Bind::Int(value) => query.bind(value),
        };
    }
    query
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(summary)
        .collect()
}

enum Bind {
    Text(String),
    Int(i64),
}

/// One entry with both sides of the call.
pub async fn get(db: &Db, id: i64) -> Result<Option<(Summary, Exchange, Exchange)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS}, {EXCHANGE_COLUMNS} FROM request_journal WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| {
        Ok((
            summary(&row)?,
            exchange(&row, SUMMARY_WIDTH)?,
            exchange(&row, SUMMARY_WIDTH + 3)?,
        ))
    })
    .transpose()
}
