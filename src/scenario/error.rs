//! Load errors: every problem of a scenario file, each with a stable code and a position.
//! [`LoadErrors`] is the main type.
//!
//! Two renderings: one line per error (`path:line:col: error[code]: message`) for logs and
//! `Display`, and miette's graphical report with source snippets for terminals.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::model::Span;

/// The kind of a load error. The string form (`scenario::unknown_field`) is stable; tests
/// and tools match on it, not on the prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// The file cannot be read.
    Io,
    /// The YAML does not parse.
    YamlSyntax,
    /// A mapping has the same key twice.
    DuplicateKey,
    /// A key the format does not know.
    UnknownField,
    /// A required key is absent.
    MissingField,
    /// A value has the wrong YAML type (a list where a string is expected).
    WrongType,
    /// A value has the right type but is not allowed (a status of 42, a bad duration).
    BadValue,
    /// Two keys that cannot be used together (`body` and `form`).
    Conflict,
    /// A `$VAR` template does not parse.
    BadTemplate,
    /// A jq program does not compile.
    BadJq,
    /// A `$VAR` is used before anything defines it.
    UndefinedVariable,
    /// Two steps have the same name.
    DuplicateStep,
}

impl Code {
    /// The stable name, `scenario::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Io => "scenario::io",
            Self::YamlSyntax => "scenario::yaml_syntax",
            Self::DuplicateKey => "scenario::duplicate_key",
            Self::UnknownField => "scenario::unknown_field",
            Self::MissingField => "scenario::missing_field",
            Self::WrongType => "scenario::wrong_type",
            Self::BadValue => "scenario::bad_value",
            Self::Conflict => "scenario::conflict",
            Self::BadTemplate => "scenario::bad_template",
            Self::BadJq => "scenario::bad_jq",
            Self::UndefinedVariable => "scenario::undefined_variable",
            Self::DuplicateStep => "scenario::duplicate_step",
        }
    }

    /// The short label drawn under the source snippet.
    fn label(self) -> &'static str {
        match self {
            Self::Io => "cannot read",
            Self::YamlSyntax => "invalid yaml",
            Self::DuplicateKey => "duplicate key",
            Self::UnknownField => "unknown field",
            Self::MissingField => "missing field",
            Self::WrongType => "wrong type",
            Self::BadValue => "bad value",
            Self::Conflict => "conflicting field",
            Self::BadTemplate => "bad template",
            Self::BadJq => "bad jq",
            Self::UndefinedVariable => "undefined variable",
            Self::DuplicateStep => "duplicate step",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// What kind of problem.
    pub code: Code,
    /// A lowercase fragment, identifiers in backticks.
    pub message: String,
    /// Where it is.
    pub span: Span,
    /// How to fix it, when we know (`did you mean `status_code`?`).
    pub help: Option<String>,
}

impl LoadError {
    /// A new error without help.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    /// Adds a help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every problem found in one scenario file, in file order.
#[derive(Debug, Clone)]
pub struct LoadErrors {
    /// The file.
    pub path: PathBuf,
    /// Its text (empty when it could not be read).
    pub source: Arc<str>,
    /// The problems, sorted by position.
    pub errors: Vec<LoadError>,
}

impl LoadErrors {
    /// Collects `errors`, sorted by position (stable for errors at the same place).
    pub fn new(path: PathBuf, source: Arc<str>, mut errors: Vec<LoadError>) -> Self {
        errors.sort_by_key(|e| (e.span.offset, e.span.line, e.span.column));
        let errors = cap_repeats(errors);
        Self {
            path,
            source,
            errors,
        }
    }

    /// The codes of all errors, in order (what tests assert).
    pub fn codes(&self) -> Vec<&'static str> {
        self.errors.iter().map(|e| e.code.as_str()).collect()
    }

    /// One line per error: `path:line:col: error[code]: message` and `; help: …` when there is help.
    pub fn render_plain(&self) -> String {
        let path = self.path.display();
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&format!(
                "{path}:{}:{}: error[{}]: {}",
                e.span.line, e.span.column, e.code, e.message
            ));
            if let Some(help) = &e.help {
                out.push_str("; help: ");
                out.push_str(help);
            }
            out.push('\n');
        }
        out
    }

    /// miette's graphical report: each error with its code, a source snippet and a label.
    pub fn render_graphical(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let report = Report::new(self);
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            // Rendering into a String only fails if a Display impl fails; fall back to the
            // plain form rather than lose the errors.
            return self.render_plain();
        }
        out
    }
}

