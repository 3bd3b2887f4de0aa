//! Key files on disk: written atomically, never overwritten, and private
//! keys kept to their owner.
//!
//! A signing key is the whole of a reviewer's authority, so we are strict
//! about its file. A private key is written with mode 0600 into a temporary
//! file beside its final name, synced, and then hard-linked into place: the
//! link fails if the name exists, so a second `formulary key new` can never
//! replace (and lose) a key that approvals were already signed with, and a
//! crash never leaves a half-written key under the real name. Reading a
//! private key refuses a file that group or others may read, the way `ssh`
//! does, and says how to fix it.
//!
//! The text formats themselves are described in [`crate::keys`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::keys::{KeyError, NamedPublicKey, SigningKey};

/// Key files are a few hundred bytes; anything much larger is not one.
pub const MAX_KEY_FILE_BYTES: u64 = 4096;

/// Why a key file could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The target name is taken.
    #[error(
        "key file {} already exists; refusing to overwrite it \
         (move it away or choose another path)",
        path.display()
    )]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// A file system call failed.
    #[error("cannot {action} key file {}: {source}", path.display())]
    Io {
        /// What we were doing: "create", "write", "read", ...
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The private key file is open to group or others.
    #[error(
        "private key file {} is readable by group or others (mode {mode:03o}); \
         run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    InsecurePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The path is a folder, device or other non-regular file.
    #[error("key file {} is not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is too large to be a key file.
    #[error("key file {} is {size} bytes; key files are under 4 KiB", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// The contents are not a valid key.
    #[error("key file {}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents.
        source: KeyError,
    },
}

/// Writes `key` to a new file at `path` with mode 0600.
///
/// Refuses if `path` exists. Creates a missing parent folder with mode 0700.
pub fn write_private_key(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    write_new_file(path, key.to_file_string().as_bytes(), 0o600)
}

