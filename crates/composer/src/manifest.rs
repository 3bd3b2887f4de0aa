//! The `composer.json` model: what an extension says about itself.
//!
//! formulary reads the manifest of every archive it ingests, so this is the
//! first place untrusted bytes meet a parser. We check nesting depth before
//! serde sees the bytes (a deeply nested document would otherwise cost stack
//! and time), and we validate the name and version the way Composer would,
//! since both later become keys in the registry and parts of file paths.

use crate::name::{NameError, PackageName};
use crate::version::{Version, VersionError};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Deepest nesting of arrays and objects we accept in a manifest or lock.
///
/// Real manifests rarely go past 6 levels (`extra` blocks included); 64
/// leaves room for odd ones while keeping hostile input cheap to refuse.
pub const MAX_JSON_DEPTH: usize = 64;

/// Why a `composer.json` was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The JSON nests deeper than we accept.
    #[error("{file}: JSON nested more than {limit} levels deep; refusing it")]
    TooDeep {
        /// Which document (`composer.json`, `composer.lock`).
        file: &'static str,
        /// The limit that was passed.
        limit: usize,
    },
    /// The bytes are not the JSON shape we expect.
    #[error("{file}: invalid JSON: {source}")]
    Json {
        /// Which document.
        file: &'static str,
        /// The parser's complaint, with line and column.
        source: serde_json::Error,
    },
    /// The manifest has no `name`, or it is not a string.
    #[error("composer.json: \"name\" is missing or not a string; a package must name itself")]
    MissingName,
    /// The `name` is not a valid package name.
    #[error("composer.json: {0}")]
    InvalidName(#[from] NameError),
    /// The `version` is present but is not a plain Composer version.
    #[error("composer.json: \"version\" is invalid: {0}")]
    InvalidVersion(#[from] VersionError),
}

/// A parsed `composer.json`.
///
/// Fields Composer defines are typed; anything else is kept in `other` so
/// nothing is lost when the manifest is stored or re-served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComposerJson {
    /// The package name (`vendor/project`), validated.
    pub name: PackageName,
    /// The version the manifest declares, if any (most leave it to tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// One-line description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Package type (`magento2-module`, `library`, ...) as written.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// SPDX licence identifiers; a single string is read as a list of one.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub license: Vec<String>,
    /// Runtime requirements: package (or platform name) to constraint.
    #[serde(
        default,
        deserialize_with = "lenient_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub require: BTreeMap<String, String>,
    /// Development requirements.
    #[serde(
        rename = "require-dev",
        default,
        deserialize_with = "lenient_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub require_dev: BTreeMap<String, String>,
    /// Packages this one replaces.
    #[serde(
        default,
        deserialize_with = "lenient_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub replace: BTreeMap<String, String>,
    /// Virtual packages this one provides.
    #[serde(
        default,
        deserialize_with = "lenient_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub provide: BTreeMap<String, String>,
    /// Packages this one cannot be installed with.
    #[serde(
        default,
        deserialize_with = "lenient_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub conflict: BTreeMap<String, String>,
    /// Suggested packages with a reason.
    #[serde(
        default,
        deserialize_with = "lenient_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub suggest: BTreeMap<String, String>,
    /// Autoload rules for the package's code.
    #[serde(
        default,
        deserialize_with = "lenient_struct",
        skip_serializing_if = "Autoload::is_empty"
    )]
    pub autoload: Autoload,
    /// Autoload rules for tests and tooling.
    #[serde(
        rename = "autoload-dev",
        default,
        deserialize_with = "lenient_struct",
        skip_serializing_if = "Autoload::is_empty"
    )]
    pub autoload_dev: Autoload,
    /// Script hooks: event name to commands (a string is a list of one).
    #[serde(
        default,
        deserialize_with = "lenient_lists",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub scripts: BTreeMap<String, Vec<String>>,
    /// Free-form `extra` block (Magento's `map`, installer paths, ...).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub extra: Value,
    /// Where the built archive comes from, when the manifest says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist: Option<Dist>,
    /// Where the source (VCS) comes from, when the manifest says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Release time as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Every other key, kept as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `autoload` / `autoload-dev` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Autoload {
    /// PSR-4 namespace prefix to directories.
    #[serde(
        rename = "psr-4",
        default,
        deserialize_with = "lenient_lists",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub psr4: BTreeMap<String, Vec<String>>,
    /// PSR-0 namespace prefix to directories.
    #[serde(
        rename = "psr-0",
        default,
        deserialize_with = "lenient_lists",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub psr0: BTreeMap<String, Vec<String>>,
    /// Directories and files scanned for classes.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub classmap: Vec<String>,
    /// Files included on every request (Magento's `registration.php`).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub files: Vec<String>,
    /// Paths left out of the classmap.
    #[serde(
        rename = "exclude-from-classmap",
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exclude_from_classmap: Vec<String>,
    /// Any other autoload key (`target-dir` and the like), kept as written.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Autoload {
    /// True when no rule is set.
    pub fn is_empty(&self) -> bool {
        self.psr4.is_empty()
            && self.psr0.is_empty()
            && self.classmap.is_empty()
            && self.files.is_empty()
            && self.exclude_from_classmap.is_empty()
            && self.other.is_empty()
    }
}

