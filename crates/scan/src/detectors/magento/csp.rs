//! `etc/csp_whitelist.xml`: hosts the extension adds to the storefront's
//! Content Security Policy.
//!
//! Every host is a Host capability. Hosts added to the directives that let
//! code in or data out (script-src, connect-src, img-src, form-action,
//! default-src) are findings: medium as a list to check against the
//! store's vendors, high for a wildcard or an IP address, which allow far
//! more than one vendor's service. Hashes (`type="hash"`) are not hosts.

use roxmltree::{Document, Node};

use super::rules::CSP_THIRD_PARTY_HOST;
use super::xml;
use super::Report;
use crate::capability::CapabilityKind;
use crate::finding::Severity;

/// Directives where an allowed host can run code or receive data.
const WEIGHTY: &[&str] = &[
    "script-src",
    "connect-src",
    "img-src",
    "form-action",
    "default-src",
];

/// Checks one csp_whitelist.xml document.
pub fn check(doc: &Document, report: &mut Report) {
    for policy in xml::descendants(doc.root(), "policy") {
        let directive = policy.attribute("id").unwrap_or("").to_ascii_lowercase();
        for value in xml::descendants(policy, "value") {
            if value.attribute("type").is_some_and(|t| t != "host") {
                continue;
            }
            let host = host(&xml::text(value));
            if host.is_empty() {
                continue;
            }
            report.capability(CapabilityKind::Host, host.clone());
            if WEIGHTY.contains(&directive.as_str()) {
                host_finding(doc, &directive, &host, value, report);
            }
        }
    }
}

fn host_finding(doc: &Document, directive: &str, host: &str, value: Node, report: &mut Report) {
    let broad = if host.contains('*') {
        Some("a wildcard")
    } else if is_ip(host) {
        Some("an IP address")
    } else {
        None
    };
    let severity = if broad.is_some() {
        Severity::High
    } else {
        Severity::Medium
    };
    let what = broad.map(|b| format!(" ({b})")).unwrap_or_default();
    let message = format!("The Content Security Policy's {directive} now allows {host}{what}");
    let evidence = format!("{directive} {host}");
    let finding = xml::finding_at(
        &CSP_THIRD_PARTY_HOST,
        doc,
        report.path,
        value,
        message,
        &evidence,
    );
    report.finding(finding.with_severity(severity));
}

/// A CSP source as a host: scheme and path dropped, lowercased.
fn host(source: &str) -> String {
    let source = source.trim();
    let rest = source.split_once("://").map_or(source, |(_, r)| r);
    rest.split('/').next().unwrap_or("").to_ascii_lowercase()
}

fn is_ip(host: &str) -> bool {
    let host = host.split(':').next().unwrap_or(host);
    let v4 = host.split('.').count() == 4 && host.split('.').all(|p| p.parse::<u8>().is_ok());
    v4 || host.starts_with('[')
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_files, codes_at};
    use crate::finding::Severity;

    fn csp(directive: &str, values: &str) -> String {
        format!(
            "<csp_whitelist>\n<policies>\n<policy id=\"{directive}\">\n<values>\n{values}\n\
             </values>\n</policy>\n</policies>\n</csp_whitelist>"
        )
    }

    #[test]
    fn a_script_host_is_medium_and_a_host_capability() {
        let xml = csp(
            "script-src",
            "<value id=\"px\" type=\"host\">https://px.ads.test</value>",
        );
        let out = check_files(&[("etc/csp_whitelist.xml", &xml)]);
        assert_eq!(codes_at(&out), [("csp-third-party-host", 5)]);
        assert_eq!(out.findings[0].severity, Severity::Medium);
        assert_eq!(out.capabilities[0].value, "px.ads.test");
    }

    #[test]
    fn wildcards_and_ip_addresses_are_high() {
        let xml = csp(
            "connect-src",
            "<value id=\"a\" type=\"host\">*.collect.test</value>\n\
             <value id=\"b\" type=\"host\">203.0.113.7</value>",
        );
        let out = check_files(&[("etc/csp_whitelist.xml", &xml)]);
        assert_eq!(
            codes_at(&out),
            [("csp-third-party-host", 5), ("csp-third-party-host", 6)]
        );
        assert!(out.findings.iter().all(|f| f.severity == Severity::High));
    }

    #[test]
    fn fonts_and_hashes_are_not_findings() {
        let fonts = csp(
            "font-src",
            "<value id=\"f\" type=\"host\">fonts.example.test</value>",
        );
        let hashes = csp(
            "script-src",
            "<value id=\"h\" type=\"hash\" algorithm=\"sha256\">abc=</value>",
        );
        let out = check_files(&[
            ("etc/csp_whitelist.xml", &fonts),
            ("a/etc/csp_whitelist.xml", &hashes),
        ]);
        assert!(out.findings.is_empty());
        assert_eq!(out.capabilities.len(), 1);
    }
}
