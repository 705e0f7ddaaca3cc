//! The JWT attack matrix against the mock's gateway (issue 11): a real OIDC plugin with
//! `audience_required` and `scopes_required`, tokens minted by the mock's Kong Identity and
//! forged ones, every answer checked over real sockets. Only a valid token gets through;
//! nothing drops the connection or takes the mock down.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use docflow::mock::identity::SigningKey;
use docflow::mock::identity::store::issuer_id_of;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::reliability::{Flow, client, mock, pat, strict_plugin};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64")).expect("json")
}

fn encode_part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The claims of a real token, with `change` applied.
fn claims_with(token: &str, change: impl FnOnce(&mut Map<String, Value>)) -> Map<String, Value> {
    let mut claims = match decode_part(token.split('.').nth(1).expect("claims")) {
        Value::Object(map) => map,
        other => panic!("claims are not an object: {other}"),
    };
    change(&mut claims);
    claims
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_valid_token_passes_the_gateway() {
    let mock = mock().await;
    let flow = Flow::create(&mock, &pat(), Some(strict_plugin())).await;
    let valid = flow.access_token().await;
    // The issuer's real signing key, to forge tokens the signature check cannot refuse.
    let issuer_id = issuer_id_of(&flow.issuer).expect("issuer id");
    let (_, key) = mock
        .state
        .identity
        .auth_server_by_issuer_id(issuer_id)
        .expect("auth server");
    let signed = |claims: Map<String, Value>| key.sign(Algorithm::RS256, &claims).expect("sign");
    let [header, _, signature] =
        <[&str; 3]>::try_from(valid.split('.').collect::<Vec<_>>()).expect("three parts");
    let t = now();

    // Another auth server of the same organization, and another organization's server.
    let other_server = Flow::create_on(&mock, &flow.token, "second", None).await;
    let other_org = Flow::create(&mock, &pat(), None).await;
    let other_server_token = other_server.access_token().await;
    let other_org_token = other_org.access_token().await;
    let stranger = SigningKey::generate().expect("key");
    let public_key_as_hmac =
        EncodingKey::from_secret(key.jwk("RS256")["n"].as_str().expect("n").as_bytes())
            .expect("hmac key");

    let cases: Vec<(&str, String, &[u16])> = vec![
        ("valid", valid.clone(), &[200]),
        (
            "alg none",
            format!(
                "{}.{}.",
                encode_part(&json!({"alg": "none", "typ": "JWT"})),
                valid.split('.').nth(1).unwrap()
            ),
            &[401],
        ),
        (
            "HS256 with the public key",
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims_with(&valid, |_| {}),
                &public_key_as_hmac,
            )
            .expect("hs256"),
            &[401],
        ),
        (
            "bad signature",
            format!(
                "{header}.{}.{}",
                valid.split('.').nth(1).unwrap(),
                signature.chars().rev().collect::<String>()
            ),
            &[401],
        ),
        (
            "unknown kid",
            stranger
                .sign(Algorithm::RS256, &claims_with(&valid, |_| {}))
                .expect("sign"),
            &[401],
        ),
        (
            "expired",
            signed(claims_with(&valid, |c| {
                c.insert("exp".into(), json!(t - 3600));
            })),
            &[401],
        ),
        (
            "future nbf",
            signed(claims_with(&valid, |c| {
                c.insert("nbf".into(), json!(t + 3600));
            })),
            &[401],
        ),
        (
            "wrong iss",
            signed(claims_with(&valid, |c| {
                c.insert("iss".into(), json!("http://127.0.0.1:1/identity/evil/auth"));
            })),
            &[401],
        ),
        (
            "wrong aud (audience_required)",
            signed(claims_with(&valid, |c| {
                c.insert("aud".into(), json!(["http://elsewhere.dev"]));
            })),
            &[401, 403],
        ),
        (
            "missing scope (scopes_required)",
            signed(claims_with(&valid, |c| {
                c.insert("scope".into(), json!("other-scope"));
            })),
            &[401, 403],
        ),
        ("another auth server's token", other_server_token, &[401]),
        ("another organization's token", other_org_token, &[401]),
        ("garbage", "not.a.jwt".to_owned(), &[401]),
        ("garbage base64", "eyJ!!!.eyJ???.###".to_owned(), &[401]),
        (
            "1 MB token",
            format!("eyJ{}", "A".repeat(1024 * 1024)),
            &[400, 401, 413, 431],
        ),
        (
            "exp 2^63",
            signed(claims_with(&valid, |c| {
                c.insert("exp".into(), json!(9_223_372_036_854_775_808u64));
            })),
            &[200, 401],
        ),
        (
            "exp 1e300",
            signed(claims_with(&valid, |c| {
                c.insert("exp".into(), json!(1e300));
            })),
            &[200, 401],
        ),
        (
            "exp -1e300",
            signed(claims_with(&valid, |c| {
                c.insert("exp".into(), json!(-1e300));
            })),
            &[401],
        ),
        (
            "non-numeric exp",
            signed(claims_with(&valid, |c| {
                c.insert("exp".into(), json!("tomorrow"));
            })),
            &[401],
        ),
        (
            "nbf 2^64",
            signed(claims_with(&valid, |c| {
                c.insert("nbf".into(), json!(u64::MAX));
            })),
            &[401],
        ),
    ];
    let url = format!("{}/dp/{}/anything", mock.proxy_url, flow.control_plane);
    let mut failures = Vec::new();
    for (name, token, allowed) in &cases {
        let outcome = client().get(&url).bearer_auth(token).send().await;
        match outcome {
            Ok(response) if allowed.contains(&response.status().as_u16()) => {}
            Ok(response) => failures.push(format!("{name}: {}", response.status())),
            Err(error) => failures.push(format!("{name}: connection failed: {error}")),
        }
    }
    // The mock is still up and the valid token still passes.
    let after = client()
        .get(&url)
        .bearer_auth(&valid)
        .send()
        .await
        .expect("mock alive");
    assert_eq!(after.status().as_u16(), 200);
    println!(
        "jwt attacks: {} cases tried, {} failures",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_leeway_neither_panics_nor_rejects_valid_tokens() {
    let mock = mock().await;
    let mut plugin = strict_plugin();
    plugin["leeway"] = json!(1e300);
    let flow = Flow::create(&mock, &pat(), Some(plugin)).await;
    let valid = flow.access_token().await;
    let url = format!("{}/dp/{}/anything", mock.proxy_url, flow.control_plane);
    let response = client()
        .get(&url)
        .bearer_auth(&valid)
        .send()
        .await
        .expect("no dropped connection");
    assert_eq!(response.status().as_u16(), 200);
    println!("jwt attacks: leeway 1e300: 1 case tried, 0 failures");
}
