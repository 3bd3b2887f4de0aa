//! Our own reading of the zip central directory, from the raw bytes.
//!
//! The `zip` crate is our inflater, but we do not let it be our only
//! witness of what the archive lists. It keeps entries in a map keyed by
//! name, so a second entry with the same name silently replaces the first;
//! it reads the Info-ZIP Unicode path field over the header name; and it
//! allocates per declared entry before we could apply a limit. So we find
//! the end-of-central-directory record ourselves, refuse too many entries
//! before the crate parses anything, and walk the directory headers to
//! keep every raw name, attribute and flag exactly as written. `plan`
//! then checks that the crate saw the same entries at the same offsets.

use crate::error::UnpackError;

const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";
const CENTRAL_SIG: &[u8; 4] = b"PK\x01\x02";
const CENTRAL_LEN: usize = 46;

/// One central directory header, as written in the archive.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// Where the header starts in the archive.
    pub offset: u64,
    /// General purpose flags (bit 0: encrypted).
    pub flags: u16,
    /// Compression method (0 stored, 8 deflate).
    pub method: u16,
    /// External attributes: unix mode in the high 16 bits, DOS bits low.
    pub external_attrs: u32,
    /// The name bytes exactly as in the header.
    pub name: Vec<u8>,
}

/// Where the central directory starts and what it lists.
#[derive(Debug)]
pub(crate) struct Directory {
    /// Offset of the first central header.
    pub start: u64,
    /// Every header, in order, duplicates included.
    pub records: Vec<Record>,
}

/// Reads the central directory, refusing more than `max_entries` entries
/// before looking at any of them.
pub(crate) fn read(archive: &[u8], max_entries: usize) -> Result<Directory, UnpackError> {
    let end = find_end(archive)?;
    if end.entries > max_entries as u64 {
        return Err(UnpackError::TooManyEntries {
            count: end.entries,
            limit: max_entries,
        });
    }
    let mut records = Vec::with_capacity(end.entries as usize);
    let mut pos = usize_at(end.start)?;
    for _ in 0..end.entries {
        let (record, next) = read_record(archive, pos)?;
        records.push(record);
        pos = next;
    }
    Ok(Directory {
        start: end.start,
        records,
    })
}

/// The figures the end-of-central-directory records give us.
struct End {
    entries: u64,
    start: u64,
}

/// Finds the last end-of-central-directory record (and its zip64 twin
/// when the classic fields overflow).
fn find_end(archive: &[u8]) -> Result<End, UnpackError> {
    let at = locate_eocd(archive).ok_or_else(|| not_zip("no end-of-central-directory record"))?;
    let entries = u16_at(archive, at + 10);
    let start = u32_at(archive, at + 16);
    if entries != 0xFFFF && start != 0xFFFF_FFFF {
        return Ok(End {
            entries: u64::from(entries),
            start: u64::from(start),
        });
    }
    find_zip64_end(archive, at)
}

/// Scans backwards over the space a trailing comment may take (64 KiB)
/// for the record signature, nearest the end first.
fn locate_eocd(archive: &[u8]) -> Option<usize> {
    let last = archive.len().checked_sub(EOCD_LEN)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    (first..=last).rev().find(|&at| {
        let comment = usize::from(u16_at(archive, at + 20));
        &archive[at..at + 4] == EOCD_SIG && at + EOCD_LEN + comment <= archive.len()
    })
}

fn find_zip64_end(archive: &[u8], eocd: usize) -> Result<End, UnpackError> {
    let locator = eocd
        .checked_sub(20)
        .filter(|&at| &archive[at..at + 4] == ZIP64_LOCATOR_SIG)
        .ok_or_else(|| not_zip("zip64 fields without a zip64 locator"))?;
    let at = usize_at(u64_at(archive, locator + 8))?;
    let fits = at.checked_add(56).is_some_and(|end| end <= archive.len());
    if !fits || &archive[at..at + 4] != ZIP64_EOCD_SIG {
        return Err(not_zip("zip64 end record missing"));
    }
    Ok(End {
        entries: u64_at(archive, at + 32),
        start: u64_at(archive, at + 48),
    })
}

/// Reads one central header at `pos`; returns it and where the next starts.
fn read_record(archive: &[u8], pos: usize) -> Result<(Record, usize), UnpackError> {
    let fixed_end = pos.checked_add(CENTRAL_LEN).filter(|&e| e <= archive.len());
    if fixed_end.is_none() || &archive[pos..pos + 4] != CENTRAL_SIG {
        return Err(malformed(format!(
            "no central directory header at offset {pos}"
        )));
    }
    let name_len = usize::from(u16_at(archive, pos + 28));
    let extra_len = usize::from(u16_at(archive, pos + 30));
    let comment_len = usize::from(u16_at(archive, pos + 32));
    let name_start = pos + CENTRAL_LEN;
    let next = name_start + name_len + extra_len + comment_len;
    if next > archive.len() {
        return Err(malformed(format!(
            "central header at offset {pos} runs past the end"
        )));
    }
    let record = Record {
        offset: pos as u64,
        flags: u16_at(archive, pos + 8),
        method: u16_at(archive, pos + 10),
        external_attrs: u32_at(archive, pos + 38),
        name: archive[name_start..name_start + name_len].to_vec(),
    };
    Ok((record, next))
}

fn not_zip(reason: &str) -> UnpackError {
    UnpackError::NotAZip {
        reason: reason.to_owned(),
    }
}

fn malformed(reason: String) -> UnpackError {
    UnpackError::Malformed { reason }
}

fn usize_at(offset: u64) -> Result<usize, UnpackError> {
    usize::try_from(offset).map_err(|_| malformed(format!("offset {offset} out of range")))
}

// The readers below are only called at offsets already checked to lie
// inside the slice.
fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}
