//! [`CurlRequest`]: a `curl` command from a docs ```sh block, parsed into method, URL,
//! headers and body. Only the options the docs use to describe a request are understood;
//! output-only flags (`-i`, `-s`, `--fail-with-body`, …) are ignored and anything else is
//! reported, never guessed.

use crate::scenario::model::Destination;

/// A request written as a curl command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurlRequest {
    /// Upper-case method: `-X`, else `POST` when data is sent, else `GET`.
    pub method: String,
    /// The URL as written (`$ISSUER_URL/oauth/token`).
    pub url: String,
    /// `-H` headers as `(name, value)`, in order.
    pub headers: Vec<(String, String)>,
    /// `-d`/`--data*` fields `name=value`, in order (a form body, or the query with `-G`).
    pub form: Vec<(String, String)>,
    /// `--json` body, as written.
    pub json: Option<String>,
    /// A `-d` body that is not `name=value` (raw JSON, say), as written.
    pub raw: Option<String>,
    /// `-u user:password`.
    pub basic_auth: Option<(String, String)>,
    /// `-G`: the data goes to the query string.
    pub get: bool,
    /// Options docflow did not understand, as written.
    pub unknown: Vec<String>,
}

/// Flags without an argument that only change curl's output or transport behaviour.
const IGNORED_FLAGS: &[&str] = &[
    "-i",
    "--include",
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-L",
    "--location",
    "-k",
    "--insecure",
    "-v",
    "--verbose",
    "-f",
    "--fail",
    "--fail-with-body",
    "--no-progress-meter",
    "--compressed",
    "-N",
    "--no-buffer",
];

/// Short flags that may be bundled (`-sSL`).
const BUNDLABLE: &str = "isSLkvfN";

/// Where a curl's URL goes: a `$KONNECT_PROXY_URL/…` (or `${KONNECT_PROXY_URL}/…`) URL to
/// the proxy, with the path after the variable; anything else as written. The converter and
/// the drift check share this rule.
pub fn destination(url: &str) -> (Destination, &str) {
    match url
        .strip_prefix("$KONNECT_PROXY_URL")
        .or_else(|| url.strip_prefix("${KONNECT_PROXY_URL}"))
    {
        Some(path) => (Destination::Proxy, path),
        None => (Destination::Absolute, url),
    }
}

/// Parses the words of a command whose first word is `curl`; `None` if it is not curl.
pub fn parse(words: &[String]) -> Option<CurlRequest> {
    let (first, args) = words.split_first()?;
    if first != "curl" {
        return None;
    }
    let mut req = CurlRequest::default();
    let mut method = None;
    let mut data_sent = false;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        // `--name=value` is the same as `--name value`.
        let unbundled = unbundle(arg);
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (unbundled.as_deref().unwrap_or(arg), None),
        };
        let value = if takes_value(name) {
            let value = inline.or_else(|| {
                i += 1;
                args.get(i).cloned()
            });
            if value.is_none() {
                req.unknown.push(format!("{name} (no value)"));
                break;
            }
            value
        } else {
            None
        };
        apply_option(&mut req, &mut method, &mut data_sent, name, value);
        i += 1;
    }
    req.method = method.unwrap_or_else(|| {
        if data_sent && !req.get {
            "POST".to_owned()
        } else {
            "GET".to_owned()
        }
    });
    Some(req)
}

/// `-ksvo` is `-k -s -v -o`: flags without a value bundled before one that takes the next
/// word. The last option (`-o`) when the rest are such flags.
fn unbundle(arg: &str) -> Option<String> {
    let flags = arg.strip_prefix('-').filter(|f| !f.starts_with('-'))?;
    let mut chars = flags.chars();
    let last = chars.next_back()?;
    let option = format!("-{last}");
    let bundled = chars.as_str();
    (!bundled.is_empty() && bundled.chars().all(|c| BUNDLABLE.contains(c)) && takes_value(&option))
        .then_some(option)
}

