use serde_json::json;

use super::cleanups::core_entity_collection;
use super::requests::step_base_name;
use super::*;
use crate::doc::blocks::extract;
use crate::doc::code::{Code, DocCode};
use crate::doc::diagnostic::DocLocation;
use crate::doc::markdown::load_page;
use crate::doc::test_support::TempRoot;
use crate::scenario::model::{Body, Destination};

const PAGE: &str = "---\ntitle: T\nworks_on: [konnect]\nprereqs:\n  entities:\n    routes:\n      - r\n    services:\n      - s\n---\n\
{% konnect_api_request %}\nurl: /v1/auth-servers\nstatus_code: 200\nmethod: POST\nbody:\n  name: \"Dev\"\n  audience: a\n{% endkonnect_api_request %}\n\
```sh\nexport AUTH_SERVER_ID='YOUR-AUTH-SERVER-ID'\nexport ISSUER_URL='YOUR-ISSUER-URL'\n```\n\
{% konnect_api_request %}\nurl: /v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/\nstatus_code: 201\nmethod: POST\nbody:\n  name: openid-connect\n  config:\n    issuer: $ISSUER_URL\n{% endkonnect_api_request %}\n\
```sh\ncurl -X POST \"$ISSUER_URL/oauth/token\" \\\n  -d \"grant_type=client_credentials\"\n```\n\
```sh\nexport ACCESS_TOKEN='YOUR-ACCESS-TOKEN'\n```\n\
## Access the Gateway service using the token \nAccess it.\n";

fn files(page: &str) -> TempRoot {
    TempRoot::with_page(page)
}

fn convert_text(page: &str, inference: &Inference) -> Result<Conversion, Vec<Diagnostic>> {
    let tmp = files(page);
    let page = load_page(&tmp.root(), "app/p.md").unwrap();
    let x = extract(&page).unwrap();
    convert(&page, &x, inference)
}

