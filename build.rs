//! Re-runs the build when a scenario file is added or removed, so rstest's `#[files]` picks
//! it up (it expands the glob at compile time).

fn main() {
    println!("cargo::rerun-if-changed=scenarios");
}
