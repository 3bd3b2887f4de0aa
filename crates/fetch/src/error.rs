//! Why a fetch failed, one variant per cause.
//!
//! Each message is one line that names the thing (file, URL, package) and
//! says what to do next, because the CLI prints it as is. No message ever
//! carries a credential: URLs are shown without their user-info, and JSON
//! errors from credential files are reduced to line and column (serde's own
//! message can quote the offending value).

use std::path::PathBuf;

/// Everything that can stop a fetch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The source string is none of the forms `formulary ingest` accepts.
    #[error("cannot use {input:?} as a source: {reason}")]
    BadSource {
        /// The string as given.
        input: String,
        /// What is wrong with it and what would work.
        reason: String,
    },

    /// A local file or folder could not be read.
    #[error("cannot read {}: {source}; check that it exists and is readable", path.display())]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },

    /// A response was longer than the configured limit.
    #[error("{url} sent more than {limit} bytes; refused (raise max_archive_bytes in formulary.toml if the archive is real)")]
    TooLarge {
        /// The URL, without credentials.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },

    /// A folder or git tree holds more content than an archive may.
    #[error("{source_name} holds more than {limit} bytes of files; refused (raise max_archive_bytes in formulary.toml if the package is real)")]
    TreeTooLarge {
        /// The folder or `URL#ref`.
        source_name: String,
        /// The limit in bytes.
        limit: u64,
    },

    /// A folder to archive contains a formulary registry.
    #[error("{} contains a formulary data folder ({data}); ingest the module's own folder, not one that holds the registry", folder.display())]
    RegistryInside {
        /// The folder given.
        folder: std::path::PathBuf,
        /// The data folder inside it, relative.
        data: String,
    },

    /// A zip file is larger than an archive may be.
    #[error("{} is {size} bytes, over the {limit}-byte archive limit (max_archive_bytes in formulary.toml)", path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// A file given as a zip has no bytes at all.
    #[error("{} is empty (0 bytes): not an archive; was the download cut short?", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },

    /// A file given as a zip is not one.
    #[error("{} is not a zip archive (no PK header); give a .zip, a folder or a git URL#ref", path.display())]
    NotAZip {
        /// The file.
        path: PathBuf,
    },

    /// A folder or git tree holds a symlink, which could point outside it.
    #[error("refusing symlink {path}: a link can point outside the package; replace it with the file it points to")]
    Symlink {
        /// The link's path inside the folder or tree.
        path: String,
    },

    /// A folder holds something that is neither file, folder nor symlink.
    #[error("refusing special file {path} (device, socket or pipe); remove it from the folder")]
    SpecialFile {
        /// Its path inside the folder.
        path: String,
    },

    /// A path is not valid UTF-8, so it cannot be named in a zip portably.
    #[error("refusing path {path}: it is not valid UTF-8; rename it")]
    NonUtf8Path {
        /// The path, lossily decoded.
        path: String,
    },

    /// Writing the deterministic zip failed.
    #[error("cannot build a zip of {source_name}: {message}")]
    Archive {
        /// The folder or git source being archived.
        source_name: String,
        /// What the zip writer said.
        message: String,
    },

    /// A git operation failed.
    #[error("git {action} of {url} failed: {message}; check the URL and that the repository is reachable")]
    Git {
        /// What was attempted (`fetch`, `read`, ...).
        action: &'static str,
        /// The repository URL, without user-info.
        url: String,
        /// What libgit2 said.
        message: String,
    },

    /// The ref after `#` names no tag, branch or commit.
    #[error(
        "{url} has no tag, branch or commit {reference:?}; list them with `git ls-remote {url}`"
    )]
    GitRefNotFound {
        /// The repository URL, without user-info.
        url: String,
        /// The ref as given.
        reference: String,
    },

    /// A credentials file or `COMPOSER_AUTH` could not be read.
    #[error("cannot read credentials from {origin}: {reason}")]
    BadAuth {
        /// `COMPOSER_AUTH` or the file's path.
        origin: String,
        /// What is wrong (never the secret itself).
        reason: String,
    },

    /// The HTTP client could not be built.
    #[error("cannot set up HTTP: {0}")]
    Client(String),

    /// A request failed on the transport (DNS, connect, timeout) every try.
    #[error("GET {url} failed after {attempts} attempt(s): {message}; check the network and the upstream URL")]
    Transport {
        /// The URL, without user-info.
        url: String,
        /// How many times it was tried.
        attempts: u32,
        /// The last transport error.
        message: String,
    },

    /// The server refused the credentials, or wanted some.
    #[error("HTTP {status} from {url}: check the http-basic or bearer entry for {origin:?} in auth.json or COMPOSER_AUTH")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// The URL, without user-info.
        url: String,
        /// The host[:port] key the credentials would be under.
        origin: String,
    },

    /// Any other HTTP status that ends the request.
    #[error("HTTP {status} from {url}; check the upstream URL and that the server is up")]
    Status {
        /// The status code.
        status: u16,
        /// The URL, without user-info.
        url: String,
    },

    /// A redirect chain was too long, or had no usable `Location`.
    #[error("bad redirect from {url}: {reason}")]
    Redirect {
        /// The URL that redirected, without user-info.
        url: String,
        /// What was wrong.
        reason: String,
    },

    /// A repository file is not what its place in the protocol requires.
    #[error("unexpected repository data at {url}: {reason}")]
    BadRepository {
        /// The URL, without user-info.
        url: String,
        /// What was wrong.
        reason: String,
    },

    /// A v1 file's bytes do not match the SHA-256 its parent listed.
    #[error("{url} does not match the sha256 its listing gave (expected {expected}, got {actual}); the upstream may be mid-update or tampered with, try again later")]
    ListingHashMismatch {
        /// The URL, without user-info.
        url: String,
        /// The SHA-256 listed.
        expected: String,
        /// The SHA-256 of what arrived.
        actual: String,
    },

    /// No upstream is configured, so a package name cannot be fetched.
    #[error("no Composer upstream is configured to fetch {package}; add an [[upstream]] table with its url to formulary.toml")]
    NoUpstreams {
        /// The package asked for.
        package: String,
    },

    /// No configured upstream knows the package.
    #[error("no upstream has {package} (asked {upstreams}); check the name and your upstreams")]
    PackageNotFound {
        /// The package asked for.
        package: String,
        /// The upstream URLs asked.
        upstreams: String,
    },

    /// The upstream has the package but no version fits.
    #[error("{upstream} has no version of {package} matching {constraint} (has: {available}); loosen the constraint")]
    NoMatchingVersion {
        /// The package asked for.
        package: String,
        /// The constraint, or `any stable version`.
        constraint: String,
        /// The upstream asked, without user-info.
        upstream: String,
        /// Some of the versions it has.
        available: String,
    },

    /// The chosen version has no dist, or not a zip one.
    #[error("{package} {version} has no zip dist ({found}); formulary ingests zip archives only")]
    NoZipDist {
        /// The package.
        package: String,
        /// The chosen version.
        version: String,
        /// What it has instead.
        found: String,
    },

    /// The downloaded dist does not match the upstream's SHA-1.
    #[error("checksum mismatch for {package} {version} from {url}: expected sha1 {expected}, got {actual}; the upstream archive changed or was corrupted, do not ingest it")]
    ChecksumMismatch {
        /// The package.
        package: String,
        /// The version.
        version: String,
        /// The dist URL, without user-info.
        url: String,
        /// The `shasum` the upstream published.
        expected: String,
        /// The SHA-1 of the bytes received.
        actual: String,
    },

    /// A `vendor/*` pattern on an upstream that does not list its names.
    #[error("{upstream} cannot enumerate its package names (it publishes neither available-packages nor a v1 provider listing), so {pattern} cannot be followed there; list the packages by name instead")]
    CannotListNames {
        /// The upstream, without user-info.
        upstream: String,
        /// The pattern asked for (`magento/*`).
        pattern: String,
    },

    /// The clock gave a time that cannot be written as RFC 3339.
    #[error("cannot write the fetch time as RFC 3339: {0}")]
    Clock(String),
}