/// Most errors of one code kept; 10,000 undefined variables on one line must not make
/// hundreds of megabytes of report.
pub const MAX_PER_CODE: usize = 20;

/// Keeps the first [`MAX_PER_CODE`] errors of each code and says how many more there were,
/// at the first one left out.
fn cap_repeats(errors: Vec<LoadError>) -> Vec<LoadError> {
    let mut counts: Vec<(Code, usize, Option<LoadError>)> = Vec::new();
    let mut kept = Vec::new();
    for error in errors {
        let index = match counts.iter().position(|(c, _, _)| *c == error.code) {
            Some(i) => i,
            None => {
                counts.push((error.code, 0, None));
                counts.len() - 1
            }
        };
        let (_, count, first_dropped) = &mut counts[index];
        *count += 1;
        if *count <= MAX_PER_CODE {
            kept.push(error);
        } else if first_dropped.is_none() {
            *first_dropped = Some(error);
        }
    }
    for (_, count, first_dropped) in counts {
        if let Some(mut error) = first_dropped {
            error.message = format!(
                "{} more errors like the ones above (from here on)",
                count - MAX_PER_CODE
            );
            error.help = None;
            kept.push(error);
        }
    }
    kept.sort_by_key(|e| (e.span.offset, e.span.line, e.span.column));
    kept
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render_plain().trim_end())
    }
}

impl std::error::Error for LoadErrors {}

/// The miette view of [`LoadErrors`]: a summary whose related diagnostics are the errors.
struct Report<'a> {
    errors: &'a LoadErrors,
    source: NamedSource<Arc<str>>,
    related: Vec<Single<'a>>,
}

impl<'a> Report<'a> {
    fn new(errors: &'a LoadErrors) -> Self {
        Self {
            source: NamedSource::new(
                errors.path.display().to_string(),
                Arc::clone(&errors.source),
            )
            .with_language("yaml"),
            related: errors.errors.iter().map(Single).collect(),
            errors,
        }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("path", &self.errors.path)
            .finish()
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.errors.len();
        let noun = if n == 1 { "error" } else { "errors" };
        write!(
            f,
            "failed to load scenario `{}`: {n} {noun}",
            self.errors.path.display()
        )
    }
}

impl std::error::Error for Report<'_> {}

impl Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new("scenario::load"))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }
}

/// One error as a miette diagnostic; the source comes from the parent [`Report`].
struct Single<'a>(&'a LoadError);

impl fmt::Debug for Single<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Single<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Single<'_> {}

impl Diagnostic for Single<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.0.code.as_str()))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.0
            .help
            .as_deref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.0.span;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.0.code.label().to_owned()),
            span.offset,
            span.len,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LoadErrors {
        let source: Arc<str> = Arc::from("steps:\n  - name: a\n    staus_code: 200\n");
        LoadErrors::new(
            PathBuf::from("s.yaml"),
            source,
            vec![
                LoadError::new(
                    Code::MissingField,
                    Span {
                        line: 2,
                        column: 7,
                        offset: 11,
                        len: 0,
                    },
                    "missing field `url` in step `a`",
                ),
                LoadError::new(
                    Code::UnknownField,
                    Span {
                        line: 3,
                        column: 5,
                        offset: 23,
                        len: 10,
                    },
                    "unknown field `staus_code` in step",
                )
                .with_help("did you mean `status_code`?"),
            ],
        )
    }

    #[test]
    fn plain_rendering_is_one_line_per_error_in_file_order() {
        let text = sample().render_plain();
        assert_eq!(
            text,
            "s.yaml:2:7: error[scenario::missing_field]: missing field `url` in step `a`\n\
             s.yaml:3:5: error[scenario::unknown_field]: unknown field `staus_code` in step; help: did you mean `status_code`?\n"
        );
        assert_eq!(sample().to_string(), text.trim_end());
    }

    #[test]
    fn graphical_rendering_has_codes_snippets_and_help() {
        let text = sample().render_graphical(false);
        assert!(text.contains("scenario::unknown_field"), "{text}");
        assert!(text.contains("s.yaml:3:5"), "{text}");
        assert!(text.contains("staus_code: 200"), "{text}");
        assert!(text.contains("did you mean `status_code`?"), "{text}");
        assert!(text.contains("2 errors"), "{text}");
    }

    #[test]
    fn codes_are_listed_in_order() {
        assert_eq!(
            sample().codes(),
            ["scenario::missing_field", "scenario::unknown_field"]
        );
    }
}
