//! Builds the validated model from the YAML tree, recording every problem on the way:
//! [`scenario`] is the main function. Requests, captures and checks have their own modules.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::capture::{captures, variable_name};
use super::checks;
use super::error::Code;
use super::model::{
    DocRef, DocSource, Expect, Request, Scenario, SnapshotMode, Span, Step, StepKeys, TargetKind,
    Template, TokenCheck, VarDef,
};
use super::node::{Kind, Node};
use super::raw;
use super::reader::{Cx, Fields, Phase, suggest};
use super::request::{self, RequestKind};
use super::scope::{Scope, ScopeStep, TARGET_VARS, Targets, is_secret_name};

/// The model (meaningful only when no error was recorded) and what the scope check needs.
pub(crate) struct Built {
    /// The scenario.
    pub(crate) scenario: Scenario,
    /// Definitions in order.
    pub(crate) scope: Scope,
    /// The scenario's targets.
    pub(crate) targets: Targets,
}

/// Reads the whole file.
pub(crate) fn scenario(cx: &mut Cx<'_>, root: &Node, path: &Path, source: Arc<str>) -> Built {
    let mut built = Built {
        scenario: Scenario {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: path.to_owned(),
            source,
            description: None,
            doc: None,
            targets: Vec::new(),
            vars: Vec::new(),
            steps: Vec::new(),
        },
        scope: Scope::default(),
        targets: Targets::ALL,
    };
    if root.kind == Kind::Null {
        cx.error(
            Code::MissingField,
            root.span,
            "missing field `steps`: the file is empty",
        );
        return built;
    }
    let Some(f) = cx.fields(root, "the scenario", raw::SCENARIO_KEYS) else {
        return built;
    };
    let s = &mut built.scenario;
    s.description = f
        .opt("description")
        .and_then(|n| cx.string(n, "description"));
    s.doc = f
        .opt("doc")
        .and_then(|n| doc(cx, n, f.key_span("doc").unwrap_or(n.span)));
    if let Some(n) = f.opt("targets") {
        s.targets = targets(cx, n);
    }
    built.targets = Targets::of(&s.targets);
    if let Some(n) = f.opt("vars") {
        s.vars = vars(cx, n);
        built.scope.vars = s.vars.iter().map(|v| v.name.clone()).collect();
    }
    let Some(steps_node) = cx.required(&f, "steps", "the scenario") else {
        return built;
    };
    let Some(items) = cx.seq(steps_node, "steps") else {
        return built;
    };
    if items.is_empty() {
        cx.error(
            Code::BadValue,
            steps_node.span,
            "a scenario needs at least one step",
        );
    }
    let mut names: HashMap<String, Span> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        cx.phase = Phase::Step { index, late: false };
        let read = step(cx, item, index, built.targets, &mut names);
        // Every step gets a scope entry, even a broken one, so indices match phases.
        built.scope.steps.push(read.scope);
        if let Some(step) = read.step {
            built.scenario.steps.push(step);
        }
    }
    built
}

fn doc(cx: &mut Cx<'_>, node: &Node, span: Span) -> Option<DocRef> {
    let f = cx.fields(node, "`doc`", raw::DOC_KEYS)?;
    let file = cx
        .required(&f, "file", "`doc`")
        .and_then(|n| cx.string(n, "file"));
    let root = f.opt("root").and_then(|n| cx.string(n, "root"));
    Some(DocRef {
        file: file?,
        root,
        span,
    })
}

/// A list of target names.
fn targets(cx: &mut Cx<'_>, node: &Node) -> Vec<TargetKind> {
    let Some(items) = cx.seq(node, "targets") else {
        return Vec::new();
    };
    if items.is_empty() {
        cx.error(
            Code::BadValue,
            node.span,
            "`targets` lists no target; leave it out to run everywhere",
        );
    }
    let mut out = Vec::new();
    for item in items {
        let Some(name) = cx.string(item, "targets") else {
            continue;
        };
        match TargetKind::parse(&name) {
            Some(kind) if !out.contains(&kind) => out.push(kind),
            Some(_) => {}
            None => {
                let known = ["mock", "container", "konnect"];
                let help = match suggest(&name, known) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "targets are `mock`, `container` and `konnect`".to_owned(),
                };
                cx.error(
                    Code::BadValue,
                    item.span,
                    format!("unknown target `{name}`"),
                )
                .help = Some(help);
            }
        }
    }
    out
}

