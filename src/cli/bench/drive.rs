//! [`drive`]: sends N requests with a fixed number in flight over keep-alive connections and
//! times each one; [`Pass`] holds the timings and [`Stats`] summarises them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Builds the `i`-th request of a pass.
pub(crate) type MakeRequest =
    dyn Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync;

/// The outcome of one pass.
#[derive(Debug, Clone)]
pub(crate) struct Pass {
    /// Each request's latency (send to body read), in completion order per worker.
    pub(crate) latencies: Vec<Duration>,
    /// Wall time of the whole pass.
    pub(crate) wall: Duration,
    /// Requests whose status was not the expected one, or that failed outright.
    pub(crate) unexpected: usize,
    /// The first unexpected outcome, for the report (never a body: it may hold a secret).
    pub(crate) first_unexpected: Option<String>,
}

/// Latency and throughput of a pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stats {
    /// Requests.
    pub(crate) count: usize,
    /// Requests per second of wall time.
    pub(crate) per_second: f64,
    /// Median latency.
    pub(crate) p50: Duration,
    /// 99th percentile latency.
    pub(crate) p99: Duration,
}

/// The nearest-rank percentile `p` (0 to 100) of `sorted`; zero when empty.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Pass {
    /// The pass's summary.
    pub(crate) fn stats(&self) -> Stats {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let secs = self.wall.as_secs_f64();
        Stats {
            count: sorted.len(),
            per_second: if secs > 0.0 {
                sorted.len() as f64 / secs
            } else {
                0.0
            },
            p50: percentile(&sorted, 50.0),
            p99: percentile(&sorted, 99.0),
        }
    }
}

/// Sends `count` requests built by `make`, `in_flight` at a time, each expected to answer
/// `want`; the body is read in full so the latency covers the whole response.
pub(crate) async fn drive(
    http: &reqwest::Client,
    count: usize,
    in_flight: usize,
    want: u16,
    make: Arc<MakeRequest>,
) -> Pass {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..in_flight.clamp(1, count.max(1)) {
        let (http, next, make) = (http.clone(), next.clone(), make.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut unexpected = 0;
            let mut first = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let sent = Instant::now();
                let outcome = match make(&http, i).send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.bytes().await {
                            Ok(_) if status == want => Ok(()),
                            Ok(_) => Err(format!("answered {status}, expected {want}")),
                            Err(e) => Err(format!("reading the body failed: {e}")),
                        }
                    }
                    Err(e) => Err(format!("failed: {e}")),
                };
                latencies.push(sent.elapsed());
                if let Err(why) = outcome {
                    unexpected += 1;
                    first.get_or_insert(why);
                }
            }
            (latencies, unexpected, first)
        }));
    }
    let mut pass = Pass {
        latencies: Vec::with_capacity(count),
        wall: Duration::ZERO,
        unexpected: 0,
        first_unexpected: None,
    };
    for worker in workers {
        match worker.await {
            Ok((latencies, unexpected, first)) => {
                pass.latencies.extend(latencies);
                pass.unexpected += unexpected;
                if pass.first_unexpected.is_none() {
                    pass.first_unexpected = first;
                }
            }
            Err(e) => {
                pass.unexpected += 1;
                pass.first_unexpected
                    .get_or_insert(format!("a bench worker stopped: {e}"));
            }
        }
    }
    pass.wall = started.elapsed();
    pass
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&sorted, 50.0), ms(50));
        assert_eq!(percentile(&sorted, 99.0), ms(99));
        assert_eq!(percentile(&sorted, 100.0), ms(100));
        assert_eq!(percentile(&[ms(7)], 99.0), ms(7));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
        assert_eq!(percentile(&[ms(1), ms(2)], 0.0), ms(1));
    }

    #[test]
    fn stats_of_a_pass() {
        let pass = Pass {
            latencies: vec![ms(3), ms(1), ms(2), ms(4)],
            wall: Duration::from_secs(2),
            unexpected: 0,
            first_unexpected: None,
        };
        let stats = pass.stats();
        assert_eq!(stats.count, 4);
        assert!((stats.per_second - 2.0).abs() < 1e-9);
        assert_eq!((stats.p50, stats.p99), (ms(2), ms(4)));
    }
}
