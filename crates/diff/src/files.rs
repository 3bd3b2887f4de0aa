//! Files: which were added, removed, modified or renamed, and how.
//!
//! Both trees are listed the way the scanner lists them (regular files
//! only, links not followed, version-control folders skipped) and every
//! file is hashed, in parallel. Same path and same sha256: unchanged.
//! A file gone from one path whose exact bytes appear at a new path was
//! renamed; we pair such files by content only, never by a similar name
//! or similar content, so a "rename" in the report is always byte for
//! byte the same file. Everything else is added, removed or modified,
//! and text files get a unified diff (see `files/hunks.rs`).

mod hunks;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::redact::{Redactions, Which};
use crate::side::Side;

pub use hunks::{DiffLine, Hunk, LineTag};

/// Lines of context around each change in a unified diff.
pub const CONTEXT_LINES: usize = 3;

/// Most diff lines shown for one file; the rest is counted, not shown.
/// A reviewer does not read 20,000 lines of a regenerated file in a
/// report, and the report must stay small enough to open.
pub const MAX_DIFF_LINES: usize = 2_000;

/// Most characters shown of one line: minified code puts a whole file on
/// one line.
pub const MAX_LINE_CHARS: usize = 2_000;

/// Files above this are compared by digest only, as the scanner does not
/// read them either.
pub const MAX_TEXT_BYTES: u64 = formulary_scan::scanner::DEFAULT_MAX_FILE_BYTES;

/// How much of a file git-style sniffing reads to tell text from binary.
const SNIFF_BYTES: usize = 8_000;

/// The files that differ between two sides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChanges {
    /// Every file that differs, sorted by path (the new path of a rename).
    pub changed: Vec<FileDelta>,
    /// How many files are byte for byte the same at the same path.
    pub unchanged: usize,
    /// Entries that could not be compared, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// Only in the new side.
    Added,
    /// Only in the old side.
    Removed,
    /// At the same path on both sides, with other bytes.
    Modified,
    /// The same bytes at another path.
    Renamed,
}

impl FileStatus {
    /// One letter, as `git diff --name-status` prints it.
    pub fn letter(self) -> char {
        match self {
            FileStatus::Added => 'A',
            FileStatus::Removed => 'D',
            FileStatus::Modified => 'M',
            FileStatus::Renamed => 'R',
        }
    }
}

/// What kind of content a changed file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Content {
    /// Text: diffed line by line.
    Text,
    /// Binary (a NUL byte in its first 8,000 bytes): sizes only.
    Binary,
    /// Larger than [`MAX_TEXT_BYTES`]: sizes only.
    TooLarge,
    /// Listed and hashed, but could not be read again.
    Unreadable,
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDelta {
    /// Added, removed, modified or renamed.
    pub status: FileStatus,
    /// The path in the new side (the old side for a removed file).
    pub path: String,
    /// The path in the old side, for a rename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// Text, binary, too large.
    pub content: Content,
    /// Size in bytes in the old side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_size: Option<u64>,
    /// Size in bytes in the new side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_size: Option<u64>,
    /// Lines added (all of them, including any not shown).
    pub lines_added: usize,
    /// Lines removed (all of them, including any not shown).
    pub lines_removed: usize,
    /// The unified diff, redacted; empty for removed, binary and
    /// withheld files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hunks: Vec<Hunk>,
    /// Diff lines past [`MAX_DIFF_LINES`], counted but not shown.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_lines: usize,
    /// Why some or all of the diff is not shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An entry that could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// `old` or `new`.
    pub side: String,
    /// The path inside that side.
    pub path: String,
    /// What went wrong.
    pub reason: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl FileChanges {
    /// How many changed files have `status`.
    pub fn count(&self, status: FileStatus) -> usize {
        self.changed.iter().filter(|f| f.status == status).count()
    }

    /// New path → old path, for every rename.
    pub fn renames(&self) -> HashMap<&str, &str> {
        self.changed
            .iter()
            .filter_map(|f| Some((f.path.as_str(), f.old_path.as_deref()?)))
            .collect()
    }

    /// Lines added and removed over every file.
    pub fn lines(&self) -> (usize, usize) {
        let added = self.changed.iter().map(|f| f.lines_added).sum();
        let removed = self.changed.iter().map(|f| f.lines_removed).sum();
        (added, removed)
    }
}

/// A file as hashed: its sha256 and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Stamp {
    sha256: [u8; 32],
    size: u64,
}

