//! `docflow doc …`: read Kong docs markdown directly — list a how-to's steps with their
//! `file:line`, print it as a scenario, check scenarios against their docs (drift), and run a
//! how-to as written on a target.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use docflow::doc::blocks::{Extracted, extract};
use docflow::doc::code::DocCode;
use docflow::doc::convert::{Conversion, convert};
use docflow::doc::diagnostic::{Diagnostic, render_all};
use docflow::doc::drift::{check_with_root, resolve_root};
use docflow::doc::emit::scenario_yaml;
use docflow::doc::infer::Inference;
use docflow::doc::markdown::{Page, load_page};
use docflow::doc::outline;
use docflow::doc::source::DocsRoot;
use docflow::doc::verdict::{self, PageVerdict, StepVerdict, Verdict};
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
    /// A value the page expects the reader to bring (an API key, a host): `NAME=VALUE`
    /// (repeatable); written to `vars:` instead of a placeholder.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub(crate) vars: Vec<String>,
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
    /// How-tos, or folders of them (every `*.md` below, each run in isolation).
    #[arg(required = true)]
    pub(crate) pages: Vec<PathBuf>,
    /// The docs root (the folder holding `app/`); default: found above each page.
    #[arg(long, env = "DOCFLOW_DOCS_ROOT")]
    pub(crate) docs_root: Option<PathBuf>,
    /// Where a manual `export NAME='YOUR-…'` is in the previous response: `NAME=JQ`
    /// (repeatable).
    #[arg(long = "capture", value_name = "NAME=JQ")]
    pub(crate) captures: Vec<String>,
    /// A value the page expects the reader to bring (an API key, a host): `NAME=VALUE`
    /// (repeatable). Secret-looking names are redacted like every secret.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub(crate) vars: Vec<String>,
    /// Also write the verdicts as JUnit XML (a suite per page, a case per step).
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Where to run; defaults to `DOCFLOW_TARGET`, then `mock`.
    #[arg(long, value_enum, env = "DOCFLOW_TARGET")]
    pub(crate) target: Option<TargetArg>,
    /// Treat the variable `NAME` (a capture of the converted page) as a secret: its value is
    /// redacted everywhere (repeatable).
    #[arg(long = "secret", value_name = "NAME", value_parser = super::args::secret_name)]
    pub(crate) secrets: Vec<String>,
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
    let inputs = match var_inputs(&args.vars) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut conversion = match converted(args) {
        Ok(conversion) => conversion,
        Err(code) => return code,
    };
    for (name, value) in &inputs {
        if let Err(e) = conversion.supply(name, value) {
            eprintln!("error: `--var {name}=…`: {e}");
            return ExitCode::from(2);
        }
    }
    eprint!("{}", render_all(&conversion.warnings));
    if !conversion.unwritable.is_empty() {
        // Better no file than one `docflow validate` rejects.
        return fail(&conversion.unwritable);
    }
    print!("{}", scenario_yaml(&conversion));
    ExitCode::SUCCESS
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

/// Exit code of `doc run` when a page has a doc defect (and docflow ran everything).
const EXIT_DEFECTS: u8 = 1;
/// Exit code of `doc run` when docflow could not read, convert or run a step.
const EXIT_DOCFLOW_ERROR: u8 = 2;

async fn run(args: &RunDocArgs) -> ExitCode {
    let pages = match doc_pages(&args.pages) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_DOCFLOW_ERROR);
        }
    };
    let kind = match args.target {
        None | Some(TargetArg::Mock) => TargetKind::Mock,
        Some(TargetArg::Container) => TargetKind::Container,
        Some(TargetArg::Konnect) => TargetKind::Konnect,
    };
    let target = match Target::open(kind).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            return ExitCode::from(EXIT_DOCFLOW_ERROR);
        }
    };
    let inputs = match var_inputs(&args.vars) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_DOCFLOW_ERROR);
        }
    };
    // SIGINT, SIGTERM and SIGHUP alike, as in `docflow run`: the running page is cancelled
    // (its cleanups run), the rest are not started, the reports are written.
    let signals = super::run::listen_for_signals();
    let mut verdicts = Vec::new();
    let mut marked = Vec::new();
    for page in &pages {
        if signals.borrow().is_some() {
            break;
        }
        let page_args = ConvertArgs {
            page: PageArgs {
                page: page.clone(),
                docs_root: args.docs_root.clone(),
            },
            captures: args.captures.clone(),
            vars: Vec::new(),
        };
        let secrets = Secrets {
            names: &args.secrets,
            marked: &mut marked,
        };
        let run = PageRun {
            target: &target,
            kind,
            full: pages.len() == 1,
            signals: &signals,
            inputs: &inputs,
        };
        verdicts.push(run_page(&page_args, &run, secrets).await);
    }
    super::run::warn_unmarked(&args.secrets, &marked);
    if pages.len() > 1 {
        print!("{}", verdict::health_report(&verdicts));
    }
    if let Some(path) = &args.junit
        && let Err(e) = std::fs::write(path, verdict::junit_xml(&verdicts))
    {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return ExitCode::from(EXIT_DOCFLOW_ERROR);
    }
    if let Some(signal) = *signals.borrow() {
        let code = docflow::signals::exit_code(signal);
        println!(
            "interrupted by signal {signal}: {} of {} pages ran, the last one cut short (exit {code})",
            verdicts.len(),
            pages.len()
        );
        return ExitCode::from(code);
    }
    verdicts_exit(&verdicts)
}

