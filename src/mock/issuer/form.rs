//! [`parse_form`]: an `application/x-www-form-urlencoded` OAuth request body, refusing
//! repeated parameters (RFC 6749 §3.2: "Request and response parameters MUST NOT be included
//! more than once").

use super::oauth_error::OAuthError;

/// The form's parameters, in order.
pub fn parse_form(bytes: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
        .map_err(|_| OAuthError::invalid_request("the request body is not form-encoded"))?;
    for (i, (key, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(k, _)| k == key) {
            return Err(OAuthError::invalid_request(format!(
                "parameter `{key}` is repeated"
            )));
        }
    }
    Ok(pairs)
}

/// The value of parameter `name`.
pub fn param<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses_repeats() {
        let form = parse_form(b"grant_type=client_credentials&scope=a+b").unwrap();
        assert_eq!(param(&form, "scope"), Some("a b"));
        assert_eq!(param(&form, "missing"), None);
        let err = parse_form(b"scope=a&scope=b").unwrap_err();
        assert_eq!(err.error, "invalid_request");
    }
}
