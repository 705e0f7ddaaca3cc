//! [`matches_stored`]: a fast "this view equals its stored snapshot" answer, so a run that
//! matches every snapshot does not pay for insta's whole assertion (reading and parsing each
//! `.snap` file, per scenario, per step) — a sixth of a 100-scenario run's CPU time.
//!
//! It only ever answers "equal" or "ask insta": the view is serialized by insta's own
//! serializer under the same settings, and compared with the stored contents as insta
//! normalizes them (`TextSnapshotContents` of kind `File`); stored contents are parsed by
//! insta and kept per process, re-read when the file's length or modification time changes.
//! Any difference, a missing file, or a mode in which insta must see every assertion (it
//! records referenced snapshots for `cargo insta test --unreferenced`; forced updates
//! rewrite metadata) goes to insta, which decides, reports and writes `.snap.new`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use insta::_macro_support::{SerializationFormat, serialize_value};
use insta::internals::{SnapshotContents, TextSnapshotContents};
use insta::{Snapshot, TextSnapshotKind};
use serde_json::Value;

/// A stored snapshot's normalized contents, and the file state they were read from.
type Stored = (u64, Option<SystemTime>, Arc<String>);

/// Whether `view` equals the snapshot stored at `file`. Call it inside the insta settings the
/// assertion would use (`sort_maps` changes the serialization). `false` means "ask insta".
pub fn matches_stored(file: &Path, view: &Value) -> bool {
    if insta_must_see_every_assertion() {
        return false;
    }
    let Some(stored) = stored(file) else {
        return false;
    };
    let serialized = serialize_value(view, SerializationFormat::Yaml);
    TextSnapshotContents::new(serialized, TextSnapshotKind::File).to_string() == *stored
}

/// insta records every asserted snapshot for `cargo insta test --unreferenced`, and forced
/// updates rewrite files whose contents match.
fn insta_must_see_every_assertion() -> bool {
    std::env::var_os("INSTA_SNAPSHOT_REFERENCES_FILE").is_some()
        || std::env::var("INSTA_FORCE_UPDATE").is_ok_and(|v| v != "0")
        || std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "force")
}

/// The normalized contents stored at `file`, from the process's cache while the file is
/// unchanged.
fn stored(file: &Path) -> Option<Arc<String>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Stored>>> = OnceLock::new();
    let meta = std::fs::metadata(file).ok()?;
    let (len, modified) = (meta.len(), meta.modified().ok());
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some((l, m, text)) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(file)
        && *l == len
        && *m == modified
        && modified.is_some()
    {
        return Some(Arc::clone(text));
    }
    let snapshot = Snapshot::from_file(file).ok()?;
    let SnapshotContents::Text(text) = snapshot.contents() else {
        return None;
    };
    let text = Arc::new(text.to_string());
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(file.to_owned(), (len, modified, Arc::clone(&text)));
    Some(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn write_snapshot(dir: &Path, name: &str, view: &Value) -> PathBuf {
        let mut settings = insta::Settings::clone_current();
        settings.set_sort_maps(true);
        let body = settings.bind(|| serialize_value(view, SerializationFormat::Yaml));
        let file = dir.join(format!("{name}.snap"));
        std::fs::write(&file, format!("---\nsource: test\n---\n{body}\n")).unwrap();
        file
    }

    #[test]
    fn equal_views_match_and_any_change_asks_insta() {
        let dir = std::env::temp_dir().join(format!("docflow-snapcache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let view = json!({"status": 201, "body": {"b": 1, "a": ["x", "y"]}});
        let file = write_snapshot(&dir, "s@step", &view);
        let mut settings = insta::Settings::clone_current();
        settings.set_sort_maps(true);
        settings.bind(|| {
            assert!(matches_stored(&file, &view));
            assert!(!matches_stored(&file, &json!({"status": 200, "body": {"b": 1, "a": ["x", "y"]}})));
            assert!(!matches_stored(&dir.join("missing.snap"), &view));
        });
        // A changed file is read again, not answered from the cache.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let changed = json!({"status": 204});
        write_snapshot(&dir, "s@step", &changed);
        settings.bind(|| {
            assert!(matches_stored(&file, &changed));
            assert!(!matches_stored(&file, &view));
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
