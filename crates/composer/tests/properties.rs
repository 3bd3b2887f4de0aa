//! Property tests: the order on versions is a lawful total order, and
//! package names are accepted exactly when Composer's rule accepts them.

#![allow(clippy::unwrap_used)]

use formulary_composer::{Constraint, NameError, PackageName, Version};
use proptest::prelude::*;
use regex::Regex;
use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

/// Composer's own name rule, used here as the oracle.
const NAME_RULE: &str = r"^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$";

static RULE: LazyLock<Regex> = LazyLock::new(|| Regex::new(NAME_RULE).unwrap());

/// Version strings in the forms Composer accepts, mixed so that many of
/// them share prefixes and collide on order.
fn version_string() -> impl Strategy<Value = String> {
    let number = prop_oneof![0u64..4, 0u64..30, Just(99_999)];
    let numbers = prop::collection::vec(number, 1..=4);
    let word = prop::sample::select(vec![
        "", "-alpha", "-a", "-beta", "-b", "-RC", "-rc", "-p", "-pl", "-patch", "-stable",
    ]);
    let tail = prop::sample::select(vec!["", "", "-dev"]);
    let numbered = (
        any::<bool>(),
        numbers,
        word,
        prop::option::of(0u32..12),
        tail,
    )
        .prop_map(|(v, nums, word, n, tail)| {
            let nums: Vec<String> = nums.iter().map(u64::to_string).collect();
            let n = if word.is_empty() {
                String::new()
            } else {
                n.map_or(String::new(), |n| n.to_string())
            };
            format!(
                "{}{}{word}{n}{tail}",
                if v { "v" } else { "" },
                nums.join(".")
            )
        });
    let branch = "[a-z][a-z0-9-]{0,6}".prop_map(|b| format!("dev-{b}"));
    let numeric_branch = (0u32..5, prop::option::of(0u32..5)).prop_map(|(a, b)| match b {
        Some(b) => format!("{a}.{b}.x-dev"),
        None => format!("{a}.x-dev"),
    });
    prop_oneof![6 => numbered, 1 => branch, 1 => numeric_branch]
}

fn version() -> impl Strategy<Value = Version> {
    version_string().prop_map(|s| Version::parse(&s).unwrap_or_else(|e| panic!("{e}")))
}

fn hash_of(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn order_is_antisymmetric_and_agrees_with_equality(a in version(), b in version()) {
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
        if a == b {
            prop_assert_eq!(hash_of(&a), hash_of(&b));
        }
        prop_assert_eq!(a.composer_cmp(&b), b.composer_cmp(&a).reverse());
    }

    #[test]
    fn order_is_transitive(a in version(), b in version(), c in version()) {
        let mut three = [a, b, c];
        three.sort();
        prop_assert!(three[0] <= three[2]);
        prop_assert!(three[0].composer_cmp(&three[1]) != Ordering::Greater);
        prop_assert!(three[1].composer_cmp(&three[2]) != Ordering::Greater);
        prop_assert!(three[0].composer_cmp(&three[2]) != Ordering::Greater);
    }

    #[test]
    fn a_sorted_list_stays_sorted_pairwise(mut list in prop::collection::vec(version(), 2..30)) {
        list.sort();
        for i in 0..list.len() {
            for j in i + 1..list.len() {
                prop_assert!(list[i] <= list[j], "{} > {}", list[i], list[j]);
            }
        }
    }

    #[test]
    fn every_version_satisfies_its_own_exact_constraint(v in version()) {
        let exact = Constraint::parse(v.pretty()).unwrap();
        prop_assert!(exact.matches(&v), "{} does not match itself", v);
    }

    #[test]
    fn names_matching_composers_rule_are_accepted(
        name in NAME_RULE.trim_start_matches('^').trim_end_matches('$')
    ) {
        let parsed = PackageName::parse(&name).unwrap();
        prop_assert_eq!(parsed.as_str(), name.as_str());
        prop_assert_eq!(format!("{}/{}", parsed.vendor(), parsed.project()), name.clone());
        let json = serde_json::to_string(&parsed).unwrap();
        prop_assert_eq!(serde_json::from_str::<PackageName>(&json).unwrap(), parsed);
    }

    #[test]
    fn any_string_is_accepted_only_if_composers_rule_accepts_it(
        name in prop_oneof![
            "[a-z0-9._/-]{0,12}",
            "[a-zA-Z0-9._/\\\\ -]{0,12}",
            any::<String>(),
        ]
    ) {
        let accepted = PackageName::parse(&name).is_ok();
        prop_assert_eq!(accepted, RULE.is_match(&name), "{:?}", name);
        if accepted {
            prop_assert!(!name.contains("..") && !name.starts_with(['/', '.']));
            prop_assert!(!name.contains('\\') && name.matches('/').count() == 1);
        }
    }

    #[test]
    fn uppercase_names_are_refused_with_their_lowercase_form(
        name in NAME_RULE.trim_start_matches('^').trim_end_matches('$')
    ) {
        let shouted = name.to_ascii_uppercase();
        prop_assume!(shouted != name);
        match PackageName::parse(&shouted) {
            Err(NameError::Uppercase { lowercase, .. }) => prop_assert_eq!(lowercase, name),
            other => prop_assert!(false, "{:?} gave {:?}", shouted, other),
        }
    }
}
