//! The intake rule, checked on one version before the intake key signs.
//!
//! Every condition is checked and every failure is named, so a reviewer
//! who opens a queued version sees all that kept it from the fast track,
//! not just the first. The texts are stable from run to run (dates, not
//! ages), since a queued version is announced again only when its reasons
//! change.
//!
//! The judge checks again what the log can show (`crate::ledger`'s intake
//! rule); the release age and the delta are checked only here.

use formulary_composer::{PackageName, Version};
use formulary_store::VersionRecord;
use time::OffsetDateTime;

use crate::config::IntakeSettings;
use crate::ledger::is_patch_successor;

/// What a diff against the base showed, reduced to what the rule asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeltaFacts {
    /// New findings at or above the blocking severity, one label each
    /// (`php-eval (Model/X.php)`).
    pub new_blocking: Vec<String>,
    /// New capabilities, one label each (`host api.example.test`).
    pub new_capabilities: Vec<String>,
    /// The diff's one-line verdict.
    pub verdict: String,
}

/// One version as the rule sees it.
pub struct Candidate<'a> {
    /// Its package.
    pub package: &'a PackageName,
    /// Its version.
    pub version: &'a Version,
    /// The nearest approved version, if there is one.
    pub base: Option<&'a VersionRecord>,
    /// The upstream's release time, if it gave one.
    pub released: Option<OffsetDateTime>,
    /// The diff against `base`, when there is a base.
    pub delta: Option<&'a DeltaFacts>,
}

/// Every condition of the rule that `candidate` fails; empty means the
/// rule approves it.
pub fn failures(
    rule: &IntakeSettings,
    candidate: &Candidate<'_>,
    now: OffsetDateTime,
) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(patch_level(candidate));
    out.extend(vendor(rule, candidate.package));
    out.extend(cooldown(rule, candidate.released, now));
    if let Some(delta) = candidate.delta {
        out.extend(delta_failures(rule, delta));
    }
    out
}

/// What an approval rests on, for its note and the summary.
pub fn grounds(rule: &IntakeSettings, candidate: &Candidate<'_>) -> Vec<String> {
    let base = candidate.base.map_or("?", |b| b.version.as_str());
    let released = candidate.released.map_or("?".to_string(), stamp);
    vec![
        format!("patch release of approved {base}"),
        format!("released {released}, at least {} ago", rule.min_release_age),
        format!("no new finding at or above {}", rule.block_severity),
        "no new capability".to_string(),
        format!("vendor {} trusted", candidate.package.vendor()),
    ]
}

fn patch_level(candidate: &Candidate<'_>) -> Option<String> {
    let version = candidate.version;
    let Some(base) = candidate.base else {
        return Some(format!(
            "no approved version of {} to compare with; a reviewer approves the first one",
            candidate.package
        ));
    };
    if is_patch_successor(&base.version_normalized, version.normalized()) {
        return None;
    }
    Some(format!(
        "{} is not a patch release of approved {} (the rule covers the same major.minor, \
         a higher patch or -pN)",
        version.pretty(),
        base.version
    ))
}

fn vendor(rule: &IntakeSettings, package: &PackageName) -> Option<String> {
    let vendor = package.vendor();
    if rule.trusted_vendors.iter().any(|v| v == vendor) {
        return None;
    }
    Some(format!(
        "vendor {vendor} is not in [intake] trusted_vendors"
    ))
}