/// One side's files, path → stamp.
type Listing = BTreeMap<String, Stamp>;

/// A change found by comparing stamps, before its content is read.
struct Pending {
    status: FileStatus,
    old: Option<(String, Stamp)>,
    new: Option<(String, Stamp)>,
}

/// Compares the files of two sides.
pub(crate) fn compare(old: &Side, new: &Side, redactions: &Redactions) -> FileChanges {
    let mut skipped = Vec::new();
    let old_files = list(&old.root, "old", &mut skipped);
    let new_files = list(&new.root, "new", &mut skipped);
    let (pending, unchanged) = classify(&old_files, &new_files);
    let mut changed: Vec<FileDelta> = pending
        .par_iter()
        .map(|p| describe(p, old, new, redactions))
        .collect();
    changed.sort_by(|a, b| a.path.cmp(&b.path).then(a.status.cmp(&b.status)));
    FileChanges {
        changed,
        unchanged,
        skipped,
    }
}

/// Lists and hashes a tree; what cannot be listed or read goes to
/// `skipped`.
fn list(root: &Path, side: &str, skipped: &mut Vec<Skipped>) -> Listing {
    let listing = formulary_scan::tree::list(root);
    for (path, reason) in listing.unreadable.into_iter().chain(listing.not_regular) {
        skipped.push(skip(side, path, reason));
    }
    let stamped: Vec<(String, std::io::Result<Stamp>)> = listing
        .paths
        .into_par_iter()
        .map(|path| {
            let stamp = stamp(&root.join(&path));
            (path, stamp)
        })
        .collect();
    let mut files = Listing::new();
    for (path, stamp) in stamped {
        match stamp {
            Ok(stamp) => {
                files.insert(path, stamp);
            }
            Err(err) => skipped.push(skip(side, path, format!("could not be read: {err}"))),
        }
    }
    files
}

fn skip(side: &str, path: String, reason: String) -> Skipped {
    Skipped {
        side: side.to_string(),
        path,
        reason,
    }
}

/// sha256 and size of a file, read in blocks.
fn stamp(path: &Path) -> std::io::Result<Stamp> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(Stamp {
        sha256: hasher.finalize().into(),
        size,
    })
}

/// Splits the paths into changes and a count of unchanged files.
fn classify(old: &Listing, new: &Listing) -> (Vec<Pending>, usize) {
    let mut pending = Vec::new();
    let mut unchanged = 0;
    for (path, stamp) in old {
        match new.get(path) {
            Some(other) if other == stamp => unchanged += 1,
            Some(other) => pending.push(Pending {
                status: FileStatus::Modified,
                old: Some((path.clone(), *stamp)),
                new: Some((path.clone(), *other)),
            }),
            None => {}
        }
    }
    let gone: Vec<(&String, &Stamp)> = old.iter().filter(|(p, _)| !new.contains_key(*p)).collect();
    let came: Vec<(&String, &Stamp)> = new.iter().filter(|(p, _)| !old.contains_key(*p)).collect();
    pending.extend(pair_renames(gone, came));
    (pending, unchanged)
}

/// Pairs removed and added files with the same bytes, in path order;
/// the rest stay removed or added. Empty files are never paired: any two
/// are "the same", and calling that a rename tells a reviewer nothing.
fn pair_renames(gone: Vec<(&String, &Stamp)>, came: Vec<(&String, &Stamp)>) -> Vec<Pending> {
    let mut by_content: HashMap<Stamp, VecDeque<&String>> = HashMap::new();
    for (path, stamp) in &gone {
        if stamp.size > 0 {
            by_content.entry(**stamp).or_default().push_back(path);
        }
    }
    let mut out = Vec::new();
    let mut renamed_from = std::collections::HashSet::new();
    for (path, stamp) in came {
        let from = by_content.get_mut(stamp).and_then(VecDeque::pop_front);
        match from {
            Some(old_path) => {
                tracing::trace!(from = %old_path, to = %path, "renamed by content");
                renamed_from.insert(old_path.clone());
                out.push(Pending {
                    status: FileStatus::Renamed,
                    old: Some((old_path.clone(), *stamp)),
                    new: Some((path.clone(), *stamp)),
                });
            }
            None => out.push(Pending {
                status: FileStatus::Added,
                old: None,
                new: Some((path.clone(), *stamp)),
            }),
        }
    }
    for (path, stamp) in gone {
        if !renamed_from.contains(path) {
            out.push(Pending {
                status: FileStatus::Removed,
                old: Some((path.clone(), *stamp)),
                new: None,
            });
        }
    }
    out
}

