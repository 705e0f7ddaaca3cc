//! [`scenario_yaml`]: a [`Conversion`] printed in docflow's scenario format, the starting
//! point for a hand-written scenario (`docflow doc scenario`). Doc blocks come out as the doc
//! writes them (bodies in the doc's key order), each inference as an `# inferred:` comment
//! above the step's `source:`.
//!
//! The YAML is written by hand rather than serialized so that key order and comments survive;
//! [`scalar`] quotes every string that YAML would read as something else, and the tests parse
//! the output back to prove it.

use std::fmt::Write as _;
use std::time::Duration;

use super::convert::{Conversion, StepNotes};
use super::ordered::{Ordered, OrderedExt as _};
use crate::scenario::model::{Body, Destination, Request, Retry, Step};

/// The scenario format's `retry.backoff` when absent; only other values are printed.
const DEFAULT_BACKOFF: f64 = 1.5;

/// Prints the conversion as a scenario file.
pub fn scenario_yaml(conversion: &Conversion) -> String {
    let s = &conversion.scenario;
    let mut out = String::from("# yaml-language-server: $schema=docflow.schema.json\n");
    let doc_file = s.doc.as_ref().map_or("the doc", |d| d.file.as_str());
    let _ = writeln!(
        out,
        "# Converted from {doc_file} by `docflow doc scenario`.\n\
         # A starting point: review each `# inferred:` comment, add `expect:` and `token:`\n\
         # checks, and record known doc defects with `defect:`."
    );
    if let Some(description) = &s.description {
        let _ = writeln!(out, "description: {}", scalar(description));
    }
    if let Some(doc) = &s.doc {
        out.push_str("doc:\n");
        let _ = writeln!(out, "  file: {}", scalar(&doc.file));
        if let Some(root) = &doc.root {
            let _ = writeln!(
                out,
                "  # The root the conversion read; write it relative to this file.\n  root: {}",
                scalar(root)
            );
        }
    }
    if !s.vars.is_empty() || !conversion.reader_inputs.is_empty() {
        out.push_str("vars:\n");
        reader_inputs_yaml(conversion, &mut out);
        for v in &s.vars {
            let _ = writeln!(out, "  {}: {}", v.name, scalar(&v.value.raw));
        }
    }
    out.push_str("\nsteps:\n");
    let empty = StepNotes::default();
    for (i, step) in s.steps.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        step_yaml(step, conversion.notes.get(i).unwrap_or(&empty), &mut out);
    }
    out
}

/// The values the reader brings, each as `NAME: {input: PLACEHOLDER}`: the scenario declares
/// every variable it uses, as `docflow validate` requires, and never sends the doc's
/// placeholder; the steps needing one are out of reach until the run is given its value.
fn reader_inputs_yaml(conversion: &Conversion, out: &mut String) {
    if conversion.reader_inputs.is_empty() {
        return;
    }
    out.push_str(
        "  # Values the page expects the reader to bring: the steps needing one are out of reach\n  \
         # until it is given, with `docflow run --var NAME=VALUE` (or convert again with\n  \
         # `docflow doc scenario --var NAME=VALUE`). The placeholder is never sent.\n",
    );
    for input in &conversion.reader_inputs {
        let _ = writeln!(out, "  # {}: {}", input.name, input.why);
        let _ = writeln!(
            out,
            "  {}: {{input: {}}}",
            input.name,
            flow_scalar(&input.placeholder)
        );
    }
}

