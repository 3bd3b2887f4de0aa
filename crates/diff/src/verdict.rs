//! The verdict: one line a reviewer can act on, and its level.
//!
//! The level says how much reading the change asks for; the line says
//! why, most serious first:
//!
//! - `IDENTICAL`: no file changed and the scans agree; nothing to read.
//! - `CLEAN`: files changed, but nothing new was found and the extension
//!   can do nothing it could not do before; read the changed code.
//! - `REVIEW`: new findings, new capabilities (hosts, endpoints, hooks,
//!   install-time code, file writes, including install-time entries in
//!   `composer.json`), new dependencies, or files that could not be
//!   compared; each is named.
//! - `CRITICAL`: at least one new critical finding.
//!
//! The level informs; it decides nothing. Approval stays a person's
//! signed statement.

use std::collections::BTreeMap;
use std::fmt;

use formulary_scan::{Capability, CapabilityKind, Finding, Severity};
use serde::{Deserialize, Serialize};

use crate::capabilities::CapabilityChanges;
use crate::files::{FileChanges, FileStatus};
use crate::findings::FindingChanges;
use crate::manifest::ManifestChange;

/// Names listed in one reason before the rest are counted.
const LISTED: usize = 3;

/// How much the change asks of a reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictLevel {
    /// No file changed and nothing new was found.
    Identical,
    /// Files changed; nothing new found, no new capability.
    Clean,
    /// Something new to look at, named in the line.
    Review,
    /// A new critical finding.
    Critical,
}

impl VerdictLevel {
    /// The upper-case word that starts the line.
    pub fn word(self) -> &'static str {
        match self {
            VerdictLevel::Identical => "IDENTICAL",
            VerdictLevel::Clean => "CLEAN",
            VerdictLevel::Review => "REVIEW",
            VerdictLevel::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for VerdictLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.word())
    }
}

/// The verdict on a delta.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// How much the change asks of a reviewer.
    pub level: VerdictLevel,
    /// One line: the level's word, then what changed and why it matters.
    pub line: String,
}

/// The parts of a delta the verdict reads.
pub(crate) struct Parts<'a> {
    pub files: &'a FileChanges,
    pub manifest: &'a [ManifestChange],
    pub findings: &'a FindingChanges,
    pub capabilities: &'a CapabilityChanges,
}

/// Judges a delta.
pub(crate) fn judge(parts: &Parts) -> Verdict {
    let mut reasons = finding_reasons(&parts.findings.new);
    reasons.extend(capability_reasons(&parts.capabilities.new));
    reasons.extend(manifest_reasons(parts.manifest, &parts.capabilities.new));
    let skipped = parts.files.skipped.len();
    if skipped > 0 {
        reasons.push(format!("{} not compared", plural(skipped, "file", "files")));
    }
    let critical = parts
        .findings
        .new
        .iter()
        .any(|f| f.severity == Severity::Critical);
    let changed = parts.files.changed.len();
    let level = match (critical, reasons.is_empty(), changed) {
        (true, _, _) => VerdictLevel::Critical,
        (false, false, _) => VerdictLevel::Review,
        (false, true, 0) => VerdictLevel::Identical,
        (false, true, _) => VerdictLevel::Clean,
    };
    let line = match level {
        VerdictLevel::Identical => "IDENTICAL: no file changed".to_string(),
        VerdictLevel::Clean => format!(
            "CLEAN: {}{}, no new findings or capabilities",
            files_part(parts.files),
            resolved_part(parts.findings.resolved.len())
        ),
        _ => format!(
            "{}: {}; {}",
            level.word(),
            files_part(parts.files),
            reasons.join("; ")
        ),
    };
    Verdict { level, line }
}

/// `5 files changed (1 added, 1 removed, 1 renamed)`.
fn files_part(files: &FileChanges) -> String {
    let changed = files.changed.len();
    if changed == 0 {
        return "no file changed".to_string();
    }
    let kinds = [
        (FileStatus::Added, "added"),
        (FileStatus::Removed, "removed"),
        (FileStatus::Renamed, "renamed"),
    ];
    let details: Vec<String> = kinds
        .iter()
        .map(|(status, word)| (files.count(*status), word))
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| format!("{n} {word}"))
        .collect();
    let head = format!("{} changed", plural(changed, "file", "files"));
    if details.is_empty() {
        head
    } else {
        format!("{head} ({})", details.join(", "))
    }
}