#[test]
fn a_page_becomes_prerequisites_doc_steps_and_inferences() {
    let c = convert_text(PAGE, &Inference::default()).unwrap();
    let s = &c.scenario;
    let steps: Vec<_> = s
        .steps
        .iter()
        .map(|st| {
            format!(
                "{} {} {} {:?} {}",
                st.name,
                st.request.method,
                st.request.url.raw,
                st.expect.status,
                st.source
                    .as_ref()
                    .map_or("-".to_owned(), |d| format!("{}:{}", d.file, d.line))
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "find-quickstart-control-plane GET /v2/control-planes?filter%5Bname%5D%5Beq%5D=$DECK_KONNECT_CONTROL_PLANE_NAME Some(200) -",
            "create-s POST /v2/control-planes/$QUICKSTART_ID/core-entities/services Some(201) app/_data/entity_examples/gateway/services/s.yml:1",
            "create-r POST /v2/control-planes/$QUICKSTART_ID/core-entities/routes Some(201) app/_data/entity_examples/gateway/routes/r.yml:1",
            "create-auth-server POST /v1/auth-servers Some(200) app/p.md:11",
            "create-plugin POST /v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/ Some(201) app/p.md:23",
            "get-token POST $ISSUER_URL/oauth/token Some(200) app/p.md:33",
            "gateway-enforces-openid-connect GET /anything Some(401) -",
            "call-gateway GET /anything Some(200) app/p.md:39",
        ]
    );
    // Entities: run suffix, reference by id, cleanup.
    let Some(Body::Json(route)) = &s.steps[2].request.body else {
        panic!()
    };
    assert_eq!(
        route,
        &json!({"name": "r-$RUN_ID", "paths": ["/anything"], "service": {"id": "$S_ID"}})
    );
    assert_eq!(
        s.steps[2].cleanup.as_ref().unwrap().url.raw,
        "/v2/control-planes/$QUICKSTART_ID/core-entities/routes/$R_ID"
    );
    // Auth server: name suffix, manual exports as captures, cleanup.
    let auth = &s.steps[3];
    let Some(Body::Json(body)) = &auth.request.body else {
        panic!()
    };
    assert_eq!(body["name"], "Dev $RUN_ID");
    let caps: Vec<_> = auth
        .captures
        .iter()
        .map(|c| (c.variable.as_str(), c.jq.as_str()))
        .collect();
    assert_eq!(caps, [("AUTH_SERVER_ID", ".id"), ("ISSUER_URL", ".issuer")]);
    assert_eq!(
        auth.cleanup.as_ref().unwrap().url.raw,
        "/v1/auth-servers/$AUTH_SERVER_ID?force=true"
    );
    // Plugin: id captured for its cleanup, trailing slash dropped.
    let plugin = &s.steps[4];
    assert_eq!(plugin.captures[0].variable, "PLUGIN_ID");
    assert_eq!(
        plugin.cleanup.as_ref().unwrap().url.raw,
        "/v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/$PLUGIN_ID"
    );
    // Token: form body, implied 200, secret capture.
    let token = &s.steps[5];
    assert_eq!(token.request.destination, Destination::Absolute);
    let Some(Body::Form(form)) = &token.request.body else {
        panic!()
    };
    assert_eq!(form[0].0, "grant_type");
    assert_eq!(token.captures[0].variable, "ACCESS_TOKEN");
    assert!(token.captures[0].secret);
    // The implied call: bearer token, at the heading.
    let call = &s.steps[7];
    assert_eq!(call.request.destination, Destination::Proxy);
    assert_eq!(call.request.headers[0].value.raw, "Bearer $ACCESS_TOKEN");
    assert_eq!(s.steps[6].retry, Some(PROBE_RETRY));
    // Spans point into the expanded text.
    let line = s.source.lines().nth(call.span.line - 1).unwrap();
    assert!(line.starts_with("## Access the Gateway"), "{line}");
    assert_eq!(&s.source[call.span.offset..call.span.offset + 2], "##");
    assert_eq!(c.notes.len(), s.steps.len());
    assert!(
        c.notes[3]
            .comments
            .iter()
            .any(|n| n.contains("unique per organization"))
    );
}

#[test]
fn unknown_manual_exports_are_located_errors_naming_the_fix() {
    let page = "---\ntitle: T\n---\n{% konnect_api_request %}\nurl: /x\n{% endkonnect_api_request %}\n```sh\nexport WIDGET_ID='YOUR-WIDGET-ID'\n```\n```sh\nexport EARLY='YOUR-X'\n```\n";
    let errors = convert_text(page, &Inference::default()).unwrap().warnings;
    let errors: Vec<_> = errors
        .iter()
        .filter(|w| {
            matches!(
                w.code,
                Code::Doc(
                    DocCode::BareExport | DocCode::UnknownExport | DocCode::ExportWithoutRequest
                )
            )
        })
        .collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].code, DocCode::UnknownExport);
    assert_eq!(errors[1].location, DocLocation::new("app/p.md", 11));
    assert_eq!(errors[0].location, DocLocation::new("app/p.md", 8));
    assert!(
        errors[0]
            .help
            .as_deref()
            .unwrap()
            .contains("--capture WIDGET_ID=")
    );
    let mut inf = Inference::default();
    inf.add_capture("WIDGET_ID=.id").unwrap();
    inf.add_capture("EARLY=.x").unwrap();
    let c = convert_text(page, &inf).unwrap();
    assert_eq!(c.scenario.steps[0].captures.len(), 2);
    let before = "---\ntitle: T\n---\n```sh\nexport AUTH_SERVER_ID='YOUR-ID'\n```\n";
    let warnings = convert_text(before, &Inference::default())
        .unwrap()
        .warnings;
    assert_eq!(warnings[0].code, DocCode::ExportWithoutRequest);
    assert!(
        warnings[0]
            .message
            .starts_with("cannot bind placeholder `AUTH_SERVER_ID`")
    );
}

