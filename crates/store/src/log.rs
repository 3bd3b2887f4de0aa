//! The transparency log's storage, and the one transaction that changes
//! review state.
//!
//! Every change the log must account for (an ingest, a decision, a key
//! trusted or revoked, a new policy) is a [`Commit`]: the signed statement's
//! bytes plus what it does to the records. [`Store::commit`] writes all of
//! it in one sled transaction: the log entry and its leaf hash, the new
//! frontier, a checkpoint signed over the new root, the version or key
//! record, the ban on a rejected digest, and the audit entry. Then it
//! flushes, and only then returns. A crash at any point leaves either the
//! whole change or none of it, so the records never claim a decision the
//! log does not hold, and the log never holds a decision the records
//! missed.
//!
//! The store does not judge statements: `formulary-registry` checks the
//! signature and policy before it builds a commit. The store keeps the
//! bytes verbatim so that the log can be verified later by anyone.

use formulary_trust::merkle::{self, Frontier, Hash};
use sled::transaction::{abort, TransactionError, TransactionalTree};
use sled::Transactional as _;

use crate::error::StoreError;
use crate::records::{
    decode, encode, version_key, AuditEntry, Ban, KeyRecord, VersionRecord, BANNED_TREE,
    CHECKPOINTS_TREE, FRONTIER_KEY, KEYS_TREE, LOG_TREE, POLICY_KEY, VERSIONS_TREE,
};
use crate::versions::{append_audit, index_digest};
use crate::Store;

/// Signs a checkpoint for a tree of `size` leaves with this `root`,
/// returning the signed note. Called inside the transaction.
pub type CheckpointSigner<'a> = &'a (dyn Fn(u64, &Hash) -> String + Sync);

/// One statement and everything it changes.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The signed envelope, exactly as it goes into the log.
    pub entry: Vec<u8>,
    /// The version record to write.
    pub version: Option<VersionWrite>,
    /// The key record to write.
    pub key: Option<KeyRecord>,
    /// A digest to ban from approval.
    pub ban: Option<Ban>,
    /// The policy statement body now in force, as JSON.
    pub policy: Option<Vec<u8>>,
    /// Who asked, for the audit trail (a key name or `local`).
    pub who: String,
    /// What happened, kebab-case (`decision-approve`).
    pub what: String,
    /// What it happened to (`acme/pay 1.2.1`).
    pub subject: String,
}

/// How a commit changes a version record.
#[derive(Debug, Clone)]
pub enum VersionWrite {
    /// A new version; if the same name, version and bytes are already
    /// stored the whole commit is skipped, other bytes abort it.
    Insert(VersionRecord),
    /// A new state or decision for a stored version with the same bytes.
    Update(VersionRecord),
}

/// What [`Store::commit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// Appended at this log index.
    At(u64),
    /// An insert of a version already stored with the same bytes:
    /// nothing was written.
    AlreadyPresent,
}

impl Store {
    /// Writes `commit` in one transaction and flushes it (see the module
    /// docs). `sign` makes the checkpoint for the new tree.
    pub fn commit(&self, commit: &Commit, sign: CheckpointSigner) -> Result<Committed, StoreError> {
        let audit = AuditEntry {
            seq: 0,
            when: self.now(),
            who: commit.who.clone(),
            what: commit.what.clone(),
            subject: commit.subject.clone(),
            detail: serde_json::json!({ "log_index": null }),
        };
        let t = &self.trees;
        let trees = (
            &t.versions,
            &t.digests,
            &t.audit,
            &t.meta,
            &t.log,
            &t.leaves,
            &t.checkpoints,
            &t.keys,
            &t.banned,
        );
        let result = trees.transaction(|(v, d, a, m, log, leaves, cps, keys, banned)| {
            if let Some(VersionWrite::Insert(rec)) = &commit.version {
                if already_present(v, rec)? {
                    return Ok(Committed::AlreadyPresent);
                }
            }
            let index = append_entry(m, log, leaves, cps, &commit.entry, sign)?;
            write_version(v, d, commit.version.as_ref(), index)?;
            if let Some(key) = &commit.key {
                let value = encode(&key.key_id, key).or_else(abort)?;
                keys.insert(key.key_id.as_bytes(), value)?;
            }
            if let Some(ban) = &commit.ban {
                let value = encode(&ban.subject, ban).or_else(abort)?;
                banned.insert(ban.sha256.as_bytes(), value)?;
            }
            if let Some(policy) = &commit.policy {
                m.insert(POLICY_KEY, policy.as_slice())?;
            }
            let mut entry = audit.clone();
            entry.detail = serde_json::json!({ "log_index": index });
            append_audit(a, m, entry)?;
            Ok(Committed::At(index))
        });
        let outcome = result.map_err(|err| match err {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => self.db_err(e),
        })?;
        if let Committed::At(index) = outcome {
            self.flush()?;
            tracing::debug!(index, what = %commit.what, subject = %commit.subject, "committed");
        }
        Ok(outcome)
    }

