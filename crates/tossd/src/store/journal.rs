//! Owner of `request_journal`: the journal of partner API calls (docs/journal.md), written in batches by
//! the journal's writer task and read by `/sim/v1/requests`.

use sqlx::Row;

use crate::store::{flag, Backend, Db, Tx};

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

/// Writes a batch in one multi-row INSERT.
pub async fn insert_batch(db: &Db, entries: &[NewEntry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    // sqlx's SQLite driver finds each bind parameter by scanning the statement's parameter list, so one
    // statement of 200 rows x 24 parameters costs quadratic time (17 % of all CPU in a profile under the
    // benchmark's lookup load): on SQLite each entry is its own cached statement, in one transaction.
    // PostgreSQL takes the batch in one statement, one round trip.
    let per_statement = match db.backend() {
        Backend::Sqlite => 1,
        Backend::Postgres => entries.len(),
    };
    let mut tx = db.begin().await?;
    for rows in entries.chunks(per_statement) {
        insert_rows(&mut tx, rows).await?;
    }
    tx.commit().await
}

async fn insert_rows(tx: &mut Tx, entries: &[NewEntry]) -> Result<(), sqlx::Error> {
    const COLUMNS: usize = 24;
    let rows: Vec<String> = (0..entries.len())
        .map(|row| {
            let cells: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", row * COLUMNS + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO request_journal (at, simulated_at, method, path, query, family, caller, status, \
         duration_us, idempotency_key, payment_key, pay_token, order_id, order_no, customer_key, \
         user_key, method_key, near_miss, {EXCHANGE_COLUMNS}) VALUES {}",
        rows.join(", ")
    );
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

/// Deletes all but the newest `keep` entries, and entries recorded (wall clock) before `recorded_since`.
pub async fn enforce_retention(
    db: &Db,
    keep: Option<i64>,
    recorded_since: Option<i64>,
) -> Result<(), sqlx::Error> {
    if let Some(keep) = keep {
        sqlx::query(
            "DELETE FROM request_journal WHERE id <= \
             (SELECT id FROM request_journal ORDER BY id DESC LIMIT 1 OFFSET $1)",
        )
        .bind(keep)
        .execute(db.writer())
        .await?;
    }
    if let Some(since) = recorded_since {
        sqlx::query("DELETE FROM request_journal WHERE at < $1")
            .bind(since)
            .execute(db.writer())
            .await?;
    }
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
