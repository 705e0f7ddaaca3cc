//! Loading scenario files. (Stub: to be built.)

use std::path::Path;

use super::model::Scenario;

/// Loads and validates a scenario file.
pub fn load_file(_path: &Path) -> Result<Scenario, String> {
    Err("not built yet".to_owned())
}

/// Loads and validates scenario text.
pub fn load_str(_path: &Path, _text: &str) -> Result<Scenario, String> {
    Err("not built yet".to_owned())
}
