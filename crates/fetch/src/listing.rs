//! Listing upstreams for `formulary intake`: every version a package has
//! on the first upstream that has it (the same rule [`crate::Fetcher::fetch`]
//! follows), with each version's dist, SHA-1 and release time, and the
//! names a vendor publishes, for `vendor/*` entries.
//!
//! Listing downloads no archive; [`crate::Fetcher::fetch_listed`] fetches
//! one listed version and checks it against the SHA-1 listed with it.

use std::collections::BTreeSet;
use std::fmt;

use formulary_composer::repository::{glob_matches, ProviderListing, RootFile, VersionEntry};
use formulary_composer::{PackageName, Version};
use time::OffsetDateTime;

use crate::composer_repo::{bad_data, candidates, dist_of, Repo, Resolved};
use crate::error::FetchError;
use crate::http::Http;
use crate::secret::redact_url;
use crate::Upstream;

/// One version an upstream lists.
#[derive(Clone)]
pub struct Listed {
    /// The package.
    pub name: PackageName,
    /// The version as the upstream writes it.
    pub version: Version,
    /// The SHA-1 the upstream publishes for the dist, lowercase; `None`
    /// when it publishes none (repo.magento.com often does not).
    pub shasum: Option<String>,
    /// When the upstream says the version was released (Composer's
    /// `time`); `None` when it does not say or says it unreadably.
    pub released: Option<OffsetDateTime>,
    /// The upstream it was listed on, without user-info.
    pub upstream: String,
    /// The dist URL, absolute. It may carry a token in its query, so it
    /// is shown only through [`Listed::shown_url`].
    dist_url: String,
}

impl Listed {
    /// A listed version, as a listing from elsewhere (or a test) gives it.
    pub fn new(
        name: PackageName,
        version: Version,
        upstream: &str,
        dist_url: String,
        shasum: Option<String>,
        released: Option<OffsetDateTime>,
    ) -> Listed {
        Listed {
            name,
            version,
            shasum,
            released,
            upstream: redact_url(upstream),
            dist_url,
        }
    }

    /// The dist URL without user-info, for messages and records.
    pub fn shown_url(&self) -> String {
        redact_url(&self.dist_url)
    }

    pub(crate) fn resolved(&self) -> Resolved {
        Resolved {
            version: self.version.clone(),
            dist_url: self.dist_url.clone(),
            shasum: self.shasum.clone(),
        }
    }
}

impl fmt::Debug for Listed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listed")
            .field("name", &self.name.as_str())
            .field("version", &self.version.pretty())
            .field("shasum", &self.shasum)
            .field("released", &self.released)
            .field("dist_url", &self.shown_url())
            .finish()
    }
}

/// Every version of `name` with a zip dist, oldest first, from the first
/// upstream that has the name. Dev branches are not asked for.
pub(crate) fn versions(
    http: &Http,
    upstreams: &[Upstream],
    name: &PackageName,
) -> Result<Vec<Listed>, FetchError> {
    if upstreams.is_empty() {
        return Err(FetchError::NoUpstreams {
            package: name.to_string(),
        });
    }
    for upstream in upstreams {
        let repo = Repo::open(http, &upstream.url)?;
        if let Some(entries) = repo.entries(name.as_str(), false)? {
            return Ok(listed_on(&repo, name, entries));
        }
    }
    let asked: Vec<String> = upstreams.iter().map(|u| redact_url(&u.url)).collect();
    Err(FetchError::PackageNotFound {
        package: name.to_string(),
        upstreams: asked.join(", "),
    })
}

fn listed_on(repo: &Repo<'_>, name: &PackageName, entries: Vec<VersionEntry>) -> Vec<Listed> {
    let mut out = Vec::new();
    for candidate in candidates(name, entries) {
        let released = candidate.entry.other.get("time").and_then(|t| t.as_str());
        let released = released.and_then(parse_release_time);
        match dist_of(repo, name, candidate) {
            Ok(resolved) => out.push(Listed {
                name: name.clone(),
                version: resolved.version,
                shasum: resolved.shasum,
                released,
                upstream: redact_url(&repo.url),
                dist_url: resolved.dist_url,
            }),
            // Composer could not install it from a dist either.
            Err(e) => tracing::debug!(package = %name, %e, "listed version skipped"),
        }
    }
    out.sort_by(|a, b| a.version.cmp(&b.version));
    out
}

