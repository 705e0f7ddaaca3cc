//! [`Page`]: a how-to read from a docs root — its [`Frontmatter`] and its body with every
//! `{% include … %}` expanded in place, recursively, each [`Line`] keeping the file (relative
//! to the docs root) and line number it really comes from. That mapping is what lets every
//! step, defect and drift point at the line a doc writer has to edit.

use std::collections::HashMap;
use std::sync::Arc;

use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};
use super::frontmatter::{self, Frontmatter, InlinePrereq};
use super::liquid::{self, Scope, Value};
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
    /// Includes not expanded, and why (a path holding Liquid docflow cannot evaluate), each
    /// with the index in `lines` where it would have been.
    pub not_run: Vec<(usize, DocLocation, String)>,
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
        not_run: Vec::new(),
    };
    // The site shows `prereqs.inline` before the body: their steps run first.
    for prereq in &frontmatter.inline_prereqs {
        expander.inline_prereq(page, prereq)?;
    }
    expander.expand(page, split.body, split.body_line, Scope::default())?;
    Ok(Page {
        root: root.clone(),
        path: page.to_owned(),
        frontmatter,
        head,
        lines: expander.lines,
        includes: expander.includes,
        not_run: expander.not_run,
    })
}

/// The include target of a line that is only an include tag: `{% include /how-tos/x.md %}`
/// (parameters after the path are allowed and ignored).
pub fn include_target(line: &str) -> Option<&str> {
    include_tag(line).map(|(target, _)| target)
}

/// The target and the parameters of a line that is only an include tag
/// (`{% include x.md a="b" %}`, `include_cached` too).
pub fn include_tag(line: &str) -> Option<(&str, &str)> {
    let inner = liquid_tag(line)?;
    let rest = inner
        .strip_prefix("include_cached")
        .or_else(|| inner.strip_prefix("include"))?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    // A path may hold `{{ … }}` with spaces inside.
    let mut end = 0;
    let mut depth = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            c if c.is_whitespace() && depth <= 0 => break,
            _ => {}
        }
        end = i + c.len_utf8();
    }
    Some((&rest[..end], &rest[end..]))
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
    not_run: Vec<(usize, DocLocation, String)>,
}

/// One open `if`/`unless`/`case`: whether its current branch is output, whether a branch
/// was taken, whether the enclosing text is output, and the `case` value.
struct Frame {
    active: bool,
    taken: bool,
    outer: bool,
    case: Option<Value>,
}

/// Where the line walk is inside one file.
#[derive(Default)]
struct Walk {
    frames: Vec<Frame>,
    /// Inside `{% raw %}` or `{% comment %}`: the closing tag.
    verbatim: Option<&'static str>,
    /// Inside `{% capture name %}`: the name and the lines so far.
    capture: Option<(String, Vec<Line>)>,
    captured: HashMap<String, Vec<Line>>,
}

impl Walk {
    fn active(&self) -> bool {
        self.frames.last().is_none_or(|f| f.active)
    }

    /// Applies a whole-line control tag; false when `tag` is not one.
    fn control(&mut self, tag: &str, scope: &mut Scope) -> bool {
        let (name, rest) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        let outer = self.active();
        match name {
            "if" | "unless" => {
                let holds = scope.condition(rest) == (name == "if");
                self.frames.push(Frame {
                    active: outer && holds,
                    taken: holds,
                    outer,
                    case: None,
                });
            }
            "case" => self.frames.push(Frame {
                active: false,
                taken: false,
                outer,
                case: Some(scope.eval(rest)),
            }),
            "elsif" | "when" | "else" => {
                let Some(f) = self.frames.last_mut() else {
                    return true;
                };
                let holds = match (name, &f.case) {
                    ("elsif", _) => scope.condition(rest),
                    ("when", Some(value)) => rest
                        .split([',', ' '])
                        .filter(|v| !v.is_empty() && *v != "or")
                        .any(|v| scope.eval(v) == *value),
                    _ => true,
                };
                f.active = f.outer && !f.taken && holds;
                f.taken |= holds;
            }
            "endif" | "endunless" | "endcase" => {
                self.frames.pop();
            }
            "assign" => {
                if let Some((var, expr)) = rest.split_once('=').filter(|_| outer) {
                    scope.set(var.trim(), scope.eval(expr.trim()));
                }
            }
            "capture" => self.capture = Some((rest.trim().to_owned(), Vec::new())),
            "raw" => self.verbatim = Some("endraw"),
            "comment" => self.verbatim = Some("endcomment"),
            _ => return false,
        }
        true
    }
}

