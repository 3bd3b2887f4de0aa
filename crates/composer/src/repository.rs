//! Composer repository metadata: the root `packages.json`, v2 `p2/` files
//! (with the minified form packagist.org and formulary's server emit), v1
//! provider listings as repo.magento.com still serves them, and the URL rules
//! a Composer client applies to the values it finds there.
//!
//! Ingestion reads these files from upstreams and the server writes them for
//! Composer, so both directions live here: parsing keeps every key it does
//! not know (`other`), and `minify` is the exact inverse of `expand`. Names
//! and versions stay plain strings here; callers validate them with
//! [`crate::PackageName`] and [`crate::Version`], so one odd entry upstream
//! does not make a whole file unreadable.

use crate::manifest::Dist;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

mod minify;
mod url;

pub use minify::{expand, minify};
pub use url::{base_url, canonicalize_url, fill_template, glob_matches, root_url};

/// One version object as written in a repository file.
pub type VersionObject = Map<String, Value>;

/// The marker that says a p2 file is minified (composer/metadata-minifier).
pub const MINIFIED_MARKER: &str = "composer/2.0";

/// The value that removes a key in a minified version object.
const UNSET: &str = "__unset";

/// Why a repository file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The bytes are not the JSON shape this file must have.
    #[error("invalid {what}: {source}")]
    Json {
        /// Which file kind was being read (`packages.json`, `p2 file`, ...).
        what: &'static str,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// A `minified` marker this reader does not know how to expand.
    #[error("p2 file is minified as {0:?}; only \"composer/2.0\" is known")]
    UnknownMinifier(String),
    /// An entry in a version list is not a JSON object.
    #[error("version entry {index} of {package} is not a JSON object")]
    NotAnObject {
        /// The package whose list holds the entry.
        package: String,
        /// Position of the entry in the list.
        index: usize,
    },
}

/// `{"sha256": "..."}`: how v1 files point at the files they include.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashRef {
    /// Lowercase hex SHA-256 of the referenced file's bytes.
    pub sha256: String,
}

/// The `security-advisories` entry of a v2 root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoriesRef {
    /// Whether p2 files carry advisories inline.
    #[serde(default)]
    pub metadata: bool,
    /// Where `composer audit` posts its queries.
    #[serde(rename = "api-url", default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

/// The root `packages.json`, v2 and v1 fields side by side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RootFile {
    /// v1 inline packages: name → version string → version object. A v2
    /// root keeps it empty, written as `[]`.
    #[serde(default, with = "php_map")]
    pub packages: BTreeMap<String, Map<String, Value>>,
    /// v2: template of the p2 URL, with `%package%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_url: Option<String>,
    /// v2: every name this repository answers for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_packages: Option<Vec<String>>,
    /// v2: `*` patterns of names this repository answers for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_package_patterns: Option<Vec<String>>,
    /// Where clients report installs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_batch: Option<String>,
    /// v2: where advisories come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_advisories: Option<AdvisoriesRef>,
    /// v1: template of provider file URLs, with `%package%` and `%hash%`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers_url: Option<String>,
    /// v1: provider listing files, path (with `%hash%`) → hash.
    #[serde(default, with = "php_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub provider_includes: BTreeMap<String, HashRef>,
    /// v1: an inline provider listing, name → hash.
    #[serde(default, with = "php_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub providers: BTreeMap<String, HashRef>,
    /// Every other key, kept as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl RootFile {
    /// Reads a `packages.json` body.
    pub fn from_slice(bytes: &[u8]) -> Result<RootFile, RepositoryError> {
        parse(bytes, "packages.json")
    }

    /// Whether the root speaks v2 (`metadata-url` set); Composer 2 then
    /// ignores every v1 field.
    pub fn is_v2(&self) -> bool {
        self.metadata_url.is_some()
    }

    /// Whether the repository answers for `name`: `None` when it publishes
    /// no available list (it may hold anything), else whether the list or
    /// one of the patterns names it, case-insensitively.
    pub fn lists(&self, name: &str) -> Option<bool> {
        let names = self.available_packages.as_ref();
        let patterns = self.available_package_patterns.as_ref();
        if names.is_none() && patterns.is_none() {
            return None;
        }
        let by_name = names.is_some_and(|l| l.iter().any(|n| n.eq_ignore_ascii_case(name)));
        let by_pattern = patterns.is_some_and(|l| l.iter().any(|p| glob_matches(p, name)));
        Some(by_name || by_pattern)
    }
}

