//! Reading a step's request (and a cleanup's) from the YAML tree: [`request`] is the main
//! function.

use super::error::Code;
use super::model::{BasicAuth, Body, Destination, Header, Request, Span, Template};
use super::node::{Kind, Node};
use super::raw;
use super::reader::{Cx, Fields, backticked, suggest};

/// Which request is being read: a step's, or a step's cleanup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    /// The step's own request: may have a body, a form and basic auth; default `GET`.
    Step,
    /// The cleanup request: default `DELETE`.
    Cleanup,
}

/// Reads the request keys of `f`. Missing or broken parts are reported and replaced by
/// placeholders, so reading goes on.
pub(crate) fn request(
    cx: &mut Cx<'_>,
    f: &Fields<'_>,
    kind: RequestKind,
    what: &str,
    span: Span,
) -> Request {
    let url_node = cx.required(f, "url", what);
    let url = url_node
        .and_then(|n| cx.template(n, "url"))
        .unwrap_or_else(|| Template::literal(""));

    let method = match f.opt("method") {
        Some(n) => method(cx, n).unwrap_or_default(),
        None => match kind {
            RequestKind::Step => "GET".to_owned(),
            RequestKind::Cleanup => "DELETE".to_owned(),
        },
    };

    let to = f
        .opt("to")
        .and_then(|n| choice(cx, n, "to", &["api", "proxy", "url"]));
    let destination = destination(cx, url_node, &url, to);

    let konnect_auth = konnect_auth(cx, f, destination);

    let headers = f.opt("headers").map(|n| headers(cx, n)).unwrap_or_default();
    let query = f
        .opt("query")
        .map(|n| template_map(cx, n, "query"))
        .unwrap_or_default();

    let (body, basic_auth) = match kind {
        RequestKind::Step => (
            body(cx, f),
            f.opt("basic_auth").and_then(|n| read_basic_auth(cx, n)),
        ),
        RequestKind::Cleanup => (None, None),
    };

    Request {
        destination,
        konnect_auth,
        method,
        url,
        headers,
        query,
        body,
        basic_auth,
        span,
    }
}

/// Whether the runner adds the Konnect token: `to: api` only, where it is the default;
/// `auth: none` turns it off, and `auth: konnect` elsewhere is an error.
fn konnect_auth(cx: &mut Cx<'_>, f: &Fields<'_>, destination: Destination) -> bool {
    let auth_node = f.opt("auth");
    let auth = auth_node.and_then(|n| choice(cx, n, "auth", &["konnect", "none"]));
    if let Some(n) = auth_node
        && auth == Some("konnect")
        && destination != Destination::Api
    {
        // The runner adds Konnect credentials only to Konnect API calls; say so rather
        // than ignore the key.
        cx.error(
            Code::Conflict,
            n.span,
            "`auth: konnect` applies only to `to: api`",
        )
        .help = Some(
            "to send the token elsewhere, add a header: `'Authorization: Bearer $KONNECT_TOKEN'`"
                .into(),
        );
    }
    destination == Destination::Api && auth != Some("none")
}

/// A step's body: JSON (`body`) or form fields (`form`), not both.
fn body(cx: &mut Cx<'_>, f: &Fields<'_>) -> Option<Body> {
    let mut body = f.opt("body").map(|n| Body::Json(cx.json(n, true)));
    if let Some(n) = f.opt("form") {
        let fields = template_map(cx, n, "form");
        if body.is_some() {
            let span = f.key_span("form").unwrap_or(n.span);
            cx.error(
                Code::Conflict,
                span,
                "`body` and `form` cannot be used together",
            )
            .help = Some("a request has one body: JSON (`body`) or form fields (`form`)".into());
        } else {
            body = Some(Body::Form(fields));
        }
    }
    body
}

fn method(cx: &mut Cx<'_>, node: &Node) -> Option<String> {
    let text = cx.string(node, "method")?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        cx.error(
            Code::BadValue,
            node.span,
            format!("`{text}` is not an HTTP method"),
        )
        .help = Some("write a method such as `GET`, `POST` or `delete`".into());
        return None;
    }
    Some(text.to_ascii_uppercase())
}