    /// How many statements the log holds.
    pub fn log_size(&self) -> Result<u64, StoreError> {
        Ok(self.frontier()?.size())
    }

    /// The log's compact range, from which its root follows.
    pub fn frontier(&self) -> Result<Frontier, StoreError> {
        let bytes = self.meta_get(FRONTIER_KEY)?;
        read_frontier(bytes.as_deref()).map_err(|source| StoreError::Decode {
            tree: "meta",
            key: "log_frontier".to_string(),
            source,
        })
    }

    /// The log entry at `index`, verbatim.
    pub fn log_entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let value = self.trees.log.get(index.to_be_bytes());
        Ok(value.map_err(|e| self.db_err(e))?.map(|v| v.to_vec()))
    }

    /// Every log entry in order, with its index as stored.
    pub fn log_entries(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        self.u64_keyed(&self.trees.log, LOG_TREE)
    }

    /// Every stored leaf hash in order, with its index.
    pub fn leaf_hashes(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        self.u64_keyed(&self.trees.leaves, "leaves")
    }

    /// Every signed checkpoint, by tree size.
    pub fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let raw = self.u64_keyed(&self.trees.checkpoints, CHECKPOINTS_TREE)?;
        Ok(raw
            .into_iter()
            .map(|(size, note)| (size, String::from_utf8_lossy(&note).into_owned()))
            .collect())
    }

    /// The checkpoint signed when the log reached `size`.
    pub fn checkpoint(&self, size: u64) -> Result<Option<String>, StoreError> {
        let value = self.trees.checkpoints.get(size.to_be_bytes());
        let value = value.map_err(|e| self.db_err(e))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// A trusted key's record.
    pub fn key(&self, key_id: &str) -> Result<Option<KeyRecord>, StoreError> {
        let value = self.trees.keys.get(key_id.as_bytes());
        match value.map_err(|e| self.db_err(e))? {
            Some(v) => decode(KEYS_TREE, key_id.as_bytes(), &v).map(Some),
            None => Ok(None),
        }
    }

    /// Every key the registry has trusted, revoked ones included.
    pub fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let mut keys = Vec::new();
        for item in self.trees.keys.iter() {
            let (k, v) = item.map_err(|e| self.db_err(e))?;
            keys.push(decode(KEYS_TREE, &k, &v)?);
        }
        Ok(keys)
    }

    /// Why this archive digest may never be approved, if it may not.
    pub fn ban(&self, sha256: &str) -> Result<Option<Ban>, StoreError> {
        let value = self.trees.banned.get(sha256.as_bytes());
        match value.map_err(|e| self.db_err(e))? {
            Some(v) => decode(BANNED_TREE, sha256.as_bytes(), &v).map(Some),
            None => Ok(None),
        }
    }

    /// Every banned digest.
    pub fn bans(&self) -> Result<Vec<Ban>, StoreError> {
        let mut bans = Vec::new();
        for item in self.trees.banned.iter() {
            let (k, v) = item.map_err(|e| self.db_err(e))?;
            bans.push(decode(BANNED_TREE, &k, &v)?);
        }
        Ok(bans)
    }

    /// The policy statement body in force, as JSON; `None` before the
    /// first decision.
    pub fn policy(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.meta_get(POLICY_KEY)?.map(|v| v.to_vec()))
    }

    fn u64_keyed(
        &self,
        tree: &sled::Tree,
        name: &'static str,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for item in tree.iter() {
            let (k, v) = item.map_err(|e| self.db_err(e))?;
            let index = crate::records::decode_counter(name, &k, Some(&k))?;
            out.push((index, v.to_vec()));
        }
        Ok(out)
    }
}

