//! Version records: the one-transaction insert and the lookups.
//!
//! An ingest must either leave a complete trace (record, digest index,
//! audit entry) or none at all, so all three are written in a single sled
//! transaction across trees and flushed before we report success. The
//! transaction is also where immutability is enforced: a name and version
//! already stored with other bytes aborts it with
//! [`StoreError::Conflict`], and nothing is written.

use std::path::Path;

use formulary_composer::{PackageName, Version};
use sha1::{Digest as _, Sha1};
use sled::transaction::{
    abort, ConflictableTransactionResult, TransactionError, TransactionalTree,
};
use sled::Transactional as _;

use crate::blobs::{check_sha1, check_sha256};
use crate::error::StoreError;
use crate::records::{
    decode, decode_counter, encode, package_prefix, version_key, AuditEntry, InsertOutcome,
    VersionRecord, AUDIT_NEXT_KEY, AUDIT_TREE, BANNED_TREE, CHECKPOINTS_TREE, DIGESTS_TREE,
    KEYS_TREE, LEAVES_TREE, LOG_TREE, META_TREE, VERSIONS_TREE,
};
use crate::{Store, LOCAL_ACTOR};

type TxResult<T> = ConflictableTransactionResult<T, StoreError>;

/// The sled trees of one store.
pub(crate) struct Trees {
    pub(crate) versions: sled::Tree,
    pub(crate) digests: sled::Tree,
    pub(crate) audit: sled::Tree,
    pub(crate) meta: sled::Tree,
    pub(crate) log: sled::Tree,
    pub(crate) leaves: sled::Tree,
    pub(crate) checkpoints: sled::Tree,
    pub(crate) keys: sled::Tree,
    pub(crate) banned: sled::Tree,
    pub(crate) tokens: sled::Tree,
}

impl Trees {
    pub(crate) fn open(db: &sled::Db, db_path: &Path) -> Result<Trees, StoreError> {
        let open = |name: &str| {
            db.open_tree(name).map_err(|source| StoreError::Db {
                path: db_path.to_path_buf(),
                source,
            })
        };
        Ok(Trees {
            versions: open(VERSIONS_TREE)?,
            digests: open(DIGESTS_TREE)?,
            audit: open(AUDIT_TREE)?,
            meta: open(META_TREE)?,
            log: open(LOG_TREE)?,
            leaves: open(LEAVES_TREE)?,
            checkpoints: open(CHECKPOINTS_TREE)?,
            keys: open(KEYS_TREE)?,
            banned: open(BANNED_TREE)?,
            tokens: open(crate::tokens::TOKENS_TREE)?,
        })
    }
}

impl Store {
    /// Stores a version record on behalf of the local operator.
    ///
    /// See [`Store::insert_version_as`].
    pub fn insert_version(&self, rec: &VersionRecord) -> Result<InsertOutcome, StoreError> {
        self.insert_version_as(rec, LOCAL_ACTOR)
    }

    /// Stores a version record, recording `who` in the audit trail.
    ///
    /// The archive must already be in the blob store ([`Store::put_blob`]);
    /// its size, sha256 and sha1 are checked against the record, and the
    /// normalized version against Composer's rules. Returns
    /// [`InsertOutcome::AlreadyPresent`] for the same name, version and
    /// sha256, and [`StoreError::Conflict`] for the same name and version
    /// with other bytes; in both cases nothing is written.
    pub fn insert_version_as(
        &self,
        rec: &VersionRecord,
        who: &str,
    ) -> Result<InsertOutcome, StoreError> {
        self.check_record(rec)?;
        let key = version_key(rec.name.as_str(), &rec.version_normalized);
        let value = encode(&rec.subject(), rec)?;
        let entry = AuditEntry {
            seq: 0, // set inside the transaction
            when: self.now(),
            who: who.to_string(),
            what: "version-inserted".to_string(),
            subject: rec.subject(),
            detail: serde_json::json!({
                "sha256": rec.sha256,
                "size": rec.size,
                "version_normalized": rec.version_normalized,
            }),
        };

        let outcome = self.write_version(rec, &key, &value, entry)?;
        if outcome == InsertOutcome::Inserted {
            self.flush()?;
        }
        tracing::debug!(subject = %rec.subject(), ?outcome, "insert_version");
        Ok(outcome)
    }

    /// The record for `name` at `version` (any spelling Composer
    /// normalizes to the same version).
    pub fn version(
        &self,
        name: &PackageName,
        version: &str,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let normalized = normalize(name, version)?;
        let key = version_key(name.as_str(), &normalized);
        let Some(value) = self.trees.versions.get(&key).map_err(|e| self.db_err(e))? else {
            return Ok(None);
        };
        decode(VERSIONS_TREE, &key, &value).map(Some)
    }

    /// Every record, sorted by name, then Composer's version order.
    pub fn versions(&self) -> Result<Vec<VersionRecord>, StoreError> {
        self.collect_sorted(self.trees.versions.iter())
    }

    /// Every record of one package, in Composer's version order.
    pub fn versions_of(&self, name: &PackageName) -> Result<Vec<VersionRecord>, StoreError> {
        let prefix = package_prefix(name.as_str());
        self.collect_sorted(self.trees.versions.scan_prefix(prefix))
    }

    /// Every record whose archive has this sha256.
    pub fn versions_by_digest(&self, sha256: &str) -> Result<Vec<VersionRecord>, StoreError> {
        check_sha256(sha256)?;
        let Some(list) = self.trees.digests.get(sha256).map_err(|e| self.db_err(e))? else {
            return Ok(Vec::new());
        };
        let keys: Vec<Vec<u8>> = decode(DIGESTS_TREE, sha256.as_bytes(), &list)?;
        let mut records = Vec::with_capacity(keys.len());
        for key in keys {
            let value = self.trees.versions.get(&key).map_err(|e| self.db_err(e))?;
            if let Some(value) = value {
                records.push(decode(VERSIONS_TREE, &key, &value)?);
            }
        }
        Ok(records)
    }

