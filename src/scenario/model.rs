//! The validated scenario: what the runner executes. [`Scenario`] is the main type.
//!
//! Everything here is already checked: variables are parsed into [`Template`]s, jq
//! expressions compile, step names are unique. Every node keeps the [`Span`] of the YAML it
//! came from so run-time failures can point at the scenario line.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

/// A position in a source file: 1-based line and column, plus the byte range for rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte offset of the first character.
    pub offset: usize,
    /// Length in bytes (0 when unknown).
    pub len: usize,
}

/// Where a target can run a scenario or a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    /// The embedded Konnect-in-a-box, in-process.
    Mock,
    /// The same mock in a container started by testcontainers.
    Container,
    /// A real Konnect organization.
    Konnect,
}

impl TargetKind {
    /// The name used in scenario files and `DOCFLOW_TARGET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mock => "mock",
            Self::Container => "container",
            Self::Konnect => "konnect",
        }
    }

    /// Parses a name used in scenario files and `DOCFLOW_TARGET`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "mock" => Some(Self::Mock),
            "container" => Some(Self::Container),
            "konnect" => Some(Self::Konnect),
            _ => None,
        }
    }
}

/// A loaded, validated scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario's name: the file stem (`konnect-identity-oidc-draft`).
    pub name: String,
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The file's text, kept for diagnostics.
    pub source: Arc<str>,
    /// Free-text description.
    pub description: Option<String>,
    /// The documentation page this scenario verifies, if any.
    pub doc: Option<DocRef>,
    /// Targets this scenario can run on; empty means all.
    pub targets: Vec<TargetKind>,
    /// Scenario variables (`vars:`), rendered in order before the first step.
    pub vars: Vec<VarDef>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Whether the scenario can run on `kind`.
    pub fn runs_on(&self, kind: TargetKind) -> bool {
        self.targets.is_empty() || self.targets.contains(&kind)
    }

    /// Marks the variables and captures named in `names` as secrets, as `secret: true` does
    /// (`docflow run --secret NAME`); returns the names this scenario defines.
    pub fn mark_secrets<'n>(&mut self, names: &'n [String]) -> Vec<&'n str> {
        let mut found = Vec::new();
        let mut mark = |name: &str, secret: &mut bool| {
            if let Some(n) = names.iter().find(|n| *n == name) {
                *secret = true;
                if !found.contains(&n.as_str()) {
                    found.push(n.as_str());
                }
            }
        };
        for var in &mut self.vars {
            mark(&var.name, &mut var.secret);
        }
        for capture in self.steps.iter_mut().flat_map(|s| s.captures.iter_mut()) {
            mark(&capture.variable, &mut capture.secret);
        }
        found
    }
}

impl Scenario {
    /// Gives `vars:` entry `name` the value `value` (`docflow run --var NAME=VALUE`): a value
    /// the reader brings becomes an ordinary variable; any other entry is replaced. Returns
    /// whether the scenario defines `name`.
    pub fn supply(&mut self, name: &str, value: &str) -> bool {
        let Some(var) = self.vars.iter_mut().find(|v| v.name == name) else {
            return false;
        };
        var.value = Template::literal(value);
        var.input = None;
        true
    }

    /// The values the reader brings that are not given, in `vars:` order.
    pub fn missing_inputs(&self) -> impl Iterator<Item = &VarDef> {
        self.vars.iter().filter(|v| v.input.is_some())
    }
}

/// The documentation page a scenario verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRef {
    /// Path of the page inside the docs root (`app/_how-tos/configure-konnect-identity-oidc.md`).
    pub file: String,
    /// The docs root, relative to the scenario file, if the scenario names one.
    pub root: Option<String>,
    /// Where `doc:` is written in the scenario.
    pub span: Span,
}

/// Where a step comes from in the docs: file (inside the docs root) and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSource {
    /// Path inside the docs root (`app/_includes/how-tos/steps/konnect-identity-server-scope-claim-client.md`).
    pub file: String,
    /// 1-based line of the block's first line (the `{% konnect_api_request %}` tag).
    pub line: usize,
}

