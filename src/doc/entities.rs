//! [`Entity`]: a Gateway entity example a how-to's prerequisites create
//! (`prereqs.entities.services: [example-service]`), read from
//! `app/_data/entity_examples/gateway/<kind>/<name>.yml` as the docs site does.

use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};
use super::frontmatter::EntityName;
use super::ordered::{Ordered, OrderedExt as _, parse_yaml};
use super::source::DocsRoot;

/// Where the docs keep Gateway entity examples, relative to the docs root.
pub const ENTITY_EXAMPLES_DIR: &str = "app/_data/entity_examples/gateway";

/// An entity example.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Kind as the frontmatter writes it (`services`, `routes`).
    pub kind: String,
    /// The example's name (`example-service`).
    pub name: String,
    /// Where the frontmatter names it.
    pub declared_at: DocLocation,
    /// The example file, relative to the docs root; its first line is the step's `source`.
    pub file: String,
    /// The entity, in written order.
    pub value: Ordered,
}

impl Entity {
    /// `file:1`, the location a scenario step that creates this entity names as `source`.
    pub fn location(&self) -> DocLocation {
        DocLocation::new(&self.file, 1)
    }

    /// The kind in the singular (`service`), for names and variables.
    pub fn singular(&self) -> &str {
        self.kind.strip_suffix('s').unwrap_or(&self.kind)
    }
}

/// The example file of an entity, relative to the docs root.
pub fn example_file(kind: &str, name: &str) -> String {
    format!("{ENTITY_EXAMPLES_DIR}/{kind}/{name}.yml")
}

/// The example file that exists: `<name>.yml`, else `<name>.yaml` (the docs use both).
fn existing_example_file(root: &DocsRoot, kind: &str, name: &str) -> String {
    let yml = example_file(kind, name);
    let yaml = format!("{ENTITY_EXAMPLES_DIR}/{kind}/{name}.yaml");
    if !root.exists(&yml) && root.exists(&yaml) {
        yaml
    } else {
        yml
    }
}

/// Reads the example named in the frontmatter.
pub fn load(root: &DocsRoot, named: &EntityName) -> Result<Entity, Diagnostic> {
    let file = existing_example_file(root, &named.kind, &named.name);
    if !root.exists(&file) {
        return Err(Diagnostic::error(
            DocCode::MissingEntity,
            named.location.clone(),
            format!(
                "entity example `{}` (`prereqs.entities.{}`) not found: no file `{file}`",
                named.name, named.kind
            ),
        ));
    }
    let text = root.read(&file, &named.location, "entity example")?;
    let value = parse_yaml(&text, &file, 1, "an entity example")?;
    if !matches!(value, Ordered::Object(_)) {
        return Err(Diagnostic::error(
            DocCode::BadEntity,
            DocLocation::new(&file, 1),
            format!("entity example must be a mapping, not {}", value.kind()),
        ));
    }
    Ok(Entity {
        kind: named.kind.clone(),
        name: named.name.clone(),
        declared_at: named.location.clone(),
        file,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::test_support::TempRoot;

    fn named(kind: &str, name: &str) -> EntityName {
        EntityName {
            kind: kind.into(),
            name: name.into(),
            location: DocLocation::new("p.md", 40),
        }
    }

    #[test]
    fn examples_load_from_the_data_folder() {
        let tmp = TempRoot::new(&[(
            "app/_data/entity_examples/gateway/routes/r.yml",
            "name: r\npaths:\n  - /anything\nservice: \n  name: s\n",
        )]);
        let e = load(&tmp.root(), &named("routes", "r")).unwrap();
        assert_eq!(e.file, "app/_data/entity_examples/gateway/routes/r.yml");
        assert_eq!(e.singular(), "route");
        assert_eq!(
            e.value.to_json(),
            serde_json::json!({"name": "r", "paths": ["/anything"], "service": {"name": "s"}})
        );
        let err = load(&tmp.root(), &named("services", "nope")).unwrap_err();
        assert_eq!(err.code, DocCode::MissingEntity);
        assert_eq!(err.location, DocLocation::new("p.md", 40));
    }
}