fn cooldown(
    rule: &IntakeSettings,
    released: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Option<String> {
    let Some(released) = released else {
        return Some(
            "the upstream gives no release time that can be read, so the cooldown \
             cannot be checked"
                .to_string(),
        );
    };
    let eligible = i64::try_from(rule.min_release_age.as_secs())
        .ok()
        .and_then(|secs| released.checked_add(time::Duration::seconds(secs)));
    // A wait too long to add to a date never passes: the rule fails closed.
    let Some(eligible) = eligible else {
        return Some(format!(
            "the rule waits {}, which never ends",
            rule.min_release_age
        ));
    };
    if now >= eligible {
        return None;
    }
    Some(format!(
        "released {}; the rule waits {} (eligible from {})",
        stamp(released),
        rule.min_release_age,
        stamp(eligible)
    ))
}

fn delta_failures(rule: &IntakeSettings, delta: &DeltaFacts) -> Vec<String> {
    let mut out = Vec::new();
    if !delta.new_blocking.is_empty() {
        out.push(format!(
            "new finding{} at or above {}: {}",
            if delta.new_blocking.len() == 1 {
                ""
            } else {
                "s"
            },
            rule.block_severity,
            delta.new_blocking.join(", ")
        ));
    }
    if !delta.new_capabilities.is_empty() {
        out.push(format!(
            "new capabilit{}: {}",
            if delta.new_capabilities.len() == 1 {
                "y"
            } else {
                "ies"
            },
            delta.new_capabilities.join(", ")
        ));
    }
    out
}

/// RFC 3339 UTC to the second.
pub fn stamp(t: OffsetDateTime) -> String {
    use time::format_description::well_known::Rfc3339;
    let t = t.to_offset(time::UtcOffset::UTC);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::HumanDuration;
    use time::macros::datetime;

    fn rule() -> IntakeSettings {
        IntakeSettings {
            trusted_vendors: vec!["acme".into()],
            ..IntakeSettings::default()
        }
    }

    fn base(version: &str) -> VersionRecord {
        let v = Version::parse(version).unwrap();
        VersionRecord {
            name: PackageName::parse("acme/rx").unwrap(),
            version: v.pretty().into(),
            version_normalized: v.normalized().into(),
            sha256: String::new(),
            sha1: String::new(),
            size: 0,
            tree_hash: String::new(),
            state: formulary_store::VersionState::Approved,
            provenance: serde_json::Value::Null,
            manifest: serde_json::Value::Null,
            ingested_at: String::new(),
            scan: serde_json::Value::Null,
            requested_by: None,
            max_severity: None,
            findings_digest: String::new(),
            ingest_index: None,
            decisions: Vec::new(),
            files: Vec::new(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-09-10 12:00 UTC);

    fn check(package: &str, version: &str, base_v: Option<&str>, delta: DeltaFacts) -> Vec<String> {
        let package = PackageName::parse(package).unwrap();
        let version = Version::parse(version).unwrap();
        let base = base_v.map(base);
        let candidate = Candidate {
            package: &package,
            version: &version,
            base: base.as_ref(),
            released: Some(datetime!(2026-09-01 00:00 UTC)),
            delta: Some(&delta),
        };
        failures(&rule(), &candidate, NOW)
    }

    #[test]
    fn a_clean_old_patch_from_a_trusted_vendor_passes() {
        assert!(check("acme/rx", "1.0.1", Some("1.0.0"), DeltaFacts::default()).is_empty());
    }

    #[test]
    fn every_failed_condition_is_named() {
        let delta = DeltaFacts {
            new_blocking: vec!["php-eval (Model/X.php)".into()],
            new_capabilities: vec!["host a.test".into(), "host b.test".into()],
            verdict: String::new(),
        };
        let reasons = check("other/rx", "1.1.0", Some("1.0.0"), delta);
        assert_eq!(reasons.len(), 4, "{reasons:#?}");
        assert!(reasons[0].contains("not a patch release of approved 1.0.0"));
        assert!(reasons[1].contains("vendor other"));
        assert!(reasons[2].contains("new finding at or above medium: php-eval"));
        assert!(reasons[3].contains("new capabilities: host a.test, host b.test"));
    }

    #[test]
    fn the_cooldown_counts_from_the_upstream_release_time() {
        let rule = rule();
        let day_old = Some(datetime!(2026-09-09 12:00 UTC));
        let reason = cooldown(&rule, day_old, NOW).unwrap();
        assert_eq!(
            reason,
            "released 2026-09-09T12:00:00Z; the rule waits 3d (eligible from 2026-09-12T12:00:00Z)"
        );
        let later = datetime!(2026-09-12 12:00 UTC);
        assert_eq!(cooldown(&rule, day_old, later), None);
        assert!(cooldown(&rule, None, NOW)
            .unwrap()
            .contains("no release time"));
    }

    #[test]
    fn a_wait_past_the_calendar_never_passes() {
        for secs in [u64::MAX, 600_000 * 7 * 86_400] {
            let rule = IntakeSettings {
                min_release_age: HumanDuration(std::time::Duration::from_secs(secs)),
                ..rule()
            };
            let long_ago = Some(datetime!(2000-01-01 00:00 UTC));
            let reason = cooldown(&rule, long_ago, NOW).expect("queued, not approved");
            assert!(reason.contains("never ends"), "{reason}");
        }
    }

    #[test]
    fn without_an_approved_base_a_reviewer_goes_first() {
        let reasons = check("acme/rx", "1.0.0", None, DeltaFacts::default());
        assert!(reasons[0].contains("no approved version"), "{reasons:?}");
    }
}
