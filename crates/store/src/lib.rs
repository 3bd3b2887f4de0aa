//! formulary-store: the registry's state on disk.
//!
//! Everything formulary remembers lives in one data folder: version records
//! and the audit trail in a sled database under `db/`, and the original
//! archive bytes in a content-addressed blob store under `blobs/`. This
//! crate owns that folder and nothing else: it knows what a version record
//! is, not how one is fetched, scanned or approved (`registry` does that).
//!
//! Three promises hold for every caller:
//!
//! - **One process at a time.** [`Store::open`] takes an exclusive lock and
//!   a second process gets [`StoreError::Locked`] naming the holder (see
//!   [`lock`]).
//! - **Bytes are immutable.** A name and version once stored never points
//!   to other bytes; a blob never changes and is re-verified on read.
//! - **Writes are whole.** A version record, its digest index entry and
//!   its audit entry are written in one sled transaction and flushed to
//!   disk before [`Store::insert_version`] returns.
//!
//! ```text
//! DIR/db/                  sled: versions, digests, audit, meta, log,
//!                          leaves, checkpoints, keys, banned, tokens
//! DIR/db.lock, db.holder   the process lock and who holds it
//! DIR/blobs/sha256/ab/...  archive bytes by sha256
//! ```

pub mod blobs;
pub mod error;
pub mod lock;
pub mod log;
pub mod records;
mod tokens;
mod versions;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

pub use blobs::{check_sha1, check_sha256, sha256_hex};
pub use error::StoreError;
pub use log::{CheckpointSigner, Commit, Committed, VersionWrite};
pub use records::{
    AuditEntry, Ban, DecisionRef, FileDigest, InsertOutcome, KeyRecord, VersionRecord, VersionState,
};
pub use tokens::{TokenRecord, TOKENS_TREE};

use blobs::Blobs;
use lock::DirLock;
use records::{decode, AUDIT_TREE, FORMAT_KEY, STORE_FORMAT};

/// The database folder inside the data folder.
pub const DB_DIR: &str = "db";

/// Who writes when the caller does not say: the local operator.
pub const LOCAL_ACTOR: &str = "local";

/// The source of "now" for audit entries; tests inject a fixed one.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// An open data folder, held exclusively by this process until dropped.
pub struct Store {
    dir: PathBuf,
    db_path: PathBuf,
    // Field order is drop order: sled closes before the lock is released.
    db: sled::Db,
    trees: versions::Trees,
    blobs: Blobs,
    clock: Clock,
    _lock: DirLock,
}

