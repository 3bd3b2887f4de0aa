//! The delta between two sides, and [`compare`], which makes it.
//!
//! The steps run in the order the report reads: redactions first (so
//! that no later step ever holds a printable secret), then files,
//! `composer.json`, findings (which need the renames), capabilities, and
//! last the verdict over all of them.

use formulary_scan::{Finding, Severity};
use serde::{Deserialize, Serialize};

use crate::capabilities::{self, CapabilityChanges};
use crate::error::DiffError;
use crate::files::{self, Content, FileChanges, FileDelta, FileStatus, Skipped};
use crate::findings::{self, FindingChanges};
use crate::manifest::{self, ManifestChange};
use crate::redact::Redactions;
use crate::side::Side;
use crate::verdict::{self, Verdict};

/// Everything that changed from one side to the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    /// The old side's label.
    pub old: String,
    /// The new side's label.
    pub new: String,
    /// The one-line verdict.
    pub verdict: Verdict,
    /// Files added, removed, modified and renamed, with their diffs.
    pub files: FileChanges,
    /// `composer.json` changes.
    pub manifest: Vec<ManifestChange>,
    /// Findings new, resolved and unchanged.
    pub findings: FindingChanges,
    /// Capabilities new and dropped.
    pub capabilities: CapabilityChanges,
}

/// A delta without its unified diffs and with unchanged findings only
/// counted: what `review show` carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaSummary {
    /// The old side's label.
    pub old: String,
    /// The new side's label.
    pub new: String,
    /// The one-line verdict.
    pub verdict: Verdict,
    /// The changed files, without hunks.
    pub files: Vec<FileDelta>,
    /// How many files are unchanged.
    pub unchanged_files: usize,
    /// Entries that could not be compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// `composer.json` changes.
    pub manifest: Vec<ManifestChange>,
    /// New and resolved findings, and how many are unchanged.
    pub findings: FindingSummary,
    /// Capabilities new and dropped.
    pub capabilities: CapabilityChanges,
    /// [`Delta::size`].
    pub size: usize,
}

/// Findings as a summary carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingSummary {
    /// Only in the new scan, worst first.
    pub new: Vec<Finding>,
    /// Only in the old scan, worst first.
    pub resolved: Vec<Finding>,
    /// How many are in both.
    pub unchanged: usize,
}

/// Compares two sides. A file that cannot be read is listed as not
/// compared; only a side whose folder is gone is an error.
pub fn compare(old: &Side, new: &Side) -> Result<Delta, DiffError> {
    for side in [old, new] {
        if !side.root.is_dir() {
            return Err(DiffError::NotAFolder {
                path: side.root.clone(),
                reason: format!("the files of {} are not there", side.label),
            });
        }
    }
    let redactions = Redactions::build(old, new);
    let files = files::compare(old, new, &redactions);
    let mut manifest = manifest::compare(&old.manifest, &new.manifest);
    scrub_manifest(&mut manifest, &redactions);
    let findings = findings::compare(&old.scan.findings, &new.scan.findings, &files.renames());
    let capabilities = capabilities::compare(
        &old.scan.capabilities,
        &new.scan.capabilities,
        &files.renames(),
    );
    let verdict = verdict::judge(&verdict::Parts {
        files: &files,
        manifest: &manifest,
        findings: &findings,
        capabilities: &capabilities,
    });
    let delta = Delta {
        old: old.label.clone(),
        new: new.label.clone(),
        verdict,
        files,
        manifest,
        findings,
        capabilities,
    };
    tracing::debug!(old = %delta.old, new = %delta.new, size = delta.size(), verdict = %delta.verdict.level, "compared");
    Ok(delta)
}

/// Manifest values are printed whole; a secret the scanner found in
/// `composer.json` (a token in a repository URL, say) is redacted there
/// too.
fn scrub_manifest(changes: &mut [ManifestChange], redactions: &Redactions) {
    for change in changes {
        for value in [&mut change.old, &mut change.new].into_iter().flatten() {
            redactions.scrub_value(value);
        }
        if let Some(key) = &mut change.key {
            *key = redactions.scrub(key);
        }
    }
}

impl Delta {
    /// New findings at `severity` or worse, worst first.
    pub fn new_findings_at_or_above(&self, severity: Severity) -> Vec<&Finding> {
        self.findings.new_at_or_above(severity)
    }

    /// Whether the new side can do something the old one could not: a
    /// new capability, or new install-time code in `composer.json`
    /// (scripts, `autoload.files`, the plugin type, a deploy map).
    pub fn has_new_capabilities(&self) -> bool {
        !self.capabilities.new.is_empty() || self.manifest.iter().any(|c| c.install_time)
    }

    /// How much there is to read: lines added and removed, plus one for
    /// each file added, removed or renamed and each changed file that is
    /// not diffed line by line. Used to pick the smallest delta among
    /// candidate bases.
    pub fn size(&self) -> usize {
        let (added, removed) = self.files.lines();
        let whole_files = self
            .files
            .changed
            .iter()
            .filter(|f| f.status != FileStatus::Modified || f.content != Content::Text)
            .count();
        added + removed + whole_files
    }

    /// The delta without diffs, for `review show`.
    pub fn summary(&self) -> DeltaSummary {
        let files = self
            .files
            .changed
            .iter()
            .map(|f| FileDelta {
                hunks: Vec::new(),
                ..f.clone()
            })
            .collect();
        DeltaSummary {
            old: self.old.clone(),
            new: self.new.clone(),
            verdict: self.verdict.clone(),
            files,
            unchanged_files: self.files.unchanged,
            skipped: self.files.skipped.clone(),
            manifest: self.manifest.clone(),
            findings: FindingSummary {
                new: self.findings.new.clone(),
                resolved: self.findings.resolved.clone(),
                unchanged: self.findings.unchanged.len(),
            },
            capabilities: self.capabilities.clone(),
            size: self.size(),
        }
    }
}
