//! [`Consumer`]: the Consumer entity (`/core-entities/consumers`).

use serde_json::{Value, json};
use uuid::Uuid;

use super::admin_error::AdminError;
use super::fields::Fields;

const KNOWN: &[&str] = &[
    "id",
    "username",
    "custom_id",
    "tags",
    "created_at",
    "updated_at",
];

/// A Consumer.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumer {
    /// UUID.
    pub id: Uuid,
    /// Unique username.
    pub username: Option<String>,
    /// Unique custom id.
    pub custom_id: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Unix epoch seconds.
    pub created_at: i64,
    /// Unix epoch seconds.
    pub updated_at: i64,
}

impl Consumer {
    /// Validates a request body: `username` or `custom_id` is required.
    pub fn parse(
        body: &Value,
        id: Option<Uuid>,
        existing: Option<&Consumer>,
        now: i64,
    ) -> Result<Self, AdminError> {
        let mut f = Fields::new(body, KNOWN)?;
        let given_id = f.uuid("id");
        let username = f.string("username");
        let custom_id = f.string("custom_id");
        let tags = f.strings("tags");
        let blank = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
        if blank(&username)
            && blank(&custom_id)
            && !f.has_error("username")
            && !f.has_error("custom_id")
        {
            f.error(
                "@entity",
                json!(["at least one of these fields must be non-empty: 'custom_id', 'username'"]),
            );
        }
        f.finish()?;
        Ok(Self {
            id: id.or(given_id).unwrap_or_else(Uuid::new_v4),
            username,
            custom_id,
            tags,
            created_at: existing.map_or(now, |e| e.created_at),
            updated_at: now,
        })
    }

    /// The entity as the API returns it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "username": self.username,
            "custom_id": self.custom_id,
            "tags": self.tags,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_username_or_custom_id() {
        assert!(Consumer::parse(&json!({"tags": ["a"]}), None, None, 1).is_err());
        let c = Consumer::parse(&json!({"custom_id": "abc"}), None, None, 1).unwrap();
        assert_eq!(c.to_json()["username"], Value::Null);
        assert_eq!(c.to_json()["custom_id"], "abc");
    }
}
