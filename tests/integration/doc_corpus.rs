//! The whole corpus: every how-to of the current Kong docs (`app/_how-tos/`, 486 pages) is
//! read and converted without aborting; what docflow does not run is a listed item. Prints
//! the count of each construct seen and how many docflow runs (`cargo test doc_corpus --
//! --nocapture`).

use std::collections::BTreeMap;
use std::path::Path;

use docflow::doc::blocks::{BlockKind, extract};
use docflow::doc::convert::convert;
use docflow::doc::emit::scenario_yaml;
use docflow::doc::infer::Inference;
use docflow::doc::markdown::load_page;
use docflow::doc::source::DocsRoot;
use docflow::scenario::load::load_str;

use super::doc::shared;

/// Pages under `dir`, relative to `root`, sorted.
pub(super) fn pages(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            pages(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

/// The construct a block is, for the counts (`validation custom-command`, `curl`, …).
fn construct(kind: &BlockKind) -> Option<String> {
    Some(match kind {
        BlockKind::ApiRequest(_) => "konnect_api_request".to_owned(),
        BlockKind::Validation(v) => format!("validation {}", v.kind),
        BlockKind::Curl(_) => "curl".to_owned(),
        BlockKind::EntityExamples(_) => "entity_examples".to_owned(),
        BlockKind::Export(e) if e.placeholder => "export (manual placeholder)".to_owned(),
        BlockKind::Export(_) => "export".to_owned(),
        BlockKind::Shell(_) => "shell command".to_owned(),
        BlockKind::NotRun(n) => n.construct.split(':').next().unwrap_or("").to_owned(),
        BlockKind::Malformed(m) => format!("{} (malformed)", m.construct),
        BlockKind::Heading(_) | BlockKind::Prose(_) => return None,
    })
}

#[test]
fn every_how_to_of_the_corpus_parses_and_converts_without_aborting() {
    let base = shared().join("kong-docs/current-2026-08");
    let root = DocsRoot::open(&base).unwrap();
    let mut all = Vec::new();
    pages(&base, &base.join("app/_how-tos"), &mut all);
    assert!(all.len() >= 486, "the corpus has {} pages", all.len());
    let (mut aborted, mut not_converted) = (Vec::new(), Vec::new());
    // construct → (seen, run as a step)
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut steps = 0;
    for page in &all {
        let loaded = load_page(&root, page).map_err(|e| vec![e]);
        let (page, extracted) = match loaded.and_then(|p| extract(&p).map(|x| (p, x))) {
            Ok(read) => read,
            Err(errors) => {
                aborted.push(format!("{page}: {}", errors[0]));
                continue;
            }
        };
        let conversion = convert(&page, &extracted, &Inference::default());
        let sources: Vec<String> = match &conversion {
            Ok(c) => {
                steps += c.scenario.steps.len();
                c.scenario
                    .steps
                    .iter()
                    .filter_map(|s| s.source.as_ref().map(|s| format!("{}:{}", s.file, s.line)))
                    .collect()
            }
            Err(errors) => {
                not_converted.push(format!("{}: {}", page.path, errors[0]));
                Vec::new()
            }
        };
        for block in &extracted.blocks {
            if let Some(name) = construct(&block.kind) {
                let entry = counts.entry(name).or_default();
                entry.0 += 1;
                if sources.contains(&block.location.to_string()) {
                    entry.1 += 1;
                }
            }
        }
    }
    println!(
        "{} pages; {} aborted; {} not converted; {steps} steps",
        all.len(),
        aborted.len(),
        not_converted.len()
    );
    println!("{:<45} {:>6} {:>6}", "construct", "seen", "run");
    for (name, (seen, run)) in &counts {
        println!("{name:<45} {seen:>6} {run:>6}");
    }
    for line in &not_converted {
        println!("not converted: {line}");
    }
    assert!(
        aborted.is_empty(),
        "pages that abort:\n{}",
        aborted.join("\n")
    );
}

/// Pages whose `docflow doc scenario` is a located docflow error rather than a file, and why
/// (the reason must appear in the error). Each is a value the doc sends that a scenario
/// cannot hold.
const NO_SCENARIO: &[(&str, &str)] = &[(
    // The block's `variables:` lacks `salt-token` (the sibling OIDC pages define it): the
    // reader's decK sends the text `${salt-token}`, which a scenario would read as a variable.
    "app/_how-tos/gateway/configure-oidc-with-multi-idp.md",
    "`${salt-token}`",
)];

/// `docflow doc scenario` on every page with steps prints a scenario that passes
/// `docflow validate` (the same library call), or a located docflow error listed in
/// [`NO_SCENARIO`]. Prints the count (`cargo test doc_corpus -- --nocapture`).
#[test]
fn every_page_with_steps_converts_to_a_scenario_that_validates() {
    let base = shared().join("kong-docs/current-2026-08");
    let root = DocsRoot::open(&base).unwrap();
    let mut all = Vec::new();
    pages(&base, &base.join("app/_how-tos"), &mut all);
    let (mut with_steps, mut valid) = (0, 0);
    let mut refused = Vec::new();
    let mut invalid = Vec::new();
    for path in &all {
        let Ok(page) = load_page(&root, path) else {
            continue;
        };
        let Ok(extracted) = extract(&page) else {
            continue;
        };
        let Ok(conversion) = convert(&page, &extracted, &Inference::default()) else {
            continue;
        };
        if conversion.scenario.steps.is_empty() {
            continue;
        }
        with_steps += 1;
        if let Some(error) = conversion.unwritable.first() {
            let error = error.to_string();
            let allowed = NO_SCENARIO
                .iter()
                .any(|(p, why)| p == path && error.contains(why));
            if allowed {
                refused.push(path.clone());
            } else {
                invalid.push(format!("{path}: no scenario: {error}"));
            }
            continue;
        }
        let yaml = scenario_yaml(&conversion);
        match load_str(Path::new(&format!("{path}.yaml")), &yaml) {
            Ok(_) => valid += 1,
            Err(errors) => invalid.push(format!("{path}:\n{}", errors.render_plain())),
        }
    }
    println!(
        "{with_steps} pages with steps: {valid} scenarios validate, {} refused with a located error ({}), {} invalid",
        refused.len(),
        refused.join(", "),
        invalid.len()
    );
    assert!(
        invalid.is_empty(),
        "scenarios that do not validate:\n{}",
        invalid.join("\n")
    );
    let listed: Vec<&str> = NO_SCENARIO.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        refused, listed,
        "`NO_SCENARIO` lists a page that now converts"
    );
    assert!(with_steps >= 300, "only {with_steps} pages with steps");
}

/// `docflow doc run DIR`: one row per page in the health report, JUnit, and an exit code that
/// tells "defects found" (1) from "docflow could not run" (2).
#[test]
fn doc_run_on_a_folder_prints_a_health_report_and_exit_codes_tell_defects_from_errors() {
    let dir = std::env::temp_dir().join(format!("docflow-health-{}", std::process::id()));
    let pages = dir.join("app/_how-tos");
    std::fs::create_dir_all(&pages).unwrap();
    std::fs::write(
        pages.join("a-malformed.md"),
        "---\ntitle: A\n---\n{% konnect_api_request %}\nurl: /v2/control-planes\nstatus_code: 2010\n{% endkonnect_api_request %}\n{% validation custom-command %}\ncommand: ls\n{% endvalidation %}\n",
    )
    .unwrap();
    std::fs::write(
        pages.join("b-clean.md"),
        "---\ntitle: B\n---\n{% konnect_api_request %}\nurl: /v2/control-planes\nstatus_code: 200\n{% endkonnect_api_request %}\n",
    )
    .unwrap();
    // A sentence naming another method than the request it introduces: a defect at its line.
    std::fs::write(
        pages.join("c-prose.md"),
        "---\ntitle: C\n---\nList them by sending a `POST` request to the `/v2/control-planes` endpoint:\n{% konnect_api_request %}\nurl: /v2/control-planes\nstatus_code: 200\n{% endkonnect_api_request %}\n",
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_docflow"))
            .args(["doc", "run", "--target", "mock", "--docs-root"])
            .arg(&dir)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[pages.as_os_str(), "--junit".as_ref(), junit.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let report = stdout
        .split("docs health report\n")
        .nth(1)
        .unwrap_or_default();
    let rows: Vec<&str> = report.lines().map(str::trim).collect();
    assert!(
        rows[0].starts_with("app/_how-tos/a-malformed.md"),
        "{report}"
    );
    assert!(
        rows[0].contains("verified  0/2") && rows[0].contains("defects 1"),
        "{report}"
    );
    assert!(
        rows[1].starts_with("defect app/_how-tos/a-malformed.md:6: "),
        "{report}"
    );
    assert!(rows[1].contains("bad `status_code`"), "{report}");
    assert_eq!(
        rows[2],
        "out of reach: not run: `{% validation custom-command %}`: runs a shell command"
    );
    assert!(
        rows[3].starts_with("app/_how-tos/b-clean.md") && rows[3].contains("verified  1/1"),
        "{report}"
    );
    assert!(
        rows[4].starts_with("app/_how-tos/c-prose.md")
            && rows[4].contains("verified  1/2")
            && rows[4].contains("defects 1")
            && rows[4].ends_with("prose 0/1 agree"),
        "{report}"
    );
    assert!(
        rows[5].starts_with(
            "defect app/_how-tos/c-prose.md:4: the sentence says `POST /v2/control-planes`"
        ) && rows[5].ends_with(
            "the request the page makes at app/_how-tos/c-prose.md:5 is `GET /v2/control-planes`"
        ),
        "{report}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("type=\"doc defect\"/>"), "{xml}");
    assert!(
        xml.contains("<skipped message=\"not run: `{% validation custom-command %}`"),
        "{xml}"
    );
    // The clean page alone: exit 0; a page that does not exist: docflow could not run it, 2.
    assert_eq!(
        run(&[pages.join("b-clean.md").as_os_str()]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&[pages.join("none.md").as_os_str()]).status.code(),
        Some(2)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The prose checks on the whole corpus: every sentence (and `tldr`) that names a method and
/// an endpoint and what it comes to (`cargo test prose_checks_of_the_corpus -- --nocapture`).
/// A disagreement here is a false alarm unless reading the page shows the doc wrong.
#[test]
fn prose_checks_of_the_corpus_raise_no_false_alarm() {
    use docflow::doc::prose_check::{ClaimOutcome, check};
    let base = shared().join("kong-docs/current-2026-08");
    let root = DocsRoot::open(&base).unwrap();
    let mut all = Vec::new();
    pages(&base, &base.join("app/_how-tos"), &mut all);
    let (mut agree, mut unchecked, mut defects) = (0, BTreeMap::new(), Vec::new());
    let mut claims = 0;
    let mut seen = std::collections::BTreeSet::new();
    for page in &all {
        let Ok(page) = load_page(&root, page) else {
            continue;
        };
        let Ok(extracted) = extract(&page) else {
            continue;
        };
        for c in check(&page, &extracted) {
            // An include's sentence is counted once, however many pages include it.
            if !seen.insert((c.claim.location.clone(), c.claim.said(), page.path.clone())) {
                continue;
            }
            claims += 1;
            match &c.outcome {
                ClaimOutcome::Agrees(r) => {
                    agree += 1;
                    println!(
                        "agrees     {}  {}  ~ {} {}",
                        c.claim.location,
                        c.claim.said(),
                        r.method,
                        r.url.trim()
                    );
                }
                ClaimOutcome::Unchecked(why) => {
                    *unchecked.entry(*why).or_insert(0) += 1;
                    println!(
                        "unchecked  {}  {}  ({why}) [{}]",
                        c.claim.location,
                        c.claim.said(),
                        page.path
                    );
                }
                ClaimOutcome::Disagrees(_) => {
                    let d = c.defect().unwrap();
                    println!("DISAGREES  {d}");
                    defects.push(format!("{} ({})", d.location, page.path));
                }
            }
        }
    }
    let sentences: std::collections::BTreeSet<_> =
        seen.iter().map(|(at, said, _)| (at, said)).collect();
    let pages_with: std::collections::BTreeSet<_> = seen.iter().map(|(.., page)| page).collect();
    println!(
        "{claims} claims ({} distinct sentences) on {} of {} pages: {agree} agree, {} disagree, unchecked: {unchecked:?}",
        sentences.len(),
        pages_with.len(),
        all.len(),
        defects.len()
    );
    // `current-2026-08` has none: every sentence the check can hold to a request agrees.
    assert!(defects.is_empty(), "prose disagreements: {defects:#?}");
}

/// The prose checks' reach: each sentence of the corpus that agrees with a request is given
/// another method (one no request to that endpoint uses), in memory, and checked again. A
/// `tldr` line or a sentence introducing its request must then disagree; the others (hedged,
/// not next to the request they name, or naming a method a block docflow does not read names
/// too) stay unchecked, and none may agree with some other request.
#[test]
fn a_changed_method_in_an_agreeing_sentence_of_the_corpus_is_caught() {
    use docflow::doc::prose_check::{ClaimOutcome, check, requests};
    let base = shared().join("kong-docs/current-2026-08");
    let root = DocsRoot::open(&base).unwrap();
    let mut all = Vec::new();
    pages(&base, &base.join("app/_how-tos"), &mut all);
    let (mut flipped, mut caught, mut missed) = (0, 0, Vec::new());
    for path in &all {
        let Ok(page) = load_page(&root, path) else {
            continue;
        };
        let Ok(extracted) = extract(&page) else {
            continue;
        };
        for c in check(&page, &extracted) {
            let ClaimOutcome::Agrees(request) = &c.outcome else {
                continue;
            };
            let [said] = &c.claim.methods[..] else {
                continue;
            };
            let used: Vec<String> = requests(&extracted)
                .iter()
                .filter(|r| r.url.trim() == request.url.trim())
                .map(|r| r.method.clone())
                .collect();
            let Some(other) = ["GET", "POST", "PUT", "PATCH", "DELETE"]
                .into_iter()
                .find(|m| !used.iter().any(|u| u == m))
            else {
                continue;
            };
            let (mut page, mut extracted) = (page.clone(), extracted.clone());
            let at = &c.claim.location;
            let change = |text: &mut String| *text = text.replacen(said.as_str(), other, 1);
            for line in page.head.iter_mut().filter(|l| l.location() == *at) {
                change(&mut line.text);
            }
            for block in extracted.blocks.iter_mut().filter(|b| b.location == *at) {
                if let BlockKind::Prose(text) = &mut block.kind {
                    change(text);
                }
            }
            flipped += 1;
            let after = check(&page, &extracted);
            let outcome = after
                .iter()
                .find(|a| a.claim.location == *at && a.claim.endpoints == c.claim.endpoints)
                .map(|a| &a.outcome);
            match outcome {
                Some(ClaimOutcome::Disagrees(_)) => caught += 1,
                Some(ClaimOutcome::Unchecked(why)) => missed.push(format!("{at} `{said}`: {why}")),
                outcome => panic!("{at}: `{said}` → `{other}`: {outcome:?}"),
            }
        }
    }
    println!(
        "{flipped} agreeing sentences given another method: {caught} caught; not caught:\n{}",
        missed.join("\n")
    );
    // 35 of 36 on `current-2026-08`; the one left names a method a shell block also names.
    assert!(caught * 10 >= flipped * 9, "{caught} of {flipped}");
}
