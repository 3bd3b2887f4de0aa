//! `[intake]`: which upstream packages `formulary intake` follows, and the
//! rule under which it may approve a new version on its own.
//!
//! The rule's parameters (trusted vendors, release age, blocking
//! severity) are logged as part of the `policy` statement, so that a
//! replay judges every intake approval by the rule that was in force; the
//! rest (which packages, the key file, the webhook) is how this registry
//! runs intake and stays out of the log.

use std::path::PathBuf;

use formulary_composer::{Constraint, PackageName};
use formulary_trust::statement::IntakeRule;
use serde::Deserialize;

use super::duration::HumanDuration;
use crate::ledger::PATCH_FAST_TRACK;

/// The longest `min_release_age` accepted: a year. Longer waits are
/// mistakes, and a wait past the calendar's end would never pass.
pub const MAX_RELEASE_AGE: HumanDuration =
    HumanDuration(std::time::Duration::from_secs(365 * 86_400));

/// The `[intake]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeSettings {
    /// The private key of a key trusted with role `intake`, relative to
    /// the data folder.
    pub key: PathBuf,
    /// How long after its upstream release a version must wait before the
    /// rule approves it.
    pub min_release_age: HumanDuration,
    /// A new finding at or above this severity leaves a version for a
    /// reviewer.
    pub block_severity: String,
    /// Vendors whose patch releases the rule may approve.
    pub trusted_vendors: Vec<String>,
    /// Where to POST a JSON note for each newly queued version.
    pub webhook: Option<String>,
    /// The packages to follow.
    pub track: Vec<TrackSettings>,
}

/// One `[[intake.track]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackSettings {
    /// `vendor/name`, or `vendor/*` for every name the upstream lists.
    pub package: String,
    /// Which upstream versions to take in (`^1.2`, `~2.4.6`).
    pub constraint: String,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        IntakeSettings {
            key: PathBuf::from("keys/intake.key"),
            min_release_age: HumanDuration(std::time::Duration::from_secs(3 * 86_400)),
            block_severity: "medium".to_string(),
            trusted_vendors: Vec::new(),
            webhook: None,
            track: Vec::new(),
        }
    }
}

impl IntakeSettings {
    /// Every problem with the table, one per line.
    pub fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if crate::ledger::severity_rank(&self.block_severity).is_none() {
            problems.push(format!(
                "[intake] block_severity {:?} is not critical, high, medium, low or info",
                self.block_severity
            ));
        }
        if self.min_release_age > MAX_RELEASE_AGE {
            problems.push(format!(
                "[intake] min_release_age {} is longer than the longest wait, {MAX_RELEASE_AGE}",
                self.min_release_age
            ));
        }
        let bad: Vec<String> = self
            .trusted_vendors
            .iter()
            .filter(|v| check_vendor(v).is_err())
            .map(|v| format!("{v:?}"))
            .collect();
        if !bad.is_empty() {
            problems.push(format!(
                "[intake] trusted_vendors: {} {} not a Composer vendor name (lowercase letters, \
                 digits, and `.`, `_` or `-` between them)",
                bad.join(", "),
                if bad.len() == 1 { "is" } else { "are" }
            ));
        }
        if let Some(url) = &self.webhook {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                problems.push(format!(
                    "[intake] webhook {url:?} must be an http:// or https:// URL"
                ));
            }
        }
        for (i, track) in self.track.iter().enumerate() {
            if let Err(why) = track.check() {
                problems.push(format!("[[intake.track]] entry {}: {why}", i + 1));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// The rule as the `policy` statement logs it: vendors sorted and
    /// without repeats, so that the same settings always log the same
    /// bytes.
    pub fn rule(&self) -> IntakeRule {
        let mut vendors = self.trusted_vendors.clone();
        vendors.sort();
        vendors.dedup();
        IntakeRule {
            rule: PATCH_FAST_TRACK.to_string(),
            trusted_vendors: vendors,
            min_release_age_secs: self.min_release_age.as_secs(),
            block_severity: self.block_severity.clone(),
        }
    }
}

impl TrackSettings {
    /// Checks the name (or pattern) and the constraint.
    pub fn check(&self) -> Result<(), String> {
        self.constraint()?;
        match self.pattern_vendor() {
            Some(vendor) => check_vendor(vendor),
            None => PackageName::parse(&self.package)
                .map(drop)
                .map_err(|e| e.to_string()),
        }
    }

    /// The parsed constraint.
    pub fn constraint(&self) -> Result<Constraint, String> {
        Constraint::parse(&self.constraint).map_err(|e| e.to_string())
    }

    /// For `vendor/*`, the vendor; `None` for a plain name.
    pub fn pattern_vendor(&self) -> Option<&str> {
        self.package.strip_suffix("/*")
    }
}

/// A vendor name is the first half of a valid package name.
fn check_vendor(vendor: &str) -> Result<(), String> {
    match PackageName::parse(&format!("{vendor}/x")) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "vendor {vendor:?} is not a Composer vendor name (lowercase letters, digits, \
             and `.`, `_` or `-` between them)"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<IntakeSettings, String> {
        let settings: IntakeSettings = toml::from_str(text).map_err(|e| e.to_string())?;
        settings.check()?;
        Ok(settings)
    }

    #[test]
    fn a_full_table_reads_and_logs_a_stable_rule() {
        let settings = parse(
            r#"
            min_release_age = "72h"
            block_severity = "high"
            trusted_vendors = ["magento", "acme", "acme"]
            webhook = "http://127.0.0.1:9/hook"
            [[track]]
            package = "acme/rx"
            constraint = "^1.0"
            [[track]]
            package = "magento/*"
            constraint = "~2.4.6"
            "#,
        )
        .unwrap();
        let rule = settings.rule();
        assert_eq!(rule.rule, PATCH_FAST_TRACK);
        assert_eq!(rule.trusted_vendors, ["acme", "magento"]);
        assert_eq!(rule.min_release_age_secs, 3 * 86_400);
        assert_eq!(settings.track[1].pattern_vendor(), Some("magento"));
    }

    #[test]
    fn every_bad_value_is_named_at_once() {
        let err = parse(
            r#"
            block_severity = "severe"
            trusted_vendors = ["Acme"]
            [[track]]
            package = "acme"
            constraint = "^1.0"
            [[track]]
            package = "acme/rx"
            constraint = "^^1"
            "#,
        )
        .unwrap_err();
        for part in ["severe", "\"Acme\"", "entry 1", "entry 2"] {
            assert!(err.contains(part), "{part} missing from: {err}");
        }
    }

    #[test]
    fn a_wait_longer_than_a_year_is_refused() {
        let err = parse("min_release_age = \"600000w\"\n").unwrap_err();
        assert!(err.contains("longest wait, 365d"), "{err}");
        parse("min_release_age = \"365d\"\n").expect("a year is allowed");
    }

    #[test]
    fn unknown_fields_and_bad_durations_are_refused() {
        assert!(parse("min_release_age = \"3\"\n").is_err());
        assert!(parse("cooldown = \"3d\"\n").is_err());
        let err = parse("[[track]]\npackage = \"acme/rx\"\n").unwrap_err();
        assert!(err.contains("constraint"), "{err}");
    }
}
