//! `docflow run`: runs scenarios on a target and reports each step, the doc defects and a
//! summary. Exit codes (documented in the README): 0 passed; 1 a failure or an unknown doc
//! defect; 2 a usage or load error; 3 the target could not open; 128+signal interrupted
//! (SIGINT, SIGTERM and SIGHUP are handled alike: cleanups in reverse, reports written).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docflow::outcome::ScenarioReport;
use docflow::report::junit::Unrun;
use docflow::report::terminal as report;
use docflow::runner::run::run_scenario_watched;
use docflow::runner::watch::{Event, Watcher};
use docflow::scenario::load::load_file;
use docflow::scenario::model::{Scenario, TargetKind};
use docflow::targets::Target;
use tokio::sync::watch;

use super::args::{RunArgs, TargetArg};
use super::files::scenario_files;
use super::record::Recorder;
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
    let options = Options {
        kind,
        secrets: &args.secrets,
        snapshots,
        recorder,
    };
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
    let signals = listen_for_signals();
    let mut tally = Tally::default();
    for file in &files {
        tally.interrupted_by = *signals.borrow();
        if tally.interrupted_by.is_some() {
            break;
        }
        run_file(file, &target, &options, &signals, &mut tally).await;
        tally.interrupted_by = *signals.borrow();
        if let Some(path) = &args.junit
            && let Err(e) = std::fs::write(
                path,
                docflow::report::junit::junit_xml(&tally.reports, &tally.unrun),
            )
        {
            eprintln!(
                "error: cannot write the JUnit report `{}`: {e}",
                path.display()
            );
            tally
                .failed
                .push(format!("(JUnit report `{}`)", path.display()));
        }
        if tally.interrupted_by.is_some() {
            break;
        }
    }
    if let Some(recorder) = &options.recorder {
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
    ExitCode::from(exit_code(&tally))
}

/// How each scenario runs: where, which names are secrets, what to do with snapshots.
struct Options<'a> {
    kind: TargetKind,
    secrets: &'a [String],
    snapshots: Snapshots,
    /// `--record`: where each exchange goes.
    recorder: Option<Recorder>,
}

/// Loads and runs one file, adding what happened to `tally`.
async fn run_file(
    file: &Path,
    target: &Target,
    options: &Options<'_>,
    signals: &watch::Receiver<Option<i32>>,
    tally: &mut Tally,
) {
    let kind = options.kind;
    let mut scenario = match load_file(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            tally.unrun.push(Unrun {
                path: file.to_owned(),
                reason: e.to_string(),
                load_error: true,
            });
            tally.load_errors += 1;
            tally
                .failed
                .push(format!("{} (does not load)", file.display()));
            return;
        }
    };
    mark_secrets(&mut scenario, options.secrets, &mut tally.marked);
    println!(
        "── {} ({}) on {}",
        scenario.name,
        file.display(),
        kind.as_str()
    );
    if !scenario.runs_on(kind) {
        let reason = format!(
            "scenario runs only on {}",
            scenario
                .targets
                .iter()
                .map(|t| format!("`{}`", t.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("  not applicable: {reason}");
        tally.unrun.push(Unrun {
            path: file.to_owned(),
            reason,
            load_error: false,
        });
        tally.not_applicable += 1;
        return;
    }
    let session = match target.open_session().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            tally
                .failed
                .push(format!("{}: no session ({})", scenario.name, e.code));
            return;
        }
    };
    let mut signals = signals.clone();
    let interrupted = async move {
        let _ = signals.wait_for(Option::is_some).await;
    };
    let width = scenario
        .steps
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    // Each step's line as it finishes, and a note when one starts polling, so a long retry
    // does not look hung.
    let recorder = options.recorder.clone();
    if let Some(recorder) = &recorder {
        recorder.start(&scenario.name, kind.as_str());
    }
    let watcher = Watcher::new(move |event| match event {
        Event::StepDone(step) => println!("{}", report::step_line(step, width)),
        Event::Waiting { step, status, left } => {
            println!("{}", report::waiting_line(step, *status, *left, width));
        }
        Event::Exchange(exchange) => {
            if let Some(recorder) = &recorder {
                recorder.record(exchange);
            }
        }
    });
    let mut report = run_scenario_watched(&scenario, &session, interrupted, watcher).await;
    options.snapshots.apply(&mut report);
    print!("{}", report::after_steps(&report));
    if report.passed() {
        tally.passed += 1;
    } else {
        tally.failed.push(first_failure(&report));
    }
    tally.reports.push(report);
}

/// Listens for SIGINT, SIGTERM and SIGHUP for the whole command: the first one cancels the
/// running scenario (its cleanups still run) and stops the run; a second one, while the
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
            "interrupted again by signal {second}: cleanups abandoned; what the interrupted scenario \
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
