//! A step's `token:` checks: decode, verify against the issuer's keys, compare the header and
//! claims the scenario names, run its jq predicates.

use serde_json::{Value, json};

use super::check::{differences, jq_predicate};
use crate::claims::{self, VerifiedToken};
use crate::outcome::{CheckCode, Code, Mismatch};
use crate::scenario::model::{Step, TokenCheck};
use crate::targets::session::Session;
use crate::vars::Vars;

/// Decodes, verifies and checks the step's tokens; returns their redacted views by variable.
pub(super) async fn verify_tokens(
    step: &Step,
    vars: &Vars,
    session: &Session,
    mismatches: &mut Vec<Mismatch>,
) -> Vec<(String, Value)> {
    let mut views = Vec::new();
    for t in &step.tokens {
        if let Some(view) = verify_token(t, vars, session, mismatches).await {
            views.push((t.variable.clone(), view));
        }
    }
    views
}

/// One token: its view when it verifies. A token that does not verify (or whose time claims
/// are inconsistent) fails with the `claims::…` code that says why; a claim that differs from
/// the scenario's is `check::token`.
async fn verify_token(
    t: &TokenCheck,
    vars: &Vars,
    session: &Session,
    mismatches: &mut Vec<Mismatch>,
) -> Option<Value> {
    let what = format!("token `{}`", t.variable);
    let Some(token) = vars.get(&t.variable) else {
        mismatches.push(mismatch(
            Code::Check(CheckCode::Token),
            what,
            "a captured token".to_owned(),
            "undefined".to_owned(),
        ));
        return None;
    };
    // When the scenario names the issuer (`claims: {iss: $ISSUER_URL}`), docflow fetches
    // discovery and keys only from it, so a hostile token cannot pick the URL.
    let expected_iss = t
        .claims
        .as_ref()
        .and_then(|c| c.get("iss"))
        .and_then(|iss| vars.render_json(iss).ok())
        .and_then(|iss| iss.as_str().map(str::to_owned));
    let verified = match claims::verify(&token.text, expected_iss.as_deref(), &session.http).await {
        Ok(v) => v,
        Err(e) => {
            mismatches.push(mismatch(
                Code::Claims(e.code),
                what,
                "a token signed by its issuer".to_owned(),
                e.message,
            ));
            return None;
        }
    };
    if let Err(e) = claims::check_time_claims(&verified.claims, t.lifetime) {
        mismatches.push(mismatch(
            Code::Claims(e.code),
            what,
            "consistent time claims".to_owned(),
            e.message,
        ));
    }
    compare_subsets(t, &verified, vars, mismatches);
    for predicate in &t.jq {
        if let Some(mut m) = jq_predicate(&predicate.expr, &verified.claims) {
            m.code = Code::Check(CheckCode::Token);
            m.what = format!("token `{}` {}", t.variable, m.what);
            mismatches.push(m);
        }
    }
    Some(json!({"header": verified.header, "claims": verified.claims}))
}

/// Compares the header and claims the scenario names with the verified token's.
fn compare_subsets(
    t: &TokenCheck,
    verified: &VerifiedToken,
    vars: &Vars,
    mismatches: &mut Vec<Mismatch>,
) {
    for (what, subset, actual) in [
        ("header", &t.header, &verified.header),
        ("claims", &t.claims, &verified.claims),
    ] {
        let Some(subset) = subset else { continue };
        match vars.render_json(subset) {
            Ok(subset) => {
                for (path, e, a) in differences(&subset, actual) {
                    mismatches.push(mismatch(
                        Code::Check(CheckCode::Token),
                        format!("token `{}` {what} at `{path}`", t.variable),
                        e,
                        a,
                    ));
                }
            }
            Err(missing) => mismatches.push(mismatch(
                Code::Check(CheckCode::Token),
                format!("token `{}` {what}", t.variable),
                format!("`${}` to be defined", missing.0),
                "undefined".to_owned(),
            )),
        }
    }
}

/// A failed token check.
fn mismatch(code: Code, what: String, expected: String, actual: String) -> Mismatch {
    Mismatch {
        code,
        what,
        expected,
        actual,
    }
}
