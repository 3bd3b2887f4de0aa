//! Composer versions: parsing, normal form, stability and order.
//!
//! Every decision formulary makes about "which version" (is this one newer
//! than the last approved one, does it satisfy `^2.4.6`, is it stable
//! enough) must come out the way Composer's own would, or a developer's
//! `composer update` would pick something the reviewer never saw. So the
//! rules here are ports of composer/semver's `VersionParser::normalize`
//! and PHP's `version_compare`, not SemVer: Magento's `2.4.6-p3` is
//! `2.4.6.0-patch3`, stable, and sorts *after* `2.4.6`.

mod normalize;
mod php;

pub(crate) use normalize::{group, pattern, text, ALIAS, FLAG, MODIFIER};
pub use php::version_compare;
pub(crate) use php::{add_one, trim as php_trim};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// How finished a version is, ordered dev < alpha < beta < RC < stable.
///
/// Magento patch releases (`2.4.6-p3`) are [`Stability::Stable`]:
/// Composer recognises only alpha, beta, RC and dev as unstable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stability {
    /// A branch (`dev-main`, `1.x-dev`) or a `-dev` suffix.
    Dev,
    /// An alpha pre-release (`-alpha2`, `-a2`).
    Alpha,
    /// A beta pre-release (`-beta1`, `-b1`).
    Beta,
    /// A release candidate (`-RC1`).
    RC,
    /// A release, including patch releases (`-p3`, `-pl1`, `-patch2`).
    Stable,
}

impl Stability {
    /// Composer's `parseStability` for a string that is already normalized.
    pub fn of_normalized(normalized: &str) -> Stability {
        let n = normalized.split('#').next().unwrap_or(normalized);
        if n.starts_with("dev-") || n.ends_with("-dev") {
            return Stability::Dev;
        }
        let suffix = n.split_once('-').map_or("", |(_, s)| s);
        let word: String = suffix
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match word.as_str() {
            "alpha" | "a" => Stability::Alpha,
            "beta" | "b" => Stability::Beta,
            "rc" => Stability::RC,
            _ => Stability::Stable,
        }
    }

    /// Composer's name for the level: `dev`, `alpha`, `beta`, `RC`, `stable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stability::Dev => "dev",
            Stability::Alpha => "alpha",
            Stability::Beta => "beta",
            Stability::RC => "RC",
            Stability::Stable => "stable",
        }
    }

    /// Reads a level name in any case (`RC`, `rc`, `Beta`).
    pub fn from_name(name: &str) -> Option<Stability> {
        match name.to_ascii_lowercase().as_str() {
            "dev" => Some(Stability::Dev),
            "alpha" => Some(Stability::Alpha),
            "beta" => Some(Stability::Beta),
            "rc" => Some(Stability::RC),
            "stable" => Some(Stability::Stable),
            _ => None,
        }
    }
}

impl fmt::Display for Stability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Composer would refuse the string too.
    #[error(
        "invalid version {0:?}: Composer expects a form such as 1.2.3, \
         v1.2.3, 1.2.3-beta1, 2.4.6-p3, 1.2.x-dev or dev-main"
    )]
    Invalid(String),
    /// `X as Y` whose alias `Y` is not an exact version.
    #[error("invalid version {0:?}: the alias after `as` must be an exact version")]
    BadAlias(String),
    /// `X as Y` whose source `X` is not a version or `dev-` branch.
    #[error(
        "invalid version {0:?}: the part before `as` must be an exact \
         version; prefix a branch name with dev-"
    )]
    BadAliasSource(String),
    /// An alias where a package's own version was expected.
    #[error(
        "version {0:?} is an alias (`X as Y`); aliases belong in a require \
         constraint, not in a package's own version"
    )]
    AliasNotAllowed(String),
    /// A `@stability` flag where a package's own version was expected.
    #[error(
        "version {0:?} carries a stability flag (`@dev`); flags belong in a \
         require constraint, not in a package's own version"
    )]
    FlagNotAllowed(String),
}

/// Normalizes a version string as Composer's `VersionParser::normalize`
/// does: `v1.2` → `1.2.0.0`, `2.4.6-p3` → `2.4.6.0-patch3`,
/// `1.0.x-dev` → `1.0.9999999.9999999-dev`, `dev-main` stays.
///
/// Like Composer, this strips `@flags` and `as` aliases (keeping the
/// source side); [`Version::parse`] refuses both.
pub fn normalize(s: &str) -> Result<String, VersionError> {
    normalize::normalize(s).map_err(|refusal| match refusal {
        normalize::Refusal::NotAVersion => VersionError::Invalid(s.to_string()),
        normalize::Refusal::BadAlias => VersionError::BadAlias(s.to_string()),
        normalize::Refusal::BadAliasSource => VersionError::BadAliasSource(s.to_string()),
    })
}

/// A package version: the string as written and its Composer normal form.
///
/// Two versions are equal when their normal forms are equal. Order is
/// Composer's: PHP's `version_compare` on the normal forms, with named
/// branches (`dev-main`) before every numbered version, among themselves
/// by name. Versions Composer treats as equal but that are written
/// differently (`1.0` and `01.0`) are ordered by their normal form, so that
/// the order agrees with equality.
#[derive(Clone, Debug)]
pub struct Version {
    pretty: String,
    normalized: String,
}

impl Version {
    /// Parses a package's own version (a tag, branch or `version` field).
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        let trimmed = php_trim(s);
        if ALIAS.is_match(trimmed.as_bytes()) {
            return Err(VersionError::AliasNotAllowed(s.to_string()));
        }
        if FLAG.is_match(trimmed.as_bytes()) {
            return Err(VersionError::FlagNotAllowed(s.to_string()));
        }
        let normalized = normalize(s)?;
        Ok(Version {
            pretty: s.to_string(),
            normalized,
        })
    }

    /// The version as written (`v2.4.6-p3`).
    pub fn pretty(&self) -> &str {
        &self.pretty
    }

    /// Composer's normal form (`2.4.6.0-patch3`).
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Composer's stability for this version.
    pub fn stability(&self) -> Stability {
        Stability::of_normalized(&self.normalized)
    }

    /// True for a branch rather than a release: a named branch
    /// (`dev-main`) or a numeric one (`1.x-dev`).
    pub fn is_dev_branch(&self) -> bool {
        self.is_named_branch() || self.normalized.ends_with("9999999-dev")
    }

    /// True for a named branch (`dev-main`), which Composer never orders
    /// against numbers and only matches by exact name.
    pub fn is_named_branch(&self) -> bool {
        self.normalized.starts_with("dev-")
    }

    /// Composer's own comparison, with no tie-break: `1.0` equals `01.0`.
    pub fn composer_cmp(&self, other: &Version) -> Ordering {
        match (self.is_named_branch(), other.is_named_branch()) {
            (true, true) => self.normalized.cmp(&other.normalized),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => version_compare(&self.normalized, &other.normalized),
        }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.normalized == other.normalized
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized.hash(state);
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.composer_cmp(other)
            .then_with(|| self.normalized.cmp(&other.normalized))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pretty)
    }
}

impl std::str::FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.pretty)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Version::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
