//! What changed between two versions of an extension, told so that a
//! reviewer can approve the new one by reading only the change.
//!
//! A reviewer who approved 1.0.0 should not have to read all of 1.0.1.
//! This crate compares two *sides* (each a file tree with its scan report
//! and its `composer.json`) and returns a [`Delta`]:
//!
//! - files added, removed, modified and renamed (by identical content),
//!   with unified diffs of text files; binary files are named as such;
//! - `composer.json` changes, with the ones that run code at install time
//!   marked;
//! - findings new, resolved and unchanged, matched by fingerprint;
//! - capabilities (hosts, endpoints, hooks, install-time code, file
//!   writes) new and dropped;
//! - a one-line [`Verdict`].
//!
//! It sits after the scanner in the pipeline and knows nothing of the
//! registry: a side is loaded from a folder, or from a zip unpacked under
//! `formulary-unpack`'s limits ([`Tree`]), and scanned here or given a
//! scan made earlier (the registry passes the scan it stored at ingest).
//! The [`render`] module turns a delta into text, JSON or one
//! self-contained HTML page.
//!
//! ```no_run
//! use formulary_diff::{compare, render, Tree};
//! use formulary_scan::{ScanOptions, Scanner};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let scanner = Scanner::new(ScanOptions::default());
//! let old = Tree::folder("acme-rx-1.0.0".as_ref())?.scanned("1.0.0", &scanner)?;
//! let new = Tree::folder("acme-rx-1.0.1".as_ref())?.scanned("1.0.1", &scanner)?;
//! let delta = compare(&old, &new)?;
//! println!("{}", delta.verdict.line);
//! print!("{}", render::text(&delta, false));
//! # Ok(())
//! # }
//! ```
//!
//! Archives are hostile input. A found secret never reaches the report
//! unredacted (see `redact.rs`); the renderers escape every byte that
//! came from an archive.

pub mod capabilities;
mod delta;
mod error;
pub mod files;
pub mod findings;
pub mod manifest;
mod redact;
pub mod render;
mod side;
pub mod verdict;

pub use capabilities::CapabilityChanges;
pub use delta::{compare, Delta, DeltaSummary, FindingSummary};
pub use error::DiffError;
pub use files::{Content, DiffLine, FileChanges, FileDelta, FileStatus, Hunk, LineTag, Skipped};
pub use findings::{FindingChanges, UnchangedFinding};
pub use manifest::{Change, ManifestChange};
pub use side::{LoadedSide, Side, Tree};
pub use verdict::{Verdict, VerdictLevel};
