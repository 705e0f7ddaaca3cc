//! `docflow doc scenario` output runs like `docflow doc run` on the same page: converted,
//! printed, loaded back as `docflow run` loads it and run on the embedded mock, each step of
//! the doc gets the verdict `doc run` gives it. A value the reader brings is declared as
//! `{input: PLACEHOLDER}` and its steps are out of reach: the placeholder is never sent (a
//! gateway route without auth would accept `YOUR-ACCESS-TOKEN` and pass silently).

use std::path::Path;

use docflow::doc::blocks::extract;
use docflow::doc::convert::{Conversion, convert};
use docflow::doc::emit::scenario_yaml;
use docflow::doc::infer::Inference;
use docflow::doc::markdown::load_page;
use docflow::doc::source::DocsRoot;
use docflow::doc::verdict::PageVerdict;
use docflow::outcome::StepOutcome;
use docflow::scenario::load::load_str;
use docflow::scenario::model::Scenario;

use super::doc::shared;
use super::doc_reach::run_on_mock;

/// The Kong Identity how-tos (as the README's health report lists them).
const KONG_IDENTITY: &[&str] = &[
    "app/_how-tos/gateway/authenticate-oauth-clients-with-kong-identity.md",
    "app/_how-tos/gateway/configure-kong-identity-oauth-introspection.md",
    "app/_how-tos/gateway/configure-kong-identity-oidc.md",
    "app/_how-tos/gateway/configure-kong-identity-upstream-oauth.md",
    "app/_how-tos/event-gateway/kong-identity-jwt-metadata-integration.md",
    "app/_how-tos/event-gateway/kong-identity-metadata-integration.md",
    "app/_how-tos/event-gateway/kong-identity-oauth.md",
    "app/_how-tos/dev-portal/kong-identity-dcr.md",
];

fn conversion(page: &str) -> Conversion {
    let root = DocsRoot::open(shared().join("kong-docs/current-2026-08")).unwrap();
    let page = load_page(&root, page).unwrap();
    let extracted = extract(&page).unwrap();
    convert(&page, &extracted, &Inference::default()).unwrap()
}

/// The page's `docflow doc scenario` output, loaded as `docflow run` loads a file.
fn printed(page: &str, conversion: &Conversion) -> (String, Scenario) {
    let yaml = scenario_yaml(conversion);
    let scenario = load_str(Path::new(&format!("{page}.yaml")), &yaml)
        .unwrap_or_else(|e| panic!("{}\n{yaml}", e.render_plain()));
    (yaml, scenario)
}

/// `file:line` and verdict label of each step, in doc order.
fn labels(v: &PageVerdict) -> Vec<(String, &'static str)> {
    v.steps
        .iter()
        .map(|s| (s.at.clone(), s.verdict.label()))
        .collect()
}

#[tokio::test]
async fn a_converted_kong_identity_page_runs_like_doc_run() {
    let mut tally = Vec::new();
    for page in KONG_IDENTITY {
        let conversion = conversion(page);
        let as_written = run_on_mock(&conversion.scenario).await;
        let doc_run = PageVerdict::new(&conversion, Some(&as_written), None);
        let (yaml, scenario) = printed(page, &conversion);
        let ran = run_on_mock(&scenario).await;
        let from_file = PageVerdict::new(&conversion, Some(&ran), None);
        assert_eq!(
            labels(&from_file),
            labels(&doc_run),
            "{page}: `doc scenario` output ran unlike `doc run`\n--- doc run\n{}--- scenario\n{}\n{yaml}",
            doc_run.render(),
            from_file.render()
        );
        tally.push(format!("{page}: {}", from_file.summary()));
    }
    println!("{}", tally.join("\n"));
}

#[tokio::test]
async fn kong_identity_dcr_never_sends_the_access_token_placeholder() {
    let page = "app/_how-tos/dev-portal/kong-identity-dcr.md";
    let conversion = conversion(page);
    let (yaml, scenario) = printed(page, &conversion);
    assert!(
        yaml.contains("  ACCESS_TOKEN: {input: YOUR-ACCESS-TOKEN}\n"),
        "{yaml}"
    );
    let report = run_on_mock(&scenario).await;
    let gateway = report
        .steps
        .iter()
        .find(|s| s.name == "call-gateway")
        .expect("the gateway step");
    assert_eq!(
        gateway.outcome,
        StepOutcome::OutOfReach {
            reason: "needs `$ACCESS_TOKEN`, a value the reader brings (`--var ACCESS_TOKEN=…`)"
                .to_owned()
        }
    );
    // Nothing was sent for it.
    assert_eq!((gateway.status, gateway.attempts), (None, 0));
    let verdicts = PageVerdict::new(&conversion, Some(&report), None);
    assert_eq!(verdicts.count("out of reach"), 1, "{}", verdicts.render());
    assert_eq!(verdicts.count("docflow error"), 0, "{}", verdicts.render());

    // Given with `--var`, it is sent as given.
    let mut given = scenario.clone();
    assert!(given.supply("ACCESS_TOKEN", "a-real-token"));
    let report = run_on_mock(&given).await;
    let gateway = report.steps.iter().find(|s| s.name == "call-gateway");
    assert!(
        gateway.is_some_and(|s| s.status.is_some()),
        "{:?}",
        report.steps
    );
}

/// Every page of the corpus with a value the reader brings: the printed scenario's verdicts
/// are `doc run`'s, step by step. Prints the count (`-- --nocapture`).
#[tokio::test]
async fn every_page_with_a_reader_input_runs_like_doc_run_once_printed() {
    let base = shared().join("kong-docs/current-2026-08");
    let root = DocsRoot::open(&base).unwrap();
    let mut all = Vec::new();
    super::doc_corpus::pages(&base, &base.join("app/_how-tos"), &mut all);
    let (mut same, mut differ) = (0, Vec::new());
    for page in &all {
        let Ok(loaded) = load_page(&root, page) else {
            continue;
        };
        let Ok(extracted) = extract(&loaded) else {
            continue;
        };
        let Ok(c) = convert(&loaded, &extracted, &Inference::default()) else {
            continue;
        };
        if c.reader_inputs.is_empty() || !c.unwritable.is_empty() || c.not_for_konnect.is_some() {
            continue;
        }
        let doc_run = PageVerdict::new(&c, Some(&run_on_mock(&c.scenario).await), None);
        let (_, scenario) = printed(page, &c);
        let from_file = PageVerdict::new(&c, Some(&run_on_mock(&scenario).await), None);
        if labels(&doc_run) == labels(&from_file) {
            same += 1;
        } else {
            differ.push(format!(
                "{page}\n--- doc run\n{}--- scenario\n{}",
                doc_run.render(),
                from_file.render()
            ));
        }
    }
    println!(
        "{same} pages with a reader input run alike; {} differ",
        differ.len()
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(same >= 70, "only {same} pages with a reader input");
}
