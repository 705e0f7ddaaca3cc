//! [`check`]: do the page's sentences that name a method and an endpoint
//! ([`ProseClaim`]s) agree with the requests the page makes? A static check of the doc's own
//! consistency: nothing is sent.
//!
//! A false alarm is worse than a miss, so a claim is a doc defect only when it is clearly
//! about a request the page makes and names another method for it:
//!
//! - a **body** sentence is about the request block it introduces — the first request after
//!   it in the same section, with no heading, other claim or block docflow does not read in
//!   between; it disagrees when that request's path is the sentence's endpoint and its
//!   method is not the sentence's, and no request of the page is that method and endpoint;
//! - the **`tldr`** summarises the page's flow: it disagrees when the page makes requests to
//!   its endpoint, none of them with its method;
//! - a hedged sentence — conditional, optional or about an earlier step ("if you…", "you can
//!   also…", "the server you created…") — never disagrees, nor does one naming an endpoint
//!   the page never calls (another page's, another product's);
//! - a sentence that runs on to the next line of its paragraph is read whole;
//! - nor is a sentence held to a request whose method is unsure: a
//!   `{% konnect_api_request %}` with a body and no `method` renders as curl without `-X` (a
//!   `POST`), or a block docflow does not read (an Admin API request, a shell command) may
//!   make it.
//!
//! Endpoints compare by path, ignoring the host (unless the sentence names a `$VAR` host such
//! as `$ISSUER_URL`), the query, trailing slashes and the spelling of placeholders (`{id}`,
//! `$AUTH_SERVER_ID`, `${ID}`, `:id`); a sentence's endpoint may leave out a leading prefix of
//! the request's (`/auth-servers` for `/v1/auth-servers`).

use super::blocks::{BlockKind, Extracted, HTTP_VALIDATIONS};
use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};
use super::markdown::Page;
use super::prose_claims::{ClaimPlace, ProseClaim, page_claims};

/// A request the page makes, as its block writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRequest {
    /// The block's `file:line`.
    pub location: DocLocation,
    /// Upper-case method.
    pub method: String,
    /// The URL as written (a validation's path is under `$KONNECT_PROXY_URL`).
    pub url: String,
    /// Index of the block in [`Extracted::blocks`].
    pub block: usize,
    /// Whether the method is known: a `{% konnect_api_request %}` with a body and no
    /// `method` reads as `GET` but renders as curl without `-X`, which sends a `POST`.
    pub method_known: bool,
}

/// What a claim comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// A request of the page has the claim's method and endpoint.
    Agrees(DocRequest),
    /// The request the sentence is about has another method.
    Disagrees(DocRequest),
    /// The page makes no request the sentence can be held to (why).
    Unchecked(&'static str),
}

/// A claim and what it comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimCheck {
    /// The sentence's claim.
    pub claim: ProseClaim,
    /// Agreement, disagreement or neither.
    pub outcome: ClaimOutcome,
}

impl ClaimCheck {
    /// The doc defect of a disagreement, at the sentence's line.
    pub fn defect(&self) -> Option<Diagnostic> {
        let ClaimOutcome::Disagrees(request) = &self.outcome else {
            return None;
        };
        let place = match self.claim.place {
            ClaimPlace::Body => "the sentence",
            ClaimPlace::Tldr => "the `tldr`",
        };
        Some(
            Diagnostic::error(
                DocCode::ProseMismatch,
                self.claim.location.clone(),
                format!(
                    "{place} says `{}` (\"{}\"), but the request the page makes at {} is `{} {}`",
                    self.claim.said(),
                    self.claim.sentence,
                    request.location,
                    request.method,
                    request.url.trim()
                ),
            )
            .with_help(format!(
                "make the sentence say `{}`, or the request use the method the sentence names",
                request.method
            )),
        )
    }
}

/// Every claim of the page, checked against its requests.
pub fn check(page: &Page, extracted: &Extracted) -> Vec<ClaimCheck> {
    let requests = requests(extracted);
    page_claims(page, extracted)
        .into_iter()
        .map(|claim| {
            let outcome = outcome(&claim, &requests, extracted);
            ClaimCheck { claim, outcome }
        })
        .collect()
}

/// The doc defects among `checks`.
pub fn defects(checks: &[ClaimCheck]) -> Vec<Diagnostic> {
    checks.iter().filter_map(ClaimCheck::defect).collect()
}

