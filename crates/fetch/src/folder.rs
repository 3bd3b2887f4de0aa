//! Deterministic zips, for folders and git trees.
//!
//! A folder or a git ref has no archive of its own, yet everything
//! downstream (the blob store, the SHA-1 Composer checks, the approval that
//! names a digest) needs bytes that stay the same when the same content is
//! fetched again. So the archive depends on the file paths and contents
//! only: entries sorted by path, every timestamp 1980-01-01 00:00 (the
//! earliest a zip can hold), every file mode 0644, deflate at a fixed level,
//! no directory entries. `.git` is left out and symlinks are refused: a link
//! can point outside the package, and what it points to would not be what
//! the reviewer sees.

use crate::error::FetchError;
use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::{Component, Path};
use walkdir::WalkDir;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Collects (path, bytes) pairs and writes them as a deterministic zip.
///
/// It holds at most `max_bytes` of file content: a folder or a repository
/// is as untrusted as an archive, and without a cap a huge tree would be
/// read whole into memory before unpacking's limits ever saw it.
pub(crate) struct DeterministicZip {
    entries: BTreeMap<String, Vec<u8>>,
    total: u64,
    max_bytes: u64,
}

impl DeterministicZip {
    /// An empty archive that refuses more than `max_bytes` of content.
    pub(crate) fn new(max_bytes: u64) -> DeterministicZip {
        DeterministicZip {
            entries: BTreeMap::new(),
            total: 0,
            max_bytes,
        }
    }

    /// Checks that `len` more bytes fit, before they are read.
    pub(crate) fn reserve(&mut self, source_name: &str, len: u64) -> Result<(), FetchError> {
        self.total = self.total.saturating_add(len);
        if self.total > self.max_bytes {
            return Err(FetchError::TreeTooLarge {
                source_name: source_name.to_string(),
                limit: self.max_bytes,
            });
        }
        Ok(())
    }

    /// Adds a file whose size was reserved; `path` is relative and
    /// `/`-separated.
    pub(crate) fn add(&mut self, path: String, bytes: Vec<u8>) {
        self.entries.insert(path, bytes);
    }

    /// Writes the zip. `source_name` only names the source in errors.
    pub(crate) fn finish(self, source_name: &str) -> Result<Vec<u8>, FetchError> {
        let fail = |e: &dyn std::fmt::Display| FetchError::Archive {
            source_name: source_name.to_string(),
            message: e.to_string(),
        };
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (path, bytes) in &self.entries {
            zip.start_file(path.as_str(), file_options(bytes.len()))
                .map_err(|e| fail(&e))?;
            zip.write_all(bytes).map_err(|e| fail(&e))?;
        }
        let cursor = zip.finish().map_err(|e| fail(&e))?;
        Ok(cursor.into_inner())
    }
}

fn file_options(len: usize) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .large_file(len as u64 >= u64::from(u32::MAX))
}

/// Archives a folder deterministically: the same folder content always
/// gives the same bytes.
pub(crate) fn archive_folder(root: &Path, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    if !root.is_dir() {
        let source = std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder");
        return Err(FetchError::Io {
            path: root.to_path_buf(),
            source,
        });
    }
    let name = root.display().to_string();
    let mut zip = DeterministicZip::new(max_bytes);
    let walker = WalkDir::new(root).follow_links(false).into_iter();
    for entry in walker.filter_entry(|e| e.depth() == 0 || e.file_name() != ".git") {
        let entry = entry.map_err(|e| walk_error(root, e))?;
        if entry.depth() == 0 {
            continue;
        }
        let relative = relative_path(root, entry.path())?;
        let kind = entry.file_type();
        if kind.is_symlink() {
            return Err(FetchError::Symlink { path: relative });
        }
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(FetchError::SpecialFile { path: relative });
        }
        refuse_registry_files(root, &relative)?;
        let len = entry.metadata().map_or(0, |m| m.len());
        zip.reserve(&name, len)?;
        let bytes = std::fs::read(entry.path()).map_err(|source| FetchError::Io {
            path: entry.path().to_path_buf(),
            source,
        })?;
        zip.add(relative, bytes);
    }
    zip.finish(&name)
}

/// Refuses a folder that holds a formulary data folder: `ingest .` run
/// beside `registry-data/` would otherwise archive the registry's private
/// key and database into a world-readable blob.
fn refuse_registry_files(root: &Path, relative: &str) -> Result<(), FetchError> {
    let file = relative.rsplit('/').next().unwrap_or(relative);
    let is_key = relative.ends_with("keys/registry.key");
    if file == "db.lock" || file == "db.holder" || is_key {
        let at = relative.rsplit_once('/').map_or("", |(dir, _)| dir);
        let at = at.trim_end_matches("/keys");
        return Err(FetchError::RegistryInside {
            folder: root.to_path_buf(),
            data: if at.is_empty() {
                ".".to_string()
            } else {
                at.to_string()
            },
        });
    }
    Ok(())
}

/// `path` under `root`, `/`-separated, refusing names that are not UTF-8.
fn relative_path(root: &Path, path: &Path) -> Result<String, FetchError> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut parts = Vec::new();
    for component in relative.components() {
        if let Component::Normal(name) = component {
            let name = name.to_str().ok_or_else(|| FetchError::NonUtf8Path {
                path: relative.to_string_lossy().into_owned(),
            })?;
            parts.push(name);
        }
    }
    Ok(parts.join("/"))
}

fn walk_error(root: &Path, error: walkdir::Error) -> FetchError {
    let path = error.path().unwrap_or(root).to_path_buf();
    let message = error.to_string();
    let source = error
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other(message));
    FetchError::Io { path, source }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Read;

    fn names_and_modes(bytes: &[u8]) -> Vec<(String, Option<u32>, String)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).unwrap();
                (file.name().to_string(), file.unix_mode(), text)
            })
            .collect()
    }

    #[test]
    fn entries_are_sorted_with_fixed_mode_and_time() {
        let mut zip = DeterministicZip::new(u64::MAX);
        zip.add("src/b.php".into(), b"b".to_vec());
        zip.add("composer.json".into(), b"{}".to_vec());
        zip.add("src/a.php".into(), b"a".to_vec());
        let bytes = zip.finish("test").unwrap();
        let entries = names_and_modes(&bytes);
        let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["composer.json", "src/a.php", "src/b.php"]);
        assert!(entries.iter().all(|e| e.1 == Some(0o100644)), "{entries:?}");
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let first = archive.by_index(0).unwrap();
        assert_eq!(
            first
                .last_modified()
                .map(|t| (t.year(), t.month(), t.day())),
            Some((1980, 1, 1))
        );
    }

    #[test]
    fn insertion_order_does_not_change_the_bytes() {
        let mut one = DeterministicZip::new(u64::MAX);
        one.add("a".into(), b"1".to_vec());
        one.add("b".into(), b"2".to_vec());
        let mut two = DeterministicZip::new(u64::MAX);
        two.add("b".into(), b"2".to_vec());
        two.add("a".into(), b"1".to_vec());
        assert_eq!(one.finish("x").unwrap(), two.finish("x").unwrap());
    }
}
