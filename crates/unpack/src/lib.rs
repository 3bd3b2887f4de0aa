//! Safe unpacking of Composer dist archives into a file tree, with limits,
//! and the tree hash that names the result.
//!
//! This is the second stage of formulary's pipeline: `fetch` hands us the
//! archive bytes, we turn them into a tree that `scan` and `diff` read.
//! The archive comes from someone we have not yet decided to trust, so
//! unpacking is built to refuse rather than to repair. Nothing is written
//! outside `dest`; every name, type and size is checked before the first
//! byte is written (see `plan`), and real sizes are counted again while
//! inflating (see `extract`). Each refusal is a distinct [`UnpackError`]
//! naming the entry.
//!
//! ```no_run
//! use formulary_unpack::{unpack, Limits};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let archive = std::fs::read("acme-module-1.2.3.zip")?;
//! let dest = std::path::Path::new("/tmp/formulary-unpack-1"); // existing, empty
//! let unpacked = unpack(&archive, dest, &Limits::default())?;
//! println!("{} {}", unpacked.manifest.name, unpacked.tree_hash);
//! # Ok(())
//! # }
//! ```

mod cdir;
mod entry;
mod error;
mod extract;
mod layout;
pub mod limits;
mod manifest;
mod plan;
mod tree;

#[cfg(test)]
mod tests;

use std::fs;
use std::io::Cursor;
use std::path::Path;

use formulary_composer::ComposerJson;
use tracing::debug;

pub use error::UnpackError;
pub use limits::Limits;
pub use tree::{list_tree, tree_hash, tree_hash_dir, UnpackedFile};

/// A package unpacked into `dest`.
#[derive(Debug, Clone)]
pub struct Unpacked {
    /// Every regular file written, sorted by path.
    pub files: Vec<UnpackedFile>,
    /// The tree hash of `files` (see [`tree_hash`]).
    pub tree_hash: String,
    /// The parsed `composer.json` from the package root.
    pub manifest: ComposerJson,
    /// The bytes of that `composer.json`, as they are in the archive.
    pub manifest_bytes: Vec<u8>,
    /// The single top folder stripped from every path, if there was one.
    pub stripped_prefix: Option<String>,
    /// Uncompressed bytes written, all files together.
    pub total_bytes: u64,
}

/// Unpacks a zip archive into `dest`, an existing empty directory.
///
/// We write nothing outside `dest`. When the archive is refused after
/// writing has begun (a limit passed while inflating, a bad manifest), we
/// empty `dest` again before returning the error, so a refused archive
/// leaves nothing behind.
pub fn unpack(archive: &[u8], dest: &Path, limits: &Limits) -> Result<Unpacked, UnpackError> {
    check_dest(dest)?;
    check_archive_size(archive, limits)?;
    let directory = cdir::read(archive, limits.max_entries)?;
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).map_err(|e| UnpackError::NotAZip {
        reason: e.to_string(),
    })?;
    let plan = plan::build(archive, &directory, &mut zip, limits)?;
    debug!(
        entries = plan.entries.len(),
        "archive passed every declared check"
    );
    write_and_read(&plan, &mut zip, dest, limits).inspect_err(|err| {
        debug!(%err, "refused while writing; emptying the destination");
        empty_dir(dest);
    })
}

/// The steps that write: extraction, then the manifest it carried.
fn write_and_read(
    plan: &plan::Plan,
    zip: &mut plan::Zip,
    dest: &Path,
    limits: &Limits,
) -> Result<Unpacked, UnpackError> {
    let mut out = extract::extract(plan, zip, dest, limits)?;
    let manifest = manifest::parse(&out.manifest, limits)?;
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Unpacked {
        tree_hash: tree_hash(&out.files),
        files: out.files,
        manifest,
        manifest_bytes: out.manifest,
        stripped_prefix: plan.stripped_prefix.clone(),
        total_bytes: out.total,
    })
}

fn check_dest(dest: &Path) -> Result<(), UnpackError> {
    let bad = |reason| UnpackError::BadDestination {
        path: dest.to_path_buf(),
        reason,
    };
    let meta = fs::metadata(dest).map_err(|_| bad("it does not exist"))?;
    if !meta.is_dir() {
        return Err(bad("it is not a directory"));
    }
    let mut items = fs::read_dir(dest).map_err(|e| UnpackError::io("list", dest, e))?;
    if items.next().is_some() {
        return Err(bad("it is not empty"));
    }
    Ok(())
}

fn check_archive_size(archive: &[u8], limits: &Limits) -> Result<(), UnpackError> {
    let size = archive.len() as u64;
    if size == 0 {
        return Err(UnpackError::EmptyArchive);
    }
    if size > limits.max_archive_bytes {
        return Err(UnpackError::ArchiveTooLarge {
            size,
            limit: limits.max_archive_bytes,
        });
    }
    Ok(())
}

/// Removes everything inside `dest` (but not `dest`, which the caller
/// made). Best effort: we are already reporting a refusal.
fn empty_dir(dest: &Path) {
    let Ok(items) = fs::read_dir(dest) else {
        return;
    };
    for item in items.flatten() {
        let path = item.path();
        let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
        let removed = if is_dir {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        if let Err(err) = removed {
            debug!(path = %path.display(), %err, "could not remove after a refusal");
        }
    }
}
