//! Capabilities: what the new version can do that the old one could not,
//! and what it no longer does.
//!
//! A capability is compared by its kind and value only. The file that
//! declares it does not matter: moving an HTTP client to another class
//! does not make its host new, while a host nobody contacted before is
//! new whichever file it appears in.
//!
//! Some values name a file themselves (`setup-patch:Setup/Patch/X.php`).
//! When that file was renamed with its bytes unchanged, the old side's
//! value is read under the new name first, so a pure rename never shows
//! as new install-time code (which would queue a clean patch at intake).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

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

/// Compares two capability lists; `renames` maps a renamed file's new
/// path to its old one, as the file comparison found it.
pub fn compare(
    old: &[Capability],
    new: &[Capability],
    renames: &HashMap<&str, &str>,
) -> CapabilityChanges {
    let old = renamed(old, renames);
    let old = first_of_each(&old);
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

/// The old side's capabilities, with renamed files under their new paths.
fn renamed<'a>(old: &'a [Capability], renames: &HashMap<&str, &str>) -> Vec<Cow<'a, Capability>> {
    let moved: HashMap<&str, &str> = renames.iter().map(|(new, old)| (*old, *new)).collect();
    old.iter()
        .map(|c| match moved.get(c.path.as_str()) {
            Some(to) => Cow::Owned(Capability {
                kind: c.kind,
                value: c.value.replace(c.path.as_str(), to),
                path: (*to).to_string(),
            }),
            None => Cow::Borrowed(c),
        })
        .collect()
}

/// Each (kind, value) once, with the first place it is seen.
fn first_of_each<C: std::borrow::Borrow<Capability>>(
    list: &[C],
) -> BTreeMap<(CapabilityKind, &str), &Capability> {
    let mut map = BTreeMap::new();
    for c in list {
        let c = c.borrow();
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
        assert_eq!(
            compare(&old, &new, &HashMap::new()),
            CapabilityChanges::default()
        );
    }

    #[test]
    fn new_and_dropped_are_listed_once_each() {
        let old = [host("old.test", "a.php"), host("kept.test", "a.php")];
        let new = [
            host("kept.test", "a.php"),
            host("new.test", "b.php"),
            host("new.test", "c.php"),
        ];
        let changes = compare(&old, &new, &HashMap::new());
        assert_eq!(changes.new, [host("new.test", "b.php")]);
        assert_eq!(changes.dropped, [host("old.test", "a.php")]);
    }

    #[test]
    fn a_setup_patch_renamed_with_the_same_bytes_is_not_new_install_time_code() {
        let patch = |path: &str| {
            Capability::new(
                CapabilityKind::InstallTime,
                format!("setup-patch:{path}"),
                path,
            )
        };
        let old = [patch("Setup/Patch/Old.php")];
        let new = [patch("Setup/Patch/New.php")];
        let renames = HashMap::from([("Setup/Patch/New.php", "Setup/Patch/Old.php")]);
        assert_eq!(compare(&old, &new, &renames), CapabilityChanges::default());
        let unrelated = compare(&old, &new, &HashMap::new());
        assert_eq!((unrelated.new.len(), unrelated.dropped.len()), (1, 1));
    }

    #[test]
    fn the_same_value_of_another_kind_is_another_capability() {
        let old = [host("x", "a.php")];
        let new = [Capability::new(CapabilityKind::Endpoint, "x", "a.php")];
        let changes = compare(&old, &new, &HashMap::new());
        assert_eq!((changes.new.len(), changes.dropped.len()), (1, 1));
        assert_eq!(changes.new_of(CapabilityKind::Endpoint).count(), 1);
    }
}
