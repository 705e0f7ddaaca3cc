//! [`GatewayCache`]: what the data plane keeps between requests: each issuer's discovery
//! document and parsed keys ([`IssuerEntry`]), tokens from the token endpoint,
//! introspection results, and Kong Identity principal lookups. Bounded; secrets are kept as [`Secret`] and never printed.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use serde_json::Value;

use super::oidc::issuer::{Discovery, KeySet};
use crate::mock::principals::Lookup;
use crate::secret::Secret;

/// The most tokens or introspection results kept; the cache is emptied past it.
const CAPACITY: usize = 10_000;

/// One issuer: its discovery document and current keys.
#[derive(Debug)]
pub struct IssuerEntry {
    /// The discovery document.
    pub discovery: Discovery,
    keys: RwLock<Arc<KeySet>>,
    refresh: tokio::sync::Mutex<()>,
}

impl IssuerEntry {
    /// The current keys.
    pub fn keys(&self) -> Arc<KeySet> {
        self.keys
            .read()
            .map(|k| k.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Replaces the keys; returns the new set.
    pub fn set_keys(&self, keys: KeySet) -> Arc<KeySet> {
        let keys = Arc::new(keys);
        match self.keys.write() {
            Ok(mut k) => *k = keys.clone(),
            Err(e) => *e.into_inner() = keys.clone(),
        }
        keys
    }

    /// Serialises JWKS refreshes of this issuer.
    pub async fn refresh_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.refresh.lock().await
    }
}

/// The gateway's caches.
#[derive(Default)]
pub struct GatewayCache {
    issuers: Mutex<HashMap<String, Arc<IssuerEntry>>>,
    /// One lock per discovery URL (see [`GatewayCache::discovery_lock`]).
    discovery_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    tokens: Mutex<HashMap<u64, (Secret, Instant)>>,
    introspections: Mutex<HashMap<u64, (Value, Instant)>>,
    principals: Mutex<HashMap<u64, (Lookup, Instant)>>,
    keyer: RandomState,
}

impl fmt::Debug for GatewayCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayCache")
            .field("issuers", &self.issuers.lock().map_or(0, |m| m.len()))
            .field("tokens", &self.tokens.lock().map_or(0, |m| m.len()))
            .field(
                "introspections",
                &self.introspections.lock().map_or(0, |m| m.len()),
            )
            .finish()
    }
}

fn bounded_insert<V>(map: &Mutex<HashMap<u64, V>>, key: u64, value: V) {
    if let Ok(mut m) = map.lock() {
        if m.len() >= CAPACITY {
            m.clear();
        }
        m.insert(key, value);
    }
}

impl GatewayCache {
    /// The cached issuer for a discovery URL.
    pub fn issuer(&self, discovery_url: &str) -> Option<Arc<IssuerEntry>> {
        self.issuers.lock().ok()?.get(discovery_url).cloned()
    }

    /// The lock serialising discovery fetches of one issuer, so concurrent first requests
    /// fetch once while other issuers proceed. Locks nobody holds are dropped past
    /// `CAPACITY` issuers.
    pub fn discovery_lock(&self, discovery_url: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .discovery_locks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if locks.len() >= CAPACITY {
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        locks.entry(discovery_url.to_owned()).or_default().clone()
    }

    /// Caches an issuer.
    pub fn insert_issuer(
        &self,
        discovery_url: String,
        discovery: Discovery,
        keys: KeySet,
    ) -> Arc<IssuerEntry> {
        let entry = Arc::new(IssuerEntry {
            discovery,
            keys: RwLock::new(Arc::new(keys)),
            refresh: tokio::sync::Mutex::new(()),
        });
        if let Ok(mut issuers) = self.issuers.lock() {
            issuers.insert(discovery_url, entry.clone());
        }
        entry
    }

    /// A cache key from parts that may include secrets (only their hash is kept).
    pub fn key(&self, parts: impl Hash) -> u64 {
        self.keyer.hash_one(parts)
    }

    /// A cached token that is still valid.
    pub fn token(&self, key: u64) -> Option<Secret> {
        let tokens = self.tokens.lock().ok()?;
        let (token, until) = tokens.get(&key)?;
        (Instant::now() < *until).then(|| token.clone())
    }

    /// Caches a token until `until`.
    pub fn put_token(&self, key: u64, token: Secret, until: Instant) {
        bounded_insert(&self.tokens, key, (token, until));
    }

    /// Forgets a cached token (it failed verification).
    pub fn drop_token(&self, key: u64) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.remove(&key);
        }
    }

    /// A cached introspection result that is still valid.
    pub fn introspection(&self, key: u64) -> Option<Value> {
        let results = self.introspections.lock().ok()?;
        let (value, until) = results.get(&key)?;
        (Instant::now() < *until).then(|| value.clone())
    }

    /// Caches an introspection result until `until`.
    pub fn put_introspection(&self, key: u64, value: Value, until: Instant) {
        bounded_insert(&self.introspections, key, (value, until));
    }

    /// A cached principal lookup (found or missing) that is still valid.
    pub fn principal(&self, key: u64) -> Option<Lookup> {
        let lookups = self.principals.lock().ok()?;
        let (lookup, until) = lookups.get(&key)?;
        (Instant::now() < *until).then(|| lookup.clone())
    }

    /// Caches a principal lookup until `until`.
    pub fn put_principal(&self, key: u64, lookup: Lookup, until: Instant) {
        bounded_insert(&self.principals, key, (lookup, until));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tokens_expire_and_debug_hides_them() {
        let cache = GatewayCache::default();
        let key = cache.key(("issuer", "client", "secret"));
        assert_ne!(key, cache.key(("issuer", "client", "other")));
        cache.put_token(
            key,
            Secret::new("$T", "s3cr3t-token"),
            Instant::now() + Duration::from_secs(60),
        );
        assert_eq!(cache.token(key).unwrap().expose(), "s3cr3t-token");
        cache.put_token(key, Secret::new("$T", "old"), Instant::now());
        assert!(cache.token(key).is_none());
        assert!(!format!("{cache:?}").contains("s3cr3t"));
    }
}
