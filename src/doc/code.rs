//! The stable codes of the doc reader's [`Diagnostic`](super::diagnostic::Diagnostic)s:
//! `doc::…` for reading and converting a page, `drift::…` for checking a scenario against
//! its doc. Their string form is what users, tools and CI logs see; code matches on the
//! variants, so a typo does not compile. (`doc::defect` and `doc::defect_fixed`, which the
//! runner reports, are [`crate::outcome::DocCode`].)

use std::fmt;

/// A doc diagnostic's code: the area it comes from and, within it, the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Reading or converting a page.
    Doc(DocCode),
    /// Checking a scenario against the doc it mirrors.
    Drift(DriftCode),
}

impl Code {
    /// The stable name, `area::kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Doc(c) => c.as_str(),
            Self::Drift(c) => c.as_str(),
        }
    }
}

/// A problem reading or converting a page (`doc::…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocCode {
    /// A block's YAML is not a mapping, or a field has the wrong type.
    BadBlock,
    /// A `--capture` option does not parse.
    BadCaptureOption,
    /// An entity example file is not a mapping.
    BadEntity,
    /// The frontmatter is not valid YAML of the expected shape.
    BadFrontmatter,
    /// A `$VAR` in a block does not parse as a template.
    BadVariable,
    /// A block's YAML does not parse.
    BadYaml,
    /// `export X=…` with nothing to bind it to.
    BareExport,
    /// One variable captured twice, from different places.
    CaptureConflict,
    /// A curl option docflow does not understand was ignored.
    CurlOption,
    /// A manual `export` comes before any request.
    ExportWithoutRequest,
    /// A heading implies a gateway request docflow cannot build.
    ImpliedStepSkipped,
    /// An include includes itself, or includes nest too deep.
    IncludeCycle,
    /// A block is malformed; the doc itself is wrong.
    MalformedBlock,
    /// A frontmatter entity names no example file.
    MissingEntity,
    /// A file is not there or leaves the docs root.
    MissingFile,
    /// An `{% include %}` names no file.
    MissingInclude,
    /// The page is not in the docs root.
    MissingPage,
    /// No docs root, or not a folder.
    MissingRoot,
    /// A request block has no `url`.
    MissingUrl,
    /// A request block has no `status_code`, so its status is not checked.
    NoStatus,
    /// A construct docflow lists but does not run.
    NotRun,
    /// A sentence names a method and an endpoint the page's request there disagrees with.
    ProseMismatch,
    /// A block sets `region:`; the request goes to the target's API URL.
    Region,
    /// An `export` runs a shell command, which docflow does not run.
    ShellSkipped,
    /// A step uses a `$VAR` nothing before it defines.
    UndefinedVariable,
    /// A manual `export` docflow cannot bind to a capture.
    UnknownExport,
    /// A block has a key docflow does not know; ignored.
    UnknownKey,
    /// A reference names no entity of the prerequisites; sent as written.
    UnknownReference,
    /// A block or fence is not closed.
    UnterminatedBlock,
    /// The frontmatter's `---` is not closed.
    UnterminatedFrontmatter,
    /// A validation block is listed but not run.
    ValidationSkipped,
}

impl DocCode {
    /// The stable name, `doc::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadBlock => "doc::bad_block",
            Self::BadCaptureOption => "doc::bad_capture_option",
            Self::BadEntity => "doc::bad_entity",
            Self::BadFrontmatter => "doc::bad_frontmatter",
            Self::BadVariable => "doc::bad_variable",
            Self::BadYaml => "doc::bad_yaml",
            Self::BareExport => "doc::bare_export",
            Self::CaptureConflict => "doc::capture_conflict",
            Self::CurlOption => "doc::curl_option",
            Self::ExportWithoutRequest => "doc::export_without_request",
            Self::ImpliedStepSkipped => "doc::implied_step_skipped",
            Self::IncludeCycle => "doc::include_cycle",
            Self::MalformedBlock => "doc::malformed_block",
            Self::MissingEntity => "doc::missing_entity",
            Self::MissingFile => "doc::missing_file",
            Self::MissingInclude => "doc::missing_include",
            Self::MissingPage => "doc::missing_page",
            Self::MissingRoot => "doc::missing_root",
            Self::MissingUrl => "doc::missing_url",
            Self::NoStatus => "doc::no_status",
            Self::NotRun => "doc::not_run",
            Self::ProseMismatch => "doc::prose_mismatch",
            Self::Region => "doc::region",
            Self::ShellSkipped => "doc::shell_skipped",
            Self::UndefinedVariable => "doc::undefined_variable",
            Self::UnknownExport => "doc::unknown_export",
            Self::UnknownKey => "doc::unknown_key",
            Self::UnknownReference => "doc::unknown_reference",
            Self::UnterminatedBlock => "doc::unterminated_block",
            Self::UnterminatedFrontmatter => "doc::unterminated_frontmatter",
            Self::ValidationSkipped => "doc::validation_skipped",
        }
    }
}

/// A problem checking a scenario against its doc (`drift::…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DriftCode {
    /// The scenario has no `doc:`.
    NoDoc,
    /// The scenario's `doc:` names no `root:`.
    NoRoot,
}

impl DriftCode {
    /// The stable name, `drift::<kind>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoDoc => "drift::no_doc",
            Self::NoRoot => "drift::no_root",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<DocCode> for Code {
    fn from(c: DocCode) -> Self {
        Self::Doc(c)
    }
}

impl From<DriftCode> for Code {
    fn from(c: DriftCode) -> Self {
        Self::Drift(c)
    }
}

impl PartialEq<DocCode> for Code {
    fn eq(&self, other: &DocCode) -> bool {
        *self == Self::Doc(*other)
    }
}

impl PartialEq<DriftCode> for Code {
    fn eq(&self, other: &DriftCode) -> bool {
        *self == Self::Drift(*other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_as_area_and_snake_case_kind() {
        let code = Code::from(DocCode::ExportWithoutRequest);
        assert_eq!(code.to_string(), code.as_str());
        let (area, kind) = code.as_str().split_once("::").unwrap();
        assert_eq!((area, kind), ("doc", "export_without_request"));
        let (area, kind) = Code::from(DriftCode::NoRoot)
            .as_str()
            .split_once("::")
            .unwrap();
        assert_eq!((area, kind), ("drift", "no_root"));
    }

    #[test]
    fn codes_compare_with_their_variants() {
        assert_eq!(Code::from(DocCode::NotRun), DocCode::NotRun);
        assert_ne!(Code::from(DocCode::NotRun), DocCode::ValidationSkipped);
        assert_ne!(Code::from(DriftCode::NoDoc), DocCode::MissingRoot);
    }
}
