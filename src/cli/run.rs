//! `docflow run`: runs scenarios on a target and reports each step, the doc defects and a
//! summary. Exit codes (documented in the README): 0 passed; 1 a failure or an unknown doc
//! defect; 2 a usage or load error; 3 the target could not open; 128+signal interrupted
//! (SIGINT, SIGTERM and SIGHUP are handled alike: cleanups in reverse, reports written).
//!
//! With `-j N` (default: the cores) up to N scenarios run at once on the one target, spread
//! over one thread per core ([`super::lanes`]), each with its own HTTP client and, on the
//! embedded mock, its own listeners of the one mock; each one's output is kept apart and
//! printed in the input order, so the report reads as a sequential run's would.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use docflow::outcome::ScenarioReport;
use docflow::report::junit::Unrun;
use docflow::scenario::load::load_file;
use docflow::scenario::model::{Scenario, TargetKind};
use docflow::targets::Target;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::{oneshot, watch};

use super::args::{RunArgs, TargetArg};
use super::files::scenario_files;
use super::lanes::{run_lanes, split};
use super::ordered_output::{Output, Printer};
use super::record::Recorder;
use super::run_file::{FileRun, Options, Outcome, run_file};
use super::snapshots::Snapshots;

/// Every scenario passed.
const PASSED: u8 = 0;
/// A scenario failed (a check, a cleanup, an unknown doc defect).
const FAILED: u8 = 1;
/// Bad arguments or a scenario that does not load.
const USAGE: u8 = 2;
/// The target could not open (no token, no Docker engine, no quickstart control plane).
const TARGET_UNAVAILABLE: u8 = 3;

/// What the whole run saw, for the summary, the JUnit file and the exit code.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
    not_applicable: usize,
    load_errors: usize,
    reports: Vec<ScenarioReport>,
    unrun: Vec<Unrun>,
    interrupted_by: Option<i32>,
    /// The `--secret` names some scenario defines.
    marked: Vec<String>,
    /// The `--var` names some scenario defines.
    supplied: Vec<String>,
}

impl Tally {
    /// Adds what became of one file.
    fn add(&mut self, run: FileRun) {
        for name in run.marked {
            if !self.marked.contains(&name) {
                self.marked.push(name);
            }
        }
        for name in run.supplied {
            if !self.supplied.contains(&name) {
                self.supplied.push(name);
            }
        }
        match run.outcome {
            Outcome::LoadError(unrun) => {
                self.load_errors += 1;
                self.failed
                    .push(format!("{} (does not load)", unrun.path.display()));
                self.unrun.push(unrun);
            }
            Outcome::NotApplicable(unrun) => {
                self.not_applicable += 1;
                self.unrun.push(unrun);
            }
            Outcome::NoSession(line) => self.failed.push(line),
            Outcome::Ran(report) => {
                if report.passed() {
                    self.passed += 1;
                } else {
                    self.failed.push(first_failure(&report));
                }
                self.reports.push(*report);
            }
        }
    }
}

/// Runs the command.
pub(crate) async fn run(args: RunArgs) -> ExitCode {
    let files = match scenario_files(&args.paths) {
        Ok(f) if f.is_empty() => {
            eprintln!("error: no scenario files in {:?}", args.paths);
            return ExitCode::from(USAGE);
        }
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let kind = match args.target {
        None | Some(TargetArg::Mock) => TargetKind::Mock,
        Some(TargetArg::Container) => TargetKind::Container,
        Some(TargetArg::Konnect) => TargetKind::Konnect,
    };
    if args.dry_run {
        return dry_run(&files, &args.secrets);
    }
    let snapshots = match Snapshots::from_args(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let recorder = match args.record.as_deref().map(Recorder::new).transpose() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let options = Arc::new(Options {
        kind,
        secrets: args.secrets.clone(),
        vars: args.vars.clone(),
        snapshots,
        recorder: recorder.clone(),
    });
    let target = match Target::open(kind).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            eprintln!(
                "the `{}` target cannot open: nothing ran (exit {TARGET_UNAVAILABLE})",
                kind.as_str()
            );
            return ExitCode::from(TARGET_UNAVAILABLE);
        }
    };
    let mut tally = run_all(files, args.jobs(), target, options, args.junit.as_deref()).await;
    if let Some(recorder) = &recorder {
        let errors = recorder.errors();
        for error in &errors {
            eprintln!("error: {error}");
        }
        if !errors.is_empty() {
            tally
                .failed
                .push("(the recording is incomplete)".to_owned());
        }
    }
    print_summary(&tally);
    warn_unmarked(&args.secrets, &tally.marked);
    for (name, _) in args
        .vars
        .iter()
        .filter(|(n, _)| !tally.supplied.contains(n))
    {
        eprintln!(
            "warning: `--var {name}=…`: no scenario that was loaded defines a variable `{name}`"
        );
    }
    ExitCode::from(exit_code(&tally))
}

