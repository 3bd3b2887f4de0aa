//! The tree hash: one digest for a whole file tree, computed the same way
//! for a freshly unpacked archive and for a package folder installed under
//! `vendor/`, so that `formulary verify` can check the second against the
//! first.
//!
//! # Format
//!
//! For every regular file, one line
//!
//! ```text
//! <sha256 of the file's bytes, 64 lowercase hex digits><two spaces><path>\n
//! ```
//!
//! where `<path>` is relative to the tree's root, `/`-separated, UTF-8,
//! without a leading `./`. Lines are ordered by the bytes of `<path>`
//! (plain byte order, as `LC_ALL=C sort` orders them). The tree hash is the
//! SHA-256 of the concatenated lines, as 64 lowercase hex digits.
//! Directories contribute nothing of their own, so empty directories do
//! not count; file modes and times do not count either.
//!
//! The lines are exactly what `sha256sum` prints, so anyone can recompute
//! a tree hash without formulary:
//!
//! ```text
//! cd DIR && find . -type f -printf '%P\0' | LC_ALL=C sort -z \
//!   | xargs -0 sha256sum | sha256sum
//! ```
//!
//! Paths holding a newline, a backslash or another control character would
//! make `sha256sum` escape its output and could forge a line, so
//! [`tree_hash_dir`] refuses them (and [`crate::unpack`] never writes
//! them).

use std::fs::{self, File};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::UnpackError;

/// One file of an unpacked tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnpackedFile {
    /// Path relative to the tree's root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the contents, lowercase hex.
    pub sha256: String,
}

/// The tree hash of a list of files (see the module docs for the format).
/// The order of `files` does not matter.
pub fn tree_hash(files: &[UnpackedFile]) -> String {
    let mut sorted: Vec<&UnpackedFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut hasher = Sha256::new();
    for file in sorted {
        hasher.update(file.sha256.as_bytes());
        hasher.update(b"  ");
        hasher.update(file.path.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// The tree hash of an installed folder, such as `vendor/acme/module`.
///
/// Every regular file below `dir` counts; nothing is skipped. A symbolic
/// link (including `dir` itself), a device, FIFO or socket, or a name the
/// format cannot carry is an error: the folder is not one formulary could
/// have unpacked.
pub fn tree_hash_dir(dir: &Path) -> Result<String, UnpackError> {
    Ok(tree_hash(&list_tree(dir)?))
}

/// Every regular file below `dir` with its size and sha256, under the
/// same rules as [`tree_hash_dir`]; `formulary verify` uses the list to
/// name the files that differ from an approved version.
pub fn list_tree(dir: &Path) -> Result<Vec<UnpackedFile>, UnpackError> {
    let meta = fs::symlink_metadata(dir).map_err(|e| UnpackError::io("read", dir, e))?;
    if meta.file_type().is_symlink() {
        return Err(UnpackError::SymlinkInTree {
            path: dir.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        for item in fs::read_dir(&folder).map_err(|e| UnpackError::io("list", &folder, e))? {
            let item = item.map_err(|e| UnpackError::io("list", &folder, e))?;
            let path = item.path();
            let rel = format!("{prefix}{}", hashable_name(&path, &item.file_name())?);
            let kind = item
                .file_type()
                .map_err(|e| UnpackError::io("read", &path, e))?;
            if kind.is_dir() {
                pending.push((path, format!("{rel}/")));
            } else if kind.is_file() {
                files.push(hash_file(&path, rel, &mut buf)?);
            } else {
                return Err(special(path, kind.is_symlink()));
            }
        }
    }
    Ok(files)
}

/// A name's UTF-8 text, if the tree hash format can carry it.
fn hashable_name<'a>(path: &Path, name: &'a std::ffi::OsStr) -> Result<&'a str, UnpackError> {
    let refuse = |reason| UnpackError::UnhashablePath {
        path: path.to_path_buf(),
        reason,
    };
    let name = name.to_str().ok_or_else(|| refuse("not UTF-8"))?;
    if name.chars().any(char::is_control) {
        return Err(refuse("a control character"));
    }
    if name.contains('\\') {
        return Err(refuse("a backslash"));
    }
    Ok(name)
}

fn special(path: PathBuf, symlink: bool) -> UnpackError {
    if symlink {
        UnpackError::SymlinkInTree { path }
    } else {
        UnpackError::SpecialFileInTree { path }
    }
}

/// Hashes one file in 64 KiB chunks.
fn hash_file(path: &Path, rel: String, buf: &mut [u8]) -> Result<UnpackedFile, UnpackError> {
    let mut file = File::open(path).map_err(|e| UnpackError::io("open", path, e))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(UnpackError::io("read", path, e)),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(UnpackedFile {
        path: rel,
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}
