//! Reading a step's captures: `capture:` (list or the docs' single-variable form with a
//! step-level `jq:`) and `extract_body:`. [`captures`] is the main function.
//!
//! The docs often write both `extract_body` and `capture` for the same variable; that is
//! one capture, and the `capture` one (an explicit jq program) wins.

use super::error::Code;
use super::model::{Capture, Span};
use super::node::{Kind, Node};
use super::raw;
use super::reader::{Cx, Fields};
use super::scope::is_secret_name;
use super::template::is_var_name;
use crate::jq::Program;

/// The step's captures, and the names of every variable it defines (including those whose
/// jq is broken, so later uses are not reported as undefined on top of the jq error).
pub(crate) fn captures(cx: &mut Cx<'_>, f: &Fields<'_>) -> (Vec<Capture>, Vec<String>) {
    let mut found = Captured::default();
    let single_form = matches!(f.opt("capture").map(|n| &n.kind), Some(Kind::Str(_)));
    match f.opt("capture") {
        Some(
            node @ Node {
                kind: Kind::Str(_), ..
            },
        ) => single_capture(cx, f, node, &mut found),
        Some(Node {
            kind: Kind::Seq(items),
            ..
        }) => capture_list(cx, items, &mut found),
        Some(other) => {
            let kind = other.describe();
            cx.error(
                Code::WrongType,
                other.span,
                format!("expected a list of `{{variable, jq}}` or a variable name for `capture`, found {kind}"),
            );
        }
        None => {}
    }

    if !single_form && let Some(span) = f.key_span("jq") {
        cx.error(
            Code::Conflict,
            span,
            "a step-level `jq` belongs to `capture: VARIABLE`",
        )
        .help =
            Some("use `capture: [{variable, jq}]`, or `expect: {jq: [...]}` for a check".into());
    }

    if let Some(node) = f.opt("extract_body")
        && let Some(items) = cx.seq(node, "extract_body")
    {
        extract_body(cx, items, &mut found);
    }
    (found.out, found.defined)
}

/// What the step's capture keys read so far.
#[derive(Default)]
struct Captured {
    /// The captures to run.
    out: Vec<Capture>,
    /// Every variable defined, a broken capture's included.
    defined: Vec<String>,
}

/// The docs' single-variable form: `capture: VARIABLE` with a step-level `jq:`.
fn single_capture(cx: &mut Cx<'_>, f: &Fields<'_>, node: &Node, found: &mut Captured) {
    let variable = variable_name(cx, node, "capture");
    let jq = match f.opt("jq") {
        Some(n) => cx.jq(n, "jq"),
        None => {
            let span = f.key_span("capture").unwrap_or(node.span);
            cx.error(
                Code::MissingField,
                span,
                "missing field `jq` for `capture: VARIABLE`",
            )
            .help = Some(
                "add a step-level `jq: \".field\"`, or write `capture: [{variable, jq}]`".into(),
            );
            None
        }
    };
    if let Some(variable) = variable {
        push(&mut found.defined, &variable);
        if let Some(jq) = jq {
            found.out.push(capture(variable, jq, node.span));
        }
    }
}

/// `capture: [{variable, jq, secret}]`.
fn capture_list(cx: &mut Cx<'_>, items: &[Node], found: &mut Captured) {
    for item in items {
        let Some(cf) = cx.fields(item, "`capture`", raw::CAPTURE_KEYS) else {
            continue;
        };
        let variable = cx
            .required(&cf, "variable", "`capture`")
            .and_then(|n| variable_name(cx, n, "variable"));
        let jq = cx
            .required(&cf, "jq", "`capture`")
            .and_then(|n| cx.jq(n, "jq"));
        let marked = cf.opt("secret").and_then(|n| cx.bool(n, "secret")) == Some(true);
        let Some(variable) = variable else { continue };
        if found.defined.contains(&variable) {
            duplicate(cx, &variable, cf.key_span("variable").unwrap_or(item.span));
            continue;
        }
        push(&mut found.defined, &variable);
        if let Some(jq) = jq {
            let mut capture = capture(variable, jq, item.span);
            capture.secret |= marked;
            found.out.push(capture);
        }
    }
}

/// `extract_body: [{name, variable}]`; a variable `capture` already defines is skipped.
fn extract_body(cx: &mut Cx<'_>, items: &[Node], found: &mut Captured) {
    let from_capture = found.defined.clone();
    let mut extracted: Vec<String> = Vec::new();
    for item in items {
        let Some(ef) = cx.fields(item, "`extract_body`", raw::EXTRACT_KEYS) else {
            continue;
        };
        let jq = cx
            .required(&ef, "name", "`extract_body`")
            .and_then(|n| extract_jq(cx, n));
        let variable = cx
            .required(&ef, "variable", "`extract_body`")
            .and_then(|n| variable_name(cx, n, "variable"));
        let Some(variable) = variable else { continue };
        if extracted.contains(&variable) {
            duplicate(cx, &variable, ef.key_span("variable").unwrap_or(item.span));
            continue;
        }
        extracted.push(variable.clone());
        // The docs pair `extract_body` with a `capture` of the same variable; the
        // capture's explicit jq is the one to keep.
        if from_capture.contains(&variable) {
            continue;
        }
        push(&mut found.defined, &variable);
        if let Some(jq) = jq {
            found.out.push(capture(variable, jq, item.span));
        }
    }
}

