//! The crate's layers, checked from the source: every top-level module imports only modules of
//! a lower layer, so the pipeline reads bottom-up from the folders and the mock builds alone.
//! `CONTRIBUTING.md` shows the same table; a new top-level module must be given a layer here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` with its layer; a module may import only modules of a
/// strictly lower layer (the binary's `cli` may import anything).
const LAYERS: &[(&str, u8)] = &[
    // Foundations: no imports from the crate.
    ("duration", 0),
    ("secret", 0),
    ("limits", 0),
    ("jq", 0),
    ("jws", 0),
    ("signals", 0),
    ("per_runtime", 0),
    // Konnect-in-a-box, beside the pipeline, and the scenario model.
    ("mock", 1),
    ("scenario", 1),
    // Run-time values and plumbing.
    ("vars", 2),
    ("http", 2),
    ("curl", 2),
    ("outcome", 3),
    ("redact", 3),
    ("claims", 4),
    // The pipeline: targets → runner → report → harness; the doc reader on top.
    ("targets", 5),
    ("runner", 6),
    ("report", 7),
    ("harness", 8),
    ("doc", 9),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/runner/run.rs` → `runner`).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src_dir()).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// The crate modules a file's non-test code names (`crate::x` or `docflow::x`), with the
/// line of each; comments and `#[cfg(test)]` modules are left out.
fn imports(text: &str) -> Vec<(String, usize)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for (i, line) in code.lines().enumerate() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        for prefix in ["crate::", "docflow::"] {
            let mut rest = line;
            while let Some(at) = rest.find(prefix) {
                let after = &rest[at + prefix.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((name, i + 1));
                }
                rest = after;
            }
        }
    }
    out
}

/// Re-exports at the crate root (`crate::run_scenario`) resolve to the module that defines them.
fn resolve(name: &str) -> &str {
    match name {
        "run_scenario" | "run_scenario_until" => "runner",
        "load_file" | "load_str" | "Scenario" => "scenario",
        "Target" => "targets",
        other => other,
    }
}

#[test]
fn imports_only_point_down() {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut violations = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for path in &files {
        let module = module_of(path);
        if ["lib", "main", "cli"].contains(&module.as_str()) {
            continue;
        }
        let Some(own) = layer(&module) else {
            unknown.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(path).expect("read source");
        for (name, line) in imports(&text) {
            let target = resolve(&name);
            if target == module {
                continue;
            }
            match layer(target) {
                Some(l) if l < own => {}
                Some(l) => {
                    violations.insert(format!(
                        "{}:{line}: `{module}` (layer {own}) imports `{target}` (layer {l})",
                        path.display()
                    ));
                }
                None => {
                    unknown.insert(target.to_owned());
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules without a layer in tests/integration/layering.rs: {unknown:?}"
    );
    assert!(
        violations.is_empty(),
        "imports that point up or sideways:\n{}",
        violations.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_mock_imports_nothing_of_the_harness() {
    let mut files = Vec::new();
    rust_files(&src_dir().join("mock"), &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read source");
        for (name, line) in imports(&text) {
            assert!(
                ["mock", "secret", "duration", "limits", "jws", "per_runtime"]
                    .contains(&name.as_str()),
                "{}:{line}: the mock imports `{name}`; it must build alone (`--features mock-server`)",
                path.display()
            );
        }
    }
}

#[test]
fn the_checker_sees_an_upward_import() {
    // The check itself must be able to fail: a made-up file importing the runner from `scenario`.
    let text = "use crate::runner::run::run_scenario;\n// use crate::doc::x;\n";
    let found = imports(text);
    assert_eq!(found, vec![("runner".to_owned(), 1)]);
    assert!(layer("runner") > layer("scenario"));
}
