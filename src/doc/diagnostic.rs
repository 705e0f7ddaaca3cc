//! [`Diagnostic`]: a problem found while reading a doc, converting it or checking a scenario
//! against it, always located at a `file:line` inside the docs root.

use std::fmt;

use super::code::Code;

/// A position in the docs: a file relative to the docs root and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocLocation {
    /// Path relative to the docs root (`app/_includes/how-tos/steps/x.md`), or the path as
    /// given when the file is outside it.
    pub file: String,
    /// 1-based line (0 when the problem concerns a whole file or folder).
    pub line: usize,
}

impl DocLocation {
    /// A location.
    pub fn new(file: impl Into<String>, line: usize) -> Self {
        Self {
            file: file.into(),
            line,
        }
    }

    /// Parses `file:line` (as written in a scenario's `source:`).
    pub fn parse(text: &str) -> Option<Self> {
        let (file, line) = text.trim().rsplit_once(':')?;
        let line = line.parse().ok()?;
        (!file.is_empty()).then(|| Self::new(file, line))
    }
}

impl fmt::Display for DocLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; the result is still usable (an unsupported block was skipped).
    Warning,
    /// The result would be wrong or incomplete; the operation fails.
    Error,
}

/// A located problem with a stable code (`doc::missing_include`, `doc::unknown_export`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code; tests assert codes, not prose.
    pub code: Code,
    /// Where.
    pub location: DocLocation,
    /// A lowercase fragment, identifiers in backticks.
    pub message: String,
    /// How to fix it, if there is something to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(code: impl Into<Code>, location: DocLocation, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code: code.into(),
            location,
            message: message.into(),
            help: None,
        }
    }

    /// A warning at `location`.
    pub fn warning(
        code: impl Into<Code>,
        location: DocLocation,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, location, message)
        }
    }

    /// The same diagnostic with a `help:` line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}: {kind}[{}]: {}",
            self.location, self.code, self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Renders diagnostics one per paragraph.
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::code::DocCode;

    #[test]
    fn locations_parse_and_print_as_file_line() {
        let loc = DocLocation::parse("app/_how-tos/x.md:74").unwrap();
        assert_eq!(loc, DocLocation::new("app/_how-tos/x.md", 74));
        assert_eq!(loc.to_string(), "app/_how-tos/x.md:74");
        assert_eq!(DocLocation::parse("no-line"), None);
        assert_eq!(DocLocation::parse(":3"), None);
        assert_eq!(DocLocation::new("root", 0).to_string(), "root");
    }

    #[test]
    fn diagnostics_render_location_code_and_help() {
        let d = Diagnostic::error(
            DocCode::MissingInclude,
            DocLocation::new("a.md", 3),
            "include `x.md` not found",
        )
        .with_help("check the path");
        assert_eq!(
            d.to_string(),
            "a.md:3: error[doc::missing_include]: include `x.md` not found\n  help: check the path"
        );
        assert!(d.is_error());
    }
}
