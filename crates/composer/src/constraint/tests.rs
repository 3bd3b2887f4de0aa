//! Scenarios for Composer's constraint rules, one rule per test.

use super::*;

fn c(s: &str) -> Constraint {
    Constraint::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Asserts which of `versions` the constraint admits.
fn admits(constraint: &str, yes: &[&str], no: &[&str]) {
    let parsed = c(constraint);
    for ok in yes {
        assert!(parsed.matches(&v(ok)), "{constraint} should admit {ok}");
    }
    for bad in no {
        assert!(!parsed.matches(&v(bad)), "{constraint} should refuse {bad}");
    }
}

#[test]
fn caret_includes_magento_patch_releases() {
    admits(
        "^2.4.6",
        &["2.4.6", "2.4.6-p3", "2.4.9", "2.9.0-p1"],
        &["2.4.5-p9", "3.0.0"],
    );
    assert_eq!(
        c("^2.4.6").composer_string(),
        "[>= 2.4.6.0-dev < 3.0.0.0-dev]"
    );
}

#[test]
fn exact_version_excludes_its_patch_releases() {
    admits("2.4.6", &["2.4.6", "v2.4.6"], &["2.4.6-p1", "2.4.7"]);
    admits("2.4.6-p3", &["2.4.6-p3"], &["2.4.6", "2.4.6-p1"]);
}

#[test]
fn less_than_means_before_the_first_dev_release() {
    assert_eq!(c("<2.4.7").composer_string(), "< 2.4.7.0-dev");
    admits("<2.4.7", &["2.4.6-p9", "2.4.6"], &["2.4.7-alpha1", "2.4.7"]);
    admits(">=2.4.7", &["2.4.7-alpha1", "2.4.7"], &["2.4.6-p9"]);
}

#[test]
fn tilde_lets_the_last_given_part_grow() {
    admits("~2.4.6", &["2.4.6-p1", "2.4.99"], &["2.5.0", "2.4.5"]);
    admits("~2.4", &["2.4.0", "2.99"], &["3.0.0"]);
    admits("~1", &["1.0", "1.9"], &["2.0"]);
    assert_eq!(
        c("~1.2-beta").composer_string(),
        "[>= 1.2.0.0-beta < 2.0.0.0-dev]"
    );
}

#[test]
fn caret_below_one_keeps_the_first_non_zero_part() {
    admits("^0.3", &["0.3.0", "0.3.9"], &["0.4.0"]);
    admits("^0.0.3", &["0.0.3"], &["0.0.4"]);
}

#[test]
fn wildcards_cover_a_prefix_and_star_covers_branches() {
    admits(
        "2.4.*",
        &["2.4.0", "2.4.6-p3", "2.4.7-beta1"],
        &["2.5.0", "2.3.9"],
    );
    admits("*", &["dev-main", "1.0", "0.0.1-alpha"], &[]);
    admits("x.x", &["1.0"], &["dev-main"]);
    assert_eq!(c("0.*").composer_string(), "< 1.0.0.0-dev");
}

#[test]
fn hyphen_ranges_are_inclusive_and_partial_ends_cover_the_prefix() {
    admits("1.0 - 2.0", &["1.0.0", "2.0.5"], &["2.1.0", "0.9"]);
    admits("1.0.0 - 2.1.3", &["2.1.3"], &["2.1.3-p1", "2.1.4"]);
}

#[test]
fn comma_and_space_mean_and_and_pipes_mean_or() {
    for and in [">=1.0 <2.0", ">=1.0,<2.0", ">=1.0, <2.0", ">= 1.0 < 2.0"] {
        admits(and, &["1.5"], &["2.0", "0.9"]);
    }
    for or in ["^1.0 || ^3.0", "^1.0|^3.0"] {
        admits(or, &["1.2", "3.1"], &["2.0"]);
    }
}

#[test]
fn not_equal_excludes_one_version() {
    admits(">=1.0 !=1.5 <2.0", &["1.4", "1.6"], &["1.5"]);
    admits("!=dev-main", &["dev-other", "1.0"], &["dev-main"]);
}

#[test]
fn dev_branch_constraints_match_only_that_branch() {
    admits(
        "dev-main",
        &["dev-main"],
        &["dev-develop", "1.0", "99999.0"],
    );
    admits("dev-main#abc123", &["dev-main"], &[]);
    admits(">=1.0", &[], &["dev-main"]);
    admits("1.x-dev", &["1.x-dev"], &["1.0", "dev-1.x"]);
    admits("feature-dev", &["dev-feature"], &[]);
}

#[test]
fn stability_flags_are_stripped_and_remembered() {
    assert_eq!(c("^1.0@beta").stability_flag(), Some(Stability::Beta));
    assert_eq!(
        c("^1.0@dev || ^2.0@beta").stability_flag(),
        Some(Stability::Dev)
    );
    assert_eq!(c("^1.0").stability_flag(), None);
    admits("@dev", &["dev-main", "1.0"], &[]);
    // Composer appends the flag to a bound: `>=1.0@beta` is `>= 1.0.0.0-beta`.
    assert_eq!(c(">=1.0@beta").composer_string(), ">= 1.0.0.0-beta");
}

#[test]
fn aliases_match_their_source_version() {
    admits("2.4.6 as 2.4.7", &["2.4.6"], &["2.4.7"]);
    admits("dev-main as 1.0.x-dev", &["dev-main"], &[]);
}

#[test]
fn ruby_tilde_arrow_is_refused_with_a_hint() {
    let err = Constraint::parse("~>1.0").unwrap_err();
    assert!(matches!(err, ConstraintError::TildeArrow { .. }));
    assert!(err.to_string().contains("you probably meant \"~\""));
}

#[test]
fn invalid_pieces_are_named_in_the_error() {
    let err = Constraint::parse("^1.0 || >= foo").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("\"^1.0 || >= foo\"") && msg.contains("\">= foo\""),
        "{msg}"
    );
    for bad in ["", "||", "1.0 ||", "abc", "^", ">=1.0 <"] {
        assert!(Constraint::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn contiguous_or_ranges_are_merged_like_composer() {
    assert_eq!(
        c("1.* || 2.*").composer_string(),
        "[>= 1.0.0.0-dev < 3.0.0.0-dev]"
    );
    // Composer merges on the text of the bounds, even when the first range
    // is empty; we follow it, so 2.5 is refused here as it is by Composer.
    admits(">=3.0 <2.0 || >=2.0 <4.0", &["3.5"], &["2.5"]);
}

#[test]
fn display_is_the_constraint_as_written() {
    assert_eq!(c(" ^1.0 ").to_string(), " ^1.0 ");
    assert_eq!(c("^1.0").pretty(), "^1.0");
}