/// A `dist` block: where an archive can be downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dist {
    /// Archive type (`zip`, `tar`, `path`, ...).
    #[serde(rename = "type")]
    pub r#type: String,
    /// Download URL (or path for `path` dists).
    pub url: String,
    /// Commit or other reference the archive was built from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Lowercase hex SHA-1 of the archive bytes; often empty upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shasum: Option<String>,
}

/// A `source` block: the VCS the package lives in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// VCS type (`git`, `svn`, `hg`).
    #[serde(rename = "type")]
    pub r#type: String,
    /// Repository URL.
    pub url: String,
    /// Commit, tag or branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl ComposerJson {
    /// Parses a manifest, refusing nesting deeper than [`MAX_JSON_DEPTH`].
    pub fn from_slice(bytes: &[u8]) -> Result<ComposerJson, ManifestError> {
        Self::from_slice_with_depth(bytes, MAX_JSON_DEPTH)
    }

    /// Parses a manifest with a caller-chosen nesting limit.
    pub fn from_slice_with_depth(
        bytes: &[u8],
        max_depth: usize,
    ) -> Result<ComposerJson, ManifestError> {
        const FILE: &str = "composer.json";
        check_depth(FILE, bytes, max_depth)?;
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|source| ManifestError::Json { file: FILE, source })?;
        let name = value.get("name").ok_or(ManifestError::MissingName)?;
        let name = name.as_str().ok_or(ManifestError::MissingName)?;
        PackageName::parse(name)?;
        if let Some(v) = value.get("version").and_then(Value::as_str) {
            Version::parse(v)?;
        }
        serde_json::from_value(value).map_err(|source| ManifestError::Json { file: FILE, source })
    }

    /// The package type, `library` when the manifest gives none.
    pub fn package_type(&self) -> &str {
        self.r#type.as_deref().unwrap_or("library")
    }
}

/// Refuses JSON whose arrays and objects nest deeper than `limit`.
///
/// This is a byte scan that tracks strings and escapes only; it runs before
/// any parser so the cost of hostile input stays linear and flat.
pub(crate) fn check_depth(
    file: &'static str,
    bytes: &[u8],
    limit: usize,
) -> Result<(), ManifestError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(ManifestError::TooDeep { file, limit });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Reads a string or a list of strings as a list.
pub(crate) fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// Reads a map, accepting `[]` and `null` as empty.
///
/// PHP's `json_encode` writes an empty array for an empty map, so `[]` shows
/// up where Composer means `{}`.
pub(crate) fn lenient_map<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MapOrEmpty<T> {
        Map(BTreeMap<String, T>),
        List(Vec<Value>),
    }
    match Option::<MapOrEmpty<T>>::deserialize(d)? {
        None => Ok(BTreeMap::new()),
        Some(MapOrEmpty::Map(m)) => Ok(m),
        Some(MapOrEmpty::List(l)) if l.is_empty() => Ok(BTreeMap::new()),
        Some(MapOrEmpty::List(_)) => Err(de::Error::custom("expected an object, found a list")),
    }
}

/// Reads a struct, accepting `[]` and `null` as its default.
fn lenient_struct<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let value = Value::deserialize(d)?;
    match value {
        Value::Null => Ok(T::default()),
        Value::Array(a) if a.is_empty() => Ok(T::default()),
        other => T::deserialize(other).map_err(de::Error::custom),
    }
}

/// Reads `psr-4`, `psr-0` and `scripts`: each key to one string or a list.
fn lenient_lists<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    let raw: BTreeMap<String, Value> = lenient_map(d)?;
    raw.into_iter()
        .map(|(k, v)| Ok((k, strings_of(v).map_err(de::Error::custom)?)))
        .collect()
}

/// A string or a list of strings as a list.
fn strings_of(v: Value) -> Result<Vec<String>, serde_json::Error> {
    match v {
        Value::String(s) => Ok(vec![s]),
        other => serde_json::from_value(other),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
