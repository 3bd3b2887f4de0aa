//! What `formulary ingest SOURCE` accepts, and how the string is read.
//!
//! The forms, tried in this order:
//!
//! 1. `URL#ref` where URL has a scheme (`https://`, `ssh://`, `file://`, …)
//!    or is scp-like (`git@host:path`): a git repository at a tag, branch or
//!    commit. Without `#ref` we refuse rather than guess a branch.
//! 2. `PATH#ref` where PATH is an existing folder: a local git repository.
//! 3. An existing folder, or an existing file (read as a zip), or any path
//!    ending in `.zip`.
//! 4. `vendor/name` or `vendor/name:constraint`: a package from the
//!    configured Composer upstreams.
//!
//! A folder that happens to be called `vendor/name` wins over the package
//! name, since the user can see it; write the name from another directory,
//! or the folder as `./vendor/name`, to be explicit.

use crate::error::FetchError;
use crate::secret::redact_url;
use formulary_composer::{Constraint, PackageName};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where an archive comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A zip file on disk, taken byte for byte.
    ZipFile(PathBuf),
    /// A folder on disk, archived deterministically.
    Folder(PathBuf),
    /// A git repository at a tag, branch or commit, archived
    /// deterministically from that tree.
    Git {
        /// Remote URL or local path.
        url: String,
        /// Tag, branch or (abbreviated) commit id.
        reference: String,
    },
    /// A package from the configured Composer upstreams.
    Composer {
        /// The package name.
        name: PackageName,
        /// Which versions may be chosen; `None` means the newest stable.
        constraint: Option<Constraint>,
    },
}

impl FromStr for Source {
    type Err = FetchError;

    fn from_str(input: &str) -> Result<Source, FetchError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(bad(input, "it is empty"));
        }
        if is_remote_git(input) {
            return parse_git(input);
        }
        if let Some(source) = local_git(input) {
            return Ok(source);
        }
        if let Some(source) = local_path(input) {
            return Ok(source);
        }
        parse_package(input)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::ZipFile(path) | Source::Folder(path) => write!(f, "{}", path.display()),
            Source::Git { url, reference } => write!(f, "{}#{reference}", redact_url(url)),
            Source::Composer {
                name,
                constraint: None,
            } => write!(f, "{name}"),
            Source::Composer {
                name,
                constraint: Some(c),
            } => write!(f, "{name}:{c}"),
        }
    }
}

/// A scheme URL, or scp-like `user@host:path`.
fn is_remote_git(input: &str) -> bool {
    if input.contains("://") {
        return true;
    }
    match (input.find('@'), input.find(':'), input.find('/')) {
        (Some(at), Some(colon), slash) => at < colon && slash.is_none_or(|s| colon < s),
        _ => false,
    }
}

fn parse_git(input: &str) -> Result<Source, FetchError> {
    let Some((url, reference)) = input.rsplit_once('#') else {
        let shown = redact_url(input);
        let reason = if shown.to_ascii_lowercase().ends_with(".zip") {
            "zips are not fetched by URL; download it first, or name the package as vendor/name"
        } else {
            "add #tag, #branch or #commit to say what to fetch"
        };
        return Err(bad(&shown, reason));
    };
    if url.is_empty() || reference.is_empty() {
        return Err(bad(
            &redact_url(input),
            "write it as URL#ref, both parts non-empty",
        ));
    }
    Ok(Source::Git {
        url: url.to_string(),
        reference: reference.to_string(),
    })
}

/// `PATH#ref` where PATH is an existing folder.
fn local_git(input: &str) -> Option<Source> {
    let (path, reference) = input.rsplit_once('#')?;
    if reference.is_empty() || !Path::new(path).is_dir() {
        return None;
    }
    Some(Source::Git {
        url: path.to_string(),
        reference: reference.to_string(),
    })
}

fn local_path(input: &str) -> Option<Source> {
    let path = PathBuf::from(input);
    if path.is_dir() {
        return Some(Source::Folder(path));
    }
    if path.is_file() || input.to_ascii_lowercase().ends_with(".zip") {
        return Some(Source::ZipFile(path));
    }
    None
}

fn parse_package(input: &str) -> Result<Source, FetchError> {
    let (name, constraint) = match input.split_once(':') {
        Some((name, constraint)) => (name, Some(constraint.trim())),
        None => (input, None),
    };
    let name = PackageName::parse(name.trim()).map_err(|e| {
        let reason = format!(
            "it is no existing file or folder, no git URL#ref, and not a package name ({e})"
        );
        bad(input, &reason)
    })?;
    let constraint = match constraint {
        None => None,
        Some("") => {
            return Err(bad(
                input,
                "nothing follows ':'; give a constraint or drop the ':'",
            ))
        }
        Some(text) => Some(
            Constraint::parse(text)
                .map_err(|e| bad(input, &format!("the constraint does not parse ({e})")))?,
        ),
    };
    Ok(Source::Composer { name, constraint })
}

fn bad(input: &str, reason: &str) -> FetchError {
    FetchError::BadSource {
        input: crate::secret::redact_url(input),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Source {
        s.parse().unwrap()
    }

    #[test]
    fn git_urls_carry_their_ref_after_the_hash() {
        let Source::Git { url, reference } = parse("https://git.example/acme/rx.git#v1.2.0") else {
            panic!("not git");
        };
        assert_eq!(
            (url.as_str(), reference.as_str()),
            ("https://git.example/acme/rx.git", "v1.2.0")
        );
        assert!(matches!(
            parse("git@git.example:acme/rx.git#main"),
            Source::Git { .. }
        ));
        assert!(matches!(
            parse("file:///srv/git/rx#abc1234"),
            Source::Git { .. }
        ));
    }

    #[test]
    fn a_git_url_without_a_ref_is_refused_with_the_fix() {
        let err = "https://git.example/acme/rx.git"
            .parse::<Source>()
            .unwrap_err();
        assert!(
            err.to_string().contains("add #tag, #branch or #commit"),
            "{err}"
        );
    }

    #[test]
    fn credentials_in_a_url_stay_out_of_errors_and_display() {
        let err = "https://u:s3cret@git.example/rx.git"
            .parse::<Source>()
            .unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        let shown = parse("https://u:s3cret@git.example/rx.git#main").to_string();
        assert_eq!(shown, "https://git.example/rx.git#main");
    }

    #[test]
    fn local_folders_zips_and_repositories_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        assert!(matches!(parse(root), Source::Folder(_)));
        assert!(matches!(
            parse(&format!("{root}#v1.0.0")),
            Source::Git { .. }
        ));
        assert!(matches!(parse("missing/archive.ZIP"), Source::ZipFile(_)));
    }

    #[test]
    fn package_names_take_an_optional_constraint() {
        let Source::Composer { name, constraint } = parse("magento/module-catalog:^104.0") else {
            panic!("not a package");
        };
        assert_eq!(name.as_str(), "magento/module-catalog");
        assert_eq!(constraint.map(|c| c.to_string()).as_deref(), Some("^104.0"));
        assert!(matches!(
            parse("acme/rx"),
            Source::Composer {
                constraint: None,
                ..
            }
        ));
    }

    #[test]
    fn an_empty_constraint_is_refused() {
        let err = "acme/rx:".parse::<Source>().unwrap_err();
        assert!(err.to_string().contains("nothing follows ':'"), "{err}");
    }
}