fn resolved_part(resolved: usize) -> String {
    match resolved {
        0 => String::new(),
        n => format!(", {} resolved", plural(n, "finding", "findings")),
    }
}

/// `1 new high finding (secret-stripe-secret-key)`, per severity, worst
/// first.
fn finding_reasons(new: &[Finding]) -> Vec<String> {
    let mut by_severity: BTreeMap<std::cmp::Reverse<Severity>, Vec<&str>> = BTreeMap::new();
    for f in new {
        by_severity
            .entry(std::cmp::Reverse(f.severity))
            .or_default()
            .push(&f.code);
    }
    by_severity
        .into_iter()
        .map(|(severity, codes)| {
            let count = codes.len();
            let mut unique: Vec<&str> = Vec::new();
            for code in codes {
                if !unique.contains(&code) {
                    unique.push(code);
                }
            }
            let noun = plural(count, "finding", "findings");
            let (n, word) = noun.split_once(' ').unwrap_or(("", &noun));
            format!("{n} new {} {word} ({})", severity.0, listed(&unique))
        })
        .collect()
}

/// `new host api.example.com`, `new hooks a, b`, per kind.
fn capability_reasons(new: &[Capability]) -> Vec<String> {
    let mut by_kind: BTreeMap<CapabilityKind, Vec<&str>> = BTreeMap::new();
    for c in new {
        by_kind.entry(c.kind).or_default().push(&c.value);
    }
    by_kind
        .into_iter()
        .map(|(kind, values)| {
            let (one, many) = kind_words(kind);
            let word = if values.len() == 1 { one } else { many };
            format!("new {word} {}", listed(&values))
        })
        .collect()
}

fn kind_words(kind: CapabilityKind) -> (&'static str, &'static str) {
    match kind {
        CapabilityKind::Host => ("host", "hosts"),
        CapabilityKind::Endpoint => ("endpoint", "endpoints"),
        CapabilityKind::Hook => ("hook", "hooks"),
        CapabilityKind::InstallTime => ("install-time code", "install-time code"),
        CapabilityKind::FileWrite => ("file write", "file writes"),
    }
}

/// Install-time entries the scanner did not already report as new
/// capabilities, then new dependencies.
fn manifest_reasons(changes: &[ManifestChange], new: &[Capability]) -> Vec<String> {
    let mut reasons = Vec::new();
    let install: Vec<String> = changes
        .iter()
        .filter(|c| c.is_unreported_install_time(new))
        .map(install_label)
        .collect();
    if !install.is_empty() {
        let refs: Vec<&str> = install.iter().map(String::as_str).collect();
        reasons.push(format!("composer.json runs at install: {}", listed(&refs)));
    }
    let deps: Vec<&str> = changes
        .iter()
        .filter(|c| c.is_new_dependency())
        .filter_map(|c| c.key.as_deref())
        .collect();
    if !deps.is_empty() {
        let word = if deps.len() == 1 {
            "dependency"
        } else {
            "dependencies"
        };
        reasons.push(format!("new {word} {}", listed(&deps)));
    }
    reasons
}

fn install_label(c: &ManifestChange) -> String {
    let key = c.key.as_deref().unwrap_or("");
    match c.field.as_str() {
        "scripts" => format!("script {key}"),
        "autoload.files" => format!("autoload file {key}"),
        "type" => "type composer-plugin".to_string(),
        "require" => format!("requires {key}"),
        field => format!("{field}.{key}"),
    }
}

/// `a, b, c (+2 more)`.
fn listed(items: &[&str]) -> String {
    let shown = items[..items.len().min(LISTED)].join(", ");
    match items.len().saturating_sub(LISTED) {
        0 => shown,
        more => format!("{shown} (+{more} more)"),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests;
