//! Choosing which published version of a package to fetch.
//!
//! Composer's order decides "highest" (so Magento's `2.4.6-p3` beats
//! `2.4.6`); the constraint, when given, decides what may be chosen at all;
//! and among those a stable release is preferred, as Composer's
//! `prefer-stable` does, falling back to the highest pre-release only when
//! no stable one matches. Dev branches (`dev-main`, `1.x-dev`) are never
//! chosen unless the constraint itself mentions `dev`: an allowlist should
//! review releases, not moving branches.

use formulary_composer::repository::VersionEntry;
use formulary_composer::{Constraint, Stability, Version};

/// A published version that parsed.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// The version, for ordering and matching.
    pub version: Version,
    /// The repository's entry for it.
    pub entry: VersionEntry,
}

/// Whether the constraint asks for dev branches (`dev-main`, `1.x-dev`,
/// `@dev`).
pub(crate) fn wants_dev(constraint: Option<&Constraint>) -> bool {
    constraint.is_some_and(|c| c.to_string().to_ascii_lowercase().contains("dev"))
}

/// The version to fetch, or `None` when nothing fits.
pub(crate) fn choose(
    package: &str,
    candidates: Vec<Candidate>,
    constraint: Option<&Constraint>,
) -> Option<Candidate> {
    let allow_dev = wants_dev(constraint);
    let mut fitting: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| allow_dev || !is_dev(&c.version))
        .filter(|c| constraint.is_none_or(|k| k.matches(&c.version)))
        .collect();
    fitting.sort_by(|a, b| b.version.cmp(&a.version));
    let wanted = constraint.map_or_else(|| "any version".to_string(), |c| c.to_string());
    let stable = fitting
        .iter()
        .position(|c| c.version.stability() == Stability::Stable);
    let (index, why) = match stable {
        Some(i) => (i, "highest stable version"),
        None if !fitting.is_empty() => (0, "no stable version fits; highest pre-release"),
        None => return None,
    };
    let chosen = fitting.swap_remove(index);
    tracing::debug!(
        package,
        version = chosen.version.pretty(),
        constraint = wanted,
        why,
        "version chosen"
    );
    Some(chosen)
}

fn is_dev(version: &Version) -> bool {
    version.is_dev_branch() || version.stability() == Stability::Dev
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn candidates(versions: &[&str]) -> Vec<Candidate> {
        let entry = |v: &str| VersionEntry {
            name: "acme/rx".into(),
            version: v.into(),
            version_normalized: None,
            dist: None,
            other: Map::new(),
        };
        versions
            .iter()
            .map(|v| Candidate {
                version: Version::parse(v).unwrap(),
                entry: entry(v),
            })
            .collect()
    }

    fn pick(versions: &[&str], constraint: Option<&str>) -> Option<String> {
        let constraint = constraint.map(|c| Constraint::parse(c).unwrap());
        choose("acme/rx", candidates(versions), constraint.as_ref()).map(|c| c.entry.version)
    }

    #[test]
    fn the_highest_stable_version_wins_without_a_constraint() {
        assert_eq!(
            pick(&["1.0.0", "1.2.0", "1.1.0"], None).as_deref(),
            Some("1.2.0")
        );
    }

    #[test]
    fn magento_patch_releases_sort_after_their_base_release() {
        let versions = ["2.4.6", "2.4.6-p3", "2.4.6-p1", "2.4.5-p9"];
        assert_eq!(pick(&versions, None).as_deref(), Some("2.4.6-p3"));
        assert_eq!(pick(&versions, Some("^2.4.6")).as_deref(), Some("2.4.6-p3"));
        assert_eq!(pick(&versions, Some("<2.4.6")).as_deref(), Some("2.4.5-p9"));
    }

    #[test]
    fn a_stable_release_is_preferred_over_a_newer_pre_release() {
        let versions = ["1.0.0", "1.1.0-beta2"];
        assert_eq!(pick(&versions, None).as_deref(), Some("1.0.0"));
        assert_eq!(
            pick(&["1.1.0-beta1", "1.1.0-beta2"], None).as_deref(),
            Some("1.1.0-beta2")
        );
    }

    #[test]
    fn dev_branches_are_chosen_only_when_asked_for() {
        let versions = ["dev-main", "1.0.x-dev", "0.9.0"];
        assert_eq!(pick(&versions, None).as_deref(), Some("0.9.0"));
        assert_eq!(
            pick(&versions, Some("dev-main")).as_deref(),
            Some("dev-main")
        );
    }

    #[test]
    fn nothing_fits_gives_none() {
        assert_eq!(pick(&["1.0.0"], Some("^2.0")), None);
        assert_eq!(pick(&[], None), None);
    }
}
