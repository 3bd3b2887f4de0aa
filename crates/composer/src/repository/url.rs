//! The URL rules a Composer client applies to repository metadata: where the
//! root file lives, what `/`-relative values are joined to, and how the
//! `%package%` / `%hash%` templates and name patterns are filled and matched.
//!
//! We follow Composer's own string rules rather than RFC 3986 joining,
//! because an upstream was written against Composer, not against a spec.

/// Resolves a URL found in repository metadata as Composer does: a value
/// starting with `/` is joined to `scheme://host[:port]` of the repository
/// URL (its path dropped); anything else is used as is.
pub fn canonicalize_url(repo_url: &str, value: &str) -> String {
    if !value.starts_with('/') {
        return value.to_string();
    }
    match origin_prefix(repo_url) {
        Some(prefix) => format!("{prefix}{value}"),
        None => repo_url.to_string(),
    }
}

/// `scheme://authority` at the start of `url`, if it has one.
fn origin_prefix(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    if colon == 0 || !url[colon..].starts_with("://") {
        return None;
    }
    let authority_start = colon + 3;
    let end = url[authority_start..]
        .find('/')
        .map_or(url.len(), |i| authority_start + i);
    Some(&url[..end])
}

/// The URL of a repository's root file: the configured URL when its path
/// ends in `.json`, else `<url>/packages.json`.
pub fn root_url(repo_url: &str) -> String {
    let trimmed = repo_url.trim_end_matches('/');
    if strip_query(trimmed).ends_with(".json") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/packages.json")
    }
}

/// The base that v1 `provider-includes` paths are relative to: the
/// repository URL without a query, a trailing `*.json` file or a `/`.
pub fn base_url(repo_url: &str) -> String {
    let path = strip_query(repo_url);
    let path = match path.rsplit_once('/') {
        Some((head, file)) if file.ends_with(".json") && !file.is_empty() => head,
        _ => path,
    };
    path.trim_end_matches('/').to_string()
}

fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// Fills a `%package%` / `%hash%` URL template.
pub fn fill_template(template: &str, name: &str, hash: &str) -> String {
    template.replace("%package%", name).replace("%hash%", hash)
}

/// Case-insensitive match of a name against a pattern whose only wildcard
/// is `*`, as `available-package-patterns` uses.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_slash_joins_the_origin_and_drops_the_repo_path() {
        let repo = "https://repo.example:8443/c/clinic-a/";
        let url = canonicalize_url(repo, "/c/clinic-a/p2/%package%.json");
        assert_eq!(
            url,
            "https://repo.example:8443/c/clinic-a/p2/%package%.json"
        );
        let url = canonicalize_url("https://repo.example/c/x", "/downloads");
        assert_eq!(url, "https://repo.example/downloads");
    }

    #[test]
    fn absolute_and_plain_relative_values_are_used_as_is() {
        let repo = "https://repo.example/c/x";
        let abs = "https://cdn.example/p2/%package%.json";
        assert_eq!(canonicalize_url(repo, abs), abs);
        assert_eq!(canonicalize_url(repo, "p2/x.json"), "p2/x.json");
    }

    #[test]
    fn a_repo_url_without_scheme_is_returned_for_a_slash_value() {
        assert_eq!(canonicalize_url("repo.example/x", "/p2"), "repo.example/x");
    }

    #[test]
    fn the_root_file_is_packages_json_unless_the_url_names_a_json_file() {
        assert_eq!(
            root_url("https://r.example/"),
            "https://r.example/packages.json"
        );
        assert_eq!(
            root_url("https://r.example/c/a"),
            "https://r.example/c/a/packages.json"
        );
        assert_eq!(
            root_url("https://r.example/repo.json"),
            "https://r.example/repo.json"
        );
    }

    #[test]
    fn the_v1_base_drops_a_json_file_query_and_trailing_slash() {
        assert_eq!(
            base_url("https://repo.magento.com/"),
            "https://repo.magento.com"
        );
        assert_eq!(
            base_url("https://r.example/a/packages.json?x=1"),
            "https://r.example/a"
        );
        assert_eq!(base_url("https://r.example/a"), "https://r.example/a");
    }

    #[test]
    fn templates_take_name_and_hash() {
        let url = fill_template("/p/%package%$%hash%.json", "magento/module-catalog", "ab12");
        assert_eq!(url, "/p/magento/module-catalog$ab12.json");
    }

    #[test]
    fn patterns_match_with_stars_and_ignore_case() {
        assert!(glob_matches("acme/*", "acme/module-rx"));
        assert!(glob_matches("ACME/*", "acme/module-rx"));
        assert!(glob_matches(
            "*/module-*-fee",
            "vendorx/module-checkout-fee"
        ));
        assert!(glob_matches("acme/exact", "acme/exact"));
        assert!(!glob_matches("acme/exact", "acme/exactly"));
        assert!(!glob_matches("acme/*", "other/acme"));
        assert!(!glob_matches("a*b*c", "abx"));
        assert!(glob_matches("*", "anything/at-all"));
    }
}
