//! `formulary ingest`: from a source to a stored, pending version.
//!
//! The order of the steps is the safety argument. Everything that can
//! refuse an archive (fetching, the upstream shasum, unpacking under
//! limits, the manifest checks, the name and version cross-checks, an
//! existing version with other bytes) runs before the first write to the
//! store, so a refused ingest leaves the store exactly as it was.
//!
//! The scan runs on the unpacked files before the write as well, and its
//! report (findings and capabilities, as `formulary-scan/v1` JSON) is
//! stored with the version: a reviewer opens a pending version with the
//! scanner's reading already there. Findings never refuse an ingest;
//! deciding on them is review's job.

use formulary_composer::Version;
use formulary_fetch::{AuthStore, FetchConfig, Fetched, Fetcher, Provenance, Source, Upstream};
use formulary_scan::{ScanOptions, ScanReport, Scanner, SeverityCounts};
use formulary_store::{FileDigest, VersionRecord, VersionState};
use formulary_trust::envelope::Envelope;
use formulary_trust::statement::{findings_digest, Body, IngestBody, Statement};
use formulary_trust::SigningKey;
use formulary_unpack::Unpacked;
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::record::status_of;
use crate::{Registry, RegistryError};

/// Whether an ingest added something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IngestOutcome {
    /// A new version was recorded as pending.
    Stored,
    /// These exact bytes were already stored for this version: nothing done.
    AlreadyPresent,
}

/// What one ingested archive turned out to be.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestReport {
    /// Stored, or already there.
    pub outcome: IngestOutcome,
    /// The package name from `composer.json`.
    pub name: String,
    /// The version as written.
    pub version: String,
    /// Composer's normalized form of the version.
    pub version_normalized: String,
    /// sha256 of the original archive bytes: the blob's address.
    pub sha256: String,
    /// sha1 of the same bytes: what Composer checks as `shasum`.
    pub sha1: String,
    /// Archive size in bytes.
    pub size: u64,
    /// Hash over the unpacked files (see `formulary_unpack::tree_hash`).
    pub tree_hash: String,
    /// Number of files in the archive.
    pub files: usize,
    /// The scan's standing findings, counted by severity.
    pub findings: SeverityCounts,
}

impl Registry {
    /// A fetcher set up from `formulary.toml` and the known `auth.json`s.
    pub fn fetcher(&self, progress: bool) -> Result<Fetcher, RegistryError> {
        let auth = AuthStore::from_env_and_files(&self.auth_files())?;
        let settings = &self.config.fetch;
        let upstreams = self.config.upstream.iter();
        Ok(Fetcher::new(FetchConfig {
            upstreams: upstreams.map(|u| Upstream { url: u.url.clone() }).collect(),
            timeout: std::time::Duration::from_secs(settings.timeout_secs),
            retries: settings.retries,
            progress,
            auth,
            max_bytes: self.config.limits.max_archive_bytes,
        })?)
    }

    /// Fetches, checks and stores one source as a pending version, for
    /// the local operator (the registry key signs the ingest statement).
    pub fn ingest(
        &self,
        fetcher: &Fetcher,
        source: &Source,
        now: OffsetDateTime,
    ) -> Result<IngestReport, RegistryError> {
        self.ingest_as(fetcher, source, now, None)
    }

    /// Like [`Registry::ingest`], with the ingest statement signed by the
    /// requester's own trusted key: policy then never lets that key be the
    /// version's only approver.
    pub fn ingest_as(
        &self,
        fetcher: &Fetcher,
        source: &Source,
        now: OffsetDateTime,
        requester: Option<&SigningKey>,
    ) -> Result<IngestReport, RegistryError> {
        let fetched = fetcher.fetch(source)?;
        self.ingest_fetched(&fetched, now, requester)
    }

    /// Checks and stores archive bytes that a client uploaded (the
    /// server's `POST /api/v1/ingest`). `origin_label` says who sent them;
    /// it becomes the provenance's `source`, with kind `upload`. The
    /// checks are the ones every ingest runs: only the fetching differs.
    pub fn ingest_bytes(
        &self,
        bytes: Vec<u8>,
        origin_label: &str,
        now: OffsetDateTime,
        requester: Option<&SigningKey>,
    ) -> Result<IngestReport, RegistryError> {
        let fetched_at = whole_seconds(now).format(&Rfc3339).unwrap_or_default();
        let fetched = Fetched {
            bytes,
            provenance: Provenance {
                kind: "upload".to_string(),
                source: origin_label.to_string(),
                upstream_url: None,
                upstream_shasum: None,
                git_commit: None,
                fetched_at,
            },
            version_hint: None,
            name_hint: None,
        };
        self.ingest_fetched(&fetched, now, requester)
    }

