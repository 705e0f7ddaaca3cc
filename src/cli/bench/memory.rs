//! The process's memory from `/proc/self/status`: [`Memory`] (current and peak resident set).
//! `None` where there is no procfs (the figures then print as `n/a`). [`MemoryFigures`]
//! reports the peaks and the growth across a round of requests.

use serde_json::json;

use docflow::mock::journal::CAPACITY as JOURNAL_CAPACITY;

use super::report::{Kind, Report, Target};

/// Resident set sizes, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Memory {
    /// `VmRSS`: resident now.
    pub(crate) rss_kib: u64,
    /// `VmHWM`: the peak resident set so far.
    pub(crate) peak_kib: u64,
}

/// The current figures, if the platform has `/proc/self/status`.
pub(crate) fn now() -> Option<Memory> {
    parse(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// Reads `VmRSS` and `VmHWM` from the text of a `/proc/<pid>/status` file.
pub(crate) fn parse(status: &str) -> Option<Memory> {
    let field = |name: &str| -> Option<u64> {
        status.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            rest.trim().strip_suffix("kB")?.trim().parse().ok()
        })
    };
    Some(Memory {
        rss_kib: field("VmRSS")?,
        peak_kib: field("VmHWM")?,
    })
}

/// The memory readings of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoryFigures {
    /// Before the mock started.
    pub(crate) start: Option<Memory>,
    /// After every bench.
    pub(crate) end: Option<Memory>,
    /// Before the second identical round of gateway requests.
    pub(crate) before_round: Option<Memory>,
    /// After it.
    pub(crate) after_round: Option<Memory>,
    /// Requests in that round.
    pub(crate) round: usize,
}

impl MemoryFigures {
    /// `after / before` resident set across the round.
    pub(crate) fn growth(&self) -> Option<f64> {
        let (before, after) = (self.before_round?, self.after_round?);
        Some(after.rss_kib as f64 / before.rss_kib.max(1) as f64)
    }

    /// The table lines and a note on the journal.
    pub(crate) fn figures(&self, report: &mut Report) {
        report.figure(
            "peak_rss_start_kib",
            "peak RSS (VmHWM) before setup",
            mib(self.start.map(|m| m.peak_kib)),
            json!(self.start.map(|m| m.peak_kib)),
        );
        report.figure(
            "peak_rss_end_kib",
            "peak RSS (VmHWM) after the benches",
            mib(self.end.map(|m| m.peak_kib)),
            json!(self.end.map(|m| m.peak_kib)),
        );
        let (Some(before), Some(after)) = (self.before_round, self.after_round) else {
            report.figure(
                "rss_growth",
                "RSS across the second gateway round",
                "n/a (no /proc/self/status)",
                json!(null),
            );
            return;
        };
        let grown = after.rss_kib.saturating_sub(before.rss_kib);
        let per_request = grown as f64 * 1024.0 / self.round.max(1) as f64;
        report.figure(
            "rss_growth",
            "RSS across the second gateway round",
            format!(
                "{} -> {}  (+{}, ≈ {per_request:.0} bytes per request)",
                mib(Some(before.rss_kib)),
                mib(Some(after.rss_kib)),
                mib(Some(grown)),
            ),
            json!({
                "before_kib": before.rss_kib,
                "after_kib": after.rss_kib,
                "bytes_per_request": per_request.round(),
            }),
        );
        report.note(format!(
            "the request journal keeps each request's method, path, redacted headers and \
             body, up to {JOURNAL_CAPACITY} entries: it dominates memory growth until it is \
             full, then drops its oldest entries"
        ));
    }

    /// Steady state across the second round (memory: informational).
    pub(crate) fn targets(&self, report: &mut Report) {
        if let Some(growth) = self.growth() {
            report.target(Target {
                text: format!(
                    "RSS growth across a second round of {} gateway requests: {growth:.3}x",
                    self.round
                ),
                goal: "< 1.5x".into(),
                value: (growth * 1000.0).round() / 1000.0,
                kind: Kind::Memory,
                pass: growth < 1.5,
            });
        }
    }
}

/// `12.3 MiB`, or `n/a`.
pub(crate) fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_owned(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let text = "Name:\tdocflow\nVmPeak:\t  999 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(
            parse(text),
            Some(Memory {
                rss_kib: 10240,
                peak_kib: 20480
            })
        );
        assert_eq!(parse("Name:\tx\n"), None);
        assert_eq!(mib(Some(10240)), "10.0 MiB");
        assert_eq!(mib(None), "n/a");
    }

    #[test]
    fn reads_this_process_on_linux() {
        if cfg!(target_os = "linux") {
            let m = now().unwrap();
            assert!(m.rss_kib > 0 && m.peak_kib >= m.rss_kib, "{m:?}");
        }
    }
}
