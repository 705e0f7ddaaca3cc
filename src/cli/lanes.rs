//! Lanes: the threads `docflow run` runs its scenarios on, one single-threaded tokio runtime
//! per core, each running its share of the `-j` slots ([`split`], [`run_lanes`]).
//!
//! Why not the process's multi-threaded runtime: on loopback a scenario is a chain of short
//! requests, and there every request and every answer woke another thread (the mock's or the
//! runner's). Two scenarios kept two cores only about two-thirds busy, and the wake-ups cost
//! CPU of their own. On a lane, the scenario, its HTTP client and the embedded mock's
//! listeners for that lane ([`Target::for_this_runtime`]) share one thread: an answer is read
//! as soon as it is written, without a wake-up, and each core runs its own scenarios.

use std::future::Future;

use docflow::targets::Target;

/// How many slots each lane runs: `jobs` slots (never more than there are `files`, at least
/// one) spread over at most `cores` lanes, the first lanes taking one more when they do not
/// divide evenly.
pub(crate) fn split(jobs: usize, files: usize, cores: usize) -> Vec<usize> {
    let slots = jobs.min(files).max(1);
    let lanes = slots.min(cores.max(1));
    (0..lanes)
        .map(|lane| slots / lanes + usize::from(lane < slots % lanes))
        .collect()
}

/// Runs `slots[i]` copies of `worker` on lane `i`, each lane its own thread and runtime with
/// its own [`Target::for_this_runtime`]; returns when every worker has returned. A lane whose
/// thread or runtime cannot start runs its workers on the caller's runtime instead (slower,
/// never wrong), and one whose mock listeners cannot open uses the mock's shared ones.
pub(crate) async fn run_lanes<W, F>(slots: Vec<usize>, target: Target, worker: W)
where
    W: Fn(Target) -> F + Clone + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let mut threads = Vec::new();
    let mut here = Vec::new();
    for (index, count) in slots.into_iter().enumerate() {
        let (target, worker) = (target.clone(), worker.clone());
        let started = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|runtime| {
                let (target, worker) = (target.clone(), worker.clone());
                std::thread::Builder::new()
                    .name(format!("docflow-lane-{index}"))
                    .spawn(move || runtime.block_on(one_lane(count, target, worker)))
                    .map_err(|e| e.to_string())
            });
        match started {
            Ok(thread) => threads.push(thread),
            Err(error) => {
                tracing::warn!(%error, "cannot start a lane: its scenarios run on the main runtime");
                here.extend((0..count).map(|_| tokio::spawn(worker(target.clone()))));
            }
        }
    }
    for handle in here {
        let _ = handle.await;
    }
    for thread in threads {
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

/// One lane's work, on its own runtime: `count` workers on the lane's own target.
async fn one_lane<W, F>(count: usize, target: Target, worker: W)
where
    W: Fn(Target) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let target = match target.for_this_runtime().await {
        Ok(own) => own,
        Err(error) => {
            tracing::warn!(message = %error.message, "a lane uses the mock's shared listeners");
            target
        }
    };
    let workers: Vec<_> = (0..count)
        .map(|_| tokio::spawn(worker(target.clone())))
        .collect();
    for handle in workers {
        let _ = handle.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spread_over_at_most_the_cores() {
        assert_eq!(split(2, 100, 2), vec![1, 1]);
        assert_eq!(split(1, 100, 2), vec![1]);
        assert_eq!(split(5, 100, 2), vec![3, 2]);
        assert_eq!(split(8, 3, 2), vec![2, 1], "never more slots than files");
        assert_eq!(split(4, 100, 8), vec![1, 1, 1, 1]);
        assert_eq!(split(0, 0, 0), vec![1]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_lane_runs_its_slots_on_its_own_thread_and_mock_listeners() {
        use std::sync::{Arc, Mutex};

        use docflow::scenario::model::TargetKind;

        let target = Target::open(TargetKind::Mock).await.unwrap();
        let Target::Mock(shared) = &target else {
            panic!("not the mock")
        };
        let shared_url = shared.server().api_url.clone();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        run_lanes(vec![2, 1], target, move |target| {
            let record = Arc::clone(&record);
            async move {
                let session = target.open_session().await.unwrap();
                let thread = std::thread::current().name().unwrap_or("").to_owned();
                record.lock().unwrap().push((thread, session.api_url));
            }
        })
        .await;
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        let threads: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            threads,
            ["docflow-lane-0", "docflow-lane-0", "docflow-lane-1"]
        );
        assert_eq!(seen[0].1, seen[1].1, "a lane's slots share its listeners");
        assert_ne!(seen[0].1, seen[2].1, "each lane has its own");
        assert!(seen.iter().all(|(_, url)| *url != shared_url));
    }
}
