//! Telling people a version waits for them: a JSON POST per newly queued
//! version to `[intake] webhook`, and the record of what was announced.
//!
//! A version stays queued from run to run until someone decides on it;
//! we announce it again only when its reasons change (a cooldown that
//! passed, a new upstream release making it a patch of something else),
//! so a run every few minutes does not page anyone twice for the same
//! thing. What was announced is kept in `intake-announced.json` in the
//! data folder. A failed POST is a warning in the summary, never a failed
//! run, and is tried again on the next run.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use formulary_fetch::error_chain;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::report::IntakeEntry;
use crate::RegistryError;

/// The body of one POST.
#[derive(Debug, Serialize)]
pub struct Announcement<'a> {
    /// Always `intake-queued`.
    pub event: &'static str,
    /// The registry's log origin, so one hook can serve several.
    pub registry: &'a str,
    /// `vendor/name`.
    pub package: &'a str,
    /// The version.
    pub version: &'a str,
    /// The approved version it was compared with.
    pub base: Option<&'a str>,
    /// Why it waits.
    pub reasons: &'a [String],
    /// The diff's one-line verdict, if there was a diff.
    pub verdict: Option<&'a str>,
    /// What a reviewer runs to look at it.
    pub review: String,
}

/// Versions announced so far, by `package version`, with a digest of the
/// reasons they were announced with.
#[derive(Debug, Default)]
pub struct Announced(BTreeMap<String, String>);

impl Announced {
    /// Reads the record; a missing or unreadable file is an empty one
    /// (the worst that follows is one announcement too many).
    pub fn load(path: &Path) -> Announced {
        let read = std::fs::read(path).ok();
        let map = read.and_then(|bytes| serde_json::from_slice(&bytes).ok());
        Announced(map.unwrap_or_default())
    }

    /// Whether `entry` was announced with these same reasons.
    pub fn already(&self, entry: &IntakeEntry) -> bool {
        self.0.get(&key(entry)) == Some(&digest(entry))
    }

    /// Writes the record of exactly `queued` (versions no longer queued
    /// drop out), through a temporary file so a crash leaves the old one.
    pub fn save(path: &Path, queued: &[&IntakeEntry]) -> Result<(), RegistryError> {
        let map: BTreeMap<String, String> = queued.iter().map(|e| (key(e), digest(e))).collect();
        let bytes = serde_json::to_vec_pretty(&map).unwrap_or_default();
        let tmp = path.with_extension("json.tmp");
        let io = |source| RegistryError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

fn key(entry: &IntakeEntry) -> String {
    format!("{} {}", entry.package, entry.version)
}

fn digest(entry: &IntakeEntry) -> String {
    let mut hasher = Sha256::new();
    for reason in &entry.reasons {
        hasher.update(reason.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// POSTs one announcement. The error names the webhook by its host only:
/// hook URLs often carry their secret in the path or query (Slack's do),
/// and the error goes to logs and the summary.
pub fn post(url: &str, announcement: &Announcement<'_>) -> Result<(), String> {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "?".to_string());
    let (package, version) = (announcement.package, announcement.version);
    let fail = |what: String| format!("webhook at {host} for {package} {version}: {what}");
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| fail(error_chain(&e)))?;
    let response = client
        .post(url)
        .json(announcement)
        .send()
        .map_err(|e| fail(error_chain(&e)))?;
    if !response.status().is_success() {
        return Err(fail(format!("answered {}", response.status())));
    }
    Ok(())
}

/// The announcement for a queued entry.
pub fn announcement<'a>(registry: &'a str, entry: &'a IntakeEntry) -> Announcement<'a> {
    Announcement {
        event: "intake-queued",
        registry,
        package: &entry.package,
        version: &entry.version,
        base: entry.base.as_deref(),
        reasons: &entry.reasons,
        verdict: entry.verdict.as_deref(),
        review: format!("formulary review show {} {}", entry.package, entry.version),
    }
}