/// Reads a private key, refusing a file readable by group or others.
pub fn read_private_key(path: &Path) -> Result<SigningKey, KeyFileError> {
    let text = read_small_file(path, true)?;
    SigningKey::from_file_string(&text).map_err(|source| KeyFileError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a one-line public key file at `path` with mode 0644.
///
/// Refuses if `path` exists, like [`write_private_key`].
pub fn write_public_key(path: &Path, key: &NamedPublicKey) -> Result<(), KeyFileError> {
    write_new_file(path, key.to_line().as_bytes(), 0o644)
}

/// Reads a public key file (its first non-blank line).
pub fn read_public_key(path: &Path) -> Result<NamedPublicKey, KeyFileError> {
    let text = read_small_file(path, false)?;
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    NamedPublicKey::parse_line(line).map_err(|source| KeyFileError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Creates `path` with `bytes` and `mode`, atomically and only if absent.
fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyFileError> {
    if path.symlink_metadata().is_ok() {
        return Err(KeyFileError::Exists {
            path: path.to_path_buf(),
        });
    }
    let dir = parent_dir(path);
    ensure_private_dir(dir)?;

    let tmp = TempPath::new(path);
    let io_err = |action, p: &Path| {
        let p = p.to_path_buf();
        move |source| KeyFileError::Io {
            action,
            path: p,
            source,
        }
    };
    let mut file = open_new(&tmp.0, mode).map_err(io_err("create", &tmp.0))?;
    file.write_all(bytes).map_err(io_err("write", &tmp.0))?;
    file.sync_all().map_err(io_err("sync", &tmp.0))?;
    drop(file);

    // A hard link never replaces an existing name, unlike rename.
    fs::hard_link(&tmp.0, path).map_err(|source| match source.kind() {
        io::ErrorKind::AlreadyExists => KeyFileError::Exists {
            path: path.to_path_buf(),
        },
        _ => io_err("link", path)(source),
    })?;
    drop(tmp);
    sync_dir(dir).map_err(io_err("sync folder of", path))
}

/// Reads a key file of at most [`MAX_KEY_FILE_BYTES`], checking that a
/// private one is kept to its owner.
fn read_small_file(path: &Path, private: bool) -> Result<String, KeyFileError> {
    let io_err = |action| {
        move |source| KeyFileError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    };
    let file = File::open(path).map_err(io_err("open"))?;
    // Check the opened file, not the path, so a swap between the check and
    // the read cannot slip a different file past us.
    let meta = file.metadata().map_err(io_err("inspect"))?;
    if !meta.is_file() {
        return Err(KeyFileError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if private {
        check_private_mode(path, &meta)?;
    }
    if meta.len() > MAX_KEY_FILE_BYTES {
        return Err(KeyFileError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }

    let mut text = String::new();
    file.take(MAX_KEY_FILE_BYTES)
        .read_to_string(&mut text)
        .map_err(io_err("read"))?;
    Ok(text)
}

#[cfg(unix)]
fn check_private_mode(path: &Path, meta: &fs::Metadata) -> Result<(), KeyFileError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::InsecurePermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_mode(_path: &Path, _meta: &fs::Metadata) -> Result<(), KeyFileError> {
    // TODO: check the ACL on Windows; until then we rely on the folder.
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Creates `dir` (mode 0700 on Unix) if it does not exist yet.
fn ensure_private_dir(dir: &Path) -> Result<(), KeyFileError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| KeyFileError::Io {
        action: "create the folder for",
        path: dir.to_path_buf(),
        source,
    })
}

fn open_new(path: &Path, mode: u32) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    opts.open(path)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// A temporary name beside the target, removed when dropped.
struct TempPath(PathBuf);

impl TempPath {
    fn new(target: &Path) -> TempPath {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let base = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = format!(".{base}.tmp-{}-{nanos}", std::process::id());
        TempPath(parent_dir(target).join(name))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        // Best effort: the file may not have been created at all.
        let _ = fs::remove_file(&self.0);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt as _;

    fn key() -> SigningKey {
        SigningKey::from_seed(&[3u8; 32])
            .with_name("registry")
            .unwrap()
    }

    #[test]
    fn private_key_round_trips_through_a_0600_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/registry.key");
        write_private_key(&path, &key()).unwrap();

        #[cfg(unix)]
        {
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = fs::metadata(path.parent().unwrap()).unwrap();
            assert_eq!(dir_mode.permissions().mode() & 0o777, 0o700);
        }
        let back = read_private_key(&path).unwrap();
        assert_eq!(back.public(), key().public());
        assert_eq!(back.name(), Some("registry"));
    }

    #[test]
    fn existing_key_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.key");
        write_private_key(&path, &key()).unwrap();

        let other = SigningKey::from_seed(&[4u8; 32]);
        let err = write_private_key(&path, &other).unwrap_err();
        assert!(matches!(err, KeyFileError::Exists { .. }), "{err}");
        assert_eq!(read_private_key(&path).unwrap().public(), key().public());
    }

    #[test]
    fn no_temporary_files_are_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.key");
        write_private_key(&path, &key()).unwrap();
        let _ = write_private_key(&path, &key());
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn group_readable_private_key_is_refused_with_chmod_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.key");
        write_private_key(&path, &key()).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();

        let err = read_private_key(&path).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(
            err,
            KeyFileError::InsecurePermissions { mode: 0o640, .. }
        ));
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
    }

    #[test]
    fn damaged_private_key_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.key");
        let text = key().to_file_string().replace("seed: ", "seed: !!");
        fs::write(&path, text).unwrap();
        #[cfg(unix)]
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();

        let err = read_private_key(&path).unwrap_err();
        assert!(err.to_string().contains("registry.key"), "{err}");
        assert!(matches!(err, KeyFileError::Parse { .. }));
    }

    #[test]
    fn oversized_and_missing_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.pub");
        fs::write(&big, vec![b'a'; 5000]).unwrap();
        assert!(matches!(
            read_public_key(&big),
            Err(KeyFileError::TooLarge { size: 5000, .. })
        ));
        let missing = dir.path().join("missing.key");
        assert!(matches!(
            read_private_key(&missing),
            Err(KeyFileError::Io { action: "open", .. })
        ));
        assert!(matches!(
            read_public_key(dir.path()),
            Err(KeyFileError::NotAFile { .. })
        ));
    }

    #[test]
    fn public_key_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.pub");
        write_public_key(&path, &key().named_public()).unwrap();
        assert_eq!(read_public_key(&path).unwrap(), key().named_public());
        assert!(write_public_key(&path, &key().named_public()).is_err());
    }
}
