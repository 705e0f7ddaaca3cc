//! `docflow bench --quick`: a smoke test that the bench runs and prints its figures, targets
//! and JSON summary. Timings are never asserted here (shared, noisy machines); only the
//! counted targets, which the bench itself turns into its exit code.

use std::process::Command;

use serde_json::Value;

#[test]
fn quick_bench_prints_figures_targets_and_a_json_summary() {
    let out = Command::new(env!("CARGO_BIN_EXE_docflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["bench", "--quick", "--json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for line in [
        "docflow bench: 100 requests per pass",
        "  issuer: 100 token requests",
        "  sign, the mock's SigningKey (whole JWS)",
        "  gateway: 100 requests, no plugin",
        "  gateway: cold first request",
        "  gateway: 100 warm requests, again",
        "  gateway: 10 unknown-kid requests",
        " files x 3 loads + validations",
        "  peak RSS (VmHWM) after the benches",
        "up to 10000 entries",
        "targets (a FAIL of a count fails the run",
        "  PASS  count   issuer fetches during 220 warm gateway requests: 0 (target: 0)",
        "  PASS  count   cold first request fetched discovery 1 and JWKS 1",
        "  PASS  count   unexpected statuses or failed requests: 0",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
    }
    let kid = stdout
        .lines()
        .find(|l| l.contains("JWKS refetches on 10 unknown-kid requests"))
        .unwrap_or_else(|| panic!("no unknown-kid target in:\n{stdout}"));
    assert!(kid.trim_start().starts_with("PASS  count"), "{kid}");
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["pass"], true, "{summary}");
    assert_eq!(summary["plan"]["requests"], 100);
    assert_eq!(summary["figures"]["issuer"]["unexpected"], 0);
    assert!(summary["targets"].as_array().unwrap().len() >= 6);
    // The how-to's secrets never reach the output.
    assert!(!stdout.contains("kpat_") && !stderr.contains("kpat_"));
}