/// A page's blocks between frontmatter and end, for the manual-export tests.
fn page_of(body: &str) -> String {
    format!("---\ntitle: T\n---\n{body}")
}

/// `(step, variable, jq)` of every capture the conversion added for a manual export.
fn manual_captures(c: &Conversion) -> Vec<(String, String, String)> {
    c.scenario
        .steps
        .iter()
        .zip(&c.notes)
        .flat_map(|(s, notes)| {
            s.captures
                .iter()
                .filter(|cap| {
                    let manual = format!("manual `export {}=", cap.variable);
                    notes.comments.iter().any(|n| n.contains(&manual))
                })
                .map(|cap| (s.name.clone(), cap.variable.clone(), cap.jq.clone()))
        })
        .collect()
}

fn request(method: &str, url: &str) -> String {
    format!(
        "{{% konnect_api_request %}}\nurl: {url}\nmethod: {method}\nstatus_code: 200\n{{% endkonnect_api_request %}}\n"
    )
}

fn export(name: &str) -> String {
    format!("```sh\nexport {name}='YOUR-VALUE'\n```\n")
}

#[test]
fn a_manual_export_is_bound_to_the_earlier_response_its_noun_names() {
    // The client's secret is in the client's response, not in the scope's created after it.
    let page = page_of(
        &[
            request("POST", "/v1/auth-servers"),
            request("POST", "/v1/auth-servers/$AUTH_SERVER_ID/clients"),
            request("POST", "/v1/auth-servers/$AUTH_SERVER_ID/scopes"),
            "Export the client secret from the response:\n".to_owned(),
            export("CLIENT_SECRET"),
            export("AUTH_SERVER_ID"),
            request(
                "GET",
                "/v2/control-planes?filter%5Bname%5D%5Beq%5D=quickstart",
            ),
            export("CONTROL_PLANE_ID"),
            request("POST", "/v3/portals"),
            request("GET", "/v1/auth-servers/$AUTH_SERVER_ID"),
            export("PORTAL_ID"),
        ]
        .concat(),
    );
    let c = convert_text(&page, &Inference::default()).unwrap();
    let t = |s: &str, v: &str, j: &str| (s.to_owned(), v.to_owned(), j.to_owned());
    assert_eq!(
        manual_captures(&c),
        [
            t("create-auth-server", "AUTH_SERVER_ID", ".id"),
            t("create-client", "CLIENT_SECRET", ".client_secret"),
            t("get-control-planes", "CONTROL_PLANE_ID", ".data[0].id"),
            t("create-portal", "PORTAL_ID", ".id"),
        ]
    );
    assert!(c.scenario.steps[1].captures[0].secret);
    // Each binding says where it comes from, in the step's `# inferred:` comment.
    let note = &c.notes[1].comments[0];
    assert!(
        note.starts_with(
            "inferred: the doc's manual `export CLIENT_SECRET='YOUR-VALUE'` (app/p.md:"
        ),
        "{note}"
    );
    assert!(
        note.contains("is `.client_secret` of this response (step `create-client`)"),
        "{note}"
    );
    assert!(!c.warnings.iter().any(|w| w.code == DocCode::UnknownExport));
}

#[test]
fn the_latest_request_about_the_thing_wins_and_a_list_gives_its_first_item() {
    let page = page_of(
        &[
            request("POST", "/v3/portals"),
            request("GET", "/v3/portals"),
            request("POST", "/v1/auth-servers"),
            export("PORTAL_ID"),
        ]
        .concat(),
    );
    let c = convert_text(&page, &Inference::default()).unwrap();
    assert_eq!(
        manual_captures(&c),
        [(
            "get-portals".to_owned(),
            "PORTAL_ID".to_owned(),
            ".data[0].id".to_owned()
        )]
    );
    assert!(
        c.notes[1].comments[0].contains("a list: its first item"),
        "{:?}",
        c.notes[1]
    );
}

