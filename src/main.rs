//! The `docflow` command line. (Stub: to be built.)

fn main() {}