/// Runs every file, up to `jobs` at once on the lanes, printing each one's output and
/// rewriting the JUnit report in the input order, whichever finishes first.
async fn run_all(
    files: Vec<PathBuf>,
    jobs: usize,
    target: Target,
    options: Arc<Options>,
    junit: Option<&Path>,
) -> Tally {
    let signals = listen_for_signals();
    let (started, mut runs) = unbounded_channel();
    let slots = split(jobs, files.len(), cores());
    let printer = Printer::terminal();
    let queue = Arc::new(Queue {
        files: Mutex::new(files.into_iter().enumerate().collect()),
        signals: signals.clone(),
        started,
        printer: Arc::clone(&printer),
    });
    let lanes = tokio::spawn(run_lanes(slots, target, move |target| {
        work(Arc::clone(&queue), target, Arc::clone(&options))
    }));
    let mut tally = Tally::default();
    while let Some((index, result)) = runs.recv().await {
        let joined = result.await;
        printer.finish(index);
        match joined {
            Ok(Ok(run)) => tally.add(run),
            Ok(Err(e)) => tally.failed.push(format!("(a scenario stopped: {e})")),
            Err(_) => tally
                .failed
                .push("(a scenario stopped: its lane ended)".to_owned()),
        }
        if let Some(path) = junit {
            write_junit(path, &mut tally);
        }
    }
    let _ = lanes.await;
    tally.interrupted_by = *signals.borrow();
    tally
}

/// The cores, the most lanes a run uses.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// A started scenario: its place in the input order and, once it ended, its result (`Err`
/// when its task panicked or was cancelled).
type Started = (usize, oneshot::Receiver<Result<FileRun, String>>);

/// The files not started yet, shared by every slot of every lane. Files start in the input
/// order, each told to the run as it starts; after a signal nothing more starts (the
/// running ones are cancelled by it and run their cleanups).
struct Queue {
    files: Mutex<VecDeque<(usize, PathBuf)>>,
    signals: watch::Receiver<Option<i32>>,
    started: UnboundedSender<Started>,
    printer: Arc<Printer>,
}

/// The next file to run, with where its output and result go.
struct Job {
    file: PathBuf,
    out: Output,
    done: oneshot::Sender<Result<FileRun, String>>,
}

impl Queue {
    /// Takes the next file and tells the run it started, under one lock so the run sees the
    /// files in the input order.
    fn next(&self) -> Option<Job> {
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        if self.signals.borrow().is_some() {
            return None;
        }
        let (index, file) = files.pop_front()?;
        let (done, result) = oneshot::channel();
        self.started.send((index, result)).ok()?;
        let out = self.printer.output(index);
        Some(Job { file, out, done })
    }
}

/// One slot: runs the queue's next file on `target` until the queue is empty (or a signal
/// came). Each file runs as a task of its own, so a panic ends that scenario only.
async fn work(queue: Arc<Queue>, target: Target, options: Arc<Options>) {
    while let Some(Job { file, out, done }) = queue.next() {
        let run = tokio::spawn(run_file(
            file,
            target.clone(),
            Arc::clone(&options),
            queue.signals.clone(),
            out,
        ));
        let _ = done.send(run.await.map_err(|e| e.to_string()));
    }
}

/// Rewrites the JUnit report with what ran so far, so an interrupted run still leaves one.
fn write_junit(path: &Path, tally: &mut Tally) {
    let xml = docflow::report::junit::junit_xml(&tally.reports, &tally.unrun);
    if let Err(e) = std::fs::write(path, xml) {
        eprintln!(
            "error: cannot write the JUnit report `{}`: {e}",
            path.display()
        );
        tally
            .failed
            .push(format!("(JUnit report `{}`)", path.display()));
    }
}

