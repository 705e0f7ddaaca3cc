//! The doc verdict of a step that runs a doc's block: the target's status against the doc's
//! claim. A disagreement is a doc defect (known or new), not a failure, so one run finds
//! every defect; a known defect that no longer happens fails with `doc::defect_fixed`.

use std::sync::Mutex;

use super::progress::{Progress, push_defect};
use crate::outcome::{CheckCode, Code, Defect, DocCode, Mismatch, StepOutcome};
use crate::scenario::model::Step;

/// Compares the doc's status with the `status` answered and records a defect where they
/// disagree. Returns the step's outcome when the verdict decides it. The status check is
/// dropped from `mismatches` wherever the verdict says the same thing more clearly.
pub(super) fn doc_verdict(
    step: &Step,
    status: u16,
    excerpt: &dyn Fn() -> String,
    mismatches: &mut Vec<Mismatch>,
    progress: &Mutex<Progress>,
) -> Option<StepOutcome> {
    let (Some(source), Some(doc_status)) = (&step.source, step.expect.status) else {
        return None;
    };
    let defect = |known: Option<String>| Defect {
        step: step.name.clone(),
        doc: format!("{}:{}", source.file, source.line),
        doc_says: format!("status_code: {doc_status}"),
        actual: status.to_string(),
        known,
        excerpt: excerpt(),
    };
    let disagrees = doc_status != status;
    match (&step.defect, disagrees) {
        (Some(known), true) if known.status.is_none_or(|s| s == status) => {
            push_defect(progress, defect(Some(known.reason.clone())));
            // A defect without `status` accepts whatever the target answers; the check
            // against the doc's status is the defect itself, not a failure.
            drop_status_check(mismatches);
            Some(StepOutcome::KnownDefect)
        }
        (_, true) => {
            push_defect(progress, defect(None));
            // The run goes on, so one pass finds every defect; the status check itself
            // is reported as the defect, not as a second failure.
            drop_status_check(mismatches);
            Some(StepOutcome::DocDefect)
        }
        (Some(known), false) => {
            // The status check against the recorded (now wrong) status says the same
            // thing less clearly; report only that the doc was fixed.
            drop_status_check(mismatches);
            mismatches.insert(
                0,
                Mismatch {
                    code: Code::Doc(DocCode::DefectFixed),
                    what: "known defect".to_owned(),
                    expected: format!("the doc to be wrong: {}", known.reason),
                    actual: format!("the target answered {doc_status}, as the doc says"),
                },
            );
            None
        }
        (None, false) => None,
    }
}

/// Removes the `check::status` mismatch, which a doc verdict replaces.
fn drop_status_check(mismatches: &mut Vec<Mismatch>) {
    mismatches.retain(|m| !matches!(m.code, Code::Check(CheckCode::Status)));
}