#[test]
fn the_prose_before_an_export_names_the_field() {
    // "Export the control plane `id`" after creating one: `.id`, as the prose says.
    let page = page_of(
        &[
            request("POST", "/v1/mesh/control-planes"),
            "1. Export the control plane `id` so you can reference it:\n\n".to_owned(),
            export("CONTROL_PLANE_ID"),
            request("POST", "/v1/batches"),
            request("GET", "/v1/files/$FILE"),
            request("GET", "/v1/batches/$BATCH_ID"),
            "Now copy the `output_file_id` and export it:\n".to_owned(),
            export("OUTPUT_FILE_ID"),
            request("POST", "/v1/vaults/$V/secrets"),
            "The response holds the `secret` and its `id`.\n".to_owned(),
            export("SECRET_ID"),
        ]
        .concat(),
    );
    let c = convert_text(&page, &Inference::default()).unwrap();
    let t = |s: &str, v: &str, j: &str| (s.to_owned(), v.to_owned(), j.to_owned());
    assert_eq!(
        manual_captures(&c),
        [
            t("create-control-plane", "CONTROL_PLANE_ID", ".id"),
            // A field spelling the whole variable is a reference another object holds: the
            // batch just shown, not the file.
            t("get-batches", "OUTPUT_FILE_ID", ".output_file_id"),
        ]
    );
    assert!(
        c.notes[0].comments[0].contains("the prose (app/p.md:"),
        "{:?}",
        c.notes[0]
    );
    // Two fields, each as much like `SECRET_ID`: docflow says so and how to bind it.
    let w = c
        .warnings
        .iter()
        .find(|w| w.code == DocCode::UnknownExport)
        .unwrap();
    assert!(
        w.message
            .starts_with("cannot bind placeholder `SECRET_ID`: the prose"),
        "{}",
        w.message
    );
    assert!(w.message.contains("`secret` and `id`"), "{}", w.message);
    assert!(
        w.help
            .as_deref()
            .unwrap()
            .contains("`--capture SECRET_ID=.secret`")
    );
}

#[test]
fn a_placeholder_no_response_holds_is_a_warning_and_a_value_the_reader_brings() {
    // The client is created in a UI: no request names it, so no response is guessed at.
    let page = page_of(&[
        request("POST", "/v1/auth-servers"),
        export("CLIENT_ID"),
        export("CLIENT_SECRET"),
        "```sh\nexport ACCESS_TOKEN=$(curl -d \"client_id=$CLIENT_ID\" $ISSUER/oauth/token | jq -r .access_token)\n```\n".to_owned(),
        request("GET", "/v1/auth-servers/$ACCESS_TOKEN"),
    ]
    .concat());
    let c = convert_text(&page, &Inference::default()).unwrap();
    assert!(manual_captures(&c).is_empty(), "{:?}", manual_captures(&c));
    let unbound: Vec<_> = c
        .warnings
        .iter()
        .filter(|w| w.code == DocCode::UnknownExport)
        .collect();
    assert_eq!(unbound.len(), 2);
    assert_eq!(unbound[0].location, DocLocation::new("app/p.md", 10));
    assert!(
        unbound[0].message.starts_with(
            "cannot bind placeholder `CLIENT_ID`: manual `export CLIENT_ID='YOUR-VALUE'`, but no request before it is about `client` (the last one is step `create-auth-server`"
        ),
        "{}",
        unbound[0].message
    );
    assert_eq!(
        unbound[0].help.as_deref(),
        Some(
            "if it is in that response: `--capture CLIENT_ID=.id`; if the reader brings it: `--var CLIENT_ID=VALUE`"
        )
    );
    // The token made from it is the reader's too, not a command docflow fails to run.
    assert!(!c.command_exports.contains_key("ACCESS_TOKEN"));
    // The rest of the page still runs.
    assert_eq!(c.scenario.steps.len(), 2);
    // `--capture` is the final word: the variable's noun, else the last request.
    let mut inf = Inference::default();
    inf.add_capture("CLIENT_ID=.client.id").unwrap();
    let c = convert_text(&page, &inf).unwrap();
    assert_eq!(
        manual_captures(&c),
        [(
            "create-auth-server".to_owned(),
            "CLIENT_ID".to_owned(),
            ".client.id".to_owned()
        )]
    );
    assert!(
        c.notes[0]
            .comments
            .iter()
            .any(|n| n.contains("`--capture CLIENT_ID=.client.id`"))
    );
}

