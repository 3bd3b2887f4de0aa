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

/// One label per new capability and per install-time change to
/// `composer.json`: exactly what `Delta::has_new_capabilities` counts.
fn capability_labels(delta: &Delta) -> Vec<String> {
    let mut out: Vec<String> = delta
        .capabilities
        .new
        .iter()
        .map(|c| format!("{} {} ({})", kind_word(c.kind), c.value, c.path))
        .collect();
    for change in delta.manifest.iter().filter(|c| c.install_time) {
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
