//! The journal's own OS thread, where the writer's CPU work runs (redaction, naming objects, SQLite
//! inserts) at a lower scheduling priority than the threads that answer calls: when the two cores are
//! saturated, answering wins and the journal's queue fills and drops (counted in
//! `tossd_journal_dropped_entries`) instead of taking a third of the CPU from the calls it records.

use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;

/// How much lower than the process the thread runs: the lowest priority. It still gets every idle moment
/// of the CPUs, so it keeps up whenever they are not saturated; at niceness 10 it took about a tenth of a
/// saturated machine, a quarter of the lookup's throughput (docs/benchmarks.md).
const NICENESS: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

/// A handle to the thread; the thread ends when the last handle is dropped.
#[derive(Clone)]
pub struct Background {
    jobs: mpsc::Sender<Job>,
}

impl Background {
    pub fn start() -> std::io::Result<Background> {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("tossd-journal".into())
            .spawn(move || {
                lower_priority();
                for job in queue {
                    job();
                }
            })?;
        Ok(Background { jobs })
    }

    /// Runs `work` on the thread and waits for its result; `None` if the thread is gone.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.send(job).ok()?;
        result.await.ok()
    }
}

/// Raises the calling thread's niceness (Linux schedules threads, not processes, by it).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: setpriority only reads its integer arguments; `0` names the calling thread.
        let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, NICENESS) } != 0;
        if failed {
            tracing::debug!("journal: could not lower the writer thread's priority");
        }
    }
}
