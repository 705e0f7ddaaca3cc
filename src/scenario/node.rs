//! The YAML of a scenario file as a generic tree with a position on every node: [`Node`].
//!
//! serde-saphyr parses the text (anchors, aliases and merge keys resolved) into
//! `Spanned` values; this module turns them into [`Node`]s with byte spans. The loader then
//! walks the tree with the known key sets, so that it can report every problem of a file at
//! once instead of stopping at the first one, as a derived `Deserialize` would.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Location, MessageFormatter, Spanned};

use super::error::{Code, LoadError};
use super::model::Span;

/// A YAML node and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// The value.
    pub(crate) kind: Kind,
    /// Where the node is used (for an alias, the `*name`).
    pub(crate) span: Span,
    /// Where the node's text is written (for an alias, the anchored node).
    pub(crate) defined: Span,
}

/// A YAML value. Plain scalars are typed as YAML 1.2 does (`on` is a string).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string (plain or quoted or block).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order, duplicate keys removed (and reported).
    Map(Vec<Entry>),
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The key.
    pub(crate) key: String,
    /// Where the key is written.
    pub(crate) key_span: Span,
    /// The value.
    pub(crate) value: Node,
}

impl Node {
    /// How the node's type reads in an error message ("a list").
    pub(crate) fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Null => "nothing",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// How deeply a scenario file's YAML may nest (mappings and lists).
pub(crate) const MAX_DEPTH: usize = 32;

/// Parses `source` into a tree. A YAML syntax error is fatal and returned alone; duplicate
/// keys are reported and the first entry is kept.
pub(crate) fn parse(source: &str) -> Result<(Node, Vec<LoadError>), LoadError> {
    let options = serde_saphyr::options! {
        // YAML 1.2 booleans only, so `snapshot: off` is the string `off`.
        strict_booleans: true,
        // Keep duplicate keys so the loader reports each one with its position.
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        // Deserializing recurses per level: a hostile file nested 60 deep overflowed a 2 MiB
        // test thread's stack under the default of 64. No scenario needs a tenth of this.
        budget: serde_saphyr::budget! { max_depth: MAX_DEPTH },
    };
    let index = LineIndex::new(source);
    match serde_saphyr::from_str_with_options::<Spanned<RawKind>>(source, options) {
        Ok(root) => {
            let mut errors = Vec::new();
            let node = convert(root, &index, &mut errors);
            Ok((node, errors))
        }
        Err(err) => Err(syntax_error(&err, &index)),
    }
}

fn syntax_error(err: &serde_saphyr::Error, index: &LineIndex<'_>) -> LoadError {
    let inner = err.without_snippet();
    let message = serde_saphyr::DefaultMessageFormatter.format_message(inner);
    // The formatter's text is meant to be sanitized before display: keep it on one line.
    let message: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let message = if message.contains("multiple YAML documents") {
        // serde-saphyr's text names its own API; say what to do in the file instead.
        "a scenario file holds one YAML document; remove the `---` separator".to_owned()
    } else {
        lowercase_first(message.trim())
    };
    let span = err
        .location()
        .map(|loc| index.span(&loc))
        .unwrap_or_else(|| index.span_at(0, 0));
    LoadError::new(Code::YamlSyntax, span, message)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "invalid yaml".to_owned(),
    }
}

fn convert(spanned: Spanned<RawKind>, index: &LineIndex<'_>, errors: &mut Vec<LoadError>) -> Node {
    let span = index.span(&spanned.referenced);
    let defined = index.span(&spanned.defined);
    let kind = match spanned.value {
        RawKind::Null => Kind::Null,
        RawKind::Bool(b) => Kind::Bool(b),
        RawKind::Int(i) => Kind::Int(i),
        RawKind::Float(f) => Kind::Float(f),
        RawKind::Str(s) => Kind::Str(s),
        RawKind::Seq(items) => Kind::Seq(
            items
                .into_iter()
                .map(|n| convert(n, index, errors))
                .collect(),
        ),
        RawKind::Map(entries) => {
            let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key_span = index.span(&key.referenced);
                if let Some(first) = out.iter().find(|e| e.key == key.value) {
                    errors.push(
                        LoadError::new(
                            Code::DuplicateKey,
                            key_span,
                            format!("duplicate key `{}`", key.value),
                        )
                        .with_help(format!(
                            "first written at line {}; remove one of them",
                            first.key_span.line
                        )),
                    );
                    continue;
                }
                out.push(Entry {
                    key: key.value,
                    key_span,
                    value: convert(value, index, errors),
                });
            }
            Kind::Map(out)
        }
    };
    Node {
        kind,
        span,
        defined,
    }
}