#[test]
fn a_printed_scenario_declares_what_the_reader_brings_and_validates() {
    // `$EVENT_GATEWAY_ID` is never defined; `CLIENT_ID` is a placeholder no response holds;
    // `section` is an option of `{% env_variables %}`, not a variable.
    let page = page_of(&[
        "{% env_variables %}\nDECK_KEY: 'abc'\nsection: prereqs\nindent: 4\n{% endenv_variables %}\n".to_owned(),
        request("POST", "/v1/event-gateways/$EVENT_GATEWAY_ID/listeners"),
        export("CLIENT_ID"),
        request("GET", "/v1/x/$CLIENT_ID"),
    ]
    .concat());
    let mut c = convert_text(&page, &Inference::default()).unwrap();
    let inputs: Vec<_> = c
        .reader_inputs
        .iter()
        .map(|r| (r.name.as_str(), r.placeholder.as_str()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("EVENT_GATEWAY_ID", "YOUR-EVENT-GATEWAY-ID"),
            ("CLIENT_ID", "YOUR-VALUE")
        ]
    );
    assert!(
        c.reader_inputs[1]
            .why
            .starts_with("the doc's placeholder (app/p.md:")
    );
    let yaml = crate::doc::emit::scenario_yaml(&c);
    assert!(
        yaml.contains(
            "  # EVENT_GATEWAY_ID: nothing on the page defines it; first used at app/p.md:"
        ),
        "{yaml}"
    );
    assert!(!yaml.contains("section:"), "{yaml}");
    // Declared as inputs, never as values: a run without `--var` sends no placeholder.
    assert!(
        yaml.contains("  EVENT_GATEWAY_ID: {input: YOUR-EVENT-GATEWAY-ID}\n"),
        "{yaml}"
    );
    let loaded = crate::scenario::load::load_str(std::path::Path::new("p.yaml"), &yaml)
        .unwrap_or_else(|e| panic!("{}\n{yaml}", e.render_plain()));
    let inputs: Vec<_> = loaded
        .missing_inputs()
        .map(|v| (v.name.as_str(), v.input.as_deref()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("EVENT_GATEWAY_ID", Some("YOUR-EVENT-GATEWAY-ID")),
            ("CLIENT_ID", Some("YOUR-VALUE"))
        ]
    );
    // `--var` gives a value: no placeholder left for it.
    c.supply("CLIENT_ID", "c-1").unwrap();
    assert!(c.supply("client-id", "x").is_err());
    assert_eq!(c.reader_inputs.len(), 1);
    let yaml = crate::doc::emit::scenario_yaml(&c);
    assert!(yaml.contains("  CLIENT_ID: c-1\n"), "{yaml}");
    crate::scenario::load::load_str(std::path::Path::new("p.yaml"), &yaml).unwrap();
}

