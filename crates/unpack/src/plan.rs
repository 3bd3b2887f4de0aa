//! The extraction plan: every entry checked, sized and placed before a
//! single byte is written.
//!
//! Everything we can refuse from the archive's own account of itself we
//! refuse here, so that most hostile archives leave `dest` untouched: bad
//! names and types, duplicates, declared sizes and ratios over the limits,
//! entries whose data overlap (the trick behind non-recursive zip bombs),
//! and any disagreement between our reading of the central directory and
//! the `zip` crate's. Declared sizes are only a first filter: `extract`
//! counts the real bytes again while inflating.

use std::collections::HashSet;
use std::io::Cursor;

use zip::ZipArchive;

use crate::cdir::{Directory, Record};
use crate::entry::{self, Kind};
use crate::error::{display_name, UnpackError};
use crate::layout;
use crate::limits::{Limits, MAX_MANIFEST_BYTES, RATIO_FLOOR_BYTES};

/// The archive reader we inflate with.
pub(crate) type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// The manifest's path at the package root.
pub(crate) const MANIFEST: &str = "composer.json";

/// One entry, checked and placed.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    /// Its index in the `zip` crate's archive.
    pub index: usize,
    /// Its name as the archive spells it, for messages.
    pub entry: String,
    /// Where it lands, relative to `dest`, after any top folder is stripped.
    pub path: String,
    /// File or directory.
    pub kind: Kind,
    /// Declared uncompressed size.
    pub size: u64,
    /// Declared compressed size.
    pub compressed: u64,
}

/// What `extract` will do.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Entries in archive order (directories included).
    pub entries: Vec<Planned>,
    /// The single top folder that was stripped, if any.
    pub stripped_prefix: Option<String>,
}

/// Checks every entry and decides where it lands.
pub(crate) fn build(
    archive: &[u8],
    dir: &Directory,
    zip: &mut Zip,
    limits: &Limits,
) -> Result<Plan, UnpackError> {
    let mut entries = check_records(&dir.records)?;
    check_same_view(dir, zip)?;
    let mut spans = Vec::with_capacity(entries.len());
    for (planned, record) in entries.iter_mut().zip(&dir.records) {
        let span = read_sizes(planned, record, zip)?;
        check_local_name(archive, span.start, planned, record)?;
        spans.push(span);
    }
    check_spans(&mut spans, &entries, dir.start)?;
    check_declared_sizes(&entries, limits)?;
    let stripped_prefix = layout::strip_top_folder(&mut entries);
    layout::check_collisions(&entries)?;
    check_manifest_entry(&entries, &stripped_prefix)?;
    Ok(Plan {
        entries,
        stripped_prefix,
    })
}

/// Name, type, readability and duplicate checks on our own records.
fn check_records(records: &[Record]) -> Result<Vec<Planned>, UnpackError> {
    let mut seen = HashSet::with_capacity(records.len());
    let mut entries = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let name = entry::check_name(&record.name)?;
        let kind = entry::kind(record, &name)?;
        entry::check_readable(record)?;
        if !seen.insert(record.name.as_slice()) {
            return Err(UnpackError::DuplicateEntry {
                entry: display_name(&record.name),
            });
        }
        entries.push(Planned {
            index,
            entry: display_name(&record.name),
            path: name.path,
            kind,
            size: 0,
            compressed: 0,
        });
    }
    Ok(entries)
}

/// The `zip` crate must list the same number of entries from the same
/// central directory; otherwise two readers see two archives.
fn check_same_view(dir: &Directory, zip: &Zip) -> Result<(), UnpackError> {
    if zip.len() != dir.records.len() || zip.central_directory_start() != dir.start {
        return Err(UnpackError::Malformed {
            reason: format!(
                "the central directory reads as {} entries at offset {} one way \
                 and {} at offset {} another",
                dir.records.len(),
                dir.start,
                zip.len(),
                zip.central_directory_start()
            ),
        });
    }
    Ok(())
}

/// Where an entry's bytes lie in the archive: header start to data end.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u64,
    end: u64,
    index: usize,
}

/// Takes declared sizes from the `zip` crate (which reads zip64 fields)
/// after checking that it means the same header and the same name.
fn read_sizes(planned: &mut Planned, record: &Record, zip: &mut Zip) -> Result<Span, UnpackError> {
    let file = zip
        .by_index_raw(planned.index)
        .map_err(|e| corrupt(planned, e))?;
    if file.central_header_start() != record.offset {
        return Err(UnpackError::Malformed {
            reason: format!("entry `{}` is found at two offsets", planned.entry),
        });
    }
    if file.name_raw() != record.name.as_slice() {
        return Err(UnpackError::AmbiguousName {
            entry: planned.entry.clone(),
            other: display_name(file.name_raw()),
        });
    }
    planned.size = file.size();
    planned.compressed = file.compressed_size();
    if planned.kind == Kind::Dir && planned.size > 0 {
        return Err(UnpackError::AmbiguousType {
            entry: planned.entry.clone(),
            reason: "a directory entry carrying data",
        });
    }
    Ok(Span {
        start: file.header_start(),
        end: file.data_start().saturating_add(planned.compressed),
        index: planned.index,
    })
}

