//! Reading Composer repositories: find a package's versions on the
//! configured upstreams, choose one, download its zip and check the SHA-1
//! the upstream published.
//!
//! Both protocols are spoken. v2 (`metadata-url`, one `p2/` file per name)
//! is what packagist.org and formulary itself serve; v1 provider listings
//! (`provider-includes` with `%hash%`, then `p/<name>$<sha256>.json`) are
//! what repo.magento.com serves. In v1 every file is named by the SHA-256 of
//! its bytes, and we check it as Composer does, since a listing that does
//! not match its hash means an upstream mid-update or a tampered response.
//!
//! Upstreams are asked in order and the first one that has the name is the
//! only one asked about it, as Composer 2's canonical repositories behave:
//! a lower upstream never supplies a name a higher one already claims.

use crate::error::FetchError;
use crate::http::Http;
use crate::secret::redact_url;
use crate::select::{self, Candidate};
use crate::Upstream;
use formulary_composer::repository::{
    base_url, canonicalize_url, fill_template, root_url, v1_entries, P2File, ProviderFile,
    ProviderListing, RepositoryError, RootFile, VersionEntry,
};
use formulary_composer::{Constraint, PackageName, Version};
use sha1::Digest;

/// A version chosen on an upstream, with where its zip lives.
pub(crate) struct Resolved {
    /// The chosen version.
    pub version: Version,
    /// The dist URL, made absolute.
    pub dist_url: String,
    /// The upstream's SHA-1 of the dist, when it gives a non-empty one.
    pub shasum: Option<String>,
}

/// Finds `name` on the first upstream that has it and chooses a version.
pub(crate) fn resolve(
    http: &Http,
    upstreams: &[Upstream],
    name: &PackageName,
    constraint: Option<&Constraint>,
) -> Result<Resolved, FetchError> {
    if upstreams.is_empty() {
        return Err(FetchError::NoUpstreams {
            package: name.to_string(),
        });
    }
    let want_dev = select::wants_dev(constraint);
    for upstream in upstreams {
        let repo = Repo::open(http, &upstream.url)?;
        let Some(entries) = repo.entries(name.as_str(), want_dev)? else {
            tracing::debug!(package = %name, upstream = %redact_url(&upstream.url), "not on this upstream");
            continue;
        };
        tracing::debug!(package = %name, upstream = %redact_url(&upstream.url), "upstream has the package");
        return choose_on(&repo, name, entries, constraint);
    }
    let asked: Vec<String> = upstreams.iter().map(|u| redact_url(&u.url)).collect();
    Err(FetchError::PackageNotFound {
        package: name.to_string(),
        upstreams: asked.join(", "),
    })
}

fn choose_on(
    repo: &Repo<'_>,
    name: &PackageName,
    entries: Vec<VersionEntry>,
    constraint: Option<&Constraint>,
) -> Result<Resolved, FetchError> {
    let candidates = candidates(name, entries);
    let available = summarize(&candidates);
    let Some(chosen) = select::choose(name.as_str(), candidates, constraint) else {
        return Err(FetchError::NoMatchingVersion {
            package: name.to_string(),
            constraint: constraint.map_or_else(|| "any stable version".into(), |c| c.to_string()),
            upstream: redact_url(&repo.url),
            available,
        });
    };
    dist_of(repo, name, chosen)
}

/// The entries that name this package and carry a version we can read;
/// the rest are skipped, since one odd entry should not hide the others.
pub(crate) fn candidates(name: &PackageName, entries: Vec<VersionEntry>) -> Vec<Candidate> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        if !entry.name.eq_ignore_ascii_case(name.as_str()) {
            tracing::debug!(package = %name, listed = entry.name, "skipping entry for another name");
            continue;
        }
        match Version::parse(&entry.version) {
            Ok(version) => out.push(Candidate { version, entry }),
            Err(e) => {
                tracing::debug!(package = %name, version = entry.version, %e, "skipping unreadable version")
            }
        }
    }
    out
}

