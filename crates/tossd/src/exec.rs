//! `tossd exec`: a fresh tossd for the length of one command, a test suite typically, like
//! `firebase emulators:exec` (docs/testing-with-tossd.md).

use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use tokio::process::Child;

use crate::config::ExecArgs;
use crate::domain::secrets;
use crate::ready::{self, Connection, ReadyFile};
use crate::server::Server;

/// Exit statuses of a command that could not be started, as shells report them.
const NOT_FOUND: i32 = 127;
const NOT_RUNNABLE: i32 = 126;

/// Starts tossd (on a fresh temporary SQLite database and a free loopback port unless told otherwise),
/// runs the command with the connection in its environment, stops tossd and removes what it made.
/// Returns the command's exit status: 128 + the signal's number when a signal ended it, as shells say.
pub async fn run(args: ExecArgs) -> anyhow::Result<i32> {
    anyhow::ensure!(
        !args.serve.print_seed,
        "--print-seed belongs to tossd serve: it prints the seed and exits without serving"
    );
    let scratch = Scratch::create()?;
    run_in(args, &scratch.0).await
}

async fn run_in(mut args: ExecArgs, scratch: &Path) -> anyhow::Result<i32> {
    if args.fresh_database {
        args.serve.database_url = format!("sqlite://{}", scratch.join("tossd.db").display());
    }
    // Registered before anything starts, so an early Ctrl-C is not lost (it reaches the command).
    let mut signals = Signals::register()?;
    let server = Server::start(&args.serve).await?;
    let outcome = serve_command(&args, &server, scratch, &mut signals).await;
    server.stop().await?;
    outcome
}

/// Runs the command against the started `server` and waits for it.
async fn serve_command(
    args: &ExecArgs,
    server: &Server,
    scratch: &Path,
    signals: &mut Signals,
) -> anyhow::Result<i32> {
    let connection = Connection::describe(server, &scratch.join("tls")).await?;
    let ready = match &args.serve.ready_file {
        // The TLS files live in the scratch folder, removed with it.
        Some(path) => Some(ReadyFile::write(path, &connection, None)?),
        None => None,
    };
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| anyhow::anyhow!("no command to run"))?;
    let shown: Vec<_> = args.command.iter().map(|a| a.to_string_lossy()).collect();
    eprintln!(
        "tossd exec: tossd {} listening on {}; running {}",
        connection.version,
        connection.url,
        shown.join(" ")
    );
    let spawned = tokio::process::Command::new(program)
        .args(rest)
        .envs(connection.environment())
        .spawn();
    let code = match spawned {
        Ok(child) => wait(child, signals).await,
        Err(e) => {
            eprintln!("tossd exec: {}: {e}", program.to_string_lossy());
            Ok(match e.kind() {
                std::io::ErrorKind::NotFound => NOT_FOUND,
                _ => NOT_RUNNABLE,
            })
        }
    };
    if let Some(ready) = ready {
        ready.remove();
    }
    code
}

/// Waits for the child, passing on the SIGINT and SIGTERM tossd receives meanwhile.
async fn wait(mut child: Child, signals: &mut Signals) -> anyhow::Result<i32> {
    loop {
        tokio::select! {
            status = child.wait() => return Ok(exit_code(status?)),
            signal = signals.next() => forward(&child, signal),
        }
    }
}

fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return 128 + signal;
    }
    1
}

/// A private temporary folder (the fresh database, the TLS client files), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> std::io::Result<Scratch> {
        let path = std::env::temp_dir().join(format!(
            "tossd-exec-{}",
            secrets::random_alnum(12).to_lowercase()
        ));
        ready::create_private_dir(&path)?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn register() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> i32 {
        tokio::select! {
            Some(()) = self.interrupt.recv() => libc::SIGINT,
            Some(()) = self.terminate.recv() => libc::SIGTERM,
            else => std::future::pending().await,
        }
    }
}

#[cfg(unix)]
fn forward(child: &Child, signal: i32) {
    let Some(pid) = child.id().and_then(|id| libc::pid_t::try_from(id).ok()) else {
        return;
    };
    // SAFETY: kill has no memory preconditions; the pid is our own child's, not yet reaped.
    unsafe {
        libc::kill(pid, signal);
    }
}

/// Elsewhere Ctrl-C reaches every process of the console, the command included: nothing to pass on.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn register() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn next(&mut self) -> i32 {
        std::future::pending().await
    }
}

#[cfg(not(unix))]
fn forward(_child: &Child, _signal: i32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn exit_codes_are_the_shells() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit_code(ExitStatus::from_raw(7 << 8)), 7);
        assert_eq!(exit_code(ExitStatus::from_raw(libc::SIGTERM)), 143);
        assert_eq!(exit_code(ExitStatus::from_raw(libc::SIGKILL)), 137);
    }
}
