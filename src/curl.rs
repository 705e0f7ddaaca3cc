//! [`to_curl`]: a copy-pasteable `curl` command that reproduces a scenario request, with
//! `$VARS` in place of every value (so no secret is ever printed).

use crate::scenario::model::display_url;
use crate::scenario::model::{Body, Destination, Request};

/// Renders `request` as a multi-line shell command. Variables stay as `$NAME`, quoted so the
/// shell expands them; JSON bodies use the docs' trick of closing the single-quoted JSON
/// around each variable.
pub fn to_curl(request: &Request) -> String {
    let mut lines = vec![format!(
        "curl -i -X {} {}",
        request.method,
        double_quote(&display_url(request))
    )];
    if !request.query.is_empty() {
        lines[0] = format!(
            "curl -i -G -X {} {}",
            request.method,
            double_quote(&display_url(request))
        );
        for (name, value) in &request.query {
            lines.push(format!(
                "--data-urlencode {}",
                double_quote(&format!("{name}={}", value.raw))
            ));
        }
    }
    if request.destination == Destination::Api && request.konnect_auth {
        lines.push(format!(
            "-H {}",
            double_quote("Authorization: Bearer $KONNECT_TOKEN")
        ));
    }
    if let Some(basic) = &request.basic_auth {
        lines.push(format!(
            "-u {}",
            double_quote(&format!("{}:{}", basic.username.raw, basic.password.raw))
        ));
    }
    for header in &request.headers {
        lines.push(format!(
            "-H {}",
            double_quote(&format!("{}: {}", header.name, header.value.raw))
        ));
    }
    match &request.body {
        None => {}
        Some(Body::Json(value)) => {
            let json = serde_json::to_string_pretty(value).unwrap_or_default();
            lines.push(format!("--json {}", json_single_quoted(&json)));
        }
        Some(Body::Form(fields)) => {
            for (name, value) in fields {
                lines.push(format!(
                    "--data-urlencode {}",
                    double_quote(&format!("{name}={}", value.raw))
                ));
            }
        }
        Some(Body::Raw(template)) => {
            lines.push(format!("--data-raw {}", double_quote(&template.raw)));
        }
    }
    lines.join(" \\\n  ")
}

/// Double-quotes `text` for the shell, escaping what double quotes do not protect except `$`
/// (variables must expand).
fn double_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Single-quotes JSON, reopening the quotes around each `$VAR` so the shell expands it inside
/// double quotes: `'{"issuer": "'"$ISSUER_URL"'"}'`.
fn json_single_quoted(json: &str) -> String {
    let template = crate::scenario::model::Template::parse(json)
        .unwrap_or_else(|_| crate::scenario::model::Template::literal(json));
    let mut out = String::from("'");
    for part in &template.parts {
        match part {
            crate::scenario::model::TemplatePart::Literal(text) => {
                out.push_str(&text.replace('\'', r"'\''"));
            }
            crate::scenario::model::TemplatePart::Var(name) => {
                out.push_str(&format!("'\"${name}\"'"));
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scenario::model::{BasicAuth, Header, Span, Template};

    #[test]
    fn keeps_variables_and_never_values() {
        let request = Request {
            destination: Destination::Api,
            method: "POST".into(),
            url: Template::parse("/v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/")
                .unwrap(),
            headers: vec![Header {
                name: "Content-Type".into(),
                value: Template::literal("application/json"),
            }],
            query: vec![],
            body: Some(Body::Json(json!({"config": {"issuer": "$ISSUER_URL"}}))),
            basic_auth: None,
            konnect_auth: true,
            span: Span::default(),
        };
        let curl = to_curl(&request);
        assert!(curl.starts_with(
            "curl -i -X POST \"$KONNECT_CONTROL_PLANE_URL/v2/control-planes/$CONTROL_PLANE_ID/core-entities/plugins/\""
        ), "{curl}");
        assert!(curl.contains("-H \"Authorization: Bearer $KONNECT_TOKEN\""));
        assert!(curl.contains(r#""issuer": "'"$ISSUER_URL"'""#), "{curl}");
    }

    #[test]
    fn basic_auth_and_forms() {
        let request = Request {
            destination: Destination::Absolute,
            method: "POST".into(),
            url: Template::parse("$ISSUER_URL/oauth/token").unwrap(),
            headers: vec![],
            query: vec![],
            body: Some(Body::Form(vec![(
                "grant_type".into(),
                Template::literal("client_credentials"),
            )])),
            basic_auth: Some(BasicAuth {
                username: Template::parse("$CLIENT_ID").unwrap(),
                password: Template::parse("$CLIENT_SECRET").unwrap(),
            }),
            konnect_auth: true,
            span: Span::default(),
        };
        let curl = to_curl(&request);
        assert!(curl.contains("-u \"$CLIENT_ID:$CLIENT_SECRET\""), "{curl}");
        assert!(curl.contains("--data-urlencode \"grant_type=client_credentials\""));
        assert!(!curl.contains("KONNECT_TOKEN"));
    }
}
