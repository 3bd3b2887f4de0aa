//! The minified p2 form (composer/metadata-minifier): each version object
//! after the first lists only what changed from the one before it.
//!
//! packagist.org always minifies, and so does formulary's server, so the
//! reader must expand and the writer must produce exactly what Composer
//! expands back; the round-trip test below holds the two together.

use super::{VersionObject, UNSET};
use serde_json::Value;

/// Expands a minified version list: each object after the first lists only
/// the keys that changed from the previous expanded one, `"__unset"` removing
/// a key. Values are replaced whole, never merged.
pub fn expand(versions: &[VersionObject]) -> Vec<VersionObject> {
    let mut out: Vec<VersionObject> = Vec::with_capacity(versions.len());
    for diff in versions {
        let mut current = out.last().cloned().unwrap_or_default();
        for (key, value) in diff {
            if value.as_str() == Some(UNSET) {
                current.shift_remove(key);
            } else {
                current.insert(key.clone(), value.clone());
            }
        }
        out.push(current);
    }
    out
}

/// Minifies a version list, the inverse of [`expand`]. A `null` value counts
/// as an absent key, so it is dropped before comparing.
pub fn minify(versions: &[VersionObject]) -> Vec<VersionObject> {
    let mut out = Vec::with_capacity(versions.len());
    let mut previous: Option<VersionObject> = None;
    for version in versions {
        let version: VersionObject = version
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let diff = match &previous {
            None => version.clone(),
            Some(prev) => diff_from(prev, &version),
        };
        out.push(diff);
        previous = Some(version);
    }
    out
}

/// The keys of `next` that differ from `prev`, plus `"__unset"` for keys
/// `next` no longer has.
fn diff_from(prev: &VersionObject, next: &VersionObject) -> VersionObject {
    let mut diff: VersionObject = next
        .iter()
        .filter(|(k, v)| prev.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for key in prev.keys().filter(|k| !next.contains_key(*k)) {
        diff.insert(key.clone(), Value::from(UNSET));
    }
    diff
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn objects(value: Value) -> Vec<VersionObject> {
        let list = value.as_array().cloned().unwrap_or_default();
        list.into_iter()
            .filter_map(|v| v.as_object().cloned())
            .collect()
    }

    #[test]
    fn later_versions_take_changes_and_unset_keys_from_the_one_before() {
        let minified = objects(json!([
            {"name": "acme/rx", "version": "1.1.0", "require": {"php": ">=8.1"}, "time": "t2"},
            {"version": "1.0.0", "time": "__unset", "require": {"php": ">=7.4"}},
            {"version": "0.9.0"}
        ]));
        let expanded = expand(&minified);
        assert_eq!(
            expanded[1],
            objects(json!([{"name": "acme/rx", "version": "1.0.0",
            "require": {"php": ">=7.4"}}]))[0]
        );
        assert_eq!(expanded[2]["require"], json!({"php": ">=7.4"}));
        assert_eq!(expanded[2]["name"], json!("acme/rx"));
        assert!(!expanded[2].contains_key("time"));
    }

    #[test]
    fn nested_objects_are_replaced_whole_not_merged() {
        let minified = objects(json!([
            {"version": "2", "extra": {"a": 1, "b": 2}},
            {"version": "1", "extra": {"a": 1}}
        ]));
        assert_eq!(expand(&minified)[1]["extra"], json!({"a": 1}));
    }

    #[test]
    fn minify_writes_only_differences_and_unsets() {
        let full = objects(json!([
            {"name": "acme/rx", "version": "1.1.0", "time": "t2"},
            {"name": "acme/rx", "version": "1.0.0"}
        ]));
        let min = minify(&full);
        assert_eq!(
            Value::Object(min[1].clone()),
            json!({"version": "1.0.0", "time": "__unset"})
        );
    }

    #[test]
    fn null_counts_as_absent() {
        let full = objects(json!([
            {"version": "2", "time": null},
            {"version": "1", "time": "t1"}
        ]));
        let min = minify(&full);
        assert!(!min[0].contains_key("time"));
        assert_eq!(
            expand(&min),
            objects(json!([{"version": "2"}, {"version": "1", "time": "t1"}]))
        );
    }

    fn version_object() -> impl Strategy<Value = VersionObject> {
        let value = prop_oneof![
            Just(Value::Null),
            (0u8..3).prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
            (0u8..2).prop_map(|n| json!({"k": n})),
        ];
        proptest::collection::btree_map("[a-e]", value, 0..5)
            .prop_map(|m| m.into_iter().collect::<VersionObject>())
    }

    proptest! {
        #[test]
        fn expand_undoes_minify(list in proptest::collection::vec(version_object(), 0..6)) {
            let without_nulls: Vec<VersionObject> = list.iter().map(|o| {
                o.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect()
            }).collect();
            prop_assert_eq!(expand(&minify(&list)), without_nulls);
        }
    }
}