/// The requests the page's blocks make, in reading order.
pub fn requests(extracted: &Extracted) -> Vec<DocRequest> {
    let request = |block: usize, method: &str, url: String| DocRequest {
        location: extracted.blocks[block].location.clone(),
        method: method.to_ascii_uppercase(),
        url,
        block,
        method_known: true,
    };
    extracted
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match &b.kind {
            BlockKind::ApiRequest(r) => Some(DocRequest {
                method_known: r.method != "GET" || (r.body.is_none() && r.body_cmd.is_none()),
                ..request(i, &r.method, r.url.clone())
            }),
            BlockKind::Validation(v) if HTTP_VALIDATIONS.contains(&v.kind.as_str()) => {
                Some(request(
                    i,
                    &v.method,
                    format!(
                        "$KONNECT_PROXY_URL/{}",
                        v.url.trim().trim_start_matches('/')
                    ),
                ))
            }
            BlockKind::Curl(c) => Some(request(i, &c.request.method, c.request.url.clone())),
            _ => None,
        })
        .collect()
}

fn outcome(claim: &ProseClaim, requests: &[DocRequest], extracted: &Extracted) -> ClaimOutcome {
    let endpoints: Vec<Endpoint> = claim.endpoints.iter().map(|e| Endpoint::parse(e)).collect();
    let on_path = |r: &DocRequest| {
        let url = Endpoint::parse(&r.url);
        endpoints.iter().any(|e| e.names(&url))
    };
    if let Some(r) = requests
        .iter()
        .find(|r| on_path(r) && claim.methods.contains(&r.method))
    {
        return ClaimOutcome::Agrees(r.clone());
    }
    if claim.hedged {
        return ClaimOutcome::Unchecked("a conditional, optional or past sentence");
    }
    if endpoints.iter().all(|e| !e.is_specific()) {
        return ClaimOutcome::Unchecked("the endpoint is too vague to compare");
    }
    let held_to = match claim.place {
        ClaimPlace::Tldr => requests.iter().find(|r| on_path(r)),
        ClaimPlace::Body => claim
            .block
            .and_then(|b| introduced_request(b, requests, extracted))
            .filter(|r| on_path(r)),
    };
    match held_to {
        Some(r) if !r.method_known => {
            ClaimOutcome::Unchecked("the request's block does not write its method")
        }
        Some(_) if hidden_request(claim, &endpoints, extracted) => {
            ClaimOutcome::Unchecked("the page may make it in a block docflow does not read")
        }
        Some(r) => ClaimOutcome::Disagrees(r.clone()),
        None => ClaimOutcome::Unchecked("the page makes no request the sentence is about"),
    }
}

/// Whether a block docflow lists but does not read as a request (an Admin API request with no
/// Konnect equivalent, a shell command) names one of the claim's methods and the last
/// literal segment of its endpoint: the page may make that request there.
fn hidden_request(claim: &ProseClaim, endpoints: &[Endpoint], extracted: &Extracted) -> bool {
    let segments: Vec<&str> = endpoints
        .iter()
        .filter_map(|e| e.segments.iter().rev().find_map(Option::as_deref))
        .collect();
    extracted.blocks.iter().any(|b| {
        let text = match &b.kind {
            BlockKind::NotRun(n) => format!("{} {}", n.construct, n.reason),
            BlockKind::Shell(s) => s.text.clone(),
            _ => return false,
        };
        let upper = text.to_ascii_uppercase();
        claim.methods.iter().any(|m| upper.contains(m.as_str()))
            && segments.iter().any(|s| text.contains(s))
    })
}

/// The request the prose block at `index` introduces: the first request after it, unless a
/// heading, another claim or a block docflow does not read as a request comes first.
fn introduced_request<'a>(
    index: usize,
    requests: &'a [DocRequest],
    extracted: &Extracted,
) -> Option<&'a DocRequest> {
    for (i, block) in extracted.blocks.iter().enumerate().skip(index + 1) {
        match &block.kind {
            BlockKind::Prose(text) => {
                if !super::prose_claims::line_claims(text, block.location.clone()).is_empty() {
                    return None;
                }
            }
            BlockKind::Export(_) => {}
            _ => return requests.iter().find(|r| r.block == i),
        }
    }
    None
}

