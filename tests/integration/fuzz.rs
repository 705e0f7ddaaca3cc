//! Time-budgeted fuzzing (issue 11): mutated scenario files through the loader, mutated doc
//! pages through the doc reader, and malformed requests through the mock's parsers. Each
//! target runs for a fixed budget, must never panic, hang or crash, and prints its counts.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use docflow::doc::markdown::load_page;
use docflow::doc::source::DocsRoot;
use docflow::scenario::load::{load_file, load_str};
use serde_json::json;

use crate::reliability::{client, mock, pat};

/// Each target's budget.
const BUDGET: Duration = Duration::from_secs(3);

/// A small deterministic generator (xorshift64*), so a failure names a reproducible seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Fragments a hostile file would contain.
const HOSTILE: &[&str] = &[
    "$",
    "${",
    "$UNDEFINED_VARIABLE_X ",
    "{{",
    "}}",
    ":",
    ": ",
    "- ",
    "\t",
    "\n",
    "\n  ",
    "'",
    "\"",
    "&a ",
    "*a",
    "!!binary ",
    "? ",
    "|",
    ">-",
    "#",
    "null",
    "~",
    "9223372036854775807s",
    "1e309",
    "-0",
    "jq: 'def f: f; f'",
    "jq: env",
    "jq: '$ENV'",
    "status_code: 99999999999999999999",
    "retry: {interval: 9223372036854775807s, timeout: 1e300h}",
    "\u{feff}",
    "\u{0}",
    "é",
    "🦀",
    "[[[[[[[[[[",
    "{{{{{{{{{{",
    "<<: *a",
    "---\n",
    "...\n",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let end = (at + rng.below(64)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            1 => {
                let fragment = HOSTILE[rng.below(HOSTILE.len())].as_bytes();
                bytes.splice(at..at, fragment.iter().copied());
            }
            2 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = rng.next() as u8;
            }
            3 if !bytes.is_empty() => {
                let end = (at + rng.below(200)).min(bytes.len());
                let copy = bytes[at.min(end)..end].to_vec();
                bytes.splice(at..at, copy.into_iter().cycle().take(rng.below(2000)));
            }
            4 => {
                bytes.splice(at..at, [0xff, 0xfe, 0xc3]);
            }
            _ => {
                bytes.splice(at..at, b"\n- name: x\n  url: /$Y\n".iter().copied());
            }
        }
    }
    bytes.truncate(256 * 1024);
    bytes
}

