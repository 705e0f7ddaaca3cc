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

/// The schema as the checked-in file holds it: pretty JSON and a final newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
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

    #[test]
    fn tagged_enum_keys_match_the_schema() {
        let text = serde_json::to_string(&json_schema()).unwrap();
        for key in raw::HEADER_RULE_KEYS.iter().chain(raw::SNAPSHOT_KEYS) {
            assert!(text.contains(&format!("\"{key}\"")), "{key}");
        }
    }
}
