//! The content-addressed blob store: original archive bytes, kept as they
//! came.
//!
//! Reviews, signatures and Composer's `shasum` all refer to the exact bytes
//! of a dist archive, so we keep those bytes and never repack them. A blob
//! lives at `blobs/sha256/<first two hex>/<full hex>` and is written once:
//! into a temporary file under `blobs/tmp/`, synced, made read-only (0444),
//! hard-linked into place, and the folder synced, so a crash leaves either
//! no blob or a whole one. We link rather than rename because a link never
//! replaces an existing name: even two threads storing the same archive at
//! once leave the first file untouched. Writing bytes that are already
//! stored verifies the existing file and keeps it.
//!
//! A blob is re-hashed on every read. Disk rot or a hand edit in the data
//! folder must never reach a Composer client under an approved digest.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::error::StoreError;

/// Where blobs live, relative to the data folder.
pub const BLOBS_DIR: &str = "blobs";

/// Temporary files per process are numbered from this counter.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The blob folders of one data folder.
#[derive(Debug)]
pub(crate) struct Blobs {
    /// `DIR/blobs/sha256`.
    root: PathBuf,
    /// `DIR/blobs/tmp`.
    tmp: PathBuf,
}

impl Blobs {
    /// The blob store under the data folder `dir`, creating its folders.
    pub(crate) fn new(dir: &Path) -> Result<Blobs, StoreError> {
        let blobs = Blobs {
            root: dir.join(BLOBS_DIR).join("sha256"),
            tmp: dir.join(BLOBS_DIR).join("tmp"),
        };
        for folder in [&blobs.root, &blobs.tmp] {
            fs::create_dir_all(folder).map_err(|source| StoreError::Io {
                action: "create blob folder",
                path: folder.clone(),
                source,
            })?;
        }
        Ok(blobs)
    }

    /// Where the blob for `sha256` lives (or would live).
    ///
    /// A string that is not a lowercase SHA-256 hex digest maps to
    /// `blobs/sha256/invalid-digest`, which is never a blob, so no caller
    /// can build a path outside the blob folder from it.
    pub(crate) fn path(&self, sha256: &str) -> PathBuf {
        if check_sha256(sha256).is_err() {
            return self.root.join("invalid-digest");
        }
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Stores `bytes` once and returns their SHA-256 hex.
    pub(crate) fn put(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let sha256 = sha256_hex(bytes);
        let path = self.path(&sha256);
        if path.exists() {
            self.verify(&sha256, bytes.len() as u64)?;
            tracing::debug!(%sha256, "blob already stored and verified; kept");
            return Ok(sha256);
        }

        let tmp = self.write_temp(bytes)?;
        let shard = path.parent().unwrap_or(&self.root);
        let placed = create_dir(shard).and_then(|()| link_new(&tmp, &path));
        // The temp name goes either way; the blob keeps its own link.
        let _ = fs::remove_file(&tmp);
        if !placed? {
            self.verify(&sha256, bytes.len() as u64)?;
            tracing::debug!(%sha256, "blob stored meanwhile by another writer; kept");
            return Ok(sha256);
        }
        sync_dir(shard)?;
        tracing::debug!(%sha256, size = bytes.len(), "blob written");
        Ok(sha256)
    }

    /// Reads the blob for `sha256`, checking its bytes still hash to it.
    pub(crate) fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        check_sha256(sha256)?;
        let path = self.path(sha256);
        let bytes = fs::read(&path).map_err(|source| self.read_err(sha256, source))?;
        let actual = sha256_hex(&bytes);
        if actual != sha256 {
            return Err(StoreError::BlobCorrupt { path, actual });
        }
        Ok(bytes)
    }

    /// Checks that the blob for `sha256` exists with `size` bytes and
    /// hashes to its name.
    pub(crate) fn verify(&self, sha256: &str, size: u64) -> Result<(), StoreError> {
        self.check_size(sha256, size)?;
        self.get(sha256).map(drop)
    }

    /// Checks that the blob exists with `size` bytes, without reading it.
    pub(crate) fn check_size(&self, sha256: &str, size: u64) -> Result<(), StoreError> {
        check_sha256(sha256)?;
        let path = self.path(sha256);
        let meta = fs::metadata(&path).map_err(|source| self.read_err(sha256, source))?;
        if meta.len() != size {
            let actual = format!("{} bytes instead of {size}", meta.len());
            return Err(StoreError::BlobCorrupt { path, actual });
        }
        Ok(())
    }

    /// Removes temporary files left by a crashed writer. Only safe while
    /// holding the data folder lock, which every caller does.
    pub(crate) fn clean_temp(&self) {
        let Ok(entries) = fs::read_dir(&self.tmp) else {
            return;
        };
        for entry in entries.flatten() {
            tracing::debug!(path = %entry.path().display(), "removing stale blob temp file");
            let _ = fs::remove_file(entry.path());
        }
    }

    /// Writes `bytes` to a new read-only temp file and syncs it.
    fn write_temp(&self, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.tmp.join(format!("{}-{n}", std::process::id()));
        let result = write_synced(&tmp, bytes);
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map(|()| tmp)
    }

