//! One side of a diff: a file tree, its scan report and its manifest.
//!
//! A folder is used where it is. A zip is unpacked under the same limits
//! as ingest into a private (0700) temporary folder that lives as long as
//! the [`LoadedSide`] holding it, so what is compared is exactly what
//! ingest would store and nothing of it outlives the diff.

use std::io::Read as _;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use formulary_scan::{ScanReport, Scanner};
use formulary_unpack::Limits;
use serde_json::Value;
use tempfile::TempDir;

use crate::error::DiffError;

/// `composer.json` files larger than this are not read from a folder.
/// Real manifests are a few kilobytes; the unpacker applies its own,
/// stricter checks to archives.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// One version of an extension, ready to compare.
#[derive(Debug, Clone)]
pub struct Side {
    /// How the report names it: `acme/rx@1.0.0`, or a path as typed.
    pub label: String,
    /// The folder holding its files.
    pub root: PathBuf,
    /// Its scan: made here, or the one the registry stored at ingest.
    pub scan: ScanReport,
    /// Its `composer.json`, or `null` for a folder without one.
    pub manifest: Value,
}

/// A [`Side`] and the temporary folder its files live in, if any; the
/// folder is removed when this is dropped.
#[derive(Debug)]
pub struct LoadedSide {
    side: Side,
    _scratch: Option<TempDir>,
}

impl Deref for LoadedSide {
    type Target = Side;

    fn deref(&self) -> &Side {
        &self.side
    }
}

impl LoadedSide {
    /// The side itself.
    pub fn side(&self) -> &Side {
        &self.side
    }
}

/// A file tree not yet scanned: a folder, or an unpacked archive.
#[derive(Debug)]
pub struct Tree {
    root: PathBuf,
    scratch: Option<TempDir>,
    manifest: Option<Value>,
}

impl Tree {
    /// A folder on disk, used in place.
    pub fn folder(path: &Path) -> Result<Tree, DiffError> {
        let meta = std::fs::symlink_metadata(path).map_err(|e| DiffError::NotAFolder {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !meta.is_dir() {
            return Err(DiffError::NotAFolder {
                path: path.to_path_buf(),
                reason: "not a folder (a symbolic link is not followed)".to_string(),
            });
        }
        Ok(Tree {
            root: path.to_path_buf(),
            scratch: None,
            manifest: None,
        })
    }

    /// The zip at `path`, read only when it is a regular file within
    /// `limits.max_archive_bytes` (a pipe or `/dev/zero` would otherwise
    /// be read without end), then unpacked as [`Tree::unpack`] does.
    pub fn archive(path: &Path, label: &str, limits: &Limits) -> Result<Tree, DiffError> {
        let refuse = |reason: String| DiffError::NotAnArchive {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                refuse("no such file or folder, and not vendor/name@version".to_string())
            }
            _ => refuse(format!("{e}; give a folder, a .zip or vendor/name@version")),
        })?;
        if !meta.is_file() {
            return Err(refuse("not a regular file, so not read".to_string()));
        }
        let limit = limits.max_archive_bytes;
        if meta.len() > limit {
            return Err(refuse(format!(
                "{} bytes, over the archive limit of {limit}",
                meta.len()
            )));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(|e| refuse(e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(refuse(format!(
                "grew past the archive limit of {limit} while read"
            )));
        }
        Tree::unpack(&bytes, label, limits)
    }

    /// A zip archive, unpacked under `limits` into a private temporary
    /// folder. `label` names the side in errors.
    pub fn unpack(bytes: &[u8], label: &str, limits: &Limits) -> Result<Tree, DiffError> {
        let scratch = scratch_dir()?;
        let unpacked =
            formulary_unpack::unpack(bytes, scratch.path(), limits).map_err(|source| {
                DiffError::Unpack {
                    label: label.to_string(),
                    source,
                }
            })?;
        // The unpacker has checked the manifest is a JSON object.
        let manifest = serde_json::from_slice(&unpacked.manifest_bytes).unwrap_or(Value::Null);
        Ok(Tree {
            root: scratch.path().to_path_buf(),
            scratch: Some(scratch),
            manifest: Some(manifest),
        })
    }

    /// The folder holding the files.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Scans the tree and makes it a side named `label`.
    pub fn scanned(self, label: &str, scanner: &Scanner) -> Result<LoadedSide, DiffError> {
        let scan = scanner
            .scan_dir(&self.root)
            .map_err(|source| DiffError::Scan {
                label: label.to_string(),
                source,
            })?;
        let manifest = match &self.manifest {
            Some(manifest) => manifest.clone(),
            None => read_manifest(&self.root)?,
        };
        Ok(self.into_side(label, scan, manifest))
    }

    /// Makes the tree a side with a scan and manifest known already (the
    /// registry's stored ones).
    pub fn with_scan(self, label: &str, scan: ScanReport, manifest: Value) -> LoadedSide {
        self.into_side(label, scan, manifest)
    }

    fn into_side(self, label: &str, scan: ScanReport, manifest: Value) -> LoadedSide {
        LoadedSide {
            side: Side {
                label: label.to_string(),
                root: self.root,
                scan,
                manifest,
            },
            _scratch: self.scratch,
        }
    }
}

/// A private (0700) folder that disappears when dropped.
fn scratch_dir() -> Result<TempDir, DiffError> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix("formulary-diff-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .map_err(|source| DiffError::Scratch { source })
}

/// A folder's `composer.json`, or `null` when it has none. A link is not
/// followed, as the scanner does not follow one.
fn read_manifest(root: &Path) -> Result<Value, DiffError> {
    let path = root.join("composer.json");
    let bad = |reason: String| DiffError::Manifest {
        path: path.clone(),
        reason,
    };
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {}
        _ => return Ok(Value::Null),
    }
    use formulary_scan::tree::{read_limited, ReadProblem};
    let bytes = read_limited(&path, MAX_MANIFEST_BYTES).map_err(|problem| match problem {
        ReadProblem::TooLarge(size) => bad(format!(
            "{size} bytes, over the {MAX_MANIFEST_BYTES} a manifest may have"
        )),
        ReadProblem::Io(err) => bad(err.to_string()),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| bad(format!("not JSON: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_pipe_or_device_is_never_read_as_an_archive() {
        let err = Tree::archive(Path::new("/dev/zero"), "zero", &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn a_folder_without_a_manifest_has_a_null_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.php"), "<?php\n").unwrap();
        assert_eq!(read_manifest(dir.path()).unwrap(), Value::Null);
    }

    #[test]
    fn a_broken_manifest_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("composer.json"), "{nope").unwrap();
        let err = read_manifest(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("composer.json") && err.contains("not JSON"),
            "{err}"
        );
    }

    #[test]
    fn a_file_is_not_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.zip");
        std::fs::write(&file, "PK").unwrap();
        let err = Tree::folder(&file).unwrap_err().to_string();
        assert!(err.contains("not a folder"), "{err}");
    }

    #[test]
    fn an_unpacked_archive_lives_as_long_as_its_side() {
        let zip = {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            w.start_file("top/composer.json", options).unwrap();
            w.write_all(br#"{"name": "acme/rx", "version": "1.0.0"}"#)
                .unwrap();
            w.finish().unwrap().into_inner()
        };
        let tree = Tree::unpack(&zip, "x.zip", &Limits::default()).unwrap();
        let side = tree.with_scan("x", ScanReport::default(), Value::Null);
        let root = side.root.clone();
        assert!(root.join("composer.json").is_file(), "top folder stripped");
        drop(side);
        assert!(!root.exists(), "the scratch folder goes with the side");
    }
}
