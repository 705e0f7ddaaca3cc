//! `docflow doc`: the real Kong docs (the July 2025 draft and the 2026 how-to, copied under
//! the shared folder) read block by block, run as written on the embedded mock, and the
//! hand-written scenarios checked for drift against them.

use std::path::{Path, PathBuf};
use std::process::Command;

use docflow::doc::blocks::{BlockKind, Extracted, extract};
use docflow::doc::convert::{Conversion, convert};
use docflow::doc::diagnostic::DocLocation;
use docflow::doc::drift::{check_with_root, resolve_root};
use docflow::doc::emit::scenario_yaml;
use docflow::doc::infer::Inference;
use docflow::doc::markdown::{Page, load_page};
use docflow::doc::source::DocsRoot;
use docflow::scenario::model::TargetKind;
use docflow::targets::Target;

const DRAFT: &str = "app/_how-tos/configure-konnect-identity-oidc.md";
const CURRENT: &str = "app/_how-tos/gateway/configure-kong-identity-oidc.md";
const STEPS: &str = "app/_includes/how-tos/steps/konnect-identity-server-scope-claim-client.md";
const TOKEN: &str = "app/_includes/how-tos/steps/konnect-identity-generate-token.md";

/// The shared folder: `DOCFLOW_SHARED`, else `../shared` next to the crate.
pub(crate) fn shared() -> PathBuf {
    let path = std::env::var_os("DOCFLOW_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        path.join("kong-docs").is_dir(),
        "the shared docs are missing: no `kong-docs/` in `{}`; set DOCFLOW_SHARED to the folder that holds `kong-docs/draft-2025-07-24` and `kong-docs/current-2026-08`",
        path.display()
    );
    path
}

fn root(version: &str) -> DocsRoot {
    DocsRoot::open(shared().join("kong-docs").join(version)).unwrap()
}

fn draft() -> (Page, Extracted) {
    read(&root("draft-2025-07-24"), DRAFT)
}

fn current() -> (Page, Extracted) {
    read(&root("current-2026-08"), CURRENT)
}

fn read(root: &DocsRoot, page: &str) -> (Page, Extracted) {
    let page = load_page(root, page).unwrap_or_else(|e| panic!("{e}"));
    let extracted = extract(&page).unwrap_or_else(|e| panic!("{e:?}"));
    (page, extracted)
}

