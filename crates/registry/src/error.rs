//! What can go wrong in the registry, each case naming the thing involved
//! and what to do next.

use std::path::PathBuf;

use thiserror::Error;

/// A registry operation that could not be done. Nothing was changed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The data folder has no `formulary.toml`.
    #[error("no registry in {}: run `formulary init` first, or pass --data DIR", dir.display())]
    NotInitialised {
        /// The folder looked in.
        dir: PathBuf,
    },

    /// `init` found a registry already there.
    #[error("{} already holds a registry; use it, or pick another folder with --data", dir.display())]
    AlreadyInitialised {
        /// The folder looked in.
        dir: PathBuf,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },

    /// `formulary.toml` is not valid.
    #[error("{}: {reason}; fix the file (`formulary init` in an empty folder shows every setting)", path.display())]
    Config {
        /// The settings file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },

    /// The source could not be fetched.
    #[error(transparent)]
    Fetch(#[from] formulary_fetch::FetchError),

    /// The archive was refused while unpacking.
    #[error(transparent)]
    Unpack(#[from] formulary_unpack::UnpackError),

    /// The unpacked archive could not be scanned at all (a file the
    /// scanner cannot read is a finding, not this error).
    #[error("could not scan the unpacked archive: {0}")]
    Scan(#[from] formulary_scan::ScanError),

    /// Two versions could not be compared.
    #[error("cannot diff: {0}")]
    Diff(#[from] formulary_diff::DiffError),

    /// A stored scan no longer reads as a scan report.
    #[error(
        "{package} {version}: the scan stored at ingest cannot be read ({reason}); \
         run `formulary log verify` to check the store"
    )]
    StoredScan {
        /// The package.
        package: String,
        /// The version.
        version: String,
        /// What the parser said.
        reason: String,
    },

    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] formulary_store::StoreError),

    /// The registry key could not be made or read.
    #[error(transparent)]
    Key(#[from] formulary_trust::KeyFileError),

    /// Neither `composer.json` nor the source says which version this is.
    #[error(
        "{package}: composer.json has no \"version\" and the source names none; \
         add one to composer.json, or ingest from a git tag or a Composer repository"
    )]
    NoVersion {
        /// The package name from `composer.json`.
        package: String,
    },

    /// The version in `composer.json` disagrees with the source's.
    #[error(
        "{package}: composer.json says version {manifest} but the source says {source_version}; \
         the archive is not what it claims to be"
    )]
    VersionMismatch {
        /// The package name.
        package: String,
        /// What `composer.json` says.
        manifest: String,
        /// What the source (tag, repository metadata) says.
        source_version: String,
    },

    /// The name in `composer.json` disagrees with the one asked for.
    #[error(
        "the archive for {expected} contains composer.json for {found}; \
         the upstream served the wrong package"
    )]
    NameMismatch {
        /// The name the source was asked for.
        expected: String,
        /// The name inside the archive.
        found: String,
    },

    /// A version string from the source is not a Composer version.
    #[error(transparent)]
    Version(#[from] formulary_composer::VersionError),

    /// The same name and version were stored before with other bytes.
    #[error(
        "{package} {version} is already stored with sha256 {stored}, and this archive has \
         sha256 {offered}: a version's bytes never change; ask the vendor why, and publish \
         a new version number instead"
    )]
    Conflict {
        /// The package name.
        package: String,
        /// The version.
        version: String,
        /// sha256 of the stored archive.
        stored: String,
        /// sha256 of the refused archive.
        offered: String,
    },

    /// A version string holds whitespace or control characters.
    #[error(
        "version \"{version}\" holds whitespace, control characters or nothing after `dev-`; \
         formulary refuses versions that could forge output lines"
    )]
    OddVersion {
        /// The version, escaped for printing.
        version: String,
    },

    /// A statement the review rules refuse.
    #[error(transparent)]
    Refused(#[from] crate::refusal::Refusal),

    /// A package name that Composer would not accept.
    #[error(transparent)]
    Name(#[from] formulary_composer::NameError),

    /// A version the registry does not hold.
    #[error("{package} {version} is not stored in this registry; see `formulary review list`")]
    UnknownVersion {
        /// The package.
        package: String,
        /// The version asked for.
        version: String,
    },

    /// A key the registry does not know.
    #[error("key {0} is not known to this registry; see `formulary key list`")]
    UnknownKey(String),

    /// A token name outside the allowed characters or length.
    #[error(
        "token name {0:?} is not allowed: use 1 to 64 letters, digits, `.`, `_` or `-` \
         (the name is also the http-basic user name)"
    )]
    TokenName(String),

    /// The operating system could not give us random bytes for a secret.
    #[error("the system's random number generator failed ({0}); no token was made, try again")]
    Random(String),

    /// The log does not verify.
    #[error("log verification failed: {0}")]
    LogBroken(String),

    /// The log is not an extension of what this client saw before.
    #[error(
        "SECURITY ERROR: the registry's log has forked or been rewound: {detail}. \
         Keep both checkpoints as evidence (run with --json to print them) and stop \
         trusting this registry until it is explained"
    )]
    Fork {
        /// What differs.
        detail: String,
        /// The checkpoint this client saw.
        saved: String,
        /// The checkpoint the log has now.
        latest: String,
    },

    /// No entry at that index in a tree of that size.
    #[error("the log has no entry {index} in a tree of {size} entries; see `formulary log show`")]
    NoSuchEntry {
        /// The index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },

    /// No consistency proof between those sizes.
    #[error(
        "no consistency proof from {old} to {new} entries: need 0 < OLD <= NEW <= the log's size"
    )]
    NoSuchCheckpoints {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },

    /// `formulary intake` without an `[intake]` table.
    #[error(
        "{}: there is no [intake] table, so intake has nothing to follow; add one \
         (docs/intake.md, or the commented example `formulary init` writes)",
        path.display()
    )]
    NoIntake {
        /// The settings file.
        path: PathBuf,
    },

    /// The intake key cannot be used.
    #[error("intake key {}: {reason}", path.display())]
    IntakeKey {
        /// The key file `[intake] key` names.
        path: PathBuf,
        /// What is wrong and what to run.
        reason: String,
    },

    /// An evidence bundle does not verify.
    #[error("evidence bundle does not verify: {0}")]
    BundleBroken(String),
}
