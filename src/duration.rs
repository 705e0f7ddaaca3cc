//! Durations as written in scenario files and on the command line: `200ms`, `10s`, `1.5s`,
//! `1m`, `1h`. [`parse_duration`] is the one parser; [`DURATION_PATTERN`] is the same rule for
//! the JSON Schema, so a value that loads also validates and the reverse.

use std::time::Duration;

/// The JSON Schema pattern of a duration: digits, an optional fraction, a unit.
pub const DURATION_PATTERN: &str = "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$";

/// The longest duration docflow accepts anywhere (a day): a larger retry interval or timeout
/// is a typo, and an unbounded one overflows the clock arithmetic that uses it.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

/// Parses digits, an optional `.digits` fraction and a unit (`ms`, `s`, `m`, `h`), exactly as
/// [`DURATION_PATTERN`] says, up to [`MAX_DURATION`]. The error is a lowercase fragment.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "" => return Err(format!("`{text}` needs a unit: `ms`, `s`, `m` or `h`")),
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}` (expected `ms`, `s`, `m` or `h`)"
            ));
        }
    };
    if !is_decimal(number) {
        return Err(format!("`{text}` is not a duration like `10s` or `200ms`"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like `10s` or `200ms`"))?;
    match Duration::try_from_secs_f64(value * scale) {
        Ok(d) if d <= MAX_DURATION => Ok(d),
        _ => Err(format!("`{text}` is longer than the maximum of `24h`")),
    }
}

/// `digits` or `digits.digits`: what the schema pattern allows before the unit.
fn is_decimal(number: &str) -> bool {
    let mut parts = number.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && parts.next().is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_units() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("24h"), Ok(MAX_DURATION));
    }

    #[test]
    fn rejects_missing_or_unknown_units_and_garbage() {
        assert!(parse_duration("10").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("10 sec").is_err());
        assert!(parse_duration("10d").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("1.2.3s").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999999999h").is_err());
        assert!(parse_duration("9223372036854775807s").is_err());
        assert!(parse_duration("25h").unwrap_err().contains("maximum"));
    }

    #[test]
    fn agrees_with_the_schema_pattern_on_edge_forms() {
        // `.5s` and `5.s` parse as f64 but the pattern refuses them; so does the parser.
        for text in [".5s", "5.s", "1e3s", "+1s"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }
}