/// curl's default scheme: `localhost:8001/x` is `http://localhost:8001/x`. A URL starting with
/// a variable or a path is left as written.
fn with_scheme(url: &str) -> String {
    let bare = !url.contains("://") && !url.starts_with(['$', '/']);
    let host_like = url
        .split(['/', '?'])
        .next()
        .is_some_and(|h| h.contains('.') || h.starts_with("localhost"));
    if bare && host_like {
        format!("http://{url}")
    } else {
        url.to_owned()
    }
}

/// Whether the option takes a value (the next word, or after `=`).
fn takes_value(name: &str) -> bool {
    matches!(
        name,
        "-X" | "--request"
            | "-H"
            | "--header"
            | "-d"
            | "--data"
            | "--data-raw"
            | "--data-ascii"
            | "--data-binary"
            | "--data-urlencode"
            | "--json"
            | "-u"
            | "--user"
            | "--url"
    ) || VALUE_OPTIONS_IGNORED.contains(&name)
        || VALUE_OPTIONS_UNKNOWN.contains(&name)
}

/// Options whose value changes nothing about the request sent (where the output goes, time
/// limits, retries): read and ignored.
const VALUE_OPTIONS_IGNORED: &[&str] = &[
    "-o",
    "--output",
    "-w",
    "--write-out",
    "--connect-timeout",
    "-m",
    "--max-time",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "--cacert",
];

/// Options with a value that change the request in ways docflow does not model (cookies, a
/// client certificate, a proxy): read with their value, reported as not understood.
const VALUE_OPTIONS_UNKNOWN: &[&str] = &[
    "-b",
    "--cookie",
    "-c",
    "--cookie-jar",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-E",
    "--cert",
    "--key",
    "--resolve",
    "-x",
    "--proxy",
];

