//! `docflow mock coverage`: which operations of each Konnect OpenAPI spec in the corpus the
//! mock implements, and which plugins its data plane executes.
//!
//! The count is measured, not declared: every operation of every spec is sent to an
//! in-process mock (path parameters filled with a UUID, `{}` as the body of writes, a fresh
//! organization's token), and an operation counts as implemented unless the mock answers it
//! with its "not emulated" marker (`docflow-not-emulated`). So the list cannot claim more than
//! the mock does.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docflow::mock::gateway::proxy::EXECUTED;
use docflow::mock::gateway_version::GATEWAY_VERSION;
use docflow::mock::not_emulated::HEADER;
use docflow::mock::{MockConfig, MockServer};
use serde_json::{Value, json};

use super::args::CoverageArgs;

/// The methods OpenAPI path items may hold operations for.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What stands in for every path parameter.
const PARAM: &str = "7f3c2a8e-1d4b-4c6e-9a0f-2b5d8e1c3a7f";

/// One spec's coverage.
#[derive(Debug, serde::Serialize)]
struct SpecCoverage {
    spec: String,
    implemented: Vec<String>,
    not_implemented: Vec<String>,
}

/// The specs folder: `--specs`, else `$DOCFLOW_SHARED` (default `../shared`) and the
/// corpus's Konnect specs under it.
fn specs_dir(args: &CoverageArgs) -> PathBuf {
    args.specs.clone().unwrap_or_else(|| {
        let shared = std::env::var_os("DOCFLOW_SHARED")
            .map_or_else(|| PathBuf::from("../shared"), PathBuf::from);
        shared.join("kong-docs/current-2026-08/api-specs/konnect")
    })
}

/// Every `openapi.yaml` under `dir`, sorted, with its name relative to `dir`.
fn find_specs(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "openapi.yaml") {
                let name = path
                    .parent()
                    .and_then(|p| p.strip_prefix(dir).ok())
                    .map_or_else(String::new, |p| p.display().to_string());
                found.push((name, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `(METHOD, path with the server's base path)` for every operation of `spec`.
fn operations(spec: &Value) -> Vec<(String, String)> {
    let base = spec["servers"][0]["url"]
        .as_str()
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if item.get(*method).is_some() {
                out.push((method.to_ascii_uppercase(), format!("{base}{path}")));
            }
        }
    }
    out
}

/// `path` with every `{param}` replaced by [`PARAM`].
fn fill(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str(PARAM);
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether the mock at `api` implements `method path`.
async fn implemented(
    http: &reqwest::Client,
    api: &str,
    method: &str,
    path: &str,
) -> Result<bool, String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = http
        .request(method.clone(), format!("{api}{}", fill(path)))
        .bearer_auth("kpat_docflowcoverage0000000000000000000000000");
    if matches!(
        method,
        reqwest::Method::POST | reqwest::Method::PUT | reqwest::Method::PATCH
    ) {
        request = request.json(&json!({}));
    }
    let response = request
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    Ok(response.headers().get(HEADER).is_none())
}

/// Runs the command.
pub(crate) async fn coverage(args: CoverageArgs) -> ExitCode {
    let dir = specs_dir(&args);
    let specs = match find_specs(&dir) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => {
            eprintln!(
                "error[mock::no_specs]: no `openapi.yaml` under `{}`",
                dir.display()
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!(
                "error[mock::no_specs]: cannot read `{}`: {e}",
                dir.display()
            );
            return ExitCode::from(2);
        }
    };
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = match MockServer::start(MockConfig::default(), loopback, loopback).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error[mock::bind]: cannot start the mock: {e}");
            return ExitCode::from(2);
        }
    };
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    let mut report = Vec::new();
    for (name, path) in specs {
        let spec: Value = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_saphyr::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error[mock::bad_spec]: `{}`: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        let mut entry = SpecCoverage {
            spec: name,
            implemented: vec![],
            not_implemented: vec![],
        };
        for (method, op_path) in operations(&spec) {
            let label = format!("{method} {op_path}");
            match implemented(&http, &server.api_url, &method, &op_path).await {
                Ok(true) => entry.implemented.push(label),
                Ok(false) => entry.not_implemented.push(label),
                Err(e) => {
                    eprintln!("error[mock::probe]: {label}: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        report.push(entry);
    }
    print_report(&report, args.json);
    ExitCode::SUCCESS
}

fn print_report(report: &[SpecCoverage], as_json: bool) {
    let plugins: Vec<&str> = EXECUTED.to_vec();
    if as_json {
        let specs: BTreeMap<&str, Value> = report
            .iter()
            .map(|s| {
                (
                    s.spec.as_str(),
                    json!({
                        "implemented": s.implemented,
                        "not_implemented": s.not_implemented,
                    }),
                )
            })
            .collect();
        let doc = json!({"gateway_version": GATEWAY_VERSION, "plugins_executed": plugins, "specs": specs});
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    let width = report.iter().map(|s| s.spec.len()).max().unwrap_or(0);
    for s in report {
        let total = s.implemented.len() + s.not_implemented.len();
        println!(
            "{:<width$}  {:>3} of {:>3} operations",
            s.spec,
            s.implemented.len(),
            total
        );
    }
    println!(
        "data plane (Kong Gateway {GATEWAY_VERSION}) executes: {}; every other plugin answers 501 not emulated",
        plugins.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_filled_and_operations_carry_the_base_path() {
        assert_eq!(
            fill("/auth-servers/{id}/clients/{clientId}"),
            format!("/auth-servers/{PARAM}/clients/{PARAM}")
        );
        let spec = json!({"servers": [{"url": "https://us.api.konghq.com/v1"}],
                          "paths": {"/a/{id}": {"get": {}, "delete": {}, "parameters": []}}});
        assert_eq!(
            operations(&spec),
            [
                ("GET".to_owned(), "/v1/a/{id}".to_owned()),
                ("DELETE".to_owned(), "/v1/a/{id}".to_owned())
            ]
        );
    }
}
