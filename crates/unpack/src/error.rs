//! Why an archive was refused, or why a tree could not be hashed.
//!
//! Each refusal is its own variant so that callers (the registry, the CLI,
//! tests) can tell a zip bomb from a path that climbs out of its folder
//! without reading message text. Every message names the entry or path it
//! is about and, where there is one, the next step for the person reading
//! it. Names taken from an archive are shown escaped (see
//! [`display_name`]) so that a hostile name cannot forge a second line or
//! hide its own bytes.

use std::path::PathBuf;

/// Everything [`crate::unpack`] and [`crate::tree_hash_dir`] can refuse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnpackError {
    /// The archive file holds no bytes at all.
    #[error("the archive is empty (0 bytes); fetch it again or check the source")]
    EmptyArchive,

    /// The archive is larger than [`crate::Limits::max_archive_bytes`].
    #[error(
        "the archive is {size} bytes, over the limit of {limit}; raise \
         max_archive_bytes in formulary.toml only if this extension really is this large"
    )]
    ArchiveTooLarge {
        /// Size of the archive in bytes.
        size: u64,
        /// The limit it broke.
        limit: u64,
    },

    /// The bytes cannot be read as a zip archive at all.
    #[error("the archive is not a readable zip file ({reason}); formulary accepts zip dists only")]
    NotAZip {
        /// What the reader stumbled on.
        reason: String,
    },

    /// The zip is readable but its structure is inconsistent in a way that
    /// different extractors could read differently.
    #[error("the archive's zip structure is inconsistent ({reason}); it is truncated or crafted")]
    Malformed {
        /// What did not add up.
        reason: String,
    },

    /// The archive lists more entries than [`crate::Limits::max_entries`].
    #[error(
        "the archive lists {count} entries, over the limit of {limit}; raise \
         max_entries in formulary.toml only if this extension really is this large"
    )]
    TooManyEntries {
        /// Entries the archive declares.
        count: u64,
        /// The limit it broke.
        limit: usize,
    },

    /// An entry name holds a NUL byte, which C-based extractors cut short.
    #[error(
        "entry `{entry}` has a NUL byte in its name; \
         refusing a name that extractors read differently"
    )]
    NulInName {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry name holds a control character (newline, escape, …).
    #[error("entry `{entry}` has a control character in its name; refusing it")]
    ControlCharInName {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry name is not valid UTF-8.
    #[error(
        "entry `{entry}` has a name that is not UTF-8; \
         refusing a name whose meaning depends on the extractor"
    )]
    NonUtf8Name {
        /// The entry, with invalid bytes replaced.
        entry: String,
    },

    /// An entry name is longer than [`crate::limits::MAX_NAME_BYTES`].
    #[error("entry `{entry}` has a name of {len} bytes, over the limit of {limit}")]
    NameTooLong {
        /// The entry, cut short for display.
        entry: String,
        /// Length of the name in bytes.
        len: usize,
        /// The limit it broke.
        limit: usize,
    },

    /// An entry name is absolute (`/etc/passwd`).
    #[error("entry `{entry}` has an absolute path; entries must be relative to the package root")]
    AbsolutePath {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry name has a `..` segment that would climb out of the folder.
    #[error("entry `{entry}` climbs out of the package folder with `..`; refusing it")]
    ParentDirSegment {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry name uses a backslash, a path separator on Windows.
    #[error("entry `{entry}` has a backslash in its name; zip paths must use `/`")]
    Backslash {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry name starts with a Windows drive letter (`C:`).
    #[error(
        "entry `{entry}` starts with a drive letter; entries must be relative to the package root"
    )]
    DriveLetter {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry name is empty or has an empty or `.` segment (`a//b`, `./a`).
    #[error(
        "entry `{entry}` has an empty or `.` path segment; refusing a name with two spellings"
    )]
    OddSegment {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry is a symbolic link, device, FIFO or socket.
    #[error("entry `{entry}` is a {kind}, not a regular file or directory; refusing it")]
    NotRegularFile {
        /// The entry, escaped.
        entry: String,
        /// What it is instead.
        kind: &'static str,
    },

    /// An entry's name, mode and DOS attributes disagree on whether it is a
    /// file or a directory, or a directory entry carries data: extractors
    /// that trust different signals would install different trees.
    #[error(
        "entry `{entry}` is ambiguous: {reason}; refusing what extractors would read differently"
    )]
    AmbiguousType {
        /// The entry, escaped.
        entry: String,
        /// Which signals disagree.
        reason: &'static str,
    },

    /// An entry is encrypted; we cannot inspect what we cannot read.
    #[error("entry `{entry}` is encrypted; formulary reviews only what it can read")]
    Encrypted {
        /// The entry, escaped.
        entry: String,
    },

    /// An entry uses a compression method other than stored or deflate.
    #[error(
        "entry `{entry}` uses compression method {method}; only stored and deflate are accepted"
    )]
    UnsupportedCompression {
        /// The entry, escaped.
        entry: String,
        /// The zip method number.
        method: u16,
    },

    /// Two entries have the same name.
    #[error("entry `{entry}` appears more than once; extractors disagree on which copy wins")]
    DuplicateEntry {
        /// The entry, escaped.
        entry: String,
    },

    /// Two entries differ only in letter case and would overwrite each
    /// other on a case-insensitive file system (macOS, Windows).
    #[error(
        "entry `{entry}` collides with `{other}` when letter case is ignored (macOS, Windows)"
    )]
    CaseCollision {
        /// The later entry.
        entry: String,
        /// The earlier entry it collides with.
        other: String,
    },

    /// A path is used both as a file and as a directory.
    #[error("entry `{entry}` is both a file and a directory in the archive")]
    FileDirConflict {
        /// The path, escaped.
        entry: String,
    },

    /// An entry carries a second, different name: the Info-ZIP Unicode path
    /// field or the local file header disagrees with the central directory.
    #[error(
        "entry `{entry}` carries a second, different name `{other}`; refusing an ambiguous name"
    )]
    AmbiguousName {
        /// The name in the header.
        entry: String,
        /// The other name it carries.
        other: String,
    },

    /// Two entries' data overlap in the archive: the trick behind
    /// non-recursive zip bombs.
    #[error(
        "entry `{entry}` shares its bytes with entry `{other}`; \
         refusing an overlapping (bomb-like) archive"
    )]
    OverlappingEntries {
        /// The later entry.
        entry: String,
        /// The entry it overlaps.
        other: String,
    },

    /// One entry holds more than [`crate::Limits::max_file_bytes`].
    #[error(
        "entry `{entry}` holds more than {limit} bytes uncompressed; raise \
         max_file_bytes in formulary.toml only if the file is legitimate"
    )]
    FileTooLarge {
        /// The entry, escaped.
        entry: String,
        /// The limit it broke.
        limit: u64,
    },

    /// The entries together hold more than [`crate::Limits::max_total_bytes`].
    #[error(
        "entry `{entry}` takes the archive past {limit} bytes uncompressed; raise \
         max_total_bytes in formulary.toml only if this extension really is this large"
    )]
    TotalTooLarge {
        /// The entry at which the total passed the limit.
        entry: String,
        /// The limit it broke.
        limit: u64,
    },

    /// An entry inflates more than [`crate::Limits::max_ratio`] times its
    /// compressed size.
    #[error(
        "entry `{entry}` inflates more than {limit} times its compressed size \
         ({compressed} bytes); this is how zip bombs look"
    )]
    RatioTooHigh {
        /// The entry, escaped.
        entry: String,
        /// Its compressed size in bytes.
        compressed: u64,
        /// The limit it broke.
        limit: u64,
    },

    /// An entry inflated to a size other than the one its header declares.
    #[error(
        "entry `{entry}` declares {declared} bytes but inflates to {actual}{more}; \
         the archive is corrupt or crafted",
        more = if *.stopped { " or more" } else { "" }
    )]
    SizeMismatch {
        /// The entry, escaped.
        entry: String,
        /// The size in the central directory.
        declared: u64,
        /// Bytes actually produced before we stopped or the entry ended.
        actual: u64,
        /// Whether we stopped inflating early (the entry was longer still).
        stopped: bool,
    },

    /// An entry's data could not be inflated (bad deflate stream, CRC
    /// mismatch, truncated archive).
    #[error("entry `{entry}` cannot be read ({reason}); the archive is corrupt")]
    CorruptEntry {
        /// The entry, escaped.
        entry: String,
        /// What the reader reported.
        reason: String,
    },

    /// No `composer.json` at the package root (after stripping a top folder).
    #[error(
        "the archive has no composer.json at its root{}; is this a Composer package?",
        inside(.stripped_prefix)
    )]
    MissingManifest {
        /// The top folder that was stripped, if one was.
        stripped_prefix: Option<String>,
    },

    /// `composer.json` is larger than [`crate::limits::MAX_MANIFEST_BYTES`].
    #[error(
        "composer.json is {size} bytes, over the limit of {limit}; \
         real manifests are a few kilobytes"
    )]
    ManifestTooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit it broke.
        limit: u64,
    },

    /// `composer.json` nests arrays or objects deeper than
    /// [`crate::Limits::max_json_depth`].
    #[error("composer.json nests deeper than {limit} levels; refusing it before parsing")]
    ManifestTooDeep {
        /// The limit it broke.
        limit: usize,
    },

    /// `composer.json` is not valid JSON or not a valid manifest.
    #[error("composer.json cannot be parsed: {reason}")]
    InvalidManifest {
        /// What the parser reported.
        reason: String,
    },

    /// `composer.json` has no valid `name`.
    #[error("composer.json has an invalid package name: {reason}")]
    InvalidPackageName {
        /// What the name check reported.
        reason: String,
    },

    /// `composer.json` has a `version` that Composer would not accept.
    #[error("composer.json has an invalid version: {reason}")]
    InvalidVersion {
        /// What the version check reported.
        reason: String,
    },

    /// `dest` is missing, not a directory, or not empty.
    #[error("destination {} must be an existing empty directory ({reason})", .path.display())]
    BadDestination {
        /// The destination given.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A tree being hashed holds a symbolic link.
    #[error(
        "{} is a symbolic link; an installed package folder must hold regular files only",
        .path.display()
    )]
    SymlinkInTree {
        /// The link.
        path: PathBuf,
    },

    /// A tree being hashed holds a device, FIFO or socket.
    #[error(
        "{} is not a regular file or directory; \
         an installed package folder must hold regular files only",
        .path.display()
    )]
    SpecialFileInTree {
        /// The odd file.
        path: PathBuf,
    },

    /// A tree being hashed holds a name the tree hash cannot spell
    /// (not UTF-8, a control character, a backslash).
    #[error("{} has a name the tree hash cannot represent ({reason})", .path.display())]
    UnhashablePath {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },

    /// Reading or writing the file system failed.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl UnpackError {
    /// Wraps an I/O error with what we were doing and where.
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        UnpackError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// " (inside top folder `x`)" when a top folder was stripped.
fn inside(stripped_prefix: &Option<String>) -> String {
    match stripped_prefix {
        Some(p) => format!(" (inside top folder `{p}`)"),
        None => String::new(),
    }
}

/// Renders raw entry-name bytes for a message: invalid UTF-8 replaced,
/// control characters escaped, so a name can never break the line it is
/// printed on.
pub(crate) fn display_name(raw: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(lossy.len());
    for c in lossy.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
