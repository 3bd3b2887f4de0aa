//! The first stage of formulary's pipeline: turn a source into archive bytes
//! plus a record of where they came from.
//!
//! A source is a local zip (taken byte for byte), a local folder or a git
//! ref (archived deterministically, so fetching the same content twice gives
//! the same bytes and the same digest), or a package on a Composer upstream
//! (v2 or v1 protocol, credentials from `auth.json` / `COMPOSER_AUTH`, the
//! upstream's SHA-1 checked). Nothing here unpacks or judges the archive;
//! that is `formulary-unpack`'s and the scanner's job downstream.
//!
//! ```no_run
//! use formulary_fetch::{FetchConfig, Fetcher, Source, Upstream};
//!
//! let cfg = FetchConfig {
//!     upstreams: vec![Upstream { url: "https://repo.magento.com".into() }],
//!     ..FetchConfig::default()
//! };
//! let fetcher = Fetcher::new(cfg)?;
//! let source: Source = "magento/module-catalog:^104.0".parse()?;
//! let fetched = fetcher.fetch(&source)?;
//! println!("{} bytes from {}", fetched.bytes.len(), fetched.provenance.source);
//! # Ok::<(), formulary_fetch::FetchError>(())
//! ```

mod auth;
mod composer_repo;
mod error;
mod folder;
mod git;
mod http;
mod listing;
mod progress;
mod secret;
mod select;
mod source;

pub use auth::{origin_of, AuthStore, Credential};
pub use error::FetchError;
pub use http::error_chain;
pub use listing::{parse_release_time, Listed};
pub use secret::{redact_url, Secret};
pub use source::Source;

use formulary_composer::PackageName;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

/// Archive bytes and what is known about where they came from.
#[derive(Clone)]
pub struct Fetched {
    /// The archive (a zip).
    pub bytes: Vec<u8>,
    /// Where the bytes came from.
    pub provenance: Provenance,
    /// The version the source implies: the chosen Composer version, or the
    /// git tag. `None` for zips, folders and git branches or commits.
    pub version_hint: Option<String>,
    /// The package name the source implies (Composer sources only).
    pub name_hint: Option<PackageName>,
}

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("provenance", &self.provenance)
            .field("version_hint", &self.version_hint)
            .field("name_hint", &self.name_hint)
            .finish()
    }
}

/// Where an archive came from, kept with the version for auditors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `zip`, `folder`, `git` or `composer`.
    pub kind: String,
    /// The source as given (a path, `URL#ref`, or `vendor/name[:constraint]`),
    /// without credentials.
    pub source: String,
    /// The URL fetched from: the git remote or the dist URL.
    pub upstream_url: Option<String>,
    /// The SHA-1 the upstream published for the dist, when it did.
    pub upstream_shasum: Option<String>,
    /// The commit archived, for git sources.
    pub git_commit: Option<String>,
    /// When the fetch finished, RFC 3339 in UTC.
    pub fetched_at: String,
}

/// One Composer repository to fetch packages from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upstream {
    /// The repository URL, as written in a composer.json `repositories` entry.
    pub url: String,
}

/// How fetching behaves.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Composer repositories, asked in order; the first that has a name is
    /// the only one asked about it.
    pub upstreams: Vec<Upstream>,
    /// Connect and read timeout for each request.
    pub timeout: Duration,
    /// Tries after the first, on transport errors and HTTP 500/502/503/504.
    pub retries: u32,
    /// Show a progress bar for downloads (only ever when stderr is a terminal).
    pub progress: bool,
    /// Upstream credentials.
    pub auth: AuthStore,
    /// The largest response body accepted, archive or metadata.
    pub max_bytes: u64,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            upstreams: Vec::new(),
            timeout: Duration::from_secs(30),
            retries: 3,
            progress: false,
            auth: AuthStore::default(),
            max_bytes: 256 << 20,
        }
    }
}

/// The delay before the first retry; each later one doubles it.
const DEFAULT_RETRY_DELAY: Duration = Duration::from_millis(500);

/// Fetches sources with one configuration.
pub struct Fetcher {
    cfg: FetchConfig,
    http: http::Http,
    clock: fn() -> OffsetDateTime,
}

impl Fetcher {
    /// Sets up the HTTP client for the configuration.
    pub fn new(cfg: FetchConfig) -> Result<Fetcher, FetchError> {
        let http = build_http(&cfg, DEFAULT_RETRY_DELAY)?;
        Ok(Fetcher {
            cfg,
            http,
            clock: OffsetDateTime::now_utc,
        })
    }

    /// Uses `delay` before the first retry instead of 500 ms (tests use a
    /// few milliseconds).
    pub fn with_retry_delay(mut self, delay: Duration) -> Result<Fetcher, FetchError> {
        self.http = build_http(&self.cfg, delay)?;
        Ok(self)
    }

    /// Uses `clock` for `fetched_at` instead of the system clock.
    pub fn with_clock(mut self, clock: fn() -> OffsetDateTime) -> Fetcher {
        self.clock = clock;
        self
    }

    /// Fetches one source.
    pub fn fetch(&self, source: &Source) -> Result<Fetched, FetchError> {
        match source {
            Source::ZipFile(path) => self.fetch_zip(path),
            Source::Folder(path) => self.fetch_folder(path),
            Source::Git { url, reference } => self.fetch_git(source, url, reference),
            Source::Composer { name, constraint } => {
                self.fetch_package(source, name, constraint.as_ref())
            }
        }
    }

