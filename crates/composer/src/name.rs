//! Composer package names (`vendor/project`), validated as Composer does.
//!
//! A package name becomes a registry key, part of a URL (`p2/acme/x.json`)
//! and part of a file path under the data folder, so we accept only what
//! Composer's own rule accepts:
//! `^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$`.
//! That rule already leaves no room for `..`, a leading dot, a second `/`,
//! a backslash or any control character; we check it by hand so each
//! refusal can say what is wrong.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A validated Composer package name such as `magento/module-catalog`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName(String);

/// Why a package name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is not `vendor/project`.
    #[error("package name {0:?} must be vendor/project, with exactly one '/'")]
    NotVendorSlashProject(String),
    /// The name has uppercase letters; Composer names are lowercase.
    #[error("package name {name:?} must be lowercase; did you mean {lowercase:?}?")]
    Uppercase {
        /// The name as given.
        name: String,
        /// The same name in lowercase, which would be valid.
        lowercase: String,
    },
    /// A part of the name breaks Composer's rule.
    #[error("package name {name:?}: {part} {problem}")]
    Invalid {
        /// The name as given.
        name: String,
        /// `vendor` or `project`.
        part: &'static str,
        /// What is wrong with that part.
        problem: String,
    },
}

/// Which half of the name is being checked; the project half also allows
/// a doubled dash (`module--legacy`).
#[derive(Clone, Copy)]
enum Part {
    Vendor,
    Project,
}

impl PackageName {
    /// Parses and validates a package name.
    pub fn parse(s: &str) -> Result<PackageName, NameError> {
        let Some((vendor, project)) = s.split_once('/') else {
            return Err(NameError::NotVendorSlashProject(s.to_string()));
        };
        if project.contains('/') {
            return Err(NameError::NotVendorSlashProject(s.to_string()));
        }
        let checked =
            check_part(vendor, Part::Vendor).and_then(|()| check_part(project, Part::Project));
        match checked {
            Ok(()) => Ok(PackageName(s.to_string())),
            Err(_) if is_valid(&s.to_ascii_lowercase()) => Err(NameError::Uppercase {
                name: s.to_string(),
                lowercase: s.to_ascii_lowercase(),
            }),
            Err((part, problem)) => Err(NameError::Invalid {
                name: s.to_string(),
                part,
                problem,
            }),
        }
    }

    /// The whole name, `vendor/project`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The vendor half (`magento`).
    pub fn vendor(&self) -> &str {
        self.0.split_once('/').map_or("", |(v, _)| v)
    }

    /// The project half (`module-catalog`).
    pub fn project(&self) -> &str {
        self.0.split_once('/').map_or("", |(_, p)| p)
    }
}

/// True when `s` passes every check, without building an error.
fn is_valid(s: &str) -> bool {
    match s.split_once('/') {
        Some((v, p)) => check_part(v, Part::Vendor).is_ok() && check_part(p, Part::Project).is_ok(),
        None => false,
    }
}

/// Checks one half: alphanumeric at both ends, and between runs of
/// letters and digits a single `_`, `.` or `-` (or `--` in the project).
fn check_part(text: &str, part: Part) -> Result<(), (&'static str, String)> {
    let label = match part {
        Part::Vendor => "vendor",
        Part::Project => "project",
    };
    let fail = |problem: String| Err((label, problem));
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if text.is_empty() {
        return fail("is empty".to_string());
    }
    if let Some(bad) = text.chars().find(|&c| !alnum(c) && !"_.-".contains(c)) {
        return fail(format!(
            "contains {bad:?}; only a-z, 0-9, '_', '.' and '-' are allowed"
        ));
    }
    if !text.starts_with(alnum) || !text.ends_with(alnum) {
        return fail("must start and end with a letter or digit".to_string());
    }
    for run in text.split(alnum).filter(|r| !r.is_empty()) {
        let allowed = run.len() == 1 || (matches!(part, Part::Project) && run == "--");
        if !allowed {
            return fail(format!(
                "has {run:?}; separators must be a single '_', '.' or '-'"
            ));
        }
    }
    Ok(())
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PackageName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for PackageName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for PackageName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PackageName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn refused(s: &str) -> NameError {
        PackageName::parse(s).expect_err(s)
    }

    #[test]
    fn magento_module_names_are_accepted_and_split() {
        let name = PackageName::parse("magento/module-catalog").unwrap();
        assert_eq!(name.vendor(), "magento");
        assert_eq!(name.project(), "module-catalog");
        assert_eq!(name.to_string(), "magento/module-catalog");
    }

    #[test]
    fn separators_between_letters_are_accepted() {
        for ok in ["a/b", "a.b/c_d", "a-b/c--d", "0/1", "amasty/module-gdpr.x"] {
            assert!(PackageName::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn uppercase_is_refused_with_the_lowercase_form() {
        let err = refused("Magento/Module-Catalog");
        assert_eq!(
            err,
            NameError::Uppercase {
                name: "Magento/Module-Catalog".into(),
                lowercase: "magento/module-catalog".into(),
            }
        );
        assert!(err
            .to_string()
            .contains("did you mean \"magento/module-catalog\""));
    }

    #[test]
    fn anything_path_like_is_refused() {
        for bad in [
            "../etc", "a/..", "a/../b", "./a", "a/.b", "/a/b", "a/b/", "a//b", "a/b/c", "a\\b/c",
            "a/b\0", "a/b c", "a/~b", ".a/b", "a/b.", "a/b%2f",
        ] {
            assert!(PackageName::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn doubled_separators_are_refused_except_double_dash_in_project() {
        assert!(PackageName::parse("a/b--c").is_ok());
        assert!(PackageName::parse("a--b/c").is_err());
        assert!(PackageName::parse("a/b---c").is_err());
        assert!(PackageName::parse("a/b__c").is_err());
        assert!(PackageName::parse("a/b.-c").is_err());
    }

    #[test]
    fn a_name_without_slash_says_so() {
        assert_eq!(
            refused("monolog"),
            NameError::NotVendorSlashProject("monolog".into())
        );
        assert!(refused("").to_string().contains("vendor/project"));
    }

    #[test]
    fn errors_name_the_part_and_the_problem() {
        let msg = refused("acme/mod ule").to_string();
        assert!(
            msg.contains("\"acme/mod ule\"") && msg.contains("project"),
            "{msg}"
        );
        assert!(msg.contains("' '"), "{msg}");
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        let ok: PackageName = serde_json::from_str("\"acme/x\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"acme/x\"");
        assert!(serde_json::from_str::<PackageName>("\"acme/../x\"").is_err());
    }
}