impl Store {
    /// Initialises a data folder (created if missing) and opens it.
    ///
    /// Refuses a folder that already holds a registry. A folder whose
    /// initialisation was interrupted is finished.
    pub fn create(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            action: "create data folder",
            path: dir.to_path_buf(),
            source,
        })?;
        let store = Store::open_locked(dir)?;
        if store.meta_get(FORMAT_KEY)?.is_some() {
            return Err(StoreError::AlreadyInitialized {
                dir: dir.to_path_buf(),
            });
        }

        store
            .trees
            .meta
            .insert(FORMAT_KEY, STORE_FORMAT)
            .map_err(|source| store.db_err(source))?;
        store.flush()?;
        tracing::debug!(dir = %dir.display(), "initialised data folder");
        Ok(store)
    }

    /// Opens a data folder made by [`Store::create`].
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let not_initialized = || StoreError::NotInitialized {
            dir: dir.to_path_buf(),
        };
        // Checked before locking so that a wrong --data path leaves no
        // lock file behind.
        if !dir.join(DB_DIR).is_dir() {
            return Err(not_initialized());
        }

        let store = Store::open_locked(dir)?;
        match store.meta_get(FORMAT_KEY)? {
            None => Err(not_initialized()),
            Some(found) if found != STORE_FORMAT.as_bytes() => Err(StoreError::UnsupportedFormat {
                dir: dir.to_path_buf(),
                found: String::from_utf8_lossy(&found).into_owned(),
                supported: STORE_FORMAT,
            }),
            Some(_) => Ok(store),
        }
    }

    /// Replaces the clock used for audit entries.
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores archive bytes once; returns their SHA-256 hex.
    pub fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
        self.blobs.put(bytes)
    }

    /// Where the blob for `sha256` lives. A malformed digest maps to a path
    /// inside the blob folder that never exists.
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        self.blobs.path(sha256)
    }

    /// Reads a blob, re-verifying that its bytes still hash to `sha256`.
    pub fn get_blob(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        self.blobs.get(sha256)
    }

    /// Every audit entry, oldest first.
    pub fn audit_trail(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.trees
            .audit
            .iter()
            .map(|item| {
                let (key, value) = item.map_err(|source| self.db_err(source))?;
                decode(AUDIT_TREE, &key, &value)
            })
            .collect()
    }

    /// Writes everything sled still buffers to disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db
            .flush()
            .map(drop)
            .map_err(|source| self.db_err(source))
    }

    /// Takes the folder lock, then opens sled and the blob store.
    fn open_locked(dir: &Path) -> Result<Store, StoreError> {
        let clock: Clock = Arc::new(SystemTime::now);
        let lock = DirLock::acquire(dir, &rfc3339(clock()))?;
        let db_path = dir.join(DB_DIR);
        discard_unfinished_snapshots(&db_path);
        let db = sled::open(&db_path).map_err(|source| StoreError::Db {
            path: db_path.clone(),
            source,
        })?;
        let trees = versions::Trees::open(&db, &db_path)?;
        // We hold the lock, so no other writer can own a temp file.
        let blobs = Blobs::new(dir)?;
        blobs.clean_temp();
        Ok(Store {
            dir: dir.to_path_buf(),
            blobs,
            db_path,
            db,
            trees,
            clock,
            _lock: lock,
        })
    }

    fn meta_get(&self, key: &[u8]) -> Result<Option<sled::IVec>, StoreError> {
        self.trees
            .meta
            .get(key)
            .map_err(|source| self.db_err(source))
    }

    fn db_err(&self, source: sled::Error) -> StoreError {
        StoreError::Db {
            path: self.db_path.clone(),
            source,
        }
    }

    /// Now, per the injected clock, as RFC 3339 UTC.
    fn now(&self) -> String {
        rfc3339((self.clock)())
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// `t` as RFC 3339 UTC to the second, e.g. `2026-05-01T10:00:00Z`.
fn rfc3339(t: SystemTime) -> String {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::from(t);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| format!("@{}", t.unix_timestamp()))
}

/// Removes the snapshot files a killed process left half written.
///
/// sled 0.34 writes a snapshot to `snap.<lsn>.generating`, syncs it and
/// renames it into place. A process killed before the rename leaves the
/// `.generating` file behind, and the next open counts it among the
/// snapshots, takes it as the newest (it sorts last) and fails with
/// "Read corrupted data" although the log and the finished snapshot are
/// intact (sled issues #1527 and #1533). A `.generating` file is never
/// one sled finished, so dropping it loses nothing; we only do it while
/// holding the data folder's lock, when no sled in another process can
/// be writing one.
fn discard_unfinished_snapshots(db_path: &Path) {
    let Ok(entries) = std::fs::read_dir(db_path) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => tracing::debug!(file = %name, "removed an unfinished sled snapshot"),
                Err(e) => {
                    tracing::warn!(file = %name, error = %e, "could not remove an unfinished sled snapshot")
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn store_can_be_shared_by_server_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
    }

    #[test]
    fn times_are_rfc3339_utc_to_the_second() {
        let t = UNIX_EPOCH + Duration::from_millis(1_767_225_600_250);
        assert_eq!(rfc3339(t), "2026-01-01T00:00:00Z");
    }
}