impl Expander<'_> {
    fn expand(
        &mut self,
        file: &str,
        body: &str,
        first_line: usize,
        mut scope: Scope,
    ) -> Result<(), Diagnostic> {
        let file_arc: Arc<str> = Arc::from(file);
        let mut fence: Option<String> = None;
        let mut walk = Walk::default();
        for (i, text) in body.lines().enumerate() {
            let line = Line {
                file: Arc::clone(&file_arc),
                line: first_line + i,
                text: text.to_owned(),
            };
            let tag = liquid_tag(text);
            if let Some(end) = walk.verbatim {
                if tag == Some(end) {
                    walk.verbatim = None;
                } else if end == "endraw" && walk.active() {
                    self.lines.push(line);
                }
                continue;
            }
            if let Some((name, mut lines)) = walk.capture.take() {
                if tag == Some("endcapture") {
                    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
                    scope.set(name.clone(), Value::Text(text.join("\n")));
                    walk.captured.insert(name, lines);
                } else {
                    lines.push(line);
                    walk.capture = Some((name, lines));
                }
                continue;
            }
            if let Some(tag) = tag
                && walk.control(tag, &mut scope)
            {
                continue;
            }
            if !walk.active() {
                continue;
            }
            // Includes inside code fences are text, not tags.
            let trimmed = text.trim_start();
            if let Some(open) = &fence {
                if trimmed.starts_with(open.as_str()) && trimmed.trim_end() == open.as_str() {
                    fence = None;
                }
            } else if let Some(marker) = fence_marker(trimmed) {
                fence = Some(marker);
            } else if let Some((target, params)) = include_tag(text) {
                let target = liquid::substitute(target, &scope);
                let inner = liquid::include_scope(params, &scope);
                self.include(&target, &line.location(), inner)?;
                continue;
            }
            if let Some((name, indent)) = liquid::indent_output(text, &scope)
                && let Some(captured) = walk.captured.get(name)
            {
                let pad = " ".repeat(indent);
                self.lines.extend(captured.iter().map(|l| Line {
                    text: format!("{pad}{}", l.text),
                    ..l.clone()
                }));
                continue;
            }
            self.lines.push(Line {
                text: liquid::substitute(text, &scope),
                ..line
            });
        }
        Ok(())
    }

    /// A `prereqs.inline` item: its include (a missing one is listed as not run: the docs
    /// site renders the page without it) or its markdown, at its frontmatter lines.
    fn inline_prereq(&mut self, page: &str, prereq: &InlinePrereq) -> Result<(), Diagnostic> {
        match prereq {
            InlinePrereq::Include(target, at) => {
                let relative = format!("{INCLUDES_DIR}/{target}.md");
                if self.root.exists(&relative) {
                    self.include(&format!("{target}.md"), at, Scope::default())
                } else {
                    self.not_run.push((
                        self.lines.len(),
                        at.clone(),
                        format!("`prereqs.inline` include `{target}`: no file `{relative}`"),
                    ));
                    Ok(())
                }
            }
            InlinePrereq::Content(text, at) => self.expand(page, text, at.line, Scope::default()),
        }
    }

    fn include(&mut self, target: &str, at: &DocLocation, scope: Scope) -> Result<(), Diagnostic> {
        // Jekyll resolves includes under `app/_includes/`; the leading slash the docs write
        // is harmless there (`File.join`), so it is here.
        let relative = format!("{INCLUDES_DIR}/{}", target.trim_start_matches('/'));
        if self.stack.contains(&relative) || self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(Diagnostic::error(
                DocCode::IncludeCycle,
                at.clone(),
                format!(
                    "include `{target}` includes itself: {} → {relative}",
                    self.stack.join(" → ")
                ),
            ));
        }
        if target.contains("{{") {
            self.not_run.push((
                self.lines.len(),
                at.clone(),
                format!("include `{target}`: its path holds Liquid docflow cannot evaluate here"),
            ));
            return Ok(());
        }
        if !self.root.exists(&relative) {
            return Err(Diagnostic::error(
                DocCode::MissingInclude,
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
        let result = self.expand(&relative, &text, 1, scope);
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
        assert_eq!(err.code, DocCode::MissingInclude);
        assert_eq!(err.location, DocLocation::new("app/p.md", 2));
        let err = load_page(&tmp.root(), "app/q.md").unwrap_err();
        assert_eq!(err.code, DocCode::IncludeCycle);
        assert_eq!(err.location, DocLocation::new("app/_includes/c.md", 2));
        let err = load_page(&tmp.root(), "app/none.md").unwrap_err();
        assert_eq!(err.code, DocCode::MissingFile);
    }

    #[test]
    fn liquid_in_includes_is_evaluated_and_every_line_keeps_its_own_line() {
        let tmp = TempRoot::new(&[
            (
                "app/p.md",
                "a\n{% include x.md provider=\"eks\" flag=true %}\n{% include x.md provider='gke' %}\n{% include y/{{include.none}}.md %}\n",
            ),
            (
                "app/_includes/x.md",
                "{% assign p = include.provider %}\n{% if include.flag == true %}\nflag on\n{% elsif p == \"gke\" %}\ngke {{p}}\n{% else %}\nnever\n{% endif %}\n{% case p %}\n{% when \"eks\" %}\ncase {{ include.provider }}\n{% endcase %}\n{% capture c %}\ncaptured\n{% endcapture %}\n{{ c | indent: 2 }}\n",
            ),
        ]);
        let page = load_page(&tmp.root(), "app/p.md").unwrap();
        let got: Vec<_> = page
            .lines
            .iter()
            .map(|l| format!("{}:{} {}", l.file, l.line, l.text))
            .collect();
        assert_eq!(
            got,
            [
                "app/p.md:1 a",
                "app/_includes/x.md:3 flag on",
                "app/_includes/x.md:11 case eks",
                "app/_includes/x.md:14   captured",
                "app/_includes/x.md:5 gke gke",
                "app/_includes/x.md:14   captured",
            ]
        );
        assert_eq!(page.not_run.len(), 1);
        assert_eq!(page.not_run[0].1, DocLocation::new("app/p.md", 4));
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
        assert_eq!(include_target("{% include_cached a.md %}"), Some("a.md"));
    }
}
