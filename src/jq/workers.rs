//! The threads jq programs are evaluated on: [`run_bounded`] hands a job to an idle
//! evaluation thread (starting one when none is idle) and waits for it at most a time limit.
//!
//! Each evaluation needs its own big stack and a deadline the caller can walk away from,
//! which is why it never runs on the caller's thread. Starting a thread per evaluation was
//! most of the kernel time of a run (a 64 MiB stack mapped and unmapped, TLB shootdowns on
//! every core, a new thread to schedule), so finished threads wait for the next job instead.
//! A thread whose job overran is abandoned, never reused: it ends on its own once the job
//! does, and the next evaluation gets another thread.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

/// Stack of an evaluation thread: jaq recurses per nesting level of values and filters.
const STACK: usize = 64 * 1024 * 1024;

/// Most idle threads kept; more at once (a burst of parallel scenarios) end after their job.
const MAX_IDLE: usize = 16;

/// One evaluation, boxed for the channel.
type Job = Box<dyn FnOnce() + Send>;

/// An evaluation thread waiting for work; dropping it ends the thread after its current job.
struct Worker {
    jobs: SyncSender<Job>,
}

/// Why a job gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unfinished {
    /// No thread could be started (the message is the OS's).
    NoThread(String),
    /// The job ran past the limit; its thread was abandoned.
    TimedOut,
    /// The job ended without a result (it panicked).
    Failed,
}

/// Runs `job` on an evaluation thread and waits at most `limit` for its result.
pub(super) fn run_bounded<T, F>(job: F, limit: Duration) -> Result<T, Unfinished>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let _ = tx.send(job());
    });
    let worker = hand_over(job)?;
    match rx.recv_timeout(limit) {
        Ok(result) => {
            give_back(worker);
            Ok(result)
        }
        // Dropping the worker here abandons its thread: it ends once the job does.
        Err(RecvTimeoutError::Timeout) => Err(Unfinished::TimedOut),
        Err(RecvTimeoutError::Disconnected) => Err(Unfinished::Failed),
    }
}

/// Gives `job` to an idle thread, or to a new one when none is idle (or the idle one died).
fn hand_over(job: Job) -> Result<Worker, Unfinished> {
    let mut job = job;
    while let Some(worker) = take_idle() {
        match worker.jobs.try_send(job) {
            Ok(()) => return Ok(worker),
            // An idle thread is never busy, so the only failure is a thread that is gone.
            Err(mpsc::TrySendError::Full(back) | mpsc::TrySendError::Disconnected(back)) => {
                job = back;
            }
        }
    }
    let worker = start()?;
    worker.jobs.try_send(job).map_err(|_| Unfinished::Failed)?;
    Ok(worker)
}

fn idle() -> &'static Mutex<Vec<Worker>> {
    static IDLE: OnceLock<Mutex<Vec<Worker>>> = OnceLock::new();
    IDLE.get_or_init(Mutex::default)
}

fn take_idle() -> Option<Worker> {
    idle().lock().unwrap_or_else(PoisonError::into_inner).pop()
}

fn give_back(worker: Worker) {
    let mut idle = idle().lock().unwrap_or_else(PoisonError::into_inner);
    if idle.len() < MAX_IDLE {
        idle.push(worker);
    }
}

/// Starts an evaluation thread that runs jobs until its [`Worker`] is dropped.
fn start() -> Result<Worker, Unfinished> {
    // One slot: a worker is handed one job at a time.
    let (jobs, queue) = mpsc::sync_channel::<Job>(1);
    std::thread::Builder::new()
        .name("docflow-jq".to_owned())
        .stack_size(STACK)
        .spawn(move || serve(&queue))
        .map_err(|e| Unfinished::NoThread(e.to_string()))?;
    Ok(Worker { jobs })
}

fn serve(queue: &Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        job();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Barrier};

    use super::*;

    fn thread_id() -> std::thread::ThreadId {
        std::thread::current().id()
    }

    #[test]
    fn jobs_run_off_the_callers_thread_and_threads_are_reused() {
        let caller = thread_id();
        let first = run_bounded(thread_id, Duration::from_secs(5)).unwrap();
        assert_ne!(first, caller);
        // Other tests share the idle list, so reuse shows as a thread seen twice in a row
        // of runs rather than as the very same thread every time.
        let seen: Vec<_> = (0..20)
            .map(|_| run_bounded(thread_id, Duration::from_secs(5)).unwrap())
            .collect();
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        assert!(
            distinct.len() < seen.len(),
            "no thread was reused: {seen:?}"
        );
    }

    #[test]
    fn an_overrunning_job_times_out_and_its_thread_is_not_reused() {
        let release = Arc::new(Barrier::new(2));
        let stuck = Arc::new(AtomicBool::new(false));
        let (r, s) = (release.clone(), stuck.clone());
        let slow = run_bounded(
            move || {
                s.store(true, Ordering::SeqCst);
                r.wait();
                thread_id()
            },
            Duration::from_millis(50),
        );
        assert_eq!(slow, Err(Unfinished::TimedOut));
        assert!(stuck.load(Ordering::SeqCst));
        // The stuck thread still holds its job: the next ones run elsewhere at once.
        for _ in 0..3 {
            assert_eq!(run_bounded(|| 7, Duration::from_secs(5)), Ok(7));
        }
        release.wait();
    }

    #[test]
    fn a_panicking_job_is_a_failure_and_the_next_job_still_runs() {
        let failed = run_bounded(|| -> u8 { panic!("boom") }, Duration::from_secs(5));
        assert_eq!(failed, Err(Unfinished::Failed));
        assert_eq!(run_bounded(|| 8, Duration::from_secs(5)), Ok(8));
    }
}