/// The `--var NAME=VALUE` inputs; the value of a malformed one is left out of the error.
fn var_inputs(specs: &[String]) -> Result<Vec<(String, String)>, String> {
    specs
        .iter()
        .map(|spec| match spec.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
            _ => Err(format!(
                "`--var {}`: expected `NAME=VALUE`",
                spec.split('=').next().unwrap_or("")
            )),
        })
        .collect()
}

/// The exit code of a run that was not interrupted: docflow errors first, then defects.
fn verdicts_exit(verdicts: &[PageVerdict]) -> ExitCode {
    if verdicts.iter().any(|v| v.count("docflow error") > 0) {
        ExitCode::from(EXIT_DOCFLOW_ERROR)
    } else if verdicts.iter().any(|v| v.count("doc defect") > 0) {
        ExitCode::from(EXIT_DEFECTS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `--secret` names, and those a page defined so far.
struct Secrets<'a> {
    names: &'a [String],
    marked: &'a mut Vec<String>,
}

/// Where and how a page runs.
struct PageRun<'a> {
    target: &'a Target,
    kind: TargetKind,
    /// Print the runner's step report too (a single page).
    full: bool,
    /// Set to the signal that interrupted the command.
    signals: &'a tokio::sync::watch::Receiver<Option<i32>>,
    /// `--var` values: what the page expects the reader to bring.
    inputs: &'a [(String, String)],
}

/// Runs one page in its own session.
async fn run_page(args: &ConvertArgs, run: &PageRun<'_>, secrets: Secrets<'_>) -> PageVerdict {
    let (target, kind, full) = (run.target, run.kind, run.full);
    let failed = |page: &Path, message: String| PageVerdict {
        page: page.display().to_string(),
        steps: vec![StepVerdict {
            at: page.display().to_string(),
            what: "the page".to_owned(),
            verdict: Verdict::DocflowError(message),
        }],
        ..PageVerdict::default()
    };
    let mut conversion = match converted_quietly(args) {
        Ok(c) => c,
        Err(errors) => {
            eprint!("{}", render_all(&errors));
            let first = errors.first().map_or_else(String::new, ToString::to_string);
            return failed(&args.page.page, first);
        }
    };
    // The reader's own values come first, as their shell has them before the page starts.
    let given = run
        .inputs
        .iter()
        .map(|(name, value)| docflow::scenario::model::VarDef {
            name: name.clone(),
            value: docflow::scenario::model::Template::literal(value),
            secret: docflow::secret::is_secret_name(name),
            input: None,
            span: docflow::scenario::model::Span::default(),
        });
    conversion.scenario.vars.splice(0..0, given);
    for name in conversion.scenario.mark_secrets(secrets.names) {
        secrets.marked.push(name.to_owned());
    }
    eprint!("{}", render_all(&conversion.warnings));
    if conversion.not_for_konnect.is_some() {
        // Nothing of it is for a Konnect reader: every step is out of reach, nothing is sent.
        let verdicts = PageVerdict::new(&conversion, None, None);
        print!("{}", verdicts.render());
        return verdicts;
    }
    let session = match target.open_session().await {
        Ok(s) => s,
        Err(e) => {
            let message = format!("[{}] {}", e.code, e.message);
            return PageVerdict::new(&conversion, None, Some(&message));
        }
    };
    let scenario = &conversion.scenario;
    println!(
        "── {} ({}) as written, on {}",
        scenario.name,
        scenario.path.display(),
        kind.as_str()
    );
    let mut signals = run.signals.clone();
    let interrupted = async move {
        let _ = signals.wait_for(Option::is_some).await;
    };
    let report = docflow::run_scenario_until(scenario, &session, interrupted).await;
    if full {
        // The runner's own failure diagnostics point into the expanded page; the verdicts
        // below name each step's file:line in the docs instead.
        print!("{}", report::step_lines(&report));
    }
    let verdicts = PageVerdict::new(&conversion, Some(&report), None);
    print!("{}", verdicts.render());
    verdicts
}

/// The pages: files as given, folders walked for `*.md` (sorted).
fn doc_pages(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            entries.sort();
            let (dirs, files): (Vec<_>, Vec<_>) = entries.into_iter().partition(|p| p.is_dir());
            out.extend(
                files
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "md")),
            );
            out.extend(doc_pages(&dirs)?);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// The docs root and the page's path inside it.
fn locate(args: &PageArgs) -> Result<(DocsRoot, String), Diagnostic> {
    let root = match &args.docs_root {
        Some(root) => DocsRoot::open(root)?,
        None => DocsRoot::infer_from_page(&args.page).ok_or_else(|| {
            Diagnostic::error(
                DocCode::MissingRoot,
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
    converted_quietly(args).map_err(|e| fail(&e))
}

/// The page converted, or what stopped it (a bad `--capture` is one of them).
fn converted_quietly(args: &ConvertArgs) -> Result<Conversion, Vec<Diagnostic>> {
    let mut inference = Inference::default();
    for spec in &args.captures {
        if let Err(e) = inference.add_capture(spec) {
            return Err(vec![Diagnostic::error(
                DocCode::BadCaptureOption,
                docflow::doc::diagnostic::DocLocation::new(format!("--capture {spec}"), 0),
                e,
            )]);
        }
    }
    let (page, extracted) = read(&args.page)?;
    convert(&page, &extracted, &inference)
}

fn fail(errors: &[Diagnostic]) -> ExitCode {
    eprint!("{}", render_all(errors));
    ExitCode::from(2)
}
