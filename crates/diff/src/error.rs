//! What can stop a diff: a side that cannot be loaded at all. A file that
//! cannot be read is not an error; it is listed in the report as not
//! compared, and the diff goes on.

use std::path::PathBuf;

use thiserror::Error;

/// A side could not be loaded or compared.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The path is not a folder we can read.
    #[error("{}: {reason}; give a folder or a .zip of an extension", path.display())]
    NotAFolder {
        /// The path given.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// The path cannot be read as an archive: missing, not a regular
    /// file (a pipe or device is never read), or over the size limit.
    #[error("{}: {reason}", path.display())]
    NotAnArchive {
        /// The path given.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// The archive was refused while unpacking (not a zip, over a limit,
    /// an entry escaping its folder, …).
    #[error("{label}: {source}")]
    Unpack {
        /// The side, as the user named it.
        label: String,
        /// What the unpacker said.
        source: formulary_unpack::UnpackError,
    },

    /// The side could not be scanned at all.
    #[error("{label}: {source}")]
    Scan {
        /// The side, as the user named it.
        label: String,
        /// What the scanner said.
        source: formulary_scan::ScanError,
    },

    /// A folder's `composer.json` is there but not readable JSON.
    #[error("{}: {reason}; fix the file or diff the folders without it", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    /// The private folder to unpack into could not be made.
    #[error("cannot make a private temporary folder in {}: {source}", std::env::temp_dir().display())]
    Scratch {
        /// What the system said.
        source: std::io::Error,
    },
}
