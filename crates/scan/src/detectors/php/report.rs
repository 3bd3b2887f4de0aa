//! Findings and capabilities of one PHP file, as the checks produce them.
//!
//! The engine may walk a class several times while its summaries settle;
//! [`Report::mark`] and [`Report::rewind`] drop the findings of the
//! rounds that do not count, and [`Report::finish`] removes duplicates
//! (a loop body is walked twice, a sink may be reached twice).

use std::collections::HashSet;
use std::rc::Rc;

use crate::capability::{Capability, CapabilityKind};
use crate::context;
use crate::finding::{redact, Confidence, Finding, Location, Severity};
use crate::rules::RuleInfo;

use super::ir::Span;
use super::sinks::SinkKind;
use super::value::Taint;
use super::{flows, malware, transport};

/// A place where data is sent, written or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkSite {
    pub kind: SinkKind,
    /// `Curl::post`, `error_log`, `eval`.
    pub label: Rc<str>,
    /// The call.
    pub span: Span,
    /// For HTTP: the URL, as far as it is known.
    pub url: Option<Rc<str>>,
    /// Where that URL's literal is written.
    pub url_at: Option<Span>,
    /// For files: the path, as far as it is known.
    pub path: Option<Rc<str>>,
    /// The sink was recognised by the receiver's name, not its class.
    pub by_name: bool,
    /// Stored under a key the code does not name, so it may not be the
    /// sensitive field: reported a step lower.
    pub unnamed_key: bool,
}

/// What a finding says beyond its rule's defaults.
pub struct Emit<'m> {
    pub span: Span,
    pub message: String,
    pub severity: Option<Severity>,
    pub confidence: Option<Confidence>,
    /// A secret in the matched text: shown redacted, hashed in the
    /// fingerprint.
    pub secret: Option<&'m str>,
}

impl Emit<'_> {
    /// A finding at `span` with `message` and the rule's defaults.
    pub fn at(span: Span, message: String) -> Emit<'static> {
        Emit {
            span,
            message,
            severity: None,
            confidence: None,
            secret: None,
        }
    }
}

/// The findings of one file.
pub struct Report<'r> {
    pub path: &'r str,
    pub bytes: &'r [u8],
    findings: Vec<Finding>,
    capabilities: Vec<Capability>,
    /// The file looks like a licence, activation or update check.
    pub licence: bool,
}

