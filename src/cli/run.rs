//! `docflow run`: runs scenarios on a target and reports each step, the doc defects and a
//! summary; the exit code is non-zero if anything failed.

use std::process::ExitCode;

use docflow::outcome::{Code, RunCode};
use docflow::report::terminal as report;
use docflow::scenario::load::load_file;
use docflow::scenario::model::TargetKind;
use docflow::targets::Target;

use super::args::{RunArgs, TargetArg};
use super::files::scenario_files;

/// Runs the command.
pub(crate) async fn run(args: RunArgs) -> ExitCode {
    let files = match scenario_files(&args.paths) {
        Ok(f) if f.is_empty() => {
            eprintln!("error: no scenario files in {:?}", args.paths);
            return ExitCode::from(2);
        }
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let kind = match args.target {
        None | Some(TargetArg::Mock) => TargetKind::Mock,
        Some(TargetArg::Container) => TargetKind::Container,
        Some(TargetArg::Konnect) => TargetKind::Konnect,
    };
    if args.dry_run {
        return dry_run(&files);
    }
    let target = match Target::open(kind).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut reports = Vec::new();
    for file in &files {
        let scenario = match load_file(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
                continue;
            }
        };
        println!(
            "── {} ({}) on {}",
            scenario.name,
            file.display(),
            kind.as_str()
        );
        if !scenario.runs_on(kind) {
            println!("  skipped: scenario does not run on `{}`", kind.as_str());
            skipped += 1;
            continue;
        }
        let session = match target.open_session().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error[{}]: {}", e.code, e.message);
                failed += 1;
                continue;
            }
        };
        let interrupted = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let report = docflow::run_scenario_until(&scenario, &session, interrupted).await;
        print!("{}", report::full(&report));
        if report.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
        let cancelled = report
            .failures
            .iter()
            .any(|f| matches!(f.code, Code::Run(RunCode::Cancelled)));
        reports.push(report);
        if let Some(path) = &args.junit
            && let Err(e) = std::fs::write(path, docflow::report::junit::junit_xml(&reports))
        {
            eprintln!(
                "error: cannot write the JUnit report `{}`: {e}",
                path.display()
            );
            failed += 1;
        }
        if cancelled {
            break;
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints every step's request as curl with `$VARS`, sending nothing.
fn dry_run(files: &[std::path::PathBuf]) -> ExitCode {
    let mut ok = true;
    for file in files {
        match load_file(file) {
            Ok(scenario) => {
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
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
