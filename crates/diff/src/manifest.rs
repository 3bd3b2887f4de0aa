//! `composer.json`: what changed, entry by entry.
//!
//! Sections that are maps (`require`, `require-dev`, `scripts`, `extra`,
//! `config`, …) are compared key by key; `autoload` and `autoload-dev`
//! one level deeper (`autoload.psr-4` by namespace, `autoload.files` and
//! `autoload.classmap` by entry); anything else (`type`, `license`,
//! `repositories`, …) as a whole value. The fields a reviewer reads first
//! come first; the rest follow by name.
//!
//! Some changes make Composer run the extension's code while installing
//! it, before anyone uses the store: a script, a file loaded on every
//! request through `autoload.files`, becoming a Composer plugin, or a
//! Magento deploy map that copies files into the store. Those are marked
//! `install_time`; the verdict counts them as new capabilities.

use std::collections::BTreeSet;

use formulary_scan::{Capability, CapabilityKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields in the order a reviewer wants them; others follow by name.
const FIRST: &[&str] = &[
    "name",
    "version",
    "type",
    "license",
    "require",
    "require-dev",
    "autoload",
    "autoload-dev",
    "scripts",
];

/// One change to `composer.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestChange {
    /// The field: `require`, `autoload.files`, `type`, `extra`, …
    pub field: String,
    /// The entry inside it: a package, a script, a namespace, a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Added, removed or changed.
    pub change: Change,
    /// The old value (for a changed or removed map entry or field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// The new value (for a changed or added map entry or field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// Whether this makes code run (or files land) at install time.
    #[serde(default, skip_serializing_if = "is_false")]
    pub install_time: bool,
}

impl ManifestChange {
    /// An install-time entry the scanner did not already report among
    /// the `new` capabilities (`scripts:post-install-cmd`,
    /// `autoload.files:boot.php`, `composer-plugin`), so a report names
    /// each once.
    pub fn is_unreported_install_time(&self, new: &[Capability]) -> bool {
        if !self.install_time {
            return false;
        }
        let key = self.key.as_deref().unwrap_or("");
        let value = match self.field.as_str() {
            "scripts" => format!("scripts:{key}"),
            "autoload.files" => format!("autoload.files:{key}"),
            "type" => "composer-plugin".to_string(),
            _ => return true,
        };
        !new.iter()
            .any(|n| n.kind == CapabilityKind::InstallTime && n.value == value)
    }

    /// A package added to `require`: code that comes with every install.
    pub fn is_new_dependency(&self) -> bool {
        self.field == "require" && self.change == Change::Added
    }
}

/// What happened to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only in the new manifest.
    Added,
    /// Only in the old manifest.
    Removed,
    /// In both, with another value.
    Changed,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Every change from `old` to `new` (either may be `null`).
pub fn compare(old: &Value, new: &Value) -> Vec<ManifestChange> {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut changes = Vec::new();
    for field in field_order(old, new) {
        let (o, n) = (old.get(&field), new.get(&field));
        if o == n {
            continue;
        }
        match field.as_str() {
            "autoload" | "autoload-dev" => autoload(&field, o, n, &mut changes),
            _ => section(&field, o, n, &mut changes),
        }
    }
    for change in &mut changes {
        change.install_time = runs_at_install(change);
    }
    changes
}

