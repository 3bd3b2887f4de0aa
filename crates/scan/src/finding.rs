//! A finding: one thing a detector saw, shaped as a diagnostic.
//!
//! Every finding names a stable rule code from the catalogue
//! ([`crate::rules`]), where it is (file, line, column), a snippet that
//! never shows a secret, and a fingerprint that survives lines shifting so
//! that a finding can be carried from one version to the next and matched
//! against a reviewer's baseline.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::rules::RuleInfo;

/// How bad it is if the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never a problem alone.
    Info,
    /// A weak signal or a small risk.
    Low,
    /// A real risk that needs a look.
    Medium,
    /// A leak or a hole a reviewer must not approve unread.
    High,
    /// Active harm: a backdoor, a skimmer, card data leaving.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in flags, JSON and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lowercase name (`--fail-on high`).
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// One step lower, for context that makes a finding less likely to hurt.
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }

    /// One step higher, e.g. for code that runs at install time.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// How likely the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A heuristic that often misfires; read before acting.
    Low,
    /// Usually right.
    Medium,
    /// A precise match.
    High,
}

/// Where in the extension a finding is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path inside the extension, `/`-separated.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Location {
    /// A location from a byte offset in `text`.
    pub fn at_offset(path: &str, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Location {
            path: path.to_string(),
            line: line as u32,
            column: column as u32,
        }
    }

    /// The whole file (line 1, column 1), for findings about a file as such.
    pub fn file(path: &str) -> Location {
        Location {
            path: path.to_string(),
            line: 1,
            column: 1,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The stable rule code, e.g. `secret-aws-access-key`.
    pub code: String,
    /// Impact if real (after context adjustments).
    pub severity: Severity,
    /// How likely real.
    pub confidence: Confidence,
    /// Where.
    pub location: Location,
    /// The matched text with any secret redacted (see [`redact`]).
    pub snippet: String,
    /// What was found, in one sentence.
    pub message: String,
    /// What a reviewer should do about it.
    pub help: String,
    /// The CWE id, when one fits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwe: Option<u32>,
    /// Stable identity across versions and line shifts (hex sha256).
    pub fingerprint: String,
}

impl Finding {
    /// A finding for `rule` at `location`, with the rule's default severity,
    /// confidence, help and CWE. `evidence` is the normalized matched
    /// content the fingerprint is made from (for a secret: the secret
    /// itself, which never leaves this function unhashed).
    pub fn new(
        rule: &RuleInfo,
        location: Location,
        message: impl Into<String>,
        snippet: impl Into<String>,
        evidence: &str,
    ) -> Finding {
        let fingerprint = fingerprint(rule.code, &location.path, evidence);
        Finding {
            code: rule.code.to_string(),
            severity: rule.severity,
            confidence: rule.confidence,
            location,
            snippet: snippet.into(),
            message: message.into(),
            help: rule.help.to_string(),
            cwe: rule.cwe,
            fingerprint,
        }
    }

    /// The same finding at another severity.
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    /// The same finding at another confidence.
    pub fn with_confidence(mut self, confidence: Confidence) -> Finding {
        self.confidence = confidence;
        self
    }
}

/// `sha256("formulary/v1" 0 code 0 path 0 evidence)`, hex.
///
/// The evidence is normalized by the caller (whitespace collapsed, the
/// matched expression rather than its line), so the fingerprint survives
/// lines moving; including the path keeps two copies of one mistake in two
/// files apart.
pub fn fingerprint(code: &str, path: &str, evidence: &str) -> String {
    let mut hasher = Sha256::new();
    for part in ["formulary/v1", code, path, &collapse_whitespace(evidence)] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A secret as a report may show it: its first four characters and its
/// length, never more (`AKIA…(20 chars)`).
pub fn redact(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("{head}…({} chars)", secret.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redacted_secret_shows_four_characters_and_its_length() {
        assert_eq!(redact("AKIAIOSFODNN7REALKEY"), "AKIA…(20 chars)");
        assert_eq!(redact("ab"), "ab…(2 chars)");
    }

    #[test]
    fn fingerprints_ignore_whitespace_but_not_the_path() {
        let a = fingerprint("x", "a.php", "eval( $x )");
        assert_eq!(a, fingerprint("x", "a.php", "eval(  $x\n )"));
        assert_ne!(a, fingerprint("x", "b.php", "eval( $x )"));
    }

    #[test]
    fn a_location_from_an_offset_counts_lines_and_characters() {
        let text = "<?php\n$é = 1; eval($x);\n";
        let at = Location::at_offset("a.php", text, text.find("eval").unwrap_or(0));
        assert_eq!((at.line, at.column), (2, 9));
    }

    #[test]
    fn severities_order_and_step() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!(Severity::Info.raised(), Severity::Low);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
    }
}
