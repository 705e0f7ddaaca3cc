//! [`render`]: the blocks of a page as `docflow doc steps` prints them, one line each with its
//! `file:line`, and [`summary`], the one-line description of a block used there and in drift
//! reports.

use std::fmt::Write as _;

use super::blocks::{BlockKind, Extracted};
use super::markdown::Page;

/// One line describing a block: `POST /v1/auth-servers  status_code: 200  capture: …`.
pub fn summary(kind: &BlockKind) -> String {
    let status = |s: Option<u16>| {
        s.map_or_else(
            || "no status_code".to_owned(),
            |s| format!("status_code: {s}"),
        )
    };
    match kind {
        BlockKind::ApiRequest(r) => {
            let mut out = format!("{} {}  {}", r.method, r.url, status(r.status_code));
            if r.body.is_some() || r.body_cmd.is_some() {
                out.push_str("  body");
            }
            if !r.captures.is_empty() {
                let caps: Vec<String> = r
                    .captures
                    .iter()
                    .map(|c| format!("{}={}", c.variable, c.jq))
                    .collect();
                let _ = write!(out, "  capture: {}", caps.join(", "));
            }
            out
        }
        BlockKind::Validation(v) => format!(
            "{} {} {}  {}",
            v.kind,
            v.method,
            v.url,
            status(v.status_code)
        ),
        BlockKind::Curl(c) => {
            let r = &c.request;
            let mut out = format!("{} {}  (no status: success implied)", r.method, r.url);
            if !r.form.is_empty() {
                let fields: Vec<&str> = r.form.iter().map(|(k, _)| k.as_str()).collect();
                let _ = write!(out, "  form: {}", fields.join(", "));
            }
            if r.json.is_some() || r.raw.is_some() {
                out.push_str("  body");
            }
            out
        }
        BlockKind::EntityExamples(e) => {
            let kinds: Vec<String> = match &e.entities {
                super::ordered::Ordered::Object(kinds) => kinds
                    .iter()
                    .map(|(kind, list)| match list {
                        super::ordered::Ordered::Array(items) => format!("{kind} ×{}", items.len()),
                        _ => kind.clone(),
                    })
                    .collect(),
                _ => vec![],
            };
            format!(
                "decK apply: {}  (sent as core-entities requests)",
                kinds.join(", ")
            )
        }
        BlockKind::Export(e) if e.placeholder => {
            format!(
                "{}='{}'  (manual: the reader copies it from the response above)",
                e.name, e.value
            )
        }
        BlockKind::Export(e) => format!("{}={}", e.name, e.value),
        BlockKind::Shell(s) => format!("{}  (not run)", s.text),
        BlockKind::Heading(h) => format!("{} {}", "#".repeat(h.level), h.text),
        BlockKind::Prose(p) => p.clone(),
        BlockKind::NotRun(n) => format!("not run: {}: {}", n.construct, n.reason),
        BlockKind::Malformed(m) => format!("doc defect: {}", m.problem),
    }
}

/// The page's entities, flags and blocks, one per line; prose lines only when `prose`.
pub fn render(page: &Page, extracted: &Extracted, prose: bool) -> String {
    let mut out = format!("page {}", page.path);
    if let Some(title) = &page.frontmatter.title {
        let _ = write!(out, ": {title}");
    }
    out.push('\n');
    for include in &page.includes {
        let _ = writeln!(out, "  includes {include}");
    }
    let mut rows: Vec<(String, &'static str, String)> = Vec::new();
    for e in &extracted.entities {
        rows.push((
            e.declared_at.to_string(),
            "entity",
            format!("prereqs.entities.{}: {} → {}", e.kind, e.name, e.file),
        ));
    }
    if let Some((flag, at)) = &extracted.automated_tests {
        let note = if *flag {
            ""
        } else {
            "  (Kong's test runner skips this page)"
        };
        rows.push((
            at.to_string(),
            "frontmatter",
            format!("automated_tests: {flag}{note}"),
        ));
    }
    for b in &extracted.blocks {
        if matches!(b.kind, BlockKind::Prose(_)) && !prose {
            continue;
        }
        rows.push((b.location.to_string(), b.kind.label(), summary(&b.kind)));
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let kind_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    for (at, kind, text) in rows {
        let _ = writeln!(out, "{at:<width$}  {kind:<kind_width$}  {text}");
    }
    for w in &extracted.warnings {
        let _ = writeln!(out, "{w}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::blocks::extract;
    use crate::doc::markdown::load_page;
    use crate::doc::test_support::TempRoot;

    #[test]
    fn every_block_is_one_located_line() {
        let tmp = TempRoot::new(&[(
            "app/p.md",
            "---\ntitle: T {{site.identity}}\nautomated_tests: false\n---\n## Step\n\nSome prose.\n{% konnect_api_request %}\nurl: /v1/x\nmethod: POST\nstatus_code: 201\ncapture:\n  - variable: X_ID\n    jq: .id\n{% endkonnect_api_request %}\n```sh\nexport X='YOUR-X'\ncurl \"$U/t\" -d a=b\n```\n",
        )]);
        let page = load_page(&tmp.root(), "app/p.md").unwrap();
        let x = extract(&page).unwrap();
        let out = render(&page, &x, false);
        let expected = "page app/p.md: T Kong Identity\n\
app/p.md:3   frontmatter          automated_tests: false  (Kong's test runner skips this page)\n\
app/p.md:5   heading              ## Step\n\
app/p.md:8   konnect_api_request  POST /v1/x  status_code: 201  capture: X_ID=.id\n\
app/p.md:17  export               X='YOUR-X'  (manual: the reader copies it from the response above)\n\
app/p.md:18  curl                 POST $U/t  (no status: success implied)  form: a\n";
        assert_eq!(out, expected);
        assert!(render(&page, &x, true).contains("app/p.md:7   prose                Some prose."));
    }
}
