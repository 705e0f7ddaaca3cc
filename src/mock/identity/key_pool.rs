//! [`KeyPool`]: RSA signing keys generated ahead on a background thread, so creating an auth
//! server takes a ready key instead of spending tens of milliseconds generating one.
//!
//! Every key is handed out once: each auth server still gets its own key pair and `kid`. The
//! refill thread starts on first use, keeps `target` keys ready and sleeps while the pool is
//! full, so it never runs on a request's path. When the pool is empty (a burst of creates),
//! the caller generates its key itself, on a blocking thread. [`KeyPool::seed`] lets a test
//! target ask for a larger pool before its scenarios start, and [`KeyPool::add_bundled`] lets
//! the in-process mock hand out the bundled test keys first ([`super::bundled_keys`]): a fresh
//! process then creates its first auth servers without waiting for a generation.

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;

use super::bundled_keys;
use super::signing_key::SigningKey;

/// Keys kept ready by default: a scenario creates one or two auth servers, and a few
/// scenarios run at once.
pub const DEFAULT_SIZE: usize = 4;

/// Upper bound on [`KeyPool::seed`], so a typo cannot pin gigabytes of keys.
pub const MAX_SIZE: usize = 256;

/// A pool of ready signing keys with a background refill.
#[derive(Debug)]
pub struct KeyPool {
    state: Mutex<PoolState>,
    wake_refill: Condvar,
}

#[derive(Debug, Default)]
struct PoolState {
    ready: Vec<SigningKey>,
    /// Bundled keys not yet handed out, still encoded: they count as ready.
    bundled: Vec<&'static str>,
    /// Whether the bundled keys were added: each is handed out once per pool.
    bundled_added: bool,
    target: usize,
    refill_started: bool,
    /// The last generation failure, so a broken generator is not retried in a hot loop.
    failed: bool,
}

impl KeyPool {
    /// An empty pool that keeps `target` keys ready once started.
    pub fn new(target: usize) -> Self {
        Self {
            state: Mutex::new(PoolState {
                target: target.min(MAX_SIZE),
                ..PoolState::default()
            }),
            wake_refill: Condvar::new(),
        }
    }

    /// The process-wide pool every mock in the process takes its keys from.
    pub fn global() -> &'static KeyPool {
        static POOL: OnceLock<KeyPool> = OnceLock::new();
        POOL.get_or_init(|| KeyPool::new(DEFAULT_SIZE))
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A panic while holding the lock leaves a consistent `Vec`; keep serving.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the refill (once) and raises the number of keys kept ready to at least `keys`
    /// (at most [`MAX_SIZE`]).
    pub fn seed(&'static self, keys: usize) {
        let mut state = self.lock();
        state.target = state.target.max(keys.min(MAX_SIZE));
        self.start_refill(&mut state);
        self.wake_refill.notify_one();
    }

    /// Hands out the bundled test keys before any generated one (once per process; a second
    /// call adds nothing). Only for a mock nobody else can reach: the keys are public.
    pub fn add_bundled(&self) {
        let mut state = self.lock();
        if !state.bundled_added {
            state.bundled_added = true;
            state.bundled = bundled_keys::encoded();
        }
    }

    /// A ready key, if one is; starts the refill and wakes it to replace the key taken.
    pub fn try_take(&'static self) -> Option<SigningKey> {
        let (key, bundled) = {
            let mut state = self.lock();
            self.start_refill(&mut state);
            let key = state.ready.pop();
            let bundled = if key.is_none() {
                state.bundled.pop()
            } else {
                None
            };
            // Only a short pool needs the refill: waking it for nothing cost a thread switch
            // per auth server.
            if state.ready.len() + state.bundled.len() < state.target {
                self.wake_refill.notify_one();
            }
            (key, bundled)
        };
        // Parsed outside the lock; a bundled key that does not parse (never, the file is
        // tested) falls back to the pool's other sources.
        key.or_else(|| bundled.and_then(|encoded| bundled_keys::parse(encoded).ok()))
    }

    /// A ready key, or one generated now when the pool is empty. May block for a key
    /// generation: call it from `spawn_blocking` unless [`KeyPool::try_take`] returned `None`
    /// only moments ago.
    pub fn take(&'static self) -> Result<SigningKey, String> {
        match self.try_take() {
            Some(key) => Ok(key),
            None => SigningKey::generate(),
        }
    }

    /// Keys ready now, bundled ones included.
    pub fn ready(&self) -> usize {
        let state = self.lock();
        state.ready.len() + state.bundled.len()
    }

    fn start_refill(&'static self, state: &mut PoolState) {
        if state.refill_started {
            return;
        }
        let spawned = thread::Builder::new()
            .name("docflow-keygen".to_owned())
            .spawn(move || self.refill());
        // Without a thread every key is generated by its caller: slower, never wrong.
        state.refill_started = spawned.is_ok();
    }

    /// The refill loop: generate outside the lock while the pool is short, sleep otherwise.
    fn refill(&self) {
        loop {
            {
                let mut state = self.lock();
                while state.ready.len() + state.bundled.len() >= state.target || state.failed {
                    state = self
                        .wake_refill
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    state.failed = false;
                }
            }
            let generated = SigningKey::generate();
            let mut state = self.lock();
            match generated {
                Ok(key) => state.ready.push(key),
                Err(error) => {
                    tracing::error!(%error, "background RSA key generation failed");
                    state.failed = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn leaked(target: usize) -> &'static KeyPool {
        Box::leak(Box::new(KeyPool::new(target)))
    }

    fn wait_for(pool: &KeyPool, keys: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while pool.ready() < keys {
            assert!(
                Instant::now() < deadline,
                "the pool never reached {keys} keys"
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn refills_in_the_background_and_hands_out_each_key_once() {
        let pool = leaked(0);
        assert!(pool.try_take().is_none());
        pool.seed(3);
        wait_for(pool, 3);
        let taken: Vec<SigningKey> = (0..3).map(|_| pool.try_take().unwrap()).collect();
        let mut kids: Vec<&str> = taken.iter().map(SigningKey::kid).collect();
        kids.sort_unstable();
        kids.dedup();
        assert_eq!(kids.len(), 3, "every key has its own kid");
        let moduli: std::collections::HashSet<String> = taken
            .iter()
            .map(|k| k.jwk("RS256")["n"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(moduli.len(), 3, "every key is its own key pair");
        // Taking wakes the refill: the pool is full again without anyone asking.
        wait_for(pool, 3);
    }

    #[test]
    fn bundled_keys_are_handed_out_first_without_generating() {
        let pool = leaked(0);
        pool.add_bundled();
        let bundled = pool.ready();
        assert!(bundled >= 100);
        let first = pool.try_take().expect("a bundled key");
        let second = pool.try_take().expect("another bundled key");
        assert_ne!(first.kid(), second.kid());
        assert_ne!(first.jwk("RS256")["n"], second.jwk("RS256")["n"]);
        assert_eq!(
            pool.ready(),
            bundled - 2,
            "nothing was generated: the pool is full"
        );
        pool.add_bundled();
        assert_eq!(pool.ready(), bundled - 2, "a key is never handed out twice");
    }

    #[test]
    fn an_empty_pool_still_gives_a_key_and_seeding_is_bounded() {
        let pool = leaked(0);
        assert!(pool.take().is_ok());
        let bounded = KeyPool::new(MAX_SIZE * 10);
        assert_eq!(bounded.lock().target, MAX_SIZE);
    }
}