type TxResult<T> = sled::transaction::ConflictableTransactionResult<T, StoreError>;

/// Appends the entry, its leaf hash, the new frontier and checkpoint;
/// returns the entry's index.
fn append_entry(
    meta: &TransactionalTree,
    log: &TransactionalTree,
    leaves: &TransactionalTree,
    checkpoints: &TransactionalTree,
    entry: &[u8],
    sign: CheckpointSigner,
) -> TxResult<u64> {
    let current = meta.get(FRONTIER_KEY)?;
    let mut frontier = read_frontier(current.as_deref())
        .map_err(|source| StoreError::Decode {
            tree: "meta",
            key: "log_frontier".to_string(),
            source,
        })
        .or_else(abort)?;
    let index = frontier.size();
    let leaf = merkle::leaf_hash(entry);
    frontier.push(leaf);

    log.insert(&index.to_be_bytes(), entry)?;
    leaves.insert(&index.to_be_bytes(), &leaf[..])?;
    meta.insert(FRONTIER_KEY, frontier.to_bytes())?;
    let note = sign(frontier.size(), &frontier.root());
    checkpoints.insert(&frontier.size().to_be_bytes(), note.as_bytes())?;
    Ok(index)
}

/// Whether an insert finds the same bytes stored (skip) or other bytes
/// (abort with `Conflict`).
fn already_present(versions: &TransactionalTree, rec: &VersionRecord) -> TxResult<bool> {
    let key = version_key(rec.name.as_str(), &rec.version_normalized);
    let Some(existing) = versions.get(&key)? else {
        return Ok(false);
    };
    let existing: VersionRecord = decode(VERSIONS_TREE, &key, &existing).or_else(abort)?;
    if existing.sha256 == rec.sha256 {
        return Ok(true);
    }
    abort(StoreError::Conflict {
        name: rec.name.to_string(),
        version: rec.version.clone(),
        existing_sha256: existing.sha256,
        new_sha256: rec.sha256.clone(),
    })
}

/// Writes the version record, stamping an insert with its ingest index.
fn write_version(
    versions: &TransactionalTree,
    digests: &TransactionalTree,
    write: Option<&VersionWrite>,
    index: u64,
) -> TxResult<()> {
    match write {
        None => Ok(()),
        Some(VersionWrite::Insert(rec)) => {
            let mut rec = rec.clone();
            rec.ingest_index = Some(index);
            let key = version_key(rec.name.as_str(), &rec.version_normalized);
            versions.insert(key.clone(), encode(&rec.subject(), &rec).or_else(abort)?)?;
            index_digest(digests, &rec.sha256, &key)
        }
        Some(VersionWrite::Update(rec)) => {
            let key = version_key(rec.name.as_str(), &rec.version_normalized);
            let Some(existing) = versions.get(&key)? else {
                return abort(StoreError::InvalidRecord {
                    name: rec.name.to_string(),
                    version: rec.version.clone(),
                    reason: "no such version is stored".to_string(),
                });
            };
            let existing: VersionRecord = decode(VERSIONS_TREE, &key, &existing).or_else(abort)?;
            if existing.sha256 != rec.sha256 {
                return abort(StoreError::InvalidRecord {
                    name: rec.name.to_string(),
                    version: rec.version.clone(),
                    reason: "an update may not change the archive".to_string(),
                });
            }
            versions.insert(key, encode(&rec.subject(), rec).or_else(abort)?)?;
            Ok(())
        }
    }
}

fn read_frontier(bytes: Option<&[u8]>) -> Result<Frontier, serde_json::Error> {
    match bytes {
        None => Ok(Frontier::new()),
        Some(b) => Frontier::from_bytes(b).map_err(|e| serde::de::Error::custom(e.to_string())),
    }
}
