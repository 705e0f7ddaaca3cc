//! The Kong Gateway version the mock emulates ([`GATEWAY_VERSION`]) and the plugins that version
//! ships ([`PLUGINS`]), which the control plane accepts as valid configuration.
//!
//! [`PLUGINS`] is the list of Kong's 3.15 plugin schemas (`app/_schemas/gateway/plugins/3.15/`,
//! one file per plugin, named in CamelCase); the integration test `mock_plugins` checks the
//! two agree, so a schema added or removed upstream fails the build's tests.

/// The Kong Gateway version the data plane emulates (major.minor), for plugin schemas and
/// `min_version` checks.
pub const GATEWAY_VERSION: &str = "3.15";

/// Every plugin name of Kong Gateway {GATEWAY_VERSION}, sorted.
pub const PLUGINS: &[&str] = &[
    "ace",
    "acl",
    "acme",
    "ai-a2a-proxy",
    "ai-aws-guardrails",
    "ai-azure-content-safety",
    "ai-custom-guardrail",
    "ai-gcp-model-armor",
    "ai-lakera-guard",
    "ai-llm-as-judge",
    "ai-mcp-oauth2",
    "ai-mcp-proxy",
    "ai-prompt-compressor",
    "ai-prompt-decorator",
    "ai-prompt-guard",
    "ai-prompt-template",
    "ai-proxy",
    "ai-proxy-advanced",
    "ai-rag-injector",
    "ai-rate-limiting-advanced",
    "ai-request-transformer",
    "ai-response-transformer",
    "ai-sanitizer",
    "ai-semantic-cache",
    "ai-semantic-prompt-guard",
    "ai-semantic-response-guard",
    "app-dynamics",
    "aws-lambda",
    "azure-functions",
    "basic-auth",
    "bot-detection",
    "canary",
    "confluent",
    "confluent-consume",
    "correlation-id",
    "cors",
    "datadog",
    "datakit",
    "degraphql",
    "exit-transformer",
    "file-log",
    "forward-proxy",
    "graphql-proxy-cache-advanced",
    "graphql-rate-limiting-advanced",
    "grpc-gateway",
    "grpc-web",
    "header-cert-auth",
    "hmac-auth",
    "http-log",
    "injection-protection",
    "ip-restriction",
    "jq",
    "json-threat-protection",
    "jwe-decrypt",
    "jwt",
    "jwt-signer",
    "kafka-consume",
    "kafka-log",
    "kafka-upstream",
    "key-auth",
    "key-auth-enc",
    "konnect-application-auth",
    "ldap-auth",
    "ldap-auth-advanced",
    "loggly",
    "metering-and-billing",
    "mocking",
    "mtls-auth",
    "oas-validation",
    "oauth2",
    "oauth2-introspection",
    "opa",
    "openid-connect",
    "opentelemetry",
    "post-function",
    "pre-function",
    "prometheus",
    "proxy-cache",
    "proxy-cache-advanced",
    "rate-limiting",
    "rate-limiting-advanced",
    "redirect",
    "request-callout",
    "request-size-limiting",
    "request-termination",
    "request-transformer",
    "request-transformer-advanced",
    "request-validator",
    "response-ratelimiting",
    "response-transformer",
    "response-transformer-advanced",
    "route-by-header",
    "route-transformer-advanced",
    "saml",
    "service-protection",
    "session",
    "solace-consume",
    "solace-log",
    "solace-upstream",
    "standard-webhooks",
    "statsd",
    "statsd-advanced",
    "syslog",
    "tcp-log",
    "tls-handshake-modifier",
    "tls-metadata-headers",
    "udp-log",
    "upstream-oauth",
    "upstream-timeout",
    "vault-auth",
    "websocket-size-limit",
    "websocket-validator",
    "xml-threat-protection",
    "zipkin",
];

/// Whether `name` is a plugin of the emulated Gateway version.
pub fn is_known(name: &str) -> bool {
    PLUGINS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_so_lookups_work() {
        assert!(PLUGINS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_known("oauth2-introspection"));
        assert!(is_known("upstream-oauth"));
        assert!(!is_known("no-such-plugin"));
    }
}
