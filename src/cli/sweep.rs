//! `docflow sweep`: deletes the resources docflow runs left on a Konnect organization (the
//! ones carrying its label or tag) that are older than `--older-than`, and prints each one
//! with what it did. Unlabelled resources are never touched.

use std::process::ExitCode;

use docflow::targets::konnect::{KonnectApi, KonnectConfig, SweepAction, SweepOptions, sweep};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::args::SweepArgs;

/// Runs the command.
pub(crate) async fn run(args: SweepArgs) -> ExitCode {
    let api = match KonnectConfig::from_env().and_then(|c| KonnectApi::new(&c)) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            return ExitCode::from(2);
        }
    };
    let now = OffsetDateTime::now_utc();
    let cutoff = match time::Duration::try_from(args.older_than) {
        Ok(age) => now - age,
        Err(_) => {
            eprintln!("error: `--older-than` is too long");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} docflow resources created before {} (older than {}) at {}",
        if args.dry_run {
            "dry run: would sweep"
        } else {
            "sweeping"
        },
        show_time(cutoff),
        humantime(args.older_than),
        api.base()
    );
    let report = match sweep(
        &api,
        SweepOptions {
            cutoff,
            dry_run: args.dry_run,
        },
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            return ExitCode::FAILURE;
        }
    };
    for item in &report.items {
        let verb = match &item.action {
            SweepAction::Deleted => "deleted".to_owned(),
            SweepAction::WouldDelete => "would delete".to_owned(),
            SweepAction::Kept(why) => format!("kept ({why})"),
            SweepAction::Failed(why) => format!("FAILED to delete ({why})"),
        };
        println!(
            "  {verb}: {} `{}` id {} run {} created {}",
            item.kind,
            item.name.as_deref().unwrap_or("-"),
            item.id,
            item.run.as_deref().unwrap_or("?"),
            item.created.map_or_else(|| "?".to_owned(), show_time),
        );
    }
    for warning in &report.warnings {
        println!("  warning: {warning}");
    }
    let deleted = report.count(|a| matches!(a, SweepAction::Deleted | SweepAction::WouldDelete));
    let kept = report.count(|a| matches!(a, SweepAction::Kept(_)));
    let failed = report.count(|a| matches!(a, SweepAction::Failed(_)));
    println!(
        "{deleted} {}, {kept} kept, {failed} failed",
        if args.dry_run {
            "would be deleted"
        } else {
            "deleted"
        }
    );
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn show_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn humantime(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