/// A scenario variable: `NAME: template`, or `NAME: {input: PLACEHOLDER}`.
#[derive(Debug, Clone)]
pub struct VarDef {
    /// Variable name, `[A-Z_][A-Z0-9_]*`.
    pub name: String,
    /// Its value, which may use earlier variables. For an [`input`](Self::input) not given,
    /// the placeholder as a literal, for display only: the runner never renders it.
    pub value: Template,
    /// `Some(placeholder)`: a value the reader brings (`{input: YOUR-CLIENT-SECRET}`), not
    /// given. The runner leaves it undefined, and every step needing it is out of reach;
    /// [`Scenario::supply`] (`--var NAME=VALUE`) makes it an ordinary variable.
    pub input: Option<String>,
    /// Whether the value is a secret (redacted everywhere).
    pub secret: bool,
    /// Where it is defined.
    pub span: Span,
}

/// One step: a request, what to expect, what to capture.
#[derive(Debug, Clone)]
pub struct Step {
    /// Unique name inside the scenario (`create-auth-server`), used in snapshot names.
    pub name: String,
    /// Where the step starts in the scenario file.
    pub span: Span,
    /// Where the step comes from in the docs.
    pub source: Option<DocSource>,
    /// Targets this step runs on; empty means all. Elsewhere it is skipped with a reason.
    pub targets: Vec<TargetKind>,
    /// The request to send.
    pub request: Request,
    /// What the response must look like.
    pub expect: Expect,
    /// Values to keep as variables for later steps.
    pub captures: Vec<Capture>,
    /// Retry until the expectations hold (eventual consistency).
    pub retry: Option<Retry>,
    /// The request that undoes this step, run in reverse order at the end of the scenario.
    pub cleanup: Option<Request>,
    /// JWTs to decode, verify and check after the step.
    pub tokens: Vec<TokenCheck>,
    /// What to snapshot.
    pub snapshot: SnapshotMode,
    /// The doc's expectation for this step is known to be wrong.
    pub defect: Option<KnownDefect>,
    /// Where the step's checked keys are written, so a failure points at its key.
    pub keys: StepKeys,
}

impl Step {
    /// Whether the step runs on `kind`.
    pub fn runs_on(&self, kind: TargetKind) -> bool {
        self.targets.is_empty() || self.targets.contains(&kind)
    }

    /// Every variable the step needs, repeats included: its request, its expectations (body,
    /// headers), its token claims, and its cleanup.
    pub fn used_vars(&self) -> Vec<String> {
        let mut out = self.request.used_vars();
        if let Some(body) = &self.expect.body {
            json_vars(body, &mut out);
        }
        for check in &self.expect.headers {
            if let HeaderRule::Equals(t) | HeaderRule::Contains(t) = &check.rule {
                out.extend(t.vars().map(str::to_owned));
            }
        }
        for token in &self.tokens {
            if let Some(claims) = &token.claims {
                json_vars(claims, &mut out);
            }
        }
        if let Some(cleanup) = &self.cleanup {
            out.extend(cleanup.used_vars());
        }
        out
    }
}

/// Where a request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The Konnect API: `url` is a path under the target's API base URL, and
    /// `Authorization: Bearer $KONNECT_TOKEN` is added first, as the docs' tag does.
    Api,
    /// The gateway proxy (`{% validation request-check %}`): `url` is a path under `$KONNECT_PROXY_URL`.
    Proxy,
    /// An absolute URL (after rendering), sent as is: `$ISSUER_URL/oauth/token`.
    Absolute,
}

/// An HTTP request with templated parts.
#[derive(Debug, Clone)]
pub struct Request {
    /// Where it goes.
    pub destination: Destination,
    /// Upper-case method.
    pub method: String,
    /// URL or path; trailing whitespace (as in some docs blocks) is trimmed when rendering.
    pub url: Template,
    /// Headers in order, from `'Name: value'` strings.
    pub headers: Vec<Header>,
    /// Query parameters appended to the URL.
    pub query: Vec<(String, Template)>,
    /// Request body.
    pub body: Option<Body>,
    /// HTTP basic authentication.
    pub basic_auth: Option<BasicAuth>,
    /// For [`Destination::Api`]: add `Authorization: Bearer $KONNECT_TOKEN` (the default;
    /// `auth: none` turns it off to test unauthenticated calls).
    pub konnect_auth: bool,
    /// Where the request is written in the scenario.
    pub span: Span,
}

