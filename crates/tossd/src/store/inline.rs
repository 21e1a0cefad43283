//! SQLite reads that run on the calling thread.
//!
//! sqlx's SQLite driver gives each connection its own worker thread and passes every query and its rows
//! over a channel, so each statement costs two thread wake-ups; for the per-request reads of a payment
//! lookup and login-me that hand-off cost more than SQLite's own work (docs/benchmarks.md, "Profile").
//! Those reads are single indexed statements on WAL readers, which never wait for writers, so they run
//! here, directly on the async worker thread, through rusqlite over the same SQLite library, with their
//! prepared statements cached per connection. The SQL is the same text the `Any` driver runs on
//! PostgreSQL; only the row decoding is written twice.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Read-only connections to one SQLite file, each used by one caller at a time.
pub struct InlineReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// How many idle connections are kept; more callers at once (more runtime threads) open and close theirs.
const KEEP_IDLE: usize = 8;

impl InlineReader {
    /// A reader of the file of `url` (`sqlite://FILE?…`); none for in-memory databases.
    pub fn for_url(url: &str) -> Option<InlineReader> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path.contains(":memory:") {
            return None;
        }
        Some(InlineReader {
            path: PathBuf::from(path),
            idle: Mutex::default(),
        })
    }

    /// The SQLite file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Runs `read` on an idle connection (opened if none is), on this thread.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, sqlx::Error> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let connection = match idle {
            Some(connection) => connection,
            None => self.open().map_err(error)?,
        };
        let result = read(&connection).map_err(error);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < KEEP_IDLE {
                idle.push(connection);
            }
        }
        result
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // A WAL reader waits only while another connection recovers the log after a crash.
        connection.busy_timeout(Duration::from_secs(10))?;
        connection.set_prepared_statement_cache_capacity(16);
        Ok(connection)
    }
}

fn error(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Protocol(format!("SQLite read: {e}"))
}

/// A stored value the reader refuses, as rusqlite reports conversion failures.
pub fn refused(
    column: usize,
    e: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}
