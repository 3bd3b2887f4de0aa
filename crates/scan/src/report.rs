//! What a scan returns: findings, suppressed findings, capabilities and
//! figures, in a stable order.
//!
//! The report is the one value every consumer reads: the renderers (human,
//! JSON, SARIF), the exit code of `formulary scan`, and ingest, which
//! stores it with the version. Its order is fixed (findings by path, line,
//! column, code) so that two scans of the same tree give identical output
//! and snapshot tests and diffs stay quiet.

use serde::{Deserialize, Serialize};

use crate::capability::Capability;
use crate::finding::{Finding, Severity};

/// The code the pragma detector reports (see `detectors::pragmas`).
const IGNORE_COMMENT: &str = "scanner-ignore-comment";
/// The code of an expired baseline entry, which fails a scan whatever the
/// `--fail-on` threshold.
pub const BASELINE_EXPIRED: &str = "baseline-entry-expired";

/// The result of scanning one extension.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Findings still standing, sorted by path, line, column and code.
    pub findings: Vec<Finding>,
    /// Findings a reviewer's baseline suppressed, in the same order.
    #[serde(default)]
    pub suppressed: Vec<Suppressed>,
    /// What the extension can do, sorted and without duplicates.
    pub capabilities: Vec<Capability>,
    /// How much was scanned, and how fast.
    pub stats: ScanStats,
}

/// Figures about one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    /// Files looked at (including those too large or unreadable).
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Wall-clock time of the scan, in milliseconds.
    pub elapsed_ms: u64,
}

/// A finding hidden by a baseline entry, with the reviewer's reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The finding as the scanner reported it (its fields sit beside
    /// `suppression` in JSON, as in `findings`).
    #[serde(flatten)]
    pub finding: Finding,
    /// Why, and by whom.
    pub suppression: Suppression,
}

/// A reviewer's decision to hide a finding. It always lives outside the
/// extension (SARIF's `external` kind): inline ignores are not honoured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Always `external`.
    pub kind: String,
    /// The reviewer's reason.
    pub reason: String,
    /// Who decided.
    pub who: String,
    /// The last day the entry holds, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// Critical findings.
    pub critical: usize,
    /// High findings.
    pub high: usize,
    /// Medium findings.
    pub medium: usize,
    /// Low findings.
    pub low: usize,
    /// Info findings.
    pub info: usize,
}

impl SeverityCounts {
    /// Counts `findings` by severity.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for finding in findings {
            *counts.slot(finding.severity) += 1;
        }
        counts
    }

    /// The count for one severity.
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    /// All counts together.
    pub fn total(&self) -> usize {
        Severity::ALL.iter().map(|s| self.get(*s)).sum()
    }

    fn slot(&mut self, severity: Severity) -> &mut usize {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

/// `2 high, 1 medium`, worst first, zeros left out; `no findings` when
/// every count is zero.
impl std::fmt::Display for SeverityCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter(|s| self.get(**s) > 0)
            .map(|s| format!("{} {s}", self.get(*s)))
            .collect();
        if parts.is_empty() {
            return f.write_str("no findings");
        }
        f.write_str(&parts.join(", "))
    }
}

impl ScanReport {
    /// Counts the standing findings by severity.
    pub fn counts(&self) -> SeverityCounts {
        SeverityCounts::of(&self.findings)
    }

    /// Whether the scan should fail: a standing finding at or above
    /// `threshold`, or an expired baseline entry (an expired suppression
    /// is a policy failure whatever the threshold).
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity >= threshold || f.code == BASELINE_EXPIRED)
    }

    /// Puts the report in its stable order and applies the rules that need
    /// every finding at once. The scanner calls it; so does the baseline
    /// after it moves findings.
    pub fn normalize(&mut self) {
        sort_findings(&mut self.findings);
        self.suppressed
            .sort_by(|a, b| finding_order(&a.finding, &b.finding));
        self.capabilities.sort();
        self.capabilities.dedup();
        raise_ignores_next_to_findings(&mut self.findings);
    }
}