/// A request header.
#[derive(Debug, Clone)]
pub struct Header {
    /// Header name as written.
    pub name: String,
    /// Header value.
    pub value: Template,
}

/// HTTP basic credentials.
#[derive(Debug, Clone)]
pub struct BasicAuth {
    /// User name (an OAuth `client_id`).
    pub username: Template,
    /// Password (an OAuth `client_secret`).
    pub password: Template,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// YAML written in the scenario, sent as JSON. Strings may hold variables: a string that
    /// is exactly one variable takes the variable's JSON value.
    Json(Value),
    /// `application/x-www-form-urlencoded` fields, in order.
    Form(Vec<(String, Template)>),
    /// A raw string body.
    Raw(Template),
}

/// What a response must look like.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Exact status (`status_code`).
    pub status: Option<u16>,
    /// JSON subset of the body: extra keys allowed, arrays compared whole.
    pub body: Option<Value>,
    /// jq predicates over the body that must yield `true`.
    pub jq: Vec<JqCheck>,
    /// Header checks.
    pub headers: Vec<HeaderCheck>,
}

/// A jq predicate.
#[derive(Debug, Clone)]
pub struct JqCheck {
    /// The jq program.
    pub expr: String,
    /// Where it is written.
    pub span: Span,
}

/// A response header check.
#[derive(Debug, Clone)]
pub struct HeaderCheck {
    /// Header name (case-insensitive).
    pub name: String,
    /// What the header must be.
    pub rule: HeaderRule,
    /// Where it is written.
    pub span: Span,
}

/// What a header must be.
#[derive(Debug, Clone)]
pub enum HeaderRule {
    /// Equal to.
    Equals(Template),
    /// Contains.
    Contains(Template),
    /// Present with any value.
    Present,
    /// Absent.
    Absent,
}

/// A value to keep as a variable: `{variable, jq}` (or `extract_body`'s `{name, variable}`,
/// whose dotted `name` becomes the jq path `.name`).
#[derive(Debug, Clone)]
pub struct Capture {
    /// Variable name.
    pub variable: String,
    /// jq program over the response body; it must yield a non-null value.
    pub jq: String,
    /// Whether the value is a secret (redacted as `$VARIABLE` everywhere).
    pub secret: bool,
    /// Where it is written.
    pub span: Span,
}

/// Retry a step until its expectations hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry {
    /// Give up after this long.
    pub timeout: Duration,
    /// First wait between attempts.
    pub interval: Duration,
    /// Multiplier applied to the wait after each attempt (1.0 = fixed).
    pub backoff: f64,
}

/// A JWT to decode, verify against its issuer's JWKS, and check.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    /// Variable holding the token (`ACCESS_TOKEN`).
    pub variable: String,
    /// Subset the verified header must match.
    pub header: Option<Value>,
    /// Subset the verified claims must match (strings may hold variables).
    pub claims: Option<Value>,
    /// jq predicates over the claims.
    pub jq: Vec<JqCheck>,
    /// Expected `exp - iat` in seconds.
    pub lifetime: Option<u64>,
    /// Where it is written.
    pub span: Span,
}

/// What to snapshot for a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Status, allow-listed headers and the whole body.
    Full,
    /// Nothing (the step's response varies by target in ways redaction cannot fix).
    Off,
    /// Status, allow-listed headers and the output of this jq program over the body.
    Jq(String),
}

/// The doc's expectation for a step is known to be wrong, and what really happens.
#[derive(Debug, Clone)]
pub struct KnownDefect {
    /// Why the doc is wrong, in a sentence.
    pub reason: String,
    /// The status the target really answers.
    pub status: Option<u16>,
    /// Where it is written.
    pub span: Span,
}

