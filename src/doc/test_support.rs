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

    /// A docs root with `page` at `app/p.md` and two entity examples: service `s`, and
    /// route `r` (path `/anything`) referencing it by name.
    pub(crate) fn with_page(page: &str) -> Self {
        Self::new(&[
            ("app/p.md", page),
            (
                "app/_data/entity_examples/gateway/services/s.yml",
                "name: s\nurl: http://h/anything\n",
            ),
            (
                "app/_data/entity_examples/gateway/routes/r.yml",
                "name: r\npaths:\n  - /anything\nservice: \n  name: s\n",
            ),
        ])
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
