//! `{{site.*}}` variables of the docs site, substituted in prose only (headings, paragraphs,
//! the title), never inside request blocks or code, as the site's Jekyll config does
//! (`jekyll.yml`; see `shared/facts/konnect.md` §4.3). [`SITE_VARIABLES`] is the table.

/// The site variables docflow knows, and their values on the docs site.
pub const SITE_VARIABLES: &[(&str, &str)] = &[
    ("konnect_short_name", "Konnect"),
    ("identity", "Kong Identity"),
];

/// Replaces `{{site.NAME}}` (spaces inside the braces allowed) with the known values;
/// unknown variables are left as written.
pub fn substitute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        let value = name
            .strip_prefix("site.")
            .and_then(|n| SITE_VARIABLES.iter().find(|(k, _)| *k == n))
            .map(|(_, v)| *v);
        match value {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_variables_are_replaced_unknown_kept() {
        assert_eq!(
            substitute("Configure {{site.konnect_short_name}} Identity with {{ site.identity }}"),
            "Configure Konnect Identity with Kong Identity"
        );
        assert_eq!(
            substitute("{{site.base_gateway}} and {{ page.x }}"),
            "{{site.base_gateway}} and {{ page.x }}"
        );
        assert_eq!(substitute("open {{site.identity"), "open {{site.identity");
    }
}
