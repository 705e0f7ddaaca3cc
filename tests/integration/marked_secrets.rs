//! A secret whose name says nothing secret: `secret: true` on the variable, or `--secret NAME`
//! on the command line, redacts its value everywhere (report, reproduction, JUnit, the step's
//! snapshot view, `--dry-run`), as a secret-named variable's is. Unmarked, the same value is
//! printed, which is what makes these tests able to fail.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use docflow::http::{HttpClient, RetryPolicy};
use docflow::mock::{MockConfig, MockServer};
use docflow::outcome::ScenarioReport;
use docflow::scenario::model::TargetKind;
use docflow::secret::Secret;
use docflow::targets::Session;
use docflow::targets::session::random_alnum;

const FIXTURE: &str = "tests/fixtures/ci/plain-named-secret.yaml";
const VALUE: &str = "plain-label-7f3k9q";
const UNMARKED: &str = "  LABEL: plain-label-7f3k9q\n";
const MARKED: &str = "  LABEL: {value: plain-label-7f3k9q, secret: true}\n";

fn docflow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_docflow"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    for name in [
        "KONNECT_TOKEN",
        "DOCFLOW_TARGET",
        "DOCFLOW_MOCK_PROPAGATION_DELAY",
    ] {
        command.env_remove(name);
    }
    command.env("NO_COLOR", "1");
    command
}

async fn run(text: &str) -> ScenarioReport {
    let loopback = "127.0.0.1:0".parse().expect("address");
    let mock = MockServer::start(MockConfig::default(), loopback, loopback)
        .await
        .expect("mock starts");
    let session = Session {
        kind: TargetKind::Mock,
        api_url: mock.api_url.clone(),
        proxy_url: mock.proxy_url.clone(),
        token: Secret::new("$KONNECT_TOKEN", format!("kpat_{}", random_alnum(40))),
        control_plane_name: "quickstart".to_owned(),
        run_id: random_alnum(8),
        http: HttpClient::new(Duration::from_secs(10), RetryPolicy::default()).unwrap(),
    };
    let scenario = docflow::load_str(Path::new(FIXTURE), text).unwrap_or_else(|e| panic!("{e}"));
    docflow::run_scenario(&scenario, &session).await
}

fn without_source(report: &ScenarioReport) -> ScenarioReport {
    let mut report = report.clone();
    report.source = "".into();
    report
}

/// Everything a run's report can be printed as.
fn outputs(report: &ScenarioReport) -> Vec<(&'static str, String)> {
    let failure = &report.failures[0];
    let views: Vec<String> = report
        .steps
        .iter()
        .filter_map(|s| s.view.as_ref().map(ToString::to_string))
        .collect();
    vec![
        ("report::full", docflow::report::terminal::full(report)),
        // Less the scenario file's own text, where a literal value is written.
        ("report (Debug)", format!("{:#?}", without_source(report))),
        (
            "junit",
            docflow::report::junit::junit_xml(std::slice::from_ref(report), &[]),
        ),
        ("exports", failure.exports.join("\n")),
        ("snapshot views", views.join("\n")),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variable_marked_secret_appears_in_no_output() {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    assert!(text.contains(UNMARKED));

    // Unmarked, the value is printed: the report, the reproduction, the snapshot view.
    let report = run(&text).await;
    let printed: Vec<&str> = outputs(&report)
        .iter()
        .filter(|(_, text)| text.contains(VALUE))
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(
        printed,
        [
            "report::full",
            "report (Debug)",
            "junit",
            "exports",
            "snapshot views"
        ]
    );

    let report = run(&text.replace(UNMARKED, MARKED)).await;
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    for (name, output) in outputs(&report) {
        assert!(
            !output.contains(VALUE),
            "the marked value leaked into {name}:\n{output}"
        );
    }
    let full = docflow::report::terminal::full(&report);
    assert!(full.contains("expected: \"$LABEL-other\""), "{full}");
    assert!(
        report.failures[0]
            .exports
            .contains(&"export LABEL=…  # secret: set it yourself".to_owned()),
        "{:?}",
        report.failures[0].exports
    );
}

#[test]
fn secret_on_the_command_line_redacts_the_value_in_every_output() {
    let dir = std::env::temp_dir().join(format!("docflow-secret-{}", random_alnum(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("junit.xml");
    let run = |extra: &[&str]| {
        let output = docflow()
            .args(["run", FIXTURE, "--junit"])
            .arg(&junit)
            .args(extra)
            .output()
            .unwrap();
        let text = format!(
            "{}\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(&junit).unwrap_or_default()
        );
        (output.status.code(), text)
    };

    let (code, text) = run(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(&format!("export LABEL='{VALUE}'")), "{text}");

    let (code, text) = run(&["--secret", "LABEL", "--secret", "LABLE"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains(VALUE), "the value leaked:\n{text}");
    assert!(
        text.contains("export LABEL=…  # secret: set it yourself"),
        "{text}"
    );
    assert!(
        text.contains("warning: `--secret LABLE`: no scenario that was loaded defines"),
        "a typo must not go unnoticed:\n{text}"
    );

    let output = docflow()
        .args(["run", "--dry-run", "--secret", "LABEL", FIXTURE])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("?label=$LABEL"), "{stdout}");
    assert!(!stdout.contains(VALUE), "{stdout}");

    let output = docflow()
        .args(["run", "--secret", "$LABEL", FIXTURE])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a variable name"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}