/// Sorts by path, line, column and code, and drops exact repeats (two
/// detectors, or one detector twice, reporting the same thing).
fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(finding_order);
    findings.dedup_by(|a, b| {
        a.code == b.code && a.location == b.location && a.fingerprint == b.fingerprint
    });
}

fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    let key = |f: &Finding| {
        let at = &f.location;
        (
            at.path.clone(),
            at.line,
            at.column,
            f.code.clone(),
            f.fingerprint.clone(),
        )
    };
    key(a).cmp(&key(b))
}

/// An ignore comment on the same line as another finding, or on the line
/// before it, would have hidden that finding from the vendor's scanner:
/// it is no longer a curiosity but a sign, so it rises to medium.
fn raise_ignores_next_to_findings(findings: &mut [Finding]) {
    let others: Vec<(String, u32)> = findings
        .iter()
        .filter(|f| f.code != IGNORE_COMMENT)
        .map(|f| (f.location.path.clone(), f.location.line))
        .collect();
    for finding in findings.iter_mut().filter(|f| f.code == IGNORE_COMMENT) {
        let at = &finding.location;
        let hides = others
            .iter()
            .any(|(path, line)| *path == at.path && (*line == at.line || *line == at.line + 1));
        if hides && finding.severity < Severity::Medium {
            finding.severity = Severity::Medium;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use crate::rules;

    fn at(code: &str, path: &str, line: u32) -> Finding {
        let rule = rules::find(code).unwrap_or(&rules::SCANNER_RULES[0]);
        let location = Location {
            path: path.into(),
            line,
            column: 1,
        };
        Finding::new(rule, location, "m", "s", &format!("{path}{line}"))
    }

    #[test]
    fn findings_sort_by_place_and_repeats_go() {
        let mut report = ScanReport {
            findings: vec![
                at("file-unreadable", "b.php", 1),
                at("file-unreadable", "a.php", 9),
            ],
            ..ScanReport::default()
        };
        report.findings.push(report.findings[0].clone());
        report.normalize();
        let places: Vec<_> = report
            .findings
            .iter()
            .map(|f| f.location.path.as_str())
            .collect();
        assert_eq!(places, ["a.php", "b.php"]);
    }

    #[test]
    fn an_ignore_comment_above_a_finding_rises_to_medium() {
        let mut report = ScanReport {
            findings: vec![
                at(IGNORE_COMMENT, "a.php", 4),
                at("file-too-large", "a.php", 5),
                at(IGNORE_COMMENT, "a.php", 9),
                at(IGNORE_COMMENT, "b.php", 4),
            ],
            ..ScanReport::default()
        };
        report.normalize();
        let raised: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.code == IGNORE_COMMENT)
            .map(|f| (f.location.path.as_str(), f.location.line, f.severity))
            .collect();
        assert_eq!(
            raised,
            [
                ("a.php", 4, Severity::Medium),
                ("a.php", 9, Severity::Info),
                ("b.php", 4, Severity::Info)
            ]
        );
    }

    #[test]
    fn counts_read_worst_first() {
        let findings = [
            at("file-unreadable", "a", 1).with_severity(Severity::High),
            at("file-unreadable", "a", 2).with_severity(Severity::Medium),
            at("file-unreadable", "a", 3).with_severity(Severity::High),
        ];
        let counts = SeverityCounts::of(&findings);
        assert_eq!(counts.to_string(), "2 high, 1 medium");
        assert_eq!(counts.total(), 3);
        assert_eq!(SeverityCounts::default().to_string(), "no findings");
    }

    #[test]
    fn a_scan_fails_at_its_threshold_or_on_an_expired_entry() {
        let report = ScanReport {
            findings: vec![at("file-unreadable", "a", 1).with_severity(Severity::Medium)],
            ..ScanReport::default()
        };
        assert!(report.fails(Severity::Medium));
        assert!(!report.fails(Severity::High));
        let expired = ScanReport {
            findings: vec![at(BASELINE_EXPIRED, "b.toml", 1).with_severity(Severity::Low)],
            ..ScanReport::default()
        };
        assert!(expired.fails(Severity::Critical));
    }
}
