//! [`Page`]: a how-to read from a docs root — its [`Frontmatter`] and its body with every
//! `{% include … %}` expanded in place, recursively, each [`Line`] keeping the file (relative
//! to the docs root) and line number it really comes from. That mapping is what lets every
//! step, defect and drift point at the line a doc writer has to edit.

use std::sync::Arc;

use super::diagnostic::{Diagnostic, DocLocation};
use super::frontmatter::{self, Frontmatter};
use super::source::{DocsRoot, INCLUDES_DIR, split_frontmatter};

/// Deeper include nesting than this is taken for a cycle the stack check missed.
const MAX_INCLUDE_DEPTH: usize = 16;

/// One line of the expanded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The file it comes from, relative to the docs root.
    pub file: Arc<str>,
    /// Its 1-based line number in that file.
    pub line: usize,
    /// The text, as written (no substitution; see [`super::site`]).
    pub text: String,
}

impl Line {
    /// Where the line is.
    pub fn location(&self) -> DocLocation {
        DocLocation::new(&*self.file, self.line)
    }
}

/// A page with its includes expanded.
#[derive(Debug, Clone)]
pub struct Page {
    /// The docs root it was read from.
    pub root: DocsRoot,
    /// The page's path relative to the root.
    pub path: String,
    /// Its frontmatter.
    pub frontmatter: Frontmatter,
    /// The frontmatter's lines as written, `---` delimiters included (empty without one).
    pub head: Vec<Line>,
    /// The body, includes expanded, in reading order.
    pub lines: Vec<Line>,
    /// Every file included, relative to the root, in order of first inclusion.
    pub includes: Vec<String>,
}

impl Page {
    /// The frontmatter and the expanded body, in order.
    pub fn all_lines(&self) -> impl Iterator<Item = &Line> {
        self.head.iter().chain(&self.lines)
    }

    /// The frontmatter and the expanded body as one text (for diagnostics that show doc
    /// lines); line `n` of it is `all_lines().nth(n - 1)`.
    pub fn expanded_text(&self) -> String {
        let mut text = String::new();
        for line in self.all_lines() {
            text.push_str(&line.text);
            text.push('\n');
        }
        text
    }
}

/// Loads `page` (relative to `root`) and expands its includes.
pub fn load_page(root: &DocsRoot, page: &str) -> Result<Page, Diagnostic> {
    let text = root.read(page, &DocLocation::new(page, 0), "page")?;
    let split = split_frontmatter(&text, page)?;
    let frontmatter = frontmatter::parse(split.frontmatter, page, split.frontmatter_line)?;
    let page_arc: Arc<str> = Arc::from(page);
    let head = text
        .lines()
        .take(split.body_line - 1)
        .enumerate()
        .map(|(i, t)| Line {
            file: Arc::clone(&page_arc),
            line: i + 1,
            text: t.to_owned(),
        })
        .collect();
    let mut expander = Expander {
        root,
        lines: Vec::new(),
        includes: Vec::new(),
        stack: vec![page.to_owned()],
    };
    expander.expand(page, split.body, split.body_line)?;
    Ok(Page {
        root: root.clone(),
        path: page.to_owned(),
        frontmatter,
        head,
        lines: expander.lines,
        includes: expander.includes,
    })
}

/// The include target of a line that is only an include tag: `{% include /how-tos/x.md %}`
/// (parameters after the path are allowed and ignored).
pub fn include_target(line: &str) -> Option<&str> {
    let inner = liquid_tag(line)?;
    let rest = inner.strip_prefix("include")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    rest.split_whitespace().next()
}

/// The inside of a line that is exactly one Liquid tag `{% … %}` (whitespace control `-`
/// allowed, surrounding and trailing spaces ignored), trimmed.
pub fn liquid_tag(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix("{%")?.strip_suffix("%}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    // One tag only: `{% a %} x {% b %}` is not a single tag.
    (!inner.contains("%}")).then(|| inner.trim())
}

struct Expander<'a> {
    root: &'a DocsRoot,
    lines: Vec<Line>,
    includes: Vec<String>,
    stack: Vec<String>,
}

