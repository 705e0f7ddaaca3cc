//! Test helpers: [`TempRoot`], a throwaway docs root.

use std::path::PathBuf;

use super::source::DocsRoot;

/// A temporary docs root holding the given files; removed on drop.
pub(crate) struct TempRoot(pub(crate) PathBuf);

impl TempRoot {
    /// Writes `files` (`(relative path, text)`) under a fresh folder.
    pub(crate) fn new(files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "docflow-doc-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        for (path, text) in files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        Self(dir)
    }

    /// The folder as a docs root.
    pub(crate) fn root(&self) -> DocsRoot {
        DocsRoot::open(&self.0).unwrap()
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
