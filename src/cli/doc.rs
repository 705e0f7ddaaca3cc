//! `docflow doc …`: read Kong docs markdown directly — list a how-to's steps with their
//! `file:line`, print it as a scenario, check scenarios against their docs (drift), and run a
//! how-to as written on a target.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use docflow::doc::blocks::{Extracted, extract};
use docflow::doc::convert::{Conversion, convert};
use docflow::doc::diagnostic::{Diagnostic, render_all};
use docflow::doc::drift::{check_with_root, resolve_root};
use docflow::doc::emit::scenario_yaml;
use docflow::doc::infer::Inference;
use docflow::doc::markdown::{Page, load_page};
use docflow::doc::outline;
use docflow::doc::source::DocsRoot;
use docflow::report::terminal as report;
use docflow::scenario::load::load_file;
use docflow::scenario::model::TargetKind;
use docflow::targets::Target;

use super::args::TargetArg;
use super::files::scenario_files;

/// `docflow doc …`.
#[derive(Debug, Subcommand)]
pub(crate) enum DocCommand {
    /// Print a how-to's blocks (requests, curls, exports, headings), each with its file:line.
    Steps(StepsArgs),
    /// Print a how-to converted to a scenario (YAML): a starting point for a hand-written one.
    Scenario(ConvertArgs),
    /// Check that scenarios still mirror their docs; non-zero exit on drift.
    Check(CheckArgs),
    /// Run a how-to as written on a target; every disagreement is a doc defect at its file:line.
    Run(RunDocArgs),
}

/// A page and its docs root.
#[derive(Debug, Args)]
pub(crate) struct PageArgs {
    /// The how-to: a path inside the docs root (`app/_how-tos/x.md`) or on disk.
    pub(crate) page: PathBuf,
    /// The docs root (the folder holding `app/`); default: found above the page.
    #[arg(long, env = "DOCFLOW_DOCS_ROOT")]
    pub(crate) docs_root: Option<PathBuf>,
}

/// `docflow doc steps`.
#[derive(Debug, Args)]
pub(crate) struct StepsArgs {
    #[command(flatten)]
    pub(crate) page: PageArgs,
    /// Also print prose lines.
    #[arg(long)]
    pub(crate) prose: bool,
}

/// `docflow doc scenario`.
#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    #[command(flatten)]
    pub(crate) page: PageArgs,
    /// Where a manual `export NAME='YOUR-…'` is in the previous response: `NAME=JQ`
    /// (repeatable; adds to or replaces the built-in table).
    #[arg(long = "capture", value_name = "NAME=JQ")]
    pub(crate) captures: Vec<String>,
}

/// `docflow doc check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Scenario files or folders of `*.yaml` files.
    #[arg(default_value = "scenarios")]
    pub(crate) paths: Vec<PathBuf>,
    /// The docs root for every scenario, instead of each one's `doc.root`.
    #[arg(long, env = "DOCFLOW_DOCS_ROOT")]
    pub(crate) docs_root: Option<PathBuf>,
}

/// `docflow doc run`.
#[derive(Debug, Args)]
pub(crate) struct RunDocArgs {
    #[command(flatten)]
    pub(crate) convert: ConvertArgs,
    /// Where to run; defaults to `DOCFLOW_TARGET`, then `mock`.
    #[arg(long, value_enum, env = "DOCFLOW_TARGET")]
    pub(crate) target: Option<TargetArg>,
}

/// Runs the command.
pub(crate) async fn doc(command: DocCommand) -> ExitCode {
    match command {
        DocCommand::Steps(args) => steps(&args),
        DocCommand::Scenario(args) => scenario(&args),
        DocCommand::Check(args) => check(&args),
        DocCommand::Run(args) => run(&args).await,
    }
}

fn steps(args: &StepsArgs) -> ExitCode {
    match read(&args.page) {
        Ok((page, extracted)) => {
            print!("{}", outline::render(&page, &extracted, args.prose));
            ExitCode::SUCCESS
        }
        Err(errors) => fail(&errors),
    }
}

