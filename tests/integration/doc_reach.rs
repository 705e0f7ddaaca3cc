//! The four verdicts on pages docflow was not built on: `{% entity_examples %}` are applied,
//! what the mock does not emulate (a plugin, a credential API, an unreachable upstream) and
//! everything depending on configuration docflow did not run are out of reach, never doc
//! defects, while what the target does decide (a plugin config it validates, a status before
//! any unrun configuration) is still a defect.

use std::path::{Path, PathBuf};

use docflow::doc::blocks::extract;
use docflow::doc::convert::convert;
use docflow::doc::infer::Inference;
use docflow::doc::markdown::load_page;
use docflow::doc::source::DocsRoot;
use docflow::doc::verdict::{PageVerdict, Verdict};
use docflow::outcome::ScenarioReport;
use docflow::scenario::model::{Scenario, TargetKind};
use docflow::targets::Target;

use super::doc::shared;

/// Runs `page` of the docs root `root` as written on the embedded mock and gives its verdicts.
pub(super) async fn verdicts(root: &Path, page: &str) -> PageVerdict {
    let root = DocsRoot::open(root).unwrap();
    let page = load_page(&root, page).unwrap();
    let extracted = extract(&page).unwrap();
    let conversion = convert(&page, &extracted, &Inference::default()).unwrap();
    let report = run_on_mock(&conversion.scenario).await;
    PageVerdict::new(&conversion, Some(&report), None)
}

/// Runs `scenario` in a fresh session of the embedded mock.
pub(super) async fn run_on_mock(scenario: &Scenario) -> ScenarioReport {
    let target = Target::open(TargetKind::Mock)
        .await
        .unwrap_or_else(|e| panic!("{}", e.message));
    let session = target
        .open_session()
        .await
        .unwrap_or_else(|e| panic!("{}", e.message));
    docflow::run_scenario(scenario, &session).await
}

fn verdict_at<'a>(v: &'a PageVerdict, at: &str) -> Vec<&'a Verdict> {
    v.steps
        .iter()
        .filter(|s| s.at.ends_with(at))
        .map(|s| &s.verdict)
        .collect()
}

fn corpus() -> PathBuf {
    shared().join("kong-docs/current-2026-08")
}

#[tokio::test]
async fn a_plugin_the_mock_does_not_run_makes_its_checks_out_of_reach_not_defects() {
    let page = "app/_how-tos/gateway/authenticate-consumers-with-basic-authentication.md";
    let v = verdicts(&corpus(), page).await;
    let render = v.render();
    assert_eq!(v.count("doc defect"), 0, "{render}");
    assert_eq!(v.count("docflow error"), 0, "{render}");
    // The consumer of the page's `{% entity_examples %}` is created; its credential's API is
    // not emulated; both gateway checks depend on a plugin the data plane does not run.
    assert!(
        verdict_at(&v, ":63").contains(&&Verdict::Verified),
        "{render}"
    );
    for at in [":93", ":102"] {
        assert!(
            matches!(verdict_at(&v, at)[..], [Verdict::OutOfReach(_)]),
            "{at}: {render}"
        );
    }
}

#[tokio::test]
async fn a_conditional_plugin_and_an_unreachable_upstream_are_out_of_reach() {
    for (page, at) in [
        (
            "app/_how-tos/gateway/configure-conditional-plugin-execution.md",
            ":96",
        ),
        ("app/_how-tos/gateway/configure-fallback-route.md", ":117"),
    ] {
        let v = verdicts(&corpus(), page).await;
        let render = v.render();
        assert_eq!(v.count("doc defect"), 0, "{render}");
        assert!(
            matches!(verdict_at(&v, at)[..], [Verdict::OutOfReach(_)]),
            "{page}{at}: {render}"
        );
    }
}

/// A temporary docs root; removed on drop.
struct TempDocs(PathBuf);

impl Drop for TempDocs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn what_the_target_decides_stays_a_defect_and_unrun_configuration_taints_what_follows() {
    let dir = std::env::temp_dir().join(format!("docflow-reach-{}", std::process::id()));
    let docs = TempDocs(dir.clone());
    for (file, text) in [
        (
            "app/_data/entity_examples/gateway/services/example-service.yml",
            "name: example-service\nurl: http://httpbin.konghq.com/anything\n",
        ),
        (
            "app/_data/entity_examples/gateway/routes/example-route.yml",
            "name: example-route\npaths:\n  - /anything\nservice:\n  name: example-service\n",
        ),
        (
            "app/p.md",
            "---\ntitle: T\nworks_on: [konnect]\nprereqs:\n  entities:\n    services: [example-service]\n    routes: [example-route]\n---\n\
{% validation request-check %}\nurl: /anything\nstatus_code: 418\n{% endvalidation %}\n\
{% entity_examples %}\nentities:\n  plugins:\n    - name: oauth2-introspection\n      service: example-service\n      config:\n        token_type_hint: access_token\n{% endentity_examples %}\n\
```sh\ndeck gateway apply extra.yaml\n```\n\
{% validation request-check %}\nurl: /anything\nstatus_code: 418\n{% endvalidation %}\n",
        ),
    ] {
        let path = docs.0.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let v = verdicts(&dir, "app/p.md").await;
    let render = v.render();
    // Before any configuration docflow did not run, the route answers 200: a defect.
    assert!(
        matches!(verdict_at(&v, "p.md:9")[..], [Verdict::DocDefect(_)]),
        "{render}"
    );
    // The introspection plugin is executed, so its schema decides: no `introspection_url`.
    assert!(
        matches!(verdict_at(&v, "p.md:13")[..], [Verdict::DocDefect(_)]),
        "{render}"
    );
    // After the defect and a `deck` command docflow does not run, the same wrong status is
    // out of reach (which of the two it names is the convert tests' business).
    assert!(
        matches!(verdict_at(&v, "p.md:24")[..], [Verdict::OutOfReach(_)]),
        "{render}"
    );
}
