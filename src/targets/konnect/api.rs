//! [`KonnectApi`]: the few Konnect API calls the target itself makes (checking the quickstart
//! control plane, listing and deleting leftovers for `sweep`), with the token in the header
//! only and every list read to its last page.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::config::KonnectConfig;
use crate::http::{HttpClient, Prepared, Received};
use crate::secret::Secret;
use crate::targets::error::{TargetCode, TargetError};

/// Most pages read from one list, so a misbehaving server cannot loop us forever.
const MAX_PAGES: usize = 200;
/// Page size of the platform (`/v1`, `/v2/control-planes`) lists.
const PAGE_SIZE: usize = 100;
/// Page size of the core-entities lists (their maximum is 1000).
const CORE_PAGE_SIZE: usize = 1000;

/// An authenticated client for one organization.
#[derive(Debug, Clone)]
pub struct KonnectApi {
    http: HttpClient,
    base: String,
    token: Secret,
}

impl KonnectApi {
    /// A client for the organization of `config`'s token.
    pub fn new(config: &KonnectConfig) -> Result<Self, TargetError> {
        let http = HttpClient::new(config.timeout, config.retry)
            .map_err(|e| TargetError::new(TargetCode::Http, e.message))?;
        Ok(Self {
            http,
            base: config.api_url.clone(),
            token: config.token.clone(),
        })
    }

    /// The API base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send(&self, method: &str, path: &str) -> Result<Received, TargetError> {
        let request = Prepared {
            method: method.to_owned(),
            url: format!("{}{path}", self.base),
            headers: vec![
                (
                    "Authorization".to_owned(),
                    format!("Bearer {}", self.token.expose()),
                ),
                ("Accept".to_owned(), "application/json".to_owned()),
            ],
            body: None,
        };
        self.http.send(&request).await.map_err(|e| {
            TargetError::new(
                TargetCode::Http,
                format!(
                    "{method} {}{path}: {} (after {} attempts)",
                    self.base, e.message, e.attempts
                ),
            )
        })
    }

    /// `GET path` (with its query), expecting a 2xx JSON answer.
    pub async fn get(&self, path: &str) -> Result<Value, TargetError> {
        let received = self.send("GET", path).await?;
        expect_success("GET", &self.base, path, &received)?;
        Ok(received.json())
    }

    /// `DELETE path`; a 404 counts as done (the thing is gone either way).
    pub async fn delete(&self, path: &str) -> Result<u16, TargetError> {
        let received = self.send("DELETE", path).await?;
        if received.status == 404 {
            return Ok(404);
        }
        expect_success("DELETE", &self.base, path, &received)?;
        Ok(received.status)
    }

    /// Every item of a platform list (`{data, meta: {page: {total}}}`), page by page.
    pub async fn list_all(&self, path: &str) -> Result<Vec<Value>, TargetError> {
        let join = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        for number in 1..=MAX_PAGES {
            let page = self
                .get(&format!(
                    "{path}{join}page%5Bsize%5D={PAGE_SIZE}&page%5Bnumber%5D={number}"
                ))
                .await?;
            let data = page["data"].as_array().cloned().unwrap_or_default();
            let count = data.len();
            items.extend(data);
            let total = page["meta"]["page"]["total"].as_u64();
            let done = count < PAGE_SIZE || total.is_some_and(|t| items.len() as u64 >= t);
            if done {
                break;
            }
        }
        Ok(items)
    }

    /// Every item of a core-entities list (`{data, offset}`), following `offset`.
    pub async fn list_core(&self, path: &str) -> Result<Vec<Value>, TargetError> {
        let join = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut offset: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = format!("{path}{join}size={CORE_PAGE_SIZE}");
            if let Some(o) = &offset {
                url.push_str(&format!("&offset={}", encode(o)));
            }
            let page = self.get(&url).await?;
            items.extend(page["data"].as_array().cloned().unwrap_or_default());
            offset = page["offset"]
                .as_str()
                .filter(|o| !o.is_empty())
                .map(str::to_owned);
            if offset.is_none() {
                break;
            }
        }
        Ok(items)
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

fn expect_success(
    method: &str,
    base: &str,
    path: &str,
    received: &Received,
) -> Result<(), TargetError> {
    if (200..300).contains(&received.status) {
        return Ok(());
    }
    let code = match received.status {
        401 => TargetCode::Unauthorized,
        403 => TargetCode::Forbidden,
        _ => TargetCode::Api,
    };
    let hint = match received.status {
        401 => ": `KONNECT_TOKEN` was refused (expired, revoked, or for another region?)",
        403 => ": the token lacks the permission",
        _ => "",
    };
    let body = received.json();
    let detail = body["detail"]
        .as_str()
        .or_else(|| body["message"].as_str())
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    Err(TargetError::new(
        code,
        format!(
            "{method} {base}{path} answered {}{detail}{hint}",
            received.status
        ),
    ))
}