#[test]
fn what_a_scenario_cannot_hold_is_a_located_error_and_a_curly_quoted_header_a_defect() {
    let page = page_of(
        "{% konnect_api_request %}\nurl: /v1/x\nmethod: POST\nstatus_code: 201\nheaders:\n  - ‘Content-Type:application/json’\nbody:\n  salt: ${salt-token}\n{% endkonnect_api_request %}\n",
    );
    let c = convert_text(&page, &Inference::default()).unwrap();
    assert_eq!(c.unwritable.len(), 1);
    let e = &c.unwritable[0];
    assert_eq!(
        (e.code, e.location.clone()),
        (
            Code::Doc(DocCode::BadVariable),
            DocLocation::new("app/p.md", 4)
        )
    );
    assert!(e.message.contains("`${salt-token}`"), "{}", e.message);
    // The header is not sent, and the doc is told why.
    assert!(c.scenario.steps[0].request.headers.is_empty());
    assert_eq!(c.defects.len(), 1);
    assert_eq!(c.defects[0].code, DocCode::MalformedBlock);
    assert!(
        c.defects[0]
            .message
            .contains("`‘Content-Type` is not a header name")
    );
}

#[test]
fn exports_of_variables_are_assignments_in_page_order_and_external_curls_are_not_run() {
    let page = "---\ntitle: T\n---\n{% konnect_api_request %}\nurl: /x\ncapture:\n  - variable: B\n    jq: .id\n{% endkonnect_api_request %}\n```sh\nexport A=$B\nexport C=\"${A}:x\"\ncurl -X POST \"$KONNECT_PROXY_URL/y\" --json '{\"v\": \"$C\"}'\ncurl https://get.konghq.com/x\n```\n";
    let c = convert_text(page, &Inference::default()).unwrap();
    assert_eq!(c.scenario.steps.len(), 2, "{:?}", c.scenario.steps);
    let Some(Body::Json(body)) = &c.scenario.steps[1].request.body else {
        panic!("{:?}", c.scenario.steps[1])
    };
    assert_eq!(body["v"], "$B:x");
    let skipped: Vec<_> = c
        .warnings
        .iter()
        .filter(|w| w.code == DocCode::NotRun)
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].message.contains("`get.konghq.com`"),
        "{skipped:?}"
    );
    assert_eq!(skipped[0].location, DocLocation::new("app/p.md", 14));
}

#[test]
fn a_heading_followed_by_its_request_implies_nothing() {
    let page = "---\ntitle: T\nprereqs:\n  entities:\n    routes: [r]\n    services: [s]\n---\n## Access the Gateway service\n{% validation request-check %}\nurl: /anything\nstatus_code: 200\n{% endvalidation %}\n";
    let c = convert_text(page, &Inference::default()).unwrap();
    let names: Vec<_> = c.scenario.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "find-quickstart-control-plane",
            "create-s",
            "create-r",
            "call-gateway"
        ]
    );
    assert_eq!(c.scenario.steps[3].source.as_ref().unwrap().line, 9);
}

#[test]
fn undefined_variables_and_missing_statuses_are_warnings() {
    let page = "---\ntitle: T\n---\n{% konnect_api_request %}\nurl: /v1/x/$NOWHERE/y\n{% endkonnect_api_request %}\n";
    let c = convert_text(page, &Inference::default()).unwrap();
    let codes: Vec<_> = c
        .warnings
        .iter()
        .map(|w| (w.code, w.location.line))
        .collect();
    assert_eq!(
        codes,
        [
            (Code::Doc(DocCode::NoStatus), 4),
            (Code::Doc(DocCode::UndefinedVariable), 4)
        ]
    );
    assert!(c.warnings[1].message.contains("`$NOWHERE`"));
    // The test page uses `$CONTROL_PLANE_ID` and never exports it.
    let c = convert_text(PAGE, &Inference::default()).unwrap();
    let undefined: Vec<_> = c
        .warnings
        .iter()
        .filter(|w| w.code == DocCode::UndefinedVariable)
        .map(|w| w.location.to_string())
        .collect();
    assert_eq!(undefined, ["app/p.md:23"]);
}