/// [`scalar`], quoted also when a flow mapping would misread it (`,`, `{`, `}`, `[`, `]`).
fn flow_scalar(text: &str) -> String {
    let plain = scalar(text);
    if plain.starts_with(['"', '\'']) || !text.contains([',', '{', '}', '[', ']']) {
        plain
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

fn step_yaml(step: &Step, notes: &StepNotes, out: &mut String) {
    let _ = writeln!(out, "  - name: {}", scalar(&step.name));
    for comment in &notes.comments {
        for line in comment.lines() {
            let _ = writeln!(out, "    # {line}");
        }
    }
    if let Some(source) = &step.source {
        let _ = writeln!(
            out,
            "    source: {}",
            scalar(&format!("{}:{}", source.file, source.line))
        );
    }
    request_yaml(
        &step.request,
        step.expect.status,
        notes.body.as_ref(),
        "    ",
        out,
    );
    if !step.captures.is_empty() {
        out.push_str("    capture:\n");
        for c in &step.captures {
            let _ = writeln!(
                out,
                "      - variable: {}\n        jq: {}",
                c.variable,
                scalar(&c.jq)
            );
        }
    }
    if !step.expect.jq.is_empty() {
        out.push_str("    expect:\n      jq:\n");
        for j in &step.expect.jq {
            let _ = writeln!(out, "        - {}", scalar(&j.expr));
        }
    }
    if let Some(retry) = &step.retry {
        let _ = writeln!(out, "    retry: {}", retry_yaml(retry));
    }
    if let Some(cleanup) = &step.cleanup {
        out.push_str("    cleanup:\n");
        request_yaml(cleanup, None, None, "      ", out);
    }
}

/// The request keys of a step or a cleanup, at `indent`, in the docs' block order (`url`,
/// `status_code`, `method`, `headers`, `body`).
fn request_yaml(
    request: &Request,
    status: Option<u16>,
    ordered_body: Option<&Ordered>,
    indent: &str,
    out: &mut String,
) {
    destination_yaml(request, indent, out);
    let _ = writeln!(out, "{indent}url: {}", scalar(&request.url.raw));
    if let Some(status) = status {
        let _ = writeln!(out, "{indent}status_code: {status}");
    }
    let _ = writeln!(out, "{indent}method: {}", request.method);
    fields_yaml(request, indent, out);
    body_yaml(request, ordered_body, indent, out);
}

/// `to:` and `auth:`, where they differ from what the loader assumes from the URL.
fn destination_yaml(request: &Request, indent: &str, out: &mut String) {
    let url = request.url.raw.as_str();
    let looks_absolute =
        url.starts_with('$') || url.starts_with("http://") || url.starts_with("https://");
    let to = match request.destination {
        Destination::Proxy => Some("proxy"),
        Destination::Api if looks_absolute => Some("api"),
        Destination::Absolute if !looks_absolute => Some("url"),
        _ => None,
    };
    if let Some(to) = to {
        let _ = writeln!(out, "{indent}to: {to}");
    }
    // The loader adds the Konnect token to API requests and nothing else by default.
    let default_auth = request.destination == Destination::Api;
    if request.konnect_auth != default_auth {
        let _ = writeln!(
            out,
            "{indent}auth: {}",
            if request.konnect_auth {
                "konnect"
            } else {
                "none"
            }
        );
    }
}

/// `headers:`, `query:` and `basic_auth:`, where the request has them.
fn fields_yaml(request: &Request, indent: &str, out: &mut String) {
    if !request.headers.is_empty() {
        let _ = writeln!(out, "{indent}headers:");
        for h in &request.headers {
            let _ = writeln!(
                out,
                "{indent}  - {}",
                scalar(&format!("{}: {}", h.name, h.value.raw))
            );
        }
    }
    if !request.query.is_empty() {
        let _ = writeln!(out, "{indent}query:");
        for (k, v) in &request.query {
            let _ = writeln!(out, "{indent}  {}: {}", scalar(k), scalar(&v.raw));
        }
    }
    if let Some(basic) = &request.basic_auth {
        let _ = writeln!(
            out,
            "{indent}basic_auth:\n{indent}  username: {}\n{indent}  password: {}",
            scalar(&basic.username.raw),
            scalar(&basic.password.raw)
        );
    }
}

/// `body:` (in the doc's key order when it is the same JSON) or `form:`; a raw body, which
/// the format cannot express, as a comment.
fn body_yaml(request: &Request, ordered_body: Option<&Ordered>, indent: &str, out: &mut String) {
    match &request.body {
        None => {}
        Some(Body::Json(json)) => {
            let value = match ordered_body {
                Some(o) if o.to_json() == *json => o.clone(),
                _ => json.clone(),
            };
            write_entry("body", &value, indent.len(), out);
        }
        Some(Body::Form(fields)) => {
            let _ = writeln!(out, "{indent}form:");
            for (k, v) in fields {
                let _ = writeln!(out, "{indent}  {}: {}", scalar(k), scalar(&v.raw));
            }
        }
        Some(Body::Raw(raw)) => {
            let _ = writeln!(
                out,
                "{indent}# The doc sends a raw body, which the scenario format cannot express:\n{indent}#   {}",
                raw.raw.replace('\n', " ")
            );
        }
    }
}

fn retry_yaml(retry: &Retry) -> String {
    let mut out = format!(
        "{{timeout: {}, interval: {}",
        duration(retry.timeout),
        duration(retry.interval)
    );
    if (retry.backoff - DEFAULT_BACKOFF).abs() > f64::EPSILON {
        let _ = write!(out, ", backoff: {}", retry.backoff);
    }
    out.push('}');
    out
}

fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// `key: value` at `indent` spaces, nested values below it.
fn write_entry(key: &str, value: &Ordered, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match inline(value) {
        Some(text) => {
            let _ = writeln!(out, "{pad}{}: {text}", scalar(key));
        }
        None => {
            let _ = writeln!(out, "{pad}{}:", scalar(key));
            write_block(value, indent + 2, out);
        }
    }
}

/// A value that fits on its key's line.
fn inline(value: &Ordered) -> Option<String> {
    match value {
        Ordered::Null => Some("null".to_owned()),
        Ordered::Bool(b) => Some(b.to_string()),
        Ordered::Number(n) => Some(n.to_string()),
        Ordered::String(s) => Some(scalar(s)),
        Ordered::Array(items) if items.is_empty() => Some("[]".to_owned()),
        Ordered::Object(entries) if entries.is_empty() => Some("{}".to_owned()),
        _ => None,
    }
}

/// A mapping or a sequence in block style at `indent`.
fn write_block(value: &Ordered, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Ordered::Object(entries) => {
            for (k, v) in entries {
                write_entry(k, v, indent, out);
            }
        }
        Ordered::Array(items) => {
            for item in items {
                match inline(item) {
                    Some(text) => {
                        let _ = writeln!(out, "{pad}- {text}");
                    }
                    None => {
                        // Write the item two columns in, then turn its first indent into `- `.
                        let mut nested = String::new();
                        write_block(item, indent + 2, &mut nested);
                        let _ = write!(out, "{pad}- {}", &nested[(indent + 2).min(nested.len())..]);
                    }
                }
            }
        }
        other => {
            if let Some(text) = inline(other) {
                let _ = writeln!(out, "{pad}{text}");
            }
        }
    }
}

/// A string as a YAML scalar: plain when YAML reads it back as the same string, else
/// single-quoted, else (control characters) double-quoted with JSON escapes.
pub fn scalar(text: &str) -> String {
    if is_plain_safe(text) {
        return text.to_owned();
    }
    if !text.chars().any(char::is_control) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    serde_json::Value::String(text.to_owned()).to_string()
}

fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if text.trim() != text
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.contains(": ")
        || text.contains(" #")
        || text.ends_with(':')
        || text.chars().any(|c| c.is_control())
    {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | "null"
            | "~"
            | ".inf"
            | "-.inf"
            | ".nan"
    ) {
        return false;
    }
    // Anything that starts like a number is quoted (`3600`, `1e3`, `0x1f`, `1_000`, `1.5`).
    !(first.is_ascii_digit()
        || (first == '.' && text[1..].starts_with(|c: char| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::doc::blocks::extract;
    use crate::doc::convert::convert;
    use crate::doc::infer::Inference;
    use crate::doc::markdown::load_page;
    use crate::doc::test_support::TempRoot;

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for s in [
            "plain",
            "/v1/auth-servers/$AUTH_SERVER_ID/scopes",
            "$ISSUER_URL/oauth/token",
            ".data[0].id",
            ".data | length == 1",
            "Content-Type: application/json",
            "Authorization: Bearer $ACCESS_TOKEN",
            "it's",
            "3600",
            "1.5",
            "true",
            "no",
            "null",
            "~",
            "",
            " padded ",
            "- dash",
            "a # not a comment",
            "{{site.identity}}",
            "line\nbreak",
            "tab\there",
            "key:",
            "http://myhttpbin.dev",
            "@at",
        ] {
            let yaml = format!("k: {}\n", scalar(s));
            let back: Value =
                serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
            assert_eq!(back, json!({"k": s}), "{yaml}");
        }
        assert_eq!(scalar("/v1/auth-servers"), "/v1/auth-servers");
        assert_eq!(
            scalar("Content-Type: application/json"),
            "'Content-Type: application/json'"
        );
    }

    #[test]
    fn nested_values_keep_order_and_read_back() {
        let value = json!({
            "name": "openid-connect",
            "config": {
                "issuer": "$ISSUER_URL",
                "auth_methods": ["bearer"],
                "list_of_maps": [{"a": 1, "b": [true]}],
                "empty": [],
                "nothing": null,
            },
        });
        let mut out = String::new();
        write_entry("body", &value, 4, &mut out);
        assert!(out.starts_with("    body:\n      name: openid-connect\n      config:\n        issuer: $ISSUER_URL\n"), "{out}");
        let back: Value = serde_saphyr::from_str(&out).unwrap();
        assert_eq!(back, json!({"body": value.to_json()}));
    }

    #[test]
    fn a_conversion_prints_as_a_scenario_that_reads_back() {
        let tmp = TempRoot::new(&[
            (
                "app/p.md",
                "---\ntitle: T\nprereqs:\n  entities:\n    services: [s]\n---\n{% konnect_api_request %}\nurl: /v1/auth-servers\nstatus_code: 201\nmethod: POST\nheaders:\n  - 'Content-Type: application/json'\nbody:\n  name: \"Dev\"\n  audience: \"http://myhttpbin.dev\"\n{% endkonnect_api_request %}\n```sh\nexport AUTH_SERVER_ID='YOUR-ID'\ncurl -X POST \"$ISSUER_URL/oauth/token\" -d \"grant_type=client_credentials\" -d \"scope=s\"\n```\n",
            ),
            (
                "app/_data/entity_examples/gateway/services/s.yml",
                "name: s\nurl: http://h/anything\n",
            ),
        ]);
        let page = load_page(&tmp.root(), "app/p.md").unwrap();
        let x = extract(&page).unwrap();
        let c = convert(&page, &x, &Inference::default()).unwrap();
        let yaml = scenario_yaml(&c);
        assert!(
            yaml.contains("    # inferred: ` $RUN_ID` appended to the name"),
            "{yaml}"
        );
        let back: Value = serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{yaml}\n{e}"));
        assert_eq!(back["doc"]["file"], "app/p.md");
        let steps = back["steps"].as_array().unwrap();
        assert_eq!(steps.len(), c.scenario.steps.len());
        for (emitted, step) in steps.iter().zip(&c.scenario.steps) {
            assert_eq!(emitted["name"], step.name.as_str());
            assert_eq!(emitted["url"], step.request.url.raw.as_str());
            assert_eq!(emitted["method"], step.request.method.as_str());
            if let Some(Body::Json(body)) = &step.request.body {
                assert_eq!(&emitted["body"], body);
            }
        }
        let auth = &steps[2];
        assert_eq!(auth["source"], "app/p.md:7");
        assert_eq!(auth["status_code"], 201);
        assert_eq!(auth["headers"], json!(["Content-Type: application/json"]));
        assert_eq!(
            auth["capture"],
            json!([{"variable": "AUTH_SERVER_ID", "jq": ".id"}])
        );
        assert_eq!(
            auth["cleanup"],
            json!({"url": "/v1/auth-servers/$AUTH_SERVER_ID?force=true", "method": "DELETE"})
        );
        let token = &steps[3];
        assert_eq!(
            token["form"],
            json!({"grant_type": "client_credentials", "scope": "s"})
        );
        assert_eq!(token["status_code"], 200);
        assert_eq!(steps[0]["expect"]["jq"], json!([".data | length == 1"]));
    }
}