    fn read_err(&self, sha256: &str, source: io::Error) -> StoreError {
        let path = self.path(sha256);
        match source.kind() {
            io::ErrorKind::NotFound => StoreError::BlobMissing {
                sha256: sha256.to_string(),
                path,
            },
            _ => io_err("read blob file", &path, source),
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    let mut file = opts
        .open(path)
        .map_err(|e| io_err("create blob temp file", path, e))?;
    file.write_all(bytes)
        .map_err(|e| io_err("write blob temp file", path, e))?;
    file.sync_all()
        .map_err(|e| io_err("sync blob temp file", path, e))?;
    set_read_only(&file, path)
}

#[cfg(unix)]
fn set_read_only(file: &File, path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt as _;
    file.set_permissions(fs::Permissions::from_mode(0o444))
        .map_err(|e| io_err("make read-only", path, e))
}

#[cfg(not(unix))]
fn set_read_only(file: &File, path: &Path) -> Result<(), StoreError> {
    let mut perms = file
        .metadata()
        .map_err(|e| io_err("inspect", path, e))?
        .permissions();
    perms.set_readonly(true);
    file.set_permissions(perms)
        .map_err(|e| io_err("make read-only", path, e))
}

/// Links `tmp` at `path`; `Ok(false)` if `path` already exists.
fn link_new(tmp: &Path, path: &Path) -> Result<bool, StoreError> {
    match fs::hard_link(tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_err("store blob file", path, e)),
    }
}

fn create_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir).map_err(|e| io_err("create blob folder", dir, e))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("sync blob folder", dir, e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
}

fn io_err(action: &'static str, path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Accepts exactly 64 lowercase hex characters.
pub fn check_sha256(digest: &str) -> Result<(), StoreError> {
    check_hex(digest, "sha256", 64)
}

/// Accepts exactly 40 lowercase hex characters.
pub fn check_sha1(digest: &str) -> Result<(), StoreError> {
    check_hex(digest, "sha1", 40)
}

fn check_hex(digest: &str, kind: &'static str, len: usize) -> Result<(), StoreError> {
    let ok = digest.len() == len
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        return Ok(());
    }
    Err(StoreError::InvalidDigest {
        digest: digest.chars().take(80).collect(),
        kind,
        len,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn blobs() -> (tempfile::TempDir, Blobs) {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path()).unwrap();
        (dir, blobs)
    }

    #[test]
    fn blob_lands_under_its_digest_read_only() {
        let (_dir, blobs) = blobs();
        let sha = blobs.put(b"zip bytes").unwrap();
        assert_eq!(sha, sha256_hex(b"zip bytes"));

        let path = blobs.path(&sha);
        assert!(path.ends_with(format!("sha256/{}/{sha}", &sha[..2])));
        assert!(fs::metadata(&path).unwrap().permissions().readonly());
        assert_eq!(blobs.get(&sha).unwrap(), b"zip bytes");
    }

    #[test]
    fn blob_is_written_once() {
        let (_dir, blobs) = blobs();
        let sha = blobs.put(b"once").unwrap();
        let before = fs::metadata(blobs.path(&sha)).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));

        assert_eq!(blobs.put(b"once").unwrap(), sha);
        let after = fs::metadata(blobs.path(&sha)).unwrap().modified().unwrap();
        assert_eq!(before, after);
        assert_eq!(fs::read_dir(&blobs.tmp).unwrap().count(), 0);
    }

    #[test]
    fn concurrent_writers_of_one_archive_agree() {
        let (_dir, blobs) = blobs();
        let bytes = vec![7u8; 1 << 16];
        let shas: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| blobs.put(&bytes))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        assert!(shas.iter().all(|s| s == &sha256_hex(&bytes)));
        assert_eq!(blobs.get(&shas[0]).unwrap(), bytes);
        assert_eq!(fs::read_dir(&blobs.tmp).unwrap().count(), 0);
    }

    #[test]
    fn bad_digests_never_leave_the_blob_folder() {
        let (_dir, blobs) = blobs();
        let path = blobs.path("../../etc/passwd");
        assert!(path.starts_with(&blobs.root));
        assert!(matches!(
            blobs.get("../../etc/passwd"),
            Err(StoreError::InvalidDigest { .. })
        ));
        assert!(check_sha256(&"A".repeat(64)).is_err());
    }

    #[test]
    fn missing_blob_says_so() {
        let (_dir, blobs) = blobs();
        let err = blobs.get(&sha256_hex(b"never stored")).unwrap_err();
        assert!(matches!(err, StoreError::BlobMissing { .. }), "{err}");
    }

    #[test]
    fn stale_temp_files_are_cleaned() {
        let (_dir, blobs) = blobs();
        fs::write(blobs.tmp.join("999-0"), b"half").unwrap();
        blobs.clean_temp();
        assert_eq!(fs::read_dir(&blobs.tmp).unwrap().count(), 0);
    }
}