#[test]
fn names_and_collections() {
    assert_eq!(
        step_base_name("POST", "/v1/auth-servers/$A/scopes ", Destination::Api),
        "create-scope"
    );
    assert_eq!(
        step_base_name("GET", "/v2/control-planes?filter=x", Destination::Api),
        "get-control-planes"
    );
    assert_eq!(
        step_base_name("POST", "$ISSUER_URL/oauth/token", Destination::Absolute),
        "get-token"
    );
    assert_eq!(
        core_entity_collection("POST", "/v2/control-planes/$C/core-entities/plugins/"),
        Some((
            "/v2/control-planes/$C/core-entities/plugins".to_owned(),
            "plugin".to_owned()
        ))
    );
    assert_eq!(
        core_entity_collection("GET", "/v2/control-planes/$C/core-entities/plugins"),
        None
    );
}

#[test]
fn entity_examples_are_applied_through_the_api_and_unrun_configuration_taints_later_steps() {
    let page = "---\ntitle: T\nprereqs:\n  entities:\n    services: [s]\n    routes: [r]\n---\n\
{% entity_examples %}\nentities:\n  consumers:\n    - username: jsmith\n      keyauth_credentials:\n        - key: k\n  plugins:\n    - name: key-auth\n      service: s\n      config:\n        key_names:\n          - ${h}\nvariables:\n  h:\n    value: apikey\n{% endentity_examples %}\n\
{% entity_examples %}\nentities:\n  plugins:\n    - name: key-auth\n      service: s\n{% endentity_examples %}\n\
{% on_prem %}\n```sh\ncurl -X POST http://localhost:8001/services\n```\n{% endon_prem %}\n\
{% validation request-check %}\nurl: /anything\nstatus_code: 401\n{% endvalidation %}\n\
```sh\ndeck gateway apply kong.yaml\n```\n\
{% validation request-check %}\nurl: /anything\nstatus_code: 200\n{% endvalidation %}\n";
    let c = convert_text(page, &Inference::default()).unwrap();
    let steps: Vec<String> = c
        .scenario
        .steps
        .iter()
        .map(|st| {
            format!(
                "{} {} {} {:?}",
                st.name, st.request.method, st.request.url.raw, st.expect.status
            )
        })
        .collect();
    assert_eq!(
        steps[3..],
        [
            "create-consumer-jsmith POST /v2/control-planes/$QUICKSTART_ID/core-entities/consumers Some(201)",
            "create-key-auth-keyauth-credentials POST /v2/control-planes/$QUICKSTART_ID/core-entities/consumers/$CONSUMER_JSMITH_ID/key-auth Some(201)",
            "create-plugin-key-auth POST /v2/control-planes/$QUICKSTART_ID/core-entities/plugins Some(201)",
            "update-plugin-key-auth PUT /v2/control-planes/$QUICKSTART_ID/core-entities/plugins/$PLUGIN_KEY_AUTH_ID Some(200)",
            "gateway-enforces-key-auth GET /anything Some(401)",
            "call-gateway GET /anything Some(401)",
            "call-gateway-2 GET /anything Some(200)",
        ]
    );
    let plugin = &c.scenario.steps[5];
    let Some(Body::Json(body)) = &plugin.request.body else {
        panic!("json body")
    };
    assert_eq!(
        body["service"],
        serde_json::json!({"id": "$S_ID"}),
        "by the prerequisite's id"
    );
    assert_eq!(
        body["config"]["key_names"],
        serde_json::json!(["apikey"]),
        "block variables substituted"
    );
    assert_eq!(
        plugin.cleanup.as_ref().map(|r| r.url.raw.as_str()),
        Some("/v2/control-planes/$QUICKSTART_ID/core-entities/plugins/$PLUGIN_KEY_AUTH_ID")
    );
    assert!(
        c.scenario
            .steps
            .iter()
            .all(|st| !st.request.url.raw.contains("8001")),
        "on_prem content is not the Konnect page"
    );
    // Only the step after the unrun `deck` command depends on it.
    let tainted: Vec<&String> = c.after_unrun.keys().collect();
    assert_eq!(tainted, ["call-gateway-2"]);
    assert!(c.after_unrun["call-gateway-2"].contains("deck gateway apply"));
}
