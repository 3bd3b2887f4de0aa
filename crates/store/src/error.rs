//! The one error type of the store, with messages an operator can act on.
//!
//! The store sits under every command, so its errors reach people directly
//! through the CLI and the server. Each message names the folder, file,
//! package or database entry concerned and, where there is one, the next
//! step. Nothing here carries archive contents or credentials.

use std::io;
use std::path::PathBuf;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// `Store::open` on a folder that `Store::create` never set up.
    #[error(
        "{} is not a formulary data folder (no initialised db/ inside); \
         run `formulary init` first, or pass the right --data folder",
        dir.display()
    )]
    NotInitialized {
        /// The data folder.
        dir: PathBuf,
    },
    /// `Store::create` on a folder that already holds a registry.
    #[error(
        "{} already holds a formulary registry; open it as it is, \
         or choose another --data folder",
        dir.display()
    )]
    AlreadyInitialized {
        /// The data folder.
        dir: PathBuf,
    },
    /// The data folder was written by a newer formulary.
    #[error(
        "{} has store format {found}, but this formulary reads format {supported}; \
         upgrade formulary",
        dir.display()
    )]
    UnsupportedFormat {
        /// The data folder.
        dir: PathBuf,
        /// The format recorded in the database.
        found: String,
        /// The format this build reads.
        supported: &'static str,
    },
    /// Another process holds the data folder.
    #[error(
        "the registry data folder is in use by {holder} (sled lets one process hold a \
         registry at a time); if that is `formulary serve`, run this command against it \
         with `--server URL` and a token (`--token NAME:SECRET`, or FORMULARY_SERVER and \
         FORMULARY_TOKEN); otherwise wait for it to finish or stop it"
    )]
    Locked {
        /// Who holds it: pid, command line and since when.
        holder: String,
    },
    /// A file system call failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What we were doing, e.g. "write blob file".
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// sled reported an error.
    #[error("registry database {}: {source}", path.display())]
    Db {
        /// The database folder.
        path: PathBuf,
        /// The underlying error.
        source: sled::Error,
    },
    /// A database entry is not what we wrote there.
    #[error(
        "registry database entry {key:?} in tree `{tree}` cannot be read ({source}); \
         the database is damaged, restore the data folder from backup"
    )]
    Decode {
        /// The sled tree.
        tree: &'static str,
        /// The entry's key, printable.
        key: String,
        /// What failed.
        source: serde_json::Error,
    },
    /// A record could not be turned into JSON.
    #[error("cannot encode the record for {subject}: {source}")]
    Encode {
        /// Which record, e.g. `acme/pay 1.2.1`.
        subject: String,
        /// What failed.
        source: serde_json::Error,
    },
    /// The same name and version is stored with other bytes.
    #[error(
        "{name} {version} is already stored with sha256 {existing_sha256}, \
         but this archive has sha256 {new_sha256}; changed bytes under the same \
         version are refused (ask upstream to publish a new version number)"
    )]
    Conflict {
        /// The package.
        name: String,
        /// The version (as given in the new record).
        version: String,
        /// The digest already stored.
        existing_sha256: String,
        /// The digest that was refused.
        new_sha256: String,
    },
    /// A blob file does not hold the bytes its name promises.
    #[error(
        "blob file {} does not match its sha256 (found {actual}); it was changed \
         on disk, restore it from backup",
        path.display()
    )]
    BlobCorrupt {
        /// The blob file.
        path: PathBuf,
        /// Digest (or size, for a size mismatch) of what is there now.
        actual: String,
    },
    /// A blob that should be there is not.
    #[error(
        "blob {sha256} is missing from {}; restore it from backup or ingest \
         the archive again",
        path.display()
    )]
    BlobMissing {
        /// The digest.
        sha256: String,
        /// Where it should be.
        path: PathBuf,
    },
    /// A string that should be a SHA-256 or SHA-1 digest is not one.
    #[error("{digest:?} is not a {kind} digest ({len} lowercase hex characters)")]
    InvalidDigest {
        /// The string given.
        digest: String,
        /// "sha256" or "sha1".
        kind: &'static str,
        /// Expected length.
        len: usize,
    },
    /// A version string Composer would not accept.
    #[error("version {version:?} of {name}: {source}")]
    InvalidVersion {
        /// The package.
        name: String,
        /// The version string.
        version: String,
        /// Why it was refused.
        source: formulary_composer::VersionError,
    },
    /// A token name already belongs to a token that is still accepted.
    #[error(
        "a token named {name:?} already exists and is still accepted; revoke it first \
         (`formulary token revoke {name}`) or choose another name"
    )]
    TokenExists {
        /// The name asked for.
        name: String,
    },
    /// No token has this name.
    #[error("no token is named {name:?}; see `formulary token list`")]
    UnknownToken {
        /// The name asked for.
        name: String,
    },
    /// A record whose fields disagree with each other or with its blob.
    #[error("record for {name} {version} refused: {reason}")]
    InvalidRecord {
        /// The package.
        name: String,
        /// The version.
        version: String,
        /// What is inconsistent.
        reason: String,
    },
}
