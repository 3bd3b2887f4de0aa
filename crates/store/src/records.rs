//! What the registry keeps about each version, and how it sits in sled.
//!
//! Records are JSON values in sled trees, so a damaged or hand-inspected
//! database stays readable and a new optional field never needs a
//! migration. The trees:
//!
//! | tree | key | value |
//! |---|---|---|
//! | `versions` | `name` NUL `version_normalized` | [`VersionRecord`] |
//! | `digests` | archive sha256 hex | JSON list of `versions` keys |
//! | `audit` | sequence number, u64 big-endian | [`AuditEntry`] |
//! | `meta` | `format`, `audit_next` | store format, next audit number |
//!
//! The NUL separator cannot occur in a package name or version, so keys of
//! one package form a contiguous, prefix-scannable range. `digests` maps to
//! a list because identical bytes may legitimately be published under two
//! versions; each (name, version, digest) is still its own subject.

use std::fmt;

use formulary_composer::PackageName;
use serde::{Deserialize, Serialize};

use crate::error::StoreError;

/// Tree of version records.
pub const VERSIONS_TREE: &str = "versions";
/// Tree from archive digest to version keys.
pub const DIGESTS_TREE: &str = "digests";
/// Tree of audit entries.
pub const AUDIT_TREE: &str = "audit";
/// Tree of store-wide settings.
pub const META_TREE: &str = "meta";

/// Key in `meta` holding the store format.
pub(crate) const FORMAT_KEY: &[u8] = b"format";
/// Key in `meta` holding the next audit sequence number.
pub(crate) const AUDIT_NEXT_KEY: &[u8] = b"audit_next";
/// The store format this build writes and reads.
pub const STORE_FORMAT: &str = "1";

/// Where a version stands in review. Derived from the signed statements in
/// the log; the store keeps the current value for quick lookups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionState {
    /// Ingested, waiting for review.
    Pending,
    /// Approved: served to Composer.
    Approved,
    /// Refused by review.
    Rejected,
    /// Was approved, then withdrawn; final for this archive digest.
    Revoked,
}

impl fmt::Display for VersionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionState::Pending => "pending",
            VersionState::Approved => "approved",
            VersionState::Rejected => "rejected",
            VersionState::Revoked => "revoked",
        })
    }
}

/// One ingested version of one package: the archive and what we know of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// The package.
    pub name: PackageName,
    /// The version as published (`2.4.6-p3`).
    pub version: String,
    /// Composer's normalized form (`2.4.6.0-patch3`); part of the key.
    pub version_normalized: String,
    /// SHA-256 hex of the archive bytes: the blob's name.
    pub sha256: String,
    /// SHA-1 hex of the archive bytes: Composer's `shasum`.
    pub sha1: String,
    /// Archive size in bytes.
    pub size: u64,
    /// Tree hash of the unpacked files (`formulary-unpack`).
    pub tree_hash: String,
    /// Review state.
    pub state: VersionState,
    /// Where the archive came from (`formulary-fetch`'s `Provenance`).
    pub provenance: serde_json::Value,
    /// The archive's `composer.json`.
    pub manifest: serde_json::Value,
    /// When it was ingested, RFC 3339 UTC.
    pub ingested_at: String,
    /// The scan of the unpacked files: a `formulary-scan/v1` JSON document
    /// (docs/scan-json.md) with findings and capabilities. Kept as JSON so
    /// the store does not depend on the scanner; `null` in records written
    /// before scanning existed.
    #[serde(default)]
    pub scan: serde_json::Value,
}

impl VersionRecord {
    /// `name version`, for messages.
    pub fn subject(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// What [`crate::Store::insert_version`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    /// The record is new and was stored.
    Inserted,
    /// The same name, version and sha256 were already stored; nothing
    /// changed.
    AlreadyPresent,
}

/// One append-only line of the store's audit trail: who changed what, when.
///
/// This is the operator's record of writes to the database. The signed log
/// in `formulary-trust` is the evidence for review decisions; this trail
/// covers the rest (ingests, and later tokens and settings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the trail, from 0, without gaps.
    pub seq: u64,
    /// RFC 3339 UTC time of the write.
    pub when: String,
    /// Who asked for it: a reviewer, token name, or `local`.
    pub who: String,
    /// What happened, kebab-case (`version-inserted`).
    pub what: String,
    /// What it happened to (`acme/pay 1.2.1`).
    pub subject: String,
    /// Details, e.g. the archive digest.
    pub detail: serde_json::Value,
}

/// The `versions` key for a package and normalized version.
pub(crate) fn version_key(name: &str, normalized: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(name.len() + normalized.len() + 1);
    key.extend_from_slice(name.as_bytes());
    key.push(0);
    key.extend_from_slice(normalized.as_bytes());
    key
}

/// The key prefix shared by every version of `name`.
pub(crate) fn package_prefix(name: &str) -> Vec<u8> {
    version_key(name, "")
}

/// A key made printable for error messages.
pub(crate) fn printable_key(key: &[u8]) -> String {
    String::from_utf8_lossy(key).replace('\0', " ")
}

/// Decodes a JSON value stored under `key` in `tree`.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Decode {
        tree,
        key: printable_key(key),
        source,
    })
}

/// Encodes a value for storage.
pub(crate) fn encode<T: Serialize>(subject: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|source| StoreError::Encode {
        subject: subject.to_string(),
        source,
    })
}

/// Reads a big-endian u64 counter; absent means 0.
pub(crate) fn decode_counter(
    tree: &'static str,
    key: &[u8],
    bytes: Option<&[u8]>,
) -> Result<u64, StoreError> {
    let Some(bytes) = bytes else {
        return Ok(0);
    };
    let arr: [u8; 8] = bytes.try_into().map_err(|_| StoreError::Decode {
        tree,
        key: printable_key(key),
        source: serde::de::Error::custom("counter is not 8 bytes"),
    })?;
    Ok(u64::from_be_bytes(arr))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn state_serializes_lowercase() {
        let json = serde_json::to_string(&VersionState::Revoked).unwrap();
        assert_eq!(json, "\"revoked\"");
        assert_eq!(VersionState::Approved.to_string(), "approved");
    }

    #[test]
    fn keys_of_one_package_share_a_prefix_no_other_package_has() {
        let key = version_key("acme/pay", "1.0.0.0");
        assert!(key.starts_with(&package_prefix("acme/pay")));
        assert!(!key.starts_with(&package_prefix("acme/pa")));
        assert_eq!(printable_key(&key), "acme/pay 1.0.0.0");
    }

    #[test]
    fn a_record_written_before_scanning_reads_with_no_scan() {
        let json = serde_json::json!({
            "name": "acme/pay", "version": "1.0.0", "version_normalized": "1.0.0.0",
            "sha256": "a", "sha1": "b", "size": 1, "tree_hash": "c", "state": "pending",
            "provenance": {}, "manifest": {}, "ingested_at": "2026-01-01T00:00:00Z"
        });
        let record: VersionRecord = serde_json::from_value(json).unwrap();
        assert_eq!(record.scan, serde_json::Value::Null);
    }

    #[test]
    fn counters_round_trip_and_refuse_junk() {
        let bytes = 42u64.to_be_bytes();
        assert_eq!(decode_counter("meta", b"k", Some(&bytes)).unwrap(), 42);
        assert_eq!(decode_counter("meta", b"k", None).unwrap(), 0);
        assert!(decode_counter("meta", b"k", Some(b"xx")).is_err());
    }
}