/// A p2 file (`{"packages": {name: [versions]}}`), held expanded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct P2File {
    /// Package name → complete version objects, in file order.
    pub packages: BTreeMap<String, Vec<VersionObject>>,
    /// Every other top-level key (`security-advisories`, `infos`, ...).
    pub other: Map<String, Value>,
}

/// The p2 file as it travels, before expansion.
#[derive(Serialize, Deserialize)]
struct P2Wire {
    #[serde(default, with = "php_map")]
    packages: BTreeMap<String, Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    minified: Option<String>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl P2File {
    /// Reads a p2 body, expanding it when it says it is minified.
    pub fn from_slice(bytes: &[u8]) -> Result<P2File, RepositoryError> {
        let wire: P2Wire = parse(bytes, "p2 file")?;
        let minified = match wire.minified.as_deref() {
            None => false,
            Some(MINIFIED_MARKER) => true,
            Some(other) => return Err(RepositoryError::UnknownMinifier(other.into())),
        };
        let mut packages = BTreeMap::new();
        for (name, list) in wire.packages {
            let objects = objects(&name, list)?;
            let objects = if minified { expand(&objects) } else { objects };
            packages.insert(name, objects);
        }
        Ok(P2File {
            packages,
            other: wire.other,
        })
    }

    /// Writes the file in the minified form, marker included.
    pub fn to_minified_json(&self) -> Value {
        let packages = self.packages.iter().map(|(name, versions)| {
            let list = minify(versions).into_iter().map(Value::Object).collect();
            (name.clone(), Value::Array(list))
        });
        let mut out = Map::new();
        out.insert("packages".into(), Value::Object(packages.collect()));
        out.insert("minified".into(), Value::from(MINIFIED_MARKER));
        out.extend(self.other.clone());
        Value::Object(out)
    }

    /// The versions listed for `name`, each read as a [`VersionEntry`];
    /// an entry that does not read is returned as its error.
    pub fn entries(&self, name: &str) -> Vec<Result<VersionEntry, RepositoryError>> {
        let list = self.packages.get(name).map(Vec::as_slice).unwrap_or(&[]);
        list.iter().map(VersionEntry::from_object).collect()
    }
}

/// A v1 provider listing file (`{"providers": {name: {"sha256": ..}}}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderListing {
    /// Name → hash of that name's provider file.
    #[serde(default, with = "php_map")]
    pub providers: BTreeMap<String, HashRef>,
}

impl ProviderListing {
    /// Reads a provider-includes file body.
    pub fn from_slice(bytes: &[u8]) -> Result<ProviderListing, RepositoryError> {
        parse(bytes, "provider listing")
    }
}

/// A v1 provider file (`{"packages": {name: {version: object}}}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderFile {
    /// Name → version string → version object.
    #[serde(default, with = "php_map")]
    pub packages: BTreeMap<String, Map<String, Value>>,
}

impl ProviderFile {
    /// Reads a v1 provider file body.
    pub fn from_slice(bytes: &[u8]) -> Result<ProviderFile, RepositoryError> {
        parse(bytes, "provider file")
    }

    /// The versions listed for `name`, read as in [`P2File::entries`].
    pub fn entries(&self, name: &str) -> Vec<Result<VersionEntry, RepositoryError>> {
        v1_entries(&self.packages, name)
    }
}

/// The v1 shape shared by provider files and an inline root `packages`.
pub fn v1_entries(
    packages: &BTreeMap<String, Map<String, Value>>,
    name: &str,
) -> Vec<Result<VersionEntry, RepositoryError>> {
    let Some(versions) = packages.get(name) else {
        return Vec::new();
    };
    let read = |(index, value): (usize, &Value)| match value {
        Value::Object(obj) => VersionEntry::from_object(obj),
        _ => Err(not_an_object(name, index)),
    };
    versions.values().enumerate().map(read).collect()
}

