//! What a failed step reports besides its checks: a curl reproduction with the exports it
//! needs, and a short excerpt of the answer.

use serde_json::Value;

use crate::outcome::{Code, Failure};
use crate::redact::Redactor;
use crate::scenario::model::Step;
use crate::vars::Vars;

/// Longest response excerpt shown in failures and defects.
const EXCERPT_LIMIT: usize = 1500;

/// A failure of `step`, with its curl reproduction and the exports it needs.
pub(super) fn step_failure(step: &Step, vars: &Vars, code: Code, message: String) -> Failure {
    Failure {
        code,
        step: Some(step.name.clone()),
        span: step.span,
        message,
        mismatches: vec![],
        excerpt: None,
        curl: Some(crate::curl::to_curl(&step.request)),
        exports: exports_for(step, vars),
        doc: step
            .source
            .as_ref()
            .map(|s| format!("{}:{}", s.file, s.line)),
        keys: step.keys,
    }
}

/// `export NAME='value'` lines for the variables the step's curl uses, so it reproduces: the
/// non-secret ones with their value, the secret ones as a reminder to set them. The curl's
/// implicit variables count too: the API or proxy base URL its destination adds, and
/// `$KONNECT_TOKEN` when the Konnect `Authorization` header is added.
fn exports_for(step: &Step, vars: &Vars) -> Vec<String> {
    let request = &step.request;
    let mut names: Vec<String> = request
        .implicit_vars()
        .into_iter()
        .map(str::to_owned)
        .collect();
    names.extend(request.used_vars());
    names.sort_unstable();
    names.dedup();
    let redactor = Redactor::from_vars(vars);
    names
        .into_iter()
        .filter_map(|name| {
            let v = vars.get(&name)?;
            // Also a value encoded from secrets (`@base64` Basic credentials).
            Some(
                if v.secret || vars.contains_secret(&v.text) || redactor.hides(&v.text) {
                    format!("export {name}=…  # secret: set it yourself")
                } else {
                    format!("export {name}='{}'", v.text.replace('\'', r"'\''"))
                },
            )
        })
        .collect()
}

/// A pretty-printed, truncated excerpt of a (redacted) body.
pub(super) fn excerpt(body: &Value) -> String {
    let text = match body {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    if text.len() <= EXCERPT_LIMIT {
        return text;
    }
    let mut cut = EXCERPT_LIMIT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n… ({} more bytes)", &text[..cut], text.len() - cut)
}