/// `to:` if given, else `url` for absolute or variable-led URLs and `api` otherwise.
fn destination(
    cx: &mut Cx<'_>,
    url_node: Option<&Node>,
    url: &Template,
    to: Option<&str>,
) -> Destination {
    let trimmed = url.raw.trim();
    let absolute = trimmed.starts_with("http://") || trimmed.starts_with("https://");
    let variable_led = trimmed.starts_with('$');
    let destination = match to {
        Some("api") => Destination::Api,
        Some("proxy") => Destination::Proxy,
        Some(_) => Destination::Absolute,
        None if absolute || variable_led => Destination::Absolute,
        None => Destination::Api,
    };
    if let Some(node) = url_node {
        if absolute && destination != Destination::Absolute {
            let to = to.unwrap_or("api");
            cx.error(
                Code::Conflict,
                node.span,
                format!("`to: {to}` needs a path, found the absolute url `{trimmed}`"),
            )
            .help = Some("write a path, or use `to: url`".into());
        }
        if destination == Destination::Absolute && !absolute && !variable_led && !trimmed.is_empty()
        {
            cx.error(
                Code::Conflict,
                node.span,
                format!("`to: url` needs an absolute url, found `{trimmed}`"),
            )
            .help =
                Some("write `http(s)://…` or start with a variable such as `$ISSUER_URL`".into());
        }
    }
    destination
}

/// One of `options`, or a `bad_value` with a did-you-mean.
pub(crate) fn choice(
    cx: &mut Cx<'_>,
    node: &Node,
    what: &str,
    options: &[&'static str],
) -> Option<&'static str> {
    let text = cx.string(node, what)?;
    if let Some(found) = options.iter().find(|o| **o == text) {
        return Some(found);
    }
    let help = match suggest(&text, options.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("expected one of {}", backticked(options)),
    };
    cx.error(
        Code::BadValue,
        node.span,
        format!("`{text}` is not a valid `{what}`"),
    )
    .help = Some(help);
    None
}

/// `'Name: value'` strings.
fn headers(cx: &mut Cx<'_>, node: &Node) -> Vec<Header> {
    let Some(items) = cx.seq(node, "headers") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(whole) = cx.template(item, "headers") else {
            continue;
        };
        match split_header(&whole.raw) {
            Some((name, value)) => out.push(Header {
                name: name.to_owned(),
                // The whole line parsed, so its value part does too.
                value: Template::parse(value).unwrap_or_else(|_| Template::literal(value)),
            }),
            None => {
                cx.error(
                    Code::BadValue,
                    item.span,
                    format!("expected a header as `Name: value`, found `{}`", whole.raw),
                );
            }
        }
    }
    out
}

/// Splits `Name: value`, checking the name is an HTTP token.
fn split_header(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(':')?;
    let name = name.trim();
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(is_token) {
        return None;
    }
    Some((name, value.trim()))
}

/// A mapping of names to templates (`query`, `form`), in file order.
pub(crate) fn template_map(cx: &mut Cx<'_>, node: &Node, what: &str) -> Vec<(String, Template)> {
    let Kind::Map(entries) = &node.kind else {
        let found = node.describe();
        cx.error(
            Code::WrongType,
            node.span,
            format!("expected a mapping for `{what}`, found {found}"),
        );
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| {
            let value = cx.template(&e.value, &e.key)?;
            Some((e.key.clone(), value))
        })
        .collect()
}

fn read_basic_auth(cx: &mut Cx<'_>, node: &Node) -> Option<BasicAuth> {
    let f = cx.fields(node, "`basic_auth`", raw::BASIC_AUTH_KEYS)?;
    let username = cx
        .required(&f, "username", "`basic_auth`")
        .and_then(|n| cx.template(n, "username"));
    let password = cx
        .required(&f, "password", "`basic_auth`")
        .and_then(|n| cx.template(n, "password"));
    Some(BasicAuth {
        username: username?,
        password: password?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_at_the_first_colon() {
        assert_eq!(
            split_header("Content-Type: application/json"),
            Some(("Content-Type", "application/json"))
        );
        assert_eq!(
            split_header("Authorization: Bearer $T:x"),
            Some(("Authorization", "Bearer $T:x"))
        );
        assert_eq!(split_header("no colon"), None);
        assert_eq!(split_header(": empty name"), None);
        assert_eq!(split_header("bad name: x"), None);
    }
}