/// Listens for SIGINT, SIGTERM and SIGHUP for the whole command: the first one cancels the
/// running scenarios (their cleanups still run) and stops the run; a second one, while the
/// cleanups run, says what may be left and how to sweep it, and exits at once.
pub(crate) fn listen_for_signals() -> watch::Receiver<Option<i32>> {
    let (tx, rx) = watch::channel(None);
    tokio::spawn(async move {
        let first = docflow::signals::interrupted().await;
        eprintln!(
            "interrupted by signal {first}: running the cleanups in reverse (signal again to abandon them)…"
        );
        let _ = tx.send(Some(first));
        let second = docflow::signals::interrupted().await;
        eprintln!(
            "interrupted again by signal {second}: cleanups abandoned; what the interrupted scenarios \
             created may be left: everything carries a `docflow-run` label or `docflow` tags, so on \
             Konnect `docflow sweep --older-than 0s` deletes it (the mock's organizations need nothing)"
        );
        std::process::exit(i32::from(docflow::signals::exit_code(second)));
    });
    rx
}

/// Marks the `--secret` names the scenario defines as secrets, remembering which.
fn mark_secrets(scenario: &mut Scenario, secrets: &[String], marked: &mut Vec<String>) {
    for name in scenario.mark_secrets(secrets) {
        if !marked.iter().any(|m| m == name) {
            marked.push(name.to_owned());
        }
    }
}

/// Warns of each `--secret` name no scenario defined: a typo there would leave the value
/// it meant to hide in every output.
pub(crate) fn warn_unmarked(secrets: &[String], marked: &[String]) {
    for name in secrets.iter().filter(|n| !marked.contains(n)) {
        eprintln!(
            "warning: `--secret {name}`: no scenario that was loaded defines a variable `{name}`"
        );
    }
}

/// `scenario: step `name` (code)` for the summary's list of failed scenarios.
fn first_failure(report: &ScenarioReport) -> String {
    match report.failures.first() {
        Some(f) => match &f.step {
            Some(step) => format!("{}: step `{step}` ({})", report.scenario, f.code),
            None => format!("{}: {} ({})", report.scenario, f.message, f.code),
        },
        None if report.cleanups.iter().any(|c| !c.ok) => {
            format!("{}: a cleanup failed", report.scenario)
        }
        None => format!("{}: a new doc defect", report.scenario),
    }
}

fn print_summary(tally: &Tally) {
    if !tally.failed.is_empty() {
        println!("failed scenarios:");
        for line in &tally.failed {
            println!("  {line}");
        }
    }
    println!(
        "scenarios: {} passed, {} failed, {} not applicable",
        tally.passed,
        tally.failed.len(),
        tally.not_applicable
    );
    if let Some(signal) = tally.interrupted_by {
        println!(
            "interrupted by signal {signal}: the remaining scenarios did not run (exit {})",
            docflow::signals::exit_code(signal)
        );
    }
}

/// The documented exit code: an interruption wins, then load errors, then failures.
fn exit_code(tally: &Tally) -> u8 {
    if let Some(signal) = tally.interrupted_by {
        docflow::signals::exit_code(signal)
    } else if tally.load_errors > 0 {
        USAGE
    } else if !tally.failed.is_empty() {
        FAILED
    } else {
        PASSED
    }
}

/// Prints every step's request as curl with `$VARS`, sending nothing (and so no variable's
/// value, secret or not).
fn dry_run(files: &[PathBuf], secrets: &[String]) -> ExitCode {
    let mut ok = true;
    let mut marked = Vec::new();
    for file in files {
        match load_file(file) {
            Ok(mut scenario) => {
                mark_secrets(&mut scenario, secrets, &mut marked);
                println!("# {} ({})", scenario.name, file.display());
                for step in &scenario.steps {
                    println!(
                        "\n# step `{}` ({}:{})",
                        step.name,
                        file.display(),
                        step.span.line
                    );
                    println!("{}", docflow::curl::to_curl(&step.request));
                    if let Some(cleanup) = &step.cleanup {
                        println!(
                            "# cleanup, at the end:\n{}",
                            docflow::curl::to_curl(cleanup)
                        );
                    }
                }
                println!();
            }
            Err(e) => {
                eprintln!("{e}");
                ok = false;
            }
        }
    }
    warn_unmarked(secrets, &marked);
    ExitCode::from(if ok { PASSED } else { USAGE })
}