/// The fields of a version object that fetching needs; the rest is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// Package name as the entry writes it.
    pub name: String,
    /// Version as published (`2.4.6-p3`).
    pub version: String,
    /// Normalized version, when the repository gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_normalized: Option<String>,
    /// The archive to download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist: Option<Dist>,
    /// Every other key, kept as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl VersionEntry {
    /// Reads one version object.
    pub fn from_object(obj: &VersionObject) -> Result<VersionEntry, RepositoryError> {
        serde_json::from_value(Value::Object(obj.clone())).map_err(|source| RepositoryError::Json {
            what: "version object",
            source,
        })
    }
}

fn parse<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
) -> Result<T, RepositoryError> {
    serde_json::from_slice(bytes).map_err(|source| RepositoryError::Json { what, source })
}

fn objects(name: &str, list: Vec<Value>) -> Result<Vec<VersionObject>, RepositoryError> {
    let to_object = |(index, value): (usize, Value)| match value {
        Value::Object(obj) => Ok(obj),
        _ => Err(not_an_object(name, index)),
    };
    list.into_iter().enumerate().map(to_object).collect()
}

fn not_an_object(package: &str, index: usize) -> RepositoryError {
    RepositoryError::NotAnObject {
        package: package.to_string(),
        index,
    }
}

/// PHP writes an empty associative array as `[]`; these maps read either
/// form and write `[]` when empty, as Composer's own files do.
mod php_map {
    use serde::de::{DeserializeOwned, Deserializer, Error};
    use serde::ser::Serializer;
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MapOrList<T> {
        Map(BTreeMap<String, T>),
        List(Vec<serde::de::IgnoredAny>),
    }

