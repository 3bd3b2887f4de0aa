//! Scenarios for Composer's version rules, one rule per test.

use super::*;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn n(s: &str) -> String {
    normalize(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn magento_patch_release_normalizes_to_patch_suffix() {
    assert_eq!(n("2.4.6-p3"), "2.4.6.0-patch3");
    assert_eq!(n("102.0.5-p2"), "102.0.5.0-patch2");
    assert_eq!(n("v1.2.0-p1"), "1.2.0.0-patch1");
    assert_eq!(n("2.2.0-patch"), "2.2.0.0-patch");
    assert_eq!(n("2.4.8-p30126"), "2.4.8.0-patch30126");
}

#[test]
fn magento_patch_release_sorts_after_its_release_and_before_the_next() {
    let mut list = [
        v("2.4.7"),
        v("2.4.6-p3"),
        v("2.4.6"),
        v("2.4.6-p1"),
        v("2.4.6-beta1"),
    ];
    list.sort();
    let order: Vec<&str> = list.iter().map(Version::pretty).collect();
    assert_eq!(
        order,
        ["2.4.6-beta1", "2.4.6", "2.4.6-p1", "2.4.6-p3", "2.4.7"]
    );
}

#[test]
fn magento_patch_release_is_stable() {
    assert_eq!(v("2.4.6-p3").stability(), Stability::Stable);
    assert_eq!(v("1.0-pl1").stability(), Stability::Stable);
}

#[test]
fn v_prefix_is_dropped_and_short_versions_are_padded() {
    assert_eq!(n("v1.2"), "1.2.0.0");
    assert_eq!(n("V1"), "1.0.0.0");
    assert_eq!(n("1.2.3.4"), "1.2.3.4");
    assert_eq!(v("v2.4.6"), v("2.4.6"));
    assert_eq!(v("v2.4.6").to_string(), "v2.4.6");
}

#[test]
fn stability_words_have_long_forms() {
    assert_eq!(n("1.0a1"), "1.0.0.0-alpha1");
    assert_eq!(n("1.0-b2"), "1.0.0.0-beta2");
    assert_eq!(n("1.0-rc3"), "1.0.0.0-RC3");
    assert_eq!(n("1.0.pl4"), "1.0.0.0-patch4");
    assert_eq!(n("1.0-beta.2"), "1.0.0.0-beta2");
    assert_eq!(n("1.0-beta2-dev"), "1.0.0.0-beta2-dev");
}

#[test]
fn pre_releases_order_dev_alpha_beta_rc_release_patch() {
    let order = [
        "1.0-dev",
        "1.0-alpha1",
        "1.0-beta1",
        "1.0-RC1",
        "1.0",
        "1.0-p1",
    ];
    for pair in order.windows(2) {
        assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
    }
    let stabilities: Vec<Stability> = order.iter().map(|s| v(s).stability()).collect();
    assert!(stabilities[..5].windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn named_branches_stay_as_written_and_sort_before_releases() {
    let main = v("dev-main");
    assert_eq!(main.normalized(), "dev-main");
    assert!(main.is_named_branch() && main.is_dev_branch());
    assert_eq!(main.stability(), Stability::Dev);
    assert!(main < v("0.0.1"));
    assert!(v("dev-a") < v("dev-b"));
    assert_eq!(n("DEV-Feature"), "dev-Feature");
    assert_eq!(n("master"), "dev-master");
}

#[test]
fn numeric_branches_become_nines() {
    assert_eq!(n("1.x-dev"), "1.9999999.9999999.9999999-dev");
    assert_eq!(n("1.0.x-dev"), "1.0.9999999.9999999-dev");
    assert_eq!(n("v2.*-dev"), "2.9999999.9999999.9999999-dev");
    let branch = v("1.x-dev");
    assert!(branch.is_dev_branch() && !branch.is_named_branch());
    assert!(v("1.99.0") < branch && branch < v("2.0.0-alpha1"));
}

#[test]
fn date_versions_keep_their_parts() {
    // A dotted date is also a classical version (major up to 5 digits).
    assert_eq!(n("2026.08.30"), "2026.08.30.0");
    assert_eq!(n("2026-08-30"), "2026.08.30");
    assert_eq!(n("20260830"), "20260830");
    assert!(v("2026.08.30") < v("2026.09.01"));
}

#[test]
fn build_metadata_is_ignored() {
    assert_eq!(n("1.0.0+build.7"), "1.0.0.0");
    assert_eq!(n("1.0.0-beta+exp.sha.5114f85"), "1.0.0.0-beta");
}

#[test]
fn composer_quirks_are_kept() {
    // `-stable` vanishes, `-STABLE` stays: Composer compares case-sensitively.
    assert_eq!(n("1.0-stable"), "1.0.0.0");
    assert_eq!(n("1.0-STABLE"), "1.0.0.0-stable");
    // Six digits are not a classical major version but are a date.
    assert_eq!(n("100000"), "100000");
}

#[test]
fn invalid_versions_are_refused_naming_the_input() {
    for bad in [
        "v.1.0.1",
        "2.4.8-rc0325-beta2",
        "",
        "1.0-foo",
        "1.0.0.0.0",
        "feature-dev",
    ] {
        let err = normalize(bad).expect_err(bad);
        assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
    }
}

#[test]
fn aliases_are_stripped_by_normalize_but_refused_as_a_version() {
    assert_eq!(n("1.0.0 as 2.0.0"), "1.0.0.0");
    let err = Version::parse("dev-main as 1.0.x-dev").unwrap_err();
    assert!(matches!(err, VersionError::AliasNotAllowed(_)));
    // Composer's normalize checks only the source side of an alias.
    assert_eq!(n("1.0 as foo"), "1.0.0.0");
    assert!(matches!(
        normalize("foo as 1.0"),
        Err(VersionError::BadAliasSource(_))
    ));
}

#[test]
fn stability_flags_are_stripped_by_normalize_but_refused_as_a_version() {
    assert_eq!(n("1.0@beta"), "1.0.0.0");
    let err = Version::parse("1.0@beta").unwrap_err();
    assert!(matches!(err, VersionError::FlagNotAllowed(_)));
    assert!(err.to_string().contains("require constraint"));
}

#[test]
fn equal_numbers_written_differently_compare_equal_for_composer_only() {
    let (a, b) = (v("1.0"), v("01.0"));
    assert_eq!(a.composer_cmp(&b), Ordering::Equal);
    assert_ne!(a, b);
    assert_ne!(a.cmp(&b), Ordering::Equal);
}

#[test]
fn serde_uses_the_pretty_string() {
    let version: Version = serde_json::from_str("\"v2.4.6-p3\"").unwrap();
    assert_eq!(version.normalized(), "2.4.6.0-patch3");
    assert_eq!(serde_json::to_string(&version).unwrap(), "\"v2.4.6-p3\"");
    assert!(serde_json::from_str::<Version>("\"nope\"").is_err());
}
