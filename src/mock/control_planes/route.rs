//! [`Route`]: the Route entity (`/core-entities/routes`), in Kong's traditional (JSON) form.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::admin_error::AdminError;
use super::core_config::{CoreConfig, Reference};
use super::fields::{Fields, PROTOCOLS};

const KNOWN: &[&str] = &[
    "id",
    "name",
    "protocols",
    "methods",
    "hosts",
    "paths",
    "headers",
    "https_redirect_status_code",
    "regex_priority",
    "strip_path",
    "path_handling",
    "preserve_host",
    "request_buffering",
    "response_buffering",
    "snis",
    "sources",
    "destinations",
    "tags",
    "service",
    "created_at",
    "updated_at",
];

/// A Route.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// UUID.
    pub id: Uuid,
    /// Unique name.
    pub name: Option<String>,
    /// Accepted protocols (default `["http", "https"]`, as Kong's Admin API sets it).
    pub protocols: Vec<String>,
    /// HTTP methods to match (uppercase).
    pub methods: Option<Vec<String>>,
    /// Hosts to match (`*.example.com` and `example.*` wildcards).
    pub hosts: Option<Vec<String>>,
    /// Paths to match: plain prefixes, or `~`-prefixed regexes.
    pub paths: Option<Vec<String>>,
    /// Header values to match, by lowercased name.
    pub headers: Option<Map<String, Value>>,
    /// `426` by default.
    pub https_redirect_status_code: i64,
    /// Priority among regex routes.
    pub regex_priority: i64,
    /// Strip the matched path prefix before proxying (default `true`).
    pub strip_path: bool,
    /// `v0` (default) or `v1`.
    pub path_handling: String,
    /// Forward the client's `Host` instead of the service's.
    pub preserve_host: bool,
    /// Stored as given: `request_buffering`, `response_buffering`, `snis`, `sources`,
    /// `destinations`.
    pub extra: [Value; 5],
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// The service it proxies to.
    pub service: Option<Uuid>,
    /// Unix epoch seconds.
    pub created_at: i64,
    /// Unix epoch seconds.
    pub updated_at: i64,
}

/// `methods`: upper-case names.
fn methods(f: &mut Fields<'_>) -> Option<Vec<String>> {
    let methods = f.strings("methods");
    if let Some(bad) = methods
        .iter()
        .flatten()
        .find(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()))
    {
        f.error("methods", json!([format!("invalid value: {bad}")]));
    }
    methods
}

/// `paths`: fixed (`/…`) or regex (`~/…`).
fn paths(f: &mut Fields<'_>) -> Option<Vec<String>> {
    let paths = f.strings("paths");
    if paths
        .iter()
        .flatten()
        .any(|p| !(p.starts_with('/') || p.starts_with("~/")))
    {
        f.error(
            "paths",
            json!(["should start with: / (fixed path) or ~/ (regex path)"]),
        );
    }
    paths
}

/// `https_redirect_status_code`: one of Kong's five, 426 by default.
fn redirect_status(f: &mut Fields<'_>) -> i64 {
    match f.optional_integer("https_redirect_status_code", 0, 999) {
        Some(code) if ![301, 302, 307, 308, 426].contains(&code) => {
            f.error(
                "https_redirect_status_code",
                "expected one of: 426, 301, 302, 307, 308",
            );
            426
        }
        Some(code) => code,
        None => 426,
    }
}

/// Kong's entity check: an HTTP or gRPC route needs something to match on.
fn require_matcher(f: &mut Fields<'_>, protocols: &[String], has_matcher: bool) {
    let http_like = protocols
        .iter()
        .any(|p| matches!(p.as_str(), "http" | "https" | "grpc" | "grpcs"));
    if http_like && !has_matcher && !f.has_error("protocols") {
        f.error(
            "@entity",
            json!([format!(
                "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is '{}'",
                protocols.join("', '")
            )]),
        );
    }
}

