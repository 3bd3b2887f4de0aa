//! Capabilities seen in PHP: the hosts a module's code names, and where
//! it writes files.

use crate::capability::CapabilityKind;

use super::ir::{Class, ExprKind, Span};
use super::report::Report;
use super::value::UNKNOWN;

/// Hosts of XML namespaces and schemas: named in code, never contacted.
const NAMESPACE_HOSTS: &[&str] = &[
    "www.w3.org",
    "w3.org",
    "schemas.xmlsoap.org",
    "schemas.microsoft.com",
    "purl.org",
    "xmlns.com",
    "ns.adobe.com",
    "json-schema.org",
];

/// Reports the host of every `http(s)://` URL in the file's strings.
pub fn hosts(report: &mut Report<'_>, urls: &[(Span, &str)]) {
    for (_, text) in urls {
        let mut rest: &str = text;
        while let Some(at) = find_scheme(rest) {
            let url = &rest[at..];
            let host = host_of(url)
                .filter(|h| !is_local_host(h) && !NAMESPACE_HOSTS.contains(&h.as_str()));
            if let Some(host) = host {
                report.capability(CapabilityKind::Host, host);
            }
            rest = &url[4..];
        }
    }
}

/// Where the next `http://` or `https://` starts.
fn find_scheme(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let http = lower.find("http://");
    let https = lower.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The host of an absolute URL, lowercased, without port or user.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(|c: char| {
        matches!(c, '/' | '?' | '#' | '"' | '\'' | ' ' | '\\') || c == UNKNOWN || c.is_whitespace()
    });
    let authority = &rest[..end.unwrap_or(rest.len())];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]"))?
    } else {
        host.split(':').next().unwrap_or(host).to_string()
    };
    let valid = !host.is_empty()
        && host.contains(['.', ':', ']'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'));
    valid.then(|| host.to_ascii_lowercase())
}

/// Loopback and unqualified hosts.
pub fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.starts_with("127.")
        || host == "::1"
        || host == "0.0.0.0"
        || host.ends_with(".localhost")
}

/// Reports a file write at a known path.
pub fn file_write(report: &mut Report<'_>, path: Option<&str>) {
    if let Some(path) = path.and_then(normalize_path) {
        report.capability(CapabilityKind::FileWrite, path);
    }
}

/// Monolog handlers declare their file in `$fileName`.
pub fn logger_files(report: &mut Report<'_>, classes: &[Class<'_>]) {
    for class in classes {
        for prop in class.props.iter().filter(|p| p.name == "fileName") {
            if let Some(ExprKind::Str(path)) = prop.default.as_ref().map(|d| &d.kind) {
                file_write(report, Some(path));
            }
        }
    }
}

/// A written path relative to the Magento root, unknown parts as `*`:
/// `BP . '/pub/media/rx/' . $id . '.txt'` → `pub/media/rx/*.txt`.
/// `None` when too little is known to say where.
pub fn normalize_path(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == UNKNOWN {
            if !out.ends_with('*') {
                out.push('*');
            }
        } else {
            out.push(c);
        }
    }
    let mut path = out.trim_start_matches('/').to_string();
    for anchor in ["pub/", "var/", "app/etc/", "generated/"] {
        if let Some(i) = path.find(&format!("/{anchor}")) {
            path = path[i + 1..].to_string();
            break;
        }
    }
    let first = path.split('/').next().unwrap_or("");
    (!path.is_empty() && first != "*" && !first.starts_with('*')).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_drop_ports_users_and_unknown_tails() {
        assert_eq!(
            host_of("https://api.example.test:8443/v1").as_deref(),
            Some("api.example.test")
        );
        assert_eq!(
            host_of("http://user:pw@Calendar.example.test/api").as_deref(),
            Some("calendar.example.test")
        );
        assert_eq!(host_of("https://px.test\u{1}").as_deref(), Some("px.test"));
        assert_eq!(host_of("https://%s/x"), None);
        assert!(
            is_local_host("127.0.0.1") && is_local_host("localhost") && !is_local_host("db.test")
        );
    }

    #[test]
    fn paths_are_anchored_at_the_magento_root() {
        assert_eq!(
            normalize_path("/pub/media/rx/\u{1}.txt").as_deref(),
            Some("pub/media/rx/*.txt")
        );
        assert_eq!(
            normalize_path("\u{1}/var/log/x.log").as_deref(),
            Some("var/log/x.log")
        );
        assert_eq!(
            normalize_path("/var/log/directcard.log").as_deref(),
            Some("var/log/directcard.log")
        );
        assert_eq!(normalize_path("\u{1}.csv"), None);
    }
}
