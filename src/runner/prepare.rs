//! Rendering a scenario [`Request`] into an [`http::Prepared`](crate::http::Prepared) request,
//! with the Konnect `Authorization` header added as the docs' tag adds it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::http::Prepared;
use crate::scenario::model::{Body, Destination, Request, join_url};
use crate::vars::{UndefinedVar, Vars};

/// Characters escaped in query parameter names and values.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Renders `request`. The API and proxy base URLs come from the `KONNECT_CONTROL_PLANE_URL`
/// and `KONNECT_PROXY_URL` variables.
pub fn prepare(request: &Request, vars: &Vars) -> Result<Prepared, UndefinedVar> {
    let url = render_url(request, vars)?;
    let mut headers = render_headers(request, vars)?;
    let (body, content_type) = render_body(request, vars)?;
    if let Some(ct) = content_type
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".to_owned(), ct.to_owned()));
    }
    Ok(Prepared {
        method: request.method.clone(),
        url,
        headers,
        body,
    })
}

/// The request's full URL: the base URL its destination adds, the path, the query.
fn render_url(request: &Request, vars: &Vars) -> Result<String, UndefinedVar> {
    let base = |name: &str| -> Result<String, UndefinedVar> {
        vars.get(name)
            .map(|v| v.text.trim_end_matches('/').to_owned())
            .ok_or_else(|| UndefinedVar(name.to_owned()))
    };
    // The docs' blocks carry trailing spaces in some URLs (`…/scopes `); a reader's shell
    // would drop them too.
    let path = vars.render(&request.url)?.trim().to_owned();
    let mut url = match request.destination {
        Destination::Api => join_url(&base("KONNECT_CONTROL_PLANE_URL")?, &path),
        Destination::Proxy => join_url(&base("KONNECT_PROXY_URL")?, &path),
        Destination::Absolute => path,
    };
    if !request.query.is_empty() {
        let mut query = Vec::with_capacity(request.query.len());
        for (name, value) in &request.query {
            let value = vars.render(value)?;
            query.push(format!(
                "{}={}",
                utf8_percent_encode(name, QUERY),
                utf8_percent_encode(&value, QUERY)
            ));
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query.join("&"));
    }
    Ok(url)
}

/// The request's headers: the Konnect token or Basic credentials it adds, then its own,
/// which replace a generated one of the same name.
fn render_headers(request: &Request, vars: &Vars) -> Result<Vec<(String, String)>, UndefinedVar> {
    let mut headers: Vec<(String, String)> = Vec::new();
    if request.destination == Destination::Api && request.konnect_auth {
        let token = vars
            .get("KONNECT_TOKEN")
            .ok_or_else(|| UndefinedVar("KONNECT_TOKEN".to_owned()))?;
        headers.push(("Authorization".to_owned(), format!("Bearer {}", token.text)));
    }
    if let Some(basic) = &request.basic_auth {
        let user = vars.render(&basic.username)?;
        let pass = vars.render(&basic.password)?;
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
        headers.push((
            "Authorization".to_owned(),
            format!("Basic {}", STANDARD.encode(format!("{user}:{pass}"))),
        ));
    }
    for header in &request.headers {
        let value = vars.render(&header.value)?;
        // Like the docs' tag since d4127f360: the step's own header replaces a generated one.
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&header.name));
        headers.push((header.name.clone(), value));
    }
    Ok(headers)
}

/// The request's body, and the content type it implies.
fn render_body(
    request: &Request,
    vars: &Vars,
) -> Result<(Option<Vec<u8>>, Option<&'static str>), UndefinedVar> {
    Ok(match &request.body {
        None => (None, None),
        Some(Body::Json(value)) => {
            let rendered = vars.render_json(value)?;
            (
                Some(rendered.to_string().into_bytes()),
                Some("application/json"),
            )
        }
        Some(Body::Form(fields)) => {
            let mut pairs = Vec::with_capacity(fields.len());
            for (name, value) in fields {
                pairs.push((name.clone(), vars.render(value)?));
            }
            let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            (
                Some(encoded.into_bytes()),
                Some("application/x-www-form-urlencoded"),
            )
        }
        Some(Body::Raw(template)) => (Some(vars.render(template)?.into_bytes()), None),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scenario::model::display_url;
    use crate::scenario::model::{BasicAuth, Header, Span, Template};
    use crate::vars::Origin;

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.set_text(
            "KONNECT_CONTROL_PLANE_URL",
            "http://api:1/",
            false,
            Origin::Target,
        );
        v.set_text(
            "KONNECT_PROXY_URL",
            "http://proxy:2/dp/x",
            false,
            Origin::Target,
        );
        v.set_text("KONNECT_TOKEN", "kpat_abc", true, Origin::Target);
        v.set_text("AUTH_SERVER_ID", "as1", false, Origin::Captured);
        v
    }

    fn request(destination: Destination, url: &str) -> Request {
        Request {
            destination,
            method: "POST".into(),
            url: Template::parse(url).unwrap(),
            headers: vec![Header {
                name: "Content-Type".into(),
                value: Template::literal("application/json"),
            }],
            query: vec![],
            body: Some(Body::Json(json!({"ids": ["$AUTH_SERVER_ID"]}))),
            basic_auth: None,
            konnect_auth: true,
            span: Span::default(),
        }
    }

    #[test]
    fn api_requests_get_the_konnect_bearer_first_and_trimmed_urls() {
        let p = prepare(
            &request(Destination::Api, "/v1/auth-servers/$AUTH_SERVER_ID/scopes "),
            &vars(),
        )
        .unwrap();
        assert_eq!(p.url, "http://api:1/v1/auth-servers/as1/scopes");
        assert_eq!(
            p.headers[0],
            ("Authorization".into(), "Bearer kpat_abc".into())
        );
        assert_eq!(p.headers.len(), 2);
        assert_eq!(p.body.unwrap(), br#"{"ids":["as1"]}"#);
    }

    #[test]
    fn proxy_paths_join_like_file_join() {
        let mut r = request(Destination::Proxy, "/anything");
        r.basic_auth = Some(BasicAuth {
            username: Template::literal("id"),
            password: Template::literal("secret"),
        });
        let p = prepare(&r, &vars()).unwrap();
        assert_eq!(p.url, "http://proxy:2/dp/x/anything");
        assert_eq!(
            p.headers[0],
            ("Authorization".into(), "Basic aWQ6c2VjcmV0".into())
        );
        assert_eq!(display_url(&r), "$KONNECT_PROXY_URL/anything");
    }

    #[test]
    fn undefined_variables_stop_rendering() {
        let r = request(Destination::Absolute, "$ISSUER_URL/oauth/token");
        assert_eq!(
            prepare(&r, &vars()).unwrap_err(),
            UndefinedVar("ISSUER_URL".into())
        );
    }
}
