//! Writing the planned tree into `dest`: one pass per file that inflates,
//! counts, hashes and writes.
//!
//! We never trust the sizes the archive declared: while inflating we count
//! the real bytes of each entry and stop at the first chunk that passes
//! the per-file limit, the total limit, the ratio limit or the entry's own
//! declared size (a bomb that lies about its size is caught at the size it
//! claimed). Data moves through one 64 KiB buffer, so memory stays flat
//! whatever the archive holds. Paths were checked by `plan`; here we only
//! create directories inside `dest` and files with `create_new`, which
//! refuses to open anything that already exists, a planted symlink
//! included. Files get mode 0644 whatever the archive says: nothing we
//! unpack is executable.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::entry::Kind;
use crate::error::UnpackError;
use crate::limits::Limits;
use crate::plan::{self, Plan, Planned, Zip, MANIFEST};
use crate::tree::UnpackedFile;

/// Bytes moved per read, hash update and write.
const CHUNK: usize = 64 * 1024;

/// What extraction produced.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    /// Every file written, in archive order.
    pub files: Vec<UnpackedFile>,
    /// The bytes of `composer.json`, kept as they streamed past.
    pub manifest: Vec<u8>,
    /// Uncompressed bytes written in all.
    pub total: u64,
}

/// Creates the planned directories and writes every file.
pub(crate) fn extract(
    plan: &Plan,
    zip: &mut Zip,
    dest: &Path,
    limits: &Limits,
) -> Result<Extracted, UnpackError> {
    make_dirs(plan, dest)?;
    let mut buf = vec![0u8; CHUNK];
    let mut out = Extracted::default();
    for entry in plan.entries.iter().filter(|e| e.kind == Kind::File) {
        let file = write_entry(entry, zip, dest, limits, &mut out, &mut buf)?;
        out.total += file.size;
        out.files.push(file);
    }
    Ok(out)
}

/// Creates every directory the plan names or implies, parents first
/// (a sorted set puts `a` before `a/b`).
fn make_dirs(plan: &Plan, dest: &Path) -> Result<(), UnpackError> {
    let mut dirs = std::collections::BTreeSet::new();
    for e in &plan.entries {
        for (cut, _) in e.path.match_indices('/') {
            dirs.insert(&e.path[..cut]);
        }
        if e.kind == Kind::Dir {
            dirs.insert(e.path.as_str());
        }
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    for dir in dirs {
        let path = dest.join(dir);
        builder
            .create(&path)
            .map_err(|e| UnpackError::io("create directory", &path, e))?;
    }
    Ok(())
}

/// Inflates one entry into its file while hashing it.
fn write_entry(
    entry: &Planned,
    zip: &mut Zip,
    dest: &Path,
    limits: &Limits,
    out: &mut Extracted,
    buf: &mut [u8],
) -> Result<UnpackedFile, UnpackError> {
    let mut reader = zip.by_index(entry.index).map_err(|e| corrupt(entry, e))?;
    let path = dest.join(&entry.path);
    let mut file = create_file(&path)?;
    let mut meter = Meter::new(entry, limits, out.total);
    let mut hasher = Sha256::new();
    let keep = entry.path == MANIFEST;
    loop {
        let n = fill(&mut reader, buf).map_err(|e| corrupt(entry, e))?;
        if n == 0 {
            break;
        }
        meter.add(n)?;
        let chunk = &buf[..n];
        hasher.update(chunk);
        file.write_all(chunk)
            .map_err(|e| UnpackError::io("write", &path, e))?;
        if keep {
            out.manifest.extend_from_slice(chunk);
        }
    }
    meter.finish()?;
    Ok(UnpackedFile {
        path: entry.path.clone(),
        size: meter.read,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Opens a new file for writing with mode 0644, refusing one that exists.
fn create_file(path: &Path) -> Result<File, UnpackError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    let file = options
        .open(path)
        .map_err(|e| UnpackError::io("create file", path, e))?;
    // The umask may have taken bits away; we want exactly 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o644))
            .map_err(|e| UnpackError::io("set permissions on", path, e))?;
    }
    Ok(file)
}

/// Reads until `buf` is full or the entry ends, so that each write and
/// hash update works on a whole chunk.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Counts the real bytes of one entry against every limit.
struct Meter<'a> {
    entry: &'a Planned,
    limits: &'a Limits,
    total_before: u64,
    read: u64,
}

impl<'a> Meter<'a> {
    fn new(entry: &'a Planned, limits: &'a Limits, total_before: u64) -> Self {
        Meter {
            entry,
            limits,
            total_before,
            read: 0,
        }
    }

    /// Counts `n` more bytes; refuses as soon as any limit is passed.
    fn add(&mut self, n: usize) -> Result<(), UnpackError> {
        self.read += n as u64;
        plan::check_one_size(self.entry, self.read, self.limits)?;
        if self.total_before + self.read > self.limits.max_total_bytes {
            return Err(UnpackError::TotalTooLarge {
                entry: self.entry.entry.clone(),
                limit: self.limits.max_total_bytes,
            });
        }
        if self.read > self.entry.size {
            return Err(self.mismatch(true));
        }
        Ok(())
    }

    /// The entry ended: it must have been exactly as long as declared.
    fn finish(&self) -> Result<(), UnpackError> {
        if self.read == self.entry.size {
            return Ok(());
        }
        Err(self.mismatch(false))
    }

    fn mismatch(&self, stopped: bool) -> UnpackError {
        UnpackError::SizeMismatch {
            entry: self.entry.entry.clone(),
            declared: self.entry.size,
            actual: self.read,
            stopped,
        }
    }
}

fn corrupt(e: &Planned, err: impl std::fmt::Display) -> UnpackError {
    UnpackError::CorruptEntry {
        entry: e.entry.clone(),
        reason: err.to_string(),
    }
}