    /// Checks a record against itself, Composer's rules and its blob.
    fn check_record(&self, rec: &VersionRecord) -> Result<(), StoreError> {
        check_sha256(&rec.sha256)?;
        check_sha1(&rec.sha1)?;
        let refuse = |reason: String| StoreError::InvalidRecord {
            name: rec.name.to_string(),
            version: rec.version.clone(),
            reason,
        };

        let normalized = normalize(&rec.name, &rec.version)?;
        if normalized != rec.version_normalized {
            return Err(refuse(format!(
                "version_normalized is {:?}, but Composer normalizes {:?} to {:?}",
                rec.version_normalized, rec.version, normalized
            )));
        }

        // The record must describe bytes we hold: `get_blob` re-hashes.
        let bytes = self.get_blob(&rec.sha256)?;
        if bytes.len() as u64 != rec.size {
            return Err(refuse(format!(
                "size is {} but the archive is {} bytes",
                rec.size,
                bytes.len()
            )));
        }
        if hex::encode(Sha1::digest(&bytes)) != rec.sha1 {
            return Err(refuse("sha1 does not match the archive".to_string()));
        }
        Ok(())
    }

    /// The transaction: record, digest index and audit entry, or nothing.
    fn write_version(
        &self,
        rec: &VersionRecord,
        key: &[u8],
        value: &[u8],
        entry: AuditEntry,
    ) -> Result<InsertOutcome, StoreError> {
        let t = &self.trees;
        let result = (&t.versions, &t.digests, &t.audit, &t.meta).transaction(
            |(versions, digests, audit, meta)| {
                if let Some(existing) = versions.get(key)? {
                    return compare_existing(rec, key, &existing);
                }
                versions.insert(key, value)?;
                index_digest(digests, &rec.sha256, key)?;
                append_audit(audit, meta, entry.clone())?;
                Ok(InsertOutcome::Inserted)
            },
        );
        result.map_err(|err| match err {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => self.db_err(e),
        })
    }

    /// Decodes, sorts and returns records from a sled iterator.
    fn collect_sorted(
        &self,
        iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let mut records = Vec::new();
        for item in iter {
            let (key, value) = item.map_err(|e| self.db_err(e))?;
            records.push(decode(VERSIONS_TREE, &key, &value)?);
        }
        Ok(sort_composer_order(records))
    }
}

/// Same bytes: nothing to do. Other bytes: abort with `Conflict`.
fn compare_existing(rec: &VersionRecord, key: &[u8], existing: &[u8]) -> TxResult<InsertOutcome> {
    let existing: VersionRecord = decode(VERSIONS_TREE, key, existing).or_else(abort)?;
    if existing.sha256 == rec.sha256 {
        tracing::debug!(subject = %rec.subject(), "same archive already stored");
        return Ok(InsertOutcome::AlreadyPresent);
    }
    tracing::debug!(
        subject = %rec.subject(),
        existing = %existing.sha256,
        new = %rec.sha256,
        "refusing changed bytes under a stored version"
    );
    abort(StoreError::Conflict {
        name: rec.name.to_string(),
        version: rec.version.clone(),
        existing_sha256: existing.sha256,
        new_sha256: rec.sha256.clone(),
    })
}

/// Adds `key` to the list of versions with archive digest `sha256`.
pub(crate) fn index_digest(digests: &TransactionalTree, sha256: &str, key: &[u8]) -> TxResult<()> {
    let mut keys: Vec<Vec<u8>> = match digests.get(sha256)? {
        Some(list) => decode(DIGESTS_TREE, sha256.as_bytes(), &list).or_else(abort)?,
        None => Vec::new(),
    };
    keys.push(key.to_vec());
    let list = encode(sha256, &keys).or_else(abort)?;
    digests.insert(sha256.as_bytes(), list)?;
    Ok(())
}

/// Appends `entry` under the next sequence number, without gaps.
pub(crate) fn append_audit(
    audit: &TransactionalTree,
    meta: &TransactionalTree,
    mut entry: AuditEntry,
) -> TxResult<()> {
    let next = meta.get(AUDIT_NEXT_KEY)?;
    entry.seq = decode_counter(META_TREE, AUDIT_NEXT_KEY, next.as_deref()).or_else(abort)?;
    let value = encode(&entry.subject, &entry).or_else(abort)?;
    audit.insert(&entry.seq.to_be_bytes(), value)?;
    meta.insert(AUDIT_NEXT_KEY, &(entry.seq + 1).to_be_bytes())?;
    Ok(())
}

/// Composer's normalized form of `version`, or an error naming it.
fn normalize(name: &PackageName, version: &str) -> Result<String, StoreError> {
    formulary_composer::version::normalize(version).map_err(|source| StoreError::InvalidVersion {
        name: name.to_string(),
        version: version.to_string(),
        source,
    })
}

/// Sorts by name, then Composer's version order; a version that no longer
/// parses (rules changed since it was stored) sorts first, by its
/// normalized string.
fn sort_composer_order(records: Vec<VersionRecord>) -> Vec<VersionRecord> {
    let mut keyed: Vec<(Option<Version>, VersionRecord)> = records
        .into_iter()
        .map(|r| (Version::parse(&r.version).ok(), r))
        .collect();
    keyed.sort_by(|(va, a), (vb, b)| {
        a.name
            .cmp(&b.name)
            .then_with(|| va.cmp(vb))
            .then_with(|| a.version_normalized.cmp(&b.version_normalized))
    });
    keyed.into_iter().map(|(_, r)| r).collect()
}
