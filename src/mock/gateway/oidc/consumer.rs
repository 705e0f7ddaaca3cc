//! Consumer mapping: [`find_consumer`] looks a `consumer_claims` value up among the control
//! plane's consumers by each `consumer_by` field in turn (`id`, `username`, `custom_id`),
//! and [`consumer_headers`] are the headers Kong sets for the one found.

use serde_json::Value;

use super::claims::find_claim;
use super::config::OidcConfig;
use crate::mock::control_planes::consumer::Consumer;

/// The consumer the token's claims map to. `Err` carries Kong's reason when there is none.
pub fn find_consumer<'a>(
    consumers: &'a [Consumer],
    claims: &Value,
    config: &OidcConfig,
    claim_path: &[String],
) -> Result<&'a Consumer, String> {
    let subject = find_claim(claims, claim_path).ok_or_else(|| {
        format!(
            "claim ({}) was not found for consumer mapping",
            claim_path.join(",")
        )
    })?;
    for by in &config.consumer_by {
        let found = consumers.iter().find(|c| match by.as_str() {
            "id" => c.id.to_string() == subject,
            "username" if config.by_username_ignore_case => c
                .username
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(&subject)),
            "username" => c.username.as_deref() == Some(subject.as_str()),
            "custom_id" => c.custom_id.as_deref() == Some(subject.as_str()),
            _ => false,
        });
        if let Some(consumer) = found {
            return Ok(consumer);
        }
    }
    Err("kong consumer was not found".into())
}

/// The anonymous consumer (`config.anonymous`, an id or a username).
pub fn find_anonymous<'a>(consumers: &'a [Consumer], anonymous: &str) -> Option<&'a Consumer> {
    consumers
        .iter()
        .find(|c| c.id.to_string() == anonymous || c.username.as_deref() == Some(anonymous))
}

/// `X-Consumer-ID`, `X-Consumer-Custom-ID`, `X-Consumer-Username`: the value for each, or
/// `None` where the header must be removed (so a client cannot send its own).
pub fn consumer_headers(consumer: Option<&Consumer>) -> [(&'static str, Option<String>); 3] {
    [
        ("x-consumer-id", consumer.map(|c| c.id.to_string())),
        (
            "x-consumer-custom-id",
            consumer.and_then(|c| c.custom_id.clone()),
        ),
        (
            "x-consumer-username",
            consumer.and_then(|c| c.username.clone()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::control_planes::oidc_schema;
    use serde_json::json;

    fn consumer(body: Value) -> Consumer {
        Consumer::parse(&body, None, None, 1).unwrap()
    }

    fn config(extra: Value) -> OidcConfig {
        let mut raw = json!({"issuer": "http://i"});
        if let (Value::Object(r), Value::Object(e)) = (&mut raw, extra) {
            r.extend(e);
        }
        OidcConfig::from_config(&oidc_schema::validate(Some(&raw)).unwrap()).unwrap()
    }

    #[test]
    fn maps_by_custom_id_then_username() {
        let consumers = vec![
            consumer(json!({"username": "abc"})),
            consumer(json!({"username": "other", "custom_id": "abc"})),
        ];
        let claims = json!({"client_id": "abc"});
        let c = config(json!({}));
        let path = vec!["client_id".to_owned()];
        let found = find_consumer(&consumers, &claims, &c, &path).unwrap();
        assert_eq!(
            found.username.as_deref(),
            Some("other"),
            "custom_id comes first"
        );
        let by_username = config(json!({"consumer_by": ["username"]}));
        let found = find_consumer(&consumers, &claims, &by_username, &path).unwrap();
        assert_eq!(found.username.as_deref(), Some("abc"));
    }

    #[test]
    fn missing_claim_or_consumer_gives_kongs_reasons() {
        let c = config(json!({}));
        let path = vec!["sub".to_owned()];
        let err = find_consumer(&[], &json!({}), &c, &path).unwrap_err();
        assert_eq!(err, "claim (sub) was not found for consumer mapping");
        let err = find_consumer(&[], &json!({"sub": "x"}), &c, &path).unwrap_err();
        assert_eq!(err, "kong consumer was not found");
        let ci = config(json!({"consumer_by": ["username"], "by_username_ignore_case": true}));
        let consumers = vec![consumer(json!({"username": "ABC"}))];
        assert!(find_consumer(&consumers, &json!({"sub": "abc"}), &ci, &path).is_ok());
    }

    #[test]
    fn headers_for_a_consumer_and_for_none() {
        let c = consumer(json!({"username": "u"}));
        let headers = consumer_headers(Some(&c));
        assert_eq!(headers[0].1.as_deref(), Some(c.id.to_string().as_str()));
        assert_eq!(headers[1].1, None);
        assert_eq!(headers[2].1.as_deref(), Some("u"));
        assert!(consumer_headers(None).iter().all(|(_, v)| v.is_none()));
    }
}
