//! `docflow validate` and `docflow schema`.

use std::path::PathBuf;
use std::process::ExitCode;

use docflow::scenario::load::load_file;

use super::files::scenario_files;

/// Checks each file; prints every problem; non-zero exit if any file has one.
pub(crate) fn validate(paths: &[PathBuf]) -> ExitCode {
    let files = match scenario_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut bad = 0;
    for file in &files {
        match load_file(file) {
            Ok(s) => println!("ok: {} ({} steps)", file.display(), s.steps.len()),
            Err(e) => {
                bad += 1;
                // Every problem at once: a located one-liner each for logs and editors, then
                // the source snippets.
                eprint!("{}", e.render_plain());
                eprintln!("{}", e.render_graphical(super::colour::stderr()));
            }
        }
    }
    println!("{} valid, {bad} invalid", files.len() - bad);
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the JSON Schema of the scenario format (the checked-in
/// `scenarios/docflow.schema.json` is this output).
pub(crate) fn schema() -> ExitCode {
    print!("{}", docflow::scenario::schema::json_schema_text());
    ExitCode::SUCCESS
}
