//! Typed reads over the YAML tree that record problems instead of stopping: [`Cx`] is the
//! main type.
//!
//! Every reader returns `Option`: `None` means the value was absent or wrong, and in the
//! latter case an error with a position is already recorded. The loader keeps going, so
//! one file yields all its problems at once.

use serde_json::Value;

use super::error::{Code, LoadError};
use super::model::{Span, Template};
use super::node::{Entry, Kind, LineIndex, Node};
use super::raw;
use crate::jq::Program;

/// Where in the file's order a variable is used: scenario `vars:` are read in order, then
/// each step's request and checks (`late: false`), then the parts that run after the step's
/// captures (`late: true`: token checks and cleanup).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    /// The value of the `index`-th entry of `vars:`.
    Vars(usize),
    /// Inside step `index`.
    Step {
        /// Step index.
        index: usize,
        /// After the step's own captures.
        late: bool,
    },
}

/// A `$VAR` used somewhere in the file.
#[derive(Debug, Clone)]
pub(crate) struct VarUse {
    /// The variable name.
    pub(crate) name: String,
    /// Where it is written.
    pub(crate) span: Span,
    /// When it is needed.
    pub(crate) phase: Phase,
}

/// The reading context: the source, the problems found so far and the variables used.
pub(crate) struct Cx<'s> {
    source: &'s str,
    index: LineIndex<'s>,
    /// Problems found so far.
    pub(crate) errors: Vec<LoadError>,
    /// Variables used so far, for the scope check.
    pub(crate) uses: Vec<VarUse>,
    /// The phase templates read now belong to.
    pub(crate) phase: Phase,
}

/// A mapping whose type has been checked.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'n> {
    /// Where the mapping starts.
    pub(crate) span: Span,
    entries: &'n [Entry],
}

impl<'n> Fields<'n> {
    /// The entries in file order.
    pub(crate) fn entries(&self) -> &'n [Entry] {
        self.entries
    }

    fn entry(&self, key: &str) -> Option<&'n Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// An optional field; `null` counts as absent (`description:` with nothing after it).
    pub(crate) fn opt(&self, key: &str) -> Option<&'n Node> {
        self.entry(key)
            .map(|e| &e.value)
            .filter(|n| n.kind != Kind::Null)
    }

    /// Where `key` is written, if it is.
    pub(crate) fn key_span(&self, key: &str) -> Option<Span> {
        self.entry(key).map(|e| e.key_span)
    }
}

impl<'s> Cx<'s> {
    /// A context for `source`.
    pub(crate) fn new(source: &'s str) -> Self {
        Self {
            source,
            index: LineIndex::new(source),
            errors: Vec::new(),
            uses: Vec::new(),
            phase: Phase::Vars(0),
        }
    }

    /// Records an error and returns it for adding help.
    pub(crate) fn error(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
    ) -> &mut LoadError {
        self.errors.push(LoadError::new(code, span, message));
        let last = self.errors.len() - 1;
        &mut self.errors[last]
    }

