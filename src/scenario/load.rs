//! Loading a scenario file: parse the YAML with positions, build the model, check variable
//! scopes, and return either the [`Scenario`] or every problem at once ([`LoadErrors`]).

use std::path::Path;
use std::sync::Arc;

use super::build;
use super::error::{Code, LoadError, LoadErrors};
use super::model::{Scenario, Span};
use super::node;
use super::reader::Cx;

/// Reads, parses and validates the scenario file at `path`.
pub fn load_file(path: &Path) -> Result<Scenario, LoadErrors> {
    // Bounded, regular files only; invalid UTF-8 is reported at its own line and column.
    match crate::limits::read_text_file(path) {
        Ok(text) => load_str(path, &text),
        Err(e) => {
            let (line, column) = match e {
                crate::limits::FileError::InvalidUtf8 { line, column } => (line, column),
                _ => (1, 1),
            };
            Err(LoadErrors::new(
                path.to_owned(),
                Arc::from(""),
                vec![LoadError::new(
                    Code::Io,
                    Span {
                        line,
                        column,
                        offset: 0,
                        len: 0,
                    },
                    format!("cannot read `{}`: {e}", path.display()),
                )],
            ))
        }
    }
}

/// Parses and validates scenario `text`; `path` names it in the model and in errors.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, LoadErrors> {
    let source: Arc<str> = Arc::from(text);
    let (root, mut errors) = match node::parse(text) {
        Ok(parsed) => parsed,
        Err(e) => return Err(LoadErrors::new(path.to_owned(), source, vec![e])),
    };
    let mut cx = Cx::new(text);
    let built = build::scenario(&mut cx, &root, path, Arc::clone(&source));
    errors.append(&mut cx.errors);
    errors.extend(built.scope.check(built.targets, &cx.uses));
    if errors.is_empty() {
        Ok(built.scenario)
    } else {
        Err(LoadErrors::new(path.to_owned(), source, errors))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::scenario::model::{
        Body, Destination, HeaderRule, SnapshotMode, TargetKind, TemplatePart,
    };

    const EVERY_KEY: &str = include_str!("../../tests/fixtures/valid/every-key.yaml");

    fn load(text: &str) -> Scenario {
        match load_str(Path::new("t.yaml"), text) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn codes(text: &str) -> Vec<&'static str> {
        load_str(Path::new("t.yaml"), text).unwrap_err().codes()
    }

    #[test]
    fn every_key_maps_into_the_model() {
        let s = load(EVERY_KEY);
        assert_eq!(s.name, "t");
        assert_eq!(s.source.as_ref(), EVERY_KEY);
        assert_eq!(
            s.targets,
            [TargetKind::Mock, TargetKind::Container, TargetKind::Konnect]
        );
        let doc = s.doc.as_ref().unwrap();
        assert_eq!(
            doc.file,
            "app/_how-tos/gateway/configure-kong-identity-oidc.md"
        );
        assert_eq!(
            doc.root.as_deref(),
            Some("../../shared/kong-docs/current-2026-08")
        );
        let var_names: Vec<_> = s.vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            var_names,
            [
                "SCOPE_NAME",
                "AUTH_SERVER_NAME",
                "TOKEN_LIFETIME",
                "SIGNING_HINT"
            ]
        );
        assert_eq!(s.vars[2].value.raw, "3600");
        assert!(s.vars[2].secret, "TOKEN_LIFETIME contains TOKEN");
        assert!(!s.vars[0].secret);
        assert_eq!(s.vars[3].value.raw, "hint-$RUN_ID");
        assert!(s.vars[3].secret, "SIGNING_HINT is marked `secret: true`");

        let create = &s.steps[0];
        assert_eq!(create.name, "create-auth-server");
        let source = create.source.as_ref().unwrap();
        assert_eq!(source.line, 19);
        assert!(
            source
                .file
                .ends_with("konnect-identity-server-scope-claim-client.md")
        );
        assert_eq!(create.targets, [TargetKind::Mock]);
        assert!(create.runs_on(TargetKind::Mock) && !create.runs_on(TargetKind::Konnect));
        let req = &create.request;
        assert_eq!(req.method, "POST");
        assert_eq!(req.destination, Destination::Api);
        assert!(req.konnect_auth);
        assert_eq!(req.url.raw, "/v1/auth-servers");
        assert_eq!(req.headers[0].name, "Content-Type");
        assert_eq!(req.headers[0].value.raw, "application/json");
        let Some(Body::Json(body)) = &req.body else {
            panic!("{:?}", req.body)
        };
        assert_eq!(body["name"], json!("$AUTH_SERVER_NAME"));
        assert_eq!(create.expect.status, Some(201));
        assert_eq!(
            create.expect.body,
            Some(json!({"name": "$AUTH_SERVER_NAME"}))
        );
        assert_eq!(create.expect.jq[0].expr, r#".id | test("^[0-9a-f-]{36}$")"#);
        // `extract_body` and `capture` of the same variables make one capture each, the
        // `capture` one.
        let caps: Vec<_> = create
            .captures
            .iter()
            .map(|c| (c.variable.as_str(), c.jq.as_str(), c.secret))
            .collect();
        assert_eq!(
            caps,
            [
                ("AUTH_SERVER_ID", ".id", false),
                ("ISSUER_URL", ".issuer", true)
            ]
        );
        let retry = create.retry.unwrap();
        assert_eq!(retry.timeout, Duration::from_secs(10));
        assert_eq!(retry.interval, Duration::from_millis(200));
        assert!((retry.backoff - 1.5).abs() < f64::EPSILON);
        let cleanup = create.cleanup.as_ref().unwrap();
        assert_eq!(cleanup.method, "DELETE");
        assert_eq!(
            cleanup.url.raw,
            "/v1/auth-servers/$AUTH_SERVER_ID?force=true"
        );
        assert!(cleanup.konnect_auth);
        assert_eq!(create.snapshot, SnapshotMode::Jq("{name, audience}".into()));
        let defect = create.defect.as_ref().unwrap();
        assert_eq!(defect.status, Some(201));
        assert!(defect.reason.contains("201 Created"));

        let client = &s.steps[1];
        let caps: Vec<_> = client
            .captures
            .iter()
            .map(|c| (c.variable.as_str(), c.jq.as_str(), c.secret))
            .collect();
        assert_eq!(
            caps,
            [
                ("CLIENT_SECRET", ".client_secret", true),
                ("CLIENT_ID", ".id", false),
                ("FIRST_ID", ".data[0].id", false),
            ]
        );

        let token = &s.steps[2];
        assert_eq!(token.request.destination, Destination::Absolute);
        assert!(!token.request.konnect_auth);
        let Some(Body::Form(form)) = &token.request.body else {
            panic!("{:?}", token.request.body)
        };
        assert_eq!(form[0].0, "grant_type");
        assert_eq!(form[1].1.raw, "$SCOPE_NAME");
        let basic = token.request.basic_auth.as_ref().unwrap();
        assert_eq!(
            basic.username.parts,
            [TemplatePart::Var("CLIENT_ID".into())]
        );
        assert_eq!(token.captures[0].variable, "ACCESS_TOKEN");
        assert_eq!(token.captures[0].jq, ".access_token");
        assert!(token.captures[0].secret);
        let check = &token.tokens[0];
        assert_eq!(check.variable, "ACCESS_TOKEN");
        assert_eq!(check.header, Some(json!({"alg": "RS256", "typ": "JWT"})));
        assert_eq!(
            check.claims,
            Some(json!({"aud": ["http://myhttpbin.dev"], "sub": "$CLIENT_ID"}))
        );
        assert_eq!(check.lifetime, Some(3600));
        assert_eq!(check.jq.len(), 1);
        assert_eq!(token.snapshot, SnapshotMode::Off);

        let proxy = &s.steps[3];
        assert_eq!(proxy.request.destination, Destination::Proxy);
        assert!(!proxy.request.konnect_auth);
        let query: Vec<_> = proxy
            .request
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.raw.as_str()))
            .collect();
        assert_eq!(query, [("grant_type", "x"), ("n", "2")]);
        let rules: Vec<_> = proxy
            .expect
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.rule.clone()))
            .collect();
        assert!(
            matches!(&rules[0], ("WWW-Authenticate", HeaderRule::Contains(t)) if t.raw == r#"error="invalid_token""#)
        );
        assert!(matches!(rules[1], ("X-Request-Id", HeaderRule::Present)));
        assert!(matches!(rules[2], ("Set-Cookie", HeaderRule::Absent)));
        assert!(
            matches!(&rules[3], ("Content-Type", HeaderRule::Equals(t)) if t.raw == "application/json")
        );
        assert_eq!(proxy.snapshot, SnapshotMode::Full);
    }

    #[test]
    fn defaults_apply() {
        let s = load("steps:\n  - name: a\n    url: /v1/x\n");
        let step = &s.steps[0];
        assert_eq!(step.request.method, "GET");
        assert_eq!(step.request.destination, Destination::Api);
        assert!(step.request.konnect_auth);
        assert_eq!(step.snapshot, SnapshotMode::Full);
        assert!(step.targets.is_empty() && s.targets.is_empty());
        assert!(step.captures.is_empty() && step.tokens.is_empty());
        assert!(step.cleanup.is_none() && step.retry.is_none() && step.defect.is_none());
        assert_eq!(step.expect.status, None);
        assert_eq!((step.span.line, step.span.column), (2, 5));
    }

    #[test]
    fn destination_follows_the_url_unless_told() {
        let text = "steps:\n\
                    - {name: a, url: 'https://x.example/a'}\n\
                    - {name: b, url: '$ISSUER_URL/oauth/token'}\n\
                    - {name: c, url: /anything, to: proxy}\n\
                    - {name: d, url: /anything, to: proxy, auth: none}\n\
                    - {name: e, url: /v1/x, auth: none}\n\
                    vars: {ISSUER_URL: 'https://issuer.example'}\n";
        let s = load(text);
        let got: Vec<_> = s
            .steps
            .iter()
            .map(|st| (st.request.destination, st.request.konnect_auth))
            .collect();
        assert_eq!(
            got,
            [
                (Destination::Absolute, false),
                (Destination::Absolute, false),
                (Destination::Proxy, false),
                (Destination::Proxy, false),
                (Destination::Api, false),
            ]
        );
    }

    #[test]
    fn trailing_spaces_in_urls_are_kept_for_the_runner_to_trim() {
        let s = load("steps:\n  - name: a\n    url: '/v1/x  '\n");
        assert_eq!(s.steps[0].request.url.raw, "/v1/x  ");
    }

    #[test]
    fn a_cleanup_may_use_its_own_step_captures_but_the_request_may_not() {
        let ok = "steps:\n  - name: a\n    url: /v1/a\n    capture: [{variable: A_ID, jq: .id}]\n    cleanup: {url: /v1/a/$A_ID}\n";
        load(ok);
        let bad =
            "steps:\n  - name: a\n    url: /v1/a/$A_ID\n    capture: [{variable: A_ID, jq: .id}]\n";
        assert_eq!(codes(bad), ["scenario::undefined_variable"]);
    }

    #[test]
    fn target_variables_are_always_defined() {
        let text =
            format!("steps:\n  - name: a\n    url: /v1/x\n    headers: [{TARGET_VARS_HEADERS}]\n");
        load(&text);
    }

    const TARGET_VARS_HEADERS: &str = "'A: $KONNECT_TOKEN $KONNECT_CONTROL_PLANE_URL', \
        'B: $KONNECT_PROXY_URL ${DECK_KONNECT_CONTROL_PLANE_NAME} $RUN_ID'";

    #[test]
    fn a_variable_or_capture_marked_secret_is_one_and_bad_marks_are_located() {
        let text = "vars:\n  PLAIN: a\n  LABEL: {value: b, secret: true}\n  \
            SHOWN: {value: c, secret: false}\nsteps:\n  - name: a\n    url: /v1/x\n    \
            capture: [{variable: ID, jq: .id, secret: true}, {variable: NAME, jq: .name}]\n";
        let mut s = load(text);
        let marks: Vec<_> = s.vars.iter().map(|v| (v.name.as_str(), v.secret)).collect();
        assert_eq!(marks, [("PLAIN", false), ("LABEL", true), ("SHOWN", false)]);
        let marks: Vec<_> = s.steps[0]
            .captures
            .iter()
            .map(|c| (c.variable.as_str(), c.secret))
            .collect();
        assert_eq!(marks, [("ID", true), ("NAME", false)]);
        // `--secret NAME` does the same, and says which names the scenario defines.
        let names = ["PLAIN".to_owned(), "NAME".to_owned(), "NOPE".to_owned()];
        assert_eq!(s.mark_secrets(&names), ["PLAIN", "NAME"]);
        assert!(s.vars[0].secret && s.steps[0].captures[1].secret);

        let bad = "vars:\n  A: {value: x, secret: maybe}\n  B: {secret: true}\n  \
            C: {value: y, secrets: true}\nsteps:\n  - name: a\n    url: /v1/x\n";
        assert_eq!(
            codes(bad),
            [
                "scenario::wrong_type",
                "scenario::missing_field",
                "scenario::unknown_field"
            ]
        );
    }

    #[test]
    fn a_value_the_reader_brings_is_an_input_until_supplied() {
        let text = "vars:\n  CLIENT_SECRET: {input: YOUR-CLIENT-SECRET}\n  \
            API_HOST: {input: 'YOUR-HOST', secret: true}\n  PLAIN: a-$API_HOST\n\
            steps:\n  - name: a\n    url: /v1/x/$CLIENT_SECRET\n";
        let mut s = load(text);
        let inputs: Vec<_> = s
            .missing_inputs()
            .map(|v| (v.name.as_str(), v.input.as_deref(), v.secret))
            .collect();
        assert_eq!(
            inputs,
            [
                ("CLIENT_SECRET", Some("YOUR-CLIENT-SECRET"), true),
                ("API_HOST", Some("YOUR-HOST"), true)
            ]
        );
        // Declared, so the steps and later variables may use it.
        assert_eq!(s.vars[2].input, None);
        // `--var NAME=VALUE` makes it an ordinary variable; an unknown name says so.
        assert!(s.supply("CLIENT_SECRET", "s3cr3t"));
        assert!(!s.supply("NOPE", "x"));
        assert_eq!(s.vars[0].input, None);
        assert_eq!(s.vars[0].value.raw, "s3cr3t");
        assert_eq!(s.missing_inputs().count(), 1);

        let bad = "vars:\n  A: {value: x, input: Y}\n  B: {input: [y]}\n  C: {inputs: Z}\n\
            steps:\n  - name: a\n    url: /v1/x\n";
        assert_eq!(
            codes(bad),
            [
                "scenario::bad_value",
                "scenario::wrong_type",
                "scenario::missing_field",
                "scenario::unknown_field"
            ]
        );
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = load_file(Path::new("/nonexistent/docflow/x.yaml")).unwrap_err();
        assert_eq!(err.codes(), ["scenario::io"]);
        assert_eq!(err.errors[0].span.line, 1);
    }

    /// Every prefix-ish truncation and many garblings of a valid file must load or fail
    /// with located errors, never panic.
    #[test]
    fn garbled_input_never_panics() {
        let text = EVERY_KEY;
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let stride = (boundaries.len() / 120).max(1);
        let mut inputs: Vec<String> = Vec::new();
        for (n, &cut) in boundaries.iter().enumerate().step_by(stride) {
            inputs.push(text[..cut].to_owned());
            // Replace one character with something YAML, jq or templates care about.
            let junk = [
                ":", "[", "\"", "\t", "$", "${", "{", "- ", "\n  ", "*a", "&a ", "é",
            ];
            let next = boundaries.get(n + 1).copied().unwrap_or(text.len());
            let mut garbled = text.to_owned();
            garbled.replace_range(cut..next, junk[n % junk.len()]);
            inputs.push(garbled);
            // Drop a whole line.
            let line_start = text[..cut].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[cut..].find('\n').map_or(text.len(), |i| cut + i + 1);
            let mut dropped = text.to_owned();
            dropped.replace_range(line_start..line_end, "");
            inputs.push(dropped);
        }
        inputs.extend(
            [
                "",
                "\u{feff}",
                "---",
                "...",
                "~",
                "[]",
                "{}",
                "42",
                "steps:",
                "steps: ~",
                "steps: [~]",
                "steps: [[]]",
                "steps: [{}]",
                "steps:\n  - name: a\n    url:",
                "a: &x [*x]",
                "{{{{{{{{{{",
                "steps: !!binary aGVsbG8=",
                "? [a]\n: b",
            ]
            .map(str::to_owned),
        );
        for input in &inputs {
            if let Err(errors) = load_str(Path::new("g.yaml"), input) {
                assert!(!errors.errors.is_empty());
                for e in &errors.errors {
                    assert!(e.span.line >= 1, "{e:?} in {input:?}");
                    assert!(
                        e.span.offset + e.span.len <= input.len(),
                        "{e:?} in {input:?}"
                    );
                }
                // Rendering must not panic either.
                let _ = errors.render_graphical(false);
            }
        }
    }
}
