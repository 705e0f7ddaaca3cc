//! [`DocsRoot`]: a checkout of the docs repository (the folder holding `app/`), and reading
//! its files by their path relative to it, as the docs site and scenario `source:` lines name
//! them.

use std::path::{Component, Path, PathBuf};

use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};

/// Where the docs site keeps `{% include %}` files, relative to the docs root.
pub const INCLUDES_DIR: &str = "app/_includes";

/// A docs root: the folder that holds `app/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocsRoot {
    path: PathBuf,
}

impl DocsRoot {
    /// Opens `path`; it must be a folder.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, Diagnostic> {
        let path = path.into();
        if !path.is_dir() {
            return Err(Diagnostic::error(
                DocCode::MissingRoot,
                DocLocation::new(path.display().to_string(), 0),
                format!("docs root `{}` is not a folder", path.display()),
            )
            .with_help(
                "pass the folder that holds `app/` (`--docs-root`, or `DOCFLOW_DOCS_ROOT`)",
            ));
        }
        Ok(Self { path })
    }

    /// The root's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The docs root of a page given by its path on disk: the parent of the nearest `app`
    /// folder above it.
    pub fn infer_from_page(page: &Path) -> Option<Self> {
        let mut dir = page.parent();
        while let Some(d) = dir {
            if d.file_name().is_some_and(|n| n == "app") {
                let root = d.parent()?;
                let root = if root.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    root
                };
                return Self::open(root).ok();
            }
            dir = d.parent();
        }
        None
    }

    /// The path of `page` relative to the root: `page` may be relative to the root already
    /// (`app/_how-tos/x.md`) or a path on disk inside the root.
    pub fn relative(&self, page: &Path) -> Result<String, Diagnostic> {
        if page.is_relative() && self.path.join(page).is_file() {
            return Ok(to_slash(page));
        }
        let not_found = || {
            Diagnostic::error(
                DocCode::MissingPage,
                DocLocation::new(page.display().to_string(), 0),
                format!(
                    "page `{}` is not a file inside the docs root `{}`",
                    page.display(),
                    self.path.display()
                ),
            )
        };
        let full = page.canonicalize().map_err(|_| not_found())?;
        let root = self.path.canonicalize().map_err(|_| not_found())?;
        full.strip_prefix(&root)
            .map(to_slash)
            .map_err(|_| not_found())
    }

    /// Reads a file by its path relative to the root. `at` is where the file is referenced
    /// (for the error).
    pub fn read(&self, relative: &str, at: &DocLocation, what: &str) -> Result<String, Diagnostic> {
        let missing = |reason: String| {
            Diagnostic::error(
                DocCode::MissingFile,
                at.clone(),
                format!("{what} `{relative}` cannot be read: {reason}"),
            )
        };
        // Refuse paths that climb out of the root: they come from doc text.
        if Path::new(relative).components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        }) {
            return Err(missing("the path leaves the docs root".to_owned()));
        }
        // Regular files of bounded size only: `file: zero` under `root: /dev` is an error.
        crate::limits::read_text_file(&self.path.join(relative)).map_err(|e| {
            if e.is_not_found() {
                missing(format!("no such file under `{}`", self.path.display()))
            } else {
                missing(e.to_string())
            }
        })
    }

    /// Whether a file exists, by its path relative to the root.
    pub fn exists(&self, relative: &str) -> bool {
        self.path.join(relative).is_file()
    }
}

/// A path with `/` separators.
fn to_slash(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A file split into its YAML frontmatter and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The frontmatter's YAML, without the `---` lines (empty when there is none).
    pub frontmatter: &'a str,
    /// 1-based line of the frontmatter's first YAML line.
    pub frontmatter_line: usize,
    /// The body.
    pub body: &'a str,
    /// 1-based line of the body's first line.
    pub body_line: usize,
}

/// Splits `---\n…\n---\n` frontmatter from the body. `file` names the file in errors.
pub fn split_frontmatter<'a>(text: &'a str, file: &str) -> Result<Split<'a>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').unwrap_or(text.len());
    if text[..first_end].trim_end() != "---" {
        return Ok(Split {
            frontmatter: "",
            frontmatter_line: 1,
            body: text,
            body_line: 1,
        });
    }
    let yaml_start = (first_end + 1).min(text.len());
    let mut offset = yaml_start;
    for (line, l) in (2..).zip(text[yaml_start..].split_inclusive('\n')) {
        if l.trim_end() == "---" {
            return Ok(Split {
                frontmatter: &text[yaml_start..offset],
                frontmatter_line: 2,
                body: &text[offset + l.len()..],
                body_line: line + 1,
            });
        }
        offset += l.len();
    }
    Err(Diagnostic::error(
        DocCode::UnterminatedFrontmatter,
        DocLocation::new(file, 1),
        "frontmatter opened with `---` is never closed",
    )
    .with_help("end the frontmatter with a line holding only `---`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontmatter_and_body_keep_their_lines() {
        let s = split_frontmatter("---\ntitle: x\na: 1\n---\n\nbody\n", "p.md").unwrap();
        assert_eq!(s.frontmatter, "title: x\na: 1\n");
        assert_eq!(s.frontmatter_line, 2);
        assert_eq!(s.body, "\nbody\n");
        assert_eq!(s.body_line, 5);
        let none = split_frontmatter("# title\n", "p.md").unwrap();
        assert_eq!(none.body, "# title\n");
        assert_eq!(none.body_line, 1);
    }

    #[test]
    fn unterminated_frontmatter_is_an_error_at_line_one() {
        let err = split_frontmatter("---\ntitle: x\n", "p.md").unwrap_err();
        assert_eq!(err.code, DocCode::UnterminatedFrontmatter);
        assert_eq!(err.location, DocLocation::new("p.md", 1));
    }

    #[test]
    fn missing_roots_and_escaping_paths_are_errors() {
        let err = DocsRoot::open("/definitely/not/here").unwrap_err();
        assert_eq!(err.code, DocCode::MissingRoot);
        let root = DocsRoot::open(std::env::temp_dir()).unwrap();
        let at = DocLocation::new("p.md", 3);
        let err = root.read("../etc/passwd", &at, "include").unwrap_err();
        assert_eq!(err.location, at);
        assert!(err.message.contains("leaves the docs root"), "{err}");
        let err = root.read("no/such/file.md", &at, "include").unwrap_err();
        assert_eq!(err.code, DocCode::MissingFile);
    }
}
