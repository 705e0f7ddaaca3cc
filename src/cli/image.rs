//! `docflow image build`: builds the `docflow-mock` image the container target runs, from
//! this source tree, without any registry.
//!
//! 1. `cargo build --bin docflow --no-default-features --features mock-server --target
//!    x86_64-unknown-linux-gnu` with `-C target-feature=+crt-static`: a statically linked
//!    binary of the mock alone, without the harness (the explicit `--target` keeps its
//!    artefacts apart from the normal build's, in the same target directory);
//! 2. checks the binary really is static (no ELF interpreter), since `FROM scratch` has no
//!    loader and would fail with an unhelpful "no such file or directory";
//! 3. `docker build` on a context holding only the binary, the CA certificates and the
//!    `Dockerfile`, tagged `docflow-mock:latest` and `docflow-mock:<crate version>`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use docflow::targets::container::{IMAGE_NAME, IMAGE_TAG};

use super::args::ImageBuildArgs;

/// The cargo arguments that build the mock alone: the image needs `mock serve` and nothing
/// of the harness (no testcontainers, insta or jaq), which also halves the build.
const MOCK_ONLY: [&str; 3] = ["--no-default-features", "--features", "mock-server"];

/// The target triple of the static build.
const TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// Where CA bundles live on common distributions; the image needs one because the mock's
/// HTTP client loads the system roots when it starts.
const CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// Runs `docflow image build`.
pub(crate) fn build(args: ImageBuildArgs) -> ExitCode {
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &ImageBuildArgs) -> Result<(), String> {
    let source = source_dir(args.source.as_deref())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let profile_dir = match args.profile.as_str() {
        "dev" | "test" => "debug",
        "release" | "bench" => "release",
        other => other,
    };
    step(
        1,
        &format!("building a static `docflow` ({} profile)", args.profile),
    );
    build_static(&cargo, &source, &args.profile)?;
    let binary = target_dir(&cargo, &source)?
        .join(TRIPLE)
        .join(profile_dir)
        .join("docflow");
    step(
        2,
        &format!("checking `{}` is statically linked", binary.display()),
    );
    check_static(&binary)?;
    docker_build(&binary, &source)
}

/// Step 1: `cargo build` of the mock alone, statically linked.
fn build_static(cargo: &str, source: &Path, profile: &str) -> Result<(), String> {
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(flags) if !flags.trim().is_empty() => format!("{flags} -C target-feature=+crt-static"),
        _ => "-C target-feature=+crt-static".to_owned(),
    };
    println!(
        "  $ RUSTFLAGS='{rustflags}' cargo build --bin docflow {} --target {TRIPLE} --profile {profile}",
        MOCK_ONLY.join(" "),
    );
    let status = Command::new(cargo)
        .current_dir(source)
        .env("RUSTFLAGS", &rustflags)
        // Debug info would triple the image and nobody debugs inside it.
        .env(
            format!("CARGO_PROFILE_{}_DEBUG", profile.to_uppercase()),
            "false",
        )
        .args(["build", "--bin", "docflow"])
        .args(MOCK_ONLY)
        .args(["--target", TRIPLE, "--profile"])
        .arg(profile)
        .status()
        .map_err(|e| format!("cannot run `{cargo}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo build` failed ({status})"))
    }
}

/// Step 2: the binary has no ELF interpreter (`FROM scratch` has no loader).
fn check_static(binary: &Path) -> Result<(), String> {
    let bytes =
        std::fs::read(binary).map_err(|e| format!("cannot read `{}`: {e}", binary.display()))?;
    match interpreter(&bytes) {
        Ok(None) => {
            println!("  ok: no ELF interpreter");
            Ok(())
        }
        Ok(Some(loader)) => Err(format!(
            "`{}` is dynamically linked (interpreter `{loader}`): the static glibc \
             (`libc6-dev`'s `libc.a`) is needed for `+crt-static`",
            binary.display()
        )),
        Err(e) => Err(format!("`{}`: {e}", binary.display())),
    }
}

/// Step 3: `docker build` on a context of the binary, the CA bundle and the `Dockerfile`.
fn docker_build(binary: &Path, source: &Path) -> Result<(), String> {
    let version = env!("CARGO_PKG_VERSION");
    let context = binary.with_file_name("docflow-image-context");
    step(
        3,
        &format!(
            "docker build -t {IMAGE_NAME}:{IMAGE_TAG} -t {IMAGE_NAME}:{version} (context: `{}`)",
            context.display()
        ),
    );
    prepare_context(&context, binary, &source.join("Dockerfile"))?;
    let status = Command::new("docker")
        .arg("build")
        .args(["-t", &format!("{IMAGE_NAME}:{IMAGE_TAG}")])
        .args(["-t", &format!("{IMAGE_NAME}:{version}")])
        .args([
            "--label",
            &format!("org.opencontainers.image.version={version}"),
        ])
        .arg(&context)
        .status()
        .map_err(|e| format!("cannot run `docker`: {e} (is Docker installed?)"))?;
    if !status.success() {
        return Err(format!("`docker build` failed ({status})"));
    }
    let id = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}"])
        .arg(format!("{IMAGE_NAME}:{IMAGE_TAG}"))
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("built {IMAGE_NAME}:{IMAGE_TAG} ({IMAGE_NAME}:{version}) {id}");
    println!(
        "  run the scenarios in it: DOCFLOW_TARGET=container cargo test --test scenarios\n  \
         or serve it: docker run --rm -p 127.0.0.1:8080:8080 -p 127.0.0.1:8000:8000 \
         {IMAGE_NAME}:{IMAGE_TAG}"
    );
    Ok(())
}

