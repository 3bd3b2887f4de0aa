//! Which upstream versions are new: the listing of one tracked package
//! set against what the store holds.
//!
//! Nothing here touches the network or the store; the run hands in the
//! listing and the stored records and gets back one step per version in
//! the tracked range, oldest first, so that a patch approved early in a
//! run is the base the next one is compared with.

use std::collections::HashMap;

use formulary_composer::{Constraint, Stability, Version};
use formulary_fetch::Listed;
use formulary_store::{VersionRecord, VersionState};

/// What to do with one listed version.
#[derive(Debug)]
pub enum Step {
    /// Not stored: fetch it, take it in, evaluate it.
    New(Listed),
    /// Stored, pending, taken in by this intake key and undecided:
    /// evaluate it again (a cooldown may have passed since).
    Recheck(Listed, Box<VersionRecord>),
    /// Stored and pending, but someone else took it in or a reviewer has
    /// begun deciding: it waits for reviewers, not for intake.
    Waiting(Listed, Box<VersionRecord>),
    /// Stored with the bytes the upstream still lists.
    Unchanged(Listed),
    /// Stored with other bytes than the upstream now lists under the same
    /// version: refused, loudly.
    Changed(Listed, Box<VersionRecord>),
}

/// One step per listed version that `constraint` admits, oldest first.
pub fn plan(
    listed: Vec<Listed>,
    constraint: &Constraint,
    stored: Vec<VersionRecord>,
    intake_key: &str,
) -> Vec<Step> {
    let mut stored: HashMap<String, VersionRecord> = stored
        .into_iter()
        .map(|r| (r.version_normalized.clone(), r))
        .collect();
    let mut admitted: Vec<Listed> = listed
        .into_iter()
        .filter(|l| admits(constraint, &l.version))
        .collect();
    admitted.sort_by(|a, b| a.version.cmp(&b.version));
    admitted
        .into_iter()
        .map(|l| match stored.remove(l.version.normalized()) {
            None => Step::New(l),
            Some(record) => step_for_stored(l, record, intake_key),
        })
        .collect()
}

/// Releases in range; pre-releases only when the constraint's stability
/// flag asks for them (`^1.0@beta`); branches never, since review covers
/// releases and a branch moves.
fn admits(constraint: &Constraint, version: &Version) -> bool {
    if version.is_dev_branch() || !constraint.matches(version) {
        return false;
    }
    let floor = constraint.stability_flag().unwrap_or(Stability::Stable);
    version.stability() >= floor
}

fn step_for_stored(listed: Listed, record: VersionRecord, intake_key: &str) -> Step {
    let record = Box::new(record);
    // Without a published shasum we cannot tell without downloading;
    // intake does not download stored versions again (docs/intake.md).
    let changed = listed
        .shasum
        .as_deref()
        .is_some_and(|sum| !sum.eq_ignore_ascii_case(&record.sha1));
    if changed {
        return Step::Changed(listed, record);
    }
    if record.state != VersionState::Pending {
        return Step::Unchanged(listed);
    }
    let ours = record.requested_by.as_deref() == Some(intake_key);
    if ours && record.decisions.is_empty() {
        Step::Recheck(listed, record)
    } else {
        Step::Waiting(listed, record)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use formulary_composer::PackageName;
    use formulary_store::DecisionRef;
    use formulary_trust::statement::Verdict;

    fn listed(version: &str, shasum: &str) -> Listed {
        Listed::new(
            PackageName::parse("acme/rx").unwrap(),
            Version::parse(version).unwrap(),
            "http://upstream.test",
            format!("http://upstream.test/{version}.zip"),
            Some(shasum.to_string()),
            None,
        )
    }

    fn stored(version: &str, sha1: &str, state: VersionState, by: &str) -> VersionRecord {
        let v = Version::parse(version).unwrap();
        VersionRecord {
            name: PackageName::parse("acme/rx").unwrap(),
            version: v.pretty().into(),
            version_normalized: v.normalized().into(),
            sha256: String::new(),
            sha1: sha1.into(),
            size: 0,
            tree_hash: String::new(),
            state,
            provenance: serde_json::Value::Null,
            manifest: serde_json::Value::Null,
            ingested_at: String::new(),
            scan: serde_json::Value::Null,
            requested_by: Some(by.into()),
            max_severity: None,
            findings_digest: String::new(),
            ingest_index: None,
            decisions: Vec::new(),
            files: Vec::new(),
        }
    }

    fn kinds(steps: &[Step]) -> Vec<String> {
        let kind = |s: &Step| match s {
            Step::New(l) => format!("new {}", l.version),
            Step::Recheck(l, _) => format!("recheck {}", l.version),
            Step::Waiting(l, _) => format!("waiting {}", l.version),
            Step::Unchanged(l) => format!("unchanged {}", l.version),
            Step::Changed(l, _) => format!("changed {}", l.version),
        };
        steps.iter().map(kind).collect()
    }

    #[test]
    fn only_releases_in_range_are_planned_oldest_first() {
        let listing = ["1.2.0", "1.0.1", "2.0.0", "1.1.0-beta1", "1.x-dev", "1.0.0"]
            .map(|v| listed(v, "aa"))
            .to_vec();
        let steps = plan(
            listing,
            &Constraint::parse("^1.0").unwrap(),
            Vec::new(),
            "k",
        );
        assert_eq!(kinds(&steps), ["new 1.0.0", "new 1.0.1", "new 1.2.0"]);

        let listing = vec![listed("1.1.0-beta1", "aa")];
        let steps = plan(
            listing,
            &Constraint::parse("^1.0@beta").unwrap(),
            Vec::new(),
            "k",
        );
        assert_eq!(kinds(&steps), ["new 1.1.0-beta1"]);
    }

    #[test]
    fn stored_versions_are_left_rechecked_waiting_or_refused_by_their_state_and_bytes() {
        let mut decided = stored("1.0.3", "aa", VersionState::Pending, "intake");
        decided.decisions.push(DecisionRef {
            index: 9,
            key_id: "alice".into(),
            reviewer: "alice".into(),
            verdict: Verdict::Approve,
            time: String::new(),
            base_version: None,
            note: None,
            policy_rule: None,
        });
        let stored = vec![
            stored("1.0.0", "aa", VersionState::Approved, "intake"),
            stored("1.0.1", "aa", VersionState::Pending, "intake"),
            stored("1.0.2", "aa", VersionState::Pending, "someone"),
            decided,
            stored("1.0.4", "aa", VersionState::Rejected, "intake"),
        ];
        // The upstream writes shasums in capitals; 1.0.4 now has other
        // bytes; 1.0.5 is new.
        let mut listing = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
            .map(|v| listed(v, "AA"))
            .to_vec();
        listing.push(listed("1.0.4", "cc"));
        listing.push(listed("1.0.5", "bb"));
        let steps = plan(
            listing,
            &Constraint::parse("^1.0").unwrap(),
            stored,
            "intake",
        );
        assert_eq!(
            kinds(&steps),
            [
                "unchanged 1.0.0",
                "recheck 1.0.1",
                "waiting 1.0.2",
                "waiting 1.0.3",
                "changed 1.0.4",
                "new 1.0.5"
            ]
        );
    }
}