    /// The text written for `node` (for an alias, the anchored node's text).
    pub(crate) fn text_of(&self, node: &Node) -> &'s str {
        let d = node.defined;
        self.source.get(d.offset..d.offset + d.len).unwrap_or("")
    }

    fn wrong_type(&mut self, node: &Node, expected: &str, what: &str) {
        let found = node.describe();
        self.error(
            Code::WrongType,
            node.span,
            format!("expected {expected} for `{what}`, found {found}"),
        );
    }

    /// A mapping, checked against the keys it may have: unknown keys are reported with a
    /// did-you-mean, and reading goes on with the known ones.
    pub(crate) fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Option<Fields<'n>> {
        let Kind::Map(entries) = &node.kind else {
            self.wrong_type(node, "a mapping", what);
            return None;
        };
        for entry in entries {
            if known.contains(&entry.key.as_str()) {
                continue;
            }
            let help = match suggest(&entry.key, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                // A step key written one level too deep (`expect: {status_code: 200}`).
                None if raw::STEP_KEYS.contains(&entry.key.as_str()) => format!(
                    "`{}` is a field of the step, not of {what}; fields here: {}",
                    entry.key,
                    backticked(known)
                ),
                None => format!("known fields: {}", backticked(known)),
            };
            self.error(
                Code::UnknownField,
                entry.key_span,
                format!("unknown field `{}` in {what}", entry.key),
            )
            .help = Some(help);
        }
        Some(Fields {
            span: node.span,
            entries,
        })
    }

    /// A field that must be present (a null value counts as present; its reader complains).
    pub(crate) fn required<'n>(
        &mut self,
        fields: &Fields<'n>,
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let node = fields.entry(key).map(|e| &e.value);
        if node.is_none() {
            self.error(
                Code::MissingField,
                fields.span,
                format!("missing field `{key}` in {what}"),
            );
        }
        node
    }

    /// A string. Plain numbers and booleans are taken as written (`version: 1.10`).
    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => {
                let text = self.text_of(node);
                Some(if text.is_empty() {
                    scalar_text(&node.kind)
                } else {
                    text.to_owned()
                })
            }
            Kind::Null | Kind::Seq(_) | Kind::Map(_) => {
                self.wrong_type(node, "a string", what);
                None
            }
        }
    }

    /// An integer.
    pub(crate) fn int(&mut self, node: &Node, what: &str) -> Option<i128> {
        match node.kind {
            Kind::Int(i) => Some(i),
            _ => {
                self.wrong_type(node, "an integer", what);
                None
            }
        }
    }

    /// A number (integer or float).
    pub(crate) fn number(&mut self, node: &Node, what: &str) -> Option<f64> {
        match node.kind {
            Kind::Int(i) => Some(i as f64),
            Kind::Float(f) => Some(f),
            _ => {
                self.wrong_type(node, "a number", what);
                None
            }
        }
    }

    /// A boolean.
    pub(crate) fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, "`true` or `false`", what);
                None
            }
        }
    }

    /// A list.
    pub(crate) fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.kind {
            Kind::Seq(items) => Some(items),
            _ => {
                self.wrong_type(node, "a list", what);
                None
            }
        }
    }

    /// A `$VAR` template; its variables are recorded for the scope check.
    pub(crate) fn template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let text = self.string(node, what)?;
        self.template_text(node, &text)
    }

    /// Parses `text`, the value of `node`, as a template.
    fn template_text(&mut self, node: &Node, text: &str) -> Option<Template> {
        match Template::parse(text) {
            Ok(template) => {
                self.record_uses(node, text, &template);
                Some(template)
            }
            Err(e) => {
                let rest = text.get(e.offset..).unwrap_or("");
                let len = rest.find('}').map_or(rest.len(), |i| i + 1);
                let span = self.inner_span(node, text, e.offset, len);
                self.error(Code::BadTemplate, span, e.message).help = Some(
                    "write variables as `$NAME` or `${NAME}` with `NAME` in `[A-Z_][A-Z0-9_]*`"
                        .to_owned(),
                );
                None
            }
        }
    }

    fn record_uses(&mut self, node: &Node, text: &str, template: &Template) {
        let mut cursor = 0;
        for name in template.vars() {
            let found = find_var(text, name, cursor);
            let span = match found {
                Some((start, len)) => {
                    cursor = start + len;
                    self.inner_span(node, text, start, len)
                }
                None => node.span,
            };
            self.uses.push(VarUse {
                name: name.to_owned(),
                span,
                phase: self.phase,
            });
        }
    }

    /// Records a variable use that is not in a template (a token check's `variable`).
    pub(crate) fn use_var(&mut self, name: &str, span: Span) {
        self.uses.push(VarUse {
            name: name.to_owned(),
            span,
            phase: self.phase,
        });
    }

    /// A jq program, compiled to check it.
    pub(crate) fn jq(&mut self, node: &Node, what: &str) -> Option<String> {
        let expr = self.string(node, what)?;
        match Program::compile(&expr) {
            Ok(_) => Some(expr),
            Err(e) => {
                // Point at the culprit (`nosuchfilter`), or at the whole program when jaq
                // stopped at its end (`.id |`).
                let span = match e.offset {
                    Some(offset) if offset < expr.len() => {
                        let len = expr[offset..]
                            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .unwrap_or(expr.len() - offset)
                            .max(1);
                        self.inner_span(node, &expr, offset, len)
                    }
                    _ => node.span,
                };
                let message = format!("invalid jq `{expr}`: {}", e.message);
                self.error(Code::BadJq, span, message);
                None
            }
        }
    }

    /// YAML as JSON. With `templated`, strings are checked as `$VAR` templates and their
    /// variables recorded (the runner renders them).
    pub(crate) fn json(&mut self, node: &Node, templated: bool) -> Value {
        match &node.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => i64::try_from(*i)
                .map(Value::from)
                .or_else(|_| u64::try_from(*i).map(Value::from))
                .unwrap_or_else(|_| Value::from(*i as f64)),
            Kind::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => Value::Number(n),
                None => {
                    self.error(
                        Code::BadValue,
                        node.span,
                        format!("`{}` has no JSON form", self.text_of(node)),
                    );
                    Value::Null
                }
            },
            Kind::Str(s) => {
                if templated {
                    self.template_text(node, s);
                }
                Value::String(s.clone())
            }
            Kind::Seq(items) => {
                Value::Array(items.iter().map(|n| self.json(n, templated)).collect())
            }
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), self.json(&e.value, templated)))
                    .collect(),
            ),
        }
    }

    /// The span of `len` bytes at `offset` inside the string value `text` of `node`, when
    /// the text is written as is (plain or simply quoted); otherwise the node's span.
    pub(crate) fn inner_span(&self, node: &Node, text: &str, offset: usize, len: usize) -> Span {
        if node.span != node.defined {
            return node.span;
        }
        let written = self.text_of(node);
        let shift = if written == text {
            Some(0)
        } else if written.len() >= 2
            && (written.starts_with('"') || written.starts_with('\''))
            && written.get(1..written.len() - 1) == Some(text)
        {
            Some(1)
        } else {
            None
        };
        match shift {
            Some(shift) => {
                let len = len.min(text.len().saturating_sub(offset));
                self.index
                    .span_at(node.defined.offset + shift + offset.min(text.len()), len)
            }
            None => node.span,
        }
    }
}

