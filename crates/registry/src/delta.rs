//! Deltas between stored versions: the "changes since" part of `review
//! show`, and the registry's sides for `formulary diff NAME@A NAME@B`.
//!
//! A stored version becomes a diff side without scanning again: its blob
//! (whose sha256 the store checks on every read) is unpacked under the
//! configured limits into a private temporary folder, and its scan and
//! manifest are the ones recorded at ingest, which are what reviewers
//! were shown.
//!
//! The base a version is compared with is an approved version of the
//! same package that sorts below it in Composer's order (so `2.4.6-p3`
//! has `2.4.6` below it, where SemVer would put it above). Of the three
//! nearest, we diff each and keep the smallest delta, nearest on a tie:
//! a reviewer who approved 1.2.0 and 1.1.5 reads the 1.2.1 patch against
//! 1.2.0, but a 1.3.0 that reverts to 1.1.x code reads best against
//! 1.1.5. Named branches (`dev-main`) are never a base and get none:
//! Composer orders them before every release, but one is not an earlier
//! release of the other.

use formulary_composer::{PackageName, Version};
use formulary_diff::{compare, Delta, DeltaSummary, LoadedSide, Side, Tree};
use formulary_scan::ScanReport;
use formulary_store::{VersionRecord, VersionState};
use serde::{Deserialize, Serialize};

use crate::{Registry, RegistryError};

/// How many of the nearest approved versions are diffed to choose a base.
const CANDIDATES: usize = 3;

/// What `review show` says about a version's changes since its base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDelta {
    /// The approved version compared with.
    pub base: String,
    /// The delta, without its unified diffs.
    #[serde(flatten)]
    pub summary: DeltaSummary,
}

impl Registry {
    /// A stored version as one side of a diff, labelled `vendor/name@version`.
    pub fn side_of(&self, package: &str, version: &str) -> Result<LoadedSide, RegistryError> {
        let record = self.version_record(package, version)?;
        self.side_of_record(&record)
    }

    /// [`Registry::side_of`] for a record already read.
    pub fn side_of_record(&self, record: &VersionRecord) -> Result<LoadedSide, RegistryError> {
        let label = format!("{}@{}", record.name, record.version);
        let scan: ScanReport =
            serde_json::from_value(record.scan.clone()).map_err(|e| RegistryError::StoredScan {
                package: record.name.to_string(),
                version: record.version.clone(),
                reason: e.to_string(),
            })?;
        let bytes = self.store.get_blob(&record.sha256)?;
        let tree = Tree::unpack(&bytes, &label, &self.config.limits)?;
        Ok(tree.with_scan(&label, scan, record.manifest.clone()))
    }

    /// The approved version of `package` nearest below `version`, if any.
    pub fn nearest_approved(
        &self,
        package: &str,
        version: &str,
    ) -> Result<Option<VersionRecord>, RegistryError> {
        Ok(self.approved_below(package, version)?.into_iter().next())
    }

    /// The delta from the best base below `version` (see the module
    /// documentation), with that base; `None` when no approved version
    /// is below it.
    pub fn delta_from_nearest(
        &self,
        package: &str,
        version: &str,
    ) -> Result<Option<(VersionRecord, Delta)>, RegistryError> {
        let target = self.version_record(package, version)?;
        let candidates = self.approved_below(package, &target.version)?;
        if candidates.is_empty() {
            tracing::debug!(package, version, "no approved version below: no diff base");
            return Ok(None);
        }
        let (new, nearest) = self.sides_of(&target, &candidates[0])?;
        let best = self.smallest_delta(&new, candidates, Some(nearest))?;
        if let Some((base, delta)) = &best {
            tracing::debug!(package, version, base = %base.version, size = delta.size(), "diff base chosen: the smallest delta among the nearest approved versions");
        }
        Ok(best)
    }

    /// Of `candidates` (nearest first), the base whose delta to `new` is
    /// smallest, with that delta. `nearest` is the first candidate's side
    /// when the caller has it unpacked already. Only a strictly smaller
    /// delta replaces the one kept, so a tie goes to the nearer version.
    pub(crate) fn smallest_delta(
        &self,
        new: &Side,
        candidates: Vec<VersionRecord>,
        mut nearest: Option<LoadedSide>,
    ) -> Result<Option<(VersionRecord, Delta)>, RegistryError> {
        let mut best: Option<(VersionRecord, Delta)> = None;
        for base in candidates {
            let old = match nearest.take() {
                Some(side) => side,
                None => self.side_of_record(&base)?,
            };
            let delta = compare(&old, new)?;
            tracing::debug!(new = %new.label, base = %base.version, size = delta.size(), "candidate diff base");
            if best
                .as_ref()
                .is_none_or(|(_, kept)| delta.size() < kept.size())
            {
                best = Some((base, delta));
            }
        }
        Ok(best)
    }

    /// The delta from `base_version` to `version` of one package.
    pub fn delta(
        &self,
        package: &str,
        base_version: &str,
        version: &str,
    ) -> Result<Delta, RegistryError> {
        let base = self.version_record(package, base_version)?;
        let target = self.version_record(package, version)?;
        let (new, old) = self.sides_of(&target, &base)?;
        Ok(compare(&old, &new)?)
    }

    /// Two sides at once: unpacking is most of the time a stored diff
    /// takes (writing thousands of small files), and the two are
    /// independent.
    fn sides_of(
        &self,
        a: &VersionRecord,
        b: &VersionRecord,
    ) -> Result<(LoadedSide, LoadedSide), RegistryError> {
        let (a, b) = rayon::join(|| self.side_of_record(a), || self.side_of_record(b));
        Ok((a?, b?))
    }

    /// `review show` with the changes since the best approved base.
    pub fn review_show(
        &self,
        package: &str,
        version: &str,
    ) -> Result<crate::ReviewView, RegistryError> {
        let mut view = self.review_view(package, version)?;
        view.delta = self
            .delta_from_nearest(package, version)?
            .map(|(base, delta)| ReviewDelta {
                base: base.version,
                summary: delta.summary(),
            });
        Ok(view)
    }

    /// Approved releases of `package` below `version`, nearest first, at
    /// most [`CANDIDATES`].
    pub(crate) fn approved_below(
        &self,
        package: &str,
        version: &str,
    ) -> Result<Vec<VersionRecord>, RegistryError> {
        let name = PackageName::parse(package)?;
        let target = Version::parse(version)?;
        if target.is_named_branch() {
            return Ok(Vec::new());
        }
        let mut below: Vec<(Version, VersionRecord)> = self
            .store
            .versions_of(&name)?
            .into_iter()
            .filter(|r| r.state == VersionState::Approved)
            .filter_map(|r| Some((Version::parse(&r.version).ok()?, r)))
            .filter(|(v, _)| !v.is_named_branch() && *v < target)
            .collect();
        below.sort_by(|a, b| b.0.cmp(&a.0));
        below.truncate(CANDIDATES);
        Ok(below.into_iter().map(|(_, r)| r).collect())
    }
}