/// Reads what a change needs and describes it.
fn describe(p: &Pending, old: &Side, new: &Side, redactions: &Redactions) -> FileDelta {
    let path = p.new.as_ref().or(p.old.as_ref()).map_or("", |(p, _)| p);
    let mut delta = FileDelta {
        status: p.status,
        path: path.to_string(),
        old_path: None,
        content: Content::Text,
        old_size: p.old.as_ref().map(|(_, s)| s.size),
        new_size: p.new.as_ref().map(|(_, s)| s.size),
        lines_added: 0,
        lines_removed: 0,
        hunks: Vec::new(),
        omitted_lines: 0,
        note: None,
    };
    if p.status == FileStatus::Renamed {
        delta.old_path = p.old.as_ref().map(|(p, _)| p.clone());
        delta.content = match read(&new.root, path) {
            Ok(bytes) if is_binary(&bytes) => Content::Binary,
            Ok(_) => Content::Text,
            Err(content) => content,
        };
        return delta;
    }
    let old_text = p.old.as_ref().map(|(path, _)| read(&old.root, path));
    let new_text = p.new.as_ref().map(|(path, _)| read(&new.root, path));
    match texts(old_text, new_text) {
        Ok((old_text, new_text)) => {
            fill_diff(&mut delta, p, (&old_text, &new_text), redactions);
        }
        Err(content) => delta.content = content,
    }
    delta
}

/// Both sides' text (empty for a missing side), or the content kind that
/// stops a line diff.
fn texts(
    old: Option<Result<Vec<u8>, Content>>,
    new: Option<Result<Vec<u8>, Content>>,
) -> Result<(String, String), Content> {
    let old = old.transpose()?.unwrap_or_default();
    let new = new.transpose()?.unwrap_or_default();
    if is_binary(&old) || is_binary(&new) {
        return Err(Content::Binary);
    }
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap_or_else(|e| lossy(e.as_bytes()));
    Ok((text(old), text(new)))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Line counts and, unless a secret forbids it, the redacted hunks. A
/// removed file gets counts only: its text is gone, and reading it is
/// not what a reviewer of the new version needs.
fn fill_diff(
    delta: &mut FileDelta,
    p: &Pending,
    (old_text, new_text): (&str, &str),
    redactions: &Redactions,
) {
    let old_mask = p
        .old
        .as_ref()
        .map(|(path, _)| redactions.mask(Which::Old, path));
    let new_mask = p
        .new
        .as_ref()
        .map(|(path, _)| redactions.mask(Which::New, path));
    let masks = (old_mask.unwrap_or(Ok(None)), new_mask.unwrap_or(Ok(None)));
    let show = p.status != FileStatus::Removed;
    match masks {
        (Ok(old_mask), Ok(new_mask)) => {
            let diffed = hunks::diff(old_text, new_text, (old_mask, new_mask), redactions, show);
            delta.lines_added = diffed.lines_added;
            delta.lines_removed = diffed.lines_removed;
            delta.hunks = diffed.hunks;
            delta.omitted_lines = diffed.omitted_lines;
            if diffed.omitted_lines > 0 {
                delta.note = Some(format!(
                    "diff cut after {MAX_DIFF_LINES} lines; {} more not shown",
                    diffed.omitted_lines
                ));
            }
        }
        (Err(why), _) | (_, Err(why)) => {
            let counted = hunks::diff(old_text, new_text, (None, None), redactions, false);
            delta.lines_added = counted.lines_added;
            delta.lines_removed = counted.lines_removed;
            delta.note = Some(why.to_string());
        }
    }
}

/// A file's bytes, or why they cannot be diffed.
fn read(root: &Path, path: &str) -> Result<Vec<u8>, Content> {
    use formulary_scan::tree::{read_limited, ReadProblem};
    match read_limited(&root.join(path), MAX_TEXT_BYTES) {
        Ok(bytes) => Ok(bytes),
        Err(ReadProblem::TooLarge(_)) => Err(Content::TooLarge),
        Err(ReadProblem::Io(err)) => {
            tracing::debug!(path, %err, "changed file could not be read again");
            Err(Content::Unreadable)
        }
    }
}

/// Git's rule: a NUL byte near the start means binary.
fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
