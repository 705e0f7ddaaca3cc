//! [`PerRuntime`]: values kept per tokio runtime. A reqwest client's pooled connections are
//! driven by tasks of the runtime that opened them, so a client shared across runtimes hands
//! its requests to another runtime's thread, or to one that has ended (each `#[tokio::test]`
//! has its own runtime, each `docflow run` lane too). Both the harness's client and the mock's
//! outbound client are kept this way.

use std::sync::{Mutex, PoisonError};

use tokio::runtime::{Handle, Id};

/// Runtimes whose values are kept; a test binary starts a runtime per test, so the oldest
/// are dropped past this.
const KEEP: usize = 16;

/// Values of type `V` per tokio runtime and key `K`, built on first use.
#[derive(Debug)]
pub struct PerRuntime<K, V> {
    kept: Mutex<Vec<(Id, K, V)>>,
}

impl<K, V> Default for PerRuntime<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> PerRuntime<K, V> {
    /// None kept yet.
    pub const fn new() -> Self {
        Self {
            kept: Mutex::new(Vec::new()),
        }
    }
}

impl<K: PartialEq, V: Clone> PerRuntime<K, V> {
    /// The value for `key` on the current runtime, built by `build` on first use; outside a
    /// runtime, a fresh one that is not kept. A failed build keeps nothing.
    pub fn get_or_build<E>(&self, key: K, build: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        let Ok(runtime) = Handle::try_current().map(|h| h.id()) else {
            return build();
        };
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, _, value)) = kept.iter().find(|(id, k, _)| *id == runtime && *k == key) {
            return Ok(value.clone());
        }
        let value = build()?;
        if kept.len() >= KEEP {
            kept.remove(0);
        }
        kept.push((runtime, key, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn one_value_per_runtime_and_key_none_kept_outside_a_runtime() {
        let kept: PerRuntime<u8, usize> = PerRuntime::new();
        let built = AtomicUsize::new(0);
        let get = |key| {
            kept.get_or_build(key, || {
                Ok::<_, Infallible>(built.fetch_add(1, Ordering::Relaxed))
            })
            .unwrap()
        };
        let (first, second) = (runtime(), runtime());
        let a = first.block_on(async { get(1) });
        assert_eq!(first.block_on(async { get(1) }), a, "kept on its runtime");
        assert_ne!(first.block_on(async { get(2) }), a, "per key");
        assert_ne!(second.block_on(async { get(1) }), a, "per runtime");
        assert_ne!(get(1), get(1), "outside a runtime nothing is kept");
        let failed: Result<usize, &str> =
            first.block_on(async { kept.get_or_build(3, || Err("no")) });
        assert_eq!(failed, Err("no"));
    }

    #[test]
    fn at_most_keep_runtimes_are_remembered() {
        let kept: PerRuntime<(), usize> = PerRuntime::new();
        for n in 0..KEEP + 4 {
            runtime().block_on(async {
                kept.get_or_build((), || Ok::<_, Infallible>(n)).unwrap();
            });
        }
        assert_eq!(kept.kept.lock().unwrap().len(), KEEP);
    }
}
