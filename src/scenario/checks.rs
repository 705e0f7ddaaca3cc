//! Reading what a step checks and how: `expect`, `token`, `retry`, `snapshot`, `defect`
//! and `status_code`. Each function reads one key; [`expect`] is the main one.

use std::time::Duration;

use super::capture::variable_name;
use super::error::Code;
use super::model::{
    Expect, HeaderCheck, HeaderRule, JqCheck, KnownDefect, Retry, SnapshotMode, TokenCheck,
};
use super::node::{Kind, Node};
use super::raw;
use super::reader::Cx;
use super::request::choice;
use crate::duration::parse_duration;

/// `expect:` (the status comes from the step's `status_code`).
pub(crate) fn expect(cx: &mut Cx<'_>, node: &Node, status: Option<u16>) -> Expect {
    let mut out = Expect {
        status,
        ..Expect::default()
    };
    let Some(f) = cx.fields(node, "`expect`", raw::EXPECT_KEYS) else {
        return out;
    };
    out.body = f.opt("body").map(|n| cx.json(n, true));
    out.jq = f.opt("jq").map(|n| jq_list(cx, n)).unwrap_or_default();
    if let Some(n) = f.opt("headers") {
        out.headers = header_checks(cx, n);
    }
    out
}

/// A list of jq predicates.
fn jq_list(cx: &mut Cx<'_>, node: &Node) -> Vec<JqCheck> {
    let Some(items) = cx.seq(node, "jq") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let expr = cx.jq(item, "jq")?;
            Some(JqCheck {
                expr,
                span: item.span,
            })
        })
        .collect()
}

fn header_checks(cx: &mut Cx<'_>, node: &Node) -> Vec<HeaderCheck> {
    let Kind::Map(entries) = &node.kind else {
        let found = node.describe();
        cx.error(
            Code::WrongType,
            node.span,
            format!("expected a mapping of header names to checks for `headers`, found {found}"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let rule = match &e.value.kind {
            Kind::Map(_) => header_rule_map(cx, &e.value),
            _ => choice(cx, &e.value, "header check", &["present", "absent"]).map(|c| {
                if c == "present" {
                    HeaderRule::Present
                } else {
                    HeaderRule::Absent
                }
            }),
        };
        if let Some(rule) = rule {
            out.push(HeaderCheck {
                name: e.key.clone(),
                rule,
                span: e.key_span,
            });
        }
    }
    out
}

fn header_rule_map(cx: &mut Cx<'_>, node: &Node) -> Option<HeaderRule> {
    let f = cx.fields(node, "a header check", raw::HEADER_RULE_KEYS)?;
    let equals = f.opt("equals");
    let contains = f.opt("contains");
    match (equals, contains) {
        (Some(n), None) => cx.template(n, "equals").map(HeaderRule::Equals),
        (None, Some(n)) => cx.template(n, "contains").map(HeaderRule::Contains),
        (Some(_), Some(n)) => {
            let span = f.key_span("contains").unwrap_or(n.span);
            cx.error(
                Code::Conflict,
                span,
                "a header check has one of `equals` and `contains`, not both",
            );
            None
        }
        (None, None) => {
            if f.entries().is_empty() {
                cx.error(
                    Code::MissingField,
                    f.span,
                    "a header check needs `equals` or `contains`, or is `present` / `absent`",
                );
            }
            None
        }
    }
}

/// `status_code` / `defect.status`: an integer in `100..=599`.
pub(crate) fn status(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<u16> {
    let value = cx.int(node, what)?;
    match u16::try_from(value) {
        Ok(code) if (100..=599).contains(&code) => Some(code),
        _ => {
            cx.error(
                Code::BadValue,
                node.span,
                format!("`{value}` is not an HTTP status (expected 100 to 599)"),
            );
            None
        }
    }
}

/// `retry: {timeout, interval, backoff}`.
pub(crate) fn retry(cx: &mut Cx<'_>, node: &Node) -> Option<Retry> {
    let f = cx.fields(node, "`retry`", raw::RETRY_KEYS)?;
    let timeout = cx
        .required(&f, "timeout", "`retry`")
        .and_then(|n| duration(cx, n, "timeout"));
    let interval = match f.opt("interval") {
        Some(n) => duration(cx, n, "interval"),
        None => Some(Duration::from_millis(200)),
    };
    let backoff = match f.opt("backoff") {
        Some(n) => {
            let value = cx.number(n, "backoff")?;
            if !(1.0..=100.0).contains(&value) {
                cx.error(
                    Code::BadValue,
                    n.span,
                    format!("`backoff` is a multiplier from 1 to 100, found `{value}`"),
                );
                return None;
            }
            value
        }
        None => 1.5,
    };
    Some(Retry {
        timeout: timeout?,
        interval: interval?,
        backoff,
    })
}

fn duration(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<Duration> {
    let text = cx.string(node, what)?;
    match parse_duration(&text) {
        Ok(d) if !d.is_zero() => Some(d),
        Ok(_) => {
            cx.error(
                Code::BadValue,
                node.span,
                format!("`{what}` must be longer than zero"),
            );
            None
        }
        Err(why) => {
            cx.error(Code::BadValue, node.span, why);
            None
        }
    }
}

/// `token:` — a list of JWT checks.
pub(crate) fn tokens(cx: &mut Cx<'_>, node: &Node) -> Vec<TokenCheck> {
    let Some(items) = cx.seq(node, "token") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(f) = cx.fields(item, "`token`", raw::TOKEN_KEYS) else {
            continue;
        };
        let variable = cx.required(&f, "variable", "`token`").and_then(|n| {
            let name = variable_name(cx, n, "variable")?;
            cx.use_var(&name, n.span);
            Some(name)
        });
        let header = f.opt("header").map(|n| cx.json(n, true));
        let claims = f.opt("claims").map(|n| cx.json(n, true));
        let lifetime = f.opt("lifetime").and_then(|n| {
            let value = cx.int(n, "lifetime")?;
            let seconds = u64::try_from(value).ok();
            if seconds.is_none() {
                cx.error(
                    Code::BadValue,
                    n.span,
                    format!("`lifetime` is a number of seconds, found `{value}`"),
                );
            }
            seconds
        });
        let jq = f.opt("jq").map(|n| jq_list(cx, n)).unwrap_or_default();
        if let Some(variable) = variable {
            out.push(TokenCheck {
                variable,
                header,
                claims,
                jq,
                lifetime,
                span: item.span,
            });
        }
    }
    out
}

/// `snapshot: full | off | {jq: program}`.
pub(crate) fn snapshot(cx: &mut Cx<'_>, node: &Node) -> Option<SnapshotMode> {
    if let Kind::Map(_) = node.kind {
        let f = cx.fields(node, "`snapshot`", raw::SNAPSHOT_KEYS)?;
        let jq = cx.required(&f, "jq", "`snapshot`")?;
        return cx.jq(jq, "jq").map(SnapshotMode::Jq);
    }
    match choice(cx, node, "snapshot", &["full", "off"])? {
        "off" => Some(SnapshotMode::Off),
        _ => Some(SnapshotMode::Full),
    }
}

/// `defect: {reason, status}`.
pub(crate) fn defect(cx: &mut Cx<'_>, node: &Node) -> Option<KnownDefect> {
    let f = cx.fields(node, "`defect`", raw::DEFECT_KEYS)?;
    let reason = cx
        .required(&f, "reason", "`defect`")
        .and_then(|n| cx.string(n, "reason"));
    let status = f.opt("status").and_then(|n| status(cx, n, "status"));
    Some(KnownDefect {
        reason: reason?,
        status,
        span: node.span,
    })
}