impl Expander<'_> {
    fn expand(&mut self, file: &str, body: &str, first_line: usize) -> Result<(), Diagnostic> {
        let file_arc: Arc<str> = Arc::from(file);
        let mut fence: Option<String> = None;
        for (i, text) in body.lines().enumerate() {
            let line = first_line + i;
            // Includes inside code fences are text, not tags.
            let trimmed = text.trim_start();
            if let Some(open) = &fence {
                if trimmed.starts_with(open.as_str()) && trimmed.trim_end() == open.as_str() {
                    fence = None;
                }
            } else if let Some(marker) = fence_marker(trimmed) {
                fence = Some(marker);
            } else if let Some(target) = include_target(text) {
                self.include(target, &DocLocation::new(file, line))?;
                continue;
            }
            self.lines.push(Line {
                file: Arc::clone(&file_arc),
                line,
                text: text.to_owned(),
            });
        }
        Ok(())
    }

    fn include(&mut self, target: &str, at: &DocLocation) -> Result<(), Diagnostic> {
        // Jekyll resolves includes under `app/_includes/`; the leading slash the docs write
        // is harmless there (`File.join`), so it is here.
        let relative = format!("{INCLUDES_DIR}/{}", target.trim_start_matches('/'));
        if self.stack.contains(&relative) || self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(Diagnostic::error(
                "doc::include_cycle",
                at.clone(),
                format!(
                    "include `{target}` includes itself: {} → {relative}",
                    self.stack.join(" → ")
                ),
            ));
        }
        if !self.root.exists(&relative) {
            return Err(Diagnostic::error(
                "doc::missing_include",
                at.clone(),
                format!("include `{target}` not found: no file `{relative}` in the docs root"),
            )
            .with_help(format!(
                "include paths are relative to `{INCLUDES_DIR}/` of the docs root `{}`",
                self.root.path().display()
            )));
        }
        let text = self.root.read(&relative, at, "include")?;
        if !self.includes.contains(&relative) {
            self.includes.push(relative.clone());
        }
        self.stack.push(relative.clone());
        let result = self.expand(&relative, &text, 1);
        self.stack.pop();
        result
    }
}

/// The fence marker (```` ``` ```` or `~~~`, possibly longer) a line opens, if it does.
pub fn fence_marker(trimmed: &str) -> Option<String> {
    for ch in ['`', '~'] {
        let count = trimmed.chars().take_while(|c| *c == ch).count();
        if count >= 3 {
            return Some(std::iter::repeat_n(ch, count).collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::test_support::TempRoot;

    #[test]
    fn includes_expand_recursively_and_keep_original_lines() {
        let tmp = TempRoot::new(&[
            (
                "app/_how-tos/p.md",
                "---\ntitle: T\n---\n\nintro\n{% include /how-tos/steps/a.md %}\nend\n",
            ),
            (
                "app/_includes/how-tos/steps/a.md",
                "a1\n  {%- include how-tos/steps/b.md -%}  \na3",
            ),
            ("app/_includes/how-tos/steps/b.md", "b1\nb2\n"),
        ]);
        let page = load_page(&tmp.root(), "app/_how-tos/p.md").unwrap();
        let got: Vec<_> = page
            .lines
            .iter()
            .map(|l| format!("{}:{} {}", l.file, l.line, l.text))
            .collect();
        assert_eq!(
            got,
            [
                "app/_how-tos/p.md:4 ",
                "app/_how-tos/p.md:5 intro",
                "app/_includes/how-tos/steps/a.md:1 a1",
                "app/_includes/how-tos/steps/b.md:1 b1",
                "app/_includes/how-tos/steps/b.md:2 b2",
                "app/_includes/how-tos/steps/a.md:3 a3",
                "app/_how-tos/p.md:7 end",
            ]
        );
        assert_eq!(
            page.includes,
            [
                "app/_includes/how-tos/steps/a.md",
                "app/_includes/how-tos/steps/b.md"
            ]
        );
        assert_eq!(page.frontmatter.title.as_deref(), Some("T"));
        assert_eq!(page.head.len(), 3);
        assert!(
            page.expanded_text()
                .starts_with("---\ntitle: T\n---\n\nintro\na1\nb1\n")
        );
    }

    #[test]
    fn missing_includes_and_cycles_are_located_errors() {
        let tmp = TempRoot::new(&[
            ("app/p.md", "x\n{% include /nope.md %}\n"),
            ("app/q.md", "{% include c.md %}\n"),
            ("app/_includes/c.md", "one\n{% include c.md %}\n"),
        ]);
        let err = load_page(&tmp.root(), "app/p.md").unwrap_err();
        assert_eq!(err.code, "doc::missing_include");
        assert_eq!(err.location, DocLocation::new("app/p.md", 2));
        let err = load_page(&tmp.root(), "app/q.md").unwrap_err();
        assert_eq!(err.code, "doc::include_cycle");
        assert_eq!(err.location, DocLocation::new("app/_includes/c.md", 2));
        let err = load_page(&tmp.root(), "app/none.md").unwrap_err();
        assert_eq!(err.code, "doc::missing_file");
    }

    #[test]
    fn includes_inside_fences_stay_text() {
        let tmp = TempRoot::new(&[("app/p.md", "```md\n{% include x.md %}\n```\n")]);
        let page = load_page(&tmp.root(), "app/p.md").unwrap();
        assert_eq!(page.lines[1].text, "{% include x.md %}");
    }

    #[test]
    fn liquid_tags_are_recognised_with_spaces_and_dashes() {
        assert_eq!(
            liquid_tag("{% konnect_api_request %} "),
            Some("konnect_api_request")
        );
        assert_eq!(liquid_tag("  {%- endvalidation -%}"), Some("endvalidation"));
        assert_eq!(liquid_tag("{% a %} x {% b %}"), None);
        assert_eq!(include_target("{% include /a/b.md x=1 %}"), Some("/a/b.md"));
        assert_eq!(include_target("{% include_cached a.md %}"), None);
    }
}