fn field_order(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<String> {
    let all: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut order: Vec<String> = FIRST
        .iter()
        .filter(|f| all.iter().any(|a| a == *f))
        .map(|f| f.to_string())
        .collect();
    order.extend(
        all.into_iter()
            .filter(|f| !FIRST.contains(&f.as_str()))
            .cloned(),
    );
    order
}

/// A field compared key by key when it is a map on both sides (or a map
/// on one side and absent on the other), else as a whole.
fn section(field: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<ManifestChange>) {
    match (as_map(old), as_map(new)) {
        (Some(o), Some(n)) => by_key(field, o, n, out),
        _ => out.push(whole(field, None, old, new)),
    }
}

/// `autoload`: each rule (`psr-4`, `files`, …) by namespace or entry.
fn autoload(field: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<ManifestChange>) {
    let (Some(o), Some(n)) = (as_map(old), as_map(new)) else {
        out.push(whole(field, None, old, new));
        return;
    };
    let rules: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for rule in rules {
        let (ov, nv) = (o.get(rule), n.get(rule));
        if ov == nv {
            continue;
        }
        let name = format!("{field}.{rule}");
        match (as_list(ov), as_list(nv), as_map(ov), as_map(nv)) {
            (Some(ol), Some(nl), _, _) => by_entry(&name, ol, nl, out),
            (_, _, Some(om), Some(nm)) => by_key(&name, om, nm, out),
            _ => out.push(whole(&name, None, ov, nv)),
        }
    }
}

/// A missing field reads as an empty map, so that a section added whole
/// lists each of its entries.
fn as_map(value: Option<&Value>) -> Option<Map<String, Value>> {
    match value {
        None => Some(Map::new()),
        Some(Value::Object(map)) => Some(map.clone()),
        Some(_) => None,
    }
}

fn as_list(value: Option<&Value>) -> Option<Vec<Value>> {
    match value {
        None => Some(Vec::new()),
        Some(Value::Array(items)) => Some(items.clone()),
        Some(_) => None,
    }
}

fn by_key(
    field: &str,
    old: Map<String, Value>,
    new: Map<String, Value>,
    out: &mut Vec<ManifestChange>,
) {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for key in keys {
        let (o, n) = (old.get(key), new.get(key));
        if o != n {
            out.push(whole(field, Some(key.clone()), o, n));
        }
    }
}

/// A list compared as a set of entries (`autoload.files`).
fn by_entry(field: &str, old: Vec<Value>, new: Vec<Value>, out: &mut Vec<ManifestChange>) {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let old: BTreeSet<String> = old.iter().map(text).collect();
    let new: BTreeSet<String> = new.iter().map(text).collect();
    for gone in old.difference(&new) {
        out.push(entry(field, gone, Change::Removed));
    }
    for came in new.difference(&old) {
        out.push(entry(field, came, Change::Added));
    }
}

fn entry(field: &str, key: &str, change: Change) -> ManifestChange {
    ManifestChange {
        field: field.to_string(),
        key: Some(key.to_string()),
        change,
        old: None,
        new: None,
        install_time: false,
    }
}

fn whole(
    field: &str,
    key: Option<String>,
    old: Option<&Value>,
    new: Option<&Value>,
) -> ManifestChange {
    let change = match (old, new) {
        (None, _) => Change::Added,
        (_, None) => Change::Removed,
        _ => Change::Changed,
    };
    ManifestChange {
        field: field.to_string(),
        key,
        change,
        old: old.cloned(),
        new: new.cloned(),
        install_time: false,
    }
}

/// Whether Composer (or Magento's installer) acts on this change while
/// installing the package.
fn runs_at_install(c: &ManifestChange) -> bool {
    let key = c.key.as_deref();
    let kept = c.change != Change::Removed;
    match c.field.as_str() {
        "scripts" => kept,
        "autoload.files" => c.change == Change::Added,
        "type" => c.new.as_ref().and_then(Value::as_str) == Some("composer-plugin"),
        "extra" => kept && matches!(key, Some("class" | "map")),
        "require" => c.change == Change::Added && key == Some("composer-plugin-api"),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(changes: &[ManifestChange]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match &c.key {
                Some(k) => format!("{} {k} {:?}", c.field, c.change),
                None => format!("{} {:?}", c.field, c.change),
            })
            .collect()
    }

    #[test]
    fn requirements_are_compared_package_by_package() {
        let old = json!({"require": {"a/a": "^1.0", "b/b": "^2.0"}});
        let new = json!({"require": {"a/a": "^1.1", "c/c": "*"}});
        let changes = compare(&old, &new);
        assert_eq!(
            fields(&changes),
            [
                "require a/a Changed",
                "require b/b Removed",
                "require c/c Added"
            ]
        );
        assert_eq!(changes[0].old, Some(json!("^1.0")));
        assert_eq!(changes[0].new, Some(json!("^1.1")));
        assert!(changes.iter().all(|c| !c.install_time));
    }

    #[test]
    fn autoload_files_are_compared_entry_by_entry_and_additions_run_at_install() {
        let old = json!({"autoload": {"files": ["registration.php"], "psr-4": {"A\\": ""}}});
        let new = json!({"autoload": {"files": ["registration.php", "boot.php"], "psr-4": {"A\\": "src/"}}});
        let changes = compare(&old, &new);
        assert_eq!(
            fields(&changes),
            [
                "autoload.files boot.php Added",
                "autoload.psr-4 A\\ Changed"
            ]
        );
        assert!(changes[0].install_time);
        assert!(!changes[1].install_time);
    }

    #[test]
    fn scripts_and_becoming_a_plugin_run_at_install() {
        let old = json!({"type": "magento2-module"});
        let new = json!({"type": "composer-plugin", "scripts": {"post-install-cmd": "x"}});
        let changes = compare(&old, &new);
        assert_eq!(
            fields(&changes),
            ["type Changed", "scripts post-install-cmd Added"]
        );
        assert!(changes.iter().all(|c| c.install_time));
    }

    #[test]
    fn other_fields_are_named_generically_in_a_stable_order() {
        let old = json!({"license": "MIT", "zeta": 1, "extra": {"map": [["a", "b"]]}});
        let new = json!({"license": ["MIT", "GPL-3.0"], "alpha": true, "extra": {}});
        let changes = compare(&old, &new);
        assert_eq!(
            fields(&changes),
            [
                "license Changed",
                "alpha Added",
                "extra map Removed",
                "zeta Removed"
            ]
        );
        assert!(
            changes.iter().all(|c| !c.install_time),
            "removals run nothing"
        );
    }

    #[test]
    fn identical_or_missing_manifests_have_no_changes() {
        let m = json!({"name": "a/b", "require": {"x/y": "1"}});
        assert!(compare(&m, &m).is_empty());
        assert!(compare(&Value::Null, &Value::Null).is_empty());
    }
}