fn vars(cx: &mut Cx<'_>, node: &Node) -> Vec<VarDef> {
    let Kind::Map(entries) = &node.kind else {
        let found = node.describe();
        cx.error(
            Code::WrongType,
            node.span,
            format!("expected a mapping of `NAME: value` for `vars`, found {found}"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        cx.phase = Phase::Vars(i);
        let key = Node {
            kind: Kind::Str(e.key.clone()),
            span: e.key_span,
            defined: e.key_span,
        };
        let name = variable_name(cx, &key, "vars");
        if let Some(name) = &name
            && TARGET_VARS.contains(&name.as_str())
        {
            cx.error(
                Code::BadValue,
                e.key_span,
                format!("`{name}` is set by the target and cannot be redefined"),
            );
        }
        let (value, marked, input) = var_value(cx, &e.value, &e.key);
        if let (Some(name), Some(value)) = (name, value) {
            out.push(VarDef {
                secret: marked || is_secret_name(&name),
                name,
                value,
                input,
                span: e.key_span,
            });
        }
    }
    out
}

/// A variable's value, whether it is marked `secret: true`, and its placeholder when it is a
/// value the reader brings: `NAME: template`, `NAME: {value: template, secret: true}` for a
/// secret whose name does not say so, or `NAME: {input: PLACEHOLDER}`.
fn var_value(cx: &mut Cx<'_>, node: &Node, name: &str) -> (Option<Template>, bool, Option<String>) {
    if !matches!(node.kind, Kind::Map(_)) {
        return (cx.template(node, name), false, None);
    }
    let what = format!("variable `{name}`");
    let Some(f) = cx.fields(node, &what, raw::VAR_KEYS) else {
        return (None, false, None);
    };
    let secret = f.opt("secret").and_then(|n| cx.bool(n, "secret")) == Some(true);
    let (value, input) = match (f.opt("value"), f.opt("input")) {
        (Some(_), Some(i)) => {
            cx.error(
                Code::BadValue,
                i.span,
                format!("{what} has both `value` and `input`; an input is a value the reader brings, so give one of them"),
            );
            (None, None)
        }
        (None, Some(i)) => {
            // The placeholder is for people only: a literal, never a template to render.
            let placeholder = cx.string(i, "input");
            (placeholder.clone().map(Template::literal), placeholder)
        }
        _ => (
            cx.required(&f, "value", &what)
                .and_then(|n| cx.template(n, name)),
            None,
        ),
    };
    (value, secret, input)
}

/// A step, and its entry for the scope check.
struct ReadStep {
    step: Option<Step>,
    scope: ScopeStep,
}

fn step(
    cx: &mut Cx<'_>,
    node: &Node,
    index: usize,
    scenario_targets: Targets,
    names: &mut HashMap<String, Span>,
) -> ReadStep {
    let mut read = ReadStep {
        step: None,
        scope: ScopeStep {
            name: format!("#{}", index + 1),
            targets: scenario_targets,
            captures: Vec::new(),
        },
    };
    let label = step_label(node, index);
    let Some(f) = cx.fields(node, &label, raw::STEP_KEYS) else {
        return read;
    };

    let name = cx
        .required(&f, "name", &label)
        .and_then(|n| step_name(cx, n, names));
    if let Some(name) = &name {
        read.scope.name.clone_from(name);
    }
    let source = f.opt("source").and_then(|n| doc_source(cx, n));
    let (step_targets, effective) = step_targets(cx, &f, scenario_targets);
    read.scope.targets = effective;
    informational_keys(cx, &f);

    // The request and its checks run before the step's captures exist.
    cx.phase = Phase::Step { index, late: false };
    let request = request::request(cx, &f, RequestKind::Step, &label, node.span);
    let status = f
        .opt("status_code")
        .and_then(|n| checks::status(cx, n, "status_code"));
    let expect = match f.opt("expect") {
        Some(n) => checks::expect(cx, n, status),
        None => Expect {
            status,
            ..Expect::default()
        },
    };
    let retry = f.opt("retry").and_then(|n| checks::retry(cx, n));
    let snapshot = f
        .opt("snapshot")
        .and_then(|n| checks::snapshot(cx, n))
        .unwrap_or(SnapshotMode::Full);
    let defect = f.opt("defect").and_then(|n| checks::defect(cx, n));
    let (captures, defined) = captures(cx, &f);
    read.scope.captures = defined;

    // Token checks and the cleanup run after the captures: they may use them.
    cx.phase = Phase::Step { index, late: true };
    let (tokens, cleanup) = late_keys(cx, &f);

    read.step = name.map(|name| Step {
        name,
        span: node.span,
        source,
        targets: step_targets,
        request,
        expect,
        captures,
        retry,
        cleanup,
        tokens,
        snapshot,
        defect,
        keys: StepKeys {
            status_code: f.key_span("status_code"),
            expect: f.key_span("expect"),
            capture: f.key_span("capture"),
            token: f.key_span("token"),
        },
    });
    read
}

/// The step's own `targets:` and the targets it runs on (those the scenario runs on too); a
/// step that runs on none of them is an error.
fn step_targets(
    cx: &mut Cx<'_>,
    f: &Fields<'_>,
    scenario_targets: Targets,
) -> (Vec<TargetKind>, Targets) {
    let step_targets = f.opt("targets").map(|n| targets(cx, n)).unwrap_or_default();
    let effective = scenario_targets.and(Targets::of(&step_targets));
    if effective.is_empty()
        && let Some(span) = f.key_span("targets")
    {
        cx.error(
            Code::BadValue,
            span,
            "this step runs on none of the scenario's targets",
        )
        .help = Some(format!("the scenario runs on {}", scenario_targets.names()));
    }
    (step_targets, effective)
}

/// Informational or docs-rendering keys: accepted, type-checked, not kept.
fn informational_keys(cx: &mut Cx<'_>, f: &Fields<'_>) {
    if let Some(n) = f.opt("region") {
        cx.string(n, "region");
    }
    if let Some(n) = f.opt("indent") {
        cx.int(n, "indent");
    }
    if let Some(n) = f.opt("display_headers") {
        cx.bool(n, "display_headers");
    }
}

/// The keys read after the captures, which they may use: `token:` checks and `cleanup:`.
fn late_keys(cx: &mut Cx<'_>, f: &Fields<'_>) -> (Vec<TokenCheck>, Option<Request>) {
    let tokens = f
        .opt("token")
        .map(|n| checks::tokens(cx, n))
        .unwrap_or_default();
    let cleanup = f.opt("cleanup").and_then(|n| {
        let cf = cx.fields(n, "`cleanup`", raw::CLEANUP_KEYS)?;
        let span = f.key_span("cleanup").unwrap_or(n.span);
        Some(request::request(
            cx,
            &cf,
            RequestKind::Cleanup,
            "`cleanup`",
            span,
        ))
    });
    (tokens, cleanup)
}

/// "step `name`" when the step has a readable name, else "step #3".
fn step_label(node: &Node, index: usize) -> String {
    if let Kind::Map(entries) = &node.kind
        && let Some(e) = entries.iter().find(|e| e.key == "name")
        && let Kind::Str(name) = &e.value.kind
    {
        return format!("step `{name}`");
    }
    format!("step #{}", index + 1)
}

fn step_name(cx: &mut Cx<'_>, node: &Node, names: &mut HashMap<String, Span>) -> Option<String> {
    let name = cx.string(node, "name")?;
    let valid = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        let fixed: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let fixed = fixed.trim_matches('-').to_owned();
        let e = cx.error(
            Code::BadValue,
            node.span,
            format!("`{name}` is not a valid step name"),
        );
        e.help = Some(if fixed.is_empty() {
            "step names are lowercase letters, digits and `-`, like `create-auth-server`".into()
        } else {
            format!("step names are lowercase letters, digits and `-`: `{fixed}`")
        });
        return None;
    }
    if let Some(first) = names.get(&name) {
        let line = first.line;
        cx.error(
            Code::DuplicateStep,
            node.span,
            format!("duplicate step name `{name}`"),
        )
        .help = Some(format!(
            "the first step named `{name}` is at line {line}; step names must be unique"
        ));
        return None;
    }
    names.insert(name.clone(), node.span);
    Some(name)
}

/// `source: file:line`.
fn doc_source(cx: &mut Cx<'_>, node: &Node) -> Option<DocSource> {
    let text = cx.string(node, "source")?;
    let parsed = text.rsplit_once(':').and_then(|(file, line)| {
        let line: usize = line.trim().parse().ok()?;
        let file = file.trim();
        (line >= 1 && !file.is_empty()).then(|| DocSource {
            file: file.to_owned(),
            line,
        })
    });
    if parsed.is_none() {
        cx.error(
            Code::BadValue,
            node.span,
            format!("`{text}` is not a `file:line` source"),
        )
        .help = Some(
            "write the docs file and the line of its block, like `app/_includes/x.md:19`".into(),
        );
    }
    parsed
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::load::load_str;
    use crate::scenario::model::StepKey;

    const SCENARIO: &str = "steps:\n  - name: a\n    url: /x\n    status_code: 201\n  - name: b\n    url: /y\n    status_code: 200\n    capture:\n      - variable: X\n        jq: .id\n";

    #[test]
    fn each_step_carries_its_own_key_spans() {
        let s = load_str(Path::new("k.yaml"), SCENARIO).unwrap();
        let a = s.steps[0].keys.get(StepKey::StatusCode).unwrap();
        assert_eq!(&SCENARIO[a.offset..a.offset + a.len], "status_code");
        assert_eq!(a.line, 4);
        assert_eq!(s.steps[0].keys.get(StepKey::Capture), None);
        let b = s.steps[1].keys.get(StepKey::Capture).unwrap();
        assert_eq!((b.line, b.column), (8, 5));
    }
}