/// Applies one option (or the URL) to `req`; `method` is `-X`'s, `data_sent` whether data
/// makes the default method `POST`. What docflow does not understand goes to `req.unknown`.
fn apply_option(
    req: &mut CurlRequest,
    method: &mut Option<String>,
    data_sent: &mut bool,
    name: &str,
    value: Option<String>,
) {
    match (name, value) {
        ("-X" | "--request", Some(v)) => *method = Some(v.to_ascii_uppercase()),
        ("-H" | "--header", Some(v)) => match v.split_once(':') {
            Some((n, val)) => req
                .headers
                .push((n.trim().to_owned(), val.trim().to_owned())),
            None => req.unknown.push(format!("{name} {v}")),
        },
        (
            "-d" | "--data" | "--data-raw" | "--data-ascii" | "--data-binary" | "--data-urlencode",
            Some(v),
        ) => {
            *data_sent = true;
            match v.split_once('=') {
                Some((n, val)) if !n.is_empty() && !v.trim_start().starts_with('{') => {
                    req.form.push((n.to_owned(), val.to_owned()));
                }
                _ => req.raw = Some(v),
            }
        }
        ("--json", Some(v)) => {
            *data_sent = true;
            req.json = Some(v);
        }
        ("-u" | "--user", Some(v)) => {
            let (user, pass) = v.split_once(':').unwrap_or((v.as_str(), ""));
            req.basic_auth = Some((user.to_owned(), pass.to_owned()));
        }
        ("--url", Some(v)) => req.url = v,
        (flag, Some(_)) if VALUE_OPTIONS_IGNORED.contains(&flag) => {}
        (flag, Some(v)) if VALUE_OPTIONS_UNKNOWN.contains(&flag) => {
            req.unknown.push(format!("{flag} {v}"));
        }
        ("-G" | "--get", None) => req.get = true,
        (flag, None) if IGNORED_FLAGS.contains(&flag) => {}
        (flag, None)
            if flag.len() > 2
                && flag.starts_with('-')
                && !flag.starts_with("--")
                && flag[1..].chars().all(|c| BUNDLABLE.contains(c)) => {}
        (word, None) if !word.starts_with('-') && req.url.is_empty() => {
            req.url = with_scheme(word);
        }
        (other, _) => req.unknown.push(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::shell_words::split_commands;

    fn curl(text: &str) -> CurlRequest {
        let cmds = split_commands(text).unwrap();
        parse(&cmds[0].words).unwrap()
    }

    #[test]
    fn options_with_values_do_not_become_the_url() {
        let r = curl("curl -s -o api.js \"https://example.com/raw/api.js\"");
        assert_eq!(r.url, "https://example.com/raw/api.js");
        assert!(r.unknown.is_empty(), "{:?}", r.unknown);
        assert_eq!(
            curl("curl localhost:8181/v1/x").url,
            "http://localhost:8181/v1/x"
        );
        assert_eq!(curl("curl $PROXY/x").url, "$PROXY/x");
        let r = curl("curl -b session=1 http://localhost:8000/x");
        assert_eq!(r.url, "http://localhost:8000/x");
        assert_eq!(r.unknown, ["-b session=1"]);
    }

    #[test]
    fn the_docs_token_request() {
        let req = curl(
            "curl -X POST \"$ISSUER_URL/oauth/token\" \\\n  -H \"Content-Type: application/x-www-form-urlencoded\" \\\n  -d \"grant_type=client_credentials\" \\\n  -d \"client_id=$CLIENT_ID\" \\\n  -d \"client_secret=$CLIENT_SECRET\" \\\n  -d \"scope=Scope\"",
        );
        assert_eq!(req.method, "POST");
        assert_eq!(req.url, "$ISSUER_URL/oauth/token");
        assert_eq!(
            req.headers,
            [(
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned()
            )]
        );
        let form: Vec<_> = req.form.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            form,
            [
                "grant_type=client_credentials",
                "client_id=$CLIENT_ID",
                "client_secret=$CLIENT_SECRET",
                "scope=Scope"
            ]
        );
        assert!(req.unknown.is_empty());
    }

    #[test]
    fn method_defaults_and_output_flags() {
        let req =
            curl("curl -i -sSL \"$KONNECT_PROXY_URL/anything\" -H 'Authorization: Bearer $T'");
        assert_eq!(req.method, "GET");
        assert_eq!(req.url, "$KONNECT_PROXY_URL/anything");
        assert!(req.unknown.is_empty());
        assert_eq!(curl("curl https://x -d a=b").method, "POST");
        assert_eq!(curl("curl -G https://x -d a=b").method, "GET");
        assert_eq!(curl("curl --request=put https://x").method, "PUT");
        // `-ksvo /dev/null` bundles `-o`, whose value is not the URL.
        let req = curl("curl -ksvo /dev/null http://h/echo --resolve h:80:$PROXY_IP");
        assert_eq!(req.url, "http://h/echo");
        assert_eq!(req.unknown, ["--resolve h:80:$PROXY_IP"]);
        assert_eq!(curl("curl -sX POST https://x").method, "POST");
    }

    #[test]
    fn json_raw_basic_auth_and_unknown_options() {
        let req =
            curl("curl -X POST https://x --json '{\"a\": 1}' -u id:secret --proxy-negotiate 3");
        assert_eq!(req.json.as_deref(), Some("{\"a\": 1}"));
        assert_eq!(req.basic_auth, Some(("id".to_owned(), "secret".to_owned())));
        assert_eq!(req.unknown, ["--proxy-negotiate", "3"]);
        let raw = curl("curl https://x -d '{\"k\":\"v=1\"}'");
        assert_eq!(raw.raw.as_deref(), Some("{\"k\":\"v=1\"}"));
        assert!(raw.form.is_empty());
    }

    #[test]
    fn not_curl_is_none() {
        assert!(parse(&["echo".to_owned()]).is_none());
        assert!(parse(&[]).is_none());
    }
}
