//! Capabilities: what the new version can do that the old one could not,
//! and what it no longer does.
//!
//! A capability is compared by its kind and value only. The file that
//! declares it does not matter: moving an HTTP client to another class
//! does not make its host new, while a host nobody contacted before is
//! new whichever file it appears in.

use std::collections::BTreeMap;

use formulary_scan::{Capability, CapabilityKind};
use serde::{Deserialize, Serialize};

/// Capabilities gained and lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityChanges {
    /// In the new side only, by kind then value; the path is where the new
    /// side first shows it.
    pub new: Vec<Capability>,
    /// In the old side only, by kind then value.
    pub dropped: Vec<Capability>,
}

impl CapabilityChanges {
    /// The new capabilities of one kind.
    pub fn new_of(&self, kind: CapabilityKind) -> impl Iterator<Item = &Capability> {
        self.new.iter().filter(move |c| c.kind == kind)
    }
}

/// Compares two capability lists.
pub fn compare(old: &[Capability], new: &[Capability]) -> CapabilityChanges {
    let old = first_of_each(old);
    let new = first_of_each(new);
    let only = |a: &BTreeMap<_, &Capability>, b: &BTreeMap<_, &Capability>| {
        a.iter()
            .filter(|(key, _)| !b.contains_key(*key))
            .map(|(_, c)| (*c).clone())
            .collect()
    };
    CapabilityChanges {
        new: only(&new, &old),
        dropped: only(&old, &new),
    }
}

/// Each (kind, value) once, with the first place it is seen.
fn first_of_each(list: &[Capability]) -> BTreeMap<(CapabilityKind, &str), &Capability> {
    let mut map = BTreeMap::new();
    for c in list {
        map.entry((c.kind, c.value.as_str())).or_insert(c);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str, path: &str) -> Capability {
        Capability::new(CapabilityKind::Host, value, path)
    }

    #[test]
    fn a_host_moved_to_another_file_is_not_new() {
        let old = [host("api.example.test", "Model/A.php")];
        let new = [host("api.example.test", "Model/B.php")];
        assert_eq!(compare(&old, &new), CapabilityChanges::default());
    }

    #[test]
    fn new_and_dropped_are_listed_once_each() {
        let old = [host("old.test", "a.php"), host("kept.test", "a.php")];
        let new = [
            host("kept.test", "a.php"),
            host("new.test", "b.php"),
            host("new.test", "c.php"),
        ];
        let changes = compare(&old, &new);
        assert_eq!(changes.new, [host("new.test", "b.php")]);
        assert_eq!(changes.dropped, [host("old.test", "a.php")]);
    }

    #[test]
    fn the_same_value_of_another_kind_is_another_capability() {
        let old = [host("x", "a.php")];
        let new = [Capability::new(CapabilityKind::Endpoint, "x", "a.php")];
        let changes = compare(&old, &new);
        assert_eq!((changes.new.len(), changes.dropped.len()), (1, 1));
        assert_eq!(changes.new_of(CapabilityKind::Endpoint).count(), 1);
    }
}
