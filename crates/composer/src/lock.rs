//! The `composer.lock` model: what a project actually installed.
//!
//! `formulary verify` reads a lock to check each installed package against
//! the approved digests, so we keep exactly the fields that identify what
//! was installed (name, version, dist, source) and pass the rest through.

use crate::manifest::{check_depth, Dist, ManifestError, Source, MAX_JSON_DEPTH};
use crate::name::PackageName;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A parsed `composer.lock`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComposerLock {
    /// Hash of the root manifest's relevant parts.
    #[serde(
        rename = "content-hash",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_hash: Option<String>,
    /// Packages installed for production.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub packages: Vec<LockedPackage>,
    /// Packages installed for development only.
    #[serde(rename = "packages-dev", default, deserialize_with = "null_as_empty")]
    pub packages_dev: Vec<LockedPackage>,
    /// Every other key, kept as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One installed package in a lock file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockedPackage {
    /// Package name, validated.
    pub name: PackageName,
    /// Version as written in the lock (pretty form).
    pub version: String,
    /// Package type, when given.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Archive the package was installed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist: Option<Dist>,
    /// VCS the package came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Every other key, kept as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ComposerLock {
    /// Parses a lock file, refusing nesting deeper than [`MAX_JSON_DEPTH`].
    pub fn from_slice(bytes: &[u8]) -> Result<ComposerLock, ManifestError> {
        const FILE: &str = "composer.lock";
        check_depth(FILE, bytes, MAX_JSON_DEPTH)?;
        serde_json::from_slice(bytes).map_err(|source| ManifestError::Json { file: FILE, source })
    }

    /// Every locked package, production first, then development.
    pub fn all_packages(&self) -> impl Iterator<Item = &LockedPackage> {
        self.packages.iter().chain(self.packages_dev.iter())
    }
}

/// Reads a list, taking `null` as empty.
fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<LockedPackage>, D::Error> {
    Ok(Option::<Vec<LockedPackage>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
        "_readme": ["This file locks the dependencies"],
        "content-hash": "0123abcd",
        "packages": [{
            "name": "magento/framework",
            "version": "103.0.6-p3",
            "type": "magento2-library",
            "dist": {"type": "zip", "url": "https://repo.magento.com/x.zip",
                     "reference": null, "shasum": "aa"},
            "require": {"php": "~8.1.0"}
        }],
        "packages-dev": [{
            "name": "phpunit/phpunit",
            "version": "9.6.0",
            "source": {"type": "git", "url": "https://github.com/x/y.git",
                       "reference": "deadbeef"}
        }],
        "minimum-stability": "stable"
    }"#;

    #[test]
    fn a_lock_lists_production_and_dev_packages() {
        let lock = ComposerLock::from_slice(LOCK.as_bytes()).unwrap();
        assert_eq!(lock.content_hash.as_deref(), Some("0123abcd"));
        let framework = &lock.packages[0];
        assert_eq!(framework.name.as_str(), "magento/framework");
        assert_eq!(framework.version, "103.0.6-p3");
        assert_eq!(framework.r#type.as_deref(), Some("magento2-library"));
        let dist = framework.dist.as_ref().unwrap();
        assert_eq!(
            (dist.reference.as_deref(), dist.shasum.as_deref()),
            (None, Some("aa"))
        );
        assert_eq!(framework.other["require"]["php"], "~8.1.0");
        let names: Vec<&str> = lock.all_packages().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["magento/framework", "phpunit/phpunit"]);
    }

    #[test]
    fn a_lock_without_dev_packages_reads_as_empty() {
        let lock = ComposerLock::from_slice(br#"{"packages":[],"packages-dev":null}"#);
        assert!(lock.unwrap().packages_dev.is_empty());
    }

    #[test]
    fn a_lock_with_a_hostile_name_is_refused() {
        let bad = br#"{"packages":[{"name":"../../x","version":"1.0"}]}"#;
        let err = ComposerLock::from_slice(bad).unwrap_err();
        assert!(err.to_string().starts_with("composer.lock:"), "{err}");
    }

    #[test]
    fn a_deeply_nested_lock_is_refused() {
        let deep = format!("{{\"packages\":{}", "[".repeat(100));
        let err = ComposerLock::from_slice(deep.as_bytes()).unwrap_err();
        assert!(matches!(
            err,
            ManifestError::TooDeep {
                file: "composer.lock",
                ..
            }
        ));
    }
}