fn step(n: u8, what: &str) {
    println!("docflow image build [{n}/3] {what}");
}

/// The source tree: `--source`, else the tree this binary was built from, else `.`.
fn source_dir(given: Option<&Path>) -> Result<PathBuf, String> {
    let candidates: Vec<PathBuf> = match given {
        Some(dir) => vec![dir.to_path_buf()],
        None => vec![
            PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            PathBuf::from("."),
        ],
    };
    candidates
        .into_iter()
        .find(|dir| dir.join("Cargo.toml").is_file() && dir.join("Dockerfile").is_file())
        .ok_or_else(|| {
            "no docflow source tree (with `Cargo.toml` and `Dockerfile`) found: run from the \
             repository or pass `--source <dir>`"
                .to_owned()
        })
}

/// The target directory cargo uses for `source` (honours `CARGO_TARGET_DIR` and config).
fn target_dir(cargo: &str, source: &Path) -> Result<PathBuf, String> {
    let output = Command::new(cargo)
        .current_dir(source)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read `cargo metadata` output: {e}"))?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` did not name the target directory".to_owned())
}

/// A fresh context directory with exactly what the `Dockerfile` copies.
fn prepare_context(context: &Path, binary: &Path, dockerfile: &Path) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| format!("cannot {what}: {e}");
    if context.exists() {
        std::fs::remove_dir_all(context)
            .map_err(|e| io(&format!("clear `{}`", context.display()), e))?;
    }
    std::fs::create_dir_all(context)
        .map_err(|e| io(&format!("create `{}`", context.display()), e))?;
    let ca = std::env::var("SSL_CERT_FILE")
        .ok()
        .map(PathBuf::from)
        .into_iter()
        .chain(CA_BUNDLES.iter().map(PathBuf::from))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "no CA certificate bundle found (set `SSL_CERT_FILE`; looked in {})",
                CA_BUNDLES.join(", ")
            )
        })?;
    for (from, name) in [
        (binary, "docflow"),
        (dockerfile, "Dockerfile"),
        (ca.as_path(), "ca-certificates.crt"),
    ] {
        let to = context.join(name);
        // A hard link avoids copying a large binary; fall back to a copy across filesystems.
        if std::fs::hard_link(from, &to).is_err() {
            std::fs::copy(from, &to)
                .map_err(|e| io(&format!("copy `{}` into the context", from.display()), e))?;
        }
    }
    Ok(())
}

/// The ELF interpreter (dynamic loader) of an x86-64 executable, `None` if it has none.
fn interpreter(elf: &[u8]) -> Result<Option<String>, String> {
    const PT_INTERP: u32 = 3;
    let u16_at = |at: usize| {
        elf.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        elf.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let u64_at = |at: usize| {
        elf.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    // 64-bit little-endian ELF only: the image is x86-64.
    if elf.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        return Err("not a 64-bit little-endian ELF executable".to_owned());
    }
    let bad = || "truncated ELF header".to_owned();
    let phoff = usize::try_from(u64_at(0x20).ok_or_else(bad)?).map_err(|_| bad())?;
    let phentsize = usize::from(u16_at(0x36).ok_or_else(bad)?);
    let phnum = usize::from(u16_at(0x38).ok_or_else(bad)?);
    for i in 0..phnum {
        let header = phoff + i * phentsize;
        if u32_at(header).ok_or_else(bad)? != PT_INTERP {
            continue;
        }
        let offset = usize::try_from(u64_at(header + 0x08).ok_or_else(bad)?).map_err(|_| bad())?;
        let size = usize::try_from(u64_at(header + 0x20).ok_or_else(bad)?).map_err(|_| bad())?;
        let path = elf.get(offset..offset + size).ok_or_else(bad)?;
        let path = String::from_utf8_lossy(path)
            .trim_end_matches('\0')
            .to_owned();
        return Ok(Some(path));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_loader_of_a_dynamic_binary() {
        // The test binary itself is dynamically linked on a normal build.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let loader = interpreter(&me).unwrap();
        assert!(loader.is_some_and(|l| l.contains("ld-linux")));
    }

    #[test]
    fn refuses_non_elf_input() {
        assert!(interpreter(b"#!/bin/sh\n").is_err());
        assert!(interpreter(&[0x7f, b'E', b'L', b'F', 2, 1, 0]).is_err());
    }
}
