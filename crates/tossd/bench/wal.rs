//! Counting commits in SQLite's write-ahead log (https://www.sqlite.org/fileformat.html#the_write_ahead_log):
//! a 32-byte header carrying two salts, then frames of a 24-byte header and one page. A frame whose
//! header has a non-zero "database size after commit" ends a transaction, and only frames carrying the
//! header's salts belong to the current log: a checkpoint that restarts the log changes the salts, so two
//! readings are comparable only while the salts stay the same.

use std::path::Path;

/// One reading of the log.
pub struct Reading {
    salts: Option<(u32, u32)>,
    commits: u64,
}

impl Reading {
    /// Commits written between `earlier` and this reading, unless the log restarted in between.
    pub fn since(&self, earlier: &Reading) -> Option<u64> {
        if earlier.salts.is_some() && earlier.salts != self.salts {
            return None;
        }
        self.commits.checked_sub(earlier.commits)
    }
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Reads the log at `path`; a missing or empty log has no commits yet.
pub fn commits(path: &Path) -> anyhow::Result<Reading> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if bytes.len() < 32 {
        return Ok(Reading {
            salts: None,
            commits: 0,
        });
    }
    let magic = be32(&bytes, 0);
    anyhow::ensure!(
        magic == 0x377f_0682 || magic == 0x377f_0683,
        "{} is not a SQLite WAL file",
        path.display()
    );
    let page_size = be32(&bytes, 8) as usize;
    let salts = (be32(&bytes, 16), be32(&bytes, 20));
    let mut commits = 0;
    let mut at = 32;
    while at + 24 + page_size <= bytes.len() {
        if (be32(&bytes, at + 8), be32(&bytes, at + 12)) != salts {
            break;
        }
        if be32(&bytes, at + 4) != 0 {
            commits += 1;
        }
        at += 24 + page_size;
    }
    Ok(Reading {
        salts: Some(salts),
        commits,
    })
}
