//! Findings: new, resolved and unchanged between two scans.
//!
//! A finding's fingerprint is made from its rule, its path and the
//! matched content, not its line (see `formulary_scan::finding`), so a
//! finding whose lines moved keeps its fingerprint and is unchanged.
//! Because the path is part of it, a finding in a file renamed by content
//! would look new at the new path and resolved at the old one; for those
//! files we match the finding by code, place and snippet instead (the
//! bytes are identical, so all three are) and call it unchanged, moved.
//!
//! Findings are compared as multisets: two identical findings on one side
//! and one on the other leave one new (or resolved).

use std::collections::HashMap;

use formulary_scan::{Finding, Severity};
use serde::{Deserialize, Serialize};

/// How the findings of two scans relate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingChanges {
    /// Only in the new scan, worst first.
    pub new: Vec<Finding>,
    /// Only in the old scan, worst first.
    pub resolved: Vec<Finding>,
    /// In both (as the new scan reports them), in the scan's order.
    pub unchanged: Vec<UnchangedFinding>,
}

/// A finding in both scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnchangedFinding {
    /// The finding as the new scan reports it.
    #[serde(flatten)]
    pub finding: Finding,
    /// The old path, when the finding's file was renamed by content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
}

impl FindingChanges {
    /// New findings at `severity` or worse.
    pub fn new_at_or_above(&self, severity: Severity) -> Vec<&Finding> {
        self.new.iter().filter(|f| f.severity >= severity).collect()
    }
}

/// Compares `old` and `new` findings; `renames` maps a renamed file's new
/// path to its old path.
pub fn compare(old: &[Finding], new: &[Finding], renames: &HashMap<&str, &str>) -> FindingChanges {
    let mut pool = Pool::of(old);
    let mut changes = FindingChanges::default();
    for finding in new {
        if pool.take_fingerprint(&finding.fingerprint) {
            changes.unchanged.push(UnchangedFinding {
                finding: finding.clone(),
                moved_from: None,
            });
            continue;
        }
        let from = renames.get(finding.location.path.as_str()).copied();
        match from.filter(|from| pool.take_moved(finding, from)) {
            Some(from) => changes.unchanged.push(UnchangedFinding {
                finding: finding.clone(),
                moved_from: Some(from.to_string()),
            }),
            None => changes.new.push(finding.clone()),
        }
    }
    changes.resolved = pool.left();
    worst_first(&mut changes.new);
    worst_first(&mut changes.resolved);
    changes
}

/// Sorts by severity (worst first), keeping the scan's order otherwise.
fn worst_first(findings: &mut [Finding]) {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
}

/// The old findings not yet matched.
struct Pool<'a> {
    findings: Vec<Option<&'a Finding>>,
    by_fingerprint: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Pool<'a> {
    fn of(findings: &'a [Finding]) -> Pool<'a> {
        let mut by_fingerprint: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate().rev() {
            by_fingerprint.entry(&f.fingerprint).or_default().push(i);
        }
        Pool {
            findings: findings.iter().map(Some).collect(),
            by_fingerprint,
        }
    }

    /// Takes an old finding with this fingerprint, if one is left.
    fn take_fingerprint(&mut self, fingerprint: &str) -> bool {
        let Some(slots) = self.by_fingerprint.get_mut(fingerprint) else {
            return false;
        };
        while let Some(i) = slots.pop() {
            if self.findings[i].take().is_some() {
                return true;
            }
        }
        false
    }

    /// Takes the old finding at `from` that is `finding` before its file
    /// was renamed: same code, line, column and snippet.
    fn take_moved(&mut self, finding: &Finding, from: &str) -> bool {
        let same = |old: &&Finding| {
            old.location.path == from
                && old.code == finding.code
                && old.location.line == finding.location.line
                && old.location.column == finding.location.column
                && old.snippet == finding.snippet
        };
        let slot = self
            .findings
            .iter_mut()
            .find(|s| s.as_ref().is_some_and(same));
        slot.is_some_and(|s| s.take().is_some())
    }

    fn left(self) -> Vec<Finding> {
        self.findings.into_iter().flatten().cloned().collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use formulary_scan::finding::fingerprint;
    use formulary_scan::{Confidence, Location};

    fn finding(code: &str, path: &str, line: u32, evidence: &str) -> Finding {
        Finding {
            code: code.to_string(),
            severity: Severity::Medium,
            confidence: Confidence::High,
            location: Location {
                path: path.to_string(),
                line,
                column: 1,
            },
            snippet: evidence.to_string(),
            message: "m".to_string(),
            help: "h".to_string(),
            cwe: None,
            fingerprint: fingerprint(code, path, evidence),
        }
    }

    #[test]
    fn a_finding_whose_lines_moved_is_unchanged() {
        let old = [finding("x", "a.php", 3, "eval($x)")];
        let new = [finding("x", "a.php", 30, "eval($x)")];
        let changes = compare(&old, &new, &HashMap::new());
        assert!(changes.new.is_empty() && changes.resolved.is_empty());
        assert_eq!(changes.unchanged.len(), 1);
        assert_eq!(changes.unchanged[0].moved_from, None);
    }

    #[test]
    fn new_and_resolved_findings_are_told_apart() {
        let old = [finding("x", "a.php", 3, "old")];
        let new = [finding("y", "a.php", 3, "new")];
        let changes = compare(&old, &new, &HashMap::new());
        assert_eq!(changes.new[0].code, "y");
        assert_eq!(changes.resolved[0].code, "x");
        assert!(changes.unchanged.is_empty());
    }

    #[test]
    fn a_finding_in_a_file_renamed_by_content_is_unchanged_and_moved() {
        let old = [finding("x", "Old.php", 3, "eval($x)")];
        let new = [finding("x", "New.php", 3, "eval($x)")];
        let renames = HashMap::from([("New.php", "Old.php")]);
        let changes = compare(&old, &new, &renames);
        assert!(changes.new.is_empty() && changes.resolved.is_empty());
        assert_eq!(changes.unchanged[0].moved_from.as_deref(), Some("Old.php"));

        // Without the rename the same two findings are new and resolved.
        let changes = compare(&old, &new, &HashMap::new());
        assert_eq!((changes.new.len(), changes.resolved.len()), (1, 1));
    }

    #[test]
    fn repeated_findings_are_counted_not_merged() {
        let one = finding("x", "a.php", 3, "same");
        let old = [one.clone()];
        let new = [one.clone(), one];
        let changes = compare(&old, &new, &HashMap::new());
        assert_eq!((changes.new.len(), changes.unchanged.len()), (1, 1));
    }

    #[test]
    fn new_findings_come_worst_first() {
        let low = finding("a", "a.php", 1, "1").with_severity(Severity::Low);
        let high = finding("b", "b.php", 1, "2").with_severity(Severity::High);
        let changes = compare(&[], &[low, high], &HashMap::new());
        assert_eq!(changes.new[0].code, "b");
        assert_eq!(changes.new_at_or_above(Severity::High).len(), 1);
    }
}
