//! The rule catalogue: every code a finding can carry, with its defaults.
//!
//! Each detector family owns a `RULES` table of [`RuleInfo`] rows; this
//! module joins them into one list. `docs/scan-rules.md` documents every
//! code, and a test keeps that page and this list in step, so a code can
//! neither ship undocumented nor linger in the docs after it is gone.

use crate::finding::{Confidence, Severity};

/// Which detector family a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Keys, tokens and passwords in the code.
    Secrets,
    /// Backdoors, droppers, skimmers, obfuscation.
    Malware,
    /// Patient and card data reaching logs, networks, files.
    PhiFlow,
    /// Magento XML and GraphQL configuration.
    MagentoConfig,
    /// Browser-side code: storage, trackers, mixins.
    Frontend,
    /// TLS, plain HTTP, database credentials, sessions.
    Transport,
    /// composer.json and code that runs at install time.
    Manifest,
    /// The scanner's own notes: unreadable files, ignore comments, baseline.
    Scanner,
}

/// One rule's catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable kebab-case code, e.g. `phi-to-log`.
    pub code: &'static str,
    /// The detector family.
    pub family: Family,
    /// Default severity before context adjustments.
    pub severity: Severity,
    /// Default confidence.
    pub confidence: Confidence,
    /// CWE id where one fits.
    pub cwe: Option<u32>,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// What a reviewer should do, and why it matters.
    pub help: &'static str,
}

/// Rules the scanner itself reports.
pub const SCANNER_RULES: &[RuleInfo] = &[
    RuleInfo {
        code: "file-unreadable",
        family: Family::Scanner,
        severity: Severity::Medium,
        confidence: Confidence::High,
        cwe: None,
        summary: "A file could not be read or parsed, or is a link or special file, so it was not checked",
        help: "Open the file by hand: code the scanner cannot read is code nobody reviewed. \
               Broken or encoded PHP in a shipped extension is itself suspicious.",
    },
    RuleInfo {
        code: "file-too-large",
        family: Family::Scanner,
        severity: Severity::Low,
        confidence: Confidence::High,
        cwe: None,
        summary: "A file is larger than the scanner's size limit, so it was not checked",
        help: "Look at what the file is: extensions rarely need multi-megabyte files, and a \
               large PHP or JS file may be a bundle or an encoded payload hiding in bulk.",
    },
    RuleInfo {
        code: "baseline-entry-expired",
        family: Family::Scanner,
        severity: Severity::High,
        confidence: Confidence::High,
        cwe: None,
        summary: "A baseline suppression has passed its expiry date",
        help: "Review the finding again, then renew the entry with a new expiry or fix it.",
    },
    RuleInfo {
        code: "baseline-entry-unused",
        family: Family::Scanner,
        severity: Severity::Info,
        confidence: Confidence::High,
        cwe: None,
        summary: "A baseline suppression matched no finding",
        help: "Remove the entry: stale suppressions hide the next real finding.",
    },
];

/// Every rule of every family, in a stable order.
pub fn all() -> Vec<&'static RuleInfo> {
    let tables: &[&[RuleInfo]] = &[
        SCANNER_RULES,
        crate::detectors::frontend::RULES,
        crate::detectors::encoded::RULES,
        crate::detectors::magento::RULES,
        crate::detectors::manifest::RULES,
        crate::detectors::php::RULES,
        crate::detectors::pragmas::RULES,
        crate::detectors::secrets::RULES,
    ];
    tables.iter().flat_map(|t| t.iter()).collect()
}

/// The catalogue entry for a code.
pub fn find(code: &str) -> Option<&'static RuleInfo> {
    all().into_iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let rules = all();
        let mut seen = std::collections::BTreeSet::new();
        for rule in &rules {
            assert!(seen.insert(rule.code), "duplicate code {}", rule.code);
            let ok = rule.code.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
            assert!(ok, "{} is not kebab-case", rule.code);
        }
    }
}