    /// Everything after the fetch: unpack, settle the version, scan, store.
    pub(crate) fn ingest_fetched(
        &self,
        fetched: &Fetched,
        now: OffsetDateTime,
        requester: Option<&SigningKey>,
    ) -> Result<IngestReport, RegistryError> {
        let (record, summary) = self.prepare(fetched, now)?;
        self.store_checked(&fetched.bytes, &record, summary, requester)
    }

    /// Every check and reading an ingest makes (unpack, version, scan),
    /// without writing anything: the record the ingest would store.
    pub(crate) fn prepare(
        &self,
        fetched: &Fetched,
        now: OffsetDateTime,
    ) -> Result<(VersionRecord, Summary), RegistryError> {
        let scratch = self.scratch_dir()?;
        let unpacked =
            formulary_unpack::unpack(&fetched.bytes, scratch.path(), &self.config.limits)?;
        let version = settle_version(fetched, &unpacked)?;
        let scan = self.scanner().scan_dir(scratch.path())?;
        let record = self.record_for(fetched, &unpacked, &version, &scan, now);
        let summary = Summary {
            files: unpacked.files.len(),
            findings: scan.counts(),
        };
        Ok((record, summary))
    }

    /// The scanner, built once per registry.
    pub(crate) fn scanner(&self) -> &Scanner {
        self.scanner
            .get_or_init(|| Scanner::new(ScanOptions::default()))
    }

    /// Auth files in Composer's order: this registry's, then COMPOSER_HOME's.
    fn auth_files(&self) -> Vec<std::path::PathBuf> {
        let mut files = vec![self.dir.auth_file()];
        if let Some(home) = composer_home() {
            files.push(home.join("auth.json"));
        }
        files
    }

    /// A private (0700) folder that disappears when dropped.
    fn scratch_dir(&self) -> Result<tempfile::TempDir, RegistryError> {
        use std::os::unix::fs::PermissionsExt;
        tempfile::Builder::new()
            .prefix("formulary-unpack-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(|source| RegistryError::Io {
                path: std::env::temp_dir(),
                source,
            })
    }

    fn record_for(
        &self,
        fetched: &Fetched,
        unpacked: &Unpacked,
        version: &Version,
        scan: &ScanReport,
        now: OffsetDateTime,
    ) -> VersionRecord {
        let manifest = serde_json::from_slice(&unpacked.manifest_bytes).unwrap_or_default();
        VersionRecord {
            name: unpacked.manifest.name.clone(),
            version: version.pretty().to_string(),
            version_normalized: version.normalized().to_string(),
            sha256: hex::encode(Sha256::digest(&fetched.bytes)),
            sha1: hex::encode(Sha1::digest(&fetched.bytes)),
            size: fetched.bytes.len() as u64,
            tree_hash: unpacked.tree_hash.clone(),
            state: VersionState::Pending,
            provenance: serde_json::to_value(&fetched.provenance).unwrap_or_default(),
            manifest,
            ingested_at: whole_seconds(now).format(&Rfc3339).unwrap_or_default(),
            scan: formulary_scan::render::json::to_value(scan),
            requested_by: None,
            max_severity: scan
                .findings
                .iter()
                .map(|f| f.severity)
                .max()
                .map(|s| s.to_string()),
            findings_digest: findings_digest(scan.findings.iter().map(|f| f.fingerprint.as_str())),
            ingest_index: None,
            decisions: Vec::new(),
            files: unpacked
                .files
                .iter()
                .map(|f| FileDigest {
                    path: f.path.clone(),
                    sha256: f.sha256.clone(),
                })
                .collect(),
        }
    }

    /// Writes the blob and the record, unless the version is already known.
    fn store_checked(
        &self,
        bytes: &[u8],
        record: &VersionRecord,
        summary: Summary,
        requester: Option<&SigningKey>,
    ) -> Result<IngestReport, RegistryError> {
        let report = |outcome| report_for(record, outcome, summary);
        if let Some(existing) = self
            .store
            .version(&record.name, &record.version_normalized)?
        {
            if existing.sha256 != record.sha256 {
                return Err(RegistryError::Conflict {
                    package: record.name.to_string(),
                    version: record.version.clone(),
                    stored: existing.sha256,
                    offered: record.sha256.clone(),
                });
            }
            tracing::debug!(name = %record.name, version = %record.version, "same bytes already stored");
            return Ok(report(IngestOutcome::AlreadyPresent));
        }
        // The commit checks the same rule inside its transaction;
        // checking first keeps a refused archive's blob out of the store.
        // A blob written by an ingest that then fails is harmless: it is
        // content-addressed and no record points at it.
        self.store.put_blob(bytes)?;
        let envelope = self.ingest_statement(record, requester);
        let _guard = self.write_lock();
        let recorded = self.append(&envelope, Some(record.clone()))?;
        tracing::debug!(name = %record.name, version = %record.version, sha256 = %record.sha256, index = recorded.index, "ingested");
        Ok(report(IngestOutcome::Stored))
    }

    /// The signed `ingest` statement for a new record.
    fn ingest_statement(&self, record: &VersionRecord, requester: Option<&SigningKey>) -> Envelope {
        let body = Body::Ingest(IngestBody {
            subject: status_of(record).subject,
            findings_digest: record.findings_digest.clone(),
            max_severity: record.max_severity.clone(),
        });
        let key = requester.unwrap_or(&self.registry_key);
        Statement::new(&key.key_id(), &self.now_rfc3339(), body).sign(key)
    }
}