/// A scalar's text when the source has none (should not happen; kept for robustness).
fn scalar_text(kind: &Kind) -> String {
    match kind {
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => f.to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Str(s) => s.clone(),
        Kind::Null | Kind::Seq(_) | Kind::Map(_) => String::new(),
    }
}

/// Finds `$NAME` or `${NAME}` in `text` from `from`, as a whole name: byte offset and length.
fn find_var(text: &str, name: &str, from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(rel) = text.get(at..)?.find('$') {
        let start = at + rel;
        let rest = &text[start + 1..];
        if let Some(braced) = rest.strip_prefix('{')
            && braced.starts_with(name)
            && braced[name.len()..].starts_with('}')
        {
            return Some((start, name.len() + 3));
        }
        if let Some(after) = rest.strip_prefix(name) {
            let next = after.bytes().next();
            let continues =
                next.is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !continues {
                return Some((start, name.len() + 1));
            }
        }
        at = start + 1;
    }
    None
}

/// The closest of `candidates` to `name`, if close enough to be a typo: Damerau-Levenshtein
/// distance at most 2 (at most 1 for names of three characters or fewer), or a case-only
/// difference.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = if name.chars().count() <= 3 { 1 } else { 2 };
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let d = if c.to_lowercase() == lower {
                0
            } else {
                strsim::damerau_levenshtein(&lower, &c.to_lowercase())
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `a`, `b`, `c` for messages.
pub(crate) fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::parse;

    #[test]
    fn suggestions_catch_typos_not_strangers() {
        let keys = ["status_code", "url", "method", "headers", "to", "jq"];
        assert_eq!(suggest("staus_code", keys), Some("status_code"));
        assert_eq!(suggest("status-code", keys), Some("status_code"));
        assert_eq!(suggest("URL", keys), Some("url"));
        assert_eq!(suggest("methdo", keys), Some("method"));
        assert_eq!(suggest("tp", keys), Some("to"));
        assert_eq!(suggest("xy", keys), None);
        assert_eq!(suggest("completely_different", keys), None);
    }

    #[test]
    fn find_var_matches_whole_names_in_both_forms() {
        assert_eq!(find_var("a $ID_X $ID", "ID", 0), Some((8, 3)));
        assert_eq!(find_var("${ID}/x", "ID", 0), Some((0, 5)));
        assert_eq!(find_var("$IDX", "ID", 0), None);
        assert_eq!(find_var("$$ID", "ID", 0), Some((1, 3)));
    }

    #[test]
    fn template_uses_point_at_the_variable() {
        let source = "url: \"/v1/a/$AUTH_ID/b\"\n";
        let (node, _) = parse(source).unwrap();
        let mut cx = Cx::new(source);
        let Kind::Map(entries) = &node.kind else {
            panic!()
        };
        cx.template(&entries[0].value, "url").unwrap();
        let span = cx.uses[0].span;
        assert_eq!(&source[span.offset..span.offset + span.len], "$AUTH_ID");
        assert_eq!((span.line, span.column), (1, 13));
    }

    #[test]
    fn wrong_types_and_unknown_fields_are_collected() {
        let source = "a: [1]\nb: 2\nzz: 3\n";
        let (node, _) = parse(source).unwrap();
        let mut cx = Cx::new(source);
        let fields = cx.fields(&node, "test", &["a", "b"]).unwrap();
        let a = fields.opt("a").unwrap();
        assert!(cx.string(a, "a").is_none());
        assert_eq!(
            cx.string(fields.opt("b").unwrap(), "b").as_deref(),
            Some("2")
        );
        let codes: Vec<_> = cx.errors.iter().map(|e| e.code).collect();
        assert_eq!(codes, [Code::UnknownField, Code::WrongType]);
        assert_eq!(
            cx.errors[1].message,
            "expected a string for `a`, found a list"
        );
    }
}