    /// Every version of `name` the first upstream that has it lists, oldest
    /// first, each with its dist, SHA-1 and release time. Downloads no
    /// archive.
    pub fn list_versions(&self, name: &PackageName) -> Result<Vec<Listed>, FetchError> {
        listing::versions(&self.http, &self.cfg.upstreams, name)
    }

    /// Every package name of `vendor` on the upstreams (for `vendor/*`),
    /// or [`FetchError::CannotListNames`] when an upstream cannot say.
    pub fn list_names(&self, vendor: &str) -> Result<Vec<PackageName>, FetchError> {
        listing::names(&self.http, &self.cfg.upstreams, vendor)
    }

    /// Downloads one listed version and checks it against the SHA-1
    /// listed with it; provenance kind `composer`, source `name:version`.
    pub fn fetch_listed(&self, listed: &Listed) -> Result<Fetched, FetchError> {
        let resolved = listed.resolved();
        let bytes = composer_repo::download(&self.http, &listed.name, &resolved)?;
        let source = format!("{}:{}", listed.name, listed.version.pretty());
        let mut provenance = self.provenance("composer", source)?;
        provenance.upstream_url = Some(listed.shown_url());
        provenance.upstream_shasum = listed.shasum.clone();
        Ok(Fetched {
            bytes,
            provenance,
            version_hint: Some(listed.version.pretty().to_string()),
            name_hint: Some(listed.name.clone()),
        })
    }

    fn fetch_zip(&self, path: &Path) -> Result<Fetched, FetchError> {
        self.check_zip_size(path)?;
        let bytes = std::fs::read(path).map_err(|source| FetchError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if bytes.is_empty() {
            let path = path.to_path_buf();
            return Err(FetchError::EmptyFile { path });
        }
        if !bytes.starts_with(b"PK\x03\x04") && !bytes.starts_with(b"PK\x05\x06") {
            return Err(FetchError::NotAZip {
                path: path.to_path_buf(),
            });
        }
        let provenance = self.provenance("zip", shown_path(path))?;
        Ok(Fetched {
            bytes,
            provenance,
            version_hint: None,
            name_hint: None,
        })
    }

    /// Refuses an oversized file before reading it into memory.
    fn check_zip_size(&self, path: &Path) -> Result<(), FetchError> {
        let meta = std::fs::metadata(path).map_err(|source| FetchError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let limit = self.cfg.max_bytes;
        if meta.len() > limit {
            let (path, size) = (path.to_path_buf(), meta.len());
            return Err(FetchError::FileTooLarge { path, size, limit });
        }
        Ok(())
    }

    fn fetch_folder(&self, path: &Path) -> Result<Fetched, FetchError> {
        let bytes = folder::archive_folder(path, self.cfg.max_bytes)?;
        let provenance = self.provenance("folder", shown_path(path))?;
        Ok(Fetched {
            bytes,
            provenance,
            version_hint: None,
            name_hint: None,
        })
    }

    fn fetch_git(
        &self,
        source: &Source,
        url: &str,
        reference: &str,
    ) -> Result<Fetched, FetchError> {
        let archive = git::archive(url, reference, &self.cfg.auth, self.cfg.max_bytes)?;
        let mut provenance = self.provenance("git", source.to_string())?;
        provenance.upstream_url = Some(redact_url(url));
        provenance.git_commit = Some(archive.commit);
        Ok(Fetched {
            bytes: archive.bytes,
            provenance,
            version_hint: archive.version,
            name_hint: None,
        })
    }

    fn fetch_package(
        &self,
        source: &Source,
        name: &PackageName,
        constraint: Option<&formulary_composer::Constraint>,
    ) -> Result<Fetched, FetchError> {
        let resolved = composer_repo::resolve(&self.http, &self.cfg.upstreams, name, constraint)?;
        let bytes = composer_repo::download(&self.http, name, &resolved)?;
        let mut provenance = self.provenance("composer", source.to_string())?;
        provenance.upstream_url = Some(redact_url(&resolved.dist_url));
        provenance.upstream_shasum = resolved.shasum.clone();
        Ok(Fetched {
            bytes,
            provenance,
            version_hint: Some(resolved.version.pretty().to_string()),
            name_hint: Some(name.clone()),
        })
    }

    fn provenance(&self, kind: &str, source: String) -> Result<Provenance, FetchError> {
        let now = (self.clock)();
        let fetched_at = now
            .to_offset(time::UtcOffset::UTC)
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| FetchError::Clock(e.to_string()))?;
        Ok(Provenance {
            kind: kind.to_string(),
            source,
            upstream_url: None,
            upstream_shasum: None,
            git_commit: None,
            fetched_at,
        })
    }
}

fn build_http(cfg: &FetchConfig, delay: Duration) -> Result<http::Http, FetchError> {
    http::Http::new(
        cfg.timeout,
        cfg.retries,
        delay,
        cfg.progress,
        cfg.auth.clone(),
        cfg.max_bytes,
    )
}

/// The absolute path when it can be had, so the record says which folder.
fn shown_path(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