/// A string with `$VAR` / `${VAR}` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The text as written.
    pub raw: String,
    /// The text split into literals and variable references.
    pub parts: Vec<TemplatePart>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text.
    Literal(String),
    /// A variable reference, by name.
    Var(String),
}

impl Template {
    /// The variables the template uses, in order.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Var(name) => Some(name.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }
}

/// `File.join` as the docs use it for `$KONNECT_PROXY_URL` + path: exactly one slash between
/// (a file join, not RFC 3986 resolution: `/v2` bases keep their path).
pub fn join_url(base: &str, path: &str) -> String {
    if path.is_empty() {
        return base.to_owned();
    }
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// The URL as the scenario writes it, with the target's base as a variable:
/// `$KONNECT_CONTROL_PLANE_URL/v1/auth-servers/$AUTH_SERVER_ID/scopes`.
pub fn display_url(request: &Request) -> String {
    let path = request.url.raw.trim();
    match request.destination {
        Destination::Api => join_url("$KONNECT_CONTROL_PLANE_URL", path),
        Destination::Proxy => join_url("$KONNECT_PROXY_URL", path),
        Destination::Absolute => path.to_owned(),
    }
}

impl Request {
    /// The variables the request uses, in order of appearance (URL, query, headers, basic
    /// auth, body; JSON strings parsed as the renderer parses them), repeats included. The one
    /// rule for "which `$VARS` does this request need", used by reproductions and the doc
    /// reader alike.
    pub fn used_vars(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |t: &Template| out.extend(t.vars().map(str::to_owned));
        add(&self.url);
        for (_, value) in &self.query {
            add(value);
        }
        for header in &self.headers {
            add(&header.value);
        }
        if let Some(basic) = &self.basic_auth {
            add(&basic.username);
            add(&basic.password);
        }
        match &self.body {
            Some(Body::Json(value)) => json_vars(value, &mut out),
            Some(Body::Form(fields)) => {
                for (_, value) in fields {
                    out.extend(value.vars().map(str::to_owned));
                }
            }
            Some(Body::Raw(template)) => out.extend(template.vars().map(str::to_owned)),
            None => {}
        }
        out
    }

    /// The target variables the request uses without naming them: the base URL its
    /// destination adds and `$KONNECT_TOKEN` when the Konnect `Authorization` header is added.
    pub fn implicit_vars(&self) -> Vec<&'static str> {
        match self.destination {
            Destination::Api if self.konnect_auth => {
                vec!["KONNECT_CONTROL_PLANE_URL", "KONNECT_TOKEN"]
            }
            Destination::Api => vec!["KONNECT_CONTROL_PLANE_URL"],
            Destination::Proxy => vec!["KONNECT_PROXY_URL"],
            Destination::Absolute => Vec::new(),
        }
    }
}

/// The variables used in the strings of a JSON body.
fn json_vars(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Ok(template) = Template::parse(s) {
                out.extend(template.vars().map(str::to_owned));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| json_vars(v, out)),
        Value::Object(map) => map.values().for_each(|v| json_vars(v, out)),
        _ => {}
    }
}

/// A step key a failure can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKey {
    /// `status_code:`.
    StatusCode,
    /// `expect:`.
    Expect,
    /// `capture:`.
    Capture,
    /// `token:`.
    Token,
}

/// Where a step's checked keys are written, as the loader read them (absent when the step
/// does not write the key, or was not read from a scenario file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepKeys {
    /// `status_code:`.
    pub status_code: Option<Span>,
    /// `expect:`.
    pub expect: Option<Span>,
    /// `capture:`.
    pub capture: Option<Span>,
    /// `token:`.
    pub token: Option<Span>,
}

impl StepKeys {
    /// The span of `key`, if the step writes it.
    pub fn get(&self, key: StepKey) -> Option<Span> {
        match key {
            StepKey::StatusCode => self.status_code,
            StepKey::Expect => self.expect,
            StepKey::Capture => self.capture,
            StepKey::Token => self.token,
        }
    }
}
