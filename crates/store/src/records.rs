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
//! | `meta` | `format`, `audit_next`, `log_frontier`, `policy` | store format, next audit number, the log's compact range, the policy in force |
//! | `log` | index, u64 big-endian | a signed statement envelope, verbatim |
//! | `leaves` | index, u64 big-endian | its RFC 6962 leaf hash |
//! | `checkpoints` | tree size, u64 big-endian | the registry's signed checkpoint |
//! | `keys` | key id | [`KeyRecord`] |
//! | `banned` | archive sha256 hex | [`Ban`]: rejected or revoked, never approvable |
//! | `tokens` | token name | [`crate::TokenRecord`]: scope and the secret's sha256, never the secret |
//!
//! The NUL separator cannot occur in a package name or version, so keys of
//! one package form a contiguous, prefix-scannable range. `digests` maps to
//! a list because identical bytes may legitimately be published under two
//! versions; each (name, version, digest) is still its own subject.

use std::fmt;

use formulary_composer::PackageName;
use formulary_trust::statement::{Role, Verdict};
use formulary_trust::PublicKey;
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
/// Tree of log entries: index (u64 BE) to envelope bytes.
pub const LOG_TREE: &str = "log";
/// Tree of log leaf hashes: index (u64 BE) to 32 bytes.
pub const LEAVES_TREE: &str = "leaves";
/// Tree of signed checkpoints: tree size (u64 BE) to the signed note.
pub const CHECKPOINTS_TREE: &str = "checkpoints";
/// Tree of trusted keys: key id to [`KeyRecord`].
pub const KEYS_TREE: &str = "keys";
/// Tree of archive digests that may never be approved: sha256 to [`Ban`].
pub const BANNED_TREE: &str = "banned";

/// Key in `meta` holding the log's frontier (`formulary_trust::merkle::Frontier`).
pub(crate) const FRONTIER_KEY: &[u8] = b"log_frontier";
/// Key in `meta` holding the policy statement body in force.
pub(crate) const POLICY_KEY: &[u8] = b"policy";
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
    /// The key id that signed the ingest statement; `None` when the
    /// registry itself took the version in for the local operator.
    #[serde(default)]
    pub requested_by: Option<String>,
    /// The most severe standing finding of the scan, if any.
    #[serde(default)]
    pub max_severity: Option<String>,
    /// The digest of the findings (`formulary_trust::statement::findings_digest`);
    /// a reviewer's statement must name the same one.
    #[serde(default)]
    pub findings_digest: String,
    /// Log index of the ingest statement.
    #[serde(default)]
    pub ingest_index: Option<u64>,
    /// Every decision recorded so far, in log order.
    #[serde(default)]
    pub decisions: Vec<DecisionRef>,
    /// Every file of the archive as Composer installs it, so that `verify
    /// --vendor` can name the file that differs, not only say the tree
    /// hash does.
    #[serde(default)]
    pub files: Vec<FileDigest>,
}

/// One file of a stored version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Path relative to the package root, `/`-separated.
    pub path: String,
    /// sha256 hex of its bytes.
    pub sha256: String,
}

/// A decision on a version, as the version record remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRef {
    /// Position of the statement in the log.
    pub index: u64,
    /// The deciding key.
    pub key_id: String,
    /// The name that key was trusted under (a person).
    pub reviewer: String,
    /// approve, reject or revoke.
    pub verdict: Verdict,
    /// When, as the statement says.
    pub time: String,
    /// The base of a delta review.
    #[serde(default)]
    pub base_version: Option<String>,
    /// The note or reason.
    #[serde(default)]
    pub note: Option<String>,
    /// The policy rule that allowed an automatic approval.
    #[serde(default)]
    pub policy_rule: Option<String>,
}

/// A key the registry has trusted, and whether it still is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// [`formulary_trust::PublicKey::key_id`].
    pub key_id: String,
    /// The person or system.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The public key.
    pub public_key: PublicKey,
    /// Log index of the `key-trust` statement.
    pub trusted_at: u64,
    /// Log index of the `key-revoke` statement; statements at or after it
    /// are refused, those before it stay valid.
    #[serde(default)]
    pub revoked_at: Option<u64>,
    /// Why it was revoked.
    #[serde(default)]
    pub revoke_reason: Option<String>,
}

impl KeyRecord {
    /// Whether the key may sign the statement at log `index`.
    pub fn valid_at(&self, index: u64) -> bool {
        index > self.trusted_at && self.revoked_at.is_none_or(|r| index < r)
    }
}

/// An archive digest that can never be approved again, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ban {
    /// The archive sha256.
    pub sha256: String,
    /// `rejected` or `revoked`.
    pub state: VersionState,
    /// The log index of the decision.
    pub index: u64,
    /// The subject, for messages (`acme/pay 1.2.1`).
    pub subject: String,
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
/// covers the rest (ingests, tokens, and later settings).
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