impl Route {
    /// Validates a request body against `config` (for the service reference). `service` is
    /// set by the `/services/{id}/routes` variant of the endpoint.
    pub fn parse(
        body: &Value,
        id: Option<Uuid>,
        existing: Option<&Route>,
        now: i64,
        config: &CoreConfig,
        service: Option<Uuid>,
    ) -> Result<Self, AdminError> {
        let mut f = Fields::new(body, KNOWN)?;
        let given_id = f.uuid("id");
        let name = f.name("name");
        let protocols = f
            .set_of("protocols", PROTOCOLS)
            .unwrap_or_else(|| vec!["http".into(), "https".into()]);
        let methods = methods(&mut f);
        let hosts = f.strings("hosts");
        let paths = paths(&mut f);
        let headers = f.object("headers");
        let https_redirect_status_code = redirect_status(&mut f);
        let regex_priority = f.integer("regex_priority", 0, i64::MIN, i64::MAX);
        let strip_path = f.boolean("strip_path", true);
        let path_handling = f.one_of("path_handling", "v0", &["v0", "v1"]);
        let preserve_host = f.boolean("preserve_host", false);
        let extra = [
            Value::Bool(f.boolean("request_buffering", true)),
            Value::Bool(f.boolean("response_buffering", true)),
            f.any("snis").unwrap_or(Value::Null),
            f.any("sources").unwrap_or(Value::Null),
            f.any("destinations").unwrap_or(Value::Null),
        ];
        let tags = f.strings("tags");
        let reference = Reference::read(&mut f, "service", "name");
        let has_matcher = [
            methods.is_some(),
            hosts.is_some(),
            paths.is_some(),
            headers.is_some(),
        ]
        .iter()
        .any(|b| *b);
        require_matcher(&mut f, &protocols, has_matcher);
        f.finish()?;
        let service = match (service, reference) {
            (Some(id), _) => Some(id),
            (None, Some(reference)) => Some(config.resolve_service("service", &reference)?),
            (None, None) => None,
        };
        Ok(Self {
            id: id.or(given_id).unwrap_or_else(Uuid::new_v4),
            name,
            protocols,
            methods,
            hosts,
            paths,
            headers,
            https_redirect_status_code,
            regex_priority,
            strip_path,
            path_handling,
            preserve_host,
            extra,
            tags,
            service,
            created_at: existing.map_or(now, |e| e.created_at),
            updated_at: now,
        })
    }

    /// The entity as the API returns it.
    pub fn to_json(&self) -> Value {
        let [
            request_buffering,
            response_buffering,
            snis,
            sources,
            destinations,
        ] = self.extra.clone();
        json!({
            "id": self.id,
            "name": self.name,
            "protocols": self.protocols,
            "methods": self.methods,
            "hosts": self.hosts,
            "paths": self.paths,
            "headers": self.headers,
            "https_redirect_status_code": self.https_redirect_status_code,
            "regex_priority": self.regex_priority,
            "strip_path": self.strip_path,
            "path_handling": self.path_handling,
            "preserve_host": self.preserve_host,
            "request_buffering": request_buffering,
            "response_buffering": response_buffering,
            "snis": snis,
            "sources": sources,
            "destinations": destinations,
            "tags": self.tags,
            "service": self.service.map(|id| json!({"id": id})),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::service::Service;

    fn config_with_service() -> CoreConfig {
        let body = json!({"name": "example-service", "url": "http://httpbin.konghq.com/anything"});
        CoreConfig {
            services: vec![Service::parse(&body, None, None, 1).unwrap()],
            ..CoreConfig::default()
        }
    }

    #[test]
    fn example_route_gets_kong_defaults_and_a_resolved_service() {
        let config = config_with_service();
        let body = json!({"name": "example-route", "paths": ["/anything"],
                          "service": {"name": "example-service"}});
        let route = Route::parse(&body, None, None, 2, &config, None).unwrap();
        assert!(route.strip_path);
        assert_eq!(route.protocols, ["http", "https"]);
        assert_eq!(route.service, Some(config.services[0].id));
        let json = route.to_json();
        assert_eq!(json["service"]["id"], config.services[0].id.to_string());
        assert_eq!(json["path_handling"], "v0");
    }

    #[test]
    fn missing_service_and_bad_fields_are_rejected() {
        let config = CoreConfig::default();
        let body = json!({"paths": ["/a"], "service": {"name": "nope"}});
        let error = Route::parse(&body, None, None, 1, &config, None).unwrap_err();
        assert!(matches!(error, AdminError::ForeignKey { .. }));
        let body = json!({"paths": ["a"], "methods": ["get"]});
        let Err(AdminError::Schema(errors)) = Route::parse(&body, None, None, 1, &config, None)
        else {
            panic!("expected a schema violation");
        };
        assert!(errors.contains_key("paths") && errors.contains_key("methods"));
    }

    #[test]
    fn a_route_needs_a_matcher() {
        let body = json!({"name": "r"});
        let error = Route::parse(&body, None, None, 1, &CoreConfig::default(), None).unwrap_err();
        assert!(
            error.body()["message"]
                .as_str()
                .unwrap()
                .contains("must set one of")
        );
    }
}
