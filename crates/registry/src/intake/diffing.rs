//! The diff intake needs: a version against the nearest approved one,
//! reduced to what the rule asks ([`DeltaFacts`]).
//!
//! The base is chosen as everywhere else a delta is shown
//! (`Registry::delta_from_nearest`), so the reviewer who opens a queued
//! version in `review show` sees the diff intake judged.

use formulary_diff::{Change, Delta, Tree};
use formulary_scan::{CapabilityKind, Severity};
use formulary_store::VersionRecord;

use super::evaluate::DeltaFacts;
use crate::{Registry, RegistryError};

impl Registry {
    /// A stored version against the nearest approved version, if any.
    pub(crate) fn intake_delta(
        &self,
        record: &VersionRecord,
    ) -> Result<Option<(VersionRecord, DeltaFacts)>, RegistryError> {
        let nearest = self.delta_from_nearest(record.name.as_str(), &record.version)?;
        Ok(nearest.map(|(base, delta)| (base, self.facts(&delta))))
    }

    /// A version not stored (a dry run) against the approved versions
    /// below it: its archive is unpacked and scanned here, under the same
    /// limits as ingest, and the base is chosen as
    /// `Registry::delta_from_nearest` chooses it for a stored version.
    pub(crate) fn intake_delta_unstored(
        &self,
        record: &VersionRecord,
        bytes: &[u8],
    ) -> Result<Option<(VersionRecord, DeltaFacts)>, RegistryError> {
        let label = format!("{}@{}", record.name, record.version);
        let tree = Tree::unpack(bytes, &label, &self.config.limits)?;
        let new = tree.scanned(&label, self.scanner())?;
        let candidates = self.approved_below(record.name.as_str(), &record.version)?;
        let best = self.smallest_delta(&new, candidates, None)?;
        Ok(best.map(|(base, delta)| (base, self.facts(&delta))))
    }

    /// What the rule reads from a delta, with `[intake] block_severity`.
    fn facts(&self, delta: &Delta) -> DeltaFacts {
        let block = self
            .config
            .intake
            .as_ref()
            .and_then(|i| Severity::parse(&i.block_severity))
            .unwrap_or(Severity::Medium);
        let new_blocking = delta
            .new_findings_at_or_above(block)
            .iter()
            .map(|f| {
                format!(
                    "{} {} ({}:{})",
                    f.severity, f.code, f.location.path, f.location.line
                )
            })
            .collect();
        DeltaFacts {
            new_blocking,
            new_capabilities: capability_labels(delta),
            verdict: delta.verdict.line.clone(),
        }
    }
}

/// One label per new capability, then one per install-time change to
/// `composer.json` the scanner did not already report as one (an added
/// `autoload.files` entry is both), then one per new runtime dependency:
/// a new `require` entry brings code nobody read into every install, so
/// the rule leaves it to a reviewer like any other new capability.
fn capability_labels(delta: &Delta) -> Vec<String> {
    let mut out: Vec<String> = delta
        .capabilities
        .new
        .iter()
        .map(|c| format!("{} {} ({})", kind_word(c.kind), c.value, c.path))
        .collect();
    let new = &delta.capabilities.new;
    let install = delta.manifest.iter();
    for change in install.filter(|c| c.is_unreported_install_time(new)) {
        let what = match change.change {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        };
        let key = change
            .key
            .as_deref()
            .map(|k| format!(" {k}"))
            .unwrap_or_default();
        out.push(format!(
            "install-time composer.json {}{key} {what}",
            change.field
        ));
    }
    for change in delta.manifest.iter().filter(|c| c.is_new_dependency()) {
        let name = change.key.as_deref().unwrap_or("");
        let constraint = change.new.as_ref().and_then(|v| v.as_str()).unwrap_or("");
        out.push(format!("dependency {name} {constraint} (composer.json)"));
    }
    out
}

fn kind_word(kind: CapabilityKind) -> &'static str {
    match kind {
        CapabilityKind::Host => "host",
        CapabilityKind::Endpoint => "endpoint",
        CapabilityKind::Hook => "hook",
        CapabilityKind::InstallTime => "install-time",
        CapabilityKind::FileWrite => "file-write",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use formulary_diff::compare;
    use formulary_scan::{ScanOptions, Scanner};

    use super::*;

    fn side(dir: &Path, label: &str, manifest: &str) -> formulary_diff::LoadedSide {
        std::fs::write(dir.join("composer.json"), manifest).expect("write composer.json");
        std::fs::write(dir.join("boot.php"), "<?php\n").expect("write boot.php");
        let scanner = Scanner::new(ScanOptions::default());
        let tree = Tree::folder(dir).expect("a folder");
        tree.scanned(label, &scanner).expect("scanned")
    }

    #[test]
    fn a_new_dependency_is_a_new_capability() {
        let old = tempfile::tempdir().expect("temp dir");
        let new = tempfile::tempdir().expect("temp dir");
        let before = r#"{"name":"acme/rx","require":{"php":">=8.1"}}"#;
        let after = r#"{"name":"acme/rx","require":{"php":">=8.2","evil/plugin":"^1.0"}}"#;
        let old = side(old.path(), "old", before);
        let new = side(new.path(), "new", after);
        let delta = compare(old.side(), new.side()).expect("compared");
        let labels = capability_labels(&delta);
        assert_eq!(labels, ["dependency evil/plugin ^1.0 (composer.json)"]);
    }

    #[test]
    fn an_added_autoload_file_is_one_reason_not_two() {
        let old = tempfile::tempdir().expect("temp dir");
        let new = tempfile::tempdir().expect("temp dir");
        let before = r#"{"name":"acme/rx","autoload":{"psr-4":{"Acme\\Rx\\":""}}}"#;
        let after =
            r#"{"name":"acme/rx","autoload":{"psr-4":{"Acme\\Rx\\":""},"files":["boot.php"]}}"#;
        let old = side(old.path(), "old", before);
        let new = side(new.path(), "new", after);
        let delta = compare(old.side(), new.side()).expect("compared");
        assert!(delta.has_new_capabilities());
        let labels = capability_labels(&delta);
        assert_eq!(labels.len(), 1, "{labels:?}");
        assert!(labels[0].contains("boot.php"), "{labels:?}");
    }
}