fn seeds(dir: &Path, ext: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn the_scenario_loader_survives_mutated_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = seeds(&root.join("scenarios"), "yaml");
    corpus.extend(seeds(&root.join("tests/fixtures/valid"), "yaml"));
    corpus.extend(seeds(&root.join("tests/fixtures/invalid"), "yaml"));
    assert!(!corpus.is_empty());
    let dir = std::env::temp_dir().join(format!("docflow-fuzz-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut rng = Rng(0x5eed_0001);
    let (started, mut tried, mut failures) = (Instant::now(), 0usize, Vec::new());
    while started.elapsed() < BUDGET {
        let seed = rng.next();
        let mut case_rng = Rng(seed | 1);
        let pick = case_rng.below(corpus.len());
        let bytes = mutate(&mut case_rng, &corpus[pick]);
        let case_started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if tried % 8 == 0 {
                // Through the file reader too (invalid UTF-8, size checks).
                let path = dir.join("case.yaml");
                std::fs::write(&path, &bytes).expect("write");
                let _ = load_file(&path).map_err(|e| e.to_string());
            } else {
                let text = String::from_utf8_lossy(&bytes);
                // Errors must render too: that is where 10,000 errors became 406 MB.
                if let Err(errors) = load_str(Path::new("case.yaml"), &text) {
                    let rendered = errors.to_string();
                    assert!(
                        rendered.len() < 4 * 1024 * 1024,
                        "{} bytes of errors",
                        rendered.len()
                    );
                }
            }
        }));
        if outcome.is_err() {
            failures.push(format!("seed {seed:#x}: panic"));
        }
        if case_started.elapsed() > Duration::from_secs(2) {
            failures.push(format!("seed {seed:#x}: took {:?}", case_started.elapsed()));
        }
        tried += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "fuzz: scenario loader: {tried} cases tried, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn ten_thousand_undefined_variables_make_a_bounded_report() {
    let line = (0..10_000)
        .map(|i| format!("$NOPE{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let text = format!("steps:\n  - name: a\n    url: /x\n    headers: ['X: {line}']\n");
    let errors = load_str(Path::new("many.yaml"), &text).expect_err("undefined variables");
    let rendered = errors.to_string();
    assert!(errors.errors.len() <= 21, "{}", errors.errors.len());
    assert!(
        rendered.contains("more errors like the ones above"),
        "{rendered}"
    );
    assert!(rendered.len() < 64 * 1024, "{} bytes", rendered.len());
    println!("fuzz: repeated errors: 1 case tried, 0 failures");
}

#[test]
fn invalid_utf8_is_reported_where_it_is() {
    let dir = std::env::temp_dir().join(format!("docflow-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bad.yaml");
    std::fs::write(&path, b"description: ok\nsteps:\n  - name: \xff\n").expect("write");
    let errors = load_file(&path).expect_err("invalid utf-8");
    assert_eq!(
        (errors.errors[0].span.line, errors.errors[0].span.column),
        (3, 11)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_doc_reader_reads_only_bounded_regular_files() {
    let root = DocsRoot::open("/dev").expect("a directory");
    let err = load_page(&root, "zero").expect_err("a device");
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[test]
fn the_doc_reader_survives_mutated_pages() {
    let shared = crate::openapi::shared_dir().join("kong-docs/current-2026-08");
    let page = shared.join("app/_how-tos/gateway/configure-kong-identity-oidc.md");
    let seed = std::fs::read(&page).expect("the how-to");
    let dir = std::env::temp_dir().join(format!("docflow-fuzz-doc-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("app")).expect("temp dir");
    let root = DocsRoot::open(&dir).expect("root");
    let mut rng = Rng(0x5eed_0002);
    let (started, mut tried, mut failures) = (Instant::now(), 0usize, Vec::new());
    while started.elapsed() < BUDGET {
        let seed_value = rng.next();
        let mut case_rng = Rng(seed_value | 1);
        let bytes = mutate(&mut case_rng, &seed);
        std::fs::write(dir.join("app/page.md"), &bytes).expect("write");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if let Ok(page) = load_page(&root, "app/page.md") {
                let _ = docflow::doc::blocks::extract(&page);
            }
        }));
        if outcome.is_err() {
            failures.push(format!("seed {seed_value:#x}: panic"));
        }
        tried += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "fuzz: doc reader: {tried} cases tried, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_survives_malformed_requests() {
    let mock = mock().await;
    let token = pat();
    let http = client();
    let bodies: &[&[u8]] = &[
        b"",
        b"{",
        b"[]",
        b"null",
        b"{\"name\":",
        b"\xff\xfe",
        b"{\"name\": 1e999}",
        b"{\"name\": \"q\", \"labels\": {\"a\": {\"b\": []}}}",
        b"a=b&&&=&c",
        b"{\"config\":{\"leeway\":-1e308}}",
    ];
    let paths = [
        "/v1/auth-servers",
        "/v1/auth-servers/%00",
        "/v2/control-planes",
        "/v2/control-planes?page%5Bsize%5D=-1",
        "/v2/control-planes?page%5Bnumber%5D=18446744073709551616",
        "/v2/control-planes/x/core-entities/routes",
        "/identity/none/auth/oauth/token",
        "/_docflow/faults",
        "/_docflow/journal?after=18446744073709551615&limit=0",
    ];
    let (started, mut tried, mut failures) = (Instant::now(), 0usize, Vec::new());
    let mut rng = Rng(0x5eed_0003);
    // A control plane, so core-entity paths with a real id are fuzzed too.
    let (_, cp) = crate::reliability::call(
        reqwest::Method::POST,
        &format!("{}/v2/control-planes", mock.api_url),
        Some(&token),
        Some(json!({"name": "fuzz"})),
    )
    .await;
    let cp = cp["id"].as_str().unwrap_or("x").to_owned();
    let offset = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        "18446744073709551615",
    );
    let core = format!("/v2/control-planes/{cp}/core-entities/services?offset={offset}&size=1000");
    while started.elapsed() < BUDGET {
        let path = if rng.below(4) == 0 {
            core.as_str()
        } else {
            paths[rng.below(paths.len())]
        };
        let method = ["GET", "POST", "PUT", "PATCH", "DELETE"][rng.below(5)];
        let body = bodies[rng.below(bodies.len())];
        let content_type = [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
        ][rng.below(3)];
        let outcome = http
            .request(
                method.parse().expect("method"),
                format!("{}{path}", mock.api_url),
            )
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body.to_vec())
            .send()
            .await;
        match outcome {
            Ok(r) if r.status().as_u16() < 500 => {}
            Ok(r) => failures.push(format!("{method} {path} {body:?}: {}", r.status())),
            Err(e) => failures.push(format!("{method} {path} {body:?}: {e}")),
        }
        tried += 1;
    }
    // A huge pagination offset answers an empty page, not a panic.
    let (status, page) = crate::reliability::call(
        reqwest::Method::GET,
        &format!("{}{core}", mock.api_url),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    println!(
        "fuzz: mock requests: {tried} cases tried, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{:?}",
        &failures[..failures.len().min(10)]
    );
}
