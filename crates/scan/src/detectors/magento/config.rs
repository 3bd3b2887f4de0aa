//! `etc/config.xml`: default configuration values an extension ships.
//!
//! Two things in defaults hurt: a credential (the same on every store that
//! installs the package, and readable by anyone who has it) and an
//! `http://` endpoint (whatever is sent there crosses the network in the
//! clear). Every URL's host is also a Host capability, for BAA review.
//!
//! Only element text under `<default>`, `<websites>` and `<stores>` is
//! read, so the XML namespace and schema URIs in attributes never count.

use roxmltree::{Document, Node};

use super::lexicon;
use super::rules::{CONFIG_DEFAULT_CREDENTIAL, CONFIG_PLAIN_HTTP_ENDPOINT};
use super::xml;
use super::Report;
use crate::capability::CapabilityKind;
use crate::finding::{redact, Finding};

/// Scopes whose children are configuration values.
const SCOPES: &[&str] = &["default", "websites", "stores"];

/// Checks one config.xml document.
pub fn check(doc: &Document, report: &mut Report) {
    let Some(config) = doc.root().first_element_child() else {
        return;
    };
    for scope in config
        .children()
        .filter(|n| SCOPES.contains(&n.tag_name().name()))
    {
        for leaf in scope.descendants().filter(|n| is_leaf(*n)) {
            credential(doc, leaf, scope, report);
            urls(doc, leaf, scope, report);
        }
    }
}

fn is_leaf(node: Node) -> bool {
    node.is_element() && !node.children().any(|c| c.is_element())
}

/// `payment/acme/api_key` for a leaf under `<default>`.
fn value_path(leaf: Node, scope: Node) -> String {
    let mut names: Vec<&str> = leaf
        .ancestors()
        .take_while(|n| *n != scope)
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    names.reverse();
    names.join("/")
}

fn credential(doc: &Document, leaf: Node, scope: Node, report: &mut Report) {
    if !lexicon::is_credential_name(leaf.tag_name().name()) {
        return;
    }
    let value = xml::text(leaf);
    if !looks_like_credential(&value) {
        return;
    }
    let path = value_path(leaf, scope);
    let message = format!(
        "Default `{path}` ships a credential ({}): every store installing this extension gets it",
        redact(&value)
    );
    let at = xml::node_location(doc, report.path, leaf);
    let snippet = format!(
        "<{}>{}</{}>",
        leaf.tag_name().name(),
        redact(&value),
        leaf.tag_name().name()
    );
    report.finding(Finding::new(
        &CONFIG_DEFAULT_CREDENTIAL,
        at,
        message,
        snippet,
        &value,
    ));
}

/// Whether a default value could be a real credential: not empty, not a
/// placeholder or template, not prose, not a class name, not a value
/// Magento already encrypted (`0:3:…`).
fn looks_like_credential(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let placeholder = [
        "your",
        "change",
        "example",
        "placeholder",
        "xxx",
        "***",
        "dummy",
        "sample",
    ]
    .iter()
    .any(|p| lower.contains(p));
    let templated = ["{{", "${", "%", "<"].iter().any(|t| value.starts_with(t));
    let encrypted = value
        .split(':')
        .take(2)
        .all(|p| p.chars().all(|c| c.is_ascii_digit()))
        && value.matches(':').count() >= 2;
    let one_char = value.chars().all(|c| value.starts_with(c));
    value.chars().count() >= 6
        && !placeholder
        && !templated
        && !encrypted
        && !one_char
        && !value.contains(char::is_whitespace)
        && !value.contains('\\')
}

fn urls(doc: &Document, leaf: Node, scope: Node, report: &mut Report) {
    for text in leaf.children().filter(|n| n.is_text()) {
        let range = text.range();
        let source = &doc.input_text()[range.clone()];
        for (offset, url) in find_urls(source) {
            let host = host_of(url);
            if host.is_empty() || is_local(&host) {
                continue;
            }
            report.capability(CapabilityKind::Host, host.clone());
            if !url.to_ascii_lowercase().starts_with("http://") {
                continue;
            }
            let path = value_path(leaf, scope);
            let message = format!("Default `{path}` points to {url} over plain HTTP");
            let at = xml::location(doc, report.path, range.start + offset);
            let snippet = xml::shorten(url, 160);
            let evidence = format!("{path} {url}");
            let rule = &CONFIG_PLAIN_HTTP_ENDPOINT;
            report.finding(Finding::new(rule, at, message, snippet, &evidence));
        }
    }
}

/// `http(s)://…` URLs in `text`, with their byte offsets.
fn find_urls(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    for (start, _) in text.match_indices("http") {
        let rest = &text[start..];
        let lower = rest.get(..8).unwrap_or(rest).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || "\"'<>,".contains(c))
            .unwrap_or(rest.len());
        out.push((start, &rest[..end]));
    }
    out
}

/// The host of a URL, lowercased, without port or credentials.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    host.to_ascii_lowercase()
}

fn is_local(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "0.0.0.0")
        || host.ends_with(".localhost")
        || host.ends_with(".local")
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use super::host_of;

    fn config(values: &str) -> String {
        format!(
            "<config xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n<default>\n\
             <payment>\n<acme>\n{values}\n</acme>\n</payment>\n</default>\n</config>"
        )
    }

    #[test]
    fn a_shipped_api_key_is_a_default_credential_and_never_shown() {
        let xml = config("<active>1</active>\n<api_key>sk9f83hd72jd0a</api_key>");
        let out = check_files(&[("etc/config.xml", &xml)]);
        assert_eq!(codes_at(&out), [("config-default-credential", 6)]);
        assert!(!out.findings[0].snippet.contains("sk9f83hd72jd0a"));
        assert!(!out.findings[0].message.contains("sk9f83hd72jd0a"));
    }

    #[test]
    fn empty_placeholder_and_encrypted_defaults_are_not_credentials() {
        let xml = config(
            "<api_key/>\n<password>your_password</password>\n<token>{{token}}</token>\n\
             <secret>0:3:QmFzZTY0RW5jcnlwdGVk</secret>\n<debug>1</debug>\n\
             <token_lifetime>3600000</token_lifetime>",
        );
        let out = check_files(&[("etc/config.xml", &xml)]);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn a_plain_http_endpoint_is_found_at_its_url_and_its_host_is_listed() {
        let xml = config("<gateway_url>http://api.acme-pay.test/v2</gateway_url>");
        let out = check_files(&[("etc/config.xml", &xml)]);
        assert_eq!(codes_at(&out), [("config-plain-http-endpoint", 5)]);
        assert_eq!(out.findings[0].location.column, 14);
        assert_eq!(out.capabilities[0].value, "api.acme-pay.test");
    }

    #[test]
    fn https_localhost_and_namespace_uris_are_not_plain_http_findings() {
        let xml = config(
            "<gateway_url>https://api.acme-pay.test/v2</gateway_url>\n\
             <dev_url>http://localhost:8080/</dev_url>",
        );
        let out = check_files(&[("etc/config.xml", &xml)]);
        assert!(out.findings.is_empty());
        assert_eq!(out.capabilities.len(), 1);
    }

    #[test]
    fn hosts_lose_scheme_port_path_and_credentials() {
        assert_eq!(
            host_of("https://u:p@API.Example.test:8443/x?y"),
            "api.example.test"
        );
        assert_eq!(host_of("http://[::1]:80/"), "[::1]");
    }
}
