//! The extension as detectors see it: a list of paths and a way to read
//! one, from a folder on disk or from files already in memory.
//!
//! Listing a folder reads names only; each file's bytes are read by the
//! worker that scans it, so a 200 MB tree is never in memory at once.
//! We never follow symbolic links: a link in an extension could point at
//! `/etc` or at the registry's own data, and what it points to is not
//! part of what the vendor shipped. Version-control folders (`.git`, …)
//! are skipped too: their objects are history, not the shipped code.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::detector::Extension;

/// Folders whose contents are a tool's bookkeeping, not the extension.
const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".svn"];

/// A folder listed: every regular file's path, and the entries that
/// could not be listed.
#[derive(Debug, Default)]
pub struct Listing {
    /// Regular files, `/`-separated paths relative to the root, sorted.
    pub paths: Vec<String>,
    /// Entries (usually folders) that could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Entries that are neither a folder nor a regular file (links,
    /// pipes, sockets, devices), with what they are: never read, but
    /// named, so that a link planted in a folder is not passed over in
    /// silence.
    pub not_regular: Vec<(String, String)>,
}

/// Lists the regular files under `root`, without following links.
pub fn list(root: &Path) -> Listing {
    let mut listing = Listing::default();
    let walker = WalkDir::new(root).follow_links(false).sort_by_file_name();
    let entries = walker.into_iter().filter_entry(|e| !is_skipped_dir(e));
    for entry in entries {
        match entry {
            Ok(e) if e.file_type().is_file() => listing.paths.push(relative(root, e.path())),
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => {
                let what = if e.file_type().is_symlink() {
                    "a symbolic link, not followed"
                } else {
                    "not a regular file (a pipe, socket or device), not read"
                };
                tracing::debug!(path = %e.path().display(), what, "entry skipped");
                listing
                    .not_regular
                    .push((relative(root, e.path()), what.to_string()));
            }
            Err(err) => listing.unreadable.push(walk_problem(root, &err)),
        }
    }
    listing.paths.sort();
    listing
}

fn is_skipped_dir(entry: &walkdir::DirEntry) -> bool {
    let skip = entry.depth() > 0
        && entry.file_type().is_dir()
        && SKIPPED_DIRS.iter().any(|d| entry.file_name() == *d);
    if skip {
        tracing::debug!(path = %entry.path().display(), "version-control folder skipped");
    }
    skip
}

fn walk_problem(root: &Path, err: &walkdir::Error) -> (String, String) {
    let path = err
        .path()
        .map_or_else(|| ".".to_string(), |p| relative(root, p));
    let reason = err
        .io_error()
        .map_or_else(|| err.to_string(), |e| e.to_string());
    (path, reason)
}

/// `root/a/b.php` → `a/b.php`, with `/` separators on every platform.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// Why a file's bytes could not be had.
#[derive(Debug)]
pub enum ReadProblem {
    /// Larger than the limit; the size is given.
    TooLarge(u64),
    /// The system refused.
    Io(std::io::Error),
}

/// Reads a file of at most `max` bytes. The size is checked on the open
/// file and again while reading, so a file growing underneath us cannot
/// push past the limit.
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, ReadProblem> {
    let file = File::open(path).map_err(ReadProblem::Io)?;
    let size = file.metadata().map_err(ReadProblem::Io)?.len();
    if size > max {
        return Err(ReadProblem::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadProblem::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// An extension in a folder on disk.
pub struct DirExtension {
    root: PathBuf,
    paths: Vec<String>,
    max_bytes: u64,
}

impl DirExtension {
    /// The files `paths` (from [`list`]) under `root`; reads are capped at
    /// `max_bytes`.
    pub fn new(root: &Path, paths: Vec<String>, max_bytes: u64) -> DirExtension {
        DirExtension {
            root: root.to_path_buf(),
            paths,
            max_bytes,
        }
    }

    /// Where `path` is on disk.
    pub fn full_path(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }
}

impl Extension for DirExtension {
    fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Only listed paths can be read: a detector asking for `../x` or a
    /// link gets nothing.
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.paths.binary_search_by(|p| p.as_str().cmp(path)).ok()?;
        read_limited(&self.full_path(path), self.max_bytes).ok()
    }
}

/// An extension whose files are already in memory (tests, callers that
/// unpacked elsewhere).
pub struct MemExtension {
    paths: Vec<String>,
    files: BTreeMap<String, Vec<u8>>,
}

impl MemExtension {
    /// The extension made of `files` (path, bytes).
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> MemExtension {
        let files: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
        MemExtension {
            paths: files.keys().cloned().collect(),
            files,
        }
    }
}

impl Extension for MemExtension {
    fn paths(&self) -> &[String] {
        &self.paths
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.files.get(path).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_has_sorted_relative_paths_and_skips_git() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("Model/Sub"))?;
        std::fs::create_dir_all(dir.path().join(".git/objects"))?;
        std::fs::write(dir.path().join("Model/Sub/B.php"), "<?php")?;
        std::fs::write(dir.path().join("composer.json"), "{}")?;
        std::fs::write(dir.path().join(".git/objects/x"), "blob")?;
        let listing = list(dir.path());
        assert_eq!(listing.paths, ["Model/Sub/B.php", "composer.json"]);
        assert!(listing.unreadable.is_empty());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_not_followed() -> std::io::Result<()> {
        let outside = tempfile::tempdir()?;
        std::fs::write(outside.path().join("secret.txt"), "key")?;
        let dir = tempfile::tempdir()?;
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked"))?;
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("s"))?;
        let listing = list(dir.path());
        assert!(listing.paths.is_empty());
        let named: Vec<&str> = listing
            .not_regular
            .iter()
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(named, ["linked", "s"]);
        Ok(())
    }

    #[test]
    fn reads_stop_at_the_limit_and_outside_the_listing() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("big.js"), vec![b'a'; 100])?;
        let ext = DirExtension::new(dir.path(), vec!["big.js".into()], 10);
        assert!(matches!(
            read_limited(&ext.full_path("big.js"), 10),
            Err(ReadProblem::TooLarge(100))
        ));
        assert!(ext.read("../big.js").is_none());
        Ok(())
    }
}