fn scenario(args: &ConvertArgs) -> ExitCode {
    match converted(args) {
        Ok(conversion) => {
            eprint!("{}", render_all(&conversion.warnings));
            print!("{}", scenario_yaml(&conversion));
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn check(args: &CheckArgs) -> ExitCode {
    let files = match scenario_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut clean, mut drifted, mut broken, mut skipped) = (0, 0, 0, 0);
    for file in &files {
        let scenario = match load_file(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                broken += 1;
                continue;
            }
        };
        if scenario.doc.is_none() {
            println!("{}: skipped: no `doc:`", file.display());
            skipped += 1;
            continue;
        }
        let report = resolve_root(&scenario, args.docs_root.as_deref())
            .map_err(|e| vec![e])
            .and_then(|root| check_with_root(&scenario, &root));
        match report {
            Ok(report) => {
                print!("{}", report.render());
                if report.is_clean() {
                    clean += 1;
                } else {
                    drifted += 1;
                }
            }
            Err(errors) => {
                eprint!("{}", render_all(&errors));
                broken += 1;
            }
        }
    }
    println!(
        "{clean} without drift, {drifted} with drift, {broken} not checked, {skipped} skipped"
    );
    if drifted == 0 && broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run(args: &RunDocArgs) -> ExitCode {
    let conversion = match converted(&args.convert) {
        Ok(c) => c,
        Err(code) => return code,
    };
    eprint!("{}", render_all(&conversion.warnings));
    let kind = match args.target {
        None | Some(TargetArg::Mock) => TargetKind::Mock,
        Some(TargetArg::Container) => TargetKind::Container,
        Some(TargetArg::Konnect) => TargetKind::Konnect,
    };
    let target = match Target::open(kind).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            return ExitCode::from(2);
        }
    };
    let session = match target.open_session().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            return ExitCode::from(2);
        }
    };
    let scenario = &conversion.scenario;
    println!(
        "── {} ({}) as written, on {}",
        scenario.name,
        scenario.path.display(),
        kind.as_str()
    );
    let interrupted = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = docflow::run_scenario_until(scenario, &session, interrupted).await;
    print!("{}", report::full(&report));
    if report.passed() && report.defects.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The docs root and the page's path inside it.
fn locate(args: &PageArgs) -> Result<(DocsRoot, String), Diagnostic> {
    let root = match &args.docs_root {
        Some(root) => DocsRoot::open(root)?,
        None => DocsRoot::infer_from_page(&args.page).ok_or_else(|| {
            Diagnostic::error(
                "doc::missing_root",
                docflow::doc::diagnostic::DocLocation::new(args.page.display().to_string(), 0),
                "no `--docs-root`, and no `app/` folder above the page",
            )
            .with_help("pass `--docs-root DIR` (the folder that holds `app/`)")
        })?,
    };
    let relative = root.relative(Path::new(&args.page))?;
    Ok((root, relative))
}

fn read(args: &PageArgs) -> Result<(Page, Extracted), Vec<Diagnostic>> {
    let (root, relative) = locate(args).map_err(|e| vec![e])?;
    let page = load_page(&root, &relative).map_err(|e| vec![e])?;
    let extracted = extract(&page)?;
    Ok((page, extracted))
}

fn converted(args: &ConvertArgs) -> Result<Conversion, ExitCode> {
    let mut inference = Inference::default();
    for spec in &args.captures {
        if let Err(e) = inference.add_capture(spec) {
            eprintln!("error: `--capture {spec}`: {e}");
            return Err(ExitCode::from(2));
        }
    }
    let (page, extracted) = read(&args.page).map_err(|e| fail(&e))?;
    convert(&page, &extracted, &inference).map_err(|e| fail(&e))
}

fn fail(errors: &[Diagnostic]) -> ExitCode {
    eprint!("{}", render_all(errors));
    ExitCode::from(2)
}