/// Up to eight of the newest versions, for the "nothing matched" message.
fn summarize(candidates: &[Candidate]) -> String {
    let mut versions: Vec<&Version> = candidates.iter().map(|c| &c.version).collect();
    versions.sort_by(|a, b| b.cmp(a));
    let shown: Vec<&str> = versions.iter().take(8).map(|v| v.pretty()).collect();
    match (shown.is_empty(), versions.len() > shown.len()) {
        (true, _) => "no versions".to_string(),
        (false, true) => format!("{}, …", shown.join(", ")),
        (false, false) => shown.join(", "),
    }
}

pub(crate) fn dist_of(
    repo: &Repo<'_>,
    name: &PackageName,
    chosen: Candidate,
) -> Result<Resolved, FetchError> {
    let version = chosen.version;
    let no_zip = |found: String| FetchError::NoZipDist {
        package: name.to_string(),
        version: version.pretty().to_string(),
        found,
    };
    let Some(dist) = chosen.entry.dist else {
        return Err(no_zip("no dist at all".into()));
    };
    if dist.r#type != "zip" {
        return Err(no_zip(format!("dist type {:?}", dist.r#type)));
    }
    let dist_url = canonicalize_url(&repo.url, &dist.url);
    let shasum = dist
        .shasum
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_ascii_lowercase());
    Ok(Resolved {
        version,
        dist_url,
        shasum,
    })
}

/// Downloads the chosen dist and checks it against the upstream's SHA-1.
pub(crate) fn download(
    http: &Http,
    name: &PackageName,
    resolved: &Resolved,
) -> Result<Vec<u8>, FetchError> {
    let label = format!("{name} {}", resolved.version.pretty());
    let bytes = http.download(&resolved.dist_url, &label)?;
    let Some(expected) = &resolved.shasum else {
        tracing::debug!(package = %name, "upstream gives no shasum; nothing to check");
        return Ok(bytes);
    };
    let actual = hex::encode(sha1::Sha1::digest(&bytes));
    if &actual != expected {
        return Err(FetchError::ChecksumMismatch {
            package: name.to_string(),
            version: resolved.version.pretty().to_string(),
            url: redact_url(&resolved.dist_url),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(bytes)
}

/// One upstream, its root file read.
pub(crate) struct Repo<'a> {
    http: &'a Http,
    /// The repository URL, without a trailing `/`.
    pub url: String,
    /// Its `packages.json`.
    pub root: RootFile,
}

impl<'a> Repo<'a> {
    pub(crate) fn open(http: &'a Http, url: &str) -> Result<Repo<'a>, FetchError> {
        let root_url = root_url(url);
        let bytes = http
            .get_optional(&root_url)?
            .ok_or_else(|| FetchError::BadRepository {
                url: redact_url(&root_url),
                reason: "no packages.json here (HTTP 404); check the upstream URL".into(),
            })?;
        let root = RootFile::from_slice(&bytes).map_err(|e| bad_data(&root_url, &e))?;
        Ok(Repo {
            http,
            url: url.trim_end_matches('/').to_string(),
            root,
        })
    }

    /// The package's entries, or `None` when this upstream does not have it.
    pub(crate) fn entries(
        &self,
        name: &str,
        want_dev: bool,
    ) -> Result<Option<Vec<VersionEntry>>, FetchError> {
        let inline = keep_readable(name, v1_entries(&self.root.packages, name));
        if !inline.is_empty() {
            return Ok(Some(inline));
        }
        match &self.root.metadata_url {
            Some(template) => self.p2_entries(template, name, want_dev),
            None => self.v1_entries(name),
        }
    }

    /// v2: `p2/<name>.json`, plus `~dev` when dev branches are wanted.
    fn p2_entries(
        &self,
        template: &str,
        name: &str,
        want_dev: bool,
    ) -> Result<Option<Vec<VersionEntry>>, FetchError> {
        if self.root.lists(name) == Some(false) {
            return Ok(None);
        }
        let url = canonicalize_url(&self.url, &fill_template(template, name, ""));
        let Some(mut found) = self.p2_file(&url, name)? else {
            return Ok(None);
        };
        if want_dev {
            let dev_url = canonicalize_url(
                &self.url,
                &fill_template(template, &format!("{name}~dev"), ""),
            );
            found.extend(self.p2_file(&dev_url, name)?.unwrap_or_default());
        }
        Ok(Some(found))
    }

    fn p2_file(&self, url: &str, name: &str) -> Result<Option<Vec<VersionEntry>>, FetchError> {
        let Some(bytes) = self.http.get_optional(url)? else {
            return Ok(None);
        };
        let file = P2File::from_slice(&bytes).map_err(|e| bad_data(url, &e))?;
        if !file.packages.contains_key(name) {
            return Ok(None);
        }
        Ok(Some(keep_readable(name, file.entries(name))))
    }

    /// v1: find the name's hash in a provider listing, then its file.
    fn v1_entries(&self, name: &str) -> Result<Option<Vec<VersionEntry>>, FetchError> {
        // Without providers-url, Composer's older form keys listings by
        // the file path `p/<name>.json` rather than by name.
        let key = match self.root.providers_url {
            Some(_) => name.to_string(),
            None => format!("p/{name}.json"),
        };
        let Some(hash) = self.listed_hash(&key)? else {
            return Ok(None);
        };
        let url = match &self.root.providers_url {
            Some(template) => canonicalize_url(&self.url, &fill_template(template, name, &hash)),
            None => format!("{}/{key}", base_url(&self.url)),
        };
        let bytes = self.get_hashed(&url, &hash)?;
        let file = ProviderFile::from_slice(&bytes).map_err(|e| bad_data(&url, &e))?;
        Ok(Some(keep_readable(name, file.entries(name))))
    }

    /// The hash listed for `key`, inline in the root or in an include.
    pub(crate) fn listed_hash(&self, key: &str) -> Result<Option<String>, FetchError> {
        if let Some(found) = self.root.providers.get(key) {
            return Ok(Some(found.sha256.clone()));
        }
        for (path, include) in &self.root.provider_includes {
            let url = format!(
                "{}/{}",
                base_url(&self.url),
                path.replace("%hash%", &include.sha256)
            );
            let bytes = self.get_hashed(&url, &include.sha256)?;
            let listing = ProviderListing::from_slice(&bytes).map_err(|e| bad_data(&url, &e))?;
            if let Some(found) = listing.providers.get(key) {
                tracing::debug!(
                    key,
                    include = path.as_str(),
                    "provider listing names the package"
                );
                return Ok(Some(found.sha256.clone()));
            }
        }
        Ok(None)
    }

    /// GETs a v1 file and checks it against the SHA-256 its parent listed.
    pub(crate) fn get_hashed(&self, url: &str, expected: &str) -> Result<Vec<u8>, FetchError> {
        let bytes = self.http.get(url)?;
        let actual = hex::encode(sha2::Sha256::digest(&bytes));
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(FetchError::ListingHashMismatch {
                url: redact_url(url),
                expected: expected.to_string(),
                actual,
            });
        }
        Ok(bytes)
    }
}

fn keep_readable(
    name: &str,
    entries: Vec<Result<VersionEntry, RepositoryError>>,
) -> Vec<VersionEntry> {
    let keep = |entry: Result<VersionEntry, RepositoryError>| match entry {
        Ok(entry) => Some(entry),
        Err(e) => {
            tracing::debug!(package = name, %e, "skipping unreadable version entry");
            None
        }
    };
    entries.into_iter().filter_map(keep).collect()
}

pub(crate) fn bad_data(url: &str, error: &RepositoryError) -> FetchError {
    FetchError::BadRepository {
        url: redact_url(url),
        reason: error.to_string(),
    }
}