/// The version comes from `composer.json`, the source, or both agreeing.
fn settle_version(fetched: &Fetched, unpacked: &Unpacked) -> Result<Version, RegistryError> {
    let manifest = &unpacked.manifest;
    let package = manifest.name.to_string();
    if let Some(expected) = &fetched.name_hint {
        if expected != &manifest.name {
            let found = package;
            return Err(RegistryError::NameMismatch {
                expected: expected.to_string(),
                found,
            });
        }
    }
    let from_manifest = manifest.version.as_deref().map(plain_version).transpose()?;
    let from_source = fetched
        .version_hint
        .as_deref()
        .map(plain_version)
        .transpose()?;
    match (from_manifest, from_source) {
        (Some(m), Some(s)) if m.normalized() != s.normalized() => {
            Err(RegistryError::VersionMismatch {
                package,
                manifest: m.pretty().to_string(),
                source_version: s.pretty().to_string(),
            })
        }
        (Some(m), _) => Ok(m),
        (None, Some(s)) => Ok(s),
        (None, None) => Err(RegistryError::NoVersion { package }),
    }
}

/// What the report says beside the record's own fields.
#[derive(Clone, Copy)]
pub(crate) struct Summary {
    files: usize,
    findings: SeverityCounts,
}

/// A version as Composer parses it, and stricter: no whitespace, no
/// control characters, no empty branch name. Composer trims and accepts
/// such strings, but a version is printed to reviewers' terminals and
/// written into records; a newline or an escape sequence in it could forge
/// a line of output.
fn plain_version(text: &str) -> Result<Version, RegistryError> {
    let odd = text.chars().any(|c| c.is_whitespace() || c.is_control());
    if odd || text == "dev-" || text.is_empty() {
        return Err(RegistryError::OddVersion {
            version: text.escape_debug().to_string(),
        });
    }
    Ok(Version::parse(text)?)
}

fn report_for(record: &VersionRecord, outcome: IngestOutcome, summary: Summary) -> IngestReport {
    IngestReport {
        outcome,
        name: record.name.to_string(),
        version: record.version.clone(),
        version_normalized: record.version_normalized.clone(),
        sha256: record.sha256.clone(),
        sha1: record.sha1.clone(),
        size: record.size,
        tree_hash: record.tree_hash.clone(),
        files: summary.files,
        findings: summary.findings,
    }
}

/// Times are recorded to the second: finer is noise in an audit record.
fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Composer's home: `COMPOSER_HOME`, else `~/.config/composer`.
fn composer_home() -> Option<std::path::PathBuf> {
    if let Some(home) = std::env::var_os("COMPOSER_HOME") {
        return Some(home.into());
    }
    let home = std::path::PathBuf::from(std::env::var_os("HOME")?);
    let xdg = home.join(".config/composer");
    Some(if xdg.is_dir() {
        xdg
    } else {
        home.join(".composer")
    })
}