impl<'r> Report<'r> {
    /// An empty report for `path`.
    pub fn new(path: &'r str, bytes: &'r [u8]) -> Report<'r> {
        let lower = path.to_ascii_lowercase();
        let licence = [
            "licens",
            "licenc",
            "activat",
            "updat",
            "callhome",
            "phonehome",
            "verif",
        ]
        .iter()
        .any(|w| lower.contains(w));
        Report {
            path,
            bytes,
            findings: Vec::new(),
            capabilities: Vec::new(),
            licence,
        }
    }

    /// How many findings there are now.
    pub fn mark(&self) -> usize {
        self.findings.len()
    }

    /// Drops findings reported since `mark`.
    pub fn rewind(&mut self, mark: usize) {
        self.findings.truncate(mark);
    }

    /// Reports a finding of `rule`.
    pub fn emit(&mut self, rule: &RuleInfo, emit: Emit<'_>) {
        let location = self.location(emit.span.start);
        let mut snippet = hide_secrets(&self.line_at(emit.span.start));
        let mut evidence = self.text(emit.span);
        if let Some(secret) = emit.secret.filter(|s| !s.is_empty()) {
            snippet = snippet.replace(secret, &redact(secret));
            evidence = evidence.replace(secret, &format!("secret:{secret}"));
        }
        let mut finding = Finding::new(rule, location, emit.message, snippet, &evidence);
        if let Some(severity) = emit.severity {
            finding = finding.with_severity(severity);
        }
        if let Some(confidence) = emit.confidence {
            finding = finding.with_confidence(confidence);
        }
        tracing::debug!(code = rule.code, path = self.path, "php finding");
        self.findings.push(context::adjust(finding, self.path));
    }

    /// Reports a capability.
    pub fn capability(&mut self, kind: CapabilityKind, value: String) {
        self.capabilities
            .push(Capability::new(kind, value, self.path));
    }

    /// Dispatches data reaching a sink to the check that owns that sink.
    pub fn sink(&mut self, site: &SinkSite, taint: &Taint, via: Option<&str>, gateway: bool) {
        match site.kind {
            SinkKind::Eval | SinkKind::Exec | SinkKind::Include => {
                malware::sink(self, site, taint, via)
            }
            SinkKind::Session => transport::session(self, site, taint),
            SinkKind::File => {
                malware::file_write(self, site, taint, via);
                flows::sink(self, site, taint, via, gateway)
            }
            _ => flows::sink(self, site, taint, via, gateway),
        }
    }

    /// The findings and capabilities, without duplicates.
    pub fn finish(self) -> (Vec<Finding>, Vec<Capability>) {
        let mut seen = HashSet::new();
        let findings = self
            .findings
            .into_iter()
            .filter(|f| seen.insert((f.code.clone(), f.location.line, f.location.column)))
            .collect();
        let mut capabilities = self.capabilities;
        capabilities.sort();
        capabilities.dedup();
        (findings, capabilities)
    }

    /// Line and column of a byte offset.
    pub fn location(&self, offset: u32) -> Location {
        let offset = (offset as usize).min(self.bytes.len());
        let before = &self.bytes[..offset];
        let line = memchr_count(before) + 1;
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        Location {
            path: self.path.to_string(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    /// The source text of a span, whitespace collapsed, at most 400 bytes.
    pub fn text(&self, span: Span) -> String {
        let start = (span.start as usize).min(self.bytes.len());
        let end = (span.end as usize)
            .clamp(start, self.bytes.len())
            .min(start + 400);
        let raw = String::from_utf8_lossy(&self.bytes[start..end]);
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The trimmed source line holding `offset`, at most 160 characters.
    fn line_at(&self, offset: u32) -> String {
        let offset = (offset as usize).min(self.bytes.len());
        let start = self.bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = self.bytes[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| offset + i);
        let line = String::from_utf8_lossy(&self.bytes[start..end]);
        line.trim().chars().take(160).collect()
    }
}

/// The line of code a finding shows may hold a key next to the data it
/// is about (`['key' => 'sk_live_…', 'email' => $email]`). Quoted
/// literals that look like secrets (long, no spaces, not a URL, letters
/// and digits, high entropy) are shown redacted.
fn hide_secrets(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find(['\'', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        let Some(close) = body.find(quote) else {
            rest = body;
            break;
        };
        let literal = &body[..close];
        if looks_secret(literal) {
            out.push_str(&redact(literal));
        } else {
            out.push_str(literal);
        }
        out.push(quote);
        rest = &body[close + 1..];
    }
    out.push_str(rest);
    out
}

fn looks_secret(text: &str) -> bool {
    let long = text.chars().count() >= 20;
    let plain = !text.contains(char::is_whitespace) && !text.contains("://");
    let mixed =
        text.chars().any(|c| c.is_ascii_digit()) && text.chars().any(|c| c.is_ascii_alphabetic());
    long && plain && mixed && entropy(text) >= 3.5
}

/// Shannon entropy in bits per character.
fn entropy(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in text.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::hide_secrets;

    #[test]
    fn keys_beside_the_data_are_redacted_in_snippets_but_urls_and_words_are_not() {
        let line = "$this->curl->post('https://api.partner.test/v1', ['key' => 'sk_live_U4nqABsmRnHuLY6OaXxTxU2J', 'em' => $email]);";
        let shown = hide_secrets(line);
        assert!(!shown.contains("U4nqABsmRnHuLY6OaXxTxU2J"), "{shown}");
        assert!(shown.contains("'sk_l…(32 chars)'"), "{shown}");
        assert!(shown.contains("https://api.partner.test/v1"), "{shown}");
        assert_eq!(
            hide_secrets("log('Customer signed in', $x)"),
            "log('Customer signed in', $x)"
        );
    }
}