    pub fn deserialize<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        match MapOrList::deserialize(d)? {
            MapOrList::Map(map) => Ok(map),
            MapOrList::List(list) if list.is_empty() => Ok(BTreeMap::new()),
            MapOrList::List(_) => Err(D::Error::custom("expected an object, found a list")),
        }
    }

    pub fn serialize<S, T>(map: &BTreeMap<String, T>, s: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        T: Serialize,
    {
        if map.is_empty() {
            return [(); 0].serialize(s);
        }
        map.serialize(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(value: Value) -> Vec<u8> {
        serde_json::to_vec(&value).unwrap_or_default()
    }

    #[test]
    fn a_v2_customer_root_reads_and_writes_packages_as_an_empty_list() {
        let root = RootFile::from_slice(&bytes(json!({
            "packages": [],
            "metadata-url": "/c/clinic-a/p2/%package%.json",
            "available-packages": ["acme/module-rx-upload"],
            "available-package-patterns": ["vendorx/*"],
            "notify-batch": "/c/clinic-a/downloads",
            "security-advisories": {"metadata": true, "api-url": "https://r.example/adv"},
            "infos": [{"message": "approved set r412", "versions": ">=2.2"}]
        })))
        .unwrap();
        assert!(root.is_v2());
        assert_eq!(root.notify_batch.as_deref(), Some("/c/clinic-a/downloads"));
        assert_eq!(
            root.security_advisories.as_ref().map(|a| a.metadata),
            Some(true)
        );
        assert!(root.other.contains_key("infos"));
        let written = serde_json::to_value(&root).unwrap();
        assert_eq!(written["packages"], json!([]));
        assert!(written.get("provider-includes").is_none());
    }

    #[test]
    fn the_available_lists_make_a_repository_finite() {
        let root = RootFile::from_slice(&bytes(json!({
            "metadata-url": "/p2/%package%.json",
            "available-packages": ["Acme/Rx"],
            "available-package-patterns": ["vendorx/*"]
        })))
        .unwrap();
        assert_eq!(root.lists("acme/rx"), Some(true));
        assert_eq!(root.lists("vendorx/fee"), Some(true));
        assert_eq!(root.lists("other/thing"), Some(false));
        assert_eq!(RootFile::default().lists("acme/rx"), None);
    }

    #[test]
    fn a_magento_style_v1_root_names_its_provider_includes() {
        let root = RootFile::from_slice(&bytes(json!({
            "packages": [],
            "providers-url": "/p/%package%$%hash%.json",
            "provider-includes": {"p/provider-ce$%hash%.json": {"sha256": "ab12"}}
        })))
        .unwrap();
        assert!(!root.is_v2());
        assert_eq!(
            root.providers_url.as_deref(),
            Some("/p/%package%$%hash%.json")
        );
        assert_eq!(
            root.provider_includes["p/provider-ce$%hash%.json"].sha256,
            "ab12"
        );
    }

    #[test]
    fn v1_listing_and_provider_files_read_versions_keyed_by_string() {
        let listing = ProviderListing::from_slice(&bytes(json!({
            "providers": {"magento/module-catalog": {"sha256": "cd34"}}
        })))
        .unwrap();
        assert_eq!(listing.providers["magento/module-catalog"].sha256, "cd34");
        let file = ProviderFile::from_slice(&bytes(json!({"packages": {"magento/module-catalog": {
            "104.0.6-p3": {"name": "magento/module-catalog", "version": "104.0.6-p3",
                "dist": {"type": "zip", "url": "https://r/a.zip", "reference": null, "shasum": ""}}
        }}})))
        .unwrap();
        let entries = file.entries("magento/module-catalog");
        let entry = entries[0].as_ref().unwrap();
        assert_eq!(entry.version, "104.0.6-p3");
        assert_eq!(
            entry.dist.as_ref().map(|d| d.url.as_str()),
            Some("https://r/a.zip")
        );
        assert!(file.entries("other/name").is_empty());
    }

    #[test]
    fn empty_php_arrays_read_as_empty_maps() {
        let file = ProviderFile::from_slice(br#"{"packages": []}"#).unwrap();
        assert!(file.packages.is_empty());
        let p2 = P2File::from_slice(br#"{"packages": []}"#).unwrap();
        assert!(p2.packages.is_empty());
        assert!(ProviderFile::from_slice(br#"{"packages": [1]}"#).is_err());
    }

    #[test]
    fn a_minified_p2_file_is_expanded_on_read() {
        let p2 = P2File::from_slice(&bytes(json!({"minified": "composer/2.0", "packages": {
            "acme/rx": [
                {"name": "acme/rx", "version": "1.1.0", "type": "magento2-module"},
                {"version": "1.0.0", "type": "__unset"}
            ]
        }})))
        .unwrap();
        let entries = p2.entries("acme/rx");
        let old = entries[1].as_ref().unwrap();
        assert_eq!(
            (old.name.as_str(), old.version.as_str()),
            ("acme/rx", "1.0.0")
        );
        assert!(!old.other.contains_key("type"));
    }

    #[test]
    fn an_unknown_minifier_is_refused_rather_than_misread() {
        let err = P2File::from_slice(br#"{"minified": "other/1", "packages": {}}"#).unwrap_err();
        assert!(err.to_string().contains("other/1"));
    }

    #[test]
    fn a_version_entry_that_is_not_an_object_is_named() {
        let err = P2File::from_slice(br#"{"packages": {"acme/rx": ["1.0.0"]}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "version entry 0 of acme/rx is not a JSON object"
        );
    }

    #[test]
    fn a_p2_file_survives_minify_then_expand() {
        let original = P2File::from_slice(&bytes(json!({"packages": {"acme/rx": [
            {"name": "acme/rx", "version": "1.1.0", "require": {"php": ">=8.1"}, "time": "t"},
            {"name": "acme/rx", "version": "1.0.0", "require": {"php": ">=7.4"}}
        ]}, "security-advisories": []})))
        .unwrap();
        let wire = original.to_minified_json();
        assert_eq!(wire["minified"], json!(MINIFIED_MARKER));
        assert_eq!(
            wire["packages"]["acme/rx"][1],
            json!({
                "version": "1.0.0", "require": {"php": ">=7.4"}, "time": "__unset"
            })
        );
        assert_eq!(P2File::from_slice(&bytes(wire)).unwrap(), original);
    }
}
