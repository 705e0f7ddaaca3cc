//! The JSON Schema of the scenario format, generated from [`raw::Scenario`]:
//! [`json_schema`] is the main function.
//!
//! The schema is checked in as `scenarios/docflow.schema.json`; scenarios point editors at
//! it with `# yaml-language-server: $schema=docflow.schema.json`. It is draft-07, the draft
//! editors' YAML language servers support best.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::raw;

/// The JSON Schema of a scenario file.
pub fn json_schema() -> Value {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<raw::Scenario>();
    schema.to_value()
}

/// The schema as the checked-in file holds it: pretty JSON with sorted keys (schemars' own
/// order is an implementation detail; sorted, the file changes only when the schema does)
/// and a final newline.
pub fn json_schema_text() -> String {
    let mut schema = json_schema();
    schema.sort_all_objects();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const CHECKED_IN: &str = include_str!("../../scenarios/docflow.schema.json");

    #[test]
    fn checked_in_schema_is_fresh() {
        if std::env::var_os("DOCFLOW_UPDATE_SCHEMA").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/docflow.schema.json");
            std::fs::write(path, json_schema_text()).unwrap();
            return;
        }
        let checked_in: Value = serde_json::from_str(CHECKED_IN).unwrap();
        assert!(
            checked_in == json_schema(),
            "scenarios/docflow.schema.json is stale; regenerate it with \
             `cargo run -- schema > scenarios/docflow.schema.json` \
             (or `DOCFLOW_UPDATE_SCHEMA=1 cargo test --lib schema`)"
        );
    }

    fn properties(schema: &Value, definition: Option<&str>) -> BTreeSet<String> {
        let node = match definition {
            Some(name) => &schema["definitions"][name],
            None => schema,
        };
        node["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no properties for {definition:?}"))
            .keys()
            .cloned()
            .collect()
    }

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    /// The loader checks keys against the `*_KEYS` lists; the schema comes from the structs.
    /// They must agree, or editors and the loader would disagree about the format.
    #[test]
    fn loader_key_lists_match_the_schema() {
        let schema = json_schema();
        let cases: &[(Option<&str>, &[&str])] = &[
            (None, raw::SCENARIO_KEYS),
            (Some("Doc"), raw::DOC_KEYS),
            (Some("Step"), raw::STEP_KEYS),
            (Some("Var"), raw::VAR_KEYS),
            (Some("Capture"), raw::CAPTURE_KEYS),
            (Some("Extract"), raw::EXTRACT_KEYS),
            (Some("BasicAuth"), raw::BASIC_AUTH_KEYS),
            (Some("Expect"), raw::EXPECT_KEYS),
            (Some("Retry"), raw::RETRY_KEYS),
            (Some("Cleanup"), raw::CLEANUP_KEYS),
            (Some("Token"), raw::TOKEN_KEYS),
            (Some("Defect"), raw::DEFECT_KEYS),
        ];
        for (definition, keys) in cases {
            assert_eq!(
                properties(&schema, *definition),
                set(keys),
                "keys of {definition:?}"
            );
        }
    }

    fn fixture_paths(kind: &str) -> Vec<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(kind);
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        paths.sort();
        paths
    }

    /// The structs and the schema describe what the loader accepts: every valid fixture and
    /// scenario deserializes into [`raw::Scenario`] and validates against the schema.
    #[test]
    fn valid_fixtures_fit_the_raw_structs_and_the_schema() {
        let validator = jsonschema::validator_for(&json_schema()).unwrap();
        let mut paths = fixture_paths("valid");
        assert!(!paths.is_empty());
        // The real scenarios too.
        let scenarios = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        paths.extend(
            std::fs::read_dir(scenarios)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml")),
        );
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let options = serde_saphyr::options! { strict_booleans: true };
            let parsed: Result<raw::Scenario, _> =
                serde_saphyr::from_str_with_options(&text, options.clone());
            assert!(parsed.is_ok(), "{}: {:?}", path.display(), parsed.err());
            let value: Value = serde_saphyr::from_str_with_options(&text, options).unwrap();
            let problems: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
        }
    }

    /// Editors flag the same shape mistakes the loader reports.
    #[test]
    fn schema_rejects_shape_mistakes() {
        let validator = jsonschema::validator_for(&json_schema()).unwrap();
        for name in [
            "unknown-field-in-step",
            "three-mistakes",
            "missing-fields",
            "missing-steps",
            "wrong-types",
            "status-code-out-of-range",
            "bad-step-names",
            "bad-durations",
            "bad-choices",
            "misplaced-keys",
            "not-a-mapping",
        ] {
            let path = format!(
                "{}/tests/fixtures/invalid/{name}.yaml",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap();
            let options = serde_saphyr::options! { strict_booleans: true };
            let value: Value = serde_saphyr::from_str_with_options(&text, options).unwrap();
            assert!(!validator.is_valid(&value), "{name} should not validate");
        }
    }

    /// A variable mapping holds `value` or `input` (a value the reader brings), not both.
    #[test]
    fn a_variable_is_a_value_or_an_input() {
        use serde_json::json;
        let validator = jsonschema::validator_for(&json_schema()).unwrap();
        let with =
            |var: Value| json!({"vars": {"A": var}, "steps": [{"name": "a", "url": "/v1/x"}]});
        assert!(validator.is_valid(&with(json!({"value": "x", "secret": true}))));
        assert!(validator.is_valid(&with(json!({"input": "YOUR-A"}))));
        assert!(!validator.is_valid(&with(json!({"value": "x", "input": "YOUR-A"}))));
        assert!(!validator.is_valid(&with(json!({"secret": true}))));
        let parsed: raw::Scenario =
            serde_saphyr::from_str("vars: {A: {input: YOUR-A}}\nsteps: [{name: a, url: /v1/x}]\n")
                .unwrap();
        assert!(parsed.vars.is_some());
    }

    #[test]
    fn tagged_enum_keys_match_the_schema() {
        let text = serde_json::to_string(&json_schema()).unwrap();
        for key in raw::HEADER_RULE_KEYS.iter().chain(raw::SNAPSHOT_KEYS) {
            assert!(text.contains(&format!("\"{key}\"")), "{key}");
        }
    }
}
