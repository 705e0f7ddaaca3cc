//! `docflow mock verify DIR`: replays a recording (`docflow run --record DIR`) against the
//! embedded mock, each scenario in an organization of its own, and prints one line per place
//! where the mock answers differently: `scenario/step: what`. Exit codes: 0 no difference;
//! 1 a difference; 2 no recording or an unreadable one; 3 the mock could not start.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docflow::targets::mock::MockTarget;

use super::args::VerifyArgs;
use super::exchange_diff::differences;
use super::recording::{Recorded, read_file};
use super::replay::Replay;

/// No difference.
const SAME: u8 = 0;
/// The mock answered differently somewhere.
const DIFFERENT: u8 = 1;
/// No recording, or one that does not read.
const USAGE: u8 = 2;
/// The embedded mock could not start.
const MOCK_UNAVAILABLE: u8 = 3;

/// What the replays found.
#[derive(Debug, Default)]
struct Tally {
    exchanges: usize,
    differing: usize,
    lines: usize,
    unreadable: usize,
}

/// Runs the command.
pub(crate) async fn verify(args: VerifyArgs) -> ExitCode {
    let files = match recording_files(&args.dir) {
        Ok(files) if files.is_empty() => {
            eprintln!(
                "error: no recording (`*.jsonl`) in `{}`",
                args.dir.display()
            );
            return ExitCode::from(USAGE);
        }
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let target = match MockTarget::shared() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            return ExitCode::from(MOCK_UNAVAILABLE);
        }
    };
    let mut tally = Tally::default();
    for file in &files {
        match read_file(file) {
            Ok(exchanges) => replay_file(&target, &exchanges, &mut tally).await,
            Err(e) => {
                eprintln!("error: {e}");
                tally.unreadable += 1;
            }
        }
    }
    println!(
        "exchanges: {} replayed, {} differ ({} difference{}); recordings: {} read, {} unreadable",
        tally.exchanges,
        tally.differing,
        tally.lines,
        if tally.lines == 1 { "" } else { "s" },
        files.len() - tally.unreadable,
        tally.unreadable
    );
    ExitCode::from(if tally.unreadable > 0 {
        USAGE
    } else if tally.differing > 0 {
        DIFFERENT
    } else {
        SAME
    })
}

/// The recording files: `dir` itself when it is a file, else its `*.jsonl`, sorted.
fn recording_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if dir.is_file() {
        return Ok(vec![dir.to_owned()]);
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the recording folder `{}`: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Replays one scenario's exchanges in a fresh organization, printing each difference.
async fn replay_file(target: &MockTarget, exchanges: &[Recorded], tally: &mut Tally) {
    let Some(first) = exchanges.first() else {
        return;
    };
    let session = match target.open_session().await {
        Ok(s) => s,
        Err(e) => {
            println!(
                "{}: no session on the mock: {} ({})",
                first.scenario, e.message, e.code
            );
            tally.differing += exchanges.len();
            tally.lines += 1;
            return;
        }
    };
    let mut replay = Replay::new(session);
    for recorded in exchanges {
        tally.exchanges += 1;
        let lines = match replay.send(recorded).await {
            Ok(received) => {
                let mut lines = differences(&recorded.response, &received, &replay.redactor());
                lines.extend(replay.capture(&recorded.captures, &received.json()));
                lines
            }
            Err(e) => vec![format!("no answer from the mock: {}", e.message)],
        };
        if !lines.is_empty() {
            tally.differing += 1;
            tally.lines += lines.len();
        }
        let redactor = replay.redactor();
        let cleanup = if recorded.cleanup { " (cleanup)" } else { "" };
        for line in lines {
            println!(
                "{}/{}{cleanup}: {}",
                recorded.scenario,
                recorded.step,
                redactor.text(&line)
            );
        }
    }
}