/// Composer writes `time` as RFC 3339 (`2024-03-12T09:14:00+00:00`);
/// older repositories write `2015-01-02 03:04:05`, meaning UTC.
pub fn parse_release_time(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let plain = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, plain)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// Every package name of `vendor` that the upstreams list, sorted.
///
/// Each upstream must be able to say which names it holds: a v2
/// repository through `available-packages` (and no pattern that could
/// cover the vendor), a v1 repository through its provider listings or
/// inline packages. Otherwise we cannot know the vendor's names there,
/// and say so rather than follow a partial list.
pub(crate) fn names(
    http: &Http,
    upstreams: &[Upstream],
    vendor: &str,
) -> Result<Vec<PackageName>, FetchError> {
    let pattern = format!("{vendor}/*");
    if upstreams.is_empty() {
        return Err(FetchError::NoUpstreams { package: pattern });
    }
    let mut found = BTreeSet::new();
    for upstream in upstreams {
        let repo = Repo::open(http, &upstream.url)?;
        let Some(listed) = names_on(&repo, vendor)? else {
            return Err(FetchError::CannotListNames {
                upstream: redact_url(&upstream.url),
                pattern,
            });
        };
        found.extend(listed.into_iter().filter(|n| n.vendor() == vendor));
    }
    Ok(found.into_iter().collect())
}

/// The names `repo` holds, or `None` when it cannot tell.
fn names_on(repo: &Repo<'_>, vendor: &str) -> Result<Option<Vec<PackageName>>, FetchError> {
    let root = &repo.root;
    let raw: Vec<String> = if root.is_v2() {
        let mut patterns = root.available_package_patterns.iter().flatten();
        let covered = patterns.any(|p| pattern_covers(p, vendor));
        match &root.available_packages {
            Some(list) if !covered => list.clone(),
            _ => return Ok(None),
        }
    } else {
        let mut names: Vec<String> = root.packages.keys().cloned().collect();
        names.extend(provider_names(repo, root)?);
        if root.provider_includes.is_empty() && root.providers.is_empty() && names.is_empty() {
            return Ok(None);
        }
        names
    };
    let parse = |n: String| PackageName::parse(&n.to_ascii_lowercase()).ok();
    Ok(Some(raw.into_iter().filter_map(parse).collect()))
}

/// Whether an `available-package-patterns` entry could match a name of
/// `vendor`.
fn pattern_covers(pattern: &str, vendor: &str) -> bool {
    let vendor_part = pattern.split('/').next().unwrap_or(pattern);
    glob_matches(vendor_part, vendor) || !pattern.contains('/')
}

/// v1: the names in the root's inline listing and in every included one.
fn provider_names(repo: &Repo<'_>, root: &RootFile) -> Result<Vec<String>, FetchError> {
    let by_path = root.providers_url.is_none();
    let mut keys: Vec<String> = root.providers.keys().cloned().collect();
    for (path, include) in &root.provider_includes {
        let url = format!(
            "{}/{}",
            formulary_composer::repository::base_url(&repo.url),
            path.replace("%hash%", &include.sha256)
        );
        let bytes = repo.get_hashed(&url, &include.sha256)?;
        let listing = ProviderListing::from_slice(&bytes).map_err(|e| bad_data(&url, &e))?;
        keys.extend(listing.providers.into_keys());
    }
    // Without providers-url, older roots key listings by `p/<name>.json`.
    let name_of = |key: String| {
        if !by_path {
            return Some(key);
        }
        let name = key.strip_prefix("p/").and_then(|k| k.strip_suffix(".json"));
        name.map(str::to_string)
    };
    Ok(keys.into_iter().filter_map(name_of).collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn release_times_read_in_both_composer_forms() {
        let iso = parse_release_time("2024-03-12T09:14:00+00:00").unwrap();
        let plain = parse_release_time("2024-03-12 09:14:00").unwrap();
        assert_eq!(iso, plain);
        assert_eq!(parse_release_time("last tuesday"), None);
    }

    #[test]
    fn a_pattern_covers_a_vendor_when_its_vendor_part_matches() {
        assert!(pattern_covers("magento/*", "magento"));
        assert!(pattern_covers("mage*/*", "magento"));
        assert!(pattern_covers("*", "acme"));
        assert!(!pattern_covers("acme/*", "magento"));
    }
}