/// What serde-saphyr hands us before byte spans are computed.
enum RawKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawKind>>),
    Map(Vec<(Spanned<String>, Spanned<RawKind>)>),
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawKind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }

    fn visit_none<E>(self) -> Result<RawKind, E> {
        Ok(RawKind::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<RawKind, D::Error> {
        RawKind::deserialize(deserializer)
    }

    fn visit_bool<E>(self, v: bool) -> Result<RawKind, E> {
        Ok(RawKind::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<RawKind, E> {
        Ok(RawKind::Int(i128::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<RawKind, E> {
        Ok(RawKind::Int(i128::from(v)))
    }

    fn visit_i128<E>(self, v: i128) -> Result<RawKind, E> {
        Ok(RawKind::Int(v))
    }

    fn visit_u128<E>(self, v: u128) -> Result<RawKind, E> {
        Ok(match i128::try_from(v) {
            Ok(i) => RawKind::Int(i),
            Err(_) => RawKind::Float(v as f64),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<RawKind, E> {
        Ok(RawKind::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<RawKind, E> {
        Ok(RawKind::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<RawKind, E> {
        Ok(RawKind::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawKind, E> {
        Ok(RawKind::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawKind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawKind>>()? {
            items.push(item);
        }
        Ok(RawKind::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<RawKind>>()?;
            entries.push((key, value));
        }
        Ok(RawKind::Map(entries))
    }
}

/// Converts serde-saphyr's character-based locations into byte spans. Byte offsets are
/// taken from serde-saphyr when it has them and recomputed from line and column otherwise
/// (some parser errors carry only the latter).
pub(crate) struct LineIndex<'s> {
    source: &'s str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            source
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { source, starts }
    }

    fn span(&self, loc: &Location) -> Span {
        let line = loc.line() as usize;
        let column = loc.column() as usize;
        if line == 0 {
            return self.span_at(0, 0);
        }
        let inner = loc.span();
        let offset = inner
            .byte_offset()
            .map(|o| o as usize)
            .filter(|o| *o <= self.source.len() && self.source.is_char_boundary(*o))
            .unwrap_or_else(|| self.offset_of(line, column));
        let len = inner
            .byte_len()
            .map(|l| l as usize)
            .filter(|l| offset + l <= self.source.len() && self.source.is_char_boundary(offset + l))
            .unwrap_or_else(|| self.char_len_to_bytes(offset, inner.len() as usize));
        Span {
            line,
            column,
            offset,
            len,
        }
    }

    /// The span of `len` bytes at byte `offset`, with its line and column computed.
    pub(crate) fn span_at(&self, offset: usize, len: usize) -> Span {
        let offset = offset.min(self.source.len());
        let line_idx = self
            .starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1);
        let line_start = self.starts.get(line_idx).copied().unwrap_or(0);
        let column = self
            .source
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Span {
            line: line_idx + 1,
            column,
            offset,
            len: len.min(self.source.len() - offset),
        }
    }

    fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(start) = self.starts.get(line - 1).copied() else {
            return self.source.len();
        };
        let rest = self.source.get(start..).unwrap_or("");
        rest.char_indices()
            .nth(column.saturating_sub(1))
            .map_or(self.source.len(), |(i, _)| start + i)
    }

    fn char_len_to_bytes(&self, offset: usize, chars: usize) -> usize {
        let rest = self.source.get(offset..).unwrap_or("");
        rest.char_indices()
            .nth(chars)
            .map_or(rest.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(source: &str) -> Node {
        let (node, errors) = parse(source).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        node
    }

    fn entries(node: &Node) -> &[Entry] {
        match &node.kind {
            Kind::Map(e) => e,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn nesting_beyond_the_limit_is_a_located_error_not_a_stack_overflow() {
        let deep = |n: usize| format!("steps: {}x{}\n", "[".repeat(n), "]".repeat(n));
        assert!(parse(&deep(MAX_DEPTH - 2)).is_ok());
        // Run where a test thread's stack is, deep enough to have overflowed it before.
        let err = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || parse(&deep(200)).map(|_| ()))
            .unwrap()
            .join()
            .unwrap()
            .unwrap_err();
        assert_eq!(err.code, Code::YamlSyntax);
        assert!(err.message.contains("depth"), "{}", err.message);
    }

    #[test]
    fn scalars_are_typed_as_yaml_1_2() {
        let node = root("a: off\nb: true\nc: 12\nd: 1.5\ne: ~\nf: \"12\"\n");
        let kinds: Vec<_> = entries(&node).iter().map(|e| &e.value.kind).collect();
        assert_eq!(
            kinds,
            [
                &Kind::Str("off".into()),
                &Kind::Bool(true),
                &Kind::Int(12),
                &Kind::Float(1.5),
                &Kind::Null,
                &Kind::Str("12".into()),
            ]
        );
    }

    #[test]
    fn spans_are_bytes_with_character_columns() {
        let source = "d: héllo\nurl: /v1/x\n";
        let node = root(source);
        let url = &entries(&node)[1];
        assert_eq!(url.key_span.line, 2);
        assert_eq!(url.key_span.column, 1);
        assert_eq!(&source[url.key_span.offset..][..url.key_span.len], "url");
        let v = url.value.span;
        assert_eq!((v.line, v.column), (2, 6));
        assert_eq!(&source[v.offset..v.offset + v.len], "/v1/x");
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_first_kept() {
        let (node, errors) = parse("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(entries(&node).len(), 2);
        assert_eq!(entries(&node)[0].value.kind, Kind::Int(1));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::DuplicateKey);
        assert_eq!(errors[0].span.line, 3);
    }

    #[test]
    fn aliases_resolve_and_keep_both_positions() {
        let node = root("a: &x hello\nb: *x\n");
        let b = &entries(&node)[1].value;
        assert_eq!(b.kind, Kind::Str("hello".into()));
        assert_eq!(b.span.line, 2);
        assert_eq!(b.defined.line, 1);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("steps:\n  - name: x\n    url: [1, 2\n  - name: y\n").unwrap_err();
        assert_eq!(err.code, Code::YamlSyntax);
        assert!(err.span.line >= 3, "{err:?}");
        assert!(!err.message.contains('\n'));
    }

    #[test]
    fn several_documents_are_one_error() {
        let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(err.code, Code::YamlSyntax);
        assert_eq!(err.span.line, 3);
        assert!(err.message.contains("one YAML document"), "{}", err.message);
    }

    #[test]
    fn line_index_handles_ends_and_multibyte_text() {
        let index = LineIndex::new("é\nab");
        let span = index.span_at(3, 1);
        assert_eq!((span.line, span.column), (2, 1));
        assert_eq!(index.offset_of(1, 2), 2);
        assert_eq!(index.offset_of(9, 1), 5);
        let end = index.span_at(99, 5);
        assert_eq!((end.offset, end.len), (5, 0));
    }
}
