//! [`Inference`]: the heuristics that turn what a doc leaves to the reader into steps. They
//! are guesses about docs written for people, so they are a small table you can read and
//! change, not code paths:
//!
//! - **manual exports** — `export AUTH_SERVER_ID='YOUR-AUTH-SERVER-ID'` after a request means
//!   "copy this value from a response above". The conversion finds which one by meaning (the
//!   variable's noun against each request's resource, the field by its last word and the
//!   response's shape, the prose naming a field); [`DEFAULT_CAPTURES`] holds what meaning
//!   alone cannot say (`ISSUER_URL` is the auth server's `.issuer`), and `--capture NAME=JQ`
//!   adds or replaces an entry. A placeholder docflow cannot bind is a warning that names the
//!   variable and this option.
//! - **secrets** — captured variables whose names say secret/token/password are redacted.
//! - **implied steps** — a heading such as "Access the Gateway service using the token" with
//!   no request under it is a request the reader makes anyway ([`IMPLIED_GATEWAY_CALL`]).
//! - **implied success** — a `curl` in a shell block states no status; it is expected to
//!   answer [`Inference::implied_status`].
//! - **enforcement probe** — after a doc enables an authentication plugin, the first gateway
//!   request waits (with retries) until an unauthenticated request is refused, because real
//!   Konnect takes seconds to push configuration to the data plane; before that, the route
//!   answers 200 to anyone and a broken plugin config would look fine.

/// A manual export's variable, and where its value is: which response, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureRule {
    /// Variable name (`AUTH_SERVER_ID`).
    pub variable: String,
    /// The resource whose response holds it (`auth-servers`), matched like the variable's own
    /// noun; `None` (a `--capture` rule): the variable's noun, else the last request.
    pub from: Option<String>,
    /// jq program over that step's response body (`.id`).
    pub jq: String,
    /// Whether the value is a secret (redacted everywhere).
    pub secret: bool,
}

/// The default capture rules, for what a variable's name alone does not say:
/// `(variable, resource, jq, secret)`. Ids (`AUTH_SERVER_ID`, `CONTROL_PLANE_ID`) need no
/// entry: their noun names the resource, and `_ID` is `.id` or `.data[0].id` by the
/// response's shape.
pub const DEFAULT_CAPTURES: &[(&str, &str, &str, bool)] = &[
    ("ISSUER_URL", "auth-servers", ".issuer", false),
    ("CLIENT_SECRET", "clients", ".client_secret", true),
    ("ACCESS_TOKEN", "token", ".access_token", true),
];

/// Headings (lowercase prefixes) that imply a gateway request when no request follows them.
pub const IMPLIED_GATEWAY_CALL: &[&str] = &["access the gateway service"];

/// Plugins that refuse unauthenticated requests once enforced (for the enforcement probe).
pub const AUTH_PLUGINS: &[&str] = &[
    "openid-connect",
    "key-auth",
    "key-auth-enc",
    "basic-auth",
    "jwt",
    "oauth2",
    "oauth2-introspection",
    "hmac-auth",
    "ldap-auth",
    "mtls-auth",
];

/// The conversion heuristics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inference {
    /// Manual export rules.
    pub captures: Vec<CaptureRule>,
    /// Lowercase heading prefixes that imply a gateway call.
    pub implied_gateway_call: Vec<String>,
    /// Status a request that states none must answer.
    pub implied_status: u16,
    /// Insert the enforcement probe before the first gateway request after an
    /// authentication plugin is enabled.
    pub probe_auth_plugins: bool,
}

impl Default for Inference {
    fn default() -> Self {
        Self {
            captures: DEFAULT_CAPTURES
                .iter()
                .map(|(variable, from, jq, secret)| CaptureRule {
                    variable: (*variable).to_owned(),
                    from: Some((*from).to_owned()),
                    jq: (*jq).to_owned(),
                    secret: *secret,
                })
                .collect(),
            implied_gateway_call: IMPLIED_GATEWAY_CALL
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            implied_status: 200,
            probe_auth_plugins: true,
        }
    }
}