fn converted((page, extracted): &(Page, Extracted)) -> Conversion {
    convert(page, extracted, &Inference::default()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// `file:line kind method url status` for every request block.
fn requests(x: &Extracted) -> Vec<String> {
    x.blocks
        .iter()
        .filter_map(|b| {
            let (method, url, status) = match &b.kind {
                BlockKind::ApiRequest(r) => (r.method.clone(), r.url.clone(), r.status_code),
                BlockKind::Validation(v) => (v.method.clone(), v.url.clone(), v.status_code),
                BlockKind::Curl(c) => (c.request.method.clone(), c.request.url.clone(), None),
                _ => return None,
            };
            let status = status.map_or_else(|| "-".to_owned(), |s| s.to_string());
            Some(format!(
                "{} {} {method} {url} {status}",
                b.location,
                b.kind.label()
            ))
        })
        .collect()
}

fn exports(x: &Extracted) -> Vec<String> {
    x.blocks
        .iter()
        .filter_map(|b| match &b.kind {
            BlockKind::Export(e) if e.placeholder => Some(format!("{} {}", b.location, e.name)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_draft_yields_its_blocks_at_their_lines() {
    let (page, x) = draft();
    assert_eq!(
        page.includes,
        [STEPS, TOKEN],
        "includes are expanded from app/_includes/"
    );
    assert_eq!(
        requests(&x),
        [
            format!("{STEPS}:8 konnect_api_request POST /v1/auth-servers 200"),
            format!(
                "{STEPS}:31 konnect_api_request POST /v1/auth-servers/$AUTH_SERVER_ID/scopes 200"
            ),
            format!(
                "{STEPS}:56 konnect_api_request POST /v1/auth-servers/$AUTH_SERVER_ID/claims 200"
            ),
            format!(
                "{STEPS}:83 konnect_api_request POST /v1/auth-servers/$AUTH_SERVER_ID/clients 201"
            ),
            format!(
                "{DRAFT}:74 konnect_api_request GET /v2/control-planes?filter%5Bname%5D%5Bcontains%5D=quickstart 201"
            ),
            format!(
                "{DRAFT}:88 konnect_api_request POST /v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/ 201"
            ),
            format!("{TOKEN}:7 curl POST $ISSUER_URL/oauth/token -"),
        ]
    );
    assert_eq!(
        exports(&x),
        [
            format!("{STEPS}:22 AUTH_SERVER_ID"),
            format!("{STEPS}:23 ISSUER_URL"),
            format!("{STEPS}:48 SCOPE_ID"),
            format!("{STEPS}:109 CLIENT_SECRET"),
            format!("{STEPS}:110 CLIENT_ID"),
            format!("{DRAFT}:83 CONTROL_PLANE_ID"),
            format!("{TOKEN}:18 ACCESS_TOKEN"),
        ]
    );
    // The token curl, parsed: form fields from `-d`.
    let Some(BlockKind::Curl(token)) = x.at(&DocLocation::new(TOKEN, 7)).map(|b| &b.kind) else {
        panic!("no curl at {TOKEN}:7")
    };
    let form: Vec<String> = token
        .request
        .form
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(
        form,
        [
            "grant_type=client_credentials",
            "client_id=$CLIENT_ID",
            "client_secret=$CLIENT_SECRET",
            "scope=Scope"
        ]
    );
    // The prose-only final step, with its trailing space trimmed and the site variable gone.
    let Some(BlockKind::Heading(h)) = x.at(&DocLocation::new(DRAFT, 120)).map(|b| &b.kind) else {
        panic!("no heading at {DRAFT}:120")
    };
    assert_eq!(h.text, "Access the Gateway service using the token");
    let Some(BlockKind::Heading(h)) = x.at(&DocLocation::new(STEPS, 1)).map(|b| &b.kind) else {
        panic!("no heading at {STEPS}:1")
    };
    assert_eq!(h.text, "Create an auth server in Konnect Identity");
    let entities: Vec<String> = x
        .entities
        .iter()
        .map(|e| format!("{} {}", e.declared_at, e.file))
        .collect();
    assert_eq!(
        entities,
        [
            format!("{DRAFT}:40 app/_data/entity_examples/gateway/services/example-service.yml"),
            format!("{DRAFT}:42 app/_data/entity_examples/gateway/routes/example-route.yml"),
        ]
    );
    assert_eq!(
        x.automated_tests,
        Some((false, DocLocation::new(DRAFT, 53)))
    );
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
}

#[test]
fn the_current_doc_yields_its_blocks_at_their_lines() {
    let (_, x) = current();
    assert_eq!(
        requests(&x),
        [
            format!("{STEPS}:8 konnect_api_request POST /v1/auth-servers 201"),
            format!(
                "{STEPS}:35 konnect_api_request POST /v1/auth-servers/$AUTH_SERVER_ID/scopes 201"
            ),
            format!(
                "{STEPS}:62 konnect_api_request POST /v1/auth-servers/$AUTH_SERVER_ID/claims 201"
            ),
            format!(
                "{STEPS}:88 konnect_api_request POST /v1/auth-servers/$AUTH_SERVER_ID/clients 201"
            ),
            format!(
                "{CURRENT}:71 konnect_api_request GET /v2/control-planes?filter%5Bname%5D%5Bcontains%5D=quickstart 200"
            ),
            format!(
                "{CURRENT}:85 konnect_api_request POST /v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/ 201"
            ),
            format!("{TOKEN}:7 curl POST $ISSUER_URL/oauth/token -"),
            format!("{CURRENT}:111 validation GET /anything 200"),
        ]
    );
    let Some(BlockKind::ApiRequest(auth)) = x.at(&DocLocation::new(STEPS, 8)).map(|b| &b.kind)
    else {
        panic!()
    };
    let caps: Vec<String> = auth
        .captures
        .iter()
        .map(|c| format!("{}={} {:?}", c.variable, c.jq, c.form))
        .collect();
    assert_eq!(
        caps,
        [
            "AUTH_SERVER_ID=.id List",
            "ISSUER_URL=.issuer List",
            "AUTH_SERVER_ID=.id ExtractBody",
            "ISSUER_URL=.issuer ExtractBody"
        ]
    );
}

#[test]
fn each_converted_doc_mirrors_itself_and_the_draft_drifts_from_the_current_doc() {
    for (version, doc) in [
        ("draft-2025-07-24", draft()),
        ("current-2026-08", current()),
    ] {
        let conversion = converted(&doc);
        assert!(
            conversion.warnings.is_empty(),
            "{version}: {:?}",
            conversion.warnings
        );
        let report = check_with_root(&conversion.scenario, &root(version)).unwrap();
        assert!(report.is_clean(), "{version}: {}", report.render());
        assert!(report.checked >= 9, "{}", report.render());
    }
    // The draft's scenario against today's doc: the includes and the page moved on.
    let mut scenario = converted(&draft()).scenario;
    scenario.doc.as_mut().unwrap().file = CURRENT.to_owned();
    let report = check_with_root(&scenario, &root("current-2026-08")).unwrap();
    let status_drifts: Vec<String> = report
        .drifts
        .iter()
        .filter(|d| d.field == "status_code")
        .map(|d| format!("{} {} → {}", d.doc, d.scenario_value, d.doc_value))
        .collect();
    assert_eq!(
        status_drifts,
        [format!("{STEPS}:8 200 → 201")],
        "{}",
        report.render()
    );
    // The draft's blocks after the first no longer start at the same lines.
    assert!(
        report
            .drifts
            .iter()
            .any(|d| d.field == "source" && d.doc == DocLocation::new(STEPS, 31))
    );
    assert!(
        report
            .uncovered
            .iter()
            .any(|u| u.location == DocLocation::new(CURRENT, 111))
    );
}

/// Runs a doc as written on the embedded mock.
async fn run_on_mock(conversion: &Conversion) -> docflow::outcome::ScenarioReport {
    let target = Target::open(TargetKind::Mock)
        .await
        .unwrap_or_else(|e| panic!("error[{}]: {}", e.code, e.message));
    let session = target
        .open_session()
        .await
        .unwrap_or_else(|e| panic!("error[{}]: {}", e.code, e.message));
    docflow::run_scenario(&conversion.scenario, &session).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_the_draft_as_written_reports_exactly_its_defects() {
    let conversion = converted(&draft());
    let report = run_on_mock(&conversion).await;
    let rendered = docflow::report::terminal::full(&report);
    assert!(report.failures.is_empty(), "{rendered}");
    assert!(report.cleanups.iter().all(|c| c.ok), "{rendered}");
    let defects: Vec<String> = report
        .defects
        .iter()
        .map(|d| format!("{} {} `{}` → {}", d.doc, d.step, d.doc_says, d.actual))
        .collect();
    assert_eq!(
        defects,
        [
            format!("{STEPS}:8 create-auth-server `status_code: 200` → 201"),
            format!("{STEPS}:31 create-scope `status_code: 200` → 201"),
            format!("{STEPS}:56 create-claim `status_code: 200` → 201"),
            format!("{DRAFT}:74 get-control-planes `status_code: 201` → 200"),
            format!("{DRAFT}:120 call-gateway `status_code: 200` → 401"),
        ],
        "{rendered}"
    );
    assert!(
        rendered.contains(&format!("{DRAFT}:120  step `call-gateway`")),
        "{rendered}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_the_current_doc_as_written_reports_no_defect() {
    let conversion = converted(&current());
    let report = run_on_mock(&conversion).await;
    let rendered = docflow::report::terminal::full(&report);
    assert!(report.defects.is_empty(), "{rendered}");
    assert!(report.passed(), "{rendered}");
    assert!(rendered.contains("no doc defects"), "{rendered}");
}

#[test]
fn the_hand_written_scenarios_mirror_their_docs() {
    for name in ["konnect-identity-oidc", "konnect-identity-oidc-draft"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.yaml"));
        let scenario = docflow::scenario::load::load_file(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The scenario names its root relative to itself; the docs live under the shared
        // folder wherever this checkout is.
        let version = scenario
            .doc
            .as_ref()
            .and_then(|d| d.root.as_deref())
            .and_then(|r| Path::new(r).file_name())
            .unwrap_or_else(|| panic!("{name}: no `doc.root`"))
            .to_owned();
        let root =
            resolve_root(&scenario, Some(&shared().join("kong-docs").join(version))).unwrap();
        let report = check_with_root(&scenario, &root).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(report.is_clean(), "{}", report.render());
    }
}

#[test]
fn printed_scenarios_load_and_still_mirror_their_docs() {
    for (version, doc) in [
        ("draft-2025-07-24", draft()),
        ("current-2026-08", current()),
    ] {
        let yaml = scenario_yaml(&converted(&doc));
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{version}.yaml"));
        let scenario = docflow::scenario::load::load_str(&path, &yaml).unwrap_or_else(|e| {
            panic!("{version}: the printed scenario does not load: {e}\n{yaml}")
        });
        let report = check_with_root(&scenario, &root(version)).unwrap();
        assert!(report.is_clean(), "{}", report.render());
    }
}

#[test]
fn the_cli_lists_steps_and_reports_located_errors() {
    let bin = env!("CARGO_BIN_EXE_docflow");
    let draft_root = shared().join("kong-docs/draft-2025-07-24");
    let out = Command::new(bin)
        .args(["doc", "steps", DRAFT, "--docs-root"])
        .arg(&draft_root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.lines().any(|l| l.starts_with(&format!("{TOKEN}:7 "))
            && l.contains("curl")
            && l.contains("POST $ISSUER_URL/oauth/token")),
        "{stdout}"
    );
    // The page found on disk, its docs root inferred from the path.
    let out = Command::new(bin)
        .args(["doc", "scenario"])
        .arg(draft_root.join(DRAFT))
        .env_remove("DOCFLOW_DOCS_ROOT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("source: {DRAFT}:120")), "{stdout}");
    // A page that is not there is a located error, exit code 2.
    let out = Command::new(bin)
        .args(["doc", "steps", "app/_how-tos/nope.md", "--docs-root"])
        .arg(&draft_root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[doc::missing_page]"), "{stderr}");
}

#[test]
fn the_cli_check_fails_on_drift_and_passes_without() {
    let bin = env!("CARGO_BIN_EXE_docflow");
    let draft_root = shared().join("kong-docs/draft-2025-07-24");
    let dir = std::env::temp_dir().join(format!("docflow-doc-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = scenario_yaml(&converted(&draft()));
    let mirrored = dir.join("mirrored.yaml");
    std::fs::write(&mirrored, &yaml).unwrap();
    // Someone "fixes" the scenario's status without fixing the doc.
    let needle = "status_code: 201\n    method: GET";
    assert!(yaml.contains(needle), "{yaml}");
    let drifted = dir.join("drifted.yaml");
    std::fs::write(
        &drifted,
        yaml.replace(needle, "status_code: 200\n    method: GET"),
    )
    .unwrap();
    let check = |file: &Path| {
        Command::new(bin)
            .args(["doc", "check"])
            .arg(file)
            .arg("--docs-root")
            .arg(&draft_root)
            .output()
            .unwrap()
    };
    let out = check(&mirrored);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("no drift"), "{text}");
    let out = check(&drifted);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "{DRAFT}:74  step `get-control-planes`: `status_code` differs"
        )),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
