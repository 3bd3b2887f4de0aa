//! The intake rule as the judge applies it: when a decision signed by a
//! key of role `intake` may approve a version on its own.
//!
//! The intake run checks more than this before it signs (the release age,
//! the scan delta against the base: see `crate::intake`), but those checks
//! need the upstream's clock and both versions' files, which a replay of
//! the log does not have. What the judge can check from the log alone, it
//! checks here, on every recording and every replay:
//!
//! - the decision quotes the intake rule of the policy in force;
//! - its base is an approved version of the same package (checked for
//!   every decision with a base, in `decision`);
//! - the version is a patch release of that base;
//! - the vendor is on the rule's trusted list;
//! - the ingest's most severe finding does not prove a new finding at or
//!   above the rule's blocking severity (the version has one, its base
//!   had none).
//!
//! So a stolen intake key can approve at most a patch release from a
//! trusted vendor whose base a person approved, and every such use is in
//! the log, naming the rule and the base.

use formulary_composer::PackageName;
use formulary_trust::statement::{DecisionBody, IntakeRule, PolicyBody};

use super::{
    check_approvable, check_not_requester, is_high_risk, label, severity_rank, Effects, LedgerView,
    Signer, VersionStatus,
};
use crate::refusal::Refusal;
use formulary_store::VersionState;

/// The one intake rule this version knows: patch releases of an approved
/// version, from a trusted vendor, after a cooldown, with nothing new of
/// note in the delta.
pub const PATCH_FAST_TRACK: &str = "patch-fast-track";

/// Judges an approval signed by an intake key.
pub(super) fn approve(
    view: &impl LedgerView,
    signer: &Signer,
    mut status: VersionStatus,
    policy: &PolicyBody,
    body: &DecisionBody,
) -> Result<Effects, Refusal> {
    let refuse = |reason: String| Refusal::IntakeRule {
        subject: label(&status.subject),
        reason,
    };
    let rule = rule_quoted(policy, body).map_err(refuse)?;
    let base = base_of(view, &status, body)?.ok_or_else(|| refuse(no_base()))?;
    check_covered(rule, &status, &base).map_err(refuse)?;
    check_approvable(view, &status)?;
    // The intake key asks for the versions it approves; the rule is what
    // stands in for a second person here, so only another key of the
    // same name that requested the version is refused.
    if status.requested_by.as_deref() != Some(signer.id.as_str()) {
        check_not_requester(view, signer, &status)?;
    }
    status.state = VersionState::Approved;
    tracing::debug!(subject = %label(&status.subject), rule = %rule.rule, base = %base.subject.version, "intake rule approved");
    Ok(Effects {
        version: Some(status),
        ..Effects::default()
    })
}

/// The rule in force, if the decision quotes it.
fn rule_quoted<'p>(policy: &'p PolicyBody, body: &DecisionBody) -> Result<&'p IntakeRule, String> {
    let Some(rule) = &policy.intake else {
        return Err("the policy in force has no intake rule ([intake] in formulary.toml)".into());
    };
    match body.policy_rule.as_deref() {
        Some(quoted) if quoted == rule.rule => Ok(rule),
        Some(quoted) => Err(format!(
            "it quotes rule {quoted:?}, but the rule in force is {:?}",
            rule.rule
        )),
        None => Err(format!(
            "it quotes no policy rule (the rule in force is {:?})",
            rule.rule
        )),
    }
}

fn no_base() -> String {
    "it names no base version; the rule approves only patches of an approved version".into()
}

/// The base version's status. `decision` has already refused a base that
/// is not an approved version of the same package.
fn base_of(
    view: &impl LedgerView,
    status: &VersionStatus,
    body: &DecisionBody,
) -> Result<Option<VersionStatus>, Refusal> {
    let Some(base) = &body.base_version else {
        return Ok(None);
    };
    let Ok(normalized) = formulary_composer::version::normalize(base) else {
        return Ok(None);
    };
    view.version(&status.subject.package, &normalized)
}

/// What the log shows of the rule's conditions: patch level, vendor, and
/// no finding at or above the blocking severity that the base lacked.
fn check_covered(
    rule: &IntakeRule,
    status: &VersionStatus,
    base: &VersionStatus,
) -> Result<(), String> {
    let (s, b) = (&status.subject, &base.subject);
    if !is_patch_successor(&b.version_normalized, &s.version_normalized) {
        return Err(format!(
            "{} is not a patch release of {} (same major.minor, a higher patch or -pN)",
            s.version, b.version
        ));
    }
    let vendor = PackageName::parse(&s.package).map_or(String::new(), |n| n.vendor().to_string());
    if !rule.trusted_vendors.contains(&vendor) {
        return Err(format!(
            "vendor {vendor:?} is not on the rule's trusted list"
        ));
    }
    let block = &rule.block_severity;
    let found = status.max_severity.as_deref();
    if is_high_risk(found, block) && !is_high_risk(base.max_severity.as_deref(), block) {
        return Err(format!(
            "its scan has a {} finding and its base {} had none at or above {block}",
            found.unwrap_or("?"),
            b.version
        ));
    }
    Ok(())
}

