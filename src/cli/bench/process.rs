//! Whole-process figures of the OIDC scenario: [`measure`] runs this same `docflow` binary as
//! a child, `validate` and `run` on the scenario file (the yardstick of start-up is
//! `validate`), and a `run` of the same file `many` times at `run`'s default `-j` (the
//! cores), in interleaved rounds, sampling the child's peak resident memory.
//! [`ProcessFigures`] holds the medians and prints the ratios.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::report::{Kind, Report, Target, duration, ms, round2};
use super::signing::ratio;
use super::standalone::children_cpu;

/// The scenario the process figures use (the 2026 how-to).
pub(crate) const SCENARIO: &str = "konnect-identity-oidc.yaml";

/// What the process phase measured.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProcessFigures {
    /// Median whole-process time of `docflow validate <file>`.
    pub(crate) validate: Duration,
    /// Median whole-process time of `docflow run <file>`.
    pub(crate) run: Duration,
    /// Scenarios in the many-scenario run.
    pub(crate) many: usize,
    /// Median whole-process time of `docflow run` with the file given `many` times, at its
    /// default `-j` (the cores).
    pub(crate) run_many: Duration,
    /// CPU time (user + system) of that median run: with the cores, what bounds it.
    pub(crate) run_many_cpu: Duration,
    /// How many many-scenario runs the median is of.
    pub(crate) many_rounds: usize,
    /// The scenarios that run at once there: `docflow run`'s default `-j`, the cores.
    pub(crate) jobs: usize,
    /// Highest peak resident memory of those runs (`VmHWM`, sampled every 10 ms), in KiB.
    pub(crate) peak_kib: Option<u64>,
}

/// What one timed child took.
struct Timed {
    wall: Duration,
    cpu: Duration,
    peak_kib: Option<u64>,
}

/// Runs `docflow <args>` to completion; its time, CPU time and sampled peak memory.
fn timed(args: &[&str], file: &Path, times: usize) -> Result<Timed, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let mut command = Command::new(exe);
    command.args(args);
    command.args(std::iter::repeat_n(file, times.max(1)));
    command
        .env("DOCFLOW_TARGET", "mock")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let cpu_before = children_cpu()?;
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start `docflow {}`: {e}", args.join(" ")))?;
    // The memory is sampled beside the wait, not between polls of it, so the time measured
    // is the child's own and not rounded up to the sampling interval.
    let sampler = PeakSampler::start(child.id());
    let status = child.wait().map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    let cpu = children_cpu()?.saturating_sub(cpu_before);
    let peak = sampler.stop();
    if !status.success() {
        return Err(format!(
            "`docflow {} {}` failed ({status})",
            args.join(" "),
            file.display()
        ));
    }
    Ok(Timed {
        wall: elapsed,
        cpu,
        peak_kib: peak,
    })
}

/// Reads a process's `VmHWM` every 10 ms on its own thread until stopped.
struct PeakSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Option<u64>>,
}

impl PeakSampler {
    fn start(pid: u32) -> Self {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let status = format!("/proc/{pid}/status");
            let mut peak = None;
            while !stopped.load(Ordering::Relaxed) {
                if let Ok(text) = std::fs::read_to_string(&status) {
                    peak = vm_hwm_kib(&text).or(peak);
                }
                std::thread::park_timeout(Duration::from_millis(10));
            }
            peak
        });
        Self { stop, thread }
    }

    /// The last value read.
    fn stop(self) -> Option<u64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.thread().unpark();
        self.thread.join().ok().flatten()
    }
}

/// `VmHWM:   12345 kB` → 12345.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// The scenario file under `folder`, if it is there.
pub(crate) fn scenario(folder: &Path) -> Option<PathBuf> {
    let file = folder.join(SCENARIO);
    file.is_file().then_some(file)
}

