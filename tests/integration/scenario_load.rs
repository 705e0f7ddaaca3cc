//! Loading scenario fixtures: every valid one loads; every invalid one gives exactly the
//! expected errors (codes and lines), and its rendered diagnostics are snapshotted.

use std::path::{Path, PathBuf};

use docflow::scenario::load::load_file;

/// `(fixture stem, [(code, line)])`: every error each invalid fixture must give, in order.
const INVALID: &[(&str, &[(&str, usize)])] = &[
    (
        "bad-choices",
        &[
            ("scenario::bad_value", 1),
            ("scenario::bad_value", 5),
            ("scenario::bad_value", 6),
            ("scenario::bad_value", 7),
            ("scenario::bad_value", 8),
            ("scenario::bad_value", 11),
            ("scenario::conflict", 12),
        ],
    ),
    (
        "bad-durations",
        &[
            ("scenario::bad_value", 5),
            ("scenario::bad_value", 6),
            ("scenario::bad_value", 7),
            ("scenario::missing_field", 10),
        ],
    ),
    (
        "bad-jq-everywhere",
        &[
            ("scenario::bad_jq", 7),
            ("scenario::bad_jq", 11),
            ("scenario::bad_jq", 14),
            ("scenario::bad_jq", 15),
        ],
    ),
    (
        "bad-source",
        &[
            ("scenario::bad_value", 3),
            ("scenario::bad_value", 6),
            ("scenario::bad_value", 9),
        ],
    ),
    (
        "bad-step-names",
        &[
            ("scenario::bad_value", 2),
            ("scenario::bad_value", 4),
            ("scenario::bad_value", 6),
        ],
    ),
    (
        "bad-templates",
        &[
            ("scenario::bad_template", 2),
            ("scenario::bad_template", 5),
            ("scenario::bad_template", 7),
            ("scenario::bad_template", 10),
        ],
    ),
    ("body-and-form", &[("scenario::conflict", 7)]),
    (
        "capture-forms",
        &[
            ("scenario::missing_field", 4),
            ("scenario::conflict", 7),
            ("scenario::bad_value", 11),
            ("scenario::bad_value", 15),
            ("scenario::bad_value", 18),
        ],
    ),
    (
        "capture-only-on-mock",
        &[
            ("scenario::undefined_variable", 10),
            ("scenario::bad_value", 15),
        ],
    ),
    (
        "duplicate-keys",
        &[
            ("scenario::duplicate_key", 5),
            ("scenario::duplicate_key", 8),
        ],
    ),
    ("duplicate-step-name", &[("scenario::duplicate_step", 6)]),
    ("empty-file", &[("scenario::missing_field", 2)]),
    (
        "misplaced-keys",
        &[
            ("scenario::unknown_field", 5),
            ("scenario::unknown_field", 9),
            ("scenario::undefined_variable", 11),
            ("scenario::unknown_field", 12),
        ],
    ),
    (
        "missing-fields",
        &[
            ("scenario::missing_field", 3),
            ("scenario::missing_field", 4),
            ("scenario::missing_field", 9),
        ],
    ),
    ("missing-steps", &[("scenario::missing_field", 1)]),
    ("not-a-mapping", &[("scenario::wrong_type", 1)]),
    (
        "status-code-out-of-range",
        &[
            ("scenario::bad_value", 4),
            ("scenario::bad_value", 7),
            ("scenario::bad_value", 10),
        ],
    ),
    (
        "three-mistakes",
        &[
            ("scenario::unknown_field", 7),
            ("scenario::bad_jq", 11),
            ("scenario::undefined_variable", 13),
        ],
    ),
    (
        "undefined-variables",
        &[
            ("scenario::undefined_variable", 2),
            ("scenario::undefined_variable", 7),
            ("scenario::undefined_variable", 10),
            ("scenario::undefined_variable", 17),
            ("scenario::undefined_variable", 19),
        ],
    ),
    ("unknown-field-in-step", &[("scenario::unknown_field", 5)]),
    (
        "url-destinations",
        &[
            ("scenario::conflict", 4),
            ("scenario::conflict", 7),
            ("scenario::conflict", 10),
            ("scenario::bad_value", 13),
        ],
    ),
    (
        "wrong-types",
        &[
            ("scenario::wrong_type", 1),
            ("scenario::wrong_type", 5),
            ("scenario::wrong_type", 6),
            ("scenario::wrong_type", 7),
            ("scenario::wrong_type", 8),
            ("scenario::wrong_type", 9),
            ("scenario::wrong_type", 11),
            ("scenario::wrong_type", 12),
            ("scenario::wrong_type", 13),
        ],
    ),
    ("yaml-syntax", &[("scenario::yaml_syntax", 4)]),
];

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new("tests/fixtures").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn valid_fixtures_load() {
    let files = fixtures("valid");
    assert!(files.len() >= 3, "{files:?}");
    for path in files {
        if let Err(e) = load_file(&path) {
            panic!("{} should load:\n{e}", path.display());
        }
    }
}

#[test]
fn every_invalid_fixture_has_expectations() {
    let stems: Vec<String> = fixtures("invalid").iter().map(|p| stem(p)).collect();
    let expected: Vec<&str> = INVALID.iter().map(|(s, _)| *s).collect();
    assert_eq!(stems, expected, "fixtures and the INVALID table disagree");
}

#[test]
fn invalid_fixtures_give_exactly_the_expected_located_errors() {
    for (name, expected) in INVALID {
        let path = Path::new("tests/fixtures/invalid").join(format!("{name}.yaml"));
        let errors = match load_file(&path) {
            Ok(_) => panic!("{} should not load", path.display()),
            Err(e) => e,
        };
        let got: Vec<(&str, usize)> = errors
            .errors
            .iter()
            .map(|e| (e.code.as_str(), e.span.line))
            .collect();
        assert_eq!(&got, expected, "{name}:\n{errors}");
        for e in &errors.errors {
            assert!(e.span.column >= 1, "{name}: {e:?}");
            assert!(
                e.span.offset + e.span.len <= errors.source.len(),
                "{name}: {e:?}"
            );
            assert!(
                e.message.starts_with(|c: char| !c.is_uppercase()),
                "{name}: messages are lowercase fragments: {}",
                e.message
            );
        }
    }
}

#[test]
fn typos_get_a_did_you_mean() {
    let errors = load_file(Path::new(
        "tests/fixtures/invalid/unknown-field-in-step.yaml",
    ))
    .unwrap_err();
    assert_eq!(
        errors.errors[0].help.as_deref(),
        Some("did you mean `status_code`?")
    );
    let errors = load_file(Path::new("tests/fixtures/invalid/three-mistakes.yaml")).unwrap_err();
    let helps: Vec<_> = errors.errors.iter().map(|e| e.help.as_deref()).collect();
    assert_eq!(
        helps,
        [
            Some("did you mean `headers`?"),
            None,
            Some("did you mean `AUTH_SERVER_ID`?")
        ]
    );
}

#[test]
fn rendered_diagnostics_match_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots/diagnostics");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for path in fixtures("invalid") {
        let errors = load_file(&path).unwrap_err();
        let mut settings = settings.clone();
        settings.set_input_file(&path);
        settings.bind(|| {
            insta::assert_snapshot!(format!("{}.plain", stem(&path)), errors.render_plain());
            insta::assert_snapshot!(
                format!("{}.graphical", stem(&path)),
                errors.render_graphical(false)
            );
        });
    }
}
