//! [`Service`]: the Gateway Service entity (`/core-entities/services`).

use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;

use super::admin_error::AdminError;
use super::fields::{Fields, PROTOCOLS};

const KNOWN: &[&str] = &[
    "id",
    "name",
    "url",
    "protocol",
    "host",
    "port",
    "path",
    "retries",
    "connect_timeout",
    "write_timeout",
    "read_timeout",
    "tags",
    "enabled",
    "tls_verify",
    "tls_verify_depth",
    "ca_certificates",
    "client_certificate",
    "tls_sans",
    "created_at",
    "updated_at",
];

const TIMEOUT_MAX: i64 = 2_147_483_646;

/// A Gateway Service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// UUID.
    pub id: Uuid,
    /// Unique name.
    pub name: Option<String>,
    /// Upstream protocol (`http`).
    pub protocol: String,
    /// Upstream host.
    pub host: String,
    /// Upstream port.
    pub port: u16,
    /// Upstream path prefix.
    pub path: Option<String>,
    /// Retries on failure.
    pub retries: i64,
    /// Timeouts in milliseconds: connect, write, read.
    pub timeouts: [i64; 3],
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// `false` makes its routes behave as absent.
    pub enabled: bool,
    /// TLS settings, stored as given.
    pub tls: [Value; 5],
    /// Unix epoch seconds.
    pub created_at: i64,
    /// Unix epoch seconds.
    pub updated_at: i64,
}

/// The parts of a `url` shorthand.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UrlParts {
    protocol: String,
    host: String,
    port: u16,
    path: Option<String>,
}

/// Expands `http://host:port/path` the way Kong's `url` shorthand does: the port defaults
/// to 80 (443 for `https`), and an absent path stays `null`.
fn expand_url(raw: &str) -> Result<UrlParts, String> {
    let url = Url::parse(raw).map_err(|_| "missing host in url".to_owned())?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "missing host in url".to_owned())?;
    let protocol = url.scheme().to_owned();
    if !PROTOCOLS.contains(&protocol.as_str()) {
        return Err(format!("expected one of: {}", PROTOCOLS.join(", ")));
    }
    let default_port = match protocol.as_str() {
        "https" | "grpcs" | "wss" | "tls" => 443,
        _ => 80,
    };
    // `Url` normalises an absent path to `/`; Kong keeps it absent, so look at the input.
    let after_scheme = raw.split_once("://").map_or("", |(_, rest)| rest);
    let has_path = after_scheme.contains('/');
    Ok(UrlParts {
        protocol,
        host: host.to_owned(),
        port: url.port().unwrap_or(default_port),
        path: has_path.then(|| url.path().to_owned()),
    })
}

impl Service {
    /// Validates a request body. `existing` is the entity a PUT replaces (its `created_at`
    /// is kept).
    pub fn parse(
        body: &Value,
        id: Option<Uuid>,
        existing: Option<&Service>,
        now: i64,
    ) -> Result<Self, AdminError> {
        let mut f = Fields::new(body, KNOWN)?;
        let given_id = f.uuid("id");
        let name = f.name("name");
        let url = f.string("url");
        let mut protocol = f.one_of("protocol", "http", PROTOCOLS);
        let mut host = f.string("host");
        let mut port = f.integer("port", 80, 0, 65535);
        let mut path = f.string("path");
        if let Some(url) = url {
            match expand_url(&url) {
                Ok(parts) => {
                    protocol = parts.protocol;
                    host = Some(parts.host);
                    port = i64::from(parts.port);
                    path = parts.path;
                }
                Err(message) => f.error("url", message),
            }
        }
        if let Some(p) = &path
            && !p.starts_with('/')
        {
            f.error("path", "should start with: /");
        }
        if host.is_none() && !f.has_error("url") && !f.has_error("host") {
            f.error("host", "required field missing");
        }
        let retries = f.integer("retries", 5, 0, 32767);
        let timeouts = [
            f.integer("connect_timeout", 60000, 1, TIMEOUT_MAX),
            f.integer("write_timeout", 60000, 1, TIMEOUT_MAX),
            f.integer("read_timeout", 60000, 1, TIMEOUT_MAX),
        ];
        let tags = f.strings("tags");
        let enabled = f.boolean("enabled", true);
        let tls = [
            f.optional_boolean("tls_verify")
                .map_or(Value::Null, Value::Bool),
            f.optional_integer("tls_verify_depth", 0, 64)
                .map_or(Value::Null, Value::from),
            f.strings("ca_certificates")
                .map_or(Value::Null, |v| json!(v)),
            f.object("client_certificate")
                .map_or(Value::Null, Value::Object),
            f.object("tls_sans").map_or(Value::Null, Value::Object),
        ];
        f.finish()?;
        Ok(Self {
            id: id.or(given_id).unwrap_or_else(Uuid::new_v4),
            name,
            protocol,
            host: host.unwrap_or_default(),
            port: u16::try_from(port).unwrap_or(80),
            path,
            retries,
            timeouts,
            tags,
            enabled,
            tls,
            created_at: existing.map_or(now, |e| e.created_at),
            updated_at: now,
        })
    }

    /// The entity as the API returns it.
    pub fn to_json(&self) -> Value {
        let [
            tls_verify,
            tls_verify_depth,
            ca_certificates,
            client_certificate,
            tls_sans,
        ] = self.tls.clone();
        json!({
            "id": self.id,
            "name": self.name,
            "protocol": self.protocol,
            "host": self.host,
            "port": self.port,
            "path": self.path,
            "retries": self.retries,
            "connect_timeout": self.timeouts[0],
            "write_timeout": self.timeouts[1],
            "read_timeout": self.timeouts[2],
            "tags": self.tags,
            "enabled": self.enabled,
            "tls_verify": tls_verify,
            "tls_verify_depth": tls_verify_depth,
            "ca_certificates": ca_certificates,
            "client_certificate": client_certificate,
            "tls_sans": tls_sans,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_shorthand_expands_like_kong() {
        let body = json!({"name": "example-service", "url": "http://httpbin.konghq.com/anything"});
        let s = Service::parse(&body, None, None, 1).unwrap();
        assert_eq!(s.protocol, "http");
        assert_eq!(s.host, "httpbin.konghq.com");
        assert_eq!(s.port, 80);
        assert_eq!(s.path.as_deref(), Some("/anything"));
        let json = s.to_json();
        assert!(json.get("url").is_none(), "url is write-only");
        assert_eq!(json["created_at"], 1);
    }

    #[test]
    fn url_without_path_keeps_path_null_and_https_port() {
        let parts = expand_url("https://example.com").unwrap();
        assert_eq!(parts.port, 443);
        assert_eq!(parts.path, None);
        assert_eq!(
            expand_url("http://h:8080/").unwrap().path.as_deref(),
            Some("/")
        );
    }

    #[test]
    fn explicit_fields_and_errors() {
        let ok = json!({"host": "example.com", "port": 8080, "path": "/x", "protocol": "https"});
        let s = Service::parse(&ok, None, None, 1).unwrap();
        assert_eq!((s.port, s.protocol.as_str()), (8080, "https"));
        let bad = json!({"path": "x", "protocol": "ftp"});
        let Err(AdminError::Schema(errors)) = Service::parse(&bad, None, None, 1) else {
            panic!("expected a schema violation");
        };
        assert_eq!(errors["host"], "required field missing");
        assert_eq!(errors["path"], "should start with: /");
        assert!(
            errors["protocol"]
                .as_str()
                .unwrap()
                .starts_with("expected one of")
        );
    }
}
