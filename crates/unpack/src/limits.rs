//! How much an archive may hold before we refuse it, and why each bound is
//! where it is.
//!
//! An archive reaches us from a vendor or an upstream repository we do not
//! control, and we unpack it on the machine that holds the registry's keys
//! and database. The threat is an archive built to exhaust that machine
//! (disk, memory, inodes, CPU) or to confuse the review (thousands of
//! decoy files). Each limit is set well above the largest real Magento 2
//! extensions we know of (about 5,000 files and 100 MB unpacked) so that no
//! honest package trips it, and far below what would hurt a small server.
//! Operators can move any of them in `formulary.toml`; every field has a
//! default, so a file that sets one limit keeps the others.

use serde::{Deserialize, Serialize};

/// One mebibyte, for writing limits legibly.
pub const MIB: u64 = 1024 * 1024;

/// Entries smaller than this are not held to [`Limits::max_ratio`].
///
/// We exempt small entries because tiny and repetitive files (an empty
/// `__init__`, a run of license headers, a blank CSV) legitimately compress
/// at ratios in the hundreds, while a bomb needs volume to do harm: an
/// entry under 1 MiB cannot exhaust anything whatever its ratio, and the
/// total and per-file limits still bound the sum.
pub const RATIO_FLOOR_BYTES: u64 = MIB;

/// Largest `composer.json` we read into memory.
///
/// Real manifests are a few kilobytes (Magento's own metapackages stay
/// under 100 KB); we hold the manifest in memory to parse it, so we bound
/// it separately from ordinary files, which are streamed to disk.
pub const MAX_MANIFEST_BYTES: u64 = MIB;

/// Longest entry name, in bytes, that we accept.
///
/// Magento paths stay under 300 bytes. Long names serve only to hit
/// file-system limits (`ENAMETOOLONG`, Windows `MAX_PATH`) at install time
/// on someone else's machine, or to push a suffix out of a reviewer's view.
pub const MAX_NAME_BYTES: usize = 1024;

/// Bounds on an archive and its contents, checked before and during
/// unpacking. See the module documentation for the reasoning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Most entries (files and directories) an archive may list.
    ///
    /// The largest public extensions hold about 5,000 files; 20,000 leaves
    /// room for a fat one while bounding the bookkeeping we do per entry
    /// and the inodes we create.
    pub max_entries: usize,

    /// Most bytes all files together may inflate to.
    ///
    /// About five times the largest real extension (100 MB): enough for
    /// bundled assets, small enough that a bomb cannot fill the disk.
    pub max_total_bytes: u64,

    /// Most bytes one file may inflate to.
    ///
    /// Real PHP, XML and JS files are kilobytes; bundled media and
    /// minified libraries reach a few megabytes. 128 MiB still admits a
    /// large bundled binary while stopping a single-entry bomb early.
    pub max_file_bytes: u64,

    /// Most times an entry may inflate relative to its compressed size,
    /// for entries above [`RATIO_FLOOR_BYTES`].
    ///
    /// Source code deflates about 4–10:1 and even very repetitive text
    /// (generated fixtures, SQL dumps) stays under 100:1; deflate's own
    /// ceiling is about 1032:1, which is what bombs of zeros reach. 200:1
    /// sits between the two.
    pub max_ratio: u64,

    /// Largest archive (compressed) we accept at all.
    ///
    /// We hold the archive in memory and store it forever in the blob
    /// store; real dists are tens of megabytes at most.
    pub max_archive_bytes: u64,

    /// Deepest nesting of arrays and objects in `composer.json`.
    ///
    /// Real manifests nest five or six levels; deep nesting only serves to
    /// exhaust a recursive parser's stack, so we count depth before any
    /// parser sees the bytes.
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 20_000,
            max_total_bytes: 512 * MIB,
            max_file_bytes: 128 * MIB,
            max_ratio: 200,
            max_archive_bytes: 256 * MIB,
            max_json_depth: 64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_that_sets_one_limit_keeps_the_other_defaults() {
        let limits: Limits = serde_json::from_str(r#"{"max_entries": 10}"#).expect("parses");
        assert_eq!(limits.max_entries, 10);
        assert_eq!(limits.max_total_bytes, Limits::default().max_total_bytes);
        assert_eq!(limits.max_json_depth, 64);
    }
}