/// A logged intake rule must be one this version knows, with a known
/// severity and plain vendor names.
pub(super) fn check_rule(rule: &IntakeRule) -> Result<(), Refusal> {
    if rule.rule != PATCH_FAST_TRACK {
        return Err(Refusal::BadPolicy(format!(
            "unknown intake rule {:?}; this version knows {PATCH_FAST_TRACK:?}",
            rule.rule
        )));
    }
    if severity_rank(&rule.block_severity).is_none() {
        return Err(Refusal::BadPolicy(format!(
            "intake block_severity {:?} is not critical, high, medium, low or info",
            rule.block_severity
        )));
    }
    for vendor in &rule.trusted_vendors {
        if PackageName::parse(&format!("{vendor}/x")).is_err() {
            return Err(Refusal::BadPolicy(format!(
                "intake trusted vendor {vendor:?} is not a Composer vendor name"
            )));
        }
    }
    Ok(())
}

/// Whether `next` is a patch release of `base`, both in Composer's
/// normalized form: the same major and minor, and a higher patch, or the
/// same `x.y.z` with a higher or new Magento `-pN` (`2.4.6.0-patch2`).
/// Pre-releases and branches are never patch releases.
///
/// `1.0.0 → 1.0.1`, `2.4.6 → 2.4.6-p1`, `2.4.6-p1 → 2.4.6-p2` and
/// `2.4.6-p2 → 2.4.7` are; `1.0.3 → 1.1.0`, `2.4.6-p2 → 2.4.6-p1` and
/// `1.0.0 → 1.0.1-beta1` are not.
pub fn is_patch_successor(base: &str, next: &str) -> bool {
    match (patch_position(base), patch_position(next)) {
        (Some((line_b, patch_b)), Some((line_n, patch_n))) => line_b == line_n && patch_n > patch_b,
        _ => false,
    }
}

/// `(major, minor)` and `(patch, fourth, pN)` of a stable normalized
/// version such as `2.4.6.0-patch3`; `None` for anything else.
fn patch_position(normalized: &str) -> Option<([u64; 2], [u64; 3])> {
    let (numbers, suffix) = match normalized.split_once('-') {
        Some((numbers, suffix)) => (numbers, Some(suffix)),
        None => (normalized, None),
    };
    let parts: Vec<u64> = numbers
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [major, minor, patch, fourth] = parts[..] else {
        return None;
    };
    let pn = match suffix {
        None => 0,
        Some(s) => s.strip_prefix("patch")?.parse().ok()?,
    };
    Some(([major, minor], [patch, fourth, pn]))
}

#[cfg(test)]
mod tests {
    use super::is_patch_successor;

    fn successor(base: &str, next: &str) -> bool {
        let n = |v: &str| formulary_composer::version::normalize(v).unwrap_or_default();
        is_patch_successor(&n(base), &n(next))
    }

    #[test]
    fn patch_releases_and_magento_patches_follow_their_base() {
        for (base, next) in [
            ("1.0.0", "1.0.1"),
            ("1.0.1", "1.0.3"),
            ("2.4.6", "2.4.6-p1"),
            ("2.4.6-p1", "2.4.6-p2"),
            ("2.4.6-p2", "2.4.7"),
            ("v1.2.0", "1.2.1"),
            ("103.0.6", "103.0.6-p1"),
        ] {
            assert!(successor(base, next), "{base} -> {next}");
        }
    }

    #[test]
    fn minors_majors_downgrades_and_pre_releases_are_not_patches() {
        for (base, next) in [
            ("1.0.3", "1.1.0"),
            ("1.9.9", "2.0.0"),
            ("1.0.1", "1.0.1"),
            ("1.0.2", "1.0.1"),
            ("2.4.6-p2", "2.4.6-p1"),
            ("2.4.6-p1", "2.4.6"),
            ("1.0.0", "1.0.1-beta1"),
            ("1.0.0-RC1", "1.0.0"),
            ("1.0.0", "dev-main"),
            ("1.0.x-dev", "1.0.1"),
        ] {
            assert!(!successor(base, next), "{base} -> {next}");
        }
    }
}