/// An endpoint, normalised for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    /// A `$VAR` host (`ISSUER_URL`), if written.
    host_var: Option<String>,
    /// Path segments; `None` is a placeholder (`{id}`, `$ID`).
    segments: Vec<Option<String>>,
}

impl Endpoint {
    fn parse(text: &str) -> Self {
        let text = text.trim();
        let text = text.split(['?', '#']).next().unwrap_or_default();
        let (host_var, path) = if let Some(rest) = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
        {
            (None, rest.find('/').map_or("", |i| &rest[i..]))
        } else if text.starts_with('$') {
            let split = text.find('/').unwrap_or(text.len());
            let name = text[..split]
                .trim_start_matches('$')
                .trim_matches(['{', '}']);
            (Some(name.to_owned()), &text[split..])
        } else {
            (None, text)
        };
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| (!is_placeholder(s)).then(|| s.to_owned()))
            .collect();
        Self { host_var, segments }
    }

    /// Whether it names at least one literal segment (`/{id}` names nothing in particular).
    fn is_specific(&self) -> bool {
        self.segments.iter().any(Option::is_some)
    }

    /// Whether this (a sentence's endpoint) names `request`'s: the same `$VAR` host if it
    /// writes one, and its path a suffix of the request's. A placeholder of the sentence's
    /// (`{id}`) matches any segment; a literal one only itself, never a placeholder of the
    /// request's (`/batches` does not name `/batches/$BATCH_ID`).
    fn names(&self, request: &Self) -> bool {
        if !self.is_specific() || self.segments.len() > request.segments.len() {
            return false;
        }
        if let Some(host) = &self.host_var
            && request.host_var.as_ref() != Some(host)
        {
            return false;
        }
        let tail = &request.segments[request.segments.len() - self.segments.len()..];
        self.segments
            .iter()
            .zip(tail)
            .all(|(mine, theirs)| match (mine, theirs) {
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => false,
                (None, _) => true,
            })
    }
}