/// The local file header, which the data follows, must carry the same
/// name as the central directory: extractors that stream an archive read
/// only local headers.
fn check_local_name(
    archive: &[u8],
    header_start: u64,
    planned: &Planned,
    record: &Record,
) -> Result<(), UnpackError> {
    let local = usize::try_from(header_start)
        .ok()
        .and_then(|at| local_name(archive, at));
    match local {
        Some(name) if name == record.name.as_slice() => Ok(()),
        Some(name) => Err(UnpackError::AmbiguousName {
            entry: planned.entry.clone(),
            other: display_name(name),
        }),
        None => Err(UnpackError::Malformed {
            reason: format!("the local header of entry `{}` is cut short", planned.entry),
        }),
    }
}

/// The name bytes of the local header at `at` (name length at +26, name
/// from +30), if they lie inside the archive.
fn local_name(archive: &[u8], at: usize) -> Option<&[u8]> {
    let len_bytes = archive.get(at.checked_add(26)?..at.checked_add(28)?)?;
    let len = usize::from(u16::from_le_bytes([len_bytes[0], len_bytes[1]]));
    let start = at.checked_add(30)?;
    archive.get(start..start.checked_add(len)?)
}

/// Entries must not share bytes and must end before the central directory.
fn check_spans(spans: &mut [Span], entries: &[Planned], dir_start: u64) -> Result<(), UnpackError> {
    spans.sort_by_key(|s| s.start);
    for pair in spans.windows(2) {
        if pair[0].end > pair[1].start {
            return Err(UnpackError::OverlappingEntries {
                entry: entries[pair[1].index].entry.clone(),
                other: entries[pair[0].index].entry.clone(),
            });
        }
    }
    match spans.last() {
        Some(last) if last.end > dir_start => Err(UnpackError::Malformed {
            reason: format!(
                "the data of entry `{}` runs into the central directory",
                entries[last.index].entry
            ),
        }),
        _ => Ok(()),
    }
}

/// The first, cheap pass over the sizes the archive declares.
fn check_declared_sizes(entries: &[Planned], limits: &Limits) -> Result<(), UnpackError> {
    let mut total: u64 = 0;
    for e in entries.iter().filter(|e| e.kind == Kind::File) {
        check_one_size(e, e.size, limits)?;
        total = total.saturating_add(e.size);
        if total > limits.max_total_bytes {
            return Err(UnpackError::TotalTooLarge {
                entry: e.entry.clone(),
                limit: limits.max_total_bytes,
            });
        }
    }
    Ok(())
}

/// Per-file size and ratio limits for `bytes` of inflated data; shared
/// with `extract`, which calls it as real bytes arrive.
pub(crate) fn check_one_size(e: &Planned, bytes: u64, limits: &Limits) -> Result<(), UnpackError> {
    if bytes > limits.max_file_bytes {
        return Err(UnpackError::FileTooLarge {
            entry: e.entry.clone(),
            limit: limits.max_file_bytes,
        });
    }
    if bytes > RATIO_FLOOR_BYTES && bytes > e.compressed.saturating_mul(limits.max_ratio) {
        return Err(UnpackError::RatioTooHigh {
            entry: e.entry.clone(),
            compressed: e.compressed,
            limit: limits.max_ratio,
        });
    }
    Ok(())
}

/// A package without `composer.json` at its root is refused before we
/// write anything; an oversized one too, since we hold it in memory.
fn check_manifest_entry(entries: &[Planned], stripped: &Option<String>) -> Result<(), UnpackError> {
    let manifest = entries
        .iter()
        .find(|e| e.kind == Kind::File && e.path == MANIFEST);
    match manifest {
        None => Err(UnpackError::MissingManifest {
            stripped_prefix: stripped.clone(),
        }),
        Some(m) if m.size > MAX_MANIFEST_BYTES => Err(UnpackError::ManifestTooLarge {
            size: m.size,
            limit: MAX_MANIFEST_BYTES,
        }),
        Some(_) => Ok(()),
    }
}

fn corrupt(e: &Planned, err: zip::result::ZipError) -> UnpackError {
    UnpackError::CorruptEntry {
        entry: e.entry.clone(),
        reason: err.to_string(),
    }
}