fn capture(variable: String, jq: String, span: Span) -> Capture {
    Capture {
        secret: is_secret_name(&variable),
        variable,
        jq,
        span,
    }
}

fn push(defined: &mut Vec<String>, name: &str) {
    if !defined.iter().any(|d| d == name) {
        defined.push(name.to_owned());
    }
}

fn duplicate(cx: &mut Cx<'_>, variable: &str, span: Span) {
    cx.error(
        Code::BadValue,
        span,
        format!("variable `{variable}` is captured twice in this step"),
    );
}

/// A variable name, `[A-Z_][A-Z0-9_]*`.
pub(crate) fn variable_name(cx: &mut Cx<'_>, node: &Node, what: &str) -> Option<String> {
    let name = cx.string(node, what)?;
    if is_var_name(&name) {
        return Some(name);
    }
    cx.error(
        Code::BadValue,
        node.span,
        format!("`{name}` is not a variable name"),
    )
    .help = Some(format!(
        "variable names are `[A-Z_][A-Z0-9_]*`, like `{}`",
        suggest_var_name(&name)
    ));
    None
}

fn suggest_var_name(name: &str) -> String {
    let upper: String = name
        .trim_start_matches('$')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if is_var_name(&upper) {
        upper
    } else {
        "AUTH_SERVER_ID".to_owned()
    }
}

/// The jq program for an `extract_body` `name`, checked.
fn extract_jq(cx: &mut Cx<'_>, node: &Node) -> Option<String> {
    let name = cx.string(node, "name")?;
    match path_to_jq(&name) {
        Ok(jq) => match Program::compile(&jq) {
            Ok(_) => Some(jq),
            Err(e) => {
                cx.error(
                    Code::BadJq,
                    node.span,
                    format!("`{name}` gives the invalid jq `{jq}`: {}", e.message),
                );
                None
            }
        },
        Err(why) => {
            cx.error(Code::BadValue, node.span, why).help =
                Some("write a dotted path such as `id` or `data[0].id`".into());
            None
        }
    }
}

/// Turns a dotted path (`data[0].id`, `config.client-id`) into a jq path
/// (`.data[0].id`, `.config["client-id"]`).
pub(crate) fn path_to_jq(path: &str) -> Result<String, String> {
    let bad = || format!("`{path}` is not a dotted path");
    let trimmed = path.strip_prefix('.').unwrap_or(path);
    if trimmed.is_empty() {
        return Err(bad());
    }
    let mut jq = String::new();
    for segment in trimmed.split('.') {
        let (key, mut rest) = match segment.find('[') {
            Some(i) => segment.split_at(i),
            None => (segment, ""),
        };
        if key.is_empty() && rest.is_empty() {
            return Err(bad());
        }
        if !key.is_empty() {
            if key.contains(']') {
                return Err(bad());
            }
            let plain = key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if plain {
                jq.push('.');
                jq.push_str(key);
            } else {
                let quoted = serde_json::to_string(key).map_err(|_| bad())?;
                if jq.is_empty() {
                    jq.push('.');
                }
                jq.push_str(&format!("[{quoted}]"));
            }
        } else if jq.is_empty() {
            jq.push('.');
        }
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[').ok_or_else(bad)?;
            let close = inner.find(']').ok_or_else(bad)?;
            let index = &inner[..close];
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            jq.push_str(&format!("[{index}]"));
            rest = &inner[close + 1..];
        }
    }
    Ok(jq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_become_jq_paths() {
        assert_eq!(path_to_jq("id").unwrap(), ".id");
        assert_eq!(path_to_jq("data[0].id").unwrap(), ".data[0].id");
        assert_eq!(path_to_jq(".issuer").unwrap(), ".issuer");
        assert_eq!(path_to_jq("a.b[1][2].c").unwrap(), ".a.b[1][2].c");
        assert_eq!(
            path_to_jq("config.client-id").unwrap(),
            r#".config["client-id"]"#
        );
        assert_eq!(path_to_jq("[0].id").unwrap(), ".[0].id");
    }

    #[test]
    fn broken_paths_are_rejected() {
        for bad in ["", ".", "a..b", "a[", "a[x]", "a[]", "a]b", "a[0]b", "a."] {
            assert!(path_to_jq(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generated_paths_compile() {
        for path in ["id", "data[0].id", "config.client-id", "[0].id"] {
            let jq = path_to_jq(path).unwrap();
            assert!(Program::compile(&jq).is_ok(), "{jq}");
        }
    }
}