/// `{id}`, `$ID`, `${ID}`, `:id`, `<id>`, `YOUR-ID`.
fn is_placeholder(segment: &str) -> bool {
    segment.starts_with(['$', '{', ':', '<']) || segment.starts_with("YOUR")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::blocks::extract;
    use crate::doc::markdown::load_page;
    use crate::doc::test_support::TempRoot;

    fn checks(page: &str) -> Vec<ClaimCheck> {
        let root = TempRoot::new(&[("app/p.md", page)]);
        let page = load_page(&root.root(), "app/p.md").unwrap();
        let extracted = extract(&page).unwrap();
        check(&page, &extracted)
    }

    const TOKEN: &str = "```sh\ncurl -X POST \"$ISSUER_URL/oauth/token\" \\\n  -d \"grant_type=client_credentials\"\n```\n";

    fn create(method: &str) -> String {
        format!(
            "---\ntitle: t\n---\nCreate an auth server by sending a `{method}` request to the [`/auth-servers`](/api/x) endpoint:\n\n{{% konnect_api_request %}}\nurl: /v1/auth-servers\nmethod: POST\nstatus_code: 201\n{{% endkonnect_api_request %}}\n"
        )
    }

    #[test]
    fn an_agreeing_sentence_is_no_defect() {
        let c = checks(&create("POST"));
        assert_eq!(c.len(), 1);
        assert!(
            matches!(&c[0].outcome, ClaimOutcome::Agrees(r) if r.location.line == 6),
            "{c:?}"
        );
        assert!(defects(&c).is_empty());
    }

    #[test]
    fn a_method_mismatch_is_a_defect_at_the_sentence() {
        let c = checks(&create("GET"));
        let d = defects(&c);
        assert_eq!(d.len(), 1, "{c:?}");
        assert_eq!(d[0].code, DocCode::ProseMismatch);
        assert_eq!(d[0].location, DocLocation::new("app/p.md", 4));
        assert!(
            d[0].message.contains("says `GET /auth-servers`"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].message
                .contains("at app/p.md:6 is `POST /v1/auth-servers`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn a_sentence_about_an_endpoint_the_page_never_calls_is_no_defect() {
        let page = "---\ntitle: t\n---\nYou verify it by sending a `GET` request to the `/event-hooks` endpoint:\n\n{% konnect_api_request %}\nurl: /v1/auth-servers\nmethod: POST\n{% endkonnect_api_request %}\n";
        let c = checks(page);
        assert_eq!(c.len(), 1);
        assert!(matches!(c[0].outcome, ClaimOutcome::Unchecked(_)), "{c:?}");
        // A conditional sentence about a request the page does make, with another method.
        let page = "---\ntitle: t\n---\nIf you used the UI, send a `GET` request to the `/v1/auth-servers` endpoint:\n\n{% konnect_api_request %}\nurl: /v1/auth-servers\nmethod: POST\n{% endkonnect_api_request %}\n";
        assert!(defects(&checks(page)).is_empty());
        // Not the request it introduces (a heading comes first): not held to it.
        let page = "---\ntitle: t\n---\nLater, send a `GET` request to `/v1/auth-servers`.\n\n## Next\n\n{% konnect_api_request %}\nurl: /v1/auth-servers\nmethod: POST\n{% endkonnect_api_request %}\n";
        assert!(defects(&checks(page)).is_empty());
    }

    #[test]
    fn a_request_the_page_may_make_in_a_block_docflow_does_not_read_is_no_defect() {
        let page = "---\ntitle: t\ntldr:\n  a: Send a POST request to `/event-hooks`.\n---\n```sh\nhttp POST :8001/event-hooks\n```\n{% konnect_api_request %}\nurl: /v2/control-planes/$CP/core-entities/event-hooks\n{% endkonnect_api_request %}\n";
        let c = checks(page);
        assert!(
            matches!(c[0].outcome, ClaimOutcome::Unchecked(why) if why.contains("does not read")),
            "{c:?}"
        );
    }

    #[test]
    fn a_request_block_with_a_body_and_no_method_is_not_held_to_get() {
        let page = create("PUT").replace("method: POST\n", "body:\n  name: x\n");
        let c = checks(&page);
        assert!(
            matches!(c[0].outcome, ClaimOutcome::Unchecked(why) if why.contains("method")),
            "{c:?}"
        );
    }

    #[test]
    fn a_tldr_mismatch_is_a_defect_at_its_line() {
        let page = format!(
            "---\ntitle: t\ntldr:\n  q: How?\n  a: |\n    Generate a token by sending a GET request to `$ISSUER_URL/oauth/token`.\n---\nGenerate a token:\n{TOKEN}"
        );
        let d = defects(&checks(&page));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].location, DocLocation::new("app/p.md", 6));
        assert!(
            d[0].message
                .starts_with("the `tldr` says `GET $ISSUER_URL/oauth/token`"),
            "{}",
            d[0].message
        );
        let agreeing = page.replace("a GET request", "a POST request");
        let c = checks(&agreeing);
        assert!(matches!(c[0].outcome, ClaimOutcome::Agrees(_)), "{c:?}");
        // Another host variable is another endpoint.
        let other = page.replacen("$ISSUER_URL/oauth", "$OTHER_URL/oauth", 1);
        assert!(defects(&checks(&other)).is_empty());
    }

    #[test]
    fn endpoints_compare_by_path_and_placeholders() {
        let e = Endpoint::parse;
        let req = e("/v1/auth-servers/$AUTH_SERVER_ID/clients/$CLIENT_ID/secrets/ ");
        assert!(e("/auth-servers/{authServerId}/clients/{clientId}/secrets").names(&req));
        assert!(e("https://us.api.konghq.com/v1/auth-servers/{id}/clients/:c/secrets").names(&req));
        assert!(!e("/auth-servers").names(&req));
        assert!(!e("/batches").names(&e("$KONNECT_PROXY_URL/batches/$BATCH_ID")));
        assert!(e("/v1/messages/{name}").names(&e("/v1/messages/MyName")));
        assert!(!e("/{id}").names(&req));
        assert!(e("/v2/control-planes").names(&e("/v2/control-planes?filter%5Bname%5D=q")));
        assert!(e("$ISSUER_URL/oauth/token").names(&e("${ISSUER_URL}/oauth/token")));
        assert!(!e("$ISSUER_URL/oauth/token").names(&e("/oauth/token")));
        assert!(e("/oauth/token").names(&e("$ISSUER_URL/oauth/token")));
    }
}