impl Inference {
    /// The rule for a manual export of `variable`.
    pub fn capture_rule(&self, variable: &str) -> Option<&CaptureRule> {
        self.captures.iter().find(|r| r.variable == variable)
    }

    /// Adds or replaces a rule from `NAME=JQ` (`--capture PLUGIN_ID=.id`).
    pub fn add_capture(&mut self, spec: &str) -> Result<(), String> {
        let (name, jq) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}` is not `NAME=JQ` (for example `PLUGIN_ID=.id`)"))?;
        let name = name.trim();
        if !crate::scenario::template::is_var_name(name) {
            return Err(format!(
                "`{name}` is not a variable name (expected `[A-Z_][A-Z0-9_]*`)"
            ));
        }
        let jq = jq.trim();
        crate::jq::Program::compile(jq).map_err(|e| format!("jq `{jq}` for `{name}`: {e}"))?;
        let rule = CaptureRule {
            variable: name.to_owned(),
            from: None,
            jq: jq.to_owned(),
            secret: is_secret_name(name),
        };
        match self.captures.iter_mut().find(|r| r.variable == name) {
            Some(existing) => *existing = rule,
            None => self.captures.push(rule),
        }
        Ok(())
    }

    /// Whether a captured variable is a secret: by its rule, else by its name.
    pub fn is_secret(&self, variable: &str) -> bool {
        self.capture_rule(variable)
            .map_or_else(|| is_secret_name(variable), |r| r.secret)
    }

    /// Whether a heading implies a gateway call.
    pub fn implies_gateway_call(&self, heading: &str) -> bool {
        let heading = heading.trim().to_lowercase();
        self.implied_gateway_call
            .iter()
            .any(|p| heading.starts_with(p.as_str()))
    }
}

pub use crate::secret::is_secret_name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_table() {
        let inf = Inference::default();
        let get = |v: &str| inf.capture_rule(v).map(|r| (r.jq.as_str(), r.secret));
        assert_eq!(get("ISSUER_URL"), Some((".issuer", false)));
        assert_eq!(get("CLIENT_SECRET"), Some((".client_secret", true)));
        assert_eq!(get("ACCESS_TOKEN"), Some((".access_token", true)));
        // Ids are bound by meaning, not by the table.
        assert_eq!(get("CONTROL_PLANE_ID"), None);
        assert_eq!(get("PLUGIN_ID"), None);
        let from = |v: &str| inf.capture_rule(v).and_then(|r| r.from.as_deref());
        assert_eq!(from("ISSUER_URL"), Some("auth-servers"));
    }

    #[test]
    fn rules_can_be_added_and_replaced() {
        let mut inf = Inference::default();
        inf.add_capture("PLUGIN_ID=.id").unwrap();
        assert_eq!(inf.capture_rule("PLUGIN_ID").unwrap().jq, ".id");
        inf.add_capture("ISSUER_URL = .data[0].issuer").unwrap();
        let rule = inf.capture_rule("ISSUER_URL").unwrap();
        assert_eq!(
            (rule.jq.as_str(), rule.from.as_deref()),
            (".data[0].issuer", None)
        );
        assert!(inf.add_capture("lower=.x").is_err());
        assert!(inf.add_capture("NOEQUALS").is_err());
        assert!(inf.add_capture("X=.[").is_err());
        inf.add_capture("API_TOKEN=.t").unwrap();
        assert!(inf.is_secret("API_TOKEN"));
    }

    #[test]
    fn secrets_and_implied_headings() {
        let inf = Inference::default();
        assert!(inf.is_secret("CLIENT_SECRET"));
        assert!(inf.is_secret("MY_PASSWORD"));
        assert!(!inf.is_secret("CLIENT_ID"));
        assert!(!inf.is_secret("TOKENIZER_URL"));
        assert!(inf.is_secret("API_KEY"));
        assert!(inf.implies_gateway_call("Access the Gateway service using the token "));
        assert!(inf.implies_gateway_call("Access the Gateway Service"));
        assert!(!inf.implies_gateway_call("Generate a token for the client"));
    }
}