/// `rounds` interleaved rounds of `validate`, `run` and a `run` of `many` copies (the
/// many-scenario run in every other round, at least once): each figure is its median, so one
/// slow moment of the machine moves neither side of a ratio alone. Blocking.
pub(crate) fn measure(file: &Path, rounds: usize, many: usize) -> Result<ProcessFigures, String> {
    let (mut validate, mut run, mut runs_many) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        validate.push(timed(&["validate"], file, 1)?.wall);
        run.push(timed(&["run"], file, 1)?.wall);
        if round % 2 == 0 {
            runs_many.push(timed(&["run"], file, many)?);
        }
    }
    // The median run by wall time, with its own CPU time; the highest peak of them all.
    let peak_kib = runs_many.iter().filter_map(|t| t.peak_kib).max();
    runs_many.sort_by_key(|t| t.wall);
    let middle = &runs_many[runs_many.len() / 2];
    Ok(ProcessFigures {
        validate: median(validate),
        run: median(run),
        many,
        run_many: middle.wall,
        run_many_cpu: middle.cpu,
        many_rounds: runs_many.len(),
        jobs: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        peak_kib,
    })
}

impl ProcessFigures {
    /// The table lines.
    pub(crate) fn figures(&self, report: &mut Report) {
        report.figure(
            "process_validate_ms",
            "process: `docflow validate` the OIDC scenario",
            format!("{:>9}", duration(self.validate)),
            json!(ms(self.validate)),
        );
        report.figure(
            "process_run_ms",
            "process: `docflow run` the OIDC scenario",
            format!("{:>9}", duration(self.run)),
            json!(ms(self.run)),
        );
        report.figure(
            "process_run_many_ms",
            format!(
                "process: `docflow run` of {} scenarios (-j {}, the default; median of {})",
                self.many, self.jobs, self.many_rounds
            ),
            format!(
                "{:>9}  CPU {} ({} a scenario, start-up included)  peak RSS {}",
                duration(self.run_many),
                duration(self.run_many_cpu),
                duration(self.run_many_cpu / u32::try_from(self.many.max(1)).unwrap_or(1)),
                self.peak_kib.map_or("unknown".to_owned(), |k| format!(
                    "{:.1} MiB",
                    k as f64 / 1024.0
                ))
            ),
            json!({
                "ms": ms(self.run_many),
                "cpu_ms": ms(self.run_many_cpu),
                "rounds": self.many_rounds,
                "jobs": self.jobs,
                "peak_kib": self.peak_kib
            }),
        );
    }

    /// Run vs validate, many vs one (timing), and the many-run's peak memory (memory).
    pub(crate) fn targets(&self, report: &mut Report) {
        let startup = ratio(self.run, self.validate);
        report.target(Target {
            text: format!(
                "`docflow run` of the OIDC scenario vs `docflow validate` of it (whole \
                 process): {startup:.2}x"
            ),
            goal: "≤ 3x".into(),
            value: round2(startup),
            kind: Kind::Timing,
            pass: startup <= 3.0,
        });
        // The goal is 100 scenarios in at most 15 times one; a smaller run is held to
        // the same share.
        let allowed = 0.15 * self.many as f64;
        let many = ratio(self.run_many, self.run);
        report.target(Target {
            text: format!(
                "{} scenarios in one `docflow run` vs one: {many:.2}x the time",
                self.many
            ),
            goal: format!("≤ {allowed:.1}x"),
            value: round2(many),
            kind: Kind::Timing,
            pass: many <= allowed,
        });
        if let Some(peak) = self.peak_kib {
            let mib = peak as f64 / 1024.0;
            report.target(Target {
                text: format!(
                    "peak RSS of {} scenarios in one `docflow run`: {mib:.1} MiB",
                    self.many
                ),
                goal: "≤ 64 MiB".into(),
                value: round2(mib),
                kind: Kind::Memory,
                pass: mib <= 64.0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_peak_from_proc_status() {
        let status = "Name:\tdocflow\nVmPeak:\t  9000 kB\nVmHWM:\t   4321 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(vm_hwm_kib(status), Some(4321));
        assert_eq!(vm_hwm_kib("Name: x\n"), None);
    }

    #[test]
    fn median_of_odd_and_empty() {
        let ms = Duration::from_millis;
        assert_eq!(median(vec![ms(3), ms(1), ms(2)]), ms(2));
        assert_eq!(median(vec![]), Duration::ZERO);
    }
}
