//! [`VerifiedTokens`]: the tokens whose signature one key set has already verified, so a
//! client sending the same token again costs a lookup instead of an RSA verification (Envoy's
//! `jwt_authn` keeps such a cache too). It lives in its [`super::issuer::KeySet`]: refetched
//! keys are a new set with an empty cache, so a rotated-out key never vouches for a token.
//! Only the signature's verdict and the payload it covers are kept; `iss`, `exp`, `nbf`,
//! scopes and audiences are checked on every request.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

/// Tokens kept per key set; the cache is emptied past it (a bench sends a few, a scenario one).
const CAPACITY: usize = 1024;

/// Verified tokens and their claims. `Debug` prints only how many: tokens are secrets.
#[derive(Clone, Default)]
pub struct VerifiedTokens {
    tokens: Arc<Mutex<HashMap<String, Value>>>,
}

impl fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifiedTokens({})", self.len())
    }
}

impl VerifiedTokens {
    /// The claims of `token`, if this key set verified exactly this token before.
    pub fn get(&self, token: &str) -> Option<Value> {
        self.lock().get(token).cloned()
    }

    /// Remembers that `token`'s signature verified, with the claims it carries.
    pub fn insert(&self, token: &str, claims: &Value) {
        let mut tokens = self.lock();
        if tokens.len() >= CAPACITY {
            tokens.clear();
        }
        tokens.insert(token.to_owned(), claims.clone());
    }

    /// Tokens kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Value>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn remembers_exact_tokens_bounded_and_prints_none() {
        let verified = VerifiedTokens::default();
        assert!(verified.get("a.b.c").is_none());
        verified.insert("a.b.c", &json!({"sub": "x"}));
        assert_eq!(verified.get("a.b.c"), Some(json!({"sub": "x"})));
        assert!(
            verified.get("a.b.d").is_none(),
            "a changed token is verified again"
        );
        for i in 0..CAPACITY {
            verified.insert(&format!("t{i}"), &json!({}));
        }
        assert!(verified.len() <= CAPACITY);
        assert!(!format!("{verified:?}").contains("a.b.c"));
    }
}
