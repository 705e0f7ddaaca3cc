//! Mutation test of the doc reader: a copy of the current OIDC how-to (and the includes and
//! entity examples it reads) in a temporary docs root, changed one thing at a time, run as
//! written on the embedded mock. Each change Konnect or the gateway decides (a status, a
//! method, a path, a credential, a plugin setting) must end as a doc defect; a change
//! Konnect ignores (a description) must leave every step verified. A sentence of the page that
//! names another method than its request is a doc defect too, found without sending it.

use std::path::{Path, PathBuf};

use docflow::doc::blocks::extract;
use docflow::doc::markdown::load_page;
use docflow::doc::source::DocsRoot;
use docflow::doc::verdict::PageVerdict;

use super::doc::shared;

const PAGE: &str = "app/_how-tos/gateway/configure-kong-identity-oidc.md";
const STEPS: &str = "app/_includes/how-tos/steps/konnect-identity-server-scope-claim-client.md";

/// A temporary docs root holding the page and every file it reads; removed on drop.
struct Copy(PathBuf);

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_of_the_page(tag: &str) -> Copy {
    let base = shared().join("kong-docs/current-2026-08");
    let root = DocsRoot::open(&base).unwrap();
    let page = load_page(&root, PAGE).unwrap();
    let extracted = extract(&page).unwrap();
    let dir = std::env::temp_dir().join(format!("docflow-mutation-{}-{tag}", std::process::id()));
    let mut files = vec![PAGE.to_owned()];
    files.extend(page.includes.iter().cloned());
    files.extend(extracted.entities.iter().map(|e| e.file.clone()));
    for file in files {
        let to = dir.join(&file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(base.join(&file), &to).unwrap();
    }
    Copy(dir)
}

/// Replaces the one occurrence of `from` at `line` of `file` in the copy.
fn mutate(copy: &Path, file: &str, line: usize, from: &str, to: &str) {
    let path = copy.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let target = &mut lines[line - 1];
    assert!(
        target.contains(from),
        "{file}:{line} is `{target}`, without `{from}`"
    );
    *target = target.replacen(from, to, 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

async fn verdicts(copy: &Path) -> PageVerdict {
    super::doc_reach::verdicts(copy, PAGE).await
}

/// What is changed, in which file and line, from what to what, and the `:line` of the page
/// where the doc defect must be (`None`: every step must stay verified).
type Mutation = (
    &'static str,
    &'static str,
    usize,
    &'static str,
    &'static str,
    Option<&'static str>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_konnect_decides_is_caught_and_a_description_change_is_quiet() {
    let cases: &[Mutation] = &[
        (
            "description",
            STEPS,
            17,
            "Auth server for",
            "The auth server for",
            None,
        ),
        ("status", PAGE, 87, "201", "200", Some(":85")),
        // The `tldr` names the token request's method: a static prose check.
        (
            "prose method",
            PAGE,
            26,
            "a POST request",
            "a GET request",
            Some(":26"),
        ),
        ("method", PAGE, 88, "POST", "PUT", Some(":85")),
        ("path", PAGE, 86, "/plugins/", "/plugin/", Some(":85")),
        (
            "credential",
            PAGE,
            117,
            "$ACCESS_TOKEN",
            "$CLIENT_SECRET",
            Some(":111"),
        ),
        (
            "plugin setting",
            PAGE,
            96,
            "bearer",
            "session",
            Some(":111"),
        ),
    ];
    let mut missed = Vec::new();
    for (what, file, line, from, to, caught_at) in cases {
        let copy = copy_of_the_page(&what.replace(' ', "-"));
        mutate(&copy.0, file, *line, from, to);
        let v = verdicts(&copy.0).await;
        let defects: Vec<_> = v
            .steps
            .iter()
            .filter(|s| s.verdict.label() == "doc defect")
            .collect();
        let ok = match caught_at {
            None => v.count("verified") == v.steps.len() && !v.steps.is_empty(),
            Some(at) => defects
                .iter()
                .any(|d| d.at.ends_with(at) && d.at.starts_with(PAGE)),
        };
        if !ok {
            missed.push(format!(
                "{what} ({file}:{line} `{from}` → `{to}`):\n{}",
                v.render()
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}
